//! YAML printing over the real-world corpus in `../shared/corpus/real-asl` (read in place,
//! never copied): every readable definition, JSON or YAML, printed with
//! `asl::yaml::print_yaml` and read back as YAML, must give the same tree (`same_value`:
//! key order, duplicates and number spellings included), and printing that tree again must
//! give the same text.
//!
//! Accepted failures would be listed in `tests/known-failures-yaml.txt` (`<check> <case>`);
//! a failure not on the list fails the test.
//!
//! Every state of every real YAML definition is also renamed through `asl::edit` and printed
//! with `asl::yaml::reprint_yaml`: the lines that change must be exactly the lines that name
//! the state, and the inverse edit must give the original text back byte for byte.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

use asl::{
    Document, SourceFormat,
    edit::{self, Edit},
    json,
    yaml::{print_yaml, reprint_yaml},
};

#[path = "../src/test_support.rs"]
mod support;

const KNOWN_FAILURES: &str = include_str!("known-failures-yaml.txt");

fn case_name(path: &Path) -> String {
    path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_string()
}

/// Why printing `root` as YAML does not give it back, or `None` when it does.
fn yaml_round_trip_failure(root: &json::Node) -> Option<String> {
    let printed = print_yaml(root);
    let (document, diagnostics) = Document::read(&printed, SourceFormat::Yaml);
    let Some(reread) = document.root() else {
        let diagnostic = &diagnostics[0];
        return Some(format!(
            "the printed YAML is unreadable at {}:{}: {}",
            diagnostic.line, diagnostic.column, diagnostic.message
        ));
    };
    if !reread.same_value(root) {
        let (expected, found) = (json::print(root, "  "), json::print(reread, "  "));
        let line = expected.lines().zip(found.lines()).position(|(left, right)| left != right).unwrap_or(0);
        return Some(format!(
            "reads back as another value; first difference at canonical JSON line {}: {:?} became {:?}",
            line + 1,
            expected.lines().nth(line).unwrap_or_default(),
            found.lines().nth(line).unwrap_or_default()
        ));
    }
    if print_yaml(reread) != printed {
        return Some("printing the re-read tree gives other text".to_string());
    }
    None
}

#[test]
fn real_definitions_print_as_yaml_that_reads_back_the_same() {
    let Some(corpus) = support::shared("corpus/real-asl") else { return };
    let files = support::real_asl_files(&corpus, &["json", "asl", "yaml", "yml"]);
    assert!(files.len() >= 200, "expected the real-asl corpus, found {} files", files.len());
    let mut json_total = 0;
    let mut yaml_total = 0;
    let mut json_failures = BTreeMap::new();
    let mut yaml_failures = BTreeMap::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let format = SourceFormat::from_file_name(&case_name(path));
        // Unreadable files are the parse check's business (tests/shared_corpus.rs).
        let (document, _) = Document::read(&text, format);
        let Some(root) = document.root() else { continue };
        let (total, failures) = match format {
            SourceFormat::Json => (&mut json_total, &mut json_failures),
            SourceFormat::Yaml => (&mut yaml_total, &mut yaml_failures),
        };
        *total += 1;
        if let Some(reason) = yaml_round_trip_failure(root) {
            failures.insert(case_name(path), reason);
        }
    }
    assert!(json_total >= 200, "expected at least 200 readable JSON definitions, found {json_total}");
    assert!(yaml_total >= 5, "expected the corpus's YAML definitions, found {yaml_total}");
    support::judge("tests/known-failures-yaml.txt", KNOWN_FAILURES, "json-to-yaml", json_total, &json_failures);
    support::judge("tests/known-failures-yaml.txt", KNOWN_FAILURES, "yaml-to-yaml", yaml_total, &yaml_failures);
}

/// The scopes of a machine (objects holding `StartAt` and `States`), as JSON pointers.
fn scopes(node: &json::Node, pointer: &str, out: &mut Vec<String>) {
    let Some(states) = node.get("States").and_then(json::Node::members) else { return };
    out.push(pointer.to_string());
    for state in states {
        let state_pointer = format!("{pointer}/States/{}", state.key.replace('~', "~0").replace('/', "~1"));
        match state.value.get("Type").and_then(json::Node::as_str) {
            Some("Parallel") => {
                for (index, branch) in
                    state.value.get("Branches").and_then(json::Node::elements).unwrap_or_default().iter().enumerate()
                {
                    scopes(branch, &format!("{state_pointer}/Branches/{index}"), out);
                }
            }
            Some("Map") => {
                for field in ["ItemProcessor", "Iterator"] {
                    if let Some(processor) = state.value.get(field) {
                        scopes(processor, &format!("{state_pointer}/{field}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn scope_at<'a>(root: &'a json::Node, pointer: &str) -> &'a json::Node {
    let mut node = root;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match &node.value {
            json::Value::Array(elements) => &elements[token.parse::<usize>().expect("an index")],
            _ => node.get(&token).expect("the scope exists"),
        };
    }
    node
}

/// The 0-based lines of every `StartAt`, `Next` or `Default` under `node` whose value is `name`.
fn transition_lines(document: &Document, node: &json::Node, name: &str, lines: &mut BTreeSet<usize>) {
    match &node.value {
        json::Value::Object(members) => {
            for member in members {
                if matches!(member.key.as_str(), "StartAt" | "Next" | "Default") && member.value.as_str() == Some(name)
                {
                    lines.insert(document.line_column(member.value.span.start).0 - 1);
                }
                transition_lines(document, &member.value, name, lines);
            }
        }
        json::Value::Array(elements) => {
            for element in elements {
                transition_lines(document, element, name, lines);
            }
        }
        _ => {}
    }
}

/// Renames `name` in `scope` and checks the text: `None` when only the lines naming it
/// changed and the inverse edit gives the text back, else what went wrong.
fn rename_failure(text: &str, scope: &str, name: &str) -> Option<String> {
    const NEW_NAME: &str = "Renamed by the designer";
    let (document, _) = Document::read(text, SourceFormat::Yaml);
    let old = document.root().expect("a readable definition");
    let scope_node = scope_at(old, scope);
    let states = scope_node.get("States").and_then(json::Node::members).expect("States");
    let state = states.iter().find(|state| state.key == name).expect("the state");
    let mut expected = BTreeSet::from([document.line_column(state.key_span.start).0 - 1]);
    transition_lines(&document, scope_node, name, &mut expected);

    let mut new = old.clone();
    let edit = Edit::RenameState { scope: scope.to_string(), from: name.to_string(), to: NEW_NAME.to_string() };
    let inverse = edit::apply(&mut new, &edit).expect("the rename applies");
    let printed = reprint_yaml(&new, old, text);
    let before: Vec<&str> = text.lines().collect();
    let after: Vec<&str> = printed.lines().collect();
    if before.len() != after.len() {
        return Some(format!("{} lines became {}", before.len(), after.len()));
    }
    let changed: BTreeSet<usize> = (0..before.len()).filter(|&line| before[line] != after[line]).collect();
    if changed != expected {
        return Some(format!("lines {changed:?} changed, expected the lines naming it, {expected:?}"));
    }
    for line in &changed {
        if before[*line].replace(name, NEW_NAME) != after[*line] {
            return Some(format!("line {} became {:?}", before[*line], after[*line]));
        }
    }
    let (renamed, _) = Document::read(&printed, SourceFormat::Yaml);
    let renamed = renamed.root().expect("the printed text reads");
    let mut back = renamed.clone();
    edit::apply(&mut back, &inverse).expect("the inverse applies");
    if reprint_yaml(&back, renamed, &printed) != text {
        return Some("the inverse edit did not give the original text back".to_string());
    }
    None
}

#[test]
fn renaming_a_state_in_a_real_yaml_file_changes_only_the_lines_that_name_it() {
    let Some(corpus) = support::shared("corpus/real-asl") else { return };
    let files = support::real_asl_files(&corpus, &["yaml", "yml"]);
    let mut renamed_files = 0;
    let mut renames = 0;
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let (document, _) = Document::read(&text, SourceFormat::Yaml);
        let Some(root) = document.root() else { continue };
        let mut pointers = Vec::new();
        scopes(root, "", &mut pointers);
        let mut renamed_here = 0;
        for scope in &pointers {
            let names: Vec<String> = scope_at(root, scope)
                .get("States")
                .and_then(json::Node::members)
                .unwrap_or_default()
                .iter()
                .map(|state| state.key.clone())
                .collect();
            for name in names {
                if let Some(reason) = rename_failure(&text, scope, &name) {
                    failures.push(format!("{} {scope} {name:?}: {reason}", case_name(path)));
                }
                renamed_here += 1;
            }
        }
        renames += renamed_here;
        if renamed_here > 0 {
            renamed_files += 1;
        }
    }
    println!("renamed {renames} states in {renamed_files} of {} real YAML files", files.len());
    assert!(failures.is_empty(), "renames that changed other lines or did not undo:\n{}", failures.join("\n"));
    assert!(renamed_files >= 9, "expected the corpus's 9 YAML definitions, renamed states in {renamed_files}");
}

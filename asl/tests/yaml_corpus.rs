//! YAML printing over the real-world corpus in `../shared/corpus/real-asl` (read in place,
//! never copied): every readable definition, JSON or YAML, printed with
//! `asl::yaml::print_yaml` and read back as YAML, must give the same tree (`same_value`:
//! key order, duplicates and number spellings included), and printing that tree again must
//! give the same text.
//!
//! Accepted failures would be listed in `tests/known-failures-yaml.txt` (`<check> <case>`);
//! a failure not on the list fails the test.

use std::{collections::BTreeMap, fs, path::Path};

use asl::{Document, SourceFormat, json, yaml::print_yaml};

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

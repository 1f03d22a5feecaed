//! The designer's model on real definitions (`../shared/corpus/real-asl`, read in place): an
//! unedited file exports the same bytes, and renaming one state changes only the lines that
//! name it, in JSON and in YAML files, and undo gives the original bytes back.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

use app::designer::model::Model;
use asl::edit::Edit;

fn corpus() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../shared/corpus/real-asl");
    if shared.is_dir() {
        Some(shared)
    } else {
        println!(
            "SKIPPED: the shared corpus is not at {}; these checks need ../shared beside the project",
            shared.display()
        );
        None
    }
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for repo in fs::read_dir(root).expect("corpus folder").flatten() {
        for entry in fs::read_dir(repo.path()).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_string();
            if name != "manifest.json" && path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn unedited_real_files_export_the_same_bytes() {
    let Some(root) = corpus() else { return };
    let files = files(&root);
    assert!(files.len() >= 200, "expected the real-asl corpus, found {} files", files.len());
    let mut exported = 0;
    for path in &files {
        let text = fs::read_to_string(path).expect("readable");
        let name = path.file_name().unwrap().to_str().unwrap();
        let model = Model::open_file(name, &text);
        if model.root().is_none() {
            continue;
        }
        let out = if model.is_yaml() { model.export_yaml() } else { model.export_json() };
        assert_eq!(out.as_deref(), Some(text.as_str()), "{name} did not export byte for byte");
        exported += 1;
    }
    println!("{exported} of {} real files exported byte for byte without edits", files.len());
    assert!(exported >= files.len() - 1);
}

#[test]
fn renaming_a_state_changes_only_the_lines_that_name_it() {
    let Some(root) = corpus() else { return };
    let mut checked = 0;
    let mut reflowed = Vec::new();
    for path in files(&root) {
        let text = fs::read_to_string(&path).expect("readable");
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut model = Model::open_file(&name, &text);
        let Some(root) = model.root() else { continue };
        if model.is_yaml() {
            continue;
        }
        let Some(start) = root.get("StartAt").and_then(|node| node.as_str()).map(str::to_string) else { continue };
        if root.get("States").and_then(|states| states.get(&start)).is_none() {
            continue;
        }
        let new_name = "Renamed by the designer";
        model
            .apply("rename", &Edit::RenameState { scope: String::new(), from: start.clone(), to: new_name.into() })
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let before: Vec<&str> = text.lines().collect();
        let after: Vec<&str> = model.text().lines().collect();
        if before.len() != after.len() {
            reflowed.push(name);
            continue;
        }
        let quoted = |value: &str| serde_json::to_string(value).unwrap();
        let changed: Vec<(&str, &str)> =
            before.iter().zip(&after).filter(|(old, new)| old != new).map(|(old, new)| (*old, *new)).collect();
        if changed.iter().any(|(old, new)| old.replace(&quoted(&start), &quoted(new_name)) != *new) {
            reflowed.push(name);
            continue;
        }
        // The key and StartAt at least.
        assert!(changed.len() >= 2, "{name}: only {} line(s) changed", changed.len());
        assert!(model.undo());
        assert_eq!(model.text(), text, "{name}: undo did not give the original bytes back");
        checked += 1;
    }
    println!("renamed the start state of {checked} real JSON files: only the lines naming it changed");
    assert!(reflowed.is_empty(), "a rename changed lines that do not name the state in: {reflowed:?}");
    assert!(checked >= 200, "expected to rename a state in at least 200 real files, did {checked}");
}

/// The 0-based lines of every `StartAt`, `Next` or `Default` in `node` whose value is `name`.
fn transition_lines(document: &asl::Document, node: &asl::json::Node, name: &str, lines: &mut BTreeSet<usize>) {
    use asl::json::Value;
    match &node.value {
        Value::Object(members) => {
            for member in members {
                if matches!(member.key.as_str(), "StartAt" | "Next" | "Default") && member.value.as_str() == Some(name)
                {
                    lines.insert(document.line_column(member.value.span.start).0 - 1);
                }
                transition_lines(document, &member.value, name, lines);
            }
        }
        Value::Array(elements) => {
            for element in elements {
                transition_lines(document, element, name, lines);
            }
        }
        _ => {}
    }
}

#[test]
fn renaming_a_state_in_a_real_yaml_file_changes_only_the_lines_that_name_it() {
    let Some(root) = corpus() else { return };
    let mut checked = 0;
    let mut reflowed = Vec::new();
    for path in files(&root) {
        let text = fs::read_to_string(&path).expect("readable");
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut model = Model::open_file(&name, &text);
        if !model.is_yaml() {
            continue;
        }
        let Some(root) = model.root() else { continue };
        let Some(start) = root.get("StartAt").and_then(|node| node.as_str()).map(str::to_string) else { continue };
        let Some(states) = root.get("States").and_then(|states| states.members()) else { continue };
        let Some(state) = states.iter().find(|state| state.key == start) else { continue };
        let (document, _) = asl::Document::read(&text, asl::SourceFormat::Yaml);
        let mut naming = BTreeSet::from([document.line_column(state.key_span.start).0 - 1]);
        transition_lines(&document, root, &start, &mut naming);
        let new_name = "Renamed by the designer";
        model
            .apply("rename", &Edit::RenameState { scope: String::new(), from: start.clone(), to: new_name.into() })
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let before: Vec<&str> = text.lines().collect();
        let after: Vec<&str> = model.text().lines().collect();
        let changed: BTreeSet<usize> =
            (0..before.len().min(after.len())).filter(|&line| before[line] != after[line]).collect();
        if before.len() != after.len()
            || changed != naming
            || changed.iter().any(|&line| before[line].replace(&start, new_name) != after[line])
        {
            reflowed.push(name);
            continue;
        }
        assert!(model.undo());
        assert_eq!(model.text(), text, "{name}: undo did not give the original bytes back");
        checked += 1;
    }
    println!("renamed the start state of {checked} real YAML files: only the lines naming it changed");
    assert!(reflowed.is_empty(), "a rename changed lines that do not name the state in: {reflowed:?}");
    assert!(checked >= 9, "expected to rename a state in the corpus's 9 YAML files, did {checked}");
}

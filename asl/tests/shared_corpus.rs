//! Data-driven checks against the shared corpus and AWS-recorded conformance cases in
//! `../shared` (read in place, never copied): parsing, lossless round-trip, and validation
//! results compared with what AWS and the asl-validator fixtures say.
//!
//! Failures that are known and accepted for now are listed in `tests/known-failures.txt`
//! (`<check> <case>` per line). A failure not on the list fails the test (a regression); a
//! listed case that now passes is reported so the list can shrink (progress is free).

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

use asl::{Document, Severity, SourceFormat, validate::validate};

#[path = "../src/test_support.rs"]
mod support;

fn shared() -> Option<PathBuf> {
    support::shared("")
}

/// Compares failures with `tests/known-failures.txt`: fails on new ones, reports fixed ones.
fn judge(check: &str, total: usize, failures: &BTreeSet<String>) {
    let failures = failures.iter().map(|case| (case.clone(), String::new())).collect();
    support::judge("tests/known-failures.txt", include_str!("known-failures.txt"), check, total, &failures);
}

fn read(path: &Path) -> (Document, Vec<asl::Diagnostic>) {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    let (document, mut diagnostics) = Document::read(&text, SourceFormat::from_file_name(name));
    if let Some(root) = document.root() {
        diagnostics.extend(validate(root));
    }
    document.locate(&mut diagnostics);
    (document, diagnostics)
}

fn errors(diagnostics: &[asl::Diagnostic]) -> Vec<&asl::Diagnostic> {
    diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn real_asl_files(shared: &Path) -> Vec<PathBuf> {
    support::real_asl_files(&shared.join("corpus/real-asl"), &["json", "asl", "yaml", "yml"])
}

fn files_in_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case_name(path: &Path) -> String {
    path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_string()
}

#[test]
fn real_definitions_parse_and_round_trip() {
    let Some(shared) = shared() else { return };
    let files = real_asl_files(&shared);
    assert!(files.len() >= 200, "expected the real-asl corpus, found {} files", files.len());
    let mut unreadable = BTreeSet::new();
    let mut not_round_tripped = BTreeSet::new();
    let mut byte_identical = 0;
    for path in &files {
        let text = fs::read_to_string(path).expect("readable");
        let format = SourceFormat::from_file_name(&case_name(path));
        let (document, diagnostics) = Document::read(&text, format);
        let Some(root) = document.root() else {
            let diagnostic = &diagnostics[0];
            println!("{}:{}:{}: {}", case_name(path), diagnostic.line, diagnostic.column, diagnostic.message);
            unreadable.insert(case_name(path));
            continue;
        };
        let printed = document.to_json().expect("a tree prints");
        if format == SourceFormat::Json && printed == text {
            byte_identical += 1;
        }
        let reread = asl::json::parse(&printed).expect("printed JSON parses");
        if !reread.same_value(root) {
            not_round_tripped.insert(case_name(path));
        }
    }
    println!(
        "real-asl: {} files, {} unreadable, {byte_identical} byte-identical after printing",
        files.len(),
        unreadable.len()
    );
    judge("parse", files.len(), &unreadable);
    judge("round-trip", files.len(), &not_round_tripped);
}

#[test]
fn real_definitions_validate_without_errors() {
    let Some(shared) = shared() else { return };
    let files = real_asl_files(&shared);
    let mut refused = BTreeSet::new();
    for path in &files {
        let (_, diagnostics) = read(path);
        let errors = errors(&diagnostics);
        if !errors.is_empty() {
            for error in &errors {
                println!(
                    "{}:{}:{}: {}[{}] {}",
                    case_name(path),
                    error.line,
                    error.column,
                    error.severity.as_str(),
                    error.code,
                    error.message
                );
            }
            refused.insert(case_name(path));
        }
    }
    judge("real-valid", files.len(), &refused);
}

#[test]
fn asl_validator_fixtures_are_judged_like_the_reference() {
    let Some(shared) = shared() else { return };
    let files = files_in(&shared.join("corpus/validator/asl-validator"));
    let mut wrong = BTreeSet::new();
    let mut total = 0;
    for path in &files {
        let name = case_name(path);
        let expect_valid = if name.starts_with("valid-") {
            true
        } else if name.starts_with("invalid-") {
            false
        } else {
            continue;
        };
        total += 1;
        let (_, diagnostics) = read(path);
        let errors = errors(&diagnostics);
        if expect_valid != errors.is_empty() {
            let found: Vec<String> = errors
                .iter()
                .map(|error| format!("{}:{} {} {}", error.line, error.column, error.code, error.message))
                .collect();
            println!("{name}: expected {}, got {found:?}", if expect_valid { "no errors" } else { "an error" });
            wrong.insert(name);
        }
    }
    judge("asl-validator", total, &wrong);
}

#[test]
fn definitions_aws_refused_are_refused_with_its_message() {
    let Some(shared) = shared() else { return };
    let cases = files_in_dirs(&shared.join("conformance/aws-recorded/create_error"));
    let mut not_refused = BTreeSet::new();
    let mut other_message = BTreeSet::new();
    let mut total = 0;
    for case in &cases {
        let expected: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(case.join("expected.json")).expect("expected.json"))
                .expect("JSON");
        let recorded = serde_json::to_string(&expected["response"]).unwrap_or_default();
        let messages = recorded_messages(&expected["response"]);
        // Only cases refused for their definition belong to the language; others are API errors.
        if !recorded.contains("InvalidDefinition") {
            continue;
        }
        total += 1;
        let name = case_name(case);
        let (_, diagnostics) = read(&case.join("definition.json"));
        let errors = errors(&diagnostics);
        if errors.is_empty() {
            not_refused.insert(name);
            continue;
        }
        let matched = errors.iter().any(|error| {
            messages.iter().any(|message| {
                wildcard_contains(message, &error.aws_text()) || wildcard_contains(message, &error.message)
            })
        });
        if !matched {
            let ours: Vec<String> = errors.iter().map(|error| error.aws_text()).collect();
            println!("{name}: ours {ours:?}\n    recorded {messages:?}");
            other_message.insert(name);
        }
    }
    judge("create-error-refused", total, &not_refused);
    judge("create-error-message", total, &other_message);
}

/// Every string in a recorded response, with the quoting of the tool that recorded it undone
/// (some messages went through Python's `repr`, which doubles backslashes and escapes quotes).
fn recorded_messages(response: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![response];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::String(text) => out.push(text.replace("\\\\", "\\").replace("\\'", "'")),
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`, where each `<…>` placeholder of the recorded
/// haystack (`arn:<partition>:…`) stands for one or more characters, as compare.py defines it.
fn wildcard_contains(haystack: &str, needle: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Item {
        Char(char),
        Wild,
    }
    let mut items = Vec::new();
    let mut characters = haystack.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '<' {
            let rest: String = characters.clone().take_while(|c| *c != '>').collect();
            if !rest.is_empty() && rest.len() < 40 && characters.clone().nth(rest.chars().count()) == Some('>') {
                for _ in 0..=rest.chars().count() {
                    characters.next();
                }
                items.push(Item::Wild);
                continue;
            }
        }
        items.push(Item::Char(character));
    }
    fn matches_from(items: &[Item], needle: &[char]) -> bool {
        match (needle.first(), items.first()) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(first), Some(Item::Char(expected))) => first == expected && matches_from(&items[1..], &needle[1..]),
            (Some(_), Some(Item::Wild)) => (1..=needle.len()).any(|taken| matches_from(&items[1..], &needle[taken..])),
        }
    }
    let needle: Vec<char> = needle.chars().collect();
    (0..items.len()).any(|start| matches_from(&items[start..], &needle))
}

#[test]
fn validate_cases_give_aws_results() {
    let Some(shared) = shared() else { return };
    let cases = files_in_dirs(&shared.join("conformance/aws-recorded/validate"));
    let mut wrong = BTreeSet::new();
    for case in &cases {
        let expected: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(case.join("expected.json")).expect("expected.json"))
                .expect("JSON");
        let (_, diagnostics) = read(&case.join("definition.json"));
        let ours: Vec<(String, String, Option<String>)> = errors(&diagnostics)
            .iter()
            .map(|error| (error.code.to_string(), error.message.clone(), error.location.clone()))
            .collect();
        let theirs: Vec<(String, String, Option<String>)> = expected["response"]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|diagnostic| {
                (
                    diagnostic["code"].as_str().unwrap_or_default().to_string(),
                    diagnostic["message"].as_str().unwrap_or_default().to_string(),
                    diagnostic["location"].as_str().map(str::to_string),
                )
            })
            .collect();
        if ours != theirs {
            println!("{}: ours {ours:?}\n    AWS {theirs:?}", case_name(case));
            wrong.insert(case_name(case));
        }
    }
    judge("validate", cases.len(), &wrong);
}

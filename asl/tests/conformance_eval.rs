//! Evaluation checked against executions recorded on AWS (`../shared/conformance`, read in
//! place, never copied): Choice-rule executions, TestState responses and whole executions of
//! definitions without Task states, run with the in-memory runner and compared with the
//! rules of `compare.py` (re-implemented below).
//!
//! Each group prints its pass rate. Failures that are known and accepted are listed in
//! `tests/known-failures-eval.txt` (`<group> <case>` per line): a failure not on the list
//! fails the test, and a listed case that passes is reported so the list can shrink.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use asl::eval::{
    FixedEnvironment,
    context::ExecutionInfo,
    machine::Machine,
    runner::{ExecutionStatus, NoTasks, RunOptions, run},
    test_state::{TestStateRequest, test_state},
};
use regex::Regex;
use serde_json::{Map, Value, json};

const NOW: i64 = 1_767_225_600_000;

#[path = "../src/test_support.rs"]
mod support;

#[path = "support/compare.rs"]
mod compare;

use compare::{as_value, compare, diff, parse_json_strings, string_matches};

fn conformance() -> Option<PathBuf> {
    support::shared("conformance").filter(|path| path.join("aws-recorded/index.json").is_file())
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The cases of one kind, as `(case name, case folder, index entry)`.
fn cases(root: &Path, kind: &str) -> Vec<(String, PathBuf, Value)> {
    let index = read_json(&root.join("aws-recorded/index.json"));
    index
        .as_array()
        .expect("index.json is a list")
        .iter()
        .filter(|entry| entry["kind"] == kind)
        .map(|entry| {
            let dir = entry["dir"].as_str().expect("dir");
            let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
            (name, root.join("aws-recorded").join(dir), entry.clone())
        })
        .collect()
}

/// Prints the pass rate; fails on failures not on `tests/known-failures-eval.txt`; reports fixed ones.
fn judge(group: &str, total: usize, failures: &BTreeMap<String, String>) {
    support::judge("tests/known-failures-eval.txt", include_str!("known-failures-eval.txt"), group, total, failures);
}

// ---------------------------------------------------------------------------------------
// Running cases

fn execute(definition: &Value, input: Value) -> Value {
    let machine = match Machine::from_value(definition) {
        Ok(machine) => machine,
        Err(error) => return json!({"status": "UNREADABLE", "error": error.message}),
    };
    let options = RunOptions {
        execution: ExecutionInfo::new("ConformanceMachine", "conformance-execution", Value::Null, NOW),
        max_events: 25_000,
    };
    let report = run(&machine, input, &options, &mut FixedEnvironment::new(42, NOW), &mut NoTasks);
    match report.status {
        ExecutionStatus::Succeeded { output } => {
            json!({"status": "SUCCEEDED", "output": serde_json::to_string(&output).expect("json")})
        }
        ExecutionStatus::Failed(failure) => json!({"status": "FAILED", "error": failure.error, "cause": failure.cause}),
    }
}

fn run_case(dir: &Path) -> Option<String> {
    let expected = read_json(&dir.join("expected.json"));
    let definition = read_json(&dir.join("definition.json"));
    let input = read_json(&dir.join("input.json"));
    compare(&expected, &execute(&definition, input))
}

#[test]
fn execution_output_cases_choice_rules() {
    let Some(root) = conformance() else { return };
    let all = cases(&root, "execution_output");
    let failures: BTreeMap<String, String> =
        all.iter().filter_map(|(name, dir, _)| run_case(dir).map(|reason| (name.clone(), reason))).collect();
    judge("execution_output", all.len(), &failures);
}

/// The features a definition uses, for per-feature pass rates.
fn features(definition: &str) -> Vec<&'static str> {
    let intrinsic = Regex::new(r"States\.[A-Za-z0-9]+\(").expect("regex");
    let mut found = Vec::new();
    if intrinsic.is_match(definition) {
        found.push("intrinsics");
    }
    if definition.contains("\"Variable\"") || definition.contains("\"Choices\"") {
        found.push("choice operators");
    }
    if definition.contains("JSONata") || definition.contains("{%") {
        found.push("jsonata");
    }
    if definition.contains("\"Assign\"") {
        found.push("assign");
    }
    if definition.contains("$$") || definition.contains("$states.context") {
        found.push("context object");
    }
    if found.is_empty() {
        found.push("other");
    }
    found
}

#[test]
fn execution_history_cases_without_tasks() {
    let Some(root) = conformance() else { return };
    let all: Vec<_> =
        cases(&root, "execution_history").into_iter().filter(|(_, _, entry)| entry["has_task"] == false).collect();
    let mut failures = BTreeMap::new();
    let mut per_feature: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (name, dir, _) in &all {
        let definition = fs::read_to_string(dir.join("definition.json")).expect("definition");
        let failure = run_case(dir);
        for feature in features(&definition) {
            let tally = per_feature.entry(feature).or_default();
            tally.0 += 1;
            if failure.is_none() {
                tally.1 += 1;
            }
        }
        if let Some(reason) = failure {
            failures.insert(name.clone(), reason);
        }
    }
    for (feature, (total, passed)) in &per_feature {
        println!(
            "execution_history [{feature}]: {passed}/{total} pass ({:.1} %)",
            100.0 * *passed as f64 / (*total).max(1) as f64
        );
    }
    judge("execution_history", all.len(), &failures);
}

/// Whether a TestState case needs what Statehouse cannot have: a real AWS service (a Task
/// state tested without a mock) or a service's API model (checking mocked results against
/// it, `fieldValidationMode`).
fn needs_aws(request: &Value, expected: &Value) -> Option<&'static str> {
    let message = expected["response"]["Error"]["Message"].as_str().unwrap_or_default();
    if message.starts_with("Mock result schema validation error") {
        return Some("checks a mocked result against the service's API model");
    }
    let definition: Value = serde_json::from_str(request["definition"].as_str().unwrap_or("{}")).unwrap_or(Value::Null);
    let state = match request["stateName"].as_str() {
        Some(name) => definition["States"][name].clone(),
        None => definition,
    };
    let unmocked_task = state["Type"] == "Task" && request.get("mock").is_none() && request.get("roleArn").is_some();
    unmocked_task.then_some("calls a real AWS service (Task state without a mock)")
}

fn test_state_case(dir: &Path) -> Option<String> {
    let expected = read_json(&dir.join("expected.json"));
    let request = read_json(&dir.join("request.json"));
    let response = &expected["response"];
    let outcome = TestStateRequest::from_api_json(&request)
        .and_then(|request| test_state(&request, &mut FixedEnvironment::new(42, NOW)));
    if expected["raised"] == true {
        let (code, message) = if let Some(error) = response.get("Error") {
            (
                error["Code"].as_str().unwrap_or_default().to_string(),
                error["Message"].as_str().unwrap_or_default().to_string(),
            )
        } else {
            let name = response["exception_typename"].as_str().unwrap_or_default();
            let text = response["exception_value"].as_str().unwrap_or_default();
            let message = text
                .split_once("TestState operation: ")
                .map(|(_, message)| message)
                .or_else(|| text.strip_prefix("Parameter validation failed:\n"))
                .unwrap_or(text);
            let code = if name == "ParamValidationError" { "ValidationException" } else { name };
            (code.to_string(), message.to_string())
        };
        return match outcome {
            Ok(output) => Some(format!("expected {code} '{message}', got {}", output.to_api_json())),
            Err(error) if error.code == code && error.message == message => None,
            Err(error) => Some(format!("expected {code} '{message}', got {} '{}'", error.code, error.message)),
        };
    }
    let actual = match outcome {
        Ok(output) => output.to_api_json(),
        Err(error) => return Some(format!("refused: {error}")),
    };
    let normalise = |response: &Value| -> Value {
        let mut out = Map::new();
        for field in ["status", "output", "error", "cause", "nextState"] {
            if let Some(value) = response.get(field) {
                out.insert(field.into(), as_value(value));
            }
        }
        if let Some(Value::Object(data)) = response.get("inspectionData") {
            let data: Map<String, Value> = data.iter().map(|(key, value)| (key.clone(), as_value(value))).collect();
            out.insert("inspectionData".into(), Value::Object(data));
        }
        parse_json_strings(&Value::Object(out))
    };
    diff(&normalise(response), &normalise(&actual), "response")
}

#[test]
fn test_state_cases() {
    let Some(root) = conformance() else { return };
    let mut total = 0;
    let mut skipped = BTreeMap::new();
    let mut failures = BTreeMap::new();
    for (name, dir, _) in cases(&root, "test_state") {
        let expected = read_json(&dir.join("expected.json"));
        let request = read_json(&dir.join("request.json"));
        if let Some(reason) = needs_aws(&request, &expected) {
            skipped.insert(name, reason);
            continue;
        }
        total += 1;
        if let Some(reason) = test_state_case(&dir) {
            failures.insert(name, reason);
        }
    }
    println!("test_state: {} cases skipped (they need AWS itself):", skipped.len());
    for (name, reason) in &skipped {
        println!("  skipped {name}: {reason}");
    }
    judge("test_state", total, &failures);
}

/// The runner numbers history events as AWS does, because causes quote the id of the event
/// that entered the failing state: the id of the last event must be the recorded one.
#[test]
fn execution_history_event_ids() {
    let Some(root) = conformance() else { return };
    let all: Vec<_> =
        cases(&root, "execution_history").into_iter().filter(|(_, _, entry)| entry["has_task"] == false).collect();
    let mut failures = BTreeMap::new();
    for (name, dir, _) in &all {
        let expected = read_json(&dir.join("expected.json"));
        let history = expected["history"].as_array().cloned().unwrap_or_default();
        // Events recorded with id 0 (sorted branch events) still took an id.
        let last = history.iter().filter_map(|event| event["id"].as_u64()).max().unwrap_or(0).max(history.len() as u64);
        let Ok(machine) = Machine::from_value(&read_json(&dir.join("definition.json"))) else {
            failures.insert(name.clone(), "unreadable definition".to_string());
            continue;
        };
        let input = read_json(&dir.join("input.json"));
        let report = run(&machine, input, &RunOptions::default(), &mut FixedEnvironment::new(42, NOW), &mut NoTasks);
        if report.events != last {
            failures.insert(name.clone(), format!("last event id: expected {last}, got {}", report.events));
        }
    }
    judge("event_ids", all.len(), &failures);
}

#[test]
fn the_comparator_follows_compare_py() {
    assert!(string_matches(
        "arn:<partition>:states:<region>:111111111111:execution:<a>:<b>",
        "arn:aws:states:us-east-1:123456789012:execution:M:e"
    ));
    assert!(!string_matches("arn:<partition>:states", "arn:aws:lambda"));
    assert!(string_matches("date", "2025-01-01T00:00:00.000Z"));
    let expected = json!({"status": "SUCCEEDED", "output": {"a": "{\"b\": 1}"}});
    assert_eq!(compare(&expected, &json!({"status": "SUCCEEDED", "output": "{\"a\":{\"b\":1.0}}"})), None);
    assert!(compare(&expected, &json!({"status": "SUCCEEDED", "output": "{\"a\":{\"b\":2}}"})).is_some());
    assert!(compare(&expected, &json!({"status": "FAILED"})).is_some());
}

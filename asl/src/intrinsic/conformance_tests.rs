//! Intrinsic functions against executions recorded on AWS (`../shared/conformance/aws-recorded`,
//! read in place, never copied). For every execution without a Task and without JSONata whose
//! definition calls intrinsic functions, each Pass state with such a payload template is
//! replayed: its `Parameters` (and `Assign`) are evaluated against the input AWS recorded
//! when the state was entered, and the result is compared with what AWS recorded when it
//! exited, as the conformance comparator does (`<…>` placeholders are wildcards). Fail states
//! whose `ErrorPath`/`CausePath` are calls are compared with the execution's error and cause.
//!
//! Failures that are known and accepted are listed in `tests/known-failures-intrinsics.txt`
//! (one `<case>/<state>` per line): a failure not listed fails the test (a regression), a
//! listed one that passes is reported so the list can shrink.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{evaluate_field, evaluate_text, looks_like_intrinsic};
use crate::eval::{EvalError, FixedEnvironment, PathScope};

const RECORDED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/aws-recorded");

fn known_failures() -> BTreeSet<String> {
    include_str!("../../tests/known-failures-intrinsics.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A recorded value: JSON text is parsed (AWS records inputs and outputs as text; the
/// recording already parsed the text of objects).
fn recorded(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

/// Whether a definition calls an intrinsic function anywhere in a `.$` field.
fn uses_intrinsics(value: &Value) -> bool {
    match value {
        Value::Object(members) => members.iter().any(|(key, member)| {
            (key.ends_with(".$") || key.ends_with("Path")) && member.as_str().is_some_and(looks_like_intrinsic)
                || uses_intrinsics(member)
        }),
        Value::Array(elements) => elements.iter().any(uses_intrinsics),
        _ => false,
    }
}

/// Every state of a definition, nested ones included, by name.
fn states(definition: &Value, found: &mut BTreeMap<String, Value>) {
    let Some(members) = definition.as_object() else { return };
    if let Some(Value::Object(states_by_name)) = members.get("States") {
        for (name, state) in states_by_name {
            found.insert(name.clone(), state.clone());
            for key in ["ItemProcessor", "Iterator"] {
                if let Some(inner) = state.get(key) {
                    states(inner, found);
                }
            }
            if let Some(Value::Array(branches)) = state.get("Branches") {
                branches.iter().for_each(|branch| states(branch, found));
            }
        }
    }
}

/// A payload template evaluated as AWS does: `.$` keys lose their suffix and take the value
/// of their path or call; other values are kept, nested objects and arrays walked.
fn payload(template: &Value, scope: &PathScope<'_>, env: &mut FixedEnvironment) -> Result<Value, EvalError> {
    Ok(match template {
        Value::Object(members) => {
            let mut out = Map::new();
            for (key, member) in members {
                match (key.strip_suffix(".$"), member.as_str()) {
                    (Some(name), Some(text)) => {
                        out.insert(name.to_string(), evaluate_field(key, text, scope, env)?);
                    }
                    _ => {
                        out.insert(key.clone(), payload(member, scope, env)?);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(elements) => {
            Value::Array(elements.iter().map(|element| payload(element, scope, env)).collect::<Result<_, _>>()?)
        }
        other => other.clone(),
    })
}

/// Puts `result` at a ResultPath made of names only (`$`, `$.a.b`); `None` for other paths.
fn place(input: &Value, result_path: Option<&Value>, result: Value) -> Option<Value> {
    let path = match result_path {
        None => return Some(result),
        Some(Value::String(path)) => path,
        Some(_) => return None,
    };
    let parsed = crate::path::parse_reference_path(path).ok()?;
    let mut names = Vec::new();
    for segment in &parsed.segments {
        let crate::path::Segment::Child(name) = segment else { return None };
        names.push(name.clone());
    }
    if names.is_empty() {
        return Some(result);
    }
    let mut output = if input.is_object() { input.clone() } else { json!({}) };
    let mut node = &mut output;
    for name in &names[..names.len() - 1] {
        let map = node.as_object_mut()?;
        let child = map.entry(name.clone()).or_insert_with(|| json!({}));
        if !child.is_object() {
            *child = json!({});
        }
        node = child;
    }
    node.as_object_mut()?.insert(names[names.len() - 1].clone(), result);
    Some(output)
}

/// compare.py's string rule: equal, a whole wildcard, or `<…>` segments matching one or more
/// characters (and the recording account matching any 12 digits).
fn string_matches(expected: &str, actual: &str) -> bool {
    if expected == actual || ["timestamp", "snf_role_arn", "activity_arn", "map_run_arn"].contains(&expected) {
        return true;
    }
    if !expected.contains('<') && !expected.contains("111111111111") {
        return false;
    }
    let wildcard = regex::Regex::new("<[^<>]+>").expect("valid");
    let mut pattern = String::from("^");
    for (index, part) in wildcard.split(expected).enumerate() {
        if index > 0 {
            pattern.push_str(".+?");
        }
        let pieces: Vec<String> = part.split("111111111111").map(regex::escape).collect();
        pattern.push_str(&pieces.join("\\d{12}"));
    }
    pattern.push('$');
    regex::RegexBuilder::new(&pattern).dot_matches_new_line(true).build().is_ok_and(|regex| regex.is_match(actual))
}

/// compare.py's value rule; `Err` names the first difference.
fn differs(expected: &Value, actual: &Value, at: &str) -> Option<String> {
    match (expected, actual) {
        // Values the recording replaced because they differ on every run.
        (Value::String(placeholder), Value::Number(number)) if placeholder == "RandomNumberGenerated" => {
            (!number.is_i64()).then(|| format!("{at}: expected an integer, got {number}"))
        }
        (Value::String(expected), Value::String(actual)) => {
            (!string_matches(expected, actual)).then(|| format!("{at}: expected {expected:?}, got {actual:?}"))
        }
        (Value::Object(_) | Value::Array(_), Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) => differs(expected, &parsed, at),
            Err(_) => Some(format!("{at}: expected {expected}, got {actual}")),
        },
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, member) in expected {
                let Some(other) = actual.get(key) else { return Some(format!("{at}.{key}: missing")) };
                if let Some(difference) = differs(member, other, &format!("{at}.{key}")) {
                    return Some(difference);
                }
            }
            let extra: Vec<&String> = actual.keys().filter(|key| !expected.contains_key(*key)).collect();
            (!extra.is_empty()).then(|| format!("{at}: unexpected keys {extra:?}"))
        }
        (Value::Array(expected), Value::Array(actual)) => {
            if expected.len() != actual.len() {
                return Some(format!("{at}: expected {} items, got {}", expected.len(), actual.len()));
            }
            expected.iter().zip(actual).enumerate().find_map(|(index, (e, a))| differs(e, a, &format!("{at}[{index}]")))
        }
        (Value::Number(expected), Value::Number(actual)) => {
            (expected.as_f64() != actual.as_f64()).then(|| format!("{at}: expected {expected}, got {actual}"))
        }
        (expected, actual) => (expected != actual).then(|| format!("{at}: expected {expected}, got {actual}")),
    }
}

/// The context object of a replayed state: what the history tells (the execution's input,
/// the state's name) and stand-ins for what the recording replaced with placeholders.
fn context(execution_input: &Value, state_name: &str) -> Value {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:111111111111:execution:recorded-machine:recorded-execution",
            "Input": execution_input,
            "StartTime": "2025-01-15T10:30:00.000Z",
            "Name": "recorded-execution",
            "RoleArn": "arn:aws:iam::111111111111:role/recorded-role",
            "RedriveCount": 0
        },
        "StateMachine": {
            "Id": "arn:aws:states:us-east-1:111111111111:stateMachine:recorded-machine",
            "Name": "recorded-machine"
        },
        "State": {"EnteredTime": "2025-01-15T10:30:00.000Z", "Name": state_name, "RetryCount": 0}
    })
}

/// The outcome of replaying one case.
#[derive(Default)]
struct Tally {
    cases: usize,
    compared: usize,
    skipped: Vec<String>,
    failures: BTreeMap<String, String>,
}

fn replay_case(directory: &Path, name: &str, tally: &mut Tally) {
    let read = |file: &str| -> Option<Value> {
        std::fs::read_to_string(directory.join(file)).ok().and_then(|text| serde_json::from_str(&text).ok())
    };
    let (Some(definition), Some(expected)) = (read("definition.json"), read("expected.json")) else { return };
    if !uses_intrinsics(&definition) {
        return;
    }
    tally.cases += 1;
    let mut all_states = BTreeMap::new();
    states(&definition, &mut all_states);
    let Some(history) = expected.get("history").and_then(Value::as_array) else {
        tally.skipped.push(format!("{name}: no history"));
        return;
    };
    let execution_input = history
        .iter()
        .find_map(|event| event.pointer("/executionStartedEventDetails/input"))
        .map(recorded)
        .unwrap_or(Value::Null);
    let mut variables = Map::new();
    let mut entered: HashMap<String, Vec<Value>> = HashMap::new();
    let mut env = FixedEnvironment::new(1, 0);
    for event in history {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
        if let Some(details) = event.get("stateEnteredEventDetails") {
            let state_name = details.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            let input = details.get("input").map(recorded).unwrap_or(Value::Null);
            if kind == "FailStateEntered" {
                check_fail_state(
                    name,
                    &state_name,
                    &all_states,
                    &input,
                    &execution_input,
                    &variables,
                    &expected,
                    tally,
                );
            }
            entered.entry(state_name).or_default().push(input);
        }
        let Some(details) = event.get("stateExitedEventDetails") else { continue };
        let state_name = details.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let input = entered.get_mut(&state_name).and_then(|inputs| (!inputs.is_empty()).then(|| inputs.remove(0)));
        if kind == "PassStateExited"
            && let (Some(state), Some(input)) = (all_states.get(&state_name), input)
            && uses_intrinsics(state)
        {
            let key = format!("{name}/{state_name}");
            let context = context(&execution_input, &state_name);
            let scope = PathScope { input: &input, context: &context, variables: &variables };
            match replay_pass(state, &scope, details, &mut env) {
                Replay::Skipped(reason) => tally.skipped.push(format!("{key}: {reason}")),
                Replay::Matched => tally.compared += 1,
                Replay::Differs(difference) => {
                    tally.compared += 1;
                    tally.failures.insert(key, difference);
                }
            }
        }
        if let Some(Value::Object(assigned)) = details.get("assignedVariables") {
            for (variable, value) in assigned {
                variables.insert(variable.clone(), recorded(value));
            }
        }
    }
}

enum Replay {
    Matched,
    Differs(String),
    Skipped(String),
}

fn replay_pass(state: &Value, scope: &PathScope<'_>, exited: &Value, env: &mut FixedEnvironment) -> Replay {
    if state.get("Result").is_some() {
        return Replay::Skipped("a Pass with Result".to_string());
    }
    let effective = match state.get("InputPath") {
        None => scope.input.clone(),
        Some(Value::String(text)) => match crate::path::evaluate_path_text(text, scope) {
            Ok(value) => value,
            Err(error) => return Replay::Differs(format!("InputPath failed: {error}")),
        },
        Some(_) => return Replay::Skipped("InputPath null".to_string()),
    };
    let scope = PathScope { input: &effective, ..*scope };
    let mut differences = Vec::new();
    let mut compared = false;
    if let Some(template) = state.get("Parameters").filter(|template| uses_intrinsics(template)) {
        let result = match payload(template, &scope, env) {
            Ok(result) => result,
            Err(error) => return Replay::Differs(format!("Parameters failed: {error}")),
        };
        let Some(mut output) = place(scope.input, state.get("ResultPath"), result) else {
            return Replay::Skipped("a ResultPath other than names".to_string());
        };
        if let Some(Value::String(output_path)) = state.get("OutputPath") {
            let placed = PathScope { input: &output, ..scope };
            output = match crate::path::evaluate_path_text(output_path, &placed) {
                Ok(value) => value,
                Err(error) => return Replay::Differs(format!("OutputPath failed: {error}")),
            };
        }
        let expected = exited.get("output").map(recorded).unwrap_or(Value::Null);
        compared = true;
        differences.extend(differs(&expected, &output, "output"));
    }
    if let Some(Value::Object(assign)) = state.get("Assign").filter(|assign| uses_intrinsics(assign))
        && state.get("Parameters").is_none()
    {
        let recorded_variables = exited.get("assignedVariables").cloned().unwrap_or(Value::Null);
        for (key, member) in assign {
            let (Some(variable), Some(text)) = (key.strip_suffix(".$"), member.as_str()) else { continue };
            if !looks_like_intrinsic(text) {
                continue;
            }
            let expected = recorded_variables.get(variable).map(recorded).unwrap_or(Value::Null);
            compared = true;
            match evaluate_field(key, text, &scope, env) {
                Ok(value) => differences.extend(differs(&expected, &value, &format!("assigned {variable}"))),
                Err(error) => differences.push(format!("assigned {variable} failed: {error}")),
            }
        }
    }
    match (compared, differences.is_empty()) {
        (false, _) => Replay::Skipped("no intrinsic call in Parameters or Assign".to_string()),
        (true, true) => Replay::Matched,
        (true, false) => Replay::Differs(differences.join("; ")),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_fail_state(
    case: &str,
    state_name: &str,
    all_states: &BTreeMap<String, Value>,
    input: &Value,
    execution_input: &Value,
    variables: &Map<String, Value>,
    expected: &Value,
    tally: &mut Tally,
) {
    let Some(state) = all_states.get(state_name) else { return };
    let context = context(execution_input, state_name);
    let scope = PathScope { input, context: &context, variables };
    let mut env = FixedEnvironment::new(1, 0);
    for (field, outcome) in [("ErrorPath", "error"), ("CausePath", "cause")] {
        let Some(text) = state.get(field).and_then(Value::as_str).filter(|text| looks_like_intrinsic(text)) else {
            continue;
        };
        let key = format!("{case}/{state_name}/{field}");
        tally.compared += 1;
        let wanted = expected.get(outcome).cloned().unwrap_or(Value::Null);
        match evaluate_text(text, &scope, &mut env) {
            Ok(value) => {
                if let Some(difference) = differs(&wanted, &value, outcome) {
                    tally.failures.insert(key, difference);
                }
            }
            Err(error) => {
                tally.failures.insert(key, format!("failed: {error}"));
            }
        }
    }
}

fn case_directories(root: &Path) -> Vec<(PathBuf, String)> {
    let index: Vec<Value> = std::fs::read_to_string(root.join("index.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut found: Vec<(PathBuf, String)> = index
        .iter()
        .filter(|case| matches!(case["kind"].as_str(), Some("execution_history" | "execution_output")))
        .filter(|case| case["has_task"] == json!(false) && case["jsonata"] == json!(false))
        .filter_map(|case| case["dir"].as_str())
        .map(|dir| {
            let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
            (root.join(dir), name)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn recorded_pass_states_replay_as_aws_ran_them() {
    let root = Path::new(RECORDED);
    if !root.is_dir() {
        println!("skipped: ../shared not present ({})", root.display());
        return;
    }
    let mut tally = Tally::default();
    for (directory, name) in case_directories(root) {
        replay_case(&directory, &name, &mut tally);
    }
    let failures: BTreeSet<String> = tally.failures.keys().cloned().collect();
    let known = known_failures();
    let new: Vec<&String> = failures.difference(&known).collect();
    let fixed: Vec<&String> = known.difference(&failures).collect();
    println!(
        "intrinsic conformance: {} cases with intrinsic calls, {} states and fields compared, {} match, {} differ ({} known), {} skipped",
        tally.cases,
        tally.compared,
        tally.compared - failures.len(),
        failures.len(),
        known.len(),
        tally.skipped.len()
    );
    for skipped in &tally.skipped {
        println!("  skipped {skipped}");
    }
    for (key, difference) in &tally.failures {
        println!("  differs {key}: {difference}");
    }
    if !fixed.is_empty() {
        println!("now passing, remove from tests/known-failures-intrinsics.txt: {fixed:?}");
    }
    assert!(tally.compared > 0, "nothing was compared under {}", root.display());
    assert!(new.is_empty(), "new differences from AWS (regressions): {new:#?}");
}

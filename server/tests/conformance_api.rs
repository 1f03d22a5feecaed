//! Executions recorded on AWS replayed through the real server's Step Functions API: a
//! deterministic sample (every 8th) of the `execution_history` cases without Task states
//! from `../shared/conformance/aws-recorded` (read in place), each created with
//! CreateStateMachine from its `definition.json` text, started with StartExecution on its
//! `input.json` text, polled with DescribeExecution and read back with GetExecutionHistory
//! (every page). Status, output, error, cause and the whole history are judged with
//! `compare.py`'s rules (`support/compare.rs`).
//!
//! Cases that `tests/known-failures-engine.txt` accepts for the engine are left out of the
//! sample; a failure of a sampled case fails the test unless [`KNOWN_FAILURES`] lists it.

mod support;

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use support::{TestServer, compare::compare};

/// One case in every `SAMPLE_STEP` is run.
const SAMPLE_STEP: usize = 8;
/// How long one execution may run before the case fails.
const EXECUTION_TIMEOUT: Duration = Duration::from_secs(60);
const ROLE: &str = "arn:aws:iam::123456789012:role/conformance";
const ENGINE_KNOWN_FAILURES: &str = include_str!("known-failures-engine.txt");

/// Sampled cases that fail through the API, each with the reason (none at present).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// `../shared/conformance` beside the checkout, located as `asl/src/test_support.rs` does.
fn conformance() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    path.join("aws-recorded/index.json").is_file().then_some(path)
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The no-task `execution_history` cases (each once, in index order) that the engine's
/// known-failures list does not accept, every `SAMPLE_STEP`-th of them.
fn sampled_cases(root: &Path) -> Vec<(String, PathBuf)> {
    let index: Value = serde_json::from_str(&read_text(&root.join("aws-recorded/index.json"))).expect("index.json");
    let engine_known: BTreeSet<&str> = ENGINE_KNOWN_FAILURES
        .lines()
        .filter_map(|line| line.strip_prefix("no_task "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    let mut seen = BTreeSet::new();
    index
        .as_array()
        .expect("index.json is a list")
        .iter()
        .filter(|entry| entry["kind"] == "execution_history" && entry["has_task"] == false)
        .filter_map(|entry| {
            let dir = entry["dir"].as_str().expect("dir");
            let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
            seen.insert(name.clone()).then(|| (name, root.join("aws-recorded").join(dir)))
        })
        .filter(|(name, _)| !engine_known.contains(name.as_str()))
        .step_by(SAMPLE_STEP)
        .collect()
}

/// Calls an operation that must succeed.
async fn call(server: &TestServer, client: &reqwest::Client, operation: &str, request: &Value) -> Value {
    server.call(client, operation, request).await.unwrap_or_else(|error| panic!("{operation} {request}: {error:?}"))
}

/// Runs one case through the API and returns what it did in `compare.py`'s shape
/// (`status`, `output` / `error` / `cause`, `history`), or why it could not run.
async fn run_case(server: &TestServer, client: &reqwest::Client, number: usize, dir: &Path) -> Result<Value, String> {
    let definition = read_text(&dir.join("definition.json"));
    let input = read_text(&dir.join("input.json"));
    let created = server
        .call(
            client,
            "CreateStateMachine",
            &json!({"name": format!("conformance-{number}"), "definition": definition, "roleArn": ROLE}),
        )
        .await
        .map_err(|error| format!("CreateStateMachine: {error:?}"))?;
    let started = server
        .call(
            client,
            "StartExecution",
            &json!({"stateMachineArn": created["stateMachineArn"], "name": "recorded", "input": input}),
        )
        .await
        .map_err(|error| format!("StartExecution: {error:?}"))?;
    let execution_arn = started["executionArn"].clone();
    let deadline = Instant::now() + EXECUTION_TIMEOUT;
    let described = loop {
        let described = call(server, client, "DescribeExecution", &json!({"executionArn": execution_arn})).await;
        if described["status"] != "RUNNING" {
            break described;
        }
        if Instant::now() > deadline {
            return Err(format!("still running after {EXECUTION_TIMEOUT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut history = Vec::new();
    let mut token = Value::Null;
    loop {
        let mut request = json!({"executionArn": execution_arn, "maxResults": 25});
        if !token.is_null() {
            request["nextToken"] = token;
        }
        let page = call(server, client, "GetExecutionHistory", &request).await;
        history.extend(page["events"].as_array().cloned().unwrap_or_default());
        token = page["nextToken"].clone();
        if token.is_null() {
            break;
        }
    }
    let mut actual = json!({"status": described["status"], "history": history});
    for field in ["output", "error", "cause"] {
        if let Some(value) = described.get(field) {
            actual[field] = value.clone();
        }
    }
    Ok(actual)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampled_execution_history_cases_through_the_api() {
    let Some(root) = conformance() else {
        println!("skipped: ../shared/conformance absent");
        return;
    };
    let cases = sampled_cases(&root);
    assert!(cases.len() >= 20, "the sample has {} cases", cases.len());
    let data = tempfile::tempdir().expect("a data folder");
    let server = TestServer::spawn(data.path());
    let client = reqwest::Client::new();
    let mut failures = BTreeMap::new();
    let mut events_compared = 0;
    for (number, (name, dir)) in cases.iter().enumerate() {
        let expected: Value = serde_json::from_str(&read_text(&dir.join("expected.json"))).expect("expected.json");
        let verdict = match run_case(&server, &client, number, dir).await {
            Ok(actual) => {
                let verdict = compare(&expected, &actual);
                if verdict.is_none() {
                    events_compared += actual["history"].as_array().map_or(0, Vec::len);
                }
                verdict
            }
            Err(reason) => Some(reason),
        };
        if let Some(reason) = verdict {
            failures.insert(name.clone(), reason);
        }
    }
    let passed = cases.len() - failures.len();
    println!(
        "conformance through the API: {passed}/{} sampled no-task cases pass ({:.1} %), {events_compared} history events matched",
        cases.len(),
        100.0 * passed as f64 / cases.len() as f64
    );
    assert!(passed == 0 || events_compared > passed, "histories were compared, not only statuses");
    let known: BTreeMap<&str, &str> = KNOWN_FAILURES.iter().copied().collect();
    for name in known.keys().filter(|name| !failures.contains_key(**name)) {
        println!("listed as known but passes now: {name}");
    }
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(name, _)| !known.contains_key(name.as_str()))
        .map(|(name, reason)| format!("{name}: {reason}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} sampled cases fail through the API:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

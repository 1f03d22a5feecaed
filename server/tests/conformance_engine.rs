//! The engine checked against executions recorded on AWS (`../shared/conformance`, read in
//! place, never copied): every `execution_history` case runs through the decider
//! (`engine::decide::apply`) with timers firing in order of their due time, and its status,
//! output, error, cause and whole history are compared with the rules of `compare.py`
//! (re-implemented in `support/compare.rs`, and checked against the real script by
//! `the_comparator_agrees_with_compare_py`).
//!
//! Cases with Task states get their task results from a Step Functions Local
//! `MockConfigFile` derived from the recorded history itself (each task outcome recorded, in
//! order per state) and read with `engine::mock`, so the mock format is exercised too. A case
//! runs with the input its `ExecutionStarted` event shows when `input.json` does not match
//! it (some recordings renamed values in `input.json` after the run; see [`case_input`]).
//!
//! Pass rates are printed per group (without and with tasks) and per test file. Accepted
//! failures are listed in `tests/known-failures-engine.txt` (`<group> <case>  # reason`):
//! a failure not on the list fails the test, and a listed case that passes is reported so
//! the list can shrink.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    fs,
    path::{Path, PathBuf},
};

use asl::eval::{FixedEnvironment, context::ExecutionInfo, failure::Failure, machine::Machine, state::ItemRead};
use serde_json::{Map, Value, json};
use server::engine::{
    decide::{Action, Activities, Context, ItemSource, NoItems, Signal, Snapshot, Status, TaskRequest, apply},
    items::LocalS3,
    mock::{MockConfig, MockMiss, MockOutcome, split_test_case},
};

#[path = "../../asl/src/test_support.rs"]
mod asl_support;
mod support;

use support::compare::{as_value, compare, diff, parse_json_strings, string_matches};

const NOW: i64 = 1_767_225_600_000;
const MACHINE: &str = "ConformanceMachine";
const TEST_CASE: &str = "Recorded";
const KNOWN_FAILURES: &str = include_str!("known-failures-engine.txt");

fn conformance() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    if path.join("aws-recorded/index.json").is_file() {
        Some(path)
    } else {
        println!("skipped: ../shared/conformance absent ({})", path.display());
        None
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// One recorded `execution_history` case.
struct Case {
    name: String,
    dir: PathBuf,
    has_task: bool,
}

impl Case {
    /// The test file it came from (`test_base_scenarios`).
    fn group(&self) -> &str {
        self.name.split("__").next().unwrap_or(&self.name)
    }
}

fn history_cases(root: &Path) -> Vec<Case> {
    let index = read_json(&root.join("aws-recorded/index.json"));
    let mut seen = BTreeSet::new();
    index
        .as_array()
        .expect("index.json is a list")
        .iter()
        .filter(|entry| entry["kind"] == "execution_history")
        .filter_map(|entry| {
            let dir = entry["dir"].as_str().expect("dir");
            let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
            // index.json lists one case twice; it is run once.
            seen.insert(name.clone()).then(|| Case {
                name,
                dir: root.join("aws-recorded").join(dir),
                has_task: entry["has_task"] == true,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// A MockConfigFile from a recorded history

/// What the recording says one invocation of a Task state did.
#[derive(Default)]
struct RecordedInvocation {
    /// The worker that took it (activities).
    worker: Option<Option<String>>,
    /// What the service answered before the task waited (`TaskSubmitted`).
    submitted: Option<Value>,
    /// `Return` or `Throw`, when it finished.
    outcome: Option<Value>,
}

impl RecordedInvocation {
    /// Records what a task event (`Started`, `Submitted`, `Succeeded`, `Failed`, …) says.
    fn note(&mut self, step: &str, details: &Value) {
        match step {
            "Started" => self.worker = Some(details["workerName"].as_str().map(str::to_string)),
            "Submitted" => self.submitted = Some(recorded_output(details)),
            "Succeeded" => self.outcome = Some(json!({ "Return": recorded_output(details) })),
            "Failed" | "TimedOut" | "StartFailed" | "ScheduleFailed" | "SubmitFailed" => {
                let mut thrown = Map::new();
                for (field, key) in [("error", "Error"), ("cause", "Cause")] {
                    // The recording parsed causes that are JSON text; they are text again here.
                    match &details[field] {
                        Value::Null => {}
                        Value::String(text) => {
                            thrown.insert(key.into(), Value::String(text.clone()));
                        }
                        parsed => {
                            thrown.insert(key.into(), Value::String(parsed.to_string()));
                        }
                    }
                }
                self.outcome = Some(json!({ "Throw": thrown }));
            }
            _ => {}
        }
    }
}

/// The task results a recorded history shows, for replaying it.
struct Replay {
    /// The mock configuration built from them and read back with `engine::mock`.
    config: MockConfig,
    /// Per state, what happened around each invocation besides its outcome.
    invocations: BTreeMap<String, Vec<RecordedInvocation>>,
}

/// An event's id, or `None` for ids recorded as 0 / `[0]` (events sorted when recorded).
fn event_id(event: &Value) -> Option<u64> {
    event["id"].as_u64().filter(|id| *id > 0)
}

/// The step of a task event (`Scheduled`, `Started`, `Succeeded`, …), for the `Task…`,
/// `LambdaFunction…` and `Activity…` events (not `TaskStateEntered` and the like).
fn task_event(event_type: &str) -> Option<&str> {
    ["Task", "LambdaFunction", "Activity"]
        .iter()
        .find_map(|prefix| event_type.strip_prefix(prefix))
        .filter(|step| !step.starts_with("State"))
}

fn details(event: &Value) -> Value {
    event
        .as_object()
        .and_then(|members| members.iter().find(|(key, _)| key.ends_with("EventDetails")))
        .map_or(Value::Null, |(_, details)| details.clone())
}

/// The recorded output of a task event (JSON text, or already parsed by the recording).
fn recorded_output(details: &Value) -> Value {
    match &details["output"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
        other => other.clone(),
    }
}

/// Walks the recorded events: each task event is tied to its state and invocation through
/// the `previousEventId` chain (`…StateEntered` → `…Scheduled` → `…Started` → outcome), or,
/// where ids were not recorded, to the latest state entered and the latest unfinished task.
fn derive_replay(history: &[Value]) -> Replay {
    let mut state_of: BTreeMap<u64, String> = BTreeMap::new();
    let mut invocation_of: BTreeMap<u64, (String, usize)> = BTreeMap::new();
    let mut invocations: BTreeMap<String, Vec<RecordedInvocation>> = BTreeMap::new();
    let mut last_entered: Option<String> = None;
    let mut unfinished: Vec<(String, usize)> = Vec::new();
    let mut orphans: Vec<(String, Value)> = Vec::new();
    for event in history {
        let id = event_id(event);
        let previous = event["previousEventId"].as_u64();
        let event_type = event["type"].as_str().unwrap_or_default();
        let details = details(event);
        if event_type.ends_with("StateEntered") {
            let name = details["name"].as_str().unwrap_or_default().to_string();
            last_entered = Some(name.clone());
            if let Some(id) = id {
                state_of.insert(id, name);
            }
            continue;
        }
        let Some(step) = task_event(event_type) else {
            if let (Some(id), Some(state)) = (id, previous.and_then(|previous| state_of.get(&previous)).cloned()) {
                state_of.insert(id, state);
            }
            continue;
        };
        let owner = if step == "Scheduled" {
            let state = previous.and_then(|previous| state_of.get(&previous)).cloned().or_else(|| last_entered.clone());
            let Some(state) = state else { continue };
            let list = invocations.entry(state.clone()).or_default();
            let mut invocation = RecordedInvocation::default();
            // Events sorted when recorded can put a task's outcome before its scheduling.
            for (step, details) in orphans.drain(..) {
                invocation.note(&step, &details);
            }
            let finished = invocation.outcome.is_some();
            list.push(invocation);
            if !finished {
                unfinished.push((state.clone(), list.len() - 1));
            }
            (state, list.len() - 1)
        } else {
            let known = previous.and_then(|previous| invocation_of.get(&previous)).cloned();
            let Some(owner) = known.or_else(|| unfinished.last().cloned()) else {
                orphans.push((step.to_string(), details));
                continue;
            };
            owner
        };
        if let Some(id) = id {
            invocation_of.insert(id, owner.clone());
            state_of.insert(id, owner.0.clone());
        }
        let Some(invocation) = invocations.get_mut(&owner.0).and_then(|list| list.get_mut(owner.1)) else { continue };
        invocation.note(step, &details);
        if invocation.outcome.is_some() {
            unfinished.retain(|pending| *pending != owner);
        }
    }
    Replay { config: mock_config(&invocations), invocations }
}

/// The MockConfigFile that answers each state's invocations with their recorded outcomes,
/// read back with `engine::mock`.
fn mock_config(invocations: &BTreeMap<String, Vec<RecordedInvocation>>) -> MockConfig {
    let mut test_case = Map::new();
    let mut responses = Map::new();
    for (index, (state, list)) in invocations.iter().enumerate() {
        let name = format!("Recorded{index}");
        let entries: Map<String, Value> = list
            .iter()
            .enumerate()
            .filter_map(|(number, invocation)| Some((number.to_string(), invocation.outcome.clone()?)))
            .collect();
        test_case.insert(state.clone(), Value::String(name.clone()));
        responses.insert(name, Value::Object(entries));
    }
    let text = json!({
        "StateMachines": { MACHINE: { "TestCases": { TEST_CASE: test_case } } },
        "MockedResponses": responses,
    })
    .to_string();
    MockConfig::from_json(&text).unwrap_or_else(|error| panic!("the derived mock config: {error}"))
}

/// A distributed Map's items run in child executions, whose task events the parent's
/// recorded history does not contain. Where the item processor is one Task state whose
/// output is its result (no `ResultSelector`, `ResultPath`, `OutputPath`, `Output`), each
/// item's task result is the matching element of the Map's result, which the Map's
/// `…StateExited` output shows (at its `ResultPath`: `$` or one field). Those results are
/// added to the replay as the Task's invocations, in order; each Map whose result cannot be
/// read this way adds nothing.
fn add_distributed_task_results(replay: &mut Replay, definition: &Value, history: &[Value]) {
    let mut definition = definition.clone();
    for event in history.iter().filter(|event| event["type"] == "MapStateExited") {
        let details = details(event);
        let Some(map) = details["name"].as_str().and_then(|name| find_state(&mut definition, name)) else { continue };
        let map = map.clone();
        let processor = &map["ItemProcessor"];
        let Some(states) = processor["States"].as_object() else { continue };
        let entries: Vec<(&String, &Value)> = states.iter().collect();
        let ([(task_name, task)], Some("DISTRIBUTED")) =
            (entries.as_slice(), processor["ProcessorConfig"]["Mode"].as_str())
        else {
            continue;
        };
        let shapes_output = ["ResultSelector", "ResultPath", "OutputPath", "Output"];
        if task["Type"] != "Task"
            || shapes_output.iter().any(|field| task.get(*field).is_some())
            || ["ResultSelector", "OutputPath", "Output"].iter().any(|field| map.get(*field).is_some())
        {
            continue;
        }
        let output = as_value(&details["output"]);
        let result = match map.get("ResultPath").map(Value::as_str) {
            None | Some(Some("$")) => Some(&output),
            Some(Some(path)) => {
                path.strip_prefix("$.").filter(|field| !field.contains(['.', '['])).map(|field| &output[field])
            }
            Some(None) => None,
        };
        let Some(Value::Array(results)) = result else { continue };
        let list = replay.invocations.entry(task_name.to_string()).or_default();
        for item in results {
            list.push(RecordedInvocation { outcome: Some(json!({ "Return": item })), ..RecordedInvocation::default() });
        }
    }
    replay.config = mock_config(&replay.invocations);
}

// ---------------------------------------------------------------------------------------
// Running cases

/// The signals that answer `request`, taken from the mock configuration. An invocation the
/// recording started but never finished (its execution ended first) gets no answer; one
/// that timed out is answered by its timeout timer.
fn answer(replay: Option<&Replay>, test_case: &str, request: &TaskRequest) -> Vec<Signal> {
    let key = request.key;
    let Some(replay) = replay else {
        return vec![Signal::TaskFailed { key, failure: Failure::new("States.Runtime", "no mock configuration") }];
    };
    let recorded = replay.invocations.get(&request.state_name).and_then(|list| list.get(request.invocation as usize));
    let mut signals = Vec::new();
    if let Some(recorded) = recorded {
        if let Some(worker_name) = &recorded.worker
            && request.resource.service == "activity"
        {
            signals.push(Signal::TaskStarted { key, worker_name: worker_name.clone() });
        }
        if let Some(output) = &recorded.submitted {
            signals.push(Signal::TaskSubmitted { key, output: output.clone() });
        }
    }
    match replay.config.response(MACHINE, test_case, &request.state_name, request.invocation) {
        Ok(MockOutcome::Return(output)) => signals.push(Signal::TaskSucceeded { key, output }),
        Ok(MockOutcome::Throw(failure)) => {
            let by_timer = match failure.error.as_deref() {
                Some("States.Timeout") => request.timeout_seconds.is_some(),
                Some("States.HeartbeatTimeout") => request.heartbeat_seconds.is_some(),
                _ => false,
            };
            if !by_timer {
                signals.push(Signal::TaskFailed { key, failure });
            }
        }
        Err(MockMiss::InvocationOutOfRange { .. }) if recorded.is_some() => {}
        Err(miss) => signals.push(Signal::TaskFailed { key, failure: miss.to_failure() }),
    }
    signals
}

/// Runs a definition through the decider: signals first, then timers by due time.
fn execute(definition: &Value, input_text: &str, replay: Option<&Replay>, outside: Outside<'_>) -> Value {
    let Outside { items, activities, timers_fire } = outside;
    let machine = match Machine::from_value(definition) {
        Ok(machine) => machine,
        Err(error) => return json!({"status": "UNREADABLE", "error": error.message}),
    };
    let input = serde_json::from_str(input_text).unwrap_or_else(|error| panic!("input.json: {error}"));
    let mut info = ExecutionInfo::new(MACHINE, "conformance-execution", input, NOW);
    info.input_text = Some(input_text.to_string());
    // How Step Functions Local chooses the test case: StartExecution names `arn#TestCase`.
    let started_with = format!("{}#{TEST_CASE}", info.state_machine_arn());
    let (_, test_case) = split_test_case(&started_with);
    let test_case = test_case.unwrap_or_default();
    let mut env = FixedEnvironment::new(42, NOW);
    let mut snapshot = Snapshot::default();
    let mut events = Vec::new();
    let mut signals = VecDeque::from([Signal::Start]);
    let mut timers: BTreeSet<(i64, u64)> = BTreeSet::new();
    for _ in 0..200_000 {
        let signal = match signals.pop_front() {
            Some(signal) => signal,
            None => match timers.pop_first().filter(|_| timers_fire) {
                Some((at_millis, key)) => {
                    env.now_millis = env.now_millis.max(at_millis);
                    Signal::Timer { key }
                }
                None => break,
            },
        };
        let decision = apply(
            Context { machine: &machine, info: &info, execution_arn: "", env: &mut env, items, activities },
            &mut snapshot,
            signal,
        );
        events.extend(decision.events);
        if snapshot.status.is_final() {
            break;
        }
        for action in decision.actions {
            match action {
                Action::SetTimer { key, at_millis } => {
                    timers.insert((at_millis, key));
                }
                Action::Invoke(request) => signals.extend(answer(replay, test_case, &request)),
                Action::Cancel { key } => signals.retain(|signal| signal_key(signal) != Some(key)),
                Action::MapRunStarted { .. }
                | Action::MapRunUpdated { .. }
                | Action::MapRunRedriven { .. }
                | Action::MapRunEnded { .. } => {}
            }
        }
    }
    let history: Vec<Value> = events.iter().map(|event| event.to_aws_json(true)).collect();
    let mut actual = json!({"status": snapshot.status.name(), "history": history});
    match &snapshot.status {
        Status::Succeeded { output } => actual["output"] = Value::String(output.to_string()),
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            actual["error"] = json!(failure.error);
            actual["cause"] = json!(failure.cause);
        }
        // The recorder's name for an execution still running when its history was read.
        Status::Running if !timers_fire => actual["status"] = json!("INCOMPLETE"),
        Status::Running => {}
    }
    actual
}

fn signal_key(signal: &Signal) -> Option<u64> {
    match signal {
        Signal::Timer { key }
        | Signal::TaskStarted { key, .. }
        | Signal::TaskSubmitted { key, .. }
        | Signal::TaskSucceeded { key, .. }
        | Signal::TaskFailed { key, .. }
        | Signal::Heartbeat { key } => Some(*key),
        Signal::Start | Signal::Stop { .. } | Signal::Redrive { .. } | Signal::UpdateMapRun { .. } => None,
    }
}

/// Runs a case; returns what AWS recorded and what the engine did.
fn run_case(case: &Case) -> (Value, Value) {
    let expected = read_json(&case.dir.join("expected.json"));
    let definition = case_definition(&expected, read_json(&case.dir.join("definition.json")));
    let input = case_input(&expected, fs::read_to_string(case.dir.join("input.json")).expect("input.json"));
    let replay = case.has_task.then(|| {
        let history = expected["history"].as_array().map_or(&[][..], Vec::as_slice);
        let mut replay = derive_replay(history);
        add_distributed_task_results(&mut replay, &definition, history);
        replay
    });
    let activities = RecordedActivities::for_case(&expected);
    // A history read while the execution still ran (`INCOMPLETE`: a Wait of decades) is
    // compared with the engine's at the same point: all it does before a timer fires.
    let timers_fire = expected["status"] != "INCOMPLETE";
    let actual = match RecordedS3::for_case(case, &definition, &expected) {
        Some(s3) => {
            execute(&definition, &input, replay.as_ref(), Outside { items: &s3, activities: &activities, timers_fire })
        }
        None => execute(
            &definition,
            &input,
            replay.as_ref(),
            Outside { items: &NoItems, activities: &activities, timers_fire },
        ),
    };
    (expected, actual)
}

/// What a case's execution reads from outside it.
struct Outside<'a> {
    items: &'a dyn ItemSource,
    activities: &'a dyn Activities,
    /// Whether time passes: timers fire in order of their due time once nothing else is left.
    timers_fire: bool,
}

/// The activities a recording shows: one existed when AWS ran the case if the history
/// schedules it (activity ARNs are recorded as the wildcard `activity_arn`, so whether any
/// did is all the recording tells).
struct RecordedActivities {
    scheduled: bool,
}

impl RecordedActivities {
    fn for_case(expected: &Value) -> Self {
        let history = expected["history"].as_array().map_or(&[][..], Vec::as_slice);
        RecordedActivities { scheduled: history.iter().any(|event| event["type"] == "ActivityScheduled") }
    }
}

impl Activities for RecordedActivities {
    fn exists(&self, _arn: &str) -> bool {
        self.scheduled
    }
}

// ---------------------------------------------------------------------------------------
// S3 objects from a recorded output

/// The S3 objects a case's `ItemReader` read, rebuilt from the recorded output (the recordings
/// do not contain them), and read back through the engine's own local S3 ([`LocalS3`]).
///
/// Only where the output shows the items whole: the definition's last state is the Map, and
/// its item processor is one `Pass` state without fields, so each item's output is the item
/// (or, with an `ItemBatcher`, the batch, whose `Items` are the items). Those items are
/// written in the format the reader asks for, at the bucket and key it names: a JSON array,
/// a CSV file with the items' keys as its header row, or, for `listObjectsV2`, files with the
/// listed keys and sizes. When the reader has a positive `MaxItems`, one more item is
/// written than the output shows, so a reader that ignored the limit would not match.
///
/// What cannot be rebuilt this way is not rebuilt, and stays a known failure: the cases
/// about CSV rows with more fields than headers ([`UNRECORDED_OBJECTS`]), since how those
/// rows were written is exactly what the output does not show.
struct RecordedS3 {
    folder: tempfile::TempDir,
    items: Vec<Value>,
}

/// Cases whose S3 object cannot be rebuilt from their output (see [`RecordedS3`]).
const UNRECORDED_OBJECTS: &[&str] = &["_csv_first_row_extra_fields_", "_csv_headers_decl_extra_fields_"];

impl RecordedS3 {
    fn for_case(case: &Case, definition: &Value, expected: &Value) -> Option<Self> {
        if UNRECORDED_OBJECTS.iter().any(|name| case.name.contains(name)) {
            return None;
        }
        let map = definition["States"].as_object()?.values().find(|state| state.get("ItemReader").is_some())?;
        let processor = map.get("ItemProcessor").or_else(|| map.get("Iterator"))?;
        let states = processor["States"].as_object()?;
        let pass_through = states.len() == 1
            && states.values().all(|state| {
                state["Type"] == "Pass"
                    && state.as_object().is_some_and(|fields| fields.keys().all(|key| key == "Type" || key == "End"))
            });
        if map.get("End") != Some(&Value::Bool(true)) || !pass_through {
            return None;
        }
        let output = match &expected["output"] {
            Value::String(text) => serde_json::from_str(text).ok()?,
            other => other.clone(),
        };
        let outputs = output.as_array()?.clone();
        let items = if map.get("ItemBatcher").is_some() {
            outputs.iter().filter_map(|batch| batch["Items"].as_array()).flatten().cloned().collect()
        } else {
            outputs
        };
        Some(RecordedS3 { folder: tempfile::tempdir().expect("a temporary folder"), items })
    }

    /// Writes what `reader` will read.
    fn write(&self, reader: &ItemRead) -> std::io::Result<()> {
        let text = |name: &str| reader.arguments[name].as_str().unwrap_or_default().to_string();
        let bucket = self.folder.path().join(text("Bucket"));
        let mut items = self.items.clone();
        if reader.max_items.is_some_and(|limit| limit > 0 && items.len() as u64 == limit) {
            items.push(json!({"beyond": "MaxItems"}));
        }
        if reader.resource.ends_with(":listObjectsV2") {
            for item in &items {
                let (Some(key), Some(size)) = (item["Key"].as_str(), item["Size"].as_u64()) else { continue };
                let path = bucket.join(key);
                fs::create_dir_all(path.parent().expect("a folder"))?;
                fs::write(path, vec![b'x'; size as usize])?;
            }
            return Ok(());
        }
        let path = bucket.join(text("Key"));
        fs::create_dir_all(path.parent().expect("a folder"))?;
        let body = match reader.reader_config["InputType"].as_str().unwrap_or("JSON") {
            "CSV" => csv_text(&items, reader.reader_config["CSVHeaderLocation"] != "GIVEN"),
            _ => Value::Array(items).to_string(),
        };
        fs::write(path, body)
    }
}

impl ItemSource for RecordedS3 {
    fn read_items(&self, reader: &ItemRead) -> Result<Vec<Value>, Failure> {
        self.write(reader).unwrap_or_else(|error| panic!("writing the recorded S3 object: {error}"));
        LocalS3::new(self.folder.path()).read_items(reader)
    }
}

/// Objects with the same keys as CSV: a header row of the first object's keys (unless the
/// reader is given its headers), then one row each, fields quoted where they need it.
fn csv_text(items: &[Value], header_row: bool) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let Some(header) = items.first().and_then(Value::as_object) else { return String::new() };
    let mut out = String::new();
    if header_row {
        out = header.keys().map(|key| field(key)).collect::<Vec<_>>().join(",") + "\n";
    }
    for item in items {
        let row: Vec<String> =
            header.keys().map(|key| field(item[key].as_str().unwrap_or(&item[key].to_string()))).collect();
        out += &(row.join(",") + "\n");
    }
    out
}

/// The definition as AWS ran it. Two kinds of recording name a Task's resource differently
/// from `definition.json`, and the state's `Resource` is set to what AWS ran:
/// - the activity cases' definitions keep the test template's placeholder (`"activityArn"`),
///   which the test replaced by a real activity ARN before creating the machine (the
///   history shows it as `activity_arn`, a wildcard). Such a state runs with an activity ARN.
/// - some recordings renamed a Lambda function in the history without marking the new name
///   as a wildcard (`function:lambda_function_name`, where others record
///   `function:<lambda_function_name>`), so the definition's real name can never match it.
///   The state runs with the function named as the history names it.
///
/// Everything else in the definition is left as sent.
fn case_definition(expected: &Value, mut definition: Value) -> Value {
    replace_activity_placeholders(&mut definition);
    let history = expected["history"].as_array().map_or(&[][..], Vec::as_slice);
    let mut entered: Option<String> = None;
    for event in history {
        let kind = event["type"].as_str().unwrap_or_default();
        let details = details(event);
        if kind.ends_with("StateEntered") {
            entered = details["name"].as_str().map(str::to_string);
            continue;
        }
        if kind != "LambdaFunctionScheduled" {
            continue;
        }
        let Some(state) = entered.as_deref().and_then(|name| find_state(&mut definition, name)) else { continue };
        let Some(resource) = state.get("Resource").and_then(Value::as_str) else { continue };
        let recorded = details["resource"].as_str().unwrap_or_default();
        if resource.starts_with("arn:") && !recorded.is_empty() && !string_matches(recorded, resource) {
            state["Resource"] = filled_in(&Value::String(recorded.to_string()));
        }
    }
    definition
}

/// Sets every Task `Resource` that is the activity tests' placeholder (not an ARN, naming an
/// activity) to an activity ARN, in branches and item processors too.
fn replace_activity_placeholders(definition: &mut Value) {
    let Some(states) = definition.get_mut("States").and_then(Value::as_object_mut) else { return };
    for state in states.values_mut() {
        if let Some(Value::String(resource)) = state.get_mut("Resource")
            && !resource.starts_with("arn:")
            && resource.to_ascii_lowercase().contains("activity")
        {
            *resource = "arn:aws:states:us-east-1:111111111111:activity:ConformanceActivity".to_string();
        }
        for key in ["Branches", "Iterator", "ItemProcessor"] {
            match state.get_mut(key) {
                Some(Value::Array(branches)) => branches.iter_mut().for_each(replace_activity_placeholders),
                Some(processor @ Value::Object(_)) => replace_activity_placeholders(processor),
                _ => {}
            }
        }
    }
}

/// The state named `name` anywhere in a definition (branches and item processors included).
fn find_state<'a>(definition: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    let states = definition.get_mut("States")?.as_object_mut()?;
    if states.contains_key(name) {
        return states.get_mut(name);
    }
    states.values_mut().find_map(|state| {
        state
            .as_object_mut()?
            .iter_mut()
            .filter(|(key, _)| matches!(key.as_str(), "Branches" | "Iterator" | "ItemProcessor"))
            .find_map(|(_, nested)| match nested {
                Value::Array(branches) => branches.iter_mut().find_map(|branch| find_state(branch, name)),
                processor => find_state(processor, name),
            })
    })
}

/// The input AWS ran a case with. Some recordings replaced resource names in `input.json` by
/// placeholders after the run (`"TopicArn": "TopicArn"`), while their `ExecutionStarted`
/// event shows what AWS was given (`"arn:<partition>:sns:<region>:111111111111:<resource:1>"`).
/// When `input.json` does not match that event by compare.py's rules, the event's input is
/// used, each `<…>` wildcard filled in with a concrete value; otherwise `input.json` is, as
/// sent (its text is what the history shows).
fn case_input(expected: &Value, input_json: String) -> String {
    let recorded = expected["history"]
        .get(0)
        .filter(|event| event["type"] == "ExecutionStarted")
        .and_then(|event| event["executionStartedEventDetails"].get("input"));
    let (Some(recorded), Ok(sent)) = (recorded, serde_json::from_str::<Value>(&input_json)) else {
        return input_json;
    };
    let normalized = |value: Value| parse_json_strings(&json!({ "v": value }))["v"].clone();
    let recorded = as_value(recorded);
    if diff(&normalized(recorded.clone()), &normalized(sent), "input").is_none() {
        return input_json;
    }
    filled_in(&recorded).to_string()
}

/// A recorded value with every `<…>` wildcard in its strings replaced by a concrete value
/// (`<partition>` by `aws`, `<region>` by `us-east-1`, others by their name: `resource-1`).
fn filled_in(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find('<') {
                let Some(length) = rest[start..].find('>') else { break };
                out.push_str(&rest[..start]);
                let name = &rest[start + 1..start + length];
                out.push_str(match name {
                    "partition" => "aws",
                    "region" => "us-east-1",
                    _ => "",
                });
                if !matches!(name, "partition" | "region") {
                    out.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }));
                }
                rest = &rest[start + length + 1..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(filled_in).collect()),
        Value::Object(members) => {
            Value::Object(members.iter().map(|(key, item)| (key.clone(), filled_in(item))).collect())
        }
        other => other.clone(),
    }
}

/// The known-failures list without its `# reason` comments, as `support::judge` reads it.
fn known_failures_list() -> String {
    KNOWN_FAILURES
        .lines()
        .map(|line| line.split_once('#').map_or(line, |(entry, _)| entry).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn execution_history_cases_through_the_engine() {
    let Some(root) = conformance() else { return };
    let list = known_failures_list();
    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut results = Vec::new();
    for (group, has_task) in [("no_task", false), ("task", true)] {
        let cases: Vec<Case> = history_cases(&root).into_iter().filter(|case| case.has_task == has_task).collect();
        let mut failures = BTreeMap::new();
        for case in &cases {
            let (expected, actual) = run_case(case);
            if std::env::var("CONFORMANCE_SHOW").is_ok_and(|shown| case.name.contains(&shown)) {
                println!("{}: actual {actual:#}", case.name);
            }
            let failure = compare(&expected, &actual);
            let tally = per_file.entry(format!("{} [{group}]", case.group())).or_default();
            tally.0 += 1;
            match failure {
                Some(reason) => {
                    failures.insert(case.name.clone(), reason);
                }
                None => tally.1 += 1,
            }
        }
        results.push((group, cases.len(), failures));
    }
    for (file, (total, passed)) in &per_file {
        println!("{file}: {passed}/{total} pass ({:.1} %)", 100.0 * *passed as f64 / (*total).max(1) as f64);
    }
    // Both groups are judged (and printed) before either one's regressions fail the test.
    let verdicts: Vec<_> = results
        .iter()
        .map(|(group, total, failures)| {
            std::panic::catch_unwind(|| {
                asl_support::judge("tests/known-failures-engine.txt", &list, group, *total, failures)
            })
        })
        .collect();
    for verdict in verdicts {
        if let Err(panic) = verdict {
            std::panic::resume_unwind(panic);
        }
    }
}

#[test]
fn a_derived_mock_config_replays_each_invocation_in_order() {
    let history = json!([
        {"id": 1, "previousEventId": 0, "type": "ExecutionStarted"},
        {"id": 2, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
        {"id": 3, "previousEventId": 2, "type": "TaskScheduled"},
        {"id": 4, "previousEventId": 3, "type": "TaskStarted"},
        {"id": 5, "previousEventId": 4, "type": "TaskFailed", "taskFailedEventDetails": {"error": "E", "cause": "c"}},
        {"id": 6, "previousEventId": 5, "type": "TaskScheduled"},
        {"id": 7, "previousEventId": 6, "type": "TaskStarted"},
        {"id": 8, "previousEventId": 7, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": "{\"a\":1}"}},
    ]);
    let replay = derive_replay(history.as_array().expect("list"));
    assert_eq!(replay.config.response(MACHINE, TEST_CASE, "T", 0), Ok(MockOutcome::Throw(Failure::new("E", "c"))));
    assert_eq!(replay.config.response(MACHINE, TEST_CASE, "T", 1), Ok(MockOutcome::Return(json!({"a": 1}))));
    assert!(replay.config.response(MACHINE, TEST_CASE, "T", 2).is_err());
}

/// The port above and the real `compare.py` agree, on matching results and on results
/// changed to differ (skipped without python3).
#[test]
fn the_comparator_agrees_with_compare_py() {
    let Some(root) = conformance() else { return };
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        println!("skipped: python3 absent");
        return;
    }
    let script = root.join("compare.py");
    let folder = tempfile::tempdir().expect("temporary folder");
    // Cases whose recordings use neither of this port's two additions (the `date` wildcard
    // and `[0]` ids), so both comparators must give the same verdict.
    let cases: Vec<Case> = history_cases(&root)
        .into_iter()
        .filter(|case| {
            let text = fs::read_to_string(case.dir.join("expected.json")).unwrap_or_default();
            !text.contains("\"date\"") && !text.contains("\"id\": [")
        })
        .collect();
    let mut samples = Vec::new();
    for case in
        cases.iter().filter(|case| !case.has_task).step_by(40).chain(cases.iter().filter(|c| c.has_task).step_by(30))
    {
        let (expected, actual) = run_case(case);
        samples.push((format!("{} as run", case.name), expected.clone(), actual.clone()));
        let mut changed = actual.clone();
        if let Some(event) = changed["history"].as_array_mut().and_then(|events| events.last_mut()) {
            event["previousEventId"] = json!(999);
        }
        samples.push((format!("{} with a wrong previousEventId", case.name), expected.clone(), changed));
        let mut changed = actual;
        changed["status"] = json!("ABORTED");
        samples.push((format!("{} with a wrong status", case.name), expected, changed));
    }
    assert!(samples.len() >= 10, "enough samples: {}", samples.len());
    let mut verdicts = BTreeSet::new();
    for (index, (label, expected, actual)) in samples.iter().enumerate() {
        let expected_path = folder.path().join(format!("expected{index}.json"));
        let actual_path = folder.path().join(format!("actual{index}.json"));
        fs::write(&expected_path, expected.to_string()).expect("write");
        fs::write(&actual_path, actual.to_string()).expect("write");
        let output = std::process::Command::new("python3")
            .arg(&script)
            .arg(&expected_path)
            .arg(&actual_path)
            .output()
            .expect("python3 runs");
        let python_matches = output.status.success();
        let port = compare(expected, actual);
        assert_eq!(
            python_matches,
            port.is_none(),
            "{label}: compare.py says {:?}, the port says {port:?}",
            String::from_utf8_lossy(&output.stdout)
        );
        verdicts.insert(python_matches);
    }
    assert_eq!(verdicts.len(), 2, "the samples include matches and differences");
}

#[test]
fn the_comparator_follows_compare_py() {
    assert!(string_matches(
        "arn:<partition>:states:<region>:111111111111:execution:<a>:<b>",
        "arn:aws:states:us-east-1:123456789012:execution:M:e"
    ));
    assert!(!string_matches("arn:<partition>:states", "arn:aws:lambda"));
    assert!(!string_matches("x:<a>", "x:"), "a placeholder stands for at least one character");
    assert!(string_matches("timestamp", "anything"));
    let expected = json!({"status": "SUCCEEDED", "output": {"a": "{\"b\": 1}"}});
    assert_eq!(compare(&expected, &json!({"status": "SUCCEEDED", "output": "{\"a\":{\"b\":1.0}}"})), None);
    assert!(compare(&expected, &json!({"status": "SUCCEEDED", "output": "{\"a\":{\"b\":2}}"})).is_some());
    assert!(compare(&expected, &json!({"status": "FAILED"})).is_some());
}

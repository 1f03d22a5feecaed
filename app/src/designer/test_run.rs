//! The designer's *Test run*: the definition being edited runs on the server's engine as an
//! execution of `designer-<design name>`, Standard or Express as the toolbar says, with its
//! Task states answered by mocks in Step Functions Local's MockConfigFile format (*Mock every
//! Task* writes one with a `Return` for each, shaped like the service's answer). The panel
//! follows the run until it ends and shows its output or error, with a link to the execution's
//! page (graph, events, states). Its fields are kept in the browser per design.
//!
//! The server starts it through [`ssr::TestRunners`], provided as Leptos context (the app
//! cannot depend on the server's engine).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Designer, browser};
use asl::lint::WorkflowType;

/// What a test run needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRunRequest {
    /// The design's name.
    pub design_name: String,
    /// The definition's text.
    pub definition: String,
    /// The input's JSON text (empty: `{}`).
    pub input: String,
    /// Run as Express (else Standard).
    pub express: bool,
    /// A MockConfigFile's text (empty: no mocks).
    pub mocks: String,
    /// Which of its test cases (empty: its only one).
    pub test_case: String,
    /// Whether Wait states and Retry intervals end at once (timeouts keep their time).
    #[serde(default)]
    pub skip_waits: bool,
}

/// Where a test run stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRunProgress {
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: String,
    /// The output, pretty-printed, once it succeeded.
    pub output: Option<String>,
    /// The error, once it failed.
    pub error: Option<String>,
    /// The cause, once it failed.
    pub cause: Option<String>,
    /// How long it ran, once it ended.
    pub duration_millis: Option<i64>,
}

/// Why a test run did not start or cannot be followed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TestRunError {
    /// A field's value cannot be used.
    #[error("{field}: {reason}")]
    Invalid {
        /// `input`, `mocks`, `test case` or `definition`.
        field: String,
        /// Why.
        reason: String,
    },
    /// The engine refused (no such execution, …).
    #[error("{0}")]
    Refused(String),
    /// The server failed; the details are in its log.
    #[error("the server could not start or follow the run; its log has the details")]
    Storage,
    /// The server function itself failed (network, encoding).
    #[error("the server did not answer: {0}")]
    Server(String),
    /// The request had no session (it ended, or was signed out elsewhere): the server asks
    /// for a sign-in. The page keeps its work.
    #[error("{}", crate::SIGNED_OUT)]
    SignedOut,
}

crate::server_fn_error!(TestRunError);

/// Starts a test run; answers its execution's ARN.
#[server(prefix = "/api", endpoint = "designer/test-run", input = leptos::server_fn::codec::Json)]
pub async fn start_test_run(request: TestRunRequest) -> Result<String, TestRunError> {
    let runners = expect_context::<ssr::TestRunners>();
    let started = runners.0.start(request).await;
    if matches!(started, Err(TestRunError::Invalid { .. }))
        && let Some(response) = use_context::<crate::leptos_axum_response::ResponseOptions>()
    {
        response.set_status(crate::leptos_axum_response::StatusCode::BAD_REQUEST);
    }
    started
}

/// Where test run `arn` stands.
#[server(prefix = "/api", endpoint = "designer/test-run-status")]
pub async fn test_run_status(arn: String) -> Result<TestRunProgress, TestRunError> {
    let runners = expect_context::<ssr::TestRunners>();
    runners.0.status(&arn).await
}

/// The server's side.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use super::{TestRunError, TestRunProgress, TestRunRequest};
    use crate::ssr::BoxFuture;

    /// Runs test executions (the server's engine).
    pub trait TestRunner: Send + Sync + std::fmt::Debug {
        /// Starts one; answers its ARN.
        fn start(&self, request: TestRunRequest) -> BoxFuture<'_, Result<String, TestRunError>>;
        /// Where one stands.
        fn status<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<TestRunProgress, TestRunError>>;
    }

    /// The runner, as Leptos context.
    #[derive(Clone, Debug)]
    pub struct TestRunners(pub Arc<dyn TestRunner>);
}

/// The result a mock of a Task calling `resource` returns: Lambda's invoke result for
/// `arn:aws:states:::lambda:invoke` (`{"StatusCode": 200, "Payload": {}}`, as Step Functions
/// receives it), `{}` for anything else.
fn mocked_result(resource: &str) -> Value {
    if resource == "arn:aws:states:::lambda:invoke" { json!({ "StatusCode": 200, "Payload": {} }) } else { json!({}) }
}

/// A MockConfigFile that mocks every Task state in `tasks` (name and resource) for state
/// machine `machine`, in one test case `Mocked`: each returns [`mocked_result`] on its first
/// 1,000 calls (a Retry or a Map calls a Task more than once).
///
/// Mocks already written (`existing`) are kept: each of their test cases gets a mock only for
/// the Tasks it does not mock yet. Answers the text and how many mocks were added, or why
/// `existing` cannot be read.
pub fn mocks_for_tasks(machine: &str, tasks: &[(String, String)], existing: &str) -> Result<(String, usize), String> {
    let mut config = if existing.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(existing) {
            Ok(Value::Object(config)) => config,
            Ok(_) => return Err("mocks: a MockConfigFile is a JSON object; fix or clear them first".into()),
            Err(error) => return Err(format!("mocks: not JSON ({error}); fix or clear them first")),
        }
    };
    let machines = config.entry("StateMachines").or_insert_with(|| json!({}));
    let Some(machines) = machines.as_object_mut() else {
        return Err("mocks: StateMachines must be an object".into());
    };
    if machines.is_empty() {
        machines.insert(machine.to_string(), json!({ "TestCases": { "Mocked": {} } }));
    }
    let mut wanted = Vec::new();
    let mut added = 0;
    for (name, entry) in machines.iter_mut() {
        let Some(cases) = entry.get_mut("TestCases").and_then(Value::as_object_mut) else {
            return Err(format!("mocks: StateMachines.{name}.TestCases must be an object"));
        };
        for case in cases.values_mut().filter_map(Value::as_object_mut) {
            for (task, resource) in tasks {
                if !case.contains_key(task) {
                    let response = format!("{task} returns");
                    case.insert(task.clone(), Value::String(response.clone()));
                    wanted.push((response, resource));
                    added += 1;
                }
            }
        }
    }
    let responses = config.entry("MockedResponses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return Err("mocks: MockedResponses must be an object".into());
    };
    for (response, resource) in wanted {
        responses.entry(response).or_insert_with(|| json!({ "0-999": { "Return": mocked_result(resource) } }));
    }
    Ok((serde_json::to_string_pretty(&Value::Object(config)).unwrap_or_default(), added))
}

/// The node a JSON pointer names.
fn node_at<'a>(root: &'a asl::json::Node, pointer: &str) -> Option<&'a asl::json::Node> {
    pointer.split('/').skip(1).try_fold(root, |node, token| {
        let token = token.replace("~1", "/").replace("~0", "~");
        match &node.value {
            asl::json::Value::Array(items) => token.parse::<usize>().ok().and_then(|index| items.get(index)),
            _ => node.get(&token),
        }
    })
}

/// The Task states of the definition with their resources, in document order (branches and
/// iterations too).
fn task_states(designer: Designer) -> Vec<(String, String)> {
    designer.model.with_untracked(|model| {
        let Some(root) = model.shown_root() else { return Vec::new() };
        asl::graph::graph(root)
            .nodes
            .into_iter()
            .filter(|node| matches!(&node.kind, asl::graph::NodeKind::State { state_type, .. } if state_type == "Task"))
            .map(|node| {
                let resource = node_at(root, &node.id)
                    .and_then(|state| state.get("Resource"))
                    .and_then(|resource| resource.as_str())
                    .unwrap_or_default()
                    .to_string();
                (node.label, resource)
            })
            .collect()
    })
}

/// The browser's key of a design's test run field.
fn field_key(design: &str, field: &str) -> String {
    format!("statehouse.designer.test-run.{field}.{design}")
}

/// Where the panel stands.
#[derive(Clone, Debug, PartialEq)]
enum RunState {
    Idle,
    Starting,
    Following { arn: String, status: Option<TestRunProgress> },
    Failed(String),
}

/// How often the panel asks how a run stands.
const POLL_MILLIS: u64 = 250;

/// The panel.
#[component]
pub fn TestRunPanel(designer: Designer) -> impl IntoView {
    let input = RwSignal::new("{}".to_string());
    let mocks = RwSignal::new(String::new());
    let test_case = RwSignal::new(String::new());
    let skip_waits = RwSignal::new(true);
    // What *Mock every Task* did (or why it could not).
    let mock_note = RwSignal::new(None::<String>);
    let state = RwSignal::new(RunState::Idle);
    // The fields are kept in the browser per design, so a reload or a return to the design
    // finds them as they were.
    let design = Memo::new(move |_| designer.model.with(|model| model.name.clone()));
    Effect::new(move |_| {
        let name = design.get();
        input.set(browser::preference(&field_key(&name, "input")).unwrap_or_else(|| "{}".to_string()));
        mocks.set(browser::preference(&field_key(&name, "mocks")).unwrap_or_default());
        test_case.set(browser::preference(&field_key(&name, "case")).unwrap_or_default());
        // Waiting out a Wait of an hour is rarely what a test run is for: skipped unless the
        // author unticked it for this design.
        skip_waits.set(browser::preference(&field_key(&name, "skip-waits")).as_deref() != Some("false"));
        state.set(RunState::Idle);
    });
    let keep = move |field: &str, signal: RwSignal<String>, value: String| {
        browser::set_preference(&field_key(&design.get_untracked(), field), &value);
        signal.set(value);
    };
    // Each run counts up, so a slower answer about an earlier run is dropped.
    let generation = StoredValue::new(0u64);

    let fill_mocks = move |_| {
        let name = designer.model.with_untracked(|model| model.name.clone());
        let had_mocks = !mocks.get_untracked().trim().is_empty();
        match mocks_for_tasks(&name, &task_states(designer), &mocks.get_untracked()) {
            Ok((text, added)) => {
                keep("mocks", mocks, text);
                if !had_mocks {
                    keep("case", test_case, String::new());
                }
                let kept = if had_mocks { "; the mocks already written are kept" } else { "" };
                mock_note.set(Some(match added {
                    0 => "Every Task is mocked already.".to_string(),
                    1 => format!("Added a mock for 1 Task{kept}."),
                    count => format!("Added mocks for {count} Tasks{kept}."),
                }));
            }
            Err(error) => mock_note.set(Some(error)),
        }
    };

    let start = move |_| {
        designer.take_typing();
        let request = designer.model.with_untracked(|model| TestRunRequest {
            design_name: model.name.clone(),
            definition: model.text().to_string(),
            input: input.get_untracked(),
            express: designer.workflow.get_untracked() == WorkflowType::Express,
            mocks: mocks.get_untracked(),
            test_case: test_case.get_untracked(),
            skip_waits: skip_waits.get_untracked(),
        });
        let run = generation.get_value() + 1;
        generation.set_value(run);
        state.set(RunState::Starting);
        leptos::task::spawn_local(async move {
            match start_test_run(request).await {
                Ok(arn) => {
                    state.set(RunState::Following { arn: arn.clone(), status: None });
                    poll(arn, run, state, generation);
                }
                Err(error) => state.set(RunState::Failed(error.to_string())),
            }
        });
    };

    let busy = move || {
        matches!(state.get(), RunState::Starting)
            || matches!(state.get(), RunState::Following { status: None, .. })
            || matches!(state.get(), RunState::Following { status: Some(ref status), .. } if status.status == "RUNNING")
    };
    let kind = move || if designer.workflow.get() == WorkflowType::Express { "Express" } else { "Standard" };

    view! {
        <section class="test-run" data-testid="test-run">
            <p class="hint">
                "Runs this definition on the server's engine as a " {kind}
                " execution (the toolbar's type). Task states answer from the mocks, in Step Functions Local's MockConfigFile format; a Task without one runs as it would on the server, and fails with States.Runtime, naming it, when nothing is bound to it."
            </p>
            <label for="test-run-input">"Input (JSON)"</label>
            <textarea
                id="test-run-input"
                class="test-run-text"
                spellcheck="false"
                rows="4"
                prop:value=move || input.get()
                on:input=move |event| keep("input", input, event_target_value(&event))
            ></textarea>
            <label for="test-run-mocks">"Mocks (MockConfigFile; empty for none)"</label>
            <textarea
                id="test-run-mocks"
                class="test-run-text"
                spellcheck="false"
                rows="8"
                prop:value=move || mocks.get()
                on:input=move |event| keep("mocks", mocks, event_target_value(&event))
            ></textarea>
            <div class="test-run-row">
                <button type="button" data-testid="test-run-mock-all" on:click=fill_mocks>
                    "Mock every Task"
                </button>
                {move || mock_note.get().map(|note| view! { <span class="hint" role="status" data-testid="test-run-mock-note">{note}</span> })}
                <label for="test-run-case">"Test case"</label>
                <input
                    id="test-run-case"
                    type="text"
                    placeholder="CASE or MACHINE#CASE; empty: the only one"
                    prop:value=move || test_case.get()
                    on:input=move |event| keep("case", test_case, event_target_value(&event))
                />
            </div>
            <label class="test-run-check">
                <input
                    type="checkbox"
                    data-testid="test-run-skip-waits"
                    prop:checked=move || skip_waits.get()
                    on:change=move |event| {
                        let checked = event_target_checked(&event);
                        browser::set_preference(
                            &field_key(&design.get_untracked(), "skip-waits"),
                            if checked { "true" } else { "false" },
                        );
                        skip_waits.set(checked);
                    }
                />
                <span>
                    <strong>"Skip waits"</strong>
                    ": Wait states and Retry intervals end at once (timeouts keep their time)"
                </span>
            </label>
            <button type="button" class="primary" data-testid="test-run-start" disabled=busy on:click=start>
                "Run"
            </button>
            <div role="status" aria-live="polite" data-testid="test-run-outcome">
                {move || match state.get() {
                    RunState::Idle => ().into_any(),
                    RunState::Starting => view! { <p>"Starting…"</p> }.into_any(),
                    RunState::Failed(message) => view! { <p role="alert" class="saved-error">{message}</p> }.into_any(),
                    RunState::Following { arn, status } => outcome_view(&arn, status.as_ref()).into_any(),
                }}
            </div>
        </section>
    }
}

fn outcome_view(arn: &str, status: Option<&TestRunProgress>) -> impl IntoView {
    let href = crate::executions::execution_href(arn);
    let headline = match status {
        None => "Running…".to_string(),
        Some(status) if status.status == "RUNNING" => "Running…".to_string(),
        Some(status) => match status.duration_millis {
            Some(millis) => format!("{} in {millis} ms", status.status),
            None => status.status.clone(),
        },
    };
    let outcome_class = status.map(|status| status.status.to_ascii_lowercase()).unwrap_or_else(|| "running".into());
    let output = status.and_then(|status| status.output.clone());
    let failure = status.and_then(|status| {
        status.error.clone().map(|error| match &status.cause {
            Some(cause) => format!("{error}: {cause}"),
            None => error,
        })
    });
    view! {
        <p class=format!("test-run-status {outcome_class}") data-testid="test-run-status">{headline}</p>
        {output.map(|output| view! { <pre class="test-run-output" data-testid="test-run-output">{output}</pre> })}
        {failure.map(|failure| view! { <p class="saved-error" data-testid="test-run-error">{failure}</p> })}
        <p>
            <a href=href target="_blank" rel="noopener" data-testid="test-run-link">
                "Open the execution"
            </a>
            " (graph, events and each state's input and output)"
        </p>
    }
}

/// Asks how run `arn` stands, shows it, and asks again while it runs, unless a newer run
/// (`generation`) started meanwhile.
fn poll(arn: String, run: u64, state: RwSignal<RunState>, generation: StoredValue<u64>) {
    leptos::task::spawn_local(async move {
        if generation.get_value() != run {
            return;
        }
        match test_run_status(arn.clone()).await {
            Ok(status) => {
                if generation.get_value() != run {
                    return;
                }
                let running = status.status == "RUNNING";
                state.set(RunState::Following { arn: arn.clone(), status: Some(status) });
                if running {
                    set_timeout(
                        move || poll(arn, run, state, generation),
                        std::time::Duration::from_millis(POLL_MILLIS),
                    );
                }
            }
            Err(error) => state.set(RunState::Failed(error.to_string())),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_gets_a_mock_shaped_like_its_service_answer() {
        let tasks = [
            ("Charge".to_string(), "arn:aws:states:::lambda:invoke".to_string()),
            ("Ship it".to_string(), "arn:aws:states:::sqs:sendMessage".to_string()),
        ];
        let (text, added) = mocks_for_tasks("orders", &tasks, "").expect("written");
        assert_eq!(added, 2);
        let value: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(value["StateMachines"]["orders"]["TestCases"]["Mocked"]["Ship it"], "Ship it returns");
        assert_eq!(
            value["MockedResponses"]["Charge returns"]["0-999"]["Return"],
            json!({"StatusCode": 200, "Payload": {}})
        );
        assert_eq!(value["MockedResponses"]["Ship it returns"]["0-999"]["Return"], json!({}));

        // Mocks written by hand are kept: only the Tasks a test case does not mock are added.
        let written = r#"{"StateMachines": {"orders": {"TestCases": {
            "Declined": {"Charge": "Refused"}, "Happy": {}}}},
            "MockedResponses": {"Refused": {"0": {"Throw": {"Error": "Card.Declined"}}}}}"#;
        let (text, added) = mocks_for_tasks("orders", &tasks, written).expect("merged");
        assert_eq!(added, 3, "Ship it in both cases, Charge in Happy");
        let value: Value = serde_json::from_str(&text).expect("JSON");
        let cases = &value["StateMachines"]["orders"]["TestCases"];
        assert_eq!(cases["Declined"], json!({"Charge": "Refused", "Ship it": "Ship it returns"}));
        assert_eq!(cases["Happy"], json!({"Charge": "Charge returns", "Ship it": "Ship it returns"}));
        assert_eq!(value["MockedResponses"]["Refused"], json!({"0": {"Throw": {"Error": "Card.Declined"}}}));
        assert_eq!(mocks_for_tasks("orders", &tasks, &text).map(|(_, added)| added), Ok(0));
        let error = mocks_for_tasks("orders", &tasks, "{ half").expect_err("not JSON");
        assert!(error.starts_with("mocks: not JSON"), "{error}");
    }

    #[test]
    fn pointers_find_nested_states() {
        let root = asl::json::parse(
            r#"{"States": {"P": {"Branches": [{"States": {"a/b": {"Type": "Task", "Resource": "r"}}}]}}}"#,
        )
        .expect("a tree");
        let state = node_at(&root, "/States/P/Branches/0/States/a~1b").expect("found");
        assert_eq!(state.get("Resource").and_then(|resource| resource.as_str()), Some("r"));
    }
}

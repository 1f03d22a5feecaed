//! `/executions/import`: a history from real AWS (`aws stepfunctions get-execution-history`
//! output, `{"events": [...]}`), pasted or uploaded with its definition, shown the way an
//! execution of this server is: the graph coloured by state status, the state details, the
//! timeline and the events table. It is read in the browser and stored nowhere.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use super::{
    EventRow, StatusBadge,
    detail::EventsTable,
    history::state_statuses,
    states::{ExecutionStates, StateDetails, Timeline},
};
use crate::graph_view::{StateGraph, state_names};

/// A history read from AWS's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedHistory {
    /// Its events, in id order.
    pub events: Vec<EventRow>,
    /// RUNNING (no ending event), SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
    pub status: String,
    /// When it started (0 when the history's timestamps cannot be read).
    pub start_millis: i64,
    /// When it stopped.
    pub stop_millis: Option<i64>,
    /// The execution's error and cause, when it did not succeed.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
    /// Whether any timestamp could not be read.
    pub timestamps_missing: bool,
}

/// Reads `get-execution-history` output: `{"events": [...]}` (or the list alone). Each
/// event's `timestamp` may be epoch seconds (the API) or ISO 8601 text (the CLI). The error
/// names what is wrong and where.
pub fn parse_history(text: &str) -> Result<ImportedHistory, String> {
    let document: Value = serde_json::from_str(text).map_err(|error| format!("History: not valid JSON ({error})"))?;
    let list = match &document {
        Value::Array(list) => list,
        Value::Object(members) => match members.get("events") {
            Some(Value::Array(list)) => list,
            _ => return Err("History: it has no \"events\" list; paste the output of get-execution-history".into()),
        },
        _ => return Err("History: it must be an object with an \"events\" list".into()),
    };
    let mut events = Vec::with_capacity(list.len());
    let mut timestamps_missing = false;
    for (index, event) in list.iter().enumerate() {
        let Some(object) = event.as_object() else {
            return Err(format!("History: event {} is not an object", index + 1));
        };
        let Some(event_type) = object.get("type").and_then(Value::as_str) else {
            return Err(format!("History: event {} has no \"type\"", index + 1));
        };
        let id = object.get("id").and_then(Value::as_u64).unwrap_or(index as u64 + 1);
        let previous_id = object.get("previousEventId").and_then(Value::as_u64).unwrap_or(0);
        let timestamp_millis = match object.get("timestamp") {
            Some(Value::Number(seconds)) => seconds.as_f64().map(|seconds| (seconds * 1000.0).round() as i64),
            Some(Value::String(text)) => {
                asl::eval::time::parse_timestamp(text).map(asl::eval::time::Instant::to_millis)
            }
            _ => None,
        };
        timestamps_missing |= timestamp_millis.is_none();
        let details = object.iter().find(|(key, _)| key.ends_with("EventDetails"));
        let state_name = details
            .filter(|_| event_type.ends_with("StateEntered") || event_type.ends_with("StateExited"))
            .and_then(|(_, value)| value.get("name")?.as_str().map(str::to_string));
        events.push(EventRow {
            id,
            previous_id,
            event_type: event_type.to_string(),
            timestamp_millis: timestamp_millis.unwrap_or(0),
            details: details
                .map(|(key, value)| {
                    let value = text_fields_as_strings(value.clone());
                    serde_json::to_string_pretty(&serde_json::json!({ key.clone(): value })).unwrap_or_default()
                })
                .unwrap_or_default(),
            state_name,
        });
    }
    asl::sort::sort_by_key(&mut events, |event| event.id);
    let ending = events.iter().rev().find(|event| {
        matches!(
            event.event_type.as_str(),
            "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted"
        )
    });
    let status = match ending.map(|event| event.event_type.as_str()) {
        Some("ExecutionSucceeded") => "SUCCEEDED",
        Some("ExecutionFailed") => "FAILED",
        Some("ExecutionTimedOut") => "TIMED_OUT",
        Some("ExecutionAborted") => "ABORTED",
        _ => "RUNNING",
    };
    let ending_details = ending.and_then(|event| serde_json::from_str::<Value>(&event.details).ok());
    let member = |field: &str| {
        ending_details
            .as_ref()
            .and_then(|details| details.as_object()?.values().next()?.get(field)?.as_str().map(str::to_string))
    };
    Ok(ImportedHistory {
        start_millis: events.first().map_or(0, |event| event.timestamp_millis),
        stop_millis: ending.map(|event| event.timestamp_millis),
        error: member("error"),
        cause: member("cause"),
        status: status.to_string(),
        events,
        timestamps_missing,
    })
}

/// AWS sends `input`, `output` and `cause` as JSON text; a history saved by some tools has
/// them parsed. Puts them back as text, so the views read both the same way.
fn text_fields_as_strings(mut details: Value) -> Value {
    if let Value::Object(members) = &mut details {
        for field in ["input", "output", "cause"] {
            if let Some(value) = members.get_mut(field)
                && !value.is_string()
            {
                *value = Value::String(value.to_string());
            }
        }
    }
    details
}

/// The import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let definition = RwSignal::new(String::new());
    let history = RwSignal::new(String::new());
    let shown: RwSignal<Option<Result<(String, ImportedHistory), String>>> = RwSignal::new(None);
    let selected = RwSignal::new(None::<String>);
    let show = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let definition_text = definition.get_untracked();
        let result = if definition_text.trim().is_empty() {
            Err("Definition: paste or upload the state machine's definition".to_string())
        } else if state_names(&definition_text).is_empty() {
            Err("Definition: it cannot be read as a state machine (JSON or YAML with States)".to_string())
        } else {
            parse_history(&history.get_untracked()).map(|history| (definition_text, history))
        };
        selected.set(None);
        shown.set(Some(result));
    };
    view! {
        <Title text="Import an execution" />
        <p><a href="/executions">"← All executions"</a></p>
        <h1>"Import an execution"</h1>
        <form class="card import-form" on:submit=show>
            <p class="muted">
                "Paste or upload the output of " <code>"aws stepfunctions get-execution-history"</code>
                " and the state machine's definition. Nothing is sent to the server or stored."
            </p>
            <div class="import-fields">
                <div class="field">
                    <label for="import-definition">"Definition (JSON or YAML)"</label>
                    <textarea id="import-definition" rows="10" prop:value=move || definition.get()
                        on:input=move |event| definition.set(event_target_value(&event))></textarea>
                    <FileLoader id="import-definition-file" label="Upload a definition" target=definition />
                </div>
                <div class="field">
                    <label for="import-history">"History (get-execution-history JSON)"</label>
                    <textarea id="import-history" rows="10" prop:value=move || history.get()
                        on:input=move |event| history.set(event_target_value(&event))></textarea>
                    <FileLoader id="import-history-file" label="Upload a history" target=history />
                </div>
            </div>
            <div class="field actions">
                <button type="submit">"Show"</button>
            </div>
        </form>
        {move || match shown.get() {
            None => ().into_any(),
            Some(Err(message)) => view! { <p class="card error" role="alert" data-testid="import-error">{message}</p> }.into_any(),
            Some(Ok((definition, history))) => view! { <ImportedView definition history selected /> }.into_any(),
        }}
    }
}

/// A file input that reads the chosen file's text into `target`.
#[component]
fn FileLoader(id: &'static str, label: &'static str, target: RwSignal<String>) -> impl IntoView {
    let on_change = move |event: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                target.set(text);
            }
        });
    };
    view! {
        <label class="file-label" for=id>{label}</label>
        <input id=id type="file" accept=".json,.yaml,.yml,application/json" on:change=on_change />
    }
}

/// An imported execution: the same views as one of this server's.
#[component]
fn ImportedView(definition: String, history: ImportedHistory, selected: RwSignal<Option<String>>) -> impl IntoView {
    let ImportedHistory { events, status, start_millis, stop_millis, error, cause, timestamps_missing } = history;
    let statuses = state_statuses(&events, &status);
    let states = ExecutionStates::new(&events, start_millis, stop_millis);
    let all_states = state_names(&definition);
    let choose = Callback::new(move |name: String| selected.set(Some(name)));
    let count = events.len();
    view! {
        <section class="card" data-testid="imported">
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span data-testid="execution-status"><StatusBadge status=status.clone() /></span></dd>
                <dt>"Events"</dt><dd>{count}</dd>
                {error.map(|error| view! { <dt>"Error"</dt><dd><code data-testid="execution-error">{error}</code></dd> })}
                {cause.map(|cause| view! { <dt>"Cause"</dt><dd><pre class="details" data-testid="execution-cause">{cause}</pre></dd> })}
            </dl>
            {timestamps_missing.then(|| view! { <p class="muted">"Some events have no readable timestamp, so timings are not shown for them."</p> })}
        </section>
        <section class="card">
            <h2>"Graph"</h2>
            <StateGraph definition statuses on_select=choose selected />
        </section>
        <StateDetails states=states.clone() all_states selected />
        <section class="card">
            <h2>"Timeline"</h2>
            <Timeline states selected />
        </section>
        <section class="card">
            <h2>"Events"</h2>
            <EventsTable events />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cli_and_the_api_forms() {
        let cli = r#"{"events": [
            {"timestamp": "2023-11-14T22:13:20.123000+00:00", "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
             "executionStartedEventDetails": {"input": "{}", "roleArn": "r"}},
            {"timestamp": "2023-11-14T22:13:21+00:00", "type": "PassStateEntered", "id": 2, "previousEventId": 0,
             "stateEnteredEventDetails": {"name": "P", "input": {"a": 1}}},
            {"timestamp": "2023-11-14T22:13:22+00:00", "type": "ExecutionFailed", "id": 3, "previousEventId": 2,
             "executionFailedEventDetails": {"error": "E", "cause": "why"}}
        ]}"#;
        let history = parse_history(cli).expect("a CLI history");
        assert_eq!(history.status, "FAILED");
        assert_eq!(history.start_millis, 1_700_000_000_123);
        assert_eq!(history.stop_millis, Some(1_700_000_002_000));
        assert_eq!((history.error.as_deref(), history.cause.as_deref()), (Some("E"), Some("why")));
        assert_eq!(history.events[1].state_name.as_deref(), Some("P"));
        assert!(history.events[1].details.contains(r#""input": "{\"a\":1}""#), "{}", history.events[1].details);
        assert!(!history.timestamps_missing);

        let api = r#"[{"timestamp": 1700000000.5, "type": "ExecutionStarted", "id": 1, "previousEventId": 0}]"#;
        let history = parse_history(api).expect("an API event list");
        assert_eq!((history.status.as_str(), history.start_millis), ("RUNNING", 1_700_000_000_500));

        assert!(parse_history("{").unwrap_err().starts_with("History: not valid JSON"));
        assert!(parse_history("{\"items\": []}").unwrap_err().contains("no \"events\" list"));
        assert!(parse_history("[{\"id\": 1}]").unwrap_err().contains("event 1 has no \"type\""));
    }
}

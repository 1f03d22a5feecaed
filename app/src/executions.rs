//! The execution views: every execution with filters and keyset pages (`/executions`, and one
//! state machine's with `?machine=ARN`), and one execution (`/executions/<url-encoded ARN>`)
//! with its graph coloured from its history, its events and an export of the history.
//!
//! The data types here are shared by the server (which fills them in
//! `server/src/web/executions_data.rs`) and the browser. The server functions reach the
//! queries through [`crate::ssr::ServerContext`]: its `executions` runs them on its `pool`.

use std::collections::BTreeMap;

use leptos::{prelude::*, server_fn::codec::JsonEncoding, server_fn::error::FromServerFnError};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::graph_view::{StateGraph, StateStatus};

/// How many executions one page of the list shows.
pub const PAGE_SIZE: u32 = 50;

/// The statuses an execution can have, in the order the filter offers them.
pub const STATUSES: [&str; 6] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

/// The list's filters and position, as the page's query string carries them. Empty means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionFilter {
    /// A state machine's ARN.
    pub machine: Option<String>,
    /// One of [`STATUSES`].
    pub status: Option<String>,
    /// Text the execution's name contains.
    pub name: Option<String>,
    /// The keyset position: list only executions older than this one.
    pub before: Option<Cursor>,
}

/// A position in the list: an execution's start time and ARN (the sort key, newest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Start time, milliseconds since the Unix epoch.
    pub start_millis: i64,
    /// The execution's ARN, which breaks ties between equal start times.
    pub arn: String,
}

impl Cursor {
    /// Reads the `before` parameter's form, `<millis>~<arn>`.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (millis, arn) = text.split_once('~')?;
        Some(Cursor { start_millis: millis.parse().ok()?, arn: arn.to_string() })
            .filter(|cursor| !cursor.arn.is_empty())
    }

    /// The `before` parameter's form.
    pub fn to_parameter(&self) -> String {
        format!("{}~{}", self.start_millis, self.arn)
    }
}

impl ExecutionFilter {
    /// The query string (without `?`) that shows this filter from `before` on.
    pub fn query_before(&self, before: Option<&Cursor>) -> String {
        let before = before.map(Cursor::to_parameter);
        let fields = [("machine", &self.machine), ("status", &self.status), ("name", &self.name), ("before", &before)];
        fields
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name}={}", encode_component(value))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One execution as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRow {
    /// The execution's ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its state machine's ARN.
    pub state_machine_arn: String,
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE.
    pub status: String,
    /// Start time, milliseconds since the Unix epoch (the keyset's first part).
    pub start_millis: i64,
    /// Stop time, milliseconds since the Unix epoch.
    pub stop_millis: Option<i64>,
}

/// One page of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionPage {
    /// The executions, newest first.
    pub rows: Vec<ExecutionRow>,
    /// Where the next (older) page starts, when there is one.
    pub next: Option<Cursor>,
}

/// One history event as the events table shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    /// 1, 2, 3, …
    pub id: u64,
    /// The event this one follows (0 for none).
    pub previous_id: u64,
    /// `ExecutionStarted`, `PassStateEntered`, …
    pub event_type: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_millis: i64,
    /// The details member, pretty-printed JSON (empty when the event has none).
    pub details: String,
    /// The state a `…StateEntered` or `…StateExited` event names.
    pub state_name: Option<String>,
}

/// One execution with its definition and history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionDetail {
    /// The execution as the list shows it.
    pub execution: ExecutionRow,
    /// Its input, pretty-printed JSON.
    pub input: String,
    /// Its output, pretty-printed JSON.
    pub output: Option<String>,
    /// The error's name, when it failed.
    pub error: Option<String>,
    /// The error's cause, when it failed.
    pub cause: Option<String>,
    /// The definition it runs.
    pub definition: String,
    /// Its history, in id order.
    pub events: Vec<EventRow>,
}

/// Why the executions could not be shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ExecutionsError {
    /// No execution has this ARN.
    #[error("there is no execution {0}")]
    NotFound(String),
    /// A filter's value cannot be used (the message says which and why).
    #[error("{0}")]
    InvalidFilter(String),
    /// The server could not read its database; the details are in its log.
    #[error("the executions could not be read; the server's log has the details")]
    Storage,
    /// The server function itself failed (network, encoding).
    #[error("the server did not answer: {0}")]
    Server(String),
}

impl FromServerFnError for ExecutionsError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        ExecutionsError::Server(value.to_string())
    }
}

/// One page of executions matching `filter`, newest first.
/// The filter travels as JSON: a form-encoded filter with every field empty would be no field at all.
#[server(prefix = "/api", endpoint = "executions/list", input = leptos::server_fn::codec::Json)]
pub async fn list_executions(filter: ExecutionFilter) -> Result<ExecutionPage, ExecutionsError> {
    if let Some(status) = &filter.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ExecutionsError::InvalidFilter(format!("there is no execution status “{status}”")));
    }
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.list(&context.pool, &filter).await
}

/// One execution with its history.
#[server(prefix = "/api", endpoint = "executions/one")]
pub async fn read_execution(arn: String) -> Result<ExecutionDetail, ExecutionsError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.execution(&context.pool, &arn).await?.ok_or(ExecutionsError::NotFound(arn))
}

/// Where the history of execution `arn` downloads as `get-execution-history` prints it.
pub fn export_href(arn: &str) -> String {
    format!("/executions-export?arn={}", encode_component(arn))
}

/// The page at `/executions`: filters and one page of executions.
#[component]
pub fn ExecutionsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|query| {
            let text =
                |name: &str| query.get(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
            ExecutionFilter {
                machine: text("machine"),
                status: text("status"),
                name: text("name"),
                before: text("before").and_then(|text| Cursor::parse(&text)),
            }
        })
    });
    let page = Resource::new(move || filter.get(), list_executions);
    view! {
        <Title text="Executions" />
        <h1>"Executions"</h1>
        {move || {
            filter
                .get()
                .machine
                .map(|machine| {
                    view! {
                        <p>
                            "State machine " <code data-testid="machine-filter">{machine}</code> " · "
                            <a href="/executions">"all state machines"</a>
                        </p>
                    }
                })
        }}
        {move || view! { <ExecutionFilters filter=filter.get() /> }}
        <ErrorBoundary fallback=error_list>
            <Suspense fallback=|| view! { <p>"Loading executions…"</p> }>
                {move || Suspend::new(async move {
                    page.await.map(|page| view! { <ExecutionTable page filter=filter.get_untracked() /> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

/// The filter form: a GET form, so it works before hydration and every filter is a link.
#[component]
fn ExecutionFilters(filter: ExecutionFilter) -> impl IntoView {
    let status = filter.status.clone().unwrap_or_default();
    view! {
        <form class="filters card" method="get" action="/executions">
            {filter.machine.clone().map(|machine| view! { <input type="hidden" name="machine" value=machine /> })}
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status">
                    <option value="" selected=status.is_empty()>"Any"</option>
                    {STATUSES
                        .into_iter()
                        .map(|value| view! { <option value=value selected=status == value>{value}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-name">"Name contains"</label>
                <input id="filter-name" name="name" type="search" value=filter.name.clone() />
            </div>
            <div class="field actions">
                <button type="submit">"Filter"</button>
                <a href="/executions" rel="external">"Clear"</a>
            </div>
        </form>
    }
}

/// The executions of one page, with links to the first and the next (older) page.
#[component]
fn ExecutionTable(page: ExecutionPage, filter: ExecutionFilter) -> impl IntoView {
    let ExecutionPage { rows, next } = page;
    let first = filter.before.is_some().then(|| format!("/executions?{}", filter.query_before(None)));
    let older = next.map(|cursor| format!("/executions?{}", filter.query_before(Some(&cursor))));
    let summary = match rows.len() {
        0 => "No executions match.".to_string(),
        1 => "1 execution.".to_string(),
        count => format!("{count} executions{}.", if older.is_some() { " on this page" } else { "" }),
    };
    view! {
        <p role="status" data-testid="executions-summary">{summary}</p>
        <Show when={
            let empty = rows.is_empty();
            move || !empty
        }>
            <table class="executions" data-testid="executions">
                <thead>
                    <tr>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"State machine"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Stopped"</th>
                        <th scope="col">"Duration"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .clone()
                        .into_iter()
                        .map(|row| {
                            let duration = duration_text(row.start_millis, row.stop_millis);
                            view! {
                                <tr data-execution=row.name.clone() data-status=row.status.clone()>
                                    <td data-label="Status"><StatusBadge status=row.status.clone() /></td>
                                    <td data-label="Name">
                                        <a href=execution_href(&row.arn)>{row.name.clone()}</a>
                                    </td>
                                    <td data-label="State machine">
                                        <a href=format!("/executions?machine={}", encode_component(&row.state_machine_arn))>
                                            {last_segment(&row.state_machine_arn).to_string()}
                                        </a>
                                    </td>
                                    <td data-label="Started">{format_millis(row.start_millis)}</td>
                                    <td data-label="Stopped">{row.stop_millis.map(format_millis).unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Duration">{duration}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </Show>
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <a href=href rel="first">"Newest"</a> })}
            {older.map(|href| view! { <a href=href rel="next">"Older"</a> })}
        </nav>
    }
}

/// The page at `/executions/:arn`: one execution, its graph, its events and the export link.
#[component]
pub fn ExecutionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let arn = Memo::new(move |_| params.with(|params| percent_decode(&params.get("arn").unwrap_or_default())));
    let event_type = Memo::new(move |_| query.with(|query| query.get("type").filter(|value| !value.is_empty())));
    // Blocking, so the server waits for it before the first byte: an unknown ARN answers 404.
    let detail = Resource::new_blocking(
        move || arn.get(),
        |arn| {
            #[cfg(feature = "ssr")]
            let response = use_context::<crate::leptos_axum_response::ResponseOptions>();
            async move {
                let detail = read_execution(arn).await;
                #[cfg(feature = "ssr")]
                if let (Err(ExecutionsError::NotFound(_)), Some(response)) = (&detail, response) {
                    response.set_status(crate::leptos_axum_response::StatusCode::NOT_FOUND);
                }
                detail
            }
        },
    );
    view! {
        <p><a href="/executions">"← All executions"</a></p>
        <ErrorBoundary fallback=error_list>
            <Suspense fallback=|| view! { <p>"Loading the execution…"</p> }>
                {move || Suspend::new(async move {
                    detail.await.map(|detail| view! { <ExecutionView detail event_type=event_type.get_untracked() /> })
                })}
            </Suspense>
        </ErrorBoundary>
    }
}

/// One execution, rendered. Every value is text, so Leptos escapes it.
#[component]
fn ExecutionView(detail: ExecutionDetail, event_type: Option<String>) -> impl IntoView {
    let ExecutionDetail { execution, input, output, error, cause, definition, events } = detail;
    let statuses = state_statuses(&events, &execution.status);
    let mut types: Vec<String> = events.iter().map(|event| event.event_type.clone()).collect();
    types.sort();
    types.dedup();
    let shown: Vec<EventRow> = events
        .into_iter()
        .filter(|event| event_type.as_ref().is_none_or(|wanted| &event.event_type == wanted))
        .collect();
    let current_type = event_type.clone().unwrap_or_default();
    let page_href = execution_href(&execution.arn);
    let clear_href = page_href.clone();
    view! {
        <Title text=format!("Execution {}", execution.name) />
        <h1>{execution.name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span data-testid="execution-status"><StatusBadge status=execution.status.clone() /></span></dd>
                <dt>"Execution"</dt><dd><code>{execution.arn.clone()}</code></dd>
                <dt>"State machine"</dt>
                <dd>
                    <a href=format!("/executions?machine={}", encode_component(&execution.state_machine_arn))>
                        <code>{execution.state_machine_arn.clone()}</code>
                    </a>
                </dd>
                <dt>"Started"</dt><dd>{format_millis(execution.start_millis)}</dd>
                <dt>"Stopped"</dt><dd>{execution.stop_millis.map(format_millis).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Duration"</dt><dd>{duration_text(execution.start_millis, execution.stop_millis)}</dd>
                {error.map(|error| view! { <dt>"Error"</dt><dd><code data-testid="execution-error">{error}</code></dd> })}
                {cause.map(|cause| view! { <dt>"Cause"</dt><dd><pre class="details" data-testid="execution-cause">{cause}</pre></dd> })}
            </dl>
            <p>
                <a href=export_href(&execution.arn) download=format!("{}-history.json", execution.name) rel="external" data-testid="export-history">
                    "Export history (JSON)"
                </a>
            </p>
        </section>
        <section class="card">
            <h2>"Graph"</h2>
            <StateGraph definition statuses />
        </section>
        <section class="card io">
            <div>
                <h2>"Input"</h2>
                <pre class="details" data-testid="execution-input">{input}</pre>
            </div>
            <div>
                <h2>"Output"</h2>
                {match output {
                    Some(output) => view! { <pre class="details" data-testid="execution-output">{output}</pre> }.into_any(),
                    None => view! { <p class="muted">"No output."</p> }.into_any(),
                }}
            </div>
        </section>
        <section class="card">
            <h2>"Events"</h2>
            <form class="filters" method="get" action=page_href>
                <div class="field">
                    <label for="filter-type">"Type"</label>
                    <select id="filter-type" name="type">
                        <option value="" selected=current_type.is_empty()>"Any"</option>
                        {types
                            .into_iter()
                            .map(|value| {
                                let selected = value == current_type;
                                let text = value.clone();
                                view! { <option value=value selected=selected>{text}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field actions">
                    <button type="submit">"Filter"</button>
                    <a href=clear_href rel="external">"Clear"</a>
                </div>
            </form>
            <table class="events" data-testid="events">
                <thead>
                    <tr>
                        <th scope="col">"ID"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Timestamp"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {shown
                        .into_iter()
                        .map(|event| {
                            let type_attribute = event.event_type.clone();
                            view! {
                                <tr data-event-id=event.id data-type=type_attribute>
                                    <td data-label="ID">{event.id}</td>
                                    <td data-label="Type">{event.event_type}</td>
                                    <td data-label="State">{event.state_name.unwrap_or_default()}</td>
                                    <td data-label="Timestamp">{format_millis(event.timestamp_millis)}</td>
                                    <td data-label="Details"><pre class="details">{event.details}</pre></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// An execution's status as a coloured badge.
#[component]
fn StatusBadge(status: String) -> impl IntoView {
    view! { <span class=format!("status exec-{}", status.to_lowercase())>{status.clone()}</span> }
}

/// The status of every state the history names, by its name. States it does not name have
/// not been reached.
///
/// A state is *running* while it has been entered more often than exited and the execution
/// runs; *failed* when the execution ended while it was inside it; *caught* when it exited
/// after a failure it did not recover from by a retry (a Catch took over); otherwise
/// *succeeded*. Each event belongs to the state whose `…StateEntered` event its
/// `previousEventId` chain reaches first.
pub fn state_statuses(events: &[EventRow], execution_status: &str) -> BTreeMap<String, StateStatus> {
    #[derive(Default)]
    struct Tally {
        entered: u32,
        exited: u32,
        failing: bool,
        caught: bool,
    }
    let by_id: BTreeMap<u64, &EventRow> = events.iter().map(|event| (event.id, event)).collect();
    let owner = |event: &EventRow| -> Option<String> {
        let mut current = by_id.get(&event.previous_id).copied();
        let mut steps = 0;
        while let Some(candidate) = current {
            if candidate.event_type.ends_with("StateEntered") {
                return candidate.state_name.clone();
            }
            steps += 1;
            if steps > events.len() {
                return None;
            }
            current = by_id.get(&candidate.previous_id).copied();
        }
        None
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for event in events {
        let kind = event.event_type.as_str();
        if kind.ends_with("StateEntered") {
            if let Some(name) = &event.state_name {
                let tally = tallies.entry(name.clone()).or_default();
                tally.entered += 1;
                tally.failing = false;
            }
        } else if kind.ends_with("StateExited") {
            if let Some(name) = &event.state_name {
                let tally = tallies.entry(name.clone()).or_default();
                tally.exited += 1;
                if tally.failing {
                    tally.caught = true;
                }
            }
        } else if kind.starts_with("Execution") {
            continue;
        } else if (kind.ends_with("Failed") || kind.ends_with("TimedOut") || kind.ends_with("Aborted"))
            && let Some(name) = owner(event)
        {
            tallies.entry(name).or_default().failing = true;
        } else if kind.ends_with("Succeeded")
            && let Some(name) = owner(event)
        {
            tallies.entry(name).or_default().failing = false;
        }
    }
    let running = execution_status == "RUNNING";
    tallies
        .into_iter()
        .filter(|(_, tally)| tally.entered > 0)
        .map(|(name, tally)| {
            let status = if tally.entered > tally.exited {
                if running { StateStatus::Running } else { StateStatus::Failed }
            } else if tally.caught {
                StateStatus::Caught
            } else {
                StateStatus::Succeeded
            };
            (name, status)
        })
        .collect()
}

/// The error boundary's view: each error as a sentence.
fn error_list(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="card error" role="alert">
            <h2>"The executions could not be shown"</h2>
            <ul>
                {move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// The page of execution `arn`.
pub fn execution_href(arn: &str) -> String {
    format!("/executions/{}", encode_component(arn))
}

/// `1.234 s`, `2 min 5 s`, or "running" for an execution that has not stopped.
fn duration_text(start_millis: i64, stop_millis: Option<i64>) -> String {
    let Some(stop_millis) = stop_millis else {
        return "running".into();
    };
    let millis = (stop_millis - start_millis).max(0);
    if millis < 60_000 {
        format!("{}.{:03} s", millis / 1000, millis % 1000)
    } else if millis < 3_600_000 {
        format!("{} min {} s", millis / 60_000, millis % 60_000 / 1000)
    } else {
        format!("{} h {} min", millis / 3_600_000, millis % 3_600_000 / 60_000)
    }
}

/// An instant as `2025-01-15T10:30:00.000Z`.
fn format_millis(millis: i64) -> String {
    asl::eval::time::format_millis(millis)
}

/// The part of an ARN after its last colon.
pub fn last_segment(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Percent-encodes a path segment or query string value.
pub fn encode_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => encoded.push(byte as char),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Decodes `%XX` escapes (AWS names cannot contain `%`, so an ARN never has a literal one).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |byte: u8| (byte as char).to_digit(16);
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[index + 1]), hex(bytes[index + 2]))
        {
            decoded.push((high * 16 + low) as u8);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64, previous_id: u64, event_type: &str, state_name: Option<&str>) -> EventRow {
        EventRow {
            id,
            previous_id,
            event_type: event_type.into(),
            timestamp_millis: 0,
            details: String::new(),
            state_name: state_name.map(str::to_string),
        }
    }

    #[test]
    fn statuses_follow_the_history() {
        let events = [
            event(1, 0, "ExecutionStarted", None),
            event(2, 1, "TaskStateEntered", Some("Charge")),
            event(3, 2, "TaskScheduled", None),
            event(4, 3, "TaskStarted", None),
            event(5, 4, "TaskFailed", None),
            event(6, 5, "TaskStateExited", Some("Charge")),
            event(7, 6, "PassStateEntered", Some("Recover")),
            event(8, 7, "PassStateExited", Some("Recover")),
            event(9, 8, "FailStateEntered", Some("Stop")),
            event(10, 9, "ExecutionFailed", None),
        ];
        let statuses = state_statuses(&events, "FAILED");
        assert_eq!(statuses["Charge"], StateStatus::Caught);
        assert_eq!(statuses["Recover"], StateStatus::Succeeded);
        assert_eq!(statuses["Stop"], StateStatus::Failed);
        assert!(!statuses.contains_key("Never"));
        assert_eq!(state_statuses(&events[..8], "RUNNING")["Recover"], StateStatus::Succeeded);
        assert_eq!(state_statuses(&events[..7], "RUNNING")["Recover"], StateStatus::Running);
    }

    #[test]
    fn arns_survive_the_round_trip_through_a_path() {
        let arn = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1";
        assert_eq!(percent_decode(&encode_component(arn)), arn);
        let cursor = Cursor { start_millis: 42, arn: arn.into() };
        assert_eq!(Cursor::parse(&cursor.to_parameter()), Some(cursor));
        assert_eq!(duration_text(0, Some(61_500)), "1 min 1 s");
    }
}

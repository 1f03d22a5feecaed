//! The execution views: every execution with filters and keyset pages (`/executions`, and one
//! state machine's with `?machine=ARN`), and one execution (`/executions/<url-encoded ARN>`)
//! with its graph coloured from its history, its events and an export of the history; a
//! Distributed Map's Map Run (`/executions/map-runs/<url-encoded ARN>`) with its child
//! executions; and the actual cost of recorded executions (per execution and per day).
//!
//! The data types here are shared by the server (which fills them in
//! `server/src/web/executions_data/`) and the browser. The server functions reach the
//! queries through [`crate::ssr::ServerContext`]: its `executions` runs them on its `pool`.

pub mod actions;
pub mod cost;
mod detail;
pub mod failures;
pub mod history;
pub mod import;
mod list;
pub mod map_run;
pub mod states;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use detail::ExecutionPage;
pub use history::state_statuses;
pub use list::ExecutionsPage;
pub use map_run::{MapRunCounts, MapRunDetail, MapRunLimits, MapRunPage, MapRunSummary};

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
    /// The error it failed (or was stopped) with, exactly.
    #[serde(default)]
    pub error: Option<String>,
    /// Only executions started at or after this instant (see [`parse_instant`]).
    pub started_after: Option<String>,
    /// Only executions started before this instant (see [`parse_instant`]).
    pub started_before: Option<String>,
    /// The keyset position: list only executions past this one in the list's order (older
    /// ones, or newer ones when [`ExecutionFilter::oldest_first`]).
    pub before: Option<Cursor>,
    /// Oldest first instead of newest first (`order=oldest`).
    #[serde(default)]
    pub oldest_first: bool,
}

/// A position in the list: an execution's start time and ARN (the sort key).
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
        let order = self.oldest_first.then(|| "oldest".to_string());
        let fields = [
            ("machine", &self.machine),
            ("status", &self.status),
            ("name", &self.name),
            ("error", &self.error),
            ("started_after", &self.started_after),
            ("started_before", &self.started_before),
            ("order", &order),
            ("before", &before),
        ];
        fields
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name}={}", encode_component(value))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

impl ExecutionFilter {
    /// Whether an execution that starts at `start_millis` with `arn` comes after `cursor` in
    /// this list's order (the keyset condition of the next page).
    pub fn comes_after(&self, cursor: &Cursor, start_millis: i64, arn: &str) -> bool {
        let position = (start_millis, arn);
        let cursor = (cursor.start_millis, cursor.arn.as_str());
        if self.oldest_first { position > cursor } else { position < cursor }
    }

    /// The date range as milliseconds since the epoch: `(started at or after, started before)`.
    /// An unreadable date is an [`ExecutionsError::InvalidFilter`] naming the field.
    pub fn started_range(&self) -> Result<(Option<i64>, Option<i64>), ExecutionsError> {
        let read = |label: &str, text: &Option<String>| match text {
            None => Ok(None),
            Some(text) => parse_instant(text).map(Some).ok_or_else(|| {
                ExecutionsError::InvalidFilter(format!(
                    "“{label}” must be a date and time in UTC such as 2025-01-15T10:30, not “{text}”"
                ))
            }),
        };
        Ok((read("Started after", &self.started_after)?, read("Started before", &self.started_before)?))
    }
}

/// Reads an instant as the date filters take it: `2025-01-15`, `2025-01-15T10:30`,
/// `2025-01-15T10:30:05(.123)`, each in UTC, or any RFC 3339 timestamp with its own offset
/// (`…Z`, `…+01:00`). Milliseconds since the epoch.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    let has_zone = text.ends_with(['Z', 'z']) || text.get(16..).is_some_and(|rest| rest.contains(['+', '-']));
    let full = match text.len() {
        10 => format!("{text}T00:00Z"),
        _ if has_zone => text.to_string(),
        _ => format!("{text}Z"),
    };
    asl::eval::time::parse_timestamp(&full).map(asl::eval::time::Instant::to_millis)
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
    /// Standard (recorded in the database) or Express (held in the engine's memory).
    pub workflow_type: WorkflowType,
}

/// An execution's workflow type, as its state machine's `type` names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowType {
    /// Durable: recorded in the database, redrivable.
    #[default]
    Standard,
    /// Held in the engine's memory (running ones, and the last finished ones) and lost on restart.
    Express,
}

impl WorkflowType {
    /// `STANDARD` or `EXPRESS`, as AWS writes it.
    pub fn name(self) -> &'static str {
        match self {
            WorkflowType::Standard => "STANDARD",
            WorkflowType::Express => "EXPRESS",
        }
    }

    /// `Standard` or `Express`, as the pages show it.
    pub fn label(self) -> &'static str {
        match self {
            WorkflowType::Standard => "Standard",
            WorkflowType::Express => "Express",
        }
    }
}

/// One page of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionPage {
    /// The executions, newest first.
    pub rows: Vec<ExecutionRow>,
    /// Where the next (older) page starts, when there is one.
    pub next: Option<Cursor>,
    /// How to reach this server's API, given with an empty unfiltered list (the first visit).
    #[serde(default)]
    pub start_hint: Option<StartHint>,
}

/// What the first-execution hint needs to name this server for the AWS CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartHint {
    /// The server's address as `--endpoint-url` takes it (`http://127.0.0.1:3000`).
    pub endpoint_url: String,
    /// The region the server's ARNs name.
    pub region: String,
    /// The account the server's ARNs name.
    pub account: String,
}

/// What the start page counts of the top-level executions (Map Run children left out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionCounts {
    /// Those running now, Standard and Express.
    pub running: u64,
    /// Those that started at or after the time asked for and failed.
    pub failed: u64,
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
    /// The task tokens it waits on, oldest first.
    pub waiting: Vec<WaitingTask>,
    /// The Map Runs its Distributed Map states started, oldest first.
    pub map_runs: Vec<MapRunSummary>,
}

/// A task waiting for SendTaskSuccess or SendTaskFailure with its token: a
/// `.waitForTaskToken` task, or an activity (taken by a worker or not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingTask {
    /// The task token.
    pub token: String,
    /// The Task state waiting.
    pub state_name: String,
    /// Its resource ARN.
    pub resource: String,
    /// Whether it is an activity (otherwise a `.waitForTaskToken` task).
    pub activity: bool,
    /// Whether an activity worker took it.
    pub started: bool,
    /// When it was scheduled, milliseconds since the epoch.
    pub created_millis: i64,
    /// The approval request it became, when an approval channel took it: its approvers
    /// decide it, not this page.
    #[serde(default)]
    pub approval_request: Option<i64>,
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
    /// The request had no session (it ended, or was signed out elsewhere): the server asks
    /// for a sign-in. The page keeps its work.
    #[error("{}", crate::SIGNED_OUT)]
    SignedOut,
}

crate::server_fn_error!(ExecutionsError);

/// One page of executions matching `filter`, newest first.
/// The filter travels as JSON: a form-encoded filter with every field empty would be no field at all.
#[server(prefix = "/api", endpoint = "executions/list", input = leptos::server_fn::codec::Json)]
pub async fn list_executions(filter: ExecutionFilter) -> Result<ExecutionPage, ExecutionsError> {
    if let Some(status) = &filter.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ExecutionsError::InvalidFilter(format!("there is no execution status “{status}”")));
    }
    filter.started_range()?;
    let context = expect_context::<crate::ssr::ServerContext>();
    let mut page = context.executions.list(&context.pool, &filter).await?;
    if page.rows.is_empty() && filter == ExecutionFilter::default() {
        page.start_hint = Some(context.api.start_hint());
    }
    Ok(page)
}

/// Whether `machine` is a state machine of the API, which the list can start an execution of
/// (a designer's test runs name machines that are not).
#[server(prefix = "/api", endpoint = "executions/machine-defined")]
pub async fn machine_defined(machine: String) -> Result<bool, ExecutionsError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.machine_defined(&context.pool, &machine).await
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

/// An execution's status as a coloured badge.
#[component]
pub(crate) fn StatusBadge(status: String) -> impl IntoView {
    view! { <span class=format!("status exec-{}", status.to_lowercase())>{status.clone()}</span> }
}

/// The state machine `machine` names, once the server says it is one of the API's (the
/// designer opens those by ARN and the list starts them; a designer's test runs name machines
/// that are not).
pub(crate) fn defined_machine(
    machine: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> Resource<Option<String>> {
    Resource::new(machine, |machine| async move {
        match machine {
            Some(machine) if machine_defined(machine.clone()).await.unwrap_or(false) => Some(machine),
            _ => None,
        }
    })
}

/// ` · open in the Designer`, once [`defined_machine`] has found the state machine.
#[component]
pub(crate) fn DesignerLink(defined: Resource<Option<String>>) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                // Always one element at the root: an Option there hydrates wrongly.
                view! {
                    <span>
                        {defined.await.map(|machine| {
                            let href = format!("/designer?open={}", encode_component(&format!("machine:{machine}")));
                            view! { " · " <a href=href rel="external" data-testid="open-in-designer">"open in the Designer"</a> }
                        })}
                    </span>
                }
            })}
        </Suspense>
    }
}

/// A table's *Stopped* cell: the time alone on the day the execution started, the whole date
/// as the cell's title; `—` while it runs.
#[component]
pub(crate) fn StoppedCell(start_millis: i64, stop_millis: Option<i64>) -> impl IntoView {
    view! { <td data-label="Stopped" title=stop_millis.map(format_millis)>{stop_text(start_millis, stop_millis)}</td> }
}

/// When an execution stopped, without the date when it is the day it started (the full time
/// is the cell's title): `12:00:03.250Z`, `2025-01-16T00:00:01.000Z`, or `—` while it runs.
fn stop_text(start_millis: i64, stop_millis: Option<i64>) -> String {
    let Some(stop_millis) = stop_millis else {
        return "—".into();
    };
    let (start, stop) = (format_millis(start_millis), format_millis(stop_millis));
    match (start.split_once('T'), stop.split_once('T')) {
        (Some((start_day, _)), Some((stop_day, time))) if start_day == stop_day => time.to_string(),
        _ => stop,
    }
}

/// The error boundary's view: each error as a sentence.
pub(crate) fn error_list(errors: ArcRwSignal<Errors>) -> impl IntoView {
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

/// Where the executions of state machine `arn` are listed.
pub fn machine_href(arn: &str) -> String {
    format!("/executions?machine={}", encode_component(arn))
}

/// `1.234 s`, `2 min 5 s`, or "running" for an execution that has not stopped.
pub(crate) fn duration_text(start_millis: i64, stop_millis: Option<i64>) -> String {
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
pub(crate) fn format_millis(millis: i64) -> String {
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

    #[test]
    fn a_stop_on_the_day_of_the_start_shows_its_time_only() {
        let start = 1_736_942_400_000; // 2025-01-15T12:00:00.000Z
        assert_eq!(stop_text(start, None), "—");
        assert_eq!(stop_text(start, Some(start + 3_250)), "12:00:03.250Z");
        assert_eq!(stop_text(start, Some(start + 12 * 3_600_000 + 1_000)), "2025-01-16T00:00:01.000Z");
    }

    #[test]
    fn arns_survive_the_round_trip_through_a_path() {
        let arn = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1";
        assert_eq!(percent_decode(&encode_component(arn)), arn);
        let cursor = Cursor { start_millis: 42, arn: arn.into() };
        assert_eq!(Cursor::parse(&cursor.to_parameter()), Some(cursor));
        assert_eq!(duration_text(0, Some(61_500)), "1 min 1 s");
    }

    #[test]
    fn date_filters_read_dates_and_times_in_utc() {
        assert_eq!(parse_instant("2023-11-14"), Some(1_699_920_000_000));
        assert_eq!(parse_instant("2023-11-14T22:13"), Some(1_699_999_980_000));
        assert_eq!(parse_instant("2023-11-14T22:13:20.123"), Some(1_700_000_000_123));
        assert_eq!(parse_instant("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123));
        assert_eq!(parse_instant("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(parse_instant("yesterday"), None);
        let filter = ExecutionFilter { started_before: Some("2023-13-01".into()), ..ExecutionFilter::default() };
        assert!(
            matches!(filter.started_range(), Err(ExecutionsError::InvalidFilter(message)) if message.contains("Started before"))
        );
    }
}

//! Queries behind the app's execution views. Here: the executions list (filters, newest
//! first, keyset pages on `(start_millis, arn)`), Standard executions from SQLite merged with
//! the Express executions the engine holds in memory, and one execution with its definition,
//! history, Map Runs and waiting task tokens (an Express one from the engine). Beside it:
//! `map_runs` (one Map Run and its children), `cost` (a state machine's actual cost per UTC
//! day), `failures` (the failure patterns of what a filter selects) and `export`
//! (`GET /executions-export?arn=…`).

mod cost;
mod export;
mod failures;
mod map_runs;

pub use cost::daily_cost;
pub use export::{ExportQuery, cli_history, export};
pub use failures::{failed_standard_executions, failure_patterns};
pub use map_runs::map_run;
pub(crate) use map_runs::{map_run_counts, map_run_statuses};

use app::{
    executions::{
        Cursor, EventRow, ExecutionCounts, ExecutionDetail, ExecutionFilter, ExecutionPage, ExecutionRow,
        ExecutionsError as PageError, MapRunDetail, PAGE_SIZE, WaitingTask, WorkflowType, cost::MachineCost,
        failures::FailurePatterns,
    },
    ssr::{BoxFuture, ExecutionReader},
};
use serde_json::Value;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::engine::{
    Engine, EngineError, ExecutionView,
    decide::{Status, TaskRequest},
    history::Details,
    store::{ExecutionRecord, INTERNAL_TOKEN_PREFIX},
};
use map_runs::map_runs_of;

/// Why an execution query failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionsDataError {
    /// The database failed.
    #[error("reading the executions: {0}")]
    Database(#[from] sqlx::Error),
    /// The engine failed to describe an Express execution.
    #[error("reading an execution from the engine: {0}")]
    Engine(#[from] EngineError),
}

/// The app's view of these queries: Standard executions on the pool the app's context
/// carries, Express executions from the engine's memory.
#[derive(Clone, Debug)]
pub struct SqliteExecutions {
    /// The engine whose Express executions the views show.
    pub engine: Engine,
}

impl ExecutionReader for SqliteExecutions {
    fn machine_defined<'a>(&'a self, pool: &'a SqlitePool, machine: &'a str) -> BoxFuture<'a, Result<bool, PageError>> {
        Box::pin(async move {
            let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM state_machines WHERE arn = ?")
                .bind(machine)
                .fetch_optional(pool)
                .await
                .map_err(|error| for_the_page(error.into()))?;
            Ok(found.is_some())
        })
    }

    fn counts<'a>(
        &'a self,
        pool: &'a SqlitePool,
        since_millis: i64,
    ) -> BoxFuture<'a, Result<ExecutionCounts, PageError>> {
        Box::pin(async move { counts(pool, &self.engine, since_millis).await.map_err(for_the_page) })
    }

    fn list<'a>(
        &'a self,
        pool: &'a SqlitePool,
        filter: &'a ExecutionFilter,
    ) -> BoxFuture<'a, Result<ExecutionPage, PageError>> {
        Box::pin(list(pool, &self.engine, filter))
    }

    fn execution<'a>(
        &'a self,
        pool: &'a SqlitePool,
        arn: &'a str,
    ) -> BoxFuture<'a, Result<Option<ExecutionDetail>, PageError>> {
        Box::pin(async move { execution(pool, &self.engine, arn).await.map_err(for_the_page) })
    }

    fn map_run<'a>(
        &'a self,
        pool: &'a SqlitePool,
        arn: &'a str,
        after: Option<&'a Cursor>,
    ) -> BoxFuture<'a, Result<Option<MapRunDetail>, PageError>> {
        Box::pin(async move { map_run(pool, arn, after).await.map_err(for_the_page) })
    }

    fn daily_cost<'a>(
        &'a self,
        pool: &'a SqlitePool,
        machine: &'a str,
    ) -> BoxFuture<'a, Result<MachineCost, PageError>> {
        Box::pin(async move { daily_cost(pool, machine).await.map_err(for_the_page) })
    }

    fn failure_patterns<'a>(
        &'a self,
        pool: &'a SqlitePool,
        filter: &'a ExecutionFilter,
    ) -> BoxFuture<'a, Result<FailurePatterns, PageError>> {
        Box::pin(failure_patterns(pool, &self.engine, filter))
    }

    fn failed_standard_executions<'a>(
        &'a self,
        pool: &'a SqlitePool,
        filter: &'a ExecutionFilter,
        state: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, PageError>> {
        Box::pin(failed_standard_executions(pool, filter, state))
    }
}

/// Hides (but logs) our failures.
fn for_the_page(error: ExecutionsDataError) -> PageError {
    tracing::error!(%error, "the executions could not be read");
    PageError::Storage
}

const ROW_COLUMNS: &str = "SELECT arn, name, state_machine_arn, status, start_millis, stop_millis FROM executions";

fn row_from(row: &sqlx::sqlite::SqliteRow) -> Result<ExecutionRow, sqlx::Error> {
    Ok(ExecutionRow {
        arn: row.try_get("arn")?,
        name: row.try_get("name")?,
        state_machine_arn: row.try_get("state_machine_arn")?,
        status: row.try_get("status")?,
        start_millis: row.try_get("start_millis")?,
        stop_millis: row.try_get("stop_millis")?,
        workflow_type: WorkflowType::Standard,
    })
}

/// An in-memory Express execution as the list shows it.
fn express_row(view: ExecutionView) -> ExecutionRow {
    let ExecutionView { record, status } = view;
    ExecutionRow {
        arn: record.arn,
        name: record.name,
        state_machine_arn: record.state_machine_arn,
        status: status.name().to_string(),
        start_millis: record.start_millis,
        stop_millis: record.stop_millis,
        workflow_type: WorkflowType::Express,
    }
}

/// One page of executions matching `filter`, newest first (Map Run children excluded, as
/// ListExecutions does): the Standard executions in SQLite and the Express executions the
/// engine holds, merged on the sort key. Keyset paging keeps every page as cheap as the
/// first: each source gives at most one page and one more.
pub async fn list(pool: &SqlitePool, engine: &Engine, filter: &ExecutionFilter) -> Result<ExecutionPage, PageError> {
    let (started_after, started_before) = filter.started_range()?;
    let mut rows = stored_rows(pool, filter, started_after, started_before).await.map_err(for_the_page)?;
    rows.extend(
        engine
            .express_executions(|record, status| {
                express_selected(filter, started_after, started_before, record, status)
            })
            .into_iter()
            .map(express_row),
    );
    Ok(page_of(rows, filter.oldest_first))
}

/// How many top-level executions run now and how many that started at or after
/// `since_millis` failed: Standard ones counted in SQLite (the partial index of running
/// executions, the start-time index), Express ones in the engine's memory.
pub async fn counts(
    pool: &SqlitePool,
    engine: &Engine,
    since_millis: i64,
) -> Result<ExecutionCounts, ExecutionsDataError> {
    let running: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM executions WHERE status = 'RUNNING' AND map_run_arn IS NULL")
            .fetch_one(pool)
            .await?;
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM executions WHERE start_millis >= ? AND status = 'FAILED' AND map_run_arn IS NULL",
    )
    .bind(since_millis)
    .fetch_one(pool)
    .await?;
    let mut counts = ExecutionCounts { running: running as u64, failed: failed as u64 };
    for view in engine.express_executions(|record, status| {
        record.map_run_arn.is_none()
            && (matches!(status, Status::Running) || (status.name() == "FAILED" && record.start_millis >= since_millis))
    }) {
        if matches!(view.status, Status::Running) {
            counts.running += 1;
        } else {
            counts.failed += 1;
        }
    }
    Ok(counts)
}

/// Whether the list shows this Express execution under `filter`: the same conditions as
/// [`stored_rows`]' SQL (a name contains the text case-sensitively, as `instr` does; ARNs
/// compare byte by byte, as SQLite's `BINARY` collation does).
fn express_selected(
    filter: &ExecutionFilter,
    started_after: Option<i64>,
    started_before: Option<i64>,
    record: &ExecutionRecord,
    status: &Status,
) -> bool {
    express_matches(filter, started_after, started_before, record, status)
        && filter.status.as_deref().is_none_or(|wanted| wanted == status.name())
        && filter.before.as_ref().is_none_or(|cursor| filter.comes_after(cursor, record.start_millis, &record.arn))
}

/// Whether an Express execution passes `filter`'s machine, name, error and dates (not its
/// status or page position): the conditions [`push_conditions`] writes in SQL.
fn express_matches(
    filter: &ExecutionFilter,
    started_after: Option<i64>,
    started_before: Option<i64>,
    record: &ExecutionRecord,
    status: &Status,
) -> bool {
    record.map_run_arn.is_none()
        && filter.machine.as_ref().is_none_or(|machine| *machine == record.state_machine_arn)
        && filter.name.as_deref().is_none_or(|text| record.name.contains(text))
        && filter
            .error
            .as_deref()
            .is_none_or(|error| status.failure().and_then(|failure| failure.error.as_deref()) == Some(error))
        && started_after.is_none_or(|after| record.start_millis >= after)
        && started_before.is_none_or(|before| record.start_millis < before)
}

/// Appends `filter`'s machine, name, error and date conditions (not its status or page
/// position) to a query of top-level executions (`… WHERE map_run_arn IS NULL`).
fn push_conditions(
    select: &mut QueryBuilder<'_, Sqlite>,
    filter: &ExecutionFilter,
    started_after: Option<i64>,
    started_before: Option<i64>,
) {
    if let Some(machine) = &filter.machine {
        select.push(" AND state_machine_arn = ").push_bind(machine.clone());
    }
    if let Some(name) = &filter.name {
        select.push(" AND instr(name, ").push_bind(name.clone()).push(") > 0");
    }
    if let Some(error) = &filter.error {
        select.push(" AND error = ").push_bind(error.clone());
    }
    if let Some(after) = started_after {
        select.push(" AND start_millis >= ").push_bind(after);
    }
    if let Some(before) = started_before {
        select.push(" AND start_millis < ").push_bind(before);
    }
}

/// The first [`PAGE_SIZE`] of `rows` in the list's order (newest first unless
/// `oldest_first`), and the cursor of the next page when more rows were given.
fn page_of(mut rows: Vec<ExecutionRow>, oldest_first: bool) -> ExecutionPage {
    rows.sort_unstable_by(|a, b| (b.start_millis, &b.arn).cmp(&(a.start_millis, &a.arn)));
    if oldest_first {
        rows.reverse();
    }
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|row| Cursor { start_millis: row.start_millis, arn: row.arn.clone() })
    } else {
        None
    };
    ExecutionPage { rows, next, start_hint: None }
}

/// The Standard executions of the page `filter` asks for, and one more when there is one.
async fn stored_rows(
    pool: &SqlitePool,
    filter: &ExecutionFilter,
    started_after: Option<i64>,
    started_before: Option<i64>,
) -> Result<Vec<ExecutionRow>, ExecutionsDataError> {
    let mut select = QueryBuilder::<Sqlite>::new(ROW_COLUMNS);
    select.push(" WHERE map_run_arn IS NULL");
    push_conditions(&mut select, filter, started_after, started_before);
    if let Some(status) = &filter.status {
        select.push(" AND status = ").push_bind(status);
    }
    let (past, direction) = if filter.oldest_first { (">", "ASC") } else { ("<", "DESC") };
    if let Some(Cursor { start_millis, arn }) = &filter.before {
        select.push(format!(" AND (start_millis, arn) {past} ("));
        select.push_bind(start_millis).push(", ").push_bind(arn).push(")");
    }
    select.push(format!(" ORDER BY start_millis {direction}, arn {direction} LIMIT "));
    select.push_bind(i64::from(PAGE_SIZE) + 1);
    let rows = select.build().fetch_all(pool).await?.iter().map(row_from).collect::<Result<Vec<ExecutionRow>, _>>()?;
    Ok(rows)
}

/// One execution with its definition and history (a Standard one from SQLite, an Express
/// one from the engine's memory); `None` when there is no such execution.
pub async fn execution(
    pool: &SqlitePool,
    engine: &Engine,
    arn: &str,
) -> Result<Option<ExecutionDetail>, ExecutionsDataError> {
    match stored_execution(pool, arn).await? {
        Some(detail) => Ok(Some(detail)),
        None => express_execution(pool, engine, arn).await,
    }
}

/// An Express execution the engine holds, in the same shape as a stored one; it waits on no
/// stored task token (an Express execution's tokens live in the engine's memory).
async fn express_execution(
    pool: &SqlitePool,
    engine: &Engine,
    arn: &str,
) -> Result<Option<ExecutionDetail>, ExecutionsDataError> {
    if !arn.contains(":express:") {
        return Ok(None);
    }
    let (Some(view), Some(events)) = (engine.describe(arn).await?, engine.history(arn).await?) else {
        return Ok(None);
    };
    let (output, error, cause) = match &view.status {
        Status::Running => (None, None, None),
        Status::Succeeded { output } => (Some(pretty(output)), None, None),
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            (None, failure.error.clone(), failure.cause.clone().map(pretty_text))
        }
    };
    let mut execution = express_row(view.clone());
    if execution.stop_millis.is_none() && view.status.is_final() {
        execution.stop_millis = events.last().map(|event| event.timestamp_millis);
    }
    Ok(Some(ExecutionDetail {
        waiting: Vec::new(),
        map_runs: map_runs_of(pool, arn).await?,
        input: pretty_text(view.record.input_text),
        output,
        error,
        cause,
        definition: view.record.definition,
        execution,
        events: events
            .into_iter()
            .map(|event| {
                event_row(
                    event.id,
                    event.previous_event_id,
                    event.event_type.as_str().to_string(),
                    event.timestamp_millis,
                    event.details.map(Details::into_pair),
                )
            })
            .collect(),
    }))
}

/// An event as the events table shows it.
fn event_row(
    id: u64,
    previous_id: u64,
    event_type: String,
    timestamp_millis: i64,
    details: Option<(String, Value)>,
) -> EventRow {
    let state_name = details
        .as_ref()
        .filter(|_| event_type.ends_with("StateEntered") || event_type.ends_with("StateExited"))
        .and_then(|(_, value)| value.get("name")?.as_str().map(str::to_string));
    EventRow {
        id,
        previous_id,
        event_type,
        timestamp_millis,
        details: details.map(|(key, value)| pretty(&serde_json::json!({ key: value }))).unwrap_or_default(),
        state_name,
    }
}

/// A Standard execution from SQLite.
async fn stored_execution(pool: &SqlitePool, arn: &str) -> Result<Option<ExecutionDetail>, ExecutionsDataError> {
    let Some(row) = sqlx::query(concat!(
        "SELECT arn, name, state_machine_arn, status, start_millis, stop_millis, input, output, error, cause, ",
        crate::definition_column!(),
        " FROM executions WHERE arn = ?"
    ))
    .bind(arn)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let execution = row_from(&row)?;
    let events = sqlx::query(
        "SELECT id, previous_id, timestamp_millis, type, details FROM history_events \
         WHERE execution_key = (SELECT history_key FROM executions WHERE arn = ?) ORDER BY id",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let details: Option<String> = row.try_get("details")?;
        // Stored as `[member name, details]`, the engine's `(String, Value)`.
        let details = details.and_then(|text| serde_json::from_str::<(String, Value)>(&text).ok());
        Ok(event_row(
            row.try_get::<i64, _>("id")? as u64,
            row.try_get::<i64, _>("previous_id")? as u64,
            row.try_get("type")?,
            row.try_get("timestamp_millis")?,
            details,
        ))
    })
    .collect::<Result<Vec<EventRow>, sqlx::Error>>()?;
    let waiting = waiting_tasks(pool, arn).await?;
    let map_runs = map_runs_of(pool, arn).await?;
    Ok(Some(ExecutionDetail {
        waiting,
        map_runs,
        input: pretty_text(row.try_get("input")?),
        output: row.try_get::<Option<String>, _>("output")?.map(pretty_text),
        error: row.try_get("error")?,
        cause: row.try_get::<Option<String>, _>("cause")?.map(pretty_text),
        definition: row.try_get("definition")?,
        execution,
        events,
    }))
}

/// The tasks execution `arn` waits on with a token (`.waitForTaskToken` tasks and
/// activities), oldest first; the engine's own tasks (tokens it made up) are left out.
async fn waiting_tasks(pool: &SqlitePool, arn: &str) -> Result<Vec<WaitingTask>, ExecutionsDataError> {
    // A task that became an approval request (the token's request, when the portal took it).
    let rows = sqlx::query(
        "SELECT tasks.token, request, activity_arn, started, created_millis, approval_requests.id AS approval \
         FROM tasks LEFT JOIN approval_requests ON approval_requests.token = tasks.token \
         WHERE tasks.execution_arn = ? AND substr(tasks.token, 1, ?) <> ? ORDER BY created_millis, key",
    )
    .bind(arn)
    .bind(INTERNAL_TOKEN_PREFIX.len() as i64)
    .bind(INTERNAL_TOKEN_PREFIX)
    .fetch_all(pool)
    .await?;
    let mut waiting = Vec::with_capacity(rows.len());
    for row in rows {
        let request: String = row.try_get("request")?;
        let Ok(request) = serde_json::from_str::<TaskRequest>(&request) else {
            tracing::warn!(%arn, "a stored task request could not be read");
            continue;
        };
        waiting.push(WaitingTask {
            token: row.try_get("token")?,
            state_name: request.state_name,
            resource: request.resource.arn,
            activity: row.try_get::<Option<String>, _>("activity_arn")?.is_some(),
            started: row.try_get::<i64, _>("started")? != 0,
            created_millis: row.try_get("created_millis")?,
            approval_request: row.try_get("approval")?,
        });
    }
    Ok(waiting)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// JSON text pretty-printed, or as it is when it is not JSON.
fn pretty_text(text: String) -> String {
    serde_json::from_str::<Value>(&text).map(|value| pretty(&value)).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn failures_group_alike_for_standard_and_express_executions() {
        use crate::engine::{EngineSettings, ExecutionType};
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool.clone(), EngineSettings::default());
        let timers = engine.spawn_timer_loop();
        // $.kind picks the way to fail: a Fail state in a Parallel's branch (the pattern's
        // state is the Parallel), a Fail state at the top, or the execution's own timeout
        // while a Wait runs.
        let definition = serde_json::json!({
            "StartAt": "Route",
            "TimeoutSeconds": 1,
            "States": {
                "Route": {"Type": "Choice", "Choices": [
                    {"Variable": "$.kind", "StringEquals": "branch", "Next": "Checks"},
                    {"Variable": "$.kind", "StringEquals": "slow", "Next": "Linger"}
                ], "Default": "Reject"},
                "Checks": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Stock", "States": {
                    "Stock": {"Type": "Fail", "Error": "Stock.Missing", "Cause": "item 17 missing"}
                }}]},
                "Linger": {"Type": "Wait", "Seconds": 30, "End": true},
                "Reject": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "order 5 rejected"}
            }
        });
        let runs = [("branch", 3), ("reject", 2), ("slow", 1)];
        for (kind, machine) in [(ExecutionType::Standard, "standard"), (ExecutionType::Express, "express")] {
            let mut started = Vec::new();
            for (way, times) in runs {
                for index in 0..times {
                    let execution = engine
                        .start(start_request(
                            machine,
                            format!("{way}-{index}"),
                            &definition,
                            json!({"kind": way}),
                            kind,
                        ))
                        .await
                        .expect("started");
                    started.push(execution.arn);
                }
            }
            for arn in started {
                engine.wait(&arn).await.expect("it ends");
            }
        }
        for machine in ["standard", "express"] {
            let filter = ExecutionFilter {
                machine: Some(format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}")),
                ..Default::default()
            };
            let grouped = failure_patterns(&pool, &engine, &filter).await.expect("the patterns");
            let summary: Vec<(Option<&str>, Option<&str>, u32, u32)> = grouped
                .patterns
                .iter()
                .map(|pattern| (pattern.state.as_deref(), pattern.error.as_deref(), pattern.count, pattern.timed_out))
                .collect();
            assert_eq!(
                summary,
                [
                    (Some("Checks"), Some("Stock.Missing"), 3, 0),
                    (Some("Reject"), Some("Order.Rejected"), 2, 0),
                    (Some("Linger"), Some("States.Timeout"), 1, 1),
                ],
                "{machine}"
            );
            assert_eq!(grouped.examined, 6, "{machine}");
            let causes: Vec<(&str, u32)> =
                grouped.patterns[0].causes.iter().map(|cause| (cause.example.as_str(), cause.count)).collect();
            assert_eq!(causes, [("item 17 missing", 3)], "{machine}");
            // The list's error filter selects one pattern's executions; the status filter
            // narrows the patterns.
            let rejected = ExecutionFilter { error: Some("Order.Rejected".into()), ..filter.clone() };
            let names = walk(&pool, &engine, rejected).await;
            assert_eq!(names.len(), 2, "{machine}: {names:?}");
            assert!(names.iter().all(|name| name.starts_with("reject-")), "{machine}: {names:?}");
            // What Redrive on a pattern redrives: its Standard executions that ended in its state.
            let redrivable = failed_standard_executions(&pool, &rejected_filter(&filter), Some("Reject"))
                .await
                .expect("the executions");
            let elsewhere = failed_standard_executions(&pool, &rejected_filter(&filter), Some("Checks"))
                .await
                .expect("the executions");
            assert_eq!(
                (redrivable.len(), elsewhere.len()),
                (if machine == "standard" { 2 } else { 0 }, 0),
                "{machine}"
            );
            let timed_out = ExecutionFilter { status: Some("TIMED_OUT".into()), ..filter.clone() };
            let grouped = failure_patterns(&pool, &engine, &timed_out).await.expect("the patterns");
            assert_eq!(grouped.patterns.len(), 1, "{machine}");
            let succeeded = ExecutionFilter { status: Some("SUCCEEDED".into()), ..filter };
            assert!(failure_patterns(&pool, &engine, &succeeded).await.expect("the patterns").patterns.is_empty());
        }
        timers.abort();
    }

    #[tokio::test]
    async fn the_start_page_counts_running_executions_and_the_failures_since_a_time_of_both_kinds() {
        use crate::engine::{EngineSettings, ExecutionType};
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool.clone(), EngineSettings::default());
        let definition = serde_json::json!({
            "StartAt": "Route",
            "States": {
                "Route": {"Type": "Choice", "Choices": [
                    {"Variable": "$.way", "StringEquals": "wait", "Next": "Linger"},
                    {"Variable": "$.way", "StringEquals": "fail", "Next": "Reject"}
                ], "Default": "Done"},
                "Linger": {"Type": "Wait", "Seconds": 3600, "End": true},
                "Reject": {"Type": "Fail", "Error": "Order.Rejected"},
                "Done": {"Type": "Succeed"}
            }
        });
        let start = |kind: ExecutionType, name: String, way: &'static str| {
            let machine = if kind == ExecutionType::Express { "express" } else { "standard" };
            let request = start_request(machine, name, &definition, json!({"way": way}), kind);
            let engine = engine.clone();
            async move { engine.start(request).await.expect("started") }
        };
        assert_eq!(counts(&pool, &engine, 0).await.expect("the counts"), ExecutionCounts { running: 0, failed: 0 });
        // Standard: 2 waiting, 3 failed, 1 succeeded; Express: 1 waiting, 2 failed.
        for (kind, waiting, failing) in [(ExecutionType::Standard, 2, 3), (ExecutionType::Express, 1, 2)] {
            for index in 0..waiting {
                start(kind, format!("wait-{index}"), "wait").await;
            }
            for index in 0..failing {
                let started = start(kind, format!("fail-{index}"), "fail").await;
                engine.wait(&started.arn).await.expect("it ends");
            }
            let succeeded = start(kind, "done".into(), "done").await;
            engine.wait(&succeeded.arn).await.expect("it ends");
        }
        assert_eq!(counts(&pool, &engine, 0).await.expect("the counts"), ExecutionCounts { running: 3, failed: 5 });
        // Failures count from the time given on: none started after now.
        let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis()
            as i64
            + 60_000;
        assert_eq!(counts(&pool, &engine, later).await.expect("the counts"), ExecutionCounts { running: 3, failed: 0 });
    }

    /// A start of `definition` as state machine `machine` of this account.
    fn start_request(
        machine: &str,
        name: String,
        definition: &Value,
        input: Value,
        kind: crate::engine::ExecutionType,
    ) -> crate::engine::StartRequest {
        crate::engine::StartRequest {
            state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
            state_machine_name: machine.into(),
            name,
            definition: definition.to_string(),
            input,
            input_text: None,
            role_arn: "arn:aws:iam::123456789012:role/views".into(),
            kind,
            test_case: None,
            map_run_arn: None,
            item_count: None,
            qualifiers: Default::default(),
            skip_waits: false,
        }
    }

    fn rejected_filter(filter: &ExecutionFilter) -> ExecutionFilter {
        ExecutionFilter { error: Some("Order.Rejected".into()), ..filter.clone() }
    }

    /// Walks every page of the list in `filter`'s order; returns the names seen.
    async fn walk(pool: &SqlitePool, engine: &Engine, mut filter: ExecutionFilter) -> Vec<String> {
        let mut names = Vec::new();
        loop {
            let page = list(pool, engine, &filter).await.expect("a page");
            assert!(page.rows.len() <= PAGE_SIZE as usize);
            names.extend(page.rows.into_iter().map(|row| row.name));
            match page.next {
                Some(cursor) => filter.before = Some(cursor),
                None => return names,
            }
        }
    }

    #[tokio::test]
    async fn pages_walk_every_execution_once_in_either_order() {
        use crate::engine::{EngineSettings, ExecutionType};
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool.clone(), EngineSettings::default());
        let definition = serde_json::json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        // Many share a start millisecond, so the ARN has to break ties for paging to work.
        for index in 0..(2 * PAGE_SIZE + 7) {
            let kind = if index % 5 == 0 { ExecutionType::Express } else { ExecutionType::Standard };
            engine
                .start(start_request("paged", format!("run-{index:03}"), &definition, json!({}), kind))
                .await
                .expect("started");
        }
        let newest_first = walk(&pool, &engine, ExecutionFilter::default()).await;
        let oldest_first = walk(&pool, &engine, ExecutionFilter { oldest_first: true, ..Default::default() }).await;
        let mut all: Vec<String> = newest_first.clone();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), (2 * PAGE_SIZE + 7) as usize, "every execution once, Express ones included");
        assert_eq!(newest_first.len(), all.len());
        let mut reversed = oldest_first.clone();
        reversed.reverse();
        assert_eq!(reversed, newest_first, "oldest first is newest first backwards");
        assert_ne!(oldest_first, newest_first);
    }
}

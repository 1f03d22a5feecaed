//! Queries behind the app's execution views: the executions list (filters, newest first,
//! keyset pages on `(start_millis, arn)`), Standard executions from SQLite merged with the
//! Express executions the engine holds in memory; one execution with its definition and
//! history and Map Runs (an Express one from the engine); one Map Run with its counts (as
//! DescribeMapRun counts them) and a keyset page of its child executions; a state machine's
//! actual cost per UTC day; the failure patterns of the executions a filter selects; and `GET /executions-export?arn=…`, the history as
//! `aws stepfunctions get-execution-history` prints it.
//!
//! The cost counts billed transitions with `asl::cost::actual::billed_transitions` over each
//! history. A finished execution is counted once, into the `execution_costs` table (its only
//! writer is this module; the engine alone writes executions and history), and the days are
//! summed in SQL; running executions are counted afresh on every view.

use std::collections::BTreeMap;

use app::{
    executions::{
        Cursor, EventRow, ExecutionDetail, ExecutionFilter, ExecutionPage, ExecutionRow, ExecutionsError as PageError,
        MapRunCounts, MapRunDetail, MapRunSummary, PAGE_SIZE, WaitingTask, WorkflowType,
        cost::{DailyCost, MachineCost, arn_region},
        failures::{
            FAILURES_EXAMINED, FailedExecution, FailurePatterns, REDRIVE_BATCH, failure_statuses, group_failures,
        },
    },
    ssr::{BoxFuture, ExecutionReader},
};
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{
    api::ApiState,
    engine::{
        Engine, EngineError, ExecutionView,
        decide::{FAILED_STATE_SQL, Status, TaskRequest},
        history::{Details, HistoryEvent},
        store::{ExecutionRecord, INTERNAL_TOKEN_PREFIX},
    },
};

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
    ExecutionPage { rows, next }
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

/// Appends ` FROM … WHERE …` selecting the top-level executions of `statuses` (failures) that
/// `filter` selects, through the partial index of failures (migration `…_failure_patterns`).
/// The WHERE starts with the index's own, word for word: that is how SQLite knows the index
/// applies, and `INDEXED BY` makes a query that could not use it fail instead of scanning.
fn push_failures_selection(
    select: &mut QueryBuilder<'_, Sqlite>,
    filter: &ExecutionFilter,
    statuses: &[&'static str],
    started_after: Option<i64>,
    started_before: Option<i64>,
) {
    select.push(
        " FROM executions INDEXED BY executions_failures \
         WHERE status IN ('FAILED', 'TIMED_OUT') AND map_run_arn IS NULL",
    );
    push_conditions(select, filter, started_after, started_before);
    if let [status] = statuses {
        select.push(" AND status = ").push_bind(*status);
    }
}

/// The failure patterns of the executions `filter` selects (its page position ignored): the
/// newest [`FAILURES_EXAMINED`] failed or timed-out ones, Standard and Express together.
pub async fn failure_patterns(
    pool: &SqlitePool,
    engine: &Engine,
    filter: &ExecutionFilter,
) -> Result<FailurePatterns, PageError> {
    let (started_after, started_before) = filter.started_range()?;
    let statuses = failure_statuses(filter);
    if statuses.is_empty() {
        return Ok(FailurePatterns::default());
    }
    // The newest failures' keys come from the partial index alone, so only the rows kept are
    // read and their snapshots parsed.
    let mut select = QueryBuilder::<Sqlite>::new(format!(
        "SELECT arn, name, state_machine_arn, status, error, substr(cause, 1, 2000) AS cause, {FAILED_STATE_SQL} AS state, \
         start_millis, stop_millis FROM executions WHERE history_key IN (SELECT history_key"
    ));
    push_failures_selection(&mut select, filter, &statuses, started_after, started_before);
    select.push(" ORDER BY start_millis DESC, arn DESC LIMIT ");
    select.push_bind(FAILURES_EXAMINED as i64 + 1);
    select.push(")");
    let rows = select.build().fetch_all(pool).await.map_err(|error| for_the_page(error.into()))?;
    let mut failures = rows
        .iter()
        .map(|row| {
            Ok(FailedExecution {
                arn: row.try_get("arn")?,
                name: row.try_get("name")?,
                state_machine_arn: row.try_get("state_machine_arn")?,
                status: row.try_get("status")?,
                error: row.try_get("error")?,
                cause: row.try_get("cause")?,
                state: row.try_get("state")?,
                start_millis: row.try_get("start_millis")?,
                stop_millis: row.try_get("stop_millis")?,
                standard: true,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(|error| for_the_page(error.into()))?;
    let express = engine.express_failures(|record, status| {
        statuses.contains(&status.name()) && express_matches(filter, started_after, started_before, record, status)
    });
    failures.extend(express.into_iter().map(|(ExecutionView { record, status }, state)| {
        let failure = status.failure();
        FailedExecution {
            arn: record.arn,
            name: record.name,
            state_machine_arn: record.state_machine_arn,
            status: status.name().to_string(),
            error: failure.and_then(|failure| failure.error.clone()),
            cause: failure.and_then(|failure| failure.cause.clone()),
            state,
            start_millis: record.start_millis,
            stop_millis: record.stop_millis,
            standard: false,
        }
    }));
    failures.sort_unstable_by(|a, b| (b.start_millis, &b.arn).cmp(&(a.start_millis, &a.arn)));
    let capped = failures.len() > FAILURES_EXAMINED;
    failures.truncate(FAILURES_EXAMINED);
    Ok(group_failures(failures, capped))
}

/// The failed and timed-out Standard executions `filter` selects that ended in `state` (a
/// failure pattern's), newest first, at most one more than [`REDRIVE_BATCH`]: what *Redrive*
/// on a pattern redrives.
pub async fn failed_standard_executions(
    pool: &SqlitePool,
    filter: &ExecutionFilter,
    state: Option<&str>,
) -> Result<Vec<String>, PageError> {
    let (started_after, started_before) = filter.started_range()?;
    let statuses = failure_statuses(filter);
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = QueryBuilder::<Sqlite>::new("SELECT arn");
    push_failures_selection(&mut select, filter, &statuses, started_after, started_before);
    select.push(format!(" AND ({FAILED_STATE_SQL}) IS ")).push_bind(state.map(str::to_string));
    select.push(" ORDER BY start_millis DESC, arn DESC LIMIT ").push_bind(REDRIVE_BATCH as i64 + 1);
    let rows = select.build().fetch_all(pool).await.map_err(|error| for_the_page(error.into()))?;
    rows.iter()
        .map(|row| row.try_get("arn"))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|error| for_the_page(error.into()))
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

/// The Map Runs execution `arn`'s Distributed Maps started, oldest first.
async fn map_runs_of(pool: &SqlitePool, arn: &str) -> Result<Vec<MapRunSummary>, ExecutionsDataError> {
    let rows = sqlx::query(
        "SELECT arn, state_name, status, start_millis, stop_millis FROM map_runs \
         WHERE execution_arn = ? ORDER BY start_millis, arn",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(map_run_summary).collect::<Result<Vec<_>, _>>()?)
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

fn map_run_summary(row: &sqlx::sqlite::SqliteRow) -> Result<MapRunSummary, sqlx::Error> {
    Ok(MapRunSummary {
        arn: row.try_get("arn")?,
        state_name: row.try_get("state_name")?,
        status: row.try_get("status")?,
        start_millis: row.try_get("start_millis")?,
        stop_millis: row.try_get("stop_millis")?,
    })
}

/// One Map Run with its counts and the page of its child executions that starts after
/// `after` (oldest first); `None` when there is no such Map Run.
pub async fn map_run(
    pool: &SqlitePool,
    arn: &str,
    after: Option<&Cursor>,
) -> Result<Option<MapRunDetail>, ExecutionsDataError> {
    let Some(row) = sqlx::query(
        "SELECT arn, execution_arn, state_name, status, total, item_total, max_concurrency, tolerated_failure_count, \
         tolerated_failure_percentage, start_millis, stop_millis, redrive_count, redrive_millis FROM map_runs \
         WHERE arn = ?",
    )
    .bind(arn)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let summary = map_run_summary(&row)?;
    let statuses = map_run_statuses(pool, arn).await?;
    let children: i64 = row.try_get("total")?;
    let item_total = row.try_get::<Option<i64>, _>("item_total")?.unwrap_or(children);
    let (items, executions) = map_run_counts(&summary.status, item_total, children, &statuses);

    let mut select = QueryBuilder::<Sqlite>::new(ROW_COLUMNS);
    select.push(" WHERE map_run_arn = ").push_bind(arn);
    if let Some(Cursor { start_millis, arn }) = after {
        select.push(" AND (start_millis, arn) > (").push_bind(start_millis).push(", ").push_bind(arn).push(")");
    }
    select.push(" ORDER BY start_millis, arn LIMIT ").push_bind(i64::from(PAGE_SIZE) + 1);
    let mut rows =
        select.build().fetch_all(pool).await?.iter().map(row_from).collect::<Result<Vec<ExecutionRow>, _>>()?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|row| Cursor { start_millis: row.start_millis, arn: row.arn.clone() })
    } else {
        None
    };
    Ok(Some(MapRunDetail {
        summary,
        execution_arn: row.try_get("execution_arn")?,
        max_concurrency: row.try_get("max_concurrency")?,
        tolerated_failure_count: row.try_get("tolerated_failure_count")?,
        tolerated_failure_percentage: row.try_get("tolerated_failure_percentage")?,
        redrive_count: row.try_get("redrive_count")?,
        redrive_millis: row.try_get("redrive_millis")?,
        items,
        executions,
        children: ExecutionPage { rows, next },
    }))
}

/// A Map Run's child executions by status: `(status, executions, items they run)` (a child
/// runs several items when an `ItemBatcher` batched them).
pub(crate) async fn map_run_statuses(pool: &SqlitePool, arn: &str) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT status, COUNT(*) AS n, SUM(COALESCE(item_count, 1)) AS items FROM executions
         WHERE map_run_arn = ? GROUP BY status",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("status")?, row.try_get("n")?, row.try_get("items")?)))
    .collect()
}

/// The item and child execution counts of a Map Run of `status`, with `item_total` items run
/// by `child_total` children, from [`map_run_statuses`]: what the page shows and DescribeMapRun
/// answers (`server/src/api/map_runs.rs`). What has not started is pending while the run runs.
pub(crate) fn map_run_counts(
    status: &str,
    item_total: i64,
    child_total: i64,
    statuses: &[(String, i64, i64)],
) -> (MapRunCounts, MapRunCounts) {
    let counts = |total: i64, of: fn(&(String, i64, i64)) -> i64| {
        let count = |wanted: &str| statuses.iter().filter(|row| row.0 == wanted).map(of).sum::<i64>();
        let (running, succeeded, failed, timed_out, aborted) =
            (count("RUNNING"), count("SUCCEEDED"), count("FAILED"), count("TIMED_OUT"), count("ABORTED"));
        let started = running + succeeded + failed + timed_out + aborted;
        let pending = if status == "RUNNING" { (total - started).max(0) } else { 0 };
        MapRunCounts { pending, running, succeeded, failed, aborted, timed_out, total: started + pending }
    };
    // Every item the run read counts in its total, though a failed run may not start them all.
    let items = MapRunCounts { total: item_total, ..counts(item_total, |row| row.2) };
    (items, counts(child_total, |row| row.1))
}

/// A state machine's recorded executions (and their Distributed Map children, whose state
/// machine ARNs are `MACHINE/LABEL`) by the UTC day they started, newest first, with the
/// transitions their histories bill and what those cost at the Standard price of the region
/// in the ARN (the server's configured region), before the free tier.
///
/// Finished executions not counted yet (or redriven since) are counted into
/// `execution_costs` first, so each history is read once; running ones are counted afresh.
/// An execution that ends while this runs may be left out of this one answer, never counted twice.
pub async fn daily_cost(pool: &SqlitePool, machine: &str) -> Result<MachineCost, ExecutionsDataError> {
    let region = arn_region(machine).to_string();
    let prices = asl::cost::prices::region(&region);
    // `MACHINE/` up to `MACHINE0` is every ARN that starts with `MACHINE/` ('0' follows '/').
    // The queries ask for one range, `MACHINE` up to `MACHINE0` (an index range; an `OR` of
    // two ranges would read every execution), and leave out other machines in it
    // (`MACHINE-2`) with `= MACHINE OR >= MACHINE/`: ?1 is MACHINE, ?2 `MACHINE/`, ?3 `MACHINE0`.
    let children = (format!("{machine}/"), format!("{machine}0"));
    // A redriven execution runs again: its count is stale until it ends again.
    sqlx::query(
        "DELETE FROM execution_costs WHERE execution_arn IN (SELECT arn FROM executions \
         WHERE status = 'RUNNING' AND (state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2)))",
    )
    .bind(machine)
    .bind(&children.0)
    .bind(&children.1)
    .execute(pool)
    .await?;
    let counted = count_transitions(
        pool,
        "status <> 'RUNNING' AND NOT EXISTS (SELECT 1 FROM execution_costs \
         WHERE execution_arn = executions.arn AND redrive_count = executions.redrive_count)",
        machine,
        &children,
    )
    .await?;
    store_counts(pool, &counted).await?;

    // Per day: (executions, children, transitions).
    let mut days: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
    let sums = sqlx::query(
        "SELECT day, SUM(child = 0) AS executions, SUM(child) AS children, SUM(transitions) AS transitions \
         FROM execution_costs \
         WHERE state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2) GROUP BY day",
    )
    .bind(machine)
    .bind(&children.0)
    .bind(&children.1)
    .fetch_all(pool)
    .await?;
    for row in sums {
        let day = days.entry(row.try_get("day")?).or_default();
        day.0 += row.try_get::<i64, _>("executions")? as u64;
        day.1 += row.try_get::<i64, _>("children")? as u64;
        day.2 += row.try_get::<i64, _>("transitions")? as u64;
    }
    for running in count_transitions(pool, "status = 'RUNNING'", machine, &children).await? {
        let day = days.entry(running.day).or_default();
        if running.child {
            day.1 += 1;
        } else {
            day.0 += 1;
        }
        day.2 += running.transitions;
    }
    let days = days
        .into_iter()
        .rev()
        .map(|(day, (executions, child_executions, transitions))| DailyCost {
            day: asl::eval::time::format_millis(day * DAY_MILLIS)[..10].to_string(),
            executions,
            child_executions,
            transitions,
            cost_usd: prices.map_or(0.0, |prices| asl::cost::actual::standard_cost_usd(prices, transitions)),
        })
        .collect();
    Ok(MachineCost {
        region,
        usd_per_1000_transitions: prices.map(|prices| prices.standard_usd_per_1000_transitions),
        days,
    })
}

const DAY_MILLIS: i64 = 86_400_000;

/// One execution's billed transitions, and what its `execution_costs` row needs.
#[derive(Debug)]
struct CountedExecution {
    arn: String,
    state_machine_arn: String,
    /// The UTC day it started, days since the epoch.
    day: i64,
    /// A Distributed Map child execution.
    child: bool,
    redrive_count: i64,
    transitions: u64,
}

/// Counts the billed transitions of the executions of `machine` (and its Map Run children,
/// `children` being the ARN range `MACHINE/`..`MACHINE0`) that `condition` (SQL on
/// `executions`) selects: first the executions alone (so a state machine with nothing to
/// count reads no history), then their histories, [`HISTORIES_A_QUERY`] executions a query.
async fn count_transitions(
    pool: &SqlitePool,
    condition: &str,
    machine: &str,
    children: &(String, String),
) -> Result<Vec<CountedExecution>, ExecutionsDataError> {
    let sql = format!(
        "SELECT arn, state_machine_arn, start_millis, map_run_arn IS NOT NULL AS child, redrive_count \
         FROM executions \
         WHERE (state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2)) AND {condition}"
    );
    let mut counted = sqlx::query(&sql)
        .bind(machine)
        .bind(&children.0)
        .bind(&children.1)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CountedExecution {
                arn: row.try_get("arn")?,
                state_machine_arn: row.try_get("state_machine_arn")?,
                day: row.try_get::<i64, _>("start_millis")?.div_euclid(DAY_MILLIS),
                child: row.try_get("child")?,
                redrive_count: row.try_get("redrive_count")?,
                transitions: 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    for chunk in counted.chunks_mut(HISTORIES_A_QUERY) {
        count_histories(pool, chunk).await?;
    }
    Ok(counted)
}

/// How many executions' histories one query reads.
const HISTORIES_A_QUERY: usize = 500;

/// Fills in the billed transitions of `executions` from their histories.
async fn count_histories(pool: &SqlitePool, executions: &mut [CountedExecution]) -> Result<(), ExecutionsDataError> {
    use futures_util::TryStreamExt;

    let index: std::collections::HashMap<String, usize> =
        executions.iter().enumerate().map(|(position, execution)| (execution.arn.clone(), position)).collect();
    let mut select = QueryBuilder::<Sqlite>::new(
        "SELECT executions.arn AS execution_arn, history_events.id, history_events.previous_id, history_events.type \
         FROM executions JOIN history_events ON history_events.execution_key = executions.history_key \
         WHERE executions.arn IN (",
    );
    let mut arns = select.separated(", ");
    for execution in executions.iter() {
        arns.push_bind(execution.arn.clone());
    }
    select.push(") ORDER BY executions.arn, history_events.id");
    let mut rows = select.build().fetch(pool);
    let mut current: Option<usize> = None;
    let mut events: Vec<(u64, u64, String)> = Vec::new();
    let mut finish = |current: Option<usize>, events: &mut Vec<(u64, u64, String)>| {
        if let Some(position) = current {
            let recorded: Vec<asl::cost::actual::RecordedEvent<'_>> = events
                .iter()
                .map(|(id, previous_id, event_type)| asl::cost::actual::RecordedEvent {
                    id: *id,
                    previous_id: *previous_id,
                    event_type,
                })
                .collect();
            executions[position].transitions = asl::cost::actual::billed_transitions(&recorded);
        }
        events.clear();
    };
    while let Some(row) = rows.try_next().await? {
        let arn: String = row.try_get("execution_arn")?;
        let position = index.get(&arn).copied();
        if position != current {
            finish(current, &mut events);
            current = position;
        }
        events.push((
            row.try_get::<i64, _>("id")? as u64,
            row.try_get::<i64, _>("previous_id")? as u64,
            row.try_get("type")?,
        ));
    }
    finish(current, &mut events);
    Ok(())
}

/// Writes finished executions' counts into `execution_costs`, a thousand rows a transaction
/// (so the engine's writer never waits long).
async fn store_counts(pool: &SqlitePool, counted: &[CountedExecution]) -> Result<(), ExecutionsDataError> {
    for chunk in counted.chunks(1_000) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO execution_costs \
             (execution_arn, state_machine_arn, day, child, redrive_count, transitions) ",
        );
        insert.push_values(chunk, |mut row, execution| {
            row.push_bind(&execution.arn)
                .push_bind(&execution.state_machine_arn)
                .push_bind(execution.day)
                .push_bind(execution.child)
                .push_bind(execution.redrive_count)
                .push_bind(execution.transitions as i64);
        });
        insert.build().execute(pool).await?;
    }
    Ok(())
}

/// The tasks execution `arn` waits on with a token (`.waitForTaskToken` tasks and
/// activities), oldest first; the engine's own tasks (tokens it made up) are left out.
async fn waiting_tasks(pool: &SqlitePool, arn: &str) -> Result<Vec<WaitingTask>, ExecutionsDataError> {
    let rows = sqlx::query(
        "SELECT token, request, activity_arn, started, created_millis FROM tasks \
         WHERE execution_arn = ? AND substr(token, 1, ?) <> ? ORDER BY created_millis, key",
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
        });
    }
    Ok(waiting)
}

/// The `arn` parameter of the export route.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    /// The execution's ARN.
    arn: String,
}

/// `GET /executions-export?arn=…`: the whole history as `aws stepfunctions
/// get-execution-history` prints it (AWS CLI v2, JSON output): `{"events": [...]}` indented by
/// four spaces, timestamps in ISO 8601 with microseconds, offset `+00:00`.
pub async fn export(State(api): State<ApiState>, Query(query): Query<ExportQuery>) -> Response {
    match api.engine.history(&query.arn).await {
        Ok(Some(events)) => {
            let name = query.arn.rsplit(':').next().unwrap_or("execution").to_string();
            let body = cli_history(&events);
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}-history.json\"")),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, format!("there is no execution {}", query.arn)).into_response(),
        Err(error) => {
            tracing::error!(%error, "exporting an execution's history");
            (StatusCode::INTERNAL_SERVER_ERROR, "the history could not be read; the server's log has the details")
                .into_response()
        }
    }
}

/// The history as the AWS CLI prints `get-execution-history`.
pub fn cli_history(events: &[HistoryEvent]) -> String {
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            let mut value = event.to_aws_json(true);
            value["timestamp"] = Value::String(cli_timestamp(event.timestamp_millis));
            value
        })
        .collect();
    let document = serde_json::json!({ "events": events });
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&document, &mut serializer).expect("a JSON value always serializes");
    let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

/// A timestamp as the CLI prints it: Python's `datetime.isoformat()` in UTC, whose fraction
/// has six digits and is left out when it is zero.
fn cli_timestamp(millis: i64) -> String {
    let text = asl::eval::time::format_millis(millis);
    let (seconds, fraction) = text.trim_end_matches('Z').split_once('.').unwrap_or((&text, "000"));
    if millis.rem_euclid(1000) == 0 { format!("{seconds}+00:00") } else { format!("{seconds}.{fraction}000+00:00") }
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
    use super::*;

    #[test]
    fn map_run_counts_match_describe_map_run() {
        // One item a child: items and executions count alike.
        let statuses = [("SUCCEEDED".to_string(), 3, 3), ("FAILED".to_string(), 1, 1), ("RUNNING".to_string(), 2, 2)];
        let (items, executions) = map_run_counts("RUNNING", 10, 10, &statuses);
        assert_eq!((items.pending, items.running, items.succeeded, items.failed, items.total), (4, 2, 3, 1, 10));
        assert_eq!(executions.total, 10);
        let (items, executions) = map_run_counts("FAILED", 10, 10, &statuses[..2]);
        assert_eq!((items.pending, items.total, executions.total), (0, 10, 4));
        // Batches of up to 4 of 10 items: 3 children, two started (4 and 4 items).
        let batched = [("SUCCEEDED".to_string(), 1, 4), ("RUNNING".to_string(), 1, 4)];
        let (items, executions) = map_run_counts("RUNNING", 10, 3, &batched);
        assert_eq!((items.pending, items.running, items.succeeded, items.total), (2, 4, 4, 10));
        assert_eq!((executions.pending, executions.running, executions.succeeded, executions.total), (1, 1, 1, 3));
    }

    #[tokio::test]
    async fn failures_group_alike_for_standard_and_express_executions() {
        use crate::engine::{EngineSettings, ExecutionType, StartRequest};
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
                        .start(StartRequest {
                            state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
                            state_machine_name: machine.into(),
                            name: format!("{way}-{index}"),
                            definition: definition.to_string(),
                            input: serde_json::json!({"kind": way}),
                            input_text: None,
                            role_arn: "arn:aws:iam::123456789012:role/failing".into(),
                            kind,
                            test_case: None,
                            map_run_arn: None,
                            item_count: None,
                            qualifiers: Default::default(),
                        })
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
        use crate::engine::{EngineSettings, ExecutionType, StartRequest};
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool.clone(), EngineSettings::default());
        let definition = serde_json::json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        // Many share a start millisecond, so the ARN has to break ties for paging to work.
        for index in 0..(2 * PAGE_SIZE + 7) {
            let kind = if index % 5 == 0 { ExecutionType::Express } else { ExecutionType::Standard };
            engine
                .start(StartRequest {
                    state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:paged".into(),
                    state_machine_name: "paged".into(),
                    name: format!("run-{index:03}"),
                    definition: definition.to_string(),
                    input: serde_json::json!({}),
                    input_text: None,
                    role_arn: "arn:aws:iam::123456789012:role/paged".into(),
                    kind,
                    test_case: None,
                    map_run_arn: None,
                    item_count: None,
                    qualifiers: Default::default(),
                })
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

    #[test]
    fn timestamps_print_like_the_cli() {
        assert_eq!(cli_timestamp(1_700_000_000_000), "2023-11-14T22:13:20+00:00");
        assert_eq!(cli_timestamp(1_700_000_000_123), "2023-11-14T22:13:20.123000+00:00");
    }
}

//! Read-only queries behind the app's execution views: the executions list (filters, newest
//! first, keyset pages on `(start_millis, arn)`), one execution with its definition and
//! history and Map Runs, one Map Run with its counts (as DescribeMapRun counts them) and a
//! keyset page of its child executions, a state machine's actual cost per UTC day (billed
//! transitions counted from the recorded histories by `asl::cost::actual`), and
//! `GET /executions-export?arn=…`, the history as `aws stepfunctions get-execution-history`
//! prints it. Nothing here writes; the engine alone writes history.

use app::{
    executions::{
        Cursor, EventRow, ExecutionDetail, ExecutionFilter, ExecutionPage, ExecutionRow, ExecutionsError as PageError,
        MapRunCounts, MapRunDetail, MapRunSummary, PAGE_SIZE, WaitingTask,
        cost::{DailyCost, MachineCost, arn_region},
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
    engine::{decide::TaskRequest, history::HistoryEvent, store::INTERNAL_TOKEN_PREFIX},
};

/// Why an execution query failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionsDataError {
    /// The database failed.
    #[error("reading the executions: {0}")]
    Database(#[from] sqlx::Error),
}

/// The app's view of these queries, on the pool the app's context carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteExecutions;

impl ExecutionReader for SqliteExecutions {
    fn list<'a>(
        &'a self,
        pool: &'a SqlitePool,
        filter: &'a ExecutionFilter,
    ) -> BoxFuture<'a, Result<ExecutionPage, PageError>> {
        Box::pin(list(pool, filter))
    }

    fn execution<'a>(
        &'a self,
        pool: &'a SqlitePool,
        arn: &'a str,
    ) -> BoxFuture<'a, Result<Option<ExecutionDetail>, PageError>> {
        Box::pin(async move { execution(pool, arn).await.map_err(for_the_page) })
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
    })
}

/// One page of executions matching `filter`, newest first (Map Run children excluded, as
/// ListExecutions does). Keyset paging keeps every page as cheap as the first.
pub async fn list(pool: &SqlitePool, filter: &ExecutionFilter) -> Result<ExecutionPage, PageError> {
    let (started_after, started_before) = filter.started_range()?;
    list_between(pool, filter, started_after, started_before).await.map_err(for_the_page)
}

async fn list_between(
    pool: &SqlitePool,
    filter: &ExecutionFilter,
    started_after: Option<i64>,
    started_before: Option<i64>,
) -> Result<ExecutionPage, ExecutionsDataError> {
    let mut select = QueryBuilder::<Sqlite>::new(ROW_COLUMNS);
    select.push(" WHERE map_run_arn IS NULL");
    if let Some(machine) = &filter.machine {
        select.push(" AND state_machine_arn = ").push_bind(machine);
    }
    if let Some(status) = &filter.status {
        select.push(" AND status = ").push_bind(status);
    }
    if let Some(name) = &filter.name {
        select.push(" AND instr(name, ").push_bind(name).push(") > 0");
    }
    if let Some(after) = started_after {
        select.push(" AND start_millis >= ").push_bind(after);
    }
    if let Some(before) = started_before {
        select.push(" AND start_millis < ").push_bind(before);
    }
    if let Some(Cursor { start_millis, arn }) = &filter.before {
        select.push(" AND (start_millis, arn) < (").push_bind(start_millis).push(", ").push_bind(arn).push(")");
    }
    select.push(" ORDER BY start_millis DESC, arn DESC LIMIT ").push_bind(i64::from(PAGE_SIZE) + 1);
    let mut rows =
        select.build().fetch_all(pool).await?.iter().map(row_from).collect::<Result<Vec<ExecutionRow>, _>>()?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|row| Cursor { start_millis: row.start_millis, arn: row.arn.clone() })
    } else {
        None
    };
    Ok(ExecutionPage { rows, next })
}

/// One execution with its definition and history; `None` when there is no such execution.
pub async fn execution(pool: &SqlitePool, arn: &str) -> Result<Option<ExecutionDetail>, ExecutionsDataError> {
    let Some(row) = sqlx::query(
        "SELECT arn, name, state_machine_arn, status, start_millis, stop_millis, input, output, error, cause, \
         definition FROM executions WHERE arn = ?",
    )
    .bind(arn)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let execution = row_from(&row)?;
    let events = sqlx::query(
        "SELECT id, previous_id, timestamp_millis, type, details FROM history_events \
         WHERE execution_arn = ? ORDER BY id",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let details: Option<String> = row.try_get("details")?;
        // Stored as `[member name, details]`, the engine's `(String, Value)`.
        let details = details.and_then(|text| serde_json::from_str::<(String, Value)>(&text).ok());
        let event_type: String = row.try_get("type")?;
        let state_name = details
            .as_ref()
            .filter(|_| event_type.ends_with("StateEntered") || event_type.ends_with("StateExited"))
            .and_then(|(_, value)| value.get("name")?.as_str().map(str::to_string));
        Ok(EventRow {
            id: row.try_get::<i64, _>("id")? as u64,
            previous_id: row.try_get::<i64, _>("previous_id")? as u64,
            event_type,
            timestamp_millis: row.try_get("timestamp_millis")?,
            details: details.map(|(key, value)| pretty(&serde_json::json!({ key: value }))).unwrap_or_default(),
            state_name,
        })
    })
    .collect::<Result<Vec<EventRow>, sqlx::Error>>()?;
    let waiting = waiting_tasks(pool, arn).await?;
    let map_runs = sqlx::query(
        "SELECT arn, state_name, status, start_millis, stop_millis FROM map_runs \
         WHERE execution_arn = ? ORDER BY start_millis, arn",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?
    .iter()
    .map(map_run_summary)
    .collect::<Result<Vec<_>, _>>()?;
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
        "SELECT arn, execution_arn, state_name, status, total, max_concurrency, tolerated_failure_count, \
         tolerated_failure_percentage, start_millis, stop_millis FROM map_runs WHERE arn = ?",
    )
    .bind(arn)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let summary = map_run_summary(&row)?;
    let statuses = sqlx::query("SELECT status, COUNT(*) AS n FROM executions WHERE map_run_arn = ? GROUP BY status")
        .bind(arn)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get::<String, _>("status")?, row.try_get::<i64, _>("n")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let (items, executions) = map_run_counts(&summary.status, row.try_get("total")?, &statuses);

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
        items,
        executions,
        children: ExecutionPage { rows, next },
    }))
}

/// The item and child execution counts of a Map Run, as DescribeMapRun gives them
/// (`server/src/api/map_runs.rs`): from its children's statuses; items not started are
/// pending while the Map Run runs.
fn map_run_counts(status: &str, total_items: i64, statuses: &[(String, i64)]) -> (MapRunCounts, MapRunCounts) {
    let count = |wanted: &str| statuses.iter().filter(|(status, _)| status == wanted).map(|(_, n)| n).sum::<i64>();
    let (running, succeeded, failed, timed_out, aborted) =
        (count("RUNNING"), count("SUCCEEDED"), count("FAILED"), count("TIMED_OUT"), count("ABORTED"));
    let started = running + succeeded + failed + timed_out + aborted;
    let pending = if status == "RUNNING" { (total_items - started).max(0) } else { 0 };
    let items = MapRunCounts { pending, running, succeeded, failed, aborted, timed_out, total: total_items };
    (items, MapRunCounts { total: started + pending, ..items })
}

/// A state machine's recorded executions (and their Distributed Map children, whose state
/// machine ARNs are `MACHINE/LABEL`) by the UTC day they started, newest first, with the
/// transitions their histories bill and what those cost at the Standard price of the region
/// in the ARN (the server's configured region), before the free tier.
pub async fn daily_cost(pool: &SqlitePool, machine: &str) -> Result<MachineCost, ExecutionsDataError> {
    use futures_util::TryStreamExt;

    const DAY_MILLIS: i64 = 86_400_000;
    let region = arn_region(machine).to_string();
    let prices = asl::cost::prices::region(&region);
    // `MACHINE/` up to `MACHINE0` is every ARN that starts with `MACHINE/` ('0' follows '/').
    let mut rows = sqlx::query(
        "SELECT executions.arn, executions.start_millis, executions.map_run_arn IS NOT NULL AS child, \
         history_events.id, history_events.previous_id, history_events.type \
         FROM executions JOIN history_events ON history_events.execution_arn = executions.arn \
         WHERE executions.state_machine_arn = ? \
            OR (executions.state_machine_arn >= ? AND executions.state_machine_arn < ?) \
         ORDER BY executions.arn, history_events.id",
    )
    .bind(machine)
    .bind(format!("{machine}/"))
    .bind(format!("{machine}0"))
    .fetch(pool);
    // Per day: (executions, children, transitions); one execution's events at a time.
    let mut days: std::collections::BTreeMap<i64, (u64, u64, u64)> = std::collections::BTreeMap::new();
    let mut current: Option<(String, i64, bool)> = None;
    let mut events: Vec<(u64, u64, String)> = Vec::new();
    let mut finish = |execution: Option<(String, i64, bool)>, events: &mut Vec<(u64, u64, String)>| {
        if let Some((_, start_millis, child)) = execution {
            let recorded: Vec<asl::cost::actual::RecordedEvent<'_>> = events
                .iter()
                .map(|(id, previous_id, event_type)| asl::cost::actual::RecordedEvent {
                    id: *id,
                    previous_id: *previous_id,
                    event_type,
                })
                .collect();
            let day = days.entry(start_millis.div_euclid(DAY_MILLIS)).or_default();
            if child {
                day.1 += 1;
            } else {
                day.0 += 1;
            }
            day.2 += asl::cost::actual::billed_transitions(&recorded);
        }
        events.clear();
    };
    while let Some(row) = rows.try_next().await? {
        let arn: String = row.try_get("arn")?;
        if current.as_ref().is_none_or(|(current, ..)| *current != arn) {
            finish(current.take(), &mut events);
            current = Some((arn, row.try_get("start_millis")?, row.try_get("child")?));
        }
        events.push((
            row.try_get::<i64, _>("id")? as u64,
            row.try_get::<i64, _>("previous_id")? as u64,
            row.try_get("type")?,
        ));
    }
    finish(current.take(), &mut events);
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
        let statuses = [("SUCCEEDED".to_string(), 3), ("FAILED".to_string(), 1), ("RUNNING".to_string(), 2)];
        let (items, executions) = map_run_counts("RUNNING", 10, &statuses);
        assert_eq!((items.pending, items.running, items.succeeded, items.failed, items.total), (4, 2, 3, 1, 10));
        assert_eq!(executions.total, 10);
        let (items, executions) = map_run_counts("FAILED", 10, &statuses[..2]);
        assert_eq!((items.pending, items.total, executions.total), (0, 10, 4));
    }

    #[test]
    fn timestamps_print_like_the_cli() {
        assert_eq!(cli_timestamp(1_700_000_000_000), "2023-11-14T22:13:20+00:00");
        assert_eq!(cli_timestamp(1_700_000_000_123), "2023-11-14T22:13:20.123000+00:00");
    }
}

//! Map Runs for the views: an execution's Map Runs, one Map Run with its counts (as
//! DescribeMapRun counts them) and a keyset page of its child executions.

use app::executions::{Cursor, ExecutionPage, ExecutionRow, MapRunCounts, MapRunDetail, MapRunSummary, PAGE_SIZE};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::{ExecutionsDataError, ROW_COLUMNS, row_from};

/// The Map Runs execution `arn`'s Distributed Maps started, oldest first.
pub(super) async fn map_runs_of(pool: &SqlitePool, arn: &str) -> Result<Vec<MapRunSummary>, ExecutionsDataError> {
    let rows = sqlx::query(
        "SELECT arn, state_name, status, start_millis, stop_millis FROM map_runs \
         WHERE execution_arn = ? ORDER BY start_millis, arn",
    )
    .bind(arn)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(map_run_summary).collect::<Result<Vec<_>, _>>()?)
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
        children: ExecutionPage { rows, next, start_hint: None },
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
}

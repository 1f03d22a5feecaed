//! The failure patterns of the executions a filter selects: Standard failures read through the
//! partial index on failed and timed-out executions, Express ones from the engine, grouped by
//! `app::executions::failures`; and the failed Standard executions of one pattern, for Redrive.

use app::executions::{
    ExecutionFilter, ExecutionsError as PageError,
    failures::{FAILURES_EXAMINED, FailedExecution, FailurePatterns, REDRIVE_BATCH, failure_statuses, group_failures},
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::{express_matches, for_the_page, push_conditions};
use crate::engine::{Engine, ExecutionView, decide::FAILED_STATE_SQL};

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

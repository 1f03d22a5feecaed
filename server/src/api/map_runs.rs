//! Map Runs of distributed Map states: ListMapRuns and DescribeMapRun, with item and child
//! execution counts taken from the child executions themselves, and UpdateMapRun.

use serde_json::{Value, json};
use sqlx::Row;

use super::{ApiState, AwsError, epoch_seconds, max_results, paging::PageScope, required};

/// Fails with `ResourceNotFound` unless the Map Run exists.
pub async fn require(state: &ApiState, map_run_arn: &str) -> Result<(), AwsError> {
    if !map_run_arn.starts_with("arn:") || !map_run_arn.contains(":mapRun:") {
        return Err(super::invalid_arn(map_run_arn));
    }
    let found: Option<String> = sqlx::query_scalar("SELECT arn FROM map_runs WHERE arn = ?")
        .bind(map_run_arn)
        .fetch_optional(&state.pool)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AwsError::new("ResourceNotFound", format!("Resource not found: '{map_run_arn}'"))),
    }
}

/// ListMapRuns: the Map Runs an execution started, oldest first.
pub async fn list(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let execution_arn = required(request, "executionArn")?;
    super::executions::check_execution_arn(execution_arn)?;
    let exists: Option<String> = sqlx::query_scalar("SELECT arn FROM executions WHERE arn = ?")
        .bind(execution_arn)
        .fetch_optional(&state.pool)
        .await?;
    if exists.is_none() {
        return Err(AwsError::new("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{execution_arn}'")));
    }
    let limit = max_results(request)?;
    let scope = PageScope::new("ListMapRuns", &[Some(execution_arn)]);
    let offset = scope.offset(request)?;
    let rows = sqlx::query(
        "SELECT map_runs.arn, map_runs.start_millis, map_runs.stop_millis, executions.state_machine_arn
         FROM map_runs JOIN executions ON executions.arn = map_runs.execution_arn
         WHERE map_runs.execution_arn = ? ORDER BY map_runs.start_millis, map_runs.arn LIMIT ? OFFSET ?",
    )
    .bind(execution_arn)
    .bind(limit as i64 + 1)
    .bind(offset as i64)
    .fetch_all(&state.pool)
    .await?;
    let mut runs = Vec::new();
    for row in rows.iter().take(limit) {
        let mut run = json!({
            "executionArn": execution_arn,
            "mapRunArn": row.try_get::<String, _>("arn")?,
            "stateMachineArn": row.try_get::<String, _>("state_machine_arn")?,
            "startDate": epoch_seconds(row.try_get("start_millis")?),
        });
        if let Some(stop) = row.try_get::<Option<i64>, _>("stop_millis")? {
            run["stopDate"] = epoch_seconds(stop);
        }
        runs.push(run);
    }
    let mut response = json!({"mapRuns": runs});
    if rows.len() > limit {
        response["nextToken"] = json!(scope.token(&(offset + limit).to_string()));
    }
    Ok(response)
}

/// DescribeMapRun: its status, settings and the counts of its items and child executions.
pub async fn describe(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "mapRunArn")?;
    require(state, arn).await?;
    let row = sqlx::query(
        "SELECT execution_arn, status, total, item_total, max_concurrency, tolerated_failure_count,
                tolerated_failure_percentage, start_millis, stop_millis, redrive_count, redrive_millis
         FROM map_runs WHERE arn = ?",
    )
    .bind(arn)
    .fetch_one(&state.pool)
    .await?;
    let status: String = row.try_get("status")?;
    let children: i64 = row.try_get("total")?;
    let item_total = row.try_get::<Option<i64>, _>("item_total")?.unwrap_or(children);
    let statuses = crate::web::executions_data::map_run_statuses(&state.pool, arn).await?;
    let (items, executions) = crate::web::executions_data::map_run_counts(&status, item_total, children, &statuses);
    let counts_json = |counts: app::executions::MapRunCounts| {
        json!({
            "pending": counts.pending, "running": counts.running, "succeeded": counts.succeeded,
            "failed": counts.failed, "timedOut": counts.timed_out, "aborted": counts.aborted,
            "total": counts.total, "resultsWritten": counts.succeeded + counts.failed,
            "failuresNotRedrivable": 0, "pendingRedrive": 0,
        })
    };
    let (item_counts, execution_counts) = (counts_json(items), counts_json(executions));
    let mut response = json!({
        "mapRunArn": arn,
        "executionArn": row.try_get::<String, _>("execution_arn")?,
        "status": status,
        "startDate": epoch_seconds(row.try_get("start_millis")?),
        "maxConcurrency": row.try_get::<i64, _>("max_concurrency")?,
        "toleratedFailurePercentage": row.try_get::<Option<f64>, _>("tolerated_failure_percentage")?.unwrap_or(0.0),
        "toleratedFailureCount": row.try_get::<Option<i64>, _>("tolerated_failure_count")?.unwrap_or(0),
        "itemCounts": item_counts,
        "executionCounts": execution_counts,
        "redriveCount": row.try_get::<i64, _>("redrive_count")?,
    });
    if let Some(redriven) = row.try_get::<Option<i64>, _>("redrive_millis")? {
        response["redriveDate"] = epoch_seconds(redriven);
    }
    if let Some(stop) = row.try_get::<Option<i64>, _>("stop_millis")? {
        response["stopDate"] = epoch_seconds(stop);
    }
    Ok(response)
}

/// UpdateMapRun: new `maxConcurrency`, `toleratedFailureCount` or `toleratedFailurePercentage`
/// for a running Map Run. Its parent execution applies them at once: more children start when
/// the concurrency grows, and the run fails if the failures so far exceed a lowered threshold.
pub async fn update(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "mapRunArn")?;
    let max_concurrency = whole_number(request, "maxConcurrency", i64::from(i32::MAX))?;
    let tolerated_failure_count = whole_number(request, "toleratedFailureCount", i64::MAX)?;
    let tolerated_failure_percentage = match request.get("toleratedFailurePercentage") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_f64() {
            Some(percentage) if (0.0..=100.0).contains(&percentage) => Some(percentage),
            _ => {
                return Err(AwsError::validation(format!(
                    "1 validation error detected: Value '{value}' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100"
                )));
            }
        },
    };
    require(state, arn).await?;
    state.engine.update_map_run(arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage).await?;
    Ok(json!({}))
}

/// An optional whole number member between 0 and `max`.
fn whole_number(request: &Value, field: &str, max: i64) -> Result<Option<u64>, AwsError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(number) if (0..=max).contains(&number) => Ok(Some(number as u64)),
            _ => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ))),
        },
    }
}

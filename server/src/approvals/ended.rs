//! Cancels the waiting approval requests of executions that ended without a decision (stopped,
//! timed out, or failed in another branch): the inbox and the start page then stop counting
//! them as waiting, their trail shows them cancelled, and no reminder or escalation goes out
//! for them. The engine's change broadcast says when an execution ends; a sweep at start-up
//! (and whenever the broadcast ran ahead of this worker) checks every waiting request against
//! the engine. Requests from real AWS are left alone: their callback finds out.

use sqlx::SqlitePool;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::{Engine, decide::Status, now_millis};

/// Follows the engine's changes until it shuts down.
pub async fn run_worker(pool: SqlitePool, engine: Engine) {
    let mut changes = engine.subscribe();
    sweep(&pool, &engine).await;
    loop {
        match changes.recv().await {
            Ok(change) if change.status != "RUNNING" => {
                if let Err(error) = cancel_waiting(&pool, &change.arn).await {
                    tracing::error!(%error, execution = %change.arn, "cancelling the approval requests of an ended execution");
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => sweep(&pool, &engine).await,
            Err(RecvError::Closed) => return,
        }
    }
}

/// Cancels the waiting requests of every execution of this engine that no longer runs.
async fn sweep(pool: &SqlitePool, engine: &Engine) {
    let executions: Vec<String> = match sqlx::query_scalar(
        "SELECT DISTINCT execution_arn FROM approval_requests WHERE status = 'pending' AND origin = 'engine'",
    )
    .fetch_all(pool)
    .await
    {
        Ok(executions) => executions,
        Err(error) => {
            tracing::error!(%error, "reading the waiting approval requests");
            return;
        }
    };
    for execution in executions {
        let ended = match engine.describe(&execution).await {
            Ok(Some(view)) => !matches!(view.status, Status::Running),
            Ok(None) => true,
            Err(error) => {
                tracing::warn!(%error, %execution, "cannot read an approval's execution");
                false
            }
        };
        if ended && let Err(error) = cancel_waiting(pool, &execution).await {
            tracing::error!(%error, %execution, "cancelling the approval requests of an ended execution");
        }
    }
}

/// Marks `execution`'s waiting requests from this engine cancelled, closed now.
async fn cancel_waiting(pool: &SqlitePool, execution: &str) -> Result<(), sqlx::Error> {
    let cancelled = sqlx::query(
        "UPDATE approval_requests SET status = 'cancelled', decided_at = ? \
         WHERE execution_arn = ? AND status = 'pending' AND origin = 'engine'",
    )
    .bind(now_millis())
    .bind(execution)
    .execute(pool)
    .await?
    .rows_affected();
    if cancelled > 0 {
        tracing::info!(%execution, cancelled, "the execution ended: its waiting approval requests are cancelled");
    }
    Ok(())
}

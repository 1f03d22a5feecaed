//! Cancels the waiting approval requests whose task no longer waits: its execution ended
//! without a decision (stopped, timed out, or failed in another branch), or the task itself
//! closed (its own `TimeoutSeconds` or heartbeat ran out and a Catch carried the execution on).
//! The inbox and the start page then stop counting them as waiting, their trail shows them
//! cancelled, and no reminder or escalation goes out for them. The engine's change broadcast
//! says when an execution ends; a sweep at start-up, every few seconds, before reminders are
//! sent (see `reminders.rs`) and whenever the broadcast ran ahead of this worker checks every
//! waiting request's token against the engine. Requests from real AWS are left alone: their
//! callback finds out.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::{Engine, now_millis};

/// How often waiting requests are checked against their tasks.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// A request this young is never cancelled by a sweep: its task's token is recorded before the
/// request is, but a sweep must not race a request on its way in.
const SETTLING_MILLIS: i64 = 2_000;

/// Follows the engine's changes until it shuts down.
pub async fn run_worker(pool: SqlitePool, engine: Engine) {
    let mut changes = engine.subscribe();
    // The first tick is at once: the sweep at start-up.
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Ok(change) if change.status != "RUNNING" => {
                    if let Err(error) = cancel_waiting(&pool, &change.arn).await {
                        tracing::error!(%error, execution = %change.arn, "cancelling the approval requests of an ended execution");
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => sweep(&pool, &engine).await,
                Err(RecvError::Closed) => return,
            },
            _ = every.tick() => sweep(&pool, &engine).await,
        }
    }
}

/// Cancels every waiting request of this engine whose task no longer waits.
pub async fn sweep(pool: &SqlitePool, engine: &Engine) {
    let waiting: Vec<(i64, String)> = match sqlx::query_as(
        "SELECT id, token FROM approval_requests WHERE status = 'pending' AND origin = 'engine' AND created_at <= ?",
    )
    .bind(now_millis() - SETTLING_MILLIS)
    .fetch_all(pool)
    .await
    {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::error!(%error, "reading the waiting approval requests");
            return;
        }
    };
    for (id, token) in waiting {
        match engine.task_waiting(&token).await {
            Ok(true) => {}
            Ok(false) => {
                if let Err(error) = cancel_request(pool, id).await {
                    tracing::error!(%error, request = id, "cancelling an approval request whose task closed");
                }
            }
            Err(error) => tracing::warn!(%error, request = id, "cannot tell whether an approval's task still waits"),
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

/// Marks one waiting request cancelled, closed now.
async fn cancel_request(pool: &SqlitePool, id: i64) -> Result<(), sqlx::Error> {
    let cancelled = sqlx::query(
        "UPDATE approval_requests SET status = 'cancelled', decided_at = ? WHERE id = ? AND status = 'pending'",
    )
    .bind(now_millis())
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    if cancelled > 0 {
        tracing::info!(request = id, "its task no longer waits: the approval request is cancelled");
    }
    Ok(())
}

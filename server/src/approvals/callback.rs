//! The callback worker: expires requests past their deadline, and delivers decided requests'
//! SendTaskSuccess / SendTaskFailure from the outbox, retrying with backoff, so a decision
//! survives its target being unavailable.

use std::{sync::Arc, time::Duration};

use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::{
    mail::backoff_millis,
    store::{self, CallbackRow, OutboxTable},
};
use crate::engine::{Engine, EngineError, now_millis};

/// After this many failed attempts a callback is marked `failed`.
pub const MAX_CALLBACK_ATTEMPTS: i64 = 40;

/// Expires and delivers until the process ends; `wake` says a new callback is in. One worker
/// per process, so a callback is never delivered twice at once.
pub async fn run_worker(pool: SqlitePool, engine: Engine, wake: Arc<Notify>) {
    loop {
        match store::expire_due(&pool, now_millis()).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "approval requests expired at their deadline"),
            Err(error) => tracing::error!(%error, "expiring approval requests"),
        }
        match store::due_callbacks(&pool, now_millis(), 50).await {
            Ok(callbacks) => {
                for callback in callbacks {
                    deliver(&pool, &engine, &callback).await;
                }
            }
            Err(error) => tracing::error!(%error, "reading the callback outbox"),
        }
        let next = match (store::next_due(&pool, OutboxTable::Callback).await, store::next_deadline(&pool).await) {
            (Ok(due), Ok(deadline)) => due.into_iter().chain(deadline).min(),
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "reading the callback outbox");
                None
            }
        };
        let wait = match next {
            Some(due) => Duration::from_millis(due.saturating_sub(now_millis()).clamp(0, 5_000) as u64),
            None => Duration::from_secs(5),
        };
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn deliver(pool: &SqlitePool, engine: &Engine, callback: &CallbackRow) {
    let result = match callback.outcome.as_str() {
        "success" => {
            let output = callback
                .output
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(serde_json::Value::Null);
            engine.send_task_success(&callback.token, output).await
        }
        _ => engine.send_task_failure(&callback.token, callback.error.clone(), callback.cause.clone()).await,
    };
    let now = now_millis();
    let written = match result {
        Ok(()) => {
            tracing::info!(request = callback.request_id, outcome = %callback.outcome, "approval decision delivered");
            store::callback_finished(pool, callback.id, "delivered", now).await.map(drop)
        }
        Err(EngineError::TaskDoesNotExist) => {
            // The execution stopped or the task timed out before the decision: it is kept in
            // the audit trail, and the request shows that it no longer waits.
            tracing::warn!(request = callback.request_id, "the task of a decided approval no longer exists");
            match store::callback_finished(pool, callback.id, "gone", now).await {
                Ok(_) => sqlx::query("UPDATE approval_requests SET status = 'cancelled' WHERE id = ?")
                    .bind(callback.request_id)
                    .execute(pool)
                    .await
                    .map(drop),
                Err(error) => Err(error),
            }
        }
        Err(error) => {
            let attempts = callback.attempts + 1;
            let next = (attempts < MAX_CALLBACK_ATTEMPTS).then(|| now + backoff_millis(attempts));
            tracing::warn!(request = callback.request_id, %error, attempts, retry_at = ?next, "an approval decision was not delivered");
            store::callback_attempt_failed(pool, callback.id, &error.to_string(), next).await
        }
    };
    if let Err(error) = written {
        tracing::error!(%error, callback = callback.id, "recording a callback delivery");
    }
}

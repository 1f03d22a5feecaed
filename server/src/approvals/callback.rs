//! The callback worker: expires requests past their deadline, and delivers decided requests'
//! SendTaskSuccess / SendTaskFailure from the outbox, retrying with backoff, so a decision
//! survives its target being unavailable. Requests of the local engine are called back
//! directly; requests from real AWS go to their channel's Step Functions endpoint, signed.

use std::{collections::HashMap, sync::Arc, time::Duration};

use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::{
    aws::AwsClient,
    mail::backoff_millis,
    store::{self, CallbackRow, OutboxTable},
};
use crate::engine::{Engine, EngineError, now_millis};

/// After this many failed attempts a callback is marked `failed`.
pub const MAX_CALLBACK_ATTEMPTS: i64 = 40;

/// Expires and delivers until the process ends; `wake` says a new callback is in. One worker
/// per process, so a callback is never delivered twice at once.
pub async fn run_worker(
    pool: SqlitePool,
    engine: Engine,
    aws_clients: Arc<HashMap<String, AwsClient>>,
    wake: Arc<Notify>,
) {
    loop {
        match store::expire_due(&pool, now_millis()).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "approval requests expired at their deadline"),
            Err(error) => tracing::error!(%error, "expiring approval requests"),
        }
        match store::due_callbacks(&pool, now_millis(), 50).await {
            Ok(callbacks) => {
                for callback in callbacks {
                    deliver(&pool, &engine, &aws_clients, &callback).await;
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

/// What one delivery attempt came to.
enum Delivery {
    Delivered,
    /// No task waits for the token any more.
    Gone,
    Failed(String),
}

async fn deliver_to_engine(engine: &Engine, callback: &CallbackRow, output: serde_json::Value) -> Delivery {
    let result = match callback.outcome.as_str() {
        "success" => engine.send_task_success(&callback.token, output).await,
        _ => engine.send_task_failure(&callback.token, callback.error.clone(), callback.cause.clone()).await,
    };
    match result {
        Ok(()) => Delivery::Delivered,
        // A delivery that went through just before a stop, whose outbox row was not marked
        // yet, finds its task gone when it is made again: the history shows it arrived.
        Err(EngineError::TaskTimedOut | EngineError::InvalidToken) if arrived_before(engine, callback).await => {
            Delivery::Delivered
        }
        Err(EngineError::TaskTimedOut | EngineError::InvalidToken) => Delivery::Gone,
        Err(error) => Delivery::Failed(error.to_string()),
    }
}

/// Whether the execution's history already holds this decision: a `TaskSucceeded` with this
/// output (it names the approver and the moment, so it is this decision's), or a
/// `TaskFailed` with this error and cause.
async fn arrived_before(engine: &Engine, callback: &CallbackRow) -> bool {
    let Ok(Some(events)) = engine.history(&callback.execution_arn).await else { return false };
    let sent: Option<serde_json::Value> = callback.output.as_deref().and_then(|text| serde_json::from_str(text).ok());
    events.iter().any(|event| {
        let Some(details) = &event.details else { return false };
        match (callback.outcome.as_str(), event.event_type.as_str()) {
            ("success", "TaskSucceeded") => {
                let received = details.text("output").and_then(|text| serde_json::from_str(text).ok());
                sent.is_some() && received == sent
            }
            ("failure", "TaskFailed") => {
                details.text("error") == callback.error.as_deref() && details.text("cause") == callback.cause.as_deref()
            }
            _ => false,
        }
    })
}

async fn deliver_to_aws(client: &AwsClient, callback: &CallbackRow, output: serde_json::Value) -> Delivery {
    let result = match callback.outcome.as_str() {
        "success" => client.send_task_success(&callback.token, &output).await,
        _ => client.send_task_failure(&callback.token, callback.error.as_deref(), callback.cause.as_deref()).await,
    };
    match result {
        Ok(()) => Delivery::Delivered,
        Err(error) if error.task_is_gone() => Delivery::Gone,
        Err(error) => Delivery::Failed(error.to_string()),
    }
}

async fn deliver(pool: &SqlitePool, engine: &Engine, aws_clients: &HashMap<String, AwsClient>, callback: &CallbackRow) {
    let output =
        callback.output.as_deref().and_then(|text| serde_json::from_str(text).ok()).unwrap_or(serde_json::Value::Null);
    let delivery = if callback.origin == "aws" {
        match aws_clients.get(&callback.channel) {
            Some(client) => deliver_to_aws(client, callback, output).await,
            None => Delivery::Failed(format!(
                "the channel {:?} has no [aws] settings any more; restore them to deliver this decision",
                callback.channel
            )),
        }
    } else {
        deliver_to_engine(engine, callback, output).await
    };
    let now = now_millis();
    let written = match delivery {
        Delivery::Delivered => {
            tracing::info!(request = callback.request_id, outcome = %callback.outcome, "approval decision delivered");
            store::callback_finished(pool, callback.id, "delivered", now).await.map(drop)
        }
        Delivery::Gone => {
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
        Delivery::Failed(error) => {
            let attempts = callback.attempts + 1;
            let next = (attempts < MAX_CALLBACK_ATTEMPTS).then(|| now + backoff_millis(attempts));
            tracing::warn!(request = callback.request_id, %error, attempts, retry_at = ?next, "an approval decision was not delivered");
            store::callback_attempt_failed(pool, callback.id, &error, next).await
        }
    };
    if let Err(error) = written {
        tracing::error!(%error, callback = callback.id, "recording a callback delivery");
    }
}

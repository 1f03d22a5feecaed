//! `GET /healthz`: 200 when the database answers, 503 with the reason when it does not.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};
use sqlx::SqlitePool;

/// How long the database may take before the server is reported unhealthy.
const DATABASE_DEADLINE: Duration = Duration::from_secs(2);

/// Answers whether the server can serve requests, which means its database answers.
pub async fn healthz(State(pool): State<SqlitePool>) -> (StatusCode, Json<Value>) {
    let probe = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&pool);
    match tokio::time::timeout(DATABASE_DEADLINE, probe).await {
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({ "status": "ok", "database": "ok" }))),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the database returned an error");
            unavailable(format!("the database returned an error: {error}"))
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer in time");
            unavailable(format!("the database did not answer within {DATABASE_DEADLINE:?}"))
        }
    }
}

fn unavailable(reason: String) -> (StatusCode, Json<Value>) {
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": reason })))
}

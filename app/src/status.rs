//! The server's own status, as the home page shows it: version, database and schema.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the server reports about itself when asked from the browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// The running binary's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// Which database answered ("SQLite" for the embedded default).
    pub database: String,
    /// How many migrations have been applied to the database.
    pub applied_migrations: i64,
    /// How long the database took to answer, in milliseconds.
    pub round_trip_ms: f64,
}

/// Asks the database a trivial question and reports how it went.
#[server(prefix = "/api", endpoint = "status")]
pub async fn check_server() -> Result<ServerStatus, ServerFnError> {
    use crate::ssr::ServerContext;

    let context = expect_context::<ServerContext>();
    let started = std::time::Instant::now();
    let applied_migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(&context.pool)
        .await
        .map_err(|error| ServerFnError::new(format!("the database did not answer: {error}")))?;
    Ok(ServerStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        database: "SQLite".to_string(),
        applied_migrations,
        round_trip_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

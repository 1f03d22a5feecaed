//! Durable storage of Standard executions in SQLite: each decision (the new snapshot, its
//! history events, the timers and tasks it set or cancelled) commits in one transaction, so
//! after a crash an execution resumes exactly where its last decision left it.

use serde_json::Value;
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

use super::{
    decide::{Action, Decision, Signal, Snapshot, Status, TaskRequest},
    history::HistoryEvent,
};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored snapshot or request could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// An execution with this ARN exists.
    #[error("execution already exists")]
    AlreadyExists,
}

/// An execution's identity and definition, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionRecord {
    /// Its ARN.
    pub arn: String,
    /// Its state machine's ARN.
    pub state_machine_arn: String,
    /// Its name.
    pub name: String,
    /// Its input.
    pub input: Value,
    /// Its input as it was sent (AWS shows this text, spacing and all).
    pub input_text: String,
    /// The definition it runs.
    pub definition: String,
    /// The role it runs as.
    pub role_arn: String,
    /// When it started, in milliseconds since the epoch.
    pub start_millis: i64,
    /// When it stopped.
    pub stop_millis: Option<i64>,
    /// How many times it was redriven.
    pub redrive_count: u32,
    /// The MockConfigFile test case it runs with.
    pub test_case: Option<String>,
}

/// A stored task in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTask {
    /// The execution.
    pub execution_arn: String,
    /// The request.
    pub request: TaskRequest,
    /// Whether a worker took it (activities).
    pub started: bool,
}

/// Stored task ids for tasks without a token start with this; callbacks never match them.
pub const INTERNAL_TOKEN_PREFIX: &str = "internal/";

/// The tasks table key of a request.
pub fn task_id(execution_arn: &str, request: &TaskRequest) -> String {
    match &request.token {
        Some(token) => token.clone(),
        None => format!("{INTERNAL_TOKEN_PREFIX}{}/{execution_arn}", request.key),
    }
}

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// A store over `pool` (migrated).
    pub fn new(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    /// Inserts a new execution with its first decision. Fails with
    /// [`StoreError::AlreadyExists`] when the ARN is taken.
    pub async fn insert(
        &self,
        record: &ExecutionRecord,
        snapshot: &Snapshot,
        decision: &Decision,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, definition, role_arn, start_millis,
                                     redrive_count, test_case, snapshot)
             VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING",
        )
        .bind(&record.arn)
        .bind(&record.state_machine_arn)
        .bind(&record.name)
        .bind(&record.input_text)
        .bind(&record.definition)
        .bind(&record.role_arn)
        .bind(record.start_millis)
        .bind(record.redrive_count)
        .bind(&record.test_case)
        .bind(serde_json::to_string(snapshot)?)
        .execute(&mut *transaction)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::AlreadyExists);
        }
        write_decision(&mut transaction, &record.arn, snapshot, decision, None).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Loads an execution and its snapshot.
    pub async fn load(&self, arn: &str) -> Result<Option<(ExecutionRecord, Snapshot)>, StoreError> {
        let row = sqlx::query(
            "SELECT arn, state_machine_arn, name, input, definition, role_arn, start_millis, stop_millis,
                    redrive_count, test_case, snapshot
             FROM executions WHERE arn = ?",
        )
        .bind(arn)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let snapshot: Snapshot = serde_json::from_str(row.try_get::<&str, _>("snapshot")?)?;
        Ok(Some((record_from(&row)?, snapshot)))
    }

    /// Commits a decision that `signal` led to.
    pub async fn commit(
        &self,
        arn: &str,
        snapshot: &Snapshot,
        decision: &Decision,
        signal: &Signal,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        write_decision(&mut transaction, arn, snapshot, decision, Some(signal)).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Every pending timer of a running execution: `(execution, key, due)`.
    pub async fn timers(&self) -> Result<Vec<(String, u64, i64)>, StoreError> {
        let rows = sqlx::query("SELECT execution_arn, key, due_millis FROM timers").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok((row.try_get("execution_arn")?, row.try_get::<i64, _>("key")? as u64, row.try_get("due_millis")?))
            })
            .collect()
    }

    /// Every task in flight.
    pub async fn tasks(&self) -> Result<Vec<StoredTask>, StoreError> {
        let rows = sqlx::query("SELECT execution_arn, request, started FROM tasks ORDER BY created_millis")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredTask {
                    execution_arn: row.try_get("execution_arn")?,
                    request: serde_json::from_str(row.try_get::<&str, _>("request")?)?,
                    started: row.try_get::<i64, _>("started")? != 0,
                })
            })
            .collect()
    }

    /// The task a callback token names: `(execution, key)`.
    pub async fn task_by_token(&self, token: &str) -> Result<Option<(String, u64)>, StoreError> {
        if token.starts_with(INTERNAL_TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query("SELECT execution_arn, key FROM tasks WHERE token = ?")
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((row.try_get("execution_arn")?, row.try_get::<i64, _>("key")? as u64))).transpose()
    }

    /// An execution's history, in id order.
    pub async fn history(&self, arn: &str) -> Result<Vec<HistoryEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, previous_id, timestamp_millis, type, details FROM history_events
             WHERE execution_arn = ? ORDER BY id",
        )
        .bind(arn)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from).collect()
    }

    /// The ARNs of every execution still running.
    pub async fn running(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT arn FROM executions WHERE status = 'RUNNING'").fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok(row.try_get("arn")?)).collect()
    }

    /// The status of an execution, by its stored columns.
    pub async fn status(&self, arn: &str) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT status FROM executions WHERE arn = ?").bind(arn).fetch_optional(&self.pool).await?;
        row.map(|row| Ok(row.try_get("status")?)).transpose()
    }
}

fn record_from(row: &SqliteRow) -> Result<ExecutionRecord, StoreError> {
    Ok(ExecutionRecord {
        arn: row.try_get("arn")?,
        state_machine_arn: row.try_get("state_machine_arn")?,
        name: row.try_get("name")?,
        input: serde_json::from_str(row.try_get::<&str, _>("input")?)?,
        input_text: row.try_get("input")?,
        definition: row.try_get("definition")?,
        role_arn: row.try_get("role_arn")?,
        start_millis: row.try_get("start_millis")?,
        stop_millis: row.try_get("stop_millis")?,
        redrive_count: row.try_get::<i64, _>("redrive_count")? as u32,
        test_case: row.try_get("test_case")?,
    })
}

fn event_from(row: &SqliteRow) -> Result<HistoryEvent, StoreError> {
    let details: Option<String> = row.try_get("details")?;
    let details = match details {
        Some(text) => {
            let (key, value): (String, Value) = serde_json::from_str(&text)?;
            Some((key, value))
        }
        None => None,
    };
    Ok(HistoryEvent {
        id: row.try_get::<i64, _>("id")? as u64,
        previous_event_id: row.try_get::<i64, _>("previous_id")? as u64,
        timestamp_millis: row.try_get("timestamp_millis")?,
        event_type: row.try_get("type")?,
        details,
    })
}

/// Writes one decision inside `transaction`.
async fn write_decision(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    arn: &str,
    snapshot: &Snapshot,
    decision: &Decision,
    signal: Option<&Signal>,
) -> Result<(), StoreError> {
    let (output, error, cause) = match &snapshot.status {
        Status::Running => (None, None, None),
        Status::Succeeded { output } => (Some(serde_json::to_string(output)?), None, None),
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            (None, failure.error.clone(), failure.cause.clone())
        }
    };
    let stop_millis = decision.events.last().filter(|_| snapshot.status.is_final()).map(|event| event.timestamp_millis);
    sqlx::query(
        "UPDATE executions SET snapshot = ?, status = ?, output = ?, error = ?, cause = ?,
                stop_millis = COALESCE(?, stop_millis) WHERE arn = ?",
    )
    .bind(serde_json::to_string(snapshot)?)
    .bind(snapshot.status.name())
    .bind(output)
    .bind(error)
    .bind(cause)
    .bind(stop_millis)
    .bind(arn)
    .execute(&mut **transaction)
    .await?;
    for event in &decision.events {
        let details = event.details.as_ref().map(serde_json::to_string).transpose()?;
        sqlx::query(
            "INSERT INTO history_events (execution_arn, id, previous_id, timestamp_millis, type, details)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(arn)
        .bind(event.id as i64)
        .bind(event.previous_event_id as i64)
        .bind(event.timestamp_millis)
        .bind(&event.event_type)
        .bind(details)
        .execute(&mut **transaction)
        .await?;
    }
    match signal {
        Some(Signal::Timer { key }) => {
            sqlx::query("DELETE FROM timers WHERE execution_arn = ? AND key = ?")
                .bind(arn)
                .bind(*key as i64)
                .execute(&mut **transaction)
                .await?;
        }
        Some(Signal::TaskSucceeded { key, .. } | Signal::TaskFailed { key, .. }) => {
            sqlx::query("DELETE FROM tasks WHERE execution_arn = ? AND key = ?")
                .bind(arn)
                .bind(*key as i64)
                .execute(&mut **transaction)
                .await?;
        }
        Some(Signal::TaskStarted { key, .. }) => {
            sqlx::query("UPDATE tasks SET started = 1 WHERE execution_arn = ? AND key = ?")
                .bind(arn)
                .bind(*key as i64)
                .execute(&mut **transaction)
                .await?;
        }
        _ => {}
    }
    for action in &decision.actions {
        match action {
            Action::SetTimer { key, at_millis } => {
                sqlx::query("INSERT OR REPLACE INTO timers (execution_arn, key, due_millis) VALUES (?, ?, ?)")
                    .bind(arn)
                    .bind(*key as i64)
                    .bind(at_millis)
                    .execute(&mut **transaction)
                    .await?;
            }
            Action::Invoke(request) => {
                let activity = match &request.resource.events {
                    super::history::TaskEvents::Activity { resource } => Some(resource.clone()),
                    _ => None,
                };
                let created = decision.events.last().map_or(0, |event| event.timestamp_millis);
                sqlx::query(
                    "INSERT OR REPLACE INTO tasks (token, execution_arn, key, request, activity_arn, created_millis)
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(task_id(arn, request))
                .bind(arn)
                .bind(request.key as i64)
                .bind(serde_json::to_string(request)?)
                .bind(activity)
                .bind(created)
                .execute(&mut **transaction)
                .await?;
            }
            Action::Cancel { key } => {
                sqlx::query("DELETE FROM tasks WHERE execution_arn = ? AND key = ?")
                    .bind(arn)
                    .bind(*key as i64)
                    .execute(&mut **transaction)
                    .await?;
            }
        }
    }
    if snapshot.status.is_final() {
        sqlx::query("DELETE FROM timers WHERE execution_arn = ?").bind(arn).execute(&mut **transaction).await?;
        sqlx::query("DELETE FROM tasks WHERE execution_arn = ?").bind(arn).execute(&mut **transaction).await?;
    }
    Ok(())
}

//! Durable storage of Standard executions in SQLite: each decision (the new snapshot, its
//! history events, the timers and tasks it set or cancelled) commits in one transaction, so
//! after a crash an execution resumes exactly where its last decision left it.

use std::sync::mpsc;

use serde_json::Value;
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};
use tokio::sync::oneshot;

use super::{
    Qualifiers,
    decide::{Action, Decision, FailureRecord, Signal, Snapshot, Status, TaskRequest},
    history::{Details, EventType, HistoryEvent},
};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database refused or failed a write.
    #[error("database: {0}")]
    Writer(#[from] rusqlite::Error),
    /// A stored snapshot or request could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// An execution with this ARN exists.
    #[error("execution already exists")]
    AlreadyExists,
    /// The writer stopped (the pool closed: the server is shutting down).
    #[error("the database writer has stopped")]
    WriterGone,
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
    /// When it was last redriven (its last `ExecutionRedriven` event), if ever.
    pub redrive_millis: Option<i64>,
    /// The MockConfigFile test case it runs with.
    pub test_case: Option<String>,
    /// The Map Run it is a child execution of.
    pub map_run_arn: Option<String>,
    /// As a Map Run's child, how many of the run's items it runs.
    pub item_count: Option<u32>,
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

/// The SQLite store. Reads go through the pool; writes through one writer thread that
/// commits whatever decisions are waiting in one transaction (group commit, [`writer`]):
/// each decision is still atomic, and many executions in flight share the cost of a commit.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::Sender<writer::Message>,
}

/// A history event as stored: id, previous id, time, type and details as JSON text.
type EventRow = (u64, u64, i64, EventType, Option<String>);

/// A decision ready to be written: everything already serialized.
#[derive(Debug)]
struct PreparedWrite {
    arn: String,
    /// Set for a new execution, with the version and alias it started through.
    insert: Option<(ExecutionRecord, Qualifiers)>,
    snapshot: String,
    status: &'static str,
    output: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    is_final: bool,
    stop_millis: Option<i64>,
    events: Vec<EventRow>,
    fired_timer: Option<u64>,
    finished_task: Option<u64>,
    started_task: Option<u64>,
    timers: Vec<(u64, i64)>,
    tasks: Vec<(String, u64, String, Option<String>, i64)>,
    cancelled: Vec<u64>,
    /// Set by a redrive: the execution's new redrive count.
    redrive_count: Option<u32>,
    /// Map Runs started.
    map_runs_started: Vec<MapRunRow>,
    /// Map Runs whose limits UpdateMapRun changed.
    map_runs_updated: Vec<MapRunLimits>,
    /// Map Runs a redrive redrove.
    map_runs_redriven: Vec<String>,
    /// Map Runs ended: `(arn, status)`.
    map_runs_ended: Vec<(String, String)>,
}

#[derive(Debug)]
struct WriteJob {
    write: PreparedWrite,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// A Map Run as first recorded.
#[derive(Debug)]
struct MapRunRow {
    arn: String,
    state_name: String,
    total: usize,
    item_total: usize,
    max_concurrency: u64,
    tolerated_failure_count: Option<u64>,
    tolerated_failure_percentage: Option<f64>,
}

/// A Map Run's limits as UpdateMapRun left them.
#[derive(Debug)]
struct MapRunLimits {
    arn: String,
    max_concurrency: u64,
    tolerated_failure_count: Option<u64>,
    tolerated_failure_percentage: Option<f64>,
}

/// The `definition` column of a query on `executions`: the stored copy it points at, else
/// (for executions written before `execution_definitions`) its own text.
#[macro_export]
macro_rules! definition_column {
    () => {
        "IFNULL((SELECT text FROM execution_definitions WHERE id = executions.definition_id), executions.definition) \
         AS definition"
    };
}

impl SqliteStore {
    /// A store over `pool` (migrated). Starts its writer thread on the pool's database file,
    /// and a task on the current runtime that stops the writer when the pool closes.
    pub fn new(pool: SqlitePool) -> Self {
        let writer = writer::spawn(pool.connect_options().get_filename().to_path_buf());
        let (closing, stop) = (pool.clone(), writer.clone());
        tokio::spawn(async move {
            closing.close_event().await;
            let _ = stop.send(writer::Message::Stop);
        });
        SqliteStore { pool, writer }
    }

    async fn write(&self, write: PreparedWrite) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(writer::Message::Write(Box::new(WriteJob { write, reply })))
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Inserts a new execution with its first decision. Fails with
    /// [`StoreError::AlreadyExists`] when the ARN is taken.
    pub async fn insert(
        &self,
        record: &ExecutionRecord,
        qualifiers: &Qualifiers,
        snapshot: &Snapshot,
        decision: &Decision,
    ) -> Result<(), StoreError> {
        self.write(prepare(&record.arn, Some((record.clone(), qualifiers.clone())), snapshot, decision, None)?).await
    }

    /// Loads an execution, its snapshot and the version and alias it started through.
    pub async fn load(&self, arn: &str) -> Result<Option<(ExecutionRecord, Snapshot, Qualifiers)>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT arn, state_machine_arn, name, input, ", definition_column!(), ", role_arn, start_millis, stop_millis,
                    redrive_count, test_case, map_run_arn, item_count, snapshot, state_machine_version_arn,
                    state_machine_alias_arn,
                    CASE WHEN redrive_count > 0 THEN (SELECT MAX(timestamp_millis) FROM history_events
                        WHERE execution_key = executions.history_key AND type = 'ExecutionRedriven') END AS redrive_millis
             FROM executions WHERE arn = ?",
        ))
        .bind(arn)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let snapshot: Snapshot = serde_json::from_str(row.try_get::<&str, _>("snapshot")?)?;
        let qualifiers = qualifiers_from(&row)?;
        Ok(Some((record_from(&row)?, snapshot, qualifiers)))
    }

    /// An execution and where it stands, read from its columns without its snapshot (what
    /// DescribeExecution needs, cheaply).
    pub async fn describe(&self, arn: &str) -> Result<Option<(ExecutionRecord, Status, Qualifiers)>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT arn, state_machine_arn, name, input, ", definition_column!(), ", role_arn, start_millis, stop_millis,
                    redrive_count, test_case, map_run_arn, item_count, status, output, error, cause,
                    state_machine_version_arn, state_machine_alias_arn,
                    CASE WHEN redrive_count > 0 THEN (SELECT MAX(timestamp_millis) FROM history_events
                        WHERE execution_key = executions.history_key AND type = 'ExecutionRedriven') END AS redrive_millis
             FROM executions WHERE arn = ?",
        ))
        .bind(arn)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((record_from(&row)?, status_from(&row)?, qualifiers_from(&row)?)))
    }

    /// A Map Run's parent execution and status, if the run exists.
    pub async fn map_run(&self, map_run_arn: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT execution_arn, status FROM map_runs WHERE arn = ?")
            .bind(map_run_arn)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("execution_arn")?, row.try_get("status")?)),
            None => None,
        })
    }

    /// The child executions of a Map Run and where they stand (what its `ResultWriter`
    /// writes), oldest first.
    pub async fn map_run_children(&self, map_run_arn: &str) -> Result<Vec<(ExecutionRecord, Status)>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT arn, state_machine_arn, name, input, ", definition_column!(), ", role_arn, start_millis, stop_millis,
                    redrive_count, test_case, map_run_arn, item_count, status, output, error, cause,
                    CASE WHEN redrive_count > 0 THEN (SELECT MAX(timestamp_millis) FROM history_events
                        WHERE execution_key = executions.history_key AND type = 'ExecutionRedriven') END AS redrive_millis
             FROM executions WHERE map_run_arn = ? ORDER BY start_millis",
        ))
        .bind(map_run_arn)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((record_from(row)?, status_from(row)?))).collect()
    }

    /// Commits a decision that `signal` led to.
    pub async fn commit(
        &self,
        arn: &str,
        snapshot: &Snapshot,
        decision: &Decision,
        signal: &Signal,
    ) -> Result<(), StoreError> {
        self.write(prepare(arn, None, snapshot, decision, Some(signal))?).await
    }

    /// Commits a redrive's decision together with the execution's new redrive count.
    pub async fn commit_redrive(
        &self,
        arn: &str,
        snapshot: &Snapshot,
        decision: &Decision,
        redrive_count: u32,
    ) -> Result<(), StoreError> {
        let mut write = prepare(arn, None, snapshot, decision, None)?;
        write.redrive_count = Some(redrive_count);
        self.write(write).await
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

    /// The ARN of every activity (CreateActivity's `activities` table).
    pub async fn activities(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT arn FROM activities").fetch_all(&self.pool).await?)
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
             WHERE execution_key = (SELECT history_key FROM executions WHERE arn = ?) ORDER BY id",
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

/// An execution's status from its `status`, `output`, `error` and `cause` columns.
fn status_from(row: &SqliteRow) -> Result<Status, StoreError> {
    let failure = || -> Result<FailureRecord, StoreError> {
        Ok(FailureRecord { error: row.try_get("error")?, cause: row.try_get("cause")? })
    };
    Ok(match row.try_get::<&str, _>("status")? {
        "SUCCEEDED" => {
            let output: Option<String> = row.try_get("output")?;
            Status::Succeeded { output: serde_json::from_str(output.as_deref().unwrap_or("null"))? }
        }
        "FAILED" => Status::Failed { failure: failure()? },
        "TIMED_OUT" => Status::TimedOut { failure: failure()? },
        "ABORTED" => Status::Aborted { failure: failure()? },
        _ => Status::Running,
    })
}

fn qualifiers_from(row: &SqliteRow) -> Result<Qualifiers, StoreError> {
    Ok(Qualifiers {
        version_arn: row.try_get("state_machine_version_arn")?,
        alias_arn: row.try_get("state_machine_alias_arn")?,
    })
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
        redrive_millis: row.try_get("redrive_millis")?,
        test_case: row.try_get("test_case")?,
        map_run_arn: row.try_get("map_run_arn")?,
        item_count: row.try_get::<Option<i64>, _>("item_count")?.map(|count| count as u32),
    })
}

fn event_from(row: &SqliteRow) -> Result<HistoryEvent, StoreError> {
    let details: Option<String> = row.try_get("details")?;
    let details = details.map(|text| serde_json::from_str::<Details>(&text)).transpose()?;
    Ok(HistoryEvent {
        id: row.try_get::<i64, _>("id")? as u64,
        previous_event_id: row.try_get::<i64, _>("previous_id")? as u64,
        timestamp_millis: row.try_get("timestamp_millis")?,
        event_type: row.try_get::<String, _>("type")?.into(),
        details,
    })
}

/// Serializes a decision for the writer.
fn prepare(
    arn: &str,
    insert: Option<(ExecutionRecord, Qualifiers)>,
    snapshot: &Snapshot,
    decision: &Decision,
    signal: Option<&Signal>,
) -> Result<PreparedWrite, StoreError> {
    let (output, error, cause) = match &snapshot.status {
        Status::Running => (None, None, None),
        Status::Succeeded { output } => (Some(serde_json::to_string(output)?), None, None),
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            (None, failure.error.clone(), failure.cause.clone())
        }
    };
    let is_final = snapshot.status.is_final();
    let stop_millis = decision.events.last().filter(|_| is_final).map(|event| event.timestamp_millis);
    let events = decision
        .events
        .iter()
        .map(|event| {
            let details = event.details.as_ref().map(serde_json::to_string).transpose()?;
            Ok((event.id, event.previous_event_id, event.timestamp_millis, event.event_type.clone(), details))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let created = decision.events.last().map_or(0, |event| event.timestamp_millis);
    let mut timers = Vec::new();
    let mut tasks = Vec::new();
    let mut cancelled = Vec::new();
    let mut map_runs_started = Vec::new();
    let mut map_runs_ended = Vec::new();
    let mut map_runs_updated = Vec::new();
    let mut map_runs_redriven = Vec::new();
    for action in &decision.actions {
        match action {
            Action::SetTimer { key, at_millis } => timers.push((*key, *at_millis)),
            Action::Invoke(request) => {
                let activity = match &request.resource.events {
                    super::history::TaskEvents::Activity { resource } => Some(resource.clone()),
                    _ => None,
                };
                tasks.push((task_id(arn, request), request.key, serde_json::to_string(request)?, activity, created));
            }
            Action::Cancel { key } => cancelled.push(*key),
            Action::MapRunStarted {
                arn,
                state_name,
                total,
                item_total,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            } => map_runs_started.push(MapRunRow {
                arn: arn.clone(),
                state_name: state_name.clone(),
                total: *total,
                item_total: *item_total,
                max_concurrency: *max_concurrency,
                tolerated_failure_count: *tolerated_failure_count,
                tolerated_failure_percentage: *tolerated_failure_percentage,
            }),
            Action::MapRunUpdated { arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                map_runs_updated.push(MapRunLimits {
                    arn: arn.clone(),
                    max_concurrency: *max_concurrency,
                    tolerated_failure_count: *tolerated_failure_count,
                    tolerated_failure_percentage: *tolerated_failure_percentage,
                });
            }
            Action::MapRunRedriven { arn } => map_runs_redriven.push(arn.clone()),
            Action::MapRunEnded { arn, status } => map_runs_ended.push((arn.clone(), status.clone())),
        }
    }
    Ok(PreparedWrite {
        arn: arn.to_string(),
        insert,
        snapshot: serde_json::to_string(snapshot)?,
        status: snapshot.status.name(),
        output,
        error,
        cause,
        is_final,
        stop_millis,
        events,
        fired_timer: match signal {
            Some(Signal::Timer { key }) => Some(*key),
            _ => None,
        },
        finished_task: match signal {
            Some(Signal::TaskSucceeded { key, .. } | Signal::TaskFailed { key, .. }) => Some(*key),
            _ => None,
        },
        started_task: match signal {
            Some(Signal::TaskStarted { key, .. }) => Some(*key),
            _ => None,
        },
        timers,
        tasks,
        cancelled,
        redrive_count: None,
        map_runs_started,
        map_runs_updated,
        map_runs_redriven,
        map_runs_ended,
    })
}

mod writer;

#[cfg(test)]
mod tests;

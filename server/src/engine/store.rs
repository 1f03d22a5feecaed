//! Durable storage of Standard executions in SQLite: each decision (the new snapshot, its
//! history events, the timers and tasks it set or cancelled) commits in one transaction, so
//! after a crash an execution resumes exactly where its last decision left it.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::{Connection, Row, Sqlite, SqliteConnection, SqlitePool, pool::PoolConnection, sqlite::SqliteRow};
use tokio::sync::{mpsc, oneshot};

use super::{
    Qualifiers,
    decide::{Action, Decision, FailureRecord, Signal, Snapshot, Status, TaskRequest},
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
    /// The writer task stopped (the runtime is shutting down).
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

/// The SQLite store. Writes go through one writer task that commits whatever decisions
/// are waiting in one transaction (group commit): each decision is still atomic, and many
/// executions in flight share the cost of a commit.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::UnboundedSender<WriteJob>,
}

/// A history event as stored: id, previous id, time, type and details as JSON text.
type EventRow = (u64, u64, i64, String, Option<String>);

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

/// The most decisions one transaction commits.
const MAX_BATCH: usize = 256;

impl SqliteStore {
    /// A store over `pool` (migrated). Starts its writer task on the current runtime.
    pub fn new(pool: SqlitePool) -> Self {
        let (writer, jobs) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(pool.clone(), jobs));
        SqliteStore { pool, writer }
    }

    async fn write(&self, write: PreparedWrite) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(WriteJob { write, reply }).map_err(|_| StoreError::WriterGone)?;
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
                    redrive_count, test_case, map_run_arn, snapshot, state_machine_version_arn,
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
                    redrive_count, test_case, map_run_arn, status, output, error, cause,
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

    /// The child executions of a Map Run and where they stand (what its `ResultWriter`
    /// writes), oldest first.
    pub async fn map_run_children(&self, map_run_arn: &str) -> Result<Vec<(ExecutionRecord, Status)>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT arn, state_machine_arn, name, input, ", definition_column!(), ", role_arn, start_millis, stop_millis,
                    redrive_count, test_case, map_run_arn, status, output, error, cause,
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
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            } => map_runs_started.push(MapRunRow {
                arn: arn.clone(),
                state_name: state_name.clone(),
                total: *total,
                max_concurrency: *max_concurrency,
                tolerated_failure_count: *tolerated_failure_count,
                tolerated_failure_percentage: *tolerated_failure_percentage,
            }),
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
        map_runs_ended,
    })
}

/// The writer: takes what is waiting (up to [`MAX_BATCH`]) and commits it in one
/// transaction. When the batch fails, each decision is retried on its own so one bad write
/// cannot sink the others.
///
/// It keeps one connection of the pool for itself. Each connection has its own page cache,
/// which SQLite drops when another connection has written since; taking whichever
/// connection the pool hands out next made every batch start from a cold cache and read the
/// tables' and indexes' right edges again. A connection whose batch failed is closed
/// ([`discard`]); the writer lets go of its own when the pool closes (which waits for it).
async fn write_loop(pool: SqlitePool, mut jobs: mpsc::UnboundedReceiver<WriteJob>) {
    let mut definitions = DefinitionIds::default();
    let mut connection: Option<PoolConnection<Sqlite>> = None;
    let mut closing = std::pin::pin!(pool.close_event());
    loop {
        let first = tokio::select! {
            biased;
            () = &mut closing => break,
            job = jobs.recv() => match job {
                Some(job) => job,
                None => break,
            },
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (written, kept) = write_with(&pool, connection.take(), &batch, &mut definitions).await;
        connection = kept;
        match written {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(_) => {
                for job in batch {
                    let (written, kept) =
                        write_with(&pool, connection.take(), std::slice::from_ref(&job), &mut definitions).await;
                    connection = kept;
                    let _ = job.reply.send(written.and_then(|mut outcomes| outcomes.pop().unwrap_or(Ok(()))));
                }
            }
        }
    }
}

/// Writes `batch` on `held` (else a connection from the pool); returns the connection to keep
/// when the batch committed, and closes it when it failed ([`discard`]).
async fn write_with(
    pool: &SqlitePool,
    held: Option<PoolConnection<Sqlite>>,
    batch: &[WriteJob],
    definitions: &mut DefinitionIds,
) -> (Result<Vec<Result<(), StoreError>>, StoreError>, Option<PoolConnection<Sqlite>>) {
    let mut connection = match held {
        Some(connection) => connection,
        None => match pool.acquire().await {
            Ok(connection) => connection,
            Err(error) => return (Err(error.into()), None),
        },
    };
    match write_batch(&mut connection, batch, definitions).await {
        Ok(outcomes) => (Ok(outcomes), Some(connection)),
        Err(error) => {
            discard(connection).await;
            (Err(error), None)
        }
    }
}

/// Closes a connection whose batch failed instead of giving it back to the pool.
///
/// The batch's multi-row inserts are `INSERT OR ROLLBACK`: a broken constraint ends the
/// whole transaction inside SQLite at once. (With SQLite's default, `ABORT`, every multi-row
/// statement in a transaction first copies each page it changes to a statement journal, to
/// undo just itself; that copying was a tenth of the writer's time in SQLite.) sqlx does not
/// see that rollback, still counts the transaction open, and would start the connection's
/// next transaction as a savepoint.
async fn discard(connection: PoolConnection<Sqlite>) {
    if let Err(error) = connection.close().await {
        tracing::debug!(%error, "closing the writer's failed connection");
    }
}

/// Writes `batch` in one transaction on `connection`; each job's own outcome (an insert may
/// find its ARN taken) is returned in order. The batch's new executions go in one statement
/// and all its history events in a few, so a batch of started executions costs a handful of
/// round trips to SQLite's thread, not two per execution.
async fn write_batch(
    connection: &mut SqliteConnection,
    batch: &[WriteJob],
    definitions: &mut DefinitionIds,
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut transaction = connection.begin().await?;
    let mut fresh = Vec::new();
    let inserted = insert_executions(&mut transaction, batch, definitions, &mut fresh).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut written = Vec::with_capacity(batch.len());
    for (job, inserted) in batch.iter().zip(inserted) {
        let history_key = match (&job.write.insert, inserted) {
            (Some(_), Some(key)) => key,
            (Some(_), None) => {
                outcomes.push(Err(StoreError::AlreadyExists));
                continue;
            }
            (None, _) => update_execution(&mut transaction, &job.write).await?,
        };
        outcomes.push(Ok(()));
        written.push((history_key, &job.write));
    }
    insert_events(&mut transaction, &written).await?;
    for (_, write) in written {
        write_rest(&mut transaction, write).await?;
    }
    transaction.commit().await?;
    // Only rows that were committed may be pointed at by later batches.
    definitions.remember(fresh);
    Ok(outcomes)
}

/// The `execution_definitions` row of each definition text the writer has stored or found,
/// so a batch of executions of one state machine looks its definition up once. Every insert
/// hashes its whole definition here, so the map is the engine's fast one, not SipHash.
#[derive(Default)]
struct DefinitionIds(super::FastMap<String, i64>);

/// How many definitions [`DefinitionIds`] keeps before it starts again.
const REMEMBERED_DEFINITIONS: usize = 256;

impl DefinitionIds {
    fn remember(&mut self, fresh: Vec<(String, i64)>) {
        if self.0.len() + fresh.len() > REMEMBERED_DEFINITIONS {
            self.0.clear();
        }
        self.0.extend(fresh);
    }

    /// The row holding `text`: remembered, found by its hash, or inserted (then listed in
    /// `fresh`, to be remembered once the transaction commits).
    async fn id(
        &self,
        transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        text: &str,
        fresh: &mut Vec<(String, i64)>,
    ) -> Result<i64, StoreError> {
        if let Some(id) = self.0.get(text) {
            return Ok(*id);
        }
        if let Some((_, id)) = fresh.iter().find(|(known, _)| known == text) {
            return Ok(*id);
        }
        let hash = definition_hash(text);
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM execution_definitions WHERE hash = ? AND text = ? LIMIT 1")
                .bind(hash)
                .bind(text)
                .fetch_optional(&mut **transaction)
                .await?;
        let id = match found {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO execution_definitions (hash, text) VALUES (?, ?) RETURNING id")
                    .bind(hash)
                    .bind(text)
                    .fetch_one(&mut **transaction)
                    .await?
            }
        };
        fresh.push((text.to_string(), id));
        Ok(id)
    }
}

/// The first eight bytes of `text`'s SHA-256 as a signed integer (SQLite's integers are).
fn definition_hash(text: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Appends `rows` placeholder rows of `width` values, `(?, ?), (?, ?)`, to a multi-row INSERT.
fn push_placeholder_rows(sql: &mut String, rows: usize, width: usize) {
    let row = format!("({})", vec!["?"; width].join(", "));
    sql.push_str(&vec![row; rows].join(", "));
}

/// The most rows one multi-row statement writes (SQLite allows 32,766 bound values; 20 a row
/// at most here).
const ROWS_PER_STATEMENT: usize = 512;

/// Rows below this go in one statement of exactly their number; above it, chunks are a
/// multiple of it.
const ROW_STEP: usize = 16;

/// Splits `items` into at most two chunks per [`ROWS_PER_STATEMENT`]: a multiple of
/// [`ROW_STEP`] rows, then fewer than [`ROW_STEP`]. A multi-row statement so comes in under
/// fifty shapes, each prepared once per connection and then found in sqlx's statement cache
/// (preparing a statement of hundreds of rows costs more than running it), while a small
/// batch is still one statement.
fn chunks_for_statements<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let size = items.len().min(ROWS_PER_STATEMENT);
        let size = if size >= ROW_STEP { size - size % ROW_STEP } else { size };
        let (chunk, rest) = items.split_at(size);
        items = rest;
        Some(chunk)
    })
}

/// Inserts the batch's new executions; for each job, the history key its execution got, or
/// `None` (an update, or an insert whose ARN was taken). `RETURNING` names the rows that went
/// in. A key is the row's rowid, which SQLite gives (one more than the largest so far).
async fn insert_executions(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    batch: &[WriteJob],
    definitions: &DefinitionIds,
    fresh: &mut Vec<(String, i64)>,
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut inserts: Vec<(&ExecutionRecord, &Qualifiers, &PreparedWrite, i64)> = Vec::new();
    for job in batch {
        if let Some((record, qualifiers)) = &job.write.insert {
            let definition = definitions.id(transaction, &record.definition, fresh).await?;
            inserts.push((record, qualifiers, &job.write, definition));
        }
    }
    let mut inserted = HashMap::new();
    for chunk in chunks_for_statements(&inserts) {
        // `OR ROLLBACK`, so SQLite keeps no statement journal for it: see [`discard`].
        let mut sql = String::from(
            "INSERT OR ROLLBACK INTO executions (arn, state_machine_arn, name, status, input, output, error, cause, definition,
                                     definition_id, role_arn, start_millis, stop_millis, redrive_count, test_case,
                                     snapshot, map_run_arn, state_machine_version_arn, state_machine_alias_arn)
             VALUES ",
        );
        push_placeholder_rows(&mut sql, chunk.len(), 19);
        sql.push_str(" ON CONFLICT (arn) DO NOTHING RETURNING arn, history_key");
        let mut query = sqlx::query(&sql);
        for (record, qualifiers, write, definition) in chunk {
            // The text lives in `execution_definitions`; the old column stays empty.
            query = query
                .bind(&record.arn)
                .bind(&record.state_machine_arn)
                .bind(&record.name)
                .bind(write.status)
                .bind(&record.input_text)
                .bind(&write.output)
                .bind(&write.error)
                .bind(&write.cause)
                .bind("")
                .bind(definition)
                .bind(&record.role_arn)
                .bind(record.start_millis)
                .bind(write.stop_millis)
                .bind(record.redrive_count)
                .bind(&record.test_case)
                .bind(&write.snapshot)
                .bind(&record.map_run_arn)
                .bind(&qualifiers.version_arn)
                .bind(&qualifiers.alias_arn);
        }
        for row in query.fetch_all(&mut **transaction).await? {
            inserted.insert(row.try_get::<String, _>("arn")?, row.try_get::<i64, _>("history_key")?);
        }
    }
    // Each new ARN is claimed once: a second insert of it in the same batch finds it taken.
    Ok(batch.iter().map(|job| job.write.insert.as_ref().and_then(|_| inserted.remove(&job.write.arn))).collect())
}

/// Records a decision on an existing execution: snapshot, status and result. Returns the
/// execution's history key.
async fn update_execution(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    write: &PreparedWrite,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "UPDATE executions SET snapshot = ?, status = ?, output = ?, error = ?, cause = ?,
                stop_millis = CASE WHEN ? = 'RUNNING' THEN NULL ELSE COALESCE(?, stop_millis) END,
                redrive_count = COALESCE(?, redrive_count)
         WHERE arn = ? RETURNING history_key",
    )
    .bind(&write.snapshot)
    .bind(write.status)
    .bind(&write.output)
    .bind(&write.error)
    .bind(&write.cause)
    .bind(write.status)
    .bind(write.stop_millis)
    .bind(write.redrive_count)
    .bind(&write.arn)
    .fetch_one(&mut **transaction)
    .await?;
    Ok(row.try_get("history_key")?)
}

/// Appends the history events of every written decision, under its execution's history key.
async fn insert_events(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    writes: &[(i64, &PreparedWrite)],
) -> Result<(), StoreError> {
    let events: Vec<(i64, &EventRow)> =
        writes.iter().flat_map(|(key, write)| write.events.iter().map(move |event| (*key, event))).collect();
    for chunk in chunks_for_statements(&events) {
        // `OR ROLLBACK`: see [`discard`].
        let mut sql = String::from(
            "INSERT OR ROLLBACK INTO history_events (execution_key, id, previous_id, timestamp_millis, type, details) VALUES ",
        );
        push_placeholder_rows(&mut sql, chunk.len(), 6);
        let mut query = sqlx::query(&sql);
        for (key, (id, previous, timestamp, event_type, details)) in chunk {
            query = query
                .bind(*key)
                .bind(*id as i64)
                .bind(*previous as i64)
                .bind(*timestamp)
                .bind(event_type.as_str())
                .bind(details.as_deref());
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// The rest of a decision: timers, tasks, Map Runs and the clean-up of a finished execution.
async fn write_rest(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    write: &PreparedWrite,
) -> Result<(), StoreError> {
    let arn = write.arn.as_str();
    if let Some(key) = write.fired_timer {
        sqlx::query("DELETE FROM timers WHERE execution_arn = ? AND key = ?")
            .bind(arn)
            .bind(key as i64)
            .execute(&mut **transaction)
            .await?;
    }
    if let Some(key) = write.finished_task {
        sqlx::query("DELETE FROM tasks WHERE execution_arn = ? AND key = ?")
            .bind(arn)
            .bind(key as i64)
            .execute(&mut **transaction)
            .await?;
    }
    if let Some(key) = write.started_task {
        sqlx::query("UPDATE tasks SET started = 1 WHERE execution_arn = ? AND key = ?")
            .bind(arn)
            .bind(key as i64)
            .execute(&mut **transaction)
            .await?;
    }
    if !write.is_final {
        for (key, at_millis) in &write.timers {
            sqlx::query("INSERT OR REPLACE INTO timers (execution_arn, key, due_millis) VALUES (?, ?, ?)")
                .bind(arn)
                .bind(*key as i64)
                .bind(at_millis)
                .execute(&mut **transaction)
                .await?;
        }
        for (token, key, request, activity, created) in &write.tasks {
            sqlx::query(
                "INSERT OR REPLACE INTO tasks (token, execution_arn, key, request, activity_arn, created_millis)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(token)
            .bind(arn)
            .bind(*key as i64)
            .bind(request)
            .bind(activity)
            .bind(created)
            .execute(&mut **transaction)
            .await?;
        }
    }
    let now = write.events.last().map_or(0, |event| event.2);
    for map_run in &write.map_runs_started {
        sqlx::query(
            "INSERT OR IGNORE INTO map_runs (arn, execution_arn, state_name, status, total, max_concurrency,
                                             tolerated_failure_count, tolerated_failure_percentage, start_millis)
             VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?)",
        )
        .bind(&map_run.arn)
        .bind(arn)
        .bind(&map_run.state_name)
        .bind(map_run.total as i64)
        .bind(map_run.max_concurrency as i64)
        .bind(map_run.tolerated_failure_count.map(|count| count as i64))
        .bind(map_run.tolerated_failure_percentage)
        .bind(now)
        .execute(&mut **transaction)
        .await?;
    }
    for (map_run, status) in &write.map_runs_ended {
        sqlx::query("UPDATE map_runs SET status = ?, stop_millis = ? WHERE arn = ?")
            .bind(status)
            .bind(now)
            .bind(map_run)
            .execute(&mut **transaction)
            .await?;
    }
    for key in &write.cancelled {
        sqlx::query("DELETE FROM tasks WHERE execution_arn = ? AND key = ?")
            .bind(arn)
            .bind(*key as i64)
            .execute(&mut **transaction)
            .await?;
    }
    if write.is_final && write.insert.is_none() {
        sqlx::query("DELETE FROM timers WHERE execution_arn = ?").bind(arn).execute(&mut **transaction).await?;
        sqlx::query("DELETE FROM tasks WHERE execution_arn = ?").bind(arn).execute(&mut **transaction).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

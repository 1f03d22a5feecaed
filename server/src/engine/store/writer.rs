//! The engine's writer: a thread with a SQLite connection of its own that commits whatever
//! decisions are waiting in one transaction (group commit).
//!
//! It makes SQLite's calls itself instead of sending each statement to a sqlx connection's
//! thread and awaiting the answer. Under load each such hand-off took about 200 µs (the
//! awaiting task queues behind the HTTP work on the runtime's workers), and a batch made four
//! or five of them: most of a batch's time was spent waiting, not writing.

use std::{collections::HashMap, path::PathBuf, sync::mpsc};

use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql};

use super::{ExecutionRecord, PreparedWrite, StoreError, WriteJob};
use crate::engine::Qualifiers;

/// What the writer thread is sent.
#[derive(Debug)]
pub(super) enum Message {
    /// A decision to commit (boxed: the channel's slots are as large as its largest message).
    Write(Box<WriteJob>),
    /// Commit what came before, close the connection and end (the pool closed).
    Stop,
}

/// The most decisions one transaction commits.
const MAX_BATCH: usize = 256;

/// The prepared statements the writer keeps: its multi-row inserts come in about eighty
/// shapes (see [`chunks_for_statements`]), and preparing one of hundreds of rows costs more
/// than running it.
const STATEMENT_CACHE: usize = 200;

/// Starts the writer on the database file at `path` (migrated already); it runs until it is
/// sent [`Message::Stop`] or every sender is gone.
pub(super) fn spawn(path: PathBuf) -> mpsc::Sender<Message> {
    let (sender, jobs) = mpsc::channel();
    let started = std::thread::Builder::new().name("statehouse-writer".into()).spawn(move || match open(&path) {
        Ok(connection) => run(Writer { connection, definitions: DefinitionIds::default() }, &jobs),
        // Every write then fails with `WriterGone`, and the reason is in the log.
        Err(error) => tracing::error!(%error, path = %path.display(), "opening the engine's database writer"),
    });
    if let Err(error) = started {
        tracing::error!(%error, "starting the engine's database writer thread");
    }
    sender
}

/// The writer's connection, set up as the pool's are (`db::open`).
fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    connection.busy_timeout(crate::db::BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", true)?;
    connection.pragma_update(None, "wal_autocheckpoint", crate::db::WAL_CHECKPOINT_PAGES)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

/// Takes what is waiting (up to [`MAX_BATCH`]) and commits it in one transaction. When the
/// batch fails, each decision is retried on its own so one bad write cannot sink the others.
fn run(mut writer: Writer, jobs: &mpsc::Receiver<Message>) {
    while let Ok(Message::Write(first)) = jobs.recv() {
        let mut batch = vec![*first];
        let mut stop = false;
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(Message::Write(job)) => batch.push(*job),
                Ok(Message::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        match writer.write(&batch) {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(_) => {
                for job in batch {
                    let written = writer.write(std::slice::from_ref(&job));
                    let _ = job.reply.send(written.and_then(|mut outcomes| outcomes.pop().unwrap_or(Ok(()))));
                }
            }
        }
        if stop {
            break;
        }
    }
}

struct Writer {
    connection: Connection,
    definitions: DefinitionIds,
}

impl Writer {
    /// Writes `batch` in one transaction; each job's own outcome (an insert may find its ARN
    /// taken) is returned in order. On an error nothing of the batch stays: the transaction
    /// is rolled back, unless SQLite already did (`INSERT OR ROLLBACK`, below).
    fn write(&mut self, batch: &[WriteJob]) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        // IMMEDIATE: the write lock is taken (or waited for) now, so a read at the start of
        // the batch cannot find its snapshot stale when the first write comes.
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        let mut fresh = Vec::new();
        let written = self.write_in_transaction(batch, &mut fresh).and_then(|outcomes| {
            self.connection.execute_batch("COMMIT")?;
            Ok(outcomes)
        });
        match written {
            Ok(outcomes) => {
                // Only rows that were committed may be pointed at by later batches.
                self.definitions.remember(fresh);
                Ok(outcomes)
            }
            Err(error) => {
                if !self.connection.is_autocommit()
                    && let Err(error) = self.connection.execute_batch("ROLLBACK")
                {
                    tracing::warn!(%error, "rolling back the writer's failed batch");
                }
                Err(error)
            }
        }
    }

    fn write_in_transaction(
        &self,
        batch: &[WriteJob],
        fresh: &mut Vec<(String, i64)>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let inserted = self.insert_executions(batch, fresh)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut written = Vec::with_capacity(batch.len());
        for (job, inserted) in batch.iter().zip(inserted) {
            let history_key = match (&job.write.insert, inserted) {
                (Some(_), Some(key)) => key,
                (Some(_), None) => {
                    outcomes.push(Err(StoreError::AlreadyExists));
                    continue;
                }
                (None, _) => self.update_execution(&job.write)?,
            };
            outcomes.push(Ok(()));
            written.push((history_key, &job.write));
        }
        self.insert_events(&written)?;
        for (_, write) in written {
            self.write_rest(write)?;
        }
        Ok(outcomes)
    }

    /// Inserts the batch's new executions; for each job, the history key its execution got,
    /// or `None` (an update, or an insert whose ARN was taken). `RETURNING` names the rows
    /// that went in; a key is the row's rowid, one more than the largest so far.
    fn insert_executions(
        &self,
        batch: &[WriteJob],
        fresh: &mut Vec<(String, i64)>,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let mut inserts: Vec<(&ExecutionRecord, &Qualifiers, &PreparedWrite, i64)> = Vec::new();
        for job in batch {
            if let Some((record, qualifiers)) = &job.write.insert {
                let definition = self.definitions.id(&self.connection, &record.definition, fresh)?;
                inserts.push((record, qualifiers, &job.write, definition));
            }
        }
        let mut inserted = HashMap::new();
        for chunk in chunks_for_statements(&inserts) {
            // `OR ROLLBACK`, so SQLite keeps no statement journal for it (with the default,
            // `ABORT`, every page a multi-row statement changes is first copied to one, to
            // undo just that statement). A broken constraint ends the whole transaction.
            let mut sql = String::from(
                "INSERT OR ROLLBACK INTO executions (arn, state_machine_arn, name, status, input, output, error, cause,
                                         definition, definition_id, role_arn, start_millis, stop_millis, redrive_count,
                                         test_case, snapshot, map_run_arn, state_machine_version_arn,
                                         state_machine_alias_arn, item_count)
                 VALUES ",
            );
            push_placeholder_rows(&mut sql, chunk.len(), 20);
            sql.push_str(" ON CONFLICT (arn) DO NOTHING RETURNING arn, history_key");
            let mut statement = self.connection.prepare_cached(&sql)?;
            let mut index = 0;
            for (record, qualifiers, write, definition) in chunk {
                // The text lives in `execution_definitions`; the old column stays empty.
                let values: [&dyn ToSql; 20] = [
                    &record.arn,
                    &record.state_machine_arn,
                    &record.name,
                    &write.status,
                    &record.input_text,
                    &write.output,
                    &write.error,
                    &write.cause,
                    &"",
                    definition,
                    &record.role_arn,
                    &record.start_millis,
                    &write.stop_millis,
                    &record.redrive_count,
                    &record.test_case,
                    &write.snapshot,
                    &record.map_run_arn,
                    &qualifiers.version_arn,
                    &qualifiers.alias_arn,
                    &record.item_count,
                ];
                for value in values {
                    index += 1;
                    statement.raw_bind_parameter(index, value)?;
                }
            }
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next()? {
                inserted.insert(row.get::<_, String>(0)?, row.get::<_, i64>(1)?);
            }
        }
        // Each new ARN is claimed once: a second insert of it in the same batch finds it taken.
        Ok(batch.iter().map(|job| job.write.insert.as_ref().and_then(|_| inserted.remove(&job.write.arn))).collect())
    }

    /// Records a decision on an existing execution: snapshot, status and result. Returns the
    /// execution's history key (an execution that does not exist fails the batch).
    fn update_execution(&self, write: &PreparedWrite) -> Result<i64, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "UPDATE executions SET snapshot = ?1, status = ?2, output = ?3, error = ?4, cause = ?5,
                    stop_millis = CASE WHEN ?2 = 'RUNNING' THEN NULL ELSE COALESCE(?6, stop_millis) END,
                    redrive_count = COALESCE(?7, redrive_count)
             WHERE arn = ?8 RETURNING history_key",
        )?;
        let values: [&dyn ToSql; 8] = [
            &write.snapshot,
            &write.status,
            &write.output,
            &write.error,
            &write.cause,
            &write.stop_millis,
            &write.redrive_count,
            &write.arn,
        ];
        Ok(statement.query_row(&values[..], |row| row.get(0))?)
    }

    /// Appends the history events of every written decision, under its execution's key.
    fn insert_events(&self, writes: &[(i64, &PreparedWrite)]) -> Result<(), StoreError> {
        let events: Vec<(i64, &super::EventRow)> =
            writes.iter().flat_map(|(key, write)| write.events.iter().map(move |event| (*key, event))).collect();
        for chunk in chunks_for_statements(&events) {
            // `OR ROLLBACK`: see `insert_executions`.
            let mut sql = String::from(
                "INSERT OR ROLLBACK INTO history_events (execution_key, id, previous_id, timestamp_millis, type, details)
                 VALUES ",
            );
            push_placeholder_rows(&mut sql, chunk.len(), 6);
            let mut statement = self.connection.prepare_cached(&sql)?;
            let mut index = 0;
            for (key, (id, previous, timestamp, event_type, details)) in chunk {
                let (id, previous, event_type) = (*id as i64, *previous as i64, event_type.as_str());
                let values: [&dyn ToSql; 6] = [key, &id, &previous, timestamp, &event_type, details];
                for value in values {
                    index += 1;
                    statement.raw_bind_parameter(index, value)?;
                }
            }
            statement.raw_execute()?;
        }
        Ok(())
    }

    /// Runs one cached single-row statement.
    fn execute(&self, sql: &str, values: &[&dyn ToSql]) -> Result<(), StoreError> {
        self.connection.prepare_cached(sql)?.execute(values)?;
        Ok(())
    }

    /// The rest of a decision: timers, tasks, Map Runs and the clean-up of a finished
    /// execution.
    fn write_rest(&self, write: &PreparedWrite) -> Result<(), StoreError> {
        let arn = write.arn.as_str();
        if let Some(key) = write.fired_timer {
            self.execute("DELETE FROM timers WHERE execution_arn = ?1 AND key = ?2", &[&arn, &(key as i64)])?;
        }
        if let Some(key) = write.finished_task {
            self.execute("DELETE FROM tasks WHERE execution_arn = ?1 AND key = ?2", &[&arn, &(key as i64)])?;
        }
        if let Some(key) = write.started_task {
            self.execute("UPDATE tasks SET started = 1 WHERE execution_arn = ?1 AND key = ?2", &[&arn, &(key as i64)])?;
        }
        if !write.is_final {
            for (key, at_millis) in &write.timers {
                self.execute(
                    "INSERT OR REPLACE INTO timers (execution_arn, key, due_millis) VALUES (?1, ?2, ?3)",
                    &[&arn, &(*key as i64), at_millis],
                )?;
            }
            for (token, key, request, activity, created) in &write.tasks {
                self.execute(
                    "INSERT OR REPLACE INTO tasks (token, execution_arn, key, request, activity_arn, created_millis)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    &[token, &arn, &(*key as i64), request, activity, created],
                )?;
            }
        }
        let now = write.events.last().map_or(0, |event| event.2);
        for map_run in &write.map_runs_started {
            self.execute(
                "INSERT OR IGNORE INTO map_runs (arn, execution_arn, state_name, status, total, max_concurrency,
                                                 tolerated_failure_count, tolerated_failure_percentage, start_millis,
                                                 item_total)
                 VALUES (?1, ?2, ?3, 'RUNNING', ?4, ?5, ?6, ?7, ?8, ?9)",
                &[
                    &map_run.arn,
                    &arn,
                    &map_run.state_name,
                    &(map_run.total as i64),
                    &(map_run.max_concurrency as i64),
                    &map_run.tolerated_failure_count.map(|count| count as i64),
                    &map_run.tolerated_failure_percentage,
                    &now,
                    &(map_run.item_total as i64),
                ],
            )?;
        }
        for limits in &write.map_runs_updated {
            self.execute(
                "UPDATE map_runs SET max_concurrency = ?1, tolerated_failure_count = ?2, tolerated_failure_percentage = ?3
                 WHERE arn = ?4",
                &[
                    &(limits.max_concurrency as i64),
                    &limits.tolerated_failure_count.map(|count| count as i64),
                    &limits.tolerated_failure_percentage,
                    &limits.arn,
                ],
            )?;
        }
        for map_run in &write.map_runs_redriven {
            self.execute(
                "UPDATE map_runs SET status = 'RUNNING', stop_millis = NULL, redrive_count = redrive_count + 1,
                                     redrive_millis = ?1
                 WHERE arn = ?2",
                &[&now, map_run],
            )?;
        }
        for (map_run, status) in &write.map_runs_ended {
            self.execute("UPDATE map_runs SET status = ?1, stop_millis = ?2 WHERE arn = ?3", &[status, &now, map_run])?;
        }
        for key in &write.cancelled {
            self.execute("DELETE FROM tasks WHERE execution_arn = ?1 AND key = ?2", &[&arn, &(*key as i64)])?;
        }
        if write.is_final && write.insert.is_none() {
            self.execute("DELETE FROM timers WHERE execution_arn = ?1", &[&arn])?;
            self.execute("DELETE FROM tasks WHERE execution_arn = ?1", &[&arn])?;
        }
        Ok(())
    }
}

/// The `execution_definitions` row of each definition text the writer has stored or found,
/// so a batch of executions of one state machine looks its definition up once. Every insert
/// hashes its whole definition here, so the map is the engine's fast one, not SipHash.
#[derive(Default)]
struct DefinitionIds(crate::engine::FastMap<String, i64>);

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
    fn id(&self, connection: &Connection, text: &str, fresh: &mut Vec<(String, i64)>) -> Result<i64, StoreError> {
        if let Some(id) = self.0.get(text) {
            return Ok(*id);
        }
        if let Some((_, id)) = fresh.iter().find(|(known, _)| known == text) {
            return Ok(*id);
        }
        let hash = definition_hash(text);
        let found: Option<i64> = connection
            .prepare_cached("SELECT id FROM execution_definitions WHERE hash = ?1 AND text = ?2 LIMIT 1")?
            .query_row((hash, text), |row| row.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => connection
                .prepare_cached("INSERT INTO execution_definitions (hash, text) VALUES (?1, ?2) RETURNING id")?
                .query_row((hash, text), |row| row.get(0))?,
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
/// fifty shapes, each prepared once and then found in the statement cache, while a small
/// batch is still one statement.
pub(super) fn chunks_for_statements<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
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

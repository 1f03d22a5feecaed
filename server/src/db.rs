//! The embedded SQLite database: opening, tuning and migrating it.

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// The migrations under `migrations/sqlite`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// The database file's name inside the data folder.
pub const DATABASE_FILE: &str = "statehouse.db";

/// Pages (4 KiB each) the write-ahead log grows to before SQLite copies it into the database.
pub(crate) const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// How long a connection waits for another's write lock before it gives up (the pool's and
/// the engine writer's alike).
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating when missing) the database in `data_dir` and applies pending migrations.
pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let path = data_dir.join(DATABASE_FILE);
    let options = SqliteConnectOptions::from_str("sqlite:")
        .context("building the SQLite options")?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // Checkpoint the WAL every ~40 MB instead of SQLite's ~4 MB: the pages new executions
        // touch (the right edges of the tables and indexes) are copied back once per
        // checkpoint however often they changed in between, so fewer checkpoints copy less.
        .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string());
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A local file cannot drop a connection: the default ping before every acquire costs a
        // round trip to the connection's thread per query for nothing.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    MIGRATOR.run(&pool).await.with_context(|| format!("migrating the database {}", path.display()))?;
    Ok(pool)
}

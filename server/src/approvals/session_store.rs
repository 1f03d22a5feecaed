//! Sessions (tower-sessions) in the server's SQLite database, so they outlive a restart.
//!
//! The approver's page keeps its Post/Redirect/Get confirmation in a session; in memory, a
//! restart between the POST and the redirected GET lost it. Here a session is one row of
//! `sessions` (migration `20261124000014_sessions.sql`): its id as the cookie carries it, its
//! data as JSON and its expiry in milliseconds since the epoch. An expired session is never
//! loaded; it is deleted when it is read, and every save deletes all expired rows (an indexed
//! range delete), so the table holds only live sessions plus those expired since the last save.

use std::{future::Future, pin::Pin};

use sqlx::SqlitePool;
use tower_sessions::{
    SessionStore,
    cookie::time::OffsetDateTime,
    session::{Id, Record},
    session_store::{Error, Result},
};

/// A [`SessionStore`] over the server's SQLite pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteSessionStore {
    pool: SqlitePool,
}

impl SqliteSessionStore {
    /// A store on `pool`, whose database has the `sessions` table (the server's migrations).
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Deletes every session that expired before `now`; returns how many.
    pub async fn delete_expired(&self, now: OffsetDateTime) -> Result<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(millis(now))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(deleted.rows_affected())
    }

    /// Inserts `record` under a fresh id, drawing another id while its id is taken.
    async fn insert_new(&self, record: &mut Record) -> Result<()> {
        self.delete_expired(OffsetDateTime::now_utc()).await?;
        let data = encode(record)?;
        loop {
            let inserted =
                sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
                    .bind(record.id.to_string())
                    .bind(&data)
                    .bind(millis(record.expiry_date))
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Writes `record` over its row, or as a new row.
    async fn upsert(&self, record: &Record) -> Result<()> {
        self.delete_expired(OffsetDateTime::now_utc()).await?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(encode(record)?)
        .bind(millis(record.expiry_date))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    /// The live session `id`; an expired one is deleted and reads as none.
    async fn find(&self, id: &Id) -> Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        if expires_at <= millis(OffsetDateTime::now_utc()) {
            self.remove(id).await?;
            return Ok(None);
        }
        let data = serde_json::from_str(&data).map_err(|error| Error::Decode(error.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
            .map_err(|error| Error::Decode(error.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn remove(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// The boxed future of a [`SessionStore`] method, as `#[async_trait]` declares them (written
/// out here, so the server needs no `async-trait` dependency of its own).
type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

impl SessionStore for SqliteSessionStore {
    fn create<'life0, 'life1, 'async_trait>(&'life0 self, record: &'life1 mut Record) -> StoreFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.insert_new(record))
    }

    fn save<'life0, 'life1, 'async_trait>(&'life0 self, record: &'life1 Record) -> StoreFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.upsert(record))
    }

    fn load<'life0, 'life1, 'async_trait>(&'life0 self, id: &'life1 Id) -> StoreFuture<'async_trait, Option<Record>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.find(id))
    }

    fn delete<'life0, 'life1, 'async_trait>(&'life0 self, id: &'life1 Id) -> StoreFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.remove(id))
    }
}

/// Milliseconds since the epoch, as the row stores an expiry.
fn millis(instant: OffsetDateTime) -> i64 {
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|error| Error::Encode(error.to_string()))
}

fn backend(error: sqlx::Error) -> Error {
    Error::Backend(error.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tower_sessions::cookie::time::Duration;

    use super::*;

    async fn store() -> (tempfile::TempDir, SqliteSessionStore) {
        let data = tempfile::tempdir().expect("a temporary folder");
        let pool = crate::db::open(data.path()).await.expect("the database");
        (data, SqliteSessionStore::new(pool))
    }

    fn record(expires_in: Duration) -> Record {
        Record {
            id: Id::default(),
            data: [("decision".to_string(), json!({"link": "abc", "title": "Thank you"}))].into_iter().collect(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    async fn rows(store: &SqliteSessionStore) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&store.pool).await.expect("count")
    }

    #[tokio::test]
    async fn a_session_is_created_saved_loaded_and_deleted() {
        let (_data, store) = store().await;
        let mut created = record(Duration::minutes(5));
        store.create(&mut created).await.expect("create");
        let loaded = store.load(&created.id).await.expect("load").expect("the session");
        assert_eq!(loaded.id, created.id);
        assert_eq!(loaded.data, created.data);
        assert_eq!(millis(loaded.expiry_date), millis(created.expiry_date));

        let mut changed = created.clone();
        changed.data.insert("second".into(), json!(2));
        changed.expiry_date += Duration::minutes(1);
        store.save(&changed).await.expect("save");
        let loaded = store.load(&created.id).await.expect("load").expect("the session");
        assert_eq!(loaded.data, changed.data);
        assert_eq!(millis(loaded.expiry_date), millis(changed.expiry_date));
        assert_eq!(rows(&store).await, 1, "saving an existing session updates its row");

        store.delete(&created.id).await.expect("delete");
        assert_eq!(store.load(&created.id).await.expect("load"), None);
        assert_eq!(rows(&store).await, 0);
        store.delete(&created.id).await.expect("deleting a missing session is not an error");
        assert_eq!(store.load(&Id::default()).await.expect("load"), None, "an unknown id is no session");
    }

    #[tokio::test]
    async fn a_session_saved_under_a_new_id_is_inserted() {
        let (_data, store) = store().await;
        let saved = record(Duration::minutes(5));
        store.save(&saved).await.expect("save");
        assert_eq!(store.load(&saved.id).await.expect("load").map(|loaded| loaded.data), Some(saved.data));
    }

    #[tokio::test]
    async fn expired_sessions_are_never_loaded_and_are_deleted() {
        let (_data, store) = store().await;
        let expired = record(Duration::seconds(-1));
        store.save(&expired).await.expect("save");
        assert_eq!(rows(&store).await, 1);
        assert_eq!(store.load(&expired.id).await.expect("load"), None);
        assert_eq!(rows(&store).await, 0, "loading an expired session deletes it");

        // Saving (or creating) any session sweeps the expired ones.
        let (first, second) = (record(Duration::seconds(-10)), record(Duration::seconds(-5)));
        store.save(&first).await.expect("save");
        store.save(&second).await.expect("save");
        assert_eq!(rows(&store).await, 1, "the second save deleted the first, expired, session");
        let mut live = record(Duration::minutes(5));
        store.create(&mut live).await.expect("create");
        assert_eq!(rows(&store).await, 1, "creating deleted the expired one and kept the live one");
        assert!(store.load(&live.id).await.expect("load").is_some());
        assert_eq!(store.delete_expired(OffsetDateTime::now_utc() + Duration::minutes(10)).await.expect("sweep"), 1);
        assert_eq!(rows(&store).await, 0);
    }

    #[tokio::test]
    async fn creating_under_a_taken_id_draws_a_new_one_and_keeps_the_old_session() {
        let (_data, store) = store().await;
        let mut first = record(Duration::minutes(5));
        store.create(&mut first).await.expect("create");
        let mut second = record(Duration::minutes(5));
        second.id = first.id;
        second.data.insert("other".into(), json!(true));
        store.create(&mut second).await.expect("create");
        assert_ne!(second.id, first.id, "the colliding id was replaced");
        assert_eq!(store.load(&first.id).await.expect("load").map(|loaded| loaded.data), Some(first.data));
        assert_eq!(store.load(&second.id).await.expect("load").map(|loaded| loaded.data), Some(second.data));
        assert_eq!(rows(&store).await, 2);
    }
}

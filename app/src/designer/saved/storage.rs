//! The SQL behind the server functions (tables `designs` and `design_versions`; the
//! state machines are read from the API's `state_machines`).

use sqlx::SqlitePool;

use super::{DesignName, SavedDefinition, SavedEntry, SavedError, VersionEntry, VersionMessage};

/// Logs a database error (the person sees [`SavedError::Storage`]).
fn storage_error(doing: &'static str) -> impl FnOnce(sqlx::Error) -> SavedError {
    move |error| {
        leptos::logging::error!("saved designs: {doing}: {error}");
        SavedError::Storage
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

fn time(millis: i64) -> String {
    asl::eval::time::format_millis(millis)
}

fn version_number(version: i64) -> u32 {
    u32::try_from(version).unwrap_or(u32::MAX)
}

pub(super) async fn list_saved(pool: &SqlitePool) -> Result<Vec<SavedEntry>, SavedError> {
    let designs: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "SELECT d.name, v.version, v.message, v.created_millis
         FROM designs d
         JOIN design_versions v ON v.design_id = d.id
          AND v.version = (SELECT MAX(w.version) FROM design_versions w WHERE w.design_id = d.id)
         ORDER BY d.name",
    )
    .fetch_all(pool)
    .await
    .map_err(storage_error("listing the designs"))?;
    let machines: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT name, arn, type, COALESCE(updated_millis, created_millis) FROM state_machines ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .map_err(storage_error("listing the state machines"))?;
    let designs = designs.into_iter().map(|(name, version, message, millis)| SavedEntry::Design {
        name,
        latest_version: version_number(version),
        latest_message: message,
        updated_at: time(millis),
    });
    let machines = machines.into_iter().map(|(name, arn, machine_type, millis)| SavedEntry::StateMachine {
        name,
        arn,
        machine_type,
        updated_at: time(millis),
    });
    Ok(designs.chain(machines).collect())
}

async fn design_exists(pool: &SqlitePool, name: &str) -> Result<bool, SavedError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM designs WHERE name = ?1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .map_err(storage_error("finding a design"))?;
    Ok(found.is_some())
}

/// [`SavedError::NotFound`] or [`SavedError::NoVersion`], whichever is the case.
async fn missing(pool: &SqlitePool, name: &str, version: Option<u32>) -> SavedError {
    match (design_exists(pool, name).await, version) {
        (Err(error), _) => error,
        (Ok(true), Some(version)) => SavedError::NoVersion { name: name.to_string(), version },
        (Ok(_), _) => SavedError::NotFound(name.to_string()),
    }
}

pub(super) async fn load_version(
    pool: &SqlitePool,
    name: &str,
    version: Option<u32>,
) -> Result<SavedDefinition, SavedError> {
    let row: Option<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT v.version, v.message, v.definition, v.layout, v.created_millis
         FROM design_versions v JOIN designs d ON d.id = v.design_id
         WHERE d.name = ?1 AND (?2 IS NULL OR v.version = ?2)
         ORDER BY v.version DESC LIMIT 1",
    )
    .bind(name)
    .bind(version.map(i64::from))
    .fetch_optional(pool)
    .await
    .map_err(storage_error("reading a version"))?;
    let Some((number, message, definition, layout, millis)) = row else {
        return Err(missing(pool, name, version).await);
    };
    Ok(SavedDefinition {
        name: name.to_string(),
        version: Some(version_number(number)),
        message: Some(message),
        definition,
        layout,
        created_at: time(millis),
        state_machine_arn: None,
    })
}

pub(super) async fn load_state_machine(pool: &SqlitePool, arn: &str) -> Result<SavedDefinition, SavedError> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT name, definition, COALESCE(updated_millis, created_millis) FROM state_machines WHERE arn = ?1",
    )
    .bind(arn)
    .fetch_optional(pool)
    .await
    .map_err(storage_error("reading a state machine"))?;
    let Some((name, definition, millis)) = row else {
        return Err(SavedError::NoStateMachine(arn.to_string()));
    };
    Ok(SavedDefinition {
        name,
        version: None,
        message: None,
        definition,
        layout: None,
        created_at: time(millis),
        state_machine_arn: Some(arn.to_string()),
    })
}

pub(super) async fn save(
    pool: &SqlitePool,
    name: &DesignName,
    message: &VersionMessage,
    definition: &str,
    layout: Option<&str>,
    saved_by: Option<&str>,
) -> Result<u32, SavedError> {
    let now = now_millis();
    let mut transaction = pool.begin().await.map_err(storage_error("starting a save"))?;
    sqlx::query("INSERT INTO designs (name, created_millis) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING")
        .bind(name.as_str())
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(storage_error("creating a design"))?;
    // One statement picks the next number and inserts it, so two saves cannot take the same.
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO design_versions (design_id, version, message, definition, layout, created_millis, saved_by)
         SELECT d.id, COALESCE((SELECT MAX(w.version) FROM design_versions w WHERE w.design_id = d.id), 0) + 1,
                ?2, ?3, ?4, ?5, ?6
         FROM designs d WHERE d.name = ?1
         RETURNING version",
    )
    .bind(name.as_str())
    .bind(message.as_str())
    .bind(definition)
    .bind(layout)
    .bind(now)
    .bind(saved_by)
    .fetch_one(&mut *transaction)
    .await
    .map_err(storage_error("saving a version"))?;
    transaction.commit().await.map_err(storage_error("committing a save"))?;
    Ok(version_number(version))
}

/// A version's number, message, save time, size, the version it restores and its author.
type VersionRow = (i64, String, i64, i64, Option<i64>, Option<String>);

pub(super) async fn list_versions(pool: &SqlitePool, name: &str) -> Result<Vec<VersionEntry>, SavedError> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.version, v.message, v.created_millis, octet_length(v.definition), v.restored_from, v.saved_by
         FROM design_versions v JOIN designs d ON d.id = v.design_id
         WHERE d.name = ?1
         ORDER BY v.version DESC",
    )
    .bind(name)
    .fetch_all(pool)
    .await
    .map_err(storage_error("listing versions"))?;
    // A design is created with its first version, so a design never saved has none (the
    // designer asks for the versions of whatever it shows, saved or not).
    Ok(rows
        .into_iter()
        .map(|(version, message, millis, size, restored_from, saved_by)| VersionEntry {
            version: version_number(version),
            message,
            created_at: time(millis),
            size: u64::try_from(size).unwrap_or(0),
            restored_from: restored_from.map(version_number),
            saved_by,
        })
        .collect())
}

pub(super) async fn restore(
    pool: &SqlitePool,
    name: &str,
    version: u32,
    message: &VersionMessage,
    saved_by: Option<&str>,
) -> Result<SavedDefinition, SavedError> {
    let now = now_millis();
    // One statement copies the old version into the next number: nothing is rewritten.
    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "INSERT INTO design_versions (design_id, version, message, definition, layout, restored_from, created_millis, saved_by)
         SELECT v.design_id, (SELECT MAX(w.version) FROM design_versions w WHERE w.design_id = v.design_id) + 1,
                ?3, v.definition, v.layout, v.version, ?4, ?5
         FROM design_versions v JOIN designs d ON d.id = v.design_id
         WHERE d.name = ?1 AND v.version = ?2
         RETURNING version, definition, layout",
    )
    .bind(name)
    .bind(i64::from(version))
    .bind(message.as_str())
    .bind(now)
    .bind(saved_by)
    .fetch_optional(pool)
    .await
    .map_err(storage_error("restoring a version"))?;
    let Some((new_version, definition, layout)) = row else {
        return Err(missing(pool, name, Some(version)).await);
    };
    Ok(SavedDefinition {
        name: name.to_string(),
        version: Some(version_number(new_version)),
        message: Some(message.as_str().to_string()),
        definition,
        layout,
        created_at: time(now),
        state_machine_arn: None,
    })
}

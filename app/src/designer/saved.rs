//! Designs saved on the server: each save is a new version with a message.
//!
//! The types here travel between the browser and the server. The server functions list what
//! can be opened (saved designs and the state machines created through the Step Functions
//! API), load one, save a new version, list a design's versions, diff two of them as text and
//! restore one (as a new version: history is never rewritten). Their bodies, the SQL and the
//! diff (the `similar` crate) are compiled only with `ssr`. [`SavedPanel`] is the designer's
//! panel for all of it.

use leptos::{prelude::*, server_fn::codec::JsonEncoding, server_fn::error::FromServerFnError};
use serde::{Deserialize, Serialize};

/// The largest definition that can be saved, in bytes: 1 MB, AWS's limit for a definition.
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

/// The largest layout sidecar that can be saved, in bytes.
pub const MAX_LAYOUT_BYTES: usize = 1_048_576;

/// The longest design name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// The longest version message, in characters (after trimming).
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Something that can be opened in the designer, as [`list_saved`] lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SavedEntry {
    /// A design saved from the designer.
    Design {
        /// Its name.
        name: String,
        /// Its newest version's number.
        latest_version: u32,
        /// Its newest version's message.
        latest_message: String,
        /// When its newest version was saved (RFC 3339, UTC).
        updated_at: String,
    },
    /// A state machine created through the Step Functions API.
    StateMachine {
        /// Its name.
        name: String,
        /// Its ARN.
        arn: String,
        /// STANDARD or EXPRESS.
        machine_type: String,
        /// When its definition was last created or updated (RFC 3339, UTC).
        updated_at: String,
    },
}

impl SavedEntry {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            SavedEntry::Design { name, .. } | SavedEntry::StateMachine { name, .. } => name,
        }
    }

    /// Where [`load_saved`] finds its newest definition.
    pub fn source(&self) -> SavedSource {
        match self {
            SavedEntry::Design { name, .. } => SavedSource::Design { name: name.clone(), version: None },
            SavedEntry::StateMachine { arn, .. } => SavedSource::StateMachine { arn: arn.clone() },
        }
    }
}

/// What [`load_saved`] loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SavedSource {
    /// A design's version (its newest when `version` is `None`).
    Design {
        /// The design's name.
        name: String,
        /// The version's number.
        version: Option<u32>,
    },
    /// A state machine's current definition.
    StateMachine {
        /// The state machine's ARN.
        arn: String,
    },
}

/// A definition loaded to be opened in the designer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDefinition {
    /// The design's (or the state machine's) name.
    pub name: String,
    /// The design version's number; `None` for a state machine.
    pub version: Option<u32>,
    /// The design version's message; `None` for a state machine.
    pub message: Option<String>,
    /// The definition, exactly as it was saved.
    pub definition: String,
    /// The layout sidecar (JSON), when one was saved; always `None` for a state machine.
    pub layout: Option<String>,
    /// When the version was saved, or the state machine's definition last created or updated
    /// (RFC 3339, UTC).
    pub created_at: String,
    /// The state machine's ARN; `None` for a design.
    pub state_machine_arn: Option<String>,
}

/// One version of a design, as [`list_versions`] lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// Its number, from 1.
    pub version: u32,
    /// Its message.
    pub message: String,
    /// When it was saved (RFC 3339, UTC).
    pub created_at: String,
    /// The definition's size in bytes.
    pub size: u64,
    /// The version it copies, when it was made by [`restore_version`].
    pub restored_from: Option<u32>,
}

/// How a line of a diff changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// In both texts (context).
    Same,
    /// Only in the newer text.
    Added,
    /// Only in the older text.
    Removed,
}

impl LineKind {
    /// `same`, `added` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Same => "same",
            LineKind::Added => "added",
            LineKind::Removed => "removed",
        }
    }
}

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    /// Whether it was kept, added or removed.
    pub kind: LineKind,
    /// Its number (from 1) in the older text; `None` for an added line.
    pub old_number: Option<u32>,
    /// Its number (from 1) in the newer text; `None` for a removed line.
    pub new_number: Option<u32>,
    /// The line without its line ending.
    pub text: String,
}

/// A run of changed lines with up to [`DIFF_CONTEXT_LINES`] unchanged lines around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffHunk {
    /// The first older line it covers (from 1; the line before it when it covers none).
    pub old_start: u32,
    /// How many older lines it covers.
    pub old_count: u32,
    /// The first newer line it covers (from 1; the line before it when it covers none).
    pub new_start: u32,
    /// How many newer lines it covers.
    pub new_count: u32,
    /// Its lines in order.
    pub lines: Vec<DiffLine>,
}

impl DiffHunk {
    /// The unified-diff header, `@@ -old_start,old_count +new_start,new_count @@`.
    pub fn header(&self) -> String {
        format!("@@ -{},{} +{},{} @@", self.old_start, self.old_count, self.new_start, self.new_count)
    }
}

/// How many unchanged lines a hunk shows around its changes.
pub const DIFF_CONTEXT_LINES: usize = 3;

/// The line diff of two versions' definitions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDiff {
    /// The design's name.
    pub name: String,
    /// The older side's version.
    pub from: u32,
    /// The newer side's version.
    pub to: u32,
    /// How many lines were added.
    pub added: u32,
    /// How many lines were removed.
    pub removed: u32,
    /// The changes with their context; empty when the texts are equal.
    pub hunks: Vec<DiffHunk>,
}

/// Why a saved design could not be listed, loaded, saved, diffed or restored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SavedError {
    /// A field's value cannot be used: `field` is `name`, `message`, `definition` or `layout`,
    /// and the message names it and says why.
    #[error("the {field} {reason}")]
    Invalid {
        /// The field's name.
        field: String,
        /// Why, as the end of a sentence that starts with the field (`must not be empty`).
        reason: String,
    },
    /// No design has this name.
    #[error("there is no saved design named “{0}”")]
    NotFound(String),
    /// The design has no such version.
    #[error("the design “{name}” has no version {version}")]
    NoVersion {
        /// The design's name.
        name: String,
        /// The missing version.
        version: u32,
    },
    /// No state machine has this ARN.
    #[error("there is no state machine {0}")]
    NoStateMachine(String),
    /// The server could not read or write its database; the details are in its log.
    #[error("the saved designs could not be read or written; the server's log has the details")]
    Storage,
    /// The server function itself failed (network, encoding).
    #[error("the server did not answer: {0}")]
    Server(String),
}

impl SavedError {
    fn invalid(field: &str, reason: impl Into<String>) -> Self {
        SavedError::Invalid { field: field.to_string(), reason: reason.into() }
    }

    /// The field this error is about, for errors about a field.
    pub fn field(&self) -> Option<&str> {
        match self {
            SavedError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for SavedError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        SavedError::Server(value.to_string())
    }
}

/// A design's name: 1 to [`MAX_NAME_CHARS`] letters, digits, spaces, `-`, `_` and `.`, with
/// no space at either end.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DesignName(String);

impl DesignName {
    /// Checks `text` (without the spaces around it) as a design name.
    pub fn parse(text: &str) -> Result<Self, SavedError> {
        let name = text.trim();
        let length = name.chars().count();
        if length == 0 {
            return Err(SavedError::invalid("name", "must not be empty"));
        }
        if length > MAX_NAME_CHARS {
            return Err(SavedError::invalid(
                "name",
                format!("must be at most {MAX_NAME_CHARS} characters long (this one has {length})"),
            ));
        }
        if let Some(character) =
            name.chars().find(|character| !(character.is_alphanumeric() || matches!(character, ' ' | '-' | '_' | '.')))
        {
            return Err(SavedError::invalid(
                "name",
                format!(
                    "may contain only letters, digits, spaces, “-”, “_” and “.”, not “{}”",
                    character.escape_default()
                ),
            ));
        }
        Ok(Self(name.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A version's message: required, at most [`MAX_MESSAGE_CHARS`] characters, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionMessage(String);

impl VersionMessage {
    /// Checks `text` (without the spaces around it) as a version message.
    pub fn parse(text: &str) -> Result<Self, SavedError> {
        let message = text.trim();
        let length = message.chars().count();
        if length == 0 {
            return Err(SavedError::invalid("message", "is required: say what this version changes"));
        }
        if length > MAX_MESSAGE_CHARS {
            return Err(SavedError::invalid(
                "message",
                format!("must be at most {MAX_MESSAGE_CHARS} characters long (this one has {length})"),
            ));
        }
        Ok(Self(message.to_string()))
    }

    /// The message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a definition's text for saving: not blank and at most [`MAX_DEFINITION_BYTES`].
/// The text itself is kept exactly as given; it need not be valid ASL (a design in progress
/// may not be).
pub fn check_definition(definition: &str) -> Result<(), SavedError> {
    if definition.trim().is_empty() {
        return Err(SavedError::invalid("definition", "is empty: there is nothing to save"));
    }
    if definition.len() > MAX_DEFINITION_BYTES {
        return Err(SavedError::invalid(
            "definition",
            format!(
                "is {} bytes long; at most {MAX_DEFINITION_BYTES} bytes (1 MB, AWS's limit for a definition) can be saved",
                definition.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a layout sidecar for saving: blank means none; otherwise JSON of at most
/// [`MAX_LAYOUT_BYTES`].
pub fn check_layout(layout: Option<String>) -> Result<Option<String>, SavedError> {
    let Some(layout) = layout.filter(|layout| !layout.trim().is_empty()) else {
        return Ok(None);
    };
    if layout.len() > MAX_LAYOUT_BYTES {
        return Err(SavedError::invalid(
            "layout",
            format!("is {} bytes long; at most {MAX_LAYOUT_BYTES} bytes can be saved", layout.len()),
        ));
    }
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&layout) {
        return Err(SavedError::invalid("layout", format!("is not JSON: {error}")));
    }
    Ok(Some(layout))
}

/// Every saved design (by name) and every state machine created through the Step Functions
/// API (by name), so a person can pick one to open.
#[server(prefix = "/api", endpoint = "designs/list", input = leptos::server_fn::codec::Json)]
pub async fn list_saved() -> Result<Vec<SavedEntry>, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    storage::list_saved(&context.pool).await
}

/// A design's version (its newest when none is given) or a state machine's current definition.
#[server(prefix = "/api", endpoint = "designs/load", input = leptos::server_fn::codec::Json)]
pub async fn load_saved(source: SavedSource) -> Result<SavedDefinition, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    match source {
        SavedSource::Design { name, version } => storage::load_version(&context.pool, &name, version).await,
        SavedSource::StateMachine { arn } => storage::load_state_machine(&context.pool, &arn).await,
    }
}

/// Saves `definition` (exactly as given) and its `layout` sidecar as the next version of the
/// design `name` (created by its first save) and returns the new version's number.
#[server(prefix = "/api", endpoint = "designs/save", input = leptos::server_fn::codec::Json)]
pub async fn save_design(
    name: String,
    message: String,
    definition: String,
    layout: Option<String>,
) -> Result<u32, SavedError> {
    let name = DesignName::parse(&name)?;
    let message = VersionMessage::parse(&message)?;
    check_definition(&definition)?;
    let layout = check_layout(layout)?;
    let context = expect_context::<crate::ssr::ServerContext>();
    storage::save(&context.pool, &name, &message, &definition, layout.as_deref()).await
}

/// The design's versions, newest first.
#[server(prefix = "/api", endpoint = "designs/versions", input = leptos::server_fn::codec::Json)]
pub async fn list_versions(name: String) -> Result<Vec<VersionEntry>, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    storage::list_versions(&context.pool, &name).await
}

/// The line diff from version `from`'s definition to version `to`'s.
#[server(prefix = "/api", endpoint = "designs/diff", input = leptos::server_fn::codec::Json)]
pub async fn diff_versions(name: String, from: u32, to: u32) -> Result<VersionDiff, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    let old = storage::load_version(&context.pool, &name, Some(from)).await?;
    let new = storage::load_version(&context.pool, &name, Some(to)).await?;
    let hunks = diff::line_hunks(&old.definition, &new.definition, DIFF_CONTEXT_LINES);
    let count =
        |kind: LineKind| hunks.iter().flat_map(|hunk| &hunk.lines).filter(|line| line.kind == kind).count() as u32;
    Ok(VersionDiff {
        name: old.name,
        from,
        to,
        added: count(LineKind::Added),
        removed: count(LineKind::Removed),
        hunks,
    })
}

/// Saves a new version of `name` whose definition and layout are those of `version` and
/// returns it, text included. A blank `message` becomes “Restored version N”.
#[server(prefix = "/api", endpoint = "designs/restore", input = leptos::server_fn::codec::Json)]
pub async fn restore_version(name: String, version: u32, message: String) -> Result<SavedDefinition, SavedError> {
    let message = if message.trim().is_empty() { format!("Restored version {version}") } else { message };
    let message = VersionMessage::parse(&message)?;
    let context = expect_context::<crate::ssr::ServerContext>();
    storage::restore(&context.pool, &name, version, &message).await
}

#[cfg(feature = "ssr")]
mod storage {
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
            "INSERT INTO design_versions (design_id, version, message, definition, layout, created_millis)
             SELECT d.id, COALESCE((SELECT MAX(w.version) FROM design_versions w WHERE w.design_id = d.id), 0) + 1,
                    ?2, ?3, ?4, ?5
             FROM designs d WHERE d.name = ?1
             RETURNING version",
        )
        .bind(name.as_str())
        .bind(message.as_str())
        .bind(definition)
        .bind(layout)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await
        .map_err(storage_error("saving a version"))?;
        transaction.commit().await.map_err(storage_error("committing a save"))?;
        Ok(version_number(version))
    }

    pub(super) async fn list_versions(pool: &SqlitePool, name: &str) -> Result<Vec<VersionEntry>, SavedError> {
        let rows: Vec<(i64, String, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT v.version, v.message, v.created_millis, octet_length(v.definition), v.restored_from
             FROM design_versions v JOIN designs d ON d.id = v.design_id
             WHERE d.name = ?1
             ORDER BY v.version DESC",
        )
        .bind(name)
        .fetch_all(pool)
        .await
        .map_err(storage_error("listing versions"))?;
        // A design is created with its first version, so no versions means no design.
        if rows.is_empty() {
            return Err(SavedError::NotFound(name.to_string()));
        }
        Ok(rows
            .into_iter()
            .map(|(version, message, millis, size, restored_from)| VersionEntry {
                version: version_number(version),
                message,
                created_at: time(millis),
                size: u64::try_from(size).unwrap_or(0),
                restored_from: restored_from.map(version_number),
            })
            .collect())
    }

    pub(super) async fn restore(
        pool: &SqlitePool,
        name: &str,
        version: u32,
        message: &VersionMessage,
    ) -> Result<SavedDefinition, SavedError> {
        let now = now_millis();
        // One statement copies the old version into the next number: nothing is rewritten.
        let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "INSERT INTO design_versions (design_id, version, message, definition, layout, restored_from, created_millis)
             SELECT v.design_id, (SELECT MAX(w.version) FROM design_versions w WHERE w.design_id = v.design_id) + 1,
                    ?3, v.definition, v.layout, v.version, ?4
             FROM design_versions v JOIN designs d ON d.id = v.design_id
             WHERE d.name = ?1 AND v.version = ?2
             RETURNING version, definition, layout",
        )
        .bind(name)
        .bind(i64::from(version))
        .bind(message.as_str())
        .bind(now)
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
}

#[cfg(feature = "ssr")]
mod diff {
    //! Line diffs of two texts as hunks with context (the `similar` crate's Myers diff).

    use std::time::Duration;

    use similar::{ChangeTag, TextDiff};

    use super::{DiffHunk, DiffLine, LineKind};

    /// Past this, `similar` stops looking for the smallest diff and returns a correct but
    /// coarser one, so two unrelated 1 MB texts cannot hold a server thread for long.
    const DIFF_TIMEOUT: Duration = Duration::from_secs(1);

    fn number(index: usize) -> u32 {
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    /// The changes from `old` to `new`, line by line, grouped into hunks with up to
    /// `context` unchanged lines around each change.
    pub(super) fn line_hunks(old: &str, new: &str, context: usize) -> Vec<DiffHunk> {
        let diff = TextDiff::configure().timeout(DIFF_TIMEOUT).diff_lines(old, new);
        diff.grouped_ops(context)
            .into_iter()
            .filter(|group| !group.is_empty())
            .map(|group| {
                let old_range = group[0].old_range().start..group[group.len() - 1].old_range().end;
                let new_range = group[0].new_range().start..group[group.len() - 1].new_range().end;
                let start = |range: &std::ops::Range<usize>| {
                    let start = if range.is_empty() { range.start } else { range.start + 1 };
                    u32::try_from(start).unwrap_or(u32::MAX)
                };
                let lines = group
                    .iter()
                    .flat_map(|op| diff.iter_changes(op))
                    .map(|change| DiffLine {
                        kind: match change.tag() {
                            ChangeTag::Equal => LineKind::Same,
                            ChangeTag::Insert => LineKind::Added,
                            ChangeTag::Delete => LineKind::Removed,
                        },
                        old_number: change.old_index().map(number),
                        new_number: change.new_index().map(number),
                        text: without_line_ending(change.value()).to_string(),
                    })
                    .collect();
                DiffHunk {
                    old_start: start(&old_range),
                    old_count: u32::try_from(old_range.len()).unwrap_or(u32::MAX),
                    new_start: start(&new_range),
                    new_count: u32::try_from(new_range.len()).unwrap_or(u32::MAX),
                    lines,
                }
            })
            .collect()
    }

    fn without_line_ending(line: &str) -> &str {
        let line = line.strip_suffix('\n').unwrap_or(line);
        line.strip_suffix('\r').unwrap_or(line)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn lines(hunk: &DiffHunk) -> Vec<(LineKind, Option<u32>, Option<u32>, &str)> {
            hunk.lines.iter().map(|line| (line.kind, line.old_number, line.new_number, line.text.as_str())).collect()
        }

        #[test]
        fn hunks_number_lines_on_both_sides_with_context() {
            let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
            let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
            let hunks = line_hunks(old, new, 1);
            assert_eq!(hunks.len(), 2, "{hunks:#?}");
            assert_eq!(hunks[0].header(), "@@ -1,3 +1,3 @@");
            assert_eq!(
                lines(&hunks[0]),
                vec![
                    (LineKind::Same, Some(1), Some(1), "a"),
                    (LineKind::Removed, Some(2), None, "b"),
                    (LineKind::Added, None, Some(2), "B"),
                    (LineKind::Same, Some(3), Some(3), "c"),
                ]
            );
            assert_eq!(hunks[1].header(), "@@ -11,1 +11,2 @@");
            assert_eq!(
                lines(&hunks[1]),
                vec![(LineKind::Same, Some(11), Some(11), "k"), (LineKind::Added, None, Some(12), "l")]
            );
        }

        #[test]
        fn equal_texts_have_no_hunks_and_crlf_endings_are_not_shown() {
            assert!(line_hunks("x\r\ny\r\n", "x\r\ny\r\n", 3).is_empty());
            let hunks = line_hunks("", "x\r\n", 3);
            assert_eq!(hunks[0].header(), "@@ -0,0 +1,1 @@");
            assert_eq!(lines(&hunks[0]), vec![(LineKind::Added, None, Some(1), "x")]);
        }
    }
}

/// What the panel last did, shown in its status line.
#[derive(Clone, Debug)]
enum PanelStatus {
    /// Nothing yet.
    Idle,
    /// Something worked (the text says what).
    Done(String),
    /// Something failed.
    Failed(SavedError),
}

/// The key of a picker option: `design:NAME` or `machine:ARN`.
fn picker_key(entry: &SavedEntry) -> String {
    match entry {
        SavedEntry::Design { name, .. } => format!("design:{name}"),
        SavedEntry::StateMachine { arn, .. } => format!("machine:{arn}"),
    }
}

fn source_from_key(key: &str) -> Option<SavedSource> {
    if let Some(name) = key.strip_prefix("design:") {
        Some(SavedSource::Design { name: name.to_string(), version: None })
    } else {
        key.strip_prefix("machine:").map(|arn| SavedSource::StateMachine { arn: arn.to_string() })
    }
}

/// The designer's panel for saved designs: open a saved design or state machine, save the
/// current design as a new version with a message, list its versions, diff two of them and
/// restore one.
#[component]
pub fn SavedPanel(
    /// The current design's name (None for a new, unsaved design).
    #[prop(into)]
    name: Signal<Option<String>>,
    /// Returns the current ASL text and the layout sidecar JSON when a save is made.
    snapshot: Callback<(), (String, String)>,
    /// Called when the person opens a saved design/state machine or restores a version: (name, definition text, layout JSON if any).
    on_open: Callback<(String, String, Option<String>)>,
    /// Called after a save with the design's name and the new version's number.
    #[prop(optional)]
    on_saved: Option<Callback<(String, u32)>>,
) -> impl IntoView {
    // The design whose versions are listed: the designer's, or the one saved or opened last.
    let current = RwSignal::new(name.get_untracked());
    let name_field = RwSignal::new(name.get_untracked().unwrap_or_default());
    let message_field = RwSignal::new(String::new());
    Effect::new(move |_| {
        let designer_name = name.get();
        name_field.set(designer_name.clone().unwrap_or_default());
        current.set(designer_name);
    });
    let refresh = RwSignal::new(0_u32);
    let status = RwSignal::new(PanelStatus::Idle);
    let picked = RwSignal::new(String::new());
    let diff_from = RwSignal::new(None::<u32>);
    let diff_to = RwSignal::new(None::<u32>);

    let saved = Resource::new(move || refresh.get(), |_| list_saved());
    let versions = Resource::new(
        move || (current.get(), refresh.get()),
        |(design, _)| async move {
            match design {
                None => Ok(Vec::new()),
                Some(design) => match list_versions(design).await {
                    Err(SavedError::NotFound(_)) => Ok(Vec::new()),
                    listed => listed,
                },
            }
        },
    );

    let open = Action::new(move |source: &SavedSource| {
        let source = source.clone();
        async move {
            match load_saved(source).await {
                Ok(loaded) => {
                    let text = match loaded.version {
                        Some(version) => format!("Opened “{}”, version {version}", loaded.name),
                        None => format!("Opened the state machine “{}”", loaded.name),
                    };
                    name_field.set(loaded.name.clone());
                    current.set(Some(loaded.name.clone()));
                    diff_from.set(None);
                    diff_to.set(None);
                    on_open.run((loaded.name, loaded.definition, loaded.layout));
                    status.set(PanelStatus::Done(text));
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    let save = Action::new(move |request: &(String, String, String, Option<String>)| {
        let (design, message, definition, layout) = request.clone();
        async move {
            match save_design(design.clone(), message, definition, layout).await {
                Ok(version) => {
                    let design = design.trim().to_string();
                    name_field.set(design.clone());
                    message_field.set(String::new());
                    current.set(Some(design.clone()));
                    diff_from.set(None);
                    diff_to.set(None);
                    refresh.update(|count| *count += 1);
                    status.set(PanelStatus::Done(format!("Saved version {version}")));
                    if let Some(on_saved) = on_saved {
                        on_saved.run((design, version));
                    }
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    let restore = Action::new(move |request: &(String, u32, String)| {
        let (design, version, message) = request.clone();
        async move {
            match restore_version(design, version, message).await {
                Ok(restored) => {
                    let text =
                        format!("Restored version {version} as version {}", restored.version.unwrap_or_default());
                    message_field.set(String::new());
                    refresh.update(|count| *count += 1);
                    on_open.run((restored.name, restored.definition, restored.layout));
                    status.set(PanelStatus::Done(text));
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    let diff = Action::new(move |request: &(String, u32, u32)| {
        let (design, from, to) = request.clone();
        diff_versions(design, from, to)
    });
    // A diff belongs to the design it was made for.
    Effect::new(move |_| {
        current.track();
        diff.value().set(None);
    });

    let on_open_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match source_from_key(&picked.get_untracked()) {
            Some(source) => {
                open.dispatch(source);
            }
            None => status.set(PanelStatus::Done("Choose a design or state machine to open first".to_string())),
        }
    };
    let on_save_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (definition, layout) = snapshot.run(());
        let layout = Some(layout).filter(|layout| !layout.trim().is_empty());
        save.dispatch((name_field.get_untracked(), message_field.get_untracked(), definition, layout));
    };
    let busy = move || open.pending().get() || save.pending().get() || restore.pending().get();
    let failed_field = move || {
        status.with(|status| match status {
            PanelStatus::Failed(error) => error.field().map(str::to_string),
            _ => None,
        })
    };
    let invalid =
        move |field: &'static str| move || if failed_field().as_deref() == Some(field) { "true" } else { "false" };

    view! {
        <section class="saved-panel" aria-labelledby="saved-panel-title">
            <h2 id="saved-panel-title">"Saved designs"</h2>

            <form class="saved-open" data-testid="open-saved" on:submit=on_open_submit>
                <div class="field">
                    <label for="saved-pick">"Open a saved design or state machine"</label>
                    <Transition fallback=|| view! { <p class="muted">"Loading the saved designs…"</p> }>
                        {move || {
                            saved
                                .get()
                                .map(|listed| match listed {
                                    Ok(entries) => {
                                        let designs: Vec<SavedEntry> = entries
                                            .iter()
                                            .filter(|entry| matches!(entry, SavedEntry::Design { .. }))
                                            .cloned()
                                            .collect();
                                        let machines: Vec<SavedEntry> = entries
                                            .iter()
                                            .filter(|entry| matches!(entry, SavedEntry::StateMachine { .. }))
                                            .cloned()
                                            .collect();
                                        view! {
                                            <select
                                                id="saved-pick"
                                                prop:value=move || picked.get()
                                                on:change=move |event| picked.set(event_target_value(&event))
                                            >
                                                <option value="">
                                                    {if entries.is_empty() {
                                                        "Nothing is saved yet"
                                                    } else {
                                                        "Choose…"
                                                    }}
                                                </option>
                                                <Show when={
                                                    let any = !designs.is_empty();
                                                    move || any
                                                }>
                                                    <optgroup label="Designs">
                                                        {designs
                                                            .iter()
                                                            .map(picker_option)
                                                            .collect_view()}
                                                    </optgroup>
                                                </Show>
                                                <Show when={
                                                    let any = !machines.is_empty();
                                                    move || any
                                                }>
                                                    <optgroup label="State machines">
                                                        {machines
                                                            .iter()
                                                            .map(picker_option)
                                                            .collect_view()}
                                                    </optgroup>
                                                </Show>
                                            </select>
                                        }
                                            .into_any()
                                    }
                                    Err(error) => {
                                        view! { <p role="alert" class="saved-error">{error.to_string()}</p> }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                </div>
                <button type="submit" disabled=busy>
                    "Open"
                </button>
            </form>

            <form class="saved-save" on:submit=on_save_submit>
                <div class="field">
                    <label for="saved-name">"Name"</label>
                    <input
                        id="saved-name"
                        name="name"
                        type="text"
                        maxlength=MAX_NAME_CHARS
                        autocomplete="off"
                        aria-invalid=invalid("name")
                        value=name.get_untracked().unwrap_or_default()
                        bind:value=name_field
                    />
                </div>
                <div class="field">
                    <label for="saved-message">"Message"</label>
                    <input
                        id="saved-message"
                        name="message"
                        type="text"
                        maxlength=MAX_MESSAGE_CHARS
                        autocomplete="off"
                        placeholder="What does this version change?"
                        aria-invalid=invalid("message")
                        bind:value=message_field
                    />
                </div>
                <button type="submit" data-testid="save-design" disabled=busy>
                    "Save"
                </button>
            </form>

            <div class="saved-status" role="status" aria-live="polite">
                {move || match status.get() {
                    PanelStatus::Idle => ().into_any(),
                    PanelStatus::Done(text) => view! { <p class="saved-ok">{text}</p> }.into_any(),
                    PanelStatus::Failed(error) => {
                        view! { <p class="saved-error">{error.to_string()}</p> }.into_any()
                    }
                }}
            </div>

            <section class="saved-versions" aria-labelledby="saved-versions-title">
                <h3 id="saved-versions-title">
                    {move || match current.get() {
                        Some(design) => format!("Versions of “{design}”"),
                        None => "Versions".to_string(),
                    }}
                </h3>
                <Transition fallback=|| view! { <p class="muted">"Loading the versions…"</p> }>
                    {move || {
                        versions
                            .get()
                            .map(|listed| match listed {
                                Err(error) => {
                                    view! { <p role="alert" class="saved-error">{error.to_string()}</p> }
                                        .into_any()
                                }
                                Ok(listed) if listed.is_empty() => {
                                    view! {
                                        <p class="muted" data-testid="versions">
                                            "No saved versions yet: save this design to start its history."
                                        </p>
                                    }
                                        .into_any()
                                }
                                Ok(listed) => {
                                    let default_to = listed[0].version;
                                    let default_from = listed.get(1).map_or(default_to, |entry| entry.version);
                                    let numbers: Vec<u32> = listed.iter().map(|entry| entry.version).collect();
                                    let rows = listed
                                        .into_iter()
                                        .map(|entry| {
                                            let number = entry.version;
                                            let restored = entry
                                                .restored_from
                                                .map(|from| format!(" · restores version {from}"));
                                            view! {
                                                <li data-version=number>
                                                    <span class="version-number">{format!("v{number}")}</span>
                                                    <span class="version-message">{entry.message}</span>
                                                    <span class="muted version-facts">
                                                        <time datetime=entry.created_at.clone()>
                                                            {entry.created_at.clone()}
                                                        </time>
                                                        {format!(" · {} bytes", entry.size)}
                                                        {restored}
                                                    </span>
                                                    <button
                                                        type="button"
                                                        aria-label=format!("Restore version {number}")
                                                        disabled=busy
                                                        on:click=move |_| {
                                                            if let Some(design) = current.get_untracked() {
                                                                restore
                                                                    .dispatch((
                                                                        design,
                                                                        number,
                                                                        message_field.get_untracked(),
                                                                    ));
                                                            }
                                                        }
                                                    >
                                                        "Restore"
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view();
                                    let options = move |selected: RwSignal<Option<u32>>, default: u32| {
                                        numbers
                                            .iter()
                                            .map(|&number| {
                                                view! {
                                                    <option
                                                        value=number.to_string()
                                                        selected=move || {
                                                            selected.get().unwrap_or(default) == number
                                                        }
                                                    >
                                                        {format!("Version {number}")}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    };
                                    let from_options = options(diff_from, default_from);
                                    let to_options = options(diff_to, default_to);
                                    let on_diff_submit = move |event: leptos::ev::SubmitEvent| {
                                        event.prevent_default();
                                        if let Some(design) = current.get_untracked() {
                                            diff.dispatch((
                                                design,
                                                diff_from.get_untracked().unwrap_or(default_from),
                                                diff_to.get_untracked().unwrap_or(default_to),
                                            ));
                                        }
                                    };
                                    view! {
                                        <ol class="versions" data-testid="versions">
                                            {rows}
                                        </ol>
                                        <form class="diff-pick" on:submit=on_diff_submit>
                                            <div class="field">
                                                <label for="diff-from">"Compare version"</label>
                                                <select
                                                    id="diff-from"
                                                    on:change=move |event| {
                                                        diff_from.set(event_target_value(&event).parse().ok())
                                                    }
                                                >
                                                    {from_options}
                                                </select>
                                            </div>
                                            <div class="field">
                                                <label for="diff-to">"with version"</label>
                                                <select
                                                    id="diff-to"
                                                    on:change=move |event| {
                                                        diff_to.set(event_target_value(&event).parse().ok())
                                                    }
                                                >
                                                    {to_options}
                                                </select>
                                            </div>
                                            <button type="submit" disabled=move || diff.pending().get()>
                                                "Show the diff"
                                            </button>
                                        </form>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
                {move || {
                    diff.value()
                        .get()
                        .map(|result| match result {
                            Ok(diff) => view! { <DiffView diff /> }.into_any(),
                            Err(error) => {
                                view! { <p role="alert" class="saved-error">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </section>
        </section>
    }
}

/// One `<option>` of the picker.
fn picker_option(entry: &SavedEntry) -> impl IntoView + use<> {
    let label = match entry {
        SavedEntry::Design { name, latest_version, updated_at, .. } => {
            format!("{name} (version {latest_version}, {updated_at})")
        }
        SavedEntry::StateMachine { name, machine_type, updated_at, .. } => {
            format!("{name} ({machine_type}, {updated_at})")
        }
    };
    view! { <option value=picker_key(entry)>{label}</option> }
}

/// A diff as a table: one row per line with both line numbers, hunks separated by headers.
#[component]
fn DiffView(diff: VersionDiff) -> impl IntoView {
    let summary = format!(
        "Version {} → version {}: {} line{} added, {} removed",
        diff.from,
        diff.to,
        diff.added,
        if diff.added == 1 { "" } else { "s" },
        diff.removed
    );
    let identical = diff.hunks.is_empty();
    let hunks = diff
        .hunks
        .into_iter()
        .map(|hunk| {
            let header = hunk.header();
            let lines = hunk
                .lines
                .into_iter()
                .map(|line| {
                    let marker = match line.kind {
                        LineKind::Same => " ",
                        LineKind::Added => "+",
                        LineKind::Removed => "-",
                    };
                    view! {
                        <tr class=format!("diff-{}", line.kind.as_str())>
                            <td class="line-number">{line.old_number}</td>
                            <td class="line-number">{line.new_number}</td>
                            <td class="diff-marker">{marker}</td>
                            <td class="diff-text">
                                <code>{line.text}</code>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <tbody>
                    <tr class="diff-hunk">
                        <th colspan="4" scope="rowgroup">
                            {header}
                        </th>
                    </tr>
                    {lines}
                </tbody>
            }
        })
        .collect_view();
    view! {
        <div class="version-diff" data-testid="version-diff">
            <p>{summary}</p>
            {if identical {
                view! { <p class="muted">"The two definitions are identical."</p> }.into_any()
            } else {
                view! {
                    <div class="diff-scroll">
                        <table class="diff">
                            <thead>
                                <tr>
                                    <th scope="col">"Old"</th>
                                    <th scope="col">"New"</th>
                                    <th scope="col">
                                        <span class="diff-legend">"±"</span>
                                    </th>
                                    <th scope="col">"Line"</th>
                                </tr>
                            </thead>
                            {hunks}
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </div>
    }
}

//! Designs saved on the server: each save is a new version with a message.
//!
//! The types here travel between the browser and the server. The server functions list what
//! can be opened (saved designs and the state machines created through the Step Functions
//! API), load one, save a new version, list a design's versions, diff two of them as text and
//! restore one (as a new version: history is never rewritten). Their bodies, the SQL and the
//! diff (the `similar` crate) are compiled only with `ssr`. [`SavedPanel`] is the designer's
//! panel for all of it.

use leptos::prelude::*;
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

/// What the saved-designs panel asks the designer to open.
#[derive(Clone, Debug)]
pub struct OpenRequest {
    /// The design's name.
    pub name: String,
    /// The definition's text.
    pub definition: String,
    /// The layout sidecar's JSON, if the version has one.
    pub layout: Option<String>,
    /// Run once the design is open (a restore's new version); never when the person keeps the
    /// work the design would have replaced.
    pub then: Option<leptos::prelude::Callback<()>>,
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
    /// The account that saved it, when the server asks for a sign-in.
    #[serde(default)]
    pub saved_by: Option<String>,
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
    /// The request had no session (it ended, or was signed out elsewhere): the server asks
    /// for a sign-in. The page keeps its work.
    #[error("{}", crate::SIGNED_OUT)]
    SignedOut,
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

crate::server_fn_error!(SavedError);

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

/// `result` as a server function's answer, with the HTTP status its error deserves: 400 for a
/// field that cannot be used, 404 for what does not exist (else Leptos answers 500, and the
/// server logs a fault that is the request's).
#[cfg(feature = "ssr")]
fn answered<T>(result: Result<T, SavedError>) -> Result<T, SavedError> {
    use crate::leptos_axum_response::StatusCode;
    let status = match &result {
        Err(SavedError::Invalid { .. }) => Some(StatusCode::BAD_REQUEST),
        Err(SavedError::NotFound(_) | SavedError::NoVersion { .. } | SavedError::NoStateMachine(_)) => {
            Some(StatusCode::NOT_FOUND)
        }
        _ => None,
    };
    if let Some(status) = status
        && let Some(response) = use_context::<crate::leptos_axum_response::ResponseOptions>()
    {
        response.set_status(status);
    }
    result
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
    answered(match source {
        SavedSource::Design { name, version } => storage::load_version(&context.pool, &name, version).await,
        SavedSource::StateMachine { arn } => storage::load_state_machine(&context.pool, &arn).await,
    })
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
    let (name, message, layout) = answered(check_save(&name, &message, &definition, layout))?;
    let context = expect_context::<crate::ssr::ServerContext>();
    let account = crate::ssr::current_account();
    storage::save(&context.pool, &name, &message, &definition, layout.as_deref(), account.as_deref()).await
}

/// A save's fields, checked in the order the form shows them.
#[cfg(feature = "ssr")]
fn check_save(
    name: &str,
    message: &str,
    definition: &str,
    layout: Option<String>,
) -> Result<(DesignName, VersionMessage, Option<String>), SavedError> {
    let name = DesignName::parse(name)?;
    let message = VersionMessage::parse(message)?;
    check_definition(definition)?;
    Ok((name, message, check_layout(layout)?))
}

/// The design's versions, newest first; none for a design never saved.
#[server(prefix = "/api", endpoint = "designs/versions", input = leptos::server_fn::codec::Json)]
pub async fn list_versions(name: String) -> Result<Vec<VersionEntry>, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    storage::list_versions(&context.pool, &name).await
}

/// The line diff from version `from`'s definition to version `to`'s.
#[server(prefix = "/api", endpoint = "designs/diff", input = leptos::server_fn::codec::Json)]
pub async fn diff_versions(name: String, from: u32, to: u32) -> Result<VersionDiff, SavedError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    let old = answered(storage::load_version(&context.pool, &name, Some(from)).await)?;
    let new = answered(storage::load_version(&context.pool, &name, Some(to)).await)?;
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
    let message = answered(VersionMessage::parse(&message))?;
    let context = expect_context::<crate::ssr::ServerContext>();
    let account = crate::ssr::current_account();
    answered(storage::restore(&context.pool, &name, version, &message, account.as_deref()).await)
}

#[cfg(feature = "ssr")]
mod diff;
mod panel;
#[cfg(feature = "ssr")]
mod storage;

pub use panel::SavedPanel;

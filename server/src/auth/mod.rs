//! Sign-in for the web app: the accounts (`users`, passwords as Argon2id hashes), checking a
//! name and password, and the throttle on failed attempts.
//!
//! Sign-in is required once an account exists, and always when the server listens on a
//! non-loopback address (`serve` refuses such an address until an account exists). With no
//! account, a server on loopback stays open, as a workstation tool: the default run needs no
//! configuration. Accounts are made with `statehouse user add` ([`cli`]); the pages and the
//! middleware that asks for a session are in [`web`].
//!
//! A session remembers its user and when that user's password last changed: changing the
//! password, or removing the account, ends every session made before.

pub mod cli;
pub mod web;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use crate::engine::now_millis;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The longest password accepted, in bytes: hashing is bounded whatever a form sends.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The longest account name.
pub const MAX_NAME_CHARS: usize = 64;

/// Failed sign-ins in a row after which an account's sign-in pauses.
pub const FAILURES_BEFORE_PAUSE: u32 = 5;

/// How long sign-in to an account pauses after [`FAILURES_BEFORE_PAUSE`] failures.
pub const PAUSE: Duration = Duration::from_secs(5 * 60);

/// Why an account name or password was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    /// The name is empty, too long or has characters outside the allowed set.
    #[error(
        "name: {0:?} is not an account name: use 1 to {MAX_NAME_CHARS} letters, digits, '.', '-', '_' or '@' \
         (an email address works)"
    )]
    BadName(String),
    /// The password is too short.
    #[error("password: it has {0} characters; use at least {MIN_PASSWORD_CHARS}")]
    ShortPassword(usize),
    /// The password is too long.
    #[error("password: it is longer than {MAX_PASSWORD_BYTES} bytes")]
    LongPassword,
    /// The name is taken.
    #[error("name: an account named {0:?} exists already")]
    Exists(String),
    /// There is no such account.
    #[error("name: there is no account named {0:?}")]
    Unknown(String),
}

/// Everything that can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A refused name or password.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing failed (it does not for valid parameters; kept apart from a wrong password).
    #[error("hashing the password: {0}")]
    Hash(String),
    /// The session store failed.
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    /// A page failed to render.
    #[error("page: {0}")]
    Page(#[from] askama::Error),
}

/// An account name, lower-cased: names are compared without regard to case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserName(String);

impl UserName {
    /// Checks and lower-cases `text`.
    pub fn parse(text: &str) -> Result<Self, AccountError> {
        let name = text.trim();
        let valid = !name.is_empty()
            && name.chars().count() <= MAX_NAME_CHARS
            && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if valid { Ok(Self(name.to_lowercase())) } else { Err(AccountError::BadName(text.to_string())) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<(), AccountError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::LongPassword);
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword(chars));
    }
    Ok(())
}

/// Who a session belongs to: the account, and when its password was set. A session whose
/// `since` no longer matches the account's row (the password changed) or whose account is
/// gone is signed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The account.
    pub name: UserName,
    /// The account's `password_changed_millis` when the session signed in.
    pub since: i64,
}

/// One account, as `statehouse user list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Its name.
    pub name: UserName,
    /// When it was made (milliseconds since the epoch).
    pub created_millis: i64,
    /// When its password was last set.
    pub password_changed_millis: i64,
}

/// Hashes `password` with Argon2id (OWASP's parameters: 19 MiB, 2 passes) and a random salt.
/// Slow on purpose (~20 ms); async callers run it on a blocking thread.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|error| AuthError::Hash(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AuthError::Hash(error.to_string()))
}

/// Whether `password` matches the PHC string `hash`. A malformed hash matches nothing.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash that no password is checked against for real: verifying an unknown account's
/// password against it takes as long as a known one's, so timing does not tell which names
/// exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("statehouse decoy password").unwrap_or_default())
}

async fn hash_blocking(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AuthError::Hash(error.to_string()))?
}

/// Makes an account. Refuses a taken name and a short password.
pub async fn add_user(pool: &SqlitePool, name: &UserName, password: &str) -> Result<(), AuthError> {
    check_new_password(password)?;
    let hash = hash_blocking(password.to_string()).await?;
    let now = now_millis();
    let inserted = sqlx::query(
        "INSERT INTO users (name, password_hash, created_millis, password_changed_millis) VALUES (?, ?, ?, ?) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(hash)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AccountError::Exists(name.to_string()).into());
    }
    Ok(())
}

/// Sets an account's password; every session signed in before ends. Answers the password's
/// new date, which a session signed in with it carries.
pub async fn set_password(pool: &SqlitePool, name: &UserName, password: &str) -> Result<i64, AuthError> {
    check_new_password(password)?;
    let hash = hash_blocking(password.to_string()).await?;
    // Strictly later than the previous change, so sessions made in the same millisecond end too.
    let since: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = ?, password_changed_millis = max(?, password_changed_millis + 1) \
         WHERE name = ? RETURNING password_changed_millis",
    )
    .bind(hash)
    .bind(now_millis())
    .bind(name.as_str())
    .fetch_optional(pool)
    .await?;
    since.ok_or_else(|| AccountError::Unknown(name.to_string()).into())
}

/// Removes an account; its sessions end at their next request.
pub async fn remove_user(pool: &SqlitePool, name: &UserName) -> Result<(), AuthError> {
    let deleted = sqlx::query("DELETE FROM users WHERE name = ?").bind(name.as_str()).execute(pool).await?;
    if deleted.rows_affected() == 0 {
        return Err(AccountError::Unknown(name.to_string()).into());
    }
    Ok(())
}

/// Every account, by name.
pub async fn list_users(pool: &SqlitePool) -> Result<Vec<Account>, AuthError> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT name, created_millis, password_changed_millis FROM users ORDER BY name")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(name, created_millis, password_changed_millis)| Account {
            name: UserName(name),
            created_millis,
            password_changed_millis,
        })
        .collect())
}

/// Whether any account exists (and so whether sign-in is required).
pub async fn any_users(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(pool).await
}

/// Whether `session` still stands: its account exists and its password is the one it signed
/// in with.
pub async fn session_valid(pool: &SqlitePool, session: &SignedIn) -> Result<bool, sqlx::Error> {
    let changed: Option<i64> = sqlx::query_scalar("SELECT password_changed_millis FROM users WHERE name = ?")
        .bind(session.name.as_str())
        .fetch_optional(pool)
        .await?;
    Ok(changed == Some(session.since))
}

/// Checks a name and password. `Ok(None)` for a wrong pair, whichever half is wrong; an
/// unknown name costs the same hashing as a known one.
pub async fn verify(pool: &SqlitePool, name: &UserName, password: &str) -> Result<Option<SignedIn>, AuthError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT password_hash, password_changed_millis FROM users WHERE name = ?")
            .bind(name.as_str())
            .fetch_optional(pool)
            .await?;
    let (hash, since, known) = match row {
        Some((hash, since)) => (hash, since, true),
        None => (decoy_hash().to_string(), 0, false),
    };
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || password_matches(&password, &hash))
        .await
        .map_err(|error| AuthError::Hash(error.to_string()))?;
    Ok((known && matches).then(|| SignedIn { name: name.clone(), since }))
}

/// Failed sign-ins per account, in memory: after [`FAILURES_BEFORE_PAUSE`] in a row, the
/// account's sign-in pauses for [`PAUSE`] (no password is checked meanwhile, so guessing
/// gets at most five tries per pause). A success clears the count. Per account rather than
/// per address: behind a proxy every request has the proxy's address.
#[derive(Clone, Debug, Default)]
pub struct Throttle {
    failures: Arc<Mutex<HashMap<UserName, Failures>>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Throttle {
    /// How long sign-in to `name` stays paused, if it is.
    pub fn paused_for(&self, name: &UserName, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = failures.get(name)?;
        let resumes = entry.last + PAUSE;
        (entry.count >= FAILURES_BEFORE_PAUSE && resumes > now).then(|| resumes - now)
    }

    /// Counts a failed attempt.
    pub fn failed(&self, name: &UserName, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget what is older than a pause, so the map does not keep every name ever tried.
        failures.retain(|_, entry| now.duration_since(entry.last) < PAUSE);
        let entry = failures.entry(name.clone()).or_insert(Failures { count: 0, last: now });
        if entry.count >= FAILURES_BEFORE_PAUSE {
            // A pause that has run out starts a fresh count.
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }

    /// Clears the count after a success.
    pub fn succeeded(&self, name: &UserName) {
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_lower_cased() {
        assert_eq!(UserName::parse(" Alice@Example.com ").map(|name| name.0), Ok("alice@example.com".into()));
        assert_eq!(UserName::parse("ops_team-2").map(|name| name.0), Ok("ops_team-2".into()));
        for bad in ["", "  ", "a b", "<script>", "a/b", &"x".repeat(65)] {
            let error = UserName::parse(bad).expect_err(bad).to_string();
            assert!(error.starts_with("name: "), "{error}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_fit_a_bound() {
        assert_eq!(check_new_password("short"), Err(AccountError::ShortPassword(5)));
        // Characters, not bytes: twelve accented letters are enough.
        assert_eq!(check_new_password(&"é".repeat(12)), Ok(()));
        assert_eq!(check_new_password(&"a".repeat(1025)), Err(AccountError::LongPassword));
        assert!(AccountError::ShortPassword(5).to_string().contains("at least 12"));
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse battery ", &hash));
        assert!(!password_matches("correct horse battery", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").expect("hash"), "salted");
    }

    #[test]
    fn the_throttle_pauses_after_five_failures_and_resumes() {
        let throttle = Throttle::default();
        let name = UserName::parse("alice").expect("name");
        let other = UserName::parse("bob").expect("name");
        let start = Instant::now();
        for attempt in 0..FAILURES_BEFORE_PAUSE {
            assert_eq!(throttle.paused_for(&name, start), None, "attempt {attempt}");
            throttle.failed(&name, start);
        }
        assert_eq!(throttle.paused_for(&name, start), Some(PAUSE));
        assert_eq!(throttle.paused_for(&other, start), None, "another account is not paused");
        let later = start + PAUSE;
        assert_eq!(throttle.paused_for(&name, later), None, "the pause ends");
        throttle.failed(&name, later);
        assert_eq!(throttle.paused_for(&name, later), None, "a fresh count after the pause");
        throttle.succeeded(&name);
        for _ in 0..FAILURES_BEFORE_PAUSE - 1 {
            throttle.failed(&name, later);
        }
        assert_eq!(throttle.paused_for(&name, later), None, "a success cleared the count");
    }
}

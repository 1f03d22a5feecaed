//! The sign-in pages (`/login`, `/logout`, `/account`) and the middleware that asks for a
//! session before any page, server function, export or event stream.
//!
//! Left open, because they carry their own credential or none is needed: the Step Functions
//! API (`POST /`, SigV4 when access keys are set), the approver's pages (`/approve/…`, the
//! link's key), the approvals intake (`/approvals/intake/…`, its secret header), `/healthz`,
//! the sign-in page, and the browser bundle and static files (`/pkg/…`, `/favicon.svg`).
//!
//! Without a session, a page request (a GET that accepts HTML) is redirected to
//! `/login?next=…`; anything else gets 401. Every form here is a POST with an HMAC field on
//! top of the router's same-origin check: the sign-in form's is tied to a nonce cookie
//! (double submit, so a page elsewhere cannot sign a browser in to its own account), the
//! account forms' to the session's user and password date.

use std::{sync::Arc, time::Instant};

use askama::Template;
use axum::{
    Router,
    body::Bytes,
    extract::{Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use serde::Deserialize;
use sha2::Sha256;
use sqlx::SqlitePool;
use tower_sessions::{
    Expiry, Session, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
};

use super::{
    AuthError, MIN_PASSWORD_CHARS, SignedIn, Throttle, UserName, any_users, session_valid, set_password, verify,
};
use crate::{approvals::session_store::SqliteSessionStore, engine::now_millis, web::private_html};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "statehouse_session";

/// The sign-in form's nonce cookie (double submit).
const NONCE_COOKIE: &str = "statehouse_sign_in";

/// How long a session lasts without a request.
pub const SESSION_DAYS: i64 = 7;

/// The session key of the signed-in user.
const USER_KEY: &str = "user";

/// The session key of when a request last renewed the session's expiry.
const TOUCHED_KEY: &str = "touched";

/// How often a request renews its session's expiry (each renewal is a write).
const TOUCH_EVERY_MILLIS: i64 = 60 * 60 * 1000;

/// Settings of sign-in.
#[derive(Clone, Copy, Debug)]
pub struct AuthSettings {
    /// Ask for a sign-in even with no account (the server listens beyond loopback).
    pub always_required: bool,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

/// Sign-in's state: the database, the forms' key, the throttle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Auth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: SqlitePool,
    key: Vec<u8>,
    settings: AuthSettings,
    throttle: Throttle,
}

impl Auth {
    /// Sign-in over `pool`, with its forms keyed by the database's secret.
    pub async fn new(pool: SqlitePool, settings: AuthSettings) -> Result<Self, sqlx::Error> {
        let key = crate::approvals::store::secret(&pool).await?.into_bytes();
        Ok(Self { inner: Arc::new(Inner { pool, key, settings, throttle: Throttle::default() }) })
    }

    /// Whether pages ask for a sign-in now: always beyond loopback, else once an account exists.
    pub async fn required(&self) -> Result<bool, sqlx::Error> {
        Ok(self.inner.settings.always_required || any_users(&self.inner.pool).await?)
    }

    /// The session layer: one cookie for the whole site, `HttpOnly`, `SameSite=Lax`, and
    /// `Secure` behind https; sessions end after [`SESSION_DAYS`] without a request.
    pub fn session_layer(&self) -> SessionManagerLayer<SqliteSessionStore> {
        SessionManagerLayer::new(SqliteSessionStore::new(self.inner.pool.clone()))
            .with_name(SESSION_COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.inner.settings.secure_cookies)
            .with_expiry(Expiry::OnInactivity(Duration::days(SESSION_DAYS)))
    }

    fn form_token(&self, purpose: &str, subject: &str) -> String {
        hex::encode(self.form_mac(purpose, subject).finalize().into_bytes())
    }

    fn form_token_valid(&self, purpose: &str, subject: &str, token: &str) -> bool {
        hex::decode(token).is_ok_and(|bytes| self.form_mac(purpose, subject).verify_slice(&bytes).is_ok())
    }

    fn form_mac(&self, purpose: &str, subject: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.inner.key).expect("HMAC takes any key length");
        for part in ["statehouse sign-in", purpose, subject] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    fn account_token(&self, user: &SignedIn) -> String {
        self.form_token("account", &format!("{}\n{}", user.name, user.since))
    }

    fn account_token_valid(&self, user: &SignedIn, token: &str) -> bool {
        self.form_token_valid("account", &format!("{}\n{}", user.name, user.since), token)
    }

    /// The session's user, if it still stands.
    async fn signed_in(&self, session: &Session) -> Result<Option<SignedIn>, AuthError> {
        let user = session.get::<SignedIn>(USER_KEY).await?;
        match user {
            Some(user) if session_valid(&self.inner.pool, &user).await? => Ok(Some(user)),
            _ => Ok(None),
        }
    }
}

/// The pages' routes.
pub fn routes<S: Clone + Send + Sync + 'static>(auth: Auth) -> Router<S> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(auth)
}

/// Whether `path` is served without a session (see the module's comment).
fn is_public(method: &Method, path: &str) -> bool {
    if path.contains("..") {
        return false;
    }
    (path == "/" && method == Method::POST)
        || path == "/login"
        || path == "/healthz"
        || path == "/favicon.svg"
        || path.starts_with("/pkg/")
        || path.starts_with("/approve/")
        || path.starts_with("/approvals/intake/")
}

/// The middleware: lets a request through when it is public, when sign-in is off, or when its
/// session stands (the [`SignedIn`] user is then in its extensions); else redirects a page
/// request to the sign-in page and refuses the rest with 401.
pub async fn require_sign_in(State(auth): State<Auth>, session: Session, mut request: Request, next: Next) -> Response {
    if is_public(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    match auth.required().await {
        Ok(false) => return next.run(request).await,
        Ok(true) => {}
        Err(error) => return internal(&error.into()),
    }
    match auth.signed_in(&session).await {
        Ok(Some(user)) => {
            if let Err(error) = keep_alive(&session).await {
                return internal(&error);
            }
            request.extensions_mut().insert(app::ssr::Account(user.name.to_string()));
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Ok(None) => {
            let page_request =
                matches!(*request.method(), Method::GET | Method::HEAD) && accepts_html(request.headers());
            if page_request {
                let next = request.uri().path_and_query().map(|target| target.as_str()).unwrap_or("/");
                let query: String = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
                Redirect::to(&format!("/login?{query}")).into_response()
            } else if request.uri().path().starts_with("/api/") {
                // A server function: its caller decodes this as its error's `SignedOut`.
                let mut response = (StatusCode::UNAUTHORIZED, app::SIGNED_OUT_BODY).into_response();
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            } else {
                let mut response =
                    (StatusCode::UNAUTHORIZED, "Sign in first: this server asks for a sign-in at /login.")
                        .into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
        }
        Err(error) => internal(&error),
    }
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn internal(error: &AuthError) -> Response {
    tracing::error!(%error, "sign-in failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on the server; it is in the server's log.")
        .into_response()
}

/// Where to go after signing in: a path on this site, never another host.
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    if local && !next.contains(['\r', '\n']) && next != "/login" { next } else { "/" }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    csrf: String,
    next: &'a str,
    name: &'a str,
    error: Option<String>,
    notice: Option<&'a str>,
    no_accounts: bool,
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage<'a> {
    user: Option<&'a str>,
    csrf: String,
    notice: Option<&'a str>,
    error: Option<String>,
    min_chars: usize,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The sign-in page, with a fresh nonce cookie unless the browser has one; a browser that is
/// signed in already goes straight on to `next`.
async fn login_page(
    State(auth): State<Auth>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    if let Ok(Some(_)) = auth.signed_in(&session).await {
        return Redirect::to(safe_next(&query.next)).into_response();
    }
    let notice = query.signed_out.is_some().then_some("You are signed out.");
    render_login(&auth, &headers, safe_next(&query.next), "", None, notice, StatusCode::OK).await
}

async fn render_login(
    auth: &Auth,
    headers: &HeaderMap,
    next: &str,
    name: &str,
    error: Option<String>,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let (nonce, fresh) = match cookie(headers, NONCE_COOKIE).filter(|nonce| nonce.len() == 32) {
        Some(nonce) => (nonce.to_string(), false),
        None => {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            (hex::encode(bytes), true)
        }
    };
    let no_accounts = matches!(any_users(&auth.inner.pool).await, Ok(false));
    let page = LoginPage { csrf: auth.form_token("sign-in", &nonce), next, name, error, notice, no_accounts };
    let mut response = match page.render() {
        Ok(html) => private_html(status, html),
        Err(error) => return internal(&error.into()),
    };
    if fresh {
        let secure = if auth.inner.settings.secure_cookies { "; Secure" } else { "" };
        let cookie = format!("{NONCE_COOKIE}={nonce}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=86400{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn form_fields(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body).map(|(name, value)| (name.into_owned(), value.into_owned())).collect()
}

/// `POST /login`: checks the form's token, the throttle and the password; on success starts a
/// fresh session (a new id, so a session id planted before sign-in is worthless) and goes on.
async fn login(State(auth): State<Auth>, session: Session, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let next = safe_next(field("next"));
    let nonce = cookie(&headers, NONCE_COOKIE).unwrap_or_default();
    if nonce.is_empty() || !auth.form_token_valid("sign-in", nonce, field("csrf")) {
        let error = "The sign-in form was out of date or came from another page. Sign in again.".to_string();
        return render_login(&auth, &headers, next, field("name"), Some(error), None, StatusCode::FORBIDDEN).await;
    }
    let wrong = || "The name or the password is wrong.".to_string();
    let Ok(name) = UserName::parse(field("name")) else {
        return render_login(&auth, &headers, next, field("name"), Some(wrong()), None, StatusCode::UNAUTHORIZED).await;
    };
    if let Some(wait) = auth.inner.throttle.paused_for(&name, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60);
        let error = format!(
            "Too many failed sign-ins to this account: it is paused for {minutes} more minute(s). Try again then."
        );
        return render_login(&auth, &headers, next, field("name"), Some(error), None, StatusCode::TOO_MANY_REQUESTS)
            .await;
    }
    let user = match verify(&auth.inner.pool, &name, field("password")).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            auth.inner.throttle.failed(&name, Instant::now());
            tracing::warn!(account = %name, "a failed sign-in");
            return render_login(&auth, &headers, next, field("name"), Some(wrong()), None, StatusCode::UNAUTHORIZED)
                .await;
        }
        Err(error) => return internal(&error),
    };
    auth.inner.throttle.succeeded(&name);
    if let Err(error) = start_session(&session, &user).await {
        return internal(&error);
    }
    tracing::info!(account = %name, "signed in");
    Redirect::to(next).into_response()
}

async fn start_session(session: &Session, user: &SignedIn) -> Result<(), AuthError> {
    session.cycle_id().await?;
    session.insert(TOUCHED_KEY, now_millis()).await?;
    Ok(session.insert(USER_KEY, user).await?)
}

/// Renews the session's expiry at most once an hour, so a session ends [`SESSION_DAYS`] after
/// its last use rather than after its sign-in, without a write on every request.
async fn keep_alive(session: &Session) -> Result<(), AuthError> {
    let now = now_millis();
    let touched = session.get::<i64>(TOUCHED_KEY).await?.unwrap_or(0);
    if now - touched > TOUCH_EVERY_MILLIS {
        session.insert(TOUCHED_KEY, now).await?;
    }
    Ok(())
}

/// `POST /logout`: ends the session.
async fn logout(State(auth): State<Auth>, session: Session, body: Bytes) -> Response {
    let fields = form_fields(&body);
    match auth.signed_in(&session).await {
        Ok(Some(user)) if auth.account_token_valid(&user, fields.get("csrf").map(String::as_str).unwrap_or("")) => {
            if let Err(error) = session.flush().await {
                return internal(&error.into());
            }
            tracing::info!(account = %user.name, "signed out");
            Redirect::to("/login?signed_out=1").into_response()
        }
        Ok(Some(_)) => {
            (StatusCode::FORBIDDEN, "The form was out of date; reload the page and try again.").into_response()
        }
        Ok(None) => Redirect::to("/login").into_response(),
        Err(error) => internal(&error),
    }
}

#[derive(Deserialize)]
struct AccountQuery {
    #[serde(default)]
    changed: Option<String>,
}

async fn account_page(State(auth): State<Auth>, session: Session, Query(query): Query<AccountQuery>) -> Response {
    let notice = query.changed.is_some().then_some("Your password is changed. Your other sessions are signed out.");
    match auth.signed_in(&session).await {
        Ok(user) => render_account(&auth, user.as_ref(), notice, None, StatusCode::OK),
        Err(error) => internal(&error),
    }
}

fn render_account(
    auth: &Auth,
    user: Option<&SignedIn>,
    notice: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let page = AccountPage {
        user: user.map(|user| user.name.as_str()),
        csrf: user.map(|user| auth.account_token(user)).unwrap_or_default(),
        notice,
        error,
        min_chars: MIN_PASSWORD_CHARS,
    };
    match page.render() {
        Ok(html) => private_html(status, html),
        Err(error) => internal(&error.into()),
    }
}

/// `POST /account/password`: the current password (throttled like a sign-in), the new one
/// twice. This session stays signed in with the new password's date; every other one ends.
async fn change_password(State(auth): State<Auth>, session: Session, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let user = match auth.signed_in(&session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login?next=%2Faccount").into_response(),
        Err(error) => return internal(&error),
    };
    let refuse = |error: String, status| render_account(&auth, Some(&user), None, Some(error), status);
    if !auth.account_token_valid(&user, field("csrf")) {
        return refuse("The form was out of date; reload the page and try again.".into(), StatusCode::FORBIDDEN);
    }
    if auth.inner.throttle.paused_for(&user.name, Instant::now()).is_some() {
        return refuse(
            "Too many wrong passwords for this account; try again in a few minutes.".into(),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    match verify(&auth.inner.pool, &user.name, field("current")).await {
        Ok(Some(_)) => auth.inner.throttle.succeeded(&user.name),
        Ok(None) => {
            auth.inner.throttle.failed(&user.name, Instant::now());
            return refuse("Current password: it is wrong.".into(), StatusCode::UNAUTHORIZED);
        }
        Err(error) => return internal(&error),
    }
    if field("new") != field("again") {
        return refuse("New password: the two entries differ.".into(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let since = match set_password(&auth.inner.pool, &user.name, field("new")).await {
        Ok(since) => since,
        Err(AuthError::Account(error)) => {
            return refuse(format!("New {error}"), StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(error) => return internal(&error),
    };
    // This session goes on under the new password's date.
    if let Err(error) = start_session(&session, &SignedIn { name: user.name.clone(), since }).await {
        return internal(&error);
    }
    tracing::info!(account = %user.name, "changed the password");
    Redirect::to("/account?changed=1").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_credentialed_and_static_paths_are_public() {
        let post = Method::POST;
        let get = Method::GET;
        assert!(is_public(&post, "/"), "the Step Functions API");
        assert!(!is_public(&get, "/"), "the start page");
        for path in
            ["/login", "/healthz", "/favicon.svg", "/pkg/statehouse.js", "/approve/abc", "/approvals/intake/ops"]
        {
            assert!(is_public(&get, path), "{path}");
        }
        for path in [
            "/executions",
            "/designer",
            "/approvals",
            "/approvals/dev-mailbox",
            "/api/list_designs",
            "/executions-export",
            "/executions-events",
            "/account",
            "/pkg/../executions",
            "/approve/../approvals/dev-mailbox",
        ] {
            assert!(!is_public(&get, path), "{path}");
        }
    }

    #[test]
    fn a_server_function_called_without_a_session_decodes_as_signed_out() {
        use app::{
            approvals::InboxError,
            designer::{saved::SavedError, test_run::TestRunError},
            executions::{ExecutionsError, actions::ExecutionActionError},
        };
        let body = app::SIGNED_OUT_BODY;
        assert_eq!(serde_json::from_str::<InboxError>(body).ok(), Some(InboxError::SignedOut));
        assert_eq!(serde_json::from_str::<ExecutionsError>(body).ok(), Some(ExecutionsError::SignedOut));
        assert_eq!(serde_json::from_str::<ExecutionActionError>(body).ok(), Some(ExecutionActionError::SignedOut));
        assert_eq!(serde_json::from_str::<SavedError>(body).ok(), Some(SavedError::SignedOut));
        assert_eq!(serde_json::from_str::<TestRunError>(body).ok(), Some(TestRunError::SignedOut));
        assert!(SavedError::SignedOut.to_string().starts_with("You are signed out"));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/executions?status=FAILED"), "/executions?status=FAILED");
        for bad in
            ["https://evil.example/", "//evil.example/", "/\\evil.example", "", "executions", "/login", "/a\r\nb"]
        {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}

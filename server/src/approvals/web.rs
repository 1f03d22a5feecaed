//! The approver's pages (`GET`/`POST /approve/<id>`) and the dev mailbox, server-rendered
//! with askama so they work without WASM. GET decides nothing (mail scanners open links);
//! POST decides, with an HMAC CSRF field on top of the router's same-origin check, and
//! answers a recorded decision with `303 See Other` back to the link (Post/Redirect/Get): the
//! GET shows a one-time confirmation kept in a short-lived session (tower-sessions, stored in
//! SQLite by [`SqliteSessionStore`], so a restart between the two keeps it), and a refresh
//! never posts again. Refusals are answered directly, with their own status.
//!
//! A link's URL carries its key, which works for the channel's `link_lifetime`. An expired
//! link's page decides nothing and offers a new link instead (`POST /approve/<id>/renew`, also
//! CSRF-protected): it is mailed to the link's approver, never shown on the page, and the old
//! URL stops working.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Extension, Router,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use tower_sessions::{
    Expiry, Session, SessionManagerLayer,
    cookie::{SameSite, time::Duration},
};

use super::{
    Approvals, ApprovalsError,
    session_store::SqliteSessionStore,
    store::{self, LinkView, MailRow, Submission, Submitted},
};
use crate::{
    engine::{decide::Status, now_millis},
    web::private_html,
};

/// The largest request body the portal reads.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The portal's routes, with their state applied.
pub fn routes<S: Clone + Send + Sync + 'static>(approvals: Approvals) -> Router<S> {
    // The flash of Post/Redirect/Get, in the database: it only bridges a redirect, but a restart
    // between the POST and the GET keeps it, so the approver still sees it confirmed.
    let sessions = SessionManagerLayer::new(SqliteSessionStore::new(approvals.pool().clone()))
        .with_name("statehouse_flash")
        .with_path("/approve")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(approvals.public_url_is_https())
        .with_expiry(Expiry::OnInactivity(Duration::minutes(FLASH_MINUTES)));
    let approver_page = Router::new()
        .route("/approve/{id}", get(show).post(decide))
        .route("/approve/{id}/renew", axum::routing::post(renew))
        .layer(sessions);
    Router::new()
        .merge(approver_page)
        .route("/approvals/dev-mailbox", get(dev_mailbox))
        .route("/approvals/intake/{channel}", axum::routing::post(super::intake::intake))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(approvals)
}

/// How long a confirmation waits in its session for the redirected GET.
const FLASH_MINUTES: i64 = 5;

/// The session key of the one-time confirmation.
const FLASH_KEY: &str = "decision";

/// The confirmation a decision leaves for the page it redirects to.
#[derive(Debug, Serialize, Deserialize)]
struct Flash {
    /// The link it belongs to; another link's page does not show it.
    link: String,
    title: String,
    text: String,
}

type RemoteAddress = Option<Extension<ConnectInfo<SocketAddr>>>;

#[derive(Template)]
#[template(path = "approvals/approve.html")]
struct ApprovePage<'a> {
    /// The link's key (its URL's).
    link_id: &'a str,
    /// Until when the link works, while it does.
    valid_until: Option<String>,
    /// When it stopped working, once it has: the page offers a new link instead of the form.
    expired: Option<String>,
    csrf: String,
    subject: &'a str,
    workflow: &'a str,
    execution: &'a str,
    state_name: &'a str,
    deadline: Option<&'a str>,
    policy: String,
    approver: &'a str,
    details: String,
    note: Option<String>,
    /// After a decision: the one-time confirmation (title, text) instead of the form.
    confirmation: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "approvals/dev_mailbox.html")]
struct DevMailboxPage {
    mails: Vec<MailRow>,
}

/// What the approver's pages answer.
enum PageError {
    Internal(ApprovalsError),
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        PageError::Internal(ApprovalsError::Database(error))
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Internal(ApprovalsError::Template(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError::Internal(error) = self;
        tracing::error!(%error, "an approval page failed");
        message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The request could not be handled. Nothing was decided; try again in a moment.",
        )
    }
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    match (MessagePage { title, message: text }).render() {
        Ok(html) => private_html(status, html),
        Err(error) => {
            tracing::error!(%error, "rendering an approval message page");
            (status, text.to_string()).into_response()
        }
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Link not found",
        "This approval link does not exist, or a newer email replaced it. Use the link in the latest email, copied whole.",
    )
}

fn closed_message(status: &str) -> (StatusCode, String) {
    match status {
        "approved" | "rejected" => {
            (StatusCode::CONFLICT, format!("This request has already been decided ({status}). Nothing was changed."))
        }
        "expired" => (StatusCode::GONE, "This request has expired. Nothing was changed.".to_string()),
        _ => (
            StatusCode::GONE,
            "This request was cancelled: the workflow no longer waits for a decision. Nothing was changed.".to_string(),
        ),
    }
}

fn plausible_id(id: &str) -> bool {
    id.len() == 48 && id.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase())
}

/// Closes a pending request whose execution no longer runs; returns the status to show.
/// A request from real AWS is not checked here: its callback finds out (`TaskDoesNotExist`).
async fn current_status(approvals: &Approvals, link: &LinkView) -> Result<String, PageError> {
    if link.status != "pending" || link.origin == "aws" {
        return Ok(link.status.clone());
    }
    let running = match approvals.engine().describe(&link.execution_arn).await {
        Ok(Some(view)) => matches!(view.status, Status::Running),
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(%error, execution = %link.execution_arn, "cannot read an approval's execution");
            true
        }
    };
    if running {
        return Ok(link.status.clone());
    }
    store::close_if_pending(approvals.pool(), link.request_id, "cancelled", now_millis()).await?;
    Ok("cancelled".into())
}

fn page(
    approvals: &Approvals,
    link: &LinkView,
    status: StatusCode,
    note: Option<String>,
) -> Result<Response, PageError> {
    page_with(approvals, link, status, note, None)
}

/// Whether link's URL no longer works at `now`.
fn link_expired(link: &LinkView, now: i64) -> bool {
    link.expires_at.is_some_and(|expires_at| expires_at <= now)
}

fn page_with(
    approvals: &Approvals,
    link: &LinkView,
    status: StatusCode,
    note: Option<String>,
    confirmation: Option<(String, String)>,
) -> Result<Response, PageError> {
    let details = super::mail::pretty_details(&link.details);
    // The link's lifetime matters only while the request waits for this approver: once it is
    // closed or the approver has decided, the page says so and not until when the link works.
    let open = note.is_none() && confirmation.is_none();
    let expired = link_expired(link, now_millis());
    let expiry = link.expires_at.map(super::link_expiry_text).filter(|_| open);
    let html = ApprovePage {
        link_id: &link.key,
        valid_until: expiry.clone().filter(|_| !expired),
        expired: expiry.filter(|_| expired),
        csrf: approvals.csrf_token(&link.key),
        subject: &link.subject,
        workflow: link.state_machine_arn.rsplit(':').next().unwrap_or_default(),
        execution: link.execution_arn.rsplit(':').next().unwrap_or_default(),
        state_name: &link.state_name,
        deadline: link.deadline.as_deref(),
        policy: match link.policy.as_str() {
            "any" => "the first approver to answer".to_string(),
            "all" => "every approver".to_string(),
            other => format!("{} approvers", other.trim_start_matches("quorum:")),
        },
        approver: &link.approver,
        details,
        note,
        confirmation,
    }
    .render()?;
    Ok(private_html(status, html))
}

/// Takes this link's confirmation out of the session, if the decision just redirected here.
async fn take_flash(session: &Session, link_id: &str) -> Option<Flash> {
    let flash = match session.get::<Flash>(FLASH_KEY).await {
        Ok(flash) => flash?,
        Err(error) => {
            tracing::warn!(%error, "reading an approval confirmation");
            return None;
        }
    };
    if flash.link != link_id {
        return None;
    }
    if let Err(error) = session.flush().await {
        tracing::warn!(%error, "dropping an approval confirmation");
    }
    Some(flash)
}

/// `GET /approve/<id>`: shows the request and, while it is open to this approver, the form;
/// right after a decision, its one-time confirmation.
async fn show(
    State(approvals): State<Approvals>,
    Path(id): Path<String>,
    remote: RemoteAddress,
    session: Session,
) -> Result<Response, PageError> {
    if !plausible_id(&id) {
        return Ok(not_found());
    }
    let Some(link) = store::find_link(approvals.pool(), &id).await? else {
        return Ok(not_found());
    };
    let remote = remote.map(|Extension(ConnectInfo(address))| address.ip().to_string());
    store::record_view(approvals.pool(), &link.link_id, remote.as_deref(), now_millis()).await?;
    if let Some(flash) = take_flash(&session, &id).await {
        return page_with(&approvals, &link, StatusCode::OK, None, Some((flash.title, flash.text)));
    }
    let status = current_status(&approvals, &link).await?;
    if status != "pending" {
        let (code, text) = closed_message(&status);
        return page(&approvals, &link, code, Some(text));
    }
    match link.own_decision.as_deref() {
        Some(decision) => {
            let verb = if decision == "approve" { "approved" } else { "rejected" };
            page(
                &approvals,
                &link,
                StatusCode::OK,
                Some(format!("You {verb} this request; it waits for the other approvers.")),
            )
        }
        None => page(&approvals, &link, StatusCode::OK, None),
    }
}

/// `POST /approve/<id>`: records the decision under the channel's policy.
async fn decide(
    State(approvals): State<Approvals>,
    Path(id): Path<String>,
    remote: RemoteAddress,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    if !plausible_id(&id) {
        return Ok(not_found());
    }
    let (mut csrf, mut comment, mut decision) = (String::new(), String::new(), String::new());
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "comment" => comment = value.into_owned(),
            "decision" => decision = value.into_owned(),
            _ => {}
        }
    }
    let Some(link) = store::find_link(approvals.pool(), &id).await? else {
        return Ok(not_found());
    };
    if !approvals.csrf_valid(&id, &csrf) {
        return Ok(form_not_accepted());
    }
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Ok(message(
                StatusCode::BAD_REQUEST,
                "No decision",
                "Choose Approve or Reject. Nothing was changed.",
            ));
        }
    };
    let status = current_status(&approvals, &link).await?;
    if status != "pending" {
        let (code, text) = closed_message(&status);
        return Ok(message(code, "Request closed", &text));
    }
    let now = now_millis();
    let submission = Submission {
        key: &id,
        approve,
        comment: comment.trim(),
        remote_address: remote.map(|Extension(ConnectInfo(address))| address.ip().to_string()),
        now,
        now_text: asl::eval::time::format_millis(now),
    };
    let (title, text) = match store::submit(approvals.pool(), &submission).await? {
        Submitted::UnknownLink => return Ok(not_found()),
        Submitted::LinkExpired => {
            return Ok(message(
                StatusCode::GONE,
                "Link expired",
                "This approval link has expired, so nothing was decided. Open it again: the page offers to email you a new one.",
            ));
        }
        Submitted::AlreadyDecidedByYou => {
            return Ok(message(
                StatusCode::CONFLICT,
                "Already decided",
                "You have already decided this request. Nothing was changed.",
            ));
        }
        Submitted::Closed(status) => {
            let (code, text) = closed_message(&status);
            return Ok(message(code, "Request closed", &text));
        }
        Submitted::Recorded => {
            let verb = if approve { "approval" } else { "rejection" };
            ("Decision recorded", format!("Your {verb} was recorded. The request waits for the other approvers."))
        }
        Submitted::Decided { outcome, .. } => {
            approvals.wake_callbacks();
            let text = match outcome {
                super::policy::Outcome::Approved => {
                    "Your approval was recorded. The workflow continues with your approval."
                }
                super::policy::Outcome::Rejected => "Your rejection was recorded. The workflow has been told.",
            };
            ("Thank you", text.to_string())
        }
    };
    // Post/Redirect/Get: the confirmation waits in the session for the redirected GET.
    let flash = Flash { link: id.clone(), title: title.to_string(), text: text.clone() };
    if let Err(error) = session.insert(FLASH_KEY, flash).await {
        tracing::warn!(%error, "keeping an approval confirmation; showing it directly");
        return Ok(message(StatusCode::OK, title, &text));
    }
    let mut response = Redirect::to(&format!("/approve/{id}")).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

fn form_not_accepted() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Form not accepted",
        "This form did not come from the approval page. Open the link from your email again and decide there. Nothing was changed.",
    )
}

/// `POST /approve/<id>/renew`: mails the approver of an expired link a new one (a new key and
/// lifetime; the old URL stops working). The new link is never shown here: whoever holds the
/// old URL learns nothing, and can ask only once, since the old key is gone after.
async fn renew(State(approvals): State<Approvals>, Path(id): Path<String>, body: Bytes) -> Result<Response, PageError> {
    if !plausible_id(&id) {
        return Ok(not_found());
    }
    let csrf = form_urlencoded::parse(&body).find(|(name, _)| name == "csrf").map(|(_, value)| value.into_owned());
    let Some(link) = store::find_link(approvals.pool(), &id).await? else {
        return Ok(not_found());
    };
    if !approvals.csrf_valid(&id, csrf.as_deref().unwrap_or_default()) {
        return Ok(form_not_accepted());
    }
    let status = current_status(&approvals, &link).await?;
    if status != "pending" {
        let (code, text) = closed_message(&status);
        return Ok(message(code, "Request closed", &text));
    }
    if link.own_decision.is_some() {
        return Ok(message(StatusCode::CONFLICT, "Already decided", "You have already decided this request."));
    }
    let now = now_millis();
    if !link_expired(&link, now) {
        return Ok(message(
            StatusCode::CONFLICT,
            "Link still works",
            "This link has not expired: open it again to decide. No new link was sent.",
        ));
    }
    let mail = approvals.renewal_mail(&link, now).map_err(PageError::Internal)?;
    if !store::renew_expired_link(approvals.pool(), &id, &mail, now).await? {
        return Ok(not_found());
    }
    approvals.wake_mails();
    tracing::info!(request = link.request_id, approver = %link.approver, "a new approval link was requested");
    Ok(message(
        StatusCode::OK,
        "New link sent",
        &format!(
            "A new link is on its way to {}. Use the link in that email; this one no longer works.",
            link.approver
        ),
    ))
}

/// `GET /approvals/dev-mailbox`: the mails kept when no SMTP server is configured. With one,
/// the page does not exist: it would show every approver's link to whoever opens it.
async fn dev_mailbox(State(approvals): State<Approvals>) -> Result<Response, PageError> {
    if approvals.smtp_configured() {
        return Ok(message(
            StatusCode::NOT_FOUND,
            "No dev mailbox",
            "Approval mails go to the SMTP server of STATEHOUSE_SMTP_URL, so there is no dev mailbox.",
        ));
    }
    let mails = store::all_mails(approvals.pool(), 200).await?;
    let html = DevMailboxPage { mails }.render()?;
    Ok(private_html(StatusCode::OK, html))
}

//! The approver's pages (`GET`/`POST /approve/<id>`) and the dev mailbox, server-rendered
//! with askama so they work without WASM. GET decides nothing (mail scanners open links);
//! POST decides, with an HMAC CSRF field on top of the router's same-origin check.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Extension, Router,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

use super::{
    Approvals, ApprovalsError,
    store::{self, LinkView, MailRow, Submission, Submitted},
};
use crate::engine::{decide::Status, now_millis};

/// The largest request body the portal reads.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The portal's routes, with their state applied.
pub fn routes<S: Clone + Send + Sync + 'static>(approvals: Approvals) -> Router<S> {
    Router::new()
        .route("/approve/{id}", get(show).post(decide))
        .route("/approvals/dev-mailbox", get(dev_mailbox))
        .route("/approvals/intake/{channel}", axum::routing::post(super::intake::intake))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(approvals)
}

type RemoteAddress = Option<Extension<ConnectInfo<SocketAddr>>>;

#[derive(Template)]
#[template(path = "approvals/approve.html")]
struct ApprovePage<'a> {
    link_id: &'a str,
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
}

#[derive(Template)]
#[template(path = "approvals/message.html")]
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

fn private(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    match (MessagePage { title, message: text }).render() {
        Ok(html) => private(status, html),
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
        "This approval link does not exist. Check that it was copied whole from the email.",
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
    let details = match serde_json::from_str::<serde_json::Value>(&link.details) {
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
    };
    let html = ApprovePage {
        link_id: &link.link_id,
        csrf: approvals.csrf_token(&link.link_id),
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
    }
    .render()?;
    Ok(private(status, html))
}

/// `GET /approve/<id>`: shows the request and, while it is open to this approver, the form.
async fn show(
    State(approvals): State<Approvals>,
    Path(id): Path<String>,
    remote: RemoteAddress,
) -> Result<Response, PageError> {
    if !plausible_id(&id) {
        return Ok(not_found());
    }
    let Some(link) = store::find_link(approvals.pool(), &id).await? else {
        return Ok(not_found());
    };
    let remote = remote.map(|Extension(ConnectInfo(address))| address.ip().to_string());
    store::record_view(approvals.pool(), &id, remote.as_deref(), now_millis()).await?;
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
        return Ok(message(
            StatusCode::FORBIDDEN,
            "Form not accepted",
            "This form did not come from the approval page. Open the link from your email again and decide there. Nothing was changed.",
        ));
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
        link_id: &id,
        approve,
        comment: comment.trim(),
        remote_address: remote.map(|Extension(ConnectInfo(address))| address.ip().to_string()),
        now,
        now_text: asl::eval::time::format_millis(now),
    };
    Ok(match store::submit(approvals.pool(), &submission).await? {
        Submitted::UnknownLink => not_found(),
        Submitted::AlreadyDecidedByYou => message(
            StatusCode::CONFLICT,
            "Already decided",
            "You have already decided this request. Nothing was changed.",
        ),
        Submitted::Closed(status) => {
            let (code, text) = closed_message(&status);
            message(code, "Request closed", &text)
        }
        Submitted::Recorded => {
            let verb = if approve { "approval" } else { "rejection" };
            message(
                StatusCode::OK,
                "Decision recorded",
                &format!("Your {verb} is recorded. The request waits for the other approvers."),
            )
        }
        Submitted::Decided { outcome, .. } => {
            approvals.wake_callbacks();
            let text = match outcome {
                super::policy::Outcome::Approved => "Approved. The workflow continues with your approval.",
                super::policy::Outcome::Rejected => "Rejected. The workflow has been told.",
            };
            message(StatusCode::OK, "Thank you", text)
        }
    })
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
    Ok(private(StatusCode::OK, html))
}

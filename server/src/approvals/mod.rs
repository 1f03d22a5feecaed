//! The approval portal: `.waitForTaskToken` tasks whose target is an approval channel become
//! requests mailed to approvers, decided on `/approve/<id>` and called back to the engine.
//!
//! Flow: the engine's [`TaskInterceptor`] hook hands a task over ([`Approvals::intercept`]);
//! the request, its per-approver links and their rendered mails are written in one
//! transaction ([`store::record_request`]); the mail worker ([`mail::run_worker`]) delivers
//! the outbox. A POST on a link records the decision, and when the channel's policy is met,
//! the request's status and its callback in one transaction ([`store::submit`]); the
//! callback worker ([`callback::run_worker`]) calls SendTaskSuccess / SendTaskFailure.
//!
//! Real AWS: requests also arrive from a channel's SQS queue ([`sqs::run_poller`]) and from
//! `POST /approvals/intake/<channel>` ([`intake`]); their decisions go back to AWS Step
//! Functions through [`aws::AwsClient`] (the official AWS SDK: SigV4 over https, or http to
//! an emulator).

pub mod aws;
pub mod callback;
pub mod config;
pub mod ended;
pub mod inbox;
pub mod intake;
pub mod mail;
pub mod message;
pub mod policy;
pub mod reminders;
pub mod session_store;
pub mod sqs;
pub mod store;
pub mod web;

use std::{collections::HashMap, sync::Arc};

use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use rand::Rng;
use sha2::Sha256;
use sqlx::SqlitePool;
use tokio::{sync::Notify, task::JoinHandle};

use crate::engine::{Engine, TaskInterceptor, decide::TaskRequest, now_millis, store::ExecutionRecord};
use aws::AwsClient;
use config::{ApprovalsConfig, Channel, Policy, Target};
use mail::{MailContent, SmtpUrl, Transport};
use message::{RemoteMessage, RequestMessage};
use store::{FollowUpSchedule, NewLink, NewRequest, Origin};

/// Everything the portal needs, validated before the server starts.
#[derive(Clone, Debug)]
pub struct ApprovalsSettings {
    /// The channels of `statehouse.toml`.
    pub config: ApprovalsConfig,
    /// The SMTP server; `None` keeps mails in the dev mailbox.
    pub smtp: Option<SmtpUrl>,
    /// The mails' sender.
    pub mail_from: Mailbox,
    /// The base of the links in mails, without a trailing slash.
    pub public_url: String,
}

/// Approval portal failures.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalsError {
    /// The database failed.
    #[error("approvals storage: {0}")]
    Database(#[from] sqlx::Error),
    /// A template failed to render.
    #[error("rendering an approval template: {0}")]
    Template(#[from] askama::Error),
    /// The SMTP transport's TLS settings cannot be built.
    #[error("setting up SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The request cannot be decided as it is (the reason says why): its task is failed with
    /// [`REQUEST_INVALID_ERROR`] instead of waiting for a decision that cannot come.
    #[error("{0}")]
    Refused(String),
}

/// The error a task fails with when its approval request cannot be decided as sent.
pub const REQUEST_INVALID_ERROR: &str = "ApprovalRequestInvalid";

/// The approvers of a request of `channel` that names `named` (the channel's own when it names
/// none): valid addresses, each person once. Refused when an address is not one, when there is
/// nobody to ask, or when the channel's quorum needs more approvers than the request has.
fn request_approvers(channel: &Channel, named: &[String]) -> Result<Vec<String>, String> {
    let (approvers, _) = if named.is_empty() {
        (channel.approvers.clone(), Vec::new())
    } else {
        config::approver_addresses("approvers", named)?
    };
    if approvers.is_empty() {
        return Err(format!(
            "the request names no approvers and the channel {:?} has none, so nobody can decide it",
            channel.name
        ));
    }
    if let Policy::Quorum(count) = channel.policy
        && count as usize > approvers.len()
    {
        return Err(format!(
            "the channel {:?} decides by quorum:{count}, and the request has {} approver(s)",
            channel.name,
            approvers.len()
        ));
    }
    Ok(approvers)
}

/// The portal. Cheap to clone.
#[derive(Clone)]
pub struct Approvals {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Approvals").field("channels", &self.channels().len()).finish_non_exhaustive()
    }
}

struct Inner {
    pool: SqlitePool,
    engine: Engine,
    settings: ApprovalsSettings,
    csrf_key: Vec<u8>,
    mail_wake: Arc<Notify>,
    callback_wake: Arc<Notify>,
    follow_up_wake: Arc<Notify>,
    /// One client per channel with an `[aws]` table, by channel name.
    aws_clients: Arc<HashMap<String, AwsClient>>,
    /// Where mails go (SMTP or the dev mailbox).
    transport: Transport,
}

impl Approvals {
    /// Builds the portal on an open database (reads the CSRF key).
    pub async fn new(pool: SqlitePool, engine: Engine, settings: ApprovalsSettings) -> Result<Self, ApprovalsError> {
        let csrf_key = store::secret(&pool).await?.into_bytes();
        let transport = Transport::new(settings.smtp.as_ref())?;
        let aws_clients = settings
            .config
            .channels
            .iter()
            .filter_map(|channel| Some((channel.name.clone(), AwsClient::new(channel.aws.clone()?))))
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                engine,
                settings,
                csrf_key,
                mail_wake: Arc::new(Notify::new()),
                callback_wake: Arc::new(Notify::new()),
                follow_up_wake: Arc::new(Notify::new()),
                aws_clients: Arc::new(aws_clients),
                transport,
            }),
        })
    }

    /// Starts the mail, callback and ended-execution workers, and one SQS poller per `queue_url` channel with
    /// an `[aws]` table.
    pub fn spawn_workers(&self) -> Vec<JoinHandle<()>> {
        let inner = &self.inner;
        let transport = inner.transport.clone();
        let pollers = self.channels().iter().filter_map(|channel| {
            let (Target::Queue(queue_url), Some(client)) = (&channel.target, inner.aws_clients.get(&channel.name))
            else {
                return None;
            };
            Some(tokio::spawn(sqs::run_poller(self.clone(), channel.name.clone(), queue_url.clone(), client.clone())))
        });
        let mut workers: Vec<JoinHandle<()>> = pollers.collect();
        workers.push(tokio::spawn(reminders::run_worker(self.clone(), Arc::clone(&inner.follow_up_wake))));
        workers.extend([
            tokio::spawn(mail::run_worker(
                inner.pool.clone(),
                transport,
                inner.settings.mail_from.clone(),
                Arc::clone(&inner.mail_wake),
            )),
            tokio::spawn(ended::run_worker(inner.pool.clone(), inner.engine.clone())),
            tokio::spawn(callback::run_worker(
                inner.pool.clone(),
                inner.engine.clone(),
                Arc::clone(&inner.aws_clients),
                Arc::clone(&inner.callback_wake),
            )),
        ]);
        workers
    }

    /// The channels.
    pub fn channels(&self) -> &[Channel] {
        &self.inner.settings.config.channels
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn smtp_configured(&self) -> bool {
        self.inner.settings.smtp.is_some()
    }

    pub(crate) fn wake_callbacks(&self) {
        self.inner.callback_wake.notify_one();
    }

    /// Whether the links in mails are https, so the portal's cookies get `Secure`.
    pub(crate) fn public_url_is_https(&self) -> bool {
        self.inner.settings.public_url.to_ascii_lowercase().starts_with("https://")
    }

    /// The CSRF field of a link's form: HMAC-SHA256 of the link id under the database's key.
    pub fn csrf_token(&self, link_id: &str) -> String {
        hex::encode(self.csrf_mac(link_id).finalize().into_bytes())
    }

    /// Whether `token` is the link's CSRF field (compared in constant time).
    pub fn csrf_valid(&self, link_id: &str, token: &str) -> bool {
        hex::decode(token).is_ok_and(|bytes| self.csrf_mac(link_id).verify_slice(&bytes).is_ok())
    }

    fn csrf_mac(&self, link_id: &str) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.inner.csrf_key).expect("HMAC takes any key length");
        mac.update(b"approve:");
        mac.update(link_id.as_bytes());
        mac
    }

    /// Records the request of a task the interceptor took (idempotent by token).
    async fn record(
        &self,
        channel: Channel,
        execution: ExecutionInfo,
        request: TaskRequest,
    ) -> Result<bool, ApprovalsError> {
        let Some(token) = request.token.clone() else {
            return Ok(false);
        };
        let message = message::read_message(&request.resource.service, &request.arguments);
        self.record_message(&channel, execution, request.state_name, token, message, Origin::Engine).await
    }

    /// Records a request that came from real AWS (the channel's queue or the HTTP intake),
    /// idempotent by token: false when the token is known. Its decision goes back to AWS.
    /// A request that cannot be decided as sent is refused, and its task is failed on AWS
    /// (with [`REQUEST_INVALID_ERROR`]) rather than left waiting.
    pub async fn record_remote(&self, channel: &Channel, remote: RemoteMessage) -> Result<bool, ApprovalsError> {
        let execution = ExecutionInfo::remote(&remote);
        let state_name = remote.state_name.clone().unwrap_or_default();
        let token = remote.token.clone();
        let recorded =
            self.record_message(channel, execution, state_name, remote.token, remote.message, Origin::Aws).await;
        if let Err(ApprovalsError::Refused(reason)) = &recorded
            && let Some(client) = self.inner.aws_clients.get(&channel.name)
            && let Err(error) = client.send_task_failure(&token, Some(REQUEST_INVALID_ERROR), Some(reason)).await
        {
            tracing::warn!(channel = %channel.name, %error, "failing the task of a refused approval request on AWS");
        }
        recorded
    }

    /// One approver's link (row `id`, under a new key that works until `expiry`) and its
    /// rendered mail, `template` giving everything but the approver and the link.
    fn link_mail(
        &self,
        template: &MailContent,
        id: Option<String>,
        approver: String,
        subject_prefix: &str,
        expiry: LinkExpiry,
    ) -> Result<NewLink, ApprovalsError> {
        let key = new_link_id();
        let expires_at = expiry.at_millis;
        let content = MailContent {
            approver: approver.clone(),
            link: format!("{}/approve/{key}", self.inner.settings.public_url),
            link_expires: link_expiry_text(expires_at),
            link_ends_at_deadline: expiry.at_deadline,
            ..template.clone()
        };
        let (text_body, html_body) = mail::render(&content)?;
        Ok(NewLink {
            id: id.unwrap_or_else(|| key.clone()),
            key,
            expires_at,
            approver,
            mail_subject: format!("{subject_prefix}: {}", template.subject),
            text_body,
            html_body,
        })
    }

    /// A new link for `link` (an expired one whose approver asked for it), with its mail.
    fn renewal_mail(&self, link: &store::LinkView, now: i64) -> Result<NewLink, ApprovalsError> {
        let template = MailContent::for_stored_request(
            &link.subject,
            &link.state_machine_arn,
            &link.execution_arn,
            &link.state_name,
            &link.details,
            link.deadline.as_deref(),
        );
        let expiry = LinkExpiry::new(now, self.link_lifetime(&link.channel), link.deadline.as_deref());
        self.link_mail(
            &template,
            Some(link.link_id.clone()),
            link.approver.clone(),
            "New link: approval requested",
            expiry,
        )
    }

    /// How long a link of channel `name` works (the default when the channel is gone from the
    /// configuration).
    fn link_lifetime(&self, name: &str) -> i64 {
        self.channel(name).map_or(config::DEFAULT_LINK_LIFETIME_MILLIS, |channel| channel.link_lifetime_millis)
    }

    pub(crate) fn wake_mails(&self) {
        self.inner.mail_wake.notify_one();
    }

    /// The channel named `name`.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels().iter().find(|channel| channel.name == name)
    }

    async fn record_message(
        &self,
        channel: &Channel,
        execution: ExecutionInfo,
        state_name: String,
        token: String,
        message: RequestMessage,
        origin: Origin,
    ) -> Result<bool, ApprovalsError> {
        let approvers = request_approvers(channel, &message.approvers).map_err(ApprovalsError::Refused)?;
        if let Some(deadline) = message.deadline.as_deref()
            && deadline_millis(Some(deadline)).is_none()
        {
            // Shown as written but never reached, it would promise an expiry that never comes.
            return Err(ApprovalsError::Refused(format!(
                "the request's deadline {deadline:?} is not an RFC 3339 timestamp (such as 2030-01-31T17:00:00Z), so the request could never expire"
            )));
        }
        let subject = message.subject.clone().unwrap_or_else(|| {
            if state_name.is_empty() {
                format!("Approval in {}", execution.workflow)
            } else {
                format!("{state_name} in {}", execution.workflow)
            }
        });
        let details = match &message.details {
            serde_json::Value::Null => String::new(),
            value => serde_json::to_string_pretty(value).unwrap_or_default(),
        };
        let mut links = Vec::with_capacity(approvers.len());
        let template = MailContent {
            subject: subject.clone(),
            workflow: execution.workflow.clone(),
            execution: execution.name.clone(),
            execution_arn: execution.arn.clone(),
            state_name: state_name.clone(),
            details: details.clone(),
            deadline: message.deadline.clone(),
            approver: String::new(),
            link: String::new(),
            link_expires: String::new(),
            link_ends_at_deadline: false,
        };
        let now = now_millis();
        let deadline_at = deadline_millis(message.deadline.as_deref());
        let expiry = LinkExpiry::new(now, channel.link_lifetime_millis, message.deadline.as_deref());
        for approver in approvers {
            links.push(self.link_mail(&template, None, approver, "Approval requested", expiry)?);
        }
        let new = NewRequest {
            channel: channel.name.clone(),
            token,
            execution_arn: execution.arn,
            state_machine_arn: execution.state_machine_arn,
            state_name,
            subject,
            details: if details.is_empty() { "null".into() } else { message.details.to_string() },
            deadline_at,
            deadline: message.deadline,
            policy: channel.policy,
            reject_error: channel.reject_error.clone(),
            expire_error: channel.expire_error.clone(),
            links,
            origin,
            now,
        };
        let follow_ups = FollowUpSchedule {
            remind_at: deadline_at.zip(channel.remind_before_millis).map(|(deadline, before)| deadline - before),
            escalate_at: channel.escalation.as_ref().map(|escalation| now + escalation.after_millis),
        };
        let recorded = store::record_request_with_follow_ups(&self.inner.pool, &new, follow_ups).await?;
        if recorded {
            tracing::info!(channel = %new.channel, execution = %new.execution_arn, state = %new.state_name, "approval requested");
            self.inner.mail_wake.notify_one();
            if follow_ups != FollowUpSchedule::default() {
                self.inner.follow_up_wake.notify_one();
            }
            if new.deadline_at.is_some() {
                // The worker that expires requests sleeps until the earliest deadline it knows.
                self.inner.callback_wake.notify_one();
            }
        }
        Ok(recorded)
    }
}

impl TaskInterceptor for Approvals {
    fn intercept(&self, execution: &ExecutionRecord, request: &TaskRequest) -> bool {
        let Some(channel) = message::match_channel(
            self.channels(),
            &request.resource.service,
            &request.resource.action,
            &request.arguments,
        ) else {
            return false;
        };
        if request.token.is_none() {
            return false;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!("the approval interceptor ran outside the async runtime");
            return false;
        };
        let info = ExecutionInfo::from(execution);
        let (approvals, channel, request) = (self.clone(), channel.clone(), request.clone());
        runtime.spawn(async move {
            let arn = info.arn.clone();
            let token = request.token.clone().unwrap_or_default();
            match approvals.record(channel, info, request).await {
                Ok(_) => {}
                Err(ApprovalsError::Refused(reason)) => {
                    tracing::warn!(execution = %arn, %reason, "an approval request was refused; its task fails");
                    let failed = approvals
                        .inner
                        .engine
                        .send_task_failure(&token, Some(REQUEST_INVALID_ERROR.into()), Some(reason))
                        .await;
                    if let Err(error) = failed {
                        tracing::error!(execution = %arn, %error, "failing the task of a refused approval request");
                    }
                }
                Err(error) => tracing::error!(execution = %arn, %error, "an approval request could not be recorded"),
            }
        });
        true
    }
}

/// What a request needs from the execution record.
struct ExecutionInfo {
    arn: String,
    name: String,
    state_machine_arn: String,
    workflow: String,
}

impl From<&ExecutionRecord> for ExecutionInfo {
    fn from(record: &ExecutionRecord) -> Self {
        Self {
            arn: record.arn.clone(),
            name: record.name.clone(),
            state_machine_arn: record.state_machine_arn.clone(),
            workflow: record.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string(),
        }
    }
}

impl ExecutionInfo {
    /// What a remote message says of its execution (`executionArn`, `stateMachineArn`).
    fn remote(remote: &RemoteMessage) -> Self {
        let arn = remote.execution_arn.clone().unwrap_or_default();
        // arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME
        let parts: Vec<&str> = arn.split(':').collect();
        let derived_machine = (parts.len() == 8 && parts[5] == "execution")
            .then(|| format!("{}:stateMachine:{}", parts[..5].join(":"), parts[6]));
        let state_machine_arn = remote.state_machine_arn.clone().or(derived_machine).unwrap_or_default();
        let workflow = match state_machine_arn.rsplit(':').next() {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => "AWS Step Functions".to_string(),
        };
        Self { name: arn.rsplit(':').next().unwrap_or_default().to_string(), arn, state_machine_arn, workflow }
    }
}

/// A request's deadline as written, in milliseconds since the epoch, when it is a timestamp
/// (the request expires then).
fn deadline_millis(deadline: Option<&str>) -> Option<i64> {
    deadline.and_then(asl::eval::time::parse_timestamp).map(|instant| instant.to_millis())
}

/// When a new link stops working: its channel's lifetime from now, but never after its
/// request's deadline, when the request expires and no link can decide it any more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkExpiry {
    /// The instant, in milliseconds since the epoch.
    pub at_millis: i64,
    /// Whether it is the request's deadline (the mail then promises no new link).
    pub at_deadline: bool,
}

impl LinkExpiry {
    /// A link made at `now` for `lifetime_millis`, for a request with this deadline.
    pub(crate) fn new(now: i64, lifetime_millis: i64, deadline: Option<&str>) -> Self {
        let lifetime_end = now.saturating_add(lifetime_millis);
        match deadline_millis(deadline) {
            Some(deadline_at) if deadline_at <= lifetime_end => Self { at_millis: deadline_at, at_deadline: true },
            _ => Self { at_millis: lifetime_end, at_deadline: false },
        }
    }
}

/// When a link stops working, as its mail and page say it: `2025-01-15 10:30 UTC`.
pub(crate) fn link_expiry_text(millis: i64) -> String {
    let text = asl::eval::time::format_millis(millis);
    format!("{} {} UTC", &text[..10], &text[11..16])
}

/// A link key: 192 random bits in hex.
fn new_link_id() -> String {
    hex::encode(rand::rng().random::<[u8; 24]>())
}

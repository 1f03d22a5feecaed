//! The approval tables: requests with their links and mails (one transaction), decisions with
//! their callbacks (one transaction), and the two outboxes' claims and outcomes.

use sqlx::SqlitePool;

use super::{
    config::Policy,
    policy::{self, Outcome},
};

/// A request about to be recorded, with everything rendered.
#[derive(Clone, Debug)]
pub struct NewRequest {
    /// Its channel's name.
    pub channel: String,
    /// The task token.
    pub token: String,
    /// The execution that waits.
    pub execution_arn: String,
    /// Its state machine.
    pub state_machine_arn: String,
    /// The Task state.
    pub state_name: String,
    /// What is asked.
    pub subject: String,
    /// JSON text.
    pub details: String,
    /// When it expires, as written.
    pub deadline: Option<String>,
    /// When it expires, in milliseconds since the epoch (when the deadline is a timestamp).
    pub deadline_at: Option<i64>,
    /// The policy that decides it.
    pub policy: Policy,
    /// SendTaskFailure's error on rejection.
    pub reject_error: String,
    /// SendTaskFailure's error on expiry.
    pub expire_error: String,
    /// One link and one rendered mail per approver.
    pub links: Vec<NewLink>,
    /// Where the decision goes back to.
    pub origin: Origin,
    /// Milliseconds since the epoch.
    pub now: i64,
}

/// Where a request came from, which is where its decision goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A task of the local engine.
    Engine,
    /// Real AWS Step Functions (through SQS or the HTTP intake).
    Aws,
}

impl Origin {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Engine => "engine",
            Origin::Aws => "aws",
        }
    }
}

/// One approver's link and mail.
#[derive(Clone, Debug)]
pub struct NewLink {
    /// The link's row id (a new link's is its first key).
    pub id: String,
    /// What its URL carries: 192 random bits, new every time the link is sent.
    pub key: String,
    /// When the URL stops working, milliseconds since the epoch.
    pub expires_at: i64,
    /// The approver's email address.
    pub approver: String,
    /// The mail's subject.
    pub mail_subject: String,
    /// Plain-text body.
    pub text_body: String,
    /// HTML body.
    pub html_body: String,
}

/// A link with its request, as the approver's page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkView {
    /// The link's row id.
    pub link_id: String,
    /// What its URL carries.
    pub key: String,
    /// When that URL stops working (none for links made before links expired).
    pub expires_at: Option<i64>,
    /// Whose link it is.
    pub approver: String,
    /// The request.
    pub request_id: i64,
    /// Its channel.
    pub channel: String,
    /// The waiting execution.
    pub execution_arn: String,
    /// Its state machine.
    pub state_machine_arn: String,
    /// The Task state.
    pub state_name: String,
    /// What is asked.
    pub subject: String,
    /// JSON text.
    pub details: String,
    /// As written.
    pub deadline: Option<String>,
    /// The policy, as text.
    pub policy: String,
    /// pending, approved, rejected, expired, cancelled.
    pub status: String,
    /// This approver's decision, if made.
    pub own_decision: Option<String>,
    /// `engine` or `aws`.
    pub origin: String,
}

/// A decision as submitted.
#[derive(Clone, Debug)]
pub struct Submission<'a> {
    /// The key of the link it came through (its URL's).
    pub key: &'a str,
    /// Approve (true) or reject.
    pub approve: bool,
    /// The approver's comment.
    pub comment: &'a str,
    /// Where it came from.
    pub remote_address: Option<String>,
    /// Milliseconds since the epoch.
    pub now: i64,
    /// The decision time in RFC 3339.
    pub now_text: String,
}

/// What a submission did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// No such link.
    UnknownLink,
    /// The link's URL expired (the request may still wait); nothing changed.
    LinkExpired,
    /// This approver has decided already; nothing changed.
    AlreadyDecidedByYou,
    /// The request is no longer pending (its status); nothing changed.
    Closed(String),
    /// Recorded; more decisions are needed.
    Recorded,
    /// Recorded, and it decided the request; the callback row has this id.
    Decided {
        /// Approved or rejected.
        outcome: Outcome,
        /// The callback outbox row.
        callback_id: i64,
    },
}

/// A mail in the outbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MailRow {
    /// Its id.
    pub id: i64,
    /// To whom.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text_body: String,
    /// HTML.
    pub html_body: String,
    /// pending, sent, failed.
    pub status: String,
    /// smtp or dev-mailbox, once sent.
    pub transport: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: i64,
}

/// A callback in the outbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallbackRow {
    /// Its id.
    pub id: i64,
    /// Its request.
    pub request_id: i64,
    /// The task token.
    pub token: String,
    /// success or failure.
    pub outcome: String,
    /// JSON text, for success.
    pub output: Option<String>,
    /// For failure.
    pub error: Option<String>,
    /// For failure.
    pub cause: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// Its request's origin: `engine` or `aws`.
    pub origin: String,
    /// Its request's channel.
    pub channel: String,
    /// Its request's execution (for a local one, where to look for an earlier delivery).
    pub execution_arn: String,
}

/// The CSRF key.
pub async fn secret(pool: &SqlitePool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT secret FROM approval_secret WHERE id = 1").fetch_one(pool).await
}

/// When a request's reminder and escalation are due (milliseconds since the epoch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowUpSchedule {
    /// When to remind the approvers who have not decided.
    pub remind_at: Option<i64>,
    /// When to escalate to the channel's second list.
    pub escalate_at: Option<i64>,
}

/// Records a request, its links and its mails in one transaction. Idempotent by token:
/// returns false (and writes nothing) when the token is known.
pub async fn record_request(pool: &SqlitePool, request: &NewRequest) -> Result<bool, sqlx::Error> {
    record_request_with_follow_ups(pool, request, FollowUpSchedule::default()).await
}

/// [`record_request`] with a reminder and an escalation scheduled.
pub async fn record_request_with_follow_ups(
    pool: &SqlitePool,
    request: &NewRequest,
    follow_ups: FollowUpSchedule,
) -> Result<bool, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO approval_requests (channel, token, execution_arn, state_machine_arn, state_name, subject, \
         details, deadline, deadline_at, policy, reject_error, expire_error, created_at, origin, \
         remind_at, escalate_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (token) DO NOTHING RETURNING id",
    )
    .bind(&request.channel)
    .bind(&request.token)
    .bind(&request.execution_arn)
    .bind(&request.state_machine_arn)
    .bind(&request.state_name)
    .bind(&request.subject)
    .bind(&request.details)
    .bind(&request.deadline)
    .bind(request.deadline_at)
    .bind(request.policy.to_string())
    .bind(&request.reject_error)
    .bind(&request.expire_error)
    .bind(request.now)
    .bind(request.origin.as_str())
    .bind(follow_ups.remind_at)
    .bind(follow_ups.escalate_at)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    for link in &request.links {
        insert_link(&mut transaction, id, link).await?;
        insert_mail(&mut transaction, id, link, request.now).await?;
    }
    transaction.commit().await?;
    Ok(true)
}

async fn insert_link(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    request_id: i64,
    link: &NewLink,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO approval_links (id, key, expires_at, request_id, approver) VALUES (?, ?, ?, ?, ?)")
        .bind(&link.id)
        .bind(&link.key)
        .bind(link.expires_at)
        .bind(request_id)
        .bind(&link.approver)
        .execute(&mut **transaction)
        .await
        .map(drop)
}

async fn insert_mail(
    transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    request_id: i64,
    link: &NewLink,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO approval_mail_outbox (request_id, link_id, recipient, subject, text_body, html_body, \
         next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(request_id)
    .bind(&link.id)
    .bind(&link.approver)
    .bind(&link.mail_subject)
    .bind(&link.text_body)
    .bind(&link.html_body)
    .bind(now)
    .bind(now)
    .execute(&mut **transaction)
    .await
    .map(drop)
}

/// A reminder or an escalation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowUpKind {
    /// To the approvers who have not decided, before the deadline.
    Reminder,
    /// New links to the channel's second list.
    Escalation,
}

/// A pending request whose reminder or escalation is due, with what its mails say.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueFollowUp {
    /// The request.
    pub request_id: i64,
    /// Its channel.
    pub channel: String,
    /// The waiting execution.
    pub execution_arn: String,
    /// Its state machine.
    pub state_machine_arn: String,
    /// The Task state.
    pub state_name: String,
    /// What is asked.
    pub subject: String,
    /// JSON text.
    pub details: String,
    /// As written.
    pub deadline: Option<String>,
    /// Whether it is a reminder (else an escalation).
    pub is_reminder: bool,
}

/// Pending requests whose reminder or escalation is due at `now`.
pub async fn due_follow_ups(pool: &SqlitePool, now: i64) -> Result<Vec<DueFollowUp>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS request_id, channel, execution_arn, state_machine_arn, state_name, subject, details, deadline, \
         1 AS is_reminder FROM approval_requests \
         WHERE status = 'pending' AND remind_at <= ? AND reminded_at IS NULL \
         UNION ALL \
         SELECT id, channel, execution_arn, state_machine_arn, state_name, subject, details, deadline, 0 \
         FROM approval_requests WHERE status = 'pending' AND escalate_at <= ? AND escalated_at IS NULL \
         LIMIT 100",
    )
    .bind(now)
    .bind(now)
    .fetch_all(pool)
    .await
}

/// The earliest reminder or escalation still to send.
pub async fn next_follow_up(pool: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT min(due) FROM (\
         SELECT min(remind_at) AS due FROM approval_requests WHERE status = 'pending' AND reminded_at IS NULL \
         UNION ALL \
         SELECT min(escalate_at) FROM approval_requests WHERE status = 'pending' AND escalated_at IS NULL)",
    )
    .fetch_one(pool)
    .await
}

/// A request's links: (id, approver, whether that approver has decided).
pub async fn request_links(pool: &SqlitePool, request_id: i64) -> Result<Vec<(String, String, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.approver, d.id IS NOT NULL FROM approval_links l \
         LEFT JOIN approval_decisions d ON d.link_id = l.id WHERE l.request_id = ? ORDER BY l.rowid",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await
}

/// Records a reminder (`mails` to existing links, each under a new key and lifetime, so the
/// URL of the earlier mail stops working) or an escalation (`mails` to new links, created
/// here), and marks it sent, in one transaction. False, writing nothing, when the
/// request is no longer pending or the follow-up was sent already.
pub async fn record_follow_up(
    pool: &SqlitePool,
    request_id: i64,
    kind: FollowUpKind,
    mails: &[NewLink],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let sql = match kind {
        FollowUpKind::Reminder => {
            "UPDATE approval_requests SET reminded_at = ? WHERE id = ? AND status = 'pending' AND reminded_at IS NULL"
        }
        FollowUpKind::Escalation => {
            "UPDATE approval_requests SET escalated_at = ? WHERE id = ? AND status = 'pending' AND escalated_at IS NULL"
        }
    };
    let marked = sqlx::query(sql).bind(now).bind(request_id).execute(&mut *transaction).await?;
    if marked.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    for mail in mails {
        match kind {
            FollowUpKind::Escalation => insert_link(&mut transaction, request_id, mail).await?,
            FollowUpKind::Reminder => rekey_link(&mut transaction, mail).await?,
        }
        insert_mail(&mut transaction, request_id, mail, now).await?;
    }
    transaction.commit().await?;
    Ok(true)
}

/// Gives an existing link `link`'s new key and lifetime.
async fn rekey_link(transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>, link: &NewLink) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE approval_links SET key = ?, expires_at = ? WHERE id = ?")
        .bind(&link.key)
        .bind(link.expires_at)
        .bind(&link.id)
        .execute(&mut **transaction)
        .await
        .map(drop)
}

/// Sends link `old_key` again under a new key and lifetime (`mail`), when it has expired, its
/// approver has not decided and its request still waits: the approver asked for a new link.
/// False, writing nothing, otherwise (the key was replaced already, or there is nothing to
/// decide).
pub async fn renew_expired_link(
    pool: &SqlitePool,
    old_key: &str,
    mail: &NewLink,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let renewed = sqlx::query(
        "UPDATE approval_links SET key = ?, expires_at = ? WHERE key = ? AND id = ? AND expires_at <= ? \
         AND NOT EXISTS (SELECT 1 FROM approval_decisions d WHERE d.link_id = approval_links.id) \
         AND EXISTS (SELECT 1 FROM approval_requests r WHERE r.id = approval_links.request_id AND r.status = 'pending')",
    )
    .bind(&mail.key)
    .bind(mail.expires_at)
    .bind(old_key)
    .bind(&mail.id)
    .bind(now)
    .execute(&mut *transaction)
    .await?;
    if renewed.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    let request_id: i64 = sqlx::query_scalar("SELECT request_id FROM approval_links WHERE id = ?")
        .bind(&mail.id)
        .fetch_one(&mut *transaction)
        .await?;
    insert_mail(&mut transaction, request_id, mail, now).await?;
    transaction.commit().await?;
    Ok(true)
}

/// A link and its request, by the key its URL carries.
pub async fn find_link(pool: &SqlitePool, key: &str) -> Result<Option<LinkView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id AS link_id, l.key, l.expires_at, l.approver, r.id AS request_id, r.channel, r.execution_arn, r.state_machine_arn, \
         r.state_name, r.subject, r.details, r.deadline, r.policy, r.status, d.decision AS own_decision, r.origin \
         FROM approval_links l JOIN approval_requests r ON r.id = l.request_id \
         LEFT JOIN approval_decisions d ON d.link_id = l.id WHERE l.key = ?",
    )
    .bind(key)
    .fetch_optional(pool)
    .await
}

/// Notes that a link was opened.
pub async fn record_view(
    pool: &SqlitePool,
    link_id: &str,
    remote_address: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO approval_views (link_id, remote_address, at) VALUES (?, ?, ?)")
        .bind(link_id)
        .bind(remote_address)
        .bind(now)
        .execute(pool)
        .await
        .map(drop)
}

/// Closes a pending request (expired or cancelled); false when it was not pending.
pub async fn close_if_pending(pool: &SqlitePool, request_id: i64, status: &str, now: i64) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'")
            .bind(status)
            .bind(now)
            .bind(request_id)
            .execute(pool)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a decision and, when it decides the request under its policy, the request's new
/// status and its callback, all in one transaction. The first statement writes, so two
/// simultaneous submissions take SQLite's write lock one after the other and the second
/// sees the first's outcome.
pub async fn submit(pool: &SqlitePool, submission: &Submission<'_>) -> Result<Submitted, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let link_id: Option<String> = sqlx::query_scalar(
        "INSERT INTO approval_decisions (request_id, link_id, approver, decision, comment, remote_address, at) \
         SELECT r.id, l.id, l.approver, ?, ?, ?, ? FROM approval_links l JOIN approval_requests r ON r.id = l.request_id \
         WHERE l.key = ? AND r.status = 'pending' AND (l.expires_at IS NULL OR l.expires_at > ?) \
         ON CONFLICT (link_id) DO NOTHING RETURNING link_id",
    )
    .bind(if submission.approve { "approve" } else { "reject" })
    .bind(submission.comment)
    .bind(&submission.remote_address)
    .bind(submission.now)
    .bind(submission.key)
    .bind(submission.now)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(link_id) = link_id else {
        let found: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT r.status, d.decision, l.expires_at FROM approval_links l \
             JOIN approval_requests r ON r.id = l.request_id \
             LEFT JOIN approval_decisions d ON d.link_id = l.id WHERE l.key = ?",
        )
        .bind(submission.key)
        .fetch_optional(&mut *transaction)
        .await?;
        transaction.rollback().await?;
        return Ok(match found {
            None => Submitted::UnknownLink,
            Some((_, Some(_), _)) => Submitted::AlreadyDecidedByYou,
            Some((status, None, _)) if status != "pending" => Submitted::Closed(status),
            Some((_, None, Some(expires_at))) if expires_at <= submission.now => Submitted::LinkExpired,
            Some((status, None, _)) => Submitted::Closed(status),
        });
    };
    let (request_id, token, policy_text, reject_error, approver_count, approvals, rejections): (
        i64,
        String,
        String,
        String,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT r.id, r.token, r.policy, r.reject_error, \
         (SELECT count(*) FROM approval_links WHERE request_id = r.id), \
         (SELECT count(*) FROM approval_decisions WHERE request_id = r.id AND decision = 'approve'), \
         (SELECT count(*) FROM approval_decisions WHERE request_id = r.id AND decision = 'reject') \
         FROM approval_links l JOIN approval_requests r ON r.id = l.request_id WHERE l.id = ?",
    )
    .bind(&link_id)
    .fetch_one(&mut *transaction)
    .await?;
    let policy = policy_text.parse::<Policy>().unwrap_or(Policy::Any);
    let Some(outcome) = policy::outcome(policy, approver_count as usize, approvals as usize, rejections as usize)
    else {
        transaction.commit().await?;
        return Ok(Submitted::Recorded);
    };
    let approver: String = sqlx::query_scalar("SELECT approver FROM approval_links WHERE id = ?")
        .bind(&link_id)
        .fetch_one(&mut *transaction)
        .await?;
    let (status, callback_outcome, output, error, cause) = match outcome {
        Outcome::Approved => {
            let output = serde_json::json!({
                "approved": true,
                "approver": approver,
                "comment": submission.comment,
                "decidedAt": submission.now_text,
            });
            ("approved", "success", Some(output.to_string()), None, None)
        }
        Outcome::Rejected => ("rejected", "failure", None, Some(reject_error), Some(submission.comment.to_string())),
    };
    sqlx::query("UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'")
        .bind(status)
        .bind(submission.now)
        .bind(request_id)
        .execute(&mut *transaction)
        .await?;
    let callback_id: i64 = sqlx::query_scalar(
        "INSERT INTO approval_callbacks (request_id, token, outcome, output, error, cause, next_attempt_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(request_id)
    .bind(&token)
    .bind(callback_outcome)
    .bind(output)
    .bind(error)
    .bind(cause)
    .bind(submission.now)
    .bind(submission.now)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(Submitted::Decided { outcome, callback_id })
}

/// Expires the pending requests whose deadline has passed: each becomes `expired` with a
/// SendTaskFailure callback (the channel's expiry error), in one transaction per request.
/// Returns how many expired.
pub async fn expire_due(pool: &SqlitePool, now: i64) -> Result<usize, sqlx::Error> {
    let due: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, token, expire_error, deadline FROM approval_requests \
         WHERE status = 'pending' AND deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut expired = 0;
    for (id, token, error, deadline) in due {
        let mut transaction = pool.begin().await?;
        let closed = sqlx::query(
            "UPDATE approval_requests SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
        if closed.rows_affected() == 1 {
            sqlx::query(
                "INSERT INTO approval_callbacks (request_id, token, outcome, error, cause, next_attempt_at, created_at) \
                 VALUES (?, ?, 'failure', ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(token)
            .bind(error)
            .bind(format!("no decision before the deadline {}", deadline.unwrap_or_default()))
            .bind(now)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
            expired += 1;
        }
        transaction.commit().await?;
    }
    Ok(expired)
}

/// The earliest deadline of a pending request.
pub async fn next_deadline(pool: &SqlitePool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT min(deadline_at) FROM approval_requests WHERE status = 'pending'").fetch_one(pool).await
}

/// Mails due for an attempt.
pub async fn due_mails(pool: &SqlitePool, now: i64, limit: i64) -> Result<Vec<MailRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient, subject, text_body, html_body, status, transport, attempts, last_error, created_at \
         FROM approval_mail_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Every mail, newest first (the dev mailbox).
pub async fn all_mails(pool: &SqlitePool, limit: i64) -> Result<Vec<MailRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient, subject, text_body, html_body, status, transport, attempts, last_error, created_at \
         FROM approval_mail_outbox ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Marks a mail sent.
pub async fn mail_sent(pool: &SqlitePool, id: i64, transport: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE approval_mail_outbox SET status = 'sent', transport = ?, attempts = attempts + 1, sent_at = ?, \
         last_error = NULL WHERE id = ?",
    )
    .bind(transport)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await
    .map(drop)
}

/// Records a failed attempt: retried at `next_attempt_at`, or `failed` for good when `None`.
pub async fn mail_attempt_failed(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE approval_mail_outbox SET attempts = attempts + 1, last_error = ?, \
         status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END, \
         next_attempt_at = coalesce(?, next_attempt_at) WHERE id = ?",
    )
    .bind(error)
    .bind(next_attempt_at)
    .bind(next_attempt_at)
    .bind(id)
    .execute(pool)
    .await
    .map(drop)
}

/// The earliest time a pending row of `table`'s outbox is due.
pub async fn next_due(pool: &SqlitePool, table: OutboxTable) -> Result<Option<i64>, sqlx::Error> {
    let sql = match table {
        OutboxTable::Mail => "SELECT min(next_attempt_at) FROM approval_mail_outbox WHERE status = 'pending'",
        OutboxTable::Callback => "SELECT min(next_attempt_at) FROM approval_callbacks WHERE status = 'pending'",
    };
    sqlx::query_scalar(sql).fetch_one(pool).await
}

/// The two outboxes.
#[derive(Clone, Copy, Debug)]
pub enum OutboxTable {
    /// `approval_mail_outbox`.
    Mail,
    /// `approval_callbacks`.
    Callback,
}

/// Callbacks due for an attempt.
pub async fn due_callbacks(pool: &SqlitePool, now: i64, limit: i64) -> Result<Vec<CallbackRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.request_id, c.token, c.outcome, c.output, c.error, c.cause, c.attempts, r.origin, r.channel, \
                r.execution_arn \
         FROM approval_callbacks c JOIN approval_requests r ON r.id = c.request_id \
         WHERE c.status = 'pending' AND c.next_attempt_at <= ? ORDER BY c.next_attempt_at, c.id LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Marks a callback delivered (`delivered`) or pointless (`gone`: no task waits for the token).
/// Returns false when another worker finished it first.
pub async fn callback_finished(pool: &SqlitePool, id: i64, status: &str, now: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE approval_callbacks SET status = ?, attempts = attempts + 1, delivered_at = ? \
         WHERE id = ? AND status = 'pending'",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a failed callback attempt: retried at `next_attempt_at`, or `failed` when `None`.
pub async fn callback_attempt_failed(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE approval_callbacks SET attempts = attempts + 1, last_error = ?, \
         status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END, \
         next_attempt_at = coalesce(?, next_attempt_at) WHERE id = ? AND status = 'pending'",
    )
    .bind(error)
    .bind(next_attempt_at)
    .bind(next_attempt_at)
    .bind(id)
    .execute(pool)
    .await
    .map(drop)
}

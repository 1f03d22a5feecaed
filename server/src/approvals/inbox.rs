//! Read-only queries behind the app's Approvals pages: the inbox (requests with filters,
//! newest first, in pages) and one request's audit trail (its links and whether they still
//! work, links opened, decisions, mails, callbacks). Nothing here writes; [`SqliteInbox`] hands them to the app as its
//! [`app::ssr::ApprovalInbox`].

use app::{
    approvals::{
        CallbackEntry, DecisionEntry, InboxError as PageError, InboxFacets, InboxFilter, InboxPage, InboxRow,
        LinkEntry, MailEntry, PAGE_SIZE, RequestDetail, STATUSES, ViewEntry, is_day,
    },
    ssr::{ApprovalInbox, BoxFuture},
};
use asl::eval::time::format_millis;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// Why an inbox query failed.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The database failed.
    #[error("reading the approval inbox: {0}")]
    Database(#[from] sqlx::Error),
    /// A filter's value cannot be used; the message says which and why.
    #[error("{0}")]
    InvalidFilter(String),
}

/// The app's view of these queries, on the pool the app's context carries.
#[derive(Clone, Debug, Default)]
pub struct SqliteInbox {
    /// The channels this server's settings name, in their order.
    pub configured_channels: Vec<String>,
}

impl ApprovalInbox for SqliteInbox {
    fn list<'a>(
        &'a self,
        pool: &'a SqlitePool,
        filter: &'a InboxFilter,
    ) -> BoxFuture<'a, Result<InboxPage, PageError>> {
        Box::pin(async move { list(pool, filter).await.map_err(for_the_page) })
    }

    fn facets<'a>(&'a self, pool: &'a SqlitePool) -> BoxFuture<'a, Result<InboxFacets, PageError>> {
        Box::pin(async move { facets(pool, &self.configured_channels).await.map_err(for_the_page) })
    }

    fn request<'a>(&'a self, pool: &'a SqlitePool, id: i64) -> BoxFuture<'a, Result<Option<RequestDetail>, PageError>> {
        Box::pin(async move { request(pool, id).await.map_err(for_the_page) })
    }
}

/// Shows users their mistakes and hides (but logs) ours.
fn for_the_page(error: InboxError) -> PageError {
    match error {
        InboxError::InvalidFilter(message) => PageError::InvalidFilter(message),
        InboxError::Database(error) => {
            tracing::error!(%error, "the approval inbox could not be read");
            PageError::Storage
        }
    }
}

/// The columns of an [`InboxRow`], selected from `approval_requests AS r`.
const ROW_COLUMNS: &str = "SELECT r.id, r.channel, r.state_machine_arn, r.execution_arn, r.state_name, r.subject, \
     r.status, r.created_at, r.decided_at, \
     COALESCE((SELECT group_concat(l.approver, ', ') FROM approval_links l WHERE l.request_id = r.id), '') \
     AS approvers FROM approval_requests r";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    channel: String,
    state_machine_arn: String,
    execution_arn: String,
    state_name: String,
    subject: String,
    status: String,
    created_at: i64,
    decided_at: Option<i64>,
    approvers: String,
}

impl From<RequestRow> for InboxRow {
    fn from(row: RequestRow) -> Self {
        InboxRow {
            id: row.id,
            channel: row.channel,
            state_machine_arn: row.state_machine_arn,
            execution_arn: row.execution_arn,
            state_name: row.state_name,
            subject: row.subject,
            status: row.status,
            approvers: row.approvers,
            created_at: format_millis(row.created_at),
            decided_at: row.decided_at.map(format_millis),
        }
    }
}

/// One page of the requests matching `filter`, newest first, and how many match in all.
pub async fn list(pool: &SqlitePool, filter: &InboxFilter) -> Result<InboxPage, InboxError> {
    let conditions = Conditions::from_filter(filter)?;
    let page = filter.page.max(1);

    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM approval_requests r");
    conditions.push_where(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut select = QueryBuilder::<Sqlite>::new(ROW_COLUMNS);
    conditions.push_where(&mut select);
    select
        .push(" ORDER BY r.created_at DESC, r.id DESC LIMIT ")
        .push_bind(i64::from(PAGE_SIZE))
        .push(" OFFSET ")
        .push_bind(i64::from(page - 1) * i64::from(PAGE_SIZE));
    let rows: Vec<RequestRow> = select.build_query_as().fetch_all(pool).await?;
    Ok(InboxPage { rows: rows.into_iter().map(InboxRow::from).collect(), total, page })
}

/// The channels and state machines that have requests, for the filters' choices.
pub async fn facets(pool: &SqlitePool, configured: &[String]) -> Result<InboxFacets, InboxError> {
    let channels =
        sqlx::query_scalar("SELECT DISTINCT channel FROM approval_requests ORDER BY channel").fetch_all(pool).await?;
    let state_machines =
        sqlx::query_scalar("SELECT DISTINCT state_machine_arn FROM approval_requests ORDER BY state_machine_arn")
            .fetch_all(pool)
            .await?;
    Ok(InboxFacets { channels, state_machines, configured: configured.to_vec() })
}

/// One request with its audit trail, oldest entry first; `None` when there is no such request.
pub async fn request(pool: &SqlitePool, id: i64) -> Result<Option<RequestDetail>, InboxError> {
    let Some(row) =
        sqlx::query_as::<_, RequestRow>(&format!("{ROW_COLUMNS} WHERE r.id = ?")).bind(id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let (details, deadline, policy): (String, Option<String>, String) =
        sqlx::query_as("SELECT details, deadline, policy FROM approval_requests WHERE id = ?")
            .bind(id)
            .fetch_one(pool)
            .await?;

    let now = crate::engine::now_millis();
    let links = sqlx::query_as::<_, (String, Option<i64>, bool)>(
        "SELECT l.approver, l.expires_at, d.id IS NOT NULL FROM approval_links l \
         LEFT JOIN approval_decisions d ON d.link_id = l.id WHERE l.request_id = ? ORDER BY l.rowid",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(approver, expires_at, decided)| LinkEntry {
        approver,
        expires_at: expires_at.map(format_millis),
        expired: expires_at.is_some_and(|at| at <= now),
        decided,
    })
    .collect();

    let views = sqlx::query_as::<_, (String, Option<String>, i64)>(
        "SELECT l.approver, v.remote_address, v.at FROM approval_views v \
         JOIN approval_links l ON l.id = v.link_id WHERE l.request_id = ? ORDER BY v.at, v.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(approver, remote_address, at)| ViewEntry { approver, remote_address, at: format_millis(at) })
    .collect();

    let decisions = sqlx::query_as::<_, (String, String, String, Option<String>, i64)>(
        "SELECT approver, decision, comment, remote_address, at FROM approval_decisions \
         WHERE request_id = ? ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(approver, decision, comment, remote_address, at)| DecisionEntry {
        approver,
        decision,
        comment,
        remote_address,
        at: format_millis(at),
    })
    .collect();

    let mails = sqlx::query_as::<_, MailRow>(
        "SELECT recipient, subject, status, transport, attempts, last_error, created_at, sent_at \
         FROM approval_mail_outbox WHERE request_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|mail| MailEntry {
        recipient: mail.recipient,
        subject: mail.subject,
        status: mail.status,
        transport: mail.transport,
        attempts: mail.attempts,
        last_error: mail.last_error,
        created_at: format_millis(mail.created_at),
        sent_at: mail.sent_at.map(format_millis),
    })
    .collect();

    let callbacks = sqlx::query_as::<_, CallbackRow>(
        "SELECT outcome, status, error, cause, attempts, last_error, created_at, delivered_at \
         FROM approval_callbacks WHERE request_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|callback| CallbackEntry {
        outcome: callback.outcome,
        status: callback.status,
        error: callback.error,
        cause: callback.cause,
        attempts: callback.attempts,
        last_error: callback.last_error,
        created_at: format_millis(callback.created_at),
        delivered_at: callback.delivered_at.map(format_millis),
    })
    .collect();

    Ok(Some(RequestDetail {
        request: row.into(),
        details: super::mail::pretty_details(&details),
        deadline,
        policy,
        links,
        views,
        decisions,
        mails,
        callbacks,
    }))
}

#[derive(sqlx::FromRow)]
struct MailRow {
    recipient: String,
    subject: String,
    status: String,
    transport: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CallbackRow {
    outcome: String,
    status: String,
    error: Option<String>,
    cause: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

/// A filter, checked: every value is usable, empty ones are gone.
#[derive(Debug, Default)]
struct Conditions<'a> {
    channel: Option<&'a str>,
    state_machine: Option<&'a str>,
    approver: Option<&'a str>,
    status: Option<&'a str>,
    from_day: Option<&'a str>,
    to_day: Option<&'a str>,
}

impl<'a> Conditions<'a> {
    fn from_filter(filter: &'a InboxFilter) -> Result<Self, InboxError> {
        let given = |value: &'a Option<String>| value.as_deref().map(str::trim).filter(|value| !value.is_empty());
        let status = given(&filter.status);
        if let Some(status) = status
            && !STATUSES.contains(&status)
        {
            return Err(InboxError::InvalidFilter(format!(
                "{status:?} is not a status: use one of {}",
                STATUSES.join(", ")
            )));
        }
        let (from_day, to_day) = (given(&filter.from), given(&filter.to));
        for day in [from_day, to_day].into_iter().flatten() {
            if !is_day(day) {
                return Err(InboxError::InvalidFilter(format!("{day:?} is not a date: write it as YYYY-MM-DD")));
            }
        }
        if let (Some(from), Some(to)) = (from_day, to_day)
            && from > to
        {
            return Err(InboxError::InvalidFilter(format!("the range starts ({from}) after it ends ({to})")));
        }
        Ok(Self {
            channel: given(&filter.channel),
            state_machine: given(&filter.state_machine),
            approver: given(&filter.approver),
            status,
            from_day,
            to_day,
        })
    }

    fn push_where(&self, query: &mut QueryBuilder<'a, Sqlite>) {
        query.push(" WHERE 1 = 1");
        if let Some(channel) = self.channel {
            query.push(" AND r.channel = ").push_bind(channel);
        }
        if let Some(state_machine) = self.state_machine {
            query.push(" AND r.state_machine_arn = ").push_bind(state_machine);
        }
        if let Some(approver) = self.approver {
            query
                .push(" AND EXISTS (SELECT 1 FROM approval_links l WHERE l.request_id = r.id AND lower(l.approver) = lower(")
                .push_bind(approver)
                .push("))");
        }
        if let Some(status) = self.status {
            query.push(" AND r.status = ").push_bind(status);
        }
        // Days are UTC; `to` includes its whole day.
        if let Some(from) = self.from_day {
            query.push(" AND r.created_at >= CAST(strftime('%s', ").push_bind(from).push(") AS INTEGER) * 1000");
        }
        if let Some(to) = self.to_day {
            query.push(" AND r.created_at < CAST(strftime('%s', ").push_bind(to).push(", '+1 day') AS INTEGER) * 1000");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::{
        config::Policy,
        store::{self, NewLink, NewRequest, Submission},
    };

    /// `2026-11-20T12:00:00Z` in milliseconds.
    const NOV_20_NOON: i64 = 1_795_176_000_000;
    const DAY: i64 = 86_400_000;

    fn new_request(token: &str, channel: &str, machine: &str, approvers: &[&str], now: i64) -> NewRequest {
        NewRequest {
            channel: channel.into(),
            token: token.into(),
            execution_arn: format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{token}"),
            state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
            state_name: "Approve".into(),
            subject: format!("Subject {token}"),
            details: r#"{"amount":"<b>42</b>"}"#.into(),
            deadline: None,
            deadline_at: None,
            policy: Policy::Any,
            reject_error: "ApprovalRejected".into(),
            expire_error: "ApprovalExpired".into(),
            origin: store::Origin::Engine,
            links: approvers
                .iter()
                .enumerate()
                .map(|(index, approver)| NewLink {
                    id: format!("{token}-link-{index}"),
                    key: format!("{token}-link-{index}"),
                    expires_at: now + DAY,
                    approver: (*approver).into(),
                    mail_subject: format!("Approval requested: Subject {token}"),
                    text_body: "text".into(),
                    html_body: "<p>html</p>".into(),
                })
                .collect(),
            now,
        }
    }

    async fn ids(pool: &SqlitePool, filter: InboxFilter) -> Vec<i64> {
        list(pool, &filter).await.expect("listing").rows.into_iter().map(|row| row.id).collect()
    }

    #[tokio::test]
    async fn filters_pages_and_the_audit_trail_come_from_the_real_tables() {
        let data = tempfile::tempdir().expect("a temporary folder");
        let pool = crate::db::open(data.path()).await.expect("the database");
        let requests = [
            new_request("a", "orders", "Orders", &["boss@example.com"], NOV_20_NOON - DAY),
            new_request("b", "orders", "Refunds", &["Boss@Example.com", "cfo@example.com"], NOV_20_NOON),
            new_request("c", "hr", "Hiring", &["hr@example.com"], NOV_20_NOON + DAY),
        ];
        for request in &requests {
            assert!(store::record_request(&pool, request).await.expect("recording"));
        }
        let b_id: i64 = sqlx::query_scalar("SELECT id FROM approval_requests WHERE token = 'b'")
            .fetch_one(&pool)
            .await
            .expect("b's id");
        store::record_view(&pool, "b-link-1", Some("127.0.0.1"), NOV_20_NOON + 1_000).await.expect("a view");
        let submitted = store::submit(
            &pool,
            &Submission {
                key: "b-link-1",
                approve: false,
                comment: "too much",
                remote_address: Some("127.0.0.1".into()),
                now: NOV_20_NOON + 2_000,
                now_text: format_millis(NOV_20_NOON + 2_000),
            },
        )
        .await
        .expect("a decision");
        assert!(matches!(submitted, store::Submitted::Decided { .. }), "{submitted:?}");

        // Newest first; every filter narrows.
        let all = list(&pool, &InboxFilter::default()).await.expect("listing");
        assert_eq!(all.total, 3);
        assert_eq!(
            all.rows.iter().map(|row| row.subject.as_str()).collect::<Vec<_>>(),
            ["Subject c", "Subject b", "Subject a"]
        );
        assert_eq!(all.rows[1].status, "rejected");
        assert_eq!(all.rows[1].approvers, "Boss@Example.com, cfo@example.com");
        let filter = |edit: fn(&mut InboxFilter)| {
            let mut filter = InboxFilter::default();
            edit(&mut filter);
            filter
        };
        assert_eq!(ids(&pool, filter(|f| f.channel = Some("hr".into()))).await.len(), 1);
        assert_eq!(ids(&pool, filter(|f| f.status = Some("rejected".into()))).await, [b_id]);
        assert_eq!(ids(&pool, filter(|f| f.approver = Some("boss@example.com".into()))).await.len(), 2);
        assert_eq!(
            ids(
                &pool,
                filter(|f| f.state_machine = Some("arn:aws:states:us-east-1:123456789012:stateMachine:Refunds".into()))
            )
            .await,
            [b_id]
        );
        assert_eq!(
            ids(&pool, filter(|f| (f.from, f.to) = (Some("2026-11-20".into()), Some("2026-11-20".into())))).await,
            [b_id]
        );
        assert_eq!(ids(&pool, filter(|f| f.from = Some("2026-11-20".into()))).await.len(), 2);
        assert!(ids(&pool, filter(|f| f.page = 2)).await.is_empty());

        // Bad filters are the user's mistake, named.
        for bad in [
            filter(|f| f.status = Some("maybe".into())),
            filter(|f| f.from = Some("20-11-2026".into())),
            filter(|f| (f.from, f.to) = (Some("2026-11-21".into()), Some("2026-11-20".into()))),
        ] {
            assert!(matches!(list(&pool, &bad).await, Err(InboxError::InvalidFilter(_))), "{bad:?}");
        }

        let facets = facets(&pool, &["orders".into(), "payroll".into()]).await.expect("facets");
        assert_eq!(facets.channels, ["hr", "orders"]);
        assert_eq!(facets.configured, ["orders", "payroll"]);
        assert_eq!(facets.state_machines.len(), 3);

        // The audit trail: the view, the decision, two mails and the failure callback.
        let detail = request(&pool, b_id).await.expect("reading").expect("b exists");
        assert_eq!(detail.details, "{\n  \"amount\": \"<b>42</b>\"\n}");
        assert_eq!(detail.policy, "any");
        // Both links expired a day after the request (the test's clock is in the past); the
        // CFO decided.
        let links: Vec<(&str, bool, bool)> =
            detail.links.iter().map(|link| (link.approver.as_str(), link.expired, link.decided)).collect();
        assert_eq!(links, [("Boss@Example.com", true, false), ("cfo@example.com", true, true)]);
        assert_eq!(detail.links[0].expires_at, Some(format_millis(NOV_20_NOON + DAY)));
        assert_eq!(detail.views.len(), 1);
        assert_eq!(detail.views[0].approver, "cfo@example.com");
        assert_eq!(detail.views[0].remote_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(detail.decisions.len(), 1);
        assert_eq!(
            (detail.decisions[0].decision.as_str(), detail.decisions[0].comment.as_str()),
            ("reject", "too much")
        );
        assert_eq!(detail.mails.iter().map(|mail| mail.status.as_str()).collect::<Vec<_>>(), ["pending", "pending"]);
        assert_eq!(detail.callbacks.len(), 1);
        assert_eq!(detail.callbacks[0].outcome, "failure");
        assert_eq!(detail.callbacks[0].error.as_deref(), Some("ApprovalRejected"));
        assert_eq!(detail.request.decided_at, Some(format_millis(NOV_20_NOON + 2_000)));
        assert!(request(&pool, 9_999).await.expect("reading").is_none());
    }
}

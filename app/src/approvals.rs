//! The approvals inbox: every approval request with filters (`/approvals`) and one request with
//! its execution's graph and its audit trail (`/approvals/:id`).
//!
//! The data types here are shared by the server (which fills them in
//! `server/src/approvals/inbox.rs`) and the browser. The server functions reach the queries
//! through [`crate::ssr::ServerContext`]: its `inbox` runs them on its `pool`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    executions::{ExecutionDetail, ExecutionsError, encode_component, last_segment, read_execution, state_statuses},
    graph_view::{StateGraph, StateStatus},
};

/// How many requests one page of the inbox lists.
pub const PAGE_SIZE: u32 = 25;

/// The statuses a request can have, in the order the filter offers them.
pub const STATUSES: [&str; 5] = ["pending", "approved", "rejected", "expired", "cancelled"];

/// The inbox's filters, as the page's query string carries them. Empty means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFilter {
    /// A channel's name.
    pub channel: Option<String>,
    /// A state machine's ARN.
    pub state_machine: Option<String>,
    /// An approver's email address (any of the request's approvers, case-insensitive).
    pub approver: Option<String>,
    /// One of [`STATUSES`].
    pub status: Option<String>,
    /// The first day (`YYYY-MM-DD`, UTC) a listed request may have been created on.
    pub from: Option<String>,
    /// The last day (`YYYY-MM-DD`, UTC) a listed request may have been created on.
    pub to: Option<String>,
    /// The page, from 1.
    pub page: u32,
}

impl InboxFilter {
    /// The query string (without `?`) that shows this filter on `page`.
    pub fn query_for_page(&self, page: u32) -> String {
        let fields = [
            ("channel", &self.channel),
            ("state_machine", &self.state_machine),
            ("approver", &self.approver),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let mut parts: Vec<String> = fields
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name}={}", encode_component(value))))
            .collect();
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// One request as the inbox lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRow {
    /// The request's id (its detail page is `/approvals/<id>`).
    pub id: i64,
    /// The channel it came through.
    pub channel: String,
    /// The waiting execution's state machine.
    pub state_machine_arn: String,
    /// The waiting execution.
    pub execution_arn: String,
    /// The Task state that waits.
    pub state_name: String,
    /// What is asked.
    pub subject: String,
    /// pending, approved, rejected, expired or cancelled.
    pub status: String,
    /// The approvers, comma-separated.
    pub approvers: String,
    /// When it arrived (RFC 3339, UTC).
    pub created_at: String,
    /// When it was decided or closed (RFC 3339, UTC).
    pub decided_at: Option<String>,
}

/// One page of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    /// The requests, newest first.
    pub rows: Vec<InboxRow>,
    /// How many requests match the filter on all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: u32,
}

/// What the filters can choose from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFacets {
    /// The channels that have requests.
    pub channels: Vec<String>,
    /// The state machines (ARNs) that have requests.
    pub state_machines: Vec<String>,
    /// The channels this server's settings name (requests may exist for others, since removed).
    pub configured: Vec<String>,
}

/// One request with everything known about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    /// The request as the inbox lists it.
    pub request: InboxRow,
    /// The message's details, pretty-printed JSON (empty when there were none).
    pub details: String,
    /// The deadline as the message wrote it.
    pub deadline: Option<String>,
    /// any, all or quorum:N.
    pub policy: String,
    /// Each approver's link: whether it still works, and until when.
    pub links: Vec<LinkEntry>,
    /// Who opened a link, from where and when.
    pub views: Vec<ViewEntry>,
    /// Who decided what.
    pub decisions: Vec<DecisionEntry>,
    /// The mails sent (or still waiting to be).
    pub mails: Vec<MailEntry>,
    /// The callback to the workflow (SendTaskSuccess / SendTaskFailure).
    pub callbacks: Vec<CallbackEntry>,
}

/// An approver's link as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEntry {
    /// Whose link.
    pub approver: String,
    /// When its URL stops (or stopped) working (RFC 3339); none for links made before links
    /// expired, which live as long as their request.
    pub expires_at: Option<String>,
    /// Whether it has expired.
    pub expired: bool,
    /// Whether its approver has decided.
    pub decided: bool,
}

/// An approver's link opened (a GET, which decides nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewEntry {
    /// Whose link.
    pub approver: String,
    /// The address it was opened from, when known.
    pub remote_address: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// An approver's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionEntry {
    /// Who decided.
    pub approver: String,
    /// approve or reject.
    pub decision: String,
    /// Their comment.
    pub comment: String,
    /// The address it came from, when known.
    pub remote_address: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailEntry {
    /// To whom.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// pending, sent or failed.
    pub status: String,
    /// smtp or dev-mailbox, once sent.
    pub transport: Option<String>,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// When it was delivered (RFC 3339).
    pub sent_at: Option<String>,
}

/// The decision's callback in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackEntry {
    /// success (SendTaskSuccess) or failure (SendTaskFailure).
    pub outcome: String,
    /// pending, delivered, gone or failed.
    pub status: String,
    /// The failure's error name.
    pub error: Option<String>,
    /// The failure's cause.
    pub cause: Option<String>,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// When it was delivered (RFC 3339).
    pub delivered_at: Option<String>,
}

/// Why the inbox could not be shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum InboxError {
    /// No request has this id.
    #[error("there is no approval request {0}")]
    NotFound(String),
    /// A filter's value cannot be used (the message says which and why).
    #[error("{0}")]
    InvalidFilter(String),
    /// The server could not read its database; the details are in its log.
    #[error("the approvals could not be read; the server's log has the details")]
    Storage,
    /// The server function itself failed (network, encoding).
    #[error("the server did not answer: {0}")]
    Server(String),
    /// The request had no session (it ended, or was signed out elsewhere): the server asks
    /// for a sign-in. The page keeps its work.
    #[error("{}", crate::SIGNED_OUT)]
    SignedOut,
}

crate::server_fn_error!(InboxError);

/// One page of requests matching `filter`, newest first.
#[server(prefix = "/api", endpoint = "approvals/list")]
pub async fn list_approvals(filter: InboxFilter) -> Result<InboxPage, InboxError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    context.inbox.list(&context.pool, &filter).await
}

/// The channels and state machines the filters offer.
#[server(prefix = "/api", endpoint = "approvals/facets")]
pub async fn approval_facets() -> Result<InboxFacets, InboxError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    context.inbox.facets(&context.pool).await
}

/// One request with its audit trail.
#[server(prefix = "/api", endpoint = "approvals/request")]
pub async fn approval_request(id: String) -> Result<RequestDetail, InboxError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    let Ok(number) = id.parse::<i64>() else {
        return Err(InboxError::NotFound(id));
    };
    context.inbox.request(&context.pool, number).await?.ok_or(InboxError::NotFound(id))
}

/// The page at `/approvals`: filters and one page of requests.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|query| {
            let text =
                |name: &str| query.get(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
            InboxFilter {
                channel: text("channel"),
                state_machine: text("state_machine"),
                approver: text("approver"),
                status: text("status"),
                from: text("from"),
                to: text("to"),
                page: text("page").and_then(|page| page.parse().ok()).filter(|page| *page > 0).unwrap_or(1),
            }
        })
    });
    let inbox = Resource::new(move || filter.get(), list_approvals);
    let facets = Resource::new(|| (), |_| approval_facets());
    // New requests and decisions show without a reload.
    stay_current(inbox, |_| true, move || list_approvals(filter.get_untracked()), |shown, now| shown == now);

    view! {
        <Title text="Approvals" />
        <h1>"Approvals"</h1>
        <p class="lede">
            "Requests from approval channels: "
            "waitForTaskToken tasks mailed to approvers and decided on their links."
        </p>
        <FilterForm filter facets />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let unconfigured = facets.await.is_ok_and(|facets| facets.configured.is_empty());
                // Always an element, so the server's HTML and hydration agree on the shape.
                view! { <div class="setup-hints">{unconfigured.then(|| view! { <NoChannels /> })}</div> }
            })}
        </Suspense>
        <ErrorBoundary fallback=error_list>
            // A Transition keeps the requests on the page while they are read again.
            <Transition fallback=|| view! { <p>"Loading the requests…"</p> }>
                {move || Suspend::new(async move {
                    inbox.await.map(|page| view! { <InboxTable page filter=filter.get_untracked() /> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// The filter form: a plain GET form, so it works before (and without) hydration.
#[component]
fn FilterForm(filter: Memo<InboxFilter>, facets: Resource<Result<InboxFacets, InboxError>>) -> impl IntoView {
    let current = filter.get_untracked();
    let options = move |choices: Vec<String>, selected: Option<String>, label: fn(&str) -> String| {
        choices
            .into_iter()
            .map(|choice| {
                let is_selected = selected.as_deref() == Some(choice.as_str());
                let text = label(&choice);
                view! { <option value=choice selected=is_selected>{text}</option> }
            })
            .collect_view()
    };
    let (channel, state_machine) = (current.channel.clone(), current.state_machine.clone());
    view! {
        <form class="filters card" method="get" action="/approvals" aria-label="Filter the requests">
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status">
                    <option value="">"Any"</option>
                    {options(STATUSES.iter().map(|status| status.to_string()).collect(), current.status.clone(), capitalized)}
                </select>
            </div>
            <Suspense fallback=|| ()>
                {move || {
                    let (channel, state_machine) = (channel.clone(), state_machine.clone());
                    Suspend::new(async move {
                        let InboxFacets { mut channels, state_machines, configured } = facets.await.unwrap_or_default();
                        // A configured channel can be chosen before it has any request.
                        channels.extend(configured);
                        asl::sort::sort(&mut channels);
                        channels.dedup();
                        view! {
                            <div class="field">
                                <label for="filter-channel">"Channel"</label>
                                <select id="filter-channel" name="channel">
                                    <option value="">"Any"</option>
                                    {options(channels, channel, str::to_string)}
                                </select>
                            </div>
                            <div class="field">
                                <label for="filter-state-machine">"State machine"</label>
                                <select id="filter-state-machine" name="state_machine">
                                    <option value="">"Any"</option>
                                    {options(state_machines, state_machine, |arn| last_segment(arn).to_string())}
                                </select>
                            </div>
                        }
                    })
                }}
            </Suspense>
            <div class="field">
                <label for="filter-approver">"Approver"</label>
                <input id="filter-approver" name="approver" type="email" value=current.approver.clone() />
            </div>
            <div class="field">
                <label for="filter-from">"Created from"</label>
                <input id="filter-from" name="from" type="date" value=current.from.clone().filter(|day| is_day(day)) />
            </div>
            <div class="field">
                <label for="filter-to">"Created to"</label>
                <input id="filter-to" name="to" type="date" value=current.to.clone().filter(|day| is_day(day)) />
            </div>
            <div class="field actions">
                <button type="submit">"Filter"</button>
                <a href="/approvals" rel="external">"Clear"</a>
            </div>
        </form>
    }
}

/// What to do when this server has no approval channel: no request can arrive until one is set.
#[component]
fn NoChannels() -> impl IntoView {
    view! {
        <section class="card" data-testid="no-channels">
            <h2>"No approval channels yet"</h2>
            <p>
                "This server has no approval channel, so no waitForTaskToken task becomes a request. "
                "Name one in "<code>"statehouse.toml"</code>" (or the file "<code>"STATEHOUSE_CONFIG"</code>
                " names) and restart the server:"
            </p>
            <pre class="details">
                "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"https://sqs.us-east-1.amazonaws.com/123456789012/approvals\"\napprovers = [\"boss@example.com\"]\npolicy = \"any\""
            </pre>
            <p class="muted">
                "A Task that sends to that queue (or topic, event bus or function) with "
                <code>".waitForTaskToken"</code>
                " then mails its approvers a link. The README's Approvals section lists every setting."
            </p>
        </section>
    }
}

/// The requests of one page, with links to the previous and next pages.
#[component]
fn InboxTable(page: InboxPage, filter: InboxFilter) -> impl IntoView {
    let InboxPage { rows, total, page } = page;
    let last_page = (total.max(1) as u32).div_ceil(PAGE_SIZE);
    // Past the last page (an old link, a hand-typed number), "previous" leads to the last one.
    let previous = (page > 1).then(|| format!("/approvals?{}", filter.query_for_page((page - 1).min(last_page))));
    let next = (page < last_page).then(|| format!("/approvals?{}", filter.query_for_page(page + 1)));
    let summary = match total {
        0 => "No requests match.".to_string(),
        _ if page > last_page => format!("{total} request(s); there is no page {page}, the last is {last_page}."),
        1 => "1 request.".to_string(),
        _ => format!("{total} requests, page {page} of {last_page}."),
    };
    view! {
        <p role="status" data-testid="inbox-summary">{summary}</p>
        <Show when={
            let empty = rows.is_empty();
            move || !empty
        }>
            <table class="inbox">
                <thead>
                    <tr>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"State machine"</th>
                        <th scope="col">"Execution"</th>
                        <th scope="col">"Approvers"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Decided"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .clone()
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr data-request-id=row.id>
                                    <td data-label="Request">
                                        <a href=format!("/approvals/{}", row.id)>{row.subject}</a>
                                    </td>
                                    <td data-label="Status">
                                        <span class=format!("status status-{}", row.status)>{row.status.clone()}</span>
                                    </td>
                                    <td data-label="Channel">{row.channel}</td>
                                    <td data-label="State machine">{last_segment(&row.state_machine_arn).to_string()}</td>
                                    <td data-label="Execution">{last_segment(&row.execution_arn).to_string()}</td>
                                    <td data-label="Approvers">{row.approvers}</td>
                                    <td data-label="Created">{row.created_at}</td>
                                    <td data-label="Decided">
                                        {row.decided_at.filter(|_| decided(&row.status)).unwrap_or_else(|| "—".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </Show>
        <nav class="pager" aria-label="Pages">
            {previous.map(|href| view! { <a href=href rel="prev">"Newer"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Older"</a> })}
        </nav>
    }
}

/// What the detail page shows: the request, and its execution when this Statehouse runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ApprovalView {
    detail: RequestDetail,
    /// The execution with its history; `None` when there is no local execution (a request
    /// from real AWS Step Functions), an error when it could not be read.
    execution: Result<Option<ExecutionDetail>, ExecutionsError>,
}

/// The request `id` and its execution, read one after the other.
async fn approval_view(id: String) -> Result<ApprovalView, InboxError> {
    let detail = approval_request(id).await?;
    let execution = match read_execution(detail.request.execution_arn.clone()).await {
        Ok(execution) => Ok(Some(execution)),
        Err(ExecutionsError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    };
    Ok(ApprovalView { detail, execution })
}

/// The page at `/approvals/:id`: the request, its execution's graph, its details and its
/// audit trail.
#[component]
pub fn ApprovalPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|params| params.get("id").unwrap_or_default()));
    // Blocking, so the server waits for it before the first byte: an unknown id answers 404.
    let detail = Resource::new_blocking(
        move || id.get(),
        |id| {
            #[cfg(feature = "ssr")]
            let response = use_context::<crate::leptos_axum_response::ResponseOptions>();
            async move {
                let detail = approval_view(id).await;
                #[cfg(feature = "ssr")]
                if let (Err(InboxError::NotFound(_)), Some(response)) = (&detail, response) {
                    response.set_status(crate::leptos_axum_response::StatusCode::NOT_FOUND);
                }
                detail
            }
        },
    );
    // While the request waits for a decision or its callback, a decision made elsewhere (an
    // approver opening a link, a mail or the callback sent) shows without a reload.
    stay_current(
        detail,
        |shown| still_moving(&shown.detail),
        move || approval_request(id.get_untracked()),
        |shown, now| shown.detail == *now,
    );
    view! {
        <p><a href="/approvals">"← All approval requests"</a></p>
        <ErrorBoundary fallback=error_list>
            // A Transition keeps the request on the page while it is read again.
            <Transition fallback=|| view! { <p>"Loading the request…"</p> }>
                {move || {
                    Suspend::new(async move {
                        detail.await.map(|ApprovalView { detail, execution }| view! { <RequestView detail execution /> })
                    })
                }}
            </Transition>
        </ErrorBoundary>
    }
}

/// How often a page of the inbox asks whether what it shows has changed.
const LIVE_MILLIS: u64 = 3_000;

/// Keeps what a page of the inbox shows current: while `watch` says it may still change, asks
/// `ask` every [`LIVE_MILLIS`] and reads `resource` again when the answer is not `same` as what
/// is shown (so an unchanged page is not drawn again). Effects run only in the browser.
fn stay_current<T, A, Fut>(
    resource: Resource<Result<T, InboxError>>,
    watch: fn(&T) -> bool,
    ask: impl Fn() -> Fut + Clone + 'static,
    same: fn(&T, &A) -> bool,
) where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    A: 'static,
    Fut: std::future::Future<Output = Result<A, InboxError>> + 'static,
{
    Effect::new(move |_| {
        let Some(Ok(shown)) = resource.get() else { return };
        if !watch(&shown) {
            return;
        }
        let shown = std::sync::Arc::new(shown);
        let asking = StoredValue::new(false);
        let ask = ask.clone();
        let handle = set_interval_with_handle(
            move || {
                if asking.get_value() {
                    return;
                }
                asking.set_value(true);
                let (shown, ask) = (std::sync::Arc::clone(&shown), ask.clone());
                leptos::task::spawn_local(async move {
                    let now = ask().await;
                    let _ = asking.try_set_value(false);
                    if now.is_ok_and(|now| !same(&shown, &now)) {
                        resource.refetch();
                    }
                });
            },
            std::time::Duration::from_millis(LIVE_MILLIS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
}

/// Whether a request may still change by itself: it waits for a decision, or its decision for
/// its callback.
fn still_moving(detail: &RequestDetail) -> bool {
    detail.request.status == "pending" || detail.callbacks.iter().any(|callback| callback.status == "pending")
}

/// One request, rendered. Every value is text, so Leptos escapes it.
#[component]
fn RequestView(detail: RequestDetail, execution: Result<Option<ExecutionDetail>, ExecutionsError>) -> impl IntoView {
    let RequestDetail { request, details, deadline, policy, links, views, decisions, mails, callbacks } = detail;
    let pending = request.status == "pending";
    let links: Vec<String> = links
        .into_iter()
        .map(|link| {
            let state = match (link.decided, link.expired, link.expires_at) {
                (true, ..) => "decided".to_string(),
                // Once the request is over, no link decides anything: its page says so.
                (false, ..) if !pending => format!("unused; the request is {}", request.status),
                (false, true, Some(at)) => format!("expired {at}; the page it opens offers the approver a new link"),
                (false, false, Some(at)) => format!("works until {at}"),
                (false, _, None) => "works while the request waits".to_string(),
            };
            format!("{} — {state}", link.approver)
        })
        .collect();
    let nobody_decided = match request.status.as_str() {
        "pending" => "Nobody has decided yet.",
        "expired" => "Nobody decided: the request expired.",
        "cancelled" => "Nobody decided: the request was cancelled.",
        _ => "No decision is recorded.",
    };
    let title = format!("Approval request {}", request.id);
    let local = matches!(execution, Ok(Some(_)));
    let graph = view! {
        <RequestGraph
            execution
            state_name=request.state_name.clone()
            request_status=request.status.clone()
        />
    };
    view! {
        <Title text=title />
        <h1>{request.subject.clone()}</h1>
        <section class="card">
            <h2>"Request"</h2>
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span class=format!("status status-{}", request.status) data-testid="request-status">{request.status.clone()}</span></dd>
                <dt>"Channel"</dt><dd>{request.channel}</dd>
                <dt>"Policy"</dt><dd>{policy}</dd>
                <dt>"Approvers"</dt><dd>{request.approvers}</dd>
                <dt>"State machine"</dt><dd><code>{request.state_machine_arn}</code></dd>
                <dt>"Execution"</dt>
                <dd>
                    <code data-testid="execution-arn">{request.execution_arn.clone()}</code>
                    {local.then(|| view! {
                        <br />
                        <a href=crate::executions::execution_href(&request.execution_arn)>"Its history and state details"</a>
                    })}
                </dd>
                <dt>"State"</dt><dd>{request.state_name}</dd>
                <dt>"Created"</dt><dd>{request.created_at}</dd>
                // An expired or cancelled request was closed, not decided.
                <dt>{if pending || decided(&request.status) { "Decided" } else { "Closed" }}</dt>
                <dd>{request.decided_at.unwrap_or_else(|| "—".into())}</dd>
                {deadline.map(|deadline| view! { <dt>"Deadline"</dt><dd>{deadline}</dd> })}
            </dl>
        </section>
        {graph}
        <section class="card">
            <h2>"Details"</h2>
            {if details.is_empty() {
                view! { <p>"The message had no details."</p> }.into_any()
            } else {
                view! { <pre class="details" data-testid="request-details">{details}</pre> }.into_any()
            }}
        </section>
        <section class="card audit">
            <h2>"Audit trail"</h2>
            <h3>"Decisions"</h3>
            <AuditList empty=nobody_decided items=decisions
                .into_iter()
                .map(|entry| {
                    format!(
                        "{} — {} {}{}{}",
                        entry.at,
                        entry.approver,
                        if entry.decision == "approve" { "approved" } else { "rejected" },
                        from_address(&entry.remote_address),
                        if entry.comment.is_empty() { String::new() } else { format!(": “{}”", entry.comment) },
                    )
                })
                .collect() />
            <h3>"Links"</h3>
            <AuditList empty="No links." items=links />
            <h3>"Links opened"</h3>
            <AuditList empty="No link has been opened." items=views
                .into_iter()
                .map(|entry| format!("{} — {} opened the link{}", entry.at, entry.approver, from_address(&entry.remote_address)))
                .collect() />
            <h3>"Emails"</h3>
            <AuditList empty="No emails." items=mails
                .into_iter()
                .map(|mail| {
                    format!(
                        "{} — to {}: {} — {}{}, {} attempt(s){}{}",
                        mail.created_at,
                        mail.recipient,
                        mail.subject,
                        mail.status,
                        mail.transport.map(|transport| format!(" ({transport})")).unwrap_or_default(),
                        mail.attempts,
                        mail.sent_at.map(|at| format!(", sent {at}")).unwrap_or_default(),
                        mail.last_error.map(|error| format!(", last error: {error}")).unwrap_or_default(),
                    )
                })
                .collect() />
            <h3>"Callbacks to the workflow"</h3>
            <AuditList empty="No callback yet (the request is undecided)." items=callbacks
                .into_iter()
                .map(|callback| {
                    format!(
                        "{} — {}{} — {}, {} attempt(s){}{}",
                        callback.created_at,
                        if callback.outcome == "success" { "SendTaskSuccess" } else { "SendTaskFailure" },
                        callback
                            .error
                            .map(|error| format!(" {error}{}", callback.cause.map(|cause| format!(" ({cause})")).unwrap_or_default()))
                            .unwrap_or_default(),
                        callback.status,
                        callback.attempts,
                        callback.delivered_at.map(|at| format!(", delivered {at}")).unwrap_or_default(),
                        callback.last_error.map(|error| format!(", last error: {error}")).unwrap_or_default(),
                    )
                })
                .collect() />
        </section>
    }
}

/// The execution's graph, coloured from its history, with the request's Task state marked:
/// while the request is pending, that state is the one drawn running (waiting for the
/// decision). A request from real AWS has no local execution, so a sentence says so instead.
#[component]
fn RequestGraph(
    execution: Result<Option<ExecutionDetail>, ExecutionsError>,
    state_name: String,
    request_status: String,
) -> impl IntoView {
    let body = match execution {
        Ok(Some(ExecutionDetail { execution, definition, events, .. })) => {
            let statuses = state_statuses(&events, &execution.status);
            let waiting = statuses.get(&state_name) == Some(&StateStatus::Running);
            let caption = if request_status == "pending" && waiting {
                format!("“{state_name}” is waiting for this decision; the execution is {}.", execution.status)
            } else {
                format!("“{state_name}” asked for this decision (outlined); the execution is {}.", execution.status)
            };
            let marked = Signal::stored(Some(state_name));
            view! {
                <p data-testid="request-graph-caption">{caption}</p>
                <StateGraph definition statuses selected=marked />
            }
            .into_any()
        }
        Ok(None) => view! {
            <p class="muted" data-testid="request-graph-caption">
                "This execution runs on AWS Step Functions, not in this Statehouse, "
                "so its graph and history are not here. Open it in the AWS console to see them."
            </p>
        }
        .into_any(),
        Err(error) => view! {
            <p class="muted" data-testid="request-graph-caption">
                {format!("The execution's graph could not be shown: {error}.")}
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="card">
            <h2>"The execution's graph"</h2>
            {body}
        </section>
    }
}

/// A list of audit lines, or a sentence when there are none.
#[component]
fn AuditList(items: Vec<String>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        view! { <p class="muted">{empty}</p> }.into_any()
    } else {
        view! { <ul class="trail">{items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul> }
            .into_any()
    }
}

/// Whether a request's status is a decision (approved or rejected), not a close without one
/// (expired, cancelled) or a wait.
fn decided(status: &str) -> bool {
    matches!(status, "approved" | "rejected")
}

/// The error boundary's view: each error as a sentence.
fn error_list(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="card error" role="alert">
            <h2>"The requests could not be shown"</h2>
            <ul>
                {move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view()}
            </ul>
        </section>
    }
}

fn from_address(address: &Option<String>) -> String {
    address.as_ref().map(|address| format!(" from {address}")).unwrap_or_default()
}

fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map(|first| first.to_uppercase().chain(characters).collect()).unwrap_or_default()
}

/// Whether `text` is a calendar-plausible `YYYY-MM-DD` (month 1–12, day 1–31), the form a
/// date filter must take.
pub fn is_day(text: &str) -> bool {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes[range]
            .iter()
            .try_fold(0u32, |number, byte| byte.is_ascii_digit().then(|| number * 10 + u32::from(byte - b'0')))
    };
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && number(0..4).is_some()
        && number(5..7).is_some_and(|month| (1..=12).contains(&month))
        && number(8..10).is_some_and(|day| (1..=31).contains(&day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filter_and_encode_it() {
        let filter = InboxFilter {
            approver: Some("boss+1@example.com".into()),
            status: Some("pending".into()),
            state_machine: Some("arn:aws:states:us-east-1:123456789012:stateMachine:Orders".into()),
            page: 3,
            ..InboxFilter::default()
        };
        assert_eq!(
            filter.query_for_page(2),
            "state_machine=arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3AstateMachine%3AOrders\
             &approver=boss%2B1%40example.com&status=pending&page=2"
        );
        assert_eq!(filter.query_for_page(1), filter.query_for_page(0));
        assert_eq!(last_segment("arn:aws:states:us-east-1:1:execution:Orders:run-1"), "run-1");
    }

    #[test]
    fn days_are_checked_before_they_reach_sqlite() {
        assert!(is_day("2026-11-21"));
        for bad in ["2026-13-01", "2026-11-32", "2026-1-01", "2026/11/21", "", "abcd-ef-gh", "2026-11-2é"] {
            assert!(!is_day(bad), "{bad}");
        }
    }
}

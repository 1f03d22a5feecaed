//! The start page: what Statehouse is, where its parts are, what is going on at a glance
//! (executions running, failures of the last day, approvals waiting, the latest executions),
//! and a live check of the server.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{
    executions::{
        ExecutionCounts, ExecutionRow, ExecutionsError, StatusBadge, encode_component, execution_href, format_millis,
        last_segment, machine_href,
    },
    status::{ServerStatus, check_server},
};

/// How many of the latest executions the start page lists.
pub const RECENT_EXECUTIONS: usize = 5;

/// What the start page shows at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Executions running now, and failed ones started since [`Overview::since_millis`].
    pub counts: ExecutionCounts,
    /// The start of the last day (a whole minute), milliseconds since the epoch.
    pub since_millis: i64,
    /// Approval requests waiting for a decision.
    pub approvals_waiting: i64,
    /// The latest top-level executions, newest first.
    pub recent: Vec<ExecutionRow>,
}

impl Overview {
    /// The executions list showing the failures counted here.
    pub fn failed_href(&self) -> String {
        format!("/executions?status=FAILED&started_after={}", encode_component(&format_millis(self.since_millis)))
    }
}

/// The start page's figures.
#[server(prefix = "/api", endpoint = "overview")]
pub async fn read_overview() -> Result<Overview, ExecutionsError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    let now_millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64);
    const DAY_MILLIS: i64 = 24 * 3_600_000;
    let since_millis = (now_millis - DAY_MILLIS) / 60_000 * 60_000;
    let counts = context.executions.counts(&context.pool, since_millis).await?;
    let mut recent = context.executions.list(&context.pool, &crate::executions::ExecutionFilter::default()).await?.rows;
    recent.truncate(RECENT_EXECUTIONS);
    let waiting = crate::approvals::InboxFilter { status: Some("pending".into()), page: 1, ..Default::default() };
    let approvals_waiting =
        context.inbox.list(&context.pool, &waiting).await.map_err(|_| ExecutionsError::Storage)?.total;
    Ok(Overview { counts, since_millis, approvals_waiting, recent })
}

/// The page at `/`.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Statehouse"</h1>
            <p class="lede">
                "A self-hosted studio for the Amazon States Language: design Step Functions state machines as graphs, "
                "run them locally with AWS's semantics, and route human approvals by email."
            </p>
        </section>
        <section class="cards">
            <article class="card">
                <h2><a href="/designer" rel="external">"Designer"</a></h2>
                <p>"Edit state machines as graphs that round-trip losslessly to ASL JSON and YAML."</p>
            </article>
            <article class="card">
                <h2><a href="/executions">"Executions"</a></h2>
                <p>"Run state machines locally and follow each execution on its graph and in its history, in AWS's shape."</p>
            </article>
            <article class="card">
                <h2><a href="/approvals">"Approvals"</a></h2>
                <p>"Turn waitForTaskToken tasks into approval requests decided by email, and follow each one's audit trail."</p>
            </article>
        </section>
        <AtAGlance />
        <ServerCheck />
    }
}

/// Executions running, failed in the last day and approvals waiting, each a link to the list
/// that shows them, and the latest executions.
#[component]
fn AtAGlance() -> impl IntoView {
    let overview = Resource::new(|| (), |_| read_overview());
    view! {
        <section class="card glance" data-testid="overview" aria-labelledby="glance-heading">
            <h2 id="glance-heading">"At a glance"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Reading the executions…"</p> }>
                {move || Suspend::new(async move {
                    // Always one element at the root: an Option there hydrates wrongly.
                    view! { <div>{overview.await.map(|overview| view! { <Glance overview /> })}</div> }
                })}
            </Suspense>
        </section>
    }
}

/// The figures and the latest executions.
#[component]
fn Glance(overview: Overview) -> impl IntoView {
    let ExecutionCounts { running, failed } = overview.counts;
    let failed_href = overview.failed_href();
    let waiting = overview.approvals_waiting;
    let recent = overview.recent;
    let figure = |count: u64, one: &'static str, many: &'static str| {
        view! { <strong>{count.to_string()}</strong>" "{if count == 1 { one } else { many }}" " }
    };
    view! {
        <ul class="figures">
            <li>
                <a href="/executions?status=RUNNING" data-testid="glance-running">
                    {figure(running, "execution", "executions")}"running"
                </a>
            </li>
            <li>
                <a href=failed_href data-testid="glance-failed">
                    {figure(failed, "execution", "executions")}"failed in the last 24 hours"
                </a>
            </li>
            <li>
                <a href="/approvals?status=pending" data-testid="glance-approvals">
                    {figure(waiting.max(0) as u64, "approval", "approvals")}"waiting for a decision"
                </a>
            </li>
        </ul>
        {if recent.is_empty() {
            view! {
                <p class="muted" data-testid="glance-recent">
                    "Nothing has run yet: start an execution from the "<a href="/designer" rel="external">"Designer"</a>
                    "'s Test run or with the AWS CLI (the "<a href="/executions">"Executions"</a>" page shows how)."
                </p>
            }
            .into_any()
        } else {
            view! {
                <h3>"Latest executions"</h3>
                <table class="executions" data-testid="glance-recent">
                    <thead>
                        <tr>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"State machine"</th>
                            <th scope="col">"Started"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {recent
                            .into_iter()
                            .map(|row| {
                                view! {
                                    <tr data-execution=row.name.clone() data-status=row.status.clone()>
                                        <td data-label="Status"><StatusBadge status=row.status.clone() /></td>
                                        <td data-label="Name"><a href=execution_href(&row.arn)>{row.name.clone()}</a></td>
                                        <td data-label="State machine">
                                            <a href=machine_href(&row.state_machine_arn)>{last_segment(&row.state_machine_arn).to_string()}</a>
                                        </td>
                                        <td data-label="Started">{format_millis(row.start_millis)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <p><a href="/executions">"All executions"</a></p>
            }
            .into_any()
        }}
    }
}

/// A button that asks the server how it is; it works once the page has hydrated.
#[component]
fn ServerCheck() -> impl IntoView {
    let check = Action::new(|_: &()| check_server());
    let pending = check.pending();
    let outcome = check.value();

    view! {
        <section class="card server-check" aria-live="polite">
            <h2>"Server"</h2>
            <button
                type="button"
                data-testid="check-server"
                on:click=move |_| {
                    check.dispatch(());
                }
                disabled=move || pending.get()
            >
                {move || if pending.get() { "Checking…" } else { "Check the server" }}
            </button>
            <p data-testid="server-status">
                {move || match outcome.get() {
                    None => "Not checked yet.".to_string(),
                    Some(Ok(status)) => describe(&status),
                    Some(Err(error)) => format!("The check failed: {error}"),
                }}
            </p>
        </section>
    }
}

fn describe(status: &ServerStatus) -> String {
    format!(
        "Statehouse {} · {} answered in {:.1} ms · {} migration(s) applied",
        status.version, status.database, status.round_trip_ms, status.applied_migrations
    )
}

//! The executions list at `/executions`: filters in a GET form, one keyset page of
//! executions, newest first, kept up to date while executions run: the page listens to the
//! server's `GET /executions-events` stream (server-sent events) and reads its page again,
//! at most every [`REFRESH_DELAY_MILLIS`], whenever an execution starts or changes status.
//! Standard and Express executions are listed together, each with its type.
//! With `?machine=`, the state machine's actual cost per day follows the list, read again
//! whenever one of its executions ends.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    Cursor, DesignerLink, ExecutionFilter, ExecutionPage, STATUSES, StartHint, StatusBadge, StoppedCell,
    actions::StartExecutionPanel,
    cost::{MachineCostSection, machine_cost_resource},
    defined_machine, duration_text, encode_component, error_list, execution_href,
    failures::{FailurePatternsSection, RedriveFailures, RedriveNotice, failure_statuses, read_failure_patterns},
    format_millis, last_segment, list_executions, machine_href, parse_instant,
};

/// The page at `/executions`: filters and one page of executions.
#[component]
pub fn ExecutionsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|query| {
            let text =
                |name: &str| query.get(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
            ExecutionFilter {
                machine: text("machine"),
                status: text("status"),
                name: text("name"),
                error: text("error"),
                started_after: text("started_after"),
                started_before: text("started_before"),
                before: text("before").and_then(|text| Cursor::parse(&text)),
                oldest_first: text("order").as_deref() == Some("oldest"),
            }
        })
    });
    let page = Resource::new(move || filter.get(), list_executions);
    let machine = Memo::new(move |_| filter.with(|filter| filter.machine.clone()));
    let cost = machine_cost_resource(machine);
    // A state machine of the API can be started and opened in the designer from here (a
    // designer's test runs cannot).
    let startable = defined_machine(move || machine.get());
    // The patterns ignore the page position: every page of a filter shows the same ones.
    let failure_filter = Memo::new(move |_| filter.with(|filter| ExecutionFilter { before: None, ..filter.clone() }));
    let failures = Resource::new(
        move || failure_filter.get(),
        |filter| async move {
            if failure_statuses(&filter).is_empty() {
                return Ok(Default::default());
            }
            read_failure_patterns(filter).await
        },
    );
    let redrive = ServerAction::<RedriveFailures>::new();
    Effect::new(move |previous: Option<usize>| {
        let finished = redrive.version().get();
        if previous.is_some_and(|previous| previous != finished) {
            page.refetch();
            failures.refetch();
        }
        finished
    });
    let live = RwSignal::new(false);
    Effect::new(move |_| {
        let query = filter
            .with(|filter| filter.machine.as_ref().map(|machine| format!("machine={}", encode_component(machine))));
        follow_changes(&query.unwrap_or_default(), live, move |ended| {
            page.refetch();
            if ended {
                cost.refetch();
                failures.refetch();
            }
        });
    });
    view! {
        <Title text="Executions" />
        <h1>"Executions"</h1>
        {move || {
            filter
                .get()
                .machine
                .map(|machine| {
                    view! {
                        <p>
                            "State machine " <code data-testid="machine-filter">{machine}</code> " · "
                            <a href="/executions">"all state machines"</a>
                            <DesignerLink defined=startable />
                        </p>
                    }
                })
        }}
        <Suspense>
            {move || Suspend::new(async move {
                // Always one element at the root: an Option there hydrates wrongly.
                view! { <div>{startable.await.map(|machine| view! { <StartExecutionPanel machine /> })}</div> }
            })}
        </Suspense>
        {move || view! { <ExecutionFilters filter=filter.get() /> }}
        <p class="live muted" data-testid="live" data-live=move || if live.get() { "on" } else { "off" }>
            {move || if live.get() { "Live: the list updates as executions start and end." } else { "" }}
        </p>
        <RedriveNotice redrive />
        <ErrorBoundary fallback=error_list>
            <Transition fallback=|| view! { <p>"Loading executions…"</p> }>
                {move || Suspend::new(async move {
                    let cost = cost.await;
                    let failures = failures.await;
                    page.await.map(|page| view! {
                        <FailurePatternsSection patterns=failures filter=failure_filter.get_untracked() redrive />
                        <ExecutionTable page filter=filter.get_untracked() />
                        <MachineCostSection cost />
                    })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// The filter form: a GET form, so it works before hydration and every filter is a link.
#[component]
fn ExecutionFilters(filter: ExecutionFilter) -> impl IntoView {
    let status = filter.status.clone().unwrap_or_default();
    view! {
        <form class="filters card" method="get" action="/executions">
            {filter.machine.clone().map(|machine| view! { <input type="hidden" name="machine" value=machine /> })}
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status">
                    <option value="" selected=status.is_empty()>"Any"</option>
                    {STATUSES
                        .into_iter()
                        .map(|value| view! { <option value=value selected=status == value>{value}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-name">"Name contains"</label>
                <input id="filter-name" name="name" type="search" value=filter.name.clone() />
            </div>
            <div class="field">
                <label for="filter-error">"Error"</label>
                <input
                    id="filter-error"
                    name="error"
                    type="search"
                    placeholder="States.TaskFailed"
                    value=filter.error.clone()
                />
            </div>
            <div class="field">
                <label for="filter-started-after">"Started after (UTC)"</label>
                <input
                    id="filter-started-after"
                    name="started_after"
                    type="datetime-local"
                    step="1"
                    value=input_value(&filter.started_after)
                />
            </div>
            <div class="field">
                <label for="filter-started-before">"Started before (UTC)"</label>
                <input
                    id="filter-started-before"
                    name="started_before"
                    type="datetime-local"
                    step="1"
                    value=input_value(&filter.started_before)
                />
            </div>
            <div class="field">
                <label for="filter-order">"Order"</label>
                <select id="filter-order" name="order">
                    <option value="" selected=!filter.oldest_first>"Newest first"</option>
                    <option value="oldest" selected=filter.oldest_first>"Oldest first"</option>
                </select>
            </div>
            <div class="field actions">
                <button type="submit">"Filter"</button>
                <a href="/executions" rel="external">"Clear"</a>
            </div>
        </form>
    }
}

/// How to start a first execution: from the designer, or with the AWS CLI against this server
/// (its address, region and account as the server names them).
#[component]
fn FirstExecution(hint: StartHint) -> impl IntoView {
    let StartHint { endpoint_url, region, account } = hint;
    let commands = format!(
        "aws stepfunctions create-state-machine --endpoint-url {endpoint_url} --region {region} \\\n    --name hello \
         --role-arn arn:aws:iam::{account}:role/local \\\n    --definition \
         '{{\"StartAt\":\"Hi\",\"States\":{{\"Hi\":{{\"Type\":\"Pass\",\"End\":true}}}}}}'\naws stepfunctions \
         start-execution --endpoint-url {endpoint_url} --region {region} \\\n    --state-machine-arn \
         arn:aws:states:{region}:{account}:stateMachine:hello"
    );
    view! {
        <section class="card" data-testid="first-execution">
            <h2>"Start an execution"</h2>
            <p>
                "Open a definition in the "<a href="/designer">"Designer"</a>" and use its "<em>"Test run"</em>
                ", or point the AWS CLI or an SDK at this server (its address as "<code class="flag">"--endpoint-url"</code>
                ", any credentials):"
            </p>
            <pre class="details" data-testid="first-execution-commands">{commands}</pre>
            <p class="muted">"Executions appear here as they start, without a reload."</p>
        </section>
    }
}

/// The executions of one page, with links to the first and the next (older) page.
#[component]
fn ExecutionTable(page: ExecutionPage, filter: ExecutionFilter) -> impl IntoView {
    let ExecutionPage { rows, next, start_hint } = page;
    let oldest_first = filter.oldest_first;
    let first = filter.before.is_some().then(|| format!("/executions?{}", filter.query_before(None)));
    let older = next.map(|cursor| format!("/executions?{}", filter.query_before(Some(&cursor))));
    // Nothing at all yet (no filter narrows the list): how to start the first one.
    let first_visit = rows.is_empty() && filter == ExecutionFilter::default();
    let start_hint = start_hint.filter(|_| first_visit);
    let summary = match rows.len() {
        0 if first_visit => "No executions yet.".to_string(),
        0 => "No executions match.".to_string(),
        1 => "1 execution.".to_string(),
        count => format!("{count} executions{}.", if older.is_some() { " on this page" } else { "" }),
    };
    view! {
        <p role="status" data-testid="executions-summary">{summary}</p>
        {start_hint.map(|hint| view! { <FirstExecution hint /> })}
        <Show when={
            let empty = rows.is_empty();
            move || !empty
        }>
            <table class="executions" data-testid="executions">
                <thead>
                    <tr>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"State machine"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Stopped"</th>
                        <th scope="col">"Duration"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .clone()
                        .into_iter()
                        .map(|row| {
                            let duration = duration_text(row.start_millis, row.stop_millis);
                            view! {
                                <tr
                                    data-execution=row.name.clone()
                                    data-status=row.status.clone()
                                    data-type=row.workflow_type.name()
                                >
                                    <td data-label="Status"><StatusBadge status=row.status.clone() /></td>
                                    <td data-label="Name">
                                        <a href=execution_href(&row.arn)>{row.name.clone()}</a>
                                    </td>
                                    <td data-label="Type">{row.workflow_type.label()}</td>
                                    <td data-label="State machine">
                                        <a href=machine_href(&row.state_machine_arn)>
                                            {last_segment(&row.state_machine_arn).to_string()}
                                        </a>
                                    </td>
                                    <td data-label="Started">{format_millis(row.start_millis)}</td>
                                    <StoppedCell start_millis=row.start_millis stop_millis=row.stop_millis />
                                    <td data-label="Duration">{duration}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </Show>
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <a href=href rel="first">{if oldest_first { "Oldest" } else { "Newest" }}</a> })}
            {older.map(|href| view! { <a href=href rel="next">{if oldest_first { "Newer" } else { "Older" }}</a> })}
        </nav>
    }
}

/// A date filter as a `datetime-local` input's value (`2025-01-15T10:30:00.000`, UTC): the
/// input accepts no other form. Unreadable text leaves the input empty (the error says why).
fn input_value(text: &Option<String>) -> Option<String> {
    let millis = parse_instant(text.as_deref()?)?;
    Some(format_millis(millis).trim_end_matches('Z').to_string())
}

/// The quiet time after a change before the list reads its page again: a burst of changes
/// (a hundred executions ending together) costs one read.
pub const REFRESH_DELAY_MILLIS: u64 = 300;

/// Calls `refresh` (at most every [`REFRESH_DELAY_MILLIS`]) whenever the server says an
/// execution that `query` selects (`machine=ARN`, `execution=ARN`, or all with an empty one)
/// started or changed status, with `true` when one of the changes since the last call was an
/// end (or the stream fell behind, so one may have been missed); `live` tells whether the
/// stream is open. Call it from an effect: effects run only in the browser, and the stream
/// closes when the effect's owner is cleaned up (another filter, another page).
pub(crate) fn follow_changes(query: &str, live: RwSignal<bool>, refresh: impl Fn(bool) + Clone + 'static) {
    use wasm_bindgen::{JsCast, closure::Closure};

    let url = format!("/executions-events?{query}");
    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };
    let pending = StoredValue::new(false);
    let ended = StoredValue::new(false);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
        if message.data().as_string().is_none_or(|data| change_is_an_end(&data)) {
            ended.set_value(true);
        }
        if pending.get_value() {
            return;
        }
        pending.set_value(true);
        let refresh = refresh.clone();
        set_timeout(
            move || {
                // After a cleanup (the page left) there is nothing to refresh.
                if pending.try_update_value(|pending| *pending = false).is_some() {
                    let ended = ended.try_update_value(std::mem::take).unwrap_or(false);
                    refresh(ended);
                }
            },
            std::time::Duration::from_millis(REFRESH_DELAY_MILLIS),
        );
    });
    let on_open = Closure::<dyn FnMut()>::new(move || live.set(true));
    let on_error = Closure::<dyn FnMut()>::new(move || live.set(false));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let stream = StoredValue::new_local(Some((source, on_message, on_open, on_error)));
    on_cleanup(move || {
        if let Some(Some((source, ..))) = stream.try_update_value(Option::take) {
            source.close();
        }
    });
}

/// Whether a message of `/executions-events` may tell of an execution's end: a status other
/// than RUNNING, or `{"lagged": n}` (changes were missed).
fn change_is_an_end(data: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(data) {
        Ok(message) => message.get("status").and_then(serde_json::Value::as_str) != Some("RUNNING"),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_gaps_refresh_the_cost() {
        assert!(!change_is_an_end(r#"{"arn":"a","status":"RUNNING"}"#));
        assert!(change_is_an_end(r#"{"arn":"a","status":"SUCCEEDED"}"#));
        assert!(change_is_an_end(r#"{"lagged":3}"#));
    }
}

//! One execution at `/executions/<url-encoded ARN>`: its facts and billed transitions, Stop or
//! Redrive, the task tokens it waits on, its graph coloured from its history, its Map Runs,
//! its input and output, its events
//! (filtered by `?type=`) and the export link. The page reads the execution again after each
//! action and when the server says the execution ended (the live stream of the list).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    DesignerLink, EventRow, ExecutionDetail, StatusBadge,
    actions::{CallbackPanel, ExecutionActions, ExecutionControlsPanel},
    cost::ExecutionCostLine,
    defined_machine, duration_text, encode_component, error_list, execution_href, export_href, format_millis,
    history::state_statuses,
    list::follow_changes,
    machine_href,
    map_run::MapRunsSection,
    percent_decode, read_execution,
    states::{ExecutionStates, StateDetails, Timeline},
};
use crate::graph_view::{StateGraph, state_names};

/// The page at `/executions/:arn`: one execution, or the import page at `/executions/import`
/// (no execution ARN is `import`).
#[component]
pub fn ExecutionPage() -> impl IntoView {
    let params = use_params_map();
    let importing = Memo::new(move |_| params.with(|params| params.get("arn").as_deref() == Some("import")));
    move || {
        if importing.get() {
            view! { <super::import::ImportPage /> }.into_any()
        } else {
            view! { <OneExecution /> }.into_any()
        }
    }
}

/// One execution, its graph, its events and the export link.
#[component]
fn OneExecution() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let arn = Memo::new(move |_| params.with(|params| percent_decode(&params.get("arn").unwrap_or_default())));
    let event_type = Memo::new(move |_| query.with(|query| query.get("type").filter(|value| !value.is_empty())));
    // Blocking, so the server waits for it before the first byte: an unknown ARN answers 404.
    let detail = Resource::new_blocking(
        move || arn.get(),
        |arn| {
            #[cfg(feature = "ssr")]
            let response = use_context::<crate::leptos_axum_response::ResponseOptions>();
            async move {
                let detail = read_execution(arn).await;
                #[cfg(feature = "ssr")]
                if let (Err(super::ExecutionsError::NotFound(_)), Some(response)) = (&detail, response) {
                    response.set_status(crate::leptos_axum_response::StatusCode::NOT_FOUND);
                }
                detail
            }
        },
    );
    // The reader's choice of state, kept while the page redraws: `?state=NAME` links to one,
    // clicks choose another (`None`: not chosen yet, so a failed execution shows the state it
    // failed in; `Some(None)`: chose none).
    let chosen =
        RwSignal::new(query.with_untracked(|query| query.get("state").filter(|name| !name.is_empty()).map(Some)));
    let actions = ExecutionActions::new();
    Effect::new(move |previous: Option<usize>| {
        let finished = actions.finished();
        if previous.is_some_and(|previous| previous != finished) {
            detail.refetch();
        }
        finished
    });
    let live = RwSignal::new(false);
    Effect::new(move |_| {
        let query = format!("execution={}", encode_component(&arn.get()));
        follow_changes(&query, live, move |_| detail.refetch());
    });
    view! {
        <p><a href="/executions">"← All executions"</a></p>
        <ErrorBoundary fallback=error_list>
            <Transition fallback=|| view! { <p>"Loading the execution…"</p> }>
                {move || Suspend::new(async move {
                    detail.await.map(|detail| view! { <ExecutionView detail event_type=event_type.get_untracked() actions chosen /> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// One execution, rendered. Every value is text, so Leptos escapes it.
#[component]
fn ExecutionView(
    detail: ExecutionDetail,
    event_type: Option<String>,
    actions: ExecutionActions,
    /// The reader's choice of state, if any (see [`OneExecution`]).
    chosen: RwSignal<Option<Option<String>>>,
) -> impl IntoView {
    let ExecutionDetail { execution, input, output, error, cause, definition, events, waiting, map_runs } = detail;
    let cost_line = view! { <ExecutionCostLine arn=execution.arn.clone() events=events.clone() /> };
    let states = ExecutionStates::new(&events, execution.start_millis, execution.stop_millis);
    let now = states.clock(execution.status == "RUNNING");
    // The state whose details show: the reader's choice, else where a failed, timed-out or
    // stopped execution ended. Decided from the data alone, so the server and the browser draw
    // the same; only a change after that is the reader's choice.
    let ended = matches!(execution.status.as_str(), "FAILED" | "TIMED_OUT" | "ABORTED");
    let selected = RwSignal::new(
        chosen.get_untracked().unwrap_or_else(|| states.ended_in().filter(|_| ended).map(str::to_string)),
    );
    Effect::new(move |drawn: Option<()>| {
        let now = selected.get();
        if drawn.is_some() {
            chosen.set(Some(now));
        }
    });
    let all_states = state_names(&definition);
    let choose = Callback::new(move |name: String| {
        selected.set(Some(name));
        // The details are below the graph: a click whose answer would land out of sight
        // brings them up.
        request_animation_frame(|| {
            let Some(details) = document().query_selector(".state-details-card").ok().flatten() else { return };
            let below = window().inner_height().ok().and_then(|height| height.as_f64()).unwrap_or(f64::MAX);
            if details.get_bounding_client_rect().top() > below - 120.0 {
                details.scroll_into_view_with_bool(true);
            }
        });
    });
    let statuses = state_statuses(&events, &execution.status);
    // A redrive that fails again at once leaves the status as it was: the facts say it happened.
    let redrives: Vec<i64> = events
        .iter()
        .filter(|event| event.event_type == "ExecutionRedriven")
        .map(|event| event.timestamp_millis)
        .collect();
    let redriven = redrives.last().map(|last| {
        let times = if redrives.len() == 1 { "once".to_string() } else { format!("{} times", redrives.len()) };
        view! {
            <dt>"Redriven"</dt>
            <dd data-testid="execution-redriven">{format!("{times}, last at {}", format_millis(*last))}</dd>
        }
    });
    let mut types: Vec<String> = events.iter().map(|event| event.event_type.clone()).collect();
    asl::sort::sort(&mut types);
    types.dedup();
    let shown: Vec<EventRow> = events
        .into_iter()
        .filter(|event| event_type.as_ref().is_none_or(|wanted| &event.event_type == wanted))
        .collect();
    let current_type = event_type.clone().unwrap_or_default();
    let page_href = execution_href(&execution.arn);
    let clear_href = page_href.clone();
    view! {
        <Title text=format!("Execution {}", execution.name) />
        <h1>{execution.name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span data-testid="execution-status"><StatusBadge status=execution.status.clone() /></span></dd>
                <dt>"Type"</dt><dd data-testid="execution-type">{execution.workflow_type.label()}</dd>
                <dt>"Execution"</dt><dd><code>{execution.arn.clone()}</code></dd>
                <dt>"State machine"</dt>
                <dd>
                    <a href=machine_href(&execution.state_machine_arn)>
                        <code>{execution.state_machine_arn.clone()}</code>
                    </a>
                    <DesignerLink defined=defined_machine({
                        let machine = execution.state_machine_arn.clone();
                        move || Some(machine.clone())
                    }) />
                </dd>
                <dt>"Started"</dt><dd>{format_millis(execution.start_millis)}</dd>
                <dt>"Stopped"</dt><dd>{execution.stop_millis.map(format_millis).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Duration"</dt><dd>{duration_text(execution.start_millis, execution.stop_millis)}</dd>
                {redriven}
                {error.map(|error| {
                    let same = format!(
                        "/executions?machine={}&error={}",
                        encode_component(&execution.state_machine_arn),
                        encode_component(&error),
                    );
                    view! {
                        <dt>"Error"</dt>
                        <dd>
                            <code data-testid="execution-error">{error}</code>
                            " · "
                            <a href=same data-testid="same-error">"executions of this state machine with this error"</a>
                        </dd>
                    }
                })}
                {cause.map(|cause| view! { <dt>"Cause"</dt><dd><pre class="details" data-testid="execution-cause">{cause}</pre></dd> })}
            </dl>
            {cost_line}
            <p>
                <a href=export_href(&execution.arn) download=format!("{}-history.json", execution.name) rel="external" data-testid="export-history">
                    "Export history (JSON)"
                </a>
            </p>
        </section>
        <ExecutionControlsPanel
            arn=execution.arn.clone()
            status=execution.status.clone()
            workflow_type=execution.workflow_type
            map_run_child=is_map_run_child(&execution.state_machine_arn)
            actions
        />
        <CallbackPanel waiting actions />
        <section class="card">
            <h2>"Graph"</h2>
            <StateGraph definition statuses on_select=choose selected />
        </section>
        <StateDetails states=states.clone() all_states map_runs=map_runs.clone() selected now />
        <MapRunsSection map_runs />
        <section class="card">
            <h2>"Timeline"</h2>
            <Timeline states selected now />
        </section>
        <section class="card io">
            <div>
                <h2>"Input"</h2>
                <pre class="details" data-testid="execution-input">{input}</pre>
            </div>
            <div>
                <h2>"Output"</h2>
                {match output {
                    Some(output) => view! { <pre class="details" data-testid="execution-output">{output}</pre> }.into_any(),
                    None => view! { <p class="muted">"No output."</p> }.into_any(),
                }}
            </div>
        </section>
        <section class="card">
            <h2>"Events"</h2>
            <form class="filters" method="get" action=page_href>
                <div class="field">
                    <label for="filter-type">"Type"</label>
                    <select id="filter-type" name="type">
                        <option value="" selected=current_type.is_empty()>"Any"</option>
                        {types
                            .into_iter()
                            .map(|value| {
                                let selected = value == current_type;
                                let text = value.clone();
                                view! { <option value=value selected=selected>{text}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field actions">
                    <button type="submit">"Filter"</button>
                    <a href=clear_href rel="external">"Clear"</a>
                </div>
            </form>
            <EventsTable events=shown />
        </section>
    }
}

/// The events table (`data-testid="events"`): id, type, state, time and details of each event.
#[component]
pub(crate) fn EventsTable(events: Vec<EventRow>) -> impl IntoView {
    view! {
    <table class="events" data-testid="events">
        <thead>
            <tr>
                <th scope="col">"ID"</th>
                <th scope="col">"Type"</th>
                <th scope="col">"State"</th>
                <th scope="col">"Timestamp"</th>
                <th scope="col">"Details"</th>
            </tr>
        </thead>
        <tbody>
            {events
                .into_iter()
                .map(|event| {
                    let type_attribute = event.event_type.clone();
                    view! {
                        <tr data-event-id=event.id data-type=type_attribute>
                            <td data-label="ID">{event.id}</td>
                            <td data-label="Type">{event.event_type}</td>
                            <td data-label="State">{event.state_name.unwrap_or_default()}</td>
                            <td data-label="Timestamp">{format_millis(event.timestamp_millis)}</td>
                            <td data-label="Details"><pre class="details">{event.details}</pre></td>
                        </tr>
                    }
                })
                .collect_view()}
        </tbody>
    </table>
    }
}

/// Whether a state machine ARN names a Distributed Map's processor (`…:stateMachine:NAME/LABEL`),
/// the state machine of a Map Run's child executions.
fn is_map_run_child(state_machine_arn: &str) -> bool {
    state_machine_arn.split_once(":stateMachine:").is_some_and(|(_, name)| name.contains('/'))
}

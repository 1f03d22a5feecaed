//! One Map Run of a Distributed Map state at `/executions/map-runs/<url-encoded Map Run ARN>`:
//! its status, its item and child execution counts as DescribeMapRun gives them, its
//! tolerated failure settings, start and stop, and its child executions (oldest first, keyset
//! pages of [`super::PAGE_SIZE`]), each linking to its execution page. While it runs, a form
//! changes its concurrency and failure threshold (UpdateMapRun). The page follows the run live
//! (its children's and its parent's changes on `/executions-events`), keeping what is typed in
//! that form while it redraws. The parent execution's page lists its Map Runs
//! ([`MapRunsSection`]).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use super::{
    ExecutionPage, ExecutionsError, StatusBadge, StoppedCell,
    actions::{ExecutionActionError, failure_alert},
    duration_text, encode_component, error_list, execution_href, format_millis, last_segment,
    list::follow_changes,
    percent_decode,
};

/// A Map Run as the parent execution's page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRunSummary {
    /// The Map Run's ARN.
    pub arn: String,
    /// The Distributed Map state that started it.
    pub state_name: String,
    /// RUNNING, SUCCEEDED, FAILED or ABORTED.
    pub status: String,
    /// Start time, milliseconds since the Unix epoch.
    pub start_millis: i64,
    /// Stop time, milliseconds since the Unix epoch.
    pub stop_millis: Option<i64>,
}

/// Counts of a Map Run's items or child executions, as DescribeMapRun's `itemCounts` and
/// `executionCounts` give them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRunCounts {
    /// Not started yet (only while the Map Run runs).
    pub pending: i64,
    /// Running.
    pub running: i64,
    /// Succeeded.
    pub succeeded: i64,
    /// Failed.
    pub failed: i64,
    /// Aborted.
    pub aborted: i64,
    /// Timed out.
    pub timed_out: i64,
    /// All of them.
    pub total: i64,
}

/// One Map Run with one page of its child executions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapRunDetail {
    /// Its status, state and times.
    pub summary: MapRunSummary,
    /// The parent execution's ARN.
    pub execution_arn: String,
    /// Child executions run at once at most (0: no limit).
    pub max_concurrency: i64,
    /// `ToleratedFailureCount`, when the state sets it.
    pub tolerated_failure_count: Option<i64>,
    /// `ToleratedFailurePercentage`, when the state sets it.
    pub tolerated_failure_percentage: Option<f64>,
    /// How many times a redrive of its parent redrove it.
    pub redrive_count: i64,
    /// When it was last redriven.
    pub redrive_millis: Option<i64>,
    /// The items' counts.
    pub items: MapRunCounts,
    /// The child executions' counts.
    pub executions: MapRunCounts,
    /// One page of child executions, oldest first; `next` is where the following page starts.
    pub children: ExecutionPage,
}

/// One Map Run with the page of its children that starts after `after` (a cursor's
/// `<millis>~<arn>` form; the first page without it).
#[server(prefix = "/api", endpoint = "executions/map-run")]
pub async fn read_map_run(arn: String, after: Option<String>) -> Result<MapRunDetail, ExecutionsError> {
    let after = match after.filter(|text| !text.is_empty()) {
        Some(text) => Some(super::Cursor::parse(&text).ok_or_else(|| {
            ExecutionsError::InvalidFilter(format!("“{text}” is not a position in the child executions"))
        })?),
        None => None,
    };
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.map_run(&context.pool, &arn, after.as_ref()).await?.ok_or(ExecutionsError::NotFound(arn))
}

/// New limits for a running Map Run, as UpdateMapRun takes them; `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MapRunLimits {
    /// Child executions at once at most (0: no limit).
    pub max_concurrency: Option<u64>,
    /// Failed items tolerated.
    pub tolerated_failure_count: Option<u64>,
    /// Failed items tolerated, as a percentage of all items.
    pub tolerated_failure_percentage: Option<f64>,
}

impl MapRunLimits {
    /// Reads the form's three fields; an empty field leaves its limit as it is. An error names
    /// the field as the form labels it.
    pub fn parse(
        max_concurrency: &str,
        tolerated_failure_count: &str,
        tolerated_failure_percentage: &str,
    ) -> Result<Self, ExecutionActionError> {
        let whole = |label: &str, text: &str| -> Result<Option<u64>, ExecutionActionError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<u64>().map(Some).map_err(|_| ExecutionActionError::InvalidField {
                field: label.into(),
                reason: format!("“{text}” is not a whole number of 0 or more"),
            })
        };
        let percentage = match tolerated_failure_percentage.trim() {
            "" => None,
            text => match text.parse::<f64>() {
                Ok(value) if (0.0..=100.0).contains(&value) => Some(value),
                _ => {
                    return Err(ExecutionActionError::InvalidField {
                        field: "Tolerated failure percentage".into(),
                        reason: format!("“{text}” is not a number from 0 to 100"),
                    });
                }
            },
        };
        let limits = Self {
            max_concurrency: whole("Max concurrency", max_concurrency)?,
            tolerated_failure_count: whole("Tolerated failure count", tolerated_failure_count)?,
            tolerated_failure_percentage: percentage,
        };
        if limits == Self::default() {
            return Err(ExecutionActionError::InvalidField {
                field: "Limits".into(),
                reason: "fill in at least one of the three".into(),
            });
        }
        Ok(limits)
    }
}

/// UpdateMapRun from the Map Run's page: the form's fields as typed.
#[server(prefix = "/api", endpoint = "executions/update-map-run")]
pub async fn update_map_run(
    arn: String,
    max_concurrency: String,
    tolerated_failure_count: String,
    tolerated_failure_percentage: String,
) -> Result<(), ExecutionActionError> {
    let limits = match MapRunLimits::parse(&max_concurrency, &tolerated_failure_count, &tolerated_failure_percentage) {
        Ok(limits) => limits,
        Err(error) => return super::actions::refuse(error),
    };
    let controls = expect_context::<super::actions::ssr::ExecutionControls>();
    controls.0.update_map_run(&arn, limits).await.or_else(super::actions::refuse)
}

/// The page of Map Run `arn`.
pub fn map_run_href(arn: &str) -> String {
    format!("/executions/map-runs/{}", encode_component(arn))
}

/// The page at `/executions/map-runs/:arn`.
#[component]
pub fn MapRunPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let arn = Memo::new(move |_| params.with(|params| percent_decode(&params.get("arn").unwrap_or_default())));
    let after = Memo::new(move |_| query.with(|query| query.get("after").filter(|value| !value.is_empty())));
    let update = ServerAction::<UpdateMapRun>::new();
    // Blocking, so an unknown Map Run answers 404 before the first byte. Read again after
    // each update.
    let detail = Resource::new_blocking(
        move || (arn.get(), after.get(), update.version().get()),
        |(arn, after, _)| {
            #[cfg(feature = "ssr")]
            let response = use_context::<crate::leptos_axum_response::ResponseOptions>();
            async move {
                let detail = read_map_run(arn, after).await;
                #[cfg(feature = "ssr")]
                if let (Err(ExecutionsError::NotFound(_)), Some(response)) = (&detail, response) {
                    response.set_status(crate::leptos_axum_response::StatusCode::NOT_FOUND);
                }
                detail
            }
        },
    );
    // Live: read again when a child execution starts or ends, or the parent does (a Map Run's
    // start, end or redrive comes as its parent's change).
    // What the reader types in the limits form outlives the redraws; a change made clears it
    // (the form then shows the new limits as its placeholders).
    let typed = TypedLimits::default();
    let parent = Memo::new(move |_| {
        detail.with(|detail| {
            detail.as_ref().and_then(|detail| detail.as_ref().ok()).map(|detail| detail.execution_arn.clone())
        })
    });
    let live = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(parent) = parent.get() else { return };
        let query = format!("execution={}&map_run={}", encode_component(&parent), encode_component(&arn.get()));
        follow_changes(&query, live, move |_| {
            if typed.editing.get_untracked() {
                typed.missed.set(true);
            } else {
                detail.refetch();
            }
        });
    });
    // Once the reader leaves the form's fields (not merely moves to the next one), what was
    // held back is read.
    Effect::new(move |_| {
        if typed.editing.get() {
            return;
        }
        set_timeout(
            move || {
                if typed.editing.try_get_untracked() == Some(false) && typed.missed.get_untracked() {
                    typed.missed.set(false);
                    detail.refetch();
                }
            },
            std::time::Duration::ZERO,
        );
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            typed.clear();
        }
    });
    view! {
        <ErrorBoundary fallback=error_list>
            <Transition fallback=|| view! { <p>"Loading the Map Run…"</p> }>
                {move || Suspend::new(async move {
                    detail
                        .await
                        .map(|detail| view! { <MapRunView detail paged=after.get_untracked().is_some() update typed /> })
                })}
            </Transition>
        </ErrorBoundary>
    }
}

/// What the reader has typed in the limits form (empty: the field keeps its limit), kept by
/// the page so that a live redraw of the run does not lose it; and whether a field has the
/// focus, when the page holds live redraws back (a redraw would take the focus away).
#[derive(Clone, Copy, Default)]
struct TypedLimits {
    max_concurrency: RwSignal<String>,
    tolerated_failure_count: RwSignal<String>,
    tolerated_failure_percentage: RwSignal<String>,
    /// A field of the form has the focus.
    editing: RwSignal<bool>,
    /// A change came while it had: the page reads the run again once the form is left.
    missed: RwSignal<bool>,
}

impl TypedLimits {
    /// Empties every field.
    fn clear(&self) {
        self.max_concurrency.set(String::new());
        self.tolerated_failure_count.set(String::new());
        self.tolerated_failure_percentage.set(String::new());
    }
}

/// One Map Run, rendered. Every value is text, so Leptos escapes it.
#[component]
fn MapRunView(
    detail: MapRunDetail,
    paged: bool,
    update: ServerAction<UpdateMapRun>,
    typed: TypedLimits,
) -> impl IntoView {
    let MapRunDetail {
        summary,
        execution_arn,
        max_concurrency,
        tolerated_failure_count,
        tolerated_failure_percentage,
        redrive_count,
        redrive_millis,
        items,
        executions,
        children,
    } = detail;
    let redriven = redrive_millis.filter(|_| redrive_count > 0).map(|millis| {
        let times = if redrive_count == 1 { "once".to_string() } else { format!("{redrive_count} times") };
        view! {
            <dt>"Redriven"</dt>
            <dd data-testid="map-run-redriven">{format!("{times}, last at {}", format_millis(millis))}</dd>
        }
    });
    let page_href = map_run_href(&summary.arn);
    let first = paged.then(|| page_href.clone());
    let next =
        children.next.as_ref().map(|cursor| format!("{page_href}?after={}", encode_component(&cursor.to_parameter())));
    let run_id = last_segment(&summary.arn).to_string();
    let limits_form = (summary.status == "RUNNING").then(|| {
        view! {
            <LimitsForm
                arn=summary.arn.clone()
                max_concurrency
                tolerated_failure_count
                tolerated_failure_percentage
                update
                typed
            />
        }
    });
    view! {
        <Title text=format!("Map Run {run_id}") />
        <p><a href=execution_href(&execution_arn)>"← Parent execution"</a></p>
        <h1>"Map Run " {summary.state_name.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span data-testid="map-run-status"><StatusBadge status=summary.status.clone() /></span></dd>
                <dt>"Map Run"</dt><dd><code>{summary.arn.clone()}</code></dd>
                <dt>"Parent execution"</dt>
                <dd><a href=execution_href(&execution_arn)><code>{execution_arn.clone()}</code></a></dd>
                <dt>"Started"</dt><dd>{format_millis(summary.start_millis)}</dd>
                <dt>"Stopped"</dt><dd>{summary.stop_millis.map(format_millis).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Duration"</dt><dd>{duration_text(summary.start_millis, summary.stop_millis)}</dd>
                <dt>"Max concurrency"</dt>
                <dd data-testid="map-run-concurrency">
                    {if max_concurrency == 0 { "no limit".to_string() } else { max_concurrency.to_string() }}
                </dd>
                <dt>"Tolerated failures"</dt>
                <dd data-testid="map-run-tolerated">{tolerated_text(tolerated_failure_count, tolerated_failure_percentage)}</dd>
                {redriven}
            </dl>
        </section>
        <section class="card">
            <h2>"Counts"</h2>
            <table class="map-run-counts" data-testid="map-run-counts">
                <thead>
                    <tr>
                        <th scope="col"></th>
                        <th scope="col">"Pending"</th>
                        <th scope="col">"Running"</th>
                        <th scope="col">"Succeeded"</th>
                        <th scope="col">"Failed"</th>
                        <th scope="col">"Aborted"</th>
                        <th scope="col">"Timed out"</th>
                        <th scope="col">"Total"</th>
                    </tr>
                </thead>
                <tbody>
                    <CountsRow label="Items" kind="items" counts=items />
                    <CountsRow label="Child executions" kind="executions" counts=executions />
                </tbody>
            </table>
        </section>
        {limits_form}
        <section class="card">
            <h2>"Child executions"</h2>
            <ChildExecutions page=children />
            <nav class="pager" aria-label="Pages">
                {first.map(|href| view! { <a href=href rel="first">"First"</a> })}
                {next.map(|href| view! { <a href=href rel="next">"Next"</a> })}
            </nav>
        </section>
    }
}

/// UpdateMapRun's form (`data-testid="map-run-limits"`): the run's limits now as
/// placeholders; a field left empty keeps its limit.
#[component]
fn LimitsForm(
    arn: String,
    max_concurrency: i64,
    tolerated_failure_count: Option<i64>,
    tolerated_failure_percentage: Option<f64>,
    update: ServerAction<UpdateMapRun>,
    typed: TypedLimits,
) -> impl IntoView {
    let value = update.value();
    let TypedLimits {
        max_concurrency: typed_concurrency,
        tolerated_failure_count: typed_count,
        tolerated_failure_percentage: typed_percentage,
        editing,
        ..
    } = typed;
    view! {
        <section class="card" data-testid="map-run-limits">
            <h2>"Change limits"</h2>
            <p class="muted">"Applied at once: more child executions start when the concurrency grows, and the Map Run fails if its failures already exceed a lowered threshold. An empty field keeps its limit."</p>
            <ActionForm action=update attr:class="action-form">
                <input type="hidden" name="arn" value=arn />
                <div class="field">
                    <label for="limit-concurrency">"Max concurrency (0: no limit)"</label>
                    <input
                        id="limit-concurrency"
                        name="max_concurrency"
                        type="number"
                        min="0"
                        step="1"
                        placeholder=max_concurrency.to_string()
                        prop:value=move || typed_concurrency.get()
                        on:input=move |event| typed_concurrency.set(event_target_value(&event))
                        on:focus=move |_| editing.set(true)
                        on:blur=move |_| editing.set(false)
                    />
                </div>
                <div class="field">
                    <label for="limit-count">"Tolerated failure count"</label>
                    <input
                        id="limit-count"
                        name="tolerated_failure_count"
                        type="number"
                        min="0"
                        step="1"
                        placeholder=tolerated_failure_count.map(|count| count.to_string()).unwrap_or_default()
                        prop:value=move || typed_count.get()
                        on:input=move |event| typed_count.set(event_target_value(&event))
                        on:focus=move |_| editing.set(true)
                        on:blur=move |_| editing.set(false)
                    />
                </div>
                <div class="field">
                    <label for="limit-percentage">"Tolerated failure percentage"</label>
                    <input
                        id="limit-percentage"
                        name="tolerated_failure_percentage"
                        type="number"
                        min="0"
                        max="100"
                        step="any"
                        placeholder=tolerated_failure_percentage.map(|percentage| percentage.to_string()).unwrap_or_default()
                        prop:value=move || typed_percentage.get()
                        on:input=move |event| typed_percentage.set(event_target_value(&event))
                        on:focus=move |_| editing.set(true)
                        on:blur=move |_| editing.set(false)
                    />
                </div>
                <div class="field actions">
                    <button type="submit" disabled=move || update.pending().get()>"Update Map Run"</button>
                </div>
            </ActionForm>
            {failure_alert(value)}
        </section>
    }
}

/// `ToleratedFailureCount` and `ToleratedFailurePercentage` in words.
fn tolerated_text(count: Option<i64>, percentage: Option<f64>) -> String {
    match (count, percentage) {
        (None, None) => "none (any failed item fails the Map Run)".into(),
        (Some(count), None) => items(count),
        (None, Some(percentage)) => format!("{percentage}% of items"),
        (Some(count), Some(percentage)) => format!("{} or {percentage}% of items", items(count)),
    }
}

fn items(count: i64) -> String {
    if count == 1 { "1 item".into() } else { format!("{count} items") }
}

/// One row of the counts table; each cell carries `data-count="<name>"`.
#[component]
fn CountsRow(label: &'static str, kind: &'static str, counts: MapRunCounts) -> impl IntoView {
    let cells = [
        ("pending", counts.pending),
        ("running", counts.running),
        ("succeeded", counts.succeeded),
        ("failed", counts.failed),
        ("aborted", counts.aborted),
        ("timed_out", counts.timed_out),
        ("total", counts.total),
    ];
    view! {
        <tr data-counts=kind>
            <th scope="row">{label}</th>
            {cells.into_iter().map(|(name, value)| view! { <td data-count=name>{value}</td> }).collect_view()}
        </tr>
    }
}

/// The child executions of one page: name (a link to its page), status, start, stop, duration.
#[component]
fn ChildExecutions(page: ExecutionPage) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="muted">"No child executions have started."</p> }.into_any();
    }
    view! {
        <table class="executions" data-testid="map-run-children">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Stopped"</th>
                    <th scope="col">"Duration"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        let duration = duration_text(row.start_millis, row.stop_millis);
                        view! {
                            <tr data-execution=row.name.clone() data-status=row.status.clone()>
                                <td data-label="Name"><a href=execution_href(&row.arn)>{row.name.clone()}</a></td>
                                <td data-label="Status"><StatusBadge status=row.status.clone() /></td>
                                <td data-label="Started">{format_millis(row.start_millis)}</td>
                                <StoppedCell start_millis=row.start_millis stop_millis=row.stop_millis />
                                <td data-label="Duration">{duration}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The parent execution's Map Runs (`data-testid="map-runs"`), each linking to its page;
/// nothing when the execution started none.
#[component]
pub(crate) fn MapRunsSection(map_runs: Vec<MapRunSummary>) -> impl IntoView {
    (!map_runs.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Map Runs"</h2>
                <table class="executions" data-testid="map-runs">
                    <thead>
                        <tr>
                            <th scope="col">"Map state"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Map Run"</th>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Duration"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {map_runs
                            .into_iter()
                            .map(|run| {
                                let duration = duration_text(run.start_millis, run.stop_millis);
                                view! {
                                    <tr data-map-state=run.state_name.clone()>
                                        <td data-label="Map state">{run.state_name.clone()}</td>
                                        <td data-label="Status"><StatusBadge status=run.status.clone() /></td>
                                        <td data-label="Map Run">
                                            <a href=map_run_href(&run.arn)>{last_segment(&run.arn).to_string()}</a>
                                        </td>
                                        <td data-label="Started">{format_millis(run.start_millis)}</td>
                                        <td data-label="Duration">{duration}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_read_from_the_form_and_errors_name_the_field() {
        assert_eq!(
            MapRunLimits::parse("3", "", " 12.5 "),
            Ok(MapRunLimits {
                max_concurrency: Some(3),
                tolerated_failure_count: None,
                tolerated_failure_percentage: Some(12.5)
            })
        );
        let error = MapRunLimits::parse("-1", "", "").unwrap_err().to_string();
        assert!(error.starts_with("Max concurrency: “-1” is not a whole number"), "{error}");
        let error = MapRunLimits::parse("", "two", "").unwrap_err().to_string();
        assert!(error.starts_with("Tolerated failure count:"), "{error}");
        let error = MapRunLimits::parse("", "", "101").unwrap_err().to_string();
        assert!(error.starts_with("Tolerated failure percentage: “101” is not a number from 0 to 100"), "{error}");
        let error = MapRunLimits::parse(" ", "", "").unwrap_err().to_string();
        assert_eq!(error, "Limits: fill in at least one of the three");
    }
}

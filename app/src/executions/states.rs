//! One execution's states in detail: the state chosen on the graph, the timeline or the list
//! (for keyboard users) with its input, output, error and cause, attempts and timings (a
//! Distributed Map with links to its Map Runs' pages), and a timeline (Gantt chart) of every state's visits drawn as SVG bars. Both come from the
//! history ([`state_visits`]); every value is text, so Leptos escapes it.

use leptos::prelude::*;

use super::{
    EventRow, StatusBadge, duration_text, format_millis,
    history::{StateVisit, state_visits},
    map_run::{MapRunSummary, map_run_href},
};

/// How many visits of one state the details list (a state in a loop or a Map can have thousands).
pub const VISITS_SHOWN: usize = 25;
/// How many bars the timeline draws.
pub const TIMELINE_BARS: usize = 300;

/// The visits of an execution's states, shared by its details and its timeline.
#[derive(Clone, Debug)]
pub struct ExecutionStates {
    /// Every visit, in the order they were entered.
    pub visits: Vec<StateVisit>,
    /// When the execution started, milliseconds since the epoch.
    pub start_millis: i64,
    /// When it ended, or its last event while it runs (so the server and the browser draw
    /// the same picture).
    pub end_millis: i64,
}

impl ExecutionStates {
    /// The states of an execution with these events.
    pub fn new(events: &[EventRow], start_millis: i64, stop_millis: Option<i64>) -> Self {
        let last_event = events.iter().map(|event| event.timestamp_millis).max().unwrap_or(start_millis);
        Self {
            visits: state_visits(events),
            start_millis,
            end_millis: stop_millis.unwrap_or(last_event).max(start_millis),
        }
    }

    /// The state an ended execution was last inside (it failed, timed out or was stopped
    /// there): the innermost one, since a Parallel or Map that failed because of a state inside
    /// it was entered before it. `None` for an execution that did not end inside a state.
    pub fn ended_in(&self) -> Option<&str> {
        self.visits.iter().rev().find(|visit| visit.ended_inside.is_some()).map(|visit| visit.state_name.as_str())
    }

    /// The instant the open visits are measured to: [`Self::end_millis`], and while the
    /// execution runs, once the page is live in the browser, the browser's clock, ticking every
    /// second (a state waiting for a callback records no event while it waits, so its last
    /// event alone would say it has run for no time). The server draws the first value, so
    /// hydration finds what it drew.
    pub fn clock(&self, running: bool) -> Signal<i64> {
        let end_millis = self.end_millis;
        let now = RwSignal::new(end_millis);
        if running {
            Effect::new(move |_| {
                let tick = move || {
                    now.try_set((js_sys::Date::now() as i64).max(end_millis));
                };
                tick();
                if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
                    on_cleanup(move || handle.clear());
                }
            });
        }
        now.into()
    }

    /// The names of the states entered, in the order first entered.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for visit in &self.visits {
            if !names.contains(&visit.state_name) {
                names.push(visit.state_name.clone());
            }
        }
        names
    }
}

/// The chosen state's visits, and the list to choose a state with.
#[component]
pub fn StateDetails(
    /// The execution's states.
    states: ExecutionStates,
    /// Every state of the definition, in its order (states never entered can be chosen too).
    all_states: Vec<String>,
    /// The Map Runs the execution's Distributed Map states started (none for an imported history).
    #[prop(optional)]
    map_runs: Vec<MapRunSummary>,
    /// The chosen state.
    selected: RwSignal<Option<String>>,
    /// What open visits are measured to ([`ExecutionStates::clock`]; the end of the history
    /// when not given).
    #[prop(optional, into)]
    now: Option<Signal<i64>>,
) -> impl IntoView {
    let now = now.unwrap_or_else(|| Signal::stored(states.end_millis));
    let visits = StoredValue::new(states.visits);
    let map_runs = StoredValue::new(map_runs);
    view! {
        <section class="card state-details-card">
            <h2>"State details"</h2>
            <div class="field">
                <label for="state-select">"State"</label>
                <select
                    id="state-select"
                    data-testid="state-select"
                    on:change=move |event| {
                        let name = event_target_value(&event);
                        selected.set(if name.is_empty() { None } else { Some(name) });
                    }
                >
                    <option value="" selected=move || selected.get().is_none()>"Choose a state (or click one on the graph)"</option>
                    {all_states
                        .into_iter()
                        .map(|name| {
                            let value = name.clone();
                            let compare = name.clone();
                            view! { <option value=value selected=move || selected.get().as_deref() == Some(compare.as_str())>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            {move || {
                selected.get().map(|name| {
                    let shown: Vec<StateVisit> = visits.with_value(|visits| {
                        visits.iter().filter(|visit| visit.state_name == name).cloned().collect()
                    });
                    let total = shown.len();
                    let summary = match total {
                        0 => "Not entered in this execution.".to_string(),
                        1 => "Entered once.".to_string(),
                        count => format!("Entered {count} times{}.", if count > VISITS_SHOWN { format!("; the first {VISITS_SHOWN} are shown") } else { String::new() }),
                    };
                    view! {
                        <div class="state-details" data-testid="state-details" data-state-details=name.clone()>
                            <h3>{name.clone()}</h3>
                            <p class="muted">{summary}</p>
                            <StateMapRuns map_runs=map_runs.with_value(|runs| {
                                runs.iter().filter(|run| run.state_name == name).cloned().collect()
                            }) />
                            {shown.into_iter().take(VISITS_SHOWN).enumerate().map(|(index, visit)| view! { <VisitView visit index now /> }).collect_view()}
                        </div>
                    }
                })
            }}
        </section>
    }
}

/// A Distributed Map state's Map Runs (`data-testid="state-map-runs"`), each linking to its
/// page; nothing for any other state (an inline Map's iterations are its visits' events).
#[component]
fn StateMapRuns(map_runs: Vec<MapRunSummary>) -> impl IntoView {
    (!map_runs.is_empty()).then(|| {
        view! {
            <div class="state-map-runs" data-testid="state-map-runs">
                <h4>"Distributed Map: child executions"</h4>
                <ul>
                    {map_runs
                        .into_iter()
                        .map(|run| {
                            view! {
                                <li data-map-run=run.arn.clone()>
                                    <a href=map_run_href(&run.arn)>"Map Run " {super::last_segment(&run.arn).to_string()}</a>
                                    " " <StatusBadge status=run.status.clone() /> " started "
                                    {format_millis(run.start_millis)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// One visit of a state.
#[component]
fn VisitView(visit: StateVisit, index: usize, now: Signal<i64>) -> impl IntoView {
    let retries = visit.attempts.saturating_sub(1);
    let attempts = match visit.attempts {
        0 => "—".to_string(),
        1 => "1 (no retries)".to_string(),
        count => format!("{count} ({retries} {})", if retries == 1 { "retry" } else { "retries" }),
    };
    let (entered_millis, ended_millis) = (visit.entered_millis, visit.end_millis());
    let duration = move || match ended_millis {
        Some(end) => duration_text(entered_millis, Some(end)),
        None => format!("{} so far", duration_text(entered_millis, Some(now.get()))),
    };
    let exited = match (visit.exited_millis, visit.ended_inside) {
        (Some(exited), _) => format_millis(exited),
        (None, Some((millis, how))) => format!("never: {} inside it, {}", how.text(), format_millis(millis)),
        (None, None) => "not yet".into(),
    };
    view! {
        <article class="visit" data-testid="state-visit" data-visit=index>
            <dl class="facts">
                <dt>"Type"</dt><dd>{visit.state_type.clone()}</dd>
                <dt>"Entered"</dt><dd data-testid="state-entered">{format_millis(visit.entered_millis)}</dd>
                <dt>"Exited"</dt><dd data-testid="state-exited">{exited}</dd>
                <dt>"Duration"</dt><dd data-testid="state-duration">{duration}</dd>
                <dt>"Attempts"</dt><dd data-testid="state-attempts">{attempts}</dd>
                {visit.error.clone().map(|error| view! { <dt>"Error"</dt><dd><code data-testid="state-error">{error}</code></dd> })}
                {visit.cause.clone().map(|cause| view! { <dt>"Cause"</dt><dd><pre class="details" data-testid="state-cause">{cause}</pre></dd> })}
            </dl>
            <div class="io">
                <div>
                    <h4>"Input"</h4>
                    <pre class="details" data-testid="state-input">{visit.input.clone().unwrap_or_default()}</pre>
                </div>
                <div>
                    <h4>"Output"</h4>
                    {match visit.output.clone() {
                        Some(output) => view! { <pre class="details" data-testid="state-output">{output}</pre> }.into_any(),
                        None => view! { <p class="muted">"No output."</p> }.into_any(),
                    }}
                </div>
            </div>
        </article>
    }
}

/// The timeline: one bar per visit from entered to exited, on one time axis from the
/// execution's start to its end (to `now` while it runs). Clicking a bar chooses its state.
#[component]
pub fn Timeline(
    /// The execution's states.
    states: ExecutionStates,
    /// The chosen state.
    selected: RwSignal<Option<String>>,
    /// Where the axis ends and open visits' bars end ([`ExecutionStates::clock`]; the end of
    /// the history when not given).
    #[prop(optional, into)]
    now: Option<Signal<i64>>,
) -> impl IntoView {
    const LABEL_WIDTH: f64 = 170.0;
    const BAR_AREA: f64 = 560.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 24.0;
    let ExecutionStates { visits, start_millis, end_millis } = states;
    if visits.is_empty() {
        return view! { <p class="muted">"No state was entered."</p> }.into_any();
    }
    let now = now.unwrap_or_else(|| Signal::stored(end_millis));
    let total = visits.len();
    let rows = visits.len().min(TIMELINE_BARS);
    let height = TOP + rows as f64 * ROW + 8.0;
    let width = LABEL_WIDTH + BAR_AREA + 10.0;
    let visits = StoredValue::new(visits);
    let bars = move || {
        let end_millis = now.get();
        let span = (end_millis - start_millis).max(1) as f64;
        let x_of =
            move |millis: i64| LABEL_WIDTH + ((millis - start_millis) as f64 / span * BAR_AREA).clamp(0.0, BAR_AREA);
        visits.with_value(|visits| {
            visits
                .iter()
                .take(TIMELINE_BARS)
                .enumerate()
                .map(|(row, visit)| {
                    let y = TOP + row as f64 * ROW;
                    let x = x_of(visit.entered_millis);
                    let bar_width = (x_of(visit.end_millis().unwrap_or(end_millis)) - x).max(2.0);
                    let status = match (visit.exited_millis, visit.ended_inside, &visit.error) {
                        (None, Some(_), _) | (Some(_), _, Some(_)) => "failed",
                        (None, None, _) => "running",
                        (Some(_), _, None) => "succeeded",
                    };
                    let duration = duration_text(visit.entered_millis, Some(visit.end_millis().unwrap_or(end_millis)));
                    let name = visit.state_name.clone();
                    let label = visit.state_name.clone();
                    view! {
                        <g
                            class=format!("timeline-bar bar-{status}")
                            data-timeline-state=visit.state_name.clone()
                            data-duration-millis=visit.duration_millis(end_millis)
                            on:click=move |_| selected.set(Some(name.clone()))
                        >
                            <title>{format!("{}: {duration}", visit.state_name)}</title>
                            <text x=LABEL_WIDTH - 8.0 y=y + 14.0 text-anchor="end">{label}</text>
                            <rect x=x y=y + 3.0 width=bar_width height=ROW - 6.0 rx="3" />
                        </g>
                    }
                })
                .collect_view()
        })
    };
    let more = (total > TIMELINE_BARS)
        .then(|| view! { <p class="muted">{format!("The first {TIMELINE_BARS} of {total} visits are drawn.")}</p> });
    view! {
        <div class="graph-scroll">
            <svg
                class="timeline"
                data-testid="timeline"
                viewBox=format!("0 0 {width} {height}")
                width=width
                height=height
                role="img"
                aria-label="Timeline of the states' durations"
            >
                <text class="axis" x=LABEL_WIDTH y="14">"0 s"</text>
                <text class="axis" x=LABEL_WIDTH + BAR_AREA y="14" text-anchor="end" data-testid="timeline-end">
                    {move || duration_text(start_millis, Some(now.get()))}
                </text>
                <line class="axis" x1=LABEL_WIDTH y1=TOP - 2.0 x2=LABEL_WIDTH + BAR_AREA y2=TOP - 2.0 />
                {bars}
            </svg>
        </div>
        {more}
    }
    .into_any()
}

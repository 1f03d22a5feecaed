//! Failure patterns on `/executions`: the failed and timed-out executions the list's filters
//! select, grouped by state machine, the top-level state they failed in and their error, so
//! an operator sees "47 × Order.NotFound in ChargeCard" instead of 47 rows. Within a pattern
//! the causes are grouped again by their shape ([`cause_shape`]: every word with a digit in it
//! counts as the same word, so order numbers, request ids and timestamps do not split them).
//! Each pattern links to the list filtered to its error and to its latest execution, and one
//! whose Standard executions can be redriven (once the cause is fixed) has *Redrive*, which
//! redrives them all, each under AWS's rules, and reports what it did.

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    ExecutionFilter, ExecutionsError, actions::ExecutionActionError, execution_href, format_millis, last_segment,
};

/// The statuses of failures: what a pattern groups.
pub const FAILURE_STATUSES: [&str; 2] = ["FAILED", "TIMED_OUT"];

/// The most failed executions read for the patterns, newest first: enough to see what is
/// going wrong now, few enough to group in a moment on every view.
pub const FAILURES_EXAMINED: usize = 5_000;

/// The most executions one *Redrive* redrives (a pattern with more takes more clicks).
pub const REDRIVE_BATCH: usize = 1_000;

/// How many patterns show before "N more patterns".
const PATTERNS_SHOWN: usize = 6;

/// How many cause shapes a pattern lists (the rest are counted).
const CAUSES_SHOWN: usize = 3;

/// How much of a cause the page shows.
const CAUSE_TEXT_LIMIT: usize = 400;

/// One failed execution, as the patterns group it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedExecution {
    /// The execution's ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its state machine's ARN.
    pub state_machine_arn: String,
    /// FAILED or TIMED_OUT.
    pub status: String,
    /// The error's name (a `Fail` state may give none).
    pub error: Option<String>,
    /// The error's cause.
    pub cause: Option<String>,
    /// The top-level state it failed in (or was running when it timed out), when known.
    pub state: Option<String>,
    /// When it started, milliseconds since the epoch.
    pub start_millis: i64,
    /// When it stopped.
    pub stop_millis: Option<i64>,
    /// Whether it is a Standard execution (only those can be redriven).
    pub standard: bool,
}

/// Causes of one shape within a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseGroup {
    /// The latest cause of this shape, shortened to what the page shows.
    pub example: String,
    /// How many executions failed with a cause of this shape.
    pub count: u32,
}

/// Failed executions sharing a state machine, a state and an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePattern {
    /// The state machine's ARN.
    pub state_machine_arn: String,
    /// The top-level state the executions failed in, when known.
    pub state: Option<String>,
    /// The error's name, if the failure had one.
    pub error: Option<String>,
    /// How many executions failed this way.
    pub count: u32,
    /// How many of them timed out (the execution's own `TimeoutSeconds`).
    pub timed_out: u32,
    /// How many of them are Standard executions, which a redrive can resume.
    pub standard: u32,
    /// The first and the last time one stopped, milliseconds since the epoch.
    pub first_millis: i64,
    /// See `first_millis`.
    pub last_millis: i64,
    /// The latest such execution: its ARN and name.
    pub latest_arn: String,
    /// See `latest_arn`.
    pub latest_name: String,
    /// The most frequent cause shapes, most frequent first (at most three).
    pub causes: Vec<CauseGroup>,
    /// How many executions had a cause of another shape than those listed, or none.
    pub other_causes: u32,
}

/// The patterns of the failures a filter selects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePatterns {
    /// Most executions first.
    pub patterns: Vec<FailurePattern>,
    /// How many failed executions were grouped.
    pub examined: u32,
    /// Whether there were more than [`FAILURES_EXAMINED`], so only the newest were grouped.
    pub capped: bool,
}

/// A cause's shape: every run of letters and digits that holds a digit becomes `#`, runs of
/// white space become one space, and only the first 300 characters count. "Order 1234 not
/// found (request 9f2c…)" and "Order 77 not found (request 0b1d…)" have one shape.
pub fn cause_shape(cause: &str) -> String {
    let mut shape = String::new();
    let mut word = String::new();
    let mut counted = 0;
    let flush = |word: &mut String, shape: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            shape.push('#');
        } else {
            shape.push_str(word);
        }
        word.clear();
    };
    for c in cause.chars() {
        counted += 1;
        if counted > 300 {
            break;
        }
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut shape);
        if c.is_whitespace() {
            if !shape.ends_with(' ') {
                shape.push(' ');
            }
        } else {
            shape.push(c);
        }
    }
    flush(&mut word, &mut shape);
    shape.trim().to_string()
}

/// Groups `failures` (newest first, as the server reads them) into patterns, most executions
/// first (ties: the latest failure first).
pub fn group_failures(failures: Vec<FailedExecution>, capped: bool) -> FailurePatterns {
    struct Building {
        pattern: FailurePattern,
        latest_stop: (i64, i64),
        causes: HashMap<String, (CauseGroup, i64)>,
    }
    let examined = u32::try_from(failures.len()).unwrap_or(u32::MAX);
    let mut groups: HashMap<(String, Option<String>, Option<String>), Building> = HashMap::new();
    for failure in failures {
        let stopped = failure.stop_millis.unwrap_or(failure.start_millis);
        let key = (failure.state_machine_arn.clone(), failure.state.clone(), failure.error.clone());
        let building = groups.entry(key).or_insert_with(|| Building {
            pattern: FailurePattern {
                state_machine_arn: failure.state_machine_arn.clone(),
                state: failure.state.clone(),
                error: failure.error.clone(),
                count: 0,
                timed_out: 0,
                standard: 0,
                first_millis: stopped,
                last_millis: stopped,
                latest_arn: failure.arn.clone(),
                latest_name: failure.name.clone(),
                causes: Vec::new(),
                other_causes: 0,
            },
            latest_stop: (stopped, failure.start_millis),
            causes: HashMap::new(),
        });
        let pattern = &mut building.pattern;
        pattern.count += 1;
        pattern.timed_out += u32::from(failure.status == "TIMED_OUT");
        pattern.standard += u32::from(failure.standard);
        pattern.first_millis = pattern.first_millis.min(stopped);
        pattern.last_millis = pattern.last_millis.max(stopped);
        if (stopped, failure.start_millis) > building.latest_stop {
            building.latest_stop = (stopped, failure.start_millis);
            pattern.latest_arn = failure.arn.clone();
            pattern.latest_name = failure.name.clone();
        }
        let Some(cause) = failure.cause.filter(|cause| !cause.trim().is_empty()) else {
            continue;
        };
        let (group, latest) = building
            .causes
            .entry(cause_shape(&cause))
            .or_insert_with(|| (CauseGroup { example: shorten(&cause), count: 0 }, stopped));
        group.count += 1;
        if stopped > *latest {
            *latest = stopped;
            group.example = shorten(&cause);
        }
    }
    let mut patterns: Vec<FailurePattern> = groups
        .into_values()
        .map(|building| {
            let mut pattern = building.pattern;
            let mut causes: Vec<(CauseGroup, i64)> = building.causes.into_values().collect();
            causes.sort_by(|(a, a_latest), (b, b_latest)| {
                b.count.cmp(&a.count).then(b_latest.cmp(a_latest)).then_with(|| a.example.cmp(&b.example))
            });
            let listed: u32 = causes.iter().take(CAUSES_SHOWN).map(|(group, _)| group.count).sum();
            pattern.other_causes = pattern.count - listed;
            pattern.causes = causes.into_iter().take(CAUSES_SHOWN).map(|(group, _)| group).collect();
            pattern
        })
        .collect();
    patterns.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_millis.cmp(&a.last_millis))
            .then_with(|| (&a.state_machine_arn, &a.state, &a.error).cmp(&(&b.state_machine_arn, &b.state, &b.error)))
    });
    FailurePatterns { patterns, examined, capped }
}

/// A cause as the page shows it: at most [`CAUSE_TEXT_LIMIT`] characters.
fn shorten(cause: &str) -> String {
    match cause.char_indices().nth(CAUSE_TEXT_LIMIT) {
        Some((end, _)) => format!("{}…", &cause[..end]),
        None => cause.to_string(),
    }
}

/// Whether the list's status filter leaves any failures to group, and which statuses.
pub fn failure_statuses(filter: &ExecutionFilter) -> Vec<&'static str> {
    match filter.status.as_deref() {
        None => FAILURE_STATUSES.to_vec(),
        Some(status) => FAILURE_STATUSES.into_iter().filter(|failure| *failure == status).collect(),
    }
}

/// What *Redrive* did to a pattern's executions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveOutcome {
    /// How many were redriven.
    pub redriven: u32,
    /// The refusals, by reason (the engine's, as RedriveExecution gives it): an example
    /// reason and how many executions got one of its shape.
    pub refused: Vec<(String, u32)>,
    /// How many more the pattern had beyond this batch of [`REDRIVE_BATCH`].
    pub remaining: u32,
}

impl RedriveOutcome {
    /// "Redrove 3 executions." / "Redrove 2 executions; 1 was refused: …".
    pub fn summary(&self) -> String {
        let mut text = format!("Redrove {}.", plural(self.redriven, "execution", "executions"));
        for (reason, count) in &self.refused {
            let verb = if *count == 1 { "was" } else { "were" };
            text.push_str(&format!(" {count} {verb} refused: {reason}"));
            if !reason.ends_with('.') {
                text.push('.');
            }
        }
        if self.remaining > 0 {
            text.push_str(&format!(" {} more wait for another Redrive.", self.remaining));
        }
        text
    }
}

/// Redrives the Standard executions of one pattern: those `filter` selects (its machine and
/// error set to the pattern's) that failed in `state`, newest first, at most [`REDRIVE_BATCH`].
#[server(prefix = "/api", endpoint = "executions/redrive-failures", input = leptos::server_fn::codec::Json)]
pub async fn redrive_failures(
    filter: ExecutionFilter,
    state: Option<String>,
) -> Result<RedriveOutcome, ExecutionActionError> {
    use super::actions::{refuse, ssr::ExecutionControls};
    if filter.machine.is_none() || filter.error.is_none() {
        return refuse(ExecutionActionError::InvalidField {
            field: "pattern".into(),
            reason: "a redrive names the pattern's state machine and error".into(),
        });
    }
    if let Err(error) = filter.started_range() {
        return refuse(ExecutionActionError::InvalidField { field: "filter".into(), reason: error.to_string() });
    }
    let context = expect_context::<crate::ssr::ServerContext>();
    let controls = expect_context::<ExecutionControls>();
    let arns = context
        .executions
        .failed_standard_executions(&context.pool, &filter, state.as_deref())
        .await
        .map_err(|_| ExecutionActionError::Storage)?;
    let remaining = arns.len().saturating_sub(REDRIVE_BATCH) as u32;
    let mut outcome = RedriveOutcome { remaining, ..RedriveOutcome::default() };
    let mut refusals: Vec<(String, String, u32)> = Vec::new();
    for arn in arns.iter().take(REDRIVE_BATCH) {
        match controls.0.redrive(arn).await {
            Ok(()) => outcome.redriven += 1,
            Err(ExecutionActionError::Storage) => return Err(ExecutionActionError::Storage),
            Err(error) => {
                let reason = error.to_string();
                let shape = cause_shape(&reason.replace(arn.as_str(), "the execution"));
                match refusals.iter_mut().find(|(known, ..)| *known == shape) {
                    Some((.., count)) => *count += 1,
                    None => refusals.push((shape, reason, 1)),
                }
            }
        }
    }
    outcome.refused = refusals.into_iter().map(|(_, reason, count)| (reason, count)).collect();
    Ok(outcome)
}

/// The failure patterns of the executions `filter` selects (its page position ignored).
#[server(prefix = "/api", endpoint = "executions/failures", input = leptos::server_fn::codec::Json)]
pub async fn read_failure_patterns(filter: ExecutionFilter) -> Result<FailurePatterns, ExecutionsError> {
    filter.started_range()?;
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.failure_patterns(&context.pool, &filter).await
}

/// The patterns section (`data-testid="failure-patterns"`), when there are failures; each
/// pattern is a row with `data-error`, `data-state` and `data-count`.
#[component]
pub(crate) fn FailurePatternsSection(
    patterns: Result<FailurePatterns, ExecutionsError>,
    filter: ExecutionFilter,
    /// The page's redrive of a pattern (the page shows its outcome and reads the list again).
    redrive: ServerAction<RedriveFailures>,
) -> impl IntoView {
    let patterns = match patterns {
        Ok(patterns) if patterns.patterns.is_empty() => return None,
        Ok(patterns) => patterns,
        Err(error) => {
            return Some(
                view! {
                    <section class="card failure-patterns">
                        <h2>"Failure patterns"</h2>
                        <p class="error" role="alert">{error.to_string()}</p>
                    </section>
                }
                .into_any(),
            );
        }
    };
    let FailurePatterns { mut patterns, examined, capped } = patterns;
    let groups = patterns.len();
    // The most frequent stay in sight; the rest fold away, so the list stays near the top.
    let rest = patterns.split_off(patterns.len().min(PATTERNS_SHOWN));
    let first = patterns;
    let summary = format!(
        "{} in {groups} {}{}, most frequent first.",
        plural(examined, "failed execution", "failed executions"),
        if groups == 1 { "pattern" } else { "patterns" },
        if capped { format!(" (the newest {FAILURES_EXAMINED} failures)") } else { String::new() },
    );
    Some(
        view! {
            <section class="card failure-patterns" data-testid="failure-patterns">
                <h2>"Failure patterns"</h2>
                <p class="muted" data-testid="failure-summary">
                    {summary}
                    " Grouped by state machine, the state the execution failed in, and the error; causes that differ only in numbers and ids count as one."
                </p>
                <PatternTable patterns=first filter=filter.clone() redrive />
                {(!rest.is_empty())
                    .then(|| {
                        view! {
                            <details class="more-patterns">
                                <summary>{plural(rest.len() as u32, "more pattern", "more patterns")}</summary>
                                <PatternTable patterns=rest filter redrive />
                            </details>
                        }
                    })}
            </section>
        }
        .into_any(),
    )
}

#[component]
fn PatternTable(
    patterns: Vec<FailurePattern>,
    filter: ExecutionFilter,
    redrive: ServerAction<RedriveFailures>,
) -> impl IntoView {
    view! {
        <table class="executions patterns">
            <thead>
                <tr>
                    <th scope="col">"Failures"</th>
                    <th scope="col">"Error"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"State machine"</th>
                    <th scope="col">"Causes"</th>
                    <th scope="col">"Last failed"</th>
                </tr>
            </thead>
            <tbody>
                {patterns
                    .into_iter()
                    .map(|pattern| view! { <PatternRow pattern filter=filter.clone() redrive /> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PatternRow(
    pattern: FailurePattern,
    filter: ExecutionFilter,
    redrive: ServerAction<RedriveFailures>,
) -> impl IntoView {
    let FailurePattern {
        state_machine_arn,
        state,
        error,
        count,
        timed_out,
        standard,
        first_millis,
        last_millis,
        latest_arn,
        latest_name,
        causes,
        other_causes,
    } = pattern;
    // The list of these executions: this machine, this error, the failure statuses the
    // filter allows; the name and dates kept.
    let list_filter =
        ExecutionFilter { machine: Some(state_machine_arn.clone()), error: error.clone(), before: None, ..filter };
    let list_href = format!("/executions?{}", list_filter.query_before(None));
    let timed_out = match timed_out {
        0 => None,
        all if all == count => Some("the execution's own timeout".to_string()),
        some => Some(format!("{some} by the execution's own timeout")),
    };
    let span = (first_millis != last_millis).then(|| format!("first {}", format_millis(first_millis)));
    let machine_href = super::machine_href(&state_machine_arn);
    let (error_attribute, state_attribute) = (error.clone().unwrap_or_default(), state.clone().unwrap_or_default());
    view! {
        <tr data-error=error_attribute data-state=state_attribute data-count=count>
            <td data-label="Failures" class="pattern-count">
                <strong>{count}</strong>
                {timed_out.map(|text| view! { <span class="muted pattern-timed-out">{text}</span> })}
                <a class="pattern-list" href=list_href>
                    "List them"
                </a>
                {(standard > 0 && error.is_some())
                    .then(|| {
                        view! {
                            <RedriveButton
                                filter=list_filter.clone()
                                state=state.clone()
                                standard
                                redrive
                            />
                        }
                    })}
            </td>
            <td data-label="Error">
                {match error {
                    Some(error) => view! { <code>{error}</code> }.into_any(),
                    None => view! { <span class="muted">"no error name"</span> }.into_any(),
                }}
            </td>
            <td data-label="State">
                {match state {
                    Some(state) => view! { <code>{state}</code> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td data-label="State machine">
                <a href=machine_href>{last_segment(&state_machine_arn).to_string()}</a>
            </td>
            <td data-label="Causes" class="pattern-causes">
                {(causes.is_empty() && other_causes > 0).then(|| view! { <span class="muted">"no cause given"</span> })}
                <ul>
                    {causes
                        .into_iter()
                        .map(|cause| {
                            let whole = cause.example.clone();
                            view! {
                                <li data-cause-count=cause.count title=whole>
                                    {(count > 1).then(|| view! { <span class="muted">{cause.count} " × "</span> })}
                                    <code>{cause.example}</code>
                                </li>
                            }
                        })
                        .collect_view()}
                    {(other_causes > 0 && count != other_causes)
                        .then(|| {
                            view! {
                                <li class="muted">
                                    {plural(other_causes, "other execution", "other executions")}
                                    " with another cause or none"
                                </li>
                            }
                        })}
                </ul>
            </td>
            <td data-label="Last failed">
                <a href=execution_href(&latest_arn) title=format!("The latest: {latest_name}")>
                    {format_millis(last_millis)}
                </a>
                {span.map(|text| view! { <span class="muted pattern-first">{text}</span> })}
            </td>
        </tr>
    }
}

/// *Redrive* for a pattern: asks first, then dispatches the page's `redrive` action, whose
/// progress and outcome the page shows above the patterns (they are drawn again while it
/// runs, as executions change).
#[component]
fn RedriveButton(
    filter: ExecutionFilter,
    state: Option<String>,
    standard: u32,
    redrive: ServerAction<RedriveFailures>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let label = format!("Redrive {}", plural(standard, "execution", "executions"));
    let question = format!(
        "Redrive {}? Each resumes at the state that failed, with the same input.",
        plural(standard, "Standard execution", "Standard executions")
    );
    view! {
        <div class="pattern-redrive">
            <Show
                when=move || asking.get()
                fallback={
                    let label = label.clone();
                    move || {
                        view! {
                            <button
                                type="button"
                                class="link-button"
                                data-testid="pattern-redrive"
                                disabled=move || redrive.pending().get()
                                on:click=move |_| asking.set(true)
                            >
                                {label.clone()}
                            </button>
                        }
                    }
                }
            >
                <p class="pattern-question">{question.clone()}</p>
                <button
                    type="button"
                    data-testid="pattern-redrive-confirm"
                    on:click={
                        let (filter, state) = (filter.clone(), state.clone());
                        move |_| {
                            asking.set(false);
                            redrive.dispatch(RedriveFailures { filter: filter.clone(), state: state.clone() });
                        }
                    }
                >
                    "Redrive"
                </button>
                " "
                <button type="button" class="secondary" on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </Show>
        </div>
    }
}

/// What the page's last pattern redrive did, or that it runs (`data-testid="pattern-redrive-outcome"`).
#[component]
pub(crate) fn RedriveNotice(redrive: ServerAction<RedriveFailures>) -> impl IntoView {
    move || {
        if redrive.pending().get() {
            return Some(view! { <p class="notice" role="status">"Redriving…"</p> }.into_any());
        }
        redrive.value().get().map(|outcome| match outcome {
            Ok(outcome) => view! {
                <p class="notice" role="status" data-testid="pattern-redrive-outcome">{outcome.summary()}</p>
            }
            .into_any(),
            Err(error) => view! {
                <p class="action-error" role="alert" data-testid="pattern-redrive-outcome">{error.to_string()}</p>
            }
            .into_any(),
        })
    }
}

/// "1 failed execution", "3 failed executions".
fn plural(count: u32, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(name: &str, state: &str, error: &str, cause: &str, stop: i64) -> FailedExecution {
        FailedExecution {
            arn: format!("arn:aws:states:us-east-1:123456789012:execution:Orders:{name}"),
            name: name.into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Orders".into(),
            status: "FAILED".into(),
            error: Some(error.into()).filter(|error: &String| !error.is_empty()),
            cause: Some(cause.into()).filter(|cause: &String| !cause.is_empty()),
            state: Some(state.into()),
            start_millis: stop - 10,
            stop_millis: Some(stop),
            standard: true,
        }
    }

    #[test]
    fn causes_that_differ_in_numbers_and_ids_have_one_shape() {
        assert_eq!(cause_shape("Order 1234 not found"), cause_shape("Order 77 not found"));
        assert_eq!(
            cause_shape("request 1b4e28ba-2fa1-11d2-883f-0016d3cca427 timed out at 2026-11-24T04:07:27Z"),
            cause_shape("request 0b1d0000-0000-4000-8000-000000000000 timed out at 2025-01-01T00:00:00Z"),
        );
        assert_eq!(cause_shape("  Order   7\nnot found "), "Order # not found");
        assert_ne!(cause_shape("Order 1 not found"), cause_shape("Customer 1 not found"));
        // JSON causes (a Lambda's error) keep their structure.
        assert_eq!(
            cause_shape(r#"{"errorMessage":"Timeout after 3.00 seconds","errorType":"Timeout"}"#),
            r#"{"errorMessage":"Timeout after #.# seconds","errorType":"Timeout"}"#
        );
    }

    #[test]
    fn failures_group_by_machine_state_and_error_with_their_causes() {
        let failures = vec![
            failure("e6", "Charge", "Card.Declined", "card 4242 declined", 600),
            failure("e5", "Charge", "Card.Declined", "card 1111 declined", 500),
            failure("e4", "Ship", "Card.Declined", "card 1 declined", 400),
            failure("e3", "Charge", "Card.Declined", "insufficient funds", 300),
            failure("e2", "Charge", "States.Timeout", "", 200),
            failure("e1", "Charge", "Card.Declined", "", 100),
        ];
        let grouped = group_failures(failures, false);
        assert_eq!(grouped.examined, 6);
        let summary: Vec<(Option<&str>, Option<&str>, u32)> = grouped
            .patterns
            .iter()
            .map(|pattern| (pattern.state.as_deref(), pattern.error.as_deref(), pattern.count))
            .collect();
        assert_eq!(
            summary,
            [
                (Some("Charge"), Some("Card.Declined"), 4),
                (Some("Ship"), Some("Card.Declined"), 1),
                (Some("Charge"), Some("States.Timeout"), 1),
            ]
        );
        let charge = &grouped.patterns[0];
        assert_eq!((charge.first_millis, charge.last_millis, charge.latest_name.as_str()), (100, 600, "e6"));
        let causes: Vec<(&str, u32)> =
            charge.causes.iter().map(|cause| (cause.example.as_str(), cause.count)).collect();
        // The latest cause of the most frequent shape is its example; the one without a cause
        // is counted apart.
        assert_eq!(causes, [("card 4242 declined", 2), ("insufficient funds", 1)]);
        assert_eq!(charge.other_causes, 1);
    }

    #[test]
    fn only_the_three_most_frequent_causes_are_listed() {
        let failures: Vec<FailedExecution> = ["a", "b", "b", "c", "c", "c", "d", "d", "d", "d"]
            .iter()
            .enumerate()
            .map(|(index, cause)| failure(&format!("e{index}"), "S", "E", &format!("cause {cause}"), index as i64))
            .collect();
        let pattern = &group_failures(failures, false).patterns[0];
        let counts: Vec<u32> = pattern.causes.iter().map(|cause| cause.count).collect();
        assert_eq!((counts, pattern.other_causes), (vec![4, 3, 2], 1));
        let long = "x".repeat(1_000);
        assert_eq!(shorten(&long).chars().count(), CAUSE_TEXT_LIMIT + 1);
    }

    #[test]
    fn a_redrive_says_what_it_did() {
        let all = RedriveOutcome { redriven: 3, ..Default::default() };
        assert_eq!(all.summary(), "Redrove 3 executions.");
        let some = RedriveOutcome {
            redriven: 1,
            refused: vec![("The execution can be redriven only within 14 days of its end".into(), 2)],
            remaining: 5,
        };
        assert_eq!(
            some.summary(),
            "Redrove 1 execution. 2 were refused: The execution can be redriven only within 14 days of its end. \
             5 more wait for another Redrive."
        );
    }

    #[test]
    fn the_status_filter_narrows_the_failures() {
        let filter = |status: Option<&str>| ExecutionFilter { status: status.map(String::from), ..Default::default() };
        assert_eq!(failure_statuses(&filter(None)), ["FAILED", "TIMED_OUT"]);
        assert_eq!(failure_statuses(&filter(Some("TIMED_OUT"))), ["TIMED_OUT"]);
        assert!(failure_statuses(&filter(Some("SUCCEEDED"))).is_empty());
    }
}

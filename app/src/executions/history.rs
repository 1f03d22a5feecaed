//! What an execution's history says about its states: each state's status (for the graph's
//! colours), and each visit of a state (entered → exited) with its input, output, error and
//! cause, attempts and timings (for the state details and the timeline).

use std::collections::BTreeMap;

use serde_json::Value;

use super::EventRow;
use crate::graph_view::StateStatus;

/// The status of every state the history names, by its name. States it does not name have
/// not been reached.
///
/// A state is *running* while it has been entered more often than exited and the execution
/// runs; *failed* when the execution ended while it was inside it (and no redrive entered it
/// again since); *caught* when it exited after a failure it did not recover from by a retry (a
/// Catch took over); otherwise *succeeded*. Each event belongs to the state whose `…StateEntered` event its
/// `previousEventId` chain reaches first.
pub fn state_statuses(events: &[EventRow], execution_status: &str) -> BTreeMap<String, StateStatus> {
    #[derive(Default)]
    struct Tally {
        entered: u32,
        exited: u32,
        failing: bool,
        caught: bool,
        /// The execution ended (failed, timed out, stopped) while it was inside.
        ended_inside: bool,
    }
    let by_id: BTreeMap<u64, &EventRow> = events.iter().map(|event| (event.id, event)).collect();
    let owner = |event: &EventRow| -> Option<String> {
        let mut current = by_id.get(&event.previous_id).copied();
        let mut steps = 0;
        while let Some(candidate) = current {
            if candidate.event_type.ends_with("StateEntered") {
                return candidate.state_name.clone();
            }
            steps += 1;
            if steps > events.len() {
                return None;
            }
            current = by_id.get(&candidate.previous_id).copied();
        }
        None
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for event in events {
        let kind = event.event_type.as_str();
        if kind.ends_with("StateEntered") {
            if let Some(name) = &event.state_name {
                let tally = tallies.entry(name.clone()).or_default();
                tally.entered += 1;
                tally.failing = false;
                tally.ended_inside = false;
            }
        } else if kind.ends_with("StateExited") {
            if let Some(name) = &event.state_name {
                let tally = tallies.entry(name.clone()).or_default();
                tally.exited += 1;
                if tally.failing {
                    tally.caught = true;
                }
            }
        } else if kind.starts_with("Execution") {
            if execution_end(kind).is_some() {
                // AWS records no exit for the states the execution ended in; a redrive enters
                // them again.
                for tally in tallies.values_mut().filter(|tally| tally.entered > tally.exited) {
                    tally.exited = tally.entered;
                    tally.ended_inside = true;
                }
            }
        } else if let Some(name) = container_failure(kind, events, event.id) {
            tallies.entry(name).or_default().failing = true;
        } else if (kind.ends_with("Failed") || kind.ends_with("TimedOut") || kind.ends_with("Aborted"))
            && let Some(name) = owner(event)
        {
            tallies.entry(name).or_default().failing = true;
        } else if kind.ends_with("Succeeded")
            && let Some(name) = owner(event)
        {
            tallies.entry(name).or_default().failing = false;
        }
    }
    let running = execution_status == "RUNNING";
    tallies
        .into_iter()
        .filter(|(_, tally)| tally.entered > 0)
        .map(|(name, tally)| {
            let status = if tally.entered > tally.exited {
                if running { StateStatus::Running } else { StateStatus::Failed }
            } else if tally.ended_inside {
                StateStatus::Failed
            } else if tally.caught {
                StateStatus::Caught
            } else {
                StateStatus::Succeeded
            };
            (name, status)
        })
        .collect()
}

/// One visit of a state: from its `…StateEntered` event to its `…StateExited` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateVisit {
    /// The state's name.
    pub state_name: String,
    /// The state's type as the event names it (`Task`, `Pass`, `Map`, …).
    pub state_type: String,
    /// The id of its `…StateEntered` event.
    pub entered_id: u64,
    /// When it was entered, milliseconds since the epoch.
    pub entered_millis: i64,
    /// When it was left; `None` while it has not been.
    pub exited_millis: Option<i64>,
    /// When the execution ended (failed, timed out, was stopped) while inside it, never to
    /// leave it, and how: AWS records no exit then.
    pub ended_inside: Option<(i64, EndedInside)>,
    /// Its input, pretty-printed JSON.
    pub input: Option<String>,
    /// Its output, pretty-printed JSON.
    pub output: Option<String>,
    /// The last error raised inside it (a failed attempt, a timeout).
    pub error: Option<String>,
    /// That error's cause.
    pub cause: Option<String>,
    /// How many times its work was scheduled (Task, Lambda, activity): 1 plus its retries; 0
    /// for states that schedule nothing.
    pub attempts: u32,
}

/// How an execution ended inside a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedInside {
    /// `ExecutionFailed`.
    Failed,
    /// `ExecutionTimedOut`.
    TimedOut,
    /// `ExecutionAborted` (StopExecution).
    Aborted,
}

impl EndedInside {
    /// What happened, as the details say it: "the execution failed".
    pub fn text(self) -> &'static str {
        match self {
            EndedInside::Failed => "the execution failed",
            EndedInside::TimedOut => "the execution timed out",
            EndedInside::Aborted => "the execution was stopped",
        }
    }
}

impl StateVisit {
    /// When it ended: its exit, or the execution's end inside it.
    pub fn end_millis(&self) -> Option<i64> {
        self.exited_millis.or(self.ended_inside.map(|(millis, _)| millis))
    }

    /// How long it took, or has taken until `now_millis` while it goes on.
    pub fn duration_millis(&self, now_millis: i64) -> i64 {
        (self.end_millis().unwrap_or(now_millis) - self.entered_millis).max(0)
    }
}

/// How an event of this type ends the execution, unless it is a success or no end.
fn execution_end(kind: &str) -> Option<EndedInside> {
    match kind {
        "ExecutionFailed" => Some(EndedInside::Failed),
        "ExecutionTimedOut" => Some(EndedInside::TimedOut),
        "ExecutionAborted" => Some(EndedInside::Aborted),
        _ => None,
    }
}

/// Every visit of every state, in the order they were entered. A `…StateExited` closes the
/// open visit of its state that its `previousEventId` chain reaches, else the latest open
/// one of that name (a Parallel or Map state's exit follows its branches' events). Other
/// events belong to the visit whose `…StateEntered` their chain reaches first.
pub fn state_visits(events: &[EventRow]) -> Vec<StateVisit> {
    let by_id: BTreeMap<u64, &EventRow> = events.iter().map(|event| (event.id, event)).collect();
    let mut visits: Vec<StateVisit> = Vec::new();
    let mut visit_of_entered: BTreeMap<u64, usize> = BTreeMap::new();
    let owner = |event: &EventRow| -> Option<u64> {
        let mut current = by_id.get(&event.previous_id).copied();
        let mut steps = 0;
        while let Some(candidate) = current {
            if candidate.event_type.ends_with("StateEntered") {
                return Some(candidate.id);
            }
            steps += 1;
            if steps > events.len() {
                return None;
            }
            current = by_id.get(&candidate.previous_id).copied();
        }
        None
    };
    for event in events {
        let kind = event.event_type.as_str();
        let details = event_details(event);
        let text = |field: &str| details.as_ref().and_then(|details| details.get(field)?.as_str().map(str::to_string));
        if let Some(state_type) = kind.strip_suffix("StateEntered") {
            visit_of_entered.insert(event.id, visits.len());
            visits.push(StateVisit {
                state_name: event.state_name.clone().unwrap_or_default(),
                state_type: state_type.to_string(),
                entered_id: event.id,
                entered_millis: event.timestamp_millis,
                exited_millis: None,
                ended_inside: None,
                input: text("input").map(pretty_json),
                output: None,
                error: None,
                cause: None,
                attempts: 0,
            });
        } else if kind.ends_with("StateExited") {
            let name = event.state_name.clone().unwrap_or_default();
            let open = |index: &usize| visits[*index].state_name == name && visits[*index].end_millis().is_none();
            let index = owner(event)
                .and_then(|entered| visit_of_entered.get(&entered).copied())
                .filter(open)
                .or_else(|| (0..visits.len()).rev().find(open));
            if let Some(index) = index {
                visits[index].exited_millis = Some(event.timestamp_millis);
                visits[index].output = text("output").map(pretty_json);
            }
        } else if kind.starts_with("Execution") {
            let Some(how) = execution_end(kind) else { continue };
            // The state entered last of those still open is where it ended (a Fail state, a
            // Task out of retries, the branch's state a Parallel failed for): it failed with
            // the execution's error unless its own events said otherwise.
            if let Some(last) = visits.iter_mut().rev().find(|visit| visit.end_millis().is_none())
                && last.error.is_none()
            {
                last.error = text("error");
                last.cause = text("cause");
            }
            for visit in visits.iter_mut().filter(|visit| visit.end_millis().is_none()) {
                visit.ended_inside = Some((event.timestamp_millis, how));
            }
        } else if let Some(name) = container_failure(kind, events, event.id) {
            if let Some(visit) =
                visits.iter_mut().rev().find(|visit| visit.state_name == name && visit.end_millis().is_none())
            {
                visit.error = text("error").or_else(|| Some(kind.to_string()));
                visit.cause = text("cause");
            }
        } else if let Some(index) = owner(event).and_then(|entered| visit_of_entered.get(&entered).copied()) {
            if kind.ends_with("Scheduled") {
                visits[index].attempts += 1;
            } else if kind.ends_with("Failed") || kind.ends_with("TimedOut") {
                visits[index].error = text("error").or_else(|| Some(kind.to_string()));
                visits[index].cause = text("cause");
            }
        }
    }
    visits
}

/// The Parallel or Map state a `ParallelStateFailed` or `MapStateAborted` (…) event at
/// `event_id` is about: the latest one of that type entered before it and not yet exited.
/// (Its `previousEventId` leads into a branch, so the chain would name a state inside.)
fn container_failure(kind: &str, events: &[EventRow], event_id: u64) -> Option<String> {
    let container = ["Parallel", "Map"].into_iter().find(|container| {
        kind.strip_prefix(container).is_some_and(|rest| matches!(rest, "StateFailed" | "StateAborted"))
    })?;
    let entered = format!("{container}StateEntered");
    let exited = format!("{container}StateExited");
    let mut open: Vec<&str> = Vec::new();
    for event in events.iter().take_while(|event| event.id < event_id) {
        if event.event_type == entered {
            open.push(event.state_name.as_deref().unwrap_or_default());
        } else if event.event_type == exited
            && let Some(position) = open.iter().rposition(|name| Some(*name) == event.state_name.as_deref())
        {
            open.remove(position);
        }
    }
    open.last().map(|name| name.to_string())
}

/// An event's details member (`{"taskFailedEventDetails": {...}}` → `{...}`).
fn event_details(event: &EventRow) -> Option<Value> {
    if event.details.is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(&event.details).ok()? {
        Value::Object(members) => members.into_iter().next().map(|(_, value)| value),
        _ => None,
    }
}

/// JSON text pretty-printed, or as it is when it is not JSON.
fn pretty_json(text: String) -> String {
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64, previous_id: u64, event_type: &str, state_name: Option<&str>) -> EventRow {
        EventRow {
            id,
            previous_id,
            event_type: event_type.into(),
            timestamp_millis: 0,
            details: String::new(),
            state_name: state_name.map(str::to_string),
        }
    }

    #[test]
    fn statuses_follow_the_history() {
        let events = [
            event(1, 0, "ExecutionStarted", None),
            event(2, 1, "TaskStateEntered", Some("Charge")),
            event(3, 2, "TaskScheduled", None),
            event(4, 3, "TaskStarted", None),
            event(5, 4, "TaskFailed", None),
            event(6, 5, "TaskStateExited", Some("Charge")),
            event(7, 6, "PassStateEntered", Some("Recover")),
            event(8, 7, "PassStateExited", Some("Recover")),
            event(9, 8, "FailStateEntered", Some("Stop")),
            event(10, 9, "ExecutionFailed", None),
        ];
        let statuses = state_statuses(&events, "FAILED");
        assert_eq!(statuses["Charge"], StateStatus::Caught);
        assert_eq!(statuses["Recover"], StateStatus::Succeeded);
        assert_eq!(statuses["Stop"], StateStatus::Failed);
        assert!(!statuses.contains_key("Never"));
        assert_eq!(state_statuses(&events[..8], "RUNNING")["Recover"], StateStatus::Succeeded);
        assert_eq!(state_statuses(&events[..7], "RUNNING")["Recover"], StateStatus::Running);
    }

    fn with_details(mut event: EventRow, details: &str) -> EventRow {
        event.details = details.to_string();
        event.timestamp_millis = event.id as i64 * 100;
        event
    }

    #[test]
    fn visits_carry_input_output_errors_attempts_and_timings() {
        let events = [
            event(1, 0, "ExecutionStarted", None),
            with_details(
                event(2, 1, "TaskStateEntered", Some("Charge")),
                r#"{"stateEnteredEventDetails": {"name": "Charge", "input": "{\"n\":1}"}}"#,
            ),
            event(3, 2, "TaskScheduled", None),
            with_details(
                event(4, 3, "TaskFailed", None),
                r#"{"taskFailedEventDetails": {"error": "Card.Declined", "cause": "no funds"}}"#,
            ),
            event(5, 4, "TaskScheduled", None),
            event(6, 5, "TaskSucceeded", None),
            with_details(
                event(7, 6, "TaskStateExited", Some("Charge")),
                r#"{"stateExitedEventDetails": {"name": "Charge", "output": "{\"paid\":true}"}}"#,
            ),
            with_details(event(8, 7, "PassStateEntered", Some("Log")), "{}"),
        ];
        let visits = state_visits(&events);
        assert_eq!(visits.len(), 2);
        let charge = &visits[0];
        assert_eq!((charge.state_name.as_str(), charge.state_type.as_str()), ("Charge", "Task"));
        assert_eq!(charge.input.as_deref(), Some("{\n  \"n\": 1\n}"));
        assert_eq!(charge.output.as_deref(), Some("{\n  \"paid\": true\n}"));
        assert_eq!((charge.error.as_deref(), charge.cause.as_deref()), (Some("Card.Declined"), Some("no funds")));
        assert_eq!(charge.attempts, 2);
        assert_eq!((charge.entered_millis, charge.exited_millis, charge.duration_millis(0)), (200, Some(700), 500));
        assert_eq!((visits[1].exited_millis, visits[1].duration_millis(1000)), (None, 200));
    }

    /// An activity that fails the execution, a redrive that enters it again and succeeds.
    fn failed_then_redriven() -> Vec<EventRow> {
        let at = |mut event: EventRow, millis: i64| {
            event.timestamp_millis = millis;
            event
        };
        vec![
            at(event(1, 0, "ExecutionStarted", None), 0),
            at(event(2, 1, "TaskStateEntered", Some("Work")), 100),
            at(event(3, 2, "ActivityScheduled", None), 100),
            with_details(
                at(event(4, 3, "ActivityFailed", None), 0),
                r#"{"activityFailedEventDetails": {"error": "Worker.Crashed"}}"#,
            ),
            at(event(5, 4, "ExecutionFailed", None), 7_500),
            at(event(6, 5, "ExecutionRedriven", None), 9_000),
            at(event(7, 6, "TaskStateEntered", Some("Work")), 9_000),
            at(event(8, 7, "ActivityScheduled", None), 9_000),
            at(event(9, 8, "ActivitySucceeded", None), 9_500),
            at(event(10, 9, "TaskStateExited", Some("Work")), 9_600),
            at(event(11, 10, "ExecutionSucceeded", None), 9_600),
        ]
    }

    #[test]
    fn a_state_the_execution_ended_in_is_failed_and_ended_until_a_redrive_enters_it_again() {
        let events = failed_then_redriven();
        let failed = &events[..5];
        assert_eq!(state_statuses(failed, "FAILED")["Work"], StateStatus::Failed);
        let visits = state_visits(failed);
        assert_eq!(visits[0].ended_inside, Some((7_500, EndedInside::Failed)));
        assert_eq!((visits[0].end_millis(), visits[0].duration_millis(99_999)), (Some(7_500), 7_400));
        assert_eq!(visits[0].error.as_deref(), Some("Worker.Crashed"));

        // Redriven and succeeded: the state is green, its first visit ended with the failure and
        // its second exited.
        assert_eq!(state_statuses(&events, "SUCCEEDED")["Work"], StateStatus::Succeeded);
        assert_eq!(state_statuses(&events[..8], "RUNNING")["Work"], StateStatus::Running);
        let visits = state_visits(&events);
        assert_eq!(visits.len(), 2);
        assert_eq!((visits[0].ended_inside, visits[0].exited_millis), (Some((7_500, EndedInside::Failed)), None));
        assert_eq!((visits[1].ended_inside, visits[1].exited_millis), (None, Some(9_600)));
        assert_eq!(visits[1].error, None);

        // A stopped execution ends its running state as stopped.
        let mut stopped = events[..3].to_vec();
        stopped.push(event(4, 3, "ExecutionAborted", None));
        assert_eq!(state_visits(&stopped)[0].ended_inside.map(|(_, how)| how), Some(EndedInside::Aborted));
        assert_eq!(state_statuses(&stopped, "ABORTED")["Work"], StateStatus::Failed);
    }
    #[test]
    fn the_state_entered_last_is_where_a_failed_execution_ended_with_its_error() {
        // A Parallel's Fail state (caught, so never exited), then a Fail state that ends it all.
        let events = [
            event(1, 0, "ExecutionStarted", None),
            event(2, 1, "ParallelStateEntered", Some("Try")),
            event(3, 2, "ParallelStateStarted", None),
            event(4, 3, "FailStateEntered", Some("Boom")),
            event(5, 4, "ParallelStateFailed", None),
            event(6, 5, "ParallelStateExited", Some("Try")),
            event(7, 6, "FailStateEntered", Some("Finally")),
            with_details(
                event(8, 7, "ExecutionFailed", None),
                r#"{"executionFailedEventDetails": {"error": "Final.Error", "cause": "gave up"}}"#,
            ),
        ];
        let states = crate::executions::states::ExecutionStates::new(&events, 0, Some(800));
        assert_eq!(states.ended_in(), Some("Finally"));
        let finally = states.visits.iter().find(|visit| visit.state_name == "Finally").unwrap();
        assert_eq!((finally.error.as_deref(), finally.cause.as_deref()), (Some("Final.Error"), Some("gave up")));
        let boom = states.visits.iter().find(|visit| visit.state_name == "Boom").unwrap();
        assert_eq!(boom.error, None, "Boom did not fail with the execution's error");

        // An execution that succeeded ended in no state.
        let fine = [
            event(1, 0, "ExecutionStarted", None),
            event(2, 1, "SucceedStateEntered", Some("Done")),
            event(3, 2, "SucceedStateExited", Some("Done")),
            event(4, 3, "ExecutionSucceeded", None),
        ];
        assert_eq!(crate::executions::states::ExecutionStates::new(&fine, 0, Some(400)).ended_in(), None);
    }
}

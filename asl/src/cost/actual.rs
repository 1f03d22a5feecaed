//! Actual cost from recorded executions: the state transitions one history bills, and what
//! they (or an Express execution's request and duration) cost.
//!
//! The rules are the estimate's (see [`super`]): every state entered is one transition
//! (Succeed, Fail, Choice and Pass included; states inside inline Map iterations and Parallel
//! branches too), and every retry is another. In a history a retry is an attempt that does not
//! follow its state's `…StateEntered` event: a `TaskScheduled`, `LambdaFunctionScheduled` or
//! `ActivityScheduled` whose previous event is not a `TaskStateEntered`, or a
//! `MapStateStarted` / `ParallelStateStarted` whose previous event is not a `MapStateEntered` /
//! `ParallelStateEntered` (AWS's own histories link them this way). A Distributed Map's child
//! executions have histories of their own and are billed there.

use std::collections::HashMap;

use super::prices::{self, ExpressPrices, RegionPrices};

/// One history event, as much of it as billing needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordedEvent<'a> {
    /// The event's id (1, 2, 3, …).
    pub id: u64,
    /// The event it follows (`previousEventId`, 0 for none).
    pub previous_id: u64,
    /// Its type (`TaskStateEntered`, `LambdaFunctionScheduled`, …).
    pub event_type: &'a str,
}

/// The state transitions AWS bills a Standard execution for its history `events` (any order).
pub fn billed_transitions(events: &[RecordedEvent<'_>]) -> u64 {
    let type_of: HashMap<u64, &str> = events.iter().map(|event| (event.id, event.event_type)).collect();
    events
        .iter()
        .filter(|event| {
            if event.event_type.ends_with("StateEntered") {
                return true;
            }
            let Some(first_follows) = attempt_follows(event.event_type) else {
                return false;
            };
            type_of.get(&event.previous_id).is_none_or(|previous| *previous != first_follows)
        })
        .count() as u64
}

/// For an event that starts an attempt of a state, the event type its first attempt follows.
fn attempt_follows(event_type: &str) -> Option<&'static str> {
    match event_type {
        "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled" => Some("TaskStateEntered"),
        "MapStateStarted" => Some("MapStateEntered"),
        "ParallelStateStarted" => Some("ParallelStateEntered"),
        _ => None,
    }
}

/// What `transitions` Standard state transitions cost in `prices`' region, free tier not
/// applied (the free tier is monthly, per account, not per execution or per day).
pub fn standard_cost_usd(prices: &RegionPrices, transitions: u64) -> f64 {
    prices.standard_cost_before_free_tier(transitions as f64)
}

/// What one Express execution costs: one request plus its duration (rounded up to 100 ms) ×
/// its memory (rounded up to 64 MB steps), at the first duration tier's price.
pub fn express_execution_cost_usd(prices: &ExpressPrices, duration_millis: u64, memory_mb: f64) -> f64 {
    let billed_seconds = prices::billed_duration_ms(duration_millis as f64 / 1_000.0) as f64 / 1_000.0;
    let gb_hours = billed_seconds * prices::billed_memory_mb(memory_mb) as f64 / 1_024.0 / 3_600.0;
    let first_tier = prices.duration_tiers.first().map_or(0.0, |tier| tier.usd_per_gb_hour);
    prices.request_cost(1.0) + gb_hours * first_tier
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;
    use crate::cost::{Assumptions, prices};

    fn event(id: u64, previous_id: u64, event_type: &str) -> RecordedEvent<'_> {
        RecordedEvent { id, previous_id, event_type }
    }

    #[test]
    fn each_state_entered_and_each_retry_is_a_transition() {
        // A Task retried twice (a failure, then success), then a Succeed state.
        let events = [
            event(1, 0, "ExecutionStarted"),
            event(2, 1, "TaskStateEntered"),
            event(3, 2, "TaskScheduled"),
            event(4, 3, "TaskStarted"),
            event(5, 4, "TaskFailed"),
            event(6, 5, "TaskScheduled"),
            event(7, 6, "TaskStarted"),
            event(8, 7, "TaskTimedOut"),
            event(9, 8, "TaskScheduled"),
            event(10, 9, "TaskStarted"),
            event(11, 10, "TaskSucceeded"),
            event(12, 11, "TaskStateExited"),
            event(13, 12, "SucceedStateEntered"),
            event(14, 13, "SucceedStateExited"),
            event(15, 14, "ExecutionSucceeded"),
        ];
        assert_eq!(billed_transitions(&events), 4);
        assert_eq!(billed_transitions(&[]), 0);
    }

    #[test]
    fn standard_prices_come_from_the_region_without_free_tier() {
        let us_east_1 = prices::region("us-east-1").expect("us-east-1");
        assert!((standard_cost_usd(us_east_1, 50_000) - 1.25).abs() < 1e-12);
        let sao_paulo = prices::region("sa-east-1").expect("sa-east-1");
        assert!((standard_cost_usd(sao_paulo, 1_000) - 0.0375).abs() < 1e-12);
    }

    #[test]
    fn express_bills_a_request_and_rounded_duration_times_memory() {
        let express = prices::region("us-east-1").and_then(|prices| prices.express).expect("Express prices");
        let memory = Assumptions::default().memory_mb;
        // 1 request ($0.000001) + 0.2 s × 64 MB = 0.2 × 0.0625 GB-s = 0.0125 GB-s at $0.06/GB-hour.
        let expected = 1e-6 + 0.0125 / 3_600.0 * 0.06;
        assert!((express_execution_cost_usd(&express, 101, memory) - expected).abs() < 1e-15);
        assert_eq!(express_execution_cost_usd(&express, 150, memory), express_execution_cost_usd(&express, 200, 1.0));
    }

    /// The recorded AWS history of a conformance case, or `None` (with a note) when
    /// ../shared/conformance is not present.
    fn recorded_history(case: &str) -> Option<Vec<(u64, u64, String)>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/aws-recorded/execution_history")
            .join(case)
            .join("expected.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} is absent (the shared conformance cases are not here)", path.display());
            return None;
        };
        let expected: Value = serde_json::from_str(&text).expect("expected.json is JSON");
        let events = expected["history"].as_array().expect("the case has a history");
        Some(
            events
                .iter()
                .map(|event| {
                    (
                        event["id"].as_u64().expect("a numeric id"),
                        event["previousEventId"].as_u64().unwrap_or(0),
                        event["type"].as_str().expect("a type").to_string(),
                    )
                })
                .collect(),
        )
    }

    fn transitions_of(history: &[(u64, u64, String)]) -> u64 {
        let events: Vec<RecordedEvent<'_>> =
            history.iter().map(|(id, previous_id, event_type)| event(*id, *previous_id, event_type)).collect();
        billed_transitions(&events)
    }

    #[test]
    fn aws_recorded_lambda_retries_bill_one_transition_each() {
        // InvokeLambdaWithRetry entered, three retries (four LambdaFunctionScheduled), then the
        // Catch's HandleError Pass entered: 2 states + 3 retries.
        let Some(history) =
            recorded_history("test_base_scenarios__test_lambda_invoke_with_retry_base__get_execution_history")
        else {
            return;
        };
        assert_eq!(transitions_of(&history), 5);
    }

    #[test]
    fn aws_recorded_inline_map_retries_bill_the_map_and_its_iterations() {
        // StartState, MapState, HandleItemFail in each of three attempts (5 states entered),
        // and two retries of MapState (MapStateStarted following a FailStateEntered).
        let Some(history) = recorded_history("test_base_scenarios__test_map_state_retry__get_execution_history") else {
            return;
        };
        assert_eq!(transitions_of(&history), 7);
    }
}

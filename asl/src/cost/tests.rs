//! The cost model against AWS's worked examples and the billing rules, one behaviour per test.

use serde_json::{Value, json};

use super::*;

fn estimate_of(definition: Value, assumptions: Value, executions_per_month: u64) -> Estimate {
    let assumptions = Assumptions::from_value(&assumptions).expect("assumptions");
    let mut options = Options::new(executions_per_month);
    options.simulations = 20_000;
    estimate_definition(&definition, &assumptions, &options).expect("estimate")
}

fn chain(length: usize) -> Value {
    let mut states = serde_json::Map::new();
    for index in 0..length {
        let state = if index + 1 == length {
            json!({"Type": "Succeed"})
        } else {
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": format!("S{}", index + 1)})
        };
        states.insert(format!("S{index}"), state);
    }
    json!({"StartAt": "S0", "States": states})
}

#[test]
fn the_seed_example_five_transitions_ten_thousand_executions() {
    let estimate = estimate_of(chain(5), json!({}), 10_000);
    assert_eq!(estimate.standard.transitions_per_execution, 5.0);
    assert_eq!(estimate.standard.monthly_transitions, 50_000.0);
    assert_eq!(cents(estimate.standard.monthly_cost_before_free_tier_usd), 1.25);
    assert_eq!(cents(estimate.standard.monthly_cost_usd), 1.15);
    let json = estimate.to_json();
    assert_eq!(json["standard"]["transitions_per_execution"], json!(5.0));
    assert_eq!(json["standard"]["monthly_cost_before_free_tier_usd"], json!(1.25));
    assert_eq!(json["standard"]["monthly_cost_usd"], json!(1.15));
}

#[test]
fn aws_express_worked_example_100_million_runs_of_10_seconds() {
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}});
    let estimate = estimate_of(wait, json!({"memory_mb": 50}), 100_000_000);
    let express = estimate.express.expect("us-east-1 has Express prices");
    assert_eq!(express.billed_memory_mb, 64);
    assert_eq!(express.mean_billed_duration_ms, 10_000.0);
    assert_eq!((express.monthly_gb_hours * 100.0).round() / 100.0, 17_361.11);
    assert_eq!(cents(express.monthly_duration_cost_usd), 382.97);
    assert_eq!(cents(express.monthly_request_cost_usd), 100.00);
    assert_eq!(cents(express.monthly_cost_usd), 482.97);
    assert_eq!(estimate.cheaper, Some(WorkflowType::Express));
}

#[test]
fn express_rounds_duration_up_to_100_ms_and_memory_to_64_mb() {
    assert_eq!(prices::billed_duration_ms(0.0), 100);
    assert_eq!(prices::billed_duration_ms(0.101), 200);
    assert_eq!(prices::billed_duration_ms(10.0), 10_000);
    assert_eq!(prices::billed_memory_mb(64.0), 64);
    assert_eq!(prices::billed_memory_mb(65.0), 128);
}

#[test]
fn choice_probabilities_weight_the_paths() {
    let definition = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.big", "BooleanEquals": true, "Next": "Long1"}
        ], "Default": "Done"},
        "Long1": {"Type": "Pass", "Next": "Long2"},
        "Long2": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"}
    }});
    // Check + Done always; Long1 + Long2 on 30% of executions.
    let estimate = estimate_of(definition.clone(), json!({"states": {"Check": {"choices": [0.3]}}}), 1_000);
    assert!((estimate.standard.transitions_per_execution - 2.6).abs() < 1e-9);
    assert!((estimate.monte_carlo.mean_transitions - 2.6).abs() < 0.02);
    assert_eq!((estimate.monte_carlo.p50_transitions, estimate.monte_carlo.p95_transitions), (2, 4));
    // Unset, the rule and Default are equally likely.
    let even = estimate_of(definition, json!({}), 1_000);
    assert!((even.standard.transitions_per_execution - 3.0).abs() < 1e-9);
}

#[test]
fn every_retry_is_a_transition_and_exhausted_retries_go_to_the_catcher() {
    let definition = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                 "Next": "Done"},
        "Recover": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"}
    }});
    // f = 0.5: retries expected 0.5 + 0.25; all three attempts fail with 0.125 → Recover.
    let estimate = estimate_of(definition, json!({"states": {"Call": {"failure_rate": 0.5}}}), 1_000);
    let expected = 1.0 + 0.75 + 0.125 + 1.0;
    assert!((estimate.standard.transitions_per_execution - expected).abs() < 1e-9);
    assert!((estimate.monte_carlo.mean_transitions - expected).abs() < 0.03);
    assert_eq!(estimate.costliest_states[0].name, "Call");
    assert!((estimate.costliest_states[0].transitions_per_execution - 1.75).abs() < 1e-9);
    assert_eq!(estimate.monte_carlo.failed_share, 0.0);
}

#[test]
fn an_uncaught_failure_fails_the_execution() {
    let definition = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
    }});
    let estimate = estimate_of(definition, json!({"states": {"Call": {"failure_rate": 0.2}}}), 1_000);
    assert!((estimate.monte_carlo.failed_share - 0.2).abs() < 0.01);
}

#[test]
fn inline_map_items_multiply_the_iteration_and_distributed_children_are_billed_apart() {
    let map = |mode: Value| {
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "End": true, "ItemProcessor": {
                "ProcessorConfig": mode,
                "StartAt": "Work", "States": {
                    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Finish"},
                    "Finish": {"Type": "Pass", "End": true}
                }}}
        }})
    };
    let inline = estimate_of(map(json!({})), json!({"states": {"Each": {"items": 10}}}), 1_000);
    assert_eq!(inline.standard.transitions_per_execution, 21.0);
    let ranged = estimate_of(map(json!({})), json!({"states": {"Each": {"items": {"min": 0, "max": 10}}}}), 1_000);
    assert!((ranged.standard.transitions_per_execution - 11.0).abs() < 1e-9);
    assert!((ranged.monte_carlo.mean_transitions - 11.0).abs() < 0.1);

    let standard_children = estimate_of(
        map(json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})),
        json!({"states": {"Each": {"items": 10}}}),
        1_000,
    );
    assert_eq!(standard_children.standard.transitions_per_execution, 1.0);
    assert_eq!(standard_children.children.standard_transitions_per_execution, 20.0);
    assert_eq!(standard_children.standard.monthly_transitions, 21_000.0);

    let express_children = estimate_of(
        map(json!({"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"})),
        json!({"states": {"Each": {"items": 10}}}),
        1_000,
    );
    assert_eq!(express_children.children.express_requests_per_execution, 10.0);
    let express = express_children.express.expect("express");
    assert_eq!(express.monthly_requests, 11_000.0);
}

#[test]
fn loops_are_solved_and_endless_ones_refused() {
    let poll = |exit: Value| {
        let assumptions = json!({"states": {"Ready": {"choices": [exit]}}});
        let definition = json!({"StartAt": "Check", "States": {
            "Check": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ready"},
            "Ready": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": true, "Next": "Done"}],
                      "Default": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
            "Done": {"Type": "Succeed"}
        }});
        let assumptions = Assumptions::from_value(&assumptions).expect("assumptions");
        let mut options = Options::new(1_000);
        options.simulations = 20_000;
        estimate_definition(&definition, &assumptions, &options)
    };
    // Exit with 0.25: 4 checks expected, 3 pauses: 4 + 4 + 3 + 1 transitions.
    let estimate = poll(json!(0.25)).expect("estimate");
    assert!((estimate.standard.transitions_per_execution - 12.0).abs() < 1e-6);
    assert!((estimate.monte_carlo.mean_transitions - 12.0).abs() < 0.15);
    assert!(estimate.monte_carlo.p95_transitions > estimate.monte_carlo.p50_transitions);
    let error = poll(json!(0.0)).expect_err("endless");
    assert!(matches!(error, CostError::Loop { .. }), "{error}");
}

#[test]
fn monte_carlo_is_deterministic_for_a_seed() {
    let definition = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}], "End": true}
    }});
    let assumptions = json!({"states": {"Call": {"failure_rate": 0.3, "duration_seconds": 0.25}}});
    let first = estimate_of(definition.clone(), assumptions.clone(), 1_000);
    let second = estimate_of(definition, assumptions, 1_000);
    assert_eq!(first.monte_carlo, second.monte_carlo);
    assert_eq!(first.monte_carlo.p50_transitions, 1);
    assert_eq!(first.monte_carlo.p95_transitions, 3);
    // Retries wait 1 s, then 2 s (the defaults): p95 is two failures, then success.
    assert!((first.monte_carlo.p95_duration_seconds - (0.75 + 3.0)).abs() < 1e-9);
}

#[test]
fn bad_assumptions_name_the_field_and_the_reason() {
    let check = |assumptions: Value, field: &str| {
        let error = Assumptions::from_value(&assumptions)
            .and_then(|assumptions| estimate_definition(&chain(3), &assumptions, &Options::new(1)))
            .expect_err("refused");
        match &error {
            CostError::InvalidAssumption { field: named, .. } => assert_eq!(named, field, "{error}"),
            other => panic!("{other}"),
        }
    };
    check(json!({"states": {"S0": {"failure_rate": 2}}}), "states.S0.failure_rate");
    check(json!({"states": {"Nope": {}}}), "states.Nope");
    check(json!({"states": {"S0": {"items": 3}}}), "states.S0.items");
    check(json!({"states": {"S0": {"colour": 3}}}), "states.S0.colour");
    check(json!({"memory_mb": -1}), "memory_mb");
    let mut options = Options::new(1);
    options.region = "mars-1".into();
    let error = estimate_definition(&chain(2), &Assumptions::default(), &options).expect_err("unknown region");
    assert!(error.to_string().contains("mars-1"));
}

//! The cost model's Monte Carlo: `cargo bench -p asl-bench --bench cost [-- --runs N]`.
//!
//! Simulates executions of a realistic order workflow (a polling loop, a Choice, retried and
//! caught Tasks, a Parallel of two branches and an inline Map of 1–20 items) and prints the
//! simulated executions per second, plus the time of a whole estimate at 100,000 simulations
//! (the goal: at least 100,000 simulated executions in at most 1 s).

use std::time::Instant;

use asl::{
    cost::{self, Assumptions, Options},
    eval::machine::Machine,
};
use serde_json::json;

fn definition() -> serde_json::Value {
    let lambda = "arn:aws:states:::lambda:invoke";
    json!({"StartAt": "Validate", "States": {
        "Validate": {"Type": "Task", "Resource": lambda, "Next": "Reserve",
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3}]},
        "Reserve": {"Type": "Task", "Resource": lambda, "Next": "Reserved?"},
        "Reserved?": {"Type": "Choice", "Choices": [
            {"Variable": "$.reserved", "BooleanEquals": true, "Next": "Charge"},
            {"Variable": "$.backorder", "BooleanEquals": true, "Next": "Backorder"}
        ], "Default": "Cancel"},
        "Backorder": {"Type": "Wait", "Seconds": 60, "Next": "Reserve"},
        "Charge": {"Type": "Task", "Resource": lambda, "Next": "Fulfil",
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Cancel"}]},
        "Fulfil": {"Type": "Parallel", "Next": "Lines", "Branches": [
            {"StartAt": "Invoice", "States": {
                "Invoice": {"Type": "Task", "Resource": lambda, "Next": "Mail"},
                "Mail": {"Type": "Task", "Resource": lambda, "End": true}}},
            {"StartAt": "Label", "States": {
                "Label": {"Type": "Task", "Resource": lambda, "End": true}}}
        ]},
        "Lines": {"Type": "Map", "Next": "Done", "ItemProcessor": {"StartAt": "Pick", "States": {
            "Pick": {"Type": "Task", "Resource": lambda, "Next": "Pack",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]},
            "Pack": {"Type": "Pass", "End": true}}}},
        "Cancel": {"Type": "Fail", "Error": "OrderCancelled"},
        "Done": {"Type": "Succeed"}
    }})
}

fn assumptions() -> Assumptions {
    Assumptions::from_value(&json!({
        "task_duration_seconds": 0.2,
        "states": {
            "Validate": {"failure_rate": 0.01},
            "Reserved?": {"choices": [0.85, 0.1]},
            "Charge": {"failure_rate": 0.03, "duration_seconds": 1.2},
            "Lines": {"items": {"min": 1, "max": 20}},
            "Pick": {"failure_rate": 0.02}
        }
    }))
    .expect("assumptions")
}

fn main() {
    let mut runs = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().and_then(|value| value.parse().ok()).expect("--runs takes a number");
        }
    }
    let machine = Machine::from_value(&definition()).expect("machine");
    let assumptions = assumptions();
    let simulations = 100_000u32;

    let mut simulate_ms = Vec::new();
    let mut transitions = 0;
    for seed in 0..runs {
        let start = Instant::now();
        transitions = cost::simulate_only(&machine, &assumptions, seed, simulations).expect("simulate");
        simulate_ms.push(start.elapsed().as_secs_f64() * 1_000.0);
    }
    let mut estimate_ms = Vec::new();
    let mut options = Options::new(1_000_000);
    options.simulations = simulations;
    let mut estimate = None;
    for seed in 0..runs {
        options.seed = seed;
        let start = Instant::now();
        estimate = Some(cost::estimate(&machine, &assumptions, &options).expect("estimate"));
        estimate_ms.push(start.elapsed().as_secs_f64() * 1_000.0);
    }
    let median = |samples: &mut Vec<f64>| {
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    };
    let (simulate, whole) = (median(&mut simulate_ms), median(&mut estimate_ms));
    let estimate = estimate.expect("at least one run");
    println!(
        "cost model Monte Carlo, native {} {}, {runs} runs (median)",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    println!(
        "  simulate {simulations} executions: {simulate:.1} ms = {:.0} executions/s ({:.1} transitions each)",
        f64::from(simulations) / simulate * 1_000.0,
        transitions as f64 / f64::from(simulations)
    );
    println!(
        "  whole estimate (solve + {simulations} simulations + percentiles): {whole:.1} ms = {:.0} executions/s",
        f64::from(simulations) / whole * 1_000.0
    );
    println!(
        "  expected transitions {:.3}, Monte Carlo p50 {} p95 {}; Standard ${:.2}/month, Express ${:.2}/month at 1M executions",
        estimate.standard.transitions_per_execution,
        estimate.monte_carlo.p50_transitions,
        estimate.monte_carlo.p95_transitions,
        estimate.standard.monthly_cost_usd,
        estimate.express.as_ref().map_or(0.0, |express| express.monthly_cost_usd)
    );
}

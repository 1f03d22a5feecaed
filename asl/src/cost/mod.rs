//! Cost estimation: what a definition costs a month on Standard and on Express, side by side.
//!
//! Transitions are counted as AWS bills them: every state entered (Succeed and Fail included,
//! Choice and Pass too) is one transition and every retry is another; inline Map iterations
//! and Parallel branches add their states' transitions; a Distributed Map's child executions
//! are billed as executions of their own type (`ProcessorConfig.ExecutionType`). Express bills
//! requests and duration (rounded up to 100 ms) × memory (64 MB steps), in monthly tiers.
//!
//! Two engines answer: the expected-visit solve ([`model`]) gives the expected transitions per
//! state and per execution; a seeded Monte Carlo ([`simulate`]) gives p50 and p95 and Express's
//! billed duration. The price table is data in [`prices`]; the workload's assumptions are
//! [`Assumptions`].

pub mod actual;
pub mod assumptions;
mod model;
pub mod prices;
mod simulate;

#[cfg(test)]
mod tests;

use serde_json::{Value, json};

pub use assumptions::{Assumptions, ItemCount, StateAssumptions};
pub use prices::RegionPrices;

use crate::{eval::machine::Machine, lint::WorkflowType, sort};
use model::{Model, Solver};
use simulate::Simulator;

/// Why an estimate cannot be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CostError {
    /// An assumption is malformed or does not fit the definition.
    #[error("assumptions: {field} {reason}")]
    InvalidAssumption {
        /// The field, as a path (`states.Charge.failure_rate`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The definition cannot be read for estimation.
    #[error("the definition cannot be estimated: {reason}")]
    Definition {
        /// What is wrong.
        reason: String,
    },
    /// A loop that never ends with the assumed probabilities.
    #[error("the state '{state}' loops: {reason}")]
    Loop {
        /// A state in the loop.
        state: String,
        /// Why, and what to change.
        reason: String,
    },
    /// The region has no recorded prices.
    #[error("no prices are recorded for the region '{region}'; known regions: {known}")]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The regions with prices.
        known: String,
    },
    /// A figure needs Express prices the region does not have.
    #[error("no Express prices are recorded for the region '{region}' (only us-east-1 has them), and {needed}")]
    NoExpressPrices {
        /// The region asked for.
        region: String,
        /// What needed them.
        needed: String,
    },
    /// Bad options.
    #[error("{field} {reason}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// What to estimate for.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Executions started a month.
    pub executions_per_month: u64,
    /// The region code whose prices apply.
    pub region: String,
    /// Monte Carlo runs (at least 1).
    pub simulations: u32,
    /// The Monte Carlo seed.
    pub seed: u64,
}

impl Options {
    /// `executions_per_month` in us-east-1, with 100,000 simulations and seed 1.
    pub fn new(executions_per_month: u64) -> Self {
        Options { executions_per_month, region: "us-east-1".into(), simulations: 100_000, seed: 1 }
    }
}

/// The estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The prices used.
    pub prices: &'static RegionPrices,
    /// Executions started a month.
    pub executions_per_month: u64,
    /// Run as a Standard workflow.
    pub standard: StandardEstimate,
    /// Run as an Express workflow (`None` when the region has no Express prices).
    pub express: Option<ExpressEstimate>,
    /// The cheaper of the two (`None` when only one could be priced).
    pub cheaper: Option<WorkflowType>,
    /// Distributed Map child executions (billed the same whatever the parent's type).
    pub children: ChildExecutions,
    /// The Monte Carlo figures.
    pub monte_carlo: MonteCarlo,
    /// States by transitions per execution, most first (at most ten).
    pub costliest_states: Vec<StateCost>,
}

/// The Standard column.
#[derive(Clone, Debug, PartialEq)]
pub struct StandardEstimate {
    /// Expected transitions of one execution (child executions not included).
    pub transitions_per_execution: f64,
    /// Transitions a month billed per transition (Standard children included).
    pub monthly_transitions: f64,
    /// Monthly cost with no free tier.
    pub monthly_cost_before_free_tier_usd: f64,
    /// Monthly cost after the 4,000 free transitions (children included).
    pub monthly_cost_usd: f64,
    /// `monthly_cost_usd` per execution.
    pub cost_per_execution_usd: f64,
}

/// The Express column.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpressEstimate {
    /// Billed memory per execution (64 MB steps).
    pub billed_memory_mb: u64,
    /// Mean billed duration of one execution (100 ms steps), in milliseconds.
    pub mean_billed_duration_ms: f64,
    /// GB-hours a month (Express children included).
    pub monthly_gb_hours: f64,
    /// Requests a month (Express children included).
    pub monthly_requests: f64,
    /// The request charge.
    pub monthly_request_cost_usd: f64,
    /// The duration charge, tiered.
    pub monthly_duration_cost_usd: f64,
    /// Everything (Standard children's transitions included).
    pub monthly_cost_usd: f64,
    /// `monthly_cost_usd` per execution.
    pub cost_per_execution_usd: f64,
}

/// Distributed Map child executions per parent execution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChildExecutions {
    /// Transitions of Standard children.
    pub standard_transitions_per_execution: f64,
    /// Express children started.
    pub express_requests_per_execution: f64,
    /// Express children's billed GB-seconds.
    pub express_gb_seconds_per_execution: f64,
}

/// Spread of one execution, by simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct MonteCarlo {
    /// Executions simulated.
    pub simulations: u32,
    /// The seed.
    pub seed: u64,
    /// Mean transitions (close to the expected value when the model is right).
    pub mean_transitions: f64,
    /// Median transitions.
    pub p50_transitions: u64,
    /// 95th percentile of transitions.
    pub p95_transitions: u64,
    /// Median duration in seconds.
    pub p50_duration_seconds: f64,
    /// 95th percentile of duration in seconds.
    pub p95_duration_seconds: f64,
    /// The share of executions that failed.
    pub failed_share: f64,
}

/// One state's share of the bill.
#[derive(Clone, Debug, PartialEq)]
pub struct StateCost {
    /// The state's name.
    pub name: String,
    /// Expected transitions per execution (retries, iterations and children included).
    pub transitions_per_execution: f64,
    /// Its share of all transitions, from 0 to 1.
    pub share: f64,
    /// What those transitions cost a month at the Standard price, before the free tier.
    pub monthly_standard_cost_usd: f64,
}

/// Estimates a machine's cost.
pub fn estimate(machine: &Machine, assumptions: &Assumptions, options: &Options) -> Result<Estimate, CostError> {
    let prices = prices::region(&options.region).ok_or_else(|| CostError::UnknownRegion {
        region: options.region.clone(),
        known: prices::REGIONS.iter().map(|prices| prices.region).collect::<Vec<_>>().join(", "),
    })?;
    if options.simulations == 0 {
        return Err(CostError::InvalidOption { field: "simulations", reason: "must be at least 1".into() });
    }
    let model = Model::build(machine, assumptions)?;
    let expected = Solver::new(&model).expected()?;
    let billed_memory_mb = prices::billed_memory_mb(assumptions.memory_mb);
    let monte_carlo = simulate(&model, options, billed_memory_mb);
    let (runs, mut transitions, mut durations) = monte_carlo;

    let executions = options.executions_per_month as f64;
    let simulations = f64::from(options.simulations);
    let children = ChildExecutions {
        standard_transitions_per_execution: expected.standard_child_transitions,
        express_requests_per_execution: expected.express_child_requests,
        express_gb_seconds_per_execution: runs.express_child_gb_seconds / simulations,
    };
    let parent_gb_seconds = runs.billed_duration_ms / 1_000.0 / simulations * billed_memory_mb as f64 / 1024.0;

    let monthly_parent_transitions = expected.parent_transitions * executions;
    let monthly_child_transitions = children.standard_transitions_per_execution * executions;
    let child_requests = children.express_requests_per_execution * executions;
    let child_gb_hours = children.express_gb_seconds_per_execution * executions / 3_600.0;
    let express_children_cost = match (&prices.express, child_requests > 0.0) {
        (_, false) => 0.0,
        (Some(express), true) => express.request_cost(child_requests) + express.duration_cost(child_gb_hours),
        (None, true) => {
            return Err(CostError::NoExpressPrices {
                region: prices.region.into(),
                needed: "the definition starts Express child executions".into(),
            });
        }
    };
    let standard_transitions = monthly_parent_transitions + monthly_child_transitions;
    let standard_cost = prices.standard_cost(standard_transitions) + express_children_cost;
    let standard = StandardEstimate {
        transitions_per_execution: expected.parent_transitions,
        monthly_transitions: standard_transitions,
        monthly_cost_before_free_tier_usd: prices.standard_cost_before_free_tier(standard_transitions)
            + express_children_cost,
        monthly_cost_usd: standard_cost,
        cost_per_execution_usd: per_execution(standard_cost, executions),
    };
    let express = prices.express.map(|express| {
        let monthly_requests = executions + child_requests;
        let monthly_gb_hours = parent_gb_seconds * executions / 3_600.0 + child_gb_hours;
        let request_cost = express.request_cost(monthly_requests);
        let duration_cost = express.duration_cost(monthly_gb_hours);
        let total = request_cost + duration_cost + prices.standard_cost(monthly_child_transitions);
        ExpressEstimate {
            billed_memory_mb,
            mean_billed_duration_ms: runs.billed_duration_ms / simulations,
            monthly_gb_hours,
            monthly_requests,
            monthly_request_cost_usd: request_cost,
            monthly_duration_cost_usd: duration_cost,
            monthly_cost_usd: total,
            cost_per_execution_usd: per_execution(total, executions),
        }
    });
    let cheaper = express.as_ref().map(|express| {
        if express.monthly_cost_usd < standard.monthly_cost_usd {
            WorkflowType::Express
        } else {
            WorkflowType::Standard
        }
    });

    sort::sort(&mut transitions);
    sort::sort_by(&mut durations, f64::total_cmp);
    let monte_carlo = MonteCarlo {
        simulations: options.simulations,
        seed: options.seed,
        mean_transitions: runs.transitions as f64 / simulations,
        p50_transitions: percentile(&transitions, 0.50),
        p95_transitions: percentile(&transitions, 0.95),
        p50_duration_seconds: percentile(&durations, 0.50),
        p95_duration_seconds: percentile(&durations, 0.95),
        failed_share: runs.failed as f64 / simulations,
    };

    let total_transitions: f64 = expected.per_state.iter().sum();
    let mut costliest_states: Vec<StateCost> = expected
        .per_state
        .iter()
        .enumerate()
        .filter(|(_, transitions)| **transitions > 0.0)
        .map(|(id, transitions)| StateCost {
            name: model.names[id].clone(),
            transitions_per_execution: *transitions,
            share: transitions / total_transitions,
            monthly_standard_cost_usd: prices.standard_cost_before_free_tier(transitions * executions),
        })
        .collect();
    sort::sort_by(&mut costliest_states, |a, b| b.transitions_per_execution.total_cmp(&a.transitions_per_execution));
    costliest_states.truncate(10);

    Ok(Estimate {
        prices,
        executions_per_month: options.executions_per_month,
        standard,
        express,
        cheaper,
        children,
        monte_carlo,
        costliest_states,
    })
}

/// Estimates a definition given as JSON.
pub fn estimate_definition(
    definition: &Value,
    assumptions: &Assumptions,
    options: &Options,
) -> Result<Estimate, CostError> {
    let machine = Machine::from_value(definition).map_err(|error| CostError::Definition { reason: error.message })?;
    estimate(&machine, assumptions, options)
}

/// Sums over all simulated runs.
#[derive(Default)]
struct Totals {
    transitions: u64,
    billed_duration_ms: f64,
    express_child_gb_seconds: f64,
    failed: u64,
}

fn simulate(model: &Model, options: &Options, billed_memory_mb: u64) -> (Totals, Vec<u64>, Vec<f64>) {
    let mut simulator = Simulator::new(model, options.seed, billed_memory_mb);
    let count = options.simulations as usize;
    let (mut transitions, mut durations) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let mut totals = Totals::default();
    for _ in 0..count {
        let run = simulator.run();
        totals.transitions += run.transitions;
        totals.billed_duration_ms += prices::billed_duration_ms(run.duration_seconds) as f64;
        totals.express_child_gb_seconds += run.express_child_gb_seconds;
        totals.failed += u64::from(!run.succeeded);
        transitions.push(run.transitions);
        durations.push(run.duration_seconds);
    }
    (totals, transitions, durations)
}

/// Runs `count` simulations and returns how many transitions they made in all; for
/// benchmarks, which time it.
pub fn simulate_only(machine: &Machine, assumptions: &Assumptions, seed: u64, count: u32) -> Result<u64, CostError> {
    let model = Model::build(machine, assumptions)?;
    let mut simulator = Simulator::new(&model, seed, prices::billed_memory_mb(assumptions.memory_mb));
    Ok((0..count).map(|_| simulator.run().transitions).sum())
}

fn percentile<T: Copy + Default>(sorted: &[T], fraction: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn per_execution(monthly: f64, executions: f64) -> f64 {
    if executions > 0.0 { monthly / executions } else { 0.0 }
}

/// Rounds a monthly amount to cents, as bills show it.
pub fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

fn fine(amount: f64) -> f64 {
    (amount * 1e9).round() / 1e9
}

/// Expected counts come from an iteration that settles to about 1e-13; six decimals are exact.
fn count(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

fn type_name(workflow_type: WorkflowType) -> &'static str {
    match workflow_type {
        WorkflowType::Standard => "standard",
        WorkflowType::Express => "express",
    }
}

impl Estimate {
    /// The estimate as JSON: monthly amounts in cents, per-execution amounts to 1e-9 USD.
    pub fn to_json(&self) -> Value {
        json!({
            "region": self.prices.region,
            "executions_per_month": self.executions_per_month,
            "standard": {
                "transitions_per_execution": count(self.standard.transitions_per_execution),
                "monthly_transitions": count(self.standard.monthly_transitions),
                "monthly_cost_before_free_tier_usd": cents(self.standard.monthly_cost_before_free_tier_usd),
                "free_transitions_per_month": prices::STANDARD_FREE_TRANSITIONS_PER_MONTH,
                "monthly_cost_usd": cents(self.standard.monthly_cost_usd),
                "cost_per_execution_usd": fine(self.standard.cost_per_execution_usd),
                "usd_per_1000_transitions": self.prices.standard_usd_per_1000_transitions,
                "cheaper": self.cheaper == Some(WorkflowType::Standard),
            },
            "express": self.express.as_ref().map(|express| json!({
                "billed_memory_mb": express.billed_memory_mb,
                "mean_billed_duration_ms": fine(express.mean_billed_duration_ms),
                "monthly_requests": count(express.monthly_requests),
                "monthly_gb_hours": (express.monthly_gb_hours * 100.0).round() / 100.0,
                "monthly_request_cost_usd": cents(express.monthly_request_cost_usd),
                "monthly_duration_cost_usd": cents(express.monthly_duration_cost_usd),
                "monthly_cost_usd": cents(express.monthly_cost_usd),
                "cost_per_execution_usd": fine(express.cost_per_execution_usd),
                "cheaper": self.cheaper == Some(WorkflowType::Express),
            })),
            "cheaper": self.cheaper.map(type_name),
            "child_executions": {
                "standard_transitions_per_execution": count(self.children.standard_transitions_per_execution),
                "express_requests_per_execution": count(self.children.express_requests_per_execution),
                "express_gb_seconds_per_execution": fine(self.children.express_gb_seconds_per_execution),
            },
            "monte_carlo": {
                "simulations": self.monte_carlo.simulations,
                "seed": self.monte_carlo.seed,
                "mean_transitions": count(self.monte_carlo.mean_transitions),
                "p50_transitions": self.monte_carlo.p50_transitions,
                "p95_transitions": self.monte_carlo.p95_transitions,
                "p50_duration_seconds": fine(self.monte_carlo.p50_duration_seconds),
                "p95_duration_seconds": fine(self.monte_carlo.p95_duration_seconds),
                "failed_share": fine(self.monte_carlo.failed_share),
            },
            "costliest_states": self.costliest_states.iter().map(|state| json!({
                "name": state.name,
                "transitions_per_execution": count(state.transitions_per_execution),
                "share": fine(state.share),
                "monthly_standard_cost_usd": cents(state.monthly_standard_cost_usd),
            })).collect::<Vec<_>>(),
        })
    }
}

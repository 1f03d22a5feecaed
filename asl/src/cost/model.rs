//! The cost model's view of a machine: every scope's states by index, with the assumptions
//! applied (Choice probabilities, failure rates, the retrier and catcher a failure meets,
//! durations, Map item counts), and the expected-visit solve that counts transitions.

use std::collections::HashMap;

use serde_json::Value;

use super::{
    CostError,
    assumptions::{Assumptions, ItemCount, invalid},
};
use crate::{
    eval::machine::{Machine, MapMode, Scope, State, StateKind, Transition},
    lint::WorkflowType,
};

/// Retries counted per failure at most (AWS allows up to 99,999,999; no estimate needs more).
const MAX_RETRIES: u32 = 10_000;

/// Inline Map runs at most this many iterations at once (AWS's documented inline limit).
const INLINE_MAP_CONCURRENCY: f64 = 40.0;

/// Distributed Map runs at most this many child executions at once (AWS's limit).
const DISTRIBUTED_MAP_CONCURRENCY: f64 = 10_000.0;

/// Sweeps of the expected-visit iteration before giving up on convergence.
const MAX_SWEEPS: usize = 200_000;

/// Where a state goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Another state of the same scope, by index.
    State(usize),
    /// The scope ends successfully.
    Succeed,
    /// The scope fails.
    Fail,
}

/// How a Distributed Map's children are billed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Distributed {
    /// Items per child execution (`ItemBatcher.MaxItemsPerBatch`, else 1).
    pub batch: u32,
    /// The children's workflow type (`ProcessorConfig.ExecutionType`).
    pub child_type: WorkflowType,
}

/// What a node does besides counting its own transition.
#[derive(Clone, Debug)]
pub(super) enum NodeKind {
    /// Pass, Task, Wait, Succeed, Fail: nothing inside.
    Simple,
    /// Choice: each rule's probability and target, then what the rest goes to.
    Choice { rules: Vec<(f64, Next)>, otherwise: Next },
    /// Parallel: the branches' scope indices.
    Parallel { branches: Vec<usize> },
    /// Map: the processor's scope, the item count and how items run.
    Map { scope: usize, items: ItemCount, concurrency: f64, distributed: Option<Distributed> },
}

/// One state, ready for counting and simulation.
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// Index into [`Model::names`].
    pub id: usize,
    pub kind: NodeKind,
    /// Where it goes when it succeeds (Choice: unused).
    pub next: Next,
    /// The probability that one attempt fails on its own (inner failures come on top).
    pub failure_rate: f64,
    /// The delay before each retry the matching retrier allows.
    pub retry_delays: Vec<f64>,
    /// Where a failure goes once retries are spent.
    pub on_failure: Next,
    /// How long one attempt takes, in seconds (own time only).
    pub duration_seconds: f64,
}

/// A scope's nodes.
#[derive(Clone, Debug)]
pub(super) struct ScopeModel {
    pub start: usize,
    pub nodes: Vec<Node>,
}

/// The whole machine.
#[derive(Clone, Debug)]
pub(super) struct Model {
    pub scopes: Vec<ScopeModel>,
    /// Every state's name, by node id.
    pub names: Vec<String>,
}

/// The root scope's index.
pub(super) const ROOT: usize = 0;

impl Model {
    /// Builds the model, checking that every assumption names a state it applies to.
    pub fn build(machine: &Machine, assumptions: &Assumptions) -> Result<Model, CostError> {
        let mut model = Model { scopes: Vec::new(), names: Vec::new() };
        let mut used = Vec::new();
        model.add_scope(&machine.root, assumptions, &mut used)?;
        if let Some(unknown) = assumptions.states.keys().find(|name| !used.contains(name)) {
            return Err(invalid(&format!("states.{unknown}"), "names no state of the definition"));
        }
        Ok(model)
    }

    fn add_scope(
        &mut self,
        scope: &Scope,
        assumptions: &Assumptions,
        used: &mut Vec<String>,
    ) -> Result<usize, CostError> {
        let index = self.scopes.len();
        self.scopes.push(ScopeModel { start: 0, nodes: Vec::new() });
        let positions: HashMap<&str, usize> =
            scope.states.iter().enumerate().map(|(position, state)| (&*state.name, position)).collect();
        let target = |name: &str| -> Result<Next, CostError> {
            positions
                .get(name)
                .map(|position| Next::State(*position))
                .ok_or_else(|| CostError::Definition { reason: format!("'{name}' is not a state of its scope") })
        };
        let start = match target(&scope.start_at)? {
            Next::State(position) => position,
            _ => unreachable!("targets are states"),
        };
        let mut nodes = Vec::with_capacity(scope.states.len());
        for state in &scope.states {
            nodes.push(self.add_node(state, assumptions, used, &target)?);
        }
        self.scopes[index] = ScopeModel { start, nodes };
        Ok(index)
    }

    fn add_node(
        &mut self,
        state: &State,
        assumptions: &Assumptions,
        used: &mut Vec<String>,
        target: &dyn Fn(&str) -> Result<Next, CostError>,
    ) -> Result<Node, CostError> {
        let id = self.names.len();
        self.names.push(state.name.to_string());
        let assumed = assumptions.state(&state.name);
        if assumptions.states.contains_key(&*state.name) {
            used.push(state.name.to_string());
        }
        let field = |key: &str| format!("states.{}.{key}", state.name);
        let wrong_type = |key: &str, applies: &str| {
            invalid(&field(key), &format!("applies to {applies} states; '{}' is a {}", state.name, state.type_name()))
        };
        if assumed.choices.is_some() && !matches!(state.kind, StateKind::Choice) {
            return Err(wrong_type("choices", "Choice"));
        }
        if assumed.items.is_some() && !matches!(state.kind, StateKind::Map { .. }) {
            return Err(wrong_type("items", "Map"));
        }
        if (assumed.failure_rate.is_some() || assumed.error.is_some()) && !state.can_retry() {
            return Err(wrong_type(
                if assumed.failure_rate.is_some() { "failure_rate" } else { "error" },
                "Task, Parallel and Map",
            ));
        }
        let next = match &state.transition {
            Transition::Next(name) => target(name)?,
            Transition::End if matches!(state.kind, StateKind::Fail) => Next::Fail,
            Transition::End | Transition::Choose => Next::Succeed,
        };
        let kind = match &state.kind {
            StateKind::Choice => choice(state, assumed.choices.as_deref(), target, &field("choices"))?,
            StateKind::Parallel { branches } => NodeKind::Parallel {
                branches: branches
                    .iter()
                    .map(|branch| self.add_scope(branch, assumptions, used))
                    .collect::<Result<_, _>>()?,
            },
            StateKind::Map { processor, mode } => {
                let scope = self.add_scope(processor, assumptions, used)?;
                let max_concurrency =
                    state.field("MaxConcurrency").and_then(Value::as_f64).filter(|limit| *limit > 0.0);
                let distributed = (*mode == MapMode::Distributed).then(|| distributed(state));
                let default_concurrency =
                    if distributed.is_some() { DISTRIBUTED_MAP_CONCURRENCY } else { INLINE_MAP_CONCURRENCY };
                NodeKind::Map {
                    scope,
                    items: assumed.items.unwrap_or(ItemCount::Fixed(1)),
                    concurrency: max_concurrency.map_or(default_concurrency, |limit| limit.min(default_concurrency)),
                    distributed,
                }
            }
            _ => NodeKind::Simple,
        };
        let duration_seconds = match state.kind {
            StateKind::Task => assumed.duration_seconds.unwrap_or(assumptions.task_duration_seconds),
            StateKind::Wait => {
                state.field("Seconds").and_then(Value::as_f64).or(assumed.duration_seconds).unwrap_or(0.0)
            }
            _ => assumed.duration_seconds.unwrap_or(0.0),
        };
        let handles = |names: &[String]| match &assumed.error {
            None => true,
            Some(error) => names.iter().any(|name| name == error || name == "States.ALL"),
        };
        let retry_delays = state
            .retriers
            .iter()
            .find(|retrier| handles(&retrier.error_equals))
            .map(|retrier| {
                (0..retrier.max_attempts.min(MAX_RETRIES)).map(|count| retrier.delay_seconds(count)).collect()
            })
            .unwrap_or_default();
        let on_failure = match state.catchers.iter().find(|catcher| handles(&catcher.error_equals)) {
            Some(catcher) => target(&catcher.next)?,
            None => Next::Fail,
        };
        Ok(Node {
            id,
            kind,
            next,
            failure_rate: assumed.failure_rate.unwrap_or(0.0),
            retry_delays,
            on_failure,
            duration_seconds,
        })
    }
}

fn choice(
    state: &State,
    given: Option<&[f64]>,
    target: &dyn Fn(&str) -> Result<Next, CostError>,
    field: &str,
) -> Result<NodeKind, CostError> {
    let rules: Vec<Next> = state
        .field("Choices")
        .and_then(Value::as_array)
        .map(|rules| {
            rules.iter().map(|rule| target(rule.get("Next").and_then(Value::as_str).unwrap_or_default())).collect()
        })
        .transpose()?
        .unwrap_or_default();
    let default = state.field("Default").and_then(Value::as_str).map(target).transpose()?;
    let probabilities = match given {
        Some(given) if given.len() != rules.len() => {
            return Err(invalid(
                field,
                &format!(
                    "has {} probabilities; the Choice state '{}' has {} rules",
                    given.len(),
                    state.name,
                    rules.len()
                ),
            ));
        }
        Some(given) => given.to_vec(),
        None => {
            // Unknown: every rule, and Default when there is one, equally likely.
            let outcomes = rules.len() + usize::from(default.is_some());
            vec![1.0 / outcomes.max(1) as f64; rules.len()]
        }
    };
    Ok(NodeKind::Choice {
        rules: probabilities.into_iter().zip(rules).collect(),
        // With no Default, what no rule matches fails with States.NoChoiceMatched.
        otherwise: default.unwrap_or(Next::Fail),
    })
}

fn distributed(state: &State) -> Distributed {
    let processor = state.field("ItemProcessor").or_else(|| state.field("Iterator"));
    let child_type = match processor.and_then(|processor| processor.pointer("/ProcessorConfig/ExecutionType")) {
        Some(Value::String(kind)) if kind == "EXPRESS" => WorkflowType::Express,
        _ => WorkflowType::Standard,
    };
    let batch = state
        .field("ItemBatcher")
        .and_then(|batcher| batcher.get("MaxItemsPerBatch"))
        .and_then(Value::as_u64)
        .and_then(|size| u32::try_from(size).ok())
        .filter(|size| *size > 0)
        .unwrap_or(1);
    Distributed { batch, child_type }
}

/// Child executions a Distributed Map starts for `items` items.
pub(super) fn children(items: u32, batch: u32) -> u32 {
    items.div_ceil(batch)
}

/// Which bill a transition lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bucket {
    /// The execution itself.
    Parent,
    /// A Standard child execution of a Distributed Map (billed per transition).
    StandardChild,
    /// An Express child execution (billed per request and duration; transitions are free).
    ExpressChild,
}

/// Expected counts per execution, from the visit solve.
#[derive(Clone, Debug, Default)]
pub(super) struct Expected {
    /// Transitions of the execution itself.
    pub parent_transitions: f64,
    /// Transitions of Standard child executions.
    pub standard_child_transitions: f64,
    /// Express child executions started.
    pub express_child_requests: f64,
    /// Transitions per state id (whoever pays them).
    pub per_state: Vec<f64>,
    /// The probability that an execution succeeds.
    pub success: f64,
}

/// The expected-visit solve.
pub(super) struct Solver<'a> {
    model: &'a Model,
    /// Per scope: expected entries of each node per entry into the scope, and the probability
    /// that the scope succeeds.
    solved: Vec<Option<(Vec<f64>, f64)>>,
}

impl<'a> Solver<'a> {
    pub fn new(model: &'a Model) -> Self {
        Solver { model, solved: vec![None; model.scopes.len()] }
    }

    /// Expected counts for one execution.
    pub fn expected(mut self) -> Result<Expected, CostError> {
        let mut expected = Expected { per_state: vec![0.0; self.model.names.len()], ..Expected::default() };
        expected.success = self.solve(ROOT)?.1;
        self.accumulate(ROOT, 1.0, Bucket::Parent, &mut expected)?;
        Ok(expected)
    }

    /// Attempt failure probability and expected attempts of a node, with its scopes solved.
    fn attempts(&mut self, node: &Node) -> Result<(f64, f64), CostError> {
        let inner_success = match &node.kind {
            NodeKind::Simple | NodeKind::Choice { .. } => 1.0,
            NodeKind::Parallel { branches } => {
                let mut product = 1.0;
                for branch in branches {
                    product *= self.solve(*branch)?.1;
                }
                product
            }
            NodeKind::Map { scope, items, distributed, .. } => {
                let item_success = self.solve(*scope)?.1;
                let batch = distributed.map_or(1, |distributed| distributed.batch);
                items
                    .outcomes()
                    .into_iter()
                    .map(|(count, probability)| probability * item_success.powi(children(count, batch) as i32))
                    .sum()
            }
        };
        let failure = 1.0 - (1.0 - node.failure_rate) * inner_success;
        let mut attempts = 1.0;
        let mut reach = 1.0;
        for _ in &node.retry_delays {
            reach *= failure;
            if reach < 1e-15 {
                break;
            }
            attempts += reach;
        }
        Ok((failure.powi(node.retry_delays.len().min(i32::MAX as usize) as i32 + 1), attempts))
    }

    fn solve(&mut self, scope_index: usize) -> Result<(Vec<f64>, f64), CostError> {
        if let Some(solved) = &self.solved[scope_index] {
            return Ok(solved.clone());
        }
        let scope = &self.model.scopes[scope_index];
        // Outgoing edges per node, with probabilities per entry.
        let mut edges: Vec<Vec<(Next, f64)>> = Vec::with_capacity(scope.nodes.len());
        for node in &scope.nodes {
            let (final_failure, _) = self.attempts(node)?;
            let success = 1.0 - final_failure;
            let mut out = vec![(node.on_failure, final_failure)];
            match &node.kind {
                NodeKind::Choice { rules, otherwise } => {
                    let mut rest = 1.0;
                    for (probability, next) in rules {
                        out.push((*next, success * probability));
                        rest -= probability;
                    }
                    out.push((*otherwise, success * rest.max(0.0)));
                }
                _ => out.push((node.next, success)),
            }
            out.retain(|(_, probability)| *probability > 0.0);
            edges.push(out);
        }
        check_exits(self.model, scope, &edges)?;
        let count = scope.nodes.len();
        let mut visits = vec![0.0; count];
        let mut converged = false;
        for _ in 0..MAX_SWEEPS {
            let mut next_visits = vec![0.0; count];
            next_visits[scope.start] = 1.0;
            for (from, out) in edges.iter().enumerate() {
                for (next, probability) in out {
                    if let Next::State(to) = next {
                        next_visits[*to] += visits[from] * probability;
                    }
                }
            }
            let change =
                visits.iter().zip(&next_visits).map(|(old, new)| (new - old).abs() / (1.0 + new)).fold(0.0, f64::max);
            visits = next_visits;
            if change < 1e-13 {
                converged = true;
                break;
            }
        }
        if !converged {
            return Err(CostError::Loop {
                state: self.model.names[scope.nodes[scope.start].id].clone(),
                reason:
                    "the expected number of visits does not settle; give the loop's Choice a higher exit probability"
                        .into(),
            });
        }
        let success = edges
            .iter()
            .enumerate()
            .flat_map(|(from, out)| out.iter().map(move |(next, probability)| (from, *next, *probability)))
            .filter(|(_, next, _)| *next == Next::Succeed)
            .map(|(from, _, probability)| visits[from] * probability)
            .sum::<f64>();
        self.solved[scope_index] = Some((visits.clone(), success));
        Ok((visits, success))
    }

    fn accumulate(
        &mut self,
        scope_index: usize,
        weight: f64,
        bucket: Bucket,
        expected: &mut Expected,
    ) -> Result<(), CostError> {
        let (visits, _) = self.solve(scope_index)?;
        let model = self.model;
        for (node, visits) in model.scopes[scope_index].nodes.iter().zip(visits) {
            let (_, attempts) = self.attempts(node)?;
            let entries = weight * visits * attempts;
            expected.per_state[node.id] += entries;
            match bucket {
                Bucket::Parent => expected.parent_transitions += entries,
                Bucket::StandardChild => expected.standard_child_transitions += entries,
                Bucket::ExpressChild => {}
            }
            match &node.kind {
                NodeKind::Simple | NodeKind::Choice { .. } => {}
                NodeKind::Parallel { branches } => {
                    for branch in branches {
                        self.accumulate(*branch, entries, bucket, expected)?;
                    }
                }
                NodeKind::Map { scope, items, distributed: None, .. } => {
                    self.accumulate(*scope, entries * items.mean(), bucket, expected)?;
                }
                NodeKind::Map { scope, items, distributed: Some(distributed), .. } => {
                    let children: f64 = items
                        .outcomes()
                        .into_iter()
                        .map(|(count, probability)| probability * f64::from(children(count, distributed.batch)))
                        .sum();
                    let child_bucket = match distributed.child_type {
                        WorkflowType::Standard => Bucket::StandardChild,
                        WorkflowType::Express => {
                            expected.express_child_requests += entries * children;
                            Bucket::ExpressChild
                        }
                    };
                    self.accumulate(*scope, entries * children, child_bucket, expected)?;
                }
            }
        }
        Ok(())
    }
}

/// Refuses scopes where a state the execution can reach can never reach an end: with the
/// assumed probabilities the loop would run forever.
fn check_exits(model: &Model, scope: &ScopeModel, edges: &[Vec<(Next, f64)>]) -> Result<(), CostError> {
    let count = scope.nodes.len();
    let mut reachable = vec![false; count];
    let mut stack = vec![scope.start];
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut reachable[node], true) {
            continue;
        }
        stack.extend(edges[node].iter().filter_map(|(next, _)| match next {
            Next::State(to) => Some(*to),
            _ => None,
        }));
    }
    let mut exits = vec![false; count];
    let mut changed = true;
    while changed {
        changed = false;
        for (node, out) in edges.iter().enumerate() {
            if !exits[node]
                && out.iter().any(|(next, _)| match next {
                    Next::State(to) => exits[*to],
                    _ => true,
                })
            {
                exits[node] = true;
                changed = true;
            }
        }
    }
    match (0..count).find(|node| reachable[*node] && !exits[*node]) {
        Some(node) => Err(CostError::Loop {
            state: model.names[scope.nodes[node].id].clone(),
            reason: "with the assumed probabilities the execution never leaves this loop; give its Choice an exit probability above 0".into(),
        }),
        None => Ok(()),
    }
}

//! Monte Carlo: executions simulated one path at a time with the assumed probabilities, for
//! the spread (p50, p95) of transitions and durations and for Express's billed duration.
//! Seeded and single-threaded, so a seed always gives the same figures (and wasm32 runs it).

use super::{
    model::{Bucket, Model, Next, NodeKind, ROOT, children},
    prices::billed_duration_ms,
};
use crate::lint::WorkflowType;

/// A run that passes this many transitions stops (and counts as failed): AWS would have
/// stopped it long before (a Standard history holds 25,000 events).
const MAX_TRANSITIONS_PER_RUN: u64 = 1_000_000;

/// splitmix64, as in `eval::FixedEnvironment`: small, fast and good enough for simulation.
pub(super) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A whole number in `min..=max`.
    fn between(&mut self, min: u32, max: u32) -> u32 {
        let span = u64::from(max - min) + 1;
        min + (self.next_u64() % span) as u32
    }
}

/// What one simulated execution did.
#[derive(Clone, Debug, Default)]
pub(super) struct Run {
    /// Transitions of the execution itself.
    pub transitions: u64,
    /// Transitions of Standard child executions.
    pub standard_child_transitions: u64,
    /// Express child executions started.
    pub express_child_requests: u64,
    /// Express children's billed GB-seconds (memory at `memory_mb`).
    pub express_child_gb_seconds: f64,
    /// How long the execution took, in seconds.
    pub duration_seconds: f64,
    /// Whether it succeeded.
    pub succeeded: bool,
}

/// Simulates executions of a model.
pub(super) struct Simulator<'a> {
    model: &'a Model,
    random: SplitMix64,
    billed_memory_gb: f64,
}

impl<'a> Simulator<'a> {
    /// A simulator; `billed_memory_mb` prices Express children's duration.
    pub fn new(model: &'a Model, seed: u64, billed_memory_mb: u64) -> Self {
        Simulator { model, random: SplitMix64::new(seed), billed_memory_gb: billed_memory_mb as f64 / 1024.0 }
    }

    /// Simulates one execution.
    pub fn run(&mut self) -> Run {
        let mut run = Run::default();
        let (succeeded, duration) = self.scope(ROOT, Bucket::Parent, &mut run);
        run.succeeded = succeeded;
        run.duration_seconds = duration;
        run
    }

    fn count(run: &mut Run, bucket: Bucket) {
        match bucket {
            Bucket::Parent => run.transitions += 1,
            Bucket::StandardChild => run.standard_child_transitions += 1,
            Bucket::ExpressChild => {}
        }
    }

    /// Runs a scope to its end: whether it succeeded, and how long it took.
    fn scope(&mut self, scope_index: usize, bucket: Bucket, run: &mut Run) -> (bool, f64) {
        let model = self.model;
        let scope = &model.scopes[scope_index];
        let mut current = scope.start;
        let mut elapsed = 0.0;
        loop {
            if run.transitions + run.standard_child_transitions > MAX_TRANSITIONS_PER_RUN {
                return (false, elapsed);
            }
            let node = &scope.nodes[current];
            Self::count(run, bucket);
            let mut retries = 0;
            let succeeded = loop {
                let (inner_succeeded, duration) = self.attempt(&node.kind, bucket, run);
                elapsed += node.duration_seconds + duration;
                let failed = !inner_succeeded || (node.failure_rate > 0.0 && self.random.unit() < node.failure_rate);
                if !failed {
                    break true;
                }
                match node.retry_delays.get(retries) {
                    Some(delay) => {
                        elapsed += delay;
                        retries += 1;
                        Self::count(run, bucket);
                    }
                    None => break false,
                }
            };
            let next = if !succeeded {
                node.on_failure
            } else if let NodeKind::Choice { rules, otherwise } = &node.kind {
                let mut draw = self.random.unit();
                let mut chosen = *otherwise;
                for (probability, next) in rules {
                    if draw < *probability {
                        chosen = *next;
                        break;
                    }
                    draw -= probability;
                }
                chosen
            } else {
                node.next
            };
            match next {
                Next::State(index) => current = index,
                Next::Succeed => return (true, elapsed),
                Next::Fail => return (false, elapsed),
            }
        }
    }

    /// One attempt's inner work (branches, iterations, children): success and duration.
    fn attempt(&mut self, kind: &NodeKind, bucket: Bucket, run: &mut Run) -> (bool, f64) {
        match kind {
            NodeKind::Simple | NodeKind::Choice { .. } => (true, 0.0),
            NodeKind::Parallel { branches } => {
                let (mut all, mut longest) = (true, 0.0f64);
                for branch in branches {
                    let (succeeded, duration) = self.scope(*branch, bucket, run);
                    all &= succeeded;
                    longest = longest.max(duration);
                }
                (all, longest)
            }
            NodeKind::Map { scope, items, concurrency, distributed } => {
                let count = match *items {
                    super::ItemCount::Fixed(count) => count,
                    super::ItemCount::Uniform { min, max } => self.random.between(min, max),
                };
                let (runs, child_bucket) = match distributed {
                    None => (count, bucket),
                    Some(distributed) => (
                        children(count, distributed.batch),
                        match distributed.child_type {
                            WorkflowType::Standard => Bucket::StandardChild,
                            WorkflowType::Express => Bucket::ExpressChild,
                        },
                    ),
                };
                let (mut all, mut longest, mut total) = (true, 0.0f64, 0.0);
                for _ in 0..runs {
                    let (succeeded, duration) = self.scope(*scope, child_bucket, run);
                    if child_bucket == Bucket::ExpressChild {
                        run.express_child_requests += 1;
                        run.express_child_gb_seconds +=
                            billed_duration_ms(duration) as f64 / 1_000.0 * self.billed_memory_gb;
                    }
                    all &= succeeded;
                    longest = longest.max(duration);
                    total += duration;
                }
                let parallel = f64::from(runs.max(1)).min(*concurrency);
                (all, longest.max(total / parallel))
            }
        }
    }
}

//! A minimal in-memory runner: runs a whole definition to its end, in memory, with no real
//! waiting. Pass, Choice, Wait (recorded, not slept: a virtual clock moves instead), Succeed,
//! Fail, Parallel (branches one after the other) and Map (inline or distributed, items in
//! order; `MaxConcurrency` changes nothing here) run as AWS runs them, with Retry and Catch.
//! Task states call a [`TaskHandler`]; [`NoTasks`] fails them.
//!
//! Every state goes through the pure steps of [`super::state`]; this module only drives
//! them and counts history events the way AWS numbers them, because error causes quote the
//! id of the event that entered the failing state. The durable engine drives the same steps.
//!
//! ```
//! use asl::eval::{FixedEnvironment, machine::Machine, runner::{run, ExecutionStatus, NoTasks, RunOptions}};
//! use serde_json::json;
//!
//! let machine = Machine::from_value(&json!({
//!     "StartAt": "Check",
//!     "States": {
//!         "Check": {"Type": "Choice", "Choices": [
//!             {"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}
//!         ], "Default": "Small"},
//!         "Big": {"Type": "Pass", "Result": "big", "End": true},
//!         "Small": {"Type": "Fail", "Error": "TooSmall"}
//!     }
//! })).unwrap();
//! let report = run(&machine, json!({"n": 5}), &RunOptions::default(), &mut FixedEnvironment::new(1, 0), &mut NoTasks);
//! assert_eq!(report.status, ExecutionStatus::Succeeded { output: json!("big") });
//! ```

use serde_json::{Map, Value};

use super::{
    Environment,
    context::ExecutionInfo,
    failure::Failure,
    machine::{Machine, MapMode, Scope, State, StateKind},
    state::{
        Completion, Entry, ItemRead, MapConfig, Next, Recovery, Step, WaitUntil, finish, recover, select_items, start,
    },
    variables,
};

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutionStatus {
    /// The execution succeeded with this output.
    Succeeded {
        /// The output.
        output: Value,
    },
    /// The execution failed.
    Failed(Failure),
}

/// What a run did.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// How it ended.
    pub status: ExecutionStatus,
    /// The waits it would have made, in order.
    pub waits: Vec<WaitRecord>,
    /// How many history events AWS would have recorded (branch and iteration events
    /// included, distributed child executions not).
    pub events: u64,
}

/// A wait the runner recorded instead of sleeping.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitRecord {
    /// The Wait state (or, for a retry, the retried state).
    pub state: String,
    /// What it waited for.
    pub until: WaitUntil,
    /// The virtual time it started waiting, in milliseconds since the epoch.
    pub at_millis: i64,
}

/// How to run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOptions {
    /// The execution's identity. [`run`] sets its input to the input it runs on and its start
    /// time to the environment's clock.
    pub execution: ExecutionInfo,
    /// The most history events a run may make before it fails (AWS's limit is 25,000), so a
    /// definition that loops forever ends.
    pub max_events: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { execution: ExecutionInfo::new("StateMachine", "execution", Value::Null, 0), max_events: 25_000 }
    }
}

/// Runs Task states.
pub trait TaskHandler {
    /// Invokes `resource` with `arguments` for the Task state `state` (whose context object
    /// is `context`): the task's result, or its failure.
    fn invoke(&mut self, state: &State, resource: &str, arguments: &Value, context: &Value) -> Result<Value, Failure>;

    /// Reads the items of a Map state with an `ItemReader`. The default reads nothing and
    /// fails with `States.ItemReaderFailed`.
    fn read_items(&mut self, state: &State, reader: &ItemRead, context: &Value) -> Result<Vec<Value>, Failure> {
        let _ = (reader, context);
        Err(Failure::new(
            "States.ItemReaderFailed",
            format!("The in-memory runner cannot read the items of the Map state '{}' (ItemReader).", state.name),
        ))
    }
}

/// A [`TaskHandler`] for definitions without tasks: every task fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTasks;

impl TaskHandler for NoTasks {
    fn invoke(
        &mut self,
        state: &State,
        resource: &str,
        _arguments: &Value,
        _context: &Value,
    ) -> Result<Value, Failure> {
        Err(Failure::new(
            "States.Runtime",
            format!("The in-memory runner cannot run the Task state '{}' (resource '{resource}').", state.name),
        ))
    }
}

/// Runs `machine` on `input` to its end.
pub fn run(
    machine: &Machine,
    input: Value,
    options: &RunOptions,
    env: &mut dyn Environment,
    tasks: &mut dyn TaskHandler,
) -> RunReport {
    let start_millis = env.now_millis();
    let mut execution = options.execution.clone();
    execution.input = input.clone();
    execution.start_time_millis = start_millis;
    let mut runner = Runner {
        execution,
        env,
        tasks,
        events: 1,
        max_events: options.max_events,
        clock_offset: 0,
        start_millis,
        timeout_millis: machine
            .timeout_seconds
            .map(|seconds| i64::try_from(seconds).unwrap_or(i64::MAX).saturating_mul(1000)),
        waits: Vec::new(),
        pending_failed_event: false,
    };
    let mut variables = Map::new();
    let status = match runner.run_scope(&machine.root, input, &mut variables) {
        Ok(output) => ExecutionStatus::Succeeded { output },
        Err(failure) => ExecutionStatus::Failed(failure),
    };
    RunReport { status, waits: runner.waits, events: runner.events + 1 }
}

/// One run in progress: the execution's identity, the clock, the event counter, the waits.
struct Runner<'a> {
    execution: ExecutionInfo,
    env: &'a mut dyn Environment,
    tasks: &'a mut dyn TaskHandler,
    /// The id of the last history event.
    events: u64,
    max_events: u64,
    /// How far waits have moved the virtual clock.
    clock_offset: i64,
    start_millis: i64,
    timeout_millis: Option<i64>,
    waits: Vec<WaitRecord>,
    /// A Parallel or Map attempt failed; its `…StateFailed` event is still to be counted.
    pending_failed_event: bool,
}

/// A failure on its way out of a scope. Terminal failures (`States.Runtime`, limits) end the
/// whole execution: no Catch or Retry on any enclosing state sees them.
type ScopeResult = Result<Value, Failure>;

impl Runner<'_> {
    fn now(&mut self) -> i64 {
        self.env.now_millis().saturating_add(self.clock_offset)
    }

    fn event(&mut self) -> Result<u64, Failure> {
        self.events += 1;
        if self.events > self.max_events {
            return Err(Failure::new(
                "States.Runtime",
                format!("The execution reached the maximum number of history events ({}).", self.max_events),
            ));
        }
        Ok(self.events)
    }

    fn run_scope(&mut self, scope: &Scope, input: Value, variables: &mut Map<String, Value>) -> ScopeResult {
        let mut name = scope.start_at.clone();
        let mut input = input;
        loop {
            let state = scope.state(&name).ok_or_else(|| {
                Failure::new("States.Runtime", format!("The state '{name}' does not exist in its scope."))
            })?;
            let completion = self.run_state(state, input, variables)?;
            variables::apply(variables, &completion.assigned);
            match completion.next {
                Next::End => return Ok(completion.output),
                Next::State(next) => {
                    name = next;
                    input = completion.output;
                }
            }
        }
    }

    /// Runs one state to its completion (retrying and catching as it says), or fails.
    fn run_state(
        &mut self,
        state: &State,
        input: Value,
        variables: &Map<String, Value>,
    ) -> Result<Completion, Failure> {
        let entered = self.event()?;
        let mut retry_counts = vec![0u32; state.retriers.len()];
        let mut attempts = 0u32;
        loop {
            let now = self.now();
            let mut context = self.execution.context(&state.name, now);
            if state.can_retry() {
                context.retry_count = Some(attempts);
            }
            let entry = Entry {
                state,
                input: input.clone(),
                context: context.to_value(),
                variables,
                entered_event_id: Some(entered),
            };
            let failure = match self.attempt(&entry)? {
                Ok(completion) => {
                    if !matches!(state.kind, StateKind::Fail) {
                        self.event()?;
                    }
                    return Ok(completion);
                }
                Err(failure) => failure,
            };
            match recover(&entry, failure, &retry_counts, self.env) {
                Recovery::Retry { retrier, delay_seconds } => {
                    // AWS records no `…StateFailed` for an attempt that is retried.
                    self.pending_failed_event = false;
                    if u64::from(attempts) >= self.max_events {
                        return Err(Failure::new(
                            "States.Runtime",
                            format!("The state '{}' was retried more than {} times.", state.name, self.max_events),
                        ));
                    }
                    retry_counts[retrier] += 1;
                    attempts += 1;
                    let at_millis = self.now();
                    let delay = (delay_seconds * 1000.0).round() as i64;
                    self.waits.push(WaitRecord {
                        state: state.name.to_string(),
                        until: WaitUntil::Seconds(delay_seconds.ceil() as u64),
                        at_millis,
                    });
                    self.advance(delay)?;
                }
                Recovery::Catch { completion, .. } => {
                    self.flush_failed_event()?;
                    self.event()?; // …StateExited
                    return Ok(completion);
                }
                Recovery::Fail { failure, .. } => {
                    self.flush_failed_event()?;
                    return Err(failure);
                }
            }
        }
    }

    /// The `ParallelStateFailed` / `MapStateFailed` event of a failed attempt, recorded once
    /// it is known the attempt is not retried.
    fn flush_failed_event(&mut self) -> Result<(), Failure> {
        if std::mem::take(&mut self.pending_failed_event) {
            self.event()?;
        }
        Ok(())
    }

    fn advance(&mut self, millis: i64) -> Result<(), Failure> {
        self.clock_offset = self.clock_offset.saturating_add(millis.max(0));
        let elapsed = self.now().saturating_sub(self.start_millis);
        match self.timeout_millis {
            Some(timeout) if elapsed > timeout => Err(Failure { error: Some("States.Timeout".into()), cause: None }),
            _ => Ok(()),
        }
    }

    /// One attempt at a state: `Ok(Err(failure))` is a failure the state's Retry and Catch
    /// may handle; `Err(failure)` ends the execution.
    fn attempt(&mut self, entry: &Entry) -> Result<Result<Completion, Failure>, Failure> {
        let state = entry.state;
        match start(entry, self.env, None) {
            Step::Complete(completion) => Ok(Ok(completion)),
            Step::Fail(failure) => {
                // AWS records a failed JSONata evaluation as an `EvaluationFailed` event, and a
                // Map or Parallel state that fails that way also gets its `…StateFailed`.
                if failure.error.as_deref() == Some("States.QueryEvaluationError") {
                    self.event()?;
                    if matches!(state.kind, StateKind::Map { .. } | StateKind::Parallel { .. }) {
                        self.pending_failed_event = true;
                    }
                }
                escalate(failure)
            }
            Step::Wait { until, completion } => {
                let at_millis = self.now();
                let delay = match &until {
                    WaitUntil::Seconds(seconds) => i64::try_from(*seconds).unwrap_or(i64::MAX).saturating_mul(1000),
                    WaitUntil::Timestamp { instant, .. } => instant.to_millis().saturating_sub(at_millis),
                };
                self.waits.push(WaitRecord { state: state.name.to_string(), until, at_millis });
                self.advance(delay)?;
                Ok(Ok(completion))
            }
            Step::Invoke { resource, arguments } => {
                self.event()?; // scheduled
                self.event()?; // started
                let result = self.tasks.invoke(state, &resource, &arguments, &entry.context);
                self.event()?; // succeeded or failed
                match result {
                    Ok(result) => escalate_result(finish(entry, result, self.env, None)),
                    Err(failure) => escalate(failure),
                }
            }
            Step::Branches { input } => {
                let StateKind::Parallel { branches } = &state.kind else {
                    return Ok(Err(Failure::new("States.Runtime", "Only Parallel states have branches.")));
                };
                self.event()?; // ParallelStateStarted
                let mut outputs = Vec::with_capacity(branches.len());
                for branch in branches {
                    let mut branch_variables = entry.variables.clone();
                    match self.run_scope(branch, input.clone(), &mut branch_variables) {
                        Ok(output) => outputs.push(output),
                        Err(failure) => {
                            self.pending_failed_event = true; // ParallelStateFailed
                            return escalate(failure);
                        }
                    }
                }
                self.event()?; // ParallelStateSucceeded
                escalate_result(finish(entry, Value::Array(outputs), self.env, None))
            }
            Step::ReadItems { reader, config } => {
                let items = match self.tasks.read_items(state, &reader, &entry.context) {
                    Ok(items) => items,
                    Err(failure) => return escalate(failure),
                };
                match select_items(entry, items, self.env) {
                    Ok(items) => self.run_map(entry, items, &config),
                    Err(failure) => escalate(failure),
                }
            }
            Step::Items { items, config } => self.run_map(entry, items, &config),
        }
    }

    fn run_map(
        &mut self,
        entry: &Entry,
        items: Vec<Value>,
        config: &MapConfig,
    ) -> Result<Result<Completion, Failure>, Failure> {
        let StateKind::Map { processor, .. } = &entry.state.kind else {
            return Ok(Err(Failure::new("States.Runtime", "Only Map states have items.")));
        };
        self.event()?; // MapStateStarted
        match self.run_items(processor, items, config, entry.variables)? {
            Ok(outputs) => {
                self.event()?; // MapStateSucceeded
                escalate_result(finish(entry, Value::Array(outputs), self.env, None))
            }
            Err(failure) => {
                self.pending_failed_event = true; // MapStateFailed
                escalate(failure)
            }
        }
    }

    fn run_items(
        &mut self,
        processor: &Scope,
        items: Vec<Value>,
        config: &MapConfig,
        variables: &Map<String, Value>,
    ) -> Result<Result<Vec<Value>, Failure>, Failure> {
        let total = items.len();
        let mut outputs = Vec::with_capacity(total);
        match config.mode {
            MapMode::Inline => {
                for item in items {
                    self.event()?; // MapIterationStarted
                    let mut item_variables = variables.clone();
                    let result = self.run_scope(processor, item, &mut item_variables);
                    self.event()?; // MapIterationSucceeded or MapIterationFailed
                    match result {
                        Ok(output) => outputs.push(output),
                        Err(failure) => return escalate(failure),
                    }
                }
                Ok(Ok(outputs))
            }
            MapMode::Distributed => {
                self.event()?; // MapRunStarted
                let events_before = self.events;
                let mut failures = 0;
                for item in items {
                    let mut item_variables = variables.clone();
                    match self.run_scope(processor, item, &mut item_variables) {
                        Ok(output) => outputs.push(output),
                        Err(failure) if failure.is_terminal() => return Err(failure),
                        Err(failure) => {
                            failures += 1;
                            outputs.push(failure.error_output());
                        }
                    }
                }
                // Child executions have their own histories.
                self.events = events_before;
                self.event()?; // MapRunSucceeded or MapRunFailed
                if config.exceeded(failures, total) {
                    return Ok(Err(Failure::new(
                        "States.ExceedToleratedFailureThreshold",
                        "The specified tolerated failure threshold was exceeded",
                    )));
                }
                Ok(Ok(outputs))
            }
        }
    }
}

/// A failure from inside a state: terminal ones end the execution.
fn escalate<T>(failure: Failure) -> Result<Result<T, Failure>, Failure> {
    if failure.is_terminal() { Err(failure) } else { Ok(Err(failure)) }
}

fn escalate_result(result: Result<Completion, Failure>) -> Result<Result<Completion, Failure>, Failure> {
    match result {
        Ok(completion) => Ok(Ok(completion)),
        Err(failure) => escalate(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::FixedEnvironment;
    use serde_json::json;

    fn run_definition(definition: Value, input: Value) -> RunReport {
        let machine = Machine::from_value(&definition).expect("readable");
        run(&machine, input, &RunOptions::default(), &mut FixedEnvironment::new(7, 1_000), &mut NoTasks)
    }

    #[test]
    fn parallel_and_map_collect_outputs_in_order() {
        let report = run_definition(
            json!({"StartAt": "P", "States": {
                "P": {"Type": "Parallel", "Next": "M", "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": true}}}
                ]},
                "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
                    "I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": true}
                }}, "End": true}
            }}),
            json!({}),
        );
        assert_eq!(report.status, ExecutionStatus::Succeeded { output: json!([{"v": 1}, {"v": 2}]) });
    }

    #[test]
    fn waits_are_recorded_not_slept() {
        let report = run_definition(
            json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
            json!({"a": 1}),
        );
        assert_eq!(report.status, ExecutionStatus::Succeeded { output: json!({"a": 1}) });
        assert_eq!(report.waits.len(), 1);
        assert_eq!(report.waits[0].until, WaitUntil::Seconds(3600));
    }

    #[test]
    fn catch_and_retry_around_failing_branches() {
        let report = run_definition(
            json!({"StartAt": "P", "States": {
                "P": {"Type": "Parallel", "Branches": [
                    {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "bad"}}}
                ], "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
                "Done": {"Type": "Pass", "End": true}
            }}),
            json!({"x": 1}),
        );
        assert_eq!(
            report.status,
            ExecutionStatus::Succeeded { output: json!({"x": 1, "error": {"Error": "Boom", "Cause": "bad"}}) }
        );
        assert_eq!(report.waits.len(), 2);
    }

    #[test]
    fn variables_do_not_leak_out_of_iterations() {
        let report = run_definition(
            json!({"StartAt": "Set", "States": {
                "Set": {"Type": "Pass", "Assign": {"v": "outer"}, "Next": "M"},
                "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "In", "States": {
                    "In": {"Type": "Pass", "Assign": {"v": "inner"}, "Parameters": {"seen.$": "$v"}, "End": true}
                }}, "ResultPath": "$.results", "Next": "Read"},
                "Read": {"Type": "Pass", "Parameters": {"v.$": "$v", "results.$": "$.results"}, "End": true}
            }}),
            json!({"items": [1, 2]}),
        );
        assert_eq!(
            report.status,
            ExecutionStatus::Succeeded {
                output: json!({"v": "outer", "results": [{"seen": "outer"}, {"seen": "outer"}]})
            }
        );
    }

    #[test]
    fn runaway_loops_end() {
        let report = run_definition(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}), json!({}));
        assert!(matches!(report.status, ExecutionStatus::Failed(_)));
    }
}

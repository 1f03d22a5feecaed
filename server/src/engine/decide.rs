//! The engine's pure core: [`apply`] takes an execution's snapshot and one signal (start,
//! a timer fired, a task finished, stop) and advances the execution as far as it can go
//! without the outside world. It returns the history events to record and the actions for
//! the driver to carry out (set a timer, invoke a task, cancel one). It does no IO, so the
//! same code runs Standard executions (snapshot and events committed in one transaction)
//! and Express ones (in memory), and tests drive it directly.
//!
//! An execution is a tree of threads: the root, each Parallel branch and each Map
//! iteration. A thread is at one state; a state attempt is in one phase (ready, backing off
//! before a retry, waiting, waiting for a task, running branches or items). Every state goes
//! through `asl`'s pure steps, so evaluation here cannot disagree with the simulator.
//!
//! Event ids follow AWS's rules, learnt from recorded histories: each thread remembers its
//! last event, and a new event's `previousEventId` is the last event of its thread. A few
//! events are "side" events that do not move the thread on (`ExecutionStarted`,
//! `MapIterationSucceeded`, `MapStateSucceeded`, `ParallelStateSucceeded`).

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use asl::eval::{
    Environment,
    context::ExecutionInfo,
    failure::{Failure, compact},
    machine::{Machine, MapMode, Scope, State, StateKind},
    state::{
        Completion, Entry, ItemRead, MapConfig, Next, Recovery, Step, WaitUntil, finish, recover, select_items, start,
        start_taking_input,
    },
    variables,
};

pub use redrive::{FailedMapRun, KeptOutputs, Resume};

use super::{
    history::{self, EventBody, HistoryEvent, TaskTimeouts},
    task::TaskResource,
};

/// AWS's payload limit for inputs, outputs and task results, in bytes.
pub const PAYLOAD_LIMIT_BYTES: usize = 256 * 1024;
/// AWS's limit on one execution's history.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// A failure as stored: error and cause, each optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The error name.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

impl From<Failure> for FailureRecord {
    fn from(failure: Failure) -> Self {
        FailureRecord { error: failure.error, cause: failure.cause }
    }
}

impl From<&FailureRecord> for Failure {
    fn from(record: &FailureRecord) -> Self {
        Failure { error: record.error.clone(), cause: record.cause.clone() }
    }
}

/// Where an execution stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status")]
pub enum Status {
    /// Not yet started, or running.
    Running,
    /// Succeeded with this output.
    Succeeded {
        /// The output.
        output: Value,
    },
    /// Failed.
    Failed {
        /// Why.
        failure: FailureRecord,
    },
    /// The execution's own `TimeoutSeconds` passed.
    TimedOut {
        /// `States.Timeout`.
        failure: FailureRecord,
    },
    /// Stopped by StopExecution.
    Aborted {
        /// The error and cause StopExecution gave.
        failure: FailureRecord,
    },
}

impl Status {
    /// AWS's name for it.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded { .. } => "SUCCEEDED",
            Status::Failed { .. } => "FAILED",
            Status::TimedOut { .. } => "TIMED_OUT",
            Status::Aborted { .. } => "ABORTED",
        }
    }

    /// Whether the execution has ended.
    pub fn is_final(&self) -> bool {
        !matches!(self, Status::Running)
    }

    /// The error and cause of an execution that failed, timed out or was stopped.
    pub fn failure(&self) -> Option<&FailureRecord> {
        match self {
            Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => Some(failure),
            Status::Running | Status::Succeeded { .. } => None,
        }
    }
}

/// [`Snapshot::failed_state`] as SQL over a stored execution's `snapshot` column (NULL for
/// text that is not JSON).
pub const FAILED_STATE_SQL: &str = "CASE WHEN json_valid(snapshot) THEN coalesce(\
     json_extract(snapshot, '$.redrive_from[0]'), json_extract(snapshot, '$.root.at.Run.state'), \
     json_extract(snapshot, '$.root.at.Enter.state')) END";

/// Everything the engine needs to resume an execution, apart from its definition and
/// identity: this is what a Standard execution commits after every decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Where it stands.
    pub status: Status,
    /// The root thread (absent before the start signal).
    pub root: Option<Thread>,
    /// The id of the last history event.
    pub last_event_id: u64,
    /// The last timer or task key handed out.
    pub last_key: u64,
    /// The timer of the execution's own `TimeoutSeconds`.
    pub timeout_key: Option<u64>,
    /// The most history events the execution may record: AWS's 25,000 for Standard
    /// executions; Express executions have no such limit.
    #[serde(default = "standard_history_limit")]
    pub history_limit: Option<u64>,
    /// Whether history events are recorded. Express executions may run without (AWS keeps
    /// none for them); event ids are counted either way, because error causes quote them.
    #[serde(default = "recorded")]
    pub record_history: bool,
    /// Where a redrive resumes: the top-level state that failed (or was running when the
    /// execution was stopped or timed out) and its input.
    #[serde(default)]
    pub redrive_from: Option<(String, Value)>,
    /// When that state is a distributed Map whose Map Run failed: the run, which a redrive
    /// redrives (its unsuccessful children) instead of starting a new one.
    #[serde(default)]
    pub redrive_map_run: Option<FailedMapRun>,
    /// When that state is a Parallel or inline Map state: the outputs of its branches or
    /// iterations that succeeded, which a redrive keeps (running the others again).
    #[serde(default)]
    pub redrive_outputs: Option<KeptOutputs>,
    /// Whether a distributed Map runs its items as child executions (the engine) or inside
    /// this execution with their events left out (the conformance replay, which has no
    /// engine to start children).
    #[serde(default)]
    pub map_children: bool,
    /// How many times each Task state has been invoked (mock responses are chosen by it).
    #[serde(default)]
    pub invocations: std::collections::BTreeMap<String, u32>,
    /// Whether Wait states and Retry intervals end at once (a test run's choice; AWS always
    /// waits). Timeouts keep their time.
    #[serde(default)]
    pub skip_waits: bool,
}

impl Snapshot {
    /// The top-level state an execution that did not succeed ended in: the one whose failure
    /// failed it (where a redrive resumes), or the one running when it timed out or was
    /// stopped. [`FAILED_STATE_SQL`] reads the same from a stored snapshot.
    pub fn failed_state(&self) -> Option<&str> {
        if let Some((state, _)) = &self.redrive_from {
            return Some(state);
        }
        match &self.root.as_ref()?.at {
            At::Run(attempt) => Some(&attempt.state),
            At::Enter { state, .. } => Some(state),
            At::Done { .. } | At::Failed { .. } => None,
        }
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            status: Status::Running,
            root: None,
            last_event_id: 0,
            last_key: 0,
            timeout_key: None,
            history_limit: standard_history_limit(),
            record_history: true,
            redrive_from: None,
            redrive_map_run: None,
            redrive_outputs: None,
            map_children: false,
            invocations: Default::default(),
            skip_waits: false,
        }
    }
}

fn recorded() -> bool {
    true
}

fn standard_history_limit() -> Option<u64> {
    Some(MAX_HISTORY_EVENTS)
}

/// One step of the way from the root scope to a nested one: a Parallel state's branch or a
/// Map state's processor (branch 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeStep {
    /// The Parallel or Map state.
    pub state: String,
    /// The branch.
    pub branch: usize,
}

/// A line of execution: the root, a Parallel branch or a Map iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// Its scope.
    pub path: Vec<ScopeStep>,
    /// The id of its last event (the next event's `previousEventId`).
    pub last: u64,
    /// The variables it sees.
    pub variables: Map<String, Value>,
    /// Whether its events are left out of the history (a distributed Map's items, which
    /// AWS records in child executions).
    #[serde(default)]
    pub muted: bool,
    /// Where it is.
    pub at: At,
}

/// Where a thread is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum At {
    /// About to enter a state.
    Enter {
        /// The state.
        state: String,
        /// Its input.
        input: Value,
        /// Whether the input's size is already known to be within the payload limit: it is
        /// the output of the state before, which was measured.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        measured: bool,
        /// The input as compact JSON text, when the state before already printed it for its
        /// exited event (not stored: a state entered after a restart prints it again).
        #[serde(skip)]
        text: Option<String>,
    },
    /// In a state.
    Run(Box<Attempt>),
    /// The thread ended with this output.
    Done {
        /// The output.
        output: Value,
    },
    /// The thread failed.
    Failed {
        /// Why.
        failure: FailureRecord,
        /// The Task state it failed in, when a Task's failure (not retried or caught) ended
        /// it: a Parallel or Map that this failure fails records `TaskStateAborted` for it,
        /// as AWS does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed_task: Option<String>,
        /// Inside a branch or iteration: the state it failed in and that state's input, where
        /// a redrive resumes it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_at: Option<(String, Value)>,
    },
}

/// A state being run: its input, retry bookkeeping and phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The state.
    pub state: String,
    /// Its raw input.
    pub input: Value,
    /// The id of its `…StateEntered` event.
    pub entered_event: u64,
    /// The `previousEventId` of that event.
    pub before_entered: u64,
    /// When it was entered, in milliseconds since the epoch.
    pub entered_millis: i64,
    /// How many times each retrier has retried it.
    pub retry_counts: Vec<u32>,
    /// How many retries so far (`$$.State.RetryCount`).
    pub attempts: u32,
    /// The task token it was given, for `.waitForTaskToken` tasks.
    pub token: Option<String>,
    /// What it is doing.
    pub phase: Phase,
}

/// What a state attempt is doing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Phase {
    /// Ready to be evaluated.
    Ready,
    /// Waiting for timer `key` before the next retry.
    Backoff {
        /// The timer.
        key: u64,
    },
    /// A Wait state waiting for timer `key`, after which it completes.
    Waiting {
        /// The timer.
        key: u64,
        /// Its output.
        output: Value,
        /// Where it goes.
        next: Option<String>,
        /// What it assigns.
        assigned: Map<String, Value>,
    },
    /// A Task waiting for its result.
    Task(Box<TaskWait>),
    /// A Parallel state's branches.
    Parallel {
        /// One thread per branch.
        branches: Vec<Thread>,
    },
    /// A Map state's items.
    Map(Box<MapRun>),
}

/// A task in flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskWait {
    /// The task's key (what the driver reports back with).
    pub key: u64,
    /// Its resource.
    pub resource: TaskResource,
    /// Its effective parameters.
    pub arguments: Value,
    /// Whether its `…Started` event is recorded (activities start when a worker takes them).
    pub started: bool,
    /// The `TimeoutSeconds` timer.
    pub timeout_key: Option<u64>,
    /// The current `HeartbeatSeconds` timer.
    pub heartbeat_key: Option<u64>,
    /// `HeartbeatSeconds`.
    pub heartbeat_seconds: Option<u64>,
}

/// A Map state's run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapRun {
    /// The items, after ItemSelector.
    pub items: Vec<Value>,
    /// The next item to start.
    pub next_index: usize,
    /// The iterations running.
    pub running: Vec<Iteration>,
    /// The outputs so far, by index.
    pub outputs: Vec<Option<Value>>,
    /// How many items failed (every item of a failed batch).
    pub failures: usize,
    /// `MaxConcurrency` (0: no limit).
    pub max_concurrency: u64,
    /// `ToleratedFailureCount`.
    pub tolerated_failure_count: Option<u64>,
    /// `ToleratedFailurePercentage`.
    pub tolerated_failure_percentage: Option<f64>,
    /// Whether it is a distributed Map.
    pub distributed: bool,
    /// The `MapStateStarted` event.
    pub started_event: u64,
    /// The last event of the iteration that finished last.
    pub last_finished: Option<u64>,
    /// The last `MapIterationSucceeded`/`Failed` event.
    pub last_iteration_event: Option<u64>,
    /// A distributed Map's Map Run.
    #[serde(default)]
    pub map_run_arn: Option<String>,
    /// A distributed Map's items running as child executions.
    #[serde(default)]
    pub children: Vec<ChildItem>,
    /// Child executions that ended and are not yet counted.
    #[serde(default)]
    pub child_outcomes: Vec<ChildOutcome>,
    /// The task that writes a distributed Map's results through its `ResultWriter`, once
    /// every item ended.
    #[serde(default)]
    pub writer_key: Option<u64>,
    /// How that task ended, until the Map state takes it.
    #[serde(default)]
    pub writer_outcome: Option<ChildOutcome>,
    /// With an `ItemBatcher`, how many items each batch in `items` holds (empty: one item
    /// each). Failure thresholds count items, not batches.
    #[serde(default)]
    pub batch_sizes: Vec<u32>,
    /// How many items the batches hold in all (0, in snapshots written before it: one item
    /// each).
    #[serde(default)]
    pub item_total: usize,
    /// A distributed Map's children that succeeded, by index (their results are in
    /// `outputs`, beside the error outputs of tolerated failures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub succeeded: Vec<usize>,
    /// Redriven (an inline Map): where each iteration that did not succeed resumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resume: Vec<Option<Resume>>,
    /// How many times its Map Run was redriven.
    #[serde(default)]
    pub redrive_count: u32,
}

/// A distributed Map item running as a child execution: the task key it reports with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildItem {
    /// The item's index.
    pub index: usize,
    /// The key its outcome arrives with.
    pub key: u64,
}

/// How a child execution ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildOutcome {
    /// The item's index.
    pub index: usize,
    /// Its output, when it succeeded.
    pub output: Option<Value>,
    /// Its failure, when it did not.
    pub failure: Option<FailureRecord>,
}

/// The resource of the task that runs one distributed Map item as a child execution.
pub const MAP_ITEM_RESOURCE: &str = "arn:aws:states:::statehouse:mapItem";

/// The resource of the task that writes a distributed Map's child execution results to the
/// local S3 folder (its `ResultWriter`); it answers with the `ResultWriterDetails` result.
pub const WRITE_RESULTS_RESOURCE: &str = "arn:aws:states:::statehouse:writeResults";

/// One Map iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Iteration {
    /// The item's index.
    pub index: usize,
    /// Its thread.
    pub thread: Thread,
}

/// What can happen to an execution.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// Start it.
    Start,
    /// Timer `key` fired.
    Timer {
        /// The timer.
        key: u64,
    },
    /// A worker took activity task `key`.
    TaskStarted {
        /// The task.
        key: u64,
        /// The worker's name.
        worker_name: Option<String>,
    },
    /// A `.sync` / `.waitForTaskToken` call was made and the task now waits.
    TaskSubmitted {
        /// The task.
        key: u64,
        /// The service's response.
        output: Value,
    },
    /// Task `key` succeeded.
    TaskSucceeded {
        /// The task.
        key: u64,
        /// Its result.
        output: Value,
    },
    /// Task `key` failed.
    TaskFailed {
        /// The task.
        key: u64,
        /// Why.
        failure: Failure,
    },
    /// Task `key` sent a heartbeat.
    Heartbeat {
        /// The task.
        key: u64,
    },
    /// StopExecution.
    Stop {
        /// The error and cause given.
        failure: Failure,
    },
    /// RedriveExecution: resume a failed, aborted or timed-out execution at the state that
    /// did not succeed. The count is the execution's redrive count after this redrive.
    Redrive {
        /// The new redrive count.
        redrive_count: u32,
    },
    /// UpdateMapRun: new limits for one of this execution's running Map Runs. A limit left
    /// `None` stays as it is.
    UpdateMapRun {
        /// The Map Run.
        map_run_arn: String,
        /// The new `MaxConcurrency` (0: no limit).
        max_concurrency: Option<u64>,
        /// The new `ToleratedFailureCount`.
        tolerated_failure_count: Option<u64>,
        /// The new `ToleratedFailurePercentage`.
        tolerated_failure_percentage: Option<f64>,
    },
}

/// A task for the driver to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    /// Report back with this key.
    pub key: u64,
    /// The state's name.
    pub state_name: String,
    /// The resource.
    pub resource: TaskResource,
    /// The effective parameters.
    pub arguments: Value,
    /// The task token (`.waitForTaskToken` tasks and activities).
    pub token: Option<String>,
    /// `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatSeconds`.
    pub heartbeat_seconds: Option<u64>,
    /// How many times this state was invoked before in this execution (0 the first time).
    pub invocation: u32,
    /// Whether the execution skips its waits, which child executions it starts inherit.
    #[serde(default)]
    pub skip_waits: bool,
}

/// Something the driver must do.
// Actions live only between a decision and the driver carrying it out, a handful at a time;
// boxing the request would cost an allocation per task for no saving.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Signal `Timer { key }` at this time.
    SetTimer {
        /// The timer.
        key: u64,
        /// When, in milliseconds since the epoch.
        at_millis: i64,
    },
    /// Run a task and report its outcome.
    Invoke(TaskRequest),
    /// Task `key` is no longer wanted (its state was aborted or timed out).
    Cancel {
        /// The task.
        key: u64,
    },
    /// A distributed Map started a Map Run: record it.
    MapRunStarted {
        /// Its ARN.
        arn: String,
        /// The Map state.
        state_name: String,
        /// How many child executions (items after batching).
        total: usize,
        /// How many items they run between them.
        item_total: usize,
        /// `MaxConcurrency`.
        max_concurrency: u64,
        /// `ToleratedFailureCount`.
        tolerated_failure_count: Option<u64>,
        /// `ToleratedFailurePercentage`.
        tolerated_failure_percentage: Option<f64>,
    },
    /// UpdateMapRun changed a running Map Run's limits: record them (the values it has now).
    MapRunUpdated {
        /// Its ARN.
        arn: String,
        /// `MaxConcurrency`.
        max_concurrency: u64,
        /// `ToleratedFailureCount`.
        tolerated_failure_count: Option<u64>,
        /// `ToleratedFailurePercentage`.
        tolerated_failure_percentage: Option<f64>,
    },
    /// A redrive redrove a Map Run: it runs again.
    MapRunRedriven {
        /// Its ARN.
        arn: String,
    },
    /// A Map Run ended: `SUCCEEDED` or `FAILED`.
    MapRunEnded {
        /// Its ARN.
        arn: String,
        /// Its status.
        status: String,
    },
}

/// What one signal led to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// New history events, in order.
    pub events: Vec<HistoryEvent>,
    /// What the driver must do once they are recorded.
    pub actions: Vec<Action>,
}

/// Reads a Map state's items for an `ItemReader` (the local stand-in for S3).
pub trait ItemSource {
    /// The items `reader` names.
    fn read_items(&self, reader: &ItemRead) -> Result<Vec<Value>, Failure>;
}

/// The activities that exist (CreateActivity). AWS fails a Task naming an activity that
/// does not exist with `States.Runtime`, before scheduling anything.
pub trait Activities {
    /// Whether the activity `arn` exists.
    fn exists(&self, arn: &str) -> bool;
}

/// [`Activities`] where every activity exists: for callers without a list of them (tests, a
/// recorded case, the designer's simulator).
#[derive(Clone, Copy, Debug, Default)]
pub struct AnyActivity;

impl Activities for AnyActivity {
    fn exists(&self, _arn: &str) -> bool {
        true
    }
}

/// An [`ItemSource`] that has nothing to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoItems;

impl ItemSource for NoItems {
    fn read_items(&self, reader: &ItemRead) -> Result<Vec<Value>, Failure> {
        Err(Failure::new(
            "States.ItemReaderFailed",
            format!("No local folder stands in for S3 here, so '{}' cannot be read.", reader.resource),
        ))
    }
}

/// What [`apply`] works with.
pub struct Context<'a> {
    /// The definition.
    pub machine: &'a Machine,
    /// The execution's identity.
    pub info: &'a ExecutionInfo,
    /// The execution's ARN, which its task tokens carry.
    pub execution_arn: &'a str,
    /// The clock and randomness.
    pub env: &'a mut dyn Environment,
    /// Where ItemReaders read from.
    pub items: &'a dyn ItemSource,
    /// The activities that exist.
    pub activities: &'a dyn Activities,
}

/// Applies `signal` to the execution in `snapshot` and returns what happened.
pub fn apply(context: Context<'_>, snapshot: &mut Snapshot, signal: Signal) -> Decision {
    let Context { machine, info, execution_arn, env, items, activities } = context;
    let mut decider = Decider {
        machine,
        info,
        execution_arn,
        env,
        items,
        activities,
        last_event_id: snapshot.last_event_id,
        last_key: snapshot.last_key,
        decision: Decision::default(),
        over_limit: false,
        history_limit: snapshot.history_limit,
        recording: snapshot.record_history,
        redrive_from: snapshot.redrive_from.take(),
        redrive_map_run: snapshot.redrive_map_run.take(),
        redrive_outputs: snapshot.redrive_outputs.take(),
        failing_map_run: None,
        failing_outputs: None,
        map_children: snapshot.map_children,
        skip_waits: snapshot.skip_waits,
        invocations: std::mem::take(&mut snapshot.invocations),
        start_input_text: None,
        spare_attempt: None,
        exited_at: None,
    };
    if let Signal::Redrive { redrive_count } = signal {
        decider.redrive(snapshot, redrive_count);
    } else if !snapshot.status.is_final() {
        decider.handle(snapshot, signal);
    }
    snapshot.last_event_id = decider.last_event_id;
    snapshot.last_key = decider.last_key;
    snapshot.invocations = decider.invocations;
    snapshot.redrive_from = decider.redrive_from;
    snapshot.redrive_map_run = decider.redrive_map_run;
    snapshot.redrive_outputs = decider.redrive_outputs;
    decider.decision
}

struct Decider<'a> {
    machine: &'a Machine,
    info: &'a ExecutionInfo,
    execution_arn: &'a str,
    env: &'a mut dyn Environment,
    items: &'a dyn ItemSource,
    activities: &'a dyn Activities,
    last_event_id: u64,
    last_key: u64,
    decision: Decision,
    over_limit: bool,
    history_limit: Option<u64>,
    recording: bool,
    redrive_from: Option<(String, Value)>,
    redrive_map_run: Option<FailedMapRun>,
    redrive_outputs: Option<KeptOutputs>,
    /// What a top-level Map or Parallel state that is failing leaves for a redrive, kept only
    /// if the failure ends the execution (not retried, not caught).
    failing_map_run: Option<FailedMapRun>,
    failing_outputs: Option<KeptOutputs>,
    map_children: bool,
    /// [`Snapshot::skip_waits`].
    skip_waits: bool,
    invocations: std::collections::BTreeMap<String, u32>,
    /// The input text as StartExecution received it, until the first state is entered.
    start_input_text: Option<String>,
    /// The box of the last attempt that completed, reused by the next state entered: one
    /// allocation less per state.
    spare_attempt: Option<Box<Attempt>>,
    /// The time of a state's exited event, for the next state's entered event: one clock
    /// read per transition instead of two.
    exited_at: Option<i64>,
}

/// Where a task or timer key was found.
enum Found {
    Backoff,
    Waiting,
    Task,
    TaskTimeout,
    HeartbeatTimeout,
}

impl<'a> Decider<'a> {
    fn handle(&mut self, snapshot: &mut Snapshot, signal: Signal) {
        match signal {
            Signal::Start => {
                if snapshot.root.is_some() {
                    return;
                }
                let started = if self.recording {
                    history::execution_started(&self.info.input, self.info.input_text.as_deref(), &self.info.role_arn)
                } else {
                    EventBody::unrecorded()
                };
                self.emit(0, started);
                if let Some(seconds) = self.machine.timeout_seconds {
                    let key = self.timer(seconds_to_millis(seconds as f64));
                    snapshot.timeout_key = Some(key);
                }
                self.start_input_text = self.info.input_text.clone();
                snapshot.root = Some(Thread {
                    path: Vec::new(),
                    last: 0,
                    variables: Map::new(),
                    muted: false,
                    at: At::Enter {
                        state: self.machine.root.start_at.clone(),
                        input: self.info.input.clone(),
                        measured: false,
                        text: None,
                    },
                });
            }
            Signal::Stop { failure } => {
                let mut keys = Vec::new();
                if let Some(root) = &snapshot.root {
                    task_keys(root, &mut keys);
                }
                for key in keys {
                    self.decision.actions.push(Action::Cancel { key });
                }
                // AWS links neither a stop nor the execution's timeout to an event before it
                // (`previousEventId` 0), as its recordings show.
                self.emit(0, history::execution_ended("ExecutionAborted", &failure));
                snapshot.status = Status::Aborted { failure: failure.into() };
                return;
            }
            Signal::Timer { key } if Some(key) == snapshot.timeout_key => {
                let mut keys = Vec::new();
                if let Some(root) = &snapshot.root {
                    task_keys(root, &mut keys);
                }
                for key in keys {
                    self.decision.actions.push(Action::Cancel { key });
                }
                let failure = Failure { error: Some("States.Timeout".into()), cause: None };
                self.emit(0, history::execution_ended("ExecutionTimedOut", &failure));
                snapshot.status = Status::TimedOut { failure: failure.into() };
                return;
            }
            Signal::UpdateMapRun {
                map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            } => {
                let Some(run) = snapshot.root.as_mut().and_then(|root| map::find_run(root, &map_run_arn)) else {
                    return;
                };
                if let Some(max_concurrency) = max_concurrency {
                    run.max_concurrency = max_concurrency;
                }
                if tolerated_failure_count.is_some() {
                    run.tolerated_failure_count = tolerated_failure_count;
                }
                if tolerated_failure_percentage.is_some() {
                    run.tolerated_failure_percentage = tolerated_failure_percentage;
                }
                self.decision.actions.push(Action::MapRunUpdated {
                    arn: map_run_arn,
                    max_concurrency: run.max_concurrency,
                    tolerated_failure_count: run.tolerated_failure_count,
                    tolerated_failure_percentage: run.tolerated_failure_percentage,
                });
            }
            other => {
                let Some(root) = snapshot.root.as_mut() else { return };
                self.deliver(root, other);
            }
        }
        self.handle_running(snapshot);
    }

    /// Drives a running execution as far as it goes and records how it ended, if it did.
    fn handle_running(&mut self, snapshot: &mut Snapshot) {
        let Some(root) = snapshot.root.as_mut() else { return };
        self.drive(root);
        if self.over_limit {
            let failure = Failure::new(
                "States.Runtime",
                format!(
                    "The execution reached the maximum number of history events ({}).",
                    snapshot.history_limit.unwrap_or(MAX_HISTORY_EVENTS)
                ),
            );
            self.cancel_all(root);
            self.emit(self.last_event_id, history::execution_ended("ExecutionFailed", &failure));
            snapshot.status = Status::Failed { failure: failure.into() };
            return;
        }
        match &root.at {
            At::Done { output } => {
                let output = output.clone();
                let body = if self.recording { history::execution_succeeded(&output) } else { EventBody::unrecorded() };
                self.emit(root.last, body);
                snapshot.status = Status::Succeeded { output };
            }
            At::Failed { failure, .. } => {
                let failure = failure.clone();
                self.emit(root.last, history::execution_ended("ExecutionFailed", &(&failure).into()));
                snapshot.status = Status::Failed { failure };
            }
            _ => {}
        }
    }

    // -- events, keys, timers ----------------------------------------------------------

    fn emit(&mut self, previous: u64, body: EventBody) -> u64 {
        self.last_event_id += 1;
        if self.history_limit.is_some_and(|limit| self.last_event_id > limit) {
            self.over_limit = true;
        }
        if !self.recording {
            return self.last_event_id;
        }
        let now = self.exited_at.take().unwrap_or_else(|| self.env.now_millis());
        self.decision.events.push(HistoryEvent {
            id: self.last_event_id,
            previous_event_id: previous,
            timestamp_millis: now,
            event_type: body.event_type,
            details: body.details,
        });
        self.last_event_id
    }

    /// Records an event on `thread` and moves the thread on to it (unless muted).
    fn emit_on(&mut self, thread: &mut Thread, body: EventBody) -> u64 {
        if thread.muted {
            return thread.last;
        }
        let id = self.emit(thread.last, body);
        thread.last = id;
        id
    }

    /// Records a side event on `thread`: its previous event is the thread's last, but the
    /// thread does not move on to it.
    fn emit_side(&mut self, thread: &Thread, body: EventBody) -> u64 {
        if thread.muted {
            return thread.last;
        }
        self.emit(thread.last, body)
    }

    fn key(&mut self) -> u64 {
        self.last_key += 1;
        self.last_key
    }

    fn timer(&mut self, delay_millis: i64) -> u64 {
        let key = self.key();
        let at_millis = self.env.now_millis().saturating_add(delay_millis.max(0));
        self.decision.actions.push(Action::SetTimer { key, at_millis });
        key
    }

    fn scope(&self, path: &[ScopeStep]) -> &'a Scope {
        let machine: &'a Machine = self.machine;
        let mut scope = &machine.root;
        for step in path {
            let nested = scope.state(&step.state).and_then(|state| match &state.kind {
                StateKind::Parallel { branches } => branches.get(step.branch),
                StateKind::Map { processor, .. } => Some(processor),
                _ => None,
            });
            match nested {
                Some(nested) => scope = nested,
                None => break,
            }
        }
        scope
    }

    fn state(&self, path: &[ScopeStep], name: &str) -> Option<&'a State> {
        self.scope(path).state(name)
    }

    // -- delivering signals to the thread that waits for them --------------------------

    fn deliver(&mut self, thread: &mut Thread, signal: Signal) {
        let key = match &signal {
            Signal::Timer { key }
            | Signal::TaskStarted { key, .. }
            | Signal::TaskSubmitted { key, .. }
            | Signal::TaskSucceeded { key, .. }
            | Signal::TaskFailed { key, .. }
            | Signal::Heartbeat { key } => *key,
            Signal::Start | Signal::Stop { .. } | Signal::Redrive { .. } | Signal::UpdateMapRun { .. } => return,
        };
        if let Some(run) = map::find_child_run(thread, key) {
            if run.writer_key == Some(key) {
                run.writer_outcome = match signal {
                    Signal::TaskSucceeded { output, .. } => {
                        Some(ChildOutcome { index: 0, output: Some(output), failure: None })
                    }
                    Signal::TaskFailed { failure, .. } => {
                        Some(ChildOutcome { index: 0, output: None, failure: Some(failure.into()) })
                    }
                    _ => return,
                };
                run.writer_key = None;
                return;
            }
            let index = run.children.iter().find(|child| child.key == key).map(|child| child.index);
            let outcome = match (index, signal) {
                (Some(index), Signal::TaskSucceeded { output, .. }) => {
                    Some(ChildOutcome { index, output: Some(output), failure: None })
                }
                (Some(index), Signal::TaskFailed { failure, .. }) => {
                    Some(ChildOutcome { index, output: None, failure: Some(failure.into()) })
                }
                _ => None,
            };
            if let Some(outcome) = outcome {
                run.children.retain(|child| child.key != key);
                run.child_outcomes.push(outcome);
            }
            return;
        }
        let Some((target, found)) = find(thread, key) else { return };
        let path = target.path.clone();
        let At::Run(attempt) = &mut target.at else { return };
        let Some(state) = self.state(&path, &attempt.state) else { return };
        match (found, signal) {
            (Found::Backoff, Signal::Timer { .. }) => attempt.phase = Phase::Ready,
            (Found::Waiting, Signal::Timer { .. }) => {
                let Phase::Waiting { output, next, assigned, .. } = std::mem::replace(&mut attempt.phase, Phase::Ready)
                else {
                    return;
                };
                let next = next.map_or(Next::End, Next::State);
                self.complete(target, state, Completion { output, next, assigned });
            }
            (Found::Task, Signal::TaskStarted { worker_name, .. }) => {
                let Phase::Task(task) = &mut attempt.phase else { return };
                if !task.started {
                    task.started = true;
                    let body = task.resource.events.started(worker_name.as_deref());
                    self.emit_on(target, body);
                }
            }
            (Found::Task, Signal::TaskSubmitted { output, .. }) => {
                let Phase::Task(task) = &attempt.phase else { return };
                let body = task.resource.events.submitted(&output);
                self.emit_on(target, body);
            }
            (Found::Task, Signal::Heartbeat { .. }) => {
                let Phase::Task(task) = &mut attempt.phase else { return };
                if let Some(seconds) = task.heartbeat_seconds {
                    let key = self.timer(seconds_to_millis(seconds as f64));
                    if let Phase::Task(task) = &mut attempt.phase {
                        task.heartbeat_key = Some(key);
                    }
                }
            }
            (Found::Task, Signal::TaskSucceeded { output, .. }) => self.task_succeeded(target, state, output),
            (Found::Task, Signal::TaskFailed { failure, .. }) => self.task_failed(target, state, failure, true),
            // A timed-out task's error output has an empty `Cause` while its events have none
            // (recorded; `history` leaves empty causes out).
            (Found::TaskTimeout, Signal::Timer { .. }) => {
                let failure = Failure { error: Some("States.Timeout".into()), cause: Some(String::new()) };
                self.timed_out(target, state, failure);
            }
            (Found::HeartbeatTimeout, Signal::Timer { .. }) => {
                // AWS fails a service integration whose heartbeat stopped with
                // `States.Timeout` (recorded, `TaskTimedOut`); activities keep the
                // documented `States.HeartbeatTimeout`, in an `ActivityTimedOut` event.
                let Phase::Task(task) = &attempt.phase else { return };
                let error = match task.resource.events {
                    history::TaskEvents::Service { .. } => "States.Timeout",
                    _ => "States.HeartbeatTimeout",
                };
                let failure = Failure { error: Some(error.into()), cause: Some(String::new()) };
                self.timed_out(target, state, failure);
            }
            _ => {}
        }
    }

    fn timed_out(&mut self, thread: &mut Thread, state: &State, failure: Failure) {
        if let At::Run(attempt) = &thread.at
            && let Phase::Task(task) = &attempt.phase
        {
            self.decision.actions.push(Action::Cancel { key: task.key });
        }
        self.task_failed(thread, state, failure, false);
    }

    fn task_succeeded(&mut self, thread: &mut Thread, state: &State, output: Value) {
        let At::Run(attempt) = &mut thread.at else { return };
        let Phase::Task(task) = std::mem::replace(&mut attempt.phase, Phase::Ready) else { return };
        if !task.started {
            self.emit_on(thread, task.resource.events.started(None));
        }
        if payload_size(&output) > PAYLOAD_LIMIT_BYTES {
            let failure = Failure::new(
                "States.DataLimitExceeded",
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    data_limit_name(&task.resource)
                ),
            );
            self.emit_on(thread, task.resource.events.failed(&failure));
            self.fail_attempt(thread, state, failure);
            return;
        }
        self.emit_on(thread, task.resource.events.succeeded(&output));
        let result = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            finish(&entry, output, self.env, None)
        };
        match result {
            Ok(completion) => self.complete(thread, state, completion),
            Err(failure) => {
                self.note_evaluation_failure(thread, state, &failure);
                self.fail_attempt(thread, state, failure);
            }
        }
    }

    /// A task's failure: `answered` when it came from the task (SendTaskFailure, its service),
    /// not from a timer. An activity answered before a worker took it (the execution page
    /// answers its token) was started by that answer, as `task_succeeded` records too; one that
    /// times out before any worker took it was never started.
    fn task_failed(&mut self, thread: &mut Thread, state: &State, failure: Failure, answered: bool) {
        let At::Run(attempt) = &mut thread.at else { return };
        let Phase::Task(task) = std::mem::replace(&mut attempt.phase, Phase::Ready) else { return };
        if !task.started && (answered || !matches!(task.resource.events, history::TaskEvents::Activity { .. })) {
            self.emit_on(thread, task.resource.events.started(None));
        }
        self.emit_on(thread, task.resource.events.failed(&failure));
        self.fail_attempt(thread, state, failure);
    }

    // -- driving threads ----------------------------------------------------------------

    /// Runs `thread` until it waits for something from outside, or ends.
    fn drive(&mut self, thread: &mut Thread) {
        loop {
            if self.over_limit {
                return;
            }
            match &mut thread.at {
                At::Done { .. } | At::Failed { .. } => return,
                At::Enter { state, input, measured, text } => {
                    let name = std::mem::take(state);
                    let input = std::mem::take(input);
                    let measured = *measured;
                    let printed = text.take();
                    let Some(state) = self.state(&thread.path, &name) else {
                        thread.at = At::Failed {
                            failed_task: None,
                            resume_at: None,
                            failure: Failure::new(
                                "States.Runtime",
                                format!("The state '{name}' does not exist in its scope."),
                            )
                            .into(),
                        };
                        return;
                    };
                    let before = thread.last;
                    // An input that was the state before's output was measured then. Printed
                    // for the event, the input is measured by its text.
                    let over_limit = |input: &Value| !measured && payload_size(input) > PAYLOAD_LIMIT_BYTES;
                    let (body, over_limit) = match self.start_input_text.take().filter(|_| thread.path.is_empty()) {
                        _ if !self.recording => (EventBody::unrecorded(), over_limit(&input)),
                        Some(text) => (
                            history::state_entered_text(state.type_name(), Arc::clone(&state.name), text),
                            over_limit(&input),
                        ),
                        None => {
                            let text = printed.unwrap_or_else(|| compact(&input));
                            let over_limit = !measured && text.len() > PAYLOAD_LIMIT_BYTES;
                            (history::state_entered_text(state.type_name(), Arc::clone(&state.name), text), over_limit)
                        }
                    };
                    let entered = self.emit_on(thread, body);
                    if over_limit {
                        if thread.path.is_empty() {
                            self.redrive_from = Some((name.clone(), input.clone()));
                        }
                        thread.at = At::Failed {
                failed_task: None,
                resume_at: None,
                            failure: Failure::new(
                                "States.DataLimitExceeded",
                                format!(
                                    "The state/task '{name}' has an input with a size exceeding the maximum number of bytes service limit."
                                ),
                            )
                            .into(),
                        };
                        return;
                    }
                    let token = wants_token(state).then(|| new_token(self.execution_arn, self.env));
                    let attempt = Attempt {
                        state: name,
                        input,
                        entered_event: entered,
                        before_entered: before,
                        // Read only through the context object: the clock is read only for
                        // states that can read it.
                        entered_millis: if state.reads_context { self.env.now_millis() } else { 0 },
                        retry_counts: vec![0; state.retriers.len()],
                        attempts: 0,
                        token,
                        phase: Phase::Ready,
                    };
                    thread.at = At::Run(match self.spare_attempt.take() {
                        Some(mut spare) => {
                            *spare = attempt;
                            spare
                        }
                        None => Box::new(attempt),
                    });
                    // Evaluated at once, without looking the state up again (unless its
                    // entered event was one too many).
                    if !self.over_limit {
                        self.begin(thread, state);
                    }
                }
                At::Run(attempt) => {
                    let Some(state) = self.state(&thread.path, &attempt.state) else { return };
                    match &attempt.phase {
                        Phase::Ready => self.begin(thread, state),
                        Phase::Backoff { .. } | Phase::Waiting { .. } | Phase::Task(_) => return,
                        Phase::Parallel { .. } => {
                            if !self.drive_parallel(thread, state) {
                                return;
                            }
                        }
                        Phase::Map(_) => {
                            if !self.drive_map(thread, state) {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }

    fn entry<'e>(
        &self,
        path: &[ScopeStep],
        variables: &'e Map<String, Value>,
        attempt: &Attempt,
        state: &'e State,
    ) -> Entry<'e> {
        let _ = path;
        self.entry_with(attempt.input.clone(), variables, attempt, state)
    }

    /// [`Decider::entry`] with the attempt's input handed over instead of copied (the caller
    /// takes it back from the entry).
    fn entry_with<'e>(
        &self,
        input: Value,
        variables: &'e Map<String, Value>,
        attempt: &Attempt,
        state: &'e State,
    ) -> Entry<'e> {
        // Building the context object costs more than many states' whole evaluation, so
        // it is built only for states that can read it.
        let context = if state.reads_context {
            let mut context = self.info.context(&state.name, attempt.entered_millis);
            if state.can_retry() {
                context.retry_count = Some(attempt.attempts);
            }
            context.task_token = attempt.token.clone();
            context.to_value()
        } else {
            Value::Null
        };
        Entry { state, input, context, variables, entered_event_id: Some(attempt.entered_event) }
    }

    /// Evaluates a ready state and moves it to its next phase.
    fn begin(&mut self, thread: &mut Thread, state: &State) {
        let step = {
            let At::Run(attempt) = &mut thread.at else { return };
            // The input is lent to the entry and taken back: no copy per state.
            let input = std::mem::take(&mut attempt.input);
            let mut entry = self.entry_with(input, &thread.variables, attempt, state);
            // A state whose output is its input unchanged takes the input along (it is
            // `null` here then): the attempt is over once it completes.
            let step = start_taking_input(&mut entry, self.env);
            attempt.input = entry.input;
            step
        };
        match step {
            Step::Complete(completion) => self.complete(thread, state, completion),
            Step::Fail(failure) => {
                self.note_evaluation_failure(thread, state, &failure);
                if !self.fail_map_run_reading(thread, state, &failure, None) {
                    self.map_started_before_tolerance(thread, state, &failure);
                }
                self.fail_attempt(thread, state, failure);
            }
            Step::Wait { until, completion } => {
                let now = self.env.now_millis();
                let delay = match &until {
                    _ if self.skip_waits => 0,
                    WaitUntil::Seconds(seconds) => i64::try_from(*seconds).unwrap_or(i64::MAX).saturating_mul(1000),
                    WaitUntil::Timestamp { instant, .. } => instant.to_millis().saturating_sub(now),
                };
                let key = self.timer(delay);
                if let At::Run(attempt) = &mut thread.at {
                    attempt.phase = Phase::Waiting {
                        key,
                        output: completion.output,
                        next: match completion.next {
                            Next::State(name) => Some(name),
                            Next::End => None,
                        },
                        assigned: completion.assigned,
                    };
                }
            }
            Step::Invoke { resource, arguments } => self.invoke(thread, state, resource, arguments),
            Step::Branches { input } => {
                let StateKind::Parallel { branches } = &state.kind else { return };
                let started = self.emit_on(thread, EventBody::bare("ParallelStateStarted"));
                // Redriven, the branches that succeeded keep their outputs and do not run.
                // The others resume where they stopped.
                let mut kept =
                    self.redrive_outputs.take_if(|kept| thread.path.is_empty() && kept.state.as_str() == &*state.name);
                let threads = branches
                    .iter()
                    .enumerate()
                    .map(|(index, branch)| {
                        let (at, variables) = kept.as_mut().and_then(|kept| kept.take(index)).unwrap_or_else(|| {
                            let at = At::Enter {
                                state: branch.start_at.clone(),
                                input: input.clone(),
                                measured: false,
                                text: None,
                            };
                            (at, None)
                        });
                        Thread {
                            path: nested_path(&thread.path, &state.name, index),
                            last: started,
                            variables: variables.unwrap_or_else(|| thread.variables.clone()),
                            muted: thread.muted,
                            at,
                        }
                    })
                    .collect();
                if let At::Run(attempt) = &mut thread.at {
                    attempt.phase = Phase::Parallel { branches: threads };
                }
            }
            Step::Items { items, config } => self.start_map(thread, state, items, &config, false),
            Step::ReadItems { reader, config } => {
                let selected = self.items.read_items(&reader).and_then(|items| {
                    let At::Run(attempt) = &thread.at else { return Ok(Vec::new()) };
                    let entry = self.entry(&thread.path, &thread.variables, attempt, state);
                    select_items(&entry, items, self.env)
                });
                match selected {
                    Ok(items) => self.start_map(thread, state, items, &config, true),
                    Err(failure) => {
                        self.fail_map_run_reading(thread, state, &failure, Some(&config));
                        self.fail_attempt(thread, state, failure);
                    }
                }
            }
        }
    }

    /// AWS reads a Map state's `ToleratedFailure…` fields after it has started it (recorded:
    /// `MapStateStarted` with the number of items, then the failure), while every other
    /// field is read before. When those fields fail, the start is recorded first.
    fn map_started_before_tolerance(&mut self, thread: &mut Thread, state: &State, failure: &Failure) {
        let StateKind::Map { .. } = state.kind else { return };
        if !failure.cause.as_deref().is_some_and(|cause| cause.contains("ToleratedFailure")) {
            return;
        }
        let mut without_tolerance = state.clone();
        without_tolerance.fields.retain(|name, _| !name.starts_with("ToleratedFailure"));
        let step = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, &without_tolerance);
            start(&entry, self.env, None)
        };
        if let Step::Items { items, .. } = step {
            self.emit_on(thread, history::map_state_started(items.len()));
        }
    }

    /// A JSONata evaluation error is recorded as `EvaluationFailed` before the state fails.
    fn note_evaluation_failure(&mut self, thread: &mut Thread, state: &State, failure: &Failure) {
        if failure.error.as_deref() != Some("States.QueryEvaluationError") || thread.muted {
            return;
        }
        let At::Run(attempt) = &thread.at else { return };
        let previous =
            if matches!(state.kind, StateKind::Wait) { attempt.entered_event } else { attempt.before_entered };
        let id = self.emit(previous, history::evaluation_failed(&state.name, failure));
        thread.last = id;
    }

    fn invoke(&mut self, thread: &mut Thread, state: &State, resource: String, arguments: Value) {
        let resource = TaskResource::parse(&resource);
        let timeouts = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            let read = seconds_field(&entry, "TimeoutSeconds")
                .and_then(|timeout| Ok((timeout, seconds_field(&entry, "HeartbeatSeconds")?)));
            match read {
                Ok((timeout_seconds, heartbeat_seconds)) => TaskTimeouts { timeout_seconds, heartbeat_seconds },
                Err(error) => {
                    let failure = entry.failure(error);
                    self.fail_attempt(thread, state, failure);
                    return;
                }
            }
        };
        let credentials = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            match task_credentials(&entry, self.env) {
                Ok(credentials) => credentials,
                Err(error) => {
                    let failure = entry.failure(error);
                    self.fail_attempt(thread, state, failure);
                    return;
                }
            }
        };
        if let history::TaskEvents::Activity { resource: activity } = &resource.events
            && !self.activities.exists(activity)
        {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            let failure = entry.failure(asl::eval::EvalError::new(
                "States.Runtime",
                format!("The activity {activity} does not exist."),
            ));
            self.fail_attempt(thread, state, failure);
            return;
        }
        let region = self.info.region.clone();
        let scheduled = resource.events.scheduled(&region, &arguments, timeouts).with_task_credentials(credentials);
        self.emit_on(thread, scheduled);
        let is_activity = matches!(resource.events, history::TaskEvents::Activity { .. });
        let key = self.key();
        let token = match &thread.at {
            At::Run(attempt) => attempt.token.clone(),
            _ => None,
        };
        let token = if is_activity { Some(new_token(self.execution_arn, self.env)) } else { token };
        if !is_activity {
            self.emit_on(thread, resource.events.started(None));
        }
        let timeout_key = timeouts.timeout_seconds.map(|seconds| self.timer(seconds_to_millis(seconds as f64)));
        let heartbeat_key = timeouts.heartbeat_seconds.map(|seconds| self.timer(seconds_to_millis(seconds as f64)));
        let counter = self.invocations.entry(state.name.to_string()).or_insert(0);
        let invocation = *counter;
        *counter += 1;
        self.decision.actions.push(Action::Invoke(TaskRequest {
            invocation,
            key,
            state_name: state.name.to_string(),
            resource: resource.clone(),
            arguments: arguments.clone(),
            token,
            timeout_seconds: timeouts.timeout_seconds,
            heartbeat_seconds: timeouts.heartbeat_seconds,
            skip_waits: self.skip_waits,
        }));
        if let At::Run(attempt) = &mut thread.at {
            attempt.phase = Phase::Task(Box::new(TaskWait {
                key,
                resource,
                arguments,
                started: !is_activity,
                timeout_key,
                heartbeat_key,
                heartbeat_seconds: timeouts.heartbeat_seconds,
            }));
        }
    }

    /// The state completed: record its exit and move the thread on.
    fn complete(&mut self, thread: &mut Thread, state: &State, completion: Completion) {
        // Recorded, the output is printed once: for its size and for the event.
        let output_text = self.recording.then(|| compact(&completion.output));
        let size = output_text.as_ref().map_or_else(|| payload_size(&completion.output), String::len);
        if size > PAYLOAD_LIMIT_BYTES {
            self.remember_failure_point(thread);
            thread.at = At::Failed {
                failed_task: None,
                resume_at: None,
                failure: Failure::new(
                    "States.DataLimitExceeded",
                    format!(
                        "The state/task '{}' has an output with a size exceeding the maximum number of bytes service limit.",
                        state.name
                    ),
                )
                .into(),
            };
            return;
        }
        // The next state's entered event shows the same text: printed once, copied.
        let carried = match (&output_text, &completion.next) {
            (Some(text), Next::State(_)) => Some(text.clone()),
            _ => None,
        };
        let body = match output_text {
            Some(text) => {
                history::state_exited_text(state.type_name(), Arc::clone(&state.name), text, &completion.assigned)
            }
            None => EventBody::unrecorded(),
        };
        self.emit_on(thread, body);
        if self.recording && carried.is_some() && !thread.muted {
            // The next state is entered in the same instant.
            self.exited_at = self.decision.events.last().map(|event| event.timestamp_millis);
        }
        variables::apply(&mut thread.variables, &completion.assigned);
        let next = match completion.next {
            Next::State(name) => At::Enter { state: name, input: completion.output, measured: true, text: carried },
            Next::End => At::Done { output: completion.output },
        };
        if let At::Run(attempt) = std::mem::replace(&mut thread.at, next) {
            self.spare_attempt = Some(attempt);
        }
    }

    /// The attempt failed: retry, catch, or fail the thread.
    fn fail_attempt(&mut self, thread: &mut Thread, state: &State, failure: Failure) {
        let failing_map_run = self.failing_map_run.take();
        let failing_outputs = self.failing_outputs.take();
        let recovery = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            recover(&entry, failure, &attempt.retry_counts, self.env)
        };
        match recovery {
            Recovery::Retry { retrier, delay_seconds } => {
                let full_jitter = state.retriers.get(retrier).is_some_and(|retrier| retrier.full_jitter);
                let delay = if self.skip_waits {
                    0.0
                } else if full_jitter {
                    delay_seconds * self.env.random()
                } else {
                    delay_seconds
                };
                let key = self.timer(seconds_to_millis(delay));
                if let At::Run(attempt) = &mut thread.at {
                    if let Some(count) = attempt.retry_counts.get_mut(retrier) {
                        *count += 1;
                    }
                    attempt.attempts += 1;
                    attempt.phase = Phase::Backoff { key };
                }
            }
            Recovery::Catch { completion, .. } => {
                self.state_failed_event(thread, state);
                self.complete(thread, state, completion);
            }
            Recovery::Fail { failure, .. } => {
                // A runtime error ends the execution at once: AWS records no
                // `MapStateFailed` / `ParallelStateFailed` for it.
                if failure.error.as_deref() != Some("States.Runtime") {
                    self.state_failed_event(thread, state);
                }
                self.remember_failure_point(thread);
                // What a redrive of this state keeps (a top-level Map's run, Parallel's branches).
                if thread.path.is_empty() {
                    self.redrive_map_run = failing_map_run;
                    self.redrive_outputs = failing_outputs;
                }
                let failed_task = matches!(state.kind, StateKind::Task).then(|| state.name.to_string());
                let resume_at = match &thread.at {
                    At::Run(attempt) if !thread.path.is_empty() => Some((attempt.state.clone(), attempt.input.clone())),
                    _ => None,
                };
                thread.at = At::Failed { failure: failure.into(), failed_task, resume_at };
            }
        }
    }

    /// `ParallelStateFailed` / `MapStateFailed`, once it is known the attempt is not retried.
    fn state_failed_event(&mut self, thread: &mut Thread, state: &State) {
        let event_type = match state.kind {
            StateKind::Parallel { .. } => "ParallelStateFailed",
            StateKind::Map { .. } => "MapStateFailed",
            _ => return,
        };
        self.emit_on(thread, EventBody::bare(event_type));
    }

    // -- Parallel ------------------------------------------------------------------------

    /// Drives the branches; returns true when the state moved on (completed or failed).
    fn drive_parallel(&mut self, thread: &mut Thread, state: &State) -> bool {
        let mut branches = match &mut thread.at {
            At::Run(attempt) => match &mut attempt.phase {
                Phase::Parallel { branches } => std::mem::take(branches),
                _ => return false,
            },
            _ => return false,
        };
        for branch in &mut branches {
            self.drive(branch);
            if matches!(branch.at, At::Failed { .. }) {
                break;
            }
        }
        let failed = branches.iter().find_map(|branch| match &branch.at {
            At::Failed { failure, .. } => Some(Failure::from(failure)),
            _ => None,
        });
        if let Some(failure) = failed {
            // The branch that failed; the others' running states are aborted, linked to the
            // event that failed it, and then the failed Task (AWS's order and links).
            let failing = branches.iter().find(|branch| matches!(branch.at, At::Failed { .. }));
            let cause = failing.map_or(thread.last, |branch| branch.last);
            for branch in &branches {
                self.cancel_all(branch);
                self.abort_running_state(branch, cause);
            }
            if let Some(branch) = failing {
                self.abort_failed_task(branch, cause);
            }
            thread.last = branches.iter().map(|branch| branch.last).max().unwrap_or(thread.last).max(thread.last);
            if let At::Run(attempt) = &mut thread.at {
                attempt.phase = Phase::Ready;
            }
            if thread.path.is_empty() {
                self.failing_outputs = Some(KeptOutputs::of(&state.name, branches.iter().map(Some)));
            }
            let failure = if failure.is_terminal() {
                failure
            } else {
                Failure { error: failure.error.clone(), cause: failure.cause.clone() }
            };
            self.fail_attempt(thread, state, failure);
            return true;
        }
        if branches.iter().all(|branch| matches!(branch.at, At::Done { .. })) {
            thread.last = branches.iter().map(|branch| branch.last).max().unwrap_or(thread.last).max(thread.last);
            let outputs: Vec<Value> = branches
                .into_iter()
                .map(|branch| match branch.at {
                    At::Done { output } => output,
                    _ => Value::Null,
                })
                .collect();
            let side = self.emit_side(thread, EventBody::bare("ParallelStateSucceeded"));
            let _ = side;
            self.finish_with(thread, state, Value::Array(outputs));
            return true;
        }
        if let At::Run(attempt) = &mut thread.at {
            attempt.phase = Phase::Parallel { branches };
        }
        false
    }

    /// A Parallel or Map state got its result: apply its output processing.
    fn finish_with(&mut self, thread: &mut Thread, state: &State, result: Value) {
        let outcome = {
            let At::Run(attempt) = &thread.at else { return };
            let entry = self.entry(&thread.path, &thread.variables, attempt, state);
            finish(&entry, result, self.env, None)
        };
        if let At::Run(attempt) = &mut thread.at {
            attempt.phase = Phase::Ready;
        }
        match outcome {
            Ok(completion) => self.complete(thread, state, completion),
            Err(failure) => {
                self.note_evaluation_failure(thread, state, &failure);
                self.fail_attempt(thread, state, failure);
            }
        }
    }

    /// `TaskStateAborted`, `WaitStateAborted`, `MapStateAborted` or `ParallelStateAborted`
    /// for the state `thread` is in, which its enclosing Parallel or Map aborted; `cause` is
    /// the event that failed the enclosing state, which AWS links these events to.
    fn abort_running_state(&mut self, thread: &Thread, cause: u64) {
        let At::Run(attempt) = &thread.at else { return };
        let Some(state) = self.state(&thread.path, &attempt.state) else { return };
        let event_type = match state.kind {
            StateKind::Task => "TaskStateAborted",
            StateKind::Wait => "WaitStateAborted",
            StateKind::Map { .. } => "MapStateAborted",
            StateKind::Parallel { .. } => "ParallelStateAborted",
            _ => return,
        };
        if !thread.muted {
            self.emit(cause, EventBody::bare(event_type));
        }
    }

    /// `TaskStateAborted` for the Task whose failure ended `thread` (a branch or an
    /// iteration), when its Parallel or Map fails because of it.
    fn abort_failed_task(&mut self, thread: &Thread, cause: u64) {
        if let At::Failed { failed_task: Some(_), .. } = &thread.at
            && !thread.muted
        {
            self.emit(cause, EventBody::bare("TaskStateAborted"));
        }
    }

    /// Cancels every task still running in `thread` (its state was aborted).
    fn cancel_all(&mut self, thread: &Thread) {
        let mut keys = Vec::new();
        task_keys(thread, &mut keys);
        for key in keys {
            self.decision.actions.push(Action::Cancel { key });
        }
    }
}

/// Finds the thread whose current attempt waits for `key`.
fn find(thread: &mut Thread, key: u64) -> Option<(&mut Thread, Found)> {
    let found = match &thread.at {
        At::Run(attempt) => match &attempt.phase {
            Phase::Backoff { key: timer } if *timer == key => Some(Found::Backoff),
            Phase::Waiting { key: timer, .. } if *timer == key => Some(Found::Waiting),
            Phase::Task(task) if task.key == key => Some(Found::Task),
            Phase::Task(task) if task.timeout_key == Some(key) => Some(Found::TaskTimeout),
            Phase::Task(task) if task.heartbeat_key == Some(key) => Some(Found::HeartbeatTimeout),
            _ => None,
        },
        _ => None,
    };
    if let Some(found) = found {
        return Some((thread, found));
    }
    let At::Run(attempt) = &mut thread.at else { return None };
    match &mut attempt.phase {
        Phase::Parallel { branches } => branches.iter_mut().find_map(|branch| find(branch, key)),
        Phase::Map(run) if run.writer_key == Some(key) || run.children.iter().any(|child| child.key == key) => None,
        Phase::Map(run) => run.running.iter_mut().find_map(|iteration| find(&mut iteration.thread, key)),
        _ => None,
    }
}

/// The keys of every task in flight under `thread`.
pub fn task_keys(thread: &Thread, keys: &mut Vec<u64>) {
    let At::Run(attempt) = &thread.at else { return };
    match &attempt.phase {
        Phase::Task(task) => keys.push(task.key),
        Phase::Parallel { branches } => branches.iter().for_each(|branch| task_keys(branch, keys)),
        Phase::Map(run) => {
            keys.extend(run.children.iter().map(|child| child.key));
            keys.extend(run.writer_key);
            run.running.iter().for_each(|iteration| task_keys(&iteration.thread, keys));
        }
        _ => {}
    }
}

fn nested_path(path: &[ScopeStep], state: &str, branch: usize) -> Vec<ScopeStep> {
    let mut nested = path.to_vec();
    nested.push(ScopeStep { state: state.to_string(), branch });
    nested
}

fn seconds_to_millis(seconds: f64) -> i64 {
    (seconds * 1000.0).round().clamp(0.0, i64::MAX as f64) as i64
}

/// The size AWS counts: the length of the payload's UTF-8 JSON text, counted without
/// building the text.
pub fn payload_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => 0,
    }
}

fn data_limit_name(resource: &TaskResource) -> String {
    match &resource.events {
        history::TaskEvents::Service { resource_type, .. } => resource_type.clone(),
        history::TaskEvents::Lambda { resource } | history::TaskEvents::Activity { resource } => resource.clone(),
    }
}

/// Whether a Task state gets a task token before its parameters are evaluated.
fn wants_token(state: &State) -> bool {
    matches!(state.kind, StateKind::Task)
        && state.field("Resource").and_then(Value::as_str).is_some_and(|resource| TaskResource::parse(resource).waits())
}

/// What a task token holds before it is encoded: this, the execution's ARN, this again and
/// 96 random hexadecimal digits.
const TOKEN_SEPARATOR: char = '|';

/// A task token: long, random and opaque to its holder, like AWS's, but readable by the
/// engine: URL-safe base64 of the execution's ARN and 96 random hexadecimal digits, so a token
/// whose task has closed can be told from one the engine never gave ([`token_execution`]).
fn new_token(execution_arn: &str, env: &mut dyn Environment) -> String {
    let mut text = String::with_capacity(execution_arn.len() + 97);
    text.push_str(execution_arn);
    text.push(TOKEN_SEPARATOR);
    for _ in 0..3 {
        text.push_str(&env.uuid().replace('-', ""));
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// The execution ARN a token made by [`new_token`] carries; `None` for any other text.
pub fn token_execution(token: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (execution_arn, random) = text.rsplit_once(TOKEN_SEPARATOR)?;
    let random_ok = random.len() == 96 && random.bytes().all(|byte| byte.is_ascii_hexdigit());
    (random_ok && execution_arn.starts_with("arn:")).then(|| execution_arn.to_string())
}

/// A Task state's `Credentials`, evaluated like its parameters (JSONPath `RoleArn.$` paths,
/// intrinsics and variables, or JSONata), as the scheduling event shows them:
/// `{"roleArn": …}`.
fn task_credentials(entry: &Entry<'_>, env: &mut dyn Environment) -> Result<Option<Value>, asl::eval::EvalError> {
    let Some(template) = entry.state.field("Credentials") else { return Ok(None) };
    let credentials = if entry.state.language == asl::validate::QueryLanguage::Jsonata {
        let states = asl::eval::expression::States::new(entry.input.clone(), entry.context.clone());
        let scope = asl::eval::expression::ExpressionScope::new(entry.variables, &states);
        asl::eval::expression::evaluate_template(template, "Credentials", &scope, env)?
    } else {
        let scope = asl::eval::PathScope { input: &entry.input, context: &entry.context, variables: entry.variables };
        asl::eval::jsonpath::payload_template(template, &scope, env)?
    };
    Ok(credentials.get("RoleArn").map(|role_arn| serde_json::json!({ "roleArn": role_arn })))
}

/// `TimeoutSeconds` / `HeartbeatSeconds`, or their `…Path` forms read from the input; a
/// path that names nothing is an error (recorded: `States.Runtime`, "Invalid path …").
fn seconds_field(entry: &Entry<'_>, name: &str) -> Result<Option<u64>, asl::eval::EvalError> {
    if let Some(value) = entry.state.field(name).and_then(Value::as_u64) {
        return Ok(Some(value));
    }
    let Some(path) = entry.state.field(&format!("{name}Path")).and_then(Value::as_str) else { return Ok(None) };
    let scope = asl::eval::PathScope { input: &entry.input, context: &entry.context, variables: entry.variables };
    asl::eval::jsonpath::read_required(path, &scope).map(|value| value.as_u64())
}

mod map;
mod redrive;

#[cfg(test)]
mod tests;

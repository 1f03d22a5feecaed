//! The execution engine: runs state machines with AWS's semantics. [`decide`] is the pure
//! core that advances an execution; the [`Engine`] here is the driver. It stores each
//! decision (Standard executions durably in SQLite through [`store`], Express ones in
//! memory), keeps the timers, hands tasks to their backends (mocks, activity workers,
//! callbacks) and feeds their outcomes back as signals, one at a time per execution.

pub mod backends;
pub mod decide;
pub mod history;
pub mod items;
pub mod mock;
pub mod results;
pub mod store;
pub mod task;
pub mod test_runs;

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock},
    time::Duration,
};

use rand::Rng;
use serde_json::Value;
use sqlx::SqlitePool;
use tokio::sync::{Notify, broadcast, oneshot};

use asl::eval::{Environment, context::ExecutionInfo, failure::Failure, machine::Machine};

use decide::{Action, Context, Decision, NoItems, Signal, Snapshot, Status, TaskRequest};
use history::{HistoryEvent, TaskEvents};
use mock::{MockConfig, MockMiss, MockOutcome};
use store::{ExecutionRecord, SqliteStore, StoreError};
use task::Pattern;

/// Engine failures a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The definition cannot be run.
    #[error("the definition cannot be run: {0}")]
    Definition(String),
    /// An execution with this name exists (its ARN is given).
    #[error("execution already exists: {0}")]
    ExecutionAlreadyExists(String),
    /// No such execution.
    #[error("execution does not exist: {0}")]
    ExecutionDoesNotExist(String),
    /// The token is not one this engine gave (AWS's `InvalidToken`).
    #[error("the task token is not one this engine gave")]
    InvalidToken,
    /// The token's task has closed: it succeeded, failed or timed out, or its execution
    /// ended (AWS's `TaskTimedOut`).
    #[error("the task no longer exists (it was answered, timed out or its execution ended)")]
    TaskTimedOut,
    /// RedriveExecution refused: the reason says why.
    #[error("{0}")]
    ExecutionNotRedrivable(String),
    /// No such Map Run.
    #[error("Map Run does not exist: {0}")]
    MapRunDoesNotExist(String),
    /// UpdateMapRun on a Map Run that has ended (its ARN and status).
    #[error("Map Run '{0}' is {1}; only a running Map Run can be updated.")]
    MapRunNotRunning(String, String),
}

/// How many parsed definitions the engine keeps, by their text.
const MACHINES_CACHED: usize = 256;

/// Standard (durable) or Express (in memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecutionType {
    /// Durable, exactly-once.
    Standard,
    /// In memory, lost on restart.
    Express,
}

/// Who redrives an execution: a caller may not redrive a Map Run's child on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Redriver {
    /// RedriveExecution, the executions page.
    Caller,
    /// A redriven Map Run, for its children that did not succeed.
    MapRun,
}

/// Where the engine runs and what its task backends use.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// `aws`.
    pub partition: String,
    /// The region in ARNs.
    pub region: String,
    /// The account in ARNs.
    pub account: String,
    /// The MockConfigFile (`SFN_MOCK_CONFIG`).
    pub mocks: Option<Arc<MockConfig>>,
    /// A Lambda-Invoke-compatible endpoint (`sam local start-lambda`'s, for one) that Lambda
    /// tasks call when no mock answers them (`STATEHOUSE_LAMBDA_ENDPOINT`). None: they fail.
    pub lambda_endpoint: Option<String>,
    /// Whether Express executions record their history (for the views); AWS keeps none.
    pub express_history: bool,
    /// The folder that stands in for S3 for Map ItemReaders and ResultWriters (`BUCKET/KEY`
    /// under it).
    pub s3_root: Option<std::path::PathBuf>,
    /// How mocks are given to this engine: what the failure of a Task with no mock advises.
    pub mock_source: MockSource,
}

/// How a person gives the engine its mocks, so that a Task with none can say how to add one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MockSource {
    /// The server: a MockConfigFile in `SFN_MOCK_CONFIG`, executions started as
    /// `STATE_MACHINE_ARN#TEST_CASE`, and Lambda tasks may call `STATEHOUSE_LAMBDA_ENDPOINT`.
    #[default]
    Server,
    /// `statehouse run`: `--mocks FILE` and `--test-case CASE` (it has no Lambda endpoint).
    CommandLine,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            mocks: None,
            lambda_endpoint: None,
            express_history: true,
            s3_root: None,
            mock_source: MockSource::Server,
        }
    }
}

/// A request to start an execution.
#[derive(Clone, Debug)]
pub struct StartRequest {
    /// The state machine's ARN.
    pub state_machine_arn: String,
    /// The state machine's name.
    pub state_machine_name: String,
    /// The execution's name.
    pub name: String,
    /// The definition.
    pub definition: String,
    /// The input.
    pub input: Value,
    /// The input as it was sent, when it was sent as text.
    pub input_text: Option<String>,
    /// The role.
    pub role_arn: String,
    /// Standard or Express.
    pub kind: ExecutionType,
    /// The MockConfigFile test case.
    pub test_case: Option<String>,
    /// The Map Run it is a child execution of.
    pub map_run_arn: Option<String>,
    /// As a Map Run's child, how many of the run's items it runs (more than one when an
    /// `ItemBatcher` batches them).
    pub item_count: Option<u32>,
    /// The version and alias it starts through (recorded with it, for DescribeExecution).
    pub qualifiers: Qualifiers,
    /// Whether its Wait states and Retry intervals end at once (test runs only).
    pub skip_waits: bool,
}

/// An execution as the API describes it.
#[derive(Clone, Debug)]
pub struct ExecutionView {
    /// Identity and definition.
    pub record: ExecutionRecord,
    /// Where it stands.
    pub status: Status,
}

/// A started execution: its ARN, where its first decision left it, and its start time.
#[derive(Clone, Debug)]
pub struct Started {
    /// The execution's ARN.
    pub arn: String,
    /// Where it stands after its first decision (a Pass chain may already have ended).
    pub status: Status,
    /// Its start time in milliseconds since the Unix epoch (DescribeExecution's `startDate`).
    pub start_millis: i64,
}

/// The version and alias an execution started through (DescribeExecution shows both).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Qualifiers {
    /// `stateMachineVersionArn`.
    pub version_arn: Option<String>,
    /// `stateMachineAliasArn`.
    pub alias_arn: Option<String>,
}

/// An execution started, ended or was redriven, or one of its Map Runs started, ended or was
/// redriven (`status` is then the execution's own, `RUNNING`): what live views are told (see
/// [`Engine::subscribe`]). Sent after the change is committed, so a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionChange {
    /// The execution.
    pub arn: String,
    /// Its state machine.
    pub state_machine_arn: String,
    /// Its status now: `RUNNING`, `SUCCEEDED`, …
    pub status: &'static str,
    /// The Map Run it is a child execution of.
    pub map_run_arn: Option<String>,
    /// Standard or Express.
    pub kind: ExecutionType,
}

/// How many changes a slow subscriber may fall behind before it is told it lagged.
const CHANGES_BUFFERED: usize = 1_024;

/// Something that takes `.waitForTaskToken` tasks before the engine's own backends do (the
/// approval portal takes those whose target is one of its channels). Called after the
/// decision that scheduled the task is committed, and again for every task still waiting
/// after a restart, so it must be idempotent by token.
pub trait TaskInterceptor: Send + Sync {
    /// Whether it took the task: the engine then leaves it waiting for its callback.
    fn intercept(&self, execution: &ExecutionRecord, request: &TaskRequest) -> bool;
}

/// The engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Engine").finish_non_exhaustive()
    }
}

struct Inner {
    store: SqliteStore,
    /// The database, for the backends' reads of the API's tables (`state_machines`).
    pool: SqlitePool,
    settings: EngineSettings,
    machines: Mutex<FastMap<String, Arc<Machine>>>,
    locks: Mutex<FastMap<String, Arc<tokio::sync::Mutex<()>>>>,
    express: Mutex<FastMap<String, Box<ExpressExecution>>>,
    express_tokens: Mutex<FastMap<String, (String, u64)>>,
    timers: Mutex<BinaryHeap<Reverse<(i64, String, u64)>>>,
    timer_wake: Notify,
    activities: Mutex<HashMap<String, VecDeque<ActivityTask>>>,
    activity_wake: Notify,
    /// The activities that exist, once [`Engine::recover`] has read them.
    known_activities: RwLock<KnownActivities>,
    waiters: Mutex<FastMap<String, Vec<oneshot::Sender<Status>>>>,
    /// Finished Express executions kept for the views, oldest first.
    express_finished: Mutex<FinishedExpress>,
    /// The last Standard executions to finish, as DescribeExecution shows them.
    finished: Mutex<FinishedExecutions>,
    /// Takes `.waitForTaskToken` tasks first (the approval portal), once set.
    interceptor: std::sync::OnceLock<Arc<dyn TaskInterceptor>>,
    /// Executions that started, ended or were redriven, for live views.
    changes: broadcast::Sender<ExecutionChange>,
    /// The designer's test runs' mocks by test case (`test_runs.rs`).
    test_mocks: Mutex<FastMap<String, Arc<MockConfig>>>,
}

/// The activities that exist, as the decider asks about them. Until they are loaded (an
/// engine that never ran [`Engine::recover`]), every activity counts as existing.
#[derive(Debug, Default)]
struct KnownActivities {
    loaded: bool,
    arns: std::collections::HashSet<String>,
}

impl decide::Activities for KnownActivities {
    fn exists(&self, arn: &str) -> bool {
        !self.loaded || self.arns.contains(arn)
    }
}

/// A hash map keyed by ARNs or definitions, with a fast randomly seeded hasher.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How many finished Standard executions DescribeExecution answers from memory.
pub const FINISHED_REMEMBERED: usize = 4_096;

/// The last [`FINISHED_REMEMBERED`] Standard executions to finish, as committed. A finished
/// execution changes again only when it is redriven, and a redrive forgets it first; so
/// these answer DescribeExecution as the store would, without a read.
#[derive(Debug, Default)]
struct FinishedExecutions {
    views: FastMap<String, (ExecutionView, Qualifiers)>,
    order: VecDeque<String>,
}

impl FinishedExecutions {
    fn get(&self, arn: &str) -> Option<(ExecutionView, Qualifiers)> {
        self.views.get(arn).cloned()
    }

    fn remember(&mut self, view: ExecutionView, qualifiers: Qualifiers) {
        let arn = view.record.arn.clone();
        if self.views.insert(arn.clone(), (view, qualifiers)).is_none() {
            self.order.push_back(arn);
        }
        while self.order.len() > FINISHED_REMEMBERED {
            if let Some(oldest) = self.order.pop_front() {
                self.views.remove(&oldest);
            }
        }
    }

    fn forget(&mut self, arn: &str) {
        if self.views.remove(arn).is_some() {
            self.order.retain(|kept| kept != arn);
        }
    }
}

/// How many finished Express executions stay in memory for DescribeExecution and the views.
pub const EXPRESS_RETAINED: usize = 1_000;

/// How many history events the finished Express executions kept in memory may hold in all
/// (about 1 KB each). An Express execution has no 25,000-event limit: 1,000 long loops kept
/// whole would take tens of gigabytes. The newest execution is kept whatever its size.
pub const EXPRESS_RETAINED_EVENTS: usize = 250_000;

/// Histories at least this long are freed on a blocking thread, not by the execution that
/// pushed them out: freeing a 10,000-iteration loop's 40,000 events takes milliseconds.
const FREED_APART_EVENTS: usize = 10_000;

/// Frees finished Express executions no longer kept, outside every lock; long histories on a
/// blocking thread when there is a runtime to run one. (Freeing short ones in batches on a
/// blocking thread was measured, and was slower: mimalloc's frees from another thread cost more.)
#[expect(clippy::vec_box, reason = "they come out of the map boxed; unboxing would copy each")]
fn forget_express(forgotten: Vec<Box<ExpressExecution>>) {
    let long = forgotten.iter().map(|execution| execution.events.len()).sum::<usize>() >= FREED_APART_EVENTS;
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if long => {
            runtime.spawn_blocking(move || drop(forgotten));
        }
        _ => drop(forgotten),
    }
}

/// The finished Express executions kept in memory, oldest first, with their event counts.
#[derive(Default)]
struct FinishedExpress {
    order: VecDeque<(String, usize)>,
    events: usize,
}

impl FinishedExpress {
    /// Adds a finished execution; returns those to forget, oldest first, to stay within
    /// [`EXPRESS_RETAINED`] executions and [`EXPRESS_RETAINED_EVENTS`] events.
    fn push(&mut self, arn: String, events: usize) -> Vec<String> {
        self.order.push_back((arn, events));
        self.events += events;
        let mut forgotten = Vec::new();
        while self.order.len() > 1
            && (self.order.len() > EXPRESS_RETAINED || self.events > EXPRESS_RETAINED_EVENTS)
            && let Some((oldest, count)) = self.order.pop_front()
        {
            self.events -= count;
            forgotten.push(oldest);
        }
        forgotten
    }
}

struct ExpressExecution {
    record: ExecutionRecord,
    qualifiers: Qualifiers,
    snapshot: Snapshot,
    events: Vec<HistoryEvent>,
    /// Counted among the finished ones kept ([`FinishedExpress`]): once, when it finished,
    /// not again for a signal that arrives after (a late callback).
    counted_finished: bool,
}

impl ExpressExecution {
    /// The execution as the views and Map Run results see it: a finished one's stop time is
    /// its last event's.
    fn view(&self) -> ExecutionView {
        let mut record = self.record.clone();
        if record.stop_millis.is_none() && self.snapshot.status.is_final() {
            record.stop_millis = self.events.last().map(|event| event.timestamp_millis);
        }
        ExecutionView { record, status: self.snapshot.status.clone() }
    }
}

#[derive(Clone, Debug)]
struct ActivityTask {
    token: String,
    execution_arn: String,
    key: u64,
    input: Value,
}

/// A task an activity worker took: its token and input.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityWork {
    /// The token to report back with.
    pub token: String,
    /// The input, as JSON.
    pub input: Value,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The real clock and a cryptographic random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealEnvironment;

impl Environment for RealEnvironment {
    fn random(&mut self) -> f64 {
        rand::rng().random::<f64>()
    }

    fn uuid(&mut self) -> String {
        let mut bytes: [u8; 16] = rand::rng().random();
        bytes[6] = (bytes[6] & 0x0F) | 0x40;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
        // 8-4-4-4-12 lowercase hex digits, written straight into one string.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(36);
        for (index, byte) in bytes.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                text.push('-');
            }
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
        }
        text
    }

    fn now_millis(&mut self) -> i64 {
        now_millis()
    }
}

/// Whether `events` change what live views show of an execution: its status
/// (`ExecutionStarted`, `ExecutionSucceeded`, `ExecutionRedriven`, …) or one of its Map Runs'
/// (`MapRunStarted`, `MapRunSucceeded`, `MapRunRedriven`, …), which its page and the Map
/// Run's page show while it goes on running.
fn status_changed(events: &[HistoryEvent]) -> bool {
    events.iter().any(|event| event.event_type.starts_with("Execution") || event.event_type.starts_with("MapRun"))
}

/// The news that `record` now stands at `status`.
fn change_of(record: &ExecutionRecord, kind: ExecutionType, status: &Status) -> ExecutionChange {
    ExecutionChange {
        arn: record.arn.clone(),
        state_machine_arn: record.state_machine_arn.clone(),
        status: status.name(),
        map_run_arn: record.map_run_arn.clone(),
        kind,
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

impl Engine {
    /// An engine over a migrated database.
    pub fn new(pool: SqlitePool, settings: EngineSettings) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                store: SqliteStore::new(pool.clone()),
                pool,
                settings,
                machines: Mutex::default(),
                locks: Mutex::default(),
                express: Mutex::default(),
                express_tokens: Mutex::default(),
                timers: Mutex::default(),
                timer_wake: Notify::new(),
                activities: Mutex::default(),
                activity_wake: Notify::new(),
                known_activities: RwLock::default(),
                waiters: Mutex::default(),
                express_finished: Mutex::default(),
                finished: Mutex::default(),
                interceptor: std::sync::OnceLock::new(),
                changes: broadcast::channel(CHANGES_BUFFERED).0,
                test_mocks: Mutex::default(),
            }),
        }
    }

    /// Sets the interceptor of `.waitForTaskToken` tasks (once; before [`Engine::recover`], so
    /// tasks still waiting from the last run reach it too). Returns false if one was set.
    pub fn set_interceptor(&self, interceptor: Arc<dyn TaskInterceptor>) -> bool {
        self.inner.interceptor.set(interceptor).is_ok()
    }

    /// Tells of every execution that starts, ends or is redriven from now on (and of each
    /// Map Run's start, end and redrive, as a change of its parent execution).
    pub fn subscribe(&self) -> broadcast::Receiver<ExecutionChange> {
        self.inner.changes.subscribe()
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// Picks up where the last process stopped: reloads the timers of running Standard
    /// executions and hands their tasks in flight back to their backends. Returns how many
    /// executions are running.
    pub async fn recover(&self) -> Result<usize, EngineError> {
        self.load_test_mocks().await?;
        let activities = self.inner.store.activities().await?;
        *self.inner.known_activities.write().unwrap_or_else(PoisonError::into_inner) =
            KnownActivities { loaded: true, arns: activities.into_iter().collect() };
        let timers = self.inner.store.timers().await?;
        {
            let mut heap = lock(&self.inner.timers);
            for (arn, key, due) in timers {
                heap.push(Reverse((due, arn, key)));
            }
        }
        self.inner.timer_wake.notify_one();
        for task in self.inner.store.tasks().await? {
            if task.started && matches!(task.request.resource.events, TaskEvents::Activity { .. }) {
                continue; // a worker has it; its heartbeat or timeout decides
            }
            let Some((record, ..)) = self.inner.store.load(&task.execution_arn).await? else { continue };
            self.dispatch(&record, task.request);
        }
        Ok(self.inner.store.running().await?.len())
    }

    /// Runs the timer loop until the process ends.
    pub fn spawn_timer_loop(&self) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move { engine.timer_loop().await })
    }

    async fn timer_loop(&self) {
        loop {
            let next_due = lock(&self.inner.timers).peek().map(|Reverse((due, _, _))| *due);
            let now = now_millis();
            match next_due {
                Some(due) if due <= now => {
                    let mut fired = Vec::new();
                    {
                        let mut heap = lock(&self.inner.timers);
                        while heap.peek().is_some_and(|Reverse((due, _, _))| *due <= now) {
                            if let Some(Reverse((_, arn, key))) = heap.pop() {
                                fired.push((arn, key));
                            }
                        }
                    }
                    for (arn, key) in fired {
                        let engine = self.clone();
                        tokio::spawn(async move {
                            if let Err(error) = engine.signal(&arn, Signal::Timer { key }).await {
                                tracing::error!(%arn, key, %error, "a timer could not be applied");
                            }
                        });
                    }
                }
                Some(due) => {
                    let wait = Duration::from_millis(u64::try_from(due - now).unwrap_or(0));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.inner.timer_wake.notified() => {}
                    }
                }
                None => self.inner.timer_wake.notified().await,
            }
        }
    }

    fn machine(&self, definition: &str) -> Result<Arc<Machine>, EngineError> {
        if let Some(machine) = lock(&self.inner.machines).get(definition) {
            return Ok(machine.clone());
        }
        let value: Value = serde_json::from_str(definition)
            .map_err(|error| EngineError::Definition(format!("the definition is not JSON: {error}")))?;
        let machine =
            Arc::new(Machine::from_value(&value).map_err(|error| EngineError::Definition(error.to_string()))?);
        let mut machines = lock(&self.inner.machines);
        if machines.len() >= MACHINES_CACHED {
            // A cache, bounded: the designer's test runs bring a new definition with each
            // edit. One entry goes (any: a running execution's is parsed again if needed).
            if let Some(key) = machines.keys().next().cloned() {
                machines.remove(&key);
            }
        }
        machines.insert(definition.to_string(), machine.clone());
        Ok(machine)
    }

    fn info(&self, record: &ExecutionRecord, state_machine_name: &str) -> ExecutionInfo {
        let settings = &self.inner.settings;
        ExecutionInfo {
            partition: settings.partition.clone(),
            region: settings.region.clone(),
            account: settings.account.clone(),
            state_machine_name: state_machine_name.to_string(),
            execution_name: record.name.clone(),
            role_arn: record.role_arn.clone(),
            start_time_millis: record.start_millis,
            input: record.input.clone(),
            input_text: Some(record.input_text.clone()),
            redrive_count: record.redrive_count,
            kind: asl::eval::context::ContextKind::Execution,
        }
    }

    /// The execution ARN for `name` under `state_machine_arn`.
    pub fn execution_arn(&self, state_machine_arn: &str, name: &str, kind: ExecutionType) -> String {
        let (kind_part, suffix) = match kind {
            ExecutionType::Standard => (":execution:", None),
            ExecutionType::Express => (":express:", Some(RealEnvironment.uuid())),
        };
        let mut arn = String::with_capacity(state_machine_arn.len() + name.len() + 48);
        match state_machine_arn.split_once(":stateMachine:") {
            Some((head, tail)) => {
                arn.push_str(head);
                arn.push_str(kind_part);
                arn.push_str(tail);
            }
            None => arn.push_str(state_machine_arn),
        }
        arn.push(':');
        arn.push_str(name);
        if let Some(uuid) = suffix {
            arn.push(':');
            arn.push_str(&uuid);
        }
        arn
    }

    /// Starts an execution and runs it as far as it goes without waiting. Returns its ARN
    /// and where it stands.
    pub async fn start(&self, request: StartRequest) -> Result<Started, EngineError> {
        let machine = self.machine(&request.definition)?;
        let arn = self.execution_arn(&request.state_machine_arn, &request.name, request.kind);
        let record = ExecutionRecord {
            arn: arn.clone(),
            state_machine_arn: request.state_machine_arn.clone(),
            name: request.name.clone(),
            input_text: request.input_text.unwrap_or_else(|| request.input.to_string()),
            input: request.input,
            definition: request.definition,
            role_arn: request.role_arn,
            start_millis: now_millis(),
            stop_millis: None,
            redrive_count: 0,
            redrive_millis: None,
            test_case: request.test_case,
            map_run_arn: request.map_run_arn,
            item_count: request.item_count,
        };
        // A Standard execution's ARN comes from its caller's name, so another start or a
        // signal can name it now: it is held from here. An Express execution's ARN ends in a
        // fresh UUID; nothing can reach it before this returns, except the effects of its first
        // decision, so it is held only if there are some (below).
        let mut held = match request.kind {
            ExecutionType::Standard => Some(self.hold(&arn).await),
            ExecutionType::Express => None,
        };
        let info = self.info(&record, &request.state_machine_name);
        let mut snapshot = Snapshot { map_children: true, skip_waits: request.skip_waits, ..Snapshot::default() };
        if request.kind == ExecutionType::Express {
            snapshot.history_limit = None;
            snapshot.record_history = self.inner.settings.express_history;
        }
        let mut env = RealEnvironment;
        let decision = self.with_outside(|items, activities| {
            decide::apply(
                Context { machine: &machine, info: &info, execution_arn: &arn, env: &mut env, items, activities },
                &mut snapshot,
                Signal::Start,
            )
        });
        let status = snapshot.status.clone();
        let start_millis = record.start_millis;
        match request.kind {
            ExecutionType::Standard => {
                match self.inner.store.insert(&record, &request.qualifiers, &snapshot, &decision).await {
                    Ok(()) => {}
                    Err(StoreError::AlreadyExists) => return Err(EngineError::ExecutionAlreadyExists(arn)),
                    Err(error) => return Err(error.into()),
                }
                self.remember_finished(&record, &request.qualifiers, &status, &decision);
                self.after(&record, request.kind, &status, decision);
            }
            ExecutionType::Express => {
                let execution = Box::new(ExpressExecution {
                    record,
                    qualifiers: request.qualifiers,
                    snapshot,
                    events: Vec::new(),
                    counted_finished: false,
                });
                if !decision.actions.is_empty() {
                    held = Some(self.hold(&arn).await);
                }
                self.keep_express(execution, decision);
            }
        }
        if let Some((handle, guard)) = held {
            drop(guard);
            self.release(&arn, handle);
        }
        Ok(Started { arn, status, start_millis })
    }

    /// Keeps a Standard execution that this committed decision finished, with its stop time
    /// as the store records it (the last event's).
    fn remember_finished(
        &self,
        record: &ExecutionRecord,
        qualifiers: &Qualifiers,
        status: &Status,
        decision: &Decision,
    ) {
        if !status.is_final() {
            return;
        }
        let mut record = record.clone();
        record.stop_millis = decision.events.last().map(|event| event.timestamp_millis).or(record.stop_millis);
        lock(&self.inner.finished).remember(ExecutionView { record, status: status.clone() }, qualifiers.clone());
    }

    /// Takes execution `arn`'s lock; give both back to [`Engine::release`] (the guard dropped
    /// first).
    async fn hold(&self, arn: &str) -> (Arc<tokio::sync::Mutex<()>>, tokio::sync::OwnedMutexGuard<()>) {
        let handle = self.lock_for(arn);
        let guard = handle.clone().lock_owned().await;
        (handle, guard)
    }

    fn lock_for(&self, arn: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.inner.locks).entry(arn.to_string()).or_default().clone()
    }

    fn release(&self, arn: &str, handle: Arc<tokio::sync::Mutex<()>>) {
        let mut locks = lock(&self.inner.locks);
        drop(handle);
        if locks.get(arn).is_some_and(|entry| Arc::strong_count(entry) == 1) {
            locks.remove(arn);
        }
    }

    /// Applies `signal` to execution `arn`. Returns where it stands afterwards.
    pub async fn signal(&self, arn: &str, signal: Signal) -> Result<Status, EngineError> {
        let lock_handle = self.lock_for(arn);
        let guard = lock_handle.lock().await;
        let result = self.signal_locked(arn, signal).await;
        drop(guard);
        self.release(arn, lock_handle);
        result
    }

    async fn signal_locked(&self, arn: &str, signal: Signal) -> Result<Status, EngineError> {
        let express = lock(&self.inner.express).remove(arn);
        if let Some(mut execution) = express {
            let decision = self.decide(&execution.record, &mut execution.snapshot, signal)?;
            let status = execution.snapshot.status.clone();
            self.keep_express(execution, decision);
            return Ok(status);
        }
        let Some((record, mut snapshot, qualifiers)) = self.inner.store.load(arn).await? else {
            return Err(EngineError::ExecutionDoesNotExist(arn.to_string()));
        };
        if snapshot.status.is_final() {
            return Ok(snapshot.status);
        }
        let decision = self.decide(&record, &mut snapshot, signal.clone())?;
        self.inner.store.commit(arn, &snapshot, &decision, &signal).await?;
        self.remember_finished(&record, &qualifiers, &snapshot.status, &decision);
        self.after(&record, ExecutionType::Standard, &snapshot.status, decision);
        Ok(snapshot.status)
    }

    fn decide(
        &self,
        record: &ExecutionRecord,
        snapshot: &mut Snapshot,
        signal: Signal,
    ) -> Result<Decision, EngineError> {
        let machine = self.machine(&record.definition)?;
        let state_machine_name = record.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
        let info = self.info(record, &state_machine_name);
        let mut env = RealEnvironment;
        Ok(self.with_outside(|items, activities| {
            decide::apply(
                Context {
                    machine: &machine,
                    info: &info,
                    execution_arn: &record.arn,
                    env: &mut env,
                    items,
                    activities,
                },
                snapshot,
                signal,
            )
        }))
    }

    /// Runs `work` with what a decision reads from outside the execution: the ItemReader
    /// source (the local S3 folder when one is set) and the activities that exist.
    fn with_outside<R>(&self, work: impl FnOnce(&dyn decide::ItemSource, &dyn decide::Activities) -> R) -> R {
        let activities = self.inner.known_activities.read().unwrap_or_else(PoisonError::into_inner);
        match &self.inner.settings.s3_root {
            Some(root) => work(&items::LocalS3::new(root), &*activities),
            None => work(&NoItems, &*activities),
        }
    }

    /// CreateActivity made `arn`: tasks naming it are scheduled from now on.
    pub fn activity_created(&self, arn: &str) {
        self.inner.known_activities.write().unwrap_or_else(PoisonError::into_inner).arns.insert(arn.to_string());
    }

    /// DeleteActivity removed `arn`: a Task naming it fails with `States.Runtime` from now on
    /// (tasks already scheduled keep waiting for a worker or their timeout, as on AWS).
    pub fn activity_deleted(&self, arn: &str) {
        self.inner.known_activities.write().unwrap_or_else(PoisonError::into_inner).arns.remove(arn);
    }

    /// Carries out a committed decision's actions and wakes waiters of a finished execution.
    fn after(&self, record: &ExecutionRecord, kind: ExecutionType, status: &Status, decision: Decision) {
        let changed = status_changed(&decision.events);
        self.after_parts(record, kind, status, changed, decision.actions);
    }

    /// Carries out an Express execution's decision and puts it (back) into the in-memory map,
    /// with the decision's events added, under the execution's lock (a new Express execution
    /// takes it only when its first decision has effects). Effects first: whatever they signal
    /// waits for that lock. Then it is stored, then announced, so a live view
    /// that hears of it can read it. Nothing is copied.
    fn keep_express(&self, mut execution: Box<ExpressExecution>, decision: Decision) {
        let Decision { events, actions } = decision;
        let status = &execution.snapshot.status;
        let change = status_changed(&events).then(|| change_of(&execution.record, ExecutionType::Express, status));
        self.after_parts(&execution.record, ExecutionType::Express, status, false, actions);
        let newly_finished = status.is_final() && !execution.counted_finished;
        if execution.events.is_empty() {
            execution.events = events;
        } else {
            execution.events.extend(events);
        }
        execution.counted_finished |= newly_finished;
        let forgotten = newly_finished
            .then(|| lock(&self.inner.express_finished).push(execution.record.arn.clone(), execution.events.len()));
        let mut express = lock(&self.inner.express);
        express.insert(execution.record.arn.clone(), execution);
        let forgotten: Vec<Box<ExpressExecution>> =
            forgotten.into_iter().flatten().filter_map(|arn| express.remove(&arn)).collect();
        drop(express);
        forget_express(forgotten);
        if let Some(change) = change {
            self.announce(change);
        }
    }

    /// Tells live views that an execution's status changed.
    fn announce(&self, change: ExecutionChange) {
        // Nobody listening is not an error.
        let _ = self.inner.changes.send(change);
    }

    /// [`Engine::after`] for a decision taken apart: whether the execution's status changed,
    /// and its actions.
    fn after_parts(
        &self,
        record: &ExecutionRecord,
        kind: ExecutionType,
        status: &Status,
        changed: bool,
        actions: Vec<Action>,
    ) {
        if changed {
            self.announce(change_of(record, kind, status));
        }
        for action in actions {
            match action {
                Action::SetTimer { key, at_millis } => {
                    lock(&self.inner.timers).push(Reverse((at_millis, record.arn.clone(), key)));
                    self.inner.timer_wake.notify_one();
                }
                Action::Invoke(request) => {
                    if kind == ExecutionType::Express
                        && let Some(token) = &request.token
                    {
                        lock(&self.inner.express_tokens).insert(token.clone(), (record.arn.clone(), request.key));
                    }
                    self.dispatch(record, request);
                }
                // Recorded by the store with the decision; nothing to do here.
                Action::MapRunStarted { .. }
                | Action::MapRunUpdated { .. }
                | Action::MapRunRedriven { .. }
                | Action::MapRunEnded { .. } => {}
                Action::Cancel { key } => {
                    lock(&self.inner.express_tokens)
                        .retain(|_, (arn, task_key)| !(arn == &record.arn && *task_key == key));
                }
            }
        }
        if status.is_final() {
            if !matches!(status, Status::Succeeded { .. }) && kind == ExecutionType::Standard {
                self.stop_map_children(&record.arn);
            }
            if kind == ExecutionType::Express {
                lock(&self.inner.express_tokens).retain(|_, (arn, _)| arn != &record.arn);
            }
            let waiters = lock(&self.inner.waiters).remove(&record.arn).unwrap_or_default();
            for waiter in waiters {
                let _ = waiter.send(status.clone());
            }
        }
    }

    /// Hands a task to its backend: a mock when the execution has a test case, an activity
    /// worker's queue, a real call ([`backends`]: HTTP Task, Lambda, nested executions), or
    /// nothing (any other `.waitForTaskToken` task waits for its callback).
    fn dispatch(&self, record: &ExecutionRecord, request: TaskRequest) {
        let arn = record.arn.clone();
        let key = request.key;
        if request.resource.arn == decide::MAP_ITEM_RESOURCE {
            self.start_map_child(record, request);
            return;
        }
        if request.resource.arn == decide::WRITE_RESULTS_RESOURCE {
            let engine = self.clone();
            tokio::spawn(async move {
                let signal = match engine.write_map_results(&request.arguments).await {
                    Ok(details) => Signal::TaskSucceeded { key, output: details },
                    Err(failure) => Signal::TaskFailed { key, failure },
                };
                if let Err(error) = engine.signal(&arn, signal).await {
                    tracing::error!(%arn, %error, "a Map Run's ResultWriter outcome could not be applied");
                }
            });
            return;
        }
        // A state its test case does not name is carried out as without mocks (Step Functions
        // Local calls the service then): its binding, the approval portal, a callback.
        let mut not_mocked = false;
        if let Some(test_case) = &record.test_case
            && let Some(mocks) = self.mocks_for(test_case)
        {
            // A distributed Map's children answer from their parent state machine's mocks.
            let state_machine_name =
                record.state_machine_arn.rsplit(':').next().unwrap_or_default().split('/').next().unwrap_or_default();
            let signal = match mocks.response(state_machine_name, test_case, &request.state_name, request.invocation) {
                Ok(MockOutcome::Return(output)) => Some(Signal::TaskSucceeded { key, output }),
                Ok(MockOutcome::Throw(failure)) => Some(Signal::TaskFailed { key, failure }),
                Err(MockMiss::StateNotMocked { .. }) => {
                    not_mocked = true;
                    None
                }
                Err(miss) => {
                    Some(Signal::TaskFailed { key, failure: Failure::new("States.Runtime", miss.to_string()) })
                }
            };
            if let Some(signal) = signal {
                self.spawn_signal(arn, signal);
                return;
            }
        }
        if let TaskEvents::Activity { resource } = &request.resource.events {
            let Some(token) = request.token.clone() else { return };
            lock(&self.inner.activities).entry(resource.clone()).or_default().push_back(ActivityTask {
                token,
                execution_arn: arn,
                key,
                input: request.arguments,
            });
            self.inner.activity_wake.notify_waiters();
            return;
        }
        if request.resource.pattern == Pattern::WaitForTaskToken
            && let Some(interceptor) = self.inner.interceptor.get()
            && interceptor.intercept(record, &request)
        {
            return; // its callback continues it
        }
        if self.dispatch_to_backend(record, &request) {
            return;
        }
        if request.resource.pattern == Pattern::WaitForTaskToken {
            return; // SendTaskSuccess / SendTaskFailure with the token continue it
        }
        let mock_source = self.inner.settings.mock_source;
        let lambda_hint = if mock_source == MockSource::Server
            && backends::Backend::for_resource(&request.resource).is_some_and(backends::Backend::is_lambda)
        {
            ", or set STATEHOUSE_LAMBDA_ENDPOINT to a Lambda-Invoke-compatible endpoint (sam local start-lambda)"
        } else {
            ""
        };
        let cause = match (not_mocked, mock_source) {
            (true, MockSource::Server) => format!(
                "The Task state '{}' calls '{}', which has no local binding, and the execution's test case does not \
                 mock it{lambda_hint}.",
                request.state_name, request.resource.arn
            ),
            (true, MockSource::CommandLine) => format!(
                "The Task state '{}' calls '{}', which has no local binding, and the test case does not mock it. \
                 Add the state to the test case in the --mocks file.",
                request.state_name, request.resource.arn
            ),
            (false, MockSource::Server) => format!(
                "The Task state '{}' calls '{}', which has no local binding and no mock. Name a MockConfigFile in \
                 SFN_MOCK_CONFIG and start the execution as 'STATE_MACHINE_ARN#TEST_CASE'{lambda_hint}.",
                request.state_name, request.resource.arn
            ),
            (false, MockSource::CommandLine) => format!(
                "The Task state '{}' calls '{}', which has no local binding and no mock. Give a MockConfigFile with \
                 --mocks FILE and choose its test case with --test-case CASE.",
                request.state_name, request.resource.arn
            ),
        };
        let failure = Failure::new("States.Runtime", cause);
        self.spawn_signal(arn, Signal::TaskFailed { key, failure });
    }

    /// Runs one distributed Map item as a child execution (`STATE_MACHINE/LABEL` named after
    /// the Map Run and the item, so a restart finds it again) and reports its end to the
    /// parent.
    fn start_map_child(&self, parent: &ExecutionRecord, request: TaskRequest) {
        let engine = self.clone();
        let parent = parent.clone();
        tokio::spawn(async move {
            let key = request.key;
            let outcome = engine.run_map_child(&parent, &request).await;
            let signal = match outcome {
                Ok(Status::Succeeded { output }) => Signal::TaskSucceeded { key, output },
                Ok(Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure }) => {
                    Signal::TaskFailed { key, failure: Failure::from(&failure) }
                }
                Ok(Status::Running) => return,
                Err(error) => Signal::TaskFailed {
                    key,
                    failure: Failure::new("States.Runtime", format!("The Map item could not be started: {error}")),
                },
            };
            if let Err(error) = engine.signal(&parent.arn, signal).await {
                tracing::error!(parent = %parent.arn, %error, "a Map item's outcome could not be applied");
            }
        });
    }

    async fn run_map_child(&self, parent: &ExecutionRecord, request: &TaskRequest) -> Result<Status, EngineError> {
        let arguments = &request.arguments;
        let map_run_arn = arguments["MapRunArn"].as_str().unwrap_or_default().to_string();
        // arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:RUN_ID
        let run_id = map_run_arn.rsplit(':').next().unwrap_or_default();
        let label = map_run_arn.rsplit(':').nth(1).and_then(|part| part.split_once('/')).map_or("", |(_, label)| label);
        let index = arguments["Index"].as_u64().unwrap_or_default();
        let state_machine_name = parent.state_machine_arn.rsplit(':').next().unwrap_or_default();
        let kind =
            if arguments["ExecutionType"] == "EXPRESS" { ExecutionType::Express } else { ExecutionType::Standard };
        let child = StartRequest {
            state_machine_arn: format!("{}/{label}", parent.state_machine_arn),
            state_machine_name: format!("{state_machine_name}/{label}"),
            name: format!("{run_id}-{index}"),
            definition: arguments["Processor"].to_string(),
            input: arguments["Item"].clone(),
            input_text: None,
            role_arn: parent.role_arn.clone(),
            kind,
            test_case: parent.test_case.clone(),
            map_run_arn: Some(map_run_arn.clone()),
            item_count: Some(arguments["ItemCount"].as_u64().map_or(1, |count| count as u32)),
            qualifiers: Qualifiers::default(),
            skip_waits: request.skip_waits,
        };
        // A redriven Map Run asks again for the children it already ran: one that succeeded
        // keeps its result, one that did not is redriven (once for each redrive of the run).
        let redrive_count = arguments["RedriveCount"].as_u64().unwrap_or_default();
        let (child_arn, status) = match self.start(child).await {
            Ok(started) => (started.arn, started.status),
            Err(EngineError::ExecutionAlreadyExists(arn)) => match self.describe(&arn).await? {
                Some(view)
                    if matches!(
                        view.status,
                        Status::Failed { .. } | Status::TimedOut { .. } | Status::Aborted { .. }
                    ) && u64::from(view.record.redrive_count) < redrive_count =>
                {
                    match self.redrive_as(&arn, Redriver::MapRun).await {
                        Ok(_) => (arn, Status::Running),
                        // Not redrivable (it cannot resume): it stays as it ended.
                        Err(EngineError::ExecutionNotRedrivable(_)) => (arn, view.status),
                        Err(error) => return Err(error),
                    }
                }
                view => (arn, view.map_or(Status::Running, |view| view.status)),
            },
            Err(error) => return Err(error),
        };
        if status.is_final() { Ok(status) } else { self.wait(&child_arn).await }
    }

    /// Writes a Map Run's child execution results through its `ResultWriter` into the local
    /// S3 folder ([`results`]), from the children's rows (and Express children still in
    /// memory), and answers with the Map state's result. Writing again after a restart
    /// replaces the same objects.
    async fn write_map_results(&self, arguments: &Value) -> Result<Value, Failure> {
        let request = results::WriteRequest::from_arguments(arguments)?;
        let Some(root) = self.inner.settings.s3_root.clone() else {
            return Err(Failure::new(
                results::RESULT_WRITER_FAILED,
                format!(
                    "No local folder stands in for S3 here (set STATEHOUSE_S3_DIR), so s3://{}/{} cannot be written.",
                    request.bucket,
                    request.manifest_key()
                ),
            ));
        };
        let child_result = |record: ExecutionRecord, status: Status| results::ChildResult {
            arn: record.arn,
            state_machine_arn: record.state_machine_arn,
            name: record.name,
            input_text: record.input_text,
            start_millis: record.start_millis,
            stop_millis: record.stop_millis,
            redrive_count: record.redrive_count,
            status,
        };
        let mut children: Vec<results::ChildResult> = self
            .inner
            .store
            .map_run_children(&request.map_run_arn)
            .await
            .map_err(|error| {
                Failure::new(
                    results::RESULT_WRITER_FAILED,
                    format!("The Map Run's children could not be read: {error}"),
                )
            })?
            .into_iter()
            .map(|(record, status)| child_result(record, status))
            .collect();
        children.extend(
            lock(&self.inner.express)
                .values()
                .filter(|execution| execution.record.map_run_arn.as_deref() == Some(request.map_run_arn.as_str()))
                .map(|execution| {
                    let ExecutionView { record, status } = execution.view();
                    child_result(record, status)
                }),
        );
        let objects = results::result_files(&request, &children);
        let bucket = request.bucket.clone();
        tokio::task::spawn_blocking(move || {
            let s3 = items::LocalS3::new(root);
            objects.iter().try_for_each(|(key, body)| s3.put_object(&bucket, key, body))
        })
        .await
        .map_err(|error| Failure::new(results::RESULT_WRITER_FAILED, format!("The writer stopped: {error}")))??;
        Ok(request.details())
    }

    /// An execution that failed or was stopped stops the child executions its Map Runs still
    /// run, as AWS aborts them.
    fn stop_map_children(&self, parent_arn: &str) {
        let engine = self.clone();
        let parent_arn = parent_arn.to_string();
        tokio::spawn(async move {
            let children: Result<Vec<String>, sqlx::Error> = sqlx::query_scalar(
                "SELECT arn FROM executions WHERE status = 'RUNNING' AND map_run_arn IN
                     (SELECT arn FROM map_runs WHERE execution_arn = ?)",
            )
            .bind(&parent_arn)
            .fetch_all(&engine.inner.pool)
            .await;
            match children {
                Ok(children) => {
                    for child in children {
                        let failure =
                            Failure::new("States.Aborted", format!("The parent execution {parent_arn} ended."));
                        if let Err(error) = engine.signal(&child, Signal::Stop { failure }).await {
                            tracing::warn!(%child, %error, "a Map Run child could not be stopped");
                        }
                    }
                }
                Err(error) => tracing::warn!(%parent_arn, %error, "the Map Run children could not be listed"),
            }
        });
    }

    fn spawn_signal(&self, arn: String, signal: Signal) {
        let engine = self.clone();
        tokio::spawn(async move {
            if let Err(error) = engine.signal(&arn, signal).await {
                tracing::error!(%arn, %error, "a task outcome could not be applied");
            }
        });
    }

    /// Where an execution stands.
    pub async fn describe(&self, arn: &str) -> Result<Option<ExecutionView>, EngineError> {
        if let Some((view, _)) = self.express_view(arn).await {
            return Ok(Some(view));
        }
        if let Some((view, _)) = lock(&self.inner.finished).get(arn) {
            return Ok(Some(view));
        }
        Ok(self.inner.store.describe(arn).await?.map(|(record, status, _)| ExecutionView { record, status }))
    }

    /// An Express execution held in memory, with the version and alias it started through.
    /// One that is deciding is out of the map for that moment, under its lock; so an
    /// Express ARN not found is looked for again once its lock is free.
    async fn express_view(&self, arn: &str) -> Option<(ExecutionView, Qualifiers)> {
        let find = || {
            lock(&self.inner.express).get(arn).map(|execution| {
                let view =
                    ExecutionView { record: execution.record.clone(), status: execution.snapshot.status.clone() };
                (view, execution.qualifiers.clone())
            })
        };
        if let Some(found) = find() {
            return Some(found);
        }
        if !arn.contains(":express:") {
            return None;
        }
        let lock_handle = self.lock_for(arn);
        let guard = lock_handle.lock().await;
        let found = find();
        drop(guard);
        self.release(arn, lock_handle);
        found
    }

    /// [`Engine::describe`] with the version and alias the execution started through (one
    /// read for DescribeExecution).
    pub async fn describe_qualified(&self, arn: &str) -> Result<Option<(ExecutionView, Qualifiers)>, EngineError> {
        if let Some(found) = self.express_view(arn).await {
            return Ok(Some(found));
        }
        if let Some(found) = lock(&self.inner.finished).get(arn) {
            return Ok(Some(found));
        }
        Ok(self
            .inner
            .store
            .describe(arn)
            .await?
            .map(|(record, status, qualifiers)| (ExecutionView { record, status }, qualifiers)))
    }

    /// The Express executions held in memory (running, and the last [`EXPRESS_RETAINED`]
    /// finished, within [`EXPRESS_RETAINED_EVENTS`]) that `keep` selects, for the executions list; a finished one's stop time is
    /// its last event's.
    pub fn express_executions(&self, keep: impl Fn(&ExecutionRecord, &Status) -> bool) -> Vec<ExecutionView> {
        lock(&self.inner.express)
            .values()
            .filter(|execution| keep(&execution.record, &execution.snapshot.status))
            .map(|execution| execution.view())
            .collect()
    }

    /// The ended Express executions held in memory that `keep` selects, each with the
    /// top-level state it ended in ([`decide::Snapshot::failed_state`]), for the failure patterns.
    pub fn express_failures(
        &self,
        keep: impl Fn(&ExecutionRecord, &Status) -> bool,
    ) -> Vec<(ExecutionView, Option<String>)> {
        lock(&self.inner.express)
            .values()
            .filter(|execution| {
                execution.snapshot.status.is_final() && keep(&execution.record, &execution.snapshot.status)
            })
            .map(|execution| (execution.view(), execution.snapshot.failed_state().map(str::to_string)))
            .collect()
    }

    /// An execution's history.
    pub async fn history(&self, arn: &str) -> Result<Option<Vec<HistoryEvent>>, EngineError> {
        if let Some(execution) = lock(&self.inner.express).get(arn) {
            return Ok(Some(execution.events.clone()));
        }
        if self.inner.store.status(arn).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.inner.store.history(arn).await?))
    }

    /// Waits until execution `arn` ends.
    pub async fn wait(&self, arn: &str) -> Result<Status, EngineError> {
        let (sender, receiver) = oneshot::channel();
        lock(&self.inner.waiters).entry(arn.to_string()).or_default().push(sender);
        let Some(view) = self.describe(arn).await? else {
            return Err(EngineError::ExecutionDoesNotExist(arn.to_string()));
        };
        if view.status.is_final() {
            return Ok(view.status);
        }
        receiver.await.map_err(|_| EngineError::ExecutionDoesNotExist(arn.to_string()))
    }

    /// RedriveExecution: resumes a failed, aborted or timed-out Standard execution at the
    /// state that did not succeed. Returns the new redrive count.
    pub async fn redrive(&self, arn: &str) -> Result<u32, EngineError> {
        self.redrive_as(arn, Redriver::Caller).await
    }

    /// Redrives `arn` for `redriver`: a caller (the API, the executions page) may not redrive a
    /// Map Run's child on its own, as on AWS; its Map Run's redrive may.
    async fn redrive_as(&self, arn: &str, redriver: Redriver) -> Result<u32, EngineError> {
        if lock(&self.inner.express).contains_key(arn) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution '{arn}' is an Express execution; only Standard executions can be redriven."
            )));
        }
        let lock_handle = self.lock_for(arn);
        let guard = lock_handle.lock().await;
        let result = self.redrive_locked(arn, redriver).await;
        drop(guard);
        self.release(arn, lock_handle);
        result
    }

    async fn redrive_locked(&self, arn: &str, redriver: Redriver) -> Result<u32, EngineError> {
        let Some((mut record, mut snapshot, _)) = self.inner.store.load(arn).await? else {
            return Err(EngineError::ExecutionDoesNotExist(arn.to_string()));
        };
        if let (Some(map_run_arn), Redriver::Caller) = (&record.map_run_arn, redriver) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution '{arn}' is a child workflow execution of the Map Run '{map_run_arn}': redrive its parent execution to redrive it"
            )));
        }
        if !matches!(snapshot.status, Status::Failed { .. } | Status::TimedOut { .. } | Status::Aborted { .. }) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution '{arn}' is {}; only FAILED, ABORTED and TIMED_OUT executions can be redriven.",
                snapshot.status.name()
            )));
        }
        if record.redrive_count >= 1_000 {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution '{arn}' has been redriven 1000 times, AWS's limit."
            )));
        }
        record.redrive_count += 1;
        let redrive_count = record.redrive_count;
        let decision = self.decide(&record, &mut snapshot, Signal::Redrive { redrive_count })?;
        if decision.events.is_empty() {
            return Err(EngineError::ExecutionNotRedrivable(format!("Execution '{arn}' has no state to resume from.")));
        }
        // Forgotten before the commit: from then on only the store describes it.
        lock(&self.inner.finished).forget(arn);
        self.inner.store.commit_redrive(arn, &snapshot, &decision, redrive_count).await?;
        self.after(&record, ExecutionType::Standard, &snapshot.status, decision);
        Ok(redrive_count)
    }

    /// UpdateMapRun: new limits for the running Map Run `map_run_arn`; a limit left `None`
    /// stays. Its parent execution applies them (a run that ends meanwhile is left as it is).
    pub async fn update_map_run(
        &self,
        map_run_arn: &str,
        max_concurrency: Option<u64>,
        tolerated_failure_count: Option<u64>,
        tolerated_failure_percentage: Option<f64>,
    ) -> Result<(), EngineError> {
        let Some((parent, status)) = self.inner.store.map_run(map_run_arn).await? else {
            return Err(EngineError::MapRunDoesNotExist(map_run_arn.to_string()));
        };
        if status != "RUNNING" {
            return Err(EngineError::MapRunNotRunning(map_run_arn.to_string(), status));
        }
        let signal = Signal::UpdateMapRun {
            map_run_arn: map_run_arn.to_string(),
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
        };
        self.signal(&parent, signal).await.map(|_| ())
    }

    /// StopExecution.
    pub async fn stop(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<Status, EngineError> {
        self.signal(arn, Signal::Stop { failure: Failure { error, cause } }).await
    }

    /// The execution and task key a token's task has while it is open; `TaskTimedOut` when
    /// the token is ours but its task has closed, `InvalidToken` when it is not ours.
    async fn task_for_token(&self, token: &str) -> Result<(String, u64), EngineError> {
        if let Some(found) = lock(&self.inner.express_tokens).get(token).cloned() {
            return Ok(found);
        }
        if let Some(found) = self.inner.store.task_by_token(token).await? {
            return Ok(found);
        }
        let Some(execution_arn) = decide::token_execution(token) else {
            return Err(EngineError::InvalidToken);
        };
        let settings = &self.inner.settings;
        let ours = format!("arn:{}:states:{}:{}:", settings.partition, settings.region, settings.account);
        // Finished Express executions are forgotten after a while; a token of one is still ours.
        let known = execution_arn.starts_with(&ours)
            && (execution_arn.contains(":express:") || self.describe(&execution_arn).await?.is_some());
        Err(if known { EngineError::TaskTimedOut } else { EngineError::InvalidToken })
    }

    /// Whether the task a callback token names still waits for its answer: false once it
    /// succeeded, failed, timed out or its execution ended, and for a token that is not ours.
    pub async fn task_waiting(&self, token: &str) -> Result<bool, EngineError> {
        match self.task_for_token(token).await {
            Ok(_) => Ok(true),
            Err(EngineError::TaskTimedOut | EngineError::InvalidToken) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// SendTaskSuccess.
    pub async fn send_task_success(&self, token: &str, output: Value) -> Result<(), EngineError> {
        let (arn, key) = self.task_for_token(token).await?;
        lock(&self.inner.express_tokens).remove(token);
        self.signal(&arn, Signal::TaskSucceeded { key, output }).await.map(|_| ())
    }

    /// SendTaskFailure.
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), EngineError> {
        let (arn, key) = self.task_for_token(token).await?;
        lock(&self.inner.express_tokens).remove(token);
        self.signal(&arn, Signal::TaskFailed { key, failure: Failure { error, cause } }).await.map(|_| ())
    }

    /// SendTaskHeartbeat.
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), EngineError> {
        let (arn, key) = self.task_for_token(token).await?;
        self.signal(&arn, Signal::Heartbeat { key }).await.map(|_| ())
    }

    /// GetActivityTask: the next task for `activity_arn`, waiting up to `wait` for one.
    pub async fn get_activity_task(
        &self,
        activity_arn: &str,
        worker_name: Option<String>,
        wait: Duration,
    ) -> Result<Option<ActivityWork>, EngineError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.inner.activity_wake.notified();
            let next = lock(&self.inner.activities).get_mut(activity_arn).and_then(VecDeque::pop_front);
            match next {
                Some(task) => {
                    let still_waiting = self.task_for_token(&task.token).await.is_ok();
                    if !still_waiting {
                        continue;
                    }
                    self.signal(
                        &task.execution_arn,
                        Signal::TaskStarted { key: task.key, worker_name: worker_name.clone() },
                    )
                    .await?;
                    return Ok(Some(ActivityWork { token: task.token, input: task.input }));
                }
                None => {
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parsed_definitions_are_kept_up_to_a_bound() {
        let folder = tempfile::tempdir().expect("a data folder");
        let engine =
            Engine::new(crate::db::open(folder.path()).await.expect("the database"), EngineSettings::default());
        for index in 0..MACHINES_CACHED + 50 {
            let definition =
                format!(r#"{{"StartAt": "P{index}", "States": {{"P{index}": {{"Type": "Pass", "End": true}}}}}}"#);
            engine.machine(&definition).expect("a machine");
            assert!(lock(&engine.inner.machines).len() <= MACHINES_CACHED, "after {index}");
        }
        assert_eq!(lock(&engine.inner.machines).len(), MACHINES_CACHED);
    }

    #[test]
    fn real_uuids_are_version_4_in_the_8_4_4_4_12_form_and_differ() {
        let mut env = RealEnvironment;
        let first = env.uuid();
        let groups: Vec<&str> = first.split('-').collect();
        assert_eq!(groups.iter().map(|group| group.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{first}");
        assert!(first.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)), "{first}");
        assert!(groups[2].starts_with('4'), "version 4: {first}");
        assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "RFC 4122 variant: {first}");
        assert_ne!(first, env.uuid());
    }

    #[test]
    fn finished_express_executions_are_kept_within_a_count_and_an_event_budget() {
        let mut finished = FinishedExpress::default();
        for index in 0..EXPRESS_RETAINED {
            assert!(finished.push(format!("small-{index}"), 10).is_empty());
        }
        assert_eq!(finished.push("one-more".into(), 10), ["small-0"], "the oldest goes past the count");
        // A long history pushes out as many of the oldest as its events need.
        let forgotten = finished.push("long".into(), EXPRESS_RETAINED_EVENTS - 100);
        // It leaves room for ten of the small ones (100 events): 990 are forgotten.
        assert_eq!(forgotten.len(), 990);
        assert_eq!((finished.order.len(), finished.events), (11, EXPRESS_RETAINED_EVENTS));
        assert_eq!(forgotten.first().map(String::as_str), Some("small-1"));
        // One bigger than the whole budget is still kept, alone: the newest always stays.
        let forgotten = finished.push("huge".into(), EXPRESS_RETAINED_EVENTS * 2);
        assert_eq!(finished.order.len(), 1);
        assert!(forgotten.contains(&"long".to_string()) && forgotten.contains(&"one-more".to_string()));
    }
}

//! Map states in the decider: starting a run (ItemBatcher, Map Run records), driving its
//! iterations (threads inside this execution) or its child executions (a distributed Map's
//! items, run by the driver), and tolerating failures.

use super::*;

impl Decider<'_> {
    /// Starts a Map state on `items`. `from_reader` says an `ItemReader` read them: AWS then
    /// records `MapStateStarted` with length 0, since the Map Run, not the state, reads them.
    pub(super) fn start_map(
        &mut self,
        thread: &mut Thread,
        state: &State,
        items: Vec<Value>,
        config: &MapConfig,
        from_reader: bool,
    ) {
        let item_total = items.len();
        let items = match self.batch_items(thread, state, items) {
            Ok(items) => items,
            Err(failure) => {
                self.fail_attempt(thread, state, failure);
                return;
            }
        };
        let started = self.emit_on(thread, history::map_state_started(if from_reader { 0 } else { items.len() }));
        let distributed = config.mode == MapMode::Distributed;
        let mut map_run_arn = None;
        let mut redrive_count = 0;
        let mut kept_children = Vec::new();
        // Redriven, a top-level Map state whose Map Run failed redrives that run.
        let failed_run = self
            .redrive_map_run
            .take_if(|run| distributed && thread.path.is_empty() && run.state.as_str() == &*state.name);
        if let Some(failed) = failed_run {
            redrive_count = failed.redrive_count + 1;
            self.emit_on(thread, history::map_run_redriven(&failed.arn, redrive_count));
            self.decision.actions.push(Action::MapRunRedriven { arn: failed.arn.clone() });
            map_run_arn = Some(failed.arn);
            kept_children = failed.outputs;
        } else if distributed {
            map_run_arn = Some(self.begin_map_run(thread, state, items.len(), item_total, config));
        }
        let count = items.len();
        let batch_sizes = if state.field("ItemBatcher").is_some() {
            items
                .iter()
                .map(|batch| batch.get("Items").and_then(Value::as_array).map_or(1, |items| items.len() as u32))
                .collect()
        } else {
            Vec::new()
        };
        // Redriven, an inline Map keeps the outputs of the iterations that succeeded, and the
        // others resume where they stopped.
        let kept = self
            .redrive_outputs
            .take_if(|kept| !distributed && thread.path.is_empty() && kept.state.as_str() == &*state.name)
            .filter(|kept| kept.outputs.len() == count);
        let (kept, resume) = match kept {
            Some(kept) => (Some(kept.outputs), kept.resume),
            None => (None, Vec::new()),
        };
        // A redriven Map Run's children that succeeded are not run again.
        let kept_children = Some(kept_children).filter(|outputs| outputs.len() == count);
        let succeeded = kept_children.as_ref().map_or_else(Vec::new, |outputs| {
            outputs.iter().enumerate().filter(|(_, output)| output.is_some()).map(|(index, _)| index).collect()
        });
        let kept = kept.or(kept_children);
        let run = MapRun {
            batch_sizes,
            item_total,
            redrive_count,
            items,
            next_index: 0,
            running: Vec::new(),
            outputs: kept.unwrap_or_else(|| vec![None; count]),
            resume,
            succeeded,
            failures: 0,
            max_concurrency: config.max_concurrency,
            tolerated_failure_count: config.tolerated_failure_count,
            tolerated_failure_percentage: config.tolerated_failure_percentage,
            distributed,
            started_event: started,
            last_finished: None,
            last_iteration_event: None,
            map_run_arn,
            children: Vec::new(),
            child_outcomes: Vec::new(),
            writer_key: None,
            writer_outcome: None,
        };
        if let At::Run(attempt) = &mut thread.at {
            attempt.phase = Phase::Map(Box::new(run));
        }
    }

    /// Records a Map Run's start (`MapRunStarted`, and the driver's record of it) and returns
    /// its ARN. AWS names a map run after the state machine and the Map state's `Label` (its
    /// name when it has none).
    /// `total` counts its child executions, `item_total` the items they run between them.
    fn begin_map_run(
        &mut self,
        thread: &mut Thread,
        state: &State,
        total: usize,
        item_total: usize,
        config: &MapConfig,
    ) -> String {
        let label = state.field("Label").and_then(Value::as_str).unwrap_or(&state.name).to_string();
        let arn = format!(
            "arn:{}:states:{}:{}:mapRun:{}/{}:{}",
            self.info.partition,
            self.info.region,
            self.info.account,
            self.info.state_machine_name,
            label,
            self.env.uuid()
        );
        self.emit_on(thread, history::map_run_started(&arn));
        self.decision.actions.push(Action::MapRunStarted {
            arn: arn.clone(),
            state_name: state.name.to_string(),
            total,
            item_total,
            max_concurrency: config.max_concurrency,
            tolerated_failure_count: config.tolerated_failure_count,
            tolerated_failure_percentage: config.tolerated_failure_percentage,
        });
        arn
    }

    /// An `ItemReader` failed (`States.ItemReaderFailed`: its `MaxItems`, or the object it
    /// reads). AWS reads the items inside the Map Run, so the failure is the run's: recorded
    /// `MapStateStarted` (length 0), `MapRunStarted`, `MapRunFailed`, then the state fails.
    /// The run records `config` when it was read (the reader failed), else no limits (its
    /// `MaxItems` failed, before the rest was known). Returns false, recording nothing, for
    /// any other failure or Map.
    pub(super) fn fail_map_run_reading(
        &mut self,
        thread: &mut Thread,
        state: &State,
        failure: &Failure,
        config: Option<&MapConfig>,
    ) -> bool {
        let StateKind::Map { mode: MapMode::Distributed, .. } = state.kind else { return false };
        if state.field("ItemReader").is_none() || failure.error.as_deref() != Some("States.ItemReaderFailed") {
            return false;
        }
        self.emit_on(thread, history::map_state_started(0));
        let unknown = MapConfig {
            mode: MapMode::Distributed,
            max_concurrency: 0,
            tolerated_failure_count: None,
            tolerated_failure_percentage: None,
        };
        let arn = self.begin_map_run(thread, state, 0, 0, config.unwrap_or(&unknown));
        self.decision.actions.push(Action::MapRunEnded { arn, status: "FAILED".into() });
        self.emit_on(thread, history::map_run_failed(failure));
        true
    }

    /// A distributed Map's `ItemBatcher`: items grouped into `{"Items": [...], "BatchInput":
    /// …}` objects of at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes.
    /// `BatchInput` is evaluated against the state's input.
    fn batch_items(&mut self, thread: &Thread, state: &State, items: Vec<Value>) -> Result<Vec<Value>, Failure> {
        let Some(Value::Object(batcher)) = state.field("ItemBatcher") else { return Ok(items) };
        let At::Run(attempt) = &thread.at else { return Ok(items) };
        let limit = |name: &str| -> Result<Option<u64>, Failure> {
            if let Some(value) = batcher.get(name).and_then(Value::as_u64) {
                return Ok(Some(value));
            }
            let Some(path) = batcher.get(&format!("{name}Path")).and_then(Value::as_str) else { return Ok(None) };
            let scope =
                asl::eval::PathScope { input: &attempt.input, context: &Value::Null, variables: &thread.variables };
            match asl::eval::jsonpath::read_reference(path, &scope).and_then(|value| value.as_u64()) {
                Some(value) => Ok(Some(value)),
                None => Err(Failure::new(
                    "States.Runtime",
                    format!(
                        "The ItemBatcher field '{name}Path' ('{path}') does not name a positive integer in the input."
                    ),
                )),
            }
        };
        let max_items =
            limit("MaxItemsPerBatch")?.filter(|count| *count > 0).map_or(usize::MAX, |count| count as usize);
        let max_bytes =
            limit("MaxInputBytesPerBatch")?.filter(|bytes| *bytes > 0).map_or(usize::MAX, |bytes| bytes as usize);
        let batch_input = match batcher.get("BatchInput") {
            None => None,
            Some(template) => {
                let scope =
                    asl::eval::PathScope { input: &attempt.input, context: &Value::Null, variables: &thread.variables };
                let evaluated = if state.language == asl::validate::QueryLanguage::Jsonata {
                    Ok(template.clone())
                } else {
                    asl::eval::jsonpath::payload_template(template, &scope, self.env)
                };
                Some(evaluated.map_err(|error| Failure::new(error.error, error.cause))?)
            }
        };
        let mut batches = Vec::new();
        let mut current: Vec<Value> = Vec::new();
        let mut current_bytes = 0;
        for item in items {
            let size = payload_size(&item);
            if !current.is_empty() && (current.len() >= max_items || current_bytes + size > max_bytes) {
                batches.push(std::mem::take(&mut current));
                current_bytes = 0;
            }
            current_bytes += size;
            current.push(item);
        }
        if !current.is_empty() {
            batches.push(current);
        }
        Ok(batches
            .into_iter()
            .map(|batch| {
                let mut object = Map::new();
                if let Some(input) = &batch_input {
                    object.insert("BatchInput".into(), input.clone());
                }
                object.insert("Items".into(), Value::Array(batch));
                Value::Object(object)
            })
            .collect())
    }

    /// Drives the iterations; returns true when the state moved on.
    pub(super) fn drive_map(&mut self, thread: &mut Thread, state: &State) -> bool {
        let mut run = match &mut thread.at {
            At::Run(attempt) => match std::mem::replace(&mut attempt.phase, Phase::Ready) {
                Phase::Map(run) => run,
                other => {
                    attempt.phase = other;
                    return false;
                }
            },
            _ => return false,
        };
        let StateKind::Map { processor, .. } = &state.kind else { return false };
        let processor_start = processor.start_at.clone();
        let total = run.items.len();
        let capacity = if run.max_concurrency == 0 { usize::MAX } else { run.max_concurrency as usize };
        loop {
            let mut progressed = false;
            // Start what capacity allows.
            while run.running.len() + run.children.len() < capacity && run.next_index < total {
                let index = run.next_index;
                run.next_index += 1;
                if run.outputs[index].is_some() {
                    continue;
                }
                if run.distributed && self.map_children {
                    let key = self.key();
                    let item = std::mem::take(&mut run.items[index]);
                    let item_count = run.items_in(index);
                    self.decision.actions.push(Action::Invoke(TaskRequest {
                        key,
                        state_name: state.name.to_string(),
                        resource: TaskResource::parse(MAP_ITEM_RESOURCE),
                        arguments: serde_json::json!({
                            "MapRunArn": run.map_run_arn,
                            "Index": index,
                            "Item": item,
                            "ItemCount": item_count,
                            "RedriveCount": run.redrive_count,
                            "Processor": processor_definition(state, self.machine),
                            "ExecutionType": child_execution_type(state),
                        }),
                        token: None,
                        timeout_seconds: None,
                        heartbeat_seconds: None,
                        invocation: u32::try_from(index).unwrap_or(u32::MAX),
                        skip_waits: self.skip_waits,
                    }));
                    run.children.push(ChildItem { index, key });
                    progressed = true;
                    continue;
                }
                let item = std::mem::take(&mut run.items[index]);
                // Redriven, an iteration that stopped resumes at its state.
                let (at, variables) = match run.resume.get_mut(index).and_then(Option::take) {
                    Some(resume) => (
                        At::Enter { state: resume.state, input: resume.input, measured: false, text: None },
                        resume.variables,
                    ),
                    None => (
                        At::Enter { state: processor_start.clone(), input: item, measured: false, text: None },
                        thread.variables.clone(),
                    ),
                };
                let mut iteration = Thread {
                    path: nested_path(&thread.path, &state.name, 0),
                    last: run.last_finished.unwrap_or(run.started_event),
                    variables,
                    muted: thread.muted || run.distributed,
                    at,
                };
                self.emit_on(&mut iteration, history::map_iteration("MapIterationStarted", &state.name, index));
                run.running.push(Iteration { index, thread: iteration });
                progressed = true;
            }
            for iteration in &mut run.running {
                self.drive(&mut iteration.thread);
            }
            // Collect what ended, in order.
            let mut still_running = Vec::with_capacity(run.running.len());
            let mut failure = None;
            // The iteration whose failure fails the Map, kept for the events of the abort.
            let mut failed_iteration: Option<Thread> = None;
            let mut failed_index = None;
            for iteration in std::mem::take(&mut run.running) {
                match &iteration.thread.at {
                    At::Done { output } => {
                        run.outputs[iteration.index] = Some(output.clone());
                        let id = self.emit_side(
                            &iteration.thread,
                            history::map_iteration("MapIterationSucceeded", &state.name, iteration.index),
                        );
                        run.last_iteration_event = Some(id);
                        run.last_finished = Some(iteration.thread.last);
                        progressed = true;
                    }
                    At::Failed { failure: record, .. } => {
                        let item_failure = Failure::from(record);
                        let id = self.emit_side(
                            &iteration.thread,
                            history::map_iteration("MapIterationFailed", &state.name, iteration.index),
                        );
                        run.last_iteration_event = Some(id);
                        run.last_finished = Some(iteration.thread.last);
                        progressed = true;
                        if item_failure.is_terminal() || !run.distributed {
                            run.failures += 1;
                            if failure.is_none() {
                                failure = Some(item_failure);
                                failed_iteration = Some(iteration.thread);
                                failed_index = Some(iteration.index);
                            }
                        } else if let Some(exceeded) = run.tolerate(iteration.index, &item_failure) {
                            failure.get_or_insert(exceeded);
                        }
                    }
                    _ => still_running.push(iteration),
                }
            }
            run.running = still_running;
            for outcome in std::mem::take(&mut run.child_outcomes) {
                progressed = true;
                match (outcome.output, outcome.failure) {
                    (Some(output), None) => {
                        run.outputs[outcome.index] = Some(output);
                        run.succeeded.push(outcome.index);
                    }
                    (_, failure_record) => {
                        let item_failure = failure_record
                            .as_ref()
                            .map_or(Failure { error: Some("States.TaskFailed".into()), cause: None }, Failure::from);
                        if let Some(exceeded) = run.tolerate(outcome.index, &item_failure) {
                            failure.get_or_insert(exceeded);
                        }
                    }
                }
            }
            // UpdateMapRun may have lowered the threshold below the failures already counted.
            if failure.is_none() && run.distributed && run.failures > 0 {
                failure = run.threshold_exceeded();
            }
            let all_ended = run.running.is_empty() && run.children.is_empty() && run.next_index >= total;
            let mut result = None;
            if failure.is_none() && all_ended {
                match self.write_results(thread, state, &mut run) {
                    Written::Waiting => break,
                    Written::Failed(writer_failure) => failure = Some(writer_failure),
                    Written::Result(value) => result = Some(value),
                }
            }
            if let Some(failure) = failure {
                for child in std::mem::take(&mut run.children) {
                    self.decision.actions.push(Action::Cancel { key: child.key });
                }
                if let Some(arn) = run.map_run_arn.clone() {
                    self.decision.actions.push(Action::MapRunEnded { arn, status: "FAILED".into() });
                }
                // Running iterations are aborted (their state, then the iteration), linked to
                // the event that failed the Map; then the Task that failed an iteration, if
                // one did (AWS's order and links).
                let cause = failed_iteration.as_ref().map(|failed| failed.last);
                for iteration in &run.running {
                    self.cancel_all(&iteration.thread);
                    let previous = cause.unwrap_or(iteration.thread.last);
                    self.abort_running_state(&iteration.thread, previous);
                    if !iteration.thread.muted {
                        self.emit(
                            previous,
                            history::map_iteration("MapIterationAborted", &state.name, iteration.index),
                        );
                    }
                }
                if let Some(failed) = &failed_iteration {
                    self.abort_failed_task(failed, failed.last);
                }
                if let Some(last) = run.last_finished {
                    thread.last = thread.last.max(last);
                }
                if !run.distributed && thread.path.is_empty() {
                    // Iterations that succeeded keep their outputs; the running ones and the
                    // one that failed resume where they stopped.
                    let threads = (0..run.outputs.len()).map(|index| {
                        run.running
                            .iter()
                            .find(|iteration| iteration.index == index)
                            .map(|iteration| &iteration.thread)
                            .or_else(|| failed_iteration.as_ref().filter(|_| failed_index == Some(index)))
                    });
                    let mut kept = KeptOutputs::of(&state.name, threads);
                    for (kept, output) in kept.outputs.iter_mut().zip(&run.outputs) {
                        kept.clone_from(output);
                    }
                    self.failing_outputs = Some(kept);
                }
                if run.distributed {
                    self.emit_on(thread, history::map_run_failed(&failure));
                    if let Some(arn) = run.map_run_arn.clone().filter(|_| thread.path.is_empty()) {
                        let mut outputs = vec![None; run.outputs.len()];
                        for index in &run.succeeded {
                            outputs[*index].clone_from(&run.outputs[*index]);
                        }
                        self.failing_map_run = Some(FailedMapRun {
                            state: state.name.to_string(),
                            arn,
                            redrive_count: run.redrive_count,
                            outputs,
                        });
                    }
                }
                self.fail_attempt(thread, state, failure);
                return true;
            }
            if let Some(result) = result {
                if let Some(arn) = run.map_run_arn.clone() {
                    self.decision.actions.push(Action::MapRunEnded { arn, status: "SUCCEEDED".into() });
                }
                if run.distributed {
                    self.emit_on(thread, EventBody::bare("MapRunSucceeded"));
                } else if let Some(id) = run.last_iteration_event {
                    thread.last = id;
                }
                self.emit_side(thread, EventBody::bare("MapStateSucceeded"));
                self.finish_with(thread, state, result);
                return true;
            }
            if !progressed {
                break;
            }
        }
        if let At::Run(attempt) = &mut thread.at {
            attempt.phase = Phase::Map(run);
        }
        false
    }
}

/// Where a Map state whose items all ended stands with its `ResultWriter`.
enum Written {
    /// The state's result: the outputs, or the `ResultWriterDetails` the writer answered.
    Result(Value),
    /// The writer task is running.
    Waiting,
    /// The results could not be written.
    Failed(Failure),
}

impl Decider<'_> {
    /// Once every item ended: the Map state's result. Without a `ResultWriter` that
    /// exports (or in the conformance replay, which keeps items inside the execution) it is
    /// the array of outputs (`WriterConfig`'s `FLATTEN` flattens array outputs into it);
    /// a distributed Map with child executions asks the driver to write the results to the
    /// local S3 folder, as a durable task with the resource [`WRITE_RESULTS_RESOURCE`], and
    /// takes what it answers.
    fn write_results(&mut self, thread: &Thread, state: &State, run: &mut MapRun) -> Written {
        if let Some(outcome) = run.writer_outcome.take() {
            return match (outcome.output, outcome.failure) {
                (Some(details), None) => Written::Result(details),
                (_, record) => Written::Failed(record.as_ref().map_or_else(
                    || Failure::new("States.ResultWriterFailed", "The Map Run's results could not be written."),
                    Failure::from,
                )),
            };
        }
        if run.writer_key.is_some() {
            return Written::Waiting;
        }
        let writer = state.field("ResultWriter").and_then(Value::as_object);
        let exports = writer.is_some_and(|writer| writer.contains_key("Resource"));
        let map_run_arn = run.map_run_arn.clone().filter(|_| exports && run.distributed && self.map_children);
        let (Some(writer), Some(map_run_arn)) = (writer, map_run_arn) else {
            let outputs = std::mem::take(&mut run.outputs).into_iter().map(|output| output.unwrap_or(Value::Null));
            let flatten = writer
                .and_then(|writer| writer.get("WriterConfig"))
                .and_then(|config| config.get("Transformation"))
                .is_some_and(|transformation| transformation == "FLATTEN");
            let outputs: Vec<Value> = if flatten {
                outputs
                    .flat_map(|output| match output {
                        Value::Array(elements) => elements,
                        other => vec![other],
                    })
                    .collect()
            } else {
                outputs.collect()
            };
            return Written::Result(Value::Array(outputs));
        };
        let (arguments, config) = match self.result_writer_fields(thread, state, writer) {
            Ok(fields) => fields,
            Err(failure) => return Written::Failed(failure),
        };
        let key = self.key();
        self.decision.actions.push(Action::Invoke(TaskRequest {
            key,
            state_name: state.name.to_string(),
            resource: TaskResource::parse(WRITE_RESULTS_RESOURCE),
            arguments: serde_json::json!({
                "MapRunArn": map_run_arn,
                "Resource": writer.get("Resource").cloned().unwrap_or(Value::Null),
                "Bucket": arguments.get("Bucket").cloned().unwrap_or(Value::Null),
                "Prefix": arguments.get("Prefix").cloned().unwrap_or(Value::String(String::new())),
                "WriterConfig": config,
            }),
            token: None,
            timeout_seconds: None,
            heartbeat_seconds: None,
            invocation: 0,
            skip_waits: false,
        }));
        run.writer_key = Some(key);
        Written::Waiting
    }

    /// A `ResultWriter`'s `Parameters` (JSONPath, against the state's effective input) or
    /// `Arguments` (JSONata), and its `WriterConfig`, evaluated.
    fn result_writer_fields(
        &mut self,
        thread: &Thread,
        state: &State,
        writer: &Map<String, Value>,
    ) -> Result<(Value, Value), Failure> {
        let At::Run(attempt) = &thread.at else {
            return Err(Failure::new("States.Runtime", "The Map state is not running."));
        };
        let entry = self.entry(&thread.path, &thread.variables, attempt, state);
        let written_config = writer.get("WriterConfig").cloned().unwrap_or(Value::Object(Map::new()));
        let evaluated = if state.language == asl::validate::QueryLanguage::Jsonata {
            let states = asl::eval::expression::States::new(entry.input.clone(), entry.context.clone());
            let scope = asl::eval::expression::ExpressionScope::new(&thread.variables, &states);
            let template = writer.get("Arguments").cloned().unwrap_or(Value::Object(Map::new()));
            asl::eval::expression::evaluate_template(&template, "ResultWriter/Arguments", &scope, self.env).and_then(
                |arguments| {
                    asl::eval::expression::evaluate_template(
                        &written_config,
                        "ResultWriter/WriterConfig",
                        &scope,
                        self.env,
                    )
                    .map(|config| (arguments, config))
                },
            )
        } else {
            let raw =
                asl::eval::PathScope { input: &entry.input, context: &entry.context, variables: &thread.variables };
            asl::eval::jsonpath::filter_path(state.field("InputPath"), &entry.input, &raw).and_then(|input| {
                let scope =
                    asl::eval::PathScope { input: &input, context: &entry.context, variables: &thread.variables };
                let template = writer.get("Parameters").cloned().unwrap_or(Value::Object(Map::new()));
                asl::eval::jsonpath::payload_template(&template, &scope, self.env)
                    .map(|arguments| (arguments, written_config))
            })
        };
        evaluated.map_err(|error| Failure::new(error.error, error.cause))
    }
}

impl MapRun {
    /// How many items the item at `index` holds: a batch's size, else one.
    fn items_in(&self, index: usize) -> usize {
        self.batch_sizes.get(index).map_or(1, |size| *size as usize)
    }

    /// Counts a failed item of a distributed Map (its error output takes its place in the
    /// results) and returns `States.ExceedToleratedFailureThreshold` once the failures exceed
    /// what the state tolerates.
    fn tolerate(&mut self, index: usize, item_failure: &Failure) -> Option<Failure> {
        self.failures += self.items_in(index);
        self.outputs[index] = Some(item_failure.error_output());
        self.threshold_exceeded()
    }

    /// `States.ExceedToleratedFailureThreshold` if the failures counted exceed what the run
    /// tolerates now.
    fn threshold_exceeded(&self) -> Option<Failure> {
        let config = MapConfig {
            mode: MapMode::Distributed,
            max_concurrency: self.max_concurrency,
            tolerated_failure_count: self.tolerated_failure_count,
            tolerated_failure_percentage: self.tolerated_failure_percentage,
        };
        let item_total = if self.item_total == 0 { self.items.len() } else { self.item_total };
        config.exceeded(self.failures, item_total).then(|| {
            Failure::new(
                "States.ExceedToleratedFailureThreshold",
                "The specified tolerated failure threshold was exceeded",
            )
        })
    }
}

/// The Map run whose child execution reports with `key`.
pub(super) fn find_child_run(thread: &mut Thread, key: u64) -> Option<&mut MapRun> {
    let At::Run(attempt) = &mut thread.at else { return None };
    let owns = matches!(&attempt.phase, Phase::Map(run)
        if run.writer_key == Some(key) || run.children.iter().any(|child| child.key == key));
    if owns {
        return match &mut attempt.phase {
            Phase::Map(run) => Some(run),
            _ => None,
        };
    }
    match &mut attempt.phase {
        Phase::Parallel { branches } => branches.iter_mut().find_map(|branch| find_child_run(branch, key)),
        Phase::Map(run) => run.running.iter_mut().find_map(|iteration| find_child_run(&mut iteration.thread, key)),
        _ => None,
    }
}

/// The running Map Run `arn` in `thread` or the threads under it.
pub(super) fn find_run<'t>(thread: &'t mut Thread, arn: &str) -> Option<&'t mut MapRun> {
    let At::Run(attempt) = &mut thread.at else { return None };
    match &mut attempt.phase {
        Phase::Map(run) => {
            if run.map_run_arn.as_deref() == Some(arn) {
                return Some(run);
            }
            run.running.iter_mut().find_map(|iteration| find_run(&mut iteration.thread, arn))
        }
        Phase::Parallel { branches } => branches.iter_mut().find_map(|branch| find_run(branch, arn)),
        _ => None,
    }
}

/// A distributed Map's item processor as a definition of its own, for its child executions.
fn processor_definition(state: &State, machine: &Machine) -> Value {
    let mut processor = state
        .field("ItemProcessor")
        .or_else(|| state.field("Iterator"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    processor.remove("ProcessorConfig");
    if state.language == asl::validate::QueryLanguage::Jsonata && !processor.contains_key("QueryLanguage") {
        processor.insert("QueryLanguage".into(), Value::String("JSONata".into()));
    }
    let _ = machine;
    Value::Object(processor)
}

/// `STANDARD` or `EXPRESS`: how a distributed Map runs its child executions.
fn child_execution_type(state: &State) -> String {
    state
        .field("ItemProcessor")
        .and_then(|processor| processor.get("ProcessorConfig"))
        .and_then(|config| config.get("ExecutionType"))
        .and_then(Value::as_str)
        .unwrap_or("STANDARD")
        .to_string()
}

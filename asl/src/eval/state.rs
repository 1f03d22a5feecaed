//! One state's evaluation, as pure steps a runner drives: [`start`] processes the state's
//! input and says what must happen next ([`Step`]: complete, wait, invoke a task, run
//! branches or items, or fail); [`finish`] turns a result (a task's, or the branches' or
//! items' outputs) into the state's output; [`recover`] decides what a failure leads to
//! (retry, a catcher, or failing).
//!
//! The runner here, the TestState API and the engine all drive the same steps. Errors are
//! AWS's: names and causes, with the `An error occurred while executing the state …`
//! prefix when the entry's event id is known.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    Environment, EvalError, PathScope,
    choice::{Decision, decide_jsonata, decide_jsonpath},
    expression::{
        ExpressionScope, States, evaluate_expression, evaluate_template, expression_of, undefined, wrong_type,
    },
    failure::{Failure, Site, compact},
    jsonpath::{apply_result_path, dynamic_value, filter_path, payload_template, read_reference, read_required},
    machine::{MapMode, State, StateKind, Transition},
    time::{Instant, parse_timestamp},
    variables::{assign_jsonata, assign_jsonpath},
};
use crate::validate::QueryLanguage;

/// A state about to be evaluated: its definition, its raw input and what it can read.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// The state.
    pub state: &'a State,
    /// Its raw input (the previous state's output).
    pub input: Value,
    /// Its context object (`$$`, `$states.context`).
    pub context: Value,
    /// The variables visible to it, as they were when it was entered.
    pub variables: &'a Map<String, Value>,
    /// The id of its `…StateEntered` history event, quoted in error causes; `None` without
    /// a history (TestState).
    pub entered_event_id: Option<u64>,
}

/// What a state needs next, once its input is processed.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The state is done.
    Complete(Completion),
    /// Wait (Wait states), then complete.
    Wait {
        /// Until when.
        until: WaitUntil,
        /// The state's completion after the wait.
        completion: Completion,
    },
    /// Invoke a Task's resource with these arguments, then call [`finish`] with its result
    /// or [`recover`] with its failure.
    Invoke {
        /// The `Resource` ARN.
        resource: String,
        /// The effective parameters (JSONPath) or `Arguments` (JSONata).
        arguments: Value,
    },
    /// Run every branch of a Parallel state on `input`, then call [`finish`] with the array
    /// of their outputs.
    Branches {
        /// The input every branch receives.
        input: Value,
    },
    /// Run a Map state's item processor on each item, then call [`finish`] with the array of
    /// their outputs.
    Items {
        /// The items, after `ItemSelector`.
        items: Vec<Value>,
        /// Concurrency and failure tolerance.
        config: MapConfig,
    },
    /// A Map state with an `ItemReader`: read the items (S3, or TestState's
    /// `mapItemReaderData`), pass them to [`select_items`], then run them as for
    /// [`Step::Items`].
    ReadItems {
        /// What to read.
        reader: ItemRead,
        /// Concurrency and failure tolerance.
        config: MapConfig,
    },
    /// The state fails (a Fail state, or an error while processing its input).
    Fail(Failure),
}

/// How a state completes.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The state's output.
    pub output: Value,
    /// Where the execution goes.
    pub next: Next,
    /// The variables the state assigns (they take effect now).
    pub assigned: Map<String, Value>,
}

/// Where an execution goes after a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Next {
    /// To the named state of the same scope.
    State(String),
    /// The scope ends with the state's output.
    End,
}

/// How long a Wait state waits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WaitUntil {
    /// A number of seconds.
    Seconds(u64),
    /// An instant, with the timestamp as written.
    Timestamp {
        /// The timestamp text.
        text: String,
        /// The instant it names.
        instant: Instant,
    },
}

/// A Map state's `ItemReader`, evaluated: what the engine must read.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemRead {
    /// `Resource` (`arn:aws:states:::s3:getObject`, `…:s3:listObjectsV2`).
    pub resource: String,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata), evaluated.
    pub arguments: Value,
    /// `ReaderConfig`, as written.
    pub reader_config: Value,
    /// `MaxItems` (or `MaxItemsPath`), evaluated: read at most this many items (0: all).
    pub max_items: Option<u64>,
}

/// A Map state's concurrency and failure tolerance, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct MapConfig {
    /// `Mode`.
    pub mode: MapMode,
    /// `MaxConcurrency` (0: no limit).
    pub max_concurrency: u64,
    /// `ToleratedFailureCount`, when set.
    pub tolerated_failure_count: Option<u64>,
    /// `ToleratedFailurePercentage`, when set.
    pub tolerated_failure_percentage: Option<f64>,
}

impl MapConfig {
    /// Whether `failures` failed items out of `total` exceed the tolerance: more than
    /// `ToleratedFailureCount`, or more than `ToleratedFailurePercentage` percent, when set.
    /// With no tolerance set, any failure does.
    pub fn exceeded(&self, failures: usize, total: usize) -> bool {
        if failures == 0 {
            return false;
        }
        let by_count = self.tolerated_failure_count.map(|count| failures as u64 > count);
        let by_percentage = self
            .tolerated_failure_percentage
            .map(|percentage| (failures as f64) * 100.0 / (total.max(1) as f64) > percentage);
        match (by_count, by_percentage) {
            (None, None) => true,
            (Some(count), None) => count,
            (None, Some(percentage)) => percentage,
            (Some(count), Some(percentage)) => count || percentage,
        }
    }
}

/// What a failure leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum Recovery {
    /// Retry the state: retrier `retrier` matched and has attempts left.
    Retry {
        /// The retrier's position in `Retry`.
        retrier: usize,
        /// The delay before the retry, in seconds, before jitter.
        delay_seconds: f64,
    },
    /// Catcher `catcher` matched: the state completes through it.
    Catch {
        /// The catcher's position in `Catch`.
        catcher: usize,
        /// Where the retrier that matched but was exhausted sits, if one did.
        exhausted_retrier: Option<usize>,
        /// The state's completion through the catcher.
        completion: Completion,
    },
    /// Nothing handles it: the state (and its scope) fails.
    Fail {
        /// The failure.
        failure: Failure,
        /// Where the retrier that matched but was exhausted sits, if one did.
        exhausted_retrier: Option<usize>,
    },
}

/// The intermediate values of a state's data flow, as the TestState API reports them
/// (`inspectionData`). A runner that does not need them passes `None` and pays nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspection {
    /// The raw input.
    pub input: Option<Value>,
    /// After `InputPath`.
    pub after_input_path: Option<Value>,
    /// After `Parameters` (the effective input when there is none).
    pub after_parameters: Option<Value>,
    /// After `Arguments` (JSONata).
    pub after_arguments: Option<Value>,
    /// The state's result (a task's result, a Pass state's `Result`).
    pub result: Option<Value>,
    /// After `ResultSelector`.
    pub after_result_selector: Option<Value>,
    /// After `ResultPath`.
    pub after_result_path: Option<Value>,
    /// After `ItemsPath` (Map).
    pub after_items_path: Option<Value>,
    /// `MaxConcurrency` (Map).
    pub max_concurrency: Option<u64>,
    /// `ToleratedFailureCount`, when set (Map).
    pub tolerated_failure_count: Option<u64>,
    /// `ToleratedFailurePercentage`, when set (Map).
    pub tolerated_failure_percentage: Option<f64>,
    /// The variables after the state's assignments, when it assigns any.
    pub variables: Option<Value>,
    /// Which retrier or catcher handled an error.
    pub error_details: Option<ErrorDetails>,
}

/// `inspectionData.errorDetails`: which retrier or catcher handled an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorDetails {
    /// The catcher's position in `Catch`.
    pub catch_index: Option<usize>,
    /// The position in `Retry` of the retrier that matched.
    pub retry_index: Option<usize>,
    /// The delay before the retry, in seconds.
    pub retry_backoff_interval_seconds: Option<u64>,
}

impl Entry<'_> {
    fn site(&self) -> Site<'_> {
        Site { state_name: &self.state.name, entered_event_id: self.entered_event_id }
    }

    /// Turns an evaluation error into the state's failure, with AWS's prefix (which AWS
    /// leaves off `States.ResultPathMatchFailure` and `States.ItemReaderFailed` causes).
    pub fn failure(&self, error: EvalError) -> Failure {
        match error.error.as_str() {
            "States.ResultPathMatchFailure" | "States.ItemReaderFailed" => error.into(),
            _ => self.site().wrap(error).into(),
        }
    }

    fn scope<'b>(&'b self, input: &'b Value) -> PathScope<'b> {
        PathScope { input, context: &self.context, variables: self.variables }
    }

    fn states(&self) -> States {
        States::new(self.input.clone(), self.context.clone())
    }

    fn expressions(&self, states: &States) -> ExpressionScope {
        ExpressionScope::new(self.variables, states)
    }

    fn next(&self) -> Next {
        match &self.state.transition {
            Transition::Next(name) => Next::State(name.clone()),
            Transition::End | Transition::Choose => Next::End,
        }
    }

    fn is_jsonata(&self) -> bool {
        self.state.language == QueryLanguage::Jsonata
    }
}

/// Processes a state's input: everything up to the point where the state needs something
/// from outside (a task result, branch or item outputs, the end of a wait), or to its
/// completion for states that need nothing.
pub fn start(entry: &Entry, env: &mut dyn Environment, mut trace: Option<&mut Inspection>) -> Step {
    note(&mut trace, |inspection| inspection.input = Some(entry.input.clone()));
    let outcome =
        if entry.is_jsonata() { start_jsonata(entry, env, &mut trace) } else { start_jsonpath(entry, env, &mut trace) };
    match outcome {
        Ok(step) => step,
        Err(error) => Step::Fail(entry.failure(error)),
    }
}

/// [`start`] for a caller that hands the input over: a state whose output is its input
/// unchanged (see [`passes_input_through`]) moves the input into its output instead of
/// copying it, and leaves `entry.input` `null`. Any other state leaves `entry.input` as it
/// was.
pub fn start_taking_input(entry: &mut Entry, env: &mut dyn Environment) -> Step {
    if entry.is_jsonata() || !passes_input_through(entry.state) {
        return start(entry, env, None);
    }
    let scope = entry.scope(&entry.input);
    let chosen = match entry.state.kind {
        StateKind::Choice => {
            choose_jsonpath(entry.state, &scope, env).map(|(next, assigned)| (Next::State(next), assigned))
        }
        // A Pass state's `Assign` reads its result, which is its input here.
        _ => match entry.state.field("Assign") {
            Some(assign) => assign_jsonpath(assign, &scope, env).map(|assigned| (entry.next(), assigned)),
            None => Ok((entry.next(), Map::new())),
        },
    };
    match chosen {
        Ok((next, assigned)) => Step::Complete(Completion { output: std::mem::take(&mut entry.input), next, assigned }),
        Err(error) => Step::Fail(entry.failure(error)),
    }
}

/// Completes a Task, Parallel or Map state (and a JSONPath Pass state) with its result:
/// `ResultSelector`, `Assign`, `ResultPath` and `OutputPath` in JSONPath; `Output` (default:
/// the result) and `Assign` in JSONata.
pub fn finish(
    entry: &Entry,
    result: Value,
    env: &mut dyn Environment,
    mut trace: Option<&mut Inspection>,
) -> Result<Completion, Failure> {
    let outcome = if entry.is_jsonata() {
        let mut states = entry.states();
        states.result = Some(result.clone());
        let scope = entry.expressions(&states);
        let assigned = match entry.state.field("Assign") {
            Some(assign) => assign_jsonata(assign, &scope, env),
            None => Ok(Map::new()),
        };
        assigned.and_then(|assigned| {
            let output = match entry.state.field("Output") {
                Some(template) => evaluate_template(template, "Output", &scope, env)?,
                None => result,
            };
            Ok(Completion { output, next: entry.next(), assigned })
        })
    } else {
        finish_jsonpath(entry, result, env, &mut trace)
    };
    outcome.map_err(|error| entry.failure(error))
}

/// What `failure` leads to for this state. `retry_counts[i]` is how many times retrier `i`
/// has already retried the state. The first retrier whose `ErrorEquals` matches decides:
/// retry while it has attempts left; otherwise (or when no retrier matches) the first
/// matching catcher completes the state; otherwise the state fails.
pub fn recover(entry: &Entry, failure: Failure, retry_counts: &[u32], env: &mut dyn Environment) -> Recovery {
    if failure.is_terminal() {
        return Recovery::Fail { failure, exhausted_retrier: None };
    }
    let mut exhausted_retrier = None;
    if let Some((index, retrier)) =
        entry.state.retriers.iter().enumerate().find(|(_, retrier)| failure.matches(&retrier.error_equals))
    {
        let count = retry_counts.get(index).copied().unwrap_or(0);
        if count < retrier.max_attempts {
            return Recovery::Retry { retrier: index, delay_seconds: retrier.delay_seconds(count) };
        }
        exhausted_retrier = Some(index);
    }
    let Some((index, catcher)) =
        entry.state.catchers.iter().enumerate().find(|(_, catcher)| failure.matches(&catcher.error_equals))
    else {
        return Recovery::Fail { failure, exhausted_retrier };
    };
    let error_output = failure.error_output();
    let next = Next::State(catcher.next.clone());
    let completion = if entry.is_jsonata() {
        let mut states = entry.states();
        states.error_output = Some(error_output.clone());
        let scope = entry.expressions(&states);
        let assigned = match catcher.fields.get("Assign") {
            Some(assign) => assign_jsonata(assign, &scope, env),
            None => Ok(Map::new()),
        };
        assigned.and_then(|assigned| {
            let output = match catcher.fields.get("Output") {
                Some(template) => evaluate_template(template, "Output", &scope, env)?,
                None => error_output,
            };
            Ok(Completion { output, next, assigned })
        })
    } else {
        let assigned = match catcher.fields.get("Assign") {
            Some(assign) => assign_jsonpath(assign, &entry.scope(&error_output), env),
            None => Ok(Map::new()),
        };
        assigned.and_then(|assigned| {
            let output = apply_result_path(catcher.fields.get("ResultPath"), &entry.input, error_output)?;
            Ok(Completion { output, next, assigned })
        })
    };
    match completion {
        Ok(completion) => Recovery::Catch { catcher: index, exhausted_retrier, completion },
        Err(error) => Recovery::Fail { failure: entry.failure(error), exhausted_retrier },
    }
}

/// Applies a Map state's `ItemSelector` (or legacy `Parameters`) to items read by its
/// `ItemReader` (see [`Step::ReadItems`]).
pub fn select_items(entry: &Entry, items: Vec<Value>, env: &mut dyn Environment) -> Result<Vec<Value>, Failure> {
    let effective = if entry.is_jsonata() {
        Ok(entry.input.clone())
    } else {
        filter_path(entry.state.field("InputPath"), &entry.input, &entry.scope(&entry.input))
    };
    effective.and_then(|effective| select(entry, &effective, items, env)).map_err(|error| entry.failure(error))
}

/// The context object of one Map item: `Map.Item.Index` and `Map.Item.Value` added.
pub fn with_map_item(context: &Value, index: usize, item: Value) -> Value {
    let mut context = context.clone();
    if let Value::Object(members) = &mut context {
        let mut item_object = Map::new();
        item_object.insert("Index".into(), Value::from(index));
        item_object.insert("Value".into(), item);
        let mut map = Map::new();
        map.insert("Item".into(), Value::Object(item_object));
        members.insert("Map".into(), Value::Object(map));
    }
    context
}

fn note(trace: &mut Option<&mut Inspection>, record: impl FnOnce(&mut Inspection)) {
    if let Some(inspection) = trace.as_deref_mut() {
        record(inspection);
    }
}

fn start_jsonpath(
    entry: &Entry,
    env: &mut dyn Environment,
    trace: &mut Option<&mut Inspection>,
) -> Result<Step, EvalError> {
    let state = entry.state;
    let raw = &entry.input;
    if let (StateKind::Pass, Some(result)) = (&state.kind, state.field("Result")) {
        note(trace, |inspection| inspection.result = Some(result.clone()));
        return finish_jsonpath(entry, result.clone(), env, trace).map(Step::Complete);
    }
    // Without an `InputPath` the effective input is the raw input itself, not a copy.
    let effective = match state.field("InputPath") {
        None => Cow::Borrowed(raw),
        path => Cow::Owned(filter_path(path, raw, &entry.scope(raw))?),
    };
    note(trace, |inspection| inspection.after_input_path = Some(Value::clone(&effective)));
    let parameters = |env: &mut dyn Environment, trace: &mut Option<&mut Inspection>| -> Result<Value, EvalError> {
        let value = match state.field("Parameters") {
            Some(template) => payload_template(template, &entry.scope(&effective), env)?,
            None => Value::clone(&effective),
        };
        note(trace, |inspection| inspection.after_parameters = Some(value.clone()));
        Ok(value)
    };
    match &state.kind {
        StateKind::Pass => {
            let result = parameters(env, trace)?;
            finish_jsonpath(entry, result, env, trace).map(Step::Complete)
        }
        StateKind::Task => Ok(Step::Invoke { resource: resource(state), arguments: parameters(env, trace)? }),
        StateKind::Parallel { .. } => Ok(Step::Branches { input: parameters(env, trace)? }),
        StateKind::Map { mode, .. } => {
            let config = map_config_jsonpath(state, *mode, &entry.scope(&effective))?;
            if let Some(reader) = state.field("ItemReader") {
                note_config(trace, &config);
                let reader = item_read_jsonpath(reader, &entry.scope(&effective), env)?;
                return Ok(Step::ReadItems { reader, config });
            }
            let items_path = state.field("ItemsPath").and_then(Value::as_str).unwrap_or("$");
            let items = match read_required(items_path, &entry.scope(&effective))? {
                Value::Array(items) => items,
                _ => {
                    // AWS quotes a context path with one `$` less (`$$.Execution.Input` as
                    // `$.Execution.Input`; recorded).
                    let shown = items_path.strip_prefix('$').filter(|rest| rest.starts_with('$')).unwrap_or(items_path);
                    return Err(EvalError::runtime(format!("Reference path \"{shown}\" must point to array.")));
                }
            };
            note(trace, |inspection| inspection.after_items_path = Some(Value::Array(items.clone())));
            note_config(trace, &config);
            let items = select(entry, &effective, items, env)?;
            Ok(Step::Items { items, config })
        }
        StateKind::Choice => {
            let (next, assigned) = choose_jsonpath(state, &entry.scope(&effective), env)?;
            let output = filter_path(state.field("OutputPath"), &effective, &entry.scope(&effective))?;
            Ok(Step::Complete(Completion { output, next: Next::State(next), assigned }))
        }
        StateKind::Wait => {
            let until = wait_jsonpath(state, &entry.scope(&effective))?;
            let completion = complete_plain_jsonpath(entry, &effective, env)?;
            Ok(Step::Wait { until, completion })
        }
        StateKind::Succeed => complete_plain_jsonpath(entry, &effective, env).map(Step::Complete),
        StateKind::Fail => Ok(Step::Fail(fail_jsonpath(state, &entry.scope(raw), env)?)),
    }
}

/// Whether a JSONPath state's output is its raw input, unchanged: a Choice state without
/// `InputPath` and `OutputPath`, and a Pass state without those, `Parameters`, `Result`,
/// `ResultSelector` and `ResultPath` (its result is its input, which then replaces the
/// input whole). `Assign` reads the input but does not change it.
fn passes_input_through(state: &State) -> bool {
    let plain = state.field("InputPath").is_none() && state.field("OutputPath").is_none();
    match state.kind {
        StateKind::Choice => plain,
        StateKind::Pass => {
            plain
                && state.field("Parameters").is_none()
                && state.field("Result").is_none()
                && state.field("ResultSelector").is_none()
                && state.field("ResultPath").is_none()
        }
        _ => false,
    }
}

/// A JSONPath Choice state's rules, evaluated against `scope` (the effective input): the
/// next state and the variables the chosen rule (or the state, for `Default`) assigns.
fn choose_jsonpath(
    state: &State,
    scope: &PathScope,
    env: &mut dyn Environment,
) -> Result<(String, Map<String, Value>), EvalError> {
    let choices = state.field("Choices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let default = state.field("Default").and_then(Value::as_str);
    let (next, assign) = match decide_jsonpath(choices, default, scope)? {
        Decision::Rule { rule, .. } => {
            // A rule has a few members: comparing their names is cheaper than hashing one.
            let member = |name: &str| rule.iter().find(|(key, _)| key.as_str() == name).map(|(_, value)| value);
            (member("Next").and_then(Value::as_str).unwrap_or_default().to_string(), member("Assign"))
        }
        Decision::Default(Some(default)) => (default.to_string(), state.field("Assign")),
        Decision::Default(None) => return Err(no_choice_matched()),
    };
    let assigned = match assign {
        Some(assign) => assign_jsonpath(assign, scope, env)?,
        None => Map::new(),
    };
    Ok((next, assigned))
}

/// Wait and Succeed: `Assign` (Wait) reads the effective input, `OutputPath` filters it.
fn complete_plain_jsonpath(
    entry: &Entry,
    effective: &Value,
    env: &mut dyn Environment,
) -> Result<Completion, EvalError> {
    let assigned = match entry.state.field("Assign") {
        Some(assign) => assign_jsonpath(assign, &entry.scope(effective), env)?,
        None => Map::new(),
    };
    let output = filter_path(entry.state.field("OutputPath"), effective, &entry.scope(effective))?;
    Ok(Completion { output, next: entry.next(), assigned })
}

fn start_jsonata(
    entry: &Entry,
    env: &mut dyn Environment,
    trace: &mut Option<&mut Inspection>,
) -> Result<Step, EvalError> {
    let state = entry.state;
    let states = entry.states();
    let scope = entry.expressions(&states);
    let arguments = |env: &mut dyn Environment, trace: &mut Option<&mut Inspection>| -> Result<Value, EvalError> {
        let value = match state.field("Arguments") {
            Some(template) => evaluate_template(template, "Arguments", &scope, env)?,
            None => entry.input.clone(),
        };
        note(trace, |inspection| inspection.after_arguments = Some(value.clone()));
        Ok(value)
    };
    match &state.kind {
        StateKind::Pass | StateKind::Succeed => complete_plain_jsonata(entry, &scope, env).map(Step::Complete),
        StateKind::Task => Ok(Step::Invoke { resource: resource(state), arguments: arguments(env, trace)? }),
        StateKind::Parallel { .. } => Ok(Step::Branches { input: arguments(env, trace)? }),
        StateKind::Map { mode, .. } => {
            let config = map_config_jsonata(state, *mode, &scope, env)?;
            note_config(trace, &config);
            if let Some(reader) = state.field("ItemReader") {
                let reader = item_read_jsonata(reader, &scope, env)?;
                return Ok(Step::ReadItems { reader, config });
            }
            let items = match state.field("Items") {
                Some(items) => match expression_of(items) {
                    Some(body) => match evaluate_expression(body, "Items", &scope, env)? {
                        Some(Value::Array(items)) => items,
                        Some(other) => return Err(wrong_type(body, "Items", "array", &other)),
                        None => return Err(undefined(body, "Items")),
                    },
                    None => match evaluate_template(items, "Items", &scope, env)? {
                        Value::Array(items) => items,
                        other => {
                            return Err(EvalError::query(format!(
                                "The field 'Items' must be an array, but was: {}",
                                compact(&other)
                            )));
                        }
                    },
                },
                None => match &entry.input {
                    Value::Array(items) => items.clone(),
                    other => {
                        return Err(EvalError::query(format!(
                            "Map state input must be an array but was: {}",
                            compact(other)
                        )));
                    }
                },
            };
            let items = select(entry, &entry.input, items, env)?;
            Ok(Step::Items { items, config })
        }
        StateKind::Choice => {
            let choices = state.field("Choices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let default = state.field("Default").and_then(Value::as_str);
            let (next, holder) = match decide_jsonata(choices, default, &scope, env)? {
                Decision::Rule { rule, .. } => {
                    (rule.get("Next").and_then(Value::as_str).unwrap_or_default().to_string(), Some(rule))
                }
                Decision::Default(Some(default)) => (default.to_string(), None),
                Decision::Default(None) => return Err(no_choice_matched()),
            };
            let field = |name: &str| match holder {
                Some(rule) => rule.get(name),
                None => state.field(name),
            };
            let assigned = match field("Assign") {
                Some(assign) => assign_jsonata(assign, &scope, env)?,
                None => Map::new(),
            };
            let output = match field("Output") {
                Some(template) => evaluate_template(template, "Output", &scope, env)?,
                None => entry.input.clone(),
            };
            Ok(Step::Complete(Completion { output, next: Next::State(next), assigned }))
        }
        StateKind::Wait => {
            let until = wait_jsonata(state, &scope, env)?;
            let completion = complete_plain_jsonata(entry, &scope, env)?;
            Ok(Step::Wait { until, completion })
        }
        StateKind::Fail => Ok(Step::Fail(fail_jsonata(state, &scope, env)?)),
    }
}

/// Pass, Wait and Succeed in JSONata: `Output` (default: the input) and `Assign`.
fn complete_plain_jsonata(
    entry: &Entry,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<Completion, EvalError> {
    let assigned = match entry.state.field("Assign") {
        Some(assign) => assign_jsonata(assign, scope, env)?,
        None => Map::new(),
    };
    let output = match entry.state.field("Output") {
        Some(template) => evaluate_template(template, "Output", scope, env)?,
        None => entry.input.clone(),
    };
    Ok(Completion { output, next: entry.next(), assigned })
}

fn finish_jsonpath(
    entry: &Entry,
    result: Value,
    env: &mut dyn Environment,
    trace: &mut Option<&mut Inspection>,
) -> Result<Completion, EvalError> {
    let state = entry.state;
    let selected = match state.field("ResultSelector") {
        Some(template) => payload_template(template, &entry.scope(&result), env)?,
        None => result,
    };
    note(trace, |inspection| inspection.after_result_selector = Some(selected.clone()));
    let assigned = match state.field("Assign") {
        Some(assign) => assign_jsonpath(assign, &entry.scope(&selected), env)?,
        None => Map::new(),
    };
    let combined = apply_result_path(state.field("ResultPath"), &entry.input, selected)?;
    note(trace, |inspection| inspection.after_result_path = Some(combined.clone()));
    // Without an `OutputPath` the output is the combined value itself, not a copy.
    let output = match state.field("OutputPath") {
        None => combined,
        path => filter_path(path, &combined, &entry.scope(&combined))?,
    };
    Ok(Completion { output, next: entry.next(), assigned })
}

/// `ItemSelector`: each item becomes the template evaluated with `$` the Map state's
/// effective input (`$states.input` in JSONata) and `Map.Item` in the context object.
fn select(
    entry: &Entry,
    effective: &Value,
    items: Vec<Value>,
    env: &mut dyn Environment,
) -> Result<Vec<Value>, EvalError> {
    let state = entry.state;
    let selector =
        state.field("ItemSelector").or_else(|| if entry.is_jsonata() { None } else { state.field("Parameters") });
    let Some(template) = selector else { return Ok(items) };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let context = with_map_item(&entry.context, index, item);
            if entry.is_jsonata() {
                let item_states = States::new(entry.input.clone(), context);
                evaluate_template(template, "ItemSelector", &entry.expressions(&item_states), env)
            } else {
                let scope = PathScope { input: effective, context: &context, variables: entry.variables };
                payload_template(template, &scope, env)
            }
        })
        .collect()
}

fn item_read_jsonpath(reader: &Value, scope: &PathScope, env: &mut dyn Environment) -> Result<ItemRead, EvalError> {
    let arguments = match reader.get("Parameters") {
        Some(template) => payload_template(template, scope, env)?,
        None => Value::Object(Map::new()),
    };
    let reader_config = reader.get("ReaderConfig").cloned().unwrap_or(Value::Object(Map::new()));
    let max_items = match (reader_config.get("MaxItems"), reader_config.get("MaxItemsPath").and_then(Value::as_str)) {
        (Some(value), _) => Some(max_items(value)?),
        (None, Some(path)) => {
            let value = read_reference(path, scope).ok_or_else(|| {
                EvalError::new(
                    "States.ItemReaderFailed",
                    format!("The MaxItemsPath field does not reference an input value: {path}"),
                )
            })?;
            Some(max_items(&value)?)
        }
        (None, None) => None,
    };
    Ok(ItemRead { resource: reader_resource(reader), arguments, reader_config, max_items })
}

fn item_read_jsonata(
    reader: &Value,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<ItemRead, EvalError> {
    let arguments = match reader.get("Arguments") {
        Some(template) => evaluate_template(template, "ItemReader/Arguments", scope, env)?,
        None => Value::Object(Map::new()),
    };
    let written = reader.get("ReaderConfig").cloned().unwrap_or(Value::Object(Map::new()));
    let reader_config = evaluate_template(&written, "ItemReader/ReaderConfig", scope, env)?;
    let max_items = reader_config.get("MaxItems").map(max_items).transpose()?;
    Ok(ItemRead { resource: reader_resource(reader), arguments, reader_config, max_items })
}

fn reader_resource(reader: &Value) -> String {
    reader.get("Resource").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `MaxItems`: a non-negative integer (AWS also takes one written as a string).
fn max_items(value: &Value) -> Result<u64, EvalError> {
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number {
        Some(number) if number >= 0.0 && number.fract() == 0.0 => Ok(number as u64),
        Some(number) if number < 0.0 => {
            Err(EvalError::new("States.ItemReaderFailed", "field MaxItems must be positive"))
        }
        _ => Err(EvalError::new(
            "States.ItemReaderFailed",
            format!("field MaxItems must be an integer, but was: {}", shown(value)),
        )),
    }
}

fn resource(state: &State) -> String {
    state.field("Resource").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// No rule matched and there is no `Default`. The ASL specification names the error
/// `States.NoChoiceMatched`; AWS reports `States.Runtime` with this cause (observed against
/// AWS by independent conformance suites), and Statehouse does as AWS does.
fn no_choice_matched() -> EvalError {
    EvalError::runtime("Failed to transition out of the state. The state does not point to a next state.")
}

fn note_config(trace: &mut Option<&mut Inspection>, config: &MapConfig) {
    note(trace, |inspection| {
        inspection.max_concurrency = Some(config.max_concurrency);
        inspection.tolerated_failure_count = config.tolerated_failure_count;
        inspection.tolerated_failure_percentage = config.tolerated_failure_percentage;
    });
}

/// How AWS shows a value in "refers to value" causes: strings bare, anything else as JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => compact(other),
    }
}

fn map_config_jsonpath(state: &State, mode: MapMode, scope: &PathScope) -> Result<MapConfig, EvalError> {
    let integer = |field: &str| -> Result<Option<u64>, EvalError> {
        if let Some(value) = state.field(field) {
            return Ok(value.as_u64());
        }
        let path_field = format!("{field}Path");
        let Some(path) = state.field(&path_field).and_then(Value::as_str) else { return Ok(None) };
        let value = read_required(path, scope)?;
        value.as_u64().map(Some).ok_or_else(|| {
            EvalError::runtime(format!(
                "The {path_field} field refers to value \"{}\" which is not a valid integer: {path}",
                shown(&value)
            ))
        })
    };
    let max_concurrency = integer("MaxConcurrency")?.unwrap_or(0);
    let tolerated_failure_count = integer("ToleratedFailureCount")?;
    let tolerated_failure_percentage = match state.field("ToleratedFailurePercentage") {
        Some(value) => value.as_f64(),
        None => match state.field("ToleratedFailurePercentagePath").and_then(Value::as_str) {
            None => None,
            Some(path) => {
                let value = read_required(path, scope)?;
                let percentage = value.as_f64().ok_or_else(|| {
                    EvalError::runtime(format!(
                        "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {path}",
                        shown(&value)
                    ))
                })?;
                Some(percentage)
            }
        },
    };
    check_percentage(tolerated_failure_percentage)?;
    Ok(MapConfig { mode, max_concurrency, tolerated_failure_count, tolerated_failure_percentage })
}

fn check_percentage(percentage: Option<f64>) -> Result<(), EvalError> {
    match percentage {
        Some(percentage) if !(0.0..=100.0).contains(&percentage) => {
            Err(EvalError::runtime("ToleratedFailurePercentage must be between 0 and 100."))
        }
        _ => Ok(()),
    }
}

fn map_config_jsonata(
    state: &State,
    mode: MapMode,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<MapConfig, EvalError> {
    let mut number = |field: &str, expected: &str| -> Result<Option<Value>, EvalError> {
        let Some(value) = state.field(field) else { return Ok(None) };
        let Some(body) = expression_of(value) else { return Ok(Some(value.clone())) };
        match evaluate_expression(body, field, scope, env)? {
            Some(number @ Value::Number(_)) => Ok(Some(number)),
            Some(other) => Err(wrong_type(body, field, expected, &other)),
            None => Err(undefined(body, field)),
        }
    };
    let whole = |value: Option<Value>, field: &str| -> Result<Option<u64>, EvalError> {
        match value {
            None => Ok(None),
            Some(value) => match value
                .as_u64()
                .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            {
                Some(number) => Ok(Some(number)),
                None => Err(EvalError::query(format!(
                    "The {field} field must be a non-negative integer, but was: {}",
                    compact(&value)
                ))),
            },
        }
    };
    let max_concurrency = whole(number("MaxConcurrency", "integer")?, "MaxConcurrency")?.unwrap_or(0);
    let tolerated_failure_count = whole(number("ToleratedFailureCount", "integer")?, "ToleratedFailureCount")?;
    let tolerated_failure_percentage = number("ToleratedFailurePercentage", "number")?.and_then(|value| value.as_f64());
    check_percentage(tolerated_failure_percentage).map_err(|error| EvalError::query(error.cause))?;
    Ok(MapConfig { mode, max_concurrency, tolerated_failure_count, tolerated_failure_percentage })
}

fn wait_jsonpath(state: &State, scope: &PathScope) -> Result<WaitUntil, EvalError> {
    if let Some(seconds) = state.field("Seconds") {
        return seconds.as_u64().map(WaitUntil::Seconds).ok_or_else(|| {
            EvalError::runtime(format!(
                "The Seconds field must be a non-negative integer, but was: {}",
                compact(seconds)
            ))
        });
    }
    if let Some(text) = state.field("Timestamp").and_then(Value::as_str) {
        return timestamp(text).ok_or_else(|| {
            EvalError::runtime(format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
            ))
        });
    }
    if let Some(path) = state.field("SecondsPath").and_then(Value::as_str) {
        let value = read_reference(path, scope).ok_or_else(|| {
            EvalError::runtime(format!("The SecondsPath parameter does not reference an input value: {path}"))
        })?;
        return match &value {
            Value::Number(number) if number.as_i64().is_some_and(|seconds| seconds < 0) => Err(EvalError::runtime(
                format!("The SecondsPath parameter references a negative value: {path} == {number}"),
            )),
            Value::Number(number) if number.as_u64().is_some() => Ok(WaitUntil::Seconds(number.as_u64().unwrap_or(0))),
            other => Err(EvalError::runtime(format!(
                "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                shown(other)
            ))),
        };
    }
    if let Some(path) = state.field("TimestampPath").and_then(Value::as_str) {
        let value = read_reference(path, scope).ok_or_else(|| {
            EvalError::runtime(format!("The TimestampPath parameter does not reference an input value: {path}"))
        })?;
        return value.as_str().and_then(timestamp).ok_or_else(|| {
            EvalError::runtime(format!(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {}",
                shown(&value)
            ))
        });
    }
    Err(EvalError::runtime("A Wait state needs one of Seconds, Timestamp, SecondsPath or TimestampPath"))
}

fn wait_jsonata(state: &State, scope: &ExpressionScope, env: &mut dyn Environment) -> Result<WaitUntil, EvalError> {
    if let Some(seconds) = state.field("Seconds") {
        let (value, body) = match expression_of(seconds) {
            Some(body) => (
                evaluate_expression(body, "Seconds", scope, env)?.ok_or_else(|| undefined(body, "Seconds"))?,
                Some(body),
            ),
            None => (seconds.clone(), None),
        };
        return match value.as_u64() {
            Some(seconds) => Ok(WaitUntil::Seconds(seconds)),
            None => Err(match body {
                // As SecondsPath words it: a negative whole number is no type mistake.
                Some(body) if value.as_f64().is_some_and(|number| number < 0.0 && number.fract() == 0.0) => {
                    EvalError::query(format!(
                        "The JSONata expression '{}' specified for the field 'Seconds' returned a negative value: {}; Seconds must be a non-negative integer",
                        body.trim(),
                        compact(&value)
                    ))
                }
                Some(body) => wrong_type(body, "Seconds", "integer", &value),
                None => EvalError::query(format!(
                    "The Seconds field must be a non-negative integer, but was: {}",
                    compact(&value)
                )),
            }),
        };
    }
    if let Some(stamp) = state.field("Timestamp") {
        let value = match expression_of(stamp) {
            Some(body) => {
                evaluate_expression(body, "Timestamp", scope, env)?.ok_or_else(|| undefined(body, "Timestamp"))?
            }
            None => stamp.clone(),
        };
        return value.as_str().and_then(timestamp).ok_or_else(|| {
            EvalError::query(format!(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                shown(&value)
            ))
        });
    }
    Err(EvalError::query("A Wait state needs Seconds or Timestamp"))
}

fn timestamp(text: &str) -> Option<WaitUntil> {
    parse_timestamp(text).map(|instant| WaitUntil::Timestamp { text: text.to_string(), instant })
}

fn fail_jsonpath(state: &State, scope: &PathScope, env: &mut dyn Environment) -> Result<Failure, EvalError> {
    let mut read = |field: &str| -> Result<Option<String>, EvalError> {
        if let Some(value) = state.field(field) {
            return Ok(value.as_str().map(str::to_string));
        }
        let path_field = format!("{field}Path");
        let Some(expression) = state.field(&path_field).and_then(Value::as_str) else { return Ok(None) };
        let value = dynamic_value(&path_field, expression, scope, env)?;
        Ok(Some(shown(&value)))
    };
    Ok(Failure { error: read("Error")?, cause: read("Cause")? })
}

fn fail_jsonata(state: &State, scope: &ExpressionScope, env: &mut dyn Environment) -> Result<Failure, EvalError> {
    let mut read = |field: &str| -> Result<Option<String>, EvalError> {
        let Some(value) = state.field(field) else { return Ok(None) };
        let Some(body) = expression_of(value) else { return Ok(value.as_str().map(str::to_string)) };
        match evaluate_expression(body, field, scope, env)? {
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(body, field, "string", &other)),
            None => Err(undefined(body, field)),
        }
    };
    Ok(Failure { error: read("Error")?, cause: read("Cause")? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{FixedEnvironment, machine::Machine};
    use serde_json::json;

    fn machine(definition: Value) -> Machine {
        Machine::from_value(&definition).expect("readable")
    }

    fn run_first(machine: &Machine, input: Value) -> Step {
        let variables = Map::new();
        let entry = Entry {
            state: &machine.root.states[0],
            input,
            context: json!({"State": {"Name": "S"}}),
            variables: &variables,
            entered_event_id: Some(2),
        };
        start(&entry, &mut FixedEnvironment::new(0, 0), None)
    }

    #[test]
    fn pass_runs_the_jsonpath_data_flow() {
        let machine = machine(json!({"StartAt": "S", "States": {"S": {
            "Type": "Pass", "InputPath": "$.in", "Parameters": {"x.$": "$.v", "k": 1},
            "ResultPath": "$.out", "OutputPath": "$.out", "End": true
        }}}));
        let Step::Complete(completion) = run_first(&machine, json!({"in": {"v": "hello"}})) else {
            panic!("completes")
        };
        assert_eq!(completion.output, json!({"x": "hello", "k": 1}));
        assert_eq!(completion.next, Next::End);
    }

    #[test]
    fn missing_template_paths_fail_with_aws_cause() {
        let machine = machine(json!({"StartAt": "pass", "States": {"pass": {
            "Type": "Pass", "Parameters": {"value.$": "$.no_such_jsonpath"}, "End": true
        }}}));
        let Step::Fail(failure) = run_first(&machine, json!({"int-literal": 0})) else { panic!("fails") };
        assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            failure.cause.as_deref(),
            Some(
                "An error occurred while executing the state 'pass' (entered at the event id #2). The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
            )
        );
    }

    #[test]
    fn wait_seconds_path_errors_are_worded_as_aws() {
        let machine = machine(json!({"StartAt": "W", "States": {"W": {
            "Type": "Wait", "SecondsPath": "$.s", "End": true
        }}}));
        let cause = |input: Value| match run_first(&machine, input) {
            Step::Fail(failure) => failure.cause.unwrap_or_default(),
            other => panic!("{other:?}"),
        };
        assert!(cause(json!({"s": -1})).ends_with("The SecondsPath parameter references a negative value: $.s == -1"));
        assert!(
            cause(json!({"s": -1.5}))
                .ends_with("The SecondsPath parameter cannot be parsed as a long value: $.s == -1.5")
        );
        assert!(cause(json!({})).ends_with("The SecondsPath parameter does not reference an input value: $.s"));
        assert!(matches!(run_first(&machine, json!({"s": 0})), Step::Wait { until: WaitUntil::Seconds(0), .. }));
    }

    #[test]
    fn a_jsonata_wait_of_negative_seconds_says_so() {
        let machine = machine(json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": {
            "Type": "Wait", "Seconds": "{% $states.input.s %}", "End": true
        }}}));
        let failure = |input: Value| match run_first(&machine, input) {
            Step::Fail(failure) => failure,
            other => panic!("{other:?}"),
        };
        let negative = failure(json!({"s": -1}));
        assert_eq!(negative.error.as_deref(), Some("States.QueryEvaluationError"));
        assert!(
            negative.cause.as_deref().unwrap_or_default().ends_with(
                "The JSONata expression '$states.input.s' specified for the field 'Seconds' returned a negative value: -1; Seconds must be a non-negative integer"
            ),
            "{negative:?}"
        );
        // A fraction is a type mistake still, worded as AWS words those.
        let fraction = failure(json!({"s": 1.5})).cause.unwrap_or_default();
        assert!(fraction.contains("Expected 'integer', but was 'number' for value: 1.5"), "{fraction}");
        assert!(matches!(run_first(&machine, json!({"s": 2})), Step::Wait { until: WaitUntil::Seconds(2), .. }));
    }

    #[test]
    fn jsonata_assign_and_output_read_the_variables_from_before_the_state() {
        let machine = machine(json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
            "Type": "Pass", "Assign": {"x": "{% $x + 1 %}", "y": "{% $x %}"},
            "Output": {"before": "{% $x %}", "input": "{% $states.input.v %}"}, "End": true
        }}}));
        let variables = Map::from_iter([("x".to_string(), json!(1))]);
        let entry = Entry {
            state: &machine.root.states[0],
            input: json!({"v": "in"}),
            context: json!({}),
            variables: &variables,
            entered_event_id: None,
        };
        let Step::Complete(completion) = start(&entry, &mut FixedEnvironment::new(0, 0), None) else {
            panic!("completes")
        };
        assert_eq!(completion.output, json!({"before": 1, "input": "in"}));
        assert_eq!(completion.assigned, Map::from_iter([("x".to_string(), json!(2)), ("y".to_string(), json!(1))]));
    }

    #[test]
    fn a_state_that_passes_its_input_through_hands_it_over_and_any_other_state_keeps_it() {
        let machine = machine(json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big",
                  "Assign": {"seen.$": "$.n"}}], "Default": "Small"},
            "Filtered": {"Type": "Choice", "OutputPath": "$.n", "Choices": [], "Default": "Small"},
            "Big": {"Type": "Succeed"}, "Small": {"Type": "Succeed"},
            "Plain": {"Type": "Pass", "Assign": {"was.$": "$.n"}, "Next": "Big"},
            "Placed": {"Type": "Pass", "ResultPath": "$.copy", "Next": "Big"}
        }}));
        let variables = Map::new();
        let entry_of = |index: usize, input: Value| Entry {
            state: &machine.root.states[index],
            input,
            context: json!({}),
            variables: &variables,
            entered_event_id: Some(2),
        };
        let mut env = FixedEnvironment::new(0, 0);
        let mut entry = entry_of(0, json!({"n": 2}));
        let Step::Complete(completion) = start_taking_input(&mut entry, &mut env) else { panic!("completes") };
        assert_eq!(completion.output, json!({"n": 2}));
        assert_eq!(completion.next, Next::State("Big".into()));
        assert_eq!(completion.assigned, Map::from_iter([("seen".to_string(), json!(2))]));
        assert_eq!(entry.input, Value::Null, "the input moved into the output");
        // The same choice as `start` makes it, input kept.
        let kept = entry_of(0, json!({"n": 0}));
        let Step::Complete(completion) = start(&kept, &mut env, None) else { panic!("completes") };
        assert_eq!((completion.output, completion.next), (json!({"n": 0}), Next::State("Small".into())));
        assert_eq!(kept.input, json!({"n": 0}));
        // With an `OutputPath` the output is not the input: it is kept.
        let mut filtered = entry_of(1, json!({"n": 5}));
        let Step::Complete(completion) = start_taking_input(&mut filtered, &mut env) else { panic!("completes") };
        assert_eq!(completion.output, json!(5));
        assert_eq!(filtered.input, json!({"n": 5}));
        // A Pass state without fields that change its data hands its input over too, with
        // its `Assign` read from it; one with a `ResultPath` keeps it.
        let mut plain = entry_of(4, json!({"n": 7}));
        let Step::Complete(completion) = start_taking_input(&mut plain, &mut env) else { panic!("completes") };
        assert_eq!((completion.output, completion.next), (json!({"n": 7}), Next::State("Big".into())));
        assert_eq!(completion.assigned, Map::from_iter([("was".to_string(), json!(7))]));
        assert_eq!(plain.input, Value::Null);
        let mut placed = entry_of(5, json!({"n": 8}));
        let Step::Complete(completion) = start_taking_input(&mut placed, &mut env) else { panic!("completes") };
        assert_eq!(completion.output, json!({"n": 8, "copy": {"n": 8}}));
        assert_eq!(placed.input, json!({"n": 8}));
    }
    #[test]
    fn catchers_pass_the_error_output_on() {
        let machine = machine(json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true, "Catch": [
                {"ErrorEquals": ["Other"], "Next": "A"},
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Assign": {"message.$": "$.Cause"}, "Next": "B"}
            ]},
            "A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}
        }}));
        let variables = Map::new();
        let entry = Entry {
            state: &machine.root.states[0],
            input: json!({"keep": true}),
            context: json!({}),
            variables: &variables,
            entered_event_id: Some(2),
        };
        let recovery = recover(&entry, Failure::new("Boom", "it broke"), &[], &mut FixedEnvironment::new(0, 0));
        let Recovery::Catch { catcher, completion, .. } = recovery else { panic!("caught: {recovery:?}") };
        assert_eq!(catcher, 1);
        assert_eq!(completion.output, json!({"keep": true, "error": {"Error": "Boom", "Cause": "it broke"}}));
        assert_eq!(completion.next, Next::State("B".into()));
        assert_eq!(completion.assigned["message"], json!("it broke"));
        let terminal = recover(&entry, Failure::new("States.Runtime", "x"), &[], &mut FixedEnvironment::new(0, 0));
        assert!(matches!(terminal, Recovery::Fail { .. }));
    }

    #[test]
    fn a_choice_with_no_match_and_no_default_fails_as_aws_does() {
        let machine = machine(json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "C"}]}
        }}));
        let Step::Fail(failure) = run_first(&machine, json!({"n": 2})) else { panic!("fails") };
        assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
        assert!(failure.cause.unwrap_or_default().ends_with("The state does not point to a next state."));
    }

    #[test]
    fn result_selector_reads_the_result_and_the_context() {
        let machine = machine(json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "ResultSelector": {"body.$": "$.Payload", "state.$": "$$.State.Name"}, "ResultPath": "$.r", "End": true
        }}}));
        let variables = Map::new();
        let entry = Entry {
            state: &machine.root.states[0],
            input: json!({"a": 1}),
            context: json!({"State": {"Name": "T"}}),
            variables: &variables,
            entered_event_id: Some(2),
        };
        let mut env = FixedEnvironment::new(0, 0);
        assert!(matches!(start(&entry, &mut env, None), Step::Invoke { .. }));
        let completion = finish(&entry, json!({"Payload": [1]}), &mut env, None).expect("completes");
        assert_eq!(completion.output, json!({"a": 1, "r": {"body": [1], "state": "T"}}));
    }

    #[test]
    fn map_items_are_selected_with_the_item_in_the_context() {
        let machine = machine(json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.list", "MaxConcurrency": 2,
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "all.$": "$.tag"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true
        }}}));
        let Step::Items { items, config } = run_first(&machine, json!({"list": ["a", "b"], "tag": 7})) else {
            panic!("items")
        };
        assert_eq!(
            items,
            vec![json!({"value": "a", "index": 0, "all": 7}), json!({"value": "b", "index": 1, "all": 7})]
        );
        assert_eq!(config.max_concurrency, 2);
    }

    #[test]
    fn map_tolerance() {
        let config = MapConfig {
            mode: MapMode::Distributed,
            max_concurrency: 0,
            tolerated_failure_count: Some(1),
            tolerated_failure_percentage: None,
        };
        assert!(!config.exceeded(1, 3));
        assert!(config.exceeded(2, 3));
        let none = MapConfig { tolerated_failure_count: None, ..config };
        assert!(none.exceeded(1, 3));
        assert!(!none.exceeded(0, 3));
    }
}

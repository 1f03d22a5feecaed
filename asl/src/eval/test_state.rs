//! The TestState API: evaluate one state (given alone, or by name in a whole machine) on an
//! input, with a mocked task result or error, an optional context object and variables, and
//! report what AWS reports: a status (`SUCCEEDED`, `FAILED`, `CAUGHT_ERROR`, `RETRIABLE`),
//! the output or error and cause, the next state, and at `DEBUG`/`TRACE` the intermediate
//! values of the data flow (`inspectionData`).
//!
//! Requests AWS refuses are refused with AWS's exception and message. Nothing here calls a
//! service: a Task state needs a mock. (AWS's check of mocked results against each service's
//! API model, `fieldValidationMode`, is not done here.)
//!
//! ```
//! use asl::eval::{FixedEnvironment, test_state::{test_state, TestStateRequest, TestStatus}};
//! use serde_json::json;
//!
//! let request = TestStateRequest::new(
//!     json!({"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.b", "End": true}),
//!     json!({"a": 1}),
//! );
//! let output = test_state(&request, &mut FixedEnvironment::new(1, 0)).unwrap();
//! assert_eq!(output.status, TestStatus::Succeeded);
//! assert_eq!(output.output, Some(json!({"a": 1, "b": 1})));
//! ```

use serde_json::{Map, Value, json};

use super::{
    Environment,
    context::{ContextKind, ExecutionInfo},
    failure::{Failure, compact},
    machine::{Machine, State, StateKind},
    state::{Completion, Entry, ErrorDetails, Inspection, Next, Recovery, Step, finish, recover, select_items, start},
};
use crate::{json::Node, validate::QueryLanguage};

/// The name AWS gives a state tested on its own.
pub const SINGLE_STATE_NAME: &str = "StateName";

/// How much of the data flow to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InspectionLevel {
    /// Status, output, error, cause, next state.
    #[default]
    Info,
    /// And `inspectionData`.
    Debug,
    /// And, for HTTP tasks, the request and response (none here: nothing is called).
    Trace,
}

/// A mocked task (or Map, or Parallel) outcome.
#[derive(Clone, Debug, PartialEq)]
pub enum Mock {
    /// The task returns this result.
    Result(Value),
    /// The task fails with this error and cause.
    Error {
        /// The error name.
        error: String,
        /// The cause.
        cause: String,
    },
}

/// `stateConfiguration`: facts about the surrounding execution a mock cannot express.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateConfiguration {
    /// How many times the retrier that matches has already retried.
    pub retrier_retry_count: Option<u32>,
    /// The state inside a Map or Parallel state that the mocked error comes from.
    pub error_caused_by_state: Option<String>,
    /// How many Map iterations failed.
    pub map_iteration_failure_count: Option<u64>,
    /// The items an `ItemReader` reads.
    pub map_item_reader_data: Option<Value>,
}

/// A TestState request.
#[derive(Clone, Debug, PartialEq)]
pub struct TestStateRequest {
    /// One state, or (with `state_name`) a whole machine.
    pub definition: Value,
    /// The state to test in a machine definition.
    pub state_name: Option<String>,
    /// The state's input.
    pub input: Value,
    /// The mocked outcome of a Task, Map or Parallel state.
    pub mock: Option<Mock>,
    /// The context object to use instead of the default one.
    pub context: Option<Value>,
    /// The variables in scope.
    pub variables: Option<Map<String, Value>>,
    /// How much to report.
    pub inspection_level: InspectionLevel,
    /// The execution role (AWS requires one to test a Task state without a mock).
    pub role_arn: Option<String>,
    /// `revealSecrets`.
    pub reveal_secrets: bool,
    /// `stateConfiguration`.
    pub state_configuration: StateConfiguration,
}

/// How the tested state ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TestStatus {
    /// It completed.
    Succeeded,
    /// It failed and nothing handled the error.
    Failed,
    /// A catcher handled the error.
    CaughtError,
    /// A retrier would retry.
    Retriable,
}

impl TestStatus {
    /// The status as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::CaughtError => "CAUGHT_ERROR",
            TestStatus::Retriable => "RETRIABLE",
        }
    }
}

/// The TestState response.
#[derive(Clone, Debug, PartialEq)]
pub struct TestStateOutput {
    /// How the state ended.
    pub status: TestStatus,
    /// Its output (when it succeeded or an error was caught).
    pub output: Option<Value>,
    /// The error name (failed, caught, retriable).
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
    /// The state the execution would go to next.
    pub next_state: Option<String>,
    /// The data flow's intermediate values (`DEBUG` and `TRACE` only).
    pub inspection_data: Option<Inspection>,
}

/// A request TestState refuses: AWS's exception name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestStateError {
    /// `ValidationException` or `InvalidDefinition`.
    pub code: &'static str,
    /// AWS's message.
    pub message: String,
}

impl std::fmt::Display for TestStateError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for TestStateError {}

impl TestStateRequest {
    /// A request to test a single state on `input` at `INFO` level, with no mock.
    pub fn new(definition: Value, input: Value) -> TestStateRequest {
        TestStateRequest {
            definition,
            state_name: None,
            input,
            mock: None,
            context: None,
            variables: None,
            inspection_level: InspectionLevel::Info,
            role_arn: None,
            reveal_secrets: false,
            state_configuration: StateConfiguration::default(),
        }
    }

    /// Reads a request in the API's JSON form (`definition`, `input`, `context`,
    /// `variables` and `mock.result` are JSON texts), refusing what AWS refuses.
    pub fn from_api_json(request: &Value) -> Result<TestStateRequest, TestStateError> {
        let text = |field: &str| request.get(field).and_then(Value::as_str);
        let parse = |field: &str, text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|error| validation(format!("Invalid JSON in '{field}': {error}")))
        };
        let definition_text = text("definition").ok_or_else(|| validation("'definition' is required"))?;
        let definition = serde_json::from_str::<Value>(definition_text).map_err(|error| {
            invalid_definition(format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {error}'"))
        })?;
        let input = match text("input") {
            Some(input) => parse("input", input)?,
            None => json!({}),
        };
        let context = text("context").map(|context| parse("context", context)).transpose()?;
        let variables = match text("variables") {
            None => None,
            Some(variables) => match parse("variables", variables)? {
                Value::Object(variables) => Some(variables),
                _ => return Err(validation("'variables' must be a JSON object")),
            },
        };
        let inspection_level = match text("inspectionLevel") {
            None | Some("INFO") => InspectionLevel::Info,
            Some("DEBUG") => InspectionLevel::Debug,
            Some("TRACE") => InspectionLevel::Trace,
            Some(other) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{other}' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
                )));
            }
        };
        let mock = match request.get("mock") {
            None => None,
            Some(mock) => {
                let result = mock.get("result").and_then(Value::as_str);
                let error_output = mock.get("errorOutput");
                match (result, error_output) {
                    (Some(_), Some(_)) => {
                        return Err(validation(
                            "A test mock should have only one of the following fields: [result, errorOutput].",
                        ));
                    }
                    (Some(result), None) => Some(Mock::Result(parse("mock.result", result)?)),
                    (None, Some(error_output)) => Some(Mock::Error {
                        error: error_output.get("error").and_then(Value::as_str).unwrap_or_default().to_string(),
                        cause: error_output.get("cause").and_then(Value::as_str).unwrap_or_default().to_string(),
                    }),
                    (None, None) => {
                        return Err(validation(
                            "A test mock should have one of the following fields: [result, errorOutput].",
                        ));
                    }
                }
            }
        };
        let configuration = request.get("stateConfiguration");
        let setting = |name: &str| configuration.and_then(|configuration| configuration.get(name));
        let state_configuration = StateConfiguration {
            retrier_retry_count: setting("retrierRetryCount")
                .and_then(Value::as_u64)
                .map(|count| u32::try_from(count).unwrap_or(u32::MAX)),
            error_caused_by_state: setting("errorCausedByState").and_then(Value::as_str).map(str::to_string),
            map_iteration_failure_count: setting("mapIterationFailureCount").and_then(Value::as_u64),
            map_item_reader_data: setting("mapItemReaderData")
                .and_then(Value::as_str)
                .map(|data| parse("mapItemReaderData", data))
                .transpose()?,
        };
        Ok(TestStateRequest {
            definition,
            state_name: text("stateName").map(str::to_string),
            input,
            mock,
            context,
            variables,
            inspection_level,
            role_arn: text("roleArn").map(str::to_string),
            reveal_secrets: request.get("revealSecrets").and_then(Value::as_bool).unwrap_or(false),
            state_configuration,
        })
    }
}

impl TestStateOutput {
    /// The response in the API's JSON form (`output` and the inspected values as JSON texts).
    pub fn to_api_json(&self) -> Value {
        let mut response = Map::new();
        response.insert("status".into(), json!(self.status.as_str()));
        if let Some(output) = &self.output {
            response.insert("output".into(), json!(compact(output)));
        }
        if let Some(error) = &self.error {
            response.insert("error".into(), json!(error));
        }
        if let Some(cause) = &self.cause {
            response.insert("cause".into(), json!(cause));
        }
        if let Some(next) = &self.next_state {
            response.insert("nextState".into(), json!(next));
        }
        if let Some(inspection) = &self.inspection_data {
            response.insert("inspectionData".into(), inspection_json(inspection));
        }
        Value::Object(response)
    }
}

/// `inspectionData` as the API returns it: data-flow values as JSON texts.
pub fn inspection_json(inspection: &Inspection) -> Value {
    let mut data = Map::new();
    let mut text = |name: &str, value: &Option<Value>| {
        if let Some(value) = value {
            data.insert(name.into(), json!(compact(value)));
        }
    };
    text("input", &inspection.input);
    text("afterInputPath", &inspection.after_input_path);
    text("afterParameters", &inspection.after_parameters);
    text("afterArguments", &inspection.after_arguments);
    text("result", &inspection.result);
    text("afterResultSelector", &inspection.after_result_selector);
    text("afterResultPath", &inspection.after_result_path);
    text("afterItemsPath", &inspection.after_items_path);
    text("variables", &inspection.variables);
    if let Some(max_concurrency) = inspection.max_concurrency {
        data.insert("maxConcurrency".into(), json!(max_concurrency));
    }
    if let Some(count) = inspection.tolerated_failure_count {
        data.insert("toleratedFailureCount".into(), json!(count));
    }
    if let Some(percentage) = inspection.tolerated_failure_percentage {
        data.insert("toleratedFailurePercentage".into(), json!(percentage));
    }
    if let Some(details) = &inspection.error_details {
        let mut object = Map::new();
        if let Some(index) = details.catch_index {
            object.insert("catchIndex".into(), json!(index));
        }
        if let Some(index) = details.retry_index {
            object.insert("retryIndex".into(), json!(index));
        }
        if let Some(seconds) = details.retry_backoff_interval_seconds {
            object.insert("retryBackoffIntervalSeconds".into(), json!(seconds));
        }
        data.insert("errorDetails".into(), Value::Object(object));
    }
    Value::Object(data)
}

/// Runs TestState.
pub fn test_state(request: &TestStateRequest, env: &mut dyn Environment) -> Result<TestStateOutput, TestStateError> {
    if request.state_name.as_deref() == Some("") {
        return Err(validation("Invalid length for parameter stateName, value: 0, valid min length: 1"));
    }
    if request.reveal_secrets && request.mock.is_some() {
        return Err(validation("TestState does not support RevealSecrets when a mock is specified."));
    }
    let (machine, state_name) = read_definition(request)?;
    let state = machine.root.find_state(&state_name).ok_or_else(|| validation("State not found in definition"))?;
    check_request(request, state)?;

    let input = request.input.clone();
    let context = match &request.context {
        Some(context) => context.clone(),
        None => {
            let now = env.now_millis();
            let mut execution = ExecutionInfo::new("TestStateMachine", &env.uuid(), input.clone(), now);
            execution.kind = ContextKind::TestState;
            if let Some(role) = &request.role_arn {
                execution.role_arn = role.clone();
            }
            execution.context(&state_name, now).to_value()
        }
    };
    let variables = request.variables.clone().unwrap_or_default();
    let entry = Entry { state, input, context, variables: &variables, entered_event_id: None };
    let mut inspection = Inspection::default();
    let outcome = evaluate(request, &entry, env, &mut inspection)?;

    let mut output = TestStateOutput {
        status: TestStatus::Succeeded,
        output: None,
        error: None,
        cause: None,
        next_state: None,
        inspection_data: None,
    };
    match outcome {
        Outcome::Completed(completion) => {
            if state.field("Assign").is_some() || !completion.assigned.is_empty() {
                let mut after = variables.clone();
                super::variables::apply(&mut after, &completion.assigned);
                inspection.variables = Some(Value::Object(after));
            }
            output.output = Some(completion.output);
            output.next_state = next_name(&completion.next);
        }
        Outcome::Recovered(failure, recovery) => {
            output.error = failure.error.clone();
            output.cause = failure.cause.clone();
            let mut details = ErrorDetails::default();
            match recovery {
                Recovery::Retry { retrier, delay_seconds } => {
                    output.status = TestStatus::Retriable;
                    details.retry_index = Some(retrier);
                    details.retry_backoff_interval_seconds = Some(delay_seconds.round() as u64);
                }
                Recovery::Catch { catcher, exhausted_retrier, completion } => {
                    output.status = TestStatus::CaughtError;
                    // The variables after the state include what its catcher assigned.
                    if !completion.assigned.is_empty() {
                        let mut after = variables.clone();
                        super::variables::apply(&mut after, &completion.assigned);
                        inspection.variables = Some(Value::Object(after));
                    }
                    details.catch_index = Some(catcher);
                    details.retry_index = exhausted_retrier;
                    output.output = Some(completion.output);
                    output.next_state = next_name(&completion.next);
                }
                Recovery::Fail { failure, exhausted_retrier } => {
                    output.status = TestStatus::Failed;
                    output.error = failure.error;
                    output.cause = failure.cause;
                    details.retry_index = exhausted_retrier;
                }
            }
            if details != ErrorDetails::default() {
                inspection.error_details = Some(details);
            }
        }
        Outcome::Failed(failure) => {
            output.status = TestStatus::Failed;
            output.error = failure.error;
            output.cause = failure.cause;
        }
    }
    if request.inspection_level != InspectionLevel::Info {
        output.inspection_data = Some(shown_inspection(state, inspection));
    }
    Ok(output)
}

fn validation(message: impl Into<String>) -> TestStateError {
    TestStateError { code: "ValidationException", message: message.into() }
}

fn invalid_definition(message: impl Into<String>) -> TestStateError {
    TestStateError { code: "InvalidDefinition", message: message.into() }
}

/// How the state's evaluation ended.
enum Outcome {
    Completed(Completion),
    /// A failure the state's Retry and Catch were consulted about.
    Recovered(Failure, Recovery),
    /// A Fail state.
    Failed(Failure),
}

fn next_name(next: &Next) -> Option<String> {
    match next {
        Next::State(name) => Some(name.clone()),
        Next::End => None,
    }
}

fn evaluate(
    request: &TestStateRequest,
    entry: &Entry,
    env: &mut dyn Environment,
    inspection: &mut Inspection,
) -> Result<Outcome, TestStateError> {
    let state = entry.state;
    let consult = |failure: Failure, env: &mut dyn Environment| {
        let mut counts = vec![0; state.retriers.len()];
        if let Some(count) = request.state_configuration.retrier_retry_count
            && let Some(index) = state.retriers.iter().position(|retrier| failure.matches(&retrier.error_equals))
        {
            counts[index] = count;
        }
        let recovery = recover(entry, failure.clone(), &counts, env);
        Outcome::Recovered(failure, recovery)
    };
    let mocked = |inspection: &mut Inspection| -> Result<Value, Failure> {
        match &request.mock {
            Some(Mock::Result(result)) => {
                inspection.result = Some(result.clone());
                Ok(result.clone())
            }
            Some(Mock::Error { error, cause }) => Err(Failure::new(error.clone(), cause.clone())),
            None => {
                Err(Failure::new("States.Runtime", "No mock was given, and Statehouse does not call AWS services."))
            }
        }
    };
    let step = start(entry, env, Some(inspection));
    let (items, config) = match step {
        Step::Complete(completion) | Step::Wait { completion, .. } => return Ok(Outcome::Completed(completion)),
        Step::Fail(failure) if matches!(state.kind, StateKind::Fail) => return Ok(Outcome::Failed(failure)),
        Step::Fail(failure) => return Ok(consult(failure, env)),
        Step::Invoke { .. } | Step::Branches { .. } => {
            return Ok(match mocked(inspection) {
                Ok(result) => match finish(entry, result, env, Some(inspection)) {
                    Ok(completion) => Outcome::Completed(completion),
                    Err(failure) => consult(failure, env),
                },
                Err(failure) => consult(failure, env),
            });
        }
        Step::Items { items, config } => (items, config),
        Step::ReadItems { config, .. } => {
            let data = request.state_configuration.map_item_reader_data.clone();
            let items = match data {
                Some(Value::Array(items)) => items,
                Some(other) => vec![other],
                None => Vec::new(),
            };
            match select_items(entry, items, env) {
                Ok(items) => (items, config),
                Err(failure) => return Ok(consult(failure, env)),
            }
        }
    };
    let failures = request
        .state_configuration
        .map_iteration_failure_count
        .map(|count| usize::try_from(count).unwrap_or(usize::MAX));
    if let Some(failures) = failures
        && failures > items.len()
    {
        return Err(validation(
            "Map iteration failure count must be less than or equal to the number of Map iterations",
        ));
    }
    let result = match mocked(inspection) {
        Ok(result) => result,
        Err(failure) => return Ok(consult(failure, env)),
    };
    let tolerance_set = config.tolerated_failure_count.is_some() || config.tolerated_failure_percentage.is_some();
    if let Some(failures) = failures
        && tolerance_set
        && config.exceeded(failures, items.len())
    {
        let failure = Failure::new(
            "States.ExceedToleratedFailureThreshold",
            "The specified tolerated failure threshold was exceeded",
        );
        return Ok(consult(failure, env));
    }
    Ok(match finish(entry, result, env, Some(inspection)) {
        Ok(completion) => Outcome::Completed(completion),
        Err(failure) => consult(failure, env),
    })
}

/// The inspection fields AWS shows for each kind of state.
fn shown_inspection(state: &State, mut inspection: Inspection) -> Inspection {
    match state.kind {
        StateKind::Parallel { .. } => {
            inspection.after_input_path = None;
            inspection.after_parameters = None;
            inspection.after_arguments = None;
            inspection.result = None;
        }
        StateKind::Map { .. } => {
            inspection.result = None;
            if state.language == QueryLanguage::Jsonata || state.field("ItemReader").is_some() {
                inspection.after_input_path = None;
                inspection.after_items_path = None;
            }
        }
        _ => {}
    }
    inspection
}

/// Reads and checks the definition: the machine to run and the name of the state to test.
fn read_definition(request: &TestStateRequest) -> Result<(Machine, String), TestStateError> {
    let (machine_value, state_name, single) = match &request.state_name {
        Some(name) => (request.definition.clone(), name.clone(), false),
        None => {
            let mut states = Map::new();
            states.insert(SINGLE_STATE_NAME.to_string(), request.definition.clone());
            (json!({"StartAt": SINGLE_STATE_NAME, "States": states}), SINGLE_STATE_NAME.to_string(), true)
        }
    };
    if let Some(message) = aws_schema_error(&machine_value, "") {
        return Err(invalid_definition(format!("Invalid State Machine Definition: '{message}'")));
    }
    let diagnostics = crate::validate::validate(&Node::from_serde(&machine_value));
    let refusal = diagnostics.iter().find(|diagnostic| {
        diagnostic.severity == crate::Severity::Error
            && !(single && matches!(diagnostic.code, "MISSING_TRANSITION_TARGET" | "MISSING_END_STATE"))
    });
    if let Some(diagnostic) = refusal {
        let location = diagnostic.location.clone().unwrap_or_else(|| diagnostic.pointer.clone());
        return Err(invalid_definition(format!(
            "Invalid State Machine Definition: '{}: {} at {location}'",
            diagnostic.code, diagnostic.message
        )));
    }
    let machine = if single {
        Machine::single_state(SINGLE_STATE_NAME, &request.definition)
    } else {
        Machine::from_value(&machine_value)
    }
    .map_err(|error| invalid_definition(format!("Invalid State Machine Definition: '{error}'")))?;
    Ok((machine, state_name))
}

/// The schema errors whose wording AWS's TestState was recorded giving.
fn aws_schema_error(scope: &Value, pointer: &str) -> Option<String> {
    let states = scope.get("States")?.as_object()?;
    for (name, state) in states {
        let state_pointer = format!("{pointer}/States/{name}");
        let known =
            state.get("Type").and_then(Value::as_str).is_some_and(|kind| crate::validate::STATE_TYPES.contains(&kind));
        if !known {
            return Some(format!(
                "SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at {state_pointer}/Type"
            ));
        }
        if let Some(branches) = state.get("Branches").and_then(Value::as_array) {
            if branches.is_empty() {
                return Some(format!("SCHEMA_VALIDATION_FAILED: Value cannot be empty at {state_pointer}/Branches"));
            }
            for (index, branch) in branches.iter().enumerate() {
                if let Some(found) = aws_schema_error(branch, &format!("{state_pointer}/Branches[{index}]")) {
                    return Some(found);
                }
            }
        }
        for processor in ["ItemProcessor", "Iterator"] {
            if let Some(found) =
                state.get(processor).and_then(|inner| aws_schema_error(inner, &format!("{state_pointer}/{processor}")))
            {
                return Some(found);
            }
        }
    }
    None
}

/// The checks AWS makes on the request once the state is known.
fn check_request(request: &TestStateRequest, state: &State) -> Result<(), TestStateError> {
    let type_name = state.type_name();
    match (&state.kind, &request.mock) {
        (StateKind::Pass | StateKind::Succeed | StateKind::Fail | StateKind::Choice | StateKind::Wait, Some(_)) => {
            return Err(validation(format!("State type '{type_name}' is not supported when a mock is specified")));
        }
        (StateKind::Parallel { .. } | StateKind::Map { .. }, None) => {
            return Err(invalid_definition(
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
            ));
        }
        (StateKind::Task, None) if request.role_arn.is_none() => {
            return Err(validation("RoleArn must be specified when testing a Task state"));
        }
        (StateKind::Map { .. }, Some(Mock::Result(result)))
            if !result.is_array() && state.field("ResultWriter").is_none() =>
        {
            return Err(validation("Mocked result must be an array."));
        }
        _ => {}
    }
    if let Some(context) = &request.context {
        check_context(context, state)?;
    }
    Ok(())
}

fn check_context(context: &Value, state: &State) -> Result<(), TestStateError> {
    let refuse = |message: String| validation(format!("Invalid Context object provided: {message}"));
    let Some(members) = context.as_object() else {
        return Err(refuse("The Context object must be a JSON object".to_string()));
    };
    for key in members.keys() {
        match key.as_str() {
            "Execution" | "State" | "StateMachine" => {}
            "Task" => {
                let resource = state.field("Resource").and_then(Value::as_str).unwrap_or_default();
                let callback = resource.ends_with(".sync")
                    || resource.ends_with(".sync:2")
                    || resource.ends_with(".waitForTaskToken");
                if !matches!(state.kind, StateKind::Task) || !callback {
                    return Err(refuse(
                        "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"
                            .to_string(),
                    ));
                }
            }
            "Map" => return Err(refuse("'Map' field is not supported when mocking a Context object".to_string())),
            other => return Err(refuse(format!("Field '{other}' is not allowed"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::FixedEnvironment;

    fn run(request: Value) -> Result<Value, TestStateError> {
        let request = TestStateRequest::from_api_json(&request)?;
        test_state(&request, &mut FixedEnvironment::new(3, 1_700_000_000_000)).map(|output| output.to_api_json())
    }

    #[test]
    fn retriable_and_caught_errors() {
        let definition = json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "End": true});
        let request = |count: u64| {
            json!({"definition": definition.to_string(), "input": "{}", "inspectionLevel": "DEBUG",
                "mock": {"errorOutput": {"error": "E", "cause": "c"}},
                "stateConfiguration": {"retrierRetryCount": count}})
        };
        let retriable = run(request(4)).expect("runs");
        assert_eq!(retriable["status"], "RETRIABLE");
        assert_eq!(
            retriable["inspectionData"]["errorDetails"],
            json!({"retryIndex": 0, "retryBackoffIntervalSeconds": 16})
        );
        let caught = run(request(5)).expect("runs");
        assert_eq!(caught["status"], "CAUGHT_ERROR");
        assert_eq!(caught["nextState"], "Handle");
        assert_eq!(caught["output"], json!("{\"Error\":\"E\",\"Cause\":\"c\"}"));
    }

    #[test]
    fn refusals_use_aws_messages() {
        let pass = json!({"Type": "Pass", "End": true}).to_string();
        let error = run(json!({"definition": pass, "mock": {"result": "{}"}})).expect_err("refused");
        assert_eq!(error.message, "State type 'Pass' is not supported when a mock is specified");
        let parallel = json!({"Type": "Parallel", "Branches": [], "End": true}).to_string();
        let error = run(json!({"definition": parallel, "mock": {"result": "[]"}})).expect_err("refused");
        assert_eq!(
            error.message,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'"
        );
        let error = run(json!({"definition": pass, "context": "{\"Pokedex\": {}}"})).expect_err("refused");
        assert_eq!(error.message, "Invalid Context object provided: Field 'Pokedex' is not allowed");
    }

    #[test]
    fn a_state_of_a_machine_reports_its_next_state() {
        let machine = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}
        }});
        let response =
            run(json!({"definition": machine.to_string(), "stateName": "A", "input": "{\"v\": 1}"})).expect("runs");
        assert_eq!(response, json!({"status": "SUCCEEDED", "output": "{\"v\":1}", "nextState": "B"}));
        let error = run(json!({"definition": machine.to_string(), "stateName": "Z"})).expect_err("no such state");
        assert_eq!(error.message, "State not found in definition");
    }
}

//! History events in the exact shape `GetExecutionHistory` returns: ids, previous event ids,
//! the event type and one `…EventDetails` object, with inputs and outputs as JSON text.
//!
//! Only the engine builds events; the API and the views read them back as stored.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use asl::eval::failure::{Failure, compact};

/// An event's type: `ExecutionStarted`, `PassStateEntered`, …. The engine names its events
/// with static text (no allocation per event); events read back from the database own theirs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventType(std::borrow::Cow<'static, str>);

impl EventType {
    /// The type's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for EventType {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for EventType {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<&'static str> for EventType {
    fn from(name: &'static str) -> EventType {
        EventType(std::borrow::Cow::Borrowed(name))
    }
}

impl From<String> for EventType {
    fn from(name: String) -> EventType {
        EventType(std::borrow::Cow::Owned(name))
    }
}

/// One history event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// The event's id: 1, 2, 3, … within its execution.
    pub id: u64,
    /// The id of the event this one follows (0 for none), by AWS's rules.
    pub previous_event_id: u64,
    /// When it happened, in milliseconds since the Unix epoch.
    pub timestamp_millis: i64,
    /// `ExecutionStarted`, `PassStateEntered`, …
    pub event_type: EventType,
    /// The details member; events such as `MapStateSucceeded` have none.
    pub details: Option<Details>,
}

/// An event's `…EventDetails` member. The two the engine records for every state it runs
/// (entered, and exited without assigned variables) are kept as their few strings; every
/// other is a JSON object under its member name. Each is written out as the same JSON, to
/// the database as `[member, object]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Details {
    /// `member`: `object` (boxed: an event is kept in memory by the thousand, and the two
    /// common kinds below need a third of the space of a JSON value).
    Json(String, Box<Value>),
    /// `stateEnteredEventDetails`: `{"name", "input", "inputDetails"}`.
    StateEntered {
        /// The state's name.
        name: Arc<str>,
        /// Its input as JSON text.
        input: String,
    },
    /// `stateExitedEventDetails` of a state that assigned no variables:
    /// `{"name", "output", "outputDetails"}`.
    StateExited {
        /// The state's name.
        name: Arc<str>,
        /// Its output as JSON text.
        output: String,
    },
}

impl Details {
    /// The member's name (`stateEnteredEventDetails`, …).
    pub fn member(&self) -> &str {
        match self {
            Details::Json(member, _) => member,
            Details::StateEntered { .. } => "stateEnteredEventDetails",
            Details::StateExited { .. } => "stateExitedEventDetails",
        }
    }

    /// The details object.
    pub fn to_value(&self) -> Value {
        match self {
            Details::Json(_, value) => Value::clone(value),
            Details::StateEntered { name, input } => {
                json!({"name": name, "input": input, "inputDetails": not_truncated()})
            }
            Details::StateExited { name, output } => {
                json!({"name": name, "output": output, "outputDetails": not_truncated()})
            }
        }
    }

    /// The member's name and the details object.
    pub fn into_pair(self) -> (String, Value) {
        match self {
            Details::Json(member, value) => (member, *value),
            other => (other.member().to_string(), other.to_value()),
        }
    }

    /// A string field of the details object (`name`, `input`, …), without building it.
    pub fn text(&self, field: &str) -> Option<&str> {
        match (self, field) {
            (Details::Json(_, value), _) => value.get(field)?.as_str(),
            (Details::StateEntered { name, .. } | Details::StateExited { name, .. }, "name") => Some(name),
            (Details::StateEntered { input, .. }, "input") => Some(input),
            (Details::StateExited { output, .. }, "output") => Some(output),
            _ => None,
        }
    }
}

/// Written as `[member, object]`, the form the database keeps.
impl Serialize for Details {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeTuple};
        /// The object of a state's entered or exited details, written field by field.
        struct StateDetails<'a>(&'a str, &'a str, &'a str, &'a str);
        impl Serialize for StateDetails<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let StateDetails(name, data_field, data, truncated_field) = *self;
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("name", name)?;
                map.serialize_entry(data_field, data)?;
                map.serialize_entry(truncated_field, &NotTruncated)?;
                map.end()
            }
        }
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(self.member())?;
        match self {
            Details::Json(_, value) => tuple.serialize_element(value)?,
            Details::StateEntered { name, input } => {
                tuple.serialize_element(&StateDetails(name, "input", input, "inputDetails"))?
            }
            Details::StateExited { name, output } => {
                tuple.serialize_element(&StateDetails(name, "output", output, "outputDetails"))?
            }
        }
        tuple.end()
    }
}

/// Read back from `[member, object]` as [`Details::Json`].
impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (member, value) = <(String, Value)>::deserialize(deserializer)?;
        Ok(Details::Json(member, Box::new(value)))
    }
}

/// `{"truncated": false}`, written without building it.
struct NotTruncated;

impl Serialize for NotTruncated {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("truncated", &false)?;
        map.end()
    }
}

impl HistoryEvent {
    /// The event as GetExecutionHistory returns it. `timestamp` is epoch seconds, as the
    /// JSON 1.0 protocol sends it. With `include_data` false, inputs and outputs are left
    /// out (`includeExecutionData: false`).
    pub fn to_aws_json(&self, include_data: bool) -> Value {
        let mut object = Map::new();
        object.insert("timestamp".into(), json!(self.timestamp_millis as f64 / 1000.0));
        object.insert("type".into(), Value::String(self.event_type.as_str().to_string()));
        object.insert("id".into(), json!(self.id));
        object.insert("previousEventId".into(), json!(self.previous_event_id));
        if let Some(details) = &self.details {
            let mut value = details.to_value();
            if !include_data && let Value::Object(members) = &mut value {
                for field in ["input", "output", "parameters"] {
                    members.remove(field);
                }
            }
            object.insert(details.member().to_string(), value);
        }
        Value::Object(object)
    }
}

/// `inputDetails` / `outputDetails`: nothing is ever truncated, because payloads over AWS's
/// 256 KB limit fail the execution before they are recorded.
fn not_truncated() -> Value {
    json!({"truncated": false})
}

/// An event's type and details, before it gets its ids.
#[derive(Clone, Debug, PartialEq)]
pub struct EventBody {
    /// The event type.
    pub event_type: EventType,
    /// The details member.
    pub details: Option<Details>,
}

impl EventBody {
    /// An event with a details member.
    pub fn new(event_type: impl Into<EventType>, key: &str, details: Value) -> EventBody {
        EventBody { event_type: event_type.into(), details: Some(Details::Json(key.to_string(), Box::new(details))) }
    }

    /// A scheduling event with `taskCredentials` (`{"roleArn": …}`), for a Task state with
    /// `Credentials`.
    pub fn with_task_credentials(mut self, credentials: Option<Value>) -> EventBody {
        if let (Some(credentials), Some(Details::Json(_, value))) = (credentials, &mut self.details)
            && let Value::Object(details) = value.as_mut()
        {
            details.insert("taskCredentials".into(), credentials);
        }
        self
    }

    /// A placeholder for an event that is counted but not recorded (no allocation).
    pub fn unrecorded() -> EventBody {
        EventBody { event_type: EventType::from(""), details: None }
    }

    /// An event with no details (`MapStateSucceeded`, `ParallelStateStarted`, …).
    pub fn bare(event_type: impl Into<EventType>) -> EventBody {
        EventBody { event_type: event_type.into(), details: None }
    }
}

/// `ExecutionStarted`, with the input as StartExecution received it (`input_text`) when
/// known, else as compact JSON.
pub fn execution_started(input: &Value, input_text: Option<&str>, role_arn: &str) -> EventBody {
    let input = input_text.map_or_else(|| compact(input), str::to_string);
    EventBody::new(
        "ExecutionStarted",
        "executionStartedEventDetails",
        json!({"input": input, "inputDetails": not_truncated(), "roleArn": role_arn}),
    )
}

/// `ExecutionSucceeded`.
pub fn execution_succeeded(output: &Value) -> EventBody {
    EventBody::new(
        "ExecutionSucceeded",
        "executionSucceededEventDetails",
        json!({"output": compact(output), "outputDetails": not_truncated()}),
    )
}

/// `error` and `cause`, each only when present; AWS records no `cause` rather than an empty
/// one (a timed-out task's error output says `"Cause": ""`, its events say nothing).
fn failure_details(failure: &Failure) -> Map<String, Value> {
    let mut details = Map::new();
    if let Some(error) = &failure.error {
        details.insert("error".into(), Value::String(error.clone()));
    }
    if let Some(cause) = failure.cause.as_ref().filter(|cause| !cause.is_empty()) {
        details.insert("cause".into(), Value::String(cause.clone()));
    }
    details
}

/// `ExecutionFailed`, `ExecutionAborted` or `ExecutionTimedOut`.
pub fn execution_ended(event_type: &'static str, failure: &Failure) -> EventBody {
    let key = match event_type {
        "ExecutionAborted" => "executionAbortedEventDetails",
        "ExecutionTimedOut" => "executionTimedOutEventDetails",
        _ => "executionFailedEventDetails",
    };
    EventBody::new(event_type, key, Value::Object(failure_details(failure)))
}

/// `<Type>StateEntered`.
pub fn state_entered(state_type: &str, name: &str, input: &Value) -> EventBody {
    state_entered_text(state_type, name.into(), compact(input))
}

/// `<Type>StateEntered` and `<Type>StateExited` for a state's `Type`, as static text.
fn state_event_types(state_type: &str) -> (&'static str, &'static str) {
    match state_type {
        "Pass" => ("PassStateEntered", "PassStateExited"),
        "Task" => ("TaskStateEntered", "TaskStateExited"),
        "Choice" => ("ChoiceStateEntered", "ChoiceStateExited"),
        "Wait" => ("WaitStateEntered", "WaitStateExited"),
        "Succeed" => ("SucceedStateEntered", "SucceedStateExited"),
        "Fail" => ("FailStateEntered", "FailStateExited"),
        "Parallel" => ("ParallelStateEntered", "ParallelStateExited"),
        "Map" => ("MapStateEntered", "MapStateExited"),
        _ => ("StateEntered", "StateExited"),
    }
}

/// `<Type>StateEntered` with the input as text: the first state of an execution shows the
/// execution's input exactly as StartExecution received it (recorded).
pub fn state_entered_text(state_type: &str, name: Arc<str>, input: String) -> EventBody {
    EventBody {
        event_type: state_event_types(state_type).0.into(),
        details: Some(Details::StateEntered { name, input }),
    }
}

/// `<Type>StateExited`, with the output already printed as compact JSON and the variables
/// the state assigned.
pub fn state_exited_text(state_type: &str, name: Arc<str>, output: String, assigned: &Map<String, Value>) -> EventBody {
    if assigned.is_empty() {
        return EventBody {
            event_type: state_event_types(state_type).1.into(),
            details: Some(Details::StateExited { name, output }),
        };
    }
    let mut details = Map::new();
    details.insert("name".into(), Value::String(name.as_ref().to_string()));
    details.insert("output".into(), Value::String(output));
    details.insert("outputDetails".into(), not_truncated());
    if !assigned.is_empty() {
        let variables = assigned.iter().map(|(key, value)| (key.clone(), Value::String(compact(value)))).collect();
        details.insert("assignedVariables".into(), Value::Object(variables));
        details.insert("assignedVariablesDetails".into(), not_truncated());
    }
    EventBody::new(state_event_types(state_type).1, "stateExitedEventDetails", Value::Object(details))
}

/// `EvaluationFailed`: a JSONata (or other evaluation) error, with the field it came from
/// when the cause names one.
pub fn evaluation_failed(state: &str, failure: &Failure) -> EventBody {
    let mut details = failure_details(failure);
    if let Some(location) = failure.cause.as_deref().and_then(field_named_in) {
        details.insert("location".into(), Value::String(location.to_string()));
    }
    details.insert("state".into(), Value::String(state.to_string()));
    EventBody::new("EvaluationFailed", "evaluationFailedEventDetails", Value::Object(details))
}

/// The field an evaluation cause names: `… specified for the field 'Output/result' …`, or
/// `… The Timestamp field cannot be parsed …` (both recorded with a `location`).
fn field_named_in(cause: &str) -> Option<&str> {
    if let Some(start) = cause.find("for the field '").map(|at| at + "for the field '".len()) {
        let length = cause[start..].find('\'')?;
        return Some(&cause[start..start + length]);
    }
    cause.match_indices("The ").find_map(|(at, _)| {
        let rest = &cause[at + "The ".len()..];
        let length = rest.find(" field ")?;
        let field = &rest[..length];
        let is_field = field.starts_with(|character: char| character.is_ascii_uppercase())
            && field.chars().all(|character| character.is_ascii_alphanumeric() || character == '/');
        is_field.then_some(field)
    })
}

/// `MapStateStarted`.
pub fn map_state_started(length: usize) -> EventBody {
    EventBody::new("MapStateStarted", "mapStateStartedEventDetails", json!({"length": length}))
}

/// `MapIterationStarted`, `MapIterationSucceeded`, `MapIterationFailed`, `MapIterationAborted`.
pub fn map_iteration(event_type: &'static str, state: &str, index: usize) -> EventBody {
    let key = match event_type {
        "MapIterationStarted" => "mapIterationStartedEventDetails",
        "MapIterationSucceeded" => "mapIterationSucceededEventDetails",
        "MapIterationFailed" => "mapIterationFailedEventDetails",
        _ => "mapIterationAbortedEventDetails",
    };
    EventBody::new(event_type, key, json!({"index": index, "name": state}))
}

/// `MapRunStarted`.
pub fn map_run_started(map_run_arn: &str) -> EventBody {
    EventBody::new("MapRunStarted", "mapRunStartedEventDetails", json!({"mapRunArn": map_run_arn}))
}

/// `MapRunRedriven`: a redrive runs the Map Run's unsuccessful children again.
pub fn map_run_redriven(map_run_arn: &str, redrive_count: u32) -> EventBody {
    EventBody::new(
        "MapRunRedriven",
        "mapRunRedrivenEventDetails",
        json!({"mapRunArn": map_run_arn, "redriveCount": redrive_count}),
    )
}

/// `MapRunFailed`.
pub fn map_run_failed(failure: &Failure) -> EventBody {
    EventBody::new("MapRunFailed", "mapRunFailedEventDetails", Value::Object(failure_details(failure)))
}

/// The events of one kind of task, as AWS names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskEvents {
    /// A bare Lambda function ARN: `LambdaFunction…` events.
    Lambda {
        /// The function ARN.
        resource: String,
    },
    /// An activity: `Activity…` events.
    Activity {
        /// The activity ARN.
        resource: String,
    },
    /// A service integration (`arn:aws:states:::sqs:sendMessage.waitForTaskToken`,
    /// `…:aws-sdk:s3:getObject`): `Task…` events.
    Service {
        /// `sqs`, `lambda`, `aws-sdk:s3`, …
        resource_type: String,
        /// `sendMessage.waitForTaskToken`, `invoke`, …
        resource: String,
    },
}

/// Timeout settings shown in the scheduling event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTimeouts {
    /// `TimeoutSeconds`, when set.
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatSeconds`, when set.
    pub heartbeat_seconds: Option<u64>,
}

impl TaskEvents {
    fn service_details(&self) -> Map<String, Value> {
        let mut details = Map::new();
        if let TaskEvents::Service { resource_type, resource } = self {
            details.insert("resource".into(), Value::String(resource.clone()));
            details.insert("resourceType".into(), Value::String(resource_type.clone()));
        }
        details
    }

    /// `TaskScheduled`, `LambdaFunctionScheduled` or `ActivityScheduled`.
    pub fn scheduled(&self, region: &str, parameters: &Value, timeouts: TaskTimeouts) -> EventBody {
        let mut details = Map::new();
        let event_type = match self {
            TaskEvents::Lambda { resource } | TaskEvents::Activity { resource } => {
                details.insert("resource".into(), Value::String(resource.clone()));
                details.insert("input".into(), Value::String(compact(parameters)));
                details.insert("inputDetails".into(), not_truncated());
                if matches!(self, TaskEvents::Lambda { .. }) { "LambdaFunction" } else { "Activity" }
            }
            TaskEvents::Service { .. } => {
                details = self.service_details();
                details.insert("region".into(), Value::String(region.to_string()));
                details.insert("parameters".into(), Value::String(compact(parameters)));
                "Task"
            }
        };
        if let Some(seconds) = timeouts.timeout_seconds {
            details.insert("timeoutInSeconds".into(), json!(seconds));
        }
        if let Some(seconds) = timeouts.heartbeat_seconds {
            details.insert("heartbeatInSeconds".into(), json!(seconds));
        }
        EventBody::new(
            format!("{event_type}Scheduled"),
            &format!("{}ScheduledEventDetails", lower(event_type)),
            details.into(),
        )
    }

    /// `TaskStarted`, `LambdaFunctionStarted` or `ActivityStarted` (with the worker's name).
    pub fn started(&self, worker_name: Option<&str>) -> EventBody {
        match self {
            TaskEvents::Lambda { .. } => EventBody::bare("LambdaFunctionStarted"),
            TaskEvents::Activity { .. } => {
                let mut details = Map::new();
                if let Some(worker) = worker_name {
                    details.insert("workerName".into(), Value::String(worker.to_string()));
                }
                EventBody::new("ActivityStarted", "activityStartedEventDetails", details.into())
            }
            TaskEvents::Service { .. } => {
                EventBody::new("TaskStarted", "taskStartedEventDetails", self.service_details().into())
            }
        }
    }

    /// `TaskSubmitted`: a `.sync` or `.waitForTaskToken` service call returned `output` and
    /// the task now waits.
    pub fn submitted(&self, output: &Value) -> EventBody {
        let mut details = self.service_details();
        details.insert("output".into(), Value::String(compact(output)));
        details.insert("outputDetails".into(), not_truncated());
        EventBody::new("TaskSubmitted", "taskSubmittedEventDetails", details.into())
    }

    /// `…Succeeded` with the task's result.
    pub fn succeeded(&self, output: &Value) -> EventBody {
        let mut details = self.service_details();
        details.insert("output".into(), Value::String(compact(output)));
        details.insert("outputDetails".into(), not_truncated());
        let prefix = self.prefix();
        EventBody::new(format!("{prefix}Succeeded"), &format!("{}SucceededEventDetails", lower(prefix)), details.into())
    }

    /// `…Failed`, or `…TimedOut` for a task that ran out of time (`States.Timeout`) or of
    /// heartbeats (`States.HeartbeatTimeout`, as an activity does: `ActivityTimedOut`).
    pub fn failed(&self, failure: &Failure) -> EventBody {
        let mut details = self.service_details();
        details.extend(failure_details(failure));
        let prefix = self.prefix();
        let timed_out = matches!(failure.error.as_deref(), Some("States.Timeout" | "States.HeartbeatTimeout"));
        let outcome = if timed_out { "TimedOut" } else { "Failed" };
        EventBody::new(format!("{prefix}{outcome}"), &format!("{}{outcome}EventDetails", lower(prefix)), details.into())
    }

    fn prefix(&self) -> &'static str {
        match self {
            TaskEvents::Lambda { .. } => "LambdaFunction",
            TaskEvents::Activity { .. } => "Activity",
            TaskEvents::Service { .. } => "Task",
        }
    }
}

/// `LambdaFunction` → `lambdaFunction`.
fn lower(name: &str) -> String {
    let mut characters = name.chars();
    match characters.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + characters.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_aws_member_names() {
        let lambda = TaskEvents::Lambda { resource: "arn:aws:lambda:us-east-1:1:function:f".into() };
        let scheduled = lambda.scheduled("us-east-1", &json!({"a": 1}), TaskTimeouts::default());
        assert_eq!(scheduled.event_type, "LambdaFunctionScheduled");
        assert_eq!(scheduled.details.as_ref().unwrap().member(), "lambdaFunctionScheduledEventDetails");
        let timed_out = lambda.failed(&Failure { error: Some("States.Timeout".into()), cause: None });
        assert_eq!(timed_out.event_type, "LambdaFunctionTimedOut");
        assert_eq!(
            timed_out.details.unwrap().into_pair(),
            ("lambdaFunctionTimedOutEventDetails".into(), json!({"error": "States.Timeout"}))
        );
        let failure = Failure::new("States.QueryEvaluationError", "x specified for the field 'Output/result' returned");
        let evaluation = evaluation_failed("S", &failure);
        assert_eq!(evaluation.details.unwrap().to_value()["location"], "Output/result");
    }

    #[test]
    fn history_json_matches_the_api() {
        let event = HistoryEvent {
            id: 2,
            previous_event_id: 0,
            timestamp_millis: 1_500,
            event_type: "PassStateEntered".into(),
            details: state_entered("Pass", "A", &json!({"x": 1})).details,
        };
        let value = event.to_aws_json(true);
        assert_eq!(value["stateEnteredEventDetails"]["input"], "{\"x\":1}");
        assert_eq!(value["timestamp"], 1.5);
        assert!(event.to_aws_json(false)["stateEnteredEventDetails"].get("input").is_none());
    }

    #[test]
    fn state_details_are_stored_as_the_same_json_as_any_other() {
        let assigned = Map::new();
        let mut one_variable = Map::new();
        one_variable.insert("v".into(), json!(1));
        for body in [
            state_entered_text("Pass", "A \"quoted\"".into(), "{\"x\":1}".into()),
            state_exited_text("Task", "B".into(), "[1,2]".into(), &assigned),
            state_exited_text("Task", "B".into(), "[1,2]".into(), &one_variable),
            execution_succeeded(&json!({"done": true})),
        ] {
            let details = body.details.expect("details");
            let stored = serde_json::to_string(&details).expect("serializable");
            let pair = details.clone().into_pair();
            assert_eq!(stored, serde_json::to_string(&pair).expect("serializable"), "{pair:?}");
            let read: Details = serde_json::from_str(&stored).expect("readable");
            assert_eq!(read.into_pair(), pair);
        }
        let entered = state_entered_text("Pass", "A".into(), "{}".into()).details.expect("details");
        assert_eq!(
            (entered.text("name"), entered.text("input"), entered.text("output")),
            (Some("A"), Some("{}"), None)
        );
    }
}

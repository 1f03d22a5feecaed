//! The Step Functions API in AWS's JSON 1.0 protocol: `POST /` with
//! `X-Amz-Target: AWSStepFunctions.<Operation>`, JSON in and out, errors as
//! `{"__type", "message"}` with HTTP 400 so the AWS CLI and SDKs raise the right exception.
//! It serves on the UI's port; the engine does the work.

mod executions;
mod machines;

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sqlx::SqlitePool;

use crate::engine::{Engine, EngineError};

/// AWS's largest accepted request body for this API (payloads are 256 KB; definitions 1 MB).
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// What the API handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The database (state machines, activities).
    pub pool: SqlitePool,
    /// The engine.
    pub engine: Engine,
}

/// An error in AWS's shape.
#[derive(Debug)]
pub struct AwsError {
    /// The exception name (`ExecutionDoesNotExist`, …).
    pub kind: &'static str,
    /// The message.
    pub message: String,
    /// The HTTP status (400 for client errors).
    pub status: StatusCode,
}

impl AwsError {
    /// A client error.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        AwsError { kind, message: message.into(), status: StatusCode::BAD_REQUEST }
    }

    /// `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "the Step Functions API failed");
        AwsError {
            kind: "InternalFailure",
            message: "The request failed because of an internal error; the server log has the details.".into(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for AwsError {
    fn from(error: sqlx::Error) -> Self {
        AwsError::internal(error)
    }
}

impl From<EngineError> for AwsError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::ExecutionAlreadyExists(arn) => {
                AwsError::new("ExecutionAlreadyExists", format!("Execution Already Exists: '{arn}'"))
            }
            EngineError::ExecutionDoesNotExist(arn) => {
                AwsError::new("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
            }
            EngineError::TaskDoesNotExist => AwsError::new("TaskDoesNotExist", "Task Does Not Exist"),
            EngineError::Definition(message) => AwsError::new("InvalidDefinition", message),
            EngineError::Store(error) => AwsError::internal(error),
        }
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.kind, "message": self.message});
        (self.status, [(header::CONTENT_TYPE, "application/x-amz-json-1.0")], body.to_string()).into_response()
    }
}

/// `POST /`: one Step Functions operation.
pub async fn handle(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(target) = headers.get("x-amz-target").and_then(|value| value.to_str().ok()) else {
        return AwsError::new("MissingAction", "The X-Amz-Target header is missing.").into_response();
    };
    let Some(operation) = target.strip_prefix("AWSStepFunctions.") else {
        return AwsError::new("UnknownOperationException", format!("Unknown target '{target}'.")).into_response();
    };
    if body.len() > MAX_REQUEST_BYTES {
        return AwsError::validation("The request is larger than the service accepts.").into_response();
    }
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                return AwsError::new("SerializationException", "The request body is not a JSON object.")
                    .into_response();
            }
            Err(error) => {
                return AwsError::new("SerializationException", format!("The request body is not JSON: {error}."))
                    .into_response();
            }
        }
    };
    match dispatch(&state, operation, &request).await {
        Ok(response) => ([(header::CONTENT_TYPE, "application/x-amz-json-1.0")], response.to_string()).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn dispatch(state: &ApiState, operation: &str, request: &Value) -> Result<Value, AwsError> {
    match operation {
        "CreateStateMachine" => machines::create(state, request).await,
        "DescribeStateMachine" => machines::describe(state, request).await,
        "ListStateMachines" => machines::list(state, request).await,
        "DeleteStateMachine" => machines::delete(state, request).await,
        "ValidateStateMachineDefinition" => machines::validate(request),
        "CreateActivity" => machines::create_activity(state, request).await,
        "DeleteActivity" => machines::delete_activity(state, request).await,
        "StartExecution" => executions::start(state, request, false).await,
        "StartSyncExecution" => executions::start(state, request, true).await,
        "DescribeExecution" => executions::describe(state, request).await,
        "StopExecution" => executions::stop(state, request).await,
        "GetExecutionHistory" => executions::history(state, request).await,
        "GetActivityTask" => executions::get_activity_task(state, request).await,
        "SendTaskSuccess" => executions::send_task_success(state, request).await,
        "SendTaskFailure" => executions::send_task_failure(state, request).await,
        "SendTaskHeartbeat" => executions::send_task_heartbeat(state, request).await,
        other => Err(AwsError::new(
            "UnknownOperationException",
            format!("Statehouse does not implement the operation '{other}' yet."),
        )),
    }
}

/// A required string member.
fn required<'a>(request: &'a Value, field: &str) -> Result<&'a str, AwsError> {
    match request.get(field) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(AwsError::validation(format!("1 validation error detected: '{field}' must be a string"))),
        None => Err(AwsError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(field)
        ))),
    }
}

/// An optional string member.
fn optional<'a>(request: &'a Value, field: &str) -> Result<Option<&'a str>, AwsError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(AwsError::validation(format!("1 validation error detected: '{field}' must be a string"))),
    }
}

fn lower_first(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map(|first| first.to_ascii_lowercase().to_string() + characters.as_str()).unwrap_or_default()
}

/// Epoch seconds, as the JSON 1.0 protocol sends timestamps.
fn epoch_seconds(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

/// AWS's rule for names of state machines, executions and activities: 1–80 characters, no
/// whitespace, brackets, wildcards, special or control characters.
fn check_name(name: &str, what: &str) -> Result<(), AwsError> {
    let forbidden = |character: char| {
        character.is_whitespace() || character.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(character)
    };
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(forbidden) {
        return Err(AwsError::new("InvalidName", format!("Invalid Name: '{name}' is not a valid {what} name")));
    }
    Ok(())
}

//! The Step Functions API in AWS's JSON 1.0 protocol: `POST /` with
//! `X-Amz-Target: AWSStepFunctions.<Operation>`, JSON in and out, errors as
//! `{"__type", "message"}` with HTTP 400 so the AWS CLI and SDKs raise the right exception.
//! Versions and aliases (`versions.rs`) let executions start from a frozen definition.
//! It serves on the UI's port; the engine does the work. When access keys are configured,
//! every request must carry a valid SigV4 signature (`sigv4.rs`).

mod executions;
mod machines;
mod map_runs;
mod paging;
pub mod sigv4;
mod tags;
mod test_state;
mod versions;

use std::{sync::Arc, time::SystemTime};

use axum::{
    Extension,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sqlx::SqlitePool;

use asl::eval::Environment as _;

use crate::engine::{Engine, EngineError, RealEnvironment};

/// AWS's largest accepted request body for this API (payloads are 256 KB; definitions 1 MB).
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// StartExecution as the API answers it, for the web app's *Start an execution*: the same
/// checks (name, input, the machine, versions and aliases, `#TestCase`) and the same errors.
/// Answers the execution's ARN.
pub async fn start_execution(
    state: &ApiState,
    machine_arn: &str,
    name: Option<&str>,
    input: &str,
) -> Result<String, AwsError> {
    let mut request = serde_json::json!({"stateMachineArn": machine_arn, "input": input});
    if let Some(name) = name {
        request["name"] = serde_json::json!(name);
    }
    let started = executions::start(state, &request, false).await?;
    Ok(started["executionArn"].as_str().unwrap_or_default().to_string())
}

/// What the API handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The database (state machines, activities).
    pub pool: SqlitePool,
    /// The engine.
    pub engine: Engine,
    /// State machines as StartExecution last read them.
    pub machines: machines::MachineCache,
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
            EngineError::InvalidToken => AwsError::new("InvalidToken", "Invalid Token: 'Invalid token'"),
            EngineError::TaskTimedOut => {
                AwsError::new("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
            }
            EngineError::ExecutionNotRedrivable(message) => AwsError::new("ExecutionNotRedrivable", message),
            EngineError::Definition(message) => AwsError::new("InvalidDefinition", message),
            EngineError::MapRunDoesNotExist(arn) => {
                AwsError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
            }
            error @ EngineError::MapRunNotRunning(..) => AwsError::validation(error.to_string()),
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

impl From<sigv4::SignatureError> for AwsError {
    fn from(error: sigv4::SignatureError) -> Self {
        AwsError { kind: error.aws_kind(), message: error.to_string(), status: error.status() }
    }
}

/// `POST /`: one Step Functions operation.
///
/// When the router carries an `Extension<Arc<AccessKeys>>` (`statehouse serve` adds it when
/// `STATEHOUSE_ACCESS_KEYS` is set), the request's SigV4 signature is checked first; without
/// it, requests are served whatever their signature. Every answer, error or not, carries a
/// fresh `x-amzn-RequestId`, as AWS's do (the SDKs report it as the request id).
pub async fn handle(
    State(state): State<ApiState>,
    access_keys: Option<Extension<Arc<sigv4::AccessKeys>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = answer(&state, access_keys, &method, &uri, &headers, &body).await;
    let request_id = RealEnvironment.uuid();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// The header AWS names each request's id in.
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

async fn answer(
    state: &ApiState,
    access_keys: Option<Extension<Arc<sigv4::AccessKeys>>>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if let Some(Extension(keys)) = access_keys {
        let request = sigv4::SignedRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or_default(),
            headers,
            body,
        };
        let now =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64);
        if let Err(error) = sigv4::verify(&keys, &request, now) {
            tracing::info!(%error, "refused a Step Functions API request");
            return AwsError::from(error).into_response();
        }
    }
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
        match serde_json::from_slice(body) {
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
    match dispatch(state, operation, &request).await {
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
        "DescribeActivity" => machines::describe_activity(state, request).await,
        "ListActivities" => machines::list_activities(state, request).await,
        "UpdateStateMachine" => machines::update(state, request).await,
        "PublishStateMachineVersion" => versions::publish(state, request).await,
        "ListStateMachineVersions" => versions::list_versions(state, request).await,
        "DeleteStateMachineVersion" => versions::delete_version(state, request).await,
        "CreateStateMachineAlias" => versions::create_alias(state, request).await,
        "DescribeStateMachineAlias" => versions::describe_alias(state, request).await,
        "UpdateStateMachineAlias" => versions::update_alias(state, request).await,
        "DeleteStateMachineAlias" => versions::delete_alias(state, request).await,
        "ListStateMachineAliases" => versions::list_aliases(state, request).await,
        "DescribeStateMachineForExecution" => executions::describe_machine_for_execution(state, request).await,
        "ListExecutions" => executions::list(state, request).await,
        "TestState" => test_state::test_state(request),
        "TagResource" => tags::tag_resource(state, request).await,
        "UntagResource" => tags::untag_resource(state, request).await,
        "ListTagsForResource" => tags::list_tags_for_resource(state, request).await,
        "StartExecution" => executions::start(state, request, false).await,
        "StartSyncExecution" => executions::start(state, request, true).await,
        "DescribeExecution" => executions::describe(state, request).await,
        "StopExecution" => executions::stop(state, request).await,
        "RedriveExecution" => executions::redrive(state, request).await,
        "ListMapRuns" => map_runs::list(state, request).await,
        "DescribeMapRun" => map_runs::describe(state, request).await,
        "UpdateMapRun" => map_runs::update(state, request).await,
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

/// AWS's length constraint on a string member: at most `max` characters, refused as AWS
/// words it (the value is left out, as AWS leaves out sensitive members').
fn check_length(value: &str, field: &str, max: usize) -> Result<(), AwsError> {
    if value.len() > max && value.chars().count() > max {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        )));
    }
    Ok(())
}

/// An optional string member of at most `max` characters.
fn optional_within<'a>(request: &'a Value, field: &str, max: usize) -> Result<Option<&'a str>, AwsError> {
    let value = optional(request, field)?;
    if let Some(value) = value {
        check_length(value, field, max)?;
    }
    Ok(value)
}

/// `maxResults`: 0 or absent means the default of 100; AWS refuses more than 1000.
fn max_results(request: &Value) -> Result<usize, AwsError> {
    match request.get("maxResults") {
        None | Some(Value::Null) => Ok(100),
        Some(value) => match value.as_i64() {
            Some(0) => Ok(100),
            Some(count @ 1..=1000) => Ok(count as usize),
            Some(count) if count < 0 => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{count}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ))),
            _ => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
            ))),
        },
    }
}

/// What follows `…:RESOURCE_TYPE:` in a Step Functions ARN of this partition and region, when
/// `arn` has that shape and something follows. Any 12-digit account is taken: another
/// account's resources are not here, so they do not exist (as AWS answers), rather than
/// being ARNs of the wrong shape.
fn arn_resource<'a>(state: &ApiState, arn: &'a str, resource_type: &str) -> Option<&'a str> {
    let settings = state.engine.settings();
    let rest = arn.strip_prefix("arn:")?.strip_prefix(settings.partition.as_str())?.strip_prefix(":states:")?;
    let rest = rest.strip_prefix(settings.region.as_str())?.strip_prefix(':')?;
    let (account, rest) = rest.split_once(':')?;
    if account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    rest.strip_prefix(resource_type)?.strip_prefix(':').filter(|resource| !resource.is_empty())
}

/// The error for a resource ARN of the wrong shape, in AWS's words: a text that is no ARN at
/// all has an invalid prefix; an ARN of another resource type is not valid in this context.
fn invalid_arn(arn: &str) -> AwsError {
    let reason = if arn.starts_with("arn:") { "Resource type not valid in this context" } else { "Invalid ARN prefix" };
    AwsError::new("InvalidArn", format!("Invalid Arn: '{reason}: {arn}'"))
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
/// whitespace, brackets, wildcards, special or control characters. Refused in AWS's words
/// (LocalStack's recordings, test_create_activity_invalid_name).
fn check_name(name: &str) -> Result<(), AwsError> {
    let forbidden = |character: char| {
        character.is_whitespace() || character.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(character)
    };
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(forbidden) {
        return Err(AwsError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    Ok(())
}

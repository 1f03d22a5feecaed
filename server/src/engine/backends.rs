//! Task backends that call real things: the HTTP Task (`arn:aws:states:::http:invoke`),
//! Lambda through a Lambda-Invoke-compatible endpoint (`arn:aws:states:::lambda:invoke` and
//! bare function ARNs, as `sam local start-lambda` serves them), and nested executions
//! (`arn:aws:states:::states:startExecution`, `.sync`, `.sync:2`, `.waitForTaskToken`) run on
//! this same engine.
//!
//! [`Engine::dispatch`] hands a task here after the decision that scheduled it is committed.
//! Each call runs in its own tokio task and reports its outcome as a signal, so the decider
//! never waits on IO. Outcomes are named as Step Functions names them: `States.Http.StatusCode.<code>`
//! and `States.Http.Socket` for the HTTP Task, the function's `errorType` or
//! `Lambda.<Exception>` for Lambda, `States.TaskFailed` for a child execution that did not
//! succeed. Every HTTP call is bounded: the HTTP Task by [`HTTP_TASK_TIME_LIMIT`] (AWS's hard
//! limit), Lambda by [`LAMBDA_TIME_LIMIT`], and both by the state's `TimeoutSeconds`.

use std::{error::Error as _, sync::OnceLock, time::Duration};

use reqwest::{Method, Url, header::HeaderMap};
use serde_json::{Map, Value, json};

use asl::eval::{Environment, failure::Failure};

use super::{
    Engine, EngineError, ExecutionType, RealEnvironment, StartRequest,
    decide::{Signal, Status, TaskRequest},
    store::ExecutionRecord,
    task::{Pattern, TaskResource},
};

/// How long an HTTP Task may take, as AWS limits it (a hard limit, whatever `TimeoutSeconds`).
pub const HTTP_TASK_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How long one Lambda invocation may take: Lambda's own maximum run time.
pub const LAMBDA_TIME_LIMIT: Duration = Duration::from_secs(900);

/// The Lambda Invoke API version in its paths.
const LAMBDA_API_VERSION: &str = "2015-03-31";

/// Which backend runs a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `arn:aws:states:::http:invoke` (request-response only, as in AWS).
    Http,
    /// `arn:aws:states:::lambda:invoke`, request-response or `.waitForTaskToken`.
    LambdaInvoke,
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`: the result is the payload.
    LambdaFunction,
    /// `arn:aws:states:::states:startExecution` with any pattern.
    StartExecution,
}

impl Backend {
    /// The backend for `resource`, if this module has one.
    pub fn for_resource(resource: &TaskResource) -> Option<Backend> {
        match (resource.service.as_str(), resource.action.as_str(), resource.pattern) {
            ("http", "invoke", Pattern::RequestResponse) => Some(Backend::Http),
            ("lambda", "invoke", Pattern::RequestResponse | Pattern::WaitForTaskToken) => Some(Backend::LambdaInvoke),
            ("lambda-function", _, _) => Some(Backend::LambdaFunction),
            ("states", "startExecution", _) => Some(Backend::StartExecution),
            _ => None,
        }
    }

    /// Whether it calls Lambda (and so needs a Lambda endpoint).
    pub fn is_lambda(self) -> bool {
        matches!(self, Backend::LambdaInvoke | Backend::LambdaFunction)
    }
}

/// Why a backend call failed. [`BackendError::failure`] names it as Step Functions does.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The task's arguments cannot be used (`States.Runtime`).
    #[error("{0}")]
    Arguments(String),
    /// The HTTP endpoint answered outside 2xx; `response` is the task's would-be result.
    #[error("the endpoint answered with status {status}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// `{Headers, ResponseBody, StatusCode, StatusText}`.
        response: Value,
    },
    /// The HTTP request did not complete (connection refused, reset, timed out).
    #[error("{0}")]
    HttpSocket(String),
    /// The function ran and raised `error_type`; `body` is Lambda's error document.
    #[error("the function failed with {error_type}")]
    LambdaFunction {
        /// `errorType` from the body (`Lambda.Unknown` when it has none).
        error_type: String,
        /// The body as text.
        body: String,
    },
    /// The Lambda service refused the call (`Lambda.<exception>`).
    #[error("{message}")]
    LambdaService {
        /// The exception's name, ending in `Exception`.
        exception: String,
        /// Its message, as AWS's SDK formats it.
        message: String,
    },
    /// The Lambda endpoint could not be reached.
    #[error("{0}")]
    LambdaClient(String),
    /// A Step Functions call of a nested execution failed (`StepFunctions.<exception>`).
    #[error("{message}")]
    StepFunctions {
        /// The exception's name, ending in `Exception`.
        exception: String,
        /// Its message.
        message: String,
    },
    /// The child execution ended without succeeding; `describe` is its DescribeExecution.
    #[error("the child execution did not succeed")]
    ChildFailed {
        /// DescribeExecution-shaped.
        describe: Value,
    },
    /// The engine failed (storage).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl BackendError {
    /// The error and cause the task fails with.
    pub fn failure(&self) -> Failure {
        match self {
            BackendError::Arguments(message) => Failure::new("States.Runtime", message.clone()),
            BackendError::HttpStatus { status, response } => {
                Failure::new(format!("States.Http.StatusCode.{status}"), response.to_string())
            }
            BackendError::HttpSocket(message) => Failure::new("States.Http.Socket", message.clone()),
            BackendError::LambdaFunction { error_type, body } => Failure::new(error_type.clone(), body.clone()),
            BackendError::LambdaService { exception, message } => {
                Failure::new(format!("Lambda.{exception}"), message.clone())
            }
            BackendError::LambdaClient(message) => Failure::new("Lambda.SdkClientException", message.clone()),
            BackendError::StepFunctions { exception, message } => {
                Failure::new(format!("StepFunctions.{exception}"), message.clone())
            }
            BackendError::ChildFailed { describe } => Failure::new("States.TaskFailed", describe.to_string()),
            BackendError::Engine(error) => Failure::new("States.Runtime", error.to_string()),
            BackendError::Database(error) => Failure::new("States.Runtime", error.to_string()),
        }
    }
}

/// The shared HTTP client (connection pools live in it).
fn client() -> Result<&'static reqwest::Client, BackendError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let built = crate::tls::http_client()
        .build()
        .map_err(|error| BackendError::Arguments(format!("the HTTP client cannot be built: {}", chain(&error))))?;
    Ok(CLIENT.get_or_init(|| built))
}

/// An error and its sources, one sentence.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The time a call may take: `limit`, or the state's `TimeoutSeconds` when shorter.
fn bound(limit: Duration, timeout_seconds: Option<u64>) -> Duration {
    timeout_seconds.map_or(limit, |seconds| limit.min(Duration::from_secs(seconds.max(1))))
}

impl Engine {
    /// Runs `request` on its real backend when it has one (and, for Lambda, an endpoint is
    /// configured). Returns whether it did; the outcome arrives later as a signal.
    pub(super) fn dispatch_to_backend(&self, record: &ExecutionRecord, request: &TaskRequest) -> bool {
        let Some(backend) = Backend::for_resource(&request.resource) else { return false };
        if backend.is_lambda() && self.inner.settings.lambda_endpoint.is_none() {
            return false;
        }
        let engine = self.clone();
        let parent = record.clone();
        let request = request.clone();
        tokio::spawn(async move { engine.run_backend(backend, parent, request).await });
        true
    }

    async fn run_backend(&self, backend: Backend, parent: ExecutionRecord, request: TaskRequest) {
        let result = match backend {
            Backend::Http => invoke_http(&request, &self.inner.settings.region).await,
            Backend::LambdaInvoke | Backend::LambdaFunction => {
                let endpoint = self.inner.settings.lambda_endpoint.clone().unwrap_or_default();
                invoke_lambda(&endpoint, backend, &request).await
            }
            Backend::StartExecution => return self.run_start_execution(&parent, &request).await,
        };
        let key = request.key;
        let signal = match result {
            Ok(output) if request.resource.pattern == Pattern::WaitForTaskToken => {
                Signal::TaskSubmitted { key, output }
            }
            Ok(output) => Signal::TaskSucceeded { key, output },
            Err(error) => Signal::TaskFailed { key, failure: error.failure() },
        };
        self.report(&parent.arn, signal).await;
    }

    /// Applies a backend's outcome, in order with the others this task sends.
    async fn report(&self, arn: &str, signal: Signal) {
        if let Err(error) = self.signal(arn, signal).await {
            tracing::error!(%arn, %error, "a task outcome could not be applied");
        }
    }

    /// `states:startExecution[.sync[:2]|.waitForTaskToken]`: starts (or, after a restart,
    /// finds) the child, reports the start, and for `.sync` waits for the child's end.
    async fn run_start_execution(&self, parent: &ExecutionRecord, request: &TaskRequest) {
        let key = request.key;
        let child = match self.start_child(parent, request).await {
            Ok(child) => child,
            Err(error) => return self.report(&parent.arn, Signal::TaskFailed { key, failure: error.failure() }).await,
        };
        let started = json!({
            "ExecutionArn": child.arn,
            "StartDate": child.start_millis,
            "SdkResponseMetadata": {"RequestId": RealEnvironment.uuid()},
        });
        match request.resource.pattern {
            Pattern::RequestResponse => {
                self.report(&parent.arn, Signal::TaskSucceeded { key, output: started }).await;
            }
            Pattern::WaitForTaskToken => {
                if !child.attached {
                    self.report(&parent.arn, Signal::TaskSubmitted { key, output: started }).await;
                }
            }
            Pattern::Sync => {
                if !child.attached {
                    self.report(&parent.arn, Signal::TaskSubmitted { key, output: started }).await;
                }
                let parse_output = request.resource.arn.ends_with(".sync:2");
                let signal = match self.finished_child(&child.arn, parse_output).await {
                    Ok(output) => Signal::TaskSucceeded { key, output },
                    Err(error) => Signal::TaskFailed { key, failure: error.failure() },
                };
                self.report(&parent.arn, signal).await;
            }
        }
    }

    /// Starts the child execution a `states:startExecution` task names. The child's name is
    /// `Name` or, when absent, derived from the parent's ARN and the task's key, so a task
    /// re-dispatched after a restart finds the child it started before (`attached`).
    async fn start_child(&self, parent: &ExecutionRecord, request: &TaskRequest) -> Result<Child, BackendError> {
        let arguments = &request.arguments;
        let Some(machine_arn) = arguments.get("StateMachineArn").and_then(Value::as_str) else {
            return Err(BackendError::Arguments(format!(
                "The Task state '{}' starts an execution without a 'StateMachineArn' string",
                request.state_name
            )));
        };
        let row: Option<(String, String, String, String)> =
            sqlx::query_as("SELECT name, type, definition, role_arn FROM state_machines WHERE arn = ?")
                .bind(machine_arn)
                .fetch_optional(&self.inner.pool)
                .await?;
        let Some((machine_name, machine_type, definition, role_arn)) = row else {
            return Err(BackendError::StepFunctions {
                exception: "StateMachineDoesNotExistException".into(),
                message: format!(
                    "State Machine Does Not Exist: '{machine_arn}' (Service: AWSStepFunctions; Status Code: 400; \
                     Error Code: StateMachineDoesNotExist)"
                ),
            });
        };
        let (input, input_text) = child_input(arguments.get("Input"))?;
        let name = match arguments.get("Name") {
            Some(Value::String(name)) => name.clone(),
            Some(_) => return Err(BackendError::Arguments("'Name' must be a string".into())),
            None => child_name(&parent.arn, request.key),
        };
        let kind = if machine_type == "EXPRESS" { ExecutionType::Express } else { ExecutionType::Standard };
        let start = StartRequest {
            state_machine_arn: machine_arn.to_string(),
            state_machine_name: machine_name,
            name,
            definition,
            input: input.clone(),
            input_text: Some(input_text),
            role_arn,
            kind,
            test_case: None,
            map_run_arn: None,
            item_count: None,
            qualifiers: super::Qualifiers::default(),
            skip_waits: request.skip_waits,
        };
        match self.start(start).await {
            Ok(started) => Ok(Child { arn: started.arn, start_millis: started.start_millis, attached: false }),
            Err(EngineError::ExecutionAlreadyExists(arn)) => match self.describe(&arn).await? {
                // Our own child, started before a restart (same name and input).
                Some(existing) if existing.record.input == input => {
                    Ok(Child { arn, start_millis: existing.record.start_millis, attached: true })
                }
                _ => Err(BackendError::StepFunctions {
                    exception: "ExecutionAlreadyExistsException".into(),
                    message: format!(
                        "Execution Already Exists: '{arn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: \
                         ExecutionAlreadyExists)"
                    ),
                }),
            },
            Err(EngineError::Definition(message)) => {
                Err(BackendError::StepFunctions { exception: "InvalidDefinitionException".into(), message })
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Waits for the child's end: its DescribeExecution when it succeeded, else `ChildFailed`.
    async fn finished_child(&self, child_arn: &str, parse_output: bool) -> Result<Value, BackendError> {
        let status = self.wait(child_arn).await?;
        let view = self.describe(child_arn).await?;
        let describe = match &view {
            Some(view) => describe_child(&view.record, &status, parse_output),
            None => json!({"ExecutionArn": child_arn, "Status": status.name()}),
        };
        match status {
            Status::Succeeded { .. } => Ok(describe),
            _ => Err(BackendError::ChildFailed { describe }),
        }
    }
}

/// A child execution a task started or found.
#[derive(Debug)]
struct Child {
    arn: String,
    start_millis: i64,
    /// It existed already: this task was re-dispatched after a restart.
    attached: bool,
}

/// The child's input: `Input` as an object (or any JSON value), or as JSON text; a string that
/// is not JSON text is the input itself, as AWS treats it. Absent, `{}`.
fn child_input(input: Option<&Value>) -> Result<(Value, String), BackendError> {
    match input {
        None | Some(Value::Null) => Ok((json!({}), "{}".into())),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) => Ok((parsed, text.clone())),
            Err(_) => Ok((Value::String(text.clone()), Value::String(text.clone()).to_string())),
        },
        Some(value) => Ok((value.clone(), value.to_string())),
    }
}

/// A name for a child started without `Name`: UUID-shaped, the same for the same parent and
/// task, so re-dispatch after a restart finds the child instead of starting another.
pub fn child_name(parent_arn: &str, key: u64) -> String {
    let text = format!("{parent_arn}#{key}");
    let fnv =
        |seed: u64| text.bytes().fold(seed, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3));
    let hex = format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142));
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// DescribeExecution as `.sync` integrations return it: `Output` as JSON text, or parsed JSON
/// for `.sync:2`; dates in milliseconds since the epoch.
fn describe_child(record: &ExecutionRecord, status: &Status, parse_output: bool) -> Value {
    let mut describe = Map::new();
    describe.insert("ExecutionArn".into(), json!(record.arn));
    let input = if parse_output { record.input.clone() } else { Value::String(record.input_text.clone()) };
    describe.insert("Input".into(), input);
    describe.insert("InputDetails".into(), json!({"Included": true}));
    describe.insert("Name".into(), json!(record.name));
    match status {
        Status::Succeeded { output } => {
            let output = if parse_output { output.clone() } else { Value::String(output.to_string()) };
            describe.insert("Output".into(), output);
            describe.insert("OutputDetails".into(), json!({"Included": true}));
        }
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            if let Some(error) = &failure.error {
                describe.insert("Error".into(), json!(error));
            }
            if let Some(cause) = &failure.cause {
                describe.insert("Cause".into(), json!(cause));
            }
        }
        Status::Running => {}
    }
    describe.insert("RedriveCount".into(), json!(record.redrive_count));
    describe.insert("StartDate".into(), json!(record.start_millis));
    describe.insert("StateMachineArn".into(), json!(record.state_machine_arn));
    describe.insert("Status".into(), json!(status.name()));
    describe.insert("StopDate".into(), json!(record.stop_millis.unwrap_or_else(super::now_millis)));
    Value::Object(describe)
}

// -- the HTTP Task -------------------------------------------------------------------------

/// How a URL-encoded body or query writes arrays (`Transform.RequestEncodingOptions.ArrayFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayFormat {
    /// `a[0]=x&a[1]=y` (AWS's default).
    Indices,
    /// `a=x&a=y`.
    Repeat,
    /// `a=x,y`.
    Commas,
    /// `a[]=x&a[]=y`.
    Brackets,
}

/// Calls the HTTP Task's endpoint. Arguments: `Method`, `ApiEndpoint`, `Headers`,
/// `QueryParameters`, `RequestBody`, `Transform`. `Authentication.ConnectionArn` (and
/// `InvocationConfig`) is accepted and ignored: there are no EventBridge connections here, so
/// put any credentials the endpoint needs in `Headers`. `http` and `https` (rustls, with the
/// bundled roots and `STATEHOUSE_EXTRA_CA_FILE`'s). The result is `{Headers, ResponseBody, StatusCode, StatusText}`.
pub async fn invoke_http(request: &TaskRequest, region: &str) -> Result<Value, BackendError> {
    let arguments = &request.arguments;
    let text = |field: &str| arguments.get(field).and_then(Value::as_str);
    let method =
        text("Method").ok_or_else(|| BackendError::Arguments("the HTTP Task needs a 'Method' string".into()))?;
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| BackendError::Arguments(format!("'{method}' is not an HTTP method")))?;
    let endpoint = text("ApiEndpoint")
        .ok_or_else(|| BackendError::Arguments("the HTTP Task needs an 'ApiEndpoint' string".into()))?;
    let mut url =
        Url::parse(endpoint).map_err(|error| BackendError::Arguments(format!("'{endpoint}' is not a URL: {error}")))?;
    match url.scheme() {
        "http" | "https" => {}
        scheme => {
            return Err(BackendError::Arguments(format!("'{endpoint}' has scheme '{scheme}', not http or https")));
        }
    }
    let transform = arguments.get("Transform");
    let array_format = match transform.and_then(|transform| transform.pointer("/RequestEncodingOptions/ArrayFormat")) {
        None => ArrayFormat::Indices,
        Some(Value::String(format)) => match format.as_str() {
            "INDICES" => ArrayFormat::Indices,
            "REPEAT" => ArrayFormat::Repeat,
            "COMMAS" => ArrayFormat::Commas,
            "BRACKETS" => ArrayFormat::Brackets,
            other => return Err(BackendError::Arguments(format!("'{other}' is not an ArrayFormat"))),
        },
        Some(other) => return Err(BackendError::Arguments(format!("ArrayFormat {other} is not a string"))),
    };
    let url_encoded = match transform.and_then(|transform| transform.get("RequestBodyEncoding")) {
        None => false,
        Some(Value::String(encoding)) if encoding == "NONE" => false,
        Some(Value::String(encoding)) if encoding == "URL_ENCODED" => true,
        Some(other) => return Err(BackendError::Arguments(format!("RequestBodyEncoding {other} is not supported"))),
    };
    match arguments.get("QueryParameters") {
        None | Some(Value::Null) => {}
        Some(parameters @ Value::Object(_)) => {
            let mut pairs = Vec::new();
            flatten(None, parameters, array_format, &mut pairs);
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Some(_) => return Err(BackendError::Arguments("'QueryParameters' must be an object".into())),
    }
    let mut builder = client()?
        .request(method, url)
        .timeout(bound(HTTP_TASK_TIME_LIMIT, request.timeout_seconds))
        .header(reqwest::header::USER_AGENT, format!("Amazon|StepFunctions|HttpInvoke|{region}"));
    let mut content_type_set = false;
    match arguments.get("Headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                content_type_set |= name.eq_ignore_ascii_case("content-type");
                let value = match value {
                    Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
                    other => scalar_text(other),
                };
                builder = builder.header(name.as_str(), value);
            }
        }
        Some(_) => return Err(BackendError::Arguments("'Headers' must be an object".into())),
    }
    match arguments.get("RequestBody") {
        None | Some(Value::Null) => {}
        Some(Value::String(body)) => builder = builder.body(body.clone()),
        Some(body) if url_encoded => {
            let mut pairs = Vec::new();
            flatten(None, body, array_format, &mut pairs);
            let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            if !content_type_set {
                builder = builder.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            }
            builder = builder.body(encoded);
        }
        Some(body) => {
            if !content_type_set {
                builder = builder.header(reqwest::header::CONTENT_TYPE, "application/json");
            }
            builder = builder.body(body.to_string());
        }
    }
    let response = builder.send().await.map_err(|error| BackendError::HttpSocket(chain(&error)))?;
    let status = response.status();
    let headers = headers_as_lists(response.headers());
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("json"));
    let bytes = response.bytes().await.map_err(|error| BackendError::HttpSocket(chain(&error)))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = if is_json { serde_json::from_str(&text).unwrap_or(Value::String(text)) } else { Value::String(text) };
    let result = json!({
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": status.as_u16(),
        "StatusText": status.canonical_reason().unwrap_or_default(),
    });
    if status.is_success() {
        Ok(result)
    } else {
        Err(BackendError::HttpStatus { status: status.as_u16(), response: result })
    }
}

/// A JSON scalar as a form or header value: strings as they are, `null` as empty.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Flattens `value` into `name=value` pairs the way AWS URL-encodes bodies: objects as
/// `key[sub]`, arrays per `format`.
fn flatten(prefix: Option<&str>, value: &Value, format: ArrayFormat, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let name = prefix.map_or_else(|| key.clone(), |prefix| format!("{prefix}[{key}]"));
                flatten(Some(&name), member, format, pairs);
            }
        }
        Value::Array(items) => {
            let prefix = prefix.unwrap_or_default();
            let all_scalars = items.iter().all(|item| !item.is_object() && !item.is_array());
            match format {
                ArrayFormat::Commas if all_scalars => {
                    pairs.push((prefix.to_string(), items.iter().map(scalar_text).collect::<Vec<_>>().join(",")));
                }
                ArrayFormat::Repeat => items.iter().for_each(|item| flatten(Some(prefix), item, format, pairs)),
                ArrayFormat::Brackets => {
                    let name = format!("{prefix}[]");
                    items.iter().for_each(|item| flatten(Some(&name), item, format, pairs));
                }
                ArrayFormat::Indices | ArrayFormat::Commas => {
                    for (index, item) in items.iter().enumerate() {
                        flatten(Some(&format!("{prefix}[{index}]")), item, format, pairs);
                    }
                }
            }
        }
        scalar => pairs.push((prefix.unwrap_or_default().to_string(), scalar_text(scalar))),
    }
}

/// Response headers as `{name: [values]}`.
fn headers_as_lists(headers: &HeaderMap) -> Value {
    let mut lists = Map::new();
    for (name, value) in headers {
        let value = Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned());
        match lists.get_mut(name.as_str()) {
            Some(Value::Array(values)) => values.push(value),
            _ => {
                lists.insert(name.as_str().to_string(), Value::Array(vec![value]));
            }
        }
    }
    Value::Object(lists)
}

// -- Lambda --------------------------------------------------------------------------------

/// A function name and qualifier out of a name, a partial ARN (`ACCOUNT:function:NAME`) or a
/// full ARN, each with an optional `:QUALIFIER`.
pub fn function_name(reference: &str) -> (String, Option<String>) {
    let rest = match reference.split_once("function:") {
        Some((_, rest)) => rest,
        None => reference,
    };
    match rest.split_once(':') {
        Some((name, qualifier)) => (name.to_string(), Some(qualifier.to_string())),
        None => (rest.to_string(), None),
    }
}

/// Invokes a function through the Lambda Invoke API at `endpoint`
/// (`POST {endpoint}/2015-03-31/functions/{name}/invocations`). For `lambda:invoke` the
/// arguments are `FunctionName`, `Payload`, `Qualifier`, `InvocationType`, `ClientContext`,
/// `LogType` and the result is `{ExecutedVersion, Payload, SdkHttpMetadata,
/// SdkResponseMetadata, StatusCode}`; for a function ARN the arguments are the payload and the
/// result is the function's.
pub async fn invoke_lambda(endpoint: &str, backend: Backend, request: &TaskRequest) -> Result<Value, BackendError> {
    let arguments = &request.arguments;
    let (name, mut qualifier, payload) = if backend == Backend::LambdaFunction {
        let (name, qualifier) = function_name(&request.resource.action);
        (name, qualifier, Some(arguments.to_string()))
    } else {
        let Some(reference) = arguments.get("FunctionName").and_then(Value::as_str) else {
            return Err(BackendError::Arguments(format!(
                "The Task state '{}' invokes Lambda without a 'FunctionName' string",
                request.state_name
            )));
        };
        let (name, qualifier) = function_name(reference);
        (name, qualifier, arguments.get("Payload").map(Value::to_string))
    };
    if let Some(explicit) =
        arguments.get("Qualifier").and_then(Value::as_str).filter(|_| backend == Backend::LambdaInvoke)
    {
        qualifier = Some(explicit.to_string());
    }
    let mut url = Url::parse(endpoint).map_err(|error| {
        BackendError::LambdaClient(format!("the Lambda endpoint '{endpoint}' is not a URL: {error}"))
    })?;
    url.path_segments_mut()
        .map_err(|()| BackendError::LambdaClient(format!("the Lambda endpoint '{endpoint}' cannot have a path")))?
        .pop_if_empty()
        .extend([LAMBDA_API_VERSION, "functions", &name, "invocations"]);
    if let Some(qualifier) = &qualifier {
        url.query_pairs_mut().append_pair("Qualifier", qualifier);
    }
    let mut builder = client()?
        .post(url)
        .timeout(bound(LAMBDA_TIME_LIMIT, request.timeout_seconds))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload.unwrap_or_else(|| "{}".into()));
    if backend == Backend::LambdaInvoke {
        for (field, header) in [
            ("InvocationType", "X-Amz-Invocation-Type"),
            ("ClientContext", "X-Amz-Client-Context"),
            ("LogType", "X-Amz-Log-Type"),
        ] {
            if let Some(value) = arguments.get(field).and_then(Value::as_str) {
                builder = builder.header(header, value);
            }
        }
    }
    let response = builder.send().await.map_err(|error| BackendError::LambdaClient(chain(&error)))?;
    let status = response.status();
    let headers = response.headers().clone();
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_string);
    let bytes = response.bytes().await.map_err(|error| BackendError::LambdaClient(chain(&error)))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if !status.is_success() {
        return Err(lambda_service_error(
            status.as_u16(),
            header("x-amzn-ErrorType"),
            header("x-amzn-RequestId"),
            &text,
        ));
    }
    if header("X-Amz-Function-Error").is_some() {
        let error_type = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|body| body.get("errorType").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "Lambda.Unknown".into());
        return Err(BackendError::LambdaFunction { error_type, body: text });
    }
    let payload = if text.is_empty() {
        if backend == Backend::LambdaFunction { Value::Null } else { Value::String(String::new()) }
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if backend == Backend::LambdaFunction {
        return Ok(payload);
    }
    let request_id = header("x-amzn-RequestId").unwrap_or_else(|| RealEnvironment.uuid());
    let mut all_headers = Map::new();
    let mut single_headers = Map::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        all_headers.insert(name.to_string(), json!([value]));
        single_headers.insert(name.to_string(), json!(value));
    }
    Ok(json!({
        "ExecutedVersion": header("X-Amz-Executed-Version").unwrap_or_else(|| "$LATEST".into()),
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": all_headers,
            "HttpHeaders": single_headers,
            "HttpStatusCode": status.as_u16(),
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status.as_u16(),
    }))
}

/// A Lambda service error (`x-amzn-ErrorType`, or the body's `Type`/`__type`), named
/// `…Exception` as AWS's SDK names it, with the SDK's message format as the cause.
fn lambda_service_error(
    status: u16,
    error_type: Option<String>,
    request_id: Option<String>,
    body: &str,
) -> BackendError {
    let document: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let named = error_type
        .map(|value| value.split(':').next().unwrap_or_default().to_string())
        .or_else(|| {
            document
                .get("__type")
                .and_then(Value::as_str)
                .map(|value| value.rsplit('#').next().unwrap_or(value).to_string())
        })
        .filter(|name| !name.is_empty() && name != "User" && name != "Service");
    let mut exception = named.unwrap_or_else(|| match status {
        404 => "ResourceNotFoundException".into(),
        429 => "TooManyRequestsException".into(),
        500..=599 => "ServiceException".into(),
        _ => "AWSLambdaException".into(),
    });
    if !exception.ends_with("Exception") {
        exception.push_str("Exception");
    }
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|field| document.get(*field).and_then(Value::as_str))
        .map_or_else(|| body.to_string(), str::to_string);
    let error_code = exception.trim_end_matches("Exception");
    let request_id = request_id.unwrap_or_default();
    BackendError::LambdaService {
        message: format!(
            "{message} (Service: AWSLambda; Status Code: {status}; Error Code: {error_code}Exception; Request ID: \
             {request_id}; Proxy: null)"
        ),
        exception,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_follows_the_array_format() {
        let body = json!({"a": ["x", "y"], "o": {"k": "v"}, "n": 1});
        let encode = |format| {
            let mut pairs = Vec::new();
            flatten(None, &body, format, &mut pairs);
            form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
        };
        assert_eq!(encode(ArrayFormat::Indices), "a%5B0%5D=x&a%5B1%5D=y&o%5Bk%5D=v&n=1");
        assert_eq!(encode(ArrayFormat::Repeat), "a=x&a=y&o%5Bk%5D=v&n=1");
        assert_eq!(encode(ArrayFormat::Commas), "a=x%2Cy&o%5Bk%5D=v&n=1");
        assert_eq!(encode(ArrayFormat::Brackets), "a%5B%5D=x&a%5B%5D=y&o%5Bk%5D=v&n=1");
    }

    #[test]
    fn function_references_name_the_function_and_qualifier() {
        assert_eq!(function_name("f"), ("f".into(), None));
        assert_eq!(function_name("f:live"), ("f".into(), Some("live".into())));
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f:3"), ("f".into(), Some("3".into())));
        assert_eq!(function_name("123456789012:function:f"), ("f".into(), None));
    }

    #[test]
    fn child_names_are_stable_per_parent_and_task() {
        let first = child_name("arn:aws:states:us-east-1:1:execution:m:e", 7);
        assert_eq!(first, child_name("arn:aws:states:us-east-1:1:execution:m:e", 7));
        assert_ne!(first, child_name("arn:aws:states:us-east-1:1:execution:m:e", 8));
        assert_eq!(first.len(), 36);
    }

    #[test]
    fn lambda_service_errors_are_named_as_the_sdk_names_them() {
        let error = lambda_service_error(
            404,
            Some("ResourceNotFound".into()),
            None,
            r#"{"Type":"User","Message":"Function not found: f"}"#,
        );
        let failure = error.failure();
        assert_eq!(failure.error.as_deref(), Some("Lambda.ResourceNotFoundException"));
        assert!(failure.cause.unwrap_or_default().starts_with("Function not found: f (Service: AWSLambda"));
    }
}

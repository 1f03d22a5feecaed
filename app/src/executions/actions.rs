//! What a developer can do to one execution from its page: Stop a running one (with an error
//! and a cause), Redrive a failed, aborted or timed-out one (the engine applies AWS's rules),
//! and answer the task tokens it waits on (`.waitForTaskToken` tasks and activities) with
//! Send success or Send failure.
//!
//! These are server functions, so every POST passes the server's cross-site check
//! (`server/src/web/csrf.rs`: `Sec-Fetch-Site`/`Origin`), like every other server function.
//! The server carries them out through [`ssr::ExecutionControls`], provided as Leptos context
//! beside `ServerContext` (the app cannot depend on the server's engine).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{WaitingTask, format_millis};

/// AWS's limit on a task's output (SendTaskSuccess), in bytes.
pub const OUTPUT_LIMIT_BYTES: usize = 262_144;
/// AWS's limit on an error name, in characters.
pub const ERROR_LIMIT_CHARS: usize = 256;
/// AWS's limit on a cause, in characters.
pub const CAUSE_LIMIT_CHARS: usize = 32_768;

/// Why an action on an execution was not carried out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ExecutionActionError {
    /// A field's value cannot be used.
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field as the form labels it (“Output”, “Error”, “Cause”).
        field: String,
        /// Why.
        reason: String,
    },
    /// The engine refused, with AWS's reason (not redrivable, no such task, …).
    #[error("{0}")]
    Refused(String),
    /// The server failed; the details are in its log.
    #[error("the server could not do this; its log has the details")]
    Storage,
    /// The server function itself failed (network, encoding).
    #[error("the server did not answer: {0}")]
    Server(String),
    /// The request had no session (it ended, or was signed out elsewhere): the server asks
    /// for a sign-in. The page keeps its work.
    #[error("{}", crate::SIGNED_OUT)]
    SignedOut,
}

crate::server_fn_error!(ExecutionActionError);

#[cfg(any(feature = "ssr", test))]
/// An optional text field: empty means absent; longer than `limit` characters is an error.
fn optional_field(label: &str, text: Option<String>, limit: usize) -> Result<Option<String>, ExecutionActionError> {
    match text.filter(|text| !text.is_empty()) {
        Some(text) if text.chars().count() > limit => Err(ExecutionActionError::InvalidField {
            field: label.into(),
            reason: format!("must be at most {limit} characters, not {}", text.chars().count()),
        }),
        other => Ok(other),
    }
}

#[cfg(feature = "ssr")]
/// Answers a refusal with 400 rather than a server function's usual 500: it is the
/// request's fault, not the server's.
pub(super) fn refuse<T>(error: ExecutionActionError) -> Result<T, ExecutionActionError> {
    if !matches!(error, ExecutionActionError::Storage | ExecutionActionError::Server(_))
        && let Some(response) = use_context::<crate::leptos_axum_response::ResponseOptions>()
    {
        response.set_status(crate::leptos_axum_response::StatusCode::BAD_REQUEST);
    }
    Err(error)
}

/// Reads the output a developer typed for Send success: JSON of at most 256 KiB.
pub fn parse_output(text: &str) -> Result<serde_json::Value, ExecutionActionError> {
    parse_json_field("Output", text)
}

/// Reads a JSON field of a form (`Output`, `Input`): at most 256 KiB, AWS's payload limit.
pub fn parse_json_field(label: &str, text: &str) -> Result<serde_json::Value, ExecutionActionError> {
    if text.len() > OUTPUT_LIMIT_BYTES {
        return Err(ExecutionActionError::InvalidField {
            field: label.into(),
            reason: format!("must be at most {OUTPUT_LIMIT_BYTES} bytes, not {}", text.len()),
        });
    }
    serde_json::from_str(text).map_err(|error| ExecutionActionError::InvalidField {
        field: label.into(),
        reason: format!("not valid JSON ({error})"),
    })
}

/// StartExecution of the state machine `machine` with `input` (JSON; empty means `{}`) and
/// `name` (empty: the server picks a UUID, as AWS does). Answers the new execution's ARN.
#[server(prefix = "/api", endpoint = "executions/start")]
pub async fn start_execution(machine: String, name: String, input: String) -> Result<String, ExecutionActionError> {
    let outcome = async {
        let input = if input.trim().is_empty() { "{}".to_string() } else { input };
        parse_json_field("Input", &input)?;
        let name = Some(name.trim().to_string()).filter(|name| !name.is_empty());
        let controls = expect_context::<ssr::ExecutionControls>();
        controls.0.start(&machine, name, input).await
    };
    outcome.await.or_else(refuse)
}

/// StopExecution: ends a running execution as ABORTED with this error and cause.
#[server(prefix = "/api", endpoint = "executions/stop")]
pub async fn stop_execution(
    arn: String,
    error: Option<String>,
    cause: Option<String>,
) -> Result<(), ExecutionActionError> {
    let outcome = async {
        let error = optional_field("Error", error, ERROR_LIMIT_CHARS)?;
        let cause = optional_field("Cause", cause, CAUSE_LIMIT_CHARS)?;
        let controls = expect_context::<ssr::ExecutionControls>();
        controls.0.stop(&arn, error, cause).await
    };
    outcome.await.or_else(refuse)
}

/// RedriveExecution: resumes a failed, aborted or timed-out execution where it stopped.
#[server(prefix = "/api", endpoint = "executions/redrive")]
pub async fn redrive_execution(arn: String) -> Result<(), ExecutionActionError> {
    let controls = expect_context::<ssr::ExecutionControls>();
    controls.0.redrive(&arn).await.or_else(refuse)
}

/// SendTaskSuccess for a token the execution waits on.
#[server(prefix = "/api", endpoint = "executions/send-success")]
pub async fn send_task_success(token: String, output: String) -> Result<(), ExecutionActionError> {
    let output = match parse_output(&output) {
        Ok(output) => output,
        Err(error) => return refuse(error),
    };
    let controls = expect_context::<ssr::ExecutionControls>();
    controls.0.send_success(&token, output).await.or_else(refuse)
}

/// SendTaskFailure for a token the execution waits on.
#[server(prefix = "/api", endpoint = "executions/send-failure")]
pub async fn send_task_failure(
    token: String,
    error: Option<String>,
    cause: Option<String>,
) -> Result<(), ExecutionActionError> {
    let outcome = async {
        let error = optional_field("Error", error, ERROR_LIMIT_CHARS)?;
        let cause = optional_field("Cause", cause, CAUSE_LIMIT_CHARS)?;
        let controls = expect_context::<ssr::ExecutionControls>();
        controls.0.send_failure(&token, error, cause).await
    };
    outcome.await.or_else(refuse)
}

/// The page's actions, shared by its panels; the page reads the execution again after each.
#[derive(Clone, Copy)]
pub struct ExecutionActions {
    /// Stop.
    pub stop: ServerAction<StopExecution>,
    /// Redrive.
    pub redrive: ServerAction<RedriveExecution>,
    /// Send success.
    pub success: ServerAction<SendTaskSuccess>,
    /// Send failure.
    pub failure: ServerAction<SendTaskFailure>,
}

impl ExecutionActions {
    /// New actions for one page. Only the latest action's refusal is shown: when one starts,
    /// the others' outcomes are forgotten, so an old alert never stands beside a new one.
    pub fn new() -> Self {
        let actions = Self {
            stop: ServerAction::new(),
            redrive: ServerAction::new(),
            success: ServerAction::new(),
            failure: ServerAction::new(),
        };
        let Self { stop, redrive, success, failure } = actions;
        Effect::new(move |previous: Option<[bool; 4]>| {
            let now = [stop.pending().get(), redrive.pending().get(), success.pending().get(), failure.pending().get()];
            let started: [bool; 4] =
                std::array::from_fn(|index| now[index] && previous.is_some_and(|previous| !previous[index]));
            if started.contains(&true) {
                if !started[0] {
                    stop.value().set(None);
                }
                if !started[1] {
                    redrive.value().set(None);
                }
                if !started[2] {
                    success.value().set(None);
                }
                if !started[3] {
                    failure.value().set(None);
                }
            }
            now
        });
        actions
    }

    /// How many actions have finished so far (the page reads the execution again when it grows).
    pub fn finished(&self) -> usize {
        self.stop.version().get()
            + self.redrive.version().get()
            + self.success.version().get()
            + self.failure.version().get()
    }
}

impl Default for ExecutionActions {
    fn default() -> Self {
        Self::new()
    }
}

/// An action's latest outcome as an alert, when it failed.
pub(super) fn failure_alert(value: MappedSignal<Option<Result<(), ExecutionActionError>>>) -> impl IntoView {
    move || {
        value.get().and_then(Result::err).map(|error| {
            view! { <p class="action-error" role="alert">{error.to_string()}</p> }
        })
    }
}

/// Starts an execution of one state machine from the executions list (`?machine=`): an
/// optional name and the input, then the new execution's page.
#[component]
pub fn StartExecutionPanel(machine: String) -> impl IntoView {
    let start = ServerAction::<StartExecution>::new();
    let value = start.value();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(arn)) = value.get() {
            navigate(&super::execution_href(&arn), Default::default());
        }
    });
    view! {
        <details class="card start-execution" data-testid="start-execution">
            <summary>"Start an execution"</summary>
            <ActionForm action=start attr:class="action-form">
                <input type="hidden" name="machine" value=machine />
                <div class="field">
                    <label for="start-name">"Name (optional)"</label>
                    <input id="start-name" name="name" type="text" maxlength="80" placeholder="a UUID when empty" />
                </div>
                <div class="field">
                    <label for="start-input">"Input (JSON)"</label>
                    <textarea id="start-input" name="input" rows="4">"{}"</textarea>
                </div>
                <div class="field actions">
                    <button type="submit" disabled=move || start.pending().get()>
                        {move || if start.pending().get() { "Starting…" } else { "Start execution" }}
                    </button>
                </div>
            </ActionForm>
            {move || {
                value.get().and_then(Result::err).map(|error| {
                    view! { <p class="action-error" role="alert">{error.to_string()}</p> }
                })
            }}
        </details>
    }
}

/// Stop (while it runs) or Redrive (after a Standard execution failed, was aborted or timed
/// out; AWS redrives no Express execution).
#[component]
pub fn ExecutionControlsPanel(
    arn: String,
    status: String,
    workflow_type: super::WorkflowType,
    /// A Distributed Map's child execution, which only its Map Run redrives.
    map_run_child: bool,
    actions: ExecutionActions,
) -> impl IntoView {
    let ExecutionActions { stop, redrive, .. } = actions;
    let stop_value = stop.value();
    let redrive_value = redrive.value();
    match status.as_str() {
        "RUNNING" => view! {
            <section class="card" data-testid="stop-panel">
                <h2>"Stop"</h2>
                // Two steps, so a stray click stops nothing: the form opens first (it works
                // without the page's script too).
                <details class="stop-details">
                    <summary>"Stop execution…"</summary>
                    <p class="muted">"The execution ends now as ABORTED, with this error and cause; a Standard execution can be redriven later."</p>
                    <ActionForm action=stop attr:class="action-form">
                        <input type="hidden" name="arn" value=arn />
                        <div class="field">
                            <label for="stop-error">"Error"</label>
                            <input id="stop-error" name="error" type="text" maxlength=ERROR_LIMIT_CHARS />
                        </div>
                        <div class="field">
                            <label for="stop-cause">"Cause"</label>
                            <textarea id="stop-cause" name="cause" rows="2"></textarea>
                        </div>
                        <div class="field actions">
                            <button type="submit" class="danger" disabled=move || stop.pending().get()>"Stop now"</button>
                        </div>
                    </ActionForm>
                </details>
                {failure_alert(stop_value)}
            </section>
        }
        .into_any(),
        "FAILED" | "ABORTED" | "TIMED_OUT" if map_run_child => view! {
            <section class="card" data-testid="redrive-panel">
                <h2>"Redrive"</h2>
                <p class="muted" data-testid="redrive-by-map-run">
                    "A Distributed Map's child execution is redriven with its Map Run: redrive the parent execution, and the children that did not succeed run again."
                </p>
            </section>
        }
        .into_any(),
        "FAILED" | "ABORTED" | "TIMED_OUT" if workflow_type == super::WorkflowType::Standard => view! {
            <section class="card" data-testid="redrive-panel">
                <h2>"Redrive"</h2>
                <p class="muted">"Resumes the execution at the state that did not succeed, with the same input."</p>
                <ActionForm action=redrive attr:class="action-form">
                    <input type="hidden" name="arn" value=arn />
                    <div class="field actions">
                        <button type="submit" disabled=move || redrive.pending().get()>"Redrive execution"</button>
                    </div>
                </ActionForm>
                {failure_alert(redrive_value)}
            </section>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// The task tokens the execution waits on, each with Send success and Send failure.
#[component]
pub fn CallbackPanel(waiting: Vec<WaitingTask>, actions: ExecutionActions) -> impl IntoView {
    if waiting.is_empty() {
        return ().into_any();
    }
    let ExecutionActions { success, failure, .. } = actions;
    let success_value = success.value();
    let failure_value = failure.value();
    view! {
        <section class="card" data-testid="callbacks">
            <h2>"Waiting for callback"</h2>
            {failure_alert(success_value)}
            {failure_alert(failure_value)}
            {waiting
                .into_iter()
                .enumerate()
                .map(|(index, task)| {
                    let success_id = format!("callback-output-{index}");
                    let error_id = format!("callback-error-{index}");
                    let cause_id = format!("callback-cause-{index}");
                    let kind = match (task.activity, task.started) {
                        (false, _) => "Callback (.waitForTaskToken)",
                        (true, true) => "Activity · taken by a worker",
                        (true, false) => "Activity · no worker has taken it yet; an answer here stands in for one",
                    };
                    let (success_token, failure_token) = (task.token.clone(), task.token.clone());
                    // An approval request is decided by its approvers, with an audit trail:
                    // the page links to it instead of answering the token itself.
                    if let Some(id) = task.approval_request {
                        return view! {
                            <article class="callback" data-callback-state=task.state_name.clone()>
                                <dl class="facts">
                                    <dt>"State"</dt><dd>{task.state_name.clone()}</dd>
                                    <dt>"Kind"</dt><dd>"Approval request"</dd>
                                    <dt>"Resource"</dt><dd><code>{task.resource.clone()}</code></dd>
                                    <dt>"Since"</dt><dd>{format_millis(task.created_millis)}</dd>
                                </dl>
                                <p data-testid="callback-approval">
                                    "Its approvers decide it from the links they were mailed: see "
                                    <a href=format!("/approvals/{id}")>{format!("approval request #{id}")}</a>
                                    " for who was asked and what they said."
                                </p>
                            </article>
                        }
                        .into_any();
                    }
                    view! {
                        <article class="callback" data-callback-state=task.state_name.clone()>
                            <dl class="facts">
                                <dt>"State"</dt><dd>{task.state_name.clone()}</dd>
                                <dt>"Kind"</dt><dd>{kind}</dd>
                                <dt>"Resource"</dt><dd><code>{task.resource.clone()}</code></dd>
                                <dt>"Since"</dt><dd>{format_millis(task.created_millis)}</dd>
                                <dt>"Task token"</dt><dd><code class="token" data-testid="task-token">{task.token.clone()}</code></dd>
                            </dl>
                            <div class="callback-forms">
                                <ActionForm action=success attr:class="action-form">
                                    <input type="hidden" name="token" value=success_token />
                                    <div class="field">
                                        <label for=success_id.clone()>"Output (JSON)"</label>
                                        <textarea id=success_id name="output" rows="3">"{}"</textarea>
                                    </div>
                                    <div class="field actions">
                                        <button type="submit" disabled=move || success.pending().get()>"Send success"</button>
                                    </div>
                                </ActionForm>
                                <ActionForm action=failure attr:class="action-form">
                                    <input type="hidden" name="token" value=failure_token />
                                    <div class="field">
                                        <label for=error_id.clone()>"Error"</label>
                                        <input id=error_id name="error" type="text" maxlength=ERROR_LIMIT_CHARS />
                                    </div>
                                    <div class="field">
                                        <label for=cause_id.clone()>"Cause"</label>
                                        <textarea id=cause_id name="cause" rows="2"></textarea>
                                    </div>
                                    <div class="field actions">
                                        <button type="submit" class="danger" disabled=move || failure.pending().get()>"Send failure"</button>
                                    </div>
                                </ActionForm>
                            </div>
                        </article>
                    }
                    .into_any()
                })
                .collect_view()}
        </section>
    }
    .into_any()
}

/// Server-only: how the server functions reach the engine.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use super::ExecutionActionError;
    use crate::ssr::BoxFuture;

    /// The engine's operations on one execution, implemented by the server
    /// (`server/src/web/execution_actions.rs`).
    pub trait ExecutionControl: Send + Sync + std::fmt::Debug {
        /// StartExecution, checked as the API checks it; answers the execution's ARN.
        fn start<'a>(
            &'a self,
            machine: &'a str,
            name: Option<String>,
            input: String,
        ) -> BoxFuture<'a, Result<String, ExecutionActionError>>;
        /// StopExecution.
        fn stop<'a>(
            &'a self,
            arn: &'a str,
            error: Option<String>,
            cause: Option<String>,
        ) -> BoxFuture<'a, Result<(), ExecutionActionError>>;
        /// RedriveExecution.
        fn redrive<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<(), ExecutionActionError>>;
        /// SendTaskSuccess.
        fn send_success<'a>(
            &'a self,
            token: &'a str,
            output: serde_json::Value,
        ) -> BoxFuture<'a, Result<(), ExecutionActionError>>;
        /// SendTaskFailure.
        fn send_failure<'a>(
            &'a self,
            token: &'a str,
            error: Option<String>,
            cause: Option<String>,
        ) -> BoxFuture<'a, Result<(), ExecutionActionError>>;
        /// UpdateMapRun: new limits for a running Map Run (`None` leaves one as it is).
        fn update_map_run<'a>(
            &'a self,
            map_run_arn: &'a str,
            limits: super::super::map_run::MapRunLimits,
        ) -> BoxFuture<'a, Result<(), ExecutionActionError>>;
    }

    /// The Leptos context the server provides for the action server functions.
    #[derive(Clone, Debug)]
    pub struct ExecutionControls(pub Arc<dyn ExecutionControl>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_in_their_errors() {
        assert!(parse_output("{\"ok\": true}").is_ok());
        let error = parse_output("{ok: true}").unwrap_err().to_string();
        assert!(error.starts_with("Output: not valid JSON"), "{error}");
        let long = "x".repeat(ERROR_LIMIT_CHARS + 1);
        let error = optional_field("Error", Some(long), ERROR_LIMIT_CHARS).unwrap_err().to_string();
        assert!(error.starts_with("Error: must be at most 256 characters"), "{error}");
        assert_eq!(optional_field("Cause", Some(String::new()), CAUSE_LIMIT_CHARS), Ok(None));
    }
}

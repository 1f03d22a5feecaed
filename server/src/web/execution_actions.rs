//! The execution pages' actions, carried out by the engine: Start (from the list, through the
//! API's StartExecution), Stop, Redrive, and Send success
//! or Send failure for a task token; and the Map Run page's UpdateMapRun. The app's server functions reach them through
//! [`app::executions::actions::ssr::ExecutionControls`]; they arrive as POSTs to `/api/…`
//! and so pass the router's cross-site check first (`csrf.rs`), like every server function.

use app::{
    executions::{
        MapRunLimits,
        actions::{ExecutionActionError, ssr::ExecutionControl},
    },
    ssr::BoxFuture,
};
use serde_json::Value;

use crate::{
    api::ApiState,
    engine::{Engine, EngineError},
};

/// The engine behind the page's actions.
#[derive(Clone, Debug)]
pub struct EngineControls {
    /// The engine.
    pub engine: Engine,
    /// The Step Functions API, whose StartExecution the list's *Start an execution* uses.
    pub api: ApiState,
}

impl ExecutionControl for EngineControls {
    fn start<'a>(
        &'a self,
        machine: &'a str,
        name: Option<String>,
        input: String,
    ) -> BoxFuture<'a, Result<String, ExecutionActionError>> {
        Box::pin(async move {
            let started = crate::api::start_execution(&self.api, machine, name.as_deref(), &input).await;
            match started {
                Ok(arn) => {
                    tracing::info!(%arn, account = ?app::ssr::current_account(), "started an execution from the list");
                    Ok(arn)
                }
                Err(error) if error.status.is_server_error() => {
                    tracing::error!(kind = error.kind, message = %error.message, "starting an execution failed");
                    Err(ExecutionActionError::Storage)
                }
                Err(error) => Err(ExecutionActionError::Refused(format!("{}: {}", error.kind, error.message))),
            }
        })
    }

    fn stop<'a>(
        &'a self,
        arn: &'a str,
        error: Option<String>,
        cause: Option<String>,
    ) -> BoxFuture<'a, Result<(), ExecutionActionError>> {
        Box::pin(async move {
            let view = self.engine.describe(arn).await.map_err(refused)?;
            match view {
                None => Err(refused(EngineError::ExecutionDoesNotExist(arn.to_string()))),
                Some(view) if view.status.is_final() => Err(ExecutionActionError::Refused(format!(
                    "the execution is {}, so there is nothing to stop",
                    view.status.name()
                ))),
                Some(_) => {
                    tracing::info!(arn, account = ?app::ssr::current_account(), "stopping an execution from its page");
                    self.engine.stop(arn, error, cause).await.map(|_| ()).map_err(refused)
                }
            }
        })
    }

    fn redrive<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<(), ExecutionActionError>> {
        Box::pin(async move {
            tracing::info!(arn, account = ?app::ssr::current_account(), "redriving an execution from its page");
            self.engine.redrive(arn).await.map(|_| ()).map_err(refused)
        })
    }

    fn send_success<'a>(&'a self, token: &'a str, output: Value) -> BoxFuture<'a, Result<(), ExecutionActionError>> {
        Box::pin(async move { self.engine.send_task_success(token, output).await.map_err(refused) })
    }

    fn send_failure<'a>(
        &'a self,
        token: &'a str,
        error: Option<String>,
        cause: Option<String>,
    ) -> BoxFuture<'a, Result<(), ExecutionActionError>> {
        Box::pin(async move { self.engine.send_task_failure(token, error, cause).await.map_err(refused) })
    }

    fn update_map_run<'a>(
        &'a self,
        map_run_arn: &'a str,
        limits: MapRunLimits,
    ) -> BoxFuture<'a, Result<(), ExecutionActionError>> {
        Box::pin(async move {
            self.engine
                .update_map_run(
                    map_run_arn,
                    limits.max_concurrency,
                    limits.tolerated_failure_count,
                    limits.tolerated_failure_percentage,
                )
                .await
                .map_err(refused)
        })
    }
}

/// The engine's refusal as the page shows it; storage failures are logged and hidden.
fn refused(error: EngineError) -> ExecutionActionError {
    match error {
        EngineError::Store(error) => {
            tracing::error!(%error, "an execution action failed");
            ExecutionActionError::Storage
        }
        EngineError::TaskTimedOut => ExecutionActionError::Refused(
            "no task waits for this token any more (it was answered, timed out or its execution ended)".into(),
        ),
        EngineError::InvalidToken => ExecutionActionError::Refused("this is not a task token of this server".into()),
        other => ExecutionActionError::Refused(other.to_string()),
    }
}

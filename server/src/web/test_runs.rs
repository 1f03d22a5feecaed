//! The designer's test runs, carried out by the engine (`engine/test_runs.rs`): the app's
//! server functions reach them through [`app::designer::test_run::ssr::TestRunners`].

use app::{
    designer::test_run::{TestRunError, TestRunProgress, TestRunRequest, ssr::TestRunner},
    ssr::BoxFuture,
};

use crate::engine::{
    Engine, ExecutionType,
    decide::Status,
    test_runs::{TestRun, TestRunError as EngineTestRunError},
};

/// The engine behind the designer's *Test run*.
#[derive(Clone, Debug)]
pub struct EngineTestRuns {
    /// The engine.
    pub engine: Engine,
}

impl TestRunner for EngineTestRuns {
    fn start(&self, request: TestRunRequest) -> BoxFuture<'_, Result<String, TestRunError>> {
        Box::pin(async move {
            let run = TestRun {
                design_name: request.design_name,
                definition: request.definition,
                input: request.input,
                kind: if request.express { ExecutionType::Express } else { ExecutionType::Standard },
                mocks: request.mocks,
                test_case: Some(request.test_case).filter(|case| !case.trim().is_empty()),
                skip_waits: request.skip_waits,
            };
            match self.engine.start_test_run(run).await {
                Ok(started) => Ok(started.arn),
                Err(EngineTestRunError::Invalid { field, reason }) => {
                    Err(TestRunError::Invalid { field: field.to_string(), reason })
                }
                Err(error) => {
                    tracing::error!(%error, "a designer test run did not start");
                    Err(TestRunError::Storage)
                }
            }
        })
    }

    fn status<'a>(&'a self, arn: &'a str) -> BoxFuture<'a, Result<TestRunProgress, TestRunError>> {
        Box::pin(async move {
            let view = self.engine.describe(arn).await.map_err(|error| {
                tracing::error!(%error, arn, "reading a designer test run");
                TestRunError::Storage
            })?;
            let Some(view) = view else {
                return Err(TestRunError::Refused(format!("there is no execution {arn}")));
            };
            let duration_millis = view.record.stop_millis.map(|stop| stop - view.record.start_millis);
            let (output, failure) = match &view.status {
                Status::Running => (None, None),
                Status::Succeeded { output } => (Some(serde_json::to_string_pretty(output).unwrap_or_default()), None),
                Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
                    (None, Some(failure.clone()))
                }
            };
            Ok(TestRunProgress {
                status: view.status.name().to_string(),
                output,
                error: failure.as_ref().and_then(|failure| failure.error.clone()),
                cause: failure.and_then(|failure| failure.cause),
                duration_millis,
            })
        })
    }
}

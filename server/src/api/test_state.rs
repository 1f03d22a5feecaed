//! TestState: runs one state of a definition on an input, as the console's test panel does,
//! without starting an execution (the evaluation is `asl::eval::test_state`).

use serde_json::Value;

use asl::eval::test_state::{TestStateRequest, test_state as run_test_state};

use super::{AwsError, machines::check_role_arn, optional, required};
use crate::engine::RealEnvironment;

/// TestState: `definition` (a state or a machine with `stateName`), `input`, `inspectionLevel`,
/// `mock`, `context`, `variables`; answers `status`, `output`, `error`, `cause`, `nextState`
/// and `inspectionData`.
pub fn test_state(request: &Value) -> Result<Value, AwsError> {
    required(request, "definition")?;
    if let Some(role_arn) = optional(request, "roleArn")? {
        check_role_arn(role_arn)?;
    }
    let output = TestStateRequest::from_api_json(request)
        .and_then(|request| run_test_state(&request, &mut RealEnvironment))
        .map_err(|error| AwsError::new(error.code, error.message))?;
    Ok(output.to_api_json())
}

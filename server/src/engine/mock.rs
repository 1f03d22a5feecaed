//! Mocked task results in AWS Step Functions Local's `MockConfigFile` format: test cases map a
//! state machine's Task states to named mocked responses, and each mocked response says what
//! the task returns or throws on its first, second, … invocation.
//!
//! ```json
//! {"StateMachines": {"Order": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
//!  "MockedResponses": {"ChargeOk": {"0": {"Throw": {"Error": "Busy", "Cause": "try later"}},
//!                                   "1-2": {"Return": {"StatusCode": 200}}}}}
//! ```
//!
//! An execution picks its test case the way Step Functions Local does, by starting with the
//! state machine ARN followed by `#` and the test case's name ([`split_test_case`]). Reading
//! the file checks everything that can be checked without the definition (invocation keys,
//! overlapping ranges, `Return` xor `Throw`, test cases naming responses that exist); a task
//! the file does not cover is a [`MockMiss`], which the engine reports as a `States.Runtime`
//! failure of that task.

use std::{collections::BTreeMap, path::Path};

use serde_json::{Map, Value};

use asl::eval::failure::Failure;

/// Why a mock configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The file could not be read.
    #[error("cannot read the mock configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The text is not JSON.
    #[error("the mock configuration is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field has the wrong type or a value that is not allowed.
    #[error("{field}: {reason}")]
    Invalid {
        /// Where, as a path of member names (`MockedResponses.ChargeOk.1-2`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why no mocked response answers a task.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MockMiss {
    /// The file has no test case of that name for the state machine.
    #[error("the mock configuration has no test case '{test_case}' for state machine '{state_machine}'")]
    NoTestCase {
        /// The state machine's name.
        state_machine: String,
        /// The test case asked for.
        test_case: String,
    },
    /// The test case does not mock this state.
    #[error("test case '{test_case}' of state machine '{state_machine}' does not mock state '{state}'")]
    StateNotMocked {
        /// The state machine's name.
        state_machine: String,
        /// The test case.
        test_case: String,
        /// The Task state.
        state: String,
    },
    /// The state's mocked response has nothing for this invocation.
    #[error("mocked response '{response}' for state '{state}' has no entry for invocation {invocation}")]
    InvocationOutOfRange {
        /// The mocked response's name.
        response: String,
        /// The Task state.
        state: String,
        /// The invocation, counted from 0.
        invocation: u32,
    },
}

impl MockMiss {
    /// The task failure the engine records for a miss (`States.Runtime`, naming what is missing).
    pub fn to_failure(&self) -> Failure {
        Failure::new("States.Runtime", format!("No mocked response: {self}."))
    }
}

/// What a mocked task does.
#[derive(Clone, Debug, PartialEq)]
pub enum MockOutcome {
    /// It succeeds with this result.
    Return(Value),
    /// It fails with this error and cause.
    Throw(Failure),
}

/// A range of invocations, both ends included, counted from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InvocationRange {
    /// The first invocation.
    pub first: u32,
    /// The last invocation.
    pub last: u32,
}

impl InvocationRange {
    /// Reads `"3"` or `"1-3"`; `field` names the key in error messages.
    pub fn parse(key: &str, field: &str) -> Result<InvocationRange, MockError> {
        let number = |text: &str| {
            if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(invalid(
                    field,
                    format!("'{key}' is not an invocation number or range like \"0\" or \"1-3\""),
                ));
            }
            text.parse::<u32>().map_err(|_| invalid(field, format!("invocation number '{text}' is too large")))
        };
        let (first, last) = match key.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => {
                let only = number(key)?;
                (only, only)
            }
        };
        if first > last {
            return Err(invalid(field, format!("the range '{key}' ends before it starts")));
        }
        Ok(InvocationRange { first, last })
    }

    /// Whether `invocation` is in the range.
    pub fn contains(&self, invocation: u32) -> bool {
        (self.first..=self.last).contains(&invocation)
    }
}

/// One mocked response: outcomes by invocation range, sorted and not overlapping.
#[derive(Clone, Debug, PartialEq)]
pub struct MockedResponse {
    /// The ranges and what the task does in them.
    pub outcomes: Vec<(InvocationRange, MockOutcome)>,
}

impl MockedResponse {
    /// The outcome for `invocation`, if a range covers it.
    pub fn outcome(&self, invocation: u32) -> Option<&MockOutcome> {
        self.outcomes.iter().find(|(range, _)| range.contains(invocation)).map(|(_, outcome)| outcome)
    }
}

/// A whole mock configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MockConfig {
    /// State machine name → test case name → state name → mocked response name.
    pub state_machines: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Mocked responses by name.
    pub responses: BTreeMap<String, MockedResponse>,
}

impl MockConfig {
    /// Reads a configuration from its JSON text.
    pub fn from_json(text: &str) -> Result<MockConfig, MockError> {
        let root: Value = serde_json::from_str(text)?;
        let root = object(&root, "(top level)")?;
        for key in root.keys() {
            if key != "StateMachines" && key != "MockedResponses" {
                return Err(invalid(key, "unknown field; expected StateMachines and MockedResponses"));
            }
        }
        let mut config = MockConfig::default();
        if let Some(responses) = root.get("MockedResponses") {
            for (name, response) in object(responses, "MockedResponses")? {
                let field = format!("MockedResponses.{name}");
                config.responses.insert(name.clone(), read_response(response, &field)?);
            }
        }
        if let Some(machines) = root.get("StateMachines") {
            for (machine, body) in object(machines, "StateMachines")? {
                let field = format!("StateMachines.{machine}");
                let body = object(body, &field)?;
                for key in body.keys() {
                    if key != "TestCases" {
                        return Err(invalid(&format!("{field}.{key}"), "unknown field; expected TestCases"));
                    }
                }
                let mut cases = BTreeMap::new();
                if let Some(test_cases) = body.get("TestCases") {
                    for (case, states) in object(test_cases, &format!("{field}.TestCases"))? {
                        let case_field = format!("{field}.TestCases.{case}");
                        let mut mapping = BTreeMap::new();
                        for (state, response) in object(states, &case_field)? {
                            let state_field = format!("{case_field}.{state}");
                            let Some(response) = response.as_str() else {
                                return Err(invalid(&state_field, "must be the name of a mocked response"));
                            };
                            if !config.responses.contains_key(response) {
                                return Err(invalid(
                                    &state_field,
                                    format!(
                                        "names the mocked response '{response}', which MockedResponses does not define"
                                    ),
                                ));
                            }
                            mapping.insert(state.clone(), response.to_string());
                        }
                        cases.insert(case.clone(), mapping);
                    }
                }
                config.state_machines.insert(machine.clone(), cases);
            }
        }
        Ok(config)
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<MockConfig, MockError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| MockError::Read { path: path.display().to_string(), source })?;
        MockConfig::from_json(&text)
    }

    /// What Task state `state_name` does on its `invocation`-th call (from 0) in test case
    /// `test_case` of state machine `state_machine_name`.
    pub fn response(
        &self,
        state_machine_name: &str,
        test_case: &str,
        state_name: &str,
        invocation: u32,
    ) -> Result<MockOutcome, MockMiss> {
        let case =
            self.state_machines.get(state_machine_name).and_then(|cases| cases.get(test_case)).ok_or_else(|| {
                MockMiss::NoTestCase { state_machine: state_machine_name.to_string(), test_case: test_case.to_string() }
            })?;
        let Some(response_name) = case.get(state_name) else {
            return Err(MockMiss::StateNotMocked {
                state_machine: state_machine_name.to_string(),
                test_case: test_case.to_string(),
                state: state_name.to_string(),
            });
        };
        self.responses.get(response_name).and_then(|response| response.outcome(invocation)).cloned().ok_or_else(|| {
            MockMiss::InvocationOutOfRange {
                response: response_name.clone(),
                state: state_name.to_string(),
                invocation,
            }
        })
    }
}

/// Splits what StartExecution was given as the state machine (`arn…:stateMachine:Name#Case`)
/// into the state machine ARN and the test case name, as Step Functions Local does. Without a
/// `#`, or with nothing after it, there is no test case.
pub fn split_test_case(state_machine_arn: &str) -> (&str, Option<&str>) {
    match state_machine_arn.split_once('#') {
        Some((arn, case)) if !case.is_empty() => (arn, Some(case)),
        Some((arn, _)) => (arn, None),
        None => (state_machine_arn, None),
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> MockError {
    MockError::Invalid { field: field.to_string(), reason: reason.into() }
}

fn object<'v>(value: &'v Value, field: &str) -> Result<&'v Map<String, Value>, MockError> {
    value.as_object().ok_or_else(|| invalid(field, "must be an object"))
}

fn read_response(value: &Value, field: &str) -> Result<MockedResponse, MockError> {
    let mut outcomes = Vec::new();
    for (key, body) in object(value, field)? {
        let entry_field = format!("{field}.{key}");
        let range = InvocationRange::parse(key, &entry_field)?;
        let body = object(body, &entry_field)?;
        let outcome = match (body.get("Return"), body.get("Throw")) {
            (Some(_), Some(_)) => return Err(invalid(&entry_field, "has both Return and Throw; give one")),
            (None, None) => return Err(invalid(&entry_field, "has neither Return nor Throw")),
            (Some(result), None) => MockOutcome::Return(result.clone()),
            (None, Some(thrown)) => MockOutcome::Throw(read_throw(thrown, &format!("{entry_field}.Throw"))?),
        };
        if let Some(extra) = body.keys().find(|key| *key != "Return" && *key != "Throw") {
            return Err(invalid(&format!("{entry_field}.{extra}"), "unknown field; expected Return or Throw"));
        }
        outcomes.push((range, outcome));
    }
    outcomes.sort_by_key(|(range, _)| *range);
    for pair in outcomes.windows(2) {
        let (earlier, later) = (pair[0].0, pair[1].0);
        if later.first <= earlier.last {
            return Err(invalid(
                field,
                format!("invocations {}-{} and {}-{} overlap", earlier.first, earlier.last, later.first, later.last),
            ));
        }
    }
    Ok(MockedResponse { outcomes })
}

fn read_throw(value: &Value, field: &str) -> Result<Failure, MockError> {
    let body = object(value, field)?;
    let text = |name: &str| -> Result<Option<String>, MockError> {
        match body.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(invalid(&format!("{field}.{name}"), "must be a string")),
        }
    };
    if let Some(extra) = body.keys().find(|key| *key != "Error" && *key != "Cause") {
        return Err(invalid(&format!("{field}.{extra}"), "unknown field; expected Error and Cause"));
    }
    let error = text("Error")?;
    if error.is_none() {
        return Err(invalid(field, "needs an Error"));
    }
    Ok(Failure { error, cause: text("Cause")? })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const EXAMPLE: &str = r#"{
      "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
        "HappyPath": {"LambdaState": "MockedLambdaSuccess"},
        "RetryPath": {"LambdaState": "MockedLambdaRetry"}}}},
      "MockedResponses": {
        "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200}}},
        "MockedLambdaRetry": {
          "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
          "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
          "3": {"Return": {"StatusCode": 200}}}}}"#;

    #[test]
    fn responses_are_chosen_by_test_case_state_and_invocation() {
        let config = MockConfig::from_json(EXAMPLE).expect("valid");
        let machine = "LambdaSQSIntegration";
        assert_eq!(
            config.response(machine, "HappyPath", "LambdaState", 0),
            Ok(MockOutcome::Return(json!({"StatusCode": 200})))
        );
        for invocation in 1..=2 {
            assert_eq!(
                config.response(machine, "RetryPath", "LambdaState", invocation),
                Ok(MockOutcome::Throw(Failure::new("Lambda.TimeoutException", "timed out")))
            );
        }
        assert!(matches!(config.response(machine, "RetryPath", "LambdaState", 3), Ok(MockOutcome::Return(_))));
        assert_eq!(
            config.response(machine, "RetryPath", "LambdaState", 4),
            Err(MockMiss::InvocationOutOfRange {
                response: "MockedLambdaRetry".into(),
                state: "LambdaState".into(),
                invocation: 4
            })
        );
        assert!(matches!(config.response(machine, "Nope", "LambdaState", 0), Err(MockMiss::NoTestCase { .. })));
        assert!(matches!(config.response("Other", "HappyPath", "LambdaState", 0), Err(MockMiss::NoTestCase { .. })));
        let miss = config.response(machine, "HappyPath", "SQSState", 0).unwrap_err();
        assert!(matches!(miss, MockMiss::StateNotMocked { .. }));
        let failure = miss.to_failure();
        assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
        assert!(failure.cause.unwrap().contains("'SQSState'"));
    }

    #[test]
    fn mistakes_are_refused_naming_the_field() {
        let refused = |text: &str| MockConfig::from_json(text).unwrap_err().to_string();
        let message = refused(r#"{"MockedResponses": {"R": {"3-1": {"Return": 1}}}}"#);
        assert_eq!(message, "MockedResponses.R.3-1: the range '3-1' ends before it starts");
        let message = refused(r#"{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}"#);
        assert_eq!(message, "MockedResponses.R.0: has both Return and Throw; give one");
        let message = refused(r#"{"MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}}"#);
        assert_eq!(message, "MockedResponses.R: invocations 0-2 and 2-2 overlap");
        let message = refused(r#"{"MockedResponses": {"R": {"first": {"Return": 1}}}}"#);
        assert!(message.starts_with("MockedResponses.R.first: 'first' is not an invocation number"), "{message}");
        let message = refused(r#"{"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}"#);
        assert_eq!(message, "MockedResponses.R.0.Throw: needs an Error");
        let message = refused(r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}}"#);
        assert!(message.starts_with("StateMachines.M.TestCases.T.S: names the mocked response 'Missing'"), "{message}");
        assert!(matches!(MockConfig::from_json("{"), Err(MockError::Json(_))));
        assert!(matches!(MockConfig::load(Path::new("/nonexistent/mock.json")), Err(MockError::Read { .. })));
    }

    #[test]
    fn the_test_case_follows_a_hash_in_the_state_machine_arn() {
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Order";
        assert_eq!(split_test_case(&format!("{arn}#HappyPath")), (arn, Some("HappyPath")));
        assert_eq!(split_test_case(arn), (arn, None));
        assert_eq!(split_test_case(&format!("{arn}#")), (arn, None));
    }
}

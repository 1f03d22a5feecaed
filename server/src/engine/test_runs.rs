//! Test runs from the designer: an execution of the definition being edited, with its Task
//! states answered by a MockConfigFile the author gives with the run (Step Functions Local's
//! format, the same the server takes in `SFN_MOCK_CONFIG`).
//!
//! The run's state machine is `designer-<design name>` (no `state_machines` row: the definition
//! travels with the execution, as every execution's does). The chosen test case is copied
//! under a name of its own (`designer-<uuid>`), kept in `test_mocks` and in memory, so a
//! Standard test run that a restart interrupts still finds its mocks; the engine's dispatch
//! looks there first (see [`Engine::mocks_for`]).

use std::{collections::BTreeMap, sync::Arc};

use serde_json::Value;

use super::{
    Engine, EngineError, ExecutionType, Qualifiers, RealEnvironment, StartRequest, Started, lock, mock::MockConfig,
};
use asl::eval::{
    Environment as _,
    machine::{Scope, StateKind},
};

/// The largest input, as AWS limits StartExecution's.
pub const INPUT_LIMIT_BYTES: usize = 256 * 1024;

/// The largest MockConfigFile a run takes.
pub const MOCKS_LIMIT_BYTES: usize = 1024 * 1024;

/// A test run to start.
#[derive(Clone, Debug)]
pub struct TestRun {
    /// The design's name (the run's state machine is named after it).
    pub design_name: String,
    /// The definition as the designer holds it.
    pub definition: String,
    /// The input, as JSON text.
    pub input: String,
    /// Standard or Express.
    pub kind: ExecutionType,
    /// A MockConfigFile's text; empty for none.
    pub mocks: String,
    /// Which of its test cases; `None` when it has exactly one.
    pub test_case: Option<String>,
    /// Whether Wait states and Retry intervals end at once.
    pub skip_waits: bool,
}

/// Why a test run did not start. Each names the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum TestRunError {
    /// A field's value cannot be used.
    #[error("{field}: {reason}")]
    Invalid {
        /// `input`, `mocks`, `test case` or `definition`.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The database failed.
    #[error("storing the run's mocks: {0}")]
    Database(#[from] sqlx::Error),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> TestRunError {
    TestRunError::Invalid { field, reason: reason.into() }
}

/// The state machine name of a design's test runs: `designer-` and the name's letters, digits,
/// `-` and `_` (others become `-`), at most 80 characters, as AWS names go.
pub fn test_machine_name(design_name: &str) -> String {
    let cleaned: String =
        design_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    let cleaned = cleaned.trim_matches('-');
    let mut name = format!("designer-{}", if cleaned.is_empty() { "untitled" } else { cleaned });
    name.truncate(80);
    name
}

/// `config`'s test case to run, copied as test case `case_id` of state machine `machine`
/// (with every mocked response, so the copy answers as the original would). `wanted` is
/// `CASE` or `MACHINE#CASE`, as Step Functions Local names a test case; either part may be
/// left out when the file has only one.
fn rekey(
    config: &MockConfig,
    wanted: Option<&str>,
    machine: &str,
    case_id: &str,
) -> Result<(MockConfig, String), TestRunError> {
    let wanted = wanted.map(str::trim).filter(|wanted| !wanted.is_empty());
    let (wanted_machine, wanted_case) = match wanted.map(|wanted| wanted.split_once('#')) {
        Some(Some((machine, case))) => (Some(machine).filter(|m| !m.is_empty()), Some(case).filter(|c| !c.is_empty())),
        Some(None) => (None, wanted),
        None => (None, None),
    };
    let machines: Vec<&String> = config.state_machines.keys().collect();
    let machine_names = || machines.iter().map(|name| name.as_str()).collect::<Vec<_>>().join(", ");
    let cases = match (wanted_machine, machines.as_slice()) {
        (Some(name), _) => config.state_machines.get(name).ok_or_else(|| {
            invalid("test case", format!("the mocks have no state machine {name:?}; they have {}", machine_names()))
        })?,
        (None, []) => return Err(invalid("mocks", "StateMachines is empty: add the test case to run")),
        (None, [only]) => &config.state_machines[*only],
        (None, several) => {
            return Err(invalid(
                "test case",
                format!(
                    "the mocks name {} state machines ({}); choose one as MACHINE#CASE",
                    several.len(),
                    machine_names()
                ),
            ));
        }
    };
    let names = || cases.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
    let (case_name, mapping) = match wanted_case {
        Some(name) => cases.get_key_value(name).ok_or_else(|| {
            invalid("test case", format!("the mocks have no test case {name:?}; they have {}", names()))
        })?,
        None if cases.len() == 1 => cases.iter().next().expect("one test case"),
        None if cases.is_empty() => return Err(invalid("mocks", "TestCases is empty: add the test case to run")),
        None => {
            return Err(invalid(
                "test case",
                format!("the mocks have {} test cases; choose one of {}", cases.len(), names()),
            ));
        }
    };
    let mut state_machines = BTreeMap::new();
    state_machines.insert(machine.to_string(), BTreeMap::from([(case_id.to_string(), mapping.clone())]));
    Ok((MockConfig { state_machines, responses: config.responses.clone() }, case_name.clone()))
}

impl Engine {
    /// Starts a test run: checks its input and mocks (naming the field at fault), stores the
    /// chosen test case, and starts the execution.
    pub async fn start_test_run(&self, run: TestRun) -> Result<Started, TestRunError> {
        if run.input.len() > INPUT_LIMIT_BYTES {
            return Err(invalid("input", format!("it is {} bytes; AWS takes at most 262144", run.input.len())));
        }
        let input_text = if run.input.trim().is_empty() { "{}".to_string() } else { run.input.clone() };
        let input: Value =
            serde_json::from_str(&input_text).map_err(|error| invalid("input", format!("not JSON: {error}")))?;
        let machine = self.machine(&run.definition).map_err(|error| invalid("definition", error.to_string()))?;
        if run.mocks.len() > MOCKS_LIMIT_BYTES {
            return Err(invalid("mocks", format!("it is {} bytes; at most {MOCKS_LIMIT_BYTES}", run.mocks.len())));
        }
        let machine_name = test_machine_name(&run.design_name);
        let settings = &self.inner.settings;
        let machine_arn = format!(
            "arn:{}:states:{}:{}:stateMachine:{machine_name}",
            settings.partition, settings.region, settings.account
        );
        let test_case = if run.mocks.trim().is_empty() {
            None
        } else {
            let case_id = format!("designer-{}", RealEnvironment.uuid());
            let (copy, case_name) = read_test_case(&run.mocks, run.test_case.as_deref(), &machine_name, &case_id)?;
            check_mocked_states(&copy, &case_name, &machine.root)?;
            sqlx::query(
                "INSERT INTO test_mocks (test_case, state_machine_name, source_test_case, config, created_millis) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&case_id)
            .bind(&machine_name)
            .bind(run.test_case.as_deref().unwrap_or_default())
            .bind(&run.mocks)
            .bind(super::now_millis())
            .execute(&self.inner.pool)
            .await?;
            lock(&self.inner.test_mocks).insert(case_id.clone(), Arc::new(copy));
            Some(case_id)
        };
        let name = format!("test-{}", RealEnvironment.uuid());
        let request = StartRequest {
            state_machine_arn: machine_arn,
            state_machine_name: machine_name,
            name,
            definition: run.definition,
            input,
            input_text: Some(input_text),
            role_arn: format!("arn:{}:iam::{}:role/statehouse-designer-test", settings.partition, settings.account),
            kind: run.kind,
            test_case,
            map_run_arn: None,
            item_count: None,
            qualifiers: Qualifiers::default(),
            skip_waits: run.skip_waits,
        };
        Ok(self.start(request).await?)
    }

    /// The mocks that answer test case `test_case`: a test run's own, else the server's
    /// MockConfigFile.
    pub(super) fn mocks_for(&self, test_case: &str) -> Option<Arc<MockConfig>> {
        lock(&self.inner.test_mocks).get(test_case).cloned().or_else(|| self.inner.settings.mocks.clone())
    }

    /// Reads the stored test runs' mocks back (at start-up, before their tasks are dispatched).
    pub(super) async fn load_test_mocks(&self) -> Result<(), EngineError> {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT test_case, state_machine_name, source_test_case, config FROM test_mocks")
                .fetch_all(&self.inner.pool)
                .await
                .map_err(super::store::StoreError::from)?;
        let mut loaded = lock(&self.inner.test_mocks);
        for (case_id, machine, source_case, text) in rows {
            let wanted = (!source_case.is_empty()).then_some(source_case.as_str());
            match read_test_case(&text, wanted, &machine, &case_id) {
                Ok((copy, _)) => {
                    loaded.insert(case_id, Arc::new(copy));
                }
                Err(error) => tracing::warn!(%case_id, %error, "a stored test run's mocks no longer read"),
            }
        }
        Ok(())
    }
}

/// Reads a MockConfigFile's text and copies its test case `wanted` (see [`rekey`]); also
/// answers the test case's name in the file.
fn read_test_case(
    text: &str,
    wanted: Option<&str>,
    machine: &str,
    case_id: &str,
) -> Result<(MockConfig, String), TestRunError> {
    let config = MockConfig::from_json(text).map_err(|error| invalid("mocks", error.to_string()))?;
    rekey(&config, wanted, machine, case_id)
}

/// Refuses a test case that mocks a state the definition does not have (a misspelt name
/// would otherwise be ignored, and the state run without its mock). The states are the
/// machine's and its Parallel branches' and Map processors' (a distributed Map's children
/// answer from the same test case).
fn check_mocked_states(copy: &MockConfig, case_name: &str, root: &Scope) -> Result<(), TestRunError> {
    let mut names = Vec::new();
    state_names(root, &mut names);
    for case in copy.state_machines.values().flat_map(BTreeMap::values) {
        if let Some(unknown) = case.keys().find(|state| !names.contains(&state.as_str())) {
            let guess = asl::suggest::closest(unknown, names.iter().copied())
                .map(|near| format!(" (did you mean {near:?}?)"))
                .unwrap_or_default();
            return Err(invalid(
                "mocks",
                format!("test case {case_name:?} names state {unknown:?}, which the definition does not have{guess}"),
            ));
        }
    }
    Ok(())
}

/// The names of the states of `scope` and of every scope nested in it.
fn state_names<'m>(scope: &'m Scope, names: &mut Vec<&'m str>) {
    for state in &scope.states {
        names.push(&state.name);
        match &state.kind {
            StateKind::Parallel { branches } => branches.iter().for_each(|branch| state_names(branch, names)),
            StateKind::Map { processor, .. } => state_names(processor, names),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOCKS: &str = r#"{
      "StateMachines": {"Orders": {"TestCases": {
        "HappyPath": {"Charge": "Charged"},
        "Declined": {"Charge": "Declined"}
      }}},
      "MockedResponses": {
        "Charged": {"0": {"Return": {"ok": true}}},
        "Declined": {"0-1": {"Throw": {"Error": "Card.Declined", "Cause": "no funds"}}}
      }
    }"#;

    fn run(definition: &Value, input: &str, kind: ExecutionType, mocks: &str, case: Option<&str>) -> TestRun {
        TestRun {
            design_name: "orders".into(),
            definition: definition.to_string(),
            input: input.into(),
            kind,
            mocks: mocks.into(),
            test_case: case.map(String::from),
            skip_waits: false,
        }
    }

    fn charge_definition() -> Value {
        serde_json::json!({
            "StartAt": "Charge",
            "States": {
                "Charge": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                    "ResultPath": "$.charge",
                    "Catch": [{"ErrorEquals": ["Card.Declined"], "ResultPath": "$.declined", "Next": "Declined"}],
                    "End": true
                },
                "Declined": {"Type": "Fail", "Error": "Order.Declined"}
            }
        })
    }

    #[tokio::test]
    async fn test_runs_answer_tasks_from_their_own_mocks_standard_and_express() {
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool, super::super::EngineSettings::default());
        let definition = charge_definition();

        let happy = engine
            .start_test_run(run(&definition, r#"{"order": 7}"#, ExecutionType::Standard, MOCKS, Some("HappyPath")))
            .await
            .expect("started");
        assert!(happy.arn.contains(":execution:designer-orders:test-"), "{}", happy.arn);
        match engine.wait(&happy.arn).await.expect("ended") {
            super::super::decide::Status::Succeeded { output } => {
                assert_eq!(output, serde_json::json!({"order": 7, "charge": {"ok": true}}));
            }
            other => panic!("{other:?}"),
        }
        let declined = engine
            .start_test_run(run(&definition, "{}", ExecutionType::Express, MOCKS, Some("Declined")))
            .await
            .expect("started");
        assert!(declined.arn.contains(":express:designer-orders:"), "{}", declined.arn);
        match engine.wait(&declined.arn).await.expect("ended") {
            super::super::decide::Status::Failed { failure } => {
                assert_eq!(failure.error.as_deref(), Some("Order.Declined"))
            }
            other => panic!("{other:?}"),
        }
        // Without mocks, the Task fails as any unbound Task does, naming what is missing.
        let unmocked =
            engine.start_test_run(run(&definition, "", ExecutionType::Standard, "", None)).await.expect("started");
        match engine.wait(&unmocked.arn).await.expect("ended") {
            super::super::decide::Status::Failed { failure } => {
                assert!(failure.cause.as_deref().unwrap_or_default().contains("'Charge'"), "{failure:?}");
            }
            other => panic!("{other:?}"),
        }

        // Bad fields are named.
        let refused = |run| async { engine.start_test_run(run).await.expect_err("refused").to_string() };
        assert!(refused(run(&definition, "{", ExecutionType::Standard, "", None)).await.starts_with("input: not JSON"));
        assert!(refused(run(&definition, "{}", ExecutionType::Standard, "{", None)).await.starts_with("mocks: "));
        let error = refused(run(&definition, "{}", ExecutionType::Standard, MOCKS, None)).await;
        assert_eq!(error, "test case: the mocks have 2 test cases; choose one of Declined, HappyPath");
        let error = refused(run(
            &serde_json::json!({"StartAt": "Nowhere", "States": {}}),
            "{}",
            ExecutionType::Standard,
            "",
            None,
        ))
        .await;
        assert!(error.starts_with("definition: "), "{error}");
    }

    #[tokio::test]
    async fn a_test_case_mocking_a_state_the_definition_lacks_is_refused() {
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool, super::super::EngineSettings::default());
        let definition = serde_json::json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
            "End": true
        }}});
        let mocks = |state: &str| {
            format!(
                r#"{{"StateMachines": {{"M": {{"TestCases": {{"A": {{"{state}": "Ok"}}, "B": {{"Elsewhere": "Ok"}}}}}}}},
                    "MockedResponses": {{"Ok": {{"0": {{"Return": {{"ok": true}}}}}}}}}}"#
            )
        };
        let error = engine
            .start_test_run(run(&definition, "{}", ExecutionType::Standard, &mocks("Tx"), Some("A")))
            .await
            .expect_err("a misspelt state")
            .to_string();
        assert_eq!(
            error,
            r#"mocks: test case "A" names state "Tx", which the definition does not have (did you mean "T"?)"#
        );
        let error = engine
            .start_test_run(run(&definition, "{}", ExecutionType::Standard, &mocks("Unrelated"), Some("A")))
            .await
            .expect_err("a state of another machine")
            .to_string();
        assert_eq!(error, r#"mocks: test case "A" names state "Unrelated", which the definition does not have"#);
        // Only the test case run is checked: B's stray state does not stop A.
        let started = engine
            .start_test_run(run(&definition, "{}", ExecutionType::Standard, &mocks("T"), Some("A")))
            .await
            .expect("A names only T");
        assert!(matches!(
            engine.wait(&started.arn).await.expect("ended"),
            super::super::decide::Status::Succeeded { .. }
        ));

        // States of Parallel branches and of Map processors, inline or distributed, are the machine's.
        let nested = serde_json::json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "InBranch", "States": {"InBranch": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true}}}],
                "Next": "D"},
            "D": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "InMap", "States": {"InMap": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true}}},
                "End": true}}});
        let both = r#"{"StateMachines": {"M": {"TestCases": {"A": {"InBranch": "Ok", "InMap": "Ok"}}}},
                       "MockedResponses": {"Ok": {"0-99": {"Return": {"ok": true}}}}}"#;
        engine
            .start_test_run(run(&nested, "[1]", ExecutionType::Standard, both, Some("A")))
            .await
            .expect("nested states are the machine's");
    }

    #[tokio::test]
    async fn a_standard_test_run_finds_its_mocks_after_a_restart() {
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let mut definition = charge_definition();
        definition["StartAt"] = "Pause".into();
        definition["States"]["Pause"] = serde_json::json!({"Type": "Wait", "Seconds": 1, "Next": "Charge"});
        let first = Engine::new(pool.clone(), super::super::EngineSettings::default());
        let started = first
            .start_test_run(run(&definition, "{}", ExecutionType::Standard, MOCKS, Some("HappyPath")))
            .await
            .expect("started");
        drop(first); // never ran its timers: the Wait is pending when the "restart" comes

        let second = Engine::new(pool, super::super::EngineSettings::default());
        second.recover().await.expect("recovered");
        let timers = second.spawn_timer_loop();
        let status = tokio::time::timeout(std::time::Duration::from_secs(20), second.wait(&started.arn))
            .await
            .expect("ended in time")
            .expect("ended");
        timers.abort();
        match status {
            super::super::decide::Status::Succeeded { output } => {
                assert_eq!(output["charge"], serde_json::json!({"ok": true}))
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn skipped_waits_reach_the_child_executions_of_a_distributed_map() {
        let folder = tempfile::tempdir().expect("a data folder");
        let pool = crate::db::open(folder.path()).await.expect("the database");
        let engine = Engine::new(pool, super::super::EngineSettings::default());
        let timers = engine.spawn_timer_loop();
        let definition = serde_json::json!({"StartAt": "Each", "States": {"Each": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Later",
                "States": {"Later": {"Type": "Wait", "Seconds": 3600, "End": true}}
            },
            "End": true
        }}});
        let mut test_run = run(&definition, "[1, 2, 3]", ExecutionType::Standard, "", None);
        test_run.skip_waits = true;
        let started = engine.start_test_run(test_run).await.expect("started");
        let status = tokio::time::timeout(std::time::Duration::from_secs(20), engine.wait(&started.arn))
            .await
            .expect("the children's hour was skipped")
            .expect("ended");
        timers.abort();
        assert_eq!(status, super::super::decide::Status::Succeeded { output: serde_json::json!([1, 2, 3]) });
    }

    #[test]
    fn a_design_names_its_test_machine() {
        assert_eq!(test_machine_name("order processing.v2"), "designer-order-processing-v2");
        assert_eq!(test_machine_name("  "), "designer-untitled");
        assert_eq!(test_machine_name(&"x".repeat(100)).len(), 80);
    }

    #[test]
    fn the_chosen_test_case_is_copied_under_the_runs_own_name() {
        let config = MockConfig::from_json(MOCKS).expect("mocks");
        let (copy, case) = rekey(&config, Some("Declined"), "designer-orders", "designer-1").expect("copied");
        assert_eq!(case, "Declined");
        let outcome = copy.response("designer-orders", "designer-1", "Charge", 0).expect("mocked");
        assert!(matches!(outcome, super::super::mock::MockOutcome::Throw(_)), "{outcome:?}");
        assert!(copy.response("designer-orders", "HappyPath", "Charge", 0).is_err(), "only the chosen case");

        let error = rekey(&config, None, "m", "c").expect_err("two cases, none chosen").to_string();
        assert_eq!(error, "test case: the mocks have 2 test cases; choose one of Declined, HappyPath");
        let error = rekey(&config, Some("Nope"), "m", "c").expect_err("unknown case").to_string();
        assert!(error.starts_with("test case: the mocks have no test case \"Nope\""), "{error}");

        // MACHINE#CASE, as Step Functions Local names one, picks among several state machines.
        let mut several = config.clone();
        several.state_machines.insert("Refunds".into(), BTreeMap::from([("Only".into(), BTreeMap::new())]));
        let error = rekey(&several, Some("Declined"), "m", "c").expect_err("which machine?").to_string();
        assert_eq!(error, "test case: the mocks name 2 state machines (Orders, Refunds); choose one as MACHINE#CASE");
        let (copy, _) = rekey(&several, Some("Orders#Declined"), "m", "c").expect("picked");
        assert!(copy.response("m", "c", "Charge", 1).is_ok());
        assert!(rekey(&several, Some("Refunds#"), "m", "c").is_ok(), "the machine's only case");
        let error = rekey(&several, Some("Nobody#X"), "m", "c").expect_err("no such machine").to_string();
        assert!(error.contains("no state machine \"Nobody\"; they have Orders, Refunds"), "{error}");
    }
}

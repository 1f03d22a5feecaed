//! The designer's data-flow simulator: a state's input through every processing step, with
//! `asl::eval::test_state` (the same evaluation the engine and the TestState API use). Tasks
//! are never called: their result (or error) is mocked.
//!
//! [`simulate`] reads the form (each JSON text named in its error), tests the state on its own
//! (with the query language it inherits written in, so it evaluates as it would in place) at
//! the `DEBUG` level, and lists the steps in the order they happen.
//!
//! It is a crate of its own so that the designer's bundle does not carry the evaluator: the
//! browser build (`statehouse-hydrate --features simulator`) is a separate wasm module that
//! exports [`simulate_json`], which the designer loads the first time a state is run.

use asl::eval::{
    FixedEnvironment,
    test_state::{InspectionLevel, Mock, TestStateOutput, TestStateRequest, test_state},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the simulator's form holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationForm {
    /// The state's input, JSON.
    pub input: String,
    /// The mocked task result, JSON (empty: none).
    pub mock_result: String,
    /// The mocked error name (when set, the task fails instead).
    pub mock_error: String,
    /// The mocked error's cause.
    pub mock_cause: String,
    /// The variables in scope, a JSON object (empty: none).
    pub variables: String,
}

/// One step of the data flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulationStep {
    /// `data-step`: `input`, `InputPath`, `Parameters`, `Arguments`, `ItemsPath`, `Result`,
    /// `ResultSelector`, `ResultPath`, `OutputPath`, `Output`, `Assign`, `Error`, `Retry`,
    /// `Catch`, `Next` or `Status`.
    pub name: String,
    /// What the step shows (a JSON value, pretty-printed, or words).
    pub value: String,
}

/// The outcome of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// `SUCCEEDED`, `FAILED`, `CAUGHT_ERROR` or `RETRIABLE`.
    pub status: String,
    /// The steps, in the order they happen.
    pub steps: Vec<SimulationStep>,
}

/// Whether a state of `state_type` needs a mocked result.
pub fn needs_mock(state_type: &str) -> bool {
    matches!(state_type, "Task" | "Map" | "Parallel")
}

fn parse_json(field: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|error| format!("{field} is not valid JSON: {error}"))
}

/// Runs the state `state` (its definition; `jsonata` when it is evaluated as JSONata, by its
/// own `QueryLanguage` or an inherited one) on what the form holds, at `now_millis`.
pub fn simulate(state: &Value, jsonata: bool, form: &SimulationForm, now_millis: i64) -> Result<Simulation, String> {
    let input = if form.input.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        parse_json("Input", &form.input)?
    };
    let mut definition = state.clone();
    if jsonata
        && let Some(object) = definition.as_object_mut()
        && !object.contains_key("QueryLanguage")
    {
        object.insert("QueryLanguage".into(), Value::String("JSONata".into()));
    }
    let state_type = state.get("Type").and_then(Value::as_str).unwrap_or_default();
    let mut request = TestStateRequest::new(definition, input.clone());
    request.inspection_level = InspectionLevel::Debug;
    if needs_mock(state_type) {
        request.mock = if !form.mock_error.trim().is_empty() {
            Some(Mock::Error { error: form.mock_error.trim().to_string(), cause: form.mock_cause.clone() })
        } else if !form.mock_result.trim().is_empty() {
            Some(Mock::Result(parse_json("Mocked result", &form.mock_result)?))
        } else {
            // TestState would ask for an execution role here: the simulator calls nothing.
            return Err(format!(
                "Give a Mocked result (JSON) or a mocked error: the simulator does not run the {state_type} \
                 state's work, it shows the data flow around the result you give"
            ));
        };
    }
    if !form.variables.trim().is_empty() {
        match parse_json("Variables", &form.variables)? {
            Value::Object(variables) => request.variables = Some(variables),
            _ => return Err("Variables must be a JSON object of variable names".into()),
        }
    }
    let output = test_state(&request, &mut FixedEnvironment::new(1, now_millis)).map_err(|error| error.to_string())?;
    Ok(steps(&input, jsonata, &output))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn steps(input: &Value, jsonata: bool, output: &TestStateOutput) -> Simulation {
    let mut steps = vec![SimulationStep { name: "input".into(), value: pretty(input) }];
    let mut push = |name: &'static str, value: &Option<Value>| {
        if let Some(value) = value {
            steps.push(SimulationStep { name: name.into(), value: pretty(value) });
        }
    };
    if let Some(data) = &output.inspection_data {
        push("InputPath", &data.after_input_path);
        push("ItemsPath", &data.after_items_path);
        push("Parameters", &data.after_parameters);
        push("Arguments", &data.after_arguments);
        push("Result", &data.result);
        push("ResultSelector", &data.after_result_selector);
        push("ResultPath", &data.after_result_path);
    }
    push(if jsonata { "Output" } else { "OutputPath" }, &output.output);
    if let Some(data) = &output.inspection_data {
        push("Assign", &data.variables);
    }
    if let Some(error) = &output.error {
        let cause = output.cause.as_deref().unwrap_or_default();
        steps.push(SimulationStep {
            name: "Error".into(),
            value: if cause.is_empty() { error.clone() } else { format!("{error}: {cause}") },
        });
    }
    if let Some(details) = output.inspection_data.as_ref().and_then(|data| data.error_details.as_ref()) {
        if let Some(index) = details.retry_index {
            let delay = details
                .retry_backoff_interval_seconds
                .map(|seconds| format!(", after {seconds} s"))
                .unwrap_or_default();
            steps.push(SimulationStep { name: "Retry".into(), value: format!("Retrier {}{delay}", index + 1) });
        }
        if let Some(index) = details.catch_index {
            steps.push(SimulationStep { name: "Catch".into(), value: format!("Catcher {}", index + 1) });
        }
    }
    let next = match (&output.next_state, output.status.as_str()) {
        (Some(next), _) => Some(next.clone()),
        (None, "SUCCEEDED") => Some("(end of the execution)".into()),
        _ => None,
    };
    if let Some(next) = next {
        steps.push(SimulationStep { name: "Next".into(), value: next });
    }
    steps.push(SimulationStep { name: "Status".into(), value: output.status.as_str().into() });
    Simulation { status: output.status.as_str().into(), steps }
}

/// What [`simulate_json`] reads: the state, whether it is evaluated as JSONata, the form and
/// the time to evaluate at.
#[derive(Debug, Serialize, Deserialize)]
pub struct SimulationRequest {
    /// The state's definition.
    pub state: Value,
    /// Whether the state is evaluated as JSONata (its own `QueryLanguage` or an inherited one).
    pub jsonata: bool,
    /// What the form holds.
    pub form: SimulationForm,
    /// The time the evaluation sees (`$$.State.EnteredTime`, `$now()`), in Unix milliseconds.
    pub now_millis: i64,
}

/// [`simulate`] with JSON in and out, for the wasm module's one export: the request is a
/// [`SimulationRequest`], the answer `{"simulation": Simulation}` or `{"error": "why"}`.
pub fn simulate_json(request: &str) -> String {
    let answer = match serde_json::from_str::<SimulationRequest>(request) {
        Ok(request) => match simulate(&request.state, request.jsonata, &request.form, request.now_millis) {
            Ok(simulation) => json!({ "simulation": simulation }),
            Err(error) => json!({ "error": error }),
        },
        Err(error) => json!({ "error": format!("The simulator could not read its request: {error}") }),
    };
    answer.to_string()
}

/// Reads [`simulate_json`]'s answer back: the simulation, or the reason there is none.
pub fn read_answer(answer: &str) -> Result<Simulation, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Answer {
        Simulation(Simulation),
        Error(String),
    }
    match serde_json::from_str::<Answer>(answer) {
        Ok(Answer::Simulation(simulation)) => Ok(simulation),
        Ok(Answer::Error(error)) => Err(error),
        Err(error) => Err(format!("The simulator's answer could not be read: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(simulation: &Simulation) -> Vec<&str> {
        simulation.steps.iter().map(|step| step.name.as_str()).collect()
    }

    fn value(simulation: &Simulation, name: &str) -> Value {
        serde_json::from_str(&simulation.steps.iter().find(|step| step.name == name).unwrap().value).unwrap()
    }

    #[test]
    fn a_task_shows_every_jsonpath_step_in_order() {
        let state = json!({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "InputPath": "$.order", "Parameters": {"id.$": "$.id"},
            "ResultSelector": {"total.$": "$.Payload.total"}, "ResultPath": "$.charge",
            "OutputPath": "$.charge", "Next": "Ship"
        });
        let form = SimulationForm {
            input: r#"{"order": {"id": 7}}"#.into(),
            mock_result: r#"{"Payload": {"total": 12}}"#.into(),
            ..SimulationForm::default()
        };
        let simulation = simulate(&state, false, &form, 0).unwrap();
        assert_eq!(simulation.status, "SUCCEEDED");
        assert_eq!(
            names(&simulation),
            [
                "input",
                "InputPath",
                "Parameters",
                "Result",
                "ResultSelector",
                "ResultPath",
                "OutputPath",
                "Next",
                "Status"
            ]
        );
        assert_eq!(value(&simulation, "Parameters"), json!({"id": 7}));
        assert_eq!(value(&simulation, "OutputPath"), json!({"total": 12}));
        assert_eq!(simulation.steps.iter().find(|step| step.name == "Next").unwrap().value, "Ship");
    }

    #[test]
    fn an_inherited_jsonata_state_evaluates_as_jsonata() {
        let state = json!({"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "Assign": {"x": 1}, "End": true});
        let form = SimulationForm { input: r#"{"a": 1}"#.into(), ..SimulationForm::default() };
        let simulation = simulate(&state, true, &form, 0).unwrap();
        assert_eq!(value(&simulation, "Output"), json!(2));
        assert_eq!(value(&simulation, "Assign"), json!({"x": 1}));
    }

    #[test]
    fn a_mocked_error_is_caught_and_named() {
        let state = json!({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}], "End": true
        });
        let form = SimulationForm {
            input: "{}".into(),
            mock_error: "Boom".into(),
            mock_cause: "bad".into(),
            ..SimulationForm::default()
        };
        let simulation = simulate(&state, false, &form, 0).unwrap();
        assert_eq!(simulation.status, "CAUGHT_ERROR");
        let names = names(&simulation);
        assert!(names.contains(&"Error") && names.contains(&"Catch"), "{names:?}");
        assert_eq!(simulation.steps.iter().find(|step| step.name == "Next").unwrap().value, "Recover");
    }

    #[test]
    fn the_json_entry_point_answers_a_simulation_or_an_error() {
        let request = json!({
            "state": {"Type": "Pass", "Parameters": {"b.$": "$.a"}, "End": true},
            "jsonata": false,
            "form": {"input": "{\"a\": 3}", "mock_result": "", "mock_error": "", "mock_cause": "", "variables": ""},
            "now_millis": 0
        });
        let simulation = read_answer(&simulate_json(&request.to_string())).unwrap();
        assert_eq!(value(&simulation, "Parameters"), json!({"b": 3}));
        assert_eq!(simulation.status, "SUCCEEDED");
        let answer: Value = serde_json::from_str(&simulate_json("{}")).unwrap();
        assert!(answer["error"].as_str().unwrap().starts_with("The simulator could not read its request"));
        let mut bad_input = request.clone();
        bad_input["form"]["input"] = json!("{");
        assert!(
            read_answer(&simulate_json(&bad_input.to_string())).unwrap_err().starts_with("Input is not valid JSON")
        );
        assert!(read_answer("nonsense").unwrap_err().starts_with("The simulator's answer could not be read"));
    }

    #[test]
    fn bad_json_names_the_field() {
        let state = json!({"Type": "Pass", "End": true});
        let form = SimulationForm { input: "{".into(), ..SimulationForm::default() };
        assert!(simulate(&state, false, &form, 0).unwrap_err().starts_with("Input is not valid JSON"));
        let form = SimulationForm { input: "{}".into(), variables: "[1]".into(), ..SimulationForm::default() };
        assert!(simulate(&state, false, &form, 0).unwrap_err().starts_with("Variables must be a JSON object"));
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        let form = SimulationForm { input: "{}".into(), mock_result: "nope".into(), ..SimulationForm::default() };
        assert!(simulate(&task, false, &form, 0).unwrap_err().starts_with("Mocked result is not valid JSON"));
        // A Task with neither a result nor an error mocked: the form says what to fill in.
        let form = SimulationForm { input: "{}".into(), ..SimulationForm::default() };
        let error = simulate(&task, false, &form, 0).unwrap_err();
        assert!(
            error.starts_with("Give a Mocked result (JSON) or a mocked error") && error.contains("Task"),
            "{error}"
        );
    }
}

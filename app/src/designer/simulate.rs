//! The data-flow simulator: the selected state's input through every processing step, in the
//! browser, with `asl::eval::test_state` (the same evaluation the engine and the TestState API
//! use). Tasks are never called: their result (or error) is mocked.
//!
//! [`simulate`] is the pure part: it reads the form (each JSON text named in its error), tests
//! the state on its own (with the query language it inherits written in, so it evaluates as it
//! would in place) at the `DEBUG` level, and lists the steps in the order they happen.

use asl::eval::{
    FixedEnvironment,
    test_state::{InspectionLevel, Mock, TestStateOutput, TestStateRequest, test_state},
};
use leptos::prelude::*;
use serde_json::Value;

use super::{Designer, scene::resolve};

/// What the simulator's form holds.
#[derive(Clone, Debug, Default, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
pub struct SimulationStep {
    /// `data-step`: `input`, `InputPath`, `Parameters`, `Arguments`, `ItemsPath`, `Result`,
    /// `ResultSelector`, `ResultPath`, `OutputPath`, `Output`, `Assign`, `Error`, `Retry`,
    /// `Catch`, `Next` or `Status`.
    pub name: &'static str,
    /// What the step shows (a JSON value, pretty-printed, or words).
    pub value: String,
}

/// The outcome of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// `SUCCEEDED`, `FAILED`, `CAUGHT_ERROR` or `RETRIABLE`.
    pub status: &'static str,
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
            None
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
    let mut steps = vec![SimulationStep { name: "input", value: pretty(input) }];
    let mut push = |name: &'static str, value: &Option<Value>| {
        if let Some(value) = value {
            steps.push(SimulationStep { name, value: pretty(value) });
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
            name: "Error",
            value: if cause.is_empty() { error.clone() } else { format!("{error}: {cause}") },
        });
    }
    if let Some(details) = output.inspection_data.as_ref().and_then(|data| data.error_details.as_ref()) {
        if let Some(index) = details.retry_index {
            let delay = details
                .retry_backoff_interval_seconds
                .map(|seconds| format!(", after {seconds} s"))
                .unwrap_or_default();
            steps.push(SimulationStep { name: "Retry", value: format!("Retrier {}{delay}", index + 1) });
        }
        if let Some(index) = details.catch_index {
            steps.push(SimulationStep { name: "Catch", value: format!("Catcher {}", index + 1) });
        }
    }
    let next = match (&output.next_state, output.status.as_str()) {
        (Some(next), _) => Some(next.clone()),
        (None, "SUCCEEDED") => Some("(end of the execution)".into()),
        _ => None,
    };
    if let Some(next) = next {
        steps.push(SimulationStep { name: "Next", value: next });
    }
    steps.push(SimulationStep { name: "Status", value: output.status.as_str().into() });
    Simulation { status: output.status.as_str(), steps }
}

fn now_millis() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// The step's title as shown.
fn step_title(name: &str) -> &str {
    match name {
        "input" => "Input",
        "InputPath" => "After InputPath",
        "ItemsPath" => "After ItemsPath",
        "Parameters" => "After Parameters",
        "Arguments" => "After Arguments",
        "Result" => "Result",
        "ResultSelector" => "After ResultSelector",
        "ResultPath" => "After ResultPath",
        "OutputPath" => "Output (after OutputPath)",
        "Output" => "Output",
        "Assign" => "Variables after Assign",
        "Error" => "Error and cause",
        "Retry" => "Retried by",
        "Catch" => "Caught by",
        "Next" => "Next state",
        other => other,
    }
}

/// The simulator panel.
#[component]
pub fn Simulator(designer: Designer) -> impl IntoView {
    let form = RwSignal::new(SimulationForm { input: "{}".into(), ..SimulationForm::default() });
    let outcome = RwSignal::new(None::<(String, Result<Simulation, String>)>);
    let state_type = Memo::new(move |_| {
        let name = designer.selected.get()?;
        let pointer =
            designer.scene.with(|scene| scene.as_ref()?.places.get(&name).map(|place| place.pointer.clone()))?;
        designer.model.with(|model| {
            let state = model.shown_root().and_then(|root| resolve(root, &pointer))?;
            state.get("Type").and_then(|node| node.as_str()).map(str::to_string)
        })
    });
    let run = move |_| {
        let Some(name) = designer.selected.get_untracked() else { return };
        let found = designer.scene.with_untracked(|scene| {
            let scene = scene.as_ref()?;
            let place = scene.places.get(&name)?;
            let jsonata = scene.node(&place.pointer).is_some_and(|node| node.query_language == "JSONata");
            designer.model.with_untracked(|model| {
                model.shown_root().and_then(|root| resolve(root, &place.pointer)).map(|node| (node.to_serde(), jsonata))
            })
        });
        let result = match found {
            Some((state, jsonata)) => form.with_untracked(|form| simulate(&state, jsonata, form, now_millis())),
            None => Err(format!("There is no state {name:?}.")),
        };
        outcome.set(Some((name, result)));
    };
    let text_area = move |testid: &'static str,
                          label: &'static str,
                          rows: u32,
                          get: fn(&SimulationForm) -> &String,
                          set: fn(&mut SimulationForm, String)| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <textarea
                    class="field-json"
                    spellcheck="false"
                    rows=rows
                    data-testid=testid
                    prop:value=move || form.with(|form| get(form).clone())
                    on:input=move |event| form.update(|form| set(form, event_target_value(&event)))
                ></textarea>
            </label>
        }
    };
    view! {
        <div class="simulator" data-testid="simulator">
            {move || match designer.selected.get() {
                None => view! { <p class="muted">"Select a state to run its input through it."</p> }.into_any(),
                Some(name) => view! { <p class="simulator-state">"Simulating " <strong>{name}</strong></p> }.into_any(),
            }}
            <div class="simulator-form">
                {text_area("simulate-input", "Input (JSON)", 5, |form| &form.input, |form, text| form.input = text)}
                <Show when=move || state_type.get().is_some_and(|state_type| needs_mock(&state_type))>
                    {text_area("simulate-mock-result", "Mocked result (JSON)", 4, |form| &form.mock_result, |form, text| form.mock_result = text)}
                    <div class="simulator-error-mock">
                        <label class="field">
                            <span class="field-label">"Or mocked error"</span>
                            <input
                                type="text"
                                data-testid="simulate-mock-error"
                                placeholder="States.TaskFailed"
                                prop:value=move || form.with(|form| form.mock_error.clone())
                                on:input=move |event| form.update(|form| form.mock_error = event_target_value(&event))
                            />
                        </label>
                        <label class="field">
                            <span class="field-label">"Cause"</span>
                            <input
                                type="text"
                                data-testid="simulate-mock-cause"
                                prop:value=move || form.with(|form| form.mock_cause.clone())
                                on:input=move |event| form.update(|form| form.mock_cause = event_target_value(&event))
                            />
                        </label>
                    </div>
                </Show>
                {text_area("simulate-variables", "Variables (JSON object, optional)", 3, |form| &form.variables, |form, text| form.variables = text)}
                <button type="button" data-testid="simulate-run" disabled=move || designer.selected.with(Option::is_none) on:click=run>
                    "Run"
                </button>
            </div>
            {move || {
                outcome
                    .get()
                    .map(|(name, result)| match result {
                        Err(error) => view! { <p class="notice notice-error" role="alert" data-testid="simulate-error">{error}</p> }.into_any(),
                        Ok(simulation) => view! {
                            <p class="simulator-status" data-testid="simulate-status" data-status=simulation.status>
                                {format!("{name}: {}", simulation.status)}
                            </p>
                            <ol class="simulator-steps" data-testid="simulate-steps">
                                {simulation
                                    .steps
                                    .into_iter()
                                    .map(|step| view! {
                                        <li data-step=step.name>
                                            <span class="step-title">{step_title(step.name).to_string()}</span>
                                            <pre>{step.value}</pre>
                                        </li>
                                    })
                                    .collect_view()}
                            </ol>
                        }
                        .into_any(),
                    })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(simulation: &Simulation) -> Vec<&'static str> {
        simulation.steps.iter().map(|step| step.name).collect()
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
    fn bad_json_names_the_field() {
        let state = json!({"Type": "Pass", "End": true});
        let form = SimulationForm { input: "{".into(), ..SimulationForm::default() };
        assert!(simulate(&state, false, &form, 0).unwrap_err().starts_with("Input is not valid JSON"));
        let form = SimulationForm { input: "{}".into(), variables: "[1]".into(), ..SimulationForm::default() };
        assert!(simulate(&state, false, &form, 0).unwrap_err().starts_with("Variables must be a JSON object"));
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        let form = SimulationForm { input: "{}".into(), mock_result: "nope".into(), ..SimulationForm::default() };
        assert!(simulate(&task, false, &form, 0).unwrap_err().starts_with("Mocked result is not valid JSON"));
    }
}

//! The data-flow simulator's panel: the selected state's input through every processing step,
//! in the browser, with `asl::eval::test_state` (the same evaluation the engine and the
//! TestState API use). Tasks are never called: their result (or error) is mocked.
//!
//! The evaluation is the `simulator` crate, compiled into a wasm module of its own that
//! [`browser::run_simulator`] loads the first time a state is run, so the designer's bundle
//! does not carry the evaluator, JSONata's functions and the regular-expression engine.

use leptos::prelude::*;
use simulator::{Simulation, SimulationForm, needs_mock};
use simulator::{SimulationRequest, read_answer};

use super::{Designer, browser, scene::resolve};

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
    // Whether a run is under way (the first one also loads the simulator's module).
    let running = RwSignal::new(false);
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
        let Some((state, jsonata)) = found else {
            outcome.set(Some((name.clone(), Err(format!("There is no state {name:?}.")))));
            return;
        };
        let request = SimulationRequest { state, jsonata, form: form.get_untracked(), now_millis: now_millis() };
        let request = match serde_json::to_string(&request) {
            Ok(request) => request,
            Err(error) => {
                outcome.set(Some((name, Err(format!("The simulator's request could not be written: {error}")))));
                return;
            }
        };
        running.set(true);
        leptos::task::spawn_local(async move {
            let result = browser::run_simulator(&request).await.and_then(|answer| read_answer(&answer));
            // The panel may have been closed while the module loaded: then there is nothing to show.
            let _ = running.try_set(false);
            let _ = outcome.try_set(Some((name, result)));
        });
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
                    {move || {
                        form.with(|form| !form.mock_error.trim().is_empty() && !form.mock_result.trim().is_empty())
                            .then(|| view! {
                                <p class="hint" data-testid="simulate-mock-both">
                                    "The mocked error is what the Task answers; the mocked result is not used while an error is given."
                                </p>
                            })
                    }}
                </Show>
                {text_area("simulate-variables", "Variables (JSON object, optional)", 3, |form| &form.variables, |form, text| form.variables = text)}
                <button
                    type="button"
                    data-testid="simulate-run"
                    disabled=move || running.get() || designer.selected.with(Option::is_none)
                    aria-busy=move || running.get().to_string()
                    on:click=run
                >
                    {move || if running.get() { "Running…" } else { "Run" }}
                </button>
            </div>
            {move || {
                outcome
                    .get()
                    .map(|(name, result)| match result {
                        Err(error) => view! { <p class="notice notice-error" role="alert" data-testid="simulate-error">{error}</p> }.into_any(),
                        Ok(simulation) => view! {
                            <p class="simulator-status" data-testid="simulate-status" data-status=simulation.status.clone()>
                                {format!("{name}: {}", simulation.status)}
                            </p>
                            <ol class="simulator-steps" data-testid="simulate-steps">
                                {simulation
                                    .steps
                                    .into_iter()
                                    .map(|step| view! {
                                        <li data-step=step.name.clone()>
                                            <span class="step-title">{step_title(&step.name).to_string()}</span>
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

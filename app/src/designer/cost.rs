//! The live cost estimate of the design being edited: `asl::cost` on the current definition,
//! recomputed whenever the design, the workload or the assumptions change.
//!
//! The assumptions are kept as their JSON form (`asl::cost::Assumptions::from_value`), edited
//! through inputs for the selected state (Choice rule probabilities, a Task's failure rate and
//! duration, a Map's item count, a Wait's duration) or as text. Assumptions about states the
//! design no longer has are left out of the estimate rather than refused.

use std::collections::BTreeSet;

use asl::{
    cost::{Assumptions, Estimate, Options, estimate_definition, prices::REGIONS},
    json::Node,
    lint::{EXPRESS_UNSUPPORTED_INTEGRATION, LintOptions, WorkflowType, lint},
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};

use super::{Designer, scene::resolve};

/// Monte Carlo runs per estimate: enough for a steady p95, quick enough to run on every edit.
pub const SIMULATIONS: u32 = 10_000;

/// The longest an Express execution may run, in seconds.
const EXPRESS_LIMIT_SECONDS: f64 = 300.0;

/// Why AWS would not create the definition as an Express workflow (`.sync`,
/// `.waitForTaskToken` or activity tasks), if it would not: the linter's first reason.
fn express_refusal(root: &Node) -> Option<String> {
    lint(root, &LintOptions { workflow_type: WorkflowType::Express })
        .into_iter()
        .find(|diagnostic| diagnostic.code == EXPRESS_UNSUPPORTED_INTEGRATION)
        .map(|diagnostic| diagnostic.message)
}

/// The assumptions JSON with `key` of the state `state` (or, with `None`, the top-level `key`)
/// set to `value`, or removed when `value` is `None`; a state left with no assumptions goes.
pub fn set_assumption(assumptions: &Value, state: Option<&str>, key: &str, value: Option<Value>) -> Value {
    let mut root = assumptions.as_object().cloned().unwrap_or_default();
    let Some(state) = state else {
        match value {
            Some(value) => root.insert(key.into(), value),
            None => root.remove(key),
        };
        return Value::Object(root);
    };
    let mut states = root.remove("states").and_then(|states| states.as_object().cloned()).unwrap_or_default();
    let mut entry = states.remove(state).and_then(|entry| entry.as_object().cloned()).unwrap_or_default();
    match value {
        Some(value) => entry.insert(key.into(), value),
        None => entry.remove(key),
    };
    if !entry.is_empty() {
        states.insert(state.into(), Value::Object(entry));
    }
    if !states.is_empty() {
        root.insert("states".into(), Value::Object(states));
    }
    Value::Object(root)
}

/// The assumptions with rule `index` of the Choice state `state` (which has `rules` rules and,
/// with `default`, a Default) taking `probability`; the other rules start from an equal share.
/// `None` forgets the state's probabilities (every outcome equally likely again).
pub fn set_choice_probability(
    assumptions: &Value,
    state: &str,
    index: usize,
    rules: usize,
    default: bool,
    probability: Option<f64>,
) -> Value {
    let Some(probability) = probability else { return set_assumption(assumptions, Some(state), "choices", None) };
    let equal = 1.0 / (rules + usize::from(default)).max(1) as f64;
    let mut list: Vec<Value> = assumption(assumptions, state, "choices")
        .and_then(|choices| choices.as_array().cloned())
        .filter(|choices| choices.len() == rules)
        .unwrap_or_else(|| vec![json!(equal); rules]);
    if let Some(slot) = list.get_mut(index) {
        *slot = json!(probability);
    }
    set_assumption(assumptions, Some(state), "choices", Some(Value::Array(list)))
}

/// The value of `key` in the assumptions about `state`.
pub fn assumption<'a>(assumptions: &'a Value, state: &str, key: &str) -> Option<&'a Value> {
    assumptions.get("states")?.get(state)?.get(key)
}

/// Estimates `definition` for `executions` a month in `region`, with the assumptions about
/// states it does not have (any more) left out.
pub fn estimate_design(
    definition: &Value,
    assumptions: &Value,
    names: &BTreeSet<String>,
    executions: u64,
    region: &str,
) -> Result<Estimate, String> {
    let mut assumptions = assumptions.clone();
    if let Some(states) = assumptions.get_mut("states").and_then(Value::as_object_mut) {
        states.retain(|name, _| names.contains(name));
    }
    let assumptions = Assumptions::from_value(&assumptions).map_err(|error| error.to_string())?;
    let options =
        Options { executions_per_month: executions, region: region.into(), simulations: SIMULATIONS, seed: 1 };
    estimate_definition(definition, &assumptions, &options).map_err(|error| error.to_string())
}

/// A dollar amount: cents for a bill, more digits below a cent.
pub fn usd(amount: f64) -> String {
    if amount == 0.0 || amount >= 0.01 { format!("${amount:.2}") } else { format!("${amount:.6}") }
}

/// "1 transition", "2 transitions", "1.50 transitions".
fn transitions(value: f64) -> String {
    let text = count(value);
    if text == "1" { "1 transition".into() } else { format!("{text} transitions") }
}

/// A count with thousands separators and at most two decimals.
pub fn count(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let whole = rounded.trunc() as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = rounded.fract();
    if fraction.abs() < 1e-9 { grouped } else { format!("{grouped}{}", &format!("{fraction:.2}")[1..]) }
}

/// What the selected state offers assumptions about.
#[derive(Clone, Debug, PartialEq)]
struct Selected {
    name: String,
    state_type: String,
    rules: usize,
    default: bool,
}

/// The cost panel.
#[component]
pub fn CostPanel(designer: Designer) -> impl IntoView {
    let executions = RwSignal::new(10_000_u64);
    let region = RwSignal::new("us-east-1".to_string());
    let assumptions = RwSignal::new(Value::Object(Map::new()));
    let text_error = RwSignal::new(None::<String>);
    let estimate = Memo::new(move |_| {
        // Only while the panel is shown: a large design's Monte Carlo is not free.
        if designer.panel.get() != "cost" {
            return None;
        }
        let definition = designer.model.with(|model| {
            let root = model.shown_root()?;
            let names = designer
                .scene
                .with(|scene| scene.as_ref().map(|scene| scene.places.keys().cloned().collect()).unwrap_or_default());
            Some((root.to_serde(), names, express_refusal(root)))
        })?;
        let (definition, names, refusal) = definition;
        Some(
            assumptions
                .with(|assumptions| estimate_design(&definition, assumptions, &names, executions.get(), &region.get()))
                .map(|estimate| (estimate, refusal)),
        )
    });
    let selected = Memo::new(move |_| {
        let name = designer.selected.get()?;
        let pointer =
            designer.scene.with(|scene| scene.as_ref()?.places.get(&name).map(|place| place.pointer.clone()))?;
        designer.model.with(|model| {
            let state = model.shown_root().and_then(|root| resolve(root, &pointer))?;
            Some(Selected {
                name: name.clone(),
                state_type: state.get("Type").and_then(Node::as_str).unwrap_or_default().to_string(),
                rules: state.get("Choices").and_then(Node::elements).map_or(0, <[Node]>::len),
                default: state.get("Default").is_some(),
            })
        })
    });
    let top_number = move |key: &'static str, testid: &'static str, label: &'static str, placeholder: &'static str| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input
                    type="number"
                    min="0"
                    step="any"
                    data-testid=testid
                    placeholder=placeholder
                    prop:value=move || assumptions.with(|assumptions| assumptions.get(key).map(Value::to_string).unwrap_or_default())
                    on:change=move |event| {
                        let value = event_target_value(&event).trim().parse::<f64>().ok().map(|number| json!(number));
                        assumptions.update(|assumptions| *assumptions = set_assumption(assumptions, None, key, value));
                    }
                />
            </label>
        }
    };
    view! {
        <div class="cost-panel" data-testid="cost">
            <div class="cost-inputs">
                <label class="field">
                    <span class="field-label">"Executions a month"</span>
                    <input
                        type="number"
                        min="0"
                        step="1"
                        data-testid="cost-executions"
                        prop:value=move || executions.get().to_string()
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).trim().replace(',', "").parse::<u64>() {
                                executions.set(value);
                            }
                        }
                    />
                </label>
                <label class="field">
                    <span class="field-label">"Region"</span>
                    <select data-testid="cost-region" on:change=move |event| region.set(event_target_value(&event))>
                        {REGIONS
                            .iter()
                            .map(|prices| {
                                view! {
                                    <option value=prices.region selected={prices.region == "us-east-1"}>
                                        {format!("{} ({})", prices.name, prices.region)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                {top_number("memory_mb", "cost-memory", "Express memory (MB)", "64")}
                {top_number("task_duration_seconds", "cost-task-duration", "Task duration (s)", "0")}
            </div>
            {move || selected.get().map(|selected| state_assumptions(assumptions, selected))}
            <details class="cost-assumptions">
                <summary>"Assumptions (JSON)"</summary>
                <textarea
                    class="field-json"
                    rows="6"
                    spellcheck="false"
                    data-testid="cost-assumptions"
                    prop:value=move || assumptions.with(|assumptions| serde_json::to_string_pretty(assumptions).unwrap_or_default())
                    on:change=move |event| {
                        match serde_json::from_str::<Value>(&event_target_value(&event)) {
                            Ok(value @ Value::Object(_)) => {
                                text_error.set(None);
                                assumptions.set(value);
                            }
                            Ok(_) => text_error.set(Some("Assumptions must be a JSON object".into())),
                            Err(error) => text_error.set(Some(format!("Assumptions are not valid JSON: {error}"))),
                        }
                    }
                ></textarea>
                {move || text_error.get().map(|error| view! { <span class="field-error" role="alert">{error}</span> })}
            </details>
            {move || match estimate.get() {
                None => view! { <p class="muted">"The definition cannot be read yet."</p> }.into_any(),
                Some(Err(error)) => view! { <p class="notice notice-error" role="alert" data-testid="cost-error">{error}</p> }.into_any(),
                Some(Ok((estimate, refusal))) => estimate_view(&estimate, refusal, designer.workflow.get()),
            }}
        </div>
    }
}

fn state_assumptions(assumptions: RwSignal<Value>, selected: Selected) -> AnyView {
    let Selected { name, state_type, rules, default } = selected;
    let number_input = |key: &'static str, testid: String, label: String, placeholder: String| {
        let name = name.clone();
        let shown = {
            let name = name.clone();
            move || {
                assumptions
                    .with(|assumptions| assumption(assumptions, &name, key).map(Value::to_string).unwrap_or_default())
            }
        };
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input
                    type="number"
                    min="0"
                    step="any"
                    data-testid=testid
                    placeholder=placeholder
                    prop:value=shown
                    on:change=move |event| {
                        let text = event_target_value(&event);
                        let value = text.trim().parse::<f64>().ok().map(|number| {
                            if key == "items" { json!(number.max(0.0).round() as u64) } else { json!(number) }
                        });
                        assumptions.update(|assumptions| *assumptions = set_assumption(assumptions, Some(&name), key, value));
                    }
                />
            </label>
        }
        .into_any()
    };
    let mut inputs = Vec::new();
    if matches!(state_type.as_str(), "Task" | "Parallel" | "Map") {
        inputs.push(number_input("failure_rate", "cost-failure-rate".into(), "Failure rate (0–1)".into(), "0".into()));
    }
    if matches!(state_type.as_str(), "Task" | "Wait") {
        inputs.push(number_input("duration_seconds", "cost-duration".into(), "Duration (s)".into(), String::new()));
    }
    if state_type == "Map" {
        inputs.push(number_input("items", "cost-items".into(), "Items per run".into(), String::new()));
    }
    if state_type == "Choice" {
        let equal = 1.0 / (rules + usize::from(default)).max(1) as f64;
        for index in 0..rules {
            let name = name.clone();
            let shown = {
                let name = name.clone();
                move || {
                    assumptions.with(|assumptions| {
                        assumption(assumptions, &name, "choices")
                            .and_then(|choices| choices.get(index))
                            .map(Value::to_string)
                            .unwrap_or_default()
                    })
                }
            };
            inputs.push(
                view! {
                    <label class="field">
                        <span class="field-label">{format!("Rule {} probability", index + 1)}</span>
                        <input
                            type="number"
                            min="0"
                            max="1"
                            step="any"
                            data-testid=format!("cost-choice-{index}")
                            placeholder=format!("{equal:.2}")
                            prop:value=shown
                            on:change=move |event| {
                                let probability = event_target_value(&event).trim().parse::<f64>().ok();
                                assumptions.update(|assumptions| {
                                    *assumptions = set_choice_probability(assumptions, &name, index, rules, default, probability);
                                });
                            }
                        />
                    </label>
                }
                .into_any(),
            );
        }
    }
    if inputs.is_empty() {
        return ().into_any();
    }
    view! {
        <fieldset class="cost-state" data-testid="cost-state">
            <legend>{format!("Assumptions for {name}")}</legend>
            {inputs}
        </fieldset>
    }
    .into_any()
}

fn estimate_view(estimate: &Estimate, express_refusal: Option<String>, workflow: WorkflowType) -> AnyView {
    let monte_carlo = &estimate.monte_carlo;
    // Express is no choice when AWS would refuse the definition as Express, or when its
    // executions run past Express's five minutes.
    let express_refusal = express_refusal.or_else(|| {
        (monte_carlo.p95_duration_seconds > EXPRESS_LIMIT_SECONDS).then(|| {
            format!(
                "Its executions take longer than Express's {EXPRESS_LIMIT_SECONDS:.0} s (p95 {:.0} s).",
                monte_carlo.p95_duration_seconds
            )
        })
    });
    let cheaper = if express_refusal.is_some() { None } else { estimate.cheaper };
    let column = |kind: WorkflowType| {
        let mut class = String::from("cost-column");
        if cheaper == Some(kind) {
            class.push_str(" cheaper");
        }
        if workflow == kind {
            class.push_str(" current");
        }
        class
    };
    let standard = &estimate.standard;
    let express = estimate.express.as_ref().map(|express| {
        view! {
            <div class=column(WorkflowType::Express) data-testid="cost-express" data-cheaper=(cheaper == Some(WorkflowType::Express)).to_string()>
                <h4>"Express" {(cheaper == Some(WorkflowType::Express)).then(|| view! { <span class="badge">"cheaper"</span> })}</h4>
                <p class="cost-amount">{usd(express.monthly_cost_usd)} <small>" / month"</small></p>
                {express_refusal.clone().map(|reason| view! {
                    <p class="notice notice-warning" data-testid="cost-express-refused">{format!("Not possible as Express: {reason}")}</p>
                })}
                <dl>
                    <dt>"Requests"</dt><dd>{count(express.monthly_requests)}</dd>
                    <dt>"Billed duration"</dt><dd>{format!("{} ms × {} MB", count(express.mean_billed_duration_ms), express.billed_memory_mb)}</dd>
                    <dt>"GB-hours"</dt><dd>{count(express.monthly_gb_hours)}</dd>
                    <dt>"Per execution"</dt><dd>{usd(express.cost_per_execution_usd)}</dd>
                </dl>
            </div>
        }
        .into_any()
    });
    let express = express.unwrap_or_else(|| {
        view! {
            <div class="cost-column" data-testid="cost-express" data-cheaper="false">
                <h4>"Express"</h4>
                <p class="muted">{format!("No Express prices are recorded for {}.", estimate.prices.region)}</p>
            </div>
        }
        .into_any()
    });
    let costliest = estimate
        .costliest_states
        .iter()
        .map(|state| {
            view! {
                <li data-cost-state=state.name.clone()>
                    <span class="cost-state-name">{state.name.clone()}</span>
                    <span>{transitions(state.transitions_per_execution)}</span>
                    <span>{format!("{:.0}%", state.share * 100.0)}</span>
                    <span>{usd(state.monthly_standard_cost_usd)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="cost-summary" data-testid="cost-transitions">
            {format!(
                "{} per execution (p50 {}, p95 {}); {} executions a month in {}.",
                transitions(standard.transitions_per_execution),
                monte_carlo.p50_transitions,
                monte_carlo.p95_transitions,
                count(estimate.executions_per_month as f64),
                estimate.prices.region,
            )}
        </p>
        <div class="cost-columns">
            <div class=column(WorkflowType::Standard) data-testid="cost-standard" data-cheaper=(cheaper == Some(WorkflowType::Standard)).to_string()>
                <h4>"Standard" {(cheaper == Some(WorkflowType::Standard)).then(|| view! { <span class="badge">"cheaper"</span> })}</h4>
                <p class="cost-amount">{usd(standard.monthly_cost_usd)} <small>" / month"</small></p>
                <dl>
                    <dt>"Transitions"</dt><dd>{count(standard.monthly_transitions)}</dd>
                    <dt>"Before free tier"</dt><dd>{usd(standard.monthly_cost_before_free_tier_usd)}</dd>
                    <dt>"Per execution"</dt><dd>{usd(standard.cost_per_execution_usd)}</dd>
                </dl>
            </div>
            {express}
        </div>
        <p class="muted" data-testid="cost-duration-spread">
            {format!(
                "Duration p50 {:.1} s, p95 {:.1} s; {:.1}% of executions fail ({} simulated runs).",
                monte_carlo.p50_duration_seconds,
                monte_carlo.p95_duration_seconds,
                monte_carlo.failed_share * 100.0,
                monte_carlo.simulations,
            )}
        </p>
        <h4>"Costliest states"</h4>
        <ol class="cost-costliest" data-testid="cost-costliest">{costliest}</ol>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_is_refused_for_callbacks_and_the_human_approval_template() {
        let root = |text: &str| asl::json::parse(text).expect("a tree");
        let approval = asl::templates::template("human-approval").expect("the template").definition;
        let reason = express_refusal(&root(approval)).expect("refused");
        assert!(reason.contains(".waitForTaskToken"), "{reason}");
        let plain = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
        assert_eq!(express_refusal(&root(plain)), None);
    }

    #[test]
    fn transitions_are_counted_in_words() {
        assert_eq!(transitions(1.0), "1 transition");
        assert_eq!(transitions(7.0), "7 transitions");
        assert_eq!(transitions(1.5), "1.50 transitions");
        assert_eq!(transitions(12_000.0), "12,000 transitions");
    }

    #[test]
    fn assumptions_are_set_and_forgotten() {
        let empty = json!({});
        let one = set_assumption(&empty, Some("Charge"), "failure_rate", Some(json!(0.1)));
        assert_eq!(one, json!({"states": {"Charge": {"failure_rate": 0.1}}}));
        let two = set_assumption(&one, None, "memory_mb", Some(json!(128)));
        assert_eq!(two, json!({"states": {"Charge": {"failure_rate": 0.1}}, "memory_mb": 128}));
        assert_eq!(set_assumption(&two, Some("Charge"), "failure_rate", None), json!({"memory_mb": 128}));
    }

    #[test]
    fn choice_probabilities_start_from_an_equal_share() {
        let set = set_choice_probability(&json!({}), "Route", 1, 2, true, Some(0.5));
        let choices = assumption(&set, "Route", "choices").unwrap().as_array().unwrap().clone();
        assert_eq!(choices.len(), 2);
        assert!((choices[0].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(choices[1], json!(0.5));
        assert_eq!(set_choice_probability(&set, "Route", 0, 2, true, None), json!({}));
    }

    #[test]
    fn the_estimate_follows_the_design_and_skips_stale_assumptions() {
        let definition = json!({
            "StartAt": "Route",
            "States": {
                "Route": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "Work"}], "Default": "Done"},
                "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Done"},
                "Done": {"Type": "Succeed"}
            }
        });
        let names: BTreeSet<String> = ["Route", "Work", "Done"].into_iter().map(String::from).collect();
        let assumptions = json!({"states": {"Route": {"choices": [1.0]}, "Gone": {"failure_rate": 0.5}}});
        let estimate = estimate_design(&definition, &assumptions, &names, 10_000, "us-east-1").unwrap();
        assert!((estimate.standard.transitions_per_execution - 3.0).abs() < 1e-9);
        assert!(estimate.express.is_some() && estimate.cheaper.is_some());
        assert_eq!(estimate.costliest_states.len(), 3);
        let error = estimate_design(
            &definition,
            &json!({"states": {"Route": {"choices": [0.5, 0.5]}}}),
            &names,
            1,
            "us-east-1",
        )
        .unwrap_err();
        assert!(error.contains("states.Route.choices"), "{error}");
        assert!(estimate_design(&definition, &json!({}), &names, 1, "mars-1").unwrap_err().contains("mars-1"));
    }

    #[test]
    fn amounts_read_like_a_bill() {
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.000025), "$0.000025");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(count(1234567.0), "1,234,567");
        assert_eq!(count(2.5), "2.50");
    }
}

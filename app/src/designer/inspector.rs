//! The inspector: a form for every field of the selected state, writing each change as
//! `asl::edit` edits through [`Designer::edit`] (one undo step per change; a gesture that
//! writes several fields is one [`Edit::Batch`]).
//!
//! The form is rebuilt only when the selected state's name, type or query language changes;
//! each input reads its own value from the model by JSON pointer, so undo, redo and typing in
//! the code view show up in place without losing the focus. The form follows the model through
//! [`Designer::settled`], in a task after the frame that shows a change, so an edit (a rename
//! rebuilds the form) never delays that frame; it follows a new selection at once. Which fields a state shows comes
//! from `asl::validate`'s field tables for its type and query language.
//!
//! - [`form`]: the pure rules (field kinds, text → edit, Next/End, query language, lists).
//! - [`fields`]: the generic field editors.
//! - [`retry`]: Retry and Catch.
//! - [`choice`]: the Choice rule builder.

pub mod choice;
pub mod fields;
pub mod form;
pub mod retry;

use asl::{diagnostic::pointer_push, json::Node};
use leptos::{prelude::*, web_sys};

use super::{Designer, model::StatePlace, scene::resolve};
use fields::{field_row, has_node, node_at, node_at_untracked};
use form::{
    FieldKind, Transition, field_kind, has_transition, language_switch_edit, shown_fields, stray_fields,
    transition_edit,
};

/// What the form is built for: it is rebuilt when any of this changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// The state's name.
    pub name: String,
    /// Its pointer.
    pub pointer: String,
    /// Its scope's pointer.
    pub scope: String,
    /// Its `Type`.
    pub state_type: String,
    /// Whether it is evaluated as JSONata (its own `QueryLanguage` or the one it inherits).
    pub jsonata: bool,
    /// Its own `QueryLanguage`, when it has one.
    pub query_language: Option<String>,
}

/// The selected state as the inspector needs it, tracked: it follows the selection at once,
/// and the model through [`Designer::settled`] (and the picture).
pub fn selection(designer: Designer) -> Option<Selection> {
    designer.settled.track();
    let name = designer.selected.get()?;
    let (place, language) = designer
        .scene
        .with(|scene| {
            let scene = scene.as_ref()?;
            let place = scene.places.get(&name)?.clone();
            let language = scene.node(&place.pointer).map(|node| node.query_language.clone());
            Some((place, language))
        })
        .or_else(|| {
            // The picture is drawn again a frame after an edit: just after a rename only the
            // tree knows the new name. Find it there, so the form does not go and come back.
            designer.model.with_untracked(|model| find_place(model.shown_root()?, "", &name)).map(|place| (place, None))
        })?;
    designer.model.with_untracked(|model| {
        let state = model.shown_root().and_then(|root| resolve(root, &place.pointer))?;
        let text = |field: &str| state.get(field).and_then(Node::as_str).map(str::to_string);
        let query_language = text("QueryLanguage");
        Some(Selection {
            name: place.name.clone(),
            pointer: place.pointer.clone(),
            scope: place.scope.clone(),
            state_type: text("Type").unwrap_or_default(),
            jsonata: query_language.as_deref().or(language.as_deref()) == Some("JSONata"),
            query_language,
        })
    })
}

/// The place of the state named `name` in the scope at `scope` or in a branch or item
/// processor inside it.
fn find_place(root: &Node, scope: &str, name: &str) -> Option<StatePlace> {
    let states_pointer = pointer_push(scope, "States");
    let states = resolve(root, &states_pointer)?.members()?;
    if states.iter().any(|member| member.key == name) {
        return Some(StatePlace {
            name: name.to_string(),
            pointer: pointer_push(&states_pointer, name),
            scope: scope.to_string(),
        });
    }
    states.iter().find_map(|member| {
        let state = pointer_push(&states_pointer, &member.key);
        let branches = member.value.get("Branches").and_then(Node::elements).map_or(0, <[Node]>::len);
        (0..branches)
            .map(|index| pointer_push(&pointer_push(&state, "Branches"), &index.to_string()))
            .chain(
                ["ItemProcessor", "Iterator"]
                    .into_iter()
                    .filter(|field| member.value.get(field).is_some())
                    .map(|field| pointer_push(&state, field)),
            )
            .find_map(|inner| find_place(root, &inner, name))
    })
}

/// The names of the other states of a scope, in the scene's order, tracked (through
/// [`Designer::settled`]).
pub fn siblings(designer: Designer, scope: &str, except: &str) -> Vec<String> {
    let states = pointer_push(scope, "States");
    designer.settled.track();
    designer.model.with_untracked(|model| {
        model
            .shown_root()
            .and_then(|root| resolve(root, &states))
            .and_then(Node::members)
            .map(|members| members.iter().map(|member| member.key.clone()).filter(|name| name != except).collect())
            .unwrap_or_default()
    })
}

/// One labelled editor per field of the state at `pointer` (`data-testid="field-NAME"`).
fn field_rows(designer: Designer, pointer: &str, fields: Vec<&'static str>) -> impl IntoView + use<> {
    fields
        .into_iter()
        .map(|field| {
            field_row(designer, pointer_push(pointer, field), field.into(), field_kind(field), format!("field-{field}"))
        })
        .collect_view()
}

/// The selected state's fields.
#[component]
pub fn Inspector(designer: Designer) -> impl IntoView {
    let selected = Memo::new(move |_| selection(designer));
    view! {
        <div class="inspector" data-testid="inspector">
            {move || match selected.get() {
                Some(selection) => {
                    let started = super::browser::now();
                    let form = state_form(designer, selection);
                    super::browser::measure("designer:inspector", started);
                    form
                }
                None => view! { <p class="muted">"Select a state to see its fields."</p> }.into_any(),
            }}
        </div>
    }
}

/// Why state `from` cannot be renamed `to` (as typed), if it cannot: AWS's rules for a name,
/// and unique across the whole machine.
fn rename_problem(designer: Designer, from: &str, to: &str) -> Option<String> {
    let to = to.trim();
    let length = to.chars().count();
    if to.is_empty() {
        Some("A state needs a name.".into())
    } else if length > asl::edit::MAX_STATE_NAME_CHARACTERS {
        Some(format!("At most {} characters; this is {length}.", asl::edit::MAX_STATE_NAME_CHARACTERS))
    } else if to != from && designer.names().contains(to) {
        Some(format!("Another state is named “{to}”: names are unique across the whole machine."))
    } else {
        None
    }
}

fn state_form(designer: Designer, selection: Selection) -> AnyView {
    let Selection { name, pointer, scope, state_type, jsonata, query_language } = selection;
    // A memo: the state selects' options are rebuilt only when the names change, not on
    // every edit.
    let siblings = {
        let (scope, name) = (scope.clone(), name.clone());
        Signal::from(Memo::new(move |_| siblings(designer, &scope, &name)))
    };
    // A name that cannot be used is said at the field, which keeps what was typed.
    let name_error = RwSignal::new(None::<String>);
    let on_rename = {
        let name = name.clone();
        move |event: leptos::ev::Event| {
            let to = event_target_value(&event);
            if let Some(problem) = rename_problem(designer, &name, &to) {
                name_error.set(Some(problem));
                return;
            }
            name_error.set(None);
            if !designer.rename(&name, &to) {
                event_target::<web_sys::HtmlInputElement>(&event).set_value(&name);
            }
        }
    };
    // The language the state has without a `QueryLanguage` of its own: the machine's.
    let inherited = designer
        .model
        .with_untracked(|model| model.shown_root().map_or("JSONPath", asl::templates::jsonata::inherited_language));
    let on_language = {
        let pointer = pointer.clone();
        move |event: leptos::ev::Event| {
            let choice = event_target_value(&event);
            let Some(state) = node_at_untracked(designer, &pointer).map(|node| node.to_serde()) else { return };
            let becomes_jsonata = !jsonata
                && match choice.as_str() {
                    "JSONata" => true,
                    "JSONPath" => false,
                    _ => inherited == "JSONata",
                };
            if let Some(edit) = language_switch_edit(&pointer, &state, &choice, becomes_jsonata) {
                designer.edit("change the query language", edit);
            }
        }
    };
    let language_option = |value: &'static str, title: String| {
        let selected = query_language.as_deref().unwrap_or_default() == value;
        view! { <option value=value selected=selected>{title}</option> }
    };
    let (delete_name, duplicate_name) = (name.clone(), name.clone());
    let transition = has_transition(&state_type).then(|| transition_controls(designer, pointer.clone(), siblings));
    let choice = (state_type == "Choice").then(|| choice::choice_editor(designer, pointer.clone(), jsonata, siblings));
    let generic = field_rows(designer, &pointer, shown_fields(&state_type, jsonata));
    // Fields of the other query language that the state still has (`Parameters` after a
    // switch to JSONata that could not rewrite them): shown apart, so they can be cleared.
    let stray = {
        let (pointer, candidates) = (pointer.clone(), stray_fields(&state_type, jsonata));
        // A memo, so the rows are rebuilt only when the set of such fields changes.
        let present = {
            let pointer = pointer.clone();
            Memo::new(move |_| {
                candidates
                    .iter()
                    .copied()
                    .filter(|field| has_node(designer, &pointer_push(&pointer, field)))
                    .collect::<Vec<&'static str>>()
            })
        };
        move || {
            let present = present.get();
            (!present.is_empty()).then(|| {
                let rows = field_rows(designer, &pointer, present);
                let language = if jsonata { "JSONata" } else { "JSONPath" };
                view! {
                    <fieldset class="inspector-fields stray-fields" data-testid="stray-fields">
                        <legend>{format!("Not read in {language}: clear or rewrite them")}</legend>
                        {rows}
                    </fieldset>
                }
            })
        }
    };
    let accepts = asl::validate::state_fields(&state_type);
    let retry = accepts.contains(&"Retry").then(|| retry::retry_editor(designer, pointer.clone()));
    let catch = accepts.contains(&"Catch").then(|| retry::catch_editor(designer, pointer.clone(), jsonata, siblings));
    let nested = match state_type.as_str() {
        "Parallel" => Some("Its branches are edited on the canvas."),
        "Map" => Some("Its item processor is edited on the canvas."),
        _ => None,
    };
    view! {
        <form class="inspector-form" data-inspected=name.clone() on:submit=|event| event.prevent_default()>
            <div class="inspector-head">
                <label class="field">
                    <span class="field-label">"Name"</span>
                    <input
                        type="text"
                        data-testid="state-name"
                        value=name.clone()
                        prop:value=name.clone()
                        aria-invalid=move || name_error.get().is_some().then_some("true")
                        on:change=on_rename
                    />
                    {move || name_error.get().map(|error| view! { <span class="field-error" role="alert" data-testid="state-name-error">{error}</span> })}
                </label>
                <span class="state-type-badge" data-testid="state-type">{state_type.clone()}</span>
                <button type="button" data-testid="duplicate-state" on:click=move |_| designer.duplicate(&duplicate_name)>
                    "Duplicate"
                </button>
                <button type="button" class="danger" data-testid="delete-state" on:click=move |_| designer.delete(&delete_name)>
                    "Delete"
                </button>
            </div>
            {field_row(designer, pointer_push(&pointer, "Comment"), "Comment".into(), FieldKind::Text, "field-Comment".into())}
            <label class="field">
                <span class="field-label">"Query language"</span>
                <select data-testid="query-language" on:change=on_language>
                    {language_option("", format!("Inherit ({inherited})"))}
                    {language_option("JSONPath", "JSONPath".into())}
                    {language_option("JSONata", "JSONata".into())}
                </select>
            </label>
            {transition}
            {choice}
            <fieldset class="inspector-fields">
                <legend>{if jsonata { "Fields (JSONata)" } else { "Fields (JSONPath)" }}</legend>
                {generic}
                {nested.map(|text| view! { <p class="muted">{text}</p> })}
            </fieldset>
            {stray}
            {retry}
            {catch}
        </form>
    }
    .into_any()
}

/// `Next` (a select of the states of the same scope) and `End` (a checkbox), which exclude
/// each other: setting one removes the other in the same undo step.
fn transition_controls(designer: Designer, pointer: String, siblings: Signal<Vec<String>>) -> AnyView {
    let next_pointer = pointer_push(&pointer, "Next");
    let end_pointer = pointer_push(&pointer, "End");
    let next = {
        let next_pointer = next_pointer.clone();
        Memo::new(move |_| node_at(designer, &next_pointer).and_then(|node| node.as_str().map(str::to_string)))
    };
    let end = {
        let end_pointer = end_pointer.clone();
        Memo::new(move |_| node_at(designer, &end_pointer).and_then(|node| node.as_bool()).unwrap_or(false))
    };
    let present = move || {
        designer.model.with_untracked(|model| {
            let root = model.shown_root();
            let has = |pointer: &str| root.and_then(|root| resolve(root, pointer)).is_some();
            (has(&next_pointer), has(&end_pointer))
        })
    };
    let go = move |to: Transition| {
        let (has_next, has_end) = present();
        if let Some(edit) = transition_edit(&pointer, has_next, has_end, &to) {
            designer.edit("change the transition", edit);
        }
    };
    let on_next = {
        let go = go.clone();
        move |event: leptos::ev::Event| {
            let value = event_target_value(&event);
            go(if value.is_empty() { Transition::None } else { Transition::Next(value) });
        }
    };
    let on_end = move |event: leptos::ev::Event| {
        go(if event_target_checked(&event) { Transition::End } else { Transition::None });
    };
    view! {
        <div class="transition">
            <label class="field">
                <span class="field-label">"Next"</span>
                <select data-testid="field-Next" on:change=on_next>
                    {fields::state_options(siblings, next)}
                </select>
            </label>
            <label class="field field-check">
                <input type="checkbox" data-testid="field-End" prop:checked=move || end.get() on:change=on_end />
                <span class="field-label">"End"</span>
            </label>
        </div>
    }
    .into_any()
}

// These render views to HTML, which needs Leptos's `ssr` feature: `cargo test` over the
// workspace has it (the server enables it), `cargo test -p app` alone does not, and skips them.
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use asl::SourceFormat;
    use leptos::prelude::*;

    use super::{super::model::Model, *};

    const DEFINITION: &str = r#"{
  "StartAt": "Route",
  "States": {
    "Route": {
      "Type": "Choice",
      "Choices": [
        {"And": [{"Variable": "$.a", "NumericGreaterThan": 1.50}, {"Not": {"Variable": "$.b", "IsPresent": true}}], "Next": "Charge"}
      ],
      "Default": "Done"
    },
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"id.$": "$.id"},
      "TimeoutSeconds": 30,
      "Retry": [{"ErrorEquals": ["States.Timeout", "States.TaskFailed"], "MaxAttempts": 2, "JitterStrategy": "FULL"}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": "$.error"}],
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}"#;

    fn render(selected: &str) -> String {
        let owner = Owner::new();
        owner.set();
        let designer = Designer::new(Model::open("test", DEFINITION, SourceFormat::Json));
        // The cost panel computes only while it is shown.
        designer.panel.set("cost");
        designer.selected.set(Some(selected.to_string()));
        view! {
            <Inspector designer />
            <super::super::simulate::Simulator designer />
            <super::super::cost::CostPanel designer />
        }
        .to_html()
    }

    #[test]
    fn a_task_renders_its_fields_retriers_and_catchers() {
        let html = render("Charge");
        for needle in [
            r#"data-testid="state-name""#,
            r#"data-testid="delete-state""#,
            r#"data-testid="field-Resource""#,
            r#"data-testid="field-Parameters""#,
            r#"data-testid="field-TimeoutSeconds""#,
            r#"data-testid="retry-0-ErrorEquals""#,
            r#"data-testid="retry-0-JitterStrategy""#,
            r#"data-testid="catch-0-Next""#,
            r#"data-testid="catch-0-ResultPath""#,
            r#"data-testid="simulate-mock-result""#,
            r#"data-testid="cost-standard""#,
            r#"data-testid="cost-express""#,
            r#"data-testid="cost-failure-rate""#,
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(!html.contains(r#"data-testid="field-Arguments""#));
    }

    #[test]
    fn a_choice_renders_its_rule_tree() {
        let html = render("Route");
        for needle in [
            r#"data-condition="0""#,
            r#"data-condition="0/And/0""#,
            r#"data-condition="0/And/1/Not""#,
            r#"data-testid="cond-operator""#,
            r#"data-testid="choice-0-Next""#,
            r#"data-testid="field-Default""#,
            r#"data-testid="cost-choice-0""#,
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
    }
}

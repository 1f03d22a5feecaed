//! The inspector's field editors: one input per field, each reading its value from the model
//! by JSON pointer (so it follows undo, redo and typing in the code view) and writing through
//! [`Designer::edit`], one undo step per change.

use asl::json::Node;
use leptos::prelude::*;

use super::{
    super::{Designer, scene::resolve},
    form::{FieldKind, display_text, field_edit, json_error},
};

/// The node at `pointer` in the shown tree, tracked (through [`Designer::settled`]: the
/// inspector follows an edit once the frame that shows it in the code has been painted).
pub fn node_at(designer: Designer, pointer: &str) -> Option<Node> {
    designer.settled.track();
    designer.model.with_untracked(|model| model.shown_root().and_then(|root| resolve(root, pointer)).cloned())
}

/// Whether the shown tree has a node at `pointer`, tracked (through [`Designer::settled`]).
pub fn has_node(designer: Designer, pointer: &str) -> bool {
    designer.settled.track();
    designer.model.with_untracked(|model| model.shown_root().and_then(|root| resolve(root, pointer)).is_some())
}

/// The node at `pointer`, untracked (for event handlers).
pub fn node_at_untracked(designer: Designer, pointer: &str) -> Option<Node> {
    designer.model.with_untracked(|model| model.shown_root().and_then(|root| resolve(root, pointer)).cloned())
}

/// How many elements the array at `pointer` has (0 when it is missing), tracked (through
/// [`Designer::settled`]).
pub fn length_at(designer: Designer, pointer: &str) -> usize {
    designer.settled.track();
    designer.model.with_untracked(|model| {
        model.shown_root().and_then(|root| resolve(root, pointer)).and_then(Node::elements).map_or(0, <[Node]>::len)
    })
}

/// Writes `text` into the field at `pointer`; the error (bad number, bad JSON) names the field.
pub fn write_field(designer: Designer, pointer: &str, label: &str, kind: FieldKind, text: &str) -> Result<(), String> {
    let current = node_at_untracked(designer, pointer);
    match field_edit(pointer, label, kind, text, current.as_ref())? {
        Some(edit) => {
            let verb = if text.trim().is_empty() { "remove" } else { "set" };
            designer.edit(&format!("{verb} {label}"), edit);
            Ok(())
        }
        None => Ok(()),
    }
}

/// One labelled field: an input for text and numbers, a text area for JSON.
pub fn field_row(designer: Designer, pointer: String, label: String, kind: FieldKind, testid: String) -> AnyView {
    let text = {
        let pointer = pointer.clone();
        Memo::new(move |_| display_text(node_at(designer, &pointer).as_ref(), kind))
    };
    let error = RwSignal::new(None::<String>);
    let on_change = {
        let (pointer, label) = (pointer.clone(), label.clone());
        move |event: leptos::ev::Event| {
            error.set(write_field(designer, &pointer, &label, kind, &event_target_value(&event)).err());
        }
    };
    let editor = match kind {
        FieldKind::Json => {
            let label_for_input = label.clone();
            let rows = move || text.with(|text| text.lines().count().clamp(2, 14) + 1);
            view! {
                <textarea
                    class="field-json"
                    spellcheck="false"
                    data-testid=testid
                    rows=rows
                    prop:value=move || text.get()
                    on:input=move |event| error.set(json_error(&label_for_input, kind, &event_target_value(&event)))
                    on:change=on_change
                ></textarea>
            }
            .into_any()
        }
        _ => view! {
            <input
                type="text"
                spellcheck="false"
                inputmode=if kind == FieldKind::Number { "decimal" } else { "text" }
                data-testid=testid
                prop:value=move || text.get()
                on:change=on_change
            />
        }
        .into_any(),
    };
    let field = label.clone();
    view! {
        <label class="field" data-field=field>
            <span class="field-label">{label}</span>
            {editor}
            {move || error.get().map(|error| view! { <span class="field-error" role="alert">{error}</span> })}
        </label>
    }
    .into_any()
}

/// The options of a select of state names: none ("—"), then `names`; a dangling `current`
/// target stays visible (and selected) until it is changed.
pub fn state_options(names: Signal<Vec<String>>, current: Memo<Option<String>>) -> impl IntoView {
    view! {
        <option value="" prop:selected=move || current.with(Option::is_none)>"—"</option>
        {move || {
            let mut names = names.get();
            if let Some(current) = current.get()
                && !names.contains(&current)
            {
                names.push(current);
            }
            names
                .into_iter()
                .map(|name| {
                    let selected = {
                        let name = name.clone();
                        move || current.with(|current| current.as_deref() == Some(name.as_str()))
                    };
                    view! { <option value=name.clone() prop:selected=selected>{name.clone()}</option> }
                })
                .collect_view()
        }}
    }
}

/// A select of state names (the states of one scope) for a transition field at `pointer`;
/// the empty choice removes the field.
pub fn state_select(
    designer: Designer,
    pointer: String,
    label: String,
    testid: String,
    names: Signal<Vec<String>>,
) -> AnyView {
    let current = {
        let pointer = pointer.clone();
        Memo::new(move |_| node_at(designer, &pointer).and_then(|node| node.as_str().map(str::to_string)))
    };
    let on_change = {
        let label = label.clone();
        move |event: leptos::ev::Event| {
            let _ = write_field(designer, &pointer, &label, FieldKind::Text, &event_target_value(&event));
        }
    };
    let field = label.clone();
    view! {
        <label class="field" data-field=field>
            <span class="field-label">{label}</span>
            <select data-testid=testid on:change=on_change>
                {state_options(names, current)}
            </select>
        </label>
    }
    .into_any()
}

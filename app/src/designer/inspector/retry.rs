//! The Retry and Catch editors: lists of retriers and catchers, each field edited in place,
//! with add, remove and (for retriers, whose order decides which one applies) reorder.

use asl::{diagnostic::pointer_push, edit::Edit};
use leptos::prelude::*;
use serde_json::json;

use super::{
    super::Designer,
    fields::{field_row, length_at, node_at, node_at_untracked, state_select, write_field},
    form::{FieldKind, field_kind, move_element_edit, remove_element_edit},
};

/// The retrier fields, in the order they are shown.
pub const RETRIER_FIELDS: &[&str] =
    &["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds"];

/// The state's `Retry` list.
pub fn retry_editor(designer: Designer, state: String) -> AnyView {
    let retry = pointer_push(&state, "Retry");
    let count = {
        let retry = retry.clone();
        Memo::new(move |_| length_at(designer, &retry))
    };
    let add = {
        let state = state.clone();
        move |_| {
            designer.edit(
                "add a retrier",
                Edit::AddRetrier {
                    state: state.clone(),
                    retrier: json!({ "ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2 }),
                    index: None,
                },
            );
        }
    };
    view! {
        <fieldset class="retriers" data-testid="retry">
            <legend>"Retry"</legend>
            <ol>
                {move || {
                    let count = count.get();
                    (0..count).map(|index| retrier_view(designer, state.clone(), retry.clone(), index, count)).collect_view()
                }}
            </ol>
            <button type="button" data-testid="retry-add" on:click=add>"Add retrier"</button>
        </fieldset>
    }
    .into_any()
}

fn retrier_view(designer: Designer, state: String, retry: String, index: usize, count: usize) -> AnyView {
    let retrier = pointer_push(&retry, &index.to_string());
    let shift = {
        let retry = retry.clone();
        move |to: usize| {
            let retry = retry.clone();
            move |_| {
                let Some(node) = node_at_untracked(designer, &pointer_push(&retry, &index.to_string())) else { return };
                designer.edit("reorder retriers", move_element_edit(&retry, &node, index, to));
            }
        }
    };
    let remove = move |_| {
        designer.edit("remove a retrier", remove_element_edit(&state, "Retry", index, count));
    };
    let fields = RETRIER_FIELDS
        .iter()
        .map(|field| {
            field_row(
                designer,
                pointer_push(&retrier, field),
                (*field).into(),
                field_kind(field),
                format!("retry-{index}-{field}"),
            )
        })
        .collect_view();
    let jitter = pointer_push(&retrier, "JitterStrategy");
    let current = {
        let jitter = jitter.clone();
        Memo::new(move |_| {
            node_at(designer, &jitter).and_then(|node| node.as_str().map(str::to_string)).unwrap_or_default()
        })
    };
    let on_jitter = move |event: leptos::ev::Event| {
        let _ = write_field(designer, &jitter, "JitterStrategy", FieldKind::Text, &event_target_value(&event));
    };
    view! {
        <li class="retrier" data-testid=format!("retrier-{index}")>
            <div class="row-tools">
                <span class="row-title">{format!("Retrier {}", index + 1)}</span>
                <button type="button" data-testid=format!("retry-up-{index}") disabled={index == 0} on:click=shift(index.saturating_sub(1))>"↑"</button>
                <button type="button" data-testid=format!("retry-down-{index}") disabled={index + 1 >= count} on:click=shift(index + 1)>"↓"</button>
                <button type="button" data-testid=format!("retry-remove-{index}") on:click=remove>"Remove"</button>
            </div>
            {fields}
            <label class="field" data-field="JitterStrategy">
                <span class="field-label">"JitterStrategy"</span>
                <select data-testid=format!("retry-{index}-JitterStrategy") on:change=on_jitter>
                    <option value="" prop:selected=move || current.with(String::is_empty)>"—"</option>
                    <option value="FULL" prop:selected=move || current.get() == "FULL">"FULL"</option>
                    <option value="NONE" prop:selected=move || current.get() == "NONE">"NONE"</option>
                </select>
            </label>
        </li>
    }
    .into_any()
}

/// The state's `Catch` list; `siblings` are the states a catcher may go to.
pub fn catch_editor(designer: Designer, state: String, jsonata: bool, siblings: Signal<Vec<String>>) -> AnyView {
    let catch = pointer_push(&state, "Catch");
    let count = {
        let catch = catch.clone();
        Memo::new(move |_| length_at(designer, &catch))
    };
    let add = {
        let state = state.clone();
        move |_| {
            let next = siblings.get_untracked().into_iter().next().unwrap_or_default();
            designer.edit(
                "add a catcher",
                Edit::AddCatcher {
                    state: state.clone(),
                    catcher: json!({ "ErrorEquals": ["States.ALL"], "Next": next }),
                    index: None,
                },
            );
        }
    };
    view! {
        <fieldset class="catchers" data-testid="catch">
            <legend>"Catch"</legend>
            <ol>
                {move || {
                    let count = count.get();
                    (0..count)
                        .map(|index| catcher_view(designer, state.clone(), catch.clone(), index, count, jsonata, siblings))
                        .collect_view()
                }}
            </ol>
            <button type="button" data-testid="catch-add" on:click=add>"Add catcher"</button>
        </fieldset>
    }
    .into_any()
}

fn catcher_view(
    designer: Designer,
    state: String,
    catch: String,
    index: usize,
    count: usize,
    jsonata: bool,
    siblings: Signal<Vec<String>>,
) -> AnyView {
    let catcher = pointer_push(&catch, &index.to_string());
    let remove = move |_| {
        designer.edit("remove a catcher", remove_element_edit(&state, "Catch", index, count));
    };
    let shift = {
        let catch = catch.clone();
        move |to: usize| {
            let catch = catch.clone();
            move |_| {
                let Some(node) = node_at_untracked(designer, &pointer_push(&catch, &index.to_string())) else { return };
                designer.edit("reorder catchers", move_element_edit(&catch, &node, index, to));
            }
        }
    };
    let fields: &[&str] = if jsonata { &["Output", "Assign"] } else { &["ResultPath", "Assign"] };
    let fields = fields
        .iter()
        .map(|field| {
            field_row(
                designer,
                pointer_push(&catcher, field),
                (*field).into(),
                field_kind(field),
                format!("catch-{index}-{field}"),
            )
        })
        .collect_view();
    view! {
        <li class="catcher" data-testid=format!("catcher-{index}")>
            <div class="row-tools">
                <span class="row-title">{format!("Catcher {}", index + 1)}</span>
                <button type="button" data-testid=format!("catch-up-{index}") disabled={index == 0} on:click=shift(index.saturating_sub(1))>"↑"</button>
                <button type="button" data-testid=format!("catch-down-{index}") disabled={index + 1 >= count} on:click=shift(index + 1)>"↓"</button>
                <button type="button" data-testid=format!("catch-remove-{index}") on:click=remove>"Remove"</button>
            </div>
            {field_row(designer, pointer_push(&catcher, "ErrorEquals"), "ErrorEquals".into(), FieldKind::StringList, format!("catch-{index}-ErrorEquals"))}
            {state_select(designer, pointer_push(&catcher, "Next"), "Next".into(), format!("catch-{index}-Next"), siblings)}
            {fields}
        </li>
    }
    .into_any()
}

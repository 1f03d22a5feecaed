//! The designer's toolbar (open a file, paste, templates, undo and redo, workflow type, export)
//! and the question it asks before another design replaces unsaved work.

use asl::{SourceFormat, lint::WorkflowType, templates::TEMPLATES};
use leptos::{ev, prelude::*, wasm_bindgen::JsCast, web_sys};

use super::{Designer, browser, model, model::Model};

/// Open, templates, undo and redo, export.
#[component]
pub fn Toolbar(designer: Designer) -> impl IntoView {
    let on_files = move |event: ev::Event| {
        let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let files = browser::files_of(input.files());
        input.set_value("");
        if !files.is_empty() {
            designer.open_files(files);
        }
    };
    let on_template = move |event: ev::Event| {
        let id = event_target_value(&event);
        if let Some(template) = TEMPLATES.iter().find(|template| template.id == id) {
            designer.open(Model::open(template.id, template.definition, SourceFormat::Json));
        }
        // Back to the prompt, so the same template can be chosen again.
        if let Some(select) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            select.set_value("");
        }
    };
    let paste_open = RwSignal::new(false);
    let pasted = RwSignal::new(String::new());
    let paste_button = NodeRef::<leptos::html::Button>::new();
    let paste_text = NodeRef::<leptos::html::Textarea>::new();
    // The box takes the focus as it opens, so what is typed or pasted next goes in.
    Effect::new(move |_| {
        if let Some(text) = paste_text.get() {
            text.focus().ok();
        }
    });
    let export = move |kind: &'static str| {
        designer.take_typing();
        let file = designer.model.with_untracked(|model| {
            let name = model.name.clone();
            match kind {
                "json" => model.export_json().map(|text| (format!("{name}.asl.json"), text, "application/json")),
                "canonical" => {
                    model.export_canonical_json().map(|text| (format!("{name}.asl.json"), text, "application/json"))
                }
                "yaml" => model.export_yaml().map(|text| (format!("{name}.asl.yaml"), text, "application/yaml")),
                _ => Some((format!("{name}.asl.layout.json"), model.sidecar().to_json(), "application/json")),
            }
        });
        // Outside the model's borrow: marking what was written out updates the model.
        match file {
            Some((file_name, text, mime)) => {
                browser::download(&file_name, &text, mime);
                if kind == "layout" {
                    designer.mark_kept(Model::mark_layout_kept);
                } else {
                    designer.mark_kept(Model::mark_kept);
                }
            }
            None => designer.say(true, "Cannot export: the text cannot be read; fix it in the code view first."),
        }
    };
    view! {
        <div class="designer-toolbar" role="toolbar" aria-label="Designer">
            <label class="button-like">
                "Open file…"
                <input
                    type="file"
                    data-testid="open-file"
                    accept=".json,.yaml,.yml,.asl"
                    multiple
                    on:change=on_files
                />
            </label>
            <button
                type="button"
                node_ref=paste_button
                aria-expanded=move || paste_open.get().to_string()
                aria-controls="paste-box"
                on:click=move |_| paste_open.update(|open| *open = !*open)
            >
                "Paste…"
            </button>
            <label>
                "Template "
                <select data-testid="template" on:change=on_template>
                    <option value="">"Start from a template…"</option>
                    {TEMPLATES.iter().map(|template| view! { <option value=template.id title=template.description>{template.title}</option> }).collect_view()}
                </select>
            </label>
            <span class="toolbar-gap"></span>
            <button
                type="button"
                data-testid="undo"
                title=move || designer.model.with(|model| model.undo_label().map(|label| format!("Undo {label} (Ctrl+Z)")).unwrap_or_else(|| "Nothing to undo".into()))
                disabled=move || designer.model.with(|model| !model.can_undo())
                on:click=move |_| designer.undo()
            >
                "Undo"
            </button>
            <button
                type="button"
                data-testid="redo"
                title=move || designer.model.with(|model| model.redo_label().map(|label| format!("Redo {label} (Shift+Ctrl+Z)")).unwrap_or_else(|| "Nothing to redo".into()))
                disabled=move || designer.model.with(|model| !model.can_redo())
                on:click=move |_| designer.redo()
            >
                "Redo"
            </button>
            <label>
                "Type "
                <select
                    data-testid="workflow-type"
                    on:change=move |event| {
                        designer.workflow.set(if event_target_value(&event) == "EXPRESS" { WorkflowType::Express } else { WorkflowType::Standard })
                    }
                >
                    <option value="STANDARD">"Standard"</option>
                    <option value="EXPRESS">"Express"</option>
                </select>
            </label>
            <span class="toolbar-gap"></span>
            <span class="design-name" data-testid="design-name" title=move || designer.model.with(|model| model.name.clone())>
                {move || designer.model.with(|model| model.name.clone())}
            </span>
            <span class="toolbar-group" role="group" aria-labelledby="export-label">
                <span id="export-label">"Export"</span>
                <button type="button" data-testid="export-json" title="The JSON as written (an unedited file byte for byte)" aria-label="Export JSON" on:click=move |_| export("json")>"JSON"</button>
                <button type="button" data-testid="export-canonical" title="Two-space JSON" aria-label="Export canonical JSON" on:click=move |_| export("canonical")>"Canonical JSON"</button>
                <button type="button" data-testid="export-yaml" aria-label="Export YAML" on:click=move |_| export("yaml")>"YAML"</button>
                <button type="button" data-testid="export-layout" title="The positions of the states (NAME.asl.layout.json)" aria-label="Export layout" on:click=move |_| export("layout")>"Layout"</button>
            </span>
        </div>
        <Show when=move || paste_open.get()>
            // Escape closes the box and gives the focus back to its button.
            <div
                class="paste-box"
                id="paste-box"
                on:keydown=move |event: leptos::ev::KeyboardEvent| {
                    if event.key() == "Escape" {
                        event.prevent_default();
                        paste_open.set(false);
                        if let Some(button) = paste_button.get_untracked() {
                            button.focus().ok();
                        }
                    }
                }
            >
                <label for="paste-text">"Paste a definition (JSON or YAML)"</label>
                <textarea
                    id="paste-text"
                    data-testid="paste-text"
                    rows="8"
                    node_ref=paste_text
                    on:input=move |event| pasted.set(event_target_value(&event))
                ></textarea>
                <button
                    type="button"
                    data-testid="paste-open"
                    on:click=move |_| {
                        let text = pasted.get_untracked();
                        let format = model::guess_format("", &text);
                        designer.open(Model::open("pasted", &text, format));
                        paste_open.set(false);
                    }
                >
                    "Open"
                </button>
            </div>
        </Show>
        <UnsavedQuestion designer />
    }
}

/// The question asked before another design replaces unsaved work: open it and drop the
/// changes, or keep editing. The focus goes to "Keep editing", so Enter loses nothing.
#[component]
fn UnsavedQuestion(designer: Designer) -> impl IntoView {
    let keep = NodeRef::<leptos::html::Button>::new();
    // Where the focus was when the question came (the template list, say): it goes back there
    // once the question is answered, rather than to the page's start.
    let before = StoredValue::new_local(None::<web_sys::Element>);
    Effect::new(move |_| {
        let asking = designer.pending_open.with(Option::is_some);
        match keep.get() {
            Some(button) if asking => {
                if before.with_value(Option::is_none) {
                    before.set_value(document().active_element());
                }
                let _ = button.focus();
            }
            _ if !asking => {
                if let Some(element) = before.try_update_value(Option::take).flatten()
                    && element.is_connected()
                    && let Some(element) = element.dyn_ref::<web_sys::HtmlElement>()
                {
                    let _ = element.focus();
                }
            }
            _ => {}
        }
    });
    move || {
        designer.pending_open.with(|pending| {
            pending.as_ref().map(|pending| {
                let question = format!(
                    "{} has changes to {} that are not saved or exported. Opening {} replaces them.",
                    pending.current,
                    pending.unsaved.describe(),
                    pending.model.name
                );
                let discard = format!("Discard them and open {}", pending.model.name);
                view! {
                    <div class="unsaved-question" role="alertdialog" aria-labelledby="unsaved-text" data-testid="unsaved-question">
                        <p id="unsaved-text">{question}</p>
                        <button type="button" data-testid="discard-and-open" on:click=move |_| designer.confirm_open()>
                            {discard}
                        </button>
                        <button type="button" data-testid="keep-editing" node_ref=keep on:click=move |_| designer.cancel_open()>
                            "Keep editing"
                        </button>
                    </div>
                }
            })
        })
    }
}

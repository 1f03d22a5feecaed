//! The code view beside the graph: CodeMirror with JSON or YAML highlighting, line numbers,
//! the problems marked at their lines and the selected state's lines marked. Text typed here
//! replaces the model's text (one undo step per pause in typing); graph edits replace the
//! editor's text. Without the editor bundle it falls back to a plain text area, so the designer
//! still works.

use leptos::{html, prelude::*};

use leptos_meta::Script;

use super::{Designer, browser, browser::Editor};

/// The code editor.
#[component]
pub fn CodeView(designer: Designer) -> impl IntoView {
    let host = NodeRef::<html::Div>::new();
    let fallback = RwSignal::new(false);
    // The editor's script may still be loading (after a navigation inside the app): look again
    // every 50 ms for up to 10 s before falling back to a text area.
    let attempt = RwSignal::new(0_u32);

    Effect::new(move |_| {
        let tries = attempt.get();
        let Some(element) = host.get() else { return };
        if designer.editor.get_value().is_some() || fallback.get_untracked() {
            return;
        }
        if !browser::editor_loaded() {
            if tries < 200 {
                set_timeout(move || attempt.update(|count| *count += 1), std::time::Duration::from_millis(50));
            } else {
                fallback.set(true);
            }
            return;
        }
        let (text, yaml, revision) =
            designer.model.with_untracked(|model| (model.text().to_string(), model.is_yaml(), model.revision()));
        let created = Editor::create(
            &element,
            &text,
            yaml,
            move |text: String| designer.type_text(&text),
            move |problem: f64, title: String| designer.apply_fix(problem as usize, &title),
            // One history for the graph and the code: Ctrl+Z in the code undoes the last change
            // wherever it was made, typing included.
            move || designer.undo(),
            move || designer.redo(),
        );
        match created {
            Some(editor) => {
                designer.editor.set_value(Some(editor));
                designer.editor_shows(revision);
            }
            None => fallback.set(true),
        }
    });

    // Graph edits, undo and opened files reach the editor, in the tick of the change (the
    // frame that follows shows them; the heavier work waits for it, see `Designer::new`).
    Effect::new(move |_| {
        let started = browser::now();
        let editor = designer.editor.get_value();
        designer.model.with(|model| {
            if let Some(editor) = editor {
                editor.set_yaml(model.is_yaml());
                designer.show_in_editor(editor, model);
            }
        });
        browser::measure("designer:code", started);
    });

    // The selected state's lines are marked in the text and scrolled to: its first line to the
    // top when the selection changes, just into view when an edit moves it. The text is brought
    // up to date first, as the offsets are the current text's.
    Effect::new(move |previous: Option<Option<String>>| {
        let selected = designer.selected.get();
        // What was typed a moment ago goes into the model before the text is brought up to date.
        designer.take_typing();
        let editor = designer.editor.get_value();
        let range = designer.model.with(|model| {
            if let Some(editor) = editor {
                designer.show_in_editor(editor, model);
            }
            selected.as_deref().and_then(|name| model.state_range(name))
        });
        if let Some(editor) = editor {
            let (from, to) = range.unwrap_or((0, 0));
            editor.reveal(from, to, previous.as_ref() != Some(&selected));
        }
        selected
    });

    // Problems are marked in the text.
    Effect::new(move |_| {
        let markers = designer.markers.get();
        if let Some(editor) = designer.editor.get_value() {
            editor.set_markers(&markers);
        }
    });

    on_cleanup(move || {
        if let Some(editor) = designer.editor.try_get_value().flatten() {
            editor.destroy();
        }
        let _ = designer.editor.try_set_value(None);
    });

    view! {
        <Script src="/pkg/statehouse-editor.js" defer="defer" />
        <div class="code-view" data-testid="asl-code" node_ref=host>
            <Show when=move || fallback.get()>
                <textarea
                    class="code-fallback"
                    aria-label="ASL text"
                    spellcheck="false"
                    prop:value=move || designer.model.with(|model| model.text().to_string())
                    on:change=move |event| designer.type_text(&event_target_value(&event))
                ></textarea>
            </Show>
        </div>
    }
}

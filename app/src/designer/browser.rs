//! The browser's services the designer uses: the code editor (CodeMirror, bundled as
//! `/pkg/statehouse-editor.js`), the simulator's wasm module (loaded on first use), downloads,
//! the local draft (the tab's `sessionStorage` and `localStorage`), reading files and the
//! clock. Everything here is called from event handlers and effects, which run only in the
//! browser; on the server these functions are never reached.

use std::{cell::RefCell, collections::BTreeMap};

use leptos::web_sys;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue, prelude::*};

use super::model::{Kept, Position};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = create)]
    fn editor_create(parent: &web_sys::HtmlElement, options: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = setText)]
    fn editor_set_text(id: f64, text: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = setLanguage)]
    fn editor_set_language(id: f64, language: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = setDiagnostics)]
    fn editor_set_diagnostics(id: f64, diagnostics: &JsValue, options: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = select)]
    fn editor_select(id: f64, from: f64, to: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = reveal)]
    fn editor_reveal(id: f64, from: f64, to: f64, top: bool) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = flush)]
    fn editor_flush(id: f64) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = StatehouseEditor, js_name = destroy)]
    fn editor_destroy(id: f64) -> Result<(), JsValue>;
}

#[wasm_bindgen(inline_js = "export function import_module(url) { return import(url); }")]
extern "C" {
    /// `import(url)`: JavaScript's dynamic import, which is syntax rather than a function.
    #[wasm_bindgen(catch)]
    fn import_module(url: &str) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    /// The simulator module's `simulate` export, once the module is loaded.
    static SIMULATOR: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Runs the simulator (the wasm module `/pkg/statehouse-simulator.js`, see the `simulator`
/// crate) on a JSON request and returns its JSON answer. The module is loaded and instantiated
/// the first time; the designer's own bundle does not carry the evaluator.
pub async fn run_simulator(request: &str) -> Result<String, String> {
    let loaded = SIMULATOR.with_borrow(Clone::clone);
    let simulate = match loaded {
        Some(simulate) => simulate,
        None => {
            let simulate = load_simulator()
                .await
                .map_err(|error| format!("The simulator could not be loaded: {}", js_error_text(&error)))?;
            SIMULATOR.set(Some(simulate.clone()));
            simulate
        }
    };
    let answer = simulate
        .call1(&JsValue::NULL, &JsValue::from_str(request))
        .map_err(|error| format!("The simulator failed: {}", js_error_text(&error)))?;
    answer.as_string().ok_or_else(|| "The simulator answered something other than text.".to_string())
}

async fn load_simulator() -> Result<js_sys::Function, JsValue> {
    let name = crate::SIMULATOR_OUTPUT_NAME;
    let module = wasm_bindgen_futures::JsFuture::from(import_module(&format!("/pkg/{name}.js"))?).await?;
    let init: js_sys::Function = js_sys::Reflect::get(&module, &JsValue::from_str("default"))?.dyn_into()?;
    // The loader has no default address for its wasm (the bundles are built that way): name it.
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &JsValue::from_str("module_or_path"),
        &JsValue::from_str(&format!("/pkg/{name}_bg.wasm")),
    )?;
    let instantiated: js_sys::Promise = init.call1(&JsValue::NULL, &options)?.dyn_into()?;
    wasm_bindgen_futures::JsFuture::from(instantiated).await?;
    js_sys::Reflect::get(&module, &JsValue::from_str("simulate"))?.dyn_into()
}

/// A JavaScript error's message (or the value as text).
fn js_error_text(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// A code editor on the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Editor(f64);

/// A marker in the code: UTF-16 offsets, a severity (`error`, `warning`, `info`) and a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Start offset.
    pub from: usize,
    /// End offset.
    pub to: usize,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: String,
    /// The title of the problem's quick fix, offered in the marker's tooltip.
    pub fix: Option<String>,
    /// The problem's position in the problems list, given back with the fix's title.
    pub problem: usize,
}

impl Editor {
    /// Creates an editor in `parent`; `None` when the editor bundle is not loaded.
    /// `on_fix` is called with a problem's position and its fix's title when the fix is chosen
    /// in a marker's tooltip; `on_undo` and `on_redo` take the editor's undo and redo keys.
    pub fn create(
        parent: &web_sys::HtmlElement,
        text: &str,
        yaml: bool,
        on_change: impl Fn(String) + 'static,
        on_fix: impl Fn(f64, String) + 'static,
        on_undo: impl Fn() + 'static,
        on_redo: impl Fn() + 'static,
    ) -> Option<Editor> {
        let options = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&options, &JsValue::from_str(key), value).ok();
        set("text", &JsValue::from_str(text));
        set("language", &JsValue::from_str(if yaml { "yaml" } else { "json" }));
        // Typing is read after a pause: 120 ms for a 300 KB definition, 25 ms for a short one
        // (1 ms per 2,500 characters between the two; reading costs about that).
        set("changeDelayMs", &JsValue::from_f64(120.0));
        set("minChangeDelayMs", &JsValue::from_f64(25.0));
        // The first change after such a pause (a paste, a word typed over, one key) is read as
        // soon as it is painted, so it reaches the graph without waiting for the pause; typing
        // that goes on is read at its next pause.
        set("reportFirstAtOnce", &JsValue::TRUE);
        let callback = Closure::<dyn Fn(String)>::new(on_change);
        set("onChange", callback.as_ref());
        let fix_callback = Closure::<dyn Fn(f64, String)>::new(on_fix);
        set("onFix", fix_callback.as_ref());
        let (undo_callback, redo_callback) = (Closure::<dyn Fn()>::new(on_undo), Closure::<dyn Fn()>::new(on_redo));
        set("onUndo", undo_callback.as_ref());
        set("onRedo", redo_callback.as_ref());
        // The editor calls back for as long as it lives; `destroy` ends that.
        callback.forget();
        fix_callback.forget();
        undo_callback.forget();
        redo_callback.forget();
        editor_create(parent, &options).ok().map(Editor)
    }

    /// Replaces the text (no change callback).
    pub fn set_text(self, text: &str) {
        let _ = editor_set_text(self.0, text);
    }

    /// JSON or YAML highlighting.
    pub fn set_yaml(self, yaml: bool) {
        let _ = editor_set_language(self.0, if yaml { "yaml" } else { "json" });
    }

    /// Shows markers in the text and the gutter. They were found in the text the editor last
    /// reported or was given; it moves them by what was typed since.
    pub fn set_markers(self, markers: &[Marker]) {
        let array = js_sys::Array::new();
        for marker in markers {
            let object = js_sys::Object::new();
            let set = |key: &str, value: JsValue| js_sys::Reflect::set(&object, &JsValue::from_str(key), &value).ok();
            set("from", JsValue::from_f64(marker.from as f64));
            set("to", JsValue::from_f64(marker.to as f64));
            set("severity", JsValue::from_str(marker.severity));
            set("message", JsValue::from_str(&marker.message));
            if let Some(fix) = &marker.fix {
                set("fix", JsValue::from_str(fix));
                set("problem", JsValue::from_f64(marker.problem as f64));
            }
            array.push(&object);
        }
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str("ofReported"), &JsValue::TRUE);
        let _ = editor_set_diagnostics(self.0, &array, &options);
    }

    /// Selects a range and scrolls to it.
    pub fn select(self, from: usize, to: usize) {
        let _ = editor_select(self.0, from as f64, to as f64);
    }

    /// Marks the lines of a range (none for an empty one) and scrolls them into view (the first
    /// to the top when `top`, else only as far as needed), unless the editor has the focus:
    /// someone typing there keeps their place.
    pub fn reveal(self, from: usize, to: usize, top: bool) {
        let _ = editor_reveal(self.0, from as f64, to as f64, top);
    }

    /// Reports text typed in the last moments (held back until typing pauses) through the
    /// change callback now, so what is read next is what the person sees. Never call it while
    /// the model is borrowed: the callback changes the model. Whether there was such text.
    pub fn flush(self) -> bool {
        editor_flush(self.0).unwrap_or(false)
    }

    /// Removes the editor.
    pub fn destroy(self) {
        let _ = editor_destroy(self.0);
    }
}

/// Whether the editor bundle has been loaded.
pub fn editor_loaded() -> bool {
    web_sys::window()
        .is_some_and(|window| js_sys::Reflect::has(&window, &JsValue::from_str("StatehouseEditor")).unwrap_or(false))
}

/// Offers `text` as a file download named `file_name`.
pub fn download(file_name: &str, text: &str, mime: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(anchor) =
        document.create_element("a").map(|element| element.unchecked_into::<web_sys::HtmlAnchorElement>())
    {
        anchor.set_href(&url);
        anchor.set_download(file_name);
        if let Some(body) = document.body() {
            let _ = body.append_child(&anchor);
            anchor.click();
            let _ = body.remove_child(&anchor);
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The draft kept in `sessionStorage` for the tab and in `localStorage` for the next visit, so
/// a reload (or a crash of the tab) loses nothing, even with the designer open in other tabs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The design's name.
    pub name: String,
    /// `json` or `yaml`.
    pub format: String,
    /// The text as opened.
    pub original: String,
    /// The current text.
    pub text: String,
    /// Placed positions.
    pub positions: BTreeMap<String, Position>,
    /// What was last opened, saved or exported (absent in drafts of older versions: then the
    /// text as opened, with no placed positions).
    #[serde(default)]
    pub kept: Option<Kept>,
}

const DRAFT_KEY: &str = "statehouse.designer.draft.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The tab's own storage, which a reload keeps and other tabs do not share.
fn tab_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The draft to open with: this tab's own (a reload), else the last one any tab kept (a new
/// tab or visit). Another tab's work never replaces this tab's on a reload.
pub fn load_draft() -> Option<Draft> {
    let text = [tab_storage(), storage()]
        .into_iter()
        .flatten()
        .find_map(|storage| storage.get_item(DRAFT_KEY).ok().flatten())?;
    serde_json::from_str(&text).ok()
}

/// Keeps the draft for this tab and for the next visit.
pub fn save_draft(draft: &Draft) {
    let Ok(text) = serde_json::to_string(draft) else { return };
    for storage in [tab_storage(), storage()].into_iter().flatten() {
        let _ = storage.set_item(DRAFT_KEY, &text);
    }
}

/// A designer preference kept in `localStorage` (the minimap hidden, say), if one was set.
pub fn preference(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Keeps a designer preference for the next visit.
pub fn set_preference(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// What `/designer?open=KEY` asks to open (`machine:ARN` or `design:NAME`, as the execution
/// pages link), taken out of the address at once: a reload then brings back the draft rather
/// than opening the link's target over it again.
pub fn take_open_request() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let search = location.search().ok()?;
    let mut key = None;
    let mut rest = Vec::new();
    for pair in search.trim_start_matches('?').split('&').filter(|pair| !pair.is_empty()) {
        match pair.strip_prefix("open=") {
            Some(value) if key.is_none() => key = Some(crate::executions::percent_decode(&value.replace('+', " "))),
            _ => rest.push(pair),
        }
    }
    let key = key?;
    let path = location.pathname().ok()?;
    let url = if rest.is_empty() { path } else { format!("{path}?{}", rest.join("&")) };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
    Some(key)
}

/// Milliseconds since the page started (`performance.now()`), or 0 outside a browser.
pub fn now() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().and_then(|window| window.performance()).map(|performance| performance.now()).unwrap_or(0.0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Records a `performance.measure` named `name` from `start` (a [`now`] value) to now, for
/// the benchmarks to read.
pub fn measure(name: &str, start: f64) {
    measure_between(name, start, now());
}

/// Records a `performance.measure` named `name` lasting `duration` milliseconds, ending now.
pub fn measure_value(name: &str, duration: f64) {
    let end = now();
    measure_between(name, end - duration, end);
}

/// Records a `performance.mark` named `name` now, for the benchmarks to read.
pub fn mark(name: &str) {
    if !cfg!(target_arch = "wasm32") {
        return;
    }
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

fn measure_between(name: &str, start: f64, end: f64) {
    // `performance.measure(name, {start, end})`, called dynamically: web-sys binds this form
    // only behind its unstable APIs. Only in the browser: elsewhere there is no clock to mark.
    if !cfg!(target_arch = "wasm32") {
        return;
    }
    let Some(performance) = web_sys::window().and_then(|window| window.performance()) else { return };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("start"), &JsValue::from_f64(start));
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("end"), &JsValue::from_f64(end));
    if let Ok(measure) = js_sys::Reflect::get(&performance, &JsValue::from_str("measure"))
        && let Ok(measure) = measure.dyn_into::<js_sys::Function>()
    {
        let _ = measure.call2(&performance, &JsValue::from_str(name), &options);
    }
}

/// Reads a file's text.
pub async fn read_file(file: web_sys::File) -> Result<String, String> {
    let promise = file.text();
    let value = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|error| format!("{} could not be read: {error:?}", file.name()))?;
    value.as_string().ok_or_else(|| format!("{} is not text", file.name()))
}

/// The files of a file input or a drop, in order.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|index| list.get(index)).collect()
}

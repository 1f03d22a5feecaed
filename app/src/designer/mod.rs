//! The designer at `/designer`: a state machine edited as a graph and as ASL text, kept in step.
//!
//! One [`Designer`] (a bundle of signals, `Copy`) is shared by the parts of the page: the
//! toolbar (open, templates, undo/redo, export), the [`palette`], the [`canvas`], the code view
//! ([`code`]), the [`problems`] list and the side panels. Every change goes through the
//! [`model::Model`], which turns gestures into `asl::edit` edits and keeps the undo history;
//! the picture ([`scene::Scene`]) and the problems are derived from it.
//!
//! The page is rendered in the browser by the designer's bundle (the server sends a loading
//! notice in its place, see `crate::shell`). It starts from a starter template and restores
//! the draft of the last visit at once (this tab's own after a reload), so a reload loses
//! nothing.

pub mod browser;
pub mod canvas;
pub mod code;
pub mod cost;
pub mod inspector;
mod keyed;
pub mod model;
pub mod palette;
pub mod problems;
pub mod saved;
pub mod scene;
pub mod simulate;
pub mod test_run;
pub mod toolbar;

use std::collections::BTreeSet;

use asl::{
    SourceFormat,
    edit::Edit,
    lint::WorkflowType,
    templates::{PALETTE, TEMPLATES},
};
use leptos::{ev, prelude::*, wasm_bindgen::JsCast, web_sys};
use leptos_meta::Title;

use browser::{Editor, Marker};
use model::{Model, Position, Sidecar, Utf16Offsets, unique_name};
use problems::Problem;
use scene::{EdgeField, Scene, resolve, scope_of};

/// A message shown under the toolbar: an error (an edit refused, a file unreadable) or news.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// Whether it reports a failure.
    pub error: bool,
    /// The text.
    pub text: String,
}

/// A design waiting to be opened until the person says whether to drop the unsaved work of the
/// current one.
#[derive(Clone, Debug)]
pub struct PendingOpen {
    /// The design to open.
    pub model: Model,
    /// The current design's name.
    pub current: String,
    /// What the current design would lose.
    pub unsaved: model::Unsaved,
    /// What to do once it is open (a restored version is made on the server then).
    pub then: Option<Callback<()>>,
}

/// The designer's shared state.
#[derive(Clone, Copy)]
pub struct Designer {
    /// The design.
    pub model: RwSignal<Model>,
    /// The picture of the design's last readable tree.
    pub scene: Memo<Option<Scene>>,
    /// Validation errors and lint warnings of the model's text, updated in a task after the
    /// frame that shows a change (see [`Designer::new`]).
    pub problems: RwSignal<Vec<Problem>>,
    /// The problems as code markers.
    pub markers: Memo<Vec<Marker>>,
    /// Errors and warnings per state name.
    counts: Memo<std::collections::BTreeMap<String, (usize, usize)>>,
    /// The selected state's name.
    pub selected: RwSignal<Option<String>>,
    /// Bumped in a task after the frame that shows a change of the model (once per burst), or at
    /// once for typing, which the code view already shows: the picture (the scene) and the
    /// inspector follow this rather than the model, so an edit reaches the code view in the first
    /// frame and the form is refreshed after it has been painted.
    pub settled: RwSignal<u64>,
    /// A rename waiting for that task to select the state under its new name: (old, new).
    renamed: StoredValue<Option<(String, String)>>,
    /// The last notice.
    pub notice: RwSignal<Option<Notice>>,
    /// Standard or Express (for lint and cost).
    pub workflow: RwSignal<WorkflowType>,
    /// Bumped whenever a new document is opened (the canvas fits it).
    pub opened: RwSignal<u64>,
    /// A copied state: its name and definition.
    pub clipboard: RwSignal<Option<(String, serde_json::Value)>>,
    /// The code editor, once created.
    pub editor: StoredValue<Option<Editor>>,
    /// Which of the model's texts ([`Model::revision`]) the code editor shows.
    shown_in_editor: StoredValue<u64>,
    /// The side panel shown (`inspector`, `simulate`, `cost`, `versions`); hidden panels skip
    /// their work (the cost panel's Monte Carlo).
    pub panel: RwSignal<&'static str>,
    /// A design asked to be opened over unsaved work: shown as a question until answered.
    pub pending_open: RwSignal<Option<PendingOpen>>,
    /// Bumped when the design is saved or exported (the draft keeps what was written out; the
    /// model's own subscribers, the picture among them, are not woken for it).
    pub kept: RwSignal<u64>,
}

impl Designer {
    pub(crate) fn new(model: Model) -> Designer {
        let model = RwSignal::new(model);
        let selected = RwSignal::new(None::<String>);
        let renamed = StoredValue::new(None::<(String, String)>);
        // The picture and the inspector's fields follow the model one painted frame later, so
        // the code view shows an edit at once while a large graph is laid out again, and the
        // inspector's form rebuilt, afterwards. A burst of changes is caught up with once, with
        // the latest model. (The inspector follows the selection itself at once.) Typing is the
        // exception: the code view painted it before reporting it, so the picture follows it in
        // the task that reads it.
        let settled = RwSignal::new(0_u64);
        let opened = RwSignal::new(0_u64);
        let pending = StoredValue::new(false);
        let settle = move || {
            // A renamed state stays selected under its new name.
            if let Some((from, to)) = renamed.try_update_value(Option::take).flatten()
                && selected.try_with_untracked(|selected| selected.as_deref() == Some(from.as_str())) == Some(true)
            {
                let _ = selected.try_set(Some(to));
            }
            settled.try_update(|count| *count += 1);
            browser::mark("designer:settled");
        };
        Effect::new(move |previous: Option<()>| {
            model.track();
            if previous.is_none() {
                return;
            }
            // Typing is already shown in the code view: the picture follows it in this task.
            if model.with_untracked(Model::typed_last) {
                settle();
            } else if !pending.get_value() {
                pending.set_value(true);
                after_paint(move || {
                    let _ = pending.try_set_value(false);
                    settle();
                });
            }
        });
        let drawn_for = StoredValue::new(0_u64);
        let scene = Memo::new(move |previous: Option<&Option<Scene>>| {
            settled.track();
            let started = browser::now();
            let mut scene = model.with_untracked(|model| {
                model.shown_root().map(|root| Scene::build(root, model.positions(), &browser::now))
            });
            // An edit keeps the start marker where it was; a document opened starts afresh.
            let document = opened.get_untracked();
            let same_document = drawn_for.get_value() == document;
            drawn_for.set_value(document);
            if let (Some(scene), Some(Some(previous)), true) = (&mut scene, previous, same_document) {
                scene.keep_start_of(previous);
            }
            if let Some(scene) = &scene {
                browser::measure("designer:scene", started);
                browser::measure_value("designer:layout", scene.layout_ms);
            }
            scene
        });
        let workflow = RwSignal::new(WorkflowType::Standard);
        // Problems (validation and lint of the whole definition, located in the text) are found
        // at once for the first model, so the first picture shows them; after that, in a task after the frame that shows a change, so an edit reaches
        // the code view and the canvas first. A burst of changes is checked once, with the
        // latest text, and a change that leaves the text alone (a moved node) checks nothing.
        let first = model.with_untracked(|model| ProblemsKey::of(model, WorkflowType::Standard));
        let problems = RwSignal::new(model.with_untracked(|model| find_problems(model, WorkflowType::Standard)));
        let checked = StoredValue::new(first);
        let check_pending = StoredValue::new(false);
        Effect::new(move |_| {
            model.track();
            workflow.track();
            if check_pending.get_value() {
                return;
            }
            check_pending.set_value(true);
            after_paint(move || {
                let _ = check_pending.try_set_value(false);
                let Some(kind) = workflow.try_get_untracked() else { return };
                let Some(fresh) = model.try_with_untracked(|model| {
                    let unchanged = checked.with_value(|checked| checked.is(model, kind));
                    (!unchanged).then(|| (ProblemsKey::of(model, kind), find_problems(model, kind)))
                }) else {
                    return;
                };
                if let Some((key, found)) = fresh {
                    checked.set_value(key);
                    if problems.with_untracked(|problems| *problems != found) {
                        problems.set(found);
                    }
                }
            });
        });
        let markers = Memo::new(move |_| {
            problems.with(|problems| {
                problems
                    .iter()
                    .enumerate()
                    .map(|(index, problem)| Marker {
                        from: problem.from,
                        to: problem.to,
                        severity: problem.severity,
                        message: format!("{} ({})", problem.message, problem.code),
                        fix: problem.fix.as_ref().map(|fix| fix.0.title.clone()),
                        problem: index,
                    })
                    .collect()
            })
        });
        let counts = Memo::new(move |_| {
            problems.with(|problems| {
                let mut counts = std::collections::BTreeMap::<String, (usize, usize)>::new();
                for problem in problems {
                    if let Some(state) = &problem.state {
                        let count = counts.entry(state.clone()).or_default();
                        if problem.severity == "error" {
                            count.0 += 1;
                        } else {
                            count.1 += 1;
                        }
                    }
                }
                counts
            })
        });
        Designer {
            model,
            scene,
            problems,
            markers,
            counts,
            selected,
            settled,
            renamed,
            notice: RwSignal::new(None),
            workflow,
            opened,
            clipboard: RwSignal::new(None),
            editor: StoredValue::new(None),
            shown_in_editor: StoredValue::new(0),
            panel: RwSignal::new("inspector"),
            pending_open: RwSignal::new(None),
            kept: RwSignal::new(0),
        }
    }

    /// Brings the code editor's text up to the model's, unless it shows that text already
    /// (typed there, or sent before): a large definition is then neither copied to the editor
    /// nor compared with its text.
    pub(crate) fn show_in_editor(self, editor: Editor, model: &Model) {
        if self.shown_in_editor.get_value() != model.revision() {
            editor.set_text(model.text());
            self.shown_in_editor.set_value(model.revision());
        }
    }

    /// Marks the model's current text as the one the code editor shows (it was created with it).
    pub(crate) fn editor_shows(self, revision: u64) {
        self.shown_in_editor.set_value(revision);
    }

    /// Takes into the model what was just typed in the code view and is still held back until
    /// typing pauses: every gesture, undo, export, save and run starts with it, so none of them
    /// works on (or writes out) the text without the last keystrokes, and the code view never
    /// replaces them with the model's older text. Whether there was such typing.
    pub fn take_typing(self) -> bool {
        self.editor.try_get_value().flatten().is_some_and(Editor::flush)
    }

    fn say(self, error: bool, text: impl Into<String>) {
        self.notice.set(Some(Notice { error, text: text.into() }));
    }

    /// Opens a definition as a new design. Over unsaved work (changes or moved states not saved
    /// or exported since the current design was opened) it asks first: the design waits in
    /// [`Designer::pending_open`] until [`Designer::confirm_open`] or [`Designer::cancel_open`].
    pub fn open(self, model: Model) {
        self.open_then(model, None);
    }

    /// [`Designer::open`], then `then` once the design is open; if the person keeps the unsaved
    /// work instead, `then` never runs.
    pub fn open_then(self, model: Model, then: Option<Callback<()>>) {
        self.take_typing();
        let unsaved =
            self.model.with_untracked(|current| current.unsaved().map(|unsaved| (current.name.clone(), unsaved)));
        match unsaved {
            Some((current, unsaved)) => self.pending_open.set(Some(PendingOpen { model, current, unsaved, then })),
            None => {
                self.replace(model);
                if let Some(then) = then {
                    then.run(());
                }
            }
        }
    }

    /// Opens the design that waited, dropping the unsaved work.
    pub fn confirm_open(self) {
        if let Some(pending) = self.pending_open.try_update(Option::take).flatten() {
            self.replace(pending.model);
            if let Some(then) = pending.then {
                then.run(());
            }
        }
    }

    /// Keeps the current design; the one that waited is not opened.
    pub fn cancel_open(self) {
        if let Some(pending) = self.pending_open.try_update(Option::take).flatten() {
            self.say(false, format!("Kept {} open; {} was not opened.", pending.current, pending.model.name));
        }
    }

    /// Notes what was just written out (saved or exported) as kept.
    pub fn mark_kept(self, mark: impl FnOnce(&mut Model)) {
        self.model.update_untracked(mark);
        self.kept.update(|count| *count += 1);
    }

    fn replace(self, model: Model) {
        let name = model.name.clone();
        self.model.set(model);
        self.selected.set(None);
        self.opened.update(|count| *count += 1);
        self.say(false, format!("Opened {name}."));
    }

    /// Opens dropped or chosen files: a definition, optionally with its layout sidecar.
    pub fn open_files(self, files: Vec<web_sys::File>) {
        leptos::task::spawn_local(async move {
            let mut definition = None;
            let mut sidecar = None;
            for file in files {
                let name = file.name();
                match browser::read_file(file).await {
                    Ok(text) if name.to_ascii_lowercase().ends_with(".layout.json") => sidecar = Some((name, text)),
                    Ok(text) => definition = Some((name, text)),
                    Err(error) => return self.say(true, error),
                }
            }
            let positions = match &sidecar {
                Some((name, text)) => match Sidecar::parse(text) {
                    Ok(sidecar) => Some(sidecar.positions),
                    Err(error) => return self.say(true, format!("{name}: {error}")),
                },
                None => None,
            };
            match (definition, positions) {
                (Some((name, text)), positions) => {
                    let model = Model::open_file(&name, &text);
                    let error = model.syntax_error().map(|error| error.message.clone());
                    self.open(model.with_positions(positions.unwrap_or_default()));
                    if let Some(error) = error {
                        self.say(true, format!("{name} opened, but it cannot be read yet: {error}"));
                    }
                }
                (None, Some(positions)) => {
                    self.take_typing();
                    self.model.update(|model| model.set_positions(positions));
                    self.say(false, "Layout applied.");
                }
                (None, None) => {}
            }
        });
    }

    /// Replaces the text with what was typed in the code view. A state renamed there keeps its
    /// place on the canvas and, when selected, stays selected under its new name.
    pub fn type_text(self, text: &str) {
        let mut renames = Vec::new();
        let now = browser::now();
        self.model.maybe_update(|model| match model.type_text(text, now) {
            Some(renamed) => {
                renames = renamed;
                true
            }
            None => false,
        });
        // The code view shows what was typed: it is not sent back to it.
        self.shown_in_editor.set_value(self.model.with_untracked(Model::revision));
        if let Some(selected) = self.selected.get_untracked()
            && let Some((_, to)) = renames.into_iter().find(|(from, _)| *from == selected)
        {
            self.selected.set(Some(to));
        }
    }

    /// Applies an edit (one undo step); a refusal becomes a notice.
    pub fn edit(self, label: &str, edit: Edit) -> bool {
        self.edit_placing(label, edit, |_| {})
    }

    fn edit_placing(
        self,
        label: &str,
        edit: Edit,
        place: impl FnOnce(&mut std::collections::BTreeMap<String, Position>),
    ) -> bool {
        self.take_typing();
        let started = browser::now();
        let mut outcome = Ok(());
        self.model.maybe_update(|model| {
            outcome = model.apply_with_positions(label, &edit, place);
            outcome.is_ok()
        });
        browser::measure("designer:edit", started);
        match outcome {
            Ok(()) => {
                self.notice.set(None);
                true
            }
            Err(error) => {
                self.say(true, format!("Cannot {label}: {error}"));
                false
            }
        }
    }

    /// Every state's name, from the model (the picture is a frame behind a fresh edit).
    fn names(self) -> BTreeSet<String> {
        self.model.with_untracked(|model| model.shown_root().map(model::state_names).unwrap_or_default())
    }

    fn place(self, name: &str) -> Option<model::StatePlace> {
        self.scene.with_untracked(|scene| scene.as_ref().and_then(|scene| scene.places.get(name).cloned()))
    }

    fn state_value(self, name: &str) -> Option<serde_json::Value> {
        let place = self.place(name)?;
        self.model.with_untracked(|model| {
            model.root().and_then(|root| resolve(root, &place.pointer)).map(|node| node.to_serde())
        })
    }

    fn scope_has_start(self, scope: &str) -> bool {
        self.model.with_untracked(|model| {
            model.root().is_some_and(|root| {
                let start =
                    resolve(root, &format!("{scope}/StartAt")).and_then(|node| node.as_str().map(str::to_string));
                start.is_some_and(|start| {
                    resolve(root, &format!("{scope}/States")).and_then(|states| states.get(&start)).is_some()
                })
            })
        })
    }

    /// Adds a new state: its definition, in `scope`, at `position` (or below everything). The
    /// states in its branches or item processor get names no other state has.
    pub fn add_state(
        self,
        base_name: &str,
        mut state: serde_json::Value,
        scope: String,
        position: Option<Position>,
    ) -> Option<String> {
        let mut taken = self.names();
        let name = unique_name(base_name, &taken);
        taken.insert(name.clone());
        model::rename_inner_states(&mut state, &mut taken);
        // Given where it is drawn; kept from the layout's (0, 0).
        let position = self.scene.with_untracked(|scene| {
            let Some(scene) = scene else { return position.unwrap_or(Position { x: 40.0, y: 40.0 }) };
            let drawn =
                position.unwrap_or(Position { x: scene.origin.0 + 40.0, y: scene.origin.1 + scene.height + 40.0 });
            scene.position_at(drawn.x, drawn.y)
        });
        let mut edits = vec![Edit::AddState { scope: scope.clone(), name: name.clone(), state }];
        if !self.scope_has_start(&scope) {
            edits.push(Edit::SetField {
                pointer: format!("{scope}/StartAt"),
                value: serde_json::Value::String(name.clone()),
            });
        }
        let placed = name.clone();
        if self.edit_placing(&format!("add {name}"), Edit::Batch(edits), move |positions| {
            positions.insert(placed, position);
        }) {
            self.selected.set(Some(name.clone()));
            Some(name)
        } else {
            None
        }
    }

    /// Adds a palette item, dropped at `position` (into the box under it) or, without one,
    /// into the selected state's scope.
    pub fn add_from_palette(self, id: &str, position: Option<Position>) {
        let Some(item) = PALETTE.iter().find(|item| item.id == id) else {
            return self.say(true, format!("There is no palette item {id:?}."));
        };
        let Ok(state) = serde_json::from_str::<serde_json::Value>(item.state_json) else { return };
        let scope = match position {
            Some(position) => self.scene.with_untracked(|scene| {
                scene
                    .as_ref()
                    .map(|scene| scene.scope_at(position.x + 60.0, position.y + 24.0, None))
                    .unwrap_or_default()
            }),
            None => self
                .selected
                .get_untracked()
                .and_then(|name| self.place(&name))
                .map(|place| place.scope)
                .unwrap_or_default(),
        };
        // A JSONata machine gets the state in JSONata (a state placed inside a Parallel or Map
        // of its own JSONata still inherits the machine's language, as on AWS).
        let jsonata = self.model.with_untracked(|model| {
            model.root().is_some_and(|root| asl::templates::jsonata::inherited_language(root) == "JSONata")
        });
        let state = if jsonata { asl::templates::jsonata::state_in_jsonata(&state) } else { state };
        self.add_state(item.base_name, state, scope, position);
    }

    /// Connects `from` to `to` (a state name, or `#end`): `Next` for most states; for a Choice,
    /// its `Default` when it has none, else a new rule to fill in.
    pub fn connect(self, from: &str, to: &str) {
        if from == to {
            return;
        }
        let Some(source) = self.place(from) else { return };
        let state_type = self
            .state_value(from)
            .and_then(|value| value.get("Type").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        let label = format!("connect {from} to {}", if to == "#end" { "the end" } else { to });
        if matches!(state_type.as_str(), "Succeed" | "Fail") {
            return self
                .say(true, format!("Cannot {label}: a {state_type} state ends its branch and has no transition."));
        }
        let has = |field: &str| self.state_value(from).is_some_and(|value| value.get(field).is_some());
        if to == "#end" {
            if state_type == "Choice" {
                return self.say(
                    true,
                    format!("Cannot {label}: a Choice state cannot end the execution; add a Succeed state."),
                );
            }
            let mut edits = Vec::new();
            if has("Next") {
                edits.push(Edit::RemoveField { pointer: format!("{}/Next", source.pointer) });
            }
            edits.push(Edit::SetField {
                pointer: format!("{}/End", source.pointer),
                value: serde_json::Value::Bool(true),
            });
            self.edit(&label, Edit::Batch(edits));
            return;
        }
        let Some(target) = self.place(to) else { return };
        if target.scope != source.scope {
            return self.say(
                true,
                format!("Cannot {label}: they are in different scopes, and a transition cannot leave a Parallel branch or a Map."),
            );
        }
        let name = serde_json::Value::String(to.to_string());
        let edits = if state_type == "Choice" {
            if has("Default") {
                let jsonata = self.scene.with_untracked(|scene| {
                    scene
                        .as_ref()
                        .and_then(|scene| scene.node(&source.pointer))
                        .is_some_and(|node| node.query_language == "JSONata")
                });
                let rule = if jsonata {
                    serde_json::json!({ "Condition": "{% true %}", "Next": to })
                } else {
                    serde_json::json!({ "Variable": "$", "IsPresent": true, "Next": to })
                };
                let pointer = if has("Choices") {
                    format!("{}/Choices/-", source.pointer)
                } else {
                    format!("{}/Choices", source.pointer)
                };
                let value = if has("Choices") { rule } else { serde_json::Value::Array(vec![rule]) };
                vec![Edit::SetField { pointer, value }]
            } else {
                vec![Edit::SetField { pointer: format!("{}/Default", source.pointer), value: name }]
            }
        } else {
            let mut edits = vec![Edit::SetField { pointer: format!("{}/Next", source.pointer), value: name }];
            if has("End") {
                edits.push(Edit::RemoveField { pointer: format!("{}/End", source.pointer) });
            }
            edits
        };
        if self.edit(&label, Edit::Batch(edits)) {
            self.selected.set(Some(from.to_string()));
        }
    }

    /// Points the transition an edge stands for at another state (or, for a `Next`, the end).
    pub fn reconnect(self, field: &EdgeField, to: &str) {
        let label = format!("reconnect to {}", if to == "#end" { "the end" } else { to });
        match field {
            EdgeField::Fixed => {}
            EdgeField::StartAt(scope) => {
                if self.place(to).is_some_and(|target| &target.scope == scope) {
                    self.edit(
                        &label,
                        Edit::SetField {
                            pointer: format!("{scope}/StartAt"),
                            value: serde_json::Value::String(to.into()),
                        },
                    );
                } else {
                    self.say(true, format!("Cannot {label}: the start must be a state of the same scope."));
                }
            }
            EdgeField::Field(pointer) => {
                if to == "#end" {
                    if let Some(state) = pointer.strip_suffix("/Next") {
                        self.edit(
                            &label,
                            Edit::Batch(vec![
                                Edit::RemoveField { pointer: pointer.clone() },
                                Edit::SetField {
                                    pointer: format!("{state}/End"),
                                    value: serde_json::Value::Bool(true),
                                },
                            ]),
                        );
                    } else {
                        self.say(true, format!("Cannot {label}: only a Next can become an End."));
                    }
                    return;
                }
                let scope = scope_of(pointer);
                if self.place(to).is_some_and(|target| target.scope == scope) {
                    self.edit(
                        &label,
                        Edit::SetField { pointer: pointer.clone(), value: serde_json::Value::String(to.into()) },
                    );
                } else {
                    self.say(true, format!("Cannot {label}: a transition cannot leave its scope."));
                }
            }
        }
    }

    /// A node was dragged by `delta`: keep its new place, and move it into (or out of) the
    /// Parallel branch or Map its centre is now in; when the definition refuses that move (a
    /// transition would cross scopes), the node stays where it was and a notice says why.
    pub fn drop_state(self, name: &str, delta: (f64, f64)) {
        self.take_typing();
        let Some(place) = self.place(name) else { return };
        // A Parallel or a Map moves with everything inside it.
        let Some((moves, target_scope)) = self.scene.with_untracked(|scene| {
            let scene = scene.as_ref()?;
            let node = scene.node(&place.pointer)?;
            let centre = (node.x + delta.0 + node.width / 2.0, node.y + delta.1 + node.height / 2.0);
            let moves: Vec<(String, Position)> = scene
                .nodes
                .iter()
                .filter(|node| !node.marker && scene::within(&place.pointer, &node.id))
                .map(|node| (node.name.clone(), scene.position_at(node.x + delta.0, node.y + delta.1)))
                .collect();
            Some((moves, scene.scope_at(centre.0, centre.1, Some(&place.pointer))))
        }) else {
            return;
        };
        let label = format!("move {name}");
        if target_scope != place.scope {
            // A move the definition refuses leaves the state where it was: drawn where it was
            // dropped, inside a branch or a Map it is not in, the picture would say otherwise.
            self.edit_placing(
                &label,
                Edit::MoveState { from_scope: place.scope.clone(), name: name.to_string(), to_scope: target_scope },
                |positions| positions.extend(moves),
            );
            return;
        }
        self.model.update(|model| model.move_states(&label, moves));
    }

    /// Removes a state.
    pub fn delete(self, name: &str) {
        let Some(place) = self.place(name) else { return };
        // A Parallel or a Map goes with the states inside it, and so do their positions.
        let mut removed = self.model.with_untracked(|model| {
            model
                .root()
                .and_then(|root| resolve(root, &place.pointer))
                .map(model::inner_state_names)
                .unwrap_or_default()
        });
        removed.insert(name.to_string());
        if self.edit_placing(
            &format!("delete {name}"),
            Edit::RemoveState { scope: place.scope, name: name.into() },
            |positions| positions.retain(|state, _| !removed.contains(state)),
        ) {
            self.selected.set(None);
        }
    }

    /// Renames a state; every transition to it follows.
    pub fn rename(self, from: &str, to: &str) -> bool {
        let to = to.trim();
        if to == from {
            return true;
        }
        let Some(place) = self.place(from) else { return false };
        let renamed = self.edit(
            &format!("rename {from} to {to}"),
            Edit::RenameState { scope: place.scope, from: from.into(), to: to.into() },
        );
        if renamed {
            // Selected under its new name in the task after the frame that shows the new text,
            // with the picture and the inspector (see `Designer::new`): a new selection now
            // would rebuild the inspector's form before that frame.
            self.renamed.set_value(Some((from.to_string(), to.to_string())));
        }
        renamed
    }

    /// Adds a copy of a state next to it.
    pub fn duplicate(self, name: &str) {
        let (Some(place), Some(value)) = (self.place(name), self.state_value(name)) else { return };
        let position = self.node_position(name).map(|position| Position { x: position.x + 30.0, y: position.y + 30.0 });
        self.add_state(&format!("{name} copy"), value, place.scope, position);
    }

    fn node_position(self, name: &str) -> Option<Position> {
        let place = self.place(name)?;
        self.scene.with_untracked(|scene| {
            scene.as_ref().and_then(|scene| scene.node(&place.pointer)).map(|node| Position { x: node.x, y: node.y })
        })
    }

    /// Copies the selected state; false when no state is selected.
    pub fn copy(self) -> bool {
        self.take_typing();
        if let Some(name) = self.selected.get_untracked()
            && let Some(value) = self.state_value(&name)
        {
            self.clipboard.set(Some((name.clone(), value)));
            self.say(false, format!("Copied {name}."));
            return true;
        }
        false
    }

    /// Pastes the copied state into the selected state's scope.
    pub fn paste(self) {
        let Some((name, value)) = self.clipboard.get_untracked() else { return };
        let scope = self
            .selected
            .get_untracked()
            .and_then(|selected| self.place(&selected))
            .map(|place| place.scope)
            .unwrap_or_default();
        let position = self
            .selected
            .get_untracked()
            .and_then(|selected| self.node_position(&selected))
            .map(|p| Position { x: p.x + 40.0, y: p.y + 70.0 });
        self.add_state(&name, value, scope, position);
    }

    /// Undoes the last change. A selected state that the undo renames stays selected.
    pub fn undo(self) {
        self.step_history(Model::undo);
    }

    /// Redoes the last undone change. A selected state that the redo renames stays selected.
    pub fn redo(self) {
        self.step_history(Model::redo);
    }

    /// An undo or a redo (`step` says whether there was one), after what was just typed.
    fn step_history(self, step: fn(&mut Model) -> bool) {
        self.take_typing();
        let before = self.model.with_untracked(Model::shown_tree);
        let mut changed = false;
        self.model.maybe_update(|model| {
            changed = step(model);
            changed
        });
        if changed {
            self.follow_renames(before);
        }
    }

    /// Selects the selected state under its new name when the tree `before` a change had it
    /// under another.
    fn follow_renames(self, before: Option<std::sync::Arc<asl::json::Node>>) {
        let Some(selected) = self.selected.get_untracked() else { return };
        let renamed = self.model.with_untracked(|model| {
            let (before, after) = (before?, model.shown_root()?);
            model::renamed_states(&before, after).into_iter().find(|(from, _)| *from == selected).map(|(_, to)| to)
        });
        if let Some(to) = renamed {
            self.selected.set(Some(to));
        }
    }

    /// Forgets placed positions.
    pub fn auto_layout(self) {
        self.take_typing();
        self.model.maybe_update(|model| {
            let had = !model.positions().is_empty();
            model.reset_positions();
            had
        });
    }
}

/// What problems were last found for: the text, its format and the workflow type.
struct ProblemsKey {
    text: String,
    yaml: bool,
    workflow: WorkflowType,
}

impl ProblemsKey {
    fn of(model: &Model, workflow: WorkflowType) -> ProblemsKey {
        ProblemsKey { text: model.text().to_string(), yaml: model.is_yaml(), workflow }
    }

    fn is(&self, model: &Model, workflow: WorkflowType) -> bool {
        self.workflow == workflow && self.yaml == model.is_yaml() && self.text == model.text()
    }
}

/// Validation errors and lint warnings of the model's text, ready to show.
fn find_problems(model: &Model, workflow: WorkflowType) -> Vec<Problem> {
    let started = browser::now();
    let offsets = Utf16Offsets::new(model.text());
    let places = model.shown_root().map(|root| model::state_places(&asl::graph::graph(root))).unwrap_or_default();
    let found = model
        .problems(workflow)
        .into_iter()
        .map(|diagnostic| Problem {
            severity: diagnostic.severity.as_str(),
            code: diagnostic.code,
            state: model::state_of_pointer(&places, &diagnostic.pointer).map(|place| place.name.clone()),
            from: offsets.of(diagnostic.span.start),
            to: offsets.of(diagnostic.span.end),
            message: diagnostic.message,
            line: diagnostic.line,
            column: diagnostic.column,
            fix: diagnostic.fix.map(|fix| problems::QuickFix(std::sync::Arc::new(fix))),
        })
        .collect();
    browser::measure("designer:problems", started);
    found
}

/// Whether text is selected on the page (outside the fields, which the shortcuts leave alone).
fn page_text_selected() -> bool {
    window().get_selection().ok().flatten().is_some_and(|selection| !selection.is_collapsed())
}

/// Runs `work` in a task after the next frame has been rendered: the browser paints what is
/// already there first. In the browser only; elsewhere nothing runs.
pub(crate) fn after_paint(work: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(work, std::time::Duration::ZERO));
}

/// The designer page.
#[component]
pub fn DesignerPage() -> impl IntoView {
    let template = &TEMPLATES[0];
    let designer = Designer::new(Model::open(template.id, template.definition, SourceFormat::Json));
    provide_context(designer);

    // Restore the last visit's draft, then keep the draft up to date: saved (the text twice,
    // as opened and as edited) in a task after the frame that shows a change, once per burst
    // of changes, and at once should the page be left before that.
    let draft_pending = StoredValue::new(false);
    let save_draft = move || {
        if draft_pending.try_get_value() != Some(true) {
            return;
        }
        draft_pending.set_value(false);
        designer.model.try_with_untracked(|model| {
            browser::save_draft(&browser::Draft {
                name: model.name.clone(),
                format: if model.is_yaml() { "yaml".into() } else { "json".into() },
                original: model.original().to_string(),
                text: model.text().to_string(),
                positions: model.positions().clone(),
                kept: Some(model.kept()),
            })
        });
    };
    Effect::new(move |restored: Option<bool>| {
        if restored.is_none()
            && let Some(draft) = browser::load_draft()
        {
            let format = if draft.format == "yaml" { SourceFormat::Yaml } else { SourceFormat::Json };
            let restored = Model::restore(&draft.name, format, &draft.original, &draft.text, draft.positions);
            designer.model.set(match draft.kept {
                Some(kept) => restored.with_kept(kept),
                None => restored,
            });
            designer.opened.update(|count| *count += 1);
            designer.model.track();
            designer.kept.track();
            return true;
        }
        designer.model.track();
        designer.kept.track();
        if !draft_pending.get_value() {
            draft_pending.set_value(true);
            after_paint(save_draft);
        }
        true
    });
    // Leaving the page keeps what was typed a moment before, which no task will save later
    // (and writes nothing when nothing changed: another tab's draft may be newer).
    let leaving = window_event_listener(ev::pagehide, move |_| {
        if designer.take_typing() {
            draft_pending.set_value(true);
        }
        save_draft();
    });
    on_cleanup(move || {
        save_draft();
        leaving.remove();
    });

    // Keyboard shortcuts, except while typing in a field or the code editor.
    let handle = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        let typing =
            event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()).is_some_and(|element| {
                element.closest("input, textarea, select, .cm-editor, [contenteditable]").ok().flatten().is_some()
            });
        if typing {
            return;
        }
        let command = event.ctrl_key() || event.meta_key();
        let key = event.key();
        let handled = match (command, event.shift_key(), key.as_str()) {
            (true, false, "z" | "Z") => {
                designer.undo();
                true
            }
            (true, true, "z" | "Z") | (true, false, "y" | "Y") => {
                designer.redo();
                true
            }
            // Text selected on the page (a problem, the simulator's output) is copied as text,
            // as on any page; only without it does Ctrl+C copy the selected state.
            (true, false, "c" | "C") if !page_text_selected() => designer.copy(),
            (true, false, "v" | "V") => {
                designer.paste();
                true
            }
            (true, false, "d" | "D") => {
                if let Some(name) = designer.selected.get_untracked() {
                    designer.duplicate(&name);
                }
                true
            }
            (false, _, "Delete" | "Backspace") => match designer.selected.get_untracked() {
                Some(name) => {
                    // A focused state goes with its node: the graph keeps the focus.
                    let on_node = document().active_element().is_some_and(|element| {
                        element.closest("[data-state]").ok().flatten().and_then(|node| node.get_attribute("data-state"))
                            == Some(name.clone())
                    });
                    designer.delete(&name);
                    if on_node
                        && let Some(canvas) = document().query_selector("[data-testid=canvas]").ok().flatten()
                        && let Ok(canvas) = canvas.dyn_into::<web_sys::HtmlElement>()
                    {
                        canvas.focus().ok();
                    }
                    true
                }
                None => false,
            },
            // Escape answers a pending question with "Keep editing" (nothing is lost).
            (false, _, "Escape") if designer.pending_open.with_untracked(Option::is_some) => {
                designer.cancel_open();
                true
            }
            (false, _, "Escape") => {
                designer.selected.set(None);
                designer.notice.set(None);
                true
            }
            _ => false,
        };
        if handled {
            event.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());

    view! {
        <Title text="Designer" />
        <section class="designer" data-testid="designer">
            <toolbar::Toolbar designer />
            {move || {
                designer
                    .notice
                    .get()
                    .map(|notice| {
                        view! {
                            <p class=if notice.error { "notice notice-error" } else { "notice" } role="status" data-testid="notice">
                                {notice.text}
                            </p>
                        }
                    })
            }}
            {move || {
                designer
                    .model
                    .with(|model| model.syntax_error().map(|error| (error.line, error.column, error.message.clone())))
                    .map(|(line, column, message)| {
                        view! {
                            <p class="notice notice-error" data-testid="syntax-error">
                                {format!("Line {line}, column {column}: {message}. The graph shows the last readable version.")}
                            </p>
                        }
                    })
            }}
            <div class="designer-body">
                <palette::Palette designer />
                <div class="designer-main">
                    <canvas::Canvas designer />
                    <SidePanels designer />
                </div>
                <div class="designer-side">
                    <code::CodeView designer />
                    <problems::ProblemsList designer />
                </div>
            </div>
        </section>
    }
}

/// The panels under the canvas: the selected state's fields, the simulator, a test run on the
/// server, the cost and the saved versions.
#[component]
fn SidePanels(designer: Designer) -> impl IntoView {
    let tab = designer.panel;
    let tabs = [
        ("inspector", "Inspector"),
        ("simulate", "Simulate"),
        ("test-run", "Test run"),
        ("cost", "Cost"),
        ("versions", "Save & versions"),
    ];
    let name = Signal::derive(move || designer.model.with(|model| Some(model.name.clone())));
    // What a save sends, remembered so that the save marks exactly that as kept (edits made
    // while it was on its way stay unsaved).
    let saving = StoredValue::new(None::<model::Kept>);
    let snapshot = Callback::new(move |()| {
        designer.take_typing();
        designer.model.with_untracked(|model| {
            saving.set_value(Some(model.snapshot_kept()));
            (model.text().to_string(), model.sidecar().to_json())
        })
    });
    let on_saved = Callback::new(move |_: (String, u32)| {
        if let Some(kept) = saving.get_value() {
            designer.mark_kept(|model| model.set_kept(kept));
        }
    });
    let on_open = Callback::new(move |request: saved::OpenRequest| {
        let saved::OpenRequest { name, definition, layout, then } = request;
        let positions = layout.and_then(|layout| Sidecar::parse(&layout).ok()).map(|sidecar| sidecar.positions);
        let format = model::guess_format("", &definition);
        designer.open_then(Model::open(&name, &definition, format).with_positions(positions.unwrap_or_default()), then);
    });
    view! {
        <div class="panels">
            <div class="tabs" role="tablist">
                {tabs
                    .into_iter()
                    .map(|(id, title)| {
                        view! {
                            <button
                                type="button"
                                role="tab"
                                data-tab=id
                                aria-selected=move || (tab.get() == id).to_string()
                                on:click=move |_| tab.set(id)
                            >
                                {title}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="tab-panel" role="tabpanel">
                <div hidden=move || tab.get() != "inspector">
                    <inspector::Inspector designer />
                </div>
                <div hidden=move || tab.get() != "simulate">
                    <simulate::Simulator designer />
                </div>
                <div hidden=move || tab.get() != "test-run">
                    <test_run::TestRunPanel designer />
                </div>
                <div hidden=move || tab.get() != "cost">
                    <cost::CostPanel designer />
                </div>
                <div hidden=move || tab.get() != "versions">
                    <saved::SavedPanel name snapshot on_open on_saved />
                </div>
            </div>
        </div>
    }
}

//! The designer's document model: the ASL text, its last readable tree, node positions and the
//! undo history, with every gesture expressed as `asl::edit` edits. Pure and platform-free, so
//! it is tested natively and runs unchanged in the browser.
//!
//! The text is the source of truth. A graph gesture applies an [`Edit`] to the tree and prints
//! the tree again in the text's own layout (its indentation, or YAML), so an unedited definition
//! exports byte for byte and an edit changes only what it touched. Code typed by hand replaces the
//! text; while it cannot be read, the graph keeps the last readable tree.
//!
//! Positions are kept by state name, only for states a person has moved; the others take the
//! automatic layout's place. Every change (text, edit, move) is one undo step holding the text and
//! the positions before it, so undo gives back exactly the bytes there were.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use asl::{
    Diagnostic, Document, Severity, SourceFormat,
    edit::{self, Edit},
    graph::{Graph, NodeKind},
    json::{self, Node},
    lint::{LintOptions, WorkflowType},
};
use serde::{Deserialize, Serialize};

/// How many undo steps are kept.
pub const UNDO_LIMIT: usize = 200;

/// A point on the canvas, in layout coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Left edge of the node's box.
    pub x: f64,
    /// Top edge of the node's box.
    pub y: f64,
}

/// The layout sidecar, `NAME.asl.layout.json`: positions only, by state name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The format's version, 1.
    pub version: u32,
    /// Positions of states a person placed, by state name.
    pub positions: BTreeMap<String, Position>,
}

impl Sidecar {
    /// Reads a sidecar, naming what is wrong.
    pub fn parse(text: &str) -> Result<Sidecar, String> {
        let sidecar: Sidecar = serde_json::from_str(text)
            .map_err(|error| format!("the layout file is not a Statehouse layout: {error}"))?;
        if sidecar.version != 1 {
            return Err(format!("the layout file's version is {}; this designer reads version 1", sidecar.version));
        }
        Ok(sidecar)
    }

    /// The sidecar as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One undo or redo step: what there was before a change.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    text: String,
    positions: BTreeMap<String, Position>,
    label: String,
}

/// The design being edited.
#[derive(Clone, Debug)]
pub struct Model {
    /// The design's name (file name without `.asl.json`).
    pub name: String,
    format: SourceFormat,
    original: String,
    text: String,
    /// Shared with `last_readable` (a large definition's tree is not copied twice per edit).
    root: Option<Arc<Node>>,
    last_readable: Option<Arc<Node>>,
    syntax_error: Option<Diagnostic>,
    positions: BTreeMap<String, Position>,
    /// What was last written out (opened, saved or exported), to tell unsaved work apart.
    kept: Kept,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// When typing was last reported, while the undo step on top is that typing's: more typing
    /// soon after joins the step instead of making a new one (see [`Model::type_text`]).
    typing_at: Option<f64>,
    /// Which text this is: a number no other text of any model had (see [`Model::revision`]).
    revision: u64,
}

/// A number for a text no other text was given, across all models of the page.
fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Typing reported within this many milliseconds of the last report is one undo step with it,
/// as an editor groups a burst of keystrokes.
const TYPING_GROUP_MS: f64 = 1_000.0;

/// Fingerprints of the text and of the positions as they were last opened, saved or exported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// FNV-1a of the text.
    pub text: u64,
    /// FNV-1a of the placed positions.
    pub positions: u64,
}

/// What a design holds that was not saved or exported since it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsaved {
    /// The definition changed.
    Definition,
    /// Only states were moved.
    Layout,
    /// Both.
    DefinitionAndLayout,
}

impl Unsaved {
    /// What is unsaved, in words: "the definition", "the layout" or both.
    pub fn describe(self) -> &'static str {
        match self {
            Unsaved::Definition => "the definition",
            Unsaved::Layout => "the layout",
            Unsaved::DefinitionAndLayout => "the definition and the layout",
        }
    }
}

/// 64-bit FNV-1a: a stable fingerprint (the same in every build, so a draft's survives updates).
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn text_fingerprint(text: &str) -> u64 {
    fnv1a(FNV_OFFSET, text.as_bytes())
}

fn positions_fingerprint(positions: &BTreeMap<String, Position>) -> u64 {
    positions.iter().fold(FNV_OFFSET, |hash, (name, position)| {
        let hash = fnv1a(hash, &(name.len() as u64).to_le_bytes());
        let hash = fnv1a(hash, name.as_bytes());
        let hash = fnv1a(hash, &position.x.to_bits().to_le_bytes());
        fnv1a(hash, &position.y.to_bits().to_le_bytes())
    })
}

impl Model {
    /// Opens `text` (JSON or YAML) as a new design with no history.
    pub fn open(name: &str, text: &str, format: SourceFormat) -> Model {
        let mut model = Model {
            name: design_name(name),
            format,
            original: text.to_string(),
            text: String::new(),
            root: None,
            last_readable: None,
            syntax_error: None,
            positions: BTreeMap::new(),
            kept: Kept::default(),
            undo: Vec::new(),
            redo: Vec::new(),
            typing_at: None,
            revision: 0,
        };
        model.read(text.to_string());
        model.mark_kept();
        model
    }

    /// Opens a file by name, choosing JSON or YAML from its extension (and, for names that say
    /// neither, from the text).
    pub fn open_file(file_name: &str, text: &str) -> Model {
        Model::open(file_name, text, guess_format(file_name, text))
    }

    /// Restores a design kept as a draft: its original text, current text and positions, with
    /// no undo history.
    pub fn restore(
        name: &str,
        format: SourceFormat,
        original: &str,
        text: &str,
        positions: BTreeMap<String, Position>,
    ) -> Model {
        let mut model = Model::open(name, original, format);
        model.read(text.to_string());
        model.positions = positions;
        model
    }

    /// Replaces the positions without an undo step (a layout opened with its definition).
    pub fn with_positions(mut self, positions: BTreeMap<String, Position>) -> Model {
        self.positions = positions;
        self.mark_layout_kept();
        self
    }

    /// Takes what a draft says was last saved or exported (a restored draft's own baseline).
    pub fn with_kept(mut self, kept: Kept) -> Model {
        self.kept = kept;
        self
    }

    /// What was last opened, saved or exported, as fingerprints (kept with the draft).
    pub fn kept(&self) -> Kept {
        self.kept
    }

    /// The fingerprints of the text and positions as they are now.
    pub fn snapshot_kept(&self) -> Kept {
        Kept { text: text_fingerprint(&self.text), positions: positions_fingerprint(&self.positions) }
    }

    /// Notes `kept` (taken with [`Model::snapshot_kept`] when a save began) as saved.
    pub fn set_kept(&mut self, kept: Kept) {
        self.kept = kept;
    }

    /// Notes the text and positions as kept: opened, saved to the server, or exported as ASL
    /// (the layout sidecar is optional, so an ASL export does not leave the layout unsaved).
    pub fn mark_kept(&mut self) {
        self.kept = self.snapshot_kept();
    }

    /// Notes the positions as written out (a layout export or import).
    pub fn mark_layout_kept(&mut self) {
        self.kept.positions = positions_fingerprint(&self.positions);
    }

    /// What changed since the design was opened, saved or exported; `None` when nothing would
    /// be lost by opening another design. Undoing back to the saved state counts as saved.
    pub fn unsaved(&self) -> Option<Unsaved> {
        let now = self.snapshot_kept();
        let text = now.text != self.kept.text;
        let layout = now.positions != self.kept.positions;
        match (text, layout) {
            (false, false) => None,
            (true, false) => Some(Unsaved::Definition),
            (false, true) => Some(Unsaved::Layout),
            (true, true) => Some(Unsaved::DefinitionAndLayout),
        }
    }

    fn read(&mut self, text: String) {
        let (mut document, diagnostics) = Document::read(&text, self.format);
        // Take the tree out of the document rather than copying it.
        let root = document
            .root_mut()
            .map(|root| std::mem::replace(root, Node { value: json::Value::Null, span: json::Span::default() }));
        self.root = root.map(Arc::new);
        if let Some(root) = &self.root {
            self.last_readable = Some(Arc::clone(root));
        }
        self.syntax_error = diagnostics.into_iter().next();
        self.text = text;
        self.revision = next_revision();
    }

    /// Takes `text` whose tree is already known to be `root` (read from `text`), without
    /// reading it again.
    fn install(&mut self, text: String, root: Node) {
        let root = Arc::new(root);
        self.last_readable = Some(Arc::clone(&root));
        self.root = Some(root);
        self.syntax_error = None;
        self.text = text;
        self.revision = next_revision();
    }

    /// The current text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Which text [`Model::text`] is: it changes whenever the text is replaced, and no other
    /// text, of this model or another, has the same number. The code view uses it to tell
    /// whether it already shows the text without comparing the two.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the last change was typing reported by the code view (nothing changed since,
    /// not even a position): the code view already shows it, so the picture need not wait for
    /// a frame to show the text first.
    pub fn typed_last(&self) -> bool {
        self.typing_at.is_some()
    }

    /// The text as it was opened.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// JSON or YAML.
    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// Whether the design is YAML.
    pub fn is_yaml(&self) -> bool {
        self.format == SourceFormat::Yaml
    }

    /// Whether the text differs from what was opened.
    pub fn is_edited(&self) -> bool {
        self.text != self.original
    }

    /// The tree of the current text, when it is readable.
    pub fn root(&self) -> Option<&Node> {
        self.root.as_deref()
    }

    /// Where the state `name` is written in the text, in UTF-16 offsets (as the code editor
    /// counts); `None` while the text is broken or when no state has that name.
    pub fn state_range(&self, name: &str) -> Option<(usize, usize)> {
        let span = asl::document::state_span(self.root()?, name)?;
        let offsets = Utf16Offsets::new(self.text());
        Some((offsets.of(span.start), offsets.of(span.end)))
    }

    /// The tree the graph shows: the current one, or the last readable one while the text is broken.
    pub fn shown_root(&self) -> Option<&Node> {
        self.root.as_deref().or(self.last_readable.as_deref())
    }

    /// [`Model::shown_root`], shared rather than borrowed (to compare with after a change).
    pub fn shown_tree(&self) -> Option<Arc<Node>> {
        self.root.clone().or_else(|| self.last_readable.clone())
    }

    /// Why the current text cannot be read, with its line and column.
    pub fn syntax_error(&self) -> Option<&Diagnostic> {
        self.syntax_error.as_ref()
    }

    /// Positions of the states a person placed.
    pub fn positions(&self) -> &BTreeMap<String, Position> {
        &self.positions
    }

    /// The layout sidecar of the current positions.
    pub fn sidecar(&self) -> Sidecar {
        Sidecar { version: 1, positions: self.positions.clone() }
    }

    /// Whether there is something to undo / redo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// See [`Model::can_undo`].
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What the next undo would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|step| step.label.as_str())
    }

    /// What the next redo would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|step| step.label.as_str())
    }

    fn snapshot(&self, label: &str) -> Step {
        Step { text: self.text.clone(), positions: self.positions.clone(), label: label.to_string() }
    }

    fn record(&mut self, label: &str) {
        self.typing_at = None;
        let step = self.snapshot(label);
        self.undo.push(step);
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Replaces the text with what a person typed. One undo step; nothing happens for equal text
    /// (`None`). A state renamed in the text keeps its placed position under its new name, even
    /// when the text could not be read on the way there; the renames are returned, old name
    /// first, so the selection can follow them too.
    pub fn set_text(&mut self, text: &str) -> Option<Vec<(String, String)>> {
        if text == self.text {
            return None;
        }
        self.record("typing");
        self.replace_text(text)
    }

    /// [`Model::set_text`] for typing reported at `now` (milliseconds): typing within a second
    /// of the last report, with no other change between, joins its undo step, so an undo takes
    /// back a burst of typing rather than a keystroke.
    pub fn type_text(&mut self, text: &str, now: f64) -> Option<Vec<(String, String)>> {
        if text == self.text {
            return None;
        }
        let joins = self.typing_at.is_some_and(|at| (0.0..TYPING_GROUP_MS).contains(&(now - at)))
            && self.undo.last().is_some_and(|step| step.label == "typing");
        if joins {
            self.redo.clear();
        } else {
            self.record("typing");
        }
        self.typing_at = Some(now);
        self.replace_text(text)
    }

    /// Reads typed text, its renamed states keeping their positions; the renames, old name first.
    fn replace_text(&mut self, text: &str) -> Option<Vec<(String, String)>> {
        let before = self.last_readable.clone();
        self.read(text.to_string());
        let renames = match (&before, &self.root) {
            (Some(before), Some(after)) => renamed_states(before, after),
            _ => Vec::new(),
        };
        for (from, to) in &renames {
            if !self.positions.contains_key(to)
                && let Some(position) = self.positions.remove(from)
            {
                self.positions.insert(to.clone(), position);
            }
        }
        Some(renames)
    }

    /// Applies a gesture's edit to the tree and prints it in the text's layout. Refused (with
    /// the reason) while the text cannot be read, or when the edit itself is refused.
    pub fn apply(&mut self, label: &str, edit: &Edit) -> Result<(), String> {
        self.apply_with_positions(label, edit, |_| {})
    }

    /// [`Model::apply`] that also changes positions in the same undo step.
    pub fn apply_with_positions(
        &mut self,
        label: &str,
        edit: &Edit,
        place: impl FnOnce(&mut BTreeMap<String, Position>),
    ) -> Result<(), String> {
        let Some(root) = &self.root else {
            return Err("the text cannot be read; fix it in the code view first".to_string());
        };
        let mut edited = Node::clone(root);
        edit::apply(&mut edited, edit).map_err(|error| error.to_string())?;
        // Change only what the edit touched. The JSON text read back is the new tree (with its
        // places in the new text), so it is not read a third time.
        let (text, reread) = asl::reprint::reprint_in_format(&edited, root, &self.text, self.format);
        self.record(label);
        match reread {
            Some(root) => self.install(text, root),
            None => self.read(text),
        }
        if let Edit::RenameState { from, to, .. } = edit
            && let Some(position) = self.positions.remove(from)
        {
            self.positions.insert(to.clone(), position);
        }
        place(&mut self.positions);
        Ok(())
    }

    /// Places a state where a person dropped it. One undo step.
    pub fn move_state(&mut self, name: &str, position: Position) {
        self.move_states(&format!("move {name}"), vec![(name.to_string(), position)]);
    }

    /// Places several states at once (a Parallel or a Map with what is inside it). One undo step.
    pub fn move_states(&mut self, label: &str, moves: Vec<(String, Position)>) {
        if moves.iter().all(|(name, position)| self.positions.get(name) == Some(position)) {
            return;
        }
        self.record(label);
        self.positions.extend(moves);
    }

    /// Replaces all positions (a sidecar was imported). One undo step.
    pub fn set_positions(&mut self, positions: BTreeMap<String, Position>) {
        self.record("import layout");
        self.positions = positions;
        self.mark_layout_kept();
    }

    /// Forgets every placed position, so the automatic layout places everything. One undo step.
    pub fn reset_positions(&mut self) {
        if self.positions.is_empty() {
            return;
        }
        self.record("auto layout");
        self.positions.clear();
    }

    /// Undoes the last change; false when there is none.
    pub fn undo(&mut self) -> bool {
        self.typing_at = None;
        let Some(step) = self.undo.pop() else { return false };
        let redo = self.snapshot(&step.label);
        self.redo.push(redo);
        self.positions = step.positions;
        self.read(step.text);
        true
    }

    /// Redoes the last undone change; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.typing_at = None;
        let Some(step) = self.redo.pop() else { return false };
        let undo = self.snapshot(&step.label);
        self.undo.push(undo);
        self.positions = step.positions;
        self.read(step.text);
        true
    }

    /// The definition as JSON: the text itself for a JSON design (the same bytes when unedited),
    /// or the tree in two-space JSON for a YAML design. `None` while the text cannot be read.
    pub fn export_json(&self) -> Option<String> {
        match self.format {
            SourceFormat::Json => self.root.as_ref().map(|_| self.text.clone()),
            SourceFormat::Yaml => self.root.as_ref().map(|root| print(root, SourceFormat::Json, "")),
        }
    }

    /// The definition in canonical JSON layout (`JSON.stringify(definition, null, 2)` and a newline).
    pub fn export_canonical_json(&self) -> Option<String> {
        self.root.as_ref().map(|root| print(root, SourceFormat::Json, ""))
    }

    /// The definition as YAML: the text itself for a YAML design, or the tree printed as YAML.
    pub fn export_yaml(&self) -> Option<String> {
        match self.format {
            SourceFormat::Yaml => self.root.as_ref().map(|_| self.text.clone()),
            SourceFormat::Json => self.root.as_ref().map(|root| print(root, SourceFormat::Yaml, "")),
        }
    }

    /// Validation errors and lint warnings of the current text (or its syntax error), located.
    pub fn problems(&self, workflow_type: WorkflowType) -> Vec<Diagnostic> {
        if let Some(error) = &self.syntax_error {
            return vec![error.clone()];
        }
        let Some(root) = &self.root else { return Vec::new() };
        let (document, _) = Document::read(&self.text, self.format);
        let mut diagnostics = asl::fix::findings(root, &LintOptions { workflow_type });
        document.locate(&mut diagnostics);
        // Placed at the start of the text, the size error sorts first among the errors.
        diagnostics.extend(asl::validate::document_size(&document));
        asl::sort::sort_by_key(&mut diagnostics, |diagnostic| {
            (diagnostic.severity != Severity::Error, diagnostic.span.start)
        });
        diagnostics
    }
}

/// Prints a tree in `format`; JSON takes the indentation and final newline of `like`.
pub fn print(root: &Node, format: SourceFormat, like: &str) -> String {
    match format {
        SourceFormat::Json => {
            let indent = if like.is_empty() { "  ".to_string() } else { json::detect_indent(like) };
            let mut text = json::print(root, &indent);
            if like.is_empty() || like.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        SourceFormat::Yaml => asl::yaml::print_yaml(root),
    }
}

/// The name of every state of a definition, in every branch and item processor.
pub fn state_names(root: &Node) -> BTreeSet<String> {
    fn collect(scope: &Node, into: &mut BTreeSet<String>) {
        let Some(states) = scope.get("States").and_then(Node::members) else { return };
        for member in states {
            into.insert(member.key.clone());
            for_each_inner_scope(&member.value, |inner| collect(inner, into));
        }
    }
    let mut names = BTreeSet::new();
    collect(root, &mut names);
    names
}

/// The names of the states inside a Parallel's branches or a Map's item processor, at any depth.
pub fn inner_state_names(state: &Node) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for_each_inner_scope(state, |scope| names.extend(state_names(scope)));
    names
}

/// Calls `visit` with each branch of a Parallel state and the item processor of a Map state.
fn for_each_inner_scope<'n>(state: &'n Node, mut visit: impl FnMut(&'n Node)) {
    for branch in state.get("Branches").and_then(Node::elements).unwrap_or_default() {
        visit(branch);
    }
    for field in ["ItemProcessor", "Iterator"] {
        if let Some(processor) = state.get(field) {
            visit(processor);
        }
    }
}

/// Gives the states inside a state about to be added (a copy, or a palette Parallel or Map)
/// names that no state in `taken` has, `Left 2` for `Left`, and points the transitions of their
/// scopes (`StartAt`, `Next`, `Default`, a rule's or a catcher's `Next`) at the new names: AWS
/// wants every state name of a machine unique, branches included. `taken` gains the names used.
pub fn rename_inner_states(state: &mut serde_json::Value, taken: &mut BTreeSet<String>) {
    use serde_json::Value;
    let mut scopes: Vec<&mut Value> = Vec::new();
    for (field, value) in state.as_object_mut().into_iter().flatten() {
        match (field.as_str(), value) {
            ("Branches", Value::Array(branches)) => scopes.extend(branches.iter_mut()),
            ("ItemProcessor" | "Iterator", processor) => scopes.push(processor),
            _ => {}
        }
    }
    for scope in scopes {
        let Some(states) = scope.get_mut("States").and_then(Value::as_object_mut) else { continue };
        let mut renames = BTreeMap::new();
        let renamed: serde_json::Map<String, Value> = std::mem::take(states)
            .into_iter()
            .map(|(name, mut inner)| {
                let fresh = unique_name(&name, taken);
                taken.insert(fresh.clone());
                rename_inner_states(&mut inner, taken);
                if fresh != name {
                    renames.insert(name, fresh.clone());
                }
                (fresh, inner)
            })
            .collect();
        *states = renamed;
        if renames.is_empty() {
            continue;
        }
        let follow = |value: Option<&mut Value>| {
            if let Some(value) = value
                && let Some(to) = value.as_str().and_then(|name| renames.get(name))
            {
                *value = Value::String(to.clone());
            }
        };
        follow(scope.get_mut("StartAt"));
        let Some(states) = scope.get_mut("States").and_then(Value::as_object_mut) else { continue };
        for inner in states.values_mut() {
            follow(inner.get_mut("Next"));
            follow(inner.get_mut("Default"));
            for list in ["Choices", "Catch"] {
                for rule in inner.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
                    follow(rule.get_mut("Next"));
                }
            }
        }
    }
}

/// The states renamed between two versions of a definition typed by hand, old name first: in
/// each scope whose states are as many as before, a state whose name changed at the same place
/// while neither name is used on the other side. Branches and item processors are compared in
/// the same way, paired by their place.
pub fn renamed_states(before: &Node, after: &Node) -> Vec<(String, String)> {
    fn inner_scopes(state: &Node) -> Vec<&Node> {
        let mut scopes = Vec::new();
        for_each_inner_scope(state, |scope| scopes.push(scope));
        scopes
    }
    fn compare(
        before: &Node,
        after: &Node,
        (old_names, new_names): (&BTreeSet<String>, &BTreeSet<String>),
        renames: &mut Vec<(String, String)>,
    ) {
        let (Some(old), Some(new)) =
            (before.get("States").and_then(Node::members), after.get("States").and_then(Node::members))
        else {
            return;
        };
        let pairs: Vec<(&asl::json::Member, &asl::json::Member)> = if old.len() == new.len() {
            old.iter().zip(new).collect()
        } else {
            // A state was added or removed: only states that kept their names are paired.
            old.iter().filter_map(|member| Some((member, new.iter().find(|other| other.key == member.key)?))).collect()
        };
        for (old_state, new_state) in pairs {
            if old_state.key != new_state.key
                && !new_names.contains(&old_state.key)
                && !old_names.contains(&new_state.key)
            {
                renames.push((old_state.key.clone(), new_state.key.clone()));
            }
            for (old_scope, new_scope) in inner_scopes(&old_state.value).into_iter().zip(inner_scopes(&new_state.value))
            {
                compare(old_scope, new_scope, (old_names, new_names), renames);
            }
        }
    }
    let (old_names, new_names) = (state_names(before), state_names(after));
    let mut renames = Vec::new();
    compare(before, after, (&old_names, &new_names), &mut renames);
    renames
}

/// JSON or YAML from a file name, or from the text when the name says neither.
pub fn guess_format(file_name: &str, text: &str) -> SourceFormat {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        SourceFormat::Yaml
    } else if lower.ends_with(".json") || text.trim_start().starts_with('{') {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    }
}

/// A design's name from a file name: without its folder and `.asl.json` / `.json` / `.yaml` endings.
pub fn design_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let mut name = base;
    for suffix in [".json", ".yaml", ".yml", ".asl"] {
        if name.len() > suffix.len() && name.to_ascii_lowercase().ends_with(suffix) {
            name = &name[..name.len() - suffix.len()];
        }
    }
    if name.is_empty() { "state-machine".to_string() } else { name.to_string() }
}

/// Where a state sits: the pointer of its scope and its own pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatePlace {
    /// The state's name.
    pub name: String,
    /// Its pointer, `/States/A` or `/States/P/Branches/0/States/B`.
    pub pointer: String,
    /// The pointer of the object holding its `States`.
    pub scope: String,
}

/// Every state of the graph by name.
pub fn state_places(graph: &Graph) -> BTreeMap<String, StatePlace> {
    graph
        .nodes
        .iter()
        .filter(|node| matches!(node.kind, NodeKind::State { .. }))
        .filter_map(|node| {
            let at = node.id.rfind("/States/")?;
            Some((
                node.label.clone(),
                StatePlace { name: node.label.clone(), pointer: node.id.clone(), scope: node.id[..at].to_string() },
            ))
        })
        .collect()
}

/// The first of `base`, `base 2`, `base 3`, … that no state uses.
pub fn unique_name(base: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base} {n}")).find(|name| !taken.contains(name)).unwrap_or_default()
}

/// The state a diagnostic's pointer falls in: the longest state pointer that prefixes it.
pub fn state_of_pointer<'a>(places: &'a BTreeMap<String, StatePlace>, pointer: &str) -> Option<&'a StatePlace> {
    places
        .values()
        .filter(|place| {
            pointer == place.pointer
                || (pointer.starts_with(&place.pointer) && pointer.as_bytes().get(place.pointer.len()) == Some(&b'/'))
        })
        .max_by_key(|place| place.pointer.len())
}

/// The byte offset `offset` of `text` as a UTF-16 offset (what the code editor counts).
pub fn utf16_offset(text: &str, offset: usize) -> usize {
    Utf16Offsets::new(text).of(offset)
}

/// Byte offsets to UTF-16 offsets for one text, each in O(log n) after one pass: the problems
/// list converts a thousand spans of a large definition per edit.
#[derive(Debug)]
pub struct Utf16Offsets<'t> {
    text: &'t str,
    /// Byte offset and UTF-16 offset of every character wider in UTF-8 than in UTF-16 units;
    /// empty for ASCII text, where the two offsets are equal.
    wide: Vec<(usize, usize)>,
}

impl<'t> Utf16Offsets<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> Self {
        let mut wide = Vec::new();
        if !text.is_ascii() {
            let mut units = 0;
            for (at, character) in text.char_indices() {
                if character.len_utf8() != character.len_utf16() {
                    wide.push((at, units));
                }
                units += character.len_utf16();
            }
        }
        Utf16Offsets { text, wide }
    }

    /// The UTF-16 offset of byte offset `offset` (rounded down to a character boundary).
    pub fn of(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last wide character before `offset`: from there, every byte is one unit.
        match self.wide.partition_point(|(at, _)| *at < offset) {
            0 => offset,
            index => {
                let (at, units) = self.wide[index - 1];
                let character = self.text[at..].chars().next().map_or(0, char::len_utf8);
                let after = self.text[at..].chars().next().map_or(0, char::len_utf16);
                units + after + (offset - at - character)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACHINE: &str = "{\n    \"StartAt\": \"A\",\n    \"States\": {\n        \"A\": {\n            \"Type\": \"Pass\",\n            \"Result\": 1.0,\n            \"Next\": \"B\"\n        },\n        \"B\": {\n            \"Type\": \"Succeed\"\n        }\n    }\n}\n";

    #[test]
    fn an_unedited_design_exports_the_same_bytes() {
        let model = Model::open_file("x.asl.json", MACHINE);
        assert!(!model.is_edited());
        assert_eq!(model.export_json().as_deref(), Some(MACHINE));
        assert_eq!(model.name, "x");
    }

    #[test]
    fn a_rename_changes_only_the_lines_it_touches_and_undo_gives_the_bytes_back() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        model
            .apply("rename", &Edit::RenameState { scope: String::new(), from: "B".into(), to: "Done".into() })
            .unwrap();
        let changed: Vec<(&str, &str)> =
            MACHINE.lines().zip(model.text().lines()).filter(|(before, after)| before != after).collect();
        assert_eq!(
            changed,
            vec![
                ("            \"Next\": \"B\"", "            \"Next\": \"Done\""),
                ("        \"B\": {", "        \"Done\": {")
            ]
        );
        assert!(model.undo());
        assert_eq!(model.text(), MACHINE);
        assert!(model.redo());
        assert!(model.text().contains("\"Done\""));
    }

    #[test]
    fn broken_text_keeps_the_last_readable_tree_and_says_where() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        let broken = MACHINE.replace("\"Type\": \"Succeed\"", "\"Type\": ");
        model.set_text(&broken);
        let error = model.syntax_error().expect("a syntax error");
        assert_eq!(error.line, 11);
        assert!(model.root().is_none());
        assert!(model.shown_root().is_some());
        assert!(model.apply("x", &Edit::RemoveField { pointer: "/States/A/Result".into() }).is_err());
        assert_eq!(model.problems(WorkflowType::Standard).len(), 1);
    }

    #[test]
    fn a_definition_longer_than_aws_accepts_is_a_problem() {
        let big = MACHINE.replace("\"Result\": 1.0", &format!("\"Result\": \"{}\"", "x".repeat(1_048_576)));
        let model = Model::open_file("x.asl.json", &big);
        let problems = model.problems(WorkflowType::Standard);
        let codes: Vec<&str> = problems.iter().map(|problem| problem.code).collect();
        assert_eq!(codes[0], "DEFINITION_TOO_LARGE", "{codes:?}");
        assert!(problems[0].message.contains("longer than 1048576 characters"), "{}", problems[0].message);
    }

    #[test]
    fn unsaved_work_is_what_changed_since_it_was_opened_saved_or_exported() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        assert_eq!(model.unsaved(), None, "a design just opened");
        model.apply("rename", &Edit::RenameState { scope: String::new(), from: "B".into(), to: "C".into() }).unwrap();
        assert_eq!(model.unsaved(), Some(Unsaved::Definition));
        model.move_state("A", Position { x: 10.0, y: 20.0 });
        assert_eq!(model.unsaved(), Some(Unsaved::DefinitionAndLayout));
        // A layout export keeps the positions, not the text; an ASL export keeps both.
        model.mark_layout_kept();
        assert_eq!(model.unsaved(), Some(Unsaved::Definition));
        model.mark_kept();
        assert_eq!(model.unsaved(), None);
        // Undoing past what was written out is unsaved again; redoing back to it is not.
        model.undo();
        assert_eq!(model.unsaved(), Some(Unsaved::Layout));
        model.redo();
        assert_eq!(model.unsaved(), None);

        // A save marks what it sent, not edits made while it was on its way.
        let sent = model.snapshot_kept();
        model.move_state("A", Position { x: 30.0, y: 20.0 });
        model.set_kept(sent);
        assert_eq!(model.unsaved(), Some(Unsaved::Layout));

        // A restored draft keeps its baseline: without one, the text as opened.
        let restored = Model::restore("x", SourceFormat::Json, MACHINE, model.text(), model.positions().clone());
        assert_eq!(restored.unsaved(), Some(Unsaved::DefinitionAndLayout));
        assert_eq!(restored.with_kept(sent).unsaved(), Some(Unsaved::Layout));
        // Positions opened with the definition (a sidecar) are not unsaved work.
        let with_layout = Model::open_file("x.asl.json", MACHINE).with_positions(model.positions().clone());
        assert_eq!(with_layout.unsaved(), None);
    }

    #[test]
    fn a_burst_of_typing_is_one_undo_step_and_a_pause_or_another_change_starts_the_next() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        let typed = |n: usize| MACHINE.replace("\"B\": {", &format!("\"B{}\": {{", "x".repeat(n)));
        // Three reports within a second of each other: one step.
        model.type_text(&typed(1), 1_000.0);
        model.type_text(&typed(2), 1_400.0);
        model.type_text(&typed(3), 2_300.0);
        // A pause of more than a second: a new step.
        model.type_text(&typed(4), 3_500.0);
        // A move between two reports ends the burst too.
        model.move_state("A", Position { x: 1.0, y: 2.0 });
        model.type_text(&typed(5), 3_600.0);
        assert!(model.undo());
        assert_eq!(model.text(), typed(4));
        assert!(model.undo());
        assert!(model.positions().is_empty());
        assert!(model.undo());
        assert_eq!(model.text(), typed(3));
        assert!(model.undo());
        assert_eq!(model.text(), MACHINE);
        assert!(!model.can_undo());
        // Typing after an undo starts a step of its own, and redo has nothing left.
        model.redo();
        model.type_text(&typed(9), 3_700.0);
        model.type_text(&typed(10), 3_800.0);
        assert!(!model.can_redo());
        assert!(model.undo());
        assert_eq!(model.text(), typed(3));
    }

    #[test]
    fn each_text_has_its_own_revision_and_typing_is_known_until_the_next_change() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        let other = Model::open_file("y.asl.json", MACHINE);
        // The same text opened twice is two texts: the code view of one does not show the other's.
        assert_ne!(model.revision(), other.revision());
        let opened = model.revision();
        assert!(!model.typed_last());

        let typed = MACHINE.replace("\"B\": {", "\"Bx\": {");
        model.type_text(&typed, 1_000.0);
        let after_typing = model.revision();
        assert_ne!(after_typing, opened);
        assert!(model.typed_last(), "the code view already shows what was typed");
        // The same text again is no change.
        model.type_text(&typed, 1_100.0);
        assert_eq!(model.revision(), after_typing);

        // A move, an edit or an undo after it is not typing any more.
        model.move_state("A", Position { x: 1.0, y: 2.0 });
        assert!(!model.typed_last());
        assert_eq!(model.revision(), after_typing, "a move leaves the text alone");
        model.type_text(&MACHINE.replace("\"B\": {", "\"By\": {"), 1_200.0);
        assert!(model.typed_last());
        assert!(model.undo());
        assert!(!model.typed_last());
        assert_ne!(model.revision(), after_typing);
    }

    #[test]
    fn positions_follow_renames_and_are_undone_with_their_edit() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        model.move_state("B", Position { x: 10.0, y: 20.0 });
        model.apply("rename", &Edit::RenameState { scope: String::new(), from: "B".into(), to: "C".into() }).unwrap();
        assert_eq!(model.positions().keys().collect::<Vec<_>>(), vec!["C"]);
        model.undo();
        assert_eq!(model.positions().keys().collect::<Vec<_>>(), vec!["B"]);
        model.undo();
        assert!(model.positions().is_empty());
        assert!(!model.can_undo());
    }

    #[test]
    fn a_state_renamed_in_the_text_keeps_its_position_even_through_broken_text() {
        let mut model = Model::open_file("x.asl.json", MACHINE);
        model.move_state("B", Position { x: 10.0, y: 20.0 });
        // Typed a letter at a time: "B" becomes "Bo", then the text breaks, then "Done".
        let renamed = model.set_text(&MACHINE.replace("\"B\": {", "\"Bo\": {"));
        assert_eq!(renamed, Some(vec![("B".to_string(), "Bo".to_string())]));
        model.set_text(&MACHINE.replace("\"B\": {", "\"Do {"));
        assert!(model.syntax_error().is_some());
        model.set_text(&MACHINE.replace("\"B\": {", "\"Done\": {"));
        assert_eq!(model.positions().keys().collect::<Vec<_>>(), vec!["Done"]);
        assert_eq!(model.positions()["Done"], Position { x: 10.0, y: 20.0 });
        // Undo takes the name and the position back together.
        model.undo();
        model.undo();
        model.undo();
        assert_eq!(model.positions().keys().collect::<Vec<_>>(), vec!["B"]);
    }

    #[test]
    fn renames_are_found_in_branches_and_not_guessed_when_states_come_and_go() {
        let read = |text: &str| Document::read(text, SourceFormat::Json).0.root().unwrap().clone();
        let before = read(
            r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"C"},"C":{"Type":"Succeed"}}}"#,
        );
        let inner = read(
            r#"{"StartAt":"Q","States":{"Q":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B2":{"Type":"Pass","End":true}}}],"Next":"C"},"C":{"Type":"Succeed"}}}"#,
        );
        assert_eq!(renamed_states(&before, &inner), vec![("P".into(), "Q".into()), ("B".into(), "B2".into())]);
        // A state removed and another added is not a rename; a swap of two names is not either.
        let replaced = read(r#"{"StartAt":"P","States":{"X":{"Type":"Pass","End":true}}}"#);
        assert!(renamed_states(&before, &replaced).is_empty());
        let swapped = read(
            r#"{"StartAt":"P","States":{"C":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"C"},"P":{"Type":"Succeed"}}}"#,
        );
        assert!(renamed_states(&before, &swapped).is_empty());
    }

    #[test]
    fn a_copied_parallel_gets_fresh_names_inside_with_its_transitions_following() {
        let mut copy = serde_json::json!({
            "Type": "Parallel",
            "Branches": [{"StartAt": "A", "States": {
                "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Default": "Keep"},
                "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "A"}], "Next": "Keep"},
                "Keep": {"Type": "Map", "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}, "End": true}
            }}],
            "Next": "Outside"
        });
        let mut taken: BTreeSet<String> = ["P", "P copy", "A", "B", "Item", "Outside"].map(String::from).into();
        rename_inner_states(&mut copy, &mut taken);
        let branch = &copy["Branches"][0];
        assert_eq!(branch["StartAt"], "A 2");
        let names: Vec<&String> = branch["States"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["A 2", "B 2", "Keep"], "order kept, free names kept");
        assert_eq!(branch["States"]["A 2"]["Choices"][0]["Next"], "B 2");
        assert_eq!(branch["States"]["A 2"]["Default"], "Keep");
        assert_eq!(branch["States"]["B 2"]["Catch"][0]["Next"], "A 2");
        assert_eq!(branch["States"]["Keep"]["ItemProcessor"]["StartAt"], "Item 2");
        assert!(branch["States"]["Keep"]["ItemProcessor"]["States"]["Item 2"].is_object());
        // The state's own transition leaves its scope and is not a name inside the copy.
        assert_eq!(copy["Next"], "Outside");
        assert!(taken.contains("Item 2") && taken.contains("Keep"));
    }

    #[test]
    fn sidecars_round_trip_and_bad_ones_are_named() {
        let mut sidecar = Sidecar { version: 1, ..Sidecar::default() };
        sidecar.positions.insert("A".into(), Position { x: 1.5, y: 2.0 });
        assert_eq!(Sidecar::parse(&sidecar.to_json()).unwrap(), sidecar);
        assert!(Sidecar::parse("{\"version\": 2, \"positions\": {}}").unwrap_err().contains("version is 2"));
        assert!(Sidecar::parse("[]").unwrap_err().contains("not a Statehouse layout"));
    }

    #[test]
    fn names_scopes_and_offsets() {
        assert_eq!(design_name("dir/order.asl.json"), "order");
        assert_eq!(design_name("flow.yaml"), "flow");
        let taken: BTreeSet<String> = ["Pass".to_string(), "Pass 2".to_string()].into();
        assert_eq!(unique_name("Pass", &taken), "Pass 3");
        assert_eq!(unique_name("Wait", &taken), "Wait");
        assert_eq!(utf16_offset("é😀x", 6), 3);
        let text = "a é b 😀 c ü";
        let index = Utf16Offsets::new(text);
        for offset in 0..=text.len() {
            let mut boundary = offset;
            while !text.is_char_boundary(boundary) {
                boundary -= 1;
            }
            assert_eq!(index.of(offset), text[..boundary].encode_utf16().count(), "offset {offset}");
        }
        let (document, _) = Document::read(
            r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}}"#,
            SourceFormat::Json,
        );
        let graph = asl::graph::graph(document.root().unwrap());
        let places = state_places(&graph);
        assert_eq!(places["B"].scope, "/States/P/Branches/0");
        assert_eq!(places["P"].scope, "");
        assert_eq!(state_of_pointer(&places, "/States/P/Branches/0/States/B/End").unwrap().name, "B");
        assert_eq!(state_of_pointer(&places, "/States/P/Branches").unwrap().name, "P");
    }
}

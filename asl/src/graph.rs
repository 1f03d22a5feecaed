//! The graph of a definition, for the designer and the execution views: a node per state,
//! labelled edges for every transition, nested groups for Parallel branches and Map item
//! processors, and start and end markers.
//!
//! A Parallel or Map state is drawn as a group that holds the state's own node at its top and
//! its inner states below it; the state's node leads into each inner `StartAt`, and the
//! inner terminal states lead out to the state's `Next` (or to the end marker). Catch edges
//! leave from the state's node.

use crate::{
    diagnostic::pointer_push,
    json::{Node, Value},
};

/// The whole graph.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// States and markers, in document order (markers first).
    pub nodes: Vec<GraphNode>,
    /// Transitions.
    pub edges: Vec<GraphEdge>,
    /// Parallel states, their branches, and Map item processors.
    pub groups: Vec<GraphGroup>,
}

/// A state or a marker.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphNode {
    /// Unique id: the state's JSON pointer (`/States/A`), or `#start` / `#end`.
    pub id: String,
    /// The state's name, or "Start" / "End".
    pub label: String,
    /// What it is.
    pub kind: NodeKind,
    /// The group it sits in (an index into [`Graph::groups`]).
    pub group: Option<usize>,
}

/// What a node stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// The start marker.
    Start,
    /// The end marker.
    End,
    /// A state.
    State {
        /// `Pass`, `Task`, … (as written; may be unknown in a half-edited definition).
        state_type: String,
        /// `JSONPath` or `JSONata`, after inheritance from the machine.
        query_language: String,
    },
}

/// A transition.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphEdge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Why the transition happens.
    pub kind: EdgeKind,
    /// A short human label ("Default", "$.total > 100", "States.ALL").
    pub label: String,
}

/// The kinds of transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// `Next`, `End`, and the markers' edges.
    Next,
    /// A Choice rule (its index in `Choices`).
    Choice(usize),
    /// A Choice state's `Default`.
    Default,
    /// A catcher (its index in `Catch`).
    Catch(usize),
    /// From a Parallel or Map state into an inner `StartAt`.
    Enter,
}

/// A box around nested states.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphGroup {
    /// Unique id: the pointer of what it holds (`/States/P`, `/States/P/Branches/0`, `/States/M/ItemProcessor`).
    pub id: String,
    /// Title shown on the box.
    pub label: String,
    /// What it holds.
    pub kind: GroupKind,
    /// The enclosing group.
    pub parent: Option<usize>,
}

/// What a group holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A Parallel state: its node and its branch groups.
    Parallel,
    /// One branch of a Parallel state.
    Branch(usize),
    /// A Map state: its node and its item processor's states.
    Map,
}

/// Builds the graph of a definition's tree. Unreadable parts are skipped, not reported:
/// validation reports them.
pub fn graph(root: &Node) -> Graph {
    let mut builder = Builder { graph: Graph::default(), machine_language: language_of(root, "JSONPath") };
    builder.graph.nodes.push(marker("#start", "Start", NodeKind::Start));
    builder.graph.nodes.push(marker("#end", "End", NodeKind::End));
    if let Some(start) = root.get("StartAt").and_then(Node::as_str)
        && root.get("States").and_then(|states| states.get(start)).is_some()
    {
        let target = pointer_push("/States", start);
        builder.edge("#start", &target, EdgeKind::Next, "");
    }
    builder.scope(root, "", None, "#end");
    builder.graph
}

fn marker(id: &str, label: &str, kind: NodeKind) -> GraphNode {
    GraphNode { id: id.to_string(), label: label.to_string(), kind, group: None }
}

fn language_of(node: &Node, inherited: &str) -> String {
    node.get("QueryLanguage").and_then(Node::as_str).unwrap_or(inherited).to_string()
}

struct Builder {
    graph: Graph,
    machine_language: String,
}

impl Builder {
    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: impl Into<String>) {
        self.graph.edges.push(GraphEdge { from: from.to_string(), to: to.to_string(), kind, label: label.into() });
    }

    /// Adds the states of a scope. `exit` is where the scope's terminal states lead.
    fn scope(&mut self, container: &Node, pointer: &str, group: Option<usize>, exit: &str) {
        let Some(states) = container.get("States").and_then(Node::members) else { return };
        let states_pointer = pointer_push(pointer, "States");
        let target = |name: &str| pointer_push(&states_pointer, name);
        let exists = |name: &str| states.iter().any(|member| member.key == name);
        for member in states {
            let state = &member.value;
            let id = target(&member.key);
            let state_type = state.get("Type").and_then(Node::as_str).unwrap_or("").to_string();
            let query_language = language_of(state, &self.machine_language);
            let nested = matches!(state_type.as_str(), "Parallel" | "Map");
            let own_group = if nested {
                self.graph.groups.push(GraphGroup {
                    id: id.clone(),
                    label: member.key.clone(),
                    kind: if state_type == "Parallel" { GroupKind::Parallel } else { GroupKind::Map },
                    parent: group,
                });
                Some(self.graph.groups.len() - 1)
            } else {
                None
            };
            self.graph.nodes.push(GraphNode {
                id: id.clone(),
                label: member.key.clone(),
                kind: NodeKind::State { state_type: state_type.clone(), query_language },
                group: own_group.or(group),
            });

            // Where this state's normal completion leads.
            let next = state.get("Next").and_then(Node::as_str).filter(|name| exists(name)).map(target);
            let ends = state.get("End").and_then(Node::as_bool) == Some(true)
                || matches!(state_type.as_str(), "Succeed" | "Fail");
            let onward = next.clone().or_else(|| ends.then(|| exit.to_string()));

            if nested {
                let inner_exit = onward.clone().unwrap_or_else(|| exit.to_string());
                self.nested(state, &id, &state_type, own_group, &inner_exit);
            } else if let Some(onward) = &onward {
                self.edge(&id, onward, EdgeKind::Next, "");
            }

            if let Some(rules) = state.get("Choices").and_then(Node::elements) {
                for (index, rule) in rules.iter().enumerate() {
                    if let Some(name) = rule.get("Next").and_then(Node::as_str).filter(|name| exists(name)) {
                        self.edge(&id, &target(name), EdgeKind::Choice(index), rule_label(rule));
                    }
                }
            }
            if let Some(name) = state.get("Default").and_then(Node::as_str).filter(|name| exists(name)) {
                self.edge(&id, &target(name), EdgeKind::Default, "Default");
            }
            if let Some(catchers) = state.get("Catch").and_then(Node::elements) {
                for (index, catcher) in catchers.iter().enumerate() {
                    if let Some(name) = catcher.get("Next").and_then(Node::as_str).filter(|name| exists(name)) {
                        let errors: Vec<&str> = catcher
                            .get("ErrorEquals")
                            .and_then(Node::elements)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(Node::as_str)
                            .collect();
                        self.edge(&id, &target(name), EdgeKind::Catch(index), errors.join(", "));
                    }
                }
            }
        }
    }

    fn nested(&mut self, state: &Node, id: &str, state_type: &str, own_group: Option<usize>, exit: &str) {
        let inner: Vec<(String, &Node, Option<usize>)> = if state_type == "Parallel" {
            let branches = state.get("Branches").and_then(Node::elements).unwrap_or_default();
            branches
                .iter()
                .enumerate()
                .map(|(index, branch)| {
                    let branch_pointer = pointer_push(&pointer_push(id, "Branches"), &index.to_string());
                    self.graph.groups.push(GraphGroup {
                        id: branch_pointer.clone(),
                        label: format!("Branch {}", index + 1),
                        kind: GroupKind::Branch(index),
                        parent: own_group,
                    });
                    (branch_pointer, branch, Some(self.graph.groups.len() - 1))
                })
                .collect()
        } else {
            let field = if state.get("ItemProcessor").is_some() { "ItemProcessor" } else { "Iterator" };
            state.get(field).map(|processor| vec![(pointer_push(id, field), processor, own_group)]).unwrap_or_default()
        };
        for (pointer, machine, group) in inner {
            if let Some(start) = machine.get("StartAt").and_then(Node::as_str)
                && machine.get("States").and_then(|states| states.get(start)).is_some()
            {
                let start_id = pointer_push(&pointer_push(&pointer, "States"), start);
                self.edge(id, &start_id, EdgeKind::Enter, "");
            }
            self.scope(machine, &pointer, group, exit);
        }
    }
}

/// A short human summary of a Choice rule: `$.total > 100`, `not ($.x == "a")`, `{% … %}`.
pub fn rule_label(rule: &Node) -> String {
    if let Some(condition) = rule.get("Condition") {
        return match &condition.value {
            Value::String(text) => text.trim().trim_start_matches("{%").trim_end_matches("%}").trim().to_string(),
            other => format!("{other:?}"),
        };
    }
    if let Some(inner) = rule.get("Not") {
        return format!("not ({})", rule_label(inner));
    }
    for (combinator, word) in [("And", " and "), ("Or", " or ")] {
        if let Some(rules) = rule.get(combinator).and_then(Node::elements) {
            let parts: Vec<String> = rules.iter().map(|rule| format!("({})", rule_label(rule))).collect();
            return parts.join(word);
        }
    }
    let variable = rule.get("Variable").and_then(Node::as_str).unwrap_or("?");
    let Some(members) = rule.members() else { return String::new() };
    for member in members {
        let operator = member.key.as_str();
        if matches!(operator, "Variable" | "Next" | "Comment" | "Assign") {
            continue;
        }
        let value = match &member.value.value {
            Value::String(text) if operator.ends_with("Path") => text.clone(),
            Value::String(text) => format!("{text:?}"),
            Value::Number(text) => text.clone(),
            Value::Bool(flag) => flag.to_string(),
            _ => String::from("…"),
        };
        let base = operator.strip_suffix("Path").filter(|_| !operator.starts_with("Is")).unwrap_or(operator);
        let symbol = match base {
            _ if base.ends_with("GreaterThanEquals") => ">=",
            _ if base.ends_with("LessThanEquals") => "<=",
            _ if base.ends_with("GreaterThan") => ">",
            _ if base.ends_with("LessThan") => "<",
            _ if base.ends_with("Equals") => "==",
            "StringMatches" => "matches",
            "IsNull" => {
                return if value == "true" { format!("{variable} is null") } else { format!("{variable} is not null") };
            }
            "IsPresent" => {
                return if value == "true" {
                    format!("{variable} is present")
                } else {
                    format!("{variable} is absent")
                };
            }
            _ if base.starts_with("Is") => {
                let kind = base.trim_start_matches("Is").to_lowercase();
                return if value == "true" {
                    format!("{variable} is {kind}")
                } else {
                    format!("{variable} is not {kind}")
                };
            }
            _ => operator,
        };
        return format!("{variable} {symbol} {value}");
    }
    String::new()
}

/// Sizes every node for drawing and lays the graph out (top to bottom), with group boxes
/// and routed edges. Deterministic: the same graph always gets the same picture.
pub fn layout(graph: &Graph) -> crate::layout::Layout {
    use crate::layout::{LayoutEdge, LayoutGroup, LayoutInput, LayoutNode, LayoutOptions};
    let input = LayoutInput {
        nodes: graph
            .nodes
            .iter()
            .map(|node| {
                let (width, height) = node_size(node);
                LayoutNode { id: node.id.clone(), width, height, group: node.group }
            })
            .collect(),
        edges: graph.edges.iter().map(|edge| LayoutEdge { from: edge.from.clone(), to: edge.to.clone() }).collect(),
        groups: graph
            .groups
            .iter()
            .map(|group| LayoutGroup { id: group.id.clone(), parent: group.parent, label_height: 22.0 })
            .collect(),
    };
    crate::layout::layout(&input, &LayoutOptions::default())
}

/// The widest a state's node gets; longer names are shortened with an ellipsis when drawn.
pub const NODE_MAX_WIDTH: f64 = 280.0;
/// The room a node's name leaves on each side of it.
pub const NODE_NAME_PADDING: f64 = 12.0;

/// The drawn size of a node: markers are small circles; states grow with their name, up to
/// [`NODE_MAX_WIDTH`].
pub fn node_size(node: &GraphNode) -> (f64, f64) {
    match node.kind {
        NodeKind::Start | NodeKind::End => (28.0, 28.0),
        NodeKind::State { .. } => {
            let name = text_width(&node.label, TextStyle::Name);
            ((name + 2.0 * NODE_NAME_PADDING + 16.0).clamp(120.0, NODE_MAX_WIDTH), 48.0)
        }
    }
}

/// The name drawn in a node `width` wide: the whole name, or as much of it as fits followed
/// by an ellipsis.
pub fn node_name(name: &str, width: f64) -> std::borrow::Cow<'_, str> {
    fit_text(name, width - 2.0 * NODE_NAME_PADDING, TextStyle::Name)
}

/// The widest an edge's label is drawn; longer labels are shortened with an ellipsis (the
/// whole label is in the edge's tooltip).
pub const EDGE_LABEL_MAX_WIDTH: f64 = 160.0;

/// The label drawn on an edge: the whole label if it fits in [`EDGE_LABEL_MAX_WIDTH`]; else,
/// for a Choice rule's label, its paths shortened to their last step (`$.order.total > 100`
/// reads `…total > 100`: rules often differ in their values, not their paths); and what still
/// does not fit is cut with an ellipsis.
pub fn edge_label(label: &str) -> std::borrow::Cow<'_, str> {
    if text_width(label, TextStyle::Label) <= EDGE_LABEL_MAX_WIDTH {
        return std::borrow::Cow::Borrowed(label);
    }
    let short = shorten_paths(label);
    std::borrow::Cow::Owned(fit_text(&short, EDGE_LABEL_MAX_WIDTH, TextStyle::Label).into_owned())
}

/// `label` with each path outside quotes (a word that starts with `$` and has a `.` or `[`
/// after it) replaced by an ellipsis and its last step: `$$.Execution.Input.quorum` becomes
/// `…quorum`, `$.items[0]` becomes `…items[0]`.
fn shorten_paths(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut quoted = false;
    for (index, word) in label.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        // Rules join with `(…) and (…)`: a path may follow opening parentheses.
        let opened = word.len() - word.trim_start_matches('(').len();
        out.push_str(&word[..opened]);
        let word = &word[opened..];
        let is_path = !quoted && word.starts_with('$') && word[1..].contains(['.', '[']);
        if is_path {
            // The last step: after the last `.` that is not inside brackets.
            let mut depth = 0usize;
            let mut cut = None;
            for (at, character) in word.char_indices() {
                match character {
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    '.' if depth == 0 => cut = Some(at),
                    _ => {}
                }
            }
            match cut {
                Some(at) if at + 1 < word.len() => {
                    out.push('\u{2026}');
                    out.push_str(&word[at + 1..]);
                }
                _ => out.push_str(word),
            }
        } else {
            out.push_str(word);
        }
        // A quote that opens or closes a string value (escaped quotes do not count).
        let mut escaped = false;
        for character in word.chars() {
            match character {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => quoted = !quoted,
                _ => escaped = false,
            }
        }
    }
    out
}

/// Where an edge's label is drawn, as `(x, y, text-anchor)`: just above the middle of its
/// route, on the side the route heads to. For a label that moves with a dragged node; a still
/// picture places its labels with [`place_edge_labels`].
pub fn edge_label_place(points: &[(f64, f64)]) -> (f64, f64, &'static str) {
    let Some(&first) = points.first() else { return (0.0, 0.0, "start") };
    let (x, y) = point_along(points, 0.5, true);
    let heading = points[points.len() - 1].0 - first.0;
    if heading < -8.0 { (x - 4.0, y - 4.0, "end") } else { (x + 4.0, y - 4.0, "start") }
}

/// The control points of the curve drawn for a two-point edge from `(x1, y1)` down to
/// `(x2, y2)`: it leaves and enters vertically.
pub fn curve_controls((x1, y1): (f64, f64), (x2, y2): (f64, f64)) -> [(f64, f64); 2] {
    let bend = ((y2 - y1).abs() / 2.0).max(40.0);
    [(x1, y1 + bend), (x2, y2 - bend)]
}

/// The point a fraction `t` of the way along a drawn edge: along the curve of
/// [`curve_controls`] for two points when `curved`, else along the straight segments.
pub fn point_along(points: &[(f64, f64)], t: f64, curved: bool) -> (f64, f64) {
    match points {
        [] => (0.0, 0.0),
        [only] => *only,
        [from, to] if curved => {
            let [c1, c2] = curve_controls(*from, *to);
            let u = 1.0 - t;
            let at = |a: f64, b: f64, c: f64, d: f64| {
                u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
            };
            (at(from.0, c1.0, c2.0, to.0), at(from.1, c1.1, c2.1, to.1))
        }
        _ => {
            let lengths: Vec<f64> = points.windows(2).map(|pair| segment_length(pair[0], pair[1])).collect();
            let mut left = lengths.iter().sum::<f64>() * t.clamp(0.0, 1.0);
            for (pair, length) in points.windows(2).zip(&lengths) {
                if left <= *length && *length > 0.0 {
                    let f = left / length;
                    return (pair[0].0 + (pair[1].0 - pair[0].0) * f, pair[0].1 + (pair[1].1 - pair[0].1) * f);
                }
                left -= length;
            }
            points[points.len() - 1]
        }
    }
}

/// The length of a segment, with only IEEE-exact operations (`hypot` comes from the platform's
/// maths library, which may round differently on the server and in the browser; the execution
/// views' pictures are drawn on both and must agree).
fn segment_length(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    (dx * dx + dy * dy).sqrt()
}

/// Where a label's text is drawn: its baseline point and SVG `text-anchor`, and the text itself
/// (shortened by [`edge_label`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LabelPlace {
    /// The anchor point.
    pub x: f64,
    /// The baseline.
    pub y: f64,
    /// `start` (the text runs right of `x`) or `end` (left of it).
    pub anchor: &'static str,
    /// What is drawn.
    pub text: String,
}

/// Places the labels of a picture's edges so that, where the room allows, none covers another
/// label or a node. Each label goes beside its route, first at the middle on the side the
/// edge heads to, else at the first of a few other points along it (either side) that is
/// clear, else where it covers least. `edges` are the drawn routes with their labels (an empty
/// label gets no place), `nodes` the boxes as `(x, y, width, height)`, and `curved` says
/// whether two-point routes are drawn as curves. Deterministic, in the order of `edges`.
pub fn place_edge_labels(
    edges: &[(&[(f64, f64)], &str)],
    nodes: &[(f64, f64, f64, f64)],
    curved: bool,
) -> Vec<Option<LabelPlace>> {
    let mut taken = Occupied::default();
    for &(x, y, width, height) in nodes {
        // Covering a node's text is worse than covering another label.
        taken.add((x, y, x + width, y + height), 2.0);
    }
    edges
        .iter()
        .map(|&(points, label)| {
            let (first, last) = (points.first()?, points.last()?);
            if label.is_empty() {
                return None;
            }
            let text = edge_label(label).into_owned();
            let width = text_width(&text, TextStyle::Label);
            let sides = if last.0 - first.0 < -8.0 { ["end", "start"] } else { ["start", "end"] };
            let mut best: Option<(f64, f64, f64, &'static str, Rect)> = None;
            'search: for t in [0.5, 0.35, 0.65, 0.2, 0.8] {
                let (px, py) = point_along(points, t, curved);
                for anchor in sides {
                    let (x, y) = (if anchor == "end" { px - 4.0 } else { px + 4.0 }, py - 4.0);
                    let (left, right) = if anchor == "end" { (x - width, x) } else { (x, x + width) };
                    // The text's box (11-pixel text stands about 10 above its baseline and 3
                    // below it), with a little room around it so that two labels side by side
                    // do not read as one.
                    let rect = (left - 4.0, y - 11.0, right + 4.0, y + 4.0);
                    let cost = taken.covered(&rect);
                    if best.as_ref().is_none_or(|best| cost < best.0) {
                        best = Some((cost, x, y, anchor, rect));
                    }
                    if cost == 0.0 {
                        break 'search;
                    }
                }
            }
            let (_, x, y, anchor, rect) = best?;
            taken.add(rect, 1.0);
            Some(LabelPlace { x, y, anchor, text })
        })
        .collect()
}

/// [`place_edge_labels`] for a graph as [`layout`] placed it: the labels of `graph.edges`, in
/// order, along the layout's routes (straight segments, or curves for two-point routes when
/// `curved`).
pub fn layout_labels(graph: &Graph, layout: &crate::layout::Layout, curved: bool) -> Vec<Option<LabelPlace>> {
    let routes: Vec<Vec<(f64, f64)>> =
        layout.edges.iter().map(|routed| routed.points.iter().map(|point| (point.x, point.y)).collect()).collect();
    let labelled: Vec<(&[(f64, f64)], &str)> =
        routes.iter().zip(&graph.edges).map(|(route, edge)| (route.as_slice(), edge.label.as_str())).collect();
    let boxes: Vec<(f64, f64, f64, f64)> =
        layout.nodes.iter().map(|node| (node.x, node.y, node.width, node.height)).collect();
    place_edge_labels(&labelled, &boxes, curved)
}

/// A box as `(left, top, right, bottom)`.
type Rect = (f64, f64, f64, f64);

/// The boxes already drawn, each with how bad covering it is, in a grid of cells so that a
/// box is tested against its neighbours only.
#[derive(Default)]
struct Occupied {
    rects: Vec<(Rect, f64)>,
    grid: std::collections::HashMap<(i64, i64), Vec<usize>>,
}

impl Occupied {
    const CELL: f64 = 128.0;

    fn cells(rect: &Rect) -> impl Iterator<Item = (i64, i64)> + use<> {
        let cell = |value: f64| (value / Self::CELL).floor() as i64;
        let (x0, y0, x1, y1) = (cell(rect.0), cell(rect.1), cell(rect.2), cell(rect.3));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    fn add(&mut self, rect: Rect, weight: f64) {
        for cell in Self::cells(&rect) {
            self.grid.entry(cell).or_default().push(self.rects.len());
        }
        self.rects.push((rect, weight));
    }

    /// How much of `rect` is covered, weighted: 0 when it is clear.
    fn covered(&self, rect: &Rect) -> f64 {
        let mut total = 0.0;
        for cell in Self::cells(rect) {
            for &index in self.grid.get(&cell).map(Vec::as_slice).unwrap_or_default() {
                let (other, weight) = self.rects[index];
                let (left, top) = (rect.0.max(other.0), rect.1.max(other.1));
                let (width, height) = (rect.2.min(other.2) - left, rect.3.min(other.3) - top);
                // Two boxes can share several cells: their overlap is counted in the cell of
                // its top-left corner only.
                if width > 0.0 && height > 0.0 && Self::cells(&(left, top, left, top)).next() == Some(cell) {
                    total += width * height * weight;
                }
            }
        }
        total
    }
}

/// The two text styles of a drawn graph (see `style/`): a state's name, bold at 12 px, and an
/// edge's label at 11 px.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextStyle {
    /// A state's name in its node.
    Name,
    /// A transition's label.
    Label,
}

/// Advance widths of the printable ASCII characters (space to `~`), in tenths of a pixel, of
/// DejaVu Sans (what `system-ui, sans-serif` is on Linux; wider than the macOS and Windows
/// system fonts, so text measured with it fits there too), measured in Chromium: bold at 12 px
/// and regular at 11 px.
const NAME_WIDTHS: [u8; 95] = [
    42, 55, 62, 100, 84, 120, 105, 37, 55, 55, 63, 100, 46, 50, 46, 44, 84, 84, 84, 84, 84, 84, 84, 84, 84, 84, 48, 48,
    100, 100, 100, 70, 120, 93, 92, 88, 100, 82, 82, 98, 100, 45, 45, 93, 76, 119, 100, 102, 88, 102, 92, 86, 82, 97,
    93, 132, 92, 87, 87, 55, 44, 55, 100, 60, 60, 81, 86, 71, 86, 81, 52, 86, 85, 41, 41, 80, 41, 125, 85, 82, 86, 86,
    59, 71, 57, 85, 78, 111, 77, 78, 70, 85, 44, 85, 100,
];
const LABEL_WIDTHS: [u8; 95] = [
    35, 44, 51, 92, 70, 104, 86, 30, 43, 43, 55, 92, 35, 40, 35, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 37, 37,
    92, 92, 92, 58, 110, 75, 76, 77, 85, 70, 63, 85, 83, 32, 32, 72, 61, 95, 82, 87, 66, 87, 76, 70, 67, 80, 75, 109,
    75, 67, 75, 43, 37, 43, 92, 55, 55, 67, 70, 60, 70, 68, 39, 70, 70, 31, 31, 64, 31, 107, 70, 67, 70, 70, 45, 57,
    43, 70, 65, 90, 65, 65, 58, 70, 37, 70, 92,
];

/// The estimated width of one character, in pixels.
fn char_width(character: char, style: TextStyle) -> f64 {
    let (table, em) = match style {
        TextStyle::Name => (&NAME_WIDTHS, 12.0),
        TextStyle::Label => (&LABEL_WIDTHS, 11.0),
    };
    match character as u32 {
        code @ 0x20..=0x7e => f64::from(table[(code - 0x20) as usize]) / 10.0,
        // Combining marks and zero-width characters take no room of their own.
        0x300..=0x36f | 0x200b..=0x200f => 0.0,
        // East Asian scripts, full-width forms and emoji: a whole em.
        0x1100..=0x115f
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd => em,
        // Other letters (accented Latin, Greek, Cyrillic, …): about a wide lowercase letter.
        _ => em * 0.72,
    }
}

/// The estimated width of `text` drawn in `style`, in pixels.
pub fn text_width(text: &str, style: TextStyle) -> f64 {
    text.chars().map(|character| char_width(character, style)).sum()
}

/// `text` if it fits in `max_width` pixels, else its longest start that fits with an
/// ellipsis after it.
pub fn fit_text(text: &str, max_width: f64, style: TextStyle) -> std::borrow::Cow<'_, str> {
    if text_width(text, style) <= max_width {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = max_width - char_width('\u{2026}', style).max(char_width('.', style) * 3.0);
    let mut used = 0.0;
    let mut end = 0;
    for (index, character) in text.char_indices() {
        used += char_width(character, style);
        if used > room {
            break;
        }
        end = index + character.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}\u{2026}", text[..end].trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(graph: &Graph) -> Vec<(String, String, String)> {
        graph.edges.iter().map(|edge| (edge.from.clone(), edge.to.clone(), edge.label.clone())).collect()
    }

    #[test]
    fn choice_catch_and_markers_become_labelled_edges() {
        let root = crate::json::parse(
            r#"{"StartAt":"Check","States":{
                "Check":{"Type":"Choice","Choices":[{"Variable":"$.total","NumericGreaterThan":100,"Next":"Charge"}],"Default":"Done"},
                "Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"Done",
                          "Catch":[{"ErrorEquals":["States.Timeout","States.TaskFailed"],"Next":"Failed"}]},
                "Failed":{"Type":"Fail"},
                "Done":{"Type":"Succeed"}}}"#,
        )
        .expect("valid JSON");
        let graph = graph(&root);
        let expected = [
            ("#start", "/States/Check", ""),
            ("/States/Check", "/States/Charge", "$.total > 100"),
            ("/States/Check", "/States/Done", "Default"),
            ("/States/Charge", "/States/Done", ""),
            ("/States/Charge", "/States/Failed", "States.Timeout, States.TaskFailed"),
            ("/States/Failed", "#end", ""),
            ("/States/Done", "#end", ""),
        ];
        let expected: Vec<_> = expected.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
        assert_eq!(edges(&graph), expected);
    }

    #[test]
    fn parallel_branches_are_nested_groups_that_lead_to_next() {
        let root = crate::json::parse(
            r#"{"StartAt":"P","States":{
                "P":{"Type":"Parallel","Next":"After","Branches":[
                    {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
                    {"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]},
                "After":{"Type":"Succeed"}}}"#,
        )
        .expect("valid JSON");
        let graph = graph(&root);
        let groups: Vec<_> = graph.groups.iter().map(|group| (group.id.as_str(), group.parent)).collect();
        assert_eq!(groups, [("/States/P", None), ("/States/P/Branches/0", Some(0)), ("/States/P/Branches/1", Some(0))]);
        let a = graph.nodes.iter().find(|node| node.label == "A").expect("A");
        assert_eq!(a.group, Some(1));
        let edges = edges(&graph);
        assert!(edges.contains(&("/States/P".into(), "/States/P/Branches/0/States/A".into(), String::new())));
        assert!(edges.contains(&("/States/P/Branches/1/States/B".into(), "/States/After".into(), String::new())));
    }

    #[test]
    fn long_names_are_shortened_to_fit_their_node() {
        let state = |label: &str| GraphNode {
            id: format!("/States/{label}"),
            label: label.to_string(),
            kind: NodeKind::State { state_type: "Pass".into(), query_language: "JSONPath".into() },
            group: None,
        };
        // A short name gets the narrowest node and is drawn whole.
        let short = state("Done");
        let (width, _) = node_size(&short);
        assert_eq!(width, 120.0);
        assert_eq!(node_name("Done", width), "Done");
        // A name that fits in the widest node is drawn whole, in a node wide enough for it.
        let fits = "Update Process1 Failure";
        let (width, _) = node_size(&state(fits));
        assert!(width > 120.0 && width < NODE_MAX_WIDTH, "{width}");
        assert_eq!(node_name(fits, width), fits);
        // A longer one (a real name from the corpus) is cut short with an ellipsis,
        // and what is drawn fits between the node's paddings.
        let long = "Wait For Other Processes to Complete or For Time out 1";
        let (width, _) = node_size(&state(long));
        assert_eq!(width, NODE_MAX_WIDTH);
        let drawn = node_name(long, width);
        assert!(drawn.ends_with('\u{2026}') && long.starts_with(drawn.trim_end_matches('\u{2026}')), "{drawn}");
        assert!(text_width(&drawn, TextStyle::Name) <= width - 2.0 * NODE_NAME_PADDING, "{drawn}");
        assert!(drawn.chars().count() > 30, "{drawn}");
        // Wide scripts count as wide.
        assert!(text_width("承認待ち", TextStyle::Name) > text_width("Wait", TextStyle::Name) * 1.5);
        assert_eq!(fit_text("承認待ちの状態です", 40.0, TextStyle::Label), "承認\u{2026}");
    }

    /// The box a placed label covers, as `place_edge_labels` measures it.
    fn label_box(place: &LabelPlace) -> (f64, f64, f64, f64) {
        let width = text_width(&place.text, TextStyle::Label);
        let left = if place.anchor == "end" { place.x - width } else { place.x };
        (left, place.y - 10.0, left + width, place.y + 3.0)
    }

    fn apart(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1
    }

    #[test]
    fn labels_of_edges_that_fan_out_cover_neither_each_other_nor_a_state() {
        // A Choice at the top with three rules to three states in the row below it, as the
        // layout places them: two of the edges head left, one right.
        let choice = (372.0, 296.0, 165.0, 44.0);
        let targets = [(220.0, 384.0, 113.0, 44.0), (368.0, 384.0, 126.0, 44.0), (530.0, 384.0, 253.0, 44.0)];
        let out = (choice.0 + choice.2 / 2.0, choice.1 + choice.3);
        let routes: Vec<Vec<(f64, f64)>> = targets.iter().map(|t| vec![out, (t.0 + t.2 / 2.0, t.1)]).collect();
        let labels = [
            "$.completed_processes_count >= $$.Execution.Input.quorum",
            "$.failed_processes_count > $$.Execution.Input.allowed_failures",
            "Default",
        ];
        let edges: Vec<(&[(f64, f64)], &str)> = routes.iter().map(Vec::as_slice).zip(labels).collect();
        let mut nodes = vec![choice];
        nodes.extend(targets);
        let places: Vec<LabelPlace> = place_edge_labels(&edges, &nodes, true).into_iter().map(Option::unwrap).collect();

        let boxes: Vec<_> = places.iter().map(label_box).collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                // Labels side by side keep a gap, so that they do not read as one.
                let widened = (b.0 - 4.0, b.1, b.2 + 4.0, b.3);
                assert!(apart(*a, widened), "{places:?}");
            }
            for node in &nodes {
                assert!(
                    apart(*a, (node.0, node.1, node.0 + node.2, node.1 + node.3)),
                    "{:?} covers {node:?}",
                    places[i]
                );
            }
        }
        // Long rules are shortened; the first label keeps its preferred place, on the left of
        // its edge's middle, since its edge heads left.
        assert!(places[0].text.ends_with('\u{2026}') && places[0].text.len() < labels[0].len());
        assert_eq!(places[0].anchor, "end");
        assert_eq!(places[2].text, "Default");
        // No label, no place.
        assert_eq!(place_edge_labels(&[(routes[0].as_slice(), "")], &nodes, true), [None]);
    }

    #[test]
    fn long_rule_labels_keep_their_values_and_lose_their_paths_first() {
        // Short enough: unchanged.
        assert_eq!(edge_label("$.n > 1"), "$.n > 1");
        // Paths are cut to their last step, so what tells two rules apart stays readable.
        assert_eq!(edge_label("$.taskresult.detail.action == \"remedy\""), "\u{2026}action == \"remedy\"");
        assert_eq!(
            edge_label("$.counts.completed >= $$.Execution.Input.quorum"),
            "\u{2026}completed >= \u{2026}quorum"
        );
        // A path inside a quoted value is a value, and stays.
        assert_eq!(
            shorten_paths("$.body.kind == \"$.not.a.path here\" and $.x.y"),
            "\u{2026}kind == \"$.not.a.path here\" and \u{2026}y"
        );
        // Bracketed steps stay whole.
        assert_eq!(
            shorten_paths("$.items[0].price.amount > $.limits['a.b']"),
            "\u{2026}amount > \u{2026}limits['a.b']"
        );
        // What still does not fit is cut.
        let long = edge_label(
            "($.order.customer.tier == \"gold\") and ($.order.total.amount >= 1000) and ($.order.region == \"eu\")",
        );
        assert!(long.ends_with('\u{2026}') && text_width(&long, TextStyle::Label) <= EDGE_LABEL_MAX_WIDTH, "{long}");
        assert!(long.starts_with("(\u{2026}tier == \"gold\")"), "{long}");
    }

    #[test]
    fn points_along_a_route_follow_its_segments_and_its_curve() {
        let route = [(0.0, 0.0), (0.0, 100.0), (100.0, 100.0)];
        assert_eq!(point_along(&route, 0.5, true), (0.0, 100.0));
        assert_eq!(point_along(&route, 0.75, false), (50.0, 100.0));
        // A two-point curve leaves and enters vertically, and passes through the middle.
        let curve = [(0.0, 0.0), (100.0, 200.0)];
        assert_eq!(point_along(&curve, 0.5, true), (50.0, 100.0));
        let near_start = point_along(&curve, 0.1, true);
        assert!(near_start.0 < 10.0 && near_start.1 > 20.0, "{near_start:?}");
    }

    #[test]
    fn rule_labels_read_like_conditions() {
        let check = |rule: &str, expected: &str| {
            let rule = crate::json::parse(rule).expect("valid JSON");
            assert_eq!(rule_label(&rule), expected);
        };
        check(r#"{"Variable":"$.a","StringEquals":"x"}"#, "$.a == \"x\"");
        check(r#"{"Variable":"$.a","NumericLessThanEqualsPath":"$.b"}"#, "$.a <= $.b");
        check(r#"{"Not":{"Variable":"$.a","IsPresent":true}}"#, "not ($.a is present)");
        check(
            r#"{"And":[{"Variable":"$.a","BooleanEquals":true},{"Variable":"$.b","IsNumeric":false}]}"#,
            "($.a == true) and ($.b is not numeric)",
        );
        check(r#"{"Condition":"{% $states.input.n > 1 %}"}"#, "$states.input.n > 1");
    }
}

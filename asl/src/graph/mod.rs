//! The graph of a definition, for the designer and the execution views: a node per state,
//! labelled edges for every transition, nested groups for Parallel branches and Map item
//! processors, and start and end markers.
//!
//! A Parallel or Map state is drawn as a group that holds the state's own node at its top and
//! its inner states below it; the state's node leads into each inner `StartAt`, and the
//! inner terminal states lead out to the state's `Next` (or to the end marker). Catch edges
//! leave from the state's node.

mod labels;
mod text;

pub use labels::{
    EDGE_LABEL_MAX_WIDTH, LabelPlace, curve_controls, edge_label, edge_label_place, layout_labels, place_edge_labels,
    point_along,
};
pub use text::{TextStyle, fit_text, text_width};

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
    /// For each Parallel and Map state, by id: the inner states whose completion leaves it
    /// (they lead to its `Next` or to the end), in document order.
    pub exits: std::collections::BTreeMap<String, Vec<String>>,
    /// Transitions that name a state their `States` does not have, as while a key is renamed.
    pub dangling: Vec<Dangling>,
}

/// A transition that names a state its `States` does not have: it gets no edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Dangling {
    /// The node it leaves: the state, `#start` for the machine's `StartAt`, a Parallel's or
    /// Map's node for its branches' `StartAt`.
    pub from: String,
    /// The pointer of the object whose `States` it names a state of (`""` for the machine's).
    pub scope: String,
    /// The name it gives.
    pub name: String,
    /// Whether it is a `Next`, which for a Parallel or a Map leaves from the inner states that
    /// complete it ([`Graph::exits`]).
    pub next: bool,
    /// Where its edge would be in [`Graph::edges`].
    pub at: usize,
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
    if let Some(start) = root.get("StartAt").and_then(Node::as_str) {
        if root.get("States").and_then(|states| states.get(start)).is_some() {
            let target = pointer_push("/States", start);
            builder.edge("#start", &target, EdgeKind::Next, "");
        } else {
            builder.dangle("#start", "", start, false);
        }
    }
    builder.scope(root, "", None, Some("#end"));
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

    /// A transition from `from` to the state `name` of the `States` of `scope`: an edge to `to`,
    /// its id, when they have it, or else a note that it names no state.
    fn transition(
        &mut self,
        from: &str,
        scope: &str,
        name: &str,
        to: Option<String>,
        kind: EdgeKind,
        label: impl FnOnce() -> String,
    ) {
        match to {
            Some(to) => self.edge(from, &to, kind, label()),
            None => self.dangle(from, scope, name, false),
        }
    }

    /// Notes a transition from `from` to `name`, which the `States` of `scope` lack, where its
    /// edge would be.
    fn dangle(&mut self, from: &str, scope: &str, name: &str, next: bool) {
        let at = self.graph.edges.len();
        self.graph.dangling.push(Dangling {
            from: from.to_string(),
            scope: scope.to_string(),
            name: name.to_string(),
            next,
            at,
        });
    }

    /// Adds the states of a scope. `exit` is where the scope's terminal states lead (nowhere for
    /// a Parallel or Map whose `Next` names no state). Returns the states that lead to it.
    fn scope(&mut self, container: &Node, pointer: &str, group: Option<usize>, exit: Option<&str>) -> Vec<String> {
        let mut leaving = Vec::new();
        let Some(states) = container.get("States").and_then(Node::members) else { return leaving };
        let states_pointer = pointer_push(pointer, "States");
        let target = |name: &str| pointer_push(&states_pointer, name);
        let names: std::collections::HashSet<&str> = states.iter().map(|member| member.key.as_str()).collect();
        let exists = |name: &str| names.contains(name);
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
            let named_next = state.get("Next").and_then(Node::as_str);
            let next = named_next.filter(|name| exists(name)).map(target);
            let ends = state.get("End").and_then(Node::as_bool) == Some(true)
                || matches!(state_type.as_str(), "Succeed" | "Fail");
            let onward = next.clone().or_else(|| if ends { exit.map(str::to_string) } else { None });
            if let Some(name) = named_next.filter(|name| !exists(name)) {
                self.dangle(&id, pointer, name, true);
            }

            let completes = if nested {
                self.nested(state, &id, &state_type, own_group, onward.as_deref())
            } else {
                if let Some(onward) = &onward {
                    self.edge(&id, onward, EdgeKind::Next, "");
                }
                vec![id.clone()]
            };
            if next.is_none() && ends {
                leaving.extend(completes);
            }

            if let Some(rules) = state.get("Choices").and_then(Node::elements) {
                for (index, rule) in rules.iter().enumerate() {
                    if let Some(name) = rule.get("Next").and_then(Node::as_str) {
                        let to = exists(name).then(|| target(name));
                        self.transition(&id, pointer, name, to, EdgeKind::Choice(index), || rule_label(rule));
                    }
                }
            }
            if let Some(name) = state.get("Default").and_then(Node::as_str) {
                let to = exists(name).then(|| target(name));
                self.transition(&id, pointer, name, to, EdgeKind::Default, || "Default".to_string());
            }
            if let Some(catchers) = state.get("Catch").and_then(Node::elements) {
                for (index, catcher) in catchers.iter().enumerate() {
                    if let Some(name) = catcher.get("Next").and_then(Node::as_str) {
                        let to = exists(name).then(|| target(name));
                        let errors = || {
                            let errors = catcher.get("ErrorEquals").and_then(Node::elements).unwrap_or_default();
                            errors.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(", ")
                        };
                        self.transition(&id, pointer, name, to, EdgeKind::Catch(index), errors);
                    }
                }
            }
        }
        leaving
    }

    /// Adds a Parallel's branches or a Map's item processor, whose terminal states lead to
    /// `exit`. Returns those states, which it also keeps in [`Graph::exits`].
    fn nested(
        &mut self,
        state: &Node,
        id: &str,
        state_type: &str,
        own_group: Option<usize>,
        exit: Option<&str>,
    ) -> Vec<String> {
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
        let mut leaving = Vec::new();
        for (pointer, machine, group) in inner {
            if let Some(start) = machine.get("StartAt").and_then(Node::as_str) {
                if machine.get("States").and_then(|states| states.get(start)).is_some() {
                    let start_id = pointer_push(&pointer_push(&pointer, "States"), start);
                    self.edge(id, &start_id, EdgeKind::Enter, "");
                } else {
                    self.dangle(id, &pointer, start, false);
                }
            }
            let completes = self.scope(machine, &pointer, group, exit);
            leaving.extend(completes);
        }
        self.graph.exits.insert(id.to_string(), leaving.clone());
        leaving
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
        hints: unreached_hints(graph),
    };
    crate::layout::layout(&input, &LayoutOptions::default())
}

/// Hints that keep a state nothing leads to where its transitions would put it. Such a state is
/// a passing error while a definition is edited: a key renamed before the names that lead to
/// it, a state pasted before it is connected. Without them, the state would start a column of
/// its own at the top, and the states after it would go with it, so the whole picture would
/// change while one name is typed.
/// - Where its `States` hold one such state and the transitions in them name one state they
///   lack, that is a key being renamed: those transitions are laid out to it, where their edges
///   were.
/// - Otherwise it is laid out below the state written before it, as if that one's `Next` named
///   it, unless that would close a cycle.
fn unreached_hints(graph: &Graph) -> Vec<crate::layout::LayoutHint> {
    use crate::layout::{LayoutEdge, LayoutHint};
    use std::collections::HashMap;
    let index: HashMap<&str, usize> = graph.nodes.iter().enumerate().map(|(at, node)| (node.id.as_str(), at)).collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    let mut reached = vec![false; graph.nodes.len()];
    for edge in &graph.edges {
        if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
            next[from].push(to);
            reached[to] = true;
        }
    }
    // Where a transition from `from` would leave: a Parallel's or a Map's inner states that
    // complete it, for its `Next`.
    let sources = |from: &str, completing: bool| match graph.exits.get(from) {
        Some(inner) if completing && !inner.is_empty() => inner.clone(),
        _ => vec![from.to_string()],
    };
    // Where an edge from `source` would be: edges come in the document order of their sources.
    let place = |source: usize| {
        graph
            .edges
            .iter()
            .position(|edge| index.get(edge.from.as_str()).is_some_and(|&other| other >= source))
            .unwrap_or(graph.edges.len())
    };
    let mut hints = Vec::new();

    // Renamed keys.
    let mut renamed = Vec::new();
    for (first, reference) in graph.dangling.iter().enumerate() {
        let references = || graph.dangling.iter().filter(|other| other.scope == reference.scope);
        // Each scope once, and only where the transitions name one state.
        if graph.dangling[..first].iter().any(|other| other.scope == reference.scope)
            || references().any(|other| other.name != reference.name)
        {
            continue;
        }
        let mut unreached = (0..graph.nodes.len()).filter(|&at| {
            let node = &graph.nodes[at];
            !reached[at]
                && matches!(node.kind, NodeKind::State { .. })
                && scope_of(&node.id) == Some(reference.scope.as_str())
        });
        if let (Some(state), None) = (unreached.next(), unreached.next()) {
            renamed.push((state, references().collect::<Vec<_>>()));
        }
    }
    for (state, references) in renamed {
        for reference in references {
            let inner = sources(&reference.from, reference.next);
            let own = inner.len() == 1 && inner[0] == reference.from;
            for from in inner {
                let Some(&source) = index.get(from.as_str()) else { continue };
                next[source].push(state);
                let before = if own { reference.at } else { place(source) };
                hints.push(LayoutHint { edge: LayoutEdge { from, to: graph.nodes[state].id.clone() }, before });
            }
        }
        reached[state] = true;
    }

    // States nothing leads to, below the state written before them.
    let mut last_in: HashMap<&str, usize> = HashMap::new();
    for (at, node) in graph.nodes.iter().enumerate() {
        if !matches!(node.kind, NodeKind::State { .. }) {
            continue;
        }
        let Some(scope) = scope_of(&node.id) else { continue };
        if let Some(previous) = last_in.insert(scope, at)
            && !reached[at]
            && !leads_to(&next, at, &graph.nodes, &graph.nodes[previous].id)
        {
            for from in sources(&graph.nodes[previous].id, true) {
                let Some(&source) = index.get(from.as_str()) else { continue };
                next[source].push(at);
                hints.push(LayoutHint { edge: LayoutEdge { from, to: node.id.clone() }, before: place(source) });
            }
        }
    }
    hints
}

/// The pointer of the object whose `States` hold the state `id` (`""` for the machine's), or
/// `None` for a marker.
pub fn scope_of(id: &str) -> Option<&str> {
    id.rfind("/States/").map(|cut| &id[..cut])
}

/// Whether a path leads from node `start` to the state `target` or into it (a state inside
/// it, when it is a Parallel or a Map).
fn leads_to(next: &[Vec<usize>], start: usize, nodes: &[GraphNode], target: &str) -> bool {
    let inside = |id: &str| id.strip_prefix(target).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let mut seen = vec![false; nodes.len()];
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        if std::mem::replace(&mut seen[at], true) {
            continue;
        }
        if inside(&nodes[at].id) {
            return true;
        }
        stack.extend(next[at].iter().copied().filter(|&to| !seen[to]));
    }
    false
}

/// How far apart, in pixels, edges that join the same two nodes are drawn (a Choice rule and
/// the Default to one state, or a Next and a Catch): side by side instead of one over the other.
pub const PARALLEL_EDGE_GAP: f64 = 14.0;

/// For each edge, given by its two ends, the horizontal shift to draw it with: 0 for the only
/// edge between its nodes; for n edges between the same two, shifts `PARALLEL_EDGE_GAP` apart
/// around 0, in the order given.
pub fn parallel_offsets<'a>(ends: &[(&'a str, &'a str)]) -> Vec<f64> {
    let mut counts: std::collections::HashMap<(&str, &str), (usize, usize)> = std::collections::HashMap::new();
    for end in ends {
        counts.entry(*end).or_default().0 += 1;
    }
    ends.iter()
        .map(|end| {
            let (total, seen) = counts.get_mut(end).expect("counted above");
            let offset = (*seen as f64 - (*total as f64 - 1.0) / 2.0) * PARALLEL_EDGE_GAP;
            *seen += 1;
            offset
        })
        .collect()
}

/// The routes of a laid-out graph's edges as drawn, in the order of `graph.edges`: the
/// layout's points, each shifted by [`parallel_offsets`].
pub fn drawn_routes(graph: &Graph, layout: &crate::layout::Layout) -> Vec<Vec<(f64, f64)>> {
    let ends: Vec<(&str, &str)> = graph.edges.iter().map(|edge| (edge.from.as_str(), edge.to.as_str())).collect();
    layout
        .edges
        .iter()
        .zip(parallel_offsets(&ends))
        .map(|(routed, offset)| routed.points.iter().map(|point| (point.x + offset, point.y)).collect())
        .collect()
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

    /// A chain of `count` Tasks that catch into one Fail, a Choice every fifth state that skips
    /// one, and a Parallel past the middle: the shape of a long real workflow.
    fn long_chain(count: usize) -> String {
        let name = |index: usize| format!("Step {index}");
        let mut states = Vec::new();
        for index in 0..count {
            let next =
                if index + 1 < count { format!(r#""Next":"{}""#, name(index + 1)) } else { r#""End":true"#.into() };
            let state = if index % 5 == 4 && index + 2 < count {
                format!(
                    r#"{{"Type":"Choice","Choices":[{{"Variable":"$.n","NumericGreaterThan":1,"Next":"{}"}}],"Default":"{}"}}"#,
                    name(index + 2),
                    name(index + 1)
                )
            } else if index == count / 2 + 2 {
                format!(
                    r#"{{"Type":"Parallel",{next},"Catch":[{{"ErrorEquals":["States.ALL"],"Next":"Failed"}}],"Branches":[
                        {{"StartAt":"L","States":{{"L":{{"Type":"Pass","Next":"L2"}},"L2":{{"Type":"Pass","End":true}}}}}},
                        {{"StartAt":"R","States":{{"R":{{"Type":"Pass","End":true}}}}}}]}}"#
                )
            } else {
                format!(
                    r#"{{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",{next},"Catch":[{{"ErrorEquals":["States.ALL"],"Next":"Failed"}}]}}"#
                )
            };
            states.push(format!(r#""{}":{state}"#, name(index)));
        }
        states.push(r#""Failed":{"Type":"Fail"}"#.into());
        format!(r#"{{"StartAt":"{}","States":{{{}}}}}"#, name(0), states.join(","))
    }

    fn corners(text: &str) -> std::collections::BTreeMap<String, (f64, f64)> {
        let root = crate::json::parse(text).expect("valid JSON");
        let layout = layout(&graph(&root));
        layout.nodes.into_iter().map(|node| (node.id, (node.x, node.y))).collect()
    }

    #[test]
    fn a_state_renamed_before_its_references_leaves_the_others_in_place() {
        // Typing a new name over a state's key in the code renames the key before the `Next`
        // that leads to it: nothing leads to the state for a while. The picture must not
        // change around it while the name is typed.
        let text = long_chain(60);
        let before = corners(&text);
        // Step 33 follows the Parallel, Step 44 is a Choice, Step 31 is a Choice rule's target
        // as well as a `Next`'s, every Task's Catch names Failed, StartAt names Step 0, and Step 32
        // is the Parallel.
        for renamed in
            ["Step 0", "Step 1", "Step 13", "Step 29", "Step 31", "Step 33", "Step 44", "Step 58", "Failed", "Step 32"]
        {
            let key = format!(r#""{renamed}":{{"#);
            assert!(text.contains(&key));
            let after = corners(&text.replacen(&key, r#""Step X":{"#, 1));
            let moved: Vec<&String> = after
                .iter()
                .filter(|(id, corner)| {
                    before
                        .get(*id)
                        .is_some_and(|was| (was.0 - corner.0).abs() > 0.02 || (was.1 - corner.1).abs() > 0.02)
                })
                .map(|(id, _)| id)
                .collect();
            assert!(
                moved.is_empty(),
                "renaming {renamed} moved {:?}",
                moved.iter().map(|id| (id, before[*id], after[*id])).take(4).collect::<Vec<_>>()
            );
            // The renamed state is drawn where the old one was, in height.
            let old = before[&format!("/States/{renamed}")];
            assert_eq!(after["/States/Step X"].1, old.1, "{renamed}");
        }
    }

    #[test]
    fn a_state_nothing_leads_to_sits_below_the_state_written_before_it() {
        let root = crate::json::parse(
            r#"{"StartAt":"A","States":{
                "A":{"Type":"Pass","Next":"B"},
                "B":{"Type":"Pass","Next":"C"},
                "C":{"Type":"Pass","End":true},
                "Pasted":{"Type":"Pass","Next":"Loose end"},
                "Loose end":{"Type":"Succeed"},
                "M":{"Type":"Map","Next":"Gone","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
                "After M":{"Type":"Succeed"}}}"#,
        )
        .expect("valid JSON");
        let graph = graph(&root);
        let hints = unreached_hints(&graph);
        let hints: Vec<(&str, &str)> =
            hints.iter().map(|hint| (hint.edge.from.as_str(), hint.edge.to.as_str())).collect();
        // `Loose end` is reached, from `Pasted`. After a Map, from the inner state that
        // completes it, as its `Next` would be drawn (which names no state here, so the inner
        // state leads nowhere).
        assert_eq!(
            hints,
            [
                ("/States/C", "/States/Pasted"),
                ("/States/Loose end", "/States/M"),
                ("/States/M/ItemProcessor/States/I", "/States/After M")
            ]
        );
        assert!(!graph.edges.iter().any(|edge| edge.from.ends_with("/I")));
        let layout = layout(&graph);
        let y = |name: &str| layout.nodes.iter().find(|node| node.id == format!("/States/{name}")).expect(name).y;
        assert!(y("Pasted") > y("C") && y("Loose end") > y("Pasted") && y("M") > y("Loose end"));
        assert!(y("After M") > y("M/ItemProcessor/States/I"));
        // Hints are not drawn: one route per edge.
        assert_eq!(layout.edges.len(), graph.edges.len());
    }

    #[test]
    fn no_hint_closes_a_cycle() {
        // `Orphan` leads back to `A`, written before it: a hint from `B` would close a cycle
        // through `A`, and the layout would then draw one of the real edges as a loop.
        let root = crate::json::parse(
            r#"{"StartAt":"A","States":{
                "A":{"Type":"Pass","Next":"B"},
                "B":{"Type":"Pass","End":true},
                "Orphan":{"Type":"Pass","Next":"A"}}}"#,
        )
        .expect("valid JSON");
        let graph = graph(&root);
        assert!(unreached_hints(&graph).is_empty());
        // And into a Parallel that it would close a cycle through, from inside it.
        let root = crate::json::parse(
            r#"{"StartAt":"P","States":{
                "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"In","States":{"In":{"Type":"Pass","End":true}}}]},
                "Orphan":{"Type":"Pass","Next":"P"}}}"#,
        )
        .expect("valid JSON");
        assert!(unreached_hints(&super::graph(&root)).is_empty());
    }

    #[test]
    fn edges_between_the_same_two_nodes_are_drawn_apart() {
        let ends = [("C", "A"), ("C", "B"), ("C", "A"), ("T", "A"), ("C", "A")];
        let gap = PARALLEL_EDGE_GAP;
        assert_eq!(parallel_offsets(&ends), [-gap, 0.0, 0.0, 0.0, gap]);
        assert_eq!(parallel_offsets(&[("C", "A"), ("C", "A")]), [-gap / 2.0, gap / 2.0]);
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

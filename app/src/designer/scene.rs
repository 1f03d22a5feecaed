//! What the canvas draws: the definition's graph laid out automatically, with the positions a
//! person chose applied on top, group boxes grown around moved states, and edges routed again
//! where an end moved. Pure, so the drawing rules are tested natively.

use std::{
    collections::BTreeMap,
    hash::{Hash, Hasher},
};

use asl::{
    graph::{EdgeKind, GroupKind, LabelPlace, NodeKind},
    json::Node,
};

use super::model::{Position, StatePlace, state_places};

/// A node as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneNode {
    /// The graph's id: the state's pointer, or `#start` / `#end`.
    pub id: String,
    /// The state's name ("Start" / "End" for markers).
    pub name: String,
    /// The state's `Type`; empty for markers.
    pub state_type: String,
    /// Whether this is the start or end marker.
    pub marker: bool,
    /// `JSONata` or `JSONPath`.
    pub query_language: String,
    /// Top-left corner.
    pub x: f64,
    /// Top-left corner.
    pub y: f64,
    /// Size.
    pub width: f64,
    /// Size.
    pub height: f64,
    /// Whether a person placed it (its position is remembered).
    pub placed: bool,
}

impl SceneNode {
    /// Where edges leave it (bottom centre).
    pub fn out_port(&self, dx: f64, dy: f64) -> (f64, f64) {
        (self.x + dx + self.width / 2.0, self.y + dy + self.height)
    }

    /// Where edges enter it (top centre).
    pub fn in_port(&self, dx: f64, dy: f64) -> (f64, f64) {
        (self.x + dx + self.width / 2.0, self.y + dy)
    }
}

/// Which field of which state an edge stands for, so dragging its end can rewrite it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EdgeField {
    /// The scope's `StartAt` (the start marker's edge); the scope pointer.
    StartAt(String),
    /// A pointer to a string field holding the target's name (`/States/A/Next`,
    /// `/States/C/Choices/0/Next`, `/States/C/Default`, `/States/T/Catch/1/Next`).
    Field(String),
    /// Not a field (an End, a Parallel/Map entering its branch): it cannot be reconnected.
    Fixed,
}

/// An edge as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneEdge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Source and target names (as `data-edge-from` / `data-edge-to` show them).
    pub from_name: String,
    /// See `from_name`.
    pub to_name: String,
    /// `next`, `choice`, `default`, `catch`, `branch` (`data-edge-kind`).
    pub kind: &'static str,
    /// The label ("Default", a rule summary, Catch error names).
    pub label: String,
    /// The automatic route, when neither end was moved; otherwise the canvas draws a curve.
    pub route: Option<Vec<(f64, f64)>>,
    /// What dragging its end rewrites.
    pub field: EdgeField,
    /// Where its label is drawn (placed clear of the other labels and the nodes where there is
    /// room), if it has one.
    pub label_place: Option<LabelPlace>,
    /// Its horizontal shift from the nodes' ports, apart from other edges between the same two
    /// nodes ([`asl::graph::parallel_offsets`]); the route already has it.
    pub offset: f64,
}

/// What tells an edge from the others: its ends, its kind and its field.
pub type EdgeIdentity = (String, String, &'static str, EdgeField);

impl SceneEdge {
    /// What tells it from the other edges of a scene, whatever its route.
    pub fn identity(&self) -> EdgeIdentity {
        (self.from.clone(), self.to.clone(), self.kind, self.field.clone())
    }
}

/// Where an edge is drawn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgePlace {
    /// The points its path goes through.
    pub points: Vec<(f64, f64)>,
    /// Its label's place, when it has one.
    pub label: Option<LabelPlace>,
}

/// Where everything of a scene is drawn ([`Scene::places`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Places {
    /// Each node's top-left corner, by id.
    pub nodes: std::collections::HashMap<String, (f64, f64)>,
    /// Each edge's path and label.
    pub edges: std::collections::HashMap<EdgeIdentity, EdgePlace>,
}

/// A group box as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneGroup {
    /// The graph's group id (a state or branch pointer).
    pub id: String,
    /// Its title.
    pub label: String,
    /// `parallel`, `branch` or `map`.
    pub kind: &'static str,
    /// The scope a state dropped inside it joins (a branch, or a Map's processor); `None` for a
    /// Parallel's outer box.
    pub scope: Option<String>,
    /// Nesting depth (0 at the top level), to find the innermost box under a point.
    pub depth: usize,
    /// Box.
    pub x: f64,
    /// Box.
    pub y: f64,
    /// Box.
    pub width: f64,
    /// Box.
    pub height: f64,
}

/// The whole picture.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Scene {
    /// States and markers.
    pub nodes: Vec<SceneNode>,
    /// Transitions.
    pub edges: Vec<SceneEdge>,
    /// Parallel, branch and Map boxes, outermost first.
    pub groups: Vec<SceneGroup>,
    /// Every state's place, by name.
    pub places: BTreeMap<String, StatePlace>,
    /// The drawing's extent, from `origin`.
    pub width: f64,
    /// The drawing's extent, from `origin`.
    pub height: f64,
    /// Where the layout's (0, 0) is drawn. It is (0, 0) as built, and it moves with the picture
    /// when [`Scene::keep_start_of`] keeps the start marker in place; the positions people gave
    /// (`Position`) are kept from the layout's (0, 0), so this is subtracted from a place drawn.
    pub origin: (f64, f64),
    /// How long the automatic layout took, in milliseconds (when a clock was given).
    pub layout_ms: f64,
}

/// What identifies a drawn item for Leptos' keyed `For`: a hash of everything drawn from it,
/// and how many items before it had the same hash. An item that did not change between two
/// scenes keeps its key, so the canvas keeps its elements and draws only what changed.
pub type DrawKey = (u64, u32);

/// The states and edges of a scene cut into layers, in the scene's order: the canvas draws
/// each layer as an SVG of its own, so a change repaints one layer instead of the whole graph
/// (Chromium repaints a whole SVG when anything in it changes). Each edge is in the layer of
/// the state it leaves.
#[derive(Clone, Debug, Default)]
pub struct Layers {
    /// Each layer's nodes: their draw keys and indices in [`Scene::nodes`].
    pub nodes: Vec<Vec<(DrawKey, usize)>>,
    /// Each layer's edges: their draw keys and indices in [`Scene::edges`].
    pub edges: Vec<Vec<(DrawKey, usize)>>,
}

/// Hashes `f64`s by their bits (the scene's coordinates are finite, so equal means equal bits).
fn hash_f64s(hasher: &mut impl Hasher, values: &[f64]) {
    for value in values {
        hasher.write_u64(value.to_bits());
    }
}

/// Places every edge's label ([`asl::graph::place_edge_labels`]) along the route the canvas
/// draws: the automatic route, or a curve between the nodes' ports when an end was moved.
fn place_labels(nodes: &[SceneNode], edges: &mut [SceneEdge]) {
    let by_id: std::collections::HashMap<&str, &SceneNode> =
        nodes.iter().map(|node| (node.id.as_str(), node)).collect();
    let routes: Vec<Vec<(f64, f64)>> = edges
        .iter()
        .map(|edge| match (&edge.route, by_id.get(edge.from.as_str()), by_id.get(edge.to.as_str())) {
            (Some(route), _, _) => route.clone(),
            (None, Some(from), Some(to)) => vec![from.out_port(edge.offset, 0.0), to.in_port(edge.offset, 0.0)],
            _ => Vec::new(),
        })
        .collect();
    let labelled: Vec<(&[(f64, f64)], &str)> =
        routes.iter().zip(edges.iter()).map(|(route, edge)| (route.as_slice(), edge.label.as_str())).collect();
    let boxes: Vec<(f64, f64, f64, f64)> = nodes.iter().map(|node| (node.x, node.y, node.width, node.height)).collect();
    let places = asl::graph::place_edge_labels(&labelled, &boxes, true);
    for (edge, place) in edges.iter_mut().zip(places) {
        edge.label_place = place;
    }
}

impl SceneNode {
    /// Everything drawn from it but its place: the canvas moves a state whose place changed
    /// instead of drawing it again.
    fn draw_hash(&self, hasher: &mut impl Hasher) {
        (&self.id, &self.name, &self.state_type, self.marker, &self.query_language, self.placed).hash(hasher);
        hash_f64s(hasher, &[self.width, self.height]);
    }
}

/// Gives each item its [`DrawKey`].
fn keyed<T>(items: impl IntoIterator<Item = (u64, T)>) -> Vec<(DrawKey, T)> {
    let mut seen = std::collections::HashMap::<u64, u32>::new();
    items
        .into_iter()
        .map(|(hash, item)| {
            let count = seen.entry(hash).or_default();
            let key = (hash, *count);
            *count += 1;
            (key, item)
        })
        .collect()
}

fn finish(hash: impl FnOnce(&mut std::collections::hash_map::DefaultHasher)) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hash(&mut hasher);
    hasher.finish()
}

impl Scene {
    /// Each node's draw key, with the node's index in `nodes`.
    pub fn node_keys(&self) -> Vec<(DrawKey, usize)> {
        keyed(self.nodes.iter().enumerate().map(|(index, node)| (finish(|hasher| node.draw_hash(hasher)), index)))
    }

    /// The nodes and edges by their draw keys and indices, cut into layers of `size` nodes (at
    /// least one layer). A state keeps its layer while the states before it keep their number.
    pub fn layers(&self, size: usize) -> Layers {
        let size = size.max(1);
        let count = self.nodes.len().div_ceil(size).max(1);
        let mut layers = Layers { nodes: vec![Vec::new(); count], edges: vec![Vec::new(); count] };
        let mut layer_of = std::collections::HashMap::with_capacity(self.nodes.len());
        for (key, index) in self.node_keys() {
            layer_of.insert(self.nodes[index].id.as_str(), index / size);
            layers.nodes[index / size].push((key, index));
        }
        for (key, index) in self.edge_keys() {
            let layer = layer_of.get(self.edges[index].from.as_str()).copied().unwrap_or_default();
            layers.edges[layer].push((key, index));
        }
        layers
    }

    /// The draw key of each edge that joins known nodes, with the edge's index in `edges`. The
    /// key leaves out the edge's route and its label's place, which the canvas follows without
    /// drawing the edge again.
    pub fn edge_keys(&self) -> Vec<(DrawKey, usize)> {
        let known: std::collections::HashSet<&str> = self.nodes.iter().map(|node| node.id.as_str()).collect();
        keyed(
            self.edges
                .iter()
                .enumerate()
                .filter(|(_, edge)| known.contains(edge.from.as_str()) && known.contains(edge.to.as_str()))
                .map(|(index, edge)| {
                    let hash = finish(|hasher| {
                        (&edge.from, &edge.to, &edge.from_name, &edge.to_name, edge.kind, &edge.label, &edge.field)
                            .hash(hasher);
                        edge.label_place.is_some().hash(hasher);
                    });
                    (hash, index)
                }),
        )
    }

    /// Where the canvas draws each state (its corner, by id) and each edge (by
    /// [`SceneEdge::identity`]): its path's points and its label.
    ///
    /// Places are given in 64ths of a pixel: the layout's least-squares placement can put a
    /// rank a thousandth of a pixel apart after an edit elsewhere, and what did not move to
    /// the eye should not be moved in the page.
    pub fn places(&self) -> Places {
        let grid = |value: f64| (value * 64.0).round() / 64.0;
        let point = |(x, y): (f64, f64)| (grid(x), grid(y));
        let by_id: std::collections::HashMap<&str, &SceneNode> =
            self.nodes.iter().map(|node| (node.id.as_str(), node)).collect();
        let nodes = self.nodes.iter().map(|node| (node.id.clone(), point((node.x, node.y)))).collect();
        let edges = self
            .edges
            .iter()
            .filter_map(|edge| {
                let (from, to) = (*by_id.get(edge.from.as_str())?, *by_id.get(edge.to.as_str())?);
                let points = match &edge.route {
                    Some(route) => route.iter().copied().map(point).collect(),
                    None => vec![point(from.out_port(edge.offset, 0.0)), point(to.in_port(edge.offset, 0.0))],
                };
                let label =
                    edge.label_place.clone().map(|label| LabelPlace { x: grid(label.x), y: grid(label.y), ..label });
                Some((edge.identity(), EdgePlace { points, label }))
            })
            .collect();
        Places { nodes, edges }
    }

    /// The minimap's picture of the states: a box for each, as one path (whole pixels, which is
    /// finer than the minimap shows).
    pub fn minimap_path(&self) -> String {
        use std::fmt::Write as _;
        let mut path = String::new();
        for node in self.nodes.iter().filter(|node| !node.marker) {
            let (x, y, width, height) = (node.x.round(), node.y.round(), node.width.round(), node.height.round());
            let _ = write!(path, "M{x} {y}h{width}v{height}h-{width}z");
        }
        path
    }

    /// The groups with their draw keys.
    pub fn keyed_groups(&self) -> Vec<(DrawKey, SceneGroup)> {
        keyed(self.groups.iter().map(|group| {
            let hash = finish(|hasher| {
                (&group.id, &group.label, group.kind).hash(hasher);
                hash_f64s(hasher, &[group.x, group.y, group.width, group.height]);
            });
            (hash, group.clone())
        }))
    }

    /// Lays out `root` and applies `positions`. `clock` returns milliseconds, to time the layout.
    pub fn build(root: &Node, positions: &BTreeMap<String, Position>, clock: &dyn Fn() -> f64) -> Scene {
        let graph = asl::graph::graph(root);
        let started = clock();
        let layout = asl::graph::layout(&graph);
        let layout_ms = clock() - started;
        let places = state_places(&graph);
        let by_id: std::collections::HashMap<&str, usize> =
            graph.nodes.iter().enumerate().map(|(index, node)| (node.id.as_str(), index)).collect();
        let name_of =
            |id: &str| -> String { by_id.get(id).map(|index| graph.nodes[*index].label.clone()).unwrap_or_default() };

        let mut nodes = Vec::with_capacity(graph.nodes.len());
        for (node, placed) in graph.nodes.iter().zip(&layout.nodes) {
            let (state_type, marker, query_language) = match &node.kind {
                NodeKind::State { state_type, query_language } => (state_type.clone(), false, query_language.clone()),
                NodeKind::Start | NodeKind::End => (String::new(), true, String::new()),
            };
            let chosen = (!marker).then(|| positions.get(&node.label)).flatten();
            nodes.push(SceneNode {
                id: node.id.clone(),
                name: node.label.clone(),
                state_type,
                marker,
                query_language,
                x: chosen.map_or(placed.x, |position| position.x),
                y: chosen.map_or(placed.y, |position| position.y),
                width: placed.width,
                height: placed.height,
                placed: chosen.is_some(),
            });
        }
        // How far each node is from its automatic place: nothing unless a person placed it.
        let shifts: Vec<(f64, f64)> =
            nodes.iter().zip(&layout.nodes).map(|(node, placed)| (node.x - placed.x, node.y - placed.y)).collect();
        let shift = |id: &str| by_id.get(id).map(|index| shifts[*index]);

        let ends: Vec<(&str, &str)> = graph.edges.iter().map(|edge| (edge.from.as_str(), edge.to.as_str())).collect();
        let mut edges = graph
            .edges
            .iter()
            .zip(&layout.edges)
            .zip(asl::graph::parallel_offsets(&ends))
            .map(|((edge, routed), offset)| {
                let (kind, field) = match &edge.kind {
                    EdgeKind::Next if edge.from == "#start" => ("next", EdgeField::StartAt(String::new())),
                    EdgeKind::Next => {
                        // A `Next` names a state of its own `States`; an `End` leads out of them
                        // (to the end, or to a Parallel's or Map's `Next`), and is not a field.
                        let scope = asl::graph::scope_of(&edge.from);
                        let named = scope.is_some() && scope == asl::graph::scope_of(&edge.to);
                        ("next", if named { EdgeField::Field(format!("{}/Next", edge.from)) } else { EdgeField::Fixed })
                    }
                    EdgeKind::Choice(index) => {
                        ("choice", EdgeField::Field(format!("{}/Choices/{index}/Next", edge.from)))
                    }
                    EdgeKind::Default => ("default", EdgeField::Field(format!("{}/Default", edge.from))),
                    EdgeKind::Catch(index) => ("catch", EdgeField::Field(format!("{}/Catch/{index}/Next", edge.from))),
                    EdgeKind::Enter => ("branch", EdgeField::Fixed),
                };
                // The automatic route while both ends are where it put them, or moved together
                // (a dragged Parallel or Map moves what is inside it); otherwise a curve.
                let route = match (shift(&edge.from), shift(&edge.to)) {
                    (Some(from), Some(to))
                        if (from.0 - to.0).abs() < 0.01 && (from.1 - to.1).abs() < 0.01 && routed.points.len() >= 2 =>
                    {
                        Some(routed.points.iter().map(|point| (point.x + offset + from.0, point.y + from.1)).collect())
                    }
                    _ => None,
                };
                SceneEdge {
                    from: edge.from.clone(),
                    to: edge.to.clone(),
                    from_name: name_of(&edge.from),
                    to_name: name_of(&edge.to),
                    kind,
                    label: edge.label.clone(),
                    route,
                    field,
                    label_place: None,
                    offset,
                }
            })
            .collect::<Vec<_>>();
        place_labels(&nodes, &mut edges);

        let mut groups: Vec<SceneGroup> = graph
            .groups
            .iter()
            .zip(&layout.groups)
            .map(|(group, placed)| {
                let mut depth = 0;
                let mut parent = group.parent;
                while let Some(index) = parent {
                    depth += 1;
                    parent = graph.groups.get(index).and_then(|group| group.parent);
                }
                let (kind, scope) = match group.kind {
                    GroupKind::Parallel => ("parallel", None),
                    GroupKind::Branch(_) => ("branch", Some(group.id.clone())),
                    GroupKind::Map => {
                        let field = if resolve(root, &format!("{}/Iterator", group.id)).is_some()
                            && resolve(root, &format!("{}/ItemProcessor", group.id)).is_none()
                        {
                            "Iterator"
                        } else {
                            "ItemProcessor"
                        };
                        ("map", Some(format!("{}/{field}", group.id)))
                    }
                };
                SceneGroup {
                    id: group.id.clone(),
                    label: group.label.clone(),
                    kind,
                    scope,
                    depth,
                    x: placed.x,
                    y: placed.y,
                    width: placed.width,
                    height: placed.height,
                }
            })
            .collect();

        // Boxes follow what they hold, innermost first. Around states a person moved, a box is
        // the box around where they are now, with the margins the automatic layout gave it: a
        // group moved whole keeps its box, one state moved out of it widens it.
        let laid: Vec<Bounds> =
            groups.iter().map(|group| (group.x, group.y, group.x + group.width, group.y + group.height)).collect();
        let mut order: Vec<usize> = (0..groups.len()).collect();
        asl::sort::sort_by_key(&mut order, |index| std::cmp::Reverse(groups[*index].depth));
        for index in order {
            let id = groups[index].id.clone();
            let members: Vec<usize> =
                (0..nodes.len()).filter(|at| !nodes[*at].marker && within(&id, &nodes[*at].id)).collect();
            if !members.iter().any(|at| nodes[*at].placed) {
                continue;
            }
            let inner: Vec<usize> =
                (0..groups.len()).filter(|at| *at != index && within(&id, &groups[*at].id)).collect();
            let before = enclosing(
                members
                    .iter()
                    .map(|at| {
                        let (node, placed) = (&nodes[*at], &layout.nodes[*at]);
                        (placed.x, placed.y, placed.x + node.width, placed.y + node.height)
                    })
                    .chain(inner.iter().map(|at| laid[*at])),
            );
            let now = enclosing(
                members
                    .iter()
                    .map(|at| {
                        let node = &nodes[*at];
                        (node.x, node.y, node.x + node.width, node.y + node.height)
                    })
                    .chain(inner.iter().map(|at| {
                        let group = &groups[*at];
                        (group.x, group.y, group.x + group.width, group.y + group.height)
                    })),
            );
            let (Some(before), Some(now)) = (before, now) else { continue };
            let (left, top, right, bottom) = laid[index];
            let group = &mut groups[index];
            group.x = now.0 - (before.0 - left);
            group.y = now.1 - (before.1 - top);
            group.width = now.2 + (right - before.2) - group.x;
            group.height = now.3 + (bottom - before.3) - group.y;
        }
        asl::sort::sort_by_key(&mut groups, |group| group.depth);

        let width = nodes
            .iter()
            .map(|node| node.x + node.width)
            .chain(groups.iter().map(|g| g.x + g.width))
            .fold(layout.width, f64::max);
        let height = nodes
            .iter()
            .map(|node| node.y + node.height)
            .chain(groups.iter().map(|g| g.y + g.height))
            .fold(layout.height, f64::max);
        Scene { nodes, edges, groups, places, width, height, origin: (0.0, 0.0), layout_ms }
    }

    /// Moves the whole picture so that its start marker is drawn where `previous` drew its own.
    /// An edit can move the layout's (0, 0): a state that grows to the left of everything (a
    /// name typed in a Parallel's first branch) moves the left edge, and the layout then puts
    /// every state further right. Kept at the start marker, the picture holds still and only
    /// what the edit changed moves: on the canvas, and in the elements it has to draw again.
    pub fn keep_start_of(&mut self, previous: &Scene) {
        let start = |scene: &Scene| scene.node("#start").map(|node| (node.x, node.y));
        let (Some(was), Some(now)) = (start(previous), start(self)) else { return };
        let (dx, dy) = (was.0 - now.0, was.1 - now.1);
        if dx == 0.0 && dy == 0.0 {
            return;
        }
        for node in &mut self.nodes {
            node.x += dx;
            node.y += dy;
        }
        for edge in &mut self.edges {
            for point in edge.route.iter_mut().flatten() {
                point.0 += dx;
                point.1 += dy;
            }
            if let Some(label) = &mut edge.label_place {
                label.x += dx;
                label.y += dy;
            }
        }
        for group in &mut self.groups {
            group.x += dx;
            group.y += dy;
        }
        self.origin = (self.origin.0 + dx, self.origin.1 + dy);
    }

    /// A place drawn on the canvas as a position to keep (from the layout's (0, 0)).
    pub fn position_at(&self, x: f64, y: f64) -> Position {
        Position { x: x - self.origin.0, y: y - self.origin.1 }
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&SceneNode> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// The scope of the innermost box under a point that a state can be dropped into (`""` for
    /// the top level), ignoring the boxes of the state at `exclude` (a state being dragged).
    pub fn scope_at(&self, x: f64, y: f64, exclude: Option<&str>) -> String {
        let excluded = |id: &str| exclude.is_some_and(|pointer| within(pointer, id));
        self.groups
            .iter()
            .filter(|group| group.scope.is_some() && !excluded(&group.id))
            .filter(|group| x >= group.x && x <= group.x + group.width && y >= group.y && y <= group.y + group.height)
            .max_by_key(|group| group.depth)
            .and_then(|group| group.scope.clone())
            .unwrap_or_default()
    }
}

/// A box as left, top, right and bottom.
type Bounds = (f64, f64, f64, f64);

/// The smallest box around `boxes`; `None` when there are none.
fn enclosing(boxes: impl Iterator<Item = Bounds>) -> Option<Bounds> {
    boxes.reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
}

/// Whether the graph id `id` is the state or group at `pointer` or inside it (a Parallel's or
/// Map's states and boxes are inside it).
pub fn within(pointer: &str, id: &str) -> bool {
    id.strip_prefix(pointer).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The scope pointer of a state pointer (`/States/P/Branches/0/States/B` → `/States/P/Branches/0`).
pub fn scope_of(pointer: &str) -> String {
    pointer.rfind("/States/").map(|at| pointer[..at].to_string()).unwrap_or_default()
}

/// The value an RFC 6901 pointer names.
pub fn resolve<'a>(root: &'a Node, pointer: &str) -> Option<&'a Node> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut node = root;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match node.elements() {
            Some(elements) => elements.get(token.parse::<usize>().ok()?)?,
            None => node.get(&token)?,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        asl::json::parse(text).expect("JSON")
    }

    const NESTED: &str = r#"{"StartAt":"P","States":{
        "P":{"Type":"Parallel","Next":"M","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","End":true}}}]},
        "M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}"#;

    /// A chain with a Parallel of two branches in the middle, its first branch's first state
    /// named `first`.
    fn fan(first: &str) -> String {
        format!(
            r#"{{"StartAt":"A","States":{{"A":{{"Type":"Pass","Next":"P"}},
            "P":{{"Type":"Parallel","Next":"Z","Branches":[
                {{"StartAt":"{first}","States":{{"{first}":{{"Type":"Pass","End":true}}}}}},
                {{"StartAt":"R","States":{{"R":{{"Type":"Pass","Next":"S"}},"S":{{"Type":"Pass","End":true}}}}}}]}},
            "Z":{{"Type":"Succeed"}}}}}}"#
        )
    }

    #[test]
    fn layers_keep_the_scenes_order_and_put_each_edge_with_the_state_it_leaves() {
        let scene = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let layers = scene.layers(2);
        assert_eq!(layers.nodes.len(), scene.nodes.len().div_ceil(2));
        assert_eq!(layers.nodes.len(), layers.edges.len());
        assert!(layers.nodes.iter().all(|layer| layer.len() == 2 || layer.len() == scene.nodes.len() % 2));
        let flat: Vec<DrawKey> = layers.nodes.iter().flatten().map(|(key, _)| *key).collect();
        let keys: Vec<DrawKey> = scene.node_keys().into_iter().map(|(key, _)| key).collect();
        assert_eq!(flat, keys);
        let mut edges: Vec<DrawKey> = layers.edges.iter().flatten().map(|(key, _)| *key).collect();
        let mut all: Vec<DrawKey> = scene.edge_keys().into_iter().map(|(key, _)| key).collect();
        edges.sort();
        all.sort();
        assert_eq!(edges, all);
        assert!(!all.is_empty());
        for (nodes, edges) in layers.nodes.iter().zip(&layers.edges) {
            for (_, edge) in edges {
                let from = &scene.edges[*edge].from;
                assert!(
                    nodes.iter().any(|(_, node)| scene.nodes[*node].id == *from),
                    "{from} is not in its source's layer"
                );
            }
        }
        // A scene of nothing still has one (empty) layer to draw into.
        assert_eq!(Scene::default().layers(64).nodes.len(), 1);
    }

    #[test]
    fn a_state_that_grows_to_the_left_moves_nothing_else() {
        let before = Scene::build(&root(&fan("L")), &BTreeMap::new(), &|| 0.0);
        // Its new name makes it wider: the first branch grows to the left of everything else.
        let wider = "A much longer name typed in the first branch";
        let mut after = Scene::build(&root(&fan(wider)), &BTreeMap::new(), &|| 0.0);
        let place = |scene: &Scene, name: &str| {
            let node = scene.nodes.iter().find(|node| node.name == name).expect(name);
            (node.x, node.y)
        };
        // As laid out, the layout's left edge moved and everything went right with it.
        assert!(place(&after, "A").0 > place(&before, "A").0 + 20.0, "{:?}", place(&after, "A"));
        after.keep_start_of(&before);
        // Kept at the start marker, the states outside the Parallel stay. (Its box is centred
        // under A, so it grows to both sides, and the second branch moves right by half.)
        for name in ["Start", "A", "Z", "End"] {
            let (was, now) = (place(&before, name), place(&after, name));
            assert!((was.0 - now.0).abs() < 1e-9 && (was.1 - now.1).abs() < 1e-9, "{name}: {was:?} → {now:?}");
        }
        assert!(after.origin.0 < -20.0, "{:?}", after.origin);
        // Its edges and boxes went with it: the edge from A still leaves A where it did.
        let route = |scene: &Scene| {
            scene.edges.iter().find(|edge| edge.from_name == "A").and_then(|edge| edge.route.clone()).expect("A's edge")
        };
        assert_eq!(route(&after)[0], route(&before)[0]);

        // A place drawn is kept from the layout's (0, 0), and drawn there again.
        let (x, y) = place(&after, "S");
        let mut positions = BTreeMap::new();
        positions.insert("S".to_string(), after.position_at(x + 100.0, y));
        let mut moved = Scene::build(&root(&fan(wider)), &positions, &|| 0.0);
        moved.keep_start_of(&after);
        assert_eq!(place(&moved, "S"), (x + 100.0, y));
        // Opened afresh (a reload), the picture is the same but for where it sits.
        let fresh = Scene::build(&root(&fan(wider)), &positions, &|| 0.0);
        let (a, s) = (place(&fresh, "A"), place(&fresh, "S"));
        let (a2, s2) = (place(&moved, "A"), place(&moved, "S"));
        assert!(((s.0 - a.0) - (s2.0 - a2.0)).abs() < 1e-9 && ((s.1 - a.1) - (s2.1 - a2.1)).abs() < 1e-9);
    }

    #[test]
    fn edges_name_the_field_they_stand_for() {
        let scene = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let field = |from: &str, to: &str| {
            scene.edges.iter().find(|e| e.from_name == from && e.to_name == to).map(|e| e.field.clone())
        };
        assert_eq!(field("Start", "P"), Some(EdgeField::StartAt(String::new())));
        assert_eq!(field("B", "C"), Some(EdgeField::Field("/States/P/Branches/0/States/B/Next".into())));
        assert_eq!(field("P", "B"), Some(EdgeField::Fixed));
        // The branch's last state leads to the Parallel's Next, which is no field of its own.
        assert_eq!(field("C", "M"), Some(EdgeField::Fixed));
        assert_eq!(scene.edges.iter().find(|e| e.from_name == "P" && e.to_name == "B").unwrap().kind, "branch");
    }

    #[test]
    fn draw_keys_change_only_for_what_a_change_touches() {
        let before = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let mut positions = BTreeMap::new();
        positions.insert("I".to_string(), Position { x: 500.0, y: 40.0 });
        let after = Scene::build(&root(NESTED), &positions, &|| 0.0);
        let keys = |scene: &Scene| {
            let nodes: BTreeMap<String, DrawKey> =
                scene.node_keys().into_iter().map(|(key, index)| (scene.nodes[index].name.clone(), key)).collect();
            let edges: BTreeMap<(String, String), DrawKey> = scene
                .edge_keys()
                .into_iter()
                .map(|(key, index)| {
                    let edge = &scene.edges[index];
                    ((edge.from_name.clone(), edge.to_name.clone()), key)
                })
                .collect();
            (nodes, edges)
        };
        let ((nodes_before, edges_before), (nodes_after, edges_after)) = (keys(&before), keys(&after));
        // Moving I draws I again (it is marked placed now), and nothing else: its edges move.
        let changed_nodes: Vec<&String> = nodes_before
            .iter()
            .filter(|(name, key)| nodes_after.get(*name) != Some(*key))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(changed_nodes, vec!["I"]);
        assert_eq!(edges_before, edges_after);
        // What moved is in the places: I's corner and the paths of the edges at its ends.
        let (places_before, places_after) = (before.places(), after.places());
        let moved_nodes: Vec<&String> = places_before
            .nodes
            .iter()
            .filter(|(id, place)| places_after.nodes.get(*id) != Some(*place))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(moved_nodes, vec!["/States/M/ItemProcessor/States/I"]);
        let moved_edges: Vec<&EdgeIdentity> = places_before
            .edges
            .iter()
            .filter(|(identity, place)| places_after.edges.get(*identity) != Some(*place))
            .map(|(identity, _)| identity)
            .collect();
        assert!(!moved_edges.is_empty());
        assert!(moved_edges.iter().all(|(from, to, ..)| from.ends_with("/I") || to.ends_with("/I")), "{moved_edges:?}");
        // Every key and every edge identity in a scene is distinct (For needs unique keys), and
        // the same scene gives the same keys.
        let all: std::collections::BTreeSet<DrawKey> = after.edge_keys().into_iter().map(|(key, _)| key).collect();
        assert_eq!(all.len(), after.edge_keys().len());
        assert_eq!(places_after.edges.len(), after.edges.len());
        assert_eq!(keys(&after), keys(&Scene::build(&root(NESTED), &positions, &|| 0.0)));
    }

    #[test]
    fn the_minimap_draws_a_box_per_state_in_one_path() {
        let scene = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let path = scene.minimap_path();
        let states: Vec<&SceneNode> = scene.nodes.iter().filter(|node| !node.marker).collect();
        assert_eq!(path.matches('M').count(), states.len());
        let first = states[0];
        assert!(
            path.starts_with(&format!(
                "M{} {}h{}v{}h-{}z",
                first.x.round(),
                first.y.round(),
                first.width.round(),
                first.height.round(),
                first.width.round()
            )),
            "{path}"
        );
        // The same scene gives the same path, so the page is not touched again.
        assert_eq!(path, Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0).minimap_path());
    }

    #[test]
    fn boxes_give_the_scope_a_drop_joins() {
        let scene = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let c = scene.nodes.iter().find(|n| n.name == "C").unwrap();
        assert_eq!(scene.scope_at(c.x + 5.0, c.y + 5.0, None), "/States/P/Branches/0");
        let i = scene.nodes.iter().find(|n| n.name == "I").unwrap();
        assert_eq!(scene.scope_at(i.x + 5.0, i.y + 5.0, None), "/States/M/ItemProcessor");
        assert_eq!(scene.scope_at(-100.0, -100.0, None), "");
        assert_eq!(scene.scope_at(i.x + 5.0, i.y + 5.0, Some("/States/M")), "");
    }

    #[test]
    fn moved_states_keep_their_place_grow_their_box_and_lose_the_automatic_route() {
        let mut positions = BTreeMap::new();
        positions.insert("C".to_string(), Position { x: 900.0, y: 900.0 });
        let scene = Scene::build(&root(NESTED), &positions, &|| 0.0);
        let c = scene.nodes.iter().find(|n| n.name == "C").unwrap();
        assert_eq!((c.x, c.y, c.placed), (900.0, 900.0, true));
        let branch = scene.groups.iter().find(|g| g.kind == "branch").unwrap();
        assert!(branch.x + branch.width >= 900.0 + c.width && branch.y + branch.height >= 900.0 + c.height);
        let parallel = scene.groups.iter().find(|g| g.kind == "parallel").unwrap();
        assert!(parallel.x + parallel.width >= branch.x + branch.width);
        assert!(scene.edges.iter().find(|e| e.to_name == "C").unwrap().route.is_none());
        assert!(scene.edges.iter().find(|e| e.from_name == "Start").unwrap().route.is_some());
        assert!(scene.width >= 900.0 + c.width);
    }

    #[test]
    fn a_group_moved_whole_keeps_its_box_and_routes_shifted_by_the_move() {
        let before = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let mut positions = BTreeMap::new();
        for node in before.nodes.iter().filter(|node| within("/States/P", &node.id)) {
            positions.insert(node.name.clone(), Position { x: node.x + 300.0, y: node.y + 40.0 });
        }
        assert_eq!(positions.len(), 3, "P, B and C");
        let after = Scene::build(&root(NESTED), &positions, &|| 0.0);
        let group = |scene: &Scene, kind: &str| scene.groups.iter().find(|g| g.kind == kind).unwrap().clone();
        for kind in ["parallel", "branch"] {
            let (was, now) = (group(&before, kind), group(&after, kind));
            assert_eq!((now.x, now.y, now.width, now.height), (was.x + 300.0, was.y + 40.0, was.width, was.height));
        }
        // What was not moved stays as it was.
        assert_eq!(group(&after, "map"), group(&before, "map"));
        let route = |scene: &Scene, from: &str, to: &str| {
            scene.edges.iter().find(|e| e.from_name == from && e.to_name == to).unwrap().route.clone()
        };
        let shifted: Vec<(f64, f64)> =
            route(&before, "B", "C").unwrap().iter().map(|(x, y)| (x + 300.0, y + 40.0)).collect();
        assert_eq!(route(&after, "B", "C"), Some(shifted));
        assert!(route(&after, "P", "B").is_some());
        // Between a moved state and one that stayed, a curve.
        assert_eq!(route(&after, "C", "M"), None);
    }

    #[test]
    fn a_state_moved_back_inside_its_box_shrinks_it_again() {
        let before = Scene::build(&root(NESTED), &BTreeMap::new(), &|| 0.0);
        let c = before.nodes.iter().find(|n| n.name == "C").unwrap();
        let mut positions = BTreeMap::new();
        positions.insert("C".to_string(), Position { x: c.x + 600.0, y: c.y });
        let wide = Scene::build(&root(NESTED), &positions, &|| 0.0);
        positions.insert("C".to_string(), Position { x: c.x, y: c.y });
        let back = Scene::build(&root(NESTED), &positions, &|| 0.0);
        let branch = |scene: &Scene| scene.groups.iter().find(|g| g.kind == "branch").unwrap().width;
        assert!(branch(&wide) >= branch(&before) + 600.0);
        assert_eq!(branch(&back), branch(&before));
    }
}

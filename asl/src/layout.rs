//! Deterministic layered layout for directed graphs whose nodes may sit in nested groups.
//!
//! The designer and the execution views draw state machines with it: states are nodes,
//! transitions are edges, Parallel branches and Map item processors are groups. The module knows
//! nothing about the States Language; the caller describes a [`LayoutInput`] and draws the
//! [`Layout`] that [`layout`] returns.
//!
//! No crate is used. `rust-sugiyama` 0.4 and `dagre-rs` 0.1 only lay out flat graphs
//! (`rust-sugiyama` also returns vertex positions without edge routes). `dagre` 0.1.2, a port of
//! dagre.js, handles nested groups and routes edges deterministically, but it took about 2 s in a
//! release build for 500 nodes with groups (the budget here is 20 ms), it leaves no room for group
//! titles, and it does not build without its default `json` feature.
//!
//! # How it works
//!
//! Groups are laid out innermost first. Each laid-out group then acts as one large node in its
//! parent. An edge that joins different groups is cut into pieces, one for each group it passes
//! through. Inside the group it leaves, the piece runs to an *exit port* on the group's bottom side.
//! Inside the group it enters, the piece starts at an *entry port* on the top side. In the
//! innermost group that holds both ends, the piece joins the two members (nodes or groups) that
//! contain them.
//!
//! Each group, and the top level, is laid out in the Sugiyama style:
//! 1. Cycle removal: a depth-first search in input order, started from members without incoming
//!    edges, finds the back edges. They are drawn as loops around the side.
//! 2. Layering: longest path first. Then a member with more edges below than above moves down
//!    next to its successors, and one with more edges above moves up next to its predecessors.
//! 3. Dummies: a long edge gets a dummy on each rank it crosses. Long edges that end at the same
//!    place share one chain of dummies, which each joins on the rank below its source (edge
//!    concentration: the hundreds of Catch edges into one Fail state run as one line, and the
//!    layered graph grows with the ranks, not with the ranks times the edges). Of the others,
//!    long edges that start at the same place share one chain, which each leaves on the rank above
//!    its target. A back edge gets a dummy on each rank it spans, next to its ends, which keeps a
//!    free channel for its loop.
//! 4. Crossing reduction: barycenter sweeps. The order with the fewest crossings (counted exactly)
//!    is kept, and ties keep the current order, so they follow input order.
//! 5. Coordinates: each rank gets a weighted least-squares placement under minimum separations
//!    (pool adjacent violators), swept down and up. Dummies weigh more than members. Then members
//!    in a chain line up with their neighbour, and each run of a chain's dummies is put on one
//!    line, wherever the rank leaves room. So chains and long edges run straight, while members
//!    that fan out or join stay centred on their edges.
//! 6. Routing: polylines pass through the dummies. Their slanted parts lie only in the gaps between
//!    ranks, so an edge never crosses a node or a group it does not enter. Edges that share dummies
//!    run as one line there. Ports may coincide, so edges that leave a group from the same member
//!    can run as one line to its border.
//!
//! Each step costs linear or `n log n` time per sweep. The same input gives bit-identical output.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Range;

use crate::sort;

/// The direction in which ranks (layers) follow one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutDirection {
    /// Ranks go down the page. Edges leave a node's bottom centre and enter the next node's top
    /// centre. Group titles sit at the top of the group's box.
    #[default]
    TopToBottom,
    /// Ranks go across the page from left to right. Edges leave a node's right-hand centre and
    /// enter the next node's left-hand centre. Group titles still sit at the top of the box.
    LeftToRight,
}

/// A graph to lay out: sized nodes, directed edges between them and a tree of groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LayoutInput {
    /// The nodes. Their order decides ties, so put them in a meaningful order (the start first).
    pub nodes: Vec<LayoutNode>,
    /// The edges, between node ids. An edge whose end names no node gets an empty route.
    pub edges: Vec<LayoutEdge>,
    /// The groups. A node or group with a missing or invalid group index sits at the top level.
    pub groups: Vec<LayoutGroup>,
    /// Edges that shape the layout as edges do (ranks, order within a rank, alignment, ports of
    /// the groups they leave or enter) but are not drawn: they get no route. A caller uses them
    /// to keep a node that lost its edges where its edges would put it.
    pub hints: Vec<LayoutHint>,
}

/// An edge that is laid out but not drawn ([`LayoutInput::hints`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutHint {
    /// The edge.
    pub edge: LayoutEdge,
    /// The index in [`LayoutInput::edges`] before which it counts (any index past the end puts
    /// it after them): the order of edges decides ties, so a hint that stands for a
    /// transition goes where that transition's edge would be.
    pub before: usize,
}

/// A node to place: its id and its size. Negative or non-finite sizes count as zero.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutNode {
    /// The id that edges use to name this node. When two nodes share an id, edges name the first.
    pub id: String,
    /// The node's width.
    pub width: f64,
    /// The node's height.
    pub height: f64,
    /// The innermost group holding the node, as an index into [`LayoutInput::groups`].
    pub group: Option<usize>,
}

/// A group: a box drawn around its nodes and child groups, with room for a title at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutGroup {
    /// The group's id, copied to [`PlacedGroup::id`].
    pub id: String,
    /// The enclosing group, as an index into [`LayoutInput::groups`]. A parent that would make a
    /// cycle is ignored, and the group then sits at the top level.
    pub parent: Option<usize>,
    /// Extra space kept free at the top of the box for the group's title.
    pub label_height: f64,
}

/// A directed edge between two nodes, named by their ids.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutEdge {
    /// The id of the node the edge leaves.
    pub from: String,
    /// The id of the node the edge enters.
    pub to: String,
}

/// The layout's direction and spacing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutOptions {
    /// Which way ranks follow one another.
    pub direction: LayoutDirection,
    /// The free space between neighbouring nodes or groups in one rank. Edges keep half of it.
    pub node_spacing: f64,
    /// The free space between one rank and the next.
    pub rank_spacing: f64,
    /// The free space between a group's box and what it holds. The title's room comes on top of it.
    pub group_padding: f64,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self { direction: LayoutDirection::TopToBottom, node_spacing: 40.0, rank_spacing: 50.0, group_padding: 16.0 }
    }
}

/// A point in layout coordinates: the origin is the top-left corner and `y` grows downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The horizontal coordinate.
    pub x: f64,
    /// The vertical coordinate, growing downwards.
    pub y: f64,
}

/// A node's box in the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedNode {
    /// The node's id.
    pub id: String,
    /// The left edge of the box.
    pub x: f64,
    /// The top edge of the box.
    pub y: f64,
    /// The width, the same as the input's (or zero for a size that was not usable).
    pub width: f64,
    /// The height, the same as the input's (or zero for a size that was not usable).
    pub height: f64,
}

/// A group's box in the layout. The box includes the padding and the title's room.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGroup {
    /// The group's id.
    pub id: String,
    /// The left edge of the box.
    pub x: f64,
    /// The top edge of the box.
    pub y: f64,
    /// The box's width.
    pub width: f64,
    /// The box's height.
    pub height: f64,
}

/// An edge's route: a polyline from the source node's border to the target node's border.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedEdge {
    /// The id of the node the edge leaves.
    pub from: String,
    /// The id of the node the edge enters.
    pub to: String,
    /// The route's corners. The first point lies on the source's bottom (or, left to right, its
    /// right-hand side) centre and the last on the target's top (or left-hand side) centre. The
    /// route is empty when an end names no node.
    pub points: Vec<Point>,
}

/// The result of [`layout`]. Everything is in absolute coordinates, finite and non-negative.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// One placed node per input node, in input order.
    pub nodes: Vec<PlacedNode>,
    /// One placed group per input group, in input order.
    pub groups: Vec<PlacedGroup>,
    /// One routed edge per input edge, in input order.
    pub edges: Vec<RoutedEdge>,
    /// The width of the whole drawing.
    pub width: f64,
    /// The height of the whole drawing.
    pub height: f64,
}

/// Lays out a graph with nested groups in layers, and routes its edges.
///
/// The function never fails: broken references (unknown node ids, invalid group indices, group
/// cycles) are tolerated as described on the input types. The same input always gives the same
/// output, bit for bit.
#[must_use]
pub fn layout(input: &LayoutInput, options: &LayoutOptions) -> Layout {
    layout_counting_units(input, options).0
}

/// [`layout`], and how many units (members, ports and dummies) its layered graphs held in all:
/// the size of the work.
fn layout_counting_units(input: &LayoutInput, options: &LayoutOptions) -> (Layout, usize) {
    let options = SanitizedOptions::new(options);
    let graph = CompoundGraph::new(input, &options);
    let mut state = LayoutState::new(&graph);
    for container in graph.containers_innermost_first() {
        state.lay_out_container(&graph, &options, container);
    }
    let unit_count = state.unit_count;
    (state.into_layout(input, &graph, &options), unit_count)
}

// ---------------------------------------------------------------------------------------------
// Preparation: sanitised input, the group tree and the edge pieces of every container.
// ---------------------------------------------------------------------------------------------

/// How much heavier an edge between two dummies weighs than one between two real members when
/// coordinates are assigned: long edges then stay straight.
const DUMMY_TO_DUMMY_WEIGHT: f64 = 8.0;
/// The weight of an edge between a dummy (or port) and a real member.
const DUMMY_TO_MEMBER_WEIGHT: f64 = 2.0;
/// The weight of an edge between two real members.
const MEMBER_TO_MEMBER_WEIGHT: f64 = 1.0;
/// The weight with which a member with no edges in the considered direction stays where it is.
const STAY_PUT_WEIGHT: f64 = 1e-3;
/// The weight of the segment by which an edge joins a shared chain of dummies (or leaves it for
/// its target). It barely pulls: a chain beside a member it passes cannot sit below it, and a
/// stronger pull would tilt the member's column a little on every rank, towards the chain.
const SHARED_CHAIN_JOIN_WEIGHT: f64 = 1e-3;
/// The largest number of barycenter sweeps per container.
const MAXIMUM_ORDERING_SWEEPS: usize = 24;
/// How many sweeps in a row may fail to reduce crossings before the ordering stops.
const ORDERING_SWEEPS_WITHOUT_PROGRESS: usize = 4;
/// Sweeps that pull each rank towards the ranks on one side only (they spread alignment fast).
const ONE_SIDED_PLACEMENT_ROUNDS: usize = 2;
/// Sweeps that place each rank between its neighbours on both sides.
const TWO_SIDED_PLACEMENT_ROUNDS: usize = 8;

/// Options with every number made finite and non-negative.
struct SanitizedOptions {
    direction: LayoutDirection,
    node_spacing: f64,
    rank_spacing: f64,
    group_padding: f64,
}

impl SanitizedOptions {
    fn new(options: &LayoutOptions) -> Self {
        Self {
            direction: options.direction,
            node_spacing: finite_non_negative(options.node_spacing),
            rank_spacing: finite_non_negative(options.rank_spacing),
            group_padding: finite_non_negative(options.group_padding),
        }
    }
}

/// Returns `value`, or zero when it is negative, NaN or infinite.
fn finite_non_negative(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 { value } else { 0.0 }
}

/// Something that sits directly inside a container: a node or a child group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Member {
    Node(usize),
    Group(usize),
}

/// Where an edge's piece starts inside one container.
#[derive(Debug, Clone, Copy)]
enum PieceSource {
    /// At a member of the container (the node itself, or the child group holding it).
    Member(Member),
    /// At the container's entry port on its top side: the edge comes from outside.
    EntryPort,
}

/// Where an edge's piece ends inside one container.
#[derive(Debug, Clone, Copy)]
enum PieceTarget {
    /// At a member of the container (the node itself, or the child group holding it).
    Member(Member),
    /// At the container's exit port on its bottom side: the edge goes outside.
    ExitPort,
}

/// The part of an input edge that is routed inside one container.
#[derive(Debug, Clone, Copy)]
struct EdgePiece {
    edge: usize,
    source: PieceSource,
    target: PieceTarget,
}

/// Free space inside a container's box, in internal coordinates (cross axis, rank axis).
#[derive(Debug, Clone, Copy, Default)]
struct Padding {
    cross_start: f64,
    cross_end: f64,
    rank_start: f64,
    rank_end: f64,
}

/// The input as the layout needs it. Containers are the groups (`0..group_count`) and the top
/// level (`group_count`). Sizes are internal: "cross" runs along a rank, "rank" across ranks.
struct CompoundGraph {
    group_count: usize,
    node_cross_size: Vec<f64>,
    node_rank_size: Vec<f64>,
    node_container: Vec<usize>,
    container_parent: Vec<usize>,
    container_depth: Vec<usize>,
    members: Vec<Vec<Member>>,
    pieces: Vec<Vec<EdgePiece>>,
    edge_containers: Vec<Vec<usize>>,
    padding: Vec<Padding>,
}

impl CompoundGraph {
    fn new(input: &LayoutInput, options: &SanitizedOptions) -> Self {
        let group_count = input.groups.len();
        let root = group_count;
        let container_parent = effective_group_parents(&input.groups);
        let container_depth = container_depths(&container_parent, root);

        let (node_cross_size, node_rank_size): (Vec<f64>, Vec<f64>) = input
            .nodes
            .iter()
            .map(|node| {
                let width = finite_non_negative(node.width);
                let height = finite_non_negative(node.height);
                match options.direction {
                    LayoutDirection::TopToBottom => (width, height),
                    LayoutDirection::LeftToRight => (height, width),
                }
            })
            .unzip();
        let node_container: Vec<usize> =
            input.nodes.iter().map(|node| node.group.filter(|&group| group < group_count).unwrap_or(root)).collect();

        let members = container_members(&node_container, &container_parent, root);

        let padding = (0..=group_count)
            .map(|container| {
                if container == root {
                    return Padding::default();
                }
                let pad = options.group_padding;
                let label = finite_non_negative(input.groups[container].label_height);
                match options.direction {
                    LayoutDirection::TopToBottom => {
                        Padding { cross_start: pad, cross_end: pad, rank_start: pad + label, rank_end: pad }
                    }
                    LayoutDirection::LeftToRight => {
                        Padding { cross_start: pad + label, cross_end: pad, rank_start: pad, rank_end: pad }
                    }
                }
            })
            .collect();

        let mut graph = Self {
            group_count,
            node_cross_size,
            node_rank_size,
            node_container,
            container_parent,
            container_depth,
            members,
            pieces: vec![Vec::new(); group_count + 1],
            edge_containers: vec![Vec::new(); input.edges.len()],
            padding,
        };
        graph.cut_edges_into_pieces(input);
        graph
    }

    fn root(&self) -> usize {
        self.group_count
    }

    /// Splits every edge into the pieces routed in each container it passes through.
    fn cut_edges_into_pieces(&mut self, input: &LayoutInput) {
        let mut node_by_id: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, node) in input.nodes.iter().enumerate() {
            node_by_id.entry(node.id.as_str()).or_insert(index);
        }
        // A hint is cut as an edge is, and its pieces shape each container as an edge's do;
        // only no route is drawn for it. Its index follows the edges', so it never names a
        // routed edge.
        let edge_count = input.edges.len();
        let mut hints: Vec<(usize, &LayoutHint)> = input.hints.iter().enumerate().collect();
        sort::sort_by_key(&mut hints, |&(index, hint)| (hint.before.min(edge_count), index));
        let mut hints = hints.into_iter().peekable();
        let mut sequence = Vec::with_capacity(edge_count + input.hints.len());
        for (index, edge) in input.edges.iter().enumerate() {
            while let Some((hint_index, hint)) = hints.next_if(|(_, hint)| hint.before <= index) {
                sequence.push((edge_count + hint_index, &hint.edge));
            }
            sequence.push((index, edge));
        }
        sequence.extend(hints.map(|(hint_index, hint)| (edge_count + hint_index, &hint.edge)));
        for (edge_index, edge) in sequence {
            let (Some(&source), Some(&target)) = (node_by_id.get(edge.from.as_str()), node_by_id.get(edge.to.as_str()))
            else {
                continue;
            };
            let common = self.lowest_common_container(source, target);

            let mut visited = Vec::new();
            let mut source_member = Member::Node(source);
            let mut container = self.node_container[source];
            while container != common {
                self.pieces[container].push(EdgePiece {
                    edge: edge_index,
                    source: PieceSource::Member(source_member),
                    target: PieceTarget::ExitPort,
                });
                visited.push(container);
                source_member = Member::Group(container);
                container = self.container_parent[container];
            }

            let mut target_side = Vec::new();
            let mut target_member = Member::Node(target);
            let mut container = self.node_container[target];
            while container != common {
                target_side.push((container, target_member));
                target_member = Member::Group(container);
                container = self.container_parent[container];
            }

            self.pieces[common].push(EdgePiece {
                edge: edge_index,
                source: PieceSource::Member(source_member),
                target: PieceTarget::Member(target_member),
            });
            visited.push(common);
            for &(container, member) in target_side.iter().rev() {
                self.pieces[container].push(EdgePiece {
                    edge: edge_index,
                    source: PieceSource::EntryPort,
                    target: PieceTarget::Member(member),
                });
                visited.push(container);
            }
            if edge_index < edge_count {
                self.edge_containers[edge_index] = visited;
            }
        }
    }

    /// The innermost container that holds both nodes.
    fn lowest_common_container(&self, first_node: usize, second_node: usize) -> usize {
        let mut first = self.node_container[first_node];
        let mut second = self.node_container[second_node];
        while first != second {
            if self.container_depth[first] >= self.container_depth[second] {
                first = self.container_parent[first];
            } else {
                second = self.container_parent[second];
            }
        }
        first
    }

    /// Groups from the deepest to the shallowest (ties in input order), then the top level.
    fn containers_innermost_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.group_count).collect();
        sort::sort_by_key(&mut order, |&group| (std::cmp::Reverse(self.container_depth[group]), group));
        order.push(self.root());
        order
    }
}

/// Each group's parent container; the top level (index `groups.len()`) stands for "none". A parent
/// index that is out of range, or that leads back to the group, puts the group at the top level.
fn effective_group_parents(groups: &[LayoutGroup]) -> Vec<usize> {
    let root = groups.len();
    let mut parents = Vec::with_capacity(root + 1);
    for (group, description) in groups.iter().enumerate() {
        let parent = match description.parent {
            Some(parent) if parent < root && parent != group => {
                let mut ancestor = parent;
                let mut steps = 0;
                let mut cyclic = false;
                loop {
                    if ancestor == group {
                        cyclic = true;
                        break;
                    }
                    match groups[ancestor].parent {
                        Some(next) if next < root && steps < root => {
                            ancestor = next;
                            steps += 1;
                        }
                        _ => break,
                    }
                }
                if cyclic { root } else { parent }
            }
            _ => root,
        };
        parents.push(parent);
    }
    parents.push(root);
    parents
}

/// Each container's depth: 0 for the top level, 1 for a top-level group, and so on.
fn container_depths(parents: &[usize], root: usize) -> Vec<usize> {
    let mut depths: Vec<Option<usize>> = vec![None; parents.len()];
    depths[root] = Some(0);
    for container in 0..parents.len() {
        let mut chain = Vec::new();
        let mut current = container;
        let base = loop {
            if let Some(depth) = depths[current] {
                break depth;
            }
            chain.push(current);
            current = parents[current];
        };
        for (offset, &link) in chain.iter().rev().enumerate() {
            depths[link] = Some(base + offset + 1);
        }
    }
    depths.into_iter().map(|depth| depth.unwrap_or(0)).collect()
}

/// The members of every container, ordered by the first input node each one holds (empty groups
/// last, in input order), so that input order decides ties everywhere later.
fn container_members(node_container: &[usize], parents: &[usize], root: usize) -> Vec<Vec<Member>> {
    let node_count = node_container.len();
    let mut first_node = vec![usize::MAX; root];
    for (node, &container) in node_container.iter().enumerate() {
        let mut current = container;
        while current != root && first_node[current] == usize::MAX {
            first_node[current] = node;
            current = parents[current];
        }
    }
    let mut keyed: Vec<Vec<(usize, Member)>> = vec![Vec::new(); root + 1];
    for (node, &container) in node_container.iter().enumerate() {
        keyed[container].push((node, Member::Node(node)));
    }
    for group in 0..root {
        let key = if first_node[group] == usize::MAX { node_count + group } else { first_node[group] };
        keyed[parents[group]].push((key, Member::Group(group)));
    }
    keyed
        .into_iter()
        .map(|mut members| {
            sort::sort_by_key(&mut members, |&(key, _)| key);
            members.into_iter().map(|(_, member)| member).collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Laying out one container.
// ---------------------------------------------------------------------------------------------

/// A point in internal coordinates: (cross axis, rank axis).
type InternalPoint = (f64, f64);

/// Results gathered while containers are laid out, innermost first.
struct LayoutState {
    /// Each group's box size (cross, rank), known once the group is laid out.
    group_size: Vec<(f64, f64)>,
    /// Each group's ports: edge index to the port's cross offset from the box's start.
    group_ports: Vec<BTreeMap<usize, f64>>,
    /// Each node's top-left corner inside its container's box.
    node_local: Vec<InternalPoint>,
    /// Each group's top-left corner inside its parent's box.
    group_local: Vec<InternalPoint>,
    /// Each container's edge pieces, in the container's box coordinates.
    routes: Vec<BTreeMap<usize, Vec<InternalPoint>>>,
    /// The size of the whole drawing.
    root_size: (f64, f64),
    /// The units of every container laid out so far.
    unit_count: usize,
}

/// What a unit of a container's layered graph stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    Member(Member),
    Dummy,
    EntryPort,
    ExitPort,
}

impl UnitKind {
    fn is_member(self) -> bool {
        matches!(self, UnitKind::Member(_))
    }
}

/// An edge segment between two units on neighbouring ranks, seen from one of them.
#[derive(Debug, Clone, Copy)]
struct Link {
    other: usize,
    weight: f64,
    /// Where the segment attaches, relative to this unit's centre on the cross axis.
    own_offset: f64,
    /// Where the segment attaches, relative to the other unit's centre.
    other_offset: f64,
}

/// The layered graph of one container: members, dummies and ports, by rank.
#[derive(Default)]
struct LayerGraph {
    kind: Vec<UnitKind>,
    cross_size: Vec<f64>,
    rank_size: Vec<f64>,
    rank: Vec<usize>,
    /// For the dummies at either end of a back edge's loop: the member the loop leaves or enters.
    partner: Vec<Option<usize>>,
    /// Links to units on the next rank.
    down: Vec<Vec<Link>>,
    /// Links to units on the previous rank.
    up: Vec<Vec<Link>>,
    layers: Vec<Vec<usize>>,
    position: Vec<usize>,
    /// The centre of each unit on the cross axis.
    cross: Vec<f64>,
}

/// How one edge piece runs through a container's layered graph.
struct PiecePath {
    edge: usize,
    source: usize,
    target: usize,
    source_offset: f64,
    target_offset: f64,
    /// A back edge (or self-loop) drawn as a loop around the side.
    backward: bool,
    /// The chain of dummies the piece runs through, as an index into the container's chains.
    chain: Option<usize>,
    /// The piece's part of its chain: a whole chain of its own, or the part of a shared one
    /// between the rank below its source and the rank above its target.
    chain_part: Range<usize>,
}

impl PiecePath {
    /// The piece's dummies in route order: down the ranks for a forward edge, up them for a back
    /// edge.
    fn dummies<'a>(&self, chains: &'a [DummyChain]) -> &'a [usize] {
        self.chain.map_or(&[], |chain| &chains[chain].dummies[self.chain_part.clone()])
    }
}

/// A run of dummies on consecutive ranks, used by one piece or shared by several.
struct DummyChain {
    /// The dummies, down the ranks (up them for a loop).
    dummies: Vec<usize>,
    /// The unit and attach offset above the first dummy, when one end is common to all users.
    source_line: Option<(usize, f64)>,
    /// The unit and attach offset below the last dummy, when one end is common to all users.
    target_line: Option<(usize, f64)>,
}

/// Long forward pieces that share one chain of dummies: they all end at the same place (a fan-in,
/// like every Catch of a machine leading to one Fail state) or, failing that, all start at the
/// same place (a fan-out).
struct SharedChain {
    /// Whether the pieces share their target (else their source).
    by_target: bool,
    /// The rank of the chain's first dummy (by target) or of its last one's successor (by source).
    extreme_rank: usize,
    /// The chain, once built.
    chain: Option<usize>,
}

impl LayerGraph {
    fn add_unit(&mut self, kind: UnitKind, cross_size: f64, rank_size: f64) -> usize {
        self.kind.push(kind);
        self.cross_size.push(cross_size);
        self.rank_size.push(rank_size);
        self.rank.push(0);
        self.partner.push(None);
        self.down.push(Vec::new());
        self.up.push(Vec::new());
        self.kind.len() - 1
    }

    fn unit_count(&self) -> usize {
        self.kind.len()
    }

    /// Links `upper` (one rank above) to `lower`, attached at the given offsets from their centres.
    fn link(&mut self, upper: usize, lower: usize, upper_offset: f64, lower_offset: f64) {
        let weight = match (self.kind[upper].is_member(), self.kind[lower].is_member()) {
            (true, true) => MEMBER_TO_MEMBER_WEIGHT,
            (false, false) => DUMMY_TO_DUMMY_WEIGHT,
            _ => DUMMY_TO_MEMBER_WEIGHT,
        };
        self.link_with_weight(upper, lower, upper_offset, lower_offset, weight);
    }

    /// Links `upper` to `lower` as [`LayerGraph::link`] does, with the given placement weight.
    fn link_with_weight(&mut self, upper: usize, lower: usize, upper_offset: f64, lower_offset: f64, weight: f64) {
        self.down[upper].push(Link { other: lower, weight, own_offset: upper_offset, other_offset: lower_offset });
        self.up[lower].push(Link { other: upper, weight, own_offset: lower_offset, other_offset: upper_offset });
    }

    /// The smallest distance between the centres of two units placed side by side.
    fn separation(&self, left: usize, right: usize, node_spacing: f64) -> f64 {
        let gap = match (self.kind[left], self.kind[right]) {
            (UnitKind::Member(_), UnitKind::Member(_)) => node_spacing,
            // Ports may share a point: edges from one member then leave the group as one line.
            (UnitKind::EntryPort, UnitKind::EntryPort) | (UnitKind::ExitPort, UnitKind::ExitPort) => 0.0,
            _ => node_spacing / 2.0,
        };
        (self.cross_size[left] + self.cross_size[right]) / 2.0 + gap
    }

    /// Puts every unit in its rank, in depth-first order from the top ranks down.
    fn build_initial_order(&mut self, layer_count: usize) {
        let unit_count = self.unit_count();
        let mut starts: Vec<usize> = (0..unit_count).collect();
        sort::sort_by_key(&mut starts, |&unit| self.rank[unit]);
        let mut visited = vec![false; unit_count];
        let mut layers = vec![Vec::new(); layer_count];
        let mut stack = Vec::new();
        for start in starts {
            if visited[start] {
                continue;
            }
            visited[start] = true;
            stack.push(start);
            while let Some(unit) = stack.pop() {
                layers[self.rank[unit]].push(unit);
                for link in self.down[unit].iter().rev() {
                    if !visited[link.other] {
                        visited[link.other] = true;
                        stack.push(link.other);
                    }
                }
            }
        }
        self.layers = layers;
        self.position = vec![0; unit_count];
        self.update_positions();
    }

    fn update_positions(&mut self) {
        for layer in &self.layers {
            for (index, &unit) in layer.iter().enumerate() {
                self.position[unit] = index;
            }
        }
    }

    /// Reduces crossings with barycenter sweeps and keeps the best order found.
    fn reduce_crossings(&mut self) {
        if self.layers.len() < 2 {
            return;
        }
        let mut best_crossings = self.count_all_crossings();
        let mut best_layers = self.layers.clone();
        let mut sweeps_without_progress = 0;
        for sweep in 0..MAXIMUM_ORDERING_SWEEPS {
            if best_crossings == 0 {
                break;
            }
            if sweep % 2 == 0 {
                for layer in 1..self.layers.len() {
                    self.reorder_layer(layer, true);
                }
            } else {
                for layer in (0..self.layers.len() - 1).rev() {
                    self.reorder_layer(layer, false);
                }
            }
            let crossings = self.count_all_crossings();
            if crossings < best_crossings {
                best_crossings = crossings;
                best_layers.clone_from(&self.layers);
                sweeps_without_progress = 0;
            } else {
                sweeps_without_progress += 1;
                if sweeps_without_progress >= ORDERING_SWEEPS_WITHOUT_PROGRESS {
                    break;
                }
            }
        }
        self.layers = best_layers;
        self.update_positions();
    }

    /// Sorts one rank by the barycenters of its units' neighbours on the fixed side. Units with
    /// no such neighbours keep their places; ties keep the current order.
    fn reorder_layer(&mut self, layer: usize, fixed_side_is_up: bool) {
        let units = &self.layers[layer];
        let barycenters: Vec<Option<f64>> = units
            .iter()
            .map(|&unit| {
                let links = if fixed_side_is_up { &self.up[unit] } else { &self.down[unit] };
                if links.is_empty() {
                    None
                } else {
                    let total: f64 = links.iter().map(|link| self.position[link.other] as f64).sum();
                    Some(total / links.len() as f64)
                }
            })
            .collect();
        // Loop ends follow the member they belong to.
        let adjusted: Vec<Option<f64>> = units
            .iter()
            .enumerate()
            .map(|(index, &unit)| {
                let own = barycenters[index];
                let partner = self.partner[unit]
                    .filter(|&partner| self.rank[partner] == layer)
                    .and_then(|partner| barycenters[self.position[partner]]);
                match (own, partner) {
                    (Some(own), Some(partner)) => Some((own + partner) / 2.0),
                    (None, Some(partner)) => Some(partner),
                    (own, None) => own,
                }
            })
            .collect();
        let mut movable: Vec<(f64, usize)> =
            adjusted.iter().enumerate().filter_map(|(index, value)| value.map(|value| (value, index))).collect();
        sort::sort_by(&mut movable, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut sorted = movable.into_iter();
        let reordered: Vec<usize> = (0..units.len())
            .map(|slot| {
                if adjusted[slot].is_none() {
                    units[slot]
                } else {
                    sorted.next().map_or(units[slot], |(_, index)| units[index])
                }
            })
            .collect();
        for (index, &unit) in reordered.iter().enumerate() {
            self.position[unit] = index;
        }
        self.layers[layer] = reordered;
    }

    fn count_all_crossings(&self) -> usize {
        (0..self.layers.len().saturating_sub(1)).map(|layer| self.count_crossings_below(layer)).sum()
    }

    /// Counts the crossings between a rank and the next one exactly, in `e log n` time.
    fn count_crossings_below(&self, layer: usize) -> usize {
        let mut segments: Vec<(usize, usize)> = Vec::new();
        for &unit in &self.layers[layer] {
            for link in &self.down[unit] {
                segments.push((self.position[unit], self.position[link.other]));
            }
        }
        sort::sort(&mut segments);
        let lower_count = self.layers[layer + 1].len();
        let mut tree = vec![0usize; lower_count + 1];
        let mut crossings = 0;
        for (inserted, &(_, lower)) in segments.iter().enumerate() {
            // Segments already inserted that end further right cross this one.
            let mut at_or_before = 0;
            let mut index = lower + 1;
            while index > 0 {
                at_or_before += tree[index];
                index &= index - 1;
            }
            crossings += inserted - at_or_before;
            let mut index = lower + 1;
            while index <= lower_count {
                tree[index] += 1;
                index += index & index.wrapping_neg();
            }
        }
        crossings
    }

    /// Assigns cross-axis centres: each rank is placed as close as the separations allow to
    /// where its edges pull it, sweeping down and up until the placement settles.
    fn assign_cross_coordinates(&mut self, node_spacing: f64) {
        let unit_count = self.unit_count();
        self.cross = vec![0.0; unit_count];
        for layer in 0..self.layers.len() {
            let offsets = self.layer_offsets(layer, node_spacing);
            let middle = offsets.last().copied().unwrap_or(0.0) / 2.0;
            for (&unit, offset) in self.layers[layer].iter().zip(&offsets) {
                self.cross[unit] = offset - middle;
            }
        }
        let layer_count = self.layers.len();
        for _ in 0..ONE_SIDED_PLACEMENT_ROUNDS {
            for layer in 1..layer_count {
                self.place_layer(layer, PlacementPull::Up, node_spacing);
            }
            for layer in (0..layer_count.saturating_sub(1)).rev() {
                self.place_layer(layer, PlacementPull::Down, node_spacing);
            }
        }
        for round in 0..TWO_SIDED_PLACEMENT_ROUNDS {
            if round % 2 == 0 {
                for layer in 0..layer_count {
                    self.place_layer(layer, PlacementPull::Both, node_spacing);
                }
            } else {
                for layer in (0..layer_count).rev() {
                    self.place_layer(layer, PlacementPull::Both, node_spacing);
                }
            }
        }
    }

    /// Lines members up with their only neighbour where the neighbours in their rank leave room:
    /// first, from the top, members with one edge above and at most one below (chains and
    /// sinks), then, from the bottom, members with no edge above and one below (sources).
    /// Members that fan out or join keep their balanced place.
    fn snap_members_to_single_neighbours(&mut self, node_spacing: f64) {
        for layer in 0..self.layers.len() {
            for index in 0..self.layers[layer].len() {
                let unit = self.layers[layer][index];
                if self.kind[unit].is_member() && self.up[unit].len() == 1 && self.down[unit].len() <= 1 {
                    let link = self.up[unit][0];
                    self.snap_to(unit, link, node_spacing);
                }
            }
        }
        for layer in (0..self.layers.len()).rev() {
            for index in 0..self.layers[layer].len() {
                let unit = self.layers[layer][index];
                if self.kind[unit].is_member() && self.up[unit].is_empty() && self.down[unit].len() == 1 {
                    let link = self.down[unit][0];
                    self.snap_to(unit, link, node_spacing);
                }
            }
        }
    }

    /// Moves a unit so that the link runs straight, if its neighbours in the rank allow it.
    fn snap_to(&mut self, unit: usize, link: Link, node_spacing: f64) {
        let wanted = self.cross[link.other] + link.other_offset - link.own_offset;
        let (low, high) = self.free_interval(unit, node_spacing);
        if low <= wanted && wanted <= high {
            self.cross[unit] = wanted;
        }
    }

    /// Puts each run of a chain's dummies on one straight line wherever the neighbours leave room,
    /// preferring the line of the chain's own end, so long edges and loops bend as little as
    /// possible. Units keep their order and separations.
    fn straighten_dummy_chains(&mut self, chains: &[DummyChain], node_spacing: f64) {
        for dummy_chain in chains {
            let chain = &dummy_chain.dummies;
            let source_line = dummy_chain.source_line.map(|(unit, offset)| self.cross[unit] + offset);
            let target_line = dummy_chain.target_line.map(|(unit, offset)| self.cross[unit] + offset);
            let mut start = 0;
            while start < chain.len() {
                let (mut low, mut high) = self.free_interval(chain[start], node_spacing);
                let mut end = start + 1;
                while let Some(&next) = chain.get(end) {
                    let (next_low, next_high) = self.free_interval(next, node_spacing);
                    if low.max(next_low) > high.min(next_high) {
                        break;
                    }
                    low = low.max(next_low);
                    high = high.min(next_high);
                    end += 1;
                }
                let run = &chain[start..end];
                let mean = run.iter().map(|&dummy| self.cross[dummy]).sum::<f64>() / run.len() as f64;
                let mut candidates: Vec<f64> = Vec::with_capacity(2);
                if start == 0 {
                    candidates.extend(source_line);
                }
                if end == chain.len() {
                    candidates.extend(target_line);
                }
                sort::sort_by(&mut candidates, |a, b| (a - mean).abs().total_cmp(&(b - mean).abs()));
                let line = candidates
                    .into_iter()
                    .find(|&candidate| low <= candidate && candidate <= high)
                    .unwrap_or_else(|| mean.max(low).min(high));
                for &dummy in run {
                    self.cross[dummy] = line;
                }
                start = end;
            }
        }
    }

    /// The range a unit's centre may move in without coming too close to its neighbours.
    fn free_interval(&self, unit: usize, node_spacing: f64) -> (f64, f64) {
        let layer = &self.layers[self.rank[unit]];
        let position = self.position[unit];
        let low = match position.checked_sub(1).map(|index| layer[index]) {
            Some(left) => self.cross[left] + self.separation(left, unit, node_spacing),
            None => f64::NEG_INFINITY,
        };
        let high = match layer.get(position + 1) {
            Some(&right) => self.cross[right] - self.separation(unit, right, node_spacing),
            None => f64::INFINITY,
        };
        (low, high)
    }

    /// The smallest cross offsets of a rank's units from its first unit.
    fn layer_offsets(&self, layer: usize, node_spacing: f64) -> Vec<f64> {
        let units = &self.layers[layer];
        let mut offsets = Vec::with_capacity(units.len());
        let mut offset = 0.0;
        for (index, &unit) in units.iter().enumerate() {
            if index > 0 {
                offset += self.separation(units[index - 1], unit, node_spacing);
            }
            offsets.push(offset);
        }
        offsets
    }

    /// Places one rank where its links pull it, keeping the rank's order and separations.
    fn place_layer(&mut self, layer: usize, pull: PlacementPull, node_spacing: f64) {
        let offsets = self.layer_offsets(layer, node_spacing);
        let units = &self.layers[layer];
        let mut targets = Vec::with_capacity(units.len());
        let mut weights = Vec::with_capacity(units.len());
        for &unit in units {
            let mut weight_sum = 0.0;
            let mut weighted_sum = 0.0;
            let mut add = |links: &[Link]| {
                for link in links {
                    let wanted = self.cross[link.other] + link.other_offset - link.own_offset;
                    weight_sum += link.weight;
                    weighted_sum += link.weight * wanted;
                }
            };
            match pull {
                PlacementPull::Up => add(&self.up[unit]),
                PlacementPull::Down => add(&self.down[unit]),
                PlacementPull::Both => {
                    add(&self.up[unit]);
                    add(&self.down[unit]);
                }
            }
            if let Some(partner) = self.partner[unit].filter(|&partner| self.rank[partner] == layer) {
                // Keep a loop's channel close to the member it belongs to.
                let distance = self.separation(partner, unit, node_spacing);
                let side = if self.position[unit] > self.position[partner] { 1.0 } else { -1.0 };
                weight_sum += DUMMY_TO_MEMBER_WEIGHT;
                weighted_sum += DUMMY_TO_MEMBER_WEIGHT * (self.cross[partner] + side * distance);
            }
            if weight_sum > 0.0 {
                targets.push(weighted_sum / weight_sum);
                weights.push(weight_sum);
            } else {
                targets.push(self.cross[unit]);
                weights.push(STAY_PUT_WEIGHT);
            }
        }
        let placed = place_in_order(&targets, &weights, &offsets);
        for (&unit, value) in units.iter().zip(placed) {
            self.cross[unit] = value;
        }
    }
}

/// Which neighbouring ranks pull a rank when it is placed.
#[derive(Debug, Clone, Copy)]
enum PlacementPull {
    Up,
    Down,
    Both,
}

/// Minimises `sum weight_i * (x_i - target_i)^2` subject to `x_{i+1} - x_i >= offset_{i+1} -
/// offset_i`, exactly, with the pool-adjacent-violators algorithm. Weights must be positive.
fn place_in_order(targets: &[f64], weights: &[f64], offsets: &[f64]) -> Vec<f64> {
    // In the shifted variables y_i = x_i - offset_i the constraints say y is non-decreasing.
    struct Block {
        start: usize,
        weight: f64,
        weighted_sum: f64,
    }
    let mut blocks: Vec<Block> = Vec::with_capacity(targets.len());
    for index in 0..targets.len() {
        let weight = weights[index];
        blocks.push(Block { start: index, weight, weighted_sum: weight * (targets[index] - offsets[index]) });
        while let [.., previous, last] = blocks.as_slice() {
            if previous.weighted_sum / previous.weight <= last.weighted_sum / last.weight {
                break;
            }
            let (weight, weighted_sum) = (last.weight, last.weighted_sum);
            blocks.pop();
            if let Some(previous) = blocks.last_mut() {
                previous.weight += weight;
                previous.weighted_sum += weighted_sum;
            }
        }
    }
    let mut placed = vec![0.0; targets.len()];
    for (block_index, block) in blocks.iter().enumerate() {
        let end = blocks.get(block_index + 1).map_or(targets.len(), |next| next.start);
        let value = block.weighted_sum / block.weight;
        for index in block.start..end {
            placed[index] = value + offsets[index];
        }
    }
    placed
}

/// Which long forward pieces share a chain of dummies, and which chain each piece uses.
///
/// A piece is long when it crosses at least one rank. Long pieces that end at the same unit and
/// attach point share a chain from the rank below the highest source down to the target; each
/// joins it on the rank below its source. Of the rest, those that start at the same unit and
/// attach point share a chain from the rank below the source down to the lowest target; each
/// leaves it on the rank above its target. A piece that shares with no other has a chain of its
/// own, as does every loop.
fn plan_shared_chains(paths: &[PiecePath], rank: &[usize]) -> (Vec<SharedChain>, Vec<Option<usize>>) {
    let is_long = |path: &PiecePath| !path.backward && rank[path.target] > rank[path.source] + 1;
    let target_key = |path: &PiecePath| (path.target, path.target_offset.to_bits());
    let source_key = |path: &PiecePath| (path.source, path.source_offset.to_bits());

    let mut into_target: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    for path in paths.iter().filter(|path| is_long(path)) {
        *into_target.entry(target_key(path)).or_default() += 1;
    }
    let shares_target = |path: &PiecePath| is_long(path) && into_target.get(&target_key(path)) > Some(&1);
    let mut out_of_source: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    for path in paths.iter().filter(|path| is_long(path) && !shares_target(path)) {
        *out_of_source.entry(source_key(path)).or_default() += 1;
    }
    let shares_source =
        |path: &PiecePath| is_long(path) && !shares_target(path) && out_of_source.get(&source_key(path)) > Some(&1);

    let mut shared_chains: Vec<SharedChain> = Vec::new();
    let mut by_target: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    let mut by_source: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    let shared_chain_of_path = paths
        .iter()
        .map(|path| {
            let (key, first_rank_or_end, index_by_key, is_by_target) = if shares_target(path) {
                (target_key(path), rank[path.source] + 1, &mut by_target, true)
            } else if shares_source(path) {
                (source_key(path), rank[path.target], &mut by_source, false)
            } else {
                return None;
            };
            let index = *index_by_key.entry(key).or_insert_with(|| {
                shared_chains.push(SharedChain {
                    by_target: is_by_target,
                    extreme_rank: first_rank_or_end,
                    chain: None,
                });
                shared_chains.len() - 1
            });
            let shared = &mut shared_chains[index];
            shared.extreme_rank = if is_by_target {
                shared.extreme_rank.min(first_rank_or_end)
            } else {
                shared.extreme_rank.max(first_rank_or_end)
            };
            Some(index)
        })
        .collect();
    (shared_chains, shared_chain_of_path)
}

/// Ranks for the members of one container, and which edges were turned round to break cycles.
/// `edges` holds no self-loops. Ranks are dense and start at zero.
fn rank_members(member_count: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<bool>) {
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); member_count];
    let mut incoming_count = vec![0usize; member_count];
    for (index, &(source, target)) in edges.iter().enumerate() {
        outgoing[source].push(index);
        incoming_count[target] += 1;
    }

    // Depth-first search from sources first, then everything else, in input order.
    const UNVISITED: u8 = 0;
    const ON_STACK: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNVISITED; member_count];
    let mut reversed = vec![false; edges.len()];
    let mut postorder = Vec::with_capacity(member_count);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let roots = (0..member_count).filter(|&member| incoming_count[member] == 0).chain(0..member_count);
    for root in roots {
        if state[root] != UNVISITED {
            continue;
        }
        state[root] = ON_STACK;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (member, next) = *top;
            if let Some(&edge) = outgoing[member].get(next) {
                top.1 += 1;
                let target = edges[edge].1;
                match state[target] {
                    UNVISITED => {
                        state[target] = ON_STACK;
                        stack.push((target, 0));
                    }
                    ON_STACK => reversed[edge] = true,
                    _ => {}
                }
            } else {
                state[member] = DONE;
                postorder.push(member);
                stack.pop();
            }
        }
    }
    let topological: Vec<usize> = postorder.into_iter().rev().collect();

    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); member_count];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); member_count];
    for (index, &(source, target)) in edges.iter().enumerate() {
        let (upper, lower) = if reversed[index] { (target, source) } else { (source, target) };
        successors[upper].push(lower);
        predecessors[lower].push(upper);
    }

    // Longest path from the sources.
    let mut rank = vec![0usize; member_count];
    for &member in &topological {
        for &successor in &successors[member] {
            rank[successor] = rank[successor].max(rank[member] + 1);
        }
    }
    // Members with more edges below than above move down, next to their successors.
    for &member in topological.iter().rev() {
        if successors[member].len() > predecessors[member].len()
            && let Some(lowest) = successors[member].iter().map(|&s| rank[s]).min()
        {
            rank[member] = lowest - 1;
        }
    }
    // Members with more edges above than below move up, next to their predecessors.
    for &member in &topological {
        if predecessors[member].len() > successors[member].len()
            && let Some(highest) = predecessors[member].iter().map(|&p| rank[p]).max()
        {
            rank[member] = highest + 1;
        }
    }
    let highest_rank = rank.iter().copied().max().unwrap_or(0);
    // Make ranks dense.
    let mut used = vec![false; highest_rank + 1];
    for &value in &rank {
        used[value] = true;
    }
    let mut dense = vec![0usize; highest_rank + 1];
    let mut next = 0;
    for (value, &is_used) in used.iter().enumerate() {
        dense[value] = next;
        if is_used {
            next += 1;
        }
    }
    (rank.iter().map(|&value| dense[value]).collect(), reversed)
}

impl LayoutState {
    fn new(graph: &CompoundGraph) -> Self {
        let containers = graph.group_count + 1;
        Self {
            group_size: vec![(0.0, 0.0); graph.group_count],
            group_ports: vec![BTreeMap::new(); graph.group_count],
            node_local: vec![(0.0, 0.0); graph.node_container.len()],
            group_local: vec![(0.0, 0.0); graph.group_count],
            routes: vec![BTreeMap::new(); containers],
            root_size: (0.0, 0.0),
            unit_count: 0,
        }
    }

    /// Where an edge attaches to a member, relative to the member's centre on the cross axis.
    fn attach_offset(&self, member: Member, edge: usize) -> f64 {
        match member {
            Member::Node(_) => 0.0,
            Member::Group(group) => {
                let half = self.group_size[group].0 / 2.0;
                self.group_ports[group].get(&edge).map_or(0.0, |&port| port - half)
            }
        }
    }

    fn member_size(&self, graph: &CompoundGraph, member: Member) -> (f64, f64) {
        match member {
            Member::Node(node) => (graph.node_cross_size[node], graph.node_rank_size[node]),
            Member::Group(group) => self.group_size[group],
        }
    }

    /// Lays out one container whose child groups are already laid out.
    fn lay_out_container(&mut self, graph: &CompoundGraph, options: &SanitizedOptions, container: usize) {
        let members = &graph.members[container];
        let mut units = LayerGraph::default();
        let mut unit_of_member: BTreeMap<Member, usize> = BTreeMap::new();
        for &member in members {
            let (cross_size, rank_size) = self.member_size(graph, member);
            let unit = units.add_unit(UnitKind::Member(member), cross_size, rank_size);
            unit_of_member.insert(member, unit);
        }
        let member_count = members.len();

        // Resolve each piece's ends to units, creating port units.
        let mut paths: Vec<PiecePath> = Vec::with_capacity(graph.pieces[container].len());
        let mut member_edges: Vec<(usize, usize)> = Vec::new();
        let mut member_edge_of_path: Vec<Option<usize>> = Vec::new();
        for piece in &graph.pieces[container] {
            let (source, source_offset) = match piece.source {
                PieceSource::Member(member) => {
                    (unit_of_member.get(&member).copied().unwrap_or(0), self.attach_offset(member, piece.edge))
                }
                PieceSource::EntryPort => (units.add_unit(UnitKind::EntryPort, 0.0, 0.0), 0.0),
            };
            let (target, target_offset) = match piece.target {
                PieceTarget::Member(member) => {
                    (unit_of_member.get(&member).copied().unwrap_or(0), self.attach_offset(member, piece.edge))
                }
                PieceTarget::ExitPort => (units.add_unit(UnitKind::ExitPort, 0.0, 0.0), 0.0),
            };
            let between_members = source < member_count && target < member_count;
            if between_members && source != target {
                member_edge_of_path.push(Some(member_edges.len()));
                member_edges.push((source, target));
            } else {
                member_edge_of_path.push(None);
            }
            paths.push(PiecePath {
                edge: piece.edge,
                source,
                target,
                source_offset,
                target_offset,
                backward: between_members && source == target,
                chain: None,
                chain_part: 0..0,
            });
        }

        // Ranks: members first, then the port ranks above and below them.
        let (member_rank, reversed) = rank_members(member_count, &member_edges);
        let has_entry_ports = units.kind.contains(&UnitKind::EntryPort);
        let has_exit_ports = units.kind.contains(&UnitKind::ExitPort);
        let first_member_layer = usize::from(has_entry_ports);
        let member_layer_count = member_rank.iter().map(|&rank| rank + 1).max().unwrap_or(0);
        let exit_layer = first_member_layer + member_layer_count;
        let layer_count = exit_layer + usize::from(has_exit_ports);
        for (unit, (rank, kind)) in units.rank.iter_mut().zip(&units.kind).enumerate() {
            *rank = match kind {
                UnitKind::EntryPort => 0,
                UnitKind::ExitPort => exit_layer,
                _ => member_rank.get(unit).map_or(0, |&rank| rank + first_member_layer),
            };
        }

        // Dummies and links.
        for (path, member_edge) in paths.iter_mut().zip(&member_edge_of_path) {
            if let Some(member_edge) = *member_edge {
                path.backward = reversed[member_edge];
            }
        }
        let (mut shared_chains, shared_chain_of_path) = plan_shared_chains(&paths, &units.rank);
        let mut chains: Vec<DummyChain> = Vec::new();
        for (path, shared) in paths.iter_mut().zip(shared_chain_of_path) {
            if path.backward {
                // A loop: a channel beside the ranks from the source's up to the target's.
                let bottom = units.rank[path.source];
                let top = units.rank[path.target];
                let mut dummies = Vec::with_capacity(bottom - top + 1);
                let mut previous: Option<usize> = None;
                for rank in (top..=bottom).rev() {
                    let dummy = units.add_unit(UnitKind::Dummy, 0.0, 0.0);
                    units.rank[dummy] = rank;
                    if let Some(below) = previous {
                        units.link(dummy, below, 0.0, 0.0);
                    }
                    dummies.push(dummy);
                    previous = Some(dummy);
                }
                if let (Some(&first), Some(&last)) = (dummies.first(), dummies.last()) {
                    units.partner[last] = Some(path.target);
                    units.partner[first] = Some(path.source);
                }
                path.chain_part = 0..dummies.len();
                path.chain = Some(chains.len());
                chains.push(DummyChain { dummies, source_line: None, target_line: None });
                continue;
            }
            let (source_rank, target_rank) = (units.rank[path.source], units.rank[path.target]);
            let Some(shared) = shared else {
                let mut dummies = Vec::new();
                let mut previous = path.source;
                let mut previous_offset = path.source_offset;
                for rank in source_rank + 1..target_rank {
                    let dummy = units.add_unit(UnitKind::Dummy, 0.0, 0.0);
                    units.rank[dummy] = rank;
                    units.link(previous, dummy, previous_offset, 0.0);
                    dummies.push(dummy);
                    previous = dummy;
                    previous_offset = 0.0;
                }
                units.link(previous, path.target, previous_offset, path.target_offset);
                if !dummies.is_empty() {
                    path.chain_part = 0..dummies.len();
                    path.chain = Some(chains.len());
                    chains.push(DummyChain {
                        dummies,
                        source_line: Some((path.source, path.source_offset)),
                        target_line: Some((path.target, path.target_offset)),
                    });
                }
                continue;
            };
            // A shared chain: built with its first piece, then joined by the others.
            let shared = &mut shared_chains[shared];
            let chain = *shared.chain.get_or_insert_with(|| {
                let ranks = if shared.by_target {
                    shared.extreme_rank..target_rank
                } else {
                    source_rank + 1..shared.extreme_rank
                };
                let mut dummies: Vec<usize> = Vec::with_capacity(ranks.len());
                for rank in ranks {
                    let dummy = units.add_unit(UnitKind::Dummy, 0.0, 0.0);
                    units.rank[dummy] = rank;
                    if let Some(&above) = dummies.last() {
                        units.link(above, dummy, 0.0, 0.0);
                    }
                    dummies.push(dummy);
                }
                let (first, last) = (dummies[0], dummies[dummies.len() - 1]);
                let (source_line, target_line) = if shared.by_target {
                    units.link(last, path.target, 0.0, path.target_offset);
                    (None, Some((path.target, path.target_offset)))
                } else {
                    units.link(path.source, first, path.source_offset, 0.0);
                    (Some((path.source, path.source_offset)), None)
                };
                chains.push(DummyChain { dummies, source_line, target_line });
                chains.len() - 1
            });
            let dummies = &chains[chain].dummies;
            let first_rank = units.rank[dummies[0]];
            // Pieces that join (or leave) at the chain's far end pull it as an own chain's end
            // would; the others, along its side, barely pull.
            path.chain_part = if shared.by_target {
                let joined = source_rank + 1 - first_rank;
                let weight = if joined == 0 { DUMMY_TO_MEMBER_WEIGHT } else { SHARED_CHAIN_JOIN_WEIGHT };
                units.link_with_weight(path.source, dummies[joined], path.source_offset, 0.0, weight);
                joined..dummies.len()
            } else {
                let left = target_rank - 1 - first_rank;
                let weight = if left + 1 == dummies.len() { DUMMY_TO_MEMBER_WEIGHT } else { SHARED_CHAIN_JOIN_WEIGHT };
                units.link_with_weight(dummies[left], path.target, 0.0, path.target_offset, weight);
                0..left + 1
            };
            path.chain = Some(chain);
        }

        self.unit_count += units.unit_count();
        units.build_initial_order(layer_count);
        units.reduce_crossings();
        units.assign_cross_coordinates(options.node_spacing);
        units.snap_members_to_single_neighbours(options.node_spacing);
        units.straighten_dummy_chains(&chains, options.node_spacing);

        // Rank bands. Groups hang from the top of their band, so parallel branches start level;
        // nodes are centred on the tallest node of their band.
        let mut band_top = vec![0.0; layer_count];
        let mut band_height = vec![0.0; layer_count];
        let mut node_row_height = vec![0.0; layer_count];
        let mut next_top = 0.0;
        for layer in first_member_layer..exit_layer {
            for &unit in &units.layers[layer] {
                band_height[layer] = f64::max(band_height[layer], units.rank_size[unit]);
                if !matches!(units.kind[unit], UnitKind::Member(Member::Group(_))) {
                    node_row_height[layer] = f64::max(node_row_height[layer], units.rank_size[unit]);
                }
            }
            band_top[layer] = next_top;
            next_top += band_height[layer] + options.rank_spacing;
        }
        let band_bottom = |layer: usize| band_top[layer] + band_height[layer];
        let unit_top = |unit: usize| {
            let layer = units.rank[unit];
            match units.kind[unit] {
                UnitKind::Member(Member::Group(_)) => band_top[layer],
                _ => band_top[layer] + (node_row_height[layer] - units.rank_size[unit]) / 2.0,
            }
        };

        // Loops cross the gaps between bands; each gap shares its room among its loops.
        let gap_count = member_layer_count + 1;
        let mut gap_users: Vec<Vec<(usize, bool)>> = vec![Vec::new(); gap_count];
        for (index, path) in paths.iter().enumerate() {
            if path.backward {
                let below = units.rank[path.source] - first_member_layer + 1;
                let above = units.rank[path.target] - first_member_layer;
                gap_users[below].push((index, true));
                gap_users[above].push((index, false));
            }
        }
        let mut loop_y = vec![(0.0, 0.0); paths.len()];
        for (gap, users) in gap_users.iter().enumerate() {
            let count = users.len() as f64;
            for (order, &(index, is_below)) in users.iter().enumerate() {
                let step = (order + 1) as f64;
                let y = if gap == 0 {
                    band_top[first_member_layer] - options.rank_spacing / 2.0 * step / count
                } else if gap == member_layer_count {
                    band_bottom(exit_layer - 1) + options.rank_spacing / 2.0 * step / count
                } else {
                    band_bottom(first_member_layer + gap - 1) + options.rank_spacing * step / (count + 1.0)
                };
                if is_below {
                    loop_y[index].0 = y;
                } else {
                    loop_y[index].1 = y;
                }
            }
        }

        // The box: everything placed, plus the padding.
        let mut minimum = (f64::INFINITY, f64::INFINITY);
        let mut maximum = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for unit in 0..units.unit_count() {
            let half = units.cross_size[unit] / 2.0;
            minimum.0 = minimum.0.min(units.cross[unit] - half);
            maximum.0 = maximum.0.max(units.cross[unit] + half);
        }
        if member_layer_count > 0 {
            minimum.1 = band_top[first_member_layer];
            maximum.1 = band_bottom(exit_layer - 1);
        }
        for (path, &(below, above)) in paths.iter().zip(&loop_y) {
            if path.backward {
                minimum.1 = minimum.1.min(below.min(above));
                maximum.1 = maximum.1.max(below.max(above));
            }
        }
        if !minimum.0.is_finite() {
            minimum.0 = 0.0;
            maximum.0 = 0.0;
        }
        if !minimum.1.is_finite() {
            minimum.1 = 0.0;
            maximum.1 = 0.0;
        }
        let padding = graph.padding[container];
        let left = minimum.0 - padding.cross_start;
        let top = minimum.1 - padding.rank_start;
        let right = maximum.0 + padding.cross_end;
        let bottom = maximum.1 + padding.rank_end;

        // Routes, in content coordinates first.
        let mut routes = BTreeMap::new();
        for (path, &(below_y, above_y)) in paths.iter().zip(&loop_y) {
            let mut points: Vec<InternalPoint> = Vec::new();
            let source = path.source;
            let target = path.target;
            let source_cross = units.cross[source] + path.source_offset;
            let target_cross = units.cross[target] + path.target_offset;
            match units.kind[source] {
                UnitKind::EntryPort => points.push((source_cross, top)),
                _ => {
                    let source_bottom = unit_top(source) + units.rank_size[source];
                    points.push((source_cross, source_bottom));
                    points.push((source_cross, band_bottom(units.rank[source])));
                }
            }
            let dummies = path.dummies(&chains);
            if path.backward {
                points.push((source_cross, below_y));
                if let Some(&first) = dummies.first() {
                    points.push((units.cross[first], below_y));
                }
                for &dummy in dummies {
                    let layer = units.rank[dummy];
                    points.push((units.cross[dummy], band_bottom(layer)));
                    points.push((units.cross[dummy], band_top[layer]));
                }
                if let Some(&last) = dummies.last() {
                    points.push((units.cross[last], above_y));
                }
                points.push((target_cross, above_y));
            } else {
                for &dummy in dummies {
                    let layer = units.rank[dummy];
                    points.push((units.cross[dummy], band_top[layer]));
                    points.push((units.cross[dummy], band_bottom(layer)));
                }
            }
            match units.kind[target] {
                UnitKind::ExitPort => points.push((target_cross, bottom)),
                _ => {
                    points.push((target_cross, band_top[units.rank[target]]));
                    points.push((target_cross, unit_top(target)));
                }
            }
            let shifted = points.into_iter().map(|(cross, rank)| (cross - left, rank - top)).collect();
            routes.insert(path.edge, simplify_polyline(shifted));

            if container < graph.group_count {
                if units.kind[source] == UnitKind::EntryPort {
                    self.group_ports[container].insert(path.edge, units.cross[source] - left);
                }
                if units.kind[target] == UnitKind::ExitPort {
                    self.group_ports[container].insert(path.edge, units.cross[target] - left);
                }
            }
        }
        self.routes[container] = routes;

        for (unit, &member) in members.iter().enumerate() {
            let local = (units.cross[unit] - units.cross_size[unit] / 2.0 - left, unit_top(unit) - top);
            match member {
                Member::Node(node) => self.node_local[node] = local,
                Member::Group(group) => self.group_local[group] = local,
            }
        }
        let size = (right - left, bottom - top);
        if container < graph.group_count {
            self.group_size[container] = size;
        } else {
            self.root_size = size;
        }
    }

    /// Turns the per-container results into absolute coordinates in the requested direction.
    fn into_layout(self, input: &LayoutInput, graph: &CompoundGraph, options: &SanitizedOptions) -> Layout {
        let root = graph.root();
        let mut origin = vec![(0.0, 0.0); root + 1];
        let mut groups_outermost_first: Vec<usize> = (0..graph.group_count).collect();
        sort::sort_by_key(&mut groups_outermost_first, |&group| (graph.container_depth[group], group));
        for group in groups_outermost_first {
            let parent = origin[graph.container_parent[group]];
            let local = self.group_local[group];
            origin[group] = (parent.0 + local.0, parent.1 + local.1);
        }

        let orient = |(cross, rank): InternalPoint| match options.direction {
            LayoutDirection::TopToBottom => Point { x: cross, y: rank },
            LayoutDirection::LeftToRight => Point { x: rank, y: cross },
        };
        let orient_size = |(cross, rank): (f64, f64)| match options.direction {
            LayoutDirection::TopToBottom => (cross, rank),
            LayoutDirection::LeftToRight => (rank, cross),
        };

        let nodes = input
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| {
                let base = origin[graph.node_container[index]];
                let local = self.node_local[index];
                let corner = orient((base.0 + local.0, base.1 + local.1));
                let (width, height) = orient_size((graph.node_cross_size[index], graph.node_rank_size[index]));
                PlacedNode { id: node.id.clone(), x: corner.x, y: corner.y, width, height }
            })
            .collect();

        let groups = input
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                let corner = orient(origin[index]);
                let (width, height) = orient_size(self.group_size[index]);
                PlacedGroup { id: group.id.clone(), x: corner.x, y: corner.y, width, height }
            })
            .collect();

        let edges = input
            .edges
            .iter()
            .enumerate()
            .map(|(index, edge)| {
                let mut points: Vec<InternalPoint> = Vec::new();
                for &container in &graph.edge_containers[index] {
                    let base = origin[container];
                    if let Some(piece) = self.routes[container].get(&index) {
                        points.extend(piece.iter().map(|&(cross, rank)| (base.0 + cross, base.1 + rank)));
                    }
                }
                RoutedEdge {
                    from: edge.from.clone(),
                    to: edge.to.clone(),
                    points: simplify_polyline(points).into_iter().map(orient).collect(),
                }
            })
            .collect();

        let (width, height) = orient_size(self.root_size);
        Layout { nodes, groups, edges, width, height }
    }
}

/// Coordinates closer than this count as equal when a route is simplified: the pieces of one edge
/// are computed in different groups and may meet with a rounding difference.
const SAME_COORDINATE_TOLERANCE: f64 = 1e-6;

/// Drops repeated points and the middle of three points on one straight axis-parallel run. The
/// first and last points are kept exactly as they are.
fn simplify_polyline(points: Vec<InternalPoint>) -> Vec<InternalPoint> {
    let same = |first: f64, second: f64| (first - second).abs() <= SAME_COORDINATE_TOLERANCE;
    let Some(&last_point) = points.last() else {
        return points;
    };
    let had_several_points = points.len() > 1;
    let mut simplified: Vec<InternalPoint> = Vec::with_capacity(points.len());
    for point in points {
        if let Some(&previous) = simplified.last()
            && same(previous.0, point.0)
            && same(previous.1, point.1)
        {
            if simplified.len() == 1 {
                continue;
            }
            simplified.pop();
        }
        if let [.., before, middle] = simplified.as_slice() {
            let on_vertical_run =
                same(before.0, middle.0) && same(middle.0, point.0) && is_between(before.1, middle.1, point.1);
            let on_horizontal_run =
                same(before.1, middle.1) && same(middle.1, point.1) && is_between(before.0, middle.0, point.0);
            if on_vertical_run || on_horizontal_run {
                simplified.pop();
            }
        }
        simplified.push(point);
    }
    if simplified.len() == 1 && had_several_points {
        simplified.push(last_point);
    }
    simplified
}

/// Whether `middle` lies between `first` and `last`, inclusive.
fn is_between(first: f64, middle: f64, last: f64) -> bool {
    match first.partial_cmp(&last) {
        Some(Ordering::Less | Ordering::Equal) => first <= middle && middle <= last,
        _ => last <= middle && middle <= first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn node(id: &str, width: f64, height: f64, group: Option<usize>) -> LayoutNode {
        LayoutNode { id: id.to_string(), width, height, group }
    }

    fn state(id: &str) -> LayoutNode {
        node(id, 120.0, 40.0, None)
    }

    fn state_in(id: &str, group: usize) -> LayoutNode {
        node(id, 120.0, 40.0, Some(group))
    }

    fn group(id: &str, parent: Option<usize>, label_height: f64) -> LayoutGroup {
        LayoutGroup { id: id.to_string(), parent, label_height }
    }

    fn edge(from: &str, to: &str) -> LayoutEdge {
        LayoutEdge { from: from.to_string(), to: to.to_string() }
    }

    fn placed<'a>(result: &'a Layout, id: &str) -> &'a PlacedNode {
        result.nodes.iter().find(|node| node.id == id).unwrap_or_else(|| panic!("no node {id}"))
    }

    #[derive(Debug, Clone, Copy)]
    struct Rect {
        x: f64,
        y: f64,
        width: f64,
        height: f64,
    }

    impl Rect {
        fn of_node(node: &PlacedNode) -> Self {
            Self { x: node.x, y: node.y, width: node.width, height: node.height }
        }

        fn of_group(group: &PlacedGroup) -> Self {
            Self { x: group.x, y: group.y, width: group.width, height: group.height }
        }

        fn overlaps(&self, other: &Rect) -> bool {
            const TOLERANCE: f64 = 1e-6;
            self.x + TOLERANCE < other.x + other.width
                && other.x + TOLERANCE < self.x + self.width
                && self.y + TOLERANCE < other.y + other.height
                && other.y + TOLERANCE < self.y + self.height
        }

        fn contains(&self, inner: &Rect) -> bool {
            const TOLERANCE: f64 = 1e-6;
            inner.x >= self.x - TOLERANCE
                && inner.y >= self.y - TOLERANCE
                && inner.x + inner.width <= self.x + self.width + TOLERANCE
                && inner.y + inner.height <= self.y + self.height + TOLERANCE
        }

        /// Whether the segment enters the rectangle's interior (shrunk by half a unit).
        fn is_crossed_by(&self, from: Point, to: Point) -> bool {
            let (min_x, max_x) = (self.x + 0.5, self.x + self.width - 0.5);
            let (min_y, max_y) = (self.y + 0.5, self.y + self.height - 0.5);
            if min_x >= max_x || min_y >= max_y {
                return false;
            }
            // Liang–Barsky clipping.
            let (dx, dy) = (to.x - from.x, to.y - from.y);
            let mut low: f64 = 0.0;
            let mut high: f64 = 1.0;
            for (p, q) in [(-dx, from.x - min_x), (dx, max_x - from.x), (-dy, from.y - min_y), (dy, max_y - from.y)] {
                if p == 0.0 {
                    if q < 0.0 {
                        return false;
                    }
                } else {
                    let t = q / p;
                    if p < 0.0 {
                        low = low.max(t);
                    } else {
                        high = high.min(t);
                    }
                }
            }
            low < high
        }
    }

    /// The groups holding a node, innermost first.
    fn group_chain(input: &LayoutInput, mut group: Option<usize>) -> Vec<usize> {
        let mut chain = Vec::new();
        while let Some(index) = group {
            if chain.contains(&index) || index >= input.groups.len() {
                break;
            }
            chain.push(index);
            group = input.groups[index].parent;
        }
        chain
    }

    /// Checks everything a person would notice in a drawing: overlaps, boxes that do not hold
    /// their contents, edges that miss their nodes or cut through other nodes and groups.
    fn assert_well_formed(input: &LayoutInput, result: &Layout, direction: LayoutDirection) {
        assert_eq!(result.nodes.len(), input.nodes.len());
        assert_eq!(result.groups.len(), input.groups.len());
        assert_eq!(result.edges.len(), input.edges.len());
        let canvas = Rect { x: 0.0, y: 0.0, width: result.width, height: result.height };
        let node_rects: Vec<Rect> = result.nodes.iter().map(Rect::of_node).collect();
        let group_rects: Vec<Rect> = result.groups.iter().map(Rect::of_group).collect();
        for rect in node_rects.iter().chain(&group_rects) {
            for value in [rect.x, rect.y, rect.width, rect.height] {
                assert!(value.is_finite() && value >= 0.0, "bad coordinate {rect:?}");
            }
            assert!(canvas.contains(rect), "{rect:?} outside the canvas");
        }
        let node_groups: Vec<Vec<usize>> = input.nodes.iter().map(|node| group_chain(input, node.group)).collect();
        let group_ancestors: Vec<Vec<usize>> =
            (0..input.groups.len()).map(|index| group_chain(input, input.groups[index].parent)).collect();

        for (first, first_rect) in node_rects.iter().enumerate() {
            for (second, second_rect) in node_rects.iter().enumerate().skip(first + 1) {
                assert!(
                    !first_rect.overlaps(second_rect),
                    "nodes {} and {} overlap",
                    input.nodes[first].id,
                    input.nodes[second].id
                );
            }
            for (index, group_rect) in group_rects.iter().enumerate() {
                if node_groups[first].contains(&index) {
                    assert!(
                        group_rect.contains(first_rect),
                        "node {} outside its group {}",
                        input.nodes[first].id,
                        input.groups[index].id
                    );
                } else {
                    assert!(
                        !group_rect.overlaps(first_rect),
                        "node {} overlaps group {}",
                        input.nodes[first].id,
                        input.groups[index].id
                    );
                }
            }
        }
        for (first, first_rect) in group_rects.iter().enumerate() {
            for (second, second_rect) in group_rects.iter().enumerate() {
                if first == second {
                    continue;
                }
                if group_ancestors[first].contains(&second) {
                    assert!(second_rect.contains(first_rect), "group outside its parent");
                } else if !group_ancestors[second].contains(&first) {
                    assert!(!first_rect.overlaps(second_rect), "sibling groups overlap");
                }
            }
        }

        let index_of = |id: &str| input.nodes.iter().position(|node| node.id == id);
        for (edge, routed) in input.edges.iter().zip(&result.edges) {
            let (Some(source), Some(target)) = (index_of(&edge.from), index_of(&edge.to)) else {
                assert!(routed.points.is_empty());
                continue;
            };
            assert!(routed.points.len() >= 2, "edge {edge:?} has no route");
            for point in &routed.points {
                assert!(point.x.is_finite() && point.y.is_finite());
                assert!(point.x >= 0.0 && point.y >= 0.0, "negative point in {edge:?}");
                assert!(point.x <= result.width + 1e-6 && point.y <= result.height + 1e-6);
            }
            let (first, last) = (routed.points[0], routed.points[routed.points.len() - 1]);
            let (s, t) = (&result.nodes[source], &result.nodes[target]);
            let (expected_first, expected_last) = match direction {
                LayoutDirection::TopToBottom => ((s.x + s.width / 2.0, s.y + s.height), (t.x + t.width / 2.0, t.y)),
                LayoutDirection::LeftToRight => ((s.x + s.width, s.y + s.height / 2.0), (t.x, t.y + t.height / 2.0)),
            };
            assert!(
                (first.x - expected_first.0).abs() < 1e-6 && (first.y - expected_first.1).abs() < 1e-6,
                "edge {edge:?} starts at {first:?}, not on its source's border"
            );
            assert!(
                (last.x - expected_last.0).abs() < 1e-6 && (last.y - expected_last.1).abs() < 1e-6,
                "edge {edge:?} ends at {last:?}, not on its target's border"
            );
            for segment in routed.points.windows(2) {
                for (index, rect) in node_rects.iter().enumerate() {
                    if index != source && index != target {
                        assert!(
                            !rect.is_crossed_by(segment[0], segment[1]),
                            "edge {edge:?} crosses node {}",
                            input.nodes[index].id
                        );
                    }
                }
                for (index, rect) in group_rects.iter().enumerate() {
                    let entered = node_groups[source].contains(&index) || node_groups[target].contains(&index);
                    if !entered {
                        assert!(
                            !rect.is_crossed_by(segment[0], segment[1]),
                            "edge {edge:?} crosses group {}",
                            input.groups[index].id
                        );
                    }
                }
            }
        }
    }

    /// A Parallel-like group with two branches, an edge into each branch, a retry loop out of
    /// a branch back to the start, and a Map-like group nested in the second branch.
    fn nested_machine() -> LayoutInput {
        LayoutInput {
            nodes: vec![
                node("start", 20.0, 20.0, None),
                state("Prepare"),
                state_in("Left1", 1),
                state_in("Left2", 1),
                state_in("Right1", 2),
                state_in("Inner1", 3),
                state_in("Inner2", 3),
                state("Done"),
                node("end", 20.0, 20.0, None),
            ],
            edges: vec![
                edge("start", "Prepare"),
                edge("Prepare", "Left1"),
                edge("Prepare", "Right1"),
                edge("Left1", "Left2"),
                edge("Right1", "Inner1"),
                edge("Inner1", "Inner2"),
                edge("Left2", "Done"),
                edge("Inner2", "Done"),
                edge("Inner2", "Inner1"),
                edge("Left2", "Prepare"),
                edge("Done", "end"),
            ],
            groups: vec![
                group("Parallel", None, 24.0),
                group("Branch1", Some(0), 0.0),
                group("Branch2", Some(0), 0.0),
                group("Map", Some(2), 24.0),
            ],
            hints: vec![],
        }
    }

    #[test]
    fn straight_chain_goes_down_with_equal_x() {
        let input = LayoutInput {
            nodes: vec![state("A"), state("B"), state("C"), state("D")],
            edges: vec![edge("A", "B"), edge("B", "C"), edge("C", "D")],
            groups: vec![],
            hints: vec![],
        };
        let result = layout(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        for pair in result.nodes.windows(2) {
            assert!(pair[0].y < pair[1].y, "{} is not above {}", pair[0].id, pair[1].id);
            assert_eq!(pair[0].x, pair[1].x);
        }
        for routed in &result.edges {
            assert_eq!(routed.points.len(), 2, "a chain's edges are straight lines");
        }
    }

    #[test]
    fn diamond_puts_the_branches_side_by_side() {
        let input = LayoutInput {
            nodes: vec![state("Choice"), state("Yes"), state("No"), state("Join")],
            edges: vec![edge("Choice", "Yes"), edge("Choice", "No"), edge("Yes", "Join"), edge("No", "Join")],
            groups: vec![],
            hints: vec![],
        };
        let result = layout(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        let (choice, yes, no, join) =
            (placed(&result, "Choice"), placed(&result, "Yes"), placed(&result, "No"), placed(&result, "Join"));
        assert_eq!(yes.y, no.y);
        assert!(yes.x + yes.width <= no.x, "input order puts Yes left of No");
        assert!(choice.y < yes.y && yes.y < join.y);
        // The diamond is symmetric: Choice and Join sit centred above and below the branches.
        let middle = (yes.x + no.x + no.width) / 2.0;
        assert!((choice.x + choice.width / 2.0 - middle).abs() < 1e-6);
        assert!((join.x + join.width / 2.0 - middle).abs() < 1e-6);
    }

    #[test]
    fn cycle_terminates_and_keeps_ordered_layers() {
        let input = LayoutInput {
            nodes: vec![state("A"), state("B"), state("C")],
            edges: vec![edge("A", "B"), edge("B", "C"), edge("C", "A")],
            groups: vec![],
            hints: vec![],
        };
        let result = layout(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        let (a, b, c) = (placed(&result, "A"), placed(&result, "B"), placed(&result, "C"));
        assert!(a.y < b.y && b.y < c.y);
        // The loop back goes round the side of B rather than through it.
        let back = &result.edges[2];
        assert!(back.points.len() > 2);
        assert!(back.points.iter().any(|point| point.x < b.x || point.x > b.x + b.width));
    }

    #[test]
    fn self_loop_goes_round_the_node() {
        let input = LayoutInput {
            nodes: vec![state("Wait"), state("Next")],
            edges: vec![edge("Wait", "Wait"), edge("Wait", "Next")],
            groups: vec![],
            hints: vec![],
        };
        let result = layout(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        assert!(result.edges[0].points.len() >= 4);
    }

    #[test]
    fn nodes_sit_inside_their_groups_and_groups_inside_their_parents() {
        let input = nested_machine();
        let result = layout(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        let parallel = &result.groups[0];
        let (branch1, branch2) = (&result.groups[1], &result.groups[2]);
        assert!(Rect::of_group(parallel).contains(&Rect::of_group(branch1)));
        assert!(Rect::of_group(parallel).contains(&Rect::of_group(&result.groups[3])));
        assert!(Rect::of_group(branch2).contains(&Rect::of_group(&result.groups[3])));
        // The branches are side by side and start at the same height.
        assert_eq!(branch1.y, branch2.y);
        assert!(branch1.x + branch1.width <= branch2.x);
        // Before, within and after the Parallel, in that order.
        assert!(placed(&result, "Prepare").y + 40.0 <= parallel.y);
        assert!(parallel.y + parallel.height <= placed(&result, "Done").y);
    }

    #[test]
    fn group_titles_get_their_room() {
        let options = LayoutOptions::default();
        let input = LayoutInput {
            nodes: vec![state_in("Inside", 0)],
            edges: vec![],
            groups: vec![group("Titled", None, 30.0)],
            hints: vec![],
        };
        let result = layout(&input, &options);
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        let (inside, titled) = (&result.nodes[0], &result.groups[0]);
        assert_eq!(inside.y - titled.y, options.group_padding + 30.0);
        assert_eq!(inside.x - titled.x, options.group_padding);
        assert_eq!(titled.height, 40.0 + 2.0 * options.group_padding + 30.0);

        let sideways = LayoutOptions { direction: LayoutDirection::LeftToRight, ..options };
        let result = layout(&input, &sideways);
        assert_well_formed(&input, &result, LayoutDirection::LeftToRight);
        let (inside, titled) = (&result.nodes[0], &result.groups[0]);
        assert_eq!(inside.y - titled.y, options.group_padding + 30.0);
    }

    #[test]
    fn left_to_right_flows_across_the_page() {
        let input = nested_machine();
        let options = LayoutOptions { direction: LayoutDirection::LeftToRight, ..LayoutOptions::default() };
        let result = layout(&input, &options);
        assert_well_formed(&input, &result, LayoutDirection::LeftToRight);
        let (start, prepare, done) = (placed(&result, "start"), placed(&result, "Prepare"), placed(&result, "Done"));
        assert!(start.x + start.width <= prepare.x);
        assert!(prepare.x + prepare.width <= done.x);
        assert_eq!(prepare.width, 120.0);
        assert_eq!(prepare.height, 40.0);
    }

    #[test]
    fn edges_touch_their_nodes_and_avoid_everything_else() {
        // assert_well_formed checks both; this graph has edges leaving and entering nested
        // groups, loops inside and out of groups, and a long edge past a group.
        let mut input = nested_machine();
        input.edges.push(edge("start", "Done"));
        input.edges.push(edge("Inner1", "Left1"));
        input.edges.push(edge("end", "Inner2"));
        for direction in [LayoutDirection::TopToBottom, LayoutDirection::LeftToRight] {
            let options = LayoutOptions { direction, ..LayoutOptions::default() };
            let result = layout(&input, &options);
            assert_well_formed(&input, &result, direction);
        }
    }

    #[test]
    fn layout_is_deterministic() {
        let input = generated_machine(200, 7);
        let options = LayoutOptions::default();
        let first = layout(&input, &options);
        let second = layout(&input, &options);
        // Debug output of f64 round-trips exactly, so equal text means equal bits.
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        let nested_first = layout(&nested_machine(), &options);
        let nested_second = layout(&nested_machine(), &options);
        assert_eq!(format!("{nested_first:?}"), format!("{nested_second:?}"));
    }

    #[test]
    fn broken_input_is_tolerated() {
        let input = LayoutInput {
            nodes: vec![
                node("A", f64::NAN, -5.0, Some(7)),
                node("B", f64::INFINITY, 30.0, Some(0)),
                node("A", 10.0, 10.0, Some(1)),
            ],
            edges: vec![edge("A", "B"), edge("A", "missing"), edge("B", "A")],
            // Two groups that name each other as parent, and an empty group.
            groups: vec![group("G0", Some(1), f64::NAN), group("G1", Some(0), 10.0), group("Empty", Some(99), 5.0)],
            hints: vec![],
        };
        let options = LayoutOptions { node_spacing: -1.0, rank_spacing: f64::NAN, ..LayoutOptions::default() };
        let result = layout(&input, &options);
        assert_eq!(result.nodes[0].width, 0.0);
        assert!(result.edges[1].points.is_empty());
        for number in result
            .nodes
            .iter()
            .flat_map(|node| [node.x, node.y, node.width, node.height])
            .chain(result.groups.iter().flat_map(|group| [group.x, group.y, group.width, group.height]))
            .chain(result.edges.iter().flat_map(|edge| edge.points.iter().flat_map(|point| [point.x, point.y])))
        {
            assert!(number.is_finite() && number >= 0.0);
        }

        let empty = layout(&LayoutInput::default(), &LayoutOptions::default());
        assert_eq!((empty.width, empty.height), (0.0, 0.0));
    }

    /// A deterministic state machine of `count` states: mostly forward transitions, Choice-like
    /// fan-outs, retry loops, and a few Parallel/Map groups, some nested.
    fn generated_machine(count: usize, seed: u64) -> LayoutInput {
        let mut random_state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut random = move |bound: usize| {
            random_state = random_state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((random_state >> 33) as usize) % bound.max(1)
        };
        let groups = vec![
            group("Parallel1", None, 24.0),
            group("Branch1a", Some(0), 0.0),
            group("Branch1b", Some(0), 0.0),
            group("Map1", Some(2), 24.0),
            group("Map2", None, 24.0),
            group("Parallel2", None, 24.0),
            group("Branch2a", Some(5), 0.0),
            group("Branch2b", Some(5), 0.0),
        ];
        // Consecutive runs of states go into the groups, so groups hold chains of their own.
        let group_of = |index: usize| -> Option<usize> {
            let slice = index * 20 / count.max(1);
            match slice {
                3 => Some(1),
                4 => Some(2),
                5 => Some(3),
                8 | 9 => Some(4),
                12 => Some(6),
                13 => Some(7),
                14 => Some(5),
                _ => None,
            }
        };
        let nodes: Vec<LayoutNode> = (0..count)
            .map(|index| {
                let width = 80.0 + (random(5) * 20) as f64;
                node(&format!("S{index}"), width, 36.0, group_of(index))
            })
            .collect();
        let mut edges = Vec::new();
        for index in 1..count {
            let back = 1 + random(3).min(index - 1);
            edges.push(edge(&format!("S{}", index - back), &format!("S{index}")));
        }
        let extra = count / 5;
        for _ in 0..extra {
            let from = random(count);
            let to =
                if random(4) == 0 { from.saturating_sub(random(12)) } else { (from + 1 + random(15)).min(count - 1) };
            edges.push(edge(&format!("S{from}"), &format!("S{to}")));
        }
        LayoutInput { nodes, edges, groups, hints: vec![] }
    }

    /// The shape of the designer benchmark's machine (`generate` in
    /// `end2end/bench/designer-bench.mjs`): a chain of `step_count` steps between start and end
    /// markers, where every Task catches into one Fail state, every 12th step is a Choice that
    /// can skip the next step, every 30th a Parallel of two three-state branches and every 45th
    /// a Map of three states. The Parallel and Map nodes sit at the top of their groups.
    fn catch_all_machine(step_count: usize) -> LayoutInput {
        let mut nodes = vec![node("start", 28.0, 28.0, None)];
        let mut groups = Vec::new();
        // Each step's entry and exit nodes, and whether it is a Task or a Choice.
        let mut steps: Vec<(String, Vec<String>, bool, bool)> = Vec::new();
        let chain_in = |nodes: &mut Vec<LayoutNode>, group: usize, prefix: &str| -> (String, String) {
            let names: Vec<String> = (0..3).map(|step| format!("{prefix}.{step}")).collect();
            nodes.extend(names.iter().map(|name| state_in(name, group)));
            (names[0].clone(), names[2].clone())
        };
        let mut inner_edges = Vec::new();
        for index in 0..step_count {
            if index % 30 == 29 {
                let parallel = groups.len();
                let name = format!("Parallel {index}");
                groups.push(group(&name, None, 22.0));
                nodes.push(state_in(&name, parallel));
                let mut exits = Vec::new();
                for branch in 0..2 {
                    groups.push(group(&format!("Branch {index}.{branch}"), Some(parallel), 22.0));
                    let (first, last) = chain_in(&mut nodes, groups.len() - 1, &format!("Step {index}.{branch}"));
                    inner_edges.push(edge(&name, &first));
                    exits.push(last);
                }
                steps.push((name, exits, false, false));
            } else if index % 45 == 44 {
                let map = groups.len();
                let name = format!("Map {index}");
                groups.push(group(&name, None, 22.0));
                nodes.push(state_in(&name, map));
                let (first, last) = chain_in(&mut nodes, map, &format!("Item {index}"));
                inner_edges.push(edge(&name, &first));
                steps.push((name, vec![last], false, false));
            } else {
                let is_choice = index % 12 == 11;
                let name = format!("{} {index}", if is_choice { "Choice" } else { "Task" });
                nodes.push(state(&name));
                steps.push((name.clone(), vec![name], !is_choice, is_choice));
            }
        }
        nodes.push(state("Fail"));
        nodes.push(node("end", 28.0, 28.0, None));
        // Inner chains: each state of a three-state chain leads to the next.
        let mut edges: Vec<LayoutEdge> = Vec::new();
        for (index, placed) in nodes.iter().enumerate() {
            if placed.id.ends_with(".0") || placed.id.ends_with(".1") {
                edges.push(edge(&placed.id, &nodes[index + 1].id));
            }
        }
        edges.extend(inner_edges);
        edges.push(edge("start", &steps[0].0));
        for (index, (_, exits, is_task, is_choice)) in steps.iter().enumerate() {
            let next = steps.get(index + 1).map_or("end", |step| step.0.as_str());
            for exit in exits {
                edges.push(edge(exit, next));
            }
            if *is_choice && let Some(after_next) = steps.get(index + 2) {
                edges.push(edge(&exits[0], &after_next.0));
            }
            if *is_task {
                edges.push(edge(&exits[0], "Fail"));
            }
        }
        edges.push(edge("Fail", "end"));
        LayoutInput { nodes, edges, groups, hints: vec![] }
    }

    /// The distinct cross coordinates (x top to bottom, y left to right) of the points of `routes`.
    fn distinct_cross_coordinates<'a>(
        routes: impl Iterator<Item = &'a [Point]>,
        direction: LayoutDirection,
    ) -> Vec<f64> {
        let mut values: Vec<f64> = routes
            .flatten()
            .map(|point| match direction {
                LayoutDirection::TopToBottom => point.x,
                LayoutDirection::LeftToRight => point.y,
            })
            .collect();
        values.sort_by(f64::total_cmp);
        values.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        values
    }

    #[test]
    fn catch_edges_into_one_fail_state_run_as_one_line() {
        let input = catch_all_machine(400);
        let catches: Vec<usize> = (0..input.edges.len()).filter(|&index| input.edges[index].to == "Fail").collect();
        assert!(catches.len() > 300);
        for direction in [LayoutDirection::TopToBottom, LayoutDirection::LeftToRight] {
            let options = LayoutOptions { direction, ..LayoutOptions::default() };
            let started = Instant::now();
            let (result, unit_count) = layout_counting_units(&input, &options);
            println!("{direction:?}: {unit_count} units for {} nodes in {:?}", input.nodes.len(), started.elapsed());
            // Every Catch ends on the Fail state's border, and nothing overlaps or is crossed.
            assert_well_formed(&input, &result, direction);
            // A dummy per Catch per rank down to the Fail state would come to about 60,000 units;
            // one shared chain adds one per rank.
            assert!(unit_count < 3 * input.nodes.len(), "{unit_count} units for {} nodes", input.nodes.len());
            // The Catches leave their Tasks and join one line down to the Fail state: beyond
            // their first two points, all their routes keep to a few lines.
            let lines = distinct_cross_coordinates(
                catches.iter().map(|&index| &result.edges[index].points[2.min(result.edges[index].points.len() - 1)..]),
                direction,
            );
            // The line keeps close to the Tasks: the drawing is not much wider than the widest
            // group (hundreds of side-by-side lanes, or a slanting column, would be).
            let (cross_extent, widest_group) = match direction {
                LayoutDirection::TopToBottom => {
                    (result.width, result.groups.iter().map(|group| group.width).fold(0.0, f64::max))
                }
                LayoutDirection::LeftToRight => {
                    (result.height, result.groups.iter().map(|group| group.height).fold(0.0, f64::max))
                }
            };
            assert!(cross_extent < 1.5 * widest_group, "{cross_extent} across, the widest group {widest_group}");
            assert!(lines.len() <= 4, "{} lines: {lines:?}", lines.len());
        }
    }

    #[test]
    fn long_edges_from_one_source_share_their_way_down() {
        // A Choice whose rules jump ever further down a chain of 40 states.
        let mut nodes = vec![state("Choice")];
        nodes.extend((0..40).map(|index| state(&format!("T{index}"))));
        let mut edges: Vec<LayoutEdge> =
            (0..39).map(|index| edge(&format!("T{index}"), &format!("T{}", index + 1))).collect();
        edges.push(edge("Choice", "T0"));
        let jumps: Vec<usize> = (1..8).map(|step| 5 * step).collect();
        edges.extend(jumps.iter().map(|&to| edge("Choice", &format!("T{to}"))));
        let input = LayoutInput { nodes, edges, groups: vec![], hints: vec![] };
        let (result, unit_count) = layout_counting_units(&input, &LayoutOptions::default());
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
        // One dummy per rank down to T35 (rank 36), not one per rank per jump (140).
        assert_eq!(unit_count, input.nodes.len() + 35);
        // Every jump leaves the Choice along the same line and parts from it above its target.
        let jump_routes: Vec<&[Point]> = result.edges[40..].iter().map(|routed| routed.points.as_slice()).collect();
        for route in &jump_routes {
            assert_eq!(route[..2], jump_routes[0][..2]);
            assert_eq!(route[2].x, jump_routes[0][2].x);
        }
    }

    #[test]
    fn large_generated_machine_lays_out_without_overlaps() {
        let input = generated_machine(500, 42);
        assert!(input.edges.len() >= 580);
        let options = LayoutOptions::default();
        let started = Instant::now();
        let result = layout(&input, &options);
        let elapsed = started.elapsed();
        println!(
            "laid out {} nodes, {} edges, {} groups in {elapsed:?}",
            input.nodes.len(),
            input.edges.len(),
            input.groups.len()
        );
        assert_well_formed(&input, &result, LayoutDirection::TopToBottom);
    }
}

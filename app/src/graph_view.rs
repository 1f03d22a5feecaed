//! A state machine drawn as SVG: the graph of `asl::graph` placed by its deterministic layout,
//! with each state optionally coloured by a status. The execution page uses it; the designer
//! can reuse it as is. Pure rendering: the same definition gives the same picture on the server
//! and in the browser, so hydration finds what the server wrote.
//!
//! Stable hooks for tests: each state's `<g>` has `data-state="<name>"` and
//! `data-status="<succeeded|failed|caught|running|not-reached>"`. With `on_select`, a state
//! can be chosen by clicking it (or focusing it and pressing Enter); `selected` marks one.

use std::collections::BTreeMap;

use asl::{
    Document, SourceFormat,
    graph::{EdgeKind, NodeKind, node_name},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened to a state in one execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateStatus {
    /// Entered and left normally.
    Succeeded,
    /// The execution ended inside it.
    Failed,
    /// It failed and a Catch moved on.
    Caught,
    /// Entered and not yet left, while the execution runs.
    Running,
    /// Never entered.
    NotReached,
}

impl StateStatus {
    /// The `data-status` value and CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            StateStatus::Succeeded => "succeeded",
            StateStatus::Failed => "failed",
            StateStatus::Caught => "caught",
            StateStatus::Running => "running",
            StateStatus::NotReached => "not-reached",
        }
    }
}

/// Reads a definition's text (JSON or YAML, by its first character).
fn read_definition(definition: &str) -> Document {
    let format = if definition.trim_start().starts_with('{') { SourceFormat::Json } else { SourceFormat::Yaml };
    Document::read(definition, format).0
}

/// The names of every state of `definition` (nested ones included), in the graph's order.
pub fn state_names(definition: &str) -> Vec<String> {
    let document = read_definition(definition);
    let Some(root) = document.root() else {
        return Vec::new();
    };
    asl::graph::graph(root)
        .nodes
        .into_iter()
        .filter(|node| matches!(node.kind, NodeKind::State { .. }))
        .map(|node| node.label)
        .collect()
}

/// The graph of `definition` (JSON or YAML text). `statuses` colours states by name; states
/// missing from it are drawn as not reached. An empty map with `plain` draws no statuses.
#[component]
pub fn StateGraph(
    /// The definition's text.
    definition: String,
    /// Each reached state's status, by state name.
    statuses: BTreeMap<String, StateStatus>,
    /// Called with a state's name when it is clicked (or focused and Enter pressed).
    #[prop(optional)]
    on_select: Option<Callback<String>>,
    /// The state drawn as chosen.
    #[prop(optional, into)]
    selected: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let document = read_definition(&definition);
    let Some(root) = document.root() else {
        return view! { <p class="muted">"The definition cannot be read, so there is no graph."</p> }.into_any();
    };
    let graph = asl::graph::graph(root);
    let layout = asl::graph::layout(&graph);
    let margin = 8.0;
    let view_box = format!("{} {} {} {}", -margin, -margin, layout.width + 2.0 * margin, layout.height + 2.0 * margin);

    let groups = layout
        .groups
        .iter()
        .map(|placed| {
            let label = graph.groups.iter().find(|group| group.id == placed.id).map(|group| group.label.clone());
            view! {
                <g class="graph-group">
                    <rect x=placed.x y=placed.y width=placed.width height=placed.height rx="6" />
                    <text x=placed.x + 8.0 y=placed.y + 15.0>{label.unwrap_or_default()}</text>
                </g>
            }
        })
        .collect_view();

    let reached = |id: &str| -> bool {
        graph.nodes.iter().find(|node| node.id == id).is_some_and(|node| match node.kind {
            NodeKind::State { .. } => statuses.contains_key(&node.label),
            NodeKind::Start => !statuses.is_empty(),
            NodeKind::End => statuses.values().any(|status| *status == StateStatus::Succeeded),
        })
    };
    // Labels placed clear of each other and of the states where there is room.
    let routes = asl::graph::drawn_routes(&graph, &layout);
    let label_places = asl::graph::layout_labels(&graph, &layout, &routes, false);
    let edges = graph
        .edges
        .iter()
        .zip(&layout.edges)
        .zip(routes)
        .zip(label_places)
        .filter(|(((_, _), route), _)| route.len() >= 2)
        .map(|(((edge, routed), route), place)| {
            let points = route.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
            let kind = match edge.kind {
                EdgeKind::Catch(_) => "catch",
                EdgeKind::Choice(_) | EdgeKind::Default => "choice",
                _ => "next",
            };
            let taken = reached(&routed.from) && reached(&routed.to);
            let class = format!("graph-edge edge-{kind}{}", if taken { " taken" } else { "" });
            let title = (!edge.label.is_empty()).then(|| edge.label.clone());
            view! {
                <g class=class>
                    {title.map(|title| view! { <title>{title}</title> })}
                    <polyline points=points marker-end="url(#graph-arrow)" />
                    {place.map(|place| view! { <text x=place.x y=place.y text-anchor=place.anchor>{place.text}</text> })}
                </g>
            }
        })
        .collect_view();

    let nodes = layout
        .nodes
        .iter()
        .filter_map(|placed| {
            let node = graph.nodes.iter().find(|node| node.id == placed.id)?;
            let center_x = placed.x + placed.width / 2.0;
            let center_y = placed.y + placed.height / 2.0;
            Some(match &node.kind {
                NodeKind::Start | NodeKind::End => view! {
                    <g class="graph-marker">
                        <circle cx=center_x cy=center_y r=placed.width / 2.0 />
                    </g>
                }
                .into_any(),
                NodeKind::State { state_type, .. } => {
                    let status = statuses.get(&node.label).copied().unwrap_or(StateStatus::NotReached);
                    let name = node.label.clone();
                    let class = {
                        let name = name.clone();
                        move || {
                            let chosen =
                                selected.is_some_and(|selected| selected.get().as_deref() == Some(name.as_str()));
                            format!("graph-state state-{}{}", status.as_str(), if chosen { " selected" } else { "" })
                        }
                    };
                    let choose = {
                        let name = name.clone();
                        move || {
                            if let Some(on_select) = on_select {
                                on_select.run(name.clone());
                            }
                        }
                    };
                    let choose_by_key = choose.clone();
                    view! {
                        <g
                            class=class
                            data-state=node.label.clone()
                            data-status=status.as_str()
                            tabindex=on_select.map(|_| "0")
                            role=on_select.map(|_| "button")
                            aria-label=on_select.map(|_| format!("{} ({state_type}): {}", node.label, status.as_str()))
                            on:click=move |_| choose()
                            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                                if event.key() == "Enter" || event.key() == " " {
                                    event.prevent_default();
                                    choose_by_key();
                                }
                            }
                        >
                            <title>{format!("{} ({state_type}): {}", node.label, status.as_str())}</title>
                            <rect x=placed.x y=placed.y width=placed.width height=placed.height rx="8" />
                            <text class="state-name" x=center_x y=center_y - 2.0 text-anchor="middle">
                                {node_name(&node.label, placed.width).into_owned()}
                            </text>
                            <text class="state-type" x=center_x y=center_y + 13.0 text-anchor="middle">
                                {state_type.clone()}
                            </text>
                        </g>
                    }
                    .into_any()
                }
            })
        })
        .collect_view();

    // The graph is drawn at its own size in a box that scrolls, so a wide one starts partly out
    // of view. The box scrolls to what a reader looks for first (the failed state, else one
    // still running, else one whose failure was caught, else the start), and later to a
    // chosen state that is out of view. Boxes are in the SVG's pixels.
    let to_pixels =
        |placed: &asl::layout::PlacedNode| (placed.x + margin, placed.y + margin, placed.width, placed.height);
    let boxes: BTreeMap<String, (f64, f64, f64, f64)> = graph
        .nodes
        .iter()
        .zip(&layout.nodes)
        .filter(|(node, _)| matches!(node.kind, NodeKind::State { .. }))
        .map(|(node, placed)| (node.label.clone(), to_pixels(placed)))
        .collect();
    let start = graph
        .nodes
        .iter()
        .zip(&layout.nodes)
        .find(|(node, _)| node.kind == NodeKind::Start)
        .map(|(_, placed)| to_pixels(placed));
    // A failed Parallel or Map failed because of a state inside it: that one is preferred.
    let with_status = |wanted: StateStatus, inner: bool| {
        graph.nodes.iter().find(|node| {
            let NodeKind::State { state_type, .. } = &node.kind else { return false };
            statuses.get(&node.label) == Some(&wanted) && (!inner || !matches!(state_type.as_str(), "Parallel" | "Map"))
        })
    };
    let first = [StateStatus::Failed, StateStatus::Running, StateStatus::Caught]
        .into_iter()
        .find_map(|wanted| with_status(wanted, true).or_else(|| with_status(wanted, false)))
        .and_then(|node| boxes.get(&node.label).copied())
        .or(start);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let (full_width, full_height) = (layout.width + 2.0 * margin, layout.height + 2.0 * margin);
    // The scale the graph is drawn at; zooming keeps the middle of the view where it was.
    let zoom = RwSignal::new(1.0_f64);
    let scaled = move |(x, y, width, height): (f64, f64, f64, f64), k: f64| (x * k, y * k, width * k, height * k);
    Effect::new(move |revealed: Option<bool>| {
        let chosen = selected.and_then(|selected| selected.get());
        let Some(element) = scroller.get() else { return false };
        let target = match chosen {
            Some(name) => boxes.get(&name).copied(),
            None if revealed != Some(true) => first,
            None => None,
        };
        if let Some(target) = target {
            let k = zoom.get_untracked();
            reveal(&element, scaled(target, k), full_width * k);
        }
        true
    });
    let zoom_to = move |next: f64| {
        let next = next.clamp(MIN_ZOOM, MAX_ZOOM);
        let before = zoom.get_untracked();
        let Some(element) = scroller.get_untracked() else { return zoom.set(next) };
        let (view_width, view_height) = (f64::from(element.client_width()), f64::from(element.client_height()));
        let middle_x = (f64::from(element.scroll_left()) + view_width / 2.0) / before;
        let middle_y = (f64::from(element.scroll_top()) + view_height / 2.0) / before;
        zoom.set(next);
        request_animation_frame(move || {
            element.set_scroll_left((middle_x * next - view_width / 2.0).max(0.0).round() as i32);
            element.set_scroll_top((middle_y * next - view_height / 2.0).max(0.0).round() as i32);
        });
    };
    let fit = move |_| {
        if let Some(element) = scroller.get_untracked() {
            let (view_width, view_height) = (f64::from(element.client_width()), f64::from(element.client_height()));
            zoom_to((view_width / full_width).min(view_height / full_height).min(1.0));
        }
    };

    view! {
        <div class="graph-zoom" role="toolbar" aria-label="Zoom the graph">
            <button type="button" data-testid="graph-zoom-out" aria-label="Zoom out" on:click=move |_| zoom_to(zoom.get_untracked() / ZOOM_STEP)>
                "−"
            </button>
            <button type="button" data-testid="graph-zoom-in" aria-label="Zoom in" on:click=move |_| zoom_to(zoom.get_untracked() * ZOOM_STEP)>
                "+"
            </button>
            <button type="button" data-testid="graph-fit" on:click=fit>"Fit"</button>
            <button type="button" data-testid="graph-actual-size" on:click=move |_| zoom_to(1.0)>"Actual size"</button>
            <span class="muted" data-testid="graph-zoom">{move || format!("{:.0}%", zoom.get() * 100.0)}</span>
        </div>
        <div class="graph-scroll" node_ref=scroller>
            <svg
                class="state-graph"
                data-testid="graph"
                viewBox=view_box
                width=move || full_width * zoom.get()
                height=move || full_height * zoom.get()
                role="img"
                aria-label="The state machine's graph"
            >
                <defs>
                    <marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" />
                    </marker>
                </defs>
                {groups}
                {edges}
                {nodes}
            </svg>
        </div>
    }
    .into_any()
}

/// How far one press of the zoom buttons scales the graph, and the scales allowed.
const ZOOM_STEP: f64 = 1.25;
const MIN_ZOOM: f64 = 0.1;
const MAX_ZOOM: f64 = 2.0;

/// Scrolls `scroller` so that the box `(x, y, width, height)` of its SVG (`svg_width` wide,
/// centred when narrower than the box) is in view, centred, unless it is wholly in view already.
fn reveal(scroller: &leptos::web_sys::Element, (x, y, width, height): (f64, f64, f64, f64), svg_width: f64) {
    let (view_width, view_height) = (f64::from(scroller.client_width()), f64::from(scroller.client_height()));
    let x = x + ((view_width - svg_width) / 2.0).max(0.0);
    let (left, top) = (f64::from(scroller.scroll_left()), f64::from(scroller.scroll_top()));
    let in_view = x >= left && x + width <= left + view_width && y >= top && y + height <= top + view_height;
    if !in_view {
        scroller.set_scroll_left((x + width / 2.0 - view_width / 2.0).max(0.0).round() as i32);
        scroller.set_scroll_top((y + height / 2.0 - view_height / 2.0).max(0.0).round() as i32);
    }
}

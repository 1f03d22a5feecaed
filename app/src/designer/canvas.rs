//! The designer's canvas: the graph drawn as SVG, with zoom, pan, fit and a minimap; nodes
//! dragged to move them (or into a Parallel branch or a Map); a node's handle dragged to another
//! node to connect them; an edge's end dragged to reconnect it; palette items dropped on it.
//!
//! The graph is a stack of SVGs, the states and edges cut into layers of 64 states
//! ([`Layers`](super::scene::Layers)): Chromium repaints a whole SVG when anything in it
//! changes, so an edit repaints one layer, not the whole graph.
//!
//! A dragged node and its edges are drawn on their own layer, one more SVG over the graph
//! (`.drag-layer`, like diagram-js's drag preview): while the pointer moves only that small
//! picture changes, so the browser repaints a few shapes instead of the whole graph, and a
//! frame costs the same for 5 states or 500. The node's own place in the graph stays, faded,
//! and its edges there are hidden. The model changes once, when the pointer is released; the
//! preview stays where it was dropped until the graph has been drawn again.
//!
//! Stable hooks: each state is `[data-state][data-state-type]`, each edge
//! `[data-edge-from][data-edge-to][data-edge-kind]`, markers `[data-marker="start"|"end"]`.

use std::collections::{HashMap, HashSet};

use asl::graph::{LabelPlace, curve_controls, edge_label, edge_label_place, node_name};
use leptos::{ev, html, prelude::*, reactive::computed::Selector, wasm_bindgen::JsCast, web_sys};

use super::{
    Designer, browser,
    keyed::Keyed,
    model::Position,
    scene::{EdgeField, EdgeIdentity, EdgePlace, Places, Scene, SceneEdge, SceneGroup, SceneNode, within},
};

/// The canvas transform: translation and scale.
#[derive(Clone, Copy, Debug, PartialEq)]
struct View {
    x: f64,
    y: f64,
    k: f64,
}

/// How many layers the graph is drawn in (see [`Layers`](super::scene::Layers)), at most.
const LAYERS: usize = 16;

/// How many states each layer of the graph holds: 64, or the next power of two that 16 layers
/// of are enough (so the size changes, and states change layers, only when a machine passes
/// 1,024, 2,048, … states). An edit repaints its layer, so the cost of a frame that changes one
/// state is that of about this many (an edit in a 500-state machine: the graph's paint 14–22 ms
/// as one SVG, about 2 ms in layers of 64). A state keeps its layer while the states before it
/// keep their number.
fn layer_size(states: usize) -> usize {
    let mut size = 64;
    while states > size * LAYERS {
        size *= 2;
    }
    size
}

/// The minimap's largest size in pixels (it takes the graph's proportions within it).
const MINIMAP_SIZE: (f64, f64) = (180.0, 120.0);
/// What the canvas corner holds beside the minimap itself: its border, offset and a gap.
const MINIMAP_MARGIN: f64 = 18.0;

/// The minimap's size for a `width`×`height` graph: the graph's proportions within
/// [`MINIMAP_SIZE`], a very narrow side widened a little to stay clickable.
fn minimap_size((width, height): (f64, f64)) -> (f64, f64) {
    let scale = (MINIMAP_SIZE.0 / width).min(MINIMAP_SIZE.1 / height);
    ((width * scale).max(40.0), (height * scale).max(40.0))
}
/// Where the choice to hide the minimap is kept (`localStorage`).
const MINIMAP_PREFERENCE: &str = "statehouse.designer.minimap";

/// The view that fits a `width`×`height` graph into a `cw`×`ch` canvas with a 24-pixel margin,
/// at most at 100 %. With `corner` (the minimap's share of the bottom-right corner), a graph
/// that would reach under it is fitted above it or beside it instead, whichever is larger.
fn fitted((width, height): (f64, f64), (cw, ch): (f64, f64), corner: Option<(f64, f64)>) -> View {
    let place = |cw: f64, ch: f64| {
        let k = ((cw - 48.0) / width).min((ch - 48.0) / height).clamp(0.1, 1.0);
        View { x: (cw - width * k) / 2.0, y: 24.0_f64.max((ch - height * k) / 2.0), k }
    };
    let whole = place(cw, ch);
    let Some((mw, mh)) = corner else { return whole };
    let clear = whole.x + width * whole.k <= cw - mw || whole.y + height * whole.k <= ch - mh;
    if clear {
        return whole;
    }
    let (above, beside) = (place(cw, ch - mh), place(cw - mw, ch));
    if above.k >= beside.k { above } else { beside }
}

/// What the pointer is doing.
#[derive(Clone, Debug, Default)]
enum Interaction {
    #[default]
    Idle,
    Pan {
        client: (f64, f64),
        view: View,
    },
    Drag {
        name: String,
        client: (f64, f64),
        moved: bool,
    },
    Connect {
        from: String,
        /// The edge being reconnected (its field), or `None` for a new connection from `from`.
        field: Option<EdgeField>,
        start: (f64, f64),
    },
}

/// The dragged node and its edges, as drawn on the drag layer. A dragged Parallel or Map
/// takes its boxes and the states inside it along.
#[derive(Clone, Debug, PartialEq)]
struct Preview {
    /// The dragged node where it was when the drag began.
    node: SceneNode,
    /// The states inside a dragged Parallel or Map.
    inside: Vec<SceneNode>,
    /// The ids of every moving node, the dragged one among them.
    moving: HashSet<String>,
    /// The boxes of a dragged Parallel or Map and the boxes inside it.
    groups: Vec<SceneGroup>,
    /// The edges that start or end at a moving node.
    edges: Vec<PreviewEdge>,
}

/// An edge of a moving node.
#[derive(Clone, Debug, PartialEq)]
struct PreviewEdge {
    kind: &'static str,
    label: String,
    offset: f64,
    from: SceneNode,
    to: SceneNode,
    from_moves: bool,
    to_moves: bool,
    /// Its route and label in the graph, kept when both ends move.
    route: Option<Vec<(f64, f64)>>,
    label_place: Option<LabelPlace>,
}

impl Preview {
    /// The preview of the node named `name` in `scene`.
    fn of(scene: &Scene, name: &str) -> Option<Preview> {
        let node = scene.nodes.iter().find(|node| !node.marker && node.name == name)?.clone();
        let inside: Vec<SceneNode> = scene
            .nodes
            .iter()
            .filter(|other| !other.marker && other.id != node.id && within(&node.id, &other.id))
            .cloned()
            .collect();
        let moving: HashSet<String> = inside.iter().map(|other| other.id.clone()).chain([node.id.clone()]).collect();
        let groups = scene.groups.iter().filter(|group| within(&node.id, &group.id)).cloned().collect();
        let by_id: HashMap<&str, &SceneNode> = scene.nodes.iter().map(|node| (node.id.as_str(), node)).collect();
        let edges = scene
            .edges
            .iter()
            .filter(|edge| moving.contains(&edge.from) || moving.contains(&edge.to))
            .filter_map(|edge| {
                let (from_moves, to_moves) = (moving.contains(&edge.from), moving.contains(&edge.to));
                Some(PreviewEdge {
                    kind: edge.kind,
                    label: edge.label.clone(),
                    offset: edge.offset,
                    from: (*by_id.get(edge.from.as_str())?).clone(),
                    to: (*by_id.get(edge.to.as_str())?).clone(),
                    from_moves,
                    to_moves,
                    route: (from_moves && to_moves).then(|| edge.route.clone()).flatten(),
                    label_place: edge.label_place.clone(),
                })
            })
            .collect();
        Some(Preview { node, inside, moving, groups, edges })
    }

    /// Whether the box with this id moves with the drag.
    fn moves_group(preview: &Option<Preview>, id: &str) -> bool {
        preview.as_ref().is_some_and(|preview| preview.groups.iter().any(|group| group.id == id))
    }
}

/// The line drawn while connecting: from a handle to the pointer.
type RubberBand = RwSignal<Option<((f64, f64), (f64, f64))>>;

/// The graph canvas.
#[component]
pub fn Canvas(designer: Designer) -> impl IntoView {
    let view = RwSignal::new(View { x: 24.0, y: 24.0, k: 1.0 });
    let svg_ref = NodeRef::<html::Div>::new();
    let interaction = StoredValue::new(Interaction::Idle);
    let preview = RwSignal::new(None::<Preview>);
    // How far the dragged node has moved, in graph units.
    let moved_by = RwSignal::new((0.0_f64, 0.0_f64));
    // Counts drags, so a preview cleared late does not end a newer drag.
    let drags = StoredValue::new(0_u64);
    let rubber_band: RubberBand = RwSignal::new(None);
    // Which node is selected, notifying only the two nodes whose answer changes (not all 500).
    let is_selected = Selector::new(move || designer.selected.get());

    // The canvas's top-left corner in client coordinates.
    let origin = move || {
        svg_ref
            .get_untracked()
            .map(|element| {
                let rect = element.get_bounding_client_rect();
                (rect.left(), rect.top())
            })
            .unwrap_or((0.0, 0.0))
    };
    // Client coordinates → graph coordinates.
    let to_graph = move |client_x: f64, client_y: f64| -> (f64, f64) {
        let (left, top) = origin();
        let current = view.get_untracked();
        ((client_x - left - current.x) / current.k, (client_y - top - current.y) / current.k)
    };
    let container_size = move || {
        svg_ref
            .get_untracked()
            .map(|element| {
                let rect = element.get_bounding_client_rect();
                (rect.width(), rect.height())
            })
            .unwrap_or((800.0, 600.0))
    };
    // The minimap shows unless it was hidden (a choice kept for the next visit).
    let show_minimap = RwSignal::new(browser::preference(MINIMAP_PREFERENCE).as_deref() != Some("hidden"));
    let fit = move || {
        let (extent, origin) = designer.scene.with_untracked(|scene| {
            scene
                .as_ref()
                .map(|scene| ((scene.width.max(1.0), scene.height.max(1.0)), scene.origin))
                .unwrap_or(((1.0, 1.0), (0.0, 0.0)))
        });
        let corner = show_minimap.get_untracked().then(|| {
            let (width, height) = minimap_size(extent);
            (width + MINIMAP_MARGIN, height + MINIMAP_MARGIN)
        });
        let fitted = fitted(extent, container_size(), corner);
        view.set(View { x: fitted.x - origin.0 * fitted.k, y: fitted.y - origin.1 * fitted.k, k: fitted.k });
    };
    let zoom_at = move |factor: f64, (cx, cy): (f64, f64)| {
        view.update(|current| {
            let k = (current.k * factor).clamp(0.1, 3.0);
            let ratio = k / current.k;
            current.x = cx - (cx - current.x) * ratio;
            current.y = cy - (cy - current.y) * ratio;
            current.k = k;
        });
    };
    let zoom_centre = move |factor: f64| {
        let (cw, ch) = container_size();
        zoom_at(factor, (cw / 2.0, ch / 2.0));
    };

    // Fit the picture whenever a new document is opened: once its picture is drawn, which is a
    // frame after the model changes (see `Designer::new`), so not with the last document's size.
    Effect::new(move |_| {
        designer.opened.track();
        super::after_paint(move || {
            request_frame(move || {
                if designer.scene.with_untracked(Option::is_some) {
                    fit();
                }
            })
        });
    });

    let on_pointer_move = move |event: ev::PointerEvent| {
        let client = (f64::from(event.client_x()), f64::from(event.client_y()));
        interaction.update_value(|state| match state {
            Interaction::Idle => {}
            Interaction::Pan { client: start, view: before } => {
                view.set(View { x: before.x + client.0 - start.0, y: before.y + client.1 - start.1, k: before.k });
            }
            Interaction::Drag { name, client: start, moved } => {
                let k = view.get_untracked().k;
                let delta = ((client.0 - start.0) / k, (client.1 - start.1) / k);
                if !*moved && delta.0.abs() + delta.1.abs() < 3.0 {
                    return;
                }
                if !*moved {
                    *moved = true;
                    drags.update_value(|count| *count += 1);
                    preview.set(
                        designer
                            .scene
                            .with_untracked(|scene| scene.as_ref().and_then(|scene| Preview::of(scene, name))),
                    );
                }
                moved_by.set(delta);
            }
            Interaction::Connect { start, .. } => {
                rubber_band.set(Some((*start, to_graph(client.0, client.1))));
            }
        });
    };

    let on_pointer_up = move |event: ev::PointerEvent| {
        let client = (f64::from(event.client_x()), f64::from(event.client_y()));
        let finished = interaction.try_update_value(std::mem::take).unwrap_or_default();
        match finished {
            Interaction::Idle | Interaction::Pan { .. } => {}
            Interaction::Drag { name, moved, .. } => {
                if moved {
                    designer.drop_state(&name, moved_by.get_untracked());
                    // The graph is drawn again in a task after the next frame; the preview goes
                    // one frame after that, so the node never shows at its old place meanwhile.
                    let drag = drags.get_value();
                    super::after_paint(move || {
                        super::after_paint(move || {
                            if drags.try_get_value() == Some(drag) {
                                let _ = preview.try_set(None);
                                let _ = moved_by.try_set((0.0, 0.0));
                            }
                        })
                    });
                }
            }
            Interaction::Connect { from, field, .. } => {
                rubber_band.set(None);
                let target = target_at(client);
                match (target, field) {
                    (Some(target), None) => designer.connect(&from, &target),
                    (Some(target), Some(field)) => designer.reconnect(&field, &target),
                    (None, _) => {}
                }
            }
        }
    };

    let on_background_down = move |event: ev::PointerEvent| {
        if event.button() != 0 {
            return;
        }
        let on_background = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .map(|element| element.closest("[data-state],[data-edge-from],[data-marker]").ok().flatten().is_none())
            .unwrap_or(true);
        if on_background {
            finish_field_edit();
            designer.selected.set(None);
            capture(&event);
            interaction.set_value(Interaction::Pan {
                client: (f64::from(event.client_x()), f64::from(event.client_y())),
                view: view.get_untracked(),
            });
        }
    };

    let on_wheel = move |event: ev::WheelEvent| {
        event.prevent_default();
        let (left, top) = origin();
        let factor = if event.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
        zoom_at(factor, (f64::from(event.client_x()) - left, f64::from(event.client_y()) - top));
    };

    let on_drag_over = move |event: ev::DragEvent| event.prevent_default();
    let on_drop = move |event: ev::DragEvent| {
        event.prevent_default();
        let Some(transfer) = event.data_transfer() else { return };
        let point = to_graph(f64::from(event.client_x()), f64::from(event.client_y()));
        if let Ok(item) = transfer.get_data(super::palette::DRAG_TYPE)
            && !item.is_empty()
        {
            designer.add_from_palette(&item, Some(Position { x: point.0 - 60.0, y: point.1 - 24.0 }));
            return;
        }
        let files = browser::files_of(transfer.files());
        if !files.is_empty() {
            designer.open_files(files);
        }
    };

    // Keyed by what each item draws: when the scene changes, only the changed states, edges
    // and boxes are drawn again (a rename redraws one state and its edges, not 500).
    let groups = move || designer.scene.with(|scene| scene.as_ref().map(Scene::keyed_groups).unwrap_or_default());
    // Where they are: states and edges are drawn once per key and follow their own place,
    // brought up to date before either list is (so a state or edge drawn anew finds it).
    let places = PlaceSignals::new();
    // Each state's problem counts (by name) and whether it moves with a drag (by id), a signal
    // each for the same reason.
    let counts = Keyed::<String, (usize, usize)>::new();
    Effect::new(move |_| {
        designer
            .counts
            .with(|all| counts.follow(all.iter().map(|(name, count)| (name.clone(), *count)).collect(), Some((0, 0))))
    });
    let moving = Keyed::<String, bool>::new();
    Effect::new(move |_| {
        preview.with(|preview| {
            let ids = preview.iter().flat_map(|preview| preview.moving.iter().map(|id| (id.clone(), true)));
            moving.follow(ids.collect(), Some(false));
        })
    });
    let marks = Marks { counts, moving };
    let followed = Memo::new(move |_| designer.scene.with(|scene| places.follow(scene.as_ref())));
    // The states and edges by layer, each layer an SVG of its own (see `Layers`): their keys
    // and their indices in the scene, cut once per scene. Every layer's list is told, and only
    // those whose keys changed draw anything.
    let layers = Memo::new_with_compare(
        move |_| {
            followed.get();
            designer.scene.with(|scene| {
                scene.as_ref().map(|scene| scene.layers(layer_size(scene.nodes.len()))).unwrap_or_default()
            })
        },
        |_, _| true,
    );
    let empty = move || {
        designer
            .scene
            .with(Option::is_none)
            .then(|| view! { <text x="0" y="20" class="canvas-empty">"Nothing to draw yet."</text> })
    };

    let transform = move || {
        let current = view.get();
        format!("translate({:.2} {:.2}) scale({:.4})", current.x, current.y, current.k)
    };

    view! {
        <div
            class="canvas"
            data-testid="canvas"
            // Focus lands here when the focused state is deleted, so the keyboard stays on the graph.
            tabindex="-1"
            aria-label="Graph"
            node_ref=svg_ref
            on:dragover=on_drag_over
            on:drop=on_drop
            on:wheel=on_wheel
        >
            <div
                class="graph-layers"
                role="application"
                aria-label="The state machine's graph. Drag states to move them, drag a handle to connect."
                on:pointerdown=on_background_down
                on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up
                on:pointercancel=move |_| {
                    interaction.set_value(Interaction::Idle);
                    rubber_band.set(None);
                    preview.set(None);
                    moved_by.set((0.0, 0.0));
                }
            >
                <svg class="designer-graph">
                    <defs>
                        <marker id="designer-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" />
                        </marker>
                    </defs>
                    <g class="viewport" transform=transform>
                        {empty}
                        <g class="groups">
                            <For each=groups key=|(key, _)| *key children=move |(_, group)| render_group(group, preview) />
                        </g>
                    </g>
                </svg>
                // Every layer's edges under every layer's states (a layer with nothing in it is
                // not shown, see the style).
                {(0..LAYERS)
                    .map(|layer| {
                        let edges = move || layers.with(|layers| layers.edges.get(layer).cloned().unwrap_or_default());
                        // Only an edge drawn anew is copied out of the scene.
                        let edge_at = move |index: usize| {
                            designer.scene.with_untracked(|scene| scene.as_ref().and_then(|scene| scene.edges.get(index).cloned()))
                        };
                        view! {
                            <svg class="designer-graph">
                                <g class="viewport edges" transform=transform>
                                    <For
                                        each=edges
                                        key=|(key, _)| *key
                                        children=move |(_, index)| {
                                            edge_at(index).map(|edge| render_edge(edge, places, marks, interaction, rubber_band))
                                        }
                                    />
                                </g>
                            </svg>
                        }
                    })
                    .collect_view()}
                {(0..LAYERS)
                    .map(|layer| {
                        let nodes = move || layers.with(|layers| layers.nodes.get(layer).cloned().unwrap_or_default());
                        let node_at = move |index: usize| {
                            designer.scene.with_untracked(|scene| scene.as_ref().and_then(|scene| scene.nodes.get(index).cloned()))
                        };
                        let is_selected = is_selected.clone();
                        view! {
                            <svg class="designer-graph">
                                <g class="viewport nodes" transform=transform>
                                    <For
                                        each=nodes
                                        key=|(key, _)| *key
                                        children=move |(_, index)| {
                                            node_at(index).map(|node| {
                                                render_node(node, places, marks, is_selected.clone(), designer, interaction, rubber_band)
                                            })
                                        }
                                    />
                                </g>
                            </svg>
                        }
                    })
                    .collect_view()}
            </div>
            <svg class="designer-graph drag-layer" aria-hidden="true">
                <g transform=transform>
                    {move || preview.get().map(|preview| render_preview(preview, moved_by))}
                    {move || {
                        rubber_band
                            .get()
                            .map(|((x1, y1), (x2, y2))| {
                                view! { <line class="rubber-band" x1=x1 y1=y1 x2=x2 y2=y2 marker-end="url(#designer-arrow)" /> }
                            })
                    }}
                </g>
            </svg>
            <div class="canvas-controls" role="toolbar" aria-label="Zoom">
                <button type="button" title="Zoom in" on:click=move |_| zoom_centre(1.25)>"+"</button>
                <button type="button" title="Zoom out" on:click=move |_| zoom_centre(0.8)>"−"</button>
                <button type="button" data-testid="fit" title="Fit the graph in view" on:click=move |_| fit()>"Fit"</button>
                <button
                    type="button"
                    title="Forget moved positions and lay everything out again"
                    on:click=move |_| designer.auto_layout()
                >
                    "Auto layout"
                </button>
                <button
                    type="button"
                    data-testid="toggle-minimap"
                    title="Show or hide the overview map"
                    aria-pressed=move || if show_minimap.get() { "true" } else { "false" }
                    on:click=move |_| {
                        let shown = !show_minimap.get_untracked();
                        show_minimap.set(shown);
                        browser::set_preference(MINIMAP_PREFERENCE, if shown { "shown" } else { "hidden" });
                    }
                >
                    "Map"
                </button>
                <span class="zoom-level">{move || format!("{:.0}%", view.get().k * 100.0)}</span>
            </div>
            {move || {
                show_minimap
                    .get()
                    .then(|| view! { <Minimap designer view container_size=Callback::new(move |()| container_size()) /> })
            }}
        </div>
    }
}

/// A Parallel, branch or Map box with its title; faded while it is dragged.
fn render_group(group: SceneGroup, preview: RwSignal<Option<Preview>>) -> impl IntoView + use<> {
    let class = {
        let (id, base) = (group.id.clone(), format!("group group-{}", group.kind));
        move || {
            if preview.with(|preview| Preview::moves_group(preview, &id)) {
                format!("{base} drag-origin")
            } else {
                base.clone()
            }
        }
    };
    view! {
        <g class=class data-group=group.id.clone()>
            {group_box(&group)}
        </g>
    }
}

/// A box's rectangle and title.
fn group_box(group: &SceneGroup) -> impl IntoView + use<> {
    view! {
        <rect x=group.x y=group.y width=group.width height=group.height rx="8" />
        <text x=group.x + 8.0 y=group.y + 15.0>{group.label.clone()}</text>
    }
}

/// The points an edge is drawn through: its automatic route while neither end has moved,
/// otherwise a curve from the source's bottom to the target's top, each end moved by its delta,
/// both shifted by the edge's `offset` (apart from other edges between the same nodes).
fn edge_points(
    route: Option<&[(f64, f64)]>,
    offset: f64,
    from: &SceneNode,
    to: &SceneNode,
    from_delta: (f64, f64),
    to_delta: (f64, f64),
) -> Vec<(f64, f64)> {
    match route {
        Some(points) if from_delta == (0.0, 0.0) && to_delta == (0.0, 0.0) => points.to_vec(),
        _ => vec![from.out_port(from_delta.0 + offset, from_delta.1), to.in_port(to_delta.0 + offset, to_delta.1)],
    }
}

/// An SVG path through `points`: a curve for two points, straight segments for more.
fn edge_path(points: &[(f64, f64)]) -> String {
    if let [(x1, y1), (x2, y2)] = points {
        let [(c1x, c1y), (c2x, c2y)] = curve_controls((*x1, *y1), (*x2, *y2));
        format!("M {x1:.1} {y1:.1} C {c1x:.1} {c1y:.1}, {c2x:.1} {c2y:.1}, {x2:.1} {y2:.1}")
    } else {
        let mut d = String::new();
        for (index, (x, y)) in points.iter().enumerate() {
            d.push_str(&format!("{}{x:.1} {y:.1} ", if index == 0 { "M " } else { "L " }));
        }
        d
    }
}

/// What a state or edge shows besides its place: a state's problem counts (by name), and
/// whether a state moves with the current drag (by id; an edge at it is hidden then).
#[derive(Clone, Copy)]
struct Marks {
    counts: Keyed<String, (usize, usize)>,
    moving: Keyed<String, bool>,
}

/// Where each state (its corner, by id) and each edge is drawn.
#[derive(Clone, Copy)]
struct PlaceSignals {
    nodes: Keyed<String, (f64, f64)>,
    edges: Keyed<EdgeIdentity, EdgePlace>,
}

impl PlaceSignals {
    fn new() -> Self {
        PlaceSignals { nodes: Keyed::new(), edges: Keyed::new() }
    }

    /// Moves what the scene moved. What moved by less than half a pixel stays where it is
    /// drawn: an edit in one place can move the layout's whole solution by a tenth of a pixel
    /// (a wider state in one branch), which nobody sees and which would draw every state and
    /// edge again.
    fn follow(self, scene: Option<&Scene>) {
        let Places { nodes, edges } = scene.map(Scene::places).unwrap_or_default();
        let near = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 0.5 && (a.1 - b.1).abs() < 0.5;
        self.nodes.follow_by(nodes, None, |shown, place| near(*shown, *place));
        self.edges.follow_by(edges, None, |shown, place| {
            shown.points.len() == place.points.len()
                && shown.points.iter().zip(&place.points).all(|(a, b)| near(*a, *b))
                && match (&shown.label, &place.label) {
                    (Some(a), Some(b)) => a.text == b.text && a.anchor == b.anchor && near((a.x, a.y), (b.x, b.y)),
                    (a, b) => a == b,
                }
        });
    }
}

/// An edge, drawn once per draw key; its path, handle and label follow its place.
fn render_edge(
    edge: SceneEdge,
    places: PlaceSignals,
    marks: Marks,
    interaction: StoredValue<Interaction>,
    rubber_band: RubberBand,
) -> impl IntoView + use<> {
    // The edge's place in the current scene (its last one while the scene drops it).
    let place = places.edges.signal(&edge.identity(), || EdgePlace {
        points: edge.route.clone().unwrap_or_default(),
        label: edge.label_place.clone(),
    });
    let path = Memo::new(move |_| place.with(|place| edge_path(&place.points)));
    let end_at = move || place.with(|place| place.points.last().copied().unwrap_or((0.0, 0.0)));
    let label = (!edge.label.is_empty()).then(|| edge.label.clone());
    let reconnectable = !matches!(edge.field, EdgeField::Fixed);
    let field = edge.field.clone();
    let source = edge.from_name.clone();
    let title = format!(
        "{} → {}{}",
        edge.from_name,
        edge.to_name,
        label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default()
    );
    // Hidden while its node is dragged: the drag layer draws it then.
    let class = {
        let (from_moves, to_moves) =
            (marks.moving.signal(&edge.from, || false), marks.moving.signal(&edge.to, || false));
        let base = format!("edge edge-{}", edge.kind);
        move || {
            if from_moves.get() || to_moves.get() { format!("{base} drag-origin") } else { base.clone() }
        }
    };
    let label_at = move |read: fn(&LabelPlace) -> String| {
        move || place.with(|place| place.label.as_ref().map(read).unwrap_or_default())
    };
    view! {
        <g
            class=class
            data-edge-from=edge.from_name.clone()
            data-edge-to=edge.to_name.clone()
            data-edge-kind=edge.kind
        >
            <title>{title}</title>
            <path class="edge-hit" d=path />
            <path class="edge-line" d=path marker-end="url(#designer-arrow)" />
            {edge.label_place.is_some().then(|| {
                view! {
                    <text
                        class="edge-label"
                        x=label_at(|label| format!("{}", label.x))
                        y=label_at(|label| format!("{}", label.y))
                        text-anchor=label_at(|label| label.anchor.to_string())
                    >
                        {label_at(|label| label.text.clone())}
                    </text>
                }
            })}
            {reconnectable.then(|| {
                view! {
                    <circle
                        class="edge-end"
                        r="6"
                        cx=move || end_at().0
                        cy=move || end_at().1 - 6.0
                        aria-label="Drag to reconnect this transition"
                        on:pointerdown=move |event: ev::PointerEvent| {
                            event.stop_propagation();
                            capture(&event);
                            let start = place.with_untracked(|place| place.points.last().copied().unwrap_or((0.0, 0.0)));
                            interaction.set_value(Interaction::Connect { from: source.clone(), field: Some(field.clone()), start });
                            rubber_band.set(Some((start, start)));
                        }
                    />
                }
            })}
        </g>
    }
}

/// The dragged node and its edges on the drag layer, moved by `moved_by`: what moves whole
/// (the node, the boxes and states inside it, the edges between them) in one translated group,
/// and the edges to states that stay, drawn again on each move.
fn render_preview(preview: Preview, moved_by: RwSignal<(f64, f64)>) -> impl IntoView + use<> {
    let Preview { node, inside, groups, edges, .. } = preview;
    let (stretched, rigid): (Vec<PreviewEdge>, Vec<PreviewEdge>) =
        edges.into_iter().partition(|edge| !(edge.from_moves && edge.to_moves));
    let stretched = stretched
        .into_iter()
        .map(|edge| {
            let points = move || {
                let delta = moved_by.get();
                let zero = (0.0, 0.0);
                edge_points(
                    None,
                    edge.offset,
                    &edge.from,
                    &edge.to,
                    if edge.from_moves { delta } else { zero },
                    if edge.to_moves { delta } else { zero },
                )
            };
            let label = (!edge.label.is_empty()).then(|| {
                let (at_x, at_y, at_anchor) = (points.clone(), points.clone(), points.clone());
                view! {
                    <text
                        class="edge-label"
                        x=move || edge_label_place(&at_x()).0
                        y=move || edge_label_place(&at_y()).1
                        text-anchor=move || edge_label_place(&at_anchor()).2
                    >
                        {edge_label(&edge.label).into_owned()}
                    </text>
                }
            });
            view! {
                <g class=format!("edge edge-{}", edge.kind)>
                    <path class="edge-line" d=move || edge_path(&points()) marker-end="url(#designer-arrow)" />
                    {label}
                </g>
            }
        })
        .collect_view();
    let rigid = rigid
        .into_iter()
        .map(|edge| {
            let points =
                edge_points(edge.route.as_deref(), edge.offset, &edge.from, &edge.to, (0.0, 0.0), (0.0, 0.0));
            view! {
                <g class=format!("edge edge-{}", edge.kind)>
                    <path class="edge-line" d=edge_path(&points) marker-end="url(#designer-arrow)" />
                    {edge.label_place.map(|place| {
                        view! { <text class="edge-label" x=place.x y=place.y text-anchor=place.anchor>{place.text}</text> }
                    })}
                </g>
            }
        })
        .collect_view();
    let groups = groups
        .iter()
        .map(|group| view! { <g class=format!("group group-{}", group.kind)>{group_box(group)}</g> })
        .collect_view();
    let nodes = inside.iter().map(|other| preview_node(other, false)).collect_view();
    let transform = move || {
        let (dx, dy) = moved_by.get();
        format!("translate({dx:.1} {dy:.1})")
    };
    view! {
        <g class="drag-preview">
            {stretched}
            <g transform=transform>
                {groups}
                {rigid}
                {nodes}
                {preview_node(&node, true)}
            </g>
        </g>
    }
}

/// A state as the drag layer draws it.
fn preview_node(node: &SceneNode, selected: bool) -> impl IntoView + use<> {
    let (width, height) = (node.width, node.height);
    let class =
        format!("node node-{}{}", node.state_type.to_ascii_lowercase(), if selected { " selected" } else { "" });
    view! {
        <g class=class transform=format!("translate({:.1} {:.1})", node.x, node.y)>
            <rect class="node-box" width=width height=height rx="8" />
            <text class="node-name" x=width / 2.0 y=height / 2.0 - 2.0 text-anchor="middle">
                {node_name(&node.name, width).into_owned()}
            </text>
            <text class="node-type" x=width / 2.0 y=height / 2.0 + 13.0 text-anchor="middle">{node.state_type.clone()}</text>
        </g>
    }
}

fn render_node(
    node: SceneNode,
    places: PlaceSignals,
    marks: Marks,
    is_selected: Selector<Option<String>>,
    designer: Designer,
    interaction: StoredValue<Interaction>,
    rubber_band: RubberBand,
) -> impl IntoView + use<> {
    let (width, height) = (node.width, node.height);
    // Where it is in the current scene (its last place while the scene drops it): a state that
    // only moved is moved, not drawn again.
    let corner = places.nodes.signal(&node.id, || (node.x, node.y));
    let transform = move || {
        let (x, y) = corner.get();
        format!("translate({x:.1} {y:.1})")
    };
    if node.marker {
        let kind = if node.id == "#start" { "start" } else { "end" };
        return view! {
            <g class=format!("marker marker-{kind}") data-marker=kind transform=transform>
                <title>{node.name.clone()}</title>
                <circle cx=width / 2.0 cy=height / 2.0 r=width / 2.0 />
            </g>
        }
        .into_any();
    }
    let name = node.name.clone();
    let pressed = {
        let (name, is_selected) = (name.clone(), is_selected.clone());
        move || if is_selected.selected(&Some(name.clone())) { "true" } else { "false" }
    };
    let count = marks
        .counts
        .signal(&name, || designer.counts.with_untracked(|counts| counts.get(&name).copied().unwrap_or_default()));
    let moves = marks.moving.signal(&node.id, || false);
    let class = {
        let name = name.clone();
        let state_type = node.state_type.to_ascii_lowercase();
        move || {
            let (errors, warnings) = count.get();
            let mut class = format!("node node-{state_type}");
            if moves.get() {
                class.push_str(" drag-origin");
            }
            if is_selected.selected(&Some(name.clone())) {
                class.push_str(" selected");
            }
            if errors > 0 {
                class.push_str(" has-error");
            } else if warnings > 0 {
                class.push_str(" has-warning");
            }
            class
        }
    };
    let badge = {
        move || {
            let (errors, warnings) = count.get();
            (errors + warnings > 0).then(|| {
                let text = if errors > 0 { errors.to_string() } else { warnings.to_string() };
                view! {
                    <g class="node-badge" transform=format!("translate({} -6)", width - 6.0)>
                        <circle r="9" />
                        <text text-anchor="middle" y="4">{text}</text>
                    </g>
                }
            })
        }
    };
    let start_drag = {
        let name = name.clone();
        move |event: ev::PointerEvent| {
            if event.button() != 0 {
                return;
            }
            event.stop_propagation();
            finish_field_edit();
            designer.selected.set(Some(name.clone()));
            capture(&event);
            interaction.set_value(Interaction::Drag {
                name: name.clone(),
                client: (f64::from(event.client_x()), f64::from(event.client_y())),
                moved: false,
            });
        }
    };
    let start_connect = {
        let name = name.clone();
        move |event: ev::PointerEvent| {
            event.stop_propagation();
            capture(&event);
            let (x, y) = corner.get_untracked();
            let start = (x + width / 2.0, y + height);
            interaction.set_value(Interaction::Connect { from: name.clone(), field: None, start });
            rubber_band.set(Some((start, start)));
        }
    };
    let on_key = {
        let name = name.clone();
        move |event: ev::KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                event.prevent_default();
                designer.selected.set(Some(name.clone()));
            }
        }
    };
    let on_focus = {
        let name = name.clone();
        move |_| designer.selected.set(Some(name.clone()))
    };
    let can_connect = !matches!(node.state_type.as_str(), "Succeed" | "Fail");
    // A name too long for its node is drawn shortened; hovering the node shows it whole.
    let drawn_name = node_name(&name, width).into_owned();
    let shortened = drawn_name != name;
    let language = if node.query_language == "JSONata" { Some("JSONata") } else { None };
    view! {
        <g
            class=class
            data-state=name.clone()
            data-state-type=node.state_type.clone()
            data-placed=node.placed.then_some("true")
            transform=transform
            tabindex="0"
            role="button"
            aria-label=format!("{} state {}", node.state_type, name)
            aria-pressed=pressed
            on:pointerdown=start_drag
            on:keydown=on_key
            on:focus=on_focus
        >
            {shortened.then(|| view! { <title>{name.clone()}</title> })}
            <rect class="node-box" width=width height=height rx="8" />
            <text class="node-name" x=width / 2.0 y=height / 2.0 - 2.0 text-anchor="middle">{drawn_name}</text>
            <text class="node-type" x=width / 2.0 y=height / 2.0 + 13.0 text-anchor="middle">
                {node.state_type.clone()}
                {language.map(|language| format!(" · {language}"))}
            </text>
            {badge}
            {can_connect.then(|| {
                view! {
                    <circle
                        class="handle"
                        data-handle=name.clone()
                        cx=width / 2.0
                        cy=height
                        r="6"
                        aria-label="Drag to another state to connect"
                        on:pointerdown=start_connect
                    />
                }
            })}
        </g>
    }
    .into_any()
}

/// The overview: every state as a small box and the visible part as a frame. A click centres there.
#[component]
fn Minimap(designer: Designer, view: RwSignal<View>, container_size: Callback<(), (f64, f64)>) -> impl IntoView {
    // The drawing's box: its corner (where the layout's (0, 0) is drawn) and its size.
    let extent = move || {
        designer.scene.with(|scene| {
            scene
                .as_ref()
                .map(|scene| (scene.origin.0, scene.origin.1, scene.width.max(1.0), scene.height.max(1.0)))
                .unwrap_or((0.0, 0.0, 1.0, 1.0))
        })
    };
    // One path for all the boxes, set again only when it changed: a rect per state, each
    // given its attributes again on every scene, restyled and repainted 500 of them for an
    // edit that moved nothing.
    let boxes =
        Memo::new(move |_| designer.scene.with(|scene| scene.as_ref().map(Scene::minimap_path).unwrap_or_default()));
    let frame = move || {
        let current = view.get();
        let (cw, ch) = container_size.run(());
        (-current.x / current.k, -current.y / current.k, cw / current.k, ch / current.k)
    };
    let on_click = move |event: ev::MouseEvent| {
        let Some(target) = event.current_target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) else {
            return;
        };
        let rect = target.get_bounding_client_rect();
        let (left, top, width, height) = extent();
        let x = left + (f64::from(event.client_x()) - rect.left()) / rect.width() * width;
        let y = top + (f64::from(event.client_y()) - rect.top()) / rect.height() * height;
        let (cw, ch) = container_size.run(());
        view.update(|current| {
            current.x = cw / 2.0 - x * current.k;
            current.y = ch / 2.0 - y * current.k;
        });
    };
    let size = move || {
        let (_, _, width, height) = extent();
        minimap_size((width, height))
    };
    view! {
        <svg
            class="minimap"
            data-testid="minimap"
            width=move || format!("{:.0}", size().0)
            height=move || format!("{:.0}", size().1)
            viewBox=move || {
                let (left, top, width, height) = extent();
                format!("{left:.0} {top:.0} {width:.0} {height:.0}")
            }
            preserveAspectRatio="none"
            on:click=on_click
            aria-hidden="true"
        >
            <path class="minimap-boxes" d=boxes />
            <rect
                class="minimap-frame"
                x=move || frame().0
                y=move || frame().1
                width=move || frame().2
                height=move || frame().3
            />
        </svg>
    }
}

/// The state or marker under a client point (`#end` for the end marker).
fn target_at((x, y): (f64, f64)) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let element = document.element_from_point(x as f32, y as f32)?;
    let node = element.closest("[data-state],[data-marker]").ok().flatten()?;
    if let Some(name) = node.get_attribute("data-state") {
        return Some(name);
    }
    (node.get_attribute("data-marker").as_deref() == Some("end")).then(|| "#end".to_string())
}

/// Ends an edit under way in a field (the inspector's) by taking the focus from it, so that its
/// change is written now: a pointer pressed on the graph changes the selection, which replaces
/// the form, and a field taken out of the page never reports its change.
fn finish_field_edit() {
    if let Some(element) = document().active_element()
        && element.matches("input, textarea, select").unwrap_or(false)
        && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = element.blur();
    }
}

/// Keeps pointer events coming to the canvas while the pointer is held, even outside it.
fn capture(event: &ev::PointerEvent) {
    if let Some(element) = event.current_target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) {
        let layers = element.closest(".graph-layers").ok().flatten().unwrap_or(element);
        let _ = layers.set_pointer_capture(event.pointer_id());
    }
}

/// Runs `f` on the next animation frame (after the browser has laid the page out).
fn request_frame(f: impl FnOnce() + 'static) {
    request_animation_frame(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corner the largest minimap takes.
    const MINIMAP_CORNER: (f64, f64) = (MINIMAP_SIZE.0 + MINIMAP_MARGIN, MINIMAP_SIZE.1 + MINIMAP_MARGIN);

    #[test]
    fn layers_hold_64_states_and_grow_by_doubling_past_16_of_them() {
        assert_eq!(layer_size(0), 64);
        assert_eq!(layer_size(500), 64);
        assert_eq!(layer_size(1_024), 64);
        assert_eq!(layer_size(1_025), 128);
        // Between two sizes, a state added or removed moves no other state to another layer.
        assert_eq!(layer_size(1_500), layer_size(1_501));
        assert_eq!(layer_size(5_000), 512);
        assert!((1_usize..20_000).all(|states| states.div_ceil(layer_size(states)) <= LAYERS));
    }

    #[test]
    fn the_minimap_takes_the_graphs_proportions() {
        assert_eq!(minimap_size((900.0, 600.0)), (180.0, 120.0));
        assert_eq!(minimap_size((600.0, 1200.0)), (60.0, 120.0));
        // A very tall graph's minimap stays wide enough to click.
        assert_eq!(minimap_size((100.0, 6000.0)), (40.0, 120.0));
    }

    #[test]
    fn a_fitted_graph_keeps_clear_of_the_minimap() {
        let canvas = (800.0, 600.0);
        // A small graph is shown at 100 %, centred, whether or not the minimap shows.
        let small = fitted((200.0, 100.0), canvas, Some(MINIMAP_CORNER));
        assert_eq!(small, View { x: 300.0, y: 250.0, k: 1.0 });
        // A wide graph would reach under the minimap: it is fitted above it instead (beside it, it
        // would be smaller still).
        let wide = (1500.0, 900.0);
        let under = fitted(wide, canvas, None);
        let clear = fitted(wide, canvas, Some(MINIMAP_CORNER));
        assert!(under.y + 900.0 * under.k > canvas.1 - MINIMAP_CORNER.1, "{under:?}");
        assert!(clear.y + 900.0 * clear.k <= canvas.1 - MINIMAP_CORNER.1, "{clear:?}");
        assert!(clear.k < under.k && clear.k > 0.45, "{clear:?}");
        // A tall graph is fitted beside it, here at the same scale.
        let tall = (1900.0, 2000.0);
        let under = fitted(tall, canvas, None);
        let beside = fitted(tall, canvas, Some(MINIMAP_CORNER));
        assert!(under.x + 1900.0 * under.k > canvas.0 - MINIMAP_CORNER.0, "{under:?}");
        assert!(beside.x + 1900.0 * beside.k <= canvas.0 - MINIMAP_CORNER.0, "{beside:?}");
        assert_eq!(beside.k, under.k);
    }
}

//! Where a drawn graph's edge labels go: shortened to fit, and placed beside their routes
//! clear of the nodes and of each other; and the geometry of drawn edges they rely on.

use super::{Graph, TextStyle, fit_text, text_width};

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
    let side = sides(points)[0];
    let (x, y) = beside(point_along(points, 0.5, true), side);
    (x, y, side)
}

/// The two sides a route's label can go on (`text-anchor`), the one the route heads to first.
fn sides(points: &[(f64, f64)]) -> [&'static str; 2] {
    match (points.first(), points.last()) {
        (Some(first), Some(last)) if last.0 - first.0 < -8.0 => ["end", "start"],
        _ => ["start", "end"],
    }
}

/// Where a label's text is anchored beside the point `(x, y)` of its route, on side `anchor`.
fn beside((x, y): (f64, f64), anchor: &str) -> (f64, f64) {
    (if anchor == "end" { x - 4.0 } else { x + 4.0 }, y - 4.0)
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
            if label.is_empty() || points.is_empty() {
                return None;
            }
            let text = edge_label(label).into_owned();
            let width = text_width(&text, TextStyle::Label);
            let mut best: Option<(f64, f64, f64, &'static str, Rect)> = None;
            'search: for t in [0.5, 0.35, 0.65, 0.2, 0.8] {
                let point = point_along(points, t, curved);
                for anchor in sides(points) {
                    let (x, y) = beside(point, anchor);
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

/// [`place_edge_labels`] for a graph as [`super::layout`] placed it: the labels of `graph.edges`, in
/// order, along `routes`, the routes as drawn ([`super::drawn_routes`]: straight segments, or
/// curves for two-point routes when `curved`).
pub fn layout_labels(
    graph: &Graph,
    layout: &crate::layout::Layout,
    routes: &[Vec<(f64, f64)>],
    curved: bool,
) -> Vec<Option<LabelPlace>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

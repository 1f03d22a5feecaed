//! The measurements: each step of reading and drawing a definition, timed over many runs.
//!
//! The same code runs natively and in wasm; only the clock differs ([`std::time::Instant`]
//! natively, `performance.now()` in the browser), so the caller passes it in. Each step runs
//! [`WARM_UP_RUNS`] times untimed, then `runs` times timed. A sample covers the call and
//! dropping its result: the designer pays for both on every edit.

use std::hint::black_box;

use asl::{Severity, lint::LintOptions};
use serde_json::{Value, json};

use crate::generate;

/// Untimed runs before the timed ones (caches, allocator, wasm tier-up).
pub const WARM_UP_RUNS: usize = 3;

/// The fewest timed runs a report may have.
pub const MIN_RUNS: usize = 20;

/// The states of the large definition (about 1 MB of minified JSON).
pub const LARGE_STATES: usize = 5_000;

/// The states of the definition whose layout has a browser goal.
pub const SMALL_STATES: usize = 500;

/// The shape of a generated definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// [`generate::definition`], minified: segments of rich and plain states.
    Segments,
    /// [`generate::pretty_definition`]: the same, pretty-printed.
    PrettySegments,
    /// [`generate::catch_all_definition`], minified: the designer benchmark's machine, whose
    /// Tasks all catch into one `Fail` state.
    CatchAll,
}

/// The inputs (key, states, shape), in report order: every step on 5,000 states, reading alone
/// on them pretty-printed, every step on 500 states and on the designer benchmark's 500 states.
const INPUTS: [(&str, usize, Shape); 4] = [
    ("5000", LARGE_STATES, Shape::Segments),
    ("5000-pretty", LARGE_STATES, Shape::PrettySegments),
    ("500", SMALL_STATES, Shape::Segments),
    ("500-catchall", SMALL_STATES, Shape::CatchAll),
];

/// One generated definition and the size of what it turns into.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The prefix of its measurements' ids: `5000`, `5000-pretty`, `500`, `500-catchall`.
    pub key: String,
    /// The number of states.
    pub states: usize,
    /// Whether the text is pretty-printed (two-space indentation) rather than minified.
    pub pretty: bool,
    /// The length of the JSON text in bytes.
    pub bytes: usize,
    /// Graph nodes (states and the start and end markers).
    pub nodes: usize,
    /// Graph edges.
    pub edges: usize,
    /// Graph groups (Parallel states, their branches, Map states).
    pub groups: usize,
    /// Lint warnings (the generated machines are valid, so validation reports nothing).
    pub warnings: usize,
}

/// The timings of one step on one input, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Stable identifier, `<input key>/<step>` (`5000/parse_validate`, `5000-pretty/json_parse`).
    pub id: String,
    /// What was timed, for people.
    pub label: String,
    /// The timed samples, in run order.
    pub samples_ms: Vec<f64>,
}

impl Measurement {
    /// The median sample (the mean of the middle two for an even count).
    pub fn median_ms(&self) -> f64 {
        let sorted = self.sorted();
        let middle = sorted.len() / 2;
        if sorted.len().is_multiple_of(2) { (sorted[middle - 1] + sorted[middle]) / 2.0 } else { sorted[middle] }
    }

    /// The 95th percentile, by nearest rank: the smallest sample at or above 95 % of them.
    pub fn p95_ms(&self) -> f64 {
        let sorted = self.sorted();
        let rank = (sorted.len() * 95).div_ceil(100).max(1);
        sorted[rank - 1]
    }

    /// The fastest sample.
    pub fn min_ms(&self) -> f64 {
        self.sorted()[0]
    }

    fn sorted(&self) -> Vec<f64> {
        assert!(!self.samples_ms.is_empty(), "{} has no samples", self.id);
        let mut sorted = self.samples_ms.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
    }
}

/// Everything one run of the benchmarks measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Where it ran: `native` or `wasm`, with details.
    pub environment: String,
    /// Timed runs per step.
    pub runs: usize,
    /// The generated definitions.
    pub inputs: Vec<Input>,
    /// One entry per step and input.
    pub measurements: Vec<Measurement>,
}

/// Generates the definitions and times every step on them: all steps on 5,000 states
/// (minified, about 1 MB), on 500 states and on the designer benchmark's 500 states
/// (`500-catchall`, see [`generate::catch_all_machine`]); reading alone on the same 5,000 states
/// pretty-printed.
///
/// `clock` returns milliseconds from any fixed origin; `progress` hears what is being timed.
///
/// # Panics
///
/// When `runs` is below [`MIN_RUNS`], or a generated definition does not validate cleanly.
pub fn run(environment: &str, runs: usize, clock: &dyn Fn() -> f64, progress: &mut dyn FnMut(&str)) -> Report {
    assert!(runs >= MIN_RUNS, "at least {MIN_RUNS} runs, not {runs}");
    let mut report =
        Report { environment: environment.to_string(), runs, inputs: Vec::new(), measurements: Vec::new() };
    for (key, states, shape) in INPUTS {
        let key = key.to_string();
        let pretty = shape == Shape::PrettySegments;
        let form = match shape {
            Shape::Segments => "minified",
            Shape::PrettySegments => "pretty-printed",
            Shape::CatchAll => "minified, every Task catching into one Fail",
        };
        progress(&format!("generating a definition of {states} states, {form}"));
        let text = match shape {
            Shape::Segments => generate::definition(states),
            Shape::PrettySegments => generate::pretty_definition(states),
            Shape::CatchAll => generate::catch_all_definition(states),
        };
        let (document, diagnostics) = asl::parse(&text);
        let errors: Vec<_> = diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "the generated definition of {states} states is invalid: {errors:#?}");
        let root = document.root().expect("a valid definition has a tree");
        let graph = asl::graph::graph(root);
        report.inputs.push(Input {
            key: key.clone(),
            states,
            pretty,
            bytes: text.len(),
            nodes: graph.nodes.len(),
            edges: graph.edges.len(),
            groups: graph.groups.len(),
            warnings: asl::lint::lint(root, &LintOptions::default()).len(),
        });

        let mut time = |step: &str, label: &str, work: &mut dyn FnMut()| {
            progress(&format!("timing {label} on {states} states ({form}), {runs} runs"));
            let samples_ms = sample(runs, clock, work);
            report.measurements.push(Measurement { id: format!("{key}/{step}"), label: label.to_string(), samples_ms });
        };
        time("parse_validate", "asl::parse (JSON read + validate + positions)", &mut || {
            consume(asl::parse(black_box(&text)));
        });
        time("json_parse", "asl::json::parse (JSON read only)", &mut || consume(asl::json::parse(black_box(&text))));
        if pretty {
            // Validation, lint, graph and layout see the same tree either way.
            continue;
        }
        time("validate", "asl::validate::validate", &mut || consume(asl::validate::validate(black_box(root))));
        time("lint", "asl::lint::lint", &mut || consume(asl::lint::lint(black_box(root), &LintOptions::default())));
        time("graph", "asl::graph::graph", &mut || consume(asl::graph::graph(black_box(root))));
        time("layout", "asl::graph::layout (sizes + asl::layout::layout)", &mut || {
            consume(asl::graph::layout(black_box(&graph)));
        });
        let layout = asl::graph::layout(&graph);
        time("labels", "asl::graph::layout_labels (every edge label placed clear of the others)", &mut || {
            let routes = asl::graph::drawn_routes(black_box(&graph), &layout);
            consume(asl::graph::layout_labels(&graph, &layout, &routes, true));
        });
    }
    report
}

/// Runs `work` [`WARM_UP_RUNS`] times untimed, then `runs` times timed; returns the samples.
fn sample(runs: usize, clock: &dyn Fn() -> f64, work: &mut dyn FnMut()) -> Vec<f64> {
    for _ in 0..WARM_UP_RUNS {
        work();
    }
    (0..runs)
        .map(|_| {
            let started = clock();
            work();
            clock() - started
        })
        .collect()
}

/// Keeps the optimiser from discarding `result`, and drops it.
fn consume<T>(result: T) {
    drop(black_box(result));
}

impl Report {
    /// The measurement with this id (`5000/parse_validate`).
    pub fn get(&self, id: &str) -> Option<&Measurement> {
        self.measurements.iter().find(|measurement| measurement.id == id)
    }

    /// A plain-text table: one line per step, median, p95 and minimum in milliseconds.
    pub fn to_text(&self) -> String {
        let mut out = format!("ASL benchmarks ({}), {} timed runs per step\n", self.environment, self.runs);
        for input in &self.inputs {
            out.push_str(&format!(
                "  input {:<12} {} states, {} bytes of {} JSON; graph of {} nodes, {} edges, {} groups; {} lint warnings\n",
                input.key,
                input.states,
                input.bytes,
                if input.pretty { "pretty-printed" } else { "minified" },
                input.nodes,
                input.edges,
                input.groups,
                input.warnings
            ));
        }
        out.push_str(&format!("  {:<28} {:<50} {:>10} {:>10} {:>10}\n", "id", "step", "median ms", "p95 ms", "min ms"));
        for measurement in &self.measurements {
            out.push_str(&format!(
                "  {:<28} {:<50} {:>10.2} {:>10.2} {:>10.2}\n",
                measurement.id,
                measurement.label,
                measurement.median_ms(),
                measurement.p95_ms(),
                measurement.min_ms()
            ));
        }
        out
    }

    /// The report as JSON, with the summary figures and the raw samples.
    pub fn to_json(&self) -> Value {
        json!({
            "environment": self.environment,
            "runs": self.runs,
            "warm_up_runs": WARM_UP_RUNS,
            "inputs": self.inputs.iter().map(|input| json!({
                "key": input.key,
                "states": input.states,
                "pretty": input.pretty,
                "bytes": input.bytes,
                "nodes": input.nodes,
                "edges": input.edges,
                "groups": input.groups,
                "lint_warnings": input.warnings,
            })).collect::<Vec<_>>(),
            "measurements": self.measurements.iter().map(|measurement| json!({
                "id": measurement.id,
                "label": measurement.label,
                "median_ms": measurement.median_ms(),
                "p95_ms": measurement.p95_ms(),
                "min_ms": measurement.min_ms(),
                "samples_ms": measurement.samples_ms,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(samples: &[f64]) -> Measurement {
        Measurement { id: "x".into(), label: "x".into(), samples_ms: samples.to_vec() }
    }

    #[test]
    fn median_and_p95_by_nearest_rank() {
        let twenty: Vec<f64> = (1..=20).map(f64::from).rev().collect();
        assert_eq!(measurement(&twenty).median_ms(), 10.5);
        assert_eq!(measurement(&twenty).p95_ms(), 19.0);
        assert_eq!(measurement(&twenty).min_ms(), 1.0);
        assert_eq!(measurement(&[3.0, 1.0, 2.0]).median_ms(), 2.0);
        assert_eq!(measurement(&[3.0, 1.0, 2.0]).p95_ms(), 3.0);
    }
}

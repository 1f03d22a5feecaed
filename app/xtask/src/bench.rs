//! `cargo xtask bench`: the ASL benchmarks of issue 3, natively and in Chromium, side by side.
//!
//! 1. `cargo bench -p asl-bench` times parse + validate, lint, graph and layout natively.
//! 2. The same crate is compiled to wasm32 twice, as a cdylib: with the `release` profile
//!    (speed-optimised) and with `wasm-release` plus `wasm-opt -Oz`, the size-optimised way the
//!    app's bundle is built, so the figures say what the designer will see.
//! 3. `end2end/bench/asl-bench.mjs` serves both from a throwaway local server and runs them in
//!    Debian's Chromium through Playwright.
//! 4. The figures are printed side by side, with the goals, as Markdown for BENCHMARKS.md.
//!
//! Benchmarks print figures and never fail on them; they are not part of `cargo xtask test`.

use std::{fs, path::Path, process::Command};

use anyhow::Context;
use serde_json::Value;

use crate::{
    build::{self, Workspace, cargo},
    step::{run, step},
    tools::{CHROMIUM, WASM_TARGET},
};

/// Timed runs per step unless `--runs` says otherwise.
pub const DEFAULT_RUNS: usize = 30;

/// The fewest timed runs the benchmarks accept (`asl_bench::measure::MIN_RUNS`).
pub const MIN_RUNS: usize = 20;

/// The goal for native parse + validate of the 5,000-state definition, in milliseconds.
const PARSE_GOAL_MS: f64 = 20.0;

/// The goal for laying out 500 states in the browser, in milliseconds.
const LAYOUT_GOAL_MS: f64 = 100.0;

/// A wasm build of the benchmarks: its name, cargo profile, and whether wasm-opt runs on it.
struct Variant {
    name: &'static str,
    profile: &'static str,
    optimise: bool,
    description: &'static str,
}

const VARIANTS: [Variant; 2] = [
    Variant {
        name: "wasm-release",
        profile: "release",
        optimise: false,
        description: "wasm, `release` profile (opt-level 3)",
    },
    Variant {
        name: "wasm-shipped",
        profile: "wasm-release",
        optimise: true,
        description: "wasm as the app ships (`wasm-release`, opt-level z, + wasm-opt -Oz)",
    },
];

/// Runs the native and the browser benchmarks (`runs` timed runs per step, at least
/// [`MIN_RUNS`]) and prints the comparison.
pub fn run_benchmarks(workspace: &Workspace, runs: usize) -> anyhow::Result<()> {
    let out = workspace.target_dir().join("asl-bench");
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let native_json = out.join("native.json");
    let wasm_json = out.join("wasm.json");
    let load_before = load_average();

    step("running the native benchmarks (cargo bench -p asl-bench)", || {
        run(Command::new(cargo())
            .current_dir(workspace.root())
            .args(["bench", "--package", "asl-bench", "--bench", "asl", "--"])
            .args(["--runs".to_string(), runs.to_string(), "--json".to_string(), native_json.display().to_string()]))
    })?;

    let mut served = Vec::new();
    for variant in &VARIANTS {
        let dir = out.join(variant.name);
        step(&format!("building the wasm benchmarks ({})", variant.description), || {
            build_wasm(workspace, variant, &dir)
        })?;
        served.push(format!("{}={}", variant.name, dir.display()));
    }

    step("running the wasm benchmarks in Chromium (Playwright)", || {
        let script = workspace.end2end_dir().join("bench/asl-bench.mjs");
        run(Command::new("node")
            .arg(&script)
            .args(["--runs", &runs.to_string(), "--json"])
            .arg(&wasm_json)
            .args(&served)
            .current_dir(workspace.end2end_dir())
            .env("CHROMIUM_PATH", CHROMIUM))
    })?;

    let native = read_json(&native_json)?;
    let wasm = read_json(&wasm_json)?;
    println!("\nMachine: {}", machine());
    println!("Load average (1, 5, 15 min): {load_before} before, {} after", load_average());
    println!("{}", comparison(&native, &wasm)?);
    eprintln!("    raw samples: {} and {}", native_json.display(), wasm_json.display());
    Ok(())
}

/// Compiles the benchmarks for wasm32 with the variant's profile and runs wasm-bindgen (and
/// wasm-opt) into `dir`.
fn build_wasm(workspace: &Workspace, variant: &Variant, dir: &Path) -> anyhow::Result<()> {
    run(Command::new(cargo()).current_dir(workspace.root()).args([
        "build",
        "--package",
        "asl-bench",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        variant.profile,
    ]))?;
    let compiled = workspace.target_dir().join(WASM_TARGET).join(variant.profile).join("asl_bench.wasm");
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let wasm = build::bindgen(&compiled, dir, "asl_bench")?;
    if variant.optimise {
        build::optimise_wasm(workspace, &wasm)?;
    }
    let size = fs::metadata(&wasm).with_context(|| format!("reading {}", wasm.display()))?.len();
    eprintln!("    {}: {} KiB", wasm.display(), size / 1024);
    Ok(())
}

/// The processor's model name and the number of cores this process may use.
pub fn machine() -> String {
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown processor".to_string());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{model}, {cores} cores available")
}

/// The load averages from `/proc/loadavg`: other work on the machine skews the figures.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The median and p95 of a measurement in a report, in milliseconds.
fn figures(report: &Value, id: &str) -> Option<(f64, f64)> {
    let measurement = measurement(report, id)?;
    Some((measurement["median_ms"].as_f64()?, measurement["p95_ms"].as_f64()?))
}

fn measurement<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["measurements"].as_array()?.iter().find(|measurement| measurement["id"] == id)
}

/// `median / p95 / min` of a measurement, or a dash.
fn cell(report: &Value, id: &str) -> String {
    let min = measurement(report, id).and_then(|measurement| measurement["min_ms"].as_f64());
    match (figures(report, id), min) {
        (Some((median, p95)), Some(min)) => format!("{median:.2} / {p95:.2} / {min:.2}"),
        _ => "–".to_string(),
    }
}

/// Whether a goal is met, judged on the median and on the 95th percentile.
fn verdict(figures: Option<(f64, f64)>, goal_ms: f64) -> String {
    match figures {
        Some((median, p95)) if p95 <= goal_ms => format!("met (median {median:.2} ms, p95 {p95:.2} ms ≤ {goal_ms} ms)"),
        Some((median, p95)) if median <= goal_ms => {
            format!("met at the median ({median:.2} ms) but not at p95 ({p95:.2} ms > {goal_ms} ms)")
        }
        Some((median, _)) => format!("NOT met (median {median:.2} ms > {goal_ms} ms, {:.1}×)", median / goal_ms),
        None => "not measured".to_string(),
    }
}

/// The Markdown comparison: inputs, one row per measurement, and the goals.
fn comparison(native: &Value, wasm: &Value) -> anyhow::Result<String> {
    let variants = wasm["variants"].as_array().context("the wasm report has no variants")?;
    let mut out = String::new();
    out.push_str(&format!("Native: {}\n", native["environment"].as_str().unwrap_or("?")));
    for variant in variants {
        out.push_str(&format!("Wasm: {}\n", variant["environment"].as_str().unwrap_or("?")));
    }
    out.push_str(&format!(
        "Timed runs per step: {} (after {} warm-up runs)\n\n",
        native["runs"], native["warm_up_runs"]
    ));

    out.push_str(
        "| input | states | bytes | form | graph nodes / edges / groups |\n| --- | ---: | ---: | --- | --- |\n",
    );
    for input in native["inputs"].as_array().context("the native report has no inputs")? {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} / {} / {} |\n",
            input["key"].as_str().unwrap_or("?"),
            input["states"],
            input["bytes"],
            if input["pretty"].as_bool() == Some(true) { "pretty-printed" } else { "minified" },
            input["nodes"],
            input["edges"],
            input["groups"],
        ));
    }

    out.push_str("\nmedian / p95 / min, milliseconds\n\n| measurement | step | native |");
    for variant in variants {
        out.push_str(&format!(" {} |", variant["name"].as_str().unwrap_or("?")));
    }
    out.push_str("\n| --- | --- | ---: |");
    for _ in variants {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for measurement in native["measurements"].as_array().context("the native report has no measurements")? {
        let id = measurement["id"].as_str().unwrap_or("?");
        out.push_str(&format!("| `{id}` | {} | {} |", measurement["label"].as_str().unwrap_or("?"), cell(native, id)));
        for variant in variants {
            out.push_str(&format!(" {} |", cell(variant, id)));
        }
        out.push('\n');
    }

    out.push_str(&format!(
        "\nGoal: native parse + validate of 5,000 states (~1 MB) ≤ {PARSE_GOAL_MS} ms: {}\n",
        verdict(figures(native, "5000/parse_validate"), PARSE_GOAL_MS)
    ));
    for variant in variants {
        out.push_str(&format!(
            "Goal: layout of 500 states ≤ {LAYOUT_GOAL_MS} ms in the browser ({}): {}\n",
            variant["name"].as_str().unwrap_or("?"),
            verdict(figures(variant, "500/layout"), LAYOUT_GOAL_MS)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_judge_the_median_and_the_p95() {
        assert!(verdict(Some((10.0, 19.0)), 20.0).starts_with("met ("));
        assert!(verdict(Some((10.0, 21.0)), 20.0).starts_with("met at the median"));
        assert!(verdict(Some((30.0, 31.0)), 20.0).starts_with("NOT met"));
        assert_eq!(verdict(None, 20.0), "not measured");
    }
}

//! `cargo xtask bench-designer`: the designer's figures of issue 7 in Chromium.
//!
//! Builds the release site and server (the wasm bundle exactly as shipped), starts the server
//! on a free loopback port with a fresh data folder, and runs `end2end/bench/designer-bench.mjs`:
//! a generated definition of N states (default 500) is opened through the file input, and the
//! script prints open → graph drawn, the layout's own time, and the drag frame time. It also
//! prints the shipped wasm's sizes (the designer's bundle and the other pages'), raw and as sent
//! gzipped (the build's precompressed copies), beside the 600 KB budget. Then
//! `end2end/bench/page-load-bench.mjs` times the designer's first load over two throttled links,
//! gzipped as sent and uncompressed.
//!
//! A benchmark prints figures and never fails on them; it is not part of `cargo xtask test`.

use std::process::Command;

use anyhow::Context;

use crate::{
    bench::{load_average, machine},
    build::{self, Profile, Workspace},
    e2e::{RunningServer, fresh_data_dir},
    step::{run, step},
    tools::CHROMIUM,
};

/// Runs the benchmark with `runs` openings (and drags) of a definition of `states` states.
pub fn run_designer_benchmarks(workspace: &Workspace, runs: usize, states: usize) -> anyhow::Result<()> {
    let server = build::build_all(workspace, Profile::Release)?;
    println!("Machine: {}", machine());
    println!("Load average (1, 5, 15 min) before: {}", load_average());
    let mut designer_total = 0;
    for (page, name) in [
        ("/designer", build::DESIGNER_OUTPUT_NAME),
        ("/designer's simulator, on its first run", build::SIMULATOR_OUTPUT_NAME),
        ("the other pages", build::OUTPUT_NAME),
    ] {
        let wasm = workspace.site_dir(Profile::Release).join("pkg").join(format!("{name}_bg.wasm"));
        let bytes = std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
        let gzipped = build::shipped_size(&wasm)?;
        if name != build::OUTPUT_NAME {
            designer_total += gzipped;
        }
        println!(
            "Shipped wasm for {page} ({name}): {} KiB, {} KiB gzipped (budget: 600 KB gzipped, {})",
            bytes.len() / 1024,
            gzipped / 1024,
            if gzipped <= 600 * 1000 { "met" } else { "NOT met" }
        );
    }
    println!(
        "Shipped wasm for /designer with its simulator loaded: {} KiB gzipped (budget: 600 KB gzipped, {})",
        designer_total / 1024,
        if designer_total <= 600 * 1000 { "met" } else { "NOT met" }
    );

    let data_dir = fresh_data_dir()?;
    let log_path = data_dir.with_extension("log");
    let mut running = RunningServer::start(&server, &data_dir, &log_path)?;
    let result = step(&format!("designer-bench.mjs: {states} states, {runs} runs"), || {
        run(Command::new("node")
            .current_dir(workspace.end2end_dir())
            .arg("bench/designer-bench.mjs")
            .args(["--base-url", &running.base_url, "--runs", &runs.to_string(), "--states", &states.to_string()])
            .env("CHROMIUM_PATH", CHROMIUM))
    })
    .and_then(|()| {
        step("page-load-bench.mjs: the designer's first load over throttled links", || {
            run(Command::new("node")
                .current_dir(workspace.end2end_dir())
                .arg("bench/page-load-bench.mjs")
                .args(["--base-url", &running.base_url, "--runs", "5"])
                .env("CHROMIUM_PATH", CHROMIUM))
        })
    });
    println!("Load average (1, 5, 15 min) after: {}", load_average());
    running.stop().ok();
    std::fs::remove_dir_all(&data_dir).ok();
    result
}

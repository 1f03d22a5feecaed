//! `cargo xtask bench-views`: the execution views over a large database (issue 9).
//!
//! Runs `server/examples/bench_views.rs` in release: it seeds N executions (100,000 by
//! default) with their histories into a fresh database through the real migrations, then
//! times the executions list's first page unfiltered and filtered (status, name, date range,
//! one state machine, a deep page) and a state machine's actual cost per day (the first view,
//! which counts every history once, and later ones). It prints figures and never fails on them.

use std::process::Command;

use crate::{
    bench::{load_average, machine},
    build::{Workspace, cargo},
    step::{run, step},
};

/// Runs the benchmark over `executions` seeded executions.
pub fn run_views_benchmarks(workspace: &Workspace, executions: usize) -> anyhow::Result<()> {
    println!("Machine: {}", machine());
    println!("Load average (1, 5, 15 min) before: {}", load_average());
    step("the execution views over a seeded database (server/examples/bench_views.rs)", || {
        run(Command::new(cargo())
            .current_dir(workspace.root())
            .args(["run", "--quiet", "--release", "--package", "server", "--example", "bench_views", "--"])
            .args(["--executions", &executions.to_string()]))
    })?;
    println!("Load average (1, 5, 15 min) after: {}", load_average());
    Ok(())
}

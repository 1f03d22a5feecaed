//! Benchmarks of the `asl` crate (issue 3): parse + validate, lint, graph and layout of large
//! generated definitions, natively (`cargo bench -p asl-bench`) and in Chromium (`cargo xtask bench`).
//!
//! - [`generate`]: deterministic, valid, realistic definitions of any number of states.
//! - [`measure`]: the timed steps, their medians and 95th percentiles, as text or JSON.
//!
//! Compiled to `wasm32-unknown-unknown`, the crate exports `run_benchmarks(runs)` to JavaScript,
//! which runs the same measurements with `performance.now()` as the clock.
//!
//! Benchmarks print figures; nothing here asserts on time.

pub mod generate;
pub mod measure;

#[cfg(target_arch = "wasm32")]
mod wasm;

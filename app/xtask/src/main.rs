//! `cargo xtask`: Statehouse's build driver, in Rust so it needs nothing but cargo.
//!
//! - `cargo xtask run [-- ARGS]` installs what is missing, builds a release and serves it.
//! - `cargo xtask test` installs what is missing, then checks formatting and lints and runs
//!   every test: the Rust tests and the browser tests against a freshly started server.
//! - `cargo xtask build [--release]` builds the browser bundle and the server.
//! - `cargo xtask setup [--browser]` only installs the tools.
//! - `cargo xtask bench [--runs N]` runs the ASL benchmarks natively and in Chromium.
//! - `cargo xtask bench-engine [--runs N] [--parked N]` runs the engine benchmarks beside
//!   aws-local-stepfunctions.
//! - `cargo xtask bench-api [--executions N] [--sync-calls N] [--rounds N]` runs the Step
//!   Functions API benchmarks beside moto.
//! - `cargo xtask bench-views [--executions N]` times the execution views' queries over N
//!   seeded executions.

mod bench;
mod bench_api;
mod bench_designer;
mod bench_engine;
mod bench_views;
mod build;
mod e2e;
mod step;
mod tools;

use anyhow::{Context, bail};

use crate::build::Profile;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [-- ARGS]       install what is missing, build a release and run `statehouse ARGS`
  test                install what is missing, check format and lints, run every test
  build [--release]   build the browser bundle and the server (debug unless --release)
  bundle              build only the browser bundle (target/debug/site) and print its sizes
  setup [--browser]   install the wasm32 target and npm packages (and Chromium with --browser)
  bench [--runs N]    ASL benchmarks (parse, validate, lint, graph, layout), native and in
                      Chromium, N timed runs per step (default 30, at least 20)
  bench-engine [--runs N] [--parked N]
                      engine throughput (N Pass-chain executions, default 5000) and the
                      memory of N parked executions (default 100000), beside
                      aws-local-stepfunctions on Node 22
  bench-designer [--runs N] [--states N]
                      The designer in Chromium: a generated N-state definition (default 500)
                      opened, laid out and dragged, N runs (default 10); the shipped wasm's size
  bench-api [--executions N] [--sync-calls N] [--rounds N]
                      Step Functions API throughput with boto3 (N Pass-chain executions,
                      default 1000, 8 threads) beside moto, then with the Rust load generator
                      (the median of N rounds per server, default 5, alternating), and
                      StartSyncExecution latency (N calls, default 2000)
  bench-views [--executions N]
                      The executions list's pages and filters and the actual cost per day
                      over N seeded executions (default 100000)
";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let workspace = build::Workspace::locate().context("locating the workspace")?;
    match command.as_str() {
        "run" => {
            let server_args = match rest.first().map(String::as_str) {
                Some("--") => &rest[1..],
                _ => &rest[..],
            };
            tools::ensure_build_tools(&workspace)?;
            let server = build::build_all(&workspace, Profile::Release)?;
            step::exec_server(&server, server_args)
        }
        "test" => {
            expect_no_args(&command, &rest)?;
            tools::ensure_build_tools(&workspace)?;
            tools::ensure_browser()?;
            tools::ensure_python_venv()?;
            build::check_format_and_lints(&workspace)?;
            // `cargo test` also builds target/debug/statehouse (the integration tests run it);
            // the browser tests use that binary rather than rebuilding it with other features.
            let server = build::run_rust_tests(&workspace)?;
            build::build_site(&workspace, Profile::Debug)?;
            e2e::run_browser_tests(&workspace, &server)
        }
        "build" => {
            let profile = match rest.as_slice() {
                [] => Profile::Debug,
                [flag] if flag == "--release" => Profile::Release,
                _ => bail!("`build` takes only --release, not {rest:?}\n\n{USAGE}"),
            };
            tools::ensure_build_tools(&workspace)?;
            build::build_all(&workspace, profile)?;
            Ok(())
        }
        "bundle" => {
            expect_no_args(&command, &rest)?;
            tools::ensure_build_tools(&workspace)?;
            build::build_site(&workspace, Profile::Debug)
        }
        "setup" => {
            tools::ensure_build_tools(&workspace)?;
            match rest.as_slice() {
                [] => Ok(()),
                [flag] if flag == "--browser" => tools::ensure_browser(),
                _ => bail!("`setup` takes only --browser, not {rest:?}\n\n{USAGE}"),
            }
        }
        "bench" => {
            let runs = match rest.as_slice() {
                [] => bench::DEFAULT_RUNS,
                [flag, runs] if flag == "--runs" => {
                    runs.parse().with_context(|| format!("--runs takes a number, not {runs:?}"))?
                }
                _ => bail!("`bench` takes only --runs N, not {rest:?}\n\n{USAGE}"),
            };
            if runs < bench::MIN_RUNS {
                bail!("`bench` needs at least {} runs, not {runs}", bench::MIN_RUNS);
            }
            tools::ensure_build_tools(&workspace)?;
            tools::ensure_browser()?;
            bench::run_benchmarks(&workspace, runs)
        }
        "bench-engine" => {
            let mut runs = 5_000;
            let mut parked = 100_000;
            number_flags(&command, &rest, &mut [("--runs", &mut runs), ("--parked", &mut parked)])?;
            tools::ensure_build_tools(&workspace)?;
            bench_engine::run_engine_benchmarks(&workspace, runs, parked)
        }
        "bench-api" => {
            let mut executions = 1_000;
            let mut sync_calls = 2_000;
            let mut rounds = 5;
            number_flags(
                &command,
                &rest,
                &mut [("--executions", &mut executions), ("--sync-calls", &mut sync_calls), ("--rounds", &mut rounds)],
            )?;
            tools::ensure_build_tools(&workspace)?;
            bench_api::run_api_benchmarks(&workspace, executions, sync_calls, rounds)
        }
        "bench-views" => {
            let mut executions = 100_000;
            number_flags(&command, &rest, &mut [("--executions", &mut executions)])?;
            bench_views::run_views_benchmarks(&workspace, executions)
        }
        "bench-designer" => {
            let mut runs = 10;
            let mut states = 500;
            number_flags(&command, &rest, &mut [("--runs", &mut runs), ("--states", &mut states)])?;
            tools::ensure_build_tools(&workspace)?;
            tools::ensure_browser()?;
            bench_designer::run_designer_benchmarks(&workspace, runs, states)
        }
        "" | "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

/// Reads `--flag N` pairs into the numbers `flags` name; anything else is an error.
fn number_flags(command: &str, rest: &[String], flags: &mut [(&str, &mut usize)]) -> anyhow::Result<()> {
    let mut arguments = rest.iter();
    while let Some(flag) = arguments.next() {
        let value = arguments.next().with_context(|| format!("{flag} takes a number"))?;
        let number: usize = value.parse().with_context(|| format!("{flag} takes a number, not {value:?}"))?;
        match flags.iter_mut().find(|(name, _)| name == flag) {
            Some((_, slot)) => **slot = number,
            None => {
                let known: Vec<String> = flags.iter().map(|(name, _)| format!("{name} N")).collect();
                bail!("`{command}` takes {}, not {flag:?}\n\n{USAGE}", known.join(" and "))
            }
        }
    }
    Ok(())
}

fn expect_no_args(command: &str, rest: &[String]) -> anyhow::Result<()> {
    if rest.is_empty() { Ok(()) } else { bail!("`{command}` takes no arguments, not {rest:?}\n\n{USAGE}") }
}

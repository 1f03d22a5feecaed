//! Engine throughput and memory, printed as a table: transitions per second for a 5-state
//! Pass chain and a Choice loop, as Standard (SQLite, durable) and Express (in memory)
//! executions, and the resident memory of executions parked on a Wait and on a callback.
//! `cargo xtask bench-engine` runs it beside aws-local-stepfunctions; see BENCHMARKS.md.

use std::time::Instant;

/// The allocator the trial measures (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use serde_json::{Value, json};
use server::engine::{Engine, EngineSettings, ExecutionType, StartRequest, decide::Status};

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:bench";

fn pass_chain() -> Value {
    json!({"StartAt": "S1", "States": {
        "S1": {"Type": "Pass", "Next": "S2"},
        "S2": {"Type": "Pass", "Result": {"step": 2}, "ResultPath": "$.two", "Next": "S3"},
        "S3": {"Type": "Pass", "Next": "S4"},
        "S4": {"Type": "Pass", "Parameters": {"two.$": "$.two"}, "Next": "S5"},
        "S5": {"Type": "Pass", "End": true}
    }})
}

/// One Pass state: what an execution costs apart from its states' work (the floor under
/// a Pass chain's per-execution cost).
fn single_pass() -> Value {
    json!({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}})
}

fn choice_loop(iterations: u64) -> Value {
    json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Result": {"i": 0}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": iterations, "Next": "Inc"}], "Default": "Done"},
        "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Loop"},
        "Done": {"Type": "Succeed"}
    }})
}

fn parked(callback: bool) -> Value {
    if callback {
        json!({"StartAt": "Approve", "States": {"Approve": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": true}}})
    } else {
        json!({"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 86400, "End": true}}})
    }
}

/// A start request; `definition` is the definition's text, printed once per workload as the
/// API keeps it stored (the peer, too, builds its state machine once).
fn request(definition: &str, name: String, kind: ExecutionType) -> StartRequest {
    StartRequest {
        state_machine_arn: MACHINE.into(),
        state_machine_name: "bench".into(),
        name,
        definition: definition.to_owned(),
        input: json!({"order": 1}),
        input_text: None,
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        kind,
        test_case: None,
        map_run_arn: None,
        item_count: None,
        qualifiers: Default::default(),
        skip_waits: false,
    }
}

async fn engine() -> (Engine, tempfile::TempDir) {
    engine_with(true).await
}

/// An engine over a fresh database; `express_history` says whether Express executions
/// record their history.
async fn engine_with(express_history: bool) -> (Engine, tempfile::TempDir) {
    let folder = tempfile::tempdir().expect("temp dir");
    let pool = server::db::open(folder.path()).await.expect("database");
    (Engine::new(pool, EngineSettings { express_history, ..EngineSettings::default() }), folder)
}

/// Runs `count` executions of `definition` one after the other; returns transitions/s.
async fn throughput(
    engine: &Engine,
    definition: &Value,
    kind: ExecutionType,
    count: usize,
    transitions_each: u64,
    label: &str,
) -> f64 {
    let definition = definition.to_string();
    let started = Instant::now();
    for index in 0..count {
        let status = engine.start(request(&definition, format!("{label}-{index}"), kind)).await.expect("start").status;
        assert!(matches!(status, Status::Succeeded { .. }), "{label}: {status:?}");
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = (count as u64 * transitions_each) as f64 / seconds;
    println!("{label:<42} {count:>7} executions  {:>9.1} ms  {:>12.0} transitions/s", seconds * 1000.0, rate);
    rate
}

/// Runs one execution of a Choice loop of `iterations` iterations `times` times (each run
/// printed) and returns the median rate: one loop takes tens of milliseconds, so a single run
/// moves by a third from run to run.
async fn loop_median(engine: &Engine, iterations: u64, kind: ExecutionType, times: usize, label: &str) -> f64 {
    let definition = choice_loop(iterations);
    let mut rates = Vec::with_capacity(times);
    for run in 1..=times.max(1) {
        rates.push(throughput(engine, &definition, kind, 1, 2 * iterations + 3, &format!("{label} #{run}")).await);
    }
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Runs `count` executions with `in_flight` of them started at a time; returns transitions/s.
async fn throughput_concurrent(
    engine: &Engine,
    definition: &Value,
    kind: ExecutionType,
    count: usize,
    in_flight: usize,
    transitions_each: u64,
    label: &str,
) -> f64 {
    let definition = definition.to_string();
    let started = Instant::now();
    let mut next = 0;
    let mut running = tokio::task::JoinSet::new();
    while next < count || !running.is_empty() {
        while next < count && running.len() < in_flight {
            let engine = engine.clone();
            let request = request(&definition, format!("{label}-{next}"), kind);
            running.spawn(async move { engine.start(request).await });
            next += 1;
        }
        if let Some(done) = running.join_next().await {
            let status = done.expect("task").expect("start").status;
            assert!(matches!(status, Status::Succeeded { .. }), "{label}: {status:?}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = (count as u64 * transitions_each) as f64 / seconds;
    println!("{label:<42} {count:>7} executions  {:>9.1} ms  {:>12.0} transitions/s", seconds * 1000.0, rate);
    rate
}

fn resident_megabytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kilobytes| kilobytes / 1024.0)
}

async fn parked_memory(count: usize, callback: bool) -> (f64, f64) {
    let (engine, _folder) = engine().await;
    let definition = parked(callback).to_string();
    let before = resident_megabytes();
    let started = Instant::now();
    for index in 0..count {
        let status = engine
            .start(request(&definition, format!("parked-{index}"), ExecutionType::Standard))
            .await
            .expect("start")
            .status;
        assert_eq!(status, Status::Running);
    }
    let seconds = started.elapsed().as_secs_f64();
    let after = resident_megabytes();
    let label = if callback { "waiting for a callback" } else { "waiting on a Wait state" };
    println!(
        "{count} Standard executions {label}: started in {seconds:.1} s, RSS {after:.0} MB (before {before:.0} MB)"
    );
    (after, seconds)
}

fn flag(arguments: &[String], name: &str, default: usize) -> usize {
    arguments
        .iter()
        .position(|argument| argument == name)
        .and_then(|index| arguments.get(index + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// `engine [--runs N] [--loop-runs M]` measures throughput (N Pass chains per kind, each Choice
/// loop M times, median); `engine --parked-wait N` and
/// `engine --parked-callback N` measure the memory of N parked executions (one kind per
/// process, so one figure does not include the other).
fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let arguments: Vec<String> = std::env::args().collect();
    for (mode, callback) in [("--parked-wait", false), ("--parked-callback", true)] {
        if arguments.iter().any(|argument| argument == mode) {
            let count = flag(&arguments, mode, 100_000);
            let (rss, _) = runtime.block_on(parked_memory(count, callback));
            println!(
                "RESULT {}",
                json!({ format!("parked_{}_rss_mb", if callback { "callback" } else { "wait" }): rss.round() })
            );
            return;
        }
    }
    let chain_runs = flag(&arguments, "--runs", 5_000);
    let loop_runs = flag(&arguments, "--loop-runs", 7);
    if let Some(position) = arguments.iter().position(|argument| argument == "--profile-express") {
        // A long run of one in-memory workload, for `perf record`: `chain` or `loop` without
        // history, `loop-history` with it.
        let workload = arguments.get(position + 1).map_or("chain", String::as_str);
        runtime.block_on(async {
            let (quiet, _folder) = engine_with(workload == "loop-history").await;
            match workload {
                "loop" | "loop-history" => {
                    for _ in 0..chain_runs {
                        throughput(&quiet, &choice_loop(10_000), ExecutionType::Express, 1, 20_003, "loop").await;
                    }
                }
                _ => {
                    throughput(&quiet, &pass_chain(), ExecutionType::Express, chain_runs, 5, "chain").await;
                }
            }
        });
        return;
    }
    if let Some(position) = arguments.iter().position(|argument| argument == "--profile-standard") {
        // A long run of Standard Pass chains, for `perf record`: `serial` or `parallel` (64 in flight).
        let parallel = arguments.get(position + 1).is_some_and(|mode| mode == "parallel");
        runtime.block_on(async {
            let (engine, _folder) = engine().await;
            let chain = pass_chain();
            if parallel {
                throughput_concurrent(&engine, &chain, ExecutionType::Standard, chain_runs, 64, 5, "chain").await;
            } else {
                throughput(&engine, &chain, ExecutionType::Standard, chain_runs, 5, "chain").await;
            }
        });
        return;
    }
    runtime.block_on(async {
        let (engine, _folder) = engine().await;
        println!(
            "engine benchmark: {chain_runs} Standard and {} Express pass-chain executions, each choice loop {loop_runs} times (median)",
            chain_runs * 10
        );
        let chain = pass_chain();
        // Warm up the definition cache and the database.
        throughput(&engine, &chain, ExecutionType::Standard, 50, 5, "warm-up").await;
        let standard_chain =
            throughput(&engine, &chain, ExecutionType::Standard, chain_runs, 5, "standard pass chain (5 states)").await;
        let standard_parallel = throughput_concurrent(
            &engine,
            &chain,
            ExecutionType::Standard,
            chain_runs,
            64,
            5,
            "standard pass chain, 64 in flight",
        )
        .await;
        let standard_single_parallel = throughput_concurrent(
            &engine,
            &single_pass(),
            ExecutionType::Standard,
            chain_runs,
            64,
            1,
            "standard single Pass state, 64 in flight",
        )
        .await;
        // An Express chain of `chain_runs` executions is over in tens of milliseconds and moved
        // by a factor of two between processes; ten times as many make it a steadier figure.
        let express_runs = chain_runs * 10;
        let express_chain =
            throughput(&engine, &chain, ExecutionType::Express, express_runs, 5, "express pass chain (5 states)").await;
        let (quiet, _quiet_folder) = engine_with(false).await;
        throughput(&quiet, &chain, ExecutionType::Express, 50, 5, "warm-up").await;
        let express_chain_quiet =
            throughput(&quiet, &chain, ExecutionType::Express, express_runs, 5, "express pass chain, no history").await;
        let express_single_quiet = throughput(
            &quiet,
            &single_pass(),
            ExecutionType::Express,
            express_runs,
            1,
            "express single Pass state, no history",
        )
        .await;
        // AWS caps a Standard history at 25,000 events: 6,000 iterations (24,008 events) fit.
        let standard_loop =
            loop_median(&engine, 6_000, ExecutionType::Standard, loop_runs, "standard choice loop (6,000 it.)").await;
        let express_loop =
            loop_median(&engine, 10_000, ExecutionType::Express, loop_runs, "express choice loop (10,000 it.)").await;
        // The runs above start with no loop's history kept; from the seventh on, each loop's
        // 40,006 events push out older histories (the engine keeps 250,000 events of finished
        // Express executions). Three more runs, then seven measured: a long-running server's
        // steady state.
        for _ in 0..3 {
            throughput(&engine, &choice_loop(10_000), ExecutionType::Express, 1, 20_003, "express loop warm-up").await;
        }
        let express_loop_steady = loop_median(
            &engine,
            10_000,
            ExecutionType::Express,
            loop_runs,
            "express choice loop, history, steady state",
        )
        .await;
        let express_loop_quiet =
            loop_median(&quiet, 10_000, ExecutionType::Express, loop_runs, "express choice loop, no history").await;
        println!(
            "RESULT {}",
            json!({
                "standard_pass_chain_tps": standard_chain.round(),
                "standard_pass_chain_64_in_flight_tps": standard_parallel.round(),
                "standard_single_pass_64_in_flight_executions_per_s": standard_single_parallel.round(),
                "express_pass_chain_tps": express_chain.round(),
                "standard_choice_loop_tps": standard_loop.round(),
                "express_choice_loop_tps": express_loop.round(),
                "express_choice_loop_steady_state_tps": express_loop_steady.round(),
                "express_pass_chain_no_history_tps": express_chain_quiet.round(),
                "express_single_pass_no_history_executions_per_s": express_single_quiet.round(),
                "express_choice_loop_no_history_tps": express_loop_quiet.round(),
            })
        );
    });
}

//! A Rust load generator for the Step Functions API, so the servers' own speed shows rather
//! than a Python client's: for each `--target NAME=URL` it runs `--executions` Standard
//! executions of a 5-state Pass chain, `--concurrency` at a time (StartExecution, then
//! DescribeExecution until SUCCEEDED), and for `--sync NAME` it times `--sync-calls`
//! StartSyncExecution calls one after the other on one kept-alive connection (p50, p99).
//! `--rounds N` repeats the throughput runs, alternating targets, and reports each target's
//! median round.
//! `cargo xtask bench-api` runs it against Statehouse and moto.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/bench";

fn pass_chain() -> String {
    json!({"StartAt": "S1", "States": {
        "S1": {"Type": "Pass", "Next": "S2"},
        "S2": {"Type": "Pass", "Result": {"step": 2}, "ResultPath": "$.two", "Next": "S3"},
        "S3": {"Type": "Pass", "Next": "S4"},
        "S4": {"Type": "Pass", "Parameters": {"two.$": "$.two"}, "Next": "S5"},
        "S5": {"Type": "Pass", "End": true}
    }})
    .to_string()
}

/// One JSON 1.0 call. The Authorization header is a placeholder: neither server checks it
/// here (Statehouse runs without access keys; moto does not verify signatures).
/// Requests sent, so a run can report how many calls an execution took.
static CALLS: AtomicUsize = AtomicUsize::new(0);

async fn call(client: &reqwest::Client, url: &str, operation: &str, body: &Value) -> Result<Value, String> {
    CALLS.fetch_add(1, Ordering::Relaxed);
    let response = client
        .post(url)
        .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|error| format!("{operation}: {error}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|error| format!("{operation}: {error}"))?;
    if !status.is_success() {
        return Err(format!("{operation}: HTTP {status}: {}", text.chars().take(300).collect::<String>()));
    }
    serde_json::from_str(&text).map_err(|error| format!("{operation}: {error}: {text}"))
}

async fn create(client: &reqwest::Client, url: &str, name: &str, kind: &str) -> Result<String, String> {
    let created = call(
        client,
        url,
        "CreateStateMachine",
        &json!({"name": name, "definition": pass_chain(), "roleArn": ROLE, "type": kind}),
    )
    .await?;
    created["stateMachineArn"].as_str().map(str::to_string).ok_or_else(|| format!("no ARN in {created}"))
}

/// One execution, named `name` (moto names unnamed executions "None", so every run is named).
async fn one_execution(client: &reqwest::Client, url: &str, machine: &str, name: &str) -> Result<(), String> {
    let request = json!({"stateMachineArn": machine, "name": name, "input": "{\"order\": 1}"});
    let started = call(client, url, "StartExecution", &request).await?;
    let arn = started["executionArn"].as_str().ok_or("no execution ARN")?.to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let described = call(client, url, "DescribeExecution", &json!({"executionArn": arn})).await?;
        match described["status"].as_str() {
            Some("SUCCEEDED") => return Ok(()),
            Some("RUNNING") if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(2)).await,
            other => return Err(format!("{arn} ended {other:?}")),
        }
    }
}

async fn throughput(name: &str, url: &str, executions: usize, concurrency: usize) -> Result<f64, String> {
    let client = reqwest::Client::new();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |time| time.as_millis());
    let machine = create(&client, url, &format!("load-{stamp}"), "STANDARD").await?;
    for index in 0..8 {
        one_execution(&client, url, &machine, &format!("warm-{index}")).await?;
    }
    let calls_before = CALLS.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < executions || !running.is_empty() {
        while next < executions && running.len() < concurrency {
            let (client, url, machine) = (client.clone(), url.to_string(), machine.clone());
            let name = format!("run-{next}");
            running.spawn(async move { one_execution(&client, &url, &machine, &name).await });
            next += 1;
        }
        if let Some(done) = running.join_next().await {
            done.map_err(|error| error.to_string())??;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = executions as f64 / seconds;
    let calls = (CALLS.load(Ordering::Relaxed) - calls_before) as f64 / executions as f64;
    println!(
        "{name:<12} {executions:>6} executions, {concurrency} at a time: {seconds:>7.2} s  {rate:>9.1} executions/s  {:>10.0} transitions/s  {calls:.2} calls each",
        rate * 5.0
    );
    Ok(rate)
}

async fn sync_latency(url: &str, calls: usize) -> Result<(f64, f64), String> {
    let client = reqwest::Client::new();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |time| time.as_millis());
    let machine = create(&client, url, &format!("sync-{stamp}"), "EXPRESS").await?;
    let request = json!({"stateMachineArn": machine, "input": "{\"order\": 1}"});
    for _ in 0..50 {
        call(&client, url, "StartSyncExecution", &request).await?;
    }
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let response = call(&client, url, "StartSyncExecution", &request).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        if response["status"] != "SUCCEEDED" {
            return Err(format!("StartSyncExecution answered {response}"));
        }
    }
    samples.sort_by(f64::total_cmp);
    let at = |quantile: f64| samples[((samples.len() as f64 - 1.0) * quantile).round() as usize];
    Ok((at(0.5), at(0.99)))
}

fn main() -> Result<(), String> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let mut targets = Vec::new();
    let mut sync_targets = Vec::new();
    let mut executions = 2_000;
    let mut concurrency = 32;
    let mut sync_calls = 2_000;
    let mut rounds = 1;
    let mut pairs = arguments.iter().filter(|argument| *argument != "--bench");
    while let Some(flag) = pairs.next() {
        let value = pairs.next().ok_or(format!("{flag} takes a value"))?;
        match flag.as_str() {
            "--target" => {
                let (name, url) = value.split_once('=').ok_or("--target takes NAME=URL")?;
                targets.push((name.to_string(), url.to_string()));
            }
            "--sync" => sync_targets.push(value.clone()),
            "--executions" => executions = value.parse().map_err(|_| "--executions takes a number")?,
            "--concurrency" => concurrency = value.parse().map_err(|_| "--concurrency takes a number")?,
            "--sync-calls" => sync_calls = value.parse().map_err(|_| "--sync-calls takes a number")?,
            "--rounds" => rounds = value.parse().map_err(|_| "--rounds takes a number")?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if targets.is_empty() {
        println!("api_load: no --target NAME=URL given; `cargo xtask bench-api` passes them");
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut result = serde_json::Map::new();
        // Rounds alternate between the targets, so a slow spell of the machine falls on both;
        // each target's median round counts.
        let mut rates = vec![Vec::new(); targets.len()];
        for _ in 0..rounds.max(1) {
            for ((name, url), rates) in targets.iter().zip(&mut rates) {
                rates.push(throughput(name, url, executions, concurrency).await?);
            }
        }
        for ((name, _), mut rates) in targets.iter().zip(rates) {
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            if rates.len() > 1 {
                let all: Vec<String> = rates.iter().map(|rate| format!("{rate:.1}")).collect();
                println!("{name:<12} median of {} rounds: {median:.1} executions/s ({})", rates.len(), all.join(", "));
            }
            result.insert(format!("{name}_executions_per_second"), json!((median * 10.0).round() / 10.0));
        }
        for name in &sync_targets {
            let Some((_, url)) = targets.iter().find(|(target, _)| target == name) else { continue };
            let (p50, p99) = sync_latency(url, sync_calls).await?;
            println!(
                "{name:<12} StartSyncExecution, {sync_calls} calls one at a time: p50 {p50:.3} ms, p99 {p99:.3} ms"
            );
            result.insert(format!("{name}_sync_p50_ms"), json!((p50 * 1000.0).round() / 1000.0));
            result.insert(format!("{name}_sync_p99_ms"), json!((p99 * 1000.0).round() / 1000.0));
        }
        println!("RESULT {}", Value::Object(result));
        Ok(())
    })
}

//! A Rust load generator for the Step Functions API, so the servers' own speed shows rather
//! than a Python client's: for each `--target NAME=URL` it runs `--executions` Standard
//! executions of a 5-state Pass chain (more when a round is shorter than `--min-seconds`),
//! `--concurrency` at a time (StartExecution, then
//! DescribeExecution until SUCCEEDED), and for `--sync NAME` it times `--sync-calls`
//! StartSyncExecution calls one after the other on one kept-alive connection (p50, p99).
//! `--rounds N` repeats the throughput runs, alternating targets, and reports each target's
//! median round. `--pid NAME=PID` names a target's server process, whose CPU time per
//! execution is then read from `/proc` and printed beside the generator's own.
//! The client is hyper's connection-level HTTP/1.1 on one thread, a kept-alive connection
//! per execution in flight, so it takes as little as it can of the cores the server needs.
//! `cargo xtask bench-api` runs it against Statehouse and moto.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper_util::rt::TokioIo;
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

/// Requests sent, so a run can report how many calls an execution took.
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Microseconds spent waiting for StartExecution's and for DescribeExecution's answers, so a
/// run shows where an execution's time goes.
static START_MICROS: AtomicUsize = AtomicUsize::new(0);
static DESCRIBE_MICROS: AtomicUsize = AtomicUsize::new(0);
static DESCRIBES: AtomicUsize = AtomicUsize::new(0);

/// The placeholder signature: neither server checks it here (Statehouse runs without access
/// keys; moto does not verify signatures).
const AUTHORIZATION_VALUE: &str =
    "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0";

/// One kept-alive HTTP/1.1 connection to a target, reopened when the server closes it.
struct Client {
    /// `host:port`, for connecting and for the Host header.
    address: String,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    /// A client for a base URL such as `http://127.0.0.1:3000/`; it connects on first use.
    fn new(url: &str) -> Result<Client, String> {
        let address = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: only http:// targets are supported"))?
            .trim_end_matches('/')
            .to_string();
        let host = HeaderValue::from_str(&address).map_err(|error| format!("{url}: {error}"))?;
        Ok(Client { address, host, sender: None })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = tokio::net::TcpStream::connect(&self.address)
            .await
            .map_err(|error| format!("connecting to {}: {error}", self.address))?;
        stream.set_nodelay(true).map_err(|error| error.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| format!("{}: {error}", self.address))?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// One JSON 1.0 call. A request that the connection could not send because the server
    /// had closed it is sent again on a new connection; any other failure is an error.
    async fn call(&mut self, operation: &'static str, body: &Value) -> Result<Value, String> {
        CALLS.fetch_add(1, Ordering::Relaxed);
        let body = Bytes::from(body.to_string());
        let target = HeaderValue::from_str(&format!("AWSStepFunctions.{operation}")).map_err(|e| e.to_string())?;
        for attempt in 0..2 {
            let mut sender = match self.sender.take() {
                Some(sender) if !sender.is_closed() => sender,
                _ => self.connect().await?,
            };
            if sender.ready().await.is_err() {
                continue;
            }
            let request = hyper::Request::post("/")
                .header(HOST, self.host.clone())
                .header("X-Amz-Target", target.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"))
                .header(AUTHORIZATION, HeaderValue::from_static(AUTHORIZATION_VALUE))
                .body(Full::new(body.clone()))
                .map_err(|error| error.to_string())?;
            let response = match sender.send_request(request).await {
                Ok(response) => response,
                Err(error) if error.is_canceled() && attempt == 0 => continue,
                Err(error) => return Err(format!("{operation}: {error}")),
            };
            let status = response.status();
            let bytes =
                response.into_body().collect().await.map_err(|error| format!("{operation}: {error}"))?.to_bytes();
            self.sender = Some(sender);
            if !status.is_success() {
                let text = String::from_utf8_lossy(&bytes);
                return Err(format!("{operation}: HTTP {status}: {}", text.chars().take(300).collect::<String>()));
            }
            return serde_json::from_slice(&bytes)
                .map_err(|error| format!("{operation}: {error}: {}", String::from_utf8_lossy(&bytes)));
        }
        Err(format!("{operation}: {} closed the connection twice", self.address))
    }
}

async fn create(client: &mut Client, name: &str, kind: &str) -> Result<String, String> {
    let created = client
        .call("CreateStateMachine", &json!({"name": name, "definition": pass_chain(), "roleArn": ROLE, "type": kind}))
        .await?;
    created["stateMachineArn"].as_str().map(str::to_string).ok_or_else(|| format!("no ARN in {created}"))
}

/// One execution, named `name` (moto names unnamed executions "None", so every run is named).
async fn one_execution(client: &mut Client, machine: &str, name: &str) -> Result<(), String> {
    let request = json!({"stateMachineArn": machine, "name": name, "input": "{\"order\": 1}"});
    let sent = Instant::now();
    let started = client.call("StartExecution", &request).await?;
    START_MICROS.fetch_add(sent.elapsed().as_micros() as usize, Ordering::Relaxed);
    let arn = started["executionArn"].as_str().ok_or("no execution ARN")?.to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = Instant::now();
        let described = client.call("DescribeExecution", &json!({"executionArn": arn})).await?;
        DESCRIBE_MICROS.fetch_add(sent.elapsed().as_micros() as usize, Ordering::Relaxed);
        DESCRIBES.fetch_add(1, Ordering::Relaxed);
        match described["status"].as_str() {
            Some("SUCCEEDED") => return Ok(()),
            Some("RUNNING") if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(2)).await,
            other => return Err(format!("{arn} ended {other:?}")),
        }
    }
}

/// CPU seconds (user + system) a process has used so far, from `/proc/PID/stat`; `None`
/// where that cannot be read.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces:
    // state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

/// The kernel's clock ticks per second for `/proc` times (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// What one throughput round measured.
struct Round {
    executions: usize,
    seconds: f64,
    /// CPU seconds of this load generator and of the server (when its PID was given).
    client_cpu: Option<f64>,
    server_cpu: Option<f64>,
}

impl Round {
    fn rate(&self) -> f64 {
        self.executions as f64 / self.seconds
    }
}

async fn throughput(
    name: &str,
    url: &str,
    executions: usize,
    concurrency: usize,
    min_seconds: Duration,
    server_pid: Option<&str>,
) -> Result<Round, String> {
    let mut client = Client::new(url)?;
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |time| time.as_millis());
    let machine = create(&mut client, &format!("load-{stamp}"), "STANDARD").await?;
    for index in 0..8 {
        one_execution(&mut client, &machine, &format!("warm-{index}")).await?;
    }
    let calls_before = CALLS.load(Ordering::Relaxed);
    let waits_before = [&START_MICROS, &DESCRIBE_MICROS, &DESCRIBES].map(|counter| counter.load(Ordering::Relaxed));
    let cpu_before = (cpu_seconds("self"), server_pid.and_then(cpu_seconds));
    let started = Instant::now();
    // Each of `concurrency` workers keeps its own connection and runs executions one after
    // another, taking the next number while fewer than `executions` are started or the round
    // is younger than `min_seconds` (a fast server's round would otherwise be over in a
    // fraction of a second, within the machine's noise).
    let next = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (next, finished, machine, mut client) =
            (next.clone(), finished.clone(), machine.clone(), Client::new(url)?);
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= executions && started.elapsed() >= min_seconds {
                    return Ok::<(), String>(());
                }
                one_execution(&mut client, &machine, &format!("run-{index}")).await?;
                finished.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.map_err(|error| error.to_string())??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let executions = finished.load(Ordering::Relaxed);
    let client_cpu = cpu_before.0.zip(cpu_seconds("self")).map(|(before, after)| after - before);
    let server_cpu = cpu_before.1.zip(server_pid.and_then(cpu_seconds)).map(|(before, after)| after - before);
    let rate = executions as f64 / seconds;
    let calls = (CALLS.load(Ordering::Relaxed) - calls_before) as f64 / executions as f64;
    let since = |counter: &AtomicUsize, before: usize| (counter.load(Ordering::Relaxed) - before) as f64;
    let start_wait = since(&START_MICROS, waits_before[0]) / 1000.0 / executions.max(1) as f64;
    let describe_wait = since(&DESCRIBE_MICROS, waits_before[1]) / 1000.0 / since(&DESCRIBES, waits_before[2]).max(1.0);
    println!(
        "{name:<12} {executions:>6} executions, {concurrency} at a time: {seconds:>7.2} s  {rate:>9.1} executions/s  {:>10.0} transitions/s  {calls:.2} calls each  (mean wait: StartExecution {:.2} ms, DescribeExecution {:.2} ms)",
        rate * 5.0,
        start_wait,
        describe_wait,
    );
    Ok(Round { executions, seconds, client_cpu, server_cpu })
}

async fn sync_latency(url: &str, calls: usize) -> Result<(f64, f64), String> {
    let mut client = Client::new(url)?;
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |time| time.as_millis());
    let machine = create(&mut client, &format!("sync-{stamp}"), "EXPRESS").await?;
    let request = json!({"stateMachineArn": machine, "input": "{\"order\": 1}"});
    for _ in 0..50 {
        client.call("StartSyncExecution", &request).await?;
    }
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let response = client.call("StartSyncExecution", &request).await?;
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
    let mut min_seconds = 0.0_f64;
    let mut pids: Vec<(String, String)> = Vec::new();
    let mut pairs = arguments.iter().filter(|argument| *argument != "--bench");
    while let Some(flag) = pairs.next() {
        let value = pairs.next().ok_or(format!("{flag} takes a value"))?;
        match flag.as_str() {
            "--target" => {
                let (name, url) = value.split_once('=').ok_or("--target takes NAME=URL")?;
                targets.push((name.to_string(), url.to_string()));
            }
            "--sync" => sync_targets.push(value.clone()),
            "--pid" => {
                let (name, pid) = value.split_once('=').ok_or("--pid takes NAME=PID")?;
                pids.push((name.to_string(), pid.to_string()));
            }
            "--executions" => executions = value.parse().map_err(|_| "--executions takes a number")?,
            "--concurrency" => concurrency = value.parse().map_err(|_| "--concurrency takes a number")?,
            "--sync-calls" => sync_calls = value.parse().map_err(|_| "--sync-calls takes a number")?,
            "--rounds" => rounds = value.parse().map_err(|_| "--rounds takes a number")?,
            "--min-seconds" => min_seconds = value.parse().map_err(|_| "--min-seconds takes a number of seconds")?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if targets.is_empty() {
        println!("api_load: no --target NAME=URL given; `cargo xtask bench-api` passes them");
        return Ok(());
    }
    // One thread: the client's work per request is small, and a second thread would only
    // take CPU from the server it measures on this two-core machine.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let mut result = serde_json::Map::new();
        // Rounds alternate between the targets, so a slow spell of the machine falls on both;
        // each target's median round counts.
        let mut rounds_of: Vec<Vec<Round>> = targets.iter().map(|_| Vec::new()).collect();
        for _ in 0..rounds.max(1) {
            for ((name, url), done) in targets.iter().zip(&mut rounds_of) {
                let pid = pids.iter().find(|(target, _)| target == name).map(|(_, pid)| pid.as_str());
                let min = Duration::from_secs_f64(min_seconds);
                done.push(throughput(name, url, executions, concurrency, min, pid).await?);
            }
        }
        for ((name, _), done) in targets.iter().zip(rounds_of) {
            let mut rates: Vec<f64> = done.iter().map(Round::rate).collect();
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            if rates.len() > 1 {
                let all: Vec<String> = rates.iter().map(|rate| format!("{rate:.1}")).collect();
                println!("{name:<12} median of {} rounds: {median:.1} executions/s ({})", rates.len(), all.join(", "));
            }
            result.insert(format!("{name}_executions_per_second"), json!((median * 10.0).round() / 10.0));
            // CPU per execution over all rounds, and the share of the machine's wall time.
            let total = done.iter().map(|round| round.executions).sum::<usize>() as f64;
            let seconds: f64 = done.iter().map(|round| round.seconds).sum();
            let per_execution = |cpu: Option<f64>| cpu.map(|cpu| (cpu * 1e6 / total, cpu / seconds));
            let client = per_execution(done.iter().map(|round| round.client_cpu).sum());
            let server = per_execution(done.iter().map(|round| round.server_cpu).sum());
            if let Some((micros, cores)) = server {
                println!("{name:<12} server CPU: {micros:.0} µs per execution ({cores:.2} cores busy)");
                result.insert(format!("{name}_server_cpu_us"), json!(micros.round()));
            }
            if let Some((micros, cores)) = client {
                println!("{name:<12} load generator CPU: {micros:.0} µs per execution ({cores:.2} cores busy)");
                result.insert(format!("{name}_client_cpu_us"), json!(micros.round()));
            }
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

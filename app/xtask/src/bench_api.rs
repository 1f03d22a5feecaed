//! `cargo xtask bench-api`: the Step Functions API benchmark, Statehouse beside moto.
//!
//! Installs `moto[server,stepfunctions]` (pinned) from PyPI into the cached venv the tests
//! use, builds a release `statehouse`, starts both servers on free loopback ports (Statehouse
//! with a fresh data folder), enables moto's execution of state machines through its
//! `/moto-api/config` endpoint and runs `end2end/bench/api-peer/bench.py` (boto3) and then
//! the Rust load generator `server/benches/api_load.rs` against both.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant, SystemTime},
};

use anyhow::{Context, bail};

use crate::{
    bench::{load_average, machine},
    build::{Workspace, cargo},
    step::{output, run, step},
    tools::ensure_python_venv,
};

/// The pinned moto; boto3 is pinned to the version the integration tests use.
const MOTO_VERSION: &str = "5.2.5";
const BOTO3_VERSION: &str = "1.44.5";

/// Runs the benchmark: `executions` Standard executions per target (the Rust load generator
/// `rounds` times per target, alternating, the median counting), `sync_calls`
/// StartSyncExecution calls against Statehouse.
pub fn run_api_benchmarks(
    workspace: &Workspace,
    executions: usize,
    sync_calls: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let python = step(&format!("installing moto {MOTO_VERSION} and boto3 {BOTO3_VERSION} from PyPI"), ensure_moto)?;
    step("building a release statehouse", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args(["build", "--release", "--package", "server"]))
    })?;
    let statehouse = workspace.target_dir().join("release").join("statehouse");
    println!("Machine: {}", machine());
    println!("Load average (1, 5, 15 min) before: {}", load_average());

    let moto_port = free_port()?;
    let moto = Process(
        Command::new(python.with_file_name("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting moto_server")?,
    );
    let moto_address = format!("127.0.0.1:{moto_port}");
    step("enabling moto's execution of state machines", || {
        wait_for_port(&moto_address)?;
        let status =
            post_json(&moto_address, "/moto-api/config", r#"{"stepfunctions":{"execute_state_machine":true}}"#)?;
        if !(200..300).contains(&status) { bail!("moto answered {status} to /moto-api/config") } else { Ok(()) }
    })?;

    let stamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|elapsed| elapsed.as_nanos()).unwrap_or(0);
    let data_dir = std::env::temp_dir().join(format!("statehouse-bench-api-{}-{stamp}", std::process::id()));
    let (statehouse_process, statehouse_url) = start_statehouse(&statehouse, &data_dir)?;

    let script = workspace.end2end_dir().join("bench/api-peer/bench.py");
    let result = step("bench.py: Statehouse and moto", || {
        run(Command::new(&python).arg(&script).args([
            "--statehouse",
            &statehouse_url,
            "--moto",
            &format!("http://{moto_address}"),
            "--executions",
            &executions.to_string(),
            "--sync-calls",
            &sync_calls.to_string(),
        ]))
    });
    let result = result.and_then(|()| {
        step("api_load (Rust client): Statehouse and moto", || {
            run(Command::new(cargo())
                .current_dir(workspace.root())
                .args(["bench", "--quiet", "--package", "server", "--bench", "api_load", "--"])
                .args(["--target", &format!("statehouse={statehouse_url}")])
                .args(["--target", &format!("moto=http://{moto_address}")])
                .args(["--pid", &format!("statehouse={}", statehouse_process.0.id())])
                .args(["--pid", &format!("moto={}", moto.0.id())])
                .args(["--sync", "statehouse", "--executions", &executions.to_string()])
                .args(["--sync-calls", &sync_calls.to_string()])
                .args(["--rounds", &rounds.to_string()])
                // Statehouse runs 1,000 executions in a fifth of a second, too short a round to
                // measure on this machine; each round lasts at least two seconds.
                .args(["--min-seconds", "2"]))
        })
    });
    println!("Load average (1, 5, 15 min) after: {}", load_average());
    drop(statehouse_process);
    drop(moto);
    std::fs::remove_dir_all(&data_dir).ok();
    result
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The venv's Python with the pinned moto and boto3, installed when missing.
fn ensure_moto() -> anyhow::Result<PathBuf> {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let check = "import moto, boto3, flask; print(moto.__version__, boto3.__version__)";
    let wanted = format!("{MOTO_VERSION} {BOTO3_VERSION}");
    if python.is_file() && output(Command::new(&python).args(["-c", check])).is_ok_and(|found| found.trim() == wanted) {
        return Ok(python);
    }
    ensure_python_venv()?;
    if !python.is_file() {
        std::fs::create_dir_all(&venv).with_context(|| format!("creating {}", venv.display()))?;
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("moto[server,stepfunctions]=={MOTO_VERSION}"),
        &format!("boto3=={BOTO3_VERSION}"),
    ]))?;
    let found = output(Command::new(&python).args(["-c", check]))?;
    if found.trim() != wanted {
        bail!("the venv at {} has {found:?}, not {wanted:?}", venv.display());
    }
    Ok(python)
}

/// `$XDG_CACHE_HOME/statehouse/venv`, else `~/.cache/statehouse/venv`, as the tests use.
fn venv_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("statehouse")
        .join("venv")
}

/// Starts `statehouse serve` on a free loopback port; returns it and its base URL.
fn start_statehouse(binary: &Path, data_dir: &Path) -> anyhow::Result<(Process, String)> {
    let mut child = Command::new(binary)
        .arg("serve")
        .env("STATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("STATEHOUSE_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn,statehouse=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stderr = child.stderr.take().context("the server's stderr is piped")?;
    let process = Process(child);
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                sender.send(url.trim().to_string()).ok();
            }
        }
    });
    let url = receiver.recv_timeout(Duration::from_secs(30)).context("statehouse did not report its address")?;
    Ok((process, url))
}

/// A loopback port that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0").context("finding a free port")?.local_addr()?.port())
}

fn wait_for_port(address: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(address).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on {address} after 30 s");
        }
        thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// `POST path` with a JSON body over plain HTTP/1.1; returns the status code.
fn post_json(address: &str, path: &str, body: &str) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(address).with_context(|| format!("connecting to {address}"))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .with_context(|| format!("{address} answered {response:?}"))
}

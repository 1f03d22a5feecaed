//! The browser tests: start the real server on a free port with a fresh data folder (and a test
//! `statehouse.toml` with one approval channel in it), and a second one with an account, so
//! its pages ask for a sign-in (`end2end/tests/auth.spec.ts`); run Playwright against them with
//! Debian's Chromium, then stop the servers and check they stopped cleanly.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    build::Workspace,
    step::{run, step},
    tools::CHROMIUM,
};

/// How long the server may take to start answering `/healthz`.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);
/// How long the server may take to stop after SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(15);
/// The queue URL of the approval channel the browser tests use (`end2end/tests/approvals.spec.ts`).
const APPROVAL_QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/e2e-approvals";
/// The test's `statehouse.toml`: one approval channel on that queue, decided by its first answer.
const TEST_CONFIG: &str = "[[approvals.channels]]\nname = \"e2e\"\nqueue_url = \"QUEUE_URL\"\napprovers = [\"boss@example.com\"]\npolicy = \"any\"\n";
/// The account of the second server, which asks for a sign-in.
const AUTH_USER: &str = "e2e-operator";
/// Its password (a test server on loopback, gone when the tests end).
const AUTH_PASSWORD: &str = "e2e password for the browser tests";

/// Starts `server`, runs `npx playwright test` against it and stops it again.
pub fn run_browser_tests(workspace: &Workspace, server: &Path) -> anyhow::Result<()> {
    step("running the browser tests (Playwright, Debian's Chromium)", || {
        let data_dir = fresh_data_dir()?;
        let log_path = data_dir.with_extension("log");
        let config_path = data_dir.join("statehouse.toml");
        std::fs::write(&config_path, TEST_CONFIG.replace("QUEUE_URL", APPROVAL_QUEUE_URL))
            .with_context(|| format!("writing {}", config_path.display()))?;
        let mut running = RunningServer::start(server, &data_dir, &log_path)?;
        eprintln!("    server at {} (data {}, log {})", running.base_url, data_dir.display(), log_path.display());
        let auth_dir = PathBuf::from(format!("{}-auth", data_dir.display()));
        let auth_log = auth_dir.with_extension("log");
        add_account(server, &auth_dir)?;
        let mut signing_in = RunningServer::start(server, &auth_dir, &auth_log)?;
        eprintln!("    server with sign-in at {} (log {})", signing_in.base_url, auth_log.display());

        let tests = run(Command::new("npx")
            .args(["playwright", "test"])
            .current_dir(workspace.end2end_dir())
            .env("BASE_URL", &running.base_url)
            .env("AUTH_BASE_URL", &signing_in.base_url)
            .env("AUTH_USER", AUTH_USER)
            .env("AUTH_PASSWORD", AUTH_PASSWORD)
            .env("APPROVAL_QUEUE_URL", APPROVAL_QUEUE_URL)
            .env("CHROMIUM_PATH", CHROMIUM));
        let stopped = running.stop();
        let stopped_auth = signing_in.stop();
        if tests.is_err() || stopped.is_err() || stopped_auth.is_err() {
            eprintln!("    the servers' logs are at {} and {}", log_path.display(), auth_log.display());
        }
        tests?;
        stopped?;
        stopped_auth?;
        std::fs::remove_dir_all(&data_dir).ok();
        std::fs::remove_dir_all(&auth_dir).ok();
        Ok(())
    })
}

/// Makes the account [`AUTH_USER`] in `data_dir` with `statehouse user add`, the password on
/// its standard input.
fn add_account(server: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let mut child = Command::new(server)
        .args(["user", "add", AUTH_USER])
        .env("STATEHOUSE_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} user add", server.display()))?;
    child.stdin.take().context("its stdin")?.write_all(format!("{AUTH_PASSWORD}\n").as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("`statehouse user add {AUTH_USER}` failed ({status})");
    }
    Ok(())
}

/// A server process started for the tests (and the designer benchmark).
pub struct RunningServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl RunningServer {
    /// Starts `server` on a free loopback port with `data_dir` and waits until it is healthy.
    pub fn start(server: &Path, data_dir: &Path, log_path: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(server)
            .arg("serve")
            .env("STATEHOUSE_LISTEN", "127.0.0.1:0")
            .env("STATEHOUSE_DATA_DIR", data_dir)
            .env("STATEHOUSE_CONFIG", data_dir.join("statehouse.toml"))
            .env_remove("STATEHOUSE_SMTP_URL")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", server.display()))?;

        // Copy the server's log to a file and pick out the address it reports.
        let stderr = child.stderr.take().context("the server's stderr")?;
        let mut log = std::fs::File::create(log_path).with_context(|| format!("creating {}", log_path.display()))?;
        let (address_sender, address_receiver) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    address_sender.send(url.trim().to_string()).ok();
                }
                writeln!(log, "{line}").ok();
            }
        });

        let base_url = match address_receiver.recv_timeout(STARTUP_DEADLINE) {
            Ok(url) => url,
            Err(_) => {
                child.kill().ok();
                bail!("the server did not report its address within {STARTUP_DEADLINE:?}; see {}", log_path.display());
            }
        };
        let mut running = Self { child, base_url };
        if let Err(error) = running.wait_until_healthy() {
            running.child.kill().ok();
            return Err(error);
        }
        Ok(running)
    }

    fn wait_until_healthy(&mut self) -> anyhow::Result<()> {
        let host = self.base_url.trim_start_matches("http://").to_string();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start-up ({status})");
            }
            if http_status(&host, "/healthz").ok() == Some(200) {
                return Ok(());
            }
            if started.elapsed() > STARTUP_DEADLINE {
                bail!("GET /healthz did not answer 200 within {STARTUP_DEADLINE:?}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and requires a clean exit (status 0) within the deadline.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        run(Command::new("kill").args(["-TERM", &self.child.id().to_string()]))?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                if status.success() {
                    return Ok(());
                }
                bail!("the server exited with {status} after SIGTERM, not cleanly");
            }
            if started.elapsed() > SHUTDOWN_DEADLINE {
                self.child.kill().ok();
                bail!("the server did not stop within {SHUTDOWN_DEADLINE:?} of SIGTERM");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// A new, empty data folder for one run of the browser tests.
pub fn fresh_data_dir() -> anyhow::Result<PathBuf> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
    let dir = std::env::temp_dir().join(format!("statehouse-e2e-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The status code of a plain HTTP/1.1 GET, without any HTTP client library.
fn http_status(host: &str, path: &str) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let status = std::str::from_utf8(&head[9..12])?.parse()?;
    Ok(status)
}

//! Shared by the integration tests: the real `statehouse` binary started on a free port
//! with a fresh data folder, and a client for its Step Functions API.

#![allow(dead_code)]

#[path = "../../../asl/tests/support/compare.rs"]
pub mod compare;
pub mod smtp;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

/// A running server process with its captured log.
pub struct TestServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Starts `statehouse serve` on a free loopback port with `data_dir` as its data folder.
    pub fn spawn(data_dir: &Path) -> Self {
        Self::spawn_with(data_dir, &[])
    }

    /// Starts it with extra environment variables.
    pub fn spawn_with(data_dir: &Path, environment: &[(&str, &str)]) -> Self {
        Self::spawn_listening(data_dir, "127.0.0.1:0", environment)
    }

    /// Starts it on `listen` (a loopback `host:port`), for tests whose configuration must
    /// name the server's own address before it starts.
    pub fn spawn_listening(data_dir: &Path, listen: &str, environment: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .arg("serve")
            .envs(environment.iter().copied())
            .env("STATEHOUSE_LISTEN", listen)
            .env("STATEHOUSE_DATA_DIR", data_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("statehouse starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address_sender, address_receiver) = mpsc::channel();
        let log_writer = Arc::clone(&log);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    address_sender.send(url.trim().to_string()).ok();
                }
                log_writer.lock().expect("log lock").push(line);
            }
        });
        let base_url = address_receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no address reported; log: {:?}", log.lock().expect("log lock")));
        Self { child, base_url, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("waiting for the server") {
                break exit;
            }
            assert!(Instant::now() < deadline, "the server did not stop within 15 s of SIGTERM");
            thread::sleep(Duration::from_millis(20));
        };
        // Let the reader thread drain the last lines.
        thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().expect("log lock").clone();
        (exit, log)
    }
}

impl TestServer {
    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    /// Kills the process with SIGKILL, as a crash would, and waits for it to be gone.
    pub fn crash(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Waits (up to `timeout`) until execution `arn` has ended and returns its
    /// DescribeExecution; fails the test if it does not end in time.
    pub async fn finished(&self, client: &reqwest::Client, arn: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let described = self
                .call(client, "DescribeExecution", &serde_json::json!({"executionArn": arn}))
                .await
                .expect("DescribeExecution");
            if described["status"] != "RUNNING" {
                return described;
            }
            assert!(Instant::now() < deadline, "{arn} did not finish: {described}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Calls a Step Functions API operation: `Ok(response)` or `Err((status, __type, message))`.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        operation: &str,
        request: &Value,
    ) -> Result<Value, (u16, String, String)> {
        let response = client
            .post(self.url("/"))
            .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .body(request.to_string())
            .send()
            .await
            .map_err(|error| (0, "Unreachable".to_string(), error.to_string()))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|error| (status, "Unreadable".to_string(), error.to_string()))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status == 200 {
            Ok(body)
        } else {
            let kind = body["__type"].as_str().unwrap_or_default().to_string();
            let message = body["message"].as_str().unwrap_or_default().to_string();
            Err((status, kind, message))
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

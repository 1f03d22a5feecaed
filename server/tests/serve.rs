//! The real `statehouse` binary, started as a user would: it serves, answers health checks,
//! stores its database where it is told, refuses what it must, and stops cleanly.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread,
    time::{Duration, Instant},
};

/// A running server process with its captured log.
struct TestServer {
    child: Child,
    base_url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Starts `statehouse serve` on a free loopback port with `data_dir` as its data folder.
    fn spawn(data_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .arg("serve")
            .env("STATEHOUSE_LISTEN", "127.0.0.1:0")
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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends SIGTERM and waits for the process to exit.
    fn terminate(mut self) -> (ExitStatus, Vec<String>) {
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

impl Drop for TestServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[tokio::test]
async fn serves_health_and_pages_then_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().expect("temp dir");
    let data_dir = data.path().join("nested/data");
    let server = TestServer::spawn(&data_dir);
    let client = reqwest::Client::new();

    let health = client.get(server.url("/healthz")).send().await.expect("GET /healthz");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&health.text().await.expect("body")).expect("JSON body");
    assert_eq!(body["status"], "ok");
    assert!(data_dir.join("statehouse.db").is_file(), "the database file is created in the data folder");

    let home = client.get(server.url("/")).send().await.expect("GET /");
    assert_eq!(home.status(), 200);
    let html = home.text().await.expect("body");
    assert!(html.contains("<h1>Statehouse</h1>"), "{html}");
    assert!(html.contains("/pkg/statehouse.js"), "the page loads the browser bundle: {html}");

    let missing = client.get(server.url("/no-such-page")).send().await.expect("GET unknown");
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.expect("body").contains("Not found"));

    let forged = client
        .post(server.url("/api/status"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "http://evil.example")
        .send()
        .await
        .expect("cross-site POST");
    assert_eq!(forged.status(), 403, "a cross-site POST is refused");

    let (exit, log) = server.terminate();
    assert!(exit.success(), "clean exit after SIGTERM, got {exit}; log: {log:#?}");
    assert!(log.iter().any(|line| line.contains("statehouse stopped")), "{log:#?}");
}

#[tokio::test]
async fn a_restart_reuses_the_same_database() {
    let data = tempfile::tempdir().expect("temp dir");
    let first = TestServer::spawn(data.path());
    let client = reqwest::Client::new();
    assert_eq!(client.get(first.url("/healthz")).send().await.expect("health").status(), 200);
    let (exit, _) = first.terminate();
    assert!(exit.success());

    // The second start finds the migrated database and must neither fail nor migrate twice.
    let second = TestServer::spawn(data.path());
    assert_eq!(client.get(second.url("/healthz")).send().await.expect("health").status(), 200);
    let (exit, log) = second.terminate();
    assert!(exit.success(), "{log:#?}");
}

#[test]
fn refuses_to_listen_on_a_non_loopback_address() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .env("STATEHOUSE_LISTEN", "0.0.0.0:3000")
        .env("STATEHOUSE_DATA_DIR", data.path())
        .output()
        .expect("statehouse runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0:3000"), "{stderr}");
    assert!(stderr.contains("only listens on loopback"), "{stderr}");
    assert!(!data.path().join("statehouse.db").exists(), "nothing is created before the address is accepted");
}

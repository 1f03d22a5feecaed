//! The real `statehouse` binary, started as a user would: it serves, answers health checks,
//! stores its database where it is told, refuses what it must, and stops cleanly.

mod support;

use std::process::Command;

use support::TestServer;

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

#[tokio::test]
async fn bundle_files_go_out_gzipped_to_browsers_that_accept_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let site = tempfile::tempdir().expect("site dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg folder");
    // Something like a wasm module, and its gzip copy made as the build makes one.
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0".iter().copied().chain((0..20_000u32).map(|i| (i % 7) as u8)).collect();
    std::fs::write(pkg.join("bundle_bg.wasm"), &wasm).expect("write wasm");
    let gzip = Command::new("gzip").args(["-9", "-c"]).arg(pkg.join("bundle_bg.wasm")).output().expect("gzip runs");
    assert!(gzip.status.success());
    std::fs::write(pkg.join("bundle_bg.wasm.gz"), &gzip.stdout).expect("write gzip copy");
    std::fs::write(pkg.join("plain.js"), "console.log('no gzip copy');").expect("write js");

    let server = TestServer::spawn_with(data.path(), &[("STATEHOUSE_SITE_DIR", &site.path().to_string_lossy())]);
    let client = reqwest::Client::new();

    let gzipped = client
        .get(server.url("/pkg/bundle_bg.wasm"))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .expect("GET wasm with gzip");
    assert_eq!(gzipped.status(), 200);
    let headers = gzipped.headers().clone();
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers["content-type"], "application/wasm", "the type is the file's, not gzip's");
    assert!(
        headers.get_all("vary").iter().any(|value| value.to_str().unwrap_or("").contains("accept-encoding")),
        "caches are told the answer depends on Accept-Encoding: {headers:?}"
    );
    let body = gzipped.bytes().await.expect("body");
    assert_eq!(body.as_ref(), gzip.stdout.as_slice(), "the precompressed copy is sent as it is");
    assert!(body.len() < wasm.len() / 4, "{} bytes sent for {}", body.len(), wasm.len());

    let identity = client.get(server.url("/pkg/bundle_bg.wasm")).send().await.expect("GET wasm without gzip");
    assert_eq!(identity.status(), 200);
    assert!(identity.headers().get("content-encoding").is_none(), "{:?}", identity.headers());
    assert_eq!(identity.bytes().await.expect("body").as_ref(), wasm.as_slice());

    let no_copy = client
        .get(server.url("/pkg/plain.js"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("GET js without a gzip copy");
    assert_eq!(no_copy.status(), 200);
    assert!(no_copy.headers().get("content-encoding").is_none(), "{:?}", no_copy.headers());
    assert_eq!(no_copy.text().await.expect("body"), "console.log('no gzip copy');");

    let (exit, log) = server.terminate();
    assert!(exit.success(), "{log:#?}");
}

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
    // No other site may frame a page (clickjacking), nor a browser sniff an answer's type.
    let headers = home.headers();
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'self'");
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
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

#[tokio::test]
async fn bundle_files_go_out_gzipped_to_browsers_that_accept_it_and_are_revalidated() {
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

    let gzipped = get_accepting_gzip(&client, &server.url("/pkg/bundle_bg.wasm")).await;
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

    // The same names serve every build, so browsers revalidate instead of guessing a freshness.
    assert_eq!(headers["cache-control"], "no-cache");
    let unchanged = client
        .get(server.url("/pkg/bundle_bg.wasm"))
        .header("Accept-Encoding", "gzip")
        .header("If-Modified-Since", headers["last-modified"].clone())
        .send()
        .await
        .expect("conditional GET");
    assert_eq!(unchanged.status(), 304, "an unchanged file is not sent again");

    let identity = client.get(server.url("/pkg/bundle_bg.wasm")).send().await.expect("GET wasm without gzip");
    assert_eq!(identity.status(), 200);
    assert!(identity.headers().get("content-encoding").is_none(), "{:?}", identity.headers());
    assert_eq!(identity.bytes().await.expect("body").as_ref(), wasm.as_slice());

    let no_copy = get_accepting_gzip(&client, &server.url("/pkg/plain.js")).await;
    assert_eq!(no_copy.status(), 200);
    assert!(no_copy.headers().get("content-encoding").is_none(), "{:?}", no_copy.headers());
    assert_eq!(no_copy.text().await.expect("body"), "console.log('no gzip copy');");

    let (exit, log) = server.terminate();
    assert!(exit.success(), "{log:#?}");
}

/// `GET url` as a browser asks for it: gzip (and more) accepted.
async fn get_accepting_gzip(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client
        .get(url)
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// `gzip -dc` of `bytes`.
fn gunzip(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    child.stdin.take().expect("stdin").write_all(bytes).expect("write to gzip");
    let output = child.wait_with_output().expect("gzip ends");
    assert!(output.status.success(), "the body is gzip");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[tokio::test]
async fn pages_and_api_answers_are_gzipped_for_clients_that_accept_it_but_live_streams_are_not() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(data.path());
    let client = reqwest::Client::new();

    let page = get_accepting_gzip(&client, &server.url("/")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "gzip");
    assert!(gunzip(&page.bytes().await.expect("body")).contains("<h1>Statehouse</h1>"));

    let definition = r#"{"Comment":"a machine whose description is long enough to be worth compressing","StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#;
    let api = |operation: &str, body: serde_json::Value| {
        client
            .post(server.url("/"))
            .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .header("Accept-Encoding", "gzip")
            .body(body.to_string())
    };
    let created = api(
        "CreateStateMachine",
        serde_json::json!({"name": "gzip", "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .send()
    .await
    .expect("CreateStateMachine");
    assert_eq!(created.status(), 200);
    let created = if created.headers().get("content-encoding").is_some() {
        gunzip(&created.bytes().await.expect("body"))
    } else {
        created.text().await.expect("body")
    };
    let arn = serde_json::from_str::<serde_json::Value>(&created).expect("JSON")["stateMachineArn"]
        .as_str()
        .expect("an ARN")
        .to_string();
    let described =
        api("DescribeStateMachine", serde_json::json!({"stateMachineArn": arn})).send().await.expect("Describe");
    assert_eq!(described.status(), 200);
    assert_eq!(described.headers()["content-encoding"], "gzip");
    let described: serde_json::Value =
        serde_json::from_str(&gunzip(&described.bytes().await.expect("body"))).expect("JSON");
    assert_eq!(described["definition"], definition);

    let plain = client.get(server.url("/")).send().await.expect("GET / without gzip");
    assert!(plain.headers().get("content-encoding").is_none(), "{:?}", plain.headers());
    assert!(plain.text().await.expect("body").contains("<h1>Statehouse</h1>"));

    // The live views' event stream must reach the browser event by event, never buffered.
    let stream = get_accepting_gzip(&client, &server.url("/executions-events")).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert!(stream.headers().get("content-encoding").is_none(), "{:?}", stream.headers());
    drop(stream);

    let (exit, log) = server.terminate();
    assert!(exit.success(), "{log:#?}");
}

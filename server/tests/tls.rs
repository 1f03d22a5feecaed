//! https from the real `statehouse` binary: an HTTP Task calls a local TLS server whose
//! certificate comes from a CA made here. With the CA in `STATEHOUSE_EXTRA_CA_FILE` the call
//! succeeds; without it the handshake fails as `States.Http.Socket` with a cause that names
//! the certificate problem. Approval mails go out over smtps:// to a local TLS SMTP server
//! trusted the same way. A file that holds no certificate stops the server at start-up.

mod support;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use support::{TestServer, smtp::SmtpSink};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        crypto::ring,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

/// A CA (its PEM) and a certificate it signed for 127.0.0.1 and localhost (DER, with its key).
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Statehouse test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
    let key = rcgen::KeyPair::generate().expect("server key");
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("server params");
    let certificate = params.signed_by(&key, &ca).expect("server certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca.pem(), certificate.der().clone(), key)
}

/// The server side of TLS with `certificate`.
fn acceptor(certificate: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> TlsAcceptor {
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .expect("server TLS config");
    TlsAcceptor::from(Arc::new(config))
}

/// A one-route https server on a free port: answers every request with a JSON echo of its
/// request line and body. Returns `https://127.0.0.1:PORT`.
async fn start_tls_echo(certificate: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> String {
    let acceptor = acceptor(certificate, key);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake (the client does not trust us) just ends the connection.
                let Ok(mut stream) = acceptor.accept(socket).await else { return };
                let mut request = Vec::new();
                let mut buffer = [0_u8; 4096];
                let (head, body) = loop {
                    let Ok(read) = stream.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
                    let length = head
                        .lines()
                        .filter_map(|line| line.split_once(':'))
                        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break (head.to_string(), body.to_string());
                    }
                };
                let echo = json!({
                    "requestLine": head.lines().next().unwrap_or_default(),
                    "body": body,
                })
                .to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{echo}",
                    echo.len()
                );
                stream.write_all(response.as_bytes()).await.ok();
                stream.shutdown().await.ok();
            });
        }
    });
    format!("https://{address}")
}

/// Runs one HTTP Task against `endpoint` on `server` (a socket error is caught into `$.error`)
/// and returns the execution's output.
async fn run_http_task(server: &TestServer, endpoint: &str) -> Value {
    let client = reqwest::Client::new();
    let definition = json!({
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": format!("{endpoint}/orders"),
                    "Method": "POST",
                    "RequestBody": {"id": 7},
                    "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/1"},
                },
                "Catch": [{"ErrorEquals": ["States.Http.Socket"], "ResultPath": "$.error", "Next": "Done"}],
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "https", "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    let started = server
        .call(&client, "StartExecution", &json!({"stateMachineArn": created["stateMachineArn"], "input": "{}"}))
        .await
        .expect("start");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let described = server
            .call(&client, "DescribeExecution", &json!({"executionArn": started["executionArn"]}))
            .await
            .expect("describe");
        if described["status"] != "RUNNING" {
            assert_eq!(described["status"], "SUCCEEDED", "{described}");
            return serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
        }
        assert!(Instant::now() < deadline, "did not finish: {described}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_tasks_call_https_endpoints_trusted_through_the_extra_ca_file() {
    let (ca_pem, certificate, key) = certificates();
    let endpoint = start_tls_echo(certificate, key).await;
    let folder = tempfile::tempdir().expect("temp dir");
    let ca_file = folder.path().join("extra-ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write the CA");

    let trusting_dir = folder.path().join("trusting");
    let ca_path = ca_file.to_str().expect("UTF-8 path");
    let trusting = TestServer::spawn_with(&trusting_dir, &[("STATEHOUSE_EXTRA_CA_FILE", ca_path)]);
    let output = run_http_task(&trusting, &endpoint).await;
    assert_eq!(output["StatusCode"], 200, "{output}");
    assert_eq!(output["ResponseBody"]["requestLine"], "POST /orders HTTP/1.1", "{output}");
    assert_eq!(output["ResponseBody"]["body"], r#"{"id":7}"#, "{output}");
    drop(trusting);

    // Only the bundled roots: the handshake fails, and the cause says why.
    let plain_dir = folder.path().join("plain");
    let plain = TestServer::spawn(&plain_dir);
    let output = run_http_task(&plain, &endpoint).await;
    assert_eq!(output["error"]["Error"], "States.Http.Socket", "{output}");
    let cause = output["error"]["Cause"].as_str().expect("a cause");
    assert!(cause.contains("certificate") && cause.contains("UnknownIssuer"), "{cause}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_mails_go_out_over_smtps() {
    let (ca_pem, certificate, key) = certificates();
    let mut sink = SmtpSink::start_tls(acceptor(certificate, key)).await;
    let folder = tempfile::tempdir().expect("temp dir");
    let ca_file = folder.path().join("extra-ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write the CA");
    let queue = "https://sqs.us-east-1.amazonaws.com/123456789012/approvals";
    let config = folder.path().join("statehouse.toml");
    std::fs::write(
        &config,
        format!(
            "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"{queue}\"\napprovers = [\"boss@example.com\"]\n"
        ),
    )
    .expect("write statehouse.toml");
    let smtp_url = format!("smtps://127.0.0.1:{}", sink.port);
    let server = TestServer::spawn_with(
        &folder.path().join("data"),
        &[
            ("STATEHOUSE_CONFIG", config.to_str().expect("UTF-8 path")),
            ("STATEHOUSE_SMTP_URL", &smtp_url),
            ("STATEHOUSE_EXTRA_CA_FILE", ca_file.to_str().expect("UTF-8 path")),
        ],
    );
    let definition = json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody": {"taskToken.$": "$$.Task.Token", "subject": "Ship it?"}},
                "End": true
            }
        }
    });
    let client = reqwest::Client::new();
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "orders", "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    server
        .call(&client, "StartExecution", &json!({"stateMachineArn": created["stateMachineArn"], "input": "{}"}))
        .await
        .expect("start");
    let mail = sink.next_mail().await;
    assert!(mail.raw.contains("To: boss@example.com") && mail.raw.contains("Ship it?"), "{}", mail.raw);
}

#[test]
fn an_extra_ca_file_without_certificates_stops_the_server() {
    let folder = tempfile::tempdir().expect("temp dir");
    let ca_file = folder.path().join("not-a-ca.pem");
    std::fs::write(&ca_file, "hello\n").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .arg("serve")
        .env("STATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("STATEHOUSE_DATA_DIR", folder.path().join("data"))
        .env("STATEHOUSE_EXTRA_CA_FILE", &ca_file)
        .output()
        .expect("run statehouse");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("STATEHOUSE_EXTRA_CA_FILE") && stderr.contains("no PEM certificate"), "{stderr}");
}

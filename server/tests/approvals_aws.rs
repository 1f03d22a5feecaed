//! The approval portal's real-AWS path: requests arrive through the HTTP intake or from an
//! SQS queue (moto's server, from PyPI), and decisions go back to Step Functions signed with
//! SigV4. The Step Functions side is Statehouse's own API with access keys configured, so
//! the signed path runs against the real verifier; a callback target that is down keeps
//! the decision until it is back.

mod support;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use support::{TestServer, smtp::SmtpSink};
use tokio::net::TcpListener;

const ROLE: &str = "arn:aws:iam::123456789012:role/approvals";
const ACCESS_KEY_ID: &str = "AKIDAPPROVALS";
const SECRET_ACCESS_KEY: &str = "approvals-secret-key";
const INTAKE_SECRET: &str = "intake-secret-0123456789";
/// The waiting task's queue: not a local channel, so the local engine just waits.
const FOREIGN_QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/elsewhere";

/// A free port on 127.0.0.1 (bound, then released for the caller to bind again).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address").port()
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

/// A Step Functions API call signed with the test's keys.
async fn signed_call(client: &reqwest::Client, base_url: &str, operation: &str, request: &Value) -> Value {
    let credentials = server::approvals::config::Credentials {
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: server::approvals::config::Secret::new(SECRET_ACCESS_KEY),
        session_token: None,
    };
    let host = base_url.trim_start_matches("http://");
    let body = request.to_string();
    let signed = server::approvals::aws::sign(
        &credentials,
        "us-east-1",
        "states",
        host,
        &format!("AWSStepFunctions.{operation}"),
        body.as_bytes(),
        now_seconds(),
    )
    .expect("signed");
    let mut builder = client.post(format!("{base_url}/"));
    for (name, value) in &signed.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let response = builder.body(body).send().await.expect("the API answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    assert_eq!(status, 200, "{operation}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

fn write_intake_config(dir: &Path, endpoint: &str) -> PathBuf {
    let path = dir.join("statehouse.toml");
    std::fs::write(
        &path,
        format!(
            "[[approvals.channels]]\nname = \"aws-orders\"\nfunction_name = \"approval-intake\"\n\
             approvers = [\"boss@example.com\"]\nintake_secret = \"{INTAKE_SECRET}\"\n\
             [approvals.channels.aws]\nregion = \"us-east-1\"\nendpoint_url = \"{endpoint}\"\n\
             access_key_id = \"{ACCESS_KEY_ID}\"\nsecret_access_key = \"{SECRET_ACCESS_KEY}\"\n"
        ),
    )
    .expect("write statehouse.toml");
    path
}

fn waiting_definition() -> String {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": FOREIGN_QUEUE,
                    "MessageBody": {"taskToken.$": "$$.Task.Token", "executionArn.$": "$$.Execution.Id"}
                },
                "End": true
            }
        }
    })
    .to_string()
}

/// A Statehouse that requires signatures and whose one channel calls back `endpoint`.
struct AwsSide {
    server: TestServer,
    client: reqwest::Client,
}

impl AwsSide {
    fn start(dir: &Path, listen_port: u16, callback_endpoint: &str, smtp_port: u16) -> Self {
        let config = write_intake_config(dir, callback_endpoint);
        let smtp = format!("smtp://127.0.0.1:{smtp_port}");
        let keys = format!("{ACCESS_KEY_ID}:{SECRET_ACCESS_KEY}");
        let server = TestServer::spawn_listening(
            &dir.join("data"),
            &format!("127.0.0.1:{listen_port}"),
            &[
                ("STATEHOUSE_CONFIG", config.to_str().expect("utf-8")),
                ("STATEHOUSE_SMTP_URL", &smtp),
                ("STATEHOUSE_ACCESS_KEYS", &keys),
            ],
        );
        Self {
            server,
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        }
    }

    async fn call(&self, operation: &str, request: &Value) -> Value {
        signed_call(&self.client, &self.server.base_url, operation, request).await
    }

    /// Starts a waiting execution and returns (its ARN, its task token, the message it sent).
    async fn start_waiting_execution(&self, name: &str) -> (String, String, Value) {
        let machine = self
            .call("CreateStateMachine", &json!({"name": name, "definition": waiting_definition(), "roleArn": ROLE}))
            .await;
        let started = self
            .call(
                "StartExecution",
                &json!({"stateMachineArn": machine["stateMachineArn"], "name": name, "input": "{}"}),
            )
            .await;
        let arn = started["executionArn"].as_str().expect("an ARN").to_string();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let history = self.call("GetExecutionHistory", &json!({"executionArn": arn})).await;
            if let Some(scheduled) =
                history["events"].as_array().expect("events").iter().find(|event| event["type"] == "TaskScheduled")
            {
                let parameters: Value = serde_json::from_str(
                    scheduled["taskScheduledEventDetails"]["parameters"].as_str().expect("parameters"),
                )
                .expect("JSON");
                let body = parameters["MessageBody"].clone();
                let token = body["taskToken"].as_str().expect("a token").to_string();
                return (arn, token, body);
            }
            assert!(Instant::now() < deadline, "no TaskScheduled: {history}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn intake(&self, channel: &str, secret: Option<&str>, body: String) -> (u16, String) {
        let mut request = self
            .client
            .post(self.server.url(&format!("/approvals/intake/{channel}")))
            .header("content-type", "application/json");
        if let Some(secret) = secret {
            request = request.header("X-Statehouse-Secret", secret);
        }
        let response = request.body(body).send().await.expect("the intake answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }

    async fn approve(&self, link: &str, comment: &str) {
        let page = self.client.get(link).send().await.expect("GET").text().await.expect("page");
        let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
        let csrf = page[start..].split('"').next().expect("its value");
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("csrf", csrf), ("comment", comment), ("decision", "approve")])
            .finish();
        let response = self
            .client
            .post(link)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(form)
            .send()
            .await
            .expect("POST");
        // A decision redirects (303) to its confirmation.
        assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap_or_default());
    }

    async fn wait_for_end(&self, arn: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let described = self.call("DescribeExecution", &json!({"executionArn": arn})).await;
            if described["status"] != "RUNNING" {
                return described;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}: {described}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn an_intake_request_is_approved_by_mail_and_called_back_signed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let port = free_port();
    let aws = AwsSide::start(dir.path(), port, &format!("http://127.0.0.1:{port}"), sink.port);
    // The API requires signatures: an unsigned call is refused.
    let unsigned = aws.server.call(&aws.client, "ListStateMachines", &json!({})).await;
    assert!(matches!(&unsigned, Err((403, kind, _)) if kind == "MissingAuthenticationTokenException"), "{unsigned:?}");
    let (execution, token, message) = aws.start_waiting_execution("remote-order").await;

    // Refusals, each with a clear message.
    let mut body = message.clone();
    body["subject"] = json!("Ship remote order?");
    body["details"] = json!({"order": 7});
    let (status, text) = aws.intake("nope", Some(INTAKE_SECRET), body.to_string()).await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("no approval channel named"), "{text}");
    let (status, text) = aws.intake("aws-orders", None, body.to_string()).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("X-Statehouse-Secret"), "{text}");
    let (status, text) = aws.intake("aws-orders", Some("wrong-secret-0123456789"), body.to_string()).await;
    assert_eq!(status, 403, "{text}");
    let (status, text) = aws.intake("aws-orders", Some(INTAKE_SECRET), "{not json".into()).await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = aws.intake("aws-orders", Some(INTAKE_SECRET), json!({"subject": "x"}).to_string()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("taskToken"), "{text}");
    let huge = json!({"taskToken": token, "details": "x".repeat(300 * 1024)}).to_string();
    assert_eq!(aws.intake("aws-orders", Some(INTAKE_SECRET), huge).await.0, 413);

    // Accepted once; the same token again records nothing.
    let (status, text) = aws.intake("aws-orders", Some(INTAKE_SECRET), body.to_string()).await;
    assert_eq!(status, 202, "{text}");
    let (status, text) = aws.intake("aws-orders", Some(INTAKE_SECRET), body.to_string()).await;
    assert_eq!((status, text.contains("\"recorded\":false")), (200, true), "{text}");

    let mail = sink.next_mail().await;
    assert!(mail.raw.contains("Subject: Approval requested: Ship remote order?"), "{}", mail.raw);
    assert!(mail.text.contains("remote-order"), "the execution is named: {}", mail.text);
    assert!(!mail.raw.contains(&token), "no token in the mail");
    aws.approve(&mail.link(), "go").await;

    let described = aws.wait_for_end(&execution, Duration::from_secs(15)).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON");
    assert_eq!((output["approved"].clone(), output["approver"].clone()), (json!(true), json!("boss@example.com")));
    assert_eq!(output["comment"], "go");
    assert!(sink.mails.try_recv().is_err(), "one mail for one request");
}

/// Forwards every connection on `listener` to `target` (an HTTP proxy started late).
async fn forward(listener: TcpListener, target: String) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { return };
        let target = target.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await.ok();
            }
        });
    }
}

#[tokio::test]
async fn a_decision_waits_for_a_callback_target_that_is_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let (port, proxy_port) = (free_port(), free_port());
    let aws = AwsSide::start(dir.path(), port, &format!("http://127.0.0.1:{proxy_port}"), sink.port);
    let (execution, _token, message) = aws.start_waiting_execution("down-order").await;
    let (status, text) = aws.intake("aws-orders", Some(INTAKE_SECRET), message.to_string()).await;
    assert_eq!(status, 202, "{text}");
    aws.approve(&sink.next_mail().await.link(), "when you can").await;

    // Nothing listens on the callback endpoint: the attempt fails and is kept.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !aws.server.log_lines().iter().any(|line| line.contains("an approval decision was not delivered")) {
        assert!(Instant::now() < deadline, "no failed attempt logged: {:?}", aws.server.log_lines());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let described = aws.call("DescribeExecution", &json!({"executionArn": execution})).await;
    assert_eq!(described["status"], "RUNNING", "{described}");

    // The target comes back: the kept decision is delivered on a retry.
    let listener = TcpListener::bind(("127.0.0.1", proxy_port)).await.expect("bind the late proxy");
    tokio::spawn(forward(listener, format!("127.0.0.1:{port}")));
    let described = aws.wait_for_end(&execution, Duration::from_secs(20)).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON");
    assert_eq!(output["comment"], "when you can");
}

/// moto's server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn venv_bin(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let path = PathBuf::from(home).join(".cache/statehouse/venv/bin").join(name);
    path.exists().then_some(path)
}

async fn start_moto() -> Option<Moto> {
    let binary = venv_bin("moto_server")?;
    let port = free_port();
    let child = Command::new(binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(moto)
}

/// Runs boto3 against moto's SQS; returns the script's stdout.
fn boto3(endpoint: &str, script: &str) -> String {
    let python = venv_bin("python").expect("the venv's python");
    let prelude = format!(
        "import boto3, json, sys\nsqs = boto3.client('sqs', endpoint_url='{endpoint}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n"
    );
    let output = Command::new(python).arg("-c").arg(format!("{prelude}{script}")).output().expect("python runs");
    assert!(output.status.success(), "boto3 failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test]
async fn a_queue_message_from_sqs_becomes_a_mailed_request_and_is_deleted() {
    let Some(moto) = start_moto().await else {
        eprintln!("skipped: moto_server is not in ~/.cache/statehouse/venv (pip install 'moto[server]')");
        return;
    };
    let queue_url = boto3(&moto.endpoint, "print(sqs.create_queue(QueueName='approvals')['QueueUrl'])");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = dir.path().join("statehouse.toml");
    std::fs::write(
        &config,
        format!(
            "[[approvals.channels]]\nname = \"queued\"\nqueue_url = \"{queue_url}\"\napprovers = [\"ops@example.com\"]\n\
             [approvals.channels.aws]\nregion = \"us-east-1\"\nendpoint_url = \"{}\"\n\
             access_key_id = \"testing\"\nsecret_access_key = \"testing\"\n",
            moto.endpoint
        ),
    )
    .expect("write statehouse.toml");
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let server = TestServer::spawn_with(
        &dir.path().join("data"),
        &[("STATEHOUSE_CONFIG", config.to_str().expect("utf-8")), ("STATEHOUSE_SMTP_URL", &smtp)],
    );

    // Step Functions sends the state's MessageBody as JSON text; the same token twice is one request.
    let body = json!({"TaskToken": "token-from-aws-1", "subject": "Deploy build 9?", "details": {"build": 9}});
    let send = format!(
        "for _ in range(2): sqs.send_message(QueueUrl='{queue_url}', MessageBody={})",
        serde_json::to_string(&body.to_string()).expect("a Python string literal")
    );
    boto3(&moto.endpoint, &send);

    let Ok(Some(raw)) = tokio::time::timeout(Duration::from_secs(15), sink.mails.recv()).await else {
        panic!("no mail within 15 s; server log: {:#?}", server.log_lines());
    };
    let mail = support::smtp::Mail::parse(&raw);
    assert!(mail.raw.contains("To: ops@example.com"), "{}", mail.raw);
    assert!(mail.raw.contains("Subject: Approval requested: Deploy build 9?"), "{}", mail.raw);
    assert!(mail.text.contains("\"build\": 9"), "{}", mail.text);
    let link = mail.link();
    let page = reqwest::get(&link).await.expect("GET").text().await.expect("page");
    assert!(page.contains("Deploy build 9?"), "{page}");

    // Both messages are deleted once recorded, and the duplicate mailed nobody.
    let deadline = Instant::now() + Duration::from_secs(15);
    let count_script = format!(
        "a = sqs.get_queue_attributes(QueueUrl='{queue_url}', AttributeNames=['All'])['Attributes']\n\
         print(int(a['ApproximateNumberOfMessages']) + int(a['ApproximateNumberOfMessagesNotVisible']))"
    );
    loop {
        let left = boto3(&moto.endpoint, &count_script);
        if left == "0" {
            break;
        }
        assert!(Instant::now() < deadline, "{left} messages are still on the queue");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.mails.try_recv().is_err(), "the duplicate token mailed nobody");
    drop(server);
}

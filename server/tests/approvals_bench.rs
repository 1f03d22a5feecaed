//! Approval portal figures (ignored by default; run with
//! `cargo test -p server --test approvals_bench -- --ignored --nocapture`):
//! (a) from TaskStateEntered to the mail accepted by a real SMTP server, over 200 requests;
//! (b) from the approver's POST to the execution resumed (its TaskSucceeded event).
//! Both clocks are this machine's: the server stamps its events, the test stamps the mails.

mod support;

use std::{
    collections::HashMap,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::json;
use support::{TestServer, smtp::Mail, smtp::SmtpSink};

const REQUESTS: usize = 200;
const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/approvals";

fn now_millis() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64() * 1000.0
}

fn percentile(values: &mut [f64], fraction: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 * fraction).ceil() as usize).clamp(1, values.len()) - 1;
    values[index]
}

async fn event_millis(server: &TestServer, client: &reqwest::Client, arn: &str, kind: &str) -> Option<f64> {
    let history = server.call(client, "GetExecutionHistory", &json!({"executionArn": arn})).await.ok()?;
    let event = history["events"].as_array()?.iter().find(|event| event["type"] == kind)?.clone();
    Some(event["timestamp"].as_f64()? * 1000.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn approval_latencies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = dir.path().join("statehouse.toml");
    std::fs::write(
        &config,
        format!("[[approvals.channels]]\nname = \"bench\"\nqueue_url = \"{QUEUE_URL}\"\napprovers = [\"boss@example.com\"]\n"),
    )
    .expect("write statehouse.toml");
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let server = TestServer::spawn_with(
        &dir.path().join("data"),
        &[("STATEHOUSE_CONFIG", config.to_str().expect("utf-8")), ("STATEHOUSE_SMTP_URL", &smtp)],
    );
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let definition = json!({
        "StartAt": "Approve",
        "States": {"Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": QUEUE_URL, "MessageBody": {"taskToken.$": "$$.Task.Token", "subject": "Bench"}},
            "End": true
        }}
    });
    let machine = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "bench", "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("CreateStateMachine");

    // The mails, stamped as they arrive.
    let (stamped_sender, mut stamped) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(raw) = sink.mails.recv().await {
            stamped_sender.send((now_millis(), raw)).ok();
        }
    });

    let mut executions = Vec::with_capacity(REQUESTS);
    for index in 0..REQUESTS {
        let started = server
            .call(
                &client,
                "StartExecution",
                &json!({"stateMachineArn": machine["stateMachineArn"], "name": format!("bench-{index}"), "input": "{}"}),
            )
            .await
            .expect("StartExecution");
        executions.push(started["executionArn"].as_str().expect("an ARN").to_string());
    }
    let mut mails: HashMap<String, (f64, String)> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while mails.len() < REQUESTS {
        let (at, raw) = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), stamped.recv())
            .await
            .expect("every mail within 120 s")
            .expect("the sink runs");
        let mail = Mail::parse(&raw);
        let name =
            mail.text.split("Execution: ").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("a name");
        mails.insert(name.to_string(), (at, mail.link()));
    }
    let mut to_mail = Vec::with_capacity(REQUESTS);
    for (index, arn) in executions.iter().enumerate() {
        let entered = event_millis(&server, &client, arn, "TaskStateEntered").await.expect("TaskStateEntered");
        to_mail.push(mails[&format!("bench-{index}")].0 - entered);
    }

    let mut to_resume = Vec::with_capacity(REQUESTS);
    for (index, arn) in executions.iter().enumerate() {
        let link = &mails[&format!("bench-{index}")].1;
        let page = client.get(link).send().await.expect("GET").text().await.expect("page");
        let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
        let csrf = page[start..].split('"').next().expect("its value");
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("csrf", csrf), ("decision", "approve")])
            .finish();
        let posted = now_millis();
        let response = client
            .post(link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status().as_u16(), 303, "a decision redirects to its confirmation");
        let resumed = loop {
            if let Some(at) = event_millis(&server, &client, arn, "TaskSucceeded").await {
                break at;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        to_resume.push(resumed - posted);
    }
    let p50_mail = percentile(&mut to_mail, 0.50);
    let p99_mail = percentile(&mut to_mail, 0.99);
    let p50_resume = percentile(&mut to_resume, 0.50);
    let p99_resume = percentile(&mut to_resume, 0.99);
    println!(
        "approvals over {REQUESTS} requests: state entered -> mail accepted p50 {p50_mail:.1} ms, p99 {p99_mail:.1} ms, \
         max {:.1} ms; POST -> TaskSucceeded p50 {p50_resume:.1} ms, p99 {p99_resume:.1} ms, max {:.1} ms",
        to_mail.last().copied().unwrap_or_default(),
        to_resume.last().copied().unwrap_or_default(),
    );
}

//! The approval portal end to end: the real `statehouse` binary takes a `.waitForTaskToken`
//! task whose QueueUrl is a channel's, mails the approver through a real SMTP server started
//! here (or keeps the mail in the dev mailbox), and the approver's link decides it: approval
//! resumes the execution with the approval as output, rejection runs the Catch path. Links
//! opened ten times, reused, forged or posted without the CSRF field change nothing, and two
//! approvers posting at once make one decision. A decision answers 303 back to the link
//! (Post/Redirect/Get), whose GET shows a one-time confirmation from the session cookie, even
//! when the server restarted in between (sessions live in SQLite).

mod support;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use support::{
    TestServer,
    smtp::{SmtpSink, find_link},
};

const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/approvals";
const ROLE: &str = "arn:aws:iam::123456789012:role/approvals";

fn write_config(dir: &Path, approvers: &[&str], policy: &str) -> std::path::PathBuf {
    let path = dir.join("statehouse.toml");
    let approvers = approvers.iter().map(|approver| format!("{approver:?}")).collect::<Vec<_>>().join(", ");
    std::fs::write(
        &path,
        format!(
            "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"{QUEUE_URL}\"\napprovers = [{approvers}]\npolicy = \"{policy}\"\n"
        ),
    )
    .expect("write statehouse.toml");
    path
}

/// The "orders" channel with boss@example.com as its approver, plus `extra` TOML lines.
fn write_boss_channel(dir: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("statehouse.toml");
    std::fs::write(
        &path,
        format!(
            "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"{QUEUE_URL}\"\napprovers = [\"boss@example.com\"]\n{extra}"
        ),
    )
    .expect("write statehouse.toml");
    path
}

fn definition() -> String {
    definition_with(json!("Ship order 42?"), json!(["ApprovalRejected"]))
}

/// The approval machine with its deadline from the input's `deadline`, catching expiry too.
fn definition_with_deadline() -> String {
    let mut definition: Value =
        serde_json::from_str(&definition_with(json!("Ship order 42?"), json!(["ApprovalRejected", "ApprovalExpired"])))
            .expect("JSON");
    definition["States"]["Approve"]["Parameters"]["MessageBody"]["deadline.$"] = json!("$.deadline");
    definition.to_string()
}

fn definition_with(subject: Value, caught: Value) -> String {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": QUEUE_URL,
                    "MessageBody": {
                        "taskToken.$": "$$.Task.Token",
                        "subject": subject,
                        "details": {"order": 42, "note": "<script>alert('x')</script>"}
                    }
                },
                "Catch": [{"ErrorEquals": caught, "ResultPath": "$.rejection", "Next": "Rejected"}],
                "End": true
            },
            "Rejected": {"Type": "Pass", "Result": "rejected", "ResultPath": "$.outcome", "End": true}
        }
    })
    .to_string()
}

struct Portal {
    server: TestServer,
    client: reqwest::Client,
    machine_arn: String,
}

impl Portal {
    async fn start(dir: &Path, config: &Path, smtp_port: Option<u16>) -> Self {
        Self::start_with(dir, config, smtp_port, &[]).await
    }

    /// Waits up to `within` for the inbox to list the request of the execution `name` as
    /// cancelled, then checks that it no longer lists it as waiting.
    async fn wait_until_cancelled(&self, name: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let (status, inbox) = self.get(&self.server.url("/approvals?status=cancelled")).await;
            assert_eq!(status, 200, "{inbox}");
            if inbox.contains(name) {
                break;
            }
            assert!(Instant::now() < deadline, "the request of {name} is not cancelled: {inbox}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (_, waiting) = self.get(&self.server.url("/approvals?status=pending")).await;
        assert!(!waiting.contains(name), "{waiting}");
    }

    /// [`Portal::start`] with more environment variables for the server.
    async fn start_with(dir: &Path, config: &Path, smtp_port: Option<u16>, extra: &[(&str, &str)]) -> Self {
        let smtp_url = smtp_port.map(|port| format!("smtp://127.0.0.1:{port}"));
        let mut environment = vec![("STATEHOUSE_CONFIG", config.to_str().expect("utf-8 path"))];
        environment.extend_from_slice(extra);
        if let Some(url) = &smtp_url {
            environment.push(("STATEHOUSE_SMTP_URL", url.as_str()));
        }
        let server = TestServer::spawn_with(&dir.join("data"), &environment);
        // Redirects are not followed, so the tests see the decision's 303 and its cookie.
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let created = server
            .call(
                &client,
                "CreateStateMachine",
                &json!({"name": "orders", "definition": definition(), "roleArn": ROLE}),
            )
            .await
            .expect("CreateStateMachine");
        let machine_arn = created["stateMachineArn"].as_str().expect("an ARN").to_string();
        Self { server, client, machine_arn }
    }

    async fn start_execution(&self, name: &str) -> String {
        self.start_on(&self.machine_arn, name, &json!({})).await
    }

    async fn start_on(&self, machine_arn: &str, name: &str, input: &Value) -> String {
        let started = self
            .server
            .call(
                &self.client,
                "StartExecution",
                &json!({"stateMachineArn": machine_arn, "name": name, "input": input.to_string()}),
            )
            .await
            .expect("StartExecution");
        started["executionArn"].as_str().expect("an ARN").to_string()
    }

    async fn create_machine(&self, name: &str, definition: &str) -> String {
        let created = self
            .server
            .call(&self.client, "CreateStateMachine", &json!({"name": name, "definition": definition, "roleArn": ROLE}))
            .await
            .expect("CreateStateMachine");
        created["stateMachineArn"].as_str().expect("an ARN").to_string()
    }

    async fn describe(&self, arn: &str) -> Value {
        self.server
            .call(&self.client, "DescribeExecution", &json!({"executionArn": arn}))
            .await
            .expect("DescribeExecution")
    }

    async fn wait_for_end(&self, arn: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let described = self.describe(arn).await;
            if described["status"] != "RUNNING" {
                return described;
            }
            assert!(Instant::now() < deadline, "the execution still runs after 15 s: {described}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn history(&self, arn: &str) -> Vec<Value> {
        let history = self
            .server
            .call(&self.client, "GetExecutionHistory", &json!({"executionArn": arn, "maxResults": 1000}))
            .await
            .expect("GetExecutionHistory");
        history["events"].as_array().expect("events").clone()
    }

    /// GETs a page: (status, body).
    async fn get(&self, url: &str) -> (u16, String) {
        let response = self.client.get(url).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POSTs the approval form as a same-origin browser would: (status, body).
    async fn post(&self, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let response = self.post_form(url, fields).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// Decides through the form as a browser does: the POST answers 303 back to the link with
    /// a session cookie, and the redirected GET shows the confirmation. Returns (that page,
    /// the cookie to send).
    async fn decide(&self, url: &str, fields: &[(&str, &str)]) -> (String, String) {
        let response = self.post_form(url, fields).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        assert_eq!(status, 303, "{}", response.text().await.unwrap_or_default());
        let location = headers.get("location").and_then(|value| value.to_str().ok()).expect("a Location");
        assert!(url.ends_with(location) && location.starts_with("/approve/"), "{location}");
        let set_cookie = headers.get("set-cookie").and_then(|value| value.to_str().ok()).expect("a session cookie");
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
        assert!(set_cookie.contains("Path=/approve") && set_cookie.contains("Max-Age="), "{set_cookie}");
        assert!(!set_cookie.contains("Secure"), "not Secure on a plain-http public URL: {set_cookie}");
        let cookie = set_cookie.split(';').next().expect("name=value").to_string();
        let response = self.client.get(url).header("cookie", &cookie).send().await.expect("GET");
        let status = response.status().as_u16();
        let page = response.text().await.expect("body");
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("role=\"status\"") && !page.contains("<form"), "{page}");
        (page, cookie)
    }
}

/// The CSRF field's value in an approval page.
fn csrf_field(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page[start..].split('"').next().expect("its value").to_string()
}

/// The task token, as the engine recorded it in TaskScheduled's parameters.
fn task_token(history: &[Value]) -> String {
    let scheduled = history.iter().find(|event| event["type"] == "TaskScheduled").expect("TaskScheduled");
    let parameters: Value =
        serde_json::from_str(scheduled["taskScheduledEventDetails"]["parameters"].as_str().expect("parameters"))
            .expect("JSON");
    let body = &parameters["MessageBody"];
    let body: Value = match body {
        Value::String(text) => serde_json::from_str(text).expect("JSON body"),
        other => other.clone(),
    };
    body["taskToken"].as_str().expect("taskToken").to_string()
}

#[tokio::test]
async fn an_approval_by_mail_resumes_the_execution_and_bad_or_late_posts_change_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let execution = portal.start_execution("order-42").await;

    let mail = sink.next_mail().await;
    assert!(mail.raw.contains("To: boss@example.com"), "{}", mail.raw);
    assert!(mail.raw.contains("Subject: Approval requested: Ship order 42?"), "{}", mail.raw);
    let link = mail.link();
    assert!(link.starts_with(&format!("{}/approve/", portal.server.base_url)), "{link}");
    let id = link.rsplit('/').next().expect("an id");
    assert!(id.len() >= 32, "at least 128 bits: {id}");
    assert!(mail.text.contains("<script>alert('x')</script>") && mail.text.contains("order-42"), "{}", mail.text);
    assert!(mail.html.contains("&#60;script&#62;") && !mail.html.contains("<script>"), "{}", mail.html);
    assert!(mail.html.contains(&link), "{}", mail.html);
    let token = task_token(&portal.history(&execution).await);
    assert!(!mail.raw.contains(&token) && !link.contains(&token), "the task token is in no mail or link");

    // Opening the link decides nothing, however often.
    let mut page = String::new();
    for _ in 0..10 {
        let (status, body) = portal.get(&link).await;
        assert_eq!(status, 200, "{body}");
        page = body;
    }
    assert!(
        page.contains("Ship order 42?") && page.contains("&#60;script&#62;") && !page.contains("<script>"),
        "{page}"
    );
    assert!(page.contains("method=\"post\"") && page.contains("<textarea id=\"comment\" name=\"comment\""), "{page}");
    assert!(
        page.contains("name=\"decision\" value=\"approve\"") && page.contains("name=\"decision\" value=\"reject\"")
    );
    assert_eq!(portal.describe(&execution).await["status"], "RUNNING");

    // Refused: no CSRF field, a wrong one, a cross-site POST, a forged id.
    let csrf = csrf_field(&page);
    let (status, body) = portal.post(&link, &[("decision", "approve"), ("comment", "ok")]).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = portal.post(&link, &[("csrf", &"0".repeat(64)), ("decision", "approve")]).await;
    assert_eq!(status, 403);
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("csrf", csrf.as_str()), ("decision", "approve")])
        .finish();
    let cross_site = portal
        .client
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(cross_site.status().as_u16(), 403);
    let forged = format!("{}/approve/{}", portal.server.base_url, "ab".repeat(24));
    assert_eq!(portal.get(&forged).await.0, 404);
    assert_eq!(portal.post(&forged, &[("csrf", &csrf), ("decision", "approve")]).await.0, 404);
    assert_eq!(portal.get(&format!("{}/approve/not-an-id", portal.server.base_url)).await.0, 404);
    assert_eq!(portal.describe(&execution).await["status"], "RUNNING");

    // The decision: 303 to the link, whose GET confirms it once; a refresh shows the request's state.
    let (body, cookie) =
        portal.decide(&link, &[("csrf", &csrf), ("comment", "Looks <fine>"), ("decision", "approve")]).await;
    assert!(body.contains("<h1>Thank you</h1>") && body.contains("Your approval was recorded"), "{body}");
    // The link decides nothing any more, so the page no longer says until when it works.
    assert!(!body.contains("This link works until"), "{body}");
    let refreshed = portal.client.get(&link).header("cookie", &cookie).send().await.expect("GET");
    assert_eq!(refreshed.status().as_u16(), 409);
    let refreshed = refreshed.text().await.expect("body");
    assert!(!refreshed.contains("was recorded"), "the confirmation is shown once");
    assert!(!refreshed.contains("This link works until"), "{refreshed}");
    let described = portal.wait_for_end(&execution).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["approved"], true, "{output}");
    assert_eq!(output["approver"], "boss@example.com");
    assert_eq!(output["comment"], "Looks <fine>");
    let decided_at = output["decidedAt"].as_str().expect("decidedAt");
    assert!(decided_at.len() == 24 && decided_at.ends_with('Z') && decided_at.as_bytes()[10] == b'T', "{decided_at}");

    // A second click and a later visit get a clear refusal, and nothing changes.
    let (status, body) = portal.post(&link, &[("csrf", &csrf), ("comment", "again"), ("decision", "reject")]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("already been decided"), "{body}");
    let (status, body) = portal.get(&link).await;
    assert_eq!(status, 409, "{body}");
    assert!(!body.contains("<form"), "{body}");
    assert_eq!(portal.describe(&execution).await["output"], described["output"]);
    let successes = portal.history(&execution).await.iter().filter(|event| event["type"] == "TaskSucceeded").count();
    assert_eq!(successes, 1);
    // With SMTP configured there is no dev mailbox to leak links.
    assert_eq!(portal.get(&portal.server.url("/approvals/dev-mailbox")).await.0, 404);
}

#[tokio::test]
async fn the_designers_human_approval_template_works_with_the_portal() {
    let template = asl::templates::template("human-approval").expect("the template");
    let definition: Value = serde_json::from_str(template.definition).expect("JSON");
    let queue = definition["States"]["Request approval"]["Parameters"]["QueueUrl"].as_str().expect("its queue");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("statehouse.toml");
    std::fs::write(
        &config,
        format!(
            "[[approvals.channels]]\nname = \"purchases\"\nqueue_url = \"{queue}\"\napprovers = [\"ops@example.com\"]\n"
        ),
    )
    .expect("written");
    // The DynamoDB write after an approval is mocked; the approval itself is the portal's.
    let mocks = dir.path().join("mocks.json");
    std::fs::write(
        &mocks,
        r#"{"StateMachines": {"purchases": {"TestCases": {"Recorded": {"Record approval": "Stored"}}}},
            "MockedResponses": {"Stored": {"0-9": {"Return": {}}}}}"#,
    )
    .expect("written");
    let mut sink = SmtpSink::start().await;
    let portal = Portal::start_with(
        dir.path(),
        &config,
        Some(sink.port),
        &[("SFN_MOCK_CONFIG", mocks.to_str().expect("utf-8"))],
    )
    .await;
    let machine = portal.create_machine("purchases", template.definition).await;
    let input = json!({"requestId": "PR-77", "requester": "dana", "amount": 1250.5, "description": "Two <monitors>"});

    for (name, decision) in [("approved", "approve"), ("rejected", "reject")] {
        let execution = portal.start_on(&format!("{machine}#Recorded"), name, &input).await;
        let mail = sink.next_mail().await;
        // The message's approvers, subject and details reach the approver.
        assert!(mail.raw.contains("To: finance-approvers@example.com"), "{}", mail.raw);
        assert!(mail.raw.contains("Approve purchase request PR-77"), "{}", mail.raw);
        let link = mail.link();
        // The approver's page may be framed by no site, itself included, in every browser.
        let headers = portal.client.get(&link).send().await.expect("GET").headers().clone();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
        let (status, page) = portal.get(&link).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("1250.5") && page.contains("Two &#60;monitors&#62;"), "{page}");
        let csrf = csrf_field(&page);
        portal.decide(&link, &[("csrf", &csrf), ("comment", "fine by me"), ("decision", decision)]).await;
        let described = portal.wait_for_end(&execution).await;
        let history = portal.history(&execution).await;
        let entered: Vec<&str> =
            history.iter().filter_map(|event| event["stateEnteredEventDetails"]["name"].as_str()).collect();
        if decision == "approve" {
            assert_eq!(described["status"], "SUCCEEDED", "{described}");
            assert_eq!(entered, ["Request approval", "Approved?", "Record approval", "Approved"]);
        } else {
            assert_eq!(described["status"], "FAILED", "{described}");
            assert_eq!(described["error"], "ApprovalRejected");
            assert_eq!(entered, ["Request approval", "Request rejected"]);
        }
    }
}

#[tokio::test]
async fn approvers_are_each_asked_once_and_a_request_nobody_can_decide_fails_its_task() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &["boss@example.com", "cfo@example.com"], "quorum:2");
    let mut sink = SmtpSink::start().await;
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let definition = json!({
        "StartAt": "Approve",
        "States": {"Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": QUEUE_URL, "MessageBody": {
                "taskToken.$": "$$.Task.Token", "subject": "Pay?", "approvers.$": "$.approvers",
                "deadline.$": "$.deadline"}},
            "End": true
        }}
    });
    let machine = portal.create_machine("named", &definition.to_string()).await;

    // One person under two spellings is one approver: a quorum of two cannot be met by them.
    let same = json!({"approvers": ["dave@example.com", " Dave@Example.com", "erin@example.com"], "deadline": null});
    let execution = portal.start_on(&machine, "same-person", &same).await;
    let mut recipients = [sink.next_mail().await, sink.next_mail().await]
        .iter()
        .map(|mail| mail.raw.lines().find(|line| line.starts_with("To: ")).unwrap_or_default().to_string())
        .collect::<Vec<_>>();
    recipients.sort();
    assert_eq!(recipients, ["To: dave@example.com", "To: erin@example.com"]);
    assert_eq!(portal.describe(&execution).await["status"], "RUNNING");

    // Requests nobody can decide fail their task at once, saying why, instead of waiting.
    // So does a deadline that is not a time: shown as written, it would never be reached.
    let two = json!(["erin@example.com", "frank@example.com"]);
    for (name, approvers, deadline, reason) in [
        (
            "one-for-two",
            json!(["erin@example.com"]),
            json!(null),
            "decides by quorum:2, and the request has 1 approver(s)",
        ),
        (
            "not-an-address",
            json!(["erin@example.com", "x@y\r\nBcc: evil@example.com"]),
            json!(null),
            "is not an email address",
        ),
        ("no-time", two, json!("end of the week"), "deadline \"end of the week\" is not an RFC 3339 timestamp"),
    ] {
        let input = json!({"approvers": approvers, "deadline": deadline});
        let execution = portal.start_on(&machine, name, &input).await;
        let described = portal.wait_for_end(&execution).await;
        assert_eq!(described["status"], "FAILED", "{described}");
        assert_eq!(described["error"], "ApprovalRequestInvalid", "{described}");
        assert!(described["cause"].as_str().unwrap_or_default().contains(reason), "{described}");
    }
}

#[tokio::test]
async fn a_rejection_from_the_dev_mailbox_runs_the_catch_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, None).await;
    let execution = portal.start_execution("order-43").await;

    let deadline = Instant::now() + Duration::from_secs(15);
    let link = loop {
        let (status, mailbox) = portal.get(&portal.server.url("/approvals/dev-mailbox")).await;
        assert_eq!(status, 200, "{mailbox}");
        if let Some(link) = find_link(&mailbox) {
            assert!(mailbox.contains("&#60;script&#62;") && !mailbox.contains("<script>"), "{mailbox}");
            break link;
        }
        assert!(Instant::now() < deadline, "no mail in the dev mailbox: {mailbox}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, page) = portal.get(&link).await;
    let csrf = csrf_field(&page);
    let (body, _) =
        portal.decide(&link, &[("csrf", &csrf), ("comment", "Too expensive"), ("decision", "reject")]).await;
    assert!(body.contains("Your rejection was recorded"), "{body}");
    let described = portal.wait_for_end(&execution).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["outcome"], "rejected", "{output}");
    assert_eq!(output["rejection"]["Error"], "ApprovalRejected");
    assert_eq!(output["rejection"]["Cause"], "Too expensive");
}

#[tokio::test]
async fn a_request_past_its_deadline_expires_and_its_link_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let machine = portal.create_machine("deadlines", &definition_with_deadline()).await;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    let deadline = asl::eval::time::format_millis(now + 1_500);
    let execution = portal.start_on(&machine, "order-45", &json!({"deadline": deadline})).await;

    let mail = sink.next_mail().await;
    assert!(mail.text.contains(&deadline), "{}", mail.text);
    // The link ends with the request, at its deadline: no new link can be had after it.
    for body in [&mail.text, &mail.html] {
        assert!(body.contains("the request's deadline") && !body.contains("offers you a new one"), "{body}");
    }
    let link = mail.link();
    let (status, page) = portal.get(&link).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_field(&page);

    let described = portal.wait_for_end(&execution).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["rejection"]["Error"], "ApprovalExpired", "{output}");
    let deadline_millis = now + 1_500;
    let ended =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    assert!(ended >= deadline_millis, "expired before its deadline");

    let (status, body) = portal.post(&link, &[("csrf", &csrf), ("decision", "approve")]).await;
    assert_eq!(status, 410, "{body}");
    assert!(body.contains("expired"), "{body}");
    let (status, page) = portal.get(&link).await;
    assert_eq!(status, 410);
    assert!(page.contains("This request has expired") && !page.contains("This link works until"), "{page}");
    assert_eq!(portal.describe(&execution).await["output"], described["output"]);
}

#[tokio::test]
async fn a_stopped_execution_cancels_its_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let execution = portal.start_execution("order-46").await;
    let link = sink.next_mail().await.link();
    let (_, page) = portal.get(&link).await;
    let csrf = csrf_field(&page);
    portal
        .server
        .call(&portal.client, "StopExecution", &json!({"executionArn": execution}))
        .await
        .expect("StopExecution");

    // Before anyone opens the link again, the inbox shows it cancelled, no longer waiting.
    portal.wait_until_cancelled("order-46", Duration::from_secs(5)).await;

    let (status, body) = portal.post(&link, &[("csrf", &csrf), ("decision", "approve")]).await;
    assert_eq!(status, 410, "{body}");
    assert!(body.contains("cancelled"), "{body}");
    let (status, body) = portal.get(&link).await;
    assert_eq!(status, 410, "{body}");
    assert!(!body.contains("<form"), "{body}");
    assert_eq!(portal.describe(&execution).await["status"], "ABORTED");
}

#[tokio::test]
async fn a_task_that_timed_out_cancels_its_request_and_no_reminder_goes_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_boss_channel(dir.path(), "remind_before = \"5s\"\n");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    // The approval task times out after a second; a Catch carries the execution on to a long Wait.
    let mut definition: Value = serde_json::from_str(&definition_with_deadline()).expect("JSON");
    definition["States"]["Approve"]["TimeoutSeconds"] = json!(1);
    let rejected = definition["States"]["Approve"]["Catch"][0].clone();
    definition["States"]["Approve"]["Catch"] =
        json!([{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Later"}, rejected]);
    definition["States"]["Later"] = json!({"Type": "Wait", "Seconds": 600, "End": true});
    let machine = portal.create_machine("timeouts", &definition.to_string()).await;
    let started = Instant::now();
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    // Its reminder would be due 3 seconds after the start (5 seconds before the deadline).
    let execution =
        portal.start_on(&machine, "order-49", &json!({"deadline": asl::eval::time::format_millis(now + 8_000)})).await;
    let request = sink.next_mail().await;
    assert!(request.raw.contains("Subject: Approval requested:"), "{}", request.raw);

    // The request is cancelled while the execution goes on, no longer counted as waiting.
    portal.wait_until_cancelled("order-49", Duration::from_secs(10)).await;
    assert_eq!(portal.describe(&execution).await["status"], "RUNNING");

    // No reminder goes out for it, and its link decides nothing.
    if let Some(left) = (started + Duration::from_millis(4_500)).checked_duration_since(Instant::now()) {
        tokio::time::sleep(left).await;
    }
    assert!(sink.mails.try_recv().is_err(), "a reminder went out for a task that had timed out");
    let (status, body) = portal.get(&request.link()).await;
    assert_eq!(status, 410, "{body}");
}

#[tokio::test]
async fn a_restart_keeps_the_request_and_mails_nobody_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let execution = portal.start_execution("order-47").await;
    let link = sink.next_mail().await.link();
    let path = link.split_once("/approve/").map(|(_, id)| format!("/approve/{id}")).expect("a path");
    // The sink has the mail; wait until the outbox has also recorded it as sent. (A process
    // stopped between the SMTP server's acceptance and that record sends it again after a
    // restart: the outbox is at-least-once. This test is about a mail recorded as sent.)
    let database = dir.path().join("data").join("statehouse.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", database.display())).await.expect("database");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approval_mail_outbox WHERE status != 'sent'")
            .fetch_one(&pool)
            .await
            .expect("outbox");
        if unsent == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the outbox did not record the mail as sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    pool.close().await;
    let (status, _) = portal.server.terminate();
    assert!(status.success());

    // The engine hands the waiting task to the portal again; the request is known by its token.
    let environment = [
        ("STATEHOUSE_CONFIG", config.to_str().expect("utf-8")),
        ("STATEHOUSE_SMTP_URL", &format!("smtp://127.0.0.1:{}", sink.port)),
    ];
    let server = TestServer::spawn_with(&dir.path().join("data"), &environment);
    let portal = Portal { server, client: portal.client, machine_arn: portal.machine_arn };
    let link = portal.server.url(&path);
    let (status, page) = portal.get(&link).await;
    assert_eq!(status, 200, "{page}");
    portal.decide(&link, &[("csrf", &csrf_field(&page)), ("decision", "approve")]).await;
    assert_eq!(portal.wait_for_end(&execution).await["status"], "SUCCEEDED");
    assert!(sink.mails.try_recv().is_err(), "no second mail after the restart");
}

#[tokio::test]
async fn the_confirmation_survives_a_restart_between_the_post_and_its_redirect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &["boss@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, None).await;
    let execution = portal.start_execution("order-48").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let link = loop {
        let (_, mailbox) = portal.get(&portal.server.url("/approvals/dev-mailbox")).await;
        if let Some(link) = find_link(&mailbox) {
            break link;
        }
        assert!(Instant::now() < deadline, "no mail in the dev mailbox: {mailbox}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let path = link.split_once("/approve/").map(|(_, id)| format!("/approve/{id}")).expect("a path");
    let (_, page) = portal.get(&link).await;

    // The POST answers 303 with the session cookie; the server stops before the browser follows.
    let response = portal.post_form(&link, &[("csrf", &csrf_field(&page)), ("decision", "approve")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let set_cookie = response.headers().get("set-cookie").and_then(|value| value.to_str().ok()).expect("a cookie");
    let cookie = set_cookie.split(';').next().expect("name=value").to_string();
    let (status, _) = portal.server.terminate();
    assert!(status.success());

    let server =
        TestServer::spawn_with(&dir.path().join("data"), &[("STATEHOUSE_CONFIG", config.to_str().expect("utf-8"))]);
    let portal = Portal { server, client: portal.client, machine_arn: portal.machine_arn };
    let link = portal.server.url(&path);
    let response = portal.client.get(&link).header("cookie", &cookie).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.text().await.expect("body");
    assert!(body.contains("<h1>Thank you</h1>") && body.contains("Your approval was recorded"), "{body}");
    // Shown once: the session is gone after it, from the database too.
    let again = portal.client.get(&link).header("cookie", &cookie).send().await.expect("GET");
    assert_eq!(again.status().as_u16(), 409);
    assert!(!again.text().await.expect("body").contains("was recorded"));
    assert_eq!(portal.wait_for_end(&execution).await["status"], "SUCCEEDED");
    let database = dir.path().join("data").join("statehouse.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", database.display())).await.expect("database");
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&pool).await.expect("sessions");
    assert_eq!(sessions, 0, "the flash's session was deleted once shown");
}

#[tokio::test]
async fn two_approvers_posting_at_once_make_one_decision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_config(dir.path(), &["alice@example.com", "bob@example.com"], "any");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let execution = portal.start_execution("order-44").await;

    let mut links = Vec::new();
    for _ in 0..2 {
        let mail = sink.next_mail().await;
        let recipient =
            if mail.raw.contains("To: alice@example.com") { "alice@example.com" } else { "bob@example.com" };
        links.push((recipient, mail.link()));
    }
    assert_ne!(links[0].0, links[1].0, "one mail per approver");
    assert_ne!(links[0].1, links[1].1, "one link per approver");
    let (_, first_page) = portal.get(&links[0].1).await;
    let (_, second_page) = portal.get(&links[1].1).await;
    let (first_csrf, second_csrf) = (csrf_field(&first_page), csrf_field(&second_page));
    let first_fields = [("csrf", first_csrf.as_str()), ("comment", "first"), ("decision", "approve")];
    let second_fields = [("csrf", second_csrf.as_str()), ("comment", "second"), ("decision", "approve")];
    let (first, second) =
        tokio::join!(portal.post(&links[0].1, &first_fields), portal.post(&links[1].1, &second_fields));
    let mut statuses = [first.0, second.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{first:?} {second:?}");
    let winner = if first.0 == 303 { links[0].0 } else { links[1].0 };

    let described = portal.wait_for_end(&execution).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["approver"], winner, "{output}");
    let successes = portal.history(&execution).await.iter().filter(|event| event["type"] == "TaskSucceeded").count();
    assert_eq!(successes, 1);
}

#[test]
fn a_bad_statehouse_toml_stops_the_server_with_the_field_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("statehouse.toml");
    std::fs::write(&config, "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"q\"\npolicy = \"most\"\n")
        .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .arg("serve")
        .env("STATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("STATEHOUSE_DATA_DIR", dir.path().join("data"))
        .env("STATEHOUSE_CONFIG", &config)
        .output()
        .expect("statehouse runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("approvals.channels[0]") && stderr.contains("policy"), "{stderr}");
}

#[tokio::test]
async fn a_waiting_request_is_escalated_and_reminded_before_its_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_boss_channel(
        dir.path(),
        "remind_before = \"3s\"\nescalate_to = [\"deputy@example.com\", \"boss@example.com\"]\nescalate_after = \"1s\"\n",
    );
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let machine = portal.create_machine("deadlines", &definition_with_deadline()).await;
    let started = Instant::now();
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    let execution =
        portal.start_on(&machine, "order-48", &json!({"deadline": asl::eval::time::format_millis(now + 6_000)})).await;

    let first = sink.next_mail().await;
    assert!(first.raw.contains("To: boss@example.com") && first.raw.contains("Subject: Approval requested:"));
    // After a second: a link for the deputy only (the boss has one already).
    let escalated = sink.next_mail().await;
    assert!(started.elapsed() >= Duration::from_millis(900), "escalated too early: {:?}", started.elapsed());
    assert!(escalated.raw.contains("To: deputy@example.com"), "{}", escalated.raw);
    assert!(escalated.raw.contains("Subject: Escalated: approval requested: Ship order 42?"), "{}", escalated.raw);
    assert_ne!(escalated.link(), first.link());
    // Three seconds before the deadline: a reminder to each approver who has not decided.
    let mut reminded = Vec::new();
    for _ in 0..2 {
        let reminder = sink.next_mail().await;
        assert!(reminder.raw.contains("Subject: Reminder: approval requested: Ship order 42?"), "{}", reminder.raw);
        // A reminder's link works no longer than the request: until its deadline, as the mail says.
        assert!(reminder.text.contains("the request's deadline"), "{}", reminder.text);
        reminded.push((reminder.raw.contains("To: boss@example.com"), reminder.link()));
    }
    assert!(started.elapsed() >= Duration::from_millis(2_900), "reminded too early: {:?}", started.elapsed());
    reminded.sort();
    assert_eq!(reminded.iter().map(|(boss, _)| *boss).collect::<Vec<_>>(), [false, true], "each approver once");
    // A reminder's link is new, and the earlier mail's stops working.
    for ((_, link), earlier) in reminded.iter().zip([escalated.link(), first.link()]) {
        assert_ne!(*link, earlier);
        let (status, page) = portal.get(&earlier).await;
        assert_eq!(status, 404, "{page}");
    }
    let deputy_link = reminded[0].1.clone();

    let (_, page) = portal.get(&deputy_link).await;
    portal.decide(&deputy_link, &[("csrf", &csrf_field(&page)), ("decision", "approve")]).await;
    let described = portal.wait_for_end(&execution).await;
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["approver"], "deputy@example.com", "{output}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.mails.try_recv().is_err(), "nothing more once decided");
}

#[tokio::test]
async fn an_expired_link_decides_nothing_and_mails_its_approver_a_new_one_on_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = SmtpSink::start().await;
    let config = write_boss_channel(dir.path(), "link_lifetime = \"2s\"\n");
    let portal = Portal::start(dir.path(), &config, Some(sink.port)).await;
    let execution = portal.start_execution("order-49").await;
    let mail = sink.next_mail().await;
    assert!(mail.raw.contains("It works until"), "the mail says how long the link works: {}", mail.raw);
    let link = mail.link();

    // While it works: the form, and until when.
    let (status, page) = portal.get(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("This link works until") && page.contains("name=\"decision\""), "{page}");
    let csrf = csrf_field(&page);
    // Asking for a new link while this one works sends nothing.
    let (status, page) = portal.post(&format!("{link}/renew"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 409, "{page}");

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    // Expired: the page decides nothing and offers a new link instead of the form.
    let (status, page) = portal.get(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("This link expired on") && !page.contains("name=\"decision\""), "{page}");
    assert!(page.contains("Email me a new link"), "{page}");
    // A decision posted with the form loaded before it expired is refused.
    let (status, page) = portal.post(&link, &[("csrf", &csrf), ("decision", "approve")]).await;
    assert_eq!(status, 410, "{page}");
    assert_eq!(portal.describe(&execution).await["status"], "RUNNING");
    // Without the CSRF field, no new link.
    let (status, _) = portal.post(&format!("{link}/renew"), &[]).await;
    assert_eq!(status, 403);
    assert!(sink.mails.try_recv().is_err(), "no mail for a refused request");

    // Asking for one mails it to the approver, never shows it, and retires the old URL.
    let (status, page) =
        portal.post(&format!("{link}/renew"), &[("csrf", &csrf_field(&portal.get(&link).await.1))]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("New link sent") && page.contains("boss@example.com"), "{page}");
    let renewed = sink.next_mail().await;
    assert!(renewed.raw.contains("To: boss@example.com"), "{}", renewed.raw);
    assert!(renewed.raw.contains("Subject: New link: approval requested: Ship order 42?"), "{}", renewed.raw);
    let new_link = renewed.link();
    assert_ne!(new_link, link);
    assert!(!page.contains(new_link.rsplit('/').next().expect("a key")), "the page never shows the new link");
    let (status, _) = portal.get(&link).await;
    assert_eq!(status, 404, "the old URL no longer works");
    let (status, _) = portal.post(&format!("{link}/renew"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 404, "and cannot ask again");

    // The new link decides.
    let (_, page) = portal.get(&new_link).await;
    portal.decide(&new_link, &[("csrf", &csrf_field(&page)), ("decision", "approve")]).await;
    let described = portal.wait_for_end(&execution).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output["approver"], "boss@example.com", "{output}");
}

//! Standard executions survive crashes: the real server runs 1,000 executions with Waits,
//! retried tasks and a Map while it is killed with SIGKILL at random moments and restarted.
//! Every execution must end exactly as an uninterrupted one does, with the same history
//! event for event: nothing missing, nothing done twice.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::TestServer;

const EXECUTIONS: usize = 1_000;
const CRASHES: usize = 10;
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:crashy";

fn definition() -> Value {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"order.$": "$.order", "items": [1, 2, 3]}, "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Charge"},
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                "ResultSelector": {"charged.$": "$.Payload.charged"},
                "ResultPath": "$.charge",
                "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Next": "Settle"
            },
            "Settle": {"Type": "Wait", "Seconds": 1, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": {"StartAt": "Double", "States": {
                    "Double": {"Type": "Pass", "Parameters": {"value.$": "States.MathAdd($, $)"}, "End": true}
                }},
                "ResultPath": "$.doubled",
                "Next": "Notify"
            },
            "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": {"Message.$": "$.order"}, "ResultPath": null, "End": true}
        }
    })
}

fn mocks() -> Value {
    json!({
        "StateMachines": {"crashy": {"TestCases": {"Flaky": {"Charge": "ChargeAfterThrottle", "Notify": "Published"}}}},
        "MockedResponses": {
            "ChargeAfterThrottle": {
                "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded"}},
                "1": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}
            },
            "Published": {"0": {"Return": {"MessageId": "m-1"}}}
        }
    })
}

/// A history without what differs between executions and runs: timestamps and the input
/// (which carries the order number).
fn comparable(history: &[Value]) -> Vec<Value> {
    history
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Value::Object(members) = &mut event {
                members.remove("timestamp");
                for details in members.values_mut() {
                    if let Value::Object(details) = details {
                        for field in ["input", "output", "parameters"] {
                            if let Some(Value::String(text)) = details.get_mut(field) {
                                *text = without_numbers(text);
                            }
                        }
                    }
                }
            }
            event
        })
        .collect()
}

/// `text` with every run of digits replaced by `#`.
fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if !character.is_ascii_digit() {
            out.push(character);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}

/// A small deterministic generator, so a failing run can be repeated from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

async fn history(server: &TestServer, client: &reqwest::Client, arn: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({"executionArn": arn, "maxResults": 1000});
        if let Some(token) = &token {
            request["nextToken"] = json!(token);
        }
        let page = server.call(client, "GetExecutionHistory", &request).await.expect("history");
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return events,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_repeated_sigkill() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mock_path = folder.path().join("mocks.json");
    std::fs::write(&mock_path, mocks().to_string()).expect("mock file");
    let data = folder.path().join("data");
    let mock_file = mock_path.to_string_lossy().to_string();
    let environment = [("SFN_MOCK_CONFIG", mock_file.as_str()), ("RUST_LOG", "warn,statehouse=info")];
    let client = reqwest::Client::new();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |time| time.as_secs());
    println!("crash test seed {seed}");
    let mut random = Lcg(seed);

    let mut server = TestServer::spawn_with(&data, &environment);
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "crashy", "definition": definition().to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    assert_eq!(created["stateMachineArn"], MACHINE);

    // The reference: one execution nobody interrupts.
    let reference_arn = format!("{MACHINE}:reference").replace(":stateMachine:", ":execution:");
    server
        .call(
            &client,
            "StartExecution",
            &json!({"stateMachineArn": format!("{MACHINE}#Flaky"), "name": "reference", "input": "{\"order\":0}"}),
        )
        .await
        .expect("start the reference");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let described =
            server.call(&client, "DescribeExecution", &json!({"executionArn": reference_arn})).await.expect("describe");
        if described["status"] != "RUNNING" {
            assert_eq!(described["status"], "SUCCEEDED", "{described}");
            break;
        }
        assert!(Instant::now() < deadline, "the reference execution did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reference = comparable(&history(&server, &client, &reference_arn).await);
    assert!(reference.len() > 20, "the reference history is the whole run: {}", reference.len());

    // Start the executions while the server is killed and restarted.
    let names: Vec<String> = (1..=EXECUTIONS).map(|index| format!("order-{index}")).collect();
    let mut started = 0;
    let mut crashes = 0;
    let mut resumed_total = 0;
    while crashes < CRASHES || started < EXECUTIONS {
        let until = Instant::now() + Duration::from_millis(150 + random.below(900));
        while Instant::now() < until && started < EXECUTIONS {
            let request = json!({
                "stateMachineArn": format!("{MACHINE}#Flaky"),
                "name": names[started],
                "input": json!({"order": started + 1}).to_string(),
            });
            match server.call(&client, "StartExecution", &request).await {
                Ok(_) => started += 1,
                // Started before a crash and finished since: it exists, which is what counts.
                Err((_, kind, _)) if kind == "ExecutionAlreadyExists" => started += 1,
                Err(error) => panic!("start {}: {error:?}", names[started]),
            }
        }
        if crashes < CRASHES {
            tokio::time::sleep(Duration::from_millis(random.below(400))).await;
            server.crash();
            crashes += 1;
            server = TestServer::spawn_with(&data, &environment);
            let resumed = server
                .log_lines()
                .iter()
                .find_map(|line| line.split("running=").nth(1).and_then(|count| count.trim().parse::<usize>().ok()))
                .expect("the restarted server reports how many executions it resumed");
            resumed_total += resumed;
            println!("crash {crashes}: {started} started so far, {resumed} running executions resumed");
        }
    }

    assert!(resumed_total >= CRASHES, "the crashes hit running executions ({resumed_total} resumed in all)");

    // Every execution ends, exactly as the reference did.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut unfinished: Vec<&String> = names.iter().collect();
    while !unfinished.is_empty() {
        assert!(Instant::now() < deadline, "{} executions never finished, e.g. {}", unfinished.len(), unfinished[0]);
        let mut still = Vec::new();
        for name in unfinished {
            let arn = format!("{MACHINE}:{name}").replace(":stateMachine:", ":execution:");
            let described =
                server.call(&client, "DescribeExecution", &json!({"executionArn": arn})).await.expect("describe");
            if described["status"] == "RUNNING" {
                still.push(name);
            } else {
                assert_eq!(described["status"], "SUCCEEDED", "{name}: {described}");
            }
        }
        unfinished = still;
        if !unfinished.is_empty() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    for name in &names {
        let arn = format!("{MACHINE}:{name}").replace(":stateMachine:", ":execution:");
        let events = comparable(&history(&server, &client, &arn).await);
        if events != reference {
            let first = events.iter().zip(&reference).position(|(ours, theirs)| ours != theirs);
            panic!(
                "{name}: its history differs from the uninterrupted run ({} events vs {}); first difference at {first:?}: {:?} vs {:?}",
                events.len(),
                reference.len(),
                first.map(|index| &events[index]),
                first.map(|index| &reference[index]),
            );
        }
    }
    println!(
        "{EXECUTIONS} executions, {crashes} SIGKILLs: every history equals the uninterrupted run's ({} events)",
        reference.len()
    );
    let (exit, _) = server.terminate();
    assert!(exit.success());
}

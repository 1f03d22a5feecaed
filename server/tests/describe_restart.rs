//! DescribeExecution answers finished Standard executions from memory; this checks that what
//! it answers is exactly what the database says after a restart (outputs, errors, stop
//! times, versions), and that a redrive is seen at once.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::TestServer;

const ROLE: &str = "arn:aws:iam::123456789012:role/describe";

async fn create(server: &TestServer, client: &reqwest::Client, name: &str, definition: Value, publish: bool) -> Value {
    server
        .call(
            client,
            "CreateStateMachine",
            &json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE, "publish": publish}),
        )
        .await
        .expect("CreateStateMachine")
}

async fn start(server: &TestServer, client: &reqwest::Client, machine: &str, name: &str, input: Value) -> String {
    let started = server
        .call(client, "StartExecution", &json!({"stateMachineArn": machine, "name": name, "input": input.to_string()}))
        .await
        .expect("StartExecution");
    started["executionArn"].as_str().expect("an execution ARN").to_string()
}

async fn describe(server: &TestServer, client: &reqwest::Client, arn: &str) -> Value {
    server.call(client, "DescribeExecution", &json!({"executionArn": arn})).await.expect("DescribeExecution")
}

#[tokio::test]
async fn finished_executions_are_described_the_same_before_and_after_a_restart() {
    let data = tempfile::tempdir().expect("a data folder");
    let client = reqwest::Client::new();
    let server = TestServer::spawn(data.path());

    let chain = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "End": true}
    }});
    let chain_arn = create(&server, &client, "chain", chain, true).await;
    let version = chain_arn["stateMachineVersionArn"].as_str().expect("a version ARN").to_string();
    let failing =
        json!({"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Custom.Boom", "Cause": "as asked"}}});
    let failing_arn = create(&server, &client, "failing", failing, false).await;

    let mut executions = Vec::new();
    executions.push(
        start(&server, &client, chain_arn["stateMachineArn"].as_str().expect("ARN"), "plain", json!({"n": 1})).await,
    );
    executions.push(start(&server, &client, &version, "by-version", json!({"n": 2})).await);
    executions
        .push(start(&server, &client, failing_arn["stateMachineArn"].as_str().expect("ARN"), "fails", json!({})).await);

    let mut before = Vec::new();
    for arn in &executions {
        before.push(server.finished(&client, arn, Duration::from_secs(10)).await);
    }
    assert_eq!(before[0]["status"], "SUCCEEDED", "{}", before[0]);
    assert_eq!(before[0]["output"], json!({"n": 1, "a": {"step": 1}}).to_string(), "{}", before[0]);
    assert_eq!(before[1]["stateMachineVersionArn"], version.as_str(), "{}", before[1]);
    assert_eq!(before[2]["status"], "FAILED", "{}", before[2]);
    assert_eq!(before[2]["error"], "Custom.Boom", "{}", before[2]);
    assert!(before.iter().all(|described| described["stopDate"].is_number()), "{before:?}");

    server.terminate();
    let server = TestServer::spawn(data.path());
    for (arn, earlier) in executions.iter().zip(&before) {
        assert_eq!(&describe(&server, &client, arn).await, earlier, "{arn} is described differently after a restart");
    }
    server.terminate();
}

#[tokio::test]
async fn a_redriven_execution_is_not_described_as_it_was() {
    let data = tempfile::tempdir().expect("a data folder");
    let client = reqwest::Client::new();
    let server = TestServer::spawn(data.path());
    // A redrive re-enters the Fail state, so the execution fails again: enough to see the
    // redrive count move and the stop date change.
    let machine = json!({"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "E"}}});
    let created = create(&server, &client, "redriven", machine, false).await;
    let arn = start(&server, &client, created["stateMachineArn"].as_str().expect("ARN"), "once", json!({})).await;
    let failed = server.finished(&client, &arn, Duration::from_secs(10)).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(failed["redriveCount"], 0, "{failed}");

    server.call(&client, "RedriveExecution", &json!({"executionArn": arn})).await.expect("RedriveExecution");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let redriven = loop {
        let described = describe(&server, &client, &arn).await;
        if described["redriveCount"] == 1 && described["status"] != "RUNNING" {
            break described;
        }
        assert!(std::time::Instant::now() < deadline, "the redrive never shows: {described}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(redriven["status"], "FAILED", "{redriven}");
    assert!(failed.get("redriveDate").is_none(), "never redriven, no redriveDate: {failed}");
    let redrive_date = redriven["redriveDate"].as_f64().expect("a redriveDate after a redrive");
    assert!(redrive_date >= failed["stopDate"].as_f64().expect("a stop date"), "{failed} then {redriven}");
    let stop = |described: &Value| described["stopDate"].as_f64().expect("a stop date");
    assert!(stop(&redriven) > stop(&failed), "the redriven run's stop date is the new one: {failed} then {redriven}");
    server.terminate();
}

//! Map Runs through the real server and its API. UpdateMapRun on a running Distributed Map: a
//! raised `maxConcurrency` starts more child executions at once, a lowered failure threshold
//! fails the run at once, and bad requests are refused naming the field. ListExecutions of a
//! Map Run names the run on each child, as AWS does. Batches count their items. A redriven
//! parent redrives its failed Map Run, running again only the children that did not succeed.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::TestServer;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

/// A Distributed Map over `$.items`, one at a time, each child waiting for a task token.
fn definition() -> Value {
    json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "MaxConcurrency": 1,
        "ToleratedFailureCount": 5,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Approve",
            "States": {"Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": {"token.$": "$$.Task.Token", "item.$": "$"}},
                "End": true
            }}
        },
        "End": true
    }}})
}

async fn call(server: &TestServer, client: &reqwest::Client, operation: &str, request: Value) -> Value {
    match server.call(client, operation, &request).await {
        Ok(response) => response,
        Err(error) => panic!("{operation} {request}: {error:?}"),
    }
}

/// Creates state machine `name`; returns its ARN.
async fn create(server: &TestServer, client: &reqwest::Client, name: &str, definition: &Value) -> String {
    let created = call(
        server,
        client,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE}),
    )
    .await;
    created["stateMachineArn"].as_str().expect("arn").to_string()
}

/// Starts `machine` on `input`; returns the execution's ARN.
async fn start(server: &TestServer, client: &reqwest::Client, machine: &str, input: &Value) -> String {
    let started =
        call(server, client, "StartExecution", json!({"stateMachineArn": machine, "input": input.to_string()})).await;
    started["executionArn"].as_str().expect("arn").to_string()
}

/// The first Map Run of execution `parent`, waiting up to 10 s for it to start.
async fn first_map_run(server: &TestServer, client: &reqwest::Client, parent: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let runs = call(server, client, "ListMapRuns", json!({"executionArn": parent})).await;
        if let Some(arn) = runs["mapRuns"][0]["mapRunArn"].as_str() {
            return arn.to_string();
        }
        assert!(Instant::now() < deadline, "no Map Run started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The children of `map_run` that are running, waiting up to 10 s for there to be `count`.
async fn running_children(server: &TestServer, client: &reqwest::Client, map_run: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed =
            call(server, client, "ListExecutions", json!({"mapRunArn": map_run, "statusFilter": "RUNNING"})).await;
        let children = listed["executions"].as_array().cloned().unwrap_or_default();
        if children.len() >= count {
            return children;
        }
        assert!(Instant::now() < deadline, "{count} children of {map_run} never ran at once: {children:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The task token child execution `arn` waits on now (from its TaskScheduled event).
async fn token_of(server: &TestServer, client: &reqwest::Client, arn: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let history = call(server, client, "GetExecutionHistory", json!({"executionArn": arn})).await;
        // The task scheduled last, and after the last redrive if it was redriven.
        let scheduled = history["events"].as_array().and_then(|events| {
            events
                .iter()
                .rev()
                .take_while(|event| event["type"] != "ExecutionRedriven")
                .find_map(|event| event["taskScheduledEventDetails"]["parameters"].as_str().map(str::to_string))
        });
        if let Some(parameters) = scheduled {
            let parameters: Value = serde_json::from_str(&parameters).expect("parameters are JSON");
            return parameters["MessageBody"]["token"].as_str().expect("the token").to_string();
        }
        assert!(Instant::now() < deadline, "{arn} never scheduled its task");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn update_map_run_changes_a_running_distributed_map() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let machine = create(&server, &client, "approvals-map", &definition()).await;
    let parent = start(&server, &client, &machine, &json!({"items": ["a", "b", "c", "d", "e", "f"]})).await;
    let map_run = first_map_run(&server, &client, &parent).await;

    // One at a time, as the definition says; each child names its Map Run and its one item.
    let first = running_children(&server, &client, &map_run, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still = running_children(&server, &client, &map_run, 1).await;
    assert_eq!(still.len(), 1, "MaxConcurrency 1 runs one child: {still:?}");
    assert_eq!(first[0]["mapRunArn"], map_run.as_str(), "{first:?}");
    let by_machine = call(&server, &client, "ListExecutions", json!({"stateMachineArn": machine})).await;
    assert!(by_machine["executions"][0].get("mapRunArn").is_none(), "only a Map Run's listing names it: {by_machine}");

    // Raising the concurrency starts two more children at once.
    call(&server, &client, "UpdateMapRun", json!({"mapRunArn": map_run, "maxConcurrency": 3})).await;
    let three = running_children(&server, &client, &map_run, 3).await;
    assert_eq!(three.len(), 3, "{three:?}");
    let described = call(&server, &client, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!(described["maxConcurrency"], 3, "{described}");
    assert_eq!(described["toleratedFailureCount"], 5, "a limit not given stays: {described}");
    assert_eq!(described["itemCounts"]["running"], 3, "{described}");
    assert_eq!(described["itemCounts"]["pending"], 3, "{described}");

    // One child fails: within the five tolerated, so the run goes on.
    let failing = three[0]["executionArn"].as_str().expect("child arn").to_string();
    let token = token_of(&server, &client, &failing).await;
    call(&server, &client, "SendTaskFailure", json!({"taskToken": token, "error": "Rejected", "cause": "no"})).await;
    server.finished(&client, &failing, Duration::from_secs(10)).await;
    running_children(&server, &client, &map_run, 3).await;
    let described = call(&server, &client, "DescribeExecution", json!({"executionArn": parent})).await;
    assert_eq!(described["status"], "RUNNING", "{described}");

    // Tolerating no failure any more fails the run at once, and with it the Map state.
    call(&server, &client, "UpdateMapRun", json!({"mapRunArn": map_run, "toleratedFailureCount": 0})).await;
    let ended = server.finished(&client, &parent, Duration::from_secs(10)).await;
    assert_eq!(ended["status"], "FAILED", "{ended}");
    assert_eq!(ended["error"], "States.ExceedToleratedFailureThreshold", "{ended}");
    let described = call(&server, &client, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["toleratedFailureCount"], 0, "{described}");
    assert_eq!(described["maxConcurrency"], 3, "{described}");

    // A run that has ended cannot be updated; nor can one that does not exist; and each bad
    // value is refused naming its field.
    let refused = server.call(&client, "UpdateMapRun", &json!({"mapRunArn": map_run, "maxConcurrency": 5})).await;
    assert!(
        matches!(&refused, Err((400, kind, message)) if kind == "ValidationException" && message.contains("FAILED")),
        "{refused:?}"
    );
    let unknown = map_run.replace(map_run.rsplit(':').next().expect("run id"), "no-such-run");
    let refused = server.call(&client, "UpdateMapRun", &json!({"mapRunArn": unknown, "maxConcurrency": 5})).await;
    assert!(matches!(&refused, Err((400, kind, _)) if kind == "ResourceNotFound"), "{refused:?}");
    for (field, value) in [
        ("maxConcurrency", json!(-1)),
        ("toleratedFailureCount", json!(-2)),
        ("toleratedFailurePercentage", json!(100.5)),
    ] {
        let refused = server.call(&client, "UpdateMapRun", &json!({"mapRunArn": map_run, field: value})).await;
        assert!(
            matches!(&refused, Err((400, kind, message)) if kind == "ValidationException" && message.contains(&format!("'{field}'"))),
            "{field} {value}: {refused:?}"
        );
    }
}

#[tokio::test]
async fn a_batched_map_run_counts_items_and_child_executions_apart() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemBatcher": {"MaxItemsPerBatch": 2},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Count", "States": {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": true}}
        },
        "End": true
    }}});
    let machine = create(&server, &client, "batches", &definition).await;
    let parent = start(&server, &client, &machine, &json!({"items": [1, 2, 3, 4, 5]})).await;
    let ended = server.finished(&client, &parent, Duration::from_secs(20)).await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(ended["output"], json!([{"n": 2}, {"n": 2}, {"n": 1}]).to_string());

    let map_run = first_map_run(&server, &client, &parent).await;
    let described = call(&server, &client, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!(described["itemCounts"]["total"], 5, "{described}");
    assert_eq!(described["itemCounts"]["succeeded"], 5, "{described}");
    assert_eq!(described["itemCounts"]["resultsWritten"], 5, "{described}");
    assert_eq!(described["executionCounts"]["total"], 3, "{described}");
    assert_eq!(described["executionCounts"]["succeeded"], 3, "{described}");
    let children = call(&server, &client, "ListExecutions", json!({"mapRunArn": map_run})).await;
    let mut counts: Vec<i64> = children["executions"]
        .as_array()
        .expect("children")
        .iter()
        .map(|child| child["itemCount"].as_i64().expect("each child has an itemCount"))
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 2], "{children}");
}

#[tokio::test]
async fn a_failed_batch_counts_each_of_its_items_against_the_threshold() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    // Batches of two; a batch whose first item is "bad" fails. Two failed items are tolerated.
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemBatcher": {"MaxItemsPerBatch": 2},
        "ToleratedFailureCount": 2,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice", "Choices": [{"Variable": "$.Items[0]", "StringEquals": "bad", "Next": "Reject"}], "Default": "Accept"},
                "Reject": {"Type": "Fail", "Error": "Bad", "Cause": "a bad batch"},
                "Accept": {"Type": "Succeed"}
            }
        },
        "End": true
    }}});
    let machine = create(&server, &client, "tolerant", &definition).await;
    let run = |items: Value| {
        let (server, client, machine) = (&server, &client, &machine);
        async move {
            let arn = start(server, client, machine, &json!({"items": items})).await;
            let ended = server.finished(client, &arn, Duration::from_secs(20)).await;
            let map_run = first_map_run(server, client, &arn).await;
            (ended, call(server, client, "DescribeMapRun", json!({"mapRunArn": map_run})).await)
        }
    };

    // One failed batch: two failed items, as many as tolerated.
    let (ended, described) = run(json!(["bad", "x", "y", "z", "w"])).await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(described["itemCounts"]["failed"], 2, "{described}");
    assert_eq!(described["executionCounts"]["failed"], 1, "{described}");

    // Two failed batches: four failed items, more than the two tolerated (counted by batch,
    // two failures would still be tolerated).
    let (ended, described) = run(json!(["bad", "x", "bad", "y", "z"])).await;
    assert_eq!(ended["status"], "FAILED", "{ended}");
    assert_eq!(ended["error"], "States.ExceedToleratedFailureThreshold", "{ended}");
    assert_eq!(described["status"], "FAILED", "{described}");
}

#[tokio::test]
async fn a_redriven_parent_redrives_its_map_run_and_only_the_children_that_did_not_succeed() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let mut definition = definition();
    definition["States"]["Each"]["MaxConcurrency"] = json!(0);
    definition["States"]["Each"]["ToleratedFailureCount"] = json!(0);
    let machine = create(&server, &client, "redriven-map", &definition).await;
    let parent = start(&server, &client, &machine, &json!({"items": ["a", "b", "c"]})).await;
    let map_run = first_map_run(&server, &client, &parent).await;
    // The child of item `index`: children are named `<run id>-<index>`.
    let run_id = map_run.rsplit(':').next().expect("run id").to_string();
    let executions = machine.replace(":stateMachine:", ":execution:");
    let child = |index: usize| format!("{executions}/Each:{run_id}-{index}");
    running_children(&server, &client, &map_run, 3).await;
    let first_token = token_of(&server, &client, &child(0)).await;
    call(&server, &client, "SendTaskSuccess", json!({"taskToken": first_token, "output": "{\"done\":\"a\"}"})).await;
    server.finished(&client, &child(0), Duration::from_secs(10)).await;
    let second_token = token_of(&server, &client, &child(1)).await;
    call(&server, &client, "SendTaskFailure", json!({"taskToken": second_token, "error": "Rejected"})).await;
    let failed = server.finished(&client, &parent, Duration::from_secs(10)).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert_eq!(server.finished(&client, &child(2), Duration::from_secs(10)).await["status"], "ABORTED");

    // The redrive redrives the same Map Run: the failed and the aborted child run again,
    // redriven (same ARNs); the one that succeeded does not.
    call(&server, &client, "RedriveExecution", json!({"executionArn": parent})).await;
    running_children(&server, &client, &map_run, 2).await;
    let described = call(&server, &client, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!(described["status"], "RUNNING", "{described}");
    assert_eq!(described["redriveCount"], 1, "{described}");
    assert!(described["redriveDate"].as_f64().is_some(), "{described}");
    let runs = call(&server, &client, "ListMapRuns", json!({"executionArn": parent})).await;
    assert_eq!(runs["mapRuns"].as_array().map(Vec::len), Some(1), "no second Map Run: {runs}");
    for index in [1, 2] {
        let token = token_of(&server, &client, &child(index)).await;
        let item = ["a", "b", "c"][index];
        let output = json!({"done": item}).to_string();
        call(&server, &client, "SendTaskSuccess", json!({"taskToken": token, "output": output})).await;
    }
    let ended = server.finished(&client, &parent, Duration::from_secs(10)).await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(ended["output"], json!([{"done": "a"}, {"done": "b"}, {"done": "c"}]).to_string());
    let children = call(&server, &client, "ListExecutions", json!({"mapRunArn": map_run})).await;
    let mut redrives: Vec<(String, i64)> = children["executions"]
        .as_array()
        .expect("children")
        .iter()
        .map(|child| {
            (child["name"].as_str().unwrap_or_default().to_string(), child["redriveCount"].as_i64().unwrap_or(-1))
        })
        .collect();
    redrives.sort();
    assert_eq!(redrives.iter().map(|(_, count)| *count).collect::<Vec<_>>(), [0, 1, 1], "{children}");
    let history = call(&server, &client, "GetExecutionHistory", json!({"executionArn": parent})).await;
    let events = history["events"].as_array().expect("events");
    let types: Vec<&str> = events.iter().filter_map(|event| event["type"].as_str()).collect();
    assert_eq!(types.iter().filter(|kind| **kind == "MapRunStarted").count(), 1, "{types:?}");
    let redriven = events.iter().find(|event| event["type"] == "MapRunRedriven").expect("MapRunRedriven");
    assert_eq!(redriven["mapRunRedrivenEventDetails"], json!({"mapRunArn": map_run, "redriveCount": 1}));
    let described = call(&server, &client, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["itemCounts"]["succeeded"], 3, "{described}");
    // The Map Run's page says it was redriven.
    let page = client
        .get(server.url(&format!("/executions/map-runs/{}", map_run.replace(':', "%3A").replace('/', "%2F"))))
        .send()
        .await
        .expect("the Map Run page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("its text");
    assert!(html.contains(r#"data-testid="map-run-redriven""#) && html.contains("once, last at"), "{html}");
}

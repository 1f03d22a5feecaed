//! A Distributed Map reads its items from the local folder that stands in for S3
//! (`STATEHOUSE_S3_DIR`) and runs each as a child execution of its Map Run, through the
//! real server and its API.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::TestServer;

#[tokio::test]
async fn a_distributed_map_reads_a_csv_from_the_local_s3_folder() {
    let folder = tempfile::tempdir().expect("temp dir");
    let bucket = folder.path().join("s3/orders-bucket/incoming");
    std::fs::create_dir_all(&bucket).expect("bucket folder");
    std::fs::write(bucket.join("orders.csv"), "id,amount\n1,10\n2,\"2,5\"\n3,7\n").expect("csv");
    let s3 = folder.path().join("s3");
    let s3_dir = s3.to_string_lossy().to_string();
    let server = TestServer::spawn_with(&folder.path().join("data"), &[("STATEHOUSE_S3_DIR", s3_dir.as_str())]);
    let client = reqwest::Client::new();
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
            "Parameters": {"Bucket": "orders-bucket", "Key": "incoming/orders.csv"}
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Label", "States": {"Label": {"Type": "Pass", "Parameters": {"order.$": "$.id", "amount.$": "$.amount"}, "End": true}}
        },
        "End": true
    }}});
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "csv-map", "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    let started = server
        .call(&client, "StartExecution", &json!({"stateMachineArn": created["stateMachineArn"], "input": "{}"}))
        .await
        .expect("start");
    let arn = started["executionArn"].as_str().expect("arn").to_string();
    let described = server.finished(&client, &arn, Duration::from_secs(20)).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(
        output,
        json!([{"order": "1", "amount": "10"}, {"order": "2", "amount": "2,5"}, {"order": "3", "amount": "7"}])
    );

    // Each item ran as a child execution of the Map Run, which the API describes.
    let runs = server.call(&client, "ListMapRuns", &json!({"executionArn": arn})).await.expect("list map runs");
    let runs = runs["mapRuns"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let map_run = runs[0]["mapRunArn"].as_str().expect("map run arn").to_string();
    assert!(map_run.contains(":mapRun:csv-map/Each:"), "{map_run}");
    let described = server.call(&client, "DescribeMapRun", &json!({"mapRunArn": map_run})).await.expect("describe");
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["itemCounts"]["total"], 3);
    assert_eq!(described["itemCounts"]["succeeded"], 3);
    let children = server.call(&client, "ListExecutions", &json!({"mapRunArn": map_run})).await.expect("children");
    let children = children["executions"].as_array().cloned().unwrap_or_default();
    assert_eq!(children.len(), 3);
    assert!(children.iter().all(|child| child["status"] == "SUCCEEDED"), "{children:?}");
    let history = server.call(&client, "GetExecutionHistory", &json!({"executionArn": arn})).await.expect("history");
    let types: Vec<&str> =
        history["events"].as_array().expect("events").iter().filter_map(|event| event["type"].as_str()).collect();
    assert!(types.contains(&"MapRunStarted") && types.contains(&"MapRunSucceeded"), "{types:?}");
    assert!(!types.iter().any(|kind| kind.starts_with("Pass")), "item states live in the children: {types:?}");

    // A missing object fails the state with States.ItemReaderFailed naming it. As on AWS, the
    // Map Run reads the items, so the run fails first and is listed as failed.
    let missing = definition.to_string().replace("incoming/orders.csv", "incoming/none.csv");
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({"name": "csv-missing", "definition": missing, "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    let started = server
        .call(&client, "StartExecution", &json!({"stateMachineArn": created["stateMachineArn"], "input": "{}"}))
        .await
        .expect("start");
    let arn = started["executionArn"].as_str().expect("arn").to_string();
    let described = server.finished(&client, &arn, Duration::from_secs(20)).await;
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "States.ItemReaderFailed");
    assert!(described["cause"].as_str().is_some_and(|cause| cause.contains("s3://orders-bucket/incoming/none.csv")));
    let history = server.call(&client, "GetExecutionHistory", &json!({"executionArn": arn})).await.expect("history");
    let types: Vec<&str> =
        history["events"].as_array().expect("events").iter().filter_map(|event| event["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    let runs = server.call(&client, "ListMapRuns", &json!({"executionArn": arn})).await.expect("list map runs");
    let map_run = runs["mapRuns"][0]["mapRunArn"].as_str().expect("a failed map run is listed").to_string();
    let described = server.call(&client, "DescribeMapRun", &json!({"mapRunArn": map_run})).await.expect("describe");
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["itemCounts"]["total"], 0);
}

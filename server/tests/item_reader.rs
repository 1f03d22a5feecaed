//! A Distributed Map reads its items from the local folder that stands in for S3
//! (`STATEHOUSE_S3_DIR`), through the real server and its API.

mod support;

use std::time::{Duration, Instant};

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
    let deadline = Instant::now() + Duration::from_secs(20);
    let described: Value = loop {
        let described =
            server.call(&client, "DescribeExecution", &json!({"executionArn": arn})).await.expect("describe");
        if described["status"] != "RUNNING" {
            break described;
        }
        assert!(Instant::now() < deadline, "the execution did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(
        output,
        json!([{"order": "1", "amount": "10"}, {"order": "2", "amount": "2,5"}, {"order": "3", "amount": "7"}])
    );

    // A missing object fails the state with States.ItemReaderFailed naming it.
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
    let deadline = Instant::now() + Duration::from_secs(20);
    let described: Value = loop {
        let described =
            server.call(&client, "DescribeExecution", &json!({"executionArn": arn})).await.expect("describe");
        if described["status"] != "RUNNING" {
            break described;
        }
        assert!(Instant::now() < deadline, "the execution did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "States.ItemReaderFailed");
    assert!(described["cause"].as_str().is_some_and(|cause| cause.contains("s3://orders-bucket/incoming/none.csv")));
}

//! A Distributed Map's `ResultWriter` writes its Map Run's child execution results to the
//! local folder that stands in for S3 (`STATEHOUSE_S3_DIR`) and the Map state's result
//! names the manifest, through the real server and its API.

mod support;

use std::{path::Path, time::Duration};

use serde_json::{Value, json};
use support::TestServer;

/// Creates a state machine, starts it with `input` and waits for its end.
async fn run(server: &TestServer, client: &reqwest::Client, name: &str, definition: &Value, input: &Value) -> Value {
    let created = server
        .call(
            client,
            "CreateStateMachine",
            &json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create");
    let started = server
        .call(
            client,
            "StartExecution",
            &json!({"stateMachineArn": created["stateMachineArn"], "input": input.to_string()}),
        )
        .await
        .expect("start");
    let arn = started["executionArn"].as_str().expect("arn").to_string();
    server.finished(client, &arn, Duration::from_secs(20)).await
}

/// A distributed Map over `$.items` whose item `{"n": 2}` fails, tolerating one failure.
fn definition(result_writer: Value) -> Value {
    json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ToleratedFailureCount": 1,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Boom"}], "Default": "Double"},
                "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "item two is bad"},
                "Double": {"Type": "Pass", "Parameters": {"n.$": "$.n", "seen": true}, "End": true}
            }
        },
        "ResultWriter": result_writer,
        "End": true
    }}})
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[tokio::test]
async fn a_distributed_map_writes_its_results_to_the_local_s3_folder() {
    let folder = tempfile::tempdir().expect("temp dir");
    let s3 = folder.path().join("s3");
    let s3_dir = s3.to_string_lossy().to_string();
    let server = TestServer::spawn_with(&folder.path().join("data"), &[("STATEHOUSE_S3_DIR", s3_dir.as_str())]);
    let client = reqwest::Client::new();
    let input = json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}], "prefix": "nightly"});
    let writer = json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "results", "Prefix.$": "$.prefix"}
    });
    let described = run(&server, &client, "writer-map", &definition(writer), &input).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");

    // The state's result names the Map Run and its manifest.
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    let map_run = output["MapRunArn"].as_str().expect("MapRunArn").to_string();
    assert!(map_run.contains(":mapRun:writer-map/Each:"), "{map_run}");
    let run_id = map_run.rsplit(':').next().expect("run id");
    let manifest_key = format!("nightly/{run_id}/manifest.json");
    assert_eq!(
        output,
        json!({"MapRunArn": map_run, "ResultWriterDetails": {"Bucket": "results", "Key": manifest_key}})
    );

    // The manifest lists the files, which hold the child executions' records.
    let manifest = read_json(&s3.join("results").join(&manifest_key));
    let succeeded_key = format!("nightly/{run_id}/SUCCEEDED_0.json");
    let failed_key = format!("nightly/{run_id}/FAILED_0.json");
    let size = |key: &str| std::fs::metadata(s3.join("results").join(key)).expect("result file").len();
    assert_eq!(
        manifest,
        json!({
            "DestinationBucket": "results",
            "MapRunArn": map_run,
            "ResultFiles": {
                "FAILED": [{"Key": failed_key, "Size": size(&failed_key)}],
                "PENDING": [],
                "SUCCEEDED": [{"Key": succeeded_key, "Size": size(&succeeded_key)}],
            },
        })
    );
    let children = server.call(&client, "ListExecutions", &json!({"mapRunArn": map_run})).await.expect("children");
    let children = children["executions"].as_array().cloned().unwrap_or_default();
    let child_arn = |index: usize| {
        children
            .iter()
            .find(|child| child["name"] == format!("{run_id}-{index}"))
            .and_then(|child| child["executionArn"].as_str())
            .unwrap_or_else(|| panic!("no child {index}: {children:?}"))
            .to_string()
    };
    let succeeded = read_json(&s3.join("results").join(&succeeded_key));
    let succeeded = succeeded.as_array().expect("array");
    assert_eq!(succeeded.len(), 2, "{succeeded:?}");
    for (record, index, n) in [(&succeeded[0], 0, 1), (&succeeded[1], 2, 3)] {
        assert_eq!(record["ExecutionArn"], child_arn(index));
        assert_eq!(record["Name"], format!("{run_id}-{index}"));
        assert_eq!(record["Status"], "SUCCEEDED");
        assert_eq!(serde_json::from_str::<Value>(record["Input"].as_str().expect("Input")).ok(), Some(json!({"n": n})));
        assert_eq!(
            serde_json::from_str::<Value>(record["Output"].as_str().expect("Output")).ok(),
            Some(json!({"n": n, "seen": true}))
        );
        assert!(record["StateMachineArn"].as_str().is_some_and(|arn| arn.ends_with(":stateMachine:writer-map/Each")));
        assert!(record["StartDate"].as_str().is_some_and(|date| date.ends_with('Z')), "{record}");
        assert!(record["StopDate"].as_str().is_some_and(|date| date.ends_with('Z')), "{record}");
        assert_eq!(record["RedriveCount"], 0);
    }
    let failed = read_json(&s3.join("results").join(&failed_key));
    let failed = failed.as_array().expect("array");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["ExecutionArn"], child_arn(1));
    assert_eq!(failed[0]["Status"], "FAILED");
    assert_eq!(failed[0]["Error"], "Item.Bad");
    assert_eq!(failed[0]["Cause"], "item two is bad");
    assert!(failed[0].get("Output").is_none(), "{}", failed[0]);
    let leftovers: Vec<String> = std::fs::read_dir(s3.join("results/nightly").join(run_id))
        .expect("run folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let request = json!({"executionArn": described["executionArn"]});
    let history = server.call(&client, "GetExecutionHistory", &request).await.expect("history");
    let types: Vec<&str> =
        history["events"].as_array().expect("events").iter().filter_map(|event| event["type"].as_str()).collect();
    assert!(types.contains(&"MapRunSucceeded"), "{types:?}");

    // COMPACT writes the outputs alone.
    let writer = json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "results", "Prefix": "compact"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}
    });
    let described = run(&server, &client, "writer-compact", &definition(writer), &input).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().expect("output")).expect("JSON output");
    let manifest_key = output["ResultWriterDetails"]["Key"].as_str().expect("Key").to_string();
    let manifest = read_json(&s3.join("results").join(&manifest_key));
    let succeeded_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].as_str().expect("SUCCEEDED key");
    assert_eq!(
        read_json(&s3.join("results").join(succeeded_key)),
        json!([{"n": 1, "seen": true}, {"n": 3, "seen": true}])
    );

    // A bucket name that leaves the folder fails the state with States.ResultWriterFailed.
    let writer = json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "..", "Prefix": "x"}});
    let described = run(&server, &client, "writer-bad", &definition(writer), &input).await;
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "States.ResultWriterFailed", "{described}");
}

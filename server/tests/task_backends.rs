//! The task backends against real HTTP: the real `statehouse` binary runs HTTP Tasks against
//! a small HTTP API started here, invokes "Lambda functions" through a Lambda-Invoke-compatible
//! endpoint started here (it stands in for `sam local start-lambda`), and runs nested
//! executions on itself. Every outcome, including errors, must reach Retry/Catch under the
//! names Step Functions gives them.

mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use support::TestServer;

const ACCOUNT_ARN: &str = "arn:aws:states:us-east-1:123456789012";

/// What the fake API and Lambda endpoint have seen.
#[derive(Clone, Default)]
struct Calls {
    failing_function: Arc<AtomicUsize>,
}

/// One handler for both roles. `/items`, `/orders`: echo the request. `/missing`: 404 with a
/// JSON body. `/2015-03-31/functions/NAME/invocations`: the Lambda Invoke API for `double`
/// (returns `{"doubled": n * 2}`), `fails` (a function error) and nothing else (404
/// ResourceNotFound, as `sam local start-lambda` answers).
async fn handle(calls: Calls, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path();
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Some(function) =
        path.strip_prefix("/2015-03-31/functions/").and_then(|rest| rest.strip_suffix("/invocations"))
    {
        let event: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        return match function {
            "double" => {
                let n = event["n"].as_i64().unwrap_or_default();
                ([("content-type", "application/json")], json!({"doubled": n * 2}).to_string()).into_response()
            }
            "fails" => {
                calls.failing_function.fetch_add(1, Ordering::SeqCst);
                let error = json!({"errorType": "OrderRejected", "errorMessage": "bad order", "trace": []});
                ([("X-Amz-Function-Error", "Unhandled"), ("content-type", "application/json")], error.to_string())
                    .into_response()
            }
            other => (
                StatusCode::NOT_FOUND,
                [("x-amzn-ErrorType", "ResourceNotFound")],
                json!({"Type": "User", "Message": format!("Function not found: {other}")}).to_string(),
            )
                .into_response(),
        };
    }
    if path == "/missing" {
        return (
            StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            json!({"message": "no such item"}).to_string(),
        )
            .into_response();
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string();
    let echo = json!({
        "method": method.as_str(),
        "path": path,
        "query": uri.query().unwrap_or_default(),
        "test": header("x-test"),
        "contentType": header("content-type"),
        "body": text,
    });
    ([("content-type", "application/json")], echo.to_string()).into_response()
}

/// Starts the fake API and Lambda endpoint on a free port: `http://127.0.0.1:PORT`.
async fn start_fake(calls: Calls) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake");
    let address = listener.local_addr().expect("fake address");
    let router = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        handle(calls.clone(), method, uri, headers, body)
    });
    tokio::spawn(async move { axum::serve(listener, router).await.expect("the fake serves") });
    format!("http://{address}")
}

async fn create(server: &TestServer, client: &reqwest::Client, name: &str, definition: &Value) -> String {
    let created = server
        .call(
            client,
            "CreateStateMachine",
            &json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await
        .expect("create the state machine");
    created["stateMachineArn"].as_str().expect("an ARN").to_string()
}

/// Waits until `arn` ends and returns its DescribeExecution.
async fn finished(server: &TestServer, client: &reqwest::Client, arn: &str) -> Value {
    server.finished(client, arn, Duration::from_secs(30)).await
}

/// Starts `machine` with `input`, waits for the end, and returns the output of a success.
async fn run(server: &TestServer, client: &reqwest::Client, machine: &str, input: Value) -> Value {
    let started = server
        .call(client, "StartExecution", &json!({"stateMachineArn": machine, "input": input.to_string()}))
        .await
        .expect("start");
    let described = finished(server, client, started["executionArn"].as_str().expect("an ARN")).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    serde_json::from_str(described["output"].as_str().expect("output text")).expect("output JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_tasks_call_the_endpoint_and_name_errors_as_aws_does() {
    let fake = start_fake(Calls::default()).await;
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let connection = json!({"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/1"});
    let definition = json!({
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": format!("{fake}/items"),
                    "Method": "GET",
                    "Headers": {"x-test": "yes"},
                    "QueryParameters": {"id.$": "$.id", "tag": ["a", "b"]},
                    "Authentication": connection,
                },
                "ResultSelector": {"status.$": "$.StatusCode", "text.$": "$.StatusText", "echo.$": "$.ResponseBody"},
                "ResultPath": "$.get",
                "Next": "Post"
            },
            "Post": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": format!("{fake}/orders"),
                    "Method": "POST",
                    "RequestBody": {"id.$": "$.id", "lines": [1, 2]},
                    "Authentication": connection,
                },
                "ResultSelector": {"echo.$": "$.ResponseBody"},
                "ResultPath": "$.post",
                "Next": "Form"
            },
            "Form": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": format!("{fake}/orders"),
                    "Method": "POST",
                    "RequestBody": {"id.$": "$.id", "lines": [1, 2]},
                    "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}},
                    "Authentication": connection,
                },
                "ResultSelector": {"echo.$": "$.ResponseBody"},
                "ResultPath": "$.form",
                "Next": "Missing"
            },
            "Missing": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": format!("{fake}/missing"), "Method": "GET", "Authentication": connection},
                "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.missing", "Next": "Dead"}],
                "Next": "Dead"
            },
            "Dead": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": "http://127.0.0.1:1/nothing", "Method": "GET", "Authentication": connection},
                "Catch": [{"ErrorEquals": ["States.Http.Socket"], "ResultPath": "$.dead", "Next": "Done"}],
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let machine = create(&server, &client, "http", &definition).await;
    let output = run(&server, &client, &machine, json!({"id": "42"})).await;

    assert_eq!(output["get"]["status"], 200, "{output}");
    assert_eq!(output["get"]["text"], "OK");
    let get = &output["get"]["echo"];
    assert_eq!((get["method"].as_str(), get["path"].as_str()), (Some("GET"), Some("/items")));
    assert_eq!(get["query"], "id=42&tag%5B0%5D=a&tag%5B1%5D=b", "arrays use AWS's default INDICES format");
    assert_eq!(get["test"], "yes");

    let post = &output["post"]["echo"];
    assert_eq!(post["contentType"], "application/json");
    let posted: Value = serde_json::from_str(post["body"].as_str().expect("body text")).expect("a JSON body");
    assert_eq!(posted, json!({"id": "42", "lines": [1, 2]}));

    let form = &output["form"]["echo"];
    assert_eq!(form["contentType"], "application/x-www-form-urlencoded");
    assert_eq!(form["body"], "id=42&lines%5B%5D=1&lines%5B%5D=2");

    assert_eq!(output["missing"]["Error"], "States.Http.StatusCode.404", "{output}");
    let cause: Value = serde_json::from_str(output["missing"]["Cause"].as_str().expect("a cause")).expect("cause JSON");
    assert_eq!(cause["StatusCode"], 404);
    assert_eq!(cause["ResponseBody"], json!({"message": "no such item"}));
    assert_eq!(output["dead"]["Error"], "States.Http.Socket", "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_tasks_invoke_the_endpoint_and_retry_and_catch_function_errors() {
    let calls = Calls::default();
    let fake = start_fake(calls.clone()).await;
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn_with(folder.path(), &[("STATEHOUSE_LAMBDA_ENDPOINT", fake.as_str())]);
    let client = reqwest::Client::new();
    let function = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let definition = json!({
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function("double"), "Payload": {"n.$": "$.n"}},
                "ResultSelector": {"doubled.$": "$.Payload.doubled", "status.$": "$.StatusCode", "version.$": "$.ExecutedVersion"},
                "ResultPath": "$.invoke",
                "Next": "Bare"
            },
            "Bare": {"Type": "Task", "Resource": function("double"), "InputPath": "$.invoke", "Parameters": {"n.$": "$.doubled"}, "ResultPath": "$.bare", "Next": "Fails"},
            "Fails": {
                "Type": "Task",
                "Resource": function("fails"),
                "Retry": [{"ErrorEquals": ["OrderRejected"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["OrderRejected"], "ResultPath": "$.rejected", "Next": "Unknown"}],
                "Next": "Unknown"
            },
            "Unknown": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "nope", "Payload": {}},
                "Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "ResultPath": "$.unknown", "Next": "Done"}],
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let machine = create(&server, &client, "lambda", &definition).await;
    let output = run(&server, &client, &machine, json!({"n": 21})).await;

    assert_eq!(output["invoke"], json!({"doubled": 42, "status": 200, "version": "$LATEST"}), "{output}");
    assert_eq!(output["bare"], json!({"doubled": 84}), "a function ARN's result is the payload itself");
    assert_eq!(output["rejected"]["Error"], "OrderRejected", "{output}");
    let cause: Value =
        serde_json::from_str(output["rejected"]["Cause"].as_str().expect("a cause")).expect("cause JSON");
    assert_eq!(cause["errorMessage"], "bad order");
    assert_eq!(calls.failing_function.load(Ordering::SeqCst), 2, "one call and one retry");
    assert_eq!(output["unknown"]["Error"], "Lambda.ResourceNotFoundException", "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_tasks_without_an_endpoint_fail_with_a_clear_message() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let definition = json!({"StartAt": "Invoke", "States": {"Invoke": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "double", "Payload": {}}, "End": true
    }}});
    let machine = create(&server, &client, "unbound", &definition).await;
    let started = server.call(&client, "StartExecution", &json!({"stateMachineArn": machine})).await.expect("start");
    let described = finished(&server, &client, started["executionArn"].as_str().expect("an ARN")).await;
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "States.Runtime");
    assert!(
        described["cause"].as_str().is_some_and(|cause| cause.contains("STATEHOUSE_LAMBDA_ENDPOINT")),
        "{described}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_executions_run_on_the_same_engine() {
    let folder = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(folder.path());
    let client = reqwest::Client::new();
    let adder = create(
        &server,
        &client,
        "adder",
        &json!({"StartAt": "Add", "States": {"Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}}}),
    )
    .await;
    let broken = create(
        &server,
        &client,
        "broken",
        &json!({"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "ChildBroke", "Cause": "on purpose"}}}),
    )
    .await;
    let parent = json!({
        "StartAt": "Sync2",
        "States": {
            "Sync2": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": adder, "Input": {"a.$": "$.a", "b": 2}},
                "ResultSelector": {"sum.$": "$.Output.sum", "status.$": "$.Status"},
                "ResultPath": "$.sync2",
                "Next": "Sync"
            },
            "Sync": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": adder, "Input": "{\"a\": 1, \"b\": 1}"},
                "ResultSelector": {"output.$": "$.Output"},
                "ResultPath": "$.sync",
                "Next": "Broken"
            },
            "Broken": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": broken},
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.broken", "Next": "Fire"}],
                "Next": "Fire"
            },
            "Fire": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {"StateMachineArn": adder, "Name": "fire-and-forget", "Input": {"a": 5, "b": 5}},
                "ResultPath": "$.fired",
                "End": true
            }
        }
    });
    let machine = create(&server, &client, "parent", &parent).await;
    let output = run(&server, &client, &machine, json!({"a": 40})).await;

    assert_eq!(output["sync2"], json!({"sum": 42, "status": "SUCCEEDED"}), "{output}");
    assert_eq!(output["sync"]["output"], "{\"sum\":2}", ".sync returns the child's output as JSON text");
    assert_eq!(output["broken"]["Error"], "States.TaskFailed", "{output}");
    let cause: Value = serde_json::from_str(output["broken"]["Cause"].as_str().expect("a cause")).expect("cause JSON");
    assert_eq!((cause["Status"].as_str(), cause["Error"].as_str()), (Some("FAILED"), Some("ChildBroke")));
    let fired = output["fired"]["ExecutionArn"].as_str().expect("the child's ARN");
    assert_eq!(fired, format!("{ACCOUNT_ARN}:execution:adder:fire-and-forget"));
    assert!(output["fired"]["StartDate"].is_number(), "{output}");
    let child = finished(&server, &client, fired).await;
    assert_eq!(child["output"], "{\"sum\":10}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_child_is_found_again_after_a_crash() {
    let folder = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let server = TestServer::spawn(folder.path());
    let slow = create(
        &server,
        &client,
        "slow",
        &json!({"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 2, "Next": "Done"}, "Done": {"Type": "Pass", "Result": "slept", "End": true}}}),
    )
    .await;
    let parent = json!({"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": slow}, "OutputPath": "$.Output", "End": true
    }}});
    let machine = create(&server, &client, "waiter", &parent).await;
    let started = server.call(&client, "StartExecution", &json!({"stateMachineArn": machine})).await.expect("start");
    let parent_arn = started["executionArn"].as_str().expect("an ARN").to_string();
    // Crash once the child runs, then restart on the same data.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = server.call(&client, "ListExecutions", &json!({"stateMachineArn": slow})).await.expect("list");
        if listed["executions"].as_array().is_some_and(|executions| !executions.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the child never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.crash();
    let server = TestServer::spawn(folder.path());

    let described = finished(&server, &client, &parent_arn).await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], "\"slept\"");
    let listed = server.call(&client, "ListExecutions", &json!({"stateMachineArn": slow})).await.expect("list");
    assert_eq!(listed["executions"].as_array().map(Vec::len), Some(1), "re-dispatch attached to the child: {listed}");
}

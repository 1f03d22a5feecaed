//! What the Step Functions API refuses, and in which words, as AWS's clients see it from the
//! real `statehouse` binary: definitions that are not JSON or too long, Express machines with
//! integrations Express workflows lack, role ARNs and logging configurations AWS refuses,
//! task tokens that are not ours or whose task has closed, over-long errors and causes,
//! activity polls of ARNs that name no activity, ARNs of other accounts and of aliases,
//! `nextToken`s of another listing or altered, members outside the model's ranges, customer
//! managed KMS keys, Distributed Map ARNs started and Map Run children redriven directly; and
//! that every answer names its request id and Distributed Maps are described as AWS does.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::TestServer;

const ACCOUNT_ARN: &str = "arn:aws:states:us-east-1:123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/refusals";

/// A Pass machine's definition, as JSON text.
fn pass_definition() -> String {
    json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}).to_string()
}

/// A machine whose one Task waits for its token (handed out in the TaskScheduled event).
fn callback_definition() -> String {
    json!({"StartAt": "Wait for it", "States": {"Wait for it": {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": true
    }}})
    .to_string()
}

struct Api {
    server: TestServer,
    client: reqwest::Client,
    _data: tempfile::TempDir,
}

impl Api {
    fn start() -> Self {
        let data = tempfile::tempdir().expect("a data folder");
        let server = TestServer::spawn(data.path());
        Api { server, client: reqwest::Client::new(), _data: data }
    }

    async fn call(&self, operation: &str, request: Value) -> Result<Value, (u16, String, String)> {
        self.server.call(&self.client, operation, &request).await
    }

    async fn ok(&self, operation: &str, request: Value) -> Value {
        match self.call(operation, request.clone()).await {
            Ok(response) => response,
            Err(error) => panic!("{operation} {request}: {error:?}"),
        }
    }

    /// The error an operation answers: `(__type, message)`.
    async fn refused(&self, operation: &str, request: Value) -> (String, String) {
        match self.call(operation, request.clone()).await {
            Ok(response) => panic!("{operation} {request} was accepted: {response}"),
            Err((status, kind, message)) => {
                assert_eq!(status, 400, "{kind}: {message}");
                (kind, message)
            }
        }
    }

    /// Creates the Pass machine `name` with its first version published: its answer.
    async fn create_published(&self, name: &str) -> Value {
        self.ok(
            "CreateStateMachine",
            json!({"name": name, "definition": pass_definition(), "roleArn": ROLE, "publish": true}),
        )
        .await
    }

    async fn create(&self, name: &str, definition: &str, kind: &str) -> Result<Value, (u16, String, String)> {
        self.call("CreateStateMachine", json!({"name": name, "definition": definition, "roleArn": ROLE, "type": kind}))
            .await
    }

    /// The task token of `execution_arn`'s first TaskScheduled event, once it is there.
    async fn scheduled_token(&self, execution_arn: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let history = self.ok("GetExecutionHistory", json!({"executionArn": execution_arn})).await;
            let token = history["events"].as_array().expect("events").iter().find_map(|event| {
                let parameters = event["taskScheduledEventDetails"]["parameters"].as_str()?;
                let parameters: Value = serde_json::from_str(parameters).ok()?;
                parameters["MessageBody"]["token"].as_str().map(str::to_string)
            });
            if let Some(token) = token {
                return token;
            }
            assert!(Instant::now() < deadline, "no task was scheduled: {history}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn definitions_are_json_only_within_awss_length_and_express_machines_lack_callbacks() {
    let api = Api::start();
    let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n";
    for (text, what) in [(yaml, "YAML"), ("not json", "a bare word"), ("  ", "blanks")] {
        let (kind, message) =
            api.refused("CreateStateMachine", json!({"name": "m", "definition": text, "roleArn": ROLE})).await;
        assert_eq!(kind, "InvalidDefinition", "{what}: {message}");
        assert!(
            message.starts_with("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "),
            "{what}: {message}"
        );
        let validated = api.ok("ValidateStateMachineDefinition", json!({"definition": text})).await;
        assert_eq!(validated["result"], "FAIL", "{what}: {validated}");
        assert_eq!(validated["diagnostics"][0]["code"], "INVALID_JSON_DESCRIPTION", "{what}: {validated}");
    }
    api.create("m", &pass_definition(), "STANDARD").await.expect("JSON is taken");
    let machine_arn = format!("{ACCOUNT_ARN}:stateMachine:m");
    let (kind, message) =
        api.refused("UpdateStateMachine", json!({"stateMachineArn": machine_arn, "definition": yaml})).await;
    assert_eq!(kind, "InvalidDefinition");
    assert!(message.contains("INVALID_JSON_DESCRIPTION"), "{message}");
    // What was stored still runs: the refused update changed nothing.
    let described = api.ok("DescribeStateMachine", json!({"stateMachineArn": machine_arn})).await;
    assert_eq!(described["definition"], pass_definition());

    // AWS's limit is 1,048,576 characters, named as AWS names it.
    let padded = format!(
        r#"{{"Comment": "{}", "StartAt": "A", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}"#,
        "x".repeat(1_048_576)
    );
    let too_long = "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576";
    for operation in ["CreateStateMachine", "ValidateStateMachineDefinition"] {
        let request = json!({"name": "long", "definition": padded, "roleArn": ROLE});
        assert_eq!(api.refused(operation, request).await, ("ValidationException".into(), too_long.into()));
    }
    let request = json!({"stateMachineArn": machine_arn, "definition": padded});
    assert_eq!(api.refused("UpdateStateMachine", request).await, ("ValidationException".into(), too_long.into()));

    // Express workflows support neither callbacks nor .sync jobs nor activities.
    let sync = json!({"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
        "Parameters": {"Cluster": "c", "TaskDefinition": "t"}, "End": true}}})
    .to_string();
    let activity = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": format!("{ACCOUNT_ARN}:activity:work"), "End": true}}})
    .to_string();
    for (definition, pattern) in
        [(callback_definition(), ".waitForTaskToken"), (sync.clone(), ".sync"), (activity, "an activity")]
    {
        let (kind, message) = api
            .refused(
                "CreateStateMachine",
                json!({"name": "fast", "definition": definition, "roleArn": ROLE, "type": "EXPRESS"}),
            )
            .await;
        assert_eq!(kind, "InvalidDefinition", "{message}");
        assert!(message.contains(pattern) && message.contains("Express workflows do not support"), "{message}");
        let validated =
            api.ok("ValidateStateMachineDefinition", json!({"definition": definition, "type": "EXPRESS"})).await;
        assert_eq!(validated["result"], "FAIL", "{validated}");
        assert!(
            validated["diagnostics"][0]["location"].as_str().unwrap_or_default().ends_with("/Resource"),
            "{validated}"
        );
        let standard = api.ok("ValidateStateMachineDefinition", json!({"definition": definition})).await;
        assert_eq!(standard["result"], "OK", "a Standard machine may: {standard}");
    }
    api.create("slow", &callback_definition(), "STANDARD").await.expect("Standard machines wait for callbacks");
    api.create("fast", &pass_definition(), "EXPRESS").await.expect("an Express Pass machine");
    let request = json!({"stateMachineArn": format!("{ACCOUNT_ARN}:stateMachine:fast"), "definition": sync});
    let (kind, message) = api.refused("UpdateStateMachine", request).await;
    assert_eq!(kind, "InvalidDefinition");
    assert!(message.contains(".sync integration"), "{message}");
}

#[tokio::test]
async fn role_arns_and_logging_configurations_are_checked_as_aws_checks_them() {
    let api = Api::start();
    let request = json!({"name": "m", "definition": pass_definition(), "roleArn": "notanarn"});
    let refused = api.refused("CreateStateMachine", request).await;
    assert_eq!(refused, ("InvalidArn".into(), "Invalid Role Arn: 'notanarn'".into()));
    let logging_without_destination = json!({"level": "ALL", "includeExecutionData": true});
    let no_destination = (
        "InvalidLoggingConfiguration".to_string(),
        "Invalid Logging Configuration: Must specify exactly one Log Destination.".to_string(),
    );
    let request = json!({"name": "m", "definition": pass_definition(), "roleArn": ROLE, "loggingConfiguration": logging_without_destination});
    assert_eq!(api.refused("CreateStateMachine", request).await, no_destination);
    let listed = api.ok("ListStateMachines", json!({})).await;
    assert_eq!(listed["stateMachines"], json!([]), "nothing refused was stored");

    let request = json!({"name": "m", "definition": pass_definition(), "roleArn": ROLE,
        "loggingConfiguration": {"level": "OFF"}});
    api.ok("CreateStateMachine", request).await;
    let machine_arn = format!("{ACCOUNT_ARN}:stateMachine:m");
    let refused = api
        .refused("UpdateStateMachine", json!({"stateMachineArn": machine_arn, "roleArn": "arn:aws:iam::123:role/x"}))
        .await;
    assert_eq!(refused, ("InvalidArn".into(), "Invalid Role Arn: 'arn:aws:iam::123:role/x'".into()));
    let request =
        json!({"stateMachineArn": machine_arn, "loggingConfiguration": {"level": "ERROR", "destinations": []}});
    assert_eq!(api.refused("UpdateStateMachine", request).await, no_destination);
    let described = api.ok("DescribeStateMachine", json!({"stateMachineArn": machine_arn})).await;
    assert_eq!(described["roleArn"], ROLE);
    assert_eq!(described["loggingConfiguration"]["level"], "OFF");
    let with_destination = json!({"level": "ERROR", "destinations": [
        {"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:sfn:*"}}]});
    api.ok("UpdateStateMachine", json!({"stateMachineArn": machine_arn, "loggingConfiguration": with_destination}))
        .await;
}

#[tokio::test]
async fn task_tokens_not_ours_are_invalid_and_those_of_closed_tasks_timed_out() {
    let api = Api::start();
    api.create("callback", &callback_definition(), "STANDARD").await.expect("created");
    let machine_arn = format!("{ACCOUNT_ARN}:stateMachine:callback");

    for (operation, extra) in
        [("SendTaskSuccess", json!({"output": "{}"})), ("SendTaskFailure", json!({})), ("SendTaskHeartbeat", json!({}))]
    {
        let mut request = extra.clone();
        request["taskToken"] = json!("garbage");
        let refused = api.refused(operation, request).await;
        assert_eq!(refused.0, "InvalidToken", "{operation}: {refused:?}");
        // Outside the model's 1 to 2,048 characters, the token is refused before any look-up.
        for (token, constraint) in
            [(String::new(), "greater than or equal to 1"), ("t".repeat(2049), "less than or equal to 2048")]
        {
            let mut request = extra.clone();
            request["taskToken"] = json!(token);
            assert_eq!(
                api.refused(operation, request).await,
                (
                    "ValidationException".to_string(),
                    format!(
                        "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length {constraint}"
                    )
                ),
                "{operation}"
            );
        }
    }

    // A task answered once is closed: answering it again is TaskTimedOut.
    let answered = api.ok("StartExecution", json!({"stateMachineArn": machine_arn, "name": "answered"})).await;
    let token = api.scheduled_token(answered["executionArn"].as_str().expect("arn")).await;
    api.ok("SendTaskHeartbeat", json!({"taskToken": token})).await;
    api.ok("SendTaskSuccess", json!({"taskToken": token, "output": "{\"ok\": true}"})).await;
    let timed_out = ("TaskTimedOut".to_string(), "Task Timed Out: 'Provided task does not exist anymore'".to_string());
    assert_eq!(api.refused("SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await, timed_out);
    assert_eq!(api.refused("SendTaskFailure", json!({"taskToken": token})).await, timed_out);
    assert_eq!(api.refused("SendTaskHeartbeat", json!({"taskToken": token})).await, timed_out);

    // So is the task of an execution that was stopped.
    let stopped = api.ok("StartExecution", json!({"stateMachineArn": machine_arn, "name": "stopped"})).await;
    let stopped_arn = stopped["executionArn"].as_str().expect("arn");
    let token = api.scheduled_token(stopped_arn).await;

    // Over-long errors and causes are refused first, naming the field (and stop nothing).
    let long_error = "E".repeat(257);
    let long_cause = "c".repeat(32_769);
    let message = |field: &str, max: usize| {
        (
            "ValidationException".to_string(),
            format!(
                "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ),
        )
    };
    assert_eq!(
        api.refused("StopExecution", json!({"executionArn": stopped_arn, "error": long_error})).await,
        message("error", 256)
    );
    assert_eq!(
        api.refused("StopExecution", json!({"executionArn": stopped_arn, "cause": long_cause})).await,
        message("cause", 32768)
    );
    assert_eq!(
        api.refused("SendTaskFailure", json!({"taskToken": token, "error": long_error})).await,
        message("error", 256)
    );
    assert_eq!(
        api.refused("SendTaskFailure", json!({"taskToken": token, "cause": long_cause})).await,
        message("cause", 32768)
    );
    let described = api.ok("DescribeExecution", json!({"executionArn": stopped_arn})).await;
    assert_eq!(described["status"], "RUNNING", "{described}");
    // At the limits, both are taken.
    api.ok(
        "StopExecution",
        json!({"executionArn": stopped_arn, "error": "E".repeat(256), "cause": "c".repeat(32_768)}),
    )
    .await;
    assert_eq!(api.refused("SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await, timed_out);
}

#[tokio::test]
async fn get_activity_task_refuses_at_once_what_names_no_activity() {
    let api = Api::start();
    api.ok("CreateActivity", json!({"name": "there"})).await;
    let began = Instant::now();
    let invalid = [
        "not-an-arn",
        "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        "arn:aws:states:us-east-1:123456789012:activity:",
    ];
    for arn in invalid {
        let (kind, message) = api.refused("GetActivityTask", json!({"activityArn": arn})).await;
        assert_eq!(kind, "InvalidArn", "{arn}: {message}");
        assert!(message.contains(arn), "{message}");
    }
    let missing = format!("{ACCOUNT_ARN}:activity:missing");
    let refused = api.refused("GetActivityTask", json!({"activityArn": missing})).await;
    assert_eq!(refused, ("ActivityDoesNotExist".into(), format!("Activity Does Not Exist: '{missing}'")));
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "answered at once, not after a long poll: {:?}",
        began.elapsed()
    );
}

#[tokio::test]
async fn other_accounts_machines_do_not_exist_and_versions_and_aliases_take_no_tags() {
    let api = Api::start();
    let elsewhere = "arn:aws:states:us-east-1:999999999999:stateMachine:m1";
    let refused = api.refused("DescribeStateMachine", json!({"stateMachineArn": elsewhere})).await;
    assert_eq!(refused, ("StateMachineDoesNotExist".into(), format!("State Machine Does Not Exist: '{elsewhere}'")));
    let refused = api.refused("StartExecution", json!({"stateMachineArn": elsewhere})).await;
    assert_eq!(refused.0, "StateMachineDoesNotExist");

    let created = api.create_published("m1").await;
    let version_arn = created["stateMachineVersionArn"].as_str().expect("a version").to_string();
    let alias = api
        .ok(
            "CreateStateMachineAlias",
            json!({"name": "live", "routingConfiguration": [{"stateMachineVersionArn": version_arn, "weight": 100}]}),
        )
        .await;
    let alias_arn = alias["stateMachineAliasArn"].as_str().expect("an alias");
    let tags = json!([{"key": "team", "value": "orders"}]);
    // As AWS answers for a version (LocalStack's recordings, test_tag_state_machine_version).
    for arn in [alias_arn, version_arn.as_str()] {
        let refused = api.refused("TagResource", json!({"resourceArn": arn, "tags": tags})).await;
        assert_eq!(refused, ("ResourceNotFound".into(), format!("Resource not found: '{arn}'")));
    }
    api.ok("TagResource", json!({"resourceArn": format!("{ACCOUNT_ARN}:stateMachine:m1"), "tags": tags})).await;
    let refused = api.refused("TagResource", json!({"resourceArn": elsewhere, "tags": tags})).await;
    assert_eq!(refused.0, "ResourceNotFound");
}

#[tokio::test]
async fn aliases_and_names_are_refused_in_awss_words() {
    // AWS's answers as LocalStack recorded them (test_sfn_api_aliasing, 2025-03-03;
    // test_sfn_api_activities, 2024-03-04).
    let api = Api::start();
    let created = api.create_published("m1").await;
    let machine = created["stateMachineArn"].as_str().expect("an ARN").to_string();
    let v1 = created["stateMachineVersionArn"].as_str().expect("a version").to_string();
    let updated = api
        .ok(
            "UpdateStateMachine",
            json!({"stateMachineArn": machine, "definition": callback_definition(), "publish": true}),
        )
        .await;
    let v2 = updated["stateMachineVersionArn"].as_str().expect("a version").to_string();
    let route = |arn: &str, weight: i64| json!({"stateMachineVersionArn": arn, "weight": weight});
    let refused = |routes: Value| {
        let api = &api;
        async move {
            let (kind, message) =
                api.refused("CreateStateMachineAlias", json!({"name": "a2", "routingConfiguration": routes})).await;
            assert_eq!(kind, "ValidationException", "{message}");
            message
        }
    };
    assert_eq!(
        refused(json!([route(&machine, 50), route(&v2, 50)])).await,
        format!("Routing configuration must contain state machine version ARNs. Received: [{machine}, {v2}]")
    );
    assert_eq!(
        refused(json!([route(&v1, 50), route(&v1, 50)])).await,
        format!("Routing configuration must contain distinct state machine version ARNs. Received: [{v1}, {v1}]")
    );
    assert_eq!(
        refused(json!([route(&v1, 70), route(&v2, 29)])).await,
        "Sum of routing configuration weights must equal 100. Received: [70, 29]"
    );
    assert_eq!(
        refused(json!([route(&v1, 101)])).await,
        "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"
    );
    assert_eq!(
        refused(json!([route(&v1, 50), route(&v2, 30), route(&v1, 20)])).await,
        format!(
            "1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn={v1}, weight=50), RoutingConfigurationListItem(stateMachineVersionArn={v2}, weight=30), RoutingConfigurationListItem(stateMachineVersionArn={v1}, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"
        )
    );
    let long = "A".repeat(81);
    let (_, message) =
        api.refused("CreateStateMachineAlias", json!({"name": long, "routingConfiguration": [route(&v1, 100)]})).await;
    assert_eq!(
        message,
        format!(
            "1 validation error detected: Value '{long}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
        )
    );

    // The same alias again is answered; another description or other routes conflict.
    let live = json!({"name": "live", "routingConfiguration": [route(&v1, 100)]});
    let first = api.ok("CreateStateMachineAlias", live.clone()).await;
    assert_eq!(api.ok("CreateStateMachineAlias", live.clone()).await, first);
    let conflict = "Failed to create alias because an alias with the same name and a different routing configuration already exists.";
    let mut described = live.clone();
    described["description"] = json!("other");
    let refused = api.call("CreateStateMachineAlias", described).await.expect_err("a conflict");
    assert_eq!(refused, (409, "ConflictException".into(), conflict.into()));
    let rerouted = json!({"name": "live", "routingConfiguration": [route(&v2, 100)]});
    let refused = api.call("CreateStateMachineAlias", rerouted).await.expect_err("a conflict");
    assert_eq!(refused, (409, "ConflictException".into(), conflict.into()));

    // A version an alias routes to is not deleted; the aliases are named.
    let refused =
        api.call("DeleteStateMachineVersion", json!({"stateMachineVersionArn": v1})).await.expect_err("in use");
    assert_eq!(
        refused,
        (
            409,
            "ConflictException".into(),
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]"
                .into()
        )
    );
    // An alias that does not exist: updating it is refused, deleting it succeeds.
    let missing = format!("{machine}:nope");
    let refused =
        api.refused("UpdateStateMachineAlias", json!({"stateMachineAliasArn": missing, "description": "x"})).await;
    assert_eq!(refused, ("ResourceNotFound".into(), "Request references a resource that does not exist.".into()));
    assert_eq!(api.ok("DeleteStateMachineAlias", json!({"stateMachineAliasArn": missing})).await, json!({}));

    // A name AWS does not allow, as AWS names it.
    let refused = api.refused("CreateActivity", json!({"name": "TestActivity InvalidName$"})).await;
    assert_eq!(refused, ("InvalidName".into(), "Invalid Name: 'TestActivity InvalidName$'".into()));
}

/// The `nextToken` of `operation` called with `request` and `maxResults` 1, which must be there.
async fn first_token(api: &Api, operation: &str, request: Value) -> String {
    let mut request = request;
    request["maxResults"] = json!(1);
    let page = api.ok(operation, request.clone()).await;
    page["nextToken"].as_str().unwrap_or_else(|| panic!("{operation} {request} gave no nextToken: {page}")).to_string()
}

#[tokio::test]
async fn next_tokens_serve_only_the_listing_that_issued_them_unaltered() {
    let api = Api::start();
    let mut machines = Vec::new();
    for name in ["m1", "m2"] {
        let created =
            api.ok("CreateStateMachine", json!({"name": name, "definition": pass_definition(), "roleArn": ROLE})).await;
        machines.push(created["stateMachineArn"].as_str().expect("an ARN").to_string());
    }
    for name in ["a1", "a2"] {
        api.ok("CreateActivity", json!({"name": name})).await;
    }
    let mut executions = Vec::new();
    for machine in [&machines[0], &machines[0], &machines[1], &machines[1]] {
        let started = api.ok("StartExecution", json!({"stateMachineArn": machine})).await;
        executions.push(started["executionArn"].as_str().expect("an ARN").to_string());
    }
    for execution in &executions {
        api.server.finished(&api.client, execution, Duration::from_secs(20)).await;
    }
    let invalid = |token: &str| ("InvalidToken".to_string(), format!("Invalid Token: '{token}'"));

    // Each token resumes its own listing.
    let machines_token = first_token(&api, "ListStateMachines", json!({})).await;
    let page = api.ok("ListStateMachines", json!({"maxResults": 1, "nextToken": machines_token})).await;
    assert_eq!(page["stateMachines"][0]["name"], "m2", "{page}");
    let executions_request = json!({"stateMachineArn": machines[0]});
    let executions_token = first_token(&api, "ListExecutions", executions_request.clone()).await;
    let page = api.ok("ListExecutions", json!({"stateMachineArn": machines[0], "nextToken": executions_token})).await;
    assert_eq!(page["executions"].as_array().map(Vec::len), Some(1), "{page}");
    let history_request = json!({"executionArn": executions[0]});
    let history_token = first_token(&api, "GetExecutionHistory", history_request.clone()).await;
    let page = api.ok("GetExecutionHistory", json!({"executionArn": executions[0], "nextToken": history_token})).await;
    assert_eq!(page["events"][0]["id"], 2, "{page}");

    // Another operation's token, or this one's for another resource or filter, is refused.
    let activities_token = first_token(&api, "ListActivities", json!({})).await;
    let refused = api.refused("ListStateMachines", json!({"nextToken": activities_token})).await;
    assert_eq!(refused, invalid(&activities_token));
    let refused = api.refused("ListActivities", json!({"nextToken": machines_token})).await;
    assert_eq!(refused, invalid(&machines_token));
    let refused =
        api.refused("ListExecutions", json!({"stateMachineArn": machines[1], "nextToken": executions_token})).await;
    assert_eq!(refused, invalid(&executions_token));
    let filtered = json!({"stateMachineArn": machines[0], "statusFilter": "SUCCEEDED", "nextToken": executions_token});
    assert_eq!(api.refused("ListExecutions", filtered).await, invalid(&executions_token));
    let refused =
        api.refused("GetExecutionHistory", json!({"executionArn": executions[1], "nextToken": history_token})).await;
    assert_eq!(refused, invalid(&history_token));
    let reversed = json!({"executionArn": executions[0], "reverseOrder": true, "nextToken": history_token});
    assert_eq!(api.refused("GetExecutionHistory", reversed).await, invalid(&history_token));

    // A token altered by one character is refused.
    for (operation, request, token) in [
        ("ListStateMachines", json!({}), &machines_token),
        ("ListExecutions", executions_request, &executions_token),
        ("GetExecutionHistory", history_request, &history_token),
    ] {
        let mut altered = token.clone();
        let last = altered.pop().expect("a token");
        altered.push(if last == '0' { '1' } else { '0' });
        let mut request = request;
        request["nextToken"] = json!(altered);
        assert_eq!(api.refused(operation, request).await, invalid(&altered), "{operation}");
    }

    // A token longer than AWS's model allows is refused for its length, as AWS refuses it:
    // 3,096 characters for ListExecutions, 1,024 for the other listings.
    for (operation, request, max) in
        [("ListStateMachines", json!({}), 1024), ("ListExecutions", json!({"stateMachineArn": machines[0]}), 3096)]
    {
        let long = "x".repeat(max + 1);
        let mut too_long = request.clone();
        too_long["nextToken"] = json!(long);
        let (kind, message) = api.refused(operation, too_long).await;
        assert_eq!(kind, "ValidationException", "{operation}");
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{long}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to {max}"
            )
        );
        // At the limit, it is refused as a token, not for its length.
        let mut at_limit = request;
        at_limit["nextToken"] = json!("x".repeat(max));
        assert_eq!(api.refused(operation, at_limit).await.0, "InvalidToken", "{operation}");
    }
}

#[tokio::test]
async fn members_are_checked_as_the_model_constrains_them() {
    let api = Api::start();
    let created =
        api.ok("CreateStateMachine", json!({"name": "m1", "definition": pass_definition(), "roleArn": ROLE})).await;
    let machine_arn = created["stateMachineArn"].as_str().expect("an ARN");
    let started = api.ok("StartExecution", json!({"stateMachineArn": machine_arn})).await;
    let execution_arn = started["executionArn"].as_str().expect("an ARN");

    // A succeeded execution is described as AWS describes it: not redrivable, and why.
    api.server.finished(&api.client, execution_arn, Duration::from_secs(20)).await;
    let described = api.ok("DescribeExecution", json!({"executionArn": execution_arn})).await;
    assert_eq!(
        (&described["status"], &described["redriveStatus"], &described["redriveStatusReason"]),
        (&json!("SUCCEEDED"), &json!("NOT_REDRIVABLE"), &json!("Execution is SUCCEEDED and cannot be redriven")),
        "{described}"
    );

    // An input that is not JSON is refused in AWS's words; an empty one as AWS refuses it.
    for (input, reason) in [
        ("not json", "not valid JSON: expected ident at line 1 column 2"),
        ("", "Invalid execution input."),
        ("  ", "Invalid execution input."),
    ] {
        let refused = api.refused("StartExecution", json!({"stateMachineArn": machine_arn, "input": input})).await;
        assert_eq!(
            refused,
            ("InvalidExecutionInput".into(), format!("Invalid State Machine Execution Input: '{reason}'"))
        );
    }
    // Any JSON value is an input, a number or a string as much as an object.
    for input in ["1", "\"text\"", "null"] {
        api.ok("StartExecution", json!({"stateMachineArn": machine_arn, "input": input})).await;
    }

    // maxResults is 0 to 1000 for GetExecutionHistory as for the listings.
    let (kind, message) =
        api.refused("GetExecutionHistory", json!({"executionArn": execution_arn, "maxResults": -1})).await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("'maxResults'") && message.contains("greater than or equal to 0"), "{message}");

    // ListMapRuns names a malformed execution ARN as such, not as a missing execution; like
    // DescribeExecution and GetExecutionHistory, in AWS's words for text that is no ARN.
    for (operation, arn, reason) in [
        ("ListMapRuns", "not-an-arn", "Invalid ARN prefix"),
        ("ListMapRuns", machine_arn, "Resource type not valid in this context"),
        ("DescribeExecution", "invalid_state_machine_arn", "Invalid ARN prefix"),
        ("GetExecutionHistory", "invalid_state_machine_arn", "Invalid ARN prefix"),
    ] {
        let refused = api.refused(operation, json!({"executionArn": arn})).await;
        assert_eq!(refused, ("InvalidArn".into(), format!("Invalid Arn: '{reason}: {arn}'")), "{operation}");
    }
    // An Express machine's executions are not listed, as on AWS.
    let express = api.create("e1", &pass_definition(), "EXPRESS").await.expect("created");
    let refused = api.refused("ListExecutions", json!({"stateMachineArn": express["stateMachineArn"]})).await;
    assert_eq!(
        refused,
        ("StateMachineTypeNotSupported".into(), "This operation is not supported by this type of state machine".into())
    );
    // A status filter that is not one of AWS's is refused with AWS's list, in its order.
    let (kind, message) =
        api.refused("ListExecutions", json!({"stateMachineArn": machine_arn, "statusFilter": "succeeded"})).await;
    assert_eq!(kind, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"
    );

    // TagResource needs its tags.
    let (kind, message) = api.refused("TagResource", json!({"resourceArn": machine_arn})).await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("Value null at 'tags'"), "{message}");

    // ValidateStateMachineDefinition: maxResults of 0 to 100 and a severity of ERROR or
    // WARNING; the diagnostics are cut to maxResults and `truncated` says whether they were.
    let broken = json!({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}).to_string();
    let all = api.ok("ValidateStateMachineDefinition", json!({"definition": broken})).await;
    let found = all["diagnostics"].as_array().expect("diagnostics").len();
    assert!(found >= 2, "{all}");
    assert_eq!((&all["result"], &all["truncated"]), (&json!("FAIL"), &json!(false)), "{all}");
    let cut = api.ok("ValidateStateMachineDefinition", json!({"definition": broken, "maxResults": 1})).await;
    assert_eq!(cut["diagnostics"].as_array().map(Vec::len), Some(1), "{cut}");
    assert_eq!(cut["truncated"], true, "{cut}");
    let fine = api.ok("ValidateStateMachineDefinition", json!({"definition": pass_definition()})).await;
    assert_eq!(fine, json!({"result": "OK", "diagnostics": [], "truncated": false}));
    for (member, value, reason) in [
        ("maxResults", json!(101), "less than or equal to 100"),
        ("maxResults", json!(-1), "greater than or equal to 0"),
        ("severity", json!("INFO"), "enum value set: [ERROR, WARNING]"),
    ] {
        let mut request = json!({"definition": broken});
        request[member] = value;
        let (kind, message) = api.refused("ValidateStateMachineDefinition", request).await;
        assert_eq!(kind, "ValidationException");
        assert!(message.contains(&format!("at '{member}'")) && message.contains(reason), "{message}");
    }
}

#[tokio::test]
async fn every_answer_names_its_request_id() {
    let api = Api::start();
    let mut ids = Vec::new();
    for (operation, request) in [("ListActivities", json!({})), ("DescribeActivity", json!({"activityArn": "nope"}))] {
        let response = api
            .client
            .post(api.server.url("/"))
            .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .body(request.to_string())
            .send()
            .await
            .expect("an answer");
        let id = response.headers().get("x-amzn-RequestId").and_then(|value| value.to_str().ok()).map(str::to_string);
        let id = id.unwrap_or_else(|| panic!("{operation} answered {} without x-amzn-RequestId", response.status()));
        assert_eq!(id.len(), 36, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn distributed_maps_and_their_children_are_described_and_a_maps_arn_starts_nothing() {
    let api = Api::start();
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "Label": "items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Echo",
            "States": {"Echo": {"Type": "Pass", "End": true}}
        },
        "End": true
    }}})
    .to_string();
    api.create("fan", &definition, "STANDARD").await.expect("a distributed Map machine");
    let machine_arn = format!("{ACCOUNT_ARN}:stateMachine:fan");
    let started = api.ok("StartExecution", json!({"stateMachineArn": machine_arn, "input": "[1, 2]"})).await;
    let parent_arn = started["executionArn"].as_str().expect("an ARN");
    let parent = api.server.finished(&api.client, parent_arn, Duration::from_secs(30)).await;
    assert_eq!(parent["status"], "SUCCEEDED", "{parent}");
    let runs = api.ok("ListMapRuns", json!({"executionArn": parent_arn})).await;
    let map_run_arn = runs["mapRuns"][0]["mapRunArn"].as_str().expect("a Map Run").to_string();
    let children = api.ok("ListExecutions", json!({"mapRunArn": map_run_arn})).await;
    let child = &children["executions"][0];
    let label_arn = format!("{machine_arn}/items");
    assert_eq!(child["stateMachineArn"], label_arn, "{children}");

    // DescribeExecution of a child names its Map Run, DescribeStateMachineForExecution its
    // Map Run and the Map's label.
    let child_described = api.ok("DescribeExecution", json!({"executionArn": child["executionArn"]})).await;
    assert_eq!(child_described["mapRunArn"], json!(map_run_arn), "{child_described}");
    assert!(parent.get("mapRunArn").is_none(), "{parent}");
    let described = api.ok("DescribeStateMachineForExecution", json!({"executionArn": child["executionArn"]})).await;
    assert_eq!((&described["mapRunArn"], &described["label"]), (&json!(map_run_arn), &json!("items")), "{described}");
    let of_parent = api.ok("DescribeStateMachineForExecution", json!({"executionArn": parent_arn})).await;
    assert!(of_parent.get("mapRunArn").is_none() && of_parent.get("label").is_none(), "{of_parent}");

    // DescribeStateMachine of that ARN describes the Map's item processor, which the child ran.
    let map_described = api.ok("DescribeStateMachine", json!({"stateMachineArn": label_arn})).await;
    assert_eq!((&map_described["label"], &map_described["stateMachineArn"]), (&json!("items"), &json!(label_arn)));
    let as_json = |described: &Value| -> Value {
        serde_json::from_str(described["definition"].as_str().expect("a definition")).expect("JSON")
    };
    assert_eq!(as_json(&map_described), json!({"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}));
    assert_eq!(as_json(&map_described), as_json(&described));
    let no_such_map = format!("{machine_arn}/other");
    let refused = api.refused("DescribeStateMachine", json!({"stateMachineArn": no_such_map})).await;
    assert_eq!(refused, ("StateMachineDoesNotExist".into(), format!("State Machine Does Not Exist: '{no_such_map}'")));

    // A Distributed Map state's ARN starts no execution (ValidationException, as AWS documents).
    for operation in ["StartExecution", "StartSyncExecution"] {
        let (kind, message) = api.refused(operation, json!({"stateMachineArn": label_arn})).await;
        assert_eq!(kind, "ValidationException", "{operation}: {message}");
        assert!(message.contains(&label_arn), "{message}");
    }

    // ListExecutions refuses both ARNs before looking either up.
    let both = json!({"stateMachineArn": machine_arn, "mapRunArn": format!("{ACCOUNT_ARN}:mapRun:fan/items:nope")});
    let (kind, message) = api.refused("ListExecutions", both).await;
    assert_eq!(kind, "ValidationException", "{message}");
}

#[tokio::test]
async fn test_state_checks_its_role_and_inspection_level() {
    let api = Api::start();
    let pass = json!({"Type": "Pass", "End": true}).to_string();
    let refused = api.refused("TestState", json!({"definition": pass, "roleArn": "not-a-role"})).await;
    assert_eq!(refused, ("InvalidArn".into(), "Invalid Role Arn: 'not-a-role'".into()));
    let tested = api.ok("TestState", json!({"definition": pass, "roleArn": ROLE, "input": "{}"})).await;
    assert_eq!(tested["status"], "SUCCEEDED", "{tested}");
    let (kind, message) = api.refused("TestState", json!({"definition": pass, "inspectionLevel": "LOUD"})).await;
    assert_eq!(kind, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'LOUD' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
    );
}

#[tokio::test]
async fn describe_state_machine_leaves_the_definition_out_for_metadata_only() {
    let api = Api::start();
    let created = api.create_published("m1").await;
    let version_arn = created["stateMachineVersionArn"].as_str().expect("a version");
    let machine_arn = format!("{ACCOUNT_ARN}:stateMachine:m1");
    for arn in [machine_arn.as_str(), version_arn] {
        let metadata =
            api.ok("DescribeStateMachine", json!({"stateMachineArn": arn, "includedData": "METADATA_ONLY"})).await;
        assert_eq!((&metadata["definition"], &metadata["name"]), (&json!("{}"), &json!("m1")), "{metadata}");
        let all = api.ok("DescribeStateMachine", json!({"stateMachineArn": arn, "includedData": "ALL_DATA"})).await;
        assert_eq!(all["definition"], pass_definition(), "{all}");
    }
    let (kind, message) =
        api.refused("DescribeStateMachine", json!({"stateMachineArn": machine_arn, "includedData": "SOME"})).await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("at 'includedData'"), "{message}");
}

#[tokio::test]
async fn customer_managed_kms_keys_are_refused_for_want_of_kms() {
    let api = Api::start();
    let kms = json!({"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/orders"});
    let owned = json!({"type": "AWS_OWNED_KEY"});
    let machine = |name: &str, encryption: &Value| json!({"name": name, "definition": pass_definition(), "roleArn": ROLE, "encryptionConfiguration": encryption});
    let (kind, message) = api.refused("CreateStateMachine", machine("m1", &kms)).await;
    assert_eq!(kind, "InvalidEncryptionConfiguration");
    assert!(message.contains("no KMS") && message.contains("AWS_OWNED_KEY"), "{message}");
    let (kind, _) = api.refused("CreateActivity", json!({"name": "a1", "encryptionConfiguration": kms})).await;
    assert_eq!(kind, "InvalidEncryptionConfiguration");
    let (kind, message) = api.refused("CreateStateMachine", machine("m1", &json!({"type": "MINE"}))).await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("at 'encryptionConfiguration.type'"), "{message}");

    // AWS's own key is what the local database stands in for: taken, and so is an update to it.
    let created = api.ok("CreateStateMachine", machine("m1", &owned)).await;
    let machine_arn = created["stateMachineArn"].as_str().expect("an ARN");
    api.ok("CreateActivity", json!({"name": "a1", "encryptionConfiguration": owned})).await;
    api.ok("UpdateStateMachine", json!({"stateMachineArn": machine_arn, "encryptionConfiguration": owned})).await;
    let refused = api
        .refused("UpdateStateMachine", json!({"stateMachineArn": machine_arn, "encryptionConfiguration": kms}))
        .await;
    assert_eq!(refused.0, "InvalidEncryptionConfiguration");
}

#[tokio::test]
async fn a_map_runs_children_are_redriven_through_their_parent_only() {
    let api = Api::start();
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Fail",
            "States": {"Fail": {"Type": "Fail", "Error": "Broken"}}
        },
        "End": true
    }}})
    .to_string();
    api.create("failing", &definition, "STANDARD").await.expect("a distributed Map machine");
    let started = api
        .ok("StartExecution", json!({"stateMachineArn": format!("{ACCOUNT_ARN}:stateMachine:failing"), "input": "[1]"}))
        .await;
    let parent_arn = started["executionArn"].as_str().expect("an ARN");
    let parent = api.server.finished(&api.client, parent_arn, Duration::from_secs(30)).await;
    assert_eq!((&parent["status"], &parent["redriveStatus"]), (&json!("FAILED"), &json!("REDRIVABLE")), "{parent}");
    let runs = api.ok("ListMapRuns", json!({"executionArn": parent_arn})).await;
    let map_run_arn = runs["mapRuns"][0]["mapRunArn"].as_str().expect("a Map Run");
    let children = api.ok("ListExecutions", json!({"mapRunArn": map_run_arn})).await;
    let child_arn = children["executions"][0]["executionArn"].as_str().expect("a child");
    let child = api.ok("DescribeExecution", json!({"executionArn": child_arn})).await;
    assert_eq!((&child["status"], &child["redriveStatus"]), (&json!("FAILED"), &json!("REDRIVABLE_BY_MAP_RUN")));

    let (kind, message) = api.refused("RedriveExecution", json!({"executionArn": child_arn})).await;
    assert_eq!(kind, "ExecutionNotRedrivable");
    assert!(message.contains(map_run_arn) && message.contains("parent"), "{message}");
    api.ok("RedriveExecution", json!({"executionArn": parent_arn})).await;
}

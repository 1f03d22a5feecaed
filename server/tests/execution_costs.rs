//! A state machine's actual cost per day, as `/executions?machine=…` shows it, stays exact
//! while it is counted incrementally: executions that end after a first view are added, a
//! running execution counts what it billed so far and is not cached, and a redriven
//! execution is counted again with the transitions its redrive billed. Every expected figure
//! is `asl::cost::actual::billed_transitions` over the history GetExecutionHistory returns.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::TestServer;

/// Succeeds (two states) or, with `{"fail": true}`, fails at `Boom` (which a redrive enters again).
const DEFINITION: &str = r#"{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": true, "Next": "Boom"}], "Default": "Done"},
    "Done": {"Type": "Pass", "End": true},
    "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "asked to fail"}
  }
}"#;

/// Waits on a timer for three seconds (it runs while the test looks at the cost), then
/// enters one more state.
const WAITING: &str = r#"{"StartAt": "First", "States": {
  "First": {"Type": "Pass", "Next": "Nap"},
  "Nap": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
  "Done": {"Type": "Pass", "End": true}
}}"#;

struct Client {
    server: TestServer,
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, operation: &str, request: Value) -> Value {
        self.server
            .call(&self.http, operation, &request)
            .await
            .unwrap_or_else(|error| panic!("{operation} failed: {error:?}"))
    }

    async fn create_machine(&self, name: &str, definition: &str) -> String {
        let created = self
            .call(
                "CreateStateMachine",
                json!({"name": name, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/r"}),
            )
            .await;
        created["stateMachineArn"].as_str().expect("an ARN").to_string()
    }

    async fn start(&self, machine: &str, name: &str, input: Value) -> String {
        let started = self
            .call("StartExecution", json!({"stateMachineArn": machine, "name": name, "input": input.to_string()}))
            .await;
        started["executionArn"].as_str().expect("an ARN").to_string()
    }

    /// Runs an execution to its end.
    async fn run(&self, machine: &str, name: &str, input: Value) -> String {
        let arn = self.start(machine, name, input).await;
        self.server.finished(&self.http, &arn, Duration::from_secs(15)).await;
        arn
    }

    /// What AWS would bill for the execution's history as it stands.
    async fn billed(&self, arn: &str) -> u64 {
        let history = self.call("GetExecutionHistory", json!({"executionArn": arn, "maxResults": 1000})).await;
        let events: Vec<(u64, u64, String)> = history["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|event| {
                (
                    event["id"].as_u64().expect("id"),
                    event["previousEventId"].as_u64().expect("previousEventId"),
                    event["type"].as_str().expect("type").to_string(),
                )
            })
            .collect();
        let recorded: Vec<asl::cost::actual::RecordedEvent<'_>> = events
            .iter()
            .map(|(id, previous_id, event_type)| asl::cost::actual::RecordedEvent {
                id: *id,
                previous_id: *previous_id,
                event_type,
            })
            .collect();
        asl::cost::actual::billed_transitions(&recorded)
    }

    async fn billed_total(&self, arns: &[&String]) -> u64 {
        let mut total = 0;
        for arn in arns {
            total += self.billed(arn).await;
        }
        total
    }

    /// Today's row of the page's cost table, through the page's own server function:
    /// `(executions, transitions)`.
    async fn cost_today(&self, machine: &str) -> (u64, u64) {
        let body: String = form_urlencoded::Serializer::new(String::new()).append_pair("machine", machine).finish();
        let response = self
            .http
            .post(self.server.url("/api/executions/cost"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the cost answers");
        assert_eq!(response.status(), 200);
        let cost: Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
        let days = cost["days"].as_array().expect("days");
        assert_eq!(days.len(), 1, "every execution started today: {cost}");
        (days[0]["executions"].as_u64().expect("executions"), days[0]["transitions"].as_u64().expect("transitions"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_cost_stays_exact_as_executions_end_run_and_are_redriven() {
    let data = tempfile::tempdir().expect("a temporary folder");
    let client = Client { server: TestServer::spawn(data.path()), http: reqwest::Client::new() };
    let machine = client.create_machine("Costly", DEFINITION).await;
    let other = client.create_machine("Costly-other", DEFINITION).await;

    let first = client.run(&machine, "first", json!({})).await;
    let failed = client.run(&machine, "failed", json!({"fail": true})).await;
    // Another state machine's executions (its name starts the same) are not this one's.
    client.run(&other, "elsewhere", json!({})).await;
    let expected = client.billed_total(&[&first, &failed]).await;
    assert!(expected > 0);
    assert_eq!(client.cost_today(&machine).await, (2, expected));
    // A second view, from the cache, says the same.
    assert_eq!(client.cost_today(&machine).await, (2, expected));

    // Executions that end after the first view are counted in the next one.
    let second = client.run(&machine, "second", json!({})).await;
    let third = client.run(&machine, "third", json!({"fail": true})).await;
    let expected = client.billed_total(&[&first, &failed, &second, &third]).await;
    assert_eq!(client.cost_today(&machine).await, (4, expected));

    // A redrive enters the failed state again: that transition is billed too.
    let before_redrive = client.billed(&failed).await;
    client.call("RedriveExecution", json!({"executionArn": failed})).await;
    client.server.finished(&client.http, &failed, Duration::from_secs(15)).await;
    let after_redrive = client.billed(&failed).await;
    assert!(after_redrive > before_redrive, "the redrive billed {after_redrive}, not more than {before_redrive}");
    let expected = client.billed_total(&[&first, &failed, &second, &third]).await;
    assert_eq!(client.cost_today(&machine).await, (4, expected));

    // A running execution counts what it billed so far (First, Nap), and the state it enters
    // later (Done) once it has: it was not cached while it ran.
    let waiting_machine = client.create_machine("Waiting", WAITING).await;
    let waiting = client.start(&waiting_machine, "napping", json!({})).await;
    assert_eq!(client.cost_today(&waiting_machine).await, (1, client.billed(&waiting).await));
    assert_eq!(client.cost_today(&waiting_machine).await.1, 2);
    client.server.finished(&client.http, &waiting, Duration::from_secs(15)).await;
    assert_eq!(client.cost_today(&waiting_machine).await, (1, 3));
    assert_eq!(client.billed(&waiting).await, 3);
}

//! The context object (`$$` in JSONPath, `$states.context` in JSONata): what an execution
//! knows about itself, built with AWS's key order and formats (ARNs, times with milliseconds).
//!
//! ```
//! use asl::eval::context::ExecutionInfo;
//! use serde_json::json;
//!
//! let execution = ExecutionInfo::new("Orders", "run-1", json!({"id": 7}), 1_736_937_000_000);
//! let context = execution.context("Check", 1_736_937_000_250).to_value();
//! assert_eq!(context["Execution"]["Id"], "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1");
//! assert_eq!(context["Execution"]["StartTime"], "2025-01-15T10:30:00.000Z");
//! assert_eq!(context["State"]["EnteredTime"], "2025-01-15T10:30:00.250Z");
//! ```

use serde_json::{Map, Value, json};

use super::time::format_millis;

/// Who and where an execution runs: the facts the context object is built from.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionInfo {
    /// `aws` (or `aws-cn`, …).
    pub partition: String,
    /// `us-east-1`.
    pub region: String,
    /// The 12-digit account id.
    pub account: String,
    /// The state machine's name.
    pub state_machine_name: String,
    /// The execution's name.
    pub execution_name: String,
    /// The execution role's ARN.
    pub role_arn: String,
    /// When the execution started, in milliseconds since the Unix epoch.
    pub start_time_millis: i64,
    /// The execution's input.
    pub input: Value,
    /// The input exactly as StartExecution received it, when known: AWS records this text,
    /// spacing and all, in `ExecutionStarted` (states see the parsed `input`).
    pub input_text: Option<String>,
    /// How many times the execution was redriven.
    pub redrive_count: u32,
    /// Which shape of context object to build.
    pub kind: ContextKind,
}

/// The two shapes AWS builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextKind {
    /// A Standard execution: `Execution` has `Id, Input, StartTime, Name, RoleArn, RedriveCount`.
    Execution,
    /// The TestState API: an Express-style execution ARN, `Execution` has
    /// `Id, Input, Name, RoleArn, StartTime`, and `State` always has `RetryCount`.
    TestState,
}

/// The context object of one state, ready to be turned into JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextObject {
    /// The execution it belongs to.
    pub execution: ExecutionInfo,
    /// The state's name.
    pub state_name: String,
    /// When the state was entered, in milliseconds since the Unix epoch.
    pub entered_time_millis: i64,
    /// `State.RetryCount`: present for states that can retry (Task, Parallel, Map).
    pub retry_count: Option<u32>,
    /// `Task.Token`, for `.waitForTaskToken` integrations.
    pub task_token: Option<String>,
    /// `Map.Item`, while a Map state's ItemSelector is evaluated for one item.
    pub map_item: Option<MapItem>,
}

/// `$$.Map.Item`.
#[derive(Clone, Debug, PartialEq)]
pub struct MapItem {
    /// The item's position.
    pub index: usize,
    /// For items read from a JSON object (ItemReader over S3 objects, or `Items` objects):
    /// the item's key.
    pub key: Option<String>,
    /// The item.
    pub value: Value,
}

impl ExecutionInfo {
    /// A Standard execution of `state_machine_name` named `execution_name` in a placeholder
    /// account (`123456789012`, `us-east-1`), with a placeholder role.
    pub fn new(state_machine_name: &str, execution_name: &str, input: Value, start_time_millis: i64) -> Self {
        Self {
            partition: "aws".to_string(),
            region: "us-east-1".to_string(),
            account: "123456789012".to_string(),
            state_machine_name: state_machine_name.to_string(),
            execution_name: execution_name.to_string(),
            role_arn: "arn:aws:iam::123456789012:role/StatehouseExecutionRole".to_string(),
            start_time_millis,
            input,
            input_text: None,
            redrive_count: 0,
            kind: ContextKind::Execution,
        }
    }

    /// The state machine's ARN.
    pub fn state_machine_arn(&self) -> String {
        format!(
            "arn:{}:states:{}:{}:stateMachine:{}",
            self.partition, self.region, self.account, self.state_machine_name
        )
    }

    /// The execution's ARN (`…:execution:…`, or `…:express:…` for TestState).
    pub fn execution_arn(&self) -> String {
        let kind = match self.kind {
            ContextKind::Execution => "execution",
            ContextKind::TestState => "express",
        };
        format!(
            "arn:{}:states:{}:{}:{kind}:{}:{}",
            self.partition, self.region, self.account, self.state_machine_name, self.execution_name
        )
    }

    /// The context object of state `state_name` entered at `entered_time_millis`.
    pub fn context(&self, state_name: &str, entered_time_millis: i64) -> ContextObject {
        ContextObject {
            execution: self.clone(),
            state_name: state_name.to_string(),
            entered_time_millis,
            retry_count: (self.kind == ContextKind::TestState).then_some(0),
            task_token: None,
            map_item: None,
        }
    }
}

impl ContextObject {
    /// The JSON AWS exposes, keys in AWS's order.
    pub fn to_value(&self) -> Value {
        let execution = &self.execution;
        let mut execution_object = Map::new();
        execution_object.insert("Id".into(), Value::String(execution.execution_arn()));
        execution_object.insert("Input".into(), execution.input.clone());
        let start_time = Value::String(format_millis(execution.start_time_millis));
        if execution.kind == ContextKind::Execution {
            execution_object.insert("StartTime".into(), start_time.clone());
        }
        execution_object.insert("Name".into(), Value::String(execution.execution_name.clone()));
        execution_object.insert("RoleArn".into(), Value::String(execution.role_arn.clone()));
        match execution.kind {
            ContextKind::Execution => {
                execution_object.insert("RedriveCount".into(), json!(execution.redrive_count));
            }
            ContextKind::TestState => {
                execution_object.insert("StartTime".into(), start_time);
            }
        }
        let mut state = Map::new();
        state.insert("Name".into(), Value::String(self.state_name.clone()));
        state.insert("EnteredTime".into(), Value::String(format_millis(self.entered_time_millis)));
        if let Some(retry_count) = self.retry_count {
            state.insert("RetryCount".into(), json!(retry_count));
        }
        let mut context = Map::new();
        context.insert("Execution".into(), Value::Object(execution_object));
        context.insert(
            "StateMachine".into(),
            json!({"Id": execution.state_machine_arn(), "Name": execution.state_machine_name}),
        );
        context.insert("State".into(), Value::Object(state));
        if let Some(token) = &self.task_token {
            context.insert("Task".into(), json!({ "Token": token }));
        }
        if let Some(item) = &self.map_item {
            let mut item_object = Map::new();
            if let Some(key) = &item.key {
                item_object.insert("Key".into(), Value::String(key.clone()));
            }
            item_object.insert("Index".into(), json!(item.index));
            item_object.insert("Value".into(), item.value.clone());
            context.insert("Map".into(), json!({ "Item": item_object }));
        }
        Value::Object(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_execution_keys_come_in_aws_order() {
        let execution = ExecutionInfo::new("Machine", "exec", json!({"a": 1}), 0);
        let mut context = execution.context("First", 5);
        context.retry_count = Some(1);
        context.map_item = Some(MapItem { index: 2, key: None, value: json!("x") });
        let value = context.to_value();
        let keys: Vec<_> = value["Execution"].as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["Id", "Input", "StartTime", "Name", "RoleArn", "RedriveCount"]);
        let top: Vec<_> = value.as_object().expect("object").keys().cloned().collect();
        assert_eq!(top, ["Execution", "StateMachine", "State", "Map"]);
        assert_eq!(
            value["State"],
            json!({"Name": "First", "EnteredTime": "1970-01-01T00:00:00.005Z", "RetryCount": 1})
        );
        assert_eq!(value["Map"], json!({"Item": {"Index": 2, "Value": "x"}}));
        assert_eq!(value["StateMachine"]["Id"], "arn:aws:states:us-east-1:123456789012:stateMachine:Machine");
    }

    #[test]
    fn test_state_context_is_express_shaped() {
        let mut execution = ExecutionInfo::new("Machine", "exec", json!(null), 0);
        execution.kind = ContextKind::TestState;
        let value = execution.context("StateName", 0).to_value();
        let keys: Vec<_> = value["Execution"].as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["Id", "Input", "Name", "RoleArn", "StartTime"]);
        assert_eq!(value["Execution"]["Id"], "arn:aws:states:us-east-1:123456789012:express:Machine:exec");
        assert_eq!(value["State"]["RetryCount"], 0);
    }
}

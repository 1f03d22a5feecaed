//! Reading a Task's arguments: which channel its target names, and what its message asks.
//!
//! Pure: the interceptor calls [`match_channel`] synchronously inside the engine.

use serde_json::Value;

use super::config::{Channel, Target};

/// What a request message carries besides the token (the engine gives the token itself).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestMessage {
    /// Approvers named by the message; empty means the channel's.
    pub approvers: Vec<String>,
    /// What is asked.
    pub subject: Option<String>,
    /// Anything to show the approver.
    pub details: Value,
    /// When the request expires, as written.
    pub deadline: Option<String>,
}

/// The channel a task's target belongs to, if any: `service` and `action` are the
/// integration's (`sqs`/`sendMessage`, …) and `arguments` the Task's effective parameters.
pub fn match_channel<'a>(
    channels: &'a [Channel],
    service: &str,
    action: &str,
    arguments: &Value,
) -> Option<&'a Channel> {
    let target = task_target(service, action, arguments)?;
    channels.iter().find(|channel| channel.target == target)
}

/// The target a task sends to: `sqs:sendMessage` QueueUrl, `sns:publish` TopicArn,
/// `events:putEvents` EventBusName (of the first entry), `lambda:invoke` FunctionName.
pub fn task_target(service: &str, action: &str, arguments: &Value) -> Option<Target> {
    let text = |value: &Value| value.as_str().map(str::to_string);
    match (service, action) {
        ("sqs", "sendMessage") => text(&arguments["QueueUrl"]).map(Target::Queue),
        ("sns", "publish") => text(&arguments["TopicArn"]).map(Target::Topic),
        ("events", "putEvents") => {
            let entry = &arguments["Entries"][0];
            text(&entry["EventBusName"]).or_else(|| text(&arguments["EventBusName"])).map(Target::EventBus)
        }
        ("lambda", "invoke") => text(&arguments["FunctionName"]).map(Target::Function),
        _ => None,
    }
}

/// Reads the message (MessageBody / Message / Entries[0].Detail / Payload), which is a JSON
/// object or JSON text of one. Anything else is treated as a bare subject.
pub fn read_message(service: &str, arguments: &Value) -> RequestMessage {
    let body = match service {
        "sqs" => &arguments["MessageBody"],
        "sns" => &arguments["Message"],
        "events" => &arguments["Entries"][0]["Detail"],
        _ => &arguments["Payload"],
    };
    let parsed;
    let object = match body {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => {
                parsed = value;
                &parsed
            }
            _ => {
                return RequestMessage {
                    approvers: Vec::new(),
                    subject: Some(text.clone()),
                    details: Value::Null,
                    deadline: None,
                };
            }
        },
        other => other,
    };
    read_object(object)
}

/// A request message from outside the engine (an SQS message body or the intake's body): the
/// token comes with it, and optionally where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteMessage {
    /// `taskToken` or `TaskToken`.
    pub token: String,
    /// What it asks.
    pub message: RequestMessage,
    /// `executionArn` (`$$.Execution.Id`), when the sender put it in.
    pub execution_arn: Option<String>,
    /// `stateMachineArn`, when given.
    pub state_machine_arn: Option<String>,
    /// `stateName`, when given.
    pub state_name: Option<String>,
}

/// Why a remote message was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RemoteMessageError {
    /// Not a JSON object (nor JSON text of one).
    #[error("the message must be a JSON object (or a JSON string holding one)")]
    NotAnObject,
    /// No token.
    #[error("the message has no taskToken (or TaskToken) string")]
    NoToken,
}

/// Reads a message that carries its own token: a JSON object, or JSON text of one.
pub fn read_remote(body: &Value) -> Result<RemoteMessage, RemoteMessageError> {
    let parsed;
    let object = match body {
        Value::Object(_) => body,
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => {
                parsed = value;
                &parsed
            }
            _ => return Err(RemoteMessageError::NotAnObject),
        },
        _ => return Err(RemoteMessageError::NotAnObject),
    };
    let token = object["taskToken"]
        .as_str()
        .or_else(|| object["TaskToken"].as_str())
        .filter(|token| !token.is_empty())
        .ok_or(RemoteMessageError::NoToken)?;
    let text = |name: &str| object[name].as_str().filter(|text| !text.is_empty()).map(str::to_string);
    Ok(RemoteMessage {
        token: token.to_string(),
        message: read_object(object),
        execution_arn: text("executionArn"),
        state_machine_arn: text("stateMachineArn"),
        state_name: text("stateName"),
    })
}

fn read_object(object: &Value) -> RequestMessage {
    // `approvers` or, as AWS's own fields are spelled, `Approvers` (and so on).
    let field = |name: &str| {
        let capitalised = format!("{}{}", name[..1].to_ascii_uppercase(), &name[1..]);
        object.get(name).or_else(|| object.get(&capitalised)).unwrap_or(&Value::Null)
    };
    let approvers = match field("approvers") {
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Value::String(one) => vec![one.clone()],
        _ => Vec::new(),
    };
    let deadline = match field("deadline") {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    RequestMessage {
        approvers,
        subject: field("subject").as_str().map(str::to_string),
        details: field("details").clone(),
        deadline,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::approvals::config::Policy;

    fn channel(target: Target) -> Channel {
        Channel {
            name: "c".into(),
            target,
            approvers: vec![],
            policy: Policy::Any,
            reject_error: "R".into(),
            expire_error: "E".into(),
            intake_secret: None,
            aws: None,
            remind_before_millis: None,
            escalation: None,
            link_lifetime_millis: 86_400_000,
        }
    }

    #[test]
    fn matches_the_four_targets_and_reads_their_messages() {
        let channels = [
            channel(Target::Queue("q".into())),
            channel(Target::Topic("t".into())),
            channel(Target::EventBus("b".into())),
            channel(Target::Function("f".into())),
        ];
        assert!(match_channel(&channels, "sqs", "sendMessage", &json!({"QueueUrl": "q"})).is_some());
        assert!(match_channel(&channels, "sqs", "sendMessage", &json!({"QueueUrl": "other"})).is_none());
        assert!(match_channel(&channels, "sns", "publish", &json!({"TopicArn": "t"})).is_some());
        assert!(
            match_channel(&channels, "events", "putEvents", &json!({"Entries": [{"EventBusName": "b"}]})).is_some()
        );
        assert!(match_channel(&channels, "lambda", "invoke", &json!({"FunctionName": "f"})).is_some());
        assert!(match_channel(&channels, "lambda", "invoke", &json!({"QueueUrl": "q"})).is_none());

        let text = json!({"MessageBody": "{\"subject\":\"Ship?\",\"approvers\":[\"a@x\"],\"details\":{\"n\":1}}"});
        let message = read_message("sqs", &text);
        assert_eq!(message.subject.as_deref(), Some("Ship?"));
        assert_eq!(message.approvers, vec!["a@x".to_string()]);
        assert_eq!(message.details, json!({"n": 1}));
        let object = read_message("events", &json!({"Entries": [{"Detail": {"deadline": "2030-01-01T00:00:00Z"}}]}));
        assert_eq!(object.deadline.as_deref(), Some("2030-01-01T00:00:00Z"));
        assert_eq!(read_message("sns", &json!({"Message": "plain"})).subject.as_deref(), Some("plain"));

        // AWS's own spelling of fields, capitalised, is read too.
        let capitalised = read_message(
            "sqs",
            &json!({"MessageBody": {"Approvers": ["b@x"], "Subject": "Pay?", "Details": {"n": 2}, "Deadline": "soon"}}),
        );
        assert_eq!(
            capitalised,
            RequestMessage {
                approvers: vec!["b@x".into()],
                subject: Some("Pay?".into()),
                details: json!({"n": 2}),
                deadline: Some("soon".into()),
            }
        );
    }

    #[test]
    fn reads_remote_messages_with_their_token() {
        let remote = read_remote(&json!("{\"TaskToken\":\"t\",\"subject\":\"S\",\"executionArn\":\"arn:x\"}"))
            .expect("a message");
        assert_eq!((remote.token.as_str(), remote.message.subject.as_deref()), ("t", Some("S")));
        assert_eq!(remote.execution_arn.as_deref(), Some("arn:x"));
        assert_eq!(read_remote(&json!({"taskToken": "u"})).map(|remote| remote.token), Ok("u".to_string()));
        assert_eq!(read_remote(&json!({"subject": "S"})), Err(RemoteMessageError::NoToken));
        assert_eq!(read_remote(&json!({"taskToken": ""})), Err(RemoteMessageError::NoToken));
        assert_eq!(read_remote(&json!("plain")), Err(RemoteMessageError::NotAnObject));
        assert_eq!(read_remote(&json!([1])), Err(RemoteMessageError::NotAnObject));
    }
}

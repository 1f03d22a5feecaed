//! What a Task state's `Resource` names: a Lambda function, an activity, or a service
//! integration with its integration pattern. The engine names history events after it and
//! the driver picks a backend by it.

use serde::{Deserialize, Serialize};

use super::history::TaskEvents;

/// How a service integration waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pattern {
    /// Call and use the response.
    RequestResponse,
    /// `.sync` / `.sync:2`: run the job to its end.
    Sync,
    /// `.waitForTaskToken`: call, then wait for SendTaskSuccess/Failure with the token.
    WaitForTaskToken,
}

/// A Task's resource, understood.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResource {
    /// The resource as written.
    pub arn: String,
    /// Which events it records.
    pub events: TaskEvents,
    /// How it waits.
    pub pattern: Pattern,
    /// `lambda`, `sqs`, `aws-sdk:s3`, `http`, `states`, `activity`, `lambda-function`.
    pub service: String,
    /// `invoke`, `sendMessage`, `startExecution`, … (no pattern suffix).
    pub action: String,
}

impl TaskResource {
    /// Reads a resource ARN.
    pub fn parse(arn: &str) -> TaskResource {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() == 6 && parts[2] == "states" && parts[3].is_empty() && parts[4].is_empty() {
            // arn:aws:states:::SERVICE:ACTION[.pattern] — aws-sdk has one more segment.
            let rest = parts[5];
            let (service, action_with_pattern) = match rest.strip_prefix("aws-sdk:") {
                Some(sdk) => match sdk.split_once(':') {
                    Some((service, action)) => (format!("aws-sdk:{service}"), action.to_string()),
                    None => (rest.to_string(), String::new()),
                },
                None => match rest.split_once(':') {
                    Some((service, action)) => (service.to_string(), action.to_string()),
                    None => (rest.to_string(), String::new()),
                },
            };
            let (action, pattern) = if let Some(action) = action_with_pattern.strip_suffix(".waitForTaskToken") {
                (action.to_string(), Pattern::WaitForTaskToken)
            } else if let Some((action, _)) = action_with_pattern.split_once(".sync") {
                (action.to_string(), Pattern::Sync)
            } else {
                (action_with_pattern.clone(), Pattern::RequestResponse)
            };
            return TaskResource {
                arn: arn.to_string(),
                events: TaskEvents::Service { resource_type: service.clone(), resource: action_with_pattern },
                pattern,
                service,
                action,
            };
        }
        if parts.len() == 6 && parts[2] == "states" && parts[5].starts_with("activity:") {
            return TaskResource {
                arn: arn.to_string(),
                events: TaskEvents::Activity { resource: arn.to_string() },
                pattern: Pattern::WaitForTaskToken,
                service: "activity".into(),
                action: parts[5].trim_start_matches("activity:").to_string(),
            };
        }
        if parts.len() == 6 && parts[2] == "lambda" {
            return TaskResource {
                arn: arn.to_string(),
                events: TaskEvents::Lambda { resource: arn.to_string() },
                pattern: Pattern::RequestResponse,
                service: "lambda-function".into(),
                action: parts[5].trim_start_matches("function:").to_string(),
            };
        }
        TaskResource {
            arn: arn.to_string(),
            events: TaskEvents::Service { resource_type: "unknown".into(), resource: arn.to_string() },
            pattern: Pattern::RequestResponse,
            service: "unknown".into(),
            action: arn.to_string(),
        }
    }

    /// Whether the state waits after the call (a token, a job, or an activity worker).
    pub fn waits(&self) -> bool {
        self.pattern != Pattern::RequestResponse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_classified_as_aws_names_their_events() {
        let sqs = TaskResource::parse("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
        assert_eq!(sqs.pattern, Pattern::WaitForTaskToken);
        assert_eq!(
            sqs.events,
            TaskEvents::Service { resource_type: "sqs".into(), resource: "sendMessage.waitForTaskToken".into() }
        );
        let sdk = TaskResource::parse("arn:aws:states:::aws-sdk:dynamodb:putItem");
        assert_eq!(sdk.service, "aws-sdk:dynamodb");
        assert_eq!(sdk.action, "putItem");
        let nested = TaskResource::parse("arn:aws:states:::states:startExecution.sync:2");
        assert_eq!((nested.pattern, nested.action.as_str()), (Pattern::Sync, "startExecution"));
        let activity = TaskResource::parse("arn:aws:states:us-east-1:123456789012:activity:approve");
        assert!(matches!(activity.events, TaskEvents::Activity { .. }));
        let function = TaskResource::parse("arn:aws:lambda:us-east-1:123456789012:function:f");
        assert!(matches!(function.events, TaskEvents::Lambda { .. }));
    }
}

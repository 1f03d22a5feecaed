//! Lint: warnings about definitions AWS accepts but that are likely mistakes, with fixes.
//!
//! [`lint`] walks every state in every scope (the top-level `States`, each `Parallel` branch,
//! each `Map` state's `ItemProcessor` or legacy `Iterator`) and reports [`Diagnostic`]s of
//! severity warning, ordered by JSON pointer. It never fails: whatever it cannot read (wrong
//! types, missing fields) it skips, because validation reports those. [`RULES`] documents every
//! rule for `statehouse lint --explain CODE` and the designer.

use std::cmp::Ordering;

use serde_json::json;

use crate::diagnostic::{Diagnostic, Fix, FixEdit, pointer_push};
use crate::json::{Node, Value};
use crate::sort;

/// Which kind of state machine the definition will be created as; some rules apply only to one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WorkflowType {
    /// `STANDARD`: exactly-once, up to one year, all integration patterns.
    #[default]
    Standard,
    /// `EXPRESS`: at-least-once (asynchronous) or at-most-once (synchronous), at most five
    /// minutes, request-response integrations only.
    Express,
}

/// What the linter needs to know beyond the definition itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintOptions {
    /// The workflow type the definition will be created as. The children of a Distributed Map
    /// whose `ProcessorConfig.ExecutionType` is set are linted as that type whatever this says.
    pub workflow_type: WorkflowType,
}

/// The documentation of one lint rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The code diagnostics of this rule carry (`TASK_WITHOUT_CATCH`).
    pub code: &'static str,
    /// What the rule finds, in one sentence.
    pub summary: &'static str,
    /// Why it matters, and exactly when the rule fires and when it stays quiet.
    pub why: &'static str,
    /// A small definition that triggers the rule (rules named `EXPRESS_…` when linted as Express).
    pub example: &'static str,
    /// What to do about it, including what the offered quick fix changes.
    pub fix: &'static str,
}

/// Code: a Task state has no Catch.
pub const TASK_WITHOUT_CATCH: &str = "TASK_WITHOUT_CATCH";
/// Code: a Task state has no TimeoutSeconds or TimeoutSecondsPath.
pub const TASK_WITHOUT_TIMEOUT: &str = "TASK_WITHOUT_TIMEOUT";
/// Code: a `.waitForTaskToken` Task has neither a timeout nor a heartbeat.
pub const CALLBACK_WITHOUT_TIMEOUT: &str = "CALLBACK_WITHOUT_TIMEOUT";
/// Code: an error name in a Retry or Catch entry is already matched by an earlier entry.
pub const ERROR_MATCHER_SHADOWED: &str = "ERROR_MATCHER_SHADOWED";
/// Code: an exponential backoff with no MaxDelaySeconds reaches long waits.
pub const BACKOFF_WITHOUT_MAX_DELAY: &str = "BACKOFF_WITHOUT_MAX_DELAY";
/// Code: a catcher's `"ResultPath": null` throws the error away.
pub const CATCH_DISCARDS_ERROR: &str = "CATCH_DISCARDS_ERROR";
/// Code: an Express workflow uses `.sync`, `.waitForTaskToken` or an activity.
pub const EXPRESS_UNSUPPORTED_INTEGRATION: &str = "EXPRESS_UNSUPPORTED_INTEGRATION";
/// Code: an Express workflow has a payment-like step with no idempotency key.
pub const EXPRESS_PAYMENT_STEP: &str = "EXPRESS_PAYMENT_STEP";
/// Code: an Express workflow has a Wait longer than an Express execution may run.
pub const EXPRESS_WAIT_TOO_LONG: &str = "EXPRESS_WAIT_TOO_LONG";
/// Code: a Lambda task has no retrier for Lambda's transient service errors.
pub const LAMBDA_WITHOUT_SERVICE_RETRY: &str = "LAMBDA_WITHOUT_SERVICE_RETRY";
/// Code: a Parallel state discards its result, yet waits for and fails with its branches.
pub const PARALLEL_FIRE_AND_FORGET: &str = "PARALLEL_FIRE_AND_FORGET";
/// Code: a Retry or Catch entry names a `States.` error that nothing raises.
pub const UNKNOWN_STATES_ERROR: &str = "UNKNOWN_STATES_ERROR";

/// Every lint rule, in the order `statehouse lint --explain` lists them.
pub const RULES: &[Rule] = &[
    Rule {
        code: TASK_WITHOUT_CATCH,
        summary: "A Task state has no Catch, so an error its retriers do not absorb fails the whole execution.",
        why: "Without a Catch, any error that survives the Retry policy (a bug, a missing permission, a \
              timeout, retries running out) ends the execution as FAILED: no compensating step runs, \
              nothing is cleaned up and nobody is told unless they watch execution events. A Task \
              inside a Parallel branch or a Map iteration is not flagged when an enclosing Parallel \
              or Map state has a Catch, because that catcher handles its failure.",
        example: r#"{
  "StartAt": "Charge card",
  "States": {
    "Charge card": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:putItem",
      "Parameters": { "TableName": "Charges", "Item": { "Id": { "S.$": "$.id" } } },
      "TimeoutSeconds": 30,
      "End": true
    }
  }
}"#,
        fix: "Add a Catch that routes States.ALL (or the errors you expect) to a handler state that keeps \
              the error (ResultPath such as \"$.error\") and cleans up, notifies, or ends in a Fail state.",
    },
    Rule {
        code: TASK_WITHOUT_TIMEOUT,
        summary: "A Task state has no TimeoutSeconds or TimeoutSecondsPath, so a stuck call waits about a year.",
        why: "AWS's default task timeout is 99999999 seconds: a call that hangs (an activity worker that \
              died, a job that never finishes, a callback that keeps sending heartbeats) holds the \
              execution until the Standard workflow's one-year limit ends it, and no Catch ever runs. \
              A `.waitForTaskToken` task with no heartbeat either is reported as \
              CALLBACK_WITHOUT_TIMEOUT instead. The quick fix's value depends on the integration: \
              300 s for request-response calls (60 s in Express workflows, which may run 5 minutes in \
              all), 3600 s for `.sync` jobs, 86400 s for callbacks, and always more than a numeric \
              HeartbeatSeconds.",
        example: r#"{
  "StartAt": "Resize image",
  "States": {
    "Resize image": {
      "Type": "Task",
      "Resource": "arn:aws:states:::ecs:runTask",
      "Parameters": { "Cluster": "images", "TaskDefinition": "resize" },
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Set TimeoutSeconds (or TimeoutSecondsPath) to the longest the task may legitimately take, \
              and handle States.Timeout in a Retry or Catch.",
    },
    Rule {
        code: CALLBACK_WITHOUT_TIMEOUT,
        summary: "A .waitForTaskToken Task has no timeout and no heartbeat, so a lost task token makes it wait until the execution expires.",
        why: "A callback task pauses until something calls SendTaskSuccess or SendTaskFailure with its \
              token. When the token is lost (the worker crashed, the message was dropped, nobody \
              answered the approval e-mail) nothing ever resumes the task: with neither \
              TimeoutSeconds nor HeartbeatSeconds (nor their Path forms) it waits the default \
              99999999 seconds, in practice until the execution's one-year limit.",
        example: r#"{
  "StartAt": "Wait for approval",
  "States": {
    "Wait for approval": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals", "MessageBody": { "TaskToken.$": "$$.Task.Token" } },
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected" }],
      "End": true
    },
    "Rejected": { "Type": "Fail" }
  }
}"#,
        fix: "Add TimeoutSeconds for the longest the callback may take (the quick fix uses one day), add \
              HeartbeatSeconds as well if the worker can call SendTaskHeartbeat, and handle \
              States.Timeout and States.HeartbeatTimeout.",
    },
    Rule {
        code: ERROR_MATCHER_SHADOWED,
        summary: "An error name in a Retry or Catch entry can never match, because an earlier entry of the same list already matches it.",
        why: "Step Functions tries retriers and catchers in order and uses the first whose ErrorEquals \
              matches. A name listed again in a later entry, or (in a Task state) an error name \
              outside `States.` listed after an entry with States.TaskFailed, which matches every \
              task error except States.Timeout, is dead: its interval, backoff or handler is never \
              used. States.ALL anywhere but alone in the last entry is not linted: AWS refuses that \
              definition (\"States.ALL must appear alone and at end of list\"), so validation \
              reports it.",
        example: r#"{
  "StartAt": "Call API",
  "States": {
    "Call API": {
      "Type": "Task",
      "Resource": "arn:aws:states:::http:invoke",
      "Parameters": { "ApiEndpoint": "https://example.com", "Method": "GET", "Authentication": { "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/abc" } },
      "TimeoutSeconds": 30,
      "Retry": [
        { "ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2 },
        { "ErrorEquals": ["States.Http.StatusCode.429", "Throttled"], "IntervalSeconds": 5 }
      ],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Put the specific entry before the general one, or delete the dead name. The quick fix \
              removes the dead names, or the whole retrier when none is left (a dead catcher is left \
              to you, since removing it could leave its handler unreachable).",
    },
    Rule {
        code: BACKOFF_WITHOUT_MAX_DELAY,
        summary: "A retrier backs off exponentially with no MaxDelaySeconds, and its last wait exceeds 5 minutes (1 minute in Express workflows).",
        why: "Each retry waits IntervalSeconds × BackoffRate^(attempt − 1), with defaults of 1 s, 2.0 and \
              3 attempts, so waits grow fast: 10 attempts from 5 s at rate 2 make the last wait \
              2560 s, and a failing task sits idle for most of an hour before giving up (an Express \
              execution dies mid-wait at its 5-minute limit). The rule fires when BackoffRate and \
              MaxAttempts (defaults included) are both above 1, MaxDelaySeconds is absent, and the \
              last wait exceeds 300 s (60 s in Express workflows). Short schedules, such as AWS's \
              recommended Lambda retrier (waits of 1, 2 and 4 s), are not flagged.",
        example: r#"{
  "StartAt": "Sync orders",
  "States": {
    "Sync orders": {
      "Type": "Task",
      "Resource": "arn:aws:states:::glue:startJobRun.sync",
      "Parameters": { "JobName": "sync-orders" },
      "TimeoutSeconds": 3600,
      "Retry": [{ "ErrorEquals": ["Glue.ConcurrentRunsExceededException"], "IntervalSeconds": 5, "MaxAttempts": 10, "BackoffRate": 2 }],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Cap each wait with MaxDelaySeconds (the quick fix uses 300 s, 60 s in Express workflows, \
              or IntervalSeconds if that is larger), or lower MaxAttempts or BackoffRate.",
    },
    Rule {
        code: CATCH_DISCARDS_ERROR,
        summary: "A catcher has \"ResultPath\": null, so its handler gets the original input and never learns which error happened or why.",
        why: "ResultPath null keeps the state's input and throws away the error output ({\"Error\", \
              \"Cause\"}). That is sometimes deliberate (the handler only needs the original input, \
              to carry on or try another way), but most handlers log, notify, compensate or fail \
              with the cause, and a path like $.Cause then fails at run time or reads unrelated \
              data. The rule flags every such catcher rather than guessing whether its handler reads \
              the error (it cannot know the names a handler uses): where discarding is intended the \
              warning is cheap to dismiss, and where it is not it saves a blind incident.",
        example: r#"{
  "StartAt": "Ship order",
  "States": {
    "Ship order": {
      "Type": "Task",
      "Resource": "arn:aws:states:::events:putEvents",
      "Parameters": { "Entries": [{ "Source": "shop", "DetailType": "ship", "Detail.$": "$" }] },
      "TimeoutSeconds": 30,
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Notify support" }],
      "End": true
    },
    "Notify support": { "Type": "Fail", "Error": "ShippingFailed" }
  }
}"#,
        fix: "Set ResultPath to a field such as \"$.error\" (the quick fix) so the handler gets the input \
              and the error (the state input must then be an object), or dismiss the warning when the \
              handler really has no use for the error.",
    },
    Rule {
        code: EXPRESS_UNSUPPORTED_INTEGRATION,
        summary: "An Express workflow uses a .sync or .waitForTaskToken integration, or an activity, which Express workflows do not support.",
        why: "Express workflows run for at most 5 minutes and support only request-response \
              integrations: the run-a-job (.sync) and callback (.waitForTaskToken) patterns, and \
              activities, are Standard-only, and AWS will refuse the definition when the state \
              machine is created as EXPRESS. The same holds inside a Distributed Map whose \
              ProcessorConfig.ExecutionType is EXPRESS, even in a Standard workflow. Linting as \
              Standard does not report it.",
        example: r#"{
  "Comment": "Lint as EXPRESS.",
  "StartAt": "Run report",
  "States": {
    "Run report": {
      "Type": "Task",
      "Resource": "arn:aws:states:::ecs:runTask.sync",
      "Parameters": { "Cluster": "reports", "TaskDefinition": "report" },
      "TimeoutSeconds": 240,
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Create the state machine as STANDARD, or use the request-response form of the \
              integration (without the .sync or .waitForTaskToken suffix) and react to the job's \
              completion event instead.",
    },
    Rule {
        code: EXPRESS_PAYMENT_STEP,
        summary: "An Express workflow has a payment-like Task (charge, payment, refund, funds transfer, invoice, …) and no idempotency key in its parameters.",
        why: "Asynchronous Express executions are at-least-once: a state, or the whole execution, may \
              run more than once (and synchronous ones are at-most-once: it may not run at all). A \
              step that moves money and runs twice charges, refunds or transfers twice. The rule \
              looks for payment words (charge, pay, payment, payout, refund, invoice, bill, \
              billing, withdraw, disburse, and transfer next to funds, money, wire, bank, balance or \
              cash) in the Task's name, its Resource, and the FunctionName, StateMachineArn or \
              ApiEndpoint it calls, split at case changes and punctuation. A text that also says \
              notify, notification, status, event, alert, e-mail, log or audit is about a payment, \
              not moving money, and is skipped. The rule stays quiet when the Parameters or \
              Arguments carry an idempotency key: a key or value mentioning idempotency, or a \
              ClientToken or ClientRequestToken field.",
        example: r#"{
  "Comment": "Lint as EXPRESS.",
  "StartAt": "Charge card",
  "States": {
    "Charge card": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": { "FunctionName": "charge-card", "Payload.$": "$" },
      "TimeoutSeconds": 30,
      "Retry": [{ "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "MaxAttempts": 3 }],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Pass an idempotency key that the payment service deduplicates on (for example the order \
              id, or $$.Execution.Id with the state name), or create the workflow as STANDARD, whose \
              executions run each step exactly once.",
    },
    Rule {
        code: EXPRESS_WAIT_TOO_LONG,
        summary: "An Express workflow has a Wait of more than 5 minutes, longer than any Express execution may run.",
        why: "Express executions stop after 5 minutes. A Wait whose fixed Seconds is larger than 300 \
              guarantees the execution times out, which no Catch handles, before the next state runs. \
              Only a numeric Seconds is checked: SecondsPath, Timestamp and expressions are known \
              only at run time.",
        example: r#"{
  "Comment": "Lint as EXPRESS.",
  "StartAt": "Cool down",
  "States": {
    "Cool down": { "Type": "Wait", "Seconds": 600, "End": true }
  }
}"#,
        fix: "Shorten the Wait to well under 300 seconds, or create the workflow as STANDARD (up to one year).",
    },
    Rule {
        code: LAMBDA_WITHOUT_SERVICE_RETRY,
        summary: "A Lambda task has no retrier for Lambda's transient service errors.",
        why: "Invoking Lambda now and then fails for reasons unrelated to your function: \
              Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException and \
              Lambda.TooManyRequestsException. AWS recommends retrying them on every Lambda task; \
              without a retrier that lists them (or States.ALL or States.TaskFailed, which cover \
              them), a momentary blip fails the step. A retrier that lists one with MaxAttempts 0 \
              counts as a deliberate choice. Only Resources recognisable as Lambda are checked: \
              arn:PARTITION:states:::lambda:invoke with any suffix, and \
              arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME; a Resource left to a deployment \
              tool (\"${FunctionArn}\") is not.",
        example: r#"{
  "StartAt": "Score order",
  "States": {
    "Score order": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": { "FunctionName": "score-order", "Payload.$": "$" },
      "TimeoutSeconds": 30,
      "Catch": [{ "ErrorEquals": ["Lambda.Unknown"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Add AWS's recommended retrier: {\"ErrorEquals\": [\"Lambda.ServiceException\", \
              \"Lambda.AWSLambdaException\", \"Lambda.SdkClientException\", \
              \"Lambda.TooManyRequestsException\"], \"IntervalSeconds\": 1, \"MaxAttempts\": 3, \
              \"BackoffRate\": 2, \"JitterStrategy\": \"FULL\"}. The quick fix appends it to Retry, \
              listing only the errors no retrier covers yet.",
    },
    Rule {
        code: PARALLEL_FIRE_AND_FORGET,
        summary: "A Parallel state discards its result and only makes request-response calls, yet it waits for every branch and fails when any call fails.",
        why: "A Parallel whose result is thrown away (ResultPath null, OutputPath null or outside \
              ResultPath, or a JSONata Output that never reads $states.result) and whose branches \
              hold only request-response Task states (no .sync, no .waitForTaskToken; Pass and \
              Succeed states allowed) is meant to fire side effects and move on. Parallel is not \
              fire-and-forget: it waits for the slowest branch, and one failing call fails the \
              whole Parallel, stops the other branches and, without a Catch, ends the execution. \
              Not flagged when every Task in the branches has its own Catch, since a failed side \
              call can then not stop the workflow.",
        example: r#"{
  "StartAt": "Notify",
  "States": {
    "Notify": {
      "Type": "Parallel",
      "ResultPath": null,
      "Branches": [
        { "StartAt": "E-mail", "States": { "E-mail": { "Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": { "TopicArn": "arn:aws:sns:us-east-1:123456789012:mail", "Message.$": "$.text" }, "TimeoutSeconds": 10, "End": true } } },
        { "StartAt": "Audit", "States": { "Audit": { "Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "Parameters": { "Entries": [{ "Source": "shop", "DetailType": "audit", "Detail.$": "$" }] }, "TimeoutSeconds": 10, "End": true } } }
      ],
      "End": true
    }
  }
}"#,
        fix: "Give each branch Task a Catch (to a Pass state) so a failed side call is absorbed, or \
              replace the Parallel with one asynchronous hand-off: an EventBridge PutEvents or SNS \
              Publish task, or StartExecution of another state machine without .sync.",
    },
    Rule {
        code: UNKNOWN_STATES_ERROR,
        summary: "A Retry or Catch entry names a States. error that Step Functions never raises and no Fail state of the workflow raises either, so it never matches.",
        why: "Error names are compared exactly. The names that start with `States.` are Step \
              Functions' own (States.ALL, States.TaskFailed, States.Timeout, States.HeartbeatTimeout, \
              States.Http.StatusCode.NNN, …), and a misspelt one (States.Timout, States.TaskFailedId) \
              is accepted by AWS but matches nothing: the retry or the handler it was written for \
              never runs, and the error fails the step as if it were not there. A `States.` name \
              that a Fail state of the same workflow raises with its Error field is a deliberate \
              custom error and is not flagged (an ErrorPath or a function's own error type is not \
              looked into).",
        example: r#"{
  "StartAt": "Dispense",
  "States": {
    "Dispense": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/cash", "MessageBody.$": "$" },
      "TimeoutSeconds": 30,
      "Retry": [{ "ErrorEquals": ["States.TaskFailedId"], "IntervalSeconds": 2, "MaxAttempts": 3 }],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
      "End": true
    },
    "Failed": { "Type": "Fail" }
  }
}"#,
        fix: "Use the name Step Functions raises; the quick fix offers the nearest predefined one \
              (States.TaskFailed for States.TaskFailedId) as a guess to confirm, since only you \
              know which error was meant.",
    },
];

/// The errors Step Functions itself raises, besides `States.Http.StatusCode.NNN`.
const PREDEFINED_ERRORS: [&str; 17] = [
    "States.ALL",
    "States.BranchFailed",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.QueryEvaluationError",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
];

/// Whether Step Functions raises `name` itself.
fn is_predefined_error(name: &str) -> bool {
    PREDEFINED_ERRORS.contains(&name)
        || name
            .strip_prefix("States.Http.StatusCode.")
            .is_some_and(|code| code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_digit()))
}

/// Every literal `Error` of a Fail state anywhere in the definition.
fn fail_errors<'a>(node: &'a Node, found: &mut Vec<&'a str>) {
    match &node.value {
        Value::Object(members) => {
            if node.get("Type").and_then(Node::as_str) == Some("Fail")
                && let Some(error) = node.get("Error").and_then(Node::as_str)
            {
                found.push(error);
            }
            for member in members {
                fail_errors(&member.value, found);
            }
        }
        Value::Array(elements) => {
            for element in elements {
                fail_errors(element, found);
            }
        }
        _ => {}
    }
}

/// The documentation of the rule with this code, if there is one.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.code == code)
}

/// Lints a definition: warnings only, ordered by pointer (reference tokens compared in turn,
/// numerically where both are array indexes). Never panics; skips what it cannot read.
pub fn lint(root: &Node, options: &LintOptions) -> Vec<Diagnostic> {
    let mut raised = Vec::new();
    fail_errors(root, &mut raised);
    let mut linter = Linter { diagnostics: Vec::new(), raised: &raised };
    let scope = Scope { express: options.workflow_type == WorkflowType::Express, failure_caught_outside: false };
    linter.walk_states(root, "", scope);
    sort::sort_by(&mut linter.diagnostics, |left, right| compare_pointers(&left.pointer, &right.pointer));
    linter.diagnostics
}

/// The errors AWS recommends retrying on every Lambda task.
const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

/// The longest time, in seconds, an Express execution may run.
const EXPRESS_EXECUTION_LIMIT_SECONDS: f64 = 300.0;

/// Above this last wait, a retrier without MaxDelaySeconds is flagged (Standard workflows).
const STANDARD_BACKOFF_THRESHOLD_SECONDS: f64 = 300.0;

/// Above this last wait, a retrier without MaxDelaySeconds is flagged (Express workflows).
const EXPRESS_BACKOFF_THRESHOLD_SECONDS: f64 = 60.0;

/// Word beginnings that make a Task look like it moves money (`charge`, `charging`, `refunds`).
const PAYMENT_WORD_PREFIXES: [&str; 8] =
    ["charg", "payment", "payout", "refund", "invoic", "billing", "withdraw", "disburs"];

/// Whole words that make a Task look like it moves money (too short to match as prefixes:
/// `pay` would match `payload`, `bill` would match `billboard`).
const PAYMENT_WORDS: [&str; 4] = ["pay", "pays", "bill", "bills"];

/// `transfer` moves money only next to one of these (`TransferFunds`, `wire-transfer`); alone
/// it is as likely a file or data transfer.
const MONEY_WORDS: [&str; 7] = ["fund", "funds", "money", "wire", "bank", "balance", "cash"];

/// Words that make a payment-like name about the payment rather than moving money
/// (`Notify Payment Failure`, `Set Payment Status`): a duplicate of those does little harm.
const BOOKKEEPING_WORDS: [&str; 10] =
    ["notify", "notification", "status", "event", "events", "alert", "email", "mail", "log", "audit"];

/// The parameters that name what a Task calls (a Lambda function, a state machine, an HTTP
/// endpoint); only these are searched for payment words, not the payload.
const CALL_TARGET_PARAMETERS: [&str; 3] = ["FunctionName", "StateMachineArn", "ApiEndpoint"];

/// What is known about the surroundings of the states being linted.
#[derive(Clone, Copy, Debug)]
struct Scope {
    /// Whether these states run as an Express workflow (or Express child executions).
    express: bool,
    /// Whether an enclosing Parallel or Map state has a Catch, so a failure here does not
    /// necessarily end the execution.
    failure_caught_outside: bool,
}

/// How a Task's Resource runs, as far as its ARN tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Integration {
    /// Request-response (or anything not recognised as one of the others).
    RequestResponse,
    /// Run a job and wait for it: `.sync`, `.sync:2`.
    Job,
    /// Wait for a task token: `.waitForTaskToken`.
    Callback,
    /// A Step Functions activity.
    Activity,
}

struct Linter<'a> {
    diagnostics: Vec<Diagnostic>,
    /// The errors the definition's Fail states raise.
    raised: &'a [&'a str],
}

impl Linter<'_> {
    /// Lints every state of the `States` object of `container` (the definition, a branch or an
    /// item processor), found at `container_pointer`.
    fn walk_states(&mut self, container: &Node, container_pointer: &str, scope: Scope) {
        let Some(states) = container.get("States").and_then(Node::members) else {
            return;
        };
        let states_pointer = pointer_push(container_pointer, "States");
        for (index, member) in states.iter().enumerate() {
            // A duplicate name is a validation error, and its pointer would name the first one.
            if states[..index].iter().any(|earlier| earlier.key == member.key) {
                continue;
            }
            let state_pointer = pointer_push(&states_pointer, &member.key);
            self.check_state(&member.key, &member.value, &state_pointer, scope);
        }
    }

    fn check_state(&mut self, name: &str, state: &Node, state_pointer: &str, scope: Scope) {
        if state.members().is_none() {
            return;
        }
        match state.get("Type").and_then(Node::as_str) {
            Some("Task") => {
                self.check_task(name, state, state_pointer, scope);
                self.check_error_handling(state, state_pointer, scope, true);
            }
            Some("Parallel") => {
                self.check_parallel(name, state, state_pointer);
                self.check_error_handling(state, state_pointer, scope, false);
                let inner_scope =
                    Scope { failure_caught_outside: scope.failure_caught_outside || has_catch(state), ..scope };
                if let Some(branches) = state.get("Branches").and_then(Node::elements) {
                    let branches_pointer = pointer_push(state_pointer, "Branches");
                    for (index, branch) in branches.iter().enumerate() {
                        let branch_pointer = pointer_push(&branches_pointer, &index.to_string());
                        self.walk_states(branch, &branch_pointer, inner_scope);
                    }
                }
            }
            Some("Map") => {
                self.check_error_handling(state, state_pointer, scope, false);
                for processor_key in ["ItemProcessor", "Iterator"] {
                    let Some(processor) = state.get(processor_key) else {
                        continue;
                    };
                    let inner_scope = Scope {
                        express: processor_runs_as_express(processor).unwrap_or(scope.express),
                        failure_caught_outside: scope.failure_caught_outside || has_catch(state),
                    };
                    let processor_pointer = pointer_push(state_pointer, processor_key);
                    self.walk_states(processor, &processor_pointer, inner_scope);
                }
            }
            Some("Wait") if scope.express => self.check_express_wait(name, state, state_pointer),
            _ => {}
        }
    }

    fn check_task(&mut self, name: &str, state: &Node, state_pointer: &str, scope: Scope) {
        let resource = state.get("Resource").and_then(Node::as_str);
        let integration = resource.map_or(Integration::RequestResponse, integration_of);

        if !has_catch(state) && !scope.failure_caught_outside && !has_unreadable(state, "Catch") {
            self.diagnostics.push(Diagnostic::warning(
                TASK_WITHOUT_CATCH,
                state_pointer,
                format!(
                    "Task {name:?} has no Catch, so an error its retriers do not absorb fails the whole execution."
                ),
            ));
        }

        let has_timeout = state.get("TimeoutSeconds").is_some() || state.get("TimeoutSecondsPath").is_some();
        let has_heartbeat = state.get("HeartbeatSeconds").is_some() || state.get("HeartbeatSecondsPath").is_some();
        if integration == Integration::Callback && !has_timeout && !has_heartbeat {
            let seconds = 86_400;
            self.diagnostics.push(
                Diagnostic::warning(
                    CALLBACK_WITHOUT_TIMEOUT,
                    state_pointer,
                    format!(
                        "Task {name:?} waits for a task token with neither TimeoutSeconds nor HeartbeatSeconds, so if the token is lost it waits until the execution itself expires."
                    ),
                )
                .with_fix(set_fix(
                    format!("Add TimeoutSeconds: {seconds} (one day)"),
                    pointer_push(state_pointer, "TimeoutSeconds"),
                    json!(seconds),
                )),
            );
        } else if !has_timeout {
            let seconds = suggested_timeout_seconds(state, integration, scope);
            self.diagnostics.push(
                Diagnostic::warning(
                    TASK_WITHOUT_TIMEOUT,
                    state_pointer,
                    format!(
                        "Task {name:?} has no TimeoutSeconds, so AWS's default of 99999999 seconds lets a stuck call hold the execution for about a year."
                    ),
                )
                .with_fix(set_fix(
                    format!("Add TimeoutSeconds: {seconds}"),
                    pointer_push(state_pointer, "TimeoutSeconds"),
                    json!(seconds),
                )),
            );
        }

        if let Some(resource) = resource
            && is_lambda_resource(resource)
        {
            self.check_lambda_retry(name, state, state_pointer);
        }

        if scope.express {
            self.check_express_task(name, state, state_pointer, resource, integration);
        }
    }

    fn check_lambda_retry(&mut self, name: &str, state: &Node, state_pointer: &str) {
        let existing: &[Node] = match state.get("Retry") {
            None => &[],
            Some(retry) => match retry.elements() {
                Some(retriers) => retriers,
                None => return,
            },
        };
        let uncovered: Vec<&str> = LAMBDA_SERVICE_ERRORS
            .into_iter()
            .filter(|error| !existing.iter().any(|retrier| retrier_lists(retrier, error)))
            .collect();
        if uncovered.is_empty() {
            return;
        }
        let retrier = json!({
            "ErrorEquals": uncovered,
            "IntervalSeconds": 1,
            "MaxAttempts": 3,
            "BackoffRate": 2,
            "JitterStrategy": "FULL",
        });
        // Append to an existing Retry rather than rewriting it, so the retriers already there
        // stay exactly as written (duplicate keys, number spellings).
        let retry_pointer = pointer_push(state_pointer, "Retry");
        let edit = if state.get("Retry").is_some() {
            FixEdit::Append { pointer: retry_pointer, value: retrier }
        } else {
            FixEdit::Set { pointer: retry_pointer, value: serde_json::Value::Array(vec![retrier]) }
        };
        let message = if uncovered.len() == LAMBDA_SERVICE_ERRORS.len() {
            format!(
                "Lambda task {name:?} has no retrier for Lambda's transient service errors, so a momentary Lambda blip fails the step."
            )
        } else {
            format!(
                "Lambda task {name:?} does not retry {}, transient Lambda service errors that AWS recommends retrying.",
                uncovered.join(", ")
            )
        };
        self.diagnostics.push(
            Diagnostic::warning(LAMBDA_WITHOUT_SERVICE_RETRY, state_pointer, message)
                .with_fix(Fix::new("Add AWS's recommended Lambda retrier", vec![edit])),
        );
    }

    fn check_express_task(
        &mut self,
        name: &str,
        state: &Node,
        state_pointer: &str,
        resource: Option<&str>,
        integration: Integration,
    ) {
        let resource_pointer = pointer_push(state_pointer, "Resource");
        let unsupported = match integration {
            Integration::Job => Some(format!(
                "Task {name:?} uses a .sync integration, which Express workflows do not support: AWS will refuse this when created as EXPRESS."
            )),
            Integration::Callback => Some(format!(
                "Task {name:?} uses a .waitForTaskToken integration, which Express workflows do not support: AWS will refuse this when created as EXPRESS."
            )),
            Integration::Activity => Some(format!(
                "Task {name:?} runs an activity, which Express workflows do not support: AWS will refuse this when created as EXPRESS."
            )),
            Integration::RequestResponse => None,
        };
        if let Some(message) = unsupported {
            self.diagnostics.push(Diagnostic::warning(EXPRESS_UNSUPPORTED_INTEGRATION, resource_pointer, message));
        }

        let parameters = [state.get("Parameters"), state.get("Arguments")];
        if parameters.iter().flatten().any(|node| mentions_idempotency(node)) {
            return;
        }
        let mut found: Option<(String, &str)> = None;
        if let Some(word) = payment_word(name) {
            found = Some((word, "its name"));
        } else if let Some(word) = resource.and_then(payment_word) {
            found = Some((word, "its Resource"));
        } else if let Some(word) = parameters
            .iter()
            .flatten()
            .flat_map(|node| CALL_TARGET_PARAMETERS.map(|key| node.get(key).and_then(Node::as_str)))
            .flatten()
            .find_map(payment_word)
        {
            found = Some((word, "what it calls"));
        }
        if let Some((word, place)) = found {
            self.diagnostics.push(Diagnostic::warning(
                EXPRESS_PAYMENT_STEP,
                state_pointer,
                format!(
                    "Task {name:?} looks like a payment step ({word:?} in {place}) and Express executions are at-least-once, so it may run twice: pass an idempotency key or use a Standard workflow."
                ),
            ));
        }
    }

    fn check_express_wait(&mut self, name: &str, state: &Node, state_pointer: &str) {
        let Some(seconds) = state.get("Seconds").and_then(Node::as_f64) else {
            return;
        };
        if seconds > EXPRESS_EXECUTION_LIMIT_SECONDS {
            self.diagnostics.push(Diagnostic::warning(
                EXPRESS_WAIT_TOO_LONG,
                pointer_push(state_pointer, "Seconds"),
                format!(
                    "Wait {name:?} lasts {}, but Express executions stop after 5 minutes, so the execution times out before the next state.",
                    describe_seconds(seconds)
                ),
            ));
        }
    }

    /// Rules on Retry and Catch, for Task, Parallel and Map states.
    fn check_error_handling(&mut self, state: &Node, state_pointer: &str, scope: Scope, is_task: bool) {
        let retry_pointer = pointer_push(state_pointer, "Retry");
        let catch_pointer = pointer_push(state_pointer, "Catch");
        if let Some(retriers) = state.get("Retry").and_then(Node::elements) {
            self.check_shadowed_errors(retriers, &retry_pointer, "retrier", is_task);
            self.check_unknown_errors(retriers, &retry_pointer, "retrier");
            for (index, retrier) in retriers.iter().enumerate() {
                let retrier_pointer = pointer_push(&retry_pointer, &index.to_string());
                self.check_backoff(retrier, &retrier_pointer, index, scope);
            }
        }
        if let Some(catchers) = state.get("Catch").and_then(Node::elements) {
            self.check_shadowed_errors(catchers, &catch_pointer, "catcher", is_task);
            self.check_unknown_errors(catchers, &catch_pointer, "catcher");
            for (index, catcher) in catchers.iter().enumerate() {
                if matches!(catcher.get("ResultPath").map(|node| &node.value), Some(Value::Null)) {
                    let result_path_pointer =
                        pointer_push(&pointer_push(&catch_pointer, &index.to_string()), "ResultPath");
                    self.diagnostics.push(
                        Diagnostic::warning(
                            CATCH_DISCARDS_ERROR,
                            result_path_pointer.clone(),
                            format!(
                                "Catcher {index} has \"ResultPath\": null, so its handler gets the original input and never learns which error happened or why."
                            ),
                        )
                        // Offered, not applied by `lint --fix`: with a ResultPath the handler's
                        // input changes, and a state input that is not an object makes the
                        // catch fail with States.ResultPathMatchFailure.
                        .with_fix(Fix::guess(
                            "Keep the error at $.error",
                            vec![FixEdit::Set { pointer: result_path_pointer, value: json!("$.error") }],
                        )),
                    );
                }
            }
        }
    }

    fn check_unknown_errors(&mut self, entries: &[Node], list_pointer: &str, kind: &str) {
        for (index, entry) in entries.iter().enumerate() {
            let Some(names) = entry.get("ErrorEquals").and_then(Node::elements) else {
                continue;
            };
            for (position, name) in names.iter().enumerate() {
                let Some(name) = name.as_str() else { continue };
                if !name.starts_with("States.") || is_predefined_error(name) || self.raised.contains(&name) {
                    continue;
                }
                let pointer = [index.to_string().as_str(), "ErrorEquals", &position.to_string()]
                    .iter()
                    .fold(list_pointer.to_string(), |pointer, token| pointer_push(&pointer, token));
                let mut diagnostic = Diagnostic::warning(
                    UNKNOWN_STATES_ERROR,
                    pointer.clone(),
                    format!(
                        "{name:?} is not an error Step Functions raises, and no Fail state of this workflow raises it, so {kind} {index} never matches it."
                    ),
                );
                let candidates = PREDEFINED_ERRORS.iter().copied().filter(|known| *known != "States.ALL");
                if let Some(meant) = crate::suggest::closest(name, candidates) {
                    diagnostic = diagnostic.with_fix(Fix::guess(
                        format!("Replace with {meant:?}"),
                        vec![FixEdit::Set { pointer, value: json!(meant) }],
                    ));
                }
                self.diagnostics.push(diagnostic);
            }
        }
    }

    fn check_shadowed_errors(&mut self, entries: &[Node], list_pointer: &str, kind: &str, is_task: bool) {
        let mut earlier_names: Vec<(&str, usize)> = Vec::new();
        let mut task_failed_entry: Option<usize> = None;
        for (index, entry) in entries.iter().enumerate() {
            let Some(names) = entry.get("ErrorEquals").and_then(Node::elements) else {
                continue;
            };
            let mut dead: Vec<(usize, &str, usize)> = Vec::new();
            let mut kept: Vec<serde_json::Value> = Vec::new();
            for (position, name_node) in names.iter().enumerate() {
                let Some(name) = name_node.as_str() else {
                    kept.push(name_node.to_serde());
                    continue;
                };
                let earlier = earlier_names.iter().find(|(earlier, _)| *earlier == name).map(|(_, at)| *at);
                let by_task_failed = task_failed_entry.filter(|_| is_task && !name.starts_with("States."));
                match earlier.or(by_task_failed) {
                    Some(earlier_index) => dead.push((position, name, earlier_index)),
                    None => kept.push(name_node.to_serde()),
                }
            }
            for name in names.iter().filter_map(Node::as_str) {
                earlier_names.push((name, index));
                if name == "States.TaskFailed" && task_failed_entry.is_none() {
                    task_failed_entry = Some(index);
                }
            }
            let Some(&(first_position, _, first_earlier)) = dead.first() else {
                continue;
            };
            let entry_pointer = pointer_push(list_pointer, &index.to_string());
            let error_equals_pointer = pointer_push(&entry_pointer, "ErrorEquals");
            let dead_names: Vec<String> = dead.iter().map(|(_, name, _)| format!("{name:?}")).collect();
            let message = format!(
                "{} in {kind} {index} never {} because {kind} {first_earlier} before it already matches {}.",
                dead_names.join(", "),
                if dead.len() == 1 { "matches" } else { "match" },
                if dead.len() == 1 { "it" } else { "them" },
            );
            let mut diagnostic = Diagnostic::warning(
                ERROR_MATCHER_SHADOWED,
                pointer_push(&error_equals_pointer, &first_position.to_string()),
                message,
            );
            if !kept.is_empty() {
                diagnostic = diagnostic.with_fix(set_fix(
                    format!("Remove {}", dead_names.join(", ")),
                    error_equals_pointer,
                    serde_json::Value::Array(kept),
                ));
            } else if kind == "retrier" {
                diagnostic = diagnostic.with_fix(Fix::new(
                    format!("Remove retrier {index}"),
                    vec![FixEdit::Remove { pointer: entry_pointer }],
                ));
            }
            self.diagnostics.push(diagnostic);
        }
    }

    fn check_backoff(&mut self, retrier: &Node, retrier_pointer: &str, index: usize, scope: Scope) {
        if retrier.members().is_none() || retrier.get("MaxDelaySeconds").is_some() {
            return;
        }
        let (Some(interval), Some(attempts), Some(rate)) = (
            number_or_default(retrier, "IntervalSeconds", 1.0),
            number_or_default(retrier, "MaxAttempts", 3.0),
            number_or_default(retrier, "BackoffRate", 2.0),
        ) else {
            return;
        };
        if rate <= 1.0 || attempts <= 1.0 || interval <= 0.0 {
            return;
        }
        let last_wait = interval * rate.powf(attempts - 1.0);
        let threshold =
            if scope.express { EXPRESS_BACKOFF_THRESHOLD_SECONDS } else { STANDARD_BACKOFF_THRESHOLD_SECONDS };
        if last_wait <= threshold {
            return;
        }
        let cap = interval.ceil().max(threshold).min(31_622_400.0) as i64;
        self.diagnostics.push(
            Diagnostic::warning(
                BACKOFF_WITHOUT_MAX_DELAY,
                retrier_pointer,
                format!(
                    "Retrier {index} backs off exponentially with no MaxDelaySeconds, so its last wait is {}.",
                    describe_seconds(last_wait)
                ),
            )
            .with_fix(set_fix(
                format!("Add MaxDelaySeconds: {cap}"),
                pointer_push(retrier_pointer, "MaxDelaySeconds"),
                json!(cap),
            )),
        );
    }

    fn check_parallel(&mut self, name: &str, state: &Node, state_pointer: &str) {
        if !parallel_discards_result(state) {
            return;
        }
        let Some(branches) = state.get("Branches").and_then(Node::elements) else {
            return;
        };
        let mut tasks = 0;
        let mut tasks_without_catch = 0;
        for branch in branches {
            let Some(states) = branch.get("States").and_then(Node::members) else {
                return;
            };
            for member in states {
                match member.value.get("Type").and_then(Node::as_str) {
                    Some("Pass" | "Succeed") => {}
                    Some("Task") => {
                        let resource = member.value.get("Resource").and_then(Node::as_str);
                        if resource.map(integration_of) != Some(Integration::RequestResponse) {
                            return;
                        }
                        tasks += 1;
                        if !has_catch(&member.value) {
                            tasks_without_catch += 1;
                        }
                    }
                    _ => return,
                }
            }
        }
        if tasks == 0 || tasks_without_catch == 0 {
            return;
        }
        self.diagnostics.push(Diagnostic::warning(
            PARALLEL_FIRE_AND_FORGET,
            state_pointer,
            format!(
                "Parallel {name:?} discards its result and only makes request-response calls, yet it waits for every branch and fails as a whole when any call without a Catch fails."
            ),
        ));
    }
}

/// A fix made of one `Set` edit.
fn set_fix(title: String, pointer: String, value: serde_json::Value) -> Fix {
    Fix::new(title, vec![FixEdit::Set { pointer, value }])
}

/// Whether the state has a non-empty Catch array.
fn has_catch(state: &Node) -> bool {
    state.get("Catch").and_then(Node::elements).is_some_and(|catchers| !catchers.is_empty())
}

/// Whether `key` is present but of a type the linter cannot read (validation reports it).
fn has_unreadable(state: &Node, key: &str) -> bool {
    state.get(key).is_some_and(|node| node.elements().is_none())
}

/// Whether a retrier's ErrorEquals covers `error`, by name or by a wildcard that matches it.
fn retrier_lists(retrier: &Node, error: &str) -> bool {
    retrier.get("ErrorEquals").and_then(Node::elements).is_some_and(|names| {
        names
            .iter()
            .filter_map(Node::as_str)
            .any(|name| name == error || name == "States.ALL" || name == "States.TaskFailed")
    })
}

/// A retrier field as a number: its default when absent, `None` when present but not a number.
fn number_or_default(retrier: &Node, key: &str, default: f64) -> Option<f64> {
    match retrier.get(key) {
        None => Some(default),
        Some(node) => node.as_f64().filter(|value| value.is_finite()),
    }
}

/// Whether a Distributed Map's item processor runs its children as Express (`Some(true)`) or
/// Standard (`Some(false)`) executions; `None` for inline processors, which inherit.
fn processor_runs_as_express(processor: &Node) -> Option<bool> {
    let config = processor.get("ProcessorConfig")?;
    if config.get("Mode").and_then(Node::as_str) != Some("DISTRIBUTED") {
        return None;
    }
    match config.get("ExecutionType").and_then(Node::as_str)? {
        "EXPRESS" => Some(true),
        "STANDARD" => Some(false),
        _ => None,
    }
}

/// The TimeoutSeconds the quick fix proposes: by integration pattern and workflow type, and
/// always more than a numeric HeartbeatSeconds (AWS requires the heartbeat to be shorter).
fn suggested_timeout_seconds(state: &Node, integration: Integration, scope: Scope) -> i64 {
    let base = match integration {
        Integration::RequestResponse if scope.express => 60,
        Integration::RequestResponse => 300,
        Integration::Job | Integration::Activity => 3_600,
        Integration::Callback => 86_400,
    };
    match state.get("HeartbeatSeconds").and_then(Node::as_i64) {
        Some(heartbeat) if heartbeat >= base && heartbeat < 50_000_000 => heartbeat * 2,
        _ => base,
    }
}

/// The part of an ARN after `arn:PARTITION:`, also when the partition is a `${…}` placeholder.
fn arn_after_partition(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:")?;
    if let Some(placeholder) = rest.strip_prefix("${") {
        let close = placeholder.find('}')?;
        return placeholder[close + 1..].strip_prefix(':');
    }
    let colon = rest.find(':')?;
    Some(&rest[colon + 1..])
}

/// Whether a Resource invokes Lambda: the optimised integration (any suffix) or a function ARN.
fn is_lambda_resource(resource: &str) -> bool {
    let Some(rest) = arn_after_partition(resource) else {
        return false;
    };
    rest.starts_with("states:::lambda:invoke") || (rest.starts_with("lambda:") && rest.contains(":function:"))
}

/// The integration pattern a Resource names.
fn integration_of(resource: &str) -> Integration {
    if resource.ends_with(".waitForTaskToken") {
        Integration::Callback
    } else if resource.ends_with(".sync") || resource.contains(".sync:") {
        Integration::Job
    } else if arn_after_partition(resource)
        .is_some_and(|rest| rest.starts_with("states:") && rest.contains(":activity:"))
    {
        Integration::Activity
    } else {
        Integration::RequestResponse
    }
}

/// Whether a Parallel state's result never reaches its output.
fn parallel_discards_result(state: &Node) -> bool {
    let result_path = state.get("ResultPath");
    let output_path = state.get("OutputPath");
    if matches!(result_path.map(|node| &node.value), Some(Value::Null))
        || matches!(output_path.map(|node| &node.value), Some(Value::Null))
    {
        return true;
    }
    if let (Some(result), Some(output)) = (result_path.and_then(Node::as_str), output_path.and_then(Node::as_str))
        && simple_paths_are_disjoint(result, output)
    {
        return true;
    }
    state.get("Output").is_some_and(|output| !tree_mentions(output, "$states.result"))
}

/// Whether two simple dotted paths (`$.a.b`) name disjoint parts of a document; `false` for
/// anything else (brackets, filters, `$` itself), which may overlap.
fn simple_paths_are_disjoint(left: &str, right: &str) -> bool {
    fn segments(path: &str) -> Option<Vec<&str>> {
        let rest = path.strip_prefix("$.")?;
        let segments: Vec<&str> = rest.split('.').collect();
        segments
            .iter()
            .all(|segment| !segment.is_empty() && segment.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
            .then_some(segments)
    }
    let (Some(left), Some(right)) = (segments(left), segments(right)) else {
        return false;
    };
    left.iter().zip(&right).any(|(left, right)| left != right)
}

/// Whether any key or string value in the tree contains `needle`.
fn tree_mentions(node: &Node, needle: &str) -> bool {
    match &node.value {
        Value::String(text) => text.contains(needle),
        Value::Array(elements) => elements.iter().any(|element| tree_mentions(element, needle)),
        Value::Object(members) => {
            members.iter().any(|member| member.key.contains(needle) || tree_mentions(&member.value, needle))
        }
        _ => false,
    }
}

/// Whether parameters carry an idempotency key: a key or value mentioning idempotency, or a
/// `ClientToken` / `ClientRequestToken` field.
fn mentions_idempotency(node: &Node) -> bool {
    match &node.value {
        Value::String(text) => text.to_lowercase().contains("idempoten"),
        Value::Array(elements) => elements.iter().any(mentions_idempotency),
        Value::Object(members) => members.iter().any(|member| {
            let key = member.key.trim_end_matches(".$").to_lowercase();
            key.contains("idempoten")
                || key == "clienttoken"
                || key == "clientrequesttoken"
                || mentions_idempotency(&member.value)
        }),
        _ => false,
    }
}

/// The word of `text` that makes it look like moving money (`"ProcessPayment"` → `payment`),
/// unless the text is about a payment rather than moving money (`"Notify payment failure"`).
fn payment_word(text: &str) -> Option<String> {
    let words = words(text);
    if words.iter().any(|word| BOOKKEEPING_WORDS.contains(&word.as_str())) {
        return None;
    }
    let is_money_word = |word: &String| MONEY_WORDS.contains(&word.as_str());
    words
        .iter()
        .find(|word| {
            PAYMENT_WORDS.contains(&word.as_str())
                || PAYMENT_WORD_PREFIXES.iter().any(|prefix| word.starts_with(prefix))
                || (word.starts_with("transfer") && words.iter().any(is_money_word))
        })
        .cloned()
}

/// Splits text into lowercase words at punctuation, spaces and case changes
/// (`"chargeCard"`, `"CHARGE_CARD"`, `"HTTPCharge"` all give `charge`).
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let characters: Vec<char> = text.chars().collect();
    for (index, &character) in characters.iter().enumerate() {
        if !character.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if character.is_uppercase() && !current.is_empty() {
            let previous = characters[index - 1];
            let next_is_lower = characters.get(index + 1).is_some_and(|next| next.is_lowercase());
            if previous.is_lowercase() || previous.is_numeric() || (previous.is_uppercase() && next_is_lower) {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(character.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A duration for a message: `"512 s (about 9 minutes)"`.
fn describe_seconds(seconds: f64) -> String {
    if !seconds.is_finite() || seconds > 1.0e9 {
        return "longer than any execution may run".to_string();
    }
    let exact = if seconds.fract() == 0.0 { format!("{seconds:.0} s") } else { format!("{seconds:.1} s") };
    if seconds < 120.0 {
        return exact;
    }
    let (amount, unit) = if seconds < 7_200.0 {
        (seconds / 60.0, "minutes")
    } else if seconds < 172_800.0 {
        (seconds / 3_600.0, "hours")
    } else {
        (seconds / 86_400.0, "days")
    };
    format!("{exact} (about {amount:.0} {unit})")
}

/// Orders JSON pointers token by token, comparing array indexes (all-digit tokens) as numbers.
pub(crate) fn compare_pointers(left: &str, right: &str) -> Ordering {
    let mut left_tokens = left.split('/');
    let mut right_tokens = right.split('/');
    loop {
        match (left_tokens.next(), right_tokens.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(left), Some(right)) => {
                let order = match (left.parse::<u64>(), right.parse::<u64>()) {
                    (Ok(left_index), Ok(right_index)) => left_index.cmp(&right_index).then_with(|| left.cmp(right)),
                    _ => left.cmp(right),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    const STANDARD: LintOptions = LintOptions { workflow_type: WorkflowType::Standard };
    const EXPRESS: LintOptions = LintOptions { workflow_type: WorkflowType::Express };

    fn lint_text(text: &str, options: &LintOptions) -> Vec<Diagnostic> {
        let root = json::parse(text).unwrap_or_else(|error| panic!("test definition is not JSON: {error:?}\n{text}"));
        lint(&root, options)
    }

    fn found(diagnostics: &[Diagnostic]) -> Vec<(&'static str, String)> {
        diagnostics.iter().map(|diagnostic| (diagnostic.code, diagnostic.pointer.clone())).collect()
    }

    fn assert_reports(text: &str, options: &LintOptions, code: &str, pointer: &str) -> Diagnostic {
        let diagnostics = lint_text(text, options);
        diagnostics
            .iter()
            .find(|diagnostic| diagnostic.code == code && diagnostic.pointer == pointer)
            .cloned()
            .unwrap_or_else(|| panic!("expected {code} at {pointer}, got {:#?}", found(&diagnostics)))
    }

    fn assert_silent(text: &str, options: &LintOptions, code: &str) {
        let diagnostics = lint_text(text, options);
        assert!(
            diagnostics.iter().all(|diagnostic| diagnostic.code != code),
            "expected no {code}, got {:#?}",
            found(&diagnostics)
        );
    }

    /// A one-state definition around a state written as JSON text.
    fn single(state: &str) -> String {
        format!(r#"{{"StartAt": "S", "States": {{"S": {state}, "Failed": {{"Type": "Fail"}}}}}}"#)
    }

    const LAMBDA_RETRY: &str = r#"{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2, "JitterStrategy": "FULL"}"#;
    const CATCH_ALL: &str = r#"[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}]"#;

    /// A Task with every safeguard, with `extra` members added.
    fn good_task(resource: &str, extra: &str) -> String {
        format!(
            r#"{{"Type": "Task", "Resource": "{resource}", "TimeoutSeconds": 30, "Retry": [{LAMBDA_RETRY}], "Catch": {CATCH_ALL}{extra}, "End": true}}"#
        )
    }

    const WELL_BUILT: &str = r#"{
      "Comment": "Every safeguard in place.",
      "StartAt": "Score order",
      "States": {
        "Score order": {
          "Type": "Task",
          "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": { "FunctionName": "score-order", "Payload.$": "$" },
          "TimeoutSeconds": 30,
          "Retry": [
            { "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2, "JitterStrategy": "FULL" },
            { "ErrorEquals": ["Throttled"], "IntervalSeconds": 5, "MaxAttempts": 10, "BackoffRate": 2, "MaxDelaySeconds": 60 }
          ],
          "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fan out" }],
          "Next": "Fan out"
        },
        "Fan out": {
          "Type": "Parallel",
          "ResultPath": "$.fanOut",
          "Branches": [
            { "StartAt": "Store", "States": { "Store": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": { "TableName": "t" }, "TimeoutSeconds": 10, "End": true } } }
          ],
          "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed" }],
          "Next": "Each item"
        },
        "Each item": {
          "Type": "Map",
          "ItemProcessor": {
            "ProcessorConfig": { "Mode": "INLINE" },
            "StartAt": "Pause",
            "States": { "Pause": { "Type": "Wait", "Seconds": 1, "End": true } }
          },
          "End": true
        },
        "Failed": { "Type": "Fail", "Error": "OrderFailed" }
      }
    }"#;

    #[test]
    fn a_well_built_definition_has_no_warnings() {
        assert_eq!(found(&lint_text(WELL_BUILT, &STANDARD)), vec![]);
        assert_eq!(found(&lint_text(WELL_BUILT, &EXPRESS)), vec![]);
    }

    #[test]
    fn every_rule_is_documented_once_and_its_example_triggers_it() {
        for (index, documented) in RULES.iter().enumerate() {
            assert!(RULES[..index].iter().all(|earlier| earlier.code != documented.code), "{} twice", documented.code);
            assert!(
                documented.code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{} is not SCREAMING_SNAKE_CASE",
                documented.code
            );
            for text in [documented.summary, documented.why, documented.fix] {
                assert!(text.len() > 20 && !text.contains("  "), "{}: {text:?}", documented.code);
            }
            let options = if documented.code.starts_with("EXPRESS_") { &EXPRESS } else { &STANDARD };
            let diagnostics = lint_text(documented.example, options);
            assert!(
                diagnostics.iter().any(|diagnostic| diagnostic.code == documented.code),
                "the example of {} does not trigger it: {:#?}",
                documented.code,
                found(&diagnostics)
            );
            assert_eq!(rule(documented.code), Some(documented));
        }
        assert_eq!(rule("NO_SUCH_RULE"), None);
    }

    #[test]
    fn diagnostics_are_warnings_with_documented_codes_and_one_sentence_messages() {
        let mut texts: Vec<(&str, &LintOptions)> = RULES.iter().map(|rule| (rule.example, &EXPRESS)).collect();
        texts.extend(RULES.iter().map(|rule| (rule.example, &STANDARD)));
        for (text, options) in texts {
            for diagnostic in lint_text(text, options) {
                assert_eq!(diagnostic.severity, crate::Severity::Warning);
                assert!(rule(diagnostic.code).is_some(), "{} is not in RULES", diagnostic.code);
                assert!(diagnostic.message.ends_with('.'), "{}", diagnostic.message);
                assert_eq!(diagnostic.message.matches(". ").count(), 0, "{}", diagnostic.message);
            }
        }
    }

    #[test]
    fn task_without_catch() {
        let text =
            single(r#"{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "TimeoutSeconds": 5, "End": true}"#);
        let diagnostic = assert_reports(&text, &STANDARD, TASK_WITHOUT_CATCH, "/States/S");
        assert!(diagnostic.message.contains("fails the whole execution"));
        assert!(diagnostic.fix.is_none());

        let near_miss = single(&good_task("arn:aws:states:::sns:publish", ""));
        assert_silent(&near_miss, &STANDARD, TASK_WITHOUT_CATCH);
        let empty_catch = single(r#"{"Type": "Task", "Resource": "x", "TimeoutSeconds": 5, "Catch": [], "End": true}"#);
        assert_reports(&empty_catch, &STANDARD, TASK_WITHOUT_CATCH, "/States/S");
    }

    #[test]
    fn an_enclosing_catch_covers_tasks_in_branches_and_iterations() {
        let uncaught =
            r#"{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "TimeoutSeconds": 5, "End": true}"#;
        let parallel = single(&format!(
            r#"{{"Type": "Parallel", "Branches": [{{"StartAt": "T", "States": {{"T": {uncaught}}}}}], "Catch": {CATCH_ALL}, "End": true}}"#
        ));
        assert_silent(&parallel, &STANDARD, TASK_WITHOUT_CATCH);
        let map = single(&format!(
            r#"{{"Type": "Map", "ItemProcessor": {{"StartAt": "T", "States": {{"T": {uncaught}}}}}, "End": true}}"#
        ));
        assert_reports(&map, &STANDARD, TASK_WITHOUT_CATCH, "/States/S/ItemProcessor/States/T");
        let caught_map =
            map.replace(r#", "End": true}, "Failed""#, &format!(r#", "Catch": {CATCH_ALL}, "End": true}}, "Failed""#));
        assert_silent(&caught_map, &STANDARD, TASK_WITHOUT_CATCH);
    }

    #[test]
    fn task_without_timeout() {
        let text = single(&good_task("arn:aws:states:::sns:publish", "").replace(r#""TimeoutSeconds": 30, "#, ""));
        let diagnostic = assert_reports(&text, &STANDARD, TASK_WITHOUT_TIMEOUT, "/States/S");
        assert!(diagnostic.message.contains("99999999"));
        let fix = diagnostic.fix.expect("a fix");
        assert_eq!(fix.edits, vec![FixEdit::Set { pointer: "/States/S/TimeoutSeconds".into(), value: json!(300) }]);

        let with_path = single(
            &good_task("arn:aws:states:::sns:publish", r#", "TimeoutSecondsPath": "$.timeout""#)
                .replace(r#""TimeoutSeconds": 30, "#, ""),
        );
        assert_silent(&with_path, &STANDARD, TASK_WITHOUT_TIMEOUT);
        assert_silent(&single(&good_task("arn:aws:states:::sns:publish", "")), &STANDARD, TASK_WITHOUT_TIMEOUT);
    }

    #[test]
    fn the_suggested_timeout_fits_the_integration_and_the_heartbeat() {
        let cases = [
            ("arn:aws:states:::sns:publish", "", &STANDARD, 300),
            ("arn:aws:states:::sns:publish", "", &EXPRESS, 60),
            ("arn:aws:states:::glue:startJobRun.sync", "", &STANDARD, 3_600),
            ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", r#", "HeartbeatSeconds": 60"#, &STANDARD, 86_400),
            ("arn:aws:states:::sns:publish", r#", "HeartbeatSeconds": 400"#, &STANDARD, 800),
        ];
        for (resource, extra, options, seconds) in cases {
            let text = single(&good_task(resource, extra).replace(r#""TimeoutSeconds": 30, "#, ""));
            let diagnostic = assert_reports(&text, options, TASK_WITHOUT_TIMEOUT, "/States/S");
            let edits = diagnostic.fix.expect("a fix").edits;
            assert_eq!(
                edits,
                vec![FixEdit::Set { pointer: "/States/S/TimeoutSeconds".into(), value: json!(seconds) }],
                "{resource}{extra}"
            );
        }
    }

    #[test]
    fn callback_without_timeout() {
        let resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";
        let text = single(&good_task(resource, "").replace(r#""TimeoutSeconds": 30, "#, ""));
        let diagnostic = assert_reports(&text, &STANDARD, CALLBACK_WITHOUT_TIMEOUT, "/States/S");
        assert!(diagnostic.fix.is_some());
        assert_silent(&text, &STANDARD, TASK_WITHOUT_TIMEOUT);

        for near_miss in [
            single(&good_task(resource, "")),
            single(
                &good_task(resource, r#", "HeartbeatSecondsPath": "$.beat""#).replace(r#""TimeoutSeconds": 30, "#, ""),
            ),
            single(&good_task("arn:aws:states:::sqs:sendMessage", "").replace(r#""TimeoutSeconds": 30, "#, "")),
        ] {
            assert_silent(&near_miss, &STANDARD, CALLBACK_WITHOUT_TIMEOUT);
        }
    }

    #[test]
    fn error_matcher_shadowed() {
        let text = single(&good_task(
            "arn:aws:states:::sns:publish",
            r#", "Comment": "x""#,
        ).replace(
            &format!(r#""Retry": [{LAMBDA_RETRY}]"#),
            r#""Retry": [{"ErrorEquals": ["States.TaskFailed"]}, {"ErrorEquals": ["States.Timeout", "Sns.Throttled"]}, {"ErrorEquals": ["Sns.Throttled"]}]"#,
        ));
        let diagnostics = lint_text(&text, &STANDARD);
        let shadowed: Vec<_> =
            diagnostics.iter().filter(|diagnostic| diagnostic.code == ERROR_MATCHER_SHADOWED).collect();
        assert_eq!(shadowed.len(), 2, "{:#?}", found(&diagnostics));
        assert_eq!(shadowed[0].pointer, "/States/S/Retry/1/ErrorEquals/1");
        assert_eq!(
            shadowed[0].fix.as_ref().expect("fix").edits,
            vec![FixEdit::Set { pointer: "/States/S/Retry/1/ErrorEquals".into(), value: json!(["States.Timeout"]) }]
        );
        assert_eq!(shadowed[1].pointer, "/States/S/Retry/2/ErrorEquals/0");
        assert_eq!(
            shadowed[1].fix.as_ref().expect("fix").edits,
            vec![FixEdit::Remove { pointer: "/States/S/Retry/2".into() }]
        );

        let duplicate_catch = single(
            r#"{"Type": "Parallel", "Branches": [], "Catch": [{"ErrorEquals": ["A"], "Next": "Failed"}, {"ErrorEquals": ["A"], "Next": "Failed"}], "End": true}"#,
        );
        let diagnostic =
            assert_reports(&duplicate_catch, &STANDARD, ERROR_MATCHER_SHADOWED, "/States/S/Catch/1/ErrorEquals/0");
        assert!(diagnostic.fix.is_none(), "removing a catcher could orphan its handler");

        let near_misses = [
            // Specific first, general last: the right order.
            r#"{"Type": "Task", "Resource": "x", "Retry": [{"ErrorEquals": ["Sns.Throttled"]}, {"ErrorEquals": ["States.TaskFailed"]}], "End": true}"#,
            // States.TaskFailed does not match States.Timeout.
            r#"{"Type": "Task", "Resource": "x", "Retry": [{"ErrorEquals": ["States.TaskFailed"]}, {"ErrorEquals": ["States.Timeout"]}], "End": true}"#,
            // Outside a Task, States.TaskFailed is not treated as a wildcard.
            r#"{"Type": "Parallel", "Branches": [], "Retry": [{"ErrorEquals": ["States.TaskFailed"]}, {"ErrorEquals": ["Custom"]}], "End": true}"#,
        ];
        for near_miss in near_misses {
            assert_silent(&single(near_miss), &STANDARD, ERROR_MATCHER_SHADOWED);
        }
    }

    #[test]
    fn backoff_without_max_delay() {
        let retrier = r#"{"ErrorEquals": ["Throttled"], "IntervalSeconds": 5, "MaxAttempts": 10, "BackoffRate": 2}"#;
        let text = single(
            &good_task("arn:aws:states:::sns:publish", "")
                .replace(&format!(r#""Retry": [{LAMBDA_RETRY}]"#), &format!(r#""Retry": [{LAMBDA_RETRY}, {retrier}]"#)),
        );
        let diagnostic = assert_reports(&text, &STANDARD, BACKOFF_WITHOUT_MAX_DELAY, "/States/S/Retry/1");
        assert!(diagnostic.message.contains("2560 s"), "{}", diagnostic.message);
        assert_eq!(
            diagnostic.fix.expect("fix").edits,
            vec![FixEdit::Set { pointer: "/States/S/Retry/1/MaxDelaySeconds".into(), value: json!(300) }]
        );

        let near_misses = [
            r#"{"ErrorEquals": ["Throttled"], "IntervalSeconds": 5, "MaxAttempts": 10, "BackoffRate": 2, "MaxDelaySeconds": 60}"#,
            r#"{"ErrorEquals": ["Throttled"], "IntervalSeconds": 5, "MaxAttempts": 10, "BackoffRate": 1}"#,
            r#"{"ErrorEquals": ["Throttled"], "IntervalSeconds": 500, "MaxAttempts": 1, "BackoffRate": 2}"#,
            r#"{"ErrorEquals": ["Throttled"]}"#,
        ];
        for near_miss in near_misses {
            let text = single(&format!(r#"{{"Type": "Task", "Resource": "x", "Retry": [{near_miss}], "End": true}}"#));
            assert_silent(&text, &STANDARD, BACKOFF_WITHOUT_MAX_DELAY);
        }
        // Express executions last five minutes: a shorter schedule is already too long there.
        let express_only = single(
            r#"{"Type": "Task", "Resource": "x", "Retry": [{"ErrorEquals": ["A"], "IntervalSeconds": 10, "MaxAttempts": 4}], "End": true}"#,
        );
        assert_silent(&express_only, &STANDARD, BACKOFF_WITHOUT_MAX_DELAY);
        assert_reports(&express_only, &EXPRESS, BACKOFF_WITHOUT_MAX_DELAY, "/States/S/Retry/0");
    }

    #[test]
    fn catch_discards_error() {
        let text = single(
            &good_task("arn:aws:states:::sns:publish", "")
                .replace(r#""ResultPath": "$.error""#, r#""ResultPath": null"#),
        );
        let diagnostic = assert_reports(&text, &STANDARD, CATCH_DISCARDS_ERROR, "/States/S/Catch/0/ResultPath");
        assert_eq!(
            diagnostic.fix.expect("fix").edits,
            vec![FixEdit::Set { pointer: "/States/S/Catch/0/ResultPath".into(), value: json!("$.error") }]
        );
        assert_silent(&single(&good_task("arn:aws:states:::sns:publish", "")), &STANDARD, CATCH_DISCARDS_ERROR);
        let no_result_path =
            single(&good_task("arn:aws:states:::sns:publish", "").replace(r#""ResultPath": "$.error", "#, ""));
        assert_silent(&no_result_path, &STANDARD, CATCH_DISCARDS_ERROR);
    }

    #[test]
    fn express_unsupported_integration() {
        for resource in [
            "arn:aws:states:::ecs:runTask.sync",
            "arn:aws:states:::states:startExecution.sync:2",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws:states:us-east-1:123456789012:activity:review",
        ] {
            let text = single(&good_task(resource, ""));
            let diagnostic = assert_reports(&text, &EXPRESS, EXPRESS_UNSUPPORTED_INTEGRATION, "/States/S/Resource");
            assert!(
                diagnostic.message.contains("AWS will refuse this when created as EXPRESS"),
                "{}",
                diagnostic.message
            );
            assert_silent(&text, &STANDARD, EXPRESS_UNSUPPORTED_INTEGRATION);
        }
        assert_silent(
            &single(&good_task("arn:aws:states:::ecs:runTask", "")),
            &EXPRESS,
            EXPRESS_UNSUPPORTED_INTEGRATION,
        );
        assert_silent(
            &single(&good_task("arn:aws:states:::sync:thing", "")),
            &EXPRESS,
            EXPRESS_UNSUPPORTED_INTEGRATION,
        );
    }

    #[test]
    fn a_distributed_map_decides_the_workflow_type_of_its_children() {
        let map = |execution_type: &str| {
            single(&format!(
                r#"{{"Type": "Map", "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "{execution_type}"}}, "StartAt": "T", "States": {{"T": {}}}}}, "Catch": {CATCH_ALL}, "End": true}}"#,
                good_task("arn:aws:states:::ecs:runTask.sync", "")
            ))
        };
        assert_reports(
            &map("EXPRESS"),
            &STANDARD,
            EXPRESS_UNSUPPORTED_INTEGRATION,
            "/States/S/ItemProcessor/States/T/Resource",
        );
        assert_silent(&map("STANDARD"), &STANDARD, EXPRESS_UNSUPPORTED_INTEGRATION);
        assert_silent(&map("STANDARD"), &EXPRESS, EXPRESS_UNSUPPORTED_INTEGRATION);
    }

    #[test]
    fn express_payment_step() {
        let in_name = r#"{"StartAt": "Charge card", "States": {"Charge card": TASK, "Failed": {"Type": "Fail"}}}"#
            .replace("TASK", &good_task("arn:aws:states:::dynamodb:putItem", ""));
        let diagnostic = assert_reports(&in_name, &EXPRESS, EXPRESS_PAYMENT_STEP, "/States/Charge card");
        assert!(diagnostic.message.contains("at-least-once"));
        assert_silent(&in_name, &STANDARD, EXPRESS_PAYMENT_STEP);

        let in_parameters = single(&good_task(
            "arn:aws:states:::lambda:invoke",
            r#", "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:processRefund", "Payload.$": "$"}"#,
        ));
        assert_reports(&in_parameters, &EXPRESS, EXPRESS_PAYMENT_STEP, "/States/S");
        let in_resource = single(&good_task("arn:aws:lambda:us-east-1:123456789012:function:CreateInvoice", ""));
        assert_reports(&in_resource, &EXPRESS, EXPRESS_PAYMENT_STEP, "/States/S");

        let near_misses = [
            // An idempotency key in the parameters.
            good_task(
                "arn:aws:states:::lambda:invoke",
                r#", "Parameters": {"FunctionName": "charge-card", "Payload": {"IdempotencyKey.$": "$$.Execution.Id"}}"#,
            ),
            good_task(
                "arn:aws:states:::aws-sdk:sfn:startExecution",
                r#", "Parameters": {"Name": "refund", "ClientToken.$": "$.id"}"#,
            ),
            // Words that only contain the letters: payload, discharge, billboard.
            good_task(
                "arn:aws:states:::lambda:invoke",
                r#", "Parameters": {"FunctionName": "discharge-patient", "Payload.$": "$", "Board": "billboard"}"#,
            ),
            // Payment words in the payload, not in what the Task calls.
            good_task(
                "arn:aws:states:::events:putEvents",
                r#", "Parameters": {"Entries": [{"DetailType": "PaymentReceived", "Detail": {"refund": true}}]}"#,
            ),
            // A data transfer, not a funds transfer.
            good_task("arn:aws:states:::aws-sdk:transfer:startFileTransfer", ""),
        ];
        for near_miss in near_misses {
            assert_silent(&single(&near_miss), &EXPRESS, EXPRESS_PAYMENT_STEP);
        }
        let http = single(&good_task(
            "arn:aws:states:::http:invoke",
            r#", "Parameters": {"ApiEndpoint": "https://api.example.com/v1/charges", "Method": "POST"}"#,
        ));
        assert_reports(&http, &EXPRESS, EXPRESS_PAYMENT_STEP, "/States/S");
        let notification = in_name.replace("Charge card", "Notify payment failure");
        assert_silent(&notification, &EXPRESS, EXPRESS_PAYMENT_STEP);
        let pass = r#"{"StartAt": "Charge", "States": {"Charge": {"Type": "Pass", "End": true}}}"#;
        assert_silent(pass, &EXPRESS, EXPRESS_PAYMENT_STEP);
    }

    #[test]
    fn express_wait_too_long() {
        let text = single(r#"{"Type": "Wait", "Seconds": 301, "End": true}"#);
        let diagnostic = assert_reports(&text, &EXPRESS, EXPRESS_WAIT_TOO_LONG, "/States/S/Seconds");
        assert!(diagnostic.message.contains("301 s"), "{}", diagnostic.message);
        assert_silent(&text, &STANDARD, EXPRESS_WAIT_TOO_LONG);
        assert_silent(&single(r#"{"Type": "Wait", "Seconds": 300, "End": true}"#), &EXPRESS, EXPRESS_WAIT_TOO_LONG);
        assert_silent(
            &single(r#"{"Type": "Wait", "SecondsPath": "$.delay", "End": true}"#),
            &EXPRESS,
            EXPRESS_WAIT_TOO_LONG,
        );
    }

    #[test]
    fn lambda_without_service_retry() {
        let resources = [
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws-us-gov:states:::lambda:invoke",
            "arn:${AWS::Partition}:states:::lambda:invoke",
            "arn:aws:lambda:us-east-1:123456789012:function:score",
            "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:score:live",
        ];
        for resource in resources {
            let text = single(&good_task(resource, "").replace(&format!(r#""Retry": [{LAMBDA_RETRY}], "#), ""));
            let diagnostic = assert_reports(&text, &STANDARD, LAMBDA_WITHOUT_SERVICE_RETRY, "/States/S");
            let expected: serde_json::Value = serde_json::from_str(&format!("[{LAMBDA_RETRY}]")).expect("json");
            assert_eq!(
                diagnostic.fix.expect("fix").edits,
                vec![FixEdit::Set { pointer: "/States/S/Retry".into(), value: expected }],
                "{resource}"
            );
        }

        // Partly covered: the message and the fix name only what is missing.
        let partial = single(&good_task("arn:aws:states:::lambda:invoke", "").replace(
            &format!(r#""Retry": [{LAMBDA_RETRY}]"#),
            r#""Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException"]}]"#,
        ));
        let diagnostic = assert_reports(&partial, &STANDARD, LAMBDA_WITHOUT_SERVICE_RETRY, "/States/S");
        assert!(diagnostic.message.contains("Lambda.SdkClientException, Lambda.TooManyRequestsException"));
        let FixEdit::Append { pointer, value } = &diagnostic.fix.expect("fix").edits[0] else { panic!("an Append") };
        assert_eq!(pointer, "/States/S/Retry");
        assert_eq!(value["ErrorEquals"], json!(["Lambda.SdkClientException", "Lambda.TooManyRequestsException"]));

        for wildcard in ["States.ALL", "States.TaskFailed"] {
            let covered = single(&good_task("arn:aws:states:::lambda:invoke", "").replace(
                &format!(r#""Retry": [{LAMBDA_RETRY}]"#),
                &format!(r#""Retry": [{{"ErrorEquals": ["{wildcard}"]}}]"#),
            ));
            assert_silent(&covered, &STANDARD, LAMBDA_WITHOUT_SERVICE_RETRY);
        }
        for not_lambda in
            ["arn:aws:states:::sns:publish", "${ScoreFunctionArn}", "arn:aws:states:::aws-sdk:lambda:invoke"]
        {
            let text = single(&good_task(not_lambda, "").replace(&format!(r#""Retry": [{LAMBDA_RETRY}], "#), ""));
            assert_silent(&text, &STANDARD, LAMBDA_WITHOUT_SERVICE_RETRY);
        }
    }

    fn parallel(extra: &str, branch_task: &str) -> String {
        single(&format!(
            r#"{{"Type": "Parallel"{extra}, "Branches": [{{"StartAt": "A", "States": {{"A": {branch_task}}}}}, {{"StartAt": "B", "States": {{"B": {{"Type": "Pass", "Next": "C"}}, "C": {branch_task}}}}}], "End": true}}"#
        ))
    }

    #[test]
    fn parallel_fire_and_forget() {
        let bare_task =
            r#"{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "TimeoutSeconds": 5, "End": true}"#;
        for discarded in [
            r#", "ResultPath": null"#,
            r#", "OutputPath": null"#,
            r#", "ResultPath": "$.results", "OutputPath": "$.order""#,
            r#", "QueryLanguage": "JSONata", "Output": "{% $states.input %}""#,
        ] {
            assert_reports(&parallel(discarded, bare_task), &STANDARD, PARALLEL_FIRE_AND_FORGET, "/States/S");
        }
        let caught_task = r#"{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "TimeoutSeconds": 5, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ignore"}], "Next": "Ignore"}"#;
        let near_misses = [
            parallel("", bare_task),
            parallel(r#", "ResultPath": "$.results", "OutputPath": "$.results.0""#, bare_task),
            parallel(r#", "ResultPath": "$.results", "OutputPath": "$""#, bare_task),
            parallel(r#", "QueryLanguage": "JSONata", "Output": {"sent": "{% $states.result %}"}"#, bare_task),
            parallel(r#", "ResultPath": null"#, &bare_task.replace("sns:publish", "ecs:runTask.sync")),
            parallel(r#", "ResultPath": null"#, r#"{"Type": "Wait", "Seconds": 5, "End": true}"#),
            parallel(r#", "ResultPath": null"#, caught_task),
        ];
        for near_miss in near_misses {
            assert_silent(&near_miss, &STANDARD, PARALLEL_FIRE_AND_FORGET);
        }
    }

    #[test]
    fn rules_apply_inside_parallel_branches_and_map_processors() {
        let bad_task = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}"#;
        let text = format!(
            r#"{{
              "StartAt": "P",
              "States": {{
                "P": {{"Type": "Parallel", "Branches": [
                  {{"StartAt": "Skip", "States": {{"Skip": {{"Type": "Pass", "End": true}}}}}},
                  {{"StartAt": "In branch", "States": {{
                    "In branch": {bad_task},
                    "Inner map": {{"Type": "Map", "Iterator": {{"StartAt": "In legacy iterator", "States": {{"In legacy iterator": {bad_task}}}}}, "End": true}}
                  }}}}
                ], "Next": "M"}},
                "M": {{"Type": "Map", "ItemProcessor": {{"StartAt": "In processor", "States": {{"In processor": {bad_task}}}}}, "End": true}}
              }}
            }}"#
        );
        let diagnostics = lint_text(&text, &STANDARD);
        for state_pointer in [
            "/States/P/Branches/1/States/In branch",
            "/States/P/Branches/1/States/Inner map/Iterator/States/In legacy iterator",
            "/States/M/ItemProcessor/States/In processor",
        ] {
            for code in [TASK_WITHOUT_CATCH, TASK_WITHOUT_TIMEOUT, LAMBDA_WITHOUT_SERVICE_RETRY] {
                assert!(
                    diagnostics.iter().any(|diagnostic| diagnostic.code == code && diagnostic.pointer == state_pointer),
                    "{code} at {state_pointer}: {:#?}",
                    found(&diagnostics)
                );
            }
        }
    }

    #[test]
    fn pointers_escape_names_and_diagnostics_are_ordered_by_pointer() {
        let task = r#"{"Type": "Task", "Resource": "x", "End": true, "Catch": [CATCHERS]}"#;
        let catchers: Vec<String> = (0..12)
            .map(|index| format!(r#"{{"ErrorEquals": ["E{index}"], "ResultPath": null, "Next": "a/b~c"}}"#))
            .collect();
        let text = format!(
            r#"{{"StartAt": "b", "States": {{"b": {}, "a/b~c": {task}}}}}"#,
            task.replace("CATCHERS", &catchers.join(", ")).replace(r#""Resource": "x""#, r#""Resource": "y""#)
        )
        .replace("CATCHERS", "");
        let pointers: Vec<String> =
            lint_text(&text, &STANDARD).into_iter().map(|diagnostic| diagnostic.pointer).collect();
        assert_eq!(pointers[..2], ["/States/a~1b~0c", "/States/a~1b~0c"]);
        let catch_indexes: Vec<&str> = pointers
            .iter()
            .filter_map(|pointer| pointer.strip_prefix("/States/b/Catch/"))
            .map(|rest| rest.trim_end_matches("/ResultPath"))
            .collect();
        let expected: Vec<String> = (0..12).map(|index| index.to_string()).collect();
        assert_eq!(catch_indexes, expected);
        let mut sorted = pointers.clone();
        sorted.sort_by(|left, right| compare_pointers(left, right));
        assert_eq!(pointers, sorted);
    }

    #[test]
    fn malformed_input_does_not_panic() {
        let texts = [
            "null",
            "[]",
            "\"States\"",
            "{}",
            r#"{"States": []}"#,
            r#"{"States": {"A": 1, "B": null, "C": [], "D": {"Type": 7}}}"#,
            r#"{"States": {"A": {"Type": "Task", "Resource": 1, "Retry": {}, "Catch": "x", "TimeoutSeconds": "soon"}}}"#,
            r#"{"States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [1, null, {"ErrorEquals": "x"}, {"ErrorEquals": [1, "A", "A"], "MaxAttempts": "many", "BackoffRate": 1e308}]}}}"#,
            r#"{"States": {"A": {"Type": "Task", "Retry": [{"ErrorEquals": ["A"], "IntervalSeconds": 1e308, "MaxAttempts": 1e308}, {"ErrorEquals": ["B"], "IntervalSeconds": -5}]}}}"#,
            r#"{"States": {"P": {"Type": "Parallel", "ResultPath": null, "Branches": {"a": 1}}, "Q": {"Type": "Parallel", "ResultPath": null, "Branches": [1, {"States": 2}, {"States": {"x": 3}}]}}}"#,
            r#"{"States": {"M": {"Type": "Map", "ItemProcessor": "x", "Iterator": {"States": {"T": {"Type": "Task"}}}, "Catch": [{}]}}}"#,
            r#"{"States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": 1, "ExecutionType": []}, "States": null}}}}"#,
            r#"{"States": {"W": {"Type": "Wait", "Seconds": "600"}, "V": {"Type": "Wait", "Seconds": 1e400}}}"#,
            r#"{"States": {"A": {"Type": "Task", "Resource": "arn:${AWS::Partition", "Parameters": [[["charge"]]]}, "A": {"Type": "Task"}}}"#,
            r#"{"States": {"Ü€𝄞": {"Type": "Task", "Resource": "arn:", "Parameters": {"ÉCHARGE": "ǅemo"}}}}"#,
        ];
        for text in texts {
            let root = json::parse(text).unwrap_or_else(|error| panic!("{text}: {error:?}"));
            for options in [&STANDARD, &EXPRESS] {
                for diagnostic in lint(&root, options) {
                    assert_eq!(diagnostic.severity, crate::Severity::Warning);
                }
            }
        }
    }

    /// Replaces, one at a time, every value in the tree by a value of each JSON type.
    #[test]
    fn every_value_of_a_definition_replaced_by_every_type_does_not_panic() {
        fn count(node: &Node) -> usize {
            1 + match &node.value {
                Value::Array(elements) => elements.iter().map(count).sum(),
                Value::Object(members) => members.iter().map(|member| count(&member.value)).sum(),
                _ => 0,
            }
        }
        fn replace_nth(node: &mut Node, target: &mut usize, replacement: &Node) -> bool {
            if *target == 0 {
                *node = replacement.clone();
                return true;
            }
            *target -= 1;
            match &mut node.value {
                Value::Array(elements) => elements.iter_mut().any(|element| replace_nth(element, target, replacement)),
                Value::Object(members) => {
                    members.iter_mut().any(|member| replace_nth(&mut member.value, target, replacement))
                }
                _ => false,
            }
        }
        let replacements: Vec<Node> =
            ["null", "true", "-1", "1e999", "\"\"", "\"arn:aws:states:::lambda:invoke.sync\"", "[]", "[1]", "{}"]
                .iter()
                .map(|text| json::parse(text).expect("json"))
                .collect();
        for definition in [WELL_BUILT].iter().chain(RULES.iter().map(|rule| &rule.example)) {
            let root = json::parse(definition).expect("json");
            for index in 0..count(&root) {
                for replacement in &replacements {
                    let mut mutated = root.clone();
                    assert!(replace_nth(&mut mutated, &mut index.clone(), replacement));
                    lint(&mutated, &STANDARD);
                    lint(&mutated, &EXPRESS);
                }
            }
        }
    }

    /// Applies fix edits to a serde_json value: `Set` replaces or creates the last token
    /// (an object member, or an array element at an index up to the length), `Remove` deletes,
    /// `Append` pushes onto the array the pointer names.
    fn apply_fix(document: &mut serde_json::Value, fix: &Fix) {
        for edit in &fix.edits {
            let pointer = edit.pointer();
            let tokens: Vec<String> =
                pointer.split('/').skip(1).map(|token| token.replace("~1", "/").replace("~0", "~")).collect();
            let (last, parents) = tokens.split_last().expect("a pointer below the root");
            let mut parent = &mut *document;
            for token in parents {
                parent = match parent {
                    serde_json::Value::Object(map) => map.get_mut(token).expect("parent member"),
                    serde_json::Value::Array(elements) => {
                        elements.get_mut(token.parse::<usize>().expect("index")).expect("parent element")
                    }
                    _ => panic!("{pointer}: parent is not a container"),
                };
            }
            match (edit, parent) {
                (FixEdit::Append { value, .. }, serde_json::Value::Object(map)) => {
                    map.get_mut(last)
                        .and_then(serde_json::Value::as_array_mut)
                        .expect("array to append to")
                        .push(value.clone());
                }
                (FixEdit::Append { value, .. }, serde_json::Value::Array(elements)) => {
                    let index: usize = last.parse().expect("index");
                    elements[index].as_array_mut().expect("array to append to").push(value.clone());
                }
                (FixEdit::Set { value, .. }, serde_json::Value::Object(map)) => {
                    map.insert(last.clone(), value.clone());
                }
                (FixEdit::Set { value, .. }, serde_json::Value::Array(elements)) => {
                    let index: usize = last.parse().expect("index");
                    if index == elements.len() {
                        elements.push(value.clone());
                    } else {
                        elements[index] = value.clone();
                    }
                }
                (FixEdit::Remove { .. }, serde_json::Value::Object(map)) => {
                    map.remove(last).expect("member to remove");
                }
                (FixEdit::Rename { to, .. }, serde_json::Value::Object(map)) => {
                    let value = map.remove(last).expect("member to rename");
                    map.insert(to.clone(), value);
                }
                (FixEdit::Remove { .. }, serde_json::Value::Array(elements)) => {
                    elements.remove(last.parse().expect("index"));
                }
                _ => panic!("{pointer}: parent is not a container"),
            }
        }
    }

    #[test]
    fn applying_each_fix_makes_its_warning_disappear_and_adds_none() {
        let mut checked = Vec::new();
        for documented in RULES {
            let options = if documented.code.starts_with("EXPRESS_") { &EXPRESS } else { &STANDARD };
            let before = lint_text(documented.example, options);
            for diagnostic in before.iter().filter(|diagnostic| diagnostic.fix.is_some()) {
                let mut document: serde_json::Value = serde_json::from_str(documented.example).expect("json");
                apply_fix(&mut document, diagnostic.fix.as_ref().expect("fix"));
                let after = lint(&Node::from_serde(&document), options);
                let before_pairs = found(&before);
                let after_pairs = found(&after);
                assert!(
                    !after_pairs.contains(&(diagnostic.code, diagnostic.pointer.clone())),
                    "fixing {} at {} did not remove it: {after_pairs:#?}",
                    diagnostic.code,
                    diagnostic.pointer
                );
                for pair in &after_pairs {
                    assert!(before_pairs.contains(pair), "fixing {} added {pair:?}", diagnostic.code);
                }
                checked.push(diagnostic.code);
            }
        }
        for code in [
            TASK_WITHOUT_TIMEOUT,
            CALLBACK_WITHOUT_TIMEOUT,
            ERROR_MATCHER_SHADOWED,
            BACKOFF_WITHOUT_MAX_DELAY,
            CATCH_DISCARDS_ERROR,
            LAMBDA_WITHOUT_SERVICE_RETRY,
            UNKNOWN_STATES_ERROR,
        ] {
            assert!(checked.contains(&code), "no fix of {code} was checked");
        }
    }

    #[test]
    fn unknown_states_error() {
        let task = |retry: &str, catch: &str| {
            format!(
                r#"{{"StartAt": "S", "States": {{"S": {{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "TimeoutSeconds": 5, "Retry": [{{"ErrorEquals": [{retry}]}}], "Catch": [{{"ErrorEquals": [{catch}], "ResultPath": "$.error", "Next": "Failed"}}], "End": true}}, "Failed": {{"Type": "Fail"}}, "Custom": {{"Type": "Fail", "Error": "States.QuorumMet"}}}}}}"#
            )
        };
        let text = task(r#""Throttled", "States.Timout""#, r#""States.TaskFailedId""#);
        let misspelt = assert_reports(&text, &STANDARD, UNKNOWN_STATES_ERROR, "/States/S/Retry/0/ErrorEquals/1");
        assert_eq!(
            misspelt.message,
            r#""States.Timout" is not an error Step Functions raises, and no Fail state of this workflow raises it, so retrier 0 never matches it."#
        );
        let fix = misspelt.fix.expect("a guess");
        assert!(fix.guess);
        assert_eq!(fix.title, r#"Replace with "States.Timeout""#);
        let caught = assert_reports(&text, &STANDARD, UNKNOWN_STATES_ERROR, "/States/S/Catch/0/ErrorEquals/0");
        assert_eq!(caught.fix.expect("a guess").title, r#"Replace with "States.TaskFailed""#);

        // Names Step Functions raises, HTTP status codes and a Fail state's own error are known;
        // names outside `States.` are the tasks' own.
        for (retry, catch) in [
            (r#""States.Timeout", "States.HeartbeatTimeout""#, r#""States.TaskFailed""#),
            (r#""States.Http.StatusCode.429""#, r#""States.QuorumMet""#),
            (r#""Lambda.ServiceException""#, r#""MyApp.States.Odd""#),
        ] {
            assert_silent(&task(retry, catch), &STANDARD, UNKNOWN_STATES_ERROR);
        }
        // Nothing near: a warning without a guess.
        let far = assert_reports(
            &task(r#""States.SomethingElseEntirely""#, r#""States.ALL""#),
            &STANDARD,
            UNKNOWN_STATES_ERROR,
            "/States/S/Retry/0/ErrorEquals/0",
        );
        assert!(far.fix.is_none());
    }

    #[test]
    fn the_lambda_fix_on_an_existing_retry_keeps_the_existing_retriers() {
        let text = single(&good_task("arn:aws:states:::lambda:invoke", "").replace(
            &format!(r#""Retry": [{LAMBDA_RETRY}]"#),
            r#""Retry": [{"ErrorEquals": ["Custom"], "MaxAttempts": 2}]"#,
        ));
        let diagnostic = assert_reports(&text, &STANDARD, LAMBDA_WITHOUT_SERVICE_RETRY, "/States/S");
        let mut document: serde_json::Value = serde_json::from_str(&text).expect("json");
        apply_fix(&mut document, diagnostic.fix.as_ref().expect("fix"));
        assert_eq!(document["States"]["S"]["Retry"][0], json!({"ErrorEquals": ["Custom"], "MaxAttempts": 2}));
        assert_eq!(found(&lint(&Node::from_serde(&document), &STANDARD)), vec![]);
    }

    #[test]
    fn words_split_at_case_changes_and_punctuation() {
        assert_eq!(words("processPayment"), ["process", "payment"]);
        assert_eq!(words("HTTPCharge_card-v2"), ["http", "charge", "card", "v2"]);
        assert_eq!(words("S3Transfer"), ["s3", "transfer"]);
        assert_eq!(payment_word("Payload"), None);
        assert_eq!(payment_word("billboard"), None);
        assert_eq!(payment_word("BillCustomer"), Some("bill".to_string()));
        assert_eq!(payment_word("charging-station"), Some("charging".to_string()));
        assert_eq!(payment_word("arn:aws:lambda:us-east-1:1:function:PayOut"), Some("pay".to_string()));
    }

    #[test]
    fn real_world_corpus_lints_without_panicking() {
        let Some(corpus) = crate::test_support::shared("corpus/real-asl") else { return };
        let files = crate::test_support::real_asl_files(&corpus, &["json"]);
        let mut linted = 0;
        let mut not_json = 0;
        let mut counts: Vec<(&str, usize, usize, usize)> = RULES.iter().map(|rule| (rule.code, 0, 0, 0)).collect();
        for path in &files {
            let text = std::fs::read_to_string(path).expect("readable file");
            let Ok(root) = json::parse(&text) else {
                not_json += 1;
                continue;
            };
            linted += 1;
            let standard = lint(&root, &STANDARD);
            let express = lint(&root, &EXPRESS);
            for (code, standard_count, files_with, express_count) in &mut counts {
                let in_file = standard.iter().filter(|diagnostic| diagnostic.code == *code).count();
                *standard_count += in_file;
                *files_with += usize::from(in_file > 0);
                *express_count += express.iter().filter(|diagnostic| diagnostic.code == *code).count();
            }
        }
        println!("{linted} definitions linted, {not_json} not JSON, of {} files", files.len());
        println!("{:<32} {:>9} {:>6} {:>8}", "rule", "standard", "files", "express");
        for (code, standard_count, files_with, express_count) in counts {
            println!("{code:<32} {standard_count:>9} {files_with:>6} {express_count:>8}");
        }
        assert!(linted > 0);
    }
}

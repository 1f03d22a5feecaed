//! Execution and task operations: start (also synchronously), describe, list, stop, history,
//! the definition an execution ran, activity workers and task-token callbacks.

use std::time::Duration;

use serde_json::{Map, Value, json};
use sqlx::Row;

use super::{
    ApiState, AwsError, check_length, check_name, epoch_seconds, machines, max_results, optional, optional_within,
    paging::PageScope, required, versions,
};
use crate::engine::{
    ExecutionType, ExecutionView, Qualifiers, RealEnvironment, StartRequest,
    decide::{PAYLOAD_LIMIT_BYTES, Status},
};
use asl::eval::Environment;

/// AWS's longest `error` of SendTaskFailure and StopExecution, in characters.
const MAX_ERROR_CHARACTERS: usize = 256;

/// AWS's longest `cause` of SendTaskFailure and StopExecution, in characters.
const MAX_CAUSE_CHARACTERS: usize = 32_768;

/// How long GetActivityTask waits for work, as AWS does.
const ACTIVITY_POLL: Duration = Duration::from_secs(60);

/// Reads a JSON payload within AWS's size limit; `invalid` words the refusal of text that is
/// not JSON, as each operation has its own.
fn parse_payload(
    text: &str,
    field: &str,
    invalid: impl FnOnce(serde_json::Error) -> AwsError,
) -> Result<Value, AwsError> {
    if text.len() > PAYLOAD_LIMIT_BYTES {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {PAYLOAD_LIMIT_BYTES}"
        )));
    }
    serde_json::from_str(text).map_err(invalid)
}

/// StartExecution and StartSyncExecution. The ARN may name a version or an alias (the
/// execution runs that version's definition; an alias picks a version by its weights) and
/// may end in `#TestCase` (Step Functions Local's MockConfigFile test case).
pub async fn start(state: &ApiState, request: &Value, sync: bool) -> Result<Value, AwsError> {
    let qualified = required(request, "stateMachineArn")?;
    let (machine_arn, test_case) = match qualified.split_once('#') {
        Some((arn, case)) => (arn, Some(case.to_string())),
        None => (qualified, None),
    };
    // `…:stateMachine:NAME/LABEL` names a Distributed Map state, which AWS does not start.
    if super::arn_resource(state, machine_arn, "stateMachine").is_some_and(|resource| resource.contains('/')) {
        return Err(AwsError::validation(format!(
            "Invalid State Machine Arn: '{machine_arn}': a Distributed Map state's ARN cannot start an execution"
        )));
    }
    let target = versions::resolve(state, machine_arn).await?;
    let machine = &target.machine;
    let name = match optional(request, "name")? {
        Some(name) => {
            check_name(name)?;
            name.to_string()
        }
        None => RealEnvironment.uuid(),
    };
    let input_text = optional(request, "input")?.unwrap_or("{}");
    let input = parse_payload(input_text, "input", |error| {
        // AWS's wording (LocalStack's recordings, test_invalid_start_execution_input), with the
        // reason in our words: AWS quotes its JSON parser's message.
        let reason = if input_text.trim().is_empty() {
            "Invalid execution input.".to_string()
        } else {
            format!("not valid JSON: {error}")
        };
        AwsError::new("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{reason}'"))
    })?;
    let kind = if machine.kind == "EXPRESS" { ExecutionType::Express } else { ExecutionType::Standard };
    if sync && kind != ExecutionType::Express {
        return Err(AwsError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let start = StartRequest {
        state_machine_arn: machine.arn.clone(),
        state_machine_name: machine.name.clone(),
        name: name.clone(),
        definition: machine.definition.clone(),
        input: input.clone(),
        input_text: Some(input_text.to_string()),
        role_arn: machine.role_arn.clone(),
        kind,
        test_case,
        map_run_arn: None,
        item_count: None,
        qualifiers: Qualifiers { version_arn: target.version_arn.clone(), alias_arn: target.alias_arn.clone() },
        skip_waits: false,
    };
    let started = match state.engine.start(start).await {
        Ok(started) => started,
        Err(crate::engine::EngineError::ExecutionAlreadyExists(arn)) => {
            // AWS's idempotency rule: the same name and input while it runs gives it back.
            if let Some(existing) = state.engine.describe(&arn).await?
                && existing.status == Status::Running
                && existing.record.input == input
            {
                return Ok(json!({"executionArn": arn, "startDate": epoch_seconds(existing.record.start_millis)}));
            }
            return Err(AwsError::new("ExecutionAlreadyExists", format!("Execution Already Exists: '{arn}'")));
        }
        Err(error) => return Err(error.into()),
    };
    let (arn, status) = (started.arn, started.status);
    if !sync {
        return Ok(json!({"executionArn": arn, "startDate": epoch_seconds(started.start_millis)}));
    }
    let status = if status.is_final() { status } else { state.engine.wait(&arn).await? };
    let Some(view) = state.engine.describe(&arn).await? else {
        return Err(AwsError::new("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'")));
    };
    let mut response = execution_json(&ExecutionView { record: view.record, status });
    if let Value::Object(members) = &mut response {
        // StartSyncExecution's output has none of DescribeExecution's redrive members or
        // qualifiers (the version or alias that ran).
        members.retain(|member, _| SYNC_EXECUTION_MEMBERS.contains(&member.as_str()));
        let duration = members.get("stopDate").and_then(Value::as_f64).unwrap_or_default()
            - members.get("startDate").and_then(Value::as_f64).unwrap_or_default();
        let billed_millis = ((duration * 1000.0 / 100.0).ceil() * 100.0).max(100.0) as u64;
        members.insert(
            "billingDetails".into(),
            json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_millis}),
        );
    }
    Ok(response)
}

/// The members of StartSyncExecution's output (`billingDetails` is added after).
const SYNC_EXECUTION_MEMBERS: [&str; 13] = [
    "executionArn",
    "stateMachineArn",
    "name",
    "startDate",
    "stopDate",
    "status",
    "error",
    "cause",
    "input",
    "inputDetails",
    "output",
    "outputDetails",
    "traceHeader",
];

fn execution_json(view: &ExecutionView) -> Value {
    let record = &view.record;
    let mut members = Map::new();
    members.insert("executionArn".into(), json!(record.arn));
    members.insert("stateMachineArn".into(), json!(record.state_machine_arn));
    members.insert("name".into(), json!(record.name));
    members.insert("status".into(), json!(view.status.name()));
    members.insert("startDate".into(), epoch_seconds(record.start_millis));
    if let Some(stop) = record.stop_millis {
        members.insert("stopDate".into(), epoch_seconds(stop));
    } else if view.status.is_final() {
        members.insert("stopDate".into(), epoch_seconds(crate::engine::now_millis()));
    }
    members.insert("input".into(), json!(record.input_text));
    members.insert("inputDetails".into(), json!({"included": true}));
    match &view.status {
        Status::Succeeded { output } => {
            members.insert("output".into(), json!(output.to_string()));
            members.insert("outputDetails".into(), json!({"included": true}));
        }
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            if let Some(error) = &failure.error {
                members.insert("error".into(), json!(error));
            }
            if let Some(cause) = &failure.cause {
                members.insert("cause".into(), json!(cause));
            }
        }
        Status::Running => {}
    }
    if let Some(map_run_arn) = &record.map_run_arn {
        members.insert("mapRunArn".into(), json!(map_run_arn));
    }
    members.insert("redriveCount".into(), json!(record.redrive_count));
    if let Some(redrive_millis) = record.redrive_millis {
        members.insert("redriveDate".into(), json!(epoch_seconds(redrive_millis)));
    }
    let express = record.arn.contains(":express:");
    let unsuccessful = matches!(view.status, Status::Failed { .. } | Status::TimedOut { .. } | Status::Aborted { .. });
    match (&view.status, express) {
        // A Map Run's unsuccessful children are redriven by redriving their Map Run.
        _ if unsuccessful && record.map_run_arn.is_some() => {
            members.insert("redriveStatus".into(), json!("REDRIVABLE_BY_MAP_RUN"));
        }
        (Status::Failed { .. } | Status::TimedOut { .. } | Status::Aborted { .. }, false) => {
            members.insert("redriveStatus".into(), json!("REDRIVABLE"));
        }
        (_, true) => {
            members.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
            members.insert("redriveStatusReason".into(), json!("Execution is not a Standard execution."));
        }
        (status, false) => {
            members.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
            // AWS's words (LocalStack's recordings, test_describe_execution), as in a `.sync`
            // task's output (`engine::results`).
            members.insert(
                "redriveStatusReason".into(),
                json!(format!("Execution is {} and cannot be redriven", status.name())),
            );
        }
    }
    Value::Object(members)
}

/// Adds `stateMachineVersionArn` and `stateMachineAliasArn` to an execution's description.
fn add_qualifiers(response: &mut Value, version_arn: Option<String>, alias_arn: Option<String>) {
    if let Some(version_arn) = version_arn {
        response["stateMachineVersionArn"] = json!(version_arn);
    }
    if let Some(alias_arn) = alias_arn {
        response["stateMachineAliasArn"] = json!(alias_arn);
    }
}

pub(super) fn check_execution_arn(arn: &str) -> Result<(), AwsError> {
    if !arn.starts_with("arn:") || !(arn.contains(":execution:") || arn.contains(":express:")) {
        return Err(super::invalid_arn(arn));
    }
    Ok(())
}

fn execution_does_not_exist(arn: &str) -> AwsError {
    AwsError::new("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
}

async fn view(state: &ApiState, arn: &str) -> Result<ExecutionView, AwsError> {
    check_execution_arn(arn)?;
    state.engine.describe(arn).await?.ok_or_else(|| execution_does_not_exist(arn))
}

/// DescribeExecution.
pub async fn describe(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "executionArn")?;
    check_execution_arn(arn)?;
    let (view, qualifiers) =
        state.engine.describe_qualified(arn).await?.ok_or_else(|| execution_does_not_exist(arn))?;
    let mut response = execution_json(&view);
    add_qualifiers(&mut response, qualifiers.version_arn, qualifiers.alias_arn);
    Ok(response)
}

/// StopExecution.
pub async fn stop(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "executionArn")?;
    let error = optional_within(request, "error", MAX_ERROR_CHARACTERS)?.map(str::to_string);
    let cause = optional_within(request, "cause", MAX_CAUSE_CHARACTERS)?.map(str::to_string);
    view(state, arn).await?;
    state.engine.stop(arn, error, cause).await?;
    Ok(json!({"stopDate": epoch_seconds(crate::engine::now_millis())}))
}

/// RedriveExecution: resumes a failed, aborted or timed-out Standard execution at the state
/// that did not succeed.
pub async fn redrive(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "executionArn")?;
    view(state, arn).await?;
    state.engine.redrive(arn).await?;
    Ok(json!({"redriveDate": epoch_seconds(crate::engine::now_millis())}))
}

/// GetExecutionHistory, with `maxResults`, `nextToken`, `reverseOrder` and
/// `includeExecutionData`.
pub async fn history(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "executionArn")?;
    view(state, arn).await?;
    let reverse_order = request.get("reverseOrder").and_then(Value::as_bool) == Some(true);
    let include_data = request.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(true);
    let max_results = max_results(request)?;
    let scope =
        PageScope::new("GetExecutionHistory", &[Some(arn), Some(if reverse_order { "reverse" } else { "forward" })]);
    let offset = scope.offset(request)?;
    let mut events = state.engine.history(arn).await?.unwrap_or_default();
    if reverse_order {
        events.reverse();
    }
    let page: Vec<Value> =
        events.iter().skip(offset).take(max_results).map(|event| event.to_aws_json(include_data)).collect();
    let mut response = json!({"events": page});
    if let Some(token) = scope.next_offset_token(offset, max_results, events.len()) {
        response["nextToken"] = json!(token);
    }
    Ok(response)
}

/// GetActivityTask (long poll). An ARN that is not an activity's is `InvalidArn` and one of
/// an activity that does not exist `ActivityDoesNotExist`, at once, as AWS answers.
pub async fn get_activity_task(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "activityArn")?;
    machines::require_activity(state, arn).await?;
    let worker = optional(request, "workerName")?.map(str::to_string);
    match state.engine.get_activity_task(arn, worker, ACTIVITY_POLL).await? {
        Some(work) => Ok(json!({"taskToken": work.token, "input": work.input.to_string()})),
        None => Ok(json!({})),
    }
}

/// SendTaskSuccess.
pub async fn send_task_success(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let token = task_token(request)?;
    let output = parse_payload(required(request, "output")?, "output", |error| {
        AwsError::new("InvalidOutput", format!("Invalid output: the output is not valid JSON ({error})"))
    })?;
    state.engine.send_task_success(token, output).await?;
    Ok(json!({}))
}

/// SendTaskFailure.
pub async fn send_task_failure(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let token = task_token(request)?;
    let error = optional_within(request, "error", MAX_ERROR_CHARACTERS)?.map(str::to_string);
    let cause = optional_within(request, "cause", MAX_CAUSE_CHARACTERS)?.map(str::to_string);
    state.engine.send_task_failure(token, error, cause).await?;
    Ok(json!({}))
}

/// SendTaskHeartbeat.
pub async fn send_task_heartbeat(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let token = task_token(request)?;
    state.engine.send_task_heartbeat(token).await?;
    Ok(json!({}))
}

/// A request's `taskToken`: AWS's model allows 1 to 2,048 characters and refuses others
/// before it looks the token up.
fn task_token(request: &Value) -> Result<&str, AwsError> {
    let token = required(request, "taskToken")?;
    if token.is_empty() {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    check_length(token, "taskToken", MAX_TASK_TOKEN_CHARACTERS)?;
    Ok(token)
}

/// The longest task token AWS accepts.
const MAX_TASK_TOKEN_CHARACTERS: usize = 2048;

/// The statuses ListExecutions filters on.
/// In the order AWS's message lists them.
const STATUS_FILTERS: [&str; 6] = ["SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"];

/// The values of ListExecutions' `redriveFilter`.
const REDRIVE_FILTERS: [&str; 2] = ["REDRIVEN", "NOT_REDRIVEN"];

/// The machine a ListExecutions ARN names, and the version or alias it filters by.
async fn machine_filters<'a>(
    state: &ApiState,
    machine_arn: &'a str,
) -> Result<(machines::StoredMachine, Option<&'a str>, Option<&'a str>), AwsError> {
    let parsed = versions::MachineArn::parse(state, machine_arn)?;
    let machine = machines::load(state, &parsed.machine_arn).await?;
    // A version or alias ARN lists the executions started through it.
    let (version_filter, alias_filter) = match &parsed.qualifier {
        versions::Qualifier::Latest => (None, None),
        versions::Qualifier::Version(_) => (Some(machine_arn), None),
        versions::Qualifier::Alias(_) => (None, Some(machine_arn)),
    };
    if machine.kind == "EXPRESS" {
        return Err(AwsError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    Ok((machine, version_filter, alias_filter))
}

/// ListExecutions: a Standard state machine's executions (or a version's, an alias's, or a
/// Map Run's children), newest first, optionally only those with `statusFilter` and those
/// redriven or not (`redriveFilter`), paged by `maxResults` and an opaque `nextToken`.
pub async fn list(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let map_run = optional(request, "mapRunArn")?;
    let machine_arn = match (optional(request, "stateMachineArn")?, map_run) {
        (Some(machine_arn), None) => Some(machine_arn),
        (None, Some(_)) => None,
        (Some(_), Some(_)) => {
            return Err(AwsError::validation("Must provide either a StateMachine ARN or a MapRun ARN, not both"));
        }
        (None, None) => return Err(AwsError::validation("Must provide a StateMachine ARN or MapRun ARN")),
    };
    if let Some(map_run) = map_run {
        super::map_runs::require(state, map_run).await?;
    }
    let (machine, version_filter, alias_filter) = match machine_arn {
        Some(machine_arn) => {
            let (machine, version_filter, alias_filter) = machine_filters(state, machine_arn).await?;
            // AWS lists no Express executions by their machine (LocalStack's recordings,
            // test_start_async_describe_history_execution); a Map Run's children it does list.
            if machine.kind == "EXPRESS" {
                return Err(AwsError::new(
                    "StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine",
                ));
            }
            (Some(machine), version_filter, alias_filter)
        }
        None => (None, None, None),
    };
    let status_filter = optional(request, "statusFilter")?;

    if let Some(status) = status_filter
        && !STATUS_FILTERS.contains(&status)
    {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            STATUS_FILTERS.join(", ")
        )));
    }
    let redrive_filter = optional(request, "redriveFilter")?;
    if let Some(filter) = redrive_filter
        && !REDRIVE_FILTERS.contains(&filter)
    {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{filter}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            REDRIVE_FILTERS.join(", ")
        )));
    }
    let limit = max_results(request)?;
    // The token is the (start time, ARN) of the last execution returned, so executions
    // started meanwhile neither repeat nor shift the pages.
    let scope = PageScope::new("ListExecutions", &[machine_arn, map_run, status_filter, redrive_filter]);
    let after = match scope.position(request)? {
        None => None,
        Some(position) => {
            let token = optional(request, "nextToken")?.unwrap_or_default();
            let parsed = position
                .strip_prefix("after:")
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(millis, arn)| Some((millis.parse::<i64>().ok()?, arn.to_string())));
            Some(parsed.ok_or_else(|| AwsError::new("InvalidToken", format!("Invalid Token: '{token}'")))?)
        }
    };
    let (after_millis, after_arn) = match &after {
        Some((millis, arn)) => (Some(*millis), Some(arn.as_str())),
        None => (None, None),
    };
    let rows = sqlx::query(
        "SELECT arn, state_machine_arn, name, status, start_millis, stop_millis, redrive_count,
                state_machine_version_arn, state_machine_alias_arn, item_count,
                CASE WHEN redrive_count > 0 THEN (SELECT MAX(timestamp_millis) FROM history_events
                    WHERE execution_key = executions.history_key AND type = 'ExecutionRedriven') END AS redrive_millis
         FROM executions
         WHERE (?1 IS NULL OR state_machine_arn = ?1) AND (?8 IS NULL OR map_run_arn = ?8)
           AND (?2 IS NULL OR status = ?2) AND (?9 IS NULL OR (?9 = 'REDRIVEN') = (redrive_count > 0))
           AND (?3 IS NULL OR start_millis < ?3 OR (start_millis = ?3 AND arn < ?4))
           AND (?6 IS NULL OR state_machine_version_arn = ?6) AND (?7 IS NULL OR state_machine_alias_arn = ?7)
         ORDER BY start_millis DESC, arn DESC
         LIMIT ?5",
    )
    .bind(machine.as_ref().map(|machine| machine.arn.clone()))
    .bind(status_filter)
    .bind(after_millis)
    .bind(after_arn)
    .bind(limit as i64 + 1)
    .bind(version_filter)
    .bind(alias_filter)
    .bind(map_run)
    .bind(redrive_filter)
    .fetch_all(&state.pool)
    .await?;
    let mut executions = Vec::with_capacity(limit);
    for row in rows.iter().take(limit) {
        let mut item = Map::new();
        item.insert("executionArn".into(), json!(row.try_get::<String, _>("arn")?));
        item.insert("stateMachineArn".into(), json!(row.try_get::<String, _>("state_machine_arn")?));
        item.insert("name".into(), json!(row.try_get::<String, _>("name")?));
        item.insert("status".into(), json!(row.try_get::<String, _>("status")?));
        item.insert("startDate".into(), epoch_seconds(row.try_get("start_millis")?));
        if let Some(stop) = row.try_get::<Option<i64>, _>("stop_millis")? {
            item.insert("stopDate".into(), epoch_seconds(stop));
        }
        item.insert("redriveCount".into(), json!(row.try_get::<i64, _>("redrive_count")?));
        if let Some(redriven) = row.try_get::<Option<i64>, _>("redrive_millis")? {
            item.insert("redriveDate".into(), epoch_seconds(redriven));
        }
        // A Map Run's children name it, and how many of its items each ran.
        if let Some(map_run) = map_run {
            item.insert("mapRunArn".into(), json!(map_run));
            item.insert("itemCount".into(), json!(row.try_get::<Option<i64>, _>("item_count")?.unwrap_or(1)));
        }
        if let Some(version_arn) = row.try_get::<Option<String>, _>("state_machine_version_arn")? {
            item.insert("stateMachineVersionArn".into(), json!(version_arn));
        }
        if let Some(alias_arn) = row.try_get::<Option<String>, _>("state_machine_alias_arn")? {
            item.insert("stateMachineAliasArn".into(), json!(alias_arn));
        }
        executions.push(Value::Object(item));
    }
    let mut response = json!({"executions": executions});
    if rows.len() > limit
        && let Some(last) = rows.get(limit - 1)
    {
        let position =
            format!("after:{}:{}", last.try_get::<i64, _>("start_millis")?, last.try_get::<String, _>("arn")?);
        response["nextToken"] = json!(scope.token(&position));
    }
    Ok(response)
}

/// DescribeStateMachineForExecution: the definition and role an execution started with (a
/// later UpdateStateMachine does not change them), with the machine's other settings.
pub async fn describe_machine_for_execution(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "executionArn")?;
    let record = view(state, arn).await?.record;
    let machine_name = record.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
    let mut response = Map::new();
    response.insert("stateMachineArn".into(), json!(record.state_machine_arn));
    response.insert("name".into(), json!(machine_name));
    response.insert("definition".into(), json!(record.definition));
    response.insert("roleArn".into(), json!(record.role_arn));
    // A Map Run's child names the Map Run and the Map state's label (`…:stateMachine:NAME/LABEL`).
    if let Some(map_run_arn) = &record.map_run_arn {
        response.insert("mapRunArn".into(), json!(map_run_arn));
        if let Some((_, label)) = record.state_machine_arn.rsplit_once('/') {
            response.insert("label".into(), json!(label));
        }
    }
    let machine = sqlx::query(
        "SELECT definition, created_millis, updated_millis, logging_configuration, tracing_configuration, revision_id
         FROM state_machines WHERE arn = ?",
    )
    .bind(&record.state_machine_arn)
    .fetch_optional(&state.pool)
    .await?;
    let mut update_millis = record.start_millis;
    let mut logging = None;
    let mut tracing = None;
    if let Some(machine) = machine {
        let updated: Option<i64> = machine.try_get("updated_millis")?;
        let created: i64 = machine.try_get("created_millis")?;
        // The machine's last change before this execution started.
        update_millis = updated.filter(|updated| *updated <= record.start_millis).unwrap_or(created);
        let text = |column: &str| -> Result<Option<Value>, sqlx::Error> {
            let stored: Option<String> = machine.try_get(column)?;
            Ok(stored.and_then(|text| serde_json::from_str(&text).ok()))
        };
        logging = text("logging_configuration")?;
        tracing = text("tracing_configuration")?;
        if machine.try_get::<String, _>("definition")? == record.definition {
            response.insert("revisionId".into(), json!(machine.try_get::<String, _>("revision_id")?));
        }
    }
    response.insert("updateDate".into(), epoch_seconds(update_millis));
    response.insert(
        "loggingConfiguration".into(),
        logging.unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
    );
    response.insert("tracingConfiguration".into(), tracing.unwrap_or_else(|| json!({"enabled": false})));
    Ok(Value::Object(response))
}

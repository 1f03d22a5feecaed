//! State machine and activity operations: create, describe, list, update, delete, validate.

use serde_json::{Value, json};
use sqlx::Row;

use asl::{
    Severity, SourceFormat,
    lint::{LintOptions, WorkflowType},
    parse_as,
};

use super::{
    ApiState, AwsError, check_name, epoch_seconds, invalid_arn, max_results, optional, paging::PageScope, required,
    tags, versions,
};
use crate::engine::{RealEnvironment, now_millis};
use asl::eval::Environment;

/// A state machine as stored.
#[derive(Clone, Debug)]
pub struct StoredMachine {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    /// The definition.
    pub definition: String,
    /// The role.
    pub role_arn: String,
}

/// The state machines StartExecution has read, by ARN, so that starting an execution costs
/// no read of its machine. Update and Delete forget the machine after they commit; a read
/// that raced with one of them is not kept (the generation moved on meanwhile).
#[derive(Clone, Debug, Default)]
pub struct MachineCache {
    inner: std::sync::Arc<std::sync::Mutex<CachedMachines>>,
}

#[derive(Debug, Default)]
struct CachedMachines {
    generation: u64,
    machines: std::collections::HashMap<String, StoredMachine>,
}

/// The most machines kept; past it the cache starts again empty.
const CACHED_MACHINES: usize = 1024;

impl MachineCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CachedMachines> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, arn: &str) -> (Option<StoredMachine>, u64) {
        let cached = self.lock();
        (cached.machines.get(arn).cloned(), cached.generation)
    }

    fn keep(&self, machine: &StoredMachine, read_at: u64) {
        let mut cached = self.lock();
        if cached.generation != read_at {
            return;
        }
        if cached.machines.len() >= CACHED_MACHINES {
            cached.machines.clear();
        }
        cached.machines.insert(machine.arn.clone(), machine.clone());
    }

    /// Forgets `arn` (after its row changed).
    pub fn forget(&self, arn: &str) {
        let mut cached = self.lock();
        cached.generation += 1;
        cached.machines.remove(arn);
    }
}

/// AWS's longest definition, in characters.
pub const MAX_DEFINITION_CHARACTERS: usize = asl::validate::MAX_DEFINITION_CHARACTERS;

/// What AWS would refuse in `definition` (code, message, location): it is read as JSON only
/// (AWS reads no YAML: other text is `INVALID_JSON_DESCRIPTION`) and validated; for `kind`
/// `EXPRESS` (and inside a Distributed Map whose children run as Express) the lint rule
/// `EXPRESS_UNSUPPORTED_INTEGRATION`'s findings are errors too, as AWS refuses `.sync`,
/// `.waitForTaskToken` and activities in Express workflows.
fn definition_errors(definition: &str, kind: WorkflowType) -> Vec<asl::Diagnostic> {
    let (document, diagnostics) = parse_as(definition, SourceFormat::Json);
    let mut errors: Vec<asl::Diagnostic> =
        diagnostics.into_iter().filter(|diagnostic| diagnostic.severity == Severity::Error).collect();
    if errors.is_empty()
        && let Some(root) = document.root()
    {
        let options = LintOptions { workflow_type: kind };
        for finding in asl::lint::lint(root, &options) {
            if finding.code != asl::lint::EXPRESS_UNSUPPORTED_INTEGRATION {
                continue;
            }
            // The lint message ends with advice for the linting person; the refusal keeps
            // what is wrong.
            let message = match finding.message.split_once(": AWS will refuse") {
                Some((what, _)) => what.to_string(),
                None => finding.message.clone(),
            };
            let mut error = asl::Diagnostic::error("SCHEMA_VALIDATION_FAILED", finding.pointer.clone(), message);
            error.location = finding.location.clone();
            errors.push(error);
        }
    }
    errors
}

/// The workflow type a request's `type` names (`STANDARD` when absent); anything else is
/// AWS's enum `ValidationException`.
fn workflow_type(kind: Option<&str>) -> Result<WorkflowType, AwsError> {
    match kind.unwrap_or("STANDARD") {
        "STANDARD" => Ok(WorkflowType::Standard),
        "EXPRESS" => Ok(WorkflowType::Express),
        other => Err(AwsError::validation(format!(
            "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

/// AWS's length limits of `definition`: 1 to 1,048,576 characters.
fn check_definition_length(definition: &str) -> Result<(), AwsError> {
    if definition.is_empty() {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    super::check_length(definition, "definition", MAX_DEFINITION_CHARACTERS)
}

/// Refuses a definition AWS would refuse, with AWS's `InvalidDefinition` message.
fn check_definition(definition: &str, kind: WorkflowType) -> Result<(), AwsError> {
    check_definition_length(definition)?;
    let errors = definition_errors(definition, kind);
    if errors.is_empty() {
        Ok(())
    } else {
        let errors: Vec<String> = errors.iter().map(asl::Diagnostic::aws_text).collect();
        Err(AwsError::new("InvalidDefinition", format!("Invalid State Machine Definition: '{}'", errors.join(", "))))
    }
}

/// Statehouse has no KMS: an `encryptionConfiguration` may name AWS's own key (which the
/// local database stands in for), but a customer managed KMS key is refused
/// (`InvalidEncryptionConfiguration`) rather than taken and not used.
fn check_encryption(request: &Value) -> Result<(), AwsError> {
    let Some(configuration) = request.get("encryptionConfiguration").filter(|value| !value.is_null()) else {
        return Ok(());
    };
    match configuration.get("type").and_then(Value::as_str) {
        Some("AWS_OWNED_KEY") => Ok(()),
        Some("CUSTOMER_MANAGED_KMS_KEY") => Err(AwsError::new(
            "InvalidEncryptionConfiguration",
            "Statehouse has no KMS, so it cannot encrypt with a customer managed KMS key: use the type 'AWS_OWNED_KEY' or leave encryptionConfiguration out",
        )),
        Some(other) => Err(AwsError::validation(format!(
            "1 validation error detected: Value '{other}' at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]"
        ))),
        None => Err(AwsError::validation(
            "1 validation error detected: Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null",
        )),
    }
}

/// Refuses a role ARN that is not an IAM role's (`arn:PARTITION:iam::ACCOUNT:role/NAME`), as
/// AWS does (`InvalidArn: Invalid Role Arn: '…'`).
pub(super) fn check_role_arn(role_arn: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            !partition.is_empty()
                && partition.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'-')
                && account.len() == 12
                && account.bytes().all(|byte| byte.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
        }
        _ => false,
    };
    if valid { Ok(()) } else { Err(AwsError::new("InvalidArn", format!("Invalid Role Arn: '{role_arn}'"))) }
}

/// Refuses a `loggingConfiguration` AWS refuses: a level that logs (ALL, ERROR, FATAL) needs
/// exactly one destination, and no level takes more than one.
fn check_logging(logging: Option<&Value>) -> Result<(), AwsError> {
    let Some(logging) = logging.filter(|logging| !logging.is_null()) else { return Ok(()) };
    let level = logging.get("level").and_then(Value::as_str).unwrap_or("OFF");
    let destinations = match logging.get("destinations") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(destinations)) => destinations.len(),
        Some(_) => {
            return Err(AwsError::validation(
                "1 validation error detected: 'loggingConfiguration.destinations' must be a list",
            ));
        }
    };
    if destinations > 1 || (level != "OFF" && destinations == 0) {
        return Err(AwsError::new(
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
        ));
    }
    Ok(())
}

/// Loads a state machine by ARN (a `#TestCase` suffix and a version/alias qualifier are
/// not part of the stored ARN).
pub async fn load(state: &ApiState, arn: &str) -> Result<StoredMachine, AwsError> {
    let (cached, read_at) = state.machines.get(arn);
    if let Some(machine) = cached {
        return Ok(machine);
    }
    let row = sqlx::query("SELECT arn, name, type, definition, role_arn FROM state_machines WHERE arn = ?")
        .bind(arn)
        .fetch_optional(&state.pool)
        .await?;
    let Some(row) = row else {
        return Err(AwsError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'")));
    };
    let machine = StoredMachine {
        arn: row.try_get("arn")?,
        name: row.try_get("name")?,
        kind: row.try_get("type")?,
        definition: row.try_get("definition")?,
        role_arn: row.try_get("role_arn")?,
    };
    state.machines.keep(&machine, read_at);
    Ok(machine)
}

/// Checks the shape of an unqualified state machine ARN in this account and region.
pub fn check_machine_arn(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    unqualified_machine_arn(state, arn).map(drop)
}

/// Reads a state machine ARN that must not name a version or an alias: `InvalidArn` for
/// other shapes, `ValidationException` for a qualified one (as AWS answers operations on
/// the machine itself).
pub fn unqualified_machine_arn(state: &ApiState, arn: &str) -> Result<String, AwsError> {
    let parsed = versions::MachineArn::parse(state, arn)?;
    if parsed.qualifier != versions::Qualifier::Latest {
        return Err(AwsError::validation(format!(
            "Invalid State Machine Arn: '{arn}': a version or alias ARN is not accepted here; use the state machine's ARN"
        )));
    }
    Ok(parsed.machine_arn)
}

/// CreateStateMachine.
pub async fn create(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let name = required(request, "name")?;
    let definition = required(request, "definition")?;
    let role_arn = required(request, "roleArn")?;
    check_name(name)?;
    let kind = optional(request, "type")?.unwrap_or("STANDARD");
    let workflow = workflow_type(Some(kind))?;
    check_definition(definition, workflow)?;
    check_role_arn(role_arn)?;
    check_logging(request.get("loggingConfiguration"))?;
    check_encryption(request)?;
    let new_tags = tags::read_tags(request)?;
    let publish = request.get("publish").and_then(Value::as_bool) == Some(true);
    let version_description = optional(request, "versionDescription")?;
    versions::check_description(version_description, "versionDescription")?;
    if version_description.is_some() && !publish {
        return Err(AwsError::validation("Version description can only be set when publish is true"));
    }
    let settings = state.engine.settings();
    let arn = format!("arn:{}:states:{}:{}:stateMachine:{name}", settings.partition, settings.region, settings.account);
    let created = now_millis();
    if let Ok(existing) = load(state, &arn).await {
        // AWS returns the existing machine when everything is the same.
        if existing.definition == definition && existing.role_arn == role_arn && existing.kind == kind {
            let created: i64 = sqlx::query_scalar("SELECT created_millis FROM state_machines WHERE arn = ?")
                .bind(&arn)
                .fetch_one(&state.pool)
                .await?;
            let mut response = json!({"stateMachineArn": arn, "creationDate": epoch_seconds(created)});
            if publish {
                let mut transaction = state.pool.begin().await?;
                let (version_arn, _) =
                    versions::publish_current(&mut transaction, &arn, version_description, None).await?;
                transaction.commit().await?;
                response["stateMachineVersionArn"] = json!(version_arn);
            }
            return Ok(response);
        }
        return Err(AwsError::new("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'")));
    }
    let mut transaction = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO state_machines (arn, name, type, definition, role_arn, description, logging_configuration,
                                     tracing_configuration, revision_id, created_millis)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&arn)
    .bind(name)
    .bind(kind)
    .bind(definition)
    .bind(role_arn)
    .bind(None::<&str>)
    .bind(request.get("loggingConfiguration").map(Value::to_string))
    .bind(request.get("tracingConfiguration").map(Value::to_string))
    .bind(RealEnvironment.uuid())
    .bind(created)
    .execute(&mut *transaction)
    .await?;
    tags::store_tags(&mut transaction, &arn, &new_tags.unwrap_or_default()).await?;
    let mut response = json!({"stateMachineArn": arn, "creationDate": epoch_seconds(created)});
    if publish {
        let (version_arn, _) = versions::publish_current(&mut transaction, &arn, version_description, None).await?;
        response["stateMachineVersionArn"] = json!(version_arn);
    }
    transaction.commit().await?;
    state.machines.forget(&arn);
    Ok(response)
}

/// DescribeStateMachine, of the machine, one of its versions or one of its Distributed Map
/// states. With `includedData` `METADATA_ONLY` the definition is `{}`, as AWS answers then
/// (except for a Map state's, which AWS gives in full whatever `includedData` says).
pub async fn describe(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    let metadata_only = match optional(request, "includedData")? {
        None | Some("ALL_DATA") => false,
        Some("METADATA_ONLY") => true,
        Some(other) => {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{other}' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]"
            )));
        }
    };
    let mut response = match versions::MachineArn::parse(state, arn)?.qualifier {
        versions::Qualifier::Latest => describe_latest(state, arn).await?,
        versions::Qualifier::Version(_) => versions::describe_version(state, arn).await?,
        versions::Qualifier::Alias(_) => return Err(super::invalid_arn(arn)),
    };
    if metadata_only && response.get("label").is_none() {
        response["definition"] = json!("{}");
    }
    Ok(response)
}

/// DescribeStateMachine of an unversioned ARN: the machine or one of its Distributed Maps.
async fn describe_latest(state: &ApiState, arn: &str) -> Result<Value, AwsError> {
    // `…:stateMachine:NAME/LABEL` names a Distributed Map state of NAME (its Map Runs'
    // children run under that ARN): it is described as its item processor, with its label.
    let (machine_arn, label) = match arn.rsplit_once('/') {
        Some((machine_arn, label)) => (machine_arn, Some(label)),
        None => (arn, None),
    };
    let does_not_exist = || AwsError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"));
    let row = sqlx::query("SELECT * FROM state_machines WHERE arn = ?")
        .bind(machine_arn)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(does_not_exist)?;
    let logging: Option<String> = row.try_get("logging_configuration")?;
    let tracing: Option<String> = row.try_get("tracing_configuration")?;
    let mut response = json!({
        "stateMachineArn": arn,
        "name": row.try_get::<String, _>("name")?,
        "status": "ACTIVE",
        "definition": row.try_get::<String, _>("definition")?,
        "roleArn": row.try_get::<String, _>("role_arn")?,
        "type": row.try_get::<String, _>("type")?,
        "creationDate": epoch_seconds(row.try_get("created_millis")?),
        "loggingConfiguration": logging.and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
        "tracingConfiguration": tracing.and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .unwrap_or_else(|| json!({"enabled": false})),
        "revisionId": row.try_get::<String, _>("revision_id")?,
    });
    if let Some(label) = label {
        let definition: Value =
            serde_json::from_str(response["definition"].as_str().unwrap_or_default()).map_err(|_| does_not_exist())?;
        let processor = definition
            .get("States")
            .and_then(Value::as_object)
            .and_then(|states| distributed_map_processor(states, label))
            .ok_or_else(does_not_exist)?;
        response["definition"] = json!(processor.to_string());
        response["label"] = json!(label);
    }
    Ok(response)
}

/// The item processor (without its `ProcessorConfig`) of the Distributed Map state among
/// `states`, or nested in them, whose `Label` (its name when it has none) is `label`.
fn distributed_map_processor(states: &serde_json::Map<String, Value>, label: &str) -> Option<Value> {
    states.iter().find_map(|(name, state)| {
        let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
        let distributed = processor
            .and_then(|processor| processor.pointer("/ProcessorConfig/Mode"))
            .is_some_and(|mode| mode == "DISTRIBUTED");
        let state_label = state.get("Label").and_then(Value::as_str).unwrap_or(name);
        if state.get("Type").is_some_and(|kind| kind == "Map") && distributed && state_label == label {
            let mut processor = processor?.as_object()?.clone();
            processor.remove("ProcessorConfig");
            return Some(Value::Object(processor));
        }
        let nested = processor.into_iter().chain(state.get("Branches").and_then(Value::as_array).into_iter().flatten());
        nested
            .filter_map(|inner| inner.get("States").and_then(Value::as_object))
            .find_map(|inner| distributed_map_processor(inner, label))
    })
}

/// ListStateMachines, by name, with `maxResults` and `nextToken`.
pub async fn list(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let limit = max_results(request)?;
    let scope = PageScope::new("ListStateMachines", &[]);
    let offset = scope.offset(request)?;
    let rows = sqlx::query("SELECT arn, name, type, created_millis FROM state_machines ORDER BY name")
        .fetch_all(&state.pool)
        .await?;
    let total = rows.len();
    let machines = rows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|row| {
            Ok(json!({
                "stateMachineArn": row.try_get::<String, _>("arn")?,
                "name": row.try_get::<String, _>("name")?,
                "type": row.try_get::<String, _>("type")?,
                "creationDate": epoch_seconds(row.try_get("created_millis")?),
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    let mut response = json!({"stateMachines": machines});
    if let Some(token) = scope.next_offset_token(offset, limit, total) {
        response["nextToken"] = json!(token);
    }
    Ok(response)
}

/// DeleteStateMachine, with its versions and aliases.
pub async fn delete(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    check_machine_arn(state, arn)?;
    let mut transaction = state.pool.begin().await?;
    sqlx::query("DELETE FROM state_machines WHERE arn = ?").bind(arn).execute(&mut *transaction).await?;
    versions::delete_all(&mut transaction, arn).await?;
    transaction.commit().await?;
    state.machines.forget(arn);
    tags::delete_tags(state, arn).await?;
    Ok(json!({}))
}

/// ValidateStateMachineDefinition: the errors CreateStateMachine would refuse the definition
/// for, as a machine of `type` (STANDARD when absent).
pub fn validate(request: &Value) -> Result<Value, AwsError> {
    let definition = required(request, "definition")?;
    check_definition_length(definition)?;
    let kind = workflow_type(optional(request, "type")?)?;
    // Every diagnostic found is an error, so the `WARNING` severity (errors and warnings)
    // lists the same ones.
    if let Some(severity) = optional(request, "severity")?
        && !["ERROR", "WARNING"].contains(&severity)
    {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{severity}' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]"
        )));
    }
    let limit = validation_max_results(request)?;
    let mut errors: Vec<Value> = definition_errors(definition, kind)
        .iter()
        .map(|diagnostic| {
            json!({
                "severity": "ERROR",
                "code": diagnostic.code,
                "message": diagnostic.message,
                "location": diagnostic.location.clone().unwrap_or_default(),
            })
        })
        .collect();
    let result = if errors.is_empty() { "OK" } else { "FAIL" };
    let truncated = errors.len() > limit;
    errors.truncate(limit);
    Ok(json!({"result": result, "diagnostics": errors, "truncated": truncated}))
}

/// ValidateStateMachineDefinition's `maxResults`: 0 or absent means AWS's default and
/// largest, 100.
fn validation_max_results(request: &Value) -> Result<usize, AwsError> {
    match request.get("maxResults") {
        None | Some(Value::Null) => Ok(100),
        Some(value) => match value.as_i64() {
            Some(0) => Ok(100),
            Some(count @ 1..=100) => Ok(count as usize),
            Some(count) if count < 0 => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{count}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ))),
            _ => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"
            ))),
        },
    }
}

/// CreateActivity.
pub async fn create_activity(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let name = required(request, "name")?;
    check_name(name)?;
    check_encryption(request)?;
    let settings = state.engine.settings();
    let arn = format!("arn:{}:states:{}:{}:activity:{name}", settings.partition, settings.region, settings.account);
    let new_tags = tags::read_tags(request)?;
    let created = now_millis();
    let mut transaction = state.pool.begin().await?;
    sqlx::query("INSERT INTO activities (arn, name, created_millis) VALUES (?, ?, ?) ON CONFLICT (arn) DO NOTHING")
        .bind(&arn)
        .bind(name)
        .bind(created)
        .execute(&mut *transaction)
        .await?;
    tags::store_tags(&mut transaction, &arn, &new_tags.unwrap_or_default()).await?;
    transaction.commit().await?;
    state.engine.activity_created(&arn);
    let created: i64 = sqlx::query_scalar("SELECT created_millis FROM activities WHERE arn = ?")
        .bind(&arn)
        .fetch_one(&state.pool)
        .await?;
    Ok(json!({"activityArn": arn, "creationDate": epoch_seconds(created)}))
}

/// DeleteActivity.
pub async fn delete_activity(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "activityArn")?;
    check_activity_arn(state, arn)?;
    sqlx::query("DELETE FROM activities WHERE arn = ?").bind(arn).execute(&state.pool).await?;
    state.engine.activity_deleted(arn);
    tags::delete_tags(state, arn).await?;
    Ok(json!({}))
}

/// Checks the shape of an activity ARN in this partition and region.
pub fn check_activity_arn(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    match super::arn_resource(state, arn, "activity") {
        Some(name) if !name.contains(':') => Ok(()),
        _ => Err(invalid_arn(arn)),
    }
}

/// The error for an activity ARN of the right shape that names no activity.
fn activity_does_not_exist(arn: &str) -> AwsError {
    AwsError::new("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'"))
}

/// Checks that `arn` is an activity ARN of this account and that the activity exists.
pub async fn require_activity(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    check_activity_arn(state, arn)?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM activities WHERE arn = ?").bind(arn).fetch_optional(&state.pool).await?;
    found.map(drop).ok_or_else(|| activity_does_not_exist(arn))
}

/// DescribeActivity.
pub async fn describe_activity(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "activityArn")?;
    check_activity_arn(state, arn)?;
    let row = sqlx::query("SELECT arn, name, created_millis FROM activities WHERE arn = ?")
        .bind(arn)
        .fetch_optional(&state.pool)
        .await?;
    let Some(row) = row else {
        return Err(activity_does_not_exist(arn));
    };
    Ok(json!({
        "activityArn": row.try_get::<String, _>("arn")?,
        "name": row.try_get::<String, _>("name")?,
        "creationDate": epoch_seconds(row.try_get("created_millis")?),
    }))
}

/// ListActivities, by name, with `maxResults` and `nextToken`.
pub async fn list_activities(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let limit = max_results(request)?;
    let scope = PageScope::new("ListActivities", &[]);
    let offset = scope.offset(request)?;
    let rows =
        sqlx::query("SELECT arn, name, created_millis FROM activities ORDER BY name").fetch_all(&state.pool).await?;
    let activities = rows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|row| {
            Ok(json!({
                "activityArn": row.try_get::<String, _>("arn")?,
                "name": row.try_get::<String, _>("name")?,
                "creationDate": epoch_seconds(row.try_get("created_millis")?),
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    let mut response = json!({"activities": activities});
    if let Some(token) = scope.next_offset_token(offset, limit, rows.len()) {
        response["nextToken"] = json!(token);
    }
    Ok(response)
}

/// UpdateStateMachine: a new `definition`, `roleArn`, `loggingConfiguration` or
/// `tracingConfiguration`; answers `updateDate` and the new `revisionId` (and, with
/// `publish: true`, the `stateMachineVersionArn` published from it). Running executions
/// keep the definition they started with.
pub async fn update(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    check_machine_arn(state, arn)?;
    let definition = optional(request, "definition")?;
    let role_arn = optional(request, "roleArn")?;
    let logging = request.get("loggingConfiguration").filter(|value| !value.is_null());
    let tracing = request.get("tracingConfiguration").filter(|value| !value.is_null());
    let encryption = request.get("encryptionConfiguration").filter(|value| !value.is_null());
    check_encryption(request)?;
    let publish = request.get("publish").and_then(Value::as_bool) == Some(true);
    let version_description = optional(request, "versionDescription")?;
    versions::check_description(version_description, "versionDescription")?;
    if version_description.is_some() && !publish {
        return Err(AwsError::validation("Version description can only be set when publish is true"));
    }
    if definition.is_none() && role_arn.is_none() && logging.is_none() && tracing.is_none() && encryption.is_none() {
        return Err(AwsError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    let machine = load(state, arn).await?;
    if let Some(definition) = definition {
        check_definition(definition, workflow_type(Some(&machine.kind))?)?;
    }
    if let Some(role_arn) = role_arn {
        check_role_arn(role_arn)?;
    }
    check_logging(logging)?;
    let updated = now_millis();
    let revision_id = RealEnvironment.uuid();
    let mut transaction = state.pool.begin().await?;
    sqlx::query(
        "UPDATE state_machines SET definition = COALESCE(?, definition), role_arn = COALESCE(?, role_arn),
                logging_configuration = COALESCE(?, logging_configuration),
                tracing_configuration = COALESCE(?, tracing_configuration), revision_id = ?, updated_millis = ?
         WHERE arn = ?",
    )
    .bind(definition)
    .bind(role_arn)
    .bind(logging.map(Value::to_string))
    .bind(tracing.map(Value::to_string))
    .bind(&revision_id)
    .bind(updated)
    .bind(arn)
    .execute(&mut *transaction)
    .await?;
    let mut response = json!({"updateDate": epoch_seconds(updated), "revisionId": revision_id});
    if publish {
        let (version_arn, _) = versions::publish_current(&mut transaction, arn, version_description, None).await?;
        response["stateMachineVersionArn"] = json!(version_arn);
    }
    transaction.commit().await?;
    state.machines.forget(arn);
    Ok(response)
}

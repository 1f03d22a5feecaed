//! State machine and activity operations: create, describe, list, update, delete, validate.

use serde_json::{Value, json};
use sqlx::Row;

use asl::{Severity, parse};

use super::{
    ApiState, AwsError, check_name, epoch_seconds, invalid_arn, max_results, next_offset_token, offset_from_token,
    optional, required, tags, versions,
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

/// The errors AWS reports for a definition it refuses, joined as its message does.
fn definition_errors(definition: &str) -> Vec<String> {
    let (_, diagnostics) = parse(definition);
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| diagnostic.aws_text())
        .collect()
}

fn check_definition(definition: &str) -> Result<(), AwsError> {
    let errors = definition_errors(definition);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AwsError::new("InvalidDefinition", format!("Invalid State Machine Definition: '{}'", errors.join(", "))))
    }
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
    check_name(name, "state machine")?;
    let kind = optional(request, "type")?.unwrap_or("STANDARD");
    if !matches!(kind, "STANDARD" | "EXPRESS") {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{kind}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        )));
    }
    check_definition(definition)?;
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

/// DescribeStateMachine, of the machine or of one of its versions.
pub async fn describe(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    match versions::MachineArn::parse(state, arn)?.qualifier {
        versions::Qualifier::Latest => {}
        versions::Qualifier::Version(_) => return versions::describe_version(state, arn).await,
        versions::Qualifier::Alias(_) => return Err(super::invalid_arn(arn)),
    }
    let row = sqlx::query("SELECT * FROM state_machines WHERE arn = ?").bind(arn).fetch_optional(&state.pool).await?;
    let Some(row) = row else {
        return Err(AwsError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'")));
    };
    let logging: Option<String> = row.try_get("logging_configuration")?;
    let tracing: Option<String> = row.try_get("tracing_configuration")?;
    Ok(json!({
        "stateMachineArn": row.try_get::<String, _>("arn")?,
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
    }))
}

/// ListStateMachines, by name, with `maxResults` and `nextToken`.
pub async fn list(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let limit = max_results(request)?;
    let offset = offset_from_token(request)?;
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
    if let Some(token) = next_offset_token(offset, limit, total) {
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

/// ValidateStateMachineDefinition.
pub fn validate(request: &Value) -> Result<Value, AwsError> {
    let definition = required(request, "definition")?;
    let (_, diagnostics) = parse(definition);
    let errors: Vec<Value> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
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
    Ok(json!({"result": result, "diagnostics": errors}))
}

/// CreateActivity.
pub async fn create_activity(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let name = required(request, "name")?;
    check_name(name, "activity")?;
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

/// Checks the shape of an activity ARN in this account and region.
pub fn check_activity_arn(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    let settings = state.engine.settings();
    let prefix = format!("arn:{}:states:{}:{}:activity:", settings.partition, settings.region, settings.account);
    match arn.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() => Ok(()),
        _ => Err(invalid_arn(arn)),
    }
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
        return Err(AwsError::new("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'")));
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
    let offset = offset_from_token(request)?;
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
    if let Some(token) = next_offset_token(offset, limit, rows.len()) {
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
    let publish = request.get("publish").and_then(Value::as_bool) == Some(true);
    let version_description = optional(request, "versionDescription")?;
    versions::check_description(version_description, "versionDescription")?;
    if version_description.is_some() && !publish {
        return Err(AwsError::validation("Version description can only be set when publish is true"));
    }
    if definition.is_none() && role_arn.is_none() && logging.is_none() && tracing.is_none() {
        return Err(AwsError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    load(state, arn).await?;
    if let Some(definition) = definition {
        check_definition(definition)?;
    }
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

//! State machine versions and aliases: PublishStateMachineVersion, ListStateMachineVersions,
//! DeleteStateMachineVersion, the alias operations, and turning a qualified state machine ARN
//! (`…:stateMachine:NAME:3`, `…:stateMachine:NAME:ALIAS`) into the definition an execution runs.

use serde_json::{Value, json};
use sqlx::{Row, SqliteConnection};

use super::{
    ApiState, AwsError, epoch_seconds, machines, machines::StoredMachine, max_results, optional, paging::PageScope,
    required,
};
use crate::engine::now_millis;

/// AWS's limit of versions per state machine.
pub const MAX_VERSIONS: i64 = 1000;

/// What a state machine ARN names beyond the machine itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Qualifier {
    /// The machine's current revision (`…:stateMachine:NAME`).
    Latest,
    /// A published version (`…:stateMachine:NAME:3`).
    Version(i64),
    /// An alias (`…:stateMachine:NAME:ALIAS`).
    Alias(String),
}

/// A state machine ARN read into the machine's own ARN and its qualifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineArn {
    /// The unqualified ARN, as `state_machines` stores it.
    pub machine_arn: String,
    /// The version or alias, if the ARN names one.
    pub qualifier: Qualifier,
}

impl MachineArn {
    /// Reads a state machine ARN of this partition and region, qualified or not; any other
    /// shape is `InvalidArn`. Another account's machines are read too: they do not exist here.
    pub fn parse(state: &ApiState, arn: &str) -> Result<Self, AwsError> {
        let invalid = || super::invalid_arn(arn);
        let rest = super::arn_resource(state, arn, "stateMachine").ok_or_else(invalid)?;
        let prefix = &arn[..arn.len() - rest.len()];
        let mut parts = rest.split(':');
        let name = parts.next().filter(|name| !name.is_empty()).ok_or_else(invalid)?;
        let qualifier = match (parts.next(), parts.next()) {
            (None, _) => Qualifier::Latest,
            (Some(text), None) if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) => {
                Qualifier::Version(text.parse().map_err(|_| invalid())?)
            }
            (Some(text), None) if !text.is_empty() => Qualifier::Alias(text.to_string()),
            _ => return Err(invalid()),
        };
        Ok(MachineArn { machine_arn: format!("{prefix}{name}"), qualifier })
    }

    /// Reads an ARN that must name a version (`…:stateMachine:NAME:N`).
    pub fn parse_version(state: &ApiState, arn: &str) -> Result<(String, i64), AwsError> {
        match MachineArn::parse(state, arn)? {
            MachineArn { machine_arn, qualifier: Qualifier::Version(number) } => Ok((machine_arn, number)),
            _ => Err(super::invalid_arn(arn)),
        }
    }

    /// Reads an ARN that must name an alias (`…:stateMachine:NAME:ALIAS`).
    pub fn parse_alias(state: &ApiState, arn: &str) -> Result<String, AwsError> {
        match MachineArn::parse(state, arn)? {
            MachineArn { machine_arn, qualifier: Qualifier::Alias(_) } => Ok(machine_arn),
            _ => Err(super::invalid_arn(arn)),
        }
    }
}

/// The ARN of version `number` of a machine.
pub fn version_arn(machine_arn: &str, number: i64) -> String {
    format!("{machine_arn}:{number}")
}

/// What StartExecution runs for a (possibly qualified) state machine ARN.
#[derive(Clone, Debug)]
pub struct Target {
    /// The machine, with the definition and role of the version chosen.
    pub machine: StoredMachine,
    /// The version the execution runs, when started through a version or an alias.
    pub version_arn: Option<String>,
    /// The alias it was started through.
    pub alias_arn: Option<String>,
}

/// Resolves a state machine ARN for StartExecution: the machine's current definition, a
/// version's, or, for an alias, a version chosen at random by the routing weights.
pub async fn resolve(state: &ApiState, arn: &str) -> Result<Target, AwsError> {
    let parsed = MachineArn::parse(state, arn)?;
    let mut machine = machines::load(state, &parsed.machine_arn).await?;
    let (version_number, alias_arn) = match &parsed.qualifier {
        Qualifier::Latest => return Ok(Target { machine, version_arn: None, alias_arn: None }),
        Qualifier::Version(number) => (*number, None),
        Qualifier::Alias(_) => {
            let alias = load_alias(state, arn).await?.ok_or_else(|| does_not_exist(arn))?;
            (choose_version(&alias.routing), Some(arn.to_string()))
        }
    };
    let version = load_version(&state.pool, &parsed.machine_arn, version_number)
        .await?
        .ok_or_else(|| does_not_exist(&version_arn(&parsed.machine_arn, version_number)))?;
    machine.definition = version.definition;
    machine.role_arn = version.role_arn;
    Ok(Target { machine, version_arn: Some(version_arn(&parsed.machine_arn, version_number)), alias_arn })
}

/// Picks one route by weight (weights sum to 100).
fn choose_version(routing: &[Route]) -> i64 {
    let mut roll = rand::random_range(0..100u32);
    for route in routing {
        if roll < route.weight {
            return route.version;
        }
        roll -= route.weight;
    }
    routing.last().map_or(0, |route| route.version)
}

fn does_not_exist(arn: &str) -> AwsError {
    AwsError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
}

fn not_found(arn: &str) -> AwsError {
    AwsError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// `ConflictException`, the one Step Functions error AWS answers with HTTP 409.
fn conflict(message: impl Into<String>) -> AwsError {
    AwsError { status: axum::http::StatusCode::CONFLICT, ..AwsError::new("ConflictException", message) }
}

/// A published version as stored.
#[derive(Clone, Debug)]
pub struct StoredVersion {
    /// The definition it froze.
    pub definition: String,
    /// The role it froze.
    pub role_arn: String,
    /// Its description.
    pub description: Option<String>,
    /// The machine's logging configuration when published (JSON text).
    pub logging_configuration: Option<String>,
    /// The machine's tracing configuration when published (JSON text).
    pub tracing_configuration: Option<String>,
    /// The machine revision it was published from.
    pub revision_id: String,
    /// When it was published.
    pub created_millis: i64,
}

/// Loads version `number` of a machine.
pub async fn load_version(
    pool: &sqlx::SqlitePool,
    machine_arn: &str,
    number: i64,
) -> Result<Option<StoredVersion>, AwsError> {
    let row = sqlx::query(
        "SELECT definition, role_arn, description, logging_configuration, tracing_configuration, revision_id,
                created_millis
         FROM state_machine_versions WHERE machine_arn = ? AND version = ?",
    )
    .bind(machine_arn)
    .bind(number)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(StoredVersion {
        definition: row.try_get("definition")?,
        role_arn: row.try_get("role_arn")?,
        description: row.try_get("description")?,
        logging_configuration: row.try_get("logging_configuration")?,
        tracing_configuration: row.try_get("tracing_configuration")?,
        revision_id: row.try_get("revision_id")?,
        created_millis: row.try_get("created_millis")?,
    }))
}

/// Publishes the machine's current revision as a new version, or, when that revision is
/// already published, answers the version that holds it (AWS's idempotency rule). With
/// `expected_revision`, the current revision must be that one (else `ConflictException`).
/// Returns the version's ARN and creation time.
pub async fn publish_current(
    connection: &mut SqliteConnection,
    machine_arn: &str,
    description: Option<&str>,
    expected_revision: Option<&str>,
) -> Result<(String, i64), AwsError> {
    let row = sqlx::query(
        "SELECT definition, role_arn, logging_configuration, tracing_configuration, revision_id, last_version
         FROM state_machines WHERE arn = ?",
    )
    .bind(machine_arn)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else { return Err(does_not_exist(machine_arn)) };
    let revision_id: String = row.try_get("revision_id")?;
    if let Some(expected) = expected_revision
        && expected != revision_id
    {
        return Err(conflict(format!(
            "Failed to publish the State Machine version for revision {expected}. The current State Machine revision is {revision_id}."
        )));
    }
    let existing = sqlx::query(
        "SELECT version, created_millis FROM state_machine_versions WHERE machine_arn = ? AND revision_id = ?
         ORDER BY version DESC LIMIT 1",
    )
    .bind(machine_arn)
    .bind(&revision_id)
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(existing) = existing {
        return Ok((version_arn(machine_arn, existing.try_get("version")?), existing.try_get("created_millis")?));
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM state_machine_versions WHERE machine_arn = ?")
        .bind(machine_arn)
        .fetch_one(&mut *connection)
        .await?;
    if count >= MAX_VERSIONS {
        return Err(AwsError::new(
            "ServiceQuotaExceededException",
            format!("The state machine '{machine_arn}' already has {MAX_VERSIONS} versions"),
        ));
    }
    let number = row.try_get::<i64, _>("last_version")? + 1;
    let created = now_millis();
    sqlx::query(
        "INSERT INTO state_machine_versions (machine_arn, version, definition, role_arn, description,
                logging_configuration, tracing_configuration, revision_id, created_millis)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(machine_arn)
    .bind(number)
    .bind(row.try_get::<String, _>("definition")?)
    .bind(row.try_get::<String, _>("role_arn")?)
    .bind(description)
    .bind(row.try_get::<Option<String>, _>("logging_configuration")?)
    .bind(row.try_get::<Option<String>, _>("tracing_configuration")?)
    .bind(&revision_id)
    .bind(created)
    .execute(&mut *connection)
    .await
    .map_err(|error| match &error {
        // Another publish of this machine took the number first.
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            conflict("Another request published a version of this state machine at the same time; retry")
        }
        _ => AwsError::from(error),
    })?;
    sqlx::query("UPDATE state_machines SET last_version = ? WHERE arn = ?")
        .bind(number)
        .bind(machine_arn)
        .execute(&mut *connection)
        .await?;
    Ok((version_arn(machine_arn, number), created))
}

/// Checks a version description: at most 256 characters.
pub fn check_description(description: Option<&str>, field: &str) -> Result<(), AwsError> {
    match description {
        Some(text) if text.chars().count() > 256 => Err(AwsError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to 256"
        ))),
        _ => Ok(()),
    }
}

/// PublishStateMachineVersion.
pub async fn publish(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    let machine_arn = machines::unqualified_machine_arn(state, arn)?;
    let description = optional(request, "description")?;
    check_description(description, "description")?;
    let revision_id = optional(request, "revisionId")?;
    let mut transaction = state.pool.begin().await?;
    let (version_arn, created) = publish_current(&mut transaction, &machine_arn, description, revision_id).await?;
    transaction.commit().await?;
    Ok(json!({"creationDate": epoch_seconds(created), "stateMachineVersionArn": version_arn}))
}

/// ListStateMachineVersions: newest first, with `maxResults` and `nextToken`.
pub async fn list_versions(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    let machine_arn = machines::unqualified_machine_arn(state, arn)?;
    let limit = max_results(request)?;
    let scope = PageScope::new("ListStateMachineVersions", &[Some(&machine_arn)]);
    let offset = scope.offset(request)?;
    let rows = sqlx::query(
        "SELECT version, created_millis FROM state_machine_versions WHERE machine_arn = ? ORDER BY version DESC",
    )
    .bind(&machine_arn)
    .fetch_all(&state.pool)
    .await?;
    let versions = rows
        .iter()
        .skip(offset)
        .take(limit)
        .map(|row| {
            Ok(json!({
                "stateMachineVersionArn": version_arn(&machine_arn, row.try_get("version")?),
                "creationDate": epoch_seconds(row.try_get("created_millis")?),
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    let mut response = json!({"stateMachineVersions": versions});
    if let Some(token) = scope.next_offset_token(offset, limit, rows.len()) {
        response["nextToken"] = json!(token);
    }
    Ok(response)
}

/// DeleteStateMachineVersion: refused while an alias routes to the version; deleting a
/// version that does not exist succeeds, as on AWS.
pub async fn delete_version(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineVersionArn")?;
    let (machine_arn, number) = MachineArn::parse_version(state, arn)?;
    let mut transaction = state.pool.begin().await?;
    let routed: Vec<String> = aliases_of(&mut transaction, &machine_arn)
        .await?
        .into_iter()
        .filter(|alias| alias.routing.iter().any(|route| route.version == number))
        .map(|alias| alias.name)
        .collect();
    // The aliases by name, as AWS lists them (LocalStack's recordings,
    // test_delete_version_with_alias).
    if !routed.is_empty() {
        return Err(conflict(format!(
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
            routed.join(", ")
        )));
    }
    sqlx::query("DELETE FROM state_machine_versions WHERE machine_arn = ? AND version = ?")
        .bind(&machine_arn)
        .bind(number)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(json!({}))
}

/// DescribeStateMachine for a version ARN: the version's definition, role, revision and
/// description.
pub async fn describe_version(state: &ApiState, arn: &str) -> Result<Value, AwsError> {
    let (machine_arn, number) = MachineArn::parse_version(state, arn)?;
    let machine = machines::load(state, &machine_arn).await?;
    let version = load_version(&state.pool, &machine_arn, number).await?.ok_or_else(|| does_not_exist(arn))?;
    let configuration = |text: Option<String>| text.and_then(|text| serde_json::from_str::<Value>(&text).ok());
    let mut response = json!({
        "stateMachineArn": arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": version.definition,
        "roleArn": version.role_arn,
        "type": machine.kind,
        "creationDate": epoch_seconds(version.created_millis),
        "loggingConfiguration": configuration(version.logging_configuration)
            .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
        "tracingConfiguration": configuration(version.tracing_configuration)
            .unwrap_or_else(|| json!({"enabled": false})),
        "revisionId": version.revision_id,
    });
    if let Some(description) = version.description {
        response["description"] = json!(description);
    }
    Ok(response)
}

/// One entry of an alias's routing configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The version number.
    pub version: i64,
    /// Its share of executions, 0–100.
    pub weight: u32,
}

/// An alias as stored.
#[derive(Clone, Debug)]
pub struct StoredAlias {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Where it routes executions.
    pub routing: Vec<Route>,
    /// When it was created.
    pub created_millis: i64,
    /// When it was last updated.
    pub updated_millis: Option<i64>,
}

impl StoredAlias {
    fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Self, AwsError> {
        let machine_arn: String = row.try_get("machine_arn")?;
        let routing_text: String = row.try_get("routing_configuration")?;
        let routing: Vec<Value> = serde_json::from_str(&routing_text).map_err(AwsError::internal)?;
        let routing = routing
            .iter()
            .map(|route| Route {
                version: route["stateMachineVersionArn"]
                    .as_str()
                    .and_then(|arn| arn.strip_prefix(&format!("{machine_arn}:")))
                    .and_then(|number| number.parse().ok())
                    .unwrap_or_default(),
                weight: route["weight"].as_u64().unwrap_or_default() as u32,
            })
            .collect();
        Ok(StoredAlias {
            arn: row.try_get("arn")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            routing,
            created_millis: row.try_get("created_millis")?,
            updated_millis: row.try_get("updated_millis")?,
        })
    }
}

fn routing_json(machine_arn: &str, routing: &[Route]) -> Value {
    routing
        .iter()
        .map(|route| json!({"stateMachineVersionArn": version_arn(machine_arn, route.version), "weight": route.weight}))
        .collect()
}

async fn load_alias(state: &ApiState, arn: &str) -> Result<Option<StoredAlias>, AwsError> {
    let row =
        sqlx::query("SELECT * FROM state_machine_aliases WHERE arn = ?").bind(arn).fetch_optional(&state.pool).await?;
    row.as_ref().map(StoredAlias::from_row).transpose()
}

async fn aliases_of(connection: &mut SqliteConnection, machine_arn: &str) -> Result<Vec<StoredAlias>, AwsError> {
    let rows = sqlx::query("SELECT * FROM state_machine_aliases WHERE machine_arn = ? ORDER BY name")
        .bind(machine_arn)
        .fetch_all(&mut *connection)
        .await?;
    rows.iter().map(StoredAlias::from_row).collect()
}

/// Reads and checks `routingConfiguration`: one or two distinct versions of one machine,
/// weights 0–100 summing to 100. Returns the machine's ARN and the routes. The model's
/// constraints (length, weights) are checked first, then what they mean; each refusal in AWS's
/// words (LocalStack's recordings, test_error_create_alias_invalid_router_configs).
fn read_routing(state: &ApiState, value: &Value) -> Result<(String, Vec<Route>), AwsError> {
    let Some(entries) = value.as_array() else {
        return Err(AwsError::validation("1 validation error detected: 'routingConfiguration' must be a list"));
    };
    let arns = entries.iter().map(|entry| required(entry, "stateMachineVersionArn")).collect::<Result<Vec<_>, _>>()?;
    let mut weights = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        match entry.get("weight").and_then(Value::as_i64) {
            Some(weight) => weights.push(weight),
            None => {
                return Err(AwsError::validation(format!(
                    "1 validation error detected: Value null at 'routingConfiguration.{}.member.weight' failed to satisfy constraint: Member must not be null",
                    index + 1
                )));
            }
        }
    }
    if entries.is_empty() || entries.len() > 2 {
        let items: Vec<String> = arns
            .iter()
            .zip(&weights)
            .map(|(arn, weight)| format!("RoutingConfigurationListItem(stateMachineVersionArn={arn}, weight={weight})"))
            .collect();
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '[{}]' at 'routingConfiguration' failed to satisfy constraint: Member must have length {}",
            items.join(", "),
            if entries.is_empty() { "greater than or equal to 1" } else { "less than or equal to 2" }
        )));
    }
    for (index, weight) in weights.iter().enumerate() {
        if !(0..=100).contains(weight) {
            let bound = if *weight > 100 { "less than or equal to 100" } else { "greater than or equal to 0" };
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{weight}' at 'routingConfiguration.{}.member.weight' failed to satisfy constraint: Member must have value {bound}",
                index + 1
            )));
        }
    }
    let received = || format!("Received: [{}]", arns.join(", "));
    let mut machine = None;
    let mut routes = Vec::new();
    for (arn, weight) in arns.iter().zip(&weights) {
        let (machine_arn, version) = match MachineArn::parse(state, arn)? {
            MachineArn { machine_arn, qualifier: Qualifier::Version(number) } => (machine_arn, number),
            _ => {
                return Err(AwsError::validation(format!(
                    "Routing configuration must contain state machine version ARNs. {}",
                    received()
                )));
            }
        };
        if machine.get_or_insert_with(|| machine_arn.clone()) != &machine_arn {
            return Err(AwsError::validation("Routing configuration must contain versions of the same state machine"));
        }
        if routes.iter().any(|route: &Route| route.version == version) {
            return Err(AwsError::validation(format!(
                "Routing configuration must contain distinct state machine version ARNs. {}",
                received()
            )));
        }
        routes.push(Route { version, weight: *weight as u32 });
    }
    if routes.iter().map(|route| route.weight).sum::<u32>() != 100 {
        let weights: Vec<String> = weights.iter().map(i64::to_string).collect();
        return Err(AwsError::validation(format!(
            "Sum of routing configuration weights must equal 100. Received: [{}]",
            weights.join(", ")
        )));
    }
    Ok((machine.unwrap_or_default(), routes))
}

/// Fails with `ResourceNotFound` unless every routed version exists.
async fn check_versions_exist(state: &ApiState, machine_arn: &str, routes: &[Route]) -> Result<(), AwsError> {
    for route in routes {
        if load_version(&state.pool, machine_arn, route.version).await?.is_none() {
            return Err(not_found(&version_arn(machine_arn, route.version)));
        }
    }
    Ok(())
}

/// AWS's rule for alias names: letters, digits, `-`, `_` and `.`, 1–80 characters, not
/// only digits (those would read as a version).
fn check_alias_name(name: &str) -> Result<(), AwsError> {
    let allowed = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.');
    // The length first, as AWS checks it.
    if name.chars().count() > 80 {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
        )));
    }
    if name.is_empty() || !name.bytes().all(allowed) || name.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"
        )));
    }
    Ok(())
}

/// CreateStateMachineAlias: the same request again answers the existing alias; a different
/// one with the same name is a `ConflictException`.
pub async fn create_alias(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let name = required(request, "name")?;
    check_alias_name(name)?;
    let description = optional(request, "description")?;
    check_description(description, "description")?;
    let routing_value = request.get("routingConfiguration").unwrap_or(&Value::Null);
    if routing_value.is_null() {
        required(request, "routingConfiguration")?;
    }
    let (machine_arn, routing) = read_routing(state, routing_value)?;
    machines::load(state, &machine_arn).await?;
    check_versions_exist(state, &machine_arn, &routing).await?;
    let arn = format!("{machine_arn}:{name}");
    if let Some(existing) = load_alias(state, &arn).await? {
        if existing.routing == routing && existing.description.as_deref() == description {
            return Ok(json!({"stateMachineAliasArn": arn, "creationDate": epoch_seconds(existing.created_millis)}));
        }
        // AWS's words, for a different description as for different routes.
        return Err(conflict(
            "Failed to create alias because an alias with the same name and a different routing configuration already exists.",
        ));
    }
    let created = now_millis();
    sqlx::query(
        "INSERT INTO state_machine_aliases (arn, machine_arn, name, description, routing_configuration, created_millis)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&arn)
    .bind(&machine_arn)
    .bind(name)
    .bind(description)
    .bind(routing_json(&machine_arn, &routing).to_string())
    .bind(created)
    .execute(&state.pool)
    .await?;
    Ok(json!({"stateMachineAliasArn": arn, "creationDate": epoch_seconds(created)}))
}

/// DescribeStateMachineAlias.
pub async fn describe_alias(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineAliasArn")?;
    let machine_arn = MachineArn::parse_alias(state, arn)?;
    let alias = load_alias(state, arn).await?.ok_or_else(|| not_found(arn))?;
    let mut response = json!({
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": routing_json(&machine_arn, &alias.routing),
        "creationDate": epoch_seconds(alias.created_millis),
    });
    if let Some(description) = alias.description {
        response["description"] = json!(description);
    }
    if let Some(updated) = alias.updated_millis {
        response["updateDate"] = epoch_seconds(updated);
    }
    Ok(response)
}

/// UpdateStateMachineAlias: a new `description` and/or `routingConfiguration`.
pub async fn update_alias(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineAliasArn")?;
    let machine_arn = MachineArn::parse_alias(state, arn)?;
    let description = optional(request, "description")?;
    check_description(description, "description")?;
    let routing_value = request.get("routingConfiguration").filter(|value| !value.is_null());
    if description.is_none() && routing_value.is_none() {
        return Err(AwsError::validation("Either the description or the RoutingConfiguration must be specified"));
    }
    let routing = match routing_value {
        Some(value) => {
            let (routed_machine, routing) = read_routing(state, value)?;
            if routed_machine != machine_arn {
                return Err(AwsError::validation(
                    "Routing configuration must contain versions of the state machine the alias belongs to",
                ));
            }
            check_versions_exist(state, &machine_arn, &routing).await?;
            Some(routing_json(&machine_arn, &routing).to_string())
        }
        None => None,
    };
    // AWS's words for an alias that does not exist (test_update_no_such_alias_arn).
    load_alias(state, arn)
        .await?
        .ok_or_else(|| AwsError::new("ResourceNotFound", "Request references a resource that does not exist."))?;
    let updated = now_millis();
    sqlx::query(
        "UPDATE state_machine_aliases SET description = COALESCE(?, description),
                routing_configuration = COALESCE(?, routing_configuration), updated_millis = ?
         WHERE arn = ?",
    )
    .bind(description)
    .bind(routing)
    .bind(updated)
    .bind(arn)
    .execute(&state.pool)
    .await?;
    Ok(json!({"updateDate": epoch_seconds(updated)}))
}

/// DeleteStateMachineAlias. Deleting an alias that does not exist succeeds, as on AWS
/// (LocalStack's recordings, test_delete_no_such_alias_arn).
pub async fn delete_alias(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineAliasArn")?;
    MachineArn::parse_alias(state, arn)?;
    sqlx::query("DELETE FROM state_machine_aliases WHERE arn = ?").bind(arn).execute(&state.pool).await?;
    Ok(json!({}))
}

/// ListStateMachineAliases: a machine's aliases by name, or, for a version ARN, the aliases
/// that route to that version.
pub async fn list_aliases(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "stateMachineArn")?;
    let parsed = MachineArn::parse(state, arn)?;
    let version = match parsed.qualifier {
        Qualifier::Latest => None,
        Qualifier::Version(number) => Some(number),
        Qualifier::Alias(_) => return Err(super::invalid_arn(arn)),
    };
    machines::load(state, &parsed.machine_arn).await.map_err(|_| not_found(arn))?;
    let limit = max_results(request)?;
    let scope = PageScope::new("ListStateMachineAliases", &[Some(arn)]);
    let offset = scope.offset(request)?;
    let mut connection = state.pool.acquire().await?;
    let aliases: Vec<StoredAlias> = aliases_of(&mut connection, &parsed.machine_arn)
        .await?
        .into_iter()
        .filter(|alias| version.is_none_or(|number| alias.routing.iter().any(|route| route.version == number)))
        .collect();
    let page: Vec<Value> = aliases
        .iter()
        .skip(offset)
        .take(limit)
        .map(|alias| json!({"stateMachineAliasArn": alias.arn, "creationDate": epoch_seconds(alias.created_millis)}))
        .collect();
    let mut response = json!({"stateMachineAliases": page});
    if let Some(token) = scope.next_offset_token(offset, limit, aliases.len()) {
        response["nextToken"] = json!(token);
    }
    Ok(response)
}

/// Removes a deleted machine's versions and aliases.
pub async fn delete_all(connection: &mut SqliteConnection, machine_arn: &str) -> Result<(), AwsError> {
    sqlx::query("DELETE FROM state_machine_versions WHERE machine_arn = ?")
        .bind(machine_arn)
        .execute(&mut *connection)
        .await?;
    sqlx::query("DELETE FROM state_machine_aliases WHERE machine_arn = ?")
        .bind(machine_arn)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

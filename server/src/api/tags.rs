//! Resource tags: TagResource, UntagResource and ListTagsForResource on state machines and
//! activities, and the `tags` member of CreateStateMachine and CreateActivity.

use serde_json::{Value, json};
use sqlx::{Row, SqliteConnection};

use super::{ApiState, AwsError, invalid_arn, required};

/// AWS's limit of tags on one resource.
pub const MAX_TAGS: usize = 50;

/// TagResource: adds tags, replacing the values of keys already there.
pub async fn tag_resource(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "resourceArn")?;
    let tags = read_tags(request)?.ok_or_else(|| {
        AwsError::validation(
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        )
    })?;
    check_resource(state, arn).await?;
    let mut transaction = state.pool.begin().await?;
    store_tags(&mut transaction, arn, &tags).await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tags WHERE resource_arn = ?")
        .bind(arn)
        .fetch_one(&mut *transaction)
        .await?;
    if count as usize > MAX_TAGS {
        return Err(too_many_tags(arn));
    }
    transaction.commit().await?;
    Ok(json!({}))
}

/// UntagResource: removes the tags with the given keys (absent keys are no error).
pub async fn untag_resource(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "resourceArn")?;
    check_resource(state, arn).await?;
    let keys = match request.get("tagKeys") {
        Some(Value::Array(keys)) => keys,
        Some(_) => return Err(AwsError::validation("1 validation error detected: 'tagKeys' must be a list")),
        None => {
            return Err(AwsError::validation(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
            ));
        }
    };
    let mut transaction = state.pool.begin().await?;
    for key in keys {
        let Some(key) = key.as_str() else {
            return Err(AwsError::validation("1 validation error detected: 'tagKeys' must hold strings"));
        };
        sqlx::query("DELETE FROM tags WHERE resource_arn = ? AND key = ?")
            .bind(arn)
            .bind(key)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(json!({}))
}

/// ListTagsForResource: all tags of a resource, by key.
pub async fn list_tags_for_resource(state: &ApiState, request: &Value) -> Result<Value, AwsError> {
    let arn = required(request, "resourceArn")?;
    check_resource(state, arn).await?;
    let rows = sqlx::query("SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key")
        .bind(arn)
        .fetch_all(&state.pool)
        .await?;
    let tags = rows
        .iter()
        .map(|row| Ok(json!({"key": row.try_get::<String, _>("key")?, "value": row.try_get::<String, _>("value")?})))
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    Ok(json!({"tags": tags}))
}

/// Reads a request's `tags` member (`[{"key", "value"}]`), checking AWS's limits: keys of
/// 1–128 characters, values of at most 256, at most 50 tags.
pub fn read_tags(request: &Value) -> Result<Option<Vec<(String, String)>>, AwsError> {
    let tags = match request.get("tags") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(tags)) => tags,
        Some(_) => return Err(AwsError::validation("1 validation error detected: 'tags' must be a list")),
    };
    if tags.len() > MAX_TAGS {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    let mut read = Vec::with_capacity(tags.len());
    for (index, tag) in tags.iter().enumerate() {
        let key = tag.get("key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("value").and_then(Value::as_str).unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '{key}' at 'tags.{}.member.key' failed to satisfy constraint: Member must have length between 1 and 128",
                index + 1
            )));
        }
        if value.chars().count() > 256 {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value at 'tags.{}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
                index + 1
            )));
        }
        read.push((key.to_string(), value.to_string()));
    }
    Ok(Some(read))
}

/// Writes tags for a resource, replacing the values of existing keys.
pub async fn store_tags(
    connection: &mut SqliteConnection,
    arn: &str,
    tags: &[(String, String)],
) -> Result<(), AwsError> {
    for (key, value) in tags {
        sqlx::query(
            "INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
             ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value",
        )
        .bind(arn)
        .bind(key)
        .bind(value)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Forgets a deleted resource's tags.
pub async fn delete_tags(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    sqlx::query("DELETE FROM tags WHERE resource_arn = ?").bind(arn).execute(&state.pool).await?;
    Ok(())
}

fn too_many_tags(arn: &str) -> AwsError {
    AwsError::new("TooManyTags", format!("Too many tags on resource: '{arn}' (at most {MAX_TAGS})"))
}

/// Checks that `arn` names a state machine or activity that exists: `InvalidArn` for another
/// shape, `ResourceNotFound` for one that is not there. Versions and aliases take no tags (AWS
/// tags state machines and activities only): their ARNs name no taggable resource, so they are
/// `ResourceNotFound`, as AWS answers for a version (LocalStack's recordings,
/// test_tag_state_machine_version).
async fn check_resource(state: &ApiState, arn: &str) -> Result<(), AwsError> {
    let not_found = || AwsError::new("ResourceNotFound", format!("Resource not found: '{arn}'"));
    let unqualified = |name: &str| !name.contains(':');
    let table = match super::arn_resource(state, arn, "stateMachine") {
        Some(name) if unqualified(name) => "state_machines",
        Some(_) => return Err(not_found()),
        None if super::arn_resource(state, arn, "activity").is_some_and(unqualified) => "activities",
        None => return Err(invalid_arn(arn)),
    };
    let found: Option<i64> = sqlx::query_scalar(&format!("SELECT 1 FROM {table} WHERE arn = ?"))
        .bind(arn)
        .fetch_optional(&state.pool)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(not_found()),
    }
}

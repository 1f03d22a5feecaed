//! Upgrading a data folder keeps what it holds: a database written before history events
//! were keyed by a number of their execution (migration `20261125000015_history_keys`) opens
//! with every execution's history intact, and executions started afterwards get histories of
//! their own. Definitions moved into a table of their own (migration
//! `20261126000017_execution_definitions`) the same way: old executions keep the text in their
//! row, new ones share one stored copy per distinct text. The executions table rebuilt for a
//! deferred definition key (migration `20261127000018_deferred_definition_key`) keeps its
//! rows, their history keys and the cost cache that points at them.

use std::{borrow::Cow, str::FromStr};

use serde_json::json;
use server::engine::{Engine, EngineSettings, ExecutionType, StartRequest, decide::Status};
use sqlx::{
    SqlitePool,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
};

const KEYED_HISTORY: i64 = 20261125000015;
const REBUILT_EXECUTIONS: i64 = 20261127000018;
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:upgrade";

/// A data folder migrated only up to (not including) migration `version`, and a pool on it
/// with foreign keys enforced, as the server's own.
async fn migrated_before(version: i64) -> (tempfile::TempDir, SqlitePool) {
    let folder = tempfile::tempdir().expect("a data folder");
    let options = SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(folder.path().join(server::db::DATABASE_FILE))
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePool::connect_with(options).await.expect("a database");
    let before: Vec<_> =
        server::db::MIGRATOR.migrations.iter().filter(|migration| migration.version < version).cloned().collect();
    assert!(before.len() < server::db::MIGRATOR.migrations.len(), "migration {version} exists");
    let old = Migrator { migrations: Cow::Owned(before), ..Migrator::DEFAULT };
    old.run(&pool).await.expect("the old migrations");
    (folder, pool)
}

/// A data folder migrated only up to (not including) `KEYED_HISTORY`, holding two finished
/// executions with three history events each, written with the old columns.
async fn old_data_folder() -> tempfile::TempDir {
    let (folder, pool) = migrated_before(KEYED_HISTORY).await;
    for name in ["first", "second"] {
        let arn = format!("arn:aws:states:us-east-1:123456789012:execution:upgrade:{name}");
        sqlx::query(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, definition, role_arn,
                                     start_millis, stop_millis, snapshot)
             VALUES (?, ?, ?, 'SUCCEEDED', '{}', ?, ?, 'arn:aws:iam::123456789012:role/r', 1000, 1002, '{}')",
        )
        .bind(&arn)
        .bind(MACHINE)
        .bind(name)
        .bind(json!({ "from": name }).to_string())
        .bind(old_definition(name))
        .execute(&pool)
        .await
        .expect("an old execution");
        let events = [
            (1, 0, "ExecutionStarted", json!(["executionStartedEventDetails", {"input": "{}"}])),
            (2, 1, "PassStateEntered", json!(["stateEnteredEventDetails", {"name": name, "input": "{}"}])),
            (3, 2, "ExecutionSucceeded", json!(["executionSucceededEventDetails", {"output": name}])),
        ];
        for (id, previous, event_type, details) in events {
            sqlx::query(
                "INSERT INTO history_events (execution_arn, id, previous_id, timestamp_millis, type, details)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&arn)
            .bind(id)
            .bind(previous)
            .bind(1000 + id)
            .bind(event_type)
            .bind(details.to_string())
            .execute(&pool)
            .await
            .expect("an old event");
        }
    }
    pool.close().await;
    folder
}

/// The definition the old execution `name` ran.
fn old_definition(name: &str) -> String {
    json!({"Comment": format!("old {name}"), "StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}})
        .to_string()
}

/// A Standard execution of `definition` named `name`, run to its end.
fn start_request(name: &str, definition: &str) -> StartRequest {
    StartRequest {
        state_machine_arn: MACHINE.into(),
        state_machine_name: "upgrade".into(),
        name: name.into(),
        definition: definition.into(),
        input: json!({"n": 3}),
        input_text: None,
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        kind: ExecutionType::Standard,
        test_case: None,
        map_run_arn: None,
        item_count: None,
        qualifiers: Default::default(),
        skip_waits: false,
    }
}

#[tokio::test]
async fn each_definition_is_stored_once_and_old_executions_keep_theirs() {
    let folder = old_data_folder().await;
    let pool = server::db::open(folder.path()).await.expect("the upgraded database");
    let engine = Engine::new(pool.clone(), EngineSettings::default());
    let shared = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}}).to_string();
    let other = json!({"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}).to_string();
    let mut started = Vec::new();
    for (name, definition) in [("s1", &shared), ("s2", &shared), ("o1", &other), ("s3", &shared)] {
        let execution = engine.start(start_request(name, definition)).await.expect("an execution");
        assert!(matches!(execution.status, Status::Succeeded { .. }), "{name}: {:?}", execution.status);
        started.push((execution.arn, definition.clone()));
    }
    drop(engine);

    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM execution_definitions").fetch_one(&pool).await.expect("a count");
    assert_eq!(stored, 2, "four executions of two definitions store two texts");

    // A second engine reads everything back from the database, not from memory.
    let engine = Engine::new(pool.clone(), EngineSettings::default());
    for (arn, definition) in &started {
        let view = engine.describe(arn).await.expect("describe").expect("the execution exists");
        assert_eq!(&view.record.definition, definition, "{arn}");
    }
    for name in ["first", "second"] {
        let arn = format!("arn:aws:states:us-east-1:123456789012:execution:upgrade:{name}");
        let view = engine.describe(&arn).await.expect("describe").expect("the old execution exists");
        assert_eq!(view.record.definition, old_definition(name), "an old execution keeps its definition");
    }

    // A restarted writer finds the stored copy instead of adding another.
    let execution = engine.start(start_request("s4", &shared)).await.expect("an execution after a restart");
    assert!(matches!(execution.status, Status::Succeeded { .. }), "{:?}", execution.status);
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM execution_definitions").fetch_one(&pool).await.expect("a count");
    assert_eq!(stored, 2, "the restarted writer found the stored definition");
}

#[tokio::test]
async fn histories_written_before_the_upgrade_read_back_whole_and_new_ones_stay_apart() {
    let folder = old_data_folder().await;
    let pool = server::db::open(folder.path()).await.expect("the upgraded database");
    let engine = Engine::new(pool, EngineSettings::default());

    for name in ["first", "second"] {
        let arn = format!("arn:aws:states:us-east-1:123456789012:execution:upgrade:{name}");
        let history = engine.history(&arn).await.expect("history").expect("the execution exists");
        let summary: Vec<(u64, u64, &str)> =
            history.iter().map(|event| (event.id, event.previous_event_id, event.event_type.as_str())).collect();
        assert_eq!(summary, [(1, 0, "ExecutionStarted"), (2, 1, "PassStateEntered"), (3, 2, "ExecutionSucceeded")]);
        assert_eq!(
            history[1].details.clone().map(|details| details.into_pair()),
            Some(("stateEnteredEventDetails".into(), json!({"name": name, "input": "{}"})))
        );
        assert_eq!(history[2].timestamp_millis, 1003);
    }

    let definition = json!({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}}).to_string();
    let started = engine.start(start_request("third", &definition)).await.expect("a new execution");
    assert!(matches!(started.status, Status::Succeeded { .. }), "{:?}", started.status);
    let history = engine.history(&started.arn).await.expect("history").expect("the new execution exists");
    let types: Vec<&str> = history.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        "the new execution's history is its own"
    );
    let first = engine
        .history("arn:aws:states:us-east-1:123456789012:execution:upgrade:first")
        .await
        .expect("history")
        .expect("exists");
    assert_eq!(first.len(), 3, "an old history gained no events");
}

#[tokio::test]
async fn the_rebuilt_executions_table_keeps_its_rows_their_costs_and_the_definition_key() {
    let (folder, pool) = migrated_before(REBUILT_EXECUTIONS).await;
    let definition = json!({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}}).to_string();
    let definition_id: i64 =
        sqlx::query_scalar("INSERT INTO execution_definitions (hash, text) VALUES (7, ?) RETURNING id")
            .bind(&definition)
            .fetch_one(&pool)
            .await
            .expect("a stored definition");
    let arn = "arn:aws:states:us-east-1:123456789012:execution:upgrade:kept";
    sqlx::query(
        "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, definition, definition_id,
                                 role_arn, start_millis, stop_millis, snapshot, history_key)
         VALUES (?, ?, 'kept', 'SUCCEEDED', '{}', '{\"kept\":true}', '', ?, 'arn:aws:iam::123456789012:role/r',
                 1000, 1002, '{}', 41)",
    )
    .bind(arn)
    .bind(MACHINE)
    .bind(definition_id)
    .execute(&pool)
    .await
    .expect("an execution written before the rebuild");
    for (id, event_type) in [(1, "ExecutionStarted"), (2, "ExecutionSucceeded")] {
        sqlx::query(
            "INSERT INTO history_events (execution_key, id, previous_id, timestamp_millis, type, details)
             VALUES (41, ?, ?, ?, ?, NULL)",
        )
        .bind(id)
        .bind(id - 1)
        .bind(1000 + id)
        .bind(event_type)
        .execute(&pool)
        .await
        .expect("an event");
    }
    sqlx::query(
        "INSERT INTO execution_costs (execution_arn, state_machine_arn, day, child, redrive_count, transitions)
         VALUES (?, ?, 0, 0, 0, 3)",
    )
    .bind(arn)
    .bind(MACHINE)
    .execute(&pool)
    .await
    .expect("a cached cost");
    pool.close().await;

    let pool = server::db::open(folder.path()).await.expect("the upgraded database");
    let transitions: Option<i64> =
        sqlx::query_scalar("SELECT transitions FROM execution_costs WHERE execution_arn = ?")
            .bind(arn)
            .fetch_optional(&pool)
            .await
            .expect("a query");
    assert_eq!(transitions, Some(3), "the cost cache survives the old table being dropped");

    let engine = Engine::new(pool.clone(), EngineSettings::default());
    let view = engine.describe(arn).await.expect("describe").expect("the old execution exists");
    assert_eq!(view.record.definition, definition);
    let history = engine.history(arn).await.expect("history").expect("exists");
    let types: Vec<&str> = history.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(types, ["ExecutionStarted", "ExecutionSucceeded"], "the history still finds its execution");

    let started = engine.start(start_request("after", &definition)).await.expect("a new execution");
    let key: i64 = sqlx::query_scalar("SELECT history_key FROM executions WHERE arn = ?")
        .bind(&started.arn)
        .fetch_one(&pool)
        .await
        .expect("the new execution's key");
    assert_eq!(key, 42, "a new execution's key follows the largest");
    let history = engine.history(&started.arn).await.expect("history").expect("exists");
    assert_eq!(history.len(), 4, "the new execution's history is its own");

    // Deferred, the definition key is still checked: at commit.
    let mut transaction = pool.begin().await.expect("a transaction");
    sqlx::query(
        "INSERT INTO executions (arn, state_machine_arn, name, status, input, definition, definition_id, role_arn,
                                 start_millis, snapshot)
         VALUES ('arn:aws:states:us-east-1:123456789012:execution:upgrade:dangling', ?, 'dangling', 'RUNNING', '{}',
                 '', 999999, 'arn:aws:iam::123456789012:role/r', 1000, '{}')",
    )
    .bind(MACHINE)
    .execute(&mut *transaction)
    .await
    .expect("the insert itself is allowed until commit");
    let error = transaction.commit().await.expect_err("a definition that does not exist");
    assert!(error.to_string().contains("FOREIGN KEY"), "{error}");
}

//! Upgrading a data folder keeps what it holds: a database written before history events
//! were keyed by a number of their execution (migration `20261125000015_history_keys`) opens
//! with every execution's history intact, and executions started afterwards get histories of
//! their own.

use std::{borrow::Cow, str::FromStr};

use serde_json::json;
use server::engine::{Engine, EngineSettings, ExecutionType, StartRequest, decide::Status};
use sqlx::{
    SqlitePool,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
};

const KEYED_HISTORY: i64 = 20261125000015;
const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:upgrade";

/// A data folder migrated only up to (not including) `KEYED_HISTORY`, holding two finished
/// executions with three history events each, written with the old columns.
async fn old_data_folder() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("a data folder");
    let options = SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(folder.path().join(server::db::DATABASE_FILE))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePool::connect_with(options).await.expect("a database");
    let before: Vec<_> =
        server::db::MIGRATOR.migrations.iter().filter(|migration| migration.version < KEYED_HISTORY).cloned().collect();
    assert!(before.len() < server::db::MIGRATOR.migrations.len(), "the history-key migration exists");
    let old = Migrator { migrations: Cow::Owned(before), ..Migrator::DEFAULT };
    old.run(&pool).await.expect("the old migrations");
    for name in ["first", "second"] {
        let arn = format!("arn:aws:states:us-east-1:123456789012:execution:upgrade:{name}");
        sqlx::query(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, definition, role_arn,
                                     start_millis, stop_millis, snapshot)
             VALUES (?, ?, ?, 'SUCCEEDED', '{}', ?, '{}', 'arn:aws:iam::123456789012:role/r', 1000, 1002, '{}')",
        )
        .bind(&arn)
        .bind(MACHINE)
        .bind(name)
        .bind(json!({ "from": name }).to_string())
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
        assert_eq!(history[1].details, Some(("stateEnteredEventDetails".into(), json!({"name": name, "input": "{}"}))));
        assert_eq!(history[2].timestamp_millis, 1003);
    }

    let definition = json!({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": true}}}).to_string();
    let started = engine
        .start(StartRequest {
            state_machine_arn: MACHINE.into(),
            state_machine_name: "upgrade".into(),
            name: "third".into(),
            definition,
            input: json!({"n": 3}),
            input_text: None,
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            kind: ExecutionType::Standard,
            test_case: None,
            map_run_arn: None,
            qualifiers: Default::default(),
        })
        .await
        .expect("a new execution");
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

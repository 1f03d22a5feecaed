//! Tests of the store: how multi-row statements are cut, and how the writer handles a batch that fails.

use super::*;
use crate::engine::history::HistoryEvent;

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:writer";

fn record(name: &str) -> ExecutionRecord {
    ExecutionRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:execution:writer:{name}"),
        state_machine_arn: MACHINE.into(),
        name: name.into(),
        input: serde_json::json!({}),
        input_text: "{}".into(),
        definition: r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/writer".into(),
        start_millis: 1_000,
        stop_millis: None,
        redrive_count: 0,
        redrive_millis: None,
        test_case: None,
        map_run_arn: None,
        item_count: None,
    }
}

/// A decision of events `ids` (each following the one before).
fn events(ids: std::ops::RangeInclusive<u64>) -> Decision {
    let events = ids
        .map(|id| HistoryEvent {
            id,
            previous_event_id: id - 1,
            timestamp_millis: 1_000 + id as i64,
            event_type: "WaitStateEntered".into(),
            details: None,
        })
        .collect();
    Decision { events, actions: Vec::new() }
}

async fn event_ids(pool: &SqlitePool, name: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT id FROM history_events WHERE execution_key = (SELECT history_key FROM executions WHERE arn = ?)
         ORDER BY id",
    )
    .bind(&record(name).arn)
    .fetch_all(pool)
    .await
    .expect("the events")
}

/// A decision whose events break the history's key fails alone: the decisions written in
/// the same batch are kept, none of its own rows are, and the writer goes on.
#[tokio::test]
async fn a_decision_that_breaks_a_constraint_fails_alone_and_the_writer_goes_on() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let pool = crate::db::open(folder.path()).await.expect("the database");
    let store = SqliteStore::new(pool.clone());
    let (running, none) = (Snapshot::default(), Qualifiers::default());
    store.insert(&record("first"), &none, &running, &events(1..=2)).await.expect("the first execution");

    for round in 0..3 {
        let (second, third) = (format!("second-{round}"), format!("third-{round}"));
        let (second_record, third_record, first_arn) = (record(&second), record(&third), record("first").arn);
        let (three, repeating, one) = (events(1..=3), events(2..=3), events(1..=1));
        // One batch: an insert, a decision repeating event 2 of `first`, an insert.
        // A decision for an execution that does not exist fails too, without SQLite's
        // rollback; whichever connection the writer then uses must have no transaction open.
        let unknown = record(&format!("unknown-{round}")).arn;
        let (before, repeated, missing, after) = tokio::join!(
            store.insert(&second_record, &none, &running, &three),
            store.commit(&first_arn, &running, &repeating, &Signal::Start),
            store.commit(&unknown, &running, &one, &Signal::Start),
            store.insert(&third_record, &none, &running, &one),
        );
        before.expect("the execution written before the bad decision");
        after.expect("the execution written after it");
        assert!(repeated.is_err(), "event 2 of `first` was written twice");
        assert!(missing.is_err(), "a decision was committed for an execution that does not exist");
        assert_eq!(event_ids(&pool, &second).await, [1, 2, 3]);
        assert_eq!(event_ids(&pool, &third).await, [1]);
        assert_eq!(event_ids(&pool, "first").await, [1, 2], "the failed decision left rows behind");
    }
    // A good decision for `first` still goes in.
    store.commit(&record("first").arn, &running, &events(3..=4), &Signal::Start).await.expect("event 3");
    assert_eq!(event_ids(&pool, "first").await, [1, 2, 3, 4]);
    // Closing the pool stops the writer (and closes its connection): soon every write is
    // refused rather than written behind the closed pool's back.
    tokio::time::timeout(std::time::Duration::from_secs(10), pool.close()).await.expect("the pool closes");
    let mut refused = false;
    for id in 5..=105 {
        match store.commit(&record("first").arn, &running, &events(id..=id), &Signal::Start).await {
            Err(StoreError::WriterGone) => {
                refused = true;
                break;
            }
            Ok(()) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Err(error) => panic!("a write after the pool closed failed otherwise: {error}"),
        }
    }
    assert!(refused, "the writer still wrote 5 s after the pool closed");
}

#[test]
fn statements_take_a_multiple_of_the_step_then_the_rest() {
    let sizes = |count: usize| {
        let items = vec![0u8; count];
        writer::chunks_for_statements(&items).map(<[u8]>::len).collect::<Vec<_>>()
    };
    assert_eq!(sizes(0), Vec::<usize>::new());
    assert_eq!(sizes(12), [12]);
    assert_eq!(sizes(16), [16]);
    assert_eq!(sizes(37), [32, 5]);
    assert_eq!(sizes(1200), [512, 512, 176]);
    assert_eq!(sizes(1201), [512, 512, 176, 1]);
}

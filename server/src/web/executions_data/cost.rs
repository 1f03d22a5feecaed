//! A state machine's actual cost per UTC day. Each finished execution's billed transitions
//! (`asl::cost::actual::billed_transitions` over its history) are counted once into
//! `execution_costs` (this module is its only writer) and the days summed in SQL; running
//! executions are counted afresh on every view.

use std::collections::BTreeMap;

use app::executions::cost::{DailyCost, MachineCost, arn_region};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::ExecutionsDataError;

/// A state machine's recorded executions (and their Distributed Map children, whose state
/// machine ARNs are `MACHINE/LABEL`) by the UTC day they started, newest first, with the
/// transitions their histories bill and what those cost at the Standard price of the region
/// in the ARN (the server's configured region), before the free tier.
///
/// Finished executions not counted yet (or redriven since) are counted into
/// `execution_costs` first, so each history is read once; running ones are counted afresh.
/// An execution that ends while this runs may be left out of this one answer, never counted twice.
pub async fn daily_cost(pool: &SqlitePool, machine: &str) -> Result<MachineCost, ExecutionsDataError> {
    let region = arn_region(machine).to_string();
    let prices = asl::cost::prices::region(&region);
    // `MACHINE/` up to `MACHINE0` is every ARN that starts with `MACHINE/` ('0' follows '/').
    // The queries ask for one range, `MACHINE` up to `MACHINE0` (an index range; an `OR` of
    // two ranges would read every execution), and leave out other machines in it
    // (`MACHINE-2`) with `= MACHINE OR >= MACHINE/`: ?1 is MACHINE, ?2 `MACHINE/`, ?3 `MACHINE0`.
    let children = (format!("{machine}/"), format!("{machine}0"));
    // A redriven execution runs again: its count is stale until it ends again.
    sqlx::query(
        "DELETE FROM execution_costs WHERE execution_arn IN (SELECT arn FROM executions \
         WHERE status = 'RUNNING' AND (state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2)))",
    )
    .bind(machine)
    .bind(&children.0)
    .bind(&children.1)
    .execute(pool)
    .await?;
    let counted = count_transitions(
        pool,
        "status <> 'RUNNING' AND NOT EXISTS (SELECT 1 FROM execution_costs \
         WHERE execution_arn = executions.arn AND redrive_count = executions.redrive_count)",
        machine,
        &children,
    )
    .await?;
    store_counts(pool, &counted).await?;

    // Per day: (executions, children, transitions).
    let mut days: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
    let sums = sqlx::query(
        "SELECT day, SUM(child = 0) AS executions, SUM(child) AS children, SUM(transitions) AS transitions \
         FROM execution_costs \
         WHERE state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2) GROUP BY day",
    )
    .bind(machine)
    .bind(&children.0)
    .bind(&children.1)
    .fetch_all(pool)
    .await?;
    for row in sums {
        let day = days.entry(row.try_get("day")?).or_default();
        day.0 += row.try_get::<i64, _>("executions")? as u64;
        day.1 += row.try_get::<i64, _>("children")? as u64;
        day.2 += row.try_get::<i64, _>("transitions")? as u64;
    }
    for running in count_transitions(pool, "status = 'RUNNING'", machine, &children).await? {
        let day = days.entry(running.day).or_default();
        if running.child {
            day.1 += 1;
        } else {
            day.0 += 1;
        }
        day.2 += running.transitions;
    }
    let days = days
        .into_iter()
        .rev()
        .map(|(day, (executions, child_executions, transitions))| DailyCost {
            day: asl::eval::time::format_millis(day * DAY_MILLIS)[..10].to_string(),
            executions,
            child_executions,
            transitions,
            cost_usd: prices.map_or(0.0, |prices| asl::cost::actual::standard_cost_usd(prices, transitions)),
        })
        .collect();
    Ok(MachineCost {
        region,
        usd_per_1000_transitions: prices.map(|prices| prices.standard_usd_per_1000_transitions),
        days,
    })
}

const DAY_MILLIS: i64 = 86_400_000;

/// One execution's billed transitions, and what its `execution_costs` row needs.
#[derive(Debug)]
struct CountedExecution {
    arn: String,
    state_machine_arn: String,
    /// The UTC day it started, days since the epoch.
    day: i64,
    /// A Distributed Map child execution.
    child: bool,
    redrive_count: i64,
    transitions: u64,
}

/// Counts the billed transitions of the executions of `machine` (and its Map Run children,
/// `children` being the ARN range `MACHINE/`..`MACHINE0`) that `condition` (SQL on
/// `executions`) selects: first the executions alone (so a state machine with nothing to
/// count reads no history), then their histories, [`HISTORIES_A_QUERY`] executions a query.
async fn count_transitions(
    pool: &SqlitePool,
    condition: &str,
    machine: &str,
    children: &(String, String),
) -> Result<Vec<CountedExecution>, ExecutionsDataError> {
    let sql = format!(
        "SELECT arn, state_machine_arn, start_millis, map_run_arn IS NOT NULL AS child, redrive_count \
         FROM executions \
         WHERE (state_machine_arn >= ?1 AND state_machine_arn < ?3 AND (state_machine_arn = ?1 OR state_machine_arn >= ?2)) AND {condition}"
    );
    let mut counted = sqlx::query(&sql)
        .bind(machine)
        .bind(&children.0)
        .bind(&children.1)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CountedExecution {
                arn: row.try_get("arn")?,
                state_machine_arn: row.try_get("state_machine_arn")?,
                day: row.try_get::<i64, _>("start_millis")?.div_euclid(DAY_MILLIS),
                child: row.try_get("child")?,
                redrive_count: row.try_get("redrive_count")?,
                transitions: 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    for chunk in counted.chunks_mut(HISTORIES_A_QUERY) {
        count_histories(pool, chunk).await?;
    }
    Ok(counted)
}

/// How many executions' histories one query reads.
const HISTORIES_A_QUERY: usize = 500;

/// Fills in the billed transitions of `executions` from their histories.
async fn count_histories(pool: &SqlitePool, executions: &mut [CountedExecution]) -> Result<(), ExecutionsDataError> {
    use futures_util::TryStreamExt;

    let index: std::collections::HashMap<String, usize> =
        executions.iter().enumerate().map(|(position, execution)| (execution.arn.clone(), position)).collect();
    let mut select = QueryBuilder::<Sqlite>::new(
        "SELECT executions.arn AS execution_arn, history_events.id, history_events.previous_id, history_events.type \
         FROM executions JOIN history_events ON history_events.execution_key = executions.history_key \
         WHERE executions.arn IN (",
    );
    let mut arns = select.separated(", ");
    for execution in executions.iter() {
        arns.push_bind(execution.arn.clone());
    }
    select.push(") ORDER BY executions.arn, history_events.id");
    let mut rows = select.build().fetch(pool);
    let mut current: Option<usize> = None;
    let mut events: Vec<(u64, u64, String)> = Vec::new();
    let mut finish = |current: Option<usize>, events: &mut Vec<(u64, u64, String)>| {
        if let Some(position) = current {
            let recorded: Vec<asl::cost::actual::RecordedEvent<'_>> = events
                .iter()
                .map(|(id, previous_id, event_type)| asl::cost::actual::RecordedEvent {
                    id: *id,
                    previous_id: *previous_id,
                    event_type,
                })
                .collect();
            executions[position].transitions = asl::cost::actual::billed_transitions(&recorded);
        }
        events.clear();
    };
    while let Some(row) = rows.try_next().await? {
        let arn: String = row.try_get("execution_arn")?;
        let position = index.get(&arn).copied();
        if position != current {
            finish(current, &mut events);
            current = position;
        }
        events.push((
            row.try_get::<i64, _>("id")? as u64,
            row.try_get::<i64, _>("previous_id")? as u64,
            row.try_get("type")?,
        ));
    }
    finish(current, &mut events);
    Ok(())
}

/// Writes finished executions' counts into `execution_costs`, a thousand rows a transaction
/// (so the engine's writer never waits long).
async fn store_counts(pool: &SqlitePool, counted: &[CountedExecution]) -> Result<(), ExecutionsDataError> {
    for chunk in counted.chunks(1_000) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO execution_costs \
             (execution_arn, state_machine_arn, day, child, redrive_count, transitions) ",
        );
        insert.push_values(chunk, |mut row, execution| {
            row.push_bind(&execution.arn)
                .push_bind(&execution.state_machine_arn)
                .push_bind(execution.day)
                .push_bind(execution.child)
                .push_bind(execution.redrive_count)
                .push_bind(execution.transitions as i64);
        });
        insert.build().execute(pool).await?;
    }
    Ok(())
}

//! `cargo xtask bench-views` runs this: the execution views' queries over a large database.
//!
//! Seeds N executions (100,000 by default) with their histories into a fresh database through
//! the real migrations, in bulk inserts: ten state machines, one of which (`Busy`) has 40 % of
//! the executions, started over 30 days; 80 % succeeded (6 events), 15 % failed after a retry
//! (9 events), 5 % running (2 events). Then it times what the pages ask for, each query run
//! several times (median and fastest): the list's first page unfiltered and filtered (status,
//! name, date range, one state machine, a page deep in the list), and `daily_cost` for `Busy`:
//! the first view (which counts every finished history into `execution_costs`), later views,
//! and a view after 100 more executions ended; and the failure patterns above the list (the
//! failed executions carry a snapshot of the engine's shape, about 700 bytes, whose failed
//! state the query reads, and one of three errors with a cause naming their order). A
//! benchmark prints figures; it never fails on them.

use std::time::{Duration, Instant};

use anyhow::Context;
use app::executions::ExecutionFilter;
use server::{
    engine::{Engine, EngineSettings},
    web::executions_data,
};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

const MACHINES: usize = 10;
const DAYS: i64 = 30;
const DAY_MILLIS: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z.
const FIRST_DAY_MILLIS: i64 = 1_767_225_600_000;
const RUNS: usize = 7;

fn main() -> anyhow::Result<()> {
    let mut executions = 100_000usize;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--executions" => {
                executions = arguments.next().context("--executions needs a number")?.parse()?;
            }
            other => anyhow::bail!("bench_views takes only --executions N, not {other:?}"),
        }
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(executions))
}

async fn run(executions: usize) -> anyhow::Result<()> {
    let data = tempfile::tempdir().context("a temporary data folder")?;
    let pool = server::db::open(data.path()).await?;
    let seeding = Instant::now();
    seed(&pool, 0, executions, None).await?;
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_events").fetch_one(&pool).await?;
    println!("Seeded {executions} executions ({events} history events) in {:.1} s", seeding.elapsed().as_secs_f64());
    sqlx::query("ANALYZE").execute(&pool).await?;
    let engine = Engine::new(pool.clone(), EngineSettings::default());

    let busy = machine_arn(0);
    let mid_day = FIRST_DAY_MILLIS + DAYS / 2 * DAY_MILLIS;
    let day_text = |millis: i64| asl::eval::time::format_millis(millis)[..10].to_string();
    let cases: Vec<(&str, ExecutionFilter)> = vec![
        ("first page, unfiltered", ExecutionFilter::default()),
        ("first page, status FAILED", ExecutionFilter { status: Some("FAILED".into()), ..Default::default() }),
        ("first page, status RUNNING", ExecutionFilter { status: Some("RUNNING".into()), ..Default::default() }),
        (
            "name contains \"run-04242\" (1 match)",
            ExecutionFilter { name: Some("run-04242".into()), ..Default::default() },
        ),
        ("name contains \"7\" (many matches)", ExecutionFilter { name: Some("7".into()), ..Default::default() }),
        (
            "date range (one day in the middle)",
            ExecutionFilter {
                started_after: Some(day_text(mid_day)),
                started_before: Some(day_text(mid_day + DAY_MILLIS)),
                ..Default::default()
            },
        ),
        ("one state machine (Busy), first page", ExecutionFilter { machine: Some(busy.clone()), ..Default::default() }),
        (
            "one state machine, status FAILED, date range",
            ExecutionFilter {
                machine: Some(busy.clone()),
                status: Some("FAILED".into()),
                started_after: Some(day_text(mid_day)),
                started_before: Some(day_text(mid_day + DAY_MILLIS)),
                ..Default::default()
            },
        ),
    ];
    println!("\nThe executions list (one page of {} rows), {RUNS} runs each:", app::executions::PAGE_SIZE);
    for (label, filter) in &cases {
        let rows = list(&pool, &engine, filter).await?;
        let times = time(RUNS, || async {
            list(&pool, &engine, filter).await?;
            Ok(())
        })
        .await?;
        println!("  {label:<48} {}  ({rows} rows)", summary(&times));
    }
    // A page deep in the list: follow the cursor 100 pages, then time the 101st.
    let mut filter = ExecutionFilter::default();
    for _ in 0..100 {
        let page = executions_data::list(&pool, &engine, &filter).await.map_err(|error| anyhow::anyhow!("{error}"))?;
        filter.before = page.next;
    }
    let times = time(RUNS, || async {
        list(&pool, &engine, &filter).await?;
        Ok(())
    })
    .await?;
    println!("  {:<48} {}", "page 101 (keyset cursor)", summary(&times));

    println!(
        "\nFailure patterns (the newest {} failures grouped), {RUNS} runs each:",
        app::executions::failures::FAILURES_EXAMINED
    );
    let pattern_cases = [
        ("all state machines", ExecutionFilter::default()),
        ("one state machine (Busy)", ExecutionFilter { machine: Some(busy.clone()), ..Default::default() }),
        (
            "one state machine, one day",
            ExecutionFilter {
                machine: Some(busy.clone()),
                started_after: Some(day_text(mid_day)),
                started_before: Some(day_text(mid_day + DAY_MILLIS)),
                ..Default::default()
            },
        ),
        ("one error (Order.Rejected)", ExecutionFilter { error: Some("Order.Rejected".into()), ..Default::default() }),
    ];
    for (label, filter) in &pattern_cases {
        let patterns = executions_data::failure_patterns(&pool, &engine, filter)
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        let times = time(RUNS, || async {
            executions_data::failure_patterns(&pool, &engine, filter)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            Ok(())
        })
        .await?;
        println!(
            "  {label:<48} {}  ({} failures, {} patterns{})",
            summary(&times),
            patterns.examined,
            patterns.patterns.len(),
            if patterns.capped { ", capped" } else { "" }
        );
    }

    let busy_executions = executions.div_ceil(MACHINES) * 4;
    println!("\nActual cost per day of Busy (~{busy_executions} executions over {DAYS} days):");
    let first = Instant::now();
    let cost = executions_data::daily_cost(&pool, &busy).await?;
    println!(
        "  {:<48} {:>9.1} ms  ({} days, {} transitions)",
        "first view (counts every finished history)",
        first.elapsed().as_secs_f64() * 1000.0,
        cost.days.len(),
        cost.days.iter().map(|day| day.transitions).sum::<u64>()
    );
    let times = time(RUNS, || async {
        executions_data::daily_cost(&pool, &busy).await?;
        Ok(())
    })
    .await?;
    println!("  {:<48} {}", "later views (cached)", summary(&times));
    seed(&pool, executions, 100, Some(0)).await?;
    let after = Instant::now();
    executions_data::daily_cost(&pool, &busy).await?;
    println!("  {:<48} {:>9.1} ms", "view after 100 more executions ended", after.elapsed().as_secs_f64() * 1000.0);
    pool.close().await;
    Ok(())
}

/// The number of rows of the list's page for `filter`.
async fn list(pool: &SqlitePool, engine: &Engine, filter: &ExecutionFilter) -> anyhow::Result<usize> {
    let page = executions_data::list(pool, engine, filter).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    Ok(page.rows.len())
}

/// Runs `work` `runs` times; the durations.
async fn time<F, Fut>(runs: usize, mut work: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        work().await?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times)
}

/// `median 1.2 ms, fastest 1.0 ms` of sorted durations.
fn summary(times: &[Duration]) -> String {
    let millis = |duration: Duration| duration.as_secs_f64() * 1000.0;
    format!("median {:>8.2} ms, fastest {:>8.2} ms", millis(times[times.len() / 2]), millis(times[0]))
}

fn machine_arn(index: usize) -> String {
    let name = if index == 0 { "Busy".to_string() } else { format!("Machine{index}") };
    format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}")
}

/// Inserts `count` executions numbered from `first`, with their histories, 500 a statement.
/// `machine` puts them all on one state machine; otherwise 40 % go to `Busy` and the rest
/// spread over the others.
async fn seed(pool: &SqlitePool, first: usize, count: usize, machine: Option<usize>) -> anyhow::Result<()> {
    const CHUNK: usize = 500;
    let mut transaction = pool.begin().await?;
    for chunk_start in (first..first + count).step_by(CHUNK) {
        let numbers: Vec<usize> = (chunk_start..(chunk_start + CHUNK).min(first + count)).collect();
        let rows: Vec<SeedRow> = numbers.iter().map(|&number| SeedRow::new(number, machine)).collect();
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO executions (arn, state_machine_arn, name, status, input, output, error, cause, \
             definition, role_arn, start_millis, stop_millis, snapshot, history_key) ",
        );
        insert.push_values(rows.iter().zip(&numbers), |mut values, (row, number)| {
            values
                .push_bind(&row.arn)
                .push_bind(machine_arn(row.machine))
                .push_bind(&row.name)
                .push_bind(row.status)
                .push_bind("{}")
                .push_bind((row.status == "SUCCEEDED").then_some("{}"))
                .push_bind((row.status == "FAILED").then(|| row.error()))
                .push_bind(
                    (row.status == "FAILED").then(|| format!("order {number} failed twice: see request {number:x}")),
                )
                .push_bind(
                    r#"{"StartAt":"Work","States":{"Work":{"Type":"Pass","Next":"Done"},"Done":{"Type":"Succeed"}}}"#,
                )
                .push_bind("arn:aws:iam::123456789012:role/bench")
                .push_bind(row.start_millis)
                .push_bind((row.status != "RUNNING").then_some(row.start_millis + 1_500))
                .push_bind(if row.status == "FAILED" { row.failed_snapshot(*number) } else { "{}".into() })
                .push_bind(*number as i64 + 1);
        });
        insert.build().execute(&mut *transaction).await?;
        let events: Vec<(i64, u64, u64, i64, &str)> = rows
            .iter()
            .zip(&numbers)
            .flat_map(|(row, number)| {
                row.events().iter().enumerate().map(move |(index, (previous_id, event_type))| {
                    (
                        *number as i64 + 1,
                        index as u64 + 1,
                        *previous_id,
                        row.start_millis + index as i64 * 100,
                        *event_type,
                    )
                })
            })
            .collect();
        for events in events.chunks(CHUNK * 2) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO history_events (execution_key, id, previous_id, timestamp_millis, type) ",
            );
            insert.push_values(events, |mut values, (key, id, previous_id, timestamp, event_type)| {
                values
                    .push_bind(*key)
                    .push_bind(*id as i64)
                    .push_bind(*previous_id as i64)
                    .push_bind(*timestamp)
                    .push_bind(*event_type);
            });
            insert.build().execute(&mut *transaction).await?;
        }
    }
    transaction.commit().await?;
    Ok(())
}

struct SeedRow {
    arn: String,
    name: String,
    machine: usize,
    status: &'static str,
    start_millis: i64,
}

impl SeedRow {
    /// Execution `number`, deterministic: its machine, status and start time follow from it.
    fn new(number: usize, machine: Option<usize>) -> SeedRow {
        // A fixed scramble, so neighbours differ.
        let hash = (number as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
        let machine = machine.unwrap_or(if hash % 10 < 4 { 0 } else { 1 + (hash % 9) as usize });
        let status = match hash % 100 {
            0..80 => "SUCCEEDED",
            80..95 => "FAILED",
            _ => "RUNNING",
        };
        let start_millis = FIRST_DAY_MILLIS + (hash % (DAYS as u64 * DAY_MILLIS as u64)) as i64;
        let name = format!("run-{number:05}");
        let machine_name = machine_arn(machine).rsplit(':').next().unwrap_or_default().to_string();
        SeedRow {
            arn: format!("arn:aws:states:us-east-1:123456789012:execution:{machine_name}:{name}"),
            name,
            machine,
            status,
            start_millis,
        }
    }

    /// A failed execution's error: one of three, by its number.
    fn error(&self) -> &'static str {
        ["States.TaskFailed", "Order.Rejected", "States.Timeout"][self.start_millis as usize % 3]
    }

    /// A failed execution's snapshot, in the shape the engine stores (a failed Task at the top).
    fn failed_snapshot(&self, number: usize) -> String {
        serde_json::json!({
            "status": {"status": "Failed", "failure": {"error": self.error(), "cause": "failed twice"}},
            "root": {"path": [], "last": 8, "variables": {}, "muted": false, "at": {"Failed": {
                "failure": {"error": self.error(), "cause": "failed twice"}, "failed_task": "Work"}}},
            "last_event_id": 9, "last_key": 2, "timeout_key": null, "history_limit": 25000,
            "record_history": true,
            "redrive_from": ["Work", {"order": number, "customer": "c-0001", "items": [{"sku": "A-1", "count": 2}]}],
            "redrive_map_run": null, "redrive_outputs": null, "map_children": true,
            "invocations": {"Work": 2}
        })
        .to_string()
    }

    /// Its history: `(previous event id, type)` in id order.
    fn events(&self) -> &'static [(u64, &'static str)] {
        match self.status {
            "SUCCEEDED" => &[
                (0, "ExecutionStarted"),
                (1, "PassStateEntered"),
                (2, "PassStateExited"),
                (3, "SucceedStateEntered"),
                (4, "SucceedStateExited"),
                (5, "ExecutionSucceeded"),
            ],
            "FAILED" => &[
                (0, "ExecutionStarted"),
                (1, "TaskStateEntered"),
                (2, "TaskScheduled"),
                (3, "TaskStarted"),
                (4, "TaskFailed"),
                (5, "TaskScheduled"),
                (6, "TaskStarted"),
                (7, "TaskFailed"),
                (8, "ExecutionFailed"),
            ],
            _ => &[(0, "ExecutionStarted"), (1, "WaitStateEntered")],
        }
    }
}

//! `statehouse run FILE`: one execution of a definition on the engine, in this process, with
//! its Task states answered by a MockConfigFile: a test a deployment repository's CI can run
//! without a server or AWS. It prints how the execution ended (and its history with
//! `--history`) and exits 0 only when it ended as expected (`--expect-status`, default
//! `SUCCEEDED`, and `--expect-output` when given). A definition `statehouse validate` rejects
//! is not run: its errors are printed as `validate` prints them, and the exit is 2.
//!
//! The execution runs as the designer's test runs do (`engine/test_runs.rs`), on a database in
//! a temporary folder that is removed afterwards. Waits really wait unless `--skip-waits`
//! ends Wait states and Retry intervals at once; `--time-limit` bounds the run.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::{
    db,
    engine::{
        Engine, EngineSettings, ExecutionType, MockSource,
        decide::Status,
        test_runs::{TestRun, TestRunError},
    },
    web::executions_data::cli_history,
};

/// `statehouse run FILE`
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The definition (`.asl.json`, `.asl.yaml`).
    pub file: PathBuf,

    /// The execution's input, as JSON text.
    #[arg(long, value_name = "JSON", conflicts_with = "input_file")]
    pub input: Option<String>,

    /// The execution's input, from a JSON file.
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,

    /// A MockConfigFile (Step Functions Local's format) whose test case answers the Task states.
    #[arg(long, value_name = "FILE")]
    pub mocks: Option<PathBuf>,

    /// The test case: `CASE` or `MACHINE#CASE`; may be left out when the file has one.
    #[arg(long, value_name = "[MACHINE#]CASE", requires = "mocks")]
    pub test_case: Option<String>,

    /// Run as an Express execution (else Standard).
    #[arg(long)]
    pub express: bool,

    /// The status the execution must end with.
    #[arg(long, value_enum, default_value_t = ExpectedStatus::Succeeded, value_name = "STATUS")]
    pub expect_status: ExpectedStatus,

    /// The output the execution must end with, as JSON (compared as JSON, not as text).
    #[arg(long, value_name = "JSON")]
    pub expect_output: Option<String>,

    /// Print the history too, as `aws stepfunctions get-execution-history` prints it.
    #[arg(long)]
    pub history: bool,

    /// End Wait states and Retry intervals at once (TimeoutSeconds and HeartbeatSeconds keep
    /// their time).
    #[arg(long)]
    pub skip_waits: bool,

    /// Seconds the execution may take before the run gives up (Waits really wait, unless
    /// `--skip-waits`).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub time_limit: u64,

    /// The folder that stands in for S3 for Map ItemReaders and ResultWriters (`s3://B/K` is
    /// `DIR/B/K`), as for `serve`.
    #[arg(long, value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
}

/// `--expect-status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpectedStatus {
    /// SUCCEEDED.
    Succeeded,
    /// FAILED.
    Failed,
    /// TIMED_OUT.
    TimedOut,
}

impl ExpectedStatus {
    fn name(self) -> &'static str {
        match self {
            ExpectedStatus::Succeeded => "SUCCEEDED",
            ExpectedStatus::Failed => "FAILED",
            ExpectedStatus::TimedOut => "TIMED_OUT",
        }
    }
}

/// A temporary data folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let dir = std::env::temp_dir().join(format!("statehouse-run-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    super::read_text(path).with_context(|| format!("{what}: cannot read {}", path.display()))
}

/// The definition as JSON text (as written for JSON, printed from the tree for YAML), once it
/// has passed validation. When it has not, its errors are printed as `statehouse validate`
/// prints them (warnings are not looked for) and the result is `None`.
fn valid_definition_json(path: &Path, out: &mut dyn Write) -> anyhow::Result<Option<String>> {
    let checked = super::read_file(path);
    let has_errors = checked.diagnostics.iter().any(|diagnostic| diagnostic.severity == asl::Severity::Error);
    let document = checked.document.as_ref().filter(|_| !has_errors);
    let Some(document) = document else {
        super::report(&[checked], super::OutputFormat::Text, out)?;
        return Ok(None);
    };
    Ok(Some(match document.format() {
        asl::SourceFormat::Json => document.text().to_string(),
        asl::SourceFormat::Yaml => document.to_json().context("definition: the YAML has no tree")?,
    }))
}

/// Runs `statehouse run`: exit 0 when the execution ended as expected, 1 when it did not,
/// 2 when it could not run (a file, the input or the mocks refused, with the field named).
pub fn run(args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match run_checked(args, out) {
        Ok(code) => Ok(code),
        Err(error) => {
            eprintln!("statehouse run: {error:#}");
            Ok(ExitCode::from(2))
        }
    }
}

fn run_checked(args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let Some(definition) = valid_definition_json(&args.file, out)? else {
        eprintln!("statehouse run: {} is not a valid definition; nothing was run", args.file.display());
        return Ok(ExitCode::from(2));
    };
    let input = match (&args.input, &args.input_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read(path, "input")?,
        (None, None) => "{}".to_string(),
    };
    let mocks = match &args.mocks {
        Some(path) => read(path, "mocks")?,
        None => String::new(),
    };
    let expected_output = match &args.expect_output {
        Some(text) => Some(
            serde_json::from_str::<Value>(text).map_err(|error| anyhow::anyhow!("expect-output: not JSON: {error}"))?,
        ),
        None => None,
    };
    let design_name = args
        .file
        .file_name()
        .map(|name| name.to_string_lossy().split('.').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let run = TestRun {
        design_name,
        definition,
        input,
        kind: if args.express { ExecutionType::Express } else { ExecutionType::Standard },
        mocks,
        test_case: args.test_case.clone(),
        skip_waits: args.skip_waits,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let scratch = Scratch::new()?;
    let outcome = runtime.block_on(execute(run, args, &scratch.0))?;
    report(&outcome, args, expected_output.as_ref(), out)
}

struct Outcome {
    status: Status,
    millis: i64,
    states: usize,
    history: Option<String>,
}

async fn execute(run: TestRun, args: &RunArgs, data_dir: &Path) -> anyhow::Result<Outcome> {
    let pool = db::open(data_dir).await?;
    let settings = EngineSettings {
        s3_root: args.s3_dir.clone(),
        mock_source: MockSource::CommandLine,
        ..EngineSettings::default()
    };
    let engine = Engine::new(pool.clone(), settings);
    engine.recover().await.context("starting the engine")?;
    let timers = engine.spawn_timer_loop();
    let started = match engine.start_test_run(run).await {
        Ok(started) => started,
        Err(TestRunError::Invalid { field, reason }) => bail!("{field}: {reason}"),
        Err(error) => return Err(error.into()),
    };
    let ended = tokio::time::timeout(Duration::from_secs(args.time_limit), engine.wait(&started.arn)).await;
    timers.abort();
    let status = match ended {
        Ok(status) => status?,
        Err(_) => Status::Running,
    };
    let events = engine.history(&started.arn).await?.unwrap_or_default();
    let states = events.iter().filter(|event| event.event_type.ends_with("StateEntered")).count();
    let millis = events.last().map(|last| last.timestamp_millis - started.start_millis).unwrap_or_default();
    let history = args.history.then(|| cli_history(&events));
    pool.close().await;
    Ok(Outcome { status, millis, states, history })
}

fn report(
    outcome: &Outcome,
    args: &RunArgs,
    expected_output: Option<&Value>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let status = &outcome.status;
    if matches!(status, Status::Running) {
        writeln!(
            out,
            "RUNNING after {} s: the run gave up (a Wait, or a Task waiting for a callback or an activity \
             worker without a mock?); raise --time-limit if it needs longer{}",
            args.time_limit,
            if args.skip_waits { "" } else { ", or pass --skip-waits" }
        )?;
    } else {
        let states = if outcome.states == 1 {
            "1 state entered".to_string()
        } else {
            format!("{} states entered", outcome.states)
        };
        writeln!(out, "{} in {} ms, {states}", status.name(), outcome.millis)?;
    }
    let output = match status {
        Status::Succeeded { output } => {
            writeln!(out, "{}", serde_json::to_string_pretty(output)?)?;
            Some(output)
        }
        Status::Failed { failure } | Status::TimedOut { failure } | Status::Aborted { failure } => {
            let error = failure.error.as_deref().unwrap_or("(no error)");
            match &failure.cause {
                Some(cause) => writeln!(out, "{error}: {cause}")?,
                None => writeln!(out, "{error}")?,
            }
            None
        }
        Status::Running => None,
    };
    if let Some(history) = &outcome.history {
        out.write_all(history.as_bytes())?;
    }
    let mut met = true;
    if status.name() != args.expect_status.name() {
        writeln!(out, "expected {}, but it ended {}", args.expect_status.name(), status.name())?;
        met = false;
    }
    if let Some(expected) = expected_output
        && output != Some(expected)
    {
        writeln!(out, "expected the output {}", serde_json::to_string(expected)?)?;
        met = false;
    }
    Ok(if met { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

//! The Step Functions API as AWS's own clients see it: boto3 (`tests/clients/boto3_flow.py`)
//! and the AWS CLI, installed from PyPI at pinned versions into a cached virtual environment,
//! against the real `statehouse` binary. Without python3, venv or pip (or PyPI) the test says
//! "skipped: …" and passes; any other failure fails it.

mod support;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;
use support::TestServer;

/// The pinned client versions (awscli 1.x pins the botocore that boto3 1.x uses too).
const BOTO3_VERSION: &str = "1.44.5";
const AWSCLI_VERSION: &str = "1.46.3";
const ACCOUNT_PREFIX: &str = "arn:aws:states:us-east-1:123456789012";

/// Where the virtual environment lives: `$XDG_CACHE_HOME/statehouse/venv`, else
/// `~/.cache/statehouse/venv`, else a folder under the system's temporary folder.
fn venv_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("statehouse").join("venv")
}

fn run(command: &mut Command) -> Result<Output, String> {
    let described = format!("{command:?}");
    command.output().map_err(|error| format!("{described} could not run: {error}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The venv's Python with the pinned boto3 and awscli, made or reused; `Err` says why the
/// clients are unavailable (the test is then skipped).
fn clients_python() -> Result<PathBuf, String> {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let check = "import boto3, awscli; print(boto3.__version__, awscli.__version__)";
    let wanted = format!("{BOTO3_VERSION} {AWSCLI_VERSION}");
    if python.is_file()
        && let Ok(output) = run(Command::new(&python).args(["-c", check]))
        && text(&output.stdout).trim() == wanted
    {
        return Ok(python);
    }
    let version = run(Command::new("python3").arg("--version"))?;
    if !version.status.success() {
        return Err(format!("python3 does not run: {}", text(&version.stderr)));
    }
    if !python.is_file() {
        std::fs::create_dir_all(venv.parent().expect("the venv has a parent")).map_err(|error| error.to_string())?;
        let created = run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        if !created.status.success() {
            return Err(format!("python3 -m venv failed: {}", text(&created.stderr)));
        }
    }
    let installed = run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("boto3=={BOTO3_VERSION}"),
        &format!("awscli=={AWSCLI_VERSION}"),
    ]))?;
    if !installed.status.success() {
        return Err(format!("pip install failed: {}", text(&installed.stderr)));
    }
    let output = run(Command::new(&python).args(["-c", check]))?;
    let found = text(&output.stdout);
    // Installed but wrong: a real failure, not a reason to skip.
    assert_eq!(found.trim(), wanted, "the venv at {} has other client versions", venv.display());
    Ok(python)
}

/// Runs `aws stepfunctions ARGS` against the server with dummy credentials.
fn aws(python: &Path, base_url: &str, arguments: &[&str]) -> Output {
    let aws = python.with_file_name("aws");
    Command::new(python)
        .arg(aws)
        .arg("stepfunctions")
        .args(arguments)
        .args(["--endpoint-url", base_url, "--region", "us-east-1", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // As the README says: StartSyncExecution and TestState would go to `sync-<host>`.
        .env("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        .output()
        .expect("the aws command runs")
}

/// `aws stepfunctions ARGS`, which must succeed, as JSON.
fn aws_json(python: &Path, base_url: &str, arguments: &[&str]) -> Value {
    let output = aws(python, base_url, arguments);
    assert!(output.status.success(), "aws {arguments:?} failed: {}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("aws {arguments:?}: {error}"))
}

#[test]
fn boto3_and_the_aws_cli_work_against_statehouse() {
    let python = match clients_python() {
        Ok(python) => python,
        Err(reason) => {
            println!("skipped: the AWS clients are unavailable: {reason}");
            return;
        }
    };
    let data = tempfile::tempdir().expect("a data folder");
    let server = TestServer::spawn_with(data.path(), &[]);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_flow.py");
    let flow = Command::new(&python).arg(&script).arg(&server.base_url).output().expect("python runs");
    assert!(
        flow.status.success(),
        "boto3_flow.py failed:\n{}\n{}\nserver log:\n{}",
        text(&flow.stdout),
        text(&flow.stderr),
        server.log_lines().join("\n")
    );
    assert!(text(&flow.stdout).contains("all checks passed"));

    let base = server.base_url.as_str();
    let created = aws_json(
        &python,
        base,
        &[
            "create-state-machine",
            "--name",
            "cli",
            "--definition",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"from":"cli"},"End":true}}}"#,
            "--role-arn",
            "arn:aws:iam::123456789012:role/cli",
        ],
    );
    let machine_arn = format!("{ACCOUNT_PREFIX}:stateMachine:cli");
    assert_eq!(created["stateMachineArn"], machine_arn.as_str());
    for name in ["first", "second", "third"] {
        let started =
            aws_json(&python, base, &["start-execution", "--state-machine-arn", &machine_arn, "--name", name]);
        assert_eq!(started["executionArn"], format!("{ACCOUNT_PREFIX}:execution:cli:{name}").as_str());
    }
    let execution_arn = format!("{ACCOUNT_PREFIX}:execution:cli:third");
    let deadline = Instant::now() + Duration::from_secs(30);
    let described = loop {
        let described = aws_json(&python, base, &["describe-execution", "--execution-arn", &execution_arn]);
        if described["status"] != "RUNNING" || Instant::now() > deadline {
            break described;
        }
        thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], r#"{"from":"cli"}"#);

    // The CLI follows nextToken itself: pages of one still list all three, newest first.
    let listed = aws_json(&python, base, &["list-executions", "--state-machine-arn", &machine_arn, "--page-size", "1"]);
    let names: Vec<&str> =
        listed["executions"].as_array().expect("executions").iter().filter_map(|item| item["name"].as_str()).collect();
    assert_eq!(names, ["third", "second", "first"], "{listed}");

    let history =
        aws_json(&python, base, &["get-execution-history", "--execution-arn", &execution_arn, "--reverse-order"]);
    assert_eq!(history["events"][0]["type"], "ExecutionSucceeded", "{history}");

    let valid = aws_json(
        &python,
        base,
        &[
            "validate-state-machine-definition",
            "--definition",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}"#,
        ],
    );
    assert_eq!(valid["result"], "FAIL", "{valid}");

    let express = aws_json(
        &python,
        base,
        &[
            "create-state-machine",
            "--name",
            "cli-express",
            "--type",
            "EXPRESS",
            "--definition",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}"#,
            "--role-arn",
            "arn:aws:iam::123456789012:role/cli",
        ],
    );
    let machine = express["stateMachineArn"].as_str().expect("arn");
    let synced =
        aws_json(&python, base, &["start-sync-execution", "--state-machine-arn", machine, "--input", r#"{"n":21}"#]);
    assert_eq!(synced["status"], "SUCCEEDED", "{synced}");
    assert_eq!(synced["output"], r#"{"doubled":42}"#, "{synced}");
    let tested = aws_json(
        &python,
        base,
        &[
            "test-state",
            "--definition",
            r#"{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.r","End":true}"#,
            "--input",
            r#"{"n":1}"#,
            "--role-arn",
            "arn:aws:iam::123456789012:role/cli",
        ],
    );
    assert_eq!(tested["status"], "SUCCEEDED", "{tested}");
    assert_eq!(tested["output"], r#"{"n":1,"r":{"ok":true}}"#, "{tested}");

    let missing =
        aws(&python, base, &["describe-execution", "--execution-arn", &format!("{ACCOUNT_PREFIX}:execution:cli:nope")]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("(ExecutionDoesNotExist)"), "{}", text(&missing.stderr));
    let invalid = aws(&python, base, &["describe-state-machine", "--state-machine-arn", "not-an-arn"]);
    assert!(!invalid.status.success());
    assert!(text(&invalid.stderr).contains("(InvalidArn)"), "{}", text(&invalid.stderr));
}

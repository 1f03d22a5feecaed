//! SigV4 through the real server: with `STATEHOUSE_ACCESS_KEYS` set, boto3 signing with a
//! configured key is served, a wrong secret raises `InvalidSignatureException`, an unknown
//! key `UnrecognizedClientException`, and an unsigned request is refused with
//! `MissingAuthenticationTokenException` (403). The boto3 part needs the venv that
//! `aws_clients.rs` prepares (`~/.cache/statehouse/venv`); without it that part says
//! "skipped: …" and the unsigned check still runs.

mod support;

use std::{path::PathBuf, process::Command};

use serde_json::json;
use support::TestServer;

/// The venv's Python, when it has boto3.
fn boto3_python() -> Result<PathBuf, String> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .ok_or("no HOME or XDG_CACHE_HOME")?;
    let python = cache.join("statehouse/venv/bin/python");
    let works = Command::new(&python).args(["-c", "import boto3"]).status().is_ok_and(|status| status.success());
    if works {
        Ok(python)
    } else {
        Err(format!("{} with boto3 is absent (run the aws_clients test to create it)", python.display()))
    }
}

/// For each `access_key_id secret` pair on the command line, calls ListStateMachines and
/// prints `ok` or `class|code|message` of the exception botocore raised. The Step Functions
/// model does not declare the signature errors, so botocore raises them (against AWS too)
/// as a plain `ClientError` whose `Error.Code` names them.
const PROBE: &str = r#"
import sys, boto3
from botocore.config import Config
url = sys.argv[1]
for pair in sys.argv[2:]:
    key, secret = pair.split(" ")
    client = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}))
    try:
        client.list_state_machines()
        print("ok")
    except client.exceptions.ClientError as error:
        print(type(error).__name__, error.response["Error"]["Code"], error.response["Error"]["Message"], sep="|")
"#;

#[tokio::test]
async fn signed_requests_pass_and_bad_ones_get_aws_errors() {
    let data = tempfile::tempdir().expect("a data folder");
    let server =
        TestServer::spawn_with(data.path(), &[("STATEHOUSE_ACCESS_KEYS", "AKIDSTATEHOUSE:s3cret/Key+1,AKIDTWO:two")]);

    let client = reqwest::Client::new();
    let unsigned = server.call(&client, "ListStateMachines", &json!({})).await;
    assert_eq!(
        unsigned,
        Err((403, "MissingAuthenticationTokenException".to_string(), "Missing Authentication Token".to_string()))
    );

    let python = match boto3_python() {
        Ok(python) => python,
        Err(reason) => {
            println!("skipped: the boto3 checks: {reason}");
            return;
        }
    };
    let output = Command::new(&python)
        .args(["-c", PROBE, &server.base_url])
        .args(["AKIDSTATEHOUSE s3cret/Key+1", "AKIDTWO two", "AKIDSTATEHOUSE wrong", "AKIDNOBODY s3cret/Key+1"])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..2], ["ok", "ok"], "{stdout}");
    assert_eq!(
        lines[2],
        "ClientError|InvalidSignatureException|The request signature we calculated does not match the \
         signature you provided. Check your AWS Secret Access Key and signing method. Consult the service \
         documentation for details.",
    );
    assert_eq!(
        lines[3],
        "ClientError|UnrecognizedClientException|The security token included in the request is invalid."
    );
}

//! The command-line tools as a deployment repository's CI uses them: real files in, compiler-style
//! lines and exit codes out, no server and no database.

use std::{path::Path, process::Command};

fn statehouse(args: &[&str], dir: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .args(args)
        .current_dir(dir)
        .env("STATEHOUSE_DATA_DIR", dir.join("must-not-be-created"))
        .output()
        .expect("statehouse runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

const VALID: &str = r#"{
  "Comment": "Charge and confirm",
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Next": "Done"
    },
    "Done": {
      "Type": "Succeed"
    }
  }
}
"#;

const BROKEN_TARGET: &str = r#"{
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Next": "Confirm"
    },
    "Done": {
      "Type": "Succeed"
    }
  }
}
"#;

#[test]
fn validate_prints_compiler_style_lines_and_fails_on_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("good.asl.json"), VALID).expect("write");
    std::fs::write(dir.path().join("bad.asl.json"), BROKEN_TARGET).expect("write");

    let (code, output) = statehouse(&["validate", "good.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("1 file(s) checked: 0 error(s)"), "{output}");

    let (code, output) = statehouse(&["validate", "good.asl.json", "bad.asl.json"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("bad.asl.json:7:15: error[MISSING_TRANSITION_TARGET]: Missing 'Next' target: Confirm"),
        "{output}"
    );
    assert!(
        output.contains("bad.asl.json:9:5: error[MISSING_TRANSITION_TARGET]: State \"Done\" is not reachable."),
        "{output}"
    );

    let (code, output) = statehouse(&["validate", "--format", "json", "bad.asl.json"], dir.path());
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&output).expect("JSON output");
    assert_eq!(report["ok"], false);
    assert_eq!(report["files"][0]["diagnostics"][0]["location"], "/States/Charge/Next");
    assert!(!dir.path().join("must-not-be-created").exists(), "the CLI touches no database");
}

#[test]
fn validate_points_at_broken_json_and_yaml() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("broken.asl.json"),
        "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\",}\n  }\n}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("flow.asl.yaml"), "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n")
        .expect("write");
    let (code, output) = statehouse(&["validate", "broken.asl.json", "flow.asl.yaml"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("broken.asl.json:4:26: error[INVALID_JSON_DESCRIPTION]"), "{output}");
    assert!(!output.contains("flow.asl.yaml:"), "the YAML file is valid: {output}");
}

#[test]
fn lint_warns_without_failing_and_explains_its_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("good.asl.json"), VALID).expect("write");
    let (code, output) = statehouse(&["lint", "good.asl.json"], dir.path());
    assert_eq!(code, 0, "warnings alone do not fail: {output}");
    assert!(output.contains("good.asl.json:5:5: warning[TASK_WITHOUT_CATCH]"), "{output}");
    assert!(output.contains("warning[TASK_WITHOUT_TIMEOUT]"), "{output}");

    let (code, output) = statehouse(&["lint", "--explain", "task_without_timeout"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.starts_with("TASK_WITHOUT_TIMEOUT: "), "{output}");
    let (code, output) = statehouse(&["lint", "--explain", "NO_SUCH_RULE"], dir.path());
    assert_ne!(code, 0);
    assert!(output.contains("no lint rule is called"), "{output}");
}

#[test]
fn lint_suggests_corrections_and_fix_applies_them_changing_only_what_they_touch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typos = r#"{
  "StartAt": "Check",
  "States": {
    "Check": { "Type": "Pass", "Nxt": "Charge" },
    "Charge": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Next": "Dne" },
    "Done": { "Type": "Succeed" }
  }
}
"#;
    let path = dir.path().join("typos.asl.json");
    std::fs::write(&path, typos).expect("write");

    // The findings name what was probably meant; nothing is written.
    let (code, output) = statehouse(&["lint", "typos.asl.json"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("error[SCHEMA_VALIDATION_FAILED]: Field 'Nxt' is not supported\n  = did you mean: Rename \"Nxt\" to \"Next\"?\n"), "{output}");
    assert!(output.contains("Missing 'Next' target: Dne\n  = did you mean: Go to \"Done\"?\n"), "{output}");
    assert!(output.contains("warning[TASK_WITHOUT_TIMEOUT]"), "{output}");
    assert!(output.contains("  = fix: Add TimeoutSeconds: 300\n"), "{output}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), typos);
    // Errors and warnings together, in the order of the file.
    let places: Vec<(usize, usize)> = output
        .lines()
        .filter_map(|line| line.strip_prefix("typos.asl.json:"))
        .map(|rest| {
            let mut numbers = rest.split(':').map(|number| number.parse::<usize>().expect("line:column"));
            (numbers.next().expect("line"), numbers.next().expect("column"))
        })
        .collect();
    assert_eq!(places.len(), 7, "{output}");
    assert!(places.windows(2).all(|pair| pair[0] <= pair[1]), "{places:?}");

    // --fix applies the lint rule's fix only: guesses are for a person.
    let (code, output) = statehouse(&["lint", "--fix", "typos.asl.json"], dir.path());
    assert_eq!(code, 1, "the misspellings are still errors: {output}");
    assert!(output.contains("typos.asl.json: fixed: Add TimeoutSeconds: 300"), "{output}");
    let timeout_added = typos.replace(r#""Next": "Dne" }"#, r#""Next": "Dne", "TimeoutSeconds": 300 }"#);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), timeout_added);
    assert!(!output.contains("TASK_WITHOUT_TIMEOUT"), "{output}");

    // --fix-guesses also corrects the names, each in place.
    let (code, output) = statehouse(&["lint", "--fix", "--fix-guesses", "typos.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("fixed: Rename \"Nxt\" to \"Next\""), "{output}");
    assert!(output.contains("fixed: Go to \"Done\""), "{output}");
    assert!(output.contains("0 error(s), 1 warning(s)"), "TASK_WITHOUT_CATCH has no mechanical fix: {output}");
    let corrected = timeout_added.replace(r#""Nxt""#, r#""Next""#).replace(r#""Dne""#, r#""Done""#);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), corrected);

    // YAML keeps its comments and layout.
    let yaml = "# Order flow\nStartAt: Check\nStates:\n  Check:\n    Type: Pass\n    Nxt: Done   # go on\n  Done:\n    Type: Succeed\n";
    std::fs::write(dir.path().join("flow.asl.yaml"), yaml).expect("write");
    let (code, output) = statehouse(&["lint", "--fix", "--fix-guesses", "flow.asl.yaml"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert_eq!(std::fs::read_to_string(dir.path().join("flow.asl.yaml")).expect("read"), yaml.replace("Nxt:", "Next:"));

    let (code, output) = statehouse(&["lint", "--fix-guesses", "flow.asl.yaml"], dir.path());
    assert_ne!(code, 0, "--fix-guesses needs --fix: {output}");

    // A fix that changes what the workflow does (a catcher keeping its error changes its
    // handler's input) is offered, and --fix leaves it to a person.
    let discarding = r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
        "TimeoutSeconds": 5, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Done"}], "End": true},
        "Done": {"Type": "Succeed"}}}"#;
    std::fs::write(dir.path().join("discarding.asl.json"), discarding).expect("write");
    let (_, output) = statehouse(&["lint", "--fix", "discarding.asl.json"], dir.path());
    assert!(output.contains("warning[CATCH_DISCARDS_ERROR]"), "{output}");
    assert!(output.contains("  = fix, to confirm (changes behaviour): Keep the error at $.error\n"), "{output}");
    assert_eq!(std::fs::read_to_string(dir.path().join("discarding.asl.json")).expect("read"), discarding);
}

#[test]
fn fmt_rewrites_to_the_canonical_layout_and_check_reports_without_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compact = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1.50,"End":true}}}"#;
    let path = dir.path().join("flow.asl.json");
    std::fs::write(&path, compact).expect("write");

    let (code, output) = statehouse(&["fmt", "--check", "flow.asl.json"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), compact, "--check changes nothing");

    let (code, output) = statehouse(&["fmt", "flow.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    let formatted = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        formatted,
        "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Pass\",\n      \"Result\": 1.50,\n      \"End\": true\n    }\n  }\n}\n"
    );
    let (code, _) = statehouse(&["fmt", "--check", "flow.asl.json"], dir.path());
    assert_eq!(code, 0, "a formatted file passes --check");
}

#[test]
fn a_reader_that_stops_early_ends_the_tools_quietly() {
    use std::{io::Read, process::Stdio};
    // A definition whose graph is far more than a pipe holds, so the tool is still writing
    // when its reader (`| head -c 100`) goes away.
    let states: Vec<String> = (0..2_000)
        .map(|index| format!(r#""S{index}": {{"Type": "Pass", "Next": "S{}"}}"#, index + 1))
        .chain(std::iter::once(r#""S2000": {"Type": "Succeed"}"#.to_string()))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("long.asl.json"),
        format!(r#"{{"StartAt": "S0", "States": {{{}}}}}"#, states.join(",")),
    )
    .expect("write");
    for args in [
        &["graph", "long.asl.json"][..],
        &["graph", "--format", "json", "long.asl.json"],
        &["cost", "--executions-per-month", "1000", "long.asl.json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("statehouse runs");
        let mut first = [0u8; 100];
        child.stdout.take().expect("its output").read_exact(&mut first).expect("the first bytes");
        // The reader's end of the pipe is closed here: the tool's next writes fail.
        let output = child.wait_with_output().expect("it ends");
        assert!(output.status.success(), "{args:?}: {:?}", output.status);
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{args:?}");
    }
}

#[test]
fn graph_prints_dot_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("flow.asl.json"), VALID).expect("write");
    let (code, output) = statehouse(&["graph", "flow.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.starts_with("digraph statemachine {"), "{output}");
    assert!(output.contains("\"/States/Charge\" -> \"/States/Done\""), "{output}");

    let (code, output) = statehouse(&["graph", "--format", "json", "flow.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    let graph: serde_json::Value = serde_json::from_str(&output).expect("JSON");
    let labels: Vec<&str> =
        graph["nodes"].as_array().expect("nodes").iter().filter_map(|node| node["label"].as_str()).collect();
    assert_eq!(labels, ["Start", "End", "Charge", "Done"]);
}

#[test]
fn cost_prints_standard_and_express_side_by_side() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Five transitions an execution: the issue's seed example.
    let five = r#"{"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Pass", "Next": "D"}, "D": {"Type": "Pass", "Next": "E"},
        "E": {"Type": "Succeed"}}}"#;
    std::fs::write(dir.path().join("five.asl.json"), five).expect("write");
    let (code, output) =
        statehouse(&["cost", "five.asl.json", "--executions-per-month", "10000", "--format", "json"], dir.path());
    assert_eq!(code, 0, "{output}");
    let estimate: serde_json::Value = serde_json::from_str(&output).expect("JSON");
    assert_eq!(estimate["standard"]["transitions_per_execution"], serde_json::json!(5.0));
    assert_eq!(estimate["standard"]["monthly_cost_before_free_tier_usd"], serde_json::json!(1.25));
    assert_eq!(estimate["standard"]["monthly_cost_usd"], serde_json::json!(1.15));
    assert!(estimate["express"]["monthly_cost_usd"].as_f64().expect("express cost") > 0.0, "{output}");
    assert_eq!(estimate["cheaper"], "express");

    // Assumptions from YAML: a retried Task adds transitions; the text table marks the cheaper.
    std::fs::write(dir.path().join("flow.asl.json"), VALID).expect("write");
    std::fs::write(dir.path().join("load.yaml"), "states:\n  Charge: { failure_rate: 0.5 }\n").expect("write");
    let (code, output) = statehouse(
        &[
            "cost",
            "flow.asl.json",
            "--executions-per-month",
            "1000000",
            "--assumptions",
            "load.yaml",
            "--type",
            "standard",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("STANDARD (yours)"), "{output}");
    assert!(output.contains("*cheaper*"), "{output}");
    assert!(output.contains("Costliest states"), "{output}");

    // Bad input names the field and the reason; a broken definition is reported like validate.
    std::fs::write(dir.path().join("bad.yaml"), "states:\n  Charge: { failure_rate: 3 }\n").expect("write");
    let (code, output) =
        statehouse(&["cost", "flow.asl.json", "--executions-per-month", "1", "--assumptions", "bad.yaml"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("states.Charge.failure_rate must be a probability from 0 to 1"), "{output}");
    std::fs::write(dir.path().join("broken.asl.json"), BROKEN_TARGET).expect("write");
    let (code, output) = statehouse(&["cost", "broken.asl.json", "--executions-per-month", "1"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("broken.asl.json:"), "{output}");
}

const ORDERS: &str = r#"{
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
      "ResultSelector": {"paid.$": "$.Payload.paid"},
      "ResultPath": "$.charge",
      "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
      "Catch": [{"ErrorEquals": ["Card.Declined"], "ResultPath": "$.declined", "Next": "Declined"}],
      "End": true
    },
    "Declined": {"Type": "Fail", "Error": "Order.Declined", "Cause": "the card was declined"}
  }
}
"#;

const ORDER_MOCKS: &str = r#"{
  "StateMachines": {"Orders": {"TestCases": {
    "HappyPath": {"Charge": "Paid"},
    "Throttled": {"Charge": "ThrottledThenPaid"},
    "Declined": {"Charge": "Declined"}
  }}},
  "MockedResponses": {
    "Paid": {"0": {"Return": {"StatusCode": 200, "Payload": {"paid": true}}}},
    "ThrottledThenPaid": {
      "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
      "1": {"Return": {"StatusCode": 200, "Payload": {"paid": true}}}
    },
    "Declined": {"0": {"Throw": {"Error": "Card.Declined", "Cause": "no funds"}}}
  }
}
"#;

#[test]
fn run_executes_a_definition_with_mocks_and_exits_by_the_expectation() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("orders.asl.json"), ORDERS).expect("written");
    std::fs::write(dir.path().join("mocks.json"), ORDER_MOCKS).expect("written");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "orders.asl.json", "--mocks", "mocks.json"];
        args.extend_from_slice(extra);
        statehouse(&args, dir.path())
    };

    // The happy path, with its output checked as JSON.
    let (code, text) = run(&[
        "--test-case",
        "HappyPath",
        "--input",
        r#"{"order": 7}"#,
        "--expect-output",
        r#"{"charge": {"paid": true}, "order": 7}"#,
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("SUCCEEDED in "), "{text}");
    assert!(text.contains("1 state entered"), "{text}");

    // A throttled call is retried as the Retry says (the second invocation answers).
    let (code, text) = run(&["--test-case", "Orders#Throttled"]);
    assert_eq!(code, 0, "{text}");

    // The declined card ends at the Fail state: a failure unless it was expected.
    let (code, text) = run(&["--test-case", "Declined"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Order.Declined: the card was declined"), "{text}");
    assert!(text.contains("expected SUCCEEDED, but it ended FAILED"), "{text}");
    let (code, text) = run(&["--test-case", "Declined", "--expect-status", "FAILED", "--history"]);
    assert_eq!(code, 0, "{text}");
    let history: serde_json::Value =
        serde_json::from_str(&text[text.find("{\n").expect("the history")..]).expect("the history is JSON");
    let types: Vec<&str> =
        history["events"].as_array().expect("events").iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "FailStateEntered",
            "ExecutionFailed"
        ]
    );

    // A wrong output fails, saying what was expected.
    let (code, text) = run(&["--test-case", "HappyPath", "--expect-output", "{}"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("expected the output {}"), "{text}");

    // What cannot run exits 2, naming the field.
    let (code, text) = run(&[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("test case: the mocks have 3 test cases; choose one of Declined, HappyPath, Throttled"),
        "{text}"
    );
    let (code, text) = run(&["--test-case", "HappyPath", "--input", "{"]);
    assert_eq!((code, text.contains("input: not JSON")), (2, true), "{text}");

    // Without mocks the Task fails as an unbound Task does, naming it.
    let (code, text) = statehouse(&["run", "orders.asl.json"], dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("The Task state 'Charge'"), "{text}");

    // Waits really wait: the time limit ends the run.
    std::fs::write(
        dir.path().join("wait.asl.json"),
        r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}"#,
    )
    .expect("written");
    let (code, text) = statehouse(&["run", "wait.asl.json", "--time-limit", "1"], dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("RUNNING after 1 s"), "{text}");
    assert!(text.contains("or pass --skip-waits"), "{text}");

    // --skip-waits ends an hour's Wait and a ten-minute retry interval at once; the history
    // still shows the Wait and both attempts.
    std::fs::write(
        dir.path().join("patient.asl.json"),
        r#"{"StartAt":"W","States":{
            "W":{"Type":"Wait","Seconds":3600,"Next":"Charge"},
            "Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "Parameters":{"FunctionName":"charge"},"ResultSelector":{"paid.$":"$.Payload.paid"},
                "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":600}],"End":true}}}"#,
    )
    .expect("written");
    std::fs::write(
        dir.path().join("flaky.json"),
        r#"{"StateMachines":{"patient":{"TestCases":{"Flaky":{"Charge":"FlakyCharge"}}}},
            "MockedResponses":{"FlakyCharge":{
                "0":{"Throw":{"Error":"Flaky","Cause":"try again"}},
                "1":{"Return":{"StatusCode":200,"Payload":{"paid":true}}}}}}"#,
    )
    .expect("written");
    let patient = ["run", "patient.asl.json", "--mocks", "flaky.json", "--time-limit", "10", "--history"];
    let (code, text) = statehouse(&[&patient[..], &["--skip-waits"]].concat(), dir.path());
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("SUCCEEDED in "), "{text}");
    assert!(text.contains(r#""paid": true"#), "{text}");
    for event in ["WaitStateEntered", "WaitStateExited", "TaskFailed", "TaskSucceeded"] {
        assert!(text.contains(&format!(r#""type": "{event}""#)), "{event} in {text}");
    }
    assert_eq!(text.matches(r#""type": "TaskScheduled""#).count(), 2, "two attempts: {text}");
    let (code, text) = statehouse(&[&patient[..4], &["--time-limit", "1"]].concat(), dir.path());
    assert_eq!(code, 1, "without --skip-waits the hour is waited: {text}");

    // A state the test case does not name is carried out as without mocks (Step Functions
    // Local calls the service then); with nothing bound to it, it fails saying so.
    std::fs::write(dir.path().join("hybrid.json"), r#"{"StateMachines":{"patient":{"TestCases":{"Hybrid":{}}}}}"#)
        .expect("written");
    let (code, text) = statehouse(&["run", "patient.asl.json", "--mocks", "hybrid.json", "--skip-waits"], dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("'Charge' calls 'arn:aws:states:::lambda:invoke', which has no local binding, and the test case does not mock it. Add the state to the test case in the --mocks file."), "{text}");
    assert!(!dir.path().join("must-not-be-created").exists(), "run keeps no data folder");
}

#[test]
fn run_refuses_what_validate_rejects_and_exits_2_with_its_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("typo.asl.json"),
        "{\"StartAt\": \"A\", \"States\": {\n  \"A\": {\"Type\": \"Pass\", \"Nxt\": \"B\", \"End\": true}}}\n",
    )
    .expect("written");
    let (code, text) = statehouse(&["run", "typo.asl.json"], dir.path());
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("typo.asl.json:2:25: error[SCHEMA_VALIDATION_FAILED]: Field 'Nxt' is not supported"),
        "{text}"
    );
    assert!(text.contains("nothing was run"), "{text}");
    assert!(!text.contains("SUCCEEDED"), "{text}");

    // An expected failure does not make a broken transition pass.
    std::fs::write(
        dir.path().join("nope.asl.json"),
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}"#,
    )
    .expect("written");
    let (code, text) = statehouse(&["run", "nope.asl.json", "--expect-status", "FAILED"], dir.path());
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("nope.asl.json:1:59: error[MISSING_TRANSITION_TARGET]: Missing 'Next' target: Nope"),
        "{text}"
    );

    // Lint warnings do not stop it: a Task with no Catch and no timeout runs (and fails here,
    // unmocked, advising the command line's options rather than the server's settings).
    std::fs::write(dir.path().join("flow.asl.json"), VALID).expect("written");
    let (code, text) = statehouse(&["run", "flow.asl.json", "--expect-status", "FAILED"], dir.path());
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Give a MockConfigFile with --mocks FILE and choose its test case with --test-case CASE"),
        "{text}"
    );
    assert!(!text.contains("SFN_MOCK_CONFIG") && !text.contains("STATEHOUSE_LAMBDA_ENDPOINT"), "{text}");
}

#[test]
fn validate_refuses_a_definition_longer_than_aws_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = format!(
        r#"{{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "Result": "{}", "End": true}}}}}}"#,
        "x".repeat(1_505_500)
    );
    let characters = big.chars().count();
    std::fs::write(dir.path().join("big.asl.json"), &big).expect("written");
    let (code, output) = statehouse(&["validate", "big.asl.json"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains(&format!(
            "big.asl.json:1:1: error[DEFINITION_TOO_LARGE]: the definition has {characters} characters; \
             AWS refuses definitions longer than 1048576 characters"
        )),
        "{output}"
    );
    let (code, _) = statehouse(&["lint", "big.asl.json"], dir.path());
    assert_eq!(code, 1);
}

#[test]
fn cost_help_and_errors_speak_of_cost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, help) = statehouse(&["cost", "--help"], dir.path());
    assert_eq!(code, 0, "{help}");
    assert!(help.contains("Standard and Express side by side"), "{help}");
    assert!(!help.contains("file:line:col") && !help.contains("every file's findings"), "{help}");

    std::fs::write(dir.path().join("flow.asl.json"), VALID).expect("written");
    std::fs::write(dir.path().join("broken.yaml"), "states: [unclosed\n").expect("written");
    let (code, output) = statehouse(
        &["cost", "flow.asl.json", "--executions-per-month", "1", "--assumptions", "broken.yaml"],
        dir.path(),
    );
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("broken.yaml:") && output.contains("the assumptions file is not valid YAML"), "{output}");
    assert!(!output.contains("the definition"), "{output}");
}

#[test]
fn fmt_goes_on_past_an_unreadable_file_and_every_tool_reads_past_a_byte_order_mark() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compact = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
    std::fs::write(dir.path().join("ok.asl.json"), compact).expect("written");
    let (code, output) = statehouse(&["fmt", "nosuch.json", "ok.asl.json"], dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("nosuch.json:1:1: error[FILE_UNREADABLE]: cannot read the file"), "{output}");
    assert!(output.contains("ok.asl.json: formatted"), "{output}");
    let formatted = std::fs::read_to_string(dir.path().join("ok.asl.json")).expect("read");
    assert!(formatted.starts_with("{\n  \"StartAt\": \"A\","), "{formatted}");

    // A byte-order mark: validate, lint, graph, cost and run read past it; fmt drops it.
    std::fs::write(dir.path().join("bom.asl.json"), format!("\u{feff}{formatted}")).expect("written");
    for args in [
        &["validate", "bom.asl.json"][..],
        &["lint", "bom.asl.json"],
        &["graph", "bom.asl.json"],
        &["cost", "bom.asl.json", "--executions-per-month", "1", "--simulations", "10"],
        &["run", "bom.asl.json"],
    ] {
        let (code, output) = statehouse(args, dir.path());
        assert_eq!(code, 0, "{args:?}: {output}");
    }
    let (code, output) = statehouse(&["fmt", "--check", "bom.asl.json"], dir.path());
    assert_eq!(code, 1, "the canonical layout has no byte-order mark: {output}");
    let (code, output) = statehouse(&["fmt", "bom.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert_eq!(std::fs::read_to_string(dir.path().join("bom.asl.json")).expect("read"), formatted);
}

#[test]
fn graph_escapes_line_breaks_quotes_and_backslashes_in_dot() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("odd.asl.json"),
        r#"{"StartAt": "Say \"hi\"\nthen go", "States": {
            "Say \"hi\"\nthen go": {"Type": "Pass", "Next": "C:\\temp"},
            "C:\\temp": {"Type": "Succeed"}}}"#,
    )
    .expect("written");
    let (code, output) = statehouse(&["graph", "odd.asl.json"], dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(output.contains(r#"[label="Say \"hi\"\nthen go", shape=box"#), "{output}");
    assert!(output.contains(r#""/States/Say \"hi\"\nthen go" -> "/States/C:\\temp""#), "{output}");
    // Every statement is on one line: nothing is cut by a raw line break.
    for line in output.lines().skip(1) {
        let line = line.trim_end();
        assert!(line.ends_with(';') || line.ends_with('{') || line.ends_with('}'), "{line:?} in {output}");
    }
}

//! The decider driven directly: histories, retries, waits and tasks.

use asl::eval::{FixedEnvironment, context::ExecutionInfo, failure::Failure, machine::Machine};
use serde_json::{Value, json};

use super::*;

/// Runs `definition` on `input` to its end; timers fire at once and tasks get their result
/// from `task`.
fn run(
    definition: Value,
    input: Value,
    task: impl FnMut(&TaskRequest) -> Result<Value, Failure>,
) -> (Snapshot, Vec<HistoryEvent>) {
    run_from(Snapshot::default(), definition, input, task)
}

/// [`run`] from `snapshot` (to run distributed Map items as child executions, say).
fn run_from(
    snapshot: Snapshot,
    definition: Value,
    input: Value,
    task: impl FnMut(&TaskRequest) -> Result<Value, Failure>,
) -> (Snapshot, Vec<HistoryEvent>) {
    run_with_items(snapshot, definition, input, &NoItems, task)
}

/// [`run_from`] with `items` for the ItemReaders.
fn run_with_items(
    mut snapshot: Snapshot,
    definition: Value,
    input: Value,
    items: &dyn ItemSource,
    mut task: impl FnMut(&TaskRequest) -> Result<Value, Failure>,
) -> (Snapshot, Vec<HistoryEvent>) {
    let machine = Machine::from_value(&definition).expect("readable");
    let info = ExecutionInfo::new("M", "e", input, 0);
    let mut env = FixedEnvironment::new(1, 0);
    let mut events = Vec::new();
    let mut pending = vec![Signal::Start];
    while let Some(signal) = pending.pop() {
        let decision = apply(
            Context {
                machine: &machine,
                info: &info,
                execution_arn: "",
                env: &mut env,
                items,
                activities: &AnyActivity,
            },
            &mut snapshot,
            signal,
        );
        events.extend(decision.events);
        for action in decision.actions.into_iter().rev() {
            match action {
                Action::SetTimer { key, .. } => pending.insert(0, Signal::Timer { key }),
                Action::Invoke(request) => pending.push(match task(&request) {
                    Ok(output) => Signal::TaskSucceeded { key: request.key, output },
                    Err(failure) => Signal::TaskFailed { key: request.key, failure },
                }),
                Action::Cancel { .. }
                | Action::MapRunStarted { .. }
                | Action::MapRunUpdated { .. }
                | Action::MapRunRedriven { .. }
                | Action::MapRunEnded { .. } => {}
            }
        }
    }
    (snapshot, events)
}

/// One execution of a definition, driven a signal at a time.
struct Stepper {
    machine: Machine,
    info: ExecutionInfo,
    env: FixedEnvironment,
}

impl Stepper {
    fn new(definition: Value, input: Value) -> Self {
        let machine = Machine::from_value(&definition).expect("readable");
        Self { machine, info: ExecutionInfo::new("M", "e", input, 0), env: FixedEnvironment::new(1, 0) }
    }

    fn step(&mut self, snapshot: &mut Snapshot, signal: Signal) -> Decision {
        let context = Context {
            machine: &self.machine,
            info: &self.info,
            execution_arn: "",
            env: &mut self.env,
            items: &NoItems,
            activities: &AnyActivity,
        };
        apply(context, snapshot, signal)
    }
}

/// The tasks a decision asks the driver to run.
fn invoked(decision: &Decision) -> Vec<TaskRequest> {
    decision
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::Invoke(request) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

fn types(events: &[HistoryEvent]) -> Vec<(u64, u64, &str)> {
    events.iter().map(|event| (event.id, event.previous_event_id, event.event_type.as_str())).collect()
}

#[test]
fn a_pass_chain_has_aws_ids() {
    let (snapshot, events) = run(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": 2, "End": true}}}),
        json!({"x": 1}),
        |_| unreachable!(),
    );
    assert_eq!(snapshot.status, Status::Succeeded { output: json!(2) });
    assert_eq!(
        types(&events),
        vec![
            (1, 0, "ExecutionStarted"),
            (2, 0, "PassStateEntered"),
            (3, 2, "PassStateExited"),
            (4, 3, "PassStateEntered"),
            (5, 4, "PassStateExited"),
            (6, 5, "ExecutionSucceeded"),
        ]
    );
}

#[test]
fn map_iterations_chain_their_previous_ids_as_aws_does() {
    let (snapshot, events) = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
            "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}),
        json!([1, 2]),
        |_| unreachable!(),
    );
    assert_eq!(snapshot.status, Status::Succeeded { output: json!([1, 2]) });
    assert_eq!(
        types(&events),
        vec![
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapIterationStarted"),
            (5, 4, "PassStateEntered"),
            (6, 5, "PassStateExited"),
            (7, 6, "MapIterationSucceeded"),
            (8, 6, "MapIterationStarted"),
            (9, 8, "PassStateEntered"),
            (10, 9, "PassStateExited"),
            (11, 10, "MapIterationSucceeded"),
            (12, 11, "MapStateSucceeded"),
            (13, 11, "MapStateExited"),
            (14, 13, "ExecutionSucceeded"),
        ]
    );
}

#[test]
fn retries_then_catch_record_each_attempt() {
    let mut calls = 0;
    let (snapshot, events) = run(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                  "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
            "Done": {"Type": "Succeed"}}}),
        json!({}),
        |request| {
            calls += 1;
            assert_eq!(request.invocation, calls - 1);
            Err(Failure::new("Boom", "bad"))
        },
    );
    assert_eq!(calls, 2);
    assert_eq!(snapshot.status, Status::Succeeded { output: json!({"error": {"Error": "Boom", "Cause": "bad"}}) });
    let names: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(
        names,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(events[5].previous_event_id, 5, "a retry follows the failure it retries");
}

#[test]
fn a_failing_branch_fails_the_parallel_state() {
    let (snapshot, events) = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}},
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope"}}}
        ]}}}),
        json!({}),
        |request| {
            assert!(request.token.as_ref().is_some_and(|token| token.len() >= 64), "a long token");
            Ok(json!("late"))
        },
    );
    assert_eq!(snapshot.status.name(), "FAILED");
    assert!(events.iter().any(|event| event.event_type == "ParallelStateFailed"));
    assert_eq!(events.last().unwrap().event_type, "ExecutionFailed");
}

/// The events after the first `TaskFailed`, as `(id, previous, type)`, and that event's id.
fn after_task_failed(events: &[HistoryEvent]) -> (u64, Vec<(u64, u64, &str)>) {
    let failed = events.iter().position(|event| event.event_type == "TaskFailed").expect("a TaskFailed");
    (events[failed].id, types(&events[failed + 1..]))
}

#[test]
fn a_failing_branch_aborts_the_running_states_of_the_others_and_its_own_task_as_aws_records_it() {
    // AWS (test_error_output::test_parallel_catch_error, test_timeouts::..._map_timeout):
    // the enclosing state's running states end with `…StateAborted`, then the failed Task
    // gets `TaskStateAborted`, all linked to the event that failed the branch.
    let (snapshot, events) = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}
        ]}}}),
        json!({}),
        |_| Err(Failure::new("Boom", "bad")),
    );
    assert_eq!(snapshot.status.name(), "FAILED");
    let (failed, rest) = after_task_failed(&events);
    assert_eq!(
        rest,
        [
            (failed + 1, failed, "WaitStateAborted"),
            (failed + 2, failed, "TaskStateAborted"),
            (failed + 3, failed, "ParallelStateFailed"),
            (failed + 4, failed + 3, "ExecutionFailed"),
        ]
    );
}

#[test]
fn a_failing_iteration_aborts_the_running_ones_then_its_own_task_as_aws_records_it() {
    let (snapshot, events) = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}),
        json!([1, 2, 3]),
        |_| Err(Failure::new("Boom", "bad")),
    );
    assert_eq!(snapshot.status.name(), "FAILED");
    let (failed, rest) = after_task_failed(&events);
    assert_eq!(
        rest,
        [
            (failed + 1, failed, "MapIterationFailed"),
            (failed + 2, failed, "TaskStateAborted"),
            (failed + 3, failed, "MapIterationAborted"),
            (failed + 4, failed, "TaskStateAborted"),
            (failed + 5, failed, "MapIterationAborted"),
            (failed + 6, failed, "TaskStateAborted"),
            (failed + 7, failed, "MapStateFailed"),
            (failed + 8, failed + 7, "ExecutionFailed"),
        ]
    );
}

#[test]
fn waits_park_on_timers() {
    let machine =
        Machine::from_value(&json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}))
            .unwrap();
    let info = ExecutionInfo::new("M", "e", json!(1), 0);
    let mut env = FixedEnvironment::new(1, 1_000);
    let mut snapshot = Snapshot::default();
    let decision = apply(
        Context {
            machine: &machine,
            info: &info,
            execution_arn: "",
            env: &mut env,
            items: &NoItems,
            activities: &AnyActivity,
        },
        &mut snapshot,
        Signal::Start,
    );
    assert_eq!(decision.actions, vec![Action::SetTimer { key: 1, at_millis: 61_000 }]);
    assert_eq!(snapshot.status, Status::Running);
    // The snapshot survives a round trip through JSON, as a restart needs.
    let mut snapshot: Snapshot = serde_json::from_str(&serde_json::to_string(&snapshot).unwrap()).unwrap();
    let decision = apply(
        Context {
            machine: &machine,
            info: &info,
            execution_arn: "",
            env: &mut env,
            items: &NoItems,
            activities: &AnyActivity,
        },
        &mut snapshot,
        Signal::Timer { key: 1 },
    );
    assert_eq!(snapshot.status, Status::Succeeded { output: json!(1) });
    assert_eq!(
        decision.events.iter().map(|event| event.event_type.as_str()).collect::<Vec<_>>(),
        ["WaitStateExited", "ExecutionSucceeded"]
    );
}

#[test]
fn a_stop_and_the_executions_timeout_follow_no_event_as_on_aws() {
    // Recorded on AWS (LocalStack's test_sfn_api::test_stop_execution, a Wait stopped):
    // ExecutionStarted (1, 0), WaitStateEntered (2, 0), ExecutionAborted (3, 0) with empty
    // details. The execution's own timeout ends it the same way, with States.Timeout.
    let definition = json!({"StartAt": "W", "TimeoutSeconds": 5, "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let mut execution = Stepper::new(definition.clone(), json!({}));
    let mut stopped = Snapshot::default();
    let started = execution.step(&mut stopped, Signal::Start);
    let stop = execution.step(&mut stopped, Signal::Stop { failure: Failure { error: None, cause: None } });
    let events: Vec<HistoryEvent> = started.events.into_iter().chain(stop.events).collect();
    assert_eq!(
        types(&events),
        vec![(1, 0, "ExecutionStarted"), (2, 0, "WaitStateEntered"), (3, 0, "ExecutionAborted")]
    );
    assert_eq!(events[2].to_aws_json(true)["executionAbortedEventDetails"], json!({}));
    assert!(matches!(stopped.status, Status::Aborted { .. }), "{:?}", stopped.status);

    let mut execution = Stepper::new(definition, json!({}));
    let mut timed_out = Snapshot::default();
    execution.step(&mut timed_out, Signal::Start);
    let key = timed_out.timeout_key.expect("the execution's timer");
    let ended = execution.step(&mut timed_out, Signal::Timer { key });
    assert_eq!(types(&ended.events), vec![(3, 0, "ExecutionTimedOut")]);
    assert_eq!(ended.events[0].to_aws_json(true)["executionTimedOutEventDetails"], json!({"error": "States.Timeout"}));
}

#[test]
fn skipped_waits_end_waits_and_retry_intervals_at_once_but_keep_timeouts() {
    let mut execution = Stepper::new(
        json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 30,
                  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 600, "BackoffRate": 2}],
                  "End": true},
        }}),
        json!({}),
    );
    execution.env = FixedEnvironment::new(1, 1_000);
    // It survives a restart: the choice is part of the snapshot.
    let snapshot = Snapshot { skip_waits: true, ..Snapshot::default() };
    let mut snapshot: Snapshot = serde_json::from_str(&serde_json::to_string(&snapshot).unwrap()).unwrap();
    let started = execution.step(&mut snapshot, Signal::Start);
    assert_eq!(started.actions, vec![Action::SetTimer { key: 1, at_millis: 1_000 }], "the Wait ends at once");
    let waited = execution.step(&mut snapshot, Signal::Timer { key: 1 });
    let task = invoked(&waited)[0].clone();
    assert!(task.skip_waits, "child executions the task starts inherit the choice");
    // The task's own timeout keeps its 30 s.
    assert!(waited.actions.contains(&Action::SetTimer { key: 3, at_millis: 31_000 }), "{:?}", waited.actions);
    let failed =
        execution.step(&mut snapshot, Signal::TaskFailed { key: task.key, failure: Failure::new("Flaky", "") });
    let backoff = failed
        .actions
        .iter()
        .find_map(|action| match action {
            Action::SetTimer { at_millis, .. } => Some(*at_millis),
            _ => None,
        })
        .expect("a backoff timer");
    assert_eq!(backoff, 1_000, "the retry interval of 600 s is skipped");

    // Without the choice, the same Wait takes its hour.
    let mut waiting = Snapshot::default();
    let started = execution.step(&mut waiting, Signal::Start);
    assert_eq!(started.actions, vec![Action::SetTimer { key: 1, at_millis: 3_601_000 }]);
}

#[test]
fn a_timed_out_task_records_no_cause_but_its_error_output_has_an_empty_one() {
    // Recorded on AWS (test_task_service_lambda::test_invoke_timeout): `TaskTimedOut` has
    // only an error, the caught error output says `"Cause": ""`; the first state shows the
    // execution's input as it was sent.
    let machine = Machine::from_value(&json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}}))
    .unwrap();
    let mut info = ExecutionInfo::new("M", "e", json!([1, 2]), 0);
    info.input_text = Some("[1, 2]".into());
    let mut env = FixedEnvironment::new(1, 0);
    let mut snapshot = Snapshot::default();
    let context = |env: &mut FixedEnvironment, snapshot: &mut Snapshot, signal| {
        apply(
            Context {
                machine: &machine,
                info: &info,
                execution_arn: "",
                env,
                items: &NoItems,
                activities: &AnyActivity,
            },
            snapshot,
            signal,
        )
    };
    let started = context(&mut env, &mut snapshot, Signal::Start);
    assert_eq!(started.events[0].details.as_ref().unwrap().to_value()["input"], "[1, 2]");
    assert_eq!(started.events[1].details.as_ref().unwrap().to_value()["input"], "[1, 2]");
    let timer = started.actions.iter().find_map(|action| match action {
        Action::SetTimer { key, .. } => Some(*key),
        _ => None,
    });
    let decision = context(&mut env, &mut snapshot, Signal::Timer { key: timer.expect("a timeout timer") });
    assert_eq!(decision.events[0].event_type, "TaskTimedOut");
    assert_eq!(
        decision.events[0].details.as_ref().unwrap().to_value(),
        json!({"error": "States.Timeout", "resource": "invoke", "resourceType": "lambda"})
    );
    assert_eq!(snapshot.status, Status::Succeeded { output: json!({"Error": "States.Timeout", "Cause": ""}) });
}

#[test]
fn without_history_nothing_is_recorded_but_causes_still_quote_event_ids() {
    let machine = Machine::from_value(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "InputPath": "$.missing", "End": true}
    }}))
    .unwrap();
    let info = ExecutionInfo::new("M", "e", json!({}), 0);
    let mut env = FixedEnvironment::new(1, 0);
    let mut snapshot = Snapshot { record_history: false, ..Snapshot::default() };
    let decision = apply(
        Context {
            machine: &machine,
            info: &info,
            execution_arn: "",
            env: &mut env,
            items: &NoItems,
            activities: &AnyActivity,
        },
        &mut snapshot,
        Signal::Start,
    );
    assert!(decision.events.is_empty());
    let Status::Failed { failure } = &snapshot.status else { panic!("{:?}", snapshot.status) };
    assert!(
        failure.cause.as_deref().is_some_and(|cause| cause.contains("(entered at the event id #4)")),
        "{failure:?}"
    );
}

#[test]
fn a_redrive_resumes_at_the_failed_state_and_keeps_counting_events() {
    let mut execution = Stepper::new(
        json!({"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
        }}),
        json!({}),
    );
    let mut snapshot = Snapshot::default();
    let mut step = |snapshot: &mut Snapshot, signal: Signal| execution.step(snapshot, signal);
    let started = step(&mut snapshot, Signal::Start);
    let Some(Action::Invoke(first)) = started.actions.first().cloned() else { panic!("{:?}", started.actions) };
    let failed = step(&mut snapshot, Signal::TaskFailed { key: first.key, failure: Failure::new("Boom", "down") });
    assert_eq!(snapshot.status.name(), "FAILED");
    let last_id = failed.events.last().unwrap().id;

    let redriven = step(&mut snapshot, Signal::Redrive { redrive_count: 1 });
    assert_eq!(snapshot.status, Status::Running);
    let names: Vec<&str> = redriven.events.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(names, ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted"]);
    assert_eq!((redriven.events[0].id, redriven.events[0].previous_event_id), (last_id + 1, last_id));
    assert_eq!(redriven.events[1].previous_event_id, last_id + 1);
    assert_eq!(
        redriven.events[1].details.as_ref().unwrap().to_value()["input"],
        "{\"n\":1}",
        "the failed state's own input"
    );
    let Some(Action::Invoke(second)) = redriven.actions.first().cloned() else { panic!("{:?}", redriven.actions) };
    assert_eq!(second.invocation, 1);
    step(&mut snapshot, Signal::TaskSucceeded { key: second.key, output: json!("ok") });
    assert_eq!(snapshot.status, Status::Succeeded { output: json!("ok") });
    // A succeeded execution cannot be redriven.
    assert!(step(&mut snapshot, Signal::Redrive { redrive_count: 2 }).events.is_empty());
}

#[test]
fn a_redriven_parallel_state_runs_again_only_the_branches_that_did_not_succeed() {
    let mut execution = Stepper::new(
        json!({"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
                {"StartAt": "Pack", "States": {
                    "Pack": {"Type": "Pass", "Result": {"box": 7}, "Assign": {"packed": true}, "Next": "Ship"},
                    "Ship": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"box.$": "$.box", "packed.$": "$packed"}, "End": true}
                }}
            ]}
        }}),
        json!({}),
    );
    let mut snapshot = Snapshot::default();
    let mut step = |snapshot: &mut Snapshot, signal: Signal| execution.step(snapshot, signal);
    let started = invoked(&step(&mut snapshot, Signal::Start));
    assert_eq!(started.len(), 2, "{started:?}");
    // Charge succeeds, then Ship fails: the Parallel state fails the execution.
    step(&mut snapshot, Signal::TaskSucceeded { key: started[0].key, output: json!("charged") });
    step(&mut snapshot, Signal::TaskFailed { key: started[1].key, failure: Failure::new("Ship.Down", "no truck") });
    assert_eq!(snapshot.status.name(), "FAILED");

    // Redriven, only the second branch runs again, from Ship, the state that failed, with its
    // input and the variable Pack assigned; Charge's output is kept.
    let redriven = step(&mut snapshot, Signal::Redrive { redrive_count: 1 });
    let again = invoked(&redriven);
    assert_eq!(again.iter().map(|request| request.state_name.as_str()).collect::<Vec<_>>(), ["Ship"]);
    let scheduled = redriven.events.iter().filter(|event| event.event_type == "TaskScheduled").count();
    assert_eq!(scheduled, 1);
    assert!(!redriven.events.iter().any(|event| event.event_type == "PassStateEntered"), "Pack does not run again");
    assert_eq!(again[0].arguments, json!({"box": 7, "packed": true}));
    let key = again[0].key;
    step(&mut snapshot, Signal::TaskSucceeded { key, output: json!("shipped") });
    assert_eq!(snapshot.status, Status::Succeeded { output: json!(["charged", "shipped"]) });
}

#[test]
fn a_redriven_inline_map_runs_again_only_the_iterations_that_did_not_succeed() {
    let mut execution = Stepper::new(
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true, "ItemProcessor": {
                "StartAt": "Prep",
                "States": {
                    "Prep": {"Type": "Pass", "Parameters": {"item.$": "$"}, "Next": "Charge"},
                    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
                }
            }}
        }}),
        json!({"items": ["a", "b", "c"]}),
    );
    let mut snapshot = Snapshot::default();
    let mut step = |snapshot: &mut Snapshot, signal: Signal| execution.step(snapshot, signal);
    let started = invoked(&step(&mut snapshot, Signal::Start));
    assert_eq!(started.len(), 3);
    // a succeeds, b fails; c, still charging, is aborted.
    step(&mut snapshot, Signal::TaskSucceeded { key: started[0].key, output: json!("A") });
    step(&mut snapshot, Signal::TaskFailed { key: started[1].key, failure: Failure::new("Card.Declined", "b") });
    assert_eq!(snapshot.status.name(), "FAILED");

    // Redriven, b and c resume at Charge (Prep does not run again); a keeps its output.
    let redriven = step(&mut snapshot, Signal::Redrive { redrive_count: 1 });
    let again = invoked(&redriven);
    let arguments: Vec<&Value> = again.iter().map(|request| &request.arguments).collect();
    assert_eq!(arguments, [&json!({"item": "b"}), &json!({"item": "c"})]);
    let iterations = redriven.events.iter().filter(|event| event.event_type == "MapIterationStarted").count();
    assert_eq!(iterations, 2);
    assert!(!redriven.events.iter().any(|event| event.event_type == "PassStateEntered"));
    step(&mut snapshot, Signal::TaskSucceeded { key: again[0].key, output: json!("B") });
    step(&mut snapshot, Signal::TaskSucceeded { key: again[1].key, output: json!("C") });
    assert_eq!(snapshot.status, Status::Succeeded { output: json!(["A", "B", "C"]) });
}

#[test]
fn a_redriven_map_run_asks_again_only_for_the_children_that_did_not_succeed() {
    let mut execution = Stepper::new(
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}
            }}
        }}),
        json!({"items": ["a", "b", "c"]}),
    );
    let mut snapshot = Snapshot { map_children: true, ..Snapshot::default() };
    let mut step = |snapshot: &mut Snapshot, signal: Signal| execution.step(snapshot, signal);
    // The child tasks asked for: (key, item index, the run's redrive count).
    let children = |decision: &Decision| -> Vec<(u64, u64, u64)> {
        let count = |request: &TaskRequest, field: &str| request.arguments[field].as_u64().unwrap_or(99);
        invoked(decision)
            .iter()
            .map(|request| (request.key, count(request, "Index"), count(request, "RedriveCount")))
            .collect()
    };
    let started = children(&step(&mut snapshot, Signal::Start));
    assert_eq!(started.iter().map(|child| child.1).collect::<Vec<_>>(), [0, 1, 2]);
    step(&mut snapshot, Signal::TaskSucceeded { key: started[0].0, output: json!("A") });
    step(&mut snapshot, Signal::TaskSucceeded { key: started[2].0, output: json!("C") });
    step(&mut snapshot, Signal::TaskFailed { key: started[1].0, failure: Failure::new("Bad", "b") });
    assert_eq!(snapshot.status.name(), "FAILED");

    let redriven = step(&mut snapshot, Signal::Redrive { redrive_count: 1 });
    let names: Vec<&str> = redriven.events.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(names, ["ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapRunRedriven"]);
    let again = children(&redriven);
    assert_eq!(again.iter().map(|child| (child.1, child.2)).collect::<Vec<_>>(), [(1, 1)], "only b, redriven once");
    step(&mut snapshot, Signal::TaskSucceeded { key: again[0].0, output: json!("B") });
    assert_eq!(snapshot.status, Status::Succeeded { output: json!(["A", "B", "C"]) });
}

#[test]
fn a_caught_parallel_failure_leaves_nothing_for_a_redrive() {
    let (snapshot, _) = run(
        json!({"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "Next": "Fail", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail"}], "Branches": [
                {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": true}}},
                {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "Bad"}}}
            ]},
            "Fail": {"Type": "Fail", "Error": "Later"}
        }}),
        json!({}),
        |_| unreachable!(),
    );
    assert_eq!(snapshot.status.name(), "FAILED");
    assert_eq!(snapshot.redrive_from.as_ref().map(|(state, _)| state.as_str()), Some("Fail"));
    assert_eq!(snapshot.redrive_outputs, None);
}

#[test]
fn an_item_batcher_groups_items_with_the_batch_input() {
    let (snapshot, _) = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
            "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"order.$": "$.order"}},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Count", "States": {"Count": {"Type": "Pass",
                    "Parameters": {"n.$": "States.ArrayLength($.Items)", "order.$": "$.BatchInput.order"}, "End": true}}},
            "End": true}}}),
        json!({"order": 7, "items": [1, 2, 3, 4, 5]}),
        |_| unreachable!(),
    );
    assert_eq!(
        snapshot.status,
        Status::Succeeded { output: json!([{"n": 2, "order": 7}, {"n": 2, "order": 7}, {"n": 1, "order": 7}]) }
    );
}

#[test]
fn a_result_writer_is_a_task_after_the_items_and_its_answer_is_the_map_result() {
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "b", "Prefix.$": "$.prefix"},
            "WriterConfig": {"Transformation": "COMPACT"}},
        "ResultPath": "$.written",
        "End": true}}});
    let input = json!({"prefix": "p", "items": [1, 2]});
    let mut seen = Vec::new();
    let details = json!({"MapRunArn": "run", "ResultWriterDetails": {"Bucket": "b", "Key": "p/run/manifest.json"}});
    let snapshot = Snapshot { map_children: true, ..Snapshot::default() };
    let (snapshot, events) = run_from(snapshot, definition.clone(), input.clone(), |request| {
        seen.push(request.resource.arn.clone());
        if request.resource.arn == WRITE_RESULTS_RESOURCE {
            let arguments = &request.arguments;
            assert_eq!((&arguments["Bucket"], &arguments["Prefix"]), (&json!("b"), &json!("p")));
            assert_eq!(arguments["WriterConfig"], json!({"Transformation": "COMPACT"}));
            assert!(arguments["MapRunArn"].as_str().is_some_and(|arn| arn.contains(":mapRun:M/M:")), "{arguments}");
            return Ok(details.clone());
        }
        Ok(request.arguments["Item"].clone())
    });
    assert_eq!(seen, [MAP_ITEM_RESOURCE, MAP_ITEM_RESOURCE, WRITE_RESULTS_RESOURCE]);
    assert_eq!(
        snapshot.status,
        Status::Succeeded { output: json!({"prefix": "p", "items": [1, 2], "written": details}) }
    );
    assert!(types(&events).iter().any(|(_, _, kind)| *kind == "MapRunSucceeded"));

    // A writer that fails fails the Map Run and the state.
    let snapshot = Snapshot { map_children: true, ..Snapshot::default() };
    let (snapshot, _) = run_from(snapshot, definition.clone(), input.clone(), |request| {
        if request.resource.arn == WRITE_RESULTS_RESOURCE {
            return Err(Failure::new("States.ResultWriterFailed", "no room"));
        }
        Ok(request.arguments["Item"].clone())
    });
    let Status::Failed { failure } = snapshot.status else { panic!("{:?}", snapshot.status) };
    assert_eq!(failure.error.as_deref(), Some("States.ResultWriterFailed"));

    // The conformance replay keeps items inside the execution and writes nothing.
    let (snapshot, _) = run(definition, input, |_| unreachable!());
    assert_eq!(
        snapshot.status,
        Status::Succeeded { output: json!({"prefix": "p", "items": [1, 2], "written": [1, 2]}) }
    );
}

/// A Pass state whose result is a string of `length` characters (`length + 2` bytes as JSON).
fn sized_result(length: usize) -> Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": "x".repeat(length), "Next": "B"},
        "B": {"Type": "Pass", "End": true}
    }})
}

fn failure_error(status: &Status) -> Option<&str> {
    match status {
        Status::Failed { failure } => failure.error.as_deref(),
        _ => None,
    }
}

#[test]
fn an_output_of_exactly_256_kib_passes_and_one_byte_more_fails_with_or_without_history() {
    for record_history in [true, false] {
        let quiet = Snapshot { record_history, ..Snapshot::default() };
        let limit = PAYLOAD_LIMIT_BYTES;
        let (fits, _) = run_from(quiet.clone(), sized_result(limit - 2), json!({}), |_| unreachable!());
        assert!(matches!(fits.status, Status::Succeeded { .. }), "history {record_history}: {:?}", fits.status);
        let (over, events) = run_from(quiet, sized_result(limit - 1), json!({}), |_| unreachable!());
        assert_eq!(failure_error(&over.status), Some("States.DataLimitExceeded"), "history {record_history}");
        if record_history {
            // Failed on A's output: A was entered, never exited, and B never entered.
            let kinds: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
            assert_eq!(kinds, ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]);
        }
    }
}

#[test]
fn an_input_over_256_kib_fails_the_first_state_it_enters_with_or_without_history() {
    for record_history in [true, false] {
        let quiet = Snapshot { record_history, ..Snapshot::default() };
        let input = json!({"big": "y".repeat(PAYLOAD_LIMIT_BYTES)});
        let (snapshot, events) = run_from(
            quiet,
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
            input,
            |_| unreachable!(),
        );
        assert_eq!(failure_error(&snapshot.status), Some("States.DataLimitExceeded"), "history {record_history}");
        if record_history {
            let kinds: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
            assert_eq!(kinds, ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]);
        }
    }
}

#[test]
fn a_parallel_branch_input_over_256_kib_fails_even_though_the_state_before_fit() {
    // The Parallel state's own input fits; its Parameters build a bigger branch input.
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
        "Parameters": {"a.$": "$.half", "b.$": "$.half"},
        "Branches": [{"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}], "End": true}}});
    let input = json!({"half": "z".repeat(PAYLOAD_LIMIT_BYTES / 2 + 10)});
    let (snapshot, _) = run(definition, input, |_| unreachable!());
    assert_eq!(failure_error(&snapshot.status), Some("States.DataLimitExceeded"));
}

/// Items for a reader: the same list whatever it names.
struct FixedItems(Vec<Value>);

impl ItemSource for FixedItems {
    fn read_items(&self, reader: &ItemRead) -> Result<Vec<Value>, Failure> {
        let mut items = self.0.clone();
        if let Some(limit) = reader.max_items.filter(|limit| *limit > 0) {
            items.truncate(limit as usize);
        }
        Ok(items)
    }
}

fn reader_map(max_items: Value) -> Value {
    json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": max_items},
            "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}})
}

#[test]
fn a_map_run_reads_its_items_so_the_map_state_starts_with_length_0() {
    let items = FixedItems(vec![json!(1), json!(2), json!(3)]);
    let (snapshot, events) =
        run_with_items(Snapshot::default(), reader_map(json!(2)), json!({}), &items, |_| unreachable!());
    assert_eq!(snapshot.status, Status::Succeeded { output: json!([1, 2]) });
    let started = events.iter().find(|event| event.event_type == "MapStateStarted").expect("MapStateStarted");
    assert_eq!(started.to_aws_json(true)["mapStateStartedEventDetails"], json!({"length": 0}));
}

#[test]
fn an_item_reader_failure_fails_the_map_run_first() {
    let items = FixedItems(vec![json!(1)]);
    let (snapshot, events) =
        run_with_items(Snapshot::default(), reader_map(json!(-1)), json!({}), &items, |_| unreachable!());
    assert_eq!(failure_error(&snapshot.status), Some("States.ItemReaderFailed"));
    assert_eq!(
        types(&events),
        [
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapRunStarted"),
            (5, 4, "MapRunFailed"),
            (6, 5, "MapStateFailed"),
            (7, 6, "ExecutionFailed"),
        ]
    );
    let run_failed = events[4].to_aws_json(true);
    assert_eq!(
        run_failed["mapRunFailedEventDetails"],
        json!({"error": "States.ItemReaderFailed", "cause": "field MaxItems must be positive"})
    );
}

/// No activity exists.
struct NoActivities;

impl Activities for NoActivities {
    fn exists(&self, _arn: &str) -> bool {
        false
    }
}

#[test]
fn a_task_naming_an_activity_that_does_not_exist_fails_the_execution_unscheduled() {
    let definition = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:gone", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]}, "Caught": {"Type": "Succeed"}}});
    let machine = Machine::from_value(&definition).expect("readable");
    let info = ExecutionInfo::new("M", "e", json!({}), 0);
    let mut env = FixedEnvironment::new(1, 0);
    let mut snapshot = Snapshot::default();
    let decision = apply(
        Context {
            machine: &machine,
            info: &info,
            execution_arn: "",
            env: &mut env,
            items: &NoItems,
            activities: &NoActivities,
        },
        &mut snapshot,
        Signal::Start,
    );
    assert_eq!(
        types(&decision.events),
        [(1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"), (3, 2, "ExecutionFailed")]
    );
    assert!(decision.actions.is_empty(), "nothing is scheduled: {:?}", decision.actions);
    let Status::Failed { failure } = &snapshot.status else { panic!("{:?}", snapshot.status) };
    assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
    assert_eq!(
        failure.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'Work' (entered at the event id #2). The activity arn:aws:states:us-east-1:123456789012:activity:gone does not exist."
        )
    );
}

#[test]
fn an_activity_whose_heartbeat_stops_times_out_as_activity_timed_out() {
    // AWS records `ActivityTimedOut` (error States.HeartbeatTimeout) for an activity whose
    // worker stopped sending heartbeats, as it records `TaskTimedOut` for a service task.
    let mut execution = Stepper::new(
        json!({"StartAt": "Work", "States": {"Work": {
            "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work",
            "TimeoutSeconds": 60, "HeartbeatSeconds": 5, "End": true}}}),
        json!({}),
    );
    let mut snapshot = Snapshot::default();
    let started = execution.step(&mut snapshot, Signal::Start);
    let task = invoked(&started).pop().expect("the activity is scheduled");
    let worker = execution.step(&mut snapshot, Signal::TaskStarted { key: task.key, worker_name: None });
    // The heartbeat timer is the one due 5 s after the start.
    let heartbeat = started
        .actions
        .iter()
        .chain(&worker.actions)
        .rev()
        .find_map(|action| match action {
            Action::SetTimer { key, at_millis } if *at_millis == 5_000 => Some(*key),
            _ => None,
        })
        .expect("a heartbeat timer");
    let timed_out = execution.step(&mut snapshot, Signal::Timer { key: heartbeat });
    assert_eq!(timed_out.events[0].event_type, "ActivityTimedOut", "{:?}", types(&timed_out.events));
    assert_eq!(
        timed_out.events[0].details.as_ref().expect("details").to_value(),
        json!({"error": "States.HeartbeatTimeout"})
    );
    let Status::Failed { failure } = &snapshot.status else { panic!("{:?}", snapshot.status) };
    assert_eq!(failure.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[test]
fn task_tokens_carry_their_execution_and_nothing_else_reads_as_one() {
    let arn = "arn:aws:states:us-east-1:123456789012:execution:orders:run-1";
    let mut env = FixedEnvironment::new(7, 0);
    let token = new_token(arn, &mut env);
    assert_ne!(token, new_token(arn, &mut env), "each token is new");
    assert!(token.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'), "{token}");
    assert_eq!(token_execution(&token).as_deref(), Some(arn));
    for other in ["no-such-token", "", "YWJj", &token[1..], &format!("{token}x")] {
        assert_eq!(token_execution(other), None, "{other}");
    }
}

#[test]
fn an_activity_answered_before_a_worker_took_it_is_started_by_the_answer_but_one_timing_out_never_was() {
    // An activity's token can be answered from the execution page before any worker called
    // GetActivityTask; AWS's histories only know activities a worker started, so the answer
    // records `ActivityStarted` first. A timeout before any worker leaves it never started.
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work",
                 "TimeoutSeconds": 60, "End": true}}});
    let activity_types = |events: &[HistoryEvent]| -> Vec<String> {
        events.iter().map(|event| event.event_type.as_str().to_string()).filter(|t| t.starts_with("Activity")).collect()
    };
    for (answer, expected) in [
        (Some(true), vec!["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]),
        (Some(false), vec!["ActivityScheduled", "ActivityStarted", "ActivityFailed"]),
        (None, vec!["ActivityScheduled", "ActivityTimedOut"]),
    ] {
        let mut stepper = Stepper::new(definition.clone(), json!({}));
        let mut snapshot = Snapshot::default();
        let started = stepper.step(&mut snapshot, Signal::Start);
        let mut events = started.events.clone();
        let key = invoked(&started)[0].key;
        let signal = match answer {
            Some(true) => Signal::TaskSucceeded { key, output: json!({"done": true}) },
            Some(false) => Signal::TaskFailed { key, failure: Failure::new("Refused", "by hand") },
            None => {
                let timer = started.actions.iter().find_map(|action| match action {
                    Action::SetTimer { key, .. } => Some(*key),
                    _ => None,
                });
                Signal::Timer { key: timer.expect("a timeout timer") }
            }
        };
        events.extend(stepper.step(&mut snapshot, signal).events);
        assert_eq!(activity_types(&events), expected, "answer {answer:?}");
        assert!(snapshot.status.is_final(), "answer {answer:?}: {:?}", snapshot.status);
    }
}

//! Tests of the JSONPath → JSONata rewrite: the expressions it writes, and states run through
//! `test_state` before and after it, which must behave alike.

use super::*;
use crate::json;
use serde_json::json;

#[test]
fn paths_become_expressions_over_the_input_result_or_context() {
    assert_eq!(path_expression("$", INPUT).as_deref(), Some("$states.input"));
    assert_eq!(path_expression("$.order.id", INPUT).as_deref(), Some("$states.input.order.id"));
    assert_eq!(path_expression("$.items[2].sku", INPUT).as_deref(), Some("$states.input.items[2].sku"));
    assert_eq!(path_expression("$['my key']", INPUT).as_deref(), Some("$states.input.`my key`"));
    assert_eq!(path_expression("$.Payload", "$states.result").as_deref(), Some("$states.result.Payload"));
    assert_eq!(path_expression("$$.Task.Token", INPUT).as_deref(), Some("$states.context.Task.Token"));
    assert_eq!(path_expression("$.items[*]", INPUT), None);
    assert_eq!(path_expression("$..id", INPUT), None);
    assert_eq!(path_expression("States.Format('x')", INPUT), None);
}

#[test]
fn a_lambda_task_gets_arguments_and_output() {
    let state = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "OutputPath": "$.Payload",
        "Parameters": {"Payload.$": "$", "FunctionName": "f", "Nested": {"token.$": "$$.Task.Token"}},
        "End": true
    });
    assert_eq!(
        state_in_jsonata(&state),
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Output": "{% $states.result.Payload %}",
            "Arguments": {
                "Payload": "{% $states.input %}",
                "FunctionName": "f",
                "Nested": {"token": "{% $states.context.Task.Token %}"}
            },
            "End": true
        })
    );
}

#[test]
fn result_paths_become_outputs_that_merge_the_result_into_the_input() {
    let task = |result_path: Value| {
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "ResultPath": result_path,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "F"}],
            "End": true
        })
    };
    let rewritten = state_in_jsonata(&task(json!("$.lookup")));
    assert_eq!(rewritten["Output"], json!("{% $merge([$states.input, {\"lookup\": $states.result}]) %}"));
    assert!(rewritten.get("ResultPath").is_none());
    assert_eq!(
        rewritten["Catch"],
        json!([{"ErrorEquals": ["States.ALL"], "Output": "{% $merge([$states.input, {\"error\": $states.errorOutput}]) %}", "Next": "F"}])
    );
    // The fields stay in place: Output where ResultPath was.
    let keys: Vec<&String> = rewritten.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Type", "Resource", "Output", "Catch", "End"]);
    assert_eq!(
        state_in_jsonata(&task(json!("$.a['b c']")))["Output"],
        json!("{% $merge([$states.input, {\"a\": $merge([$states.input.a, {\"b c\": $states.result}])}]) %}")
    );
    assert_eq!(state_in_jsonata(&task(Value::Null))["Output"], json!("{% $states.input %}"));
    let whole = state_in_jsonata(&task(json!("$")));
    assert!(whole.get("Output").is_none() && whole.get("ResultPath").is_none());
    // No sure rewrite: an array index, or a ResultSelector or OutputPath shaping the output.
    assert_eq!(state_in_jsonata(&task(json!("$.list[0]")))["ResultPath"], json!("$.list[0]"));
    let mut selected = task(json!("$.x"));
    selected["ResultSelector"] = json!({"v.$": "$.Payload"});
    assert_eq!(state_in_jsonata(&selected)["ResultPath"], json!("$.x"));
    // An InputPath is folded into the paths that read the input.
    let filtered = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id"},
        "End": true
    });
    assert_eq!(
        state_in_jsonata(&filtered),
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"id": "{% $states.input.order.id %}"}, "End": true})
    );
    let mut whole = filtered.clone();
    whole["InputPath"] = json!("$");
    assert_eq!(
        state_in_jsonata(&whole),
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"id": "{% $states.input.id %}"}, "End": true})
    );
    // A Pass state's ResultPath is left to the validator (its result is not $states.result).
    let pass = json!({"Type": "Pass", "ResultPath": "$.x", "End": true});
    assert_eq!(state_in_jsonata(&pass)["ResultPath"], json!("$.x"));
}

#[test]
fn rewritten_result_paths_output_what_the_jsonpath_ones_did() {
    use crate::eval::{
        FixedEnvironment,
        test_state::{Mock, TestStateRequest, test_state},
    };
    let input = json!({"a": {"keep": 1}, "n": 2});
    let run = |state: &Value, mock: Mock| {
        let mut request = TestStateRequest::new(state.clone(), input.clone());
        request.mock = Some(mock);
        let output = test_state(&request, &mut FixedEnvironment::new(1, 0)).expect("test_state");
        (output.output, output.error, output.next_state)
    };
    let task = |result_path: Value| {
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "ResultPath": result_path.clone(),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": "F"}],
            "End": true
        })
    };
    for path in [json!("$.r"), json!("$.a.r"), json!("$.new.r"), json!("$['odd key']"), Value::Null, json!("$")] {
        let jsonpath = task(path.clone());
        let jsonata = {
            let mut state = state_in_jsonata(&jsonpath);
            state["QueryLanguage"] = json!("JSONata");
            state
        };
        assert!(jsonata.get("ResultPath").is_none(), "{path}: {jsonata}");
        let succeeded = Mock::Result(json!({"ok": true}));
        assert_eq!(run(&jsonata, succeeded.clone()), run(&jsonpath, succeeded), "{path}: a result");
        let failed = Mock::Error { error: "Boom".into(), cause: "it broke".into() };
        assert_eq!(run(&jsonata, failed.clone()), run(&jsonpath, failed), "{path}: a caught error");
    }
}

#[test]
fn an_input_path_is_folded_into_what_reads_the_input() {
    let task =
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.order", "End": true});
    // What the task was given (its effective input) becomes its Arguments, in the InputPath's place.
    assert_eq!(
        state_in_jsonata(&task),
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": "{% $states.input.order %}", "End": true})
    );
    let wait = json!({"Type": "Wait", "InputPath": "$['the order']", "SecondsPath": "$.delay", "Next": "X"});
    assert_eq!(
        state_in_jsonata(&wait),
        json!({"Type": "Wait", "Output": "{% $states.input.`the order` %}", "Seconds": "{% $states.input.`the order`.delay %}", "Next": "X"})
    );
    let map = json!({"Type": "Map", "InputPath": "$.order", "ItemsPath": "$.lines", "Parameters": {"line.$": "$$.Map.Item.Value", "id.$": "$.id"}, "End": true});
    assert_eq!(
        state_in_jsonata(&map),
        json!({"Type": "Map", "Items": "{% $states.input.order.lines %}", "ItemSelector": {"line": "{% $states.context.Map.Item.Value %}", "id": "{% $states.input.order.id %}"}, "End": true})
    );
    let whole_map = json!({"Type": "Map", "InputPath": "$.order.lines", "End": true});
    assert_eq!(
        state_in_jsonata(&whole_map),
        json!({"Type": "Map", "Items": "{% $states.input.order.lines %}", "End": true})
    );
    // Something that reads the input and has no rewrite keeps the InputPath, and everything
    // else that reads the input stays as it was.
    let wildcard =
        json!({"Type": "Pass", "InputPath": "$.order", "Parameters": {"ids.$": "$.items[*].id"}, "End": true});
    assert_eq!(state_in_jsonata(&wildcard), wildcard);
    let rules = json!({"Type": "Choice", "InputPath": "$.order", "Default": "D", "Choices": [
        {"Variable": "$.n", "NumericEquals": 1, "Next": "A"},
        {"Variable": "$.s", "StringMatches": "a*", "Next": "B"}
    ]});
    assert_eq!(state_in_jsonata(&rules), rules);
    // An InputPath of null (an empty input) or a filter is not folded.
    for path in [Value::Null, json!("$.items[?(@.n > 1)]")] {
        let pass = json!({"Type": "Pass", "InputPath": path, "End": true});
        assert_eq!(state_in_jsonata(&pass), pass);
    }
}

#[test]
fn states_with_a_folded_input_path_behave_as_they_did() {
    use crate::eval::{
        FixedEnvironment,
        state::Inspection,
        test_state::{InspectionLevel, Mock, TestStateRequest, test_state},
    };
    let input = json!({
        "order": {"id": "o-1", "items": [1, 2], "delay": 1, "status": "ok", "when": "2026-01-02T03:04:05Z"},
        "other": 5
    });
    // What the state did, and what a task was given (JSONPath's Parameters, JSONata's
    // Arguments). TestState runs a Map only with a mocked result, so a Map's items are checked
    // by `an_input_path_is_folded_into_what_reads_the_input`, not here.
    let run = |state: &Value, mock: Option<Mock>| {
        let mut request = TestStateRequest::new(state.clone(), input.clone());
        request.mock = mock;
        request.inspection_level = InspectionLevel::Debug;
        let output = test_state(&request, &mut FixedEnvironment::new(1, 0)).expect("test_state");
        let inspection = output.inspection_data.unwrap_or_default();
        let Inspection { after_parameters, after_arguments, .. } = inspection;
        let given = if state["Type"] == "Task" { after_arguments.or(after_parameters) } else { None };
        (output.output, output.error, output.cause, output.next_state, given)
    };
    let lambda = |fields: Value| {
        let mut state =
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.order", "End": true});
        state.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        state
    };
    let result = Some(Mock::Result(json!({"Payload": {"done": true}})));
    let cases: Vec<(Value, Option<Mock>)> = vec![
        (lambda(json!({})), result.clone()),
        (lambda(json!({"Parameters": {"FunctionName": "f", "Payload.$": "$", "Id.$": "$.id"}})), result.clone()),
        (lambda(json!({"Parameters": {"Payload.$": "$.items"}, "ResultPath": "$.lookup"})), result.clone()),
        (lambda(json!({"OutputPath": "$.Payload"})), result.clone()),
        (json!({"Type": "Pass", "InputPath": "$.order", "End": true}), None),
        (json!({"Type": "Pass", "InputPath": "$.order", "Parameters": {"x.$": "$.id", "y": 1}, "End": true}), None),
        (json!({"Type": "Pass", "InputPath": "$.order", "OutputPath": "$.items", "End": true}), None),
        (json!({"Type": "Pass", "InputPath": "$.order", "Result": {"fixed": true}, "End": true}), None),
        (json!({"Type": "Wait", "InputPath": "$.order", "SecondsPath": "$.delay", "Next": "X"}), None),
        (
            json!({"Type": "Wait", "InputPath": "$.order", "TimestampPath": "$.when", "OutputPath": "$", "Next": "X"}),
            None,
        ),
        (json!({"Type": "Succeed", "InputPath": "$.order"}), None),
        (json!({"Type": "Succeed", "InputPath": "$.order", "OutputPath": "$.id"}), None),
        (
            json!({"Type": "Choice", "InputPath": "$.order", "Default": "D", "Choices": [
                {"Variable": "$.status", "StringEquals": "bad", "Next": "Bad"},
                {"And": [{"Variable": "$.delay", "NumericEquals": 1}, {"Variable": "$.id", "StringEquals": "o-1"}], "Next": "Ok"}
            ]}),
            None,
        ),
        (
            json!({"Type": "Choice", "InputPath": "$.order", "OutputPath": "$.id", "Default": "D", "Choices": [
                {"Variable": "$.status", "StringEquals": "ok", "Next": "Ok"}
            ]}),
            None,
        ),
        (
            json!({"Type": "Choice", "InputPath": "$.order", "OutputPath": "$.id", "Default": "D", "Choices": [
                {"Variable": "$.status", "StringEquals": "bad", "Next": "Bad"}
            ]}),
            None,
        ),
        // No InputPath: an OutputPath holds whichever rule matched.
        (
            json!({"Type": "Choice", "OutputPath": "$.other", "Default": "D", "Choices": [
                {"Variable": "$.order.status", "StringEquals": "ok", "Next": "Ok"}
            ]}),
            None,
        ),
        (
            json!({"Type": "Map", "InputPath": "$.order", "ItemsPath": "$.items", "End": true,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
            Some(Mock::Result(json!([1, 2]))),
        ),
        (
            json!({"Type": "Map", "InputPath": "$.order.items", "End": true,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
            Some(Mock::Result(json!([1, 2]))),
        ),
    ];
    for (state, mock) in cases {
        let rewritten = {
            let mut rewritten = state_in_jsonata(&state);
            rewritten["QueryLanguage"] = json!("JSONata");
            rewritten
        };
        assert!(rewritten.get("InputPath").is_none(), "{state}\nrewritten: {rewritten}");
        assert_eq!(run(&rewritten, mock.clone()), run(&state, mock), "{state}\nrewritten: {rewritten}");
    }
}

#[test]
fn assignments_read_what_they_read_in_jsonpath() {
    use crate::eval::{
        FixedEnvironment,
        state::Inspection,
        test_state::{InspectionLevel, Mock, TestStateRequest, test_state},
    };
    let input = json!({"order": {"id": "o-1", "n": 12}, "n": 3});
    // The variables assigned, the output and the next state.
    let run = |state: &Value, mock: Option<Mock>| {
        let mut request = TestStateRequest::new(state.clone(), input.clone());
        request.mock = mock;
        request.inspection_level = InspectionLevel::Debug;
        let output = test_state(&request, &mut FixedEnvironment::new(1, 0)).expect("test_state");
        let Inspection { variables, .. } = output.inspection_data.unwrap_or_default();
        (variables, output.output, output.error, output.next_state)
    };
    let result = Some(Mock::Result(json!({"Payload": {"total": 40}})));
    let failure = Some(Mock::Error { error: "Boom".into(), cause: "it broke".into() });
    let task = |fields: Value| {
        let mut state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        state.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        state
    };
    let catching = json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"why.$": "$.Cause", "kind.$": "$.Error"}, "Next": "F"}]});
    let cases: Vec<(Value, Option<Mock>)> = vec![
        (
            task(json!({"Assign": {"total.$": "$.Payload.total", "fixed": 1, "run.$": "$$.Execution.Name"}})),
            result.clone(),
        ),
        (task(json!({"ResultPath": "$.r", "Assign": {"total.$": "$.Payload.total"}})), result.clone()),
        (task(catching), failure),
        (json!({"Type": "Pass", "InputPath": "$.order", "Assign": {"id.$": "$.id"}, "End": true}), None),
        (json!({"Type": "Wait", "Seconds": 1, "Assign": {"n.$": "$.n", "all.$": "$"}, "Next": "X"}), None),
        (
            json!({"Type": "Choice", "InputPath": "$.order", "Default": "D", "Assign": {"default.$": "$.id"}, "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 10, "Assign": {"big.$": "$.n"}, "Next": "Big"}
            ]}),
            None,
        ),
        (
            json!({"Type": "Choice", "Default": "D", "Assign": {"default.$": "$.n"}, "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 10, "Assign": {"big.$": "$.n"}, "Next": "Big"}
            ]}),
            None,
        ),
    ];
    for (state, mock) in cases {
        let rewritten = {
            let mut rewritten = state_in_jsonata(&state);
            rewritten["QueryLanguage"] = json!("JSONata");
            rewritten
        };
        let text = rewritten.to_string();
        assert!(!text.contains(".$") && !text.contains("InputPath"), "{state}\nrewritten: {rewritten}");
        let (variables, ..) = run(&state, mock.clone());
        assert!(variables.is_some(), "{state}: assigns nothing");
        assert_eq!(run(&rewritten, mock.clone()), run(&state, mock), "{state}\nrewritten: {rewritten}");
    }
    // A ResultSelector (which JSONata lacks) picks what `$` is: such an Assign stays.
    let selected = task(json!({"ResultSelector": {"t.$": "$.Payload.total"}, "Assign": {"t.$": "$.t"}}));
    assert_eq!(state_in_jsonata(&selected)["Assign"], json!({"t.$": "$.t"}));
}

#[test]
fn a_pass_state_gets_an_output_never_arguments() {
    let pass = json!({"Type": "Pass", "Parameters": {"v.$": "$.n"}, "End": true});
    assert_eq!(state_in_jsonata(&pass), json!({"Type": "Pass", "Output": {"v": "{% $states.input.n %}"}, "End": true}));
    // An OutputPath after Parameters or Result has no sure rewrite: all of it stays.
    let shaped = json!({"Type": "Pass", "Parameters": {"v.$": "$.n"}, "OutputPath": "$.v", "End": true});
    assert_eq!(state_in_jsonata(&shaped), shaped);
    let result = json!({"Type": "Pass", "Result": {"a": 1}, "OutputPath": "$.a", "End": true});
    assert_eq!(state_in_jsonata(&result), result);
    let input = json!({"Type": "Pass", "OutputPath": "$.a", "End": true});
    assert_eq!(state_in_jsonata(&input), json!({"Type": "Pass", "Output": "{% $states.input.a %}", "End": true}));
}

#[test]
fn rewritten_states_behave_as_the_jsonpath_ones_did() {
    use crate::eval::{
        FixedEnvironment,
        test_state::{Mock, TestStateRequest, test_state},
    };
    let run = |state: &Value, input: &Value, mock: Option<Mock>| {
        let mut request = TestStateRequest::new(state.clone(), input.clone());
        request.mock = mock;
        let output = test_state(&request, &mut FixedEnvironment::new(1, 0)).expect("test_state");
        (output.output, output.error, output.cause, output.next_state)
    };
    let lambda = |fields: Value| {
        let mut state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        state.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        state
    };
    let result = Some(Mock::Result(json!({"Payload": {"total": 12, "items": [1, 2]}, "StatusCode": 200})));
    let input = json!({"order": {"id": "o-1", "total": 12}, "n": 7, "flag": true, "name": "ann", "when": "2026-01-02T03:04:05Z"});
    let cases: Vec<(Value, Option<Mock>)> = vec![
        (
            lambda(json!({"Parameters": {"FunctionName": "f", "Payload.$": "$.order", "Id.$": "$.order.id"}})),
            result.clone(),
        ),
        (lambda(json!({"OutputPath": "$.Payload"})), result.clone()),
        (lambda(json!({"OutputPath": "$.Payload.items[1]"})), result.clone()),
        (lambda(json!({"ResultPath": "$.lookup", "Parameters": {"Payload.$": "$"}})), result.clone()),
        (json!({"Type": "Pass", "Result": {"a": 1}, "End": true}), None),
        (json!({"Type": "Pass", "Parameters": {"v.$": "$.n", "fixed": "x"}, "End": true}), None),
        (json!({"Type": "Pass", "OutputPath": "$.order", "End": true}), None),
        (json!({"Type": "Pass", "Result": {"a": {"b": 2}}, "End": true}), None),
        (json!({"Type": "Wait", "Seconds": 1, "OutputPath": "$.order.id", "Next": "X"}), None),
        (json!({"Type": "Succeed", "OutputPath": "$.name"}), None),
        (json!({"Type": "Wait", "SecondsPath": "$.n", "Next": "X"}), None),
        (json!({"Type": "Wait", "TimestampPath": "$.when", "Next": "X"}), None),
    ];
    let choice = json!({"Type": "Choice", "Default": "D", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
        {"And": [{"Variable": "$.flag", "BooleanEquals": true}, {"Variable": "$.name", "StringEquals": "ann"}], "Next": "Ann"},
        {"Not": {"Variable": "$.missing", "IsPresent": true}, "Next": "NoMissing"},
        {"Variable": "$.when", "TimestampEquals": "2026-01-02T03:04:05Z", "Next": "Then"},
        {"Variable": "$.when", "TimestampLessThanPath": "$.deadline", "Next": "Early"}
    ]});
    for (state, mock) in cases {
        let rewritten = {
            let mut rewritten = state_in_jsonata(&state);
            rewritten["QueryLanguage"] = json!("JSONata");
            rewritten
        };
        assert_eq!(run(&rewritten, &input, mock.clone()), run(&state, &input, mock), "{state}\nrewritten: {rewritten}");
    }
    let rewritten = {
        let mut rewritten = state_in_jsonata(&choice);
        rewritten["QueryLanguage"] = json!("JSONata");
        rewritten
    };
    // Every input has the fields the rules it reaches read: a missing one is an error either
    // way, but JSONPath calls it States.Runtime and JSONata States.QueryEvaluationError (or,
    // for a plain comparison, no match at all).
    let late = |when: &str| json!({"n": 1, "flag": false, "missing": 0, "when": when, "deadline": "2026-01-02T04:00:00+01:00"});
    for input in [
        input.clone(),
        json!({"n": 11}),
        json!({"n": 1, "flag": true, "name": "ann"}),
        late("2026-01-02T03:04:05.000Z"),
        late("2026-01-02T02:30:00Z"),
        late("2026-01-02T03:30:00Z"),
    ] {
        assert_eq!(run(&rewritten, &input, None), run(&choice, &input, None), "{input}");
    }
}

#[test]
fn every_palette_state_rewritten_behaves_as_it_did() {
    use crate::eval::{
        FixedEnvironment,
        test_state::{Mock, TestStateRequest, test_state},
    };
    let input = json!({"status": "ok", "value": 3, "items": [1, 2], "seconds": 1, "id": "o-1", "order": {"id": "o-1"}});
    let run = |state: &Value| {
        let kind = state["Type"].as_str().unwrap_or_default();
        // The palette's Map iterates over its whole input.
        let input = if kind == "Map" { json!([1, 2]) } else { input.clone() };
        let mut request = TestStateRequest::new(state.clone(), input);
        // A callback task reads its token from the context (only such a task may be given one).
        if state["Resource"].as_str().is_some_and(|resource| resource.ends_with(".waitForTaskToken")) {
            request.context = Some(json!({"Task": {"Token": "a-token"}}));
        }
        match kind {
            "Task" => request.mock = Some(Mock::Result(json!({"Payload": {"done": true}}))),
            "Parallel" | "Map" => request.mock = Some(Mock::Result(json!([{"done": true}]))),
            _ => {}
        }
        let output =
            test_state(&request, &mut FixedEnvironment::new(1, 0)).unwrap_or_else(|error| panic!("{state}: {error:?}"));
        (output.output, output.error, output.cause, output.next_state)
    };
    for item in crate::templates::PALETTE {
        let mut state: Value = serde_json::from_str(item.state_json).expect(item.id);
        // Placed states get their transitions from the designer; give them some here.
        match state["Type"].as_str() {
            Some("Choice") => {
                for rule in state["Choices"].as_array_mut().expect("rules") {
                    rule["Next"] = json!("Matched");
                }
                state["Default"] = json!("Otherwise");
            }
            Some("Succeed" | "Fail") => {}
            _ if state.get("Next").is_none() && state.get("End").is_none() => state["End"] = json!(true),
            _ => {}
        }
        let rewritten = {
            let mut rewritten = state_in_jsonata(&state);
            rewritten["QueryLanguage"] = json!("JSONata");
            rewritten
        };
        assert_eq!(run(&rewritten), run(&state), "{}: {rewritten}", item.id);
    }
}

#[test]
fn choice_rules_become_conditions() {
    let state = json!({"Type": "Choice", "Choices": [
        {"Variable": "$.status", "StringEquals": "ok", "Next": "A"},
        {"And": [{"Variable": "$.n", "NumericGreaterThanPath": "$.limit"}, {"Not": {"Variable": "$.x", "IsPresent": true}}], "Next": "B"},
        {"Variable": "$.s", "StringMatches": "a*", "Next": "C"}
    ], "Default": "D"});
    let rewritten = state_in_jsonata(&state);
    assert_eq!(
        rewritten["Choices"],
        json!([
            {"Condition": "{% $states.input.status = \"ok\" %}", "Next": "A"},
            {"Condition": "{% ($states.input.n > $states.input.limit and $not($exists($states.input.x))) %}", "Next": "B"},
            {"Variable": "$.s", "StringMatches": "a*", "Next": "C"}
        ])
    );
}

#[test]
fn states_inherit_the_top_level_language_not_an_enclosing_states() {
    let jsonata =
        json::parse(r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}"#)
            .expect("JSON");
    assert_eq!(inherited_language(&jsonata), "JSONata");
    // A Map of its own JSONata: the states inside it are still JSONPath.
    let plain = json::parse(
        r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata", "End": true,
            "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}}}}"#,
    )
    .expect("JSON");
    assert_eq!(inherited_language(&plain), "JSONPath");
    let machine = crate::eval::machine::Machine::from_value(&plain.to_serde()).expect("machine");
    assert_eq!(
        machine.root.find_state("X").map(|state| state.language),
        Some(crate::validate::QueryLanguage::JsonPath)
    );
}

//! Table-driven tests of intrinsic evaluation: every function, its argument rules and AWS's
//! failures. Cases marked "recorded" reproduce executions recorded against AWS (the
//! conformance histories in `../shared`); "observed" ones reproduce third-party probes
//! against AWS.

use serde_json::{Value, json};

use super::*;
use crate::eval::{EvalError, FixedEnvironment, PathScope};

fn context() -> Value {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:123456789012:execution:Orders-v2:run-1",
            "Input": {"greeting": "hello"},
            "Name": "run-1",
            "StartTime": "2025-01-15T10:30:00.000Z"
        },
        "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Orders-v2", "Name": "Orders-v2"},
        "State": {"Name": "Pass", "EnteredTime": "2025-01-15T10:30:00.250Z"}
    })
}

fn variables() -> serde_json::Map<String, Value> {
    json!({"bias": 4.3, "items": [1, 2, 3], "name": "Ada"}).as_object().cloned().unwrap_or_default()
}

/// Evaluates `expression` against `input` and compares: `Ok(value)` or `Err(cause)` of a
/// `States.Runtime` failure.
fn check(expression: &str, input: Value, expected: Result<Value, &str>) {
    let context = context();
    let variables = variables();
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(7, 1_736_937_000_000);
    let actual = evaluate_text(expression, &scope, &mut env);
    let expected = expected.map_err(EvalError::runtime);
    assert_eq!(actual, expected, "{expression} on {input}");
}

fn ok(expression: &str, input: Value, expected: Value) {
    check(expression, input, Ok(expected));
}

fn invalid(expression: &str, input: Value, function: &str) {
    check(expression, input, Err(&format!("Invalid arguments in {function}")));
}

#[test]
fn format() {
    let cases: Vec<(&str, Value, Value)> = vec![
        // Recorded (test_format_1, test_format_2).
        ("States.Format('Formatting argument {}.', $.v)", json!({"v": ""}), json!("Formatting argument .")),
        ("States.Format('Formatting argument {}.', $.v)", json!({"v": " "}), json!("Formatting argument  .")),
        ("States.Format('Formatting argument {}.', $.v)", json!({"v": null}), json!("Formatting argument null.")),
        ("States.Format('Formatting argument {}.', $.v)", json!({"v": 1}), json!("Formatting argument 1.")),
        ("States.Format('Formatting argument {}.', $.v)", json!({"v": 1.1}), json!("Formatting argument 1.1.")),
        (
            "States.Format('Formatting argument {}.', $.v)",
            json!({"v": "{\"Arg1\": 1, \"Arg2\": []}"}),
            json!("Formatting argument {\"Arg1\": 1, \"Arg2\": []}."),
        ),
        (
            "States.Format('fst={} and snd={}.', $.f, $.s)",
            json!({"f": {"Arg1": 1, "Arg2": []}, "s": {"Arg1": 1, "Arg2": []}}),
            json!("fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."),
        ),
        // Recorded (test_context_json_path): the context object renders as a Java map.
        (
            "States.Format('fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)",
            json!({}),
            json!(
                "fst=run-1 and snd={Id=arn:aws:states:us-east-1:123456789012:stateMachine:Orders-v2, Name=Orders-v2}."
            ),
        ),
        ("States.Format('{} {} {}', $.a, $.b, $.c)", json!({"a": "x", "b": 2, "c": true}), json!("x 2 true")),
        ("States.Format('no placeholders')", json!({}), json!("no placeholders")),
        (
            "States.Format('{}', $.list)",
            json!({"list": [1, "a", null, 2.0, [true]]}),
            json!("[1, a, null, 2.0, [true]]"),
        ),
        ("States.Format('{}|{}', $.big, $.small)", json!({"big": 1e21, "small": 0.0001}), json!("1.0E21|1.0E-4")),
        ("States.Format('\\'{}\\' \\{ok\\} \\\\', $name)", json!({}), json!("'Ada' {ok} \\")),
        (
            "States.Format($.template, $.name)",
            json!({"template": "Hello, {}.", "name": "Arnav"}),
            json!("Hello, Arnav."),
        ),
        ("States.Format($.t, $.a)", json!({"t": "\\{{}\\}", "a": 1}), json!("{1}")),
        // Nested calls, inside out.
        ("States.Format('{}', States.JsonToString($.o))", json!({"o": {"k": [1, "x"]}}), json!("{\"k\":[1,\"x\"]}")),
        // A Jackson tree from StringToJson renders as JSON.
        ("States.Format('{}', States.StringToJson($.j))", json!({"j": "\"x\""}), json!("\"x\"")),
        ("States.Format('{}', States.StringToJson($.j))", json!({"j": "{\"a\": [1]}"}), json!("{\"a\":[1]}")),
        ("States.Format('{}-{}', States.MathAdd(1, 2), States.UUID())", json!({}), {
            let mut env = FixedEnvironment::new(7, 0);
            json!(format!("3-{}", crate::eval::Environment::uuid(&mut env)))
        }),
    ];
    for (expression, input, expected) in cases {
        ok(expression, input, expected);
    }
    // Observed: a brace that is not part of `{}` fails at run time.
    for expression in ["States.Format('}')", "States.Format('Hello {', $.a)", "States.Format('Hello {{}}', $.a)"] {
        invalid(expression, json!({"a": "x"}), "States.Format");
    }
    invalid("States.Format($.t, $.a)", json!({"t": "{} {}", "a": 1}), "States.Format");
    invalid("States.Format($.t, $.a)", json!({"t": "{", "a": 1}), "States.Format");
    invalid("States.Format($.t)", json!({"t": 123}), "States.Format");
}

#[test]
fn string_to_json_and_json_to_string() {
    let cases: Vec<(&str, Value, Value)> = vec![
        // Recorded (test_string_to_json).
        ("States.StringToJson($.s)", json!({"s": ""}), Value::Null),
        ("States.StringToJson($.s)", json!({"s": " "}), Value::Null),
        ("States.StringToJson($.s)", json!({"s": "null"}), Value::Null),
        ("States.StringToJson($.s)", json!({"s": "-0"}), json!(0)),
        ("States.StringToJson($.s)", json!({"s": "1"}), json!(1)),
        ("States.StringToJson($.s)", json!({"s": "1.1"}), json!(1.1)),
        ("States.StringToJson($.s)", json!({"s": "true"}), json!(true)),
        ("States.StringToJson($.s)", json!({"s": "\"HelloWorld\""}), json!("HelloWorld")),
        ("States.StringToJson($.s)", json!({"s": "[1, 2, \"HelloWorld\"]"}), json!([1, 2, "HelloWorld"])),
        ("States.StringToJson($.s)", json!({"s": "{\"Arg1\": 1, \"Arg2\": []}"}), json!({"Arg1": 1, "Arg2": []})),
        ("States.StringToJson('\\{\"a\": 1\\}')", json!({}), json!({"a": 1})),
        // Jackson reads `-0` as the integer 0, `-0.5` and strings as written.
        (
            "States.StringToJson($.s)",
            json!({"s": "[-0, \"a-0\", -0.5, {\"k\": -0}]"}),
            json!([0, "a-0", -0.5, {"k": 0}]),
        ),
        // Jackson reads the first value and ignores what follows.
        ("States.StringToJson($.s)", json!({"s": "1 2"}), json!(1)),
        // Recorded (test_json_to_string).
        ("States.JsonToString($.v)", json!({"v": null}), json!("null")),
        ("States.JsonToString($.v)", json!({"v": 0}), json!("0")),
        ("States.JsonToString($.v)", json!({"v": 1.1}), json!("1.1")),
        ("States.JsonToString($.v)", json!({"v": true}), json!("true")),
        ("States.JsonToString($.v)", json!({"v": "HelloWorld"}), json!("\"HelloWorld\"")),
        ("States.JsonToString($.v)", json!({"v": [1, 2, "HelloWorld"]}), json!("[1,2,\"HelloWorld\"]")),
        ("States.JsonToString($.v)", json!({"v": {"Arg1": 1, "Arg2": []}}), json!("{\"Arg1\":1,\"Arg2\":[]}")),
        ("States.JsonToString($.v)", json!({"v": {"z": 1, "a": 2}}), json!("{\"z\":1,\"a\":2}")),
        ("States.JsonToString($)", json!({"v": 1}), json!("{\"v\":1}")),
    ];
    for (expression, input, expected) in cases {
        ok(expression, input, expected);
    }
    // The field report "States.Runtime: Invalid arguments in States.StringToJson" for an object.
    invalid("States.StringToJson($.s)", json!({"s": {"already": "parsed"}}), "States.StringToJson");
    invalid("States.StringToJson($.s)", json!({"s": "{not json"}), "States.StringToJson");
    invalid("States.StringToJson($.s)", json!({"s": 1}), "States.StringToJson");
}

#[test]
fn arrays() {
    let cases: Vec<(&str, Value, Value)> = vec![
        // Recorded (test_array_0, test_array_2).
        ("States.Array()", json!({}), json!([])),
        ("States.Array($.a, $.b)", json!({"a": "HelloWorld", "b": null}), json!(["HelloWorld", null])),
        (
            "States.Array('Foo', 2020, $.o, null, true, 2.5)",
            json!({"o": {"r": 1}}),
            json!(["Foo", 2020, {"r": 1}, null, true, 2.5]),
        ),
        // Recorded (test_array_partition).
        ("States.ArrayPartition($.a, 1)", json!({"a": []}), json!([])),
        ("States.ArrayPartition($.a, 4)", json!({"a": [0]}), json!([[0]])),
        ("States.ArrayPartition($.a, 1)", json!({"a": [0, 1]}), json!([[0], [1]])),
        ("States.ArrayPartition($.a, 3)", json!({"a": [0, 1, 2, 3]}), json!([[0, 1, 2], [3]])),
        (
            "States.ArrayPartition($.a, 4)",
            json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ),
        // Observed: the chunk size is truncated.
        ("States.ArrayPartition($.a, 2.6)", json!({"a": [1, 2, 3, 4, 5]}), json!([[1, 2], [3, 4], [5]])),
        ("States.ArrayPartition($.a, 2147483647)", json!({"a": [1, 2, 3]}), json!([[1, 2, 3]])),
        // Recorded (test_array_contains).
        ("States.ArrayContains($.a, $.v)", json!({"a": [], "v": null}), json!(false)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [], "v": []}), json!(false)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [[1, 2, 3], 2], "v": null}), json!(false)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [[1, 2, 3], 2], "v": [1, 2, 3]}), json!(true)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [{"1": 2, "2": []}], "v": []}), json!(false)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [{"1": 2, "2": []}], "v": {"1": 2, "2": []}}), json!(true)),
        ("States.ArrayContains($.a, $.v)", json!({"a": [true, false], "v": false}), json!(true)),
        // Observed: AWS compares the values' text (key order matters, "true" equals true).
        ("States.ArrayContains($.a, $.v)", json!({"a": [{"a": 1, "b": 2}], "v": {"b": 2, "a": 1}}), json!(false)),
        ("States.ArrayContains($.a, true)", json!({"a": ["true", "false"]}), json!(true)),
        ("States.ArrayContains($.a, false)", json!({"a": [0, 1, -1, -1.5]}), json!(false)),
        ("States.ArrayContains(States.Array(1, 2, 3), 2)", json!({}), json!(true)),
        // Recorded (test_array_range); AWS's documentation example.
        ("States.ArrayRange(0, 9, 3)", json!({}), json!([0, 3, 6, 9])),
        ("States.ArrayRange(0, 10, 3)", json!({}), json!([0, 3, 6, 9])),
        ("States.ArrayRange(1, 9, 9)", json!({}), json!([1])),
        ("States.ArrayRange(1, 9, 2)", json!({}), json!([1, 3, 5, 7, 9])),
        ("States.ArrayRange(5, 1, -2)", json!({}), json!([5, 3, 1])),
        ("States.ArrayRange(3, 3, -1)", json!({}), json!([3])),
        ("States.ArrayRange(5, 1, 1)", json!({}), json!([])),
        ("States.ArrayRange(-2, 2, 2)", json!({}), json!([-2, 0, 2])),
        // Observed: arguments are truncated.
        ("States.ArrayRange(1.6, 1.4, 1)", json!({}), json!([1])),
        ("States.ArrayRange(5.4, -0.6, -2.4)", json!({}), json!([5, 3, 1])),
        // Recorded (test_array_get_item).
        ("States.ArrayGetItem($.a, $.i)", json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9], "i": 5}), json!(6)),
        ("States.ArrayGetItem($.a, 0)", json!({"a": [null]}), Value::Null),
        // Observed: a fractional index is truncated; any index of an empty array is null.
        ("States.ArrayGetItem($.a, 1.2)", json!({"a": [10, 20, 30]}), json!(20)),
        ("States.ArrayGetItem($.a, 999)", json!({"a": []}), Value::Null),
        // Recorded (test_array_length).
        ("States.ArrayLength($.a)", json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}), json!(9)),
        ("States.ArrayLength($items)", json!({}), json!(3)),
        // Observed (States.ArrayUnique keeps Java HashSet order).
        ("States.ArrayUnique($.a)", json!({"a": [1, 2, 3, 3, 3, 4]}), json!([1, 2, 3, 4])),
        ("States.ArrayUnique($.a)", json!({"a": [true, false, true, false]}), json!([false, true])),
        ("States.ArrayUnique($.a)", json!({"a": [[1, 2], [1, 2], [2, 1]]}), json!([[2, 1], [1, 2]])),
        ("States.ArrayUnique($.a)", json!({"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}), json!([{"a": 1, "b": 2}])),
        ("States.ArrayUnique($.a)", json!({"a": [null, null, 1, null]}), json!([null, 1])),
        ("States.ArrayUnique($.a)", json!({"a": []}), json!([])),
        ("States.ArrayUnique(States.Array(1, 1, 2, 2, 3))", json!({}), json!([1, 2, 3])),
    ];
    for (expression, input, expected) in cases {
        ok(expression, input, expected);
    }
    let failing: Vec<(&str, Value, &str)> = vec![
        ("States.ArrayPartition('not-array', 2)", json!({}), "States.ArrayPartition"),
        ("States.ArrayPartition($.a, 0)", json!({"a": [1]}), "States.ArrayPartition"),
        ("States.ArrayPartition($.a, -1)", json!({"a": [1]}), "States.ArrayPartition"),
        ("States.ArrayPartition($.a, 0.6)", json!({"a": [1]}), "States.ArrayPartition"),
        ("States.ArrayPartition($.a, $.s)", json!({"a": [1], "s": "2"}), "States.ArrayPartition"),
        ("States.ArrayPartition($.a, null)", json!({"a": [1]}), "States.ArrayPartition"),
        ("States.ArrayContains('not-array', 'x')", json!({}), "States.ArrayContains"),
        ("States.ArrayRange(1, 10, 0)", json!({}), "States.ArrayRange"),
        ("States.ArrayRange(1, 10, 0.49)", json!({}), "States.ArrayRange"),
        ("States.ArrayRange(1, 1001, 1)", json!({}), "States.ArrayRange"),
        ("States.ArrayRange(1001, 1, -1)", json!({}), "States.ArrayRange"),
        ("States.ArrayRange($.s, 5, 1)", json!({"s": "a"}), "States.ArrayRange"),
        ("States.ArrayRange(1, 3000000000, 1)", json!({}), "States.ArrayRange"),
        ("States.ArrayGetItem('not-array', 0)", json!({}), "States.ArrayGetItem"),
        ("States.ArrayGetItem($.a, 3)", json!({"a": [10, 20, 30]}), "States.ArrayGetItem"),
        ("States.ArrayGetItem($.a, -1)", json!({"a": [10, 20, 30]}), "States.ArrayGetItem"),
        ("States.ArrayGetItem($.a, $.i)", json!({"a": [10, 20, 30], "i": "1"}), "States.ArrayGetItem"),
        ("States.ArrayLength($.a)", json!({"a": "abc"}), "States.ArrayLength"),
        ("States.ArrayUnique($.o)", json!({"o": {"a": 1}}), "States.ArrayUnique"),
    ];
    for (expression, input, function) in failing {
        invalid(expression, input, function);
    }
    // Large arrays stay fast (hash-bucketed de-duplication).
    let many: Vec<Value> = (0..20_000).map(|n| json!(n % 5_000)).collect();
    ok("States.ArrayLength(States.ArrayUnique($.a))", json!({ "a": many }), json!(5_000));
    // Exactly 1000 items is allowed.
    let context = context();
    let variables = variables();
    let input = json!({});
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(1, 0);
    let range = evaluate_text("States.ArrayRange(1, 1000, 1)", &scope, &mut env).expect("1000 items");
    assert_eq!(range.as_array().map(Vec::len), Some(1000));
}

#[test]
fn encoding_and_hashing() {
    let long = "a".repeat(MAX_TEXT_LENGTH);
    let too_long = "a".repeat(MAX_TEXT_LENGTH + 1);
    let cases: Vec<(&str, Value, Value)> = vec![
        // Recorded (test_base_64_encode, test_base_64_decode).
        ("States.Base64Encode($.s)", json!({"s": ""}), json!("")),
        ("States.Base64Encode($.s)", json!({"s": "Data to encode"}), json!("RGF0YSB0byBlbmNvZGU=")),
        ("States.Base64Decode($.s)", json!({"s": ""}), json!("")),
        ("States.Base64Decode($.s)", json!({"s": "RGF0YSB0byBlbmNvZGU="}), json!("Data to encode")),
        ("States.Base64Encode('🚀')", json!({}), json!("8J+agA==")),
        ("States.Base64Decode('44GT44KT44Gr44Gh44Gv')", json!({}), json!("こんにちは")),
        // Observed: decoding is lenient.
        ("States.Base64Decode(' YWJjZA== ')", json!({}), json!("abcd")),
        ("States.Base64Decode('ab==cd')", json!({}), json!("i")),
        ("States.Base64Decode(States.Base64Encode($.s))", json!({"s": "hello"}), json!("hello")),
        // Recorded (test_hash).
        ("States.Hash($.d, $.a)", json!({"d": "input data", "a": "MD5"}), json!("812f45842bc6d66ee14572ce20db8e86")),
        (
            "States.Hash($.d, $.a)",
            json!({"d": "input data", "a": "SHA-1"}),
            json!("aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ),
        (
            "States.Hash($.d, $.a)",
            json!({"d": "input data", "a": "SHA-256"}),
            json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
        ),
        (
            "States.Hash($.d, $.a)",
            json!({"d": "input data", "a": "SHA-384"}),
            json!("d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
        ),
        (
            "States.Hash($.d, $.a)",
            json!({"d": "input data", "a": "SHA-512"}),
            json!(
                "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"
            ),
        ),
        (
            "States.Hash('', 'SHA-256')",
            json!({}),
            json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ),
        // Observed: numbers and objects are hashed by their text.
        ("States.Hash(123, 'MD5')", json!({}), json!("202cb962ac59075b964b07152d234b70")),
    ];
    for (expression, input, expected) in cases {
        ok(expression, input, expected);
    }
    // 10,000 characters pass; the encoding of that many is longer than Base64Decode accepts.
    let context = context();
    let variables = variables();
    let input = json!({ "s": long });
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(1, 0);
    let encoded = evaluate_text("States.Base64Encode($.s)", &scope, &mut env).expect("encodes");
    assert_eq!(encoded.as_str().map(str::len), Some(13_336));
    ok("States.Base64Decode($.s)", json!({ "s": "QUJD".repeat(2_500) }), json!("ABC".repeat(2_500)));
    let failing: Vec<(&str, Value, &str)> = vec![
        ("States.Base64Encode($.s)", json!({ "s": too_long }), "States.Base64Encode"),
        ("States.Base64Encode($.s)", json!({"s": 123}), "States.Base64Encode"),
        ("States.Base64Encode($.s)", json!({"s": ["x"]}), "States.Base64Encode"),
        ("States.Base64Decode($.s)", json!({ "s": too_long }), "States.Base64Decode"),
        ("States.Base64Decode($.s)", json!({"s": {}}), "States.Base64Decode"),
        ("States.Hash($.s, 'SHA-256')", json!({ "s": too_long }), "States.Hash"),
        ("States.Hash('hello', $.a)", json!({"a": 123}), "States.Hash"),
        ("States.Hash('data', $.a)", json!({"a": "sha-256"}), "States.Hash"),
        ("States.Hash('data', $.a)", json!({"a": "SHA256"}), "States.Hash"),
        ("States.Hash('data', $.a)", json!({"a": ""}), "States.Hash"),
    ];
    for (expression, input, function) in failing {
        invalid(expression, input, function);
    }
}

#[test]
fn json_merge() {
    // Recorded (test_json_merge): shallow, the second object wins.
    ok(
        "States.JsonMerge($.a, $.b, false)",
        json!({"a": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}, "b": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}}),
        json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4}),
    );
    // Recorded (test_json_merge_escaped_argument), key order included.
    let context = context();
    let variables = variables();
    let input = json!({});
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(1, 0);
    let merged = evaluate_text(
        "States.JsonMerge(States.StringToJson('\\{\"constant_in_literal\": \"false\"\\}'), $.x, false)",
        &PathScope { input: &json!({"x": {"constant_input_field": "constant_value"}}), ..scope },
        &mut env,
    )
    .expect("merges");
    assert_eq!(
        serde_json::to_string(&merged).expect("serializes"),
        r#"{"constant_input_field":"constant_value","constant_in_literal":"false"}"#
    );
    invalid("States.JsonMerge($.a, $.b, false)", json!({"a": "x", "b": {}}), "States.JsonMerge");
    invalid("States.JsonMerge($.a, $.b, $.deep)", json!({"a": {}, "b": {}, "deep": true}), "States.JsonMerge");
    invalid("States.JsonMerge($.a, $.b, true)", json!({"a": {}, "b": {}}), "States.JsonMerge");
}

#[test]
fn math() {
    let add_cases: Vec<(Value, Value, i64)> = vec![
        // Recorded (test_math_add): each operand is rounded with Math.round, then added.
        (json!(-9), json!(3), -6),
        (json!(1.49), json!(1.5), 3),
        (json!(1.5), json!(1.51), 4),
        (json!(-1.49), json!(-1.5), -2),
        (json!(-1.5), json!(-1.51), -3),
        (json!(1.49), json!(-1.49), 0),
        (json!(0.5), json!(0), 1),
        (json!(2.5), json!(0), 3),
        (json!(3.5), json!(0), 4),
        (json!(-0.5), json!(0.5), 1),
        (json!(-0.5), json!(0), 0),
        (json!(-1.5), json!(0), -1),
        (json!(-2.5), json!(0), -2),
        (json!(-3.5), json!(0), -3),
        (json!(-1.51), json!(0), -2),
        // Observed: the int range.
        (json!(2147483647), json!(0), 2147483647),
        (json!(-2147483647), json!(-1), -2147483648),
    ];
    for (left, right, sum) in add_cases {
        ok("States.MathAdd($.l, $.r)", json!({"l": left, "r": right}), json!(sum));
    }
    ok("States.MathAdd(States.MathAdd(States.MathAdd(1, 2), 3), $bias)", json!({}), json!(10));
    ok("States.MathAdd($.val, -1)", json!({"val": 111}), json!(110));
    for (left, right) in [
        (json!(2147483647), json!(1)),
        (json!(-2147483648), json!(-1)),
        (json!(3000000000u64), json!(1)),
        (json!("1"), json!(2)),
        (json!(null), json!(1)),
        (json!(true), json!(1)),
        (json!([1]), json!(1)),
    ] {
        invalid("States.MathAdd($.l, $.r)", json!({"l": left, "r": right}), "States.MathAdd");
    }

    // MathRandom: start inclusive, end exclusive, integers.
    let context = context();
    let variables = variables();
    let input = json!({"start": -3, "end": 4});
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(3, 0);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..500 {
        let value = evaluate_text("States.MathRandom($.start, $.end)", &scope, &mut env).expect("draws");
        let value = value.as_i64().expect("an integer");
        assert!((-3..4).contains(&value), "{value}");
        seen.insert(value);
    }
    assert_eq!(seen.len(), 7, "every value in [-3, 4) is drawn");
    // Observed: bounds are truncated (1.6 → 1).
    for _ in 0..200 {
        let value = evaluate_text("States.MathRandom(1.6, 5.4)", &scope, &mut env).expect("draws");
        assert!((1..5).contains(&value.as_i64().expect("integer")));
    }
    // The same seed gives the same number: java.util.Random(seed).nextInt(end - start).
    let first = evaluate_text("States.MathRandom(0, 999, 3)", &scope, &mut env).expect("draws");
    let second = evaluate_text("States.MathRandom(0, 999, 3)", &scope, &mut env).expect("draws");
    assert_eq!(first, second);
    assert_eq!(first, json!(239));
    ok("States.MathRandom(1, 100, 42)", json!({}), json!(63));
    // A fractional seed is rounded, as AWS documents: 2.6 draws as 3 does.
    ok("States.MathRandom(1, 10, 2.6)", json!({}), json!(6));
    ok("States.MathRandom(1, 10, 3)", json!({}), json!(6));
    for expression in [
        "States.MathRandom(1, 1)",
        "States.MathRandom(10, 5)",
        "States.MathRandom(1.4, 1.6)",
        "States.MathRandom(1.49, 1.49)",
        "States.MathRandom('a', 10)",
        "States.MathRandom(1, 10, 'seed')",
        "States.MathRandom(1, 10, null)",
        "States.MathRandom(-2147483648, 2147483647)",
    ] {
        invalid(expression, json!({}), "States.MathRandom");
    }
}

#[test]
fn strings_and_identifiers() {
    let cases: Vec<(&str, Value, Value)> = vec![
        // Recorded (test_string_split): delimiters are characters, empty pieces are dropped.
        ("States.StringSplit($.s, $.d)", json!({"s": " ", "d": ","}), json!([" "])),
        ("States.StringSplit($.s, $.d)", json!({"s": " , ", "d": ","}), json!([" ", " "])),
        ("States.StringSplit($.s, $.d)", json!({"s": ", , ,", "d": ","}), json!([" ", " "])),
        ("States.StringSplit($.s, $.d)", json!({"s": ",,,,", "d": ","}), json!([])),
        ("States.StringSplit($.s, $.d)", json!({"s": "1,2,3,4,5", "d": ","}), json!(["1", "2", "3", "4", "5"])),
        (
            "States.StringSplit($.s, $.d)",
            json!({"s": "This.is+a,test=string", "d": ".+,="}),
            json!(["This", "is", "a", "test", "string"]),
        ),
        (
            "States.StringSplit($.s, $.d)",
            json!({"s": "split on T and \nnew line", "d": "T\n"}),
            json!(["split on ", " and ", "new line"]),
        ),
        ("States.StringSplit($.s, '')", json!({"s": "abc"}), json!(["abc"])),
        ("States.StringSplit('', ',')", json!({}), json!([])),
        // Recorded (test_nested_calls_2): the last dash-separated part of the name.
        (
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
            json!({}),
            json!("v2"),
        ),
        // AWS's documented example of nine nested calls (two placeholders here).
        (
            "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
            json!({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/recipe/1.0.2"}}),
            json!("1.0"),
        ),
    ];
    for (expression, input, expected) in cases {
        ok(expression, input, expected);
    }
    invalid("States.StringSplit($.s, ',')", json!({"s": 1}), "States.StringSplit");
    invalid("States.StringSplit('a', $.d)", json!({"d": null}), "States.StringSplit");
    // UUID comes from the environment.
    let mut env = FixedEnvironment::new(7, 0);
    let expected = crate::eval::Environment::uuid(&mut env);
    ok("States.UUID()", json!({}), json!(expected));
}

#[test]
fn paths_and_fields_fail_with_aws_wording() {
    let context = context();
    let variables = variables();
    let input = json!({});
    let scope = PathScope { input: &input, context: &context, variables: &variables };
    let mut env = FixedEnvironment::new(1, 0);
    // Observed: a path argument that names nothing fails like a payload path.
    assert_eq!(
        evaluate_field("value.$", "States.Base64Encode($.missing)", &scope, &mut env),
        Err(EvalError::runtime(
            "The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{}'"
        ))
    );
    assert_eq!(
        evaluate_text("States.Hash('hello', $.missingAlgo)", &scope, &mut env),
        Err(EvalError::runtime("The JSONPath '$.missingAlgo' could not be found in the input '{}'"))
    );
    // The first failing argument wins, inside out.
    assert_eq!(
        evaluate_text("States.MathAdd(States.ArrayLength($.a), $.b)", &scope, &mut env),
        Err(EvalError::runtime("The JSONPath '$.a' could not be found in the input '{}'"))
    );
    // A `.$` field holding a path.
    assert_eq!(evaluate_field("id.$", "$$.State.Name", &scope, &mut env), Ok(json!("Pass")));
    assert_eq!(evaluate_field("n.$", "$name", &scope, &mut env), Ok(json!("Ada")));
    assert_eq!(
        evaluate_field("x.$", "States.Format('{}', $nope)", &scope, &mut env),
        Err(EvalError::runtime("Invalid path '$nope' : The variable '$nope' is not defined"))
    );
    assert_eq!(
        evaluate_field("lorem.$", "ipsum", &scope, &mut env),
        Err(EvalError::runtime(
            "The value for the field 'lorem.$' must be a valid JSONPath or a valid intrinsic function call"
        ))
    );
    // Indefinite paths give arrays.
    assert_eq!(evaluate_text("States.ArrayLength($$.StateMachine.*)", &scope, &mut env), Ok(json!(2)));
    // Arity is checked at run time too (AWS refuses these when the definition is created).
    let call = parse_intrinsic_syntax("States.MathAdd(1)").expect("syntax is fine");
    assert_eq!(evaluate(&call, &scope, &mut env), Err(EvalError::runtime("Invalid arguments in States.MathAdd")));
    assert_eq!(
        evaluate_text("States.Nope()", &scope, &mut env).map_err(|error| error.error),
        Err("States.Runtime".to_string())
    );
}

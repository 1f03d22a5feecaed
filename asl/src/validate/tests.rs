//! Validation cases with AWS's observed answers: code, message and location for each.

use super::validate;

/// Validates `definition` and compares `(code, message, location)` triples with `expected`.
fn check(definition: &str, expected: &[(&str, &str, Option<&str>)]) {
    let root = crate::json::parse(definition).unwrap_or_else(|error| panic!("{definition}: {error:?}"));
    let actual: Vec<(String, String, Option<String>)> = validate(&root)
        .into_iter()
        .map(|diagnostic| (diagnostic.code.to_string(), diagnostic.message, diagnostic.location))
        .collect();
    let expected: Vec<(String, String, Option<String>)> = expected
        .iter()
        .map(|(code, message, location)| (code.to_string(), message.to_string(), location.map(str::to_string)))
        .collect();
    assert_eq!(actual, expected, "{definition}");
}

#[test]
fn a_minimal_machine_is_valid() {
    check(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#, &[]);
}

#[test]
fn missing_top_level_fields_are_named_in_aws_order() {
    check("{}", &[("SCHEMA_VALIDATION_FAILED", "These fields are required: [States, StartAt]", Some("/"))]);
}

#[test]
fn dangling_targets_say_next_whatever_field_they_are_in() {
    check(
        r#"{"StartAt":"C","States":{
            "C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Nope1"}],"Default":"Nope2"},
            "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Nope3"}]}}}"#,
        &[
            ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope2", Some("/States/C/Default")),
            ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope1", Some("/States/C/Choices[0]/Next")),
            ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope3", Some("/States/T/Catch[0]/Next")),
            ("MISSING_TRANSITION_TARGET", "State \"T\" is not reachable.", Some("/States/T")),
        ],
    );
}

#[test]
fn a_loop_with_no_terminal_state_reports_only_that() {
    check(
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"C":{"Type":"Pass","Next":"A"}}}"#,
        &[("MISSING_END_STATE", "Workflow has no terminal state", None)],
    );
    check(
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"C":{"Type":"Succeed"}}}"#,
        &[("MISSING_TRANSITION_TARGET", "State \"C\" is not reachable.", Some("/States/C"))],
    );
}

#[test]
fn fields_a_state_type_does_not_support_are_refused_at_the_state() {
    check(
        r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Catch":[],"End":true}}}"#,
        &[("SCHEMA_VALIDATION_FAILED", "Field 'Catch' is not supported", Some("/States/P"))],
    );
    check(
        r#"{"StartAt":"M","States":{"M":{"Type":"Map","TimeoutSeconds":5,"End":true,
            "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}"#,
        &[("SCHEMA_VALIDATION_FAILED", "Field 'TimeoutSeconds' is not supported", Some("/States/M"))],
    );
}

#[test]
fn query_language_rules_follow_aws() {
    check(
        r#"{"StartAt":"P","QueryLanguage":"JSONata","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}"#,
        &[(
            "SCHEMA_VALIDATION_FAILED",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            Some("/States/P"),
        )],
    );
    // A Map declaring JSONata does not change the language of its inner states.
    check(
        r#"{"StartAt":"M","States":{"M":{"Type":"Map","QueryLanguage":"JSONata","End":true,
            "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% 1 %}","End":true}}}}}}"#,
        &[(
            "SCHEMA_VALIDATION_FAILED",
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
            Some("/States/M/ItemProcessor/States/P"),
        )],
    );
    check(
        r#"{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
            "ItemProcessor":{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}"#,
        &[("SCHEMA_VALIDATION_FAILED", "Field 'QueryLanguage' is not supported", Some("/States/M/ItemProcessor"))],
    );
}

#[test]
fn payload_templates_need_paths_or_intrinsics() {
    check(
        r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":{"ok.$":"$.a","fn.$":"States.Format('{}', $.b)","bad.$":"a.b"}}}}"#,
        &[(
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call",
            Some("/States/P/Parameters"),
        )],
    );
}

#[test]
fn jsonata_expressions_must_parse() {
    let diagnostics = validate(
        &crate::json::parse(
            r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"x":"{% 1 + %}"},"End":true}}}"#,
        )
        .expect("valid JSON"),
    );
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].pointer, "/States/P/Output/x");
    assert!(diagnostics[0].message.starts_with("The JSONata expression is not valid"), "{:?}", diagnostics[0]);
}

#[test]
fn states_all_must_be_alone_and_last() {
    check(
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
            "Retry":[{"ErrorEquals":["States.ALL","X"]},{"ErrorEquals":["Y"]}]}}}"#,
        &[(
            "SCHEMA_VALIDATION_FAILED",
            "States.ALL must appear alone and at end of list",
            Some("/States/T/Retry[0]/ErrorEquals[0]"),
        )],
    );
}

#[test]
fn wait_timestamps_and_resources_are_checked() {
    check(
        r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2016-12-05T21:29:29","End":true}}}"#,
        &[("SCHEMA_VALIDATION_FAILED", "String does not match RFC3339 timestamp", Some("/States/W/Timestamp"))],
    );
    check(
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:query","End":true}}}"#,
        &[(
            "SCHEMA_VALIDATION_FAILED",
            "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.",
            Some("/States/T/Resource"),
        )],
    );
    // Deployment placeholders and CloudFormation intrinsics stand for a real ARN.
    check(r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${ChargeFunctionArn}","End":true}}}"#, &[]);
    check(r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":{"Fn::GetAtt":["F","Arn"]},"End":true}}}"#, &[]);
}

#[test]
fn duplicate_names_and_keys_are_refused() {
    check(
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Type":"Pass","End":true}}}"#,
        &[("INVALID_JSON_DESCRIPTION", "Duplicate field 'Type'", Some("/States/A/Type"))],
    );
    let diagnostics = validate(
        &crate::json::parse(
            r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}]}}}"#,
        )
        .expect("valid JSON"),
    );
    assert_eq!(diagnostics.iter().map(|diagnostic| diagnostic.code).collect::<Vec<_>>(), ["DUPLICATE_STATE_NAME"]);
}

/// The quick fix of the first finding that has one (and there must be one).
fn first_fix(root: &crate::json::Node) -> crate::Fix {
    validate(root).into_iter().find_map(|diagnostic| diagnostic.fix).expect("a finding with a quick fix")
}

#[test]
fn misspelt_fields_names_and_types_get_a_quick_fix_that_resolves_them() {
    let cases = [
        (
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B"},"B":{"Type":"Pass","End":true}}}"#,
            r#"Rename "Nxt" to "Next""#,
        ),
        (r#"{"StartAt":"A","States":{"A":{"Type":"Pass","end":true}}}"#, r#"Rename "end" to "End""#),
        (r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Shp"},"Ship":{"Type":"Succeed"}}}"#, r#"Go to "Ship""#),
        (r#"{"StartAt":"a","States":{"A":{"Type":"Pass","End":true}}}"#, r#"Go to "A""#),
        (r#"{"StartAt":"A","States":{"A":{"Type":"Succed"}}}"#, "Make it a Succeed state"),
        (r#"{"startAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#, r#"Rename "startAt" to "StartAt""#),
        (
            r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttemps":2}]}}}"#,
            r#"Rename "MaxAttemps" to "MaxAttempts""#,
        ),
        (
            r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","ResultPth":"$.error"}]},"F":{"Type":"Fail"}}}"#,
            r#"Rename "ResultPth" to "ResultPath""#,
        ),
        (
            r#"{"StartAt":"C","States":{"C":{"Type":"Choice","Default":"D",
                "Choices":[{"Variable":"$.a","StringEqual":"x","Next":"D"}]},"D":{"Type":"Succeed"}}}"#,
            r#"Rename "StringEqual" to "StringEquals""#,
        ),
        (
            r#"{"StartAt":"C","States":{"C":{"Type":"Choice","QueryLanguage":"JSONata","Default":"D",
                "Choices":[{"Conditon":"{% true %}","Next":"D"}]},"D":{"Type":"Succeed"}}}"#,
            r#"Rename "Conditon" to "Condition""#,
        ),
        (
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,
                "Parameters":{"x.$":"States.Fromat('{} of {}', States.ArrayLenght($.items), $.name)"}}}}"#,
            "Use States.Format for States.Fromat and States.ArrayLength for States.ArrayLenght",
        ),
        (
            r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invok","End":true}}}"#,
            r#"Use "arn:aws:states:::lambda:invoke""#,
        ),
        (
            r#"{"StartAt":"T","States":{"T":{"Type":"Task","End":true,
                "Resource":"arn:aws-cn:states:::sqs:sendMessage.waitForTaskTokn","TimeoutSeconds":60}}}"#,
            r#"Use "arn:aws-cn:states:::sqs:sendMessage.waitForTaskToken""#,
        ),
        (
            r#"{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
                "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}},"ProcessorConfg":{"Mode":"INLINE"}}}}}"#,
            r#"Rename "ProcessorConfg" to "ProcessorConfig""#,
        ),
    ];
    for (definition, title) in cases {
        let mut root = crate::json::parse(definition).expect("valid JSON");
        let Some(fix) = validate(&root).into_iter().find_map(|diagnostic| diagnostic.fix) else {
            panic!("no quick fix for {definition}: {:?}", validate(&root));
        };
        assert_eq!(fix.title, title, "{definition}");
        assert!(fix.guess, "a misspelling's fix is a guess for a person to confirm: {definition}");
        crate::edit::apply(&mut root, &crate::edit::Edit::ApplyFix(fix)).expect("the fix applies");
        let left: Vec<String> = validate(&root).into_iter().map(|diagnostic| diagnostic.aws_text()).collect();
        assert_eq!(left, Vec::<String>::new(), "{definition}");
    }
}

#[test]
fn a_renamed_field_keeps_its_place_and_the_rest_of_the_text() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": { \"Type\": \"Pass\", \"Nxt\": \"B\", \"Comment\": \"first\" },\n    \"B\": { \"Type\": \"Pass\", \"End\": true }\n  }\n}\n";
    let old = crate::json::parse(text).expect("valid JSON");
    let mut new = old.clone();
    crate::edit::apply(&mut new, &crate::edit::Edit::ApplyFix(first_fix(&old))).expect("the fix applies");
    assert_eq!(crate::reprint::reprint(&new, &old, text), text.replace("\"Nxt\"", "\"Next\""));
}

#[test]
fn no_guess_when_nothing_is_near_two_are_or_the_field_is_there_already() {
    let no_fix = |definition: &str| {
        let root = crate::json::parse(definition).expect("valid JSON");
        let diagnostics = validate(&root);
        assert!(!diagnostics.is_empty(), "{definition}");
        assert!(diagnostics.iter().all(|diagnostic| diagnostic.fix.is_none()), "{definition}: {diagnostics:?}");
    };
    no_fix(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Banana":1,"End":true}}}"#);
    no_fix(
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Ship"},"Shop":{"Type":"Succeed"},"Slip":{"Type":"Succeed"}}}"#,
    );
    no_fix(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Ned":true}}}"#);
    no_fix(r#"{"StartAt":"A","States":{"A":{"Type":"Banana","End":true}}}"#);
    // A real DynamoDB API that is not an optimised integration is not a misspelling of one.
    no_fix(r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:query","End":true}}}"#);
    // "End" in a Choice rule is misplaced, not a misspelling of "And".
    no_fix(
        r#"{"StartAt":"C","States":{"C":{"Type":"Choice","Default":"D",
            "Choices":[{"Variable":"$.a","IsPresent":true,"Next":"D","End":true}]},"D":{"Type":"Succeed"}}}"#,
    );
}

#[test]
fn an_unsupported_field_is_marked_at_its_key() {
    let text = "{\"StartAt\": \"Z\", \"States\": {\"A\": {\"Type\": \"Pass\", \"Nxt\": \"B\"}, \"B\": {\"Type\": \"Succeed\"}}}";
    let (_, diagnostics) = crate::parse(text);
    let unsupported = diagnostics
        .iter()
        .find(|diagnostic| diagnostic.message == "Field 'Nxt' is not supported")
        .expect("the finding");
    assert_eq!(&text[unsupported.span.start..unsupported.span.end], "\"Nxt\"");
    assert_eq!((unsupported.line, unsupported.column), (1, 51));
    // A finding about a value still marks the value.
    let target = diagnostics
        .iter()
        .find(|diagnostic| diagnostic.message == "Missing 'Next' target: Z")
        .expect("the missing start");
    assert_eq!(&text[target.span.start..target.span.end], "\"Z\"");
}

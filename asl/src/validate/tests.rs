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

//! The inspector's pure rules: which fields a state shows, how a field's value is shown as
//! text, and how the text a person typed becomes an [`Edit`] (or an error naming the field).
//! Platform-free, so it is tested natively.

use asl::{
    diagnostic::pointer_push,
    edit::Edit,
    json::{self, Member, Node, Value},
    validate::{JSONATA_ONLY, JSONPATH_ONLY, state_fields},
};

/// How a field is edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A string (a path, an ARN, a name); `null` is accepted for the `…Path` fields.
    Text,
    /// A number; in JSONata a `{% … %}` expression is accepted too.
    Number,
    /// Any JSON value, in a text area; a `{% … %}` text is written as a string.
    Json,
    /// A list of strings, typed comma-separated (`ErrorEquals`).
    StringList,
}

/// Fields with editors of their own, never in the generic list.
const SPECIAL: &[&str] = &[
    "Type",
    "Comment",
    "QueryLanguage",
    "Next",
    "End",
    "Retry",
    "Catch",
    "Choices",
    "Default",
    "Branches",
    "ItemProcessor",
    "Iterator",
];

/// The order fields are listed in: what the state does, then its data flow in the order it
/// happens, then the rest.
const ORDER: &[&str] = &[
    "Resource",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "TimestampPath",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
    "InputPath",
    "ItemsPath",
    "Items",
    "ItemReader",
    "ItemSelector",
    "ItemBatcher",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "Parameters",
    "Arguments",
    "Result",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "Output",
    "Assign",
    "ResultWriter",
    "Label",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Credentials",
];

/// The generic fields a state of `state_type` shows in its query language, in [`ORDER`].
pub fn shown_fields(state_type: &str, jsonata: bool) -> Vec<&'static str> {
    let excluded = if jsonata { JSONPATH_ONLY } else { JSONATA_ONLY };
    generic_fields(state_type, |field| !excluded.contains(&field))
}

/// The generic fields of the *other* query language that a state of `state_type` may hold
/// (`Parameters` and `ResultPath` in a JSONata state, `Arguments` in a JSONPath one), in
/// [`ORDER`]: the inspector shows those the state has, so they can be cleared.
pub fn stray_fields(state_type: &str, jsonata: bool) -> Vec<&'static str> {
    let other = if jsonata { JSONPATH_ONLY } else { JSONATA_ONLY };
    generic_fields(state_type, |field| other.contains(&field))
}

fn generic_fields(state_type: &str, keep: impl Fn(&'static str) -> bool) -> Vec<&'static str> {
    let mut fields: Vec<&'static str> =
        state_fields(state_type).iter().copied().filter(|field| !SPECIAL.contains(field) && keep(field)).collect();
    asl::sort::sort_by_key(&mut fields, |field| ORDER.iter().position(|known| known == field).unwrap_or(ORDER.len()));
    fields
}

/// Whether a state of `state_type` has a `Next` or `End`.
pub fn has_transition(state_type: &str) -> bool {
    state_fields(state_type).contains(&"Next")
}

/// How `field` is edited.
pub fn field_kind(field: &str) -> FieldKind {
    match field {
        "TimeoutSeconds"
        | "HeartbeatSeconds"
        | "Seconds"
        | "MaxConcurrency"
        | "ToleratedFailurePercentage"
        | "ToleratedFailureCount"
        | "IntervalSeconds"
        | "MaxAttempts"
        | "BackoffRate"
        | "MaxDelaySeconds" => FieldKind::Number,
        "Parameters" | "Arguments" | "Result" | "ResultSelector" | "Output" | "Assign" | "ItemSelector"
        | "Credentials" | "Items" | "ItemReader" | "ItemBatcher" | "ResultWriter" => FieldKind::Json,
        "ErrorEquals" => FieldKind::StringList,
        _ => FieldKind::Text,
    }
}

/// The text a field shows for its current value (empty when it is missing).
pub fn display_text(node: Option<&Node>, kind: FieldKind) -> String {
    let Some(node) = node else { return String::new() };
    match (&node.value, kind) {
        (Value::String(text), FieldKind::Json) if is_expression(text) => text.clone(),
        (Value::String(text), _) => text.clone(),
        (Value::Number(spelling), _) => spelling.clone(),
        (Value::Array(items), FieldKind::StringList) if items.iter().all(|item| item.as_str().is_some()) => {
            items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(", ")
        }
        (Value::Bool(value), FieldKind::Text | FieldKind::Number) => value.to_string(),
        (Value::Null, FieldKind::Text) => "null".into(),
        _ => json::print(node, "  "),
    }
}

/// Whether a string is a JSONata expression, `{% … %}`.
pub fn is_expression(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("{%") && text.ends_with("%}")
}

/// The edit that writes `text` (what a person typed) into the field at `pointer`, whose
/// current value is `current`: `None` when nothing changes (a number spelled as it was), an
/// error naming the field (`label`) when the text does not fit. Empty text removes the field.
pub fn field_edit(
    pointer: &str,
    label: &str,
    kind: FieldKind,
    text: &str,
    current: Option<&Node>,
) -> Result<Option<Edit>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(current.map(|_| Edit::RemoveField { pointer: pointer.to_string() }));
    }
    if current.is_some() && display_text(current, kind) == text {
        return Ok(None);
    }
    let node = match kind {
        FieldKind::Text if trimmed == "null" && label.ends_with("Path") => Node::synthetic(Value::Null),
        FieldKind::Text => Node::synthetic(Value::String(text.to_string())),
        FieldKind::Number => match json::parse(trimmed) {
            Ok(node @ Node { value: Value::Number(_), .. }) => synthetic(node),
            _ if is_expression(trimmed) => Node::synthetic(Value::String(trimmed.to_string())),
            _ => return Err(format!("{label} must be a number (or a {{% … %}} expression in JSONata)")),
        },
        FieldKind::Json if is_expression(trimmed) => Node::synthetic(Value::String(trimmed.to_string())),
        FieldKind::Json => json_node(label, text)?,
        FieldKind::StringList => Node::synthetic(Value::Array(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Node::synthetic(Value::String(item.to_string())))
                .collect(),
        )),
    };
    // The same value written differently (re-indented JSON) is no change.
    if current.is_some_and(|current| synthetic(current.clone()).value == node.value) {
        return Ok(None);
    }
    Ok(Some(Edit::SetNode { pointer: pointer.to_string(), node }))
}

/// Reads JSON text a person typed, keeping its number spellings and key order; the error
/// names the field, the line and the column.
pub fn json_node(label: &str, text: &str) -> Result<Node, String> {
    json::parse(text).map(synthetic).map_err(|error| {
        let before = &text[..error.offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map(|tail| tail.chars().count()).unwrap_or(0) + 1;
        format!("{label} is not valid JSON: {} (line {line}, column {column})", error.message)
    })
}

/// The JSON error of a text area's content, if any (an expression or empty text is fine).
pub fn json_error(label: &str, kind: FieldKind, text: &str) -> Option<String> {
    let trimmed = text.trim();
    match kind {
        FieldKind::Json if !trimmed.is_empty() && !is_expression(trimmed) => json_node(label, text).err(),
        _ => None,
    }
}

/// A node with every position cleared, as edits create them.
pub fn synthetic(node: Node) -> Node {
    let value = match node.value {
        Value::Array(items) => Value::Array(items.into_iter().map(synthetic).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|member| Member { key: member.key, key_span: Default::default(), value: synthetic(member.value) })
                .collect(),
        ),
        other => other,
    };
    Node::synthetic(value)
}

/// What the transition controls ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Go to this state.
    Next(String),
    /// End the execution (or the branch).
    End,
    /// Neither (the state is left without a transition, for validation to report).
    None,
}

/// The one edit (a batch) that gives a state with fields `has_next`/`has_end` the transition
/// `to`: `Next` and `End` exclude each other, so setting one removes the other.
pub fn transition_edit(state_pointer: &str, has_next: bool, has_end: bool, to: &Transition) -> Option<Edit> {
    let next = pointer_push(state_pointer, "Next");
    let end = pointer_push(state_pointer, "End");
    let mut edits = Vec::new();
    match to {
        Transition::Next(name) => {
            edits.push(Edit::SetField { pointer: next, value: serde_json::Value::String(name.clone()) });
            if has_end {
                edits.push(Edit::RemoveField { pointer: end });
            }
        }
        Transition::End => {
            if has_next {
                edits.push(Edit::RemoveField { pointer: next });
            }
            edits.push(Edit::SetField { pointer: end, value: serde_json::Value::Bool(true) });
        }
        Transition::None => {
            if has_next {
                edits.push(Edit::RemoveField { pointer: next });
            }
            if has_end {
                edits.push(Edit::RemoveField { pointer: end });
            }
        }
    }
    match edits.len() {
        0 => None,
        1 => edits.pop(),
        _ => Some(Edit::Batch(edits)),
    }
}

/// The edit that sets a state's `QueryLanguage` (`""` removes it, so the state inherits).
pub fn query_language_edit(state_pointer: &str, current: Option<&str>, choice: &str) -> Option<Edit> {
    let pointer = pointer_push(state_pointer, "QueryLanguage");
    match (current, choice) {
        (None, "") => None,
        (Some(_), "") => Some(Edit::RemoveField { pointer }),
        (Some(current), choice) if current == choice => None,
        (_, choice) => Some(Edit::SetField { pointer, value: serde_json::Value::String(choice.to_string()) }),
    }
}

/// The edit a choice in the query-language select makes to the state at `state_pointer`,
/// whose value is `state`: its `QueryLanguage` set or removed, as [`query_language_edit`].
/// When the state goes from JSONPath to JSONata (`becomes_jsonata`), its JSONPath fields are
/// also rewritten as JSONata's where the rewrite is sure (`Parameters` → `Arguments`, paths →
/// `{% … %}` expressions, Choice rules → `Condition`: [`state_in_jsonata`]), in one edit of the
/// whole state. What cannot be rewritten stays, and the validator names it.
///
/// [`state_in_jsonata`]: asl::templates::jsonata::state_in_jsonata
pub fn language_switch_edit(
    state_pointer: &str,
    state: &serde_json::Value,
    choice: &str,
    becomes_jsonata: bool,
) -> Option<Edit> {
    let current = state.get("QueryLanguage").and_then(serde_json::Value::as_str);
    let plain = query_language_edit(state_pointer, current, choice)?;
    if !becomes_jsonata {
        return Some(plain);
    }
    let converted = asl::templates::jsonata::state_in_jsonata(state);
    if converted == *state {
        return Some(plain);
    }
    let serde_json::Value::Object(fields) = converted else { return Some(plain) };
    let mut fields: serde_json::Map<String, serde_json::Value> =
        fields.into_iter().filter(|(key, _)| key != "QueryLanguage").collect();
    if !choice.is_empty() {
        fields.insert("QueryLanguage".into(), serde_json::Value::String(choice.to_string()));
    }
    Some(Edit::SetField { pointer: state_pointer.to_string(), value: serde_json::Value::Object(fields) })
}

/// The edit that moves element `from` of the array at `array` to position `to`, keeping the
/// element exactly as written (one undo step).
pub fn move_element_edit(array: &str, element: &Node, from: usize, to: usize) -> Edit {
    Edit::Batch(vec![
        Edit::RemoveElement { array: array.to_string(), index: from },
        Edit::InsertElement { array: array.to_string(), index: to, node: element.clone() },
    ])
}

/// The edit that removes element `index` of the array field `field` of the object at
/// `object`, which holds `length` elements: the whole field goes with its last element
/// (AWS refuses an empty `Retry` or `Catch`).
pub fn remove_element_edit(object: &str, field: &str, index: usize, length: usize) -> Edit {
    let array = pointer_push(object, field);
    if length <= 1 {
        Edit::RemoveField { pointer: array }
    } else {
        Edit::RemoveField { pointer: pointer_push(&array, &index.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        json::parse(text).unwrap()
    }

    fn apply(text: &str, edit: &Edit) -> String {
        let mut root = node(text);
        asl::edit::apply(&mut root, edit).unwrap();
        json::print(&root, "")
    }

    #[test]
    fn fields_follow_the_type_and_the_query_language() {
        let task = shown_fields("Task", false);
        assert_eq!(task.first(), Some(&"Resource"));
        for field in ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "Assign", "Credentials"]
        {
            assert!(task.contains(&field), "{field}");
        }
        assert!(!task.contains(&"Arguments") && !task.contains(&"Next") && !task.contains(&"Retry"));
        let position = |field| task.iter().position(|known| *known == field).unwrap();
        assert!(position("InputPath") < position("Parameters") && position("ResultPath") < position("OutputPath"));
        let task = shown_fields("Task", true);
        for field in ["Arguments", "Output", "Assign", "TimeoutSeconds"] {
            assert!(task.contains(&field), "{field}");
        }
        assert!(!task.contains(&"InputPath") && !task.contains(&"TimeoutSecondsPath"));
        assert!(shown_fields("Wait", false).contains(&"TimestampPath"));
        assert!(shown_fields("Map", true).contains(&"Items"));
        assert!(!shown_fields("Map", false).contains(&"Items"));
        assert!(has_transition("Map") && !has_transition("Choice") && !has_transition("Fail"));
    }

    #[test]
    fn fields_of_the_other_language_are_listed_apart() {
        let stray = stray_fields("Task", true);
        for field in ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"] {
            assert!(stray.contains(&field), "{field}");
        }
        assert!(!stray.contains(&"Arguments") && !stray.contains(&"Assign"));
        assert_eq!(stray_fields("Task", false), vec!["Arguments", "Output"]);
        assert!(stray_fields("Succeed", true).contains(&"OutputPath"));
        assert!(stray_fields("Fail", true).contains(&"ErrorPath") && stray_fields("Fail", false).is_empty());
    }

    #[test]
    fn switching_to_jsonata_rewrites_the_state() {
        let task = serde_json::json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$.order"},
            "Next": "B"
        });
        let Some(Edit::SetField { pointer, value }) = language_switch_edit("/States/A", &task, "JSONata", true) else {
            panic!("expected the whole state to be set");
        };
        assert_eq!(pointer, "/States/A");
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.input.order %}"},"Next":"B","QueryLanguage":"JSONata"}"#
        );
        // Inheriting JSONata from the scope: the rewrite without a QueryLanguage of its own.
        let task_with_language = {
            let mut task = task.clone();
            task["QueryLanguage"] = serde_json::json!("JSONPath");
            task
        };
        let Some(Edit::SetField { value, .. }) = language_switch_edit("/States/A", &task_with_language, "", true)
        else {
            panic!("expected the whole state to be set");
        };
        assert!(value.get("QueryLanguage").is_none() && value.get("Arguments").is_some());
        // Nothing to rewrite, or not becoming JSONata: only the QueryLanguage changes.
        let pass = serde_json::json!({"Type": "Pass", "End": true});
        assert!(matches!(
            language_switch_edit("/States/P", &pass, "JSONata", true),
            Some(Edit::SetField { pointer, .. }) if pointer == "/States/P/QueryLanguage"
        ));
        assert!(matches!(
            language_switch_edit("/States/A", &task, "JSONPath", false),
            Some(Edit::SetField { pointer, .. }) if pointer == "/States/A/QueryLanguage"
        ));
        assert!(language_switch_edit("/States/A", &task, "", false).is_none());
    }

    #[test]
    fn numbers_keep_their_spelling_unless_changed() {
        let current = node("1.50");
        let kind = FieldKind::Number;
        assert_eq!(display_text(Some(&current), kind), "1.50");
        assert_eq!(field_edit("/States/A/Seconds", "Seconds", kind, "1.50", Some(&current)), Ok(None));
        let edit = field_edit("/States/A/Seconds", "Seconds", kind, " 2.0 ", Some(&current)).unwrap().unwrap();
        assert_eq!(apply(r#"{"States":{"A":{"Seconds":1.50}}}"#, &edit), r#"{"States":{"A":{"Seconds":2.0}}}"#);
        assert_eq!(
            field_edit("/States/A/Seconds", "Seconds", kind, "soon", Some(&current)),
            Err("Seconds must be a number (or a {% … %} expression in JSONata)".into())
        );
        let edit = field_edit("/States/A/Seconds", "Seconds", kind, "{% $wait %}", None).unwrap().unwrap();
        assert_eq!(apply(r#"{"States":{"A":{}}}"#, &edit), r#"{"States":{"A":{"Seconds":"{% $wait %}"}}}"#);
    }

    #[test]
    fn empty_text_removes_the_field() {
        let current = node(r#""$.a""#);
        assert_eq!(
            field_edit("/States/A~1B/InputPath", "InputPath", FieldKind::Text, "  ", Some(&current)),
            Ok(Some(Edit::RemoveField { pointer: "/States/A~1B/InputPath".into() }))
        );
        assert_eq!(field_edit("/States/A/InputPath", "InputPath", FieldKind::Text, "", None), Ok(None));
        let edit = field_edit("/States/A/ResultPath", "ResultPath", FieldKind::Text, "null", Some(&current)).unwrap();
        assert_eq!(
            edit,
            Some(Edit::SetNode { pointer: "/States/A/ResultPath".into(), node: Node::synthetic(Value::Null) })
        );
    }

    #[test]
    fn json_is_written_only_when_valid_and_as_typed() {
        let error =
            field_edit("/States/A/Parameters", "Parameters", FieldKind::Json, "{\n  \"a\": }", None).unwrap_err();
        assert!(error.starts_with("Parameters is not valid JSON: "), "{error}");
        assert!(error.ends_with("(line 2, column 8)"), "{error}");
        assert_eq!(json_error("Parameters", FieldKind::Json, "{\"a\": }").map(|_| ()), Some(()));
        assert_eq!(json_error("Output", FieldKind::Json, "{% $states.input %}"), None);
        let edit =
            field_edit("/States/A/Parameters", "Parameters", FieldKind::Json, r#"{"b": 1.0, "a.$": "$.x"}"#, None)
                .unwrap()
                .unwrap();
        assert_eq!(apply(r#"{"States":{"A":{}}}"#, &edit), r#"{"States":{"A":{"Parameters":{"b":1.0,"a.$":"$.x"}}}}"#);
        // The same value, indented differently, is no change.
        let current = node(r#"{"b": 1.0}"#);
        assert_eq!(field_edit("/p", "Parameters", FieldKind::Json, "{\"b\":1.0}", Some(&current)), Ok(None));
    }

    #[test]
    fn error_lists_are_typed_comma_separated() {
        let current = node(r#"["States.Timeout", "States.TaskFailed"]"#);
        assert_eq!(display_text(Some(&current), FieldKind::StringList), "States.Timeout, States.TaskFailed");
        let edit = field_edit("/R/0/ErrorEquals", "ErrorEquals", FieldKind::StringList, "States.ALL, ", Some(&current));
        let Ok(Some(Edit::SetNode { node, .. })) = edit else { panic!("{edit:?}") };
        assert_eq!(node.to_serde(), serde_json::json!(["States.ALL"]));
    }

    #[test]
    fn next_and_end_exclude_each_other_in_one_step() {
        let state = r#"{"States":{"A":{"Type":"Pass","End":true}}}"#;
        let edit = transition_edit("/States/A", false, true, &Transition::Next("B".into())).unwrap();
        assert!(matches!(edit, Edit::Batch(_)));
        assert_eq!(apply(state, &edit), r#"{"States":{"A":{"Type":"Pass","Next":"B"}}}"#);
        let state = r#"{"States":{"A":{"Type":"Pass","Next":"B"}}}"#;
        let edit = transition_edit("/States/A", true, false, &Transition::End).unwrap();
        assert_eq!(apply(state, &edit), r#"{"States":{"A":{"Type":"Pass","End":true}}}"#);
        assert_eq!(transition_edit("/States/A", false, false, &Transition::None), None);
    }

    #[test]
    fn query_language_can_be_inherited() {
        assert_eq!(query_language_edit("/States/A", None, ""), None);
        assert_eq!(
            query_language_edit("/States/A", Some("JSONata"), ""),
            Some(Edit::RemoveField { pointer: "/States/A/QueryLanguage".into() })
        );
        assert_eq!(
            query_language_edit("/States/A", None, "JSONata"),
            Some(Edit::SetField { pointer: "/States/A/QueryLanguage".into(), value: "JSONata".into() })
        );
    }

    #[test]
    fn elements_move_and_go_exactly() {
        let text = r#"{"Retry":[{"MaxAttempts":1.0},{"MaxAttempts":2}]}"#;
        let root = node(text);
        let first = root.get("Retry").unwrap().elements().unwrap()[0].clone();
        let edit = move_element_edit("/Retry", &first, 0, 1);
        assert_eq!(apply(text, &edit), r#"{"Retry":[{"MaxAttempts":2},{"MaxAttempts":1.0}]}"#);
        assert_eq!(apply(text, &remove_element_edit("", "Retry", 1, 2)), r#"{"Retry":[{"MaxAttempts":1.0}]}"#);
        assert_eq!(apply(r#"{"Retry":[{}],"X":1}"#, &remove_element_edit("", "Retry", 0, 1)), r#"{"X":1}"#);
    }
}

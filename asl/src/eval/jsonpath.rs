//! The JSONPath data flow of a state, as AWS runs it: `InputPath`, payload templates
//! (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`), `ResultPath` and `OutputPath`,
//! with AWS's error names and causes.
//!
//! Causes are returned without the `An error occurred while executing the state …` prefix;
//! [`super::failure::Site::wrap`] adds it where a history gives the event id.

use serde_json::{Map, Value};

use super::{Environment, EvalError, PathScope, failure::compact};
use crate::{
    intrinsic,
    path::{self, PathRoot, Segment},
};

/// `InputPath` or `OutputPath`: absent keeps `value`, `null` gives `{}`, a path selects from
/// `scope` (whose `$` is `value`). A path that names nothing is `States.Runtime`:
/// `Invalid path '$.x' : No results for path: $['x']`.
pub fn filter_path(field: Option<&Value>, value: &Value, scope: &PathScope) -> Result<Value, EvalError> {
    match field {
        None => Ok(value.clone()),
        Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(Value::String(text)) => path::evaluate_path_text(text, scope),
        Some(other) => Err(EvalError::runtime(format!("Invalid path {} : a path must be a string", compact(other)))),
    }
}

/// Evaluates a payload template (`Parameters`, `ResultSelector`, `ItemSelector`, or a
/// JSONPath `Assign`): in objects at any depth, a key ending in `.$` takes the value of the
/// path or intrinsic function call its string holds, under the key without `.$`; other
/// values are copied, objects and arrays recursively.
pub fn payload_template(template: &Value, scope: &PathScope, env: &mut dyn Environment) -> Result<Value, EvalError> {
    match template {
        Value::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (key, value) in members {
                match (key.strip_suffix(".$"), value) {
                    (Some(name), Value::String(expression)) => {
                        let resolved = dynamic_value(key, expression, scope, env)?;
                        out.insert(name.to_string(), resolved);
                    }
                    _ => {
                        out.insert(key.clone(), payload_template(value, scope, env)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(elements) => elements
            .iter()
            .map(|element| payload_template(element, scope, env))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// The value of one `"key.$": "expression"` member: an intrinsic function call or a path,
/// with AWS's cause when a path names nothing (`The JSONPath '$.x' specified for the field
/// 'key.$' could not be found in the input '…'`).
pub fn dynamic_value(
    key: &str,
    expression: &str,
    scope: &PathScope,
    env: &mut dyn Environment,
) -> Result<Value, EvalError> {
    intrinsic::evaluate_field(key, expression, scope, env)
}

/// `ResultPath`: where the result goes in the state's raw input. Absent or `$` replaces the
/// input, `null` discards the result, `$.a.b` writes into a copy of the input, creating
/// missing objects on the way. Writing through something that is not an object (or an array
/// with that index) is `States.ResultPathMatchFailure`.
pub fn apply_result_path(field: Option<&Value>, raw_input: &Value, result: Value) -> Result<Value, EvalError> {
    let text = match field {
        None => return Ok(result),
        Some(Value::Null) => return Ok(raw_input.clone()),
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(EvalError::runtime(format!("Invalid ResultPath {} : a path must be a string", compact(other))));
        }
    };
    let parsed = super::memo::reference_path(text)
        .map_err(|error| EvalError::runtime(format!("Invalid ResultPath '{text}' : {}", error.message)))?;
    if parsed.root != PathRoot::Input {
        return Err(EvalError::runtime(format!("Invalid ResultPath '{text}' : a ResultPath must start with '$'")));
    }
    if parsed.segments.is_empty() {
        return Ok(result);
    }
    let mut output = raw_input.clone();
    write_at(&mut output, &parsed.segments, result, text)?;
    Ok(output)
}

/// Reads a path that must name something (`ItemsPath`, `MaxConcurrencyPath`, …): what it
/// names, or `States.Runtime` with AWS's `Invalid path '$.x' : No results for path: $['x']`.
pub fn read_required(text: &str, scope: &PathScope) -> Result<Value, EvalError> {
    path::evaluate_path_text(text, scope)
}

/// Reads a path that a field requires to name a value (`SecondsPath`, `ItemsPath`, a Choice
/// `Variable`, …): `None` when it names nothing (the callers word AWS's cause).
pub fn read_reference(text: &str, scope: &PathScope) -> Option<Value> {
    path::evaluate_path_text(text, scope).ok()
}

fn write_at(target: &mut Value, segments: &[Segment], result: Value, text: &str) -> Result<(), EvalError> {
    let Some((first, rest)) = segments.split_first() else {
        *target = result;
        return Ok(());
    };
    let mismatch = |target: &Value, step: String| {
        EvalError::new(
            "States.ResultPathMatchFailure",
            format!("Unable to apply step \"{step}\" to input {} (ResultPath '{text}')", compact(target)),
        )
    };
    match first {
        Segment::Child(name) => {
            let Value::Object(members) = target else { return Err(mismatch(target, name.clone())) };
            let slot = members.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
            if rest.is_empty() {
                *slot = result;
                return Ok(());
            }
            write_at(slot, rest, result, text)
        }
        Segment::Index(index) => {
            let step = index.to_string();
            let Value::Array(elements) = target else { return Err(mismatch(target, step)) };
            let position = if *index < 0 { elements.len() as i64 + index } else { *index };
            let Some(slot) = usize::try_from(position).ok().and_then(|position| elements.get_mut(position)) else {
                return Err(mismatch(&Value::Array(elements.clone()), step));
            };
            if rest.is_empty() {
                *slot = result;
                return Ok(());
            }
            write_at(slot, rest, result, text)
        }
        _ => Err(EvalError::runtime(format!("Invalid ResultPath '{text}' : a ResultPath must be a reference path"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_path_replaces_merges_discards_and_creates() {
        let input = json!({"a": 1, "nested": {"keep": true}});
        assert_eq!(apply_result_path(None, &input, json!(5)).expect("replace"), json!(5));
        assert_eq!(apply_result_path(Some(&json!("$")), &input, json!(5)).expect("replace"), json!(5));
        assert_eq!(apply_result_path(Some(&Value::Null), &input, json!(5)).expect("discard"), input);
        assert_eq!(
            apply_result_path(Some(&json!("$.nested.new.deep")), &input, json!([1])).expect("create"),
            json!({"a": 1, "nested": {"keep": true, "new": {"deep": [1]}}})
        );
        assert_eq!(
            apply_result_path(Some(&json!("$.a")), &input, json!("x")).expect("overwrite"),
            json!({"a": "x", "nested": {"keep": true}})
        );
        let through = apply_result_path(Some(&json!("$.a.b")), &input, json!(1)).expect_err("a is a number");
        assert_eq!(through.error, "States.ResultPathMatchFailure");
    }

    #[test]
    fn result_path_into_a_non_object_is_a_match_failure() {
        let error = apply_result_path(Some(&json!("$.x")), &json!("text"), json!(1)).expect_err("not an object");
        assert_eq!(error.error, "States.ResultPathMatchFailure");
        assert!(error.cause.contains("\"x\""), "{}", error.cause);
    }
}

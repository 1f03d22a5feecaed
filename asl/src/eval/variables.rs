//! Variables: `Assign` in states, Choice rules and catchers, and how assignments take effect.
//!
//! Every expression in a state (its paths, templates, `Output` and `Assign` itself) reads
//! the variables as they were when the state was entered; the state's assignments take
//! effect when it exits. In JSONPath, `Assign` is a payload template whose `$` is the state's
//! result (after `ResultSelector`), its input for states without a result (Choice, Wait), or
//! the error output in a catcher. Parallel branches and Map iterations start from a copy of
//! the variables around them, so assignments inside never leak out.

use serde_json::{Map, Value};

use super::{
    Environment, EvalError, PathScope,
    expression::{ExpressionScope, evaluate_template},
    jsonpath::payload_template,
};

/// The largest serialized size AWS allows for one assigned value, and for all the values of
/// one `Assign` together: 256 KiB.
pub const MAX_ASSIGNMENT_BYTES: usize = 256 * 1024;

/// The values a JSONPath `Assign` sets (`name.$` keys read paths and intrinsic functions).
pub fn assign_jsonpath(
    assign: &Value,
    scope: &PathScope,
    env: &mut dyn Environment,
) -> Result<Map<String, Value>, EvalError> {
    match payload_template(assign, scope, env)? {
        Value::Object(assigned) => {
            check_sizes(&assigned)?;
            Ok(assigned)
        }
        other => Err(EvalError::runtime(format!("The Assign field must be an object, but was: {other}"))),
    }
}

/// The values a JSONata `Assign` sets (`{% … %}` strings at any depth evaluated).
pub fn assign_jsonata(
    assign: &Value,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<Map<String, Value>, EvalError> {
    let Value::Object(members) = assign else {
        return Err(EvalError::query(format!("The Assign field must be an object, but was: {assign}")));
    };
    let mut assigned = Map::with_capacity(members.len());
    for (name, value) in members {
        assigned.insert(name.clone(), evaluate_template(value, &format!("Assign/{name}"), scope, env)?);
    }
    check_sizes(&assigned)?;
    Ok(assigned)
}

/// Refuses assignments over AWS's size limits with `States.DataLimitExceeded`.
pub fn check_sizes(assigned: &Map<String, Value>) -> Result<(), EvalError> {
    let mut total = 0;
    for (name, value) in assigned {
        let size = serde_json::to_string(value).map_or(0, |text| text.len());
        if size > MAX_ASSIGNMENT_BYTES {
            return Err(EvalError::new(
                "States.DataLimitExceeded",
                format!(
                    "The value assigned to the variable '{name}' is {size} bytes, more than the limit of 262144 bytes (256 KiB)."
                ),
            ));
        }
        total += size;
    }
    if total > MAX_ASSIGNMENT_BYTES {
        return Err(EvalError::new(
            "States.DataLimitExceeded",
            format!(
                "The values assigned by one Assign field total {total} bytes, more than the limit of 262144 bytes (256 KiB)."
            ),
        ));
    }
    Ok(())
}

/// Makes a state's assignments take effect.
pub fn apply(variables: &mut Map<String, Value>, assigned: &Map<String, Value>) {
    for (name, value) in assigned {
        variables.insert(name.clone(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oversized_values_are_refused() {
        let mut assigned = Map::new();
        assigned.insert("big".into(), Value::String("x".repeat(MAX_ASSIGNMENT_BYTES)));
        let error = check_sizes(&assigned).expect_err("too big");
        assert_eq!(error.error, "States.DataLimitExceeded");
        assert!(error.cause.contains("'big'"));
        let mut two = Map::new();
        two.insert("a".into(), Value::String("x".repeat(MAX_ASSIGNMENT_BYTES / 2)));
        two.insert("b".into(), Value::String("x".repeat(MAX_ASSIGNMENT_BYTES / 2)));
        assert!(check_sizes(&two).is_err());
        assert!(check_sizes(&Map::from_iter([("ok".to_string(), json!(1))])).is_ok());
    }

    #[test]
    fn literal_assignments_are_not_paths() {
        let input = json!({"x": 1});
        let context = json!({});
        let variables = Map::new();
        let scope = PathScope { input: &input, context: &context, variables: &variables };
        let mut env = super::super::FixedEnvironment::new(0, 0);
        let assigned = assign_jsonpath(&json!({"literal": "$.x", "list": ["$.x", {"a": 1}]}), &scope, &mut env)
            .expect("literals only");
        assert_eq!(assigned["literal"], json!("$.x"));
        assert_eq!(assigned["list"], json!(["$.x", {"a": 1}]));
    }
}

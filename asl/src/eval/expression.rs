//! JSONata in states: `{% … %}` strings anywhere in a field's value (Arguments, Output,
//! Assign, Items, ItemSelector, Condition, Wait and Fail fields), evaluated with `$states`
//! (`input`, `context`, `result`, `errorOutput`) and the variables in scope, with AWS's
//! `States.QueryEvaluationError` causes that name the field (`Output/result`).

use serde_json::{Map, Value};

use super::{Environment, EvalError, failure::compact, type_name};
use crate::jsonata::{self, UNSUPPORTED_RESULT};

/// The `$states` reserved variable.
#[derive(Clone, Debug, PartialEq)]
pub struct States {
    /// `$states.input`: the state's raw input.
    pub input: Value,
    /// `$states.context`: the context object.
    pub context: Value,
    /// `$states.result`: the result of a Task, Parallel or Map state, once there is one.
    pub result: Option<Value>,
    /// `$states.errorOutput`: the error output, in a catcher.
    pub error_output: Option<Value>,
}

impl States {
    /// `$states` with an input and a context, and no result or error yet.
    pub fn new(input: Value, context: Value) -> States {
        States { input, context, result: None, error_output: None }
    }

    /// The object `$states` holds, keys in AWS's order (`input`, `context`, `result`,
    /// `errorOutput`), absent ones left out.
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        object.insert("input".into(), self.input.clone());
        object.insert("context".into(), self.context.clone());
        if let Some(result) = &self.result {
            object.insert("result".into(), result.clone());
        }
        if let Some(error_output) = &self.error_output {
            object.insert("errorOutput".into(), error_output.clone());
        }
        Value::Object(object)
    }
}

/// What JSONata expressions in one evaluation can read: the variables in scope and `$states`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpressionScope {
    bindings: Map<String, Value>,
    input: Value,
}

impl ExpressionScope {
    /// The scope for `states` and the visible `variables`.
    pub fn new(variables: &Map<String, Value>, states: &States) -> ExpressionScope {
        let mut bindings = variables.clone();
        bindings.insert("states".into(), states.to_value());
        ExpressionScope { bindings, input: states.input.clone() }
    }
}

/// The expression text of a `{% … %}` string (trimmed, as AWS quotes it), or `None` for
/// any other value.
pub fn expression_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(text) => jsonata::template_body(text).map(|(body, _)| body),
        _ => None,
    }
}

/// Evaluates one expression for `field`. `Ok(None)` when it yields nothing (undefined).
pub fn evaluate_expression(
    body: &str,
    field: &str,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<Option<Value>, EvalError> {
    let shown = body.trim();
    let parsed = jsonata::parse(body).map_err(|error| {
        EvalError::query(format!(
            "The JSONata expression '{shown}' specified for the field '{field}' could not be parsed: {error}"
        ))
    })?;
    jsonata::evaluate(&parsed, &scope.input, &scope.bindings, env).map_err(|error| {
        if error.cause.starts_with("The JSONata expression") {
            error
        } else if error.cause == UNSUPPORTED_RESULT {
            EvalError::new(
                error.error,
                format!("The JSONata expression '{shown}' specified for the field '{field}' {UNSUPPORTED_RESULT}."),
            )
        } else {
            EvalError::new(
                error.error,
                format!(
                    "The JSONata expression '{shown}' specified for the field '{field}' threw an error during evaluation. {}",
                    error.cause
                ),
            )
        }
    })
}

/// Evaluates a field value: `{% … %}` strings at any depth replaced by what they yield,
/// everything else copied. An expression that yields nothing is an error naming the field
/// path (`The JSONata expression '$x' specified for the field 'Output/result' returned
/// nothing (undefined).`).
pub fn evaluate_template(
    template: &Value,
    field: &str,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<Value, EvalError> {
    match template {
        Value::String(_) => match expression_of(template) {
            Some(body) => evaluate_expression(body, field, scope, env)?.ok_or_else(|| undefined(body, field)),
            None => Ok(template.clone()),
        },
        Value::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (key, value) in members {
                out.insert(key.clone(), evaluate_template(value, &format!("{field}/{key}"), scope, env)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(elements) => elements
            .iter()
            .enumerate()
            .map(|(index, element)| evaluate_template(element, &format!("{field}/{index}"), scope, env))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// The error for an expression that yielded nothing.
pub fn undefined(body: &str, field: &str) -> EvalError {
    EvalError::query(format!(
        "The JSONata expression '{}' specified for the field '{field}' returned nothing (undefined).",
        body.trim()
    ))
}

/// The error for an expression whose value has the wrong type, in AWS's words.
pub fn wrong_type(body: &str, field: &str, expected: &str, value: &Value) -> EvalError {
    EvalError::query(format!(
        "The JSONata expression '{}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
        body.trim(),
        type_name(value),
        compact(value)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_keeps_aws_key_order() {
        let mut states = States::new(json!(1), json!({}));
        states.error_output = Some(json!({"Error": "E"}));
        let keys: Vec<_> = states.to_value().as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["input", "context", "errorOutput"]);
    }

    #[test]
    fn literal_templates_are_copied() {
        let scope = ExpressionScope::new(&Map::new(), &States::new(json!({}), json!({})));
        let mut env = super::super::FixedEnvironment::new(1, 0);
        let template = json!({"a": [1, " {% not an expression %} ", "$.x"], "b": null});
        assert_eq!(evaluate_template(&template, "Output", &scope, &mut env).expect("literal"), template);
        assert_eq!(expression_of(&json!("{% $x %}")), Some(" $x "));
        assert_eq!(
            undefined(" $doesNotExist ", "Output/result").cause,
            "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
        );
    }
}

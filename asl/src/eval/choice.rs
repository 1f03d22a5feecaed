//! Choice rules as AWS evaluates them.
//!
//! JSONPath rules compare the value a `Variable` path names with a literal or with another
//! path (`…Path` operators). A value of the wrong type makes a comparison false, not an
//! error; a `Variable` (or `…Path`) that names nothing is a `States.Runtime` error except
//! for `IsPresent`. Strings compare by UTF-16 code units (Java's order), numbers by value
//! (`1` equals `1.0`), timestamps as instants. `StringMatches` takes `*` as any run of
//! characters, `\*` as a star and `\\` as a backslash.
//!
//! JSONata rules are a `Condition` that must yield a boolean.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::{
    Environment, EvalError, PathScope,
    expression::{ExpressionScope, evaluate_expression, expression_of, undefined, wrong_type},
    jsonpath::read_reference,
    time::parse_timestamp,
};

/// Which rule of a Choice state matched.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision<'a> {
    /// Rule `index` of `Choices` matched.
    Rule {
        /// Its position in `Choices`.
        index: usize,
        /// The rule's object (`Next`, `Assign`, `Output`).
        rule: &'a Map<String, Value>,
    },
    /// No rule matched: the state's `Default`, if it has one.
    Default(Option<&'a str>),
}

/// Evaluates the `Choices` of a JSONPath Choice state against `scope` (whose `$` is the
/// state's input after `InputPath`).
pub fn decide_jsonpath<'a>(
    choices: &'a [Value],
    default: Option<&'a str>,
    scope: &PathScope,
) -> Result<Decision<'a>, EvalError> {
    for (index, rule) in choices.iter().enumerate() {
        let Some(rule) = rule.as_object() else { continue };
        if evaluate_rule(rule, scope)? {
            return Ok(Decision::Rule { index, rule });
        }
    }
    Ok(Decision::Default(default))
}

/// Evaluates the `Choices` of a JSONata Choice state: the first rule whose `Condition`
/// yields `true`.
pub fn decide_jsonata<'a>(
    choices: &'a [Value],
    default: Option<&'a str>,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<Decision<'a>, EvalError> {
    for (index, rule) in choices.iter().enumerate() {
        let Some(rule) = rule.as_object() else { continue };
        if condition_holds(rule.get("Condition").unwrap_or(&Value::Bool(false)), scope, env)? {
            return Ok(Decision::Rule { index, rule });
        }
    }
    Ok(Decision::Default(default))
}

/// A JSONata `Condition`: a boolean literal, or an expression that must yield a boolean.
pub fn condition_holds(
    condition: &Value,
    scope: &ExpressionScope,
    env: &mut dyn Environment,
) -> Result<bool, EvalError> {
    match condition {
        Value::Bool(value) => Ok(*value),
        _ => {
            let Some(body) = expression_of(condition) else {
                return Err(EvalError::query(format!(
                    "The Condition field must be a boolean or a JSONata expression, but was: {condition}"
                )));
            };
            match evaluate_expression(body, "Condition", scope, env)? {
                Some(Value::Bool(value)) => Ok(value),
                Some(other) => Err(wrong_type(body, "Condition", "boolean", &other)),
                None => Err(undefined(body, "Condition")),
            }
        }
    }
}

/// Evaluates one JSONPath rule (a comparison, or `And`/`Or`/`Not` of rules).
pub fn evaluate_rule(rule: &Map<String, Value>, scope: &PathScope) -> Result<bool, EvalError> {
    // One pass over the rule's few members instead of a hashed lookup per name.
    let (mut and, mut or, mut not, mut variable, mut comparison) = (None, None, None, None, None);
    for (key, value) in rule {
        match key.as_str() {
            "And" => and = Some(value),
            "Or" => or = Some(value),
            "Not" => not = Some(value),
            "Variable" => variable = Some(value),
            _ if comparison.is_none() && is_operator(key) => comparison = Some((key, value)),
            _ => {}
        }
    }
    if let Some(Value::Array(rules)) = and {
        for inner in rules {
            if !evaluate_rule(as_rule(inner)?, scope)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(Value::Array(rules)) = or {
        for inner in rules {
            if evaluate_rule(as_rule(inner)?, scope)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(inner) = not {
        return Ok(!evaluate_rule(as_rule(inner)?, scope)?);
    }
    let variable = variable
        .and_then(Value::as_str)
        .ok_or_else(|| EvalError::runtime("A Choice rule has no Variable and no And, Or or Not"))?;
    let Some((operator, operand)) = comparison else {
        return Err(EvalError::runtime(format!("The Choice rule for '{variable}' has no comparison operator")));
    };
    let value = read_reference(variable, scope);
    if operator == "IsPresent" {
        return Ok(value.is_some() == (operand.as_bool() == Some(true)));
    }
    let Some(value) = value else { return Err(invalid_value(variable)) };
    compare(operator, &value, operand, scope)
}

/// Compares two JSON numbers by value: exactly when both are integers, as `f64` otherwise.
pub fn compare_numbers(left: &Number, right: &Number) -> Option<Ordering> {
    if let (Some(left), Some(right)) = (left.as_i64(), right.as_i64()) {
        return Some(left.cmp(&right));
    }
    if let (Some(left), Some(right)) = (left.as_u64(), right.as_u64()) {
        return Some(left.cmp(&right));
    }
    left.as_f64()?.partial_cmp(&right.as_f64()?)
}

/// `StringMatches`: `*` matches any run of characters (including none), `\*` a star, `\\` a
/// backslash; the whole string must match.
pub fn string_matches(text: &str, pattern: &str) -> bool {
    let mut tokens = Vec::new();
    let mut characters = pattern.chars();
    while let Some(character) = characters.next() {
        match character {
            '\\' => tokens.push(Some(characters.next().unwrap_or('\\'))),
            '*' => tokens.push(None),
            other => tokens.push(Some(other)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard matching with backtracking to the last star.
    let (mut at_text, mut at_token) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while at_text < text.len() {
        match tokens.get(at_token) {
            Some(Some(expected)) if *expected == text[at_text] => {
                at_text += 1;
                at_token += 1;
            }
            Some(None) => {
                star = Some((at_token, at_text));
                at_token += 1;
            }
            _ => match star {
                Some((star_token, star_text)) => {
                    at_token = star_token + 1;
                    at_text = star_text + 1;
                    star = Some((star_token, star_text + 1));
                }
                None => return false,
            },
        }
    }
    tokens[at_token..].iter().all(Option::is_none)
}

fn as_rule(value: &Value) -> Result<&Map<String, Value>, EvalError> {
    value.as_object().ok_or_else(|| EvalError::runtime("A Choice rule must be a JSON object"))
}

fn invalid_value(path: &str) -> EvalError {
    EvalError::runtime(format!("Invalid path '{path}': The choice state's condition path references an invalid value."))
}

fn is_operator(key: &str) -> bool {
    const TESTS: [&str; 6] = ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"];
    if TESTS.contains(&key) || key == "StringMatches" || key == "BooleanEquals" || key == "BooleanEqualsPath" {
        return true;
    }
    let base = key.strip_suffix("Path").unwrap_or(key);
    let (family, relation) = split_operator(base);
    matches!(family, "String" | "Numeric" | "Timestamp")
        && matches!(relation, "Equals" | "LessThan" | "GreaterThan" | "LessThanEquals" | "GreaterThanEquals")
}

/// Applies comparison `operator` to `value` (what `Variable` names) and `operand` (the
/// literal, or for `…Path` operators the path to the other value).
fn compare(operator: &str, value: &Value, operand: &Value, scope: &PathScope) -> Result<bool, EvalError> {
    let expected = operand.as_bool() == Some(true);
    match operator {
        "IsNull" => return Ok(value.is_null() == expected),
        "IsNumeric" => return Ok(value.is_number() == expected),
        "IsString" => return Ok(value.is_string() == expected),
        "IsBoolean" => return Ok(value.is_boolean() == expected),
        "IsTimestamp" => {
            let is_timestamp = value.as_str().and_then(parse_timestamp).is_some();
            return Ok(is_timestamp == expected);
        }
        _ => {}
    }
    let (base, other) = match operator.strip_suffix("Path") {
        Some(base) => {
            let path = operand.as_str().unwrap_or_default();
            match read_reference(path, scope) {
                Some(other) => (base, other),
                None => return Err(invalid_value(path)),
            }
        }
        None => (operator, operand.clone()),
    };
    Ok(match base {
        "StringMatches" => match (value, &other) {
            (Value::String(text), Value::String(pattern)) => string_matches(text, pattern),
            _ => false,
        },
        "BooleanEquals" => matches!((value, &other), (Value::Bool(left), Value::Bool(right)) if left == right),
        _ => {
            let (family, relation) = split_operator(base);
            let ordering = match family {
                "String" => match (value, &other) {
                    (Value::String(left), Value::String(right)) => Some(left.encode_utf16().cmp(right.encode_utf16())),
                    _ => None,
                },
                "Numeric" => match (value, &other) {
                    (Value::Number(left), Value::Number(right)) => compare_numbers(left, right),
                    _ => None,
                },
                "Timestamp" => match (value, &other) {
                    (Value::String(left), Value::String(right)) => {
                        match (parse_timestamp(left), parse_timestamp(right)) {
                            (Some(left), Some(right)) => Some(left.cmp(&right)),
                            _ => None,
                        }
                    }
                    _ => None,
                },
                _ => None,
            };
            ordering.is_some_and(|ordering| relation_holds(relation, ordering))
        }
    })
}

/// `StringLessThanEquals` → (`String`, `LessThanEquals`).
fn split_operator(operator: &str) -> (&str, &str) {
    for family in ["String", "Numeric", "Timestamp", "Boolean"] {
        if let Some(relation) = operator.strip_prefix(family) {
            return (family, relation);
        }
    }
    ("", operator)
}

fn relation_holds(relation: &str, ordering: Ordering) -> bool {
    match relation {
        "Equals" => ordering == Ordering::Equal,
        "LessThan" => ordering == Ordering::Less,
        "GreaterThan" => ordering == Ordering::Greater,
        "LessThanEquals" => ordering != Ordering::Greater,
        "GreaterThanEquals" => ordering != Ordering::Less,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decide(rule: Value, input: Value) -> Result<bool, EvalError> {
        let variables = Map::new();
        let context = json!({});
        let scope = PathScope { input: &input, context: &context, variables: &variables };
        evaluate_rule(rule.as_object().expect("object"), &scope)
    }

    #[test]
    fn type_mismatches_are_false() {
        assert!(!decide(json!({"Variable": "$.v", "NumericEquals": 0}), json!({"v": "0"})).expect("ok"));
        assert!(!decide(json!({"Variable": "$.v", "StringEquals": "1"}), json!({"v": 1})).expect("ok"));
        assert!(!decide(json!({"Variable": "$.v", "BooleanEquals": false}), json!({"v": null})).expect("ok"));
        assert!(
            !decide(json!({"Variable": "$.v", "TimestampEquals": "2012-10-09T19:00:55Z"}), json!({"v": 0}))
                .expect("ok")
        );
        assert!(decide(json!({"Variable": "$.v", "NumericEqualsPath": "$.w"}), json!({"v": 1, "w": 1.0})).expect("ok"));
    }

    #[test]
    fn missing_variables_are_errors_except_for_is_present() {
        assert!(!decide(json!({"Variable": "$.missing", "IsPresent": true}), json!({})).expect("ok"));
        assert!(decide(json!({"Variable": "$.missing", "IsPresent": false}), json!({})).expect("ok"));
        let error = decide(json!({"Variable": "$.missing", "IsNull": true}), json!({})).expect_err("missing");
        assert_eq!(error.error, "States.Runtime");
        assert_eq!(
            error.cause,
            "Invalid path '$.missing': The choice state's condition path references an invalid value."
        );
    }

    #[test]
    fn timestamps_compare_as_instants_and_strings_by_utf16() {
        let rule = json!({"Variable": "$.t", "TimestampEquals": "2012-10-09T19:00:55Z"});
        assert!(decide(rule, json!({"t": "2012-10-09T20:00:55+01:00"})).expect("ok"));
        assert!(decide(json!({"Variable": "$.s", "StringLessThan": "AB"}), json!({"s": "A"})).expect("ok"));
        assert!(decide(json!({"Variable": "$.s", "StringGreaterThan": "\u{ffff}"}), json!({"s": "\u{10000}"})).is_ok());
    }

    #[test]
    fn composite_rules_nest() {
        let rule = json!({"And": [
            {"Variable": "$", "IsNumeric": true},
            {"Not": {"Variable": "$", "NumericEquals": 3}},
            {"Or": [{"Variable": "$", "NumericLessThan": 0}, {"Variable": "$", "NumericGreaterThan": 2}]}
        ]});
        assert!(decide(rule.clone(), json!(4)).expect("ok"));
        assert!(!decide(rule.clone(), json!(3)).expect("ok"));
        assert!(!decide(rule, json!("x")).expect("ok"));
    }

    #[test]
    fn string_matches_wildcards_and_escapes() {
        assert!(string_matches("log-2024.txt", "log-*.txt"));
        assert!(string_matches("abc", "*"));
        assert!(string_matches("", "*"));
        assert!(!string_matches("abc", "ab"));
        assert!(string_matches("a*c", "a\\*c"));
        assert!(!string_matches("abc", "a\\*c"));
        assert!(string_matches("a\\c", "a\\\\c"));
        assert!(string_matches("aXbXc", "a*b*c"));
        assert!(!string_matches("aXbXd", "a*b*c"));
    }
}

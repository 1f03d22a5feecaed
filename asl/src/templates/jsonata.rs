//! JSONPath states rewritten for JSONata: a palette state dropped into a JSONata machine, or a
//! state switched to JSONata in the inspector, gets JSONata's fields (`Arguments`, `Output`,
//! `Items`, `Condition`, `{% … %}` expressions); and the query language a state inherits.
//!
//! The rewrite covers the JSONPath forms the palette uses and the common ones around them:
//! `Parameters`/`ItemSelector` (keys ending in `.$` with a path), `OutputPath` and `Result`
//! when no `ResultPath` or `ResultSelector` changes what the state outputs, a Task, Parallel or
//! Map's `ResultPath` of field names (and a catcher's) as an `Output` that merges the result
//! into the input, `ItemsPath`, `SecondsPath`/`TimestampPath`, Choice rules with `Variable`
//! and a comparison (also nested `And`/`Or`/`Not`; timestamps compared as instants with
//! `$toMillis`), `Assign` (over what JSONPath gives it as `$`: a result, an effective input or
//! an error output), and a plain `InputPath`, folded into every path that reads the input. Anything
//! else is left as it is, so the validator names it rather than a rewrite guessing. One difference remains by design: a rule reading a field the input lacks
//! fails with `States.Runtime` in JSONPath, while the rewritten condition is false (or, for
//! timestamps, fails with `States.QueryEvaluationError`).

use serde_json::{Map, Value};

use crate::json::Node;

/// The query language of a state without a `QueryLanguage` of its own, anywhere in the
/// definition `root`: the definition's top-level `QueryLanguage`, as on AWS (a Parallel's or
/// Map's own `QueryLanguage` does not pass to the states inside it; the engine, the validator
/// and the graph read it so too). `"JSONPath"` unless the definition says `"JSONata"`.
pub fn inherited_language(root: &Node) -> &'static str {
    if root.get("QueryLanguage").and_then(Node::as_str) == Some("JSONata") { "JSONata" } else { "JSONPath" }
}

/// What a JSONata state reads its input as.
const INPUT: &str = "$states.input";

/// `state` (a JSONPath palette state) with JSONata's fields instead; nested Parallel branches
/// and Map processors are rewritten too. A `ResultPath` of field names (and a catcher's)
/// becomes an `Output` that merges the result into the input, where nothing else shapes the
/// output. An `Assign` reads what it read as `$` in JSONPath (the result, the effective input
/// or the error output). A plain `InputPath` (`$.order`) is folded into every path that reads
/// the input (`$states.input.order.id`), and what the state passed on as it was becomes
/// explicit (a Task's or Parallel's `Arguments`, a Map's `Items`, a Pass, Wait, Succeed or
/// Choice state's `Output`). Under an `InputPath` with
/// no such rewrite (`null`, a filter), or when something reading the input cannot be rewritten,
/// the `InputPath` stays and nothing that reads the input is rewritten.
pub fn state_in_jsonata(state: &Value) -> Value {
    let Value::Object(fields) = state else { return state.clone() };
    let is_pass = fields.get("Type").and_then(Value::as_str) == Some("Pass");
    let input = match fields.get("InputPath") {
        None => Some(INPUT.to_string()),
        // A Pass state's result is its effective input, which its ResultPath (left for the
        // validator) would lose with the InputPath.
        Some(_) if is_pass && (fields.contains_key("ResultPath") || fields.contains_key("ResultSelector")) => None,
        Some(Value::String(path)) => path_expression(path, INPUT),
        Some(_) => None,
    };
    let folded = input
        .map(|input| (rewrite(fields, Some(&input)), input))
        .filter(|(out, input)| input == INPUT || !reads_input_by_jsonpath(out));
    Value::Object(folded.map_or_else(|| rewrite(fields, None), |(out, _)| out))
}

/// `fields` rewritten, with `input` the expression that paths into the state's input start
/// from (`None`: leave everything that reads the input as it is).
fn rewrite(fields: &Map<String, Value>, input: Option<&str>) -> Map<String, Value> {
    let kind = fields.get("Type").and_then(Value::as_str);
    let mut out = Map::new();
    let keeps_result = !fields.contains_key("ResultPath") && !fields.contains_key("ResultSelector");
    // A Task, Parallel or Map's `ResultPath` is its `Output` when nothing else shapes the output.
    let has_result = matches!(kind, Some("Task" | "Parallel" | "Map"));
    let result_path_alone =
        has_result && !["ResultSelector", "OutputPath", "Output"].iter().any(|field| fields.contains_key(*field));
    // A Pass state's `Parameters` are its output (JSONata's Pass has no `Arguments`), when
    // nothing else shapes it.
    let is_pass = kind == Some("Pass");
    let pass_parameters_alone = is_pass && keeps_result && !fields.contains_key("OutputPath");
    // What `OutputPath` selects from: the result of a Task, Parallel or Map; the input of
    // other states, and of a Pass without `Parameters` or `Result` of its own (`None`: no
    // sure rewrite).
    let output_root = if has_result {
        Some("$states.result")
    } else if is_pass && (fields.contains_key("Parameters") || fields.contains_key("Result")) {
        None
    } else {
        input
    };
    // With the `InputPath` folded away, what the state passed on unchanged (its effective
    // input) is written out in the field that JSONata would otherwise fill with the whole input.
    let absent = |names: &[&str]| names.iter().all(|name| !fields.contains_key(*name));
    let passed_on = match kind {
        Some("Task" | "Parallel") if absent(&["Parameters"]) => Some("Arguments"),
        Some("Map") if absent(&["ItemsPath"]) => Some("Items"),
        Some("Pass") if absent(&["Parameters", "Result", "OutputPath"]) => Some("Output"),
        Some("Wait" | "Succeed" | "Choice") if absent(&["OutputPath"]) => Some("Output"),
        _ => None,
    };
    // What a JSONPath `Assign` reads as `$`: a Task, Parallel or Map's result (when no
    // ResultSelector, which JSONata lacks, picked from it), a Pass state's (its effective
    // input, when it has no Parameters or Result), a Wait or Choice state's effective input.
    let assign_base = match kind {
        Some("Task" | "Parallel" | "Map") if absent(&["ResultSelector"]) => Some("$states.result"),
        Some("Pass") if absent(&["Parameters", "Result"]) => input,
        Some("Wait" | "Choice") => input,
        _ => None,
    };
    for (key, value) in fields {
        if let ("Assign", Some(base)) = (key.as_str(), assign_base) {
            out.insert(key.clone(), template_in_jsonata(value, base));
            continue;
        }
        match (key.as_str(), input) {
            ("InputPath", Some(input)) => {
                if let Some(field) = passed_on.filter(|_| input != INPUT) {
                    out.insert(field.into(), braces(input));
                }
            }
            (
                "InputPath" | "Parameters" | "ItemSelector" | "ItemsPath" | "SecondsPath" | "TimestampPath" | "Choices",
                None,
            ) => {
                out.insert(key.clone(), value.clone());
            }
            ("ResultPath", _) if result_path_alone => match result_path_output(value, "result") {
                Some(Some(output)) => {
                    out.insert("Output".into(), output);
                }
                Some(None) => {}
                None => {
                    out.insert(key.clone(), value.clone());
                }
            },
            ("Catch", _) => {
                let catchers = value.as_array().map(|catchers| catchers.iter().map(catcher_in_jsonata).collect());
                out.insert(key.clone(), catchers.map_or_else(|| value.clone(), Value::Array));
            }
            ("Parameters", Some(input)) if pass_parameters_alone => {
                out.insert("Output".into(), template_in_jsonata(value, input));
            }
            ("Parameters", _) if is_pass => {
                out.insert(key.clone(), value.clone());
            }
            // A Map's `Parameters` is the old name of its `ItemSelector`.
            ("Parameters" | "ItemSelector", Some(input)) if kind == Some("Map") => {
                out.insert("ItemSelector".into(), template_in_jsonata(value, input));
            }
            ("Parameters", Some(input)) => {
                out.insert("Arguments".into(), template_in_jsonata(value, input));
            }
            ("OutputPath", _) if keeps_result => {
                match output_root.and_then(|root| path_expression(value.as_str()?, root)) {
                    // The whole input or result: JSONata's default output already is that.
                    Some(expression) if expression == INPUT || expression == "$states.result" => {}
                    Some(expression) => {
                        out.insert("Output".into(), braces(&expression));
                    }
                    None => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            ("Result", _) if keeps_result && !fields.contains_key("OutputPath") => {
                out.insert("Output".into(), value.clone());
            }
            ("ItemsPath", Some(input)) => match value.as_str().and_then(|path| path_expression(path, input)) {
                Some(expression) => {
                    out.insert("Items".into(), braces(&expression));
                }
                None => {
                    out.insert(key.clone(), value.clone());
                }
            },
            ("SecondsPath" | "TimestampPath", Some(input)) => {
                match value.as_str().and_then(|path| path_expression(path, input)) {
                    Some(expression) => {
                        out.insert(key.trim_end_matches("Path").into(), braces(&expression));
                    }
                    None => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            ("Choices", Some(input)) => {
                let rules =
                    value.as_array().map(|rules| rules.iter().map(|rule| rule_in_jsonata(rule, input)).collect());
                out.insert(key.clone(), rules.map_or_else(|| value.clone(), Value::Array));
            }
            ("Branches", _) => {
                let branches = value.as_array().map(|branches| branches.iter().map(machine_in_jsonata).collect());
                out.insert(key.clone(), branches.map_or_else(|| value.clone(), Value::Array));
            }
            ("ItemProcessor" | "Iterator", _) => {
                out.insert(key.clone(), machine_in_jsonata(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    // A JSONata Choice state's `Output` is its Default's; a rule that matches outputs its own
    // (or the input). What JSONPath's OutputPath or InputPath did whichever rule matched goes
    // into each rewritten rule too.
    if let (Some(Value::String(output)), Some(Value::Array(rules))) =
        (out.get("Output").cloned(), out.get_mut("Choices"))
    {
        for rule in rules.iter_mut().filter_map(Value::as_object_mut) {
            if rule.contains_key("Condition") && !rule.contains_key("Output") {
                rule.insert("Output".into(), Value::String(output.clone()));
            }
        }
    }
    out
}

/// Whether a rewritten state still reads its input the JSONPath way: a field left as it was
/// (`Parameters`, `ItemsPath`, `OutputPath` over the input, a Choice rule), or a template key
/// ending in `.$`. Folding an `InputPath` away would change what those read.
fn reads_input_by_jsonpath(out: &Map<String, Value>) -> bool {
    fn has_path_key(value: &Value) -> bool {
        match value {
            Value::Object(fields) => fields.iter().any(|(key, value)| key.ends_with(".$") || has_path_key(value)),
            Value::Array(items) => items.iter().any(has_path_key),
            _ => false,
        }
    }
    let has_result = matches!(out.get("Type").and_then(Value::as_str), Some("Task" | "Parallel" | "Map"));
    ["Parameters", "ItemsPath", "SecondsPath", "TimestampPath"].iter().any(|field| out.contains_key(*field))
        || (out.contains_key("OutputPath") && !has_result)
        || out
            .get("Choices")
            .and_then(Value::as_array)
            .is_some_and(|rules| rules.iter().any(|rule| rule.get("Condition").is_none()))
        || ["Arguments", "Output", "ItemSelector", "Assign"]
            .iter()
            .any(|field| out.get(*field).is_some_and(has_path_key))
}

/// The `Output` that does what `ResultPath` did with `$states.<root>` (`result`, or
/// `errorOutput` in a catcher): `Some(None)` for `"$"` (JSONata's default output already is the
/// result), the input for `null`, the input with the result merged in at a path of field names
/// (`$.a.b`). `None` when the path has no such rewrite (array indexes, filters).
fn result_path_output(path: &Value, root: &str) -> Option<Option<Value>> {
    let path = match path {
        Value::Null => return Some(Some(braces(INPUT))),
        Value::String(path) => path,
        _ => return None,
    };
    if path == "$" {
        return Some(None);
    }
    // The field names of `$.a.b` (or `$['a'].b`); an index or the context has no such rewrite.
    let names = match path_steps(path)? {
        (false, steps) if !steps.is_empty() => steps
            .into_iter()
            .map(|step| match step {
                PathStep::Name(name) => Some(name),
                PathStep::Index(_) => None,
            })
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    // `$merge([$states.input, {"a": $merge([$states.input.a, {"b": $states.result}])}])`
    let mut value = format!("$states.{root}");
    for depth in (0..names.len()).rev() {
        let mut parent = INPUT.to_string();
        for name in &names[..depth] {
            parent.push('.');
            push_name(&mut parent, name);
        }
        let key = serde_json::to_string(&names[depth]).ok()?;
        value = format!("$merge([{parent}, {{{key}: {value}}}])");
    }
    Some(Some(braces(&value)))
}

/// A catcher with its `ResultPath` as an `Output` over `$states.errorOutput` (see
/// [`result_path_output`]) and its `Assign` over the error output; one it cannot rewrite stays
/// as it is.
fn catcher_in_jsonata(catcher: &Value) -> Value {
    let Some(fields) = catcher.as_object() else { return catcher.clone() };
    if fields.contains_key("Output") {
        return catcher.clone();
    }
    let mut out = Map::new();
    for (key, value) in fields {
        if key == "ResultPath" {
            match result_path_output(value, "errorOutput") {
                Some(Some(output)) => {
                    out.insert("Output".into(), output);
                }
                Some(None) => {}
                None => return catcher.clone(),
            }
        } else if key == "Assign" {
            // A catcher's `Assign` reads the error output as `$`.
            out.insert(key.clone(), template_in_jsonata(value, "$states.errorOutput"));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// A branch or processor (`{"StartAt", "States"}`) with every state rewritten.
fn machine_in_jsonata(machine: &Value) -> Value {
    let mut machine = machine.clone();
    if let Some(Value::Object(states)) = machine.get_mut("States") {
        for state in states.values_mut() {
            *state = state_in_jsonata(state);
        }
    }
    machine
}

/// A payload template: keys ending in `.$` lose the suffix and their path becomes an
/// expression over `input`; other values stay literal.
fn template_in_jsonata(template: &Value, input: &str) -> Value {
    match template {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, value) in fields {
                match (key.strip_suffix(".$"), value.as_str()) {
                    (Some(bare), Some(path)) => match path_expression(path, input) {
                        Some(expression) => {
                            out.insert(bare.to_string(), braces(&expression));
                        }
                        None => {
                            out.insert(key.clone(), value.clone());
                        }
                    },
                    _ => {
                        out.insert(key.clone(), template_in_jsonata(value, input));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| template_in_jsonata(item, input)).collect()),
        other => other.clone(),
    }
}

fn braces(expression: &str) -> Value {
    Value::String(format!("{{% {expression} %}}"))
}

/// A plain JSONPath (`$`, `$.a.b`, `$.a[0]`, `$$.Task.Token`) as a JSONata expression over
/// `base` (`$states.input`, `$states.result`, or what an `InputPath` selected from the input)
/// or `$states.context`; `None` for anything else (filters, wildcards, intrinsic functions).
fn path_expression(path: &str, base: &str) -> Option<String> {
    let (context, steps) = path_steps(path)?;
    let mut expression = if context { "$states.context".to_string() } else { base.to_string() };
    for step in steps {
        match step {
            PathStep::Name(name) => {
                expression.push('.');
                push_name(&mut expression, name);
            }
            PathStep::Index(index) => expression.push_str(&format!("[{index}]")),
        }
    }
    Some(expression)
}

/// One step of a plain JSONPath: a field name (`.a`, `['a b']`) or an array index (`[0]`).
#[derive(Debug, PartialEq)]
enum PathStep<'a> {
    Name(&'a str),
    Index(u64),
}

/// The steps of a plain JSONPath, and whether it reads the context (`$$`); `None` for anything
/// else (filters, wildcards, slices, intrinsic functions).
fn path_steps(path: &str) -> Option<(bool, Vec<PathStep<'_>>)> {
    let (context, mut rest) = match path.strip_prefix("$$") {
        Some(rest) => (true, rest),
        None => (false, path.strip_prefix('$')?),
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() || name == "*" {
                return None;
            }
            steps.push(PathStep::Name(name));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = &after[..end];
            if let Ok(index) = inside.parse::<u64>() {
                steps.push(PathStep::Index(index));
            } else if let Some(name) = inside.strip_prefix('\'').and_then(|name| name.strip_suffix('\'')) {
                steps.push(PathStep::Name(name));
            } else {
                return None;
            }
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some((context, steps))
}

/// Appends a field name, in backticks unless it is a plain identifier.
fn push_name(expression: &mut String, name: &str) {
    let plain = name.chars().next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        expression.push_str(name);
    } else {
        expression.push('`');
        expression.push_str(name);
        expression.push('`');
    }
}

/// A Choice rule with `Variable` and a comparison (or `And`/`Or`/`Not` of them) as a
/// `Condition` over `input`; a rule this cannot express stays as it is.
fn rule_in_jsonata(rule: &Value, input: &str) -> Value {
    let Some(fields) = rule.as_object() else { return rule.clone() };
    let Some(condition) = condition_of(fields, input) else { return rule.clone() };
    let mut out = Map::new();
    out.insert("Condition".into(), braces(&condition));
    for (key, value) in fields {
        match key.as_str() {
            // A rule's `Assign` reads the state's effective input as `$`.
            "Assign" => {
                out.insert(key.clone(), template_in_jsonata(value, input));
            }
            "Next" | "Comment" | "Output" => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}

/// The JSONata condition of a rule's comparison (without braces).
fn condition_of(rule: &Map<String, Value>, input: &str) -> Option<String> {
    let combine = |key: &str, operator: &str| -> Option<String> {
        let parts = rule.get(key)?.as_array()?;
        let conditions = parts.iter().map(|part| condition_of(part.as_object()?, input)).collect::<Option<Vec<_>>>()?;
        (!conditions.is_empty()).then(|| format!("({})", conditions.join(&format!(" {operator} "))))
    };
    if rule.contains_key("And") {
        return combine("And", "and");
    }
    if rule.contains_key("Or") {
        return combine("Or", "or");
    }
    if let Some(inner) = rule.get("Not") {
        return Some(format!("$not({})", condition_of(inner.as_object()?, input)?));
    }
    let variable = path_expression(rule.get("Variable")?.as_str()?, input)?;
    let (operator, operand) = rule.iter().find(|(key, _)| {
        !matches!(key.as_str(), "Variable" | "Next" | "Comment" | "Assign" | "Output" | "And" | "Or" | "Not")
    })?;
    let (name, operand) = match operator.strip_suffix("Path") {
        Some(name) if name != "Is" => (name, path_expression(operand.as_str()?, input)?),
        _ => (operator.as_str(), serde_json::to_string(operand).ok()?),
    };
    let comparison = |symbol: &str| Some(format!("{variable} {symbol} {operand}"));
    let timestamps = |symbol: &str| Some(format!("$toMillis({variable}) {symbol} $toMillis({operand})"));
    match name {
        // Timestamps compare as instants (`…05Z` equals `…05.000Z`), as JSONPath's do.
        "TimestampEquals" => timestamps("="),
        "TimestampLessThan" => timestamps("<"),
        "TimestampGreaterThan" => timestamps(">"),
        "TimestampLessThanEquals" => timestamps("<="),
        "TimestampGreaterThanEquals" => timestamps(">="),
        "StringEquals" | "NumericEquals" | "BooleanEquals" => comparison("="),
        "StringLessThan" | "NumericLessThan" => comparison("<"),
        "StringGreaterThan" | "NumericGreaterThan" => comparison(">"),
        "StringLessThanEquals" | "NumericLessThanEquals" => comparison("<="),
        "StringGreaterThanEquals" | "NumericGreaterThanEquals" => comparison(">="),
        "IsPresent" => Some(match operand.as_str() {
            "true" => format!("$exists({variable})"),
            _ => format!("$not($exists({variable}))"),
        }),
        "IsNull" => Some(format!("({variable} {} null)", if operand == "true" { "=" } else { "!=" })),
        "IsString" | "IsNumeric" | "IsBoolean" => {
            let kind = match name {
                "IsString" => "string",
                "IsNumeric" => "number",
                _ => "boolean",
            };
            Some(format!("($type({variable}) {} '{kind}')", if operand == "true" { "=" } else { "!=" }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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
            let mut state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.order", "End": true});
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
        assert_eq!(
            state_in_jsonata(&pass),
            json!({"Type": "Pass", "Output": {"v": "{% $states.input.n %}"}, "End": true})
        );
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
            assert_eq!(
                run(&rewritten, &input, mock.clone()),
                run(&state, &input, mock),
                "{state}\nrewritten: {rewritten}"
            );
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
        let input =
            json!({"status": "ok", "value": 3, "items": [1, 2], "seconds": 1, "id": "o-1", "order": {"id": "o-1"}});
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
            let output = test_state(&request, &mut FixedEnvironment::new(1, 0))
                .unwrap_or_else(|error| panic!("{state}: {error:?}"));
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
        let jsonata = json::parse(
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}"#,
        )
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
}

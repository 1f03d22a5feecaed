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
#[path = "jsonata_tests.rs"]
mod tests;

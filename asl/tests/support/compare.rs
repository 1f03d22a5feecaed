//! compare.py (`../shared/conformance/compare.py`) re-implemented, once, for every
//! conformance test (asl's evaluation tests include it as `support/compare.rs`, the server's
//! engine and API tests by path): `compare(expected, actual)` judges an execution's status,
//! output, error, cause and, when the actual side has one, whole history the way the script
//! does (regular expressions replaced by a small matcher). `server/tests/conformance_engine.rs`
//! checks this port against the real script.

#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// Expected strings that match anything. `date` is not in compare.py's list but is how the
/// recordings replaced every time value (`"StartTime": "date"`), so it is treated alike.
pub const WHOLE_WILDCARDS: [&str; 5] = ["timestamp", "snf_role_arn", "activity_arn", "map_run_arn", "date"];
/// The account id the recordings were made in; expected strings match any 12 digits there.
pub const ACCOUNT: &str = "111111111111";

/// Parses string members that hold JSON objects, as compare.py's `parse_json_strings` does.
pub fn parse_json_strings(value: &Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut out = Map::new();
            for (key, item) in members {
                let mut item =
                    if item.is_object() || item.is_array() { parse_json_strings(item) } else { item.clone() };
                if let Value::String(text) = &item
                    && text.starts_with('{')
                    && let Ok(parsed) = serde_json::from_str::<Value>(text)
                {
                    item = parsed;
                }
                out.insert(key.clone(), item);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items.iter().map(|item| if item.is_object() { parse_json_strings(item) } else { item.clone() }).collect(),
        ),
        other => other.clone(),
    }
}

/// A piece of an expected string's pattern.
#[derive(Debug)]
enum Piece {
    /// This character.
    Literal(char),
    /// Twelve digits (the recording account).
    Account,
    /// A `<…>` placeholder: one or more characters.
    Any,
}

/// compare.py's pattern: `<…>` segments are `.+?`, the account id is `\d{12}`.
fn pattern(expected: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = expected;
    while !rest.is_empty() {
        if rest.starts_with('<')
            && let Some(end) = rest[1..].find(['<', '>'])
            && end > 0
            && rest[1 + end..].starts_with('>')
        {
            pieces.push(Piece::Any);
            rest = &rest[end + 2..];
        } else if let Some(after) = rest.strip_prefix(ACCOUNT) {
            pieces.push(Piece::Account);
            rest = after;
        } else {
            let character = rest.chars().next().expect("not empty");
            pieces.push(Piece::Literal(character));
            rest = &rest[character.len_utf8()..];
        }
    }
    pieces
}

/// Whether `actual` matches the pattern `pieces`.
fn matches_pieces(pieces: &[Piece], actual: &[char]) -> bool {
    match pieces.split_first() {
        None => actual.is_empty(),
        Some((Piece::Literal(character), rest)) => {
            actual.first() == Some(character) && matches_pieces(rest, &actual[1..])
        }
        Some((Piece::Account, rest)) => {
            actual.len() >= 12 && actual[..12].iter().all(char::is_ascii_digit) && matches_pieces(rest, &actual[12..])
        }
        Some((Piece::Any, rest)) => (1..=actual.len()).any(|taken| matches_pieces(rest, &actual[taken..])),
    }
}

/// Whether an actual string matches an expected one (wildcards, `<…>` placeholders, the
/// recording account).
pub fn string_matches(expected: &str, actual: &str) -> bool {
    if WHOLE_WILDCARDS.contains(&expected) || expected == actual {
        return true;
    }
    if !expected.contains('<') && !expected.contains(ACCOUNT) {
        return false;
    }
    let actual: Vec<char> = actual.chars().collect();
    matches_pieces(&pattern(expected), &actual)
}

/// Whether two numbers are equal as floating point, as Python compares them.
fn same_number(expected: &Value, actual: &Value) -> bool {
    match (expected.as_f64(), actual.as_f64()) {
        (Some(left), Some(right)) => left == right,
        _ => false,
    }
}

/// The first difference between an expected and an actual value, with its path (`None` when
/// they match).
pub fn diff(expected: &Value, actual: &Value, at: &str) -> Option<String> {
    match (expected, actual) {
        (Value::String(expected), Value::String(actual)) => {
            (!string_matches(expected, actual)).then(|| format!("{at}: expected {expected:?}, got {actual:?}"))
        }
        (Value::String(expected), _) if WHOLE_WILDCARDS.contains(&expected.as_str()) => None,
        (Value::Object(_) | Value::Array(_), Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) => diff(expected, &parsed, at),
            Err(_) => Some(format!("{at}: expected {}, got {}", truncate(expected), truncate(actual))),
        },
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let Some(found) = actual.get(key) else { return Some(format!("{at}.{key}: missing")) };
                if let Some(difference) = diff(value, found, &format!("{at}.{key}")) {
                    return Some(difference);
                }
            }
            let extra: Vec<_> = actual.keys().filter(|key| !expected.contains_key(*key)).collect();
            (!extra.is_empty()).then(|| format!("{at}: unexpected keys {extra:?}"))
        }
        (Value::Array(expected), Value::Array(actual)) => {
            if expected.len() != actual.len() {
                return Some(format!("{at}: expected {} items, got {}", expected.len(), actual.len()));
            }
            expected.iter().zip(actual).enumerate().find_map(|(index, (e, a))| diff(e, a, &format!("{at}[{index}]")))
        }
        (Value::Number(_), Value::Number(_)) if same_number(expected, actual) => None,
        _ if expected == actual && !expected.is_number() => None,
        _ => Some(format!("{at}: expected {}, got {}", truncate(expected), truncate(actual))),
    }
}

/// A value's JSON text, cut to 300 characters for messages.
fn truncate(value: &Value) -> String {
    value.to_string().chars().take(300).collect()
}

/// A value that may be JSON text, parsed.
pub fn as_value(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

/// Whether an expected event's id marks it as one of the branch events that were sorted
/// when recorded. compare.py counts ids equal to 0; some recordings wrote such ids as `[0]`
/// (a list), which compare.py means the same way but does not recognise, so both count here.
fn sorted_when_recorded(event: &Value) -> bool {
    event["id"] == json!(0) || event["id"] == json!([0])
}

/// compare.py's `compare`: status, output/error/cause, then every history event.
pub fn compare(expected: &Value, actual: &Value) -> Option<String> {
    if expected["status"] != actual["status"] {
        return Some(format!("status: expected {}, got {}", expected["status"], actual["status"]));
    }
    for field in ["output", "error", "cause"] {
        let Some(wanted) = expected.get(field).filter(|value| !value.is_null()) else { continue };
        let wrap = |value: Value| parse_json_strings(&json!({ "v": value }))["v"].clone();
        let found = actual.get(field).cloned().unwrap_or(Value::Null);
        if let Some(difference) = diff(&wrap(as_value(wanted)), &wrap(as_value(&found)), field) {
            return Some(difference);
        }
    }
    let (Some(expected_history), Some(actual_history)) = (expected.get("history"), actual.get("history")) else {
        return None;
    };
    if expected_history.as_array().is_none_or(Vec::is_empty) {
        return None;
    }
    let events = |history: &Value| -> Vec<Value> {
        parse_json_strings(&json!({ "e": history }))["e"].as_array().cloned().unwrap_or_default()
    };
    let (expected_events, actual_events) = (events(expected_history), events(actual_history));
    let type_of = |event: &Value| event.get("type").cloned().unwrap_or(Value::Null);
    if expected_events.len() != actual_events.len() {
        let expected_types: Vec<Value> = expected_events.iter().map(type_of).collect();
        let actual_types: Vec<Value> = actual_events.iter().map(type_of).collect();
        return Some(format!(
            "history: expected {} events, got {}; expected types {}, got {}",
            expected_events.len(),
            actual_events.len(),
            json!(expected_types),
            json!(actual_types)
        ));
    }
    if expected_events.iter().filter(|event| sorted_when_recorded(event)).count() > 1 {
        let strip = |event: &Value| -> Value {
            let mut event = event.clone();
            if let Value::Object(members) = &mut event {
                members.remove("id");
                members.remove("previousEventId");
            }
            event
        };
        let mut remaining: Vec<Value> = actual_events.iter().map(strip).collect();
        for (index, event) in expected_events.iter().map(strip).enumerate() {
            let Some(found) = remaining.iter().position(|actual| diff(&event, actual, "$").is_none()) else {
                return Some(format!("history: no event matches expected event {index} ({})", type_of(&event)));
            };
            remaining.remove(found);
        }
        return None;
    }
    for (index, (expected, actual)) in expected_events.iter().zip(&actual_events).enumerate() {
        if type_of(expected) != type_of(actual) {
            return Some(format!("history[{index}].type: expected {}, got {}", type_of(expected), type_of(actual)));
        }
        if let Some(difference) = diff(expected, actual, &format!("history[{index}]")) {
            return Some(difference);
        }
    }
    None
}

//! Evaluation of intrinsic calls, exactly as AWS evaluates them: arguments inside out and left
//! to right, then the function, with AWS's argument rules and AWS's failures.
//!
//! AWS fails a call whose arguments it refuses with the error `States.Runtime` (not
//! `States.IntrinsicFailure`) and a cause naming the function: `Invalid arguments in
//! States.MathAdd`. Independent observations against AWS agree on both (see [`evaluate`]). A
//! path argument that names nothing fails as a payload-template path does: `The JSONPath '$.x'
//! specified for the field 'value.$' could not be found in the input '{}'`.
//!
//! Where a function's behaviour was recorded against AWS (`../shared/conformance`) it is
//! reproduced and tested; where it was only observed by others running probes against AWS,
//! the source is named next to the rule.

use serde_json::Value;
use smallvec::SmallVec;

use super::java::{self, JavaNumber, JavaRandom};
use super::{Argument, ArgumentValue, IntrinsicCall, IntrinsicFunction, StringLiteral};
use crate::eval::{Environment, EvalError, PathScope};
use crate::path;

/// The most characters (UTF-16 code units, as Java counts) `States.Base64Encode`,
/// `States.Base64Decode` and `States.Hash` accept.
pub const MAX_TEXT_LENGTH: usize = 10_000;

/// The most items `States.ArrayRange` may produce.
pub const MAX_RANGE_ITEMS: i64 = 1_000;

/// Evaluates an intrinsic call against what the state can read (`$`, `$$`, variables).
///
/// Nested calls are evaluated first, then the function. Integers stay integers. A failure is
/// `States.Runtime` with the cause AWS gives after its state prefix (`An error occurred while
/// executing the state 'X' (entered at the event id #2). `, which the caller adds):
///
/// - arguments a function refuses (a wrong type, a value out of range, too long a text):
///   `Invalid arguments in States.MathAdd` — the wording and the error name come from
///   executions against AWS observed by others (a CDK project's integration test, a
///   troubleshooting note and a conformance suite all report `States.Runtime` with this
///   cause);
/// - a path argument that names nothing: `The JSONPath '$.x' could not be found in the input
///   '{"a":1}'` here; [`evaluate_field`] adds AWS's `specified for the field 'name.$'`.
pub fn evaluate(call: &IntrinsicCall, scope: &PathScope<'_>, env: &mut dyn Environment) -> Result<Value, EvalError> {
    Evaluator { scope, env, field: None }.call(call).map(|evaluated| evaluated.value)
}

/// Parses and evaluates the text of a `.$` field that is an intrinsic call. A text that is not
/// a call fails with `States.Runtime` (AWS refuses such a definition when it is created).
///
/// Only the syntax is checked here: the rules AWS applies at creation ([`super::parse_intrinsic`])
/// have their run-time counterparts in the evaluation.
pub fn evaluate_text(text: &str, scope: &PathScope<'_>, env: &mut dyn Environment) -> Result<Value, EvalError> {
    let call = crate::eval::memo::intrinsic_call(text)
        .map_err(|error| EvalError::runtime(format!("Invalid intrinsic function call '{text}': {error}")))?;
    evaluate(&call, scope, env)
}

/// Evaluates the value of a payload-template field whose key ends in `.$` (`"greeting.$":
/// "States.Format('Hi {}', $.name)"` or `"id.$": "$.order.id"`): an intrinsic call when the
/// text looks like one, a path otherwise. `field` is the key, `.$` included; it appears in
/// AWS's cause when a path names nothing: `The JSONPath '$.order.id' specified for the field
/// 'id.$' could not be found in the input '{"order":{}}'` (recorded). A text that is neither
/// fails with AWS's creation-time message for it: `The value for the field 'id.$' must be a
/// valid JSONPath or a valid intrinsic function call`.
pub fn evaluate_field(
    field: &str,
    text: &str,
    scope: &PathScope<'_>,
    env: &mut dyn Environment,
) -> Result<Value, EvalError> {
    let refused = || {
        EvalError::runtime(format!(
            "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call"
        ))
    };
    if super::looks_like_intrinsic(text) {
        let call = crate::eval::memo::intrinsic_call(text).map_err(|_| refused())?;
        Evaluator { scope, env, field: Some(field) }.call(&call).map(|evaluated| evaluated.value)
    } else {
        let parsed = crate::eval::memo::path(text).map_err(|_| refused())?;
        path::evaluate_field_path(&parsed, text, field, scope)
    }
}

/// A value, and whether AWS holds it as a Jackson tree rather than a plain Java object:
/// `States.StringToJson` returns the tree Jackson parsed, whose `toString` is JSON, so
/// `States.Format('{}', States.StringToJson('"x"'))` renders `"x"` with its quotes (a
/// third-party observation against AWS reports that AWS renders this differently from `x`).
struct Evaluated {
    value: Value,
    json_tree: bool,
}

impl Evaluated {
    fn plain(value: Value) -> Self {
        Self { value, json_tree: false }
    }

    /// `String.valueOf` of what AWS holds.
    fn render(&self) -> String {
        if self.json_tree { java::compact_json(&self.value) } else { java::to_java_string(&self.value) }
    }
}

struct Evaluator<'s, 'e> {
    scope: &'s PathScope<'s>,
    env: &'e mut dyn Environment,
    field: Option<&'s str>,
}

/// `Invalid arguments in States.X`.
fn invalid(function: IntrinsicFunction) -> EvalError {
    EvalError::runtime(format!("Invalid arguments in {}", function.name()))
}

impl Evaluator<'_, '_> {
    fn call(&mut self, call: &IntrinsicCall) -> Result<Evaluated, EvalError> {
        let function = call.function;
        if !function.arity().allows(call.arguments.len()) {
            return Err(invalid(function));
        }
        // Most calls have at most four arguments: kept on the stack, not in two vectors
        // allocated per call (a loop's `States.MathAdd` runs once per pass).
        let mut arguments: SmallVec<[Evaluated; 4]> = SmallVec::with_capacity(call.arguments.len());
        for argument in &call.arguments {
            arguments.push(self.argument(argument)?);
        }
        let fail = || invalid(function);
        let values: SmallVec<[&Value; 4]> = arguments.iter().map(|argument| &argument.value).collect();
        let value = match function {
            IntrinsicFunction::Format => format(&call.arguments[0], &arguments).ok_or_else(fail)?,
            IntrinsicFunction::StringToJson => {
                let text = values[0].as_str().ok_or_else(fail)?;
                return string_to_json(text).map(|value| Evaluated { value, json_tree: true }).ok_or_else(fail);
            }
            IntrinsicFunction::JsonToString => Value::String(java::compact_json(values[0])),
            IntrinsicFunction::Array => Value::Array(values.iter().map(|value| (*value).clone()).collect()),
            IntrinsicFunction::ArrayPartition => {
                let array = values[0].as_array().ok_or_else(fail)?;
                let size = whole_number(values[1], Rounding::Truncate).filter(|size| *size > 0).ok_or_else(fail)?;
                let size = usize::try_from(size.min(i64::from(i32::MAX))).map_err(|_| fail())?;
                Value::Array(array.chunks(size).map(|chunk| Value::Array(chunk.to_vec())).collect())
            }
            IntrinsicFunction::ArrayContains => {
                let array = values[0].as_array().ok_or_else(fail)?;
                let wanted = arguments[1].render();
                Value::Bool(array.iter().any(|element| java::to_java_string(element) == wanted))
            }
            IntrinsicFunction::ArrayRange => array_range(&values).ok_or_else(fail)?,
            IntrinsicFunction::ArrayGetItem => array_get_item(values[0], values[1]).ok_or_else(fail)?,
            IntrinsicFunction::ArrayLength => Value::from(values[0].as_array().ok_or_else(fail)?.len()),
            IntrinsicFunction::ArrayUnique => {
                Value::Array(java::hash_set_order(values[0].as_array().ok_or_else(fail)?))
            }
            IntrinsicFunction::Base64Encode => {
                let text = limited_text(values[0]).ok_or_else(fail)?;
                Value::String(java::base64_encode(text.as_bytes()))
            }
            IntrinsicFunction::Base64Decode => {
                let text = limited_text(values[0]).ok_or_else(fail)?;
                Value::String(String::from_utf8_lossy(&java::base64_decode_lenient(text)).into_owned())
            }
            IntrinsicFunction::Hash => {
                // AWS hashes a number or an object by its text rather than refusing it
                // (third-party observation against AWS).
                let data = arguments[0].render();
                if java::java_length(&data) > MAX_TEXT_LENGTH {
                    return Err(fail());
                }
                let algorithm = values[1].as_str().ok_or_else(fail)?;
                Value::String(hash(&data, algorithm).ok_or_else(fail)?)
            }
            IntrinsicFunction::JsonMerge => {
                let (Some(left), Some(right)) = (values[0].as_object(), values[1].as_object()) else {
                    return Err(fail());
                };
                if values[2] != &Value::Bool(false) {
                    return Err(fail());
                }
                Value::Object(java::hash_map_merge(left, right))
            }
            IntrinsicFunction::MathRandom => self.math_random(&values).ok_or_else(fail)?,
            IntrinsicFunction::MathAdd => math_add(values[0], values[1]).ok_or_else(fail)?,
            IntrinsicFunction::StringSplit => {
                let (Some(text), Some(delimiters)) = (values[0].as_str(), values[1].as_str()) else {
                    return Err(fail());
                };
                Value::Array(string_tokens(text, delimiters).into_iter().map(Value::String).collect())
            }
            IntrinsicFunction::Uuid => Value::String(self.env.uuid()),
        };
        Ok(Evaluated::plain(value))
    }

    fn argument(&mut self, argument: &Argument) -> Result<Evaluated, EvalError> {
        Ok(match &argument.value {
            ArgumentValue::String(literal) => Evaluated::plain(Value::String(literal.value.clone())),
            ArgumentValue::Number(number) => Evaluated::plain(Value::Number(number.clone())),
            ArgumentValue::Boolean(flag) => Evaluated::plain(Value::Bool(*flag)),
            ArgumentValue::Null => Evaluated::plain(Value::Null),
            ArgumentValue::Path { path, text } => {
                Evaluated::plain(path::evaluate_in_field(path, text, self.field, self.scope)?)
            }
            ArgumentValue::Call(inner) => self.call(inner)?,
        })
    }

    /// `States.MathRandom(start, end[, seed])`: an integer in `[start, end)`. Bounds are
    /// truncated to integers (third-party observations against AWS: `MathRandom(1.6, 5.4)`
    /// yields 1, `MathRandom(1.4, 1.6)` is refused) and `start` must be below `end`. A seed
    /// (rounded, as AWS documents) draws from `java.util.Random(seed).nextInt(end - start)`,
    /// so the same seed gives the same number; without one the environment's randomness is
    /// used.
    fn math_random(&mut self, values: &[&Value]) -> Option<Value> {
        let start = whole_number(values[0], Rounding::Truncate).and_then(int32)?;
        let end = whole_number(values[1], Rounding::Truncate).and_then(int32)?;
        let bound = i32::try_from(end - start).ok().filter(|bound| *bound > 0)?;
        let offset = match values.get(2) {
            Some(seed) => {
                let seed = whole_number(seed, Rounding::Round)?;
                i64::from(JavaRandom::new(seed).next_int(bound))
            }
            None => {
                let drawn = (self.env.random() * f64::from(bound)).floor() as i64;
                drawn.clamp(0, i64::from(bound) - 1)
            }
        };
        Some(Value::from(start + offset))
    }
}

/// How a number that is not an integer becomes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rounding {
    /// `Math.round`: to the nearest, ties towards positive infinity.
    Round,
    /// A cast: towards zero.
    Truncate,
}

/// A number argument as a whole number; `None` for anything that is not a number (strings
/// are not converted) and for integers beyond 64 bits.
fn whole_number(value: &Value, rounding: Rounding) -> Option<i64> {
    let Value::Number(number) = value else { return None };
    match java::java_number(number) {
        JavaNumber::Int(value) => Some(i64::from(value)),
        JavaNumber::Long(value) => Some(value),
        JavaNumber::Big(_) => None,
        JavaNumber::Double(value) => Some(match rounding {
            Rounding::Round => java::math_round(value),
            Rounding::Truncate => java::truncate(value),
        }),
    }
}

/// The value when it fits in a Java `int`.
fn int32(value: i64) -> Option<i64> {
    i32::try_from(value).ok().map(i64::from)
}

/// A text argument no longer than AWS's limit.
fn limited_text(value: &Value) -> Option<&str> {
    value.as_str().filter(|text| java::java_length(text) <= MAX_TEXT_LENGTH)
}

/// One piece of a `States.Format` template.
enum Piece<'t> {
    Text(&'t str),
    Placeholder,
}

/// `States.Format(template, values…)`: each `{}` replaced by the next value as Java's
/// `String.valueOf` renders it (recorded: `null`, `1.1`, `{Arg1=1, Arg2=[]}`). The template
/// is the literal as parsed, or a string read at run time, whose `\'`, `\{`, `\}` and `\\`
/// are escapes as in a literal. A brace that is not part of a `{}` and a number of
/// placeholders different from the number of values are refused (third-party observations
/// against AWS: `States.Format('}')` and `States.Format('Hello {', $.a)` fail at run time).
fn format(template_argument: &Argument, arguments: &[Evaluated]) -> Option<Value> {
    let dynamic;
    let pieces: Vec<Piece<'_>> = match &template_argument.value {
        ArgumentValue::String(literal) => literal_pieces(literal)?,
        _ => {
            dynamic = parse_template(arguments[0].value.as_str()?)?;
            dynamic.iter().map(|piece| piece.as_piece()).collect()
        }
    };
    let placeholders = pieces.iter().filter(|piece| matches!(piece, Piece::Placeholder)).count();
    if placeholders != arguments.len() - 1 {
        return None;
    }
    let mut values = arguments[1..].iter();
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder => out.push_str(&values.next()?.render()),
        }
    }
    Some(Value::String(out))
}

fn literal_pieces(literal: &StringLiteral) -> Option<Vec<Piece<'_>>> {
    if !literal.stray_braces.is_empty() {
        return None;
    }
    let mut pieces = Vec::new();
    let mut from = 0;
    for &at in &literal.placeholders {
        let text = literal.value.get(from..at)?;
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        pieces.push(Piece::Placeholder);
        from = at + 2;
    }
    let rest = literal.value.get(from..)?;
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Some(pieces)
}

/// A template read at run time, owned.
enum OwnedPiece {
    Text(String),
    Placeholder,
}

impl OwnedPiece {
    fn as_piece(&self) -> Piece<'_> {
        match self {
            OwnedPiece::Text(text) => Piece::Text(text),
            OwnedPiece::Placeholder => Piece::Placeholder,
        }
    }
}

fn parse_template(template: &str) -> Option<Vec<OwnedPiece>> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut characters = template.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => match characters.peek() {
                Some(&escaped @ ('\'' | '{' | '}' | '\\')) => {
                    text.push(escaped);
                    characters.next();
                }
                _ => text.push('\\'),
            },
            '{' if characters.peek() == Some(&'}') => {
                characters.next();
                if !text.is_empty() {
                    pieces.push(OwnedPiece::Text(std::mem::take(&mut text)));
                }
                pieces.push(OwnedPiece::Placeholder);
            }
            '{' | '}' => return None,
            other => text.push(other),
        }
    }
    if !text.is_empty() {
        pieces.push(OwnedPiece::Text(text));
    }
    Some(pieces)
}

/// `States.StringToJson(text)`: the JSON value the text holds, as Jackson reads it: a blank
/// text is `null` (recorded for `""` and `" "`), text after the first value is ignored, and
/// text that is not JSON is refused.
fn string_to_json(text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return Some(Value::Null);
    }
    let text = integer_negative_zero(text);
    serde_json::Deserializer::from_str(&text).into_iter::<Value>().next()?.ok()
}

/// The text with each number token `-0` written `0`: Jackson reads `-0` as the integer 0
/// (recorded: `States.StringToJson('-0')` is `0`), `serde_json` as the double `-0.0`.
fn integer_negative_zero(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("-0") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if in_string {
            if byte == b'\\' {
                out.push('\\');
                at += 1;
                if let Some(escaped) = text[at..].chars().next() {
                    out.push(escaped);
                    at += escaped.len_utf8();
                }
                continue;
            }
            in_string = byte != b'"';
        } else if byte == b'"' {
            in_string = true;
        } else if byte == b'-'
            && bytes.get(at + 1) == Some(&b'0')
            && !bytes.get(at + 2).is_some_and(|next| next.is_ascii_digit() || matches!(next, b'.' | b'e' | b'E'))
        {
            at += 1;
            continue;
        }
        let width = text[at..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[at..at + width]);
        at += width;
    }
    std::borrow::Cow::Owned(out)
}

/// `States.ArrayRange(first, last, step)`: `first`, `first + step`, … while not past `last`
/// (recorded: `(0, 10, 3)` → `[0,3,6,9]`, `(1, 9, 9)` → `[1]`). Arguments are truncated to
/// integers (third-party observations against AWS: `(1.6, 1.4, 1)` → `[1]`), a zero step is
/// refused, and so is a range of more than 1000 items (AWS's documented limit; `(1, 1000, 1)`
/// passes and `(1, 1001, 1)` fails, observed by others). A step pointing away from `last`
/// gives `[]`.
fn array_range(values: &[&Value]) -> Option<Value> {
    let first = whole_number(values[0], Rounding::Truncate).and_then(int32)?;
    let last = whole_number(values[1], Rounding::Truncate).and_then(int32)?;
    let step = whole_number(values[2], Rounding::Truncate).and_then(int32)?;
    if step == 0 {
        return None;
    }
    let count = if (step > 0 && first <= last) || (step < 0 && first >= last) { (last - first) / step + 1 } else { 0 };
    if count > MAX_RANGE_ITEMS {
        return None;
    }
    Some(Value::Array((0..count).map(|index| Value::from(first + index * step)).collect()))
}

/// `States.ArrayGetItem(array, index)`: the element at a zero-based index, truncated to an
/// integer (third-party observation against AWS: index `1.2` reads element 1). A negative
/// index, or one past the end of a non-empty array, is refused; on an empty array AWS returns
/// `null` for any index instead (same source).
fn array_get_item(array: &Value, index: &Value) -> Option<Value> {
    let array = array.as_array()?;
    let index = whole_number(index, Rounding::Truncate).filter(|index| *index >= 0)?;
    if array.is_empty() {
        return Some(Value::Null);
    }
    usize::try_from(index).ok().and_then(|index| array.get(index)).cloned()
}

/// `States.MathAdd(a, b)`: the sum of two Java `int`s. A number with a fraction is first
/// rounded with `Math.round` (recorded: `1.5 + 1.51` is 4, `-2.5 + 0` is -2, `-0.5 + 0.5` is
/// 1); operands and sum must fit in 32 bits (AWS documents the range; third-party observations
/// confirm `2147483647 + 1` fails); strings are refused even when they spell a number.
fn math_add(left: &Value, right: &Value) -> Option<Value> {
    let left = whole_number(left, Rounding::Round).and_then(int32)?;
    let right = whole_number(right, Rounding::Round).and_then(int32)?;
    int32(left + right).map(Value::from)
}

/// `States.StringSplit(text, delimiters)`: the pieces of `text` between any of the delimiter
/// characters, empty pieces left out, as Java's `StringTokenizer` splits (recorded: `", , ,"`
/// on `","` gives `[" ", " "]` and `"This.is+a,test=string"` on `".+,="` gives five words).
fn string_tokens(text: &str, delimiters: &str) -> Vec<String> {
    text.split(|character| delimiters.contains(character))
        .filter(|piece| !piece.is_empty())
        .map(str::to_string)
        .collect()
}

/// `States.Hash(data, algorithm)`: the lower-case hex digest of the UTF-8 bytes of `data`;
/// `None` for an algorithm AWS does not offer (names are exact: `SHA-256`, not `sha256`).
fn hash(data: &str, algorithm: &str) -> Option<String> {
    use sha2::Digest as _;
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(data.as_bytes()).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data.as_bytes()).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data.as_bytes()).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data.as_bytes()).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

//! JSONata's built-in function library (2.0), as Step Functions offers it: without `$eval`,
//! with the AWS additions `$partition`, `$range`, `$hash`, `$random(seed?)`, `$uuid` and
//! `$parse`. Arguments are checked against each function's signature first, as JSONata does.

use std::rc::Rc;

use super::ast::{ParamModifier, Signature};
use super::datetime;
use super::eval::{
    Ev, Func, Obj, R, Val, append, compare_strings, deep_copy, deep_equal, err, format_number, from_json, lookup_field,
    number, quote, size_of_value, stringify, to_string, truthy, type_of,
};
use super::format;
use super::regex::JsRegex;

/// How a built-in runs: with the evaluator, its checked arguments and the context value.
pub(super) type Run = for<'a, 'e> fn(&mut Ev<'a, 'e>, Vec<Option<Val<'a>>>, &Option<Val<'a>>) -> R<Option<Val<'a>>>;

/// A built-in function.
pub(super) struct Builtin {
    /// Its name, without the `$`.
    pub name: &'static str,
    /// Its JSONata signature.
    pub signature: &'static str,
    /// How many arguments it declares (what higher-order functions pass it).
    pub arity: usize,
    /// Its implementation.
    pub run: Run,
}

macro_rules! builtins {
    ($($name:literal, $signature:literal, $arity:literal, $run:expr;)*) => {
        static BUILTINS: &[Builtin] = &[$(Builtin { name: $name, signature: $signature, arity: $arity, run: $run }),*];
    };
}

builtins! {
    "sum", "<a<n>:n>", 1, sum;
    "count", "<a:n>", 1, count;
    "max", "<a<n>:n>", 1, max;
    "min", "<a<n>:n>", 1, min;
    "average", "<a<n>:n>", 1, average;
    "string", "<x-b?:s>", 2, string;
    "substring", "<s-nn?:s>", 3, substring;
    "substringBefore", "<s-s:s>", 2, substring_before;
    "substringAfter", "<s-s:s>", 2, substring_after;
    "lowercase", "<s-:s>", 1, lowercase;
    "uppercase", "<s-:s>", 1, uppercase;
    "length", "<s-:n>", 1, length;
    "trim", "<s-:s>", 1, trim;
    "pad", "<s-ns?:s>", 3, pad;
    "match", "<s-f<s:o>n?:a<o>>", 3, match_;
    "contains", "<s-(sf):b>", 2, contains;
    "replace", "<s-(sf)(sf)n?:s>", 4, replace;
    "split", "<s-(sf)n?:a<s>>", 3, split;
    "join", "<a<s>s?:s>", 2, join;
    "formatNumber", "<n-so?:s>", 3, format_number_fn;
    "formatBase", "<n-n?:s>", 2, format_base;
    "formatInteger", "<n-s:s>", 2, format_integer;
    "parseInteger", "<s-s:n>", 2, parse_integer;
    "number", "<(nsb)-:n>", 1, number_fn;
    "floor", "<n-:n>", 1, floor;
    "ceil", "<n-:n>", 1, ceil;
    "round", "<n-n?:n>", 2, round;
    "abs", "<n-:n>", 1, abs;
    "sqrt", "<n-:n>", 1, sqrt;
    "power", "<n-n:n>", 2, power;
    "random", "<n?:n>", 1, random;
    "boolean", "<x-:b>", 1, boolean;
    "not", "<x-:b>", 1, not;
    "map", "<af>", 2, map;
    "zip", "<a+>", 1, zip;
    "filter", "<af>", 2, filter;
    "single", "<af?>", 2, single;
    "reduce", "<afj?:j>", 3, reduce;
    "sift", "<o-f?:o>", 2, sift;
    "keys", "<x-:a<s>>", 1, keys;
    "lookup", "<x-s:x>", 2, lookup;
    "append", "<xx:a>", 2, append_fn;
    "exists", "<x:b>", 1, exists;
    "spread", "<x-:a<o>>", 1, spread;
    "merge", "<a<o>:o>", 1, merge;
    "reverse", "<a:a>", 1, reverse;
    "each", "<o-f:a>", 2, each;
    "error", "<s?:x>", 1, error;
    "assert", "<bs?:x>", 2, assert;
    "type", "<x:s>", 1, type_fn;
    "sort", "<af?:a>", 2, sort;
    "shuffle", "<a:a>", 1, shuffle;
    "distinct", "<x:x>", 1, distinct;
    "base64encode", "<s-:s>", 1, base64_encode;
    "base64decode", "<s-:s>", 1, base64_decode;
    "encodeUrlComponent", "<s-:s>", 1, encode_url_component;
    "encodeUrl", "<s-:s>", 1, encode_url;
    "decodeUrlComponent", "<s-:s>", 1, decode_url_component;
    "decodeUrl", "<s-:s>", 1, decode_url;
    "clone", "<(oa)-:o>", 1, clone;
    "now", "<s?s?:s>", 2, now;
    "millis", "<:n>", 0, millis;
    "fromMillis", "<n-s?s?:s>", 3, from_millis;
    "toMillis", "<s-s?:n>", 2, to_millis;
    "partition", "<an:a>", 2, partition;
    "range", "<nnn?:a>", 3, range;
    "hash", "<s-s?:s>", 2, hash;
    "uuid", "<:s>", 0, uuid;
    "parse", "<s-:j>", 1, parse;
}

/// The built-in called `name` (without the `$`).
pub(super) fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|builtin| builtin.name == name)
}

// ---------------------------------------------------------------------------------------
// Signatures

/// The signature symbol of a value: `m` for undefined.
fn symbol(value: &Option<Val>) -> char {
    match value {
        None => 'm',
        Some(Val::Null) => 'l',
        Some(Val::Bool(_)) => 'b',
        Some(Val::Num(_)) => 'n',
        Some(Val::Str(_)) => 's',
        Some(Val::Arr(..) | Val::Tuples(_)) => 'a',
        Some(Val::Obj(_)) => 'o',
        Some(Val::Func(_)) => 'f',
    }
}

/// The symbols a parameter accepts.
fn accepts(types: &str) -> String {
    if types.chars().count() > 1 {
        return format!("{types}m");
    }
    match types {
        "a" | "x" => "asnblfom".to_owned(),
        "f" => "f".to_owned(),
        "u" => "snblm".to_owned(),
        "j" => "asnblom".to_owned(),
        other => format!("{other}m"),
    }
}

fn token(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("\"{name}\""),
        None => "{{token}}".to_owned(),
    }
}

/// Checks `args` against `signature` and returns them as the function receives them: the
/// context value where a `-` argument is missing, non-arrays wrapped where an array is due.
pub(super) fn validate<'a>(
    signature: &Signature,
    args: Vec<Option<Val<'a>>>,
    input: &Option<Val<'a>>,
    name: Option<&str>,
) -> R<Vec<Option<Val<'a>>>> {
    let symbols: Vec<char> = args.iter().map(symbol).collect();
    let sets: Vec<String> = signature.params.iter().map(|param| accepts(&param.types)).collect();
    let mut counts = Vec::with_capacity(sets.len());
    if !assign(signature, &sets, &symbols, 0, 0, &mut counts) {
        // Find how far the arguments fit, as JSONata does.
        let mut good = 0;
        for index in 0..signature.params.len() {
            let mut trial = Vec::new();
            let prefix = Signature { text: String::new(), params: signature.params[..=index].to_vec(), result: None };
            let fits = (0..=symbols.len())
                .rev()
                .find(|&end| assign(&prefix, &sets[..=index], &symbols[..end], 0, 0, &mut trial));
            match fits {
                Some(end) => good = end,
                None => break,
            }
        }
        return err(
            "T0410",
            format!("Argument {} of function {} does not match function signature", good + 1, token(name)),
        );
    }
    let mut validated = Vec::with_capacity(signature.params.len());
    let mut arg_index = 0;
    let mut args = args.into_iter().map(Some).collect::<Vec<_>>();
    let mut take = |index: usize| args.get_mut(index).and_then(Option::take).flatten();
    for (param, (count, set)) in signature.params.iter().zip(counts.iter().zip(&sets)) {
        if *count == 0 {
            if param.modifier == Some(ParamModifier::ContextIfMissing) {
                if set.contains(symbol(input)) && input.is_some() {
                    validated.push(input.clone());
                } else {
                    return err(
                        "T0411",
                        format!(
                            "Context value is not a compatible type with argument {} of function {}",
                            arg_index + 1,
                            token(name)
                        ),
                    );
                }
            } else {
                validated.push(take(arg_index));
                arg_index += 1;
            }
            continue;
        }
        for _ in 0..*count {
            let arg = take(arg_index);
            if param.types == "a" {
                let arg = match arg {
                    None => None,
                    Some(value) => {
                        if let Some(subtype) = &param.type_parameter {
                            let wanted = subtype.chars().next().unwrap_or('x');
                            let ok = match &value {
                                Val::Arr(items, _) => match items.first() {
                                    None => true,
                                    Some(first) => {
                                        let kind = symbol(&Some(first.clone()));
                                        kind == wanted && items.iter().all(|item| symbol(&Some(item.clone())) == kind)
                                    }
                                },
                                other => symbol(&Some(other.clone())) == wanted,
                            };
                            if !ok {
                                let plural = match wanted {
                                    'a' => "arrays",
                                    'b' => "booleans",
                                    'f' => "functions",
                                    'n' => "numbers",
                                    'o' => "objects",
                                    's' => "strings",
                                    _ => "values",
                                };
                                return err(
                                    "T0412",
                                    format!(
                                        "Argument {} of function {} must be an array of {plural}",
                                        arg_index + 1,
                                        token(name)
                                    ),
                                );
                            }
                        }
                        Some(match value {
                            Val::Tuples(_) => Val::array(value.items()),
                            Val::Arr(..) => value,
                            other => Val::array(vec![other]),
                        })
                    }
                };
                validated.push(arg);
            } else {
                validated.push(arg);
            }
            arg_index += 1;
        }
    }
    Ok(validated)
}

/// Matches argument symbols to parameters like JSONata's signature regex: greedy, with
/// backtracking. `counts` receives how many arguments each parameter took.
fn assign(
    signature: &Signature,
    sets: &[String],
    symbols: &[char],
    param: usize,
    arg: usize,
    counts: &mut Vec<usize>,
) -> bool {
    if param == sets.len() {
        return arg == symbols.len();
    }
    let set = &sets[param];
    let fits = |count: usize| symbols.get(arg..arg + count).is_some_and(|s| s.iter().all(|c| set.contains(*c)));
    let options: Vec<usize> = match signature.params[param].modifier {
        Some(ParamModifier::OneOrMore) => {
            let mut max = 0;
            while fits(max + 1) {
                max += 1;
            }
            (1..=max).rev().collect()
        }
        Some(ParamModifier::Optional) | Some(ParamModifier::ContextIfMissing) => {
            if fits(1) {
                vec![1, 0]
            } else {
                vec![0]
            }
        }
        None => {
            if fits(1) {
                vec![1]
            } else {
                vec![]
            }
        }
    };
    for count in options {
        counts.push(count);
        if assign(signature, sets, symbols, param + 1, arg + count, counts) {
            return true;
        }
        counts.pop();
    }
    false
}

// ---------------------------------------------------------------------------------------
// Helpers

fn arg<'a>(args: &[Option<Val<'a>>], index: usize) -> Option<Val<'a>> {
    args.get(index).cloned().flatten()
}

fn num(args: &[Option<Val>], index: usize) -> Option<f64> {
    args.get(index).and_then(|value| value.as_ref()).and_then(Val::as_num)
}

fn text<'a>(args: &[Option<Val<'a>>], index: usize) -> Option<Rc<str>> {
    match args.get(index) {
        Some(Some(Val::Str(s))) => Some(s.clone()),
        _ => None,
    }
}

fn items<'a>(args: &[Option<Val<'a>>], index: usize) -> Option<Vec<Val<'a>>> {
    arg(args, index).map(|value| value.items())
}

fn string_result<'a>(ev: &mut Ev<'a, '_>, text: String) -> R<Option<Val<'a>>> {
    ev.charge(text.len() as u64 / 16)?;
    Ok(Some(Val::string(text)))
}

/// The arguments a higher-order function passes to `func`: as many of `all` as it declares.
fn hof_args<'a>(func: &Val<'a>, all: Vec<Option<Val<'a>>>) -> Vec<Option<Val<'a>>> {
    let arity = match func {
        Val::Func(func) => func.arity(),
        _ => 1,
    };
    let mut all = all;
    all.truncate(arity.max(1));
    all
}

// ---------------------------------------------------------------------------------------
// Aggregation

fn numbers(args: &[Option<Val>]) -> Option<Vec<f64>> {
    items(args, 0).map(|items| items.iter().filter_map(Val::as_num).collect())
}

fn sum<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    match numbers(&args) {
        None => Ok(None),
        Some(values) => number(values.iter().sum()),
    }
}

fn count<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(Some(Val::Num(items(&args, 0).map_or(0, |items| items.len()) as f64)))
}

fn max<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(numbers(&args).and_then(|values| values.into_iter().reduce(f64::max)).map(Val::Num))
}

fn min<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(numbers(&args).and_then(|values| values.into_iter().reduce(f64::min)).map(Val::Num))
}

fn average<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    match numbers(&args) {
        Some(values) if !values.is_empty() => number(values.iter().sum::<f64>() / values.len() as f64),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------
// Strings

fn string<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = arg(&args, 0) else { return Ok(None) };
    let pretty = matches!(arg(&args, 1), Some(Val::Bool(true)));
    let value = match value {
        Val::Arr(items, flags) if flags.outer && !items.is_empty() => items[0].clone(),
        other => other,
    };
    let text = match &value {
        Val::Str(_) | Val::Func(_) => to_string(&value)?,
        Val::Num(n) if !n.is_finite() => to_string(&value)?,
        other => stringify(other, pretty),
    };
    string_result(ev, text)
}

/// JavaScript's `slice` bounds over `len` items.
fn slice_bounds(len: usize, start: f64, end: Option<f64>) -> (usize, usize) {
    let clamp = |position: f64| {
        let position = position.trunc();
        if position < 0.0 { (len as f64 + position).max(0.0) as usize } else { (position as usize).min(len) }
    };
    let start = clamp(start);
    let end = end.map_or(len, clamp);
    (start, end.max(start))
}

fn substring<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let chars: Vec<char> = value.chars().collect();
    let len = chars.len() as f64;
    let mut start = num(&args, 1).unwrap_or(0.0);
    if len + start < 0.0 {
        start = 0.0;
    }
    let (from, to) = match num(&args, 2) {
        Some(length) => {
            if length <= 0.0 {
                return Ok(Some(Val::str("")));
            }
            let end = if start >= 0.0 { start + length } else { len + start + length };
            slice_bounds(chars.len(), start, Some(end))
        }
        None => slice_bounds(chars.len(), start, None),
    };
    Ok(Some(Val::string(chars[from..to].iter().collect())))
}

fn substring_before<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let chars = text(&args, 1).unwrap_or_else(|| Rc::from(""));
    Ok(Some(match value.find(&*chars) {
        Some(position) => Val::str(&value[..position]),
        None => Val::Str(value),
    }))
}

fn substring_after<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let chars = text(&args, 1).unwrap_or_else(|| Rc::from(""));
    Ok(Some(match value.find(&*chars) {
        Some(position) => Val::str(&value[position + chars.len()..]),
        None => Val::Str(value),
    }))
}

fn lowercase<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(text(&args, 0).map(|s| Val::string(s.to_lowercase())))
}

fn uppercase<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(text(&args, 0).map(|s| Val::string(s.to_uppercase())))
}

fn length<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(text(&args, 0).map(|s| Val::Num(s.chars().count() as f64)))
}

fn trim<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let mut out = String::with_capacity(value.len());
    let mut in_space = false;
    for c in value.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    let out = out.strip_prefix(' ').unwrap_or(&out);
    let out = out.strip_suffix(' ').unwrap_or(out);
    Ok(Some(Val::str(out)))
}

fn pad<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let width = num(&args, 1).unwrap_or(0.0);
    let fill = text(&args, 2).filter(|fill| !fill.is_empty()).unwrap_or_else(|| Rc::from(" "));
    let length = value.chars().count() as f64;
    let missing = width.abs().trunc() - length;
    if missing <= 0.0 {
        return Ok(Some(Val::Str(value)));
    }
    ev.charge(missing as u64 / 16)?;
    let padding: String = fill.chars().cycle().take(missing as usize).collect();
    let result = if width > 0.0 { format!("{value}{padding}") } else { format!("{padding}{value}") };
    Ok(Some(Val::string(result)))
}

/// A match found by a matcher function (a regular expression or a custom one).
struct Found {
    text: String,
    start: usize,
    end: usize,
    groups: Vec<String>,
}

/// Every match of `matcher` in `text`, up to `limit`.
fn matches<'a>(ev: &mut Ev<'a, '_>, matcher: &Val<'a>, text: &Rc<str>, limit: Option<f64>) -> R<Vec<Found>> {
    let mut found = Vec::new();
    let mut result = ev.apply(matcher, vec![Some(Val::Str(text.clone()))], &None)?;
    while let Some(value) = result {
        if limit.is_some_and(|limit| found.len() as f64 >= limit) {
            break;
        }
        ev.charge(1)?;
        let Val::Obj(object) = &value else {
            return err(
                "T1010",
                "The matcher function argument passed to function \"match\" does not return the correct object structure",
            );
        };
        let (Some(Val::Str(matched)), Some(Val::Num(start)), Some(Val::Num(end))) =
            (object.get("match"), object.get("start"), object.get("end"))
        else {
            return err(
                "T1010",
                "The matcher function argument passed to function \"match\" does not return the correct object structure",
            );
        };
        let groups = match object.get("groups") {
            Some(Val::Arr(items, _)) => items.iter().map(|item| item.as_str().unwrap_or("").to_owned()).collect(),
            _ => Vec::new(),
        };
        found.push(Found { text: matched.to_string(), start: *start as usize, end: *end as usize, groups });
        result = match object.get("next") {
            Some(next) => ev.apply(next, Vec::new(), &None)?,
            None => None,
        };
    }
    Ok(found)
}

/// The match object a regular expression returns for its first match at or after `from`.
pub(super) fn regex_match_object<'a>(
    regex: &Rc<JsRegex>,
    text: &Rc<str>,
    from: usize,
    first: bool,
) -> R<Option<Val<'a>>> {
    if !first && from >= text.chars().count() {
        return Ok(None);
    }
    let Some(found) = regex.find(text, from) else { return Ok(None) };
    if !first && found.text.is_empty() {
        return err("D1004", "Regular expression matches zero length string");
    }
    let mut object = Obj::new();
    object.insert("match".into(), Val::string(found.text));
    object.insert("start".into(), Val::Num(found.start as f64));
    object.insert("end".into(), Val::Num(found.end as f64));
    object.insert("groups".into(), Val::array(found.groups.into_iter().map(Val::string).collect()));
    let next = Func::RegexNext { regex: regex.clone(), text: text.clone(), from: found.end };
    object.insert("next".into(), Val::Func(Rc::new(next)));
    Ok(Some(Val::object(object)))
}

fn match_<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let limit = num(&args, 2);
    if limit.is_some_and(|limit| limit < 0.0) {
        return err("D3040", "Third argument of match function must evaluate to a positive number");
    }
    let matcher = arg(&args, 1).unwrap_or(Val::Null);
    let found = matches(ev, &matcher, &value, limit)?;
    let results = found
        .into_iter()
        .map(|found| {
            let mut object = Obj::new();
            object.insert("match".into(), Val::string(found.text));
            object.insert("index".into(), Val::Num(found.start as f64));
            object.insert("groups".into(), Val::array(found.groups.into_iter().map(Val::string).collect()));
            Val::object(object)
        })
        .collect();
    Ok(Some(Val::seq(results)))
}

fn contains<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let found = match arg(&args, 1) {
        Some(Val::Str(token)) => value.contains(&*token),
        Some(matcher) => ev.apply(&matcher, vec![Some(Val::Str(value))], &None)?.is_some(),
        None => false,
    };
    Ok(Some(Val::Bool(found)))
}

fn char_slice(chars: &[char], from: usize, to: usize) -> String {
    chars[from.min(chars.len())..to.min(chars.len()).max(from.min(chars.len()))].iter().collect()
}

/// A replacement string with `$0`, `$1`, … and `$$` substituted.
fn substitute(replacement: &str, found: &Found) -> String {
    let chars: Vec<char> = replacement.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    while index < chars.len() {
        if chars[index] != '$' {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        index += 1;
        match chars.get(index) {
            Some('$') => {
                out.push('$');
                index += 1;
            }
            Some('0') => {
                out.push_str(&found.text);
                index += 1;
            }
            Some(c) if c.is_ascii_digit() => {
                let groups = found.groups.len();
                let max_digits = if groups == 0 { 1 } else { groups.to_string().len() };
                let digits: String =
                    chars[index..].iter().take(max_digits).take_while(|c| c.is_ascii_digit()).collect();
                let mut number: usize = digits.parse().unwrap_or(0);
                let mut used = digits.len();
                if used > 1 && number > groups {
                    used -= 1;
                    number = digits[..used].parse().unwrap_or(0);
                }
                if number >= 1
                    && let Some(group) = found.groups.get(number - 1)
                {
                    out.push_str(group);
                }
                index += used;
            }
            _ => out.push('$'),
        }
    }
    out
}

fn replace<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let pattern = arg(&args, 1);
    if matches!(&pattern, Some(Val::Str(p)) if p.is_empty()) {
        return err("D3010", "Second argument of replace function cannot be an empty string");
    }
    let limit = num(&args, 3);
    if limit.is_some_and(|limit| limit < 0.0) {
        return err("D3011", "Fourth argument of replace function must evaluate to a positive number");
    }
    let replacement = arg(&args, 2);
    if limit == Some(0.0) {
        return Ok(Some(Val::Str(value)));
    }
    let result = match pattern {
        Some(Val::Str(pattern)) => {
            let with = match &replacement {
                Some(Val::Str(with)) => with.to_string(),
                Some(other) => to_string(other)?,
                None => String::new(),
            };
            match limit {
                Some(limit) => value.replacen(&*pattern, &with, limit as usize),
                None => value.replace(&*pattern, &with),
            }
        }
        Some(matcher) => {
            let found = matches(ev, &matcher, &value, limit)?;
            let chars: Vec<char> = value.chars().collect();
            let mut out = String::new();
            let mut position = 0;
            for found in &found {
                out.push_str(&char_slice(&chars, position, found.start));
                let with = match &replacement {
                    Some(Val::Str(with)) => substitute(with, found),
                    Some(func @ Val::Func(_)) => {
                        let mut object = Obj::new();
                        object.insert("match".into(), Val::str(&found.text));
                        object.insert("index".into(), Val::Num(found.start as f64));
                        object.insert("groups".into(), Val::array(found.groups.iter().map(|g| Val::str(g)).collect()));
                        match ev.apply(func, vec![Some(Val::object(object))], &None)? {
                            Some(Val::Str(with)) => with.to_string(),
                            other => {
                                return err(
                                    "D3012",
                                    format!(
                                        "Attempted to replace a matched string with a non-string value: {}",
                                        quote(&other)
                                    ),
                                );
                            }
                        }
                    }
                    _ => String::new(),
                };
                out.push_str(&with);
                position = found.start + found.text.chars().count();
            }
            out.push_str(&char_slice(&chars, position, chars.len()));
            out
        }
        None => value.to_string(),
    };
    string_result(ev, result)
}

fn split<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let limit = num(&args, 2);
    if limit.is_some_and(|limit| limit < 0.0) {
        return err("D3020", "Third argument of split function must evaluate to a positive number");
    }
    let limit_count = limit.map(|limit| limit.floor() as usize);
    let mut parts: Vec<String> = match arg(&args, 1) {
        Some(Val::Str(separator)) => {
            if separator.is_empty() {
                value.chars().map(String::from).collect()
            } else {
                value.split(&*separator).map(str::to_owned).collect()
            }
        }
        Some(matcher) => {
            let found = matches(ev, &matcher, &value, limit)?;
            let chars: Vec<char> = value.chars().collect();
            let mut parts = Vec::new();
            let mut start = 0;
            for found in &found {
                parts.push(char_slice(&chars, start, found.start));
                start = found.end;
            }
            parts.push(char_slice(&chars, start, chars.len()));
            parts
        }
        None => vec![value.to_string()],
    };
    if let Some(limit) = limit_count {
        parts.truncate(limit);
    }
    ev.charge(parts.len() as u64)?;
    Ok(Some(Val::array(parts.into_iter().map(Val::string).collect())))
}

fn join<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let separator = text(&args, 1).unwrap_or_else(|| Rc::from(""));
    let parts: Vec<&str> = values.iter().map(|value| value.as_str().unwrap_or("")).collect();
    string_result(ev, parts.join(&separator))
}

fn format_number_fn<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = num(&args, 0) else { return Ok(None) };
    let picture = text(&args, 1).unwrap_or_else(|| Rc::from(""));
    let options = match arg(&args, 2) {
        Some(Val::Obj(options)) => {
            options.iter().filter_map(|(key, value)| value.as_str().map(|v| (key.clone(), v.to_owned()))).collect()
        }
        _ => Vec::new(),
    };
    let text = format::format_number(value, &picture, &options)?;
    string_result(ev, text)
}

fn format_base<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = num(&args, 0) else { return Ok(None) };
    let radix = num(&args, 1).unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return err(
            "D3100",
            format!(
                "The radix of the formatBase function must be between 2 and 36.  It was given {}",
                format_number(radix)
            ),
        );
    }
    let value = round_half_even(value, 0);
    let radix = radix as u32;
    let mut magnitude = value.abs();
    if magnitude >= 1e300 {
        return Ok(Some(Val::string(format_number(value))));
    }
    let mut digits = Vec::new();
    loop {
        let digit = (magnitude % radix as f64) as u32;
        digits.push(std::char::from_digit(digit, radix).unwrap_or('0'));
        magnitude = (magnitude / radix as f64).floor();
        if magnitude < 1.0 {
            break;
        }
    }
    if value < 0.0 {
        digits.push('-');
    }
    Ok(Some(Val::string(digits.into_iter().rev().collect())))
}

fn format_integer<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = num(&args, 0) else { return Ok(None) };
    let picture = text(&args, 1).unwrap_or_else(|| Rc::from("0"));
    Ok(Some(Val::string(format::format_integer(value, &picture)?)))
}

fn parse_integer<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let picture = text(&args, 1).unwrap_or_else(|| Rc::from("0"));
    Ok(format::parse_integer(&value, &picture)?.map(Val::Num))
}

// ---------------------------------------------------------------------------------------
// Numbers

/// JSONata's `$number` for a string.
pub(super) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut index = 0;
    if bytes.first() == Some(&b'-') {
        index += 1;
    }
    let digits = |index: &mut usize| {
        let start = *index;
        while bytes.get(*index).is_some_and(u8::is_ascii_digit) {
            *index += 1;
        }
        *index > start
    };
    let radix = |prefix: u8, radix: u32| {
        (bytes.len() > 2 && bytes[0] == b'0' && bytes[1].eq_ignore_ascii_case(&prefix))
            .then(|| u64::from_str_radix(&text[2..], radix).ok().map(|n| n as f64))
            .flatten()
    };
    if let Some(value) = radix(b'x', 16).or_else(|| radix(b'o', 8)).or_else(|| radix(b'b', 2)) {
        return Some(value);
    }
    if !digits(&mut index) {
        return None;
    }
    if bytes.get(index) == Some(&b'.') {
        index += 1;
        if !digits(&mut index) {
            return None;
        }
    }
    if bytes.get(index).is_some_and(|b| *b == b'e' || *b == b'E') {
        index += 1;
        if bytes.get(index).is_some_and(|b| *b == b'+' || *b == b'-') {
            index += 1;
        }
        if !digits(&mut index) {
            return None;
        }
    }
    if index != bytes.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn number_fn<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    match arg(&args, 0) {
        None => Ok(None),
        Some(Val::Num(n)) => Ok(Some(Val::Num(n))),
        Some(Val::Bool(b)) => Ok(Some(Val::Num(if b { 1.0 } else { 0.0 }))),
        Some(Val::Str(s)) => match parse_number(&s) {
            Some(n) => Ok(Some(Val::Num(n))),
            None => err("D3030", format!("Unable to cast value to a number: {}", quote(&Some(Val::Str(s))))),
        },
        other => err("D3030", format!("Unable to cast value to a number: {}", quote(&other))),
    }
}

fn unary<'a>(args: &[Option<Val<'a>>], op: fn(f64) -> f64) -> R<Option<Val<'a>>> {
    match num(args, 0) {
        None => Ok(None),
        Some(n) => number(op(n) + 0.0),
    }
}

fn floor<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    unary(&args, f64::floor)
}

fn ceil<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    unary(&args, f64::ceil)
}

fn abs<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    unary(&args, f64::abs)
}

/// Rounds `value` to `precision` decimal places, halves to even, working on the decimal
/// text of the number as JSONata does.
pub(super) fn round_half_even(value: f64, precision: i32) -> f64 {
    let shift = |n: f64, by: i32| -> f64 {
        let text = format!("{n:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        format!("{mantissa}e{}", exponent + by).parse().unwrap_or(n)
    };
    let scaled = if precision != 0 { shift(value, precision) } else { value };
    let mut result = (scaled + 0.5).floor();
    let diff = result - scaled;
    if diff.abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    let result = if precision != 0 { shift(result, -precision) } else { result };
    if result == 0.0 { 0.0 } else { result }
}

fn round<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = num(&args, 0) else { return Ok(None) };
    let precision = num(&args, 1).unwrap_or(0.0).trunc().clamp(-400.0, 400.0) as i32;
    number(round_half_even(value, precision))
}

fn sqrt<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = num(&args, 0) else { return Ok(None) };
    if value < 0.0 {
        return err(
            "D3060",
            format!("The sqrt function cannot be applied to a negative number: {}", format_number(value)),
        );
    }
    number(value.sqrt())
}

fn power<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let (Some(base), Some(exponent)) = (num(&args, 0), num(&args, 1)) else { return Ok(None) };
    let result = base.powf(exponent);
    if !result.is_finite() {
        return err(
            "D3061",
            format!(
                "The power function has resulted in a value that cannot be represented as a JSON number: base={}, exponent={}",
                format_number(base),
                format_number(exponent)
            ),
        );
    }
    Ok(Some(Val::Num(result)))
}

/// A number in `[0, 1)` from a seed (splitmix64), for AWS's `$random(seed)`.
fn seeded_random(seed: f64) -> f64 {
    let mut z = seed.to_bits().wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn random<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(Some(Val::Num(match num(&args, 0) {
        Some(seed) => seeded_random(seed),
        None => ev.env.random(),
    })))
}

// ---------------------------------------------------------------------------------------
// Booleans

fn boolean<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(arg(&args, 0).map(|value| Val::Bool(truthy(&value))))
}

fn not<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(arg(&args, 0).map(|value| Val::Bool(!truthy(&value))))
}

fn exists<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(Some(Val::Bool(arg(&args, 0).is_some())))
}

// ---------------------------------------------------------------------------------------
// Higher-order functions

fn map<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1).unwrap_or(Val::Null);
    let whole = arg(&args, 0);
    let mut results = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        let call = hof_args(&func, vec![Some(value), Some(Val::Num(index as f64)), whole.clone()]);
        if let Some(result) = ev.apply(&func, call, &None)? {
            results.push(result);
        }
    }
    Ok(Some(Val::seq(results)))
}

fn filter<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1).unwrap_or(Val::Null);
    let whole = arg(&args, 0);
    let mut results = Vec::new();
    for (index, value) in values.into_iter().enumerate() {
        let call = hof_args(&func, vec![Some(value.clone()), Some(Val::Num(index as f64)), whole.clone()]);
        if ev.apply(&func, call, &None)?.as_ref().is_some_and(truthy) {
            results.push(value);
        }
    }
    Ok(Some(Val::seq(results)))
}

fn single<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1);
    let whole = arg(&args, 0);
    let mut found = None;
    for (index, value) in values.into_iter().enumerate() {
        let selected = match &func {
            Some(func) => {
                let call = hof_args(func, vec![Some(value.clone()), Some(Val::Num(index as f64)), whole.clone()]);
                ev.apply(func, call, &None)?.as_ref().is_some_and(truthy)
            }
            None => true,
        };
        if selected {
            if found.is_some() {
                return err(
                    "D3138",
                    "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                );
            }
            found = Some(value);
        }
    }
    match found {
        Some(value) => Ok(Some(value)),
        None => err("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."),
    }
}

fn reduce<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1).unwrap_or(Val::Null);
    let arity = match &func {
        Val::Func(func) => func.arity(),
        _ => 0,
    };
    if arity < 2 {
        return err("D3050", "The second argument of reduce function must be a function with at least two arguments");
    }
    let whole = arg(&args, 0);
    let mut values = values.into_iter().enumerate();
    let mut accumulator = match arg(&args, 2) {
        Some(initial) => Some(initial),
        None => values.next().map(|(_, first)| first),
    };
    for (index, value) in values {
        let mut call = vec![accumulator, Some(value)];
        if arity >= 3 {
            call.push(Some(Val::Num(index as f64)));
        }
        if arity >= 4 {
            call.push(whole.clone());
        }
        accumulator = ev.apply(&func, call, &None)?;
    }
    Ok(accumulator)
}

fn sift<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(Val::Obj(object)) = arg(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1).unwrap_or(Val::Null);
    let whole = Some(Val::Obj(object.clone()));
    let mut result = Obj::new();
    for (key, value) in object.iter() {
        let call = hof_args(&func, vec![Some(value.clone()), Some(Val::str(key)), whole.clone()]);
        if ev.apply(&func, call, &None)?.as_ref().is_some_and(truthy) {
            result.insert(key.clone(), value.clone());
        }
    }
    Ok((!result.is_empty()).then(|| Val::object(result)))
}

fn each<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(Val::Obj(object)) = arg(&args, 0) else { return Ok(None) };
    let func = arg(&args, 1).unwrap_or(Val::Null);
    let whole = Some(Val::Obj(object.clone()));
    let mut results = Vec::new();
    for (key, value) in object.iter() {
        let call = hof_args(&func, vec![Some(value.clone()), Some(Val::str(key)), whole.clone()]);
        if let Some(result) = ev.apply(&func, call, &None)? {
            results.push(result);
        }
    }
    Ok(Some(Val::seq(results)))
}

fn zip<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let arrays: Vec<Vec<Val<'a>>> =
        args.iter().map(|value| value.as_ref().map(Val::items).unwrap_or_default()).collect();
    let length = arrays.iter().map(Vec::len).min().unwrap_or(0);
    let rows = (0..length).map(|index| Val::array(arrays.iter().map(|array| array[index].clone()).collect())).collect();
    Ok(Some(Val::array(rows)))
}

// ---------------------------------------------------------------------------------------
// Objects and arrays

fn keys<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |object: &Obj| {
        for key in object.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    };
    match arg(&args, 0) {
        Some(Val::Obj(object)) => add(&object),
        Some(value @ (Val::Arr(..) | Val::Tuples(_))) => {
            for item in value.items() {
                if let Val::Obj(object) = item {
                    add(&object);
                }
            }
        }
        _ => {}
    }
    Ok(Some(Val::seq(names.into_iter().map(Val::string).collect())))
}

fn lookup<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let (Some(value), Some(key)) = (arg(&args, 0), text(&args, 1)) else { return Ok(None) };
    Ok(lookup_field(&value, &key))
}

fn append_fn<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let size = |value: &Option<Val>| match value {
        Some(Val::Arr(items, _)) => items.len() as u64,
        _ => 1,
    };
    ev.charge(size(&args[0]) + size(&args[1]))?;
    Ok(append(arg(&args, 0), arg(&args, 1)))
}

fn spread<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    fn spread_into<'a>(value: &Val<'a>, out: &mut Vec<Val<'a>>) {
        match value {
            Val::Arr(..) | Val::Tuples(_) => value.items().iter().for_each(|item| spread_into(item, out)),
            Val::Obj(object) => {
                for (key, item) in object.iter() {
                    let mut single = Obj::new();
                    single.insert(key.clone(), item.clone());
                    out.push(Val::object(single));
                }
            }
            other => out.push(other.clone()),
        }
    }
    let Some(value) = arg(&args, 0) else { return Ok(None) };
    if !matches!(value, Val::Arr(..) | Val::Obj(_) | Val::Tuples(_)) {
        return Ok(Some(value));
    }
    let mut out = Vec::new();
    spread_into(&value, &mut out);
    Ok(Some(Val::seq(out)))
}

fn merge<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let mut result = Obj::new();
    for value in values {
        if let Val::Obj(object) = value {
            for (key, item) in object.iter() {
                result.insert(key.clone(), item.clone());
            }
        }
    }
    Ok(Some(Val::object(result)))
}

fn reverse<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(mut values) = items(&args, 0) else { return Ok(None) };
    values.reverse();
    Ok(Some(Val::array(values)))
}

fn error<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let message = text(&args, 0).map_or_else(|| "$error() function evaluated".to_owned(), |m| m.to_string());
    err("D3137", message)
}

fn assert<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    if matches!(arg(&args, 0), Some(Val::Bool(true))) {
        return Ok(None);
    }
    let message = text(&args, 1).map_or_else(|| "$assert() statement failed".to_owned(), |m| m.to_string());
    err("D3141", message)
}

fn type_fn<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(arg(&args, 0).map(|value| Val::str(type_of(&value))))
}

/// A stable merge sort with a fallible "comes after" test.
fn merge_sort<'a, F>(ev: &mut Ev<'a, '_>, items: Vec<Val<'a>>, after: &mut F) -> R<Vec<Val<'a>>>
where
    F: FnMut(&mut Ev<'a, '_>, &Val<'a>, &Val<'a>) -> R<bool>,
{
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut items = items;
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(ev, items, after)?;
    let right = merge_sort(ev, right, after)?;
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
        ev.charge(1)?;
        if after(ev, a, b)? {
            merged.extend(right.next());
        } else {
            merged.extend(left.next());
        }
    }
    merged.extend(left);
    merged.extend(right);
    Ok(merged)
}

fn sort<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    if values.len() <= 1 {
        return Ok(Some(Val::array(values)));
    }
    let sorted = match arg(&args, 1) {
        Some(func) => {
            let mut after = |ev: &mut Ev<'a, '_>, a: &Val<'a>, b: &Val<'a>| {
                Ok(ev.apply(&func, vec![Some(a.clone()), Some(b.clone())], &None)?.as_ref().is_some_and(truthy))
            };
            merge_sort(ev, values, &mut after)?
        }
        None => {
            let all_numbers = values.iter().all(|value| matches!(value, Val::Num(_)));
            let all_strings = values.iter().all(|value| matches!(value, Val::Str(_)));
            if !all_numbers && !all_strings {
                return err(
                    "D3070",
                    "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
                );
            }
            let mut after = |_: &mut Ev<'a, '_>, a: &Val<'a>, b: &Val<'a>| {
                Ok(match (a, b) {
                    (Val::Num(x), Val::Num(y)) => x > y,
                    (Val::Str(x), Val::Str(y)) => compare_strings(x, y).is_gt(),
                    _ => false,
                })
            };
            merge_sort(ev, values, &mut after)?
        }
    };
    Ok(Some(Val::array(sorted)))
}

fn shuffle<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(mut values) = items(&args, 0) else { return Ok(None) };
    for index in (1..values.len()).rev() {
        let other = ((ev.env.random() * (index + 1) as f64).floor() as usize).min(index);
        values.swap(index, other);
    }
    Ok(Some(Val::array(values)))
}

fn distinct<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = arg(&args, 0) else { return Ok(None) };
    let Val::Arr(values, _) = &value else { return Ok(Some(value)) };
    if values.len() <= 1 {
        return Ok(Some(value));
    }
    let mut results: Vec<Val<'a>> = Vec::new();
    for item in values.iter() {
        ev.charge(results.len() as u64 / 8 + 1)?;
        if !results.iter().any(|seen| deep_equal(seen, item)) {
            results.push(item.clone());
        }
    }
    Ok(Some(Val::seq(results)))
}

fn clone<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(arg(&args, 0).map(|value| deep_copy(&value)))
}

// ---------------------------------------------------------------------------------------
// Encoding

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for position in 0..4 {
            if position <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * position)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_encode<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    string_result(ev, base64(value.as_bytes()))
}

fn base64_decode<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let mut bytes = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in value.chars() {
        let Some(digit) = BASE64.iter().position(|&b| b as char == c) else { continue };
        buffer = (buffer << 6) | digit as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    string_result(ev, String::from_utf8_lossy(&bytes).into_owned())
}

fn percent_encode(value: &str, keep: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn percent_decode(value: &str, reserved: &str, function: &str) -> R<String> {
    let malformed = || err("D3140", format!("Malformed URL passed to ${function}(): \"{value}\""));
    let bytes = value.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'%' {
            out.push(bytes[index]);
            index += 1;
            continue;
        }
        let Some(hex) = value.get(index + 1..index + 3) else { return malformed() };
        let Ok(byte) = u8::from_str_radix(hex, 16) else { return malformed() };
        if byte < 0x80 && reserved.contains(byte as char) {
            out.extend_from_slice(&bytes[index..index + 3]);
        } else {
            out.push(byte);
        }
        index += 3;
    }
    String::from_utf8(out).or_else(|_| malformed())
}

fn encode_url_component<'a>(
    ev: &mut Ev<'a, '_>,
    args: Vec<Option<Val<'a>>>,
    _: &Option<Val<'a>>,
) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    string_result(ev, percent_encode(&value, "-_.!~*'()"))
}

fn encode_url<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    string_result(ev, percent_encode(&value, "-_.!~*'();/?:@&=+$,#"))
}

fn decode_url_component<'a>(
    ev: &mut Ev<'a, '_>,
    args: Vec<Option<Val<'a>>>,
    _: &Option<Val<'a>>,
) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let decoded = percent_decode(&value, "", "decodeUrlComponent")?;
    string_result(ev, decoded)
}

fn decode_url<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let decoded = percent_decode(&value, ";/?:@&=+$,#", "decodeUrl")?;
    string_result(ev, decoded)
}

// ---------------------------------------------------------------------------------------
// Date and time

fn now<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let millis = ev.now_millis();
    let text = datetime::format_millis(millis as f64, text(&args, 0).as_deref(), text(&args, 1).as_deref())?;
    Ok(Some(Val::string(text)))
}

fn millis<'a>(ev: &mut Ev<'a, '_>, _: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(Some(Val::Num(ev.now_millis() as f64)))
}

fn from_millis<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(millis) = num(&args, 0) else { return Ok(None) };
    let text = datetime::format_millis(millis, text(&args, 1).as_deref(), text(&args, 2).as_deref())?;
    Ok(Some(Val::string(text)))
}

fn to_millis<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let now = ev.now_millis();
    Ok(datetime::parse_millis(&value, text(&args, 1).as_deref(), now)?.map(Val::Num))
}

// ---------------------------------------------------------------------------------------
// Step Functions additions

fn partition<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(values) = items(&args, 0) else { return Ok(None) };
    let size = num(&args, 1).unwrap_or(0.0);
    if size < 1.0 || size.fract() != 0.0 {
        return err(
            "D3050",
            format!("The chunk size of the partition function must be a positive integer: {}", format_number(size)),
        );
    }
    ev.charge(values.len() as u64)?;
    let chunks = values.chunks(size.min(usize::MAX as f64) as usize).map(|chunk| Val::array(chunk.to_vec())).collect();
    Ok(Some(Val::array(chunks)))
}

fn range<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let (Some(start), Some(end)) = (num(&args, 0), num(&args, 1)) else { return Ok(None) };
    let step = num(&args, 2).unwrap_or(1.0);
    if step == 0.0 || !step.is_finite() {
        return err("D3050", "The step of the range function must be a non-zero number");
    }
    let count = ((end - start) / step).floor() + 1.0;
    if count > 1e6 {
        return err(
            "D2014",
            format!("The range function would create {} items, more than 1000000", format_number(count)),
        );
    }
    let count = count.max(0.0) as u64;
    ev.charge(count)?;
    let values = (0..count).map(|index| Val::Num(start + index as f64 * step)).collect();
    Ok(Some(Val::seq(values)))
}

fn hash<'a>(_: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    use sha2::Digest as _;
    let Some(value) = text(&args, 0) else { return Ok(None) };
    let algorithm = text(&args, 1).unwrap_or_else(|| Rc::from("SHA-256"));
    let digest: Vec<u8> = match &*algorithm {
        "MD5" => md5::Md5::digest(value.as_bytes()).to_vec(),
        "SHA-1" => sha1::Sha1::digest(value.as_bytes()).to_vec(),
        "SHA-256" => sha2::Sha256::digest(value.as_bytes()).to_vec(),
        "SHA-384" => sha2::Sha384::digest(value.as_bytes()).to_vec(),
        "SHA-512" => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        other => {
            return err(
                "D3150",
                format!("The hash algorithm {other:?} is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"),
            );
        }
    };
    Ok(Some(Val::string(digest.iter().map(|byte| format!("{byte:02x}")).collect())))
}

fn uuid<'a>(ev: &mut Ev<'a, '_>, _: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    Ok(Some(Val::string(ev.env.uuid())))
}

fn parse<'a>(ev: &mut Ev<'a, '_>, args: Vec<Option<Val<'a>>>, _: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let Some(value) = text(&args, 0) else { return Ok(None) };
    ev.charge(value.len() as u64 / 16)?;
    match serde_json::from_str::<serde_json::Value>(&value) {
        Ok(json) => {
            let parsed = from_json(&json);
            ev.charge(size_of_value(&parsed))?;
            Ok(Some(parsed))
        }
        Err(error) => err("D3120", format!("Unable to parse the string as JSON: {error}")),
    }
}

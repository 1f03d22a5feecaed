//! Number pictures: `$formatNumber` (XPath `format-number` decimal formats), and
//! `$formatInteger` / `$parseInteger` (decimal digit patterns, letters, Roman numerals and
//! English words, with ordinals). Also used by the date/time pictures.

use super::eval::{R, err};
use super::functions::round_half_even;

// ---------------------------------------------------------------------------------------
// Integers

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const SCALES: [(u64, &str); 4] =
    [(1_000_000_000_000, "trillion"), (1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")];

/// English words for a whole number (`one hundred and twenty-three`).
pub(super) fn words(value: u64, ordinal: bool) -> String {
    fn below_thousand(value: u64, out: &mut Vec<String>, and: bool) {
        let hundreds = value / 100;
        let rest = value % 100;
        if hundreds > 0 {
            out.push(format!("{} hundred", ONES[hundreds as usize]));
        }
        if rest > 0 {
            if hundreds > 0 || and {
                out.push("and".to_owned());
            }
            if rest < 20 {
                out.push(ONES[rest as usize].to_owned());
            } else if rest.is_multiple_of(10) {
                out.push(TENS[(rest / 10) as usize].to_owned());
            } else {
                out.push(format!("{}-{}", TENS[(rest / 10) as usize], ONES[(rest % 10) as usize]));
            }
        }
    }
    if value == 0 {
        return if ordinal { "zeroth".to_owned() } else { "zero".to_owned() };
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = value;
    for (scale, name) in SCALES {
        if rest >= scale {
            let mut inner = Vec::new();
            below_thousand(rest / scale % 1000, &mut inner, false);
            if rest / scale >= 1000 {
                inner.insert(0, words(rest / scale / 1000 * 1000, false));
            }
            parts.push(format!("{} {name}", inner.join(" ")));
            rest %= scale;
        }
    }
    let mut last = Vec::new();
    below_thousand(rest, &mut last, !parts.is_empty() && rest < 100);
    let mut text = parts.join(", ");
    if !last.is_empty() {
        if !text.is_empty() {
            text.push_str(if last[0] == "and" { " " } else { ", " });
        }
        text.push_str(&last.join(" "));
    }
    if ordinal { ordinal_words(&text) } else { text }
}

fn ordinal_words(text: &str) -> String {
    let split = text.rfind([' ', '-']).map_or(0, |index| index + 1);
    let (head, last) = text.split_at(split);
    let last = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        other if other.ends_with('y') => format!("{}ieth", &other[..other.len() - 1]),
        other => format!("{other}th"),
    };
    format!("{head}{last}")
}

fn words_value(text: &str) -> Option<f64> {
    let mut total = 0u64;
    let mut current = 0u64;
    let cleaned = text.to_lowercase().replace([',', '-'], " ");
    for word in cleaned.split_whitespace() {
        if word == "and" {
            continue;
        }
        let word = ordinal_base(word);
        if let Some(n) = ONES.iter().position(|w| *w == word) {
            current += n as u64;
        } else if let Some(n) = TENS.iter().position(|w| !w.is_empty() && *w == word) {
            current += 10 * n as u64;
        } else if word == "hundred" {
            current *= 100;
        } else if let Some((scale, _)) = SCALES.iter().find(|(_, name)| *name == word) {
            total += current.max(1) * scale;
            current = 0;
        } else {
            return None;
        }
    }
    Some((total + current) as f64)
}

fn ordinal_base(word: &str) -> String {
    match word {
        "first" => "one".into(),
        "second" => "two".into(),
        "third" => "three".into(),
        "fifth" => "five".into(),
        "eighth" => "eight".into(),
        "ninth" => "nine".into(),
        "twelfth" => "twelve".into(),
        "zeroth" => "zero".into(),
        w if w.ends_with("ieth") => format!("{}y", &w[..w.len() - 4]),
        w if w.ends_with("th") && w.len() > 4 => w[..w.len() - 2].into(),
        w => w.into(),
    }
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

/// Roman numerals, lower case.
pub(super) fn roman(mut value: u64) -> String {
    let mut out = String::new();
    for (amount, letters) in ROMAN {
        while value >= amount {
            out.push_str(letters);
            value -= amount;
        }
    }
    out
}

fn roman_value(text: &str) -> Option<f64> {
    let lower = text.to_lowercase();
    let value = |c: char| ROMAN.iter().find(|(_, l)| l.len() == 1 && l.starts_with(c)).map(|(v, _)| *v as i64);
    let digits: Option<Vec<i64>> = lower.chars().map(value).collect();
    let digits = digits?;
    let mut total = 0;
    for (index, digit) in digits.iter().enumerate() {
        if digits.get(index + 1).is_some_and(|next| next > digit) {
            total -= digit;
        } else {
            total += digit;
        }
    }
    Some(total as f64)
}

/// Letters: 1 is `a`, 26 is `z`, 27 is `aa`.
pub(super) fn letters(mut value: u64) -> String {
    let mut out = Vec::new();
    while value > 0 {
        value -= 1;
        out.push((b'a' + (value % 26) as u8) as char);
        value /= 26;
    }
    out.iter().rev().collect()
}

fn letters_value(text: &str) -> Option<f64> {
    let mut total = 0f64;
    for c in text.to_lowercase().chars() {
        if !c.is_ascii_lowercase() {
            return None;
        }
        total = total * 26.0 + (c as u8 - b'a' + 1) as f64;
    }
    Some(total)
}

/// The English ordinal suffix of a number.
pub(super) fn ordinal_suffix(value: u64) -> &'static str {
    match (value % 10, value % 100) {
        (1, hundred) if hundred != 11 => "st",
        (2, hundred) if hundred != 12 => "nd",
        (3, hundred) if hundred != 13 => "rd",
        _ => "th",
    }
}

/// Formats the digits of `value` by a decimal digit pattern such as `0001`, `#,##0` or `1`.
pub(super) fn decimal_pattern(value: u64, pattern: &str) -> String {
    let mandatory = pattern.chars().filter(char::is_ascii_digit).count().max(1);
    let mut digits = value.to_string();
    while digits.len() < mandatory {
        digits.insert(0, '0');
    }
    // Grouping separators: positions counted from the right.
    let mut separators: Vec<(usize, char)> = Vec::new();
    let mut position = 0;
    for c in pattern.chars().rev() {
        if c.is_ascii_digit() || c == '#' {
            position += 1;
        } else {
            separators.push((position, c));
        }
    }
    if separators.is_empty() {
        return digits;
    }
    let regular = separators[0].0 > 0
        && separators.iter().all(|(p, c)| p % separators[0].0 == 0 && *c == separators[0].1)
        && separators.iter().enumerate().all(|(i, (p, _))| *p == separators[0].0 * (i + 1));
    let chars: Vec<char> = digits.chars().collect();
    let mut out = Vec::new();
    for (index, c) in chars.iter().rev().enumerate() {
        if index > 0 {
            let separator = if regular {
                (index % separators[0].0 == 0).then_some(separators[0].1)
            } else {
                separators.iter().find(|(p, _)| *p == index).map(|(_, c)| *c)
            };
            if let Some(separator) = separator {
                out.push(separator);
            }
        }
        out.push(*c);
    }
    out.iter().rev().collect()
}

/// `$formatInteger(value, picture)`.
pub(super) fn format_integer(value: f64, picture: &str) -> R<String> {
    let (primary, modifier) = match picture.rfind(';') {
        Some(index) => (&picture[..index], &picture[index + 1..]),
        None => (picture, ""),
    };
    let ordinal = modifier.starts_with('o');
    let negative = value < 0.0;
    let magnitude = value.abs().floor().min(u64::MAX as f64) as u64;
    let body = match primary {
        "A" => letters(magnitude).to_uppercase(),
        "a" => letters(magnitude),
        "I" => roman(magnitude).to_uppercase(),
        "i" => roman(magnitude),
        "W" => words(magnitude, ordinal).to_uppercase(),
        "w" => words(magnitude, ordinal),
        "Ww" => title_case(&words(magnitude, ordinal)),
        pattern if pattern.chars().any(|c| c.is_ascii_digit()) => {
            let mut text = decimal_pattern(magnitude, pattern);
            if ordinal {
                text.push_str(ordinal_suffix(magnitude));
            }
            text
        }
        pattern if pattern.chars().next().is_some_and(|c| c.is_numeric()) => {
            return err(
                "D3130",
                format!(
                    "Formatting or parsing an integer as a sequence starting with {pattern:?} is not supported by this implementation"
                ),
            );
        }
        _ => magnitude.to_string(),
    };
    Ok(if negative { format!("-{body}") } else { body })
}

fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word == "and" {
                return word.to_owned();
            }
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `$parseInteger(text, picture)`.
pub(super) fn parse_integer(text: &str, picture: &str) -> R<Option<f64>> {
    let primary = picture.split(';').next().unwrap_or("");
    let value = match primary {
        "A" | "a" => letters_value(text),
        "I" | "i" => roman_value(text),
        "W" | "w" | "Ww" => words_value(text),
        _ => {
            let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect();
            digits.trim_end_matches(|c: char| !c.is_ascii_digit()).parse::<f64>().ok()
        }
    };
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Decimal formats

struct Symbols {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: char,
    percent: char,
    per_mille: char,
    zero: char,
    digit: char,
    separator: char,
    infinity: String,
    nan: String,
}

fn symbols(options: &[(String, String)]) -> Symbols {
    let mut symbols = Symbols {
        decimal: '.',
        grouping: ',',
        exponent: 'e',
        minus: '-',
        percent: '%',
        per_mille: '\u{2030}',
        zero: '0',
        digit: '#',
        separator: ';',
        infinity: "Infinity".to_owned(),
        nan: "NaN".to_owned(),
    };
    for (key, value) in options {
        let first = value.chars().next();
        match (key.as_str(), first) {
            ("decimal-separator", Some(c)) => symbols.decimal = c,
            ("grouping-separator", Some(c)) => symbols.grouping = c,
            ("exponent-separator", Some(c)) => symbols.exponent = c,
            ("minus-sign", Some(c)) => symbols.minus = c,
            ("percent", Some(c)) => symbols.percent = c,
            ("per-mille", Some(c)) => symbols.per_mille = c,
            ("zero-digit", Some(c)) => symbols.zero = c,
            ("digit", Some(c)) => symbols.digit = c,
            ("pattern-separator", Some(c)) => symbols.separator = c,
            ("infinity", _) => symbols.infinity = value.clone(),
            ("NaN", _) => symbols.nan = value.clone(),
            _ => {}
        }
    }
    symbols
}

struct SubPicture {
    prefix: String,
    suffix: String,
    integer: Vec<char>,
    fraction: Vec<char>,
    exponent: Option<usize>,
    percent: bool,
    per_mille: bool,
}

fn sub_picture(picture: &str, s: &Symbols) -> R<SubPicture> {
    let chars: Vec<char> = picture.chars().collect();
    let is_digit = |c: char| c == s.digit || (c as u32) >= (s.zero as u32) && (c as u32) < s.zero as u32 + 10;
    let active = |c: char| is_digit(c) || c == s.decimal || c == s.grouping;
    let first = chars.iter().position(|&c| active(c) || c == s.percent || c == s.per_mille);
    let first = chars.iter().position(|&c| active(c)).or(first).unwrap_or(chars.len());
    let last = chars.iter().rposition(|&c| active(c)).map_or(first, |index| index + 1);
    let mut body: Vec<char> = chars[first..last.max(first)].to_vec();
    let prefix: String = chars[..first].iter().collect();
    let mut suffix: String = chars[last.max(first)..].iter().collect();
    if chars.iter().filter(|&&c| c == s.decimal).count() > 1 {
        return err(
            "D3081",
            "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
        );
    }
    let percent = picture.chars().filter(|&c| c == s.percent).count();
    let per_mille = picture.chars().filter(|&c| c == s.per_mille).count();
    if percent > 1 {
        return err("D3082", "The sub-picture must not contain more than one instance of the 'percent' character");
    }
    if per_mille > 1 {
        return err("D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character");
    }
    if percent > 0 && per_mille > 0 {
        return err("D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character");
    }
    // An exponent separator followed by digits at the end of the mantissa.
    let mut exponent = None;
    if let Some(index) = suffix.chars().position(|c| c == s.exponent) {
        let after: Vec<char> = suffix.chars().skip(index + 1).collect();
        let digits = after.iter().take_while(|&&c| is_digit(c)).count();
        if index == 0 && digits > 0 {
            exponent = Some(digits);
            suffix = after[digits..].iter().collect();
        }
    } else if let Some(index) = body.iter().position(|&c| c == s.exponent) {
        exponent = Some(body.len() - index - 1);
        body.truncate(index);
    }
    let (integer, fraction) = match body.iter().position(|&c| c == s.decimal) {
        Some(index) => (body[..index].to_vec(), body[index + 1..].to_vec()),
        None => (body, Vec::new()),
    };
    Ok(SubPicture { prefix, suffix, integer, fraction, exponent, percent: percent > 0, per_mille: per_mille > 0 })
}

/// `$formatNumber(value, picture, options)`.
pub(super) fn format_number(value: f64, picture: &str, options: &[(String, String)]) -> R<String> {
    let s = symbols(options);
    let parts: Vec<&str> = picture.split(s.separator).collect();
    if parts.len() > 2 {
        return err("D3080", "The picture string must only contain a maximum of two sub-pictures");
    }
    if value.is_nan() {
        return Ok(s.nan.clone());
    }
    let positive = sub_picture(parts[0], &s)?;
    let negative_picture = parts.get(1).map(|p| sub_picture(p, &s)).transpose()?;
    let picture = if value < 0.0 { negative_picture.as_ref().unwrap_or(&positive) } else { &positive };
    let zero = s.zero as u32;
    let is_mandatory = |c: &char| (*c as u32) >= zero && (*c as u32) < zero + 10;
    let is_digit = |c: &char| *c == s.digit || is_mandatory(c);
    let mut min_integer = picture.integer.iter().filter(|c| is_mandatory(c)).count();
    let min_fraction = picture.fraction.iter().filter(|c| is_mandatory(c)).count();
    let max_fraction = picture.fraction.iter().filter(|c| is_digit(c)).count();
    if min_integer == 0 && max_fraction == 0 {
        min_integer = 1;
    }
    let mut magnitude = value.abs();
    if picture.percent {
        magnitude *= 100.0;
    } else if picture.per_mille {
        magnitude *= 1000.0;
    }
    let mut exponent_value = 0i32;
    if picture.exponent.is_some() && magnitude != 0.0 {
        let integer_digits = picture.integer.iter().filter(|c| is_digit(c)).count().max(1) as i32;
        let target = if min_integer == 0 { 0 } else { integer_digits.min(min_integer.max(1) as i32) };
        while magnitude >= 10f64.powi(target) {
            magnitude /= 10.0;
            exponent_value += 1;
        }
        while target > 0 && magnitude < 10f64.powi(target - 1) {
            magnitude *= 10.0;
            exponent_value -= 1;
        }
    }
    if magnitude.is_infinite() {
        return Ok(format!("{}{}{}", picture.prefix, s.infinity, picture.suffix));
    }
    let rounded = round_half_even(magnitude, max_fraction as i32);
    let text = format!("{rounded:.max_fraction$}");
    let (integer_digits, fraction_digits) = text.split_once('.').unwrap_or((&text, ""));
    let mut integer_digits = integer_digits.trim_start_matches('0').to_owned();
    while integer_digits.len() < min_integer {
        integer_digits.insert(0, '0');
    }
    let mut fraction_digits = fraction_digits.to_owned();
    while fraction_digits.len() > min_fraction && fraction_digits.ends_with('0') {
        fraction_digits.pop();
    }
    let map_digit = |c: char| char::from_u32(zero + c.to_digit(10).unwrap_or(0)).unwrap_or(c);
    let integer_pattern: String = picture
        .integer
        .iter()
        .map(|&c| {
            if c == s.grouping {
                ','
            } else if is_digit(&c) {
                '0'
            } else {
                c
            }
        })
        .collect();
    let grouped = if picture.integer.contains(&s.grouping) {
        decimal_pattern(integer_digits.parse::<u64>().unwrap_or(0), &integer_pattern)
            .chars()
            .map(|c| if c == ',' { s.grouping } else { c })
            .collect::<String>()
    } else {
        integer_digits.clone()
    };
    let grouped = if integer_digits.is_empty() { String::new() } else { grouped };
    let mut out = String::new();
    if value < 0.0 && negative_picture.is_none() {
        out.push(s.minus);
    }
    out.push_str(&picture.prefix);
    out.extend(grouped.chars().map(|c| if c.is_ascii_digit() { map_digit(c) } else { c }));
    if !fraction_digits.is_empty() {
        out.push(s.decimal);
        out.extend(fraction_digits.chars().map(map_digit));
    }
    if let Some(width) = picture.exponent {
        out.push(s.exponent);
        if exponent_value < 0 {
            out.push(s.minus);
        }
        let digits = format!("{:0width$}", exponent_value.unsigned_abs());
        out.extend(digits.chars().map(map_digit));
    }
    out.push_str(&picture.suffix);
    Ok(out)
}

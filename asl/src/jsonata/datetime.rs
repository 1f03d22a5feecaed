//! Dates and times for `$now`, `$fromMillis` and `$toMillis`: ISO 8601 text, and XPath
//! picture strings (`[Y0001]-[M01]-[D01]`, `[FNn], [D1o] [MNn]`, `[h]:[m01][P]`, …) with
//! numeric, name, Roman, word and ordinal presentations and time-zone offsets.

use super::eval::{R, err};
use super::format::{decimal_pattern, letters, ordinal_suffix, roman, words};
use crate::eval::time::{civil_from_days, days_from_civil};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// A point in time broken into fields, in some time-zone offset.
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
    /// Days since the epoch (local).
    days: i64,
    offset_minutes: i64,
}

fn parts(millis: i64, offset_minutes: i64) -> Parts {
    let local = millis + offset_minutes * 60_000;
    let days = local.div_euclid(86_400_000);
    let in_day = local.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        millis: in_day % 1000,
        days,
        offset_minutes,
    }
}

fn parse_offset(timezone: &str) -> R<i64> {
    let digits: String = timezone.chars().filter(char::is_ascii_digit).collect();
    let sign = if timezone.starts_with('-') { -1 } else { 1 };
    let value: i64 = digits.parse().unwrap_or(0);
    let (hours, minutes) = if digits.len() <= 2 { (value, 0) } else { (value / 100, value % 100) };
    Ok(sign * (hours * 60 + minutes))
}

/// `$fromMillis` / `$now`: ISO 8601 by default, else by `picture`, in `timezone` (`±HHMM`).
pub(super) fn format_millis(millis: f64, picture: Option<&str>, timezone: Option<&str>) -> R<String> {
    if !millis.is_finite() || millis.abs() > 8.64e15 {
        return err("D3110", "The argument of the fromMillis function is out of range");
    }
    let offset = timezone.map(parse_offset).transpose()?.unwrap_or(0);
    let parts = parts(millis.floor() as i64, offset);
    match picture {
        None if timezone.is_none() => Ok(format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            format_year(parts.year),
            parts.month,
            parts.day,
            parts.hour,
            parts.minute,
            parts.second,
            parts.millis
        )),
        None => format_picture(&parts, "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"),
        Some(picture) => format_picture(&parts, picture),
    }
}

fn format_year(year: i64) -> String {
    if (0..=9999).contains(&year) { format!("{year:04}") } else { format!("{year:+07}") }
}

/// A `[…]` marker: component, presentation and width modifiers.
struct Marker {
    component: char,
    presentation: String,
    ordinal: bool,
    min_width: Option<usize>,
    max_width: Option<usize>,
}

enum Piece {
    Literal(String),
    Marker(Marker),
}

fn parse_picture(picture: &str) -> R<Vec<Piece>> {
    let chars: Vec<char> = picture.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '[' && chars.get(index + 1) == Some(&'[') {
            literal.push('[');
            index += 2;
            continue;
        }
        if c == ']' && chars.get(index + 1) == Some(&']') {
            literal.push(']');
            index += 2;
            continue;
        }
        if c != '[' {
            literal.push(c);
            index += 1;
            continue;
        }
        let Some(close) = chars[index..].iter().position(|&c| c == ']').map(|p| p + index) else {
            return err("D3135", "No matching closing bracket ']' in date/time picture string");
        };
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        let body: String = chars[index + 1..close].iter().filter(|c| !c.is_whitespace()).collect();
        let mut body_chars = body.chars();
        let component = body_chars.next().unwrap_or(' ');
        let rest: String = body_chars.collect();
        let (modifier, width) = match rest.rfind(',') {
            Some(comma) => (rest[..comma].to_owned(), Some(rest[comma + 1..].to_owned())),
            None => (rest, None),
        };
        let mut presentation = modifier.clone();
        let mut ordinal = false;
        if let Some(stripped) = presentation.strip_suffix('o') {
            if !stripped.is_empty() || component != 'Z' {
                ordinal = true;
                presentation = stripped.to_owned();
            }
        } else if let Some(stripped) = presentation.strip_suffix('c') {
            presentation = stripped.to_owned();
        }
        let (mut min_width, mut max_width) = (None, None);
        if let Some(width) = width {
            let (min, max) = width.split_once('-').map_or((width.as_str(), None), |(a, b)| (a, Some(b)));
            min_width = min.parse().ok();
            max_width = max.and_then(|max| max.parse().ok());
        }
        if !"YMDdFWwXxHhPmsfZzCE".contains(component) {
            return err("D3132", format!("Unknown component specifier {component} in date/time picture string"));
        }
        pieces.push(Piece::Marker(Marker { component, presentation, ordinal, min_width, max_width }));
        index = close + 1;
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

fn default_presentation(component: char) -> &'static str {
    match component {
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => "1",
    }
}

/// ISO week date: (week-numbering year, week).
fn iso_week(parts: &Parts) -> (i64, i64) {
    let weekday = (parts.days + 3).rem_euclid(7) + 1;
    let day_of_year = parts.days - days_from_civil(parts.year, 1, 1) + 1;
    let week = (day_of_year - weekday + 10) / 7;
    if week < 1 {
        let previous = parts.year - 1;
        let last = days_from_civil(previous, 12, 31);
        let last_parts = self::parts(last * 86_400_000, 0);
        return (previous, iso_week(&last_parts).1);
    }
    let days_in_year = days_from_civil(parts.year + 1, 1, 1) - days_from_civil(parts.year, 1, 1);
    if week == 53 && (days_in_year - day_of_year) < (4 - weekday).max(0) {
        return (parts.year + 1, 1);
    }
    (parts.year, week)
}

fn format_name(name: &str, presentation: &str, max_width: Option<usize>) -> String {
    let name: String = match max_width {
        Some(max) => name.chars().take(max).collect(),
        None => name.to_owned(),
    };
    match presentation {
        "N" => name.to_uppercase(),
        "n" => name.to_lowercase(),
        _ => name,
    }
}

fn format_integer_component(value: i64, marker: &Marker, presentation: &str) -> String {
    let magnitude = value.unsigned_abs();
    let mut text = match presentation {
        "I" => roman(magnitude).to_uppercase(),
        "i" => roman(magnitude),
        "W" => words(magnitude, marker.ordinal).to_uppercase(),
        "w" => words(magnitude, marker.ordinal),
        "Ww" => words(magnitude, marker.ordinal)
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
            })
            .collect::<Vec<String>>()
            .join(" "),
        "A" => letters(magnitude).to_uppercase(),
        "a" => letters(magnitude),
        pattern => {
            let mut pattern = pattern.to_owned();
            if let Some(min) = marker.min_width {
                while pattern.chars().filter(char::is_ascii_digit).count() < min {
                    pattern.insert(0, '0');
                }
            }
            let mut text = decimal_pattern(magnitude, &pattern);
            if marker.ordinal {
                text.push_str(ordinal_suffix(magnitude));
            }
            text
        }
    };
    if value < 0 {
        text.insert(0, '-');
    }
    text
}

fn format_offset(offset: i64, presentation: &str, gmt: bool) -> String {
    let t = presentation.ends_with('t');
    let presentation = presentation.trim_end_matches('t');
    if offset == 0 && t {
        return "Z".to_owned();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let hours = offset.abs() / 60;
    let minutes = offset.abs() % 60;
    let digits = presentation.chars().filter(char::is_ascii_digit).count();
    let separator = presentation.chars().find(|c| !c.is_ascii_digit());
    let body = if digits <= 2 {
        if minutes == 0 {
            format!("{hours:0width$}", width = digits.max(1))
        } else {
            format!("{hours:0width$}:{minutes:02}", width = digits.max(1))
        }
    } else if let Some(separator) = separator {
        format!("{hours:02}{separator}{minutes:02}")
    } else {
        format!("{hours:02}{minutes:02}")
    };
    if gmt { format!("GMT{sign}{body}") } else { format!("{sign}{body}") }
}

fn format_picture(parts: &Parts, picture: &str) -> R<String> {
    let mut out = String::new();
    for piece in parse_picture(picture)? {
        let marker = match piece {
            Piece::Literal(text) => {
                out.push_str(&text);
                continue;
            }
            Piece::Marker(marker) => marker,
        };
        let presentation = if marker.presentation.is_empty() {
            default_presentation(marker.component).to_owned()
        } else {
            marker.presentation.clone()
        };
        let is_name = presentation.starts_with('N') || presentation.starts_with('n');
        let weekday = (parts.days + 3).rem_euclid(7) + 1;
        let text = match marker.component {
            'Y' => {
                let mut text = format_integer_component(parts.year, &marker, &presentation);
                let digits = presentation.chars().filter(char::is_ascii_digit).count();
                let max = marker.max_width.or((digits == 2 || marker.min_width == Some(2)).then_some(2));
                if let Some(max) = max
                    && text.len() > max
                {
                    text = text[text.len() - max..].to_owned();
                }
                text
            }
            'M' if is_name => format_name(MONTHS[(parts.month - 1) as usize], &presentation, marker.max_width),
            'M' => format_integer_component(parts.month, &marker, &presentation),
            'D' => format_integer_component(parts.day, &marker, &presentation),
            'd' => {
                let day_of_year = parts.days - days_from_civil(parts.year, 1, 1) + 1;
                format_integer_component(day_of_year, &marker, &presentation)
            }
            'F' if is_name => format_name(DAYS[(weekday - 1) as usize], &presentation, marker.max_width),
            'F' => format_integer_component(weekday, &marker, &presentation),
            'W' => format_integer_component(iso_week(parts).1, &marker, &presentation),
            'X' => format_integer_component(iso_week(parts).0, &marker, &presentation),
            'w' => {
                let first = days_from_civil(parts.year, parts.month, 1);
                let first_weekday = (first + 3).rem_euclid(7);
                format_integer_component((parts.day + first_weekday - 1) / 7 + 1, &marker, &presentation)
            }
            'x' => format_integer_component(parts.month, &marker, &presentation),
            'H' => format_integer_component(parts.hour, &marker, &presentation),
            'h' => {
                let hour = if parts.hour % 12 == 0 { 12 } else { parts.hour % 12 };
                format_integer_component(hour, &marker, &presentation)
            }
            'P' => format_name(if parts.hour < 12 { "am" } else { "pm" }, &presentation, marker.max_width),
            'm' => format_integer_component(parts.minute, &marker, &presentation),
            's' => format_integer_component(parts.second, &marker, &presentation),
            'f' => {
                let digits = presentation.chars().filter(char::is_ascii_digit).count().max(1);
                let fraction = format!("{:03}", parts.millis);
                if digits <= 3 { fraction[..digits].to_owned() } else { format!("{fraction:0<digits$}") }
            }
            'Z' => format_offset(parts.offset_minutes, &presentation, false),
            'z' => format_offset(parts.offset_minutes, &presentation, true),
            _ => "ISO".to_owned(),
        };
        out.push_str(&text);
    }
    Ok(out)
}

/// `$toMillis`: parses ISO 8601 (no picture) or text laid out by `picture`. `None` when the
/// text does not match the picture.
pub(super) fn parse_millis(text: &str, picture: Option<&str>, now: i64) -> R<Option<f64>> {
    match picture {
        None => match parse_iso(text) {
            Some(millis) => Ok(Some(millis as f64)),
            None => err(
                "D3110",
                format!(
                    "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given \"{text}\""
                ),
            ),
        },
        Some(picture) => parse_with_picture(text, picture, now),
    }
}

fn digits_at(chars: &[char], index: &mut usize, max: usize) -> Option<i64> {
    let start = *index;
    while *index < chars.len() && *index - start < max && chars[*index].is_ascii_digit() {
        *index += 1;
    }
    if *index == start {
        return None;
    }
    chars[start..*index].iter().collect::<String>().parse().ok()
}

/// Parses `YYYY[-MM[-DD[THH:mm:ss[.fff]]]][Z|±HH[:]mm]`.
fn parse_iso(text: &str) -> Option<i64> {
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    let year = digits_at(&chars, &mut index, 4).filter(|_| index == 4)?;
    let mut month = 1;
    let mut day = 1;
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    if chars.get(index) == Some(&'-') {
        index += 1;
        month = digits_at(&chars, &mut index, 2)?;
        if chars.get(index) == Some(&'-') {
            index += 1;
            day = digits_at(&chars, &mut index, 2)?;
        }
    }
    if chars.get(index) == Some(&'T') {
        index += 1;
        hour = digits_at(&chars, &mut index, 2)?;
        if chars.get(index) != Some(&':') {
            return None;
        }
        index += 1;
        minute = digits_at(&chars, &mut index, 2)?;
        if chars.get(index) != Some(&':') {
            return None;
        }
        index += 1;
        second = digits_at(&chars, &mut index, 2)?;
        if chars.get(index) == Some(&'.') {
            index += 1;
            let start = index;
            let fraction = digits_at(&chars, &mut index, 30)?;
            let length = (index - start) as u32;
            millis = if length >= 3 { fraction / 10i64.pow(length - 3) } else { fraction * 10i64.pow(3 - length) };
        }
    }
    let mut offset = 0;
    match chars.get(index) {
        None => {}
        Some('Z') => index += 1,
        Some(&sign @ ('+' | '-')) => {
            index += 1;
            let hours = digits_at(&chars, &mut index, 2)?;
            if chars.get(index) == Some(&':') {
                index += 1;
            }
            let minutes = digits_at(&chars, &mut index, 2)?;
            offset = (hours * 60 + minutes) * if sign == '-' { -1 } else { 1 };
        }
        _ => return None,
    }
    if index != chars.len()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 24
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute - offset) * 60_000 + second * 1000 + millis)
}

fn parse_with_picture(text: &str, picture: &str, now: i64) -> R<Option<f64>> {
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    let current = parts(now, 0);
    let (mut year, mut month, mut day, mut day_of_year) = (None, None, None, None);
    let (mut hour, mut minute, mut second, mut millis, mut pm, mut offset) = (0, 0, 0, 0, None, 0);
    let mut twelve_hour = false;
    for piece in parse_picture(picture)? {
        match piece {
            Piece::Literal(literal) => {
                for expected in literal.chars() {
                    if chars.get(index) != Some(&expected) {
                        return Ok(None);
                    }
                    index += 1;
                }
            }
            Piece::Marker(marker) => {
                let presentation = if marker.presentation.is_empty() {
                    default_presentation(marker.component).to_owned()
                } else {
                    marker.presentation.clone()
                };
                let is_name = presentation.starts_with('N') || presentation.starts_with('n');
                let width = presentation.chars().filter(char::is_ascii_digit).count();
                let max = if width > 1 { width } else { marker.max_width.unwrap_or(10) };
                match marker.component {
                    'M' if is_name => {
                        let rest: String = chars[index..].iter().collect::<String>().to_lowercase();
                        let found = MONTHS.iter().enumerate().find_map(|(i, name)| {
                            let name = name.to_lowercase();
                            let short: String = name.chars().take(marker.max_width.unwrap_or(name.len())).collect();
                            if rest.starts_with(&name) {
                                Some((i, name.len()))
                            } else if rest.starts_with(&short) {
                                Some((i, short.len()))
                            } else {
                                None
                            }
                        });
                        let Some((i, length)) = found else { return Ok(None) };
                        month = Some(i as i64 + 1);
                        index += length;
                    }
                    'F' if is_name => {
                        while index < chars.len() && chars[index].is_alphabetic() {
                            index += 1;
                        }
                    }
                    'P' => {
                        let rest: String = chars[index..].iter().take(2).collect::<String>().to_lowercase();
                        match rest.as_str() {
                            "am" => pm = Some(false),
                            "pm" => pm = Some(true),
                            _ => return Ok(None),
                        }
                        index += 2;
                    }
                    'Z' | 'z' => {
                        if marker.component == 'z' {
                            for expected in "GMT".chars() {
                                if chars.get(index) == Some(&expected) {
                                    index += 1;
                                }
                            }
                        }
                        match chars.get(index) {
                            Some('Z') => index += 1,
                            Some(&sign @ ('+' | '-')) => {
                                index += 1;
                                let start = index;
                                let value = digits_at(&chars, &mut index, 4).unwrap_or(0);
                                let mut minutes =
                                    if index - start > 2 { value / 100 * 60 + value % 100 } else { value * 60 };
                                if chars.get(index) == Some(&':') {
                                    index += 1;
                                    minutes += digits_at(&chars, &mut index, 2).unwrap_or(0);
                                }
                                offset = if sign == '-' { -minutes } else { minutes };
                            }
                            _ => return Ok(None),
                        }
                    }
                    component => {
                        let negative = chars.get(index) == Some(&'-') && component == 'Y';
                        if negative {
                            index += 1;
                        }
                        let Some(mut value) = digits_at(&chars, &mut index, max) else { return Ok(None) };
                        if negative {
                            value = -value;
                        }
                        match component {
                            'Y' => year = Some(value),
                            'M' => month = Some(value),
                            'D' => day = Some(value),
                            'd' => day_of_year = Some(value),
                            'H' => hour = value,
                            'h' => {
                                hour = value;
                                twelve_hour = true;
                            }
                            'm' => minute = value,
                            's' => second = value,
                            'f' => {
                                let digits = width.max(1) as u32;
                                millis = if digits >= 3 {
                                    value / 10i64.pow(digits - 3)
                                } else {
                                    value * 10i64.pow(3 - digits)
                                };
                            }
                            _ => {}
                        }
                        if marker.ordinal {
                            while index < chars.len() && chars[index].is_alphabetic() {
                                index += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    if index != chars.len() {
        return Ok(None);
    }
    if twelve_hour || pm.is_some() {
        hour %= 12;
        if pm == Some(true) {
            hour += 12;
        }
    }
    let year = year.unwrap_or(current.year);
    let days = match day_of_year {
        Some(day_of_year) => days_from_civil(year, 1, 1) + day_of_year - 1,
        None => days_from_civil(year, month.unwrap_or(1), day.unwrap_or(1)),
    };
    Ok(Some((((days * 24 + hour) * 60 + minute - offset) * 60_000 + second * 1000 + millis) as f64))
}

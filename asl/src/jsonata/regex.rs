//! JavaScript regular expressions (JSONata's flavour) on top of the `regex` crate (`regex-lite`
//! in the browser, see `crate::regex_engine`).
//!
//! The pattern is translated: `\d` and `\w` become ASCII classes as in JavaScript, `\s` the
//! JavaScript white-space characters, `.` stops
//! at line terminators, `[^]` matches anything, identity escapes (`\/`, `\ `) become
//! literals and a `{` that does not start a quantifier is a literal. What the `regex` crate
//! cannot do — backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`,
//! `(?<!`) — is refused with `D1005`.

use super::eval::{R, err};
use crate::regex_engine::{self, Regex};

/// A compiled JSONata regular expression.
#[derive(Debug)]
pub(super) struct JsRegex {
    regex: Regex,
}

/// One match: the matched text, its start and end in characters, and its groups.
#[derive(Debug, Clone)]
pub(super) struct Match {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub groups: Vec<String>,
}

impl JsRegex {
    /// Compiles `/pattern/flags`.
    pub fn new(pattern: &str, flags: &str) -> R<JsRegex> {
        let translated = translate(pattern)?;
        let mut prefix = String::new();
        if flags.contains('i') || flags.contains('m') {
            prefix.push_str("(?");
            if flags.contains('i') {
                prefix.push('i');
            }
            if flags.contains('m') {
                prefix.push('m');
            }
            prefix.push(')');
        }
        let regex = regex_engine::compile(&format!("{prefix}{translated}"), 1 << 21, 100)
            .or_else(|error| err("D1005", format!("Regular expression /{pattern}/ is not supported: {error}")))?;
        Ok(JsRegex { regex })
    }

    /// The first match starting at or after character `from` of `text`.
    pub fn find(&self, text: &str, from: usize) -> Option<Match> {
        let byte_from = text.char_indices().nth(from).map_or(text.len(), |(index, _)| index);
        if byte_from > text.len() {
            return None;
        }
        let captures = self.regex.captures_at(text, byte_from)?;
        let whole = captures.get(0)?;
        let start = text[..whole.start()].chars().count();
        let end = start + whole.as_str().chars().count();
        let groups = (1..captures.len())
            .map(|index| captures.get(index).map_or(String::new(), |group| group.as_str().to_owned()))
            .collect();
        Some(Match { text: whole.as_str().to_owned(), start, end, groups })
    }
}

fn unsupported<T>(pattern: &str, what: &str) -> R<T> {
    err("D1005", format!("Regular expression /{pattern}/ is not supported: {what} are not available"))
}

/// Translates a JavaScript pattern into the `regex` crate's syntax.
fn translate(pattern: &str) -> R<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        match c {
            '\\' => {
                index += 1;
                let Some(&next) = chars.get(index) else {
                    return err("D1005", format!("Regular expression /{pattern}/ ends with a backslash"));
                };
                match next {
                    'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                    'D' => out.push_str(if in_class { "\\D" } else { "[^0-9]" }),
                    'w' => out.push_str(if in_class { "0-9A-Za-z_" } else { "[0-9A-Za-z_]" }),
                    'W' => out.push_str(if in_class { "\\W" } else { "[^0-9A-Za-z_]" }),
                    's' => out.push_str(&if in_class { JS_SPACE.to_string() } else { format!("[{JS_SPACE}]") }),
                    'S' if !in_class => out.push_str(&format!("[^{JS_SPACE}]")),
                    'S' | 'n' | 'r' | 't' | 'f' | 'v' => {
                        out.push('\\');
                        out.push(next);
                    }
                    'b' if in_class => out.push_str("\\x08"),
                    'b' | 'B' => {
                        out.push('\\');
                        out.push(next);
                    }
                    '0' => out.push_str("\\x00"),
                    '1'..='9' if !in_class => return unsupported(pattern, "backreferences"),
                    'k' if chars.get(index + 1) == Some(&'<') => return unsupported(pattern, "backreferences"),
                    'c' if chars.get(index + 1).is_some_and(char::is_ascii_alphabetic) => {
                        index += 1;
                        out.push_str(&format!("\\x{{{:x}}}", (chars[index] as u32) % 32));
                    }
                    'x' if hex_at(&chars, index + 1, 2).is_some() => {
                        let code = hex_at(&chars, index + 1, 2).unwrap_or(0);
                        out.push_str(&format!("\\x{{{code:x}}}"));
                        index += 2;
                    }
                    'u' if chars.get(index + 1) == Some(&'{') => {
                        let close = chars[index..].iter().position(|&c| c == '}').map(|p| p + index);
                        let Some(close) = close else { return unsupported(pattern, "malformed \\u escapes") };
                        let hex: String = chars[index + 2..close].iter().collect();
                        out.push_str(&format!("\\x{{{hex}}}"));
                        index = close;
                    }
                    'u' if hex_at(&chars, index + 1, 4).is_some() => {
                        let mut code = hex_at(&chars, index + 1, 4).unwrap_or(0);
                        index += 4;
                        if (0xD800..0xDC00).contains(&code)
                            && chars.get(index + 1) == Some(&'\\')
                            && chars.get(index + 2) == Some(&'u')
                            && let Some(low) = hex_at(&chars, index + 3, 4)
                            && (0xDC00..0xE000).contains(&low)
                        {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            index += 6;
                        }
                        out.push_str(&format!("\\x{{{code:x}}}"));
                    }
                    other => out.push_str(&regex_engine::escape(&other.to_string())),
                }
            }
            '[' if in_class => out.push_str("\\["),
            '[' => {
                if chars.get(index + 1) == Some(&'^') && chars.get(index + 2) == Some(&']') {
                    out.push_str("[\\s\\S]");
                    index += 3;
                    continue;
                }
                if chars.get(index + 1) == Some(&']') {
                    out.push_str("[^\\s\\S]");
                    index += 2;
                    continue;
                }
                in_class = true;
                out.push('[');
                if chars.get(index + 1) == Some(&'^') {
                    out.push('^');
                    index += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '.' if !in_class => out.push_str("[^\\n\\r\\u{2028}\\u{2029}]"),
            '(' if !in_class && chars.get(index + 1) == Some(&'?') => {
                let rest: String = chars[index + 2..chars.len().min(index + 4)].iter().collect();
                if rest.starts_with('=') || rest.starts_with('!') || rest.starts_with("<=") || rest.starts_with("<!") {
                    return unsupported(pattern, "lookahead and lookbehind assertions");
                }
                out.push('(');
            }
            '{' if !in_class => match quantifier_end(&chars, index) {
                Some(end) => {
                    out.extend(&chars[index..=end]);
                    index = end;
                }
                None => out.push_str("\\{"),
            },
            '}' if !in_class => out.push_str("\\}"),
            other => out.push(other),
        }
        index += 1;
    }
    Ok(out)
}

/// JavaScript's `\s`: its white-space and line-terminator characters.
const JS_SPACE: &str =
    "\\t\\n\\x0B\\x0C\\r\\x20\\xA0\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

fn hex_at(chars: &[char], start: usize, count: usize) -> Option<u32> {
    let digits: String = chars.get(start..start + count)?.iter().collect();
    if digits.chars().all(|c| c.is_ascii_hexdigit()) { u32::from_str_radix(&digits, 16).ok() } else { None }
}

/// Where `{n}`, `{n,}` or `{n,m}` starting at `start` ends.
fn quantifier_end(chars: &[char], start: usize) -> Option<usize> {
    let mut index = start + 1;
    let digits_start = index;
    while chars.get(index).is_some_and(char::is_ascii_digit) {
        index += 1;
    }
    if index == digits_start {
        return None;
    }
    if chars.get(index) == Some(&',') {
        index += 1;
        while chars.get(index).is_some_and(char::is_ascii_digit) {
            index += 1;
        }
    }
    (chars.get(index) == Some(&'}')).then_some(index)
}

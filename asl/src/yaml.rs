//! Prints a definition's JSON tree as block-style YAML 1.2, the way a person would write it in
//! a repository: key order kept, two-space indentation, `- Key: value` items, `{}` and `[]`
//! inline, numbers exactly as spelled in the JSON, and strings quoted only when they must be.
//!
//! A string is left plain unless reading it plain would give another value or break the
//! syntax: it would read as a null, boolean or number (in YAML 1.2's core schema, or in
//! YAML 1.1, whose readers also take `yes`, `off`, `0x1F`, `1_000` or `2024-01-31` as
//! non-strings), it starts with an indicator (`-?:,[]{}#&*!|>'"%@` and backquote), it has
//! leading or trailing spaces, `: ` or ` #` inside, or it is empty. Such strings are single-quoted
//! (double-quoted when they hold a `'` and no `"` or `\`). Strings with control characters,
//! or characters some readers take as line breaks, are double-quoted with escapes.
//! Multi-line values are literal blocks (`|`, `|-`, `|+`) when the text allows it, else
//! double-quoted. Keys follow the same rules but are never blocks; a key longer than YAML's
//! 1024-character limit for implicit keys is written as an explicit `? key`.
//!
//! [`crate::document::Document::read`] with [`crate::SourceFormat::Yaml`] reads the output
//! back into the same tree (`Node::same_value`).
//!
//! [`reprint_yaml`] (in `yaml/reprint.rs`) prints an edited tree by changing as little of the
//! old YAML text as possible, using these rules only for what is new or changed.

use std::fmt::Write as _;

use crate::json::{Member, Node, Value};

mod reprint;

pub use reprint::reprint_yaml;

/// Prints `root` as block-style YAML, ending with a newline.
pub fn print_yaml(root: &Node) -> String {
    let mut out = String::new();
    match &root.value {
        Value::Object(members) if !members.is_empty() => write_mapping(&mut out, members, 0, true, Indents::PRINT),
        Value::Array(elements) if !elements.is_empty() => write_sequence(&mut out, elements, 0, true, Indents::PRINT),
        _ => write_scalar_value(&mut out, root, 2),
    }
    out.push('\n');
    out
}

/// How far nested blocks are indented: a mapping's members, and a sequence's `-` items, under
/// the key that holds them (`print_yaml` uses two spaces for both; [`reprint_yaml`] takes the
/// old text's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Indents {
    mapping: usize,
    sequence: usize,
}

impl Indents {
    const PRINT: Indents = Indents { mapping: 2, sequence: 2 };
}

/// YAML's limit on the length of an implicit key (YAML 1.2, section 7.4.2).
const IMPLICIT_KEY_LIMIT: usize = 1024;

/// Writes members, one per line at `indent`; the first continues the current line when
/// `continue_line` (at the start of the output, or after `- `).
fn write_mapping(out: &mut String, members: &[Member], indent: usize, continue_line: bool, indents: Indents) {
    for (index, member) in members.iter().enumerate() {
        if index > 0 || !continue_line {
            new_line(out, indent);
        }
        let mut key = String::new();
        write_flow_string(&mut key, &member.key);
        if key.chars().count() > IMPLICIT_KEY_LIMIT {
            out.push_str("? ");
            out.push_str(&key);
            new_line(out, indent);
        } else {
            out.push_str(&key);
        }
        out.push(':');
        match &member.value.value {
            Value::Object(members) if !members.is_empty() => {
                write_mapping(out, members, indent + indents.mapping, false, indents)
            }
            Value::Array(elements) if !elements.is_empty() => {
                write_sequence(out, elements, indent + indents.sequence, false, indents)
            }
            _ => {
                out.push(' ');
                write_scalar_value(out, &member.value, indent + indents.mapping);
            }
        }
    }
}

/// Writes `- item` lines at `indent`; the first continues the current line when `continue_line`.
fn write_sequence(out: &mut String, elements: &[Node], indent: usize, continue_line: bool, indents: Indents) {
    for (index, element) in elements.iter().enumerate() {
        if index > 0 || !continue_line {
            new_line(out, indent);
        }
        out.push_str("- ");
        match &element.value {
            Value::Object(members) if !members.is_empty() => write_mapping(out, members, indent + 2, true, indents),
            Value::Array(elements) if !elements.is_empty() => write_sequence(out, elements, indent + 2, true, indents),
            _ => write_scalar_value(out, element, indent + 2),
        }
    }
}

fn new_line(out: &mut String, indent: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Writes a scalar, `{}` or `[]`; a literal block's lines go at `block_indent`.
fn write_scalar_value(out: &mut String, node: &Node, block_indent: usize) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Number(text) => out.push_str(text),
        Value::String(text) => {
            if !write_literal_block(out, text, block_indent) {
                write_flow_string(out, text);
            }
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

/// Writes a string on one line: plain when that reads back as the same string, else quoted.
fn write_flow_string(out: &mut String, text: &str) {
    if text.chars().any(needs_escape) {
        write_double_quoted(out, text);
    } else if can_be_plain(text) {
        out.push_str(text);
    } else if text.contains('\'') && !text.contains('"') && !text.contains('\\') {
        write_double_quoted(out, text);
    } else {
        out.push('\'');
        out.push_str(&text.replace('\'', "''"));
        out.push('\'');
    }
}

/// Writes a multi-line string as a literal block (`|`, `|-` or `|+` by its trailing line
/// breaks) when its text allows one; returns false (writing nothing) when it does not.
fn write_literal_block(out: &mut String, text: &str, indent: usize) -> bool {
    if !text.contains('\n')
        || text.chars().any(|character| character == '\t' || (character != '\n' && needs_escape(character)))
    {
        return false;
    }
    let (body, chomping) = if let Some(body) = text.strip_suffix("\n\n") {
        (format!("{body}\n"), "+")
    } else if let Some(body) = text.strip_suffix('\n') {
        (body.to_string(), "")
    } else {
        (text.to_string(), "-")
    };
    let lines: Vec<&str> = body.split('\n').collect();
    // The first line sets the block's indentation; a blank or indented one would need an
    // indentation indicator, and a last line of spaces could read as trailing blank lines.
    let first = lines[0];
    let last = lines[lines.len() - 1];
    if first.is_empty() || first.starts_with(' ') || (!last.is_empty() && last.trim_start_matches(' ').is_empty()) {
        return false;
    }
    out.push('|');
    out.push_str(chomping);
    for line in lines {
        if line.is_empty() {
            out.push('\n');
        } else {
            new_line(out, indent);
            out.push_str(line);
        }
    }
    true
}

/// Characters that only a double-quoted string can hold: control characters, characters
/// outside YAML's printable set, and those that YAML 1.1 readers take as line breaks or a
/// byte order mark. Line feeds are here too: in a one-line string they must be `\n`.
fn needs_escape(character: char) -> bool {
    matches!(character,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn write_double_quoted(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            _ if needs_escape(character) && (character as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", character as u32);
            }
            _ if needs_escape(character) => {
                let _ = write!(out, "\\u{:04X}", character as u32);
            }
            _ => out.push(character),
        }
    }
    out.push('"');
}

/// Whether `text` written plain (unquoted, in block context) reads back as this same string
/// in YAML 1.2 and in YAML 1.1. Assumes no character [`needs_escape`].
fn can_be_plain(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first == ' ' {
        return false;
    }
    if text.ends_with([' ', ':']) || text.contains(": ") || text.contains(" #") || text.starts_with("...") {
        return false;
    }
    !reads_as_non_string(text)
}

/// Whether a plain scalar reads as something other than a string in YAML 1.2's core schema
/// or YAML 1.1's types (null, booleans, numbers in any base, sexagesimals, timestamps, the
/// merge and value keys). Errs towards yes: quoting a string costs two characters.
fn reads_as_non_string(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "yes", "Yes", "YES",
        "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "<<", "=",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // Numbers (`1`, `1.0`, `.5`, `1e3`, `0x1F`, `0o17`, `0b101`, `1_000`, `1:30`) and
    // timestamps (`2024-01-31`, `2024-01-31T10:00:00Z`) all start with a digit, or a sign or
    // point and a digit, and hold no space. A space-free string starting that way is quoted.
    let after_point = unsigned.strip_prefix('.').unwrap_or(unsigned);
    after_point.starts_with(|character: char| character.is_ascii_digit()) && !text.contains(' ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, SourceFormat, json};

    fn yaml_of(json_text: &str) -> String {
        print_yaml(&json::parse(json_text).expect("test JSON"))
    }

    /// Prints `json_text` as YAML, reads it back and requires the same tree.
    fn round_trip(json_text: &str) -> String {
        let original = json::parse(json_text).expect("test JSON");
        let printed = print_yaml(&original);
        let (document, diagnostics) = Document::read(&printed, SourceFormat::Yaml);
        let reread = document.root().unwrap_or_else(|| panic!("{json_text} printed as\n{printed}\n{diagnostics:?}"));
        assert!(
            reread.same_value(&original),
            "{json_text} printed as\n{printed}\nreads back as {}",
            json::print(reread, "")
        );
        printed
    }

    fn string_round_trip(text: &str) -> String {
        let mut json_text = String::new();
        json::write_string(&mut json_text, text);
        let value = round_trip(&format!("{{\"v\": {json_text}}}"));
        let key = round_trip(&format!("{{{json_text}: 1}}"));
        let in_list = round_trip(&format!("[{json_text}]"));
        round_trip(&format!("[{{\"k\": [{json_text}, {{{json_text}: {json_text}}}]}}]"));
        assert_eq!(in_list.strip_prefix("- "), value.strip_prefix("v: "), "{text:?}: same spelling in a list");
        if !text.contains('\n') {
            assert_eq!(key.strip_suffix(": 1\n"), value.strip_prefix("v: ").and_then(|v| v.strip_suffix('\n')));
        }
        value.strip_prefix("v: ").expect("a mapping").strip_suffix('\n').expect("a final newline").to_string()
    }

    #[test]
    fn strings_are_quoted_only_when_they_must_be() {
        let cases = [
            ("Pass", "Pass"),
            ("arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke"),
            ("$.detail.items[0]", "$.detail.items[0]"),
            ("$$.Task.Token", "$$.Task.Token"),
            ("States.Format('Hello {}', $.name)", "States.Format('Hello {}', $.name)"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            ("ends with:", "'ends with:'"),
            ("", "''"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("true", "'true'"),
            ("False", "'False'"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("yes", "'yes'"),
            ("No", "'No'"),
            ("on", "'on'"),
            ("OFF", "'OFF'"),
            ("y", "'y'"),
            ("1.0", "'1.0'"),
            ("42", "'42'"),
            ("-3", "'-3'"),
            (".5", "'.5'"),
            ("1e3", "'1e3'"),
            ("0x1F", "'0x1F'"),
            ("0o17", "'0o17'"),
            ("1_000", "'1_000'"),
            ("1:30", "'1:30'"),
            (".inf", "'.inf'"),
            ("-.Inf", "'-.Inf'"),
            (".NaN", "'.NaN'"),
            ("2024-01-31", "'2024-01-31'"),
            ("2016-03-14T01:59:00Z", "'2016-03-14T01:59:00Z'"),
            ("<<", "'<<'"),
            ("5 minutes", "5 minutes"),
            ("{% $states.input.x %}", "'{% $states.input.x %}'"),
            ("{% 'a' & $x %}", "\"{% 'a' & $x %}\""),
            ("[1, 2]", "'[1, 2]'"),
            ("- item", "'- item'"),
            ("-", "'-'"),
            ("?x", "'?x'"),
            (":x", "':x'"),
            (",x", "',x'"),
            ("#x", "'#x'"),
            ("&anchor", "'&anchor'"),
            ("*alias", "'*alias'"),
            ("!tag", "'!tag'"),
            ("|x", "'|x'"),
            (">x", "'>x'"),
            ("'x", "\"'x\""),
            ("\"x", "'\"x'"),
            ("%x", "'%x'"),
            ("@x", "'@x'"),
            ("`x", "'`x'"),
            ("it's", "it's"),
            ("'it''s' \"x\"", "'''it''''s'' \"x\"'"),
            ("\\d+", "\\d+"),
            ("'\\d'", "'''\\d'''"),
            ("...", "'...'"),
            ("---", "'---'"),
            ("tab\there", "\"tab\\there\""),
            ("bell\u{7}", "\"bell\\a\""),
            ("del\u{7f}", "\"del\\x7F\""),
            ("nel\u{85}", "\"nel\\x85\""),
            ("ls\u{2028}", "\"ls\\L\""),
            ("\u{feff}bom", "\"\\uFEFFbom\""),
            ("crlf\r\nx", "\"crlf\\r\\nx\""),
            ("é ü 日本 😀", "é ü 日本 😀"),
        ];
        for (text, expected) in cases {
            assert_eq!(string_round_trip(text), expected, "{text:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_when_they_can_be() {
        let cases = [
            ("a\nb", "|-\n  a\n  b"),
            ("a\nb\n", "|\n  a\n  b"),
            ("a\nb\n\n", "|+\n  a\n  b\n"),
            ("a\n\n  b # c: d", "|-\n  a\n\n    b # c: d"),
            ("{%\n  $states.input.x\n%}", "|-\n  {%\n    $states.input.x\n  %}"),
            ("\nleading blank line", "\"\\nleading blank line\""),
            (" indented first\nline", "\" indented first\\nline\""),
            ("ends in spaces\n  ", "\"ends in spaces\\n  \""),
            ("\n", "\"\\n\""),
            ("tab\n\tline", "\"tab\\n\\tline\""),
        ];
        for (text, expected) in cases {
            assert_eq!(string_round_trip(text), expected, "{text:?}");
        }
        assert_eq!(yaml_of(r#"{"k": ["a\nb"]}"#), "k:\n  - |-\n    a\n    b\n");
        assert_eq!(yaml_of(r#"[{"k": "a\nb"}]"#), "- k: |-\n    a\n    b\n");
        assert_eq!(yaml_of(r#"{"a\nb": 1}"#), "\"a\\nb\": 1\n");
    }

    #[test]
    fn every_short_string_of_tricky_characters_round_trips() {
        const ALPHABET: [&str; 16] =
            ["a", " ", ":", "#", "-", "'", "\"", "\\", "\n", "{", "%", "1", ".", "\t", "!", "?"];
        let mut count = 0;
        for length in 1..=3u32 {
            for mut code in 0..ALPHABET.len().pow(length) {
                let mut text = String::new();
                for _ in 0..length {
                    text.push_str(ALPHABET[code % ALPHABET.len()]);
                    code /= ALPHABET.len();
                }
                string_round_trip(&text);
                count += 1;
            }
        }
        assert_eq!(count, 16 + 256 + 4096);
    }

    #[test]
    fn numbers_keep_their_spelling_and_containers_their_layout() {
        let text = r#"{"Comment":"c","Int":1,"Float":1.0,"Exp":1E+3,"Neg":-0,"Small":2.5e-10,"T":true,"F":false,"N":null,"E":{},"L":[],"Nested":{"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2},[1,[]],[{"a":{}}]]}}"#;
        let printed = round_trip(text);
        assert_eq!(
            printed,
            "Comment: c\nInt: 1\nFloat: 1.0\nExp: 1E+3\nNeg: -0\nSmall: 2.5e-10\nT: true\nF: false\n'N': null\nE: {}\nL: []\n\
             Nested:\n  Retry:\n    - ErrorEquals:\n        - States.ALL\n      IntervalSeconds: 2\n    - - 1\n      - []\n    - - a: {}\n"
        );
    }

    #[test]
    fn roots_of_every_kind_print() {
        assert_eq!(round_trip("{}"), "{}\n");
        assert_eq!(round_trip("[]"), "[]\n");
        assert_eq!(round_trip("[1, \"x\"]"), "- 1\n- x\n");
        assert_eq!(round_trip("\"true\""), "'true'\n");
        assert_eq!(round_trip("\"a\\nb\""), "|-\n  a\n  b\n");
        assert_eq!(round_trip("3.50"), "3.50\n");
    }

    #[test]
    fn duplicate_keys_and_key_order_are_kept() {
        assert_eq!(round_trip(r#"{"b": 1, "a": 2, "b": 3}"#), "b: 1\na: 2\nb: 3\n");
    }

    #[test]
    fn keys_too_long_to_be_implicit_are_explicit() {
        let key = "k".repeat(IMPLICIT_KEY_LIMIT + 1);
        let printed = round_trip(&format!("{{\"{key}\": {{\"a\": 1}}, \"short\": 2}}"));
        assert_eq!(printed, format!("? {key}\n:\n  a: 1\nshort: 2\n"));
        let exact = "k".repeat(IMPLICIT_KEY_LIMIT);
        assert_eq!(round_trip(&format!("{{\"{exact}\": 1}}")), format!("{exact}: 1\n"));
    }
}

//! A lossless JSON tree: key order, duplicate keys and number spellings as written, with the
//! source position of every value, and a printer whose canonical layout is `JSON.stringify(v, null, 2)`.
//!
//! `serde_json` would lose what deployment repositories care about (key order under some
//! features, `1.0` versus `1`, duplicate keys, positions), so definitions are read into this
//! tree, and everything else (validation, graph, evaluation) reads the tree.

use std::fmt::Write as _;

/// A byte range in the source text. Values built by edits have an empty span at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// A JSON value with the place it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub span: Span,
}

/// A JSON value that keeps what a round-trip must keep.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, spelled exactly as written (`1`, `1.0`, `1e3`, `-0`).
    Number(String),
    /// A string, decoded.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object, in the order written, duplicates included.
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// Where the key (with its quotes) was written.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// A value with no source position, as edits create them.
    pub fn synthetic(value: Value) -> Self {
        Self { value, span: Span::default() }
    }

    /// The first member named `key`, when this is an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|member| &member.value)
    }

    /// The first member named `key` with its key position, when this is an object.
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.members()?.iter().find(|member| member.key == key)
    }

    /// The members, when this is an object.
    pub fn members(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The members, mutably, when this is an object.
    pub fn members_mut(&mut self) -> Option<&mut Vec<Member>> {
        match &mut self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The first member named `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.members_mut()?.iter_mut().find(|member| member.key == key).map(|member| &mut member.value)
    }

    /// The elements, when this is an array.
    pub fn elements(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The text, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value, when this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(value) => Some(value),
            _ => None,
        }
    }

    /// The number as written, when this is a number.
    pub fn as_number_text(&self) -> Option<&str> {
        match &self.value {
            Value::Number(text) => Some(text),
            _ => None,
        }
    }

    /// The number as `f64`, when this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number_text()?.parse().ok()
    }

    /// The number as `i64`, when this is a number with no fraction (`3`, `3.0`, `3e2`).
    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_number_text()?;
        if let Ok(integer) = text.parse::<i64>() {
            return Some(integer);
        }
        let float: f64 = text.parse().ok()?;
        (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
    }

    /// The JSON type name AWS uses in messages: `null`, `boolean`, `number`, `string`, `array`, `object`.
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// Sets member `key` to `value`: replaces the first member of that name in place, or
    /// appends it. Returns false when this is not an object.
    pub fn set(&mut self, key: &str, value: Node) -> bool {
        let Some(members) = self.members_mut() else { return false };
        match members.iter_mut().find(|member| member.key == key) {
            Some(member) => member.value = value,
            None => members.push(Member { key: key.to_string(), key_span: Span::default(), value }),
        }
        true
    }

    /// Removes every member named `key`; returns the first removed value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let members = self.members_mut()?;
        let position = members.iter().position(|member| member.key == key)?;
        let removed = members.remove(position).value;
        members.retain(|member| member.key != key);
        Some(removed)
    }

    /// Converts to a `serde_json::Value` (numbers that do not fit are kept as close as f64 allows).
    pub fn to_serde(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(value) => serde_json::Value::Bool(*value),
            Value::Number(text) => serde_json::from_str(text)
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Into::into))
                .unwrap_or(serde_json::Value::Null),
            Value::String(text) => serde_json::Value::String(text.clone()),
            Value::Array(elements) => serde_json::Value::Array(elements.iter().map(Node::to_serde).collect()),
            Value::Object(members) => {
                let mut map = serde_json::Map::new();
                for member in members {
                    map.entry(member.key.clone()).or_insert_with(|| member.value.to_serde());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// Builds a tree from a `serde_json::Value`, with no source positions.
    pub fn from_serde(value: &serde_json::Value) -> Self {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(value) => Value::Bool(*value),
            serde_json::Value::Number(number) => Value::Number(number.to_string()),
            serde_json::Value::String(text) => Value::String(text.clone()),
            serde_json::Value::Array(elements) => Value::Array(elements.iter().map(Node::from_serde).collect()),
            serde_json::Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| Member {
                        key: key.clone(),
                        key_span: Span::default(),
                        value: Node::from_serde(value),
                    })
                    .collect(),
            ),
        };
        Node::synthetic(value)
    }

    /// Whether two trees hold the same JSON value: same keys in the same order, same number
    /// spellings. Positions are ignored.
    pub fn same_value(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Array(left), Value::Array(right)) => {
                left.len() == right.len() && left.iter().zip(right).all(|(left, right)| left.same_value(right))
            }
            (Value::Object(left), Value::Object(right)) => {
                left.len() == right.len()
                    && left
                        .iter()
                        .zip(right)
                        .all(|(left, right)| left.key == right.key && left.value.same_value(&right.value))
            }
            (left, right) => left == right,
        }
    }
}

impl Value {
    /// The JSON type name: `null`, `boolean`, `number`, `string`, `array`, `object`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// Why the text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong, in words.
    pub message: String,
    /// The byte offset where reading stopped.
    pub offset: usize,
}

/// Reads JSON text into a tree. Stops at the first syntax error.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), position: 0, depth: 0 };
    parser.skip_whitespace();
    let node = parser.value()?;
    parser.skip_whitespace();
    if parser.position < parser.bytes.len() {
        return Err(parser.error("unexpected text after the end of the JSON value"));
    }
    Ok(node)
}

/// How deep arrays and objects may nest before the parser refuses (protects the stack).
const MAX_DEPTH: usize = 512;

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into(), offset: self.position }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.position += 1;
        }
    }

    fn describe_here(&self) -> String {
        match self.text[self.position..].chars().next() {
            None => "the end of the text".to_string(),
            Some(character) => format!("{character:?}"),
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        let start = self.position;
        let value = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.keyword("true", Value::Bool(true))?,
            Some(b'f') => self.keyword("false", Value::Bool(false))?,
            Some(b'n') => self.keyword("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.error(format!("expected a JSON value but found {}", self.describe_here()))),
        };
        Ok(Node { value, span: Span::new(start, self.position) })
    }

    fn keyword(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.text[self.position..].starts_with(word) {
            self.position += word.len();
            Ok(value)
        } else {
            Err(self.error(format!("expected a JSON value but found {}", self.describe_here())))
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        self.enter()?;
        self.position += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.position += 1;
            self.depth -= 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                let found = self.describe_here();
                return Err(if self.peek() == Some(b'}') {
                    self.error("expected a member name after ',' but found '}' (trailing commas are not JSON)")
                } else {
                    self.error(format!("expected a member name in double quotes but found {found}"))
                });
            }
            let key_start = self.position;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.position);
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self
                    .error(format!("expected ':' after the member name {key:?} but found {}", self.describe_here())));
            }
            self.position += 1;
            self.skip_whitespace();
            let value = self.value()?;
            members.push(Member { key, key_span, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(members));
                }
                _ => {
                    return Err(
                        self.error(format!("expected ',' or '}}' after a member but found {}", self.describe_here()))
                    );
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        self.enter()?;
        self.position += 1;
        let mut elements = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.position += 1;
            self.depth -= 1;
            return Ok(Value::Array(elements));
        }
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b']') {
                return Err(self.error("expected a value after ',' but found ']' (trailing commas are not JSON)"));
            }
            elements.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(elements));
                }
                _ => {
                    return Err(
                        self.error(format!("expected ',' or ']' after an element but found {}", self.describe_here()))
                    );
                }
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.position += 1;
        let mut decoded = String::new();
        loop {
            let run_start = self.position;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.position += 1;
            }
            decoded.push_str(&self.text[run_start..self.position]);
            match self.peek() {
                Some(b'"') => {
                    self.position += 1;
                    return Ok(decoded);
                }
                Some(b'\\') => {
                    self.position += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.position += 1;
                            decoded.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.error(format!("{} is not a JSON escape", self.describe_here()))),
                    };
                    decoded.push(escaped);
                    self.position += 1;
                }
                Some(_) => return Err(self.error("control characters must be escaped inside a string")),
                None => return Err(self.error("the string is not closed: expected '\"' before the end of the text")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.position..self.position + 4)
            .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("expected four hex digits after \\u"))?;
        self.position += 4;
        Ok(code)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.text[self.position..].starts_with("\\u") {
            let saved = self.position;
            self.position += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
            }
            self.position = saved;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit in the number")),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        Ok(Value::Number(self.text[start..self.position].to_string()))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.position += 1;
        }
    }
}

/// Prints a tree the way `JSON.stringify(value, null, indent)` would, keeping number
/// spellings, key order and duplicate keys. An empty `indent` prints on one line.
pub fn print(node: &Node, indent: &str) -> String {
    let mut out = String::new();
    write_node(&mut out, node, indent, 0);
    out
}

fn write_node(out: &mut String, node: &Node, indent: &str, level: usize) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Number(text) => out.push_str(text),
        Value::String(text) => write_string(out, text),
        Value::Array(elements) if elements.is_empty() => out.push_str("[]"),
        Value::Object(members) if members.is_empty() => out.push_str("{}"),
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_node(out, element, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, member) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_string(out, &member.key);
                out.push_str(if indent.is_empty() { ":" } else { ": " });
                write_node(out, &member.value, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: &str, level: usize) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

/// Writes a JSON string literal, escaping as `JSON.stringify` does.
pub fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            control if (control as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", control as u32);
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// The indentation unit a JSON text uses: the leading whitespace of its first indented line,
/// or two spaces when it has none.
pub fn detect_indent(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
        .find(|leading| !leading.is_empty())
        .unwrap_or("  ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_round_trip(text: &str) {
        let node = parse(text).unwrap_or_else(|error| panic!("{text}: {error:?}"));
        assert_eq!(print(&node, &detect_indent(text)), text);
    }

    #[test]
    fn canonical_text_comes_back_byte_for_byte() {
        check_round_trip("{}");
        check_round_trip("[]");
        check_round_trip("{\n  \"b\": 1.0,\n  \"a\": [\n    1e3,\n    -0,\n    \"x\\ny\"\n  ],\n  \"c\": {}\n}");
        check_round_trip("{\n    \"Comment\": \"four spaces\",\n    \"States\": {\n        \"A\": null\n    }\n}");
        check_round_trip("{\n\t\"tab\": true\n}");
    }

    #[test]
    fn keeps_duplicates_order_and_positions() {
        let text = r#"{"b": 1, "a": 2, "b": 3}"#;
        let node = parse(text).expect("valid");
        let keys: Vec<_> = node.members().expect("object").iter().map(|member| member.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(node.get("b").and_then(Node::as_i64), Some(1));
        let member = node.member("a").expect("a");
        assert_eq!(&text[member.key_span.start..member.key_span.end], "\"a\"");
        assert_eq!(&text[member.value.span.start..member.value.span.end], "2");
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let node = parse(r#""\u00e9\ud83d\ude00\/\"""#).expect("valid");
        assert_eq!(node.as_str(), Some("é😀/\""));
    }

    #[test]
    fn says_where_and_why_text_is_not_json() {
        let cases = [
            ("{\"a\": 1,}", 8, "trailing commas"),
            ("[1, 2", 5, "expected ',' or ']'"),
            ("{\"a\" 1}", 5, "expected ':'"),
            ("{\"a\": tru}", 6, "expected a JSON value"),
            ("\"open", 5, "not closed"),
            ("01", 1, "after the end"),
            ("{} x", 3, "after the end"),
            ("1.", 2, "after the decimal point"),
        ];
        for (text, offset, fragment) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.offset, offset, "{text}: {error:?}");
            assert!(error.message.contains(fragment), "{text}: {error:?}");
        }
    }

    #[test]
    fn edits_keep_the_order_of_untouched_members() {
        let mut node = parse(r#"{"a": 1, "b": 2, "c": 3}"#).expect("valid");
        node.set("b", Node::synthetic(Value::String("two".into())));
        node.set("d", Node::synthetic(Value::Null));
        node.remove("a");
        assert_eq!(print(&node, ""), r#"{"b":"two","c":3,"d":null}"#);
    }

    #[test]
    fn refuses_runaway_nesting() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).expect_err("too deep").message.contains("nesting deeper"));
    }
}

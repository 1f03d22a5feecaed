//! The JSONata tokenizer: turns the characters at a position into one token.
//!
//! The lexer is driven by the parser, one token at a time, because a `/` means division
//! where an operator is expected and starts a regular expression where an operand is.

use super::ParseError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// Punctuation or an operator, including the keywords `and`, `or` and `in`.
    Operator(&'static str),
    /// A field name, plain or backquoted.
    Name(String),
    /// `$name`, without the `$`.
    Variable(String),
    /// A string literal, escapes resolved.
    String(String),
    /// A number literal.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `/pattern/flags`.
    Regex { pattern: String, flags: String },
    /// The end of the source.
    End,
}

/// A token and the characters it spans.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The offset of its first character.
    pub start: usize,
    /// The offset just past its last character.
    pub end: usize,
}

impl Token {
    /// Whether this token is the operator `op`.
    pub fn is(&self, op: &str) -> bool {
        matches!(self.kind, TokenKind::Operator(o) if o == op)
    }
}

/// Reads tokens out of a source held as characters, so that offsets are character offsets.
pub(super) struct Lexer<'a> {
    chars: &'a [char],
}

/// Operators of two characters; they are matched before the one-character ones.
const TWO_CHARACTER_OPERATORS: [&str; 9] = ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];

/// Operators of one character. These (and whitespace) also end a name.
const ONE_CHARACTER_OPERATORS: [&str; 25] = [
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^",
    "&", "!",
];

/// `~` is an operator character too (it ends names) but only `~>` means anything.
const LONE_TILDE: &str = "~";

impl<'a> Lexer<'a> {
    /// A lexer over `chars`.
    pub fn new(chars: &'a [char]) -> Lexer<'a> {
        Lexer { chars }
    }

    /// The source text between two offsets.
    pub fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }

    fn at(&self, position: usize) -> Option<char> {
        self.chars.get(position).copied()
    }

    /// The token starting at or after `position` (after whitespace and comments). A `/`
    /// starts a regular expression only when `regex_allowed`.
    pub fn token_at(&self, mut position: usize, regex_allowed: bool) -> Result<Token, ParseError> {
        position = self.skip_blanks(position)?;
        let start = position;
        let Some(first) = self.at(position) else {
            return Ok(Token { kind: TokenKind::End, start, end: start });
        };
        if regex_allowed && first == '/' {
            return self.regex(start);
        }
        let second = self.at(position + 1);
        if let Some(second) = second {
            for op in TWO_CHARACTER_OPERATORS {
                let mut op_chars = op.chars();
                if op_chars.next() == Some(first) && op_chars.next() == Some(second) {
                    return Ok(Token { kind: TokenKind::Operator(op), start, end: start + 2 });
                }
            }
        }
        if let Some(op) = one_character_operator(first) {
            if op == "!" || op == LONE_TILDE {
                return Err(ParseError::new("S0204", format!("Unknown operator: \"{op}\""), start));
            }
            return Ok(Token { kind: TokenKind::Operator(op), start, end: start + 1 });
        }
        match first {
            '"' | '\'' => self.string(start, first),
            '`' => self.backquoted_name(start),
            '0'..='9' => self.number(start),
            _ => Ok(self.name(start)),
        }
    }

    /// Skips whitespace and `/* … */` comments.
    fn skip_blanks(&self, mut position: usize) -> Result<usize, ParseError> {
        loop {
            while self.at(position).is_some_and(is_whitespace) {
                position += 1;
            }
            if self.at(position) == Some('/') && self.at(position + 1) == Some('*') {
                let start = position;
                position += 2;
                loop {
                    match self.at(position) {
                        None => {
                            return Err(ParseError::new("S0106", "Comment has no closing tag".to_owned(), start));
                        }
                        Some('*') if self.at(position + 1) == Some('/') => {
                            position += 2;
                            break;
                        }
                        Some(_) => position += 1,
                    }
                }
            } else {
                return Ok(position);
            }
        }
    }

    /// A string literal opened by `quote` at `start`.
    fn string(&self, start: usize, quote: char) -> Result<Token, ParseError> {
        let mut value = String::new();
        let mut position = start + 1;
        // A high surrogate from `\uD8xx` waiting for its low half.
        let mut pending_high: Option<u32> = None;
        loop {
            let Some(c) = self.at(position) else {
                return Err(ParseError::new(
                    "S0101",
                    "String literal must be terminated by a matching quote".to_owned(),
                    start,
                ));
            };
            if c == '\\' {
                let escape_start = position;
                let Some(escaped) = self.at(position + 1) else {
                    return Err(ParseError::new(
                        "S0101",
                        "String literal must be terminated by a matching quote".to_owned(),
                        start,
                    ));
                };
                position += 2;
                if escaped == 'u' {
                    let code = self.four_hex_digits(position).ok_or_else(|| {
                        ParseError::new(
                            "S0104",
                            "The escape sequence \\u must be followed by 4 hex digits".to_owned(),
                            escape_start,
                        )
                    })?;
                    position += 4;
                    match (pending_high.take(), code) {
                        (Some(high), 0xDC00..=0xDFFF) => {
                            let combined = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
                            value.push(char::from_u32(combined).unwrap_or('\u{FFFD}'));
                        }
                        (high, 0xD800..=0xDBFF) => {
                            if high.is_some() {
                                value.push('\u{FFFD}');
                            }
                            pending_high = Some(code);
                        }
                        (high, _) => {
                            if high.is_some() {
                                value.push('\u{FFFD}');
                            }
                            value.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                    }
                    continue;
                }
                if pending_high.take().is_some() {
                    value.push('\u{FFFD}');
                }
                let resolved = match escaped {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{C}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    other => {
                        return Err(ParseError::new(
                            "S0103",
                            format!("Unsupported escape sequence: \\{other}"),
                            escape_start,
                        ));
                    }
                };
                value.push(resolved);
                continue;
            }
            if pending_high.take().is_some() {
                value.push('\u{FFFD}');
            }
            position += 1;
            if c == quote {
                return Ok(Token { kind: TokenKind::String(value), start, end: position });
            }
            value.push(c);
        }
    }

    fn four_hex_digits(&self, position: usize) -> Option<u32> {
        let mut code = 0;
        for offset in 0..4 {
            code = code * 16 + self.at(position + offset)?.to_digit(16)?;
        }
        Some(code)
    }

    /// A name in backquotes: everything up to the next backquote, as is.
    fn backquoted_name(&self, start: usize) -> Result<Token, ParseError> {
        let mut position = start + 1;
        while let Some(c) = self.at(position) {
            if c == '`' {
                return Ok(Token { kind: TokenKind::Name(self.text(start + 1, position)), start, end: position + 1 });
            }
            position += 1;
        }
        Err(ParseError::new("S0105", "Quoted property name must be terminated with a backquote (`)".to_owned(), start))
    }

    /// A number: `0` or digits not starting with `0`, an optional fraction, an optional
    /// exponent. A sign is never part of the literal (it is the unary minus).
    fn number(&self, start: usize) -> Result<Token, ParseError> {
        let is_digit = |position: usize| self.at(position).is_some_and(|c| c.is_ascii_digit());
        let mut position = start;
        if self.at(position) == Some('0') {
            position += 1;
        } else {
            while is_digit(position) {
                position += 1;
            }
        }
        if self.at(position) == Some('.') && is_digit(position + 1) {
            position += 1;
            while is_digit(position) {
                position += 1;
            }
        }
        if matches!(self.at(position), Some('e' | 'E')) {
            let mut exponent = position + 1;
            if matches!(self.at(exponent), Some('+' | '-')) {
                exponent += 1;
            }
            if is_digit(exponent) {
                position = exponent;
                while is_digit(position) {
                    position += 1;
                }
            }
        }
        let text = self.text(start, position);
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Token { kind: TokenKind::Number(value), start, end: position }),
            _ => Err(ParseError::new("S0102", format!("Number out of range: {text}"), start)),
        }
    }

    /// A regular expression: up to the first `/` that is neither escaped nor inside
    /// brackets, then the flags `i` and `m`.
    fn regex(&self, start: usize) -> Result<Token, ParseError> {
        let mut position = start + 1;
        let mut depth: i32 = 0;
        while let Some(c) = self.at(position) {
            let escaped = self.preceding_backslashes(position) % 2 == 1;
            if c == '/' && depth == 0 && !escaped {
                let pattern = self.text(start + 1, position);
                if pattern.is_empty() {
                    return Err(ParseError::new(
                        "S0301",
                        "Empty regular expressions are not allowed".to_owned(),
                        start,
                    ));
                }
                position += 1;
                let flags_start = position;
                while matches!(self.at(position), Some('i' | 'm')) {
                    position += 1;
                }
                return Ok(Token {
                    kind: TokenKind::Regex { pattern, flags: self.text(flags_start, position) },
                    start,
                    end: position,
                });
            }
            if !escaped {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
            }
            position += 1;
        }
        Err(ParseError::new("S0302", "No terminating / in regular expression".to_owned(), start))
    }

    fn preceding_backslashes(&self, position: usize) -> usize {
        self.chars[..position].iter().rev().take_while(|c| **c == '\\').count()
    }

    /// A name, variable or keyword: everything up to whitespace or an operator character.
    fn name(&self, start: usize) -> Token {
        let mut end = start;
        while let Some(c) = self.at(end) {
            if is_whitespace(c) || one_character_operator(c).is_some() {
                break;
            }
            end += 1;
        }
        let text = self.text(start, end);
        let kind = if let Some(variable) = text.strip_prefix('$') {
            TokenKind::Variable(variable.to_owned())
        } else {
            match text.as_str() {
                "and" => TokenKind::Operator("and"),
                "or" => TokenKind::Operator("or"),
                "in" => TokenKind::Operator("in"),
                "true" => TokenKind::Bool(true),
                "false" => TokenKind::Bool(false),
                "null" => TokenKind::Null,
                _ => TokenKind::Name(text),
            }
        };
        Token { kind, start, end }
    }
}

/// The whitespace JSONata skips between tokens: space, tab, newline, carriage return and
/// vertical tab. Other characters, even other Unicode spaces, belong to names.
fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{B}')
}

fn one_character_operator(c: char) -> Option<&'static str> {
    if c == '~' {
        return Some(LONE_TILDE);
    }
    ONE_CHARACTER_OPERATORS.into_iter().find(|op| op.starts_with(c))
}

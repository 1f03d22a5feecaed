//! Intrinsic functions of JSONPath-language states (`"greeting.$": "States.Format('Hello {}',
//! $.name)"`): the syntax tree, the parser, and the static checks AWS applies when a definition
//! is created: a known function, the number of arguments, and the type of literal arguments.
//!
//! Arguments are string literals in single quotes, numbers, `true`, `false`, `null`, paths
//! (`$.x`, `$$.Execution.Id`, `$name`) and nested calls. In a string literal a backslash escapes
//! only `'`, `{`, `}` and `\`; AWS refuses any other escape (the recorded CreateStateMachine of
//! `States.StringToJson('{"text":"An \"escaped\" here"}')` fails with `The value for the field
//! 'parsed.$' must be a valid JSONPath or a valid intrinsic function call`). An unescaped `{}`
//! is a placeholder of `States.Format`; `\{` and `\}` are plain braces.
//!
//! [`evaluate`] runs a call as AWS does ([`evaluate_text`] parses first, [`evaluate_field`]
//! handles any `.$` field value, call or path): the tree keeps what evaluation needs, decoded
//! literals, where a template's placeholders are, parsed paths with their text as written.

use std::fmt;

use crate::path::{self, JsonPath};

mod eval;
pub(crate) mod java;

pub use eval::{MAX_RANGE_ITEMS, MAX_TEXT_LENGTH, evaluate, evaluate_field, evaluate_text};

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod fuzz_tests;

/// One call of an intrinsic function, `States.Name(arguments…)`.
#[derive(Clone, Debug, PartialEq)]
pub struct IntrinsicCall {
    /// Which function.
    pub function: IntrinsicFunction,
    /// The arguments, in order.
    pub arguments: Vec<Argument>,
    /// The offset, in characters, of `States.` in the text that was parsed.
    pub offset: usize,
}

/// One argument of a call, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Argument {
    /// What the argument is.
    pub value: ArgumentValue,
    /// The offset, in characters, of its first character in the text that was parsed.
    pub offset: usize,
}

/// What an argument is.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgumentValue {
    /// `'text'`, escapes resolved.
    String(StringLiteral),
    /// `42`, `-1`, `2.5`.
    Number(serde_json::Number),
    /// `true` or `false`.
    Boolean(bool),
    /// `null`.
    Null,
    /// `$.x`, `$$.Execution.Id`, `$name`: a path, parsed, with its text as written (AWS quotes
    /// the text in runtime errors).
    Path {
        /// The parsed path.
        path: JsonPath,
        /// The path as written.
        text: String,
    },
    /// A nested call.
    Call(Box<IntrinsicCall>),
}

/// A string literal argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringLiteral {
    /// The text, with `\'`, `\{`, `\}` and `\\` resolved.
    pub value: String,
    /// The byte offsets in `value` of each `{}` written without escapes: the places
    /// `States.Format` puts its arguments, in order.
    pub placeholders: Vec<usize>,
    /// The byte offsets in `value` of each `{` or `}` written without an escape that is not
    /// part of a `{}`. AWS accepts such a template when the definition is created but
    /// `States.Format` fails on it at run time.
    pub stray_braces: Vec<usize>,
}

/// The intrinsic functions of the Amazon States Language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntrinsicFunction {
    /// `States.Format(template, values…)`.
    Format,
    /// `States.StringToJson(text)`.
    StringToJson,
    /// `States.JsonToString(value)`.
    JsonToString,
    /// `States.Array(values…)`.
    Array,
    /// `States.ArrayPartition(array, chunkSize)`.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`.
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`.
    ArrayGetItem,
    /// `States.ArrayLength(array)`.
    ArrayLength,
    /// `States.ArrayUnique(array)`.
    ArrayUnique,
    /// `States.Base64Encode(text)`.
    Base64Encode,
    /// `States.Base64Decode(text)`.
    Base64Decode,
    /// `States.Hash(value, algorithm)`.
    Hash,
    /// `States.JsonMerge(left, right, false)`.
    JsonMerge,
    /// `States.MathRandom(start, end)` or `States.MathRandom(start, end, seed)`.
    MathRandom,
    /// `States.MathAdd(left, right)`.
    MathAdd,
    /// `States.StringSplit(text, separators)`.
    StringSplit,
    /// `States.UUID()`.
    Uuid,
}

/// How many arguments a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arity {
    /// The fewest.
    pub min: usize,
    /// The most; `None` for no limit.
    pub max: Option<usize>,
}

/// Why a text is not a valid intrinsic call, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntrinsicError {
    /// What kind of problem.
    pub kind: IntrinsicErrorKind,
    /// What is wrong, in words.
    pub message: String,
    /// The offset, in characters, of the place the problem was found.
    pub offset: usize,
}

/// The kinds of [`IntrinsicError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntrinsicErrorKind {
    /// The text does not follow the call syntax.
    Syntax,
    /// A backslash in a string literal escapes something other than `'`, `{`, `}` or `\`.
    IllegalEscape,
    /// `States.Name` is not an intrinsic function.
    UnknownFunction,
    /// The wrong number of arguments.
    ArgumentCount,
    /// A literal argument of the wrong type or value.
    ArgumentType,
    /// The `{}` placeholders of a `States.Format` template do not match its arguments.
    Placeholders,
    /// A path argument is not a valid path.
    Path,
}

/// The algorithms `States.Hash` accepts.
pub const HASH_ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// Whether a text is meant as an intrinsic call: `States.` and a name directly followed by `(`.
/// Such a text is never a path, so a validator parses it with [`parse_intrinsic`] (which also
/// reports names that are not functions).
pub fn looks_like_intrinsic(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("States.") else { return false };
    let name_length = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    name_length > 0 && rest[name_length..].starts_with('(')
}

/// Parses an intrinsic call and runs the static checks AWS applies when a definition is
/// created ([`IntrinsicCall::check`]): `Ok` means AWS accepts the text. The error is the first
/// problem found.
pub fn parse_intrinsic(text: &str) -> Result<IntrinsicCall, IntrinsicError> {
    let call = parse_intrinsic_syntax(text)?;
    match call.check().into_iter().next() {
        Some(error) => Err(error),
        None => Ok(call),
    }
}

/// Parses an intrinsic call without the static checks: for tools that want the tree of a call
/// AWS would refuse (a designer highlighting its arguments), or all of its problems at once
/// through [`IntrinsicCall::check`].
pub fn parse_intrinsic_syntax(text: &str) -> Result<IntrinsicCall, IntrinsicError> {
    let mut parser = Parser { chars: text.chars().collect(), position: 0 };
    let call = parser.call(0)?;
    parser.skip_whitespace();
    if parser.position < parser.chars.len() {
        return Err(IntrinsicError::syntax(parser.position, "unexpected text after the closing ')'"));
    }
    Ok(call)
}

impl IntrinsicCall {
    /// Every static problem of this call and the calls nested in it, outermost first: the
    /// number of arguments, the type of literal arguments (`States.MathAdd(1, '-1')`), the
    /// algorithm of `States.Hash`, the placeholders of a literal `States.Format` template, and
    /// the third argument of `States.JsonMerge`, which must be `false`. Arguments that are
    /// paths or calls are not checked: their values are known only at run time.
    pub fn check(&self) -> Vec<IntrinsicError> {
        let mut errors = Vec::new();
        check_call(self, &mut errors);
        errors
    }
}

impl IntrinsicFunction {
    /// Every function.
    pub const ALL: [IntrinsicFunction; 18] = [
        IntrinsicFunction::Format,
        IntrinsicFunction::StringToJson,
        IntrinsicFunction::JsonToString,
        IntrinsicFunction::Array,
        IntrinsicFunction::ArrayPartition,
        IntrinsicFunction::ArrayContains,
        IntrinsicFunction::ArrayRange,
        IntrinsicFunction::ArrayGetItem,
        IntrinsicFunction::ArrayLength,
        IntrinsicFunction::ArrayUnique,
        IntrinsicFunction::Base64Encode,
        IntrinsicFunction::Base64Decode,
        IntrinsicFunction::Hash,
        IntrinsicFunction::JsonMerge,
        IntrinsicFunction::MathRandom,
        IntrinsicFunction::MathAdd,
        IntrinsicFunction::StringSplit,
        IntrinsicFunction::Uuid,
    ];

    /// The name as written in definitions: `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            IntrinsicFunction::Format => "States.Format",
            IntrinsicFunction::StringToJson => "States.StringToJson",
            IntrinsicFunction::JsonToString => "States.JsonToString",
            IntrinsicFunction::Array => "States.Array",
            IntrinsicFunction::ArrayPartition => "States.ArrayPartition",
            IntrinsicFunction::ArrayContains => "States.ArrayContains",
            IntrinsicFunction::ArrayRange => "States.ArrayRange",
            IntrinsicFunction::ArrayGetItem => "States.ArrayGetItem",
            IntrinsicFunction::ArrayLength => "States.ArrayLength",
            IntrinsicFunction::ArrayUnique => "States.ArrayUnique",
            IntrinsicFunction::Base64Encode => "States.Base64Encode",
            IntrinsicFunction::Base64Decode => "States.Base64Decode",
            IntrinsicFunction::Hash => "States.Hash",
            IntrinsicFunction::JsonMerge => "States.JsonMerge",
            IntrinsicFunction::MathRandom => "States.MathRandom",
            IntrinsicFunction::MathAdd => "States.MathAdd",
            IntrinsicFunction::StringSplit => "States.StringSplit",
            IntrinsicFunction::Uuid => "States.UUID",
        }
    }

    /// The function with this name (`States.Format`); names are case-sensitive.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|function| function.name() == name)
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> Arity {
        let (min, max) = match self {
            IntrinsicFunction::Format => (1, None),
            IntrinsicFunction::Array => (0, None),
            IntrinsicFunction::Uuid => (0, Some(0)),
            IntrinsicFunction::StringToJson
            | IntrinsicFunction::JsonToString
            | IntrinsicFunction::ArrayLength
            | IntrinsicFunction::ArrayUnique
            | IntrinsicFunction::Base64Encode
            | IntrinsicFunction::Base64Decode => (1, Some(1)),
            IntrinsicFunction::ArrayPartition
            | IntrinsicFunction::ArrayContains
            | IntrinsicFunction::ArrayGetItem
            | IntrinsicFunction::Hash
            | IntrinsicFunction::MathAdd
            | IntrinsicFunction::StringSplit => (2, Some(2)),
            IntrinsicFunction::MathRandom => (2, Some(3)),
            IntrinsicFunction::ArrayRange | IntrinsicFunction::JsonMerge => (3, Some(3)),
        };
        Arity { min, max }
    }

    /// What a literal in argument `index` (from 0) must be.
    fn expected_argument(self, index: usize) -> Expected {
        use IntrinsicFunction as F;
        match (self, index) {
            (F::Format | F::StringToJson | F::Base64Encode | F::Base64Decode | F::StringSplit, 0) => Expected::String,
            (F::StringSplit | F::Hash, 1) => Expected::String,
            (F::ArrayPartition | F::ArrayContains | F::ArrayGetItem | F::ArrayLength | F::ArrayUnique, 0) => {
                Expected::Array
            }
            (F::ArrayPartition | F::ArrayGetItem, 1) => Expected::Number,
            (F::ArrayRange | F::MathRandom, 0..=2) | (F::MathAdd, 0..=1) => Expected::Number,
            (F::JsonMerge, 0..=1) => Expected::Object,
            _ => Expected::Any,
        }
    }
}

impl fmt::Display for IntrinsicFunction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl Arity {
    /// Whether a call with `count` arguments has the right number.
    pub fn allows(self, count: usize) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }

    /// In words: `no arguments`, `exactly 2 arguments`, `at least 1 argument`, `2 or 3 arguments`.
    pub fn describe(self) -> String {
        let plural = |count: usize| if count == 1 { "argument" } else { "arguments" };
        match self.max {
            Some(0) => "no arguments".to_string(),
            Some(max) if max == self.min => format!("exactly {max} {}", plural(max)),
            Some(max) if max == self.min + 1 => format!("{} or {max} arguments", self.min),
            Some(max) => format!("between {} and {max} arguments", self.min),
            None => format!("at least {} {}", self.min, plural(self.min)),
        }
    }
}

impl IntrinsicError {
    fn new(kind: IntrinsicErrorKind, offset: usize, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), offset }
    }

    fn syntax(offset: usize, message: impl Into<String>) -> Self {
        Self::new(IntrinsicErrorKind::Syntax, offset, message)
    }
}

impl fmt::Display for IntrinsicError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} (at character {})", self.message, self.offset)
    }
}

impl std::error::Error for IntrinsicError {}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// How deeply calls may nest before the parser gives up (a guard for the stack; AWS documents
/// a limit of 10 nested functions per field, which the validator may enforce separately).
const MAX_NESTING: usize = 64;

const ARGUMENT_FORMS: &str =
    "an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function";

struct Parser {
    chars: Vec<char>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.position + ahead).copied()
    }

    fn starts_with(&self, prefix: &str) -> bool {
        (self.position..).zip(prefix.chars()).all(|(at, expected)| self.chars.get(at) == Some(&expected))
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }

    fn call(&mut self, nesting: usize) -> Result<IntrinsicCall, IntrinsicError> {
        let offset = self.position;
        if !self.starts_with("States.") {
            return Err(IntrinsicError::syntax(offset, "expected an intrinsic function such as States.Format(…)"));
        }
        self.position += "States.".len();
        let name_start = self.position;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.position += 1;
        }
        if self.position == name_start {
            return Err(IntrinsicError::syntax(name_start, "expected a function name after 'States.'"));
        }
        let name = self.text(offset, self.position);
        let Some(function) = IntrinsicFunction::from_name(&name) else {
            return Err(IntrinsicError::new(
                IntrinsicErrorKind::UnknownFunction,
                offset,
                format!("unknown intrinsic function '{name}'"),
            ));
        };
        if self.peek() != Some('(') {
            return Err(IntrinsicError::syntax(self.position, format!("expected '(' after '{name}'")));
        }
        self.position += 1;
        let mut arguments = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(')') {
            self.position += 1;
            return Ok(IntrinsicCall { function, arguments, offset });
        }
        loop {
            arguments.push(self.argument(nesting)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.position += 1,
                Some(')') => {
                    self.position += 1;
                    return Ok(IntrinsicCall { function, arguments, offset });
                }
                None => return Err(IntrinsicError::syntax(self.position, format!("missing ')' to close '{name}('"))),
                Some(_) => return Err(IntrinsicError::syntax(self.position, "expected ',' or ')' after an argument")),
            }
        }
    }

    fn argument(&mut self, nesting: usize) -> Result<Argument, IntrinsicError> {
        self.skip_whitespace();
        let offset = self.position;
        let value = match self.peek() {
            Some('\'') => ArgumentValue::String(self.string_literal()?),
            Some('$') => self.path_argument()?,
            Some(character) if character == '-' || character.is_ascii_digit() => {
                ArgumentValue::Number(self.number_literal()?)
            }
            Some(_) if self.starts_with("States.") => {
                if nesting + 1 > MAX_NESTING {
                    return Err(IntrinsicError::syntax(offset, "intrinsic functions nest too deeply"));
                }
                ArgumentValue::Call(Box::new(self.call(nesting + 1)?))
            }
            Some(character) if character.is_alphabetic() => {
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    self.position += 1;
                }
                match self.text(offset, self.position).as_str() {
                    "true" => ArgumentValue::Boolean(true),
                    "false" => ArgumentValue::Boolean(false),
                    "null" => ArgumentValue::Null,
                    word => {
                        return Err(IntrinsicError::syntax(offset, format!("unexpected '{word}': {ARGUMENT_FORMS}")));
                    }
                }
            }
            Some('"') => {
                return Err(IntrinsicError::syntax(offset, "string literals in intrinsic functions use single quotes"));
            }
            Some(',' | ')') | None => {
                return Err(IntrinsicError::syntax(offset, format!("expected an argument: {ARGUMENT_FORMS}")));
            }
            Some(character) => {
                return Err(IntrinsicError::syntax(
                    offset,
                    format!("unexpected character '{character}': {ARGUMENT_FORMS}"),
                ));
            }
        };
        Ok(Argument { value, offset })
    }

    fn string_literal(&mut self) -> Result<StringLiteral, IntrinsicError> {
        let opening = self.position;
        self.position += 1;
        let mut value = String::new();
        let mut placeholders = Vec::new();
        let mut stray_braces = Vec::new();
        loop {
            match self.peek() {
                None => return Err(IntrinsicError::syntax(opening, "missing closing quote")),
                Some('\\') => match self.peek_at(1) {
                    Some(escaped @ ('\'' | '{' | '}' | '\\')) => {
                        value.push(escaped);
                        self.position += 2;
                    }
                    Some(other) => {
                        return Err(IntrinsicError::new(
                            IntrinsicErrorKind::IllegalEscape,
                            self.position,
                            format!(
                                "invalid escape sequence '\\{other}' in a string literal: only \\', \\{{, \\}} and \\\\ are allowed"
                            ),
                        ));
                    }
                    None => return Err(IntrinsicError::syntax(opening, "missing closing quote")),
                },
                Some('\'') => {
                    self.position += 1;
                    return Ok(StringLiteral { value, placeholders, stray_braces });
                }
                Some('{') if self.peek_at(1) == Some('}') => {
                    placeholders.push(value.len());
                    value.push_str("{}");
                    self.position += 2;
                }
                Some(brace @ ('{' | '}')) => {
                    stray_braces.push(value.len());
                    value.push(brace);
                    self.position += 1;
                }
                Some(character) => {
                    value.push(character);
                    self.position += 1;
                }
            }
        }
    }

    fn number_literal(&mut self) -> Result<serde_json::Number, IntrinsicError> {
        let start = self.position;
        if self.peek() == Some('-') {
            self.position += 1;
        }
        let digits_start = self.position;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
        }
        let mut valid = self.position > digits_start;
        if self.peek() == Some('.') {
            self.position += 1;
            let fraction_start = self.position;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.position += 1;
            }
            valid &= self.position > fraction_start;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.position += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.position += 1;
            }
            let exponent_start = self.position;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.position += 1;
            }
            valid &= self.position > exponent_start;
        }
        while self.peek().is_some_and(|c| !(c.is_whitespace() || c == ',' || c == ')')) {
            self.position += 1;
            valid = false;
        }
        let text = self.text(start, self.position);
        match path::number_from_text(&text) {
            Some(number) if valid => Ok(number),
            _ => Err(IntrinsicError::new(IntrinsicErrorKind::Syntax, start, format!("invalid number '{text}'"))),
        }
    }

    /// A path runs to the first `,`, `)` or whitespace outside brackets and quotes, so
    /// `$.a[?(@.b == 'x, y')]` is one argument.
    fn path_argument(&mut self) -> Result<ArgumentValue, IntrinsicError> {
        let start = self.position;
        let mut depth = 0usize;
        let mut quote = None;
        while let Some(character) = self.peek() {
            if let Some(open) = quote {
                if character == '\\' {
                    self.position = (self.position + 2).min(self.chars.len());
                    continue;
                }
                if character == open {
                    quote = None;
                }
            } else {
                match character {
                    '\'' | '"' if depth > 0 => quote = Some(character),
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    ',' | ')' if depth == 0 => break,
                    _ if character.is_whitespace() && depth == 0 => break,
                    _ => {}
                }
            }
            self.position += 1;
        }
        let text = self.text(start, self.position);
        match path::parse_path(&text) {
            Ok(path) => Ok(ArgumentValue::Path { path, text }),
            Err(error) => Err(IntrinsicError::new(IntrinsicErrorKind::Path, start + error.offset, error.message)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Static checks
// ---------------------------------------------------------------------------------------------

/// What a literal argument must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Any,
    String,
    Number,
    Array,
    Object,
}

impl Expected {
    /// Whether a literal of this JSON type is acceptable; arrays and objects cannot be written
    /// as literals, so no literal is.
    fn accepts(self, literal: &ArgumentValue) -> bool {
        match self {
            Expected::Any => true,
            Expected::String => matches!(literal, ArgumentValue::String(_)),
            Expected::Number => matches!(literal, ArgumentValue::Number(_)),
            Expected::Array | Expected::Object => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Expected::Any => "a value",
            Expected::String => "a string",
            Expected::Number => "a number",
            Expected::Array => "an array",
            Expected::Object => "an object",
        }
    }
}

/// The type of a literal argument in words; `None` for paths and calls.
fn literal_type(value: &ArgumentValue) -> Option<&'static str> {
    match value {
        ArgumentValue::String(_) => Some("a string"),
        ArgumentValue::Number(_) => Some("a number"),
        ArgumentValue::Boolean(_) => Some("a boolean"),
        ArgumentValue::Null => Some("null"),
        ArgumentValue::Path { .. } | ArgumentValue::Call(_) => None,
    }
}

fn check_call(call: &IntrinsicCall, errors: &mut Vec<IntrinsicError>) {
    let name = call.function.name();
    let count = call.arguments.len();
    let arity = call.function.arity();
    if !arity.allows(count) {
        errors.push(IntrinsicError::new(
            IntrinsicErrorKind::ArgumentCount,
            call.offset,
            format!("{name} takes {} but {count} {} given", arity.describe(), if count == 1 { "was" } else { "were" }),
        ));
    }
    for (index, argument) in call.arguments.iter().enumerate() {
        let expected = call.function.expected_argument(index);
        if let Some(found) = literal_type(&argument.value)
            && !expected.accepts(&argument.value)
        {
            errors.push(IntrinsicError::new(
                IntrinsicErrorKind::ArgumentType,
                argument.offset,
                format!("argument {} of {name} must be {}, not {found}", index + 1, expected.describe()),
            ));
        }
    }
    match call.function {
        IntrinsicFunction::Format => {
            if let Some(Argument { value: ArgumentValue::String(template), offset }) = call.arguments.first() {
                let placeholders = template.placeholders.len();
                let values = count - 1;
                if placeholders != values {
                    errors.push(IntrinsicError::new(
                        IntrinsicErrorKind::Placeholders,
                        *offset,
                        format!(
                            "the template of States.Format has {placeholders} '{{}}' placeholder{} but {values} argument{} follow{} it",
                            if placeholders == 1 { "" } else { "s" },
                            if values == 1 { "" } else { "s" },
                            if values == 1 { "s" } else { "" },
                        ),
                    ));
                }
            }
        }
        IntrinsicFunction::Hash => {
            if let Some(Argument { value: ArgumentValue::String(algorithm), offset }) = call.arguments.get(1)
                && !HASH_ALGORITHMS.contains(&algorithm.value.as_str())
            {
                errors.push(IntrinsicError::new(
                    IntrinsicErrorKind::ArgumentType,
                    *offset,
                    format!(
                        "the algorithm of States.Hash must be one of {}, not '{}'",
                        HASH_ALGORITHMS.join(", "),
                        algorithm.value
                    ),
                ));
            }
        }
        IntrinsicFunction::JsonMerge => {
            if let Some(argument) = call.arguments.get(2)
                && argument.value != ArgumentValue::Boolean(false)
            {
                errors.push(IntrinsicError::new(
                    IntrinsicErrorKind::ArgumentType,
                    argument.offset,
                    "the third argument of States.JsonMerge must be false: deep merging is not supported",
                ));
            }
        }
        _ => {}
    }
    for argument in &call.arguments {
        if let ArgumentValue::Call(inner) = &argument.value {
            check_call(inner, errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde_json::{Value, json};

    use super::*;
    use crate::path::{PathRoot, Segment, parse_path, parse_reference_path};

    fn string(value: &str, placeholders: &[usize], offset: usize) -> Argument {
        Argument {
            value: ArgumentValue::String(StringLiteral {
                value: value.to_string(),
                placeholders: placeholders.to_vec(),
                stray_braces: Vec::new(),
            }),
            offset,
        }
    }

    fn number(value: Value, offset: usize) -> Argument {
        let Value::Number(number) = value else { panic!("not a number: {value}") };
        Argument { value: ArgumentValue::Number(number), offset }
    }

    fn path_argument(text: &str, offset: usize) -> Argument {
        Argument { value: ArgumentValue::Path { path: parse_path(text).expect(text), text: text.to_string() }, offset }
    }

    fn call(function: IntrinsicFunction, arguments: Vec<Argument>, offset: usize) -> IntrinsicCall {
        IntrinsicCall { function, arguments, offset }
    }

    /// Parses `input` (syntax and static checks) and compares the outcome.
    fn check(input: &str, expected: Result<IntrinsicCall, (IntrinsicErrorKind, usize, &str)>) {
        let actual = parse_intrinsic(input).map_err(|error| (error.kind, error.offset, error.message));
        let expected = expected.map_err(|(kind, offset, message)| (kind, offset, message.to_string()));
        assert_eq!(actual, expected, "parse_intrinsic({input:?})");
    }

    #[test]
    fn calls_parse_into_trees() {
        use IntrinsicFunction as F;
        let cases: Vec<(&str, IntrinsicCall)> = vec![
            (
                "States.Format('Hello {}', $.name)",
                call(F::Format, vec![string("Hello {}", &[6], 14), path_argument("$.name", 26)], 0),
            ),
            ("States.UUID()", call(F::Uuid, vec![], 0)),
            ("States.Array( )", call(F::Array, vec![], 0)),
            (
                "States.ArrayLength(States.Array(1,2))",
                call(
                    F::ArrayLength,
                    vec![Argument {
                        value: ArgumentValue::Call(Box::new(call(
                            F::Array,
                            vec![number(json!(1), 32), number(json!(2), 34)],
                            19,
                        ))),
                        offset: 19,
                    }],
                    0,
                ),
            ),
            // asl-validator valid-intrinsic-functions: `\'` is a quote.
            (
                "States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)",
                call(
                    F::Format,
                    vec![
                        string("Welcome to {} {}'s playlist.", &[11, 14], 14),
                        path_argument("$.firstName", 47),
                        path_argument("$.lastName", 60),
                    ],
                    0,
                ),
            ),
            // Escaped braces are not placeholders; `\\` is a backslash. The `}` after `\{` and
            // the `{` before `\}` are braces on their own (States.Format fails on them).
            (
                "States.Format('\\{} {\\} \\\\ {}', $.a)",
                call(
                    F::Format,
                    vec![
                        Argument {
                            value: ArgumentValue::String(StringLiteral {
                                value: "{} {} \\ {}".to_string(),
                                placeholders: vec![8],
                                stray_braces: vec![1, 3],
                            }),
                            offset: 14,
                        },
                        path_argument("$.a", 31),
                    ],
                    0,
                ),
            ),
            (
                "States.Array('Foo', 2020, $.someJson, null, true, false, -1, 2.5, 1e3)",
                call(
                    F::Array,
                    vec![
                        string("Foo", &[], 13),
                        number(json!(2020), 20),
                        path_argument("$.someJson", 26),
                        Argument { value: ArgumentValue::Null, offset: 38 },
                        Argument { value: ArgumentValue::Boolean(true), offset: 44 },
                        Argument { value: ArgumentValue::Boolean(false), offset: 50 },
                        number(json!(-1), 57),
                        number(json!(2.5), 61),
                        number(json!(1000.0), 66),
                    ],
                    0,
                ),
            ),
            (
                "States.JsonMerge($.json1, $.json2, false)",
                call(
                    F::JsonMerge,
                    vec![
                        path_argument("$.json1", 17),
                        path_argument("$.json2", 26),
                        Argument { value: ArgumentValue::Boolean(false), offset: 35 },
                    ],
                    0,
                ),
            ),
            (
                "States.Format('{}{}',$$.Execution.Id,$field2)",
                call(
                    F::Format,
                    vec![
                        string("{}{}", &[0, 2], 14),
                        path_argument("$$.Execution.Id", 21),
                        path_argument("$field2", 37),
                    ],
                    0,
                ),
            ),
            // A path runs past commas and spaces inside brackets.
            (
                "States.ArrayGetItem($.a[?(@.b == 'x, y)')].c, 0)",
                call(F::ArrayGetItem, vec![path_argument("$.a[?(@.b == 'x, y)')].c", 20), number(json!(0), 46)], 0),
            ),
            ("States.JsonToString($)", call(F::JsonToString, vec![path_argument("$", 20)], 0)),
            ("  States.UUID()  ".trim_start(), call(F::Uuid, vec![], 0)),
        ];
        for (text, expected) in cases {
            check(text, Ok(expected));
        }
    }

    #[test]
    fn path_arguments_keep_their_roots() {
        let parsed = parse_intrinsic("States.Array($var.x, $$.Map.Item.Value, $)").expect("parses");
        let roots: Vec<PathRoot> = parsed
            .arguments
            .iter()
            .map(|argument| match &argument.value {
                ArgumentValue::Path { path, .. } => path.root.clone(),
                other => panic!("not a path: {other:?}"),
            })
            .collect();
        assert_eq!(roots, vec![PathRoot::Variable("var".into()), PathRoot::Context, PathRoot::Input]);
        let ArgumentValue::Path { path, .. } = &parsed.arguments[0].value else { unreachable!() };
        assert_eq!(path.segments, vec![Segment::Child("x".into())]);
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        use IntrinsicErrorKind::*;
        let cases: Vec<(&str, IntrinsicErrorKind, usize, &str)> = vec![
            // The recorded AWS refusal (create_error test_illegal_escapes): `\"` is not an escape.
            (
                "States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')",
                IllegalEscape,
                33,
                "invalid escape sequence '\\\"' in a string literal: only \\', \\{, \\} and \\\\ are allowed",
            ),
            (
                "States.Format('a\\nb')",
                IllegalEscape,
                16,
                "invalid escape sequence '\\n' in a string literal: only \\', \\{, \\} and \\\\ are allowed",
            ),
            ("States.Foo()", UnknownFunction, 0, "unknown intrinsic function 'States.Foo'"),
            ("States.format('x')", UnknownFunction, 0, "unknown intrinsic function 'States.format'"),
            ("States.Array(States.Nope(1))", UnknownFunction, 13, "unknown intrinsic function 'States.Nope'"),
            ("States.(1)", Syntax, 7, "expected a function name after 'States.'"),
            ("States.UUID", Syntax, 11, "expected '(' after 'States.UUID'"),
            ("Format('x')", Syntax, 0, "expected an intrinsic function such as States.Format(…)"),
            ("States.Format('x'", Syntax, 17, "missing ')' to close 'States.Format('"),
            ("States.Format('x", Syntax, 14, "missing closing quote"),
            ("States.Format('x\\", Syntax, 14, "missing closing quote"),
            (
                "States.Format('x',)",
                Syntax,
                18,
                "expected an argument: an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function",
            ),
            (
                "States.Format(,'x')",
                Syntax,
                14,
                "expected an argument: an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function",
            ),
            ("States.Format('x' 'y')", Syntax, 18, "expected ',' or ')' after an argument"),
            ("States.Format(\"x\")", Syntax, 14, "string literals in intrinsic functions use single quotes"),
            ("States.Format('x')y", Syntax, 18, "unexpected text after the closing ')'"),
            (
                "States.Array(abc)",
                Syntax,
                13,
                "unexpected 'abc': an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function",
            ),
            (
                "States.Array(True)",
                Syntax,
                13,
                "unexpected 'True': an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function",
            ),
            ("States.Array(1x)", Syntax, 13, "invalid number '1x'"),
            ("States.Array(1.)", Syntax, 13, "invalid number '1.'"),
            ("States.Array(-)", Syntax, 13, "invalid number '-'"),
            (
                "States.Array(#)",
                Syntax,
                13,
                "unexpected character '#': an argument is a string in single quotes, a number, true, false, null, a path or an intrinsic function",
            ),
            ("States.Array($.a b)", Syntax, 17, "expected ',' or ')' after an argument"),
            ("States.Array($..)", Path, 14, "a path must not end with '..'"),
            ("States.Array($.a[0)", Path, 16, "missing ']'"),
            (
                "States.Array($[(@.length-1)])",
                Path,
                14,
                "script expressions such as '[(@.length-1)]' are not supported",
            ),
        ];
        for (text, kind, offset, message) in cases {
            check(text, Err((kind, offset, message)));
        }
    }

    #[test]
    fn static_checks_follow_aws() {
        use IntrinsicErrorKind::*;
        let cases: Vec<(&str, IntrinsicErrorKind, usize, &str)> = vec![
            ("States.UUID(1)", ArgumentCount, 0, "States.UUID takes no arguments but 1 was given"),
            ("States.Format()", ArgumentCount, 0, "States.Format takes at least 1 argument but 0 were given"),
            ("States.MathRandom(1)", ArgumentCount, 0, "States.MathRandom takes 2 or 3 arguments but 1 was given"),
            (
                "States.MathRandom(1, 2, 3, 4)",
                ArgumentCount,
                0,
                "States.MathRandom takes 2 or 3 arguments but 4 were given",
            ),
            (
                "States.ArrayPartition($.a)",
                ArgumentCount,
                0,
                "States.ArrayPartition takes exactly 2 arguments but 1 was given",
            ),
            (
                "States.ArrayRange(1, 2)",
                ArgumentCount,
                0,
                "States.ArrayRange takes exactly 3 arguments but 2 were given",
            ),
            ("States.Hash($.a)", ArgumentCount, 0, "States.Hash takes exactly 2 arguments but 1 was given"),
            (
                "States.JsonMerge($.a, $.b)",
                ArgumentCount,
                0,
                "States.JsonMerge takes exactly 3 arguments but 2 were given",
            ),
            (
                "States.StringSplit($.a)",
                ArgumentCount,
                0,
                "States.StringSplit takes exactly 2 arguments but 1 was given",
            ),
            (
                "States.StringToJson($.a, $.b)",
                ArgumentCount,
                0,
                "States.StringToJson takes exactly 1 argument but 2 were given",
            ),
            // asl-validator invalid-math-add.json
            ("States.MathAdd(1,'-1')", ArgumentType, 17, "argument 2 of States.MathAdd must be a number, not a string"),
            ("States.Format(1)", ArgumentType, 14, "argument 1 of States.Format must be a string, not a number"),
            ("States.Format(null)", ArgumentType, 14, "argument 1 of States.Format must be a string, not null"),
            (
                "States.ArrayLength('abc')",
                ArgumentType,
                19,
                "argument 1 of States.ArrayLength must be an array, not a string",
            ),
            (
                "States.ArrayGetItem($.a, '0')",
                ArgumentType,
                25,
                "argument 2 of States.ArrayGetItem must be a number, not a string",
            ),
            (
                "States.ArrayRange(1, true, 1)",
                ArgumentType,
                21,
                "argument 2 of States.ArrayRange must be a number, not a boolean",
            ),
            (
                "States.Base64Encode(12)",
                ArgumentType,
                20,
                "argument 1 of States.Base64Encode must be a string, not a number",
            ),
            (
                "States.StringSplit($.a, 1)",
                ArgumentType,
                24,
                "argument 2 of States.StringSplit must be a string, not a number",
            ),
            (
                "States.JsonMerge('a', $.b, false)",
                ArgumentType,
                17,
                "argument 1 of States.JsonMerge must be an object, not a string",
            ),
            (
                "States.Hash($.a, 'SHA1')",
                ArgumentType,
                17,
                "the algorithm of States.Hash must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, not 'SHA1'",
            ),
            ("States.Hash($.a, 256)", ArgumentType, 17, "argument 2 of States.Hash must be a string, not a number"),
            (
                "States.JsonMerge($.a, $.b, true)",
                ArgumentType,
                27,
                "the third argument of States.JsonMerge must be false: deep merging is not supported",
            ),
            (
                "States.JsonMerge($.a, $.b, $.deep)",
                ArgumentType,
                27,
                "the third argument of States.JsonMerge must be false: deep merging is not supported",
            ),
            (
                "States.Format('{} and {}', $.a)",
                Placeholders,
                14,
                "the template of States.Format has 2 '{}' placeholders but 1 argument follows it",
            ),
            (
                "States.Format('{}')",
                Placeholders,
                14,
                "the template of States.Format has 1 '{}' placeholder but 0 arguments follow it",
            ),
            (
                "States.Format('\\{}', $.a)",
                Placeholders,
                14,
                "the template of States.Format has 0 '{}' placeholders but 1 argument follows it",
            ),
            // A nested call is checked too, at its own offset.
            (
                "States.Format('{}', States.MathAdd(1))",
                ArgumentCount,
                20,
                "States.MathAdd takes exactly 2 arguments but 1 was given",
            ),
        ];
        for (text, kind, offset, message) in cases {
            check(text, Err((kind, offset, message)));
        }
        let accepted = [
            "States.Format($.template, $.name)",
            "States.Format('no placeholders')",
            "States.Format('{} {}', States.UUID(), 1)",
            "States.Hash($.Data, $.Algorithm)",
            "States.Hash('x', 'SHA-512')",
            "States.MathRandom($.start, $.end, 7)",
            "States.ArrayRange(1, 9, 2)",
            "States.ArrayPartition($.inputArray,4)",
            // asl-validator valid-math-add.json
            "States.MathAdd(States.ArrayLength($$.Execution.Input.machines),-1)",
            // AWS's documented example of nine nested calls (the documentation's template has
            // three placeholders for two arguments; here the arguments match).
            "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
        ];
        for text in accepted {
            assert!(parse_intrinsic(text).is_ok(), "{text}: {:?}", parse_intrinsic(text));
        }
    }

    #[test]
    fn check_reports_every_problem() {
        let parsed = parse_intrinsic_syntax("States.Hash(States.MathAdd('a'), 'SHA')").expect("syntax is fine");
        let problems: Vec<(usize, String)> =
            parsed.check().into_iter().map(|error| (error.offset, error.message)).collect();
        assert_eq!(
            problems,
            vec![
                (
                    33,
                    "the algorithm of States.Hash must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, not 'SHA'"
                        .to_string()
                ),
                (12, "States.MathAdd takes exactly 2 arguments but 1 was given".to_string()),
                (27, "argument 1 of States.MathAdd must be a number, not a string".to_string()),
            ]
        );
    }

    #[test]
    fn looks_like_intrinsic_needs_a_name_and_a_parenthesis() {
        let cases = [
            ("States.Format('x')", true),
            ("States.Unknown()", true),
            ("States.UUID()", true),
            ("States.UUID", false),
            ("States.()", false),
            ("States.Format ('x')", false),
            (" States.UUID()", false),
            ("$.States.Format('x')", false),
            ("states.UUID()", false),
            ("", false),
        ];
        for (text, expected) in cases {
            assert_eq!(looks_like_intrinsic(text), expected, "{text:?}");
        }
    }

    #[test]
    fn every_function_round_trips_its_name() {
        for function in IntrinsicFunction::ALL {
            assert_eq!(IntrinsicFunction::from_name(function.name()), Some(function));
        }
        assert_eq!(IntrinsicFunction::from_name("States.Uuid"), None);
    }

    // -----------------------------------------------------------------------------------------
    // Definitions recorded against AWS and written by others (read from ../shared at run time)
    // -----------------------------------------------------------------------------------------

    const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");

    /// How a field's string value must parse.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Expect {
        /// A Path (`InputPath`, `OutputPath`).
        Path,
        /// A Reference Path (`ResultPath`, `Variable`, `ItemsPath`, the other `…Path` fields).
        ReferencePath,
        /// A reference path or an intrinsic call (`ErrorPath`, `CausePath`).
        ReferenceOrIntrinsic,
        /// A path or an intrinsic call (a `.$` field of a payload template).
        PathOrIntrinsic,
    }

    /// One path or intrinsic found in a definition.
    struct Found {
        key: String,
        text: String,
        expect: Expect,
    }

    const PAYLOAD_FIELDS: [&str; 7] =
        ["Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials", "Arguments", "Output"];

    /// Collects every string value of a `.$` key inside payload templates, and of the path
    /// fields of states and Choice rules. `Result` is a literal and is skipped (AWS leaves its
    /// `.$` keys alone).
    fn collect(value: &Value, in_payload: bool, found: &mut Vec<Found>) {
        match value {
            Value::Object(members) => {
                for (key, child) in members {
                    if in_payload {
                        if let (true, Some(text)) = (key.ends_with(".$"), child.as_str()) {
                            found.push(Found {
                                key: key.clone(),
                                text: text.to_string(),
                                expect: Expect::PathOrIntrinsic,
                            });
                        }
                        collect(child, true, found);
                        continue;
                    }
                    match key.as_str() {
                        "Result" | "Comment" => {}
                        key if PAYLOAD_FIELDS.contains(&key) => collect(child, true, found),
                        _ => {
                            let expect = match key.as_str() {
                                "InputPath" | "OutputPath" => Some(Expect::Path),
                                "ErrorPath" | "CausePath" => Some(Expect::ReferenceOrIntrinsic),
                                "Variable" => Some(Expect::ReferencePath),
                                key if key.ends_with("Path") => Some(Expect::ReferencePath),
                                _ => None,
                            };
                            if let (Some(expect), Some(text)) = (expect, child.as_str()) {
                                found.push(Found { key: key.clone(), text: text.to_string(), expect });
                            }
                            collect(child, false, found);
                        }
                    }
                }
            }
            Value::Array(elements) => elements.iter().for_each(|element| collect(element, in_payload, found)),
            _ => {}
        }
    }

    /// Parses a found value as its field requires: `Err` with the reason when it does not.
    fn parse_found(found: &Found) -> Result<(), String> {
        let intrinsic = || parse_intrinsic(&found.text).map(|_| ()).map_err(|error| error.to_string());
        let path = || parse_path(&found.text).map(|_| ()).map_err(|error| error.to_string());
        let reference = || parse_reference_path(&found.text).map(|_| ()).map_err(|error| error.to_string());
        match found.expect {
            Expect::Path => path(),
            Expect::ReferencePath => reference(),
            Expect::ReferenceOrIntrinsic if looks_like_intrinsic(&found.text) => intrinsic(),
            Expect::ReferenceOrIntrinsic => reference(),
            Expect::PathOrIntrinsic if looks_like_intrinsic(&found.text) => intrinsic(),
            Expect::PathOrIntrinsic => path(),
        }
    }

    fn definition_files(directory: &Path, accept: &dyn Fn(&Path) -> bool, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(directory) else { return };
        let mut entries: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() {
                definition_files(&entry, accept, files);
            } else if accept(&entry) {
                files.push(entry);
            }
        }
    }

    /// What a walk over definition files found.
    struct Walk {
        /// Values that parsed.
        parsed: usize,
        /// Of those, intrinsic calls.
        intrinsic_calls: usize,
        /// Values that did not, as "file: key = value: reason".
        failures: Vec<String>,
    }

    fn walk_definitions(files: &[PathBuf], root: &Path) -> Walk {
        let mut walk = Walk { parsed: 0, intrinsic_calls: 0, failures: Vec::new() };
        for file in files {
            let Ok(text) = std::fs::read_to_string(file) else { continue };
            let Ok(definition) = serde_json::from_str::<Value>(&text) else { continue };
            let mut found = Vec::new();
            collect(&definition, false, &mut found);
            for item in found {
                if item.text.contains("${") {
                    continue; // a deployment-time substitution, not a path yet
                }
                match parse_found(&item) {
                    Ok(()) => {
                        walk.parsed += 1;
                        walk.intrinsic_calls += usize::from(looks_like_intrinsic(&item.text));
                    }
                    Err(reason) => walk.failures.push(format!(
                        "{}: {} = {:?}: {reason}",
                        file.strip_prefix(root).unwrap_or(file).display(),
                        item.key,
                        item.text
                    )),
                }
            }
        }
        walk
    }

    fn shared(relative: &str) -> Option<PathBuf> {
        let directory = Path::new(SHARED).join(relative);
        if directory.is_dir() {
            Some(directory)
        } else {
            println!("skipped: ../shared not present ({})", directory.display());
            None
        }
    }

    #[test]
    fn conformance_definitions_parse() {
        let Some(root) = shared("conformance/aws-recorded") else { return };
        let mut files = Vec::new();
        let is_accepted_definition = |file: &Path| {
            file.file_name().is_some_and(|name| name == "definition.json")
                && !file.components().any(|part| part.as_os_str() == "create_error")
        };
        definition_files(&root, &is_accepted_definition, &mut files);
        assert!(!files.is_empty(), "no definitions under {}", root.display());
        let Walk { parsed, intrinsic_calls, failures } = walk_definitions(&files, &root);
        println!(
            "conformance: {} definitions, {parsed} values parsed ({intrinsic_calls} intrinsic calls), {} failed",
            files.len(),
            failures.len()
        );
        for failure in &failures {
            println!("  {failure}");
        }
        assert!(failures.is_empty(), "{} conformance values failed to parse", failures.len());
    }

    #[test]
    fn conformance_create_error_escape_is_refused() {
        let Some(root) = shared("conformance/aws-recorded/create_error") else { return };
        let case = root
            .join("test_base_scenarios__test_illegal_escapes_ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION___exception");
        let Ok(text) = std::fs::read_to_string(case.join("definition.json")) else {
            println!("skipped: the illegal-escapes case is not present");
            return;
        };
        let definition: Value = serde_json::from_str(&text).expect("definition is JSON");
        let value = definition["States"]["IntrinsicEscape"]["Parameters"]["parsed.$"].as_str().expect("parsed.$");
        assert!(looks_like_intrinsic(value));
        let error = parse_intrinsic(value).expect_err("AWS refuses this escape");
        assert_eq!(error.kind, IntrinsicErrorKind::IllegalEscape);
    }

    #[test]
    fn real_definitions_parse() {
        let Some(root) = shared("corpus/real-asl") else { return };
        let mut files = Vec::new();
        let is_definition = |file: &Path| {
            file.extension().is_some_and(|extension| extension == "json")
                && file.file_name().is_some_and(|name| name != "manifest.json")
        };
        definition_files(&root, &is_definition, &mut files);
        let Walk { parsed, intrinsic_calls, failures } = walk_definitions(&files, &root);
        println!(
            "real-asl: {} files, {parsed} values parsed ({intrinsic_calls} intrinsic calls), {} failed",
            files.len(),
            failures.len()
        );
        for failure in &failures {
            println!("  {failure}");
        }
        assert!(failures.is_empty(), "{} real-world values failed to parse", failures.len());
    }

    #[test]
    fn asl_validator_corpus() {
        let Some(root) = shared("corpus/validator/asl-validator") else { return };
        let mut valid = Vec::new();
        definition_files(
            &root,
            &|file: &Path| file.file_name().is_some_and(|name| name.to_string_lossy().starts_with("valid-")),
            &mut valid,
        );
        let Walk { parsed, failures, .. } = walk_definitions(&valid, &root);
        println!("asl-validator valid-*: {} files, {parsed} values parsed, {} refused", valid.len(), failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        // Jayway, and so AWS, has no script expressions; asl-validator accepts this one.
        let expected_refusals = [
            "valid-path-array-context.json: OutputPath = \"$[(@.length-1)].bar\": script expressions such as '[(@.length-1)]' are not supported (at character 1)",
        ];
        assert_eq!(failures, expected_refusals);

        let refused = |file: &str| -> Vec<String> { walk_definitions(&[root.join(file)], &root).failures };
        // Four bad ResultPaths.
        assert_eq!(refused("invalid-json-path.json").len(), 4);
        // MathAdd with a string.
        assert_eq!(
            refused("invalid-math-add.json"),
            [
                "invalid-math-add.json: foo.$ = \"States.MathAdd(1,'-1')\": argument 2 of States.MathAdd must be a number, not a string (at character 17)"
            ]
        );
        // An intrinsic call as a Choice Variable.
        assert_eq!(refused("invalid-choice-state-variable.json").len(), 1);
        // `lorem.$` is not a path.
        assert_eq!(
            refused("invalid-payload-template.asl.json"),
            ["invalid-payload-template.asl.json: lorem.$ = \"ipsum\": a path must start with '$' (at character 0)"]
        );
    }
}

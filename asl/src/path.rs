//! JSONPath as Step Functions accepts it: *Paths*, which may select several nodes, and
//! *Reference Paths*, which name exactly one, parsed into a syntax tree; and selection of nodes
//! from `serde_json` values with the semantics of Jayway JsonPath, the library AWS evaluates
//! JSONPath with.
//!
//! The syntax is Jayway's, with Step Functions' roots:
//!
//! - a root: `$` (the state's input), `$$` (the context object) or `$name` (a variable set by
//!   `Assign`);
//! - then any number of segments: `.name`, `['name']`, `[3]`, `[-1]`, `.*`, `[*]`, `[1:3]`,
//!   `[1:]`, `[:-1]`, `['a','b']`, `[0,1]`, `..name` (recursive descent) and filters such as
//!   `[?(@.price > 10 && @.tag == 'x')]`.
//!
//! Names in dot notation run to the next `.`, `[` or `(` and may hold any other character but
//! whitespace (`$.input-foo-bar`). A quoted name is taken as written: a backslash stops the next
//! character from closing the name but is kept, which is what AWS does (the recorded execution
//! of `$['Test\""Name"']` selects the key `Test\""Name"`).
//!
//! What is deliberately refused, because Jayway refuses it or AWS documents it as unsupported:
//! functions such as `length()`, script expressions `[(@.length-1)]`, the word operators of
//! Jayway filters (`in`, `nin`, `subsetof`, …) and JSON literals inside filters.
//!
//! Regular-expression filters (`[?(@.name =~ /^ab.*$/i)]`) run Java patterns on the `regex`
//! crate (`regex-lite` in the browser, see `crate::regex_engine`), translated where Java's
//! defaults differ (see `java_regex`); what the engine cannot run (backreferences,
//! look-around) is refused by [`JsonPath::try_select`].
//!
//! [`evaluate_path`], [`evaluate_path_text`] and [`evaluate_field_path`] read a path from what a
//! state can see ([`PathScope`]) and fail with AWS's `States.Runtime` causes.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;

use serde_json::Value;

use crate::eval::{EvalError, PathScope};
use crate::regex_engine::{self, Regex};

/// Where a path starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathRoot {
    /// `$`: the state's input (the effective input inside a payload template).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: the variable `name`, set by an `Assign` field.
    Variable(String),
}

/// A parsed path: a root and the segments applied to it in order.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    /// What the path starts from.
    pub root: PathRoot,
    /// The steps from the root, in order.
    pub segments: Vec<Segment>,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    /// `.name` or `['name']`: the member `name` of an object.
    Child(String),
    /// `[3]` or `[-1]`: an element of an array; negative indexes count from the end.
    Index(i64),
    /// `.*` or `[*]`: every member value of an object, or every element of an array.
    Wildcard,
    /// `[start:end]` or `[start:end:step]`. Jayway reads the step but ignores it, and so does
    /// [`JsonPath::select`].
    Slice {
        /// The first index, when written.
        start: Option<i64>,
        /// One past the last index, when written.
        end: Option<i64>,
        /// The step, when written.
        step: Option<i64>,
    },
    /// `['a','b']` or `[0,1]`: several names, or several indexes (never both: the parser makes
    /// one kind or the other). A union of names that ends the path merges the members found
    /// into one object, as Jayway does.
    Union(Vec<UnionMember>),
    /// `..` followed by a segment (`..name`, `..*`, `..[0]`, `..[?(…)]`): that segment applied
    /// at every depth.
    RecursiveDescent(Box<Segment>),
    /// `[?(…)]`: the elements of an array (or an object itself) for which the condition holds.
    Filter(FilterExpr),
}

/// One member of a [`Segment::Union`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnionMember {
    /// A quoted name.
    Name(String),
    /// An array index.
    Index(i64),
}

/// The condition of a filter `[?(…)]`.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterExpr {
    /// `a || b`.
    Or(Box<FilterExpr>, Box<FilterExpr>),
    /// `a && b` (binds more tightly than `||`).
    And(Box<FilterExpr>, Box<FilterExpr>),
    /// `!a`: `!@.isbn` is true when `isbn` is missing.
    Not(Box<FilterExpr>),
    /// A path on its own, `[?(@.isbn)]`: true when it selects something (a `null` counts).
    Exists(FilterPath),
    /// `left op right`.
    Compare {
        /// The left-hand side.
        left: FilterOperand,
        /// The comparison.
        operator: ComparisonOperator,
        /// The right-hand side.
        right: FilterOperand,
    },
    /// `operand =~ /pattern/flags`: a Java regular expression that must match the whole string.
    Matches {
        /// What is matched.
        operand: FilterOperand,
        /// The expression.
        pattern: RegexLiteral,
    },
}

/// A path inside a filter: `@…` (relative to the element being tested) or `$…` (the root).
#[derive(Clone, Debug, PartialEq)]
pub struct FilterPath {
    /// What the path starts from.
    pub origin: FilterOrigin,
    /// The steps from there.
    pub segments: Vec<Segment>,
}

/// The start of a [`FilterPath`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterOrigin {
    /// `@`: the element being tested.
    Current,
    /// `$`: the value the whole path is evaluated against.
    Root,
}

/// One side of a filter comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterOperand {
    /// `@.price`, `$.limit`: the node selected (or, for a path that may select several, an
    /// array of them).
    Path(FilterPath),
    /// `'text'`, `"text"`, `10`, `-1.5`, `true`, `false`, `null`.
    Literal(Value),
    /// An unquoted word, as in `[?(@.Type.Text == AMOUNT_PAID)]`: AWS accepts these, and
    /// definitions in the wild compare them as the string they spell, which is what
    /// [`JsonPath::select`] does.
    Word(String),
}

/// A comparison in a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComparisonOperator {
    /// `==`.
    Equal,
    /// `!=`.
    NotEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
}

/// A regular expression literal `/pattern/flags`, kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegexLiteral {
    /// The text between the slashes (escapes such as `\/` kept).
    pub pattern: String,
    /// The letters after the closing slash (`i` for case-insensitive).
    pub flags: String,
}

/// Why a text is not a path (or not a reference path), and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    /// What is wrong, in words.
    pub message: String,
    /// The offset, in characters, of the place the problem was found.
    pub offset: usize,
}

/// Why [`JsonPath::try_select`] cannot evaluate a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectError {
    /// What is not supported.
    pub message: String,
}

/// Why a definite path names nothing in a value, in Jayway's words (AWS quotes them in the
/// cause of a `States.Runtime` error: `Invalid path '$.a.b' : Missing property in path $['a']`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathNotFound {
    /// Jayway's message, such as `No results for path: $['x']`.
    pub message: String,
}

/// Parses a *Path*: anything Step Functions accepts in `InputPath`, `OutputPath` or a `.$`
/// field, including paths that select several nodes.
pub fn parse_path(text: &str) -> Result<JsonPath, PathError> {
    Parser::new(text).parse().map(|(path, _)| path)
}

/// Parses a *Reference Path*: a path that names a single node (`ResultPath`, Choice
/// `Variable`, the `…Path` fields). Only `.name`, `['name']` and `[index]` may follow the
/// root; anything that can select several nodes is refused with a message naming it.
pub fn parse_reference_path(text: &str) -> Result<JsonPath, PathError> {
    let (path, offsets) = Parser::new(text).parse()?;
    for (segment, offset) in path.segments.iter().zip(offsets) {
        let refused = match segment {
            Segment::Child(_) | Segment::Index(_) => continue,
            Segment::Wildcard => "wildcards ('*')",
            Segment::Slice { .. } => "slices ('[start:end]')",
            Segment::Union(_) => "unions of several names or indexes ('[a,b]')",
            Segment::RecursiveDescent(_) => "recursive descent ('..')",
            Segment::Filter(_) => "filters ('[?(…)]')",
        };
        return Err(PathError::new(offset, format!("a reference path cannot contain {refused}")));
    }
    Ok(path)
}

/// Resolves a path against what a state can read, as AWS does for `InputPath`, `OutputPath`,
/// `ItemsPath`, `…SecondsPath` and the other path fields: the root is chosen by
/// [`PathRoot`] (`$` → `scope.input`, `$$` → `scope.context`, `$name` → the variable), a
/// definite path yields the node it names, and any other path (wildcard, filter, slice, `..`,
/// union of indexes) yields an array of what it selects, possibly empty (Jayway's rule: a
/// filter always yields an array).
///
/// When a definite path names nothing, the error is `States.Runtime` with the cause AWS
/// words after its state prefix, the path quoted as [`JsonPath`]'s `Display` writes it and
/// Jayway's reason: `Invalid path '$.foo' : No results for path: $['foo']` (recorded for
/// `OutputPath` and `HeartbeatSecondsPath`) or `Invalid path '$.a.b' : Missing property in
/// path $['a']` (recorded). AWS's full cause starts with `An error occurred while executing
/// the state 'X' (entered at the event id #2). `: the caller, which knows the state, adds
/// it. Use [`evaluate_path_text`] to quote the path exactly as written, and
/// [`evaluate_field_path`] for a `.$` field of a payload template, whose cause AWS words
/// differently.
///
/// An undefined variable fails with `States.Runtime` and the cause `Invalid path '$x.y' :
/// The variable '$x' is not defined` (AWS's wording was not recorded).
pub fn evaluate_path(path: &JsonPath, scope: &PathScope<'_>) -> Result<Value, EvalError> {
    evaluate_invalid_path_style(path, &path.to_string(), scope)
}

/// [`evaluate_path`] for a path given as text (parsed here), quoting the text exactly as
/// written in the cause. A text that is not a path fails with `States.Runtime`.
pub fn evaluate_path_text(text: &str, scope: &PathScope<'_>) -> Result<Value, EvalError> {
    let path = crate::eval::memo::path(text)
        .map_err(|error| EvalError::runtime(format!("Invalid path '{text}' : {}", error.message)))?;
    evaluate_invalid_path_style(&path, text, scope)
}

/// Resolves the path of a payload-template field (`"value.$": "$.x"` in `Parameters`,
/// `ItemSelector`, `ResultSelector`, `Assign`, …) as [`evaluate_path`] does, with AWS's
/// cause for a path that names nothing (recorded): `The JSONPath '$.x' specified for the
/// field 'value.$' could not be found in the input '{"a":1}'`. `text` is the path as written
/// and `field` the key, `.$` included. The input quoted is the value the path was read from
/// (the state's input for `$`, the context object for `$$`, the variable for `$name`), as
/// compact JSON. The caller adds the state prefix, as for [`evaluate_path`].
pub fn evaluate_field_path(
    path: &JsonPath,
    text: &str,
    field: &str,
    scope: &PathScope<'_>,
) -> Result<Value, EvalError> {
    evaluate_in_field(path, text, Some(field), scope)
}

impl JsonPath {
    /// Whether the path names at most one node, as Jayway decides it: only names and single
    /// indexes, or a union of names at the very end (Jayway merges those into one object). A
    /// definite path that finds nothing is a runtime error on AWS; any other path yields an
    /// array of what it finds, possibly empty.
    pub fn is_definite(&self) -> bool {
        segments_are_definite(&self.segments)
    }

    /// The nodes the path selects from `root`, in Jayway's order, with Jayway's semantics.
    ///
    /// `root` is the value the path's root names: the input for `$`, the context object for
    /// `$$`, the variable's value for `$name` (a `$` inside a filter refers to it too). For a
    /// definite path the result has at most one element. Object members are visited in the
    /// order `serde_json::Map` keeps them (document order: `preserve_order` is on), as Jayway
    /// does.
    ///
    /// A regular-expression filter (`=~`) whose Java pattern cannot be run by the `regex`
    /// crate (backreferences, look-around) selects nothing here; [`JsonPath::try_select`]
    /// says so instead.
    pub fn select(&self, root: &Value) -> Vec<Value> {
        self.try_select(root).unwrap_or_default()
    }

    /// Like [`JsonPath::select`], but refuses paths it cannot evaluate faithfully (a `=~`
    /// pattern the `regex` crate cannot run) instead of selecting nothing.
    pub fn try_select(&self, root: &Value) -> Result<Vec<Value>, SelectError> {
        let mut regexes = Regexes::default();
        for segment in &self.segments {
            regexes.compile_segment(segment)?;
        }
        let mut found = Vec::new();
        Selector { root, regexes: &regexes }.walk(&self.segments, root, &mut found);
        Ok(found)
    }

    /// Reads a definite path: the node it names in `root`, or Jayway's reason it names nothing.
    /// The two reasons AWS has been recorded quoting are reproduced exactly (`No results for
    /// path: $['x']` and `Missing property in path $['a']`); the messages for a name applied to
    /// a non-object or an index to a non-array follow Jayway's shape but name JSON types where
    /// Jayway names Java classes. A path that is not definite is refused with a message.
    pub fn find(&self, root: &Value) -> Result<Value, PathNotFound> {
        if !self.is_definite() {
            return Err(PathNotFound { message: "the path is not definite".to_string() });
        }
        let not_found = |message: String| Err(PathNotFound { message });
        let mut node = root;
        // The path walked so far, for the messages: only rendered when one is needed.
        let walked = |position: usize| self.rendered(position);
        for (position, segment) in self.segments.iter().enumerate() {
            let is_last = position + 1 == self.segments.len();
            match segment {
                Segment::Child(name) => {
                    let Value::Object(members) = node else {
                        return not_found(format!(
                            "Expected to find an object with property ['{name}'] in path {} but found '{}'",
                            walked(position),
                            json_type_name(node)
                        ));
                    };
                    match members.get(name) {
                        Some(child) => node = child,
                        None if is_last => return not_found(self.no_results()),
                        None => return not_found(format!("Missing property in path {}['{name}']", walked(position))),
                    }
                }
                Segment::Index(index) => match node {
                    Value::Array(elements) => match array_element(elements, *index) {
                        Some(element) => node = element,
                        None => return not_found(self.no_results()),
                    },
                    Value::Null => return not_found(format!("The path {} is null", walked(position))),
                    other => {
                        return not_found(format!(
                            "Filter: [{index}] can only be applied to arrays. Current context is: {other}"
                        ));
                    }
                },
                Segment::Union(members) => {
                    let Value::Object(object) = node else {
                        let mut fragment = String::new();
                        write_jayway_segment(segment, &mut fragment);
                        return not_found(format!(
                            "Expected to find an object with property {fragment} in path {} but found '{}'",
                            walked(position),
                            json_type_name(node)
                        ));
                    };
                    return Ok(merge_members(object, members));
                }
                _ => return not_found(self.no_results()),
            }
        }
        Ok(node.clone())
    }

    fn no_results(&self) -> String {
        format!("No results for path: {}", self.rendered(self.segments.len()))
    }

    /// The first `count` segments in Jayway's notation (`$['a'][0]`), as its messages show them.
    fn rendered(&self, count: usize) -> String {
        let mut rendered = String::from("$");
        for segment in &self.segments[..count] {
            write_jayway_segment(segment, &mut rendered);
        }
        rendered
    }
}

impl fmt::Display for JsonPath {
    /// The path in the notation people write: `$.a.b[0]`, `$['a b'][*]`, `$..name`,
    /// `$.items[?(@.price > 10)]`. Parsing the text gives the same path back.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = match &self.root {
            PathRoot::Input => String::from("$"),
            PathRoot::Context => String::from("$$"),
            PathRoot::Variable(name) => format!("${name}"),
        };
        for segment in &self.segments {
            write_segment(segment, &mut out);
        }
        formatter.write_str(&out)
    }
}

impl PathError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self { message: message.into(), offset }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} (at character {})", self.message, self.offset)
    }
}

impl std::error::Error for PathError {}

impl fmt::Display for SelectError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for SelectError {}

impl fmt::Display for PathNotFound {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for PathNotFound {}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// How deeply filters and parentheses may nest before the parser gives up (a guard against
/// exhausting the stack on hostile input; real paths nest once or twice).
const MAX_NESTING: usize = 32;

/// Whether the segments being read are a whole path or a path inside a filter, which ends at
/// whitespace, an operator or a closing parenthesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Top,
    Filter,
}

struct Parser {
    chars: Vec<char>,
    position: usize,
    nesting: usize,
}

impl Parser {
    fn new(text: &str) -> Self {
        // Jayway trims the path; a leading space still fails the "starts with '$'" test.
        Self { chars: text.trim_end().chars().collect(), position: 0, nesting: 0 }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.position + ahead).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn error<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, PathError> {
        Err(PathError::new(offset, message))
    }

    /// The path and the offset of each of its segments.
    fn parse(mut self) -> Result<(JsonPath, Vec<usize>), PathError> {
        if self.peek() != Some('$') {
            return self.error(0, "a path must start with '$'");
        }
        self.position = 1;
        let root = if self.peek() == Some('$') {
            self.position += 1;
            PathRoot::Context
        } else if self.peek().is_some_and(is_identifier_start) {
            let start = self.position;
            while self.peek().is_some_and(is_identifier_continue) {
                self.position += 1;
            }
            PathRoot::Variable(self.chars[start..self.position].iter().collect())
        } else {
            PathRoot::Input
        };
        let mut segments = Vec::new();
        let mut offsets = Vec::new();
        self.segments(Mode::Top, &mut segments, &mut offsets)?;
        Ok((JsonPath { root, segments }, offsets))
    }

    fn segments(&mut self, mode: Mode, segments: &mut Vec<Segment>, offsets: &mut Vec<usize>) -> Result<(), PathError> {
        loop {
            let start = self.position;
            let segment = match self.peek() {
                None => return Ok(()),
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.position += 2;
                    if self.at_path_end(mode) {
                        return self.error(start, "a path must not end with '..'");
                    }
                    if self.peek() == Some('.') {
                        return self.error(self.position, "unexpected '.' after '..'");
                    }
                    Segment::RecursiveDescent(Box::new(self.after_dot(mode)?))
                }
                Some('.') => {
                    self.position += 1;
                    if self.at_path_end(mode) {
                        return self.error(start, "a path must not end with '.'");
                    }
                    self.after_dot(mode)?
                }
                Some('[') => self.bracket()?,
                Some(character) if mode == Mode::Filter && ends_filter_path(character) => return Ok(()),
                Some(character) => {
                    return self.error(start, format!("unexpected character '{character}': expected '.' or '['"));
                }
            };
            segments.push(segment);
            offsets.push(start);
        }
    }

    fn at_path_end(&self, mode: Mode) -> bool {
        match self.peek() {
            None => true,
            Some(character) => mode == Mode::Filter && ends_filter_path(character),
        }
    }

    /// What follows a `.` or `..`: `*`, a bracket, or a name.
    fn after_dot(&mut self, mode: Mode) -> Result<Segment, PathError> {
        match self.peek() {
            Some('*') => {
                self.position += 1;
                Ok(Segment::Wildcard)
            }
            Some('[') => self.bracket(),
            _ => self.dot_name(mode).map(Segment::Child),
        }
    }

    fn dot_name(&mut self, mode: Mode) -> Result<String, PathError> {
        let start = self.position;
        while let Some(character) = self.peek() {
            if character == '.' || character == '[' {
                break;
            }
            if character == '(' {
                return self.error(start, "functions such as 'length()' are not supported");
            }
            if character.is_whitespace() {
                if mode == Mode::Top {
                    return self.error(
                        self.position,
                        "a name containing whitespace needs bracket notation, as in ['my name']",
                    );
                }
                break;
            }
            if mode == Mode::Filter && ends_filter_path(character) {
                break;
            }
            self.position += 1;
        }
        if self.position == start {
            return self.error(start, "expected a name after '.'");
        }
        Ok(self.chars[start..self.position].iter().collect())
    }

    fn bracket(&mut self) -> Result<Segment, PathError> {
        let open = self.position;
        self.position += 1;
        self.skip_whitespace();
        match self.peek() {
            None => self.error(open, "missing ']'"),
            Some('\'' | '"') => self.quoted_names(open),
            Some('*') => {
                self.position += 1;
                self.skip_whitespace();
                if self.peek() != Some(']') {
                    return self.error(self.position, "expected ']' after '*'");
                }
                self.position += 1;
                Ok(Segment::Wildcard)
            }
            Some('?') => self.filter(),
            Some(character) if character.is_ascii_digit() || character == '-' || character == ':' => {
                self.indexes_or_slice(open)
            }
            Some(']') => self.error(open, "empty brackets '[]'"),
            Some('(') => self.error(open, "script expressions such as '[(@.length-1)]' are not supported"),
            Some(_) => {
                self.error(self.position, "expected a quoted name, an index, a slice, '*' or a filter '?(…)' after '['")
            }
        }
    }

    fn quoted_names(&mut self, open: usize) -> Result<Segment, PathError> {
        let mut names = Vec::new();
        loop {
            self.skip_whitespace();
            let opening = self.position;
            let quote = match self.peek() {
                Some(quote @ ('\'' | '"')) => quote,
                _ => return self.error(opening, "expected a quoted name"),
            };
            self.position += 1;
            let mut name = String::new();
            loop {
                match self.peek() {
                    None => return self.error(opening, "missing closing quote"),
                    Some('\\') => {
                        // Kept as written: the backslash only stops the next character from
                        // closing the name.
                        name.push('\\');
                        self.position += 1;
                        if let Some(escaped) = self.peek() {
                            name.push(escaped);
                            self.position += 1;
                        }
                    }
                    Some(character) if character == quote => {
                        self.position += 1;
                        break;
                    }
                    Some(character) => {
                        name.push(character);
                        self.position += 1;
                    }
                }
            }
            names.push(name);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.position += 1,
                Some(']') => {
                    self.position += 1;
                    break;
                }
                None => return self.error(open, "missing ']'"),
                _ => return self.error(self.position, "expected ',' or ']' after a quoted name"),
            }
        }
        Ok(if names.len() == 1 {
            Segment::Child(names.remove(0))
        } else {
            Segment::Union(names.into_iter().map(UnionMember::Name).collect())
        })
    }

    fn indexes_or_slice(&mut self, open: usize) -> Result<Segment, PathError> {
        let content_start = self.position;
        let Some(close) = (content_start..self.chars.len()).find(|&at| self.chars[at] == ']') else {
            return self.error(open, "missing ']'");
        };
        let content: String = self.chars[content_start..close].iter().collect();
        let content = content.trim();
        if let Some(bad) = content.chars().find(|c| !(c.is_ascii_digit() || matches!(c, ',' | '-' | ':' | ' '))) {
            return self.error(content_start, format!("unexpected character '{bad}' in an index or slice"));
        }
        self.position = close + 1;
        if content.contains(':') {
            let parts: Vec<&str> = content.split(':').collect();
            if parts.len() > 3 {
                return self.error(content_start, format!("invalid slice '[{content}]': at most start:end:step"));
            }
            let mut bounds = [None; 3];
            for (bound, part) in bounds.iter_mut().zip(&parts) {
                if !part.is_empty() {
                    match part.parse::<i64>() {
                        Ok(value) => *bound = Some(value),
                        Err(_) => return self.error(content_start, format!("invalid slice '[{content}]'")),
                    }
                }
            }
            let [start, end, step] = bounds;
            if start.is_none() && end.is_none() {
                return self.error(content_start, "a slice needs a start or an end, as in [1:] or [:2]");
            }
            return Ok(Segment::Slice { start, end, step });
        }
        let mut indexes = Vec::new();
        for part in content.split(',') {
            match part.trim().parse::<i64>() {
                Ok(index) => indexes.push(index),
                Err(_) => return self.error(content_start, format!("invalid index '{}'", part.trim())),
            }
        }
        Ok(if indexes.len() == 1 {
            Segment::Index(indexes[0])
        } else {
            Segment::Union(indexes.into_iter().map(UnionMember::Index).collect())
        })
    }

    fn enter(&mut self) -> Result<(), PathError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return self.error(self.position, "filters nest too deeply");
        }
        Ok(())
    }

    /// `[?( … )]`, with the position on the `?`.
    fn filter(&mut self) -> Result<Segment, PathError> {
        self.position += 1;
        self.skip_whitespace();
        if self.peek() != Some('(') {
            return self.error(self.position, "expected '(' after '[?'");
        }
        self.enter()?;
        self.position += 1;
        let condition = self.or_expression()?;
        self.skip_whitespace();
        if self.peek() != Some(')') {
            return self.error(self.position, "expected ')' to close the filter");
        }
        self.position += 1;
        self.nesting -= 1;
        self.skip_whitespace();
        if self.peek() != Some(']') {
            return self.error(self.position, "expected ']' after the filter");
        }
        self.position += 1;
        Ok(Segment::Filter(condition))
    }

    fn or_expression(&mut self) -> Result<FilterExpr, PathError> {
        let mut left = self.and_expression()?;
        loop {
            self.skip_whitespace();
            if self.peek() == Some('|') && self.peek_at(1) == Some('|') {
                self.position += 2;
                let right = self.and_expression()?;
                left = FilterExpr::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn and_expression(&mut self) -> Result<FilterExpr, PathError> {
        let mut left = self.unary_expression()?;
        loop {
            self.skip_whitespace();
            if self.peek() == Some('&') && self.peek_at(1) == Some('&') {
                self.position += 2;
                let right = self.unary_expression()?;
                left = FilterExpr::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn unary_expression(&mut self) -> Result<FilterExpr, PathError> {
        self.skip_whitespace();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.position += 1;
            self.enter()?;
            let negated = self.unary_expression()?;
            self.nesting -= 1;
            return Ok(FilterExpr::Not(Box::new(negated)));
        }
        if self.peek() == Some('(') {
            self.enter()?;
            self.position += 1;
            let inner = self.or_expression()?;
            self.skip_whitespace();
            if self.peek() != Some(')') {
                return self.error(self.position, "expected ')'");
            }
            self.position += 1;
            self.nesting -= 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<FilterExpr, PathError> {
        let left_at = self.position;
        let left = self.operand()?;
        let Some(operator) = self.operator()? else {
            return match left {
                FilterOperand::Path(path) => Ok(FilterExpr::Exists(path)),
                _ => self.error(left_at, "a value on its own is not a condition: compare it with '==', '<', …"),
            };
        };
        match operator {
            Operator::Compare(operator) => {
                let right = self.operand()?;
                Ok(FilterExpr::Compare { left, operator, right })
            }
            Operator::Regex => {
                let pattern = self.regex_literal()?;
                Ok(FilterExpr::Matches { operand: left, pattern })
            }
        }
    }

    fn operator(&mut self) -> Result<Option<Operator>, PathError> {
        self.skip_whitespace();
        let at = self.position;
        let Some(first) = self.peek() else { return Ok(None) };
        let second = self.peek_at(1);
        let (operator, length) = match (first, second) {
            ('=', Some('=')) | ('!', Some('=')) if self.peek_at(2) == Some('=') => {
                return self.error(at, "the operators '===' and '!==' are not supported");
            }
            ('=', Some('=')) => (Operator::Compare(ComparisonOperator::Equal), 2),
            ('!', Some('=')) => (Operator::Compare(ComparisonOperator::NotEqual), 2),
            ('<', Some('=')) => (Operator::Compare(ComparisonOperator::LessOrEqual), 2),
            ('>', Some('=')) => (Operator::Compare(ComparisonOperator::GreaterOrEqual), 2),
            ('=', Some('~')) => (Operator::Regex, 2),
            ('<', _) => (Operator::Compare(ComparisonOperator::Less), 1),
            ('>', _) => (Operator::Compare(ComparisonOperator::Greater), 1),
            ('=', _) => return self.error(at, "use '==' to compare"),
            (character, _) if character.is_alphabetic() => {
                let word: String = self.chars[at..].iter().take_while(|c| c.is_alphanumeric()).collect();
                return self.error(at, format!("the filter operator '{word}' is not supported"));
            }
            _ => return Ok(None),
        };
        self.position += length;
        Ok(Some(operator))
    }

    fn operand(&mut self) -> Result<FilterOperand, PathError> {
        self.skip_whitespace();
        let at = self.position;
        match self.peek() {
            Some('@') => {
                self.position += 1;
                self.filter_path(FilterOrigin::Current)
            }
            Some('$') => {
                self.position += 1;
                match self.peek() {
                    Some('$') => self.error(at, "the context object '$$' cannot be used inside a filter"),
                    Some(character) if is_identifier_start(character) => {
                        self.error(at, "variables cannot be used inside a filter")
                    }
                    _ => self.filter_path(FilterOrigin::Root),
                }
            }
            Some(quote @ ('\'' | '"')) => {
                self.string_literal(quote).map(|text| FilterOperand::Literal(Value::String(text)))
            }
            Some(character) if character == '-' || character.is_ascii_digit() => self.number_literal(),
            Some('{' | '[') => self.error(at, "JSON literals are not supported inside a filter"),
            Some('/') => self.error(at, "a regular expression must follow '=~'"),
            Some(character) if is_identifier_start(character) => {
                while self.peek().is_some_and(|c| !ends_word(c)) {
                    self.position += 1;
                }
                let word: String = self.chars[at..self.position].iter().collect();
                Ok(match word.as_str() {
                    "true" => FilterOperand::Literal(Value::Bool(true)),
                    "false" => FilterOperand::Literal(Value::Bool(false)),
                    "null" => FilterOperand::Literal(Value::Null),
                    _ => FilterOperand::Word(word),
                })
            }
            _ => self.error(at, "expected a value: '@…', '$…', a string, a number, true, false or null"),
        }
    }

    fn filter_path(&mut self, origin: FilterOrigin) -> Result<FilterOperand, PathError> {
        let mut segments = Vec::new();
        let mut offsets = Vec::new();
        self.segments(Mode::Filter, &mut segments, &mut offsets)?;
        Ok(FilterOperand::Path(FilterPath { origin, segments }))
    }

    fn string_literal(&mut self, quote: char) -> Result<String, PathError> {
        let opening = self.position;
        self.position += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return self.error(opening, "missing closing quote"),
                Some('\\') => {
                    self.position += 1;
                    match self.peek() {
                        None => return self.error(opening, "missing closing quote"),
                        Some(escaped @ ('\'' | '"' | '\\' | '/')) => text.push(escaped),
                        Some(other) => {
                            text.push('\\');
                            text.push(other);
                        }
                    }
                    self.position += 1;
                }
                Some(character) if character == quote => {
                    self.position += 1;
                    return Ok(text);
                }
                Some(character) => {
                    text.push(character);
                    self.position += 1;
                }
            }
        }
    }

    fn number_literal(&mut self) -> Result<FilterOperand, PathError> {
        let start = self.position;
        if self.peek() == Some('-') {
            self.position += 1;
        }
        let mut digits = 0;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
            digits += 1;
        }
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.position += 1;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let mark = self.position;
            self.position += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.position += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.position = mark;
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.position += 1;
            }
        }
        let text: String = self.chars[start..self.position].iter().collect();
        if digits == 0 || self.peek().is_some_and(|c| !ends_word(c)) {
            return self.error(start, "invalid number");
        }
        match number_from_text(&text) {
            Some(number) => Ok(FilterOperand::Literal(Value::Number(number))),
            None => self.error(start, "invalid number"),
        }
    }

    fn regex_literal(&mut self) -> Result<RegexLiteral, PathError> {
        self.skip_whitespace();
        let opening = self.position;
        if self.peek() != Some('/') {
            return self.error(opening, "expected a regular expression '/…/' after '=~'");
        }
        self.position += 1;
        let mut pattern = String::new();
        loop {
            match self.peek() {
                None => return self.error(opening, "missing closing '/'"),
                Some('\\') => {
                    pattern.push('\\');
                    self.position += 1;
                    if let Some(escaped) = self.peek() {
                        pattern.push(escaped);
                        self.position += 1;
                    }
                }
                Some('/') => {
                    self.position += 1;
                    break;
                }
                Some(character) => {
                    pattern.push(character);
                    self.position += 1;
                }
            }
        }
        let flags_start = self.position;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.position += 1;
        }
        let flags: String = self.chars[flags_start..self.position].iter().collect();
        if let Some(flag) = flags.chars().find(|flag| !"dimsuxU".contains(*flag)) {
            return self.error(flags_start, format!("unknown regular-expression flag '{flag}'"));
        }
        Ok(RegexLiteral { pattern, flags })
    }
}

enum Operator {
    Compare(ComparisonOperator),
    Regex,
}

fn is_identifier_start(character: char) -> bool {
    character.is_alphabetic() || character == '_'
}

fn is_identifier_continue(character: char) -> bool {
    character.is_alphanumeric() || character == '_'
}

/// Whether a character ends a path (or a dot-notation name) inside a filter.
fn ends_filter_path(character: char) -> bool {
    character.is_whitespace() || matches!(character, ')' | ']' | '=' | '!' | '<' | '>' | '~' | '&' | '|' | ',')
}

/// Whether a character ends a bare word or a number inside a filter.
fn ends_word(character: char) -> bool {
    ends_filter_path(character) || matches!(character, '(' | '[' | '\'' | '"' | '/')
}

/// A JSON number from its text: integers exactly when they fit, otherwise the nearest `f64`.
pub(crate) fn number_from_text(text: &str) -> Option<serde_json::Number> {
    if let Ok(integer) = text.parse::<i64>() {
        return Some(integer.into());
    }
    if let Ok(integer) = text.parse::<u64>() {
        return Some(integer.into());
    }
    text.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

fn segments_are_definite(segments: &[Segment]) -> bool {
    segments.iter().enumerate().all(|(position, segment)| match segment {
        Segment::Child(_) | Segment::Index(_) => true,
        Segment::Union(members) => {
            let all_names = members.iter().all(|member| matches!(member, UnionMember::Name(_)));
            members.len() == 1 || (all_names && position + 1 == segments.len())
        }
        _ => false,
    })
}

/// The compiled regular expressions of a path, by the address of their literal in the tree.
#[derive(Default)]
struct Regexes {
    compiled: HashMap<usize, Regex>,
}

impl Regexes {
    fn key(literal: &RegexLiteral) -> usize {
        std::ptr::from_ref(literal) as usize
    }

    fn get(&self, literal: &RegexLiteral) -> Option<&Regex> {
        self.compiled.get(&Self::key(literal))
    }

    fn compile_segment(&mut self, segment: &Segment) -> Result<(), SelectError> {
        match segment {
            Segment::RecursiveDescent(inner) => self.compile_segment(inner),
            Segment::Filter(condition) => self.compile_condition(condition),
            _ => Ok(()),
        }
    }

    fn compile_path(&mut self, path: &FilterPath) -> Result<(), SelectError> {
        path.segments.iter().try_for_each(|segment| self.compile_segment(segment))
    }

    fn compile_operand(&mut self, operand: &FilterOperand) -> Result<(), SelectError> {
        match operand {
            FilterOperand::Path(path) => self.compile_path(path),
            FilterOperand::Literal(_) | FilterOperand::Word(_) => Ok(()),
        }
    }

    fn compile_condition(&mut self, condition: &FilterExpr) -> Result<(), SelectError> {
        match condition {
            FilterExpr::Or(left, right) | FilterExpr::And(left, right) => {
                self.compile_condition(left)?;
                self.compile_condition(right)
            }
            FilterExpr::Not(inner) => self.compile_condition(inner),
            FilterExpr::Exists(path) => self.compile_path(path),
            FilterExpr::Compare { left, right, .. } => {
                self.compile_operand(left)?;
                self.compile_operand(right)
            }
            FilterExpr::Matches { operand, pattern } => {
                self.compile_operand(operand)?;
                let compiled = java_regex(&pattern.pattern, &pattern.flags).map_err(|reason| SelectError {
                    message: format!(
                        "the regular expression /{}/{} cannot be evaluated: {reason}",
                        pattern.pattern, pattern.flags
                    ),
                })?;
                self.compiled.insert(Self::key(pattern), compiled);
                Ok(())
            }
        }
    }
}

/// Compiles a Java regular expression written as `/pattern/flags` in a Jayway filter into an
/// equivalent [`Regex`] that must match the whole string (Jayway calls `matches()`).
///
/// Java's defaults are kept where the two engines differ: `\d`, `\w`, `\s`, `\b` and the
/// POSIX classes (`\p{Alpha}`, …) are ASCII-only unless the `U` flag asks for Unicode; `\Q…\E`
/// quotes; `\h`, `\R`, `\e`, `\cX`, octal `\0nn` and `\uhhhh` are translated; `\/` is a
/// slash. Flags: `i`, `m`, `s`, `x` as in Java, `U` as above; `d` (Unix lines) and `u`
/// (Unicode case folding) are accepted and ignored (`regex` always folds case over Unicode;
/// `regex-lite`, in the browser, over ASCII only). What the engine cannot run is refused with a reason: backreferences, look-around,
/// atomic groups, `\G`. Possessive quantifiers (`a*+`) are run as greedy ones, which only
/// differs when backtracking into them would have found a match.
pub(crate) fn java_regex(pattern: &str, flags: &str) -> Result<Regex, String> {
    let unicode_classes = flags.contains('U');
    let inline: String = ['i', 'm', 's', 'x'].into_iter().filter(|flag| flags.contains(*flag)).collect();
    let mut translated = if inline.is_empty() { String::new() } else { format!("(?{inline})") };
    translated.push_str("\\A(?:");
    translate_java_pattern(pattern, unicode_classes, &mut translated)?;
    translated.push_str(")\\z");
    regex_engine::compile(&translated, 1 << 22, 64)
}

const ASCII_SPACE: &str = "\\x20\\t\\n\\x0B\\x0C\\r";

fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => "\\x00-\\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => "!-/:-@\\[-`{-~",
        "Graph" => "!-~",
        "Print" => "\\x20-~",
        "Blank" => "\\x20\\t",
        "Cntrl" => "\\x00-\\x1F\\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => ASCII_SPACE,
        _ => return None,
    })
}

fn translate_java_pattern(pattern: &str, unicode_classes: bool, out: &mut String) -> Result<(), String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let mut class_depth = 0usize;
    // Whether the last thing written is a quantifier (so a `+` or `?` after it modifies it).
    let mut quantified = false;
    // A class body (between `[` and `]`) takes ranges without brackets; outside, a class.
    let class = |body: &str, negated: bool, inside: bool| -> String {
        match (inside, negated) {
            (true, false) => body.to_string(),
            (_, true) => format!("[^{body}]"),
            (false, false) => format!("[{body}]"),
        }
    };
    while at < chars.len() {
        let character = chars[at];
        let inside = class_depth > 0;
        match character {
            '\\' => {
                let Some(&next) = chars.get(at + 1) else {
                    return Err("a trailing backslash".to_string());
                };
                at += 2;
                match next {
                    'Q' => {
                        let mut literal = String::new();
                        while at < chars.len() && !(chars[at] == '\\' && chars.get(at + 1) == Some(&'E')) {
                            literal.push(chars[at]);
                            at += 1;
                        }
                        at = (at + 2).min(chars.len().max(at));
                        out.push_str(&regex_engine::escape(&literal));
                    }
                    'E' => {}
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' if !unicode_classes => {
                        let body = match next.to_ascii_lowercase() {
                            'd' => "0-9",
                            'w' => "a-zA-Z0-9_",
                            _ => ASCII_SPACE,
                        };
                        out.push_str(&class(body, next.is_ascii_uppercase(), inside));
                    }
                    'b' | 'B' if !unicode_classes && !inside => {
                        out.push_str(regex_engine::ascii_word_boundary(next == 'B'));
                    }
                    'h' | 'H' => out.push_str(&class(
                        "\\x20\\t\\xA0\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}",
                        next == 'H',
                        inside,
                    )),
                    'v' | 'V' => out.push_str(&class("\\n\\x0B\\x0C\\r\\x{85}\\x{2028}\\x{2029}", next == 'V', inside)),
                    'R' if !inside => out.push_str("(?:\\r\\n|[\\n\\x0B\\x0C\\r\\x{85}\\x{2028}\\x{2029}])"),
                    'e' => out.push_str("\\x1B"),
                    'a' => out.push_str("\\x07"),
                    'Z' if !inside => out.push_str("(?:\\n?\\z)"),
                    'c' => {
                        let Some(&control) = chars.get(at) else {
                            return Err("'\\c' without a letter".to_string());
                        };
                        at += 1;
                        out.push_str(&format!("\\x{{{:X}}}", (control as u32) ^ 64));
                    }
                    '0' => {
                        let mut value = 0u32;
                        let mut digits = 0;
                        while digits < 3 && at < chars.len() && ('0'..='7').contains(&chars[at]) {
                            let candidate = value * 8 + chars[at].to_digit(8).unwrap_or(0);
                            if candidate > 0o377 {
                                break;
                            }
                            value = candidate;
                            at += 1;
                            digits += 1;
                        }
                        if digits == 0 {
                            return Err("an octal escape '\\0' needs digits".to_string());
                        }
                        out.push_str(&format!("\\x{{{value:X}}}"));
                    }
                    'u' => {
                        let hex: String = chars.iter().skip(at).take(4).collect();
                        if hex.len() != 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                            return Err("'\\u' needs four hexadecimal digits".to_string());
                        }
                        at += 4;
                        out.push_str(&format!("\\x{{{hex}}}"));
                    }
                    'p' | 'P' if chars.get(at) == Some(&'{') => {
                        let Some(close) = chars[at..].iter().position(|c| *c == '}') else {
                            return Err("'\\p{' without '}'".to_string());
                        };
                        let name: String = chars[at + 1..at + close].iter().collect();
                        at += close + 1;
                        match posix_class(&name).filter(|_| !unicode_classes) {
                            Some(body) => out.push_str(&class(body, next == 'P', inside)),
                            None => {
                                let name = name.strip_prefix("Is").or_else(|| name.strip_prefix("In")).unwrap_or(&name);
                                out.push_str(&format!("\\{next}{{{name}}}"));
                            }
                        }
                    }
                    '1'..='9' | 'k' => return Err("backreferences are not supported".to_string()),
                    'G' => return Err("'\\G' is not supported".to_string()),
                    other if other.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(other);
                    }
                    other => out.push_str(&regex_engine::escape(&other.to_string())),
                }
                quantified = false;
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                at += 1;
                if chars.get(at) == Some(&'^') {
                    out.push('^');
                    at += 1;
                }
                // A `]` first in a class is a literal in Java.
                if chars.get(at) == Some(&']') {
                    out.push_str("\\]");
                    at += 1;
                }
                quantified = false;
                continue;
            }
            ']' if inside => {
                class_depth -= 1;
                out.push(']');
            }
            '(' if !inside && chars.get(at + 1) == Some(&'?') => {
                let rest: String = chars[at + 2..chars.len().min(at + 4)].iter().collect();
                if rest.starts_with('=') || rest.starts_with('!') || rest.starts_with("<=") || rest.starts_with("<!") {
                    return Err("look-around is not supported".to_string());
                }
                if rest.starts_with('>') {
                    return Err("atomic groups are not supported".to_string());
                }
                out.push('(');
            }
            '*' | '+' | '?' if !inside => {
                if quantified && character != '*' {
                    // `?` after a quantifier makes it lazy (as in Rust); `+` makes it
                    // possessive, which runs as the greedy one.
                    if character == '?' {
                        out.push('?');
                    }
                    quantified = false;
                } else {
                    out.push(character);
                    quantified = true;
                }
                at += 1;
                continue;
            }
            '{' if !inside => {
                let close = chars[at..].iter().position(|c| *c == '}').map(|offset| at + offset);
                match close {
                    Some(close) => {
                        out.extend(&chars[at..=close]);
                        at = close + 1;
                        quantified = true;
                        continue;
                    }
                    None => out.push('{'),
                }
            }
            other => out.push(other),
        }
        quantified = false;
        at += 1;
    }
    Ok(())
}

/// What Jayway matches a regular expression against: strings as they are, numbers and
/// booleans as text, anything else (and a missing value) as the empty string.
fn regex_input(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => crate::intrinsic::java::number_to_java_string(number),
        Some(Value::Bool(flag)) => flag.to_string(),
        _ => String::new(),
    }
}

fn array_element(elements: &[Value], index: i64) -> Option<&Value> {
    let length = i64::try_from(elements.len()).ok()?;
    let effective = if index < 0 { length.checked_add(index)? } else { index };
    usize::try_from(effective).ok().and_then(|at| elements.get(at))
}

/// The indexes Jayway's slice visits, in order, already mapped into the array. Jayway adjusts a
/// negative start only in `[start:]` and a negative end only in `[:end]`; in `[start:end]` a
/// negative start counts from the end element by element (so `[-2:2]` on five elements visits
/// 3, 4, 0, 1) and a negative end selects nothing. The step is ignored.
fn slice_indexes(length: usize, start: Option<i64>, end: Option<i64>) -> Vec<usize> {
    let Ok(length_signed) = i64::try_from(length) else { return Vec::new() };
    if length == 0 {
        return Vec::new();
    }
    let range = match (start, end) {
        (Some(from), None) => {
            let from = if from < 0 { length_signed.saturating_add(from) } else { from };
            from.max(0)..length_signed
        }
        (Some(from), Some(to)) => from.max(-length_signed)..to.min(length_signed),
        (None, Some(to)) => {
            let to = if to < 0 { length_signed.saturating_add(to) } else { to };
            0..to.min(length_signed)
        }
        (None, None) => 0..0,
    };
    range
        .filter_map(|index| {
            let effective = if index < 0 { length_signed + index } else { index };
            usize::try_from(effective).ok().filter(|at| *at < length)
        })
        .collect()
}

fn merge_members(object: &serde_json::Map<String, Value>, members: &[UnionMember]) -> Value {
    let mut merged = serde_json::Map::new();
    for member in members {
        if let UnionMember::Name(name) = member
            && let Some(value) = object.get(name)
        {
            merged.insert(name.clone(), value.clone());
        }
    }
    Value::Object(merged)
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Appends a segment as Jayway prints paths in its messages (`['name']`, `[0]`).
fn write_jayway_segment(segment: &Segment, out: &mut String) {
    match segment {
        Segment::Child(name) => {
            let _ = write!(out, "['{name}']");
        }
        Segment::Index(index) => {
            let _ = write!(out, "[{index}]");
        }
        Segment::Union(members) => {
            let rendered: Vec<String> = members
                .iter()
                .map(|member| match member {
                    UnionMember::Name(name) => format!("'{name}'"),
                    UnionMember::Index(index) => index.to_string(),
                })
                .collect();
            let _ = write!(out, "[{}]", rendered.join(","));
        }
        Segment::Wildcard => out.push_str("[*]"),
        Segment::Slice { start, end, .. } => {
            let bound = |value: &Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(out, "[{}:{}]", bound(start), bound(end));
        }
        Segment::RecursiveDescent(inner) => {
            out.push_str("..");
            write_jayway_segment(inner, out);
        }
        Segment::Filter(_) => out.push_str("[?]"),
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation against a scope, and AWS's wording of failures
// ---------------------------------------------------------------------------------------------

/// Why a path read from a scope found nothing to return.
enum Miss<'a> {
    /// A definite path named nothing in this root: Jayway's reason.
    NotFound { root: &'a Value, reason: String },
    /// `$name` names no variable in scope.
    UndefinedVariable(String),
    /// The path cannot be evaluated faithfully (a regular expression `regex` cannot run).
    Unsupported(String),
}

fn resolve<'a>(path: &JsonPath, scope: &PathScope<'a>) -> Result<Value, Miss<'a>> {
    let root: &'a Value = match &path.root {
        PathRoot::Input => scope.input,
        PathRoot::Context => scope.context,
        PathRoot::Variable(name) => scope.variables.get(name).ok_or_else(|| Miss::UndefinedVariable(name.clone()))?,
    };
    if path.is_definite() {
        path.find(root).map_err(|missing| Miss::NotFound { root, reason: missing.message })
    } else {
        path.try_select(root).map(Value::Array).map_err(|error| Miss::Unsupported(error.message))
    }
}

fn undefined_variable(text: &str, name: &str) -> EvalError {
    EvalError::runtime(format!("Invalid path '{text}' : The variable '${name}' is not defined"))
}

fn evaluate_invalid_path_style(path: &JsonPath, text: &str, scope: &PathScope<'_>) -> Result<Value, EvalError> {
    resolve(path, scope).map_err(|miss| match miss {
        Miss::NotFound { reason, .. } | Miss::Unsupported(reason) => {
            EvalError::runtime(format!("Invalid path '{text}' : {reason}"))
        }
        Miss::UndefinedVariable(name) => undefined_variable(text, &name),
    })
}

/// [`evaluate_field_path`] with the field optional: without one (an intrinsic call evaluated
/// on its own) the cause leaves out `specified for the field '…'`.
pub(crate) fn evaluate_in_field(
    path: &JsonPath,
    text: &str,
    field: Option<&str>,
    scope: &PathScope<'_>,
) -> Result<Value, EvalError> {
    resolve(path, scope).map_err(|miss| match miss {
        Miss::NotFound { root, .. } => {
            let input = crate::intrinsic::java::compact_json(root);
            EvalError::runtime(match field {
                Some(field) => format!(
                    "The JSONPath '{text}' specified for the field '{field}' could not be found in the input '{input}'"
                ),
                None => format!("The JSONPath '{text}' could not be found in the input '{input}'"),
            })
        }
        Miss::UndefinedVariable(name) => undefined_variable(text, &name),
        Miss::Unsupported(reason) => EvalError::runtime(format!("Invalid path '{text}' : {reason}")),
    })
}

/// Whether a member name can be written in dot notation and read back the same.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "*"
        && !name.chars().any(|c| {
            c.is_whitespace() || matches!(c, '.' | '[' | ']' | '(' | ')' | '\'' | '"' | '*' | ',' | '?' | '@' | '$')
        })
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-')
}

/// Whether a name reads back the same after `.` (the parser takes a dot name up to the next
/// `.`, `[`, `(` or whitespace, and `*` right after the dot is a wildcard).
fn is_dot_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('*')
        && !name.chars().any(|c| c.is_whitespace() || matches!(c, '.' | '[' | '('))
}

/// Whether a name reads back the same between `quote`s: names keep their backslashes as
/// written, so each `quote` inside must follow an odd run of backslashes, and the name must
/// not end in one (it would escape the closing quote).
fn fits_in_quotes(name: &str, quote: char) -> bool {
    let mut backslashes = 0usize;
    for character in name.chars() {
        if character == quote && backslashes.is_multiple_of(2) {
            return false;
        }
        backslashes = if character == '\\' { backslashes + 1 } else { 0 };
    }
    backslashes.is_multiple_of(2)
}

/// Whether a member name is written `.name` rather than `['name']`: when it is plain, or when
/// quotes cannot hold it but a dot can.
fn in_dot_notation(name: &str) -> bool {
    is_plain_name(name) || (!fits_in_quotes(name, '\'') && !fits_in_quotes(name, '"') && is_dot_name(name))
}

fn write_quoted_name(name: &str, out: &mut String) {
    let quote = if fits_in_quotes(name, '\'') || !fits_in_quotes(name, '"') { '\'' } else { '"' };
    out.push(quote);
    out.push_str(name);
    out.push(quote);
}

/// Appends a segment in the notation people write.
fn write_segment(segment: &Segment, out: &mut String) {
    match segment {
        Segment::Child(name) if in_dot_notation(name) => {
            out.push('.');
            out.push_str(name);
        }
        Segment::Child(name) => {
            out.push('[');
            write_quoted_name(name, out);
            out.push(']');
        }
        Segment::Index(index) => {
            let _ = write!(out, "[{index}]");
        }
        Segment::Wildcard => out.push_str("[*]"),
        Segment::Slice { start, end, step } => {
            let bound = |value: &Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(out, "[{}:{}", bound(start), bound(end));
            if let Some(step) = step {
                let _ = write!(out, ":{step}");
            }
            out.push(']');
        }
        Segment::Union(members) => {
            out.push('[');
            for (position, member) in members.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                match member {
                    UnionMember::Name(name) => write_quoted_name(name, out),
                    UnionMember::Index(index) => {
                        let _ = write!(out, "{index}");
                    }
                }
            }
            out.push(']');
        }
        Segment::RecursiveDescent(inner) => match inner.as_ref() {
            Segment::Wildcard => out.push_str("..*"),
            Segment::Child(name) if in_dot_notation(name) => {
                out.push_str("..");
                out.push_str(name);
            }
            inner => {
                out.push_str("..");
                write_segment(inner, out);
            }
        },
        Segment::Filter(condition) => {
            out.push_str("[?(");
            write_condition(condition, out);
            out.push_str(")]");
        }
    }
}

fn write_condition(condition: &FilterExpr, out: &mut String) {
    match condition {
        FilterExpr::Or(left, right) => {
            write_condition(left, out);
            out.push_str(" || ");
            write_condition(right, out);
        }
        FilterExpr::And(left, right) => {
            for (position, side) in [left, right].into_iter().enumerate() {
                if position > 0 {
                    out.push_str(" && ");
                }
                if matches!(side.as_ref(), FilterExpr::Or(..)) {
                    out.push('(');
                    write_condition(side, out);
                    out.push(')');
                } else {
                    write_condition(side, out);
                }
            }
        }
        FilterExpr::Not(inner) => {
            out.push('!');
            if matches!(inner.as_ref(), FilterExpr::Exists(_) | FilterExpr::Not(_)) {
                write_condition(inner, out);
            } else {
                out.push('(');
                write_condition(inner, out);
                out.push(')');
            }
        }
        FilterExpr::Exists(path) => write_filter_path(path, out),
        FilterExpr::Compare { left, operator, right } => {
            write_operand(left, out);
            out.push_str(match operator {
                ComparisonOperator::Equal => " == ",
                ComparisonOperator::NotEqual => " != ",
                ComparisonOperator::Less => " < ",
                ComparisonOperator::LessOrEqual => " <= ",
                ComparisonOperator::Greater => " > ",
                ComparisonOperator::GreaterOrEqual => " >= ",
            });
            write_operand(right, out);
        }
        FilterExpr::Matches { operand, pattern } => {
            write_operand(operand, out);
            let _ = write!(out, " =~ /{}/{}", pattern.pattern, pattern.flags);
        }
    }
}

fn write_filter_path(path: &FilterPath, out: &mut String) {
    out.push(match path.origin {
        FilterOrigin::Current => '@',
        FilterOrigin::Root => '$',
    });
    for segment in &path.segments {
        write_segment(segment, out);
    }
}

fn write_operand(operand: &FilterOperand, out: &mut String) {
    match operand {
        FilterOperand::Path(path) => write_filter_path(path, out),
        FilterOperand::Literal(Value::String(text)) => {
            out.push('\'');
            for character in text.chars() {
                if matches!(character, '\'' | '\\') {
                    out.push('\\');
                }
                out.push(character);
            }
            out.push('\'');
        }
        FilterOperand::Literal(value) => {
            let _ = write!(out, "{value}");
        }
        FilterOperand::Word(word) => out.push_str(word),
    }
}

/// Walks segments over a value the way Jayway's path tokens do.
struct Selector<'v> {
    root: &'v Value,
    regexes: &'v Regexes,
}

impl Selector<'_> {
    fn walk(&self, segments: &[Segment], node: &Value, found: &mut Vec<Value>) {
        match segments.split_first() {
            None => found.push(node.clone()),
            Some((segment, rest)) => self.step(segment, rest, node, found),
        }
    }

    fn step(&self, segment: &Segment, rest: &[Segment], node: &Value, found: &mut Vec<Value>) {
        match segment {
            Segment::Child(name) => {
                if let Some(child) = node.as_object().and_then(|members| members.get(name)) {
                    self.walk(rest, child, found);
                }
            }
            Segment::Index(index) => {
                if let Some(element) = node.as_array().and_then(|elements| array_element(elements, *index)) {
                    self.walk(rest, element, found);
                }
            }
            Segment::Wildcard => match node {
                Value::Object(members) => members.values().for_each(|value| self.walk(rest, value, found)),
                Value::Array(elements) => elements.iter().for_each(|element| self.walk(rest, element, found)),
                _ => {}
            },
            Segment::Slice { start, end, .. } => {
                if let Value::Array(elements) = node {
                    for at in slice_indexes(elements.len(), *start, *end) {
                        self.walk(rest, &elements[at], found);
                    }
                }
            }
            Segment::Union(members) => {
                let all_names = members.iter().all(|member| matches!(member, UnionMember::Name(_)));
                if all_names && members.len() > 1 && rest.is_empty() {
                    // Jayway merges the names of a final union into one object.
                    if let Value::Object(object) = node {
                        found.push(merge_members(object, members));
                    }
                    return;
                }
                for member in members {
                    match member {
                        UnionMember::Name(name) => self.step(&Segment::Child(name.clone()), rest, node, found),
                        UnionMember::Index(index) => self.step(&Segment::Index(*index), rest, node, found),
                    }
                }
            }
            Segment::Filter(condition) => match node {
                Value::Object(_) if self.accepts(condition, node) => self.walk(rest, node, found),
                Value::Array(elements) => {
                    for element in elements.iter().filter(|element| self.accepts(condition, element)) {
                        self.walk(rest, element, found);
                    }
                }
                _ => {}
            },
            Segment::RecursiveDescent(inner) => self.scan(inner, rest, node, found),
        }
    }

    /// Jayway's deep scan: at this node and then at every descendant (parents first), apply
    /// `inner` where its scan predicate holds. On an array that is not the end of the path,
    /// Jayway applies what follows `inner` to each element directly, skipping `inner` itself;
    /// that quirk is kept.
    fn scan(&self, inner: &Segment, rest: &[Segment], node: &Value, found: &mut Vec<Value>) {
        match node {
            Value::Object(members) => {
                if self.scan_matches(inner, rest, node) {
                    self.step(inner, rest, node, found);
                }
                for child in members.values().filter(|child| child.is_object() || child.is_array()) {
                    self.scan(inner, rest, child, found);
                }
            }
            Value::Array(elements) => {
                if self.scan_matches(inner, rest, node) {
                    if rest.is_empty() {
                        self.step(inner, rest, node, found);
                    } else {
                        elements.iter().for_each(|element| self.walk(rest, element, found));
                    }
                }
                for child in elements.iter().filter(|child| child.is_object() || child.is_array()) {
                    self.scan(inner, rest, child, found);
                }
            }
            _ => {}
        }
    }

    fn scan_matches(&self, inner: &Segment, rest: &[Segment], node: &Value) -> bool {
        match inner {
            Segment::Child(name) => node.as_object().is_some_and(|members| members.contains_key(name)),
            Segment::Union(members) if members.iter().all(|member| matches!(member, UnionMember::Name(_))) => {
                let Some(object) = node.as_object() else { return false };
                let definite = members.len() == 1 || rest.is_empty();
                !definite
                    || members.iter().all(|member| match member {
                        UnionMember::Name(name) => object.contains_key(name),
                        UnionMember::Index(_) => false,
                    })
            }
            Segment::Union(_) | Segment::Index(_) | Segment::Slice { .. } => node.is_array(),
            Segment::Wildcard => true,
            Segment::Filter(condition) => self.accepts(condition, node),
            Segment::RecursiveDescent(_) => false,
        }
    }

    fn accepts(&self, condition: &FilterExpr, current: &Value) -> bool {
        match condition {
            FilterExpr::Or(left, right) => self.accepts(left, current) || self.accepts(right, current),
            FilterExpr::And(left, right) => self.accepts(left, current) && self.accepts(right, current),
            FilterExpr::Not(inner) => !self.accepts(inner, current),
            FilterExpr::Exists(path) => {
                let selected = self.filter_path(path, current);
                !selected.is_empty()
            }
            FilterExpr::Compare { left, operator, right } => {
                let left = self.operand(left, current);
                let right = self.operand(right, current);
                compare(left.as_ref(), *operator, right.as_ref())
            }
            FilterExpr::Matches { operand, pattern } => {
                let input = regex_input(self.operand(operand, current).as_ref());
                self.regexes.get(pattern).is_some_and(|regex| regex.is_match(&input))
            }
        }
    }

    fn filter_path(&self, path: &FilterPath, current: &Value) -> Vec<Value> {
        let base = match path.origin {
            FilterOrigin::Current => current,
            FilterOrigin::Root => self.root,
        };
        let mut selected = Vec::new();
        self.walk(&path.segments, base, &mut selected);
        selected
    }

    /// The value of an operand; `None` when a definite path finds nothing (Jayway's undefined).
    fn operand(&self, operand: &FilterOperand, current: &Value) -> Option<Value> {
        match operand {
            FilterOperand::Path(path) => {
                let selected = self.filter_path(path, current);
                if segments_are_definite(&path.segments) {
                    selected.into_iter().next()
                } else {
                    Some(Value::Array(selected))
                }
            }
            FilterOperand::Literal(value) => Some(value.clone()),
            FilterOperand::Word(word) => Some(Value::String(word.clone())),
        }
    }
}

/// A comparison with Jayway's rules: numbers compare numerically, strings by UTF-16 code units,
/// a string equals a number when it reads as that number, and anything compared with an
/// undefined operand is unequal (so `!=` holds).
fn compare(left: Option<&Value>, operator: ComparisonOperator, right: Option<&Value>) -> bool {
    match operator {
        ComparisonOperator::Equal => values_equal(left, right),
        ComparisonOperator::NotEqual => !values_equal(left, right),
        ComparisonOperator::Less => values_order(left, right) == Some(Ordering::Less),
        ComparisonOperator::LessOrEqual => matches!(values_order(left, right), Some(Ordering::Less | Ordering::Equal)),
        ComparisonOperator::Greater => values_order(left, right) == Some(Ordering::Greater),
        ComparisonOperator::GreaterOrEqual => {
            matches!(values_order(left, right), Some(Ordering::Greater | Ordering::Equal))
        }
    }
}

fn values_equal(left: Option<&Value>, right: Option<&Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else { return false };
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => number_order(left, right) == Some(Ordering::Equal),
        (Value::String(text), Value::Number(number)) | (Value::Number(number), Value::String(text)) => {
            number_from_text(text.trim()).is_some_and(|parsed| number_order(&parsed, number) == Some(Ordering::Equal))
        }
        (Value::Array(_) | Value::Object(_), Value::Array(_) | Value::Object(_)) => left == right,
        (Value::String(left), Value::String(right)) => left == right,
        (Value::Bool(left), Value::Bool(right)) => left == right,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

fn values_order(left: Option<&Value>, right: Option<&Value>) -> Option<Ordering> {
    match (left?, right?) {
        (Value::Number(left), Value::Number(right)) => number_order(left, right),
        (Value::String(left), Value::String(right)) => Some(left.encode_utf16().cmp(right.encode_utf16())),
        _ => None,
    }
}

fn number_order(left: &serde_json::Number, right: &serde_json::Number) -> Option<Ordering> {
    if let (Some(left), Some(right)) = (left.as_i64(), right.as_i64()) {
        return Some(left.cmp(&right));
    }
    if let (Some(left), Some(right)) = (left.as_u64(), right.as_u64()) {
        return Some(left.cmp(&right));
    }
    left.as_f64()?.partial_cmp(&right.as_f64()?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn name(text: &str) -> Segment {
        Segment::Child(text.to_string())
    }

    /// Parses `input` as a Path and compares the outcome: `Ok(tree)` or `Err((offset, message))`.
    /// What a case expects: the tree, or the offset and message of the error.
    type Expected = Result<JsonPath, (usize, &'static str)>;

    fn check(input: &str, expected: Expected) {
        let actual = parse_path(input).map_err(|error| (error.offset, error.message));
        let expected = expected.map_err(|(offset, message)| (offset, message.to_string()));
        assert_eq!(actual, expected, "parse_path({input:?})");
    }

    fn input(segments: Vec<Segment>) -> Expected {
        Ok(JsonPath { root: PathRoot::Input, segments })
    }

    #[test]
    fn paths_parse_into_trees() {
        let cases: Vec<(&str, Expected)> = vec![
            ("$", input(vec![])),
            ("$$", Ok(JsonPath { root: PathRoot::Context, segments: vec![] })),
            (
                "$$.Execution.Id",
                Ok(JsonPath { root: PathRoot::Context, segments: vec![name("Execution"), name("Id")] }),
            ),
            ("$theAnswer", Ok(JsonPath { root: PathRoot::Variable("theAnswer".into()), segments: vec![] })),
            (
                "$field2.a[0]",
                Ok(JsonPath {
                    root: PathRoot::Variable("field2".into()),
                    segments: vec![name("a"), Segment::Index(0)],
                }),
            ),
            ("$.input-foo-bar", input(vec![name("input-foo-bar")])),
            ("$.a.b.c", input(vec![name("a"), name("b"), name("c")])),
            ("$['a b'].c", input(vec![name("a b"), name("c")])),
            ("$[\"a\"]", input(vec![name("a")])),
            ("$.abc.['def ghi']", input(vec![name("abc"), name("def ghi")])),
            // A backslash is kept: AWS selects the key `Test\""Name"` with this path.
            ("$['Test\\\"\"Name\"']", input(vec![name("Test\\\"\"Name\"")])),
            ("$.books[-2]", input(vec![name("books"), Segment::Index(-2)])),
            ("$.[0]", input(vec![Segment::Index(0)])),
            ("$.Snapshots.[0].State", input(vec![name("Snapshots"), Segment::Index(0), name("State")])),
            ("$[*]", input(vec![Segment::Wildcard])),
            ("$[*][*]", input(vec![Segment::Wildcard, Segment::Wildcard])),
            ("$.*", input(vec![Segment::Wildcard])),
            ("$.items[ * ]", input(vec![name("items"), Segment::Wildcard])),
            (
                "$.item.items[1:5]",
                input(vec![name("item"), name("items"), Segment::Slice { start: Some(1), end: Some(5), step: None }]),
            ),
            ("$.a[1:]", input(vec![name("a"), Segment::Slice { start: Some(1), end: None, step: None }])),
            ("$.a[:-1]", input(vec![name("a"), Segment::Slice { start: None, end: Some(-1), step: None }])),
            ("$.a[0:6:2]", input(vec![name("a"), Segment::Slice { start: Some(0), end: Some(6), step: Some(2) }])),
            ("$[0, 1]", input(vec![Segment::Union(vec![UnionMember::Index(0), UnionMember::Index(1)])])),
            (
                "$.[*].['bucket', 'key']",
                input(vec![
                    Segment::Wildcard,
                    Segment::Union(vec![UnionMember::Name("bucket".into()), UnionMember::Name("key".into())]),
                ]),
            ),
            ("$..author", input(vec![Segment::RecursiveDescent(Box::new(name("author")))])),
            ("$..*", input(vec![Segment::RecursiveDescent(Box::new(Segment::Wildcard))])),
            ("$..[0].a", input(vec![Segment::RecursiveDescent(Box::new(Segment::Index(0))), name("a")])),
            (
                "$.users[?(@.status == 0)]",
                input(vec![
                    name("users"),
                    Segment::Filter(FilterExpr::Compare {
                        left: FilterOperand::Path(FilterPath {
                            origin: FilterOrigin::Current,
                            segments: vec![name("status")],
                        }),
                        operator: ComparisonOperator::Equal,
                        right: FilterOperand::Literal(json!(0)),
                    }),
                ]),
            ),
            (
                "$.Labels[?(@.Name==Receipt)]",
                input(vec![
                    name("Labels"),
                    Segment::Filter(FilterExpr::Compare {
                        left: FilterOperand::Path(FilterPath {
                            origin: FilterOrigin::Current,
                            segments: vec![name("Name")],
                        }),
                        operator: ComparisonOperator::Equal,
                        right: FilterOperand::Word("Receipt".into()),
                    }),
                ]),
            ),
            (
                "$[?(!@.isbn)]",
                input(vec![Segment::Filter(FilterExpr::Not(Box::new(FilterExpr::Exists(FilterPath {
                    origin: FilterOrigin::Current,
                    segments: vec![name("isbn")],
                }))))]),
            ),
            (
                "$.a[?(@.name =~ /^ab.*c$/i)]",
                input(vec![
                    name("a"),
                    Segment::Filter(FilterExpr::Matches {
                        operand: FilterOperand::Path(FilterPath {
                            origin: FilterOrigin::Current,
                            segments: vec![name("name")],
                        }),
                        pattern: RegexLiteral { pattern: "^ab.*c$".into(), flags: "i".into() },
                    }),
                ]),
            ),
            ("$.a ", input(vec![name("a")])),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }

    #[test]
    fn filter_conditions_follow_precedence() {
        let path = parse_path("$[?(@.a == 1 || @.b && !(@.c != 'x') || @ > 2.5)]").expect("parses");
        let Segment::Filter(condition) = &path.segments[0] else { panic!("not a filter: {path:?}") };
        let current = |segment: &str| {
            FilterOperand::Path(FilterPath { origin: FilterOrigin::Current, segments: vec![name(segment)] })
        };
        let expected = FilterExpr::Or(
            Box::new(FilterExpr::Or(
                Box::new(FilterExpr::Compare {
                    left: current("a"),
                    operator: ComparisonOperator::Equal,
                    right: FilterOperand::Literal(json!(1)),
                }),
                Box::new(FilterExpr::And(
                    Box::new(FilterExpr::Exists(FilterPath {
                        origin: FilterOrigin::Current,
                        segments: vec![name("b")],
                    })),
                    Box::new(FilterExpr::Not(Box::new(FilterExpr::Compare {
                        left: current("c"),
                        operator: ComparisonOperator::NotEqual,
                        right: FilterOperand::Literal(json!("x")),
                    }))),
                )),
            )),
            Box::new(FilterExpr::Compare {
                left: FilterOperand::Path(FilterPath { origin: FilterOrigin::Current, segments: vec![] }),
                operator: ComparisonOperator::Greater,
                right: FilterOperand::Literal(json!(2.5)),
            }),
        );
        assert_eq!(condition, &expected);
    }

    #[test]
    fn bad_paths_are_refused_with_a_reason() {
        let cases: Vec<(&str, usize, &str)> = vec![
            // ChristopheBougere/asl-validator invalid-json-path.json
            (".guid", 0, "a path must start with '$'"),
            ("..guid", 0, "a path must start with '$'"),
            ("()", 0, "a path must start with '$'"),
            ("$...", 3, "unexpected '.' after '..'"),
            // invalid-payload-template.asl.json
            ("ipsum", 0, "a path must start with '$'"),
            ("", 0, "a path must start with '$'"),
            (" $.a", 0, "a path must start with '$'"),
            ("$.", 1, "a path must not end with '.'"),
            ("$..", 1, "a path must not end with '..'"),
            ("$.a.", 3, "a path must not end with '.'"),
            ("$-a", 1, "unexpected character '-': expected '.' or '['"),
            ("$1", 1, "unexpected character '1': expected '.' or '['"),
            ("$$$", 2, "unexpected character '$': expected '.' or '['"),
            ("$['a']b", 6, "unexpected character 'b': expected '.' or '['"),
            ("$.a b", 3, "a name containing whitespace needs bracket notation, as in ['my name']"),
            ("$.items.length()", 8, "functions such as 'length()' are not supported"),
            ("$[(@.length-1)].bar", 1, "script expressions such as '[(@.length-1)]' are not supported"),
            ("$[]", 1, "empty brackets '[]'"),
            ("$[", 1, "missing ']'"),
            ("$[0", 1, "missing ']'"),
            ("$['a'", 1, "missing ']'"),
            ("$['a", 2, "missing closing quote"),
            ("$['a' 'b']", 6, "expected ',' or ']' after a quoted name"),
            ("$[*x]", 3, "expected ']' after '*'"),
            ("$[abc]", 2, "expected a quoted name, an index, a slice, '*' or a filter '?(…)' after '['"),
            ("$[1a]", 2, "unexpected character 'a' in an index or slice"),
            ("$[:]", 2, "a slice needs a start or an end, as in [1:] or [:2]"),
            ("$[1:2:3:4]", 2, "invalid slice '[1:2:3:4]': at most start:end:step"),
            ("$[1 : 2]", 2, "invalid slice '[1 : 2]'"),
            ("$[0,]", 2, "invalid index ''"),
            ("$[--1]", 2, "invalid index '--1'"),
            ("$[?@.a]", 3, "expected '(' after '[?'"),
            ("$[?(@.a]", 7, "expected ')' to close the filter"),
            ("$[?(@.a) && (@.b)]", 9, "expected ']' after the filter"),
            ("$[?(@.a = 1)]", 8, "use '==' to compare"),
            ("$[?(@.a === 1)]", 8, "the operators '===' and '!==' are not supported"),
            ("$[?(@.a in ['x'])]", 8, "the filter operator 'in' is not supported"),
            ("$[?(@.a == ['x'])]", 11, "JSON literals are not supported inside a filter"),
            ("$[?(@.a == 'x)]", 11, "missing closing quote"),
            ("$[?(@.a == )]", 11, "expected a value: '@…', '$…', a string, a number, true, false or null"),
            ("$[?(1)]", 4, "a value on its own is not a condition: compare it with '==', '<', …"),
            ("$[?(@.a == $$.b)]", 11, "the context object '$$' cannot be used inside a filter"),
            ("$[?(@.a == $x)]", 11, "variables cannot be used inside a filter"),
            ("$[?(@.a =~ 'x')]", 11, "expected a regular expression '/…/' after '=~'"),
            ("$[?(@.a =~ /x/q)]", 14, "unknown regular-expression flag 'q'"),
            ("$[?(@.a == 1x)]", 11, "invalid number"),
            ("$[?(@.a.length() > 1)]", 8, "functions such as 'length()' are not supported"),
        ];
        for (text, offset, message) in cases {
            check(text, Err((offset, message)));
        }
    }

    #[test]
    fn deeply_nested_filters_are_refused_not_overflowed() {
        let text = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        let error = parse_path(&text).expect_err("too deep");
        assert_eq!(error.message, "filters nest too deeply");
    }

    #[test]
    fn reference_paths_refuse_what_selects_several_nodes() {
        let accepted = ["$", "$$", "$.a.b", "$['a b'][0]", "$.a[-1]", "$var.x", "$$.Execution.Input"];
        for text in accepted {
            assert!(parse_reference_path(text).is_ok(), "{text} should be a reference path");
        }
        let refused: Vec<(&str, usize, &str)> = vec![
            ("$.a[*]", 3, "a reference path cannot contain wildcards ('*')"),
            ("$.*", 1, "a reference path cannot contain wildcards ('*')"),
            ("$.a[1:2]", 3, "a reference path cannot contain slices ('[start:end]')"),
            ("$['a','b']", 1, "a reference path cannot contain unions of several names or indexes ('[a,b]')"),
            ("$.a[0,1]", 3, "a reference path cannot contain unions of several names or indexes ('[a,b]')"),
            ("$..a", 1, "a reference path cannot contain recursive descent ('..')"),
            ("$.a[?(@.b)]", 3, "a reference path cannot contain filters ('[?(…)]')"),
            // asl-validator invalid-choice-state-variable.json
            ("States.ArrayContains($.clients.unique, 'null')", 0, "a path must start with '$'"),
        ];
        for (text, offset, message) in refused {
            let error = parse_reference_path(text).expect_err(text);
            assert_eq!((error.offset, error.message.as_str()), (offset, message), "{text}");
        }
    }

    #[test]
    fn definiteness_follows_jayway() {
        let cases = [
            ("$", true),
            ("$.a[0]['b']", true),
            ("$['a','b']", true),
            ("$['a','b'].c", false),
            ("$[0,1]", false),
            ("$.a[*]", false),
            ("$.a[1:]", false),
            ("$..a", false),
            ("$.a[?(@.b)]", false),
        ];
        for (text, definite) in cases {
            assert_eq!(parse_path(text).expect(text).is_definite(), definite, "{text}");
        }
    }

    /// Selects `path` from `document` and compares with `expected` (an array of the matches).
    fn check_select(document: &Value, path: &str, expected: Value) {
        let parsed = parse_path(path).unwrap_or_else(|error| panic!("{path}: {error}"));
        assert_eq!(Value::Array(parsed.select(document)), expected, "{path}");
    }

    #[test]
    fn selection_follows_jayway() {
        let store = json!({
            "store": {
                "book": [
                    {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                    {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                    {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                    {"category": "fiction", "author": "J. R. R. Tolkien", "title": "Rings", "isbn": "0-395", "price": 22.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            },
            "limit": 10
        });
        let cases: Vec<(&str, Value)> = vec![
            ("$.store.bicycle.color", json!(["red"])),
            ("$.store.book[0].title", json!(["Sayings"])),
            ("$.store.book[-1].title", json!(["Rings"])),
            ("$.store.book[9].title", json!([])),
            ("$.store.missing", json!([])),
            ("$.store.book.title", json!([])),
            ("$.store.book[*].author", json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"])),
            ("$.store.book[1:3].title", json!(["Sword", "Moby Dick"])),
            ("$.store.book[2:].title", json!(["Moby Dick", "Rings"])),
            ("$.store.book[-1:].title", json!(["Rings"])),
            ("$.store.book[:2].title", json!(["Sayings", "Sword"])),
            ("$.store.book[:-3].title", json!(["Sayings"])),
            ("$.store.book[0:-1].title", json!([])),
            ("$.store.book[-1:2].title", json!(["Rings", "Sayings", "Sword"])),
            ("$.store.book[0:4:2].title", json!(["Sayings", "Sword", "Moby Dick", "Rings"])),
            ("$.store.book[0,2].title", json!(["Sayings", "Moby Dick"])),
            ("$.store.book[?(@.isbn)].title", json!(["Moby Dick", "Rings"])),
            ("$.store.book[?(!@.isbn)].title", json!(["Sayings", "Sword"])),
            ("$.store.book[?(@.price < 10)].title", json!(["Sayings", "Moby Dick"])),
            ("$.store.book[?(@.price <= 8.99)].title", json!(["Sayings", "Moby Dick"])),
            ("$.store.book[?(@.price > $.limit)].title", json!(["Sword", "Rings"])),
            ("$.store.book[?(@.price >= 22.99)].title", json!(["Rings"])),
            ("$.store.book[?(@.category == 'fiction' && @.price < 20)].title", json!(["Sword", "Moby Dick"])),
            ("$.store.book[?(@.category != \"fiction\" || @.price > 20)].title", json!(["Sayings", "Rings"])),
            ("$.store.book[?(!(@.category == 'fiction'))].title", json!(["Sayings"])),
            ("$.store.book[?(@.category == reference)].title", json!(["Sayings"])),
            ("$.store.book[?(@.isbn != '0-553')].title", json!(["Sayings", "Sword", "Rings"])),
            ("$.store.book[?(@.author > 'I')].title", json!(["Sayings", "Rings"])),
            ("$.store.bicycle[?(@.color == 'red')].price", json!([19.95])),
            ("$.store.bicycle[?(@.color == 'blue')].price", json!([])),
            ("$..author", json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"])),
            ("$..bicycle.color", json!(["red"])),
            ("$.store..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
            ("$..book[2].title", json!(["Moby Dick"])),
            ("$..[?(@.price > 20)].title", json!(["Rings"])),
            ("$.store.bicycle['color','price']", json!([{"color": "red", "price": 19.95}])),
            ("$.store.bicycle['color','wheels']", json!([{"color": "red"}])),
            ("$.store.book[0]['title','price']", json!([{"title": "Sayings", "price": 8.95}])),
            ("$.store.bicycle['color','price'].x", json!([])),
            ("$.store.bicycle.*", json!(["red", 19.95])),
        ];
        for (path, expected) in cases {
            check_select(&store, path, expected);
        }
    }

    #[test]
    fn selection_matches_recorded_aws_executions() {
        // test_state_pass_regex_json_path_base
        let users = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
        check_select(&users, "$.users[?(@.status == 0)]", json!([{"year": 1997, "status": 0}]));
        // test_json_path_array_wildcard_or_slice_with_no_input: indefinite paths find nothing
        for path in ["$[*]", "$.items[*]", "$.item.items[1:5]"] {
            check_select(&json!({}), path, json!([]));
        }
        // test_escape_sequence_parsing ESCAPE_SEQUENCES_JSONPATH
        let escaped = json!({"Test\\\"\"Name\"": "Value\"\\"});
        check_select(&escaped, "$['Test\\\"\"Name\"']", json!(["Value\"\\"]));
    }

    #[test]
    fn selection_edge_cases() {
        let document = json!({"a": {"b": null, "c": [1, "1", 2.0, [3], {"d": 4}]}, "s": "text"});
        check_select(&document, "$.a.b", json!([null]));
        check_select(&document, "$.a[?(@.b)]", json!([{"b": null, "c": [1, "1", 2.0, [3], {"d": 4}]}]));
        check_select(&document, "$.a.c[?(@ == 1)]", json!([1, "1"]));
        check_select(&document, "$.a.c[?(@ == 2)]", json!([2.0]));
        check_select(&document, "$.a.c[?(@.d)]", json!([{"d": 4}]));
        check_select(&document, "$.s[0]", json!([]));
        check_select(&document, "$.s[*]", json!([]));
        check_select(&document, "$.s[?(@)]", json!([]));
        check_select(&document, "$..d", json!([4]));
        check_select(
            &document,
            "$..*",
            json!([
                {"b": null, "c": [1, "1", 2.0, [3], {"d": 4}]}, "text", null, [1, "1", 2.0, [3], {"d": 4}],
                1, "1", 2.0, [3], {"d": 4}, 3, 4
            ]),
        );
        check_select(&json!([[1, 2], [3]]), "$[*][*]", json!([1, 2, 3]));
        check_select(&json!([1, 2, 3]), "$[-9223372036854775808:2]", json!([1, 2, 3, 1, 2]));
        check_select(&json!([1, 2, 3]), "$[9223372036854775807]", json!([]));
        check_select(&json!([1, 2, 3]), "$[-9223372036854775808]", json!([]));
    }

    #[test]
    fn regular_expressions_follow_jayway_and_java() {
        let document = json!({
            "people": [
                {"name": "Abc", "age": 30},
                {"name": "abc", "age": 41},
                {"name": "xabcx", "age": 5},
                {"name": "a/b", "age": 12},
                {"name": "é1", "age": 7},
                {"age": 0},
                {"name": true, "age": 1}
            ]
        });
        let cases: Vec<(&str, Value)> = vec![
            // The whole string must match (Java's matches()).
            ("$.people[?(@.name =~ /abc/)].age", json!([41])),
            ("$.people[?(@.name =~ /.*abc.*/)].age", json!([41, 5])),
            ("$.people[?(@.name =~ /abc/i)].age", json!([30, 41])),
            // An escaped slash is a slash.
            (r"$.people[?(@.name =~ /a\/b/)].age", json!([12])),
            // Numbers and booleans match as text; a missing value as the empty string.
            (r"$.people[?(@.age =~ /4\d/)].name", json!(["abc"])),
            ("$.people[?(@.name =~ /true/)].age", json!([1])),
            ("$.people[?(@.name =~ /x*/)].age", json!([0])),
            // Java's \w is ASCII unless the U flag asks for Unicode (which `regex-lite`, the
            // browser's engine, does not have).
            (r"$.people[?(@.name =~ /\w\d/)].age", json!([])),
            (r"$.people[?(@.name =~ /\w\d/U)].age", if crate::regex_engine::LITE { json!([]) } else { json!([7]) }),
            (r"$.people[?(@.name =~ /\p{Alpha}+/)].age", json!([30, 41, 5, 1])),
            (r"$.people[?(@.name =~ /\Q(a\E|\Qa\E\/b/)].age", json!([12])),
            (r"$.people[?(@.name =~ /[ab\d\/]+/)].age", json!([12])),
            ("$.people[?(!(@.name =~ /a.*/))].age", json!([30, 5, 7, 0, 1])),
        ];
        for (path, expected) in cases {
            check_select(&document, path, expected);
        }
    }

    #[test]
    fn regular_expressions_the_regex_crate_cannot_run_are_refused() {
        for pattern in [r"(a)\1", "a(?=b)", "(?<!a)b", "(?>a)", r"\G"] {
            let text = format!("$[?(@ =~ /{pattern}/)]");
            let path = parse_path(&text).expect("parses");
            let error = path.try_select(&json!(["abc"])).expect_err("unsupported");
            assert!(error.message.starts_with("the regular expression"), "{text}: {}", error.message);
            assert_eq!(path.select(&json!(["abc"])), Vec::<Value>::new());
        }
        // Possessive quantifiers run as greedy ones.
        check_select(&json!(["aaa", "b"]), "$[?(@ =~ /a*+/)]", json!(["aaa"]));
    }

    #[test]
    fn paths_print_as_written() {
        let texts = [
            "$",
            "$$",
            "$var",
            "$.a.b[0]",
            "$$.Execution.Input.x",
            "$var.list[-1]",
            "$['a b'].c",
            "$['Test\\\"\"Name\"']",
            "$[\"it's\"]",
            "$.items[*]",
            "$.a[1:3]",
            "$.a[1:]",
            "$.a[:-1]",
            "$.a[0:6:2]",
            "$['a','b']",
            "$[0,1]",
            "$..author",
            "$..*",
            "$..[0]",
            "$..['a b']",
            "$.input-foo-bar",
            "$.users[?(@.status == 0)]",
            "$[?(@.a > 1 || @.b && !(@.c != 'x'))]",
            "$[?((@.a || @.b) && @.c)]",
            "$[?(!@.isbn)]",
            "$[?(@.name =~ /^ab.*c$/i)]",
            "$[?(@.price > $.limit)]",
            "$.Labels[?(@.Name == Receipt)]",
            "$[?(@.t == 'it\\'s')]",
            "$[?(@.n >= -1.5 && @.m <= 1000 && @.z == null && @.f == false)]",
        ];
        for text in texts {
            let parsed = parse_path(text).unwrap_or_else(|error| panic!("{text}: {error}"));
            let printed = parsed.to_string();
            assert_eq!(printed, text, "printing {text}");
            assert_eq!(parse_path(&printed).as_ref(), Ok(&parsed), "re-reading {printed}");
        }
        // Other spellings print in one notation that reads back the same.
        for (text, printed) in [("$['a']", "$.a"), ("$.*", "$[*]"), ("$.[0]", "$[0]"), ("$.a ", "$.a")] {
            assert_eq!(parse_path(text).expect(text).to_string(), printed);
        }
    }

    fn scope_parts() -> (Value, Value, serde_json::Map<String, Value>) {
        let input = json!({"a": {"b": [10, 20]}, "n": null, "items": [{"p": 1}, {"p": 5}]});
        let context = json!({"Execution": {"Id": "arn:1", "Input": {"x": 1}}, "State": {"Name": "S"}});
        let variables = json!({"v": {"k": "value"}, "count": 3}).as_object().cloned().unwrap_or_default();
        (input, context, variables)
    }

    #[test]
    fn evaluate_path_reads_the_scope_as_aws_does() {
        let (input, context, variables) = scope_parts();
        let scope = PathScope { input: &input, context: &context, variables: &variables };
        let ok: Vec<(&str, Value)> = vec![
            ("$", input.clone()),
            ("$.a.b[1]", json!(20)),
            ("$.n", Value::Null),
            ("$$.Execution.Id", json!("arn:1")),
            ("$$", context.clone()),
            ("$v.k", json!("value")),
            ("$count", json!(3)),
            // Indefinite paths yield arrays, possibly empty (recorded for `$.items[*]`).
            ("$.items[*].p", json!([1, 5])),
            ("$.items[?(@.p > 2)]", json!([{"p": 5}])),
            ("$.missing[*]", json!([])),
            ("$..p", json!([1, 5])),
            ("$.a['b','x']", json!({"b": [10, 20]})),
        ];
        for (text, expected) in ok {
            let parsed = parse_path(text).expect(text);
            assert_eq!(evaluate_path(&parsed, &scope), Ok(expected.clone()), "{text}");
            assert_eq!(evaluate_path_text(text, &scope), Ok(expected), "{text}");
        }
        let runtime = |cause: &str| Err(EvalError::runtime(cause));
        let failing: Vec<(&str, Result<Value, EvalError>)> = vec![
            // Recorded causes (after AWS's state prefix).
            (
                "$.NoSuchOutputPath",
                runtime("Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']"),
            ),
            (
                "$.no.such.result.path",
                runtime("Invalid path '$.no.such.result.path' : Missing property in path $['no']"),
            ),
            (
                "$$.Execution.Nope",
                runtime("Invalid path '$$.Execution.Nope' : No results for path: $['Execution']['Nope']"),
            ),
            ("$v.nope", runtime("Invalid path '$v.nope' : No results for path: $['nope']")),
            ("$undefined.x", runtime("Invalid path '$undefined.x' : The variable '$undefined' is not defined")),
            ("$.a.b[7]", runtime("Invalid path '$.a.b[7]' : No results for path: $['a']['b'][7]")),
        ];
        for (text, expected) in failing {
            assert_eq!(evaluate_path_text(text, &scope), expected, "{text}");
        }
        assert_eq!(
            evaluate_path_text("$['a']['nope']", &scope),
            runtime("Invalid path '$['a']['nope']' : No results for path: $['a']['nope']")
        );
        assert_eq!(
            evaluate_path(&parse_path("$['a']['nope']").expect("parses"), &scope),
            runtime("Invalid path '$.a.nope' : No results for path: $['a']['nope']")
        );
        assert_eq!(evaluate_path_text("ipsum", &scope), runtime("Invalid path 'ipsum' : a path must start with '$'"));
        let regex = parse_path("$.items[?(@.p =~ /(a)\\1/)]").expect("parses");
        assert_eq!(evaluate_path(&regex, &scope).map_err(|error| error.error), Err("States.Runtime".to_string()));
    }

    #[test]
    fn field_paths_use_aws_field_wording() {
        let input = json!({"int-literal": 0});
        let (_, context, variables) = scope_parts();
        let scope = PathScope { input: &input, context: &context, variables: &variables };
        let path = parse_path("$.no_such_jsonpath").expect("parses");
        // Recorded (test_invalid_jsonpath INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH), with the
        // input in place of the recording's `<json-input:1>` placeholder.
        assert_eq!(
            evaluate_field_path(&path, "$.no_such_jsonpath", "value.$", &scope),
            Err(EvalError::runtime(
                "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
            ))
        );
        let context_path = parse_path("$$.State.Nope").expect("parses");
        assert_eq!(
            evaluate_field_path(&context_path, "$$.State.Nope", "s.$", &scope),
            Err(EvalError::runtime(format!(
                "The JSONPath '$$.State.Nope' specified for the field 's.$' could not be found in the input '{}'",
                crate::intrinsic::java::compact_json(&context)
            )))
        );
        assert_eq!(
            evaluate_in_field(&path, "$.no_such_jsonpath", None, &scope),
            Err(EvalError::runtime(
                "The JSONPath '$.no_such_jsonpath' could not be found in the input '{\"int-literal\":0}'"
            ))
        );
        assert_eq!(evaluate_field_path(&parse_path("$").expect("parses"), "$", "all.$", &scope), Ok(input.clone()));
    }

    #[test]
    fn find_reports_jayway_reasons() {
        let document = json!({"a": {"b": [10, 20]}, "n": null, "s": "x"});
        let cases: Vec<(&str, Result<Value, &str>)> = vec![
            ("$", Ok(document.clone())),
            ("$.a.b[1]", Ok(json!(20))),
            ("$.a.b[-1]", Ok(json!(20))),
            ("$.n", Ok(Value::Null)),
            ("$.a['b','x']", Ok(json!({"b": [10, 20]}))),
            // Recorded AWS causes: "Invalid path '$.NoSuchOutputPath' : No results for path: …"
            ("$.NoSuchOutputPath", Err("No results for path: $['NoSuchOutputPath']")),
            // "Invalid path '$.no.such.result.path' : Missing property in path $['no']"
            ("$.no.such.result.path", Err("Missing property in path $['no']")),
            ("$.a.b[5]", Err("No results for path: $['a']['b'][5]")),
            ("$.n[0]", Err("The path $['n'] is null")),
            ("$.n.x", Err("Expected to find an object with property ['x'] in path $['n'] but found 'null'")),
            ("$.s.x", Err("Expected to find an object with property ['x'] in path $['s'] but found 'string'")),
            ("$.a[0]", Err("Filter: [0] can only be applied to arrays. Current context is: {\"b\":[10,20]}")),
            ("$.a[*]", Err("the path is not definite")),
        ];
        for (text, expected) in cases {
            let actual = parse_path(text).expect(text).find(&document).map_err(|error| error.message);
            assert_eq!(actual, expected.map_err(str::to_string), "{text}");
        }
    }
}

//! The JSONata expression language (2.x) as Step Functions uses it: a parser that says
//! whether an expression is valid and, if not, where and why; the tree it builds is shaped
//! for evaluation.
//!
//! Step Functions puts an expression in a string value as `{% expression %}`; use
//! [`template_body`] to find it and [`parse`] to read it. Errors carry JSONata's own codes
//! (`S0201`, `S0202`, …) and messages, and a character offset into the parsed text.
//!
//! The parser covers the whole language: literals, paths (names, backquoted names, `*`,
//! `**`, `%`), predicates, order-by `^( )`, grouping, array, object and range constructors,
//! variables and `$`/`$$`, function calls and partial application, lambdas with signatures,
//! `~>`, `? :`, `?:`, `??`, arithmetic, comparison, `in`, `and`/`or`, `&`, blocks, `:=`,
//! regular expressions, `@` and `#` bindings, transforms and comments.

mod ast;
mod datetime;
mod eval;
mod format;
mod functions;
mod lexer;
mod parser;
mod process;
mod regex;
mod signature;

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod tests;

use std::fmt;

pub use eval::{MAX_DEPTH, MAX_STEPS, UNSUPPORTED_RESULT, evaluate};

pub use ast::{
    BinaryOp, Expr, ExprKind, Group, Lambda, ParamModifier, Path, Signature, SignatureParam, SortTerm, Stage, Step,
};

/// Why a JSONata expression is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// JSONata's error code: `S0101`–`S0106` for tokens, `S0201`–`S0217` for syntax,
    /// `S0301`/`S0302` for regular expressions, `S0401`/`S0402` for signatures. `U1001` is
    /// used for an expression nested too deeply to parse safely.
    pub code: &'static str,
    /// JSONata's message for the code, with the offending token filled in.
    pub message: String,
    /// The offset, in characters (Unicode scalar values) from the start of the parsed text,
    /// of the offending token (for an unterminated string, comment, regular expression or
    /// backquoted name: of its opening character; for a missing token: where it was
    /// expected). JSONata itself reports the offset just after the offending token.
    pub position: usize,
}

impl ParseError {
    fn new(code: &'static str, message: String, position: usize) -> ParseError {
        ParseError { code, message, position }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}: {}", self.code, self.position, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a JSONata expression.
///
/// ```
/// use asl::jsonata::{parse, ExprKind, BinaryOp};
///
/// let expr = parse("$states.input.price * 2").unwrap();
/// assert!(matches!(expr.kind, ExprKind::Binary { op: BinaryOp::Multiply, .. }));
///
/// let error = parse("$sum($states.input.items").unwrap_err();
/// assert_eq!((error.code, error.position), ("S0203", 24));
/// ```
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let raw = parser::parse_raw(&chars)?;
    process::process(raw)
}

/// For a Step Functions string value: if it is a JSONata expression, `{% … %}`, returns the
/// text between the delimiters and its offset in `value` (always 2, in characters as in
/// bytes); otherwise `None`.
///
/// The string must start with `{%` and end with `%}`, with nothing (not even whitespace)
/// outside them: `" {% $x %}"` is a plain string, which Step Functions passes through
/// unchanged. Whitespace inside the delimiters belongs to the expression, where JSONata
/// ignores it, so `"{%$x%}"` and `"{% \n $x %}"` are expressions too.
pub fn template_body(value: &str) -> Option<(&str, usize)> {
    let body = value.strip_prefix("{%")?.strip_suffix("%}")?;
    Some((body, 2))
}

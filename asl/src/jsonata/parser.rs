//! The JSONata grammar: a Pratt (top-down operator precedence) parser that reads tokens into
//! a raw syntax tree, which [`process`](super::process) then shapes for evaluation.
//!
//! Binding powers, from loosest to tightest: `:=` 10 (right associative), `? :` 20, `or` 25,
//! `and` 30, comparisons, `in`, `~>`, `^( )`, `?:` and `??` 40, `+ - &` 50, `* / %` 60,
//! unary minus 70, `{ }` after an expression 70, `.` 75, and `[ ]`, `( )`, `@`, `#` after an
//! expression 80. All binary operators but `:=` are left associative.

use super::ParseError;
use super::ast::{BinaryOp, Signature};
use super::lexer::{Lexer, Token, TokenKind};
use super::signature;

/// How deeply expressions may nest before the parser gives up, to keep recursion (here, in
/// the evaluator, and in dropping the tree) well within a WebAssembly stack.
pub(super) const MAX_DEPTH: usize = 200;

/// A node of the raw syntax tree.
#[derive(Debug)]
pub(super) struct Raw {
    pub kind: RawKind,
    /// The offset of the node's defining token (see [`super::Expr::position`]).
    pub position: usize,
    /// Set on the node a `[]` (empty predicate) followed.
    pub keep_array: bool,
    /// The height of the tree under this node, to bound recursion.
    pub depth: usize,
}

/// The raw syntax: one variant per construct, before paths are assembled.
#[derive(Debug)]
pub(super) enum RawKind {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Regex {
        pattern: String,
        flags: String,
    },
    Name(String),
    Variable(String),
    Wildcard,
    Descendants,
    Parent,
    Placeholder,
    /// An operand missing at the end of the source (JSONata reports it after parsing, as
    /// S0207, so that a missing closing bracket is reported first).
    End,
    Negate(Box<Raw>),
    Binary(BinaryOp, Box<Raw>, Box<Raw>),
    /// `lhs . rhs`
    Map(Box<Raw>, Box<Raw>),
    /// `lhs [ predicate ]`
    Predicate(Box<Raw>, Box<Raw>),
    /// `lhs { key: value, … }`
    GroupBy(Box<Raw>, Vec<(Raw, Raw)>),
    /// `lhs @ $name`
    Focus(Box<Raw>, String),
    /// `lhs # $name`
    Index(Box<Raw>, String),
    /// `lhs ^( terms )`: (descending, key) pairs.
    Sort(Box<Raw>, Vec<(bool, Raw)>),
    Apply(Box<Raw>, Box<Raw>),
    Array(Vec<Raw>),
    Object(Vec<(Raw, Raw)>),
    Block(Vec<Raw>),
    Condition(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
    Default(Box<Raw>, Box<Raw>),
    Coalesce(Box<Raw>, Box<Raw>),
    Bind(String, Box<Raw>),
    Call {
        procedure: Box<Raw>,
        args: Vec<Raw>,
        partial: bool,
    },
    Lambda {
        params: Vec<String>,
        signature: Option<Box<Signature>>,
        body: Box<Raw>,
    },
    Transform {
        pattern: Box<Raw>,
        update: Box<Raw>,
        delete: Option<Box<Raw>>,
    },
}

impl Raw {
    fn new(kind: RawKind, position: usize) -> Raw {
        let depth = 1 + kind.child_depth();
        Raw { kind, position, keep_array: false, depth }
    }
}

impl RawKind {
    /// The largest depth among the node's children.
    fn child_depth(&self) -> usize {
        let pairs =
            |pairs: &[(Raw, Raw)]| pairs.iter().map(|(key, value)| key.depth.max(value.depth)).max().unwrap_or(0);
        let list = |items: &[Raw]| items.iter().map(|item| item.depth).max().unwrap_or(0);
        match self {
            RawKind::String(_)
            | RawKind::Number(_)
            | RawKind::Bool(_)
            | RawKind::Null
            | RawKind::Regex { .. }
            | RawKind::Name(_)
            | RawKind::Variable(_)
            | RawKind::Wildcard
            | RawKind::Descendants
            | RawKind::Parent
            | RawKind::Placeholder
            | RawKind::End => 0,
            RawKind::Negate(operand)
            | RawKind::Focus(operand, _)
            | RawKind::Index(operand, _)
            | RawKind::Bind(_, operand) => operand.depth,
            RawKind::Binary(_, lhs, rhs)
            | RawKind::Map(lhs, rhs)
            | RawKind::Predicate(lhs, rhs)
            | RawKind::Apply(lhs, rhs)
            | RawKind::Default(lhs, rhs)
            | RawKind::Coalesce(lhs, rhs) => lhs.depth.max(rhs.depth),
            RawKind::GroupBy(lhs, group) => lhs.depth.max(pairs(group)),
            RawKind::Sort(lhs, terms) => terms.iter().map(|(_, term)| term.depth).max().unwrap_or(0).max(lhs.depth),
            RawKind::Array(items) | RawKind::Block(items) => list(items),
            RawKind::Object(group) => pairs(group),
            RawKind::Condition(condition, then, otherwise) => {
                condition.depth.max(then.depth).max(otherwise.as_ref().map_or(0, |o| o.depth))
            }
            RawKind::Call { procedure, args, .. } => procedure.depth.max(list(args)),
            RawKind::Lambda { body, .. } => body.depth,
            RawKind::Transform { pattern, update, delete } => {
                pattern.depth.max(update.depth).max(delete.as_ref().map_or(0, |d| d.depth))
            }
        }
    }
}

/// Parses a whole source into a raw tree.
pub(super) fn parse_raw(chars: &[char]) -> Result<Raw, ParseError> {
    let mut parser = Parser { lexer: Lexer::new(chars), position: 0, lookahead: None, nesting: 0 };
    let expr = parser.expression(0)?;
    let next = parser.peek(false)?;
    if next.kind != TokenKind::End {
        return Err(ParseError::new("S0201", format!("Syntax error: {}", parser.describe(&next)), next.start));
    }
    Ok(expr)
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// Where the next token starts looking: just past the last token consumed.
    position: usize,
    /// The next token, read with or without regular expressions allowed.
    lookahead: Option<(bool, Token)>,
    /// How many `expression` calls are under way.
    nesting: usize,
}

impl Parser<'_> {
    /// The next token, without consuming it. `operand` says whether an operand is expected
    /// there (then a `/` starts a regular expression).
    fn peek(&mut self, operand: bool) -> Result<Token, ParseError> {
        if let Some((mode, token)) = &self.lookahead
            && *mode == operand
        {
            return Ok(token.clone());
        }
        let token = self.lexer.token_at(self.position, operand)?;
        self.lookahead = Some((operand, token.clone()));
        Ok(token)
    }

    /// Consumes a token obtained from `peek`.
    fn bump(&mut self, token: &Token) {
        self.position = token.end;
        self.lookahead = None;
    }

    /// Consumes the operator `op`, or fails with S0202 (or S0203 at the end of the source).
    fn expect(&mut self, op: &str) -> Result<Token, ParseError> {
        let token = self.peek(false)?;
        if token.is(op) {
            self.bump(&token);
            return Ok(token);
        }
        Err(self.expected(op, &token))
    }

    fn expected(&self, op: &str, token: &Token) -> ParseError {
        if token.kind == TokenKind::End {
            ParseError::new("S0203", format!("Expected \"{op}\" before end of expression"), token.start)
        } else {
            ParseError::new("S0202", format!("Expected \"{op}\", got {}", self.describe(token)), token.start)
        }
    }

    /// A token as error messages show it.
    fn describe(&self, token: &Token) -> String {
        match &token.kind {
            TokenKind::End => "end of expression".to_owned(),
            TokenKind::String(_) | TokenKind::Number(_) | TokenKind::Regex { .. } => {
                self.lexer.text(token.start, token.end)
            }
            TokenKind::Operator(op) => format!("\"{op}\""),
            TokenKind::Name(_) | TokenKind::Variable(_) | TokenKind::Bool(_) | TokenKind::Null => {
                format!("\"{}\"", self.lexer.text(token.start, token.end))
            }
        }
    }

    /// Parses an expression whose operators all bind tighter than `right_binding_power`.
    fn expression(&mut self, right_binding_power: u8) -> Result<Raw, ParseError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            let token = self.peek(true)?;
            return Err(too_deep(token.start));
        }
        let mut left = self.prefix()?;
        loop {
            if left.depth > MAX_DEPTH {
                return Err(too_deep(left.position));
            }
            let token = self.peek(false)?;
            let TokenKind::Operator(op) = token.kind else {
                break;
            };
            if infix_binding_power(op) <= right_binding_power {
                break;
            }
            self.bump(&token);
            left = self.infix(op, token.start, left)?;
        }
        self.nesting -= 1;
        Ok(left)
    }

    /// The token in operand position and what follows it as its own operands.
    fn prefix(&mut self) -> Result<Raw, ParseError> {
        let token = self.peek(true)?;
        let position = token.start;
        self.bump(&token);
        let kind = match token.kind {
            // Left for `process` to report, so that what the parser finds missing (a closing
            // bracket, say) is reported first, as JSONata does. (Consuming the end is a no-op.)
            TokenKind::End => RawKind::End,
            TokenKind::String(value) => RawKind::String(value),
            TokenKind::Number(value) => RawKind::Number(value),
            TokenKind::Bool(value) => RawKind::Bool(value),
            TokenKind::Null => RawKind::Null,
            TokenKind::Regex { pattern, flags } => RawKind::Regex { pattern, flags },
            TokenKind::Name(name) => RawKind::Name(name),
            TokenKind::Variable(name) => RawKind::Variable(name),
            TokenKind::Operator(op) => return self.prefix_operator(op, position),
        };
        Ok(Raw::new(kind, position))
    }

    fn prefix_operator(&mut self, op: &'static str, position: usize) -> Result<Raw, ParseError> {
        let kind = match op {
            // The keywords double as field names.
            "and" | "or" | "in" => RawKind::Name(op.to_owned()),
            "-" => self.negate()?,
            "*" => RawKind::Wildcard,
            "**" => RawKind::Descendants,
            "%" => RawKind::Parent,
            "(" => RawKind::Block(self.block()?),
            "[" => RawKind::Array(self.array()?),
            "{" => RawKind::Object(self.pairs()?),
            "|" => self.transform()?,
            _ => {
                return Err(ParseError::new(
                    "S0211",
                    format!("The symbol \"{op}\" cannot be used as a unary operator"),
                    position,
                ));
            }
        };
        Ok(Raw::new(kind, position))
    }

    /// The operand of a unary minus.
    fn negate(&mut self) -> Result<RawKind, ParseError> {
        Ok(RawKind::Negate(Box::new(self.expression(70)?)))
    }

    /// `( a; b; … )` after the `(`.
    fn block(&mut self) -> Result<Vec<Raw>, ParseError> {
        let mut expressions = Vec::new();
        while !self.peek(true)?.is(")") {
            expressions.push(self.expression(0)?);
            let token = self.peek(false)?;
            if !token.is(";") {
                break;
            }
            self.bump(&token);
        }
        self.expect(")")?;
        Ok(expressions)
    }

    /// `[ a, b..c, … ]` after the `[`.
    fn array(&mut self) -> Result<Vec<Raw>, ParseError> {
        let mut items = Vec::new();
        if !self.peek(true)?.is("]") {
            loop {
                let mut item = self.expression(0)?;
                let token = self.peek(false)?;
                if token.is("..") {
                    self.bump(&token);
                    let end = self.expression(0)?;
                    item = Raw::new(RawKind::Binary(BinaryOp::Range, Box::new(item), Box::new(end)), token.start);
                }
                items.push(item);
                let token = self.peek(false)?;
                if !token.is(",") {
                    break;
                }
                self.bump(&token);
            }
        }
        self.expect("]")?;
        Ok(items)
    }

    /// `{ key: value, … }` after the `{`.
    fn pairs(&mut self) -> Result<Vec<(Raw, Raw)>, ParseError> {
        let mut pairs = Vec::new();
        if !self.peek(true)?.is("}") {
            loop {
                let key = self.expression(0)?;
                self.expect(":")?;
                let value = self.expression(0)?;
                pairs.push((key, value));
                let token = self.peek(false)?;
                if !token.is(",") {
                    break;
                }
                self.bump(&token);
            }
        }
        self.expect("}")?;
        Ok(pairs)
    }

    /// `| pattern | update [, delete] |` after the first `|`.
    fn transform(&mut self) -> Result<RawKind, ParseError> {
        let pattern = self.expression(0)?;
        self.expect("|")?;
        let update = self.expression(0)?;
        let token = self.peek(false)?;
        let delete = if token.is(",") {
            self.bump(&token);
            Some(Box::new(self.expression(0)?))
        } else {
            None
        };
        self.expect("|")?;
        Ok(RawKind::Transform { pattern: Box::new(pattern), update: Box::new(update), delete })
    }

    /// The operator `op` (at `position`, already consumed) applied to `left`. Each case has
    /// its own method so that the frames on the recursive path stay small.
    fn infix(&mut self, op: &'static str, position: usize, left: Raw) -> Result<Raw, ParseError> {
        let left = Box::new(left);
        match op {
            "." => self.operand_after(left, position, 75, RawKind::Map),
            "~>" => self.operand_after(left, position, 40, RawKind::Apply),
            "?:" => self.operand_after(left, position, 0, RawKind::Default),
            "??" => self.operand_after(left, position, 0, RawKind::Coalesce),
            "[" => self.predicate(left, position),
            "{" => self.group_by(left, position),
            "(" => self.call(left, position),
            "@" | "#" => self.binding(op, left, position),
            "^" => self.sort(left, position),
            "?" => self.condition(left, position),
            ":=" => self.bind(*left, position),
            _ => self.binary(op, left, position),
        }
    }

    /// `left op right`, where `right` binds tighter than `binding_power`.
    fn operand_after(
        &mut self,
        left: Box<Raw>,
        position: usize,
        binding_power: u8,
        make: fn(Box<Raw>, Box<Raw>) -> RawKind,
    ) -> Result<Raw, ParseError> {
        let right = Box::new(self.expression(binding_power)?);
        Ok(Raw::new(make(left, right), position))
    }

    fn binary(&mut self, op: &'static str, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let Some(binary) = binary_operator(op) else {
            return Err(ParseError::new("S0204", format!("Unknown operator: \"{op}\""), position));
        };
        let right = Box::new(self.expression(infix_binding_power(op))?);
        Ok(Raw::new(RawKind::Binary(binary, left, right), position))
    }

    /// `left{ key: value, … }` after the `{`.
    fn group_by(&mut self, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let pairs = self.pairs()?;
        Ok(Raw::new(RawKind::GroupBy(left, pairs), position))
    }

    /// `left@$name` or `left#$name` after the operator.
    fn binding(&mut self, op: &'static str, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let right = self.expression(80)?;
        let RawKind::Variable(name) = right.kind else {
            return Err(ParseError::new(
                "S0214",
                format!("The right side of {op} must be a variable name (start with $)"),
                right.position,
            ));
        };
        let kind = if op == "@" { RawKind::Focus(left, name) } else { RawKind::Index(left, name) };
        Ok(Raw::new(kind, position))
    }

    /// `left ^( terms )` after the `^`.
    fn sort(&mut self, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let terms = self.sort_terms()?;
        Ok(Raw::new(RawKind::Sort(left, terms), position))
    }

    /// `left ? then : otherwise` after the `?`.
    fn condition(&mut self, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let then = Box::new(self.expression(0)?);
        let token = self.peek(false)?;
        let otherwise = if token.is(":") {
            self.bump(&token);
            Some(Box::new(self.expression(0)?))
        } else {
            None
        };
        Ok(Raw::new(RawKind::Condition(left, then, otherwise), position))
    }

    /// `$name := value` after the `:=`.
    fn bind(&mut self, left: Raw, position: usize) -> Result<Raw, ParseError> {
        let RawKind::Variable(name) = left.kind else {
            return Err(ParseError::new(
                "S0212",
                "The left side of := must be a variable name (start with $)".to_owned(),
                left.position,
            ));
        };
        // One less than its own binding power: right associative.
        let value = Box::new(self.expression(9)?);
        Ok(Raw::new(RawKind::Bind(name, value), position))
    }

    /// `left[ predicate ]` or `left[]`, after the `[`.
    fn predicate(&mut self, mut left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let token = self.peek(true)?;
        if token.is("]") {
            self.bump(&token);
            // An empty predicate marks the step it follows: keep singleton arrays.
            let mut node = &mut *left;
            while let RawKind::Predicate(lhs, _) = &mut node.kind {
                node = lhs;
            }
            node.keep_array = true;
            return Ok(*left);
        }
        let predicate = Box::new(self.expression(0)?);
        self.expect("]")?;
        Ok(Raw::new(RawKind::Predicate(left, predicate), position))
    }

    /// `left( args )` after the `(`: a function call, a partial application, or, when
    /// `left` is the name `function` or `λ`, a function definition.
    fn call(&mut self, left: Box<Raw>, position: usize) -> Result<Raw, ParseError> {
        let (args, partial) = self.arguments()?;
        if matches!(&left.kind, RawKind::Name(name) if name == "function" || name == "λ") {
            return self.lambda(left.position, args);
        }
        let kind = RawKind::Call { procedure: left, args, partial };
        Ok(Raw::new(kind, position))
    }

    /// The arguments of a call up to and including the `)`, and whether any is `?`.
    fn arguments(&mut self) -> Result<(Vec<Raw>, bool), ParseError> {
        let mut args = Vec::new();
        let mut partial = false;
        if !self.peek(true)?.is(")") {
            loop {
                let token = self.peek(true)?;
                if token.is("?") {
                    self.bump(&token);
                    partial = true;
                    args.push(Raw::new(RawKind::Placeholder, token.start));
                } else {
                    args.push(self.expression(0)?);
                }
                let token = self.peek(false)?;
                if !token.is(",") {
                    break;
                }
                self.bump(&token);
            }
        }
        self.expect(")")?;
        Ok((args, partial))
    }

    /// The rest of a function definition whose keyword is at `position`, after its
    /// parameter list: an optional signature and the body in braces.
    fn lambda(&mut self, position: usize, args: Vec<Raw>) -> Result<Raw, ParseError> {
        let mut params = Vec::with_capacity(args.len());
        for (index, arg) in args.into_iter().enumerate() {
            let RawKind::Variable(name) = arg.kind else {
                return Err(ParseError::new(
                    "S0208",
                    format!("Parameter {} of function definition must be a variable name (start with $)", index + 1),
                    arg.position,
                ));
            };
            params.push(name);
        }
        let token = self.peek(false)?;
        let signature = if token.is("<") {
            self.bump(&token);
            Some(Box::new(self.signature(token.start)?))
        } else {
            None
        };
        self.expect("{")?;
        let body = Box::new(self.expression(0)?);
        self.expect("}")?;
        let kind = RawKind::Lambda { params, signature, body };
        Ok(Raw::new(kind, position))
    }

    /// A function signature, after its opening `<` (at `start`): the tokens up to the
    /// matching `>`, joined.
    fn signature(&mut self, start: usize) -> Result<Signature, ParseError> {
        let mut text = String::from("<");
        let mut depth = 1;
        while depth > 0 {
            let token = self.peek(false)?;
            if token.kind == TokenKind::End || token.is("{") {
                return Err(self.expected(">", &token));
            }
            self.bump(&token);
            if token.is(">") {
                depth -= 1;
            } else if token.is("<") {
                depth += 1;
            }
            text.push_str(&self.lexer.text(token.start, token.end));
        }
        signature::parse(&text, start)
    }

    /// `^( [<|>] key, … )` after the `^`.
    fn sort_terms(&mut self) -> Result<Vec<(bool, Raw)>, ParseError> {
        self.expect("(")?;
        let mut terms = Vec::new();
        loop {
            let token = self.peek(true)?;
            let descending = token.is(">");
            if descending || token.is("<") {
                self.bump(&token);
            }
            terms.push((descending, self.expression(0)?));
            let token = self.peek(false)?;
            if !token.is(",") {
                break;
            }
            self.bump(&token);
        }
        self.expect(")")?;
        Ok(terms)
    }
}

fn too_deep(position: usize) -> ParseError {
    ParseError::new("U1001", format!("Expression nested too deeply (more than {MAX_DEPTH} levels)"), position)
}

/// How tightly an operator in infix position binds to its left operand (0: not infix).
fn infix_binding_power(op: &str) -> u8 {
    match op {
        "[" | "(" | "@" | "#" => 80,
        "." => 75,
        "{" => 70,
        "*" | "/" | "%" => 60,
        "+" | "-" | "&" => 50,
        "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "~>" | "^" | "?:" | "??" => 40,
        "and" => 30,
        "or" => 25,
        "?" => 20,
        ":=" => 10,
        _ => 0,
    }
}

fn binary_operator(op: &str) -> Option<BinaryOp> {
    Some(match op {
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Subtract,
        "*" => BinaryOp::Multiply,
        "/" => BinaryOp::Divide,
        "%" => BinaryOp::Modulo,
        "=" => BinaryOp::Equal,
        "!=" => BinaryOp::NotEqual,
        "<" => BinaryOp::Less,
        "<=" => BinaryOp::LessOrEqual,
        ">" => BinaryOp::Greater,
        ">=" => BinaryOp::GreaterOrEqual,
        "&" => BinaryOp::Concat,
        "and" => BinaryOp::And,
        "or" => BinaryOp::Or,
        "in" => BinaryOp::In,
        _ => return None,
    })
}

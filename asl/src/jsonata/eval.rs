//! The JSONata evaluator: runs a parsed [`Expr`] against a JSON input, as Step Functions
//! does for `{% … %}` expressions (JSONata 2.0 semantics plus the AWS extras).
//!
//! Values are JSONata's: JSON values plus functions, with sequences (arrays that collapse to
//! their only item, or to nothing when empty) and `undefined` (`None`). Evaluation is bounded:
//! nesting deeper than [`MAX_DEPTH`] or more than [`MAX_STEPS`] steps of work end it with an
//! error (code `U1001`/`U1002`) instead of exhausting the stack or running for ever.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::ast::{BinaryOp, Expr, ExprKind, Group, Lambda, Path, Signature, SortTerm, Stage, Step};
use super::functions;
use super::regex::JsRegex;
use crate::eval::{Environment, EvalError};

/// How deeply evaluations may nest (expressions within expressions, function calls within
/// function calls) before evaluation stops with `U1001`. Tail calls do not count.
pub const MAX_DEPTH: usize = 300;

/// How many steps of work (expression evaluations, items visited, characters built) one
/// evaluation may take before it stops with `U1002`.
pub const MAX_STEPS: u64 = 2_000_000;

/// The cause given when an expression's value is a function, which JSON cannot hold (AWS: the
/// expression "returned an unsupported result type").
pub const UNSUPPORTED_RESULT: &str = "returned an unsupported result type";

/// Evaluates a parsed expression. `input` is the context value (`$` at the top level);
/// `bindings` are variables by name without the `$` (Step Functions passes `states` =
/// {input, result?, errorOutput?, context} and every workflow variable).
/// `Ok(None)` means JSONata's `undefined`.
///
/// Errors are `States.QueryEvaluationError` with JSONata's code and message as the cause
/// (`T2001: The left side of the "+" operator must evaluate to a number`). A value that is
/// (or holds) a function gives the cause [`UNSUPPORTED_RESULT`].
///
/// ```
/// use asl::eval::FixedEnvironment;
/// use asl::jsonata::{evaluate, parse};
///
/// let expr = parse("$sum($states.input.prices) * 2").unwrap();
/// let mut bindings = serde_json::Map::new();
/// bindings.insert("states".into(), serde_json::json!({"input": {"prices": [1, 2.5]}}));
/// let mut env = FixedEnvironment::new(1, 0);
/// let value = evaluate(&expr, &serde_json::Value::Null, &bindings, &mut env).unwrap();
/// assert_eq!(value, Some(serde_json::json!(7)));
/// ```
pub fn evaluate(
    expr: &Expr,
    input: &Value,
    bindings: &Map<String, Value>,
    env: &mut dyn Environment,
) -> Result<Option<Value>, EvalError> {
    let mut ev = Ev::new(bindings, env);
    let mut input = from_json(input);
    if let Val::Arr(items, flags) = &input
        && !flags.seq
    {
        input =
            Val::Arr(Rc::new(vec![Val::Arr(items.clone(), *flags)]), Flags { seq: true, outer: true, ..Flags::NONE });
    }
    let root = Frame::new(None);
    root.bind("$", Some(input.clone()));
    let result = ev.eval(expr, &Some(input), &root).map_err(|error| EvalError::query(error.to_string()))?;
    match result {
        None => Ok(None),
        Some(value) => to_json(&value).map(Some).ok_or_else(|| EvalError::query(UNSUPPORTED_RESULT)),
    }
}

// ---------------------------------------------------------------------------------------
// Values

/// Flags on an array: JSONata's sequence bookkeeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Flags {
    /// A sequence: collapses to its item when it has one, to nothing when empty.
    pub seq: bool,
    /// A sequence that must stay an array even with one item (`[]`).
    pub keep: bool,
    /// Built by an array constructor in a path: not flattened into the path's result.
    pub cons: bool,
    /// The wrapper JSONata puts around an array input.
    pub outer: bool,
}

impl Flags {
    /// No flags: a plain array.
    pub const NONE: Flags = Flags { seq: false, keep: false, cons: false, outer: false };
    /// A sequence.
    pub const SEQ: Flags = Flags { seq: true, keep: false, cons: false, outer: false };
}

/// An object: keys in insertion order.
pub(super) type Obj<'a> = IndexMap<String, Val<'a>>;

/// A JSONata value (never `undefined`: that is `None` in an `Option<Val>`).
#[derive(Clone)]
pub(super) enum Val<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<Val<'a>>>, Flags),
    Obj(Rc<Obj<'a>>),
    Func(Rc<Func<'a>>),
    /// A tuple stream: path items with their `@`, `#` and parent bindings (internal).
    Tuples(Rc<Vec<Tuple<'a>>>),
}

impl std::fmt::Debug for Val<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&stringify(self, false))
    }
}

/// One item of a tuple stream.
#[derive(Clone)]
pub(super) struct Tuple<'a> {
    /// The item (`@`).
    pub at: Option<Val<'a>>,
    /// Focus, index and parent bindings, by frame key.
    pub binds: Vec<(Rc<str>, Val<'a>)>,
}

impl<'a> Tuple<'a> {
    fn set(&mut self, key: Rc<str>, value: Val<'a>) {
        match self.binds.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.binds.push((key, value)),
        }
    }
}

/// A function value.
pub(super) enum Func<'a> {
    /// A lambda with the scope and context it was defined in.
    Lambda { def: &'a Lambda, env: Rc<Frame<'a>>, input: Option<Val<'a>> },
    /// A built-in function.
    Builtin(&'static functions::Builtin),
    /// A partial application: `None` marks a `?` still to be supplied.
    Partial { func: Rc<Func<'a>>, args: Vec<Option<Option<Val<'a>>>> },
    /// A transform `| pattern | update, delete |`.
    Transform { expr: &'a Expr, env: Rc<Frame<'a>> },
    /// A regular expression: called with a string, it returns the first match object.
    Regex(Rc<JsRegex>),
    /// The `next` function of a match object.
    RegexNext { regex: Rc<JsRegex>, text: Rc<str>, from: usize },
    /// `f ~> g` for two functions: `g(f(x))`.
    Compose(Rc<Func<'a>>, Rc<Func<'a>>),
}

impl Func<'_> {
    /// How many arguments the function declares (what higher-order functions pass).
    pub fn arity(&self) -> usize {
        match self {
            Func::Lambda { def, .. } => def.params.len(),
            Func::Builtin(builtin) => builtin.arity,
            Func::Partial { args, .. } => args.iter().filter(|arg| arg.is_none()).count(),
            Func::Transform { .. } | Func::Regex(_) | Func::Compose(..) => 1,
            Func::RegexNext { .. } => 0,
        }
    }
}

impl<'a> Val<'a> {
    pub fn str(text: &str) -> Val<'a> {
        Val::Str(Rc::from(text))
    }

    pub fn string(text: String) -> Val<'a> {
        Val::Str(Rc::from(text))
    }

    pub fn array(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(items), Flags::NONE)
    }

    pub fn seq(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Rc::new(items), Flags::SEQ)
    }

    pub fn object(object: Obj<'a>) -> Val<'a> {
        Val::Obj(Rc::new(object))
    }

    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of an array, or the value itself as one item.
    pub fn items(&self) -> Vec<Val<'a>> {
        match self {
            Val::Arr(items, _) => items.as_ref().clone(),
            Val::Tuples(tuples) => tuples.iter().filter_map(|tuple| tuple.at.clone()).collect(),
            other => vec![other.clone()],
        }
    }
}

/// The type name JSONata's `$type` gives.
pub(super) fn type_of(value: &Val) -> &'static str {
    match value {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::Str(_) => "string",
        Val::Arr(..) | Val::Tuples(_) => "array",
        Val::Obj(_) => "object",
        Val::Func(_) => "function",
    }
}

/// Converts JSON into a value.
pub(super) fn from_json<'a>(value: &Value) -> Val<'a> {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Val::str(s),
        Value::Array(items) => Val::array(items.iter().map(from_json).collect()),
        Value::Object(fields) => Val::object(fields.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

/// A number as JSON: whole numbers that fit exactly become integers.
pub(super) fn number_to_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Converts a value into JSON; `None` when it holds a function.
pub(super) fn to_json(value: &Val) -> Option<Value> {
    Some(match value {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => number_to_json(*n),
        Val::Str(s) => Value::String(s.to_string()),
        Val::Arr(items, _) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Val::Tuples(tuples) => {
            Value::Array(tuples.iter().filter_map(|t| t.at.as_ref()).map(to_json).collect::<Option<_>>()?)
        }
        Val::Obj(fields) => {
            let mut map = Map::new();
            for (key, item) in fields.iter() {
                map.insert(key.clone(), to_json(item)?);
            }
            Value::Object(map)
        }
        Val::Func(_) => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Errors

/// An evaluation error: JSONata's code and message.
#[derive(Debug, Clone)]
pub(super) struct Error {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The result of evaluation steps.
pub(super) type R<T> = Result<T, Box<Error>>;

/// An error with this code and message.
pub(super) fn err<T>(code: &'static str, message: impl Into<String>) -> R<T> {
    Err(Box::new(Error { code, message: message.into() }))
}

/// A value as JSONata error messages quote it (`JSON.stringify`).
pub(super) fn quote(value: &Option<Val>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(value) => stringify(value, false),
    }
}

// ---------------------------------------------------------------------------------------
// Scopes

/// A scope: variables bound in it, and the scope around it.
pub(super) struct Frame<'a> {
    vars: RefCell<HashMap<Rc<str>, Option<Val<'a>>>>,
    parent: Option<Rc<Frame<'a>>>,
}

impl<'a> Frame<'a> {
    pub fn new(parent: Option<Rc<Frame<'a>>>) -> Rc<Frame<'a>> {
        Rc::new(Frame { vars: RefCell::new(HashMap::new()), parent })
    }

    pub fn bind(&self, name: &str, value: Option<Val<'a>>) {
        self.vars.borrow_mut().insert(Rc::from(name), value);
    }

    fn bind_key(&self, name: Rc<str>, value: Option<Val<'a>>) {
        self.vars.borrow_mut().insert(name, value);
    }

    /// The value bound to `name` here or in an enclosing scope: `Some(value)` if bound
    /// (possibly to undefined), `None` if not bound in any frame.
    fn find(&self, name: &str) -> Option<Option<Val<'a>>> {
        if let Some(value) = self.vars.borrow().get(name) {
            return Some(value.clone());
        }
        self.parent.as_ref().and_then(|parent| parent.find(name))
    }
}

/// The frame key under which the parent step with this label binds its input.
fn label_key(label: usize) -> Rc<str> {
    Rc::from(format!("%{label}"))
}

// ---------------------------------------------------------------------------------------
// The evaluator

/// What a tail position produced: a value, or a call still to make.
enum Tail<'a> {
    Done(Option<Val<'a>>),
    Call(Rc<Func<'a>>, Vec<Option<Val<'a>>>, Option<Val<'a>>),
}

/// Evaluation state for one call of [`evaluate`].
pub(super) struct Ev<'a, 'e> {
    bindings: &'a Map<String, Value>,
    converted: HashMap<String, Val<'a>>,
    pub env: &'e mut dyn Environment,
    depth: usize,
    steps: u64,
    now: Option<i64>,
    regexes: HashMap<*const Expr, Rc<JsRegex>>,
    signatures: HashMap<&'static str, Rc<Signature>>,
}

impl<'a, 'e> Ev<'a, 'e> {
    fn new(bindings: &'a Map<String, Value>, env: &'e mut dyn Environment) -> Self {
        Ev {
            bindings,
            converted: HashMap::new(),
            env,
            depth: 0,
            steps: 0,
            now: None,
            regexes: HashMap::new(),
            signatures: HashMap::new(),
        }
    }

    /// The time of this evaluation (read from the environment once).
    pub fn now_millis(&mut self) -> i64 {
        if let Some(now) = self.now {
            return now;
        }
        let now = self.env.now_millis();
        self.now = Some(now);
        now
    }

    /// Counts `n` steps of work, failing once the budget is spent.
    pub fn charge(&mut self, n: u64) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            return err("U1002", "Expression evaluation exceeded its budget: check for an infinite loop");
        }
        Ok(())
    }

    fn lookup(&mut self, env: &Rc<Frame<'a>>, name: &str) -> Option<Option<Val<'a>>> {
        if let Some(found) = env.find(name) {
            return Some(found);
        }
        if let Some(value) = self.converted.get(name) {
            return Some(Some(value.clone()));
        }
        if let Some(json) = self.bindings.get(name) {
            let value = from_json(json);
            self.converted.insert(name.to_owned(), value.clone());
            return Some(Some(value));
        }
        functions::builtin(name).map(|builtin| Some(Val::Func(Rc::new(Func::Builtin(builtin)))))
    }

    /// Evaluates `expr` against `input` in scope `env`.
    pub fn eval(&mut self, expr: &'a Expr, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        let keep = matches!(expr.kind, ExprKind::Postfix { keep_array: true, .. });
        self.eval_keep(expr, input, env, keep)
    }

    fn eval_keep(
        &mut self,
        expr: &'a Expr,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
        keep: bool,
    ) -> R<Option<Val<'a>>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            );
        }
        let result = self.charge(1).and_then(|()| self.eval_kind(expr, input, env));
        self.depth -= 1;
        Ok(finish(result?, keep))
    }

    fn eval_kind(&mut self, expr: &'a Expr, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        Ok(match &expr.kind {
            ExprKind::String(s) => Some(Val::str(s)),
            ExprKind::Number(n) => Some(Val::Num(*n)),
            ExprKind::Bool(b) => Some(Val::Bool(*b)),
            ExprKind::Null => Some(Val::Null),
            ExprKind::Regex { pattern, flags } => {
                Some(Val::Func(Rc::new(Func::Regex(self.regex(expr, pattern, flags)?))))
            }
            ExprKind::Name(name) => input.as_ref().and_then(|input| lookup_field(input, name)),
            ExprKind::Variable(name) => self.variable(name, input, env),
            ExprKind::Wildcard => input.as_ref().and_then(wildcard),
            ExprKind::Descendants => input.as_ref().and_then(descendants),
            ExprKind::Parent { label } => env.find(&label_key(*label)).flatten(),
            ExprKind::Path(path) => self.path(path, input, env)?,
            ExprKind::Postfix { expr: inner, predicates, group, .. } => {
                self.postfix(inner, predicates, group.as_ref(), input, env)?
            }
            ExprKind::Negate(operand) => self.negate(operand, input, env)?,
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, input, env)?,
            ExprKind::Apply { lhs, rhs } => self.apply_operator(lhs, rhs, input, env)?,
            ExprKind::Array(items) => Some(self.array(items, input, env)?),
            ExprKind::Object(pairs) => Some(self.group(pairs, input.clone(), env)?),
            ExprKind::Block(items) => self.block(items, input, env)?,
            ExprKind::Condition { .. } | ExprKind::Call { partial: false, .. } => {
                match self.eval_tail(expr, input, env)? {
                    Tail::Done(value) => value,
                    Tail::Call(func, args, input) => finish(self.apply_func(&func, args, &input)?, false),
                }
            }
            ExprKind::Default { lhs, rhs } => {
                let value = self.eval(lhs, input, env)?;
                if value.as_ref().is_some_and(truthy) { value } else { self.eval(rhs, input, env)? }
            }
            ExprKind::Coalesce { lhs, rhs } => match self.eval(lhs, input, env)? {
                Some(value) => Some(value),
                None => self.eval(rhs, input, env)?,
            },
            ExprKind::Bind { name, value } => {
                let value = self.eval(value, input, env)?;
                env.bind(name, value.clone());
                value
            }
            ExprKind::Call { procedure, args, .. } => self.partial(procedure, args, input, env)?,
            ExprKind::Placeholder => return err("S0201", "Syntax error: \"?\""),
            ExprKind::Lambda(def) => {
                Some(Val::Func(Rc::new(Func::Lambda { def, env: env.clone(), input: input.clone() })))
            }
            ExprKind::Transform { .. } => Some(Val::Func(Rc::new(Func::Transform { expr, env: env.clone() }))),
            ExprKind::Sort(terms) => {
                let items = input.as_ref().map(Val::items).unwrap_or_default();
                Some(Val::seq(self.sort(terms, items, env)?))
            }
        })
    }

    fn regex(&mut self, expr: &'a Expr, pattern: &str, flags: &str) -> R<Rc<JsRegex>> {
        let key = expr as *const Expr;
        if let Some(regex) = self.regexes.get(&key) {
            return Ok(regex.clone());
        }
        let regex = Rc::new(JsRegex::new(pattern, flags)?);
        self.regexes.insert(key, regex.clone());
        Ok(regex)
    }

    fn variable(&mut self, name: &str, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> Option<Val<'a>> {
        if name.is_empty() {
            return match input {
                Some(Val::Arr(items, flags)) if flags.outer => items.first().cloned(),
                other => other.clone(),
            };
        }
        self.lookup(env, name).flatten()
    }

    fn postfix(
        &mut self,
        inner: &'a Expr,
        predicates: &'a [Expr],
        group: Option<&'a Group>,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Option<Val<'a>>> {
        let mut result = self.eval(inner, input, env)?;
        for predicate in predicates {
            result = self.filter(predicate, result, env)?;
        }
        if let Some(group) = group {
            result = Some(self.group(&group.pairs, result, env)?);
        }
        Ok(result)
    }

    fn negate(&mut self, operand: &'a Expr, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        match self.eval(operand, input, env)? {
            None => Ok(None),
            Some(Val::Num(n)) => Ok(Some(Val::Num(-n))),
            other => err("D1002", format!("Cannot negate a non-numeric value: {}", quote(&other))),
        }
    }

    fn block(&mut self, items: &'a [Expr], input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        let frame = Frame::new(Some(env.clone()));
        let mut result = None;
        for item in items {
            result = self.eval(item, input, &frame)?;
        }
        Ok(result)
    }

    /// Evaluates `expr` where its value is returned from a function: a call there is handed
    /// back to be made by the caller's loop (tail-call elimination).
    fn eval_tail(&mut self, expr: &'a Expr, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Tail<'a>> {
        match &expr.kind {
            ExprKind::Condition { condition, then, otherwise } => {
                let test = self.eval(condition, input, env)?;
                if test.as_ref().is_some_and(truthy) {
                    self.eval_tail(then, input, env)
                } else if let Some(otherwise) = otherwise {
                    self.eval_tail(otherwise, input, env)
                } else {
                    Ok(Tail::Done(None))
                }
            }
            ExprKind::Block(items) if !items.is_empty() => {
                let frame = Frame::new(Some(env.clone()));
                for item in &items[..items.len() - 1] {
                    self.eval(item, input, &frame)?;
                }
                self.eval_tail(&items[items.len() - 1], input, &frame)
            }
            ExprKind::Call { procedure, args, partial: false } => {
                let (func, args) = self.prepare_call(procedure, args, None, input, env)?;
                Ok(Tail::Call(func, args, input.clone()))
            }
            _ => Ok(Tail::Done(self.eval(expr, input, env)?)),
        }
    }

    // -- paths ----------------------------------------------------------------------------

    fn path(&mut self, path: &'a Path, input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        let first_is_variable = matches!(path.steps[0].expr.kind, ExprKind::Variable(_));
        let mut inputs: Vec<Option<Val<'a>>> = match input {
            Some(Val::Arr(items, _)) if !first_is_variable => items.iter().cloned().map(Some).collect(),
            other => vec![other.clone()],
        };
        let mut tuple_mode = path.tuple;
        let mut tuples: Option<Vec<Tuple<'a>>> =
            path.tuple.then(|| vec![Tuple { at: input.clone(), binds: Vec::new() }]);
        let mut result: (Rc<Vec<Val<'a>>>, Flags) = (Rc::new(Vec::new()), Flags::SEQ);
        let last = path.steps.len() - 1;
        for (index, step) in path.steps.iter().enumerate() {
            tuple_mode |= step.tuple;
            if index == 0 && step.cons_array {
                let whole = match input {
                    Some(Val::Arr(..)) if !first_is_variable => input.clone(),
                    other => Some(Val::seq(other.iter().cloned().collect())),
                };
                result = match self.eval(&step.expr, &whole, env)? {
                    Some(Val::Arr(items, mut flags)) => {
                        flags.cons = true;
                        (items, flags)
                    }
                    Some(other) => (Rc::new(vec![other]), Flags::SEQ),
                    None => (Rc::new(Vec::new()), Flags::SEQ),
                };
            } else if tuple_mode {
                tuples = Some(self.tuple_step(step, &inputs, tuples.take(), env)?);
            } else {
                result = self.step(step, &inputs, env, index == last)?;
            }
            if !tuple_mode && result.0.is_empty() {
                break;
            }
            if step.focus.is_none() {
                inputs = result.0.iter().cloned().map(Some).collect();
            }
        }
        if tuple_mode {
            let tuples = tuples.unwrap_or_default();
            if path.tuple {
                let stream = Val::Tuples(Rc::new(tuples));
                return match &path.group {
                    Some(group) => Ok(Some(self.group(&group.pairs, Some(stream), env)?)),
                    None => Ok(Some(stream)),
                };
            }
            if let Some(group) = &path.group {
                return Ok(Some(self.group(&group.pairs, Some(Val::Tuples(Rc::new(tuples))), env)?));
            }
            result = (Rc::new(tuples.into_iter().filter_map(|tuple| tuple.at).collect()), Flags::SEQ);
        }
        if path.keep_singleton_array {
            if result.1.cons && !result.1.seq {
                result = (Rc::new(vec![Val::Arr(result.0, result.1)]), Flags::SEQ);
            }
            result.1.keep = true;
        }
        let value = Val::Arr(result.0, result.1);
        match &path.group {
            Some(group) => Ok(Some(self.group(&group.pairs, Some(value), env)?)),
            None => Ok(Some(value)),
        }
    }

    fn step(
        &mut self,
        step: &'a Step,
        inputs: &[Option<Val<'a>>],
        env: &Rc<Frame<'a>>,
        last: bool,
    ) -> R<(Rc<Vec<Val<'a>>>, Flags)> {
        if let ExprKind::Sort(terms) = &step.expr.kind {
            let items = inputs.iter().flatten().cloned().collect();
            let mut result = Some(Val::seq(self.sort(terms, items, env)?));
            for stage in &step.stages {
                if let Stage::Filter(predicate) = stage {
                    result = self.filter(predicate, result, env)?;
                }
            }
            return Ok(match result {
                Some(Val::Arr(items, flags)) => (items, flags),
                Some(other) => (Rc::new(vec![other]), Flags::SEQ),
                None => (Rc::new(Vec::new()), Flags::SEQ),
            });
        }
        let mut results = Vec::with_capacity(inputs.len());
        for item in inputs {
            self.charge(1)?;
            let mut value = self.eval_keep(&step.expr, item, env, step.keep_array)?;
            if step.cons_array
                && let Some(Val::Arr(_, flags)) = &mut value
            {
                flags.cons = true;
            }
            for stage in &step.stages {
                if let Stage::Filter(predicate) = stage {
                    value = self.filter(predicate, value, env)?;
                }
            }
            if let Some(value) = value {
                results.push(value);
            }
        }
        if last
            && results.len() == 1
            && let Val::Arr(items, flags) = &results[0]
            && !flags.seq
        {
            return Ok((items.clone(), *flags));
        }
        let mut sequence = Vec::with_capacity(results.len());
        let total: usize = results
            .iter()
            .map(|value| match value {
                Val::Arr(items, flags) if !flags.cons => items.len(),
                _ => 1,
            })
            .sum();
        self.charge(total as u64)?;
        for value in results {
            match value {
                Val::Arr(items, flags) if !flags.cons => sequence.extend(items.iter().cloned()),
                Val::Tuples(tuples) => sequence.extend(tuples.iter().filter_map(|t| t.at.clone())),
                other => sequence.push(other),
            }
        }
        Ok((Rc::new(sequence), Flags::SEQ))
    }

    fn tuple_step(
        &mut self,
        step: &'a Step,
        inputs: &[Option<Val<'a>>],
        tuples: Option<Vec<Tuple<'a>>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Vec<Tuple<'a>>> {
        let mut result: Vec<Tuple<'a>>;
        if let ExprKind::Sort(terms) = &step.expr.kind {
            result = match tuples {
                Some(tuples) => self.sort_tuples(terms, tuples, env)?,
                None => {
                    let items = inputs.iter().flatten().cloned().collect();
                    let sorted = self.sort(terms, items, env)?;
                    sorted
                        .into_iter()
                        .enumerate()
                        .map(|(position, item)| {
                            let mut tuple = Tuple { at: Some(item), binds: Vec::new() };
                            if let Some(index) = &step.index {
                                tuple.set(Rc::from(index.as_str()), Val::Num(position as f64));
                            }
                            tuple
                        })
                        .collect()
                }
            };
        } else {
            let tuples = tuples
                .unwrap_or_else(|| inputs.iter().map(|item| Tuple { at: item.clone(), binds: Vec::new() }).collect());
            result = Vec::new();
            for tuple in &tuples {
                self.charge(1)?;
                let frame = frame_from_tuple(env, tuple);
                let mut value = self.eval_keep(&step.expr, &tuple.at, &frame, step.keep_array)?;
                if step.cons_array
                    && let Some(Val::Arr(_, flags)) = &mut value
                {
                    flags.cons = true;
                }
                let Some(value) = value else { continue };
                if let Val::Tuples(inner) = &value {
                    for found in inner.iter() {
                        let mut merged = tuple.clone();
                        merged.at = found.at.clone();
                        for (key, item) in &found.binds {
                            merged.set(key.clone(), item.clone());
                        }
                        result.push(merged);
                    }
                    continue;
                }
                let items = match value {
                    Val::Arr(items, _) => items.as_ref().clone(),
                    other => vec![other],
                };
                for (position, item) in items.into_iter().enumerate() {
                    let mut next = tuple.clone();
                    match &step.focus {
                        Some(focus) => next.set(Rc::from(focus.as_str()), item),
                        None => next.at = Some(item),
                    }
                    if let Some(index) = &step.index {
                        next.set(Rc::from(index.as_str()), Val::Num(position as f64));
                    }
                    if let Some(label) = step.ancestor
                        && let Some(at) = &tuple.at
                    {
                        next.set(label_key(label), at.clone());
                    }
                    result.push(next);
                }
            }
        }
        for stage in &step.stages {
            match stage {
                Stage::Filter(predicate) => {
                    result = match self.filter(predicate, Some(Val::Tuples(Rc::new(result))), env)? {
                        Some(Val::Tuples(tuples)) => Rc::try_unwrap(tuples).unwrap_or_else(|rc| rc.as_ref().clone()),
                        _ => Vec::new(),
                    };
                }
                Stage::Index { name, .. } => {
                    let key: Rc<str> = Rc::from(name.as_str());
                    for (position, tuple) in result.iter_mut().enumerate() {
                        tuple.set(key.clone(), Val::Num(position as f64));
                    }
                }
            }
        }
        Ok(result)
    }

    /// Applies a predicate `[ … ]` to a value or tuple stream.
    fn filter(&mut self, predicate: &'a Expr, input: Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        let Some(input) = input else { return Ok(None) };
        if let Val::Tuples(tuples) = &input {
            let mut kept = Vec::new();
            let count = tuples.len();
            if let ExprKind::Number(n) = predicate.kind {
                if let Some(index) = position_index(n, count) {
                    kept.push(tuples[index].clone());
                }
                return Ok(Some(Val::Tuples(Rc::new(kept))));
            }
            for (index, tuple) in tuples.iter().enumerate() {
                let frame = frame_from_tuple(env, tuple);
                let value = self.eval(predicate, &tuple.at, &frame)?;
                if predicate_selects(&value, index, count) {
                    kept.push(tuple.clone());
                }
            }
            return Ok(Some(Val::Tuples(Rc::new(kept))));
        }
        let items = match &input {
            Val::Arr(items, _) => items.clone(),
            other => Rc::new(vec![other.clone()]),
        };
        let count = items.len();
        if let ExprKind::Number(n) = predicate.kind {
            return Ok(match position_index(n, count).map(|index| items[index].clone()) {
                Some(Val::Arr(inner, flags)) => Some(Val::Arr(inner, flags)),
                Some(item) => Some(Val::seq(vec![item])),
                None => Some(Val::seq(Vec::new())),
            });
        }
        let mut kept = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let value = self.eval(predicate, &Some(item.clone()), env)?;
            if predicate_selects(&value, index, count) {
                kept.push(item.clone());
            }
        }
        Ok(Some(Val::seq(kept)))
    }

    // -- constructors ---------------------------------------------------------------------

    fn array(&mut self, items: &'a [Expr], input: &Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Val<'a>> {
        let mut result = Vec::with_capacity(items.len());
        for item in items {
            let value = match &item.kind {
                ExprKind::Binary { op: BinaryOp::Range, lhs, rhs } => self.range(lhs, rhs, input, env)?,
                _ => self.eval(item, input, env)?,
            };
            let Some(value) = value else { continue };
            if let Val::Arr(inner, _) = &value {
                self.charge(inner.len() as u64)?;
            }
            let constructor = matches!(&item.kind, ExprKind::Array(_))
                || matches!(&item.kind, ExprKind::Postfix { expr, .. } if matches!(expr.kind, ExprKind::Array(_)));
            match value {
                Val::Arr(inner, _) if !constructor => result.extend(inner.iter().cloned()),
                Val::Tuples(tuples) if !constructor => result.extend(tuples.iter().filter_map(|t| t.at.clone())),
                other => result.push(other),
            }
        }
        Ok(Val::array(result))
    }

    fn range(
        &mut self,
        lhs: &'a Expr,
        rhs: &'a Expr,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Option<Val<'a>>> {
        let start = self.eval(lhs, input, env)?;
        let end = self.eval(rhs, input, env)?;
        let start = match start {
            None => None,
            Some(Val::Num(n)) if n.fract() == 0.0 => Some(n),
            _ => return err("T2003", "The left side of the range operator (..) must evaluate to an integer"),
        };
        let end = match end {
            None => None,
            Some(Val::Num(n)) if n.fract() == 0.0 => Some(n),
            _ => return err("T2004", "The right side of the range operator (..) must evaluate to an integer"),
        };
        let (Some(start), Some(end)) = (start, end) else { return Ok(None) };
        if start > end {
            return Ok(None);
        }
        let size = end - start + 1.0;
        if size > 1e7 {
            return err(
                "D2014",
                format!(
                    "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.",
                    format_number(size)
                ),
            );
        }
        self.charge(size as u64)?;
        let items = (0..size as i64).map(|offset| Val::Num(start + offset as f64)).collect();
        Ok(Some(Val::seq(items)))
    }

    /// An object constructor or grouping over `input`.
    fn group(&mut self, pairs: &'a [(Expr, Expr)], input: Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Val<'a>> {
        enum Items<'a> {
            Plain(Vec<Option<Val<'a>>>),
            Tuples(Rc<Vec<Tuple<'a>>>),
        }
        let items = match input {
            Some(Val::Tuples(tuples)) => Items::Tuples(tuples),
            Some(Val::Arr(items, _)) if !items.is_empty() => Items::Plain(items.iter().cloned().map(Some).collect()),
            Some(Val::Arr(..)) | None => Items::Plain(vec![None]),
            Some(other) => Items::Plain(vec![Some(other)]),
        };
        // key -> (pair index, member indices)
        let mut groups: IndexMap<String, (usize, Vec<usize>)> = IndexMap::new();
        let count = match &items {
            Items::Plain(items) => items.len(),
            Items::Tuples(tuples) => tuples.len(),
        };
        for index in 0..count {
            self.charge(1)?;
            for (pair_index, (key_expr, _)) in pairs.iter().enumerate() {
                let key = match &items {
                    Items::Plain(items) => self.eval(key_expr, &items[index], env)?,
                    Items::Tuples(tuples) => {
                        let frame = frame_from_tuple(env, &tuples[index]);
                        self.eval(key_expr, &tuples[index].at, &frame)?
                    }
                };
                let key = match key {
                    None => continue,
                    Some(Val::Str(key)) => key.to_string(),
                    other => {
                        return err(
                            "T1003",
                            format!("Key in object structure must evaluate to a string; got: {}", quote(&other)),
                        );
                    }
                };
                match groups.get_mut(&key) {
                    Some((existing, members)) => {
                        if *existing != pair_index {
                            return err(
                                "D1009",
                                format!(
                                    "Multiple key definitions evaluate to same key: {}",
                                    quote(&Some(Val::str(&key)))
                                ),
                            );
                        }
                        members.push(index);
                    }
                    None => {
                        groups.insert(key, (pair_index, vec![index]));
                    }
                }
            }
        }
        let mut result = Obj::new();
        for (key, (pair_index, members)) in groups {
            let value_expr = &pairs[pair_index].1;
            let value = match &items {
                Items::Plain(items) => {
                    let mut data: Option<Val<'a>> = None;
                    for &member in &members {
                        data = append(data, items[member].clone());
                    }
                    self.eval(value_expr, &data, env)?
                }
                Items::Tuples(tuples) => {
                    let tuple = reduce_tuples(members.iter().map(|&member| &tuples[member]));
                    let frame = frame_from_tuple(env, &tuple);
                    self.eval(value_expr, &tuple.at, &frame)?
                }
            };
            if let Some(value) = value {
                result.insert(key, value);
            }
        }
        Ok(Val::object(result))
    }

    // -- sorting --------------------------------------------------------------------------

    fn sort(&mut self, terms: &'a [SortTerm], items: Vec<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Vec<Val<'a>>> {
        let tuples = items.into_iter().map(|item| Tuple { at: Some(item), binds: Vec::new() }).collect();
        let sorted = self.sort_by_terms(terms, tuples, env, false)?;
        Ok(sorted.into_iter().filter_map(|tuple| tuple.at).collect())
    }

    fn sort_tuples(&mut self, terms: &'a [SortTerm], tuples: Vec<Tuple<'a>>, env: &Rc<Frame<'a>>) -> R<Vec<Tuple<'a>>> {
        self.sort_by_terms(terms, tuples, env, true)
    }

    fn sort_by_terms(
        &mut self,
        terms: &'a [SortTerm],
        tuples: Vec<Tuple<'a>>,
        env: &Rc<Frame<'a>>,
        with_bindings: bool,
    ) -> R<Vec<Tuple<'a>>> {
        // Evaluate every key once, then check the types the comparisons would meet.
        let mut keys: Vec<Vec<Option<Val<'a>>>> = Vec::with_capacity(tuples.len());
        for tuple in &tuples {
            self.charge(1)?;
            let frame = if with_bindings { frame_from_tuple(env, tuple) } else { env.clone() };
            let mut row = Vec::with_capacity(terms.len());
            for term in terms {
                row.push(self.eval(&term.expr, &tuple.at, &frame)?);
            }
            keys.push(row);
        }
        for column in 0..terms.len() {
            let mut seen: Option<&Val> = None;
            for row in &keys {
                let Some(key) = &row[column] else { continue };
                if !matches!(key, Val::Num(_) | Val::Str(_)) {
                    return err(
                        "T2008",
                        "The expressions within an order-by clause must evaluate to numeric or string values",
                    );
                }
                match seen {
                    Some(first) if type_of(first) != type_of(key) => {
                        return err(
                            "T2007",
                            format!(
                                "Type mismatch when comparing values {} and {} in order-by clause",
                                stringify(first, false),
                                stringify(key, false)
                            ),
                        );
                    }
                    _ => seen = Some(key),
                }
            }
        }
        self.charge((tuples.len() as u64) * 4)?;
        let mut order: Vec<usize> = (0..tuples.len()).collect();
        crate::sort::sort_positions(&mut order, &mut |&a, &b| {
            for (column, term) in terms.iter().enumerate() {
                let ordering = compare_keys(&keys[a][column], &keys[b][column]);
                let ordering = if term.descending { ordering.reverse() } else { ordering };
                if ordering != std::cmp::Ordering::Equal {
                    return ordering;
                }
            }
            std::cmp::Ordering::Equal
        });
        let mut slots: Vec<Option<Tuple<'a>>> = tuples.into_iter().map(Some).collect();
        Ok(order.into_iter().filter_map(|index| slots[index].take()).collect())
    }

    // -- operators ------------------------------------------------------------------------

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &'a Expr,
        rhs: &'a Expr,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Option<Val<'a>>> {
        let left = self.eval(lhs, input, env)?;
        match op {
            BinaryOp::And => {
                if !left.as_ref().is_some_and(truthy) {
                    return Ok(Some(Val::Bool(false)));
                }
                let right = self.eval(rhs, input, env)?;
                return Ok(Some(Val::Bool(right.as_ref().is_some_and(truthy))));
            }
            BinaryOp::Or => {
                if left.as_ref().is_some_and(truthy) {
                    return Ok(Some(Val::Bool(true)));
                }
                let right = self.eval(rhs, input, env)?;
                return Ok(Some(Val::Bool(right.as_ref().is_some_and(truthy))));
            }
            _ => {}
        }
        let right = match op {
            BinaryOp::Range => return self.range(lhs, rhs, input, env),
            _ => self.eval(rhs, input, env)?,
        };
        match op {
            BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => {
                arithmetic(op, left, right)
            }
            BinaryOp::Equal | BinaryOp::NotEqual => {
                let (Some(left), Some(right)) = (left, right) else { return Ok(Some(Val::Bool(false))) };
                let equal = deep_equal(&left, &right);
                Ok(Some(Val::Bool(if op == BinaryOp::Equal { equal } else { !equal })))
            }
            BinaryOp::Less | BinaryOp::LessOrEqual | BinaryOp::Greater | BinaryOp::GreaterOrEqual => {
                compare(op, left, right)
            }
            BinaryOp::Concat => {
                let mut text = match &left {
                    Some(value) => to_string(value)?,
                    None => String::new(),
                };
                if let Some(value) = &right {
                    text.push_str(&to_string(value)?);
                }
                self.charge(text.len() as u64 / 16)?;
                Ok(Some(Val::string(text)))
            }
            BinaryOp::In => {
                let (Some(left), Some(right)) = (left, right) else { return Ok(Some(Val::Bool(false))) };
                let found = match &right {
                    Val::Arr(items, _) => items.iter().any(|item| strict_equal(item, &left)),
                    other => strict_equal(other, &left),
                };
                Ok(Some(Val::Bool(found)))
            }
            BinaryOp::And | BinaryOp::Or | BinaryOp::Range => unreachable!("handled above"),
        }
    }

    fn apply_operator(
        &mut self,
        lhs: &'a Expr,
        rhs: &'a Expr,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Option<Val<'a>>> {
        let left = self.eval(lhs, input, env)?;
        if let ExprKind::Call { procedure, args, partial: false } = &rhs.kind {
            let (func, args) = self.prepare_call(procedure, args, Some(left), input, env)?;
            return self.apply_func(&func, args, input).map_err(|error| with_token(error, procedure));
        }
        let func = self.eval(rhs, input, env)?;
        let Some(Val::Func(func)) = func else {
            return err("T2006", "The right side of the function application operator ~> must be a function");
        };
        if let Some(Val::Func(first)) = left {
            return Ok(Some(Val::Func(Rc::new(Func::Compose(first, func)))));
        }
        self.apply_func(&func, vec![left], input)
    }

    // -- functions ------------------------------------------------------------------------

    /// Evaluates the procedure and arguments of a call (`first` is the value `~>` passes in).
    fn prepare_call(
        &mut self,
        procedure: &'a Expr,
        args: &'a [Expr],
        first: Option<Option<Val<'a>>>,
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<(Rc<Func<'a>>, Vec<Option<Val<'a>>>)> {
        let func = self.eval(procedure, input, env)?;
        let func = match func {
            Some(Val::Func(func)) => func,
            None if self.known_name(procedure, env) => {
                return err(
                    "T1005",
                    format!("Attempted to invoke a non-function. Did you mean ${}?", procedure_name(procedure)),
                );
            }
            _ => {
                return Err(with_token(
                    Box::new(Error { code: "T1006", message: "Attempted to invoke a non-function".into() }),
                    procedure,
                ));
            }
        };
        let mut values = Vec::with_capacity(args.len() + 1);
        if let Some(first) = first {
            values.push(first);
        }
        for arg in args {
            values.push(self.eval(arg, input, env)?);
        }
        Ok((func, values))
    }

    /// Whether a call's procedure is a bare name that would be a function with a `$`.
    fn known_name(&mut self, procedure: &'a Expr, env: &Rc<Frame<'a>>) -> bool {
        match &procedure.kind {
            ExprKind::Path(path) if path.steps.len() == 1 => match &path.steps[0].expr.kind {
                ExprKind::Name(name) => self.lookup(env, name).flatten().is_some(),
                _ => false,
            },
            _ => false,
        }
    }

    fn partial(
        &mut self,
        procedure: &'a Expr,
        args: &'a [Expr],
        input: &Option<Val<'a>>,
        env: &Rc<Frame<'a>>,
    ) -> R<Option<Val<'a>>> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(match arg.kind {
                ExprKind::Placeholder => None,
                _ => Some(self.eval(arg, input, env)?),
            });
        }
        match self.eval(procedure, input, env)? {
            Some(Val::Func(func)) => Ok(Some(Val::Func(Rc::new(Func::Partial { func, args: values })))),
            None if self.known_name(procedure, env) => err(
                "T1007",
                format!("Attempted to partially apply a non-function. Did you mean ${}?", procedure_name(procedure)),
            ),
            _ => err("T1008", "Attempted to partially apply a non-function"),
        }
    }

    /// Calls a function value (as higher-order functions do).
    pub fn apply(&mut self, func: &Val<'a>, args: Vec<Option<Val<'a>>>, input: &Option<Val<'a>>) -> R<Option<Val<'a>>> {
        match func {
            Val::Func(func) => Ok(finish(self.apply_func(func, args, input)?, false)),
            _ => err("T1006", "Attempted to invoke a non-function"),
        }
    }

    pub fn apply_func(
        &mut self,
        func: &Rc<Func<'a>>,
        args: Vec<Option<Val<'a>>>,
        input: &Option<Val<'a>>,
    ) -> R<Option<Val<'a>>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return err(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            );
        }
        let result = self.apply_inner(func, args, input);
        self.depth -= 1;
        result
    }

    fn apply_inner(
        &mut self,
        func: &Rc<Func<'a>>,
        args: Vec<Option<Val<'a>>>,
        input: &Option<Val<'a>>,
    ) -> R<Option<Val<'a>>> {
        let mut func = func.clone();
        let mut args = args;
        let mut input = input.clone();
        loop {
            self.charge(1)?;
            match func.as_ref() {
                Func::Lambda { def, env, input: defined_in } => {
                    let given = std::mem::take(&mut args);
                    let given = match &def.signature {
                        Some(signature) => functions::validate(signature, given, &input, None)?,
                        None => given,
                    };
                    let frame = Frame::new(Some(env.clone()));
                    for (index, param) in def.params.iter().enumerate() {
                        frame.bind(param, given.get(index).cloned().flatten());
                    }
                    match self.eval_tail(&def.body, defined_in, &frame)? {
                        Tail::Done(value) => return Ok(value),
                        Tail::Call(next, next_args, next_input) => {
                            func = next;
                            args = next_args;
                            input = next_input;
                        }
                    }
                }
                Func::Builtin(builtin) => {
                    let signature = self.signature(builtin)?;
                    let args = functions::validate(&signature, args, &input, Some(builtin.name))?;
                    return (builtin.run)(self, args, &input).map_err(|error| name_token(error, builtin.name));
                }
                Func::Partial { func: inner, args: bound } => {
                    let mut supplied = args.into_iter();
                    let full = bound
                        .iter()
                        .map(|arg| match arg {
                            Some(value) => value.clone(),
                            None => supplied.next().flatten(),
                        })
                        .collect();
                    let inner = inner.clone();
                    func = inner;
                    args = full;
                }
                Func::Transform { expr, env } => {
                    let arg = args.into_iter().next().flatten();
                    return self.transform(expr, arg, env);
                }
                Func::Regex(regex) => {
                    let text = match args.first().cloned().flatten() {
                        Some(Val::Str(text)) => text,
                        None => return Ok(None),
                        Some(_) => {
                            return err("T0410", "Argument 1 of function \"regex\" does not match function signature");
                        }
                    };
                    return functions::regex_match_object(regex, &text, 0, true);
                }
                Func::RegexNext { regex, text, from } => {
                    return functions::regex_match_object(regex, text, *from, false);
                }
                Func::Compose(first, second) => {
                    let middle = self.apply_func(first, args, &input)?;
                    let second = second.clone();
                    func = second;
                    args = vec![finish(middle, false)];
                }
            }
        }
    }

    fn signature(&mut self, builtin: &'static functions::Builtin) -> R<Rc<Signature>> {
        if let Some(signature) = self.signatures.get(builtin.name) {
            return Ok(signature.clone());
        }
        let signature = Rc::new(
            super::signature::parse(builtin.signature, 0)
                .map_err(|error| Box::new(Error { code: error.code, message: error.message }))?,
        );
        self.signatures.insert(builtin.name, signature.clone());
        Ok(signature)
    }

    // -- transform ------------------------------------------------------------------------

    fn transform(&mut self, expr: &'a Expr, arg: Option<Val<'a>>, env: &Rc<Frame<'a>>) -> R<Option<Val<'a>>> {
        let ExprKind::Transform { pattern, update, delete } = &expr.kind else { return Ok(None) };
        let Some(arg) = arg else { return Ok(None) };
        if !matches!(arg, Val::Obj(_) | Val::Arr(..)) {
            return err("T0410", "Argument 1 of function \"transform\" does not match function signature");
        }
        let copy = deep_copy(&arg);
        self.charge(size_of_value(&copy) / 8)?;
        let matches = self.eval(pattern, &Some(copy.clone()), env)?;
        let mut edits: HashMap<*const Obj<'a>, Vec<Edit<'a>>> = HashMap::new();
        if let Some(matches) = matches {
            for target in matches.items() {
                let Val::Obj(object) = &target else { continue };
                let current = Some(Val::Obj(apply_edits(object, edits.get(&Rc::as_ptr(object)))));
                let mut object_edits = Vec::new();
                match self.eval(update, &current, env)? {
                    None => {}
                    Some(Val::Obj(fields)) => {
                        for (key, value) in fields.iter() {
                            object_edits.push(Edit::Set(key.clone(), value.clone()));
                        }
                    }
                    other => {
                        return err(
                            "T2011",
                            format!(
                                "The insert/update clause of the transform expression must evaluate to an object: {}",
                                quote(&other)
                            ),
                        );
                    }
                }
                if let Some(delete) = delete {
                    let current = Some(Val::Obj(apply_edits(object, Some(&object_edits))));
                    match self.eval(delete, &current, env)? {
                        None => {}
                        Some(value) => {
                            let names = value.items();
                            if !names.iter().all(|name| matches!(name, Val::Str(_))) {
                                return err(
                                    "T2012",
                                    format!(
                                        "The delete clause of the transform expression must evaluate to a string or array of strings: {}",
                                        quote(&Some(value))
                                    ),
                                );
                            }
                            for name in names {
                                if let Val::Str(name) = name {
                                    object_edits.push(Edit::Delete(name.to_string()));
                                }
                            }
                        }
                    }
                }
                edits.entry(Rc::as_ptr(object)).or_default().extend(object_edits);
            }
        }
        Ok(Some(rebuild(&copy, &edits)))
    }
}

/// A change a transform makes to one matched object.
enum Edit<'a> {
    Set(String, Val<'a>),
    Delete(String),
}

fn apply_edits<'a>(object: &Rc<Obj<'a>>, edits: Option<&Vec<Edit<'a>>>) -> Rc<Obj<'a>> {
    let Some(edits) = edits.filter(|edits| !edits.is_empty()) else { return object.clone() };
    let mut fields = object.as_ref().clone();
    for edit in edits {
        match edit {
            Edit::Set(key, value) => {
                fields.insert(key.clone(), value.clone());
            }
            Edit::Delete(key) => {
                fields.shift_remove(key);
            }
        }
    }
    Rc::new(fields)
}

/// The copied input with each matched object's edits applied (children first).
fn rebuild<'a>(value: &Val<'a>, edits: &HashMap<*const Obj<'a>, Vec<Edit<'a>>>) -> Val<'a> {
    match value {
        Val::Arr(items, flags) => Val::Arr(Rc::new(items.iter().map(|item| rebuild(item, edits)).collect()), *flags),
        Val::Obj(object) => {
            let children: Obj<'a> = object.iter().map(|(key, item)| (key.clone(), rebuild(item, edits))).collect();
            Val::Obj(apply_edits(&Rc::new(children), edits.get(&Rc::as_ptr(object))))
        }
        other => other.clone(),
    }
}

/// A copy of a value in which every object and array is new (JSONata's `$clone`).
pub(super) fn deep_copy<'a>(value: &Val<'a>) -> Val<'a> {
    match value {
        Val::Arr(items, _) => Val::array(items.iter().map(deep_copy).collect()),
        Val::Obj(object) => Val::object(object.iter().map(|(key, item)| (key.clone(), deep_copy(item))).collect()),
        Val::Tuples(tuples) => Val::array(tuples.iter().filter_map(|t| t.at.as_ref().map(deep_copy)).collect()),
        other => other.clone(),
    }
}

/// A rough size of a value, for the step budget.
pub(super) fn size_of_value(value: &Val) -> u64 {
    match value {
        Val::Arr(items, _) => 1 + items.iter().map(size_of_value).sum::<u64>(),
        Val::Obj(object) => 1 + object.values().map(size_of_value).sum::<u64>(),
        Val::Str(text) => 1 + text.len() as u64 / 16,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

/// JSONata's end-of-evaluation rule: a sequence of one item is that item, an empty one is
/// nothing (unless `[]` asked to keep it an array).
pub(super) fn finish<'a>(value: Option<Val<'a>>, keep: bool) -> Option<Val<'a>> {
    match value {
        Some(Val::Arr(items, mut flags)) if flags.seq => {
            if keep {
                flags.keep = true;
            }
            match items.len() {
                0 => None,
                1 if !flags.keep => Some(items[0].clone()),
                _ => Some(Val::Arr(items, flags)),
            }
        }
        other => other,
    }
}

fn with_token(mut error: Box<Error>, procedure: &Expr) -> Box<Error> {
    if error.code == "T0410" || error.code == "T0411" || error.code == "T0412" {
        let name = procedure_name(procedure);
        if !name.is_empty() {
            error.message = error.message.replace("{{token}}", &format!("\"{name}\""));
        }
    }
    error
}

fn name_token(mut error: Box<Error>, name: &str) -> Box<Error> {
    error.message = error.message.replace("{{token}}", &format!("\"{name}\""));
    error
}

fn procedure_name(procedure: &Expr) -> String {
    match &procedure.kind {
        ExprKind::Variable(name) => name.clone(),
        ExprKind::Path(path) => match &path.steps[0].expr.kind {
            ExprKind::Name(name) | ExprKind::Variable(name) => name.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn frame_from_tuple<'a>(env: &Rc<Frame<'a>>, tuple: &Tuple<'a>) -> Rc<Frame<'a>> {
    let frame = Frame::new(Some(env.clone()));
    for (key, value) in &tuple.binds {
        frame.bind_key(key.clone(), Some(value.clone()));
    }
    frame
}

/// Merges the tuples of one group: each binding becomes the sequence of its values.
fn reduce_tuples<'a, 't>(mut tuples: impl Iterator<Item = &'t Tuple<'a>>) -> Tuple<'a>
where
    'a: 't,
{
    let Some(first) = tuples.next() else { return Tuple { at: None, binds: Vec::new() } };
    let mut result = first.clone();
    for tuple in tuples {
        result.at = append(result.at.take(), tuple.at.clone());
        for (key, value) in &tuple.binds {
            match result.binds.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = append(Some(slot.1.clone()), Some(value.clone())).unwrap_or(Val::Null),
                None => result.binds.push((key.clone(), value.clone())),
            }
        }
    }
    result
}

/// JSONata's `$append`: concatenates, treating non-arrays as one-item arrays.
pub(super) fn append<'a>(first: Option<Val<'a>>, second: Option<Val<'a>>) -> Option<Val<'a>> {
    match (first, second) {
        (None, second) => second,
        (first, None) => first,
        (Some(first), Some(second)) => {
            let mut items = first.items();
            match second {
                Val::Arr(more, _) => items.extend(more.iter().cloned()),
                other => items.push(other),
            }
            Some(Val::array(items))
        }
    }
}

fn position_index(n: f64, count: usize) -> Option<usize> {
    let mut index = n.floor();
    if index < 0.0 {
        index += count as f64;
    }
    (index >= 0.0 && index < count as f64).then_some(index as usize)
}

/// Whether a predicate's value selects the item at `index`: numbers select by position,
/// anything else by its Boolean value.
fn predicate_selects(value: &Option<Val>, index: usize, count: usize) -> bool {
    match value {
        Some(Val::Num(n)) => position_index(*n, count) == Some(index),
        Some(Val::Arr(items, _)) if !items.is_empty() && items.iter().all(|item| matches!(item, Val::Num(_))) => {
            items.iter().any(|item| position_index(item.as_num().unwrap_or(f64::NAN), count) == Some(index))
        }
        Some(value) => truthy(value),
        None => false,
    }
}

/// A field of an object, or of every object in an array (flattened).
pub(super) fn lookup_field<'a>(input: &Val<'a>, name: &str) -> Option<Val<'a>> {
    match input {
        Val::Arr(items, _) => {
            let mut result = Vec::new();
            for item in items.iter() {
                match lookup_field(item, name) {
                    Some(Val::Arr(inner, _)) => result.extend(inner.iter().cloned()),
                    Some(value) => result.push(value),
                    None => {}
                }
            }
            Some(Val::seq(result))
        }
        Val::Tuples(tuples) => {
            let items: Vec<Val<'a>> = tuples.iter().filter_map(|t| t.at.clone()).collect();
            lookup_field(&Val::seq(items), name)
        }
        Val::Obj(object) => object.get(name).cloned(),
        _ => None,
    }
}

fn flatten_into<'a>(value: &Val<'a>, out: &mut Vec<Val<'a>>) {
    match value {
        Val::Arr(items, _) => items.iter().for_each(|item| flatten_into(item, out)),
        other => out.push(other.clone()),
    }
}

fn wildcard<'a>(input: &Val<'a>) -> Option<Val<'a>> {
    let input = match input {
        Val::Arr(items, flags) if flags.outer && !items.is_empty() => &items[0],
        other => other,
    };
    let mut result = Vec::new();
    if let Val::Obj(object) = input {
        for value in object.values() {
            match value {
                Val::Arr(..) => flatten_into(value, &mut result),
                other => result.push(other.clone()),
            }
        }
    }
    Some(Val::seq(result))
}

fn descendants<'a>(input: &Val<'a>) -> Option<Val<'a>> {
    fn walk<'a>(value: &Val<'a>, out: &mut Vec<Val<'a>>) {
        match value {
            Val::Arr(items, _) => items.iter().for_each(|item| walk(item, out)),
            Val::Obj(object) => {
                out.push(value.clone());
                object.values().for_each(|item| walk(item, out));
            }
            other => out.push(other.clone()),
        }
    }
    let mut result = Vec::new();
    walk(input, &mut result);
    if result.len() == 1 { result.pop() } else { Some(Val::seq(result)) }
}

/// JSONata's effective Boolean value.
pub(super) fn truthy(value: &Val) -> bool {
    match value {
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Num(n) => *n != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::Arr(items, _) => match items.len() {
            0 => false,
            1 => truthy(&items[0]),
            _ => items.iter().any(truthy),
        },
        Val::Tuples(tuples) => tuples.iter().filter_map(|t| t.at.as_ref()).any(truthy),
        Val::Obj(object) => !object.is_empty(),
        Val::Func(_) => false,
    }
}

/// JSONata's `=`: deep equality of JSON values.
pub(super) fn deep_equal<'a>(a: &Val<'a>, b: &Val<'a>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Arr(x, _), Val::Arr(y, _)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| deep_equal(x, y)),
        (Val::Obj(x), Val::Obj(y)) => {
            x.len() == y.len() && x.iter().all(|(key, value)| y.get(key).is_some_and(|other| deep_equal(value, other)))
        }
        (Val::Func(x), Val::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// JavaScript's `===`: primitives by value, objects and arrays by identity.
fn strict_equal<'a>(a: &Val<'a>, b: &Val<'a>) -> bool {
    match (a, b) {
        (Val::Arr(x, _), Val::Arr(y, _)) => Rc::ptr_eq(x, y),
        (Val::Obj(x), Val::Obj(y)) => Rc::ptr_eq(x, y),
        (Val::Arr(..) | Val::Obj(_), _) | (_, Val::Arr(..) | Val::Obj(_)) => false,
        _ => deep_equal(a, b),
    }
}

fn compare_keys(a: &Option<Val>, b: &Option<Val>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(Val::Num(x)), Some(Val::Num(y))) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Some(Val::Str(x)), Some(Val::Str(y))) => compare_strings(x, y),
        _ => Ordering::Equal,
    }
}

/// Orders strings as JavaScript does: by UTF-16 code units.
pub(super) fn compare_strings(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn check_number<'a>(value: &Option<Val<'a>>, code: &'static str, op: BinaryOp) -> R<Option<f64>> {
    match value {
        None => Ok(None),
        Some(Val::Num(n)) => Ok(Some(*n)),
        Some(_) => {
            let side = if code == "T2001" { "left" } else { "right" };
            err(code, format!("The {side} side of the \"{}\" operator must evaluate to a number", op.symbol()))
        }
    }
}

fn arithmetic<'a>(op: BinaryOp, left: Option<Val<'a>>, right: Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let left = check_number(&left, "T2001", op)?;
    let right = check_number(&right, "T2002", op)?;
    let (Some(x), Some(y)) = (left, right) else { return Ok(None) };
    let result = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Subtract => x - y,
        BinaryOp::Multiply => x * y,
        BinaryOp::Divide => x / y,
        _ => x % y,
    };
    number(result)
}

/// A number result, failing when it is not finite (JSON cannot hold it).
pub(super) fn number<'a>(n: f64) -> R<Option<Val<'a>>> {
    if n.is_finite() {
        Ok(Some(Val::Num(n)))
    } else {
        err("D1001", format!("Number out of range: {}", if n.is_nan() { "null".to_owned() } else { format_number(n) }))
    }
}

fn compare<'a>(op: BinaryOp, left: Option<Val<'a>>, right: Option<Val<'a>>) -> R<Option<Val<'a>>> {
    let comparable = |value: &Option<Val>| matches!(value, None | Some(Val::Num(_)) | Some(Val::Str(_)));
    if !comparable(&left) || !comparable(&right) {
        return err(
            "T2010",
            format!(
                "The expressions either side of operator \"{}\" must evaluate to numeric or string values",
                op.symbol()
            ),
        );
    }
    let (Some(left), Some(right)) = (left, right) else { return Ok(None) };
    let ordering = match (&left, &right) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Str(x), Val::Str(y)) => Some(compare_strings(x, y)),
        _ => {
            return err(
                "T2009",
                format!(
                    "The values {} and {} either side of operator \"{}\" must be of the same data type",
                    stringify(&left, false),
                    stringify(&right, false),
                    op.symbol()
                ),
            );
        }
    };
    let Some(ordering) = ordering else { return Ok(Some(Val::Bool(false))) };
    let result = match op {
        BinaryOp::Less => ordering.is_lt(),
        BinaryOp::LessOrEqual => ordering.is_le(),
        BinaryOp::Greater => ordering.is_gt(),
        _ => ordering.is_ge(),
    };
    Ok(Some(Val::Bool(result)))
}

/// JSONata's `$string` for a defined value: strings as they are, everything else as JSON with
/// numbers to 15 significant digits.
pub(super) fn to_string(value: &Val) -> R<String> {
    match value {
        Val::Str(s) => Ok(s.to_string()),
        Val::Num(n) if !n.is_finite() => err("D3001", "Attempting to invoke string function on Infinity or NaN"),
        Val::Func(_) => Ok(String::new()),
        other => Ok(stringify(other, false)),
    }
}

/// `JSON.stringify` with JSONata's replacer (15 significant digits, functions as `""`),
/// compact or indented by two spaces.
pub(super) fn stringify(value: &Val, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, pretty, 0);
    out
}

fn write_json(out: &mut String, value: &Val, pretty: bool, indent: usize) {
    let newline = |out: &mut String, level: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..level {
                out.push_str("  ");
            }
        }
    };
    match value {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => {
            if n.is_finite() {
                out.push_str(&format_number(round_to_precision(*n, 15)));
            } else {
                out.push_str("null");
            }
        }
        Val::Str(s) => write_json_string(out, s),
        Val::Func(_) => out.push_str("\"\""),
        Val::Arr(..) | Val::Tuples(_) => {
            let items = value.items();
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_json(out, item, pretty, indent + 1);
            }
            if !items.is_empty() {
                newline(out, indent);
            }
            out.push(']');
        }
        Val::Obj(object) => {
            out.push('{');
            for (index, (key, item)) in object.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_json_string(out, key);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(out, item, pretty, indent + 1);
            }
            if !object.is_empty() {
                newline(out, indent);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Number(n.toPrecision(digits))`.
pub(super) fn round_to_precision(n: f64, digits: usize) -> f64 {
    if n == 0.0 || !n.is_finite() {
        return n;
    }
    format!("{:.*e}", digits - 1, n).parse().unwrap_or(n)
}

/// A number as JavaScript prints it (`String(n)`).
pub(super) fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    let formatted = format!("{:e}", n.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let point = exponent + 1;
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
    } else if 0 < point && point <= 21 {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if point >= 1 { '+' } else { '-' });
        out.push_str(&(point - 1).abs().to_string());
    }
    out
}

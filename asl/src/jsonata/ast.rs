//! The tree [`parse`](super::parse) produces, already shaped the way JSONata evaluates it.
//!
//! The parser does what JSONata's own compiler does after reading the tokens: dotted
//! expressions become a [`Path`] of [`Step`]s, predicates on a step become its
//! [`stages`](Step::stages), `@$v` / `#$i` bindings and `^( … )` order-by clauses are attached
//! to the step they follow, and every `%` (parent) is resolved to the step that binds it.
//! An evaluator walks this tree without having to restructure it.

/// A JSONata expression: what it is and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The offset, in characters (Unicode scalar values) from the start of the source, of
    /// the token that defines this node: the first character of a literal, name or variable;
    /// the operator of a binary expression (`+` in `a + b`); the opening bracket of a block,
    /// array or object constructor; the `(` of a function call; the `function` keyword of a
    /// lambda; the first step of a path. Evaluation errors point here, as JSONata's do.
    pub position: usize,
}

/// The kinds of JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A string literal (`"…"` or `'…'`), escapes resolved.
    String(String),
    /// A number literal. A minus sign in front of a literal is folded in (`-1` is `Number(-1.0)`).
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A regular expression literal `/pattern/flags`. The pattern is kept as written (the
    /// parser only finds where it ends); `flags` holds the letters given, each `i` or `m`.
    Regex {
        /// The text between the slashes.
        pattern: String,
        /// The flags after the closing slash, in order (`""`, `"i"`, `"im"`, …).
        flags: String,
    },
    /// A field name: `Account`, `` `Product Name` ``, or a string literal used as a step
    /// (`a."b c"`). It only occurs as the expression of a [`Step`]; a name on its own is a
    /// one-step [`Path`].
    Name(String),
    /// A variable reference `$name`. `$` alone (the context) has the empty name; `$$` (the
    /// root of the input) has the name `"$"`.
    Variable(String),
    /// `*`: the values of every field of the context object.
    Wildcard,
    /// `**`: the context and every value below it, recursively.
    Descendants,
    /// `%`: the parent of the context. `label` is the same number as the
    /// [`ancestor`](Step::ancestor) of the step that binds that parent.
    Parent {
        /// The label of the binding step.
        label: usize,
    },
    /// A location path: `a.b[0].c`, `$x.y`, `Account.Order^(>Price)`.
    Path(Box<Path>),
    /// A non-path expression with predicates, a grouping or a keep-array marker after it
    /// (`$x[0]`, `[1,2,3][$ > 1]`, `$f()[]`, `$x{ k: v }`). Evaluate `expr`, filter the result
    /// through each predicate in order, then apply the group, then keep a singleton array
    /// as an array if `keep_array` is set. Predicates on path steps live in
    /// [`Step::stages`] instead.
    Postfix {
        /// The decorated expression.
        expr: Box<Expr>,
        /// The `[ … ]` predicates, in source order.
        predicates: Vec<Expr>,
        /// The `{ … }` grouping, if any.
        group: Option<Group>,
        /// Whether `[]` followed the expression: keep a one-element result as an array.
        keep_array: bool,
    },
    /// Unary minus applied to something other than a number literal.
    Negate(Box<Expr>),
    /// A binary operator.
    Binary {
        /// Which operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// The chain operator `lhs ~> rhs`: call the function `rhs` with `lhs` as its first
    /// argument (when `rhs` is a [`Call`](ExprKind::Call), `lhs` is inserted before its
    /// arguments).
    Apply {
        /// The value passed along.
        lhs: Box<Expr>,
        /// The function (or call) receiving it.
        rhs: Box<Expr>,
    },
    /// An array constructor `[a, b, 1..5]`. Range items are
    /// [`Binary`](ExprKind::Binary) with [`BinaryOp::Range`].
    Array(Vec<Expr>),
    /// An object constructor `{ key: value, … }` in prefix position.
    Object(Vec<(Expr, Expr)>),
    /// A block `( a; b; c )`: evaluate each in a new scope, the value is the last one's.
    Block(Vec<Expr>),
    /// `condition ? then : otherwise` (the `: otherwise` part is optional).
    Condition {
        /// The test.
        condition: Box<Expr>,
        /// The value when the test is true.
        then: Box<Expr>,
        /// The value when the test is false, if given.
        otherwise: Option<Box<Expr>>,
    },
    /// The default (elvis) operator `lhs ?: rhs`: `lhs` if its effective Boolean value is
    /// true, else `rhs` (JSONata 2.1).
    Default {
        /// The preferred value.
        lhs: Box<Expr>,
        /// The fallback.
        rhs: Box<Expr>,
    },
    /// The coalescing operator `lhs ?? rhs`: `lhs` if it exists (is not undefined), else
    /// `rhs` (JSONata 2.1).
    Coalesce {
        /// The preferred value.
        lhs: Box<Expr>,
        /// The fallback.
        rhs: Box<Expr>,
    },
    /// A variable binding `$name := value`.
    Bind {
        /// The variable's name, without the `$`.
        name: String,
        /// The bound value.
        value: Box<Expr>,
    },
    /// A function call `procedure(args…)`. When `partial` is set, at least one argument is a
    /// [`Placeholder`](ExprKind::Placeholder) and the call is a partial application.
    Call {
        /// The function called: usually a variable (`$sum`), possibly any expression.
        procedure: Box<Expr>,
        /// The arguments, in order.
        args: Vec<Expr>,
        /// Whether this is a partial application (`$f(?, 2)`).
        partial: bool,
    },
    /// The `?` argument of a partial application.
    Placeholder,
    /// A function definition `function($x, $y)<sig>{ body }` (or `λ`).
    Lambda(Box<Lambda>),
    /// A transform `| pattern | update, delete |`: a function of one argument.
    Transform {
        /// Where, in the copied input, to apply the update.
        pattern: Box<Expr>,
        /// The object merged into each match.
        update: Box<Expr>,
        /// The names of the fields to remove from each match, if given.
        delete: Option<Box<Expr>>,
    },
    /// An order-by clause `^(<a, >b)`. Only occurs as the expression of a [`Step`]: it sorts
    /// the sequence produced by the steps before it.
    Sort(Vec<SortTerm>),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `&` (string concatenation)
    Concat,
    /// `and`
    And,
    /// `or`
    Or,
    /// `in` (array membership)
    In,
    /// `..`: only as an item of an array constructor (`[1..5]`).
    Range,
}

impl BinaryOp {
    /// The operator as written in JSONata.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Equal => "=",
            BinaryOp::NotEqual => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessOrEqual => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterOrEqual => ">=",
            BinaryOp::Concat => "&",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::In => "in",
            BinaryOp::Range => "..",
        }
    }
}

/// A location path: steps evaluated left to right, each against every item the previous
/// step produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The steps, at least one.
    pub steps: Vec<Step>,
    /// Whether some step was followed by `[]`: a one-element result stays an array.
    pub keep_singleton_array: bool,
    /// A `{ … }` grouping after the path (`Account.Order{ OrderID: Product }`), applied to
    /// the path's whole result.
    pub group: Option<Group>,
    /// Whether the path must hand its tuple stream (the items with their `@`, `#` and
    /// parent bindings) back to an enclosing path instead of plain values: set when a `%`
    /// outside this path is resolved through it.
    pub tuple: bool,
}

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the step evaluates against each input item: a [`Name`](ExprKind::Name),
    /// [`Wildcard`](ExprKind::Wildcard), [`Descendants`](ExprKind::Descendants),
    /// [`Parent`](ExprKind::Parent), [`Sort`](ExprKind::Sort), or any other expression (a
    /// block, a function call, an object constructor, …). Only the first step of a path
    /// may be a [`Postfix`](ExprKind::Postfix): its predicates apply to that step's whole
    /// result, as in JSONata.
    pub expr: Expr,
    /// Predicates and positional bindings applied, in order, to what the step produced.
    pub stages: Vec<Stage>,
    /// `step@$name`: bind each result to `$name` and keep the previous context.
    pub focus: Option<String>,
    /// `step#$name` directly after the step: bind each result's position (within the items
    /// produced from one input item) to `$name`. A `#` after a predicate is a
    /// [`Stage::Index`] instead.
    pub index: Option<String>,
    /// When some `%` refers to the input of this step, the label shared with that
    /// [`Parent`](ExprKind::Parent).
    pub ancestor: Option<usize>,
    /// Whether `[]` followed this step.
    pub keep_array: bool,
    /// Whether the step is an array constructor at the start or end of the path (or was at
    /// the end when the path was built): it is evaluated as a whole, not item by item
    /// (first step), and its result is not flattened (last step).
    pub cons_array: bool,
    /// Whether the step takes part in a tuple stream (it binds a focus, an index or an
    /// ancestor, or a parent is resolved through it).
    pub tuple: bool,
}

/// A stage applied to what a [`Step`] produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// A predicate `[expr]`: a number (or numbers) selects by position, anything else keeps
    /// the items for which it is true.
    Filter(Expr),
    /// A positional binding `#$name` after a predicate: bind each surviving item's position
    /// in the whole sequence.
    Index {
        /// The variable's name, without the `$`.
        name: String,
        /// Where the `#` is.
        position: usize,
    },
}

/// A `{ key: value, … }` grouping after a path or expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The key and value expressions.
    pub pairs: Vec<(Expr, Expr)>,
    /// Where the `{` is.
    pub position: usize,
}

/// One term of an order-by clause.
#[derive(Debug, Clone, PartialEq)]
pub struct SortTerm {
    /// `>` was given: sort in descending order.
    pub descending: bool,
    /// The sort key, evaluated against each item.
    pub expr: Expr,
}

/// A function definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    /// The parameters' names, without the `$`.
    pub params: Vec<String>,
    /// The signature `<…>`, if given.
    pub signature: Option<Signature>,
    /// The function body.
    pub body: Expr,
}

/// A function signature such as `<a<s>s?:s>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The signature as written, angle brackets included, whitespace and comments removed.
    pub text: String,
    /// The parameters, in order.
    pub params: Vec<SignatureParam>,
    /// The return type after `:`, as written (`"s"`, `"a<n>"`), if given.
    pub result: Option<String>,
}

/// One parameter of a [`Signature`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParam {
    /// The accepted types, one letter each: `b` Boolean, `n` number, `s` string, `l` null,
    /// `a` array, `o` object, `f` function, `u` (`bnsl`), `j` any JSON value, `x` anything.
    /// A choice group `(sao)` gives several letters.
    pub types: String,
    /// The type parameter of an array or function (`n` in `a<n>`, `n:n` in `f<n:n>`).
    pub type_parameter: Option<String>,
    /// A `+`, `?` or `-` after the type.
    pub modifier: Option<ParamModifier>,
}

/// How a signature parameter may be supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamModifier {
    /// `+`: one or more arguments of this type.
    OneOrMore,
    /// `?`: the argument is optional.
    Optional,
    /// `-`: when the argument is missing, the context value is used.
    ContextIfMissing,
}

impl Expr {
    /// An expression of the given kind at the given character offset.
    pub fn new(kind: ExprKind, position: usize) -> Expr {
        Expr { kind, position }
    }

    /// Calls `visit` on every expression directly inside this one (operands, arguments,
    /// path steps and their stages, group pairs, …), in source order.
    pub fn for_each_child(&self, visit: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            ExprKind::String(_)
            | ExprKind::Number(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Regex { .. }
            | ExprKind::Name(_)
            | ExprKind::Variable(_)
            | ExprKind::Wildcard
            | ExprKind::Descendants
            | ExprKind::Parent { .. }
            | ExprKind::Placeholder => {}
            ExprKind::Path(path) => {
                for step in &path.steps {
                    visit(&step.expr);
                    for stage in &step.stages {
                        if let Stage::Filter(predicate) = stage {
                            visit(predicate);
                        }
                    }
                }
                if let Some(group) = &path.group {
                    for (key, value) in &group.pairs {
                        visit(key);
                        visit(value);
                    }
                }
            }
            ExprKind::Postfix { expr, predicates, group, .. } => {
                visit(expr);
                predicates.iter().for_each(&mut *visit);
                if let Some(group) = group {
                    for (key, value) in &group.pairs {
                        visit(key);
                        visit(value);
                    }
                }
            }
            ExprKind::Negate(operand) => visit(operand),
            ExprKind::Binary { lhs, rhs, .. }
            | ExprKind::Apply { lhs, rhs }
            | ExprKind::Default { lhs, rhs }
            | ExprKind::Coalesce { lhs, rhs } => {
                visit(lhs);
                visit(rhs);
            }
            ExprKind::Array(items) | ExprKind::Block(items) => items.iter().for_each(visit),
            ExprKind::Object(pairs) => {
                for (key, value) in pairs {
                    visit(key);
                    visit(value);
                }
            }
            ExprKind::Condition { condition, then, otherwise } => {
                visit(condition);
                visit(then);
                if let Some(otherwise) = otherwise {
                    visit(otherwise);
                }
            }
            ExprKind::Bind { value, .. } => visit(value),
            ExprKind::Call { procedure, args, .. } => {
                visit(procedure);
                args.iter().for_each(visit);
            }
            ExprKind::Lambda(lambda) => visit(&lambda.body),
            ExprKind::Transform { pattern, update, delete } => {
                visit(pattern);
                visit(update);
                if let Some(delete) = delete {
                    visit(delete);
                }
            }
            ExprKind::Sort(terms) => {
                for term in terms {
                    visit(&term.expr);
                }
            }
        }
    }
}

//! Shapes the raw syntax tree for evaluation, as JSONata's compiler does after parsing.
//!
//! - `a.b.c` becomes one [`Path`] whose steps are `a`, `b`, `c`; a name on its own is a
//!   one-step path; string literals used as steps become names; number, Boolean and null
//!   literals may not be steps (S0213).
//! - Predicates on a step become its stages; on other expressions they stay predicates
//!   ([`ExprKind::Postfix`]). A predicate may not follow a grouping (S0209); an expression
//!   has at most one grouping (S0210).
//! - `@$v` and `#$i` attach to the step before them (S0215, S0216 when misplaced); `^( … )`
//!   appends a sort step.
//! - Every `%` is resolved: walking back through the path, each `%` consumes one name or
//!   wildcard step, which becomes the ancestor the `%` refers to. A `%` that cannot be
//!   resolved is S0217.
//! - An operand missing at the end of the source is reported here, as S0207.

use super::ParseError;
use super::ast::{BinaryOp, Expr, ExprKind, Group, Lambda, Path, Signature, SortTerm, Stage, Step};
use super::parser::{Raw, RawKind};

/// Turns a raw tree into the evaluation tree.
pub(super) fn process(raw: Raw) -> Result<Expr, ParseError> {
    let mut processor = Processor { slots: Vec::new() };
    let processed = processor.process(raw)?;
    if let Some(slot) = processed.seeking.first() {
        return Err(underivable_parent(processor.slots[*slot].position));
    }
    let mut expr = processed.expr;
    if processor.slots.iter().enumerate().any(|(index, slot)| slot.label != index) {
        relabel(&mut expr, &processor.slots);
    }
    Ok(expr)
}

/// A `%` being resolved: how many more name steps to walk back through, and the label it
/// ends up sharing with its ancestor step.
#[derive(Debug)]
struct Slot {
    /// Goes below zero when a resolved `%` is seen again by an enclosing predicate, as in
    /// JSONata; only `level > 0` and `level == 1` are ever tested.
    level: isize,
    label: usize,
    /// Where the `%` is.
    position: usize,
}

/// Index into [`Processor::slots`]; also the initial label of that `%`.
type SlotId = usize;

/// Key/value pairs of an object constructor or grouping.
type Pairs = Vec<(Expr, Expr)>;

/// An expression being built, with what its enclosing nodes need to know.
struct Processed {
    expr: Expr,
    /// The `%`s inside that look for an ancestor outside this node (JSONata's
    /// `seekingParent`).
    seeking: Vec<SlotId>,
    /// For a path: what its last step is seeking.
    last_step_seeking: Vec<SlotId>,
    /// For a wildcard outside a path whose predicate refers to `%`: the slot it binds, kept
    /// until the wildcard becomes a step.
    ancestor: Option<SlotId>,
}

impl Processed {
    fn new(expr: Expr) -> Processed {
        Processed { expr, seeking: Vec::new(), last_step_seeking: Vec::new(), ancestor: None }
    }

    fn seeking(mut self, seeking: Vec<SlotId>) -> Processed {
        self.seeking = seeking;
        self
    }
}

struct Processor {
    slots: Vec<Slot>,
}

#[allow(
    clippy::boxed_local,
    reason = "children are passed on in their boxes so that the frames on the recursive path stay small"
)]
impl Processor {
    fn process(&mut self, raw: Raw) -> Result<Processed, ParseError> {
        let keep_array = raw.keep_array;
        let mut processed = self.process_kind(raw.kind, raw.position, keep_array)?;
        if keep_array {
            mark_keep_array(&mut processed.expr);
        }
        Ok(processed)
    }

    // Each construct has its own method so that the frames on the recursive path stay small.
    fn process_kind(&mut self, kind: RawKind, position: usize, keep_array: bool) -> Result<Processed, ParseError> {
        match kind {
            RawKind::Parent => Ok(self.parent(position)),
            RawKind::Negate(operand) => self.negate(operand, position),
            RawKind::Binary(op, lhs, rhs) => self.binary(op, lhs, rhs, position),
            RawKind::Apply(lhs, rhs) => self.pair_of(lhs, rhs, position, |lhs, rhs| ExprKind::Apply { lhs, rhs }),
            RawKind::Default(lhs, rhs) => self.pair_of(lhs, rhs, position, |lhs, rhs| ExprKind::Default { lhs, rhs }),
            RawKind::Coalesce(lhs, rhs) => self.pair_of(lhs, rhs, position, |lhs, rhs| ExprKind::Coalesce { lhs, rhs }),
            RawKind::Array(items) => self.list_of(items, position, ExprKind::Array),
            RawKind::Block(items) => self.list_of(items, position, ExprKind::Block),
            RawKind::Object(pairs) => self.object(pairs, position),
            RawKind::Condition(condition, then, otherwise) => self.condition(condition, then, otherwise, position),
            RawKind::Bind(name, value) => self.bind(name, value, position),
            RawKind::Call { procedure, args, partial } => self.call(procedure, args, partial, position),
            RawKind::Lambda { params, signature, body } => self.lambda(params, signature, body, position),
            RawKind::Transform { pattern, update, delete } => self.transform(pattern, update, delete, position),
            RawKind::Map(lhs, rhs) => self.map(lhs, rhs),
            RawKind::Predicate(lhs, predicate) => self.predicate(lhs, predicate, position),
            RawKind::GroupBy(lhs, pairs) => self.group_by(lhs, pairs, position),
            RawKind::Focus(lhs, name) => self.focus(lhs, name, position, keep_array),
            RawKind::Index(lhs, name) => self.index(lhs, name, position),
            RawKind::Sort(lhs, terms) => self.sort(lhs, terms, position),
            leaf_kind => leaf_or_end(leaf_kind, position),
        }
    }

    fn parent(&mut self, position: usize) -> Processed {
        let slot = self.slots.len();
        self.slots.push(Slot { level: 1, label: slot, position });
        leaf(ExprKind::Parent { label: slot }, position).seeking(vec![slot])
    }

    fn negate(&mut self, operand: Box<Raw>, position: usize) -> Result<Processed, ParseError> {
        let operand = self.process(*operand)?;
        let kind = match operand.expr.kind {
            ExprKind::Number(value) => ExprKind::Number(-value),
            kind => ExprKind::Negate(Box::new(Expr::new(kind, operand.expr.position))),
        };
        Ok(leaf(kind, position).seeking(operand.seeking))
    }

    fn binary(&mut self, op: BinaryOp, lhs: Box<Raw>, rhs: Box<Raw>, position: usize) -> Result<Processed, ParseError> {
        self.pair_of(lhs, rhs, position, |lhs, rhs| ExprKind::Binary { op, lhs, rhs })
    }

    fn pair_of(
        &mut self,
        lhs: Box<Raw>,
        rhs: Box<Raw>,
        position: usize,
        make: impl FnOnce(Box<Expr>, Box<Expr>) -> ExprKind,
    ) -> Result<Processed, ParseError> {
        let lhs = self.process(*lhs)?;
        let rhs = self.process(*rhs)?;
        let mut seeking = lhs.seeking;
        seeking.extend(rhs.seeking);
        let kind = make(Box::new(lhs.expr), Box::new(rhs.expr));
        Ok(leaf(kind, position).seeking(seeking))
    }

    fn list_of(
        &mut self,
        items: Vec<Raw>,
        position: usize,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Result<Processed, ParseError> {
        let (items, seeking) = self.list(items)?;
        Ok(leaf(make(items), position).seeking(seeking))
    }

    fn object(&mut self, pairs: Vec<(Raw, Raw)>, position: usize) -> Result<Processed, ParseError> {
        let (pairs, seeking) = self.pairs(pairs, true)?;
        Ok(leaf(ExprKind::Object(pairs), position).seeking(seeking))
    }

    fn condition(
        &mut self,
        condition: Box<Raw>,
        then: Box<Raw>,
        otherwise: Option<Box<Raw>>,
        position: usize,
    ) -> Result<Processed, ParseError> {
        let condition = self.process(*condition)?;
        let then = self.process(*then)?;
        let mut seeking = condition.seeking;
        seeking.extend(then.seeking);
        let otherwise = match otherwise {
            Some(otherwise) => {
                let otherwise = self.process(*otherwise)?;
                seeking.extend(otherwise.seeking);
                Some(Box::new(otherwise.expr))
            }
            None => None,
        };
        let kind = ExprKind::Condition { condition: Box::new(condition.expr), then: Box::new(then.expr), otherwise };
        Ok(leaf(kind, position).seeking(seeking))
    }

    fn bind(&mut self, name: String, value: Box<Raw>, position: usize) -> Result<Processed, ParseError> {
        let value = self.process(*value)?;
        let kind = ExprKind::Bind { name, value: Box::new(value.expr) };
        Ok(leaf(kind, position).seeking(value.seeking))
    }

    fn call(
        &mut self,
        procedure: Box<Raw>,
        args: Vec<Raw>,
        partial: bool,
        position: usize,
    ) -> Result<Processed, ParseError> {
        let (args, seeking) = self.list(args)?;
        let procedure = self.process(*procedure)?;
        let kind = ExprKind::Call { procedure: Box::new(procedure.expr), args, partial };
        Ok(leaf(kind, position).seeking(seeking))
    }

    fn lambda(
        &mut self,
        params: Vec<String>,
        signature: Option<Box<Signature>>,
        body: Box<Raw>,
        position: usize,
    ) -> Result<Processed, ParseError> {
        // A `%` in a function body is not resolved against the definition's context.
        let body = self.process(*body)?.expr;
        let lambda = Lambda { params, signature: signature.map(|signature| *signature), body };
        Ok(leaf(ExprKind::Lambda(Box::new(lambda)), position))
    }

    fn transform(
        &mut self,
        pattern: Box<Raw>,
        update: Box<Raw>,
        delete: Option<Box<Raw>>,
        position: usize,
    ) -> Result<Processed, ParseError> {
        // Like a function body, a transform does not pass on what its parts seek.
        let pattern = Box::new(self.process(*pattern)?.expr);
        let update = Box::new(self.process(*update)?.expr);
        let delete = match delete {
            Some(delete) => Some(Box::new(self.process(*delete)?.expr)),
            None => None,
        };
        let kind = ExprKind::Transform { pattern, update, delete };
        Ok(leaf(kind, position))
    }

    fn list(&mut self, items: Vec<Raw>) -> Result<(Vec<Expr>, Vec<SlotId>), ParseError> {
        let mut seeking = Vec::new();
        let mut exprs = Vec::with_capacity(items.len());
        for item in items {
            let item = self.process(item)?;
            seeking.extend(item.seeking);
            exprs.push(item.expr);
        }
        Ok((exprs, seeking))
    }

    /// Key/value pairs; an object constructor passes on what they seek, a grouping does not.
    fn pairs(&mut self, pairs: Vec<(Raw, Raw)>, propagate: bool) -> Result<(Pairs, Vec<SlotId>), ParseError> {
        let mut seeking = Vec::new();
        let mut exprs = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let key = self.process(key)?;
            let value = self.process(value)?;
            if propagate {
                seeking.extend(key.seeking);
                seeking.extend(value.seeking);
            }
            exprs.push((key.expr, value.expr));
        }
        Ok((exprs, seeking))
    }

    /// `lhs.rhs`: extends the path `lhs` is (or starts one) with the step(s) of `rhs`.
    fn map(&mut self, lhs: Box<Raw>, rhs: Box<Raw>) -> Result<Processed, ParseError> {
        let lhs = self.process(*lhs)?;
        let (mut path, mut seeking) = match lhs.expr.kind {
            ExprKind::Path(path) => (path, lhs.seeking),
            kind => {
                let expr = Expr::new(kind, lhs.expr.position);
                // A path starting at `%` seeks that parent's ancestor.
                let seeking = match &unwrap_postfix(&expr).kind {
                    ExprKind::Parent { label } => vec![*label],
                    _ => Vec::new(),
                };
                let step = first_step(expr, lhs.ancestor);
                (Box::new(single_step_path(step)), seeking)
            }
        };
        let rhs = self.process(*rhs)?;
        let last_step_seeking = match rhs.expr.kind {
            ExprKind::Path(rest) => {
                path.steps.extend(rest.steps);
                rhs.last_step_seeking
            }
            kind => {
                let step = later_step(Expr::new(kind, rhs.expr.position), rhs.ancestor);
                path.steps.push(step);
                rhs.seeking
            }
        };
        for step in &mut path.steps {
            let literal = unwrap_postfix_mut(&mut step.expr);
            match &mut literal.kind {
                ExprKind::String(name) => literal.kind = ExprKind::Name(std::mem::take(name)),
                ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Null => {
                    return Err(ParseError::new(
                        "S0213",
                        format!(
                            "The literal value {} cannot be used as a step within a path expression",
                            literal_text(&literal.kind)
                        ),
                        literal.position,
                    ));
                }
                _ => {}
            }
        }
        path.keep_singleton_array |= path.steps.iter().any(|step| step.keep_array);
        if let Some(first) = path.steps.first_mut() {
            first.cons_array |= is_array_constructor(&first.expr);
        }
        if let Some(last) = path.steps.last_mut() {
            last.cons_array |= is_array_constructor(&last.expr);
        }
        self.resolve_ancestry(&mut path, &last_step_seeking, &mut seeking)?;
        let position = path.steps[0].expr.position;
        Ok(Processed { expr: Expr::new(ExprKind::Path(path), position), seeking, last_step_seeking, ancestor: None })
    }

    /// `lhs[predicate]`.
    fn predicate(&mut self, lhs: Box<Raw>, predicate: Box<Raw>, position: usize) -> Result<Processed, ParseError> {
        let mut lhs = self.process(*lhs)?;
        let predicate = self.process(*predicate)?;
        let resolves = !predicate.seeking.is_empty() && !matches!(predicate.expr.kind, ExprKind::Parent { .. });
        match &mut lhs.expr.kind {
            ExprKind::Path(path) => {
                let step = path.steps.last_mut().expect("a path has steps");
                if has_group(&step.expr) {
                    return Err(predicate_after_group(position));
                }
                if resolves {
                    for &slot in &predicate.seeking {
                        if self.slots[slot].level == 1 {
                            self.seek_parent_in_step(step, slot)?;
                        } else {
                            self.slots[slot].level -= 1;
                        }
                    }
                    lhs.last_step_seeking.extend(&predicate.seeking);
                }
                step.stages.push(Stage::Filter(predicate.expr));
            }
            _ => {
                if has_group(&lhs.expr) {
                    return Err(predicate_after_group(position));
                }
                if resolves {
                    for &slot in &predicate.seeking {
                        if self.slots[slot].level == 1 {
                            if let Some(bound) = self.seek_parent_outside_path(&mut lhs.expr, slot)? {
                                if let Some(existing) = lhs.ancestor {
                                    self.slots[bound].label = self.slots[existing].label;
                                }
                                lhs.ancestor = Some(bound);
                            }
                        } else {
                            self.slots[slot].level -= 1;
                        }
                    }
                    lhs.seeking.extend(&predicate.seeking);
                }
                postfix(&mut lhs.expr).0.push(predicate.expr);
            }
        }
        Ok(lhs)
    }

    /// `lhs{ key: value, … }`.
    fn group_by(&mut self, lhs: Box<Raw>, pairs: Vec<(Raw, Raw)>, position: usize) -> Result<Processed, ParseError> {
        let mut lhs = self.process(*lhs)?;
        let (pairs, _) = self.pairs(pairs, false)?;
        let group = Group { pairs, position };
        let slot = match &mut lhs.expr.kind {
            ExprKind::Path(path) => &mut path.group,
            _ => postfix(&mut lhs.expr).1,
        };
        if slot.is_some() {
            return Err(ParseError::new(
                "S0210",
                "Each step can only have one grouping expression".to_owned(),
                position,
            ));
        }
        *slot = Some(group);
        Ok(lhs)
    }

    /// `lhs@$name`.
    fn focus(
        &mut self,
        lhs: Box<Raw>,
        name: String,
        position: usize,
        keep_array: bool,
    ) -> Result<Processed, ParseError> {
        let lhs = self.process(*lhs)?;
        let mut lhs = match lhs.expr.kind {
            ExprKind::Path(_) => lhs,
            _ => {
                if has_predicates(&lhs.expr) {
                    return Err(binding_after_predicate(position));
                }
                self.single_step_path_of(lhs, false)
            }
        };
        let ExprKind::Path(path) = &mut lhs.expr.kind else { unreachable!("converted to a path above") };
        let step = path.steps.last_mut().expect("a path has steps");
        if !step.stages.is_empty() || has_predicates(&step.expr) {
            return Err(binding_after_predicate(position));
        }
        if matches!(step.expr.kind, ExprKind::Sort(_)) {
            return Err(ParseError::new(
                "S0216",
                "A context variable binding must precede the 'order-by' clause on a step".to_owned(),
                position,
            ));
        }
        step.keep_array |= keep_array;
        step.focus = Some(name);
        step.tuple = true;
        Ok(lhs)
    }

    /// `lhs#$name`.
    fn index(&mut self, lhs: Box<Raw>, name: String, position: usize) -> Result<Processed, ParseError> {
        let lhs = self.process(*lhs)?;
        let mut lhs = match lhs.expr.kind {
            ExprKind::Path(_) => lhs,
            _ => self.single_step_path_of(lhs, true),
        };
        let ExprKind::Path(path) = &mut lhs.expr.kind else { unreachable!("converted to a path above") };
        let step = path.steps.last_mut().expect("a path has steps");
        if step.stages.is_empty() {
            step.index = Some(name);
        } else {
            step.stages.push(Stage::Index { name, position });
        }
        step.tuple = true;
        Ok(lhs)
    }

    /// `lhs^( terms )`.
    fn sort(&mut self, lhs: Box<Raw>, terms: Vec<(bool, Raw)>, position: usize) -> Result<Processed, ParseError> {
        let lhs = self.process(*lhs)?;
        let (mut path, mut seeking) = match lhs.expr.kind {
            ExprKind::Path(path) => (path, lhs.seeking),
            kind => {
                let step = first_step(Expr::new(kind, lhs.expr.position), lhs.ancestor);
                (Box::new(single_step_path(step)), Vec::new())
            }
        };
        let mut sort_seeking = Vec::new();
        let mut sort_terms = Vec::with_capacity(terms.len());
        for (descending, term) in terms {
            let term = self.process(term)?;
            sort_seeking.extend(term.seeking);
            sort_terms.push(SortTerm { descending, expr: term.expr });
        }
        path.steps.push(plain_step(Expr::new(ExprKind::Sort(sort_terms), position)));
        self.resolve_ancestry(&mut path, &sort_seeking, &mut seeking)?;
        let position = path.steps[0].expr.position;
        Ok(Processed {
            expr: Expr::new(ExprKind::Path(path), position),
            seeking,
            last_step_seeking: sort_seeking,
            ancestor: None,
        })
    }

    /// Makes a one-step path of a non-path expression, for `@` and `#`. With
    /// `predicates_to_stages`, its predicates become the step's stages.
    fn single_step_path_of(&mut self, processed: Processed, predicates_to_stages: bool) -> Processed {
        let position = processed.expr.position;
        let seeking = match &unwrap_postfix(&processed.expr).kind {
            ExprKind::Parent { label } => vec![*label],
            _ => Vec::new(),
        };
        let step = if predicates_to_stages {
            later_step(processed.expr, processed.ancestor)
        } else {
            first_step(processed.expr, processed.ancestor)
        };
        Processed {
            expr: Expr::new(ExprKind::Path(Box::new(single_step_path(step))), position),
            seeking,
            last_step_seeking: processed.seeking,
            ancestor: None,
        }
    }

    /// Walks back from the last step of `path` for each `%` its last step seeks; what is not
    /// found before the start of the path is added to `path_seeking`.
    fn resolve_ancestry(
        &mut self,
        path: &mut Path,
        last_step_seeking: &[SlotId],
        path_seeking: &mut Vec<SlotId>,
    ) -> Result<(), ParseError> {
        for &slot in last_step_seeking {
            // The step before the last one.
            let mut next = path.steps.len().checked_sub(1);
            while self.slots[slot].level > 0 {
                let Some(mut index) = next.and_then(|n| n.checked_sub(1)) else {
                    path_seeking.push(slot);
                    break;
                };
                // Contiguous steps that bind the focus count as one.
                while index > 0 && path.steps[index].focus.is_some() && path.steps[index - 1].focus.is_some() {
                    index -= 1;
                }
                next = Some(index);
                self.seek_parent_in_step(&mut path.steps[index], slot)?;
            }
        }
        Ok(())
    }

    /// Lets `step` take part in resolving `slot`: a name or wildcard consumes one level (and
    /// becomes the ancestor when none is left), a `%` adds one, a block or path is searched
    /// from its end.
    fn seek_parent_in_step(&mut self, step: &mut Step, slot: SlotId) -> Result<(), ParseError> {
        let expr = unwrap_postfix_mut(&mut step.expr);
        match &mut expr.kind {
            ExprKind::Name(_) | ExprKind::Wildcard => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(existing) = step.ancestor {
                        self.slots[slot].label = self.slots[existing].label;
                    }
                    step.ancestor = Some(slot);
                    step.tuple = true;
                }
                Ok(())
            }
            ExprKind::Parent { .. } => {
                self.slots[slot].level += 1;
                Ok(())
            }
            ExprKind::Block(expressions) if expressions.is_empty() => Ok(()),
            ExprKind::Block(_) | ExprKind::Path(_) => {
                step.tuple = true;
                self.seek_parent_outside_path(&mut step.expr, slot).map(|_| ())
            }
            _ => Err(underivable_parent(expr.position)),
        }
    }

    /// Like [`Self::seek_parent_in_step`] for an expression that is not a step. A wildcard
    /// that becomes the ancestor has nowhere to record it: its slot is returned.
    fn seek_parent_outside_path(&mut self, expr: &mut Expr, slot: SlotId) -> Result<Option<SlotId>, ParseError> {
        let expr = unwrap_postfix_mut(expr);
        match &mut expr.kind {
            ExprKind::Path(path) => {
                path.tuple = true;
                let mut index = path.steps.len();
                while index > 0 {
                    index -= 1;
                    self.seek_parent_in_step(&mut path.steps[index], slot)?;
                    if self.slots[slot].level == 0 {
                        break;
                    }
                }
                Ok(None)
            }
            // A wildcard at the end of a block is not a step: it cannot bind the parent.
            ExprKind::Block(expressions) => match expressions.last_mut() {
                Some(last) => self.seek_parent_outside_path(last, slot).map(|_| None),
                None => Ok(None),
            },
            ExprKind::Parent { .. } => {
                self.slots[slot].level += 1;
                Ok(None)
            }
            ExprKind::Name(_) | ExprKind::Wildcard => {
                self.slots[slot].level -= 1;
                Ok((self.slots[slot].level == 0).then_some(slot))
            }
            _ => Err(underivable_parent(expr.position)),
        }
    }
}

/// A literal, name, variable, wildcard or placeholder; or the missing operand at the end.
fn leaf_or_end(kind: RawKind, position: usize) -> Result<Processed, ParseError> {
    let kind = match kind {
        RawKind::String(value) => ExprKind::String(value),
        RawKind::Number(value) => ExprKind::Number(value),
        RawKind::Bool(value) => ExprKind::Bool(value),
        RawKind::Null => ExprKind::Null,
        RawKind::Regex { pattern, flags } => ExprKind::Regex { pattern, flags },
        RawKind::Variable(name) => ExprKind::Variable(name),
        RawKind::Wildcard => ExprKind::Wildcard,
        RawKind::Descendants => ExprKind::Descendants,
        RawKind::Placeholder => ExprKind::Placeholder,
        RawKind::Name(name) => {
            let step = plain_step(Expr::new(ExprKind::Name(name), position));
            ExprKind::Path(Box::new(single_step_path(step)))
        }
        _ => {
            return Err(ParseError::new("S0207", "Unexpected end of expression".to_owned(), position));
        }
    };
    Ok(leaf(kind, position))
}

fn leaf(kind: ExprKind, position: usize) -> Processed {
    Processed::new(Expr::new(kind, position))
}

fn plain_step(expr: Expr) -> Step {
    Step {
        expr,
        stages: Vec::new(),
        focus: None,
        index: None,
        ancestor: None,
        keep_array: false,
        cons_array: false,
        tuple: false,
    }
}

fn single_step_path(step: Step) -> Path {
    Path { keep_singleton_array: step.keep_array, steps: vec![step], group: None, tuple: false }
}

/// The first step of a path made from a non-path expression: its predicates and grouping
/// stay with the expression, its `[]` marker moves to the step.
fn first_step(mut expr: Expr, ancestor: Option<SlotId>) -> Step {
    let keep_array = take_keep_array(&mut expr);
    let mut step = plain_step(expr);
    step.keep_array = keep_array;
    step.ancestor = ancestor;
    step.tuple = ancestor.is_some();
    step
}

/// A later step made from a non-path expression: its predicates become stages.
fn later_step(mut expr: Expr, ancestor: Option<SlotId>) -> Step {
    let keep_array = take_keep_array(&mut expr);
    let mut stages = Vec::new();
    if let ExprKind::Postfix { predicates, group: None, .. } = &mut expr.kind {
        stages = std::mem::take(predicates).into_iter().map(Stage::Filter).collect();
    }
    let mut step = first_step(unwrap_empty_postfix(expr), ancestor);
    step.keep_array = keep_array;
    step.stages = stages;
    step
}

/// Removes the `[]` marker from a [`ExprKind::Postfix`], returning whether it was there.
fn take_keep_array(expr: &mut Expr) -> bool {
    let ExprKind::Postfix { keep_array, .. } = &mut expr.kind else {
        return false;
    };
    let kept = std::mem::take(keep_array);
    *expr = unwrap_empty_postfix(std::mem::replace(expr, Expr::new(ExprKind::Null, 0)));
    kept
}

/// A [`ExprKind::Postfix`] with nothing left in it is just its expression.
fn unwrap_empty_postfix(expr: Expr) -> Expr {
    match expr.kind {
        ExprKind::Postfix { expr: inner, predicates, group: None, keep_array: false } if predicates.is_empty() => {
            *inner
        }
        kind => Expr::new(kind, expr.position),
    }
}

/// The `[]` marker: on a path, keep singleton arrays; on anything else, say so in its
/// [`ExprKind::Postfix`].
fn mark_keep_array(expr: &mut Expr) {
    match &mut expr.kind {
        ExprKind::Path(path) => {
            path.keep_singleton_array = true;
            if let Some(last) = path.steps.last_mut() {
                last.keep_array = true;
            }
        }
        _ => *postfix(expr).2 = true,
    }
}

/// The predicates, grouping and keep-array marker of a non-path expression, wrapping it in
/// an [`ExprKind::Postfix`] first if needed.
fn postfix(expr: &mut Expr) -> (&mut Vec<Expr>, &mut Option<Group>, &mut bool) {
    if !matches!(expr.kind, ExprKind::Postfix { .. }) {
        let position = expr.position;
        let inner = std::mem::replace(expr, Expr::new(ExprKind::Null, position));
        *expr = Expr::new(
            ExprKind::Postfix { expr: Box::new(inner), predicates: Vec::new(), group: None, keep_array: false },
            position,
        );
    }
    let ExprKind::Postfix { predicates, group, keep_array, .. } = &mut expr.kind else { unreachable!("wrapped above") };
    (predicates, group, keep_array)
}

/// The expression inside a [`ExprKind::Postfix`], or `expr` itself.
fn unwrap_postfix(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Postfix { expr, .. } => expr,
        _ => expr,
    }
}

fn unwrap_postfix_mut(expr: &mut Expr) -> &mut Expr {
    match expr.kind {
        ExprKind::Postfix { ref mut expr, .. } => expr,
        _ => expr,
    }
}

fn has_group(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Postfix { group: Some(_), .. })
}

fn has_predicates(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Postfix { predicates, .. } if !predicates.is_empty())
}

fn is_array_constructor(expr: &Expr) -> bool {
    matches!(unwrap_postfix(expr).kind, ExprKind::Array(_))
}

fn literal_text(kind: &ExprKind) -> String {
    match kind {
        ExprKind::Number(value) => value.to_string(),
        ExprKind::Bool(value) => value.to_string(),
        _ => "null".to_owned(),
    }
}

fn predicate_after_group(position: usize) -> ParseError {
    ParseError::new("S0209", "A predicate cannot follow a grouping expression in a step".to_owned(), position)
}

fn binding_after_predicate(position: usize) -> ParseError {
    ParseError::new("S0215", "A context variable binding must precede any predicates on a step".to_owned(), position)
}

fn underivable_parent(position: usize) -> ParseError {
    ParseError::new(
        "S0217",
        "The object representing the 'parent' cannot be derived from this expression".to_owned(),
        position,
    )
}

/// Replaces slot numbers by their final labels (two `%` resolved to the same step share
/// one).
fn relabel(expr: &mut Expr, slots: &[Slot]) {
    match &mut expr.kind {
        ExprKind::Parent { label } => *label = slots[*label].label,
        ExprKind::Path(path) => {
            for step in &mut path.steps {
                if let Some(ancestor) = &mut step.ancestor {
                    *ancestor = slots[*ancestor].label;
                }
            }
        }
        _ => {}
    }
    for_each_child_mut(expr, &mut |child| relabel(child, slots));
}

fn for_each_child_mut(expr: &mut Expr, visit: &mut dyn FnMut(&mut Expr)) {
    let pairs = |pairs: &mut Vec<(Expr, Expr)>, visit: &mut dyn FnMut(&mut Expr)| {
        for (key, value) in pairs {
            visit(key);
            visit(value);
        }
    };
    match &mut expr.kind {
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
            for step in &mut path.steps {
                visit(&mut step.expr);
                for stage in &mut step.stages {
                    if let Stage::Filter(predicate) = stage {
                        visit(predicate);
                    }
                }
            }
            if let Some(group) = &mut path.group {
                pairs(&mut group.pairs, visit);
            }
        }
        ExprKind::Postfix { expr, predicates, group, .. } => {
            visit(expr);
            predicates.iter_mut().for_each(&mut *visit);
            if let Some(group) = group {
                pairs(&mut group.pairs, visit);
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
        ExprKind::Array(items) | ExprKind::Block(items) => items.iter_mut().for_each(visit),
        ExprKind::Object(object) => pairs(object, visit),
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
            args.iter_mut().for_each(visit);
        }
        ExprKind::Lambda(lambda) => visit(&mut lambda.body),
        ExprKind::Transform { pattern, update, delete } => {
            visit(pattern);
            visit(update);
            if let Some(delete) = delete {
                visit(delete);
            }
        }
        ExprKind::Sort(terms) => {
            for term in terms {
                visit(&mut term.expr);
            }
        }
    }
}

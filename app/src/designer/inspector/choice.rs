//! The Choice rule builder: each rule's `Next` and its condition — a `Condition` expression in
//! JSONata, and in JSONPath a tree of `And`, `Or`, `Not` and comparisons edited in place.
//!
//! The tree's pure side ([`Condition`]) reads a rule, converts a node between kinds and writes
//! it back; the views edit single members by pointer (a variable, an operator renamed in place,
//! an operand) so a rule keeps its layout, and every gesture is one undo step.

use asl::{
    diagnostic::pointer_push,
    edit::Edit,
    json::{self, Node},
    validate::{ComparisonKind, comparison_kind},
};
use leptos::prelude::*;
use serde_json::{Map, Value, json};

use super::{
    super::Designer,
    fields::{field_row, length_at, node_at, node_at_untracked, state_select},
    form::{FieldKind, display_text, field_kind, move_element_edit, synthetic},
};

/// Every comparison operator of JSONPath Choice rules, in the order the select lists them.
pub use asl::validate::COMPARISON_OPERATORS as OPERATORS;

/// A JSONPath Choice condition as the builder sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// All of these.
    And(Vec<Condition>),
    /// Any of these.
    Or(Vec<Condition>),
    /// Not this.
    Not(Box<Condition>),
    /// `Variable` compared by `operator` with `operand`.
    Compare {
        /// The path to the value (`$.order.total`).
        variable: String,
        /// One of [`OPERATORS`] (or an unknown key as written).
        operator: String,
        /// The literal, the other path, or the `Is…` test's `true`/`false`.
        operand: Value,
    },
}

/// The condition kinds the kind select offers: a comparison, or a group.
pub const KINDS: &[(&str, &str)] =
    &[("compare", "Comparison"), ("And", "All of (And)"), ("Or", "Any of (Or)"), ("Not", "Not")];

impl Condition {
    /// A new comparison to fill in.
    pub fn new_comparison() -> Condition {
        Condition::Compare { variable: "$.value".into(), operator: "StringEquals".into(), operand: json!("") }
    }

    /// Reads a rule (a top-level one's `Next`, `Comment`, `Assign`, `Output` are ignored).
    pub fn from_value(value: &Value) -> Condition {
        let Some(object) = value.as_object() else { return Condition::new_comparison() };
        let list = |items: &Value| items.as_array().map(|items| items.iter().map(Condition::from_value).collect());
        if let Some(items) = object.get("And").and_then(list) {
            return Condition::And(items);
        }
        if let Some(items) = object.get("Or").and_then(list) {
            return Condition::Or(items);
        }
        if let Some(inner) = object.get("Not") {
            return Condition::Not(Box::new(Condition::from_value(inner)));
        }
        let (operator, operand) = object
            .iter()
            .find(|(key, _)| comparison_kind(key).is_some())
            .map(|(key, value)| (key.clone(), value.clone()))
            .unwrap_or_else(|| ("StringEquals".into(), json!("")));
        let variable = object.get("Variable").and_then(Value::as_str).unwrap_or_default().to_string();
        Condition::Compare { variable, operator, operand }
    }

    /// The condition as JSON (without `Next`).
    pub fn to_value(&self) -> Value {
        match self {
            Condition::And(items) => json!({ "And": items.iter().map(Condition::to_value).collect::<Vec<_>>() }),
            Condition::Or(items) => json!({ "Or": items.iter().map(Condition::to_value).collect::<Vec<_>>() }),
            Condition::Not(inner) => json!({ "Not": inner.to_value() }),
            Condition::Compare { variable, operator, operand } => {
                let mut object = Map::new();
                object.insert("Variable".into(), json!(variable));
                object.insert(operator.clone(), operand.clone());
                Value::Object(object)
            }
        }
    }

    /// `compare`, `And`, `Or` or `Not`.
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::And(_) => "And",
            Condition::Or(_) => "Or",
            Condition::Not(_) => "Not",
            Condition::Compare { .. } => "compare",
        }
    }

    /// The condition turned into another kind, keeping what it can: a comparison put in a
    /// group becomes its first member; a group turned into a comparison keeps its first
    /// comparison; And and Or swap into each other with their members.
    pub fn converted(&self, kind: &str) -> Condition {
        match (kind, self) {
            (kind, this) if kind == this.kind() => this.clone(),
            ("And", Condition::Or(items)) => Condition::And(items.clone()),
            ("Or", Condition::And(items)) => Condition::Or(items.clone()),
            ("And", this) => Condition::And(vec![this.clone()]),
            ("Or", this) => Condition::Or(vec![this.clone()]),
            ("Not", this) => Condition::Not(Box::new(this.clone())),
            (_, this) => this.first_comparison().unwrap_or_else(Condition::new_comparison),
        }
    }

    fn first_comparison(&self) -> Option<Condition> {
        match self {
            Condition::And(items) | Condition::Or(items) => items.iter().find_map(Condition::first_comparison),
            Condition::Not(inner) => inner.first_comparison(),
            compare => Some(compare.clone()),
        }
    }
}

/// Whether a rule's key belongs to its condition (rather than being `Next`, `Comment`, …).
pub fn is_condition_key(key: &str) -> bool {
    matches!(key, "And" | "Or" | "Not" | "Variable") || comparison_kind(key).is_some()
}

/// The rule `old` with its condition replaced by `condition`: the condition's members first,
/// then the rule's other members (`Next`, `Comment`, `Assign`, `Output`) as they were.
pub fn rebuild_rule(old: &Value, condition: &Condition) -> Value {
    let mut object = match condition.to_value() {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    if let Some(old) = old.as_object() {
        for (key, value) in old.iter().filter(|(key, _)| !is_condition_key(key)) {
            object.insert(key.clone(), value.clone());
        }
    }
    Value::Object(object)
}

/// The operand a new operator starts with: the old one when it is of the same kind,
/// otherwise an empty value of the right kind.
pub fn operand_for(operator: &str, old_operator: &str, old: &Value) -> Value {
    let kind = comparison_kind(operator);
    if kind.is_some()
        && kind == comparison_kind(old_operator)
        && operator.starts_with("Is") == old_operator.starts_with("Is")
    {
        return old.clone();
    }
    match kind {
        Some(ComparisonKind::Number) => json!(0),
        Some(ComparisonKind::Boolean) => json!(true),
        Some(ComparisonKind::Path) => json!("$."),
        _ => json!(""),
    }
}

/// Reads an operand typed for `operator`: a number, `true`/`false`, or text.
pub fn operand_from_text(operator: &str, text: &str) -> Result<Node, String> {
    match comparison_kind(operator) {
        Some(ComparisonKind::Number) => match json::parse(text.trim()) {
            Ok(node) if node.as_number_text().is_some() => Ok(synthetic(node)),
            _ => Err(format!("{operator} compares with a number; {text:?} is not one")),
        },
        Some(ComparisonKind::Boolean) => match text.trim() {
            "true" => Ok(Node::from_serde(&json!(true))),
            "false" => Ok(Node::from_serde(&json!(false))),
            _ => Err(format!("{operator} takes true or false")),
        },
        _ => Ok(Node::from_serde(&json!(text))),
    }
}

/// A new rule for a Choice state, going to `next`.
pub fn new_rule(jsonata: bool, next: &str) -> Value {
    if jsonata {
        json!({ "Condition": "{% true %}", "Next": next })
    } else {
        rebuild_rule(&json!({ "Next": next }), &Condition::new_comparison())
    }
}

/// The edit that renames a comparison's operator in place and sets its operand.
pub fn operator_edit(condition: &str, rule: &Node, new_operator: &str) -> Option<Edit> {
    let members = rule.members()?;
    let (index, old) = members.iter().enumerate().find(|(_, member)| comparison_kind(&member.key).is_some())?;
    if old.key == new_operator {
        return None;
    }
    let operand = operand_for(new_operator, &old.key, &old.value.to_serde());
    Some(Edit::Batch(vec![
        Edit::RenameMember { object: condition.to_string(), index, key: new_operator.to_string() },
        Edit::SetField { pointer: pointer_push(condition, new_operator), value: operand },
    ]))
}

/// The Choice state's rules and `Default`.
pub fn choice_editor(designer: Designer, state: String, jsonata: bool, siblings: Signal<Vec<String>>) -> AnyView {
    let choices = pointer_push(&state, "Choices");
    let count = {
        let choices = choices.clone();
        Memo::new(move |_| length_at(designer, &choices))
    };
    let add = {
        let (state, choices) = (state.clone(), choices.clone());
        move |_| {
            let next = siblings.get_untracked().into_iter().next().unwrap_or_default();
            let rule = new_rule(jsonata, &next);
            let edit = if node_at_untracked(designer, &choices).is_some() {
                Edit::SetField { pointer: pointer_push(&choices, "-"), value: rule }
            } else {
                Edit::SetField { pointer: pointer_push(&state, "Choices"), value: json!([rule]) }
            };
            designer.edit("add a Choice rule", edit);
        }
    };
    let default =
        state_select(designer, pointer_push(&state, "Default"), "Default".into(), "field-Default".into(), siblings);
    view! {
        <fieldset class="choice-rules" data-testid="choice-rules">
            <legend>"Rules"</legend>
            <ol>
                {move || {
                    let count = count.get();
                    (0..count)
                        .map(|index| rule_view(designer, choices.clone(), index, count, jsonata, siblings))
                        .collect_view()
                }}
            </ol>
            <button type="button" data-testid="choice-add" on:click=add>"Add rule"</button>
            {default}
        </fieldset>
    }
    .into_any()
}

fn rule_view(
    designer: Designer,
    choices: String,
    index: usize,
    count: usize,
    jsonata: bool,
    siblings: Signal<Vec<String>>,
) -> AnyView {
    let rule = pointer_push(&choices, &index.to_string());
    let shift = {
        let choices = choices.clone();
        move |to: usize| {
            let array = choices.clone();
            move |_| {
                let Some(node) = node_at_untracked(designer, &pointer_push(&array, &index.to_string())) else { return };
                designer.edit("reorder Choice rules", move_element_edit(&array, &node, index, to));
            }
        }
    };
    let remove = {
        let rule = rule.clone();
        move |_| {
            designer.edit("remove a Choice rule", Edit::RemoveField { pointer: rule.clone() });
        }
    };
    let condition = if jsonata {
        field_row(
            designer,
            pointer_push(&rule, "Condition"),
            "Condition".into(),
            FieldKind::Text,
            format!("choice-{index}-Condition"),
        )
    } else {
        condition_view(designer, rule.clone(), index.to_string(), true)
    };
    let mut extras = vec!["Assign"];
    if jsonata {
        extras.push("Output");
    }
    let extras = extras
        .into_iter()
        .map(|field| {
            field_row(
                designer,
                pointer_push(&rule, field),
                field.into(),
                field_kind(field),
                format!("choice-{index}-{field}"),
            )
        })
        .collect_view();
    view! {
        <li class="choice-rule" data-testid=format!("choice-rule-{index}")>
            <div class="row-tools">
                <span class="row-title">{format!("Rule {}", index + 1)}</span>
                <button type="button" data-testid=format!("choice-up-{index}") disabled={index == 0} on:click=shift(index.saturating_sub(1))>"↑"</button>
                <button type="button" data-testid=format!("choice-down-{index}") disabled={index + 1 >= count} on:click=shift(index + 1)>"↓"</button>
                <button type="button" data-testid=format!("choice-remove-{index}") on:click=remove>"Remove"</button>
            </div>
            {condition}
            {state_select(designer, pointer_push(&rule, "Next"), "Next".into(), format!("choice-{index}-Next"), siblings)}
            <details class="rule-extras">
                <summary>"Assign / Output"</summary>
                {extras}
            </details>
        </li>
    }
    .into_any()
}

/// One condition node at `pointer`; `path` (relative to `Choices`) is its `data-condition`.
fn condition_view(designer: Designer, pointer: String, path: String, top: bool) -> AnyView {
    // Re-render only when the node's shape changes (kind, member count, operator); values are
    // read by the inputs themselves.
    let shape = {
        let pointer = pointer.clone();
        Memo::new(move |_| {
            node_at(designer, &pointer).map(|node| match Condition::from_value(&node.to_serde()) {
                Condition::And(items) | Condition::Or(items) => (node_kind(&node), items.len(), String::new()),
                Condition::Not(_) => ("Not", 1, String::new()),
                Condition::Compare { operator, .. } => ("compare", 0, operator),
            })
        })
    };
    let render = move || {
        let Some((kind, count, operator)) = shape.get() else { return ().into_any() };
        let convert = {
            let pointer = pointer.clone();
            move |event: leptos::ev::Event| {
                let Some(node) = node_at_untracked(designer, &pointer) else { return };
                let old = node.to_serde();
                let converted = Condition::from_value(&old).converted(&event_target_value(&event));
                designer.edit(
                    "change a Choice condition",
                    Edit::SetField { pointer: pointer.clone(), value: rebuild_rule(&old, &converted) },
                );
            }
        };
        let kind_select = view! {
            <select class="cond-kind" data-testid="cond-kind" on:change=convert>
                {KINDS
                    .iter()
                    .map(|(value, title)| view! { <option value=*value selected={*value == kind}>{*title}</option> })
                    .collect_view()}
            </select>
        };
        let body = match kind {
            "And" | "Or" => group_view(designer, pointer_push(&pointer, kind), &path, kind, count),
            "Not" => condition_view(designer, pointer_push(&pointer, "Not"), format!("{path}/Not"), false),
            _ => comparison_view(designer, pointer.clone(), operator),
        };
        view! {
            <div class=if top { "condition condition-top" } else { "condition" } data-condition=path.clone()>
                {kind_select}
                {body}
            </div>
        }
        .into_any()
    };
    render.into_any()
}

fn node_kind(node: &Node) -> &'static str {
    if node.get("And").is_some() { "And" } else { "Or" }
}

fn group_view(designer: Designer, array: String, path: &str, kind: &'static str, count: usize) -> AnyView {
    let members = (0..count)
        .map(|index| {
            let member = pointer_push(&array, &index.to_string());
            let remove = {
                let member = member.clone();
                move |_| {
                    designer.edit("remove a condition", Edit::RemoveField { pointer: member.clone() });
                }
            };
            view! {
                <li>
                    {condition_view(designer, member, format!("{path}/{kind}/{index}"), false)}
                    <button type="button" class="cond-remove" data-testid="cond-remove" on:click=remove>"Remove"</button>
                </li>
            }
        })
        .collect_view();
    let add = move |_| {
        designer.edit(
            "add a condition",
            Edit::SetField { pointer: pointer_push(&array, "-"), value: Condition::new_comparison().to_value() },
        );
    };
    view! {
        <ul class="cond-group">{members}</ul>
        <button type="button" data-testid="cond-add" on:click=add>"Add condition"</button>
    }
    .into_any()
}

fn comparison_view(designer: Designer, pointer: String, operator: String) -> AnyView {
    let variable = field_row(
        designer,
        pointer_push(&pointer, "Variable"),
        "Variable".into(),
        FieldKind::Text,
        "cond-variable".into(),
    );
    let on_operator = {
        let pointer = pointer.clone();
        move |event: leptos::ev::Event| {
            let Some(node) = node_at_untracked(designer, &pointer) else { return };
            if let Some(edit) = operator_edit(&pointer, &node, &event_target_value(&event)) {
                designer.edit("change a comparison", edit);
            }
        }
    };
    let operand_pointer = pointer_push(&pointer, &operator);
    let text = {
        let operand_pointer = operand_pointer.clone();
        Memo::new(move |_| display_text(node_at(designer, &operand_pointer).as_ref(), FieldKind::Text))
    };
    let error = RwSignal::new(None::<String>);
    let on_value = {
        let operator = operator.clone();
        move |event: leptos::ev::Event| match operand_from_text(&operator, &event_target_value(&event)) {
            Ok(node) => {
                error.set(None);
                if node_at_untracked(designer, &operand_pointer).is_none_or(|current| synthetic(current) != node) {
                    designer.edit("change a comparison", Edit::SetNode { pointer: operand_pointer.clone(), node });
                }
            }
            Err(message) => error.set(Some(message)),
        }
    };
    let known = OPERATORS.contains(&operator.as_str());
    let options = OPERATORS
        .iter()
        .map(|name| view! { <option value=*name selected={*name == operator}>{*name}</option> })
        .collect_view();
    let value = if comparison_kind(&operator) == Some(ComparisonKind::Boolean) {
        view! {
            <select data-testid="cond-value" on:change=on_value>
                <option value="true" prop:selected=move || text.get() == "true">"true"</option>
                <option value="false" prop:selected=move || text.get() == "false">"false"</option>
            </select>
        }
        .into_any()
    } else {
        view! { <input type="text" spellcheck="false" data-testid="cond-value" prop:value=move || text.get() on:change=on_value /> }
            .into_any()
    };
    view! {
        <div class="comparison">
            {variable}
            <label class="field">
                <span class="field-label">"Operator"</span>
                <select data-testid="cond-operator" on:change=on_operator>
                    {(!known).then(|| view! { <option value=operator.clone() selected>{operator.clone()}</option> })}
                    {options}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Value"</span>
                {value}
                {move || error.get().map(|error| view! { <span class="field-error" role="alert">{error}</span> })}
            </label>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_is_one_asl_knows() {
        assert_eq!(OPERATORS.len(), 39);
        for operator in OPERATORS {
            assert!(comparison_kind(operator).is_some(), "{operator}");
        }
    }

    #[test]
    fn nested_rules_read_and_write_back() {
        let rule = json!({
            "And": [
                { "Variable": "$.a", "NumericGreaterThan": 1 },
                { "Not": { "Variable": "$.b", "IsPresent": true } },
                { "Or": [{ "Variable": "$.c", "StringEqualsPath": "$.d" }] }
            ],
            "Next": "Done"
        });
        let condition = Condition::from_value(&rule);
        let Condition::And(items) = &condition else { panic!("{condition:?}") };
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].kind(), "Not");
        assert_eq!(rebuild_rule(&rule, &condition), rule);
    }

    #[test]
    fn converting_keeps_what_it_can() {
        let leaf = Condition::Compare { variable: "$.a".into(), operator: "IsNull".into(), operand: json!(true) };
        let and = leaf.converted("And");
        assert_eq!(and, Condition::And(vec![leaf.clone()]));
        assert_eq!(and.converted("Or"), Condition::Or(vec![leaf.clone()]));
        assert_eq!(and.converted("compare"), leaf);
        assert_eq!(Condition::Not(Box::new(and.clone())).converted("compare"), leaf);
        assert_eq!(Condition::And(vec![]).converted("compare"), Condition::new_comparison());
        let rule = json!({ "Variable": "$.a", "IsNull": true, "Next": "X", "Comment": "c" });
        let rebuilt = rebuild_rule(&rule, &Condition::from_value(&rule).converted("Not"));
        assert_eq!(rebuilt, json!({ "Not": { "Variable": "$.a", "IsNull": true }, "Next": "X", "Comment": "c" }));
        assert_eq!(
            serde_json::to_string(&rebuilt).unwrap(),
            r#"{"Not":{"Variable":"$.a","IsNull":true},"Next":"X","Comment":"c"}"#
        );
    }

    #[test]
    fn an_operator_is_renamed_in_place() {
        let text = r#"{"Choices":[{"Variable":"$.n","NumericEquals":1.0,"Next":"A"}]}"#;
        let mut root = json::parse(text).unwrap();
        let rule = root.get("Choices").unwrap().elements().unwrap()[0].clone();
        let edit = operator_edit("/Choices/0", &rule, "NumericLessThan").unwrap();
        asl::edit::apply(&mut root, &edit).unwrap();
        assert_eq!(json::print(&root, ""), r#"{"Choices":[{"Variable":"$.n","NumericLessThan":1.0,"Next":"A"}]}"#);
        let rule = root.get("Choices").unwrap().elements().unwrap()[0].clone();
        asl::edit::apply(&mut root, &operator_edit("/Choices/0", &rule, "IsPresent").unwrap()).unwrap();
        assert_eq!(json::print(&root, ""), r#"{"Choices":[{"Variable":"$.n","IsPresent":true,"Next":"A"}]}"#);
        assert_eq!(
            operator_edit("/Choices/0", &root.get("Choices").unwrap().elements().unwrap()[0], "IsPresent"),
            None
        );
    }

    #[test]
    fn operands_are_typed_for_their_operator() {
        assert_eq!(operand_from_text("NumericEquals", " 2.50 ").unwrap().as_number_text(), Some("2.50"));
        assert!(operand_from_text("NumericEquals", "two").unwrap_err().contains("NumericEquals"));
        assert_eq!(operand_from_text("IsNull", "false").unwrap().as_bool(), Some(false));
        assert_eq!(operand_from_text("StringEquals", "12").unwrap().as_str(), Some("12"));
        assert_eq!(operand_for("StringLessThan", "StringEquals", &json!("x")), json!("x"));
        assert_eq!(operand_for("NumericEquals", "StringEquals", &json!("x")), json!(0));
        assert_eq!(operand_for("IsNull", "BooleanEquals", &json!(false)), json!(true));
    }

    #[test]
    fn new_rules_fit_the_language() {
        assert_eq!(new_rule(true, "B"), json!({ "Condition": "{% true %}", "Next": "B" }));
        let rule = new_rule(false, "B");
        assert_eq!(serde_json::to_string(&rule).unwrap(), r#"{"Variable":"$.value","StringEquals":"","Next":"B"}"#);
    }
}

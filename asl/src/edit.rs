//! Edits of a definition's tree that change only what they touch, each returning its exact inverse.
//!
//! Deployment repositories want clean diffs, so an [`Edit`] leaves every key it does not name
//! where it was: member order, number spellings (`1.0` stays `1.0`), duplicate keys and fields
//! Statehouse does not know all survive. [`apply`] returns the inverse edit, which puts the tree
//! back exactly (equal nodes, positions included, so it prints byte for byte as before); the
//! designer keeps those inverses as its undo stack, and the inverse of an inverse is the redo.
//!
//! Addressing: values are named by RFC 6901 JSON pointers. A pointer token names the *first*
//! member of that name, as every other reader of the tree ([`Node::get`]) does, so later
//! duplicates are never changed by an edit. A scope (an object holding `StartAt` and `States`)
//! is the pointer of that object: `""` for the machine, `/States/P/Branches/0` for a Parallel
//! branch, `/States/M/ItemProcessor` (or the legacy `/States/M/Iterator`) for a Map's processor.
//!
//! Rules the edits follow:
//!
//! - [`Edit::RemoveState`] leaves transitions that named the removed state (its scope's
//!   `StartAt` included) as they are; they dangle, and validation reports them
//!   (`MISSING_TRANSITION_TARGET`) so the user sees what to reconnect rather than having
//!   transitions vanish silently.
//! - [`Edit::RenameState`] refuses names used anywhere in the machine (AWS requires unique state
//!   names across all scopes), empty names and names over 80 characters, and rewrites the
//!   transitions of the renamed state's own scope only: `StartAt`, `Next`, `Default`,
//!   `Choices[i].Next` (top-level rules) and `Catch[i].Next`. Values elsewhere that happen to
//!   spell the name (a `Result`, `Parameters`, a nested Choice rule's `Next`, a transition
//!   in another scope) are data or already invalid, and are left alone. A transition that
//!   already named the new name (dangling until now) is connected by the rename; the inverse
//!   restores exactly the transitions the rename rewrote.
//! - [`Edit::MoveState`] refuses to move a scope's `StartAt` state and refuses a move that
//!   would leave a transition crossing scopes (the moved state's transitions to states of the
//!   scope it leaves, other states' transitions to it); the error names the transition. Nothing
//!   is cleared behind the user's back: the designer disconnects first, in the same
//!   [`Edit::Batch`] when it is one gesture. Transitions to the state itself, and to states of
//!   the scope it moves into, are fine.
//! - Edits do not validate what they write (a Retry on a Pass state, a state that is not an
//!   object): validation reports that, with AWS's words.

use std::collections::BTreeSet;

use crate::{
    Fix, FixEdit,
    diagnostic::pointer_push,
    json::{Member, Node, Span, Value},
};

/// The longest state name AWS accepts, in characters.
pub const MAX_STATE_NAME_CHARACTERS: usize = 80;

/// One change to a definition's tree. [`apply`] performs it and returns its inverse.
///
/// The variants from [`Edit::SetNode`] on are the precise, low-level edits inverses are made
/// of; the designer may use them too.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Appends a state at the end of the `States` of `scope`. The name must be unused in the
    /// whole machine, 1 to 80 characters. `StartAt` is not changed.
    AddState {
        /// Pointer to the object holding `StartAt`/`States`.
        scope: String,
        /// The new state's name.
        name: String,
        /// The state's definition.
        state: serde_json::Value,
    },
    /// Removes the state named `name` from `scope`. Transitions that named it are left
    /// dangling for validation to report.
    RemoveState {
        /// Pointer to the object holding `StartAt`/`States`.
        scope: String,
        /// The state to remove.
        name: String,
    },
    /// Renames a state in place (it keeps its position in `States`) and rewrites the
    /// transitions of that scope that named it.
    RenameState {
        /// Pointer to the object holding `StartAt`/`States`.
        scope: String,
        /// The current name.
        from: String,
        /// The new name: unused in the whole machine, 1 to 80 characters.
        to: String,
    },
    /// Sets the value at `pointer`: replaces it in place, or appends the member (or, with the
    /// index equal to the length or `-`, the array element) when it is missing. The parent
    /// must exist.
    SetField {
        /// Where.
        pointer: String,
        /// The new value.
        value: serde_json::Value,
    },
    /// Removes the member or array element at `pointer` (only the first member of that name
    /// when the key is duplicated).
    RemoveField {
        /// What.
        pointer: String,
    },
    /// Inserts a retrier into the state's `Retry` (creating `Retry` when missing).
    AddRetrier {
        /// Pointer to the state.
        state: String,
        /// The retrier.
        retrier: serde_json::Value,
        /// Position in `Retry`; `None` appends.
        index: Option<usize>,
    },
    /// Inserts a catcher into the state's `Catch` (creating `Catch` when missing).
    AddCatcher {
        /// Pointer to the state.
        state: String,
        /// The catcher.
        catcher: serde_json::Value,
        /// Position in `Catch`; `None` appends.
        index: Option<usize>,
    },
    /// Moves a state from one scope's `States` to the end of another's (into or out of a
    /// Parallel branch or a Map processor). Refused for the `StartAt` state and when a
    /// transition would cross scopes. The target scope's `StartAt` is not changed.
    MoveState {
        /// Pointer to the scope the state is in.
        from_scope: String,
        /// The state.
        name: String,
        /// Pointer to the scope it moves to.
        to_scope: String,
    },
    /// Applies a lint fix's edits, in order, all or nothing.
    ApplyFix(Fix),
    /// Sets the value at `pointer` to a tree node exactly as given (number spellings,
    /// duplicate keys, positions), with [`Edit::SetField`]'s rules.
    SetNode {
        /// Where.
        pointer: String,
        /// The new value.
        node: Node,
    },
    /// Inserts `member` at position `index` (at most the member count) of the object at `object`.
    InsertMember {
        /// Pointer to the object.
        object: String,
        /// Position among its members.
        index: usize,
        /// The member, key position included.
        member: Member,
    },
    /// Removes the member at position `index` of the object at `object`.
    RemoveMember {
        /// Pointer to the object.
        object: String,
        /// Position among its members.
        index: usize,
    },
    /// Changes the key of the member at position `index` of the object at `object`, and
    /// nothing else (no transitions are rewritten, no naming rules are checked).
    RenameMember {
        /// Pointer to the object.
        object: String,
        /// Position among its members.
        index: usize,
        /// The new key.
        key: String,
    },
    /// Inserts `node` at position `index` (at most the length) of the array at `array`.
    InsertElement {
        /// Pointer to the array.
        array: String,
        /// Position.
        index: usize,
        /// The element.
        node: Node,
    },
    /// Removes the element at position `index` of the array at `array`.
    RemoveElement {
        /// Pointer to the array.
        array: String,
        /// Position.
        index: usize,
    },
    /// Several edits as one gesture: applied in order, all or nothing. The inverse is one
    /// `Batch` too, so one undo step undoes the whole gesture.
    Batch(Vec<Edit>),
}

/// Why an edit was refused. The tree is unchanged when an edit fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text is not an RFC 6901 JSON pointer.
    #[error("{pointer:?} is not a JSON pointer: {reason}")]
    InvalidPointer {
        /// The text given.
        pointer: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Nothing exists at a pointer the edit needs (the first missing step of the path).
    #[error("there is no value at {pointer:?}")]
    MissingValue {
        /// The pointer that names nothing.
        pointer: String,
    },
    /// A value has the wrong JSON type for the edit.
    #[error("the value at {pointer:?} is {found}, not {expected}")]
    WrongType {
        /// Where.
        pointer: String,
        /// What the edit needs (`an array`).
        expected: &'static str,
        /// What is there (`a string`).
        found: &'static str,
    },
    /// A position past the end of an array or object.
    #[error("position {index} is past the end of {pointer:?}, which has {length} entries")]
    IndexOutOfRange {
        /// The array or object.
        pointer: String,
        /// The position asked for.
        index: usize,
        /// How many entries there are.
        length: usize,
    },
    /// The whole document cannot be removed.
    #[error("the root of the definition cannot be removed")]
    RemoveRoot,
    /// The pointer does not name an object with a `States` object.
    #[error("there is no scope at {scope:?}: expected an object with a States object")]
    MissingScope {
        /// The scope pointer given.
        scope: String,
    },
    /// The scope has no state of that name.
    #[error("scope {scope:?} has no state named {name:?}")]
    MissingState {
        /// The scope pointer.
        scope: String,
        /// The name looked for.
        name: String,
    },
    /// Another state already has the name.
    #[error(
        "{field}: the name {name:?} is already used by the state at {existing:?}; state names must be unique across the whole machine"
    )]
    NameTaken {
        /// The edit's field that holds the name (`to`, `name`).
        field: &'static str,
        /// The name.
        name: String,
        /// Pointer to the state that has it.
        existing: String,
    },
    /// The name is not one AWS accepts.
    #[error("{field}: the state name {name:?} {reason}")]
    InvalidName {
        /// The edit's field that holds the name (`to`, `name`).
        field: &'static str,
        /// The name.
        name: String,
        /// What is wrong (`is empty`, `is longer than 80 characters`).
        reason: &'static str,
    },
    /// The state to move is its scope's `StartAt`.
    #[error("state {name:?} is the StartAt of scope {scope:?}; make another state the start before moving it")]
    MoveStartState {
        /// The scope it would leave.
        scope: String,
        /// The state.
        name: String,
    },
    /// After the move a transition would name a state of another scope.
    #[error(
        "moving state {name:?} would leave the transition at {pointer:?} to {target:?} crossing scopes; change or remove it first"
    )]
    MoveCrossesTransition {
        /// The state being moved.
        name: String,
        /// Pointer to the transition (`/States/A/Next`, `/States/C/Choices/0/Next`).
        pointer: String,
        /// The state it names.
        target: String,
    },
    /// The target scope is inside the state being moved.
    #[error("state {name:?} cannot move into {scope:?}, which is inside it")]
    MoveIntoItself {
        /// The state.
        name: String,
        /// The target scope.
        scope: String,
    },
    /// The state is already in the target scope.
    #[error("state {name:?} is already in scope {scope:?}")]
    MoveToSameScope {
        /// The state.
        name: String,
        /// The scope.
        scope: String,
    },
}

/// Applies one edit to the root of a definition and returns the edit that undoes it exactly.
/// On error the tree is unchanged.
pub fn apply(root: &mut Node, edit: &Edit) -> Result<Edit, EditError> {
    match edit {
        Edit::AddState { scope, name, state } => add_state(root, scope, name, Node::from_serde(state)),
        Edit::RemoveState { scope, name } => remove_state(root, scope, name),
        Edit::RenameState { scope, from, to } => rename_state(root, scope, from, to),
        Edit::SetField { pointer, value } => set_node(root, pointer, Node::from_serde(value)),
        Edit::SetNode { pointer, node } => set_node(root, pointer, node.clone()),
        Edit::RemoveField { pointer } => remove_field(root, pointer),
        Edit::AddRetrier { state, retrier, index } => add_to_list(root, state, "Retry", retrier, *index),
        Edit::AddCatcher { state, catcher, index } => add_to_list(root, state, "Catch", catcher, *index),
        Edit::MoveState { from_scope, name, to_scope } => move_state(root, from_scope, name, to_scope),
        Edit::ApplyFix(fix) => apply_fix(root, fix),
        Edit::InsertMember { object, index, member } => insert_member(root, object, *index, member.clone()),
        Edit::RemoveMember { object, index } => remove_member(root, object, *index),
        Edit::RenameMember { object, index, key } => rename_member(root, object, *index, key),
        Edit::InsertElement { array, index, node } => insert_element(root, array, *index, node.clone()),
        Edit::RemoveElement { array, index } => remove_element(root, array, *index),
        Edit::Batch(edits) => apply_all(root, edits).map(Edit::Batch),
    }
}

/// Applies edits in order, all or nothing: when one fails the tree is left as it was and
/// that edit's error is returned. The inverses come in reverse order, ready to apply as they are.
pub fn apply_all(root: &mut Node, edits: &[Edit]) -> Result<Vec<Edit>, EditError> {
    atomically(root, edits.len(), |root, index| apply(root, &edits[index]))
}

/// Runs `count` steps; on the first error restores the tree and returns it. Single steps are
/// atomic on their own, so only sequences pay for the copy.
fn atomically(
    root: &mut Node,
    count: usize,
    mut step: impl FnMut(&mut Node, usize) -> Result<Edit, EditError>,
) -> Result<Vec<Edit>, EditError> {
    let backup = (count > 1).then(|| root.clone());
    let mut inverses = Vec::with_capacity(count);
    for index in 0..count {
        match step(root, index) {
            Ok(inverse) => inverses.push(inverse),
            Err(error) => {
                if let Some(backup) = backup {
                    *root = backup;
                }
                return Err(error);
            }
        }
    }
    inverses.reverse();
    Ok(inverses)
}

// ---------------------------------------------------------------------------------------------
// States

fn add_state(root: &mut Node, scope: &str, name: &str, state: Node) -> Result<Edit, EditError> {
    check_state_name("name", name)?;
    scope_states(root, scope)?;
    if let Some(existing) = find_state(root, name) {
        return Err(EditError::NameTaken { field: "name", name: name.to_string(), existing });
    }
    let states = scope_states_mut(root, scope)?;
    states.push(Member { key: name.to_string(), key_span: Span::default(), value: state });
    Ok(Edit::RemoveMember { object: pointer_push(scope, "States"), index: states.len() - 1 })
}

fn remove_state(root: &mut Node, scope: &str, name: &str) -> Result<Edit, EditError> {
    let index = state_index(root, scope, name)?;
    let member = scope_states_mut(root, scope)?.remove(index);
    Ok(Edit::InsertMember { object: pointer_push(scope, "States"), index, member })
}

fn rename_state(root: &mut Node, scope: &str, from: &str, to: &str) -> Result<Edit, EditError> {
    check_state_name("to", to)?;
    let index = state_index(root, scope, from)?;
    if from == to {
        return Ok(Edit::Batch(Vec::new()));
    }
    if let Some(existing) = find_state(root, to) {
        return Err(EditError::NameTaken { field: "to", name: to.to_string(), existing });
    }
    let scope_node = scope_node(root, scope)?;
    let mut references = Vec::new();
    if scope_node.get("StartAt").and_then(Node::as_str) == Some(from) {
        references.push(pointer_push(scope, "StartAt"));
    }
    let states_pointer = pointer_push(scope, "States");
    for (position, member) in scope_node.get("States").and_then(Node::members).unwrap_or_default().iter().enumerate() {
        if !is_first_of_its_name(scope_node, position) {
            continue;
        }
        let state_pointer = pointer_push(&states_pointer, &member.key);
        references.extend(
            transitions(&member.value, &state_pointer)
                .into_iter()
                .filter(|(target, _)| target == from)
                .map(|(_, pointer)| pointer),
        );
    }

    // Values first, while the pointers still spell the old name; then the key.
    let mut inverse = Vec::with_capacity(references.len() + 1);
    inverse.push(Edit::RenameMember { object: states_pointer, index, key: from.to_string() });
    for pointer in references {
        let node = node_at_mut(root, &pointer)?;
        let old = std::mem::replace(node, Node::synthetic(Value::String(to.to_string())));
        inverse.push(Edit::SetNode { pointer, node: old });
    }
    scope_states_mut(root, scope)?[index].key = to.to_string();
    Ok(Edit::Batch(inverse))
}

fn move_state(root: &mut Node, from_scope: &str, name: &str, to_scope: &str) -> Result<Edit, EditError> {
    let index = state_index(root, from_scope, name)?;
    let to_states = scope_states(root, to_scope)?;
    let from_tokens = parse_pointer(from_scope)?;
    let to_tokens = parse_pointer(to_scope)?;
    if from_tokens == to_tokens {
        return Err(EditError::MoveToSameScope { name: name.to_string(), scope: to_scope.to_string() });
    }
    let from_states_pointer = pointer_push(from_scope, "States");
    let state_pointer = pointer_push(&from_states_pointer, name);
    let state_tokens = parse_pointer(&state_pointer)?;
    if to_tokens.starts_with(&state_tokens) {
        return Err(EditError::MoveIntoItself { name: name.to_string(), scope: to_scope.to_string() });
    }
    let to_states_pointer = pointer_push(to_scope, "States");
    if to_states.iter().any(|member| member.key == name) {
        return Err(EditError::NameTaken {
            field: "name",
            name: name.to_string(),
            existing: pointer_push(&to_states_pointer, name),
        });
    }

    let from_node = scope_node(root, from_scope)?;
    if from_node.get("StartAt").and_then(Node::as_str) == Some(name) {
        return Err(EditError::MoveStartState { scope: from_scope.to_string(), name: name.to_string() });
    }
    let states = from_node.get("States").and_then(Node::members).unwrap_or_default();
    let names_here: BTreeSet<&str> = states.iter().map(|member| member.key.as_str()).collect();
    let crossing =
        |pointer: String, target: String| EditError::MoveCrossesTransition { name: name.to_string(), pointer, target };
    for (target, pointer) in transitions(&states[index].value, &state_pointer) {
        if target != name && names_here.contains(target.as_str()) {
            return Err(crossing(pointer, target));
        }
    }
    for (position, member) in states.iter().enumerate() {
        if position == index {
            continue;
        }
        let other_pointer = pointer_push(&from_states_pointer, &member.key);
        if let Some((target, pointer)) =
            transitions(&member.value, &other_pointer).into_iter().find(|(target, _)| target == name)
        {
            return Err(crossing(pointer, target));
        }
    }

    let member = scope_states_mut(root, from_scope)?.remove(index);
    let to_states = match scope_states_mut(root, to_scope) {
        Ok(states) => states,
        Err(error) => {
            // Unreachable (the target is not inside the moved state), but never lose a state.
            if let Ok(states) = scope_states_mut(root, from_scope) {
                states.insert(index, member);
            }
            return Err(error);
        }
    };
    to_states.push(member.clone());
    let to_index = to_states.len() - 1;
    Ok(Edit::Batch(vec![
        Edit::RemoveMember { object: to_states_pointer, index: to_index },
        Edit::InsertMember { object: from_states_pointer, index, member },
    ]))
}

fn add_to_list(
    root: &mut Node,
    state_pointer: &str,
    field: &str,
    entry: &serde_json::Value,
    index: Option<usize>,
) -> Result<Edit, EditError> {
    let list_pointer = pointer_push(state_pointer, field);
    let state = node_at_mut(root, state_pointer)?;
    let found = article(state.type_name());
    let Some(members) = state.members_mut() else {
        return Err(EditError::WrongType { pointer: state_pointer.to_string(), expected: "an object", found });
    };
    match members.iter().position(|member| member.key == field) {
        None => {
            if let Some(index) = index.filter(|index| *index > 0) {
                return Err(EditError::IndexOutOfRange { pointer: list_pointer, index, length: 0 });
            }
            let list = Node::synthetic(Value::Array(vec![Node::from_serde(entry)]));
            members.push(Member { key: field.to_string(), key_span: Span::default(), value: list });
            Ok(Edit::RemoveMember { object: state_pointer.to_string(), index: members.len() - 1 })
        }
        Some(position) => {
            let list = &mut members[position].value;
            let found = article(list.type_name());
            let Value::Array(elements) = &mut list.value else {
                return Err(EditError::WrongType { pointer: list_pointer, expected: "an array", found });
            };
            let index = index.unwrap_or(elements.len());
            if index > elements.len() {
                return Err(EditError::IndexOutOfRange { pointer: list_pointer, index, length: elements.len() });
            }
            elements.insert(index, Node::from_serde(entry));
            Ok(Edit::RemoveElement { array: list_pointer, index })
        }
    }
}

fn apply_fix(root: &mut Node, fix: &Fix) -> Result<Edit, EditError> {
    let inverses = atomically(root, fix.edits.len(), |root, index| match &fix.edits[index] {
        FixEdit::Set { pointer, value } => set_node(root, pointer, Node::from_serde(value)),
        FixEdit::Remove { pointer } => remove_field(root, pointer),
        FixEdit::Append { pointer, value } => {
            let array = node_at(root, pointer)?;
            let Some(elements) = array.elements() else {
                let found = article(array.type_name());
                return Err(EditError::WrongType { pointer: pointer.clone(), expected: "an array", found });
            };
            let length = elements.len();
            insert_element(root, pointer, length, Node::from_serde(value))
        }
        FixEdit::Rename { pointer, to } => {
            let Some((object, key)) = split_last(pointer)? else {
                return Err(EditError::MissingValue { pointer: pointer.clone() });
            };
            let index = object_at_mut(root, object)?
                .iter()
                .position(|member| member.key == key)
                .ok_or_else(|| EditError::MissingValue { pointer: pointer.clone() })?;
            rename_member(root, object, index, to)
        }
    })?;
    Ok(Edit::Batch(inverses))
}

// ---------------------------------------------------------------------------------------------
// Values

fn set_node(root: &mut Node, pointer: &str, node: Node) -> Result<Edit, EditError> {
    let Some((parent_pointer, token)) = split_last(pointer)? else {
        let old = std::mem::replace(root, node);
        return Ok(Edit::SetNode { pointer: String::new(), node: old });
    };
    let parent = node_at_mut(root, parent_pointer)?;
    let found = article(parent.type_name());
    match &mut parent.value {
        Value::Object(members) => match members.iter().position(|member| member.key == token) {
            Some(position) => {
                let old = std::mem::replace(&mut members[position].value, node);
                Ok(Edit::SetNode { pointer: pointer.to_string(), node: old })
            }
            None => {
                members.push(Member { key: token, key_span: Span::default(), value: node });
                Ok(Edit::RemoveMember { object: parent_pointer.to_string(), index: members.len() - 1 })
            }
        },
        Value::Array(elements) => {
            let index = if token == "-" { elements.len() } else { array_index(pointer, &token)? };
            if index < elements.len() {
                let old = std::mem::replace(&mut elements[index], node);
                Ok(Edit::SetNode { pointer: pointer.to_string(), node: old })
            } else if index == elements.len() {
                elements.push(node);
                Ok(Edit::RemoveElement { array: parent_pointer.to_string(), index })
            } else {
                Err(EditError::IndexOutOfRange { pointer: parent_pointer.to_string(), index, length: elements.len() })
            }
        }
        _ => {
            Err(EditError::WrongType { pointer: parent_pointer.to_string(), expected: "an object or an array", found })
        }
    }
}

fn remove_field(root: &mut Node, pointer: &str) -> Result<Edit, EditError> {
    let Some((parent_pointer, token)) = split_last(pointer)? else {
        return Err(EditError::RemoveRoot);
    };
    let parent = node_at_mut(root, parent_pointer)?;
    let found = article(parent.type_name());
    let missing = || EditError::MissingValue { pointer: pointer.to_string() };
    match &mut parent.value {
        Value::Object(members) => {
            let index = members.iter().position(|member| member.key == token).ok_or_else(missing)?;
            let member = members.remove(index);
            Ok(Edit::InsertMember { object: parent_pointer.to_string(), index, member })
        }
        Value::Array(elements) => {
            let index = array_index(pointer, &token)?;
            if index >= elements.len() {
                return Err(missing());
            }
            let node = elements.remove(index);
            Ok(Edit::InsertElement { array: parent_pointer.to_string(), index, node })
        }
        _ => {
            Err(EditError::WrongType { pointer: parent_pointer.to_string(), expected: "an object or an array", found })
        }
    }
}

fn insert_member(root: &mut Node, object: &str, index: usize, member: Member) -> Result<Edit, EditError> {
    let members = object_at_mut(root, object)?;
    if index > members.len() {
        return Err(EditError::IndexOutOfRange { pointer: object.to_string(), index, length: members.len() });
    }
    members.insert(index, member);
    Ok(Edit::RemoveMember { object: object.to_string(), index })
}

fn remove_member(root: &mut Node, object: &str, index: usize) -> Result<Edit, EditError> {
    let members = object_at_mut(root, object)?;
    if index >= members.len() {
        return Err(EditError::IndexOutOfRange { pointer: object.to_string(), index, length: members.len() });
    }
    let member = members.remove(index);
    Ok(Edit::InsertMember { object: object.to_string(), index, member })
}

fn rename_member(root: &mut Node, object: &str, index: usize, key: &str) -> Result<Edit, EditError> {
    let members = object_at_mut(root, object)?;
    let length = members.len();
    let member =
        members.get_mut(index).ok_or(EditError::IndexOutOfRange { pointer: object.to_string(), index, length })?;
    let old = std::mem::replace(&mut member.key, key.to_string());
    Ok(Edit::RenameMember { object: object.to_string(), index, key: old })
}

fn insert_element(root: &mut Node, array: &str, index: usize, node: Node) -> Result<Edit, EditError> {
    let elements = array_at_mut(root, array)?;
    if index > elements.len() {
        return Err(EditError::IndexOutOfRange { pointer: array.to_string(), index, length: elements.len() });
    }
    elements.insert(index, node);
    Ok(Edit::RemoveElement { array: array.to_string(), index })
}

fn remove_element(root: &mut Node, array: &str, index: usize) -> Result<Edit, EditError> {
    let elements = array_at_mut(root, array)?;
    if index >= elements.len() {
        return Err(EditError::IndexOutOfRange { pointer: array.to_string(), index, length: elements.len() });
    }
    let node = elements.remove(index);
    Ok(Edit::InsertElement { array: array.to_string(), index, node })
}

// ---------------------------------------------------------------------------------------------
// Scopes, names and transitions

fn check_state_name(field: &'static str, name: &str) -> Result<(), EditError> {
    let reason = if name.is_empty() {
        "is empty"
    } else if name.chars().count() > MAX_STATE_NAME_CHARACTERS {
        "is longer than 80 characters"
    } else {
        return Ok(());
    };
    Err(EditError::InvalidName { field, name: name.to_string(), reason })
}

/// The object at `scope`, which must hold a `States` object.
fn scope_node<'a>(root: &'a Node, scope: &str) -> Result<&'a Node, EditError> {
    let missing = || EditError::MissingScope { scope: scope.to_string() };
    let node = match node_at(root, scope) {
        Ok(node) => node,
        Err(EditError::InvalidPointer { pointer, reason }) => {
            return Err(EditError::InvalidPointer { pointer, reason });
        }
        Err(_) => return Err(missing()),
    };
    match node.get("States") {
        Some(states) if states.members().is_some() => Ok(node),
        _ => Err(missing()),
    }
}

fn scope_states<'a>(root: &'a Node, scope: &str) -> Result<&'a [Member], EditError> {
    scope_node(root, scope)?
        .get("States")
        .and_then(Node::members)
        .ok_or(EditError::MissingScope { scope: scope.to_string() })
}

fn scope_states_mut<'a>(root: &'a mut Node, scope: &str) -> Result<&'a mut Vec<Member>, EditError> {
    scope_node(root, scope)?;
    node_at_mut(root, scope)?
        .get_mut("States")
        .and_then(Node::members_mut)
        .ok_or(EditError::MissingScope { scope: scope.to_string() })
}

/// The position in `States` of the first state named `name`.
fn state_index(root: &Node, scope: &str, name: &str) -> Result<usize, EditError> {
    scope_states(root, scope)?
        .iter()
        .position(|member| member.key == name)
        .ok_or(EditError::MissingState { scope: scope.to_string(), name: name.to_string() })
}

/// Whether the state at `position` of the scope's `States` is the first of its name (the one
/// pointers reach).
fn is_first_of_its_name(scope: &Node, position: usize) -> bool {
    let states = scope.get("States").and_then(Node::members).unwrap_or_default();
    states.iter().position(|member| member.key == states[position].key) == Some(position)
}

/// The pointer of a state named `name` anywhere in the machine.
fn find_state(root: &Node, name: &str) -> Option<String> {
    fn walk(scope: &Node, scope_pointer: &str, name: &str) -> Option<String> {
        let states_pointer = pointer_push(scope_pointer, "States");
        for member in scope.get("States").and_then(Node::members).unwrap_or_default() {
            let state_pointer = pointer_push(&states_pointer, &member.key);
            if member.key == name {
                return Some(state_pointer);
            }
            for (inner, inner_pointer) in inner_scopes(&member.value, &state_pointer) {
                if let Some(found) = walk(inner, &inner_pointer, name) {
                    return Some(found);
                }
            }
        }
        None
    }
    walk(root, "", name)
}

/// The scopes inside a state: its Parallel branches and its Map processor (`ItemProcessor`
/// and the legacy `Iterator`), whatever its `Type` says.
fn inner_scopes<'a>(state: &'a Node, state_pointer: &str) -> Vec<(&'a Node, String)> {
    let mut scopes = Vec::new();
    if let Some(branches) = state.get("Branches").and_then(Node::elements) {
        let branches_pointer = pointer_push(state_pointer, "Branches");
        for (index, branch) in branches.iter().enumerate() {
            scopes.push((branch, pointer_push(&branches_pointer, &index.to_string())));
        }
    }
    for field in ["ItemProcessor", "Iterator"] {
        if let Some(processor) = state.get(field) {
            scopes.push((processor, pointer_push(state_pointer, field)));
        }
    }
    scopes
}

/// A state's transitions as (target, pointer), in document order: `Next`, `Default`,
/// `Choices[i].Next` and `Catch[i].Next`, where they are strings (first members of each name,
/// as pointers reach them).
fn transitions(state: &Node, state_pointer: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut note = |node: Option<&Node>, pointer: String| {
        if let Some(target) = node.and_then(Node::as_str) {
            found.push((target.to_string(), pointer));
        }
    };
    let members = state.members().unwrap_or_default();
    for (position, member) in members.iter().enumerate() {
        if members[..position].iter().any(|earlier| earlier.key == member.key) {
            continue;
        }
        let pointer = pointer_push(state_pointer, &member.key);
        match member.key.as_str() {
            "Next" | "Default" => note(Some(&member.value), pointer),
            "Choices" | "Catch" => {
                for (index, rule) in member.value.elements().unwrap_or_default().iter().enumerate() {
                    note(rule.get("Next"), pointer_push(&pointer_push(&pointer, &index.to_string()), "Next"));
                }
            }
            _ => {}
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Pointers

/// The unescaped reference tokens of an RFC 6901 pointer.
fn parse_pointer(pointer: &str) -> Result<Vec<String>, EditError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(EditError::InvalidPointer {
            pointer: pointer.to_string(),
            reason: "it must be empty or start with '/'",
        });
    };
    rest.split('/').map(|token| unescape(pointer, token)).collect()
}

fn unescape(pointer: &str, token: &str) -> Result<String, EditError> {
    let mut out = String::with_capacity(token.len());
    let mut characters = token.chars();
    while let Some(character) = characters.next() {
        if character != '~' {
            out.push(character);
            continue;
        }
        match characters.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => {
                return Err(EditError::InvalidPointer {
                    pointer: pointer.to_string(),
                    reason: "'~' must be followed by '0' or '1'",
                });
            }
        }
    }
    Ok(out)
}

/// Splits a pointer into its parent pointer and its last token (unescaped); `None` for `""`.
fn split_last(pointer: &str) -> Result<Option<(&str, String)>, EditError> {
    parse_pointer(pointer)?;
    match pointer.rfind('/') {
        None => Ok(None),
        Some(slash) => Ok(Some((&pointer[..slash], unescape(pointer, &pointer[slash + 1..])?))),
    }
}

/// An array index token: `0` or digits without a leading zero.
fn array_index(pointer: &str, token: &str) -> Result<usize, EditError> {
    let valid = !token.is_empty()
        && token.bytes().all(|byte| byte.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    valid.then(|| token.parse().ok()).flatten().ok_or(EditError::InvalidPointer {
        pointer: pointer.to_string(),
        reason: "an array index must be digits without a leading zero",
    })
}

/// The pointer made of the first `count` tokens (for naming the first missing step).
fn prefix(tokens: &[String], count: usize) -> String {
    tokens[..count].iter().fold(String::new(), |pointer, token| pointer_push(&pointer, token))
}

fn node_at<'a>(root: &'a Node, pointer: &str) -> Result<&'a Node, EditError> {
    let tokens = parse_pointer(pointer)?;
    let mut node = root;
    for (depth, token) in tokens.iter().enumerate() {
        node = match &node.value {
            Value::Object(members) => members.iter().find(|member| &member.key == token).map(|member| &member.value),
            Value::Array(elements) => array_index(pointer, token).ok().and_then(|index| elements.get(index)),
            other => {
                return Err(EditError::WrongType {
                    pointer: prefix(&tokens, depth),
                    expected: "an object or an array",
                    found: article(other.type_name()),
                });
            }
        }
        .ok_or_else(|| EditError::MissingValue { pointer: prefix(&tokens, depth + 1) })?;
    }
    Ok(node)
}

fn node_at_mut<'a>(root: &'a mut Node, pointer: &str) -> Result<&'a mut Node, EditError> {
    // Resolve read-only first so every error is found without holding a mutable borrow.
    node_at(root, pointer)?;
    let mut node = root;
    for token in parse_pointer(pointer)? {
        node = match &mut node.value {
            Value::Object(members) => {
                members.iter_mut().find(|member| member.key == token).map(|member| &mut member.value)
            }
            Value::Array(elements) => array_index(pointer, &token).ok().and_then(|index| elements.get_mut(index)),
            _ => None,
        }
        .ok_or_else(|| EditError::MissingValue { pointer: pointer.to_string() })?;
    }
    Ok(node)
}

fn object_at_mut<'a>(root: &'a mut Node, pointer: &str) -> Result<&'a mut Vec<Member>, EditError> {
    let node = node_at_mut(root, pointer)?;
    let found = article(node.type_name());
    node.members_mut().ok_or(EditError::WrongType { pointer: pointer.to_string(), expected: "an object", found })
}

fn array_at_mut<'a>(root: &'a mut Node, pointer: &str) -> Result<&'a mut Vec<Node>, EditError> {
    let node = node_at_mut(root, pointer)?;
    let found = article(node.type_name());
    match &mut node.value {
        Value::Array(elements) => Ok(elements),
        _ => Err(EditError::WrongType { pointer: pointer.to_string(), expected: "an array", found }),
    }
}

/// A JSON type name with its article, for messages: `an array`, `a string`.
fn article(type_name: &str) -> &'static str {
    match type_name {
        "null" => "null",
        "boolean" => "a boolean",
        "number" => "a number",
        "string" => "a string",
        "array" => "an array",
        _ => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::json::{self, parse, print};

    /// A definition with what clean diffs must keep: unknown fields, duplicate keys, number
    /// spellings, data that spells state names, a Parallel and a Map.
    const ORDERS: &str = r#"{
  "Comment": "Orders",
  "StartAt": "Validate",
  "TimeoutSeconds": 3600,
  "X-Team": {"owner": "payments", "weight": 1.0},
  "States": {
    "Validate": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "validate", "Payload": {"Next": "Validate", "n": 1e3}},
      "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2, "MaxAttempts": 3, "BackoffRate": 2.0}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
      "Next": "Route"
    },
    "Route": {
      "Type": "Choice",
      "Choices": [
        {"Variable": "$.kind", "StringEquals": "fan-out", "Next": "FanOut"},
        {"And": [{"Variable": "$.n", "NumericGreaterThan": 10.50, "Next": "Validate"}], "Next": "Validate"},
        {"Variable": "$.kind", "StringEquals": "each", "Next": "Each"}
      ],
      "Default": "Validate"
    },
    "FanOut": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Next": "LeftEnd"}, "LeftEnd": {"Type": "Pass", "Next": "Validate"}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": true}}}
      ],
      "Next": "Done"
    },
    "Each": {
      "Type": "Map",
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}},
      "Next": "Done"
    },
    "Failed": {"Type": "Fail", "Error": "Invalid"},
    "Done": {"Type": "Succeed", "Comment": "done", "Comment": "duplicate"}
  }
}"#;

    fn tree(text: &str) -> Node {
        parse(text).unwrap_or_else(|error| panic!("{error:?}"))
    }

    fn printed(node: &Node) -> String {
        print(node, "  ")
    }

    fn orders() -> Node {
        tree(ORDERS)
    }

    /// Applies `edit`, then its inverse (the tree must come back equal and print byte for byte
    /// the same), then the inverse's inverse (the redo must give the edited tree again).
    /// Returns the edited tree.
    fn check_undo_and_redo(original: &Node, edit: &Edit) -> Node {
        let mut root = original.clone();
        let inverse = apply(&mut root, edit).unwrap_or_else(|error| panic!("{edit:?}: {error}"));
        let edited = root.clone();
        let redo = apply(&mut root, &inverse).unwrap_or_else(|error| panic!("undo of {edit:?}: {error}"));
        assert_eq!(printed(&root), printed(original), "undo of {edit:?}");
        assert_eq!(root, *original, "undo of {edit:?} restores positions too");
        apply(&mut root, &redo).unwrap_or_else(|error| panic!("redo of {edit:?}: {error}"));
        assert_eq!(printed(&root), printed(&edited), "redo of {edit:?}");
        edited
    }

    fn string_at(root: &Node, pointer: &str) -> String {
        node_at(root, pointer).ok().and_then(Node::as_str).unwrap_or_else(|| panic!("no string at {pointer}")).into()
    }

    fn keys(root: &Node, pointer: &str) -> Vec<String> {
        let node = node_at(root, pointer).unwrap_or_else(|error| panic!("{error}"));
        node.members().expect("object").iter().map(|member| member.key.clone()).collect()
    }

    #[test]
    fn an_unedited_tree_and_an_empty_batch_print_back_unchanged() {
        for text in [printed(&orders()), "{\n    \"StartAt\": \"A\",\n    \"States\": {}\n}".to_string()] {
            let mut root = tree(&text);
            assert_eq!(print(&root, &json::detect_indent(&text)), text);
            let inverse = apply(&mut root, &Edit::Batch(Vec::new())).expect("empty batch");
            assert_eq!(inverse, Edit::Batch(Vec::new()));
            assert_eq!(print(&root, &json::detect_indent(&text)), text);
        }
    }

    #[test]
    fn rename_rewrites_every_transition_kind_in_its_scope_and_nothing_else() {
        let mut root = orders();
        let edit = Edit::RenameState { scope: String::new(), from: "Validate".into(), to: "Check order".into() };
        apply(&mut root, &edit).expect("rename");
        assert_eq!(keys(&root, "/States")[0], "Check order", "the state keeps its position");
        let expected = [
            ("/StartAt", "Check order"),
            ("/States/Route/Choices/1/Next", "Check order"),
            ("/States/Route/Default", "Check order"),
            // Untouched: data that spells the name, a nested Choice rule, another scope.
            ("/States/Check order/Parameters/Payload/Next", "Validate"),
            ("/States/Route/Choices/1/And/0/Next", "Validate"),
            ("/States/FanOut/Branches/0/States/LeftEnd/Next", "Validate"),
            // Untouched: transitions to other states.
            ("/States/Route/Choices/0/Next", "FanOut"),
            ("/States/Check order/Next", "Route"),
            ("/States/Check order/Catch/0/Next", "Failed"),
            ("/States/FanOut/Branches/0/States/Left/Next", "LeftEnd"),
            ("/States/FanOut/Branches/0/StartAt", "Left"),
        ];
        for (pointer, value) in expected {
            assert_eq!(string_at(&root, pointer), value, "{pointer}");
        }

        // Next and Catch[].Next, and a scope's StartAt, in a branch.
        let text = r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "x", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "A"}], "Next": "B"},
                                        "B": {"Type": "Pass", "Next": "A"}}},
            {"StartAt": "C", "States": {"C": {"Type": "Pass", "End": true}}}]}}}"#;
        let mut root = tree(text);
        let edit = Edit::RenameState { scope: "/States/P/Branches/0".into(), from: "A".into(), to: "Z".into() };
        apply(&mut root, &edit).expect("rename");
        for pointer in ["/StartAt", "/States/P/Branches/1/StartAt", "/States/P/Branches/1/States/C/Type"] {
            assert_eq!(string_at(&root, pointer), string_at(&tree(text), pointer), "{pointer}");
        }
        for pointer in [
            "/States/P/Branches/0/StartAt",
            "/States/P/Branches/0/States/Z/Catch/0/Next",
            "/States/P/Branches/0/States/B/Next",
        ] {
            assert_eq!(string_at(&root, pointer), "Z", "{pointer}");
        }

        // Renaming to a name a dangling transition already spells connects it, and the undo
        // restores exactly the transitions the rename rewrote (not the dangling one).
        let text =
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "X"}}}"#;
        let edit = Edit::RenameState { scope: String::new(), from: "A".into(), to: "X".into() };
        let edited = check_undo_and_redo(&tree(text), &edit);
        assert_eq!(string_at(&edited, "/StartAt"), "X");
        assert_eq!(string_at(&edited, "/States/B/Next"), "X");
    }

    #[test]
    fn rename_changes_only_the_lines_that_name_the_state() {
        let before = printed(&orders());
        let mut root = orders();
        let edit = Edit::RenameState { scope: String::new(), from: "Validate".into(), to: "CheckOrder".into() };
        apply(&mut root, &edit).expect("rename");
        let after = printed(&root);
        let (before_lines, after_lines): (Vec<_>, Vec<_>) = (before.lines().collect(), after.lines().collect());
        assert_eq!(before_lines.len(), after_lines.len());
        let mut changed = 0;
        for (old, new) in before_lines.iter().zip(&after_lines) {
            if old != new {
                changed += 1;
                assert!(old.contains("\"Validate\""), "{old}");
                assert_eq!(old.replace("\"Validate\"", "\"CheckOrder\""), *new);
            }
        }
        // StartAt, the key, Choices[1].Next and Default; not the Payload, the nested rule or the branch.
        assert_eq!(changed, 4, "{after}");
    }

    #[test]
    fn every_edit_kind_is_undone_byte_for_byte_and_redone() {
        let original = orders();
        let member = original.members().expect("object")[0].clone();
        let edits = vec![
            Edit::AddState { scope: String::new(), name: "Audit".into(), state: json!({"Type": "Pass", "End": true}) },
            Edit::AddState {
                scope: "/States/FanOut/Branches/1".into(),
                name: "Audit".into(),
                state: json!({"Type": "Pass"}),
            },
            Edit::RemoveState { scope: String::new(), name: "FanOut".into() },
            Edit::RemoveState { scope: "/States/Each/ItemProcessor".into(), name: "Item".into() },
            Edit::RenameState { scope: String::new(), from: "Validate".into(), to: "CheckOrder".into() },
            Edit::RenameState { scope: String::new(), from: "Route".into(), to: "Route".into() },
            Edit::RenameState { scope: "/States/FanOut/Branches/0".into(), from: "LeftEnd".into(), to: "Z".into() },
            Edit::SetField { pointer: "/TimeoutSeconds".into(), value: json!(60) },
            Edit::SetField { pointer: "/Version".into(), value: json!("1.0") },
            Edit::SetField { pointer: "/States/Validate/Retry/0/MaxAttempts".into(), value: json!(5) },
            Edit::SetField { pointer: "/States/Validate/Retry/0/ErrorEquals/0".into(), value: json!("X") },
            Edit::SetField { pointer: "/States/Validate/Retry/0/ErrorEquals/1".into(), value: json!("Y") },
            Edit::SetField { pointer: "/States/Validate/Retry/0/ErrorEquals/-".into(), value: json!("Y") },
            Edit::SetField { pointer: "/States/Done/Comment".into(), value: json!("first of two") },
            Edit::SetField { pointer: String::new(), value: json!({"StartAt": "A", "States": {}}) },
            Edit::RemoveField { pointer: "/TimeoutSeconds".into() },
            Edit::RemoveField { pointer: "/States/Done/Comment".into() },
            Edit::RemoveField { pointer: "/States/Route/Choices/1".into() },
            Edit::RemoveField { pointer: "/X-Team/weight".into() },
            Edit::AddRetrier {
                state: "/States/Validate".into(),
                retrier: json!({"ErrorEquals": ["Lambda.ServiceException"]}),
                index: Some(0),
            },
            Edit::AddRetrier { state: "/States/Validate".into(), retrier: json!({"ErrorEquals": ["A"]}), index: None },
            Edit::AddRetrier { state: "/States/FanOut".into(), retrier: json!({"ErrorEquals": ["A"]}), index: None },
            Edit::AddCatcher {
                state: "/States/FanOut".into(),
                catcher: json!({"ErrorEquals": ["States.ALL"], "Next": "Failed"}),
                index: Some(0),
            },
            Edit::AddCatcher {
                state: "/States/Validate".into(),
                catcher: json!({"ErrorEquals": ["A"], "Next": "Done"}),
                index: Some(1),
            },
            Edit::Batch(vec![
                Edit::RemoveField { pointer: "/States/FanOut/Branches/0/States/Left/Next".into() },
                Edit::MoveState {
                    from_scope: "/States/FanOut/Branches/0".into(),
                    name: "LeftEnd".into(),
                    to_scope: String::new(),
                },
            ]),
            Edit::Batch(vec![
                Edit::RemoveField { pointer: "/States/Validate/Catch".into() },
                Edit::MoveState {
                    from_scope: String::new(),
                    name: "Failed".into(),
                    to_scope: "/States/Each/ItemProcessor".into(),
                },
            ]),
            Edit::ApplyFix(Fix {
                guess: false,
                title: "several".into(),
                edits: vec![
                    FixEdit::Set { pointer: "/States/Validate/TimeoutSeconds".into(), value: json!(300) },
                    FixEdit::Remove { pointer: "/States/Validate/Retry/0/BackoffRate".into() },
                    FixEdit::Append { pointer: "/States/Validate/Retry".into(), value: json!({"ErrorEquals": ["B"]}) },
                ],
            }),
            Edit::SetNode { pointer: "/X-Team".into(), node: tree(r#"{"a": 1.50, "a": -0}"#) },
            Edit::InsertMember { object: "/States".into(), index: 2, member: member.clone() },
            Edit::RemoveMember { object: "/States/Validate".into(), index: 3 },
            Edit::RenameMember { object: "".into(), index: 0, key: "comment".into() },
            Edit::InsertElement { array: "/States/Route/Choices".into(), index: 3, node: member.value.clone() },
            Edit::RemoveElement { array: "/States/Route/Choices".into(), index: 0 },
        ];
        for edit in &edits {
            let edited = check_undo_and_redo(&original, edit);
            let is_noop = matches!(edit, Edit::RenameState { from, to, .. } if from == to);
            let unchanged = printed(&edited) == printed(&original);
            assert_eq!(unchanged, is_noop, "{edit:?}: unchanged {unchanged}, expected a no-op {is_noop}");
        }
    }

    #[test]
    fn edits_leave_untouched_duplicates_numbers_and_unknown_fields_as_written() {
        let before = printed(&orders());
        let cases = [
            (Edit::SetField { pointer: "/States/Done/Comment".into(), value: json!("changed") }, vec!["changed"]),
            (
                Edit::AddRetrier {
                    state: "/States/Validate".into(),
                    retrier: json!({"ErrorEquals": ["Z"]}),
                    index: None,
                },
                vec![],
            ),
        ];
        for (edit, new_fragments) in cases {
            let mut root = orders();
            apply(&mut root, &edit).expect("edit");
            let after = printed(&root);
            for kept in [
                r#""MaxAttempts": 2,"#,
                r#""MaxAttempts": 3,"#,
                r#""BackoffRate": 2.0"#,
                r#""n": 1e3"#,
                r#""weight": 1.0"#,
                r#""NumericGreaterThan": 10.50,"#,
                r#""Comment": "duplicate""#,
                r#""X-Team": {"#,
            ] {
                assert!(before.contains(kept) && after.contains(kept), "{edit:?} lost {kept}: {after}");
            }
            for fragment in new_fragments {
                assert!(after.contains(fragment), "{after}");
            }
        }
    }

    #[test]
    fn moves_follow_the_start_and_transition_rules() {
        let text = r#"{"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "Loop", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}]},
            "Loop": {"Type": "Wait", "Seconds": 1, "Next": "Loop"},
            "ToBranch": {"Type": "Pass", "Next": "B"},
            "End": {"Type": "Succeed"}}}"#;
        let original = tree(text);
        let branch = "/States/P/Branches/0".to_string();

        // A self-loop moves along; a transition to a state of the target scope becomes valid.
        for name in ["Loop", "ToBranch"] {
            let mut root = original.clone();
            let edit = Edit::MoveState { from_scope: String::new(), name: name.into(), to_scope: branch.clone() };
            if name == "Loop" {
                apply(&mut root, &Edit::RemoveField { pointer: "/States/P/Next".into() }).expect("disconnect");
            }
            let before = root.clone();
            apply(&mut root, &edit).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(keys(&root, "/States/P/Branches/0/States").last().map(String::as_str), Some(name));
            assert!(!keys(&root, "/States").contains(&name.to_string()));
            check_undo_and_redo(&before, &edit);
        }
        // Out of a branch: B is not the start and only A (in the branch) points at it.
        let mut root = original.clone();
        let out = Edit::MoveState { from_scope: branch.clone(), name: "B".into(), to_scope: String::new() };
        let error = apply(&mut root, &out).expect_err("A points at B");
        assert_eq!(
            error,
            EditError::MoveCrossesTransition {
                name: "B".into(),
                pointer: "/States/P/Branches/0/States/A/Next".into(),
                target: "B".into()
            }
        );
        let batch = Edit::Batch(vec![
            Edit::SetField { pointer: "/States/P/Branches/0/States/A/Next".into(), value: json!(null) },
            Edit::RemoveField { pointer: "/States/P/Branches/0/States/A/Next".into() },
            Edit::SetField { pointer: "/States/P/Branches/0/States/A/End".into(), value: json!(true) },
            out,
        ]);
        let edited = check_undo_and_redo(&original, &batch);
        assert_eq!(keys(&edited, "/States").last().map(String::as_str), Some("B"));
    }

    #[test]
    fn refused_edits_say_what_is_wrong_and_change_nothing() {
        let scope = String::new;
        let rename = |from: &str, to: &str| Edit::RenameState { scope: scope(), from: from.into(), to: to.into() };
        let set = |pointer: &str| Edit::SetField { pointer: pointer.into(), value: json!(1) };
        let remove = |pointer: &str| Edit::RemoveField { pointer: pointer.into() };
        let retrier = |state: &str, index| Edit::AddRetrier { state: state.into(), retrier: json!({}), index };
        let move_to =
            |name: &str, to: &str| Edit::MoveState { from_scope: scope(), name: name.into(), to_scope: to.into() };
        let long = "x".repeat(81);
        let cases: Vec<(Edit, EditError)> = vec![
            (
                rename("Validate", "Left"),
                EditError::NameTaken {
                    field: "to",
                    name: "Left".into(),
                    existing: "/States/FanOut/Branches/0/States/Left".into(),
                },
            ),
            (
                rename("Validate", "Done"),
                EditError::NameTaken { field: "to", name: "Done".into(), existing: "/States/Done".into() },
            ),
            (rename("Nope", "Other"), EditError::MissingState { scope: scope(), name: "Nope".into() }),
            (rename("Validate", ""), EditError::InvalidName { field: "to", name: String::new(), reason: "is empty" }),
            (
                rename("Validate", &long),
                EditError::InvalidName { field: "to", name: long.clone(), reason: "is longer than 80 characters" },
            ),
            (
                Edit::RenameState { scope: "/States/Validate".into(), from: "A".into(), to: "B".into() },
                EditError::MissingScope { scope: "/States/Validate".into() },
            ),
            (
                Edit::AddState { scope: scope(), name: "Item".into(), state: json!({}) },
                EditError::NameTaken {
                    field: "name",
                    name: "Item".into(),
                    existing: "/States/Each/ItemProcessor/States/Item".into(),
                },
            ),
            (
                Edit::RemoveState { scope: "/States/Nope".into(), name: "A".into() },
                EditError::MissingScope { scope: "/States/Nope".into() },
            ),
            (
                set("States/Validate"),
                EditError::InvalidPointer {
                    pointer: "States/Validate".into(),
                    reason: "it must be empty or start with '/'",
                },
            ),
            (
                set("/States/Val~2idate"),
                EditError::InvalidPointer {
                    pointer: "/States/Val~2idate".into(),
                    reason: "'~' must be followed by '0' or '1'",
                },
            ),
            (set("/States/Nope/Next"), EditError::MissingValue { pointer: "/States/Nope".into() }),
            (
                set("/States/Validate/Retry/01"),
                EditError::InvalidPointer {
                    pointer: "/States/Validate/Retry/01".into(),
                    reason: "an array index must be digits without a leading zero",
                },
            ),
            (
                set("/States/Validate/Retry/3"),
                EditError::IndexOutOfRange { pointer: "/States/Validate/Retry".into(), index: 3, length: 1 },
            ),
            (
                set("/Comment/x"),
                EditError::WrongType {
                    pointer: "/Comment".into(),
                    expected: "an object or an array",
                    found: "a string",
                },
            ),
            (remove(""), EditError::RemoveRoot),
            (remove("/States/Nope"), EditError::MissingValue { pointer: "/States/Nope".into() }),
            (remove("/States/Route/Choices/3"), EditError::MissingValue { pointer: "/States/Route/Choices/3".into() }),
            (retrier("/States/Nope", None), EditError::MissingValue { pointer: "/States/Nope".into() }),
            (
                retrier("/States/Validate/Type", None),
                EditError::WrongType {
                    pointer: "/States/Validate/Type".into(),
                    expected: "an object",
                    found: "a string",
                },
            ),
            (
                retrier("/States/Validate", Some(2)),
                EditError::IndexOutOfRange { pointer: "/States/Validate/Retry".into(), index: 2, length: 1 },
            ),
            (
                retrier("/States/Route", Some(1)),
                EditError::IndexOutOfRange { pointer: "/States/Route/Retry".into(), index: 1, length: 0 },
            ),
            (
                move_to("Validate", "/States/Each/ItemProcessor"),
                EditError::MoveStartState { scope: scope(), name: "Validate".into() },
            ),
            (
                move_to("Failed", "/States/Each/ItemProcessor"),
                EditError::MoveCrossesTransition {
                    name: "Failed".into(),
                    pointer: "/States/Validate/Catch/0/Next".into(),
                    target: "Failed".into(),
                },
            ),
            (
                move_to("Done", "/States/Each/ItemProcessor"),
                EditError::MoveCrossesTransition {
                    name: "Done".into(),
                    pointer: "/States/FanOut/Next".into(),
                    target: "Done".into(),
                },
            ),
            (
                move_to("Route", "/States/FanOut/Branches/1"),
                EditError::MoveCrossesTransition {
                    name: "Route".into(),
                    pointer: "/States/Route/Choices/0/Next".into(),
                    target: "FanOut".into(),
                },
            ),
            (
                move_to("FanOut", "/States/FanOut/Branches/1"),
                EditError::MoveIntoItself { name: "FanOut".into(), scope: "/States/FanOut/Branches/1".into() },
            ),
            (move_to("Done", ""), EditError::MoveToSameScope { name: "Done".into(), scope: scope() }),
            (move_to("Done", "/States/Nope"), EditError::MissingScope { scope: "/States/Nope".into() }),
            (
                Edit::ApplyFix(Fix {
                    guess: false,
                    title: "append to a string".into(),
                    edits: vec![
                        FixEdit::Set { pointer: "/States/Validate/TimeoutSeconds".into(), value: json!(5) },
                        FixEdit::Append { pointer: "/Comment".into(), value: json!(1) },
                    ],
                }),
                EditError::WrongType { pointer: "/Comment".into(), expected: "an array", found: "a string" },
            ),
            (
                Edit::RemoveMember { object: "/States".into(), index: 6 },
                EditError::IndexOutOfRange { pointer: "/States".into(), index: 6, length: 6 },
            ),
            (
                Edit::InsertElement { array: "/States".into(), index: 0, node: tree("1") },
                EditError::WrongType { pointer: "/States".into(), expected: "an array", found: "an object" },
            ),
        ];
        for (edit, expected) in cases {
            let mut root = orders();
            let before = root.clone();
            let error = apply(&mut root, &edit).expect_err(&format!("{edit:?}"));
            assert_eq!(error, expected, "{edit:?}");
            assert_eq!(root, before, "{edit:?} changed the tree");
            let message = error.to_string();
            assert!(!message.starts_with(char::is_uppercase), "{message}");
        }

        // A Catch that is not an array.
        let mut root = orders();
        apply(&mut root, &Edit::SetField { pointer: "/States/Failed/Catch".into(), value: json!("x") }).expect("set");
        let before = root.clone();
        let catcher = Edit::AddCatcher { state: "/States/Failed".into(), catcher: json!({}), index: None };
        assert_eq!(
            apply(&mut root, &catcher),
            Err(EditError::WrongType {
                pointer: "/States/Failed/Catch".into(),
                expected: "an array",
                found: "a string"
            })
        );
        assert_eq!(root, before);

        let taken = apply(&mut orders(), &rename("Validate", "Left")).expect_err("taken").to_string();
        assert!(taken.starts_with("to: ") && taken.contains("already used"), "{taken}");
        let empty = apply(&mut orders(), &rename("Validate", "")).expect_err("empty").to_string();
        assert_eq!(empty, "to: the state name \"\" is empty");
        // 80 characters (not bytes) are fine.
        apply(&mut orders(), &rename("Validate", &"é".repeat(80))).expect("80 characters");
    }

    #[test]
    fn apply_all_is_all_or_nothing() {
        let original = orders();
        let good = vec![
            Edit::SetField { pointer: "/Comment".into(), value: json!("changed") },
            Edit::RenameState { scope: String::new(), from: "Validate".into(), to: "Check".into() },
            Edit::AddState { scope: String::new(), name: "New".into(), state: json!({"Type": "Succeed"}) },
            Edit::RemoveState { scope: String::new(), name: "Done".into() },
        ];
        for failing in [
            Edit::RemoveState { scope: String::new(), name: "Nope".into() },
            Edit::RenameState { scope: String::new(), from: "Check".into(), to: "Left".into() },
            Edit::Batch(vec![
                Edit::RemoveField { pointer: "/Comment".into() },
                Edit::RemoveField { pointer: "/x".into() },
            ]),
        ] {
            let mut root = original.clone();
            let mut edits = good.clone();
            edits.push(failing.clone());
            assert!(apply_all(&mut root, &edits).is_err(), "{failing:?}");
            assert_eq!(root, original, "{failing:?} left a change behind");
            assert!(apply(&mut root, &Edit::Batch(edits)).is_err());
            assert_eq!(root, original);
        }

        let mut root = original.clone();
        let inverses = apply_all(&mut root, &good).expect("good edits");
        assert_eq!(inverses.len(), good.len());
        assert!(matches!(inverses[0], Edit::InsertMember { .. }), "the last edit is undone first: {inverses:?}");
        assert_eq!(string_at(&root, "/StartAt"), "Check");
        apply_all(&mut root, &inverses).expect("undo");
        assert_eq!(printed(&root), printed(&original));
        assert_eq!(root, original);
    }

    #[test]
    fn the_lambda_lint_fix_appends_and_keeps_the_existing_retriers_as_written() {
        let text = r#"{
  "StartAt": "S",
  "States": {
    "S": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Retry": [
        {
          "ErrorEquals": [
            "Custom"
          ],
          "MaxAttempts": 2,
          "MaxAttempts": 2.0
        }
      ],
      "End": true
    }
  }
}"#;
        let original = tree(text);
        let options = crate::lint::LintOptions::default();
        let fix = crate::lint::lint(&original, &options)
            .into_iter()
            .find(|diagnostic| diagnostic.code == crate::lint::LAMBDA_WITHOUT_SERVICE_RETRY)
            .and_then(|diagnostic| diagnostic.fix)
            .expect("a Lambda retrier fix");
        let edited = check_undo_and_redo(&original, &Edit::ApplyFix(fix));
        let after = printed(&edited);
        assert!(after.starts_with(&text[..text.find("      ],").expect("end of Retry")]), "{after}");
        assert_eq!(node_at(&edited, "/States/S/Retry").ok().and_then(Node::elements).map(<[Node]>::len), Some(2));
        assert!(
            !crate::lint::lint(&edited, &options)
                .iter()
                .any(|diagnostic| diagnostic.code == crate::lint::LAMBDA_WITHOUT_SERVICE_RETRY)
        );
    }

    #[test]
    fn renaming_each_real_world_start_state_keeps_validation_and_undoes_exactly() {
        let Some(corpus) = crate::test_support::shared("corpus/real-asl") else { return };
        let files = crate::test_support::real_asl_files(&corpus, &["json"]);
        let (mut renamed, mut not_json, mut no_start) = (0, 0, 0);
        for path in &files {
            let text = std::fs::read_to_string(path).expect("readable file");
            let Ok(original) = parse(&text) else {
                not_json += 1;
                continue;
            };
            let Some(start) = original.get("StartAt").and_then(Node::as_str).map(str::to_string) else {
                no_start += 1;
                continue;
            };
            if state_index(&original, "", &start).is_err() {
                no_start += 1;
                continue;
            }
            let fresh = (0..)
                .map(|counter| format!("Renamed start {counter}"))
                .find(|name| find_state(&original, name).is_none())
                .expect("a fresh name");
            let errors_before = crate::validate::validate(&original).len();
            let mut root = original.clone();
            let edit = Edit::RenameState { scope: String::new(), from: start.clone(), to: fresh.clone() };
            let inverse = apply(&mut root, &edit).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            assert_eq!(string_at(&root, "/StartAt"), fresh, "{}", path.display());
            assert_eq!(crate::validate::validate(&root).len(), errors_before, "{}", path.display());
            apply(&mut root, &inverse).unwrap_or_else(|error| panic!("{}: undo: {error}", path.display()));
            assert_eq!(printed(&root), printed(&original), "{}", path.display());
            assert_eq!(root, original, "{}", path.display());
            renamed += 1;
        }
        println!(
            "{renamed} start states renamed and restored, {not_json} not JSON, {no_start} without a StartAt state, of {} files",
            files.len()
        );
        assert!(renamed > 0);
    }
}

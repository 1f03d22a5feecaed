//! Validation: everything AWS would refuse in a definition, with AWS's codes, messages and
//! locations where they are known.
//!
//! The walk goes machine → scope (`StartAt`/`States`) → state → fields, and recurses into
//! Parallel branches and Map item processors, each validated in its own scope. Transitions
//! are checked per scope (a `Next` may only name a state of the same scope), then
//! reachability: AWS refuses unreachable states (`MISSING_TRANSITION_TARGET: State "X" is not
//! reachable.`) and workflows with no terminal state (`MISSING_END_STATE`).

mod fields;
mod timestamp;

use std::{
    collections::{BTreeSet, HashMap, HashSet, hash_map::Entry},
    fmt,
    hash::{BuildHasherDefault, Hasher},
    sync::LazyLock,
};

pub use fields::{
    COMPARISON_OPERATORS, ComparisonKind, EXCLUSIVE, JSONATA_ONLY, JSONPATH_ONLY, STATE_TYPES, comparison_kind,
    is_common, state_fields,
};
pub use timestamp::is_rfc3339_timestamp;

use crate::{
    Diagnostic, Fix, FixEdit,
    diagnostic::pointer_push,
    intrinsic,
    json::{Node, Value},
    jsonata, path,
};

/// The query language a state is evaluated in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryLanguage {
    /// The default: InputPath, Parameters, ResultSelector, ResultPath, OutputPath.
    JsonPath,
    /// `{% … %}` expressions: Arguments, Output.
    Jsonata,
}

impl QueryLanguage {
    fn name(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// AWS's longest definition, in characters: `CreateStateMachine` and `UpdateStateMachine`
/// refuse a longer one.
pub const MAX_DEFINITION_CHARACTERS: usize = 1_048_576;

/// The code of a definition longer than [`MAX_DEFINITION_CHARACTERS`]. AWS refuses it with a
/// `ValidationException` before reading it, so it has no code of AWS's own; like the syntax
/// errors it concerns the whole file and is placed at its start.
pub const DEFINITION_TOO_LARGE: &str = "DEFINITION_TOO_LARGE";

/// The size error of a definition read as `document`, measured as AWS measures it: the
/// characters of the JSON text, and for YAML of the compact JSON the tree prints as (what a
/// deployment tool would send at the least).
pub fn document_size(document: &crate::Document) -> Option<Diagnostic> {
    let text = document.text();
    let characters = match (document.format(), document.root()) {
        // A text of no more bytes than the limit has no more characters either.
        (crate::SourceFormat::Json, _) if text.len() <= MAX_DEFINITION_CHARACTERS => return None,
        (crate::SourceFormat::Json, _) => text.chars().count(),
        (crate::SourceFormat::Yaml, Some(root)) => root.to_serde().to_string().chars().count(),
        (crate::SourceFormat::Yaml, None) => return None,
    };
    definition_size(characters)
}

/// The error for a definition of `characters` characters (as AWS counts them: Unicode
/// characters of the JSON text), when that is more than AWS accepts.
pub fn definition_size(characters: usize) -> Option<Diagnostic> {
    if characters <= MAX_DEFINITION_CHARACTERS {
        return None;
    }
    let mut diagnostic = Diagnostic::error(
        DEFINITION_TOO_LARGE,
        "",
        format!(
            "the definition has {characters} characters; AWS refuses definitions longer than \
             {MAX_DEFINITION_CHARACTERS} characters"
        ),
    )
    .with_location(None);
    diagnostic.line = 1;
    diagnostic.column = 1;
    Some(diagnostic)
}

/// Checks a definition's tree and returns every error found, in document order.
pub fn validate(root: &Node) -> Vec<Diagnostic> {
    let mut validator = Validator::default();
    validator.machine(root);
    validator.diagnostics
}

#[derive(Default)]
struct Validator<'a> {
    diagnostics: Vec<Diagnostic>,
    /// Every state name in the whole machine.
    state_names: HashSet<&'a str, FastHash>,
    top_language: Option<QueryLanguage>,
}

const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
const MISSING_TARGET: &str = "MISSING_TRANSITION_TARGET";

/// The fields of the machine itself.
const MACHINE_FIELDS: &[&str] = &["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"];

impl<'a> Validator<'a> {
    fn error(&mut self, code: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(code, pointer, message));
    }

    fn error_at(
        &mut self,
        code: &'static str,
        pointer: impl Into<String>,
        location: &Ptr<'_>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(located_error(code, pointer, location, message));
    }

    /// Reports `field` of `object` as not supported, at AWS's `location`. When it looks like a
    /// misspelling of one of the `known` fields that `object` does not have yet, the finding
    /// carries a quick fix that renames it in place.
    fn unsupported(&mut self, object: &Node, field_pointer: String, location: &Ptr<'_>, field: &str, known: &[&str]) {
        let mut diagnostic =
            located_error(SCHEMA, field_pointer.clone(), location, format!("Field '{field}' is not supported"))
                .at_key();
        // A field that exists elsewhere in the language is misplaced, not misspelt ("End" in a
        // Choice rule is not a misspelling of "And").
        let free = known.iter().copied().filter(|known| object.get(known).is_none());
        if !fields::is_asl_field(field)
            && let Some(meant) = crate::suggest::closest(field, free)
        {
            let title = format!("Rename \"{field}\" to \"{meant}\"");
            diagnostic = diagnostic
                .with_fix(Fix::guess(title, vec![FixEdit::Rename { pointer: field_pointer, to: meant.to_string() }]));
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports a transition (or `StartAt`) naming no state of its scope. When the name looks
    /// like a misspelling of one of the scope's `names`, the finding carries a quick fix that
    /// names that state instead.
    fn missing_target<'n>(&mut self, pointer: String, target: &str, names: impl IntoIterator<Item = &'n str>) {
        let mut diagnostic =
            Diagnostic::error(MISSING_TARGET, pointer.clone(), format!("Missing 'Next' target: {target}"));
        if let Some(meant) = crate::suggest::closest(target, names) {
            let title = format!("Go to \"{meant}\"");
            diagnostic = diagnostic.with_fix(Fix::guess(title, vec![FixEdit::Set { pointer, value: meant.into() }]));
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports a Resource AWS would not recognise. When it looks like a misspelling of an
    /// optimised integration (`lambda:invok`, `sqs:sendMessage.waitForTaskTokn`), the finding
    /// carries a quick fix with the ARN meant.
    fn unrecognised_resource(&mut self, pointer: String, arn: &str, message: String) {
        let mut diagnostic = Diagnostic::error(SCHEMA, pointer.clone(), message);
        if let Some(meant) = resource_guess(arn) {
            let title = format!("Use \"{meant}\"");
            diagnostic = diagnostic.with_fix(Fix::guess(title, vec![FixEdit::Set { pointer, value: meant.into() }]));
        }
        self.diagnostics.push(diagnostic);
    }

    fn machine(&mut self, root: &'a Node) {
        let Some(members) = root.members() else {
            self.error(SCHEMA, "", format!("the definition must be a JSON object, not {}", article(root.type_name())));
            return;
        };
        self.duplicate_keys(root, "");
        let mut missing = Vec::new();
        if root.get("States").is_none() {
            missing.push("States");
        }
        if root.get("StartAt").is_none() {
            missing.push("StartAt");
        }
        if !missing.is_empty() {
            self.error(SCHEMA, "", format!("These fields are required: [{}]", missing.join(", ")));
        }
        for member in members {
            let pointer = Ptr::ROOT.key(&member.key);
            match member.key.as_str() {
                "StartAt" | "States" => {}
                "Comment" => self.expect_string(&member.value, &pointer),
                "Version" => {
                    if member.value.as_str() != Some("1.0") {
                        self.error(SCHEMA, pointer, "Version must be the string \"1.0\"");
                    }
                }
                "TimeoutSeconds" => self.positive_integer(&member.value, &pointer, 99_999_999),
                "QueryLanguage" => match member.value.as_str() {
                    Some("JSONPath") => self.top_language = Some(QueryLanguage::JsonPath),
                    Some("JSONata") => self.top_language = Some(QueryLanguage::Jsonata),
                    _ => self.error(SCHEMA, pointer, "QueryLanguage must be \"JSONPath\" or \"JSONata\""),
                },
                other => self.unsupported(root, pointer.to_string(), &Ptr::ROOT, other, MACHINE_FIELDS),
            }
        }
        self.scope(root, &Ptr::ROOT);
    }

    /// Validates a `StartAt` + `States` container (the machine, a branch, an item processor).
    fn scope(&mut self, container: &'a Node, pointer: &Ptr<'_>) {
        let states_pointer = pointer.key("States");
        let Some(states) = container.get("States") else { return };
        let Some(state_members) = states.members() else {
            self.error(
                SCHEMA,
                states_pointer,
                format!("States must be an object, not {}", article(states.type_name())),
            );
            return;
        };
        if state_members.is_empty() {
            self.error(SCHEMA, states_pointer, "States must contain at least one state");
        }
        // Each distinct name of this scope with a number (its first definition's order).
        let mut names_here: HashMap<&str, usize, FastHash> =
            HashMap::with_capacity_and_hasher(state_members.len(), FastHash::default());
        self.state_names.reserve(state_members.len());
        for member in state_members {
            let state_pointer = states_pointer.key(&member.key);
            let id = names_here.len();
            let new_here = match names_here.entry(member.key.as_str()) {
                Entry::Occupied(_) => false,
                Entry::Vacant(entry) => {
                    entry.insert(id);
                    true
                }
            };
            if !new_here || !self.state_names.insert(member.key.as_str()) {
                self.error("DUPLICATE_STATE_NAME", state_pointer, format!("Duplicate State name: {}", member.key));
            }
            if member.key.is_empty() || member.key.chars().count() > 80 {
                self.error(SCHEMA, state_pointer, "State names must be 1 to 80 characters long");
            }
            self.state(&member.value, &state_pointer);
        }

        match container.get("StartAt") {
            Some(start) => match start.as_str() {
                Some(start_name) if names_here.contains_key(start_name) => {}
                Some(start_name) => {
                    self.missing_target(pointer.key("StartAt").to_string(), start_name, names_here.keys().copied())
                }
                None => self.expect_string(start, &pointer.key("StartAt")),
            },
            None if !pointer.is_root() => {
                self.error(SCHEMA, pointer.to_string(), "These fields are required: [StartAt]");
            }
            None => {}
        }
        self.transitions(container, pointer, &names_here);
    }

    /// Checks that every transition names a state of this scope, that an end is reachable,
    /// and that every state is reachable.
    fn transitions(&mut self, container: &'a Node, pointer: &Ptr<'_>, names: &HashMap<&str, usize, FastHash>) {
        let Some(states) = container.get("States").and_then(Node::members) else { return };
        // Edges between state numbers (see `scope`), in order of their source state.
        let mut edges: Vec<(usize, usize)> = Vec::with_capacity(states.len());
        let mut terminal = false;
        let states_pointer = pointer.key("States");
        for member in states {
            let state = &member.value;
            let state_pointer = states_pointer.key(&member.key);
            let from = names.get(member.key.as_str()).copied().unwrap_or_default();
            let mut state_type = "";
            let mut ends = None;
            // One pass over the members for the first Next, Default, Choices, Catch, Type and End
            // (what `Node::get` would find).
            let (mut next, mut default, mut choices, mut catch) = (None, None, None, None);
            let (mut seen_type, mut seen_end) = (false, false);
            for field in state.members().unwrap_or_default() {
                let value = &field.value;
                match field.key.as_str() {
                    "Next" => next = next.or(Some(value)),
                    "Default" => default = default.or(Some(value)),
                    "Choices" => choices = choices.or(Some(value)),
                    "Catch" => catch = catch.or(Some(value)),
                    "Type" if !seen_type => {
                        seen_type = true;
                        state_type = value.as_str().unwrap_or("");
                    }
                    "End" if !seen_end => {
                        seen_end = true;
                        ends = value.as_bool();
                    }
                    _ => {}
                }
            }
            self.transition_target(next, names, from, &mut edges, || state_pointer.key("Next"));
            self.transition_target(default, names, from, &mut edges, || state_pointer.key("Default"));
            for (field, list) in [("Choices", choices), ("Catch", catch)] {
                for (index, rule) in list.and_then(Node::elements).unwrap_or_default().iter().enumerate() {
                    self.transition_target(rule.get("Next"), names, from, &mut edges, || {
                        state_pointer.key(field).index(index).key("Next").to_string()
                    });
                }
            }
            if matches!(state_type, "Succeed" | "Fail") || ends == Some(true) {
                terminal = true;
            }
        }

        // AWS reports a scope with no terminal state at all (and then nothing about
        // reachability), and otherwise every state the start cannot reach.
        if !terminal {
            self.diagnostics.push(
                Diagnostic::error("MISSING_END_STATE", pointer.to_string(), "Workflow has no terminal state")
                    .with_location(None),
            );
            return;
        }
        let Some(&start) = container.get("StartAt").and_then(Node::as_str).and_then(|start| names.get(start)) else {
            return;
        };
        // The successors of each state number, laid out contiguously (counting sort by source).
        let count = names.len();
        let mut offsets = vec![0; count + 1];
        for &(from, _) in &edges {
            offsets[from + 1] += 1;
        }
        for index in 0..count {
            offsets[index + 1] += offsets[index];
        }
        let mut fill = offsets.clone();
        let mut successors = vec![0; edges.len()];
        for &(from, to) in &edges {
            successors[fill[from]] = to;
            fill[from] += 1;
        }
        let mut reached = vec![false; count];
        reached[start] = true;
        let mut queue = vec![start];
        while let Some(state) = queue.pop() {
            for &next in &successors[offsets[state]..offsets[state + 1]] {
                if !reached[next] {
                    reached[next] = true;
                    queue.push(next);
                }
            }
        }
        for member in states {
            if !names.get(member.key.as_str()).is_some_and(|&id| reached[id]) {
                self.error(
                    MISSING_TARGET,
                    states_pointer.key(&member.key),
                    format!("State \"{}\" is not reachable.", member.key),
                );
            }
        }
    }

    /// Notes a transition's target as a successor, or reports it when this scope has no such state.
    fn transition_target<P: Into<String>>(
        &mut self,
        target: Option<&'a Node>,
        names: &HashMap<&str, usize, FastHash>,
        from: usize,
        edges: &mut Vec<(usize, usize)>,
        target_pointer: impl FnOnce() -> P,
    ) {
        let Some(target) = target.and_then(Node::as_str) else { return };
        if let Some(&to) = names.get(target) {
            edges.push((from, to));
        } else {
            self.missing_target(target_pointer().into(), target, names.keys().copied());
        }
    }

    fn state(&mut self, state: &'a Node, pointer: &Ptr<'_>) {
        let Some(members) = state.members() else {
            self.error(
                SCHEMA,
                pointer.to_string(),
                format!("a state must be an object, not {}", article(state.type_name())),
            );
            return;
        };
        let Some(state_type) = state.get("Type") else {
            self.error(SCHEMA, pointer.to_string(), "These fields are required: [Type]");
            return;
        };
        let Some(state_type) = state_type.as_str().filter(|name| STATE_TYPES.contains(name)) else {
            let type_pointer = pointer.key("Type").to_string();
            let mut diagnostic = Diagnostic::error(
                SCHEMA,
                type_pointer.clone(),
                format!("Type must be one of {}", STATE_TYPES.join(", ")),
            );
            if let Some(meant) =
                state_type.as_str().and_then(|name| crate::suggest::closest(name, STATE_TYPES.iter().copied()))
            {
                diagnostic = diagnostic.with_fix(Fix::guess(
                    format!("Make it a {meant} state"),
                    vec![FixEdit::Set { pointer: type_pointer, value: meant.into() }],
                ));
            }
            self.diagnostics.push(diagnostic);
            return;
        };
        let language = self.state_language(state, pointer);

        // Fields: supported by the type, and by the query language.
        let allowed = fields::state_fields(state_type);
        for member in members {
            let field = member.key.as_str();
            if fields::is_common(field) {
                continue;
            }
            let field_pointer = || pointer.key(field);
            if !allowed.contains(&field) {
                let known: Vec<&str> = allowed.iter().chain(fields::COMMON).copied().collect();
                self.unsupported(state, field_pointer().to_string(), pointer, field, &known);
                continue;
            }
            let wrong_language = match language {
                QueryLanguage::JsonPath => fields::JSONATA_ONLY.contains(&field),
                QueryLanguage::Jsonata => fields::JSONPATH_ONLY.contains(&field),
            };
            if wrong_language {
                let other = match language {
                    QueryLanguage::JsonPath => "JSONata",
                    QueryLanguage::Jsonata => "JSONPath",
                };
                self.error_at(
                    SCHEMA,
                    field_pointer(),
                    pointer,
                    format!(
                        "The QueryLanguage is set to '{}', but field '{field}' is only supported for the '{other}' QueryLanguage",
                        language.name()
                    ),
                );
            }
        }
        for group in exclusive_groups(state_type) {
            if group.iter().filter(|field| state.get(field).is_some()).count() > 1 {
                self.error(
                    SCHEMA,
                    pointer.to_string(),
                    format!("There should only be one of the following fields: [{}]", group.join(", ")),
                );
            }
        }

        if let Some(comment) = state.get("Comment") {
            self.expect_string(comment, &pointer.key("Comment"));
        }
        self.transition_fields(state, state_type, pointer);
        self.data_fields(state, language, pointer);

        match state_type {
            "Task" => self.task(state, language, pointer),
            "Choice" => self.choice(state, language, pointer),
            "Wait" => self.wait(state, language, pointer),
            "Fail" => self.fail(state, language, pointer),
            "Parallel" => self.parallel(state, pointer),
            "Map" => self.map(state, language, pointer),
            _ => {}
        }
        for field in ["Retry", "Catch"] {
            if let Some(list) = state.get(field) {
                if field == "Retry" {
                    self.retriers(list, &pointer.key(field));
                } else {
                    self.catchers(list, language, &pointer.key(field));
                }
            }
        }
    }

    fn state_language(&mut self, state: &'a Node, pointer: &Ptr<'_>) -> QueryLanguage {
        let machine = self.top_language.unwrap_or(QueryLanguage::JsonPath);
        match state.get("QueryLanguage").map(|value| value.as_str()) {
            None => machine,
            Some(Some("JSONata")) => QueryLanguage::Jsonata,
            Some(Some("JSONPath")) if machine == QueryLanguage::Jsonata => {
                self.error(
                    SCHEMA,
                    pointer.key("QueryLanguage"),
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                );
                self.diagnostics.last_mut().expect("just pushed").location =
                    Some(crate::diagnostic::aws_location(&pointer.to_string()));
                QueryLanguage::Jsonata
            }
            Some(Some("JSONPath")) => QueryLanguage::JsonPath,
            Some(_) => {
                self.error(SCHEMA, pointer.key("QueryLanguage"), "QueryLanguage must be \"JSONPath\" or \"JSONata\"");
                machine
            }
        }
    }

    fn transition_fields(&mut self, state: &'a Node, state_type: &str, pointer: &Ptr<'_>) {
        let terminal_type = matches!(state_type, "Choice" | "Succeed" | "Fail");
        if terminal_type {
            return; // Next and End are reported as unsupported fields.
        }
        let next = state.get("Next");
        let end = state.get("End");
        if let Some(next) = next {
            self.expect_string(next, &pointer.key("Next"));
        }
        if let Some(end) = end
            && end.as_bool().is_none()
        {
            self.error(SCHEMA, pointer.key("End"), "End must be true or false");
        }
        let ends = end.and_then(Node::as_bool) == Some(true);
        if next.is_none() && !ends {
            self.error(
                SCHEMA,
                pointer.to_string(),
                "This state needs a transition: add \"Next\" with the name of the following state, or \"End\": true",
            );
        }
    }

    /// InputPath, OutputPath, ResultPath, Parameters, ResultSelector, Result, Assign, Arguments, Output.
    fn data_fields(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        for field in ["InputPath", "OutputPath"] {
            if let Some(value) = state.get(field) {
                self.path_or_null(value, &pointer.key(field), false);
            }
        }
        if let Some(value) = state.get("ResultPath") {
            self.result_path(value, &pointer.key("ResultPath"));
        }
        for field in ["Parameters", "ResultSelector", "ItemSelector"] {
            if let Some(value) = state.get(field) {
                let field_pointer = pointer.key(field);
                if language == QueryLanguage::Jsonata {
                    self.jsonata_values(value, &field_pointer);
                } else {
                    self.payload_template(value, &field_pointer);
                }
            }
        }
        if let Some(assign) = state.get("Assign") {
            self.assign(assign, language, &pointer.key("Assign"));
        }
        for field in ["Arguments", "Output"] {
            if let Some(value) = state.get(field) {
                self.jsonata_values(value, &pointer.key(field));
            }
        }
    }

    fn assign(&mut self, assign: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        let Some(members) = assign.members() else {
            self.error(SCHEMA, pointer.to_string(), "Assign must be an object of variable names and values");
            return;
        };
        for member in members {
            let name = member.key.strip_suffix(".$").unwrap_or(&member.key);
            let member_pointer = pointer.key(&member.key);
            if !is_variable_name(name) {
                self.error(
                    SCHEMA,
                    member_pointer,
                    format!("'{name}' is not a valid variable name: use letters, digits, '_' and '-', starting with a letter or '_'"),
                );
            }
            if language == QueryLanguage::Jsonata && member.key.ends_with(".$") {
                self.error(
                    SCHEMA,
                    member_pointer,
                    "keys ending in '.$' are JSONPath syntax; in JSONata use a {% %} expression",
                );
            }
        }
        match language {
            QueryLanguage::JsonPath => self.payload_template(assign, pointer),
            QueryLanguage::Jsonata => self.jsonata_values(assign, pointer),
        }
    }

    /// A JSONPath payload template: `key.$` members hold paths or intrinsic calls, at any depth.
    fn payload_template(&mut self, node: &'a Node, pointer: &Ptr<'_>) {
        match &node.value {
            Value::Object(members) => {
                let mut names = BTreeSet::new();
                for member in members {
                    let name = member.key.strip_suffix(".$").unwrap_or(&member.key);
                    if !names.insert(name) && members.iter().filter(|other| other.key == member.key).count() == 1 {
                        self.error(
                            SCHEMA,
                            pointer.key(&member.key),
                            format!("The field '{name}' is given twice, as '{name}' and '{name}.$': keep one"),
                        );
                    }
                }
                for member in members {
                    let member_pointer = pointer.key(&member.key);
                    if member.key.ends_with(".$") && member.key.len() > 2 {
                        let valid = member.value.as_str().is_some_and(is_path_or_intrinsic);
                        if !valid {
                            let message = format!(
                                "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call",
                                member.key
                            );
                            let field_pointer = member_pointer.to_string();
                            let mut diagnostic = located_error(SCHEMA, field_pointer.clone(), pointer, message);
                            if let Some((corrected, renames)) = member.value.as_str().and_then(intrinsic_guess) {
                                let pairs: Vec<String> =
                                    renames.iter().map(|(wrong, right)| format!("{right} for {wrong}")).collect();
                                let title = format!("Use {}", pairs.join(" and "));
                                let edit = FixEdit::Set { pointer: field_pointer, value: corrected.into() };
                                diagnostic = diagnostic.with_fix(Fix::guess(title, vec![edit]));
                            }
                            self.diagnostics.push(diagnostic);
                        }
                    } else {
                        self.payload_template(&member.value, &member_pointer);
                    }
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    self.payload_template(element, &pointer.index(index));
                }
            }
            _ => {}
        }
    }

    /// Every string in a JSONata-language value: `{% … %}` templates must parse.
    fn jsonata_values(&mut self, node: &'a Node, pointer: &Ptr<'_>) {
        match &node.value {
            Value::String(text) => self.jsonata_string(text, pointer),
            Value::Object(members) => {
                for member in members {
                    self.jsonata_values(&member.value, &pointer.key(&member.key));
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    self.jsonata_values(element, &pointer.index(index));
                }
            }
            _ => {}
        }
    }

    fn jsonata_string(&mut self, text: &str, pointer: &Ptr<'_>) {
        let trimmed = text.trim();
        let opens = trimmed.starts_with("{%");
        let closes = trimmed.ends_with("%}");
        if !opens && !closes {
            return;
        }
        match jsonata::template_body(text) {
            Some((body, _)) => {
                if let Err(error) = jsonata::parse(body) {
                    self.error(
                        SCHEMA,
                        pointer.to_string(),
                        format!(
                            "The JSONata expression is not valid: {} (at character {})",
                            error.message,
                            error.position + 1
                        ),
                    );
                }
            }
            None => self.error(
                SCHEMA,
                pointer.to_string(),
                "A JSONata expression must start with '{%' and end with '%}', with nothing outside them",
            ),
        }
    }

    fn task(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        match state.get("Resource") {
            None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [Resource]"),
            Some(resource) if is_cloudformation_intrinsic(resource) => {}
            Some(resource) => match resource.as_str() {
                None => self.expect_string(resource, &pointer.key("Resource")),
                Some(arn) => {
                    if let Err(message) = check_resource(arn) {
                        self.unrecognised_resource(pointer.key("Resource").to_string(), arn, message);
                    }
                }
            },
        }
        let timeout = self.seconds_field(state, "TimeoutSeconds", language, pointer);
        let heartbeat = self.seconds_field(state, "HeartbeatSeconds", language, pointer);
        if let (Some(timeout), Some(heartbeat)) = (timeout, heartbeat)
            && heartbeat >= timeout
        {
            self.error(SCHEMA, pointer.key("HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds");
        }
        for field in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
            if let Some(value) = state.get(field) {
                self.reference_path(value, &pointer.key(field));
            }
        }
        if let Some(credentials) = state.get("Credentials") {
            let credentials_pointer = pointer.key("Credentials");
            let role = credentials.get("RoleArn").or_else(|| credentials.get("RoleArn.$"));
            if credentials.members().is_none() || role.is_none() {
                self.error_at(
                    SCHEMA,
                    credentials_pointer,
                    &credentials_pointer,
                    "The field 'RoleArn' is required but was missing",
                );
            }
        }
    }

    /// A TimeoutSeconds/HeartbeatSeconds literal (or JSONata expression); returns the literal.
    fn seconds_field(
        &mut self,
        state: &'a Node,
        field: &str,
        language: QueryLanguage,
        pointer: &Ptr<'_>,
    ) -> Option<i64> {
        let value = state.get(field)?;
        let field_pointer = pointer.key(field);
        if language == QueryLanguage::Jsonata && value.as_str().is_some() {
            self.jsonata_values(value, &field_pointer);
            return None;
        }
        self.positive_integer(value, &field_pointer, 99_999_999);
        value.as_i64()
    }

    fn choice(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        let choices_pointer = pointer.key("Choices");
        match state.get("Choices") {
            None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [Choices]"),
            Some(choices) => match choices.elements() {
                Some([]) => self.error(SCHEMA, choices_pointer, "Choices must contain at least one rule"),
                Some(rules) => {
                    for (index, rule) in rules.iter().enumerate() {
                        self.choice_rule(rule, language, &choices_pointer.index(index), true);
                    }
                }
                None => self.error(SCHEMA, choices_pointer, "Choices must be an array of rules"),
            },
        }
        if let Some(default) = state.get("Default") {
            self.expect_string(default, &pointer.key("Default"));
        }
    }

    fn choice_rule(&mut self, rule: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>, top_level: bool) {
        let Some(members) = rule.members() else {
            self.error(SCHEMA, pointer.to_string(), "a Choice rule must be an object");
            return;
        };
        if top_level {
            match rule.get("Next") {
                None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [Next]"),
                Some(next) => self.expect_string(next, &pointer.key("Next")),
            }
        } else if rule.get("Next").is_some() {
            self.error(SCHEMA, pointer.key("Next"), "Field 'Next' is not supported inside And, Or or Not");
        }
        if language == QueryLanguage::Jsonata {
            for member in members {
                let member_pointer = pointer.key(&member.key);
                match member.key.as_str() {
                    "Condition" => match &member.value.value {
                        Value::Bool(_) => {}
                        Value::String(text) => {
                            if jsonata::template_body(text).is_none() {
                                self.error(
                                    SCHEMA,
                                    member_pointer,
                                    "Condition must be a JSONata expression in {% %} or a boolean",
                                );
                            } else {
                                self.jsonata_string(text, &member_pointer);
                            }
                        }
                        _ => self.error(
                            SCHEMA,
                            member_pointer,
                            "Condition must be a JSONata expression in {% %} or a boolean",
                        ),
                    },
                    "Next" | "Comment" => {}
                    "Output" => self.jsonata_values(&member.value, &member_pointer),
                    "Assign" => self.assign(&member.value, language, &member_pointer),
                    other => self.unsupported(
                        rule,
                        member_pointer.to_string(),
                        pointer,
                        other,
                        &["Condition", "Next", "Comment", "Output", "Assign"],
                    ),
                }
            }
            if rule.get("Condition").is_none() {
                self.error(SCHEMA, pointer.to_string(), "These fields are required: [Condition]");
            }
            return;
        }

        let mut operators = Vec::new();
        for member in members {
            let member_pointer = pointer.key(&member.key);
            match member.key.as_str() {
                "Next" | "Comment" => {}
                "Assign" if top_level => self.assign(&member.value, language, &member_pointer),
                "Variable" => {
                    self.choice_variable(&member.value, &member_pointer);
                }
                "And" | "Or" => {
                    operators.push(member.key.as_str());
                    match member.value.elements() {
                        Some([]) | None => {
                            self.error(SCHEMA, member_pointer, format!("{} must be a non-empty array of rules", member.key))
                        }
                        Some(rules) => {
                            for (index, nested) in rules.iter().enumerate() {
                                self.choice_rule(nested, language, &member_pointer.index(index), false);
                            }
                        }
                    }
                }
                "Not" => {
                    operators.push("Not");
                    self.choice_rule(&member.value, language, &member_pointer, false);
                }
                "Condition" | "Output" => self.error_at(
                    SCHEMA,
                    member_pointer,
                    pointer,
                    format!(
                        "The QueryLanguage is set to 'JSONPath', but field '{}' is only supported for the 'JSONata' QueryLanguage",
                        member.key
                    ),
                ),
                operator => match fields::comparison_kind(operator) {
                    Some(kind) => {
                        operators.push(operator);
                        self.comparison_value(operator, kind, &member.value, &member_pointer);
                    }
                    None => {
                        let mut known = vec!["Variable", "And", "Or", "Not", "Comment"];
                        if top_level {
                            known.extend(["Next", "Assign"]);
                        }
                        known.extend(fields::COMPARISON_OPERATORS);
                        self.unsupported(rule, member_pointer.to_string(), pointer, operator, &known);
                    }
                },
            }
        }
        let is_combinator = operators.iter().any(|operator| matches!(*operator, "And" | "Or" | "Not"));
        match operators.len() {
            0 => self.error(
                SCHEMA,
                pointer.to_string(),
                "a Choice rule needs a comparison (such as StringEquals with Variable) or And, Or or Not",
            ),
            1 if !is_combinator && rule.get("Variable").is_none() => {
                self.error(SCHEMA, pointer.to_string(), "These fields are required: [Variable]")
            }
            1 if is_combinator && rule.get("Variable").is_some() => {
                self.error(SCHEMA, pointer.key("Variable"), "Field 'Variable' is not supported with And, Or or Not")
            }
            1 => {}
            _ => self.error(
                SCHEMA,
                pointer.to_string(),
                format!(
                    "a Choice rule takes exactly one comparison operator, not {}: [{}]",
                    operators.len(),
                    operators.join(", ")
                ),
            ),
        }
    }

    fn choice_variable(&mut self, value: &'a Node, pointer: &Ptr<'_>) {
        match value.as_str() {
            Some(text) if path::parse_path(text).is_ok() => {}
            Some(_) => self.error(SCHEMA, pointer.to_string(), "Variable must be a valid JSONPath"),
            None => self.expect_string(value, pointer),
        }
    }

    fn comparison_value(&mut self, operator: &str, kind: ComparisonKind, value: &'a Node, pointer: &Ptr<'_>) {
        let ok = match kind {
            ComparisonKind::String => value.as_str().is_some(),
            ComparisonKind::Number => value.as_f64().is_some(),
            ComparisonKind::Boolean => value.as_bool().is_some(),
            ComparisonKind::Timestamp => value.as_str().is_some_and(is_rfc3339_timestamp),
            ComparisonKind::Path => value.as_str().is_some_and(|text| path::parse_reference_path(text).is_ok()),
        };
        if !ok {
            let expected = match kind {
                ComparisonKind::String => "a string",
                ComparisonKind::Number => "a number",
                ComparisonKind::Boolean => "true or false",
                ComparisonKind::Timestamp => "an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
                ComparisonKind::Path => "a reference path such as $.value",
            };
            self.error(SCHEMA, pointer.to_string(), format!("{operator} must be {expected}"));
        }
    }

    fn wait(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        let present = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
            .iter()
            .filter(|field| state.get(field).is_some())
            .count();
        if present == 0 {
            self.error(
                SCHEMA,
                pointer.to_string(),
                "a Wait state needs one of Seconds, Timestamp, SecondsPath or TimestampPath",
            );
        }
        if let Some(seconds) = state.get("Seconds") {
            let field_pointer = pointer.key("Seconds");
            if language == QueryLanguage::Jsonata && seconds.as_str().is_some() {
                self.jsonata_values(seconds, &field_pointer);
            } else {
                self.non_negative_integer(seconds, &field_pointer, 99_999_999);
            }
        }
        if let Some(timestamp) = state.get("Timestamp") {
            let field_pointer = pointer.key("Timestamp");
            match timestamp.as_str() {
                Some(text) if language == QueryLanguage::Jsonata && jsonata::template_body(text).is_some() => {
                    self.jsonata_string(text, &field_pointer)
                }
                Some(text) if has_substitution(text) => {}
                Some(text) if is_rfc3339_timestamp(text) => {}
                Some(_) => self.error(SCHEMA, field_pointer, "String does not match RFC3339 timestamp"),
                None => self.expect_string(timestamp, &field_pointer),
            }
        }
        for field in ["SecondsPath", "TimestampPath"] {
            if let Some(value) = state.get(field) {
                self.reference_path(value, &pointer.key(field));
            }
        }
    }

    fn fail(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        for field in ["Error", "Cause"] {
            if let Some(value) = state.get(field) {
                let field_pointer = pointer.key(field);
                self.expect_string(value, &field_pointer);
                if language == QueryLanguage::Jsonata {
                    self.jsonata_values(value, &field_pointer);
                }
            }
        }
        for field in ["ErrorPath", "CausePath"] {
            if let Some(value) = state.get(field) {
                let valid = value.as_str().is_some_and(|text| {
                    path::parse_reference_path(text).is_ok()
                        || (intrinsic::looks_like_intrinsic(text) && intrinsic::parse_intrinsic(text).is_ok())
                });
                if !valid {
                    self.error(
                        SCHEMA,
                        pointer.key(field),
                        format!("{field} must be a reference path or an intrinsic function call"),
                    );
                }
            }
        }
    }

    fn parallel(&mut self, state: &'a Node, pointer: &Ptr<'_>) {
        let branches_pointer = pointer.key("Branches");
        match state.get("Branches").map(Node::elements) {
            None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [Branches]"),
            Some(None) => self.error(SCHEMA, branches_pointer, "Branches must be an array of state machines"),
            Some(Some([])) => self.error(SCHEMA, branches_pointer, "Branches must contain at least one branch"),
            Some(Some(branches)) => {
                for (index, branch) in branches.iter().enumerate() {
                    let branch_pointer = branches_pointer.index(index);
                    self.inner_machine(branch, &branch_pointer, &["StartAt", "States", "Comment"]);
                }
            }
        }
    }

    fn map(&mut self, state: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        let processor = state
            .get("ItemProcessor")
            .map(|node| (node, "ItemProcessor"))
            .or_else(|| state.get("Iterator").map(|node| (node, "Iterator")));
        match processor {
            None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [ItemProcessor]"),
            Some((processor, field)) => {
                let processor_pointer = pointer.key(field);
                self.inner_machine(processor, &processor_pointer, &["StartAt", "States", "Comment", "ProcessorConfig"]);
                if let Some(config) = processor.get("ProcessorConfig") {
                    self.processor_config(config, &processor_pointer.key("ProcessorConfig"));
                }
            }
        }
        if let Some(items_path) = state.get("ItemsPath") {
            self.path_or_null(items_path, &pointer.key("ItemsPath"), true);
        }
        if let Some(items) = state.get("Items") {
            let items_pointer = pointer.key("Items");
            match &items.value {
                Value::Array(_) => self.jsonata_values(items, &items_pointer),
                Value::String(text) if jsonata::template_body(text).is_some() => {
                    self.jsonata_string(text, &items_pointer)
                }
                _ => self.error(SCHEMA, items_pointer, "Items must be an array or a JSONata expression"),
            }
        }
        for (field, maximum) in
            [("MaxConcurrency", None), ("ToleratedFailureCount", None), ("ToleratedFailurePercentage", Some(100.0))]
        {
            let Some(value) = state.get(field) else { continue };
            let field_pointer = pointer.key(field);
            if language == QueryLanguage::Jsonata && value.as_str().is_some() {
                self.jsonata_values(value, &field_pointer);
                continue;
            }
            match (value.as_f64(), maximum) {
                (Some(number), _) if number < 0.0 => self.error(
                    SCHEMA,
                    field_pointer,
                    if maximum.is_some() { "Minimum value is 0.0" } else { "Minimum value is 0" },
                ),
                (Some(number), Some(maximum)) if number > maximum => {
                    self.error(SCHEMA, field_pointer, "Maximum value is 100.0")
                }
                (Some(_), Some(_)) => {}
                (Some(_), None) if value.as_i64().is_some() => {}
                _ => self.error(
                    SCHEMA,
                    field_pointer,
                    if maximum.is_some() { "Value is not a number" } else { "Value is not an integer" },
                ),
            }
        }
        for field in ["MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"] {
            if let Some(value) = state.get(field) {
                self.reference_path(value, &pointer.key(field));
            }
        }
        if let Some(label) = state.get("Label") {
            let label_pointer = pointer.key("Label");
            match label.as_str() {
                Some(text) => {
                    if let Err(message) = check_map_label(text) {
                        self.error(SCHEMA, label_pointer, message);
                    }
                }
                None => self.expect_string(label, &label_pointer),
            }
        }
        for field in ["ItemReader", "ResultWriter"] {
            if let Some(value) = state.get(field) {
                let field_pointer = pointer.key(field);
                if value.members().is_none() {
                    self.error(SCHEMA, field_pointer, format!("{field} must be an object"));
                    continue;
                }
                if let Some(resource) = value.get("Resource").and_then(Node::as_str) {
                    if let Err(message) = check_resource(resource) {
                        self.unrecognised_resource(field_pointer.key("Resource").to_string(), resource, message);
                    }
                } else if field == "ItemReader" {
                    self.error(SCHEMA, field_pointer, "These fields are required: [Resource]");
                }
                match language {
                    QueryLanguage::JsonPath => {
                        if let Some(parameters) = value.get("Parameters") {
                            self.payload_template(parameters, &field_pointer.key("Parameters"));
                        }
                    }
                    QueryLanguage::Jsonata => self.jsonata_values(value, &field_pointer),
                }
            }
        }
        if let Some(batcher) = state.get("ItemBatcher") {
            self.sub_object(
                batcher,
                &pointer.key("ItemBatcher"),
                &[
                    "MaxItemsPerBatch",
                    "MaxItemsPerBatchPath",
                    "MaxInputBytesPerBatch",
                    "MaxInputBytesPerBatchPath",
                    "BatchInput",
                ],
                &[
                    &["MaxItemsPerBatch", "MaxItemsPerBatchPath"],
                    &["MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"],
                ],
            );
        }
        if let Some(config) = state.get("ItemReader").and_then(|reader| reader.get("ReaderConfig")) {
            self.sub_object(
                config,
                &pointer.key("ItemReader").key("ReaderConfig"),
                &[
                    "InputType",
                    "CSVHeaderLocation",
                    "CSVHeaders",
                    "CSVDelimiter",
                    "MaxItems",
                    "MaxItemsPath",
                    "ManifestType",
                    "ItemsPointer",
                ],
                &[&["MaxItems", "MaxItemsPath"]],
            );
        }
    }

    /// An object with a fixed set of fields, some of them mutually exclusive.
    fn sub_object(&mut self, node: &'a Node, pointer: &Ptr<'_>, allowed: &[&str], exclusive: &[&[&str]]) {
        let Some(members) = node.members() else {
            self.error(SCHEMA, pointer.to_string(), "Value must be an object");
            return;
        };
        for member in members {
            if !allowed.contains(&member.key.as_str()) {
                self.unsupported(node, pointer.key(&member.key).to_string(), pointer, &member.key, allowed);
            }
        }
        for group in exclusive {
            if group.iter().filter(|field| node.get(field).is_some()).count() > 1 {
                self.error(
                    SCHEMA,
                    pointer.to_string(),
                    format!("There should only be one of the following fields: [{}]", group.join(", ")),
                );
            }
        }
        for member in members {
            if member.key.ends_with("Path") {
                self.reference_path(&member.value, &pointer.key(&member.key));
            }
        }
    }

    fn processor_config(&mut self, config: &'a Node, pointer: &Ptr<'_>) {
        let Some(members) = config.members() else {
            self.error(SCHEMA, pointer.to_string(), "ProcessorConfig must be an object");
            return;
        };
        for member in members {
            let member_pointer = pointer.key(&member.key);
            match (member.key.as_str(), member.value.as_str()) {
                ("Mode", Some("INLINE" | "DISTRIBUTED")) | ("ExecutionType", Some("STANDARD" | "EXPRESS")) => {}
                ("Mode", _) => self.error(SCHEMA, member_pointer, "Mode must be \"INLINE\" or \"DISTRIBUTED\""),
                ("ExecutionType", _) => {
                    self.error(SCHEMA, member_pointer, "ExecutionType must be \"STANDARD\" or \"EXPRESS\"")
                }
                (other, _) => {
                    self.unsupported(config, member_pointer.to_string(), pointer, other, &["Mode", "ExecutionType"])
                }
            }
        }
        if config.get("Mode").and_then(Node::as_str) == Some("DISTRIBUTED") && config.get("ExecutionType").is_none() {
            self.error(SCHEMA, pointer.to_string(), "These fields are required: [ExecutionType]");
        }
    }

    /// A Parallel branch or a Map item processor: its own scope of states.
    fn inner_machine(&mut self, machine: &'a Node, pointer: &Ptr<'_>, allowed: &[&str]) {
        let Some(members) = machine.members() else {
            self.error(SCHEMA, pointer.to_string(), "this must be an object with StartAt and States");
            return;
        };
        let mut missing = Vec::new();
        if machine.get("States").is_none() {
            missing.push("States");
        }
        if machine.get("StartAt").is_none() {
            missing.push("StartAt");
        }
        if !missing.is_empty() {
            self.error(SCHEMA, pointer.to_string(), format!("These fields are required: [{}]", missing.join(", ")));
        }
        for member in members {
            if !allowed.contains(&member.key.as_str()) {
                self.unsupported(machine, pointer.key(&member.key).to_string(), pointer, &member.key, allowed);
            }
        }
        if machine.get("States").is_some() && machine.get("StartAt").is_some() {
            self.scope(machine, pointer);
        } else if machine.get("States").is_some() {
            // Still check the states themselves.
            let states_pointer = pointer.key("States");
            for member in machine.get("States").and_then(Node::members).unwrap_or_default() {
                self.state(&member.value, &states_pointer.key(&member.key));
            }
        }
    }

    fn retriers(&mut self, list: &'a Node, pointer: &Ptr<'_>) {
        let Some(retriers) = list.elements() else {
            self.error(SCHEMA, pointer.to_string(), "Retry must be an array of retriers");
            return;
        };
        self.states_all_placement(retriers, pointer);
        for (index, retrier) in retriers.iter().enumerate() {
            let retrier_pointer = pointer.index(index);
            let Some(members) = retrier.members() else {
                self.error(SCHEMA, retrier_pointer, "a retrier must be an object");
                continue;
            };
            self.error_equals(retrier, &retrier_pointer);
            for member in members {
                let member_pointer = retrier_pointer.key(&member.key);
                match member.key.as_str() {
                    "ErrorEquals" | "Comment" => {}
                    "IntervalSeconds" => self.positive_integer(&member.value, &member_pointer, 99_999_999),
                    "MaxAttempts" => self.non_negative_integer(&member.value, &member_pointer, 99_999_999),
                    "MaxDelaySeconds" => self.positive_integer(&member.value, &member_pointer, 31_622_400),
                    "BackoffRate" => match member.value.as_f64() {
                        Some(rate) if rate >= 1.0 => {}
                        Some(_) => self.error(SCHEMA, member_pointer, "Minimum value is 1.0"),
                        None => self.error(SCHEMA, member_pointer, "Value is not a number"),
                    },
                    "JitterStrategy" => {
                        if !matches!(member.value.as_str(), Some("FULL" | "NONE")) {
                            self.error(SCHEMA, member_pointer, "JitterStrategy must be \"FULL\" or \"NONE\"");
                        }
                    }
                    other => self.unsupported(
                        retrier,
                        member_pointer.to_string(),
                        &retrier_pointer,
                        other,
                        &[
                            "ErrorEquals",
                            "Comment",
                            "IntervalSeconds",
                            "MaxAttempts",
                            "MaxDelaySeconds",
                            "BackoffRate",
                            "JitterStrategy",
                        ],
                    ),
                }
            }
        }
    }

    fn catchers(&mut self, list: &'a Node, language: QueryLanguage, pointer: &Ptr<'_>) {
        let Some(catchers) = list.elements() else {
            self.error(SCHEMA, pointer.to_string(), "Catch must be an array of catchers");
            return;
        };
        self.states_all_placement(catchers, pointer);
        for (index, catcher) in catchers.iter().enumerate() {
            let catcher_pointer = pointer.index(index);
            let Some(members) = catcher.members() else {
                self.error(SCHEMA, catcher_pointer, "a catcher must be an object");
                continue;
            };
            self.error_equals(catcher, &catcher_pointer);
            if catcher.get("Next").is_none() {
                self.error(SCHEMA, catcher_pointer, "These fields are required: [Next]");
            }
            for member in members {
                let member_pointer = catcher_pointer.key(&member.key);
                match (member.key.as_str(), language) {
                    ("ErrorEquals" | "Comment", _) => {}
                    ("Next", _) => self.expect_string(&member.value, &member_pointer),
                    ("ResultPath", QueryLanguage::JsonPath) => self.result_path(&member.value, &member_pointer),
                    ("Output", QueryLanguage::Jsonata) => self.jsonata_values(&member.value, &member_pointer),
                    ("Assign", _) => self.assign(&member.value, language, &member_pointer),
                    ("ResultPath" | "Output", _) => self.error_at(
                        SCHEMA,
                        member_pointer,
                        &catcher_pointer,
                        format!(
                            "The QueryLanguage is set to '{}', but field '{}' is only supported for the '{}' QueryLanguage",
                            language.name(),
                            member.key,
                            if language == QueryLanguage::JsonPath { "JSONata" } else { "JSONPath" }
                        ),
                    ),
                    (other, _) => {
                        let result = if language == QueryLanguage::JsonPath { "ResultPath" } else { "Output" };
                        let known = ["ErrorEquals", "Comment", "Next", result, "Assign"];
                        self.unsupported(catcher, member_pointer.to_string(), &catcher_pointer, other, &known);
                    }
                }
            }
        }
    }

    /// `States.ALL` must be the only name of its ErrorEquals and in the last retrier or catcher.
    fn states_all_placement(&mut self, rules: &'a [Node], pointer: &Ptr<'_>) {
        for (index, rule) in rules.iter().enumerate() {
            let names = rule.get("ErrorEquals").and_then(Node::elements).unwrap_or_default();
            for (position, name) in names.iter().enumerate() {
                if name.as_str() == Some("States.ALL") && (names.len() > 1 || index + 1 < rules.len()) {
                    let name_pointer = pointer.index(index).key("ErrorEquals").index(position).to_string();
                    self.error(SCHEMA, name_pointer, "States.ALL must appear alone and at end of list");
                }
            }
        }
    }

    fn error_equals(&mut self, rule: &'a Node, pointer: &Ptr<'_>) {
        match rule.get("ErrorEquals") {
            None => self.error(SCHEMA, pointer.to_string(), "These fields are required: [ErrorEquals]"),
            Some(errors) => match errors.elements() {
                Some([]) => self.error(SCHEMA, pointer.key("ErrorEquals"), "ErrorEquals must name at least one error"),
                Some(names) if names.iter().all(|name| name.as_str().is_some()) => {}
                _ => self.error(
                    SCHEMA,
                    pointer.key("ErrorEquals"),
                    "ErrorEquals must be an array of error names (strings)",
                ),
            },
        }
    }

    fn result_path(&mut self, value: &'a Node, pointer: &Ptr<'_>) {
        if let Some(text) = value.as_str()
            && let Ok(parsed) = path::parse_reference_path(text)
            && parsed.root != path::PathRoot::Input
        {
            self.error(
                SCHEMA,
                pointer.to_string(),
                "ResultPath must start with '$.': it cannot write to a variable or the context object",
            );
            return;
        }
        self.path_or_null(value, pointer, true);
    }

    fn path_or_null(&mut self, value: &'a Node, pointer: &Ptr<'_>, reference: bool) {
        match &value.value {
            Value::Null => {}
            Value::String(text) if has_substitution(text) => {}
            Value::String(text) => {
                let parsed = if reference {
                    path::parse_reference_path(text).map(|_| ())
                } else {
                    path::parse_path(text).map(|_| ())
                };
                if let Err(error) = parsed {
                    let kind = if reference { "a valid Reference Path" } else { "a valid JSONPath" };
                    self.error(SCHEMA, pointer.to_string(), format!("Value is not {kind}: {error}"));
                }
            }
            _ => self.error(SCHEMA, pointer.to_string(), "Value must be a path string or null"),
        }
    }

    fn reference_path(&mut self, value: &'a Node, pointer: &Ptr<'_>) {
        match value.as_str() {
            Some(text) if path::parse_reference_path(text).is_ok() => {}
            _ => self.error(SCHEMA, pointer.to_string(), "Value is not a Reference Path"),
        }
    }

    fn expect_string(&mut self, value: &'a Node, pointer: &Ptr<'_>) {
        if value.as_str().is_none() {
            self.error(
                SCHEMA,
                pointer.to_string(),
                format!("Value must be a string, not {}", article(value.type_name())),
            );
        }
    }

    fn positive_integer(&mut self, value: &'a Node, pointer: &Ptr<'_>, maximum: i64) {
        self.integer_in(value, pointer, 1, maximum);
    }

    fn non_negative_integer(&mut self, value: &'a Node, pointer: &Ptr<'_>, maximum: i64) {
        self.integer_in(value, pointer, 0, maximum);
    }

    fn integer_in(&mut self, value: &'a Node, pointer: &Ptr<'_>, minimum: i64, maximum: i64) {
        if value.as_str().is_some_and(has_substitution) {
            return;
        }
        match value.as_i64() {
            Some(number) if number < minimum => {
                self.error(SCHEMA, pointer.to_string(), format!("Minimum value is {minimum}"))
            }
            Some(number) if number > maximum => {
                self.error(SCHEMA, pointer.to_string(), format!("Maximum value is {maximum}"))
            }
            Some(_) => {}
            None => self.error(SCHEMA, pointer.to_string(), "Value is not an integer"),
        }
    }

    /// JSON objects with the same key twice, anywhere: AWS's JSON reader refuses them.
    /// (Two states of the same name are reported as DUPLICATE_STATE_NAME instead.)
    fn duplicate_keys(&mut self, node: &'a Node, pointer: &str) {
        // The walk covers the whole document, so pointers are built only when a duplicate is
        // found: the path is kept as a stack of borrowed keys and indexes.
        let mut trail: Vec<TrailStep<'_>> = Vec::new();
        self.duplicate_keys_in(node, pointer, &mut trail);
    }

    fn duplicate_keys_in<'n>(&mut self, node: &'n Node, base: &str, trail: &mut Vec<TrailStep<'n>>) {
        match &node.value {
            Value::Object(members) => {
                let inside_states = matches!(trail.last(), Some(TrailStep::Key("States")));
                if !inside_states && has_duplicate_key(members) {
                    let mut seen = BTreeSet::new();
                    for member in members {
                        if !seen.insert(member.key.as_str()) {
                            let pointer = pointer_push(&trail_pointer(base, trail), &member.key);
                            self.diagnostics.push(Diagnostic::error(
                                "INVALID_JSON_DESCRIPTION",
                                pointer,
                                format!("Duplicate field '{}'", member.key),
                            ));
                        }
                    }
                }
                for member in members {
                    trail.push(TrailStep::Key(&member.key));
                    self.duplicate_keys_in(&member.value, base, trail);
                    trail.pop();
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    trail.push(TrailStep::Index(index));
                    self.duplicate_keys_in(element, base, trail);
                    trail.pop();
                }
            }
            _ => {}
        }
    }
}

/// For each state type, the [`fields::EXCLUSIVE`] groups whose fields the type all supports
/// (the only groups that can be reported for it), in their order.
fn exclusive_groups(state_type: &str) -> &'static [&'static [&'static str]] {
    type Group = &'static [&'static str];
    static GROUPS: LazyLock<Vec<(&str, Vec<Group>)>> = LazyLock::new(|| {
        STATE_TYPES
            .iter()
            .map(|&state_type| {
                let allowed = fields::state_fields(state_type);
                let groups = fields::EXCLUSIVE
                    .iter()
                    .copied()
                    .filter(|group| group.iter().all(|field| allowed.contains(field)))
                    .collect();
                (state_type, groups)
            })
            .collect()
    });
    GROUPS.iter().find(|(name, _)| *name == state_type).map(|(_, groups)| groups.as_slice()).unwrap_or_default()
}

/// A quick hash for the validator's sets of state names (the FxHash mix, a word at a time).
#[derive(Clone, Copy, Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x517c_c1b7_2722_0a95;
        let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(SEED);
        let mut chunks = bytes.chunks_exact(8);
        let mut hash = self.0;
        for chunk in &mut chunks {
            hash = mix(hash, u64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes")));
        }
        for &byte in chunks.remainder() {
            hash = mix(hash, u64::from(byte));
        }
        self.0 = hash;
    }
}

type FastHash = BuildHasherDefault<FastHasher>;

/// A JSON pointer (RFC 6901) being walked: a chain of borrowed steps up to the root, turned
/// into text (with [`pointer_push`]) only when a diagnostic is reported.
#[derive(Clone, Copy)]
struct Ptr<'a>(Option<(&'a Ptr<'a>, TrailStep<'a>)>);

impl<'a> Ptr<'a> {
    /// The whole document, `""`.
    const ROOT: Ptr<'static> = Ptr(None);

    fn key<'b>(&'b self, key: &'b str) -> Ptr<'b> {
        Ptr(Some((self, TrailStep::Key(key))))
    }

    fn index(&self, index: usize) -> Ptr<'_> {
        Ptr(Some((self, TrailStep::Index(index))))
    }

    fn is_root(&self) -> bool {
        self.0.is_none()
    }

    fn materialise(&self) -> String {
        match self.0 {
            None => String::new(),
            Some((parent, TrailStep::Key(key))) => pointer_push(&parent.materialise(), key),
            Some((parent, TrailStep::Index(index))) => pointer_push(&parent.materialise(), &index.to_string()),
        }
    }
}

impl fmt::Display for Ptr<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.materialise())
    }
}

impl From<Ptr<'_>> for String {
    fn from(pointer: Ptr<'_>) -> String {
        pointer.materialise()
    }
}

/// One step of a path being walked: a member name or an array index.
#[derive(Clone, Copy)]
enum TrailStep<'a> {
    Key(&'a str),
    Index(usize),
}

fn trail_pointer(base: &str, trail: &[TrailStep<'_>]) -> String {
    trail.iter().fold(base.to_string(), |pointer, step| match step {
        TrailStep::Key(key) => pointer_push(&pointer, key),
        TrailStep::Index(index) => pointer_push(&pointer, &index.to_string()),
    })
}

/// Whether an object has the same key twice (a quadratic scan is fastest for small objects).
fn has_duplicate_key(members: &[crate::json::Member]) -> bool {
    if members.len() <= 16 {
        members.iter().enumerate().any(|(index, member)| members[..index].iter().any(|other| other.key == member.key))
    } else {
        let mut seen = BTreeSet::new();
        !members.iter().all(|member| seen.insert(member.key.as_str()))
    }
}

/// Whether a `.$` value is a path (`$…`) or an intrinsic function call.
/// An error at `pointer` that AWS reports at `location` (an enclosing object).
fn located_error(
    code: &'static str,
    pointer: impl Into<String>,
    location: &Ptr<'_>,
    message: impl Into<String>,
) -> Diagnostic {
    let location = crate::diagnostic::aws_location(&location.to_string());
    Diagnostic::error(code, pointer, message).with_location(Some(location))
}

/// An intrinsic call whose only problems are misspelt function names (`States.Fromat`),
/// corrected, with each name replaced and its correction; `None` when a name has no near
/// function or something else is wrong.
fn intrinsic_guess(text: &str) -> Option<(String, Vec<(String, &'static str)>)> {
    let names = intrinsic::IntrinsicFunction::ALL.map(intrinsic::IntrinsicFunction::name);
    let mut corrected = text.to_string();
    let mut renames = Vec::new();
    // Each round corrects one name (a call may nest several); a call has few.
    for _ in 0..8 {
        let error = match intrinsic::parse_intrinsic(&corrected) {
            Ok(_) => return (!renames.is_empty()).then_some((corrected, renames)),
            Err(error) if error.kind == intrinsic::IntrinsicErrorKind::UnknownFunction => error,
            Err(_) => return None,
        };
        let start = corrected.char_indices().nth(error.offset).map(|(at, _)| at)?;
        let length = corrected[start..].find('(')?;
        let wrong = corrected[start..start + length].to_string();
        let right = crate::suggest::closest(&wrong, names)?;
        corrected.replace_range(start..start + length, right);
        renames.push((wrong, right));
    }
    None
}

fn is_path_or_intrinsic(text: &str) -> bool {
    if has_substitution(text) && !text.starts_with('$') {
        return true;
    }
    if intrinsic::looks_like_intrinsic(text) {
        return intrinsic::parse_intrinsic(text).is_ok();
    }
    path::parse_path(text).is_ok()
}

/// Whether a string holds a deployment tool's placeholder (`${Name}`, `${AWS::Region}`,
/// `{{resolve:…}}`) that is filled in before the definition reaches AWS. An unclosed `${` is not one.
pub fn has_substitution(text: &str) -> bool {
    if !text.contains('{') {
        return false; // Both kinds open with a brace.
    }
    let closed = |open: &str, close: &str| {
        text.match_indices(open).any(|(start, _)| text[start + open.len()..].find(close).is_some_and(|end| end > 0))
    };
    closed("${", "}") || closed("{{", "}}")
}

/// A CloudFormation intrinsic function object (`{"Fn::GetAtt": […]}`, `{"Ref": "…"}`) that
/// a template resolves to a string before deployment.
fn is_cloudformation_intrinsic(node: &Node) -> bool {
    match node.members() {
        Some([member]) => member.key == "Ref" || member.key.starts_with("Fn::"),
        _ => false,
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut characters = name.chars();
    matches!(characters.next(), Some(first) if first.is_alphabetic() || first == '_')
        && characters.all(|character| character.is_alphanumeric() || character == '_' || character == '-')
        && name.chars().count() <= 80
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_string(),
        other => format!("a {other}"),
    }
}

/// Checks a Task's (or ItemReader's / ResultWriter's) Resource ARN.
pub fn check_resource(arn: &str) -> Result<(), String> {
    if has_substitution(arn) {
        return Ok(()); // A deployment tool fills this in.
    }
    let unrecognised = || {
        Err(format!(
            "The resource provided {arn} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return unrecognised();
    }
    match (parts[2], parts[5]) {
        ("lambda", rest) => match rest.strip_prefix("function:") {
            Some(function) if is_lambda_function(function) => Ok(()),
            _ => unrecognised(),
        },
        ("states", rest) if rest.starts_with("activity:") && rest.len() > "activity:".len() => Ok(()),
        ("states", rest) => {
            // arn:aws:states:::SERVICE:ACTION[.pattern] or arn:aws:states:::aws-sdk:SERVICE:ACTION
            // (a region and account may be given too).
            let (service, action) = rest.split_once(':').unwrap_or((rest, ""));
            if service == "aws-sdk" {
                let (sdk_service, api) = action.split_once(':').unwrap_or(("", ""));
                let api = api.strip_suffix(".waitForTaskToken").unwrap_or(api);
                if !sdk_service.is_empty() && !api.is_empty() && api.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Ok(());
                }
                return unrecognised();
            }
            let (action, pattern) = match action.split_once('.') {
                Some((action, pattern)) => (action, Some(pattern)),
                None => (action, None),
            };
            let Some(patterns) = fields::service_integration(service, action) else { return unrecognised() };
            let supported = match pattern {
                None => true,
                Some("sync") => patterns.sync,
                Some("sync:2") => patterns.sync2,
                Some("waitForTaskToken") => patterns.wait_for_task_token,
                Some(_) => false,
            };
            if supported { Ok(()) } else { unrecognised() }
        }
        _ => unrecognised(),
    }
}

/// The optimised integration a rejected `arn:PARTITION:states:REGION:ACCOUNT:SERVICE:ACTION`
/// most likely misspells, as a whole ARN with the same partition, region and account.
fn resource_guess(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_prefix, partition, "states", region, account, rest] = parts[..] else { return None };
    if rest.starts_with("aws-sdk:") || rest.starts_with("activity:") {
        return None;
    }
    let known: Vec<String> = fields::service_integration_resources().collect();
    let meant = crate::suggest::closest(rest, known.iter().map(String::as_str))?;
    Some(format!("{arn_prefix}:{partition}:states:{region}:{account}:{meant}"))
}

/// `NAME` or `NAME:QUALIFIER` of a Lambda function ARN: letters, digits, `-` and `_`
/// (up to 64), and a version number, `$LATEST` or an alias.
fn is_lambda_function(function: &str) -> bool {
    let word = |text: &str, maximum: usize| {
        !text.is_empty()
            && text.len() <= maximum
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match function.split_once(':') {
        None => word(function, 64),
        Some((name, qualifier)) => word(name, 64) && (qualifier == "$LATEST" || word(qualifier, 128)),
    }
}

/// A Map state's Label: 1 to 40 characters, none of them reserved.
fn check_map_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("Label cannot be empty".to_string());
    }
    if label.chars().count() > 40 {
        return Err("Label cannot exceed 40 characters".to_string());
    }
    const RESERVED: &str = " <>{}[]?*\"#%\\^|~`$&,;:/";
    for character in label.chars() {
        let control = (character as u32) < 0x20 || (0x7f..=0x9f).contains(&(character as u32));
        if control || character.is_whitespace() || RESERVED.contains(character) {
            let shown = match character {
                '\t' => "\\t".to_string(),
                '\n' => "\\n".to_string(),
                '\r' => "\\r".to_string(),
                _ if control => format!("\\x{:02x}", character as u32),
                _ => character.to_string(),
            };
            return Err(format!("Label contains invalid character: '{shown}'"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

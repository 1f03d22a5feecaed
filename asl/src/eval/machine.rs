//! A definition read once for evaluation: scopes (the machine, Parallel branches, Map item
//! processors) of named states, each state with its type, resolved query language,
//! transition, retriers and catchers. Field values stay JSON: the evaluators read them.
//!
//! Reading assumes a definition that validation accepted; what cannot be read is reported as
//! a [`MachineError`] rather than guessed.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::{json::Node, validate::QueryLanguage};

/// A state machine ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Machine {
    /// The top-level scope.
    pub root: Scope,
    /// The machine's `TimeoutSeconds`, when set.
    pub timeout_seconds: Option<u64>,
    /// The machine's query language (states without their own `QueryLanguage` use it).
    pub language: QueryLanguage,
}

/// A `StartAt` and its `States`.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// The first state's name.
    pub start_at: String,
    /// The states, in document order.
    pub states: Vec<State>,
    /// Each state's position in `states` by name, for scopes too large to scan.
    index: Option<HashMap<String, usize, foldhash::fast::RandomState>>,
}

/// Scopes of more states than this find a state by name through an index; smaller ones
/// scan (a scan of a few names is quicker than hashing one).
const SCANNED_STATES: usize = 16;

/// One state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Its name, shared: copied into every history event of the state without an
    /// allocation.
    pub name: std::sync::Arc<str>,
    /// Its query language: its own `QueryLanguage`, else the machine's.
    pub language: QueryLanguage,
    /// What it is, with the scopes it holds.
    pub kind: StateKind,
    /// The state's JSON object, as written.
    pub fields: Fields,
    /// Where it goes when it completes.
    pub transition: Transition,
    /// `Retry`, in order.
    pub retriers: Vec<Retrier>,
    /// `Catch`, in order.
    pub catchers: Vec<Catcher>,
    /// Whether any of its own fields can read the context object (`$$` in JSONPath,
    /// `$states.context` in JSONata). A runner may skip building the context when not.
    pub reads_context: bool,
}

/// The state types, with what each holds.
#[derive(Clone, Debug, PartialEq)]
pub enum StateKind {
    /// `Pass`.
    Pass,
    /// `Task`.
    Task,
    /// `Choice`.
    Choice,
    /// `Wait`.
    Wait,
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail,
    /// `Parallel`, with its branches.
    Parallel {
        /// The branches, in order.
        branches: Vec<Scope>,
    },
    /// `Map`, with its item processor (`ItemProcessor`, or the legacy `Iterator`).
    Map {
        /// The states run for each item.
        processor: Box<Scope>,
        /// `ProcessorConfig.Mode`.
        mode: MapMode,
    },
}

/// How a Map state runs its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapMode {
    /// In the execution (the default).
    Inline,
    /// As child executions (`"Mode": "DISTRIBUTED"`).
    Distributed,
}

/// Where a state goes when it completes normally.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    /// `Next`.
    Next(String),
    /// `End: true`, and the states that end by their nature (Succeed, Fail).
    End,
    /// Choice states: the rule or `Default` decides.
    Choose,
}

/// One element of `Retry`.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: f64,
    /// `MaxAttempts` (default 3).
    pub max_attempts: u32,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`, when set.
    pub max_delay_seconds: Option<f64>,
    /// `JitterStrategy: FULL`.
    pub full_jitter: bool,
}

/// One element of `Catch`.
#[derive(Clone, Debug, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: String,
    /// The catcher's JSON object (`ResultPath`, `Assign`, `Output`).
    pub fields: Fields,
}

/// A state's or catcher's JSON members, in document order. An object of a state has a
/// handful of members, and the evaluators look several up by name at every transition: a
/// linear search compares a few short strings, where a `serde_json::Map` hashes each name
/// with std's SipHash first (a tenth of a Choice loop's time, measured). The members the
/// evaluators read on every transition ([`KNOWN`]) are also indexed by position: a lookup
/// with a literal name compiles to an array read, with no string comparison at all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    members: Vec<(String, Value)>,
    /// For each name of [`KNOWN`], its member's position plus one; 0 when absent, and
    /// [`SEARCH`] when its position does not fit (it is then searched for).
    known: [u8; KNOWN.len()],
}

/// In [`Fields::known`]: a member past the 254th, found by search.
const SEARCH: u8 = u8::MAX;

/// The members read on every transition of the states that have them.
const KNOWN: [&str; 12] = [
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "Assign",
    "Output",
    "Arguments",
    "Choices",
    "Default",
    "Resource",
];

/// The position of `name` in [`KNOWN`]. Inlined into a lookup by a literal name, it folds
/// to a constant.
#[inline(always)]
fn known_position(name: &str) -> Option<usize> {
    match name {
        "InputPath" => Some(0),
        "OutputPath" => Some(1),
        "Parameters" => Some(2),
        "ResultSelector" => Some(3),
        "ResultPath" => Some(4),
        "Result" => Some(5),
        "Assign" => Some(6),
        "Output" => Some(7),
        "Arguments" => Some(8),
        "Choices" => Some(9),
        "Default" => Some(10),
        "Resource" => Some(11),
        _ => None,
    }
}

impl Fields {
    fn new(members: Vec<(String, Value)>) -> Fields {
        let mut known = [0; KNOWN.len()];
        for (index, (key, _)) in members.iter().enumerate() {
            if let Some(position) = known_position(key)
                && known[position] == 0
            {
                // A state has far fewer members; one past the 254th is found by search.
                known[position] = u8::try_from(index + 1).ok().filter(|stored| *stored < SEARCH).unwrap_or(SEARCH);
            }
        }
        Fields { members, known }
    }

    /// The member `name`, when present.
    #[inline(always)]
    pub fn get(&self, name: &str) -> Option<&Value> {
        match known_position(name) {
            Some(position) => match self.known[position] {
                0 => None,
                SEARCH => self.search(name),
                stored => self.members.get(usize::from(stored) - 1).map(|(_, value)| value),
            },
            None => self.search(name),
        }
    }

    fn search(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }

    /// Keeps the members for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        let mut members = std::mem::take(&mut self.members);
        members.retain(|(key, value)| keep(key, value));
        *self = Fields::new(members);
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(key, value)| (key.as_str(), value))
    }
}

impl From<&Map<String, Value>> for Fields {
    fn from(object: &Map<String, Value>) -> Fields {
        Fields::new(object.iter().map(|(key, value)| (key.clone(), value.clone())).collect())
    }
}

/// Why a definition cannot be read for evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineError {
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for MachineError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for MachineError {}

impl Machine {
    /// Reads a machine from its JSON.
    pub fn from_value(definition: &Value) -> Result<Machine, MachineError> {
        let object = definition.as_object().ok_or_else(|| error("the definition must be a JSON object"))?;
        let language = language_of(object.get("QueryLanguage"), QueryLanguage::JsonPath)?;
        let root = Scope::read(object, language)?;
        let timeout_seconds = object.get("TimeoutSeconds").and_then(Value::as_u64);
        Ok(Machine { root, timeout_seconds, language })
    }

    /// Reads a machine from a definition's tree.
    pub fn from_node(definition: &Node) -> Result<Machine, MachineError> {
        Machine::from_value(&definition.to_serde())
    }

    /// A machine of one state (as the TestState API takes it): the state is called
    /// `state_name` and the machine's query language is JSONPath.
    pub fn single_state(state_name: &str, state: &Value) -> Result<Machine, MachineError> {
        let object = state.as_object().ok_or_else(|| error("a state must be a JSON object"))?;
        let state = State::read(state_name, object, QueryLanguage::JsonPath)?;
        Ok(Machine {
            root: Scope::new(state_name.to_string(), vec![state]),
            timeout_seconds: None,
            language: QueryLanguage::JsonPath,
        })
    }
}

impl Scope {
    /// Reads a `StartAt` + `States` object; states inherit `machine_language`.
    pub fn read(object: &Map<String, Value>, machine_language: QueryLanguage) -> Result<Scope, MachineError> {
        let start_at = object
            .get("StartAt")
            .and_then(Value::as_str)
            .ok_or_else(|| error("StartAt is missing or not a string"))?
            .to_string();
        let states_object = object
            .get("States")
            .and_then(Value::as_object)
            .ok_or_else(|| error("States is missing or not an object"))?;
        let states = states_object
            .iter()
            .map(|(name, state)| {
                let fields =
                    state.as_object().ok_or_else(|| error(format!("the state '{name}' is not a JSON object")))?;
                State::read(name, fields, machine_language)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !states.iter().any(|state| *state.name == *start_at) {
            return Err(error(format!("StartAt names '{start_at}', which is not a state of its scope")));
        }
        Ok(Scope::new(start_at, states))
    }

    fn new(start_at: String, states: Vec<State>) -> Scope {
        let index = (states.len() > SCANNED_STATES)
            .then(|| states.iter().enumerate().map(|(position, state)| (state.name.to_string(), position)).collect());
        Scope { start_at, states, index }
    }

    /// The state called `name` in this scope.
    pub fn state(&self, name: &str) -> Option<&State> {
        match &self.index {
            Some(index) => index.get(name).map(|&position| &self.states[position]),
            None => self.states.iter().find(|state| *state.name == *name),
        }
    }

    /// The state called `name` here or in any nested scope (state names are unique in a machine).
    pub fn find_state(&self, name: &str) -> Option<&State> {
        self.states.iter().find_map(|state| {
            if *state.name == *name {
                return Some(state);
            }
            match &state.kind {
                StateKind::Parallel { branches } => branches.iter().find_map(|branch| branch.find_state(name)),
                StateKind::Map { processor, .. } => processor.find_state(name),
                _ => None,
            }
        })
    }
}

impl State {
    /// Reads one state; `machine_language` applies unless the state sets its own.
    pub fn read(
        name: &str,
        fields: &Map<String, Value>,
        machine_language: QueryLanguage,
    ) -> Result<State, MachineError> {
        let language = language_of(fields.get("QueryLanguage"), machine_language)?;
        let state_type = fields.get("Type").and_then(Value::as_str).unwrap_or("");
        let kind = match state_type {
            "Pass" => StateKind::Pass,
            "Task" => StateKind::Task,
            "Choice" => StateKind::Choice,
            "Wait" => StateKind::Wait,
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail,
            "Parallel" => {
                let branches = fields
                    .get("Branches")
                    .and_then(Value::as_array)
                    .ok_or_else(|| error(format!("the Parallel state '{name}' has no Branches array")))?
                    .iter()
                    .map(|branch| {
                        let object = branch.as_object().ok_or_else(|| error("a branch must be a JSON object"))?;
                        Scope::read(object, machine_language)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                StateKind::Parallel { branches }
            }
            "Map" => {
                let processor_value = fields
                    .get("ItemProcessor")
                    .or_else(|| fields.get("Iterator"))
                    .and_then(Value::as_object)
                    .ok_or_else(|| error(format!("the Map state '{name}' has no ItemProcessor")))?;
                let mode = match processor_value.get("ProcessorConfig").and_then(|config| config.get("Mode")) {
                    Some(Value::String(mode)) if mode == "DISTRIBUTED" => MapMode::Distributed,
                    _ => MapMode::Inline,
                };
                StateKind::Map { processor: Box::new(Scope::read(processor_value, machine_language)?), mode }
            }
            other => return Err(error(format!("the state '{name}' has an unknown Type '{other}'"))),
        };
        let transition = match (&kind, fields.get("Next").and_then(Value::as_str)) {
            (StateKind::Choice, _) => Transition::Choose,
            (StateKind::Succeed | StateKind::Fail, _) => Transition::End,
            (_, Some(next)) => Transition::Next(next.to_string()),
            (_, None) => Transition::End,
        };
        let retriers = fields
            .get("Retry")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_object).map(Retrier::read).collect())
            .unwrap_or_default();
        let catchers = fields
            .get("Catch")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_object).map(Catcher::read).collect())
            .unwrap_or_default();
        let reads_context = fields
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "Branches" | "ItemProcessor" | "Iterator"))
            .any(|(_, value)| mentions_context(value, language));
        Ok(State {
            name: name.into(),
            language,
            kind,
            fields: Fields::from(fields),
            transition,
            retriers,
            catchers,
            reads_context,
        })
    }

    /// The field `name`, when present.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// The state's `Type`, as AWS spells it.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            StateKind::Pass => "Pass",
            StateKind::Task => "Task",
            StateKind::Choice => "Choice",
            StateKind::Wait => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail => "Fail",
            StateKind::Parallel { .. } => "Parallel",
            StateKind::Map { .. } => "Map",
        }
    }

    /// Whether the context object shows `State.RetryCount` for this state.
    pub fn can_retry(&self) -> bool {
        matches!(self.kind, StateKind::Task | StateKind::Parallel { .. } | StateKind::Map { .. })
    }
}

/// Whether `value` holds text that can read the context object: `$$` (JSONPath paths and
/// intrinsic functions) or, in JSONata, anything mentioning `context` (conservative: an
/// alias of `$states` still has to name `.context`).
fn mentions_context(value: &Value, language: QueryLanguage) -> bool {
    match value {
        Value::String(text) => match language {
            QueryLanguage::JsonPath => text.contains("$$"),
            QueryLanguage::Jsonata => text.contains("context") || text.contains("$$"),
        },
        Value::Array(items) => items.iter().any(|item| mentions_context(item, language)),
        Value::Object(members) => {
            members.iter().any(|(key, item)| key.contains("$$") || mentions_context(item, language))
        }
        _ => false,
    }
}

impl Retrier {
    fn read(object: &Map<String, Value>) -> Retrier {
        Retrier {
            error_equals: error_names(object),
            interval_seconds: object.get("IntervalSeconds").and_then(Value::as_f64).unwrap_or(1.0),
            max_attempts: object
                .get("MaxAttempts")
                .and_then(Value::as_u64)
                .map_or(3, |attempts| u32::try_from(attempts).unwrap_or(u32::MAX)),
            backoff_rate: object.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0),
            max_delay_seconds: object.get("MaxDelaySeconds").and_then(Value::as_f64),
            full_jitter: object.get("JitterStrategy").and_then(Value::as_str) == Some("FULL"),
        }
    }

    /// The delay before retry number `retry_count + 1` (`retry_count` retries already made):
    /// `IntervalSeconds × BackoffRate^retry_count`, capped by `MaxDelaySeconds`. Jitter is left
    /// to the caller, which owns randomness.
    pub fn delay_seconds(&self, retry_count: u32) -> f64 {
        let exponent = i32::try_from(retry_count).unwrap_or(i32::MAX);
        let delay = self.interval_seconds * self.backoff_rate.powi(exponent);
        match self.max_delay_seconds {
            Some(cap) => delay.min(cap),
            None => delay,
        }
    }
}

impl Catcher {
    fn read(object: &Map<String, Value>) -> Catcher {
        Catcher {
            error_equals: error_names(object),
            next: object.get("Next").and_then(Value::as_str).unwrap_or_default().to_string(),
            fields: Fields::from(object),
        }
    }
}

fn error_names(object: &Map<String, Value>) -> Vec<String> {
    object
        .get("ErrorEquals")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn language_of(value: Option<&Value>, inherited: QueryLanguage) -> Result<QueryLanguage, MachineError> {
    match value {
        None => Ok(inherited),
        Some(Value::String(name)) if name == "JSONPath" => Ok(QueryLanguage::JsonPath),
        Some(Value::String(name)) if name == "JSONata" => Ok(QueryLanguage::Jsonata),
        Some(other) => Err(error(format!("QueryLanguage must be \"JSONPath\" or \"JSONata\", not {other}"))),
    }
}

fn error(message: impl Into<String>) -> MachineError {
    MachineError { message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_find_indexed_and_other_members_alike_and_forget_what_retain_drops() {
        for (index, name) in KNOWN.iter().enumerate() {
            assert_eq!(known_position(name), Some(index), "{name}");
        }
        let object = json!({"Type": "Pass", "Parameters": {"a": 1}, "ResultPath": "$.r", "Comment": "c"});
        let mut fields = Fields::from(object.as_object().expect("an object"));
        assert_eq!(fields.get("Parameters"), Some(&json!({"a": 1})));
        assert_eq!(fields.get("ResultPath"), Some(&json!("$.r")));
        assert_eq!(fields.get("Comment"), Some(&json!("c")));
        assert_eq!(fields.get("InputPath"), None);
        assert_eq!(fields.get("Missing"), None);
        fields.retain(|name, _| name != "Type");
        assert_eq!(fields.get("Type"), None);
        assert_eq!(fields.get("ResultPath"), Some(&json!("$.r")), "positions are indexed again");
        let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["Parameters", "ResultPath", "Comment"]);
        // A known member past what a position can hold is still found.
        let mut crowded: Map<String, Value> = (0..300).map(|index| (format!("X{index}"), json!(index))).collect();
        crowded.insert("OutputPath".into(), json!("$.late"));
        let crowded = Fields::from(&crowded);
        assert_eq!(crowded.get("OutputPath"), Some(&json!("$.late")));
        assert_eq!(crowded.get("InputPath"), None);
    }

    #[test]
    fn states_inherit_the_machine_language_unless_they_set_their_own() {
        let machine = Machine::from_value(&json!({
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {
                "P": {"Type": "Parallel", "Next": "Q", "Branches": [
                    {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}
                ]},
                "Q": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}
            }
        }))
        .expect("readable");
        assert_eq!(machine.root.states[0].language, QueryLanguage::Jsonata);
        assert_eq!(machine.root.states[1].language, QueryLanguage::JsonPath);
        assert_eq!(machine.root.find_state("Inner").map(|state| state.language), Some(QueryLanguage::Jsonata));
        assert_eq!(machine.root.states[0].transition, Transition::Next("Q".into()));
    }

    #[test]
    fn retriers_take_aws_defaults_and_cap_delays() {
        let retrier =
            Retrier::read(json!({"ErrorEquals": ["States.ALL"], "MaxDelaySeconds": 5}).as_object().expect("o"));
        assert_eq!((retrier.interval_seconds, retrier.max_attempts, retrier.backoff_rate), (1.0, 3, 2.0));
        assert_eq!(retrier.delay_seconds(0), 1.0);
        assert_eq!(retrier.delay_seconds(2), 4.0);
        assert_eq!(retrier.delay_seconds(5), 5.0);
    }

    #[test]
    fn unreadable_definitions_are_reported() {
        assert!(Machine::from_value(&json!({"StartAt": "X", "States": {}})).is_err());
        assert!(Machine::from_value(&json!({"StartAt": "X", "States": {"X": {"Type": "Nope"}}})).is_err());
    }

    #[test]
    fn states_are_found_by_name_in_small_and_large_scopes() {
        for count in [3, SCANNED_STATES + 1, 200] {
            let mut states = serde_json::Map::new();
            for index in 0..count {
                let next = if index + 1 == count {
                    json!({"Type": "Succeed"})
                } else {
                    json!({"Type": "Pass", "Next": format!("S{}", index + 1)})
                };
                states.insert(format!("S{index}"), next);
            }
            let machine = Machine::from_value(&json!({"StartAt": "S0", "States": states})).expect("readable");
            for index in 0..count {
                let name = format!("S{index}");
                assert_eq!(machine.root.state(&name).map(|state| &*state.name), Some(name.as_str()), "{count} states");
            }
            assert!(machine.root.state("S-missing").is_none());
        }
    }
}

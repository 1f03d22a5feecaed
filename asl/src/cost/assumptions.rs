//! What the estimate assumes about a workload: Choice rule probabilities, Task failure rates,
//! durations, Map item counts and Express memory, read from a small JSON (or YAML) object with
//! errors that name the field and the reason.
//!
//! ```yaml
//! memory_mb: 64                  # Express memory estimate (billed in 64 MB steps); default 64
//! task_duration_seconds: 0.2     # every Task's duration unless its state says; default 0
//! states:
//!   IsValid:  { choices: [0.9] }                 # one probability per rule; Default gets the rest
//!   Charge:   { failure_rate: 0.05, duration_seconds: 1.5, error: States.Timeout }
//!   EachLine: { items: 12 }                      # or items: { min: 1, max: 40 } (uniform)
//!   Pause:    { duration_seconds: 30 }           # Waits without `Seconds`
//! ```

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::CostError;

/// The workload's assumptions. Everything has a default, so `Assumptions::default()` works.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    /// The Express memory estimate in MB (billed in 64 MB steps).
    pub memory_mb: f64,
    /// The duration of a Task that has no `duration_seconds` of its own.
    pub task_duration_seconds: f64,
    /// Per-state assumptions, by state name.
    pub states: BTreeMap<String, StateAssumptions>,
}

/// Assumptions about one state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateAssumptions {
    /// Choice: the probability of each rule, in order; `Default` gets the rest.
    pub choices: Option<Vec<f64>>,
    /// Task, Parallel, Map: the probability that one attempt fails.
    pub failure_rate: Option<f64>,
    /// The error a failure raises (decides which retrier and catcher apply); unset, the first
    /// retrier and the first catcher handle it.
    pub error: Option<String>,
    /// Task and Wait: how long the state takes, in seconds.
    pub duration_seconds: Option<f64>,
    /// Map: how many items it processes.
    pub items: Option<ItemCount>,
}

/// A Map's item count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemCount {
    /// Always this many.
    Fixed(u32),
    /// Uniformly distributed between `min` and `max`, both included.
    Uniform {
        /// The smallest count.
        min: u32,
        /// The largest count.
        max: u32,
    },
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions { memory_mb: 64.0, task_duration_seconds: 0.0, states: BTreeMap::new() }
    }
}

impl ItemCount {
    /// The mean count.
    pub fn mean(self) -> f64 {
        match self {
            ItemCount::Fixed(count) => f64::from(count),
            ItemCount::Uniform { min, max } => (f64::from(min) + f64::from(max)) / 2.0,
        }
    }

    /// Each possible count with its probability.
    pub fn outcomes(self) -> Vec<(u32, f64)> {
        match self {
            ItemCount::Fixed(count) => vec![(count, 1.0)],
            ItemCount::Uniform { min, max } => {
                let probability = 1.0 / f64::from(max - min + 1);
                (min..=max).map(|count| (count, probability)).collect()
            }
        }
    }
}

impl Assumptions {
    /// Reads assumptions from their JSON form (see the module doc).
    pub fn from_value(value: &Value) -> Result<Assumptions, CostError> {
        let object = value.as_object().ok_or_else(|| invalid("(top level)", "must be an object"))?;
        let mut assumptions = Assumptions::default();
        for (key, item) in object {
            match key.as_str() {
                "memory_mb" => assumptions.memory_mb = positive_number(item, "memory_mb")?,
                "task_duration_seconds" => {
                    assumptions.task_duration_seconds = non_negative_number(item, "task_duration_seconds")?;
                }
                "states" => {
                    let states =
                        item.as_object().ok_or_else(|| invalid("states", "must be an object of state names"))?;
                    for (name, state) in states {
                        assumptions.states.insert(name.clone(), StateAssumptions::read(name, state)?);
                    }
                }
                other => {
                    return Err(invalid(other, "is not a known field (memory_mb, task_duration_seconds, states)"));
                }
            }
        }
        Ok(assumptions)
    }

    /// The assumptions about the state `name` (defaults when none were given).
    pub fn state(&self, name: &str) -> StateAssumptions {
        self.states.get(name).cloned().unwrap_or_default()
    }
}

impl StateAssumptions {
    fn read(name: &str, value: &Value) -> Result<StateAssumptions, CostError> {
        let prefix = format!("states.{name}");
        let object: &Map<String, Value> = value.as_object().ok_or_else(|| invalid(&prefix, "must be an object"))?;
        let mut state = StateAssumptions::default();
        for (key, item) in object {
            let field = format!("{prefix}.{key}");
            match key.as_str() {
                "choices" => {
                    let list = item.as_array().ok_or_else(|| invalid(&field, "must be a list of probabilities"))?;
                    let probabilities = list
                        .iter()
                        .enumerate()
                        .map(|(index, probability)| probability_of(probability, &format!("{field}[{index}]")))
                        .collect::<Result<Vec<_>, _>>()?;
                    if probabilities.iter().sum::<f64>() > 1.0 + 1e-9 {
                        return Err(invalid(&field, "adds up to more than 1"));
                    }
                    state.choices = Some(probabilities);
                }
                "failure_rate" => state.failure_rate = Some(probability_of(item, &field)?),
                "error" => {
                    state.error =
                        Some(item.as_str().ok_or_else(|| invalid(&field, "must be an error name"))?.to_string());
                }
                "duration_seconds" => state.duration_seconds = Some(non_negative_number(item, &field)?),
                "items" => state.items = Some(item_count(item, &field)?),
                other => {
                    return Err(invalid(
                        &format!("{prefix}.{other}"),
                        "is not a known field (choices, failure_rate, error, duration_seconds, items)",
                    ));
                }
            }
        }
        Ok(state)
    }
}

fn item_count(value: &Value, field: &str) -> Result<ItemCount, CostError> {
    if let Some(object) = value.as_object() {
        let bound = |key: &str| -> Result<u32, CostError> {
            let field = format!("{field}.{key}");
            object.get(key).ok_or_else(|| invalid(&field, "is missing")).and_then(|item| count(item, &field))
        };
        let (min, max) = (bound("min")?, bound("max")?);
        if min > max {
            return Err(invalid(field, "has min greater than max"));
        }
        if let Some(extra) = object.keys().find(|key| *key != "min" && *key != "max") {
            return Err(invalid(&format!("{field}.{extra}"), "is not a known field (min, max)"));
        }
        return Ok(ItemCount::Uniform { min, max });
    }
    Ok(ItemCount::Fixed(count(value, field)?))
}

fn count(value: &Value, field: &str) -> Result<u32, CostError> {
    value
        .as_u64()
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| *number <= 1_000_000)
        .ok_or_else(|| invalid(field, "must be a whole number from 0 to 1000000"))
}

fn number(value: &Value, field: &str) -> Result<f64, CostError> {
    value.as_f64().filter(|number| number.is_finite()).ok_or_else(|| invalid(field, "must be a number"))
}

fn non_negative_number(value: &Value, field: &str) -> Result<f64, CostError> {
    let number = number(value, field)?;
    if number < 0.0 {
        return Err(invalid(field, "must not be negative"));
    }
    Ok(number)
}

fn positive_number(value: &Value, field: &str) -> Result<f64, CostError> {
    let number = number(value, field)?;
    if number <= 0.0 {
        return Err(invalid(field, "must be greater than 0"));
    }
    Ok(number)
}

fn probability_of(value: &Value, field: &str) -> Result<f64, CostError> {
    let number = number(value, field)?;
    if !(0.0..=1.0).contains(&number) {
        return Err(invalid(field, "must be a probability from 0 to 1"));
    }
    Ok(number)
}

pub(super) fn invalid(field: &str, reason: &str) -> CostError {
    CostError::InvalidAssumption { field: field.to_string(), reason: reason.to_string() }
}

//! Evaluation: what a state does to its input, exactly as AWS does it. Shared by the engine
//! (server) and the designer's data-flow simulator (browser), so the two cannot disagree.
//!
//! Everything here is pure. What would need the outside world (the clock, randomness) comes
//! from an [`Environment`] the caller supplies; tests use a fixed one.

use serde_json::Value;

/// A runtime failure in AWS's vocabulary: the error name a Catch matches (`States.Runtime`,
/// `States.IntrinsicFailure`, `States.QueryEvaluationError`, …) and a cause that names the
/// path or function that failed, as AWS words it where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    /// The error name, e.g. `States.Runtime`.
    pub error: String,
    /// The human-readable cause.
    pub cause: String,
}

impl EvalError {
    /// An error with this name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self { error: error.into(), cause: cause.into() }
    }

    /// `States.Runtime`.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new("States.Runtime", cause)
    }

    /// `States.IntrinsicFailure`.
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        Self::new("States.IntrinsicFailure", cause)
    }

    /// `States.QueryEvaluationError` (JSONata).
    pub fn query(cause: impl Into<String>) -> Self {
        Self::new("States.QueryEvaluationError", cause)
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for EvalError {}

/// What evaluation needs from outside: randomness and the clock. The engine supplies the
/// real ones; tests and the simulator can supply fixed ones for repeatable results.
pub trait Environment {
    /// A uniformly distributed number in `[0, 1)`.
    fn random(&mut self) -> f64;
    /// A random (version 4) UUID in its canonical lower-case text form.
    fn uuid(&mut self) -> String;
    /// The current time as milliseconds since the Unix epoch.
    fn now_millis(&mut self) -> i64;
}

/// A repeatable environment: a seeded pseudo-random sequence and a fixed clock.
#[derive(Clone, Debug)]
pub struct FixedEnvironment {
    state: u64,
    /// The time `now_millis` returns.
    pub now_millis: i64,
}

impl FixedEnvironment {
    /// An environment whose random sequence starts from `seed` and whose clock reads `now_millis`.
    pub fn new(seed: u64, now_millis: i64) -> Self {
        Self { state: seed ^ 0x9E37_79B9_7F4A_7C15, now_millis }
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64: small, fast and good enough for simulation.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Environment for FixedEnvironment {
    fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uuid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0F) | 0x40;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    fn now_millis(&mut self) -> i64 {
        self.now_millis
    }
}

/// The JSON type name AWS uses in messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What JSONPath paths and intrinsic functions can read while a state evaluates: `$` (the
/// state's current data), `$$` (the context object) and `$name` (variables in scope).
#[derive(Clone, Copy, Debug)]
pub struct PathScope<'a> {
    /// The value `$` refers to.
    pub input: &'a Value,
    /// The context object `$$`.
    pub context: &'a Value,
    /// Variables visible to the state (inner scopes included outer ones already).
    pub variables: &'a serde_json::Map<String, Value>,
}

/// Choice rules: JSONPath comparisons with AWS's type rules, and JSONata conditions.
pub mod choice;
/// The context object (`$$`, `$states.context`) with AWS's key order and formats.
pub mod context;
/// `{% … %}` JSONata templates in state fields, with `$states` and AWS's causes.
pub mod expression;
/// Failures (error and cause), error matching, error output and AWS's cause prefix.
pub mod failure;
/// The JSONPath data flow: InputPath, payload templates, ResultPath, OutputPath.
pub mod jsonpath;
/// A definition read for evaluation: scopes, states, retriers and catchers.
pub mod machine;
/// Parsed paths and intrinsic calls, remembered per thread.
pub mod memo;
/// A minimal in-memory runner over the state steps.
pub mod runner;
/// One state's evaluation as pure steps: start, finish, recover.
pub mod state;
/// The TestState API.
pub mod test_state;
/// ISO-8601 timestamps as Step Functions reads and writes them.
pub mod time;
/// `Assign`: evaluation, size limits and scoping.
pub mod variables;

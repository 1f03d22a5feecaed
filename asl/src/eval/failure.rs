//! How a state fails: an error name and a cause, either of which a Fail state may leave out,
//! the error output a catcher receives, which `ErrorEquals` lists match, and the prefix AWS
//! puts in front of the causes of evaluation errors.

use serde_json::{Map, Value};

use super::EvalError;

/// A failure as an execution reports it. A Fail state may give no `Error` or no `Cause`; AWS
/// then leaves the field out of the failure event, so both are optional.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Failure {
    /// The error name (`States.Runtime`, `MyError`, …).
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

impl Failure {
    /// A failure with both fields.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure { error: Some(error.into()), cause: Some(cause.into()) }
    }

    /// The object a catcher passes on (`$states.errorOutput`, or what its `ResultPath`
    /// writes): `{"Error": …, "Cause": …}` with absent fields left out.
    pub fn error_output(&self) -> Value {
        let mut object = Map::new();
        if let Some(error) = &self.error {
            object.insert("Error".into(), Value::String(error.clone()));
        }
        if let Some(cause) = &self.cause {
            object.insert("Cause".into(), Value::String(cause.clone()));
        }
        Value::Object(object)
    }

    /// Errors no retrier or catcher can handle: the execution fails at once. AWS does not
    /// catch `States.Runtime` even when a catcher names it (recorded: a catcher for
    /// `States.Runtime` on a state whose OutputPath failed did not run). Although AWS's
    /// documentation calls `States.DataLimitExceeded` terminal, AWS catches it, by name and
    /// by `States.ALL`, when a task's result is over the limit (recorded three times), so it
    /// is not terminal here.
    pub fn is_terminal(&self) -> bool {
        matches!(self.error.as_deref(), Some("States.Runtime"))
    }

    /// Whether an `ErrorEquals` list matches this failure: a name equal to the error,
    /// `States.ALL`, or `States.TaskFailed` (any error but `States.Timeout`). Terminal errors
    /// match nothing.
    pub fn matches(&self, error_equals: &[String]) -> bool {
        if self.is_terminal() {
            return false;
        }
        error_equals.iter().any(|name| match name.as_str() {
            "States.ALL" => true,
            "States.TaskFailed" => self.error.as_deref() != Some("States.Timeout"),
            name => self.error.as_deref() == Some(name),
        })
    }
}

impl From<EvalError> for Failure {
    fn from(error: EvalError) -> Failure {
        Failure { error: Some(error.error), cause: Some(error.cause) }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.error.as_deref().unwrap_or("(no error)"), self.cause.as_deref().unwrap_or(""))
    }
}

/// Where an evaluation error happened: the state, and the id of the history event that
/// entered it, which AWS quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Site<'a> {
    /// The state's name.
    pub state_name: &'a str,
    /// The id of its `…StateEntered` event; `None` where there is no history (TestState).
    pub entered_event_id: Option<u64>,
}

impl Site<'_> {
    /// AWS's prefix, `An error occurred while executing the state 'NAME' (entered at the
    /// event id #N). `, put in front of `error`'s cause. Without an event id, the cause is
    /// left as it is (TestState reports bare causes).
    pub fn wrap(&self, error: EvalError) -> EvalError {
        match self.entered_event_id {
            Some(id) => EvalError::new(
                error.error,
                format!(
                    "An error occurred while executing the state '{}' (entered at the event id #{id}). {}",
                    self.state_name, error.cause
                ),
            ),
            None => error,
        }
    }
}

/// The JSON text AWS quotes in causes: compact, keys in order.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_follows_aws_wildcards() {
        let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        let custom = Failure::new("MyError", "x");
        assert!(custom.matches(&names(&["States.ALL"])));
        assert!(custom.matches(&names(&["Other", "MyError"])));
        assert!(custom.matches(&names(&["States.TaskFailed"])));
        assert!(!Failure::new("States.Timeout", "x").matches(&names(&["States.TaskFailed"])));
        assert!(!Failure::new("States.Runtime", "x").matches(&names(&["States.Runtime", "States.ALL"])));
        assert!(Failure { error: None, cause: None }.matches(&names(&["States.ALL"])));
    }

    #[test]
    fn the_prefix_names_the_state_and_event() {
        let site = Site { state_name: "pass", entered_event_id: Some(2) };
        let wrapped = site.wrap(EvalError::runtime("Invalid path"));
        assert_eq!(
            wrapped.cause,
            "An error occurred while executing the state 'pass' (entered at the event id #2). Invalid path"
        );
        let bare = Site { state_name: "pass", entered_event_id: None }.wrap(EvalError::runtime("x"));
        assert_eq!(bare.cause, "x");
        assert_eq!(Failure { error: Some("E".into()), cause: None }.error_output(), serde_json::json!({"Error": "E"}));
    }
}

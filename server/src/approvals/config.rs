//! The approval channels of `statehouse.toml`: where requests come from and how they are decided.

use std::{fmt, path::Path, str::FromStr};

use serde::Deserialize;

/// Every approval channel, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalsConfig {
    /// The channels, in the file's order.
    pub channels: Vec<Channel>,
}

/// One channel: a target that `.waitForTaskToken` tasks send to, and who decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// Its name (unique).
    pub name: String,
    /// The target whose messages it takes.
    pub target: Target,
    /// The default approvers (a message may name its own).
    pub approvers: Vec<String>,
    /// How the approvers' decisions make one.
    pub policy: Policy,
    /// The error of SendTaskFailure on rejection.
    pub reject_error: String,
    /// The error of SendTaskFailure on expiry.
    pub expire_error: String,
}

/// What a channel listens to: one of the four AWS targets a Task can send a message to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `sqs:sendMessage` with this `QueueUrl`.
    Queue(String),
    /// `sns:publish` with this `TopicArn`.
    Topic(String),
    /// `events:putEvents` with this `EventBusName`.
    EventBus(String),
    /// `lambda:invoke` with this `FunctionName`.
    Function(String),
}

/// How decisions combine. Any rejection rejects under every policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// The first approval approves.
    Any,
    /// Every approver must approve.
    All,
    /// This many approvals approve.
    Quorum(u32),
}

impl fmt::Display for Policy {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Any => formatter.write_str("any"),
            Policy::All => formatter.write_str("all"),
            Policy::Quorum(count) => write!(formatter, "quorum:{count}"),
        }
    }
}

impl FromStr for Policy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "any" => Ok(Policy::Any),
            "all" => Ok(Policy::All),
            _ => match text.strip_prefix("quorum:").map(str::parse::<u32>) {
                Some(Ok(count)) if count > 0 => Ok(Policy::Quorum(count)),
                _ => Err(format!("{text:?} is not a policy: use any, all or quorum:N with N at least 1")),
            },
        }
    }
}

/// Why `statehouse.toml` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML of the expected shape (the message names the field).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The parser's message, with the field and the line.
        message: String,
    },
    /// A channel's fields contradict each other or are missing.
    #[error("{path}: approvals.channels[{index}] ({name:?}): {message}")]
    Channel {
        /// The file.
        path: String,
        /// The channel's position.
        index: usize,
        /// Its name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl ApprovalsConfig {
    /// Reads the file; a missing file means no channels.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let display = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(ConfigError::Read { path: display, source }),
        };
        Self::parse(&text, &display)
    }

    /// Reads the text of a `statehouse.toml`; `path` only names it in messages.
    pub fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        let file: File = toml::from_str(text)
            .map_err(|error| ConfigError::Syntax { path: path.to_string(), message: error.to_string() })?;
        let mut channels: Vec<Channel> = Vec::new();
        for (index, raw) in file.approvals.channels.into_iter().enumerate() {
            let refuse = |message: String| ConfigError::Channel {
                path: path.to_string(),
                index,
                name: raw.name.clone(),
                message,
            };
            if raw.name.trim().is_empty() {
                return Err(refuse("name must not be empty".into()));
            }
            if channels.iter().any(|channel| channel.name == raw.name) {
                return Err(refuse("name is used by an earlier channel".into()));
            }
            let targets: Vec<Target> = [
                raw.queue_url.clone().map(Target::Queue),
                raw.topic_arn.clone().map(Target::Topic),
                raw.event_bus.clone().map(Target::EventBus),
                raw.function_name.clone().map(Target::Function),
            ]
            .into_iter()
            .flatten()
            .collect();
            let target = match <[Target; 1]>::try_from(targets) {
                Ok([target]) => target,
                Err(_) => {
                    return Err(refuse("set exactly one of queue_url, topic_arn, event_bus and function_name".into()));
                }
            };
            let policy = raw
                .policy
                .as_deref()
                .unwrap_or("any")
                .parse::<Policy>()
                .map_err(|message| refuse(format!("policy: {message}")))?;
            if let Some(approver) = raw.approvers.iter().find(|approver| !approver.contains('@')) {
                return Err(refuse(format!("approvers: {approver:?} is not an email address")));
            }
            if let Policy::Quorum(count) = policy
                && !raw.approvers.is_empty()
                && count as usize > raw.approvers.len()
            {
                return Err(refuse(format!(
                    "policy: quorum:{count} needs more approvers than the {} listed",
                    raw.approvers.len()
                )));
            }
            channels.push(Channel {
                name: raw.name,
                target,
                approvers: raw.approvers,
                policy,
                reject_error: raw.reject_error.unwrap_or_else(|| "ApprovalRejected".into()),
                expire_error: raw.expire_error.unwrap_or_else(|| "ApprovalExpired".into()),
            });
        }
        Ok(Self { channels })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    approvals: ApprovalsSection,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalsSection {
    #[serde(default)]
    channels: Vec<RawChannel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    name: String,
    queue_url: Option<String>,
    topic_arn: Option<String>,
    event_bus: Option<String>,
    function_name: Option<String>,
    #[serde(default)]
    approvers: Vec<String>,
    policy: Option<String>,
    reject_error: Option<String>,
    expire_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<&str, &str>) {
        match (ApprovalsConfig::parse(text, "statehouse.toml"), expected) {
            (Ok(config), Ok(debug)) => assert!(format!("{config:?}").contains(debug), "{config:?}"),
            (Err(error), Err(fragment)) => assert!(error.to_string().contains(fragment), "{error}"),
            (actual, expected) => panic!("{text}: got {actual:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn reads_channels_and_names_the_bad_field() {
        check("", Ok("channels: []"));
        check(
            "[[approvals.channels]]\nname = \"orders\"\nqueue_url = \"https://q\"\napprovers = [\"a@x\"]\npolicy = \"quorum:1\"\n",
            Ok("Quorum(1)"),
        );
        check("[[approvals.channels]]\nname = \"o\"\ntopic_arn = \"t\"\n", Ok("reject_error: \"ApprovalRejected\""));
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\npolicy = \"most\"\n",
            Err("policy: \"most\" is not a policy"),
        );
        check("[[approvals.channels]]\nname = \"o\"\n", Err("set exactly one of queue_url"));
        check("[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\ntopic_arn = \"t\"\n", Err("set exactly one"));
        check("[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprover = []\n", Err("approver"));
        check("[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = \"a@x\"\n", Err("approvers"));
        check("[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = [\"boss\"]\n", Err("not an email"));
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = [\"a@x\"]\npolicy = \"quorum:2\"\n",
            Err("quorum:2 needs more approvers"),
        );
    }
}

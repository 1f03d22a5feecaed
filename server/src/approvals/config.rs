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
    /// The shared secret of `POST /approvals/intake/<name>` (header `X-Statehouse-Secret`);
    /// `None` means the channel takes no HTTP intake.
    pub intake_secret: Option<Secret>,
    /// Real AWS: where requests from SQS or the intake are called back, and, for a
    /// `queue_url` channel, the queue that is polled.
    pub aws: Option<AwsSettings>,
    /// A reminder goes to the approvers who have not decided this long before the deadline
    /// (milliseconds; only for requests with a deadline).
    pub remind_before_millis: Option<i64>,
    /// Escalation: links go to these addresses too when no decision came this long after the
    /// request (milliseconds).
    pub escalation: Option<Escalation>,
    /// How long a mailed link works (milliseconds; `link_lifetime`, [`DEFAULT_LINK_LIFETIME_MILLIS`]
    /// unless set). A reminder sends a new link; after it, the approver's page offers one.
    pub link_lifetime_millis: i64,
}

/// How long a mailed approval link works unless its channel says otherwise: seven days.
pub const DEFAULT_LINK_LIFETIME_MILLIS: i64 = 7 * 86_400_000;

/// Who a request is escalated to, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escalation {
    /// The second list of approvers.
    pub to: Vec<String>,
    /// Milliseconds after the request.
    pub after_millis: i64,
}

/// Reads `90s`, `15m`, `1h`, `2d`, or a sum such as `1h30m`, into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let refuse =
        || format!("{text:?} is not a duration: use a number and a unit (s, m, h, d), like \"1h\" or \"1h30m\"");
    let mut total: i64 = 0;
    let mut number = String::new();
    for character in text.trim().chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        let unit = match character {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => return Err(refuse()),
        };
        let value: i64 = number.parse().map_err(|_| refuse())?;
        total = value.checked_mul(unit).and_then(|part| total.checked_add(part)).ok_or_else(refuse)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(refuse());
    }
    Ok(total)
}

/// A secret from the configuration; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for signing or comparing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(…)")
    }
}

/// AWS credentials (from the channel's `[aws]` table or the `AWS_*` environment variables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// A session token, for temporary credentials.
    pub session_token: Option<String>,
}

/// An `https://host[:port]` endpoint (AWS itself), or `http://host[:port]` (a local emulator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpEndpoint {
    url: String,
    authority: String,
}

impl HttpEndpoint {
    /// Reads `https://host[:port][/]` or `http://host[:port][/]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (scheme, rest) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
            (Some(rest), _) => ("https", rest),
            (None, Some(rest)) => ("http", rest),
            (None, None) => return Err(format!("{text:?} is not an https:// or http:// URL")),
        };
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("{text:?} must be {scheme}://host[:port] with no path"));
        }
        Ok(Self { url: format!("{scheme}://{authority}/"), authority: authority.to_string() })
    }

    /// The URL, ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `host[:port]`, as the `Host` header says it.
    pub fn authority(&self) -> &str {
        &self.authority
    }
}

/// A channel's real-AWS settings, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsSettings {
    /// The region of the signatures' scope.
    pub region: String,
    /// Step Functions (SendTaskSuccess / SendTaskFailure).
    pub states_endpoint: HttpEndpoint,
    /// SQS (ReceiveMessage / DeleteMessage).
    pub sqs_endpoint: HttpEndpoint,
    /// The keys that sign.
    pub credentials: Credentials,
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

    /// Reads the text of a `statehouse.toml`; `path` only names it in messages. Missing AWS
    /// credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    pub fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        Self::parse_with_environment(text, path, |name| std::env::var(name).ok())
    }

    /// [`Self::parse`] with the environment given.
    pub fn parse_with_environment(
        text: &str,
        path: &str,
        environment: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
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
            let approvers = listed_once("approvers", &raw.approvers).map_err(refuse)?;
            if let Policy::Quorum(count) = policy
                && !approvers.is_empty()
                && count as usize > approvers.len()
            {
                return Err(refuse(format!(
                    "policy: quorum:{count} needs more approvers than the {} listed",
                    approvers.len()
                )));
            }
            let intake_secret = match raw.intake_secret {
                Some(secret) if secret.len() < 16 => {
                    return Err(refuse("intake_secret: use at least 16 characters".into()));
                }
                other => other.map(Secret::new),
            };
            let aws = match raw.aws {
                Some(aws) => Some(aws_settings(aws, &environment).map_err(|message| refuse(format!("aws.{message}")))?),
                None => None,
            };
            let remind_before_millis = raw
                .remind_before
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|message| refuse(format!("remind_before: {message}")))?;
            let link_lifetime_millis = match raw.link_lifetime.as_deref() {
                None => DEFAULT_LINK_LIFETIME_MILLIS,
                Some(text) => parse_duration(text).map_err(|message| refuse(format!("link_lifetime: {message}")))?,
            };
            let escalation = match (raw.escalate_to, raw.escalate_after.as_deref()) {
                (None, None) => None,
                (Some(to), Some(after)) if !to.is_empty() => {
                    let to = listed_once("escalate_to", &to).map_err(refuse)?;
                    let after_millis =
                        parse_duration(after).map_err(|message| refuse(format!("escalate_after: {message}")))?;
                    Some(Escalation { to, after_millis })
                }
                _ => return Err(refuse("set escalate_to (a non-empty list) and escalate_after together".into())),
            };
            if intake_secret.is_some() && aws.is_none() {
                return Err(refuse(
                    "intake_secret needs an [approvals.channels.aws] table: requests from the intake are decided on AWS".into(),
                ));
            }
            channels.push(Channel {
                name: raw.name,
                target,
                approvers,
                policy,
                reject_error: raw.reject_error.unwrap_or_else(|| "ApprovalRejected".into()),
                expire_error: raw.expire_error.unwrap_or_else(|| "ApprovalExpired".into()),
                intake_secret,
                aws,
                remind_before_millis,
                escalation,
                link_lifetime_millis,
            });
        }
        Ok(Self { channels })
    }
}

/// Email addresses as approvals use them: each trimmed and checked (`field` names where they
/// come from in the refusal), and each person once: addresses are compared without case, as
/// mail systems treat them. Answers the list and the addresses given again.
pub fn approver_addresses(field: &str, addresses: &[String]) -> Result<(Vec<String>, Vec<String>), String> {
    let mut seen = std::collections::HashSet::new();
    let (mut kept, mut again) = (Vec::with_capacity(addresses.len()), Vec::new());
    for address in addresses {
        let trimmed = address.trim();
        if trimmed.parse::<lettre::Address>().is_err() {
            return Err(format!("{field}: {address:?} is not an email address"));
        }
        if seen.insert(trimmed.to_lowercase()) {
            kept.push(trimmed.to_string());
        } else {
            again.push(trimmed.to_string());
        }
    }
    Ok((kept, again))
}

/// [`approver_addresses`] for a list in the file, where an address given twice is a mistake.
fn listed_once(field: &str, addresses: &[String]) -> Result<Vec<String>, String> {
    let (kept, again) = approver_addresses(field, addresses)?;
    match again.first() {
        Some(address) => Err(format!("{field}: {address:?} is listed twice (addresses are compared without case)")),
        None => Ok(kept),
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
    intake_secret: Option<String>,
    aws: Option<RawAws>,
    remind_before: Option<String>,
    escalate_to: Option<Vec<String>>,
    escalate_after: Option<String>,
    link_lifetime: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAws {
    region: String,
    endpoint_url: Option<String>,
    sqs_endpoint_url: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
}

/// Validates a channel's `[aws]` table; the error names the field (after `aws.`).
fn aws_settings(raw: RawAws, environment: &impl Fn(&str) -> Option<String>) -> Result<AwsSettings, String> {
    if raw.region.is_empty() || !raw.region.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') {
        return Err(format!("region: {:?} is not a region", raw.region));
    }
    let states_url = raw.endpoint_url.clone().unwrap_or_else(|| format!("https://states.{}.amazonaws.com", raw.region));
    let states_endpoint = HttpEndpoint::parse(&states_url).map_err(|message| format!("endpoint_url: {message}"))?;
    // Without endpoints, AWS itself; with endpoint_url only, an emulator serving both services.
    let sqs_endpoint = match (&raw.sqs_endpoint_url, &raw.endpoint_url) {
        (Some(url), _) => HttpEndpoint::parse(url).map_err(|message| format!("sqs_endpoint_url: {message}"))?,
        (None, Some(_)) => states_endpoint.clone(),
        (None, None) => HttpEndpoint::parse(&format!("https://sqs.{}.amazonaws.com", raw.region))
            .map_err(|message| format!("region: {message}"))?,
    };
    let access_key_id = raw.access_key_id.or_else(|| environment("AWS_ACCESS_KEY_ID"));
    let secret_access_key = raw.secret_access_key.or_else(|| environment("AWS_SECRET_ACCESS_KEY"));
    let (Some(access_key_id), Some(secret_access_key)) = (access_key_id, secret_access_key) else {
        return Err("access_key_id: set access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and \
                    AWS_SECRET_ACCESS_KEY in the environment"
            .into());
    };
    Ok(AwsSettings {
        region: raw.region,
        states_endpoint,
        sqs_endpoint,
        credentials: Credentials {
            access_key_id,
            secret_access_key: Secret::new(secret_access_key),
            session_token: raw.session_token.or_else(|| environment("AWS_SESSION_TOKEN")),
        },
    })
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
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = [\"a@x.org\", \"A@X.org \"]\n",
            Err("approvers: \"A@X.org\" is listed twice"),
        );
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = [\"a@x.org\\r\\nBcc: e@y.org\"]\n",
            Err("not an email"),
        );
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\napprovers = [\"a@x\"]\npolicy = \"quorum:2\"\n",
            Err("quorum:2 needs more approvers"),
        );
    }

    fn check_aws(aws: &str, expected: Result<&str, &str>) {
        let text = format!(
            "[[approvals.channels]]\nname = \"o\"\nfunction_name = \"f\"\nintake_secret = \"0123456789abcdef\"\n\
             [approvals.channels.aws]\n{aws}"
        );
        match (ApprovalsConfig::parse_with_environment(&text, "statehouse.toml", |_| None), expected) {
            (Ok(config), Ok(debug)) => assert!(format!("{config:?}").contains(debug), "{config:?}"),
            (Err(error), Err(fragment)) => assert!(error.to_string().contains(fragment), "{error}"),
            (actual, expected) => panic!("{aws}: got {actual:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn reads_real_aws_settings_and_refuses_missing_keys() {
        let keys = "access_key_id = \"AK\"\nsecret_access_key = \"very-secret\"\n";
        check_aws(
            &format!("region = \"eu-west-1\"\nendpoint_url = \"http://127.0.0.1:9/\"\n{keys}"),
            Ok("authority: \"127.0.0.1:9\""),
        );
        check_aws(&format!("region = \"eu-west-1\"\nendpoint_url = \"http://127.0.0.1:9\"\n{keys}"), Ok("Secret(…)"));
        // AWS itself by default, over https.
        let defaults = format!("region = \"eu-west-1\"\n{keys}");
        check_aws(&defaults, Ok("url: \"https://states.eu-west-1.amazonaws.com/\""));
        check_aws(
            &defaults,
            Ok("url: \"https://sqs.eu-west-1.amazonaws.com/\", authority: \"sqs.eu-west-1.amazonaws.com\""),
        );
        check_aws(
            &format!("region = \"eu-west-1\"\nendpoint_url = \"https://vpce.example.com:8443/\"\n{keys}"),
            Ok("url: \"https://vpce.example.com:8443/\", authority: \"vpce.example.com:8443\""),
        );
        check_aws(
            &format!("region = \"eu-west-1\"\nendpoint_url = \"ftp://h\"\n{keys}"),
            Err("aws.endpoint_url: \"ftp://h\" is not an https:// or http:// URL"),
        );
        check_aws(
            &format!("region = \"eu-west-1\"\nsqs_endpoint_url = \"https://h/path\"\n{keys}"),
            Err("must be https://host[:port] with no path"),
        );
        check_aws("region = \"eu-west-1\"\nendpoint_url = \"http://h\"\n", Err("aws.access_key_id: set access_key_id"));
        let config = ApprovalsConfig::parse_with_environment(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\n[approvals.channels.aws]\nregion = \"r\"\nendpoint_url = \"http://h:1\"\n",
            "statehouse.toml",
            |name| Some(format!("env-{name}")),
        )
        .expect("valid");
        let aws = config.channels[0].aws.as_ref().expect("aws");
        assert_eq!(aws.credentials.access_key_id, "env-AWS_ACCESS_KEY_ID");
        assert!(!format!("{config:?}").contains("env-AWS_SECRET_ACCESS_KEY"), "the secret is not in Debug");
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\nintake_secret = \"0123456789abcdef\"\n",
            Err("intake_secret needs an [approvals.channels.aws] table"),
        );
        check(
            "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\nintake_secret = \"short\"\n",
            Err("at least 16"),
        );
    }

    #[test]
    fn reads_reminders_and_escalation() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert!(parse_duration("1x").is_err() && parse_duration("10").is_err() && parse_duration("").is_err());
        let channel = "[[approvals.channels]]\nname = \"o\"\nqueue_url = \"q\"\n";
        check(
            &format!("{channel}remind_before = \"1h\"\nescalate_to = [\"b@x\"]\nescalate_after = \"2h\"\n"),
            Ok(
                "remind_before_millis: Some(3600000), escalation: Some(Escalation { to: [\"b@x\"], after_millis: 7200000 })",
            ),
        );
        check(&format!("{channel}remind_before = \"soon\"\n"), Err("remind_before: \"soon\" is not a duration"));
        check(
            &format!("{channel}escalate_to = [\"b@x\"]\n"),
            Err("set escalate_to (a non-empty list) and escalate_after"),
        );
        check(&format!("{channel}escalate_to = [\"b\"]\nescalate_after = \"1h\"\n"), Err("escalate_to: \"b\""));
        check(&format!("{channel}link_lifetime = \"36h\"\n"), Ok("link_lifetime_millis: 129600000"));
        check(channel, Ok("link_lifetime_millis: 604800000"));
        check(&format!("{channel}link_lifetime = \"a week\"\n"), Err("link_lifetime: \"a week\" is not a duration"));
    }
}

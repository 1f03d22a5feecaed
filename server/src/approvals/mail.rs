//! Approval mails: rendering (askama, HTML and text), the SMTP or dev-mailbox transport, and
//! the outbox worker that delivers with retries and backoff.

use std::{fmt, str::FromStr, sync::Arc, time::Duration};

use askama::Template;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{authentication::Credentials, client::Tls},
};
use sqlx::SqlitePool;
use tokio::sync::Notify;

use super::store::{self, MailRow, OutboxTable};
use crate::engine::now_millis;

/// After this many failed attempts a mail is marked `failed` (at the 5-minute cap, about
/// three hours of retries: an SMTP server down for an hour loses nothing).
pub const MAX_MAIL_ATTEMPTS: i64 = 40;

/// What an approval mail says; rendered once, when the request is recorded.
#[derive(Clone, Debug)]
pub struct MailContent {
    /// What is asked.
    pub subject: String,
    /// The state machine's name.
    pub workflow: String,
    /// The execution's name.
    pub execution: String,
    /// Its ARN.
    pub execution_arn: String,
    /// The Task state.
    pub state_name: String,
    /// The details, pretty-printed JSON (empty when there are none).
    pub details: String,
    /// The deadline, as written.
    pub deadline: Option<String>,
    /// The recipient.
    pub approver: String,
    /// The approver's own link.
    pub link: String,
    /// Until when the link works, as `2025-01-15 10:30 UTC`.
    pub link_expires: String,
    /// Whether the link stops working at the request's deadline, when the request expires too:
    /// the mail then promises no new link.
    pub link_ends_at_deadline: bool,
}

impl MailContent {
    /// What every mail of a stored request says, before its approver and link are filled in
    /// (a reminder's, an escalation's, a new link's).
    pub fn for_stored_request(
        subject: &str,
        state_machine_arn: &str,
        execution_arn: &str,
        state_name: &str,
        details: &str,
        deadline: Option<&str>,
    ) -> Self {
        let workflow = match state_machine_arn.rsplit(':').next() {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => "AWS Step Functions".to_string(),
        };
        MailContent {
            subject: subject.to_string(),
            workflow,
            execution: execution_arn.rsplit(':').next().unwrap_or_default().to_string(),
            execution_arn: execution_arn.to_string(),
            state_name: state_name.to_string(),
            details: pretty_details(details),
            deadline: deadline.map(str::to_string),
            approver: String::new(),
            link: String::new(),
            link_expires: String::new(),
            link_ends_at_deadline: false,
        }
    }
}

/// A request's stored details (JSON text) as mails and pages show them: pretty-printed, or
/// nothing for `null` or text that is not JSON.
pub fn pretty_details(details: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "approvals/request_mail.html")]
struct HtmlMail<'a> {
    mail: &'a MailContent,
}

#[derive(Template)]
#[template(path = "approvals/request_mail.txt")]
struct TextMail<'a> {
    mail: &'a MailContent,
}

/// Renders the (text, HTML) bodies.
pub fn render(mail: &MailContent) -> Result<(String, String), askama::Error> {
    Ok((TextMail { mail }.render()?, HtmlMail { mail }.render()?))
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: none (a local relay, or the tests' sink).
    Plain,
    /// `smtp://…?tls=required`: STARTTLS, and no mail is sent if the server does not offer it.
    StartTls,
    /// `smtps://`: TLS from the first byte (implicit TLS, port 465).
    Implicit,
}

/// `STATEHOUSE_SMTP_URL`: `smtp://[user:password@]host[:port]` (plain, port 25),
/// `smtp://…?tls=required` (STARTTLS, port 587) or `smtps://…` (implicit TLS, port 465), the
/// spellings of lettre's `from_url`. Certificates are checked against the bundled roots and
/// `STATEHOUSE_EXTRA_CA_FILE`'s.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// The server's host.
    pub host: String,
    /// Its port (25, 587 or 465 by default, as `security` says).
    pub port: u16,
    /// User and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// Plain, STARTTLS or implicit TLS.
    pub security: SmtpSecurity,
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self.credentials.as_ref().map(|(user, _)| user.as_str());
        let (scheme, query) = match self.security {
            SmtpSecurity::Plain => ("smtp", ""),
            SmtpSecurity::StartTls => ("smtp", "?tls=required"),
            SmtpSecurity::Implicit => ("smtps", ""),
        };
        write!(formatter, "{scheme}://{}@{}:{}{query}", user.unwrap_or(""), self.host, self.port)
    }
}

/// Why an SMTP URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmtpUrlError {
    /// Not `smtp://host[:port]` or `smtps://host[:port]`.
    #[error(
        "{0:?} is not an SMTP URL: use smtp://[user:password@]host[:port] (plain), \
         smtp://…?tls=required (STARTTLS) or smtps://… (implicit TLS)"
    )]
    Syntax(String),
    /// A query other than `?tls=required`.
    #[error(
        "{0:?}: the only query is ?tls=required (STARTTLS); opportunistic TLS would send in the clear \
         when the server does not offer STARTTLS"
    )]
    Query(String),
}

impl FromStr for SmtpUrl {
    type Err = SmtpUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || SmtpUrlError::Syntax(text.to_string());
        let (mut security, rest) = match (text.strip_prefix("smtps://"), text.strip_prefix("smtp://")) {
            (Some(rest), _) => (SmtpSecurity::Implicit, rest),
            (None, Some(rest)) => (SmtpSecurity::Plain, rest),
            (None, None) => return Err(syntax()),
        };
        let rest = match rest.split_once('?') {
            None => rest,
            Some((rest, query)) => {
                if security != SmtpSecurity::Plain || !query.eq_ignore_ascii_case("tls=required") {
                    return Err(SmtpUrlError::Query(text.to_string()));
                }
                security = SmtpSecurity::StartTls;
                rest
            }
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((user_info, host_port)) => {
                let (user, password) = user_info.split_once(':').unwrap_or((user_info, ""));
                (
                    Some((percent_decode(user).ok_or_else(syntax)?, percent_decode(password).ok_or_else(syntax)?)),
                    host_port,
                )
            }
            None => (None, rest),
        };
        let default_port = match security {
            SmtpSecurity::Plain => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Implicit => 465,
        };
        let (host, port) = match host_port.rsplit_once(':').filter(|(_, port)| !port.ends_with(']')) {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| syntax())?),
            None => (host_port, default_port),
        };
        if host.is_empty() || host.contains('/') {
            return Err(syntax());
        }
        Ok(Self { host: host.trim_start_matches('[').trim_end_matches(']').to_string(), port, credentials, security })
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Where mails go.
#[derive(Clone)]
pub enum Transport {
    /// A real SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Nowhere but the database (listed at `/approvals/dev-mailbox`) and the log.
    DevMailbox,
}

impl Transport {
    /// The transport for a configured URL, or the dev mailbox. Fails only when the TLS
    /// settings cannot be built (`STATEHOUSE_EXTRA_CA_FILE` is checked before, at start-up).
    pub fn new(url: Option<&SmtpUrl>) -> Result<Self, lettre::transport::smtp::Error> {
        match url {
            None => Ok(Transport::DevMailbox),
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
                    .port(url.port)
                    .timeout(Some(Duration::from_secs(30)));
                builder = match url.security {
                    SmtpSecurity::Plain => builder,
                    SmtpSecurity::StartTls => builder.tls(Tls::Required(crate::tls::smtp_parameters(&url.host)?)),
                    SmtpSecurity::Implicit => builder.tls(Tls::Wrapper(crate::tls::smtp_parameters(&url.host)?)),
                };
                if let Some((user, password)) = &url.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Ok(Transport::Smtp(builder.build()))
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Transport::Smtp(_) => "smtp",
            Transport::DevMailbox => "dev-mailbox",
        }
    }
}

/// Why one delivery failed.
#[derive(Debug, thiserror::Error)]
enum SendError {
    /// The mail cannot be built (an address is not one); retrying will not help.
    #[error("{0}")]
    Permanent(String),
    /// The server refused or could not be reached.
    #[error("{0}")]
    Transient(String),
}

/// How many mails of a batch are in flight at once.
const PARALLEL_MAILS: usize = 8;

/// The outbox worker: delivers due mails until the process ends; `wake` says new ones are in.
pub async fn run_worker(pool: SqlitePool, transport: Transport, from: Mailbox, wake: Arc<Notify>) {
    loop {
        let now = now_millis();
        match store::due_mails(&pool, now, 50).await {
            Ok(mails) => {
                // Distinct rows, delivered a few at a time: one slow SMTP exchange or SQLite
                // commit does not hold up the rest of the batch.
                let mut batch = tokio::task::JoinSet::new();
                for mail in mails {
                    if batch.len() >= PARALLEL_MAILS {
                        batch.join_next().await;
                    }
                    let (pool, transport, from) = (pool.clone(), transport.clone(), from.clone());
                    batch.spawn(async move { deliver(&pool, &transport, &from, &mail).await });
                }
                while batch.join_next().await.is_some() {}
            }
            Err(error) => tracing::error!(%error, "reading the mail outbox"),
        }
        let wait = match store::next_due(&pool, OutboxTable::Mail).await {
            Ok(Some(due)) => Duration::from_millis(due.saturating_sub(now_millis()).clamp(0, 5_000) as u64),
            Ok(None) => Duration::from_secs(5),
            Err(error) => {
                tracing::error!(%error, "reading the mail outbox");
                Duration::from_secs(5)
            }
        };
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn deliver(pool: &SqlitePool, transport: &Transport, from: &Mailbox, mail: &MailRow) {
    let result = send(transport, from, mail).await;
    let now = now_millis();
    let written = match result {
        Ok(()) => {
            tracing::info!(to = %mail.recipient, subject = %mail.subject, transport = transport.name(), "approval mail sent");
            if matches!(transport, Transport::DevMailbox) {
                tracing::info!(to = %mail.recipient, "dev mailbox (no STATEHOUSE_SMTP_URL):\n{}", mail.text_body);
            }
            store::mail_sent(pool, mail.id, transport.name(), now).await
        }
        Err(error) => {
            let attempts = mail.attempts + 1;
            let next = match error {
                SendError::Transient(_) if attempts < MAX_MAIL_ATTEMPTS => Some(now + backoff_millis(attempts)),
                _ => None,
            };
            tracing::warn!(to = %mail.recipient, %error, attempts, retry_at = ?next, "an approval mail was not delivered");
            store::mail_attempt_failed(pool, mail.id, &error.to_string(), next).await
        }
    };
    if let Err(error) = written {
        tracing::error!(%error, mail = mail.id, "recording a mail delivery");
    }
}

/// The delay before attempt `attempts + 1`: 1 s doubling to a cap of 5 minutes.
pub fn backoff_millis(attempts: i64) -> i64 {
    1_000_i64.saturating_mul(1_i64 << attempts.clamp(0, 20)).min(300_000)
}

async fn send(transport: &Transport, from: &Mailbox, mail: &MailRow) -> Result<(), SendError> {
    let Transport::Smtp(smtp) = transport else {
        return Ok(());
    };
    let to = mail
        .recipient
        .parse::<Mailbox>()
        .map_err(|error| SendError::Permanent(format!("{:?} is not an email address: {error}", mail.recipient)))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone()))
        .map_err(|error| SendError::Permanent(format!("building the mail: {error}")))?;
    match smtp.send(message).await {
        Ok(_) => Ok(()),
        Err(error) if error.is_permanent() => {
            Err(SendError::Permanent(format!("the SMTP server refused the mail: {error}")))
        }
        Err(error) => Err(SendError::Transient(format!("SMTP: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let url: SmtpUrl = "smtp://user%40x:p%3Ass@mail.local:2525".parse().expect("valid");
        assert_eq!((url.host.as_str(), url.port), ("mail.local", 2525));
        assert_eq!(url.credentials, Some(("user@x".into(), "p:ss".into())));
        assert_eq!(url.security, SmtpSecurity::Plain);
        assert_eq!("smtp://127.0.0.1".parse::<SmtpUrl>().map(|url| url.port), Ok(25));
        let url: SmtpUrl = "smtps://u:p@mail.example.com".parse().expect("valid");
        assert_eq!((url.port, url.security), (465, SmtpSecurity::Implicit));
        assert_eq!(format!("{url:?}"), "smtps://u@mail.example.com:465", "no password in Debug");
        let url: SmtpUrl = "smtp://mail.example.com?tls=required".parse().expect("valid");
        assert_eq!((url.host.as_str(), url.port, url.security), ("mail.example.com", 587, SmtpSecurity::StartTls));
        let url: SmtpUrl = "smtp://[::1]:2525/?tls=required".parse().expect("valid");
        assert_eq!((url.host.as_str(), url.port), ("::1", 2525));
        assert_eq!("smtp://[::1]".parse::<SmtpUrl>().map(|url| url.port), Ok(25));
        assert!(matches!("smtp://h?tls=opportunistic".parse::<SmtpUrl>(), Err(SmtpUrlError::Query(_))));
        assert!(matches!("smtps://h?tls=required".parse::<SmtpUrl>(), Err(SmtpUrlError::Query(_))));
        assert!(Transport::new(Some(&"smtps://mail.example.com".parse().expect("valid"))).is_ok());
        assert!(Transport::new(Some(&"smtp://mail.example.com?tls=required".parse().expect("valid"))).is_ok());
        assert!(matches!("http://h".parse::<SmtpUrl>(), Err(SmtpUrlError::Syntax(_))));
        assert!(matches!("smtp://h:port".parse::<SmtpUrl>(), Err(SmtpUrlError::Syntax(_))));
        assert_eq!(backoff_millis(1), 2_000);
        assert_eq!(backoff_millis(30), 300_000);
    }

    #[test]
    fn mails_escape_the_details_in_html() {
        let content = MailContent {
            subject: "Ship <b>it</b>?".into(),
            workflow: "orders".into(),
            execution: "e1".into(),
            execution_arn: "arn:aws:states:us-east-1:1:execution:orders:e1".into(),
            state_name: "Approve".into(),
            details: "{\"x\": \"<script>alert(1)</script>\"}".into(),
            deadline: Some("2030-01-01T00:00:00Z".into()),
            approver: "a@x".into(),
            link: "http://127.0.0.1:3000/approve/abc".into(),
            link_expires: "2025-01-15 10:30 UTC".into(),
            link_ends_at_deadline: false,
        };
        let (text, html) = render(&content).expect("renders");
        assert!(html.contains("&#60;script&#62;") && !html.contains("<script>"), "{html}");
        assert!(html.contains("http://127.0.0.1:3000/approve/abc"));
        assert!(
            text.contains("<script>alert(1)</script>") && text.contains("http://127.0.0.1:3000/approve/abc"),
            "{text}"
        );
    }
}

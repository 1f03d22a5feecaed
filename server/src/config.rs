//! Settings for `statehouse serve`, read from flags and `STATEHOUSE_*` environment variables.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    str::FromStr,
};

use clap::Args;

use crate::{api::sigv4::AccessKeys, approvals::mail::SmtpUrl};

/// Where the server listens, what it stores and which browser bundle it serves.
#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on, as host:port. A loopback address serves this machine only. Any
    /// other (`0.0.0.0:3000` for every interface) needs an account (`statehouse user add`),
    /// the API's access keys (`STATEHOUSE_ACCESS_KEYS`) and, for `0.0.0.0` or `[::]`, the
    /// public URL; pages then always ask for a sign-in.
    #[arg(long, env = "STATEHOUSE_LISTEN", default_value = "127.0.0.1:3000", value_name = "HOST:PORT")]
    pub listen: ListenAddr,

    /// Folder for the embedded SQLite database; created when missing.
    #[arg(long, env = "STATEHOUSE_DATA_DIR", default_value = "data", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Folder with the browser bundle (`pkg/`) and static files. Defaults to `site/` beside
    /// the executable, where `cargo xtask build` puts it.
    #[arg(long, env = "STATEHOUSE_SITE_DIR", value_name = "DIR")]
    pub site_dir: Option<PathBuf>,

    /// The AWS region in the ARNs the Step Functions API hands out.
    #[arg(long, env = "STATEHOUSE_REGION", default_value = "us-east-1", value_name = "REGION")]
    pub region: String,

    /// The 12-digit account id in those ARNs.
    #[arg(long, env = "STATEHOUSE_ACCOUNT", default_value = "123456789012", value_name = "ACCOUNT")]
    pub account: String,

    /// A MockConfigFile in Step Functions Local's format. Executions started as
    /// `STATE_MACHINE_ARN#TEST_CASE` answer their Task states from it.
    #[arg(long, env = "SFN_MOCK_CONFIG", value_name = "FILE")]
    pub mock_config: Option<PathBuf>,

    /// Whether Express executions record their history for the execution views (`true`) or
    /// run without one, as on AWS (`false`, faster).
    #[arg(long, env = "STATEHOUSE_EXPRESS_HISTORY", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub express_history: bool,

    /// Access keys the Step Functions API accepts, as `AKID:SECRET[,AKID2:SECRET2]`. When
    /// set, every API request must be SigV4-signed with one of them (as AWS's SDKs and CLI
    /// do) and others are refused with AWS's errors; when unset, requests are served
    /// whatever their signature. Prefer the environment variable: flags show in `ps`.
    #[arg(long, env = "STATEHOUSE_ACCESS_KEYS", value_name = "AKID:SECRET,…", hide_env_values = true)]
    pub access_keys: Option<AccessKeys>,

    /// Base URL of a Lambda-Invoke-compatible endpoint (for example `http://127.0.0.1:3001`
    /// from `sam local start-lambda`) for Lambda tasks without a mock.
    #[arg(long, env = "STATEHOUSE_LAMBDA_ENDPOINT", value_name = "URL")]
    pub lambda_endpoint: Option<String>,

    /// The folder that stands in for S3 for Map ItemReaders and ResultWriters:
    /// `s3://BUCKET/KEY` is `FOLDER/BUCKET/KEY`. Defaults to `s3/` in the data folder.
    #[arg(long, env = "STATEHOUSE_S3_DIR", value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,

    /// The settings file with the approval channels (`[[approvals.channels]]`). A missing
    /// file means no channels; a file that cannot be read stops the server.
    #[arg(long, env = "STATEHOUSE_CONFIG", default_value = "statehouse.toml", value_name = "FILE")]
    pub config: PathBuf,

    /// The SMTP server for approval mails: `smtp://[user:password@]host[:port]` (plain, port
    /// 25), `smtp://…?tls=required` (STARTTLS, port 587) or `smtps://…` (implicit TLS, port
    /// 465). Without it, mails are kept in the dev mailbox (`/approvals/dev-mailbox`) and the log.
    #[arg(long, env = "STATEHOUSE_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<SmtpUrl>,

    /// The sender of approval mails.
    #[arg(
        long,
        env = "STATEHOUSE_MAIL_FROM",
        default_value = "Statehouse <statehouse@localhost>",
        value_name = "MAILBOX"
    )]
    pub mail_from: lettre::message::Mailbox,

    /// A PEM file of CA certificates to trust besides the bundled Mozilla roots, for https
    /// (HTTP Tasks, Lambda, the portal's AWS calls) and SMTP over TLS: a corporate proxy's or
    /// a private CA. The machine's certificate store is never read.
    #[arg(long, env = "STATEHOUSE_EXTRA_CA_FILE", value_name = "FILE")]
    pub extra_ca_file: Option<PathBuf>,

    /// The base URL of the links in approval mails, as approvers reach this server.
    /// Defaults to `http://` and the listen address.
    #[arg(long, env = "STATEHOUSE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<PublicUrl>,
}

/// A base URL: `http://` or `https://`, a host, no query; kept without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// `http://` and an address.
    pub fn for_address(address: SocketAddr) -> Self {
        Self(format!("http://{address}"))
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a public URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a base URL: use http://host[:port][/path] or https://…, without a query")]
pub struct PublicUrlError(String);

impl FromStr for PublicUrl {
    type Err = PublicUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rest = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://"));
        match rest {
            Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.contains(['?', '#', ' ']) => {
                Ok(Self(text.trim_end_matches('/').to_string()))
            }
            _ => Err(PublicUrlError(text.to_string())),
        }
    }
}

impl ServeConfig {
    /// The site folder to serve: the one configured, or `site/` beside the running executable.
    pub fn site_dir(&self) -> PathBuf {
        if let Some(dir) = &self.site_dir {
            return dir.clone();
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|parent| parent.join("site")))
            .unwrap_or_else(|| PathBuf::from("site"))
    }
}

/// A socket address to listen on: an IP address (or `localhost`) and a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenAddr(SocketAddr);

impl ListenAddr {
    /// The address to bind.
    pub fn socket_addr(self) -> SocketAddr {
        self.0
    }

    /// Whether only this machine can connect (127.0.0.0/8 or `[::1]`).
    pub fn is_loopback(self) -> bool {
        self.0.ip().is_loopback()
    }
}

/// Why `serve` refuses to listen on `listen`: empty when it may. On loopback it always may;
/// beyond it, the pages need accounts to sign in with, the API needs access keys (an open
/// API would let anyone on the network run executions, whose HTTP Tasks call out from this
/// machine), and approval links need an address approvers can reach.
pub fn exposure_problems(listen: ListenAddr, accounts: bool, access_keys: bool, public_url: bool) -> Vec<String> {
    if listen.is_loopback() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if !accounts {
        problems.push(
            "there is no account, so the pages could not ask for a sign-in: make one with `statehouse user add NAME` \
             (with the same --data-dir)"
                .to_string(),
        );
    }
    if !access_keys {
        problems.push(
            "the Step Functions API has no access keys, so anyone who reaches it could run executions: set \
             STATEHOUSE_ACCESS_KEYS=AKID:SECRET (the AWS CLI and SDKs then sign with them)"
                .to_string(),
        );
    }
    if listen.0.ip().is_unspecified() && !public_url {
        problems.push(format!(
            "approval emails would link to http://{}, which no approver can open: set STATEHOUSE_PUBLIC_URL to the \
             address they reach this server at",
            listen.0
        ));
    }
    problems
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

/// Why a listen address was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ListenAddrError {
    /// The text is not `host:port` with an IP address (or `localhost`) and a port number.
    #[error("{0:?} is not host:port with an IP address and a port, for example 127.0.0.1:3000")]
    Syntax(String),
}

impl FromStr for ListenAddr {
    type Err = ListenAddrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let address = match text.parse::<SocketAddr>() {
            Ok(address) => address,
            Err(_) => match text.rsplit_once(':') {
                Some(("localhost", port)) => {
                    let port = port.parse::<u16>().map_err(|_| ListenAddrError::Syntax(text.to_string()))?;
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
                }
                _ => return Err(ListenAddrError::Syntax(text.to_string())),
            },
        };
        Ok(Self(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<&str, &str>) {
        let actual = text.parse::<ListenAddr>().map(|address| address.to_string()).map_err(|error| error.to_string());
        match expected {
            Ok(address) => assert_eq!(actual, Ok(address.to_string()), "{text}"),
            Err(fragment) => {
                let message = actual.expect_err(text);
                assert!(message.contains(fragment), "{text}: {message}");
            }
        }
    }

    #[test]
    fn reads_ip_addresses_and_localhost() {
        check("127.0.0.1:3000", Ok("127.0.0.1:3000"));
        check("127.8.9.10:80", Ok("127.8.9.10:80"));
        check("[::1]:0", Ok("[::1]:0"));
        check("localhost:4000", Ok("127.0.0.1:4000"));
        check("0.0.0.0:3000", Ok("0.0.0.0:3000"));
        check("[::]:3000", Ok("[::]:3000"));
        check("192.168.1.4:3000", Ok("192.168.1.4:3000"));
        check("127.0.0.1", Err("is not host:port"));
        check("localhost:http", Err("is not host:port"));
        check("example.com:3000", Err("is not host:port"));
    }

    #[test]
    fn beyond_loopback_needs_accounts_access_keys_and_a_public_url() {
        let listen = |text: &str| text.parse::<ListenAddr>().expect(text);
        assert!(exposure_problems(listen("127.0.0.1:3000"), false, false, false).is_empty());
        assert!(exposure_problems(listen("[::1]:3000"), false, false, false).is_empty());
        let problems = exposure_problems(listen("0.0.0.0:3000"), false, false, false);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("statehouse user add"), "{problems:?}");
        assert!(problems[1].contains("STATEHOUSE_ACCESS_KEYS"), "{problems:?}");
        assert!(problems[2].contains("STATEHOUSE_PUBLIC_URL"), "{problems:?}");
        // A concrete address is a reachable default for the links.
        assert_eq!(exposure_problems(listen("192.168.1.4:3000"), true, true, false), Vec::<String>::new());
        assert_eq!(exposure_problems(listen("[::]:3000"), true, true, true), Vec::<String>::new());
        assert_eq!(exposure_problems(listen("0.0.0.0:3000"), true, false, true).len(), 1);
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            "https://approve.example.com/".parse::<PublicUrl>().map(|url| url.0),
            Ok("https://approve.example.com".into())
        );
        assert!("approve.example.com".parse::<PublicUrl>().is_err());
        assert!("http://".parse::<PublicUrl>().is_err());
        assert!("http://h/?x=1".parse::<PublicUrl>().is_err());
    }
}

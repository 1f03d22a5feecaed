//! A real SMTP server for the approval tests: enough of RFC 5321 for lettre, keeping each
//! message, and the parsing of what arrives (text and HTML parts, the approval link).

use std::time::Duration;

use base64::Engine as _;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::mpsc,
};

/// A minimal SMTP server: enough of RFC 5321 for lettre, capturing each message's raw DATA.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Each message's raw DATA, in arrival order.
    pub mails: mpsc::UnboundedReceiver<String>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// An smtps:// sink: TLS from the first byte (implicit TLS), with `acceptor`'s certificate.
    pub async fn start_tls(acceptor: tokio_rustls::TlsAcceptor) -> Self {
        Self::start_with(Some(acceptor)).await
    }

    async fn start_with(acceptor: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        let (sender, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let sender = sender.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        None => session(stream, sender).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                session(stream, sender).await;
                            }
                        }
                    }
                });
            }
        });
        Self { port, mails }
    }

    pub async fn next_mail(&mut self) -> Mail {
        let raw = tokio::time::timeout(Duration::from_secs(15), self.mails.recv())
            .await
            .expect("a mail arrives within 15 s")
            .expect("the sink runs");
        Mail::parse(&raw)
    }
}

/// One SMTP conversation on `stream`, sending each message's raw DATA to `sender`.
async fn session<S: AsyncRead + AsyncWrite + Send>(stream: S, sender: mpsc::UnboundedSender<String>) {
    let (reader, mut writer) = tokio::io::split(stream);
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 sink ESMTP ready\r\n").await.ok();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink greets you\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL")
            || command.starts_with("RCPT")
            || command.starts_with("RSET")
            || command.starts_with("NOOP")
        {
            b"250 OK\r\n"
        } else if command == "DATA" {
            writer.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.ok();
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                // Dot-stuffing: a leading ".." stands for ".".
                data.push_str(if line.starts_with("..") { &line[1..] } else { &line });
            }
            sender.send(data).ok();
            b"250 queued\r\n"
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n").await.ok();
            return;
        } else {
            b"502 not implemented\r\n"
        };
        writer.write_all(reply).await.ok();
    }
}

/// A received mail: its headers and its decoded text and HTML parts.
pub struct Mail {
    /// The whole message.
    pub raw: String,
    /// The text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Self {
        let mut text = String::new();
        let mut html = String::new();
        // Parts are separated by boundary lines; each has headers, a blank line, a body.
        for part in raw.split("\r\n--") {
            let Some((headers, body)) = part.split_once("\r\n\r\n") else { continue };
            let headers_lower = headers.to_ascii_lowercase();
            let body = body.split("\r\n--").next().unwrap_or(body);
            let decoded = if headers_lower.contains("content-transfer-encoding: base64") {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).expect("base64 body"))
                    .expect("utf-8 body")
            } else if headers_lower.contains("content-transfer-encoding: quoted-printable") {
                decode_quoted_printable(body)
            } else {
                body.to_string()
            };
            if headers_lower.contains("content-type: text/plain") {
                text = decoded;
            } else if headers_lower.contains("content-type: text/html") {
                html = decoded;
            }
        }
        assert!(!text.is_empty() && !html.is_empty(), "a text and an HTML part: {raw}");
        Self { raw: raw.to_string(), text, html }
    }

    /// The approval link in the text part.
    pub fn link(&self) -> String {
        find_link(&self.text).unwrap_or_else(|| panic!("no approval link in {}", self.text))
    }
}

/// The first approval link in `text`.
pub fn find_link(text: &str) -> Option<String> {
    let start = text.find("http://")?;
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || c == '<' || c == '"').unwrap_or(rest.len());
    let link = &rest[..end];
    link.contains("/approve/").then(|| link.to_string())
}

fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::new();
    let mut lines = body.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        let (content, soft_break) = match line.strip_suffix('=') {
            Some(content) => (content, true),
            None => (line, false),
        };
        let raw = content.as_bytes();
        let mut index = 0;
        while index < raw.len() {
            if raw[index] == b'=' && raw.len() >= index + 3 {
                let hex = std::str::from_utf8(&raw[index + 1..index + 3]).expect("ascii");
                bytes.push(u8::from_str_radix(hex, 16).expect("a =XX escape"));
                index += 3;
            } else {
                bytes.push(raw[index]);
                index += 1;
            }
        }
        if !soft_break && lines.peek().is_some() {
            bytes.extend_from_slice(b"\r\n");
        }
    }
    String::from_utf8(bytes).expect("utf-8 body")
}

//! `nextToken`s as AWS hands them out: opaque, good only for the listing that issued them
//! (the same operation with the same resource and filters), refused once altered, and
//! expired after 24 hours; anything else is `InvalidToken`.
//!
//! A token is `hex(mac) + hex(issued seconds, position)`, the MAC an HMAC-SHA256 over the
//! listing's scope and the rest under a key drawn when the server starts, so tokens do not
//! outlive the process (a restart expires them, as time does on AWS).

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use rand::RngCore as _;
use serde_json::Value;
use sha2::Sha256;

use super::{AwsError, optional};

/// The longest `nextToken` AWS's model allows for `operation`: 3,096 characters for
/// ListExecutions (`ListExecutionsPageToken`), 1,024 for the other listings (`PageToken`).
fn max_token_characters(operation: &str) -> usize {
    if operation == "ListExecutions" { 3096 } else { 1024 }
}

/// How long a token stays good: AWS's tokens expire after 24 hours.
const TOKEN_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

/// Bytes of the MAC kept in a token.
const MAC_BYTES: usize = 16;

/// What a token is good for: the operation and the request members that choose the listing;
/// and the longest token the operation takes.
#[derive(Debug)]
pub struct PageScope(String, usize);

impl PageScope {
    /// The scope of `operation` listing what `parameters` (resource ARNs, filters) select.
    pub fn new(operation: &str, parameters: &[Option<&str>]) -> Self {
        let mut scope = operation.to_string();
        for parameter in parameters {
            scope.push('\u{0}');
            scope.push_str(parameter.unwrap_or("\u{1}"));
        }
        PageScope(scope, max_token_characters(operation))
    }

    fn mac(&self, sealed: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key()).expect("HMAC takes keys of any length");
        mac.update(self.0.as_bytes());
        mac.update(&[0xff]);
        mac.update(sealed);
        mac
    }

    /// The token that resumes this listing at `position`.
    pub fn token(&self, position: &str) -> String {
        self.token_at(position, now_seconds())
    }

    /// The position the request's `nextToken` resumes at, if it has one.
    pub fn position(&self, request: &Value) -> Result<Option<String>, AwsError> {
        match optional(request, "nextToken")? {
            None => Ok(None),
            // AWS checks the length first, as its model constrains it.
            Some(token) if token.chars().count() > self.1 => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{token}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to {}",
                self.1
            ))),
            Some(token) => self
                .open_at(token, now_seconds())
                .map(Some)
                .ok_or_else(|| AwsError::new("InvalidToken", format!("Invalid Token: '{token}'"))),
        }
    }

    /// The offset the request's `nextToken` resumes at (0 without one), for listings paged by
    /// offset over a stable order.
    pub fn offset(&self, request: &Value) -> Result<usize, AwsError> {
        match self.position(request)? {
            None => Ok(0),
            Some(position) => position.parse().map_err(|_| {
                let token = optional(request, "nextToken").ok().flatten().unwrap_or_default();
                AwsError::new("InvalidToken", format!("Invalid Token: '{token}'"))
            }),
        }
    }

    /// The token after a page of `page_length` items that started at `offset`, if more follow.
    pub fn next_offset_token(&self, offset: usize, page_length: usize, total: usize) -> Option<String> {
        (offset + page_length < total).then(|| self.token(&(offset + page_length).to_string()))
    }

    fn token_at(&self, position: &str, now: i64) -> String {
        let sealed = format!("{now}:{position}");
        let mac = self.mac(sealed.as_bytes()).finalize().into_bytes();
        hex::encode(&mac[..MAC_BYTES]) + &hex::encode(sealed)
    }

    fn open_at(&self, token: &str, now: i64) -> Option<String> {
        let bytes = hex::decode(token).ok()?;
        if bytes.len() < MAC_BYTES {
            return None;
        }
        let (mac, sealed) = bytes.split_at(MAC_BYTES);
        self.mac(sealed).verify_truncated_left(mac).ok()?;
        let (issued, position) = std::str::from_utf8(sealed).ok()?.split_once(':')?;
        let issued: i64 = issued.parse().ok()?;
        (issued <= now && now - issued < TOKEN_LIFETIME_SECONDS).then(|| position.to_string())
    }
}

type HmacSha256 = Hmac<Sha256>;

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0; 32];
        rand::rng().fill_bytes(&mut key);
        key
    })
}

fn now_seconds() -> i64 {
    crate::engine::now_millis() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_in_its_scope_unaltered_and_within_a_day() {
        let executions = PageScope::new("ListExecutions", &[Some("arn:machine"), None]);
        let token = executions.token_at("after:1:arn", 1_000);
        assert_eq!(executions.open_at(&token, 1_000).as_deref(), Some("after:1:arn"));
        assert_eq!(executions.open_at(&token, 1_000 + TOKEN_LIFETIME_SECONDS - 1).as_deref(), Some("after:1:arn"));
        assert_eq!(executions.open_at(&token, 1_000 + TOKEN_LIFETIME_SECONDS), None, "expired");
        assert_eq!(executions.open_at(&token, 999), None, "issued in the future");

        let other_filter = PageScope::new("ListExecutions", &[Some("arn:machine"), Some("FAILED")]);
        let other_operation = PageScope::new("ListStateMachines", &[]);
        assert_eq!(other_filter.open_at(&token, 1_000), None);
        assert_eq!(other_operation.open_at(&token, 1_000), None);

        let mut altered = token.clone();
        let last = altered.pop().expect("a token is not empty");
        altered.push(if last == '0' { '1' } else { '0' });
        assert_eq!(executions.open_at(&altered, 1_000), None);
        assert_eq!(executions.open_at("zz", 1_000), None);
        assert_eq!(executions.open_at("", 1_000), None);
    }
}

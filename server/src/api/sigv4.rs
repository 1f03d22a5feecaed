//! AWS Signature Version 4 for the Step Functions API: the access keys Statehouse accepts,
//! and the check of a request's `Authorization: AWS4-HMAC-SHA256 …` header against them,
//! refusing bad requests with the exception names and messages AWS's SDKs parse.
//!
//! Pure: the caller passes the request's parts and the current time, so the check is
//! deterministic and tested with AWS's published vectors. The signature is compared in
//! constant time (`Mac::verify_slice`).

use std::{collections::BTreeMap, fmt, str::FromStr};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm AWS's clients sign with for this API.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a request's `X-Amz-Date` may be from the server's clock, as AWS allows.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// The access keys the API accepts: access key id → secret access key.
///
/// Parsed from `AKID:SECRET[,AKID2:SECRET2]`; `Debug` shows the ids, never the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeys(BTreeMap<String, String>);

impl AccessKeys {
    /// The secret of `access_key_id`, if it is configured.
    fn secret(&self, access_key_id: &str) -> Option<&str> {
        self.0.get(access_key_id).map(String::as_str)
    }
}

impl fmt::Debug for AccessKeys {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_tuple("AccessKeys").field(&self.0.keys().collect::<Vec<_>>()).finish()
    }
}

/// Why a list of access keys was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessKeysError {
    /// An entry is not `AKID:SECRET` with both parts non-empty.
    #[error("{0:?} is not ACCESS_KEY_ID:SECRET_ACCESS_KEY (entries are separated by commas)")]
    Syntax(String),
    /// The same access key id appears twice.
    #[error("the access key id {0:?} is listed twice")]
    Duplicate(String),
    /// The list is empty.
    #[error("no access keys given; leave the setting unset to accept unsigned requests")]
    Empty,
}

impl FromStr for AccessKeys {
    type Err = AccessKeysError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut keys = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let Some((id, secret)) = entry.split_once(':') else {
                return Err(AccessKeysError::Syntax(redact(entry)));
            };
            let (id, secret) = (id.trim(), secret.trim());
            let id_is_valid = !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_alphanumeric());
            if !id_is_valid || secret.is_empty() {
                return Err(AccessKeysError::Syntax(redact(entry)));
            }
            if keys.insert(id.to_string(), secret.to_string()).is_some() {
                return Err(AccessKeysError::Duplicate(id.to_string()));
            }
        }
        if keys.is_empty() { Err(AccessKeysError::Empty) } else { Ok(Self(keys)) }
    }
}

/// An entry as shown in an error: the part before the first colon, never a secret.
fn redact(entry: &str) -> String {
    match entry.split_once(':') {
        Some((id, _)) => format!("{id}:…"),
        None => entry.to_string(),
    }
}

/// The parts of an HTTP request that its signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// `POST`, `GET`, ….
    pub method: &'a str,
    /// The path as sent (still percent-encoded), `/` for this API.
    pub path: &'a str,
    /// The query string as sent, without `?`; empty when there is none.
    pub query: &'a str,
    /// All request headers.
    pub headers: &'a HeaderMap,
    /// The body, whose SHA-256 the signature covers.
    pub body: &'a [u8],
}

/// Why a request's signature was refused, one variant per answer AWS gives.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// No `Authorization` header.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The header is not a complete SigV4 authorization (a parameter or the date is missing).
    #[error("{0}")]
    Incomplete(String),
    /// The access key id is not configured.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// The signature does not match the one computed with the key's secret.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret \
         Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureMismatch,
    /// The request was signed more than 15 minutes before the server's clock.
    #[error("Signature expired: {signed} is now earlier than {earliest} ({now} - 15 min.)")]
    Expired {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The earliest date accepted.
        earliest: String,
        /// The server's clock.
        now: String,
    },
    /// The request was signed more than 15 minutes after the server's clock.
    #[error("Signature not yet current: {signed} is still later than {latest} ({now} + 15 min.)")]
    NotYetCurrent {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The latest date accepted.
        latest: String,
        /// The server's clock.
        now: String,
    },
}

impl SignatureError {
    /// The exception name AWS sends in `__type`.
    pub fn aws_kind(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::Incomplete(_) => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::SignatureMismatch | Self::Expired { .. } | Self::NotYetCurrent { .. } => "InvalidSignatureException",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingAuthenticationToken => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// The parsed `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    /// `DATE/REGION/SERVICE/aws4_request`.
    scope: &'a str,
    scope_date: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

/// Checks `request`'s SigV4 signature against `keys` at `now` (seconds since the Unix epoch).
pub fn verify(keys: &AccessKeys, request: &SignedRequest<'_>, now: i64) -> Result<(), SignatureError> {
    let Some(header) = request.headers.get("authorization") else {
        return Err(SignatureError::MissingAuthenticationToken);
    };
    let header = header.to_str().map_err(|_| SignatureError::Incomplete("Invalid Authorization header.".into()))?;
    let amz_date = request.headers.get("x-amz-date").and_then(|value| value.to_str().ok());
    let authorization = parse_authorization(header, amz_date.is_some())?;
    let amz_date = amz_date.unwrap_or_default();
    let Some(secret) = keys.secret(authorization.access_key_id) else {
        return Err(SignatureError::UnrecognizedClient);
    };
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(SignatureError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )));
    };
    if signed_at < now - MAX_SKEW_SECONDS {
        return Err(SignatureError::Expired {
            signed: amz_date.to_string(),
            earliest: format_amz_date(now - MAX_SKEW_SECONDS),
            now: format_amz_date(now),
        });
    }
    if signed_at > now + MAX_SKEW_SECONDS {
        return Err(SignatureError::NotYetCurrent {
            signed: amz_date.to_string(),
            latest: format_amz_date(now + MAX_SKEW_SECONDS),
            now: format_amz_date(now),
        });
    }
    if authorization.scope_date != &amz_date[..8] {
        return Err(SignatureError::SignatureMismatch);
    }
    let canonical = canonical_request(request, &authorization.signed_headers);
    let string_to_sign =
        format!("{ALGORITHM}\n{amz_date}\n{}\n{}", authorization.scope, hex::encode(Sha256::digest(&canonical)));
    let provided = hex::decode(authorization.signature).map_err(|_| SignatureError::SignatureMismatch)?;
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in authorization.scope.split('/') {
        key = hmac(&key, part.as_bytes());
    }
    let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&provided).map_err(|_| SignatureError::SignatureMismatch)
}

/// Reads `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; a missing part is
/// `IncompleteSignatureException` with AWS's list of what is required.
fn parse_authorization(header: &str, has_date: bool) -> Result<Authorization<'_>, SignatureError> {
    let Some(parameters) = header.strip_prefix(ALGORITHM).filter(|rest| rest.starts_with(' ')) else {
        let algorithm = header.split_whitespace().next().unwrap_or_default();
        return Err(SignatureError::Incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'")));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for parameter in parameters.split(',').map(str::trim) {
        match parameter.split_once('=') {
            Some(("Credential", value)) => credential = Some(value),
            Some(("SignedHeaders", value)) => signed_headers = Some(value),
            Some(("Signature", value)) => signature = Some(value),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for (name, value) in [("Credential", credential), ("Signature", signature), ("SignedHeaders", signed_headers)] {
        if value.is_none_or(str::is_empty) {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if !has_date {
        missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into());
    }
    if !missing.is_empty() {
        return Err(SignatureError::Incomplete(format!("{} Authorization={header}", missing.join(" "))));
    }
    let (credential, signed_headers, signature) =
        (credential.unwrap_or_default(), signed_headers.unwrap_or_default(), signature.unwrap_or_default());
    let malformed = || {
        SignatureError::Incomplete(format!(
            "Credential should be scoped to a valid region and service, as \
             ACCESS_KEY_ID/YYYYMMDD/REGION/states/aws4_request, not '{credential}'."
        ))
    };
    let (access_key_id, scope) = credential.split_once('/').ok_or_else(malformed)?;
    let scope_parts: Vec<&str> = scope.split('/').collect();
    if scope_parts.len() != 4 || scope_parts[3] != "aws4_request" || scope_parts.iter().any(|part| part.is_empty()) {
        return Err(malformed());
    }
    Ok(Authorization {
        access_key_id,
        scope,
        scope_date: scope_parts[0],
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// The canonical request of the SigV4 specification (shared with the approval portal's
/// signer, `approvals::aws`).
pub fn canonical_request(request: &SignedRequest<'_>, signed_headers: &[&str]) -> String {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        request.method,
        uri_encode(request.path, false),
        canonical_query(request.query),
        signed_headers.join(";"),
        hex::encode(Sha256::digest(request.body))
    )
}

/// Query parameters decoded, re-encoded the SigV4 way and sorted by name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (uri_encode(&percent_decode(name), true), uri_encode(&percent_decode(value), true))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

/// SigV4's URI encoding: everything but `A-Za-z0-9-_.~` as `%XX` (and `/` too when
/// `encode_slash`).
fn uri_encode(text: &str, encode_slash: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) || (byte == b'/' && !encode_slash) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(if bytes[index] == b'+' { b' ' } else { bytes[index] });
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// HMAC-SHA256 of `data` under `key` (the steps of SigV4's signing key).
pub fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `20150830T123600Z` → seconds since the Unix epoch.
fn parse_amz_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|byte| byte.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let (year, month, day) = (digits_at(0..4)?, digits_at(4..6)?, digits_at(6..8)?);
    let (hour, minute, second) = (digits_at(9..11)?, digits_at(11..13)?, digits_at(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Seconds since the Unix epoch → `20150830T123600Z`.
pub fn format_amz_date(seconds: i64) -> String {
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    /// 2015-08-30T12:36:00Z, the date of AWS's SigV4 test suite.
    const SIGNED_AT: i64 = 1_440_938_160;

    fn keys() -> AccessKeys {
        format!("AKIDEXAMPLE:{SECRET}, OTHER:secret").parse().expect("valid keys")
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        headers
    }

    /// AWS's published `get-vanilla` case of the SigV4 test suite (botocore agrees).
    #[test]
    fn get_vanilla_from_the_aws_test_suite() {
        let headers = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let request = SignedRequest { method: "GET", path: "/", query: "", headers: &headers, body: b"" };
        assert_eq!(verify(&keys(), &request, SIGNED_AT), Ok(()));
    }

    const BODY: &[u8] = br#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{}"}"#;

    /// A StartExecution signed by botocore 1.44.5's `SigV4Auth` at the test suite's date.
    fn start_execution(signature: &str, access_key_id: &str) -> HeaderMap {
        headers(&[
            ("host", "127.0.0.1:3000"),
            ("x-amz-target", "AWSStepFunctions.StartExecution"),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "authorization",
                &format!(
                    "AWS4-HMAC-SHA256 Credential={access_key_id}/20150830/us-east-1/states/aws4_request, \
                     SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"
                ),
            ),
        ])
    }

    const BOTOCORE_SIGNATURE: &str = "be3ab1829fea11ffa7f12376b665adbb3285d7074bed0fd1b9e10fc9ca6bf9d2";

    fn check(headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify(&keys(), &SignedRequest { method: "POST", path: "/", query: "", headers, body }, now)
    }

    #[test]
    fn a_botocore_signed_start_execution_passes_and_any_change_fails() {
        let signed = start_execution(BOTOCORE_SIGNATURE, "AKIDEXAMPLE");
        assert_eq!(check(&signed, BODY, SIGNED_AT), Ok(()));
        // Fourteen minutes either way is within AWS's allowance.
        assert_eq!(check(&signed, BODY, SIGNED_AT + 14 * 60), Ok(()));
        assert_eq!(check(&signed, BODY, SIGNED_AT - 14 * 60), Ok(()));
        // A changed body, a changed signed header, another key's secret.
        assert_eq!(check(&signed, b"{}", SIGNED_AT), Err(SignatureError::SignatureMismatch));
        let mut retargeted = signed.clone();
        retargeted.insert("x-amz-target", HeaderValue::from_static("AWSStepFunctions.StopExecution"));
        assert_eq!(check(&retargeted, BODY, SIGNED_AT), Err(SignatureError::SignatureMismatch));
        let other_key = start_execution(BOTOCORE_SIGNATURE, "OTHER");
        assert_eq!(check(&other_key, BODY, SIGNED_AT), Err(SignatureError::SignatureMismatch));
        let not_hex = start_execution("zz", "AKIDEXAMPLE");
        assert_eq!(check(&not_hex, BODY, SIGNED_AT), Err(SignatureError::SignatureMismatch));
    }

    #[test]
    fn refusals_carry_aws_names_and_messages() {
        let unknown = check(&start_execution(BOTOCORE_SIGNATURE, "AKIDUNKNOWN"), BODY, SIGNED_AT).expect_err("unknown");
        assert_eq!(unknown.aws_kind(), "UnrecognizedClientException");
        assert_eq!(unknown.to_string(), "The security token included in the request is invalid.");
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);

        let missing = check(&headers(&[("host", "h")]), BODY, SIGNED_AT).expect_err("missing");
        assert_eq!(
            (missing.aws_kind(), missing.status()),
            ("MissingAuthenticationTokenException", StatusCode::FORBIDDEN)
        );
        assert_eq!(missing.to_string(), "Missing Authentication Token");

        let mismatch = SignatureError::SignatureMismatch;
        assert_eq!(mismatch.aws_kind(), "InvalidSignatureException");
        assert!(mismatch.to_string().starts_with("The request signature we calculated does not match"));

        let signed = start_execution(BOTOCORE_SIGNATURE, "AKIDEXAMPLE");
        let expired = check(&signed, BODY, SIGNED_AT + 16 * 60).expect_err("expired");
        assert_eq!(expired.aws_kind(), "InvalidSignatureException");
        assert_eq!(
            expired.to_string(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)"
        );
        let early = check(&signed, BODY, SIGNED_AT - 16 * 60).expect_err("not yet current");
        assert_eq!(
            early.to_string(),
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)"
        );

        let incomplete = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/states/aws4_request",
        )]);
        let error = check(&incomplete, BODY, SIGNED_AT).expect_err("incomplete");
        assert_eq!(error.aws_kind(), "IncompleteSignatureException");
        assert!(error.to_string().contains("requires 'Signature' parameter."), "{error}");
        assert!(error.to_string().contains("'X-Amz-Date' or a 'Date' header."), "{error}");
    }

    #[test]
    fn access_keys_parse_and_never_show_secrets() {
        let keys: AccessKeys = "AKID1:s3cr/et+1,AKID2:other".parse().expect("valid");
        assert_eq!(keys.secret("AKID1"), Some("s3cr/et+1"));
        assert_eq!(format!("{keys:?}"), r#"AccessKeys(["AKID1", "AKID2"])"#);
        assert_eq!("".parse::<AccessKeys>(), Err(AccessKeysError::Empty));
        assert_eq!("A:x,A:y".parse::<AccessKeys>(), Err(AccessKeysError::Duplicate("A".into())));
        let error = "AKID:".parse::<AccessKeys>().expect_err("no secret");
        assert_eq!(error, AccessKeysError::Syntax("AKID:…".into()));
        assert!(matches!("justakey".parse::<AccessKeys>(), Err(AccessKeysError::Syntax(_))));
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(SIGNED_AT));
        assert_eq!(format_amz_date(SIGNED_AT), "20150830T123600Z");
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(format_amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        assert_eq!(canonical_query("b=2&a=x%20y&a=1"), "a=1&a=x%20y&b=2");
        assert_eq!(canonical_query(""), "");
        assert_eq!(uri_encode("/a b/~c", false), "/a%20b/~c");
    }
}

//! The portal's own AWS client: SigV4-signed JSON 1.0 calls to SQS (polling a channel's
//! queue) and Step Functions (SendTaskSuccess / SendTaskFailure), over https (or plain http
//! to a local emulator).
//!
//! It stands in for the official AWS SDK, whose Rust crates are far larger than the four calls
//! the portal makes (and default to the aws-lc-rs TLS provider, which needs cmake). Signing shares its canonicalization with the API's verifier
//! (`api::sigv4`), so the signer and the verifier cannot drift apart.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::{AwsSettings, Credentials, HttpEndpoint};
use crate::api::sigv4::{self, SignedRequest};

/// Why an AWS call failed.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The service could not be reached or did not answer in time.
    #[error("calling {endpoint}: {source}")]
    Transport {
        /// Where the call went.
        endpoint: String,
        /// Why it failed.
        source: reqwest::Error,
    },
    /// The service answered with an error (`__type` without its namespace).
    #[error("{kind}: {message} (HTTP {status})")]
    Service {
        /// The exception name, like `TaskDoesNotExist`.
        kind: String,
        /// Its message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// A header value could not be built (a credential with control characters).
    #[error("a request header is not valid: {0}")]
    Header(String),
}

impl AwsError {
    /// Whether the token no longer names a waiting task: the decision is pointless, not late.
    pub fn task_is_gone(&self) -> bool {
        matches!(self, AwsError::Service { kind, .. }
            if kind == "TaskDoesNotExist" || kind == "TaskTimedOut" || kind == "InvalidToken")
    }
}

/// The signature and headers of one signed JSON 1.0 request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Every header to send, `authorization` included, names lower-case.
    pub headers: Vec<(String, String)>,
}

/// Signs a `POST /` JSON 1.0 request to `host` for `service` at `now` (seconds since the Unix
/// epoch), SigV4 with the headers `content-type;host;x-amz-date;x-amz-target` (and the session
/// token when there is one).
pub fn sign(
    credentials: &Credentials,
    region: &str,
    service: &str,
    host: &str,
    target: &str,
    body: &[u8],
    now: i64,
) -> Result<Signed, AwsError> {
    let amz_date = sigv4::format_amz_date(now);
    let mut pairs = vec![
        ("content-type".to_string(), "application/x-amz-json-1.0".to_string()),
        ("host".to_string(), host.to_string()),
        ("x-amz-date".to_string(), amz_date.clone()),
        ("x-amz-target".to_string(), target.to_string()),
    ];
    if let Some(token) = &credentials.session_token {
        pairs.push(("x-amz-security-token".to_string(), token.clone()));
    }
    pairs.sort();
    let mut headers = HeaderMap::new();
    for (name, value) in &pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|error| AwsError::Header(error.to_string()))?;
        let value = HeaderValue::from_str(value).map_err(|error| AwsError::Header(error.to_string()))?;
        headers.insert(name, value);
    }
    let signed_headers: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    let canonical = sigv4::canonical_request(
        &SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body },
        &signed_headers,
    );
    let scope = format!("{}/{region}/{service}/aws4_request", &amz_date[..8]);
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(&canonical)));
    let mut key = format!("AWS4{}", credentials.secret_access_key.expose()).into_bytes();
    for part in scope.split('/') {
        key = sigv4::hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(sigv4::hmac(&key, string_to_sign.as_bytes()));
    pairs.push((
        "authorization".to_string(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            credentials.access_key_id,
            signed_headers.join(";")
        ),
    ));
    Ok(Signed { headers: pairs })
}

/// A channel's AWS client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AwsClient {
    http: reqwest::Client,
    settings: AwsSettings,
}

/// One message received from a queue.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueMessage {
    /// Its body (a request message as JSON text).
    pub body: String,
    /// What DeleteMessage needs.
    pub receipt_handle: String,
}

impl AwsClient {
    /// A client for the channel's settings.
    pub fn new(settings: AwsSettings) -> Self {
        // Long polls last up to 20 s; leave room for the answer.
        let http = crate::tls::http_client().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        Self { http, settings }
    }

    /// SendTaskSuccess with `output` (a JSON value sent as text).
    pub async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), AwsError> {
        let body = serde_json::json!({"taskToken": token, "output": output.to_string()});
        self.call(&self.settings.states_endpoint, "states", "AWSStepFunctions.SendTaskSuccess", &body).await.map(drop)
    }

    /// SendTaskFailure with an error and a cause.
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<(), AwsError> {
        let mut body = serde_json::json!({"taskToken": token});
        if let Some(error) = error {
            body["error"] = error.into();
        }
        if let Some(cause) = cause {
            body["cause"] = cause.into();
        }
        self.call(&self.settings.states_endpoint, "states", "AWSStepFunctions.SendTaskFailure", &body).await.map(drop)
    }

    /// ReceiveMessage: waits up to `wait_seconds` (at most 20) for up to ten messages.
    pub async fn receive_messages(&self, queue_url: &str, wait_seconds: u32) -> Result<Vec<QueueMessage>, AwsError> {
        let body = serde_json::json!({
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": wait_seconds.min(20),
        });
        let answer = self.call(&self.settings.sqs_endpoint, "sqs", "AmazonSQS.ReceiveMessage", &body).await?;
        let messages = answer["Messages"].as_array().cloned().unwrap_or_default();
        Ok(messages
            .iter()
            .filter_map(|message| {
                Some(QueueMessage {
                    body: message["Body"].as_str()?.to_string(),
                    receipt_handle: message["ReceiptHandle"].as_str()?.to_string(),
                })
            })
            .collect())
    }

    /// DeleteMessage.
    pub async fn delete_message(&self, queue_url: &str, receipt_handle: &str) -> Result<(), AwsError> {
        let body = serde_json::json!({"QueueUrl": queue_url, "ReceiptHandle": receipt_handle});
        self.call(&self.settings.sqs_endpoint, "sqs", "AmazonSQS.DeleteMessage", &body).await.map(drop)
    }

    async fn call(
        &self,
        endpoint: &HttpEndpoint,
        service: &str,
        target: &str,
        body: &Value,
    ) -> Result<Value, AwsError> {
        let bytes = body.to_string().into_bytes();
        let now = crate::engine::now_millis() / 1000;
        let signed = sign(
            &self.settings.credentials,
            &self.settings.region,
            service,
            endpoint.authority(),
            target,
            &bytes,
            now,
        )?;
        let mut request = self.http.post(endpoint.as_str());
        for (name, value) in &signed.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let transport = |source| AwsError::Transport { endpoint: endpoint.as_str().to_string(), source };
        let response = request.body(bytes).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        let answer: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        let kind = answer["__type"].as_str().unwrap_or("UnknownError");
        let kind = kind.rsplit('#').next().unwrap_or(kind).to_string();
        let message = answer["message"]
            .as_str()
            .or_else(|| answer["Message"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| text.chars().take(300).collect());
        Err(AwsError::Service { kind, message, status })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::config::Secret;

    /// The same StartExecution botocore 1.44.5 signed for the verifier's tests: our signer
    /// must produce botocore's signature byte for byte.
    #[test]
    fn signs_as_botocore_does() {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        };
        let body = br#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{}"}"#;
        let signed = sign(
            &credentials,
            "us-east-1",
            "states",
            "127.0.0.1:3000",
            "AWSStepFunctions.StartExecution",
            body,
            1_440_938_160,
        )
        .expect("signed");
        let authorization = &signed.headers.iter().find(|(name, _)| name == "authorization").expect("authorization").1;
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/states/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, \
             Signature=be3ab1829fea11ffa7f12376b665adbb3285d7074bed0fd1b9e10fc9ca6bf9d2"
        );
    }
}

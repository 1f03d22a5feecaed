//! The portal's AWS client: Step Functions (SendTaskSuccess / SendTaskFailure) and SQS
//! (ReceiveMessage / DeleteMessage) through the official AWS SDK for Rust (`aws-sdk-sfn`,
//! `aws-sdk-sqs`), SigV4-signed with the channel's static credentials, over https (or plain
//! http to a local emulator).
//!
//! The SDK is configured by hand from the channel's `[aws]` settings (region, endpoints,
//! credentials), without `aws-config`, and sends through `tls::aws_http_client` (rustls with
//! `ring`, Mozilla's roots and `STATEHOUSE_EXTRA_CA_FILE`). SDK errors become [`AwsError`].
//!
//! [`sign`] is a small SigV4 signer of JSON 1.0 requests kept for the tests, which call
//! Statehouse's own API with it; it shares its canonicalization with the API's verifier
//! (`api::sigv4`).

use std::time::Duration;

use aws_sdk_sfn::{
    config::{
        BehaviorVersion, Credentials as SdkCredentials, Region, SharedHttpClient, http::HttpResponse,
        retry::RetryConfig, timeout::TimeoutConfig,
    },
    error::{ProvideErrorMetadata, SdkError},
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::{AwsSettings, Credentials, HttpEndpoint};
use crate::api::sigv4::{self, SignedRequest};

/// How long one attempt may take: an SQS long poll waits up to 20 s, so leave room for its answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a call may take, retries included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(75);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts per call (the SDK's standard retries: throttling, 5xx and connection errors, with
/// jittered backoff). The callback outbox and the poller retry beyond that themselves.
const MAX_ATTEMPTS: u32 = 3;

/// Why an AWS call failed.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The service could not be reached, did not answer in time, or answered something that
    /// is not a response of the operation.
    #[error("calling {endpoint}: {message}")]
    Transport {
        /// Where the call went.
        endpoint: String,
        /// Why it failed, with the SDK's chain of causes.
        message: String,
    },
    /// The service answered with an error.
    #[error("{kind}: {message} (HTTP {status})")]
    Service {
        /// The error code, like `TaskDoesNotExist`.
        kind: String,
        /// Its message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// The request could not be built (a credential with control characters, say).
    #[error("a request could not be built: {0}")]
    Header(String),
}

impl AwsError {
    /// Whether the token no longer names a waiting task: the decision is pointless, not late.
    pub fn task_is_gone(&self) -> bool {
        matches!(self, AwsError::Service { kind, .. }
            if kind == "TaskDoesNotExist" || kind == "TaskTimedOut" || kind == "InvalidToken")
    }

    /// Reads an SDK error of a call to `endpoint`.
    fn from_sdk<E>(endpoint: &HttpEndpoint, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match error {
            SdkError::ServiceError(context) => {
                let status = context.raw().status().as_u16();
                let error = context.err();
                AwsError::Service {
                    kind: error.code().unwrap_or("UnknownError").to_string(),
                    message: error.message().map(str::to_string).unwrap_or_else(|| error.to_string()),
                    status,
                }
            }
            SdkError::ConstructionFailure(_) => AwsError::Header(causes(&error)),
            other => AwsError::Transport { endpoint: endpoint.as_str().to_string(), message: causes(&other) },
        }
    }
}

/// An error and its sources, `: `-separated ("dispatch failure: io error: … UnknownIssuer").
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A channel's AWS client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AwsClient {
    states: aws_sdk_sfn::Client,
    sqs: aws_sdk_sqs::Client,
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
        Self::with_http_client(settings, crate::tls::aws_http_client())
    }

    /// A client for the channel's settings that sends through `http`.
    pub(crate) fn with_http_client(settings: AwsSettings, http: SharedHttpClient) -> Self {
        let credentials = SdkCredentials::new(
            settings.credentials.access_key_id.clone(),
            settings.credentials.secret_access_key.expose().to_string(),
            settings.credentials.session_token.clone(),
            None,
            "statehouse",
        );
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let retries = RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS);
        let region = Region::new(settings.region.clone());
        let states = aws_sdk_sfn::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region.clone())
            .endpoint_url(endpoint_url(&settings.states_endpoint))
            .credentials_provider(credentials.clone())
            .http_client(http.clone())
            .timeout_config(timeouts.clone())
            .retry_config(retries.clone())
            .build();
        let sqs = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region)
            .endpoint_url(endpoint_url(&settings.sqs_endpoint))
            .credentials_provider(credentials)
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(retries)
            .build();
        Self { states: aws_sdk_sfn::Client::from_conf(states), sqs: aws_sdk_sqs::Client::from_conf(sqs), settings }
    }

    /// SendTaskSuccess with `output` (a JSON value sent as text).
    pub async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), AwsError> {
        self.states
            .send_task_success()
            .task_token(token)
            .output(output.to_string())
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk(&self.settings.states_endpoint, error))
    }

    /// SendTaskFailure with an error and a cause.
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<(), AwsError> {
        self.states
            .send_task_failure()
            .task_token(token)
            .set_error(error.map(str::to_string))
            .set_cause(cause.map(str::to_string))
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk(&self.settings.states_endpoint, error))
    }

    /// ReceiveMessage: waits up to `wait_seconds` (at most 20) for up to ten messages.
    pub async fn receive_messages(&self, queue_url: &str, wait_seconds: u32) -> Result<Vec<QueueMessage>, AwsError> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_seconds.min(20) as i32)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&self.settings.sqs_endpoint, error))?;
        Ok(received
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|message| Some(QueueMessage { body: message.body?, receipt_handle: message.receipt_handle? }))
            .collect())
    }

    /// DeleteMessage.
    pub async fn delete_message(&self, queue_url: &str, receipt_handle: &str) -> Result<(), AwsError> {
        self.sqs
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk(&self.settings.sqs_endpoint, error))
    }
}

/// The endpoint as the SDK takes it: `scheme://host[:port]`, no trailing slash (the
/// operation's path `/` is appended).
fn endpoint_url(endpoint: &HttpEndpoint) -> String {
    endpoint.as_str().trim_end_matches('/').to_string()
}

/// The signature and headers of one signed JSON 1.0 request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Every header to send, `authorization` included, names lower-case.
    pub headers: Vec<(String, String)>,
}

/// Signs a `POST /` JSON 1.0 request to `host` for `service` at `now` (seconds since the Unix
/// epoch), SigV4 with the headers `content-type;host;x-amz-date;x-amz-target` (and the session
/// token when there is one). The portal's own calls go through the SDK; the tests sign their
/// calls to Statehouse's API with this.
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::{
        TlsAcceptor,
        rustls::{
            ServerConfig,
            crypto::ring,
            pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
        },
    };

    use super::*;
    use crate::{approvals::config::Secret, tls::ExtraRoots};

    fn settings(endpoint: &str) -> AwsSettings {
        let endpoint = HttpEndpoint::parse(endpoint).expect("an endpoint");
        AwsSettings {
            region: "us-east-1".into(),
            states_endpoint: endpoint.clone(),
            sqs_endpoint: endpoint,
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: Secret::new("secret"),
                session_token: Some("session-token".into()),
            },
        }
    }

    /// A CA (its PEM) and a certificate it signed for 127.0.0.1 (DER, with its key).
    fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Statehouse test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let key = rcgen::KeyPair::generate().expect("server key");
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("server params");
        let certificate = params.signed_by(&key, &ca).expect("server certificate");
        (ca.pem(), certificate.der().clone(), PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())))
    }

    /// An https Step Functions stand-in on a free port that answers every request with
    /// TaskDoesNotExist, and sends each request's head (lower-cased) to the returned channel.
    async fn start_step_functions(
        certificate: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
    ) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .expect("server TLS config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (heads, received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let (acceptor, heads) = (acceptor.clone(), heads.clone());
                tokio::spawn(async move {
                    // A failed handshake (the client does not trust us) just ends the connection.
                    let Ok(mut stream) = acceptor.accept(socket).await else { return };
                    let mut request = Vec::new();
                    let mut buffer = [0_u8; 4096];
                    loop {
                        let Ok(read) = stream.read(&mut buffer).await else { return };
                        if read == 0 {
                            return;
                        }
                        request.extend_from_slice(&buffer[..read]);
                        let text = String::from_utf8_lossy(&request).into_owned();
                        let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
                        let head = head.to_ascii_lowercase();
                        let length = head
                            .lines()
                            .filter_map(|line| line.split_once(':'))
                            .find(|(name, _)| *name == "content-length")
                            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= length {
                            heads.send(head).ok();
                            break;
                        }
                    }
                    let answer = r#"{"__type":"com.amazonaws.swf.service.v2.model#TaskDoesNotExist","message":"Task Does Not Exist"}"#;
                    let response = format!(
                        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                    stream.write_all(response.as_bytes()).await.ok();
                    stream.shutdown().await.ok();
                });
            }
        });
        (format!("https://{address}"), received)
    }

    /// Over https to a server whose CA is only in the extra roots: trusted with them (and the
    /// service's error read with its code, message and status), refused without them.
    #[tokio::test]
    async fn calls_https_endpoints_trusted_through_the_extra_roots() {
        let (ca, certificate, key) = certificates();
        let (endpoint, mut heads) = start_step_functions(certificate, key).await;
        let roots = ExtraRoots::from_pem(ca.as_bytes()).expect("a CA");

        let trusting = AwsClient::with_http_client(settings(&endpoint), crate::tls::aws_http_client_with(Some(&roots)));
        let error = trusting.send_task_success("a-token", &serde_json::json!({"ok": true})).await.expect_err("gone");
        assert!(
            matches!(&error, AwsError::Service { kind, message, status: 400 }
                if kind == "TaskDoesNotExist" && message == "Task Does Not Exist"),
            "{error:?}"
        );
        assert!(error.task_is_gone());
        let head = heads.recv().await.expect("a request");
        assert!(head.contains("x-amz-target: awsstepfunctions.sendtasksuccess"), "{head}");
        assert!(head.contains("authorization: aws4-hmac-sha256 credential=akidexample/"), "{head}");
        assert!(head.contains("x-amz-security-token: session-token"), "{head}");

        let untrusting = AwsClient::with_http_client(settings(&endpoint), crate::tls::aws_http_client_with(None));
        let error = untrusting.send_task_failure("a-token", Some("E"), None).await.expect_err("untrusted");
        assert!(matches!(&error, AwsError::Transport { .. }), "{error:?}");
        assert!(error.to_string().contains("invalid peer certificate: UnknownIssuer"), "{error}");
        assert!(!error.task_is_gone());
    }

    /// Nothing listening: a transport error that names the endpoint, not a gone task.
    #[tokio::test]
    async fn an_unreachable_endpoint_is_a_transport_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
        let client = AwsClient::new(settings(&format!("http://127.0.0.1:{port}")));
        let error = client.delete_message("http://127.0.0.1/queue/q", "handle").await.expect_err("refused");
        assert!(
            matches!(&error, AwsError::Transport { endpoint, .. } if endpoint == &format!("http://127.0.0.1:{port}/")),
            "{error:?}"
        );
        assert!(!error.task_is_gone());
    }

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

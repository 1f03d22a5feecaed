//! `POST /approvals/intake/<channel>`: requests from real AWS through an EventBridge API
//! destination or a Lambda. The body is the request message (the same shape as a queue
//! message); the header `X-Statehouse-Secret` must hold the channel's `intake_secret`
//! (compared in constant time). The decision goes back to AWS Step Functions.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Approvals, message};

/// The header that carries the channel's shared secret.
pub const SECRET_HEADER: &str = "x-statehouse-secret";

fn answer(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

/// Whether `given` is `expected`, in time that depends on neither (both are hashed first).
pub fn secrets_match(given: &[u8], expected: &[u8]) -> bool {
    let (given, expected) = (Sha256::digest(given), Sha256::digest(expected));
    given.iter().zip(expected.iter()).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}

/// The intake handler.
pub async fn intake(
    State(approvals): State<Approvals>,
    Path(channel_name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(channel) = approvals.channel(&channel_name).cloned() else {
        return answer(StatusCode::NOT_FOUND, &format!("there is no approval channel named {channel_name:?}"));
    };
    let Some(expected) = channel.intake_secret.as_ref() else {
        return answer(
            StatusCode::NOT_FOUND,
            &format!("the approval channel {channel_name:?} takes no HTTP intake (it has no intake_secret)"),
        );
    };
    let Some(given) = headers.get(SECRET_HEADER) else {
        return answer(
            StatusCode::UNAUTHORIZED,
            "missing the X-Statehouse-Secret header with the channel's intake secret",
        );
    };
    if !secrets_match(given.as_bytes(), expected.expose().as_bytes()) {
        return answer(
            StatusCode::FORBIDDEN,
            "the X-Statehouse-Secret header does not match the channel's intake secret",
        );
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return answer(StatusCode::BAD_REQUEST, &format!("the body is not JSON: {error}")),
    };
    let remote = match message::read_remote(&value) {
        Ok(remote) => remote,
        Err(error) => return answer(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    match approvals.record_remote(&channel, remote).await {
        Ok(true) => (StatusCode::ACCEPTED, Json(json!({"recorded": true}))).into_response(),
        Ok(false) => (
            StatusCode::OK,
            Json(json!({"recorded": false, "message": "a request with this task token is already known"})),
        )
            .into_response(),
        Err(super::ApprovalsError::Refused(reason)) => answer(
            StatusCode::BAD_REQUEST,
            &format!("{reason}; the task was failed with {}", super::REQUEST_INVALID_ERROR),
        ),
        Err(error) => {
            tracing::error!(channel = %channel_name, %error, "recording an intake request failed");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "the request could not be recorded; try again")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(secrets_match(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!secrets_match(b"0123456789abcdeX", b"0123456789abcdef"));
        assert!(!secrets_match(b"0123456789abcde", b"0123456789abcdef"));
        assert!(!secrets_match(b"", b"0123456789abcdef"));
    }
}

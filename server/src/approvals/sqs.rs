//! The SQS poller of a real-AWS channel: long-polls its queue (ReceiveMessage through the
//! AWS SDK, `aws::AwsClient`), records each message as a request (idempotent by token), then
//! deletes it. A message that is not a request is left on the queue for its redrive policy.

use std::time::Duration;

use super::{Approvals, aws::AwsClient, message};

/// How long one ReceiveMessage waits for messages (SQS's maximum).
pub const WAIT_SECONDS: u32 = 20;

/// Polls until the process ends.
pub async fn run_poller(approvals: Approvals, channel_name: String, queue_url: String, client: AwsClient) {
    let Some(channel) = approvals.channel(&channel_name).cloned() else {
        return;
    };
    tracing::info!(channel = %channel_name, queue = %queue_url, "polling the approval queue");
    let mut failures: u32 = 0;
    loop {
        let messages = match client.receive_messages(&queue_url, WAIT_SECONDS).await {
            Ok(messages) => {
                failures = 0;
                messages
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let wait = Duration::from_millis(500u64.saturating_mul(1 << failures.min(7)).min(60_000));
                tracing::warn!(channel = %channel_name, %error, retry_in = ?wait, "polling the approval queue failed");
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        for queued in messages {
            let body = serde_json::Value::String(queued.body.clone());
            let remote = match message::read_remote(&body) {
                Ok(remote) => remote,
                Err(error) => {
                    tracing::warn!(channel = %channel_name, %error, "a queue message is not an approval request; left on the queue");
                    continue;
                }
            };
            match approvals.record_remote(&channel, remote).await {
                Ok(recorded) => {
                    if !recorded {
                        tracing::info!(channel = %channel_name, "a queued request was already known (same token)");
                    }
                    if let Err(error) = client.delete_message(&queue_url, &queued.receipt_handle).await {
                        // It comes back after its visibility timeout, and is then known by its token.
                        tracing::warn!(channel = %channel_name, %error, "deleting a recorded queue message failed");
                    }
                }
                Err(super::ApprovalsError::Refused(reason)) => {
                    // Its task was failed on AWS: nothing is left to decide.
                    tracing::warn!(channel = %channel_name, %reason, "a queued approval request was refused");
                    if let Err(error) = client.delete_message(&queue_url, &queued.receipt_handle).await {
                        tracing::warn!(channel = %channel_name, %error, "deleting a refused queue message failed");
                    }
                }
                Err(error) => {
                    tracing::error!(channel = %channel_name, %error, "recording a queued approval request failed; it stays on the queue");
                }
            }
        }
    }
}

//! Reminders and escalation: before a request's deadline, the approvers who have not decided
//! get a reminder (the channel's `remind_before`); after `escalate_after` without a decision,
//! the channel's `escalate_to` list gets links of its own. Each is sent once, its mails
//! written through the outbox in the same transaction that marks it sent.

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;

use super::{
    Approvals, ApprovalsError,
    mail::MailContent,
    store::{self, DueFollowUp, FollowUpKind},
};
use crate::engine::now_millis;

/// Sends due reminders and escalations until the process ends; `wake` says a request with
/// one was recorded.
pub async fn run_worker(approvals: Approvals, wake: Arc<Notify>) {
    loop {
        let mut now = now_millis();
        let mut due = store::due_follow_ups(approvals.pool(), now).await;
        if due.as_ref().is_ok_and(|due| !due.is_empty()) {
            // No reminder for a task that no longer waits (it timed out and a Catch went on).
            super::ended::sweep(approvals.pool(), approvals.engine()).await;
            now = now_millis();
            due = store::due_follow_ups(approvals.pool(), now).await;
        }
        match due {
            Ok(due) => {
                for follow_up in due {
                    if let Err(error) = send(&approvals, &follow_up, now).await {
                        tracing::error!(request = follow_up.request_id, %error, "sending an approval reminder or escalation");
                    }
                }
            }
            Err(error) => tracing::error!(%error, "reading due approval reminders"),
        }
        let wait = match store::next_follow_up(approvals.pool()).await {
            Ok(Some(due)) => Duration::from_millis(due.saturating_sub(now_millis()).clamp(50, 5_000) as u64),
            Ok(None) => Duration::from_secs(5),
            Err(error) => {
                tracing::error!(%error, "reading due approval reminders");
                Duration::from_secs(5)
            }
        };
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn send(approvals: &Approvals, due: &DueFollowUp, now: i64) -> Result<(), ApprovalsError> {
    let template = MailContent::for_stored_request(
        &due.subject,
        &due.state_machine_arn,
        &due.execution_arn,
        &due.state_name,
        &due.details,
        due.deadline.as_deref(),
    );
    // A new link works for a full lifetime, but never past the request's deadline.
    let expiry = super::LinkExpiry::new(now, approvals.link_lifetime(&due.channel), due.deadline.as_deref());
    let links = store::request_links(approvals.pool(), due.request_id).await?;
    let (kind, mails) = if due.is_reminder {
        let mut mails = Vec::new();
        for (id, approver, decided) in links {
            if !decided {
                // A new key: the reminder's link works for a full lifetime, the older mail's no more.
                mails.push(approvals.link_mail(
                    &template,
                    Some(id),
                    approver,
                    "Reminder: approval requested",
                    expiry,
                )?);
            }
        }
        (FollowUpKind::Reminder, mails)
    } else {
        let escalate_to = approvals
            .channel(&due.channel)
            .and_then(|channel| channel.escalation.as_ref())
            .map(|escalation| escalation.to.clone())
            .unwrap_or_default();
        let mut mails = Vec::new();
        for approver in escalate_to {
            if !links.iter().any(|(_, existing, _)| existing.eq_ignore_ascii_case(&approver)) {
                mails.push(approvals.link_mail(&template, None, approver, "Escalated: approval requested", expiry)?);
            }
        }
        (FollowUpKind::Escalation, mails)
    };
    if store::record_follow_up(approvals.pool(), due.request_id, kind, &mails, now).await? {
        tracing::info!(request = due.request_id, ?kind, mails = mails.len(), "approval follow-up written");
        approvals.wake_mails();
    }
    Ok(())
}

//! How approvers' decisions make one decision: pure, so the rules are tested on their own.

use super::config::Policy;

/// A request's final outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// SendTaskSuccess with the approval.
    Approved,
    /// SendTaskFailure with the channel's rejection error.
    Rejected,
}

/// The outcome once `approvals` and `rejections` of `approvers` are in, or `None` while more
/// decisions are needed. Any rejection rejects; a quorum larger than the approvers a message
/// named is capped at their number, so a request can always be approved.
pub fn outcome(policy: Policy, approvers: usize, approvals: usize, rejections: usize) -> Option<Outcome> {
    if rejections > 0 {
        return Some(Outcome::Rejected);
    }
    let needed = match policy {
        Policy::Any => 1,
        Policy::All => approvers.max(1),
        Policy::Quorum(count) => (count as usize).min(approvers.max(1)),
    };
    (approvals >= needed).then_some(Outcome::Approved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_all_and_quorum() {
        let cases = [
            (Policy::Any, 3, 0, 0, None),
            (Policy::Any, 3, 1, 0, Some(Outcome::Approved)),
            (Policy::Any, 3, 0, 1, Some(Outcome::Rejected)),
            (Policy::All, 3, 2, 0, None),
            (Policy::All, 3, 3, 0, Some(Outcome::Approved)),
            (Policy::All, 3, 2, 1, Some(Outcome::Rejected)),
            (Policy::Quorum(2), 3, 1, 0, None),
            (Policy::Quorum(2), 3, 2, 0, Some(Outcome::Approved)),
            (Policy::Quorum(2), 3, 1, 1, Some(Outcome::Rejected)),
            (Policy::Quorum(5), 2, 2, 0, Some(Outcome::Approved)),
        ];
        for (policy, approvers, approvals, rejections, expected) in cases {
            assert_eq!(
                outcome(policy, approvers, approvals, rejections),
                expected,
                "{policy} {approvers} {approvals} {rejections}"
            );
        }
    }
}

//! A job's lifecycle as the light side reads it, stated once: which states are final, who
//! holds a job, the names of states, verdicts and refund reasons as reports, scenario files and
//! the dashboard spell them, and ([`history`]) the fold of chain events into a job's history.
//! The chain's own statement is `pallet-compute`; a new state or variant is added here and
//! nowhere else on the light side.

mod history;

pub use history::{End, Histories, JobHistory, Milestone};

use crate::chain::{market, AccountId32, JobStatus};

/// The account protocol fees, forfeited bonds and slashes go to: the runtime's
/// `PalletId(*b"cr/fees!")` as an account id.
pub fn fee_account() -> [u8; 32] {
    let mut a = [0u8; 32];
    a[..4].copy_from_slice(b"modl");
    a[4..12].copy_from_slice(b"cr/fees!");
    a
}

/// Whether a job's state is final: it holds no escrow and never changes again (the chain
/// removes it after the retention period).
pub fn is_terminal(status: &JobStatus) -> bool {
    matches!(
        status,
        JobStatus::Completed { .. } | JobStatus::Refunded { .. } | JobStatus::Cancelled | JobStatus::Expired
    )
}

/// Every state's name, in lifecycle order (what [`status_name`] returns).
pub const STATUS_NAMES: [&str; 8] =
    ["open", "assigned", "submitted", "disputed", "completed", "refunded", "cancelled", "expired"];

/// A job's state by name, as reports spell it (`open`, `assigned`, `submitted`, ...).
pub fn status_name(status: &JobStatus) -> &'static str {
    match status {
        JobStatus::Open { .. } => "open",
        JobStatus::Assigned { .. } => "assigned",
        JobStatus::Submitted { .. } => "submitted",
        JobStatus::Disputed { .. } => "disputed",
        JobStatus::Completed { .. } => "completed",
        JobStatus::Refunded { .. } => "refunded",
        JobStatus::Cancelled => "cancelled",
        JobStatus::Expired => "expired",
    }
}

/// The node holding a job that is not settled yet (assigned, in its challenge window, disputed).
pub fn holder(status: &JobStatus) -> Option<&AccountId32> {
    match status {
        JobStatus::Assigned { node, .. } | JobStatus::Submitted { node, .. } | JobStatus::Disputed { node, .. } => {
            Some(node)
        }
        _ => None,
    }
}

/// The result a node posted, once there is one (in its challenge window, disputed or paid).
pub fn posted_result(status: &JobStatus) -> Option<&market::JobResult> {
    match status {
        JobStatus::Submitted { result, .. }
        | JobStatus::Disputed { result, .. }
        | JobStatus::Completed { result, .. } => Some(result),
        _ => None,
    }
}

/// A dispute's verdict as scenario files spell it (`node-wrong`, ...).
pub fn verdict_name(outcome: &market::DisputeOutcome) -> &'static str {
    match outcome {
        market::DisputeOutcome::NodeWrong => "node-wrong",
        market::DisputeOutcome::ChallengerWrong => "challenger-wrong",
        market::DisputeOutcome::NoQuorum => "no-quorum",
        market::DisputeOutcome::Tie => "tie",
    }
}

/// A refund's reason as scenario files spell it (`result-rejected`, ...).
pub fn refund_reason_name(reason: &market::RefundReason) -> &'static str {
    match reason {
        market::RefundReason::ResultRejected => "result-rejected",
        market::RefundReason::AttemptsExhausted => "attempts-exhausted",
        market::RefundReason::Undecided => "undecided",
    }
}

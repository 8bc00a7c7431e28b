//! A job's lifecycle as the light side reads it, stated once: which states are final, who
//! holds a job, the names of states, verdicts and refund reasons as reports, scenario files and
//! the dashboard spell them, and ([`history`]) the fold of chain events into a job's history.
//! The chain's own statement is `pallet-compute`; a new state or variant is added here and
//! nowhere else on the light side.

mod history;

pub use history::{Histories, JobHistory, Milestone};

use crate::chain::{market, AccountId32, JobStatus};
use serde::{Deserialize, Serialize};

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

/// How a job ended, as scenario files and reports spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The node was paid (the protocol took its fee).
    Completed,
    /// The requester got the budget back after a node was at fault or a dispute was undecided.
    Refunded,
    /// The requester withdrew the job while it was open.
    Cancelled,
    /// Nobody accepted the job in time.
    Expired,
    /// The chain refused the submission itself: no job was created.
    Refused,
}

/// Why a job was refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RefundReason {
    /// The committee found the node's result wrong.
    ResultRejected,
    /// Every attempt timed out.
    AttemptsExhausted,
    /// The dispute ended without a verdict (no quorum, or a tie).
    Undecided,
}

/// How the committee decided a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The challenge was upheld: node slashed, requester refunded.
    NodeWrong,
    /// The challenge was rejected: bond forfeited, node paid.
    ChallengerWrong,
    /// Too few votes: no verdict; requester refunded, bond forfeited, node not slashed.
    NoQuorum,
    /// As many votes each way: handled like `no-quorum`.
    Tie,
}

impl Outcome {
    /// The spelling in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Refused => "refused",
        }
    }
}

impl RefundReason {
    /// The chain's reason.
    pub fn of(reason: &market::RefundReason) -> Self {
        match reason {
            market::RefundReason::ResultRejected => Self::ResultRejected,
            market::RefundReason::AttemptsExhausted => Self::AttemptsExhausted,
            market::RefundReason::Undecided => Self::Undecided,
        }
    }

    /// The spelling in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ResultRejected => "result-rejected",
            Self::AttemptsExhausted => "attempts-exhausted",
            Self::Undecided => "undecided",
        }
    }
}

impl Verdict {
    /// The chain's verdict.
    pub fn of(outcome: &market::DisputeOutcome) -> Self {
        match outcome {
            market::DisputeOutcome::NodeWrong => Self::NodeWrong,
            market::DisputeOutcome::ChallengerWrong => Self::ChallengerWrong,
            market::DisputeOutcome::NoQuorum => Self::NoQuorum,
            market::DisputeOutcome::Tie => Self::Tie,
        }
    }

    /// The spelling in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NodeWrong => "node-wrong",
            Self::ChallengerWrong => "challenger-wrong",
            Self::NoQuorum => "no-quorum",
            Self::Tie => "tie",
        }
    }
}

macro_rules! display_as_str {
    ($($ty:ty),*) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(Outcome, RefundReason, Verdict);

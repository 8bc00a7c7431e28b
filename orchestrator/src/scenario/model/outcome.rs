//! What a scenario asserts: each job's terminal state and how it got there, plus checks on
//! the network as a whole.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::topology::Name;
use cr_protocol::lifecycle::Verdict;
pub use cr_protocol::lifecycle::{Outcome, RefundReason};

/// How a job's dispute ended (a [`Verdict`]), or that it had none: what scenario files expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dispute {
    /// Nobody challenged the result.
    None,
    /// The committee upheld the challenge: node slashed, requester refunded.
    NodeWrong,
    /// The committee rejected the challenge: bond forfeited, node paid.
    ChallengerWrong,
    /// Too few votes: no verdict; requester refunded, bond forfeited, node not slashed.
    NoQuorum,
    /// As many votes each way: handled like `no-quorum`.
    Tie,
}

impl Dispute {
    /// The spelling in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::NodeWrong => Verdict::NodeWrong.as_str(),
            Self::ChallengerWrong => Verdict::ChallengerWrong.as_str(),
            Self::NoQuorum => Verdict::NoQuorum.as_str(),
            Self::Tie => Verdict::Tie.as_str(),
        }
    }
}

impl From<Option<Verdict>> for Dispute {
    fn from(verdict: Option<Verdict>) -> Self {
        match verdict {
            None => Self::None,
            Some(Verdict::NodeWrong) => Self::NodeWrong,
            Some(Verdict::ChallengerWrong) => Self::ChallengerWrong,
            Some(Verdict::NoQuorum) => Self::NoQuorum,
            Some(Verdict::Tie) => Self::Tie,
        }
    }
}

impl fmt::Display for Dispute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What must happen to every copy of one job. Only combinations that can happen on chain
/// get through validation (e.g. a refund reason only with `Refunded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobExpectation {
    pub(crate) job: Name,
    pub(crate) outcome: Outcome,
    pub(crate) within_blocks: Option<NonZeroU32>,
    pub(crate) reason: Option<RefundReason>,
    pub(crate) dispute: Option<Dispute>,
    pub(crate) node_group: Option<Name>,
    pub(crate) timeouts: Option<u32>,
    pub(crate) error: Option<String>,
    pub(crate) refusals: Vec<String>,
}

impl JobExpectation {
    /// The job, by its name in the file (every copy must meet the expectation).
    pub fn job(&self) -> &Name {
        &self.job
    }
    /// The terminal state.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }
    /// Most blocks from submission to the terminal state, if checked.
    pub fn within_blocks(&self) -> Option<NonZeroU32> {
        self.within_blocks
    }
    /// Why it was refunded, if checked; only with [`Outcome::Refunded`].
    pub fn reason(&self) -> Option<RefundReason> {
        self.reason
    }
    /// How its dispute ended, if checked.
    pub fn dispute(&self) -> Option<Dispute> {
        self.dispute
    }
    /// The compute group of the node paid (completed) or slashed (refunded), if checked.
    pub fn node_group(&self) -> Option<&Name> {
        self.node_group.as_ref()
    }
    /// Number of attempts that timed out, if checked.
    pub fn timeouts(&self) -> Option<u32> {
        self.timeouts
    }
    /// The marketplace error the submission must be refused with; only with
    /// [`Outcome::Refused`].
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
    /// Marketplace errors the chain must have answered calls on this job with (an attack
    /// tried and refused), e.g. `PartyToDispute`.
    pub fn refusals(&self) -> &[String] {
        &self.refusals
    }
}

/// Everything a scenario asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectations {
    pub(crate) jobs: Vec<JobExpectation>,
    pub(crate) finality_advances: u32,
    pub(crate) all_terminal: bool,
    pub(crate) invariants: bool,
}

impl Expectations {
    /// Per-job expectations, in file order, at most one per job.
    pub fn jobs(&self) -> &[JobExpectation] {
        &self.jobs
    }
    /// The expectation for the job named `group` in the file, if any.
    pub fn job(&self, group: &Name) -> Option<&JobExpectation> {
        self.jobs.iter().find(|e| e.job == *group)
    }
    /// Blocks the finalized head must advance by during the scenario; 0 skips the check.
    pub fn finality_advances(&self) -> u32 {
        self.finality_advances
    }
    /// Whether every job must end in a terminal state before the timeout.
    pub fn all_terminal(&self) -> bool {
        self.all_terminal
    }
    /// Whether the economic invariant (no balance created or destroyed) is checked at every
    /// block.
    pub fn invariants(&self) -> bool {
        self.invariants
    }
}

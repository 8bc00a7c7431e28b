//! The fold of chain events into each job's history: the block of every milestone, how it
//! ended, its dispute, timeouts, slashes and refused calls. Scenarios, load runs and the
//! dashboard all read jobs through this one fold.

use super::{Outcome, RefundReason, Verdict};
use crate::chain::{AccountId32, MarketEvent, RefusedCall};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A point in a job's life (scenario files trigger faults on these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Milestone {
    /// The job is on chain (open).
    Submitted,
    /// A node accepted it.
    Accepted,
    /// A node posted its result.
    Result,
    /// Someone challenged the result.
    Challenged,
    /// The job reached a terminal state.
    Settled,
}

impl Milestone {
    /// The spelling in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Result => "result",
            Self::Challenged => "challenged",
            Self::Settled => "settled",
        }
    }
}

impl std::fmt::Display for Milestone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One job's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobHistory {
    pub job_id: u64,
    pub budget: u128,
    #[serde(skip)]
    pub requester: Option<AccountId32>,
    pub submitted: Option<u64>,
    pub accepted: Option<u64>,
    pub result: Option<u64>,
    pub challenged: Option<u64>,
    pub settled: Option<u64>,
    pub end: Option<Outcome>,
    /// Refund reason, for refunded jobs.
    pub refund_reason: Option<RefundReason>,
    /// Dispute outcome, when disputed.
    pub dispute: Option<Verdict>,
    pub votes_valid: u32,
    pub votes_invalid: u32,
    /// Timed-out attempts.
    pub timeouts: u32,
    /// The node that took the last attempt (paid when completed, slashed when it lost).
    #[serde(skip)]
    pub node: Option<AccountId32>,
    /// Name of that node, filled in by the runner.
    pub node_name: Option<String>,
    /// Slashes tied to this job: (node, amount).
    #[serde(skip)]
    pub slashed: Vec<(AccountId32, u128)>,
    pub node_payout: Option<u128>,
    pub protocol_fee: Option<u128>,
    /// The error the chain refused the submission with, for refused jobs.
    pub refused_with: Option<String>,
    /// Calls on this job the chain refused: `block #N: Compute.vote by <who>: PartyToDispute`.
    pub refusals: Vec<String>,
    /// The marketplace errors of those refusals, for expectations.
    #[serde(skip)]
    pub refusal_errors: Vec<String>,
}

/// Every job seen, by chain id.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Histories {
    pub jobs: BTreeMap<u64, JobHistory>,
}

impl JobHistory {
    /// The block in which the job first reached `milestone`, if it has.
    pub fn reached(&self, milestone: Milestone) -> Option<u64> {
        match milestone {
            Milestone::Submitted => self.submitted,
            Milestone::Accepted => self.accepted,
            Milestone::Result => self.result,
            Milestone::Challenged => self.challenged,
            Milestone::Settled => self.settled,
        }
    }
}

impl Histories {
    /// Record one block's events.
    pub fn apply(&mut self, block: u64, events: &[MarketEvent]) {
        for event in events {
            self.apply_one(block, event);
        }
    }

    fn job(&mut self, job_id: u64) -> &mut JobHistory {
        self.jobs.entry(job_id).or_insert_with(|| JobHistory { job_id, ..JobHistory::default() })
    }

    fn apply_one(&mut self, block: u64, event: &MarketEvent) {
        use MarketEvent as E;
        match event {
            E::JobSubmitted { job_id, requester, budget, .. } => {
                let t = self.job(*job_id);
                t.submitted = Some(block);
                t.budget = *budget;
                t.requester = Some(*requester);
            }
            E::JobAccepted { job_id, node, .. } => {
                let t = self.job(*job_id);
                t.accepted.get_or_insert(block);
                t.node = Some(*node);
            }
            E::ResultSubmitted { job_id, .. } => {
                self.job(*job_id).result.get_or_insert(block);
            }
            E::JobChallenged { job_id, .. } => {
                self.job(*job_id).challenged.get_or_insert(block);
            }
            E::DisputeResolved { job_id, outcome, votes_valid, votes_invalid } => {
                let t = self.job(*job_id);
                t.dispute = Some(Verdict::of(outcome));
                (t.votes_valid, t.votes_invalid) = (*votes_valid, *votes_invalid);
            }
            E::JobTimedOut { job_id, .. } => self.job(*job_id).timeouts += 1,
            E::NodeSlashed { node, job_id, amount, .. } => self.job(*job_id).slashed.push((*node, *amount)),
            E::JobCompleted { job_id, node, node_payout, protocol_fee } => {
                let t = self.job(*job_id);
                t.end = Some(Outcome::Completed);
                t.settled = Some(block);
                t.node = Some(*node);
                (t.node_payout, t.protocol_fee) = (Some(*node_payout), Some(*protocol_fee));
            }
            E::JobRefunded { job_id, reason, .. } => {
                let t = self.job(*job_id);
                t.end = Some(Outcome::Refunded);
                t.settled = Some(block);
                t.refund_reason = Some(RefundReason::of(reason));
            }
            E::JobCancelled { job_id, .. } => {
                let t = self.job(*job_id);
                (t.end, t.settled) = (Some(Outcome::Cancelled), Some(block));
            }
            E::JobExpired { job_id, .. } => {
                let t = self.job(*job_id);
                (t.end, t.settled) = (Some(Outcome::Expired), Some(block));
            }
            _ => {}
        }
    }

    /// Record the calls of a block the chain refused, on the jobs they named; `who` names an
    /// account for the message.
    pub fn apply_refused(&mut self, block: u64, refused: &[RefusedCall], who: impl Fn(&AccountId32) -> String) {
        for r in refused {
            let Some(job_id) = r.job_id else { continue };
            let by = r.signer.as_ref().map_or_else(|| "an unsigned call".to_owned(), &who);
            let t = self.job(job_id);
            t.refusals.push(format!("block #{block}: {} by {by} refused: {}", r.call, r.error));
            t.refusal_errors.push(r.error.clone());
        }
    }

    /// Whether every job seen has ended.
    pub fn all_ended(&self) -> bool {
        self.jobs.values().all(|t| t.end.is_some())
    }
}

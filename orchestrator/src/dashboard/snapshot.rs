//! What the page shows, as one JSON document rebuilt at every block: the chain, the validators,
//! the fleet, and every job on its pipeline stage.

use super::fleet::FleetRow;
use crate::topology::UNITS_PER_TOKEN;
use cr_protocol::chain::{AccountId32, Job, JobStatus};
use cr_protocol::lifecycle::JobHistory;
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether the page has a live chain to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// No node answers (yet): the seed's "Waiting for chain connection".
    #[default]
    Waiting,
    /// Blocks arrive.
    Live,
    /// Connected, but no block for several block times.
    Stalled,
}

/// One recent block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockRow {
    pub number: u64,
    pub hash: String,
    /// Extrinsics, the timestamp inherent included.
    pub extrinsics: usize,
    pub timestamp_ms: u64,
}

/// A validator container.
#[derive(Debug, Clone, Serialize)]
pub struct ValidatorRow {
    pub name: String,
    pub up: bool,
    pub status: String,
}

/// The pipeline's columns on the page, in order; every job stands in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Column {
    /// Submitted, budget held in escrow, waiting for a node.
    EscrowLocked,
    /// Assigned to a node, which is executing it.
    Executing,
    /// Result hash on chain; may be challenged for `blocks_left` more blocks.
    ChallengeWindow,
    /// Challenged; the committee votes.
    Disputed,
    /// Paid: node 90%, protocol 10% (with this chain's fee).
    Completed,
    /// Refunded, cancelled or expired.
    Closed,
}

/// One job.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    pub id: u64,
    pub column: Column,
    /// Human words for the stage: "challenge window", "refunded (result rejected)", ...
    pub label: String,
    pub budget: String,
    pub node: Option<String>,
    pub result_hash: Option<String>,
    /// Blocks left in the challenge window or the vote.
    pub blocks_left: Option<u64>,
    /// Committee votes that the result is valid / invalid (live while disputed, final after).
    pub votes_valid: Option<u32>,
    pub votes_invalid: Option<u32>,
    pub dispute_outcome: Option<String>,
    pub node_payout: Option<String>,
    pub protocol_fee: Option<String>,
}

/// Everything on the page.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Snapshot {
    /// Increases with every update; the page asks for anything newer than what it has.
    pub seq: u64,
    pub testnet: String,
    pub health: Health,
    pub message: String,
    pub runtime: Option<String>,
    pub spec_version: Option<u32>,
    pub best: u64,
    pub finalized: u64,
    /// Mean of the last block intervals, from block timestamps.
    pub block_time_ms: Option<f64>,
    pub blocks: Vec<BlockRow>,
    pub validators: Vec<ValidatorRow>,
    pub fleet: Vec<FleetRow>,
    pub jobs: Vec<JobRow>,
}

/// Tokens with up to 4 decimals: `"900"`, `"12.5"`.
pub fn tokens(base_units: u128) -> String {
    let whole = base_units / UNITS_PER_TOKEN;
    let frac = (base_units % UNITS_PER_TOKEN) * 10_000 / UNITS_PER_TOKEN;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:04}").trim_end_matches('0'))
    }
}

/// A job as the page shows it at block `best`.
///
/// `history` is what the chain forgets once a job is refunded: the node of its last attempt
/// and the final votes of its dispute, folded from the events seen since the page started.
pub fn job_row(
    id: u64,
    job: &Job,
    best: u64,
    names: &BTreeMap<[u8; 32], String>,
    history: Option<&JobHistory>,
) -> JobRow {
    let name = |a: &AccountId32| names.get(&a.0).cloned().unwrap_or_else(|| a.to_string());
    let left = |until: u32| Some(u64::from(until).saturating_sub(best));
    let mut row = JobRow {
        id,
        column: Column::EscrowLocked,
        label: "escrow locked, waiting for a node".into(),
        budget: tokens(job.budget),
        node: None,
        result_hash: None,
        blocks_left: None,
        votes_valid: None,
        votes_invalid: None,
        dispute_outcome: None,
        node_payout: None,
        protocol_fee: None,
    };
    if let Some(h) = history {
        row.node = h.node.as_ref().map(name);
        if let Some(verdict) = h.dispute {
            (row.votes_valid, row.votes_invalid, row.dispute_outcome) =
                (Some(h.votes_valid), Some(h.votes_invalid), Some(verdict.as_str().to_owned()));
        }
    }
    match &job.status {
        JobStatus::Open { .. } => {}
        JobStatus::Assigned { node, .. } => {
            (row.column, row.label, row.node) = (Column::Executing, "assigned, executing".into(), Some(name(node)));
        }
        JobStatus::Submitted { node, result, challenge_until } => {
            (row.column, row.label, row.node) =
                (Column::ChallengeWindow, "result submitted, challenge window".into(), Some(name(node)));
            row.result_hash = Some(format!("0x{}", hex::encode(result.output_hash.0)));
            row.blocks_left = left(*challenge_until);
        }
        JobStatus::Disputed { node, result, votes, voting_until, .. } => {
            (row.column, row.label, row.node) =
                (Column::Disputed, "disputed, committee voting".into(), Some(name(node)));
            row.result_hash = Some(format!("0x{}", hex::encode(result.output_hash.0)));
            row.blocks_left = left(*voting_until);
            let valid = votes.0.iter().filter(|(_, v)| *v).count() as u32;
            (row.votes_valid, row.votes_invalid) = (Some(valid), Some(votes.0.len() as u32 - valid));
        }
        JobStatus::Completed { node, result, node_payout, protocol_fee } => {
            (row.column, row.label, row.node) = (Column::Completed, "completed".into(), Some(name(node)));
            row.result_hash = Some(format!("0x{}", hex::encode(result.output_hash.0)));
            (row.node_payout, row.protocol_fee) = (Some(tokens(*node_payout)), Some(tokens(*protocol_fee)));
        }
        JobStatus::Refunded { reason } => {
            let why = cr_protocol::lifecycle::RefundReason::of(reason).as_str().replace('-', " ");
            (row.column, row.label) = (Column::Closed, format!("refunded ({why})"));
        }
        JobStatus::Cancelled => (row.column, row.label) = (Column::Closed, "cancelled".into()),
        JobStatus::Expired => (row.column, row.label) = (Column::Closed, "expired".into()),
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use cr_protocol::chain::market;

    #[test]
    fn tokens_print_short() {
        assert_eq!(tokens(0), "0");
        assert_eq!(tokens(900 * UNITS_PER_TOKEN), "900");
        assert_eq!(tokens(12 * UNITS_PER_TOKEN + UNITS_PER_TOKEN / 2), "12.5");
        assert_eq!(tokens(UNITS_PER_TOKEN / 10_000), "0.0001");
    }

    fn job(status: JobStatus) -> Job {
        market::Job {
            requester: AccountId32([1; 32]),
            spec_hash: cr_protocol::chain::H256([0; 32]),
            spec_uri: cr_protocol::chain::uri("http://store/blobs/00").unwrap_or_else(|e| panic!("{e}")),
            requirements: cr_protocol::chain::requirements(1, 256, 0, 0, None).unwrap_or_else(|e| panic!("{e}")),
            budget: 100 * UNITS_PER_TOKEN,
            execute_within: 10,
            accept_within: 10,
            submitted_at: 1,
            attempt: 1,
            stake_at_risk: 0,
            status,
        }
    }

    fn result() -> market::JobResult {
        market::JobResult {
            output_hash: cr_protocol::chain::H256([0xab; 32]),
            uri: cr_protocol::chain::uri("http://store/blobs/ab").unwrap_or_else(|e| panic!("{e}")),
        }
    }

    #[test]
    fn every_status_has_its_stage() {
        let names: BTreeMap<_, _> = [([2; 32], "cpu-0".to_owned())].into();
        let node = AccountId32([2; 32]);
        let row = |s| job_row(7, &job(s), 10, &names, None);
        assert_eq!(row(JobStatus::Open { expires_at: 20 }).column, Column::EscrowLocked);
        let r = row(JobStatus::Assigned { node, deadline: 20 });
        assert_eq!((r.column, r.node.as_deref()), (Column::Executing, Some("cpu-0")));
        let r = row(JobStatus::Submitted { node, result: result(), challenge_until: 14 });
        assert_eq!((r.column, r.blocks_left), (Column::ChallengeWindow, Some(4)));
        assert_eq!(r.result_hash.as_deref().map(str::len), Some(66));
        let votes = cr_protocol::chain::api::runtime_types::bounded_collections::bounded_vec::BoundedVec(vec![
            (AccountId32([3; 32]), false),
            (AccountId32([4; 32]), true),
            (AccountId32([5; 32]), false),
        ]);
        let r = row(JobStatus::Disputed {
            node,
            result: result(),
            challenger: AccountId32([3; 32]),
            bond: 1,
            votes,
            voting_until: 12,
        });
        assert_eq!(
            (r.column, r.votes_valid, r.votes_invalid, r.blocks_left),
            (Column::Disputed, Some(1), Some(2), Some(2))
        );
        let r = row(JobStatus::Completed {
            node,
            result: result(),
            node_payout: 90 * UNITS_PER_TOKEN,
            protocol_fee: 10 * UNITS_PER_TOKEN,
        });
        assert_eq!(
            (r.column, r.node_payout.as_deref(), r.protocol_fee.as_deref()),
            (Column::Completed, Some("90"), Some("10"))
        );
        let r = row(JobStatus::Refunded { reason: market::RefundReason::ResultRejected });
        assert_eq!((r.column, r.label.as_str()), (Column::Closed, "refunded (result rejected)"));
        assert_eq!(row(JobStatus::Cancelled).label, "cancelled");
        assert_eq!(row(JobStatus::Expired).label, "expired");
    }

    #[test]
    fn resolved_disputes_keep_their_votes_and_node() {
        let history = JobHistory {
            job_id: 7,
            dispute: Some(cr_protocol::lifecycle::Verdict::NodeWrong),
            votes_invalid: 1,
            node: Some(AccountId32([2; 32])),
            ..JobHistory::default()
        };
        let names: BTreeMap<_, _> = [([2; 32], "wrong-0".to_owned())].into();
        let refunded = job(JobStatus::Refunded { reason: market::RefundReason::ResultRejected });
        let r = job_row(7, &refunded, 10, &names, Some(&history));
        assert_eq!(
            (r.votes_valid, r.votes_invalid, r.dispute_outcome.as_deref()),
            (Some(0), Some(1), Some("node-wrong"))
        );
        assert_eq!(r.node.as_deref(), Some("wrong-0"));
    }
}

//! Money checks of a run.
//!
//! * The ledger: from the marketplace and fee events alone, what each tracked account's total
//!   balance (free + held) must have become; compared with the chain's own balances, it proves
//!   the 90/10 payouts, slashes, rewards, forfeited bonds and refunds moved exactly what they
//!   say, and nothing else moved.
//! * The invariant, checked at every block: every account's held balance equals its open
//!   obligations (escrow of its non-terminal jobs + its node stake + bonds of its open
//!   challenges), and total issuance changed only by the transaction fees burned.

use cr_protocol::chain::{AccountId32, Job, JobStatus, MarketEvent, NodeInfo};
use cr_protocol::lifecycle;
use std::collections::BTreeMap;

/// Expected changes of total balances since the start of a run.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    delta: BTreeMap<[u8; 32], i128>,
    requesters: BTreeMap<u64, ([u8; 32], u128)>,
    /// Transaction fees paid since the start (burned by this runtime).
    pub fees: u128,
    fee_account: [u8; 32],
}

fn add(map: &mut BTreeMap<[u8; 32], i128>, who: [u8; 32], amount: i128) {
    *map.entry(who).or_default() += amount;
}

impl Ledger {
    pub fn new(fee_account: [u8; 32]) -> Self {
        Self { fee_account, ..Self::default() }
    }

    /// Account for one block's events.
    pub fn apply(&mut self, events: &[MarketEvent], fees: &[(AccountId32, u128)]) {
        for (who, fee) in fees {
            add(&mut self.delta, who.0, -(*fee as i128));
            self.fees += fee;
        }
        let fee_account = self.fee_account;
        for event in events {
            match event {
                MarketEvent::JobSubmitted { job_id, requester, budget, .. } => {
                    self.requesters.insert(*job_id, (requester.0, *budget));
                }
                MarketEvent::JobCompleted { job_id, node, node_payout, protocol_fee } => {
                    if let Some((requester, _)) = self.requesters.get(job_id) {
                        add(&mut self.delta, *requester, -((node_payout + protocol_fee) as i128));
                    }
                    add(&mut self.delta, node.0, *node_payout as i128);
                    add(&mut self.delta, fee_account, *protocol_fee as i128);
                }
                // The whole slash goes to the fee account, then the challenger's share moves on.
                MarketEvent::NodeSlashed { node, amount, .. } => {
                    add(&mut self.delta, node.0, -(*amount as i128));
                    add(&mut self.delta, fee_account, *amount as i128);
                }
                MarketEvent::ChallengerRewarded { challenger, reward, .. } => {
                    add(&mut self.delta, challenger.0, *reward as i128);
                    add(&mut self.delta, fee_account, -(*reward as i128));
                }
                MarketEvent::BondForfeited { challenger, bond, .. } => {
                    add(&mut self.delta, challenger.0, -(*bond as i128));
                    add(&mut self.delta, fee_account, *bond as i128);
                }
                _ => {}
            }
        }
    }

    /// The expected change of `who`'s total balance.
    pub fn expected_delta(&self, who: &[u8; 32]) -> i128 {
        self.delta.get(who).copied().unwrap_or(0)
    }
}

/// What the pallet must hold for each account, from the chain's jobs and nodes.
pub fn obligations(jobs: &[(u64, Job)], nodes: &[(AccountId32, NodeInfo)]) -> BTreeMap<[u8; 32], u128> {
    let mut owed: BTreeMap<[u8; 32], u128> = BTreeMap::new();
    for (_, job) in jobs {
        if !lifecycle::is_terminal(&job.status) {
            *owed.entry(job.requester.0).or_default() += job.budget;
        }
        if let JobStatus::Disputed { challenger, bond, .. } = &job.status {
            *owed.entry(challenger.0).or_default() += bond;
        }
    }
    for (who, node) in nodes {
        *owed.entry(who.0).or_default() += node.stake;
    }
    owed
}

/// Every node's stake covers what its unsettled jobs put at risk, and its recorded exposure is
/// exactly their sum.
pub fn exposure_violations(
    block: u64,
    jobs: &[(u64, Job)],
    nodes: &[(AccountId32, NodeInfo)],
    name: impl Fn(&AccountId32) -> String,
) -> Vec<Violation> {
    let mut at_risk: BTreeMap<[u8; 32], u128> = BTreeMap::new();
    for (_, job) in jobs {
        if let Some(node) = lifecycle::holder(&job.status) {
            *at_risk.entry(node.0).or_default() += job.stake_at_risk;
        }
    }
    let mut out = Vec::new();
    for (who, node) in nodes {
        let sum = at_risk.get(&who.0).copied().unwrap_or(0);
        if node.exposure != sum || node.exposure > node.stake {
            out.push(Violation {
                block,
                what: format!(
                    "{} has exposure {} against stake {} while its jobs put {sum} at risk",
                    name(who),
                    node.exposure,
                    node.stake
                ),
            });
        }
    }
    out
}

/// A broken invariant, with both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub block: u64,
    pub what: String,
}

/// Check held balances against obligations for every tracked account, and issuance.
pub fn check_block(
    block: u64,
    held: &BTreeMap<[u8; 32], (String, u128)>,
    owed: &BTreeMap<[u8; 32], u128>,
    issuance: (u128, u128, u128),
) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (account, (name, held)) in held {
        let owed = owed.get(account).copied().unwrap_or(0);
        if *held != owed {
            violations.push(Violation {
                block,
                what: format!("{name} holds {held} base units but owes {owed} in escrow, stake and bonds"),
            });
        }
    }
    let (start, now, fees) = issuance;
    if start.checked_sub(fees) != Some(now) {
        violations.push(Violation {
            block,
            what: format!("total issuance is {now}, expected {start} - {fees} of burned fees"),
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(n: u8) -> AccountId32 {
        AccountId32([n; 32])
    }

    #[test]
    fn payout_slash_reward_and_bond_move_exact_amounts() {
        let fee_account = [9; 32];
        let mut l = Ledger::new(fee_account);
        l.apply(
            &[MarketEvent::JobSubmitted {
                job_id: 1,
                requester: acc(1),
                budget: 1005,
                spec_hash: cr_protocol::chain::H256([0; 32]),
                requirements: cr_protocol::chain::requirements(0, 0, 0, 0, None).expect("req"),
                expires_at: 10,
            }],
            &[(acc(1), 3)],
        );
        l.apply(&[MarketEvent::JobCompleted { job_id: 1, node: acc(2), node_payout: 905, protocol_fee: 100 }], &[]);
        l.apply(
            &[
                MarketEvent::NodeSlashed {
                    node: acc(2),
                    job_id: 2,
                    amount: 50,
                    reason: cr_protocol::chain::market::SlashReason::WrongResult,
                },
                MarketEvent::ChallengerRewarded { job_id: 2, challenger: acc(3), reward: 25 },
                MarketEvent::BondForfeited { job_id: 3, challenger: acc(4), bond: 7 },
            ],
            &[],
        );
        assert_eq!(l.expected_delta(&[1; 32]), -1005 - 3);
        assert_eq!(l.expected_delta(&[2; 32]), 905 - 50);
        assert_eq!(l.expected_delta(&[3; 32]), 25);
        assert_eq!(l.expected_delta(&[4; 32]), -7);
        assert_eq!(l.expected_delta(&fee_account), 100 + 50 - 25 + 7);
        assert_eq!(l.fees, 3);
    }

    #[test]
    fn invariant_reports_both_sides() {
        let mut held = BTreeMap::new();
        held.insert([1; 32], ("requester".to_owned(), 10));
        let mut owed = BTreeMap::new();
        owed.insert([1; 32], 12);
        let v = check_block(5, &held, &owed, (100, 97, 3));
        assert_eq!(v.len(), 1);
        assert!(v[0].what.contains("holds 10") && v[0].what.contains("owes 12"), "{v:?}");
        assert_eq!(check_block(5, &held, &owed, (100, 96, 3)).len(), 2);
        owed.insert([1; 32], 10);
        assert!(check_block(5, &held, &owed, (100, 97, 3)).is_empty());
    }
}

//! The page's fleet table: every daemon of the topology (workers register on chain, verifiers
//! never do) and every committee member, with what the chain says of each.

use super::snapshot::{tokens, Column, JobRow};
use crate::plan::Plan;
use crate::topology::Role;
use cr_protocol::chain::{AccountId32, NodeInfo};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One daemon of the fleet, or a committee member the topology does not name.
#[derive(Debug, Clone, Serialize)]
pub struct FleetRow {
    pub name: String,
    pub account: String,
    pub role: Role,
    /// Sits on the dispute committee (read from the chain).
    pub committee: bool,
    /// Registered on chain (workers; verifiers never register).
    pub registered: bool,
    /// Declared cores and memory: on chain for registered nodes, else from the topology.
    pub cpu_cores: u32,
    pub memory_mb: u32,
    /// `"1 x SIM-A100 (40960 MB)"`, or none.
    pub gpu: Option<String>,
    /// Stake held, for registered nodes.
    pub stake: Option<String>,
    /// The chain's online flag; false for unregistered daemons.
    pub online: bool,
    /// Job ids it is executing or whose result is in its challenge window or disputed.
    pub jobs: Vec<u64>,
}

/// A daemon as the topology declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub role: Role,
    pub cpu_cores: u32,
    pub memory_mb: u32,
    pub gpu: Option<String>,
}

/// The topology's daemons by account (the plan derives their keys, deterministic per testnet).
#[derive(Debug, Clone, Default)]
pub struct Roster {
    members: BTreeMap<[u8; 32], Member>,
}

impl Roster {
    /// Every compute daemon of the plan.
    pub fn of(plan: &Plan) -> Self {
        let members = plan
            .compute
            .iter()
            .map(|(node, keys)| {
                let caps = node.capabilities();
                let member = Member {
                    name: node.name().as_str().to_owned(),
                    role: node.role(),
                    cpu_cores: caps.cpu_cores.get(),
                    memory_mb: u32::try_from(caps.memory_mb.get()).unwrap_or(u32::MAX),
                    gpu: caps.gpu.as_ref().map(|g| gpu_text(g.count.get(), g.model.as_str(), g.vram_mb.get())),
                };
                (keys.account.account_id(), member)
            })
            .collect();
        Self { members }
    }

    /// From made-up members, for tests.
    #[cfg(test)]
    pub fn from_members(members: impl IntoIterator<Item = ([u8; 32], Member)>) -> Self {
        Self { members: members.into_iter().collect() }
    }

    /// Account id -> node name.
    pub fn names(&self) -> BTreeMap<[u8; 32], String> {
        self.members.iter().map(|(a, m)| (*a, m.name.clone())).collect()
    }
}

fn gpu_text(count: u32, model: &str, vram_mb: impl std::fmt::Display) -> String {
    format!("{count} x {model} ({vram_mb} MB)")
}

/// The fleet: registered nodes, then the roster's daemons and committee members that are not
/// registered; by name.
pub fn fleet_rows(
    nodes: &[(AccountId32, NodeInfo)],
    committee: &[AccountId32],
    jobs: &[JobRow],
    roster: &Roster,
) -> Vec<FleetRow> {
    let on_committee: BTreeSet<[u8; 32]> = committee.iter().map(|a| a.0).collect();
    let name = |a: &[u8; 32]| roster.members.get(a).map_or_else(|| AccountId32(*a).to_string(), |m| m.name.clone());
    let busy = |name: &str| -> Vec<u64> {
        jobs.iter()
            .filter(|j| matches!(j.column, Column::Executing | Column::ChallengeWindow | Column::Disputed))
            .filter(|j| j.node.as_deref() == Some(name))
            .map(|j| j.id)
            .collect()
    };
    let mut rows: Vec<FleetRow> = nodes
        .iter()
        .map(|(account, info)| {
            let name = name(&account.0);
            let caps = &info.capabilities;
            FleetRow {
                account: account.to_string(),
                role: roster.members.get(&account.0).map_or(Role::Worker, |m| m.role),
                committee: on_committee.contains(&account.0),
                registered: true,
                cpu_cores: caps.cpu_cores,
                memory_mb: caps.memory_mb,
                gpu: caps.gpu.as_ref().map(|g| gpu_text(g.count, &String::from_utf8_lossy(&g.model.0), g.vram_mb)),
                stake: Some(tokens(info.stake)),
                online: info.online,
                jobs: busy(&name),
                name,
            }
        })
        .collect();
    let registered: BTreeSet<[u8; 32]> = nodes.iter().map(|(a, _)| a.0).collect();
    let unregistered = roster.members.keys().chain(&on_committee).filter(|a| !registered.contains(*a));
    for account in unregistered.copied().collect::<BTreeSet<_>>() {
        let member = roster.members.get(&account);
        rows.push(FleetRow {
            name: name(&account),
            account: AccountId32(account).to_string(),
            // Only verifiers stay unregistered for long; a committee member the topology does
            // not know votes, so it is one too.
            role: member.map_or(Role::Verifier, |m| m.role),
            committee: on_committee.contains(&account),
            registered: false,
            cpu_cores: member.map_or(0, |m| m.cpu_cores),
            memory_mb: member.map_or(0, |m| m.memory_mb),
            gpu: member.and_then(|m| m.gpu.clone()),
            stake: None,
            online: false,
            jobs: Vec::new(),
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, role: Role) -> Member {
        Member { name: name.into(), role, cpu_cores: 2, memory_mb: 2048, gpu: None }
    }

    #[test]
    fn verifiers_and_committee_members_are_listed_though_not_registered() {
        let roster = Roster::from_members([
            ([1; 32], member("cpu-0", Role::Worker)),
            ([2; 32], member("verifier-0", Role::Verifier)),
        ]);
        let committee = [AccountId32([2; 32]), AccountId32([9; 32])];
        let rows = fleet_rows(&[], &committee, &[], &roster);
        let seen: Vec<_> = rows.iter().map(|r| (r.name.as_str(), r.role, r.committee, r.registered)).collect();
        let stranger = AccountId32([9; 32]).to_string();
        assert_eq!(
            seen,
            vec![
                (stranger.as_str(), Role::Verifier, true, false),
                ("cpu-0", Role::Worker, false, false),
                ("verifier-0", Role::Verifier, true, false),
            ]
        );
        assert!(rows.iter().all(|r| r.stake.is_none() && !r.online));
    }
}

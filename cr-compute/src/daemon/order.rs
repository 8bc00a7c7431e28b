//! Who tries to take a job first.
//!
//! Every daemon sees every new job at about the same time; if all eligible nodes sent an accept
//! at once, all but one would fail and pay for it, and a large fleet would flood the chain. So
//! each daemon ranks the eligible nodes by a hash of (salt, job id, account) — a ranking every
//! node computes identically from the same chain view and the testnet's salt (its run seed) —
//! and nodes try in pairs, one pair per block.
//! The view of who is registered, online and what they declared is kept from chain events.

use cr_protocol::chain::{market, AccountId32, MarketEvent, NodeInfo};
use cr_protocol::hash::blake2_256;
use std::collections::BTreeMap;

/// Nodes trying per block.
const PER_BLOCK: usize = 2;

/// Ranks kept before the cache is emptied (a bound, not a tuning knob).
const MAX_CACHED_SLOTS: usize = 10_000;

/// The registered nodes as far as job ordering cares.
#[derive(Debug, Default, Clone)]
pub struct NodeView {
    /// The testnet's tie-break seed: another seed, another ranking.
    salt: u64,
    nodes: BTreeMap<[u8; 32], (market::Capabilities, bool)>,
    /// Slot per (job, asking node), valid until the node set changes (a job's requirements
    /// never change): ranking hashes every node, and a daemon asks at every block for every
    /// open job, which a large fleet cannot afford.
    slots: BTreeMap<(u64, [u8; 32]), u64>,
}

impl NodeView {
    /// An empty view ranking with `salt`.
    pub fn salted(salt: u64) -> Self {
        Self { salt, ..Self::default() }
    }

    /// From a full listing of the `Nodes` map.
    pub fn from_nodes(nodes: &[(AccountId32, NodeInfo)], salt: u64) -> Self {
        let nodes = nodes.iter().map(|(a, n)| (a.0, (n.capabilities.clone(), n.online))).collect();
        Self { salt, nodes, slots: BTreeMap::new() }
    }

    /// Follow registrations, updates and status changes.
    pub fn apply(&mut self, event: &MarketEvent) {
        if matches!(
            event,
            MarketEvent::NodeRegistered { .. }
                | MarketEvent::NodeUpdated { .. }
                | MarketEvent::NodeStatusChanged { .. }
                | MarketEvent::NodeDeregistered { .. }
        ) {
            self.slots.clear();
        }
        match event {
            MarketEvent::NodeRegistered { node, capabilities, .. } => {
                self.nodes.insert(node.0, (capabilities.clone(), true));
            }
            MarketEvent::NodeUpdated { node, capabilities, .. } => {
                if let Some(entry) = self.nodes.get_mut(&node.0) {
                    entry.0 = capabilities.clone();
                }
            }
            MarketEvent::NodeStatusChanged { node, online } => {
                if let Some(entry) = self.nodes.get_mut(&node.0) {
                    entry.1 = *online;
                }
            }
            MarketEvent::NodeDeregistered { node, .. } => {
                self.nodes.remove(&node.0);
            }
            _ => {}
        }
    }

    /// Blocks after the job appeared at which `me` should first try to accept it.
    pub fn slot(&mut self, job_id: u64, requirements: &market::Requirements, me: &AccountId32) -> u64 {
        if let Some(slot) = self.slots.get(&(job_id, me.0)) {
            return *slot;
        }
        let mine = score(self.salt, job_id, &me.0);
        // My rank is the number of eligible nodes ranked before me; no sort needed.
        let eligible = self.nodes.iter().filter(|(_, (caps, online))| *online && satisfies(caps, requirements));
        let (mut ahead, mut total, mut listed) = (0, 0, false);
        for (account, _) in eligible {
            total += 1;
            if *account == me.0 {
                listed = true;
            } else if score(self.salt, job_id, account) < mine {
                ahead += 1;
            }
        }
        // A node that is not eligible in the view (not listed yet) goes after every one that is.
        let rank = if listed { ahead } else { total };
        let slot = (rank / PER_BLOCK) as u64;
        if self.slots.len() >= MAX_CACHED_SLOTS {
            self.slots.clear();
        }
        self.slots.insert((job_id, me.0), slot);
        slot
    }
}

fn score(salt: u64, job_id: u64, account: &[u8; 32]) -> [u8; 8] {
    let mut input = salt.to_le_bytes().to_vec();
    input.extend_from_slice(&job_id.to_le_bytes());
    input.extend_from_slice(account);
    let h = blake2_256(&input);
    let mut s = [0u8; 8];
    s.copy_from_slice(&h[..8]);
    s
}

/// The runtime's matching rule (`Capabilities::satisfies`), mirrored so a daemon never sends an
/// accept the chain would refuse.
pub fn satisfies(caps: &market::Capabilities, req: &market::Requirements) -> bool {
    if caps.cpu_cores < req.cpu_cores || caps.memory_mb < req.memory_mb {
        return false;
    }
    let needs_gpu = req.gpu_count > 0 || req.gpu_vram_mb > 0 || req.gpu_model.is_some();
    if !needs_gpu {
        return true;
    }
    match &caps.gpu {
        None => false,
        Some(gpu) => {
            gpu.count >= req.gpu_count.max(1)
                && gpu.vram_mb >= req.gpu_vram_mb
                && req.gpu_model.as_ref().is_none_or(|m| m.0 == gpu.model.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cr_protocol::chain::{capabilities, requirements};

    fn account(n: u8) -> AccountId32 {
        AccountId32([n; 32])
    }

    #[test]
    fn matching_mirrors_the_runtime() {
        let cpu = capabilities(4, 8192, None).expect("caps");
        let a100 = capabilities(8, 32768, Some((1, "A100", 40960))).expect("caps");
        let any_gpu = requirements(1, 512, 1, 0, None).expect("req");
        let a100_only = requirements(1, 512, 1, 0, Some("A100")).expect("req");
        let h100_only = requirements(1, 512, 1, 0, Some("H100")).expect("req");
        assert!(!satisfies(&cpu, &any_gpu));
        assert!(satisfies(&a100, &any_gpu));
        assert!(satisfies(&a100, &a100_only));
        assert!(!satisfies(&a100, &h100_only));
        assert!(!satisfies(&cpu, &requirements(5, 0, 0, 0, None).expect("req")));
    }

    #[test]
    fn two_nodes_per_block_and_everyone_agrees() {
        let caps = capabilities(4, 8192, None).expect("caps");
        let nodes: Vec<_> = (0..6u8)
            .map(|n| {
                (
                    account(n),
                    NodeInfo {
                        capabilities: caps.clone(),
                        result_key: [0; 32],
                        stake: 1,
                        online: true,
                        max_concurrent: 1,
                        active_jobs: 0,
                        unsettled_jobs: 0,
                        exposure: 0,
                    },
                )
            })
            .collect();
        let mut view = NodeView::from_nodes(&nodes, 0);
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut slots: Vec<u64> = (0..6u8).map(|n| view.slot(42, &req, &account(n))).collect();
        slots.sort();
        assert_eq!(slots, vec![0, 0, 1, 1, 2, 2]);
        // An ineligible node (a GPU job) is ranked behind everyone.
        let gpu_req = requirements(1, 1, 1, 0, None).expect("req");
        assert_eq!(view.slot(43, &gpu_req, &account(0)), 0);
    }

    #[test]
    fn the_testnet_seed_reorders_who_tries_first_and_every_node_agrees() {
        let caps = capabilities(4, 8192, None).expect("caps");
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let first = |salt: u64, job: u64| -> Vec<u8> {
            let mut view = NodeView::salted(salt);
            for n in 0..6u8 {
                view.apply(&MarketEvent::NodeRegistered { node: account(n), stake: 1, capabilities: caps.clone() });
            }
            (0..6u8).filter(|n| view.slot(job, &req, &account(*n)) == 0).collect()
        };
        assert_eq!(first(9, 5), first(9, 5), "one seed, one ranking");
        assert!((0..20).any(|job| first(0, job) != first(1, job)), "another seed, another ranking");
        assert!((0..20).all(|job| first(3, job).len() == PER_BLOCK));
    }

    #[test]
    fn offline_nodes_are_not_ranked() {
        let caps = capabilities(4, 8192, None).expect("caps");
        let mut view = NodeView::default();
        for n in 0..4u8 {
            view.apply(&MarketEvent::NodeRegistered { node: account(n), stake: 1, capabilities: caps.clone() });
        }
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let before: Vec<u64> = (0..4u8).map(|n| view.slot(7, &req, &account(n))).collect();
        for n in 0..4u8 {
            if before[n as usize] == 0 {
                view.apply(&MarketEvent::NodeStatusChanged { node: account(n), online: false });
            }
        }
        let still_online: Vec<u64> =
            (0..4u8).filter(|n| before[*n as usize] != 0).map(|n| view.slot(7, &req, &account(n))).collect();
        assert_eq!(still_online, vec![0, 0]);
    }
}

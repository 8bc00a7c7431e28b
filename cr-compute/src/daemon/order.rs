//! Who tries to take a job first.
//!
//! Every daemon sees every new job at about the same time; if all eligible nodes sent an accept
//! at once, all but one would fail and pay for it, and a large fleet would flood the chain. So
//! each daemon ranks the eligible nodes by a mix of (salt, job id, account) — a ranking every
//! node computes identically from the same chain view and the testnet's salt (its run seed) —
//! and nodes try one per block. (Two per block cost a losing accept for 87% of jobs at 100
//! daemons, about a quarter of a job's block weight; docs/NOTES.md.)
//!
//! A process keeps one [`Board`] for all its daemons: the registered nodes, followed from chain
//! events once per block, and per open job the rank of each of its own daemons, computed once
//! for all of them. Were it kept per daemon, a container's memory and per-block work would grow
//! as (its daemons) x (the fleet): a thousand-node fleet packed fifty to a container spent most
//! of two cores ranking.

use cr_protocol::chain::{market, AccountId32, BlockEvents, MarketEvent, NodeInfo};
use std::collections::BTreeMap;

/// Nodes trying per block.
const PER_BLOCK: usize = 1;

/// Rankings kept before the cache is emptied (a bound, not a tuning knob).
const MAX_RANKED_JOBS: usize = 10_000;

/// The registered nodes as far as job ordering cares, and the rankings of open jobs.
#[derive(Debug, Default)]
pub struct Board {
    /// The testnet's tie-break seed: another seed, another ranking.
    salt: u64,
    nodes: BTreeMap<[u8; 32], (market::Capabilities, bool)>,
    /// This process's daemons, sorted: the only ranks a ranking keeps.
    local: Vec<[u8; 32]>,
    /// Per job: the slot of each local daemon eligible for it, valid until the node set changes
    /// (a job's requirements never change). Ranking hashes every eligible node of the fleet.
    rankings: BTreeMap<u64, Ranking>,
}

/// One job's ranking, as far as this process's daemons are concerned.
#[derive(Debug, Default)]
struct Ranking {
    /// `(account, slot)`, sorted by account.
    slots: Vec<([u8; 32], u64)>,
    /// Slot of a daemon the view does not list as eligible: after every one it does.
    unlisted: u64,
}

impl Board {
    /// An empty board for the daemons `local`, ranking with `salt`.
    pub fn new(salt: u64, local: impl IntoIterator<Item = AccountId32>) -> Self {
        let mut local: Vec<[u8; 32]> = local.into_iter().map(|a| a.0).collect();
        local.sort_unstable();
        Self { salt, local, ..Self::default() }
    }

    /// Count `account` among this process's daemons (before any job is ranked: a ranking keeps
    /// only the daemons known when it was made, so it starts over).
    pub fn add_local(&mut self, account: AccountId32) {
        if let Err(i) = self.local.binary_search(&account.0) {
            self.local.insert(i, account.0);
            self.rankings.clear();
        }
    }

    /// Replace the node set with a full listing of the `Nodes` map (at start, or after a block
    /// could not be read and its events were missed).
    pub fn reset_nodes(&mut self, nodes: &[(AccountId32, NodeInfo)]) {
        self.nodes = nodes.iter().map(|(a, n)| (a.0, (n.capabilities.clone(), n.online))).collect();
        self.rankings.clear();
    }

    /// Follow one block's events.
    pub fn apply_block(&mut self, block: &BlockEvents) {
        for event in &block.events {
            self.apply(event);
        }
    }

    /// Follow registrations, updates and status changes; forget rankings of jobs no longer open.
    pub fn apply(&mut self, event: &MarketEvent) {
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
            MarketEvent::JobAccepted { job_id, .. }
            | MarketEvent::JobCancelled { job_id, .. }
            | MarketEvent::JobExpired { job_id, .. } => {
                self.rankings.remove(job_id);
                return;
            }
            _ => return,
        }
        // Any change to the node set may move every rank.
        self.rankings.clear();
    }

    /// Blocks after the job appeared at which `me` should first try to accept it. A `me` that is
    /// not one of this board's daemons goes after every eligible node.
    pub fn slot(&mut self, job_id: u64, requirements: &market::Requirements, me: &AccountId32) -> u64 {
        if !self.rankings.contains_key(&job_id) {
            if self.rankings.len() >= MAX_RANKED_JOBS {
                self.rankings.clear();
            }
            let ranking = self.rank(job_id, requirements, &self.local);
            self.rankings.insert(job_id, ranking);
        }
        self.rankings.get(&job_id).map_or(0, |r| r.slot_of(&me.0))
    }

    /// Rank every eligible node once; keep the slots of `of`.
    fn rank(&self, job_id: u64, requirements: &market::Requirements, of: &[[u8; 32]]) -> Ranking {
        let eligible: Vec<(&[u8; 32], u64)> = self
            .nodes
            .iter()
            .filter(|(_, (caps, online))| *online && satisfies(caps, requirements))
            .map(|(account, _)| (account, score(self.salt, job_id, account)))
            .collect();
        let mut scores: Vec<u64> = eligible.iter().map(|(_, s)| *s).collect();
        scores.sort_unstable();
        // A rank is the number of eligible nodes whose score is lower. `eligible` is in account
        // order (a map's), so `slots` is too.
        let slots = eligible
            .iter()
            .filter(|(a, _)| of.binary_search(a).is_ok())
            .map(|(a, mine)| (**a, (scores.partition_point(|s| s < mine) / PER_BLOCK) as u64))
            .collect();
        Ranking { slots, unlisted: (eligible.len() / PER_BLOCK) as u64 }
    }
}

impl Ranking {
    fn slot_of(&self, account: &[u8; 32]) -> u64 {
        match self.slots.binary_search_by(|(a, _)| a.cmp(account)) {
            Ok(i) => self.slots[i].1,
            Err(_) => self.unlisted,
        }
    }
}

/// A node's place in a job's order: the account's first eight bytes (an sr25519 public key, so
/// already uniform) mixed with the salt and the job. Not a cryptographic hash: the order is a
/// courtesy among honest daemons (the chain takes whoever accepts first, and faulty test nodes
/// race), while every container scores every eligible node of the fleet for each new job. With
/// Blake2-256 here that was about 1.8 million hashes a block across a 1,000-daemon fleet at 45
/// jobs/s (20 containers x 90 new jobs x 1,000 nodes).
fn score(salt: u64, job_id: u64, account: &[u8; 32]) -> u64 {
    let mut key = [0u8; 8];
    key.copy_from_slice(&account[..8]);
    mix(u64::from_le_bytes(key) ^ mix(salt ^ mix(job_id)))
}

/// SplitMix64's finaliser: every input bit moves every output bit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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

    fn registered(n: u8, caps: &market::Capabilities) -> MarketEvent {
        MarketEvent::NodeRegistered { node: account(n), stake: 1, capabilities: caps.clone() }
    }

    /// A board of `local` daemons that has seen nodes `0..fleet` register.
    fn board(salt: u64, fleet: u8, local: impl IntoIterator<Item = u8>) -> Board {
        let caps = capabilities(4, 8192, None).expect("caps");
        let mut board = Board::new(salt, local.into_iter().map(account));
        for n in 0..fleet {
            board.apply(&registered(n, &caps));
        }
        board
    }

    #[test]
    fn one_node_per_block_and_everyone_agrees() {
        let caps = capabilities(4, 8192, None).expect("caps");
        let nodes: Vec<_> = (0..6u8)
            .map(|n| {
                let info = NodeInfo {
                    capabilities: caps.clone(),
                    result_key: [0; 32],
                    stake: 1,
                    online: true,
                    max_concurrent: 1,
                    active_jobs: 0,
                    unsettled_jobs: 0,
                    exposure: 0,
                };
                (account(n), info)
            })
            .collect();
        let mut board = Board::new(0, (0..6u8).map(account));
        board.reset_nodes(&nodes);
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut slots: Vec<u64> = (0..6u8).map(|n| board.slot(42, &req, &account(n))).collect();
        slots.sort();
        assert_eq!(slots, vec![0, 1, 2, 3, 4, 5]);
        // An ineligible node (a GPU job) is ranked behind everyone.
        let gpu_req = requirements(1, 1, 1, 0, None).expect("req");
        assert_eq!(board.slot(43, &gpu_req, &account(0)), 0);
    }

    #[test]
    fn every_node_comes_first_for_its_share_of_jobs() {
        // Ten nodes, 2,000 jobs: each should be first for about 200. A skewed mix would leave
        // some nodes idle and queue jobs behind others.
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut board = board(7, 10, 0..10);
        let mut firsts = [0u32; 10];
        for job in 0..2_000u64 {
            let first = (0..10u8).find(|n| board.slot(job, &req, &account(*n)) == 0).expect("someone is first");
            firsts[usize::from(first)] += 1;
        }
        assert!(firsts.iter().all(|f| (140..=260).contains(f)), "{firsts:?}");
    }

    #[test]
    fn containers_packing_different_daemons_agree_on_every_slot() {
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut whole = board(5, 30, 0..30);
        let mut parts: Vec<Board> = (0..3u8).map(|c| board(5, 30, (0..30).filter(move |n| n % 3 == c))).collect();
        for job in 0..50 {
            for n in 0..30u8 {
                let alone = parts[usize::from(n % 3)].slot(job, &req, &account(n));
                assert_eq!(whole.slot(job, &req, &account(n)), alone, "job {job}, node {n}");
            }
        }
    }

    #[test]
    fn the_testnet_seed_reorders_who_tries_first_and_every_node_agrees() {
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let first = |salt: u64, job: u64| -> Vec<u8> {
            let mut board = board(salt, 6, 0..6);
            (0..6u8).filter(|n| board.slot(job, &req, &account(*n)) == 0).collect()
        };
        assert_eq!(first(9, 5), first(9, 5), "one seed, one ranking");
        assert!((0..20).any(|job| first(0, job) != first(1, job)), "another seed, another ranking");
        assert!((0..20).all(|job| first(3, job).len() == PER_BLOCK));
    }

    #[test]
    fn offline_nodes_are_not_ranked() {
        let mut board = board(0, 4, 0..4);
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let before: Vec<u64> = (0..4u8).map(|n| board.slot(7, &req, &account(n))).collect();
        for n in 0..4u8 {
            if before[n as usize] == 0 {
                board.apply(&MarketEvent::NodeStatusChanged { node: account(n), online: false });
            }
        }
        let still_online: Vec<u64> =
            (0..4u8).filter(|n| before[*n as usize] != 0).map(|n| board.slot(7, &req, &account(n))).collect();
        let mut still_online = still_online;
        still_online.sort();
        assert_eq!(still_online, vec![0, 1, 2]);
    }

    #[test]
    fn a_node_registering_moves_ranks_of_open_jobs() {
        let caps = capabilities(4, 8192, None).expect("caps");
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut board = board(1, 2, 0..2);
        // Two nodes: one tries in the first block, the other in the next.
        let mut two = [board.slot(3, &req, &account(0)), board.slot(3, &req, &account(1))];
        two.sort();
        assert_eq!(two, [0, 1]);
        for n in 2..8 {
            board.apply(&registered(n, &caps));
        }
        let mut fresh = self::board(1, 8, 0..2);
        for n in 0..2u8 {
            assert_eq!(board.slot(3, &req, &account(n)), fresh.slot(3, &req, &account(n)), "node {n}");
        }
    }

    #[test]
    fn a_daemon_added_later_is_ranked_like_one_known_from_the_start() {
        let req = requirements(1, 1, 0, 0, None).expect("req");
        let mut from_start = board(4, 8, 0..8);
        let mut added = board(4, 8, 0..4);
        added.slot(11, &req, &account(0));
        for n in 4..8 {
            added.add_local(account(n));
        }
        for n in 0..8u8 {
            assert_eq!(added.slot(11, &req, &account(n)), from_start.slot(11, &req, &account(n)), "node {n}");
        }
    }

    #[test]
    fn a_board_keeps_no_ranking_of_a_job_once_taken() {
        let mut board = board(0, 4, 0..4);
        let req = requirements(1, 1, 0, 0, None).expect("req");
        board.slot(9, &req, &account(0));
        assert_eq!(board.rankings.len(), 1);
        board.apply(&MarketEvent::JobAccepted { job_id: 9, node: account(1), attempt: 1, deadline: 20 });
        assert!(board.rankings.is_empty());
    }
}

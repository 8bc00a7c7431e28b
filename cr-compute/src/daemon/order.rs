//! Who tries to take a job first.
//!
//! Every daemon sees every new job at about the same time; if all eligible nodes sent an accept
//! at once, all but one would fail and pay for it, and a large fleet would flood the chain. So
//! each daemon ranks the eligible nodes by a mix of (salt, job id, account) — a ranking every
//! node computes identically from the same chain view and the testnet's salt (its run seed) —
//! and nodes take turns: one node per turn, and a turn lasts two blocks, a block full by weight
//! counting half (`clock.rs`: it may have left the turn's accept in the pool). (Two nodes a block
//! cost a losing accept for 87% of jobs at 100 daemons, about a quarter of a job's block
//! weight. One-block turns handed a job to the next node whenever the first accept missed the
//! next block, which it did far more often after blocks over half full by weight: refused
//! accepts in the following block went from under 2 to 23 to 48, eating the weight the jobs
//! needed. Two-block turns cut them from 0.19 to 0.02 a job at 60 jobs/s and from 0.76 to 0.14
//! at 69 on a 100-daemon fleet; docs/NOTES.md.)
//!
//! A node the chain shows at capacity gives its turn to the next free one: ranked by
//! eligibility alone, a job whose first node was busy waited a whole turn for each busy node
//! ahead of a free one. (Alone, with one-block turns and 1600 staked a node, this changed
//! nothing measurable at 100 daemons; with two-block turns each busy node ahead would cost two
//! blocks.) Capacity is read from the same events by every container (accepts take a slot,
//! results and timeouts free one), so they still agree on who goes next.
//!
//! A process keeps one [`Board`] for all its daemons: the registered nodes, followed from chain
//! events once per block, and per open job its eligible nodes in ranked order, computed once
//! for all of them. Were it kept per daemon, a container's memory and per-block work would grow
//! as (its daemons) x (the fleet): a thousand-node fleet packed fifty to a container spent most
//! of two cores ranking.

use cr_protocol::chain::{market, AccountId32, BlockEvents, MarketEvent, NodeInfo};
use std::collections::BTreeMap;

/// Free nodes given a turn at once.
const PER_BLOCK: usize = 1;

/// Blocks a turn lasts before the next free node may try too: the block a node's accept is
/// meant for, and one more for an accept that reached the pool too late for it.
const TURN_BLOCKS: u64 = 2;

/// Ranked entries (open jobs x their eligible nodes) kept before the cache is emptied: a memory
/// bound (16 MiB), not a tuning knob.
const MAX_RANKED_ENTRIES: usize = 4 << 20;

/// What the board knows of one registered node.
#[derive(Debug, Clone)]
struct NodeView {
    capabilities: market::Capabilities,
    online: bool,
    /// Jobs it accepted and has not yet answered with a result or lost to a timeout.
    active: u32,
    /// The most it takes at once; `None` until a listing says (a registration's event does not
    /// carry it), and a node of unknown capacity counts as free.
    max_concurrent: Option<u32>,
}

impl NodeView {
    fn free(&self) -> bool {
        self.max_concurrent.is_none_or(|max| self.active < max)
    }
}

/// The registered nodes as far as job ordering cares, and the rankings of open jobs.
#[derive(Debug, Default)]
pub struct Board {
    /// The testnet's tie-break seed: another seed, another ranking.
    salt: u64,
    /// Sorted by account; a ranking names nodes by their index here.
    nodes: Vec<([u8; 32], NodeView)>,
    /// Per job: its eligible nodes (indices into `nodes`) in ranked order, valid until the node
    /// set changes (a job's requirements never change).
    rankings: BTreeMap<u64, Vec<u32>>,
    /// Entries of all rankings.
    ranked_entries: usize,
    /// Whether the last block applied registered a node (a listing is best read after a burst).
    registering: bool,
}

impl Board {
    /// An empty board ranking with `salt`.
    pub fn new(salt: u64) -> Self {
        Self { salt, ..Self::default() }
    }

    /// Replace the node set with a full listing of the `Nodes` map, read at the block whose
    /// events were applied last or instead (at start, after a block could not be read and its
    /// events were missed, or to learn the capacity of nodes that registered since).
    pub fn reset_nodes(&mut self, nodes: &[(AccountId32, NodeInfo)]) {
        let mut listed: Vec<([u8; 32], NodeView)> = nodes
            .iter()
            .map(|(a, n)| {
                let view = NodeView {
                    capabilities: n.capabilities.clone(),
                    online: n.online,
                    active: n.active_jobs,
                    max_concurrent: Some(n.max_concurrent),
                };
                (a.0, view)
            })
            .collect();
        listed.sort_unstable_by_key(|(a, _)| *a);
        self.nodes = listed;
        self.forget_rankings();
    }

    /// Whether a listing of the nodes would tell the board something events cannot: the
    /// capacity of nodes that registered since the last one, once registrations paused.
    pub fn wants_listing(&self) -> bool {
        !self.registering && self.nodes.iter().any(|(_, n)| n.max_concurrent.is_none())
    }

    /// Follow one block's events.
    pub fn apply_block(&mut self, block: &BlockEvents) {
        self.registering = false;
        for event in &block.events {
            self.apply(event);
        }
    }

    /// Follow registrations, updates, status changes and each node's jobs in hand; forget
    /// rankings of jobs no longer open.
    pub fn apply(&mut self, event: &MarketEvent) {
        match event {
            MarketEvent::NodeRegistered { node, capabilities, .. } => {
                self.registering = true;
                let view =
                    NodeView { capabilities: capabilities.clone(), online: true, active: 0, max_concurrent: None };
                match self.index(node) {
                    Ok(i) => self.nodes[i].1 = view,
                    Err(i) => self.nodes.insert(i, (node.0, view)),
                }
            }
            MarketEvent::NodeUpdated { node, capabilities, max_concurrent } => {
                self.update(node, |n| {
                    n.capabilities = capabilities.clone();
                    n.max_concurrent = Some(*max_concurrent);
                });
            }
            MarketEvent::NodeStatusChanged { node, online } => self.update(node, |n| n.online = *online),
            MarketEvent::NodeDeregistered { node, .. } => {
                if let Ok(i) = self.index(node) {
                    self.nodes.remove(i);
                }
            }
            MarketEvent::JobAccepted { job_id, node, .. } => {
                self.update(node, |n| n.active = n.active.saturating_add(1));
                self.forget(*job_id);
                return;
            }
            MarketEvent::ResultSubmitted { node, .. } | MarketEvent::JobTimedOut { node, .. } => {
                self.update(node, |n| n.active = n.active.saturating_sub(1));
                return;
            }
            MarketEvent::JobCancelled { job_id, .. } | MarketEvent::JobExpired { job_id, .. } => {
                self.forget(*job_id);
                return;
            }
            _ => return,
        }
        // Any change to the node set may move every rank (and every index).
        self.forget_rankings();
    }

    /// Whether `me` should try to accept the job now, `waited` blocks after its turn began (as
    /// the turn clock counts them):
    /// when it is among the first free nodes of the job's ranking (the chain's view), one
    /// more for every `TURN_BLOCKS` waited, or once every eligible node has had a turn (a view
    /// that drifted can delay a node, never bar it). A `me` the view does not list as eligible
    /// waits for every listed one.
    pub fn may_try(&mut self, job_id: u64, requirements: &market::Requirements, me: &AccountId32, waited: u64) -> bool {
        if !self.rankings.contains_key(&job_id) {
            let ranking = self.rank(job_id, requirements);
            self.ranked_entries += ranking.len();
            if self.ranked_entries > MAX_RANKED_ENTRIES {
                self.forget_rankings();
                self.ranked_entries = ranking.len();
            }
            self.rankings.insert(job_id, ranking);
        }
        let Some(ranking) = self.rankings.get(&job_id) else { return true };
        let turn = waited / TURN_BLOCKS;
        if turn >= (ranking.len() / PER_BLOCK) as u64 {
            return true;
        }
        let turns = usize::try_from(turn).unwrap_or(usize::MAX).saturating_add(1).saturating_mul(PER_BLOCK);
        ranking
            .iter()
            .map(|i| &self.nodes[*i as usize])
            .filter(|(_, view)| view.free())
            .take(turns)
            .any(|(account, _)| *account == me.0)
    }

    /// Every eligible node, best score first.
    fn rank(&self, job_id: u64, requirements: &market::Requirements) -> Vec<u32> {
        let mut eligible: Vec<(u64, u32)> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, (_, n))| n.online && satisfies(&n.capabilities, requirements))
            .map(|(i, (account, _))| (score(self.salt, job_id, account), i as u32))
            .collect();
        eligible.sort_unstable();
        eligible.into_iter().map(|(_, i)| i).collect()
    }

    fn index(&self, node: &AccountId32) -> Result<usize, usize> {
        self.nodes.binary_search_by(|(a, _)| a.cmp(&node.0))
    }

    fn update(&mut self, node: &AccountId32, change: impl FnOnce(&mut NodeView)) {
        if let Ok(i) = self.index(node) {
            change(&mut self.nodes[i].1);
        }
    }

    fn forget(&mut self, job_id: u64) {
        if let Some(ranking) = self.rankings.remove(&job_id) {
            self.ranked_entries = self.ranked_entries.saturating_sub(ranking.len());
        }
    }

    fn forget_rankings(&mut self) {
        self.rankings.clear();
        self.ranked_entries = 0;
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

    fn cpu() -> market::Capabilities {
        capabilities(4, 8192, None).expect("caps")
    }

    fn any_cpu() -> market::Requirements {
        requirements(1, 1, 0, 0, None).expect("req")
    }

    #[test]
    fn matching_mirrors_the_runtime() {
        let cpu = cpu();
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

    fn registered(n: u8) -> MarketEvent {
        MarketEvent::NodeRegistered { node: account(n), stake: 1, capabilities: cpu() }
    }

    fn accepted(job_id: u64, n: u8) -> MarketEvent {
        MarketEvent::JobAccepted { job_id, node: account(n), attempt: 1, deadline: 20 }
    }

    fn info(max_concurrent: u32, active_jobs: u32) -> NodeInfo {
        NodeInfo {
            capabilities: cpu(),
            result_key: [0; 32],
            stake: 1,
            online: true,
            max_concurrent,
            active_jobs,
            unsettled_jobs: active_jobs,
            exposure: 0,
        }
    }

    /// A board that has seen nodes `0..fleet` register (capacity unknown).
    fn board(salt: u64, fleet: u8) -> Board {
        let mut board = Board::new(salt);
        for n in 0..fleet {
            board.apply(&registered(n));
        }
        board
    }

    /// A board listing nodes `0..fleet`, each taking `max` jobs at once and holding none.
    fn listed(salt: u64, fleet: u8, max: u32) -> Board {
        let mut board = Board::new(salt);
        board.reset_nodes(&(0..fleet).map(|n| (account(n), info(max, 0))).collect::<Vec<_>>());
        board
    }

    /// Blocks `n` waits before it may try `job`.
    fn slot(board: &mut Board, job: u64, n: u8) -> u64 {
        (0..).find(|waited| board.may_try(job, &any_cpu(), &account(n), *waited)).expect("a turn")
    }

    /// The node whose turn is first for `job`.
    fn first(board: &mut Board, job: u64, fleet: u8) -> u8 {
        (0..fleet).find(|n| board.may_try(job, &any_cpu(), &account(*n), 0)).expect("someone is first")
    }

    #[test]
    fn one_node_per_block_and_everyone_agrees() {
        let mut board = listed(0, 6, 1);
        let mut slots: Vec<u64> = (0..6u8).map(|n| slot(&mut board, 42, n)).collect();
        slots.sort();
        assert_eq!(slots, (0..6).map(|turn| turn * TURN_BLOCKS).collect::<Vec<_>>());
        // An ineligible node (a GPU job) may try only after every eligible one had its turn.
        let gpu_req = requirements(1, 1, 1, 0, None).expect("req");
        assert!(board.may_try(43, &gpu_req, &account(0), 0), "no node is eligible, so no one is ahead");
    }

    #[test]
    fn every_node_comes_first_for_its_share_of_jobs() {
        // Ten nodes, 2,000 jobs: each should be first for about 200. A skewed mix would leave
        // some nodes idle and queue jobs behind others.
        let mut board = board(7, 10);
        let mut firsts = [0u32; 10];
        for job in 0..2_000u64 {
            firsts[usize::from(first(&mut board, job, 10))] += 1;
        }
        assert!(firsts.iter().all(|f| (140..=260).contains(f)), "{firsts:?}");
    }

    #[test]
    fn a_busy_node_gives_its_turn_to_the_next_free_one() {
        // Ranked by eligibility alone, a job waited a block for each busy node ahead of a free one.
        let mut board = listed(3, 6, 1);
        let order: Vec<u8> = {
            let mut by_slot: Vec<(u64, u8)> = (0..6u8).map(|n| (slot(&mut board, 9, n), n)).collect();
            by_slot.sort();
            by_slot.into_iter().map(|(_, n)| n).collect()
        };
        board.apply(&accepted(1, order[0]));
        board.apply(&accepted(2, order[1]));
        assert!(board.may_try(9, &any_cpu(), &account(order[2]), 0), "third-ranked, first free: its turn now");
        assert!(!board.may_try(9, &any_cpu(), &account(order[0]), 0), "at capacity: no turn");
        assert!(!board.may_try(9, &any_cpu(), &account(order[3]), TURN_BLOCKS - 1), "second free: next turn");
        assert!(board.may_try(9, &any_cpu(), &account(order[3]), TURN_BLOCKS));
        // A result frees the first-ranked node: it is first again.
        board.apply(&MarketEvent::ResultSubmitted {
            job_id: 1,
            node: account(order[0]),
            attempt: 1,
            output_hash: cr_protocol::chain::H256::zero(),
            challenge_until: 30,
        });
        assert!(board.may_try(9, &any_cpu(), &account(order[0]), 0));
        assert!(!board.may_try(9, &any_cpu(), &account(order[2]), 0));
    }

    #[test]
    fn a_view_that_counts_a_node_busy_delays_it_but_never_bars_it() {
        // Six busy nodes by this view: once every eligible node had its turn, anyone may try.
        let mut board = Board::new(1);
        board.reset_nodes(&(0..6u8).map(|n| (account(n), info(1, 1))).collect::<Vec<_>>());
        let every_turn = 6 * TURN_BLOCKS;
        for n in 0..6u8 {
            assert!(!board.may_try(5, &any_cpu(), &account(n), every_turn - 1), "node {n} before every turn passed");
            assert!(board.may_try(5, &any_cpu(), &account(n), every_turn), "node {n} after");
        }
    }

    #[test]
    fn capacity_is_unknown_after_a_registration_until_a_listing_once_registrations_pause() {
        let mut board = listed(0, 2, 4);
        assert!(!board.wants_listing());
        let block = |number, events| BlockEvents {
            number,
            hash: cr_protocol::chain::H256::zero(),
            extrinsics: 1,
            timestamp_ms: None,
            events,
            fees: vec![],
            refused: vec![],
            normal_weight: 0,
        };
        board.apply_block(&block(5, vec![registered(2)]));
        assert!(!board.wants_listing(), "registrations may go on in the next block");
        board.apply_block(&block(6, vec![]));
        assert!(board.wants_listing());
        board.reset_nodes(&(0..3u8).map(|n| (account(n), info(4, 0))).collect::<Vec<_>>());
        assert!(!board.wants_listing());
    }

    #[test]
    fn boards_built_from_events_and_from_a_listing_agree_on_every_turn() {
        // Containers start at different times: one followed the events, one read a listing.
        let mut followed = board(5, 30);
        let mut read = Board::new(5);
        read.reset_nodes(&(0..30u8).map(|n| (account(n), info(4, 0))).collect::<Vec<_>>());
        for job in 0..50 {
            for n in 0..30u8 {
                assert_eq!(slot(&mut followed, job, n), slot(&mut read, job, n), "job {job}, node {n}");
            }
        }
    }

    #[test]
    fn the_testnet_seed_reorders_who_tries_first_and_every_node_agrees() {
        let firsts = |salt: u64, job: u64| -> Vec<u8> {
            let mut board = board(salt, 6);
            (0..6u8).filter(|n| board.may_try(job, &any_cpu(), &account(*n), 0)).collect()
        };
        assert_eq!(firsts(9, 5), firsts(9, 5), "one seed, one ranking");
        assert!((0..20).any(|job| firsts(0, job) != firsts(1, job)), "another seed, another ranking");
        assert!((0..20).all(|job| firsts(3, job).len() == PER_BLOCK));
    }

    #[test]
    fn offline_nodes_are_not_ranked() {
        let mut board = board(0, 4);
        let before: Vec<u64> = (0..4u8).map(|n| slot(&mut board, 7, n)).collect();
        for n in 0..4u8 {
            if before[n as usize] == 0 {
                board.apply(&MarketEvent::NodeStatusChanged { node: account(n), online: false });
            }
        }
        let mut still_online: Vec<u64> =
            (0..4u8).filter(|n| before[*n as usize] != 0).map(|n| slot(&mut board, 7, n)).collect();
        still_online.sort();
        assert_eq!(still_online, vec![0, TURN_BLOCKS, 2 * TURN_BLOCKS]);
    }

    #[test]
    fn a_node_registering_moves_ranks_of_open_jobs() {
        let mut board = board(1, 2);
        // Two nodes: one tries in the first turn, the other in the next.
        let mut two = [slot(&mut board, 3, 0), slot(&mut board, 3, 1)];
        two.sort();
        assert_eq!(two, [0, TURN_BLOCKS]);
        for n in 2..8 {
            board.apply(&registered(n));
        }
        let mut fresh = self::board(1, 8);
        for n in 0..8u8 {
            assert_eq!(slot(&mut board, 3, n), slot(&mut fresh, 3, n), "node {n}");
        }
    }

    #[test]
    fn a_board_keeps_no_ranking_of_a_job_once_taken() {
        let mut board = board(0, 4);
        board.may_try(9, &any_cpu(), &account(0), 0);
        assert_eq!((board.rankings.len(), board.ranked_entries), (1, 4));
        board.apply(&accepted(9, 1));
        assert!(board.rankings.is_empty());
        assert_eq!(board.ranked_entries, 0);
    }
}

//! The topology file as written: serde shapes that mirror the YAML one to one.
//!
//! Every leaf is wrapped in [`Sp`] so validation can point at the exact line and column of a
//! bad value. Nothing here is checked beyond YAML types; `validate` does the rest. The doc
//! comments double as the descriptions in `testnet schema`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::model::{Behaviour, Registration, Role};
use crate::diagnostics::Sp;

/// A testnet topology: validators, chain parameters and the compute fleet.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Topology", title = "testnet topology")]
pub(crate) struct RawTopology {
    /// Testnet name, `[a-z][a-z0-9-]{0,30}`; labels every Docker object of the testnet.
    pub name: Sp<String>,
    /// The validator set: give either `count` or `names`.
    pub validators: Sp<RawValidators>,
    /// Block time and the genesis parameters of the marketplace.
    #[serde(default)]
    pub chain: RawChain,
    /// Groups of compute daemons; node names are `<group>-<index>`, index from 0.
    #[serde(default)]
    pub compute: Sp<Vec<Sp<RawComputeGroup>>>,
    /// The artifact store container.
    #[serde(default)]
    pub store: RawStore,
    /// Host ports on 127.0.0.1; an omitted port is chosen by the engine.
    #[serde(default)]
    pub publish: RawPublish,
    /// Where the testnet runs: the local engine (default) or a Docker Swarm.
    #[serde(default)]
    pub engine: Option<Sp<super::engine::RawEngine>>,
}

/// Exactly one of `count` (names `validator-0`, `validator-1`, ...) or `names`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Validators")]
pub(crate) struct RawValidators {
    /// Number of validators, named `validator-<i>`.
    #[serde(default)]
    pub count: Option<Sp<u32>>,
    /// Explicit validator names.
    #[serde(default)]
    pub names: Option<Sp<Vec<Sp<String>>>>,
    /// On a swarm: `spread` (default: validator i on the i-th host, round-robin),
    /// `node:<host>` or `label:<key>=<value>`.
    #[serde(default)]
    pub placement: Option<Sp<String>>,
}

/// Chain-level settings.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Chain")]
pub(crate) struct RawChain {
    /// Target block time in milliseconds: even, 1000..=6000.
    pub block_time_ms: Sp<u32>,
    /// Genesis parameters of pallet-compute.
    pub market: RawMarket,
    /// Named funded accounts that submit jobs (at least one, unique).
    pub requesters: Sp<Vec<Sp<String>>>,
    /// Whole tokens given to each requester and each compute node at genesis.
    pub endowment: Sp<u64>,
    /// Runtime wasm to start on, relative to this file (e.g. an earlier runtime kept in
    /// `chain/runtimes/`, to upgrade from in a scenario); default: the node's own runtime.
    pub runtime: Option<Sp<String>>,
}

impl Default for RawChain {
    fn default() -> Self {
        Self {
            block_time_ms: Sp::unplaced(2000),
            market: RawMarket::default(),
            requesters: Sp::unplaced(vec![Sp::unplaced("requester".to_owned())]),
            endowment: Sp::unplaced(1_000_000),
            runtime: None,
        }
    }
}

/// Marketplace parameters set in genesis. Token amounts are whole tokens (10^12 base units).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Market")]
pub(crate) struct RawMarket {
    /// Blocks after a result during which anyone may challenge it.
    pub challenge_window_blocks: Sp<u32>,
    /// Blocks the committee has to vote on a dispute.
    pub voting_period_blocks: Sp<u32>,
    /// Blocks an open job waits for a node to accept it before it expires.
    pub accept_timeout_blocks: Sp<u32>,
    /// Blocks an accepted job has to produce a result, unless the job chooses.
    pub execution_timeout_blocks: Sp<u32>,
    /// Shortest execution window a job may choose (2..=execution_timeout_blocks), so no
    /// requester can set an honest node up to miss its deadline.
    pub min_execute_window_blocks: Sp<u32>,
    /// Blocks a finished job stays in chain storage before it is removed (events remain).
    pub retention_blocks: Sp<u32>,
    /// How many times a timed-out job is offered again (at least 1).
    pub max_attempts: Sp<u32>,
    /// Bond a challenger posts, in whole tokens.
    pub challenge_bond: Sp<u64>,
    /// Minimum stake of a compute node, in whole tokens.
    pub min_node_stake: Sp<u64>,
    /// Share of each payout kept by the protocol, 0..=100.
    pub protocol_fee_percent: Sp<u32>,
    /// Share of min_node_stake each job a node holds puts at risk, and that a timeout or a lost
    /// dispute forfeits, 0..=100. A node holds only as many jobs as its stake covers.
    pub slash_percent: Sp<u32>,
    /// Bounty the protocol pays a winning challenger, as a share of the challenge bond, 0..=100.
    pub challenger_reward_percent: Sp<u32>,
    /// Votes needed to decide a dispute: 1..=committee size when the committee is non-empty.
    pub quorum: Sp<u32>,
}

impl Default for RawMarket {
    fn default() -> Self {
        Self {
            challenge_window_blocks: Sp::unplaced(10),
            voting_period_blocks: Sp::unplaced(10),
            accept_timeout_blocks: Sp::unplaced(60),
            execution_timeout_blocks: Sp::unplaced(30),
            min_execute_window_blocks: Sp::unplaced(5),
            retention_blocks: Sp::unplaced(21_600),
            max_attempts: Sp::unplaced(2),
            challenge_bond: Sp::unplaced(50),
            min_node_stake: Sp::unplaced(100),
            protocol_fee_percent: Sp::unplaced(10),
            slash_percent: Sp::unplaced(50),
            challenger_reward_percent: Sp::unplaced(50),
            quorum: Sp::unplaced(1),
        }
    }
}

/// One group of identical compute daemons.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ComputeGroup")]
pub(crate) struct RawComputeGroup {
    /// Group name; its nodes are `<group>-0`, `<group>-1`, ...
    pub group: Sp<String>,
    /// Number of daemons in the group (at least 1).
    #[serde(default = "default_count")]
    pub count: Sp<u32>,
    /// Daemons per container; the last container takes the rest.
    #[serde(default = "one")]
    pub per_container: Sp<u32>,
    /// Declared CPU cores.
    #[serde(default = "default_cores")]
    pub cpu_cores: Sp<u32>,
    /// Declared memory in MiB.
    #[serde(default = "default_memory")]
    pub memory_mb: Sp<u64>,
    /// Declared GPUs; omit for CPU-only nodes.
    #[serde(default)]
    pub gpu: Option<Sp<RawGpu>>,
    /// How the daemon behaves, for fault-injection tests.
    #[serde(default = "default_behaviour")]
    pub behaviour: Sp<Behaviour>,
    /// `worker` runs jobs; `verifier` re-executes results and challenges or votes.
    #[serde(default = "default_role")]
    pub role: Sp<Role>,
    /// Committee membership (votes on disputes); defaults to true for verifiers.
    #[serde(default)]
    pub committee: Option<Sp<bool>>,
    /// Stake in whole tokens, at least `chain.market.min_node_stake`.
    #[serde(default = "default_stake")]
    pub stake: Sp<u64>,
    /// Jobs a daemon runs at once (at least 1).
    #[serde(default = "default_concurrency")]
    pub max_concurrent_jobs: Sp<u32>,
    /// `start` (default): each daemon registers itself when it starts; `genesis`: the nodes
    /// are registered in the chain's genesis, so `up` does not wait a block for them.
    #[serde(default = "default_registration")]
    pub registration: Sp<Registration>,
    /// On a swarm: `spread` (default: wherever there is room, moved when a host goes away),
    /// `node:<host>` or `label:<key>=<value>`.
    #[serde(default)]
    pub placement: Option<Sp<String>>,
}

/// Declared GPUs of every node in a group.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Gpu")]
pub(crate) struct RawGpu {
    /// GPUs per node (at least 1).
    #[serde(default = "one")]
    pub count: Sp<u32>,
    /// GPU model or class, printable ASCII, at most 32 bytes (e.g. `A100`).
    pub model: Sp<String>,
    /// Memory per GPU in MiB (at least 1).
    pub vram_mb: Sp<u64>,
}

/// The artifact store.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Store")]
pub(crate) struct RawStore {
    /// Run the content-addressed artifact store container.
    pub enabled: Sp<bool>,
    /// On a swarm: `spread` (default: the first host), `node:<host>` or `label:<key>=<value>`.
    pub placement: Option<Sp<String>>,
}

impl Default for RawStore {
    fn default() -> Self {
        Self { enabled: Sp::unplaced(true), placement: None }
    }
}

/// Host ports (on 127.0.0.1) for the testnet's endpoints.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Publish")]
pub(crate) struct RawPublish {
    /// Validator `i` serves JSON-RPC on host port `rpc_base + i`.
    pub rpc_base: Option<Sp<u32>>,
    /// Validator `i` serves Prometheus metrics on host port `metrics_base + i`.
    pub metrics_base: Option<Sp<u32>>,
    /// Host port of the artifact store.
    pub store: Option<Sp<u32>>,
}

fn default_count() -> Sp<u32> {
    Sp::unplaced(2)
}
fn one() -> Sp<u32> {
    Sp::unplaced(1)
}
fn default_cores() -> Sp<u32> {
    Sp::unplaced(4)
}
fn default_memory() -> Sp<u64> {
    Sp::unplaced(8192)
}
fn default_behaviour() -> Sp<Behaviour> {
    Sp::unplaced(Behaviour::Honest)
}
fn default_role() -> Sp<Role> {
    Sp::unplaced(Role::Worker)
}
fn default_registration() -> Sp<Registration> {
    Sp::unplaced(Registration::Start)
}
fn default_stake() -> Sp<u64> {
    Sp::unplaced(200)
}
fn default_concurrency() -> Sp<u32> {
    Sp::unplaced(2)
}

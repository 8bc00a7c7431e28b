//! The validated topology: what `testnet up` plans from. Every value here has passed the
//! checks in `validate`, and the types keep it that way (no public constructors for the
//! parts whose validity depends on the rest of the topology).

use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};

use serde::Serialize;

pub use cr_protocol::fleet::{Behaviour, Role};

/// Base units per whole token (12 decimals).
pub const UNITS_PER_TOKEN: u128 = 1_000_000_000_000;

/// The longest name a testnet, node, group or account may have.
pub const MAX_NAME_LEN: usize = 31;
/// The runtime's `MaxDeadline`: the longest accept or execute window, default or chosen.
pub const MAX_DEADLINE_BLOCKS: u32 = 100_000;

fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    starts_with_letter
        && s.len() <= MAX_NAME_LEN
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $ty(String);

        impl $ty {
            /// Accepts `[a-z][a-z0-9-]{0,30}`, refuses anything else.
            pub fn parse(s: &str) -> Option<Self> {
                is_valid_name(s).then(|| Self(s.to_owned()))
            }
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// A testnet's name; it labels every Docker object of the testnet.
    TestnetName
);
name_type!(
    /// The name of a validator, compute node, compute group or requester account. Unique
    /// within a topology, and safe as a DNS label and in a key derivation path.
    Name
);

/// A GPU model or class: 1 to 32 printable ASCII characters (the on-chain bound).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct GpuModel(String);

impl GpuModel {
    /// The longest model name the chain stores.
    pub const MAX_LEN: usize = 32;

    /// Accepts 1..=32 printable ASCII characters.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty() && s.len() <= Self::MAX_LEN && s.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        ok.then(|| Self(s.to_owned()))
    }
    /// The model as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole number of tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Tokens(pub u64);

impl Tokens {
    /// The amount in the chain's base units (10^12 per token); cannot overflow.
    pub fn base_units(self) -> u128 {
        u128::from(self.0) * UNITS_PER_TOKEN
    }
}

/// A percentage, 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Percent(u8);

impl Percent {
    /// Accepts 0..=100.
    pub fn new(value: u32) -> Option<Self> {
        u8::try_from(value).ok().filter(|v| *v <= 100).map(Self)
    }
    /// The value, 0..=100.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A validator node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidatorSpec {
    pub(crate) name: Name,
}

impl ValidatorSpec {
    /// The node name (`validator-<i>` when the topology gave a count).
    pub fn name(&self) -> &Name {
        &self.name
    }
}

/// Declared GPUs of a compute node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Gpu {
    /// GPUs on the node.
    pub count: NonZeroU32,
    /// Model or class.
    pub model: GpuModel,
    /// Memory per GPU, MiB.
    pub vram_mb: NonZeroU64,
}

/// What a compute node declares it can run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// CPU cores.
    pub cpu_cores: NonZeroU32,
    /// Memory, MiB.
    pub memory_mb: NonZeroU64,
    /// GPUs, if any.
    pub gpu: Option<Gpu>,
}

/// When a compute node is registered on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Registration {
    /// The daemon registers itself when it starts (the first block that can hold it).
    Start,
    /// In the chain's genesis: registered from block 0, as `register_node` would.
    Genesis,
}

/// One compute daemon (`cr-compute run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComputeNode {
    pub(crate) name: Name,
    pub(crate) group: Name,
    pub(crate) capabilities: Capabilities,
    pub(crate) behaviour: Behaviour,
    pub(crate) role: Role,
    pub(crate) committee: bool,
    pub(crate) stake: Tokens,
    pub(crate) max_concurrent_jobs: NonZeroU32,
    pub(crate) registration: Registration,
    pub(crate) container: usize,
}

impl ComputeNode {
    /// `<group>-<index>`, index from 0 within the group.
    pub fn name(&self) -> &Name {
        &self.name
    }
    /// The group it was declared in.
    pub fn group(&self) -> &Name {
        &self.group
    }
    /// Declared CPU, memory and GPUs.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }
    /// Honest or an injected fault.
    pub fn behaviour(&self) -> Behaviour {
        self.behaviour
    }
    /// Worker or verifier.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Whether it votes on disputes (genesis committee).
    pub fn committee(&self) -> bool {
        self.committee
    }
    /// Stake it registers with, in whole tokens.
    pub fn stake_tokens(&self) -> Tokens {
        self.stake
    }
    /// Jobs it runs at once.
    pub fn max_concurrent_jobs(&self) -> NonZeroU32 {
        self.max_concurrent_jobs
    }
    /// Whether genesis registers it or its daemon does.
    pub fn registration(&self) -> Registration {
        self.registration
    }
    /// Index into [`super::Topology::compute_containers`] of the container that runs it.
    pub fn container(&self) -> usize {
        self.container
    }
}

/// A container running one or more daemons of one group (density for big fleets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ComputeContainer {
    /// Position in [`super::Topology::compute_containers`].
    pub index: usize,
    /// The group its daemons belong to.
    pub group: Name,
    /// Its daemons, in order; never empty.
    pub nodes: Vec<Name>,
}

impl ComputeContainer {
    /// The node label of the container: its daemon's name when alone, else `<group>-c<index>`.
    pub fn label(&self) -> String {
        match self.nodes.as_slice() {
            [only] => only.as_str().to_owned(),
            _ => format!("{}-c{}", self.group.as_str(), self.index),
        }
    }
}

/// Genesis parameters of pallet-compute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MarketParams {
    /// Blocks during which a result may be challenged.
    pub challenge_window_blocks: NonZeroU32,
    /// Blocks the committee has to vote.
    pub voting_period_blocks: NonZeroU32,
    /// Blocks an open job waits to be accepted.
    pub accept_timeout_blocks: NonZeroU32,
    /// Blocks an accepted job has to produce a result.
    pub execution_timeout_blocks: NonZeroU32,
    /// Shortest execution window a job may choose.
    pub min_execute_window_blocks: NonZeroU32,
    /// Blocks a finished job stays in storage.
    pub retention_blocks: NonZeroU32,
    /// Attempts a job gets before it is refunded.
    pub max_attempts: NonZeroU32,
    /// Bond a challenger posts.
    pub challenge_bond: Tokens,
    /// Minimum node stake.
    pub min_node_stake: Tokens,
    /// Protocol's share of a payout.
    pub protocol_fee: Percent,
    /// Share of `min_node_stake` each held job puts at risk.
    pub slash: Percent,
    /// Share of the challenge bond paid to a winning challenger by the protocol.
    pub challenger_reward: Percent,
    /// Votes needed to decide a dispute; within 1..=committee size unless the committee is empty.
    pub quorum: u32,
}

/// Host ports on 127.0.0.1; `None` lets Docker choose. Ranges are known not to overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Publish {
    pub(crate) rpc_base: Option<u16>,
    pub(crate) metrics_base: Option<u16>,
    pub(crate) store: Option<u16>,
}

impl Publish {
    /// Host JSON-RPC port of validator `index`, if published.
    pub fn rpc_port(&self, index: usize) -> Option<u16> {
        offset(self.rpc_base?, index)
    }
    /// Host metrics port of validator `index`, if published.
    pub fn metrics_port(&self, index: usize) -> Option<u16> {
        offset(self.metrics_base?, index)
    }
    /// Host port of the artifact store, if published.
    pub fn store_port(&self) -> Option<u16> {
        self.store
    }
}

fn offset(base: u16, index: usize) -> Option<u16> {
    u16::try_from(index).ok().and_then(|i| base.checked_add(i))
}

//! The chain as the light side sees it: a subxt API generated at compile time from the runtime
//! metadata checked in at `protocol/metadata/compute.scale` (regenerate it with
//! `ci/export-metadata.sh`; the end-to-end tier fails when it is stale), plus the few typed
//! operations the daemon and the orchestrator need.

mod blocks;
mod client;
mod convert;
mod error;
mod follow;
mod layout;
mod reads;
mod refused;
mod result;
mod upgrade;

pub use client::{BlockEvents, Chain, Finality, TxOutcome};
pub use convert::{capabilities, requirements, result_uri, uri};
pub use error::ChainError;
pub use layout::{built_runtime, built_spec_version, Layout};
pub use refused::{market_error_names, RefusedCall};
pub use result::ResultClaim;
pub use upgrade::{RuntimeUpgrade, UpgradeError};

/// The generated API. `api::runtime_types::pallet_compute::types` holds the marketplace types.
#[subxt::subxt(runtime_metadata_path = "metadata/compute.scale", derive_for_all_types = "Clone, PartialEq, Eq")]
pub mod api {}

pub use api::runtime_types::pallet_compute::types as market;
pub use subxt::utils::{AccountId32, H256};

/// Base units per token (12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;

/// The domain tag every signed result payload starts with (the runtime's `RESULT_DOMAIN`).
pub const RESULT_DOMAIN: [u8; 16] = *b"cr-compute:res/1";

/// A job as stored on chain.
pub type Job = market::Job<AccountId32, u128, u32>;
/// A job's lifecycle state.
pub type JobStatus = market::JobStatus<AccountId32, u128, u32>;
/// A registered compute node.
pub type NodeInfo = market::NodeInfo<u128>;
/// Marketplace parameters.
pub type MarketParams = market::MarketParams<u128, u32>;
/// A marketplace event.
pub type MarketEvent = api::compute::Event;

//! Storage layouts of `pallet-compute`, one per storage version. A testnet may run an older
//! runtime than this program was built for (started on a kept runtime, or before an upgrade), so
//! every read of an entry whose layout changed asks the block's own metadata which layout it has
//! and decodes with that one. An unknown layout stops with [`ChainError::Incompatible`] naming
//! the entry: one layout is never decoded as another.
//!
//! A new storage version means: keep the previous runtime's metadata next to `compute.scale`,
//! add its layout here with the structs it stored, and say what the missing fields read as.

use super::{api, market, AccountId32, Job, MarketParams, NodeInfo, H256};
use std::sync::OnceLock;
use subxt::ext::scale_decode::{self, DecodeAsType};
use subxt::Metadata;

type BoundedBytes = api::runtime_types::bounded_collections::bounded_vec::BoundedVec<u8>;
type Percent = api::runtime_types::sp_arithmetic::per_things::Percent;

/// A storage layout of the marketplace pallet this program reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Storage v1 (spec 101 on): the generated API.
    V1,
    /// Storage v0 (spec 100, kept in `chain/runtimes/`): jobs put no stake at risk, nodes carry
    /// no exposure, and there is no execution-window floor and no retention. Read as zero
    /// stake at risk, zero exposure, a floor of 1 block and `u32::MAX` retention (kept forever),
    /// which is what v0 did.
    V0,
}

/// The `(spec_name, spec_version)` of the runtime this program was built against
/// (`System.Version` in its checked-in metadata, compiled in; a unit test reads it).
#[allow(clippy::expect_used)]
pub fn built_runtime() -> &'static (String, u32) {
    static BUILT: OnceLock<(String, u32)> = OnceLock::new();
    BUILT.get_or_init(|| {
        use subxt::ext::codec::Decode;
        let metadata = current_metadata().expect("the compiled-in metadata decodes");
        let version = metadata.pallet_by_name("System").and_then(|p| p.constant_by_name("Version"));
        let decoded = version.and_then(|v| <(String, String, u32, u32)>::decode(&mut v.value()).ok());
        decoded.map(|(name, _, _, spec)| (name, spec)).expect("the compiled-in metadata has System.Version")
    })
}

/// The `spec_version` of [`built_runtime`].
pub fn built_spec_version() -> u32 {
    built_runtime().1
}

impl Layout {
    /// The layout a runtime of `spec_version` stores the marketplace in, for the runtimes this
    /// build reads: spec 100 (v0) and every spec from the first with v1 up to its own (a spec
    /// that changed behaviour but not storage keeps the layout). `None` for any other.
    pub fn for_spec(spec_version: u32) -> Option<Self> {
        match spec_version {
            V0_SPEC => Some(Self::V0),
            spec if (V1_FIRST_SPEC..=built_spec_version()).contains(&spec) => Some(Self::V1),
            _ => None,
        }
    }
}

/// The metadata this program was built with, decoded once.
pub(super) fn current_metadata() -> Option<&'static Metadata> {
    static CURRENT: OnceLock<Option<Metadata>> = OnceLock::new();
    CURRENT.get_or_init(|| Metadata::decode_from(include_bytes!("../../metadata/compute.scale")).ok()).as_ref()
}

/// The metadata of the last spec-100 runtime (storage v0), decoded once.
fn v0_metadata() -> Option<&'static Metadata> {
    static V0: OnceLock<Option<Metadata>> = OnceLock::new();
    V0.get_or_init(|| Metadata::decode_from(include_bytes!("../../metadata/compute-spec100.scale")).ok()).as_ref()
}

/// The layout `Compute.<entry>` has under `metadata` (a block's), given the hash the generated
/// API expects; the error says what does not match.
pub(super) fn of(metadata: &Metadata, entry: &str, generated: Option<[u8; 32]>) -> Result<Layout, String> {
    let hash = |m: &Metadata| m.pallet_by_name("Compute").and_then(|p| p.storage_hash(entry));
    let Some(at) = hash(metadata) else {
        return Err(format!("its runtime has no storage entry Compute.{entry}"));
    };
    if Some(at) == generated {
        return Ok(Layout::V1);
    }
    if v0_metadata().and_then(hash) == Some(at) {
        return Ok(Layout::V0);
    }
    Err(format!(
        "Compute.{entry} is stored in a layout this program cannot read (it reads storage v1 of its own build \
         and v0 of spec 100)"
    ))
}

/// A v0 job: no stake at risk.
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub(super) struct JobV0 {
    requester: AccountId32,
    spec_hash: H256,
    spec_uri: BoundedBytes,
    requirements: market::Requirements,
    budget: u128,
    execute_within: u32,
    accept_within: u32,
    submitted_at: u32,
    attempt: u32,
    status: super::JobStatus,
}

impl From<JobV0> for Job {
    fn from(v0: JobV0) -> Self {
        Self {
            requester: v0.requester,
            spec_hash: v0.spec_hash,
            spec_uri: v0.spec_uri,
            requirements: v0.requirements,
            budget: v0.budget,
            execute_within: v0.execute_within,
            accept_within: v0.accept_within,
            submitted_at: v0.submitted_at,
            attempt: v0.attempt,
            stake_at_risk: 0,
            status: v0.status,
        }
    }
}

/// A v0 node: no exposure.
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub(super) struct NodeInfoV0 {
    capabilities: market::Capabilities,
    result_key: [u8; 32],
    stake: u128,
    online: bool,
    max_concurrent: u32,
    active_jobs: u32,
    unsettled_jobs: u32,
}

impl From<NodeInfoV0> for NodeInfo {
    fn from(v0: NodeInfoV0) -> Self {
        Self {
            capabilities: v0.capabilities,
            result_key: v0.result_key,
            stake: v0.stake,
            online: v0.online,
            max_concurrent: v0.max_concurrent,
            active_jobs: v0.active_jobs,
            unsettled_jobs: v0.unsettled_jobs,
            exposure: 0,
        }
    }
}

/// v0 parameters: no execution floor, no retention.
#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub(super) struct MarketParamsV0 {
    challenge_window: u32,
    voting_period: u32,
    accept_timeout: u32,
    execution_timeout: u32,
    max_attempts: u32,
    challenge_bond: u128,
    min_node_stake: u128,
    protocol_fee: Percent,
    slash: Percent,
    challenger_reward: Percent,
    quorum: u32,
}

impl From<MarketParamsV0> for MarketParams {
    fn from(v0: MarketParamsV0) -> Self {
        Self {
            challenge_window: v0.challenge_window,
            voting_period: v0.voting_period,
            accept_timeout: v0.accept_timeout,
            execution_timeout: v0.execution_timeout,
            min_execute_within: 1,
            retention: u32::MAX,
            max_attempts: v0.max_attempts,
            challenge_bond: v0.challenge_bond,
            min_node_stake: v0.min_node_stake,
            protocol_fee: v0.protocol_fee,
            slash: v0.slash,
            challenger_reward: v0.challenger_reward,
            quorum: v0.quorum,
        }
    }
}

/// Decode a stored value of `Compute.<entry>` in `layout`, with the types of the metadata that
/// defines that layout: the bytes are known to be in it, whatever metadata the block they were
/// read at announces.
pub(super) fn decode<V, Old>(bytes: &[u8], entry: &str, layout: Layout) -> Result<V, String>
where
    V: DecodeAsType,
    Old: DecodeAsType + Into<V>,
{
    let metadata = match layout {
        Layout::V1 => current_metadata(),
        Layout::V0 => v0_metadata(),
    }
    .ok_or("the checked-in metadata does not decode")?;
    let entry_meta = metadata.pallet_by_name("Compute").and_then(|p| p.storage()).and_then(|s| s.entry_by_name(entry));
    let ty = entry_meta.map(|e| e.value_ty()).ok_or_else(|| format!("no Compute.{entry} in {layout:?}"))?;
    let mut input = bytes;
    let value = match layout {
        Layout::V1 => V::decode_as_type(&mut input, ty, metadata.types()),
        Layout::V0 => Old::decode_as_type(&mut input, ty, metadata.types()).map(Into::into),
    }
    .map_err(|e| e.to_string())?;
    if !input.is_empty() {
        return Err(format!("{} bytes left over: not the {layout:?} layout", input.len()));
    }
    Ok(value)
}

/// The layout a runtime of `spec_version` stores `Compute.<entry>` in, for a block whose own
/// metadata is not the one its storage was written with (the block that sets a new runtime).
pub(super) fn of_spec(spec_version: u32, entry: &str, generated: Option<[u8; 32]>) -> Result<Layout, String> {
    match Layout::for_spec(spec_version) {
        Some(Layout::V1) => {
            let current = current_metadata().ok_or("the checked-in metadata does not decode")?;
            return of(current, entry, generated);
        }
        Some(Layout::V0) => return Ok(Layout::V0),
        None => {}
    }
    Err(format!(
        "its storage was written by spec {spec_version}, whose Compute.{entry} layout this program does not know"
    ))
}

/// The runtime whose storage layout is v0.
const V0_SPEC: u32 = 100;
/// The first spec that stored v1 (the attack fixes).
const V1_FIRST_SPEC: u32 = 101;

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> &'static Metadata {
        current_metadata().expect("checked-in metadata")
    }

    fn generated(entry: &str) -> Option<[u8; 32]> {
        use subxt::storage::Address;
        match entry {
            "Jobs" => api::storage().compute().jobs().validation_hash(),
            "Nodes" => api::storage().compute().nodes().validation_hash(),
            _ => api::storage().compute().params().validation_hash(),
        }
    }

    #[test]
    fn the_build_knows_its_spec_version() {
        assert!(built_spec_version() >= 101, "{}", built_spec_version());
        assert_eq!(built_runtime().0, "compute-marketplace");
    }

    #[test]
    fn the_build_s_own_metadata_is_v1() {
        for entry in ["Jobs", "Nodes", "Params"] {
            assert_eq!(of(current(), entry, generated(entry)), Ok(Layout::V1), "{entry}");
        }
    }

    /// Spec 102 changed weights only: the spec-101 runtimes (the broken-migration fixture among
    /// them) store what this build's metadata describes.
    #[test]
    fn every_spec_from_the_first_v1_to_the_build_s_own_is_v1() {
        assert_eq!(Layout::for_spec(V0_SPEC), Some(Layout::V0));
        for spec in V1_FIRST_SPEC..=built_spec_version() {
            assert_eq!(Layout::for_spec(spec), Some(Layout::V1), "spec {spec}");
        }
        assert_eq!(Layout::for_spec(V0_SPEC - 1), None);
        assert_eq!(Layout::for_spec(built_spec_version() + 1), None);
    }

    #[test]
    fn spec_100_is_v0_for_every_changed_entry() {
        let v0 = v0_metadata().expect("spec-100 metadata decodes");
        for entry in ["Jobs", "Nodes", "Params"] {
            assert_eq!(of(v0, entry, generated(entry)), Ok(Layout::V0), "{entry}");
        }
    }

    #[test]
    fn an_unknown_layout_is_refused_by_name() {
        // A runtime whose `Jobs` is neither this build's layout nor v0's.
        let err = of(current(), "Jobs", Some([7; 32])).expect_err("unknown layout");
        assert!(err.contains("Compute.Jobs"), "{err}");
        let err = of(current(), "NoSuchEntry", None).expect_err("missing entry");
        assert!(err.contains("no storage entry Compute.NoSuchEntry"), "{err}");
    }
}

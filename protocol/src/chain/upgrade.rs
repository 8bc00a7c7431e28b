//! Replacing the runtime of a running chain as its root would (`sudo(system.set_code)`), and
//! finding the block from which the new runtime runs.

use super::{api, Chain, ChainError, Finality, H256};
use std::time::Duration;
use subxt_signer::sr25519::Keypair;

/// Longest wait for the call's inclusion, and then for the first block of the new runtime.
const STALL_BOUND: Duration = Duration::from_secs(120);

/// A runtime upgrade that took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeUpgrade {
    /// Block that included the `set_code` call.
    pub included_at: u64,
    /// Its hash: the last block of the old runtime's storage layout.
    pub included_in: H256,
    /// First block built by the new runtime.
    pub applied_at: u64,
    /// `spec_version` before.
    pub from_spec: u32,
    /// `spec_version` after.
    pub to_spec: u32,
}

/// Why an upgrade did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// The call was included and the chain refused the code (e.g.
    /// `System::SpecVersionNeedsToIncrease`); the chain keeps its runtime.
    #[error("the chain refused the new runtime with {0}; it keeps running its current runtime")]
    Refused(String),
    /// The call went in and the chain reports another runtime than the one sent.
    #[error("block #{included_at} set a runtime of spec {running}, not the spec {expected} that was sent")]
    NotApplied { expected: u32, included_at: u64, running: u32 },
    /// The call was not included in time.
    #[error("the set_code call was not included within {secs} s; is the chain producing blocks (`testnet status`)?")]
    NotIncluded { secs: u64 },
    /// No block followed the one that set the code: the new runtime does not build blocks.
    #[error("no block after #{included_at} within {secs} s: the new runtime does not build blocks")]
    Stalled { included_at: u64, secs: u64 },
    /// Submitting or reading failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl Chain {
    /// Set the runtime to `code` (a wasm blob, compressed or not) with the sudo key, check that
    /// the chain took it as `expected_spec`, and wait until the first block built by it is in
    /// the best chain. Every wait is bounded.
    pub async fn upgrade_runtime(
        &self,
        sudo: &Keypair,
        code: Vec<u8>,
        expected_spec: u32,
    ) -> Result<RuntimeUpgrade, UpgradeError> {
        use api::runtime_types::frame_system::pallet::Call as SystemCall;
        let from_spec = self.spec_version_at(Finality::Best).await?;
        // Unvalidated: `sudo` takes any call, so its hash covers every pallet's calls and
        // differs between runtimes; the call is encoded by name against the live metadata.
        let call = api::tx().sudo().sudo(api::Call::System(SystemCall::set_code { code })).unvalidated();
        let outcome = tokio::time::timeout(STALL_BOUND, self.submit(&call, sudo, Finality::Best))
            .await
            .map_err(|_| UpgradeError::NotIncluded { secs: STALL_BOUND.as_secs() })??;
        let at = self.at(Finality::At(outcome.block)).await?;
        let included_at = at.block_number();
        // Sudo succeeds as an extrinsic whatever the inner call does; its answer is an event.
        let events = at.events().fetch().await.map_err(|e| ChainError::rpc("reading the upgrade's events", e))?;
        for ev in events.iter() {
            let ev = ev.map_err(|e| ChainError::rpc("reading the upgrade's events", e))?;
            match ev.decode_as::<api::Event>() {
                Ok(api::Event::Sudo(api::sudo::Event::Sudid { sudo_result: Err(e) })) => {
                    return Err(UpgradeError::Refused(super::refused::error_name(&e, at.metadata_ref())));
                }
                Err(e) if ev.pallet_name() == "Sudo" => {
                    return Err(ChainError::rpc("decoding sudo's answer to set_code", e).into());
                }
                _ => {}
            }
        }
        // `set_code` writes the code into its own block's state, so that block already reports
        // the new spec; the next block is the first one the new runtime builds.
        let running = at.spec_version();
        if running != expected_spec {
            return Err(UpgradeError::NotApplied { expected: expected_spec, included_at, running });
        }
        let deadline = tokio::time::Instant::now() + STALL_BOUND;
        while self.block_hash(included_at + 1).await?.is_none() {
            if tokio::time::Instant::now() > deadline {
                return Err(UpgradeError::Stalled { included_at, secs: STALL_BOUND.as_secs() });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(RuntimeUpgrade {
            included_at,
            included_in: outcome.block,
            applied_at: included_at + 1,
            from_spec,
            to_spec: running,
        })
    }
}

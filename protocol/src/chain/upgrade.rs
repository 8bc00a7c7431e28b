//! Replacing the runtime of a running chain as its root would (`sudo(system.set_code)`), and
//! finding the block from which the new runtime runs.

use super::{api, Chain, ChainError, Finality, H256};
use std::time::Duration;
use subxt_signer::sr25519::Keypair;

/// Blocks after its inclusion within which the new runtime must be running: `set_code` takes
/// effect in the very next block, the rest is room for forks in a young testnet.
const APPLY_WITHIN_BLOCKS: u64 = 10;
/// Longest wait for those blocks, whatever the block time.
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
    /// The call went in, but the runtime did not change within the bound.
    #[error(
        "the new runtime (spec {expected}) was not running {blocks} blocks after block {included_at}, which set it; \
         the chain still runs spec {running}"
    )]
    NotApplied { expected: u32, included_at: u64, blocks: u64, running: u32 },
    /// Submitting or reading failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl Chain {
    /// Set the runtime to `code` (a wasm blob, compressed or not) with the sudo key, and wait
    /// until a block built by it (one whose `spec_version` is `expected_spec`) is in the best
    /// chain.
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
        let outcome = self.submit(&call, sudo, Finality::Best).await?;
        let at = self.at(Finality::At(outcome.block)).await?;
        let included_at = at.block_number();
        // Sudo succeeds as an extrinsic whatever the inner call does; its answer is an event.
        let events = at.events().fetch().await.map_err(|e| ChainError::rpc("reading the upgrade's events", e))?;
        for ev in events.iter().flatten() {
            if let Ok(api::Event::Sudo(api::sudo::Event::Sudid { sudo_result: Err(e) })) = ev.decode_as::<api::Event>()
            {
                let name = super::refused::error_name(&e, at.metadata_ref());
                return Err(UpgradeError::Refused(name));
            }
        }
        let mut running = from_spec;
        let not_applied = |running| UpgradeError::NotApplied {
            expected: expected_spec,
            included_at,
            blocks: APPLY_WITHIN_BLOCKS,
            running,
        };
        // A chain that stopped producing blocks does not hold the caller forever.
        let deadline = tokio::time::Instant::now() + STALL_BOUND;
        for number in included_at + 1..=included_at + APPLY_WITHIN_BLOCKS {
            let hash = loop {
                if let Some(hash) = self.block_hash(number).await? {
                    break hash;
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(not_applied(running));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            };
            running = self.spec_version_at(Finality::At(hash)).await?;
            if running == expected_spec {
                let included_in = outcome.block;
                return Ok(RuntimeUpgrade {
                    included_at,
                    included_in,
                    applied_at: number,
                    from_spec,
                    to_spec: running,
                });
            }
        }
        Err(not_applied(running))
    }
}

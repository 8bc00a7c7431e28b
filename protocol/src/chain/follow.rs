//! Turning subxt's transaction progress and blocks into marketplace outcomes.

use super::blocks::Failure;
use super::{Chain, ChainError, Finality, TxOutcome};
use subxt::{
    client::OnlineClientAtBlockImpl,
    tx::{TransactionProgress, TransactionStatus},
    SubstrateConfig,
};

/// Wait for a submitted transaction to land in a block of `finality` and succeed. Its outcome
/// is read from the block as this connection reads it once for everyone (`blocks.rs`).
pub(super) async fn wait(
    chain: &Chain,
    mut progress: TransactionProgress<SubstrateConfig, OnlineClientAtBlockImpl<SubstrateConfig>>,
    finality: Finality,
    call: &str,
) -> Result<TxOutcome, ChainError> {
    let rejected = |reason: String| ChainError::Rejected { call: call.to_owned(), reason };
    let mut last_error = None;
    while let Some(status) = progress.next().await {
        let status = status.map_err(|e| rejected(e.to_string()))?;
        let (in_block, finalized) = match status {
            TransactionStatus::InBestBlock(b) if finality != Finality::Finalized => (b, false),
            TransactionStatus::InFinalizedBlock(b) => (b, true),
            TransactionStatus::Error { message }
            | TransactionStatus::Invalid { message }
            | TransactionStatus::Dropped { message } => return Err(rejected(message)),
            _ => continue,
        };
        let (block, extrinsic) = (in_block.block_hash(), in_block.extrinsic_hash());
        let read = match chain.read_block(block).await {
            Ok(read) => read,
            // A best block can be retracted (two authors, one slot) before it is read; the
            // transaction is then re-included or finalized later, so keep waiting.
            Err(e) if !finalized => {
                last_error = Some(e.to_string());
                continue;
            }
            Err(e) => return Err(rejected(e.to_string())),
        };
        let Some(outcome) = read.outcome(extrinsic) else {
            let missing = format!("block {block:?} does not hold extrinsic {extrinsic:?}");
            if finalized {
                return Err(rejected(missing));
            }
            last_error = Some(missing);
            continue;
        };
        // A dispatch error is the transaction's own answer and ends the wait at once.
        return match &outcome.failed {
            Some(Failure::Module(error)) => Err(ChainError::Failed { call: call.to_owned(), error: error.clone() }),
            Some(Failure::Other(error)) => Err(rejected(error.clone())),
            None => Ok(TxOutcome { block, events: outcome.events.clone(), fee: outcome.fee }),
        };
    }
    Err(rejected(last_error.unwrap_or_else(|| "the node closed the transaction subscription".into())))
}

//! Turning subxt's transaction progress and blocks into marketplace outcomes.
//!
//! A transaction the pool already holds is not a refusal. subxt's default backend submits
//! through chainHead's `transactionWatch` and, when that call fails, hands the same bytes to the
//! legacy `author_submitAndWatchExtrinsic`; if the first attempt reached the pool and only its
//! answer was lost (a node slow under load), the second is refused as already imported while
//! the first goes on to be included. A load run counted such a job as refused although it
//! existed. Such a transaction is followed through the blocks instead, by its hash.

use super::blocks::{ExtrinsicOutcome, Failure};
use super::client::{AtBlock, BIRTH_LAG, MORTAL_PERIOD};
use super::{Chain, ChainError, Finality, TxOutcome, H256};
use std::time::Duration;
use subxt::{
    client::OnlineClientAtBlockImpl,
    tx::{TransactionProgress, TransactionStatus},
    SubstrateConfig,
};

type Progress = TransactionProgress<SubstrateConfig, OnlineClientAtBlockImpl<SubstrateConfig>>;

/// How long a search waits for the chain to grow by one block before giving up on it.
const NO_NEW_BLOCK: Duration = Duration::from_secs(60);
/// Pause between looks at a chain that has not grown yet.
const LOOK_AGAIN: Duration = Duration::from_millis(300);

/// A transaction handed to the pool, and how to learn what became of it.
pub(super) struct Sent {
    /// Hash of its bytes: how blocks name it.
    hash: H256,
    /// The first block number that can hold it (its birth's successor, for a signed one).
    from: u64,
    /// The pool's watch; `None` when the pool already held these bytes.
    watch: Option<Progress>,
}

/// Whether the pool's answer says it holds these bytes already.
fn already_pooled(message: &str) -> bool {
    message.to_ascii_lowercase().contains("already imported")
}

/// A pool submission's answer: the hash, also when the pool already held the bytes.
pub(super) fn pooled(hash: H256, answer: Result<H256, impl std::fmt::Display>) -> Result<H256, String> {
    match answer {
        Ok(hash) => Ok(hash),
        Err(e) if already_pooled(&e.to_string()) => Ok(hash),
        Err(e) => Err(e.to_string()),
    }
}

/// Hand signed bytes to the pool with `at` the best block, and watch them.
pub(super) async fn send(at: &AtBlock, encoded: Vec<u8>) -> Result<Sent, String> {
    let tx = at.transactions().from_bytes(encoded);
    let hash = tx.hash();
    let from = at.block_number().saturating_sub(BIRTH_LAG) + 1;
    match tx.submit_and_watch().await {
        Ok(progress) => Ok(Sent { hash, from, watch: Some(progress) }),
        Err(e) if already_pooled(&e.to_string()) => Ok(Sent { hash, from, watch: None }),
        Err(e) => Err(e.to_string()),
    }
}

/// Wait for a submitted transaction to land in a block of `finality` and succeed. Its outcome
/// is read from the block as this connection reads it once for everyone (`blocks.rs`).
pub(super) async fn wait(chain: &Chain, sent: Sent, finality: Finality, call: &str) -> Result<TxOutcome, ChainError> {
    let rejected = |reason: String| ChainError::Rejected { call: call.to_owned(), reason };
    let Some(mut progress) = sent.watch else { return search(chain, sent.hash, sent.from, finality, call).await };
    let mut last_error = None;
    while let Some(status) = progress.next().await {
        let status = status.map_err(|e| rejected(e.to_string()))?;
        let (in_block, finalized) = match status {
            TransactionStatus::InBestBlock(b) if finality != Finality::Finalized => (b, false),
            TransactionStatus::InFinalizedBlock(b) => (b, true),
            TransactionStatus::Error { message }
            | TransactionStatus::Invalid { message }
            | TransactionStatus::Dropped { message } => {
                if already_pooled(&message) {
                    return search(chain, sent.hash, sent.from, finality, call).await;
                }
                return Err(rejected(message));
            }
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
        return answer(outcome, block, read.events.timestamp_ms, call);
    }
    Err(rejected(last_error.unwrap_or_else(|| "the node closed the transaction subscription".into())))
}

/// Find the transaction `hash` in the best chain's blocks from number `from` until its
/// mortality ends, and wait for that block to be of `finality`.
async fn search(chain: &Chain, hash: H256, from: u64, finality: Finality, call: &str) -> Result<TxOutcome, ChainError> {
    let rejected = |reason: String| ChainError::Rejected { call: call.to_owned(), reason };
    let until = from.saturating_add(MORTAL_PERIOD);
    let mut number = from;
    let mut waiting_since = tokio::time::Instant::now();
    while number <= until {
        // Not there yet, or retracted before it was read: look at that height again.
        let read = match chain.block_hash(number).await? {
            Some(block) => chain.read_block(block).await.ok().map(|read| (block, read)),
            None => None,
        };
        let Some((block, read)) = read else {
            if waiting_since.elapsed() > NO_NEW_BLOCK {
                return Err(rejected(format!("the pool held it, and the chain stopped at #{}", number - 1)));
            }
            tokio::time::sleep(LOOK_AGAIN).await;
            continue;
        };
        waiting_since = tokio::time::Instant::now();
        let Some(outcome) = read.outcome(hash) else {
            number += 1;
            continue;
        };
        if finality == Finality::Finalized && !finalized_as(chain, number, block).await? {
            // Reorganised away before finality: it may be in the new block at that height.
            continue;
        }
        return answer(outcome, block, read.events.timestamp_ms, call);
    }
    Err(rejected(format!("the pool held it, but no block up to #{until} (its mortality) included it")))
}

/// Wait until block `number` is finalized; whether the finalized chain holds `block` there.
async fn finalized_as(chain: &Chain, number: u64, block: H256) -> Result<bool, ChainError> {
    let since = tokio::time::Instant::now();
    while chain.heads().await?.1 < number {
        if since.elapsed() > NO_NEW_BLOCK {
            let reason = format!("block #{number} holds it, but was not finalized within {NO_NEW_BLOCK:?}");
            return Err(ChainError::rpc("waiting for finality", reason));
        }
        tokio::time::sleep(LOOK_AGAIN).await;
    }
    Ok(chain.block_hash(number).await? == Some(block))
}

/// What an included transaction did: its events, or its dispatch error, which ends the wait.
fn answer(
    outcome: &ExtrinsicOutcome,
    block: H256,
    timestamp_ms: Option<u64>,
    call: &str,
) -> Result<TxOutcome, ChainError> {
    match &outcome.failed {
        Some(Failure::Module(error)) => Err(ChainError::Failed { call: call.to_owned(), error: error.clone() }),
        Some(Failure::Other(error)) => Err(ChainError::Rejected { call: call.to_owned(), reason: error.clone() }),
        None => {
            Ok(TxOutcome { block, events: outcome.events.clone(), fee: outcome.fee, block_timestamp_ms: timestamp_ms })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_holding_the_bytes_is_an_acceptance_and_other_refusals_stay_refusals() {
        let hash = H256([7; 32]);
        // As substrate's pool words it, through the legacy RPC and through transactionWatch.
        let held = ["Transaction is already imported", "1013: Transaction Already Imported"];
        for message in held {
            assert_eq!(pooled(hash, Err::<H256, _>(message)), Ok(hash), "{message}");
        }
        let refused = pooled(hash, Err::<H256, _>("Invalid Transaction: Transaction is outdated"));
        assert_eq!(refused, Err("Invalid Transaction: Transaction is outdated".to_owned()));
    }
}

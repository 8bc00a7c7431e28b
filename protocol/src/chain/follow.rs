//! Turning subxt's transaction progress and blocks into marketplace outcomes.

use super::client::BlockEvents;
use super::{api, ChainError, Finality, TxOutcome, H256};
use subxt::{
    client::{Block, OnlineClientAtBlockImpl},
    error::{DispatchError, TransactionEventsError},
    tx::{TransactionProgress, TransactionStatus},
    SubstrateConfig,
};

/// Wait for a submitted transaction to land in a block of `finality` and succeed.
pub(super) async fn wait(
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
        let events = match in_block.wait_for_success().await {
            Ok(events) => events,
            // A best block can be retracted (two authors, one slot) before its events are
            // read; the transaction is then re-included or finalized later, so keep waiting.
            // A dispatch error is the transaction's own answer and ends the wait at once.
            Err(e) if !finalized && !matches!(e, TransactionEventsError::ExtrinsicFailed(_)) => {
                last_error = Some(e.to_string());
                continue;
            }
            Err(TransactionEventsError::ExtrinsicFailed(DispatchError::Module(m))) => {
                return Err(ChainError::Failed { call: call.to_owned(), error: m.details_string() })
            }
            Err(e) => return Err(rejected(e.to_string())),
        };
        let mut outcome = TxOutcome { block: in_block.block_hash(), events: Vec::new(), fee: 0 };
        for ev in events.iter() {
            let ev = ev.map_err(|e| rejected(format!("undecodable event: {e}")))?;
            match ev.decode_as::<api::Event>() {
                Ok(api::Event::Compute(e)) => outcome.events.push(e),
                Err(e) if ev.pallet_name() == "Compute" => {
                    let (block, event) = (format!("{:?}", in_block.block_hash()), ev.event_name().to_owned());
                    return Err(ChainError::UnknownEvent { block, event, reason: e.to_string() });
                }
                Ok(api::Event::TransactionPayment(api::transaction_payment::Event::TransactionFeePaid {
                    actual_fee,
                    ..
                })) => outcome.fee += actual_fee,
                _ => {}
            }
        }
        return Ok(outcome);
    }
    Err(rejected(last_error.unwrap_or_else(|| "the node closed the transaction subscription".into())))
}

/// Read a block's extrinsic count and its marketplace and fee events.
pub(super) async fn block_events(
    block: Result<Block<SubstrateConfig>, subxt::error::BlocksError>,
) -> Result<BlockEvents, ChainError> {
    let block = block.map_err(|e| ChainError::rpc("following blocks", e))?;
    let (number, hash) = (block.number(), block.hash());
    let at = block.at().await.map_err(|e| ChainError::rpc(format!("reading block #{number}"), e))?;
    events_at(number, hash, at).await
}

/// The same for a block already opened for reading.
pub(super) async fn events_at(
    number: u64,
    hash: H256,
    at: subxt::client::OnlineClientAtBlock<SubstrateConfig>,
) -> Result<BlockEvents, ChainError> {
    let what = || format!("reading block #{number}");
    let body = at.extrinsics().fetch().await.map_err(|e| ChainError::rpc(what(), e))?;
    let raw = at.events().fetch().await.map_err(|e| ChainError::rpc(what(), e))?;
    let mut out =
        BlockEvents { number, hash, extrinsics: body.len(), events: Vec::new(), fees: Vec::new(), refused: Vec::new() };
    let mut failed = Vec::new();
    for ev in raw.iter() {
        let ev = ev.map_err(|e| ChainError::rpc(what(), e))?;
        match ev.decode_as::<api::Event>() {
            Ok(api::Event::Compute(e)) => out.events.push(e),
            Err(e) if ev.pallet_name() == "Compute" => {
                let event = ev.event_name().to_owned();
                return Err(ChainError::UnknownEvent { block: format!("#{number}"), event, reason: e.to_string() });
            }
            Ok(api::Event::System(api::system::Event::ExtrinsicFailed { dispatch_error, .. })) => {
                if let subxt::events::Phase::ApplyExtrinsic(i) = ev.phase() {
                    failed.push((i, dispatch_error));
                }
            }
            Ok(api::Event::TransactionPayment(api::transaction_payment::Event::TransactionFeePaid {
                who,
                actual_fee,
                ..
            })) => out.fees.push((who, actual_fee)),
            _ => {}
        }
    }
    // The block body is already here: failed marketplace calls are paired with it, no refetch.
    for (index, ext) in body.iter().enumerate() {
        let (Some((_, error)), Ok(ext)) = (failed.iter().find(|(i, _)| *i as usize == index), ext) else { continue };
        let call = ext.decode_call_data_as::<api::Call>().ok();
        let names = (ext.pallet_name(), ext.call_name());
        out.refused.extend(super::refused::refused_call(names, call, ext.address_bytes(), error, at.metadata_ref()));
    }
    Ok(out)
}

//! A block is read once per connection: its marketplace events for the follower and each
//! extrinsic's outcome for the submissions it holds. Before, every submission read its own
//! block (header, runtime version, whole body, every event), so a block holding n of one
//! connection's transactions was read n times: a load run's driver and a fleet container read
//! their busiest blocks dozens of times each, and the node served every one of those reads.

use super::client::{AtBlock, BlockEvents};
use super::{api, ChainError, MarketEvent, H256};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// Blocks kept: a best block's submissions and its finalization (a few blocks later) both
/// find it here.
const KEEP: usize = 16;

/// What one extrinsic of a block did.
#[derive(Debug, Clone, Default)]
pub(super) struct ExtrinsicOutcome {
    /// Hash of the extrinsic's bytes (what a transaction watch names it by).
    pub hash: H256,
    /// Its marketplace events.
    pub events: Vec<MarketEvent>,
    /// The fee it paid, in base units.
    pub fee: u128,
    /// Its dispatch error, when it failed.
    pub failed: Option<Failure>,
}

/// Why an included extrinsic failed.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// A pallet's error, as `Pallet::Variant`.
    Module(String),
    /// Any other dispatch error (`BadOrigin`), as text.
    Other(String),
}

/// One block as read: the follower's view and each extrinsic's outcome.
#[derive(Debug)]
pub(super) struct ReadBlock {
    pub events: BlockEvents,
    pub extrinsics: Vec<ExtrinsicOutcome>,
}

impl ReadBlock {
    /// The outcome of the extrinsic with this hash, if the block holds it.
    pub fn outcome(&self, extrinsic: H256) -> Option<&ExtrinsicOutcome> {
        self.extrinsics.iter().find(|x| x.hash == extrinsic)
    }
}

type Slot = Arc<OnceCell<Arc<ReadBlock>>>;

/// The last [`KEEP`] blocks this connection read; concurrent readers of one block share a
/// single read, and a failed read is tried again by the next reader.
#[derive(Default)]
pub(super) struct RecentBlocks {
    slots: Mutex<VecDeque<(H256, Slot)>>,
    /// Blocks read from the node so far.
    reads: AtomicU64,
}

impl RecentBlocks {
    /// Block `hash`, read by `open` and `read` unless this connection already read it.
    pub async fn get<Open, Fut>(&self, hash: H256, open: Open) -> Result<Arc<ReadBlock>, ChainError>
    where
        Open: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<AtBlock, ChainError>>,
    {
        let slot = self.slot(hash);
        let read = slot
            .get_or_try_init(|| async {
                let at = open().await?;
                self.reads.fetch_add(1, Ordering::Relaxed);
                read(at.block_number(), hash, &at).await.map(Arc::new)
            })
            .await?;
        Ok(read.clone())
    }

    /// Blocks read from the node so far (each at most once while it is among the last kept).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    fn slot(&self, hash: H256) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, slot)) = slots.iter().find(|(h, _)| *h == hash) {
            return slot.clone();
        }
        if slots.len() >= KEEP {
            slots.pop_front();
        }
        let slot = Slot::default();
        slots.push_back((hash, slot.clone()));
        slot
    }
}

/// Read a block opened for reading: its body, then every event once.
pub(super) async fn read(number: u64, hash: H256, at: &AtBlock) -> Result<ReadBlock, ChainError> {
    let what = || format!("reading block #{number}");
    let body = at.extrinsics().fetch().await.map_err(|e| ChainError::rpc(what(), e))?;
    let raw = at.events().fetch().await.map_err(|e| ChainError::rpc(what(), e))?;
    let mut events = BlockEvents {
        number,
        hash,
        extrinsics: body.len(),
        timestamp_ms: body.iter().flatten().find_map(|ext| match ext.decode_call_data_as::<api::Call>() {
            Ok(api::Call::Timestamp(api::timestamp::Call::set { now })) => Some(now),
            _ => None,
        }),
        events: Vec::new(),
        fees: Vec::new(),
        refused: Vec::new(),
        normal_weight: 0,
    };
    let mut extrinsics: Vec<ExtrinsicOutcome> = body
        .iter()
        .map(|ext| ExtrinsicOutcome { hash: ext.map(|e| e.hash()).unwrap_or_default(), ..Default::default() })
        .collect();
    let mut failed = Vec::new();
    for ev in raw.iter() {
        let ev = ev.map_err(|e| ChainError::rpc(what(), e))?;
        if !read_here(ev.pallet_name(), ev.event_name()) {
            continue;
        }
        let mine = match ev.phase() {
            subxt::events::Phase::ApplyExtrinsic(i) => extrinsics.get_mut(i as usize),
            _ => None,
        };
        match ev.decode_as::<api::Event>() {
            Ok(api::Event::Compute(e)) => {
                if let Some(x) = mine {
                    x.events.push(e.clone());
                }
                events.events.push(e);
            }
            Err(e) if ev.pallet_name() == "Compute" => {
                let event = ev.event_name().to_owned();
                return Err(ChainError::UnknownEvent { block: format!("#{number}"), event, reason: e.to_string() });
            }
            Ok(api::Event::System(api::system::Event::ExtrinsicSuccess { dispatch_info })) => {
                events.normal_weight += normal_weight(&dispatch_info);
            }
            Ok(api::Event::System(api::system::Event::ExtrinsicFailed { dispatch_error, dispatch_info })) => {
                events.normal_weight += normal_weight(&dispatch_info);
                if let Some(x) = mine {
                    x.failed = Some(match super::refused::pallet_error(&dispatch_error, at.metadata_ref()) {
                        Some((pallet, variant)) => Failure::Module(format!("{pallet}::{variant}")),
                        None => Failure::Other(format!("{dispatch_error:?}")),
                    });
                }
                if let subxt::events::Phase::ApplyExtrinsic(i) = ev.phase() {
                    failed.push((i, dispatch_error));
                }
            }
            Ok(api::Event::TransactionPayment(api::transaction_payment::Event::TransactionFeePaid {
                who,
                actual_fee,
                ..
            })) => {
                if let Some(x) = mine {
                    x.fee += actual_fee;
                }
                events.fees.push((who, actual_fee));
            }
            _ => {}
        }
    }
    // The block body is already here: failed marketplace calls are paired with it, no refetch.
    for (index, ext) in body.iter().enumerate() {
        let (Some((_, error)), Ok(ext)) = (failed.iter().find(|(i, _)| *i as usize == index), ext) else { continue };
        let call = ext.decode_call_data_as::<api::Call>().ok();
        let names = (ext.pallet_name(), ext.call_name());
        events.refused.extend(super::refused::refused_call(names, call, ext.address_bytes(), error, at.metadata_ref()));
    }
    Ok(ReadBlock { events, extrinsics })
}

/// Whether the match in [`read`] uses an event: the marketplace's, each extrinsic's outcome and
/// its fee. A busy block's other events (mostly the balance movements of every fee) went
/// through subxt's typed decode too, for nothing: block reads were the daemons' largest CPU
/// cost after the workloads, paid in every fleet container for every block (`perf record -a`
/// in a 40 jobs/s load run).
fn read_here(pallet: &str, event: &str) -> bool {
    use api::{system::events as system, transaction_payment::events as payment};
    use subxt::events::DecodeAsEvent;
    pallet == "Compute"
        || system::ExtrinsicSuccess::is_event(pallet, event)
        || system::ExtrinsicFailed::is_event(pallet, event)
        || payment::TransactionFeePaid::is_event(pallet, event)
}

/// The weight an extrinsic was charged, if it is of the normal class (what transactions fill).
fn normal_weight(info: &api::runtime_types::frame_system::DispatchEventInfo) -> u64 {
    use api::runtime_types::frame_support::dispatch::DispatchClass;
    match info.class {
        DispatchClass::Normal => info.weight.ref_time,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::read_here;

    #[test]
    fn the_events_a_block_read_uses_are_decoded_and_fee_movements_are_not() {
        assert!(read_here("Compute", "JobSubmitted"));
        assert!(read_here("System", "ExtrinsicSuccess"));
        assert!(read_here("System", "ExtrinsicFailed"));
        assert!(read_here("TransactionPayment", "TransactionFeePaid"));
        assert!(!read_here("Balances", "Withdraw"));
        assert!(!read_here("Balances", "Deposit"));
        assert!(!read_here("System", "NewAccount"));
    }
}

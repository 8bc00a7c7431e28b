//! The live view: connects to the testnet's first validator (again and again while it is
//! down), follows its best blocks by subscription, and publishes a new [`Snapshot`] at every
//! block, or when the chain goes quiet for too long.

use super::fleet::{fleet_rows, Roster};
use super::snapshot::{job_row, BlockRow, Health, Snapshot, ValidatorRow};
use crate::network::status;
use crate::node_kind::NodeKind;
use crate::plan::Plan;
use crate::provider::Provider;
use cr_protocol::chain::{Chain, Finality};
use cr_protocol::lifecycle::Histories;
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Blocks listed on the page.
const RECENT_BLOCKS: usize = 12;
/// Block intervals averaged for the measured block time.
const INTERVALS: usize = 10;
/// Seconds between connection attempts while no validator answers.
const RETRY: Duration = Duration::from_secs(2);

/// What the watcher needs to know about the testnet.
pub struct Watched {
    pub testnet: String,
    pub root: PathBuf,
    pub provider: Arc<dyn Provider>,
}

/// The topology's daemons, when the testnet's saved topology is at hand.
fn roster(root: &std::path::Path, testnet: &str) -> Roster {
    let Some(topology) = status::saved_topology(root, testnet) else { return Roster::default() };
    Plan::new(&topology).map(|plan| Roster::of(&plan)).unwrap_or_default()
}

/// Run forever, publishing into `tx`.
pub async fn run(w: Watched, tx: watch::Sender<Arc<Snapshot>>) {
    let mut seq = 0u64;
    let mut publish = |mut s: Snapshot| {
        seq += 1;
        s.seq = seq;
        s.testnet = w.testnet.clone();
        tx.send_replace(Arc::new(s));
    };
    let mut histories = Histories::default();
    loop {
        let views = status::containers(w.provider.as_ref(), &w.testnet).await.unwrap_or_default();
        let validators = validator_rows(&views);
        let Some(rpc) = status::first_rpc(&views).map(str::to_owned) else {
            publish(Snapshot { message: format!("Waiting for chain connection: no running validator of testnet {} publishes an RPC port (`testnet up`?)", w.testnet), validators, ..Snapshot::default() });
            tokio::time::sleep(RETRY).await;
            continue;
        };
        let chain = match tokio::time::timeout(status::CHAIN_TIMEOUT, Chain::connect(&rpc)).await {
            Ok(Ok(chain)) => chain,
            Ok(Err(e)) => {
                publish(Snapshot {
                    message: format!("Waiting for chain connection: {rpc}: {e}"),
                    validators,
                    ..Snapshot::default()
                });
                tokio::time::sleep(RETRY).await;
                continue;
            }
            Err(_) => {
                publish(Snapshot {
                    message: format!("Waiting for chain connection: {rpc} does not answer"),
                    validators,
                    ..Snapshot::default()
                });
                continue;
            }
        };
        let roster = roster(&w.root, &w.testnet);
        let why = follow(&w, &chain, &roster, &mut histories, &mut publish).await;
        publish(Snapshot { message: format!("Waiting for chain connection: {why}"), ..Snapshot::default() });
        tokio::time::sleep(RETRY).await;
    }
}

fn validator_rows(views: &[status::ContainerView]) -> Vec<ValidatorRow> {
    views
        .iter()
        .filter(|v| v.kind == NodeKind::Validator)
        .map(|v| ValidatorRow { name: v.node.clone(), up: v.running, status: v.status.clone() })
        .collect()
}

/// Follow one connection until it fails; returns why.
async fn follow(
    w: &Watched,
    chain: &Chain,
    roster: &Roster,
    histories: &mut Histories,
    publish: &mut impl FnMut(Snapshot),
) -> String {
    let runtime = chain.runtime_version().await.ok();
    // The roster is fixed for the connection; a block only needs its names looked up.
    let names = roster.names();
    let block_ms = status::saved_topology(&w.root, &w.testnet).map_or(2000, |t| u64::from(t.block_time_ms()));
    let mut blocks = match chain.follow(Finality::Best).await {
        Ok(b) => b,
        Err(e) => return e.to_string(),
    };
    let mut recent: Vec<BlockRow> = Vec::new();
    let mut last = Snapshot::default();
    loop {
        // Quiet for three block times (at least 6 s): say the chain stalls, keep waiting.
        let quiet = Duration::from_millis(3 * block_ms).max(Duration::from_secs(6));
        let block = match tokio::time::timeout(quiet, blocks.next()).await {
            Err(_) => {
                let views = status::containers(w.provider.as_ref(), &w.testnet).await.unwrap_or_default();
                let mut s = last.clone();
                s.health = Health::Stalled;
                s.validators = validator_rows(&views);
                s.message = format!(
                    "no new block for {} s: the chain stalls (are enough validators up for finality and authoring?)",
                    quiet.as_secs()
                );
                publish(s);
                continue;
            }
            Ok(None) => return "the block subscription ended".into(),
            Ok(Some(Err(e))) => return e.to_string(),
            Ok(Some(Ok(block))) => block,
        };
        histories.apply(block.number, &block.events);
        let at = Finality::At(block.hash);
        let (Ok((_, finalized)), Ok(jobs), Ok(nodes), Ok(committee), Ok(timestamp_ms)) = (
            chain.heads().await,
            chain.jobs(at).await,
            chain.nodes(at).await,
            chain.committee(at).await,
            chain.timestamp(at).await,
        ) else {
            continue;
        };
        recent.retain(|b| b.number < block.number);
        recent.push(BlockRow {
            number: block.number,
            hash: format!("{:?}", block.hash),
            extrinsics: block.extrinsics,
            timestamp_ms,
        });
        if recent.len() > RECENT_BLOCKS.max(INTERVALS + 1) {
            recent.remove(0);
        }
        let window = &recent[recent.len().saturating_sub(INTERVALS + 1)..];
        let block_time_ms = mean_block_time(window);
        let mut jobs: Vec<_> =
            jobs.iter().map(|(id, job)| job_row(*id, job, block.number, &names, histories.jobs.get(id))).collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.id));
        let views = status::containers(w.provider.as_ref(), &w.testnet).await.unwrap_or_default();
        last = Snapshot {
            health: Health::Live,
            message: format!("following {}", chain.url()),
            runtime: runtime.as_ref().map(|r| r.0.clone()),
            spec_version: runtime.as_ref().map(|r| r.1),
            best: block.number,
            finalized,
            block_time_ms,
            blocks: recent.iter().rev().take(RECENT_BLOCKS).cloned().collect(),
            validators: validator_rows(&views),
            fleet: fleet_rows(&nodes, &committee, &jobs, roster),
            jobs,
            ..Snapshot::default()
        };
        publish(last.clone());
    }
}

/// The mean time between the timestamped blocks of `window`. Genesis carries no timestamp
/// (0): counted, a young testnet showed blocks of years.
fn mean_block_time(window: &[BlockRow]) -> Option<f64> {
    let mut timed = window.iter().filter(|b| b.timestamp_ms > 0);
    let first = timed.next()?;
    let last = timed.next_back()?;
    (last.number > first.number)
        .then(|| (last.timestamp_ms - first.timestamp_ms) as f64 / (last.number - first.number) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u64, timestamp_ms: u64) -> BlockRow {
        BlockRow { number, hash: String::new(), extrinsics: 0, timestamp_ms }
    }

    #[test]
    fn genesis_without_a_timestamp_does_not_count_in_the_block_time() {
        let window = [row(0, 0), row(1, 1_000_000), row(2, 1_002_000), row(3, 1_004_000)];
        assert_eq!(mean_block_time(&window), Some(2000.0));
        assert_eq!(mean_block_time(&window[..2]), None, "one timed block has no interval");
    }
}

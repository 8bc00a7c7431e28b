//! The chain's own ceiling: how many signed extrinsics it includes per second when the pool is
//! kept full, measured with the cheapest call there is (`system.remark`) on the same testnet,
//! in the same run, as the jobs it is compared with.

use cr_protocol::chain::{api, Chain, Finality};
use cr_protocol::keys::Sr25519Key;
use futures::StreamExt;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Submissions per connection awaiting the pool's answer at once.
const IN_FLIGHT: usize = 32;

/// What the flood showed.
#[derive(Debug, Clone, Serialize)]
pub struct Ceiling {
    /// Remarks handed to the pool.
    pub submitted: u32,
    /// Submissions the pool refused.
    pub refused: u32,
    /// Extrinsics (inherents excluded) included while the flood lasted.
    pub included: u64,
    /// Blocks from the first to the last that included any.
    pub blocks: u64,
    /// Most included in one block.
    pub peak_per_block: u64,
    /// `included / (blocks x block time)`: the reference for job throughput.
    pub extrinsics_per_second: f64,
    /// `peak_per_block / block time`.
    pub peak_per_second: f64,
    /// How fast this host handed remarks to the pool; when it is not well above
    /// `extrinsics_per_second`, the figure is a bound set by the submitter, not the chain.
    pub submit_per_second: f64,
}

/// Flood the pool with `count` remarks from `keys` (one connection each, so signing and
/// submission run in parallel) and read inclusion from the blocks.
pub async fn measure(rpc: &str, keys: &[Sr25519Key], count: u32, block_time_ms: u32) -> anyhow::Result<Ceiling> {
    anyhow::ensure!(!keys.is_empty(), "the topology has no requester to sign the flood");
    let follower = Chain::connect(rpc).await?;
    let mut blocks = follower.follow(Finality::Best).await?;
    let started = Instant::now();
    let per_key = count.div_ceil(keys.len() as u32);
    let mut senders = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let n = per_key.min(count.saturating_sub(per_key * i as u32));
        let (rpc, key) = (rpc.to_owned(), key.clone());
        senders.push(tokio::spawn(async move {
            let chain = Chain::connect(&rpc).await?;
            let remark = api::tx().system().remark(Vec::new());
            anyhow::Ok(chain.flood(&remark, key.keypair(), n, IN_FLIGHT).await?)
        }));
    }
    let (mut submitted, mut refused) = (0u32, 0u32);
    for s in senders {
        let (a, b) = s.await??;
        (submitted, refused) = (submitted + a, refused + b);
    }
    let submit_seconds = started.elapsed().as_secs_f64();

    let (mut included, mut first, mut last, mut peak) = (0u64, None, 0u64, 0u64);
    let deadline = Instant::now() + Duration::from_millis(u64::from(block_time_ms) * 30);
    while included < u64::from(submitted) && Instant::now() < deadline {
        let Ok(Some(block)) = tokio::time::timeout_at(deadline.into(), blocks.next()).await else { break };
        let block = block?;
        // The timestamp is the only inherent of this runtime.
        let user = block.extrinsics.saturating_sub(1) as u64;
        if user == 0 {
            continue;
        }
        first.get_or_insert(block.number);
        last = block.number;
        included += user;
        peak = peak.max(user);
    }
    let blocks = first.map_or(0, |f| last - f + 1);
    let block_s = f64::from(block_time_ms) / 1000.0;
    Ok(Ceiling {
        submitted,
        refused,
        included,
        blocks,
        peak_per_block: peak,
        extrinsics_per_second: if blocks == 0 { 0.0 } else { included as f64 / (blocks as f64 * block_s) },
        peak_per_second: peak as f64 / block_s,
        submit_per_second: f64::from(submitted) / submit_seconds.max(1e-9),
    })
}

//! The chain's own ceiling: how many signed extrinsics it includes per second when the pool is
//! kept full, measured with the cheapest call there is (`system.remark`) on the same testnet,
//! in the same run, as the jobs it is compared with.

use cr_protocol::chain::{api, Chain, Finality};
use cr_protocol::keys::Sr25519Key;
use futures::StreamExt;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Submissions per connection awaiting the pool's answer at once.
const IN_FLIGHT: usize = 128;

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
    /// The reference for job throughput: the chain's own rate, from the blocks authored while
    /// the pool held a backlog (`drain_blocks`); the flood's average when there were none.
    pub extrinsics_per_second: f64,
    /// Blocks authored after the last remark reached the pool and before it ran dry: what the
    /// chain includes when the submitter is not what limits it.
    pub drain_blocks: u64,
    /// `included / (blocks x block time)`: the whole flood, submitting included. Below
    /// `extrinsics_per_second` by what the submitter (signing, RPC, pool import) cost.
    pub flood_average_per_second: f64,
    /// `peak_per_block / block time`.
    pub peak_per_second: f64,
    /// How fast this host handed remarks to the pool.
    pub submit_per_second: f64,
    /// `true` when no block drained a backlog, so `extrinsics_per_second` is the flood's
    /// average: a bound set by the submitter, not the chain (raise the flood's size).
    pub submitter_bound: bool,
}

/// A block seen during the flood: when it arrived, its number, its remarks.
type Seen = (Instant, u64, u64);

/// Flood the pool with `count` remarks from `keys` (one connection each, so signing and
/// submission run in parallel) and read inclusion from the blocks.
pub async fn measure(rpc: &str, keys: &[Sr25519Key], count: u32, block_time_ms: u32) -> anyhow::Result<Ceiling> {
    anyhow::ensure!(!keys.is_empty(), "the topology has no requester to sign the flood");
    let follower = Chain::connect(rpc).await?;
    let mut blocks = follower.follow(Finality::Best).await?;
    // Signed before the clock starts: signing is the host's cost, not the chain's.
    let per_key = count.div_ceil(keys.len() as u32);
    let mut floods = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let n = per_key.min(count.saturating_sub(per_key * i as u32));
        let chain = Chain::connect(rpc).await?;
        let signed = chain.sign_many(&api::tx().system().remark(Vec::new()), key.keypair(), n).await?;
        floods.push((chain, signed));
    }
    let started = Instant::now();
    let senders: Vec<_> = floods
        .into_iter()
        .map(|(chain, signed)| tokio::spawn(async move { chain.submit_signed(signed, IN_FLIGHT).await }))
        .collect();
    let deadline = Instant::now() + Duration::from_millis(u64::from(block_time_ms) * 40);
    let target = u64::from(count);
    let reader = async move {
        let (mut seen, mut included) = (Vec::new(), 0u64);
        while included < target && Instant::now() < deadline {
            let Ok(Some(block)) = tokio::time::timeout_at(deadline.into(), blocks.next()).await else { break };
            let block = block?;
            // The timestamp is the only inherent of this runtime.
            let user = block.extrinsics.saturating_sub(1) as u64;
            included += user;
            seen.push((Instant::now(), block.number, user));
        }
        anyhow::Ok(seen)
    };
    let submit = async {
        let (mut submitted, mut refused) = (0u32, 0u32);
        for s in senders {
            let (a, b) = s.await??;
            (submitted, refused) = (submitted + a, refused + b);
        }
        anyhow::Ok((submitted, refused, Instant::now()))
    };
    let (seen, sent) = tokio::join!(reader, submit);
    let (seen, (submitted, refused, submit_done)) = (seen?, sent?);
    let block_time = Duration::from_millis(u64::from(block_time_ms));
    Ok(summarise(&seen, submitted, refused, started, submit_done, block_time))
}

/// The figures of a flood from the blocks it saw.
fn summarise(
    seen: &[Seen],
    submitted: u32,
    refused: u32,
    started: Instant,
    submit_done: Instant,
    block_time: Duration,
) -> Ceiling {
    let with_remarks: Vec<&Seen> = seen.iter().filter(|b| b.2 > 0).collect();
    let included: u64 = with_remarks.iter().map(|b| b.2).sum();
    let blocks = match (with_remarks.first(), with_remarks.last()) {
        (Some(first), Some(last)) => last.1 - first.1 + 1,
        _ => 0,
    };
    let peak = with_remarks.iter().map(|b| b.2).max().unwrap_or(0);
    // A block arriving a whole block time after the last submission was authored with every
    // remark in the pool; the last block of the flood takes only the rest, so it is left out.
    let drain: Vec<u64> = with_remarks
        .iter()
        .take(with_remarks.len().saturating_sub(1))
        .filter(|b| b.0 >= submit_done + block_time)
        .map(|b| b.2)
        .collect();
    let block_s = block_time.as_secs_f64();
    let flood_average = if blocks == 0 { 0.0 } else { included as f64 / (blocks as f64 * block_s) };
    let drained = (!drain.is_empty()).then(|| drain.iter().sum::<u64>() as f64 / (drain.len() as f64 * block_s));
    Ceiling {
        submitted,
        refused,
        included,
        blocks,
        peak_per_block: peak,
        extrinsics_per_second: drained.unwrap_or(flood_average),
        drain_blocks: drain.len() as u64,
        flood_average_per_second: flood_average,
        peak_per_second: peak as f64 / block_s,
        submit_per_second: f64::from(submitted) / submit_done.duration_since(started).as_secs_f64().max(1e-9),
        submitter_bound: drained.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_is_the_drain_rate_not_the_flood_average() {
        let t0 = Instant::now();
        let s = |secs: u64| t0 + Duration::from_secs(secs);
        let bt = Duration::from_secs(2);
        // Submission ends at 5 s: blocks at 2 and 4 s got what had arrived, 8 and 10 s drained a
        // full pool, 12 s took the rest.
        let seen = [(s(2), 1, 100), (s(4), 2, 300), (s(6), 3, 500), (s(8), 4, 700), (s(10), 5, 700), (s(12), 6, 50)];
        let c = summarise(&seen, 2350, 0, t0, s(5), bt);
        assert_eq!((c.included, c.blocks, c.peak_per_block, c.drain_blocks), (2350, 6, 700, 2));
        assert!((c.extrinsics_per_second - 350.0).abs() < 1e-9);
        assert!((c.flood_average_per_second - 2350.0 / 12.0).abs() < 1e-9);
        assert!(!c.submitter_bound);
    }

    #[test]
    fn a_flood_that_never_builds_a_backlog_says_the_submitter_bound_it() {
        let t0 = Instant::now();
        let s = |secs: u64| t0 + Duration::from_secs(secs);
        let seen = [(s(2), 1, 100), (s(4), 2, 100), (s(6), 3, 100), (s(8), 4, 10)];
        let c = summarise(&seen, 310, 0, t0, s(7), Duration::from_secs(2));
        assert!(c.submitter_bound);
        assert_eq!(c.extrinsics_per_second, c.flood_average_per_second);
    }
}

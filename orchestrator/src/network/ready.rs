//! Readiness: blocks produced AND finalized AND every worker daemon registered on chain.

use crate::progress::Progress;
use cr_protocol::chain::{AccountId32, Chain, ChainError, Finality};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What was missing when readiness timed out.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("after {seconds:.0} s: best block #{best}, finalized #{finalized}, {registered}/{expected} daemons registered; see `testnet logs <node>`")]
    Timeout { seconds: f64, best: u64, finalized: u64, registered: usize, expected: usize },
}

/// Wait until the chain finalizes a block and every account in `workers` is a registered node.
pub async fn wait_ready(
    chain: &Chain,
    workers: &[AccountId32],
    within: Duration,
    progress: &mut Progress,
) -> Result<(), NotReady> {
    let started = Instant::now();
    let expected: BTreeSet<_> = workers.iter().map(|a| a.0).collect();
    progress.step("waiting for finalized blocks and registered daemons", expected.len() as u64);
    loop {
        let (best, finalized) = chain.heads().await?;
        let registered = if finalized >= 1 {
            chain.nodes(Finality::Best).await?.iter().filter(|(a, _)| expected.contains(&a.0)).count()
        } else {
            0
        };
        progress.set(
            registered as u64,
            &format!("best #{best}, finalized #{finalized}, {registered}/{} daemons registered", expected.len()),
        );
        if best >= 1 && finalized >= 1 && registered == expected.len() {
            return Ok(());
        }
        if started.elapsed() > within {
            return Err(NotReady::Timeout {
                seconds: started.elapsed().as_secs_f64(),
                best,
                finalized,
                registered,
                expected: expected.len(),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

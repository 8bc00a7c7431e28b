//! Whether the chain a run measured is the chain that stays: every outcome a load run counts is
//! read from best blocks, and a best chain that never finalizes can still be replaced. A
//! 1,000-daemon climb forked its two validators into equal branches, each building on its own
//! (finality stuck at one block for the rest of the run while the jobs "completed" on one
//! branch), and the run passed; now it fails, naming the block finality stopped at.

use cr_protocol::chain::Chain;
use std::time::Duration;

/// Block times finality may take, after the jobs ended, to reach the best block they ended in.
/// GRANDPA here votes on the best block and finalizes within one or two; ten leaves room for a
/// host still busy with the fleet.
pub const FINALITY_WAIT_BLOCKS: u64 = 10;

/// The verdict on finality once the wait is over: `None` when the best block of the run's end
/// (`ended_in`) was finalized, else the problem to report.
pub fn verdict(ended_in: u64, finalized: u64, best_now: u64) -> Option<String> {
    (finalized < ended_in).then(|| {
        format!(
            "finality stalled: the jobs ended in best block #{ended_in}, but {FINALITY_WAIT_BLOCKS} block times \
             later only #{finalized} is finalized (best #{best_now}); the outcomes counted here may be on a \
             branch the chain drops. The validators' logs show whether they forked (two blocks of one height, \
             each validator building on its own: a validator importing the other's blocks later than a block \
             time, as one serving every client's RPC on a saturated host did)"
        )
    })
}

/// Wait until the block that is best now is finalized, at most `FINALITY_WAIT_BLOCKS` block
/// times; the problem if it was not.
pub async fn wait(chain: &Chain, block_time_ms: u32) -> anyhow::Result<Option<String>> {
    let (ended_in, _) = chain.heads().await?;
    let block_time = Duration::from_millis(u64::from(block_time_ms));
    let deadline = tokio::time::Instant::now() + block_time * FINALITY_WAIT_BLOCKS as u32;
    loop {
        let (best_now, finalized) = chain.heads().await?;
        if finalized >= ended_in || tokio::time::Instant::now() >= deadline {
            return Ok(verdict(ended_in, finalized, best_now));
        }
        tokio::time::sleep(block_time / 2).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_whose_last_block_was_finalized_passes() {
        assert_eq!(verdict(185, 185, 186), None);
        assert_eq!(verdict(185, 187, 188), None);
    }

    #[test]
    fn a_stalled_finality_fails_the_run_naming_where_it_stopped() {
        let problem = verdict(185, 173, 190).expect("finality behind the run's end is a problem");
        assert!(problem.contains("#185") && problem.contains("#173") && problem.contains("#190"), "{problem}");
    }
}

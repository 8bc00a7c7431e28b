//! A run's seed: given (`--seed S`) or drawn from the clock and printed, so any run can be
//! asked for again. What it drives: the draws of `testnet chaos`, load arrivals, and the
//! salt every daemon ranks a job's eligible nodes with (who tries to take it first).

use cr_protocol::workload::SplitMix64;

/// A seed from the clock, small enough to type back.
pub fn drawn() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    now.as_nanos() as u64 % 1_000_000_000
}

/// The seed of run `run` (1-based) of scenario `scenario` under base seed `base`: run 1 of
/// any scenario is `base` itself, so a single run replays with the seed it printed.
pub fn of_run(base: u64, scenario: &str, run: u32) -> u64 {
    if run <= 1 {
        return base;
    }
    let mut rng = SplitMix64::keyed(scenario.as_bytes(), base ^ u64::from(run).rotate_left(32));
    rng.next_u64() % 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_get_their_own_seeds_and_the_first_run_keeps_the_base() {
        assert_eq!(of_run(42, "happy-path", 1), 42);
        let (a, b) = (of_run(42, "happy-path", 2), of_run(42, "happy-path", 3));
        assert_ne!(a, b);
        assert_eq!(a, of_run(42, "happy-path", 2), "derived, not drawn");
        assert_ne!(a, of_run(42, "gpu-only", 2));
    }
}

//! The deterministic programs: pinned outputs, determinism, seeds, sizes, cancellation.

use std::sync::atomic::AtomicBool;

use cr_protocol::hash::Hash32;
use cr_protocol::workload::{Cancelled, SpecError, Workload, WorkloadSpec};

/// Parameters at the start of a fine-tune output (8x4 + 8 + 8 + 1).
const FINE_TUNE_PARAMS: usize = 49;

fn spec(workload: Workload, size: u64, seed: u64) -> Result<WorkloadSpec, SpecError> {
    WorkloadSpec::new(workload, size, seed)
}

fn words(bytes: &[u8]) -> Vec<i64> {
    bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default())).collect()
}

/// These digests pin the programs' outputs: if one changes, results computed by older daemons
/// no longer verify, so a change must be deliberate (and versioned).
#[test]
fn outputs_are_pinned() -> Result<(), SpecError> {
    let pins = [
        (Workload::HashChain, 1000, "7f031a78ca0220a8003a5e983d6919a3b200a3c9b7c4c4f2ff0c058df045f16c"),
        (Workload::Matmul, 16, "fdd4e62427265a5ea147dcecbec1c4f9017e9a6882f50eb69f02fddacc5de9a3"),
        (Workload::FineTune, 20, "f51b010bb9cd75497381c1e6c1a94e19e3daec18b63f6cf04de4c78aac374e93"),
    ];
    for (workload, size, expected) in pins {
        let output = spec(workload, size, 7)?.execute();
        assert_eq!(Hash32::of(&output).to_hex(), expected, "{workload} size {size} seed 7");
    }
    Ok(())
}

#[test]
fn same_spec_same_bytes() -> Result<(), SpecError> {
    for workload in Workload::ALL {
        let s = spec(workload, 24, 99)?;
        let first = s.execute();
        assert!(!first.is_empty());
        assert_eq!(first, s.execute(), "{workload}");
        // A spec that went through its document form runs the same.
        assert_eq!(first, WorkloadSpec::parse(&s.to_bytes())?.execute(), "{workload}");
    }
    Ok(())
}

#[test]
fn different_seeds_different_bytes() -> Result<(), SpecError> {
    for workload in Workload::ALL {
        let a = spec(workload, 8, 1)?.execute();
        let b = spec(workload, 8, 2)?.execute();
        assert_eq!(a.len(), b.len());
        assert_ne!(a, b, "{workload}");
    }
    Ok(())
}

#[test]
fn output_length_follows_size() -> Result<(), SpecError> {
    for workload in Workload::ALL {
        for size in [1, 2, 3, 63, 64, 65, 100, 129] {
            let output = spec(workload, size, 5)?.execute();
            assert_eq!(output.len() as u64, workload.output_len(size), "{workload} size {size}");
        }
    }
    assert_eq!(spec(Workload::Matmul, 10, 0)?.execute().len(), 8 * 10 * 10);
    assert_eq!(spec(Workload::FineTune, 10, 0)?.execute().len(), 8 * (FINE_TUNE_PARAMS + 10));
    Ok(())
}

#[test]
fn hash_chain_records_and_prefix_property() -> Result<(), SpecError> {
    let short = spec(Workload::HashChain, 64, 3)?.execute();
    assert_eq!(short.len(), 64 * 40, "up to 64 iterations, every iteration is a record");
    let last = &short[short.len() - 40..];
    assert_eq!(u64::from_le_bytes(last[..8].try_into().unwrap_or_default()), 64);
    // 100 iterations: a record every 2, so 50 records.
    assert_eq!(spec(Workload::HashChain, 100, 3)?.execute().len(), 50 * 40);
    // With 4,096 iterations a record is written every 64: the first is the short chain's end.
    let long = spec(Workload::HashChain, 4096, 3)?.execute();
    assert_eq!(long.len(), 64 * 40);
    assert_eq!(&long[..40], last);
    // Each digest is Blake2-256 of the previous one.
    assert_eq!(Hash32::of(&short[8..40]).as_bytes()[..], short[48..80]);
    Ok(())
}

#[test]
fn fine_tune_learns_and_its_trace_extends() -> Result<(), SpecError> {
    let output = words(&spec(Workload::FineTune, 300, 7)?.execute());
    let losses = &output[FINE_TUNE_PARAMS..];
    assert_eq!(losses.len(), 300);
    assert!(losses[299] * 10 < losses[0], "loss should fall: {} -> {}", losses[0], losses[299]);
    // Training is a deterministic sequence: a shorter run is a prefix of a longer one.
    let shorter = words(&spec(Workload::FineTune, 100, 7)?.execute());
    assert_eq!(&shorter[FINE_TUNE_PARAMS..], &losses[..100]);
    Ok(())
}

#[test]
fn cost_model_grows_with_size() {
    for workload in Workload::ALL {
        let costs: Vec<u64> = [1, 2, 10, 100].map(|s| workload.estimated_ops(s)).to_vec();
        assert!(costs.windows(2).all(|w| w[0] < w[1]), "{workload}: {costs:?}");
        assert!(workload.estimated_ops(workload.max_size()) < u64::MAX);
        assert_eq!(workload.estimated_ops(u64::MAX), u64::MAX, "saturates");
    }
    assert_eq!(Workload::Matmul.estimated_ops(512), 2 * 512 * 512 * 512 + 2 * 512 * 512);
}

#[test]
fn cancellation_stops_every_program() -> Result<(), SpecError> {
    let stop = AtomicBool::new(true);
    for (workload, size) in [(Workload::HashChain, 10_000), (Workload::Matmul, 64), (Workload::FineTune, 10)] {
        assert_eq!(spec(workload, size, 1)?.execute_cancellable(&stop), Err(Cancelled), "{workload}");
    }
    let go = AtomicBool::new(false);
    let s = spec(Workload::Matmul, 4, 1)?;
    assert_eq!(s.execute_cancellable(&go), Ok(s.execute()));
    Ok(())
}

#[test]
fn workload_catalogue() {
    let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
    assert_eq!(names, ["hash-chain", "matmul", "fine-tune"]);
    for workload in Workload::ALL {
        assert_eq!(workload.name().parse::<Workload>(), Ok(workload));
        assert_eq!(workload.needs_gpu(), workload == Workload::FineTune);
        assert!(workload.max_size() > 0);
    }
    assert_eq!(Workload::accepted_names(), "hash-chain, matmul, fine-tune");
}

#[test]
fn blocks_needed_counts_the_run_at_the_planning_rate_plus_inclusion() {
    use cr_protocol::workload::{INCLUSION_BLOCKS, PLANNING_OPS_PER_SECOND};
    let tiny = WorkloadSpec::new(Workload::HashChain, 10, 0).expect("spec");
    assert_eq!(tiny.blocks_needed(2_000), INCLUSION_BLOCKS, "a run of microseconds adds no block");
    // 30 million iterations at 1,000 operations each: 60 s at the planning rate, 30 blocks of 2 s.
    let long = WorkloadSpec::new(Workload::HashChain, 30_000_000, 0).expect("spec");
    assert_eq!(long.estimated_ops() / PLANNING_OPS_PER_SECOND, 60);
    assert_eq!(long.blocks_needed(2_000), 30 + INCLUSION_BLOCKS);
    assert_eq!(long.blocks_needed(1_000), 60 + INCLUSION_BLOCKS);
}

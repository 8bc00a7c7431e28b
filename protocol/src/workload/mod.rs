//! Workloads: the task-spec format and the deterministic programs it names.
//!
//! A task spec is a small JSON document, `{"workload": "hash-chain", "size": 100000, "seed": 7}`,
//! stored in the artifact store; its Blake2-256 is the job's `spec_hash` on chain. Running a
//! spec is a pure function of the spec: same spec, same output bytes, on any machine, because
//! the programs use only integer and fixed-point arithmetic, fixed iteration orders and explicit
//! little-endian encodings.
//!
//! Execution is plain CPU work that can take seconds to minutes. An async caller should run
//! it on a blocking thread (`tokio::task::spawn_blocking`) and, to stop it early, use
//! [`WorkloadSpec::execute_cancellable`] with a flag it sets.

mod fine_tune;
mod hash_chain;
mod matmul;
mod rng;
mod spec;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

pub use rng::SplitMix64;
pub use spec::{SpecError, WorkloadSpec, INCLUSION_BLOCKS, MAX_SPEC_BYTES, PLANNING_OPS_PER_SECOND};

/// The programs a job can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// `size` iterations of Blake2-256 from a seed-derived start; outputs checkpoints and the
    /// final digest.
    HashChain,
    /// The product of two seed-generated `size` x `size` u64 matrices, wrapping arithmetic;
    /// outputs the product.
    Matmul,
    /// `size` epochs of fixed-point SGD on a tiny network and seed-generated data; outputs the
    /// weights and the loss of each epoch. Declares a GPU requirement (it runs on the CPU).
    FineTune,
}

impl Workload {
    /// Every workload, for validating names in scenario files and listing the accepted ones.
    pub const ALL: [Workload; 3] = [Workload::HashChain, Workload::Matmul, Workload::FineTune];

    /// The name used in specs and scenario files (`hash-chain`, `matmul`, `fine-tune`).
    pub const fn name(self) -> &'static str {
        match self {
            Workload::HashChain => "hash-chain",
            Workload::Matmul => "matmul",
            Workload::FineTune => "fine-tune",
        }
    }

    /// Whether a node must declare a GPU to take this workload.
    pub const fn needs_gpu(self) -> bool {
        matches!(self, Workload::FineTune)
    }

    /// What `size` counts, for error messages and docs.
    pub const fn size_meaning(self) -> &'static str {
        match self {
            Workload::HashChain => "iterations of Blake2-256",
            Workload::Matmul => "n of the n x n matrices",
            Workload::FineTune => "training epochs",
        }
    }

    /// The largest accepted `size`. The limits keep one run within about ten minutes of one
    /// core and the output far below the store's 64 MiB default (matmul at n = 512 outputs
    /// 2 MiB, fine-tune at 10^6 epochs 8 MB).
    pub const fn max_size(self) -> u64 {
        match self {
            Workload::HashChain => 1_000_000_000,
            Workload::Matmul => 512,
            Workload::FineTune => 1_000_000,
        }
    }

    /// Rough cost of one run, in simple 64-bit integer operations, so a scenario can choose a
    /// size for a wanted run time. Saturates instead of overflowing.
    ///
    /// - `hash-chain`: 1,000 per iteration (a Blake2b compression: 12 rounds of 8 mixing steps
    ///   of about 10 operations).
    /// - `matmul`: 2 n^3 (a multiply and an add per inner step) plus 2 n^2 to generate inputs.
    /// - `fine-tune`: per epoch, 64 samples x about 900 (forward and backward pass of the 4-8-1
    ///   network with saturating fixed-point arithmetic).
    ///
    /// Measured with the release profile (opt-level "z") on one core of the project's 2-core
    /// build machine, all three run at 1.0-1.9 x 10^9 of these per second: plan on about
    /// 1.5 x 10^9/s, i.e. `hash-chain` 1,500,000 iterations, `fine-tune` 26,000 epochs or
    /// `matmul` n = 512 (0.18 s) per second of run time. Debug builds of this crate are 5-20x
    /// slower.
    pub const fn estimated_ops(self, size: u64) -> u64 {
        match self {
            Workload::HashChain => size.saturating_mul(1_000),
            Workload::Matmul => size
                .saturating_mul(size)
                .saturating_mul(size)
                .saturating_mul(2)
                .saturating_add(size.saturating_mul(size).saturating_mul(2)),
            Workload::FineTune => size.saturating_mul(fine_tune::SAMPLES as u64 * 900),
        }
    }

    /// Bytes the program outputs for a valid `size`.
    pub const fn output_len(self, size: u64) -> u64 {
        match self {
            Workload::HashChain => {
                // A record at every multiple of the interval plus one at the end, if that is
                // not a multiple: ceil(size / interval) records.
                let interval = size.div_ceil(hash_chain::MAX_CHECKPOINTS);
                let interval = if interval == 0 { 1 } else { interval };
                let records = size.div_ceil(interval);
                records.saturating_mul(hash_chain::RECORD_LEN as u64)
            }
            Workload::Matmul => size.saturating_mul(size).saturating_mul(8),
            Workload::FineTune => (fine_tune::PARAMS as u64).saturating_add(size).saturating_mul(8),
        }
    }

    /// The accepted names, comma separated, for messages.
    pub fn accepted_names() -> String {
        Self::ALL.map(Workload::name).join(", ")
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Workload {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|w| w.name() == s).ok_or_else(|| SpecError::UnknownWorkload { found: s.to_owned() })
    }
}

impl serde::Serialize for Workload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Workload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A run was stopped through its cancel flag before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the workload was cancelled before it finished")]
pub struct Cancelled;

impl WorkloadSpec {
    /// Runs the program and returns its output. Pure and deterministic; CPU-bound (see the
    /// module docs about blocking threads).
    pub fn execute(&self) -> Vec<u8> {
        let never = AtomicBool::new(false);
        // Only the flag can stop a run, and nobody else holds this one.
        self.execute_cancellable(&never).unwrap_or_default()
    }

    /// Like [`execute`](Self::execute), but returns `Err(Cancelled)` soon after `cancel` becomes
    /// true (checked every few hundred microseconds of work, at the latest every matrix row or
    /// training epoch).
    pub fn execute_cancellable(&self, cancel: &AtomicBool) -> Result<Vec<u8>, Cancelled> {
        let (size, seed) = (self.size(), self.seed());
        match self.workload() {
            Workload::HashChain => hash_chain::run(size, seed, cancel),
            // The size is validated to at most 512, so it fits any usize.
            Workload::Matmul => matmul::run(usize::try_from(size).unwrap_or(0), seed, cancel),
            Workload::FineTune => fine_tune::run(size, seed, cancel),
        }
    }
}

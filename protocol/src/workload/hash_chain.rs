//! `hash-chain`: `size` iterations of Blake2-256.
//!
//! Output layout: a sequence of 40-byte records, each the iteration count (u64 little-endian)
//! followed by the 32-byte digest after that many iterations. A record is written every
//! `ceil(size / 64)` iterations and after the last one, so there are at most 65 records and
//! the last one always holds `size` and the final digest.
//!
//! The start value depends on the seed only (not on `size`), so a longer chain with the same
//! seed passes through every digest of a shorter one.

use std::sync::atomic::{AtomicBool, Ordering};

use super::Cancelled;
use crate::hash::{blake2_256, HASH_LEN};

/// Separates this program's start values from any other use of Blake2-256 on a seed.
const DOMAIN: &[u8] = b"cr-compute/workload/hash-chain/v1";

/// At most this many periodic records (plus the final one).
pub(crate) const MAX_CHECKPOINTS: u64 = 64;

/// Bytes per output record: iteration count + digest.
pub(crate) const RECORD_LEN: usize = 8 + HASH_LEN;

/// How many iterations run between two looks at the cancel flag; a few hundred microseconds.
const CANCEL_EVERY: u64 = 4096;

/// The digest before the first iteration.
pub(crate) fn start(seed: u64) -> [u8; HASH_LEN] {
    let mut input = Vec::with_capacity(DOMAIN.len() + 8);
    input.extend_from_slice(DOMAIN);
    input.extend_from_slice(&seed.to_le_bytes());
    blake2_256(&input)
}

/// Runs the chain; see the module docs for the output layout.
pub(crate) fn run(iterations: u64, seed: u64, cancel: &AtomicBool) -> Result<Vec<u8>, Cancelled> {
    let interval = iterations.div_ceil(MAX_CHECKPOINTS).max(1);
    let records = iterations / interval + 1;
    let mut out = Vec::with_capacity(usize::try_from(records).unwrap_or(0) * RECORD_LEN);
    let mut digest = start(seed);
    for i in 1..=iterations {
        digest = blake2_256(&digest);
        if i % interval == 0 || i == iterations {
            out.extend_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&digest);
        }
        if i % CANCEL_EVERY == 0 && cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
    }
    Ok(out)
}

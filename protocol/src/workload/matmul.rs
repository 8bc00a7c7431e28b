//! `matmul`: the product of two n x n matrices of u64, generated from the seed.
//!
//! Entries of A then B (row-major) are consecutive outputs of a SplitMix64 stream keyed by the
//! seed. C = A x B with wrapping (mod 2^64) multiply and add, so the result does not depend on
//! the summation order. Output: C row-major, each entry u64 little-endian (8 n^2 bytes).

use std::sync::atomic::{AtomicBool, Ordering};

use super::rng::SplitMix64;
use super::Cancelled;

/// Separates this program's random stream from the other workloads'.
const DOMAIN: &[u8] = b"cr-compute/workload/matmul/v1";

/// Runs the product; `n` is already validated against the workload's limit by the caller.
pub(crate) fn run(n: usize, seed: u64, cancel: &AtomicBool) -> Result<Vec<u8>, Cancelled> {
    // chunks_exact(0) would panic; an empty product is empty.
    if n == 0 {
        return Ok(Vec::new());
    }
    let cells = n * n;
    let mut rng = SplitMix64::keyed(DOMAIN, seed);
    let a: Vec<u64> = (0..cells).map(|_| rng.next_u64()).collect();
    let b: Vec<u64> = (0..cells).map(|_| rng.next_u64()).collect();
    let mut c = vec![0u64; cells];

    // i-k-j order walks B and C row by row, which keeps the inner loop sequential in memory;
    // the wrapping sum is the same in any order.
    for (a_row, c_row) in a.chunks_exact(n).zip(c.chunks_exact_mut(n)) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        for (&a_ik, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            for (c_ij, &b_kj) in c_row.iter_mut().zip(b_row) {
                *c_ij = c_ij.wrapping_add(a_ik.wrapping_mul(b_kj));
            }
        }
    }

    let mut out = Vec::with_capacity(cells * 8);
    for value in c {
        out.extend_from_slice(&value.to_le_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loop-order optimisation must compute the textbook product.
    #[test]
    fn matches_the_textbook_product() -> Result<(), Cancelled> {
        let n = 7;
        let mut rng = SplitMix64::keyed(DOMAIN, 42);
        let a: Vec<u64> = (0..n * n).map(|_| rng.next_u64()).collect();
        let b: Vec<u64> = (0..n * n).map(|_| rng.next_u64()).collect();
        let mut expected = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let cell = (0..n).fold(0u64, |acc, k| acc.wrapping_add(a[i * n + k].wrapping_mul(b[k * n + j])));
                expected.extend_from_slice(&cell.to_le_bytes());
            }
        }
        assert_eq!(run(n, 42, &AtomicBool::new(false))?, expected);
        Ok(())
    }
}

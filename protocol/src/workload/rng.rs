//! The workloads' random numbers, and every other seeded choice the tools make (chaos runs):
//! a SplitMix64 stream keyed by Blake2-256.
//!
//! Portable by construction: only wrapping 64-bit integer arithmetic, so the same key yields
//! the same stream on every machine and in every build profile.

use crate::hash::blake2_256;

/// A SplitMix64 generator (Steele, Lea and Flood, 2014): one 64-bit state word advanced by an
/// odd constant, with a bijective mixing function applied to each output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream for one workload and seed. The domain string separates the streams of different
    /// workloads (and versions of a workload) that share a seed; hashing it with the seed
    /// means nearby seeds (7, 8) start from unrelated states.
    pub fn keyed(domain: &[u8], seed: u64) -> Self {
        let mut input = Vec::with_capacity(domain.len() + 8);
        input.extend_from_slice(domain);
        input.extend_from_slice(&seed.to_le_bytes());
        let digest = blake2_256(&input);
        let mut word = [0u8; 8];
        word.copy_from_slice(&digest[..8]);
        Self { state: u64::from_le_bytes(word) }
    }

    /// A value in `lo..=hi` (`lo` when `hi < lo`), from the high bits by multiplication, so
    /// every value is as likely as the next to within 2^-64.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        let span = u128::from(hi.saturating_sub(lo)) + 1;
        lo + ((u128::from(self.next_u64()) * span) >> 64) as u64
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value uniformly spread over `[-2^(bits-1), 2^(bits-1))`, taken from the high bits
    /// (the best-mixed ones). `bits` must be in 1..=63.
    pub(crate) fn next_signed(&mut self, bits: u32) -> i64 {
        let bits = bits.clamp(1, 63);
        let raw = (self.next_u64() >> (64 - bits)) as i64;
        raw - (1i64 << (bits - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_domain_and_seed() {
        let first = |d: &[u8], s| SplitMix64::keyed(d, s).next_u64();
        assert_eq!(first(b"a", 1), first(b"a", 1));
        assert_ne!(first(b"a", 1), first(b"a", 2));
        assert_ne!(first(b"a", 1), first(b"b", 1));
    }

    #[test]
    fn signed_values_stay_in_range() {
        let mut rng = SplitMix64::keyed(b"range", 0);
        for _ in 0..10_000 {
            let v = rng.next_signed(17);
            assert!((-(1 << 16)..(1 << 16)).contains(&v));
        }
    }
}

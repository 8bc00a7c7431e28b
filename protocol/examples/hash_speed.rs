//! Nanoseconds a Blake2-256 of a 32-byte value takes, the hash-chain workload's step: the
//! project's `blake2_256` against RustCrypto's generic Blake2b, which it replaced, both built
//! with this workspace's release profile (the daemon's: optimised for size, except
//! `blake2b_simd`).
//!
//! Usage: `cargo run --release -p cr-protocol --example hash_speed` (prints three rounds each).

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use cr_protocol::hash::blake2_256;
use std::time::Instant;

const HASHES: u32 = 200_000;

fn rust_crypto(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

fn ns_per_hash(hash: fn(&[u8]) -> [u8; 32]) -> f64 {
    let mut value = [7u8; 32];
    let started = Instant::now();
    for _ in 0..HASHES {
        value = hash(&value);
    }
    std::hint::black_box(value);
    started.elapsed().as_nanos() as f64 / f64::from(HASHES)
}

fn main() {
    assert_eq!(blake2_256(b"abc"), rust_crypto(b"abc"), "the two must be the same function");
    for round in 1..=3 {
        let (ours, theirs) = (ns_per_hash(blake2_256), ns_per_hash(rust_crypto));
        println!("round {round}: cr_protocol::hash::blake2_256 {ours:.0} ns, RustCrypto Blake2b<U32> {theirs:.0} ns");
    }
}

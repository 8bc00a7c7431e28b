//! Blake2-256: the one hash of the marketplace (spec hashes, result hashes, artifact-store keys).
//!
//! This is Blake2b with a 32-byte output, the same function Substrate calls `blake2_256`.
//! It is neither Blake2b-512 truncated to 32 bytes (the output length is an input of the
//! function, so the digests differ) nor Blake2s.

use std::fmt;
use std::str::FromStr;

/// Length of a digest in bytes.
pub const HASH_LEN: usize = 32;

// blake2b_simd rather than RustCrypto's blake2: the hash-chain workload is this function in a
// loop, run by the worker and again by the verifier, and it took half the fleet's CPU in a
// 40 jobs/s load run (`ci/perf-crates.py`). In the daemon's size-optimised release build a
// 32-byte input hashed in 412 ns with RustCrypto's generic code and 212 ns with blake2b_simd's
// AVX2 path built at opt-level 3 (Cargo.toml); same digests (`examples/hash_speed.rs`).
fn params() -> blake2b_simd::Params {
    let mut params = blake2b_simd::Params::new();
    params.hash_length(HASH_LEN);
    params
}

fn digest_bytes(hash: blake2b_simd::Hash) -> [u8; HASH_LEN] {
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// Blake2-256 of `data`.
pub fn blake2_256(data: &[u8]) -> [u8; HASH_LEN] {
    digest_bytes(params().hash(data))
}

/// A 32-byte digest. Displays as 64 lowercase hex digits without a prefix (the form used in
/// artifact-store URLs); parses from 64 hex digits of either case, with or without `0x`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash32(pub [u8; HASH_LEN]);

impl Hash32 {
    /// Blake2-256 of `data`.
    pub fn of(data: &[u8]) -> Self {
        Self(blake2_256(data))
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// 64 lowercase hex digits, no prefix.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// `0x` followed by 64 lowercase hex digits (the form Substrate tools print).
    pub fn to_prefixed_hex(&self) -> String {
        format!("0x{}", self.to_hex())
    }
}

impl From<[u8; HASH_LEN]> for Hash32 {
    fn from(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }
}

impl From<Hash32> for [u8; HASH_LEN] {
    fn from(hash: Hash32) -> Self {
        hash.0
    }
}

impl AsRef<[u8]> for Hash32 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32(0x{})", self.to_hex())
    }
}

/// Why a string is not a [`Hash32`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseHashError {
    /// The string (after an optional `0x`) does not have exactly 64 characters.
    #[error("a Blake2-256 hash is 64 hex digits (optionally prefixed with 0x); got {found} characters")]
    WrongLength {
        /// Number of characters found after the optional prefix.
        found: usize,
    },
    /// A character is not a hex digit.
    #[error("a Blake2-256 hash is 64 hex digits (0-9, a-f); found {found:?} at position {position}")]
    NotHex {
        /// Offset of the offending character after the optional prefix.
        position: usize,
        /// The offending character.
        found: char,
    },
}

impl FromStr for Hash32 {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
        // Check characters first so a non-ASCII string reports the bad character rather than
        // a byte length that would confuse the reader.
        if let Some((position, found)) = digits.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(ParseHashError::NotHex { position, found });
        }
        if digits.len() != HASH_LEN * 2 {
            return Err(ParseHashError::WrongLength { found: digits.len() });
        }
        let mut out = [0u8; HASH_LEN];
        hex::decode_to_slice(digits, &mut out).map_err(|_| ParseHashError::WrongLength { found: digits.len() })?;
        Ok(Self(out))
    }
}

impl serde::Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_prefixed_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Incremental Blake2-256, for data that arrives in pieces (uploads, files).
#[derive(Clone)]
pub struct Blake2Hasher(blake2b_simd::State);

impl Default for Blake2Hasher {
    fn default() -> Self {
        Self(params().to_state())
    }
}

impl Blake2Hasher {
    /// A hasher that has seen no data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Hash32 {
        Hash32(digest_bytes(self.0.finalize()))
    }
}

impl fmt::Debug for Blake2Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Blake2Hasher")
    }
}

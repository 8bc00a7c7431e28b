//! The 32-byte secret every key is expanded from, and how it is derived from names.

use std::fmt;
use std::str::FromStr;

use super::KeyError;
use crate::hash::blake2_256;

/// Length of a seed in bytes (the mini secret key of sr25519, the secret key of ed25519).
pub const SEED_LEN: usize = 32;

/// First field of every seed derivation. Changing it (or the encoding) changes every key of
/// every testnet, so it carries a version.
pub const SEED_DOMAIN: &str = "cr-testnet/keys/v1";

/// What a key is for; part of its seed, so one node's keys are independent of each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// sr25519 account that signs transactions.
    Account,
    /// sr25519 key that signs result payloads.
    ResultKey,
    /// sr25519 Aura block-authoring key.
    Aura,
    /// ed25519 GRANDPA finality key.
    Grandpa,
    /// ed25519 libp2p identity of a node.
    NodeKey,
}

impl Purpose {
    /// Every purpose, in declaration order.
    pub const ALL: [Purpose; 5] =
        [Purpose::Account, Purpose::ResultKey, Purpose::Aura, Purpose::Grandpa, Purpose::NodeKey];

    /// The stable name hashed into the seed. Spelled out rather than derived from the variant
    /// name or index so that renaming or reordering variants cannot change any key.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Account => "account",
            Purpose::ResultKey => "result-key",
            Purpose::Aura => "aura",
            Purpose::Grandpa => "grandpa",
            Purpose::NodeKey => "node-key",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A 32-byte key seed: a secret. `Debug` hides it; read it only through the methods that say
/// they expose it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Seed([u8; SEED_LEN]);

impl Seed {
    /// The seed of the `purpose` key of `node` in `testnet`.
    ///
    /// Blake2-256 over [`SEED_DOMAIN`], `testnet`, `node` and [`Purpose::label`], each preceded
    /// by its length in bytes as a little-endian u64. The length prefixes make the encoding
    /// injective: (`a-b`, `c`) and (`a`, `b-c`) hash different byte strings, whatever
    /// characters the names use.
    pub fn derive(testnet: &str, node: &str, purpose: Purpose) -> Self {
        let fields = [SEED_DOMAIN, testnet, node, purpose.label()];
        let mut encoded = Vec::with_capacity(fields.iter().map(|f| 8 + f.len()).sum());
        for field in fields {
            // usize is at most 64 bits on every target Rust supports, so this never truncates.
            encoded.extend_from_slice(&(field.len() as u64).to_le_bytes());
            encoded.extend_from_slice(field.as_bytes());
        }
        Self(blake2_256(&encoded))
    }

    /// A seed from raw bytes (e.g. a well-known development seed in a test).
    pub fn from_bytes(bytes: [u8; SEED_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw secret bytes. Exposes the secret.
    pub fn as_bytes(&self) -> &[u8; SEED_LEN] {
        &self.0
    }

    /// `0x` followed by 64 lowercase hex digits. Exposes the secret.
    ///
    /// This is also the seed's Substrate secret URI: `cr-node key inspect <this>` and a
    /// keystore file holding it yield the same key as
    /// [`Sr25519Key::from_seed`](super::Sr25519Key::from_seed) or
    /// [`Ed25519Key::from_seed`](super::Ed25519Key::from_seed).
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Seed {
    // Seeds end up inside structs that get logged; the secret must not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(<secret>)")
    }
}

impl FromStr for Seed {
    type Err = KeyError;

    /// Parses what [`Seed::to_hex`] writes: 64 hex digits of either case. The `0x` is
    /// optional, so a seed copied from a tool that omits it still works.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
        // Characters first, so non-ASCII input reports a position rather than a byte count.
        if let Some(position) = digits.chars().position(|c| !c.is_ascii_hexdigit()) {
            return Err(KeyError::SeedNotHex { position });
        }
        if digits.len() != SEED_LEN * 2 {
            return Err(KeyError::SeedLength { found: digits.len() });
        }
        let mut out = [0u8; SEED_LEN];
        hex::decode_to_slice(digits, &mut out).map_err(|_| KeyError::SeedLength { found: digits.len() })?;
        Ok(Self(out))
    }
}

/// Seeds travel in configuration files as `"0x<64 hex>"`.
impl serde::Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

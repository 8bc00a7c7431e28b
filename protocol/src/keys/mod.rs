//! Deterministic testnet keys: every key of a testnet follows from the testnet name, the node
//! name and what the key is for.
//!
//! **Never use these keys for anything of value.** Anyone who knows a testnet's name and node
//! names can recompute every secret key, which is the point: a testnet is reproducible, and
//! the orchestrator needs no key storage. The same property makes the keys worthless as
//! secrets.
//!
//! The orchestrator derives a [`Seed`] per node and [`Purpose`], builds the keys from it
//! ([`Sr25519Key`], [`Ed25519Key`], [`NodeKey`]) and hands the seeds to the programs that sign:
//! `cr-node` through its keystore ([`keystore_entries`]) and `--node-key`, the `cr-compute`
//! daemon as `0x`-prefixed hex ([`Seed::to_hex`], parsed back with [`str::parse`]). Each key
//! type produces exactly what Substrate's `Pair::from_seed` produces for the same seed, so the
//! node and the light programs agree on public keys without talking to each other.

mod ed25519;
mod keystore;
mod seed;
mod sr25519;

pub use ed25519::{Ed25519Key, NodeKey};
pub use keystore::{keystore_entries, keystore_entry, KeyTypeId, AURA, GRANDPA};
pub use seed::{Purpose, Seed, SEED_DOMAIN, SEED_LEN};
pub use sr25519::{ss58_encode, verify_sr25519, Sr25519Key, SS58_PREFIX};

/// Why a key could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The seed text does not have 64 hex digits. The text itself is never echoed: it is a
    /// secret.
    #[error(
        "a key seed is 32 bytes written as 0x followed by 64 hex digits; got {found} digits: \
         pass the seed the orchestrator printed, unchanged"
    )]
    SeedLength {
        /// Number of characters found after the optional `0x`.
        found: usize,
    },
    /// A character of the seed text is not a hex digit.
    #[error(
        "a key seed is 0x followed by 64 hex digits (0-9, a-f); character {position} is not \
         one: pass the seed the orchestrator printed, unchanged"
    )]
    SeedNotHex {
        /// Offset of the offending character after the optional `0x`.
        position: usize,
    },
    /// The sr25519 library refused a 32-byte seed, which it only does for a wrong length.
    #[error(
        "subxt-signer refused a 32-byte sr25519 seed ({message}); this is a bug in \
         cr-protocol's key handling: report it with the subxt-signer version in Cargo.lock"
    )]
    Sr25519 {
        /// The library's message.
        message: String,
    },
}

/// Every key one node of a testnet needs, derived from the testnet and node names.
///
/// Compute nodes use `account`, `result_key` and (when they run a node) `node_key`;
/// validators use all of them. Deriving the unused ones costs microseconds, so every node gets
/// the full set and the derivation stays one rule.
#[derive(Debug, Clone)]
pub struct NodeKeys {
    /// sr25519 account that signs the node's transactions and holds its balance.
    pub account: Sr25519Key,
    /// sr25519 key that signs result payloads (registered on chain with the provider).
    pub result_key: Sr25519Key,
    /// sr25519 Aura block-authoring key (validators).
    pub aura: Sr25519Key,
    /// ed25519 GRANDPA finality key (validators).
    pub grandpa: Ed25519Key,
    /// ed25519 libp2p identity of the node's `cr-node` process.
    pub node_key: NodeKey,
}

impl NodeKeys {
    /// All keys of node `node` in testnet `testnet`.
    pub fn for_node(testnet: &str, node: &str) -> Result<Self, KeyError> {
        let seed = |purpose| Seed::derive(testnet, node, purpose);
        Ok(Self {
            account: Sr25519Key::from_seed(&seed(Purpose::Account))?,
            result_key: Sr25519Key::from_seed(&seed(Purpose::ResultKey))?,
            aura: Sr25519Key::from_seed(&seed(Purpose::Aura))?,
            grandpa: Ed25519Key::from_seed(&seed(Purpose::Grandpa)),
            node_key: NodeKey::from_seed(&seed(Purpose::NodeKey)),
        })
    }

    /// The validator keystore files (Aura and GRANDPA) of this node; see [`keystore_entries`].
    pub fn keystore_entries(&self) -> Vec<(String, Vec<u8>)> {
        keystore_entries(&self.aura, &self.grandpa)
    }
}

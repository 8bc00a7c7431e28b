//! ed25519 keys: GRANDPA keys and libp2p node identities.

use std::fmt;

use ed25519_dalek::{Signer, SigningKey};

use super::{ss58_encode, Seed};

/// An ed25519 key pair, identical to Substrate's `ed25519::Pair::from_seed(seed)`: the seed
/// is the RFC 8032 secret key, as in every ed25519 library.
#[derive(Clone)]
pub struct Ed25519Key {
    seed: Seed,
    signing: SigningKey,
}

impl Ed25519Key {
    /// The key pair of `seed`. Every 32-byte string is a valid ed25519 secret, so this cannot
    /// fail.
    pub fn from_seed(seed: &Seed) -> Self {
        Self { seed: seed.clone(), signing: SigningKey::from_bytes(seed.as_bytes()) }
    }

    /// The seed this key was made from. Exposes the secret.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The SS58 form of the public key (what `key inspect --scheme ed25519` prints).
    pub fn ss58(&self) -> String {
        ss58_encode(&self.public())
    }

    /// Signs `message` (deterministic, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

impl fmt::Debug for Ed25519Key {
    // Public key only: the seed is secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519Key(0x{})", hex::encode(self.public()))
    }
}

/// Protobuf encoding of a libp2p ed25519 public key, before the key bytes: field 1 (key
/// type) = 1 (Ed25519), field 2 (data) with length 32.
const LIBP2P_ED25519_PREFIX: [u8; 4] = [0x08, 0x01, 0x12, 0x20];

/// Identity multihash header (code 0x00) for the 36-byte encoded key. libp2p inlines public
/// keys of at most 42 encoded bytes instead of hashing them, so ed25519 peer ids carry the
/// key itself.
const IDENTITY_MULTIHASH_HEADER: [u8; 2] = [0x00, 0x24];

/// A libp2p node identity (`cr-node --node-key`): an ed25519 key whose public part names the
/// node on the peer-to-peer network.
#[derive(Clone)]
pub struct NodeKey(Ed25519Key);

impl NodeKey {
    /// The identity of `seed`.
    pub fn from_seed(seed: &Seed) -> Self {
        Self(Ed25519Key::from_seed(seed))
    }

    /// The secret as 64 lowercase hex digits without `0x`, the form `cr-node --node-key` and
    /// `cr-node key inspect-node-key` read. Exposes the secret.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.seed().as_bytes())
    }

    /// The 32-byte ed25519 public key.
    pub fn public(&self) -> [u8; 32] {
        self.0.public()
    }

    /// The libp2p peer id in base58 (starts with `12D3KooW`), as used in multiaddresses such
    /// as `/dns/<node>/tcp/30333/p2p/<peer id>`.
    pub fn peer_id(&self) -> String {
        let mut bytes = Vec::with_capacity(2 + 4 + 32);
        bytes.extend_from_slice(&IDENTITY_MULTIHASH_HEADER);
        bytes.extend_from_slice(&LIBP2P_ED25519_PREFIX);
        bytes.extend_from_slice(&self.public());
        bs58::encode(bytes).into_string()
    }
}

impl fmt::Debug for NodeKey {
    // The peer id is public and is what operators look for in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeKey({})", self.peer_id())
    }
}

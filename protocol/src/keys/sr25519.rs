//! sr25519 keys (accounts, result keys, Aura) and SS58 addresses.

use std::fmt;

use blake2::{Blake2b512, Digest};
use subxt_signer::sr25519::{self as signer, Keypair};

use super::{KeyError, Seed};

/// SS58 address format of the testnet chain (the runtime's `SS58Prefix`; 42 is Substrate's
/// generic format, so addresses read the same as in the standard dev tools).
pub const SS58_PREFIX: u8 = 42;

/// An sr25519 key pair, identical to Substrate's `sr25519::Pair::from_seed(seed)`.
///
/// Signatures use the signing context `b"substrate"`, as `sp_io::crypto::sr25519_verify`
/// and the transaction signature check expect.
#[derive(Clone)]
pub struct Sr25519Key {
    seed: Seed,
    pair: Keypair,
}

impl Sr25519Key {
    /// The key pair of `seed`.
    ///
    /// subxt-signer's `Keypair::from_secret_key` treats the seed as a schnorrkel
    /// `MiniSecretKey` and expands it in Ed25519 mode, which is what `sp_core` does; the
    /// `cr-node key inspect` test checks that the two agree.
    pub fn from_seed(seed: &Seed) -> Result<Self, KeyError> {
        let pair =
            Keypair::from_secret_key(*seed.as_bytes()).map_err(|e| KeyError::Sr25519 { message: e.to_string() })?;
        Ok(Self { seed: seed.clone(), pair })
    }

    /// The seed this key was made from. Exposes the secret.
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.pair.public_key().0
    }

    /// The on-chain `AccountId32`: for an sr25519 signer the runtime's `MultiSigner` maps the
    /// public key to itself.
    pub fn account_id(&self) -> [u8; 32] {
        self.public()
    }

    /// The SS58 address (format [`SS58_PREFIX`]).
    pub fn ss58(&self) -> String {
        ss58_encode(&self.account_id())
    }

    /// Signs `message` (context `b"substrate"`). sr25519 signing is randomised: two calls give
    /// different signatures, both valid.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.pair.sign(message).0
    }

    /// The subxt-signer key pair, which implements subxt's `Signer` for submitting
    /// transactions.
    pub fn keypair(&self) -> &Keypair {
        &self.pair
    }
}

impl fmt::Debug for Sr25519Key {
    // The public address identifies the key in logs; the seed stays out of them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sr25519Key({})", self.ss58())
    }
}

/// Whether `signature` is `public`'s sr25519 signature of `message` under the context
/// `b"substrate"` (what [`Sr25519Key::sign`] makes and the runtime checks).
pub fn verify_sr25519(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    signer::verify(&signer::Signature(*signature), message, &signer::PublicKey(*public))
}

/// The SS58 address of a 32-byte account id in format [`SS58_PREFIX`].
///
/// Layout: the one-byte format (formats below 64 take one byte), the account id, then the
/// first two bytes of Blake2b-512 over `b"SS58PRE"`, the format byte and the account id; all
/// of it in base58 (Bitcoin alphabet).
pub fn ss58_encode(account_id: &[u8; 32]) -> String {
    let mut payload = Vec::with_capacity(1 + 32 + 2);
    payload.push(SS58_PREFIX);
    payload.extend_from_slice(account_id);
    let checksum = Blake2b512::new().chain_update(b"SS58PRE").chain_update(&payload).finalize();
    payload.extend_from_slice(&checksum[..2]);
    bs58::encode(payload).into_string()
}

//! Files of a Substrate local keystore (`cr-node --keystore-path <dir>`).
//!
//! The node finds a key by file name (key type and public key in hex) and reads the file as
//! a JSON string holding the secret URI, from which it rebuilds the pair and checks that its
//! public key matches the name. Writing the files ourselves avoids running
//! `cr-node key insert` once per key and container.

use super::{Ed25519Key, Seed, Sr25519Key};

/// A four-byte Substrate key type id (`KeyTypeId`), such as `aura` or `gran`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyTypeId(pub [u8; 4]);

/// The Aura authoring key type.
pub const AURA: KeyTypeId = KeyTypeId(*b"aura");

/// The GRANDPA finality key type.
pub const GRANDPA: KeyTypeId = KeyTypeId(*b"gran");

/// One keystore file: (file name, contents).
///
/// The name is hex of the key type followed by hex of the public key, both without `0x`; the
/// contents are the JSON string `"0x<seed hex>"`, quotes included. The file holds a secret:
/// write it readable by its owner only (Substrate itself creates keystore files with mode
/// 0600).
pub fn keystore_entry(key_type: KeyTypeId, public: &[u8; 32], seed: &Seed) -> (String, Vec<u8>) {
    let name = format!("{}{}", hex::encode(key_type.0), hex::encode(public));
    // `to_hex` is ASCII hex only, so quoting it by hand is exactly the JSON serialisation;
    // this avoids an error path serde_json would add for a string that cannot fail.
    let contents = format!("\"{}\"", seed.to_hex()).into_bytes();
    (name, contents)
}

/// The keystore files a validator needs: its Aura (sr25519) and GRANDPA (ed25519) keys.
pub fn keystore_entries(aura: &Sr25519Key, grandpa: &Ed25519Key) -> Vec<(String, Vec<u8>)> {
    vec![keystore_entry(AURA, &aura.public(), aura.seed()), keystore_entry(GRANDPA, &grandpa.public(), grandpa.seed())]
}

//! The keys as Substrate itself sees them: `cr-node key ...` must print our public keys, SS58
//! addresses and peer id, and write the same keystore files we do.
//!
//! Ignored by default because it needs the built node; the end-to-end tier runs it with
//! `CR_NODE_BIN=<path> cargo test -p cr-protocol --test keys -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;

use cr_protocol::keys::{NodeKeys, Sr25519Key};

const BUILD_HINT: &str = "build the node with `. ci/env.sh && (cd chain && CARGO_TARGET_DIR=\
     $CR_CHAIN_TARGET cargo build --release -p cr-node)` and set CR_NODE_BIN to \
     $CR_CHAIN_TARGET/release/cr-node (ci/env.sh does)";

/// The node binary, or a failure that says how to get one: this test only runs when asked
/// for, so a missing node is an error, not a skip.
fn node_bin() -> PathBuf {
    let Some(path) = std::env::var_os("CR_NODE_BIN") else {
        panic!("CR_NODE_BIN is not set: {BUILD_HINT}");
    };
    let path = PathBuf::from(path);
    assert!(path.is_file(), "CR_NODE_BIN={} is not a file: {BUILD_HINT}", path.display());
    path
}

/// Runs the node with `args`; its stdout, or a failure with its stderr.
fn run(bin: &Path, args: &[&str]) -> String {
    let output =
        Command::new(bin).args(args).output().unwrap_or_else(|e| panic!("running {} {args:?}: {e}", bin.display()));
    assert!(
        output.status.success(),
        "{} {args:?} failed ({}): {}",
        bin.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `key inspect --output-type json` of a seed, as a JSON object.
fn inspect(bin: &Path, scheme: &str, seed_hex: &str) -> serde_json::Value {
    let args = ["key", "inspect", "--scheme", scheme, "--output-type", "json", seed_hex];
    let stdout = run(bin, &args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn field<'a>(json: &'a serde_json::Value, name: &str) -> &'a str {
    json[name].as_str().unwrap_or_else(|| panic!("no {name} in {json}"))
}

fn check_sr25519(bin: &Path, key: &Sr25519Key) {
    let json = inspect(bin, "sr25519", &key.seed().to_hex());
    let public = format!("0x{}", hex::encode(key.public()));
    assert_eq!(field(&json, "secretSeed"), key.seed().to_hex());
    assert_eq!(field(&json, "publicKey"), public);
    assert_eq!(field(&json, "accountId"), public);
    assert_eq!(field(&json, "ss58Address"), key.ss58());
}

#[test]
#[ignore = "needs the built node: set CR_NODE_BIN and pass --ignored"]
fn cr_node_agrees_on_keys_peer_id_and_keystore_files() {
    let bin = node_bin();
    let keys = NodeKeys::for_node("crosscheck", "validator-0").unwrap_or_else(|e| panic!("{e}"));

    for key in [&keys.account, &keys.result_key, &keys.aura] {
        check_sr25519(&bin, key);
    }

    let json = inspect(&bin, "ed25519", &keys.grandpa.seed().to_hex());
    assert_eq!(field(&json, "publicKey"), format!("0x{}", hex::encode(keys.grandpa.public())));
    assert_eq!(field(&json, "ss58Address"), keys.grandpa.ss58());

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let key_file = dir.path().join("node-key");
    std::fs::write(&key_file, keys.node_key.secret_hex()).unwrap_or_else(|e| panic!("{e}"));
    let key_file = key_file.to_string_lossy();
    let peer_id = run(&bin, &["key", "inspect-node-key", "--file", &key_file]);
    assert_eq!(peer_id.trim(), keys.node_key.peer_id());

    // Let the node write its own keystore and compare it with ours, file for file.
    let keystore = dir.path().join("keystore");
    let keystore_arg = keystore.to_string_lossy();
    for (key_type, scheme, seed) in [("aura", "sr25519", keys.aura.seed()), ("gran", "ed25519", keys.grandpa.seed())] {
        let seed = seed.to_hex();
        let args = [
            "key",
            "insert",
            "--chain",
            "dev",
            "--keystore-path",
            &keystore_arg,
            "--key-type",
            key_type,
            "--scheme",
            scheme,
            "--suri",
            &seed,
        ];
        run(&bin, &args);
    }
    let mut written: Vec<(String, Vec<u8>)> = std::fs::read_dir(&keystore)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|entry| {
            let entry = entry.unwrap_or_else(|e| panic!("{e}"));
            let name = entry.file_name().to_string_lossy().into_owned();
            let contents = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            (name, contents)
        })
        .collect();
    written.sort();
    let mut ours = keys.keystore_entries();
    ours.sort();
    assert_eq!(written, ours);
}

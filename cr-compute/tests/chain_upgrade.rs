//! Runtime upgrades against a real node: a chain started on the kept spec-100 runtime is read
//! in its own storage layout, refuses runtimes that do not move it forward (and keeps running
//! its own), and takes the working tree's runtime, whose migration rewrites the parameters.

mod common;

use common::{key, node_binary, start_chain_on};
use cr_protocol::chain::{Finality, Layout, UpgradeError};
use cr_protocol::genesis::GenesisRuntime;
use std::path::PathBuf;

fn kept_spec_100() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../chain/runtimes/compute-runtime-spec100.compact.compressed.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The runtime the node was built with: the working tree's.
fn working_tree_runtime() -> Vec<u8> {
    let node = node_binary();
    let path = node.parent().expect("node dir").join("wbuild/compute-runtime/compute_runtime.compact.compressed.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
#[ignore = "needs cr-node: the end-to-end tier runs it"]
async fn a_spec_100_chain_is_read_refuses_a_non_increasing_upgrade_and_takes_the_current_runtime() {
    let sudo = key("sudo");
    let runtime = GenesisRuntime { code: kept_spec_100(), layout: Layout::V0 };
    let node = start_chain_on(&[&sudo], &[], Some(runtime));
    let chain = node.connect().await;
    common::within(30, "the first block", || async { chain.heads().await.ok().filter(|(best, _)| *best >= 1) }).await;
    assert_eq!(chain.spec_version_at(Finality::Best).await.expect("spec"), 100);

    // v0 storage, read in its own layout: no execution floor, nothing removed.
    let params = chain.params().await.expect("v0 parameters read");
    assert_eq!((params.challenge_window, params.min_execute_within, params.retention), (4, 1, u32::MAX));

    // The same runtime again: refused by the chain, which keeps running it.
    let err = chain.upgrade_runtime(sudo.keypair(), kept_spec_100(), 100).await.expect_err("same spec");
    assert!(matches!(&err, UpgradeError::Refused(e) if e.contains("SpecVersionNeedsToIncrease")), "{err}");
    // Not a runtime at all.
    let err = chain.upgrade_runtime(sudo.keypair(), b"not wasm".to_vec(), 101).await.expect_err("garbage");
    assert!(matches!(&err, UpgradeError::Refused(_)), "{err}");
    assert_eq!(chain.spec_version_at(Finality::Best).await.expect("spec"), 100);

    let built = cr_protocol::chain::built_spec_version();
    let done = chain.upgrade_runtime(sudo.keypair(), working_tree_runtime(), built).await.expect("upgrade");
    assert_eq!((done.from_spec, done.to_spec), (100, built));
    // `applied_at` is the block after the set_code block by construction; what can fail is
    // that the chain moved on under the new runtime.
    assert_eq!(done.applied_at, done.included_at + 1);
    let (best, _) = chain.heads().await.expect("heads");
    assert!(best >= done.applied_at, "best #{best} before the first block of the new runtime");
    assert_eq!(chain.spec_version_at(Finality::Best).await.expect("spec"), built);

    // The migration ran in that block: v1 parameters with the floor and retention it sets.
    let params = chain.params().await.expect("v1 parameters read");
    assert_eq!((params.challenge_window, params.min_execute_within, params.retention), (4, 5, 21_600));
    // The block that set the code: its state already holds (and reports) the new runtime, but
    // the old one wrote its storage, so it must still read as v0, not be misread as v1.
    assert_eq!(chain.spec_version_at(Finality::At(done.included_in)).await.expect("spec"), built);
    let params = chain.params_at(Finality::At(done.included_in)).await.expect("v0 parameters at the set_code block");
    assert_eq!((params.min_execute_within, params.retention), (1, u32::MAX));
}

//! What the client signs, checked by a real node's own transaction validation (run with
//! `--ignored`; needs `cr-node`, see `CR_NODE_BIN`).

mod common;

use common::*;
use cr_protocol::chain::api;
use subxt::{tx::ValidationResult, OnlineClient, SubstrateConfig};

/// Behind full blocks a node's pool validates against a block older than the best one its RPC
/// reports. A transaction born at that best block was refused there as "Transaction has an
/// ancient birth block" (load climbs failed on bursts of them); what the client signs must be
/// valid for a pool one block behind. `sign_many` takes the same extrinsic parameters as every
/// signed submission (`submit`, `submit_to_pool`). Born at the best block, as before, this
/// fails with `Invalid(AncientBirthBlock)`.
#[tokio::test]
#[ignore = "needs a cr-node binary (CR_NODE_BIN)"]
async fn a_transaction_signed_at_the_best_block_is_valid_for_a_pool_one_block_behind() {
    let requester = key("requester");
    let process = start_chain(&[&requester], &[]);
    let chain = process.connect().await;
    within(30, "block 6", || async { chain.heads().await.ok().filter(|(best, _)| *best >= 6) }).await;

    // The block before the best known before signing: at least one behind the signing block.
    let (best, _) = chain.heads().await.expect("heads");
    let signed = chain.sign_many(&api::tx().system().remark(vec![1]), requester.keypair(), 1).await.expect("sign");
    let client = OnlineClient::<SubstrateConfig>::from_insecure_url(&process.rpc).await.expect("client");
    let behind = client.at_block(best - 1).await.expect("open the block behind");
    let validity = behind.transactions().from_bytes(signed[0].clone()).validate().await.expect("validate");
    assert!(
        matches!(validity, ValidationResult::Valid(_)),
        "signed at best #{best} or later, validated at #{}: {validity:?}",
        best - 1
    );
}

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

/// Under load subxt's default backend submitted a transaction twice (chainHead's
/// `transactionWatch`, then on an error the legacy RPC); when the first had reached the pool, the
/// second was refused as "Transaction is already imported" and a load run counted an existing
/// job as refused. The pool holding the bytes must be followed to their block. The bytes wait in
/// the pool's future queue (their nonce is one ahead) while they are handed over again, so
/// they cannot be included before.
#[tokio::test]
#[ignore = "needs a cr-node binary (CR_NODE_BIN)"]
async fn a_transaction_the_pool_already_holds_is_followed_to_its_block() {
    let requester = key("requester");
    let process = start_chain(&[&requester], &[]);
    let chain = process.connect().await;
    within(30, "block 2", || async { chain.heads().await.ok().filter(|(best, _)| *best >= 2) }).await;

    let remark = api::tx().system().remark(vec![2]);
    let mut signed = chain.sign_many(&remark, requester.keypair(), 2).await.expect("sign");
    let (gap, held) = (signed.remove(0), signed.remove(0));
    assert_eq!(
        chain.submit_signed(vec![held.clone()], 1).await.expect("pool"),
        (1, 0),
        "the pool takes the later nonce"
    );
    let again = chain.submit_encoded("System.remark", held, cr_protocol::chain::Finality::Best);
    let fill = async {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        chain.submit_signed(vec![gap], 1).await.expect("pool")
    };
    let (outcome, filled) = tokio::join!(again, fill);
    assert_eq!(filled, (1, 0), "the earlier nonce fills the gap");
    let outcome = outcome.expect("the held transaction is followed to its block, not refused");
    // Read from the block that holds it: a signed remark pays a fee there.
    assert!(outcome.fee > 0, "no fee read for it in block {:?}", outcome.block);
}

//! The real node binary on loopback.
//!
//! `three_validators_finalize_and_pay_a_job` starts three `cr-node --validator` processes on a
//! chain spec made from the `local` template with generated keys, checks that they produce and
//! finalize the same blocks, then takes one job from submission to the 90/10 payout through
//! JSON-RPC, with extrinsics built and signed natively from the runtime's own types.
//! `checked_in_metadata_is_current` compares `protocol/metadata/compute.scale`, which the light
//! workspace compiles its client from, with the metadata the node serves.
//!
//! Both tests start processes and wait on real block times (about a minute in all).

mod common;

use codec::{Decode, Encode};
use common::{
	net::{genesis_patch, Network, ValidatorKeys},
	rpc::Res,
	tx::{result_extrinsic, ChainContext},
};
use compute_runtime::{
	genesis::default_market_params, AccountId, Balance, BlockNumber, FeeAccount, Runtime,
	RuntimeCall, RuntimeHoldReason, UNIT,
};
use pallet_compute::{
	Capabilities, HoldReason, JobOf, JobStatus, MarketParams, NodeInfo, Requirements,
	ResultRejection,
};
use sp_core::{sr25519, Pair, H256};
use sp_io::hashing::blake2_256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::transaction_validity::{
	InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
};
use std::time::Duration;

/// Milliseconds per block: the shortest the runtime allows, to keep the test short.
const BLOCK_MS: u64 = 1_000;
/// Blocks a result may be challenged; short so settlement comes soon.
const CHALLENGE_WINDOW: BlockNumber = 3;

fn blocks(n: u64) -> Duration {
	Duration::from_millis(BLOCK_MS * n)
}

fn params() -> MarketParams<Balance, BlockNumber> {
	MarketParams { challenge_window: CHALLENGE_WINDOW, voting_period: 3, ..default_market_params() }
}

type AccountInfo = frame_system::AccountInfo<u32, pallet_balances::AccountData<Balance>>;

async fn account(net: &Network, node: usize, who: &AccountId, at: H256) -> Res<AccountInfo> {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	Ok(net.rpc[node].storage(&key, Some(at)).await?.unwrap_or_default())
}

async fn job(net: &Network, node: usize, id: u64, at: Option<H256>) -> Res<Option<JobOf<Runtime>>> {
	net.rpc[node].storage(&pallet_compute::Jobs::<Runtime>::hashed_key_for(id), at).await
}

/// Sign `call` as `signer` with its next nonce and hand it to validator `node`.
async fn submit_signed(
	net: &Network,
	ctx: &ChainContext,
	node: usize,
	signer: &sr25519::Pair,
	call: RuntimeCall,
) {
	let rpc = &net.rpc[node];
	let nonce = rpc.next_nonce(&signer.public().into()).await.expect("nonce");
	let xt = ctx.sign(call, signer, nonce);
	rpc.submit(&xt).await.unwrap_or_else(|e| panic!("extrinsic refused: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_validators_finalize_and_pay_a_job() {
	let keys: Vec<_> = (0..3).map(ValidatorKeys::new).collect();
	let net = Network::validators("loopback", &keys, genesis_patch(&keys, &params(), BLOCK_MS));
	blocks_are_finalized_by_all(&net).await;
	job_is_paid_90_10(&net).await;
}

/// Blocks are produced, finalized (GRANDPA needs all three voters here) and agreed on.
async fn blocks_are_finalized_by_all(net: &Network) {
	let v0 = &net.rpc[0];
	let wait = Duration::from_secs(180); // a cold start compiles the runtime three times at once
	net.wait_for("block 1", wait, || async move {
		Ok((v0.block_number(None).await? >= 1).then_some(()))
	})
	.await;
	let first_block = net.started.elapsed();
	net.wait_for("a first finalized block", blocks(60), || async move {
		Ok((v0.finalized().await?.0 >= 1).then_some(()))
	})
	.await;
	let finality = net.started.elapsed() - first_block;
	eprintln!(
		"block 1 seen {:.1} s after start; first finalized block {:.1} s later ({:.1} block times)",
		first_block.as_secs_f64(),
		finality.as_secs_f64(),
		finality.as_millis() as f64 / BLOCK_MS as f64
	);
	let height = net
		.wait_for("every validator to finalize block 3", blocks(60), || async move {
			let mut lowest = u32::MAX;
			for rpc in &net.rpc {
				lowest = lowest.min(rpc.finalized().await?.0);
			}
			Ok((lowest >= 3).then_some(lowest))
		})
		.await;
	let mut hashes = Vec::new();
	for rpc in &net.rpc {
		hashes.push(rpc.block_hash(height).await.expect("block hash").expect("a finalized block"));
	}
	assert!(hashes.iter().all(|h| *h == hashes[0]), "finalized block {height} differs: {hashes:?}");
}

/// Alice submits a job, Bob's compute node takes it and posts the result unsigned; after the
/// challenge window the escrow goes 90% to Bob, 10% (rounded down) to the fee account.
async fn job_is_paid_90_10(net: &Network) {
	let (alice, bob) = (Sr25519Keyring::Alice.pair(), Sr25519Keyring::Bob.pair());
	let (requester, node): (AccountId, AccountId) = (alice.public().into(), bob.public().into());
	let (requester, node, fee_account) = (&requester, &node, &FeeAccount::get());
	let result_key = sr25519::Pair::from_seed(&[0x5e; 32]);
	let ctx = ChainContext::fetch(&net.rpc[0]).await.expect("chain context");
	assert_eq!(
		ctx.spec_version,
		compute_runtime::VERSION.spec_version,
		"node runs another runtime"
	);

	// 1000 UNIT + 7: 10% is 100 UNIT + 0.7, rounded down; the node gets the 7 base units.
	let budget: Balance = 1_000 * UNIT + 7;
	let (fee, payout) = (100 * UNIT, 900 * UNIT + 7);
	let capabilities = Capabilities { cpu_cores: 4, memory_mb: 4096, gpu: None };
	let register = pallet_compute::Call::register_node {
		capabilities,
		result_key: result_key.public().0,
		stake: 200 * UNIT,
		max_concurrent: 1,
	};
	submit_signed(net, &ctx, 1, &bob, register.into()).await;
	let submit = pallet_compute::Call::submit_job {
		spec_hash: H256(blake2_256(b"loopback spec")),
		spec_uri: b"http://artifacts/spec".to_vec().try_into().expect("short URI"),
		requirements: Requirements { cpu_cores: 2, memory_mb: 1024, ..Default::default() },
		budget,
		deadlines: Default::default(),
	};
	submit_signed(net, &ctx, 0, &alice, submit.into()).await;

	// The first job of a fresh chain is job 0.
	let nodes_key = pallet_compute::Nodes::<Runtime>::hashed_key_for(node);
	let nodes_key = &nodes_key;
	let open = net
		.wait_for("job 0 submitted and Bob registered", blocks(20), || async move {
			let registered: Option<NodeInfo<Balance>> = net.rpc[1].storage(nodes_key, None).await?;
			Ok(job(net, 1, 0, None).await?.filter(|_| registered.is_some()))
		})
		.await;
	assert_eq!((&open.requester, open.budget), (requester, budget));
	assert!(matches!(open.status, JobStatus::Open { .. }), "{:?}", open.status);

	submit_signed(net, &ctx, 1, &bob, pallet_compute::Call::accept_job { job_id: 0 }.into()).await;
	// Baselines from the first state with the job assigned: registering has been paid for and
	// accepting is free, so from here the only change to Bob's free balance is the payout.
	let (attempt, before) = net
		.wait_for("job 0 assigned to Bob", blocks(20), || async move {
			let at = net.rpc[1].best_hash().await?;
			let Some(job) = job(net, 1, 0, Some(at)).await? else { return Ok(None) };
			let JobStatus::Assigned { node: assigned, .. } = &job.status else { return Ok(None) };
			assert_eq!(assigned, node, "job 0 assigned to another node");
			let balances = (
				account(net, 1, node, at).await?.data.free,
				account(net, 1, fee_account, at).await?.data.free,
				account(net, 1, requester, at).await?.data.reserved,
			);
			Ok(Some((job.attempt, balances)))
		})
		.await;
	assert_eq!((attempt, before.2), (1, budget), "attempt 1, budget held from Alice");

	let output = b"loopback output";
	let result = result_extrinsic(
		&ctx,
		0,
		attempt,
		node.clone(),
		output,
		"http://artifacts/out",
		&result_key,
	);
	// The pool of validator 2 checks the result against its own best block: wait until that
	// block shows the assignment too (it may import the block after validator 1 reported it).
	net.wait_for("job 0 assigned as validator 2 sees it", blocks(20), || async move {
		let at = net.rpc[2].best_hash().await?;
		let status = job(net, 2, 0, Some(at)).await?.map(|j| j.status);
		Ok(matches!(status, Some(JobStatus::Assigned { .. })).then_some(()))
	})
	.await;
	net.rpc[2].submit(&result).await.unwrap_or_else(|e| panic!("result refused: {e}"));
	let (submitted_at, challenge_until) = net
		.wait_for("the result on chain", blocks(20), || async move {
			let at = net.rpc[2].best_hash().await?;
			Ok(match job(net, 2, 0, Some(at)).await?.map(|j| j.status) {
				Some(JobStatus::Submitted { challenge_until, result, .. }) => {
					assert_eq!(result.output_hash, H256(blake2_256(output)));
					Some((at, challenge_until))
				}
				_ => None,
			})
		})
		.await;
	result_replay_is_rejected(net, &result, submitted_at).await;

	// Settlement runs in the block after the window; wait until it is finalized.
	let (status, after) = net
		.wait_for("job 0 completed in a finalized block", blocks(30), || async move {
			let at = net.rpc[0].finalized_hash().await?;
			let Some(job) = job(net, 0, 0, Some(at)).await? else { return Ok(None) };
			if !job.status.is_terminal() {
				return Ok(None);
			}
			let held = net.rpc[0]
				.storage::<Vec<(RuntimeHoldReason, Balance)>>(
					&pallet_balances::Holds::<Runtime>::hashed_key_for(requester),
					Some(at),
				)
				.await?
				.unwrap_or_default();
			let balances = (
				account(net, 0, node, at).await?.data.free,
				account(net, 0, fee_account, at).await?.data.free,
				account(net, 0, requester, at).await?.data.reserved,
				held,
			);
			Ok(Some((job.status, balances)))
		})
		.await;
	let JobStatus::Completed { node: paid, node_payout, protocol_fee, .. } = status else {
		panic!(
			"job 0 ended {status:?}, not Completed (challenge window ended at {challenge_until})"
		);
	};
	assert_eq!((&paid, node_payout, protocol_fee), (node, payout, fee), "stored payout");
	assert_eq!(after.0 - before.0, payout, "Bob's free balance rose by the payout");
	assert_eq!(after.1 - before.1, fee, "the fee account rose by the fee");
	assert_eq!(after.2, 0, "Alice holds nothing in reserve");
	let escrow = RuntimeHoldReason::Compute(HoldReason::JobEscrow);
	assert!(!after.3.iter().any(|(r, _)| *r == escrow), "escrow hold left: {:?}", after.3);
}

/// The included result, sent again, is refused by the pool, and the runtime itself calls it
/// invalid: the job is no longer waiting for a result.
async fn result_replay_is_rejected(
	net: &Network,
	result: &compute_runtime::UncheckedExtrinsic,
	at: H256,
) {
	let err = net.rpc[2].submit(result).await.expect_err("a replayed result must be refused");
	eprintln!("replayed result refused by the pool: {err}");
	let args = (TransactionSource::External, result, at).encode();
	let raw = net.rpc[2]
		.state_call("TaggedTransactionQueue_validate_transaction", &args)
		.await
		.expect("validate_transaction");
	let validity = TransactionValidity::decode(&mut &raw[..]).expect("a TransactionValidity");
	let not_assigned = InvalidTransaction::Custom(ResultRejection::NotAssigned as u8);
	assert_eq!(validity, Err(TransactionValidityError::Invalid(not_assigned)), "replay validity");
}

#[tokio::test]
async fn checked_in_metadata_is_current() {
	let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
		.join("../../protocol/metadata/compute.scale");
	let stored = std::fs::read(&path).unwrap_or_else(|e| {
		panic!("cannot read {}: {e}; run ci/export-metadata.sh", path.display())
	});
	let net = Network::dev("metadata");
	let rpc = &net.rpc[0];
	let raw = net
		.wait_for("metadata from the dev node", Duration::from_secs(120), || async move {
			rpc.state_call("Metadata_metadata_at_version", &16u32.encode()).await.map(Some)
		})
		.await;
	let served = Option::<sp_core::OpaqueMetadata>::decode(&mut &raw[..])
		.expect("Metadata_metadata_at_version returns Option<OpaqueMetadata>")
		.expect("the runtime serves metadata V16");
	let first_difference = stored.iter().zip(served.iter()).position(|(a, b)| a != b);
	assert!(
		stored[..] == served[..],
		"protocol/metadata/compute.scale is stale: {} bytes stored, {} served by the runtime, first \
		 difference at byte {first_difference:?}. Run ci/export-metadata.sh and commit the file.",
		stored.len(),
		served.len(),
	);
}

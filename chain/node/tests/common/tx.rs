//! Extrinsics built and signed natively, as a wallet would: the signed payload is the call, the
//! runtime's transaction extensions and their implicit data (versions and genesis hash), which a
//! client cannot compute from the runtime without chain state, so they come over RPC.

use super::rpc::{Res, Rpc};
use codec::Encode;
use compute_runtime::{
	AccountId, Address, Runtime, RuntimeCall, Signature, TxExtension, UncheckedExtrinsic,
};
use sp_core::{sr25519, Pair, H256};
use sp_io::hashing::blake2_256;
use sp_runtime::generic::{Era, SignedPayload};

/// What every signature of this chain commits to besides the call and the nonce.
#[derive(Clone, Copy)]
pub struct ChainContext {
	pub genesis: H256,
	pub spec_version: u32,
	pub tx_version: u32,
}

impl ChainContext {
	/// Read from a node.
	pub async fn fetch(rpc: &Rpc) -> Res<Self> {
		let (spec_version, tx_version) = rpc.runtime_version().await?;
		Ok(Self { genesis: rpc.genesis_hash().await?, spec_version, tx_version })
	}

	/// `call` signed by `signer` with `nonce`, immortal, no tip.
	pub fn sign(
		&self,
		call: RuntimeCall,
		signer: &sr25519::Pair,
		nonce: u32,
	) -> UncheckedExtrinsic {
		let ext: TxExtension = (
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_system::WeightReclaim::<Runtime>::new(),
		);
		// An immortal era's checkpoint block is the genesis block.
		let implicit =
			((), self.spec_version, self.tx_version, self.genesis, self.genesis, (), (), (), ());
		let payload = SignedPayload::<RuntimeCall, TxExtension>::from_raw(
			call.clone(),
			ext.clone(),
			implicit,
		);
		let signature = payload.using_encoded(|bytes| signer.sign(bytes));
		let who = AccountId::from(signer.public());
		UncheckedExtrinsic::new_signed(call, Address::Id(who), Signature::Sr25519(signature), ext)
	}
}

/// `submit_result` as an unsigned extrinsic: the payload signed with the node's result key.
pub fn result_extrinsic(
	ctx: &ChainContext,
	job_id: pallet_compute::JobId,
	attempt: u32,
	node: AccountId,
	output: &[u8],
	result_uri: &str,
	result_key: &sr25519::Pair,
) -> UncheckedExtrinsic {
	let payload = pallet_compute::PayloadOf::<Runtime> {
		domain: pallet_compute::RESULT_DOMAIN,
		genesis_hash: ctx.genesis,
		job_id,
		attempt,
		node,
		output_hash: H256(blake2_256(output)),
		result_uri: result_uri.as_bytes().to_vec().try_into().expect("URI within MaxUriLen"),
	};
	let signature = result_key.sign(&payload.encode()).0;
	let call = pallet_compute::Call::<Runtime>::submit_result { payload, signature };
	UncheckedExtrinsic::new_bare(call.into())
}

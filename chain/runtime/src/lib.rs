//! Runtime of the compute-marketplace solochain: Aura blocks, GRANDPA finality, balances,
//! transaction payment, sudo and `pallet-compute`. Block time and every marketplace parameter are
//! genesis values, so each testnet topology chooses its own.

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

mod apis;
pub mod block_time;
mod configs;
pub mod genesis;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use apis::RuntimeApi;
pub use configs::{FeeAccount, EXISTENTIAL_DEPOSIT};

/// Balance of an account: 12 decimals, so one token is [`UNIT`].
pub type Balance = u128;
/// One token.
pub const UNIT: Balance = 1_000_000_000_000;
/// Block numbers.
pub type BlockNumber = u32;
/// Transaction signature.
pub type Signature = MultiSignature;
/// Account id: the public key behind a signature.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Block hash.
pub type Hash = sp_core::H256;
/// Address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// Checks every signed transaction goes through, in order. Clients must know each of them.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);
/// Extrinsic as it arrives.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// Dispatches calls to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Storage migrations run by the next runtime upgrade; each checks the pallet's storage version,
/// so they are no-ops on a chain that started on this runtime.
pub type Migrations = (pallet_compute::migrations::MigrateV0ToV1<Runtime>,);

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	use alloc::vec::Vec;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		/// Session keys of a validator: Aura for blocks, GRANDPA for finality.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

/// Runtime version: bump `spec_version` on any change of behaviour.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("compute-marketplace"),
	impl_name: alloc::borrow::Cow::Borrowed("compute-marketplace"),
	authoring_version: 1,
	spec_version: 102,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type BlockTime = crate::block_time;
	#[runtime::pallet_index(3)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(4)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(5)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(6)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(7)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(8)]
	pub type Compute = pallet_compute;
}

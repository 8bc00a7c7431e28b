//! Weights of the marketplace calls.
//!
//! Not benchmarked: the chain is built without the benchmarking feature to keep CI builds small.
//! Each weight is a base execution cost plus the storage reads and writes the call performs,
//! counted from the code on each call's worst path, priced with the runtime's `DbWeight`. A
//! deadline the marketplace sets may look at up to `MAX_TIMER_SHIFT` blocks' timer loads, which
//! every call that sets one pays for. The result submission pays for two sr25519
//! verifications: `pre_dispatch` validates the unsigned extrinsic again inside the block, then
//! dispatch checks it against the state it executes on.

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed by `pallet-compute`.
pub trait WeightInfo {
	fn register_node() -> Weight;
	fn update_node() -> Weight;
	fn add_stake() -> Weight;
	fn set_online() -> Weight;
	fn deregister_node() -> Weight;
	fn submit_job() -> Weight;
	fn cancel_job() -> Weight;
	fn accept_job() -> Weight;
	fn submit_result() -> Weight;
	fn challenge() -> Weight;
	fn vote() -> Weight;
	fn set_params() -> Weight;
	fn set_committee() -> Weight;
	/// `handled` deadlines processed after scanning `scanned` blocks of timers.
	fn on_initialize(handled: u32, scanned: u32) -> Weight;
}

/// Reference computation time of one call body, before storage: 25 µs.
const BASE: u64 = 25_000_000;
/// One sr25519 verification: about 50 µs on reference hardware.
const SR25519_VERIFY: u64 = 50_000_000;

/// Storage reads and writes of each call's worst path, counted from the code; the weights
/// below price them and `tests/weights.rs` checks them against the keys the calls touch.
pub mod storage {
	/// Timer loads read by the search for a block with room.
	const SHIFT: u64 = crate::timers::MAX_TIMER_SHIFT as u64;

	/// Params, Nodes, account + hold.
	pub const REGISTER_NODE: (u64, u64) = (4, 3);
	pub const UPDATE_NODE: (u64, u64) = (1, 1);
	pub const ADD_STAKE: (u64, u64) = (3, 3);
	pub const SET_ONLINE: (u64, u64) = (1, 1);
	pub const DEREGISTER_NODE: (u64, u64) = (3, 3);
	/// Params, NextJobId, account + hold, the search for a block with room (a default
	/// expiry); writes those, Jobs and Timers.
	pub const SUBMIT_JOB: (u64, u64) = (4 + SHIFT, 6);
	/// Jobs, Params, account + hold, Timers + TimerLoad cleared, removal scheduled.
	pub const CANCEL_JOB: (u64, u64) = (6 + SHIFT, 8);
	/// Params, Jobs, Nodes, the expiry cleared, the deadline set.
	pub const ACCEPT_JOB: (u64, u64) = (5 + SHIFT, 6);
	/// Validation (genesis hash, Jobs, Nodes), then dispatch again, Params, deadline cleared,
	/// settlement set, Nodes.
	pub const SUBMIT_RESULT: (u64, u64) = (10 + SHIFT, 6);
	/// Params, Jobs, account + hold, window cleared, vote deadline set.
	pub const CHALLENGE: (u64, u64) = (6 + SHIFT, 7);
	/// Committee, Jobs.
	pub const VOTE: (u64, u64) = (2, 1);
	pub const SET_PARAMS: (u64, u64) = (1, 1);
	pub const SET_COMMITTEE: (u64, u64) = (2, 1);

	/// `handled` deadlines after scanning `scanned` blocks. Per deadline, the worst path (a
	/// dispute the node loses): Jobs, Params, Committee, Nodes, seven balance entries (node,
	/// fee account, challenger, requester: accounts and holds), the removal's timer search;
	/// writes of Jobs, Nodes, those balance entries, Timers and TimerLoad.
	pub const fn on_initialize(handled: u32, scanned: u32) -> (u64, u64) {
		let (h, s) = (handled as u64, scanned as u64);
		(2 + 2 * s + (14 + SHIFT) * h, 1 + s + 16 * h)
	}
}

/// Weights for a runtime, priced with its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

fn rw<T: frame_system::Config>((reads, writes): (u64, u64)) -> Weight {
	use frame_support::traits::Get;
	Weight::from_parts(BASE, 4_000).saturating_add(T::DbWeight::get().reads_writes(reads, writes))
}

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_node() -> Weight {
		rw::<T>(storage::REGISTER_NODE)
	}
	fn update_node() -> Weight {
		rw::<T>(storage::UPDATE_NODE)
	}
	fn add_stake() -> Weight {
		rw::<T>(storage::ADD_STAKE)
	}
	fn set_online() -> Weight {
		rw::<T>(storage::SET_ONLINE)
	}
	fn deregister_node() -> Weight {
		rw::<T>(storage::DEREGISTER_NODE)
	}
	fn submit_job() -> Weight {
		rw::<T>(storage::SUBMIT_JOB)
	}
	fn cancel_job() -> Weight {
		rw::<T>(storage::CANCEL_JOB)
	}
	fn accept_job() -> Weight {
		rw::<T>(storage::ACCEPT_JOB)
	}
	fn submit_result() -> Weight {
		rw::<T>(storage::SUBMIT_RESULT).saturating_add(Weight::from_parts(2 * SR25519_VERIFY, 0))
	}
	fn challenge() -> Weight {
		rw::<T>(storage::CHALLENGE)
	}
	fn vote() -> Weight {
		rw::<T>(storage::VOTE)
	}
	fn set_params() -> Weight {
		rw::<T>(storage::SET_PARAMS)
	}
	fn set_committee() -> Weight {
		rw::<T>(storage::SET_COMMITTEE)
	}
	fn on_initialize(handled: u32, scanned: u32) -> Weight {
		// Each handled deadline is a call body of its own.
		rw::<T>(storage::on_initialize(handled, scanned))
			.saturating_add(Weight::from_parts(BASE, 0).saturating_mul(handled as u64))
	}
}

/// For tests: no weight.
impl WeightInfo for () {
	fn register_node() -> Weight {
		Weight::zero()
	}
	fn update_node() -> Weight {
		Weight::zero()
	}
	fn add_stake() -> Weight {
		Weight::zero()
	}
	fn set_online() -> Weight {
		Weight::zero()
	}
	fn deregister_node() -> Weight {
		Weight::zero()
	}
	fn submit_job() -> Weight {
		Weight::zero()
	}
	fn cancel_job() -> Weight {
		Weight::zero()
	}
	fn accept_job() -> Weight {
		Weight::zero()
	}
	fn submit_result() -> Weight {
		Weight::zero()
	}
	fn challenge() -> Weight {
		Weight::zero()
	}
	fn vote() -> Weight {
		Weight::zero()
	}
	fn set_params() -> Weight {
		Weight::zero()
	}
	fn set_committee() -> Weight {
		Weight::zero()
	}
	fn on_initialize(_: u32, _: u32) -> Weight {
		Weight::zero()
	}
}

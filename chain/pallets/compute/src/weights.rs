//! Weights of the marketplace calls.
//!
//! Not benchmarked: the chain is built without the benchmarking feature to keep CI builds small.
//! Each weight is a base execution cost plus the storage reads and writes the call performs,
//! counted from the code on each call's worst path, priced with the runtime's `DbWeight`. A call
//! that sets a deadline may read up to `MAX_TIMER_SHIFT` blocks' timer loads to find room: it
//! declares that many (`timer_probes`) and is charged afterwards for those it read, usually
//! one: charged the worst case, a load run's blocks were full by weight at 282 marketplace calls
//! while they took a fraction of the block time to build (docs/NOTES.md). `on_initialize` is
//! charged the same way, each deadline for the path it took: charged a lost dispute's path, a
//! block's payouts took normal transactions' room (docs/NOTES.md, 2026-12-07). A refused call is
//! charged its fixed keys and no search (`Pallet::refused`), unless no block had room. The result submission
//! pays for two sr25519 verifications: `pre_dispatch` validates the unsigned extrinsic again
//! inside the block, then dispatch checks it against the state it executes on.

use core::marker::PhantomData;
use frame_support::weights::Weight;

/// Weight functions needed by `pallet-compute`.
pub trait WeightInfo {
	fn register_node() -> Weight;
	fn update_node() -> Weight;
	fn add_stake() -> Weight;
	fn set_online() -> Weight;
	fn deregister_node() -> Weight;
	/// Each of these five sets a deadline after reading `timer_probes` blocks' timer loads.
	fn submit_job(timer_probes: u32) -> Weight;
	fn cancel_job(timer_probes: u32) -> Weight;
	fn accept_job(timer_probes: u32) -> Weight;
	fn submit_result(timer_probes: u32) -> Weight;
	fn challenge(timer_probes: u32) -> Weight;
	fn vote() -> Weight;
	fn set_params() -> Weight;
	fn set_committee() -> Weight;
	/// The deadline queue's scan of `scanned` blocks, before the deadlines it handles.
	fn on_initialize(scanned: u32) -> Weight;
	/// A finished job's record removed at the end of its retention.
	fn remove_job() -> Weight;
	/// An undisputed result paid out when its challenge window closed.
	fn pay_job(timer_probes: u32) -> Weight;
	/// Any other deadline: an expiry, a timeout or a dispute's verdict.
	fn other_deadline(timer_probes: u32) -> Weight;
}

/// Reference computation time of one call body, before storage: 25 µs.
pub(crate) const BASE: u64 = 25_000_000;
/// One sr25519 verification: about 50 µs on reference hardware.
const SR25519_VERIFY: u64 = 50_000_000;

/// Storage reads and writes of each call's worst path, counted from the code; the weights
/// below price them and `tests/weights.rs` checks them against the keys the calls touch.
/// `probes` is the number of blocks' timer loads a deadline search read.
pub mod storage {
	/// Params, Nodes, account + hold.
	pub const REGISTER_NODE: (u64, u64) = (4, 3);
	pub const UPDATE_NODE: (u64, u64) = (1, 1);
	pub const ADD_STAKE: (u64, u64) = (3, 3);
	pub const SET_ONLINE: (u64, u64) = (1, 1);
	pub const DEREGISTER_NODE: (u64, u64) = (3, 3);
	/// Params, NextJobId, account + hold, the search for a block with room (a default
	/// expiry); writes those, Jobs and Timers.
	pub const fn submit_job(probes: u32) -> (u64, u64) {
		(4 + probes as u64, 6)
	}
	/// Jobs, Params, account + hold, Timers + TimerLoad cleared, removal scheduled.
	pub const fn cancel_job(probes: u32) -> (u64, u64) {
		(6 + probes as u64, 8)
	}
	/// Params, Jobs, Nodes, the expiry cleared, the deadline set.
	pub const fn accept_job(probes: u32) -> (u64, u64) {
		(5 + probes as u64, 6)
	}
	/// Validation (genesis hash, Jobs, Nodes), then dispatch again, Params, deadline cleared,
	/// settlement set, Nodes.
	pub const fn submit_result(probes: u32) -> (u64, u64) {
		(10 + probes as u64, 6)
	}
	/// Params, Jobs, account + hold, window cleared, vote deadline set.
	pub const fn challenge(probes: u32) -> (u64, u64) {
		(6 + probes as u64, 7)
	}
	/// Committee, Jobs.
	pub const VOTE: (u64, u64) = (2, 1);
	pub const SET_PARAMS: (u64, u64) = (1, 1);
	pub const SET_COMMITTEE: (u64, u64) = (2, 1);

	/// The scan of `scanned` blocks: the cursor, and per block its timers' first key and its
	/// timer load; writes the cursor and each block's load removed.
	pub const fn on_initialize(scanned: u32) -> (u64, u64) {
		let s = scanned as u64;
		(2 + 2 * s, 1 + s)
	}
	/// The timer (read by the scan, removed), Jobs read and removed.
	pub const REMOVE_JOB: (u64, u64) = (2, 2);
	/// The timer, Jobs, Params, Nodes, the requester's hold and account, the node's and the fee
	/// account's accounts, the removal's timer search; writes of those but Params, and the
	/// removal's Timers entry and TimerLoad.
	pub const fn pay_job(probes: u32) -> (u64, u64) {
		(8 + probes as u64, 9)
	}
	/// The worst of the other paths (a dispute the node loses): Jobs, Params, Committee, Nodes,
	/// seven balance entries (node, fee account, challenger, requester: accounts and holds),
	/// the timer and the timer searches; writes of Jobs, Nodes, those balance entries, Timers
	/// and TimerLoad.
	pub const fn other_deadline(probes: u32) -> (u64, u64) {
		(14 + probes as u64, 16)
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
	fn submit_job(timer_probes: u32) -> Weight {
		rw::<T>(storage::submit_job(timer_probes))
	}
	fn cancel_job(timer_probes: u32) -> Weight {
		rw::<T>(storage::cancel_job(timer_probes))
	}
	fn accept_job(timer_probes: u32) -> Weight {
		rw::<T>(storage::accept_job(timer_probes))
	}
	fn submit_result(timer_probes: u32) -> Weight {
		rw::<T>(storage::submit_result(timer_probes))
			.saturating_add(Weight::from_parts(2 * SR25519_VERIFY, 0))
	}
	fn challenge(timer_probes: u32) -> Weight {
		rw::<T>(storage::challenge(timer_probes))
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
	fn on_initialize(scanned: u32) -> Weight {
		rw::<T>(storage::on_initialize(scanned))
	}
	// Each deadline is a call body of its own.
	fn remove_job() -> Weight {
		rw::<T>(storage::REMOVE_JOB)
	}
	fn pay_job(timer_probes: u32) -> Weight {
		rw::<T>(storage::pay_job(timer_probes))
	}
	fn other_deadline(timer_probes: u32) -> Weight {
		rw::<T>(storage::other_deadline(timer_probes))
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
	fn submit_job(_: u32) -> Weight {
		Weight::zero()
	}
	fn cancel_job(_: u32) -> Weight {
		Weight::zero()
	}
	fn accept_job(_: u32) -> Weight {
		Weight::zero()
	}
	fn submit_result(_: u32) -> Weight {
		Weight::zero()
	}
	fn challenge(_: u32) -> Weight {
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
	fn on_initialize(_: u32) -> Weight {
		Weight::zero()
	}
	fn remove_job() -> Weight {
		Weight::zero()
	}
	fn pay_job(_: u32) -> Weight {
		Weight::zero()
	}
	fn other_deadline(_: u32) -> Weight {
		Weight::zero()
	}
}

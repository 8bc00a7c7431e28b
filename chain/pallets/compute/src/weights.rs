//! Weights of the marketplace calls.
//!
//! Not benchmarked: the chain is built without the benchmarking feature to keep CI builds small.
//! Each weight is a base execution cost plus the storage reads and writes the call performs,
//! counted from the code, priced with the runtime's `DbWeight`. The result submission also pays
//! for one sr25519 verification.

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

/// Weights for a runtime, priced with its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

fn rw<T: frame_system::Config>(reads: u64, writes: u64) -> Weight {
	use frame_support::traits::Get;
	Weight::from_parts(BASE, 4_000).saturating_add(T::DbWeight::get().reads_writes(reads, writes))
}

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Params, Nodes, balance + hold.
	fn register_node() -> Weight {
		rw::<T>(4, 3)
	}
	fn update_node() -> Weight {
		rw::<T>(1, 1)
	}
	fn add_stake() -> Weight {
		rw::<T>(3, 3)
	}
	fn set_online() -> Weight {
		rw::<T>(1, 1)
	}
	fn deregister_node() -> Weight {
		rw::<T>(3, 3)
	}
	// Params, NextJobId, balance + hold, Jobs, Timers.
	fn submit_job() -> Weight {
		rw::<T>(4, 5)
	}
	fn cancel_job() -> Weight {
		rw::<T>(3, 4)
	}
	// Params, Jobs, Nodes, two Timers.
	fn accept_job() -> Weight {
		rw::<T>(3, 4)
	}
	fn submit_result() -> Weight {
		rw::<T>(5, 4).saturating_add(Weight::from_parts(SR25519_VERIFY, 0))
	}
	fn challenge() -> Weight {
		rw::<T>(4, 5)
	}
	fn vote() -> Weight {
		rw::<T>(2, 1)
	}
	fn set_params() -> Weight {
		rw::<T>(1, 1)
	}
	fn set_committee() -> Weight {
		rw::<T>(2, 1)
	}
	// Per deadline: the job, node, params and up to four balance entries (two transfers).
	fn on_initialize(handled: u32, scanned: u32) -> Weight {
		rw::<T>(2 + scanned as u64, 1).saturating_add(rw::<T>(8, 8).saturating_mul(handled as u64))
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

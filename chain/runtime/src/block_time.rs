//! The block time, chosen at genesis.
//!
//! Aura's slot duration is usually a compile-time constant; testnets here pick theirs in the
//! topology, so it lives in storage, written once at genesis and never changed (a running chain
//! whose slot duration changed would disagree with its own past slots).

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use frame_support::{pallet_prelude::*, traits::BuildGenesisConfig};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// No configuration: the value is all there is.
	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::type_value]
	pub fn DefaultSlotDuration() -> u64 {
		2_000
	}

	/// Milliseconds per block (Aura slot).
	#[pallet::storage]
	pub type SlotDurationMs<T: Config> = StorageValue<_, u64, ValueQuery, DefaultSlotDuration>;

	/// Genesis: the block time in milliseconds, even, 1000..=6000.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Milliseconds per block.
		pub slot_duration_ms: u64,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { slot_duration_ms: DefaultSlotDuration::get(), _config: Default::default() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				(1_000..=6_000).contains(&self.slot_duration_ms)
					&& self.slot_duration_ms.is_multiple_of(2),
				"blockTime.slotDurationMs must be even and within 1000..=6000"
			);
			SlotDurationMs::<T>::put(self.slot_duration_ms);
		}
	}
}

/// Timestamp's minimum period: half the slot, as Aura expects.
pub struct MinimumPeriod<T>(core::marker::PhantomData<T>);

impl<T: Config> frame_support::traits::Get<u64> for MinimumPeriod<T> {
	fn get() -> u64 {
		SlotDurationMs::<T>::get() / 2
	}
}

//! The deadline queue. Each block holds at most `MaxTimersPerBlock` deadlines, counted when they
//! are set, so `on_initialize` can always handle a block's deadlines in that block and no
//! backlog can postpone one.

use crate::{pallet::*, types::*};
use frame_support::{ensure, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

/// Blocks a marketplace-chosen deadline may move forward to find room.
pub(crate) const MAX_TIMER_SHIFT: u32 = 64;

impl<T: Config> Pallet<T> {
	/// Deadlines requesters may place in one block: half of it, so the marketplace's own
	/// deadlines (results, disputes, removals) always find room nearby.
	fn requester_share() -> u32 {
		(T::MaxTimersPerBlock::get() / 2).max(1)
	}

	/// Set a requester-chosen deadline at exactly `at`.
	pub(crate) fn set_requested_timer(
		at: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<(), Error<T>> {
		let load = TimerLoad::<T>::get(at);
		ensure!(load < Self::requester_share(), Error::<T>::TooManyTimers);
		Self::insert_timer(at, job_id, load);
		Ok(())
	}

	/// Set the default expiry of a job whose requester chose none: at `earliest`, or the first
	/// later block where requesters still have room, so a burst of submissions in one block
	/// spills into the next blocks instead of being refused while they are empty. Returns the
	/// block it landed on.
	pub(crate) fn set_default_expiry(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		Self::set_in_first_block_with_room(earliest, job_id, Self::requester_share())
	}

	/// Set a deadline the marketplace chooses: at `earliest`, or the first later block with
	/// room. Returns the block it landed on, which the job's state must record.
	pub(crate) fn set_timer(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		Self::set_in_first_block_with_room(earliest, job_id, T::MaxTimersPerBlock::get())
	}

	/// Set the deadline in the first block from `earliest` (within `MAX_TIMER_SHIFT`) holding
	/// fewer than `limit` deadlines.
	fn set_in_first_block_with_room(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
		limit: u32,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut at = earliest;
		for _ in 0..MAX_TIMER_SHIFT {
			let load = TimerLoad::<T>::get(at);
			if load < limit {
				Self::insert_timer(at, job_id, load);
				return Ok(at);
			}
			at = at.saturating_add(One::one());
		}
		Err(Error::<T>::TooManyTimers)
	}

	fn insert_timer(at: BlockNumberFor<T>, job_id: JobId, load: u32) {
		Timers::<T>::insert(at, job_id, ());
		TimerLoad::<T>::insert(at, load.saturating_add(1));
	}

	pub(crate) fn clear_timer(at: BlockNumberFor<T>, job_id: JobId) {
		if Timers::<T>::take(at, job_id).is_some() {
			TimerLoad::<T>::mutate_exists(at, |load| {
				*load = load.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
			});
		}
	}

	/// A job reached a terminal state: remove its record after the retention period. With no
	/// room within `MAX_TIMER_SHIFT` blocks of that, the record stays (it is correct, only kept).
	pub(crate) fn schedule_removal(job_id: JobId) {
		let Ok(params) = Self::params() else { return };
		let at = frame_system::Pallet::<T>::block_number().saturating_add(params.retention);
		let _ = Self::set_timer(at, job_id);
	}
}

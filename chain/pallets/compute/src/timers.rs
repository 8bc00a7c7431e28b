//! The deadline queue. Each block holds at most `MaxTimersPerBlock` deadlines, counted when they
//! are set, so `on_initialize` can always handle a block's deadlines in that block and no
//! backlog can postpone one.

use crate::{pallet::*, types::*};
use frame_support::{
	dispatch::{DispatchErrorWithPostInfo, WithPostDispatchInfo},
	ensure,
	traits::Get,
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating},
	DispatchError,
};

/// Blocks a marketplace-chosen deadline may move forward to find room.
pub(crate) const MAX_TIMER_SHIFT: u32 = 64;

/// Where a deadline landed, and how many blocks' timer loads were read to find room there.
/// A call that sets a deadline declares the worst case (`MAX_TIMER_SHIFT` reads) and is
/// charged afterwards for `probes`, so one block holds as many calls as their real cost allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed<N> {
	pub at: N,
	pub probes: u32,
}

impl<T: Config> Pallet<T> {
	/// A refused call that sets deadlines, charged for what it did: every refusal but
	/// `TooManyTimers` comes before the deadline search, so the call read its fixed keys and no
	/// timer load. Charged the declared worst case instead, a losing accept (a node that was a
	/// block late for a job) cost a block the whole 64-block search it never made.
	pub(crate) fn refused(
		error: DispatchError,
		weight_of: fn(u32) -> Weight,
	) -> DispatchErrorWithPostInfo {
		let searched = error == DispatchError::from(Error::<T>::TooManyTimers);
		error.with_weight(weight_of(if searched { MAX_TIMER_SHIFT } else { 0 }))
	}

	/// Deadlines requesters may place in one block: half of it, so the marketplace's own
	/// deadlines (results, disputes, removals) always find room nearby.
	fn requester_share() -> u32 {
		(T::MaxTimersPerBlock::get() / 2).max(1)
	}

	/// Set a requester-chosen deadline at exactly `at`.
	pub(crate) fn set_requested_timer(
		at: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<Placed<BlockNumberFor<T>>, Error<T>> {
		let load = TimerLoad::<T>::get(at);
		ensure!(load < Self::requester_share(), Error::<T>::TooManyTimers);
		Self::insert_timer(at, job_id, load);
		Ok(Placed { at, probes: 1 })
	}

	/// Set the default expiry of a job whose requester chose none: at `earliest`, or the first
	/// later block where requesters still have room, so a burst of submissions in one block
	/// spills into the next blocks instead of being refused while they are empty.
	pub(crate) fn set_default_expiry(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<Placed<BlockNumberFor<T>>, Error<T>> {
		Self::set_in_first_block_with_room(earliest, job_id, Self::requester_share())
	}

	/// Set a deadline the marketplace chooses: at `earliest`, or the first later block with
	/// room. The block it landed on is what the job's state must record.
	pub(crate) fn set_timer(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
	) -> Result<Placed<BlockNumberFor<T>>, Error<T>> {
		Self::set_in_first_block_with_room(earliest, job_id, T::MaxTimersPerBlock::get())
	}

	/// Set the deadline in the first block from `earliest` (within `MAX_TIMER_SHIFT`) holding
	/// fewer than `limit` deadlines.
	fn set_in_first_block_with_room(
		earliest: BlockNumberFor<T>,
		job_id: JobId,
		limit: u32,
	) -> Result<Placed<BlockNumberFor<T>>, Error<T>> {
		let mut at = earliest;
		for probes in 1..=MAX_TIMER_SHIFT {
			let load = TimerLoad::<T>::get(at);
			if load < limit {
				Self::insert_timer(at, job_id, load);
				return Ok(Placed { at, probes });
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
	/// Returns the timer loads read.
	pub(crate) fn schedule_removal(job_id: JobId) -> u32 {
		let Ok(params) = Self::params() else { return 0 };
		let at = frame_system::Pallet::<T>::block_number().saturating_add(params.retention);
		Self::set_timer(at, job_id).map_or(MAX_TIMER_SHIFT, |placed| placed.probes)
	}
}

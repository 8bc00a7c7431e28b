//! Deadlines: expiry, execution timeouts, release after the challenge window, dispute tallies.

use crate::{pallet::*, types::*};
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating, Zero};

/// Blocks of backlog looked at in one `on_initialize`, so empty blocks cost bounded reads too.
const MAX_BLOCKS_SCANNED: u32 = 16;

impl<T: Config> Pallet<T> {
	/// Handle every deadline due at or before `now`, at most `MaxTimersPerBlock` of them.
	pub(crate) fn process_timers(now: BlockNumberFor<T>) -> Weight {
		let mut budget = T::MaxTimersPerBlock::get();
		let mut block = TimerCursor::<T>::get();
		let mut handled = 0u32;
		let mut scanned = 0u32;
		while block <= now && scanned < MAX_BLOCKS_SCANNED {
			let due: alloc::vec::Vec<JobId> =
				Timers::<T>::iter_key_prefix(block).take(budget as usize).collect();
			for job_id in &due {
				Timers::<T>::remove(block, job_id);
				Self::on_deadline(block, *job_id);
			}
			handled += due.len() as u32;
			budget -= due.len() as u32;
			if budget == 0 && Timers::<T>::iter_key_prefix(block).next().is_some() {
				break;
			}
			block = block.saturating_add(One::one());
			scanned += 1;
		}
		TimerCursor::<T>::put(block);
		T::WeightInfo::on_initialize(handled, scanned)
	}

	/// A job's current state reached its deadline at block `at`.
	fn on_deadline(at: BlockNumberFor<T>, job_id: JobId) {
		let Some(job) = Jobs::<T>::get(job_id) else { return };
		match job.status.clone() {
			JobStatus::Open { expires_at } if expires_at == at => Self::expire(job_id, job),
			JobStatus::Assigned { node, deadline } if deadline == at => {
				Self::time_out(job_id, job, node)
			}
			JobStatus::Submitted { node, result, challenge_until }
				if challenge_until.saturating_add(One::one()) == at =>
			{
				Self::complete(job_id, job, node, result)
			}
			JobStatus::Disputed { voting_until, .. }
				if voting_until.saturating_add(One::one()) == at =>
			{
				Self::resolve_dispute(job_id, job)
			}
			// Timers are cleared on every transition, so any other pairing is unreachable.
			_ => {}
		}
	}

	fn expire(job_id: JobId, mut job: JobOf<T>) {
		Self::release(HoldReason::JobEscrow, &job.requester, job.budget);
		job.status = JobStatus::Expired;
		let refunded = job.budget;
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::JobExpired { job_id, refunded });
	}

	fn time_out(job_id: JobId, mut job: JobOf<T>, node: T::AccountId) {
		let Ok(params) = Self::params() else { return };
		Self::node_job_done(&node, true);
		Self::slash(&node, job_id, SlashReason::ExecutionTimeout, None);
		let reopened = job.attempt < params.max_attempts;
		let attempt = job.attempt;
		if reopened {
			let expires_at =
				frame_system::Pallet::<T>::block_number().saturating_add(job.accept_within);
			job.status = JobStatus::Open { expires_at };
			Self::set_timer(expires_at, job_id);
			Jobs::<T>::insert(job_id, job);
		} else {
			Self::refund(job_id, job, RefundReason::AttemptsExhausted);
		}
		Self::deposit_event(Event::JobTimedOut { job_id, node, attempt, reopened });
	}

	/// Pay the node and the fee account from the requester's escrow.
	fn complete(
		job_id: JobId,
		mut job: JobOf<T>,
		node: T::AccountId,
		result: JobResult<T::MaxUriLen>,
	) {
		let Ok(params) = Self::params() else { return };
		let protocol_fee = params.protocol_fee.mul_floor(job.budget);
		let node_payout = job.budget.saturating_sub(protocol_fee);
		Self::pay_from_hold(HoldReason::JobEscrow, &job.requester, &node, node_payout);
		Self::pay_from_hold(
			HoldReason::JobEscrow,
			&job.requester,
			&T::FeeAccount::get(),
			protocol_fee,
		);
		Self::node_job_done(&node, false);
		job.status = JobStatus::Completed { node: node.clone(), result, node_payout, protocol_fee };
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::JobCompleted { job_id, node, node_payout, protocol_fee });
	}

	fn refund(job_id: JobId, mut job: JobOf<T>, reason: RefundReason) {
		Self::release(HoldReason::JobEscrow, &job.requester, job.budget);
		job.status = JobStatus::Refunded { reason };
		let (requester, amount) = (job.requester.clone(), job.budget);
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::JobRefunded { job_id, requester, amount, reason });
	}

	fn resolve_dispute(job_id: JobId, job: JobOf<T>) {
		let Ok(params) = Self::params() else { return };
		let JobStatus::Disputed { node, result, challenger, bond, votes, .. } = job.status.clone()
		else {
			return;
		};
		let valid = votes.iter().filter(|(_, v)| *v).count() as u32;
		let invalid = votes.len() as u32 - valid;
		// An empty committee (quorum 0) can never vote, so no votes is always "no quorum".
		let outcome = if votes.is_empty() || valid + invalid < params.quorum {
			DisputeOutcome::NoQuorum
		} else if invalid > valid {
			DisputeOutcome::NodeWrong
		} else {
			DisputeOutcome::ChallengerWrong
		};
		Self::deposit_event(Event::DisputeResolved {
			job_id,
			outcome,
			votes_valid: valid,
			votes_invalid: invalid,
		});
		match outcome {
			DisputeOutcome::NodeWrong => {
				let reward =
					Self::slash(&node, job_id, SlashReason::WrongResult, Some(&challenger));
				Self::release(HoldReason::ChallengeBond, &challenger, bond);
				Self::deposit_event(Event::ChallengerRewarded { job_id, challenger, reward });
				Self::node_job_done(&node, false);
				Self::refund(job_id, job, RefundReason::ResultRejected);
			}
			DisputeOutcome::ChallengerWrong => {
				Self::pay_from_hold(
					HoldReason::ChallengeBond,
					&challenger,
					&T::FeeAccount::get(),
					bond,
				);
				Self::deposit_event(Event::BondForfeited { job_id, challenger, bond });
				Self::complete(job_id, job, node, result);
			}
			DisputeOutcome::NoQuorum => {
				Self::release(HoldReason::ChallengeBond, &challenger, bond);
				Self::complete(job_id, job, node, result);
			}
		}
	}

	/// Take `slash` of the node's stake: `challenger_reward` of it to `challenger` when there is
	/// one, the rest to the fee account. Returns the challenger's reward.
	fn slash(
		node: &T::AccountId,
		job_id: JobId,
		reason: SlashReason,
		challenger: Option<&T::AccountId>,
	) -> BalanceOf<T> {
		let Ok(params) = Self::params() else { return Zero::zero() };
		let Some(mut info) = Nodes::<T>::get(node) else { return Zero::zero() };
		let amount = params.slash.mul_floor(info.stake);
		let reward = match challenger {
			Some(c) => {
				let reward = params.challenger_reward.mul_floor(amount);
				Self::pay_from_hold(HoldReason::NodeStake, node, c, reward);
				reward
			}
			None => Zero::zero(),
		};
		let to_fees = amount.saturating_sub(reward);
		Self::pay_from_hold(HoldReason::NodeStake, node, &T::FeeAccount::get(), to_fees);
		info.stake = info.stake.saturating_sub(amount);
		if info.stake < params.min_node_stake && info.online {
			// Below the minimum it may finish what it has but takes nothing new.
			info.online = false;
			Self::deposit_event(Event::NodeStatusChanged { node: node.clone(), online: false });
		}
		Nodes::<T>::insert(node, info);
		Self::deposit_event(Event::NodeSlashed { node: node.clone(), job_id, amount, reason });
		reward
	}

	/// A job left the node's hands: `was_active` when it had not posted a result yet.
	fn node_job_done(node: &T::AccountId, was_active: bool) {
		Nodes::<T>::mutate(node, |n| {
			if let Some(n) = n {
				if was_active {
					n.active_jobs = n.active_jobs.saturating_sub(1);
				}
				n.unsettled_jobs = n.unsettled_jobs.saturating_sub(1);
			}
		});
	}
}

//! Deadlines: expiry, execution timeouts, release after the challenge window, dispute tallies,
//! removal of finished jobs.

use crate::timers::MAX_TIMER_SHIFT;
use crate::{pallet::*, types::*};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Get,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating, Zero};

/// Blocks of backlog looked at in one `on_initialize`, so empty blocks cost bounded reads too.
const MAX_BLOCKS_SCANNED: u32 = 16;

/// The path a deadline took, for its weight: the three differ by up to ten times in storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
	/// A finished job's record removed; also a job already gone or a stale pairing, which read
	/// the job and at most removed the timer (charged as a removal, which covers it).
	Removed,
	/// An undisputed result paid out, then the record's removal scheduled after `probes`
	/// timer loads.
	Paid { probes: u32 },
	/// An expiry, a timeout or a dispute's verdict, charged as the costliest of them (a lost
	/// dispute); `probes` timer loads read.
	Other { probes: u32 },
}

impl Deadline {
	fn weight<T: Config>(self) -> Weight {
		match self {
			Self::Removed => T::WeightInfo::remove_job(),
			Self::Paid { probes } => T::WeightInfo::pay_job(probes),
			Self::Other { probes } => T::WeightInfo::other_deadline(probes),
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Handle every deadline due at or before `now`, at most `MaxTimersPerBlock` of them.
	/// Returns the weight of the paths the deadlines took: a payout or a removal costs a
	/// fraction of a lost dispute, and what `on_initialize` reports is room normal transactions
	/// no longer have in this block.
	pub(crate) fn process_timers(now: BlockNumberFor<T>) -> Weight {
		let mut budget = T::MaxTimersPerBlock::get();
		let mut block = TimerCursor::<T>::get();
		let mut scanned = 0u32;
		let mut handled = Weight::zero();
		while block <= now && scanned < MAX_BLOCKS_SCANNED {
			let due: alloc::vec::Vec<JobId> =
				Timers::<T>::iter_key_prefix(block).take(budget as usize).collect();
			for job_id in &due {
				Timers::<T>::remove(block, job_id);
				handled.saturating_accrue(Self::on_deadline(block, *job_id).weight::<T>());
			}
			budget -= due.len() as u32;
			if budget == 0 && Timers::<T>::iter_key_prefix(block).next().is_some() {
				break;
			}
			TimerLoad::<T>::remove(block);
			block = block.saturating_add(One::one());
			scanned += 1;
		}
		TimerCursor::<T>::put(block);
		T::WeightInfo::on_initialize(scanned).saturating_add(handled)
	}

	/// A job's current state reached its deadline at block `at`.
	fn on_deadline(at: BlockNumberFor<T>, job_id: JobId) -> Deadline {
		let Some(job) = Jobs::<T>::get(job_id) else { return Deadline::Removed };
		match job.status.clone() {
			// The only timer a finished job has is its removal.
			s if s.is_terminal() => {
				Jobs::<T>::remove(job_id);
				Self::deposit_event(Event::JobPurged { job_id });
				Deadline::Removed
			}
			JobStatus::Open { expires_at } if expires_at == at => {
				Deadline::Other { probes: Self::expire(job_id, job) }
			}
			JobStatus::Assigned { node, deadline } if deadline == at => {
				Deadline::Other { probes: Self::time_out(job_id, job, node) }
			}
			JobStatus::Submitted { node, result, challenge_until }
				if challenge_until.saturating_add(One::one()) == at =>
			{
				Deadline::Paid { probes: Self::complete(job_id, job, node, result) }
			}
			JobStatus::Disputed { voting_until, .. }
				if voting_until.saturating_add(One::one()) == at =>
			{
				Deadline::Other { probes: Self::resolve_dispute(job_id, job) }
			}
			// Timers are cleared on every transition, so any other pairing is unreachable; it
			// read the job and nothing more.
			_ => Deadline::Removed,
		}
	}

	/// Returns the timer loads read (here and below: the one deadline search each path makes).
	fn expire(job_id: JobId, mut job: JobOf<T>) -> u32 {
		Self::release(HoldReason::JobEscrow, &job.requester, job.budget);
		job.status = JobStatus::Expired;
		let refunded = job.budget;
		Jobs::<T>::insert(job_id, job);
		let probes = Self::schedule_removal(job_id);
		Self::deposit_event(Event::JobExpired { job_id, refunded });
		probes
	}

	fn time_out(job_id: JobId, mut job: JobOf<T>, node: T::AccountId) -> u32 {
		let Ok(params) = Self::params() else { return 0 };
		let at_risk = core::mem::take(&mut job.stake_at_risk);
		Self::slash(&node, job_id, at_risk, SlashReason::ExecutionTimeout);
		Self::node_job_done(&node, true, at_risk);
		let attempt = job.attempt;
		let reopening = (job.attempt < params.max_attempts)
			.then(|| Self::set_timer(Self::now().saturating_add(job.accept_within), job_id));
		let (reopened, probes) = match reopening {
			Some(Ok(placed)) => {
				job.status = JobStatus::Open { expires_at: placed.at };
				Jobs::<T>::insert(job_id, job);
				(true, placed.probes)
			}
			// Out of attempts, or (rarely) no room for a new expiry: the requester gets it back.
			not_reopened => {
				// A failed search read every block's load it could move to.
				let searched = if not_reopened.is_some() { MAX_TIMER_SHIFT } else { 0 };
				let refunded = Self::refund(job_id, job, RefundReason::AttemptsExhausted);
				(false, searched.saturating_add(refunded))
			}
		};
		Self::deposit_event(Event::JobTimedOut { job_id, node, attempt, reopened });
		probes
	}

	/// Pay the node and the fee account from the requester's escrow.
	fn complete(
		job_id: JobId,
		mut job: JobOf<T>,
		node: T::AccountId,
		result: JobResult<T::MaxUriLen>,
	) -> u32 {
		let Ok(params) = Self::params() else { return 0 };
		let protocol_fee = params.protocol_fee.mul_floor(job.budget);
		let node_payout = job.budget.saturating_sub(protocol_fee);
		Self::pay_from_hold(HoldReason::JobEscrow, &job.requester, &node, node_payout);
		Self::pay_from_hold(
			HoldReason::JobEscrow,
			&job.requester,
			&T::FeeAccount::get(),
			protocol_fee,
		);
		Self::node_job_done(&node, false, core::mem::take(&mut job.stake_at_risk));
		job.status = JobStatus::Completed { node: node.clone(), result, node_payout, protocol_fee };
		Jobs::<T>::insert(job_id, job);
		let probes = Self::schedule_removal(job_id);
		Self::deposit_event(Event::JobCompleted { job_id, node, node_payout, protocol_fee });
		probes
	}

	fn refund(job_id: JobId, mut job: JobOf<T>, reason: RefundReason) -> u32 {
		Self::release(HoldReason::JobEscrow, &job.requester, job.budget);
		job.status = JobStatus::Refunded { reason };
		let (requester, amount) = (job.requester.clone(), job.budget);
		Jobs::<T>::insert(job_id, job);
		let probes = Self::schedule_removal(job_id);
		Self::deposit_event(Event::JobRefunded { job_id, requester, amount, reason });
		probes
	}

	fn resolve_dispute(job_id: JobId, mut job: JobOf<T>) -> u32 {
		let Ok(params) = Self::params() else { return 0 };
		let JobStatus::Disputed { node, result, challenger, bond, votes, .. } = job.status.clone()
		else {
			return 0;
		};
		let committee = Committee::<T>::get();
		let counted = || votes.iter().filter(|(m, _)| committee.contains(m));
		let valid = counted().filter(|(_, v)| *v).count() as u32;
		let invalid = counted().count() as u32 - valid;
		// An empty committee (quorum 0) can never vote, so no votes is always "no quorum".
		let outcome = if valid + invalid == 0 || valid + invalid < params.quorum {
			DisputeOutcome::NoQuorum
		} else if invalid > valid {
			DisputeOutcome::NodeWrong
		} else if valid > invalid {
			DisputeOutcome::ChallengerWrong
		} else {
			DisputeOutcome::Tie
		};
		Self::deposit_event(Event::DisputeResolved {
			job_id,
			outcome,
			votes_valid: valid,
			votes_invalid: invalid,
		});
		let at_risk = core::mem::take(&mut job.stake_at_risk);
		match outcome {
			DisputeOutcome::NodeWrong => {
				Self::slash(&node, job_id, at_risk, SlashReason::WrongResult);
				Self::node_job_done(&node, false, at_risk);
				Self::release(HoldReason::ChallengeBond, &challenger, bond);
				let reward =
					Self::pay_bounty(&challenger, params.challenger_reward.mul_floor(bond));
				Self::deposit_event(Event::ChallengerRewarded { job_id, challenger, reward });
				Self::refund(job_id, job, RefundReason::ResultRejected)
			}
			DisputeOutcome::ChallengerWrong => {
				Self::forfeit_bond(job_id, &challenger, bond);
				job.stake_at_risk = at_risk;
				Self::complete(job_id, job, node, result)
			}
			DisputeOutcome::NoQuorum | DisputeOutcome::Tie => {
				Self::forfeit_bond(job_id, &challenger, bond);
				Self::node_job_done(&node, false, at_risk);
				Self::refund(job_id, job, RefundReason::Undecided)
			}
		}
	}

	fn forfeit_bond(job_id: JobId, challenger: &T::AccountId, bond: BalanceOf<T>) {
		Self::pay_from_hold(HoldReason::ChallengeBond, challenger, &T::FeeAccount::get(), bond);
		Self::deposit_event(Event::BondForfeited { job_id, challenger: challenger.clone(), bond });
	}

	/// Pay a winning challenger's bounty out of the fee account, as far as its free balance
	/// above the existential deposit allows. Returns what was paid.
	fn pay_bounty(to: &T::AccountId, bounty: BalanceOf<T>) -> BalanceOf<T> {
		let fee_account = T::FeeAccount::get();
		let spendable =
			T::Currency::reducible_balance(&fee_account, Preservation::Preserve, Fortitude::Polite);
		let paid = bounty.min(spendable);
		if paid.is_zero()
			|| T::Currency::transfer(&fee_account, to, paid, Preservation::Preserve).is_err()
		{
			return Zero::zero();
		}
		paid
	}

	/// Forfeit `amount` (a job's stake at risk) of the node's stake to the fee account.
	fn slash(node: &T::AccountId, job_id: JobId, amount: BalanceOf<T>, reason: SlashReason) {
		let Ok(params) = Self::params() else { return };
		let Some(mut info) = Nodes::<T>::get(node) else { return };
		// Exposure never exceeds stake, so this takes `amount` whole.
		let amount = amount.min(info.stake);
		Self::pay_from_hold(HoldReason::NodeStake, node, &T::FeeAccount::get(), amount);
		info.stake = info.stake.saturating_sub(amount);
		if info.stake < params.min_node_stake && info.online {
			// Below the minimum it may finish what it has but takes nothing new.
			info.online = false;
			Self::deposit_event(Event::NodeStatusChanged { node: node.clone(), online: false });
		}
		Nodes::<T>::insert(node, info);
		Self::deposit_event(Event::NodeSlashed { node: node.clone(), job_id, amount, reason });
	}

	/// A job left the node's hands: `was_active` when it had not posted a result yet;
	/// `at_risk` is the stake the job had put at risk.
	fn node_job_done(node: &T::AccountId, was_active: bool, at_risk: BalanceOf<T>) {
		Nodes::<T>::mutate(node, |n| {
			if let Some(n) = n {
				if was_active {
					n.active_jobs = n.active_jobs.saturating_sub(1);
				}
				n.unsettled_jobs = n.unsettled_jobs.saturating_sub(1);
				n.exposure = n.exposure.saturating_sub(at_risk);
			}
		});
	}
}

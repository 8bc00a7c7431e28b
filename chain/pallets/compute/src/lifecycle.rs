//! The calls' logic: node registry, job submission, acceptance, results, challenges, votes.

use crate::{pallet::*, types::*};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Fee transfers may be smaller than the existential deposit, so the fee account must exist.
	pub(crate) fn ensure_fee_account_exists() {
		let fee_account = T::FeeAccount::get();
		let min = T::Currency::minimum_balance();
		let have = T::Currency::total_balance(&fee_account);
		if have < min {
			// Genesis only: the one place the pallet creates balance, to make the account exist.
			let _ = T::Currency::mint_into(&fee_account, min.saturating_sub(have));
		}
	}

	fn hold(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Release a hold back to its owner's free balance.
	pub(crate) fn release(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		let released = T::Currency::release(&reason.into(), who, amount, Precision::Exact);
		debug_assert!(released.is_ok(), "held funds are always releasable");
	}

	/// Move held funds to `to`'s free balance.
	pub(crate) fn pay_from_hold(
		reason: HoldReason,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) {
		if amount.is_zero() {
			return;
		}
		let moved = T::Currency::transfer_on_hold(
			&reason.into(),
			from,
			to,
			amount,
			Precision::Exact,
			frame_support::traits::tokens::Restriction::Free,
			Fortitude::Force,
		);
		debug_assert!(moved.is_ok(), "held funds always move to an existing account");
	}

	fn check_uri(uri: &UriOf<T>) -> DispatchResult {
		ensure!(!uri.is_empty(), Error::<T>::BadUri);
		Ok(())
	}

	fn check_deadline(
		chosen: Option<BlockNumberFor<T>>,
		default: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let d = chosen.unwrap_or(default);
		ensure!(!d.is_zero() && d <= T::MaxDeadline::get(), Error::<T>::BadDeadline);
		Ok(d)
	}

	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	pub(crate) fn do_register(
		who: T::AccountId,
		capabilities: Capabilities,
		result_key: [u8; 32],
		stake: BalanceOf<T>,
		max_concurrent: u32,
	) -> DispatchResult {
		ensure!(!Nodes::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(capabilities.is_well_formed(), Error::<T>::BadCapabilities);
		ensure!(
			(1..=T::MaxConcurrentJobs::get()).contains(&max_concurrent),
			Error::<T>::BadConcurrency
		);
		ensure!(stake >= Self::params()?.min_node_stake, Error::<T>::StakeTooLow);
		Self::hold(HoldReason::NodeStake, &who, stake)?;
		Nodes::<T>::insert(
			&who,
			NodeInfo {
				capabilities: capabilities.clone(),
				result_key,
				stake,
				online: true,
				max_concurrent,
				active_jobs: 0,
				unsettled_jobs: 0,
				exposure: Zero::zero(),
			},
		);
		Self::deposit_event(Event::NodeRegistered { node: who, stake, capabilities });
		Ok(())
	}

	pub(crate) fn do_update(
		who: T::AccountId,
		capabilities: Capabilities,
		max_concurrent: u32,
	) -> DispatchResult {
		ensure!(capabilities.is_well_formed(), Error::<T>::BadCapabilities);
		ensure!(
			(1..=T::MaxConcurrentJobs::get()).contains(&max_concurrent),
			Error::<T>::BadConcurrency
		);
		Nodes::<T>::try_mutate(&who, |node| -> DispatchResult {
			let node = node.as_mut().ok_or(Error::<T>::NotRegistered)?;
			node.capabilities = capabilities.clone();
			node.max_concurrent = max_concurrent;
			Ok(())
		})?;
		Self::deposit_event(Event::NodeUpdated { node: who, capabilities, max_concurrent });
		Ok(())
	}

	pub(crate) fn do_add_stake(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::StakeTooLow);
		let total = Nodes::<T>::try_mutate(&who, |node| -> Result<BalanceOf<T>, DispatchError> {
			let node = node.as_mut().ok_or(Error::<T>::NotRegistered)?;
			Self::hold(HoldReason::NodeStake, &who, amount)?;
			node.stake = node.stake.saturating_add(amount);
			Ok(node.stake)
		})?;
		Self::deposit_event(Event::StakeAdded { node: who, amount, total });
		Ok(())
	}

	pub(crate) fn do_set_online(who: T::AccountId, online: bool) -> DispatchResult {
		Nodes::<T>::try_mutate(&who, |node| -> DispatchResult {
			let node = node.as_mut().ok_or(Error::<T>::NotRegistered)?;
			node.online = online;
			Ok(())
		})?;
		Self::deposit_event(Event::NodeStatusChanged { node: who, online });
		Ok(())
	}

	pub(crate) fn do_deregister(who: T::AccountId) -> DispatchResult {
		let node = Nodes::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(node.unsettled_jobs == 0, Error::<T>::NodeHasJobs);
		Self::release(HoldReason::NodeStake, &who, node.stake);
		Nodes::<T>::remove(&who);
		Self::deposit_event(Event::NodeDeregistered { node: who, stake_released: node.stake });
		Ok(())
	}

	/// Returns the timer loads the deadline search read, as every `do_*` below that sets a
	/// deadline does: the call is charged for those.
	pub(crate) fn do_submit(
		who: T::AccountId,
		spec_hash: sp_core::H256,
		spec_uri: UriOf<T>,
		requirements: Requirements,
		budget: BalanceOf<T>,
		deadlines: JobDeadlines<BlockNumberFor<T>>,
	) -> Result<u32, DispatchError> {
		let params = Self::params()?;
		ensure!(!budget.is_zero(), Error::<T>::ZeroBudget);
		Self::check_uri(&spec_uri)?;
		let accept_within = Self::check_deadline(deadlines.accept_within, params.accept_timeout)?;
		let execute_within =
			Self::check_deadline(deadlines.execute_within, params.execution_timeout)?;
		ensure!(execute_within >= params.min_execute_within, Error::<T>::ExecutionWindowTooShort);
		Self::hold(HoldReason::JobEscrow, &who, budget)?;
		let now = Self::now();
		let job_id = NextJobId::<T>::mutate(|id| {
			let this = *id;
			*id = id.saturating_add(1);
			this
		});
		// A chosen expiry is kept exactly; the default one is the marketplace's to place.
		let earliest = now.saturating_add(accept_within);
		let placed = match deadlines.accept_within {
			Some(_) => Self::set_requested_timer(earliest, job_id)?,
			None => Self::set_default_expiry(earliest, job_id)?,
		};
		let expires_at = placed.at;
		Jobs::<T>::insert(
			job_id,
			Job {
				requester: who.clone(),
				spec_hash,
				spec_uri,
				requirements: requirements.clone(),
				budget,
				execute_within,
				accept_within,
				submitted_at: now,
				attempt: 0,
				stake_at_risk: Zero::zero(),
				status: JobStatus::Open { expires_at },
			},
		);
		Self::deposit_event(Event::JobSubmitted {
			job_id,
			requester: who,
			budget,
			spec_hash,
			requirements,
			expires_at,
		});
		Ok(placed.probes)
	}

	pub(crate) fn do_cancel(who: T::AccountId, job_id: JobId) -> Result<u32, DispatchError> {
		let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.requester == who, Error::<T>::NotRequester);
		let JobStatus::Open { expires_at } = job.status else {
			return Err(Error::<T>::NotOpen.into());
		};
		Self::clear_timer(expires_at, job_id);
		Self::release(HoldReason::JobEscrow, &who, job.budget);
		job.status = JobStatus::Cancelled;
		let refunded = job.budget;
		Jobs::<T>::insert(job_id, job);
		let probes = Self::schedule_removal(job_id);
		Self::deposit_event(Event::JobCancelled { job_id, refunded });
		Ok(probes)
	}

	pub(crate) fn do_accept(who: T::AccountId, job_id: JobId) -> Result<u32, DispatchError> {
		let params = Self::params()?;
		let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Open { expires_at } = job.status else {
			return Err(Error::<T>::NotOpen.into());
		};
		// `on_initialize` of `expires_at` expires the job before any extrinsic of that block.
		ensure!(Self::now() < expires_at, Error::<T>::DeadlinePassed);
		let mut node = Nodes::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(node.online, Error::<T>::NodeOffline);
		ensure!(node.stake >= params.min_node_stake, Error::<T>::StakeTooLow);
		ensure!(node.active_jobs < node.max_concurrent, Error::<T>::NodeAtCapacity);
		ensure!(node.capabilities.satisfies(&job.requirements), Error::<T>::RequirementsNotMet);
		let at_risk = Self::job_stake(&params);
		ensure!(node.exposure.saturating_add(at_risk) <= node.stake, Error::<T>::StakeExhausted);

		Self::clear_timer(expires_at, job_id);
		let placed = Self::set_timer(Self::now().saturating_add(job.execute_within), job_id)?;
		let deadline = placed.at;
		node.active_jobs += 1;
		node.unsettled_jobs += 1;
		node.exposure = node.exposure.saturating_add(at_risk);
		Nodes::<T>::insert(&who, node);
		job.attempt = job.attempt.saturating_add(1);
		job.stake_at_risk = at_risk;
		job.status = JobStatus::Assigned { node: who.clone(), deadline };
		let attempt = job.attempt;
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::JobAccepted { job_id, node: who, attempt, deadline });
		Ok(placed.probes)
	}

	/// Called after [`Self::check_result`] passed: record the result and open the window.
	pub(crate) fn do_submit_result(payload: PayloadOf<T>) -> Result<u32, DispatchError> {
		let params = Self::params()?;
		let mut job = Jobs::<T>::get(payload.job_id).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Assigned { node, deadline } = job.status else {
			return Err(Error::<T>::NotAssigned.into());
		};
		Self::clear_timer(deadline, payload.job_id);
		// The window's last block is `challenge_until`; settlement runs in the block after.
		let placed = Self::set_timer(
			Self::now().saturating_add(params.challenge_window).saturating_add(1u32.into()),
			payload.job_id,
		)?;
		let settles_at = placed.at;
		let challenge_until = settles_at.saturating_sub(1u32.into());
		Nodes::<T>::mutate(&node, |n| {
			if let Some(n) = n {
				n.active_jobs = n.active_jobs.saturating_sub(1);
			}
		});
		let result = JobResult { output_hash: payload.output_hash, uri: payload.result_uri };
		job.status =
			JobStatus::Submitted { node: node.clone(), result: result.clone(), challenge_until };
		Jobs::<T>::insert(payload.job_id, job);
		Self::deposit_event(Event::ResultSubmitted {
			job_id: payload.job_id,
			node,
			attempt: payload.attempt,
			output_hash: result.output_hash,
			challenge_until,
		});
		Ok(placed.probes)
	}

	pub(crate) fn do_challenge(who: T::AccountId, job_id: JobId) -> Result<u32, DispatchError> {
		let params = Self::params()?;
		let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Submitted { node, result, challenge_until } = job.status else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		let now = Self::now();
		ensure!(now <= challenge_until, Error::<T>::ChallengeWindowClosed);
		ensure!(who != node, Error::<T>::SelfChallenge);
		let bond = params.challenge_bond;
		Self::hold(HoldReason::ChallengeBond, &who, bond)?;
		Self::clear_timer(challenge_until.saturating_add(1u32.into()), job_id);
		let placed = Self::set_timer(
			now.saturating_add(params.voting_period).saturating_add(1u32.into()),
			job_id,
		)?;
		let decided_at = placed.at;
		let voting_until = decided_at.saturating_sub(1u32.into());
		job.status = JobStatus::Disputed {
			node,
			result,
			challenger: who.clone(),
			bond,
			votes: BoundedVec::default(),
			voting_until,
		};
		Jobs::<T>::insert(job_id, job);
		Self::deposit_event(Event::JobChallenged { job_id, challenger: who, bond, voting_until });
		Ok(placed.probes)
	}

	pub(crate) fn do_vote(who: T::AccountId, job_id: JobId, result_valid: bool) -> DispatchResult {
		let committee = Committee::<T>::get();
		ensure!(committee.contains(&who), Error::<T>::NotCommitteeMember);
		Jobs::<T>::try_mutate(job_id, |job| -> DispatchResult {
			let job = job.as_mut().ok_or(Error::<T>::UnknownJob)?;
			let requester = job.requester.clone();
			let JobStatus::Disputed { node, challenger, votes, voting_until, .. } = &mut job.status
			else {
				return Err(Error::<T>::NotDisputed.into());
			};
			ensure!(Self::now() <= *voting_until, Error::<T>::VotingClosed);
			ensure!(
				who != *node && who != *challenger && who != requester,
				Error::<T>::PartyToDispute
			);
			ensure!(!votes.iter().any(|(m, _)| *m == who), Error::<T>::AlreadyVoted);
			// Votes of former members no longer count; dropping them keeps room for current ones.
			votes.retain(|(m, _)| committee.contains(m));
			// Current members are distinct and each votes once, so this cannot overflow.
			votes.try_push((who.clone(), result_valid)).map_err(|_| Error::<T>::AlreadyVoted)?;
			Ok(())
		})?;
		Self::deposit_event(Event::VoteCast { job_id, member: who, result_valid });
		Ok(())
	}
}

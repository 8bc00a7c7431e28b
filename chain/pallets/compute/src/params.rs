//! What makes a set of marketplace parameters and a committee safe to run with. Genesis (JSON
//! included) and the root calls refuse anything else with the error naming the broken rule.

use crate::pallet::*;
use frame_support::{ensure, traits::Get};
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// The marketplace parameters; genesis always sets them.
	pub(crate) fn params() -> Result<ParamsOf<T>, Error<T>> {
		Params::<T>::get().ok_or(Error::<T>::ParamsMissing)
	}

	/// Stake one job puts at risk under `p`.
	pub(crate) fn job_stake(p: &ParamsOf<T>) -> BalanceOf<T> {
		p.slash.mul_floor(p.min_node_stake)
	}

	/// Check `p` for a committee of `members`.
	pub fn check_params(p: &ParamsOf<T>, members: u32) -> Result<(), Error<T>> {
		let periods = [
			p.challenge_window,
			p.voting_period,
			p.accept_timeout,
			p.execution_timeout,
			p.retention,
		];
		ensure!(periods.iter().all(|b| !b.is_zero()) && p.max_attempts > 0, Error::<T>::ZeroPeriod);
		let max = T::MaxDeadline::get();
		ensure!(
			p.accept_timeout <= max && p.execution_timeout <= max,
			Error::<T>::TimeoutAboveMaxDeadline
		);
		ensure!(
			p.min_execute_within >= 2u32.into() && p.min_execute_within <= p.execution_timeout,
			Error::<T>::BadExecutionFloor
		);
		// A `Percent` read from JSON is not range-checked, and SCALE refuses to decode it later.
		let percents = [p.protocol_fee, p.slash, p.challenger_reward];
		ensure!(percents.iter().all(|x| x.deconstruct() <= 100), Error::<T>::PercentAbove100);
		let job_stake = Self::job_stake(p);
		ensure!(
			!p.min_node_stake.is_zero() && !p.challenge_bond.is_zero() && !job_stake.is_zero(),
			Error::<T>::ZeroStakeOrBond
		);
		ensure!(
			p.challenger_reward.mul_floor(p.challenge_bond) < job_stake,
			Error::<T>::BountyNotBelowSlash
		);
		let reachable =
			if members == 0 { p.quorum == 0 } else { (1..=members).contains(&p.quorum) };
		ensure!(reachable, Error::<T>::QuorumUnreachable);
		Ok(())
	}

	/// Committee members must be distinct: a repeated account could never make up a quorum.
	pub fn check_committee(members: &[T::AccountId]) -> Result<(), Error<T>> {
		for (i, m) in members.iter().enumerate() {
			ensure!(!members[..i].contains(m), Error::<T>::DuplicateMember);
		}
		Ok(())
	}
}

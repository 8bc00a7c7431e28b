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

	/// The rule an error names, for genesis panics (which have no error type to carry).
	pub(crate) fn params_error_text(e: Error<T>) -> &'static str {
		match e {
			Error::ZeroPeriod => "ZeroPeriod: a window, period, timeout, retention or max_attempts is zero",
			Error::TimeoutAboveMaxDeadline =>
				"TimeoutAboveMaxDeadline: accept_timeout or execution_timeout exceeds MaxDeadline",
			Error::BadExecutionFloor =>
				"BadExecutionFloor: min_execute_within must be at least 2 and at most execution_timeout",
			Error::PercentAbove100 =>
				"PercentAbove100: protocol_fee, slash and challenger_reward are percent (0-100)",
			Error::ZeroStakeOrBond =>
				"ZeroStakeOrBond: min_node_stake, challenge_bond and slash * min_node_stake must be positive",
			Error::BountyNotBelowSlash =>
				"BountyNotBelowSlash: challenger_reward * challenge_bond must be below slash * min_node_stake",
			Error::QuorumUnreachable => "QuorumUnreachable: quorum must be between 1 and the committee size",
			Error::DuplicateMember => "DuplicateMember: a committee member is listed twice",
			_ => "inconsistent parameters",
		}
	}
}

//! Authentication of unsigned submissions: results and accepts.
//!
//! A result carries no transaction signature and pays no fee, so the pool must be able to tell a
//! genuine one from spam before it is included: the payload has to answer the job's current
//! assignment and be signed by the assigned node's registered result key. Each (job, attempt)
//! provides one tag, so a second result for the same attempt cannot sit in the pool, and once one
//! is included the job is no longer `Assigned`, which rejects replays.
//!
//! An unsigned accept is checked the same way against every rule of `accept_job`, and each
//! (job, attempt) provides one tag too: the pool holds the first node's accept and refuses the
//! rest at submission, and after each block its revalidation drops accepts for jobs taken, so a
//! node late for a job is never included and charged (signed accepts were, 0.2 to 0.4 a job
//! past the knee of a 100-daemon climb; docs/NOTES.md). An accept is free, so it also names a
//! seat of its node and provides (node, seat): a node holds in the pool only as many accepts as
//! jobs it could hold at once, never one for every open job.

use crate::{pallet::*, types::*};
use codec::Encode;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionValidity, TransactionValidityError, ValidTransaction,
	},
};

fn reject(why: ResultRejection) -> TransactionValidityError {
	InvalidTransaction::Custom(why as u8).into()
}

fn refuse(why: AcceptRejection) -> TransactionValidityError {
	InvalidTransaction::Custom(why as u8).into()
}

/// The pool's word for a refusal of [`Pallet::check_accept`]: the same rule, one code each.
fn accept_refusal<T: Config>(error: DispatchError) -> TransactionValidityError {
	let why = match error {
		e if e == Error::<T>::UnknownJob.into() => AcceptRejection::UnknownJob,
		e if e == Error::<T>::NotOpen.into() => AcceptRejection::NotOpen,
		e if e == Error::<T>::DeadlinePassed.into() => AcceptRejection::DeadlinePassed,
		e if e == Error::<T>::NotRegistered.into() => AcceptRejection::UnknownNode,
		e if e == Error::<T>::NodeOffline.into() => AcceptRejection::NodeOffline,
		e if e == Error::<T>::NodeAtCapacity.into() => AcceptRejection::NodeAtCapacity,
		e if e == Error::<T>::RequirementsNotMet.into() => AcceptRejection::RequirementsNotMet,
		// StakeTooLow, StakeExhausted; and a missing `Params`, which no genesis leaves.
		_ => AcceptRejection::StakeExhausted,
	};
	refuse(why)
}

fn verify(result_key: [u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
	let key = sp_core::sr25519::Public::from_raw(result_key);
	let sig = sp_core::sr25519::Signature::from_raw(*signature);
	sp_io::crypto::sr25519_verify(&sig, message, &key)
}

impl<T: Config> Pallet<T> {
	/// Check a result against the current chain state; returns the assignment deadline.
	pub(crate) fn check_result(
		payload: &PayloadOf<T>,
		signature: &[u8; 64],
	) -> Result<BlockNumberFor<T>, TransactionValidityError> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		if payload.domain != RESULT_DOMAIN || payload.genesis_hash.as_ref() != genesis.as_ref() {
			return Err(reject(ResultRejection::WrongDomain));
		}
		if payload.result_uri.is_empty() {
			return Err(reject(ResultRejection::EmptyUri));
		}
		let job = Jobs::<T>::get(payload.job_id).ok_or(reject(ResultRejection::UnknownJob))?;
		let JobStatus::Assigned { node, deadline } = job.status else {
			return Err(reject(ResultRejection::NotAssigned));
		};
		if node != payload.node {
			return Err(reject(ResultRejection::WrongNode));
		}
		if job.attempt != payload.attempt {
			return Err(reject(ResultRejection::StaleAttempt));
		}
		// `on_initialize` of `deadline` times the job out before any extrinsic of that block, and
		// a backlog must not move that: from the deadline's block on a result is too late.
		if frame_system::Pallet::<T>::block_number() >= deadline {
			return Err(reject(ResultRejection::DeadlinePassed));
		}
		let info = Nodes::<T>::get(&node).ok_or(reject(ResultRejection::UnknownNode))?;
		if !verify(info.result_key, &payload.encode(), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		Ok(deadline)
	}

	/// Pool validation of `submit_result`.
	pub(crate) fn validate_result(
		payload: &PayloadOf<T>,
		signature: &[u8; 64],
	) -> TransactionValidity {
		let deadline = Self::check_result(payload, signature)?;
		let now = frame_system::Pallet::<T>::block_number();
		// Useless once the deadline passes: let the pool drop it then.
		let longevity: u64 = deadline.saturating_sub(now).unique_saturated_into();
		let longevity = longevity.max(1);
		ValidTransaction::with_tag_prefix("ComputeResult")
			.priority(T::UnsignedPriority::get())
			.and_provides((payload.job_id, payload.attempt))
			.longevity(longevity)
			.propagate(true)
			.build()
	}

	/// Check an accept's payload and signature against the current state: the right chain and
	/// message, the attempt the job would start now, and the node's result key. The rules of
	/// acceptance themselves are [`Self::check_accept`]'s.
	pub(crate) fn check_accept_proof(
		payload: &AcceptOf<T>,
		signature: &[u8; 64],
	) -> Result<(), TransactionValidityError> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		if payload.domain != ACCEPT_DOMAIN || payload.genesis_hash.as_ref() != genesis.as_ref() {
			return Err(refuse(AcceptRejection::WrongDomain));
		}
		let job = Jobs::<T>::get(payload.job_id).ok_or(refuse(AcceptRejection::UnknownJob))?;
		if job.attempt.saturating_add(1) != payload.attempt {
			return Err(refuse(AcceptRejection::StaleAttempt));
		}
		let info = Nodes::<T>::get(&payload.node).ok_or(refuse(AcceptRejection::UnknownNode))?;
		if !verify(info.result_key, &payload.encode(), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		Ok(())
	}

	/// Pool validation of `accept_job_unsigned`.
	pub(crate) fn validate_accept(
		payload: &AcceptOf<T>,
		signature: &[u8; 64],
	) -> TransactionValidity {
		// The rules first: a late accept for a taken job reads `NotOpen`, not a stale attempt.
		let acceptance =
			Self::check_accept(&payload.node, payload.job_id).map_err(accept_refusal::<T>)?;
		if let Some(why) = acceptance.seat_refusal(payload.seat) {
			return Err(refuse(why));
		}
		Self::check_accept_proof(payload, signature)?;
		let expires_at = acceptance.expires_at();
		let now = frame_system::Pallet::<T>::block_number();
		// Useless once the job expires: let the pool drop it then.
		let longevity: u64 = expires_at.saturating_sub(now).unique_saturated_into();
		ValidTransaction::with_tag_prefix("ComputeAccept")
			.priority(T::UnsignedPriority::get())
			.and_provides((payload.job_id, payload.attempt))
			.and_provides((&payload.node, payload.seat))
			.longevity(longevity.max(1))
			.propagate(true)
			.build()
	}
}

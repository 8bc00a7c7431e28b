//! Authentication of unsigned result submissions.
//!
//! A result carries no transaction signature and pays no fee, so the pool must be able to tell a
//! genuine one from spam before it is included: the payload has to answer the job's current
//! assignment and be signed by the assigned node's registered result key. Each (job, attempt)
//! provides one tag, so a second result for the same attempt cannot sit in the pool, and once one
//! is included the job is no longer `Assigned`, which rejects replays.

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
		let key = sp_core::sr25519::Public::from_raw(info.result_key);
		let sig = sp_core::sr25519::Signature::from_raw(*signature);
		if !sp_io::crypto::sr25519_verify(&sig, &payload.encode(), &key) {
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
}

use crate::{mock::*, *};
use codec::Encode;
use frame_support::{assert_ok, pallet_prelude::*};
use sp_core::{Pair, H256};
use sp_runtime::transaction_validity::TransactionSource;

#[allow(deprecated)]
fn validate(payload: PayloadOf<Test>, signature: [u8; 64]) -> TransactionValidity {
	<Compute as ValidateUnsigned>::validate_unsigned(
		TransactionSource::External,
		&Call::submit_result { payload, signature },
	)
}

fn custom(why: ResultRejection) -> TransactionValidity {
	Err(InvalidTransaction::Custom(why as u8).into())
}

/// A registered node with job 0 assigned to it.
fn assigned() -> JobId {
	register(NODE, cpu(4), 1_000);
	register(NODE_2, cpu(4), 1_000);
	let job = submit(REQUESTER, 1_000, Requirements::default());
	assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
	job
}

#[test]
fn valid_result_is_tagged_and_recorded() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let (payload, sig) = signed_result(job, NODE, H256::repeat_byte(9));
		let valid = validate(payload.clone(), sig).expect("valid");
		assert_eq!(valid.provides, vec![("ComputeResult", (job, 1u32)).encode()]);
		assert_eq!(valid.priority, 1_000_000);
		assert_eq!(valid.longevity, 6); // deadline 7, now 1
		assert!(valid.propagate);

		assert_ok!(Compute::submit_result(RuntimeOrigin::none(), payload, sig));
		let JobStatus::Submitted { node, result, challenge_until } = status(job) else {
			panic!("not submitted")
		};
		assert_eq!((node, result.output_hash, challenge_until), (NODE, H256::repeat_byte(9), 6));
		assert!(Timers::<Test>::contains_key(7, job)); // settlement, block after the window
		assert_eq!(Nodes::<Test>::get(NODE).expect("node").active_jobs, 0);
		assert_eq!(
			last_event(),
			Event::ResultSubmitted {
				job_id: job,
				node: NODE,
				attempt: 1,
				output_hash: H256::repeat_byte(9),
				challenge_until: 6,
			}
		);
	});
}

#[test]
fn forged_signature_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let (payload, mut sig) = signed_result(job, NODE, H256::repeat_byte(9));
		sig[0] ^= 1;
		assert_eq!(validate(payload.clone(), sig), Err(InvalidTransaction::BadProof.into()));
		// Signed by another node's key while naming the assigned node.
		let other = result_pair(NODE_2).sign(&payload.encode()).0;
		assert_eq!(validate(payload.clone(), other), Err(InvalidTransaction::BadProof.into()));
		// The account key is not the result key either.
		let mut tampered = payload;
		tampered.output_hash = H256::repeat_byte(8);
		let (_, good_sig) = signed_result(job, NODE, H256::repeat_byte(9));
		assert_eq!(validate(tampered.clone(), good_sig), Err(InvalidTransaction::BadProof.into()));
		assert_refused!(
			Compute::submit_result(RuntimeOrigin::none(), tampered, good_sig),
			Error::<Test>::InvalidResult
		);
	});
}

#[test]
fn signer_not_assigned_node_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let (payload, sig) = signed_result(job, NODE_2, H256::repeat_byte(9));
		assert_eq!(validate(payload, sig), custom(ResultRejection::WrongNode));
	});
}

#[test]
fn stale_attempt_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let (mut payload, _) = signed_result(job, NODE, H256::repeat_byte(9));
		payload.attempt = 0;
		let sig = result_pair(NODE).sign(&payload.encode()).0;
		assert_eq!(validate(payload.clone(), sig), custom(ResultRejection::StaleAttempt));
		// After a timeout and a new acceptance, the first attempt's result is stale.
		let (first, first_sig) = signed_result(job, NODE, H256::repeat_byte(9));
		run_to_block(7);
		assert!(matches!(status(job), JobStatus::Open { .. }));
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE_2), job));
		assert_eq!(validate(first, first_sig), custom(ResultRejection::WrongNode));
		let (mut replayed, _) = signed_result(job, NODE_2, H256::repeat_byte(9));
		replayed.attempt = 1;
		let sig = result_pair(NODE_2).sign(&replayed.encode()).0;
		assert_eq!(validate(replayed, sig), custom(ResultRejection::StaleAttempt));
	});
}

#[test]
fn unassigned_and_unknown_jobs_are_rejected() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let open = submit(REQUESTER, 1_000, Requirements::default());
		let (payload, sig) = signed_result(open, NODE, H256::repeat_byte(9));
		assert_eq!(validate(payload, sig), custom(ResultRejection::NotAssigned));
		let (payload, sig) = signed_result(77, NODE, H256::repeat_byte(9));
		assert_eq!(validate(payload.clone(), sig), custom(ResultRejection::UnknownJob));
		assert_refused!(
			Compute::submit_result(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::InvalidResult
		);
	});
}

#[test]
fn replay_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let (payload, sig) = signed_result(job, NODE, H256::repeat_byte(9));
		assert_ok!(Compute::submit_result(RuntimeOrigin::none(), payload.clone(), sig));
		assert_eq!(validate(payload.clone(), sig), custom(ResultRejection::NotAssigned));
		assert_refused!(
			Compute::submit_result(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::InvalidResult
		);
	});
}

#[test]
fn wrong_domain_genesis_or_uri_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		let resign = |p: &PayloadOf<Test>| result_pair(NODE).sign(&p.encode()).0;
		let (base, _) = signed_result(job, NODE, H256::repeat_byte(9));
		let mut p = base.clone();
		p.domain = *b"something-else!!";
		assert_eq!(validate(p.clone(), resign(&p)), custom(ResultRejection::WrongDomain));
		let mut p = base.clone();
		p.genesis_hash = H256::repeat_byte(1);
		assert_eq!(validate(p.clone(), resign(&p)), custom(ResultRejection::WrongDomain));
		let mut p = base;
		p.result_uri = Default::default();
		assert_eq!(validate(p.clone(), resign(&p)), custom(ResultRejection::EmptyUri));
	});
}

#[test]
#[allow(deprecated)]
fn only_submit_result_is_unsigned() {
	ExtBuilder::default().run(|| {
		let call = Call::<Test>::cancel_job { job_id: 0 };
		assert_eq!(
			<Compute as ValidateUnsigned>::validate_unsigned(TransactionSource::External, &call),
			Err(InvalidTransaction::Call.into())
		);
		let (payload, sig) = signed_result(0, NODE, H256::zero());
		assert_refused!(
			Compute::submit_result(RuntimeOrigin::signed(NODE), payload, sig),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn deregistered_node_result_is_rejected() {
	ExtBuilder::default().run(|| {
		let job = assigned();
		// Force the node out while assigned (not reachable through calls) to check the guard.
		Nodes::<Test>::remove(NODE);
		let (payload, sig) = signed_result(job, NODE, H256::repeat_byte(9));
		assert_eq!(validate(payload, sig), custom(ResultRejection::UnknownNode));
	});
}

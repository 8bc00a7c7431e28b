//! The unsigned accept: what the pool admits, and that the block applies `accept_job`'s rules.
//! Attacks on it are in `attacks.rs`.
use crate::{mock::*, *};
use codec::Encode;
use frame_support::{assert_ok, pallet_prelude::*};

fn custom(why: AcceptRejection) -> TransactionValidity {
	Err(InvalidTransaction::Custom(why as u8).into())
}

#[test]
fn valid_accept_is_tagged_by_job_attempt_and_takes_the_job() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let JobStatus::Open { expires_at } = status(job) else { panic!("not open") };
		let (payload, sig) = signed_accept(job, NODE);
		let valid = validate_accept(payload.clone(), sig).expect("valid");
		assert_eq!(
			valid.provides,
			vec![("ComputeAccept", (job, 1u32)).encode(), ("ComputeAccept", (NODE, 0u32)).encode()]
		);
		assert!(valid.requires.is_empty());
		assert_eq!(valid.priority, 1_000_000);
		assert_eq!(valid.longevity, expires_at - System::block_number());
		assert!(valid.propagate);

		assert_ok!(Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig));
		let JobStatus::Assigned { node, deadline } = status(job) else { panic!("not assigned") };
		assert_eq!((node, deadline), (NODE, 7));
		assert_eq!(Jobs::<Test>::get(job).expect("job").attempt, 1);
		let n = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!((n.active_jobs, n.unsettled_jobs, n.exposure), (1, 1, 500));
		assert_eq!(
			last_event(),
			Event::JobAccepted { job_id: job, node: NODE, attempt: 1, deadline: 7 }
		);
	});
}

#[test]
fn two_nodes_accepts_for_one_job_provide_the_same_tag() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		register(NODE_2, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let (a, sa) = signed_accept(job, NODE);
		let (b, sb) = signed_accept(job, NODE_2);
		let first = validate_accept(a, sa).expect("valid");
		let second = validate_accept(b, sb).expect("valid");
		// The pool holds one transaction a tag: the second is refused at submission.
		assert_eq!(first.provides[0], second.provides[0]);
	});
}

#[test]
fn the_pool_asks_every_rule_of_accept_job() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let (payload, sig) = signed_accept(job, NODE);
		assert_ok!(Compute::set_online(RuntimeOrigin::signed(NODE), false));
		assert_eq!(validate_accept(payload.clone(), sig), custom(AcceptRejection::NodeOffline));
		assert_refused!(
			Compute::accept_job_unsigned(RuntimeOrigin::none(), payload.clone(), sig),
			Error::<Test>::NodeOffline
		);
		assert_ok!(Compute::set_online(RuntimeOrigin::signed(NODE), true));
		assert!(validate_accept(payload, sig).is_ok());

		let (unknown, sig) = signed_accept(job + 1, NODE);
		assert_eq!(validate_accept(unknown, sig), custom(AcceptRejection::UnknownJob));
		let (stranger, sig) = signed_accept(job, OUTSIDER);
		assert_eq!(validate_accept(stranger, sig), custom(AcceptRejection::UnknownNode));
	});
}

#[test]
fn a_node_at_capacity_is_refused_in_the_pool() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		assert_ok!(Compute::update_node(RuntimeOrigin::signed(NODE), cpu(4), 1));
		let first = submit(REQUESTER, 1_000, Requirements::default());
		let second = submit(REQUESTER, 1_000, Requirements::default());
		let (payload, sig) = signed_accept(first, NODE);
		assert_ok!(Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig));
		let (payload, sig) = signed_accept(second, NODE);
		assert_eq!(validate_accept(payload.clone(), sig), custom(AcceptRejection::NodeAtCapacity));
		assert_refused!(
			Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::NodeAtCapacity
		);
	});
}

#[test]
fn an_expired_job_cannot_be_accepted() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let JobStatus::Open { expires_at } = status(job) else { panic!("not open") };
		let (payload, sig) = signed_accept(job, NODE);
		run_to_block(expires_at);
		assert_eq!(validate_accept(payload.clone(), sig), custom(AcceptRejection::NotOpen));
		assert_refused!(
			Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::NotOpen
		);
	});
}

#[test]
fn a_signed_origin_cannot_call_the_unsigned_accept() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let (payload, sig) = signed_accept(job, NODE);
		assert!(Compute::accept_job_unsigned(RuntimeOrigin::signed(NODE), payload, sig).is_err());
		assert!(matches!(status(job), JobStatus::Open { .. }));
	});
}

#[test]
fn a_node_whose_stake_covers_no_more_jobs_is_told_so_in_the_pool() {
	ExtBuilder::default().run(|| {
		// 500 at risk a job: a 1_000 stake covers two.
		register(NODE, cpu(4), 1_000);
		assert_ok!(Compute::update_node(RuntimeOrigin::signed(NODE), cpu(4), 3));
		for _ in 0..2 {
			let job = submit(REQUESTER, 1_000, Requirements::default());
			let (payload, sig) = signed_accept(job, NODE);
			assert_ok!(Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig));
		}
		let job = submit(REQUESTER, 1_000, Requirements::default());
		let (payload, sig) = signed_accept(job, NODE);
		assert_eq!(validate_accept(payload.clone(), sig), custom(AcceptRejection::StakeExhausted));
		assert_refused!(
			Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::StakeExhausted
		);
	});
}

#[test]
fn seats_are_as_many_as_the_node_could_hold_at_once() {
	ExtBuilder::default().run(|| {
		// Two seats (`max_concurrent` 2); 500 at risk a job, so the 1_000 stake covers both.
		register(NODE, cpu(4), 1_000);
		let jobs: Vec<JobId> = (0..3).map(|_| submit(REQUESTER, 1_000, Requirements::default())).collect();
		assert!(validate_accept_in(jobs[0], 0).is_ok());
		assert!(validate_accept_in(jobs[1], 1).is_ok());
		assert_eq!(validate_accept_in(jobs[2], 2), custom(AcceptRejection::NodeAtCapacity));
		let (payload, sig) = signed_accept_in(jobs[0], NODE, 0);
		assert_ok!(Compute::accept_job_unsigned(RuntimeOrigin::none(), payload, sig));
		// Seats do not move with the jobs in hand: a pool a block behind agrees on them.
		assert!(validate_accept_in(jobs[1], 0).is_ok());
		assert!(validate_accept_in(jobs[1], 1).is_ok());
	});
}

fn validate_accept_in(job: JobId, seat: u32) -> TransactionValidity {
	let (payload, sig) = signed_accept_in(job, NODE, seat);
	validate_accept(payload, sig)
}

use crate::{mock::*, *};
use frame_support::assert_ok;
use sp_core::H256;

#[test]
fn unaccepted_job_expires_with_full_refund() {
	ExtBuilder::default().run(|| {
		let job = submit(REQUESTER, 700, Requirements::default());
		run_to_block(10);
		assert!(matches!(status(job), JobStatus::Open { .. }));
		run_to_block(11);
		assert_eq!(status(job), JobStatus::Expired);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(last_event(), Event::JobExpired { job_id: job, refunded: 700 });
		assert_eq!(Timers::<Test>::iter().count(), 0);
	});
}

#[test]
fn timeout_slashes_and_reopens_then_refunds_when_attempts_run_out() {
	ExtBuilder::default().params(|p| p.min_node_stake = 100).run(|| {
		register(NODE, cpu(4), 1_000);
		register(NODE_2, cpu(4), 1_000);
		let job = submit(REQUESTER, 700, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		run_to_block(7); // deadline 1 + 6
		assert_eq!(status(job), JobStatus::Open { expires_at: 17 });
		assert_eq!(held(HoldReason::NodeStake, NODE), 500);
		assert_eq!(free(FEE_ACCOUNT), 1 + 500);
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!((node.active_jobs, node.unsettled_jobs), (0, 0));
		let ev = events();
		assert!(ev.contains(&Event::NodeSlashed {
			node: NODE,
			job_id: job,
			amount: 500,
			reason: SlashReason::ExecutionTimeout,
		}));
		assert_eq!(
			last_event(),
			Event::JobTimedOut { job_id: job, node: NODE, attempt: 1, reopened: true }
		);

		// A result for the timed-out attempt is worthless now.
		let (payload, sig) = signed_result(job, NODE, H256::zero());
		assert!(Compute::submit_result(RuntimeOrigin::none(), payload, sig).is_err());

		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE_2), job));
		run_to_block(13);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::AttemptsExhausted });
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(held(HoldReason::JobEscrow, REQUESTER), 0);
		assert!(events().contains(&Event::JobTimedOut {
			job_id: job,
			node: NODE_2,
			attempt: 2,
			reopened: false,
		}));
	});
}

#[test]
fn reopened_job_completes_with_another_node() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		register(NODE_2, cpu(4), 1_000);
		let job = submit(REQUESTER, 1_000, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		run_to_block(7);
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE_2), job));
		post_result(job, NODE_2, H256::repeat_byte(3));
		run_to_block(7 + 5 + 1);
		assert!(matches!(status(job), JobStatus::Completed { node: NODE_2, node_payout: 900, .. }));
		assert_eq!(free(NODE_2), ENDOWMENT - 1_000 + 900);
	});
}

#[test]
fn deadlines_backlog_carries_over_bounded_per_block() {
	ExtBuilder::default().run(|| {
		// MaxTimersPerBlock is 8: 20 jobs expiring in the same block take three blocks.
		let jobs: Vec<_> =
			(0..20).map(|_| submit(REQUESTER, 10, Requirements::default())).collect();
		run_to_block(11);
		let expired = || jobs.iter().filter(|j| status(**j) == JobStatus::Expired).count();
		assert_eq!(expired(), 8);
		run_to_block(12);
		assert_eq!(expired(), 16);
		run_to_block(13);
		assert_eq!(expired(), 20);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(TimerCursor::<Test>::get(), 14);
	});
}

#[test]
fn a_late_backlog_still_settles_every_kind_of_deadline() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let done = submit(REQUESTER, 100, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), done));
		post_result(done, NODE, H256::zero());
		let _filler: Vec<_> =
			(0..30).map(|_| submit(REQUESTER_2, 1, Requirements::default())).collect();
		run_to_block(40);
		assert!(matches!(status(done), JobStatus::Completed { .. }));
		assert!(Jobs::<Test>::iter_values().all(|j| j.status.is_terminal()));
		assert_eq!(Timers::<Test>::iter().count(), 0);
	});
}

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
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
		// Its one timer left is its removal after the retention period.
		assert_eq!(Timers::<Test>::iter().collect::<Vec<_>>(), vec![(11 + 100, job, ())]);
	});
}

#[test]
fn timeout_slashes_and_reopens_then_refunds_when_attempts_run_out() {
	// At risk per job: 50% of the 1_000 minimum.
	ExtBuilder::default().run(|| {
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

/// `submit_job` of a 10-unit job with these deadlines.
fn submit_with(deadlines: JobDeadlines<u64>) -> Result<JobId, sp_runtime::DispatchError> {
	let id = NextJobId::<Test>::get();
	Compute::submit_job(
		RuntimeOrigin::signed(REQUESTER),
		H256::zero(),
		bounded("u"),
		Requirements::default(),
		10,
		deadlines,
	)
	.map(|_| id)
	.map_err(|e| e.error)
}

/// `submit_job` with an expiry the requester chose: `accept_within` blocks.
fn submit_expiring_in(accept_within: u64) -> Result<JobId, sp_runtime::DispatchError> {
	submit_with(JobDeadlines { accept_within: Some(accept_within), ..Default::default() })
}

#[test]
fn requested_deadlines_fill_half_a_block_and_all_are_handled_in_it() {
	ExtBuilder::default().run(|| {
		// MaxTimersPerBlock is 16; requesters may put 8 chosen expiries in one block.
		let jobs: Vec<_> = (0..8).map(|_| submit_expiring_in(10).expect("room")).collect();
		assert_noop!(submit_expiring_in(10), Error::<Test>::TooManyTimers);
		assert_eq!(TimerLoad::<Test>::get(11), 8);
		run_to_block(11);
		assert!(jobs.iter().all(|j| status(*j) == JobStatus::Expired));
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(TimerCursor::<Test>::get(), 12);
		// Their removals went to the block 100 later, which holds all 8.
		assert_eq!(TimerLoad::<Test>::get(11), 0);
		assert_eq!(TimerLoad::<Test>::get(111), 8);
	});
}

#[test]
fn a_burst_of_default_expiries_spills_into_the_next_blocks_instead_of_being_refused() {
	ExtBuilder::default().run(|| {
		// 20 jobs in one block with the default accept timeout (10): 8 expire in block 11,
		// 8 in block 12, 4 in block 13; each job's state and event name the block it got.
		let jobs: Vec<_> =
			(0..20).map(|_| submit(REQUESTER, 10, Requirements::default())).collect();
		let expiry = |job| match status(job) {
			JobStatus::Open { expires_at } => expires_at,
			other => panic!("job {job} is {other:?}"),
		};
		let expiries: Vec<u64> = jobs.iter().map(|j| expiry(*j)).collect();
		assert_eq!(expiries, [vec![11; 8], vec![12; 8], vec![13; 4]].concat());
		assert_eq!(
			(TimerLoad::<Test>::get(11), TimerLoad::<Test>::get(12), TimerLoad::<Test>::get(13)),
			(8, 8, 4)
		);
		let last = jobs[19];
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Compute(Event::JobSubmitted {
				job_id: last,
				requester: REQUESTER,
				budget: 10,
				spec_hash: H256::repeat_byte(7),
				requirements: Requirements::default(),
				expires_at: 13,
			})));
		// The marketplace's own share of those blocks stays free for its deadlines.
		assert_noop!(submit_expiring_in(10), Error::<Test>::TooManyTimers);
		run_to_block(13);
		assert!(
			jobs.iter().all(|j| status(*j) == JobStatus::Expired),
			"every expiry is handled in its block"
		);
		assert_eq!(free(REQUESTER), ENDOWMENT);
	});
}

#[test]
fn default_expiries_are_refused_when_no_block_within_the_shift_has_room() {
	ExtBuilder::default().run(|| {
		// 8 requester expiries in each of the 64 blocks from 11 on: the search finds no room.
		for block in 0..crate::timers::MAX_TIMER_SHIFT as u64 {
			for _ in 0..8 {
				submit_expiring_in(10 + block).expect("room");
			}
		}
		assert_noop!(submit_with(JobDeadlines::default()), Error::<Test>::TooManyTimers);
	});
}

#[test]
fn marketplace_deadlines_move_to_the_next_block_with_room() {
	ExtBuilder::default().run(|| {
		// Block 7 gets 8 requested expiries and the deadlines of 8 accepts made in block 1:
		// its 16 deadlines are full.
		for _ in 0..8 {
			assert_ok!(Compute::submit_job(
				RuntimeOrigin::signed(REQUESTER_2),
				H256::zero(),
				bounded("u"),
				Requirements { cpu_cores: 99, ..Default::default() },
				1,
				JobDeadlines { accept_within: Some(6), execute_within: None },
			));
		}
		let mut jobs: Vec<_> =
			(0..8).map(|_| submit(REQUESTER, 10, Requirements::default())).collect();
		jobs.push(NextJobId::<Test>::get());
		assert_ok!(Compute::submit_job(
			RuntimeOrigin::signed(REQUESTER),
			H256::zero(),
			bounded("u"),
			Requirements::default(),
			10,
			JobDeadlines { accept_within: Some(12), execute_within: None },
		));
		for (i, node) in [NODE, NODE_2, GPU_NODE, OUTSIDER].into_iter().enumerate() {
			register(node, cpu(4), 1_000);
			assert_ok!(Compute::accept_job(RuntimeOrigin::signed(node), jobs[2 * i]));
			assert_ok!(Compute::accept_job(RuntimeOrigin::signed(node), jobs[2 * i + 1]));
		}
		assert_eq!(TimerLoad::<Test>::get(7), 16);
		register(CHALLENGER, cpu(4), 1_000);
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(CHALLENGER), jobs[8]));
		let moved =
			Event::JobAccepted { job_id: jobs[8], node: CHALLENGER, attempt: 1, deadline: 8 };
		assert_eq!(last_event(), moved);
		assert_eq!(status(jobs[8]), JobStatus::Assigned { node: CHALLENGER, deadline: 8 });
		// Every one of them is handled in its own block.
		run_to_block(8);
		assert!(jobs.iter().all(|j| matches!(status(*j), JobStatus::Open { .. })), "all timed out");
		assert_eq!(TimerCursor::<Test>::get(), 9);
	});
}

#[test]
fn every_kind_of_deadline_settles_among_others() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let done = submit(REQUESTER, 100, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), done));
		post_result(done, NODE, H256::zero());
		let _filler: Vec<_> =
			(0..7).map(|_| submit(REQUESTER_2, 1, Requirements::default())).collect();
		run_to_block(40);
		assert!(matches!(status(done), JobStatus::Completed { .. }));
		assert!(Jobs::<Test>::iter_values().all(|j| j.status.is_terminal()));
		// What remains are the removals of the finished jobs.
		assert!(Timers::<Test>::iter().all(|(at, _, _)| at > 40));
		run_to_block(200);
		assert_eq!(Jobs::<Test>::iter().count(), 0);
	});
}

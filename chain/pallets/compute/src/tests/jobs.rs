use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, dispatch::Pays};
use sp_core::H256;

fn gpu_req(model: Option<&str>) -> Requirements {
	Requirements { gpu_count: 1, gpu_model: model.map(bounded), ..Default::default() }
}

#[test]
fn submit_holds_budget_in_escrow() {
	ExtBuilder::default().run(|| {
		let job = submit(REQUESTER, 700, Requirements::default());
		assert_eq!(job, 0);
		assert_eq!(held(HoldReason::JobEscrow, REQUESTER), 700);
		assert_eq!(free(REQUESTER), ENDOWMENT - 700);
		assert_eq!(status(job), JobStatus::Open { expires_at: 11 });
		assert!(Timers::<Test>::contains_key(11, job));
		assert_eq!(
			last_event(),
			Event::JobSubmitted {
				job_id: 0,
				requester: REQUESTER,
				budget: 700,
				spec_hash: H256::repeat_byte(7),
				requirements: Requirements::default(),
				expires_at: 11,
			}
		);
		assert_eq!(submit(REQUESTER_2, 1, Requirements::default()), 1);
	});
}

#[test]
fn submit_rejects_bad_input() {
	ExtBuilder::default().run(|| {
		let call = |budget, uri: &str, d: JobDeadlines<u64>| {
			Compute::submit_job(
				RuntimeOrigin::signed(REQUESTER),
				H256::zero(),
				bounded(uri),
				Requirements::default(),
				budget,
				d,
			)
		};
		assert_refused!(call(0, "u", Default::default()), Error::<Test>::ZeroBudget);
		assert_refused!(call(10, "", Default::default()), Error::<Test>::BadUri);
		let zero = JobDeadlines { accept_within: Some(0), execute_within: None };
		assert_refused!(call(10, "u", zero), Error::<Test>::BadDeadline);
		let long = JobDeadlines { accept_within: None, execute_within: Some(1_001) };
		assert_refused!(call(10, "u", long), Error::<Test>::BadDeadline);
		assert_refused!(
			call(ENDOWMENT, "u", Default::default()),
			Error::<Test>::InsufficientBalance
		);
		let short = JobDeadlines { accept_within: None, execute_within: Some(2) };
		assert_refused!(call(10, "u", short), Error::<Test>::ExecutionWindowTooShort);
		let custom = JobDeadlines { accept_within: Some(3), execute_within: Some(3) };
		assert_ok!(call(10, "u", custom));
		let job = Jobs::<Test>::get(0).expect("job");
		assert_eq!((job.accept_within, job.execute_within), (3, 3));
	});
}

#[test]
fn cancel_returns_escrow_in_full_only_while_open() {
	ExtBuilder::default().run(|| {
		assert_refused!(
			Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), 9),
			Error::<Test>::UnknownJob
		);
		let job = submit(REQUESTER, 700, Requirements::default());
		assert_refused!(
			Compute::cancel_job(RuntimeOrigin::signed(REQUESTER_2), job),
			Error::<Test>::NotRequester
		);
		assert_ok!(Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		assert_eq!(status(job), JobStatus::Cancelled);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(held(HoldReason::JobEscrow, REQUESTER), 0);
		assert!(!Timers::<Test>::contains_key(11, job));
		assert_eq!(last_event(), Event::JobCancelled { job_id: job, refunded: 700 });
		assert_refused!(
			Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), job),
			Error::<Test>::NotOpen
		);
		register(NODE, cpu(4), 1_000);
		let taken = submit(REQUESTER, 700, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), taken));
		assert_refused!(
			Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), taken),
			Error::<Test>::NotOpen
		);
	});
}

#[test]
fn accept_assigns_and_is_free() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 700, Requirements { cpu_cores: 4, ..Default::default() });
		let info = Compute::accept_job(RuntimeOrigin::signed(NODE), job).expect("accepted");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(status(job), JobStatus::Assigned { node: NODE, deadline: 7 });
		assert_eq!(Jobs::<Test>::get(job).expect("job").attempt, 1);
		assert!(Timers::<Test>::contains_key(7, job));
		assert!(!Timers::<Test>::contains_key(11, job));
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!((node.active_jobs, node.unsettled_jobs), (1, 1));
		assert_eq!(
			last_event(),
			Event::JobAccepted { job_id: job, node: NODE, attempt: 1, deadline: 7 }
		);
	});
}

#[test]
fn accept_rejects_nodes_that_cannot_take_the_job() {
	ExtBuilder::default().run(|| {
		let job = submit(REQUESTER, 700, gpu_req(Some("A100")));
		let accept = |who, job| Compute::accept_job(RuntimeOrigin::signed(who), job);
		assert_refused!(accept(NODE, 42), Error::<Test>::UnknownJob);
		assert_refused!(accept(NODE, job), Error::<Test>::NotRegistered);
		register(NODE, cpu(64), 1_000);
		assert_refused!(accept(NODE, job), Error::<Test>::RequirementsNotMet);
		register(NODE_2, gpu_caps("H100", 80_000), 1_000);
		assert_refused!(accept(NODE_2, job), Error::<Test>::RequirementsNotMet);
		register(GPU_NODE, gpu_caps("A100", 40_960), 1_000);
		assert_ok!(Compute::set_online(RuntimeOrigin::signed(GPU_NODE), false));
		assert_refused!(accept(GPU_NODE, job), Error::<Test>::NodeOffline);
		assert_ok!(Compute::set_online(RuntimeOrigin::signed(GPU_NODE), true));
		assert_ok!(accept(GPU_NODE, job));
		assert_refused!(accept(GPU_NODE, job), Error::<Test>::NotOpen);
	});
}

#[test]
fn accept_respects_declared_concurrency() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 2_000); // max_concurrent 2; stake for four jobs at risk
		let jobs: Vec<_> = (0..3).map(|_| submit(REQUESTER, 10, Requirements::default())).collect();
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), jobs[0]));
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), jobs[1]));
		assert_refused!(
			Compute::accept_job(RuntimeOrigin::signed(NODE), jobs[2]),
			Error::<Test>::NodeAtCapacity
		);
		// A posted result frees a slot even before settlement.
		post_result(jobs[0], NODE, H256::repeat_byte(1));
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), jobs[2]));
	});
}

#[test]
fn accept_requires_minimum_stake() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 10, Requirements::default());
		assert_ok!(Compute::set_params(RawOrigin::Root.into(), {
			let mut p = default_params();
			p.min_node_stake = 2_000;
			p
		}));
		assert_refused!(
			Compute::accept_job(RuntimeOrigin::signed(NODE), job),
			Error::<Test>::StakeTooLow
		);
	});
}

#[test]
fn root_sets_params_and_committee() {
	ExtBuilder::default().run(|| {
		let mut p = default_params();
		assert_noop!(
			Compute::set_params(RuntimeOrigin::signed(REQUESTER), p.clone()),
			sp_runtime::DispatchError::BadOrigin
		);
		p.quorum = 4; // three members
		assert_noop!(
			Compute::set_params(RawOrigin::Root.into(), p.clone()),
			Error::<Test>::QuorumUnreachable
		);
		p.quorum = 3;
		p.challenge_window = 0;
		assert_noop!(
			Compute::set_params(RawOrigin::Root.into(), p.clone()),
			Error::<Test>::ZeroPeriod
		);
		p.challenge_window = 9;
		assert_ok!(Compute::set_params(RawOrigin::Root.into(), p.clone()));
		assert_eq!(Params::<Test>::get(), Some(p));
		assert_eq!(last_event(), Event::ParamsUpdated);

		assert_noop!(
			Compute::set_committee(RawOrigin::Root.into(), vec![1, 2, 3, 4, 5, 6]),
			Error::<Test>::CommitteeTooLarge
		);
		assert_noop!(
			Compute::set_committee(RawOrigin::Root.into(), vec![1, 2]),
			Error::<Test>::QuorumUnreachable
		);
		assert_ok!(Compute::set_committee(RawOrigin::Root.into(), vec![1, 2, 3, 4]));
		assert_eq!(Committee::<Test>::get().len(), 4);
		assert_eq!(last_event(), Event::CommitteeUpdated { members: 4 });
	});
}

#[test]
fn genesis_makes_the_fee_account_exist() {
	ExtBuilder::default().run(|| {
		assert_eq!(free(FEE_ACCOUNT), 1);
	});
}

#[test]
#[should_panic(expected = "compute genesis refused: QuorumUnreachable")]
fn genesis_refuses_unreachable_quorum() {
	ExtBuilder::default().params(|p| p.quorum = 4).build();
}

use frame_system::RawOrigin;

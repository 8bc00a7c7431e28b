//! One test per attack on the marketplace, named after the attack. Each sets the attack up the
//! way an adversary would and asserts what the chain must produce.
// `ValidateUnsigned` is deprecated upstream; the pallet still implements it.
#![allow(deprecated)]
use crate::{mock::*, *};
use frame_support::dispatch::DispatchResult;
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource, ValidateUnsigned},
};
use sp_core::H256;
use sp_runtime::Percent;

fn submit_with(requester: u64, req: Requirements, deadlines: JobDeadlines<u64>) -> DispatchResult {
	Compute::submit_job(
		RuntimeOrigin::signed(requester),
		H256::repeat_byte(7),
		bounded("http://store:7070/blobs/07"),
		req,
		10,
		deadlines,
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

fn unmatchable() -> Requirements {
	Requirements { cpu_cores: 10_000, ..Default::default() }
}

fn slashed(node: u64) -> u64 {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::NodeSlashed { node: n, amount, .. } if n == node => Some(amount),
			_ => None,
		})
		.sum()
}

/// Attack 1: a requester picks a one-block execution window, so the honest node that accepts is
/// timed out before its result can be included.
#[test]
fn attack_one_block_execution_window_cannot_slash_an_honest_node() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let one_block = JobDeadlines { accept_within: None, execute_within: Some(1) };
		assert_noop!(
			submit_with(REQUESTER, Requirements::default(), one_block),
			Error::<Test>::ExecutionWindowTooShort
		);
		let at_floor = JobDeadlines { execute_within: Some(3), ..Default::default() };
		assert_ok!(submit_with(REQUESTER, Requirements::default(), at_floor));
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), 0));
		// The floor leaves blocks deadline-2 and deadline-1 for the result.
		run_to_block(3);
		post_result(0, NODE, H256::repeat_byte(1));
		assert_eq!(slashed(NODE), 0);
	});
}

/// Attack 2: thousands of unmatchable jobs expiring just before a node's deadline stall the
/// timer queue, so the node posts late and expired jobs can still be taken.
#[test]
fn attack_timer_flood_cannot_postpone_a_deadline() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		register(NODE_2, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job)); // deadline 7
																	 // A matchable job expiring at 6, behind the flood.
		let behind = JobDeadlines { accept_within: Some(5), ..Default::default() };
		assert_ok!(submit_with(REQUESTER, Requirements::default(), behind.clone()));
		let mut accepted = 0;
		for _ in 0..40 {
			if submit_with(REQUESTER_2, unmatchable(), behind.clone()).is_ok() {
				accepted += 1;
			}
		}
		// Requesters may fill half of a block's 16 deadlines; the flood gets the rest refused.
		assert_eq!(accepted, 7, "{accepted} of the flood's timers landed on block 6");
		assert_noop!(
			submit_with(REQUESTER_2, unmatchable(), behind.clone()),
			Error::<Test>::TooManyTimers
		);
		run_to_block(7);
		assert!(
			!matches!(status(job), JobStatus::Assigned { .. }),
			"the deadline at block 7 was postponed"
		);
		let (payload, sig) = signed_result(job, NODE, H256::zero());
		assert!(Compute::submit_result(RuntimeOrigin::none(), payload, sig).is_err());
		assert_eq!(status(1), JobStatus::Expired, "the job behind the flood expired on time");
		assert_refused!(
			Compute::accept_job(RuntimeOrigin::signed(NODE_2), 1),
			Error::<Test>::NotOpen
		);
	});
}

/// Attack 2, dispatch side: a result reaching dispatch after its deadline is refused even when
/// the deadline's timer has not run (as under a backlog).
#[test]
fn attack_late_result_is_refused_even_if_its_timer_has_not_run() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job)); // deadline 7
																	 // Move the clock without running on_initialize, as a stalled queue would.
		System::set_block_number(7);
		let (payload, sig) = signed_result(job, NODE, H256::zero());
		assert_eq!(
			Compute::validate_unsigned(
				TransactionSource::External,
				&Call::submit_result { payload: payload.clone(), signature: sig }
			),
			Err(InvalidTransaction::Custom(ResultRejection::DeadlinePassed as u8).into())
		);
		assert_refused!(
			Compute::submit_result(RuntimeOrigin::none(), payload, sig),
			Error::<Test>::DeadlinePassed
		);
		let open = submit(REQUESTER, 500, Requirements::default()); // expires 17
		System::set_block_number(17);
		assert_refused!(
			Compute::accept_job(RuntimeOrigin::signed(NODE), open),
			Error::<Test>::DeadlinePassed
		);
	});
}

/// Attack 3: a committee member that is the node (or the challenger) votes on its own dispute.
#[test]
fn attack_committee_member_votes_on_its_own_dispute() {
	ExtBuilder::default().committee(vec![NODE, CHALLENGER, 30]).run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		post_result(job, NODE, H256::repeat_byte(0xba));
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(NODE), job, true),
			Error::<Test>::PartyToDispute
		);
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(CHALLENGER), job, false),
			Error::<Test>::PartyToDispute
		);
		assert_ok!(Compute::vote(RuntimeOrigin::signed(30), job, false));
	});
}

/// Attack 4a: posting results frees the concurrency slot, so a minimum-stake node holds more
/// slashable jobs than its stake covers.
#[test]
fn attack_min_stake_node_cannot_hold_more_jobs_than_its_stake_covers() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000); // slash 50% of the minimum stake: 500 per job
		let mut held_jobs = 0;
		for _ in 0..6 {
			let job = submit(REQUESTER, 500, Requirements::default());
			if Compute::accept_job(RuntimeOrigin::signed(NODE), job).is_ok() {
				held_jobs += 1;
				post_result(job, NODE, H256::repeat_byte(0xba));
			}
		}
		assert_eq!(held_jobs, 2, "stake 1000 covers two jobs of 500 at risk");
		let next = submit(REQUESTER, 500, Requirements::default());
		assert_refused!(
			Compute::accept_job(RuntimeOrigin::signed(NODE), next),
			Error::<Test>::StakeExhausted
		);
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!((node.exposure, node.stake), (1_000, 1_000));
		// More stake, more jobs.
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(NODE), 500));
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), next));
	});
}

/// Attack 4b: the node's own second account challenges first, squatting the dispute and taking
/// back the challenger's share of the slash.
#[test]
fn attack_node_squatting_its_own_dispute_does_not_lower_its_slash() {
	let loss = |challenger: u64| {
		let mut loss = 0;
		ExtBuilder::default().run(|| {
			register(NODE, cpu(4), 1_000);
			let job = submit(REQUESTER, 500, Requirements::default());
			assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
			post_result(job, NODE, H256::repeat_byte(0xba));
			let before = free(NODE) + free(OUTSIDER) + held(HoldReason::NodeStake, NODE);
			assert_ok!(Compute::challenge(RuntimeOrigin::signed(challenger), job));
			assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, false));
			assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[1]), job, false));
			run_to_block(10);
			let after = free(NODE) + free(OUTSIDER) + held(HoldReason::NodeStake, NODE);
			loss = before - after;
			assert_eq!(slashed(NODE), 500);
		});
		loss
	};
	let honest = loss(CHALLENGER);
	let squatted = loss(OUTSIDER); // OUTSIDER plays the node's second account
								// What the squatter gets back is the protocol's bounty on its bond, never a share of the
								// slash: the node loses its whole slash either way, less at most that bounty.
	let bounty = default_params().challenger_reward.mul_floor(default_params().challenge_bond);
	assert_eq!(honest, 500);
	assert_eq!(squatted, 500 - bounty);
	assert!(bounty < 500);
}

/// Attack 5: when the committee stays away, a wrong result is paid and the bond comes back, so
/// cheating and griefing are both free.
#[test]
fn attack_absent_committee_pays_no_wrong_result_and_griefing_costs_the_bond() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		post_result(job, NODE, H256::repeat_byte(0xba));
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		run_to_block(10);
		assert!(
			!matches!(status(job), JobStatus::Completed { .. }),
			"an undecided dispute paid the node"
		);
		assert_eq!(free(REQUESTER), ENDOWMENT, "the requester pays for no unverified work");
		assert_eq!(free(CHALLENGER), ENDOWMENT - 100, "an undecided challenge costs the bond");
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::Undecided });
		assert_eq!(slashed(NODE), 0, "no verdict, no slash");
		assert_eq!(Nodes::<Test>::get(NODE).expect("node").exposure, 0);
	});
}

/// Attack 6: finished jobs stay in storage forever and nobody pays for the space.
#[test]
fn attack_finished_jobs_do_not_fill_storage_forever() {
	ExtBuilder::default().run(|| {
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		run_to_block(100);
		assert!(Jobs::<Test>::get(job).is_some(), "kept for the retention period");
		run_to_block(101);
		assert!(Jobs::<Test>::get(job).is_none(), "a cancelled job is still stored");
		assert_eq!(last_event(), Event::JobPurged { job_id: job });
	});
}

/// Attack 7a: a committee of one account listed three times never reaches quorum.
#[test]
fn attack_duplicate_committee_members_are_refused() {
	ExtBuilder::default().params(|p| p.quorum = 3).run(|| {
		let same = vec![MEMBERS[0], MEMBERS[0], MEMBERS[0]];
		assert_noop!(
			Compute::set_committee(RuntimeOrigin::root(), same),
			Error::<Test>::DuplicateMember
		);
	});
}

/// Attack 7b: votes of former members fill the bound so the new committee cannot vote.
#[test]
fn attack_stale_votes_cannot_lock_out_a_new_committee() {
	let old = vec![50, 51, 52, 53, 54];
	ExtBuilder::default().committee(old.clone()).run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		post_result(job, NODE, H256::repeat_byte(0xba));
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		for m in old {
			assert_ok!(Compute::vote(RuntimeOrigin::signed(m), job, true));
		}
		assert_ok!(Compute::set_committee(RuntimeOrigin::root(), MEMBERS.to_vec()));
		assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, false));
		assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[1]), job, false));
		run_to_block(10);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::ResultRejected });
	});
}

/// Attack 7c: parameters that make the marketplace free to cheat in, or unusable.
#[test]
fn attack_inconsistent_params_are_refused() {
	ExtBuilder::default().run(|| {
		let set = |f: fn(&mut ParamsOf<Test>)| {
			let mut p = default_params();
			f(&mut p);
			Compute::set_params(RuntimeOrigin::root(), p)
		};
		assert_noop!(set(|p| p.min_node_stake = 0), Error::<Test>::ZeroStakeOrBond);
		assert_noop!(set(|p| p.challenge_bond = 0), Error::<Test>::ZeroStakeOrBond);
		assert_noop!(set(|p| p.execution_timeout = 1_001), Error::<Test>::TimeoutAboveMaxDeadline);
		assert_noop!(set(|p| p.accept_timeout = 1_001), Error::<Test>::TimeoutAboveMaxDeadline);
		assert_noop!(set(|p| p.min_execute_within = 1), Error::<Test>::BadExecutionFloor);
		assert_noop!(set(|p| p.retention = 0), Error::<Test>::ZeroPeriod);
		// A bounty of 100% of a 1000 bond is not below the 500 at risk: self-challenge would pay.
		assert_noop!(
			set(|p| {
				p.challenger_reward = Percent::from_percent(100);
				p.challenge_bond = 1_000;
			}),
			Error::<Test>::BountyNotBelowSlash
		);
		// `Percent` from JSON is not range-checked; the pallet checks it.
		let over: Percent = serde_json::from_value(serde_json::json!(150)).expect("parses");
		let mut p = default_params();
		p.protocol_fee = over;
		assert_noop!(Compute::set_params(RuntimeOrigin::root(), p), Error::<Test>::PercentAbove100);
	});
}

/// Attack 7d: a JSON genesis with a percentage over 100 builds, then every call fails.
#[test]
#[should_panic(expected = "compute genesis refused: PercentAbove100")]
fn attack_json_genesis_with_a_percentage_over_100_does_not_build() {
	let json = serde_json::json!({
		"challengeWindow": 5, "votingPeriod": 4, "acceptTimeout": 10, "executionTimeout": 6,
		"minExecuteWithin": 3, "retention": 100,
		"maxAttempts": 2, "challengeBond": 100, "minNodeStake": 1000, "protocolFee": 150,
		"slash": 50, "challengerReward": 50, "quorum": 2
	});
	let params: ParamsOf<Test> = serde_json::from_value(json).expect("the JSON parses");
	let _ = ExtBuilder::default().params(|p| *p = params).build();
}

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, dispatch::Pays, traits::fungible::Inspect};
use sp_core::H256;
use sp_runtime::Percent;

/// Job with budget `budget` whose result NODE posted at block 1 (window until block 6).
fn submitted(budget: u64) -> JobId {
	register(NODE, cpu(4), 1_000);
	let job = submit(REQUESTER, budget, Requirements::default());
	assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
	post_result(job, NODE, H256::repeat_byte(9));
	job
}

fn vote(member: u64, job: JobId, valid: bool) {
	let info = Compute::vote(RuntimeOrigin::signed(member), job, valid).expect("vote counted");
	assert_eq!(info.pays_fee, Pays::No);
}

#[test]
fn unchallenged_result_pays_90_10_after_the_window() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_005);
		run_to_block(6);
		assert!(matches!(status(job), JobStatus::Submitted { .. }));
		run_to_block(7);
		// 10% of 1_005 is 100.5: the fee rounds down, the remainder goes to the node.
		assert!(matches!(
			status(job),
			JobStatus::Completed { node: NODE, node_payout: 905, protocol_fee: 100, .. }
		));
		assert_eq!(free(NODE), ENDOWMENT - 1_000 + 905);
		assert_eq!(free(FEE_ACCOUNT), 1 + 100);
		assert_eq!(Balances::total_balance(&REQUESTER), ENDOWMENT - 1_005);
		assert_eq!(held(HoldReason::JobEscrow, REQUESTER), 0);
		assert_eq!(Nodes::<Test>::get(NODE).expect("node").unsettled_jobs, 0);
		assert_eq!(
			last_event(),
			Event::JobCompleted { job_id: job, node: NODE, node_payout: 905, protocol_fee: 100 }
		);
	});
}

#[test]
fn challenge_holds_bond_during_window_only() {
	ExtBuilder::default().run(|| {
		let challenge = |who, job| Compute::challenge(RuntimeOrigin::signed(who), job);
		assert_refused!(challenge(CHALLENGER, 5), Error::<Test>::UnknownJob);
		let open = submit(REQUESTER, 10, Requirements::default());
		assert_refused!(challenge(CHALLENGER, open), Error::<Test>::NotChallengeable);
		let job = submitted(1_000);
		assert_refused!(challenge(NODE, job), Error::<Test>::SelfChallenge);
		assert_ok!(challenge(CHALLENGER, job));
		assert_eq!(held(HoldReason::ChallengeBond, CHALLENGER), 100);
		assert_eq!(
			last_event(),
			Event::JobChallenged {
				job_id: job,
				challenger: CHALLENGER,
				bond: 100,
				voting_until: 5
			}
		);
		assert_refused!(challenge(OUTSIDER, job), Error::<Test>::NotChallengeable);

		let late = submit(REQUESTER, 10, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), late));
		post_result(late, NODE, H256::zero());
		run_to_block(6); // window of `late` ends at 6
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(OUTSIDER), late));
		let later = submit(REQUESTER, 10, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), later));
		post_result(later, NODE, H256::zero());
		run_to_block(6 + 5 + 1);
		assert_refused!(challenge(CHALLENGER, later), Error::<Test>::NotChallengeable);
	});
}

#[test]
fn challenge_needs_the_bond() {
	// A bounty of 0%: a bond this large would otherwise pay more than a job puts at risk.
	let bond = |p: &mut ParamsOf<Test>| {
		p.challenge_bond = ENDOWMENT;
		p.challenger_reward = Percent::from_percent(0);
	};
	ExtBuilder::default().params(bond).run(|| {
		let job = submitted(1_000);
		assert_refused!(
			Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn vote_rules() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_000);
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, true),
			Error::<Test>::NotDisputed
		);
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), 99, true),
			Error::<Test>::UnknownJob
		);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(OUTSIDER), job, true),
			Error::<Test>::NotCommitteeMember
		);
		vote(MEMBERS[0], job, false);
		assert_eq!(
			last_event(),
			Event::VoteCast { job_id: job, member: MEMBERS[0], result_valid: false }
		);
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, true),
			Error::<Test>::AlreadyVoted
		);
		run_to_block(5);
		vote(MEMBERS[1], job, false); // the period's last block still counts
		assert!(matches!(status(job), JobStatus::Disputed { .. }));
		run_to_block(6);
		assert!(matches!(status(job), JobStatus::Refunded { .. }));
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(MEMBERS[2]), job, true),
			Error::<Test>::NotDisputed
		);
	});
}

#[test]
fn node_wrong_slashes_rewards_challenger_refunds_requester() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_000);
		let issuance = Balances::total_issuance();
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		vote(MEMBERS[0], job, false);
		vote(MEMBERS[1], job, false);
		vote(MEMBERS[2], job, true);
		run_to_block(6);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::ResultRejected });
		// The job's stake at risk (50% of the 1_000 minimum) goes to the fee account, which pays
		// the challenger its bond's bounty (50% of 100).
		assert_eq!(held(HoldReason::NodeStake, NODE), 500);
		assert_eq!(free(CHALLENGER), ENDOWMENT + 50);
		assert_eq!(held(HoldReason::ChallengeBond, CHALLENGER), 0);
		assert_eq!(free(FEE_ACCOUNT), 1 + 500 - 50);
		assert_eq!(free(REQUESTER), ENDOWMENT);
		assert_eq!(free(NODE), ENDOWMENT - 1_000);
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert!(!node.online, "below the minimum stake a node goes offline");
		assert_eq!(node.unsettled_jobs, 0);
		assert_eq!(Balances::total_issuance(), issuance);
		let ev = events();
		assert!(ev.contains(&Event::DisputeResolved {
			job_id: job,
			outcome: DisputeOutcome::NodeWrong,
			votes_valid: 1,
			votes_invalid: 2,
		}));
		assert!(ev.contains(&Event::NodeSlashed {
			node: NODE,
			job_id: job,
			amount: 500,
			reason: SlashReason::WrongResult,
		}));
		assert!(ev.contains(&Event::ChallengerRewarded {
			job_id: job,
			challenger: CHALLENGER,
			reward: 50
		}));
		assert_eq!(
			last_event(),
			Event::JobRefunded {
				job_id: job,
				requester: REQUESTER,
				amount: 1_000,
				reason: RefundReason::ResultRejected,
			}
		);
	});
}

#[test]
fn challenger_wrong_forfeits_bond_and_node_is_paid() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_000);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		vote(MEMBERS[0], job, true);
		vote(MEMBERS[1], job, true);
		vote(MEMBERS[2], job, false);
		run_to_block(6);
		assert!(matches!(
			status(job),
			JobStatus::Completed { node_payout: 900, protocol_fee: 100, .. }
		));
		assert_eq!(free(CHALLENGER), ENDOWMENT - 100);
		assert_eq!(held(HoldReason::ChallengeBond, CHALLENGER), 0);
		assert_eq!(free(FEE_ACCOUNT), 1 + 100 + 100);
		assert_eq!(free(NODE), ENDOWMENT - 1_000 + 900);
		assert!(events().contains(&Event::BondForfeited {
			job_id: job,
			challenger: CHALLENGER,
			bond: 100
		}));
	});
}

#[test]
fn no_quorum_refunds_the_requester_and_forfeits_the_bond() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_000);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		vote(MEMBERS[0], job, false); // quorum is 2
		run_to_block(6);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::Undecided });
		assert_eq!(free(REQUESTER), ENDOWMENT, "nobody pays for unverified work");
		assert_eq!(free(CHALLENGER), ENDOWMENT - 100, "an undecided challenge costs the bond");
		assert_eq!(free(FEE_ACCOUNT), 1 + 100);
		assert_eq!(held(HoldReason::NodeStake, NODE), 1_000, "no verdict, no slash");
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!((node.unsettled_jobs, node.exposure), (0, 0));
		assert!(events().contains(&Event::DisputeResolved {
			job_id: job,
			outcome: DisputeOutcome::NoQuorum,
			votes_valid: 0,
			votes_invalid: 1,
		}));
	});
}

#[test]
fn a_tie_is_no_verdict() {
	ExtBuilder::default().run(|| {
		let job = submitted(1_000);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		vote(MEMBERS[0], job, true);
		vote(MEMBERS[1], job, false);
		run_to_block(6);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::Undecided });
		assert_eq!(free(CHALLENGER), ENDOWMENT - 100);
		assert_eq!(held(HoldReason::NodeStake, NODE), 1_000);
		assert!(events().contains(&Event::DisputeResolved {
			job_id: job,
			outcome: DisputeOutcome::Tie,
			votes_valid: 1,
			votes_invalid: 1,
		}));
	});
}

#[test]
fn empty_committee_means_no_quorum() {
	ExtBuilder::default().committee(vec![]).params(|p| p.quorum = 0).run(|| {
		let job = submitted(1_000);
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
		assert_noop!(
			Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, false),
			Error::<Test>::NotCommitteeMember
		);
		run_to_block(6);
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::Undecided });
		assert_eq!(free(CHALLENGER), ENDOWMENT - 100);
	});
}

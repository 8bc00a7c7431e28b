//! Random sequences of calls and blocks against the money and lifecycle invariants.
use sp_core::Pair;

use crate::{mock::*, *};
use frame_support::traits::fungible::Inspect;
use proptest::prelude::*;
use sp_core::H256;
use std::collections::BTreeMap;

const NODES: [u64; 3] = [NODE, NODE_2, GPU_NODE];
const REQUESTERS: [u64; 2] = [REQUESTER, REQUESTER_2];
const CHALLENGERS: [u64; 2] = [CHALLENGER, OUTSIDER];
/// Committee members, and parties who try to vote on their own disputes.
const VOTERS: [u64; 5] = [MEMBERS[0], MEMBERS[1], MEMBERS[2], NODE, CHALLENGER];

#[derive(Clone, Debug)]
enum Action {
	Register {
		node: usize,
		stake: u64,
	},
	AddStake {
		node: usize,
		amount: u64,
	},
	SetOnline {
		node: usize,
		online: bool,
	},
	Deregister {
		node: usize,
	},
	/// `copies` identical submissions in one block: enough to fill a block's timers.
	Submit {
		requester: usize,
		budget: u64,
		gpu: bool,
		accept_within: Option<u64>,
		execute_within: Option<u64>,
		copies: u32,
	},
	Cancel {
		requester: usize,
		job: u64,
	},
	Accept {
		node: usize,
		job: u64,
	},
	PostResult {
		node: usize,
		job: u64,
	},
	Challenge {
		who: usize,
		job: u64,
	},
	Vote {
		member: usize,
		job: u64,
		valid: bool,
	},
	Advance {
		blocks: u64,
	},
}

fn action() -> impl Strategy<Value = Action> {
	let node = 0..NODES.len();
	let job = 0u64..40;
	prop_oneof![
		(node.clone(), 900u64..3_000).prop_map(|(node, stake)| Action::Register { node, stake }),
		(node.clone(), 0u64..500).prop_map(|(node, amount)| Action::AddStake { node, amount }),
		(node.clone(), any::<bool>()).prop_map(|(node, online)| Action::SetOnline { node, online }),
		node.clone().prop_map(|node| Action::Deregister { node }),
		(
			0..2usize,
			0u64..5_000,
			any::<bool>(),
			proptest::option::of(1u64..15),
			proptest::option::of(1u64..10),
			1u32..12,
		)
			.prop_map(|(requester, budget, gpu, accept_within, execute_within, copies)| {
				Action::Submit { requester, budget, gpu, accept_within, execute_within, copies }
			}),
		(0..2usize, job.clone()).prop_map(|(requester, job)| Action::Cancel { requester, job }),
		(node.clone(), job.clone()).prop_map(|(node, job)| Action::Accept { node, job }),
		(node, job.clone()).prop_map(|(node, job)| Action::PostResult { node, job }),
		(0..2usize, job.clone()).prop_map(|(who, job)| Action::Challenge { who, job }),
		(0..VOTERS.len(), job, any::<bool>()).prop_map(|(member, job, valid)| Action::Vote {
			member,
			job,
			valid
		}),
		(1u64..6).prop_map(|blocks| Action::Advance { blocks }),
	]
}

fn apply(a: &Action) {
	let signed = RuntimeOrigin::signed;
	// Failing calls are fine: they must roll back, which the invariants then check.
	let _ = match a.clone() {
		Action::Register { node, stake } => {
			let caps = if NODES[node] == GPU_NODE { gpu_caps("A100", 40_960) } else { cpu(4) };
			Compute::register_node(
				signed(NODES[node]),
				caps,
				result_pair(NODES[node]).public().0,
				stake,
				2,
			)
		}
		Action::AddStake { node, amount } => Compute::add_stake(signed(NODES[node]), amount),
		Action::SetOnline { node, online } => Compute::set_online(signed(NODES[node]), online),
		Action::Deregister { node } => Compute::deregister_node(signed(NODES[node])),
		Action::Submit { requester, budget, gpu, accept_within, execute_within, copies } => (0
			..copies)
			.map(|_| {
				Compute::submit_job(
					signed(REQUESTERS[requester]),
					H256::repeat_byte(1),
					bounded("http://store/blobs/01"),
					Requirements { gpu_count: gpu as u32, ..Default::default() },
					budget,
					JobDeadlines { accept_within, execute_within },
				)
			})
			.collect::<Result<Vec<_>, _>>()
			.map(|_| ())
			.map_err(|e| e.error),
		Action::Cancel { requester, job } => {
			Compute::cancel_job(signed(REQUESTERS[requester]), job).map(|_| ()).map_err(|e| e.error)
		}
		Action::Accept { node, job } => {
			Compute::accept_job(signed(NODES[node]), job).map(|_| ()).map_err(|e| e.error)
		}
		Action::PostResult { node, job } => {
			let (payload, sig) = signed_result(job, NODES[node], H256::repeat_byte(5));
			Compute::submit_result(RuntimeOrigin::none(), payload, sig)
				.map(|_| ())
				.map_err(|e| e.error)
		}
		Action::Challenge { who, job } => {
			Compute::challenge(signed(CHALLENGERS[who]), job).map(|_| ()).map_err(|e| e.error)
		}
		Action::Vote { member, job, valid } => {
			Compute::vote(signed(VOTERS[member]), job, valid).map(|_| ()).map_err(|e| e.error)
		}
		Action::Advance { blocks } => {
			run_to_block(System::block_number() + blocks);
			Ok(())
		}
	};
}

fn check_invariants(issuance: u64, terminal: &mut BTreeMap<JobId, StatusOf<Test>>) {
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed");
	let mut everyone = all_accounts();
	everyone.push(FEE_ACCOUNT);
	let total: u64 = everyone.iter().map(Balances::total_balance).sum();
	assert_eq!(total, issuance, "free + held over all accounts changed");

	let jobs: Vec<_> = Jobs::<Test>::iter().collect();
	for r in REQUESTERS {
		let owed: u64 = jobs
			.iter()
			.filter(|(_, j)| j.requester == r && !j.status.is_terminal())
			.map(|(_, j)| j.budget)
			.sum();
		assert_eq!(held(HoldReason::JobEscrow, r), owed, "escrow of {r}");
	}
	for c in CHALLENGERS {
		let bonds: u64 = jobs
			.iter()
			.filter_map(|(_, j)| match &j.status {
				JobStatus::Disputed { challenger, bond, .. } if *challenger == c => Some(*bond),
				_ => None,
			})
			.sum();
		assert_eq!(held(HoldReason::ChallengeBond, c), bonds, "bonds of {c}");
	}
	for n in NODES {
		let info = Nodes::<Test>::get(n);
		assert_eq!(
			held(HoldReason::NodeStake, n),
			info.as_ref().map_or(0, |i| i.stake),
			"stake of {n}"
		);
		let assigned_to = |s: &StatusOf<Test>| match s {
			JobStatus::Assigned { node, .. } => (*node == n, true),
			JobStatus::Submitted { node, .. } | JobStatus::Disputed { node, .. } => {
				(*node == n, false)
			}
			_ => (false, false),
		};
		let active = jobs.iter().filter(|(_, j)| assigned_to(&j.status) == (true, true)).count();
		let unsettled = jobs.iter().filter(|(_, j)| assigned_to(&j.status).0).count();
		let at_risk: u64 = jobs
			.iter()
			.filter(|(_, j)| assigned_to(&j.status).0)
			.map(|(_, j)| j.stake_at_risk)
			.sum();
		if let Some(i) = info {
			assert_eq!((i.active_jobs as usize, i.unsettled_jobs as usize), (active, unsettled));
			assert_eq!(i.exposure, at_risk, "exposure of {n} is its jobs' stake at risk");
			assert!(i.exposure <= i.stake, "exposure of {n} above its stake");
		} else {
			assert_eq!(unsettled, 0, "deregistered node {n} still has jobs");
		}
	}
	for (id, job) in &jobs {
		let timers = Timers::<Test>::iter().filter(|(_, j, _)| j == id).count();
		// A finished job's one timer is its removal (none only if no block had room).
		assert!(timers <= 1, "job {id} in {:?} has {timers} deadlines", job.status);
		if job.status.is_terminal() {
			let first = terminal.entry(*id).or_insert_with(|| job.status.clone());
			assert_eq!(*first, job.status, "terminal job {id} changed state");
		} else {
			assert_eq!(timers, 1, "job {id} in {:?} must have exactly one deadline", job.status);
		}
	}
	// Jobs no longer stored were finished before they went.
	for id in terminal.keys() {
		if let Some(job) = Jobs::<Test>::get(id) {
			assert!(job.status.is_terminal());
		}
	}
	// The load of each block is its timer count, within the bound; nothing is overdue.
	let mut loads: BTreeMap<u64, u32> = BTreeMap::new();
	for (block, _, _) in Timers::<Test>::iter() {
		*loads.entry(block).or_default() += 1;
		assert!(block > System::block_number(), "a deadline at block {block} was not handled");
	}
	for (block, load) in &loads {
		assert_eq!(TimerLoad::<Test>::get(block), *load, "timer load of block {block}");
		assert!(*load <= 16, "block {block} holds {load} deadlines, above MaxTimersPerBlock");
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

	#[test]
	fn money_is_conserved_and_every_job_terminates(actions in proptest::collection::vec(action(), 1..60)) {
		// Parties sit on the committee, so their attempts to vote on their own disputes are tried.
		ExtBuilder::default().committee(VOTERS.to_vec()).run(|| {
			let issuance = Balances::total_issuance();
			let mut terminal = BTreeMap::new();
			for a in &actions {
				apply(a);
				check_invariants(issuance, &mut terminal);
			}
			// Nothing else happens: every deadline passes (attempts, windows, votes, expiry).
			run_to_block(System::block_number() + 200);
			check_invariants(issuance, &mut terminal);
			assert!(Jobs::<Test>::iter_values().all(|j| j.status.is_terminal()));
			// Past every deadline and the retention period, storage is empty again.
			run_to_block(System::block_number() + 200);
			assert_eq!(Jobs::<Test>::iter().count(), 0, "finished jobs left in storage");
			assert_eq!(TimerLoad::<Test>::iter().count(), 0, "timer loads left in storage");
			for r in REQUESTERS {
				assert_eq!(held(HoldReason::JobEscrow, r), 0);
			}
			for c in CHALLENGERS {
				assert_eq!(held(HoldReason::ChallengeBond, c), 0);
			}
		});
	}
}

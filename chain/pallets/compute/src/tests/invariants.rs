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

#[derive(Clone, Debug)]
enum Action {
	Register { node: usize, stake: u64 },
	AddStake { node: usize, amount: u64 },
	SetOnline { node: usize, online: bool },
	Deregister { node: usize },
	Submit { requester: usize, budget: u64, gpu: bool, accept_within: Option<u64> },
	Cancel { requester: usize, job: u64 },
	Accept { node: usize, job: u64 },
	PostResult { node: usize, job: u64 },
	Challenge { who: usize, job: u64 },
	Vote { member: usize, job: u64, valid: bool },
	Advance { blocks: u64 },
}

fn action() -> impl Strategy<Value = Action> {
	let node = 0..NODES.len();
	let job = 0u64..12;
	prop_oneof![
		(node.clone(), 900u64..3_000).prop_map(|(node, stake)| Action::Register { node, stake }),
		(node.clone(), 0u64..500).prop_map(|(node, amount)| Action::AddStake { node, amount }),
		(node.clone(), any::<bool>()).prop_map(|(node, online)| Action::SetOnline { node, online }),
		node.clone().prop_map(|node| Action::Deregister { node }),
		(0..2usize, 0u64..5_000, any::<bool>(), proptest::option::of(1u64..15)).prop_map(
			|(requester, budget, gpu, accept_within)| Action::Submit {
				requester,
				budget,
				gpu,
				accept_within
			}
		),
		(0..2usize, job.clone()).prop_map(|(requester, job)| Action::Cancel { requester, job }),
		(node.clone(), job.clone()).prop_map(|(node, job)| Action::Accept { node, job }),
		(node, job.clone()).prop_map(|(node, job)| Action::PostResult { node, job }),
		(0..2usize, job.clone()).prop_map(|(who, job)| Action::Challenge { who, job }),
		(0..3usize, job, any::<bool>()).prop_map(|(member, job, valid)| Action::Vote {
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
		Action::Submit { requester, budget, gpu, accept_within } => Compute::submit_job(
			signed(REQUESTERS[requester]),
			H256::repeat_byte(1),
			bounded("http://store/blobs/01"),
			Requirements { gpu_count: gpu as u32, ..Default::default() },
			budget,
			JobDeadlines { accept_within, execute_within: None },
		),
		Action::Cancel { requester, job } => {
			Compute::cancel_job(signed(REQUESTERS[requester]), job)
		}
		Action::Accept { node, job } => {
			Compute::accept_job(signed(NODES[node]), job).map(|_| ()).map_err(|e| e.error)
		}
		Action::PostResult { node, job } => {
			let (payload, sig) = signed_result(job, NODES[node], H256::repeat_byte(5));
			Compute::submit_result(RuntimeOrigin::none(), payload, sig)
		}
		Action::Challenge { who, job } => Compute::challenge(signed(CHALLENGERS[who]), job),
		Action::Vote { member, job, valid } => {
			Compute::vote(signed(MEMBERS[member]), job, valid).map(|_| ()).map_err(|e| e.error)
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
		if let Some(i) = info {
			assert_eq!((i.active_jobs as usize, i.unsettled_jobs as usize), (active, unsettled));
		} else {
			assert_eq!(unsettled, 0, "deregistered node {n} still has jobs");
		}
	}
	for (id, job) in &jobs {
		let timers = Timers::<Test>::iter().filter(|(_, j, _)| j == id).count();
		if job.status.is_terminal() {
			assert_eq!(timers, 0, "terminal job {id} has a timer");
			let first = terminal.entry(*id).or_insert_with(|| job.status.clone());
			assert_eq!(*first, job.status, "terminal job {id} changed state");
		} else {
			assert_eq!(timers, 1, "job {id} in {:?} must have exactly one deadline", job.status);
		}
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

	#[test]
	fn money_is_conserved_and_every_job_terminates(actions in proptest::collection::vec(action(), 1..60)) {
		ExtBuilder::default().run(|| {
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
			for r in REQUESTERS {
				assert_eq!(held(HoldReason::JobEscrow, r), 0);
			}
			for c in CHALLENGERS {
				assert_eq!(held(HoldReason::ChallengeBond, c), 0);
			}
		});
	}
}

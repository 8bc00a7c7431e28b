//! The v0 -> v1 migration, on storage written the way the v0 runtime wrote it, with the same
//! pre/post checks `try-runtime` runs.
use crate::{
	migrations::{v0, InnerMigrateV0ToV1, MigrateV0ToV1},
	mock::*,
	*,
};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use sp_core::{Pair, H256};

fn put_raw<K: Encode>(key: Vec<u8>, value: K) {
	frame_support::storage::unhashed::put_raw(&key, &value.encode());
}

fn v0_job(requester: u64, budget: u64, status: StatusOf<Test>) -> v0::Job<Test> {
	v0::Job {
		requester,
		spec_hash: H256::repeat_byte(7),
		spec_uri: bounded("http://store:7070/blobs/07"),
		requirements: Requirements::default(),
		budget,
		execute_within: 6,
		accept_within: 10,
		submitted_at: 1,
		attempt: 1,
		status,
	}
}

/// A v0 chain: parameters without the new fields, a node holding three unsettled jobs on a
/// stake that covers two, an open job with its timer, a finished job kept forever.
fn write_v0_state() {
	let p = default_params();
	put_raw(
		Params::<Test>::hashed_key().to_vec(),
		v0::MarketParams {
			challenge_window: p.challenge_window,
			voting_period: p.voting_period,
			accept_timeout: p.accept_timeout,
			execution_timeout: p.execution_timeout,
			max_attempts: p.max_attempts,
			challenge_bond: p.challenge_bond,
			min_node_stake: p.min_node_stake,
			protocol_fee: p.protocol_fee,
			slash: p.slash,
			challenger_reward: p.challenger_reward,
			quorum: p.quorum,
		},
	);
	put_raw(
		Nodes::<Test>::hashed_key_for(NODE),
		v0::NodeInfo {
			capabilities: cpu(4),
			result_key: result_pair(NODE).public().0,
			stake: 1_000u64,
			online: true,
			max_concurrent: 2,
			active_jobs: 1,
			unsettled_jobs: 3,
		},
	);
	let result =
		JobResult { output_hash: H256::zero(), uri: bounded("http://store:7070/blobs/aa") };
	let statuses: [StatusOf<Test>; 5] = [
		JobStatus::Assigned { node: NODE, deadline: 7 },
		JobStatus::Submitted { node: NODE, result: result.clone(), challenge_until: 6 },
		JobStatus::Submitted { node: NODE, result, challenge_until: 5 },
		JobStatus::Open { expires_at: 11 },
		JobStatus::Cancelled,
	];
	for (id, status) in statuses.into_iter().enumerate() {
		let timer = match &status {
			JobStatus::Assigned { deadline, .. } => Some(*deadline),
			JobStatus::Submitted { challenge_until, .. } => Some(challenge_until + 1),
			JobStatus::Open { expires_at } => Some(*expires_at),
			_ => None,
		};
		put_raw(Jobs::<Test>::hashed_key_for(id as u64), v0_job(REQUESTER, 100, status));
		if let Some(at) = timer {
			Timers::<Test>::insert(at, id as u64, ());
		}
	}
	NextJobId::<Test>::put(5);
	StorageVersion::new(0).put::<Pallet<Test>>();
}

#[test]
fn migration_v0_to_v1_keeps_every_job_and_bounds_exposure() {
	ExtBuilder::default().run(|| {
		// Genesis wrote v1 storage; replace it with what a v0 chain holds.
		let _ = Nodes::<Test>::clear(u32::MAX, None);
		write_v0_state();
		let snapshot = InnerMigrateV0ToV1::<Test>::snapshot();

		MigrateV0ToV1::<Test>::on_runtime_upgrade();

		assert_eq!(InnerMigrateV0ToV1::<Test>::check(snapshot), Ok(()));
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
		let params = Params::<Test>::get().expect("params decode as v1");
		assert_eq!((params.min_execute_within, params.retention), (5, 21_600));
		// Two jobs carry the full 500 at risk; the third, beyond the stake, carries nothing.
		let node = Nodes::<Test>::get(NODE).expect("node decodes as v1");
		assert_eq!((node.stake, node.exposure), (1_000, 1_000));
		let mut risks: Vec<u64> =
			(0..3).map(|id| Jobs::<Test>::get(id).expect("job").stake_at_risk).collect();
		risks.sort();
		assert_eq!(risks, vec![0, 500, 500]);
		assert_eq!(
			TimerLoad::<Test>::get(7),
			2,
			"the deadline of job 0 and the settlement of job 1"
		);
		// The finished job is now scheduled for removal.
		assert_eq!(Timers::<Test>::iter().filter(|(_, id, _)| *id == 4).count(), 1);

		// The chain carries on under v1 rules: settlements release exposure, removal happens.
		run_to_block(40);
		let node = Nodes::<Test>::get(NODE).expect("node");
		assert_eq!(node.exposure, 0);
		run_to_block(21_700);
		assert!(Jobs::<Test>::get(4).is_none(), "the finished v0 job was removed after retention");
	});
}

#[test]
fn migration_is_a_no_op_on_a_v1_chain() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		let before = (Jobs::<Test>::get(job), Nodes::<Test>::get(NODE), Params::<Test>::get());
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		let after = (Jobs::<Test>::get(job), Nodes::<Test>::get(NODE), Params::<Test>::get());
		assert_eq!(before, after);
	});
}

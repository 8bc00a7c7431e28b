use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_core::Pair;

#[test]
fn register_holds_stake_and_records_node() {
	ExtBuilder::default().run(|| {
		register(NODE, cpu(4), 1_500);
		let info = Nodes::<Test>::get(NODE).expect("registered");
		assert_eq!(info.stake, 1_500);
		assert!(info.online);
		assert_eq!(info.result_key, result_pair(NODE).public().0);
		assert_eq!(held(HoldReason::NodeStake, NODE), 1_500);
		assert_eq!(free(NODE), ENDOWMENT - 1_500);
		assert_eq!(
			last_event(),
			Event::NodeRegistered { node: NODE, stake: 1_500, capabilities: cpu(4) }
		);
	});
}

#[test]
fn register_rejects_bad_input() {
	ExtBuilder::default().run(|| {
		let key = result_pair(NODE).public().0;
		let origin = || RuntimeOrigin::signed(NODE);
		assert_noop!(
			Compute::register_node(origin(), cpu(4), key, 999, 1),
			Error::<Test>::StakeTooLow
		);
		assert_noop!(
			Compute::register_node(origin(), cpu(0), key, 1_000, 1),
			Error::<Test>::BadCapabilities
		);
		let mut no_vram = gpu_caps("A100", 0);
		assert_noop!(
			Compute::register_node(origin(), no_vram.clone(), key, 1_000, 1),
			Error::<Test>::BadCapabilities
		);
		no_vram.gpu = Some(Gpu { count: 0, model: bounded("A100"), vram_mb: 1 });
		assert_noop!(
			Compute::register_node(origin(), no_vram, key, 1_000, 1),
			Error::<Test>::BadCapabilities
		);
		assert_noop!(
			Compute::register_node(origin(), gpu_caps("", 10), key, 1_000, 1),
			Error::<Test>::BadCapabilities
		);
		assert_noop!(
			Compute::register_node(origin(), cpu(4), key, 1_000, 0),
			Error::<Test>::BadConcurrency
		);
		assert_noop!(
			Compute::register_node(origin(), cpu(4), key, 1_000, 5),
			Error::<Test>::BadConcurrency
		);
		assert_noop!(
			Compute::register_node(origin(), cpu(4), key, ENDOWMENT, 1),
			Error::<Test>::InsufficientBalance
		);
		register(NODE, cpu(4), 1_000);
		assert_noop!(
			Compute::register_node(origin(), cpu(4), key, 1_000, 1),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn update_and_online_status() {
	ExtBuilder::default().run(|| {
		assert_noop!(
			Compute::update_node(RuntimeOrigin::signed(NODE), cpu(2), 1),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Compute::set_online(RuntimeOrigin::signed(NODE), false),
			Error::<Test>::NotRegistered
		);
		register(NODE, cpu(4), 1_000);
		assert_noop!(
			Compute::update_node(RuntimeOrigin::signed(NODE), cpu(0), 1),
			Error::<Test>::BadCapabilities
		);
		assert_noop!(
			Compute::update_node(RuntimeOrigin::signed(NODE), cpu(2), 0),
			Error::<Test>::BadConcurrency
		);
		assert_ok!(Compute::update_node(RuntimeOrigin::signed(NODE), gpu_caps("H100", 80), 3));
		let info = Nodes::<Test>::get(NODE).expect("registered");
		assert_eq!((info.capabilities, info.max_concurrent), (gpu_caps("H100", 80), 3));
		assert_ok!(Compute::set_online(RuntimeOrigin::signed(NODE), false));
		assert!(!Nodes::<Test>::get(NODE).expect("registered").online);
		assert_eq!(last_event(), Event::NodeStatusChanged { node: NODE, online: false });
	});
}

#[test]
fn add_stake_holds_more() {
	ExtBuilder::default().run(|| {
		assert_noop!(
			Compute::add_stake(RuntimeOrigin::signed(NODE), 10),
			Error::<Test>::NotRegistered
		);
		register(NODE, cpu(4), 1_000);
		assert_noop!(
			Compute::add_stake(RuntimeOrigin::signed(NODE), 0),
			Error::<Test>::StakeTooLow
		);
		assert_noop!(
			Compute::add_stake(RuntimeOrigin::signed(NODE), ENDOWMENT),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Compute::add_stake(RuntimeOrigin::signed(NODE), 250));
		assert_eq!(held(HoldReason::NodeStake, NODE), 1_250);
		assert_eq!(last_event(), Event::StakeAdded { node: NODE, amount: 250, total: 1_250 });
	});
}

#[test]
fn deregister_releases_stake_only_without_jobs() {
	ExtBuilder::default().run(|| {
		assert_noop!(
			Compute::deregister_node(RuntimeOrigin::signed(NODE)),
			Error::<Test>::NotRegistered
		);
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		assert_noop!(
			Compute::deregister_node(RuntimeOrigin::signed(NODE)),
			Error::<Test>::NodeHasJobs
		);
		post_result(job, NODE, sp_core::H256::repeat_byte(1));
		// Still in its challenge window: the stake must stay slashable.
		assert_noop!(
			Compute::deregister_node(RuntimeOrigin::signed(NODE)),
			Error::<Test>::NodeHasJobs
		);
		run_to_block(1 + 5 + 1);
		assert!(matches!(status(job), JobStatus::Completed { .. }));
		assert_ok!(Compute::deregister_node(RuntimeOrigin::signed(NODE)));
		assert_eq!(held(HoldReason::NodeStake, NODE), 0);
		assert!(Nodes::<Test>::get(NODE).is_none());
		assert_eq!(last_event(), Event::NodeDeregistered { node: NODE, stake_released: 1_000 });
		assert_eq!(Balances::total_balance(&NODE), ENDOWMENT + 450);
	});
}

#[test]
fn capability_matching() {
	let req = |cores, gpus, vram, model: Option<&str>| Requirements {
		cpu_cores: cores,
		memory_mb: 1_024,
		gpu_count: gpus,
		gpu_vram_mb: vram,
		gpu_model: model.map(bounded),
	};
	assert!(cpu(4).satisfies(&req(4, 0, 0, None)));
	assert!(!cpu(4).satisfies(&req(5, 0, 0, None)));
	assert!(!cpu(64).satisfies(&req(1, 1, 0, None)));
	assert!(!cpu(64).satisfies(&req(1, 0, 16, None)));
	assert!(!cpu(64).satisfies(&req(1, 0, 0, Some("A100"))));
	let a100 = gpu_caps("A100", 40_960);
	assert!(a100.satisfies(&req(1, 1, 40_960, Some("A100"))));
	assert!(a100.satisfies(&req(1, 0, 0, None)));
	assert!(!a100.satisfies(&req(1, 2, 0, None)));
	assert!(!a100.satisfies(&req(1, 1, 80_000, None)));
	assert!(!a100.satisfies(&req(1, 1, 0, Some("H100"))));
	let mut low_mem = req(1, 0, 0, None);
	low_mem.memory_mb = 100_000;
	assert!(!a100.satisfies(&low_mem));
}

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

fn genesis_node(node: u64, stake: u64) -> GenesisNode<u64, u64> {
	GenesisNode {
		account: node,
		capabilities: cpu(4),
		result_key: result_pair(node).public().0,
		stake,
		max_concurrent: 2,
	}
}

#[test]
fn genesis_registers_a_node_as_register_node_would() {
	let at_runtime = ExtBuilder::default().build().execute_with(|| {
		register(NODE, cpu(4), 1_500);
		(Nodes::<Test>::get(NODE), held(HoldReason::NodeStake, NODE), free(NODE))
	});
	let at_genesis = ExtBuilder::default()
		.genesis_node(genesis_node(NODE, 1_500))
		.build()
		.execute_with(|| (Nodes::<Test>::get(NODE), held(HoldReason::NodeStake, NODE), free(NODE)));
	assert!(at_genesis.0.is_some(), "the genesis node is registered");
	assert_eq!(at_genesis, at_runtime);
}

#[test]
fn a_genesis_node_takes_a_job_and_cannot_register_again() {
	ExtBuilder::default().genesis_node(genesis_node(NODE, 1_500)).run(|| {
		let id = submit(REQUESTER, 100, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), id));
		assert_noop!(
			Compute::register_node(
				RuntimeOrigin::signed(NODE),
				cpu(4),
				result_pair(NODE).public().0,
				1_000,
				1
			),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
#[should_panic(expected = "compute genesis refused node 0: StakeTooLow")]
fn genesis_refuses_a_node_below_the_minimum_stake() {
	ExtBuilder::default().genesis_node(genesis_node(NODE, 999)).build();
}

/// Attack: one account listed twice in genesis would hold its stake once and count twice.
#[test]
#[should_panic(expected = "compute genesis refused node 1: AlreadyRegistered")]
fn attack_genesis_node_listed_twice_does_not_build() {
	ExtBuilder::default()
		.genesis_node(genesis_node(NODE, 1_000))
		.genesis_node(genesis_node(NODE, 1_000))
		.build();
}

/// Attack: a genesis stake beyond the account's balance would be a node staked with nothing.
#[test]
#[should_panic(expected = "compute genesis refused node 0")]
fn attack_genesis_node_staking_more_than_it_holds_does_not_build() {
	ExtBuilder::default().genesis_node(genesis_node(NODE, ENDOWMENT + 1)).build();
}

#[test]
fn genesis_nodes_read_from_the_json_the_testnet_writes() {
	let json = serde_json::json!({
		"account": NODE,
		"capabilities": { "cpu_cores": 4, "memory_mb": 8192, "gpu": { "count": 1, "model": [65, 49], "vram_mb": 40960 } },
		"resultKey": vec![7u8; 32],
		"stake": 1_500,
		"maxConcurrent": 2
	});
	let node: GenesisNode<u64, u64> = serde_json::from_value(json).expect("the JSON parses");
	assert_eq!(node.capabilities.gpu.expect("gpu").model.to_vec(), b"A1".to_vec());
	assert_eq!((node.result_key, node.stake, node.max_concurrent), ([7; 32], 1_500, 2));
}

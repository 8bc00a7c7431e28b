//! A runtime with System, Balances and Compute for the pallet's tests.

use crate::{self as pallet_compute, *};
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Get, Hooks},
	BoundedVec,
};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{BuildStorage, Percent};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Compute: pallet_compute,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
	// Priced storage, so the weights the calls report can be told apart in `tests/weights.rs`.
	type DbWeight = frame_support::weights::constants::ParityDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

pub const FEE_ACCOUNT: u64 = 999;
pub const REQUESTER: u64 = 1;
pub const REQUESTER_2: u64 = 2;
pub const NODE: u64 = 10;
pub const NODE_2: u64 = 11;
pub const GPU_NODE: u64 = 12;
pub const CHALLENGER: u64 = 20;
pub const MEMBERS: [u64; 3] = [30, 31, 32];
pub const OUTSIDER: u64 = 40;
pub const ENDOWMENT: u64 = 1_000_000;

parameter_types! {
	pub const FeeAccount: u64 = FEE_ACCOUNT;
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FeeAccount = FeeAccount;
	type MaxUriLen = ConstU32<128>;
	type MaxCommittee = ConstU32<5>;
	type MaxConcurrentJobs = ConstU32<4>;
	type MaxTimersPerBlock = ConstU32<16>;
	type MaxDeadline = ConstU64<1000>;
	type UnsignedPriority = ConstU64<1_000_000>;
	type WeightInfo = crate::weights::SubstrateWeight<Test>;
}

/// Genesis parameters used by most tests.
pub fn default_params() -> ParamsOf<Test> {
	MarketParams {
		challenge_window: 5,
		voting_period: 4,
		accept_timeout: 10,
		execution_timeout: 6,
		min_execute_within: 3,
		retention: 100,
		max_attempts: 2,
		challenge_bond: 100,
		min_node_stake: 1_000,
		protocol_fee: Percent::from_percent(10),
		slash: Percent::from_percent(50),
		challenger_reward: Percent::from_percent(50),
		quorum: 2,
	}
}

/// Every account the tests use, funded at genesis.
pub fn all_accounts() -> Vec<u64> {
	let mut v = vec![REQUESTER, REQUESTER_2, NODE, NODE_2, GPU_NODE, CHALLENGER, OUTSIDER];
	v.extend(MEMBERS);
	v
}

pub struct ExtBuilder {
	params: ParamsOf<Test>,
	committee: Vec<u64>,
	nodes: Vec<GenesisNode<u64, u64>>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { params: default_params(), committee: MEMBERS.to_vec(), nodes: Vec::new() }
	}
}

impl ExtBuilder {
	pub fn params(mut self, f: impl FnOnce(&mut ParamsOf<Test>)) -> Self {
		f(&mut self.params);
		self
	}

	pub fn committee(mut self, members: Vec<u64>) -> Self {
		self.committee = members;
		self
	}

	/// Register `node` in genesis.
	pub fn genesis_node(mut self, node: GenesisNode<u64, u64>) -> Self {
		self.nodes.push(node);
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().expect("system");
		pallet_balances::GenesisConfig::<Test> {
			balances: all_accounts().into_iter().map(|a| (a, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut t)
		.expect("balances");
		pallet_compute::GenesisConfig::<Test> {
			params: Some(self.params),
			committee: self.committee,
			nodes: self.nodes,
		}
		.assimilate_storage(&mut t)
		.expect("compute");
		let mut ext = sp_io::TestExternalities::new(t);
		// A runtime's genesis records the pallet's storage version; the pallet's own genesis
		// config alone does not.
		ext.execute_with(|| {
			<Compute as frame_support::traits::OnGenesis>::on_genesis();
			System::set_block_number(1)
		});
		ext
	}

	pub fn run(self, test: impl FnOnce()) {
		self.build().execute_with(test)
	}
}

/// Advance to block `n`, running `on_initialize` like block production does.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
	}
}

pub fn cpu(cores: u32) -> Capabilities {
	Capabilities { cpu_cores: cores, memory_mb: 8_192, gpu: None }
}

pub fn gpu_caps(model: &str, vram_mb: u32) -> Capabilities {
	Capabilities {
		cpu_cores: 8,
		memory_mb: 32_768,
		gpu: Some(Gpu { count: 1, model: bounded(model), vram_mb }),
	}
}

pub fn bounded<S: Get<u32>>(s: &str) -> BoundedVec<u8, S> {
	s.as_bytes().to_vec().try_into().expect("test strings fit")
}

/// The deterministic result key of a test node.
pub fn result_pair(node: u64) -> sr25519::Pair {
	sr25519::Pair::from_seed(&blake2(node))
}

fn blake2(n: u64) -> [u8; 32] {
	sp_io::hashing::blake2_256(&n.encode())
}

pub fn register(node: u64, caps: Capabilities, stake: u64) {
	frame_support::assert_ok!(Compute::register_node(
		RuntimeOrigin::signed(node),
		caps,
		result_pair(node).public().0,
		stake,
		2
	));
}

pub fn submit(requester: u64, budget: u64, requirements: Requirements) -> JobId {
	let id = NextJobId::<Test>::get();
	frame_support::assert_ok!(Compute::submit_job(
		RuntimeOrigin::signed(requester),
		H256::repeat_byte(7),
		bounded("http://store:7070/blobs/07"),
		requirements,
		budget,
		JobDeadlines::default()
	));
	id
}

/// A correctly signed result payload from `node` for the job's current attempt.
pub fn signed_result(job_id: JobId, node: u64, output: H256) -> (PayloadOf<Test>, [u8; 64]) {
	let attempt = Jobs::<Test>::get(job_id).map(|j| j.attempt).unwrap_or(0);
	let payload = ResultPayload {
		domain: RESULT_DOMAIN,
		genesis_hash: System::block_hash(0),
		job_id,
		attempt,
		node,
		output_hash: output,
		result_uri: bounded("http://store:7070/blobs/aa"),
	};
	let sig = result_pair(node).sign(&payload.encode());
	(payload, sig.0)
}

pub fn post_result(job_id: JobId, node: u64, output: H256) {
	let (payload, sig) = signed_result(job_id, node, output);
	frame_support::assert_ok!(Compute::submit_result(RuntimeOrigin::none(), payload, sig));
}

pub fn status(job_id: JobId) -> StatusOf<Test> {
	Jobs::<Test>::get(job_id).expect("job exists").status
}

pub fn free(who: u64) -> u64 {
	Balances::free_balance(who)
}

pub fn held(reason: HoldReason, who: u64) -> u64 {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::Compute(reason), &who)
}

pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Compute(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn last_event() -> Event<Test> {
	events().pop().expect("an event")
}

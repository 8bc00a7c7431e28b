//! Storage migrations of `pallet-compute`.
//!
//! v0 -> v1 (the attack fixes): parameters gain `min_execute_within` and `retention`, nodes their
//! `exposure`, jobs their `stake_at_risk`; `TimerLoad` is counted from `Timers`, and finished
//! jobs, which v0 kept forever, are scheduled for removal.

use crate::{pallet::*, types::*};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, Encode};
use frame_support::{
	pallet_prelude::*,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	Percent,
};

/// The execution-window floor given to a v0 chain (capped by its `execution_timeout`).
pub const V1_MIN_EXECUTE_WITHIN: u32 = 5;
/// The retention given to a v0 chain: 12 hours of 2 s blocks.
pub const V1_RETENTION: u32 = 21_600;

/// Storage as v0 wrote it.
pub mod v0 {
	use super::*;

	/// v0 parameters: no execution floor, no retention.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct MarketParams<Balance, BlockNumber> {
		pub challenge_window: BlockNumber,
		pub voting_period: BlockNumber,
		pub accept_timeout: BlockNumber,
		pub execution_timeout: BlockNumber,
		pub max_attempts: u32,
		pub challenge_bond: Balance,
		pub min_node_stake: Balance,
		pub protocol_fee: Percent,
		pub slash: Percent,
		pub challenger_reward: Percent,
		pub quorum: u32,
	}

	/// v0 node: no exposure.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct NodeInfo<Balance> {
		pub capabilities: Capabilities,
		pub result_key: [u8; 32],
		pub stake: Balance,
		pub online: bool,
		pub max_concurrent: u32,
		pub active_jobs: u32,
		pub unsettled_jobs: u32,
	}

	/// v0 job: no stake at risk.
	#[derive(Encode, Decode)]
	pub struct Job<T: Config> {
		pub requester: T::AccountId,
		pub spec_hash: sp_core::H256,
		pub spec_uri: UriOf<T>,
		pub requirements: Requirements,
		pub budget: BalanceOf<T>,
		pub execute_within: BlockNumberFor<T>,
		pub accept_within: BlockNumberFor<T>,
		pub submitted_at: BlockNumberFor<T>,
		pub attempt: u32,
		pub status: StatusOf<T>,
	}
}

/// The node holding an unsettled job, if any.
fn holder<T: Config>(status: &StatusOf<T>) -> Option<&T::AccountId> {
	match status {
		JobStatus::Assigned { node, .. }
		| JobStatus::Submitted { node, .. }
		| JobStatus::Disputed { node, .. } => Some(node),
		_ => None,
	}
}

/// Every node's stake, read as v0 wrote the node.
fn v0_stakes<T: Config>() -> BTreeMap<T::AccountId, BalanceOf<T>> {
	Nodes::<T>::iter_keys()
		.filter_map(|who| {
			let raw = frame_support::storage::unhashed::get_raw(&Nodes::<T>::hashed_key_for(&who))?;
			let node = v0::NodeInfo::<BalanceOf<T>>::decode(&mut &raw[..]).ok()?;
			Some((who, node.stake))
		})
		.collect()
}

/// v0 -> v1, without the version check (see [`MigrateV0ToV1`]).
pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

impl<T: Config> InnerMigrateV0ToV1<T> {
	/// What must survive the migration: job count, statuses and budgets, node stakes.
	pub fn snapshot() -> Vec<u8> {
		let jobs: Vec<(JobId, Vec<u8>)> = Jobs::<T>::iter_keys()
			.filter_map(|id| {
				let raw =
					frame_support::storage::unhashed::get_raw(&Jobs::<T>::hashed_key_for(id))?;
				let job = v0::Job::<T>::decode(&mut &raw[..]).ok()?;
				Some((id, (job.status, job.budget).encode()))
			})
			.collect();
		let stakes: Vec<(T::AccountId, BalanceOf<T>)> = v0_stakes::<T>().into_iter().collect();
		(jobs, stakes).encode()
	}

	/// Check v1 storage against a [`Self::snapshot`] taken before.
	pub fn check(snapshot: Vec<u8>) -> Result<(), &'static str> {
		type Snap<T> =
			(Vec<(JobId, Vec<u8>)>, Vec<(<T as frame_system::Config>::AccountId, BalanceOf<T>)>);
		let (jobs, stakes) =
			Snap::<T>::decode(&mut &snapshot[..]).map_err(|_| "undecodable snapshot")?;
		let params = Params::<T>::get().ok_or("parameters unreadable after the migration")?;
		Pallet::<T>::check_params(&params, Committee::<T>::decode_len().unwrap_or(0) as u32)
			.map_err(|_| "migrated parameters are inconsistent")?;
		let mut exposure: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, before) in jobs {
			let job = Jobs::<T>::get(id).ok_or("a job became unreadable")?;
			if (job.status.clone(), job.budget).encode() != before {
				return Err("a job's status or budget changed");
			}
			match holder::<T>(&job.status) {
				Some(node) => {
					let e = exposure.entry(node.clone()).or_default();
					*e = e.saturating_add(job.stake_at_risk);
				}
				None if !job.stake_at_risk.is_zero() => return Err("stake at risk on a free job"),
				None => {}
			}
		}
		for (who, stake) in stakes {
			let node = Nodes::<T>::get(&who).ok_or("a node became unreadable")?;
			if node.stake != stake {
				return Err("a node's stake changed");
			}
			if node.exposure != exposure.get(&who).copied().unwrap_or_default() {
				return Err("a node's exposure is not the sum of its jobs' stake at risk");
			}
			if node.exposure > node.stake {
				return Err("a node's exposure exceeds its stake");
			}
		}
		for (block, load) in TimerLoad::<T>::iter() {
			if Timers::<T>::iter_key_prefix(block).count() as u32 != load {
				return Err("a block's timer load does not match its timers");
			}
		}
		Ok(())
	}
}

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut reads, mut writes) = (0u64, 0u64);
		let mut params = None;
		let _ =
			Params::<T>::translate::<v0::MarketParams<BalanceOf<T>, BlockNumberFor<T>>, _>(|old| {
				let old = old?;
				let floor: BlockNumberFor<T> = V1_MIN_EXECUTE_WITHIN.into();
				let new = MarketParams {
					challenge_window: old.challenge_window,
					voting_period: old.voting_period,
					accept_timeout: old.accept_timeout,
					execution_timeout: old.execution_timeout,
					min_execute_within: floor.min(old.execution_timeout).max(2u32.into()),
					retention: V1_RETENTION.into(),
					max_attempts: old.max_attempts,
					challenge_bond: old.challenge_bond,
					min_node_stake: old.min_node_stake,
					protocol_fee: old.protocol_fee,
					slash: old.slash,
					challenger_reward: old.challenger_reward,
					quorum: old.quorum,
				};
				params = Some(new.clone());
				Some(new)
			});
		reads += 1;
		writes += 1;
		let job_stake = params.as_ref().map(Pallet::<T>::job_stake).unwrap_or_default();

		let stakes = v0_stakes::<T>();
		reads += stakes.len() as u64;
		// Jobs first: a node's exposure is what its jobs put at risk, capped by its stake (v0 let
		// a node hold more than its stake covered; those jobs carry what is left).
		let mut exposure: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut finished = Vec::new();
		Jobs::<T>::translate::<v0::Job<T>, _>(|id, old| {
			reads += 1;
			writes += 1;
			let stake_at_risk = match holder::<T>(&old.status) {
				Some(node) => {
					let stake = stakes.get(node).copied().unwrap_or_default();
					let used = exposure.entry(node.clone()).or_default();
					let at_risk = job_stake.min(stake.saturating_sub(*used));
					*used = used.saturating_add(at_risk);
					at_risk
				}
				None => Zero::zero(),
			};
			if old.status.is_terminal() {
				finished.push(id);
			}
			Some(Job {
				requester: old.requester,
				spec_hash: old.spec_hash,
				spec_uri: old.spec_uri,
				requirements: old.requirements,
				budget: old.budget,
				execute_within: old.execute_within,
				accept_within: old.accept_within,
				submitted_at: old.submitted_at,
				attempt: old.attempt,
				stake_at_risk,
				status: old.status,
			})
		});
		Nodes::<T>::translate::<v0::NodeInfo<BalanceOf<T>>, _>(|who, old| {
			writes += 1;
			Some(NodeInfo {
				capabilities: old.capabilities,
				result_key: old.result_key,
				stake: old.stake,
				online: old.online,
				max_concurrent: old.max_concurrent,
				active_jobs: old.active_jobs,
				unsettled_jobs: old.unsettled_jobs,
				// The deliberate bug of the `broken-migration` build: upgrade scenarios must
				// catch a node whose jobs put stake at risk that its exposure does not count.
				exposure: if cfg!(feature = "broken-migration") {
					Zero::zero()
				} else {
					exposure.get(&who).copied().unwrap_or_default()
				},
			})
		});

		let mut loads: BTreeMap<BlockNumberFor<T>, u32> = BTreeMap::new();
		for (block, _) in Timers::<T>::iter_keys() {
			reads += 1;
			*loads.entry(block).or_default() += 1;
		}
		for (block, load) in loads {
			writes += 1;
			TimerLoad::<T>::insert(block, load);
		}
		for id in finished {
			reads += crate::timers::MAX_TIMER_SHIFT as u64;
			writes += 2;
			Pallet::<T>::schedule_removal(id);
		}
		T::DbWeight::get().reads_writes(reads, writes)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok(Self::snapshot())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check(state).map_err(Into::into)
	}
}

/// v0 -> v1, run only when the on-chain storage version is 0, then set to 1.
pub type MigrateV0ToV1<T> = frame_support::migrations::VersionedMigration<
	0,
	1,
	InnerMigrateV0ToV1<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

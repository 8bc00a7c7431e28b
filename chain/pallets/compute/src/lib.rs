//! # Compute marketplace pallet
//!
//! Requesters submit jobs with a budget held in escrow on their own account. Registered compute
//! nodes, whose declared capabilities cover a job's requirements, accept it (pull), execute it off
//! chain and post a Blake2-256 hash of the output in an UNSIGNED extrinsic signed by their result
//! key. After a challenge window the escrow is released: the node receives the budget less the
//! protocol fee, the fee account the fee. Anyone may challenge a result by holding a bond; the
//! committee votes; the loser pays.
//!
//! ## Lifecycle
//! `Open -> Assigned -> Submitted -> (Disputed) -> Completed | Refunded | Cancelled | Expired`;
//! a finished job is removed from storage `retention` blocks later (its events remain).
//!
//! ## Money
//! The pallet never mints or burns. Escrow, stake and bonds are fungible holds on their owners'
//! accounts and move only by `transfer_on_hold` or `release`, so every unit ends in exactly one
//! account. The protocol fee is `protocol_fee * budget` rounded down; the node receives the rest,
//! so the rounding remainder goes to the node.
//!
//! ## Stake at risk
//! Accepting a job puts `slash * min_node_stake` of the node's stake at risk until the job
//! settles; a node's exposure (the sum over its unsettled jobs) never exceeds its stake, so every
//! slash it can incur is covered. A timeout or a lost dispute forfeits exactly the job's stake at
//! risk to the fee account. A winning challenger gets its bond back and a bounty of
//! `challenger_reward * challenge_bond` from the fee account: nothing of the slash goes to the
//! challenger, so a node challenging itself from a second account loses its slash all the same,
//! and the parameters keep the bounty below the smallest slash.
//!
//! ## Disputes
//! Parties to a dispute (the node, the challenger, the requester) never vote on it, and only the
//! votes of current committee members count. More invalid than valid votes, quorum reached: the
//! node is slashed and the requester refunded. More valid votes: the bond is forfeited to the fee
//! account and the node paid. A missed quorum or a tie is no verdict: the requester is refunded
//! (it does not pay for unverified work, so cheating earns nothing), the node is not slashed, and
//! the challenger's bond goes to the fee account (so challenging everything is not free).
//!
//! ## Deadlines
//! Every non-terminal state, and every finished job awaiting removal, has exactly one deadline,
//! recorded in [`Timers`]. At most `MaxTimersPerBlock` deadlines may fall in one block, counted
//! in [`TimerLoad`] when they are set: requester expiries take at most half of a block (a
//! chosen `accept_within` beyond that fails with `TooManyTimers`; the default expiry moves to
//! the next block where requesters have room), and deadlines the marketplace sets itself move
//! to the next block with room. `on_initialize` therefore handles every deadline in
//! its own block. Calls check deadlines too: an accept after expiry or a result at or after the
//! deadline is refused in the pool and at dispatch.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;

mod lifecycle;
pub mod migrations;
mod params;
mod settle;
mod timers;
pub mod types;
mod unsigned;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use crate::timers::MAX_TIMER_SHIFT;
	use alloc::vec::Vec;
	use frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			BuildGenesisConfig,
		},
	};
	use frame_system::pallet_prelude::*;
	pub use weights::WeightInfo;

	/// Balance type of the currency the marketplace uses.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// Marketplace parameters for this runtime.
	pub type ParamsOf<T> = MarketParams<BalanceOf<T>, BlockNumberFor<T>>;
	/// A job as stored.
	pub type JobOf<T> = Job<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxUriLen,
		<T as Config>::MaxCommittee,
	>;
	/// A job's state as stored.
	pub type StatusOf<T> = JobStatus<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxUriLen,
		<T as Config>::MaxCommittee,
	>;
	/// A signed result payload.
	pub type PayloadOf<T> =
		ResultPayload<<T as frame_system::Config>::AccountId, <T as Config>::MaxUriLen>;
	/// A URI as stored.
	pub type UriOf<T> = BoundedVec<u8, <T as Config>::MaxUriLen>;

	/// Version 1: stake at risk per job and per node, timer load per block, execution-window
	/// floor, retention, no-verdict disputes (see [`crate::migrations`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the marketplace.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency escrow, stake and bonds are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, which include this pallet's.
		type RuntimeHoldReason: From<HoldReason>;
		/// Account receiving protocol fees, forfeited bonds and the fee share of slashes.
		type FeeAccount: Get<Self::AccountId>;
		/// Longest spec or result URI, in bytes.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;
		/// Largest committee.
		#[pallet::constant]
		type MaxCommittee: Get<u32>;
		/// Largest `max_concurrent` a node may declare.
		#[pallet::constant]
		type MaxConcurrentJobs: Get<u32>;
		/// Most deadlines handled in one block.
		#[pallet::constant]
		type MaxTimersPerBlock: Get<u32>;
		/// Longest per-job deadline a requester may choose, in blocks.
		#[pallet::constant]
		type MaxDeadline: Get<BlockNumberFor<Self>>;
		/// Pool priority of unsigned result submissions.
		#[pallet::constant]
		type UnsignedPriority: Get<TransactionPriority>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Reasons this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A job's budget, on the requester's account.
		JobEscrow,
		/// A compute node's stake.
		NodeStake,
		/// A challenger's bond.
		ChallengeBond,
	}

	/// Marketplace parameters.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ParamsOf<T>, OptionQuery>;

	/// Accounts whose votes decide disputes.
	#[pallet::storage]
	pub type Committee<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxCommittee>, ValueQuery>;

	/// Registered compute nodes.
	#[pallet::storage]
	pub type Nodes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, NodeInfo<BalanceOf<T>>, OptionQuery>;

	/// Jobs not yet removed: every live job, and finished ones for `retention` blocks.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>, OptionQuery>;

	/// Identifier the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Deadlines by block: `(block, job)` present when the job's current state ends at `block`.
	#[pallet::storage]
	pub type Timers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, JobId, (), OptionQuery>;

	/// Number of deadlines set in a block, at most `MaxTimersPerBlock`.
	#[pallet::storage]
	pub type TimerLoad<T: Config> = StorageMap<_, Twox64Concat, BlockNumberFor<T>, u32, ValueQuery>;

	/// Earliest block whose deadlines may not all have been handled yet.
	#[pallet::storage]
	pub type TimerCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Events of the marketplace.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A compute node registered and its stake was held.
		NodeRegistered { node: T::AccountId, stake: BalanceOf<T>, capabilities: Capabilities },
		/// A node changed its declared capabilities or concurrency.
		NodeUpdated { node: T::AccountId, capabilities: Capabilities, max_concurrent: u32 },
		/// A node added to its stake.
		StakeAdded { node: T::AccountId, amount: BalanceOf<T>, total: BalanceOf<T> },
		/// A node went online or offline.
		NodeStatusChanged { node: T::AccountId, online: bool },
		/// A node left; its stake was released.
		NodeDeregistered { node: T::AccountId, stake_released: BalanceOf<T> },
		/// A job was submitted and its budget held in escrow.
		JobSubmitted {
			job_id: JobId,
			requester: T::AccountId,
			budget: BalanceOf<T>,
			spec_hash: sp_core::H256,
			requirements: Requirements,
			expires_at: BlockNumberFor<T>,
		},
		/// The requester withdrew an open job; the budget was released in full.
		JobCancelled { job_id: JobId, refunded: BalanceOf<T> },
		/// A node accepted a job and must post its result by `deadline`.
		JobAccepted { job_id: JobId, node: T::AccountId, attempt: u32, deadline: BlockNumberFor<T> },
		/// A node posted a result hash; the challenge window runs until `challenge_until`.
		ResultSubmitted {
			job_id: JobId,
			node: T::AccountId,
			attempt: u32,
			output_hash: sp_core::H256,
			challenge_until: BlockNumberFor<T>,
		},
		/// A result was challenged; the committee votes until `voting_until`.
		JobChallenged {
			job_id: JobId,
			challenger: T::AccountId,
			bond: BalanceOf<T>,
			voting_until: BlockNumberFor<T>,
		},
		/// A committee member voted on a disputed result.
		VoteCast { job_id: JobId, member: T::AccountId, result_valid: bool },
		/// A dispute was decided.
		DisputeResolved {
			job_id: JobId,
			outcome: DisputeOutcome,
			votes_valid: u32,
			votes_invalid: u32,
		},
		/// A node lost part of its stake.
		NodeSlashed { node: T::AccountId, job_id: JobId, amount: BalanceOf<T>, reason: SlashReason },
		/// A challenger won: its bond came back with `reward` from the fee account.
		ChallengerRewarded { job_id: JobId, challenger: T::AccountId, reward: BalanceOf<T> },
		/// A challenger lost its bond to the fee account.
		BondForfeited { job_id: JobId, challenger: T::AccountId, bond: BalanceOf<T> },
		/// Escrow released: `node_payout` to the node, `protocol_fee` to the fee account.
		JobCompleted {
			job_id: JobId,
			node: T::AccountId,
			node_payout: BalanceOf<T>,
			protocol_fee: BalanceOf<T>,
		},
		/// Escrow returned in full to the requester after acceptance.
		JobRefunded {
			job_id: JobId,
			requester: T::AccountId,
			amount: BalanceOf<T>,
			reason: RefundReason,
		},
		/// No node accepted the job in time; the budget was released in full.
		JobExpired { job_id: JobId, refunded: BalanceOf<T> },
		/// An accepted job got no result in time; `reopened` tells whether it is open again.
		JobTimedOut { job_id: JobId, node: T::AccountId, attempt: u32, reopened: bool },
		/// A finished job's record was removed after the retention period.
		JobPurged { job_id: JobId },
		/// Root changed the marketplace parameters.
		ParamsUpdated,
		/// Root replaced the committee.
		CommitteeUpdated { members: u32 },
	}

	/// Errors of the marketplace calls.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered node.
		AlreadyRegistered,
		/// The account is not a registered node.
		NotRegistered,
		/// The stake is below the minimum node stake.
		StakeTooLow,
		/// Capabilities must declare CPU cores and memory, and a GPU needs a count, model and VRAM.
		BadCapabilities,
		/// `max_concurrent` must be between 1 and `MaxConcurrentJobs`.
		BadConcurrency,
		/// A node with jobs assigned, in their challenge window or disputed cannot deregister.
		NodeHasJobs,
		/// The budget is zero.
		ZeroBudget,
		/// The URI is empty or too long.
		BadUri,
		/// A deadline is zero or longer than `MaxDeadline`.
		BadDeadline,
		/// The free balance does not cover the amount to hold.
		InsufficientBalance,
		/// No job has this id.
		UnknownJob,
		/// Only the requester may do this.
		NotRequester,
		/// The job is not open.
		NotOpen,
		/// The node is offline.
		NodeOffline,
		/// The node already runs as many jobs as it declared.
		NodeAtCapacity,
		/// The node's capabilities do not cover the job's requirements.
		RequirementsNotMet,
		/// The job is not waiting for a result from this node.
		NotAssigned,
		/// The result payload or its signature is invalid.
		InvalidResult,
		/// The job has no result in its challenge window.
		NotChallengeable,
		/// The challenge window is over.
		ChallengeWindowClosed,
		/// A node cannot challenge its own result.
		SelfChallenge,
		/// Only committee members vote.
		NotCommitteeMember,
		/// The job is not disputed.
		NotDisputed,
		/// The voting period is over.
		VotingClosed,
		/// This member already voted on this dispute.
		AlreadyVoted,
		/// The marketplace parameters are not set (genesis is missing them).
		ParamsMissing,
		/// The committee is larger than `MaxCommittee`.
		CommitteeTooLarge,
		/// Too many deadlines already fall in the block this job would expire in (or, for the
		/// default expiry, in every block up to 64 after it): choose another `accept_within`, or
		/// submit in a later block.
		TooManyTimers,
		/// The chosen execution window is below `min_execute_within`: a node could not answer in
		/// time.
		ExecutionWindowTooShort,
		/// The deadline of this state has passed (an accept after expiry, a result after the
		/// execution deadline).
		DeadlinePassed,
		/// The node's stake does not cover one more job at risk: add stake or wait for a job to
		/// settle.
		StakeExhausted,
		/// The voter is the node, the challenger or the requester of this dispute.
		PartyToDispute,
		/// An account appears more than once in the committee.
		DuplicateMember,
		/// Parameters: a window, period, timeout or retention is zero, or `max_attempts` is zero.
		ZeroPeriod,
		/// Parameters: a default timeout is longer than `MaxDeadline`.
		TimeoutAboveMaxDeadline,
		/// Parameters: `min_execute_within` is below 2 or above `execution_timeout`.
		BadExecutionFloor,
		/// Parameters: a percentage is above 100.
		PercentAbove100,
		/// Parameters: `min_node_stake`, `challenge_bond` or the stake a job puts at risk is zero.
		ZeroStakeOrBond,
		/// Parameters: the challenger's bounty is not below the stake a job puts at risk, so a
		/// node challenging itself would profit.
		BountyNotBelowSlash,
		/// Parameters: the quorum is zero with members, or above the number of members.
		QuorumUnreachable,
	}

	/// Genesis: parameters and committee; every topology chooses its own.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Marketplace parameters; without them no call succeeds until root sets them.
		pub params: Option<ParamsOf<T>>,
		/// Committee members.
		pub committee: Vec<T::AccountId>,
		/// Compute nodes registered from the first block, each checked like `register_node`.
		pub nodes: Vec<GenesisNode<T::AccountId, BalanceOf<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// Without parameters the marketplace stays closed: every call fails with
			// `ParamsMissing` until root sets them. Real genesis presets always set them.
			let Some(params) = self.params.clone() else { return };
			let committee: BoundedVec<_, T::MaxCommittee> =
				self.committee.clone().try_into().expect("compute genesis committee too large");
			if let Err(e) = Pallet::<T>::check_committee(&committee)
				.and_then(|()| Pallet::<T>::check_params(&params, committee.len() as u32))
			{
				// The variant name; its doc says the rule (e.g. `PercentAbove100`).
				panic!("compute genesis refused: {}", <&str>::from(e));
			}
			Params::<T>::put(params);
			Committee::<T>::put(committee);
			Pallet::<T>::ensure_fee_account_exists();
			for (i, n) in self.nodes.iter().enumerate() {
				let (who, caps) = (n.account.clone(), n.capabilities.clone());
				if let Err(e) =
					Pallet::<T>::do_register(who, caps, n.result_key, n.stake, n.max_concurrent)
				{
					// The error's name (`StakeTooLow`, `AlreadyRegistered`); its doc says the rule.
					panic!("compute genesis refused node {i}: {}", <&str>::from(e));
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_timers(now)
		}

		#[cfg(feature = "std")]
		fn integrity_test() {
			assert!(T::MaxTimersPerBlock::get() > 0, "MaxTimersPerBlock must be positive");
			assert!(T::MaxCommittee::get() > 0, "MaxCommittee must be positive");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the caller as a compute node, holding `stake` (at least the minimum node
		/// stake). `result_key` is the sr25519 public key that will sign its results.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_node())]
		pub fn register_node(
			origin: OriginFor<T>,
			capabilities: Capabilities,
			result_key: [u8; 32],
			stake: BalanceOf<T>,
			max_concurrent: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, capabilities, result_key, stake, max_concurrent)
		}

		/// Change the caller's declared capabilities and concurrency. Jobs already assigned are
		/// unaffected.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_node())]
		pub fn update_node(
			origin: OriginFor<T>,
			capabilities: Capabilities,
			max_concurrent: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, capabilities, max_concurrent)
		}

		/// Hold `amount` more as the caller's node stake.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::add_stake())]
		pub fn add_stake(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_add_stake(who, amount)
		}

		/// Go online (accepting jobs) or offline (keeping current jobs, taking no new ones).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_online())]
		pub fn set_online(origin: OriginFor<T>, online: bool) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_online(who, online)
		}

		/// Leave the marketplace and release the stake. Only with no unsettled jobs.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::deregister_node())]
		pub fn deregister_node(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister(who)
		}

		/// Submit a job: the spec's Blake2-256 and URI, what a node needs, and the budget, which
		/// is held in escrow at once. Deadlines default to the genesis parameters; a chosen
		/// execution window may not be below `min_execute_within`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_job(MAX_TIMER_SHIFT))]
		pub fn submit_job(
			origin: OriginFor<T>,
			spec_hash: sp_core::H256,
			spec_uri: UriOf<T>,
			requirements: Requirements,
			budget: BalanceOf<T>,
			deadlines: JobDeadlines<BlockNumberFor<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let probes = Self::do_submit(who, spec_hash, spec_uri, requirements, budget, deadlines)
				.map_err(|e| Self::refused(e, T::WeightInfo::submit_job))?;
			Ok(Some(T::WeightInfo::submit_job(probes)).into())
		}

		/// Withdraw an open job; the budget is released in full.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_job(MAX_TIMER_SHIFT))]
		pub fn cancel_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let probes = Self::do_cancel(who, job_id)
				.map_err(|e| Self::refused(e, T::WeightInfo::cancel_job))?;
			Ok(Some(T::WeightInfo::cancel_job(probes)).into())
		}

		/// Take an open job before it expires. The caller must be an online registered node with
		/// spare capacity, stake enough to cover one more job at risk, and capabilities that
		/// cover the job's requirements. Free when it succeeds.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::accept_job(MAX_TIMER_SHIFT))]
		pub fn accept_job(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let probes = Self::do_accept(who, job_id)
				.map_err(|e| Self::refused(e, T::WeightInfo::accept_job))?;
			Ok(PostDispatchInfo {
				actual_weight: Some(T::WeightInfo::accept_job(probes)),
				pays_fee: Pays::No,
			})
		}

		/// Post a result: UNSIGNED, authenticated in transaction validation by the assigned
		/// node's result-key signature over the SCALE-encoded payload; refused from the
		/// execution deadline's block on.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::submit_result(MAX_TIMER_SHIFT))]
		pub fn submit_result(
			origin: OriginFor<T>,
			payload: PayloadOf<T>,
			signature: [u8; 64],
		) -> DispatchResultWithPostInfo {
			ensure_none(origin)?;
			let late = ResultRejection::DeadlinePassed as u8;
			Self::check_result(&payload, &signature).map_err(|e| {
				let error = match e {
					TransactionValidityError::Invalid(InvalidTransaction::Custom(c))
						if c == late =>
					{
						Error::<T>::DeadlinePassed
					}
					_ => Error::<T>::InvalidResult,
				};
				Self::refused(error.into(), T::WeightInfo::submit_result)
			})?;
			let probes = Self::do_submit_result(payload)
				.map_err(|e| Self::refused(e, T::WeightInfo::submit_result))?;
			Ok(Some(T::WeightInfo::submit_result(probes)).into())
		}

		/// Challenge a result during its challenge window, holding the challenge bond.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::challenge(MAX_TIMER_SHIFT))]
		pub fn challenge(origin: OriginFor<T>, job_id: JobId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let probes = Self::do_challenge(who, job_id)
				.map_err(|e| Self::refused(e, T::WeightInfo::challenge))?;
			Ok(Some(T::WeightInfo::challenge(probes)).into())
		}

		/// A committee member's vote on a disputed result it is not party to. Free when it
		/// succeeds.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::vote())]
		pub fn vote(
			origin: OriginFor<T>,
			job_id: JobId,
			result_valid: bool,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_vote(who, job_id, result_valid)?;
			Ok(Pays::No.into())
		}

		/// Root: replace the marketplace parameters. Applies to deadlines set from now on.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			ensure_root(origin)?;
			let members = Committee::<T>::decode_len().unwrap_or(0) as u32;
			Self::check_params(&params, members)?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsUpdated);
			Ok(())
		}

		/// Root: replace the committee, of distinct members. In disputes in progress only the
		/// votes of current members count.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_committee())]
		pub fn set_committee(origin: OriginFor<T>, members: Vec<T::AccountId>) -> DispatchResult {
			ensure_root(origin)?;
			let members: BoundedVec<_, T::MaxCommittee> =
				members.try_into().map_err(|_| Error::<T>::CommitteeTooLarge)?;
			Self::check_committee(&members)?;
			Self::check_params(&Self::params()?, members.len() as u32)?;
			let count = members.len() as u32;
			Committee::<T>::put(members);
			Self::deposit_event(Event::CommitteeUpdated { members: count });
			Ok(())
		}
	}

	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			match call {
				Call::submit_result { payload, signature } => {
					Self::validate_result(payload, signature)
				}
				_ => InvalidTransaction::Call.into(),
			}
		}
	}
}

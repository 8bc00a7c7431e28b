//! The data the marketplace keeps on chain: capabilities, jobs, their states, parameters.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::{
	pallet_prelude::ConstU32, traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound,
	PartialEqNoBound,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::H256;
use sp_runtime::Percent;

/// Identifier of a job; assigned in submission order, never reused.
pub type JobId = u64;

/// Longest GPU model name, in bytes.
pub type MaxGpuModelLen = ConstU32<32>;

/// A GPU model or class name such as `A100`, ASCII.
pub type GpuModel = BoundedVec<u8, MaxGpuModelLen>;

/// Domain tag inside every signed result payload, so a result-key signature can never be
/// mistaken for a signature over anything else.
pub const RESULT_DOMAIN: [u8; 16] = *b"cr-compute:res/1";

/// GPUs a node declares.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Gpu {
	/// Number of GPUs, at least one.
	pub count: u32,
	/// Model or class name.
	pub model: GpuModel,
	/// Memory per GPU in MiB.
	pub vram_mb: u32,
}

/// What a compute node declares it can run.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Capabilities {
	/// CPU cores.
	pub cpu_cores: u32,
	/// Memory in MiB.
	pub memory_mb: u32,
	/// GPUs, if any.
	pub gpu: Option<Gpu>,
}

/// A compute node registered in genesis, exactly as `register_node` would register it: a
/// testnet that starts with its fleet registered is ready one block sooner.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisNode<AccountId, Balance> {
	/// The node's account, which must be funded in genesis to hold its stake.
	pub account: AccountId,
	/// What it declares it can run.
	pub capabilities: Capabilities,
	/// The sr25519 public key that signs its results.
	pub result_key: [u8; 32],
	/// Stake held from its balance, at least the minimum node stake.
	pub stake: Balance,
	/// Jobs it runs at once.
	pub max_concurrent: u32,
}

/// What a job needs from the node that runs it. Zero means "no requirement".
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Default,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Requirements {
	/// Minimum CPU cores.
	pub cpu_cores: u32,
	/// Minimum memory in MiB.
	pub memory_mb: u32,
	/// Minimum number of GPUs.
	pub gpu_count: u32,
	/// Minimum memory per GPU in MiB.
	pub gpu_vram_mb: u32,
	/// Exact GPU model, when the job needs one.
	pub gpu_model: Option<GpuModel>,
}

impl Capabilities {
	/// Whether a node with these capabilities may take a job with `req`.
	pub fn satisfies(&self, req: &Requirements) -> bool {
		if self.cpu_cores < req.cpu_cores || self.memory_mb < req.memory_mb {
			return false;
		}
		let needs_gpu = req.gpu_count > 0 || req.gpu_vram_mb > 0 || req.gpu_model.is_some();
		if !needs_gpu {
			return true;
		}
		match &self.gpu {
			None => false,
			Some(gpu) => {
				gpu.count >= req.gpu_count.max(1)
					&& gpu.vram_mb >= req.gpu_vram_mb
					&& req.gpu_model.as_ref().is_none_or(|m| *m == gpu.model)
			}
		}
	}

	/// Declared capabilities must describe a real machine.
	pub fn is_well_formed(&self) -> bool {
		self.cpu_cores > 0
			&& self.memory_mb > 0
			&& self.gpu.as_ref().is_none_or(|g| g.count > 0 && g.vram_mb > 0 && !g.model.is_empty())
	}
}

/// A registered compute node.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct NodeInfo<Balance> {
	/// What it declared it can run.
	pub capabilities: Capabilities,
	/// sr25519 public key that signs its unsigned result submissions.
	pub result_key: [u8; 32],
	/// Stake held for [`crate::HoldReason::NodeStake`].
	pub stake: Balance,
	/// Offline nodes keep their jobs but may not accept new ones.
	pub online: bool,
	/// Most jobs it runs at once.
	pub max_concurrent: u32,
	/// Jobs assigned to it and not yet answered with a result.
	pub active_jobs: u32,
	/// Jobs assigned, in their challenge window or disputed: its stake must stay while any is.
	pub unsettled_jobs: u32,
	/// Stake its unsettled jobs put at risk (the sum of their `stake_at_risk`); an accept that
	/// would take it above `stake` is refused, so every possible slash is covered.
	pub exposure: Balance,
}

/// A result as posted on chain.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxUri))]
pub struct JobResult<MaxUri: Get<u32>> {
	/// Blake2-256 of the output bytes.
	pub output_hash: H256,
	/// Where the output can be downloaded.
	pub uri: BoundedVec<u8, MaxUri>,
}

/// Why escrow went back to the requester after the job had been accepted.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum RefundReason {
	/// The committee found the posted result wrong.
	ResultRejected,
	/// Every attempt timed out.
	AttemptsExhausted,
	/// The dispute ended without a verdict (no quorum, or a tie): the work is unverified, so the
	/// requester does not pay for it.
	Undecided,
}

/// How a dispute ended.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DisputeOutcome {
	/// The majority found the result wrong: node slashed, requester refunded.
	NodeWrong,
	/// The majority upheld the result: the challenger's bond is forfeited, node paid.
	ChallengerWrong,
	/// Fewer votes than the quorum. No verdict: the requester is refunded, the node is neither
	/// paid nor slashed, the challenger's bond goes to the fee account.
	NoQuorum,
	/// As many votes for the result as against it, quorum reached: handled as [`Self::NoQuorum`].
	Tie,
}

/// Why a node was slashed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum SlashReason {
	/// Its result lost a dispute.
	WrongResult,
	/// It accepted a job and posted no result before the deadline.
	ExecutionTimeout,
}

/// Where a job is in its lifecycle. The last four are terminal.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxUri, MaxVotes))]
pub enum JobStatus<AccountId, Balance, BlockNumber, MaxUri, MaxVotes>
where
	AccountId: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxUri: Get<u32>,
	MaxVotes: Get<u32>,
{
	/// Waiting for a node; expires at the given block.
	Open { expires_at: BlockNumber },
	/// Taken by `node`, which must post a result by `deadline`.
	Assigned { node: AccountId, deadline: BlockNumber },
	/// Result posted; may be challenged until `challenge_until` (inclusive).
	Submitted { node: AccountId, result: JobResult<MaxUri>, challenge_until: BlockNumber },
	/// Challenged; the committee votes until `voting_until` (inclusive).
	Disputed {
		node: AccountId,
		result: JobResult<MaxUri>,
		challenger: AccountId,
		bond: Balance,
		votes: BoundedVec<(AccountId, bool), MaxVotes>,
		voting_until: BlockNumber,
	},
	/// Paid out: `node_payout` to the node, `protocol_fee` to the fee account.
	Completed {
		node: AccountId,
		result: JobResult<MaxUri>,
		node_payout: Balance,
		protocol_fee: Balance,
	},
	/// Budget returned to the requester after acceptance.
	Refunded { reason: RefundReason },
	/// Withdrawn by the requester while open.
	Cancelled,
	/// No node accepted it in time.
	Expired,
}

impl<A, B, N, U, V> JobStatus<A, B, N, U, V>
where
	A: Clone + PartialEq + Eq + Debug,
	B: Clone + PartialEq + Eq + Debug,
	N: Clone + PartialEq + Eq + Debug,
	U: Get<u32>,
	V: Get<u32>,
{
	/// Terminal states hold nothing in escrow and never change again.
	pub fn is_terminal(&self) -> bool {
		matches!(
			self,
			Self::Completed { .. } | Self::Refunded { .. } | Self::Cancelled | Self::Expired
		)
	}
}

/// A job and its escrowed budget.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxUri, MaxVotes))]
pub struct Job<AccountId, Balance, BlockNumber, MaxUri, MaxVotes>
where
	AccountId: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxUri: Get<u32>,
	MaxVotes: Get<u32>,
{
	/// Who submitted it and holds the escrow.
	pub requester: AccountId,
	/// Blake2-256 of the task spec.
	pub spec_hash: H256,
	/// Where the task spec can be downloaded.
	pub spec_uri: BoundedVec<u8, MaxUri>,
	/// What a node must declare to take it.
	pub requirements: Requirements,
	/// Escrowed amount, held on the requester's account until settlement.
	pub budget: Balance,
	/// Blocks a node has to post its result after accepting.
	pub execute_within: BlockNumber,
	/// Blocks the job stays open for acceptance (again after a timed-out attempt).
	pub accept_within: BlockNumber,
	/// Block of submission.
	pub submitted_at: BlockNumber,
	/// Number of times it was accepted; a result must name the current attempt.
	pub attempt: u32,
	/// Stake of the assigned node that a timeout or a lost dispute forfeits, fixed when the node
	/// accepted (`slash * min_node_stake`); zero while no node holds the job.
	pub stake_at_risk: Balance,
	/// Lifecycle state.
	pub status: JobStatus<AccountId, Balance, BlockNumber, MaxUri, MaxVotes>,
}

/// Optional per-job deadlines; `None` takes the genesis default.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Default,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct JobDeadlines<BlockNumber> {
	/// Blocks the job stays open.
	pub accept_within: Option<BlockNumber>,
	/// Blocks a node has to post its result after accepting.
	pub execute_within: Option<BlockNumber>,
}

/// Every marketplace parameter, set at genesis and changeable by root.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarketParams<Balance, BlockNumber> {
	/// Blocks after a result during which anyone may challenge it.
	pub challenge_window: BlockNumber,
	/// Blocks the committee has to vote on a challenged result.
	pub voting_period: BlockNumber,
	/// Default blocks a job stays open for acceptance.
	pub accept_timeout: BlockNumber,
	/// Default blocks a node has to post a result after accepting.
	pub execution_timeout: BlockNumber,
	/// Shortest execution window a requester may choose. A node accepting in block `n` must have
	/// its result included before block `n + execute_within`, so a window of 1 leaves no block
	/// at all; the floor keeps requesters from setting honest nodes up to be slashed.
	pub min_execute_within: BlockNumber,
	/// Blocks a finished job stays in storage before it is removed (its events remain).
	pub retention: BlockNumber,
	/// Accept attempts before a repeatedly timed-out job is refunded.
	pub max_attempts: u32,
	/// Bond a challenger must hold.
	pub challenge_bond: Balance,
	/// Stake a node must hold to register and to accept jobs.
	pub min_node_stake: Balance,
	/// Share of each budget paid to the protocol fee account (rounded down).
	pub protocol_fee: Percent,
	/// Share of `min_node_stake` each unsettled job puts at risk and that a timeout or a lost
	/// dispute forfeits to the fee account (rounded down). A node takes on only as many jobs as
	/// its stake covers.
	pub slash: Percent,
	/// Share of the challenge bond the fee account pays a winning challenger on top of the bond
	/// (rounded down). Paid by the protocol, never out of the node's slash, so a node that
	/// challenges itself from a second account loses its whole slash all the same.
	pub challenger_reward: Percent,
	/// Committee votes needed for a dispute to be decided by vote.
	pub quorum: u32,
}

/// Why a result extrinsic was refused in the pool (`InvalidTransaction::Custom` codes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum ResultRejection {
	/// The job does not exist.
	UnknownJob = 1,
	/// The job is not waiting for a result (never accepted, already answered: a replay).
	NotAssigned = 2,
	/// The payload names a node other than the one the job is assigned to.
	WrongNode = 3,
	/// The payload names an earlier or later attempt than the current one.
	StaleAttempt = 4,
	/// The payload is for another chain or another kind of message.
	WrongDomain = 5,
	/// The result URI is empty.
	EmptyUri = 6,
	/// The assigned node is no longer registered.
	UnknownNode = 7,
	/// The execution deadline has passed: the result can no longer be included in time.
	DeadlinePassed = 8,
}

/// What a node signs with its result key and posts unsigned.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxUri))]
pub struct ResultPayload<AccountId, MaxUri>
where
	AccountId: Clone + PartialEq + Eq + Debug,
	MaxUri: Get<u32>,
{
	/// Always [`RESULT_DOMAIN`].
	pub domain: [u8; 16],
	/// Hash of the chain's genesis block, so a signature is worthless on any other chain.
	pub genesis_hash: H256,
	/// The job answered.
	pub job_id: JobId,
	/// The attempt answered, as recorded when the node accepted.
	pub attempt: u32,
	/// The node the job is assigned to.
	pub node: AccountId,
	/// Blake2-256 of the output bytes.
	pub output_hash: H256,
	/// Where the output can be downloaded.
	pub result_uri: BoundedVec<u8, MaxUri>,
}

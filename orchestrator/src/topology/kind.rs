//! The kinds of problem a topology can have, each with its message and its fix.
//!
//! User-written strings are printed with `{:?}` so control characters in a hostile file
//! cannot reach the terminal raw.

use crate::diagnostics::{InvalidName, YamlProblem};

/// What is wrong; the `Display` text is the message, [`ProblemKind::fix`] the remedy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not YAML, or not this format's shape.
    #[error(transparent)]
    Yaml(#[from] YamlProblem),
    /// A name that breaks the naming rule.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// A group name so long that `<group>-<index>` exceeds the 31 characters of a name.
    #[error("node names such as {longest:?} would exceed 31 characters")]
    NodeNameTooLong {
        /// The longest generated node name.
        longest: String,
    },
    /// `validators` has both `count` and `names`.
    #[error("both `count` and `names` are given")]
    ValidatorsCountAndNames,
    /// `validators` has neither `count` nor `names`.
    #[error("neither `count` nor `names` is given")]
    ValidatorsUnspecified,
    /// Zero validators.
    #[error("a testnet needs at least one validator")]
    NoValidators,
    /// More of something than a testnet supports.
    #[error("{value} {what} is more than the {max} a testnet supports")]
    TooMany {
        /// What is counted.
        what: &'static str,
        /// The count asked for.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// Two things share a name.
    #[error("the name {name:?} is already used by {first}")]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The earlier owner, e.g. `validators.names[0]`.
        first: String,
    },
    /// `chain.runtime` names a file that is not a runtime of this chain.
    #[error("{0}")]
    Runtime(crate::runtime::RuntimeFileError),
    /// A market parameter the starting runtime does not have.
    #[error("the chain starts on spec {spec}, which has no {field}")]
    NotInRuntime {
        /// The field as written.
        field: &'static str,
        /// The starting runtime's spec version.
        spec: u32,
    },
    /// Block time outside 1000..=6000 ms.
    #[error("{value} ms is outside 1000..=6000 ms")]
    BlockTimeOutOfRange {
        /// The value as written.
        value: u32,
    },
    /// Odd block time: the timestamp pallet's minimum period is half of it.
    #[error("{value} ms is odd")]
    BlockTimeOdd {
        /// The value as written.
        value: u32,
    },
    /// A percentage above 100.
    #[error("{value}% is more than 100%")]
    PercentAbove100 {
        /// The value as written.
        value: u32,
    },
    /// A count, size or limit of zero where at least one is needed.
    #[error("{what} cannot be 0")]
    ZeroValue {
        /// What the value means, e.g. `a group's node count`.
        what: &'static str,
    },
    /// A window, period or timeout of 0 blocks.
    #[error("a period of 0 blocks leaves no time to act")]
    ZeroBlocks,
    /// `max_attempts: 0`.
    #[error("a job needs at least one attempt")]
    ZeroMaxAttempts,
    /// A default timeout beyond the runtime's `MaxDeadline`.
    #[error("{value} blocks is beyond the runtime's longest deadline ({max} blocks)")]
    TimeoutAboveMax {
        /// The value as written.
        value: u32,
        /// The runtime's limit.
        max: u32,
    },
    /// An execution-window floor that leaves no block to answer in, or is above the default.
    #[error("a floor of {value} blocks is outside 2..={timeout} (execution_timeout_blocks)")]
    ExecutionFloor {
        /// The value as written.
        value: u32,
        /// `execution_timeout_blocks`.
        timeout: u32,
    },
    /// The challenger's bounty is not below the stake a job puts at risk.
    #[error(
        "a winning challenger's bounty ({bounty} tokens) is not below the stake a job puts at \
         risk ({at_risk} tokens): a node challenging itself would profit"
    )]
    BountyNotBelowSlash {
        /// `challenger_reward_percent` of `challenge_bond`, whole tokens (rounded down).
        bounty: u64,
        /// `slash_percent` of `min_node_stake`, whole tokens (rounded down).
        at_risk: u64,
    },
    /// GPU model empty, too long or not printable ASCII.
    #[error("GPU model {model:?} is not 1 to 32 printable ASCII characters")]
    InvalidGpuModel {
        /// The model as written.
        model: String,
    },
    /// A node's stake below `chain.market.min_node_stake`.
    #[error("{stake} tokens is below chain.market.min_node_stake ({min})")]
    StakeBelowMinimum {
        /// The stake.
        stake: u64,
        /// The minimum.
        min: u64,
    },
    /// A node's stake that would consume its whole endowment, leaving nothing for fees.
    #[error("{stake} tokens of stake leaves nothing of the {endowment}-token endowment for fees")]
    StakeExceedsEndowment {
        /// The stake.
        stake: u64,
        /// The endowment.
        endowment: u64,
    },
    /// `registration: genesis` on verifiers, which never register as compute nodes.
    #[error("verifiers are not registered as compute nodes, in genesis or later")]
    GenesisVerifier,
    /// `registration: genesis` with a starting runtime whose genesis takes no compute nodes.
    #[error("the chain starts on spec {spec}, whose genesis cannot register compute nodes")]
    GenesisNodesNotInRuntime {
        /// The starting runtime's spec version.
        spec: u32,
    },
    /// An empty requester list.
    #[error("at least one requester is needed to submit jobs")]
    NoRequesters,
    /// `quorum: 0` with a non-empty committee.
    #[error("quorum 0 would settle disputes with no votes, yet the committee has {members} member(s)")]
    QuorumZero {
        /// Committee size.
        members: u32,
    },
    /// More votes needed than the committee has members.
    #[error("quorum {quorum} is more than the {members} committee member(s)")]
    QuorumAboveCommittee {
        /// The quorum.
        quorum: u32,
        /// Committee size.
        members: u32,
    },
    /// Enough members on paper, but offline ones never vote.
    #[error("quorum {quorum} cannot be reached: {offline} of the {members} committee member(s) are offline")]
    QuorumUnreachable {
        /// The quorum.
        quorum: u32,
        /// Committee size.
        members: u32,
        /// Members whose behaviour is `offline`.
        offline: u32,
    },
    /// `crash-after-accept` daemons packed with others: the crash exits the whole process.
    #[error(
        "a crash-after-accept daemon would share its container with {others} other daemon(s), \
         and its crash exits the whole container, taking them down too"
    )]
    CrashSharesContainer {
        /// How many other daemons the fullest container of the group would hold.
        others: u32,
    },
    /// A published port (or the last of a range) outside 1..=65535.
    #[error("port range {first}..={last} is outside 1..=65535")]
    PortOutOfRange {
        /// First port of the range.
        first: u64,
        /// Last port of the range.
        last: u64,
    },
    /// Two published port ranges share a port.
    #[error("ports {first}..={last} overlap {other} ({other_first}..={other_last})")]
    PortOverlap {
        /// This range.
        first: u64,
        /// This range's end.
        last: u64,
        /// The field it collides with.
        other: &'static str,
        /// Start of the other range.
        other_first: u64,
        /// End of the other range.
        other_last: u64,
    },
    /// A quorum written out for a fleet with no committee member.
    #[error("quorum {quorum} can never be reached: no compute node is on the committee")]
    QuorumWithoutCommittee {
        /// The quorum.
        quorum: u32,
    },
    /// `engine.kind` is neither `local` nor `swarm`.
    #[error("engine {written:?} is not one this tool drives")]
    UnknownEngine {
        /// The kind as written.
        written: String,
    },
    /// `engine.manager` with a local engine.
    #[error("a manager endpoint only means something for a swarm")]
    ManagerWithoutSwarm,
    /// `engine.manager` that is not an engine endpoint.
    #[error("{written:?} is not an engine endpoint")]
    BadManager {
        /// The endpoint as written.
        written: String,
    },
    /// A `placement` that is none of the three spellings.
    #[error("{written:?} is not a placement")]
    BadPlacement {
        /// The placement as written.
        written: String,
    },
    /// A pinned placement on the local engine, which has one host.
    #[error("placing on a host needs an engine of several hosts, and this topology runs on the local one")]
    PlacementNeedsSwarm,
    /// `engine.network_capacity` that leaves no room for a compute container.
    #[error("a network of {written} containers has no room for compute beside the {shared} validators and store on every network")]
    NetworkTooSmall {
        /// The capacity as written.
        written: usize,
        /// Validators plus the store.
        shared: usize,
    },
}

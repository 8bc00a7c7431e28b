//! The kinds of problem a scenario can have, each with its message; the fixes and codes are
//! in `fix`. User-written strings are printed with `{:?}` so control characters in a hostile
//! file cannot reach the terminal raw.

use cr_protocol::workload::SpecError;

use super::outcome::{Dispute, Outcome, RefundReason};
use crate::topology::Problem as TopologyProblem;

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
    /// Copies of a job would get names longer than 31 characters.
    #[error("its copies would be named up to {longest:?}, longer than 31 characters")]
    JobNameTooLong {
        /// The longest copy name.
        longest: String,
    },
    /// Two jobs (or generated copies) share a name.
    #[error("the job name {name:?} is already used by {first}")]
    DuplicateJob {
        /// The shared name.
        name: String,
        /// The earlier owner, e.g. `jobs[0] (copy a-1)`.
        first: String,
    },
    /// The topology file could not be read.
    #[error("cannot read the topology file {path}: {reason}")]
    TopologyUnreadable {
        /// The path resolved against the scenario's directory.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A problem in the topology the scenario names.
    #[error("the topology is invalid: {}", problem.what())]
    TopologyInvalid {
        /// The topology's own problem.
        problem: Box<TopologyProblem>,
    },
    /// A period of 0 blocks.
    #[error("a period of 0 blocks leaves no time to act")]
    ZeroBlocks,
    /// A number outside its range.
    #[error("{value} is outside {min}..={max}")]
    OutOfRange {
        /// The value as written.
        value: u64,
        /// Least allowed.
        min: u64,
        /// Most allowed.
        max: u64,
    },
    /// Something scheduled at or after the end of the scenario.
    #[error("{event} at block {block}, but the scenario ends at block {timeout} (timeout_blocks)")]
    BeyondTimeout {
        /// What happens, e.g. `copy a-3 is submitted`.
        event: String,
        /// When.
        block: u64,
        /// `timeout_blocks`.
        timeout: u32,
        /// The least `timeout_blocks` that fits it.
        min_timeout: u64,
    },
    /// More finality asked for than the scenario has blocks.
    #[error("finality cannot advance {value} blocks in a scenario of {timeout} blocks")]
    FinalityBeyondTimeout {
        /// Blocks asked for.
        value: u32,
        /// `timeout_blocks`.
        timeout: u32,
    },
    /// A workload that does not exist.
    #[error("{}", SpecError::UnknownWorkload { found: found.clone() })]
    UnknownWorkload {
        /// The name as written.
        found: String,
    },
    /// A size outside the workload's limits.
    #[error("{error}")]
    BadSize {
        /// The spec check's verdict.
        error: SpecError,
    },
    /// A budget of 0.
    #[error("a budget of 0 tokens pays nobody")]
    ZeroBudget,
    /// `count: 0`.
    #[error("count 0 submits nothing")]
    ZeroCount,
    /// Another count of zero where one is needed.
    #[error("{what} cannot be 0")]
    ZeroValue {
        /// What the value means.
        what: &'static str,
    },
    /// More job copies than a scenario supports.
    #[error("{value} job copies in all are more than the {max} a scenario supports")]
    TooManyJobs {
        /// Copies counted so far.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// A GPU model that could not go on chain.
    #[error("GPU model {model:?} is not 1 to 32 printable ASCII characters")]
    InvalidGpuModel {
        /// The model as written.
        model: String,
    },
    /// An error name the marketplace pallet does not have.
    #[error("the marketplace has no error {name:?}")]
    UnknownChainError {
        /// As written.
        name: String,
        /// Every error the pallet has.
        known: Vec<String>,
    },
    /// `error:` on an expectation whose outcome is not `refused`.
    #[error("`error` names the refusal of a submission, but the expected outcome is {outcome}")]
    ErrorWithoutRefusal {
        /// The expected outcome.
        outcome: Outcome,
    },
    /// A flood whose jobs would expire before they could be submitted.
    #[error("the flood is submitted at block {at}, so its jobs cannot expire at block {expire}")]
    FloodExpiresTooSoon {
        /// `at_block`.
        at: u32,
        /// `expire_at_block`.
        expire: u32,
    },
    /// A flood's requester also submits a scenario job, so refusals could not be told apart.
    #[error("requester {requester} also submits job {job}: the flood's refusals could not be told from the job's")]
    FloodRequesterShared {
        /// The requester.
        requester: String,
        /// A job it submits.
        job: String,
    },
    /// A requester the topology does not fund.
    #[error("{name:?} is not a requester of the topology")]
    UnknownRequester {
        /// As written.
        name: String,
        /// The topology's requesters.
        known: Vec<String>,
    },
    /// One requester's jobs escrow more than it owns.
    #[error(
        "the jobs of requester {requester} escrow {total} tokens in all, not less than its \
         {endowment}-token endowment, which must also pay fees"
    )]
    BudgetExceedsEndowment {
        /// The requester.
        requester: String,
        /// Sum of its jobs' budgets so far.
        total: u64,
        /// `chain.endowment` of the topology.
        endowment: u64,
    },
    /// The topology has no online worker at all.
    #[error("no node of the topology takes jobs: it has no worker that is not offline")]
    NoOnlineWorker,
    /// No online worker meets the job's requirements.
    #[error("{}", super::fix::unmatched(unmet))]
    Unmatched {
        /// Requirements no online worker meets, with what the best of them has.
        unmet: Vec<String>,
        /// The worker group missing the fewest requirements.
        closest: String,
        /// What that group lacks.
        closest_lacks: Vec<String>,
    },
    /// `expect_unmatched: true`, yet a worker can take the job.
    #[error("expect_unmatched is set, but the nodes of group {group} can take the job")]
    ExpectUnmatchedButMatched {
        /// A group that matches.
        group: String,
    },
    /// A fault with both triggers.
    #[error("both `at_block` and `after` are given")]
    FaultTriggerBoth,
    /// A fault with no trigger.
    #[error("neither `at_block` nor `after` is given")]
    FaultTriggerMissing,
    /// A fault on a node the topology does not have.
    #[error("{name:?} is not a node of the topology")]
    UnknownNode {
        /// As written.
        name: String,
        /// A node of the group, when `name` is a compute group.
        in_group: Option<String>,
        /// A few node names, for the fix.
        examples: Vec<String>,
    },
    /// A container fault without `node`.
    #[error("a {action} fault needs the node it hits")]
    FaultNodeMissing {
        /// The action as written.
        action: &'static str,
    },
    /// `node` on an upgrade, which hits the chain's runtime.
    #[error("an upgrade changes the chain's runtime, not one node")]
    UpgradeWithNode,
    /// `runtime` on a container fault.
    #[error("`runtime` belongs to upgrade faults, not to a {action} fault")]
    RuntimeWithoutUpgrade {
        /// The action as written.
        action: &'static str,
    },
    /// An upgrade without `runtime`.
    #[error("an upgrade needs the runtime it installs")]
    UpgradeRuntimeMissing,
    /// The upgrade's runtime file is not a runtime of this chain.
    #[error("{0}")]
    UpgradeRuntime(crate::runtime::RuntimeFileError),
    /// An upgrade to a spec version the chain already has or has passed.
    #[error("the testnet starts on spec {from}; a runtime of spec {to} does not increase it, so the chain would refuse it (System::SpecVersionNeedsToIncrease)")]
    SpecNotIncreasing {
        /// The starting runtime's spec version.
        from: u32,
        /// The upgrade's.
        to: u32,
    },
    /// A fault the topology's engine cannot inject.
    #[error("`{action}` needs {capability}, which the {engine} engine of the scenario's topology does not have")]
    EngineLacks {
        /// The action as written.
        action: &'static str,
        /// The topology's engine.
        engine: &'static str,
        /// The missing capability.
        capability: &'static str,
    },
    /// A second `upgrade` in one scenario.
    #[error("a scenario has at most one upgrade")]
    SecondUpgrade,
    /// `should_fail` with no text.
    #[error("should_fail is empty, so any failure would count")]
    ShouldFailEmpty,
    /// A fault on the store of a topology that runs none.
    #[error("the topology runs no artifact store (store.enabled: false)")]
    StoreDisabled,
    /// A reference to a job the scenario does not have.
    #[error("no job is named {name:?}")]
    UnknownJob {
        /// As written.
        name: String,
        /// The job names.
        known: Vec<String>,
    },
    /// A compute group the topology does not have.
    #[error("{name:?} is not a compute group of the topology")]
    UnknownGroup {
        /// As written.
        name: String,
        /// The groups.
        known: Vec<String>,
    },
    /// Two expectations for one job.
    #[error("job {job:?} already has an expectation at {first}")]
    DuplicateExpectation {
        /// The job.
        job: String,
        /// The earlier entry's path.
        first: String,
    },
    /// A refund reason for a job not expected to be refunded.
    #[error("a refund reason is given, but the expected outcome is {outcome}")]
    ReasonWithoutRefund {
        /// The outcome expected.
        outcome: Outcome,
    },
    /// A dispute result that ends jobs in another outcome.
    #[error("a {dispute} dispute ends with the job {needed}, not {outcome}")]
    DisputeOutcome {
        /// The dispute.
        dispute: Dispute,
        /// Expected.
        outcome: Outcome,
        /// What it leads to.
        needed: Outcome,
    },
    /// `node_group` for an outcome that involves no node.
    #[error("a job that ends {outcome} pays no node and slashes none")]
    NodeGroupWithoutNode {
        /// The outcome expected.
        outcome: Outcome,
    },
    /// A refund reason that contradicts the dispute.
    #[error("refund reason {reason} cannot go with dispute {dispute}")]
    ReasonContradictsDispute {
        /// The reason.
        reason: RefundReason,
        /// The dispute.
        dispute: Dispute,
    },
    /// A number of timeouts the topology's attempts cannot produce.
    #[error("{timeouts} timed-out attempt(s) cannot happen: {why}")]
    TimeoutsImpossible {
        /// Expected timeouts.
        timeouts: u32,
        /// Why not.
        why: String,
    },
    /// A job no node takes, expected to end in a state that needs a node.
    #[error("no node takes this job (expect_unmatched), so it cannot end {outcome}")]
    UnmatchedJobOutcome {
        /// The outcome expected.
        outcome: Outcome,
    },
    /// A `node_group` whose nodes cannot take the job.
    #[error("the nodes of group {group} cannot take this job: {why}")]
    NodeGroupCannotTake {
        /// The group.
        group: String,
        /// Why not.
        why: String,
    },
    /// A dispute nobody in the topology would raise.
    #[error("{}", super::fix::no_challenger(*dispute))]
    NoChallenger {
        /// The dispute expected.
        dispute: Dispute,
    },
    /// A verdict with nobody to vote.
    #[error("a {dispute} verdict needs committee votes, and the topology has no committee")]
    NoCommittee {
        /// The dispute expected.
        dispute: Dispute,
    },
}

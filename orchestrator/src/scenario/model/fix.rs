//! The sentence that tells the user what to change, and a stable code per problem kind.

use cr_protocol::workload::SpecError;

use super::kind::ProblemKind;
use super::outcome::{Dispute, RefundReason};
use crate::diagnostics::{Format, Kind};
use crate::topology::MAX_NAME_LEN;

/// Names shown in a fix; a load topology has thousands of nodes.
const MAX_LISTED: usize = 8;

fn listed(names: &[String]) -> String {
    let mut out = names.iter().take(MAX_LISTED).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > MAX_LISTED {
        out.push_str(", ...");
    }
    out
}

impl Kind for ProblemKind {
    /// The scenario format, as fixes name it.
    const FORMAT: Format = Format {
        subject: "scenario",
        least: "`name:`, `topology:` and `jobs:`",
        example: "workloads/scenarios/happy-path.yaml",
        shorter: "use `count` for many copies of a job",
        schema_command: None,
    };

    fn fix(&self, path: &str) -> String {
        let field = if path.is_empty() { "the value" } else { path };
        match self {
            Self::Yaml(problem) => problem.fix(path, &Self::FORMAT),
            Self::InvalidName(name) => name.fix(),
            Self::JobNameTooLong { longest } => {
                let suffix = longest.rfind('-').map_or(0, |dash| longest.len() - dash);
                let max = MAX_NAME_LEN.saturating_sub(suffix);
                format!("shorten the job name to at most {max} characters")
            }
            Self::DuplicateJob { .. } => "rename one of them: job names, and the \
                 `<name>-<index>` names of their copies when count > 1, must all be distinct"
                .to_owned(),
            Self::TopologyUnreadable { .. } => {
                "check `topology`: it is a path relative to the scenario file's directory".to_owned()
            }
            Self::TopologyInvalid { problem } => {
                format!("{}, in the topology file", problem.fix())
            }
            Self::ZeroBlocks => format!("set {field} to at least 1 block"),
            Self::OutOfRange { min, max, .. } => {
                format!("set {field} to a value from {min} to {max}")
            }
            Self::BeyondTimeout { min_timeout, .. } => {
                format!("raise timeout_blocks to at least {min_timeout}, or lower {field}")
            }
            Self::FinalityBeyondTimeout { value, .. } => {
                format!("lower {field}, or raise timeout_blocks to at least {value}")
            }
            Self::UnknownWorkload { .. } => format!("set {field} to one of them"),
            Self::BadSize { error } => match error {
                SpecError::ZeroSize { workload } => {
                    format!("set {field} to a value from 1 to {}", workload.max_size())
                }
                SpecError::SizeTooLarge { max, .. } => {
                    format!("set {field} to a value from 1 to {max}")
                }
                _ => format!("change {field}"),
            },
            Self::ZeroBudget => format!("set {field} to 1 or more whole tokens"),
            Self::ZeroCount => format!("set {field} to 1 or more, or remove the job"),
            Self::ZeroValue { .. } => format!("set {field} to 1 or more"),
            Self::TooManyJobs { max, .. } => {
                format!("lower {field}: a scenario submits at most {max} jobs")
            }
            Self::InvalidGpuModel { .. } => {
                "name the model in 1 to 32 printable ASCII characters, e.g. A100".to_owned()
            }
            Self::UnknownRequester { known, .. } => {
                format!("use one of the topology's chain.requesters ({}), or add it there", listed(known))
            }
            Self::BudgetExceedsEndowment { total, .. } => format!(
                "lower the budgets or counts of its jobs, or raise chain.endowment in the \
                 topology above {total}"
            ),
            Self::NoOnlineWorker => "add a worker group to the topology, or set \
                 expect_unmatched: true if no node is meant to take the job"
                .to_owned(),
            Self::Unmatched { closest, closest_lacks, .. } => format!(
                "group {closest} comes closest ({}): change the requirement to fit it, add a \
                 group that meets it to the topology, or set expect_unmatched: true if no \
                 node is meant to take the job",
                closest_lacks.join(", ")
            ),
            Self::ExpectUnmatchedButMatched { .. } => "remove expect_unmatched, or change the \
                 requirements so that no online worker meets them"
                .to_owned(),
            Self::FaultTriggerBoth => "keep only one: `at_block: N` or `after: {job: ..., stage: ...}`".to_owned(),
            Self::FaultTriggerMissing => "add `at_block: N` or `after: {job: <job>, stage: accepted}`".to_owned(),
            Self::UnknownNode { name, in_group: Some(node), .. } => {
                format!("{name} is a compute group: name one of its nodes, e.g. {node}")
            }
            Self::UnknownNode { examples, .. } => {
                format!("use a validator or compute node of the topology ({}) or `store`", listed(examples))
            }
            Self::FaultNodeMissing { .. } => "add `node: <a validator, compute node or store>`".to_owned(),
            Self::UpgradeWithNode => "remove `node`: an upgrade reaches every node through the chain".to_owned(),
            Self::RuntimeWithoutUpgrade { .. } => "remove `runtime`, or make the action `upgrade`".to_owned(),
            Self::UpgradeRuntimeMissing => "add `runtime: current` (the working tree's runtime) or \
                                            `runtime: <path to a runtime wasm, relative to this file>`"
                .to_owned(),
            Self::UpgradeRuntime(_) => "point `runtime` at a runtime wasm of this chain, relative to this file \
                                       (kept runtimes are in chain/runtimes/), or write `runtime: current`"
                .to_owned(),
            Self::SpecNotIncreasing { from, .. } => format!(
                "upgrade to a runtime above spec {from}, or start the testnet on an earlier one (`chain.runtime` in the topology)"
            ),
            Self::EngineLacks { .. } => {
                use crate::provider::EngineChoice;
                format!(
                    "drop the fault, or run the scenario on an engine that has it (`engine:` in the topology): \
                     the local engine has {}; a swarm of lab hosts has {}",
                    EngineChoice::Local.capabilities(),
                    EngineChoice::Swarm { manager: None }.capabilities()
                )
            }
            Self::SecondUpgrade => "split the upgrades into scenarios of their own, each starting on the \
                                    runtime the one before left (`chain.runtime` in the topology)"
                .to_owned(),
            Self::ShouldFailEmpty => "name what the run must fail on, e.g. `should_fail: exposure`, or remove it".to_owned(),
            Self::StoreDisabled => "name another node, or set store.enabled: true in the topology".to_owned(),
            Self::UnknownJob { known, .. } if known.is_empty() => "add the job under `jobs`".to_owned(),
            Self::UnknownJob { known, .. } => {
                format!("use a job name as written under `jobs` ({})", listed(known))
            }
            Self::UnknownGroup { known, .. } => format!("use one of the topology's compute groups ({})", listed(known)),
            Self::DuplicateExpectation { .. } => "merge the two entries into one".to_owned(),
            Self::UnknownChainError { known, .. } => format!("use one of the pallet's errors ({})", listed(known)),
            Self::ErrorWithoutRefusal { .. } => format!("remove {field}, or expect outcome: refused"),
            Self::FloodExpiresTooSoon { at, .. } => format!("set {field} to {} or later", at + 2),
            Self::FloodRequesterShared { .. } => {
                "give the flood a requester of its own (add one to chain.requesters in the topology)".to_owned()
            }
            Self::ReasonWithoutRefund { .. } => {
                format!("remove {field}, or expect outcome: refunded")
            }
            Self::DisputeOutcome { needed, .. } => {
                format!("expect outcome: {needed} with this dispute, or change {field}")
            }
            Self::NodeGroupWithoutNode { .. } => format!("remove {field}"),
            Self::ReasonContradictsDispute { reason, .. } => match reason {
                RefundReason::ResultRejected => "a result is rejected only by a node-wrong \
                     dispute: expect dispute: node-wrong, or reason: attempts-exhausted"
                    .to_owned(),
                RefundReason::AttemptsExhausted => "timed-out attempts involve no dispute: \
                     expect dispute: none, or reason: result-rejected"
                    .to_owned(),
                RefundReason::Undecided => "an undecided refund follows a dispute without verdict: \
                     expect dispute: no-quorum or tie"
                    .to_owned(),
            },
            Self::TimeoutsImpossible { .. } => {
                format!("change {field}, or chain.market.max_attempts in the topology")
            }
            Self::UnmatchedJobOutcome { .. } => "expect outcome: expired or cancelled, or \
                 remove expect_unmatched from the job"
                .to_owned(),
            Self::NodeGroupCannotTake { .. } => "name a worker group whose nodes meet the \
                 job's requirements, or change the requirements"
                .to_owned(),
            Self::NoChallenger { dispute: Dispute::ChallengerWrong } => {
                "add a verifier group with behaviour: wrong-result to the topology (such a \
                 verifier challenges honest results)"
                    .to_owned()
            }
            Self::NoChallenger { .. } => "add a verifier group to the topology, or expect dispute: none".to_owned(),
            Self::NoCommittee { .. } => "put a verifier on the committee in the topology \
                 (committee: true), or expect dispute: no-quorum"
                .to_owned(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Yaml(problem) => problem.code(),
            Self::InvalidName(_) => "invalid-name",
            Self::JobNameTooLong { .. } => "job-name-too-long",
            Self::DuplicateJob { .. } => "duplicate-job",
            Self::TopologyUnreadable { .. } => "topology-unreadable",
            Self::TopologyInvalid { .. } => "topology-invalid",
            Self::ZeroBlocks => "zero-blocks",
            Self::OutOfRange { .. } => "out-of-range",
            Self::BeyondTimeout { .. } => "beyond-timeout",
            Self::FinalityBeyondTimeout { .. } => "finality-beyond-timeout",
            Self::UnknownWorkload { .. } => "unknown-workload",
            Self::BadSize { .. } => "bad-size",
            Self::ZeroBudget => "zero-budget",
            Self::ZeroCount => "zero-count",
            Self::ZeroValue { .. } => "zero-value",
            Self::TooManyJobs { .. } => "too-many-jobs",
            Self::InvalidGpuModel { .. } => "invalid-gpu-model",
            Self::UnknownRequester { .. } => "unknown-requester",
            Self::BudgetExceedsEndowment { .. } => "budget-exceeds-endowment",
            Self::NoOnlineWorker => "no-online-worker",
            Self::Unmatched { .. } => "unmatched",
            Self::ExpectUnmatchedButMatched { .. } => "expect-unmatched-but-matched",
            Self::FaultTriggerBoth => "fault-trigger-both",
            Self::FaultTriggerMissing => "fault-trigger-missing",
            Self::UnknownNode { .. } => "unknown-node",
            Self::FaultNodeMissing { .. } => "fault-node-missing",
            Self::UpgradeWithNode => "upgrade-with-node",
            Self::RuntimeWithoutUpgrade { .. } => "runtime-without-upgrade",
            Self::UpgradeRuntimeMissing => "upgrade-runtime-missing",
            Self::UpgradeRuntime(_) => "upgrade-runtime-file",
            Self::SpecNotIncreasing { .. } => "spec-not-increasing",
            Self::EngineLacks { .. } => "engine-lacks",
            Self::SecondUpgrade => "second-upgrade",
            Self::ShouldFailEmpty => "should-fail-empty",
            Self::StoreDisabled => "store-disabled",
            Self::UnknownJob { .. } => "unknown-job",
            Self::UnknownGroup { .. } => "unknown-group",
            Self::DuplicateExpectation { .. } => "duplicate-expectation",
            Self::UnknownChainError { .. } => "unknown-chain-error",
            Self::ErrorWithoutRefusal { .. } => "error-without-refusal",
            Self::FloodExpiresTooSoon { .. } => "flood-expires-too-soon",
            Self::FloodRequesterShared { .. } => "flood-requester-shared",
            Self::ReasonWithoutRefund { .. } => "reason-without-refund",
            Self::DisputeOutcome { .. } => "dispute-outcome",
            Self::NodeGroupWithoutNode { .. } => "node-group-without-node",
            Self::ReasonContradictsDispute { .. } => "reason-contradicts-dispute",
            Self::TimeoutsImpossible { .. } => "timeouts-impossible",
            Self::UnmatchedJobOutcome { .. } => "unmatched-job-outcome",
            Self::NodeGroupCannotTake { .. } => "node-group-cannot-take",
            Self::NoChallenger { .. } => "no-challenger",
            Self::NoCommittee { .. } => "no-committee",
        }
    }
}

/// The message of [`ProblemKind::Unmatched`].
pub(super) fn unmatched(unmet: &[String]) -> String {
    if unmet.is_empty() {
        "no online worker of the topology meets all of the job's requirements at once".to_owned()
    } else {
        format!("no online worker of the topology has {}", unmet.join(", nor "))
    }
}

/// The message of [`ProblemKind::NoChallenger`].
pub(super) fn no_challenger(dispute: Dispute) -> &'static str {
    if dispute == Dispute::ChallengerWrong {
        "nobody would challenge an honest result: the topology has no online verifier with \
         behaviour wrong-result"
    } else {
        "nobody would challenge: the topology has no online verifier"
    }
}

//! The sentence that tells the user what to change, and a stable code per problem kind.

use super::kind::ProblemKind;
use super::model::MAX_NAME_LEN;
use crate::diagnostics::{Format, Kind};

impl Kind for ProblemKind {
    /// The topology format, as fixes name it.
    const FORMAT: Format = Format {
        subject: "topology",
        least: "`name:` and `validators:`",
        example: "topologies/local.yaml",
        shorter: "describe fleets with `count` instead of listing them",
        schema_command: Some("testnet schema"),
    };

    fn fix(&self, path: &str) -> String {
        let field = if path.is_empty() { "the value" } else { path };
        match self {
            Self::Yaml(problem) => problem.fix(path, &Self::FORMAT),
            Self::InvalidName(name) => name.fix(),
            Self::NodeNameTooLong { longest } => {
                let suffix = longest.rfind('-').map_or(0, |dash| longest.len() - dash);
                format!("shorten the group name to at most {} characters", MAX_NAME_LEN.saturating_sub(suffix))
            }
            Self::ValidatorsCountAndNames => {
                "keep only one: `count: N` for generated names or `names: [...]`".to_owned()
            }
            Self::ValidatorsUnspecified => "add `count: 3` or `names: [alice, bob, charlie]`".to_owned(),
            Self::NoValidators => "give at least one validator".to_owned(),
            Self::TooMany { max, .. } => format!("lower {field} to at most {max}"),
            Self::DuplicateName { .. } => "rename one of them: validators, compute nodes \
                 (`<group>-<index>`), compute groups, requesters and the reserved `store` \
                 all need distinct names"
                .to_owned(),
            Self::Runtime(_) => "point `chain.runtime` at a runtime wasm of this chain, relative to this file \
                 (kept runtimes are in chain/runtimes/), or remove it to start on the node's own runtime"
                .to_owned(),
            Self::NotInRuntime { field, .. } => format!(
                "remove {field}: the upgrade's migration sets it (execution floor 5 blocks, capped by \
                 the execution timeout; retention 21600 blocks)"
            ),
            Self::BlockTimeOutOfRange { .. } => {
                "set block_time_ms to an even value from 1000 to 6000, e.g. 2000".to_owned()
            }
            Self::BlockTimeOdd { value } => {
                format!("use an even value such as {}", if *value >= 6000 { 6000 } else { value + 1 })
            }
            Self::PercentAbove100 { .. } => format!("set {field} to a value from 0 to 100"),
            Self::ZeroValue { .. } => format!("set {field} to 1 or more"),
            Self::ZeroBlocks => format!("set {field} to at least 1 block"),
            Self::ZeroMaxAttempts => format!("set {field} to 1 or more"),
            Self::TimeoutAboveMax { max, .. } => format!("set {field} to at most {max}"),
            Self::ExecutionFloor { timeout, .. } => {
                format!("set {field} from 2 to {timeout}, or raise execution_timeout_blocks")
            }
            Self::BountyNotBelowSlash { .. } => {
                "lower challenger_reward_percent or challenge_bond, or raise slash_percent or \
                 min_node_stake"
                    .to_owned()
            }
            Self::InvalidGpuModel { .. } => {
                "name the model in 1 to 32 printable ASCII characters, e.g. A100".to_owned()
            }
            Self::StakeBelowMinimum { min, .. } => {
                format!("raise stake to at least {min} or lower min_node_stake")
            }
            Self::StakeExceedsEndowment { stake, endowment } => {
                format!("lower stake below {endowment} or raise chain.endowment above {stake}")
            }
            Self::GenesisVerifier => "remove `registration` from this group, or make it `role: worker`".to_owned(),
            Self::GenesisNodesNotInRuntime { .. } => {
                "remove `registration: genesis`: on this runtime each daemon registers itself when it starts".to_owned()
            }
            Self::NoRequesters => "list at least one requester, e.g. `[requester]`".to_owned(),
            Self::QuorumZero { members } => format!("set quorum from 1 to {members}"),
            Self::QuorumAboveCommittee { members, .. } => format!(
                "lower quorum to at most {members}, or put more nodes on the committee \
                 (role: verifier, or committee: true)"
            ),
            Self::QuorumUnreachable { members, offline, .. } => format!(
                "lower quorum to at most {}, or give the offline committee members \
                 another behaviour",
                members.saturating_sub(*offline)
            ),
            Self::CrashSharesContainer { .. } => {
                format!("set {field} to 1 so each crash-after-accept daemon runs alone in its container")
            }
            Self::PortOutOfRange { .. } => {
                format!("choose {field} so that every port it covers is within 1..=65535")
            }
            Self::PortOverlap { other, .. } => {
                format!("move {field} or {other} so their port ranges do not overlap")
            }
            Self::QuorumWithoutCommittee { .. } => "remove quorum (it is 0 without a committee), or put nodes on \
                 the committee (role: verifier, or committee: true)"
                .to_owned(),
            Self::UnknownEngine { .. } => "set engine.kind to `local` or `swarm`".to_owned(),
            Self::ManagerWithoutSwarm => "remove engine.manager, or set engine.kind: swarm".to_owned(),
            Self::BadManager { .. } => "give the manager's engine endpoint, e.g. `unix:///run/docker.sock` or \
                 `tcp://10.0.0.1:2375`, or omit it to use $CR_SWARM_MANAGER"
                .to_owned(),
            Self::BadPlacement { .. } => format!(
                "set {field} to `spread`, `node:<host name>` (as `docker node ls` shows it) or \
                 `label:<key>=<value>` (a node label)"
            ),
            Self::PlacementNeedsSwarm => format!("remove {field}, or add `engine: {{kind: swarm}}`"),
            Self::NetworkTooSmall { shared, .. } => {
                format!("set {field} to more than {shared}, or remove it to use what the engine holds")
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Yaml(problem) => problem.code(),
            Self::InvalidName(_) => "invalid-name",
            Self::NodeNameTooLong { .. } => "node-name-too-long",
            Self::ValidatorsCountAndNames => "validators-count-and-names",
            Self::ValidatorsUnspecified => "validators-unspecified",
            Self::NoValidators => "no-validators",
            Self::TooMany { .. } => "too-many",
            Self::DuplicateName { .. } => "duplicate-name",
            Self::Runtime(_) => "runtime-file",
            Self::NotInRuntime { .. } => "not-in-runtime",
            Self::BlockTimeOutOfRange { .. } => "block-time-out-of-range",
            Self::BlockTimeOdd { .. } => "block-time-odd",
            Self::PercentAbove100 { .. } => "percent-above-100",
            Self::ZeroValue { .. } => "zero-value",
            Self::ZeroBlocks => "zero-blocks",
            Self::ZeroMaxAttempts => "zero-max-attempts",
            Self::TimeoutAboveMax { .. } => "timeout-above-max",
            Self::ExecutionFloor { .. } => "execution-floor",
            Self::BountyNotBelowSlash { .. } => "bounty-not-below-slash",
            Self::InvalidGpuModel { .. } => "invalid-gpu-model",
            Self::StakeBelowMinimum { .. } => "stake-below-minimum",
            Self::StakeExceedsEndowment { .. } => "stake-exceeds-endowment",
            Self::GenesisVerifier => "genesis-verifier",
            Self::GenesisNodesNotInRuntime { .. } => "genesis-nodes-not-in-runtime",
            Self::NoRequesters => "no-requesters",
            Self::QuorumZero { .. } => "quorum-zero",
            Self::QuorumAboveCommittee { .. } => "quorum-above-committee",
            Self::QuorumUnreachable { .. } => "quorum-unreachable",
            Self::CrashSharesContainer { .. } => "crash-shares-container",
            Self::PortOutOfRange { .. } => "port-out-of-range",
            Self::PortOverlap { .. } => "port-overlap",
            Self::QuorumWithoutCommittee { .. } => "quorum-without-committee",
            Self::UnknownEngine { .. } => "unknown-engine",
            Self::ManagerWithoutSwarm => "manager-without-swarm",
            Self::BadManager { .. } => "bad-manager",
            Self::BadPlacement { .. } => "bad-placement",
            Self::PlacementNeedsSwarm => "placement-needs-swarm",
            Self::NetworkTooSmall { .. } => "network-too-small",
        }
    }
}

//! The contract between the orchestrator and the `cr-compute` daemon: what a fleet file says.
//!
//! The orchestrator's plan writes a [`FleetFile`] into every compute container and the daemon
//! reads it back with the same types, so a field added on one side and not the other fails to
//! compile instead of failing inside a container. Topology files spell behaviours and roles
//! the same way (`wrong-result`, `verifier`), through the same enums.

use crate::keys::Seed;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// How a daemon behaves; everything but `honest` is a fault injected to test the marketplace's
/// defences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Executes and reports truthfully, on time.
    Honest,
    /// A worker posts the hash of a corrupted output. A verifier lies the other way round: it
    /// challenges honest results (and leaves wrong ones alone), which is how tests make a
    /// challenger lose a dispute.
    WrongResult,
    /// Executes, then waits for the deadline to pass before posting: always timed out.
    Late,
    /// Exits right after its acceptance is in a block, once per job; restarted, it resumes.
    CrashAfterAccept,
    /// Registers, then never takes part.
    Offline,
    /// Attack: posts wrong results and, on the committee, votes its own (and its allies')
    /// disputed results valid. The chain must refuse its votes on its own disputes.
    SelfVoter,
    /// Attack: posts wrong results and challenges each from a funded second account of its
    /// own, to squat the dispute and win back part of its slash.
    SelfChallenger,
}

impl Behaviour {
    /// Every behaviour, in the order the docs list them.
    pub const ALL: [Self; 7] = [
        Self::Honest,
        Self::WrongResult,
        Self::Late,
        Self::CrashAfterAccept,
        Self::Offline,
        Self::SelfVoter,
        Self::SelfChallenger,
    ];

    /// Misbehaving workers race for jobs; honest ones then yield a block (see
    /// [`DaemonConfig::accept_delay_blocks`]) so a scenario's faulty node deterministically
    /// gets the job it is there to fail.
    pub fn is_faulty(self) -> bool {
        !matches!(self, Self::Honest | Self::Offline)
    }

    /// Whether a worker with this behaviour posts the hash of a corrupted output.
    pub fn posts_wrong_results(self) -> bool {
        matches!(self, Self::WrongResult | Self::SelfVoter | Self::SelfChallenger)
    }

    /// The spelling in topology files, fleet files and on the daemon's command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Honest => "honest",
            Self::WrongResult => "wrong-result",
            Self::Late => "late",
            Self::CrashAfterAccept => "crash-after-accept",
            Self::Offline => "offline",
            Self::SelfVoter => "self-voter",
            Self::SelfChallenger => "self-challenger",
        }
    }
}

/// What a daemon does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Takes jobs and executes them.
    Worker,
    /// Re-executes posted results, challenges mismatches and votes on the committee.
    Verifier,
}

impl Role {
    /// Both roles.
    pub const ALL: [Self; 2] = [Self::Worker, Self::Verifier];

    /// The spelling in topology files, fleet files and on the daemon's command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Verifier => "verifier",
        }
    }
}

/// A spelling that names no behaviour or role; says which ones exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a {what}; use one of: {choices}")]
pub struct UnknownName {
    given: String,
    what: &'static str,
    choices: String,
}

fn parse_named<T: Copy>(s: &str, all: &[T], name: fn(T) -> &'static str, what: &'static str) -> Result<T, UnknownName> {
    all.iter().copied().find(|v| name(*v) == s).ok_or_else(|| UnknownName {
        given: s.to_owned(),
        what,
        choices: all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", "),
    })
}

impl FromStr for Behaviour {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        parse_named(s, &Self::ALL, Self::as_str, "behaviour")
    }
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        parse_named(s, &Self::ALL, Self::as_str, "role")
    }
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// GPUs a daemon declares when it registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuDecl {
    pub count: u32,
    pub model: String,
    pub vram_mb: u32,
}

/// One logical daemon (a container may run many, see `cr-compute fleet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// Node name, for logs and metrics labels.
    pub name: String,
    /// Seed of the sr25519 account that signs transactions and holds the stake.
    pub account_seed: Seed,
    /// Seed of the sr25519 key that signs result payloads.
    pub result_seed: Seed,
    /// Declared CPU cores.
    pub cpu_cores: u32,
    /// Declared memory in MiB.
    pub memory_mb: u32,
    /// Declared GPUs.
    #[serde(default)]
    pub gpu: Option<GpuDecl>,
    pub behaviour: Behaviour,
    pub role: Role,
    /// Stake to hold when registering, whole tokens.
    pub stake_tokens: u64,
    /// Most jobs run at once.
    pub max_concurrent: u32,
    /// Blocks an honest worker waits before its first accept attempt, so faulty test nodes
    /// deterministically win a job both could take.
    #[serde(default)]
    pub accept_delay_blocks: u32,
    /// Where the journal and cached outputs live (restart safety).
    pub state_dir: PathBuf,
    /// `self-voter`: the accounts (hex) whose disputed results it votes valid besides its own.
    #[serde(default)]
    pub allies: Vec<String>,
    /// `self-challenger`: seed of the funded second account it challenges its own results from.
    #[serde(default)]
    pub alt_account_seed: Option<Seed>,
    /// Salts the ranking of eligible nodes for each job (who tries first). Every daemon of a
    /// testnet gets the same value, from the run's `--seed`, so they still agree.
    #[serde(default)]
    pub tie_break_seed: u64,
}

/// Where a fleet finds the testnet's services, as seen from inside the testnet's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceUrls {
    /// WebSocket RPC of a validator, e.g. `ws://validator-0:9944`.
    pub rpc: String,
    /// Artifact store base URL, e.g. `http://store:7070`.
    pub store: String,
}

/// What `cr-compute fleet --config FILE` reads: the daemons one process runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetFile {
    pub endpoints: ServiceUrls,
    /// Serve Prometheus metrics for every daemon of the process on this address.
    #[serde(default)]
    pub metrics: Option<SocketAddr>,
    pub daemons: Vec<DaemonConfig>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_parses_back() {
        for b in Behaviour::ALL {
            assert_eq!(b.as_str().parse::<Behaviour>(), Ok(b));
            assert_eq!(serde_json::to_value(b).ok(), Some(serde_json::Value::from(b.as_str())));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::from(r.as_str())));
        }
    }

    #[test]
    fn an_unknown_behaviour_names_the_choices() {
        let err = "wrong".parse::<Behaviour>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("`wrong` is not a behaviour"), "{err}");
        assert!(err.contains("wrong-result, late"), "{err}");
    }

    #[test]
    fn a_fleet_file_round_trips_and_refuses_unknown_fields() {
        let file = FleetFile {
            endpoints: ServiceUrls { rpc: "ws://validator-0:9944".into(), store: "http://store:7070".into() },
            metrics: Some(SocketAddr::from(([0, 0, 0, 0], 9100))),
            daemons: vec![DaemonConfig {
                name: "gpu-0".into(),
                account_seed: Seed::from_bytes([1; 32]),
                result_seed: Seed::from_bytes([2; 32]),
                cpu_cores: 8,
                memory_mb: 16384,
                gpu: Some(GpuDecl { count: 1, model: "SIM-A100".into(), vram_mb: 40960 }),
                behaviour: Behaviour::SelfVoter,
                role: Role::Worker,
                stake_tokens: 100,
                max_concurrent: 2,
                accept_delay_blocks: 1,
                state_dir: "/data/state/gpu-0".into(),
                allies: vec!["00".repeat(32)],
                alt_account_seed: None,
                tie_break_seed: 7,
            }],
        };
        let text = serde_json::to_string(&file).unwrap_or_default();
        let back: Result<FleetFile, _> = serde_json::from_str(&text);
        assert_eq!(back.ok(), Some(file));
        let extra = text.replacen("\"cpu_cores\"", "\"cpus\":1,\"cpu_cores\"", 1);
        let err = serde_json::from_str::<FleetFile>(&extra).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown field `cpus`"), "{err}");
    }
}

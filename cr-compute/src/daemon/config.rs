//! What one logical daemon is: its keys, declared machine, behaviour and role.

use cr_protocol::keys::Seed;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How a daemon behaves; everything but `honest` exists to test the marketplace's defences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Executes and reports truthfully.
    Honest,
    /// Worker: posts the hash of a corrupted output. Verifier: challenges honest results and
    /// votes against them.
    WrongResult,
    /// Executes, then waits for the deadline to pass before posting: always timed out.
    Late,
    /// Exits the process right after its acceptance is in a block, once per job; restarted,
    /// it resumes the job.
    CrashAfterAccept,
    /// Registers, then goes offline and never takes a job.
    Offline,
    /// Attack: posts wrong results and, sitting on the committee, votes its own (and its
    /// allies') disputed results valid. The chain must refuse the votes on its own disputes.
    SelfVoter,
    /// Attack: posts wrong results and challenges each one at once from a second account of
    /// its own, to squat the dispute and win back part of its slash.
    SelfChallenger,
}

impl Behaviour {
    /// Misbehaving workers grab jobs in the first block they can; see `accept_delay_blocks`.
    pub fn is_faulty(self) -> bool {
        matches!(self, Self::WrongResult | Self::Late | Self::CrashAfterAccept | Self::SelfVoter | Self::SelfChallenger)
    }

    /// Whether a worker with this behaviour posts the hash of a corrupted output.
    pub fn posts_wrong_results(self) -> bool {
        matches!(self, Self::WrongResult | Self::SelfVoter | Self::SelfChallenger)
    }
}

/// What the daemon does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Takes jobs and executes them.
    Worker,
    /// Re-executes posted results, challenges mismatches and votes on the committee.
    Verifier,
}

/// GPUs the daemon declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuDecl {
    pub count: u32,
    pub model: String,
    pub vram_mb: u32,
}

/// One logical daemon's configuration (a container may run many, see `cr-compute fleet`).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Behaviour.
    pub behaviour: Behaviour,
    /// Role.
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
}

/// Where the testnet's services are, shared by every daemon of a process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoints {
    /// WebSocket RPC of a validator, e.g. `ws://validator-0:9944`.
    pub rpc: String,
    /// Artifact store base URL, e.g. `http://store:7070`.
    pub store: String,
}

//! Subcommands of `testnet`.

mod chaos;
mod ctrl_c;
mod dashboard;
mod lifecycle;
mod load;
mod observe;
mod replay;
mod scenario;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Dockerized multi-node testnets of the compute marketplace.
#[derive(Debug, Parser)]
#[command(name = "testnet", version)]
pub struct Cli {
    /// Machine-readable JSON on stdout instead of tables and progress.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build what is missing and start the testnet of a topology; returns once blocks are
    /// finalized and every daemon is registered.
    Up {
        /// Topology file.
        #[arg(default_value = "topologies/local.yaml")]
        topology: PathBuf,
        /// Skip `cargo build` (use the binaries as they are).
        #[arg(long)]
        no_build: bool,
        /// Seconds to wait for readiness.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Leave a testnet that failed to come up running, for inspection.
        #[arg(long)]
        keep_on_failure: bool,
        /// The run's seed (orders which eligible daemon tries a job first); drawn and printed
        /// when not given.
        #[arg(long)]
        seed: Option<u64>,
        /// Run on this engine instead of the topology's: `local`, or `swarm` (the manager in
        /// $CR_SWARM_MANAGER; `ci/swarm-lab.sh up` forms a lab swarm on this machine).
        #[arg(long, value_parser = ["local", "swarm"])]
        engine: Option<String>,
    },
    /// Remove every container, network and volume of a testnet (works after a crash too).
    Down {
        /// Testnet name; every testnet when omitted and `--all` is given.
        name: Option<String>,
        /// Remove every testnet this engine runs.
        #[arg(long)]
        all: bool,
    },
    /// Validate topology and scenario files without starting anything.
    Check {
        /// Files to check; scenarios are recognised by their `jobs:`/`expect:` sections.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of topology files (for editors).
    Schema,
    /// Build the binaries and the validator and compute images.
    Build,
    /// Show a testnet's containers (status, ports, CPU, memory) and its chain (runtime,
    /// blocks, registered daemons, jobs by state); `testnet status --help` lists the `--json` fields.
    Status(observe::StatusArgs),
    /// Print a node's container log (a validator, `store`, or a compute container or daemon).
    Logs(observe::LogsArgs),
    /// Check a job's result from the host against the hash on chain; exits 1 on a mismatch.
    Verify(observe::VerifyArgs),
    /// Serve a live web page of a running testnet on 127.0.0.1: blocks, finality, validators,
    /// the fleet, every job on its pipeline stage, and a form to submit jobs.
    Dashboard(dashboard::DashboardArgs),
    /// Load test: bring up a fleet, flood the chain to measure its ceiling, drive jobs at a
    /// rate (constant, Poisson, bursts), report latency per stage, throughput, bring-up and
    /// per-daemon cost (table, load.json, load.html); exits 1 if a job is lost or escrow stuck.
    Load(load::LoadArgs),
    /// Chaos from a seed: random jobs and fault windows on a fresh testnet, every scenario check
    /// at every block and at the end; a failing run is reduced to a scenario file that still
    /// fails; exits 1 on a failure. The same seed draws the same run.
    Chaos(chaos::ChaosArgs),
    /// Run the scenarios of a report again (`testnet test`'s report.json, or a chaos run's
    /// JSON) and compare job by job: node, outcome, dispute verdict, timeouts; prints the first
    /// divergence and exits 1 on any.
    Replay(replay::ReplayArgs),
    /// Print a completion script for a shell, e.g. `testnet completions bash >
    /// /etc/bash_completion.d/testnet`, or `source <(testnet completions bash)`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Run scenarios: a fresh testnet each, jobs and faults injected, expectations checked;
    /// writes JUnit XML and JSON, saves container logs on failure, exits non-zero on any failure.
    Test {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Where reports (and logs of failed scenarios) go.
        #[arg(long, default_value = "target/testnet-reports")]
        reports: PathBuf,
        /// Skip `cargo build` (use the binaries as they are).
        #[arg(long)]
        no_build: bool,
        /// Testnets run side by side; scenarios of one topology (one testnet name) still run
        /// one after the other.
        #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=8))]
        parallel: u16,
        /// Run each scenario N times; prints the pass rate per scenario and marks flaky checks
        /// (also in repeat.json); exits non-zero if any run failed.
        #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
        repeat: u32,
        /// Base seed: run 1 of every scenario uses it, further runs derive theirs from it;
        /// drawn and printed when not given. Every report records its run's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// Run a command; `Err` is rendered with its causes and fixes.
pub async fn run(cli: Cli) -> miette::Result<ExitCode> {
    match cli.command {
        Command::Up { topology, no_build, timeout, keep_on_failure, seed, engine } => {
            let options = lifecycle::UpArgs { build: !no_build, timeout, keep_on_failure, seed, engine };
            lifecycle::up(&topology, options, cli.json).await
        }
        Command::Down { name, all } => lifecycle::down(name, all, cli.json).await,
        Command::Check { files } => lifecycle::check(&files, cli.json),
        Command::Schema => {
            let schema = testnet::topology::json_schema();
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Build => lifecycle::build(cli.json).await,
        Command::Status(args) => observe::status(args, cli.json).await,
        Command::Logs(args) => observe::logs(args, cli.json).await,
        Command::Verify(args) => observe::verify(args, cli.json).await,
        Command::Dashboard(args) => dashboard::dashboard(args).await,
        Command::Load(args) => load::load(args, cli.json).await,
        Command::Chaos(args) => chaos::chaos(args, cli.json).await,
        Command::Replay(args) => replay::replay(args, cli.json).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "testnet", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { scenarios, reports, no_build, parallel, repeat, seed } => {
            let seed = seed.unwrap_or_else(testnet::seed::drawn);
            scenario::test(&scenarios, &reports, !no_build, cli.json, usize::from(parallel), repeat, seed).await
        }
    }
}

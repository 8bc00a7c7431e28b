//! `testnet load`: flags to options, a generated topology for `--fleet`, the run, the reports.

use super::ctrl_c::{interrupted, CtrlC};
use super::lifecycle::connect;
use miette::{IntoDiagnostic, WrapErr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use testnet::artifacts::Workspace;
use testnet::load::{self, Arrival, LoadOptions};
use testnet::network::UpOptions;
use testnet::progress::{Mode, Progress};

use testnet::topology::{Tokens, Topology};

/// Drive jobs into a fleet of compute daemons and measure the marketplace.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Topology of the fleet; ignored with --fleet.
    #[arg(default_value = "topologies/load.yaml")]
    pub topology: PathBuf,
    /// Generate a topology instead: this many CPU workers (plus one verifier) on 3 validators.
    #[arg(long, value_name = "N")]
    pub fleet: Option<u32>,
    /// With --fleet: daemons per container (the density option).
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub per_container: u32,
    /// With --fleet: requester accounts submitting jobs, each through its own connection (an
    /// account's transactions go one at a time, so this bounds the offered rate).
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub requesters: u32,
    /// With --fleet: the workers register when they start, or are registered in genesis.
    #[arg(long, value_enum, default_value_t = FleetRegistration::Start)]
    pub registration: FleetRegistration,
    /// Jobs to submit.
    #[arg(long, default_value_t = 200)]
    pub jobs: u32,
    /// Mean arrivals per second.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// constant | poisson[:SEED] | burst:SIZE
    #[arg(long, default_value = "poisson")]
    pub arrival: Arrival,
    /// Seed of the Poisson arrivals (the same as `--arrival poisson:SEED`, default 1, so load
    /// runs stay comparable) and of the daemons' tie-breaks; the report records it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Hash-chain iterations per job.
    #[arg(long, default_value_t = 20_000)]
    pub size: u64,
    /// Budget per job, whole tokens.
    #[arg(long, default_value_t = 10)]
    pub budget: u64,
    /// Remarks in the ceiling flood (0 skips it).
    #[arg(long, default_value_t = 3000)]
    pub ceiling: u32,
    /// Blocks to wait for the last jobs after the last submission.
    #[arg(long, default_value_t = 60)]
    pub grace_blocks: u32,
    /// Where load.json and load.html go.
    #[arg(long, default_value = "target/testnet-reports/load")]
    pub reports: PathBuf,
    /// Skip `cargo build` (use the binaries as they are).
    #[arg(long)]
    pub no_build: bool,
    /// Find the knee: raise the offered rate step by step on one fleet until the settled rate
    /// stops following it (under 90%) or p99 submit->settled breaks its bound.
    #[arg(long, conflicts_with_all = ["jobs", "rate"])]
    pub find_ceiling: bool,
    /// With --find-ceiling: offered jobs/s of the first step.
    #[arg(long, default_value_t = 2.0, value_name = "JOBS_PER_S", requires = "find_ceiling")]
    pub start_rate: f64,
    /// With --find-ceiling: each step offers this many times the previous one.
    #[arg(long, default_value_t = 1.5, requires = "find_ceiling")]
    pub factor: f64,
    /// With --find-ceiling: seconds of arrivals per step.
    #[arg(long, default_value_t = 30.0, value_name = "S", requires = "find_ceiling")]
    pub step_seconds: f64,
    /// With --find-ceiling: steps at most.
    #[arg(long, default_value_t = 8, requires = "find_ceiling")]
    pub max_steps: u32,
    /// With --find-ceiling: bound on a step's p99 submit->settled in seconds (default: twice
    /// the first step's).
    #[arg(long, value_name = "S", requires = "find_ceiling")]
    pub p99_bound: Option<f64>,
}

/// When the generated fleet's workers are registered (the topology's `registration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FleetRegistration {
    /// Each daemon submits `register_node` when it starts (a bring-up measures them).
    Start,
    /// Registered from block 0 (a fleet of thousands is ready with the chain).
    Genesis,
}

impl FleetRegistration {
    fn as_yaml(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Genesis => "genesis",
        }
    }
}

/// The climb of `--find-ceiling`, its numbers checked.
fn climb(args: &LoadArgs) -> miette::Result<Option<load::knee::Climb>> {
    if !args.find_ceiling {
        return Ok(None);
    }
    let positive = |v: f64| v > 0.0 && v.is_finite();
    if !positive(args.start_rate) {
        miette::bail!(
            "--start-rate {} is not a positive number of jobs per second; try --start-rate 2",
            args.start_rate
        );
    }
    if !(args.factor > 1.0 && args.factor.is_finite()) {
        miette::bail!("--factor {} would not raise the rate; use a number above 1, such as 1.5", args.factor);
    }
    if !positive(args.step_seconds) {
        miette::bail!("--step-seconds {} is not a positive duration; try --step-seconds 30", args.step_seconds);
    }
    if args.max_steps == 0 {
        miette::bail!("--max-steps 0 runs no step; try --max-steps 8");
    }
    if args.p99_bound.is_some_and(|b| !positive(b)) {
        miette::bail!("--p99-bound must be a positive number of seconds");
    }
    Ok(Some(load::knee::Climb {
        start: args.start_rate,
        factor: args.factor,
        step_seconds: args.step_seconds,
        max_steps: args.max_steps,
        p99_bound: args.p99_bound,
    }))
}

/// A lean topology for a fleet of CPU workers.
fn fleet_topology(fleet: u32, per_container: u32, n: u32, registration: FleetRegistration) -> String {
    let registration = registration.as_yaml();
    let requesters: Vec<String> = (0..n).map(|i| format!("load-{i}")).collect();
    let requesters = requesters.join(", ");
    format!(
        "# Generated by `testnet load --fleet {fleet} --per-container {per_container} --requesters {n}
#   --registration {registration}`. Each worker stakes
# 1600: 32 jobs at 50 at risk each. A job is at risk from its accept to its settlement (about
# 14 s at 2 s blocks), so 100 workers at 50 jobs/s hold about 7 each; with 8 (a stake of 400)
# the first-ranked node was often out of stake and the job waited a block for the next.
# Three validators: two authors can split into two branches that never rejoin (topologies/load.yaml).
name: load-{fleet}
validators: {{count: 3}}
chain:
  block_time_ms: 2000
  market: {{challenge_window_blocks: 5, voting_period_blocks: 5, accept_timeout_blocks: 120,
           execution_timeout_blocks: 60, max_attempts: 2, challenge_bond: 50, min_node_stake: 100,
           protocol_fee_percent: 10, slash_percent: 50, challenger_reward_percent: 50, quorum: 1}}
  requesters: [{requesters}]
  endowment: 10000000
compute:
  - {{group: worker, count: {fleet}, per_container: {per_container}, cpu_cores: 1, memory_mb: 512, stake: 1600, max_concurrent_jobs: 4,
      registration: {registration}}}
  - {{group: verifier, count: 1, role: verifier, cpu_cores: 2, memory_mb: 1024, stake: 100}}
store: {{enabled: true}}
"
    )
}

fn topology(args: &LoadArgs) -> miette::Result<(Topology, PathBuf)> {
    let path = match args.fleet {
        None => args.topology.clone(),
        Some(fleet) => {
            std::fs::create_dir_all(&args.reports).into_diagnostic()?;
            let path = args.reports.join(format!("load-{fleet}.yaml"));
            std::fs::write(&path, fleet_topology(fleet, args.per_container, args.requesters, args.registration))
                .into_diagnostic()
                .wrap_err(format!("writing {}", path.display()))?;
            path
        }
    };
    Ok((Topology::load(&path).map_err(miette::Report::new)?, path))
}

pub async fn load(args: LoadArgs, json: bool) -> miette::Result<ExitCode> {
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        miette::bail!("--rate {} is not a positive number of jobs per second; try --rate 5", args.rate);
    }
    let arrival = match (args.arrival, args.seed) {
        (Arrival::Poisson { .. }, Some(seed)) => Arrival::Poisson { seed },
        (arrival, None) => arrival,
        (arrival, Some(_)) => miette::bail!(
            help = "drop --seed, or use --arrival poisson",
            "--seed sets the seed of Poisson arrivals; --arrival {arrival} draws nothing"
        ),
    };
    if args.fleet.is_some() && args.requesters == 0 {
        miette::bail!("--requesters 0 leaves nobody to submit jobs; try --requesters 16");
    }
    let climb = climb(&args)?;
    let (topology, path) = topology(&args)?;
    let engine = connect(topology.engine()).await?;
    let workspace = Workspace::from_env();
    let mut progress = Progress::new(Mode::detect(json));
    // The arrivals' seed salts the daemons' tie-breaks too: one number for the whole run.
    let seed = match arrival {
        Arrival::Poisson { seed } => seed,
        _ => 0,
    };
    let ctrl_c = CtrlC::install(engine.provider.as_ref(), [topology.name().as_str()]).await?;
    let up = UpOptions {
        build: !args.no_build,
        ready_within: Duration::from_secs(600),
        seed,
        interrupt: ctrl_c.interrupt(),
        ..UpOptions::default()
    };
    let options = LoadOptions {
        jobs: args.jobs,
        rate: args.rate,
        arrival,
        size: args.size,
        budget: Tokens(args.budget),
        ceiling_extrinsics: args.ceiling,
        grace_blocks: args.grace_blocks,
        reports: args.reports.clone(),
        climb,
    };
    let run = load::run_one(&engine, &workspace, &topology, &path, &options, &up, &mut progress);
    let Some(result) = ctrl_c.guard(engine.provider.as_ref(), run).await? else { return Ok(interrupted()) };
    let report = result.map_err(|e| miette::miette!("{e:#}")).wrap_err(format!("testnet load {}", path.display()))?;
    let page = load::report::write(&args.reports, &report).into_diagnostic()?;
    progress.done(&format!("report: {} and load.json beside it", page.display()));
    if json {
        println!("{}", serde_json::to_string_pretty(&report).into_diagnostic()?);
    } else {
        print!("{}", load::report::table(&report));
    }
    Ok(if report.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use testnet::topology::Registration;

    #[test]
    fn generated_topologies_are_valid() {
        let shapes = [(1, 1, 1, FleetRegistration::Start), (20, 5, 4, FleetRegistration::Genesis)];
        let shapes = shapes
            .into_iter()
            .chain([(100, 10, 16, FleetRegistration::Start), (1000, 50, 32, FleetRegistration::Genesis)]);
        for (fleet, k, requesters, registration) in shapes {
            let t = Topology::parse("generated", &fleet_topology(fleet, k, requesters, registration))
                .unwrap_or_else(|e| panic!("{fleet}/{k}: {e:?}"));
            assert_eq!(t.compute_nodes().len(), fleet as usize + 1);
            assert_eq!(t.compute_containers().len(), (fleet as usize).div_ceil(k as usize) + 1);
            assert_eq!(t.requesters().len(), requesters as usize);
            let workers = t.compute_nodes().iter().filter(|n| n.group().as_str() == "worker");
            let expected = match registration {
                FleetRegistration::Start => Registration::Start,
                FleetRegistration::Genesis => Registration::Genesis,
            };
            assert!(workers.clone().all(|n| n.registration() == expected), "{fleet}/{k}: {registration:?}");
        }
    }
}

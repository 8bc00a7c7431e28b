//! `testnet chaos TOPOLOGY`.

use super::ctrl_c::{interrupted, CtrlC};
use super::lifecycle::connect;
use clap::Args;
use miette::IntoDiagnostic;
use std::path::PathBuf;
use std::process::ExitCode;
use testnet::artifacts::Workspace;
use testnet::chaos::{self, ChaosOptions, ChaosPlace, ChaosRun, Draw};
use testnet::progress::{Mode, Progress};
use testnet::topology::Topology;

#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// Topology file.
    #[arg(default_value = "topologies/ci-faults.yaml")]
    topology: PathBuf,
    /// Every random choice derives from it; drawn and printed when not given.
    #[arg(long)]
    seed: Option<u64>,
    /// Blocks over which jobs arrive and faults happen; the run then waits for every job.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(4..=2000))]
    blocks: u32,
    /// Jobs to submit.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(0..=500))]
    jobs: u32,
    /// Fault windows to open (fewer may fit).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=200))]
    faults: u32,
    /// Validators that may be down at once (default: as many as keep finality, (n - 1) / 3).
    #[arg(long)]
    validators_down: Option<u32>,
    /// On a failure, runs spent dropping fault windows and jobs to find a smaller failing draw.
    #[arg(long, default_value_t = 8)]
    reduce: u32,
    /// Where the drawn scenario, reports and logs go.
    #[arg(long, default_value = "target/testnet-reports/chaos")]
    reports: PathBuf,
    /// Skip `cargo build` (use the binaries as they are).
    #[arg(long)]
    no_build: bool,
    /// Only write the drawn scenario file (to run it later with `testnet test`, beside others).
    #[arg(long)]
    draw_only: bool,
}

pub async fn chaos(args: ChaosArgs, json: bool) -> miette::Result<ExitCode> {
    let topology = Topology::load(&args.topology).map_err(miette::Report::new)?;
    let seed = args.seed.unwrap_or_else(testnet::seed::drawn);
    let options = ChaosOptions {
        seed,
        blocks: args.blocks,
        jobs: args.jobs,
        faults: args.faults,
        validators_down: args.validators_down,
    };
    let draw = chaos::draw(&topology, &options);
    let mut progress = Progress::new(Mode::detect(json));
    progress.done(&format!(
        "chaos seed {seed}: {} jobs, {} fault windows over {} blocks on {} (replay: --seed {seed})",
        draw.jobs.len(),
        draw.windows.len(),
        draw.blocks,
        args.topology.display()
    ));
    let stem = format!("chaos-{seed}");
    if args.draw_only {
        let (file, _) =
            chaos::write_scenario(&draw, &args.topology, &args.reports, &stem).map_err(miette::Report::msg)?;
        println!("{}", file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let engine = connect(topology.engine()).await?;
    let workspace = Workspace::from_env();
    let ctrl_c = CtrlC::install(engine.provider.as_ref(), [topology.name().as_str()]).await?;
    let place = ChaosPlace {
        engine: &engine,
        workspace: &workspace,
        topology: &args.topology,
        reports: &args.reports,
        interrupt: ctrl_c.interrupt(),
    };
    let work = async {
        if !args.no_build {
            progress.step("building cr-node and cr-compute", 0);
            workspace.build_binaries().await.into_diagnostic()?;
        }
        let run = chaos::run(&place, &draw, &stem, &mut progress).await.map_err(miette::Report::msg)?;
        let mut summary = Summary::of(&draw, &run);
        // A run Ctrl-C cut short failed for that alone: nothing to reduce.
        if !run.report.passed && args.reduce > 0 && !place.interrupt.requested() {
            let failing = run_failed_lines(&run);
            progress.done(&format!("chaos seed {seed} failed:\n{failing}\nreducing it (at most {} runs)", args.reduce));
            let failed = ChaosRun { file: run.file.clone(), report: run.report.clone() };
            let (smallest, reduced) = chaos::reduce(&place, draw.clone(), failed, args.reduce, &mut progress)
                .await
                .map_err(miette::Report::msg)?;
            summary.reduced = Some(Reduced {
                file: reduced.file.clone(),
                jobs: smallest.jobs.len(),
                windows: smallest.windows.len(),
            });
        }
        miette::Result::<_>::Ok((run, summary))
    };
    let Some(done) = ctrl_c.guard(engine.provider.as_ref(), work).await? else { return Ok(interrupted()) };
    let (run, summary) = done?;
    let json_path = args.reports.join(format!("{stem}.json"));
    let body = serde_json::json!({ "seed": seed, "summary": summary, "report": run.report });
    std::fs::write(&json_path, serde_json::to_vec_pretty(&body).into_diagnostic()?).into_diagnostic()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&body).into_diagnostic()?);
    } else {
        print!("{}", summary.table());
        println!("report: {}", json_path.display());
    }
    Ok(if run.report.passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn run_failed_lines(run: &ChaosRun) -> String {
    run.report
        .assertions
        .iter()
        .filter(|a| !a.passed)
        .map(|a| format!("    {}: expected {}, got {}", a.name, a.expected, a.actual))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, serde::Serialize)]
struct Reduced {
    file: PathBuf,
    jobs: usize,
    windows: usize,
}

/// What a person reads at the end.
#[derive(Debug, serde::Serialize)]
struct Summary {
    seed: u64,
    passed: bool,
    scenario: PathBuf,
    blocks: u64,
    jobs: usize,
    jobs_ended: usize,
    fault_windows: usize,
    faults_applied: usize,
    invariant_violations: usize,
    failed: Vec<String>,
    logs: Option<PathBuf>,
    reduced: Option<Reduced>,
}

impl Summary {
    fn of(draw: &Draw, run: &ChaosRun) -> Self {
        let r = &run.report;
        Self {
            seed: draw.seed,
            passed: r.passed,
            scenario: run.file.clone(),
            blocks: r.blocks,
            jobs: draw.jobs.len(),
            jobs_ended: r.jobs.values().filter(|j| j.end.is_some()).count(),
            fault_windows: draw.windows.len(),
            faults_applied: r.notes.iter().filter(|n| n.starts_with("block +") && !n.contains(" failed")).count(),
            invariant_violations: r.invariant_violations.len(),
            failed: r.assertions.iter().filter(|a| !a.passed).map(|a| a.name.clone()).collect(),
            logs: r.logs_dir.clone(),
            reduced: None,
        }
    }

    fn table(&self) -> String {
        let mut out = format!(
            "{} chaos seed {}: {} blocks, {} of {} jobs ended, {} faults applied in {} windows, {} invariant violations\n",
            if self.passed { "PASS" } else { "FAIL" },
            self.seed,
            self.blocks,
            self.jobs_ended,
            self.jobs,
            self.faults_applied,
            self.fault_windows,
            self.invariant_violations
        );
        out.push_str(&format!("  scenario (replays the run): {}\n", self.scenario.display()));
        for f in &self.failed {
            out.push_str(&format!("  failed: {f}\n"));
        }
        if let Some(logs) = &self.logs {
            out.push_str(&format!("  container logs: {}\n", logs.display()));
        }
        if let Some(r) = &self.reduced {
            out.push_str(&format!(
                "  reduced to {} jobs and {} fault windows, still failing: {} (`testnet test` it)\n",
                r.jobs,
                r.windows,
                r.file.display()
            ));
        }
        out
    }
}

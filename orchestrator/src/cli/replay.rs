//! `testnet replay REPORT.json`.

use super::ctrl_c::{interrupted, CtrlC};
use super::lifecycle::connect;
use clap::Args;
use miette::{IntoDiagnostic, WrapErr};
use std::path::PathBuf;
use std::process::ExitCode;
use testnet::artifacts::Workspace;
use testnet::network::UpOptions;
use testnet::progress::{Mode, Progress};
use testnet::scenario::{self, model::Scenario, replay, ScenarioReport};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A report: `report.json` of `testnet test` or `chaos-<seed>.json` of `testnet chaos`.
    report: PathBuf,
    /// Only this scenario of the report (by name).
    #[arg(long)]
    scenario: Option<String>,
    /// Where the new runs' reports go.
    #[arg(long, default_value = "target/testnet-reports/replay")]
    reports: PathBuf,
    /// Skip `cargo build` (use the binaries as they are).
    #[arg(long)]
    no_build: bool,
}

/// The runs a report file holds: `{"scenarios": [...]}` or `{"report": {...}}`.
fn runs_in(path: &std::path::Path) -> miette::Result<Vec<ScenarioReport>> {
    let text = std::fs::read(path).into_diagnostic().wrap_err(format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).into_diagnostic().wrap_err(format!("{} is not JSON", path.display()))?;
    let runs = match (value.get("scenarios"), value.get("report")) {
        (Some(list), _) => serde_json::from_value(list.clone()),
        (None, Some(one)) => serde_json::from_value(one.clone()).map(|r| vec![r]),
        (None, None) => miette::bail!(
            help = "give the report.json of `testnet test` or the chaos-<seed>.json of `testnet chaos`",
            "{} holds no scenario report",
            path.display()
        ),
    };
    runs.into_diagnostic().wrap_err(format!("{}: a scenario report of another version", path.display()))
}

pub async fn replay(args: ReplayArgs, json: bool) -> miette::Result<ExitCode> {
    let mut before = runs_in(&args.report)?;
    if let Some(name) = &args.scenario {
        before.retain(|r| &r.scenario == name);
    }
    // One run per scenario: with `--repeat` the first run stands for the others.
    before.dedup_by(|a, b| a.scenario == b.scenario);
    if before.is_empty() {
        miette::bail!("{} has no run of that scenario", args.report.display());
    }
    let mut loaded = Vec::new();
    for r in &before {
        let Some(file) = &r.file else {
            miette::bail!(
                help = "reports written before `testnet replay` existed do not say; run the scenario file with `testnet test`",
                "the report of {} does not name its scenario file",
                r.scenario
            );
        };
        loaded.push(Scenario::load(file).map_err(miette::Report::new)?);
    }
    let engine = connect(&super::scenario::one_engine(loaded.iter())?).await?;
    let workspace = Workspace::from_env();
    let ctrl_c = CtrlC::install(engine.provider.as_ref(), loaded.iter().map(|s| s.topology().name().as_str())).await?;
    let mut progress = Progress::new(Mode::detect(json));
    let work = async {
        if !args.no_build {
            progress.step("building cr-node and cr-compute", 0);
            workspace.build_binaries().await.into_diagnostic()?;
        }
        let mut diverged = 0;
        let mut out = Vec::new();
        for (old, scenario) in before.iter().zip(&loaded) {
            if ctrl_c.interrupt().requested() {
                break;
            }
            // The same seed: the daemons rank who tries each job first as they did then.
            let up = UpOptions { interrupt: ctrl_c.interrupt(), ..UpOptions::for_scenario(old.seed) };
            let new = scenario::run_one(&engine, &workspace, scenario, &up, &args.reports, 1, &mut progress).await;
            let divergences = replay::compare(old, &new);
            diverged += usize::from(!divergences.is_empty());
            if !json {
                println!("{}", verdict(old, &divergences));
            }
            out.push(serde_json::json!({ "scenario": old.scenario, "divergences": divergences, "passed": new.passed }));
        }
        miette::Result::<_>::Ok((diverged, out))
    };
    let Some(done) = ctrl_c.guard(engine.provider.as_ref(), work).await? else { return Ok(interrupted()) };
    let (diverged, out) = done?;
    if json {
        println!("{}", serde_json::to_string_pretty(&out).into_diagnostic()?);
    }
    Ok(if diverged == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One line on a replayed run: the same as before, or its first difference.
fn verdict(old: &ScenarioReport, divergences: &[replay::Divergence]) -> String {
    match divergences.first() {
        None => {
            format!("SAME {}: {} jobs took the same node, outcome, verdict and timeouts", old.scenario, old.jobs.len())
        }
        Some(d) => format!(
            "DIVERGED {}: {} difference(s); first: job {}: {} was {}, now {}",
            old.scenario,
            divergences.len(),
            d.job,
            d.what,
            d.before,
            d.after
        ),
    }
}

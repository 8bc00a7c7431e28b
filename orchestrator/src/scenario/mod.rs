//! Scenarios: jobs and faults injected into a running testnet, and the outcomes they must
//! have (`testnet test SCENARIO...`).

pub mod inject;
pub mod ledger;
mod machine;
pub mod model;
mod panics;
pub mod repeat;
pub mod replay;
pub mod results;
mod runner;
mod upgrades;
pub mod verdict;

use crate::artifacts::Workspace;
use crate::network::UpOptions;
use crate::progress::Progress;
use crate::provider::Engine;
use cr_protocol::lifecycle::JobHistory;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use verdict::Assertion;

/// What one scenario did and whether it met its expectations.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ScenarioReport {
    pub scenario: String,
    /// Which run of the scenario this is (1 unless `--repeat`).
    #[serde(default = "first_run")]
    pub run: u32,
    /// The scenario file, for `testnet replay`.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// The run's seed (the daemons' tie-break salt; the draw of a chaos run).
    #[serde(default)]
    pub seed: u64,
    pub topology: String,
    pub testnet: String,
    pub passed: bool,
    pub start_block: u64,
    pub end_block: u64,
    /// Blocks from the first injection to the last check.
    pub blocks: u64,
    pub block_time_ms: u32,
    /// Seconds `up` took to readiness.
    pub up_seconds: f64,
    /// Seconds for the whole scenario, `up` included.
    pub wall_seconds: f64,
    pub assertions: Vec<Assertion>,
    /// Per job: stages with block numbers, outcome, node, amounts.
    pub jobs: BTreeMap<String, JobHistory>,
    /// Faults applied and injection problems, in order.
    pub notes: Vec<String>,
    pub invariant_violations: Vec<String>,
    /// Where container logs were saved (failures only).
    pub logs_dir: Option<PathBuf>,
}

fn first_run() -> u32 {
    1
}

impl ScenarioReport {
    /// A report for a scenario that could not run at all.
    pub fn aborted(scenario: &str, topology: &Path, error: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            run: 1,
            file: None,
            seed: 0,
            topology: topology.display().to_string(),
            testnet: String::new(),
            passed: false,
            start_block: 0,
            end_block: 0,
            blocks: 0,
            block_time_ms: 0,
            up_seconds: 0.0,
            wall_seconds: 0.0,
            assertions: vec![Assertion::holds("scenario runs", false, "it runs", error)],
            jobs: BTreeMap::new(),
            notes: Vec::new(),
            invariant_violations: Vec::new(),
            logs_dir: None,
        }
    }
}

/// Run one scenario end to end: up, inject, check, save logs on failure, down.
pub async fn run_one(
    engine: &Engine,
    workspace: &Workspace,
    scenario: &model::Scenario,
    up: &UpOptions,
    reports_dir: &Path,
    run: u32,
    progress: &mut Progress,
) -> ScenarioReport {
    let provider = engine.provider.as_ref();
    let name = scenario.name().as_str();
    let testnet = scenario.topology().name().as_str().to_owned();
    let started = std::time::Instant::now();
    let outcome = runner::run(engine, workspace, scenario, up, progress).await;
    // A testnet of that name already ran: someone else's, so its logs and its life stay theirs.
    let ours = !matches!(&outcome, Err(e) if crate::network::UpError::refused_over_running(e));
    let mut report = match outcome {
        Ok(report) => report,
        Err(e) => {
            let mut r = ScenarioReport::aborted(name, scenario.topology_path(), &format!("{e:#}"));
            r.testnet = testnet.clone();
            r.wall_seconds = started.elapsed().as_secs_f64();
            r
        }
    };
    // Only a run that got going has logs worth reading; an aborted one already failed.
    if report.end_block > 0 {
        report.assertions.push(panics::no_panics(provider, &testnet).await);
        report.passed = report.assertions.iter().all(|a| a.passed);
    }
    report.run = run;
    report.file = scenario.file().map(Path::to_owned);
    report.seed = up.seed;
    if !ours {
        return report;
    }
    // Ctrl-C waits until the logs are saved and the testnet removed.
    let _removing = up.interrupt.hold();
    if !report.passed {
        let dir = match run {
            1 => reports_dir.join(format!("{name}-logs")),
            n => reports_dir.join(format!("{name}-run{n}-logs")),
        };
        if std::fs::create_dir_all(&dir).is_ok() {
            if let Ok(containers) = provider.list(&testnet).await {
                for c in containers {
                    let _ = provider.save_logs(&c.to_ref(), &dir.join(format!("{}.log", c.node))).await;
                }
            }
            report.logs_dir = Some(dir);
        }
    }
    progress.step(&format!("removing testnet {testnet}"), 0);
    if let Ok(teardown) = provider.teardown(&testnet).await {
        for leftover in teardown.leftovers {
            report.notes.push(format!("teardown left {}: remove with `{}`", leftover.name, leftover.command));
        }
    }
    crate::network::TestnetState::remove(&workspace.root, &testnet);
    report
}

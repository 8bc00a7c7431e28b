//! `testnet test SCENARIO...`.

use super::lifecycle::connect;
use miette::IntoDiagnostic;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use testnet::artifacts::Workspace;
use testnet::network::UpOptions;
use testnet::progress::{Mode, Progress};
use testnet::scenario::{self, model::Scenario};

pub async fn test(files: &[PathBuf], reports: &Path, build: bool, json: bool) -> miette::Result<ExitCode> {
    // Every file is validated before anything starts.
    let scenarios =
        files.iter().map(|f| Scenario::load(f).map_err(miette::Report::new)).collect::<Result<Vec<_>, _>>()?;
    let provider = connect().await?;
    let workspace = Workspace::from_env();
    let mut progress = Progress::new(Mode::detect(json));
    if build {
        progress.step("building cr-node and cr-compute", 0);
        workspace.build_binaries().await.into_diagnostic()?;
    }
    let up = UpOptions { build: false, ready_within: Duration::from_secs(300), ..UpOptions::default() };
    let mut results = Vec::new();
    for s in &scenarios {
        let report = scenario::run_one(&provider, &workspace, s, &up, reports, &mut progress).await;
        progress.done(&format!(
            "{} {}: {}/{} assertions in {} blocks, {:.0} s",
            if report.passed { "PASS" } else { "FAIL" },
            report.scenario,
            report.assertions.iter().filter(|a| a.passed).count(),
            report.assertions.len(),
            report.blocks,
            report.wall_seconds
        ));
        for failed in report.assertions.iter().filter(|a| !a.passed) {
            eprintln!("    {}: expected {}, got {}", failed.name, failed.expected, failed.actual);
        }
        results.push(report);
    }
    testnet::report::write(reports, &results).into_diagnostic()?;
    let failed = results.iter().filter(|r| !r.passed).count();
    if json {
        println!("{}", serde_json::to_string_pretty(&results).into_diagnostic()?);
    } else {
        println!(
            "{} scenarios, {} passed, {failed} failed; reports in {}",
            results.len(),
            results.len() - failed,
            reports.display()
        );
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

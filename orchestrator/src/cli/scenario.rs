//! `testnet test SCENARIO...`.

use super::ctrl_c::{interrupted, CtrlC};
use super::lifecycle::connect;
use futures::StreamExt;
use miette::IntoDiagnostic;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use testnet::artifacts::Workspace;
use testnet::network::UpOptions;
use testnet::progress::{Mode, Progress};
use testnet::provider::EngineChoice;
use testnet::scenario::{self, model::Scenario};

/// The one engine every scenario of a run uses; scenarios on different engines are refused.
pub fn one_engine<'a>(mut scenarios: impl Iterator<Item = &'a Scenario>) -> miette::Result<EngineChoice> {
    let Some(first) = scenarios.next() else { return Ok(EngineChoice::Local) };
    let engine = first.topology().engine().clone();
    for other in scenarios {
        if other.topology().engine() != &engine {
            miette::bail!(
                help = "run the scenarios of each engine with their own `testnet test`",
                "scenario {:?} runs on the {} engine and {:?} on the {} engine",
                first.name().as_str(),
                engine.runtime(),
                other.name().as_str(),
                other.topology().engine().runtime()
            );
        }
    }
    Ok(engine)
}

pub async fn test(
    files: &[PathBuf],
    reports: &Path,
    build: bool,
    json: bool,
    parallel: usize,
    repeat: u32,
    seed: u64,
) -> miette::Result<ExitCode> {
    // Every file is validated before anything starts.
    let scenarios =
        files.iter().map(|f| Scenario::load(f).map_err(miette::Report::new)).collect::<Result<Vec<_>, _>>()?;
    // Reports and saved logs are named after the scenario.
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|o| o.name() == s.name()) {
            miette::bail!(
                help = "rename one of them (`name:` in the file); reports and logs are named after it",
                "{} and {} are both scenario {:?}",
                files[j].display(),
                files[i].display(),
                s.name().as_str()
            );
        }
    }
    let engine = connect(&one_engine(scenarios.iter())?).await?;
    let workspace = Workspace::from_env();
    let ctrl_c =
        CtrlC::install(engine.provider.as_ref(), scenarios.iter().map(|s| s.topology().name().as_str())).await?;
    let mut progress = Progress::new(Mode::detect(json));
    if build {
        progress.step("building cr-node and cr-compute", 0);
        workspace.build_binaries().await.into_diagnostic()?;
    }
    progress.done(&format!("seed {seed} (run 1 of each scenario again: --seed {seed})"));
    let up_for = |s: &Scenario, run: u32| UpOptions {
        interrupt: ctrl_c.interrupt(),
        ..UpOptions::for_scenario(testnet::seed::of_run(seed, s.name().as_str(), run))
    };
    // Every run of a scenario, one after the other: repeats of one testnet share its lane.
    let runs: Vec<(&Scenario, u32)> = scenarios.iter().flat_map(|s| (1..=repeat).map(move |k| (s, k))).collect();
    let work = async {
        let results = if parallel <= 1 {
            let mut results = Vec::new();
            for (s, run) in &runs {
                let up = up_for(s, *run);
                let report = scenario::run_one(&engine, &workspace, s, &up, reports, *run, &mut progress).await;
                if json {
                    // Progress is quiet in JSON mode; failures still reach stderr.
                    if !report.passed {
                        eprintln!("{}", result_lines(&report));
                    }
                } else {
                    progress.done(&result_lines(&report));
                }
                results.push(report);
            }
            results
        } else {
            // Side by side, every lane needs the images: built once here, not raced by each `up`.
            progress.step("building images from the local binaries (no registry)", 0);
            workspace.build_images(engine.builder.as_ref()).await.into_diagnostic()?;
            progress.done(&format!("running {} scenario runs, {parallel} testnets at a time", runs.len()));
            let lanes = lanes(&runs, |(s, _)| s.topology().name().as_str());
            let runs = lanes.into_iter().map(|lane| {
                let (engine, workspace, up_for) = (&engine, &workspace, &up_for);
                async move {
                    let mut out = Vec::new();
                    for (i, (s, run)) in lane {
                        // Two runs' progress would interleave; each reports only its result.
                        let mut quiet = Progress::new(Mode::Quiet);
                        let up = up_for(s, *run);
                        let report = scenario::run_one(engine, workspace, s, &up, reports, *run, &mut quiet).await;
                        if !json || !report.passed {
                            eprintln!("{}", result_lines(&report));
                        }
                        out.push((i, report));
                    }
                    out
                }
            });
            let mut lanes = futures::stream::iter(runs).buffer_unordered(parallel);
            let mut results: Vec<(usize, scenario::ScenarioReport)> = Vec::new();
            while let Some(lane) = lanes.next().await {
                results.extend(lane);
            }
            results.sort_by_key(|(i, _)| *i);
            results.into_iter().map(|(_, r)| r).collect()
        };
        miette::Result::<Vec<scenario::ScenarioReport>>::Ok(results)
    };
    let Some(results) = ctrl_c.guard(engine.provider.as_ref(), work).await? else { return Ok(interrupted()) };
    let results = results?;
    testnet::scenario::results::write(reports, &results).into_diagnostic()?;
    if repeat > 1 {
        let tallies = scenario::repeat::tally(&results);
        let path = reports.join("repeat.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&tallies).into_diagnostic()?).into_diagnostic()?;
        if !json {
            print!("{}", scenario::repeat::render(&tallies));
        }
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    if json {
        println!("{}", serde_json::to_string_pretty(&results).into_diagnostic()?);
    } else {
        println!(
            "{} scenario runs, {} passed, {failed} failed; reports in {}",
            results.len(),
            results.len() - failed,
            reports.display()
        );
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A scenario's result line, then one line per failed assertion.
fn result_lines(report: &scenario::ScenarioReport) -> String {
    let mut out = format!(
        "{} {}: {}/{} assertions in {} blocks, {:.0} s",
        if report.passed { "PASS" } else { "FAIL" },
        report.scenario,
        report.assertions.iter().filter(|a| a.passed).count(),
        report.assertions.len(),
        report.blocks,
        report.wall_seconds
    );
    for failed in report.assertions.iter().filter(|a| !a.passed) {
        out.push_str(&format!("\n    {}: expected {}, got {}", failed.name, failed.expected, failed.actual));
    }
    out
}

/// Runs grouped by the testnet they start (one testnet name can run once at a time), in
/// order within a lane, each with its index in `items`.
fn lanes<T>(items: &[T], testnet: impl Fn(&T) -> &str) -> Vec<Vec<(usize, &T)>> {
    let mut lanes: Vec<(String, Vec<(usize, &T)>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = testnet(item);
        match lanes.iter_mut().find(|(n, _)| n == name) {
            Some((_, lane)) => lane.push((i, item)),
            None => lanes.push((name.to_owned(), vec![(i, item)])),
        }
    }
    // Longest lanes first, so the last lane to start is a short one.
    lanes.sort_by_key(|(_, lane)| std::cmp::Reverse(lane.len()));
    lanes.into_iter().map(|(_, lane)| lane).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(file: &str) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/scenarios").join(file);
        Scenario::load(&path).unwrap_or_else(|e| panic!("{file}: {e:?}"))
    }

    #[test]
    fn scenarios_of_one_testnet_share_a_lane_in_file_order() {
        let scenarios =
            [shipped("happy-path.yaml"), shipped("dispute-wrong-result.yaml"), shipped("store-outage.yaml")];
        let lanes: Vec<Vec<usize>> = lanes(&scenarios, |s| s.topology().name().as_str())
            .iter()
            .map(|l| l.iter().map(|(i, _)| *i).collect())
            .collect();
        // happy-path and store-outage both run on ci.yaml (testnet `ci`): one lane, longest first.
        assert_eq!(lanes, vec![vec![0, 2], vec![1]]);
    }
}

//! `testnet chaos`: a run drawn from one seed (jobs and fault windows, see [`schedule`]),
//! written as a scenario file and run like one, so every check of a scenario holds at every
//! block (money, stake exposure, issuance) and at the end (every job terminal, finality moved,
//! no panic in any container). A failing run is reduced, fault window by fault window and job
//! by job, to the smallest draw that still fails, and that file is the regression test.

mod schedule;

pub use schedule::{draw, ChaosJob, ChaosOptions, Draw, Window};

use crate::artifacts::Workspace;
use crate::network::{Interrupt, UpOptions};
use crate::progress::Progress;
use crate::provider::Engine;
use crate::scenario::model::{Scenario, ScenarioError};
use crate::scenario::{run_one, ScenarioReport};
use std::path::{Path, PathBuf};

/// A draw written to `dir` as `<stem>.yaml` (scenario `<stem>`) and read back through the
/// scenario checks.
pub fn write_scenario(draw: &Draw, topology: &Path, dir: &Path, stem: &str) -> Result<(PathBuf, Scenario), ChaosError> {
    std::fs::create_dir_all(dir).map_err(|e| ChaosError::Write(dir.to_owned(), e))?;
    let topology = std::path::absolute(topology).map_err(|e| ChaosError::Write(topology.to_owned(), e))?;
    let file = dir.join(format!("{stem}.yaml"));
    std::fs::write(&file, draw.to_yaml(stem, &topology)).map_err(|e| ChaosError::Write(file.clone(), e))?;
    let scenario = Scenario::load(&file).map_err(|e| ChaosError::Drawn(file.clone(), Box::new(e)))?;
    Ok((file, scenario))
}

/// Why a chaos run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    /// A draw the scenario checks refuse is a bug of the generator, not of the user's input.
    #[error("the drawn scenario {0} does not pass the scenario checks (a bug of `testnet chaos`; the file shows the draw): {1}")]
    Drawn(PathBuf, Box<ScenarioError>),
}

/// A run of one draw, and where its file is.
pub struct ChaosRun {
    pub file: PathBuf,
    pub report: ScenarioReport,
}

/// Where a chaos run's testnet comes from and its files go.
pub struct ChaosPlace<'a> {
    pub engine: &'a Engine,
    pub workspace: &'a Workspace,
    /// The topology file the draw runs on.
    pub topology: &'a Path,
    /// Where drawn scenarios, reports and logs go.
    pub reports: &'a Path,
    /// Ctrl-C: every `up` of the run holds it while engine changes are in flight.
    pub interrupt: Interrupt,
}

/// Run `draw` once: a fresh testnet, checked at every block, torn down after.
pub async fn run(
    place: &ChaosPlace<'_>,
    draw: &Draw,
    stem: &str,
    progress: &mut Progress,
) -> Result<ChaosRun, ChaosError> {
    let ChaosPlace { engine, workspace, topology, reports, interrupt } = place;
    let (file, scenario) = write_scenario(draw, topology, reports, stem)?;
    let up = UpOptions { interrupt: interrupt.clone(), ..UpOptions::for_scenario(draw.seed) };
    let report = run_one(engine, workspace, &scenario, &up, reports, 1, progress).await;
    Ok(ChaosRun { file, report })
}

/// Drop fault windows, then jobs, one at a time, keeping each removal after which the run
/// still fails; at most `budget` runs. Returns the smallest failing draw and its run (the
/// original run when nothing could be dropped).
pub async fn reduce(
    place: &ChaosPlace<'_>,
    failing: Draw,
    failed: ChaosRun,
    budget: u32,
    progress: &mut Progress,
) -> Result<(Draw, ChaosRun), ChaosError> {
    let stem = format!("chaos-{}-reduced", failing.seed);
    let mut search = Reduction::new(failing, budget);
    let mut smallest_run = failed;
    while let Some((candidate, step)) = search.next_candidate() {
        if place.interrupt.requested() {
            break;
        }
        progress.step(&format!("reducing: {step}"), 0);
        let run = run(place, &candidate, &stem, progress).await?;
        let fails = !run.report.passed;
        if fails {
            smallest_run = run;
        }
        search.verdict(candidate, fails);
    }
    let smallest = search.smallest;
    // The file on disk is the last candidate tried; write the smallest failing one back.
    let (file, _) = write_scenario(&smallest, place.topology, place.reports, &stem)?;
    smallest_run.file = file;
    Ok((smallest, smallest_run))
}

/// The search behind [`reduce`]: fault windows first (they make a run hard to read), from the
/// last back, then jobs; each candidate is the smallest failing draw so far less one element.
#[derive(Debug)]
pub struct Reduction {
    /// The smallest draw known to fail.
    pub smallest: Draw,
    windows_left: usize,
    jobs_left: Option<usize>,
    tried: u32,
    budget: u32,
}

impl Reduction {
    pub fn new(failing: Draw, budget: u32) -> Self {
        Self { windows_left: failing.windows.len(), smallest: failing, jobs_left: None, tried: 0, budget }
    }

    /// The next draw to run, with a line saying what it leaves out; `None` when done.
    pub fn next_candidate(&mut self) -> Option<(Draw, String)> {
        if self.tried >= self.budget {
            return None;
        }
        self.tried += 1;
        let (tried, budget) = (self.tried, self.budget);
        if self.windows_left > 0 {
            self.windows_left -= 1;
            let i = self.windows_left;
            return Some((
                self.smallest.without_window(i),
                format!("without fault window {i} (run {tried} of at most {budget})"),
            ));
        }
        let left = self.jobs_left.get_or_insert(self.smallest.jobs.len());
        if *left == 0 {
            return None;
        }
        *left -= 1;
        let i = *left;
        Some((self.smallest.without_job(i), format!("without job {i} (run {tried} of at most {budget})")))
    }

    /// Whether `candidate` (the last one handed out) still fails.
    pub fn verdict(&mut self, candidate: Draw, fails: bool) {
        if fails {
            self.smallest = candidate;
        }
    }
}

#[cfg(test)]
mod tests;

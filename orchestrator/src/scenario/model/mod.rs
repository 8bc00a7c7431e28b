//! The scenario model: a YAML file that injects jobs and faults into a testnet and states
//! what must happen, parsed and validated, together with the topology it names, into a
//! [`Scenario`] before anything starts.
//!
//! Problems are reported like a topology's: every one at once (parse errors stop at the
//! first), each with file, line, column, field path and the change that fixes it; see
//! [`ScenarioError`]. Problems in the named topology are reported too, at the `topology:`
//! line, quoting the topology file's own place.

mod check_expect;
mod check_faults;
mod fault;
mod fix;
mod floods;
mod jobs;
mod jobs_against;
mod kind;
mod matching;
mod outcome;
mod plan;
mod raw;
mod validate;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use cr_protocol::lifecycle::Milestone;
pub use fault::{Fault, FaultAction, FaultNode, FaultTarget, Trigger, UpgradeTo};
pub use floods::FloodPlan;
pub use jobs::MAX_JOBS;
pub use kind::ProblemKind;
pub use outcome::{Dispute, Expectations, JobExpectation, Outcome, RefundReason};
pub use plan::{JobPlan, Requirements, ScenarioName};
pub use validate::MAX_TIMEOUT_BLOCKS;

use crate::diagnostics::{precheck, single};
use crate::topology::{Name, Topology};

type Collector<'a> = crate::diagnostics::Collector<'a, ProblemKind>;

/// A scenario that could not be read ([`ScenarioError::Read`]), or one or more problems in
/// its text or in the topology it names ([`ScenarioError::Invalid`]).
pub type ScenarioError = crate::diagnostics::FileError<ProblemKind>;
type Rejection = crate::diagnostics::Rejection<ProblemKind>;
/// One thing wrong with a scenario.
pub type Problem = crate::diagnostics::Problem<ProblemKind>;

/// A validated scenario. Only [`Scenario::load`] and [`Scenario::parse`] make one, so
/// holding one means the scenario and its topology passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    name: ScenarioName,
    description: String,
    // Reports name the topology by path; a load topology would dwarf the rest.
    #[serde(skip)]
    topology: Topology,
    topology_path: PathBuf,
    /// The file it was loaded from; `None` when parsed from text.
    #[serde(skip)]
    file: Option<PathBuf>,
    timeout_blocks: NonZeroU32,
    jobs: Vec<JobPlan>,
    faults: Vec<Fault>,
    floods: Vec<FloodPlan>,
    expectations: Expectations,
    should_fail: Option<String>,
}

impl Scenario {
    /// Reads and validates the scenario at `path` and the topology it names (relative to the
    /// scenario's directory); errors name the path as given.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let base_dir = path.parent().unwrap_or(Path::new(""));
        let mut scenario = crate::diagnostics::load(path, |shown, text| Self::parse(shown, text, base_dir))?;
        scenario.file = Some(path.to_owned());
        Ok(scenario)
    }

    /// Parses and validates `text`; `source_name` is the file name used in errors and
    /// `base_dir` the directory the `topology` path is relative to.
    pub fn parse(source_name: &str, text: &str, base_dir: &Path) -> Result<Self, ScenarioError> {
        if let Some(problem) = precheck(text) {
            return Err(single(source_name, None, problem.into()));
        }
        let file: Arc<str> = Arc::from(source_name);
        let mut report = Collector::new(file.clone(), text);
        let scenario = crate::diagnostics::parse(text, &mut report)
            .and_then(|raw| validate::validate(&raw, base_dir, &mut report));
        match scenario {
            Some(scenario) if report.is_clean() => Ok(scenario),
            _ => Err(Rejection::new(file, Arc::from(text), report.into_problems()).into()),
        }
    }

    /// The file the scenario was loaded from (`None` when parsed from text).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The scenario's name; it names the test case in reports.
    pub fn name(&self) -> &ScenarioName {
        &self.name
    }
    /// What the scenario shows, in a sentence; may be empty.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The validated topology the scenario runs on.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }
    /// Where the topology was read from: the file's `topology` joined to its directory.
    pub fn topology_path(&self) -> &Path {
        &self.topology_path
    }
    /// Blocks after the start by which everything must be over.
    pub fn timeout_blocks(&self) -> NonZeroU32 {
        self.timeout_blocks
    }
    /// Every job copy to submit, in file order (copies of one job together).
    pub fn jobs(&self) -> &[JobPlan] {
        &self.jobs
    }
    /// The copies of the job named `group` in the file (they are next to each other);
    /// empty for an unknown name.
    pub fn copies(&self, group: &Name) -> &[JobPlan] {
        let start = self.jobs.iter().position(|j| j.group() == group);
        let Some(start) = start else { return &[] };
        let len = self.jobs[start..].iter().take_while(|j| j.group() == group).count();
        &self.jobs[start..start + len]
    }
    /// Faults to inject, in file order.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }
    /// The floods of unmatchable jobs, in file order.
    pub fn floods(&self) -> &[FloodPlan] {
        &self.floods
    }
    /// What must hold when the scenario is over.
    pub fn expectations(&self) -> &Expectations {
        &self.expectations
    }
    /// For a scenario that shows the checks catch a fault (a deliberately broken runtime):
    /// the run passes only if an assertion fails with an observed value mentioning this text.
    pub fn should_fail(&self) -> Option<&str> {
        self.should_fail.as_deref()
    }
}

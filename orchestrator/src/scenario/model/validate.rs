//! Turns the file as written into the validated model: loads the topology it names, then
//! checks jobs, faults and expectations against it, reporting every problem found.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

use super::kind::ProblemKind;
use super::plan::ScenarioName;
use super::raw::RawScenario;
use super::{check_expect, check_faults, floods, jobs, Collector, Scenario};
use crate::diagnostics::{InvalidName, Sp};
use crate::topology::{Topology, TopologyError};

/// Longest scenario, in blocks (the runtime's longest job window).
pub const MAX_TIMEOUT_BLOCKS: u32 = 100_000;

/// Checks everything; `None` when any problem was reported.
pub(crate) fn validate(raw: &RawScenario, base_dir: &Path, report: &mut Collector<'_>) -> Option<Scenario> {
    let name = ScenarioName::parse(raw.name.value());
    if name.is_none() {
        let kind = ProblemKind::from(InvalidName {
            what: "scenario name",
            name: raw.name.value().clone(),
            max: ScenarioName::MAX_LEN,
        });
        report.add(raw.name.at(), Location::UNKNOWN, "name", kind);
    }
    let timeout = timeout(&raw.timeout_blocks, report);
    // With a broken timeout, checks against it would only repeat that problem.
    let limit = timeout.map_or(u32::MAX, NonZeroU32::get);
    let topology = load_topology(&raw.topology, base_dir, report);
    let topo = topology.as_ref().map(|(t, _)| t);
    let entries = jobs::check(raw.jobs.value(), topo, limit, report);
    let faults = check_faults::check(raw.faults.value(), topo, base_dir, &entries, limit, report);
    let should_fail = should_fail(&raw.should_fail, report);
    let expectations = check_expect::check(raw.expect.value(), topo, &entries, limit, report);
    let job_requesters: Vec<(String, Option<crate::topology::Name>)> = entries
        .iter()
        .map(|e| (e.written.clone(), e.plans.as_ref().and_then(|p| p.first()).map(|p| p.requester.clone())))
        .collect();
    let floods = floods::check(raw.floods.value(), topo, &entries, &job_requesters, limit, report);

    if !report.is_clean() {
        return None;
    }
    let mut plans = Vec::new();
    for entry in entries {
        plans.extend(entry.plans?);
    }
    let (topology, topology_path) = topology?;
    Some(Scenario {
        name: name?,
        description: raw.description.value().clone(),
        topology,
        topology_path,
        file: None,
        timeout_blocks: timeout?,
        jobs: plans,
        faults: faults?,
        floods: floods?,
        expectations: expectations?,
        should_fail: should_fail?,
    })
}

/// `should_fail` names what the run must fail on; an empty text would match any failure.
fn should_fail(raw: &Option<Sp<String>>, report: &mut Collector<'_>) -> Option<Option<String>> {
    let Some(text) = raw else { return Some(None) };
    if text.value().trim().is_empty() {
        report.add(text.at(), Location::UNKNOWN, "should_fail", ProblemKind::ShouldFailEmpty);
        return None;
    }
    Some(Some(text.value().clone()))
}

fn timeout(raw: &Sp<u32>, report: &mut Collector<'_>) -> Option<NonZeroU32> {
    let value = *raw.value();
    let path = "timeout_blocks";
    let Some(blocks) = NonZeroU32::new(value) else {
        report.add(raw.at(), Location::UNKNOWN, path, ProblemKind::ZeroBlocks);
        return None;
    };
    if value > MAX_TIMEOUT_BLOCKS {
        let kind = ProblemKind::OutOfRange { value: value.into(), min: 1, max: MAX_TIMEOUT_BLOCKS.into() };
        report.add(raw.at(), Location::UNKNOWN, path, kind);
        return None;
    }
    Some(blocks)
}

/// Loads the topology at `raw`, relative to `base_dir`; its problems become the scenario's,
/// pointing at the `topology:` line and quoting the topology file's own place.
fn load_topology(raw: &Sp<String>, base_dir: &Path, report: &mut Collector<'_>) -> Option<(Topology, PathBuf)> {
    let path = base_dir.join(raw.value());
    let shown = path.display().to_string();
    let mut unreadable = |reason: String| {
        let kind = ProblemKind::TopologyUnreadable { path: shown.clone(), reason };
        report.add(raw.at(), Location::UNKNOWN, "topology", kind);
        None
    };
    if raw.value().is_empty() {
        return unreadable("the path is empty".to_owned());
    }
    // Opening a FIFO or a terminal would block; only regular files are topologies.
    match std::fs::metadata(&path) {
        Err(err) => return unreadable(err.to_string()),
        Ok(meta) if !meta.is_file() => return unreadable("it is not a regular file".to_owned()),
        Ok(_) => {}
    }
    match Topology::load(&path) {
        Ok(topology) => Some((topology, path)),
        Err(TopologyError::Read { source, .. }) => unreadable(source.to_string()),
        Err(err) => {
            for problem in err.problems() {
                let kind = ProblemKind::TopologyInvalid { problem: Box::new(problem.clone()) };
                report.add(raw.at(), Location::UNKNOWN, "topology", kind);
            }
            None
        }
    }
}

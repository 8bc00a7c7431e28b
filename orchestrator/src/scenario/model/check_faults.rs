//! The `faults` list: each fault names a container of the topology and exactly one trigger.

use std::path::Path;

use serde_saphyr::Location;

use super::fault::{Fault, FaultAction, FaultNode, FaultTarget, Trigger, UpgradeTo};
use super::jobs::{beyond, JobEntry};
use super::kind::ProblemKind;
use super::raw::RawFault;
use super::Collector;
use crate::diagnostics::Sp;
use crate::runtime::RuntimeFile;
use crate::topology::{Name, Topology, RESERVED_STORE};

/// Checks every fault; `None` when any has a problem (or the topology is unknown).
pub(crate) fn check(
    raw: &[Sp<RawFault>],
    topology: Option<&Topology>,
    base_dir: &Path,
    jobs: &[JobEntry],
    timeout: u32,
    report: &mut Collector<'_>,
) -> Option<Vec<Fault>> {
    let mut faults = Some(Vec::with_capacity(raw.len()));
    let mut upgrades = 0;
    for (i, fault) in raw.iter().enumerate() {
        let path = format!("faults[{i}]");
        let f = fault.value();
        if *f.action.value() == FaultAction::Upgrade {
            upgrades += 1;
            // Each upgrade is checked against the starting runtime; a second one would need the
            // order of triggers, which `after` triggers do not fix.
            if upgrades > 1 {
                report.add(f.action.at(), fault.at(), format!("{path}.action"), ProblemKind::SecondUpgrade);
                faults = None;
                continue;
            }
        }
        if let (Some(capability), Some(t)) = (f.action.value().needs(), topology) {
            if !t.engine().capabilities().has(capability) {
                let kind = ProblemKind::EngineLacks {
                    action: f.action.value().as_str(),
                    engine: t.engine().runtime(),
                    capability: capability.as_str(),
                };
                report.add(f.action.at(), fault.at(), format!("{path}.action"), kind);
                faults = None;
                continue;
            }
        }
        let target = topology.and_then(|t| target(fault, &path, t, base_dir, report));
        let trigger = trigger(fault, &path, jobs, timeout, report);
        match (target, trigger, faults.as_mut()) {
            (Some(target), Some(trigger), Some(faults)) => {
                faults.push(Fault { action: *f.action.value(), target, trigger })
            }
            _ => faults = None,
        }
    }
    faults
}

/// A container for container actions, a runtime for `upgrade`; never both.
fn target(
    fault: &Sp<RawFault>,
    path: &str,
    topology: &Topology,
    base_dir: &Path,
    report: &mut Collector<'_>,
) -> Option<FaultTarget> {
    let f = fault.value();
    let action = *f.action.value();
    if action != FaultAction::Upgrade {
        if let Some(runtime) = &f.runtime {
            let kind = ProblemKind::RuntimeWithoutUpgrade { action: action.as_str() };
            report.add(runtime.at(), fault.at(), format!("{path}.runtime"), kind);
            return None;
        }
        let Some(written) = &f.node else {
            let kind = ProblemKind::FaultNodeMissing { action: action.as_str() };
            report.add(fault.at(), Location::UNKNOWN, format!("{path}.node"), kind);
            return None;
        };
        return node(written, path, topology, report).map(FaultTarget::Node);
    }
    if let Some(node) = &f.node {
        report.add(node.at(), fault.at(), format!("{path}.node"), ProblemKind::UpgradeWithNode);
        return None;
    }
    let Some(written) = &f.runtime else {
        report.add(fault.at(), Location::UNKNOWN, format!("{path}.runtime"), ProblemKind::UpgradeRuntimeMissing);
        return None;
    };
    let to = if written.value() == "current" {
        UpgradeTo::Current { spec_version: cr_protocol::chain::built_spec_version() }
    } else {
        match RuntimeFile::read(&base_dir.join(written.value())) {
            Ok(file) => UpgradeTo::File(file),
            Err(e) => {
                report.add(written.at(), fault.at(), format!("{path}.runtime"), ProblemKind::UpgradeRuntime(e));
                return None;
            }
        }
    };
    let from = topology.runtime().map_or_else(cr_protocol::chain::built_spec_version, |r| r.spec_version);
    if to.spec_version() <= from {
        let kind = ProblemKind::SpecNotIncreasing { from, to: to.spec_version() };
        report.add(written.at(), fault.at(), format!("{path}.runtime"), kind);
        return None;
    }
    Some(FaultTarget::Runtime(to))
}

fn node(raw: &Sp<String>, path: &str, topology: &Topology, report: &mut Collector<'_>) -> Option<FaultNode> {
    let name = raw.value();
    let validator = topology.validators().iter().find(|v| v.name().as_str() == name);
    if let Some(v) = validator {
        return Some(FaultNode::Validator(v.name().clone()));
    }
    let compute = topology.compute_nodes().iter().find(|n| n.name().as_str() == name);
    if let Some(n) = compute {
        return Some(FaultNode::Compute(n.name().clone()));
    }
    let path = format!("{path}.node");
    if name == RESERVED_STORE {
        if topology.store_enabled() {
            return Some(FaultNode::Store);
        }
        report.add(raw.at(), Location::UNKNOWN, path, ProblemKind::StoreDisabled);
        return None;
    }
    let in_group = topology.compute_nodes().iter().find(|n| n.group().as_str() == name).map(|n| n.name().to_string());
    let validators = topology.validators().iter().map(|v| v.name());
    let examples = validators
        .take(2)
        .chain(topology.compute_nodes().iter().map(|n| n.name()).take(4))
        .map(Name::to_string)
        .collect();
    let kind = ProblemKind::UnknownNode { name: name.clone(), in_group, examples };
    report.add(raw.at(), Location::UNKNOWN, path, kind);
    None
}

fn trigger(
    fault: &Sp<RawFault>,
    path: &str,
    jobs: &[JobEntry],
    timeout: u32,
    report: &mut Collector<'_>,
) -> Option<Trigger> {
    let f = fault.value();
    match (&f.at_block, &f.after) {
        (Some(_), Some(_)) => {
            report.add(fault.at(), Location::UNKNOWN, path, ProblemKind::FaultTriggerBoth);
            None
        }
        (None, None) => {
            report.add(fault.at(), Location::UNKNOWN, path, ProblemKind::FaultTriggerMissing);
            None
        }
        (Some(at), None) => {
            let block = *at.value();
            if block >= timeout {
                let event = format!("the {} fault happens", f.action.value().as_str());
                let kind = beyond(event, block.into(), timeout, u64::from(block) + 1);
                report.add(at.at(), fault.at(), format!("{path}.at_block"), kind);
                return None;
            }
            Some(Trigger::AtBlock(block))
        }
        (None, Some(after)) => {
            let job = &after.value().job;
            let stage = *after.value().stage.value();
            let Some(entry) = jobs.iter().find(|e| e.written == *job.value()) else {
                let kind = unknown_job(job.value(), jobs);
                report.add(job.at(), after.at(), format!("{path}.after.job"), kind);
                return None;
            };
            let job = Name::parse(&entry.written)?;
            Some(Trigger::After { job, stage })
        }
    }
}

/// A reference to a job that is not in `jobs`, with the names that are.
pub(crate) fn unknown_job(name: &str, jobs: &[JobEntry]) -> ProblemKind {
    ProblemKind::UnknownJob { name: name.to_owned(), known: jobs.iter().map(|e| e.written.clone()).collect() }
}

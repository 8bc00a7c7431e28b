//! A job checked against the topology (requester, requirements a worker can meet) and
//! against the other jobs (distinct names, what each requester can afford).

use std::collections::HashMap;
use std::num::NonZeroU32;

use cr_protocol::workload::Workload;

use super::jobs::{JobEntry, Place, MAX_JOBS};
use super::kind::ProblemKind;
use super::matching::find_taker;
use super::plan::Requirements;
use super::raw::{RawJob, RawRequirements};
use super::Collector;
use crate::diagnostics::Sp;
use crate::topology::{GpuModel, Name, Topology};

pub(crate) fn requester(
    written: &Option<Sp<String>>,
    topology: &Topology,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) -> Option<Name> {
    let Some(sp) = written else {
        return topology.requesters().first().cloned();
    };
    let found = topology.requesters().iter().find(|r| r.as_str() == sp.value());
    if found.is_none() {
        let kind = ProblemKind::UnknownRequester {
            name: sp.value().clone(),
            known: topology.requesters().iter().map(Name::to_string).collect(),
        };
        place.add(report, sp.at(), "requester", kind);
    }
    found.cloned()
}

/// The requirements as written, or the defaults; a workload that needs a GPU always asks
/// for at least one, so a plan cannot send such a job to a CPU-only node.
pub(crate) fn requirements(
    j: &RawJob,
    workload: Option<Workload>,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) -> Option<Requirements> {
    let needs_gpu = workload.is_some_and(Workload::needs_gpu);
    let mut req =
        Requirements { cpu_cores: 1, memory_mb: 256, gpu_count: u32::from(needs_gpu), gpu_vram_mb: 0, gpu_model: None };
    let Some(sp) = &j.requirements else {
        return Some(req);
    };
    let RawRequirements { cpu_cores, memory_mb, gpu } = sp.value();
    req.cpu_cores = *cpu_cores.value();
    req.memory_mb = *memory_mb.value();
    let Some(gpu) = gpu else { return Some(req) };
    let (here, g) = (gpu.at(), gpu.value());
    let field = |name: &str| format!("{}.requirements.gpu.{name}", place.path);
    let count = NonZeroU32::new(*g.count.value());
    if count.is_none() {
        let kind = ProblemKind::ZeroValue { what: "GPU count" };
        report.add(g.count.at(), here, field("count"), kind);
    }
    let model = match &g.model {
        Some(m) => match GpuModel::parse(m.value()) {
            Some(model) => Some(model),
            None => {
                let kind = ProblemKind::InvalidGpuModel { model: m.value().clone() };
                report.add(m.at(), here, field("model"), kind);
                return None;
            }
        },
        None => None,
    };
    req.gpu_count = count?.get();
    req.gpu_vram_mb = *g.vram_mb.value();
    req.gpu_model = model;
    Some(req)
}

/// Some online worker must be able to take the job, unless the file says none can; then
/// none may.
pub(crate) fn check_taker(
    j: &RawJob,
    req: &Requirements,
    topology: &Topology,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) {
    match (find_taker(req, topology), *j.expect_unmatched.value()) {
        (Ok(group), true) => {
            let group = group.to_string();
            let kind = ProblemKind::ExpectUnmatchedButMatched { group };
            place.add(report, j.expect_unmatched.at(), "expect_unmatched", kind);
        }
        (Err(kind), false) => match &j.requirements {
            Some(r) => place.add(report, r.at(), "requirements", kind),
            None => report.add(place.here, place.here, place.path, kind),
        },
        _ => {}
    }
}

/// Job names and copy names share one namespace: expectations, triggers and reports use them.
pub(crate) fn check_unique(raw: &[Sp<RawJob>], report: &mut Collector<'_>) {
    let mut owners: HashMap<String, String> = HashMap::new();
    for (i, job) in raw.iter().enumerate() {
        let name = job.value().name.value();
        let count = *job.value().count.value();
        let at = job.value().name.at();
        let copies = (count > 1 && u64::from(count) <= MAX_JOBS)
            .then(|| (0..count).map(|c| format!("{name}-{c}")))
            .into_iter()
            .flatten();
        for (claimed, owner) in std::iter::once((name.clone(), format!("jobs[{i}]")))
            .chain(copies.map(|c| (c.clone(), format!("jobs[{i}] (copy {c})"))))
        {
            if let Some(first) = owners.get(&claimed) {
                let kind = ProblemKind::DuplicateJob { name: claimed, first: first.clone() };
                report.add(at, job.at(), format!("jobs[{i}].name"), kind);
                break;
            }
            owners.insert(claimed, owner);
        }
    }
}

/// Each requester escrows every budget it submits; the sum must leave something for fees.
pub(crate) fn check_funds(raw: &[Sp<RawJob>], entries: &[JobEntry], topology: &Topology, report: &mut Collector<'_>) {
    let endowment = topology.endowment_tokens().0;
    let mut totals: HashMap<&Name, u64> = HashMap::new();
    for (i, (job, entry)) in raw.iter().zip(entries).enumerate() {
        let Some(first) = entry.plans.as_ref().and_then(|p| p.first()) else {
            continue;
        };
        let total = totals.entry(&first.requester).or_default();
        let before = *total;
        let copies = entry.plans.as_ref().map_or(0, Vec::len) as u64;
        *total = total.saturating_add(first.budget.0.saturating_mul(copies));
        if *total >= endowment && before < endowment {
            let kind = ProblemKind::BudgetExceedsEndowment {
                requester: first.requester.to_string(),
                total: *total,
                endowment,
            };
            let budget = &job.value().budget;
            report.add(budget.at(), job.at(), format!("jobs[{i}].budget"), kind);
        }
    }
}

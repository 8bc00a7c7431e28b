//! The `jobs` list: each entry checked on its own and against the topology, then expanded
//! into one [`JobPlan`] per copy.

use std::num::NonZeroU32;

use cr_protocol::workload::{Workload, WorkloadSpec};
use serde_saphyr::Location;

use super::jobs_against::{check_funds, check_taker, check_unique, requester, requirements};
use super::kind::ProblemKind;
use super::plan::{JobPlan, Requirements};
use super::raw::RawJob;
use super::Collector;
use crate::diagnostics::{InvalidName, Sp};
use crate::topology::{Name, Tokens, Topology, MAX_NAME_LEN};

/// Most job copies one scenario submits; bounds memory for hostile counts.
pub const MAX_JOBS: u64 = 10_000;
use crate::topology::MAX_DEADLINE_BLOCKS;

/// What later checks need to know about one entry of `jobs`, even when it is invalid.
pub(crate) struct JobEntry {
    /// The name as written, so references to a broken job are not reported as unknown.
    pub(crate) written: String,
    pub(crate) requirements: Option<Requirements>,
    /// Submission block of the last copy, when it is within the scenario.
    pub(crate) last_arrival: Option<u32>,
    pub(crate) expect_unmatched: bool,
    /// Every copy, when the entry is valid.
    pub(crate) plans: Option<Vec<JobPlan>>,
}

/// Checks every entry; the plans of an entry are `None` when it has a problem.
pub(crate) fn check(
    raw: &[Sp<RawJob>],
    topology: Option<&Topology>,
    timeout: u32,
    report: &mut Collector<'_>,
) -> Vec<JobEntry> {
    let mut total: u64 = 0;
    let mut entries = Vec::with_capacity(raw.len());
    for (i, job) in raw.iter().enumerate() {
        let path = format!("jobs[{i}]");
        let count = u64::from(*job.value().count.value());
        total = total.saturating_add(count);
        let too_many = total > MAX_JOBS;
        if too_many && total - count <= MAX_JOBS {
            let kind = ProblemKind::TooManyJobs { value: total, max: MAX_JOBS };
            report.add(job.value().count.at(), job.at(), format!("{path}.count"), kind);
        }
        // Past the limit nothing is expanded, so a hostile count costs no memory.
        let entry = check_one(job, &path, topology, timeout, !too_many, report);
        entries.push(entry);
    }
    check_unique(raw, report);
    if let Some(topology) = topology {
        check_funds(raw, &entries, topology, report);
    }
    entries
}

/// Where an entry's problems go: `jobs[i].<field>`, at the field or else at the entry.
pub(crate) struct Place<'p> {
    pub(crate) path: &'p str,
    pub(crate) here: Location,
}

impl Place<'_> {
    pub(crate) fn add(&self, report: &mut Collector<'_>, at: Location, field: &str, kind: ProblemKind) {
        report.add(at, self.here, format!("{}.{field}", self.path), kind);
    }
}

fn check_one(
    job: &Sp<RawJob>,
    path: &str,
    topology: Option<&Topology>,
    timeout: u32,
    room: bool,
    report: &mut Collector<'_>,
) -> JobEntry {
    let j = job.value();
    let place = Place { path, here: job.at() };
    let before = report.len();
    let name = Name::parse(j.name.value());
    if name.is_none() {
        let (what, name, max) = ("job name", j.name.value().clone(), MAX_NAME_LEN);
        let kind = ProblemKind::from(InvalidName { what, name, max });
        place.add(report, j.name.at(), "name", kind);
    }
    let workload = j.workload.value().parse::<Workload>().ok();
    if workload.is_none() {
        let found = j.workload.value().clone();
        let kind = ProblemKind::UnknownWorkload { found };
        place.add(report, j.workload.at(), "workload", kind);
    }
    let spec = workload.and_then(|w| {
        let spec = WorkloadSpec::new(w, *j.size.value(), *j.seed.value());
        spec.map_err(|error| {
            place.add(report, j.size.at(), "size", ProblemKind::BadSize { error });
        })
        .ok()
    });
    if *j.budget.value() == 0 {
        place.add(report, j.budget.at(), "budget", ProblemKind::ZeroBudget);
    }
    let count = NonZeroU32::new(*j.count.value());
    if count.is_none() {
        place.add(report, j.count.at(), "count", ProblemKind::ZeroCount);
    }
    if let (Some(name), Some(count)) = (&name, count.filter(|c| c.get() > 1)) {
        let longest = format!("{name}-{}", count.get() - 1);
        if longest.len() > MAX_NAME_LEN {
            let kind = ProblemKind::JobNameTooLong { longest };
            place.add(report, j.name.at(), "name", kind);
        }
    }
    let last_arrival = timing(j, count, timeout, &place, report);
    let accept_within = window(&j.accept_within, "accept_within", &place, report);
    let execute_within = window(&j.execute_within, "execute_within", &place, report);
    let requester = topology.and_then(|t| requester(&j.requester, t, &place, report));
    let requirements = requirements(j, workload, &place, report);
    if let (Some(t), Some(req)) = (topology, &requirements) {
        check_taker(j, req, t, &place, report);
    }

    let plans = match (name, spec, count, requester, requirements.clone()) {
        (Some(name), Some(spec), Some(count), Some(requester), Some(requirements))
            if room && report.len() == before =>
        {
            let first = JobPlan {
                name: name.clone(),
                group: name,
                copy: 0,
                spec,
                budget: Tokens(*j.budget.value()),
                requirements,
                arrival_block: *j.at_block.value(),
                requester,
                accept_within,
                execute_within,
                cancel_after: j.cancel_after_blocks.as_ref().map(|c| *c.value()),
                expect_unmatched: *j.expect_unmatched.value(),
            };
            expand(first, count, *j.spacing_blocks.value())
        }
        _ => None,
    };
    JobEntry {
        written: j.name.value().clone(),
        requirements,
        last_arrival,
        expect_unmatched: *j.expect_unmatched.value(),
        plans,
    }
}

/// Every copy must be submitted, and cancelled if asked, before the scenario ends. Returns
/// the last copy's submission block when it is in time.
fn timing(
    j: &RawJob,
    count: Option<NonZeroU32>,
    timeout: u32,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) -> Option<u32> {
    let copies = u64::from(count.map_or(1, NonZeroU32::get));
    let (at, spacing) = (*j.at_block.value(), *j.spacing_blocks.value());
    let last = u64::from(at) + (copies - 1) * u64::from(spacing);
    let last_name = match copies {
        1 => format!("job {}", j.name.value()),
        n => format!("copy {}-{}", j.name.value(), n - 1),
    };
    if last >= u64::from(timeout) {
        let (sp, field) = if at >= timeout { (&j.at_block, "at_block") } else { (&j.spacing_blocks, "spacing_blocks") };
        let event = format!("{last_name} is submitted");
        place.add(report, sp.at(), field, beyond(event, last, timeout, last + 1));
        return None;
    }
    if let Some(sp) = &j.cancel_after_blocks {
        let block = last + u64::from(*sp.value());
        if block >= u64::from(timeout) {
            let event = format!("{last_name} is cancelled");
            let kind = beyond(event, block, timeout, block + 1);
            place.add(report, sp.at(), "cancel_after_blocks", kind);
        }
    }
    u32::try_from(last).ok()
}

/// An accept or execute window: 1 block up to the runtime's longest.
fn window(value: &Option<Sp<u32>>, field: &str, place: &Place<'_>, report: &mut Collector<'_>) -> Option<NonZeroU32> {
    let sp = value.as_ref()?;
    let got = NonZeroU32::new(*sp.value()).filter(|v| v.get() <= MAX_DEADLINE_BLOCKS);
    if got.is_none() {
        let (value, min, max) = (u64::from(*sp.value()), 1, u64::from(MAX_DEADLINE_BLOCKS));
        place.add(report, sp.at(), field, ProblemKind::OutOfRange { value, min, max });
    }
    got
}

/// `first` and its copies: names `<name>-<copy>` when there are several, seeds and arrivals
/// counted up from the first's. `None` if a name or block would not fit (checked before).
fn expand(first: JobPlan, count: NonZeroU32, spacing: u32) -> Option<Vec<JobPlan>> {
    if count.get() == 1 {
        return Some(vec![first]);
    }
    (0..count.get())
        .map(|copy| {
            let spec = first.spec;
            let seed = spec.seed().wrapping_add(u64::from(copy));
            Some(JobPlan {
                name: Name::parse(&format!("{}-{copy}", first.group))?,
                copy,
                spec: WorkloadSpec::new(spec.workload(), spec.size(), seed).ok()?,
                arrival_block: first.arrival_block.checked_add(copy.checked_mul(spacing)?)?,
                ..first.clone()
            })
        })
        .collect()
}

pub(crate) fn beyond(event: String, block: u64, timeout: u32, min_timeout: u64) -> ProblemKind {
    ProblemKind::BeyondTimeout { event, block, timeout, min_timeout }
}

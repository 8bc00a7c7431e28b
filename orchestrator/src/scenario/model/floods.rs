//! The `floods` list: requester-side attacks on the deadline queue. Each flood submits `count`
//! jobs no node can take, all expiring in one block, from a requester that submits nothing
//! else, so the chain's refusals can be counted and told apart.

use serde::Serialize;
use serde_saphyr::Location;

use super::jobs::{JobEntry, Place, MAX_JOBS};
use super::jobs_against::requester;
use super::kind::ProblemKind;
use super::raw::RawFlood;
use super::{check_expect::chain_error, Collector};
use crate::diagnostics::{InvalidName, Sp};
use crate::topology::{Name, Topology, MAX_NAME_LEN};

/// One validated flood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloodPlan {
    pub(crate) name: Name,
    pub(crate) count: u32,
    pub(crate) at_block: u32,
    pub(crate) expire_at_block: u32,
    pub(crate) requester: Name,
    pub(crate) expect_refused: Option<String>,
}

impl FloodPlan {
    /// The flood's name.
    pub fn name(&self) -> &Name {
        &self.name
    }
    /// Jobs submitted.
    pub fn count(&self) -> u32 {
        self.count
    }
    /// Block (relative to the start) in which they are submitted.
    pub fn at_block(&self) -> u32 {
        self.at_block
    }
    /// Block (relative to the start) in which every one of them expires.
    pub fn expire_at_block(&self) -> u32 {
        self.expire_at_block
    }
    /// The requester that submits them.
    pub fn requester(&self) -> &Name {
        &self.requester
    }
    /// The error the chain must refuse some of them with, if checked.
    pub fn expect_refused(&self) -> Option<&str> {
        self.expect_refused.as_deref()
    }
}

/// Checks every flood; `None` when any has a problem.
pub(crate) fn check(
    raw: &[Sp<RawFlood>],
    topology: Option<&Topology>,
    jobs: &[JobEntry],
    job_requesters: &[(String, Option<Name>)],
    timeout: u32,
    report: &mut Collector<'_>,
) -> Option<Vec<FloodPlan>> {
    let before = report.len();
    let mut out = Vec::new();
    for (i, sp) in raw.iter().enumerate() {
        let path = format!("floods[{i}]");
        let place = Place { path: &path, here: sp.at() };
        let f = sp.value();
        let name = Name::parse(f.name.value());
        if name.is_none() {
            let (what, name, max) = ("flood name", f.name.value().clone(), MAX_NAME_LEN);
            place.add(report, f.name.at(), "name", ProblemKind::from(InvalidName { what, name, max }));
        }
        if jobs.iter().any(|j| j.written == *f.name.value()) {
            let kind = ProblemKind::DuplicateJob { name: f.name.value().clone(), first: "jobs".to_owned() };
            place.add(report, f.name.at(), "name", kind);
        }
        let count = *f.count.value();
        if count == 0 || u64::from(count) > MAX_JOBS {
            let kind = ProblemKind::OutOfRange { value: count.into(), min: 1, max: MAX_JOBS };
            place.add(report, f.count.at(), "count", kind);
        }
        let (at, expire) = (*f.at_block.value(), *f.expire_at_block.value());
        if u64::from(expire) < u64::from(at) + 2 {
            place.add(
                report,
                f.expire_at_block.at(),
                "expire_at_block",
                ProblemKind::FloodExpiresTooSoon { at, expire },
            );
        } else if expire >= timeout {
            let kind = super::jobs::beyond(
                format!("flood {} expires", f.name.value()),
                expire.into(),
                timeout,
                u64::from(expire) + 1,
            );
            place.add(report, f.expire_at_block.at(), "expire_at_block", kind);
        }
        let who = topology.and_then(|t| requester(&f.requester, t, &place, report));
        if let Some(who) = &who {
            if let Some((job, _)) = job_requesters.iter().find(|(_, r)| r.as_ref() == Some(who)) {
                let kind = ProblemKind::FloodRequesterShared { requester: who.to_string(), job: job.clone() };
                let at = f.requester.as_ref().map_or(Location::UNKNOWN, Sp::at);
                place.add(report, at, "requester", kind);
            }
        }
        let expect_refused = f.expect_refused.as_ref().and_then(|e| chain_error(e, &place, "expect_refused", report));
        if let (Some(name), Some(requester)) = (name, who) {
            out.push(FloodPlan { name, count, at_block: at, expire_at_block: expire, requester, expect_refused });
        }
    }
    (report.len() == before).then_some(out)
}

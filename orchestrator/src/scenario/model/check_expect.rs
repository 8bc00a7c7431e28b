//! The `expect` section: every job expectation must name a job, fit in the scenario, and
//! describe something the chain can actually produce with this topology.

use std::collections::HashMap;
use std::num::NonZeroU32;

use serde_saphyr::Location;

use super::check_faults::unknown_job;
use super::jobs::{beyond, JobEntry, Place};
use super::kind::ProblemKind;
use super::matching::{group_names, why_group_cannot};
use super::outcome::{Dispute, Expectations, JobExpectation, Outcome, RefundReason};
use super::raw::{RawExpect, RawJobExpect};
use super::Collector;
use crate::diagnostics::Sp;
use crate::topology::{Behaviour, Name, Role, Topology};

/// Checks the section; `None` when any expectation has a problem.
pub(crate) fn check(
    raw: &RawExpect,
    topology: Option<&Topology>,
    jobs: &[JobEntry],
    timeout: u32,
    report: &mut Collector<'_>,
) -> Option<Expectations> {
    let mut out = Some(Vec::new());
    let mut seen: HashMap<&str, String> = HashMap::new();
    for (i, sp) in raw.jobs.value().iter().enumerate() {
        let path = format!("expect.jobs[{i}]");
        let job = &sp.value().job;
        if let Some(first) = seen.get(job.value().as_str()) {
            let kind = ProblemKind::DuplicateExpectation { job: job.value().clone(), first: first.clone() };
            report.add(job.at(), sp.at(), format!("{path}.job"), kind);
            out = None;
            continue;
        }
        seen.insert(job.value(), path.clone());
        let checked = one(sp, &path, topology, jobs, timeout, report);
        match (checked, out.as_mut()) {
            (Some(e), Some(out)) => out.push(e),
            _ => out = None,
        }
    }
    let finality = &raw.finality_advances;
    if *finality.value() > timeout {
        let kind = ProblemKind::FinalityBeyondTimeout { value: *finality.value(), timeout };
        report.add(finality.at(), Location::UNKNOWN, "expect.finality_advances", kind);
        return None;
    }
    Some(Expectations {
        jobs: out?,
        finality_advances: *finality.value(),
        all_terminal: *raw.all_terminal.value(),
        invariants: *raw.invariants.value(),
    })
}

fn one(
    sp: &Sp<RawJobExpect>,
    path: &str,
    topology: Option<&Topology>,
    jobs: &[JobEntry],
    timeout: u32,
    report: &mut Collector<'_>,
) -> Option<JobExpectation> {
    let e = sp.value();
    let place = Place { path, here: sp.at() };
    let before = report.len();
    let Some(entry) = jobs.iter().find(|j| j.written == *e.job.value()) else {
        place.add(report, e.job.at(), "job", unknown_job(e.job.value(), jobs));
        return None;
    };
    let outcome = *e.outcome.value();
    let within = within(e, entry, timeout, &place, report);
    if entry.expect_unmatched && matches!(outcome, Outcome::Completed | Outcome::Refunded) {
        let kind = ProblemKind::UnmatchedJobOutcome { outcome };
        place.add(report, e.outcome.at(), "outcome", kind);
    }
    let reason = e.reason.as_ref().map(|r| *r.value());
    if let Some(r) = e.reason.as_ref().filter(|_| outcome != Outcome::Refunded) {
        let kind = ProblemKind::ReasonWithoutRefund { outcome };
        place.add(report, r.at(), "reason", kind);
    }
    if let Some(d) = &e.dispute {
        check_dispute(d, outcome, reason, topology, &place, report);
    }
    let node_group = e.node_group.as_ref().and_then(|g| node_group(g, outcome, entry, topology, &place, report));
    let error = e.error.as_ref().and_then(|err| {
        if outcome != Outcome::Refused {
            place.add(report, err.at(), "error", ProblemKind::ErrorWithoutRefusal { outcome });
        }
        chain_error(err, &place, "error", report)
    });
    let refusals: Vec<String> = e
        .refusals
        .value()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| chain_error(r, &place, &format!("refusals[{i}]"), report))
        .collect();
    let timeouts = e.timeouts.as_ref().map(|t| *t.value());
    if let (Some(t), Some(topology)) = (&e.timeouts, topology) {
        let max = topology.market().max_attempts.get();
        let timeouts = *t.value();
        if let Some(why) = timeouts_impossible(timeouts, max, outcome, reason) {
            let kind = ProblemKind::TimeoutsImpossible { timeouts, why };
            place.add(report, t.at(), "timeouts", kind);
        }
    }
    if report.len() > before {
        return None;
    }
    Some(JobExpectation {
        job: Name::parse(&entry.written)?,
        outcome,
        within_blocks: within,
        reason,
        dispute: e.dispute.as_ref().map(|d| *d.value()),
        node_group,
        timeouts,
        error,
        refusals,
    })
}

/// A marketplace error name, checked against the pallet's errors in the metadata.
pub(crate) fn chain_error(
    sp: &Sp<String>,
    place: &Place<'_>,
    field: &str,
    report: &mut Collector<'_>,
) -> Option<String> {
    let known = cr_protocol::chain::market_error_names();
    if known.iter().any(|k| k == sp.value()) {
        return Some(sp.value().clone());
    }
    let kind = ProblemKind::UnknownChainError { name: sp.value().clone(), known: known.to_vec() };
    place.add(report, sp.at(), field, kind);
    None
}

/// The window must close by the end of the scenario, for the last copy too.
fn within(
    e: &RawJobExpect,
    entry: &JobEntry,
    timeout: u32,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) -> Option<NonZeroU32> {
    let w = e.within_blocks.as_ref()?;
    let Some(within) = NonZeroU32::new(*w.value()) else {
        place.add(report, w.at(), "within_blocks", ProblemKind::ZeroBlocks);
        return None;
    };
    if let Some(last) = entry.last_arrival {
        let end = u64::from(last) + u64::from(within.get());
        if end > u64::from(timeout) {
            let event = format!("the within_blocks window of job {} closes", entry.written);
            place.add(report, w.at(), "within_blocks", beyond(event, end, timeout, end));
        }
    }
    Some(within)
}

/// The dispute's verdict must lead to the expected outcome and agree with the refund
/// reason, and the topology must have someone to raise it and decide it.
fn check_dispute(
    d: &Sp<Dispute>,
    outcome: Outcome,
    reason: Option<RefundReason>,
    topology: Option<&Topology>,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) {
    let dispute = *d.value();
    let needed = match dispute {
        Dispute::None => None,
        Dispute::NodeWrong | Dispute::NoQuorum | Dispute::Tie => Some(Outcome::Refunded),
        Dispute::ChallengerWrong => Some(Outcome::Completed),
    };
    let kind = match (needed, reason) {
        (Some(needed), _) if needed != outcome => Some(ProblemKind::DisputeOutcome { dispute, outcome, needed }),
        (_, Some(reason)) if outcome == Outcome::Refunded && !agree(reason, dispute) => {
            Some(ProblemKind::ReasonContradictsDispute { reason, dispute })
        }
        _ => None,
    };
    let undecided = topology.and_then(|t| nobody_to_decide(dispute, t));
    for kind in kind.into_iter().chain(undecided) {
        place.add(report, d.at(), "dispute", kind);
    }
}

/// Only completed and refunded jobs have a node to pay or slash, and it must be one that
/// could have taken the job.
fn node_group(
    g: &Sp<String>,
    outcome: Outcome,
    entry: &JobEntry,
    topology: Option<&Topology>,
    place: &Place<'_>,
    report: &mut Collector<'_>,
) -> Option<Name> {
    if matches!(outcome, Outcome::Cancelled | Outcome::Expired | Outcome::Refused) {
        let kind = ProblemKind::NodeGroupWithoutNode { outcome };
        place.add(report, g.at(), "node_group", kind);
        return None;
    }
    let topology = topology?;
    let known = group_names(topology);
    let Some(name) = Name::parse(g.value()).filter(|n| known.contains(n)) else {
        let kind =
            ProblemKind::UnknownGroup { name: g.value().clone(), known: known.iter().map(Name::to_string).collect() };
        place.add(report, g.at(), "node_group", kind);
        return None;
    };
    let req = entry.requirements.as_ref()?;
    if let Some(why) = why_group_cannot(&name, req, topology) {
        let kind = ProblemKind::NodeGroupCannotTake { group: name.to_string(), why };
        place.add(report, g.at(), "node_group", kind);
    }
    Some(name)
}

/// A rejected result is the verdict of a node-wrong dispute, an undecided one follows a missed
/// quorum or a tie; exhausted attempts involve none.
fn agree(reason: RefundReason, dispute: Dispute) -> bool {
    match reason {
        RefundReason::ResultRejected => dispute == Dispute::NodeWrong,
        RefundReason::Undecided => matches!(dispute, Dispute::NoQuorum | Dispute::Tie),
        RefundReason::AttemptsExhausted => dispute == Dispute::None,
    }
}

/// A dispute needs a challenger (for challenger-wrong, one that challenges honest results)
/// and, for a verdict, a committee.
fn nobody_to_decide(dispute: Dispute, topology: &Topology) -> Option<ProblemKind> {
    if dispute == Dispute::None {
        return None;
    }
    let challenges = |n: &&crate::topology::ComputeNode| {
        n.role() == Role::Verifier
            && match dispute {
                Dispute::ChallengerWrong => n.behaviour() == Behaviour::WrongResult,
                _ => n.behaviour() != Behaviour::Offline,
            }
    };
    if !topology.compute_nodes().iter().any(|n| challenges(&n)) {
        return Some(ProblemKind::NoChallenger { dispute });
    }
    let verdict = matches!(dispute, Dispute::NodeWrong | Dispute::ChallengerWrong);
    (verdict && topology.committee().is_empty()).then_some(ProblemKind::NoCommittee { dispute })
}

fn timeouts_impossible(timeouts: u32, max: u32, outcome: Outcome, reason: Option<RefundReason>) -> Option<String> {
    if timeouts > max {
        return Some(format!("a job gets at most {max} attempt(s) (chain.market.max_attempts)"));
    }
    if outcome == Outcome::Completed && timeouts == max {
        return Some(format!("a completed job needs an attempt that did not time out, and all {max} did"));
    }
    if reason == Some(RefundReason::AttemptsExhausted) && timeouts != max {
        return Some(format!("attempts are exhausted after exactly {max} timeout(s) (chain.market.max_attempts)"));
    }
    None
}

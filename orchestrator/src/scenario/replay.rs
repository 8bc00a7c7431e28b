//! `testnet replay`: a run's report against a new run of the same scenario file, job by job:
//! which node took it, how it ended, the dispute's verdict, its timed-out attempts. The inputs
//! and the fault schedule are the file's and so the same; the block an event lands in on a
//! shared host is not, and a job whose deciding moment moved by a block can end differently.

use super::ScenarioReport;
use cr_protocol::lifecycle::JobHistory;
use serde::Serialize;

/// One job that went differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Divergence {
    pub job: String,
    pub what: &'static str,
    pub before: String,
    pub after: String,
}

fn facts(h: Option<&JobHistory>) -> [(&'static str, String); 4] {
    let show = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    match h {
        None => ["node", "outcome", "dispute", "timeouts"].map(|w| (w, "not in the run".to_owned())),
        Some(h) => [
            ("node", show(h.node_name.clone())),
            ("outcome", show(h.end.map(|o| o.as_str().to_owned()))),
            ("dispute", show(h.dispute.map(|v| v.as_str().to_owned()))),
            ("timeouts", h.timeouts.to_string()),
        ],
    }
}

/// Every job (in name order) whose node, outcome, verdict or timeouts differ between the runs.
pub fn compare(before: &ScenarioReport, after: &ScenarioReport) -> Vec<Divergence> {
    let mut names: Vec<&String> = before.jobs.keys().chain(after.jobs.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let (b, a) = (facts(before.jobs.get(name)), facts(after.jobs.get(name)));
        for ((what, before), (_, after)) in b.into_iter().zip(a) {
            if before != after {
                out.push(Divergence { job: name.clone(), what, before, after });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cr_protocol::lifecycle::{Outcome, Verdict};
    use std::path::Path;

    /// Name, node, outcome, verdict, timeouts.
    type Job<'a> = (&'a str, Option<&'a str>, Outcome, Option<Verdict>, u32);

    fn run(jobs: &[Job<'_>]) -> ScenarioReport {
        let mut r = ScenarioReport::aborted("s", Path::new("t.yaml"), "");
        for (name, node, end, dispute, timeouts) in jobs {
            let h = JobHistory {
                node_name: node.map(str::to_owned),
                end: Some(*end),
                dispute: *dispute,
                timeouts: *timeouts,
                ..JobHistory::default()
            };
            r.jobs.insert((*name).to_owned(), h);
        }
        r
    }

    #[test]
    fn the_same_run_has_no_divergence_and_a_different_node_is_the_first() {
        let a = run(&[("a", Some("cpu-0"), Outcome::Completed, None, 0), ("b", None, Outcome::Expired, None, 0)]);
        assert!(compare(&a, &a).is_empty());
        let b = run(&[("a", Some("cpu-1"), Outcome::Completed, None, 1), ("b", None, Outcome::Expired, None, 0)]);
        let d = compare(&a, &b);
        assert_eq!(d.len(), 2);
        assert_eq!(
            (d[0].job.as_str(), d[0].what, d[0].before.as_str(), d[0].after.as_str()),
            ("a", "node", "cpu-0", "cpu-1")
        );
        assert_eq!(d[1].what, "timeouts");
    }

    #[test]
    fn a_job_missing_from_one_run_diverges_and_verdicts_are_compared() {
        let a = run(&[("a", Some("w-0"), Outcome::Refunded, Some(Verdict::NodeWrong), 0)]);
        let b = run(&[
            ("a", Some("w-0"), Outcome::Refunded, Some(Verdict::NoQuorum), 0),
            ("c", None, Outcome::Cancelled, None, 0),
        ]);
        let d = compare(&a, &b);
        assert_eq!(d[0].what, "dispute");
        assert_eq!((d[1].job.as_str(), d[1].before.as_str()), ("c", "not in the run"));
    }
}

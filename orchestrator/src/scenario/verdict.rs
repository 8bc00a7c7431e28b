//! Expectations against what happened: one named assertion each, with expected and actual, so a
//! failure says which job, what was expected and what the chain did.

use super::model::{Dispute, JobExpectation, Scenario};
use cr_protocol::lifecycle::{JobHistory, Outcome, RefundReason};
use serde::Serialize;
use std::collections::BTreeMap;

/// One checked statement.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Assertion {
    pub name: String,
    pub passed: bool,
    pub expected: String,
    pub actual: String,
}

impl Assertion {
    pub fn new(name: impl Into<String>, expected: impl ToString, actual: impl ToString) -> Self {
        let (expected, actual) = (expected.to_string(), actual.to_string());
        Self { name: name.into(), passed: expected == actual, expected, actual }
    }

    pub fn holds(name: impl Into<String>, passed: bool, expected: impl ToString, actual: impl ToString) -> Self {
        Self { name: name.into(), passed, expected: expected.to_string(), actual: actual.to_string() }
    }
}

/// Every per-job expectation, for every copy of the job.
pub fn job_assertions(
    scenario: &Scenario,
    traces: &BTreeMap<String, JobHistory>,
    group_of_node: &BTreeMap<String, String>,
) -> Vec<Assertion> {
    let mut out = Vec::new();
    for expectation in scenario.expectations().jobs() {
        for plan in scenario.copies(expectation.job()) {
            let name = plan.name().as_str();
            match traces.get(name) {
                Some(trace) => out.extend(one_job(name, expectation, trace, group_of_node)),
                None => out.push(Assertion::new(format!("job {name} was submitted"), "submitted", "never submitted")),
            }
        }
    }
    out
}

fn one_job(name: &str, e: &JobExpectation, t: &JobHistory, group_of_node: &BTreeMap<String, String>) -> Vec<Assertion> {
    let mut out = vec![Assertion::new(
        format!("job {name} outcome"),
        e.outcome().as_str(),
        t.end.map_or("not terminal", Outcome::as_str),
    )];
    if let Some(within) = e.within_blocks() {
        let took = t.submitted.zip(t.settled).map(|(s, e)| e - s);
        out.push(Assertion::holds(
            format!("job {name} ends within {within} blocks of submission"),
            took.is_some_and(|b| b <= u64::from(within.get())),
            format!("<= {within} blocks"),
            took.map_or("did not end".to_owned(), |b| format!("{b} blocks")),
        ));
    }
    if let Some(reason) = e.reason() {
        out.push(Assertion::new(
            format!("job {name} refund reason"),
            reason.as_str(),
            t.refund_reason.map_or("no refund", RefundReason::as_str),
        ));
    }
    if let Some(error) = e.error() {
        out.push(Assertion::new(
            format!("job {name} submission refused with"),
            error,
            t.refused_with.as_deref().unwrap_or("not refused"),
        ));
    }
    for error in e.refusals() {
        let seen = t.refusal_errors.iter().any(|r| r == error);
        out.push(Assertion::holds(
            format!("job {name}: a call is refused with {error}"),
            seen,
            format!("a call refused with {error}"),
            if t.refusals.is_empty() { "no call refused".to_owned() } else { t.refusals.join("; ") },
        ));
    }
    if let Some(dispute) = e.dispute() {
        let actual = Dispute::from(t.dispute).as_str();
        out.push(Assertion::new(format!("job {name} dispute"), dispute.as_str(), actual));
    }
    if let Some(group) = e.node_group() {
        let actual = t.node_name.as_ref().and_then(|n| group_of_node.get(n)).map_or("no node", String::as_str);
        let role = if e.outcome() == Outcome::Completed { "paid" } else { "at fault" };
        out.push(Assertion::new(format!("job {name} node ({role}) group"), group.as_str(), actual));
    }
    if let Some(timeouts) = e.timeouts() {
        out.push(Assertion::new(format!("job {name} timed-out attempts"), timeouts, t.timeouts));
    }
    if t.end == Some(Outcome::Completed) {
        // 90/10 as the chain computed it: fee = budget * fee% rounded down, node gets the rest.
        let sum = t.node_payout.unwrap_or(0) + t.protocol_fee.unwrap_or(0);
        out.push(Assertion::new(format!("job {name} payout + fee = budget"), t.budget, sum));
    }
    out
}

/// Fee of a budget as the runtime computes it (rounded down).
pub fn fee_of(budget: u128, percent: u8) -> u128 {
    budget * u128::from(percent) / 100
}

/// A scenario that must fail (`should_fail`): the failed assertions whose observed value (or,
/// for the per-block invariants, one of the `violations`) mentions `text` are what the scenario
/// is for and become notes; any other failure still fails it, and one more assertion says
/// whether the expected failure happened.
pub fn expect_failure(text: &str, assertions: &mut Vec<Assertion>, violations: &[String], notes: &mut Vec<String>) {
    let is_invariant = |a: &Assertion| a.name.starts_with(INVARIANTS);
    let expected = |a: &Assertion| {
        !a.passed && (a.actual.contains(text) || (is_invariant(a) && violations.iter().any(|v| v.contains(text))))
    };
    let mut caught = None;
    assertions.retain(|a| {
        if !expected(a) {
            return true;
        }
        notes.push(format!("failed as the scenario expects: {}: expected {}, got {}", a.name, a.expected, a.actual));
        let detail = violations.iter().find(|v| v.contains(text)).filter(|_| is_invariant(a)).unwrap_or(&a.actual);
        caught.get_or_insert_with(|| format!("{}: {detail}", a.name));
        false
    });
    assertions.push(Assertion::holds(
        format!("should_fail: a check fails with {text:?}"),
        caught.is_some(),
        format!("a failure mentioning {text:?}"),
        caught.unwrap_or_else(|| "no failure mentions it".to_owned()),
    ));
}

/// How the per-block invariant assertion's name starts.
pub const INVARIANTS: &str = "held balances equal open obligations";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertion_equality_and_holds() {
        assert!(Assertion::new("x", "completed", "completed").passed);
        let a = Assertion::new("job bad outcome", "refunded", "completed");
        assert!(!a.passed);
        assert_eq!((a.expected.as_str(), a.actual.as_str()), ("refunded", "completed"));
        assert!(!Assertion::holds("y", false, "<= 3 blocks", "5 blocks").passed);
    }

    #[test]
    fn fee_rounds_down() {
        assert_eq!(fee_of(1005, 10), 100);
        assert_eq!(fee_of(100, 10), 10);
        assert_eq!(fee_of(9, 10), 0);
    }

    fn invariants(passed: bool, first: &str) -> Assertion {
        Assertion::holds(format!("{INVARIANTS}, at each of 9 blocks"), passed, "no violation", first)
    }

    #[test]
    fn should_fail_forgives_only_the_expected_failure() {
        let mut notes = Vec::new();
        let violations = vec!["block #16: node cpu-0 has exposure 0 against stake 2".to_owned()];
        let mut list = vec![
            Assertion::new("job a outcome", "completed", "completed"),
            invariants(false, "block #16: node cpu-0 has exposure 0 against stake 2"),
        ];
        expect_failure("has exposure 0", &mut list, &violations, &mut notes);
        assert!(list.iter().all(|a| a.passed), "{list:?}");
        assert_eq!(notes.len(), 1);

        // Another failure besides the expected one still fails the scenario.
        let mut list = vec![Assertion::new("finality advances", ">= 1", "0"), invariants(false, "x")];
        expect_failure("has exposure 0", &mut list, &violations, &mut notes);
        assert!(list.iter().any(|a| !a.passed && a.name == "finality advances"), "{list:?}");
        assert!(list.iter().any(|a| a.passed && a.name.starts_with("should_fail")), "{list:?}");
    }

    #[test]
    fn should_fail_sees_every_violation_not_only_the_first() {
        let violations =
            vec!["block #3: held 5, owed 4".to_owned(), "block #16: node has exposure 0 against".to_owned()];
        let mut list = vec![invariants(false, "block #3: held 5, owed 4")];
        expect_failure("has exposure 0", &mut list, &violations, &mut Vec::new());
        assert!(list.iter().all(|a| a.passed), "{list:?}");
    }

    #[test]
    fn should_fail_fails_when_nothing_fails() {
        let mut list = vec![Assertion::new("job a outcome", "completed", "completed")];
        expect_failure("has exposure 0", &mut list, &[], &mut Vec::new());
        assert!(list.iter().any(|a| !a.passed && a.actual == "no failure mentions it"), "{list:?}");
    }
}

//! `testnet test --repeat N`: how often each scenario and each of its checks passed over the
//! runs, and which are flaky (passed in some runs and failed in others).

use super::ScenarioReport;
use serde::Serialize;
use std::collections::BTreeMap;

/// Pass counts over repeated runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub runs: u32,
    pub passed: u32,
}

impl Tally {
    fn add(&mut self, passed: bool) {
        self.runs += 1;
        self.passed += u32::from(passed);
    }

    /// Passed in some runs and failed in others.
    pub fn flaky(&self) -> bool {
        self.passed > 0 && self.passed < self.runs
    }
}

/// One scenario over its runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScenarioTally {
    pub scenario: String,
    pub runs: Tally,
    /// Per check, by its name.
    pub checks: BTreeMap<String, Tally>,
}

impl ScenarioTally {
    /// The checks that passed in some runs and failed in others.
    pub fn flaky_checks(&self) -> Vec<(&str, &Tally)> {
        self.checks.iter().filter(|(_, t)| t.flaky()).map(|(n, t)| (n.as_str(), t)).collect()
    }
}

/// Every scenario's tally, in the order the scenarios first appear.
pub fn tally(reports: &[ScenarioReport]) -> Vec<ScenarioTally> {
    let mut out: Vec<ScenarioTally> = Vec::new();
    for r in reports {
        let i = match out.iter().position(|t| t.scenario == r.scenario) {
            Some(i) => i,
            None => {
                out.push(ScenarioTally { scenario: r.scenario.clone(), ..ScenarioTally::default() });
                out.len() - 1
            }
        };
        let t = &mut out[i];
        t.runs.add(r.passed);
        for a in &r.assertions {
            t.checks.entry(a.name.clone()).or_default().add(a.passed);
        }
    }
    out
}

/// The lines a person reads: a pass rate per scenario, and each flaky check.
pub fn render(tallies: &[ScenarioTally]) -> String {
    let mut out = String::new();
    for t in tallies {
        let mark = if t.runs.passed == t.runs.runs {
            "PASS"
        } else if t.runs.flaky() {
            "FLAKY"
        } else {
            "FAIL"
        };
        out.push_str(&format!("{mark} {}: passed {} of {} runs\n", t.scenario, t.runs.passed, t.runs.runs));
        for (name, c) in t.flaky_checks() {
            out.push_str(&format!("    flaky: {name}: passed {} of {}\n", c.passed, c.runs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::verdict::Assertion;
    use std::path::Path;

    fn report(name: &str, checks: &[(&str, bool)]) -> ScenarioReport {
        let mut r = ScenarioReport::aborted(name, Path::new("t.yaml"), "");
        r.assertions = checks.iter().map(|(n, ok)| Assertion::holds(*n, *ok, "x", "y")).collect();
        r.passed = checks.iter().all(|(_, ok)| *ok);
        r
    }

    #[test]
    fn a_check_that_fails_once_in_three_runs_is_flaky() {
        let reports = [
            report("a", &[("outcome", true), ("finality", true)]),
            report("b", &[("outcome", false)]),
            report("a", &[("outcome", true), ("finality", false)]),
            report("b", &[("outcome", false)]),
            report("a", &[("outcome", true), ("finality", true)]),
        ];
        let t = tally(&reports);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].scenario.as_str(), t[0].runs.passed, t[0].runs.runs), ("a", 2, 3));
        assert_eq!(t[0].flaky_checks().iter().map(|(n, _)| *n).collect::<Vec<_>>(), ["finality"]);
        assert!(t[1].flaky_checks().is_empty(), "failing every time is not flaky");
        let text = render(&t);
        assert!(text.contains("FLAKY a: passed 2 of 3 runs\n    flaky: finality: passed 2 of 3"), "{text}");
        assert!(text.contains("FAIL b: passed 0 of 2 runs"), "{text}");
    }
}

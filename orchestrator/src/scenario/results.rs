//! Scenario results as files CI reads: JSON with everything, JUnit XML with one test case per
//! assertion.

use crate::scenario::ScenarioReport;
use std::fmt::Write;
use std::path::Path;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML for a set of scenario reports.
pub fn junit(reports: &[ScenarioReport]) -> String {
    let tests: usize = reports.iter().map(|r| r.assertions.len()).sum();
    let failures: usize = reports.iter().map(|r| r.assertions.iter().filter(|a| !a.passed).count()).sum();
    let time: f64 = reports.iter().map(|r| r.wall_seconds).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"testnet scenarios\" tests=\"{tests}\" failures=\"{failures}\" time=\"{time:.1}\">"
    );
    // With `--repeat`, each run is its own suite: `name (run 2)`.
    let repeated = reports.iter().any(|r| r.run > 1);
    for r in reports {
        let failed = r.assertions.iter().filter(|a| !a.passed).count();
        let suite = if repeated { format!("{} (run {})", r.scenario, r.run) } else { r.scenario.clone() };
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" time=\"{:.1}\">",
            escape(&suite),
            r.assertions.len(),
            r.wall_seconds
        );
        // The seed that runs it again: `testnet test --seed N` (run 1) or `testnet replay`.
        let _ = writeln!(x, "    <properties><property name=\"seed\" value=\"{}\"/></properties>", r.seed);
        for a in &r.assertions {
            let _ = write!(x, "    <testcase classname=\"{}\" name=\"{}\"", escape(&suite), escape(&a.name));
            if a.passed {
                x.push_str("/>\n");
            } else {
                let message = format!("expected {}, got {}", a.expected, a.actual);
                let _ = writeln!(
                    x,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(&message),
                    escape(&message)
                );
            }
        }
        if let Some(dir) = &r.logs_dir {
            let _ = writeln!(x, "    <system-out>container logs: {}</system-out>", escape(&dir.display().to_string()));
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// Write `report.json` and `junit.xml` into `dir`.
pub fn write(dir: &Path, reports: &[ScenarioReport]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json =
        serde_json::to_vec_pretty(&serde_json::json!({ "scenarios": reports })).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json)?;
    std::fs::write(dir.join("junit.xml"), junit(reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::verdict::Assertion;

    #[test]
    fn failures_carry_expected_and_actual_escaped() {
        let mut r = ScenarioReport::aborted("s<1>", Path::new("t.yaml"), "boom & bust");
        r.assertions.push(Assertion::new("job a outcome", "completed", "completed"));
        let xml = junit(&[r]);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"s&lt;1&gt;\""), "{xml}");
        assert!(xml.contains("expected it runs, got boom &amp; bust"), "{xml}");
        assert!(xml.contains("<testcase classname=\"s&lt;1&gt;\" name=\"job a outcome\"/>"), "{xml}");
    }
}

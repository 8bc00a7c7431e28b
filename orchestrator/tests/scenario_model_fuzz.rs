//! No input makes the scenario parser panic, hang or balloon: random text, YAML-ish token
//! soups, mutations of the shipped files, alias bombs and hostile counts. Whatever comes
//! back is either a scenario that keeps the model's invariants or an error that names the
//! file and renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Wrapped in a module so `cargo test scenario` selects these tests by name.
mod scenario_model_fuzz {
    use std::collections::HashSet;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use miette::{GraphicalReportHandler, GraphicalTheme};
    use proptest::prelude::*;
    use testnet::diagnostics::YamlProblem;
    use testnet::scenario::model::{ProblemKind, Scenario, ScenarioError, Trigger};

    const SHIPPED: [&str; 7] = [
        include_str!("../../workloads/scenarios/happy-path.yaml"),
        include_str!("../../workloads/scenarios/gpu-only.yaml"),
        include_str!("../../workloads/scenarios/dispute-wrong-result.yaml"),
        include_str!("../../workloads/scenarios/false-challenge.yaml"),
        include_str!("../../workloads/scenarios/crash-timeout.yaml"),
        include_str!("../../workloads/scenarios/validator-loss.yaml"),
        include_str!("../../workloads/scenarios/cancel-expire.yaml"),
    ];

    /// Where the shipped files live, so their `topology:` paths resolve.
    fn base_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workloads/scenarios")
    }

    fn check(text: &str) {
        match Scenario::parse("f.yaml", text, &base_dir()) {
            Ok(s) => invariants(&s),
            Err(err) => well_formed(&err, text),
        }
    }

    fn invariants(s: &Scenario) {
        let timeout = s.timeout_blocks().get();
        let mut names = HashSet::new();
        for job in s.jobs() {
            assert!(names.insert(job.name().clone()), "duplicate {}", job.name());
            assert!(job.arrival_block() < timeout);
            assert!(job.budget().0 > 0);
            assert!(s.topology().requesters().contains(job.requester()));
            let r = job.requirements();
            if r.gpu_count() == 0 {
                assert!(r.gpu_vram_mb() == 0 && r.gpu_model().is_none());
            }
            if job.spec().workload().needs_gpu() {
                assert!(r.gpu_count() > 0);
            }
            let takers = s.topology().compute_nodes().iter().any(|n| {
                n.role() == testnet::topology::Role::Worker
                    && n.behaviour() != testnet::topology::Behaviour::Offline
                    && r.met_by(n.capabilities())
            });
            assert_eq!(takers, !job.expect_unmatched(), "{}", job.name());
        }
        let groups: HashSet<_> = s.jobs().iter().map(|j| j.group().clone()).collect();
        for fault in s.faults() {
            match fault.trigger() {
                Trigger::AtBlock(at) => assert!(*at < timeout),
                Trigger::After { job, .. } => assert!(groups.contains(job)),
            }
        }
        for e in s.expectations().jobs() {
            assert!(groups.contains(e.job()));
        }
        assert!(s.expectations().finality_advances() <= timeout);
    }

    fn well_formed(err: &ScenarioError, text: &str) {
        assert!(!err.problems().is_empty(), "{err}");
        // YAML breaks lines at CR, LF and CRLF alike.
        let lines = text.replace("\r\n", "\n").matches(['\r', '\n']).count() as u64 + 1;
        for p in err.problems() {
            assert_eq!(p.file(), "f.yaml");
            assert!(p.to_string().starts_with("f.yaml"));
            assert!(!p.fix().is_empty());
            if let Some(at) = p.position() {
                assert!((1..=lines).contains(&at.line), "{p} is past the end");
            }
        }
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, err)
            .expect("every span lies within the source");
    }

    /// Pieces of scenario-shaped YAML, valid and broken.
    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "name: ",
            "topology: ",
            "../../topologies/ci.yaml",
            "../../topologies/",
            "jobs:",
            "- name: ",
            "workload: ",
            "hash-chain",
            "fine-tune",
            "size: ",
            "budget: ",
            "count: ",
            "seed: ",
            "at_block: ",
            "spacing_blocks: ",
            "requester: ",
            "requirements:",
            "gpu:",
            "model: ",
            "cpu_cores: ",
            "expect_unmatched: ",
            "cancel_after_blocks: ",
            "accept_within: ",
            "faults:",
            "- action: ",
            "kill",
            "node: ",
            "validator-0",
            "store",
            "after:",
            "job: ",
            "stage: ",
            "expect:",
            "- job: ",
            "outcome: ",
            "refunded",
            "dispute: ",
            "node-wrong",
            "node_group: ",
            "timeouts: ",
            "within_blocks: ",
            "finality_advances: ",
            "timeout_blocks: ",
            "a",
            "0",
            "1",
            "7",
            "-1",
            "4294967295",
            "99999999999999999999",
            "1e9",
            ".nan",
            "true",
            "~",
            "\"",
            "'",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "- ",
            "&a ",
            "*a",
            "<<: *a",
            "!!str ",
            "---",
            "|",
            "#",
            "\n",
            "\n  ",
            "\n    ",
            "\t",
            " ",
            "\u{feff}",
            "é",
        ])
    }

    fn mutate(text: &str, edits: &[(usize, usize, &'static str)]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for &(at, len, insert) in edits {
            let at = at % (chars.len() + 1);
            let end = (at + len % 8).min(chars.len());
            chars.splice(at..end, insert.chars());
        }
        chars.into_iter().collect()
    }

    proptest! {
        // No regression files: a failure prints its minimal input, which becomes a unit test.
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_text_never_panics(text in ".{0,400}") {
            check(&text);
        }

        #[test]
        fn token_soups_never_panic(tokens in prop::collection::vec(token(), 0..80)) {
            check(&tokens.concat());
        }

        #[test]
        fn mutated_shipped_files_never_panic(
            file in 0..SHIPPED.len(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), token()), 1..6),
        ) {
            check(&mutate(SHIPPED[file], &edits));
        }
    }

    fn refused_quickly(text: &str) -> ScenarioError {
        let start = Instant::now();
        let err = Scenario::parse("bomb.yaml", text, &base_dir()).expect_err("must be refused");
        assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
        for p in err.problems() {
            assert!(p.to_string().starts_with("bomb.yaml"), "{p}");
        }
        err
    }

    #[test]
    fn alias_bombs_and_huge_counts_are_refused_quickly() {
        let head = "name: s\ntopology: ../../topologies/ci.yaml\n";
        let mut text = format!("{head}jobs:\n  - &a0 {{name: a, workload: matmul, size: 8, budget: 1}}\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("  - &a{i} {{<<: [{refs}]}}\n"));
        }
        let err = refused_quickly(&text);
        assert!(matches!(err.problems()[0].kind(), ProblemKind::Yaml(YamlProblem::TooComplex { .. })), "{err}");
        // Billions of copies are refused without expanding any of them.
        let jobs: String = (0..50)
            .map(|i| format!("  - {{name: j{i}, workload: matmul, size: 8, budget: 1, count: 4000000000}}\n"))
            .collect();
        let err = refused_quickly(&format!("{head}jobs:\n{jobs}"));
        assert!(matches!(err.problems()[0].kind(), ProblemKind::TooManyJobs { .. }), "{err}");
    }
}

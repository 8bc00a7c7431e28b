//! No input makes the scenario parser panic, hang or balloon: random text, YAML-ish token
//! soups, mutations of the shipped files, alias bombs and hostile counts. Whatever comes
//! back is either a scenario that keeps the model's invariants or an error that names the
//! file and renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "yaml_fuzz_support.rs"]
mod yaml_support;

// Wrapped in a module so `cargo test scenario` selects these tests by name.
mod scenario_model_fuzz {
    use std::collections::HashSet;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::yaml_support as support;
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
            Err(err) => support::well_formed(&err, text),
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

    /// The scenario format's own words.
    const KEYS: &[&str] = &[
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
    ];

    crate::never_panics!(check, KEYS, SHIPPED);

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

//! The parts of the scenario and topology formats that describe runtime upgrades: a testnet
//! started on a kept runtime (`chain.runtime`), an `upgrade` fault to a runtime file or the
//! working tree's runtime, and `should_fail` for scenarios that show the checks catch a broken
//! runtime. All checked before anything starts, with file:line and a fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scenario_model_support.rs"]
mod support;

mod scenario_model_upgrades {
    use std::path::{Path, PathBuf};
    use testnet::scenario::model::{FaultTarget, ProblemKind, Scenario, UpgradeTo};
    use testnet::topology::Topology;

    use super::support::{fixtures, one, problems, HEAD, JOB};

    fn kept_runtime() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain/runtimes/compute-runtime-spec100.compact.compressed.wasm")
    }

    /// A fixture directory that also holds a topology starting on the kept spec-100 runtime and
    /// a copy of that runtime.
    fn with_kept_runtime() -> tempfile::TempDir {
        let dir = fixtures();
        std::fs::copy(kept_runtime(), dir.path().join("spec100.wasm")).unwrap();
        let topology =
            "name: old\nvalidators: {count: 1}\nchain: {runtime: spec100.wasm}\ncompute:\n  - {group: cpu, count: 1}\n";
        std::fs::write(dir.path().join("old.yaml"), topology).unwrap();
        std::fs::write(dir.path().join("script.sh"), "#!/bin/sh\n").unwrap();
        dir
    }

    fn parse_in(dir: &Path, text: &str) -> Result<Scenario, Vec<String>> {
        Scenario::parse("s.yaml", text, dir).map_err(|e| e.problems().iter().map(ToString::to_string).collect())
    }

    const ON_OLD: &str =
        "name: s\ntopology: old.yaml\njobs:\n  - {name: a, workload: hash-chain, size: 10, budget: 5}\n";

    #[test]
    fn a_topology_starts_on_a_kept_runtime_read_at_check_time() {
        let dir = with_kept_runtime();
        let t = Topology::load(dir.path().join("old.yaml")).unwrap();
        let runtime = t.runtime().expect("a runtime");
        assert_eq!((runtime.spec_name.as_str(), runtime.spec_version), ("compute-marketplace", 100));
    }

    #[test]
    fn a_topology_runtime_that_is_not_a_runtime_is_refused_at_its_line() {
        let dir = with_kept_runtime();
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, "name: bad\nvalidators: {count: 1}\nchain:\n  runtime: script.sh\n").unwrap();
        let err = Topology::load(&path).expect_err("not a runtime").to_string();
        assert!(err.contains("bad.yaml:4:12: chain.runtime:"), "{err}");
        assert!(err.contains("is not a runtime: it does not start like a wasm module"), "{err}");
        assert!(err.contains("chain/runtimes/"), "the fix names the kept runtimes: {err}");
    }

    #[test]
    fn genesis_registration_on_a_runtime_whose_genesis_has_no_nodes_is_refused_at_its_line() {
        let dir = with_kept_runtime();
        let path = dir.path().join("early.yaml");
        let text = "name: early\nvalidators: {count: 1}\nchain: {runtime: spec100.wasm}\ncompute:\n  - {group: cpu, count: 1, registration: genesis}\n";
        std::fs::write(&path, text).unwrap();
        let err = Topology::load(&path).expect_err("spec 100 has no genesis nodes").to_string();
        assert!(err.contains("early.yaml:5:42: compute[0].registration:"), "{err}");
        assert!(err.contains("the chain starts on spec 100, whose genesis cannot register compute nodes"), "{err}");
        assert!(err.contains("remove `registration: genesis`"), "the fix: {err}");
    }

    #[test]
    fn an_upgrade_to_the_current_runtime_from_a_kept_one_is_accepted() {
        let dir = with_kept_runtime();
        let text =
            format!("{ON_OLD}faults:\n  - {{action: upgrade, runtime: current, after: {{job: a, stage: accepted}}}}\n");
        let s = parse_in(dir.path(), &text).unwrap();
        let FaultTarget::Runtime(to) = s.faults()[0].target() else { panic!("{:?}", s.faults()[0]) };
        assert!(matches!(to, UpgradeTo::Current { spec_version } if *spec_version >= 101), "{to:?}");
    }

    #[test]
    fn an_upgrade_to_the_same_spec_is_refused_before_the_chain_would() {
        let dir = with_kept_runtime();
        let text = format!("{ON_OLD}faults:\n  - {{action: upgrade, runtime: spec100.wasm, at_block: 3}}\n");
        let errs = parse_in(dir.path(), &text).expect_err("same spec");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("s.yaml:6:32: faults[0].runtime: the testnet starts on spec 100; a runtime of spec 100 does not increase it"), "{errs:?}");
    }

    #[test]
    fn an_upgrade_to_the_working_tree_on_a_chain_already_running_it_is_refused() {
        let kind = problems(&format!("{HEAD}{JOB}faults:\n  - {{action: upgrade, runtime: current, at_block: 3}}\n"))
            [0]
        .kind()
        .clone();
        assert!(matches!(kind, ProblemKind::SpecNotIncreasing { from, to } if from == to), "{kind:?}");
    }

    #[test]
    fn an_upgrade_file_that_is_not_a_runtime_is_refused_at_its_line() {
        let dir = with_kept_runtime();
        let text = format!("{ON_OLD}faults:\n  - {{action: upgrade, runtime: script.sh, at_block: 3}}\n");
        let errs = parse_in(dir.path(), &text).expect_err("not wasm");
        assert!(errs[0].contains("faults[0].runtime:") && errs[0].contains("is not a runtime"), "{errs:?}");
        let text = format!("{ON_OLD}faults:\n  - {{action: upgrade, runtime: missing.wasm, at_block: 3}}\n");
        let errs = parse_in(dir.path(), &text).expect_err("missing");
        assert!(errs[0].contains("cannot read") && errs[0].contains("missing.wasm"), "{errs:?}");
    }

    #[test]
    fn upgrade_and_container_faults_do_not_mix_their_fields() {
        one(
            &format!("{HEAD}{JOB}faults:\n  - {{action: upgrade, node: cpu-0, runtime: current, at_block: 1}}\n"),
            "s.yaml:6:29: faults[0].node: an upgrade changes the chain's runtime, not one node; \
             remove `node`: an upgrade reaches every node through the chain",
        );
        let kind = problems(&format!("{HEAD}{JOB}faults:\n  - {{action: upgrade, at_block: 1}}\n"))[0].kind().clone();
        assert_eq!(kind, ProblemKind::UpgradeRuntimeMissing);
        let kind = problems(&format!(
            "{HEAD}{JOB}faults:\n  - {{action: kill, node: cpu-0, runtime: current, at_block: 1}}\n"
        ))[0]
            .kind()
            .clone();
        assert_eq!(kind, ProblemKind::RuntimeWithoutUpgrade { action: "kill" });
        let kind = problems(&format!("{HEAD}{JOB}faults:\n  - {{action: stop, at_block: 1}}\n"))[0].kind().clone();
        assert_eq!(kind, ProblemKind::FaultNodeMissing { action: "stop" });
    }

    #[test]
    fn should_fail_needs_a_text() {
        let kind = problems(&format!("{HEAD}{JOB}should_fail: ' '\n"))[0].kind().clone();
        assert_eq!(kind, ProblemKind::ShouldFailEmpty);
        let dir = fixtures();
        let s = Scenario::parse("s.yaml", &format!("{HEAD}{JOB}should_fail: has exposure 0\n"), dir.path()).unwrap();
        assert_eq!(s.should_fail(), Some("has exposure 0"));
    }

    #[test]
    fn the_shipped_upgrade_scenarios_check() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for file in ["upgrade-in-flight.yaml", "upgrade-broken-migration.yaml"] {
            let s =
                Scenario::load(root.join("workloads/scenarios").join(file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
            assert_eq!(s.topology().runtime().map(|r| r.spec_version), Some(100), "{file}");
        }
    }

    #[test]
    fn a_second_upgrade_is_refused() {
        let dir = with_kept_runtime();
        let text = format!(
            "{ON_OLD}faults:\n  - {{action: upgrade, runtime: current, at_block: 3}}\n  - {{action: upgrade, runtime: current, at_block: 6}}\n"
        );
        let errs = parse_in(dir.path(), &text).expect_err("two upgrades");
        assert!(
            errs.len() == 1 && errs[0].contains("faults[1].action: a scenario has at most one upgrade"),
            "{errs:?}"
        );
    }

    #[test]
    fn a_v0_start_refuses_parameters_that_runtime_does_not_have() {
        let dir = with_kept_runtime();
        let path = dir.path().join("floor.yaml");
        let text = "name: floor\nvalidators: {count: 1}\nchain:\n  runtime: spec100.wasm\n  market: {min_execute_window_blocks: 4}\n";
        std::fs::write(&path, text).unwrap();
        let err = Topology::load(&path).expect_err("not in spec 100").to_string();
        assert!(err.contains("chain.market.min_execute_window_blocks: the chain starts on spec 100, which has no min_execute_window_blocks"), "{err}");
    }
}

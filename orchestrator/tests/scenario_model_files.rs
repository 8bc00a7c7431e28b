//! Scenario files as a user meets them: every file shipped in `workloads/scenarios/`, the
//! defaults, copy expansion, loading from disk, JSON and miette rendering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Wrapped in a module so `cargo test scenario` selects these tests by name.
mod scenario_model_files {
    use std::path::{Path, PathBuf};

    use testnet::diagnostics::YamlProblem;
    use testnet::scenario::model::{
        Dispute, FaultAction, FaultNode, Milestone, Outcome, ProblemKind, RefundReason, Scenario, ScenarioError,
        Trigger,
    };
    use testnet::topology::Name;

    const TOPOLOGY: &str = "name: t\nvalidators: {count: 3}\ncompute:\n  - {group: cpu, count: 2, cpu_cores: 4}\n  - {group: gpu, count: 1, gpu: {model: A100, vram_mb: 40960}}\n";

    fn scenarios_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workloads/scenarios")
    }

    fn shipped(name: &str) -> Scenario {
        Scenario::load(scenarios_dir().join(name)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse_in(dir: &Path, text: &str) -> Scenario {
        std::fs::write(dir.join("t.yaml"), TOPOLOGY).unwrap();
        Scenario::parse("s.yaml", text, dir).unwrap_or_else(|e| panic!("{e}"))
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    /// Names and CI length of every scenario file in `dir`.
    fn check_dir(dir: &std::path::Path) -> Vec<String> {
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert_eq!(s.name().as_str(), stem, "file and scenario names differ");
                assert!(!s.description().is_empty(), "{stem} has no description");
                assert!(s.timeout_blocks().get() <= 40, "{stem} is too long for CI");
                seen.push(stem);
            }
        }
        seen.sort();
        seen
    }

    #[test]
    fn every_shipped_scenario_loads_and_validates() {
        let wanted = [
            "cancel-expire",
            "crash-timeout",
            "dispute-wrong-result",
            "false-challenge",
            "gpu-only",
            "happy-path",
            "segmented-fleet",
            "store-outage",
            "upgrade-broken-migration",
            "upgrade-in-flight",
            "validator-loss",
        ];
        assert_eq!(check_dir(&scenarios_dir()), wanted);
    }

    #[test]
    fn every_attack_loads_and_validates() {
        let wanted =
            ["absent-committee", "self-challenge", "self-vote", "short-window", "stake-exposure", "timer-flood"];
        assert_eq!(check_dir(&scenarios_dir().join("../attacks")), wanted);
    }

    #[test]
    fn a_loaded_scenario_names_its_file_for_reports_and_replay() {
        let path = scenarios_dir().join("happy-path.yaml");
        assert_eq!(Scenario::load(&path).unwrap_or_else(|e| panic!("{e}")).file(), Some(path.as_path()));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let parsed = Scenario::parse("s.yaml", &text, &scenarios_dir()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.file(), None, "parsed text has no file");
    }

    #[test]
    fn happy_path_runs_cpu_jobs_on_ci() {
        let s = shipped("happy-path.yaml");
        assert_eq!(s.topology().name().as_str(), "ci");
        assert!(s.topology_path().ends_with("topologies/ci.yaml"));
        let names: Vec<_> = s.jobs().iter().map(|j| j.name().as_str()).collect();
        assert_eq!(names, ["chain-0", "chain-1", "product"]);
        assert!(s.jobs().iter().all(|j| j.requirements().gpu_count() == 0));
        assert_eq!(s.expectations().finality_advances(), 5);
        let e = s.expectations().job(&name("chain")).unwrap();
        assert_eq!((e.outcome(), e.dispute(), e.timeouts()), (Outcome::Completed, Some(Dispute::None), Some(0)));
    }

    #[test]
    fn gpu_only_sends_fine_tune_to_the_gpu_group() {
        let s = shipped("gpu-only.yaml");
        let train = &s.copies(&name("train"))[0];
        assert_eq!(train.requirements().gpu_count(), 1);
        assert_eq!(train.requirements().gpu_model().unwrap().as_str(), "A100");
        let e = s.expectations().job(&name("train")).unwrap();
        assert_eq!(e.node_group().map(Name::as_str), Some("gpu"));
    }

    #[test]
    fn dispute_scenarios_use_the_disputes_topology() {
        let s = shipped("dispute-wrong-result.yaml");
        assert_eq!(s.topology().name().as_str(), "ci-disputes");
        let e = s.expectations().job(&name("bad")).unwrap();
        assert_eq!(e.outcome(), Outcome::Refunded);
        assert_eq!(e.reason(), Some(RefundReason::ResultRejected));
        assert_eq!(e.dispute(), Some(Dispute::NodeWrong));
        assert_eq!(e.node_group().map(Name::as_str), Some("wrong"));

        let s = shipped("false-challenge.yaml");
        let e = s.expectations().job(&name("honest")).unwrap();
        assert_eq!(e.dispute(), Some(Dispute::ChallengerWrong));
        assert_eq!(e.outcome(), Outcome::Completed);
    }

    #[test]
    fn fault_scenarios_trigger_on_blocks_and_stages() {
        let s = shipped("crash-timeout.yaml");
        assert_eq!(s.faults().len(), 3);
        let start = &s.faults()[1];
        assert_eq!(start.action(), FaultAction::Start);
        assert_eq!(start.node(), Some(&FaultNode::Compute(name("backup-0"))));
        let after = Trigger::After { job: name("retry"), stage: Milestone::Accepted };
        assert_eq!(start.trigger(), &after);
        assert_eq!(s.expectations().job(&name("retry")).unwrap().timeouts(), Some(1));

        let s = shipped("validator-loss.yaml");
        assert_eq!(s.topology().validators().len(), 4);
        let kill = &s.faults()[0];
        assert_eq!(kill.node(), Some(&FaultNode::Validator(name("validator-3"))));
        assert_eq!(kill.trigger(), &Trigger::AtBlock(3));
        assert_eq!(s.expectations().finality_advances(), 10);

        let s = shipped("cancel-expire.yaml");
        assert!(s.jobs().iter().all(|j| j.expect_unmatched()));
        assert_eq!(s.jobs()[0].cancel_after(), Some(1));
        assert_eq!(s.jobs()[1].accept_within().map(|w| w.get()), Some(4));
    }

    #[test]
    fn a_minimal_scenario_gets_the_documented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let text = "name: s\ntopology: t.yaml\njobs:\n  - {name: a, workload: hash-chain, size: 10, budget: 5}\n  - {name: b, workload: fine-tune, size: 10, budget: 5}\n";
        let s = parse_in(dir.path(), text);
        assert_eq!(s.description(), "");
        assert_eq!(s.timeout_blocks().get(), 200);
        assert_eq!(s.topology_path(), dir.path().join("t.yaml"));
        let a = &s.jobs()[0];
        assert_eq!((a.name().as_str(), a.group().as_str(), a.copy()), ("a", "a", 0));
        assert_eq!((a.spec().size(), a.spec().seed()), (10, 0));
        assert_eq!((a.budget().0, a.arrival_block()), (5, 0));
        assert_eq!(a.requester().as_str(), "requester");
        let r = a.requirements();
        assert_eq!((r.cpu_cores(), r.memory_mb(), r.gpu_count()), (1, 256, 0));
        assert_eq!((r.gpu_vram_mb(), r.gpu_model()), (0, None));
        assert_eq!((a.accept_within(), a.execute_within(), a.cancel_after()), (None, None, None));
        assert!(!a.expect_unmatched());
        // A workload that needs a GPU gets one GPU by default.
        assert_eq!(s.jobs()[1].requirements().gpu_count(), 1);
        let e = s.expectations();
        assert!(e.jobs().is_empty() && e.all_terminal() && e.invariants());
        assert_eq!(e.finality_advances(), 1);
        assert!(s.faults().is_empty());
    }

    #[test]
    fn copies_get_numbered_names_seeds_and_arrivals() {
        let dir = tempfile::tempdir().unwrap();
        let text = "name: s\ntopology: t.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, seed: 5, budget: 1, count: 3, at_block: 2, spacing_blocks: 3}\n  - {name: b, workload: fine-tune, size: 1, budget: 1, requirements: {cpu_cores: 2}}\n";
        let s = parse_in(dir.path(), text);
        let got: Vec<_> =
            s.jobs().iter().map(|j| (j.name().as_str(), j.copy(), j.spec().seed(), j.arrival_block())).collect();
        assert_eq!(got, [("a-0", 0, 5, 2), ("a-1", 1, 6, 5), ("a-2", 2, 7, 8), ("b", 0, 0, 0)]);
        assert!(s.jobs()[..3].iter().all(|j| j.group().as_str() == "a"));
        assert_eq!(s.copies(&name("a")).len(), 3);
        assert!(s.copies(&name("zz")).is_empty());
        // Written requirements without a GPU still get one for a GPU workload.
        let b = s.jobs()[3].requirements();
        assert_eq!((b.cpu_cores(), b.gpu_count()), (2, 1));
    }

    #[test]
    fn a_gpu_requirement_defaults_to_one_gpu_of_any_model() {
        let dir = tempfile::tempdir().unwrap();
        let text = "name: s\ntopology: t.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, budget: 1, requirements: {gpu: {}}}\n";
        let r = parse_in(dir.path(), text).jobs()[0].requirements().clone();
        assert_eq!((r.gpu_count(), r.gpu_vram_mb(), r.gpu_model()), (1, 0, None));
    }

    #[test]
    fn load_names_the_path_and_rejects_non_text() {
        let err = Scenario::load("/nonexistent/s.yaml").unwrap_err();
        assert!(matches!(err, ScenarioError::Read { .. }));
        assert!(err.to_string().starts_with("/nonexistent/s.yaml: cannot read the scenario file"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        std::fs::write(&path, b"name: s\ntopology: \xff\n").unwrap();
        let err = Scenario::load(&path).unwrap_err();
        assert_eq!(err.problems()[0].kind(), &ProblemKind::Yaml(YamlProblem::NotUtf8));
        assert_eq!(err.problems()[0].position().map(|p| p.line), Some(2));
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
        let err = Scenario::load(&big).unwrap_err();
        assert!(matches!(err.problems()[0].kind(), ProblemKind::Yaml(YamlProblem::FileTooLarge { .. })));
    }

    #[test]
    fn the_model_serializes_to_json_for_reports() {
        let s = shipped("crash-timeout.yaml");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["name"], "crash-timeout");
        assert_eq!(json["timeout_blocks"], 40);
        let job = &json["jobs"][0];
        assert_eq!(job["spec"]["workload"], "hash-chain");
        assert_eq!(job["requirements"]["memory_mb"], 8192);
        assert_eq!(json["faults"][0]["action"], "stop");
        assert_eq!(json["faults"][0]["target"]["node"]["compute"], "backup-0");
        assert_eq!(json["faults"][1]["trigger"]["after"]["stage"], "accepted");
        assert_eq!(json["expectations"]["jobs"][0]["outcome"], "completed");
        assert!(json.get("topology").is_none(), "the topology is named by path");
    }

    #[test]
    fn errors_render_as_miette_diagnostics_with_snippet_and_help() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.yaml"), TOPOLOGY).unwrap();
        let text = "name: s\ntopology: t.yaml\njobs:\n  - {name: a, workload: sort, size: 1, budget: 1}\n";
        let err = Scenario::parse("s.yaml", text, dir.path()).unwrap_err();
        let mut out = String::new();
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        handler.render_report(&mut out, &err).unwrap();
        assert!(out.contains("testnet::scenario::unknown-workload"), "{out}");
        assert!(out.contains("s.yaml:4:25"), "{out}");
        assert!(out.contains("workload: sort"), "snippet missing:\n{out}");
        assert!(out.contains("the accepted workloads are hash-chain, matmul, fine-tune"), "{out}");
        assert!(out.contains("help: set jobs[0].workload to one of them"), "{out}");
    }
}

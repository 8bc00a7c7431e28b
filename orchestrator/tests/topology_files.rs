//! Topology files as a user meets them: every file shipped in `topologies/`, loading from
//! disk, the JSON Schema, and the rendering of errors as miette diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Wrapped in a module so `cargo test topology` selects these tests by name.
mod topology_files {
    use std::path::PathBuf;

    use testnet::diagnostics::YamlProblem;
    use testnet::topology::{json_schema, Behaviour, ProblemKind, Role, Topology, TopologyError};

    const HEAD: &str = "name: x\nvalidators:\n  count: 3\n";

    #[test]
    fn errors_render_as_miette_diagnostics_with_snippet_and_help() {
        let err = Topology::parse("topologies/x.yaml", &format!("{HEAD}chain:\n  block_time_ms: 999\n")).unwrap_err();
        let mut out = String::new();
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        handler.render_report(&mut out, &err).unwrap();
        assert!(out.contains("testnet::topology::block-time-out-of-range"), "{out}");
        assert!(out.contains("topologies/x.yaml:5:18"), "{out}");
        assert!(out.contains("block_time_ms: 999"), "snippet missing:\n{out}");
        assert!(out.contains("help: set block_time_ms to an even value"), "{out}");

        let err = Topology::parse("x.yaml", "name: X\nvalidators: {count: 0}\n").unwrap_err();
        let mut out = String::new();
        handler.render_report(&mut out, &err).unwrap();
        assert!(out.contains("2 problems"), "{out}");
        assert!(out.contains("validators: {count: 0}"), "{out}");
    }

    #[test]
    fn the_json_schema_describes_the_format() {
        let schema = json_schema();
        let props = &schema["properties"];
        assert!(props["name"].is_object() && props["validators"].is_object(), "{schema:#}");
        assert_eq!(schema["additionalProperties"], false);
        let required: Vec<_> = schema["required"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(required, ["name", "validators"]);
        let text = schema.to_string();
        assert!(text.contains("wrong-result") && text.contains("crash-after-accept"), "{text}");
        assert!(text.contains("\"block_time_ms\""), "{text}");
    }

    #[test]
    fn load_names_the_path_and_rejects_non_text() {
        let err = Topology::load("/nonexistent/t.yaml").unwrap_err();
        assert!(matches!(err, TopologyError::Read { .. }));
        assert!(err.to_string().starts_with("/nonexistent/t.yaml: cannot read the topology file"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        std::fs::write(&path, b"name: x\nvalidators:\n  count: \xff\n").unwrap();
        let err = Topology::load(&path).unwrap_err();
        assert_eq!(err.problems()[0].kind(), &ProblemKind::Yaml(YamlProblem::NotUtf8));
        assert_eq!(err.problems()[0].position().map(|p| p.line), Some(3));

        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
        let err = Topology::load(&big).unwrap_err();
        assert!(matches!(err.problems()[0].kind(), ProblemKind::Yaml(YamlProblem::FileTooLarge { .. })));
    }

    fn shipped(name: &str) -> Topology {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../topologies").join(name);
        Topology::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_shipped_topology_is_valid() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../topologies");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                Topology::load(&path).unwrap_or_else(|e| panic!("{e}"));
                seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        seen.sort();
        for wanted in ["ci.yaml", "gpu-fleet.yaml", "load.yaml", "local.yaml"] {
            assert!(seen.iter().any(|s| s == wanted), "{wanted} missing from {seen:?}");
        }
    }

    #[test]
    fn local_is_three_validators_five_nodes_two_gpus_two_verifiers() {
        let t = shipped("local.yaml");
        assert_eq!(t.name().as_str(), "local");
        assert_eq!(t.validators().len(), 3);
        let nodes = t.compute_nodes();
        assert_eq!(nodes.len(), 5);
        assert_eq!(nodes.iter().filter(|n| n.capabilities().gpu.is_some()).count(), 2);
        // Two: the verifier that challenges is a party to the dispute and may not vote.
        let committee: Vec<_> = t.committee().iter().map(|n| n.as_str().to_owned()).collect();
        assert_eq!(committee, ["verifier-0", "verifier-1"]);
        assert_eq!(t.market().min_execute_window_blocks.get(), 5);
        assert!(nodes.iter().all(|n| n.behaviour() == Behaviour::Honest));
        assert_eq!(t.market().quorum, 1);
        assert!(t.store_enabled());
    }

    #[test]
    fn ci_has_short_windows_and_a_small_fleet() {
        let t = shipped("ci.yaml");
        assert_eq!(t.validators().len(), 3);
        assert_eq!(t.block_time_ms(), 2000);
        let m = t.market();
        assert_eq!((m.challenge_window_blocks.get(), m.voting_period_blocks.get()), (6, 6));
        assert_eq!(m.execution_timeout_blocks.get(), 15);
        let workers = t.compute_nodes().iter().filter(|n| n.role() == Role::Worker);
        assert_eq!(workers.clone().count(), 3);
        assert_eq!(workers.filter(|n| n.capabilities().gpu.is_some()).count(), 1);
        assert_eq!(t.committee().len(), 2);
    }

    #[test]
    fn gpu_fleet_has_two_gpu_models_and_load_packs_a_hundred_workers() {
        let t = shipped("gpu-fleet.yaml");
        let mut models: Vec<_> = t
            .compute_nodes()
            .iter()
            .filter_map(|n| n.capabilities().gpu.as_ref().map(|g| g.model.as_str().to_owned()))
            .collect();
        models.sort();
        models.dedup();
        assert_eq!(models, ["H100", "L4"]);

        let t = shipped("load.yaml");
        assert_eq!(t.validators().len(), 3);
        let workers: Vec<_> = t.compute_nodes().iter().filter(|n| n.role() == Role::Worker).collect();
        assert_eq!(workers.len(), 100);
        let worker_containers = t.compute_containers().iter().filter(|c| c.group.as_str() == "worker");
        assert!(worker_containers.clone().all(|c| c.nodes.len() == 10));
        assert_eq!(worker_containers.count(), 10);
    }
}

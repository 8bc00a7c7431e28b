//! The swarm provider on the lab swarm of `ci/swarm-lab.sh` (three engine hosts on this
//! machine; `$CR_SWARM_MANAGER` names the manager). Ignored by default: the swarm tier of
//! `ci/test.sh` forms the lab and runs them. Each test checks that nothing labelled with its
//! testnet is left on any host.

#[path = "e2e_support.rs"]
mod e2e_support;

// Wrapped in a module so tier 3 can skip these (`--skip lab_swarm::`) and the swarm tier
// select them.
mod lab_swarm {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::e2e_support::{self, testnet, text, unique};
    use testnet::provider::{
        ContainerSpec, DockerProvider, Engine, EngineChoice, Provider, ProviderError, SwarmProvider,
    };

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    async fn swarm() -> SwarmProvider {
        let local = DockerProvider::connect().await.unwrap_or_else(|e| panic!("{e}"));
        SwarmProvider::connect(None, local).await.unwrap_or_else(|e| panic!("is the lab up (ci/swarm-lab.sh up)? {e}"))
    }

    async fn assert_nothing_left(testnet: &str) {
        let left = swarm().await.remaining(testnet).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(left.is_empty(), "testnet {testnet} left on the swarm:\n{}", left.join("\n"));
    }

    /// The default topology under another name, on the swarm.
    fn default_topology(dir: &Path, name: &str, placement: Option<&str>) -> PathBuf {
        let text = std::fs::read_to_string(root().join("topologies/local.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let mut text = text.replacen("name: local", &format!("name: {name}"), 1);
        text = text.replacen("validators:\n  count: 3", "engine: {kind: swarm}\n\nvalidators:\n  count: 3", 1);
        if let Some(p) = placement {
            text = text.replacen("  count: 3", &format!("  count: 3\n  placement: {p}"), 1);
        }
        // Fixed host ports would collide with a default testnet's on the lab hosts' neighbours.
        let cut = text.find("\npublish:").unwrap_or(text.len());
        text.truncate(cut);
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    #[test]
    #[ignore = "needs the lab swarm: the swarm tier of ci/test.sh runs it"]
    fn default_topology_on_three_hosts_one_validator_each_and_down_leaves_nothing() {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let name = unique("lab-default");
        let topology = default_topology(dir.path(), &name, None);
        let path = topology.to_string_lossy();
        let up = testnet(&["up", "--no-build", "--seed", "1", "--timeout", "300", &path]);
        let status = testnet(&["--json", "status", &name]);
        let down = testnet(&["down", &name]);
        assert!(up.status.success(), "{}", text(&up));
        assert!(status.status.success(), "{}", text(&status));
        assert!(down.status.success(), "{}", text(&down));
        let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap_or_else(|e| panic!("{e}"));
        let mut validators_by_host: BTreeMap<String, usize> = BTreeMap::new();
        for c in report["containers"].as_array().into_iter().flatten() {
            assert_eq!(c["running"], true, "every node runs: {c}");
            if c["kind"] == "validator" {
                *validators_by_host.entry(c["host"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
            }
        }
        assert_eq!(validators_by_host.len(), 3, "one validator per host: {validators_by_host:?}");
        assert!(validators_by_host.values().all(|n| *n == 1), "{validators_by_host:?}");
        let chain = &report["chain"];
        assert!(chain["finalized"].as_u64().unwrap_or(0) >= 1, "the chain finalizes across hosts: {chain}");
        assert_eq!(chain["registered_daemons"], 3, "the three workers registered: {chain}");
        rt.block_on(assert_nothing_left(&name));
    }

    #[test]
    #[ignore = "needs the lab swarm: the swarm tier of ci/test.sh runs it"]
    fn down_all_removes_the_testnets_of_every_engine() {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // One testnet on the local engine and one on the swarm: two state files, two engines.
        let local = unique("lab-all-local");
        let local_topology = e2e_support::write_topology(dir.path(), &local, &[]);
        let swarm_name = unique("lab-all-swarm");
        let swarm_topology = default_topology(dir.path(), &swarm_name, None);
        let up_local = testnet(&["up", "--no-build", "--seed", "1", &local_topology.to_string_lossy()]);
        let up_swarm = testnet(&["up", "--no-build", "--seed", "1", &swarm_topology.to_string_lossy()]);
        let down = testnet(&["down", "--all"]);
        assert!(up_local.status.success(), "{}", text(&up_local));
        assert!(up_swarm.status.success(), "{}", text(&up_swarm));
        assert!(down.status.success(), "{}", text(&down));
        let said = String::from_utf8_lossy(&down.stdout);
        assert!(
            said.contains(&format!("testnet {local}:")) && said.contains(&format!("testnet {swarm_name}:")),
            "{said}"
        );
        rt.block_on(assert_nothing_left(&swarm_name));
        let local_left = rt.block_on(async {
            let p = DockerProvider::connect().await.unwrap_or_else(|e| panic!("{e}"));
            p.list(&local).await.unwrap_or_else(|e| panic!("{e}"))
        });
        assert!(local_left.is_empty(), "{local_left:?}");
    }

    #[test]
    #[ignore = "needs the lab swarm: the swarm tier of ci/test.sh runs it"]
    fn a_placement_on_a_host_that_does_not_exist_is_refused_and_leaves_nothing() {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let name = unique("lab-placement");
        let topology = default_topology(dir.path(), &name, Some("node:lab-node-9"));
        let out = testnet(&["up", "--no-build", &topology.to_string_lossy()]);
        let all = text(&out);
        assert!(!out.status.success(), "{all}");
        // The report is wrapped to the terminal: compare without spaces and frame characters.
        let flat: String = all.chars().filter(|c| !c.is_whitespace() && !"│├╰─▶×".contains(*c)).collect();
        assert!(flat.contains("nohostnamed\"lab-node-9\""), "the error names the host: {all}");
        assert!(flat.contains("ithaslab-node-1,lab-node-2,lab-node-3"), "and lists the hosts there are: {all}");
        assert!(flat.contains("wasremovedagain"), "and says the testnet was removed: {all}");
        rt.block_on(assert_nothing_left(&name));
    }

    #[test]
    #[ignore = "needs the lab swarm: the swarm tier of ci/test.sh runs it"]
    fn an_image_missing_on_a_host_is_refused_and_leaves_nothing() {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let name = unique("lab-image");
            let p = swarm().await;
            let network = p.ensure_network(&name, 0).await.unwrap_or_else(|e| panic!("{e}"));
            let mut spec = ContainerSpec::new(&name, "lonely", "compute", "cr-testnet-test/never-staged:local");
            spec.networks = vec![network];
            let error = p.create_container(&spec).await.err().unwrap_or_else(|| panic!("created from a missing image"));
            assert!(matches!(error, ProviderError::ImageMissingOnHost { .. }), "{error}");
            let message = error.to_string();
            assert!(
                message.contains("never-staged") && message.contains("lab-node-"),
                "names image and host: {message}"
            );
            let report = p.teardown(&name).await.unwrap_or_else(|e| panic!("{e}"));
            assert!(report.is_clean(), "{report:?}");
            assert_nothing_left(&name).await;
        });
    }

    #[test]
    #[ignore = "needs Docker: the swarm tier of ci/test.sh runs it"]
    fn an_unreachable_manager_is_named_with_the_fix_and_nothing_starts() {
        let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let choice = EngineChoice::Swarm { manager: Some("unix:///nonexistent/cr-manager.sock".to_owned()) };
        let error = rt.block_on(Engine::connect(&choice)).err().unwrap_or_else(|| panic!("connected to nothing"));
        let message = error.to_string();
        assert!(message.contains("unix:///nonexistent/cr-manager.sock"), "{message}");
        assert!(message.contains("engine.manager") && message.contains("ci/swarm-lab.sh up"), "{message}");
        // Through the binary, too: the same words, and no testnet state left behind.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let name = unique("lab-nomanager");
        let topology = default_topology(dir.path(), &name, None);
        let out = std::process::Command::new(e2e_support::BIN)
            .args(["up", "--no-build", &topology.to_string_lossy()])
            .env("CR_SWARM_MANAGER", "unix:///nonexistent/cr-manager.sock")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let all = text(&out);
        assert!(
            !out.status.success() && all.contains("no engine answers at unix:///nonexistent/cr-manager.sock"),
            "{all}"
        );
        assert!(
            !root().join(".testnet").join(format!("{name}.json")).exists(),
            "no state file for a testnet never started"
        );
    }
}

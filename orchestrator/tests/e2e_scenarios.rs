//! End to end: `testnet test` must fail, loudly and precisely, when an expectation is wrong.
//! The scenario `workloads/negative/wrong-expectation.yaml` expects an honest job to be
//! disputed and refunded; the real testnet completes it, so the run must exit 1, name the job,
//! the expected and the actual outcome, and save every container's logs beside the report.
//!
//! Needs Docker and the release binaries (`up --no-build` builds images from them); the
//! end-to-end tier runs it with `--ignored`.

#[path = "e2e_support.rs"]
mod support;

use support::*;

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn a_wrong_expectation_fails_naming_job_expected_and_actual() {
    let reports = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../workloads/negative/wrong-expectation.yaml");
    let reports_arg = reports.path().to_string_lossy().into_owned();
    let _guard = Down("ci".to_owned());
    let out = testnet(&["test", "--no-build", "--reports", &reports_arg, scenario]);
    let all = text(&out);
    eprintln!("{all}");
    assert_eq!(out.status.code(), Some(1), "a failed expectation exits 1: {all}");
    assert!(all.contains("FAIL wrong-expectation"), "{all}");
    assert!(all.contains("job honest-job outcome: expected refunded, got completed"), "{all}");
    assert!(all.contains("job honest-job dispute: expected node-wrong, got none"), "{all}");

    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).unwrap_or_default();
    assert!(junit.contains("failures=\"1\"") || junit.contains("<failure"), "{junit}");
    let logs = reports.path().join("wrong-expectation-logs");
    let saved = std::fs::read_dir(&logs).map(|d| d.count()).unwrap_or(0);
    assert!(saved >= 3, "container logs saved in {}: {saved} files", logs.display());
    assert_eq!(labelled("ci"), (0, 0, 0), "the testnet is removed after the run");
}

/// A user's testnet that happens to share a scenario's or a load run's topology is theirs: the
/// run is refused before it starts anything, and it neither takes its logs nor removes it.
#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn a_run_refused_over_a_running_testnet_leaves_it_running() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let name = unique("held");
    let topology = write_topology(dir.path(), &name, &[]);
    let _guard = Down(name.clone());
    up(&topology);
    let held = labelled(&name);
    assert!(held.0 >= 5, "2 validators, the store, 2 daemons: {held:?}");

    let scenario = dir.path().join("over-held.yaml");
    let yaml = format!(
        "name: over-held\ntopology: ./{name}.yaml\ntimeout_blocks: 10\n\
         jobs:\n  - {{name: j, workload: hash-chain, size: 1000, budget: 100}}\n"
    );
    std::fs::write(&scenario, yaml).unwrap_or_else(|e| panic!("writing the scenario: {e}"));
    let reports = dir.path().join("reports");
    let reports_arg = reports.to_string_lossy().into_owned();
    let scenario_arg = scenario.to_string_lossy().into_owned();
    let test = testnet(&["test", "--no-build", "--reports", &reports_arg, &scenario_arg]);
    let all = text(&test);
    assert_eq!(test.status.code(), Some(1), "{all}");
    assert!(all.contains(&format!("testnet {name} is already running")), "{all}");
    assert_eq!(labelled(&name), held, "`testnet test` removed a testnet it did not start: {all}");

    let topology_arg = topology.to_string_lossy().into_owned();
    let load = testnet(&["load", "--no-build", "--jobs", "1", "--reports", &reports_arg, &topology_arg]);
    let all = text(&load);
    assert_ne!(load.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("testnet {name} is already running")), "{all}");
    assert_eq!(labelled(&name), held, "`testnet load` removed a testnet it did not start: {all}");
    let (code, status) = status(&name);
    assert_eq!(code, Some(0), "still healthy: {status:#}");
}

//! End to end in real containers, through the real `testnet` binary: `up` reaches readiness,
//! `status` shows it, `down` leaves no labelled container, network or volume, also after
//! Ctrl-C and after `up` was killed, and two testnets live side by side.
//!
//! The end-to-end tier runs these (`cargo test -p testnet --test e2e_up_down -- --ignored
//! --test-threads 1`); they need Docker and the release binaries `cr-node` and `cr-compute`
//! already built (`up --no-build` builds the images from them).

#[path = "e2e_support.rs"]
mod support;

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::*;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"))
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn up_status_logs_down_leave_nothing_behind() {
    let dir = temp();
    let name = unique("updown");
    // Two daemons in one container (density), so `logs` has a daemon to pick out.
    let dense = "{group: dense, count: 2, per_container: 2, cpu_cores: 1, memory_mb: 1024}";
    let topology = write_topology(dir.path(), &name, &[dense]);
    let _guard = Down(name.clone());

    let (took, ready) = up(&topology);
    eprintln!("up {name}: {:.1} s wall; {ready}", took.as_secs_f64());

    let (code, status) = status(&name);
    assert_eq!(code, Some(0), "{status:#}");
    let chain = &status["chain"];
    assert!(chain["finalized"].as_u64() >= Some(1), "{status:#}");
    assert_eq!(chain["expected_workers"].as_u64(), Some(3), "{status:#}");
    assert_eq!(chain["registered_daemons"].as_u64(), Some(3), "{status:#}");
    let jobs = chain["jobs"].as_object().map(|j| j.len());
    assert_eq!(jobs, Some(8), "every job state is counted: {status:#}");
    let containers = status["containers"].as_array().map_or(0, Vec::len);
    assert_eq!(containers, 6, "2 validators, store, cpu-0, dense-c1, verifier-0: {status:#}");

    let logs = testnet(&["logs", "cpu-0", "--tail", "50", "--testnet", &name]);
    assert!(logs.status.success(), "{}", text(&logs));
    // The daemon logs JSON to stderr, and `logs` keeps the container's streams apart.
    assert!(String::from_utf8_lossy(&logs.stderr).contains("\"registered\""), "{}", text(&logs));
    let dense = testnet(&["logs", "dense-1", "--testnet", &name]);
    let lines = String::from_utf8_lossy(&dense.stderr).into_owned();
    assert!(lines.contains("\"node\":\"dense-1\""), "{}", text(&dense));
    assert!(!lines.contains("\"node\":\"dense-0\""), "{}", text(&dense));
    let unknown = testnet(&["logs", "cpu-7", "--testnet", &name]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("verifier-0"), "{}", text(&unknown));

    let down = testnet(&["down", &name]);
    assert!(down.status.success(), "{}", text(&down));
    eprintln!("down {name}: {}", String::from_utf8_lossy(&down.stdout).trim());
    assert_eq!(labelled(&name), (0, 0, 0), "containers, networks, volumes left");
    assert!(containers_of(&name).is_empty());
    assert!(!testnets().contains(&name));
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn genesis_nodes_are_registered_from_block_0_and_the_others_register_at_start() {
    let dir = temp();
    let name = unique("genesis");
    let gpu = "{group: early, count: 2, per_container: 2, cpu_cores: 8, memory_mb: 4096, registration: genesis, \
               gpu: {count: 1, model: A100, vram_mb: 40960}}";
    let topology = write_topology(dir.path(), &name, &[gpu]);
    let _guard = Down(name.clone());
    let (took, ready) = up(&topology);
    eprintln!("up {name}: {:.1} s wall; {ready}", took.as_secs_f64());

    let (code, status) = status(&name);
    assert_eq!(code, Some(0), "{status:#}");
    assert_eq!(status["chain"]["registered_daemons"].as_u64(), Some(3), "cpu-0, early-0, early-1: {status:#}");
    // The daemon finds its genesis registration and submits none; cpu-0 registers itself.
    let registered = |node: &str| {
        let logs = testnet(&["logs", node, "--testnet", &name]);
        assert!(logs.status.success(), "{}", text(&logs));
        String::from_utf8_lossy(&logs.stderr).contains("\"registered\"")
    };
    assert!(registered("cpu-0"), "cpu-0 registers when it starts");
    assert!(!registered("early-0") && !registered("early-1"), "genesis nodes do not register again");
}

fn containers_of(name: &str) -> Vec<String> {
    containers(name).into_iter().map(|c| c.name).collect()
}

/// Start `up` as a child and wait until it has created `count` containers.
fn start_up(dir: &std::path::Path, name: &str, extra: &[&str], count: usize) -> std::process::Child {
    let topology = write_topology(dir, name, extra);
    spawn(dir, name, &["up".as_ref(), "--no-build".as_ref(), topology.as_os_str()], count)
}

/// Start `testnet ARGS` as a child, its output in `dir`, and wait until testnet `name` has
/// `count` containers.
fn spawn(dir: &std::path::Path, name: &str, args: &[&std::ffi::OsStr], count: usize) -> std::process::Child {
    let log = |what: &str| {
        let path = dir.join(format!("up.{what}"));
        std::fs::File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log("stdout"))
        .stderr(log("stderr"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {BIN} {args:?}: {e}"));
    wait_for_containers(name, count, Duration::from_secs(120));
    child
}

fn up_output(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("up.stderr")).unwrap_or_default()
}

/// Ctrl-C to `up` once the testnet has `count` containers leaves nothing of it.
fn ctrl_c_leaves_nothing(prefix: &str, extra: &[&str], count: usize) {
    let dir = temp();
    let name = unique(prefix);
    let _guard = Down(name.clone());
    interrupt_then_nothing_left(dir.path(), &name, start_up(dir.path(), &name, extra, count));
}

/// SIGINT to `child`: it exits 130 and, a moment later (a create the engine was still
/// completing would show by then), nothing of testnet `name` is labelled.
fn interrupt_then_nothing_left(dir: &std::path::Path, name: &str, mut child: std::process::Child) {
    signal(child.id(), "INT");
    let exit = wait_exit(&mut child, Duration::from_secs(90));
    assert_eq!(exit.code(), Some(130), "{}", up_output(dir));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(labelled(name), (0, 0, 0), "after Ctrl-C:\n{}", up_output(dir));
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn ctrl_c_during_up_removes_everything() {
    ctrl_c_leaves_nothing("sigint", &[], 1);
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn ctrl_c_while_creates_are_in_flight_leaves_none_of_them() {
    // Once a 30-container fleet is being created, 8 creates in flight: the engine completes a
    // create whose client went away, so removing what a listing showed at once left 3 to 5
    // containers in 3 of 3 runs (`up` before the interrupt waited for creates in flight).
    ctrl_c_leaves_nothing("sigint-fleet", &["{group: fleet, count: 30, cpu_cores: 1, memory_mb: 1024}"], 6);
}

/// Ctrl-C to the command `args` builds (from its directory, topology file and reports
/// directory) once its testnet has a container leaves nothing of that testnet.
fn ctrl_c_during(prefix: &str, args: impl FnOnce(&Path, &Path, &Path) -> Vec<OsString>) {
    let dir = temp();
    let name = unique(prefix);
    let _guard = Down(name.clone());
    let topology = write_topology(dir.path(), &name, &[]);
    let args = args(dir.path(), &topology, &dir.path().join("reports"));
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    interrupt_then_nothing_left(dir.path(), &name, spawn(dir.path(), &name, &args, 1));
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn ctrl_c_during_a_scenario_run_removes_its_testnet() {
    // `testnet test` had no SIGINT handler: Ctrl-C killed it with its testnet running.
    ctrl_c_during("sigint-test", |dir, topology, reports| {
        let scenario = dir.join("interrupted.yaml");
        let text = format!(
            "name: interrupted\ntopology: {}\ntimeout_blocks: 30\njobs:\n  - {{name: chain, workload: hash-chain, \
             size: 20000, budget: 100}}\nexpect:\n  jobs:\n    - {{job: chain, outcome: completed, within_blocks: 20}}\n",
            topology.display()
        );
        std::fs::write(&scenario, text).unwrap_or_else(|e| panic!("writing {}: {e}", scenario.display()));
        ["test".into(), "--no-build".into(), "--reports".into(), reports.into(), scenario.into()].into()
    });
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn ctrl_c_during_a_chaos_run_removes_its_testnet() {
    // `testnet chaos` had no SIGINT handler: Ctrl-C killed it with its testnet running.
    ctrl_c_during("sigint-chaos", |_, topology, reports| {
        let mut args: Vec<OsString> = vec!["chaos".into(), topology.into(), "--reports".into(), reports.into()];
        args.extend(["--no-build", "--seed", "7", "--jobs", "2", "--faults", "0"].map(OsString::from));
        args
    });
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn down_cleans_up_after_a_killed_up() {
    let dir = temp();
    let name = unique("sigkill");
    let _guard = Down(name.clone());
    let mut child = start_up(dir.path(), &name, &[], 1);
    signal(child.id(), "KILL");
    let exit = wait_exit(&mut child, Duration::from_secs(30));
    assert_eq!(exit.code(), None, "killed by a signal");
    // A request the killed process had already sent may still complete in the engine; a
    // user runs `down` a moment later, so does this test.
    std::thread::sleep(Duration::from_secs(2));
    let (left, networks, _) = labelled(&name);
    assert!(left >= 1 && networks == 1, "a killed up leaves its objects: {left} containers, {networks} networks");
    let down = testnet(&["down", &name]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(labelled(&name), (0, 0, 0));
}

#[test]
#[ignore = "needs Docker: the end-to-end tier runs it"]
fn two_testnets_side_by_side() {
    let dir = temp();
    let (a, b) = (unique("a"), unique("b"));
    let _guards = (Down(a.clone()), Down(b.clone()));
    up(&write_topology(dir.path(), &a, &[]));
    up(&write_topology(dir.path(), &b, &[]));

    // Without a name, `status` lists them and asks for one.
    let out = testnet(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    for name in [&a, &b] {
        assert!(listed["running"].as_array().is_some_and(|r| r.iter().any(|n| n == name.as_str())), "{listed}");
    }

    let down = testnet(&["down", &a]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(labelled(&a), (0, 0, 0));
    let (code, status) = status(&b);
    assert_eq!(code, Some(0), "{status:#}");
    assert!(status["chain"]["finalized"].as_u64() >= Some(1), "{status:#}");
    assert!(containers(&b).iter().all(|c| c.status == testnet::provider::ContainerStatus::Running));
}

//! Node lookup and endpoint choice, without Docker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::plan::Plan;

const TOPOLOGY: &str = "name: t\nvalidators: {count: 2}\ncompute:\n  \
    - {group: cpu, count: 5, per_container: 2}\n  - {group: gpu, count: 1}\n  \
    - {group: ver, count: 1, role: verifier}\n";

fn topology() -> Topology {
    Topology::parse("t.yaml", TOPOLOGY).expect("valid topology")
}

fn view(node: &str, kind: NodeKind, running: bool) -> ContainerView {
    let container = format!("crt_t_{node}");
    ContainerView {
        node: node.to_owned(),
        kind,
        container: container.clone(),
        status: if running { "running" } else { "exited (code 1)" }.to_owned(),
        running,
        host: None,
        rpc: (kind == NodeKind::Validator).then(|| format!("ws://127.0.0.1:1{}", node.len())),
        metrics: None,
        store: (kind == NodeKind::Store).then(|| "127.0.0.1:7070".to_owned()),
        cpu_percent: None,
        memory_bytes: None,
        reference: ContainerRef { id: container.clone(), name: container, testnet: "t".into(), node: node.to_owned() },
    }
}

/// What `up` would run: every container of the plan.
fn views(t: &Topology) -> Vec<ContainerView> {
    let plan = Plan::new(t).expect("keys");
    let mut all: Vec<_> =
        plan.validator_specs(b"{}").iter().map(|s| view(&s.node, NodeKind::Validator, true)).collect();
    all.extend(plan.compute_specs().iter().map(|s| view(&s.node, NodeKind::Compute, true)));
    all.push(view("store", NodeKind::Store, true));
    all
}

#[test]
fn container_names_follow_the_plan() {
    let t = topology();
    let planned: Vec<_> = Plan::new(&t).expect("keys").compute_specs().into_iter().map(|s| s.node).collect();
    let ours: Vec<_> = (0..t.compute_containers().len()).map(|i| container_node_name(&t, i)).collect();
    assert_eq!(planned, ours);
    assert_eq!(ours, ["cpu-c0", "cpu-c1", "cpu-4", "gpu-0", "ver-0"]);
}

#[test]
fn logs_find_containers_and_the_daemons_inside_them() {
    let t = topology();
    let v = views(&t);
    let target = find_node("t", &v, Some(&t), "validator-1").unwrap();
    assert_eq!(target, NodeTarget { container_node: "validator-1".into(), daemon: None, daemons_in_container: 1 });
    let target = find_node("t", &v, Some(&t), "cpu-3").unwrap();
    assert_eq!(
        target,
        NodeTarget { container_node: "cpu-c1".into(), daemon: Some("cpu-3".into()), daemons_in_container: 2 }
    );
    let target = find_node("t", &v, Some(&t), "cpu-c0").unwrap();
    assert_eq!(target.daemons_in_container, 2);
    // A daemon alone in its container is that container.
    let target = find_node("t", &v, Some(&t), "cpu-4").unwrap();
    assert_eq!(target, NodeTarget { container_node: "cpu-4".into(), daemon: None, daemons_in_container: 1 });
}

#[test]
fn unknown_nodes_list_the_known_ones() {
    let t = topology();
    let v = views(&t);
    let err = find_node("t", &v, Some(&t), "cpu-9").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("testnet t has no node \"cpu-9\"; known nodes: "), "{text}");
    for known in ["cpu-0", "cpu-c1", "store", "validator-0", "ver-0"] {
        assert!(err.known.iter().any(|k| k == known), "{known} missing from {text}");
    }
    // Without the saved topology, daemons of shared containers cannot be placed: say so.
    let err = find_node("t", &v, None, "cpu-0").unwrap_err();
    assert!(err.to_string().contains("name the container"), "{err}");
    assert!(!err.known.iter().any(|k| k == "cpu-0"));
}

#[test]
fn endpoints_come_from_running_containers_only() {
    let mut v = vec![
        view("validator-0", NodeKind::Validator, false),
        view("validator-1", NodeKind::Validator, true),
        view("store", NodeKind::Store, true),
    ];
    assert_eq!(first_rpc(&v), Some("ws://127.0.0.1:111"));
    assert_eq!(store_authority(&v), Some("127.0.0.1:7070"));
    v[1].running = false;
    v[2].running = false;
    assert_eq!(first_rpc(&v), None);
    assert_eq!(store_authority(&v), None);
}

#[test]
fn workers_exclude_verifiers_and_statuses_read_plainly() {
    assert_eq!(expected_workers(&topology()), 6);
    assert_eq!(status_text(ContainerStatus::Exited, Some(137)), "exited (code 137)");
    assert_eq!(status_text(ContainerStatus::Running, None), "running");
}

//! Container life cycle and error messages against the real engine.

#[path = "provider_support.rs"]
mod support;

use std::time::Duration;

use support::*;
use testnet::provider::{ContainerSpec, ContainerStatus, PortPublish, Provider, ProviderError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_lifecycle_stop_kill_restart_exit_codes() {
    let p = docker().await;
    let testnet = unique("life");
    let _guard = TestnetGuard(testnet.clone());
    let image = busybox_image(&p).await;
    let net = p.ensure_network(&testnet, 0).await.unwrap_or_else(|e| panic!("{e}"));

    let mut exits = ContainerSpec::new(&testnet, "exits", "compute", &image);
    exits.cmd = vec!["sh".into(), "-c".into(), "echo started; exit 3".into()];
    let exits = p.create_container(&exits).await.unwrap_or_else(|e| panic!("{e}"));
    let created = p.inspect(&exits).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((created.status, created.exit_code, created.started_at), (ContainerStatus::Created, None, None));
    p.start(&exits).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wait_exit(&p, &exits).await, 3);

    let mut sleeper = ContainerSpec::new(&testnet, "sleeper", "validator", &image);
    sleeper.cmd = vec!["sleep".into(), "300".into()];
    sleeper.networks = vec![net];
    let sleeper = p.create_container(&sleeper).await.unwrap_or_else(|e| panic!("{e}"));
    p.start(&sleeper).await.unwrap_or_else(|e| panic!("{e}"));
    let running = p.inspect(&sleeper).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((running.status, running.exit_code), (ContainerStatus::Running, None));
    let first_start = running.started_at;

    p.kill(&sleeper, "SIGKILL").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wait_exit(&p, &sleeper).await, 137);

    // Restart brings it back with a new start time.
    p.restart(&sleeper, Duration::from_secs(1)).await.unwrap_or_else(|e| panic!("{e}"));
    let again = wait_state(&p, &sleeper, Duration::from_secs(10), |s| s.status == ContainerStatus::Running).await;
    assert_ne!(again.started_at, first_start);

    // `sleep` as PID 1 ignores SIGTERM, so stop falls back to SIGKILL after the timeout.
    p.stop(&sleeper, Duration::from_millis(500)).await.unwrap_or_else(|e| panic!("{e}"));
    let stopped = p.inspect(&sleeper).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((stopped.status, stopped.exit_code), (ContainerStatus::Exited, Some(137)));

    p.remove(&sleeper).await.unwrap_or_else(|e| panic!("{e}"));
    let gone = p.inspect(&sleeper).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(gone.contains(&sleeper.name) && gone.contains("not found"), "{gone}");
    assert_eq!(p.list(&testnet).await.map(|l| l.len()).ok(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_errors_name_the_object_and_the_fix() {
    let p = docker().await;
    let testnet = unique("err");
    let _guard = TestnetGuard(testnet.clone());
    let image = busybox_image(&p).await;

    let missing = ContainerSpec::new(&testnet, "n", "compute", "cr-testnet/absent:local");
    let error = p.create_container(&missing).await.err();
    assert!(matches!(error, Some(ProviderError::ImageNotFound { .. })), "{error:?}");
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(text, "image cr-testnet/absent:local not found: run `testnet build` first");

    let bad = ContainerSpec::new(&testnet, "Bad_Name", "compute", &image);
    let text = p.create_container(&bad).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("invalid node name") && text.contains("lowercase"), "{text}");

    // `_` separates testnet and node in container names, so a testnet name cannot hold one.
    let underscored = ContainerSpec::new(&format!("{testnet}_x"), "n", "compute", &image);
    let text = p.create_container(&underscored).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("invalid testnet name"), "{text}");

    // A fixed host port taken by a first container: the second cannot start, and is told
    // which port and how to let Docker choose.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"))
    };
    let mut refs = Vec::new();
    for node in ["first", "second"] {
        let mut spec = ContainerSpec::new(&testnet, node, "store", &image);
        spec.cmd = ["httpd", "-f", "-p", "8080"].map(String::from).to_vec();
        spec.publish = vec![PortPublish { container_port: 8080, host_port: port }];
        refs.push(p.create_container(&spec).await.unwrap_or_else(|e| panic!("{e}")));
    }
    p.start(&refs[0]).await.unwrap_or_else(|e| panic!("{e}"));
    let state = p.inspect(&refs[0]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state.ports.get(&8080).map(|a| a.port()), Some(port));
    let error = p.start(&refs[1]).await.err();
    assert!(matches!(error, Some(ProviderError::PortInUse { port: p, .. }) if p == port), "{error:?}");
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains(&format!("127.0.0.1:{port}")) && text.contains("omit the host port"), "{text}");

    // The same node twice: the name is taken.
    let mut twin = ContainerSpec::new(&testnet, "first", "store", &image);
    twin.cmd = vec!["true".into()];
    let error = p.create_container(&twin).await.err();
    assert!(matches!(error, Some(ProviderError::Conflict { .. })), "{error:?}");
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains(&format!("docker rm -f crt_{testnet}_first")), "{text}");

    let report = p.teardown(&testnet).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.containers.len(), 2);
    assert_eq!(labelled_objects(&p, &testnet).await, (0, 0, 0));
}

#[tokio::test]
async fn provider_unreachable_engine_says_how_to_fix() {
    // Only this test's process sees the variable: each integration test file is a process,
    // but tests in one file share it, so the variable is set and read in one place.
    let host = "unix:///nonexistent/docker.sock";
    let error = with_docker_host(host).await;
    let text = error.unwrap_or_default();
    assert!(text.starts_with(&format!("no engine answers at {host}")), "{text}");
    assert!(text.contains("start dockerd or set DOCKER_HOST"), "{text}");
}

async fn with_docker_host(host: &str) -> Option<String> {
    let child = tokio::process::Command::new(std::env::current_exe().ok()?)
        .args(["--exact", "provider_unreachable_child", "--nocapture", "--include-ignored"])
        .env("DOCKER_HOST", host)
        .output()
        .await
        .ok()?;
    let out = String::from_utf8_lossy(&child.stdout);
    out.lines().find_map(|l| l.strip_prefix("ERROR: ")).map(str::to_owned)
}

/// Run by `provider_unreachable_engine_says_how_to_fix` in a child process whose DOCKER_HOST
/// points nowhere (setting it here would race the other tests of this file).
#[tokio::test]
#[ignore = "run as a child of provider_unreachable_engine_says_how_to_fix"]
async fn provider_unreachable_child() {
    if let Err(e) = testnet::provider::DockerProvider::connect().await {
        println!("ERROR: {e}");
    }
}

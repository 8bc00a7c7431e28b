//! The Docker provider against the real engine: networking by DNS name, published ports,
//! files placed before start, logs, stats, fault injection, and label-scoped teardown.

#[path = "provider_support.rs"]
mod support;

use std::time::Duration;

use support::*;
use testnet::provider::{
    create_many, start_many, ContainerSpec, ContainerStatus, FileEntry, LogSource, PortPublish, Provider,
    DEFAULT_PARALLELISM, LABEL_KIND,
};

/// A probe script: fetch `web` by DNS name every 0.3 s and say whether it answered.
/// (`nc`, not `wget`: the static busybox `wget` crashes in a scratch image.)
const PROBE: &str = "while true; do \
     out=$(printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 2 nc -w 1 web 8080 | tail -n 1); \
     if [ -n \"$out\" ]; then echo \"OK $out\"; else echo FAIL; fi; sleep 0.3; done";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_network_dns_ports_files_logs_stats_faults_teardown() {
    let p = docker().await;
    let testnet = unique("net");
    let _guard = TestnetGuard(testnet.clone());
    let image = busybox_image(&p).await;

    let net = p.ensure_network(&testnet, 0).await.unwrap_or_else(|e| panic!("{e}"));
    let again = p.ensure_network(&testnet, 0).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(net, again, "ensure_network is idempotent");
    assert_eq!(net.name, format!("crt-{testnet}"));

    let token = format!("token-{}", std::process::id());
    let mut web = ContainerSpec::new(&testnet, "web", "store", &image);
    web.cmd = ["httpd", "-f", "-p", "8080", "-h", "/www"].map(String::from).to_vec();
    web.networks = vec![net.clone()];
    web.publish = vec![PortPublish { container_port: 8080, host_port: 0 }];
    web.files = vec![FileEntry::bytes("/www/index.html", token.clone())];
    web.memory_limit = Some(64 << 20);

    let mut probe = ContainerSpec::new(&testnet, "probe", "compute", &image);
    probe.cmd = vec!["sh".into(), "-c".into(), PROBE.into()];
    probe.networks = vec![net.clone()];

    let mut reader = ContainerSpec::new(&testnet, "reader", "validator", &image);
    reader.cmd = vec!["sh".into(), "-c".into(), "cat /etc/crt/hello.txt; echo to-stderr >&2".into()];
    reader.files = vec![FileEntry::bytes("etc/crt/hello.txt", "hello from the host\nsecond line\n")];
    reader.env = vec![("RUST_LOG".into(), "info".into())];

    let specs = vec![web, probe, reader];
    let created: Vec<_> = create_many(&p, &specs, DEFAULT_PARALLELISM)
        .await
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("create: {e}")))
        .collect();
    for started in start_many(&p, &created, DEFAULT_PARALLELISM).await {
        started.unwrap_or_else(|e| panic!("start: {e}"));
    }
    let [web, probe, reader] = <[_; 3]>::try_from(created).unwrap_or_else(|_| panic!("3 refs"));
    assert_eq!(web.name, format!("crt_{testnet}_web"));

    // Labels are what `list` finds them by.
    let listed = p.list(&testnet).await.unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<_> = listed.iter().map(|c| (c.node.as_str(), c.kind.as_str())).collect();
    assert_eq!(kinds, [("probe", "compute"), ("reader", "validator"), ("web", "store")]);
    assert!(p.list_testnets().await.unwrap_or_default().contains(&testnet));

    // A file uploaded before start comes back through the container's output, both streams.
    assert_eq!(wait_exit(&p, &reader).await, 0);
    let lines: Vec<_> = futures::StreamExt::collect::<Vec<_>>(p.logs(&reader, false, None)).await;
    let lines: Vec<_> = lines.into_iter().map(|l| l.unwrap_or_else(|e| panic!("{e}"))).collect();
    // Docker reads the two streams through separate pipes, so only each stream's own order is
    // guaranteed, not how stdout and stderr lines interleave.
    let of = |source: LogSource| -> Vec<&str> {
        lines.iter().filter(|l| l.source == source).map(|l| l.text.as_str()).collect()
    };
    assert_eq!(of(LogSource::Stdout), ["hello from the host", "second line"]);
    assert_eq!(of(LogSource::Stderr), ["to-stderr"]);
    let saved = std::env::temp_dir().join(format!("{testnet}/reader.log"));
    assert_eq!(p.save_logs(&reader, &saved).await.unwrap_or_else(|e| panic!("{e}")), 3);
    let file = std::fs::read_to_string(&saved).unwrap_or_default();
    assert!(file.contains("second line") && file.contains("to-stderr"), "{file}");
    let tail = futures::StreamExt::collect::<Vec<_>>(p.logs(&reader, false, Some(1))).await;
    assert_eq!(tail.len(), 1);

    // The published port answers on 127.0.0.1 with the uploaded file.
    let state = wait_state(&p, &web, Duration::from_secs(10), |s| !s.ports.is_empty()).await;
    assert_eq!(state.status, ContainerStatus::Running);
    assert!(state.started_at.is_some());
    let addr = state.ports[&8080];
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let response = http_get(addr, "/index.html", Duration::from_secs(15)).await;
    assert!(response.contains(&token), "{response}");

    // The probe reaches `web` by its DNS name on the testnet network.
    let mut follow = p.logs(&probe, true, Some(0));
    let budget = Duration::from_secs(20);
    wait_line(&mut follow, budget, "probe success", |l| l == format!("OK {token}")).await;

    let use_ = p.stats(&web).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(use_.memory_bytes > 0 && use_.memory_usage_bytes >= use_.memory_bytes, "{use_:?}");
    assert_eq!(use_.memory_limit_bytes, 64 << 20);
    assert!(use_.cpu_percent >= 0.0);

    // Paused: still on the network, never answers.
    p.pause(&web).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.inspect(&web).await.map(|s| s.status).ok(), Some(ContainerStatus::Paused));
    wait_line(&mut follow, budget, "failure while paused", |l| l == "FAIL").await;
    p.unpause(&web).await.unwrap_or_else(|e| panic!("{e}"));
    wait_line(&mut follow, budget, "success after unpause", |l| l.starts_with("OK")).await;

    // Disconnected: the name no longer resolves; reconnected: it does again.
    p.disconnect_network(&web, &net).await.unwrap_or_else(|e| panic!("{e}"));
    wait_line(&mut follow, budget, "failure while disconnected", |l| l == "FAIL").await;
    p.connect_network(&web, &net).await.unwrap_or_else(|e| panic!("{e}"));
    wait_line(&mut follow, budget, "success after reconnect", |l| l.starts_with("OK")).await;
    drop(follow);

    let report = p.teardown(&testnet).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.containers.len(), 3);
    assert_eq!(report.networks, std::slice::from_ref(&net.name));
    assert_eq!(labelled_objects(&p, &testnet).await, (0, 0, 0));
    assert!(!p.list_testnets().await.unwrap_or_default().contains(&testnet));
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&testnet));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_testnets_coexist_and_teardown_is_scoped() {
    let p = docker().await;
    let image = busybox_image(&p).await;
    let (a, b) = (unique("one"), unique("two"));
    let _guards = (TestnetGuard(a.clone()), TestnetGuard(b.clone()));

    for testnet in [&a, &b] {
        let net = p.ensure_network(testnet, 0).await.unwrap_or_else(|e| panic!("{e}"));
        // The same node name in both testnets: names and aliases are scoped.
        let mut spec = ContainerSpec::new(testnet, "node-0", "compute", &image);
        spec.cmd = vec!["sleep".into(), "300".into()];
        spec.networks = vec![net];
        let c = p.create_container(&spec).await.unwrap_or_else(|e| panic!("{e}"));
        p.start(&c).await.unwrap_or_else(|e| panic!("{e}"));
        labelled_volume(&p, testnet).await;
    }
    let testnets = p.list_testnets().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(testnets.contains(&a) && testnets.contains(&b), "{testnets:?}");
    assert_eq!(labelled_objects(&p, &a).await, (1, 1, 1));

    let report = p.teardown(&a).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.containers, [format!("crt_{a}_node-0")]);
    assert_eq!(report.networks, [format!("crt-{a}")]);
    assert_eq!(report.volumes, [format!("crt_{a}_vol")]);
    assert_eq!(labelled_objects(&p, &a).await, (0, 0, 0));

    // The other testnet is untouched and still running.
    assert_eq!(labelled_objects(&p, &b).await, (1, 1, 1));
    let left = p.list(&b).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, ContainerStatus::Running);
    assert_eq!(left[0].kind, "compute");
    let labels = p.client().inspect_container(&left[0].name, None).await.ok();
    let kind = labels.and_then(|i| i.config?.labels?.remove(LABEL_KIND));
    assert_eq!(kind.as_deref(), Some("compute"));

    let report = p.teardown(&b).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(labelled_objects(&p, &b).await, (0, 0, 0));
    // Tearing down what is already gone is fine and reports nothing.
    let empty = p.teardown(&b).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(empty.containers.is_empty() && empty.networks.is_empty() && empty.is_clean());
}

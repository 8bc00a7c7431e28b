//! Helpers of the end-to-end tests (included with `#[path]`; as its own test target it holds
//! no tests): run the real `testnet` binary, and count what Docker holds for a testnet.
#![allow(dead_code)]

#[path = "provider_support.rs"]
mod provider_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use testnet::provider::{ContainerInfo, DockerProvider, Provider};

/// The binary under test, built by cargo for this test target.
pub const BIN: &str = env!("CARGO_BIN_EXE_testnet");

/// A testnet name unique to this process and test (names allow `-`, never `_`).
pub fn unique(tag: &str) -> String {
    format!("e2e-{tag}-{}", std::process::id())
}

/// A small topology: 2 validators, 1 CPU worker, 1 verifier, the store; 2 s blocks; `extra`
/// adds compute groups (one flow-style group per line).
pub fn write_topology(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let mut groups = vec![
        "{group: cpu, count: 1, cpu_cores: 2, memory_mb: 2048}",
        "{group: verifier, count: 1, role: verifier, cpu_cores: 2, memory_mb: 2048}",
    ];
    groups.extend_from_slice(extra);
    let groups: String = groups.iter().map(|g| format!("  - {g}\n")).collect();
    let text = format!(
        "name: {name}\nvalidators: {{count: 2}}\nchain:\n  block_time_ms: 2000\n\
         compute:\n{groups}store: {{enabled: true}}\n"
    );
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// `testnet <args>` to completion.
pub fn testnet(args: &[&str]) -> Output {
    Command::new(BIN).args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("running {BIN} {args:?}: {e}"))
}

/// Both output streams, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `testnet up --no-build <topology>`; fails the test unless it succeeds. Returns the wall
/// time and the line `up` prints when ready (seconds and block times).
pub fn up(topology: &Path) -> (Duration, String) {
    let started = Instant::now();
    let path = topology.to_string_lossy();
    let out = testnet(&["up", "--no-build", "--timeout", "240", &path]);
    let took = started.elapsed();
    assert!(out.status.success(), "testnet up {path} failed:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ready = stderr
        .lines()
        .find(|l| l.contains(" block times after its first container started"))
        .unwrap_or_default()
        .to_owned();
    (took, ready)
}

/// `testnet status <name> --json`: exit code and the parsed object.
pub fn status(name: &str) -> (Option<i32>, serde_json::Value) {
    let out = testnet(&["status", name, "--json"]);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("status --json printed no JSON ({e}):\n{}", text(&out)));
    (out.status.code(), value)
}

/// Runs `testnet down <name>` when dropped, so a failing test leaves nothing running.
pub struct Down(pub String);

impl Drop for Down {
    fn drop(&mut self) {
        let out = testnet(&["down", &self.0]);
        if !out.status.success() {
            eprintln!("cleanup `testnet down {}` failed:\n{}", self.0, text(&out));
        }
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
    rt.unwrap_or_else(|e| panic!("test runtime: {e}")).block_on(future)
}

fn docker() -> DockerProvider {
    block_on(DockerProvider::connect()).unwrap_or_else(|e| panic!("this test needs Docker: {e}"))
}

/// Containers, networks and volumes labelled with the testnet, straight from the engine API.
pub fn labelled(name: &str) -> (usize, usize, usize) {
    let p = docker();
    block_on(provider_support::labelled_objects(&p, name))
}

/// The testnet's containers, as the provider lists them.
pub fn containers(name: &str) -> Vec<ContainerInfo> {
    let p = docker();
    block_on(p.list(name)).unwrap_or_else(|e| panic!("listing containers of {name}: {e}"))
}

/// Names of every testnet the engine holds objects of.
pub fn testnets() -> Vec<String> {
    let p = docker();
    block_on(p.list_testnets()).unwrap_or_else(|e| panic!("listing testnets: {e}"))
}

/// Poll until the testnet has at least `count` containers.
pub fn wait_for_containers(name: &str, count: usize, within: Duration) {
    let started = Instant::now();
    while containers(name).len() < count {
        assert!(started.elapsed() < within, "{name} did not have {count} containers within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Send a signal by name to a process (`kill -<signal> <pid>`; no libc binding needed).
pub fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{signal} {pid} failed");
}

/// Wait for a child to exit, killing it (and failing) after `within`.
pub fn wait_exit(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if started.elapsed() < within => std::thread::sleep(Duration::from_millis(100)),
            other => {
                let _ = child.kill();
                panic!("child {} did not exit within {within:?}: {other:?}", child.id());
            }
        }
    }
}

//! Fixtures and helpers shared by the scenario model tests (included with `#[path]`; as its
//! own test target it holds no tests).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use tempfile::TempDir;
use testnet::scenario::model::{Problem, ProblemKind, Scenario};

/// Two CPU workers, a GPU worker, an offline worker and a verifier; two requesters.
pub const TOPOLOGY: &str = "name: t\nvalidators: {count: 3}\nchain:\n  requesters: [alice, bob]\n  endowment: 1000\ncompute:\n  - {group: cpu, count: 2, cpu_cores: 4, memory_mb: 32768}\n  - {group: gpu, count: 1, cpu_cores: 8, memory_mb: 16384, gpu: {count: 2, model: A100, vram_mb: 40960}}\n  - {group: idle, count: 1, cpu_cores: 64, memory_mb: 65536, behaviour: offline}\n  - {group: verifier, count: 1, role: verifier}\n";

/// Other topologies: no verifier and no store; a verifier off the committee; no online
/// worker; and an invalid one.
pub const OTHERS: [(&str, &str); 4] = [
    ("plain.yaml", "name: plain\nvalidators: {count: 1}\ncompute:\n  - {group: cpu, count: 1}\nstore: {enabled: false}\n"),
    ("quiet.yaml", "name: quiet\nvalidators: {count: 1}\ncompute:\n  - {group: cpu, count: 1}\n  - {group: verifier, count: 1, role: verifier, committee: false}\n"),
    ("idle.yaml", "name: idle\nvalidators: {count: 1}\ncompute:\n  - {group: sleepy, count: 1, behaviour: offline}\n  - {group: verifier, count: 1, role: verifier}\n"),
    ("broken.yaml", "name: Broken\nvalidators: {count: 0}\n"),
];

/// The start of every scenario here: the main fixture topology.
pub const HEAD: &str = "name: s\ntopology: t.yaml\n";
/// One valid job, `a`.
pub const JOB: &str = "jobs:\n  - {name: a, workload: hash-chain, size: 10, budget: 5}\n";

/// A directory holding every fixture topology.
pub fn fixtures() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), TOPOLOGY).unwrap();
    for (name, text) in OTHERS {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Every problem of `text`, whose `topology:` paths are relative to a fixture directory.
pub fn problems(text: &str) -> Vec<Problem> {
    let dir = fixtures();
    match Scenario::parse("s.yaml", text, dir.path()) {
        Ok(_) => panic!("expected a rejection of:\n{text}"),
        Err(e) => e.problems().to_vec(),
    }
}

/// The rendered problems of `text`, in file order.
pub fn messages(text: &str) -> Vec<String> {
    problems(text).iter().map(ToString::to_string).collect()
}

/// `text` must fail with exactly this one message.
pub fn one(text: &str, expected: &str) -> ProblemKind {
    let all = problems(text);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    assert_eq!(all[0].to_string(), expected);
    all[0].kind().clone()
}

/// `HEAD` + `JOB` + an `expect` section with one job entry written as `entry`.
pub fn expecting(entry: &str) -> String {
    format!("{HEAD}{JOB}expect:\n  jobs:\n    - {{job: a, {entry}}}\n")
}

//! A real single-validator chain on loopback for the daemon's tests, from a genesis generated
//! like the orchestrator's (our own keys funded, our own committee), plus a store.

#![allow(dead_code)]

use cr_protocol::chain::{Chain, Finality, UNIT};
use cr_protocol::genesis::{Authority, GenesisPlan, GenesisRuntime, MarketGenesis};
use cr_protocol::keys::{Purpose, Seed, Sr25519Key};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The validator runs with `--alice`, so its consensus keys are Alice's.
const ALICE_AURA: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const ALICE_GRANDPA: &str = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";

/// Block time of the test chain.
pub const BLOCK_MS: u64 = 1000;

/// The test's key for `name`.
pub fn key(name: &str) -> Sr25519Key {
    Sr25519Key::from_seed(&seed(name, Purpose::Account)).expect("key")
}

pub fn seed(name: &str, purpose: Purpose) -> Seed {
    Seed::derive("daemon-test", name, purpose)
}

#[allow(unused_imports)]
pub use cr_protocol::lifecycle::fee_account;

pub fn node_binary() -> PathBuf {
    let path = std::env::var_os("CR_NODE_BIN").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(".cache/compute-testnet/chain-target/release/cr-node")
    });
    assert!(
        path.is_file(),
        "no cr-node at {}: build it with `source ci/env.sh && (cd chain && cargo build --release -p cr-node)` or set CR_NODE_BIN",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running validator; killed on drop, its log printed if the test failed.
pub struct LocalChain {
    child: Child,
    pub rpc: String,
    pub dir: tempfile::TempDir,
}

impl Drop for LocalChain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default();
            let tail: Vec<_> = log.lines().rev().take(40).collect();
            eprintln!("--- last node log lines ---");
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// Start a validator whose genesis funds `funded` (1000 tokens each) and seats `committee`.
pub fn start_chain(funded: &[&Sr25519Key], committee: &[&Sr25519Key]) -> LocalChain {
    start_chain_on(funded, committee, None)
}

/// The same on a given runtime instead of the node's own; `funded[0]` holds the sudo key.
pub fn start_chain_on(
    funded: &[&Sr25519Key],
    committee: &[&Sr25519Key],
    runtime: Option<GenesisRuntime>,
) -> LocalChain {
    let node = node_binary();
    let template = Command::new(&node)
        .args(["export-chain-spec", "--chain", "dev"])
        .stderr(Stdio::null())
        .output()
        .expect("export-chain-spec");
    assert!(template.status.success(), "export-chain-spec failed");
    let plan = GenesisPlan {
        name: "daemon test".into(),
        id: "daemon_test".into(),
        block_time_ms: BLOCK_MS,
        authorities: vec![Authority { aura: ALICE_AURA.into(), grandpa: ALICE_GRANDPA.into() }],
        endowed: funded.iter().map(|k| (k.ss58(), 1_000 * UNIT)).collect(),
        sudo: funded[0].ss58(),
        committee: committee.iter().map(|k| k.ss58()).collect(),
        nodes: Vec::new(),
        market: MarketGenesis {
            challenge_window: 4,
            voting_period: 4,
            accept_timeout: 30,
            execution_timeout: 10,
            min_execute_within: 3,
            retention: 600,
            max_attempts: 2,
            challenge_bond: 10 * UNIT,
            min_node_stake: 100 * UNIT,
            protocol_fee: 10,
            slash: 50,
            challenger_reward: 50,
            quorum: committee.len().min(1) as u32,
        },
        boot_nodes: vec![],
        runtime,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, plan.apply(&template.stdout).expect("patch spec")).expect("write spec");
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("node.log")).expect("log");
    let child = Command::new(&node)
        .arg("--chain")
        .arg(&spec)
        .arg("--base-path")
        .arg(dir.path().join("base"))
        .args(["--alice", "--validator", "--no-prometheus", "--no-telemetry", "--no-mdns"])
        // A validator refuses to invent a network identity; any fixed one will do here.
        .args(["--node-key", "0000000000000000000000000000000000000000000000000000000000000001"])
        .args(["--listen-addr", "/ip4/127.0.0.1/tcp/0", "--rpc-port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start cr-node");
    LocalChain { child, rpc: format!("ws://127.0.0.1:{port}"), dir }
}

impl LocalChain {
    pub async fn connect(&self) -> Chain {
        Chain::connect_retrying(&self.rpc, Duration::from_secs(60)).await.expect("connect to the node")
    }
}

/// Poll `check` every half block until it returns `Some`, or fail after `blocks` blocks.
pub async fn within<T, F, Fut>(blocks: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_millis(blocks * BLOCK_MS);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {blocks} blocks waiting for {what}");
        tokio::time::sleep(Duration::from_millis(BLOCK_MS / 2)).await;
    }
}

/// Free balance of an account at the best block.
pub async fn free(chain: &Chain, who: &Sr25519Key) -> u128 {
    chain.balance(&cr_protocol::chain::AccountId32(who.account_id()), Finality::Best).await.expect("balance").0
}

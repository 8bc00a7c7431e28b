//! The daemon against a real node process on loopback (run with `--ignored`; needs `cr-node`,
//! see `CR_NODE_BIN`): a job goes submitted -> accepted -> result -> paid and the on-chain hash
//! is the Blake2-256 of what the store serves; a wrong result is challenged and loses; a daemon
//! killed after accepting resumes after a restart and answers exactly once.

mod common;

use common::*;
use cr_compute::daemon::{self, Behaviour, DaemonConfig, Role, ServiceUrls};
use cr_compute::store::{self, StoreConfig};
use cr_protocol::chain::{
    api, market, requirements, uri, AccountId32, Chain, Finality, JobStatus, MarketEvent, H256, UNIT,
};
use cr_protocol::hash::blake2_256;
use cr_protocol::keys::Purpose;
use cr_protocol::store_client::StoreClient;
use cr_protocol::workload::{Workload, WorkloadSpec};
use futures::StreamExt;
use std::sync::{Arc, Mutex};

fn config(name: &str, behaviour: Behaviour, role: Role, dir: &std::path::Path) -> DaemonConfig {
    DaemonConfig {
        name: name.into(),
        account_seed: seed(name, Purpose::Account),
        result_seed: seed(name, Purpose::ResultKey),
        cpu_cores: 4,
        memory_mb: 8192,
        gpu: None,
        behaviour,
        role,
        stake_tokens: 200,
        max_concurrent: 2,
        accept_delay_blocks: 0,
        state_dir: dir.join(name),
        allies: Vec::new(),
        alt_account_seed: None,
        tie_break_seed: 0,
    }
}

struct World {
    _chain_process: LocalChain,
    chain: Arc<Chain>,
    store_url: String,
    _store: cr_compute::http::ServerHandle,
    dir: tempfile::TempDir,
    events: Arc<Mutex<Vec<MarketEvent>>>,
}

async fn world(funded: &[&str], committee: &[&str]) -> World {
    let keys: Vec<_> = funded.iter().map(|n| key(n)).collect();
    let members: Vec<_> = committee.iter().map(|n| key(n)).collect();
    let process = start_chain(&keys.iter().collect::<Vec<_>>(), &members.iter().collect::<Vec<_>>());
    let chain = Arc::new(process.connect().await);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store::spawn(StoreConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().join("store")))
        .await
        .expect("store");
    let events = Arc::new(Mutex::new(Vec::new()));
    let (follower, sink) = (chain.clone(), events.clone());
    tokio::spawn(async move {
        let Ok(mut blocks) = follower.follow(Finality::Best).await else { return };
        while let Some(Ok(block)) = blocks.next().await {
            sink.lock().expect("events").extend(block.events);
        }
    });
    World { _chain_process: process, chain, store_url: store.base_url(), _store: store, dir, events }
}

impl World {
    fn run_daemons(&self, configs: Vec<DaemonConfig>) -> tokio::sync::oneshot::Sender<()> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let endpoints = ServiceUrls { rpc: self.chain.url().to_owned(), store: self.store_url.clone() };
        tokio::spawn(async move {
            let result = daemon::run(endpoints, configs, None, async {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = result {
                eprintln!("daemons ended: {e:#}");
            }
        });
        stop
    }

    /// Upload a spec and submit a job for it as `requester`.
    async fn submit(&self, requester: &str, budget: u128, size: u64) -> (u64, Vec<u8>) {
        let spec = WorkloadSpec::new(Workload::HashChain, size, 1).expect("spec").to_bytes();
        let blob = StoreClient::new(&self.store_url).expect("client").put(spec.clone()).await.expect("upload");
        let call = api::transactions().compute().submit_job(
            H256(blake2_256(&spec)),
            uri(&blob.to_string()).expect("uri"),
            requirements(1, 256, 0, 0, None).expect("req"),
            budget,
            market::JobDeadlines { accept_within: None, execute_within: None },
        );
        let out = self.chain.submit(&call, key(requester).keypair(), Finality::Best).await.expect("submit_job");
        let id = out
            .events
            .iter()
            .find_map(|e| match e {
                MarketEvent::JobSubmitted { job_id, .. } => Some(*job_id),
                _ => None,
            })
            .expect("JobSubmitted");
        (id, spec)
    }

    async fn wait_terminal(&self, job_id: u64, blocks: u64) -> JobStatus {
        within(blocks, &format!("job {job_id} to end"), || async {
            let job = self.chain.job(job_id, Finality::Best).await.ok().flatten()?;
            cr_protocol::lifecycle::is_terminal(&job.status).then_some(job.status)
        })
        .await
    }

    fn count(&self, f: impl Fn(&MarketEvent) -> bool) -> usize {
        self.events.lock().expect("events").iter().filter(|e| f(e)).count()
    }

    async fn registered(&self, name: &str) {
        let me = AccountId32(key(name).account_id());
        within(30, &format!("{name} to register"), || async {
            self.chain.node(&me, Finality::Best).await.ok().flatten().map(|_| ())
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs cr-node: the end-to-end tier runs it"]
async fn job_is_paid_90_10_and_the_chain_hash_is_the_store_bytes_hash() {
    let w = world(&["requester", "worker"], &[]).await;
    let _stop = w.run_daemons(vec![config("worker", Behaviour::Honest, Role::Worker, w.dir.path())]);
    w.registered("worker").await;
    let before = free(&w.chain, &key("worker")).await;
    let fee_account = AccountId32(fee_account());
    let fees_before = w.chain.balance(&fee_account, Finality::Best).await.expect("fee balance").0;

    let budget = 100 * UNIT + 7;
    let (job_id, _) = w.submit("requester", budget, 20_000).await;
    let status = w.wait_terminal(job_id, 40).await;
    let JobStatus::Completed { node, result, node_payout, protocol_fee } = status else {
        panic!("job {job_id} ended {status:?}, expected Completed")
    };
    assert_eq!(node, AccountId32(key("worker").account_id()));
    assert_eq!(protocol_fee, budget / 10, "the fee is 10% rounded down");
    assert_eq!(node_payout, budget - budget / 10, "the node gets the rest, remainder included");
    assert_eq!(free(&w.chain, &key("worker")).await - before, node_payout, "accept is free, the payout exact");
    let fees_after = w.chain.balance(&fee_account, Finality::Best).await.expect("fee balance").0;
    assert_eq!(fees_after - fees_before, protocol_fee);

    // Provenance: what the store serves hashes to what the chain holds.
    let uri_text = String::from_utf8(result.uri.0.clone()).expect("utf8 uri");
    let served = StoreClient::new(&w.store_url)
        .expect("client")
        .get_uri(&uri_text.parse().expect("blob uri"), None)
        .await
        .expect("download");
    assert_eq!(blake2_256(&served), result.output_hash.0);
    let honest = WorkloadSpec::new(Workload::HashChain, 20_000, 1).expect("spec").execute();
    assert_eq!(served, honest, "an honest node serves the deterministic output");
    let verdict = cr_protocol::provenance::verify_job(&w.chain, job_id, None).await.expect("verify");
    assert!(verdict.matches, "{verdict:?}");
    // The state shown is the best block's, with the finalized one beside it when they differ.
    assert_eq!(verdict.best.status, "completed", "{verdict:?}");
    let states = verdict.states();
    assert!(states.starts_with(&format!("job {job_id}: completed at best block #")), "{states}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs cr-node: the end-to-end tier runs it"]
async fn wrong_result_is_challenged_voted_down_and_slashed() {
    // Two verifiers: the one that challenges is a party to the dispute and may not vote.
    let w = world(&["requester", "cheat", "verifier", "verifier-2"], &["verifier", "verifier-2"]).await;
    let _stop = w.run_daemons(vec![
        config("cheat", Behaviour::WrongResult, Role::Worker, w.dir.path()),
        config("verifier", Behaviour::Honest, Role::Verifier, w.dir.path()),
        config("verifier-2", Behaviour::Honest, Role::Verifier, w.dir.path()),
    ]);
    w.registered("cheat").await;
    let requester_before = free(&w.chain, &key("requester")).await;
    let (job_id, _) = w.submit("requester", 50 * UNIT, 20_000).await;
    let status = w.wait_terminal(job_id, 60).await;
    assert_eq!(status, JobStatus::Refunded { reason: market::RefundReason::ResultRejected });
    let cheat = AccountId32(key("cheat").account_id());
    let info = w.chain.node(&cheat, Finality::Best).await.expect("node").expect("registered");
    assert_eq!(info.stake, 150 * UNIT, "the job's stake at risk (50% of the 100-token minimum) was slashed");
    assert_eq!(info.exposure, 0, "nothing is at risk once the job settled");
    assert_eq!(w.count(|e| matches!(e, MarketEvent::JobChallenged { .. })), 1);
    assert_eq!(
        w.count(|e| matches!(e, MarketEvent::DisputeResolved { outcome: market::DisputeOutcome::NodeWrong, .. })),
        1
    );
    // The requester got the budget back; only its submit fee is gone.
    let spent = requester_before - free(&w.chain, &key("requester")).await;
    assert!(spent < UNIT, "requester lost {spent} base units, more than a fee");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs cr-node: the end-to-end tier runs it"]
async fn a_daemon_killed_after_accepting_resumes_and_answers_once() {
    let w = world(&["requester", "crasher"], &[]).await;
    let cfg = config("crasher", Behaviour::CrashAfterAccept, Role::Worker, w.dir.path());
    let binary = env!("CARGO_BIN_EXE_cr-compute");
    let spawn = || {
        std::process::Command::new(binary)
            .args(["run", "--name", "crasher", "--rpc", w.chain.url(), "--store", &w.store_url])
            .args(["--account-seed", &cfg.account_seed.to_hex(), "--result-seed", &cfg.result_seed.to_hex()])
            .args(["--cpu-cores", "4", "--memory-mb", "8192", "--stake", "200", "--behaviour", "crash-after-accept"])
            .arg("--state-dir")
            .arg(&cfg.state_dir)
            .spawn()
            .expect("start cr-compute")
    };
    let mut first = spawn();
    w.registered("crasher").await;
    let (job_id, _) = w.submit("requester", 10 * UNIT, 20_000).await;
    let status = tokio::task::spawn_blocking(move || first.wait()).await.expect("join").expect("wait");
    assert_eq!(status.code(), Some(3), "the daemon crashes right after its accept landed");
    let job = w.chain.job(job_id, Finality::Best).await.expect("job").expect("exists");
    assert!(matches!(job.status, JobStatus::Assigned { .. }), "still assigned: {:?}", job.status);

    let mut second = spawn();
    let status = w.wait_terminal(job_id, 40).await;
    let _ = second.kill();
    let _ = second.wait();
    assert!(matches!(status, JobStatus::Completed { .. }), "{status:?}");
    assert_eq!(w.count(|e| matches!(e, MarketEvent::ResultSubmitted { job_id: j, .. } if *j == job_id)), 1);
    let journal = daemon::Journal::read(&cfg.state_dir).expect("journal");
    assert_eq!(journal.iter().filter(|s| s.job_id == job_id).count(), 1, "one submission across both runs");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs cr-node: the end-to-end tier runs it"]
async fn submissions_sharing_a_block_read_it_once_and_each_gets_its_own_events() {
    let requesters: Vec<String> = (0..12).map(|i| format!("requester-{i}")).collect();
    let names: Vec<&str> = requesters.iter().map(String::as_str).collect();
    let w = world(&names, &[]).await;
    // A connection of its own: nothing else (the world's follower) reads blocks through it.
    let chain = Arc::new(Chain::connect(w.chain.url()).await.expect("connect"));
    let submissions =
        requesters.iter().map(|name| {
            let chain = chain.clone();
            let call = api::transactions().compute().submit_job(
                H256([7; 32]),
                uri("http://store:7070/blobs/x").expect("uri"),
                requirements(1, 256, 0, 0, None).expect("req"),
                UNIT,
                market::JobDeadlines { accept_within: None, execute_within: None },
            );
            async move {
                (name.clone(), chain.submit(&call, key(name).keypair(), Finality::Best).await.expect("submit_job"))
            }
        });
    let outcomes = futures::future::join_all(submissions).await;
    let blocks: std::collections::BTreeSet<H256> = outcomes.iter().map(|(_, out)| out.block).collect();
    assert_eq!(chain.blocks_read(), blocks.len() as u64, "{} submissions in {} blocks", outcomes.len(), blocks.len());
    assert!(
        blocks.len() < outcomes.len(),
        "the submissions should share blocks: {} in {}",
        outcomes.len(),
        blocks.len()
    );
    let mut ids = std::collections::BTreeSet::new();
    for (name, out) in &outcomes {
        let mine: Vec<_> = out
            .events
            .iter()
            .filter_map(|e| match e {
                MarketEvent::JobSubmitted { job_id, requester, .. } => Some((*job_id, *requester)),
                _ => None,
            })
            .collect();
        assert_eq!(mine.len(), 1, "{name}'s outcome holds one JobSubmitted, not its block's: {mine:?}");
        assert_eq!(mine[0].1, AccountId32(key(name).account_id()), "{name} got another submission's event");
        assert!(out.fee > 0, "{name}'s outcome names the fee it paid");
        ids.insert(mine[0].0);
    }
    assert_eq!(ids.len(), outcomes.len(), "every submission got its own job id");
}

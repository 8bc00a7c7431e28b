//! Where a daemon's job read spends its time, step by step, against a node under load.
//!
//! A fleet daemon reads a job (`Chain::job` at the best block) before accepting it; in a
//! 100-daemon climb that read took 0.2 to 0.5 s p50 while a plain `state_getStorage` over HTTP
//! to the same node took ~2 ms. This probe times, every half second on one WebSocket per client
//! kind, each step of that read separately:
//!
//! - `hash`: `chain_getBlockHash` (the best block's hash);
//! - `raw`: `state_getStorage` of `Compute.Jobs(id)` at that hash (the node's own cost);
//! - `open`/`fetch` with subxt's default backend (which picks `archive_v1_*` or `chainHead_v1_*`
//!   when the node offers them) and with its legacy backend (`state_*`, `chain_*`);
//! - `product`: the whole `Chain::job(id, Best)` the daemon calls.
//!
//! Usage: `cargo run --release -p cr-protocol --example read_probe -- ws://127.0.0.1:PORT [JOB_ID]`
//! (start it beside `testnet load`; it prints p50/p90 ms per minute until the node goes away).
//! With `JOB_ID --concurrent N` it runs N readers of `Chain::job` on one connection for 20 s
//! instead: does concurrency on a socket stall reads?

use cr_protocol::chain::{api, Chain, Finality};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use subxt::backend::LegacyBackend;
use subxt::config::RpcConfigFor;
use subxt::rpcs::{methods::LegacyRpcMethods, RpcClient};
use subxt::{OnlineClient, SubstrateConfig};

type Client = OnlineClient<SubstrateConfig>;
type Samples = BTreeMap<&'static str, Vec<f64>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: read_probe ws://127.0.0.1:PORT [JOB_ID [--concurrent N]]")?;
    let job_id: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    if args.next().as_deref() == Some("--concurrent") {
        let readers: usize = args.next().ok_or("--concurrent needs a number")?.parse()?;
        return concurrent(&url, job_id, readers).await;
    }

    let rpc_client = RpcClient::from_insecure_url(&url).await?;
    let rpc = LegacyRpcMethods::<RpcConfigFor<SubstrateConfig>>::new(rpc_client.clone());
    let default_client = Client::from_rpc_client(rpc_client.clone()).await?;
    let legacy_rpc = RpcClient::from_insecure_url(&url).await?;
    let rpc2 = LegacyRpcMethods::<RpcConfigFor<SubstrateConfig>>::new(legacy_rpc.clone());
    let legacy_client =
        Client::from_backend(Arc::new(LegacyBackend::<SubstrateConfig>::builder().build(legacy_rpc))).await?;
    let product = Chain::connect(&url).await?;

    let mut minute = Samples::new();
    let mut minute_started = Instant::now();
    println!("minute  step  p50_ms  p90_ms  n");
    let mut minute_no = 0;
    loop {
        if let Err(e) = tick(&rpc, &rpc2, &default_client, &legacy_client, &product, job_id, &mut minute).await {
            eprintln!("read_probe: {e}; stopping");
            print_minute(minute_no, &minute);
            return Ok(());
        }
        if minute_started.elapsed() >= Duration::from_secs(60) {
            print_minute(minute_no, &minute);
            minute.clear();
            minute_no += 1;
            minute_started = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn tick(
    rpc: &LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>,
    rpc2: &LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>,
    default_client: &Client,
    legacy_client: &Client,
    product: &Chain,
    job_id: u64,
    out: &mut Samples,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut lap = Lap::new(out);
    let hash = rpc.chain_get_block_hash(None).await?.ok_or("the node has no best block")?;
    lap.mark("hash");

    let at = default_client.at_block(hash).await?;
    lap.mark("default_open");
    let addr = api::storage().compute().jobs().unvalidated();
    at.storage().try_fetch(addr.clone(), (job_id,)).await?;
    lap.mark("default_fetch");
    let key = at.storage().entry(addr.clone())?.fetch_key((job_id,))?;
    lap.restart();
    rpc.state_get_storage(&key, Some(hash)).await?;
    lap.mark("raw");
    rpc2.state_get_storage(&key, Some(hash)).await?;
    lap.mark("raw_conn2");
    let number_key = at.storage().entry(api::storage().system().number())?.fetch_key(())?;
    lap.restart();
    rpc.state_get_storage(&number_key, Some(hash)).await?;
    lap.mark("raw_number");
    rpc.state_get_storage(&key, None).await?;
    lap.mark("raw_at_best");

    let at = legacy_client.at_block(hash).await?;
    lap.mark("legacy_open");
    at.storage().try_fetch(addr, (job_id,)).await?;
    lap.mark("legacy_fetch");

    product.job(job_id, Finality::Best).await?;
    lap.mark("product");
    Ok(())
}

/// `readers` tasks reading the job at once through one `Chain` (as a fleet container's
/// daemons share one), each again as soon as it has its answer, for 20 s: per-read p50/p90.
async fn concurrent(url: &str, job_id: u64, readers: usize) -> Result<(), Box<dyn std::error::Error>> {
    let chain = Arc::new(Chain::connect(url).await?);
    let until = Instant::now() + Duration::from_secs(20);
    let tasks: Vec<_> = (0..readers)
        .map(|_| {
            let chain = chain.clone();
            tokio::spawn(async move {
                let mut took = Vec::new();
                while Instant::now() < until {
                    let started = Instant::now();
                    if chain.job(job_id, Finality::Best).await.is_err() {
                        break;
                    }
                    took.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                took
            })
        })
        .collect();
    let mut all = Samples::new();
    for task in tasks {
        all.entry("concurrent_read").or_default().extend(task.await?);
    }
    print_minute(0, &all);
    Ok(())
}

/// Milliseconds since the last mark, filed under a step's name.
struct Lap<'a> {
    out: &'a mut Samples,
    since: Instant,
}

impl<'a> Lap<'a> {
    fn new(out: &'a mut Samples) -> Self {
        Self { out, since: Instant::now() }
    }

    fn mark(&mut self, step: &'static str) {
        self.out.entry(step).or_default().push(self.since.elapsed().as_secs_f64() * 1000.0);
        self.restart();
    }

    fn restart(&mut self) {
        self.since = Instant::now();
    }
}

fn print_minute(minute: usize, samples: &Samples) {
    for (step, values) in samples {
        let mut v = values.clone();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        if !v.is_empty() {
            println!("{minute:>6}  {step:<14}  {:>7.1}  {:>7.1}  {}", at(0.5), at(0.9), v.len());
        }
    }
}

//! `testnet load`: a fleet of compute daemons and a stream of jobs at a chosen arrival rate.
//! Measures throughput, per-stage latency, fleet bring-up and per-daemon cost, and compares the
//! job rate with the chain's own extrinsic ceiling, measured on the same testnet in the same
//! run. A run passes when no job is lost and no escrow is left held.

mod arrival;
mod ceiling;
mod drive;
mod finality;
mod fleet;
mod host;
pub mod knee;
pub mod report;
mod stats;
mod svg;

pub use arrival::{Arrival, ArrivalError};
pub use ceiling::Ceiling;
pub use fleet::FleetUse;
pub use stats::Percentiles;

use crate::artifacts::Workspace;
use crate::network::{self, UpOptions};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::provider::{Engine, Provider};
use crate::scenario::inject::{upload_spec, JobRequest};
use crate::topology::{Registration, Role, Tokens, Topology};
use cr_protocol::chain::{AccountId32, Chain, Finality};
use cr_protocol::lifecycle::Outcome;
use cr_protocol::store_client::StoreClient;
use cr_protocol::workload::{Workload, WorkloadSpec};
pub use drive::BlockSeen;
pub use drive::JobRecord;
use drive::{JobOrder, Observed};
use futures::StreamExt;
use knee::{Climb, Knee, Step};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Signed and unsigned extrinsics one completed job costs: submit, accept, result.
pub const EXTRINSICS_PER_JOB: f64 = 3.0;

/// What to drive into the fleet.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub jobs: u32,
    /// Mean arrivals per second.
    pub rate: f64,
    pub arrival: Arrival,
    /// Hash-chain iterations per job (its run time).
    pub size: u64,
    pub budget: Tokens,
    /// Remarks in the ceiling flood; 0 skips the measurement.
    pub ceiling_extrinsics: u32,
    /// Blocks to wait for stragglers after the last submission.
    pub grace_blocks: u32,
    /// Where container logs go when the run fails.
    pub reports: std::path::PathBuf,
    /// `--find-ceiling`: climb the offered rate instead of one run of `jobs` at `rate`.
    pub climb: Option<Climb>,
}

/// What a load run did; `passed` when no job was lost and no escrow is left held.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub testnet: String,
    pub topology: String,
    pub daemons: usize,
    pub containers: usize,
    pub block_time_ms: u32,
    pub arrival: String,
    pub rate: f64,
    pub jobs: u32,
    /// Seconds `up` took until every daemon was registered.
    pub up_seconds: f64,
    /// `(seconds since up started, daemons registered)`.
    pub bring_up: Vec<(f64, usize)>,
    pub ceiling: Option<Ceiling>,
    pub idle: Option<FleetUse>,
    pub under_load: Option<FleetUse>,
    pub refused: usize,
    pub completed: usize,
    pub refunded: usize,
    /// Jobs submitted that had not ended when the run stopped, or that the chain still holds
    /// as open.
    pub lost: usize,
    /// Held balance left on requesters after every job ended (escrow not released).
    pub stuck_escrow: u128,
    /// From the first submission to the last settlement.
    pub busy_seconds: f64,
    pub jobs_per_second: f64,
    /// `jobs_per_second / ceiling.extrinsics_per_second`.
    pub ratio_to_ceiling: Option<f64>,
    /// `jobs_per_second / (ceiling.extrinsics_per_second / EXTRINSICS_PER_JOB)`.
    pub ratio_to_job_ceiling: Option<f64>,
    /// Per stage: `submit->included`, `included->accepted`, `accepted->result`,
    /// `result->settled` (mostly the challenge window), `submit->settled`.
    pub latency: Vec<(String, Percentiles)>,
    /// `--find-ceiling`: every step of the climb, and where it stopped following.
    pub steps: Vec<Step>,
    pub knee: Option<Knee>,
    pub records: Vec<JobRecord>,
    /// Every block of the job phase.
    pub blocks: Vec<BlockSeen>,
    /// Reference time (picoseconds) a block's normal-class transactions may be charged.
    pub normal_weight_limit: u64,
    /// Reference time (picoseconds) a whole block may hold: normal transactions get no room
    /// past it, whatever the mandatory part took.
    pub block_weight_limit: u64,
    pub problems: Vec<String>,
    pub passed: bool,
    /// Where every container's log was saved, when the run failed.
    pub logs_dir: Option<std::path::PathBuf>,
}

/// Save every container's log under `<reports>/logs/`; the directory, if anything was saved.
async fn save_logs(provider: &dyn Provider, testnet: &str, reports: &Path) -> Option<std::path::PathBuf> {
    let dir = reports.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    for c in provider.list(testnet).await.ok()? {
        let _ = provider.save_logs(&c.to_ref(), &dir.join(format!("{}.log", c.node))).await;
    }
    Some(dir)
}

/// Bring up the topology's testnet, measure, drive the jobs, check, and tear it down.
pub async fn run_one(
    engine: &Engine,
    workspace: &Workspace,
    topology: &Topology,
    topology_path: &Path,
    options: &LoadOptions,
    up: &UpOptions,
    progress: &mut Progress,
) -> anyhow::Result<LoadReport> {
    let provider = engine.provider.as_ref();
    let result = run(engine, workspace, topology, topology_path, options, up, progress).await;
    if let Err(e) = &result {
        // Not ours to remove, or the interrupt's owner removes it.
        if network::UpError::refused_over_running(e) || network::UpError::interrupted(e) {
            return result;
        }
    }
    let testnet = topology.name().as_str();
    let failed = result.as_ref().map_or(true, |r| !r.passed);
    let logs = if failed { save_logs(provider, testnet, &options.reports).await } else { None };
    progress.step(&format!("removing testnet {testnet}"), 0);
    let teardown = {
        let _removing = up.interrupt.hold();
        provider.teardown(testnet).await
    };
    network::TestnetState::remove(&workspace.root, testnet);
    let mut report = result?;
    report.logs_dir = logs;
    match teardown {
        Ok(t) => report
            .problems
            .extend(t.leftovers.iter().map(|l| format!("teardown left {}: remove with `{}`", l.name, l.command))),
        Err(e) => report.problems.push(format!("teardown failed: {e}; run `testnet down {testnet}`")),
    }
    Ok(report)
}

async fn run(
    engine: &Engine,
    workspace: &Workspace,
    topology: &Topology,
    topology_path: &Path,
    options: &LoadOptions,
    up: &UpOptions,
    progress: &mut Progress,
) -> anyhow::Result<LoadReport> {
    let provider = engine.provider.as_ref();
    anyhow::ensure!(
        options.rate > 0.0 && options.rate.is_finite(),
        "--rate must be a positive number of jobs per second"
    );
    let up_started_ms = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_millis() as u64;
    let up_clock = Instant::now();
    let state = network::up(engine, workspace, topology, topology_path, up, progress).await?;
    let up_seconds = up_clock.elapsed().as_secs_f64();
    let plan = Plan::new(topology)?;
    let rpc = state.endpoints.validator_rpcs().first().map(|s| s.to_string()).unwrap_or_default();
    let chain = Arc::new(Chain::connect_retrying(&rpc, Duration::from_secs(30)).await?);

    progress.step("reading the fleet's bring-up from the chain", 0);
    // Verifiers never register as nodes: counting them, the read never saw everyone in and
    // went on through every block of the bring-up (over 11 minutes at 1,000 containers).
    let workers = network::status::expected_workers(topology);
    let in_genesis = topology
        .compute_nodes()
        .iter()
        .filter(|n| n.role() == Role::Worker && n.registration() == Registration::Genesis)
        .count();
    let bring_up = fleet::registration_curve(&chain, up_started_ms, in_genesis, workers).await?;
    progress.step("sampling idle daemons (docker stats)", 0);
    let idle = fleet::sample(provider, topology, "idle").await.ok();
    let keys: Vec<_> = plan.requesters.iter().map(|r| r.key.clone()).collect();
    let ceiling = if options.ceiling_extrinsics > 0 {
        progress.step(&format!("measuring the chain's ceiling with {} remarks", options.ceiling_extrinsics), 0);
        Some(ceiling::measure(&rpc, &keys, options.ceiling_extrinsics, topology.block_time_ms()).await?)
    } else {
        None
    };

    let store_addr = state.endpoints.store.clone().ok_or_else(|| anyhow::anyhow!("the topology has no store"))?;
    let store = StoreClient::new(&format!("http://{store_addr}"))?;
    let mut lanes = vec![chain.clone()];
    for _ in 1..keys.len() {
        lanes.push(Arc::new(chain.connect_sharing_reads().await?));
    }
    let grace = Duration::from_millis(u64::from(topology.block_time_ms()) * u64::from(options.grace_blocks));
    let normal_weight_limit = chain.normal_weight_limit().await?;
    let block_weight_limit = chain.block_weight_limit().await?;
    let job_ceiling = ceiling.as_ref().map(|c| c.extrinsics_per_second / EXTRINSICS_PER_JOB);
    let phases =
        Phases { provider, topology, store: &store, keys: &keys, lanes: &lanes, grace, normal_weight_limit, options };
    let (observed, under_load, steps) = match &options.climb {
        None => {
            let (observed, under_load) = phases.drive(0, options.jobs, options.rate, progress).await?;
            (observed, under_load, Vec::new())
        }
        Some(climb) => phases.climb(climb, progress).await?,
    };
    let knee = options.climb.as_ref().map(|climb| knee::knee(&steps, climb, job_ceiling));
    let (completed, refunded, lost, refused) = count(&observed.records);
    let mut problems = Vec::new();
    progress.step("waiting for the run's last block to be finalized", 0);
    let finality_stalled = finality::wait(&chain, topology.block_time_ms()).await?;
    problems.extend(finality_stalled.clone());
    // Read where nothing can be undone, unless finality never came.
    let settled = if finality_stalled.is_none() { Finality::Finalized } else { Finality::Best };
    let open_on_chain: Vec<u64> = chain
        .jobs(settled)
        .await?
        .into_iter()
        .filter(|(_, j)| !cr_protocol::lifecycle::is_terminal(&j.status))
        .map(|(id, _)| id)
        .collect();
    if !open_on_chain.is_empty() {
        problems.push(format!("{} jobs still open on chain: {:?}", open_on_chain.len(), open_on_chain));
    }
    let stopped: std::collections::BTreeSet<&String> =
        idle.iter().chain(under_load.iter()).flat_map(|f| f.stopped.iter()).collect();
    if !stopped.is_empty() {
        problems.push(format!("compute containers not running during the run: {stopped:?}"));
    }
    if lost > 0 {
        problems.push(format!("{lost} submitted jobs had not ended when the run stopped"));
    }
    if refused > 0 {
        problems.push(format!(
            "{refused} submissions were refused; first: {}",
            observed.records.iter().find_map(|r| r.error.clone()).unwrap_or_default()
        ));
    }
    let mut stuck_escrow = 0;
    for key in &keys {
        stuck_escrow += chain.balance(&AccountId32(key.account_id()), settled).await?.1;
    }
    if stuck_escrow > 0 {
        problems.push(format!("{stuck_escrow} base units of escrow still held by requesters"));
    }

    let first_sent = observed.records.iter().map(|r| r.sent).fold(f64::INFINITY, f64::min);
    let last_settled = observed.records.iter().filter_map(|r| r.settled).fold(0.0, f64::max);
    let busy_seconds = (last_settled - first_sent).max(0.0);
    let jobs_per_second = if busy_seconds > 0.0 { completed as f64 / busy_seconds } else { 0.0 };
    let ceiling_rate = ceiling.as_ref().map(|c| c.extrinsics_per_second).filter(|r| *r > 0.0);
    Ok(LoadReport {
        testnet: topology.name().as_str().to_owned(),
        topology: topology_path.display().to_string(),
        daemons: topology.compute_nodes().len(),
        containers: topology.compute_containers().len(),
        block_time_ms: topology.block_time_ms(),
        arrival: options.arrival.to_string(),
        rate: options.rate,
        jobs: observed.records.len() as u32,
        up_seconds,
        bring_up,
        ratio_to_ceiling: ceiling_rate.map(|c| jobs_per_second / c),
        ratio_to_job_ceiling: ceiling_rate.map(|c| jobs_per_second / (c / EXTRINSICS_PER_JOB)),
        ceiling,
        idle,
        under_load,
        refused,
        completed,
        refunded,
        lost: lost.max(open_on_chain.len()),
        stuck_escrow,
        busy_seconds,
        jobs_per_second,
        latency: latencies(&observed.records),
        steps,
        knee,
        passed: lost == 0
            && open_on_chain.is_empty()
            && stuck_escrow == 0
            && refused == 0
            && finality_stalled.is_none(),
        logs_dir: None,
        problems,
        records: observed.records,
        blocks: observed.blocks,
        normal_weight_limit,
        block_weight_limit,
    })
}

/// What every phase of jobs needs: where to upload and submit, and how long to wait.
struct Phases<'a> {
    provider: &'a dyn Provider,
    topology: &'a Topology,
    store: &'a StoreClient,
    keys: &'a [cr_protocol::keys::Sr25519Key],
    lanes: &'a [Arc<Chain>],
    grace: Duration,
    normal_weight_limit: u64,
    options: &'a LoadOptions,
}

impl Phases<'_> {
    /// Upload and drive `jobs` jobs (spec seeds from `first`) at `rate`, sampling the fleet
    /// halfway through.
    async fn drive(
        &self,
        first: u32,
        jobs: u32,
        rate: f64,
        progress: &mut Progress,
    ) -> anyhow::Result<(Observed, Option<FleetUse>)> {
        progress.step(&format!("uploading {jobs} task specs"), u64::from(jobs));
        let orders = upload(self.store, self.keys, first..first + jobs, self.options).await?;
        let schedule = self.options.arrival.schedule(jobs, rate);
        let halfway = schedule.get(schedule.len() / 2).copied().unwrap_or_default();
        progress.step(&format!("driving {jobs} jobs ({} at {rate:.2}/s)", self.options.arrival), u64::from(jobs));
        let shown: &Progress = progress;
        let tenth = (jobs as usize / 10).max(1);
        let report_progress = |ended: usize, total: usize| {
            let status =
                if ended.is_multiple_of(tenth) { format!("{ended}/{total} jobs ended") } else { String::new() };
            shown.set(ended as u64, &status);
        };
        let (observed, under_load) =
            tokio::join!(drive::drive(self.lanes.to_vec(), orders, schedule, self.grace, report_progress), async {
                tokio::time::sleep(halfway).await;
                fleet::sample(self.provider, self.topology, "under load").await.ok()
            });
        Ok((observed?, under_load))
    }

    /// Steps of growing rate until one stops following; every step's records, shifted onto one
    /// clock, and the fleet sampled during the last step.
    async fn climb(
        &self,
        climb: &Climb,
        progress: &mut Progress,
    ) -> anyhow::Result<(Observed, Option<FleetUse>, Vec<Step>)> {
        let started = Instant::now();
        let mut all = Observed { records: Vec::new(), blocks: Vec::new() };
        let (mut steps, mut under_load, mut first) = (Vec::new(), None, 0);
        for i in 0..climb.max_steps {
            let (rate, jobs) = (climb.rate(i), climb.jobs(i));
            let offset = started.elapsed().as_secs_f64();
            let cpu_before = host::CpuTimes::now();
            let (mut observed, sampled) = self.drive(first, jobs, rate, progress).await?;
            let host_cpu_busy = host::CpuTimes::now().zip(cpu_before).and_then(|(a, b)| a.busy_percent_since(&b));
            first += jobs;
            under_load = sampled.or(under_load);
            observed.shift(offset);
            let step = Step {
                offered: rate,
                jobs,
                completed: count(&observed.records).0,
                achieved: knee::achieved(&observed.records),
                extrinsics_per_block: observed.mean_extrinsics_per_block(),
                weight_full: Some(observed.mean_weight_full(self.normal_weight_limit)),
                refused_accepts_per_job: observed.refused_accepts_per_job(),
                host_cpu_busy,
                latency: latencies(&observed.records),
            };
            progress.step(&format!("step {}: offered {rate:.2}/s, settled {:.2}/s", i + 1, step.achieved), 0);
            steps.push(step);
            all.records.append(&mut observed.records);
            all.blocks.append(&mut observed.blocks);
            if !knee::keeps_up(&steps, climb) {
                break;
            }
        }
        Ok((all, under_load, steps))
    }
}

/// Upload one distinct spec per job (seed = its index in the run), a few at a time.
async fn upload(
    store: &StoreClient,
    keys: &[cr_protocol::keys::Sr25519Key],
    indices: std::ops::Range<u32>,
    options: &LoadOptions,
) -> anyhow::Result<Vec<JobOrder>> {
    anyhow::ensure!(!keys.is_empty(), "the topology names no requester to submit jobs");
    let uploads: Vec<_> = futures::stream::iter(indices)
        .map(|i| async move {
            let spec = WorkloadSpec::new(Workload::HashChain, options.size, u64::from(i))?;
            let (spec_hash, spec_uri) = upload_spec(store, &spec).await?;
            anyhow::Ok(JobOrder {
                job: JobRequest::new(spec_hash, spec_uri, false, options.budget.base_units()),
                requester: keys[i as usize % keys.len()].clone(),
                lane: i as usize % keys.len(),
            })
        })
        .buffered(16)
        .collect()
        .await;
    uploads.into_iter().collect()
}

/// `(completed, refunded, lost, refused)`.
fn count(records: &[JobRecord]) -> (usize, usize, usize, usize) {
    let ended = |e: Outcome| records.iter().filter(|r| r.end == Some(e)).count();
    let lost = records.iter().filter(|r| r.job_id.is_some() && r.end.is_none()).count();
    let refused = records.iter().filter(|r| r.error.is_some()).count();
    (ended(Outcome::Completed), ended(Outcome::Refunded), lost, refused)
}

fn latencies(records: &[JobRecord]) -> Vec<(String, Percentiles)> {
    type Pick = fn(&JobRecord) -> Option<(f64, f64)>;
    let stages: [(&str, Pick); 5] = [
        ("submit->included", |r| Some((r.sent, r.included?))),
        ("included->accepted", |r| Some((r.included?, r.accepted?))),
        ("accepted->result", |r| Some((r.accepted?, r.result?))),
        ("result->settled", |r| Some((r.result?, r.settled?))),
        ("submit->settled", |r| Some((r.sent, r.settled?))),
    ];
    stages
        .iter()
        .filter_map(|(name, pick)| {
            let v: Vec<f64> = records.iter().filter_map(pick).map(|(a, b)| b - a).collect();
            Percentiles::of(&v).map(|p| ((*name).to_owned(), p))
        })
        .collect()
}

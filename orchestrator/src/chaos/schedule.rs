//! A random scenario drawn from one seed: a stream of jobs (every workload, requirements some
//! workers meet and some none does, cancellations, tight and loose deadlines) and a schedule
//! of fault windows over validators, daemons and the store. It is written as a scenario file,
//! so the run it makes is checked like any scenario and a failure replays from the file alone.

use crate::scenario::model::FaultAction;
use crate::topology::{ComputeNode, Role, Topology};
use cr_protocol::workload::{SplitMix64, Workload};
use std::fmt::Write;
use std::path::Path;

/// What a chaos run draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaosOptions {
    /// Every random choice derives from it.
    pub seed: u64,
    /// Blocks over which jobs arrive and faults happen; the run then waits for every job to end.
    pub blocks: u32,
    /// Jobs to submit.
    pub jobs: u32,
    /// Fault windows to open (fewer when the fleet is small).
    pub faults: u32,
    /// Validators that may be down at once; `None`: as many as keep finality, `(n - 1) / 3`.
    pub validators_down: Option<u32>,
}

/// One fault window: `action` at `from`, `recovery` (if any) at `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub node: String,
    pub action: &'static str,
    pub recovery: Option<&'static str>,
    pub from: u32,
    pub to: u32,
    pub validator: bool,
}

/// One job as the scenario file will say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaosJob {
    pub name: String,
    pub workload: Workload,
    pub size: u64,
    pub seed: u64,
    pub budget: u64,
    pub at_block: u32,
    pub cpu_cores: u32,
    pub memory_mb: u32,
    pub gpu_model: Option<String>,
    /// No online worker meets the requirements: it must expire.
    pub unmatched: bool,
    pub accept_within: Option<u32>,
    pub cancel_after: Option<u32>,
}

/// Everything a seed drew; [`Draw::to_yaml`] writes it as a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    pub seed: u64,
    pub blocks: u32,
    pub timeout_blocks: u32,
    pub jobs: Vec<ChaosJob>,
    pub windows: Vec<Window>,
}

/// The fault pairs a window is made of; `restart` needs no recovery. A run draws from those
/// the topology's engine can inject (on one engine, all of them, in this order, so a seed
/// draws what it always drew).
const ACTIONS: [(FaultAction, Option<FaultAction>); 5] = [
    (FaultAction::Kill, Some(FaultAction::Start)),
    (FaultAction::Stop, Some(FaultAction::Start)),
    (FaultAction::Pause, Some(FaultAction::Unpause)),
    (FaultAction::Disconnect, Some(FaultAction::Reconnect)),
    (FaultAction::Restart, None),
];

struct Rng(SplitMix64);

impl Rng {
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.between(lo, hi)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.between(1, 100) <= percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let last = items.len().checked_sub(1)?;
        items.get(self.between(0, last as u64) as usize)
    }
}

/// Draw a run for `topology` from `options.seed`.
pub fn draw(topology: &Topology, options: &ChaosOptions) -> Draw {
    let mut rng = Rng(SplitMix64::keyed(b"cr-testnet chaos v1", options.seed));
    let blocks = options.blocks.max(4);
    let workers: Vec<&ComputeNode> =
        topology.compute_nodes().iter().filter(|n| n.role() == Role::Worker && !is_offline(n)).collect();
    let jobs = (0..options.jobs).filter_map(|i| job(&mut rng, i, blocks, &workers, topology)).collect();
    let windows = windows(&mut rng, topology, options, blocks);
    let m = topology.market();
    // Time to settle after the last arrival: every attempt timing out, then a dispute.
    let settle = m.accept_timeout_blocks.get()
        + m.max_attempts.get() * (m.accept_timeout_blocks.get() + m.execution_timeout_blocks.get())
        + m.challenge_window_blocks.get()
        + m.voting_period_blocks.get()
        + 10;
    Draw { seed: options.seed, blocks, timeout_blocks: blocks + settle, jobs, windows }
}

fn is_offline(node: &ComputeNode) -> bool {
    node.behaviour() == crate::topology::Behaviour::Offline
}

fn job(rng: &mut Rng, i: u32, blocks: u32, workers: &[&ComputeNode], topology: &Topology) -> Option<ChaosJob> {
    let gpu_workers: Vec<&ComputeNode> = workers.iter().copied().filter(|n| n.capabilities().gpu.is_some()).collect();
    let mut workload = *rng.pick(&Workload::ALL)?;
    // A GPU workload with no GPU worker to take it: a CPU job instead.
    if workload.needs_gpu() && gpu_workers.is_empty() {
        workload = Workload::HashChain;
    }
    let candidates = if workload.needs_gpu() { &gpu_workers[..] } else { workers };
    let unmatched = rng.chance(10);
    job_of(rng, i, blocks, workload, candidates, topology, unmatched)
}

/// Requirements taken from one worker that can run the job, so someone can take it; or, when
/// `unmatched`, more cores than any node declares.
fn job_of(
    rng: &mut Rng,
    i: u32,
    blocks: u32,
    workload: Workload,
    candidates: &[&ComputeNode],
    topology: &Topology,
    unmatched: bool,
) -> Option<ChaosJob> {
    let taker = rng.pick(candidates)?;
    let caps = taker.capabilities();
    let (mut cpu_cores, memory_mb) = (
        rng.between(1, u64::from(caps.cpu_cores.get())) as u32,
        rng.between(1, (caps.memory_mb.get() / 128).max(1)) as u32 * 128,
    );
    if unmatched {
        let most = topology.compute_nodes().iter().map(|n| n.capabilities().cpu_cores.get()).max().unwrap_or(1);
        cpu_cores = most + 1;
    }
    let gpu_model =
        caps.gpu.as_ref().filter(|_| workload.needs_gpu() || rng.chance(30)).map(|g| g.model.as_str().to_owned());
    let size = match workload {
        Workload::HashChain => rng.between(1_000, 30_000),
        Workload::Matmul => rng.between(8, 48),
        Workload::FineTune => rng.between(20, 200),
    };
    let tight = rng.chance(30);
    Some(ChaosJob {
        name: format!("j{i}"),
        workload,
        size,
        seed: rng.between(0, 1 << 20),
        budget: rng.between(10, 200),
        at_block: rng.between(0, u64::from(blocks - 1)) as u32,
        cpu_cores,
        memory_mb,
        gpu_model,
        unmatched,
        // An unmatched job expires; a tight window may expire too, if every taker is down.
        accept_within: (unmatched || tight).then(|| rng.between(3, 8) as u32),
        cancel_after: (!unmatched && rng.chance(15)).then(|| rng.between(1, 3) as u32),
    })
}

fn windows(rng: &mut Rng, topology: &Topology, options: &ChaosOptions, blocks: u32) -> Vec<Window> {
    let validators = topology.validators();
    let max_down = options.validators_down.unwrap_or((validators.len() as u32).saturating_sub(1) / 3);
    // The first validator is the run's own RPC and every daemon's: faults spare it.
    let mut targets: Vec<(String, bool)> =
        validators.iter().skip(1).map(|v| (v.name().as_str().to_owned(), true)).collect();
    targets.extend(topology.compute_nodes().iter().map(|n| (n.name().as_str().to_owned(), false)));
    if topology.store_enabled() {
        targets.push((crate::topology::RESERVED_STORE.to_owned(), false));
    }
    let powers = topology.engine().capabilities();
    let actions: Vec<(&str, Option<&str>)> = ACTIONS
        .iter()
        .filter(|(action, _)| action.needs().is_none_or(|c| powers.has(c)))
        .map(|(action, recovery)| (action.as_str(), recovery.map(FaultAction::as_str)))
        .collect();
    let mut out: Vec<Window> = Vec::new();
    for _ in 0..options.faults {
        let Some((node, validator)) = rng.pick(&targets).cloned() else { break };
        let Some(&(action, recovery)) = rng.pick(&actions) else { break };
        let from = rng.between(1, u64::from(blocks.saturating_sub(2).max(1))) as u32;
        let to = if recovery.is_some() { from + rng.between(2, 8) as u32 } else { from };
        let overlaps = |w: &Window| w.from <= to + 1 && from <= w.to + 1;
        let same_node = out.iter().any(|w| w.node == node && overlaps(w));
        let validators_down = out.iter().filter(|w| w.validator && overlaps(w)).count() as u32;
        if same_node || (validator && validators_down >= max_down) {
            continue;
        }
        out.push(Window { node, action, recovery, from, to, validator });
    }
    out.sort_by_key(|w| (w.from, w.node.clone()));
    out
}

impl Draw {
    /// The scenario file named `name`: `topology` as the file should name it (absolute, or
    /// relative to where the file is written).
    pub fn to_yaml(&self, name: &str, topology: &Path) -> String {
        let mut y = String::new();
        let _ = writeln!(
            y,
            "# Drawn by `testnet chaos --seed {} --blocks {}`; replays as a scenario.",
            self.seed, self.blocks
        );
        let _ = writeln!(y, "name: {name}");
        let _ = writeln!(
            y,
            "description: {} jobs and {} fault windows drawn from seed {}",
            self.jobs.len(),
            self.windows.len(),
            self.seed
        );
        let _ = writeln!(y, "topology: {:?}", topology.display().to_string());
        let _ = writeln!(y, "timeout_blocks: {}", self.timeout_blocks);
        if !self.jobs.is_empty() {
            y.push_str("jobs:\n");
        }
        for j in &self.jobs {
            let _ = write!(
                y,
                "  - {{name: {}, workload: {}, size: {}, seed: {}, budget: {}, at_block: {}",
                j.name,
                j.workload.name(),
                j.size,
                j.seed,
                j.budget,
                j.at_block
            );
            let _ = write!(y, ", requirements: {{cpu_cores: {}, memory_mb: {}", j.cpu_cores, j.memory_mb);
            if let Some(model) = &j.gpu_model {
                let _ = write!(y, ", gpu: {{model: {model:?}}}");
            }
            y.push('}');
            if j.unmatched {
                y.push_str(", expect_unmatched: true");
            }
            if let Some(a) = j.accept_within {
                let _ = write!(y, ", accept_within: {a}");
            }
            if let Some(c) = j.cancel_after {
                let _ = write!(y, ", cancel_after_blocks: {c}");
            }
            y.push_str("}\n");
        }
        if !self.windows.is_empty() {
            y.push_str("faults:\n");
        }
        for w in &self.windows {
            let _ = writeln!(y, "  - {{action: {}, node: {}, at_block: {}}}", w.action, w.node, w.from);
            if let Some(recovery) = w.recovery {
                let _ = writeln!(y, "  - {{action: {recovery}, node: {}, at_block: {}}}", w.node, w.to);
            }
        }
        // Finality must keep up through the fault windows, not merely start: at least one
        // finalized block for every two of the drawn period.
        let _ =
            writeln!(y, "expect:\n  all_terminal: true\n  invariants: true\n  finality_advances: {}", self.blocks / 2);
        y
    }

    /// The same draw without fault window `i`.
    pub fn without_window(&self, i: usize) -> Self {
        let mut d = self.clone();
        d.windows.remove(i);
        d
    }

    /// The same draw without job `i`.
    pub fn without_job(&self, i: usize) -> Self {
        let mut d = self.clone();
        d.jobs.remove(i);
        d
    }
}

//! One logical daemon: registers, follows blocks, takes jobs in its turn, runs them, answers.

use super::journal::Journal;
use super::metrics::NodeMetrics;
use super::order::satisfies;
use super::{tasks, Shared};
use anyhow::Context;
use cr_protocol::chain::{api, capabilities, market, AccountId32, BlockEvents, Finality, JobStatus, MarketEvent, UNIT};
use cr_protocol::fleet::{Behaviour, DaemonConfig, Role};
use cr_protocol::keys::Sr25519Key;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, Mutex};

/// A job this node may take, and from which block on it tries.
struct Candidate {
    seen_at: u64,
    requirements: Option<market::Requirements>,
}

/// What background tasks report back to the loop.
pub(super) enum TaskOutcome {
    /// Our accept landed: run the job (`known`: as the accept's block showed it).
    Accepted { job_id: u64, attempt: u32, known: Option<Box<tasks::Assigned>> },
    /// Someone else got it, or it is gone.
    NotTaken { job_id: u64 },
    /// The accept failed but the job is still open: try again at the next block.
    Retry { job_id: u64 },
    /// The spec is unusable, or the job's window too short for it: never try it again.
    Refused { job_id: u64 },
    /// The chain says our stake covers no more jobs: wait until one of ours settles.
    StakeExhausted { job_id: u64 },
    /// An execution ended (result posted or abandoned).
    Finished { job_id: u64 },
}

/// Everything one logical daemon owns.
pub(super) struct Node {
    pub cfg: DaemonConfig,
    pub shared: Arc<Shared>,
    pub account: Arc<Sr25519Key>,
    pub result_key: Arc<Sr25519Key>,
    pub me: AccountId32,
    pub journal: Arc<Mutex<Journal>>,
    pub metrics: Arc<NodeMetrics>,
    candidates: BTreeMap<u64, Candidate>,
    refused: BTreeSet<u64>,
    /// Jobs with an accept in flight or an execution running: they use capacity.
    busy: BTreeSet<u64>,
    on_committee: bool,
    /// Block from which on accepts are tried again after the chain said our stake is exhausted
    /// (sooner when one of our jobs settles).
    stake_wait_until: u64,
    /// Number of the last block seen.
    last_block: u64,
    /// `self-voter`: accounts whose disputed results it votes valid besides its own.
    allies: Arc<Vec<AccountId32>>,
    /// `self-challenger`: its second account.
    alt_account: Option<Arc<Sr25519Key>>,
}

/// How long one registration attempt may wait for its transaction.
const REGISTER_WITHIN: Duration = Duration::from_secs(60);

/// Blocks to wait after `StakeExhausted` when no job of ours settles in between.
const STAKE_WAIT_BLOCKS: u64 = 10;

impl Node {
    pub fn new(cfg: DaemonConfig, shared: Arc<Shared>) -> anyhow::Result<Self> {
        let account = Sr25519Key::from_seed(&cfg.account_seed).context("account key")?;
        let result_key = Sr25519Key::from_seed(&cfg.result_seed).context("result key")?;
        let journal =
            Journal::open(&cfg.state_dir).with_context(|| format!("journal in {}", cfg.state_dir.display()))?;
        let metrics = shared.metrics.node(&cfg.name);
        let allies = cfg
            .allies
            .iter()
            .map(|hex_id| {
                let bytes = hex::decode(hex_id).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
                bytes.map(AccountId32).with_context(|| format!("ally {hex_id:?} is not a 32-byte hex account id"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let alt_account = match &cfg.alt_account_seed {
            Some(seed) => Some(Arc::new(Sr25519Key::from_seed(seed).context("second account key")?)),
            None => None,
        };
        let me = AccountId32(account.account_id());
        Ok(Self {
            me,
            account: Arc::new(account),
            result_key: Arc::new(result_key),
            journal: Arc::new(Mutex::new(journal)),
            metrics,
            cfg,
            shared,
            candidates: BTreeMap::new(),
            refused: BTreeSet::new(),
            busy: BTreeSet::new(),
            on_committee: false,
            stake_wait_until: 0,
            last_block: 0,
            allies: Arc::new(allies),
            alt_account,
        })
    }

    /// Register if needed, pick up where a previous run left off, then follow blocks forever.
    pub async fn run(mut self, mut blocks: broadcast::Receiver<Arc<BlockEvents>>) -> anyhow::Result<()> {
        let name = self.cfg.name.clone();
        let shared = self.shared.clone();
        let chain = &shared.chain;
        // A submission whose watch never resolves (seen once: a whole container of 50 stuck
        // unregistered for 600 s) is given up and tried again; `register` checks first.
        patiently(&name, "registering", || async {
            tokio::time::timeout(REGISTER_WITHIN, self.register())
                .await
                .map_err(|_| anyhow::anyhow!("no answer within {} s", REGISTER_WITHIN.as_secs()))?
        })
        .await?;
        self.on_committee =
            patiently(&name, "reading the committee", || chain.committee(Finality::Best)).await?.contains(&self.me);
        let (tx, mut reports) = mpsc::unbounded_channel();
        if self.cfg.role == Role::Worker && self.cfg.behaviour != Behaviour::Offline {
            self.scan_patiently(&tx).await?;
        }
        tracing::info!(node = %name, account = %self.account.ss58(), committee = self.on_committee, "ready");
        loop {
            tokio::select! {
                block = blocks.recv() => match block {
                    Ok(block) => self.on_block(&block, &tx),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(node = %name, missed, "fell behind the chain; rescanning jobs");
                        self.scan_patiently(&tx).await?;
                    },
                    Err(broadcast::error::RecvError::Closed) => {
                        anyhow::bail!("lost the chain connection; the node at {} stopped answering", chain.url())
                    },
                },
                Some(report) = reports.recv() => self.on_report(report, &tx),
            }
        }
    }

    /// [`Self::resume_and_scan`], retried like [`patiently`].
    async fn scan_patiently(&mut self, tx: &mpsc::UnboundedSender<TaskOutcome>) -> anyhow::Result<()> {
        let mut attempt = 0;
        loop {
            match self.resume_and_scan(tx).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < STARTUP_ATTEMPTS => {
                    attempt += 1;
                    tracing::warn!(node = %self.cfg.name, error = %format!("{e:#}"), attempt, "scanning jobs failed; retrying");
                    tokio::time::sleep(Duration::from_secs(u64::from(attempt.min(5)))).await;
                }
                Err(e) => return Err(e.context("scanning jobs")),
            }
        }
    }

    async fn register(&self) -> anyhow::Result<()> {
        let chain = &self.shared.chain;
        if let Some(existing) = chain.node(&self.me, Finality::Best).await? {
            if existing.result_key != self.result_key.public() {
                tracing::warn!(node = %self.cfg.name, "registered with another result key; results will be refused");
            }
        } else if self.cfg.role == Role::Worker {
            let gpu = self.cfg.gpu.as_ref().map(|g| (g.count, g.model.as_str(), g.vram_mb));
            let caps = capabilities(self.cfg.cpu_cores, self.cfg.memory_mb, gpu)?;
            let call = api::transactions().compute().register_node(
                caps,
                self.result_key.public(),
                u128::from(self.cfg.stake_tokens) * UNIT,
                self.cfg.max_concurrent,
            );
            chain.submit(&call, self.account.keypair(), Finality::Best).await?;
            tracing::info!(node = %self.cfg.name, stake_tokens = self.cfg.stake_tokens, "registered");
        }
        if self.cfg.behaviour == Behaviour::Offline && self.cfg.role == Role::Worker {
            let call = api::transactions().compute().set_online(false);
            chain.submit(&call, self.account.keypair(), Finality::Best).await?;
            tracing::info!(node = %self.cfg.name, "went offline as configured");
        }
        Ok(())
    }

    /// Resume jobs assigned to us (a restart) and note every open job.
    async fn resume_and_scan(&mut self, tx: &mpsc::UnboundedSender<TaskOutcome>) -> anyhow::Result<()> {
        let (best, _) = self.shared.chain.heads().await?;
        for (job_id, job) in self.shared.chain.jobs(Finality::Best).await? {
            match job.status {
                JobStatus::Assigned { node, .. } if node == self.me && !self.busy.contains(&job_id) => {
                    tracing::info!(node = %self.cfg.name, job_id, attempt = job.attempt, "resuming");
                    let attempt = job.attempt;
                    self.start_execution(job_id, attempt, tasks::Assigned::to(&self.me, job), tx);
                }
                JobStatus::Open { .. } if !self.refused.contains(&job_id) => {
                    self.candidates
                        .entry(job_id)
                        .or_insert(Candidate { seen_at: best, requirements: Some(job.requirements) });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn on_block(&mut self, block: &BlockEvents, tx: &mpsc::UnboundedSender<TaskOutcome>) {
        self.last_block = block.number;
        for event in &block.events {
            self.on_event(block.number, event, tx);
        }
        if self.cfg.role == Role::Worker && self.cfg.behaviour != Behaviour::Offline {
            self.try_accepts(block.number, tx);
        }
    }

    fn on_event(&mut self, number: u64, event: &MarketEvent, tx: &mpsc::UnboundedSender<TaskOutcome>) {
        match event {
            MarketEvent::JobSubmitted { job_id, requirements, .. } => {
                self.candidates
                    .insert(*job_id, Candidate { seen_at: number, requirements: Some(requirements.clone()) });
            }
            MarketEvent::JobTimedOut { job_id, node, reopened, .. } => {
                if *node == self.me {
                    NodeMetrics::inc(&self.metrics.jobs_failed);
                    self.stake_wait_until = 0;
                }
                if *reopened {
                    self.candidates.insert(*job_id, Candidate { seen_at: number, requirements: None });
                }
            }
            MarketEvent::JobAccepted { job_id, node, attempt, .. } => {
                self.candidates.remove(job_id);
                if *node == self.me && !self.busy.contains(job_id) {
                    self.start_execution(*job_id, *attempt, None, tx);
                }
            }
            MarketEvent::JobCancelled { job_id, .. } | MarketEvent::JobExpired { job_id, .. } => {
                self.candidates.remove(job_id);
            }
            MarketEvent::JobCompleted { node, .. } if *node == self.me => {
                NodeMetrics::inc(&self.metrics.jobs_completed);
                self.stake_wait_until = 0;
            }
            MarketEvent::NodeSlashed { node, reason: market::SlashReason::WrongResult, .. } if *node == self.me => {
                NodeMetrics::inc(&self.metrics.jobs_failed);
                self.stake_wait_until = 0;
            }
            // A refund after a dispute names no node; it may have freed our stake.
            MarketEvent::JobRefunded { .. } => self.stake_wait_until = 0,
            MarketEvent::ResultSubmitted { job_id, node, .. }
                if *node == self.me && self.cfg.behaviour == Behaviour::SelfChallenger =>
            {
                tasks::spawn_self_challenge(self.task_context(), *job_id);
            }
            MarketEvent::ResultSubmitted { job_id, node, output_hash, .. }
                if self.cfg.role == Role::Verifier && *node != self.me =>
            {
                tasks::spawn_verification(self.task_context(), *job_id, output_hash.0);
            }
            MarketEvent::JobChallenged { job_id, .. } if self.on_committee => {
                tasks::spawn_vote(self.task_context(), *job_id);
            }
            _ => {}
        }
    }

    fn capacity_left(&self) -> bool {
        (self.busy.len() as u32) < self.cfg.max_concurrent
    }

    fn try_accepts(&mut self, number: u64, tx: &mpsc::UnboundedSender<TaskOutcome>) {
        if number < self.stake_wait_until {
            return;
        }
        let delay = if self.cfg.behaviour.is_faulty() { 0 } else { u64::from(self.cfg.accept_delay_blocks) };
        let gpu = self.cfg.gpu.as_ref().map(|g| (g.count, g.model.as_str(), g.vram_mb));
        let Ok(mine) = capabilities(self.cfg.cpu_cores, self.cfg.memory_mb, gpu) else { return };
        let mut board = self.shared.board();
        let clock = self.shared.clock();
        let due: Vec<u64> = self
            .candidates
            .iter()
            .filter(|(job_id, c)| {
                if self.busy.contains(job_id) {
                    return false;
                }
                let Some(req) = &c.requirements else { return true };
                if !satisfies(&mine, req) {
                    return false;
                }
                // The block that shows a job is the first one to accept it in: an accept sent
                // now can be in the next block.
                let Some(waited) = clock.waited(c.seen_at + delay, number) else { return false };
                // Faulty test nodes race; honest ones wait their turn in the ranking.
                self.cfg.behaviour.is_faulty() || board.may_try(**job_id, req, &self.me, waited)
            })
            .map(|(id, _)| *id)
            .collect();
        drop((board, clock));
        for job_id in due {
            if !self.capacity_left() {
                break;
            }
            self.busy.insert(job_id);
            tasks::spawn_accept(self.task_context(), job_id, mine.clone(), tx.clone());
        }
    }

    fn start_execution(
        &mut self,
        job_id: u64,
        attempt: u32,
        known: Option<tasks::Assigned>,
        tx: &mpsc::UnboundedSender<TaskOutcome>,
    ) {
        self.busy.insert(job_id);
        self.candidates.remove(&job_id);
        NodeMetrics::inc(&self.metrics.jobs_accepted);
        tasks::spawn_execution(self.task_context(), job_id, attempt, known, tx.clone());
    }

    fn on_report(&mut self, report: TaskOutcome, tx: &mpsc::UnboundedSender<TaskOutcome>) {
        match report {
            TaskOutcome::Accepted { job_id, attempt, known } => {
                self.busy.remove(&job_id);
                self.start_execution(job_id, attempt, known.map(|k| *k), tx);
            }
            TaskOutcome::NotTaken { job_id } => {
                self.busy.remove(&job_id);
                self.candidates.remove(&job_id);
            }
            TaskOutcome::Retry { job_id } => {
                self.busy.remove(&job_id);
            }
            TaskOutcome::Refused { job_id } => {
                self.busy.remove(&job_id);
                self.candidates.remove(&job_id);
                self.refused.insert(job_id);
            }
            TaskOutcome::StakeExhausted { job_id } => {
                self.busy.remove(&job_id);
                self.stake_wait_until = self.last_block + STAKE_WAIT_BLOCKS;
            }
            TaskOutcome::Finished { job_id } => {
                self.busy.remove(&job_id);
            }
        }
    }

    fn task_context(&self) -> tasks::Context {
        tasks::Context {
            name: self.cfg.name.clone(),
            behaviour: self.cfg.behaviour,
            shared: self.shared.clone(),
            account: self.account.clone(),
            result_key: self.result_key.clone(),
            me: self.me,
            journal: self.journal.clone(),
            metrics: self.metrics.clone(),
            allies: self.allies.clone(),
            alt_account: self.alt_account.clone(),
        }
    }
}

/// Attempts of a chain read at start before the daemon gives up.
const STARTUP_ATTEMPTS: u32 = 10;

/// Retry `op` with a growing pause (1 s, 2 s, ... 5 s): a node busy with a large fleet may not
/// answer in time, or not have opened the block it just called best.
async fn patiently<T, E, F, Fut>(node: &str, what: &str, mut op: F) -> anyhow::Result<T>
where
    E: Into<anyhow::Error>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match op().await.map_err(Into::into) {
            Ok(value) => return Ok(value),
            Err(e) if attempt < STARTUP_ATTEMPTS => {
                attempt += 1;
                tracing::warn!(node, error = %format!("{e:#}"), attempt, "{what} failed; retrying");
                tokio::time::sleep(Duration::from_secs(u64::from(attempt.min(5)))).await;
            }
            Err(e) => return Err(e.context(what.to_owned())),
        }
    }
}

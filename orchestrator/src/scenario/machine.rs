//! A scenario run as a state machine fed block by block: which jobs, floods, cancellations and
//! faults are due, what became of each, and when the run is over. It does no I/O: the runner
//! feeds it blocks and the answers of the tasks it started, and carries out its [`Action`]s.

use super::model::{Fault, FaultTarget, FloodPlan, JobPlan, Scenario, Trigger};
use super::upgrades::{upgrade_assertions, upgrade_note};
use super::verdict::{fee_of, job_assertions, Assertion};
use cr_protocol::chain::{api, AccountId32, BlockEvents, MarketEvent, RuntimeUpgrade};
use cr_protocol::lifecycle::{Histories, JobHistory, Outcome};
use std::collections::{BTreeMap, BTreeSet};

/// What a task the runner started came back with.
#[derive(Debug)]
pub(super) enum Done {
    Submitted {
        name: String,
        job_id: u64,
    },
    /// The chain refused the submission with this marketplace error.
    Refused {
        name: String,
        error: String,
    },
    Failed {
        what: String,
        error: String,
    },
    /// An `upgrade` fault (by index) ended.
    Upgraded {
        fault: usize,
        outcome: Result<RuntimeUpgrade, String>,
    },
}

/// Something the runner is to do now.
#[derive(Debug)]
pub(super) enum Action<'s> {
    /// Submit a job; answer with [`Done::Submitted`], [`Done::Refused`] or [`Done::Failed`].
    Submit(&'s JobPlan),
    /// Submit a flood whose jobs must expire `accept_within` blocks after the next block;
    /// answer with [`Machine::flood_sent`].
    Flood { index: usize, flood: &'s FloodPlan, accept_within: u32 },
    /// Cancel a job; answer only if that fails ([`Done::Failed`]).
    Cancel { job: &'s JobPlan, job_id: u64 },
    /// Apply a fault; answer with [`Machine::fault_applied`] (and, for an upgrade, later
    /// with [`Done::Upgraded`]).
    Fault { index: usize, fault: &'s Fault },
}

/// What became of one flood.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct FloodTally {
    pub sent: u32,
    pub landed: u32,
    pub refused: BTreeMap<String, u32>,
}

/// One scenario's run so far.
pub(super) struct Machine<'s> {
    scenario: &'s Scenario,
    start_block: u64,
    last_block: u64,
    histories: Histories,
    /// Job name -> chain id, once its submission is in a block.
    ids: BTreeMap<String, u64>,
    submitted_at: BTreeMap<String, u64>,
    pending: BTreeSet<String>,
    cancelled: BTreeSet<String>,
    refused_jobs: BTreeMap<String, String>,
    faults_fired: Vec<bool>,
    upgrades: BTreeMap<usize, Result<RuntimeUpgrade, String>>,
    floods: Vec<Option<FloodTally>>,
    /// A flood's requester account -> the flood.
    flood_requesters: BTreeMap<[u8; 32], usize>,
    notes: Vec<String>,
}

impl<'s> Machine<'s> {
    /// A run that starts after block `start_block`; `flood_requesters` maps each flood's
    /// requester account to the flood's index.
    pub fn new(scenario: &'s Scenario, start_block: u64, flood_requesters: BTreeMap<[u8; 32], usize>) -> Self {
        Self {
            scenario,
            start_block,
            last_block: start_block,
            histories: Histories::default(),
            ids: BTreeMap::new(),
            submitted_at: BTreeMap::new(),
            pending: scenario.jobs().iter().map(|j| j.name().as_str().to_owned()).collect(),
            cancelled: BTreeSet::new(),
            refused_jobs: BTreeMap::new(),
            faults_fired: vec![false; scenario.faults().len()],
            upgrades: BTreeMap::new(),
            floods: vec![None; scenario.floods().len()],
            flood_requesters,
            notes: Vec::new(),
        }
    }

    /// The last block fed, and how many blocks after the start it is.
    pub fn last_block(&self) -> (u64, u64) {
        (self.last_block, self.last_block - self.start_block)
    }

    /// Job name -> chain id of the jobs on chain.
    pub fn ids(&self) -> &BTreeMap<String, u64> {
        &self.ids
    }

    /// Adds a line to the report's notes.
    pub fn note(&mut self, line: String) {
        self.notes.push(line);
    }

    /// A task's answer.
    pub fn on_done(&mut self, done: Done) {
        match done {
            Done::Submitted { name, job_id } => {
                self.ids.insert(name, job_id);
            }
            Done::Refused { name, error } => {
                self.notes.push(format!("submitting {name} refused by the chain: {error}"));
                self.refused_jobs.insert(name, error);
            }
            Done::Failed { what, error } => self.notes.push(format!("{what} failed: {error}")),
            Done::Upgraded { fault, outcome } => {
                self.notes.push(upgrade_note(&outcome));
                self.upgrades.insert(fault, outcome);
            }
        }
    }

    /// Feed one block; returns what is due now. Blocks up to the start are ignored; `who`
    /// names an account for messages.
    pub fn on_block(&mut self, block: &BlockEvents, who: impl Fn(&AccountId32) -> String) -> Vec<Action<'s>> {
        if block.number <= self.start_block {
            return Vec::new();
        }
        self.last_block = block.number;
        let relative = block.number - self.start_block;
        self.histories.apply(block.number, &block.events);
        self.histories.apply_refused(block.number, &block.refused, who);
        self.tally_floods(block);
        for (name, id) in &self.ids {
            let at = self.histories.jobs.get(id).and_then(|h| h.submitted).unwrap_or(block.number);
            self.submitted_at.entry(name.clone()).or_insert(at);
        }
        let mut actions = Vec::new();
        let scenario = self.scenario;
        for job in scenario.jobs() {
            if u64::from(job.arrival_block()) < relative && self.pending.remove(job.name().as_str()) {
                actions.push(Action::Submit(job));
            }
        }
        for (index, flood) in scenario.floods().iter().enumerate() {
            if self.floods[index].is_some() || u64::from(flood.at_block()) >= relative {
                continue;
            }
            // Aimed so that each job expires in the flood's block.
            let target = self.start_block + u64::from(flood.expire_at_block());
            let accept_within = u32::try_from(target.saturating_sub(block.number + 1).max(1)).unwrap_or(u32::MAX);
            self.floods[index] = Some(FloodTally::default());
            actions.push(Action::Flood { index, flood, accept_within });
        }
        for job in scenario.jobs() {
            let name = job.name().as_str();
            let (Some(after), Some(id), Some(at)) =
                (job.cancel_after(), self.ids.get(name), self.submitted_at.get(name))
            else {
                continue;
            };
            if block.number >= at + u64::from(after) && self.cancelled.insert(name.to_owned()) {
                actions.push(Action::Cancel { job, job_id: *id });
            }
        }
        for (index, fault) in scenario.faults().iter().enumerate() {
            if !self.faults_fired[index] && self.fault_due(fault, relative) {
                self.faults_fired[index] = true;
                actions.push(Action::Fault { index, fault });
            }
        }
        actions
    }

    fn tally_floods(&mut self, block: &BlockEvents) {
        for event in &block.events {
            if let MarketEvent::JobSubmitted { requester, .. } = event {
                if let Some(tally) = self.flood_of(requester) {
                    tally.landed += 1;
                }
            }
        }
        for r in block.refused.iter().filter(|r| r.is::<api::compute::calls::SubmitJob>()) {
            if let Some(tally) = r.signer.as_ref().and_then(|s| self.flood_of(s)) {
                *tally.refused.entry(r.error.clone()).or_default() += 1;
            }
        }
    }

    fn flood_of(&mut self, requester: &AccountId32) -> Option<&mut FloodTally> {
        let index = *self.flood_requesters.get(&requester.0)?;
        self.floods.get_mut(index)?.as_mut()
    }

    fn fault_due(&self, fault: &Fault, relative: u64) -> bool {
        match fault.trigger() {
            Trigger::AtBlock(b) => u64::from(*b) < relative,
            Trigger::After { job, stage } => self
                .scenario
                .copies(job)
                .first()
                .and_then(|p| self.ids.get(p.name().as_str()))
                .and_then(|id| self.histories.jobs.get(id))
                .is_some_and(|h| h.reached(*stage).is_some()),
        }
    }

    /// A flood's submission is over: `sent` of its jobs reached the pool.
    pub fn flood_sent(&mut self, index: usize, sent: Result<u32, String>) {
        let Some(flood) = self.scenario.floods().get(index) else { return };
        let relative = self.last_block - self.start_block;
        let sent = sent.unwrap_or_else(|e| {
            self.notes.push(format!("flood {} failed: {e}", flood.name()));
            0
        });
        self.notes.push(format!(
            "block +{relative}: flood {}: {sent} of {} jobs taken by the pool",
            flood.name(),
            flood.count()
        ));
        if let Some(Some(tally)) = self.floods.get_mut(index) {
            tally.sent = sent;
        }
    }

    /// A fault was applied (or an upgrade started), or could not be.
    pub fn fault_applied(&mut self, index: usize, outcome: Result<(), String>) {
        let Some(fault) = self.scenario.faults().get(index) else { return };
        let relative = self.last_block - self.start_block;
        let line = format!("block +{relative}: {} {}", fault.action().as_str(), fault.target_name());
        match outcome {
            Ok(()) => self.notes.push(line),
            Err(e) => {
                if matches!(fault.target(), FaultTarget::Runtime(_)) {
                    self.upgrades.insert(index, Err(e.clone()));
                }
                self.notes.push(format!("{line} failed: {e}"));
            }
        }
    }

    /// Jobs that have ended, of those on chain.
    pub fn ended(&self) -> usize {
        self.ids.values().filter(|id| self.histories.jobs.get(id).is_some_and(|h| h.end.is_some())).count()
    }

    /// Whether the run is over: every job is in and ended, finality moved as far as expected
    /// (`finality_ok`) and no upgrade is under way; or the scenario's timeout is reached.
    pub fn is_over(&self, finality_ok: bool) -> bool {
        let (_, relative) = self.last_block();
        let all_in = self.pending.is_empty() && self.ids.len() + self.refused_jobs.len() == self.scenario.jobs().len();
        let all_ended = all_in && self.ended() == self.ids.len();
        let upgrading = self.scenario.faults().iter().enumerate().any(|(i, f)| {
            self.faults_fired[i] && matches!(f.target(), FaultTarget::Runtime(_)) && !self.upgrades.contains_key(&i)
        });
        (all_ended && finality_ok && !upgrading) || relative >= u64::from(self.scenario.timeout_blocks().get())
    }

    /// The run's end: every job's history by name (with its node's name), the assertions that
    /// need nothing but the run (fees, expectations, floods, upgrades), and the notes.
    pub fn finish(
        mut self,
        node_names: &BTreeMap<[u8; 32], String>,
        group_of_node: &BTreeMap<String, String>,
    ) -> Finished {
        let mut assertions = Vec::new();
        let mut jobs = BTreeMap::new();
        let pct = self.scenario.topology().market().protocol_fee.get();
        for (name, id) in &self.ids {
            let Some(mut h) = self.histories.jobs.get(id).cloned() else { continue };
            h.node_name = h.node.as_ref().and_then(|n| node_names.get(&n.0).cloned());
            if let (Some(fee), true) = (h.protocol_fee, h.end.is_some()) {
                assertions.push(Assertion::new(
                    format!("job {name} protocol fee is {pct}% of the budget, rounded down"),
                    fee_of(h.budget, pct),
                    fee,
                ));
            }
            jobs.insert(name.clone(), h);
        }
        for (name, error) in &self.refused_jobs {
            let refused =
                JobHistory { end: Some(Outcome::Refused), refused_with: Some(error.clone()), ..Default::default() };
            jobs.insert(name.clone(), refused);
        }
        assertions.extend(job_assertions(self.scenario, &jobs, group_of_node));
        for (flood, tally) in self.scenario.floods().iter().zip(&self.floods) {
            let refused: u32 = tally.as_ref().map_or(0, |t| t.refused.values().sum());
            let summary = tally.as_ref().map_or("never sent".to_owned(), |t| {
                format!("{} sent, {} submitted, {} refused {:?}", t.sent, t.landed, refused, t.refused)
            });
            self.notes.push(format!("flood {}: {summary}", flood.name()));
            if let Some(error) = flood.expect_refused() {
                let only_that = tally.as_ref().is_some_and(|t| t.refused.keys().all(|e| e == error));
                assertions.push(Assertion::holds(
                    format!("flood {}: the chain refuses part of it with {error}, and only with it", flood.name()),
                    refused > 0 && only_that,
                    format!("some refused with {error}"),
                    summary,
                ));
            }
        }
        assertions.extend(upgrade_assertions(self.scenario, &self.upgrades, &self.faults_fired));
        Finished { jobs, assertions, notes: self.notes }
    }
}

/// What a finished run hands to the report.
pub(super) struct Finished {
    pub jobs: BTreeMap<String, JobHistory>,
    pub assertions: Vec<Assertion>,
    pub notes: Vec<String>,
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;

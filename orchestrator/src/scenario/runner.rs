//! Run one scenario: a fresh testnet, the jobs and faults at their blocks, every block checked,
//! then the expectations, the report and the teardown.

use super::inject::{
    apply_fault, cancel_job, fault_target, refusal, requester_key, submit_flood, submit_job, upgrade_code, upload_specs,
};
use super::ledger::{check_block, exposure_violations, obligations, Ledger};
use super::model::{FaultTarget, Scenario, Stage, Trigger};
use super::trace::Traces;
use super::upgrades::{stages_at, upgrade_assertions, upgrade_note};
use super::verdict::{expect_failure, fee_of, job_assertions, Assertion, INVARIANTS};
use super::ScenarioReport;
use crate::artifacts::Workspace;
use crate::network::{self, UpOptions};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::provider::Provider;
use cr_protocol::chain::{AccountId32, Chain, Finality, RuntimeUpgrade};
use cr_protocol::store_client::StoreClient;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use cr_protocol::chain::lifecycle::fee_account;

enum Done {
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

/// What became of one flood.
#[derive(Debug, Default)]
struct FloodTally {
    sent: u32,
    landed: u32,
    refused: BTreeMap<String, u32>,
}

/// Bring up the scenario's testnet, run it, evaluate it. The testnet is left running; the
/// caller saves logs and tears it down.
pub async fn run(
    provider: &dyn Provider,
    workspace: &Workspace,
    scenario: &Scenario,
    up: &UpOptions,
    progress: &mut Progress,
) -> anyhow::Result<ScenarioReport> {
    let started = Instant::now();
    let topology = scenario.topology();
    // The runtimes upgrades install, read before anything starts.
    let mut upgrade_codes = BTreeMap::new();
    for (i, fault) in scenario.faults().iter().enumerate() {
        if let FaultTarget::Runtime(to) = fault.target() {
            upgrade_codes.insert(i, upgrade_code(workspace, to)?);
        }
    }
    let state = network::up(provider, workspace, topology, scenario.topology_path(), up, progress).await?;
    let plan = Plan::new(topology)?;
    let rpc = state.endpoints.validator_rpcs().first().map(|s| s.to_string()).unwrap_or_default();
    let chain = Arc::new(Chain::connect_retrying(&rpc, Duration::from_secs(30)).await?);
    let store_addr = state.endpoints.store.clone().ok_or_else(|| anyhow::anyhow!("the topology has no store"))?;
    let store = StoreClient::new(&format!("http://{store_addr}"))?;
    let spec_uris = upload_specs(&store, scenario).await?;

    // Accounts whose money the run tracks, by id, with a name for messages.
    let mut tracked: BTreeMap<[u8; 32], String> = BTreeMap::new();
    for r in &plan.requesters {
        tracked.insert(r.key.account_id(), format!("requester {}", r.name));
    }
    let mut node_names = BTreeMap::new();
    let mut group_of_node = BTreeMap::new();
    for (node, keys) in &plan.compute {
        tracked.insert(keys.account.account_id(), format!("node {}", node.name().as_str()));
        node_names.insert(keys.account.account_id(), node.name().as_str().to_owned());
        group_of_node.insert(node.name().as_str().to_owned(), node.group().as_str().to_owned());
        if node.behaviour() == crate::topology::Behaviour::SelfChallenger {
            let alt = Plan::alt_account(topology.name().as_str(), node)?.account_id();
            tracked.insert(alt, format!("node {} (second account)", node.name().as_str()));
        }
    }
    tracked.insert(fee_account(), "fee account".to_owned());
    let mut start_totals = BTreeMap::new();
    for account in tracked.keys() {
        let (free, held) = chain.balance(&AccountId32(*account), Finality::Best).await?;
        start_totals.insert(*account, free + held);
    }
    let issuance_start = chain.total_issuance(Finality::Best).await?;
    let (start_block, finalized_start) = chain.heads().await?;

    progress.step(
        &format!(
            "scenario {}: {} jobs, {} faults",
            scenario.name().as_str(),
            scenario.jobs().len(),
            scenario.faults().len()
        ),
        u64::from(scenario.timeout_blocks().get()),
    );
    let mut traces = Traces::default();
    let mut ledger = Ledger::new(fee_account());
    let mut ids: BTreeMap<String, u64> = BTreeMap::new();
    let mut submitted_at: BTreeMap<String, u64> = BTreeMap::new();
    let mut pending: BTreeSet<String> = scenario.jobs().iter().map(|j| j.name().as_str().to_owned()).collect();
    let mut cancelled = BTreeSet::new();
    let mut faults_done = vec![false; scenario.faults().len()];
    let mut upgrades: BTreeMap<usize, Result<RuntimeUpgrade, String>> = BTreeMap::new();
    let mut upgrading = Vec::new();
    let mut floods: Vec<Option<FloodTally>> = scenario.floods().iter().map(|_| None).collect();
    let mut refused_jobs: BTreeMap<String, String> = BTreeMap::new();
    let flood_requesters: BTreeMap<[u8; 32], usize> = scenario
        .floods()
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            plan.requesters.iter().find(|r| r.name == f.requester().as_str()).map(|r| (r.key.account_id(), i))
        })
        .collect();
    let mut notes: Vec<String> = Vec::new();
    let mut violations = Vec::new();
    let mut checked_blocks = 0u64;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let follower = chain.clone();
    let mut blocks = follower.follow(Finality::Best).await?;
    let mut last_hash;
    let mut last_block = start_block;
    // No block for this long is a stalled chain, not a slow one.
    let stall = Duration::from_millis(u64::from(topology.block_time_ms()) * 10).max(Duration::from_secs(60));

    loop {
        let block = tokio::select! {
            Some(done) = done_rx.recv() => {
                match done {
                    Done::Submitted { name, job_id } => { ids.insert(name, job_id); },
                    Done::Refused { name, error } => {
                        notes.push(format!("submitting {name} refused by the chain: {error}"));
                        refused_jobs.insert(name, error);
                    },
                    Done::Failed { what, error } => notes.push(format!("{what} failed: {error}")),
                    Done::Upgraded { fault, outcome } => {
                        notes.push(upgrade_note(&outcome));
                        if let Ok(u) = &outcome {
                            notes.push(stages_at(&chain, u, &ids).await.unwrap_or_else(|e| {
                                format!("jobs in block #{} (set_code): unreadable: {e:#}", u.included_at)
                            }));
                        }
                        upgrades.insert(fault, outcome);
                    }
                }
                continue;
            },
            block = blocks.next() => match block {
                Some(block) => block?,
                None => anyhow::bail!("the block subscription ended"),
            },
            // `timeout_blocks` counts blocks; a chain that makes none must end the run too.
            () = tokio::time::sleep(stall) => anyhow::bail!(
                "no new block for {} s (the chain stalled at block #{}); see the validators' logs",
                stall.as_secs(),
                last_block
            ),
        };
        if block.number <= start_block {
            continue;
        }
        let relative = block.number - start_block;
        traces.apply(block.number, &block.events);
        traces.apply_refused(block.number, &block.refused, |a| {
            tracked.get(&a.0).cloned().unwrap_or_else(|| format!("account {a}"))
        });
        for event in &block.events {
            if let cr_protocol::chain::MarketEvent::JobSubmitted { requester, .. } = event {
                if let Some(tally) = flood_requesters.get(&requester.0).and_then(|i| floods[*i].as_mut()) {
                    tally.landed += 1;
                }
            }
        }
        for r in block.refused.iter().filter(|r| r.call == "Compute.submit_job") {
            let flood = r.signer.as_ref().and_then(|s| flood_requesters.get(&s.0));
            if let Some(tally) = flood.and_then(|i| floods[*i].as_mut()) {
                *tally.refused.entry(r.error.clone()).or_default() += 1;
            }
        }
        ledger.apply(&block.events, &block.fees);
        (last_hash, last_block) = (Some(block.hash), block.number);
        for (name, id) in &ids {
            submitted_at
                .entry(name.clone())
                .or_insert_with(|| traces.jobs.get(id).and_then(|t| t.submitted).unwrap_or(block.number));
        }
        if scenario.expectations().invariants() {
            let at = Finality::At(block.hash);
            let (jobs, nodes) = (chain.jobs(at).await?, chain.nodes(at).await?);
            let owed = obligations(&jobs, &nodes);
            let mut held = BTreeMap::new();
            for (account, name) in &tracked {
                held.insert(*account, (name.clone(), chain.balance(&AccountId32(*account), at).await?.1));
            }
            let issuance = chain.total_issuance(at).await?;
            violations.extend(check_block(block.number, &held, &owed, (issuance_start, issuance, ledger.fees)));
            let name = |a: &AccountId32| tracked.get(&a.0).cloned().unwrap_or_else(|| format!("node {a}"));
            violations.extend(exposure_violations(block.number, &jobs, &nodes, name));
            checked_blocks += 1;
        }
        // Jobs due now.
        let due: Vec<_> = scenario
            .jobs()
            .iter()
            .filter(|j| pending.contains(j.name().as_str()) && u64::from(j.arrival_block()) < relative)
            .collect();
        for job in due {
            pending.remove(job.name().as_str());
            let (chain, tx, job) = (chain.clone(), done_tx.clone(), job.clone());
            let key = requester_key(&plan, &job)?.clone();
            let uri =
                spec_uris.get(&cr_protocol::hash::blake2_256(&job.spec().to_bytes())).cloned().unwrap_or_default();
            tokio::spawn(async move {
                let name = job.name().as_str().to_owned();
                let _ = tx.send(match submit_job(&chain, &key, &job, &uri).await {
                    Ok(job_id) => Done::Submitted { name, job_id },
                    Err(e) => match refusal(&e) {
                        Some(error) => Done::Refused { name, error },
                        None => Done::Failed { what: format!("submitting {name}"), error: format!("{e:#}") },
                    },
                });
            });
        }
        // Floods due now: aimed so that each job expires in the flood's block.
        for (i, flood) in scenario.floods().iter().enumerate() {
            if floods[i].is_some() || u64::from(flood.at_block()) >= relative {
                continue;
            }
            let target = start_block + u64::from(flood.expire_at_block());
            let accept_within = u32::try_from(target.saturating_sub(block.number + 1).max(1)).unwrap_or(u32::MAX);
            let key = plan
                .requesters
                .iter()
                .find(|r| r.name == flood.requester().as_str())
                .map(|r| r.key.clone())
                .ok_or_else(|| anyhow::anyhow!("flood requester {} is not in the plan", flood.requester()))?;
            let sent = match submit_flood(&chain, &key, flood.count(), accept_within).await {
                Ok(sent) => sent,
                Err(e) => {
                    notes.push(format!("flood {} failed: {e:#}", flood.name()));
                    0
                }
            };
            notes.push(format!(
                "block +{relative}: flood {}: {sent} of {} jobs taken by the pool",
                flood.name(),
                flood.count()
            ));
            floods[i] = Some(FloodTally { sent, ..FloodTally::default() });
        }
        // Cancellations due now.
        for job in scenario.jobs() {
            let name = job.name().as_str();
            let (Some(after), Some(id), Some(at)) = (job.cancel_after(), ids.get(name), submitted_at.get(name)) else {
                continue;
            };
            if block.number >= at + u64::from(after) && cancelled.insert(name.to_owned()) {
                let (chain, tx, key, id) = (chain.clone(), done_tx.clone(), requester_key(&plan, job)?.clone(), *id);
                let name = name.to_owned();
                tokio::spawn(async move {
                    if let Err(e) = cancel_job(&chain, &key, id).await {
                        let _ = tx.send(Done::Failed { what: format!("cancelling {name}"), error: format!("{e:#}") });
                    }
                });
            }
        }
        // Faults due now.
        for (i, fault) in scenario.faults().iter().enumerate() {
            let due = match fault.trigger() {
                Trigger::AtBlock(b) => u64::from(*b) < relative,
                Trigger::After { job, stage } => scenario
                    .copies(job)
                    .first()
                    .and_then(|p| ids.get(p.name().as_str()))
                    .and_then(|id| traces.jobs.get(id))
                    .is_some_and(|t| match stage {
                        Stage::Submitted => t.submitted.is_some(),
                        Stage::Accepted => t.accepted.is_some(),
                        Stage::Result => t.result.is_some(),
                        Stage::Challenged => t.challenged.is_some(),
                        Stage::Settled => t.settled.is_some(),
                    }),
            };
            if due && !faults_done[i] {
                faults_done[i] = true;
                let line = format!("block +{relative}: {} {}", fault.action().as_str(), fault.target_name());
                let outcome = match fault.target() {
                    FaultTarget::Node(node) => match fault_target(provider, scenario, node).await {
                        Ok(container) => apply_fault(provider, &container, fault.action()).await,
                        Err(e) => Err(e),
                    },
                    // Takes blocks: the run goes on reading them meanwhile.
                    FaultTarget::Runtime(to) => {
                        upgrade_codes.remove(&i).ok_or_else(|| anyhow::anyhow!("no code")).map(|code| {
                            let (chain, tx, sudo, spec) =
                                (chain.clone(), done_tx.clone(), plan.sudo.key.clone(), to.spec_version());
                            upgrading.push(tokio::spawn(async move {
                                let outcome =
                                    chain.upgrade_runtime(sudo.keypair(), code, spec).await.map_err(|e| e.to_string());
                                let _ = tx.send(Done::Upgraded { fault: i, outcome });
                            }));
                        })
                    }
                };
                if let (Err(e), FaultTarget::Runtime(_)) = (&outcome, fault.target()) {
                    upgrades.insert(i, Err(format!("{e:#}")));
                }
                notes.push(match outcome {
                    Ok(()) => line,
                    Err(e) => format!("{line} failed: {e:#}"),
                });
            }
        }
        let all_in = pending.is_empty() && ids.len() + refused_jobs.len() == scenario.jobs().len();
        let all_ended = all_in && ids.values().all(|id| traces.jobs.get(id).is_some_and(|t| t.end.is_some()));
        let (_, finalized_now) = chain.heads().await?;
        let finality_ok =
            finalized_now.saturating_sub(finalized_start) >= u64::from(scenario.expectations().finality_advances());
        progress.set(
            relative,
            &format!(
                "block +{relative}: {}/{} jobs ended",
                ids.values().filter(|id| traces.jobs.get(id).is_some_and(|t| t.end.is_some())).count(),
                scenario.jobs().len()
            ),
        );
        let upgrade_pending = scenario.faults().iter().enumerate().any(|(i, f)| {
            faults_done[i] && matches!(f.target(), FaultTarget::Runtime(_)) && !upgrades.contains_key(&i)
        });
        if (all_ended && finality_ok && !upgrade_pending) || relative >= u64::from(scenario.timeout_blocks().get()) {
            break;
        }
    }

    // The money: every tracked account moved exactly what the events say.
    let mut assertions = Vec::new();
    let at = last_hash.map_or(Finality::Best, Finality::At);
    for (account, name) in &tracked {
        let (free, held) = chain.balance(&AccountId32(*account), at).await?;
        let actual = (free + held) as i128 - start_totals.get(account).copied().unwrap_or(0) as i128;
        assertions.push(Assertion::new(format!("balance change of {name}"), ledger.expected_delta(account), actual));
    }
    let mut named = BTreeMap::new();
    for (name, id) in &ids {
        if let Some(mut t) = traces.jobs.get(id).cloned() {
            t.node_name = t.node.as_ref().and_then(|n| node_names.get(&n.0).cloned());
            if let (Some(fee), true) = (t.protocol_fee, t.end.is_some()) {
                let pct = topology.market().protocol_fee.get();
                assertions.push(Assertion::new(
                    format!("job {name} protocol fee is {pct}% of the budget, rounded down"),
                    fee_of(t.budget, pct),
                    fee,
                ));
            }
            named.insert(name.clone(), t);
        }
    }
    for (name, error) in &refused_jobs {
        let trace = super::trace::JobTrace {
            end: Some(super::trace::End::Refused),
            refused_with: Some(error.clone()),
            ..Default::default()
        };
        named.insert(name.clone(), trace);
    }
    assertions.extend(job_assertions(scenario, &named, &group_of_node));
    for (flood, tally) in scenario.floods().iter().zip(&floods) {
        let tally = tally.as_ref();
        let refused: u32 = tally.map_or(0, |t| t.refused.values().sum());
        let summary = tally.map_or("never sent".to_owned(), |t| {
            format!("{} sent, {} submitted, {} refused {:?}", t.sent, t.landed, refused, t.refused)
        });
        notes.push(format!("flood {}: {summary}", flood.name()));
        if let Some(error) = flood.expect_refused() {
            let only_that = tally.is_some_and(|t| t.refused.keys().all(|e| e == error));
            assertions.push(Assertion::holds(
                format!("flood {}: the chain refuses part of it with {error}, and only with it", flood.name()),
                refused > 0 && only_that,
                format!("some refused with {error}"),
                summary,
            ));
        }
    }
    if scenario.expectations().all_terminal() {
        let open: Vec<_> = chain
            .jobs(at)
            .await?
            .into_iter()
            .filter(|(_, j)| !cr_protocol::chain::lifecycle::is_terminal(&j.status))
            .map(|(id, _)| id.to_string())
            .collect();
        assertions.push(Assertion::new(
            "no job left non-terminal",
            "none",
            if open.is_empty() { "none".to_owned() } else { format!("jobs {}", open.join(", ")) },
        ));
    }
    // An upgrade still waiting at the timeout does not outlive the run.
    for task in upgrading {
        task.abort();
    }
    assertions.extend(upgrade_assertions(scenario, &upgrades, &faults_done));
    let (_, finalized_end) = chain.heads().await?;
    let advanced = finalized_end.saturating_sub(finalized_start);
    let need = scenario.expectations().finality_advances();
    assertions.push(Assertion::holds(
        "finality advances",
        advanced >= u64::from(need),
        format!(">= {need} blocks"),
        format!("{advanced} blocks"),
    ));
    if scenario.expectations().invariants() {
        let first = violations.first().map(|v: &super::ledger::Violation| format!("block #{}: {}", v.block, v.what));
        let name = format!("{INVARIANTS}, stake covers every node's exposure, and issuance moves only by fees, at each of {checked_blocks} blocks");
        assertions.push(Assertion::holds(
            name,
            violations.is_empty(),
            "no violation",
            first.unwrap_or_else(|| "no violation".into()),
        ));
    }
    let violation_lines: Vec<String> = violations.iter().map(|v| format!("block #{}: {}", v.block, v.what)).collect();
    if let Some(text) = scenario.should_fail() {
        expect_failure(text, &mut assertions, &violation_lines, &mut notes);
    }
    let passed = assertions.iter().all(|a| a.passed);
    Ok(ScenarioReport {
        scenario: scenario.name().as_str().to_owned(),
        topology: scenario.topology_path().display().to_string(),
        testnet: topology.name().as_str().to_owned(),
        passed,
        start_block,
        end_block: last_block,
        blocks: last_block - start_block,
        block_time_ms: topology.block_time_ms(),
        up_seconds: state.ready_after_seconds,
        wall_seconds: started.elapsed().as_secs_f64(),
        assertions,
        jobs: named,
        notes,
        invariant_violations: violation_lines,
        logs_dir: None,
    })
}

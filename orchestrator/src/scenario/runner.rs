//! Run one scenario: a fresh testnet, the jobs and faults at their blocks, every block checked,
//! then the expectations, the report and the teardown.

use super::inject::{
    apply_fault, cancel_job, fault_target, refusal, requester_key, submit_flood, submit_job, upgrade_code, upload_specs,
};
use super::ledger::{check_block, exposure_violations, obligations, Ledger};
use super::machine::{Action, Done, Finished, Machine};
use super::model::{FaultTarget, Scenario};
use super::upgrades::stages_at;
use super::verdict::{expect_failure, Assertion, INVARIANTS};
use super::ScenarioReport;
use crate::artifacts::Workspace;
use crate::network::{self, UpOptions};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::provider::Engine;
use cr_protocol::chain::{AccountId32, Chain, Finality};
use cr_protocol::lifecycle::fee_account;
use cr_protocol::store_client::StoreClient;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Bring up the scenario's testnet, run it, evaluate it. The testnet is left running; the
/// caller saves logs and tears it down.
pub async fn run(
    engine: &Engine,
    workspace: &Workspace,
    scenario: &Scenario,
    up: &UpOptions,
    progress: &mut Progress,
) -> anyhow::Result<ScenarioReport> {
    let provider = engine.provider.as_ref();
    let started = Instant::now();
    let topology = scenario.topology();
    // The runtimes upgrades install, read before anything starts.
    let mut upgrade_codes = BTreeMap::new();
    for (i, fault) in scenario.faults().iter().enumerate() {
        if let FaultTarget::Runtime(to) = fault.target() {
            upgrade_codes.insert(i, upgrade_code(workspace, to)?);
        }
    }
    let state = network::up(engine, workspace, topology, scenario.topology_path(), up, progress).await?;
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
    let flood_requesters: BTreeMap<[u8; 32], usize> = scenario
        .floods()
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            plan.requesters.iter().find(|r| r.name == f.requester().as_str()).map(|r| (r.key.account_id(), i))
        })
        .collect();
    let mut machine = Machine::new(scenario, start_block, flood_requesters);
    let mut ledger = Ledger::new(fee_account());
    let mut upgrading = Vec::new();
    let mut violations = Vec::new();
    let mut checked_blocks = 0u64;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let follower = chain.clone();
    let mut blocks = follower.follow(Finality::Best).await?;
    let mut last_hash;
    // No block for this long is a stalled chain, not a slow one.
    let stall = Duration::from_millis(u64::from(topology.block_time_ms()) * 10).max(Duration::from_secs(60));

    loop {
        let block = tokio::select! {
            Some(done) = done_rx.recv() => {
                let landed = match &done {
                    Done::Upgraded { outcome: Ok(u), .. } => Some(*u),
                    _ => None,
                };
                machine.on_done(done);
                if let Some(u) = landed {
                    machine.note(stages_at(&chain, &u, machine.ids()).await.unwrap_or_else(|e| {
                        format!("jobs in block #{} (set_code): unreadable: {e:#}", u.included_at)
                    }));
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
                machine.last_block().0
            ),
        };
        if block.number <= start_block {
            continue;
        }
        let who = |a: &AccountId32| tracked.get(&a.0).cloned().unwrap_or_else(|| format!("account {a}"));
        let actions = machine.on_block(&block, who);
        ledger.apply(&block.events, &block.fees);
        last_hash = Some(block.hash);
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
        for action in actions {
            match action {
                Action::Submit(job) => {
                    let (chain, tx, job) = (chain.clone(), done_tx.clone(), job.clone());
                    let key = requester_key(&plan, &job)?.clone();
                    let spec_hash = cr_protocol::hash::blake2_256(&job.spec().to_bytes());
                    let uri = spec_uris.get(&spec_hash).cloned().unwrap_or_default();
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
                Action::Flood { index, flood, accept_within } => {
                    let key = plan
                        .requesters
                        .iter()
                        .find(|r| r.name == flood.requester().as_str())
                        .map(|r| r.key.clone())
                        .ok_or_else(|| anyhow::anyhow!("flood requester {} is not in the plan", flood.requester()))?;
                    let sent = submit_flood(&chain, &key, flood.count(), accept_within).await;
                    machine.flood_sent(index, sent.map_err(|e| format!("{e:#}")));
                }
                Action::Cancel { job, job_id } => {
                    let (chain, tx, key) = (chain.clone(), done_tx.clone(), requester_key(&plan, job)?.clone());
                    let name = job.name().as_str().to_owned();
                    tokio::spawn(async move {
                        if let Err(e) = cancel_job(&chain, &key, job_id).await {
                            let _ =
                                tx.send(Done::Failed { what: format!("cancelling {name}"), error: format!("{e:#}") });
                        }
                    });
                }
                Action::Fault { index, fault } => {
                    let outcome = match fault.target() {
                        FaultTarget::Node(node) => match fault_target(provider, scenario, node).await {
                            Ok(target) => apply_fault(provider, &target, fault.action()).await,
                            Err(e) => Err(e),
                        },
                        // Takes blocks: the run goes on reading them meanwhile.
                        FaultTarget::Runtime(to) => {
                            upgrade_codes.remove(&index).ok_or_else(|| anyhow::anyhow!("no code")).map(|code| {
                                let (chain, tx, sudo, spec) =
                                    (chain.clone(), done_tx.clone(), plan.sudo.key.clone(), to.spec_version());
                                upgrading.push(tokio::spawn(async move {
                                    let outcome = chain
                                        .upgrade_runtime(sudo.keypair(), code, spec)
                                        .await
                                        .map_err(|e| e.to_string());
                                    let _ = tx.send(Done::Upgraded { fault: index, outcome });
                                }));
                            })
                        }
                    };
                    machine.fault_applied(index, outcome.map_err(|e| format!("{e:#}")));
                }
            }
        }
        let (_, finalized_now) = chain.heads().await?;
        let finality_ok =
            finalized_now.saturating_sub(finalized_start) >= u64::from(scenario.expectations().finality_advances());
        let (_, relative) = machine.last_block();
        progress.set(relative, &format!("block +{relative}: {}/{} jobs ended", machine.ended(), scenario.jobs().len()));
        if machine.is_over(finality_ok) {
            break;
        }
    }
    // An upgrade still waiting at the timeout does not outlive the run.
    for task in upgrading {
        task.abort();
    }
    let last_block = machine.last_block().0;
    let Finished { jobs: named, assertions: run_assertions, mut notes } = machine.finish(&node_names, &group_of_node);

    // The money: every tracked account moved exactly what the events say.
    let mut assertions = Vec::new();
    let at = last_hash.map_or(Finality::Best, Finality::At);
    for (account, name) in &tracked {
        let (free, held) = chain.balance(&AccountId32(*account), at).await?;
        let actual = (free + held) as i128 - start_totals.get(account).copied().unwrap_or(0) as i128;
        assertions.push(Assertion::new(format!("balance change of {name}"), ledger.expected_delta(account), actual));
    }
    assertions.extend(run_assertions);
    if scenario.expectations().all_terminal() {
        let open: Vec<_> = chain
            .jobs(at)
            .await?
            .into_iter()
            .filter(|(_, j)| !cr_protocol::lifecycle::is_terminal(&j.status))
            .map(|(id, _)| id.to_string())
            .collect();
        assertions.push(Assertion::new(
            "no job left non-terminal",
            "none",
            if open.is_empty() { "none".to_owned() } else { format!("jobs {}", open.join(", ")) },
        ));
    }
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
        run: 1,
        file: None,
        seed: up.seed,
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

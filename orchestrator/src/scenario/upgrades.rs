//! Runtime upgrades during a scenario: what each did, where the jobs stood when it landed, and
//! whether it took effect.

use super::model::{FaultTarget, Scenario};
use super::verdict::Assertion;
use cr_protocol::chain::{Chain, Finality, RuntimeUpgrade};
use std::collections::BTreeMap;

/// What an upgrade did, for the report's notes: the figure a reader wants is how many blocks
/// passed from the `set_code` block to the first block of the new runtime.
pub(super) fn upgrade_note(outcome: &Result<RuntimeUpgrade, String>) -> String {
    match outcome {
        Ok(u) => format!(
            "upgrade spec {} -> {}: set_code in block #{}, new runtime from block #{} ({} block(s) later)",
            u.from_spec,
            u.to_spec,
            u.included_at,
            u.applied_at,
            u.applied_at - u.included_at
        ),
        Err(e) => format!("upgrade failed: {e}"),
    }
}

/// Every upgrade fault took effect (one whose trigger never came did not).
pub(super) fn upgrade_assertions(
    scenario: &Scenario,
    upgrades: &BTreeMap<usize, Result<RuntimeUpgrade, String>>,
    fired: &[bool],
) -> Vec<Assertion> {
    let mut out = Vec::new();
    for (i, fault) in scenario.faults().iter().enumerate() {
        let FaultTarget::Runtime(to) = fault.target() else { continue };
        let actual = match upgrades.get(&i) {
            Some(Ok(u)) => format!("spec {} from block #{}", u.to_spec, u.applied_at),
            Some(Err(e)) => e.clone(),
            None if fired.get(i).copied().unwrap_or(false) => "started, not over within timeout_blocks".to_owned(),
            None => "its trigger never came".to_owned(),
        };
        let took = matches!(upgrades.get(&i), Some(Ok(u)) if u.to_spec == to.spec_version());
        out.push(Assertion::holds(
            format!("faults[{i}]: upgrade to spec {} took effect", to.spec_version()),
            took,
            format!("spec {}", to.spec_version()),
            actual,
        ));
    }
    out
}

/// Where each submitted job stood in the block that set the new runtime: what the upgrade had
/// to carry over.
pub(super) async fn stages_at(
    chain: &Chain,
    upgrade: &RuntimeUpgrade,
    ids: &BTreeMap<String, u64>,
) -> anyhow::Result<String> {
    let jobs: BTreeMap<u64, _> = chain.jobs(Finality::At(upgrade.included_in)).await?.into_iter().collect();
    let stages: Vec<String> = ids
        .iter()
        .map(|(name, id)| {
            let stage = jobs.get(id).map_or("not on chain", |j| cr_protocol::lifecycle::status_name(&j.status));
            format!("{name} {stage}")
        })
        .collect();
    Ok(format!("jobs in block #{} (set_code): {}", upgrade.included_at, stages.join(", ")))
}

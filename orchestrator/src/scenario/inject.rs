//! Putting a scenario's load and faults into a running testnet: uploading specs, submitting and
//! cancelling jobs as the requesters, and doing things to containers.

use super::model::{FaultAction, FaultNode, JobPlan, Scenario};
use crate::plan::Plan;
use crate::provider::{ContainerRef, Provider};
use cr_protocol::chain::{api, market, requirements, uri, Chain, Finality, MarketEvent, H256};
use cr_protocol::hash::blake2_256;
use cr_protocol::keys::Sr25519Key;
use cr_protocol::store_client::StoreClient;
use std::collections::BTreeMap;
use std::time::Duration;

/// Upload every distinct spec; returns spec hash -> URI as the daemons will see it.
pub async fn upload_specs(store: &StoreClient, scenario: &Scenario) -> anyhow::Result<BTreeMap<[u8; 32], String>> {
    let mut uris = BTreeMap::new();
    for plan in scenario.jobs() {
        let bytes = plan.spec().to_bytes();
        let hash = blake2_256(&bytes);
        if uris.contains_key(&hash) {
            continue;
        }
        let blob = store.put(bytes).await?;
        // Daemons inside the network reach the store by name, not by the published port.
        let inside = blob.with_authority(&format!("{}:{}", crate::plan::STORE_HOST, crate::plan::STORE_PORT))?;
        uris.insert(hash, inside.to_string());
    }
    Ok(uris)
}

/// The requester key of a job.
pub fn requester_key<'a>(plan: &'a Plan, job: &JobPlan) -> anyhow::Result<&'a Sr25519Key> {
    plan.requesters
        .iter()
        .find(|r| r.name == job.requester().as_str())
        .map(|r| &r.key)
        .ok_or_else(|| anyhow::anyhow!("requester {} is not in the topology", job.requester().as_str()))
}

/// Submit one job; returns its chain id.
pub async fn submit_job(chain: &Chain, key: &Sr25519Key, job: &JobPlan, spec_uri: &str) -> anyhow::Result<u64> {
    let r = job.requirements();
    let req = requirements(
        r.cpu_cores(),
        r.memory_mb(),
        r.gpu_count(),
        r.gpu_vram_mb(),
        r.gpu_model().map(|m| m.as_str()),
    )?;
    let call = api::transactions().compute().submit_job(
        H256(blake2_256(&job.spec().to_bytes())),
        uri(spec_uri)?,
        req,
        job.budget().base_units(),
        market::JobDeadlines {
            accept_within: job.accept_within().map(|n| n.get()),
            execute_within: job.execute_within().map(|n| n.get()),
        },
    );
    let outcome = chain.submit(&call, key.keypair(), Finality::Best).await?;
    outcome
        .events
        .iter()
        .find_map(|e| match e {
            MarketEvent::JobSubmitted { job_id, .. } => Some(*job_id),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("submit_job for {} emitted no JobSubmitted", job.name().as_str()))
}

/// Cancel a job as its requester.
pub async fn cancel_job(chain: &Chain, key: &Sr25519Key, job_id: u64) -> anyhow::Result<()> {
    let call = api::transactions().compute().cancel_job(job_id);
    chain.submit(&call, key.keypair(), Finality::Best).await?;
    Ok(())
}

/// The container a fault targets (a daemon may share its container with others).
pub async fn fault_target(provider: &dyn Provider, scenario: &Scenario, node: &FaultNode) -> anyhow::Result<ContainerRef> {
    let testnet = scenario.topology().name().as_str();
    let label = match node {
        FaultNode::Compute(name) => {
            let topology = scenario.topology();
            let daemon = topology
                .compute_nodes()
                .iter()
                .find(|n| n.name() == name)
                .ok_or_else(|| anyhow::anyhow!("no compute node {}", name.as_str()))?;
            topology.compute_containers()[daemon.container()].label()
        },
        other => other.name().to_owned(),
    };
    provider
        .list(testnet)
        .await?
        .into_iter()
        .find(|c| c.node == label)
        .map(|c| c.to_ref())
        .ok_or_else(|| anyhow::anyhow!("testnet {testnet} has no container for {label}"))
}

/// Do `action` to `container`.
pub async fn apply_fault(provider: &dyn Provider, container: &ContainerRef, action: FaultAction) -> anyhow::Result<()> {
    let network = || provider.ensure_network(&container.testnet);
    match action {
        FaultAction::Kill => provider.kill(container, "SIGKILL").await?,
        FaultAction::Stop => provider.stop(container, Duration::from_secs(10)).await?,
        FaultAction::Start => provider.start(container).await?,
        FaultAction::Restart => provider.restart(container, Duration::from_secs(10)).await?,
        FaultAction::Pause => provider.pause(container).await?,
        FaultAction::Unpause => provider.unpause(container).await?,
        FaultAction::Disconnect => provider.disconnect_network(container, &network().await?).await?,
        FaultAction::Reconnect => provider.connect_network(container, &network().await?).await?,
    }
    Ok(())
}

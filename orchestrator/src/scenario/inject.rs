//! Putting a scenario's load and faults into a running testnet: uploading specs, submitting and
//! cancelling jobs as the requesters, and doing things to containers.

use super::model::{FaultAction, FaultNode, JobPlan, Scenario, UpgradeTo};
use crate::artifacts::Workspace;
use crate::network::Segments;
use crate::plan::Plan;
use crate::provider::{ContainerRef, Provider};
use crate::runtime::RuntimeFile;
use cr_protocol::chain::{api, market, requirements, uri, Chain, ChainError, Finality, MarketEvent, H256};
use cr_protocol::hash::blake2_256;
use cr_protocol::keys::Sr25519Key;
use cr_protocol::store_client::StoreClient;
use cr_protocol::workload::WorkloadSpec;
use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

/// Upload one spec; returns its Blake2-256 and its URI as daemons inside the network see it.
pub async fn upload_spec(store: &StoreClient, spec: &WorkloadSpec) -> anyhow::Result<([u8; 32], String)> {
    let bytes = spec.to_bytes();
    let hash = blake2_256(&bytes);
    let blob = store.put(bytes).await?;
    // Daemons inside the network reach the store by name, not by the published port.
    let inside = blob.with_authority(&format!("{}:{}", crate::plan::STORE_HOST, crate::plan::STORE_PORT))?;
    Ok((hash, inside.to_string()))
}

/// Upload every distinct spec; returns spec hash -> URI as the daemons will see it.
pub async fn upload_specs(store: &StoreClient, scenario: &Scenario) -> anyhow::Result<BTreeMap<[u8; 32], String>> {
    let mut uris = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for plan in scenario.jobs() {
        // Copies of a job share their spec: upload it once.
        if !seen.insert(plan.spec()) {
            continue;
        }
        let (hash, uri) = upload_spec(store, plan.spec()).await?;
        uris.insert(hash, uri);
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

/// A job as the chain takes it: what `testnet test`, `testnet load` and the dashboard's form
/// all submit through [`submit`].
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub spec_hash: [u8; 32],
    /// Where daemons download the spec (inside the testnet network).
    pub spec_uri: String,
    pub cpu_cores: u32,
    pub memory_mb: u32,
    pub gpu_count: u32,
    pub gpu_vram_mb: u32,
    pub gpu_model: Option<String>,
    /// Base units escrowed.
    pub budget: u128,
    /// `None`: the chain's genesis defaults.
    pub accept_within: Option<u32>,
    pub execute_within: Option<u32>,
}

impl JobRequest {
    /// A CPU job of 1 core and 256 MB (or one GPU when the workload needs it), with the
    /// chain's default deadlines.
    pub fn new(spec_hash: [u8; 32], spec_uri: String, needs_gpu: bool, budget: u128) -> Self {
        Self {
            spec_hash,
            spec_uri,
            cpu_cores: 1,
            memory_mb: 256,
            gpu_count: u32::from(needs_gpu),
            gpu_vram_mb: 0,
            gpu_model: None,
            budget,
            accept_within: None,
            execute_within: None,
        }
    }
}

/// Submit one job as `key`; returns its chain id once it is in a best block.
pub async fn submit(chain: &Chain, key: &Sr25519Key, job: &JobRequest) -> anyhow::Result<u64> {
    let req = requirements(job.cpu_cores, job.memory_mb, job.gpu_count, job.gpu_vram_mb, job.gpu_model.as_deref())?;
    let call = api::transactions().compute().submit_job(
        H256(job.spec_hash),
        uri(&job.spec_uri)?,
        req,
        job.budget,
        market::JobDeadlines { accept_within: job.accept_within, execute_within: job.execute_within },
    );
    let outcome = chain.submit(&call, key.keypair(), Finality::Best).await?;
    outcome
        .events
        .iter()
        .find_map(|e| match e {
            MarketEvent::JobSubmitted { job_id, .. } => Some(*job_id),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("submit_job emitted no JobSubmitted"))
}

/// Submit one scenario job; returns its chain id.
pub async fn submit_job(chain: &Chain, key: &Sr25519Key, job: &JobPlan, spec_uri: &str) -> anyhow::Result<u64> {
    let r = job.requirements();
    let request = JobRequest {
        spec_hash: blake2_256(&job.spec().to_bytes()),
        spec_uri: spec_uri.to_owned(),
        cpu_cores: r.cpu_cores(),
        memory_mb: r.memory_mb(),
        gpu_count: r.gpu_count(),
        gpu_vram_mb: r.gpu_vram_mb(),
        gpu_model: r.gpu_model().map(|m| m.as_str().to_owned()),
        budget: job.budget().base_units(),
        accept_within: job.accept_within().map(|n| n.get()),
        execute_within: job.execute_within().map(|n| n.get()),
    };
    submit(chain, key, &request).await.map_err(|e| e.context(format!("submitting {}", job.name().as_str())))
}

/// A flood's jobs: no node declares this many cores, so none can take them.
const UNMATCHABLE_CORES: u32 = u32::MAX;

/// Send a flood: `count` unmatchable jobs of one base unit, each expiring `accept_within`
/// blocks after its inclusion, signed up front and handed to the pool together so they land in
/// as few blocks as the node allows. Returns how many the pool took; the chain's answers to
/// those are read from the blocks.
pub async fn submit_flood(chain: &Chain, key: &Sr25519Key, count: u32, accept_within: u32) -> anyhow::Result<u32> {
    let req = requirements(UNMATCHABLE_CORES, 1, 0, 0, None)?;
    let call = api::transactions().compute().submit_job(
        H256([0xf1; 32]),
        uri("http://store:7070/blobs/flood")?,
        req,
        1,
        market::JobDeadlines { accept_within: Some(accept_within), execute_within: None },
    );
    let (accepted, _) = chain.flood(&call, key.keypair(), count, 64).await?;
    Ok(accepted)
}

/// The marketplace error a failed submission answered with (`ExecutionWindowTooShort`), if the
/// chain refused it in its block.
pub fn refusal(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|e| e.downcast_ref::<ChainError>()).and_then(ChainError::market_error).map(str::to_owned)
}

/// Cancel a job as its requester.
pub async fn cancel_job(chain: &Chain, key: &Sr25519Key, job_id: u64) -> anyhow::Result<()> {
    let call = api::transactions().compute().cancel_job(job_id);
    chain.submit(&call, key.keypair(), Finality::Best).await?;
    Ok(())
}

/// The wasm an upgrade installs: the file read when the scenario was checked, or the chain
/// build's runtime, which must be the spec this program was built for.
pub fn upgrade_code(workspace: &Workspace, to: &UpgradeTo) -> anyhow::Result<Vec<u8>> {
    match to {
        UpgradeTo::File(file) => Ok(file.code.to_vec()),
        UpgradeTo::Current { spec_version } => {
            let path = workspace.runtime_wasm();
            let file = RuntimeFile::read(&path).map_err(|e| {
                anyhow::anyhow!(
                    "{e}; `runtime: current` is the chain build's runtime: build the chain (drop --no-build)"
                )
            })?;
            anyhow::ensure!(
                file.spec_version == *spec_version,
                "the chain build's runtime {} is spec {}, but this program was built for spec {spec_version}; \
                 rebuild the chain, run ci/export-metadata.sh and rebuild testnet",
                file.path.display(),
                file.spec_version
            );
            Ok(file.code.to_vec())
        }
    }
}

/// The container a fault targets (a daemon may share its container with others) and the
/// networks it is on.
pub struct Target {
    container: ContainerRef,
    segments: Range<usize>,
}

/// Find the container of `node` and where it is attached.
pub async fn fault_target(provider: &dyn Provider, scenario: &Scenario, node: &FaultNode) -> anyhow::Result<Target> {
    let topology = scenario.topology();
    let testnet = topology.name().as_str();
    let layout = Segments::for_topology(topology, provider.network_capacity())?;
    let (label, segments) = match node {
        FaultNode::Compute(name) => {
            let daemon = topology
                .compute_nodes()
                .iter()
                .find(|n| n.name() == name)
                .ok_or_else(|| anyhow::anyhow!("no compute node {}", name.as_str()))?;
            let segment = layout.of_compute(daemon.container());
            (topology.compute_containers()[daemon.container()].label(), segment..segment + 1)
        }
        other => (other.name().to_owned(), layout.all()),
    };
    let container = provider
        .list(testnet)
        .await?
        .into_iter()
        .find(|c| c.node == label)
        .map(|c| c.to_ref())
        .ok_or_else(|| anyhow::anyhow!("testnet {testnet} has no container for {label}"))?;
    Ok(Target { container, segments })
}

/// Do `action` to the target's container.
pub async fn apply_fault(provider: &dyn Provider, target: &Target, action: FaultAction) -> anyhow::Result<()> {
    let container = &target.container;
    match action {
        FaultAction::Kill => provider.kill(container, "SIGKILL").await?,
        FaultAction::Stop => provider.stop(container, Duration::from_secs(10)).await?,
        FaultAction::Start => provider.start(container).await?,
        FaultAction::Restart => provider.restart(container, Duration::from_secs(10)).await?,
        FaultAction::Pause => provider.pause(container).await?,
        FaultAction::Unpause => provider.unpause(container).await?,
        FaultAction::Disconnect | FaultAction::Reconnect => {
            for segment in target.segments.clone() {
                let network = provider.ensure_network(&container.testnet, segment).await?;
                if action == FaultAction::Disconnect {
                    provider.disconnect_network(container, &network).await?;
                } else {
                    provider.connect_network(container, &network).await?;
                }
            }
        }
        FaultAction::HostDown => {
            let host = provider.host_down(container).await?;
            tracing::info!(host, node = %container.node, "host-down");
        }
        FaultAction::HostUp => {
            let host = provider.host_up(container).await?;
            tracing::info!(host, node = %container.node, "host-up");
        }
        FaultAction::Upgrade => anyhow::bail!("an upgrade is done to the chain, not to a container"),
    }
    Ok(())
}

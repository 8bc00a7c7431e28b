//! A running testnet as data, for `status`, `logs` and `verify`: its containers (found by
//! label, so this works without the state file and after a crash), their endpoints and
//! resource use, and what its chain says. Nothing here prints.

use super::state::TestnetState;
use crate::node_kind::NodeKind;
use crate::plan::{RPC_PORT, STORE_PORT};
use crate::provider::{ContainerRef, ContainerStatus, Provider, ProviderError};
use crate::topology::{Role, Topology};
use cr_protocol::chain::{Chain, ChainError, Finality};
use cr_protocol::lifecycle::{status_name, STATUS_NAMES};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

mod nodes;
pub use nodes::{container_node_name, find_node, NodeTarget, UnknownNode};

/// Inspections and stats samples in flight at once (a stats sample takes about a second).
const PARALLELISM: usize = 8;
/// How long the chain part may take before `status` reports the chain as unreachable.
pub const CHAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// One container of a testnet.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerView {
    /// Node label: a validator, `store`, a compute daemon or `<group>-c<index>`.
    pub node: String,
    pub kind: NodeKind,
    /// Container name (`crt_<testnet>_<node>`).
    pub container: String,
    /// `running`, `exited (code 1)`, `paused`, ...
    pub status: String,
    /// Whether the container runs.
    pub running: bool,
    /// The engine host that runs it (on an engine of several hosts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `ws://127.0.0.1:<port>` (validators).
    pub rpc: Option<String>,
    /// `http://127.0.0.1:<port>/metrics` (validators and compute containers).
    pub metrics: Option<String>,
    /// `127.0.0.1:<port>` of the artifact store (the store container).
    pub store: Option<String>,
    /// CPU use, 100.0 = one core busy; `None` when not sampled or not running.
    pub cpu_percent: Option<f64>,
    /// Memory in use without page cache, bytes; `None` when not sampled.
    pub memory_bytes: Option<u64>,
    /// For provider operations (logs); not part of the JSON.
    #[serde(skip)]
    pub reference: ContainerRef,
}

/// What the chain says, read through one validator's RPC.
#[derive(Debug, Clone, Serialize)]
pub struct ChainView {
    /// The RPC endpoint read.
    pub rpc: String,
    /// Runtime `spec_name`.
    pub runtime: String,
    /// Runtime `spec_version`.
    pub spec_version: u32,
    /// Best block number.
    pub best: u64,
    /// Finalized block number.
    pub finalized: u64,
    /// Entries in `Compute::Nodes` (registered daemons) at the best block.
    pub registered_daemons: usize,
    /// Workers the topology declares (verifiers do not register); `None` when unknown.
    pub expected_workers: Option<usize>,
    /// Jobs per lifecycle state at the best block, keys `open`, `assigned`, ... `expired` (all eight
    /// present).
    pub jobs: BTreeMap<String, usize>,
}

/// Everything `testnet status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct TestnetStatus {
    /// Testnet name.
    pub testnet: String,
    /// Its containers, by container name.
    pub containers: Vec<ContainerView>,
    /// The chain, when a validator answered.
    pub chain: Option<ChainView>,
    /// Why `chain` is missing.
    pub chain_error: Option<String>,
}

/// Which testnet a command without a name means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// This one (named, or the only one running).
    One(String),
    /// No testnet exists.
    None,
    /// Several exist; the user has to name one.
    Several(Vec<String>),
}

/// The named testnet, or the only one this engine runs.
pub async fn pick_testnet(provider: &dyn Provider, name: Option<&str>) -> Result<Pick, ProviderError> {
    if let Some(name) = name {
        return Ok(Pick::One(name.to_owned()));
    }
    let mut running = provider.list_testnets().await?;
    Ok(match running.len() {
        0 => Pick::None,
        1 => Pick::One(running.remove(0)),
        _ => Pick::Several(running),
    })
}

fn status_text(status: ContainerStatus, exit_code: Option<i64>) -> String {
    match status {
        ContainerStatus::Created => "created".into(),
        ContainerStatus::Running => "running".into(),
        ContainerStatus::Paused => "paused".into(),
        ContainerStatus::Restarting => "restarting".into(),
        ContainerStatus::Removing => "removing".into(),
        ContainerStatus::Exited => format!("exited (code {})", exit_code.unwrap_or(-1)),
        ContainerStatus::Dead => "dead".into(),
        ContainerStatus::Unknown => "unknown".into(),
    }
}

/// Every container of `testnet` with its status and published endpoints (no stats).
pub async fn containers(provider: &dyn Provider, testnet: &str) -> Result<Vec<ContainerView>, ProviderError> {
    let infos = provider.list(testnet).await?;
    // A container with our testnet label but a kind this build never writes was not made by
    // `up`; `down` still removes it (it goes by the testnet label), `status` leaves it out.
    let ours = infos.into_iter().filter_map(|info| match NodeKind::from_label(&info.kind) {
        Some(kind) => Some((info, kind)),
        None => {
            tracing::warn!(container = %info.name, kind = %info.kind, "unknown node kind label; not listed");
            None
        }
    });
    futures::stream::iter(ours)
        .map(|(info, kind)| async move {
            let reference = info.to_ref();
            let state = provider.inspect(&reference).await?;
            let port = |p: u16| state.ports.get(&p).map(ToString::to_string);
            Ok(ContainerView {
                rpc: port(RPC_PORT).map(|a| format!("ws://{a}")),
                metrics: kind.metrics_port().and_then(port).map(|a| format!("http://{a}/metrics")),
                store: if kind == NodeKind::Store { port(STORE_PORT) } else { None },
                status: status_text(state.status, state.exit_code),
                running: state.status == ContainerStatus::Running,
                node: info.node,
                host: info.host,
                kind,
                container: info.name,
                cpu_percent: None,
                memory_bytes: None,
                reference,
            })
        })
        .buffered(PARALLELISM)
        .try_collect()
        .await
}

/// Fill in CPU and memory of the running containers; a failed sample stays `None`.
pub async fn sample_resources(provider: &dyn Provider, views: &mut [ContainerView]) {
    let samples: Vec<_> = futures::stream::iter(views.iter().enumerate().filter(|(_, v)| v.running))
        .map(|(i, v)| async move { (i, provider.stats(&v.reference).await) })
        .buffer_unordered(PARALLELISM)
        .collect()
        .await;
    for (i, sample) in samples {
        match sample {
            Ok(used) => {
                views[i].cpu_percent = Some(used.cpu_percent);
                views[i].memory_bytes = Some(used.memory_bytes);
            }
            Err(e) => {
                tracing::debug!(container = %views[i].container, error = %e, "no stats sample")
            }
        }
    }
}

/// RPC of the first running validator that publishes one.
pub fn first_rpc(views: &[ContainerView]) -> Option<&str> {
    views.iter().filter(|v| v.kind == NodeKind::Validator && v.running).find_map(|v| v.rpc.as_deref())
}

/// Published `127.0.0.1:<port>` of the running artifact store.
pub fn store_authority(views: &[ContainerView]) -> Option<&str> {
    views.iter().filter(|v| v.kind == NodeKind::Store && v.running).find_map(|v| v.store.as_deref())
}

/// The topology a testnet was started from, when `up` saved its state and the file still
/// describes that testnet.
pub fn saved_topology(root: &Path, testnet: &str) -> Option<Topology> {
    let state = TestnetState::load(root, testnet).ok()?;
    let topology = Topology::load(&state.topology).ok()?;
    (topology.name().as_str() == testnet).then_some(topology)
}

/// Workers the topology declares; these are the daemons that register on chain.
pub fn expected_workers(topology: &Topology) -> usize {
    topology.compute_nodes().iter().filter(|n| n.role() == Role::Worker).count()
}

/// Read heads, runtime, registered daemons and jobs through `rpc`, within [`CHAIN_TIMEOUT`].
pub async fn chain_view(rpc: &str, expected_workers: Option<usize>) -> Result<ChainView, ChainError> {
    let read = async {
        let chain = Chain::connect(rpc).await?;
        let (best, finalized) = chain.heads().await?;
        let (runtime, spec_version) = chain.runtime_version().await?;
        let registered_daemons = chain.nodes(Finality::Best).await?.len();
        let mut jobs: BTreeMap<String, usize> = STATUS_NAMES.iter().map(|s| (s.to_string(), 0)).collect();
        for (_, job) in chain.jobs(Finality::Best).await? {
            *jobs.entry(status_name(&job.status).to_owned()).or_default() += 1;
        }
        Ok(ChainView {
            rpc: rpc.to_owned(),
            runtime,
            spec_version,
            best,
            finalized,
            registered_daemons,
            expected_workers,
            jobs,
        })
    };
    tokio::time::timeout(CHAIN_TIMEOUT, read).await.unwrap_or_else(|_| {
        Err(ChainError::Connect {
            url: rpc.to_owned(),
            reason: format!("no answer within {} s", CHAIN_TIMEOUT.as_secs()),
        })
    })
}

/// Containers, resource use and chain of `testnet`; `root` holds the saved state.
pub async fn gather(provider: &dyn Provider, root: &Path, testnet: &str) -> Result<TestnetStatus, ProviderError> {
    let mut views = containers(provider, testnet).await?;
    let expected = saved_topology(root, testnet).map(|t| expected_workers(&t));
    let rpc = first_rpc(&views).map(str::to_owned);
    let no_containers = views.is_empty();
    // Stats take about a second per sample; read the chain meanwhile.
    let (_, chain) = tokio::join!(sample_resources(provider, &mut views), async {
        match rpc {
            Some(rpc) => chain_view(&rpc, expected).await.map_err(|e| e.to_string()),
            None if no_containers => Err(format!("testnet {testnet} has no containers")),
            None => Err("no running validator publishes an RPC port".to_owned()),
        }
    });
    let (chain, chain_error) = match chain {
        Ok(view) => (Some(view), None),
        Err(why) => (None, Some(why)),
    };
    Ok(TestnetStatus { testnet: testnet.to_owned(), containers: views, chain, chain_error })
}

#[cfg(test)]
mod tests;

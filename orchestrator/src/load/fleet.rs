//! The fleet under load: how fast it came up (registrations over time, read back from the
//! chain), and what each daemon costs in CPU and memory (from the container runtime).

use super::stats::Percentiles;
use crate::provider::{ContainerStatus, Provider};
use crate::topology::Topology;
use cr_protocol::chain::{Chain, MarketEvent};
use futures::StreamExt;
use serde::Serialize;
use std::collections::BTreeMap;

/// Containers sampled at once: a stats sample takes the engine about a second.
const STATS_PARALLELISM: usize = 16;

/// `(seconds since up started, daemons registered by then)`, one point per block that
/// registered any, from each block's own timestamp; `in_genesis` of the `workers` (the
/// compute nodes that register) were registered from block 0.
pub async fn registration_curve(
    chain: &Chain,
    up_started_ms: u64,
    in_genesis: usize,
    workers: usize,
) -> anyhow::Result<Vec<(f64, usize)>> {
    let mut registered = in_genesis;
    let mut curve = if in_genesis > 0 { vec![(0.0, in_genesis)] } else { Vec::new() };
    let (best, _) = chain.heads().await?;
    // Blocks after the last registration add nothing: a bring-up of 1,000 containers is
    // hundreds of blocks, each read back whole.
    for number in 1..=best {
        if registered >= workers {
            break;
        }
        let Some((block, timestamp_ms)) = chain.block_by_number(number).await? else { break };
        let n = block.events.iter().filter(|e| matches!(e, MarketEvent::NodeRegistered { .. })).count();
        if n > 0 {
            registered += n;
            curve.push((timestamp_ms.saturating_sub(up_started_ms) as f64 / 1000.0, registered));
        }
    }
    Ok(curve)
}

/// One compute container's use, and how many daemons share it.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerUse {
    pub container: String,
    pub daemons: usize,
    pub cpu_percent: f64,
    pub memory_bytes: u64,
}

/// Per-daemon figures over every compute container of a sample.
#[derive(Debug, Clone, Serialize)]
pub struct FleetUse {
    /// When the sample was taken (`idle` or `under load`).
    pub phase: String,
    pub containers: Vec<ContainerUse>,
    /// Compute containers that were not running when sampled (their daemons exited).
    pub stopped: Vec<String>,
    /// CPU % per daemon (100 = one core), over containers.
    pub cpu_percent_per_daemon: Option<Percentiles>,
    /// Memory per daemon in MiB, over containers.
    pub rss_mib_per_daemon: Option<Percentiles>,
    /// Sum over the fleet: CPU % and MiB.
    pub total_cpu_percent: f64,
    pub total_rss_mib: f64,
}

/// Sample every compute container of the testnet once.
pub async fn sample(provider: &dyn Provider, topology: &Topology, phase: &str) -> anyhow::Result<FleetUse> {
    let daemons: BTreeMap<String, usize> =
        topology.compute_containers().iter().map(|c| (c.label(), c.nodes.len())).collect();
    let containers = provider.list(topology.name().as_str()).await?;
    let (compute, stopped): (Vec<_>, Vec<_>) = containers
        .into_iter()
        .filter(|c| daemons.contains_key(&c.node))
        .partition(|c| c.status == ContainerStatus::Running);
    let samples: Vec<_> = futures::stream::iter(compute)
        .map(|c| async move { (provider.stats(&c.to_ref()).await, c.node) })
        .buffer_unordered(STATS_PARALLELISM)
        .collect()
        .await;
    let mut out = Vec::new();
    for (stats, node) in samples {
        // A container that stopped between list and stats has nothing to say.
        let Ok(stats) = stats else { continue };
        out.push(ContainerUse {
            daemons: daemons.get(&node).copied().unwrap_or(1),
            container: node,
            cpu_percent: stats.cpu_percent,
            memory_bytes: stats.memory_bytes,
        });
    }
    out.sort_by(|a, b| a.container.cmp(&b.container));
    let per = |f: &dyn Fn(&ContainerUse) -> f64| -> Vec<f64> { out.iter().map(|c| f(c) / c.daemons as f64).collect() };
    const MIB: f64 = 1024.0 * 1024.0;
    Ok(FleetUse {
        phase: phase.to_owned(),
        stopped: stopped.into_iter().map(|c| c.node).collect(),
        cpu_percent_per_daemon: Percentiles::of(&per(&|c| c.cpu_percent)),
        rss_mib_per_daemon: Percentiles::of(&per(&|c| c.memory_bytes as f64 / MIB)),
        total_cpu_percent: out.iter().map(|c| c.cpu_percent).sum(),
        total_rss_mib: out.iter().map(|c| c.memory_bytes as f64).sum::<f64>() / MIB,
        containers: out,
    })
}

//! `host-down` / `host-up`: a whole engine host taken away and brought back. Only lab hosts
//! (containers of the local engine, labelled by `ci/swarm-lab.sh`) can be powered off from
//! here; the manager never is, since the swarm's control plane goes with it.

use std::time::{Duration, Instant};

use bollard::models::NodeState;

use super::hosts::Host;
use super::service::{container_of, newest_task, runs, start};
use super::SwarmProvider;
use crate::provider::docker::map_error;
use crate::provider::{ContainerRef, Provider, ProviderError, Result};

/// How long `host-up` waits for the host's engine and for the swarm to see it Ready.
const BACK_WITHIN: Duration = Duration::from_secs(90);

/// Cut the power of the host that runs `c` (its lab container is killed, every task on it dies).
pub(super) async fn down(p: &SwarmProvider, c: &ContainerRef) -> Result<String> {
    let host = host_of(p, c).await?;
    let lab = lab_container(&host, "host-down", c)?;
    p.local.kill(&lab, "SIGKILL").await?;
    tracing::info!(host = %host.name, node = %c.node, "host powered off");
    Ok(host.name.clone())
}

/// Power the host of `c` on again, wait until the swarm sees it Ready, and start again every
/// node of the testnet whose task died with it.
pub(super) async fn up(p: &SwarmProvider, c: &ContainerRef) -> Result<String> {
    let host = host_of(p, c).await?;
    let lab = lab_container(&host, "host-up", c)?;
    p.local.start(&lab).await?;
    let deadline = Instant::now() + BACK_WITHIN;
    // The manager may not have noticed the cut yet: its word "Ready" counts only once the
    // host's own engine answers again.
    while !answers(&host).await || !is_ready(p, &host).await {
        if Instant::now() > deadline {
            return Err(ProviderError::Conflict {
                operation: "host-up",
                object: host.name.clone(),
                message: format!("the swarm did not see it Ready within {} s", BACK_WITHIN.as_secs()),
                fix: format!("check `docker logs {}` and `docker node ls` on the manager", lab.name),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The swarm may still believe in tasks that died with the host: the host's own engine
    // says which of its containers run.
    let engine = host.endpoint.as_deref().map(|e| crate::provider::DockerProvider::at(e, ""));
    let engine = match engine {
        Some(connecting) => Some(connecting.await?),
        None => None,
    };
    for node in p.list(&c.testnet).await? {
        let reference = node.to_ref();
        let task = newest_task(p, &reference).await?;
        let was_here = task.as_ref().and_then(|t| t.node_id.as_deref()) == Some(host.id.as_str());
        // A node a fault scaled to zero stays stopped.
        if !was_here || !wanted(p, &reference).await? {
            continue;
        }
        let alive = match (task.as_ref().filter(|t| runs(t)).and_then(|t| container_of(t, &reference)), &engine) {
            (Some(container), Some(engine)) => {
                engine.inspect(&container).await.is_ok_and(|s| s.status == crate::provider::ContainerStatus::Running)
            }
            _ => false,
        };
        if !alive {
            start(p, &reference).await?;
        }
    }
    Ok(host.name.clone())
}

/// Power on every lab host that is off, and wait until it answers and the swarm sees it
/// Ready: a run that took a host away must not leave it away, nor the testnet's objects on it.
/// Best effort: what fails is logged, and teardown reports what stays on a host still away.
pub(super) async fn restore(p: &SwarmProvider) -> Vec<String> {
    let mut restored = Vec::new();
    for host in p.hosts.all().iter().filter(|h| h.lab_container.is_some()) {
        let name = host.lab_container.clone().unwrap_or_default();
        let lab = ContainerRef { id: name.clone(), name, testnet: String::new(), node: host.name.clone() };
        match p.local.inspect(&lab).await {
            Ok(state) if state.status == crate::provider::ContainerStatus::Running => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(host = %host.name, error = %e, "cannot see the lab host's container");
                continue;
            }
        }
        if let Err(e) = p.local.start(&lab).await {
            tracing::warn!(host = %host.name, error = %e, "cannot power the lab host on");
            continue;
        }
        let deadline = Instant::now() + BACK_WITHIN;
        while !(answers(host).await && is_ready(p, host).await) {
            if Instant::now() > deadline {
                tracing::warn!(host = %host.name, "the lab host did not come back in time");
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if is_ready(p, host).await {
            restored.push(host.name.clone());
        }
    }
    restored
}

/// Whether the host's engine answers a fresh connection (a cached one may predate the cut).
async fn answers(host: &Host) -> bool {
    match &host.endpoint {
        Some(endpoint) => crate::provider::DockerProvider::at(endpoint, "").await.is_ok(),
        None => false,
    }
}

/// Whether the node's service asks for a replica (a `stop` fault scales it to zero).
async fn wanted(p: &SwarmProvider, c: &ContainerRef) -> Result<bool> {
    let service = p
        .manager
        .client()
        .inspect_service(&c.name, None)
        .await
        .map_err(|e| map_error(p.manager.host(), "inspect service", &c.name, e))?;
    let replicas = service.spec.and_then(|s| s.mode).and_then(|m| m.replicated).and_then(|r| r.replicas);
    Ok(replicas.unwrap_or(0) > 0)
}

async fn is_ready(p: &SwarmProvider, host: &Host) -> bool {
    match p.manager.client().inspect_node(&host.id).await {
        Ok(node) => node.status.and_then(|s| s.state) == Some(NodeState::READY),
        Err(e) => {
            tracing::debug!(error = %map_error(p.manager.host(), "inspect node", &host.name, e), "waiting for the host");
            false
        }
    }
}

/// The host the newest task of `c` was placed on.
async fn host_of(p: &SwarmProvider, c: &ContainerRef) -> Result<std::sync::Arc<Host>> {
    let task = newest_task(p, c).await?;
    task.and_then(|t| p.hosts.by_id(t.node_id.as_deref()?).cloned())
        .ok_or_else(|| ProviderError::NotFound { operation: "find the host of", object: c.name.clone() })
}

fn lab_container(host: &Host, operation: &'static str, c: &ContainerRef) -> Result<ContainerRef> {
    if host.lab_container.is_none() {
        return Err(ProviderError::Conflict {
            operation,
            object: c.node.clone(),
            message: format!("its host {} is not a lab host: nothing here can cut its power", host.name),
            fix: "run host faults on the lab swarm of ci/swarm-lab.sh, whose hosts carry the label \
                  io.cr-testnet.lab-container"
                .to_owned(),
        });
    }
    if host.manager {
        return Err(ProviderError::Conflict {
            operation,
            object: c.node.clone(),
            message: format!("it runs on {}, a manager of the swarm, whose control plane would go with it", host.name),
            fix: "aim the fault at a node on a worker host (`testnet status` shows which host runs what), or pin \
                  that node to a worker with `placement: node:<host>`"
                .to_owned(),
        });
    }
    let name = host.lab_container.clone().unwrap_or_default();
    Ok(ContainerRef { id: name.clone(), name, testnet: String::new(), node: host.name.clone() })
}

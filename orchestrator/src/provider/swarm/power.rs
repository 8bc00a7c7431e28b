//! `host-down` / `host-up`: a whole engine host taken away and brought back. Only lab hosts
//! (containers of the local engine, labelled by `ci/swarm-lab.sh`) can be powered off from
//! here; the manager never is, since the swarm's control plane goes with it.

use std::time::{Duration, Instant};

use bollard::models::NodeState;

use super::hosts::Host;
use super::service::{newest_task, start};
use super::SwarmProvider;
use crate::provider::docker::map_error;
use crate::provider::{Capability, ContainerRef, Provider, ProviderError, Result};

/// How long `host-up` waits for the host's engine and for the swarm to see it Ready.
const BACK_WITHIN: Duration = Duration::from_secs(90);

/// Cut the power of the host that runs `c` (its lab container is killed, every task on it dies).
pub(super) async fn down(p: &SwarmProvider, c: &ContainerRef) -> Result<String> {
    let host = host_of(p, c).await?;
    let lab = lab_container(p, &host, "host-down", c)?;
    p.local.kill(&lab, "SIGKILL").await?;
    tracing::info!(host = %host.name, node = %c.node, "host powered off");
    Ok(host.name.clone())
}

/// Power the host of `c` on again, wait until the swarm sees it Ready, and start again every
/// node of the testnet whose task died with it.
pub(super) async fn up(p: &SwarmProvider, c: &ContainerRef) -> Result<String> {
    let host = host_of(p, c).await?;
    let lab = lab_container(p, &host, "host-up", c)?;
    p.local.start(&lab).await?;
    let deadline = Instant::now() + BACK_WITHIN;
    while !is_ready(p, &host).await {
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
    for node in p.list(&c.testnet).await? {
        let reference = node.to_ref();
        let task = newest_task(p, &reference).await?;
        let was_here = task.as_ref().and_then(|t| t.node_id.as_deref()) == Some(host.id.as_str());
        let dead = task.as_ref().and_then(|t| t.status.as_ref()?.state) != Some(bollard::models::TaskState::RUNNING);
        if was_here && dead {
            start(p, &reference).await?;
        }
    }
    Ok(host.name.clone())
}

/// Power on every lab host that is off, and wait until the swarm sees it Ready: a run that
/// took a host away must not leave it away, nor leave the testnet's objects on it.
pub(super) async fn restore(p: &SwarmProvider) -> Result<Vec<String>> {
    let mut restored = Vec::new();
    for host in p.hosts.all().iter().filter(|h| h.lab_container.is_some()) {
        let name = host.lab_container.clone().unwrap_or_default();
        let lab = ContainerRef { id: name.clone(), name, testnet: String::new(), node: host.name.clone() };
        if p.local.inspect(&lab).await?.status == crate::provider::ContainerStatus::Running {
            continue;
        }
        p.local.start(&lab).await?;
        let deadline = Instant::now() + BACK_WITHIN;
        while !is_ready(p, host).await && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        restored.push(host.name.clone());
    }
    Ok(restored)
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

fn lab_container(p: &SwarmProvider, host: &Host, operation: &'static str, c: &ContainerRef) -> Result<ContainerRef> {
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
    let Some(name) = host.lab_container.clone() else {
        return Err(p.unsupported(operation, &host.name, Capability::HostPower));
    };
    Ok(ContainerRef { id: name.clone(), name, testnet: String::new(), node: host.name.clone() })
}

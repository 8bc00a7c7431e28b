//! Finding a testnet's objects by label, and removing all of them.

use std::collections::BTreeSet;
use std::time::Duration;

use bollard::models::ContainerSummaryStateEnum;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, RemoveVolumeOptionsBuilder,
};
use futures::stream::{self, StreamExt};

use super::container::remove_by_name;
use super::{label_filter, DockerProvider, TEARDOWN_PARALLELISM};
use crate::provider::error::check_name;
use crate::provider::{
    ContainerInfo, ContainerStatus, Leftover, ObjectKind, ProviderError, Result, TeardownReport, LABEL_KIND,
    LABEL_NODE, LABEL_TESTNET,
};

/// Every container (running or not) labelled with `testnet`, sorted by name.
pub(super) async fn list(p: &DockerProvider, testnet: &str) -> Result<Vec<ContainerInfo>> {
    let options = ListContainersOptionsBuilder::default().all(true).filters(&label_filter(Some(testnet))).build();
    let summaries =
        p.docker.list_containers(Some(options)).await.map_err(|e| p.err("list containers of testnet", testnet, e))?;
    let mut out: Vec<ContainerInfo> = summaries
        .into_iter()
        .map(|s| {
            let label = |key: &str| s.labels.as_ref().and_then(|l| l.get(key)).cloned().unwrap_or_default();
            let name = s
                .names
                .as_ref()
                .and_then(|n| n.first())
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_default();
            ContainerInfo {
                testnet: label(LABEL_TESTNET),
                node: label(LABEL_NODE),
                kind: label(LABEL_KIND),
                id: s.id.clone().unwrap_or_default(),
                image: s.image.clone().unwrap_or_default(),
                status: summary_status(s.state),
                host: None,
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn summary_status(state: Option<ContainerSummaryStateEnum>) -> ContainerStatus {
    match state {
        Some(ContainerSummaryStateEnum::CREATED) => ContainerStatus::Created,
        Some(ContainerSummaryStateEnum::RUNNING) => ContainerStatus::Running,
        Some(ContainerSummaryStateEnum::PAUSED) => ContainerStatus::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerStatus::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => ContainerStatus::Removing,
        Some(ContainerSummaryStateEnum::EXITED) => ContainerStatus::Exited,
        Some(ContainerSummaryStateEnum::DEAD) => ContainerStatus::Dead,
        _ => ContainerStatus::Unknown,
    }
}

/// Testnet names found on containers, networks and volumes (a crash can leave any of them).
pub(super) async fn list_testnets(p: &DockerProvider) -> Result<Vec<String>> {
    let any = label_filter(None);
    let mut names = BTreeSet::new();
    let containers = p
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&any).build()))
        .await
        .map_err(|e| p.err("list containers", "of all testnets", e))?;
    names.extend(containers.into_iter().filter_map(|c| c.labels?.remove(LABEL_TESTNET)));
    let networks = p
        .docker
        .list_networks(Some(ListNetworksOptionsBuilder::default().filters(&any).build()))
        .await
        .map_err(|e| p.err("list networks", "of all testnets", e))?;
    names.extend(networks.into_iter().filter_map(|n| n.labels?.remove(LABEL_TESTNET)));
    let volumes = p
        .docker
        .list_volumes(Some(ListVolumesOptionsBuilder::default().filters(&any).build()))
        .await
        .map_err(|e| p.err("list volumes", "of all testnets", e))?;
    names.extend(volumes.volumes.unwrap_or_default().into_iter().filter_map(|mut v| v.labels.remove(LABEL_TESTNET)));
    Ok(names.into_iter().collect())
}

/// Remove containers first (a network with endpoints cannot go), then networks, then
/// volumes. Every object is attempted; failures become leftovers with a command.
pub(super) async fn teardown(p: &DockerProvider, testnet: &str) -> Result<TeardownReport> {
    check_name("testnet name", testnet, false)?;
    let mut report = TeardownReport::default();

    let containers = list(p, testnet).await?;
    let results: Vec<(String, Result<()>)> = stream::iter(containers)
        .map(|c| async move {
            let outcome = remove_by_name(p, &c.id).await;
            (c.name, outcome)
        })
        .buffer_unordered(TEARDOWN_PARALLELISM)
        .collect()
        .await;
    for (name, outcome) in results {
        match outcome {
            // Gone already (a concurrent teardown, or `--rm`): that is the goal.
            Ok(()) | Err(ProviderError::NotFound { .. }) => report.containers.push(name),
            Err(e) => report.leftovers.push(Leftover {
                kind: ObjectKind::Container,
                command: format!("docker rm -f {name}"),
                name,
                error: e.to_string(),
            }),
        }
    }

    let filter = label_filter(Some(testnet));
    let networks = p
        .docker
        .list_networks(Some(ListNetworksOptionsBuilder::default().filters(&filter).build()))
        .await
        .map_err(|e| p.err("list networks of testnet", testnet, e))?;
    for name in networks.into_iter().filter_map(|n| n.name) {
        match remove_network(p, &name).await {
            Ok(()) => report.networks.push(name),
            Err(e) => report.leftovers.push(Leftover {
                kind: ObjectKind::Network,
                command: format!("docker network rm {name}"),
                name,
                error: e.to_string(),
            }),
        }
    }

    let volumes = p
        .docker
        .list_volumes(Some(ListVolumesOptionsBuilder::default().filters(&filter).build()))
        .await
        .map_err(|e| p.err("list volumes of testnet", testnet, e))?;
    for name in volumes.volumes.unwrap_or_default().into_iter().map(|v| v.name) {
        let options = RemoveVolumeOptionsBuilder::default().force(true).build();
        match p.docker.remove_volume(&name, Some(options)).await {
            Ok(()) => report.volumes.push(name),
            Err(e) => report.leftovers.push(Leftover {
                kind: ObjectKind::Volume,
                command: format!("docker volume rm -f {name}"),
                error: p.err("remove volume", &name, e).to_string(),
                name,
            }),
        }
    }

    report.containers.sort();
    tracing::info!(
        testnet,
        containers = report.containers.len(),
        networks = report.networks.len(),
        volumes = report.volumes.len(),
        leftovers = report.leftovers.len(),
        "teardown done"
    );
    Ok(report)
}

/// Remove a network, retrying briefly: the engine may still be releasing the endpoints of
/// containers removed a moment ago.
async fn remove_network(p: &DockerProvider, name: &str) -> Result<()> {
    let mut attempt = 0;
    loop {
        match p.docker.remove_network(name).await {
            Ok(()) => return Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(()),
            Err(e) => {
                attempt += 1;
                if attempt >= 4 {
                    return Err(p.err("remove network", name, e));
                }
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
        }
    }
}

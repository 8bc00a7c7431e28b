//! The testnet's overlay, finding its services by label, and removing all of it from every
//! host: services first, then (once their tasks are gone) the overlay, then what tasks leave
//! on each host (stopped containers, volumes, the files images).

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::{
    ListImagesOptions, ListNetworksOptions, ListServicesOptions, ListTasksOptions, ListVolumesOptions,
    RemoveContainerOptions, RemoveImageOptions,
};
use futures::stream::{self, StreamExt};

use super::service::{newest, task_status};
use super::SwarmProvider;
use crate::provider::docker::{check_own_network, label_filter, map_error};
use crate::provider::error::check_name;
use crate::provider::{
    network_name, ContainerInfo, ContainerStatus, Leftover, NetworkRef, ObjectKind, ProviderError, Result,
    TeardownReport, LABEL_KIND, LABEL_NODE, LABEL_TESTNET,
};

/// Overlays get a /22 each from 10.240.0.0/12, apart from the swarm's default pool (whose
/// first /24 the ingress network takes: an overlapping subnet leaves every task `New`).
const OVERLAY_FIRST: u32 = u32::from_be_bytes([10, 240, 0, 0]);
const OVERLAY_BLOCKS: u32 = 1024;
/// Below the underlay's MTU by the VXLAN header and some.
const OVERLAY_MTU: &str = "1350";
/// Services removed at once.
const PARALLELISM: usize = 8;

/// The testnet's overlay, created with a free subnet when missing.
pub(super) async fn ensure_network(p: &SwarmProvider, testnet: &str, segment: usize) -> Result<NetworkRef> {
    check_name("testnet name", testnet, false)?;
    let name = network_name(testnet, segment);
    let _serial = p.network_lock.lock().await;
    let client = p.manager.client();
    let err = |op, e| map_error(p.manager.host(), op, &name, e);
    let networks = client.list_networks(None::<ListNetworksOptions>).await.map_err(|e| err("list networks", e))?;
    if let Some(existing) = networks.iter().find(|n| n.name.as_deref() == Some(name.as_str())) {
        check_own_network(existing.labels.as_ref(), testnet, &name, " on the manager")?;
        return Ok(NetworkRef { testnet: testnet.to_owned(), id: existing.id.clone().unwrap_or_default(), name });
    }
    let used: BTreeSet<String> = networks
        .iter()
        .flat_map(|n| n.ipam.iter().flat_map(|i| i.config.iter().flatten()).filter_map(|c| c.subnet.clone()))
        .collect();
    let subnet = (0..OVERLAY_BLOCKS)
        .map(|i| format!("{}/22", Ipv4Addr::from(OVERLAY_FIRST + i * 1024)))
        .find(|s| !used.contains(s))
        .ok_or_else(|| ProviderError::Invalid {
            what: "overlay subnet",
            message: "every /22 of 10.240.0.0/12 is taken: remove testnets with `testnet down --all`".to_owned(),
        })?;
    let request = NetworkCreateRequest {
        name: name.clone(),
        driver: Some("overlay".to_owned()),
        attachable: Some(true),
        labels: Some(HashMap::from([(LABEL_TESTNET.to_owned(), testnet.to_owned())])),
        ipam: Some(Ipam {
            config: Some(vec![IpamConfig { subnet: Some(subnet), ..Default::default() }]),
            ..Default::default()
        }),
        options: Some(HashMap::from([("com.docker.network.driver.mtu".to_owned(), OVERLAY_MTU.to_owned())])),
        ..Default::default()
    };
    let created = client.create_network(request).await.map_err(|e| err("create network", e))?;
    Ok(NetworkRef { testnet: testnet.to_owned(), id: created.id, name })
}

/// Every node of the testnet, with its newest task's state and host.
pub(super) async fn list(p: &SwarmProvider, testnet: &str) -> Result<Vec<ContainerInfo>> {
    let client = p.manager.client();
    let options = ListServicesOptions { filters: Some(label_filter(Some(testnet))), ..Default::default() };
    let services = client
        .list_services(Some(options))
        .await
        .map_err(|e| map_error(p.manager.host(), "list services", testnet, e))?;
    let tasks = client
        .list_tasks(None::<ListTasksOptions>)
        .await
        .map_err(|e| map_error(p.manager.host(), "list tasks", testnet, e))?;
    let mut by_service: HashMap<String, Vec<bollard::models::Task>> = HashMap::new();
    for task in tasks {
        by_service.entry(task.service_id.clone().unwrap_or_default()).or_default().push(task);
    }
    let mut out: Vec<ContainerInfo> = services
        .into_iter()
        .map(|s| {
            let spec = s.spec.unwrap_or_default();
            let labels = spec.labels.unwrap_or_default();
            let label = |k: &str| labels.get(k).cloned().unwrap_or_default();
            let id = s.id.unwrap_or_default();
            let task = newest(by_service.remove(&id).unwrap_or_default());
            let state = task.as_ref().and_then(|t| t.status.as_ref()).and_then(|st| st.state);
            let host =
                task.as_ref().and_then(|t| t.node_id.as_deref()).and_then(|n| p.hosts.by_id(n)).map(|h| h.name.clone());
            let image = spec.task_template.and_then(|t| t.container_spec).and_then(|c| c.image).unwrap_or_default();
            ContainerInfo {
                id,
                name: spec.name.unwrap_or_default(),
                testnet: label(LABEL_TESTNET),
                node: label(LABEL_NODE),
                kind: label(LABEL_KIND),
                image,
                status: state.map_or(ContainerStatus::Created, task_status),
                host,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Testnets with a labelled service or overlay.
pub(super) async fn list_testnets(p: &SwarmProvider) -> Result<Vec<String>> {
    let client = p.manager.client();
    let err = |e| map_error(p.manager.host(), "list", "testnets", e);
    let options = ListServicesOptions { filters: Some(label_filter(None)), ..Default::default() };
    let services = client.list_services(Some(options)).await.map_err(err)?;
    let networks =
        client.list_networks(Some(ListNetworksOptions { filters: Some(label_filter(None)) })).await.map_err(err)?;
    let mut names: BTreeSet<String> =
        services.into_iter().filter_map(|s| s.spec?.labels?.get(LABEL_TESTNET).cloned()).collect();
    names.extend(networks.into_iter().filter_map(|n| n.labels?.get(LABEL_TESTNET).cloned()));
    Ok(names.into_iter().collect())
}

/// Remove everything of the testnet on every host; what stays is reported with its command.
pub(super) async fn teardown(p: &SwarmProvider, testnet: &str) -> Result<TeardownReport> {
    let mut report = TeardownReport::default();
    // The same testnet brought up again on this connection places its validators afresh.
    p.spread.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(testnet);
    for host in super::power::restore(p).await {
        tracing::info!(host, "powered a lab host on again before removing the testnet");
    }
    let manager = p.manager.client();
    let mh = p.manager.host();
    let options = ListServicesOptions { filters: Some(label_filter(Some(testnet))), ..Default::default() };
    let services =
        manager.list_services(Some(options)).await.map_err(|e| map_error(mh, "list services", testnet, e))?;
    let names: Vec<String> = services.iter().filter_map(|s| s.spec.as_ref()?.name.clone()).collect();
    let removed: Vec<_> = stream::iter(names)
        .map(|name| {
            let manager = manager.clone();
            async move {
                let result = manager.delete_service(&name).await;
                (name, result)
            }
        })
        .buffered(PARALLELISM)
        .collect()
        .await;
    for (name, result) in removed {
        match result {
            Ok(()) => report.containers.push(name),
            Err(e) => report.leftovers.push(Leftover {
                kind: ObjectKind::Container,
                error: map_error(mh, "remove service", &name, e).to_string(),
                command: format!("docker -H {mh} service rm {name}"),
                name,
            }),
        }
    }
    // The overlay cannot go while a task still holds an address on it.
    let ids: BTreeSet<String> = services.iter().filter_map(|s| s.id.clone()).collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        let tasks = manager.list_tasks(None::<ListTasksOptions>).await.unwrap_or_default();
        if !tasks.iter().any(|t| t.service_id.as_ref().is_some_and(|id| ids.contains(id))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    remove_networks(p, testnet, &mut report).await;
    for host in p.hosts.all() {
        host_leftovers(host, testnet, &mut report).await;
    }
    Ok(report)
}

/// Every overlay of the testnet (one per network segment), found by label.
async fn remove_networks(p: &SwarmProvider, testnet: &str, report: &mut TeardownReport) {
    let client = p.manager.client();
    let options = ListNetworksOptions { filters: Some(label_filter(Some(testnet))) };
    let mut names: Vec<String> = match client.list_networks(Some(options)).await {
        Ok(networks) => networks.into_iter().filter_map(|n| n.name).collect(),
        Err(_) => Vec::new(),
    };
    // Asked for by name too: a label filter that failed must not leave the first overlay.
    let first = network_name(testnet, 0);
    if !names.contains(&first) {
        names.push(first);
    }
    for name in names {
        remove_network(p, &name, report).await;
    }
}

async fn remove_network(p: &SwarmProvider, name: &str, report: &mut TeardownReport) {
    let client = p.manager.client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.remove_network(name).await {
            Ok(()) => return report.networks.push(name.to_owned()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return,
            Err(e) if Instant::now() > deadline => {
                return report.leftovers.push(Leftover {
                    kind: ObjectKind::Network,
                    name: name.to_owned(),
                    error: map_error(p.manager.host(), "remove network", name, e).to_string(),
                    command: format!("docker -H {} network rm {name}", p.manager.host()),
                })
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Stopped task containers, volumes and files images the testnet left on one host.
async fn host_leftovers(host: &super::hosts::Host, testnet: &str, report: &mut TeardownReport) {
    let endpoint = host.endpoint.clone().unwrap_or_else(|| host.name.clone());
    let engine = match host.engine().await {
        Ok(engine) => engine,
        Err(e) => {
            return report.leftovers.push(Leftover {
                kind: ObjectKind::Container,
                name: format!("host {}", host.name),
                error: format!("its engine does not answer ({e}); what the testnet left there stays until it does"),
                command: format!("testnet down {testnet} (again, once host {} is back)", host.name),
            })
        }
    };
    let client = engine.client();
    let filters = label_filter(Some(testnet));
    // Containers of removed tasks go with their service; wait briefly for stragglers.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let options = bollard::query_parameters::ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        };
        let left = client.list_containers(Some(options)).await.unwrap_or_default();
        if left.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            for c in left {
                let id = c.id.unwrap_or_default();
                let forced = RemoveContainerOptions { force: true, v: true, ..Default::default() };
                if let Err(e) = client.remove_container(&id, Some(forced)).await {
                    report.leftovers.push(Leftover {
                        kind: ObjectKind::Container,
                        name: format!("{id} on {}", host.name),
                        error: e.to_string(),
                        command: format!("docker -H {endpoint} rm -f {id}"),
                    });
                }
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let volumes = client
        .list_volumes(Some(ListVolumesOptions { filters: Some(filters.clone()) }))
        .await
        .ok()
        .and_then(|v| v.volumes)
        .unwrap_or_default();
    for volume in volumes {
        match client.remove_volume(&volume.name, None::<bollard::query_parameters::RemoveVolumeOptions>).await {
            Ok(()) => report.volumes.push(format!("{} on {}", volume.name, host.name)),
            Err(e) => report.leftovers.push(Leftover {
                kind: ObjectKind::Volume,
                name: format!("{} on {}", volume.name, host.name),
                error: e.to_string(),
                command: format!("docker -H {endpoint} volume rm {}", volume.name),
            }),
        }
    }
    let images = client
        .list_images(Some(ListImagesOptions { filters: Some(filters), ..Default::default() }))
        .await
        .unwrap_or_default();
    for image in images {
        let options = RemoveImageOptions { force: true, ..Default::default() };
        if let Err(e) = client.remove_image(&image.id, Some(options), None).await {
            report.leftovers.push(Leftover {
                kind: ObjectKind::Image,
                name: format!("image {} on {}", image.id, host.name),
                error: e.to_string(),
                command: format!("docker -H {endpoint} rmi -f {}", image.id),
            });
        }
    }
}

/// Everything labelled with the testnet anywhere in the swarm: services and overlays on the
/// manager, containers, volumes and images on every host (`host: kind name` lines).
pub(super) async fn remaining(p: &SwarmProvider, testnet: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let manager = p.manager.client();
    let err = |e| map_error(p.manager.host(), "list", testnet, e);
    let filters = label_filter(Some(testnet));
    let options = ListServicesOptions { filters: Some(filters.clone()), ..Default::default() };
    for s in manager.list_services(Some(options)).await.map_err(err)? {
        out.push(format!("manager: service {}", s.spec.and_then(|s| s.name).unwrap_or_default()));
    }
    let networks =
        manager.list_networks(Some(ListNetworksOptions { filters: Some(filters.clone()) })).await.map_err(err)?;
    out.extend(networks.into_iter().map(|n| format!("manager: network {}", n.name.unwrap_or_default())));
    for host in p.hosts.all() {
        let engine = host.engine().await?;
        let client = engine.client();
        let err = |e| map_error(engine.host(), "list", testnet, e);
        let options = bollard::query_parameters::ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        };
        for c in client.list_containers(Some(options)).await.map_err(err)? {
            out.push(format!("{}: container {}", host.name, c.id.unwrap_or_default()));
        }
        let volumes =
            client.list_volumes(Some(ListVolumesOptions { filters: Some(filters.clone()) })).await.map_err(err)?;
        for v in volumes.volumes.unwrap_or_default() {
            out.push(format!("{}: volume {}", host.name, v.name));
        }
        let images = client
            .list_images(Some(ListImagesOptions { filters: Some(filters.clone()), ..Default::default() }))
            .await
            .map_err(err)?;
        out.extend(images.into_iter().map(|i| format!("{}: image {}", host.name, i.id)));
    }
    Ok(out)
}

//! Container life cycle: create (with files uploaded before start), start, stop, signals,
//! pause, restart, remove.

use std::collections::HashMap;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, KillContainerOptionsBuilder, RemoveContainerOptionsBuilder,
    RestartContainerOptionsBuilder, StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};

use super::DockerProvider;
use crate::image::context::upload_tar;
use crate::provider::error::check_name;
use crate::provider::{ContainerRef, ContainerSpec, ProviderError, Result, LABEL_KIND, LABEL_NODE, LABEL_TESTNET};

/// Create the container of `spec` and place its files; on a failed upload the container is
/// removed again so no half-made node is left behind.
pub(super) async fn create(p: &DockerProvider, spec: &ContainerSpec) -> Result<ContainerRef> {
    check_name("testnet name", &spec.testnet, false)?;
    check_name("node name", &spec.node, true)?;
    if spec.kind.is_empty() {
        return Err(ProviderError::Invalid {
            what: "node kind",
            message: format!("node {} has an empty kind: give `validator`, `compute`, `store`, ...", spec.node),
        });
    }
    let name = spec.container_name();
    let created = p
        .docker
        .create_container(Some(CreateContainerOptionsBuilder::default().name(&name).build()), create_body(spec))
        .await
        .map_err(|e| create_error(p, spec, &name, e))?;
    let container = ContainerRef { id: created.id, name, testnet: spec.testnet.clone(), node: spec.node.clone() };
    if let Err(e) = prepare(p, &container, spec).await {
        // Best effort: the first error is the one worth reporting.
        let _ = remove(p, &container).await;
        return Err(e);
    }
    Ok(container)
}

/// What a created container needs before it starts: its other networks (the create request
/// names only the first, which every engine version accepts) and its files.
async fn prepare(p: &DockerProvider, container: &ContainerRef, spec: &ContainerSpec) -> Result<()> {
    for net in spec.networks.iter().skip(1) {
        super::network::connect(p, container, net).await?;
    }
    if !spec.files.is_empty() {
        upload(p, container, spec).await?;
    }
    Ok(())
}

/// The engine's create request for `spec`.
fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let mut labels: HashMap<String, String> = spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    labels.insert(LABEL_TESTNET.to_owned(), spec.testnet.clone());
    labels.insert(LABEL_NODE.to_owned(), spec.node.clone());
    labels.insert(LABEL_KIND.to_owned(), spec.kind.clone());

    let port_bindings = spec
        .publish
        .iter()
        .map(|publish| {
            // An empty host port asks the engine for a free ephemeral one.
            let host_port = match publish.host_port {
                0 => String::new(),
                port => port.to_string(),
            };
            let binding = PortBinding { host_ip: Some("127.0.0.1".to_owned()), host_port: Some(host_port) };
            (format!("{}/tcp", publish.container_port), Some(vec![binding]))
        })
        .collect::<HashMap<_, _>>();

    let host_config = HostConfig {
        memory: spec.memory_limit.map(|m| i64::try_from(m).unwrap_or(i64::MAX)),
        restart_policy: Some(RestartPolicy { name: Some(RestartPolicyNameEnum::NO), maximum_retry_count: None }),
        port_bindings: Some(port_bindings.clone()),
        network_mode: spec.networks.first().map(|n| n.name.clone()),
        ..Default::default()
    };
    let networking_config = spec.networks.first().map(|net| NetworkingConfig {
        endpoints_config: Some(HashMap::from([(
            net.name.clone(),
            EndpointSettings { aliases: Some(vec![spec.node.clone()]), ..Default::default() },
        )])),
    });
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        entrypoint: spec.entrypoint.clone(),
        cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        labels: Some(labels),
        exposed_ports: Some(port_bindings.into_keys().collect()),
        host_config: Some(host_config),
        networking_config,
        ..Default::default()
    }
}

/// A missing image or network is the common cause of a failed create: say which.
fn create_error(p: &DockerProvider, spec: &ContainerSpec, name: &str, e: BollardError) -> ProviderError {
    if let BollardError::DockerResponseServerError { status_code: 404, message } = &e {
        if message.contains("image") {
            return ProviderError::ImageNotFound { image: spec.image.clone() };
        }
        if let Some(net) = spec.networks.first() {
            return ProviderError::NotFound { operation: "attach container to network", object: net.name.clone() };
        }
    }
    p.err("create container", name, e)
}

/// Upload the spec's files as one tar extracted at `/` (the engine creates parent
/// directories), through the archive API rather than bind mounts so remote engines work.
async fn upload(p: &DockerProvider, c: &ContainerRef, spec: &ContainerSpec) -> Result<()> {
    let files = spec.files.clone();
    let tar = tokio::task::spawn_blocking(move || upload_tar(&files)).await.map_err(|e| ProviderError::Engine {
        operation: "assemble upload",
        object: c.name.clone(),
        message: e.to_string(),
    })??;
    let options = UploadToContainerOptionsBuilder::default().path("/").build();
    p.docker
        .upload_to_container(&c.name, Some(options), bollard::body_full(tar.into()))
        .await
        .map_err(|e| p.err("upload files to container", &c.name, e))
}

/// Start the container.
pub(super) async fn start(p: &DockerProvider, c: &ContainerRef) -> Result<()> {
    p.docker.start_container(&c.name, None).await.map_err(|e| p.err("start container", &c.name, e))
}

/// Engine timeouts are whole seconds; round up so a short timeout never becomes 0 (kill).
fn secs(timeout: Duration) -> i32 {
    let rounded = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    i32::try_from(rounded).unwrap_or(i32::MAX)
}

/// Stop: SIGTERM, then SIGKILL after `timeout`.
pub(super) async fn stop(p: &DockerProvider, c: &ContainerRef, timeout: Duration) -> Result<()> {
    let options = StopContainerOptionsBuilder::default().t(secs(timeout)).build();
    p.docker.stop_container(&c.name, Some(options)).await.map_err(|e| p.err("stop container", &c.name, e))
}

/// Send `signal`.
pub(super) async fn kill(p: &DockerProvider, c: &ContainerRef, signal: &str) -> Result<()> {
    let options = KillContainerOptionsBuilder::default().signal(signal).build();
    p.docker.kill_container(&c.name, Some(options)).await.map_err(|e| p.err("kill container", &c.name, e))
}

/// Freeze.
pub(super) async fn pause(p: &DockerProvider, c: &ContainerRef) -> Result<()> {
    p.docker.pause_container(&c.name).await.map_err(|e| p.err("pause container", &c.name, e))
}

/// Thaw.
pub(super) async fn unpause(p: &DockerProvider, c: &ContainerRef) -> Result<()> {
    p.docker.unpause_container(&c.name).await.map_err(|e| p.err("unpause container", &c.name, e))
}

/// Stop with `timeout`, then start.
pub(super) async fn restart(p: &DockerProvider, c: &ContainerRef, timeout: Duration) -> Result<()> {
    let options = RestartContainerOptionsBuilder::default().t(secs(timeout)).build();
    p.docker.restart_container(&c.name, Some(options)).await.map_err(|e| p.err("restart container", &c.name, e))
}

/// Remove, killing it first when running, with its anonymous volumes.
pub(super) async fn remove(p: &DockerProvider, c: &ContainerRef) -> Result<()> {
    remove_by_name(p, &c.name).await
}

/// Remove a container by name or id (teardown works from listings, not refs).
pub(super) async fn remove_by_name(p: &DockerProvider, name: &str) -> Result<()> {
    let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
    p.docker.remove_container(name, Some(options)).await.map_err(|e| p.err("remove container", name, e))
}

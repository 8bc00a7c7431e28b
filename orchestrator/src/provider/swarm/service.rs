//! A node as a one-replica service: created at zero replicas (the `create` of the trait),
//! started by scaling to one or, after its task died, by forcing a new task; observed through
//! its newest task and the container that task runs on its host.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum, EndpointSpec,
    EndpointSpecModeEnum, Limit, Mount, MountType, MountVolumeOptions, NetworkAttachmentConfig, ServiceSpec,
    ServiceSpecMode, ServiceSpecModeReplicated, Task, TaskSpec, TaskSpecContainerSpec, TaskSpecPlacement,
    TaskSpecResources, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum, TaskState,
};
use bollard::query_parameters::{ListTasksOptions, UpdateServiceOptions};
use futures::StreamExt;

use super::files::node_image;
use super::hosts::Host;
use super::SwarmProvider;
use crate::provider::docker::map_error;
use crate::provider::error::check_name;
use crate::provider::{
    ContainerRef, ContainerSpec, ContainerState, ContainerStatus, LogStream, Provider, ProviderError, Result,
    LABEL_KIND, LABEL_NODE, LABEL_TESTNET,
};

/// How long `start` waits for a task to run, and `stop` for it to end.
const SETTLE: Duration = Duration::from_secs(120);

/// Create the node's service at zero replicas, its files baked into an image on its hosts.
pub(super) async fn create(p: &SwarmProvider, spec: &ContainerSpec) -> Result<ContainerRef> {
    check_name("testnet name", &spec.testnet, false)?;
    check_name("node name", &spec.node, true)?;
    // Validators and the store keep their host (their data lives there); the store sits on
    // the first host, validators take the hosts in turn.
    let pin = match spec.kind.as_str() {
        "validator" => {
            // Validators are created in topology order (`create_many` starts each creation,
            // up to here, in input order), so the count is the validator's index.
            let mut placed = p.spread.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = placed.entry(spec.testnet.clone()).or_insert(0);
            *slot += 1;
            Some(*slot - 1)
        }
        "store" => Some(0),
        _ => None,
    };
    let (hosts, constraints) = p.hosts.place(&spec.placement, pin)?;
    let image = node_image(spec, &hosts).await?;
    let name = spec.container_name();
    let created = p
        .manager
        .client()
        .create_service(service_spec(spec, &name, image, constraints), None)
        .await
        .map_err(|e| map_error(p.manager.host(), "create service", &name, e))?;
    Ok(ContainerRef {
        id: created.id.unwrap_or_default(),
        name,
        testnet: spec.testnet.clone(),
        node: spec.node.clone(),
    })
}

fn service_spec(spec: &ContainerSpec, name: &str, image: String, constraints: Vec<String>) -> ServiceSpec {
    let mut labels: HashMap<String, String> = spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    labels.insert(LABEL_TESTNET.to_owned(), spec.testnet.clone());
    labels.insert(LABEL_NODE.to_owned(), spec.node.clone());
    labels.insert(LABEL_KIND.to_owned(), spec.kind.clone());
    let volume = Mount {
        target: Some("/data".to_owned()),
        source: Some(name.to_owned()),
        typ: Some(MountType::VOLUME),
        volume_options: Some(MountVolumeOptions {
            labels: Some(HashMap::from([(LABEL_TESTNET.to_owned(), spec.testnet.clone())])),
            ..Default::default()
        }),
        ..Default::default()
    };
    let container = TaskSpecContainerSpec {
        image: Some(image),
        labels: Some(labels.clone()),
        command: spec.entrypoint.clone(),
        args: Some(spec.cmd.clone()),
        hostname: Some(spec.node.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        // A node's data outlives its task, as a container's does across restarts.
        mounts: Some(vec![volume]),
        stop_grace_period: Some(10_000_000_000),
        ..Default::default()
    };
    let ports = spec
        .publish
        .iter()
        .map(|p| EndpointPortConfig {
            protocol: Some(EndpointPortConfigProtocolEnum::TCP),
            target_port: Some(i64::from(p.container_port)),
            published_port: (p.host_port != 0).then_some(i64::from(p.host_port)),
            publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
            ..Default::default()
        })
        .collect();
    ServiceSpec {
        name: Some(name.to_owned()),
        labels: Some(labels),
        task_template: Some(TaskSpec {
            container_spec: Some(container),
            resources: spec.memory_limit.map(|m| TaskSpecResources {
                limits: Some(Limit { memory_bytes: Some(i64::try_from(m).unwrap_or(i64::MAX)), ..Default::default() }),
                ..Default::default()
            }),
            // Faults decide when a node comes back, as `restart: no` does on one engine.
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
                ..Default::default()
            }),
            placement: Some(TaskSpecPlacement { constraints: Some(constraints), ..Default::default() }),
            networks: Some(
                spec.networks
                    .iter()
                    .map(|n| NetworkAttachmentConfig {
                        target: Some(n.name.clone()),
                        aliases: Some(vec![spec.node.clone()]),
                        ..Default::default()
                    })
                    .collect(),
            ),
            force_update: Some(0),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated { replicas: Some(0) }),
            ..Default::default()
        }),
        // No IPVS in these kernels: DNS round-robin instead of virtual IPs; ports on the host.
        endpoint_spec: Some(EndpointSpec { mode: Some(EndpointSpecModeEnum::DNSRR), ports: Some(ports) }),
        ..Default::default()
    }
}

/// Scale to one replica, or force a fresh task when one replica is asked for but none runs;
/// returns once the task runs (or says why it could not).
pub(super) async fn start(p: &SwarmProvider, c: &ContainerRef) -> Result<()> {
    let before = newest_task(p, c).await?.and_then(|t| t.id);
    update(p, c, |spec| {
        let replicated = spec.mode.get_or_insert_with(Default::default).replicated.get_or_insert_with(Default::default);
        if replicated.replicas == Some(1) {
            let template = spec.task_template.get_or_insert_with(Default::default);
            template.force_update = Some(template.force_update.unwrap_or(0) + 1);
        }
        replicated.replicas = Some(1);
    })
    .await?;
    let deadline = Instant::now() + SETTLE;
    loop {
        if let Some(task) = newest_task(p, c).await?.filter(|t| t.id != before) {
            let status = task.status.clone().unwrap_or_default();
            match status.state {
                Some(TaskState::RUNNING) => return Ok(()),
                Some(TaskState::FAILED | TaskState::REJECTED | TaskState::ORPHANED | TaskState::COMPLETE) => {
                    return Err(ProviderError::Conflict {
                        operation: "start",
                        object: c.name.clone(),
                        message: format!(
                            "its task ended at once: {}",
                            status.err.or(status.message).unwrap_or_else(|| "no reason given".to_owned())
                        ),
                        fix: format!("read its log with `testnet logs {}`", c.node),
                    });
                }
                _ => {}
            }
        }
        if Instant::now() > deadline {
            return Err(ProviderError::Conflict {
                operation: "start",
                object: c.name.clone(),
                message: format!("no task of it ran within {} s", SETTLE.as_secs()),
                fix: "check `docker service ps` on the manager: a placement no Ready host satisfies leaves it pending"
                    .to_owned(),
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Scale to zero and wait for the task to end (the engine sends SIGTERM, then SIGKILL after
/// `timeout`).
pub(super) async fn stop(p: &SwarmProvider, c: &ContainerRef, timeout: Duration) -> Result<()> {
    let grace = i64::try_from(timeout.as_nanos()).unwrap_or(i64::MAX);
    update(p, c, |spec| {
        spec.mode.get_or_insert_with(Default::default).replicated.get_or_insert_with(Default::default).replicas =
            Some(0);
        let template = spec.task_template.get_or_insert_with(Default::default);
        template.container_spec.get_or_insert_with(Default::default).stop_grace_period = Some(grace);
    })
    .await?;
    let deadline = Instant::now() + timeout + SETTLE;
    while Instant::now() < deadline {
        let running = newest_task(p, c).await?.is_some_and(|t| is_live(&t));
        if !running {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(ProviderError::Conflict {
        operation: "stop",
        object: c.name.clone(),
        message: "its task still runs".to_owned(),
        fix: "check its host with `docker node ls` on the manager".to_owned(),
    })
}

/// Remove the service (its task's container goes with it).
pub(super) async fn remove(p: &SwarmProvider, c: &ContainerRef) -> Result<()> {
    p.manager
        .client()
        .delete_service(&c.name)
        .await
        .map_err(|e| map_error(p.manager.host(), "remove service", &c.name, e))
}

/// The newest task's state; ports are the host-mode ports on its host's address.
pub(super) async fn inspect(p: &SwarmProvider, c: &ContainerRef) -> Result<ContainerState> {
    let Some(task) = newest_task(p, c).await? else {
        return Ok(ContainerState {
            status: ContainerStatus::Created,
            exit_code: None,
            oom_killed: false,
            ports: Default::default(),
            started_at: None,
        });
    };
    let status = task.status.clone().unwrap_or_default();
    let exit_code = status.container_status.as_ref().and_then(|s| s.exit_code);
    let state = status.state.unwrap_or(TaskState::NEW);
    // A task on a host that lost its power still reads RUNNING until the swarm notices, and
    // its host does not answer: that node is reported exited, the listing goes on.
    let on_host = match (runs(&task), located(p, &task)) {
        (true, Some((host, container))) => match host.engine().await {
            Ok(engine) => match engine.inspect(&container).await {
                Ok(inner) => Some((host.clone(), inner)),
                Err(ProviderError::EngineUnreachable { .. }) => None,
                Err(e) => return Err(e),
            },
            Err(_) => None,
        },
        _ => None,
    };
    let state = if on_host.is_none() && state == TaskState::RUNNING { TaskState::SHUTDOWN } else { state };
    Ok(match on_host {
        Some((host, mut inner)) => {
            if let Some(addr) = host.addr {
                inner.ports = inner.ports.into_iter().map(|(k, v)| (k, SocketAddr::new(addr, v.port()))).collect();
            }
            inner
        }
        None => ContainerState {
            status: task_status(state),
            exit_code: if is_live(&task) { None } else { exit_code },
            oom_killed: false,
            ports: Default::default(),
            started_at: None,
        },
    })
}

/// The host running the node's newest task and that task's container, for operations on the
/// running process.
pub(super) async fn running_on(p: &SwarmProvider, c: &ContainerRef) -> Result<(Arc<Host>, ContainerRef)> {
    let task = newest_task(p, c).await?;
    match task.as_ref().and_then(|t| located(p, t)) {
        Some((host, container)) => {
            host.engine().await?;
            Ok((host.clone(), container))
        }
        None => Err(ProviderError::NotFound { operation: "find the task of", object: c.name.clone() }),
    }
}

/// The log of the node's newest task's container.
pub(super) fn logs(p: &SwarmProvider, c: ContainerRef, follow: bool, tail: Option<usize>) -> LogStream {
    let manager = p.manager.client().clone();
    let manager_host = p.manager.host().to_owned();
    let hosts = p.hosts.clone();
    let resolve = async move {
        let tasks = tasks_of(&manager, &manager_host, &c.name).await?;
        let task =
            newest(tasks).ok_or_else(|| ProviderError::NotFound { operation: "logs of", object: c.name.clone() })?;
        let host = task.node_id.as_deref().and_then(|id| hosts.by_id(id)).cloned();
        let container = container_of(&task, &c);
        match (host, container) {
            (Some(host), Some(container)) => Ok(host.engine().await?.logs(&container, follow, tail)),
            _ => Err(ProviderError::NotFound { operation: "logs of", object: c.name.clone() }),
        }
    };
    futures::stream::once(resolve)
        .flat_map(|r| match r {
            Ok(stream) => stream,
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        })
        .boxed()
}

/// Task state as the container status the rest of the orchestrator knows.
pub(super) fn task_status(state: TaskState) -> ContainerStatus {
    match state {
        TaskState::RUNNING => ContainerStatus::Running,
        TaskState::COMPLETE | TaskState::SHUTDOWN | TaskState::FAILED | TaskState::REJECTED | TaskState::ORPHANED => {
            ContainerStatus::Exited
        }
        TaskState::REMOVE => ContainerStatus::Removing,
        _ => ContainerStatus::Created,
    }
}

fn is_live(task: &Task) -> bool {
    task_status(task.status.as_ref().and_then(|s| s.state).unwrap_or(TaskState::NEW)) != ContainerStatus::Exited
}

fn located<'a>(p: &'a SwarmProvider, task: &Task) -> Option<(&'a Arc<Host>, ContainerRef)> {
    let host = p.hosts.by_id(task.node_id.as_deref()?)?;
    let node = ContainerRef { id: String::new(), name: String::new(), testnet: String::new(), node: String::new() };
    Some((host, container_of(task, &node)?))
}

/// The task's container on its host, named by id (the engine accepts either).
pub(super) fn container_of(task: &Task, service: &ContainerRef) -> Option<ContainerRef> {
    let id = task.status.as_ref()?.container_status.as_ref()?.container_id.clone().filter(|id| !id.is_empty())?;
    Some(ContainerRef { name: id.clone(), id, testnet: service.testnet.clone(), node: service.node.clone() })
}

pub(super) async fn newest_task(p: &SwarmProvider, c: &ContainerRef) -> Result<Option<Task>> {
    Ok(newest(tasks_of(p.manager.client(), p.manager.host(), &c.name).await?))
}

async fn tasks_of(manager: &bollard::Docker, host: &str, service: &str) -> Result<Vec<Task>> {
    let filters = HashMap::from([("service".to_owned(), vec![service.to_owned()])]);
    manager
        .list_tasks(Some(ListTasksOptions { filters: Some(filters) }))
        .await
        .map_err(|e| map_error(host, "list tasks of", service, e))
}

/// The task created last.
pub(super) fn newest(tasks: Vec<Task>) -> Option<Task> {
    tasks.into_iter().max_by_key(|t| sortable_time(t.created_at.as_deref().unwrap_or_default()))
}

/// An RFC 3339 time of the engine's clock as text that sorts in time order: the engine drops
/// trailing zeros of the fraction (`…:05Z`, `…:05.3Z`), so the fraction is padded to 9 digits.
fn sortable_time(time: &str) -> String {
    let time = time.trim_end_matches('Z');
    let (seconds, fraction) = time.split_once('.').unwrap_or((time, ""));
    format!("{seconds}.{fraction:0<9}")
}

/// Whether the swarm still wants the task to run and it reports running.
pub(super) fn runs(task: &Task) -> bool {
    task.desired_state == Some(TaskState::RUNNING)
        && task.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING)
}

/// Read-modify-write of a service spec at its current version.
async fn update(p: &SwarmProvider, c: &ContainerRef, change: impl Fn(&mut ServiceSpec)) -> Result<()> {
    let client = p.manager.client();
    let err = |e| map_error(p.manager.host(), "update service", &c.name, e);
    // The swarm updates a new service itself (its endpoint is allocated after creation), so an
    // update may come out of sequence: read the spec again and retry.
    let mut attempt = 0;
    loop {
        let service = client.inspect_service(&c.name, None).await.map_err(err)?;
        let version = service.version.and_then(|v| v.index).unwrap_or(0);
        let mut spec = service.spec.unwrap_or_default();
        change(&mut spec);
        let options =
            UpdateServiceOptions { version: i32::try_from(version).unwrap_or(i32::MAX), ..Default::default() };
        match client.update_service(&c.name, spec, options, None).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < 10 && e.to_string().contains("out of sequence") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
            }
            Err(e) => return Err(err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(created_at: &str) -> Task {
        Task { id: Some(created_at.to_owned()), created_at: Some(created_at.to_owned()), ..Default::default() }
    }

    #[test]
    fn the_newest_task_wins_within_one_second_though_the_engine_trims_zeros() {
        // As text, `05Z` sorts after `05.3Z` and `05.12Z` after `05.123Z`.
        let tasks = vec![task("2026-11-28T05:00:05Z"), task("2026-11-28T05:00:05.3Z"), task("2026-11-28T05:00:04.9Z")];
        assert_eq!(newest(tasks).and_then(|t| t.id).as_deref(), Some("2026-11-28T05:00:05.3Z"));
        let tasks = vec![task("2026-11-28T05:00:05.123Z"), task("2026-11-28T05:00:05.12Z")];
        assert_eq!(newest(tasks).and_then(|t| t.id).as_deref(), Some("2026-11-28T05:00:05.123Z"));
    }
}

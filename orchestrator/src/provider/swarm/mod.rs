//! [`Provider`] on a Docker Swarm: a testnet spread over several engine hosts.
//!
//! Each node of the testnet is a one-replica service (`crt_<testnet>_<node>`) on an overlay
//! network, with DNS round-robin endpoints (no IPVS needed) and ports published in host mode on
//! the host that runs it. There is no registry: [`Provider::stage_images`] copies the locally
//! built images to every host that lacks them, and a node's files (chain spec, keys, fleet file)
//! become one more image layer built on the hosts that may run it, since a service's container
//! cannot be written to before it starts. What happens to a running container (signals,
//! pause, logs, stats) goes to the engine of the host that runs its task; each host's engine
//! endpoint comes from the node label `io.cr-testnet.endpoint`, as `ci/swarm-lab.sh` sets it.

mod files;
mod hosts;
mod power;
mod service;
mod teardown;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;

use super::{
    Capabilities, Capability, ContainerInfo, ContainerRef, ContainerSpec, ContainerState, DockerProvider, LogStream,
    NetworkRef, Provider, ProviderError, ResourceUse, Result, TeardownReport, SWARM_MANAGER_ENV,
};
use crate::image::ImageRef;
use hosts::Hosts;

/// What to do when the manager does not answer.
const MANAGER_FIX: &str = "check `engine.manager` in the topology (or $CR_SWARM_MANAGER) and that the swarm's \
     manager runs; on this machine `ci/swarm-lab.sh up` forms a lab swarm";

/// Node label holding a host's engine endpoint.
pub const LABEL_ENDPOINT: &str = "io.cr-testnet.endpoint";
/// Node label naming the local container that embodies a lab host (host-down/up stop it).
pub const LABEL_LAB_CONTAINER: &str = "io.cr-testnet.lab-container";

/// A swarm can signal, pause and power hosts off (lab hosts), but not cut one task off an
/// overlay: the engine refuses to detach a service's container from a swarm network.
pub fn capabilities() -> Capabilities {
    Capabilities::of([Capability::Signals, Capability::Pause, Capability::HostPower])
}

/// A Docker Swarm, reached through one manager.
pub struct SwarmProvider {
    manager: DockerProvider,
    hosts: Hosts,
    /// The engine the images were built on (and that runs lab hosts).
    local: DockerProvider,
    /// Validators placed so far, per testnet, for round-robin pinning: validator i of a
    /// testnet lands on the i-th host whatever ran before on this connection.
    spread: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    network_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SwarmProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwarmProvider").field("manager", &self.manager.host()).finish_non_exhaustive()
    }
}

impl SwarmProvider {
    /// Connect to the manager at `manager` (or `$CR_SWARM_MANAGER`) and to every host's engine.
    pub async fn connect(manager: Option<&str>, local: DockerProvider) -> Result<Self> {
        let endpoint = match manager {
            Some(m) => m.to_owned(),
            None => std::env::var(SWARM_MANAGER_ENV).ok().filter(|m| !m.is_empty()).ok_or_else(|| {
                ProviderError::Invalid {
                    what: "swarm manager",
                    message: format!(
                        "the topology names none and ${SWARM_MANAGER_ENV} is unset: set engine.manager, or \
                         export {SWARM_MANAGER_ENV} (`ci/swarm-lab.sh env` prints it for the lab)"
                    ),
                }
            })?,
        };
        let manager = DockerProvider::at(&endpoint, MANAGER_FIX).await?;
        let hosts = Hosts::discover(&manager).await?;
        Ok(Self {
            manager,
            hosts,
            local,
            spread: std::sync::Mutex::new(std::collections::HashMap::new()),
            network_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The hosts of the swarm, in name order.
    pub fn host_names(&self) -> Vec<String> {
        self.hosts.names()
    }

    /// The manager's engine.
    pub fn manager(&self) -> &DockerProvider {
        &self.manager
    }

    /// Every object labelled with `testnet` left anywhere in the swarm, one line each (`down`
    /// must leave none: the tests check it on every host).
    pub async fn remaining(&self, testnet: &str) -> Result<Vec<String>> {
        teardown::remaining(self, testnet).await
    }
}

#[async_trait]
impl Provider for SwarmProvider {
    fn runtime(&self) -> &'static str {
        "swarm"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn stage_images(&self, images: &[ImageRef]) -> Result<()> {
        files::stage(self, images).await
    }

    async fn ensure_network(&self, testnet: &str, segment: usize) -> Result<NetworkRef> {
        teardown::ensure_network(self, testnet, segment).await
    }

    fn network_capacity(&self) -> usize {
        // A /22 overlay has 1,021 addresses for tasks, less one per host for its attachment.
        1000
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<ContainerRef> {
        service::create(self, spec).await
    }

    async fn start(&self, c: &ContainerRef) -> Result<()> {
        service::start(self, c).await
    }

    async fn stop(&self, c: &ContainerRef, timeout: Duration) -> Result<()> {
        service::stop(self, c, timeout).await
    }

    async fn remove(&self, c: &ContainerRef) -> Result<()> {
        service::remove(self, c).await
    }

    async fn inspect(&self, c: &ContainerRef) -> Result<ContainerState> {
        service::inspect(self, c).await
    }

    fn logs(&self, c: &ContainerRef, follow: bool, tail: Option<usize>) -> LogStream {
        service::logs(self, c.clone(), follow, tail)
    }

    async fn save_logs(&self, c: &ContainerRef, path: &Path) -> Result<usize> {
        let (host, task) = service::running_on(self, c).await?;
        host.engine().await?.save_logs(&task, path).await
    }

    async fn stats(&self, c: &ContainerRef) -> Result<ResourceUse> {
        let (host, task) = service::running_on(self, c).await?;
        host.engine().await?.stats(&task).await
    }

    async fn list(&self, testnet: &str) -> Result<Vec<ContainerInfo>> {
        teardown::list(self, testnet).await
    }

    async fn list_testnets(&self) -> Result<Vec<String>> {
        teardown::list_testnets(self).await
    }

    async fn teardown(&self, testnet: &str) -> Result<TeardownReport> {
        teardown::teardown(self, testnet).await
    }

    async fn kill(&self, c: &ContainerRef, signal: &str) -> Result<()> {
        let (host, task) = service::running_on(self, c).await?;
        host.engine().await?.kill(&task, signal).await
    }

    async fn pause(&self, c: &ContainerRef) -> Result<()> {
        let (host, task) = service::running_on(self, c).await?;
        host.engine().await?.pause(&task).await
    }

    async fn unpause(&self, c: &ContainerRef) -> Result<()> {
        let (host, task) = service::running_on(self, c).await?;
        host.engine().await?.unpause(&task).await
    }

    async fn host_down(&self, c: &ContainerRef) -> Result<String> {
        power::down(self, c).await
    }

    async fn host_up(&self, c: &ContainerRef) -> Result<String> {
        power::up(self, c).await
    }
}

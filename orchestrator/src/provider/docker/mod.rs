//! [`Provider`] and [`ImageBuilder`] on one Docker engine, through bollard.
//!
//! Only the engine API is used (no `docker` CLI, no host bind mounts), so a remote engine
//! behind `DOCKER_HOST` works the same as the local socket.

mod container;
mod host;
mod image;
mod network;
mod observe;
mod teardown;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use bollard::errors::Error as BollardError;
use bollard::Docker;

use super::{
    Capabilities, Capability, ContainerInfo, ContainerRef, ContainerSpec, ContainerState, LogStream, NetworkRef,
    Provider, ProviderError, ResourceUse, Result, TeardownReport, LABEL_TESTNET,
};
use crate::image::{ImageBuilder, ImageRecipe, ImageRef};

/// The engine address used when `DOCKER_HOST` is unset.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What to do when no engine answers.
const UNREACHABLE_FIX: &str = "start dockerd or set DOCKER_HOST to a running engine";

/// Removals in flight during teardown (FACTS: 400 containers in ~33 s with 8 at once).
pub const TEARDOWN_PARALLELISM: usize = 8;

/// A Docker engine.
pub struct DockerProvider {
    docker: Docker,
    host: String,
    /// Serialises network creation: engines before API 1.44 do not refuse a second network
    /// with the same name, so two concurrent `ensure_network` calls could make twins.
    network_lock: tokio::sync::Mutex<()>,
    network_capacity: usize,
}

/// Containers on one bridge: the kernel's bridge takes 1,024 ports; some left for whatever
/// else joins (a debugging container, a reconnect that races a disconnect).
pub const BRIDGE_CAPACITY: usize = 1000;

impl std::fmt::Debug for DockerProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerProvider").field("host", &self.host).finish_non_exhaustive()
    }
}

impl DockerProvider {
    /// Connect to the engine named by `DOCKER_HOST` (the local socket when unset) and agree
    /// on an API version: bollard speaks a newer API than older engines accept, and
    /// negotiation lowers it to the engine's.
    pub async fn connect() -> Result<Self> {
        let host =
            std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| DEFAULT_HOST.to_owned());
        Self::at(&host, UNREACHABLE_FIX).await
    }

    /// Connect to the engine at `host` (`unix://...`, `tcp://...`); `fix` is what an
    /// unreachable-engine error tells the user to do.
    pub async fn at(host: &str, fix: &'static str) -> Result<Self> {
        let unreachable =
            |e: BollardError| ProviderError::EngineUnreachable { host: host.to_owned(), reason: error_chain(&e), fix };
        let docker =
            Docker::connect_with_host(host).map_err(unreachable)?.negotiate_version().await.map_err(unreachable)?;
        Ok(Self {
            docker,
            host: host.to_owned(),
            network_lock: tokio::sync::Mutex::new(()),
            network_capacity: BRIDGE_CAPACITY,
        })
    }

    /// Hold at most `containers` on one network: for an engine whose bridges hold fewer, and
    /// for tests that spread a few containers over several networks.
    pub fn with_network_capacity(mut self, containers: usize) -> Self {
        self.network_capacity = containers.max(1);
        self
    }

    /// The bollard client, for what the trait does not cover (tests, image housekeeping).
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    /// The engine address in use.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Turn a bollard error into a [`ProviderError`] naming the operation and the object.
    fn err(&self, operation: &'static str, object: &str, error: BollardError) -> ProviderError {
        map_error(&self.host, operation, object, error)
    }
}

/// Turn a bollard error into a [`ProviderError`]; free so streams can own what it needs.
pub(super) fn map_error(host: &str, operation: &'static str, object: &str, error: BollardError) -> ProviderError {
    let object = object.to_owned();
    let unreachable = |error: &BollardError| ProviderError::EngineUnreachable {
        host: host.to_owned(),
        reason: error_chain(error),
        fix: UNREACHABLE_FIX,
    };
    match error {
        BollardError::DockerResponseServerError { status_code, message } => match status_code {
            404 => ProviderError::NotFound { operation, object },
            409 => ProviderError::Conflict { fix: conflict_fix(operation, &object), operation, object, message },
            _ => match allocated_port(&message) {
                Some(port) => ProviderError::PortInUse { operation, object, port },
                None => ProviderError::Engine { operation, object, message },
            },
        },
        BollardError::SocketNotFoundError(_) => unreachable(&error),
        BollardError::HyperLegacyError { ref err } if err.is_connect() => unreachable(&error),
        other => ProviderError::Engine { operation, object, message: error_chain(&other) },
    }
}

/// The port in an engine message such as
/// `Bind for 127.0.0.1:8080 failed: port is already allocated` or
/// `listen tcp4 127.0.0.1:8080: bind: address already in use`.
fn allocated_port(message: &str) -> Option<u16> {
    if !message.contains("already allocated") && !message.contains("address already in use") {
        return None;
    }
    let at = message.find("127.0.0.1:")? + "127.0.0.1:".len();
    let digits: String = message[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What to do when the engine refuses an operation because of an object's state.
fn conflict_fix(operation: &str, object: &str) -> String {
    if operation.starts_with("create") {
        format!("it is left from an earlier run: remove it with `testnet down` or `docker rm -f {object}`")
    } else {
        format!("check its state with `testnet status` (or `docker inspect {object}`)")
    }
}

/// An error with its sources, one line: bollard often hides the useful part in a source.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// A network of this name that is not labelled with `testnet` is someone else's: adopting it
/// would let `teardown` delete it. `where_` says where to run the removal (` on the manager`).
pub(super) fn check_own_network(
    labels: Option<&HashMap<String, String>>,
    testnet: &str,
    name: &str,
    where_: &str,
) -> Result<()> {
    if labels.and_then(|l| l.get(LABEL_TESTNET)).is_some_and(|v| v == testnet) {
        return Ok(());
    }
    Err(ProviderError::Conflict {
        operation: "create network",
        object: name.to_owned(),
        message: format!("it exists without the label {LABEL_TESTNET}={testnet}"),
        fix: format!("remove it{where_} with `docker network rm {name}` or choose another testnet name"),
    })
}

/// Filters selecting objects of one testnet (or, with `None`, of any testnet).
pub(super) fn label_filter(testnet: Option<&str>) -> HashMap<String, Vec<String>> {
    let value = match testnet {
        Some(name) => format!("{LABEL_TESTNET}={name}"),
        None => LABEL_TESTNET.to_owned(),
    };
    HashMap::from([("label".to_owned(), vec![value])])
}

/// One engine can do everything but take itself away.
pub fn capabilities() -> Capabilities {
    Capabilities::of([Capability::Signals, Capability::Pause, Capability::NetworkIsolation])
}

#[async_trait]
impl ImageBuilder for DockerProvider {
    async fn build_image(&self, recipe: &ImageRecipe) -> Result<ImageRef> {
        image::build(self, recipe).await
    }
}

#[async_trait]
impl Provider for DockerProvider {
    fn runtime(&self) -> &'static str {
        "docker"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn ensure_network(&self, testnet: &str, segment: usize) -> Result<NetworkRef> {
        network::ensure(self, testnet, segment).await
    }

    async fn check_room(&self, containers: usize) -> Result<()> {
        host::check_neighbours(&self.host, containers)
    }

    fn network_capacity(&self) -> usize {
        self.network_capacity
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<ContainerRef> {
        container::create(self, spec).await
    }

    async fn start(&self, c: &ContainerRef) -> Result<()> {
        container::start(self, c).await
    }

    async fn stop(&self, c: &ContainerRef, timeout: Duration) -> Result<()> {
        container::stop(self, c, timeout).await
    }

    async fn kill(&self, c: &ContainerRef, signal: &str) -> Result<()> {
        container::kill(self, c, signal).await
    }

    async fn pause(&self, c: &ContainerRef) -> Result<()> {
        container::pause(self, c).await
    }

    async fn unpause(&self, c: &ContainerRef) -> Result<()> {
        container::unpause(self, c).await
    }

    async fn restart(&self, c: &ContainerRef, timeout: Duration) -> Result<()> {
        container::restart(self, c, timeout).await
    }

    async fn disconnect_network(&self, c: &ContainerRef, net: &NetworkRef) -> Result<()> {
        network::disconnect(self, c, net).await
    }

    async fn connect_network(&self, c: &ContainerRef, net: &NetworkRef) -> Result<()> {
        network::connect(self, c, net).await
    }

    async fn remove(&self, c: &ContainerRef) -> Result<()> {
        container::remove(self, c).await
    }

    async fn inspect(&self, c: &ContainerRef) -> Result<ContainerState> {
        observe::inspect(self, c).await
    }

    fn logs(&self, c: &ContainerRef, follow: bool, tail: Option<usize>) -> LogStream {
        observe::logs(self, c, follow, tail)
    }

    async fn save_logs(&self, c: &ContainerRef, path: &Path) -> Result<usize> {
        observe::save_logs(self, c, path).await
    }

    async fn stats(&self, c: &ContainerRef) -> Result<ResourceUse> {
        observe::stats(self, c).await
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
}

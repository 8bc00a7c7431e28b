//! The provider layer: the operations the orchestrator needs from a container engine, behind
//! the [`Provider`] trait. What every engine does (create, start, stop, remove, inspect, logs,
//! list by label) is required; what only some can do is a [`Capability`] the provider declares
//! in [`Provider::capabilities`], and the matching methods refuse by default. Building images
//! is not a provider's job: see [`crate::image`]. Two engines sit behind the seam:
//! [`DockerProvider`] (one engine) and [`SwarmProvider`] (a Docker Swarm of several hosts);
//! every Docker word stays in their modules.
//!
//! Every object a provider creates is scoped by a testnet name and carries
//! [`LABEL_TESTNET`], so `list` and `teardown` work from labels alone, even after a crash.

mod capability;
pub mod docker;
mod engine;
mod error;
mod files;
pub mod fleet;
pub mod swarm;

mod types;

pub use capability::{Capabilities, Capability};
pub use docker::DockerProvider;
pub use engine::{Engine, EngineChoice, SWARM_MANAGER_ENV};
pub use error::ProviderError;
pub use files::*;
pub use fleet::{create_many, start_many, DEFAULT_PARALLELISM};
pub use swarm::SwarmProvider;

pub use types::*;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;

/// Result type of every provider operation.
pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

/// A stream of log lines; it ends when the container's output ends (or never, when following
/// a running container, until it is dropped).
pub type LogStream = BoxStream<'static, Result<LogLine>>;

/// Label carrying the testnet name; present on every container, network and volume.
pub const LABEL_TESTNET: &str = "io.cr-testnet.testnet";
/// Label carrying the node name (containers only).
pub const LABEL_NODE: &str = "io.cr-testnet.node";
/// Label carrying the node kind: `validator`, `compute`, `store`, ... (containers only).
pub const LABEL_KIND: &str = "io.cr-testnet.kind";
/// Label on built images: Blake2-256 of the recipe, used to skip identical rebuilds.
pub const LABEL_CONTENT_HASH: &str = "io.cr-testnet.content-hash";

/// Name of one network of a testnet: segment 0 is `crt-<testnet>`, segment `k` is
/// `crt-<testnet>_<k>` (`_` is not allowed in testnet names, so no testnet's first network
/// can take another's segment name).
pub fn network_name(testnet: &str, segment: usize) -> String {
    match segment {
        0 => format!("crt-{testnet}"),
        k => format!("crt-{testnet}_{k}"),
    }
}

/// Name of a node's container: `crt_<testnet>_<node>`.
///
/// Underscores separate the parts because neither name may contain one, so the name is
/// unambiguous: with `-` as separator, testnet `a-b` + node `c` and testnet `a` + node `b-c`
/// would both be `crt-a-b-c`.
pub fn container_name(testnet: &str, node: &str) -> String {
    format!("crt_{testnet}_{node}")
}

/// A container engine able to run a testnet. Object-safe so callers hold `Box<dyn Provider>`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Short name of the engine, for messages (`docker`, `swarm`).
    fn runtime(&self) -> &'static str;

    /// The optional powers this engine has; the methods of the others refuse.
    fn capabilities(&self) -> Capabilities;

    /// Put the images a builder made where this engine runs containers (for an engine of
    /// several hosts: on every host that lacks them). Nothing to do for a single engine.
    async fn stage_images(&self, _images: &[crate::image::ImageRef]) -> Result<()> {
        Ok(())
    }

    /// Create network `segment` of the testnet if it does not exist; idempotent. A testnet
    /// whose containers outgrow [`Provider::network_capacity`] spreads over several.
    async fn ensure_network(&self, testnet: &str, segment: usize) -> Result<NetworkRef>;

    /// The most containers one network holds (a Linux bridge takes 1,024 ports; an overlay
    /// /22 as many addresses).
    fn network_capacity(&self) -> usize;

    /// Refuse, before anything is created, a testnet of `containers` that the machines under
    /// this engine cannot hold (a kernel table it would overflow); the error names what to
    /// raise. Nothing to check unless an engine knows of such a limit.
    async fn check_room(&self, _containers: usize) -> Result<()> {
        Ok(())
    }

    /// Create (not start) a container, with its files already in place.
    async fn create_container(&self, spec: &ContainerSpec) -> Result<ContainerRef>;

    /// Start a created or stopped container.
    async fn start(&self, container: &ContainerRef) -> Result<()>;

    /// Send SIGTERM, then SIGKILL once `timeout` has passed.
    async fn stop(&self, container: &ContainerRef, timeout: Duration) -> Result<()>;

    /// Stop (with `timeout`) and start again.
    async fn restart(&self, container: &ContainerRef, timeout: Duration) -> Result<()> {
        self.stop(container, timeout).await?;
        self.start(container).await
    }

    /// Remove the container (forced: a running one is killed first).
    async fn remove(&self, container: &ContainerRef) -> Result<()>;

    /// Current state: status, exit code, published ports, start time.
    async fn inspect(&self, container: &ContainerRef) -> Result<ContainerState>;

    /// Stdout and stderr as lines; `tail` limits the history to the last lines.
    fn logs(&self, container: &ContainerRef, follow: bool, tail: Option<usize>) -> LogStream;

    /// Write the whole log (stdout and stderr) to `path`; returns the number of lines.
    async fn save_logs(&self, container: &ContainerRef, path: &Path) -> Result<usize>;

    /// One sample of CPU and memory use.
    async fn stats(&self, container: &ContainerRef) -> Result<ResourceUse>;

    /// Every container of a testnet, found by label.
    async fn list(&self, testnet: &str) -> Result<Vec<ContainerInfo>>;

    /// Names of every testnet that has at least one labelled object.
    async fn list_testnets(&self) -> Result<Vec<String>>;

    /// Remove every container, network and volume labelled with the testnet; never stops at
    /// the first failure, and reports what remains with the command to remove it.
    async fn teardown(&self, testnet: &str) -> Result<TeardownReport>;

    /// [`Capability::Signals`]: send a signal (`SIGKILL`, `SIGTERM`, ...).
    async fn kill(&self, container: &ContainerRef, _signal: &str) -> Result<()> {
        Err(self.unsupported("kill", &container.name, Capability::Signals))
    }

    /// [`Capability::Pause`]: freeze every process (it stays on the network, never answers).
    async fn pause(&self, container: &ContainerRef) -> Result<()> {
        Err(self.unsupported("pause", &container.name, Capability::Pause))
    }

    /// [`Capability::Pause`]: thaw a paused container.
    async fn unpause(&self, container: &ContainerRef) -> Result<()> {
        Err(self.unsupported("unpause", &container.name, Capability::Pause))
    }

    /// [`Capability::NetworkIsolation`]: detach from a network; peers can no longer reach it.
    async fn disconnect_network(&self, container: &ContainerRef, _network: &NetworkRef) -> Result<()> {
        Err(self.unsupported("disconnect", &container.name, Capability::NetworkIsolation))
    }

    /// [`Capability::NetworkIsolation`]: attach again, under its node name as DNS alias.
    async fn connect_network(&self, container: &ContainerRef, _network: &NetworkRef) -> Result<()> {
        Err(self.unsupported("reconnect", &container.name, Capability::NetworkIsolation))
    }

    /// [`Capability::HostPower`]: take the engine host that runs `container` away, with every
    /// node on it; returns the host's name.
    async fn host_down(&self, container: &ContainerRef) -> Result<String> {
        Err(self.unsupported("host-down", &container.name, Capability::HostPower))
    }

    /// [`Capability::HostPower`]: bring back every host `host_down` took away.
    async fn host_up(&self, container: &ContainerRef) -> Result<String> {
        Err(self.unsupported("host-up", &container.name, Capability::HostPower))
    }

    /// The refusal of an operation this engine cannot do.
    fn unsupported(&self, operation: &'static str, object: &str, capability: Capability) -> ProviderError {
        ProviderError::Unsupported {
            operation,
            object: object.to_owned(),
            runtime: self.runtime(),
            capability,
            fix: format!(
                "this engine offers {}; drop the fault or run the scenario on another engine",
                self.capabilities()
            ),
        }
    }
}

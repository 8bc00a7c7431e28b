//! The provider layer: the small set of operations the orchestrator needs from a container
//! runtime, behind the [`Provider`] trait. Docker ([`DockerProvider`]) is the one
//! implementation today; the surface is kept runtime-neutral (names, labels, files uploaded
//! before start, no host bind mounts) so a Kubernetes provider could sit behind it later.
//!
//! Every object a provider creates is scoped by a testnet name and carries
//! [`LABEL_TESTNET`], so `list` and `teardown` work from labels alone, even after a crash.

pub mod context;
pub mod docker;
mod error;
pub mod fleet;
mod recipe;
mod types;

pub use docker::DockerProvider;
pub use error::ProviderError;
pub use fleet::{create_many, start_many, DEFAULT_PARALLELISM};
pub use recipe::*;
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

/// Name of the one network of a testnet.
pub fn network_name(testnet: &str) -> String {
    format!("crt-{testnet}")
}

/// Name of a node's container: `crt_<testnet>_<node>`.
///
/// Underscores separate the parts because neither name may contain one, so the name is
/// unambiguous: with `-` as separator, testnet `a-b` + node `c` and testnet `a` + node `b-c`
/// would both be `crt-a-b-c`.
pub fn container_name(testnet: &str, node: &str) -> String {
    format!("crt_{testnet}_{node}")
}

/// A container runtime able to run a testnet. Object-safe so callers hold `Box<dyn Provider>`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Short name of the runtime, for messages (`docker`).
    fn runtime(&self) -> &'static str;

    /// Create the testnet's network if it does not exist; idempotent.
    async fn ensure_network(&self, testnet: &str) -> Result<NetworkRef>;

    /// Build an image from a recipe, or reuse the existing one when its content hash matches.
    async fn build_image(&self, recipe: &ImageRecipe) -> Result<ImageRef>;

    /// Create (not start) a container, with its files already in place.
    async fn create_container(&self, spec: &ContainerSpec) -> Result<ContainerRef>;

    /// Start a created or stopped container.
    async fn start(&self, container: &ContainerRef) -> Result<()>;

    /// Send SIGTERM, then SIGKILL once `timeout` has passed.
    async fn stop(&self, container: &ContainerRef, timeout: Duration) -> Result<()>;

    /// Send a signal (`SIGKILL`, `SIGTERM`, `SIGSTOP`, ...).
    async fn kill(&self, container: &ContainerRef, signal: &str) -> Result<()>;

    /// Freeze every process of the container (it stays on the network but never answers).
    async fn pause(&self, container: &ContainerRef) -> Result<()>;

    /// Thaw a paused container.
    async fn unpause(&self, container: &ContainerRef) -> Result<()>;

    /// Stop (with `timeout`) and start again.
    async fn restart(&self, container: &ContainerRef, timeout: Duration) -> Result<()>;

    /// Detach the container from a network: its peers can no longer resolve or reach it.
    async fn disconnect_network(&self, container: &ContainerRef, network: &NetworkRef) -> Result<()>;

    /// Attach the container to a network again, under its node name as DNS alias.
    async fn connect_network(&self, container: &ContainerRef, network: &NetworkRef) -> Result<()>;

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
}

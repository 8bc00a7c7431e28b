//! Plain data passed to and returned by a [`Provider`](super::Provider).

use super::{container_name, FileEntry};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The network of one testnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRef {
    /// Testnet the network belongs to.
    pub testnet: String,
    /// Runtime name ([`network_name`](super::network_name)).
    pub name: String,
    /// Runtime id.
    pub id: String,
}

/// A port to publish on 127.0.0.1 (TCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPublish {
    /// Port inside the container.
    pub container_port: u16,
    /// Host port; 0 lets the runtime pick a free one.
    pub host_port: u16,
}

/// Where an engine of several hosts runs a container; a single engine ignores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// The engine chooses: validators and the store are pinned round-robin over the hosts
    /// (so a restart never moves them); compute containers go wherever there is room and are
    /// rescheduled when their host goes away.
    #[default]
    Spread,
    /// On the host with this name.
    Node(String),
    /// On any host carrying this label with this value.
    Label {
        /// Label key.
        key: String,
        /// Label value.
        value: String,
    },
}

impl Placement {
    /// Parse the topology spelling: `spread`, `node:<host>` or `label:<key>=<value>`.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() && c != '=' && c != '"');
        if text == "spread" {
            return Some(Self::Spread);
        }
        if let Some(host) = text.strip_prefix("node:") {
            return ok(host).then(|| Self::Node(host.to_owned()));
        }
        let (key, value) = text.strip_prefix("label:")?.split_once('=')?;
        (ok(key) && ok(value)).then(|| Self::Label { key: key.to_owned(), value: value.to_owned() })
    }
}

impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Spread => f.write_str("spread"),
            Self::Node(host) => write!(f, "node:{host}"),
            Self::Label { key, value } => write!(f, "label:{key}={value}"),
        }
    }
}

/// Everything needed to create one node's container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Testnet name (scopes the container name and labels).
    pub testnet: String,
    /// Node name: container name suffix and DNS alias on the testnet network.
    pub node: String,
    /// Node kind label (`validator`, `compute`, `store`, ...).
    pub kind: String,
    /// Image tag.
    pub image: String,
    /// Replaces the image entrypoint when set.
    pub entrypoint: Option<Vec<String>>,
    /// Arguments (the image's CMD when empty).
    pub cmd: Vec<String>,
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Networks to join before start, under the node name as alias on each.
    pub networks: Vec<NetworkRef>,
    /// Ports published on 127.0.0.1.
    pub publish: Vec<PortPublish>,
    /// Extra labels (the testnet, node and kind labels are always set).
    pub labels: BTreeMap<String, String>,
    /// Memory limit in bytes.
    pub memory_limit: Option<u64>,
    /// Files placed in the container before it starts.
    pub files: Vec<FileEntry>,
    /// Which host runs it, on an engine of several.
    pub placement: Placement,
}

impl ContainerSpec {
    /// A spec with the required fields; the rest empty.
    pub fn new(testnet: &str, node: &str, kind: &str, image: &str) -> Self {
        Self {
            testnet: testnet.to_owned(),
            node: node.to_owned(),
            kind: kind.to_owned(),
            image: image.to_owned(),
            entrypoint: None,
            cmd: Vec::new(),
            env: Vec::new(),
            networks: Vec::new(),
            publish: Vec::new(),
            labels: BTreeMap::new(),
            memory_limit: None,
            files: Vec::new(),
            placement: Placement::Spread,
        }
    }

    /// The container name this spec gets.
    pub fn container_name(&self) -> String {
        container_name(&self.testnet, &self.node)
    }
}

/// A created container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    /// Runtime id.
    pub id: String,
    /// Container name (`crt_<testnet>_<node>`).
    pub name: String,
    /// Testnet.
    pub testnet: String,
    /// Node name (also its DNS alias).
    pub node: String,
}

/// Life-cycle state of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerStatus {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Frozen by `pause`.
    Paused,
    /// Being restarted by the runtime.
    Restarting,
    /// Being removed.
    Removing,
    /// Exited (see the exit code).
    Exited,
    /// Failed to stop or be removed.
    Dead,
    /// A state this crate does not know.
    Unknown,
}

/// What [`inspect`](super::Provider::inspect) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// Status.
    pub status: ContainerStatus,
    /// Exit code, once the container has exited.
    pub exit_code: Option<i64>,
    /// Killed by the out-of-memory killer.
    pub oom_killed: bool,
    /// Container port -> address to reach it from the host.
    pub ports: BTreeMap<u16, SocketAddr>,
    /// RFC 3339 start time, when started.
    pub started_at: Option<String>,
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line of container output, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Stream.
    pub source: LogSource,
    /// Text (invalid UTF-8 replaced).
    pub text: String,
}

/// One resource sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourceUse {
    /// CPU use over the sample interval, 100.0 = one core busy.
    pub cpu_percent: f64,
    /// Memory in use without the page cache (what `docker stats` shows).
    pub memory_bytes: u64,
    /// Raw cgroup memory usage, page cache included.
    pub memory_usage_bytes: u64,
    /// Memory limit (the host's memory when unlimited).
    pub memory_limit_bytes: u64,
}

/// A container found by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Runtime id.
    pub id: String,
    /// Container name.
    pub name: String,
    /// Testnet label.
    pub testnet: String,
    /// Node label.
    pub node: String,
    /// Kind label.
    pub kind: String,
    /// Image.
    pub image: String,
    /// Status.
    pub status: ContainerStatus,
    /// The engine host that runs it, on an engine of several.
    pub host: Option<String>,
}

impl ContainerInfo {
    /// A reference usable with the provider operations.
    pub fn to_ref(&self) -> ContainerRef {
        ContainerRef {
            id: self.id.clone(),
            name: self.name.clone(),
            testnet: self.testnet.clone(),
            node: self.node.clone(),
        }
    }
}

/// Kind of a runtime object, for teardown reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A container.
    Container,
    /// A network.
    Network,
    /// A volume.
    Volume,
    /// An image made for the testnet alone (an engine of several hosts bakes node files in).
    Image,
}

/// An object teardown could not remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// Kind.
    pub kind: ObjectKind,
    /// Name.
    pub name: String,
    /// Why removal failed.
    pub error: String,
    /// The command a user can run to remove it.
    pub command: String,
}

/// What [`teardown`](super::Provider::teardown) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeardownReport {
    /// Containers removed.
    pub containers: Vec<String>,
    /// Networks removed.
    pub networks: Vec<String>,
    /// Volumes removed.
    pub volumes: Vec<String>,
    /// Objects that remain.
    pub leftovers: Vec<Leftover>,
}

impl TeardownReport {
    /// True when nothing remains.
    pub fn is_clean(&self) -> bool {
        self.leftovers.is_empty()
    }
}

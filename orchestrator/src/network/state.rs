//! Where a running testnet can be reached from the host, saved beside the repository so later
//! commands (`status`, `test`, `dashboard`) find it.

use crate::node_kind::NodeKind;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One container's published endpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeEndpoint {
    pub node: String,
    pub kind: NodeKind,
    /// `ws://127.0.0.1:<port>` for validators.
    pub rpc: Option<String>,
    /// `http://127.0.0.1:<port>/metrics`.
    pub metrics: Option<String>,
}

/// Every endpoint of a testnet.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Endpoints {
    pub nodes: Vec<NodeEndpoint>,
    /// `127.0.0.1:<port>` of the artifact store.
    pub store: Option<String>,
}

impl Endpoints {
    /// RPC URLs of the validators, in order.
    pub fn validator_rpcs(&self) -> Vec<&str> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::Validator).filter_map(|n| n.rpc.as_deref()).collect()
    }
}

/// What `up` leaves behind for later commands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestnetState {
    pub testnet: String,
    /// The topology file it was started from (absolute).
    pub topology: PathBuf,
    pub endpoints: Endpoints,
    /// Seconds `up` took to reach readiness, building and staging images included.
    pub ready_after_seconds: f64,
    /// Seconds from the first container's start to readiness: what the testnet itself takes.
    #[serde(default)]
    pub ready_after_start_seconds: f64,
    /// Block time of the chain.
    pub block_time_ms: u32,
    /// The seed `up` ran with.
    #[serde(default)]
    pub seed: u64,
    /// The engine it runs on, so commands that name the testnet reach it there.
    #[serde(default)]
    pub engine: crate::provider::EngineChoice,
}

impl TestnetState {
    /// `<repo>/.testnet/<name>.json`.
    pub fn path(root: &Path, testnet: &str) -> PathBuf {
        root.join(".testnet").join(format!("{testnet}.json"))
    }

    pub fn save(&self, root: &Path) -> std::io::Result<()> {
        let path = Self::path(root, &self.testnet);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)
    }

    pub fn load(root: &Path, testnet: &str) -> std::io::Result<Self> {
        let bytes = std::fs::read(Self::path(root, testnet))?;
        serde_json::from_slice(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// Every saved state, in name order (unreadable files skipped).
    pub fn all(root: &Path) -> Vec<Self> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(".testnet"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
            .collect();
        names.sort();
        names.iter().filter_map(|n| Self::load(root, n).ok()).collect()
    }

    pub fn remove(root: &Path, testnet: &str) {
        let _ = std::fs::remove_file(Self::path(root, testnet));
    }
}

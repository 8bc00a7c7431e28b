//! The kinds of node a testnet runs. Containers carry the kind as a label (the provider keeps
//! it as text, like every label); everything that reads it back turns it into a [`NodeKind`].

use crate::plan::{DAEMON_METRICS_PORT, PROMETHEUS_PORT};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a testnet container is; ordered as `status` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A Substrate validator.
    Validator,
    /// The artifact store.
    Store,
    /// A compute container running one or many `cr-compute` daemons.
    Compute,
}

impl NodeKind {
    /// Every kind, in listing order.
    pub const ALL: [Self; 3] = [Self::Validator, Self::Store, Self::Compute];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validator => "validator",
            Self::Store => "store",
            Self::Compute => "compute",
        }
    }

    /// The kind a container's label names; `None` for a label this build does not write.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == label)
    }

    /// The port inside the container that serves Prometheus metrics, if any.
    pub fn metrics_port(self) -> Option<u16> {
        match self {
            Self::Validator => Some(PROMETHEUS_PORT),
            Self::Compute => Some(DAEMON_METRICS_PORT),
            Self::Store => None,
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::from_label(k.as_str()), Some(k));
        }
        assert_eq!(NodeKind::from_label("gateway"), None);
    }
}

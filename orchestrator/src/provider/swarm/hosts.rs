//! The swarm's hosts: who they are, how to reach each one's engine, and which of them a
//! placement allows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use bollard::models::{Node, NodeSpecAvailabilityEnum, NodeState};
use tokio::sync::OnceCell;

use super::{LABEL_ENDPOINT, LABEL_LAB_CONTAINER};
use crate::provider::docker::map_error;
use crate::provider::{DockerProvider, Placement, ProviderError, Result};

/// What to do when a host's engine does not answer.
const HOST_FIX: &str = "if the host is up, check its engine endpoint, the node label \
     io.cr-testnet.endpoint (`docker node update --label-add io.cr-testnet.endpoint=tcp://HOST:2375 NODE`; \
     ci/swarm-lab.sh sets it for the lab); if it is down, bring it back (`ci/swarm-lab.sh up` for the lab)";

/// One engine host of the swarm.
pub(super) struct Host {
    /// Swarm node id.
    pub id: String,
    /// Host name (what `node:<host>` placements and `testnet status` name).
    pub name: String,
    /// Address on the underlay, where its host-mode ports are published.
    pub addr: Option<IpAddr>,
    /// The host's engine endpoint, from its node label.
    pub endpoint: Option<String>,
    /// The local container that embodies it, for a lab host.
    pub lab_container: Option<String>,
    /// Whether it is a manager (never powered off: it holds the control plane).
    pub manager: bool,
    /// Node labels.
    pub labels: HashMap<String, String>,
    /// Whether the swarm saw it Ready when the provider connected.
    pub ready: bool,
    engine: OnceCell<DockerProvider>,
}

impl Host {
    /// The host's engine, connected on first use (a host that is down is never dialled).
    pub async fn engine(&self) -> Result<&DockerProvider> {
        let endpoint = self.endpoint.as_deref().ok_or_else(|| ProviderError::Invalid {
            what: "swarm host",
            message: format!("host {} has no {LABEL_ENDPOINT} label: {HOST_FIX}", self.name),
        })?;
        self.engine.get_or_try_init(|| DockerProvider::at(endpoint, HOST_FIX)).await
    }
}

/// Every host, in name order.
#[derive(Clone)]
pub(super) struct Hosts(Arc<Vec<Arc<Host>>>);

impl Hosts {
    /// Read the swarm's nodes from the manager.
    pub async fn discover(manager: &DockerProvider) -> Result<Self> {
        let nodes =
            manager.client().list_nodes(None).await.map_err(|e| map_error(manager.host(), "list nodes", "swarm", e))?;
        if nodes.is_empty() {
            return Err(ProviderError::Invalid {
                what: "swarm manager",
                message: format!(
                    "{} is not a swarm manager (it lists no nodes): point engine.manager at a manager",
                    manager.host()
                ),
            });
        }
        let mut hosts: Vec<Arc<Host>> = nodes.into_iter().map(|n| Arc::new(host(n))).collect();
        hosts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self(Arc::new(hosts)))
    }

    /// Host names in order.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|h| h.name.clone()).collect()
    }

    /// Every host.
    pub fn all(&self) -> &[Arc<Host>] {
        &self.0
    }

    /// The host with swarm node id `id`.
    pub fn by_id(&self, id: &str) -> Option<&Arc<Host>> {
        self.0.iter().find(|h| h.id == id)
    }

    /// The hosts `placement` allows and the constraints that say so to the swarm. `pin` is the
    /// round-robin slot of a node that must not move (validators, the store), `None` for one
    /// the swarm may place and move anywhere.
    pub fn place(&self, placement: &Placement, pin: Option<usize>) -> Result<(Vec<Arc<Host>>, Vec<String>)> {
        let ready: Vec<&Arc<Host>> = self.0.iter().filter(|h| h.ready).collect();
        let names = || self.names().join(", ");
        match placement {
            Placement::Node(name) => {
                let host = self.0.iter().find(|h| &h.name == name).ok_or_else(|| ProviderError::Invalid {
                    what: "placement",
                    message: format!(
                        "node:{name}: the swarm has no host named {name:?} (it has {}): name one of them",
                        names()
                    ),
                })?;
                if !host.ready {
                    return Err(ProviderError::Invalid {
                        what: "placement",
                        message: format!(
                            "node:{name}: the host is not Ready and Active: bring it back (`docker node ls` on \
                             the manager; `ci/swarm-lab.sh up` for the lab) or place the node elsewhere"
                        ),
                    });
                }
                Ok((vec![host.clone()], vec![format!("node.hostname=={name}")]))
            }
            Placement::Label { key, value } => {
                let matching: Vec<Arc<Host>> =
                    self.0.iter().filter(|h| h.ready && h.labels.get(key) == Some(value)).cloned().collect();
                if matching.is_empty() {
                    return Err(ProviderError::Invalid {
                        what: "placement",
                        message: format!(
                            "label:{key}={value}: no Ready host of the swarm carries it (hosts: {}): label one \
                             with `docker node update --label-add {key}={value} HOST`",
                            names()
                        ),
                    });
                }
                Ok((matching, vec![format!("node.labels.{key}=={value}")]))
            }
            Placement::Spread if ready.is_empty() => Err(ProviderError::Invalid {
                what: "placement",
                message: format!("no host of the swarm is Ready (hosts: {}): check `docker node ls`", names()),
            }),
            Placement::Spread => match pin {
                Some(slot) => {
                    let host = ready[slot % ready.len()];
                    Ok((vec![(*host).clone()], vec![format!("node.hostname=={}", host.name)]))
                }
                None => Ok((ready.into_iter().cloned().collect(), Vec::new())),
            },
        }
    }
}

fn host(node: Node) -> Host {
    let labels: HashMap<String, String> = node.spec.as_ref().and_then(|s| s.labels.clone()).unwrap_or_default();
    let availability = node.spec.as_ref().and_then(|s| s.availability);
    let status = node.status.unwrap_or_default();
    Host {
        id: node.id.unwrap_or_default(),
        name: node.description.and_then(|d| d.hostname).unwrap_or_default(),
        addr: status.addr.as_deref().and_then(|a| a.parse().ok()),
        endpoint: labels.get(LABEL_ENDPOINT).cloned(),
        lab_container: labels.get(LABEL_LAB_CONTAINER).cloned(),
        manager: node.manager_status.is_some(),
        // A drained or paused host takes no new task: for placement it is not there.
        ready: status.state == Some(NodeState::READY) && availability == Some(NodeSpecAvailabilityEnum::ACTIVE),
        labels,
        engine: OnceCell::new(),
    }
}

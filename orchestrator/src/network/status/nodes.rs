//! Which container's log holds a node: validators and the store are containers of their own;
//! a compute daemon either has one too or shares a `<group>-c<index>` container (density).

use super::ContainerView;
use crate::topology::Topology;

/// Where a node's log lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTarget {
    /// Node label of the container.
    pub container_node: String,
    /// The daemon asked for, when it shares the container with others.
    pub daemon: Option<String>,
    /// Daemons the container runs (1 for validators and the store).
    pub daemons_in_container: usize,
}

/// A node name that is neither a container nor a daemon of the testnet.
#[derive(Debug, Clone, thiserror::Error)]
#[error("testnet {testnet} has no node {name:?}; known nodes: {}{}", known.join(", "), hint)]
pub struct UnknownNode {
    /// The testnet.
    pub testnet: String,
    /// The name asked for.
    pub name: String,
    /// Container nodes and daemon names.
    pub known: Vec<String>,
    /// Extra advice (e.g. why daemon names are not known).
    pub hint: String,
}

/// The container whose log holds `name`: a container's node label, or a daemon of a shared
/// compute container, looked up in the topology (`up` saves where it came from).
pub fn find_node(
    testnet: &str,
    views: &[ContainerView],
    topology: Option<&Topology>,
    name: &str,
) -> Result<NodeTarget, UnknownNode> {
    let daemons_in = |container_node: &str| {
        topology
            .and_then(|t| t.compute_containers().iter().find(|c| container_node_name(t, c.index) == container_node))
            .map_or(1, |c| c.nodes.len())
    };
    if views.iter().any(|v| v.node == name) {
        return Ok(NodeTarget {
            container_node: name.to_owned(),
            daemon: None,
            daemons_in_container: daemons_in(name),
        });
    }
    let daemon = topology.and_then(|t| {
        let node = t.compute_nodes().iter().find(|n| n.name().as_str() == name)?;
        Some((container_node_name(t, node.container()), t.compute_containers().get(node.container())?.nodes.len()))
    });
    match daemon {
        Some((container_node, count)) if views.iter().any(|v| v.node == container_node) => {
            Ok(NodeTarget { container_node, daemon: Some(name.to_owned()), daemons_in_container: count })
        }
        _ => {
            let mut known: Vec<String> = views.iter().map(|v| v.node.clone()).collect();
            if let Some(t) = topology {
                known.extend(t.compute_nodes().iter().map(|n| n.name().as_str().to_owned()));
            }
            known.sort();
            known.dedup();
            let hint = if topology.is_none() && views.iter().any(|v| v.node.contains("-c")) {
                " (daemons in shared containers are found through the state `testnet up` saves in \
                 .testnet/; without it, name the container)"
                    .to_owned()
            } else {
                String::new()
            };
            Err(UnknownNode { testnet: testnet.to_owned(), name: name.to_owned(), known, hint })
        }
    }
}

/// The node label `up` gives compute container `index`: the daemon's own name when it runs
/// alone, `<group>-c<index>` when it is shared (this mirrors `Plan::compute_specs`).
pub fn container_node_name(topology: &Topology, index: usize) -> String {
    match topology.compute_containers().get(index) {
        Some(c) if c.nodes.len() == 1 => c.nodes[0].as_str().to_owned(),
        Some(c) => format!("{}-c{}", c.group.as_str(), c.index),
        None => String::new(),
    }
}

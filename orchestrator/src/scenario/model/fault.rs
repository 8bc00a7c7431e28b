//! Faults a scenario injects: what happens to which container, and when.

use serde::{Deserialize, Serialize};

use crate::provider::Capability;
use crate::runtime::RuntimeFile;
use crate::topology::Name;
use cr_protocol::lifecycle::Milestone;

/// What is done to a node's container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    /// SIGKILL: the process dies at once, without cleanup.
    Kill,
    /// SIGTERM, then SIGKILL after a grace period.
    Stop,
    /// Start a stopped or killed container again.
    Start,
    /// Stop, then start.
    Restart,
    /// Freeze every process of the container.
    Pause,
    /// Thaw a paused container.
    Unpause,
    /// Take the container off the testnet's network.
    Disconnect,
    /// Put it back on the network.
    Reconnect,
    /// Install another runtime as the chain's root would (`sudo(system.set_code)`); names a
    /// `runtime`, not a node.
    Upgrade,
    /// Cut the power of the engine host that runs the node: every node on that host goes.
    HostDown,
    /// Power that host on again; the nodes that died with it start again.
    HostUp,
}

impl FaultAction {
    /// The spelling in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kill => "kill",
            Self::Stop => "stop",
            Self::Start => "start",
            Self::Restart => "restart",
            Self::Pause => "pause",
            Self::Unpause => "unpause",
            Self::Disconnect => "disconnect",
            Self::Reconnect => "reconnect",
            Self::Upgrade => "upgrade",
            Self::HostDown => "host-down",
            Self::HostUp => "host-up",
        }
    }

    /// The engine capability the action needs, beyond starting and stopping.
    pub fn needs(self) -> Option<Capability> {
        match self {
            Self::Kill => Some(Capability::Signals),
            Self::Pause | Self::Unpause => Some(Capability::Pause),
            Self::Disconnect | Self::Reconnect => Some(Capability::NetworkIsolation),
            Self::HostDown | Self::HostUp => Some(Capability::HostPower),
            Self::Stop | Self::Start | Self::Restart | Self::Upgrade => None,
        }
    }
}

/// The container a fault hits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultNode {
    /// A validator of the topology.
    Validator(Name),
    /// A compute daemon of the topology (`<group>-<index>`). With several daemons per
    /// container, the fault hits the whole container.
    Compute(Name),
    /// The artifact store.
    Store,
}

impl FaultNode {
    /// The node's name as the topology (and the scenario file) spells it.
    pub fn name(&self) -> &str {
        match self {
            Self::Validator(name) | Self::Compute(name) => name.as_str(),
            Self::Store => crate::topology::RESERVED_STORE,
        }
    }
}

/// When a fault happens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// This many blocks after the scenario starts; before `timeout_blocks`.
    AtBlock(u32),
    /// As soon as the first copy of `job` (a job name as written in the file) reaches `stage`.
    After {
        /// The job, by its name in the file.
        job: Name,
        /// The point in its life.
        stage: Milestone,
    },
}

/// The runtime an `upgrade` installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum UpgradeTo {
    /// The working tree's runtime, as the chain build left it (`runtime: current`); its spec
    /// version is the one this program was built for.
    Current {
        /// That spec version.
        spec_version: u32,
    },
    /// A runtime file, read and checked when the scenario was.
    File(RuntimeFile),
}

impl UpgradeTo {
    /// The `spec_version` the chain runs once the upgrade took.
    pub fn spec_version(&self) -> u32 {
        match self {
            Self::Current { spec_version } => *spec_version,
            Self::File(file) => file.spec_version,
        }
    }
}

/// What a fault hits: a container, or the chain's runtime. Only `upgrade` has a runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    /// Container actions.
    Node(FaultNode),
    /// `upgrade`.
    Runtime(UpgradeTo),
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub(crate) action: FaultAction,
    pub(crate) target: FaultTarget,
    pub(crate) trigger: Trigger,
}

impl Fault {
    /// What is done.
    pub fn action(&self) -> FaultAction {
        self.action
    }
    /// To what.
    pub fn target(&self) -> &FaultTarget {
        &self.target
    }
    /// The container it hits; `None` for an upgrade.
    pub fn node(&self) -> Option<&FaultNode> {
        match &self.target {
            FaultTarget::Node(node) => Some(node),
            FaultTarget::Runtime(_) => None,
        }
    }
    /// What it hits, as a reader names it: the node, or the runtime's spec version.
    pub fn target_name(&self) -> String {
        match &self.target {
            FaultTarget::Node(node) => node.name().to_owned(),
            FaultTarget::Runtime(to) => format!("to spec {}", to.spec_version()),
        }
    }
    /// When.
    pub fn trigger(&self) -> &Trigger {
        &self.trigger
    }
}

//! What an engine can do to a running node beyond create, start, stop and remove. A scenario
//! whose faults need a capability the topology's engine lacks is refused by `testnet check`
//! before anything starts, so the list is static per engine kind, not probed at run time.

use std::collections::BTreeSet;
use std::fmt;

/// One optional power over a running node or host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// Deliver a chosen signal (`SIGKILL`, `SIGTERM`) to a node's processes.
    Signals,
    /// Freeze every process of a node and thaw it again.
    Pause,
    /// Take a node off the testnet's network while it keeps running, and put it back.
    NetworkIsolation,
    /// Take a whole engine host away (every node on it) and bring it back.
    HostPower,
}

impl Capability {
    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signals => "signals",
            Self::Pause => "pause",
            Self::NetworkIsolation => "network isolation",
            Self::HostPower => "host power",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The optional powers of one engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities(BTreeSet<Capability>);

impl Capabilities {
    /// An engine with exactly these powers.
    pub fn of(powers: impl IntoIterator<Item = Capability>) -> Self {
        Self(powers.into_iter().collect())
    }

    /// Whether the engine has `capability`.
    pub fn has(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// Every power, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Capability::as_str).collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

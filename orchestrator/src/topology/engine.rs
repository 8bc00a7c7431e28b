//! The `engine:` section and the `placement` of validators, groups and the store: where a
//! testnet runs. Which hosts exist is only known once the engine answers, so here a placement
//! is checked for its spelling and for an engine that can honour it; `up` checks the rest
//! before it creates anything.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Location;

use super::kind::ProblemKind;
use crate::diagnostics::{Collector, Sp};
use crate::provider::{EngineChoice, Placement};

/// Where the testnet runs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Engine")]
pub(crate) struct RawEngine {
    /// `local`: the one Docker engine of `DOCKER_HOST`; `swarm`: a Docker Swarm of several hosts.
    pub kind: Sp<String>,
    /// Swarm only: a manager's engine endpoint (`unix:///path/docker.sock` or
    /// `tcp://host:2375`); omit it to use `$CR_SWARM_MANAGER`.
    #[serde(default)]
    pub manager: Option<Sp<String>>,
    /// Containers one network holds at most (default: as many as the engine's network takes,
    /// 1,000 on a bridge); a bigger fleet spreads its compute containers over several
    /// networks, and the validators and the store join every one.
    #[serde(default)]
    pub network_capacity: Option<Sp<u32>>,
}

/// The engine the topology chose (`local` without an `engine:` section).
pub(crate) fn engine(raw: Option<&Sp<RawEngine>>, report: &mut Collector<'_, ProblemKind>) -> Option<EngineChoice> {
    let Some(raw) = raw else { return Some(EngineChoice::Local) };
    let e = raw.value();
    let manager = e.manager.as_ref();
    match e.kind.value().as_str() {
        "local" => {
            if let Some(m) = manager {
                report.add(m.at(), raw.at(), "engine.manager", ProblemKind::ManagerWithoutSwarm);
                return None;
            }
            Some(EngineChoice::Local)
        }
        "swarm" => {
            let Some(m) = manager else { return Some(EngineChoice::Swarm { manager: None }) };
            let text = m.value();
            // No TLS client is built in, so `https://` would only fail later, as an unreachable manager.
            let scheme_ok = ["unix://", "tcp://", "http://"].iter().any(|s| text.starts_with(s));
            if !scheme_ok || text.len() < 8 || text.chars().any(char::is_whitespace) {
                report.add(m.at(), raw.at(), "engine.manager", ProblemKind::BadManager { written: text.clone() });
                return None;
            }
            Some(EngineChoice::Swarm { manager: Some(text.clone()) })
        }
        other => {
            let kind = ProblemKind::UnknownEngine { written: other.to_owned() };
            report.add(e.kind.at(), raw.at(), "engine.kind", kind);
            None
        }
    }
}

/// `engine.network_capacity`, when given: it must leave room beside the `shared` containers
/// (validators and store) that join every network.
pub(crate) fn network_capacity(
    raw: Option<&Sp<RawEngine>>,
    shared: usize,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Option<usize>> {
    let Some(written) = raw.and_then(|e| e.value().network_capacity.as_ref()) else { return Some(None) };
    let capacity = usize::try_from(*written.value()).unwrap_or(usize::MAX);
    if capacity <= shared {
        let kind = ProblemKind::NetworkTooSmall { written: capacity, shared };
        report.add(written.at(), Location::UNKNOWN, "engine.network_capacity", kind);
        return None;
    }
    Some(Some(capacity))
}

/// A `placement` as written: `spread`, `node:<host>` or `label:<key>=<value>`.
pub(crate) fn placement(
    raw: Option<&Sp<String>>,
    path: &str,
    engine: Option<&EngineChoice>,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Placement> {
    let Some(written) = raw else { return Some(Placement::Spread) };
    let Some(placement) = Placement::parse(written.value()) else {
        let kind = ProblemKind::BadPlacement { written: written.value().clone() };
        report.add(written.at(), Location::UNKNOWN, path, kind);
        return None;
    };
    if placement != Placement::Spread && engine == Some(&EngineChoice::Local) {
        report.add(written.at(), Location::UNKNOWN, path, ProblemKind::PlacementNeedsSwarm);
        return None;
    }
    Some(placement)
}

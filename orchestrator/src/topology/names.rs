//! Every container and account gets its name from the topology, so names must not collide:
//! validators, compute groups, the `<group>-<index>` nodes they expand to, requesters, and
//! the reserved `store`.

use std::collections::HashMap;

use serde_saphyr::Location;

use super::compute::Fleet;
use super::kind::ProblemKind;
use super::model::Name;
use super::raw::RawTopology;
use crate::diagnostics::Collector;

/// The artifact store's container name.
pub const RESERVED_STORE: &str = "store";

/// Reports each name used twice, at its second use.
pub(crate) fn check_unique(
    raw: &RawTopology,
    validators: &[Name],
    requesters: &[Name],
    fleet: &Fleet,
    report: &mut Collector<'_, ProblemKind>,
) {
    let mut owners: HashMap<String, String> = HashMap::new();
    owners.insert(RESERVED_STORE.to_owned(), "the artifact store (reserved)".to_owned());
    let mut claim = |name: &str, owner: String, at: Location, path: String| -> bool {
        if let Some(first) = owners.get(name) {
            let kind = ProblemKind::DuplicateName { name: name.to_owned(), first: first.clone() };
            report.add(at, Location::UNKNOWN, path, kind);
            return false;
        }
        owners.insert(name.to_owned(), owner);
        true
    };

    let validators_raw = raw.validators.value();
    for (i, name) in validators.iter().enumerate() {
        let (path, at) = match &validators_raw.names {
            Some(names) => (format!("validators.names[{i}]"), names.value().get(i).map_or(names.at(), |n| n.at())),
            None => {
                ("validators.count".to_owned(), validators_raw.count.as_ref().map_or(raw.validators.at(), |c| c.at()))
            }
        };
        let owner =
            if validators_raw.names.is_some() { path.clone() } else { format!("validators.count (validator {name})") };
        claim(name.as_str(), owner, at, path);
    }

    let requesters_raw = &raw.chain.requesters;
    for (i, name) in requesters.iter().enumerate() {
        let at = requesters_raw.value().get(i).map_or(requesters_raw.at(), |r| r.at());
        let path = format!("chain.requesters[{i}]");
        claim(name.as_str(), path.clone(), at, path);
    }

    // The fleet holds each group's nodes consecutively, in group order.
    let mut start = 0;
    for (i, group) in raw.compute.value().iter().enumerate() {
        let path = format!("compute[{i}].group");
        let at = group.value().group.at();
        let end = start + *group.value().count.value() as usize;
        let nodes = fleet.nodes.get(start..end).unwrap_or_default();
        start = end;
        // One report per group is enough: a colliding group usually collides on every node.
        if !claim(group.value().group.value(), path.clone(), at, path.clone()) {
            continue;
        }
        for node in nodes {
            let owner = format!("compute[{i}] (node {})", node.name);
            if !claim(node.name.as_str(), owner, at, path.clone()) {
                break;
            }
        }
    }
}

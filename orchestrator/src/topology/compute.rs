//! Compute groups: per-group checks, expansion into nodes and containers, and the
//! committee's ability to reach quorum.

use std::num::{NonZeroU32, NonZeroU64};

use serde_saphyr::Location;

use super::kind::ProblemKind;
use super::model::{
    Behaviour, Capabilities, ComputeContainer, ComputeNode, Gpu, GpuModel, Name, Registration, Role, Tokens,
    MAX_NAME_LEN,
};
use super::raw::{RawChain, RawComputeGroup, RawGpu};
use super::validate::{invalid_name, too_many};
use crate::diagnostics::Sp;
use crate::diagnostics::{is_known, Collector};

/// Most compute daemons a testnet may have; bounds memory for hostile counts.
pub const MAX_COMPUTE_NODES: u64 = 10_000;

/// The expanded fleet.
pub(crate) struct Fleet {
    pub(crate) nodes: Vec<ComputeNode>,
    pub(crate) containers: Vec<ComputeContainer>,
    /// Where the first committee group, and the first offline one, were declared: a quorum
    /// left at its default has no place of its own to point at.
    member_at: Location,
    offline_member_at: Location,
}

/// Checks every group and expands the good ones; `None` if any group was bad.
pub(crate) fn fleet(
    groups: &Sp<Vec<Sp<RawComputeGroup>>>,
    chain: &RawChain,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Fleet> {
    let mut fleet = Fleet {
        nodes: Vec::new(),
        containers: Vec::new(),
        member_at: Location::UNKNOWN,
        offline_member_at: Location::UNKNOWN,
    };
    let mut ok = true;
    let mut total: u64 = 0;
    for (i, group) in groups.value().iter().enumerate() {
        let path = format!("compute[{i}]");
        let count = u64::from(*group.value().count.value());
        total = total.saturating_add(count);
        if total > MAX_COMPUTE_NODES && total - count <= MAX_COMPUTE_NODES {
            let kind = too_many("compute nodes in all groups", total, MAX_COMPUTE_NODES);
            report.add(group.value().count.at(), group.at(), format!("{path}.count"), kind);
        }
        let Some(template) = check_group(group, &path, chain, report) else {
            ok = false;
            continue;
        };
        if template.node.committee {
            let offline = template.node.behaviour == Behaviour::Offline;
            for (slot, wanted) in [(&mut fleet.member_at, true), (&mut fleet.offline_member_at, offline)] {
                if wanted && !is_known(*slot) {
                    *slot = group.at();
                }
            }
        }
        if ok && total <= MAX_COMPUTE_NODES {
            expand(&template, &mut fleet);
        }
    }
    (ok && total <= MAX_COMPUTE_NODES).then_some(fleet)
}

/// A group that passed its checks, ready to expand.
struct Template {
    group: Name,
    count: u32,
    per_container: NonZeroU32,
    node: ComputeNode,
}

fn check_group(
    raw: &Sp<RawComputeGroup>,
    path: &str,
    chain: &RawChain,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Template> {
    let here = raw.at();
    let g = raw.value();
    let mut ok = true;
    let mut nonzero = |field: &str, what: &'static str, value: &Sp<u32>| {
        let got = NonZeroU32::new(*value.value());
        if got.is_none() {
            let kind = ProblemKind::ZeroValue { what };
            report.add(value.at(), here, format!("{path}.{field}"), kind);
        }
        got
    };
    let count = nonzero("count", "a group's node count", &g.count);
    let per_container = nonzero("per_container", "daemons per container", &g.per_container);
    let cpu_cores = nonzero("cpu_cores", "CPU cores", &g.cpu_cores);
    let max_jobs = nonzero("max_concurrent_jobs", "max_concurrent_jobs", &g.max_concurrent_jobs);
    let memory_mb = NonZeroU64::new(*g.memory_mb.value());
    if memory_mb.is_none() {
        let kind = ProblemKind::ZeroValue { what: "memory" };
        report.add(g.memory_mb.at(), here, format!("{path}.memory_mb"), kind);
    }
    let gpu = match &g.gpu {
        Some(raw_gpu) => {
            let gpu = check_gpu(raw_gpu, path, report);
            ok &= gpu.is_some();
            gpu
        }
        None => None,
    };

    let group = Name::parse(g.group.value());
    match (&group, count) {
        (None, _) => {
            let kind = invalid_name("compute group name", g.group.value());
            report.add(g.group.at(), here, format!("{path}.group"), kind);
            ok = false;
        }
        (Some(name), Some(count)) => {
            let longest = format!("{name}-{}", count.get() - 1);
            if longest.len() > MAX_NAME_LEN {
                let kind = ProblemKind::NodeNameTooLong { longest };
                report.add(g.group.at(), here, format!("{path}.group"), kind);
                ok = false;
            }
        }
        (Some(_), None) => {}
    }

    let stake = *g.stake.value();
    let min = *chain.market.min_node_stake.value();
    let endowment = *chain.endowment.value();
    if stake < min {
        let kind = ProblemKind::StakeBelowMinimum { stake, min };
        report.add(g.stake.at(), here, format!("{path}.stake"), kind);
        ok = false;
    } else if stake >= endowment && endowment > 0 {
        let kind = ProblemKind::StakeExceedsEndowment { stake, endowment };
        report.add(g.stake.at(), here, format!("{path}.stake"), kind);
        ok = false;
    }

    let role = *g.role.value();
    let committee = g.committee.as_ref().map_or(role == Role::Verifier, |c| *c.value());
    let registration = *g.registration.value();
    if registration == Registration::Genesis && role == Role::Verifier {
        report.add(g.registration.at(), here, format!("{path}.registration"), ProblemKind::GenesisVerifier);
        ok = false;
    }
    if !ok {
        return None;
    }
    let group = group?;
    Some(Template {
        group: group.clone(),
        count: count?.get(),
        per_container: per_container?,
        node: ComputeNode {
            name: group.clone(),
            group,
            capabilities: Capabilities { cpu_cores: cpu_cores?, memory_mb: memory_mb?, gpu },
            behaviour: *g.behaviour.value(),
            role,
            committee,
            stake: Tokens(stake),
            max_concurrent_jobs: max_jobs?,
            registration,
            container: 0,
        },
    })
}

fn check_gpu(raw: &Sp<RawGpu>, path: &str, report: &mut Collector<'_, ProblemKind>) -> Option<Gpu> {
    let here = raw.at();
    let g = raw.value();
    let count = NonZeroU32::new(*g.count.value());
    if count.is_none() {
        let kind = ProblemKind::ZeroValue { what: "GPU count" };
        report.add(g.count.at(), here, format!("{path}.gpu.count"), kind);
    }
    let model = GpuModel::parse(g.model.value());
    if model.is_none() {
        let kind = ProblemKind::InvalidGpuModel { model: g.model.value().clone() };
        report.add(g.model.at(), here, format!("{path}.gpu.model"), kind);
    }
    let vram_mb = NonZeroU64::new(*g.vram_mb.value());
    if vram_mb.is_none() {
        let kind = ProblemKind::ZeroValue { what: "GPU memory" };
        report.add(g.vram_mb.at(), here, format!("{path}.gpu.vram_mb"), kind);
    }
    Some(Gpu { count: count?, model: model?, vram_mb: vram_mb? })
}

/// Adds a group's nodes, packing `per_container` of them per container.
fn expand(template: &Template, fleet: &mut Fleet) {
    let per = template.per_container.get();
    let mut index = 0;
    while index < template.count {
        let end = index.saturating_add(per).min(template.count);
        let container = fleet.containers.len();
        let mut members = Vec::with_capacity((end - index) as usize);
        for i in index..end {
            // Length was checked against the longest index, so every name parses.
            let Some(name) = Name::parse(&format!("{}-{i}", template.group)) else {
                continue;
            };
            members.push(name.clone());
            fleet.nodes.push(ComputeNode { name, container, ..template.node.clone() });
        }
        fleet.containers.push(ComputeContainer { index: container, group: template.group.clone(), nodes: members });
        index = end;
    }
}

/// Disputes are decided by the committee: the quorum must be reachable by members that vote.
pub(crate) fn check_quorum(quorum: &Sp<u32>, fleet: &Fleet, report: &mut Collector<'_, ProblemKind>) {
    let members = fleet.nodes.iter().filter(|n| n.committee).count();
    let offline = fleet.nodes.iter().filter(|n| n.committee && n.behaviour == Behaviour::Offline).count();
    let (Ok(members), Ok(offline)) = (u32::try_from(members), u32::try_from(offline)) else {
        return;
    };
    let q = *quorum.value();
    let (kind, fallback) = if members == 0 {
        // The chain takes no quorum but 0 without a committee; the default then becomes 0, a
        // quorum written out is a mistake worth naming.
        if q == 0 || !crate::diagnostics::is_known(quorum.at()) {
            return;
        }
        (ProblemKind::QuorumWithoutCommittee { quorum: q }, Location::UNKNOWN)
    } else if q == 0 {
        (ProblemKind::QuorumZero { members }, fleet.member_at)
    } else if q > members {
        let kind = ProblemKind::QuorumAboveCommittee { quorum: q, members };
        (kind, fleet.member_at)
    } else if q > members - offline {
        let kind = ProblemKind::QuorumUnreachable { quorum: q, members, offline };
        (kind, fleet.offline_member_at)
    } else {
        return;
    };
    report.add(quorum.at(), fallback, "chain.market.quorum", kind);
}

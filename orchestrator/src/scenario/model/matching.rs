//! Whether some node of the topology can take a job, and if none can, why: which
//! requirement no worker meets, and which group comes closest.

use super::kind::ProblemKind;
use super::plan::{Need, Requirements, NO_GPU};
use crate::topology::{Behaviour, ComputeNode, Name, Role, Topology};

/// One node per group: a group's nodes share capabilities, role and behaviour.
fn groups(topology: &Topology) -> Vec<&ComputeNode> {
    let mut out: Vec<&ComputeNode> = Vec::new();
    for node in topology.compute_nodes() {
        if out.last().is_none_or(|last| last.group() != node.group()) {
            out.push(node);
        }
    }
    out
}

/// Nodes that take jobs: workers that are not offline (faulty ones included, since the
/// scenarios that test faults need them to take jobs).
fn takes_jobs(node: &ComputeNode) -> bool {
    node.role() == Role::Worker && node.behaviour() != Behaviour::Offline
}

/// The compute groups of the topology, in file order.
pub(crate) fn group_names(topology: &Topology) -> Vec<Name> {
    groups(topology).iter().map(|n| n.group().clone()).collect()
}

/// The first group whose nodes can take a job with `req`, or the problem that none can.
pub(crate) fn find_taker(req: &Requirements, topology: &Topology) -> Result<Name, ProblemKind> {
    let workers: Vec<_> =
        groups(topology).into_iter().filter(|n| takes_jobs(n)).map(|n| (n, req.unmet(n.capabilities()))).collect();
    if let Some((node, _)) = workers.iter().find(|(_, unmet)| unmet.is_empty()) {
        return Ok(node.group().clone());
    }
    // A node without a GPU is further from a GPU job than its count of misses says.
    let distance = |node: &ComputeNode, unmet: &[(Need, String)]| {
        let gpu_missing = req.gpu_count() > 0 && node.capabilities().gpu.is_none();
        unmet.len() + usize::from(gpu_missing)
    };
    let closest = workers.iter().min_by_key(|(n, unmet)| distance(n, unmet));
    let Some((closest, lacks)) = closest else {
        return Err(ProblemKind::NoOnlineWorker);
    };
    let unmet = lacks
        .iter()
        .filter(|(need, _)| workers.iter().all(|(_, other)| other.iter().any(|(n, _)| n == need)))
        .map(|(need, _)| format!("{need} ({})", best_offer(need, &workers)))
        .collect();
    Err(ProblemKind::Unmatched { unmet, closest: closest.group().to_string(), closest_lacks: lacks_of(lacks) })
}

/// Why the nodes of `group` cannot take a job with `req`; `None` when they can, or when the
/// topology has no such group.
pub(crate) fn why_group_cannot(group: &Name, req: &Requirements, topology: &Topology) -> Option<String> {
    let node = groups(topology).into_iter().find(|n| n.group() == group)?;
    if node.role() != Role::Worker {
        return Some("they are verifiers, which do not take jobs".to_owned());
    }
    if node.behaviour() == Behaviour::Offline {
        return Some("they are offline".to_owned());
    }
    let unmet = req.unmet(node.capabilities());
    (!unmet.is_empty()).then(|| format!("they have {}", lacks_of(&unmet).join(", ")))
}

fn lack((need, has): &(Need, String)) -> String {
    format!("{has} where the job needs {need}")
}

/// What a node lacks; a missing GPU is said once, not once per GPU requirement.
fn lacks_of(unmet: &[(Need, String)]) -> Vec<String> {
    let no_gpu = |(_, has): &(Need, String)| has == NO_GPU;
    let mut out: Vec<String> = unmet.iter().filter(|u| !no_gpu(u)).map(lack).collect();
    if unmet.iter().any(no_gpu) {
        out.push(format!("{NO_GPU} where the job needs one"));
    }
    out
}

/// What the best worker offers for a requirement none of them meets.
fn best_offer(need: &Need, workers: &[(&ComputeNode, Vec<(Need, String)>)]) -> String {
    let caps = || workers.iter().map(|(n, _)| n.capabilities());
    let gpus = || caps().filter_map(|c| c.gpu.as_ref());
    let most = |value: Option<u64>| match value {
        Some(v) => format!("the most a worker has is {v}"),
        None => "no worker has a GPU".to_owned(),
    };
    match need {
        Need::CpuCores(_) => most(caps().map(|c| u64::from(c.cpu_cores.get())).max()),
        Need::MemoryMb(_) => most(caps().map(|c| c.memory_mb.get()).max()),
        Need::GpuCount(_) => most(gpus().map(|g| u64::from(g.count.get())).max()),
        Need::GpuVramMb(_) => most(gpus().map(|g| g.vram_mb.get()).max()),
        Need::GpuModel(_) => {
            let mut models: Vec<&str> = Vec::new();
            for model in gpus().map(|g| g.model.as_str()) {
                if !models.contains(&model) {
                    models.push(model);
                }
            }
            if models.is_empty() {
                most(None)
            } else {
                format!("the workers have {}", models.join(", "))
            }
        }
    }
}

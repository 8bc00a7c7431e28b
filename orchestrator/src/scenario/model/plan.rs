//! What a scenario submits: its name and the job copies, each ready to become a
//! `submit_job` call.

use std::fmt;
use std::num::NonZeroU32;

use cr_protocol::workload::WorkloadSpec;
use serde::Serialize;

use crate::topology::{Capabilities, GpuModel, Name, Tokens};

/// A scenario's name, `[a-z][a-z0-9-]{0,40}`: it names the test case in reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ScenarioName(String);

impl ScenarioName {
    /// The longest scenario name.
    pub const MAX_LEN: usize = 41;

    /// Accepts `[a-z][a-z0-9-]{0,40}`, refuses anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let mut chars = s.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && s.len() <= Self::MAX_LEN
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok.then(|| Self(s.to_owned()))
    }
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScenarioName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a job needs from the node that runs it, in the chain's terms: minimums, with a GPU
/// needed exactly when `gpu_count() > 0` (then VRAM and model may narrow it further).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirements {
    pub(crate) cpu_cores: u32,
    pub(crate) memory_mb: u32,
    pub(crate) gpu_count: u32,
    pub(crate) gpu_vram_mb: u32,
    pub(crate) gpu_model: Option<GpuModel>,
}

impl Requirements {
    /// Minimum CPU cores.
    pub fn cpu_cores(&self) -> u32 {
        self.cpu_cores
    }
    /// Minimum memory, MiB.
    pub fn memory_mb(&self) -> u32 {
        self.memory_mb
    }
    /// Minimum number of GPUs; 0 when the job needs none.
    pub fn gpu_count(&self) -> u32 {
        self.gpu_count
    }
    /// Minimum memory per GPU, MiB; 0 when any will do (always 0 without a GPU).
    pub fn gpu_vram_mb(&self) -> u32 {
        self.gpu_vram_mb
    }
    /// The exact GPU model needed, if any (never set without a GPU).
    pub fn gpu_model(&self) -> Option<&GpuModel> {
        self.gpu_model.as_ref()
    }

    /// Whether a node declaring `caps` may take the job: the chain's own rule.
    pub fn met_by(&self, caps: &Capabilities) -> bool {
        self.unmet(caps).is_empty()
    }

    /// Each requirement `caps` falls short of, as (requirement, what the node has instead).
    pub(crate) fn unmet(&self, caps: &Capabilities) -> Vec<(Need, String)> {
        let mut out = Vec::new();
        if caps.cpu_cores.get() < self.cpu_cores {
            let has = format!("{} CPU cores", caps.cpu_cores);
            out.push((Need::CpuCores(self.cpu_cores), has));
        }
        if caps.memory_mb.get() < u64::from(self.memory_mb) {
            let has = format!("{} MiB of memory", caps.memory_mb);
            out.push((Need::MemoryMb(self.memory_mb), has));
        }
        if self.gpu_count == 0 {
            return out;
        }
        // Without a GPU every GPU requirement fails, so each is listed: that lets the caller
        // find the requirements that fail on every node.
        let (count, vram, model) = match &caps.gpu {
            Some(gpu) => (gpu.count.get(), gpu.vram_mb.get(), Some(&gpu.model)),
            None => (0, 0, None),
        };
        let has = |what: String| {
            if model.is_some() {
                what
            } else {
                NO_GPU.to_owned()
            }
        };
        if count < self.gpu_count {
            out.push((Need::GpuCount(self.gpu_count), has(format!("{count} GPU(s)"))));
        }
        if vram < u64::from(self.gpu_vram_mb) {
            let what = has(format!("{vram} MiB of VRAM per GPU"));
            out.push((Need::GpuVramMb(self.gpu_vram_mb), what));
        }
        if let Some(wanted) = &self.gpu_model {
            if model != Some(wanted) {
                let what = has(format!("GPU model {:?}", model.map_or("", GpuModel::as_str)));
                out.push((Need::GpuModel(wanted.as_str().to_owned()), what));
            }
        }
        out
    }
}

/// What [`Requirements::unmet`] says a node without a GPU has.
pub(crate) const NO_GPU: &str = "no GPU";

/// One requirement, for explaining why no node matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Need {
    CpuCores(u32),
    MemoryMb(u32),
    GpuCount(u32),
    GpuVramMb(u32),
    GpuModel(String),
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CpuCores(n) => write!(f, "{n} CPU cores"),
            Self::MemoryMb(n) => write!(f, "{n} MiB of memory"),
            Self::GpuCount(n) => write!(f, "{n} GPU(s)"),
            Self::GpuVramMb(n) => write!(f, "{n} MiB of VRAM per GPU"),
            Self::GpuModel(m) => write!(f, "a GPU of model {m:?}"),
        }
    }
}

/// One job to submit: a copy of a job of the scenario file (`count` copies per entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobPlan {
    pub(crate) name: Name,
    pub(crate) group: Name,
    pub(crate) copy: u32,
    pub(crate) spec: WorkloadSpec,
    pub(crate) budget: Tokens,
    pub(crate) requirements: Requirements,
    pub(crate) arrival_block: u32,
    pub(crate) requester: Name,
    pub(crate) accept_within: Option<NonZeroU32>,
    pub(crate) execute_within: Option<NonZeroU32>,
    pub(crate) cancel_after: Option<u32>,
    pub(crate) expect_unmatched: bool,
}

impl JobPlan {
    /// Unique within the scenario: the file's name, or `<name>-<copy>` when `count > 1`.
    pub fn name(&self) -> &Name {
        &self.name
    }
    /// The job's name as written in the file; expectations and fault triggers use it.
    pub fn group(&self) -> &Name {
        &self.group
    }
    /// Index of this copy among the job's copies, from 0.
    pub fn copy(&self) -> u32 {
        self.copy
    }
    /// The task spec to upload; copies differ in their seed (`seed + copy`, wrapping).
    pub fn spec(&self) -> &WorkloadSpec {
        &self.spec
    }
    /// Escrowed budget, whole tokens, at least 1.
    pub fn budget(&self) -> Tokens {
        self.budget
    }
    /// What the node that takes it must declare.
    pub fn requirements(&self) -> &Requirements {
        &self.requirements
    }
    /// Blocks after the scenario starts at which the job is submitted; before `timeout_blocks`.
    pub fn arrival_block(&self) -> u32 {
        self.arrival_block
    }
    /// The topology requester that submits (and pays for) the job.
    pub fn requester(&self) -> &Name {
        &self.requester
    }
    /// Blocks the job stays open; `None` takes the topology's `accept_timeout_blocks`.
    pub fn accept_within(&self) -> Option<NonZeroU32> {
        self.accept_within
    }
    /// Blocks a node has for its result; `None` takes `execution_timeout_blocks`.
    pub fn execute_within(&self) -> Option<NonZeroU32> {
        self.execute_within
    }
    /// Blocks after submission at which the requester cancels the job. `Some(0)` sends the
    /// cancellation right behind the submission, which races any node that accepts at once.
    pub fn cancel_after(&self) -> Option<u32> {
        self.cancel_after
    }
    /// The file says no online worker can take the job (to test expiry and cancellation);
    /// validation has checked that this is true.
    pub fn expect_unmatched(&self) -> bool {
        self.expect_unmatched
    }
}

//! The scenario file as written: serde shapes that mirror the YAML one to one, every leaf
//! with its place so validation can point at it. Nothing is checked here beyond YAML types.

use serde::Deserialize;

use super::fault::FaultAction;
use super::outcome::{Dispute, Outcome, RefundReason};
use crate::diagnostics::Sp;
use cr_protocol::lifecycle::Milestone;

/// Default of `timeout_blocks`.
pub(crate) const DEFAULT_TIMEOUT_BLOCKS: u32 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Sp<String>,
    #[serde(default)]
    pub description: Sp<String>,
    pub topology: Sp<String>,
    #[serde(default = "default_timeout")]
    pub timeout_blocks: Sp<u32>,
    #[serde(default)]
    pub jobs: Sp<Vec<Sp<RawJob>>>,
    #[serde(default)]
    pub faults: Sp<Vec<Sp<RawFault>>>,
    #[serde(default)]
    pub floods: Sp<Vec<Sp<RawFlood>>>,
    #[serde(default)]
    pub expect: Sp<RawExpect>,
    #[serde(default)]
    pub should_fail: Option<Sp<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJob {
    pub name: Sp<String>,
    pub workload: Sp<String>,
    pub size: Sp<u64>,
    #[serde(default)]
    pub seed: Sp<u64>,
    pub budget: Sp<u64>,
    #[serde(default = "one")]
    pub count: Sp<u32>,
    #[serde(default)]
    pub at_block: Sp<u32>,
    #[serde(default)]
    pub spacing_blocks: Sp<u32>,
    #[serde(default)]
    pub requester: Option<Sp<String>>,
    #[serde(default)]
    pub requirements: Option<Sp<RawRequirements>>,
    #[serde(default)]
    pub accept_within: Option<Sp<u32>>,
    #[serde(default)]
    pub execute_within: Option<Sp<u32>>,
    #[serde(default)]
    pub cancel_after_blocks: Option<Sp<u32>>,
    #[serde(default)]
    pub expect_unmatched: Sp<bool>,
}

/// Unmatchable jobs submitted at once, all expiring in one block: a requester-side attack on
/// the deadline queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFlood {
    pub name: Sp<String>,
    pub count: Sp<u32>,
    #[serde(default)]
    pub at_block: Sp<u32>,
    pub expire_at_block: Sp<u32>,
    #[serde(default)]
    pub requester: Option<Sp<String>>,
    #[serde(default)]
    pub expect_refused: Option<Sp<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequirements {
    #[serde(default = "one")]
    pub cpu_cores: Sp<u32>,
    #[serde(default = "default_memory")]
    pub memory_mb: Sp<u32>,
    #[serde(default)]
    pub gpu: Option<Sp<RawGpuNeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGpuNeed {
    #[serde(default = "one")]
    pub count: Sp<u32>,
    #[serde(default)]
    pub model: Option<Sp<String>>,
    #[serde(default)]
    pub vram_mb: Sp<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub action: Sp<FaultAction>,
    #[serde(default)]
    pub node: Option<Sp<String>>,
    #[serde(default)]
    pub runtime: Option<Sp<String>>,
    #[serde(default)]
    pub at_block: Option<Sp<u32>>,
    #[serde(default)]
    pub after: Option<Sp<RawAfter>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAfter {
    pub job: Sp<String>,
    pub stage: Sp<Milestone>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawExpect {
    pub jobs: Sp<Vec<Sp<RawJobExpect>>>,
    pub finality_advances: Sp<u32>,
    pub all_terminal: Sp<bool>,
    pub invariants: Sp<bool>,
}

impl Default for RawExpect {
    fn default() -> Self {
        Self {
            jobs: Sp::default(),
            finality_advances: Sp::unplaced(1),
            all_terminal: Sp::unplaced(true),
            invariants: Sp::unplaced(true),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJobExpect {
    pub job: Sp<String>,
    pub outcome: Sp<Outcome>,
    #[serde(default)]
    pub within_blocks: Option<Sp<u32>>,
    #[serde(default)]
    pub reason: Option<Sp<RefundReason>>,
    #[serde(default)]
    pub dispute: Option<Sp<Dispute>>,
    #[serde(default)]
    pub node_group: Option<Sp<String>>,
    #[serde(default)]
    pub timeouts: Option<Sp<u32>>,
    #[serde(default)]
    pub error: Option<Sp<String>>,
    #[serde(default)]
    pub refusals: Sp<Vec<Sp<String>>>,
}

fn default_timeout() -> Sp<u32> {
    Sp::unplaced(DEFAULT_TIMEOUT_BLOCKS)
}
fn one() -> Sp<u32> {
    Sp::unplaced(1)
}
fn default_memory() -> Sp<u32> {
    Sp::unplaced(256)
}

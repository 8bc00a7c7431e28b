//! The topology model: a YAML file describing a testnet, parsed and validated into a
//! [`Topology`] before anything starts.
//!
//! Everything wrong with a file is reported at once (parse errors stop at the first), each
//! problem with its file, line, column, field path and the change that fixes it; see
//! [`TopologyError`]. The format itself is printed by `testnet schema` ([`json_schema`]).

mod compute;
mod engine;
mod fix;
mod kind;
mod model;
mod names;
mod raw;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::provider::{EngineChoice, Placement};

use crate::runtime::RuntimeFile;

pub use compute::MAX_COMPUTE_NODES;
pub use kind::ProblemKind;
pub use model::{
    Behaviour, Capabilities, ComputeContainer, ComputeNode, Gpu, GpuModel, MarketParams, Name, Percent, Publish,
    Registration, Role, TestnetName, Tokens, ValidatorSpec, MAX_DEADLINE_BLOCKS, MAX_NAME_LEN, UNITS_PER_TOKEN,
};
pub use names::RESERVED_STORE;
pub use validate::{MAX_REQUESTERS, MAX_VALIDATORS};

use crate::diagnostics::{precheck, single, Collector};

/// A topology that could not be read ([`TopologyError::Read`]), or one or more problems in
/// its text ([`TopologyError::Invalid`]).
pub type TopologyError = crate::diagnostics::FileError<ProblemKind>;
type Rejection = crate::diagnostics::Rejection<ProblemKind>;
/// One thing wrong with a topology.
pub type Problem = crate::diagnostics::Problem<ProblemKind>;

/// A validated testnet topology. Only [`Topology::load`] and [`Topology::parse`] make one,
/// so holding one means every check passed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Topology {
    name: TestnetName,
    validators: Vec<ValidatorSpec>,
    block_time_ms: u32,
    market: MarketParams,
    requesters: Vec<Name>,
    endowment: Tokens,
    runtime: Option<RuntimeFile>,
    compute: Vec<ComputeNode>,
    containers: Vec<ComputeContainer>,
    store_enabled: bool,
    publish: Publish,
    engine: EngineChoice,
    network_capacity: Option<usize>,
    placements: Placements,
}

/// Where each part of the testnet runs, on an engine of several hosts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Placements {
    validators: Placement,
    store: Placement,
    /// By group name; a group without an entry spreads.
    groups: BTreeMap<String, Placement>,
}

impl Topology {
    /// Reads and validates the topology file at `path`; errors name the path as given.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, TopologyError> {
        crate::diagnostics::load(path.as_ref(), Self::parse)
    }

    /// Parses and validates `text`; `source_name` is the file name used in errors.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, TopologyError> {
        if let Some(problem) = precheck(text) {
            return Err(single(source_name, None, problem.into()));
        }
        let file: Arc<str> = Arc::from(source_name);
        let mut report = Collector::new(file.clone(), text);
        let topology =
            crate::diagnostics::parse(text, &mut report).and_then(|raw| validate::validate(&raw, &mut report));
        match topology {
            Some(topology) if report.is_clean() => Ok(topology),
            _ => Err(Rejection::new(file, Arc::from(text), report.into_problems()).into()),
        }
    }

    /// The testnet's name; labels every Docker object.
    pub fn name(&self) -> &TestnetName {
        &self.name
    }
    /// Validators in order; validator `i` publishes `publish().rpc_port(i)`.
    pub fn validators(&self) -> &[ValidatorSpec] {
        &self.validators
    }
    /// Every compute daemon, group by group, in file order.
    pub fn compute_nodes(&self) -> &[ComputeNode] {
        &self.compute
    }
    /// The containers the daemons are packed into (`per_container` per container).
    pub fn compute_containers(&self) -> &[ComputeContainer] {
        &self.containers
    }
    /// Genesis parameters of pallet-compute.
    pub fn market(&self) -> &MarketParams {
        &self.market
    }
    /// Target block time, ms: even, 1000..=6000.
    pub fn block_time_ms(&self) -> u32 {
        self.block_time_ms
    }
    /// Funded accounts that submit jobs; at least one.
    pub fn requesters(&self) -> &[Name] {
        &self.requesters
    }
    /// Whole tokens each requester and compute node gets at genesis.
    pub fn endowment_tokens(&self) -> Tokens {
        self.endowment
    }
    /// The runtime the chain starts on; `None`: the node's own (the working tree's).
    pub fn runtime(&self) -> Option<&RuntimeFile> {
        self.runtime.as_ref()
    }
    /// Whether the artifact store runs.
    pub fn store_enabled(&self) -> bool {
        self.store_enabled
    }
    /// Host ports to publish.
    pub fn publish(&self) -> &Publish {
        &self.publish
    }
    /// The same testnet on another engine (`testnet up --engine`); refused when the file pins
    /// parts to hosts and the new engine has only one.
    pub fn on_engine(mut self, engine: EngineChoice) -> Result<Self, String> {
        let pinned = self.placements.validators != Placement::Spread
            || self.placements.store != Placement::Spread
            || self.placements.groups.values().any(|p| *p != Placement::Spread);
        if engine == EngineChoice::Local && pinned {
            return Err("the topology places parts on hosts (`placement:`) and the local engine has one host; \
                        remove the placements or keep its engine"
                .to_owned());
        }
        self.engine = engine;
        Ok(self)
    }
    /// Containers per network at most, when the file bounds it below the engine's own.
    pub fn network_capacity(&self) -> Option<usize> {
        self.network_capacity
    }
    /// The engine the testnet runs on.
    pub fn engine(&self) -> &EngineChoice {
        &self.engine
    }
    /// Where validators run (every validator alike).
    pub fn validator_placement(&self) -> &Placement {
        &self.placements.validators
    }
    /// Where the artifact store runs.
    pub fn store_placement(&self) -> &Placement {
        &self.placements.store
    }
    /// Where the containers of compute group `group` run.
    pub fn group_placement(&self, group: &Name) -> &Placement {
        self.placements.groups.get(group.as_str()).unwrap_or(&Placement::Spread)
    }
    /// Names of the compute nodes that vote on disputes (the genesis committee).
    pub fn committee(&self) -> Vec<&Name> {
        self.compute.iter().filter(|n| n.committee()).map(ComputeNode::name).collect()
    }
}

/// JSON Schema of the topology file format, for `testnet schema` and editor completion.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(raw::RawTopology).to_value()
}

//! The topology model: a YAML file describing a testnet, parsed and validated into a
//! [`Topology`] before anything starts.
//!
//! Everything wrong with a file is reported at once (parse errors stop at the first), each
//! problem with its file, line, column, field path and the change that fixes it; see
//! [`TopologyError`]. The format itself is printed by `testnet schema` ([`json_schema`]).

mod compute;
mod error;
mod fix;
mod kind;
mod locate;
mod model;
mod names;
mod parse;
mod raw;
mod report;
mod validate;

#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

pub use compute::MAX_COMPUTE_NODES;
pub use error::{Position, Problem, ProblemKind, Rejection, TopologyError};
pub use model::{
    Behaviour, Capabilities, ComputeContainer, ComputeNode, Gpu, GpuModel, MarketParams, Name,
    Percent, Publish, Role, TestnetName, Tokens, ValidatorSpec, MAX_NAME_LEN, UNITS_PER_TOKEN,
};
pub use names::RESERVED_STORE;
pub use parse::MAX_FILE_BYTES;
pub use validate::{MAX_REQUESTERS, MAX_VALIDATORS};

use report::Report;

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
    compute: Vec<ComputeNode>,
    containers: Vec<ComputeContainer>,
    store_enabled: bool,
    publish: Publish,
}

impl Topology {
    /// Reads and validates the topology file at `path`; errors name the path as given.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, TopologyError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let read_error = |source| TopologyError::Read {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut bytes = Vec::new();
        // One byte past the cap tells "too large" apart from "exactly at the cap".
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        match String::from_utf8(bytes) {
            Ok(text) => Self::parse(&shown, &text),
            Err(err) => {
                let good = &err.as_bytes()[..err.utf8_error().valid_up_to()];
                let line = good.iter().filter(|b| **b == b'\n').count() as u64 + 1;
                let at = Position { line, column: 0 };
                Err(single(&shown, Some(at), ProblemKind::NotUtf8))
            }
        }
    }

    /// Parses and validates `text`; `source_name` is the file name used in errors.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, TopologyError> {
        if text.len() as u64 > MAX_FILE_BYTES {
            let kind = ProblemKind::FileTooLarge {
                max: MAX_FILE_BYTES,
            };
            return Err(single(source_name, None, kind));
        }
        let blank = |line: &str| line.trim().is_empty() || line.trim_start().starts_with('#');
        if text.lines().all(blank) {
            return Err(single(source_name, None, ProblemKind::Empty));
        }
        let file: Arc<str> = Arc::from(source_name);
        let mut report = Report::new(file.clone(), text);
        let topology =
            parse::parse(text, &mut report).and_then(|raw| validate::validate(&raw, &mut report));
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
    /// Whether the artifact store runs.
    pub fn store_enabled(&self) -> bool {
        self.store_enabled
    }
    /// Host ports to publish.
    pub fn publish(&self) -> &Publish {
        &self.publish
    }
    /// Names of the compute nodes that vote on disputes (the genesis committee).
    pub fn committee(&self) -> Vec<&Name> {
        self.compute
            .iter()
            .filter(|n| n.committee())
            .map(ComputeNode::name)
            .collect()
    }
}

/// A rejection of the file as a whole, before any YAML was read.
fn single(file: &str, at: Option<Position>, kind: ProblemKind) -> TopologyError {
    let file: Arc<str> = Arc::from(file);
    let problem = Problem::new(file.clone(), at, None, String::new(), kind);
    Rejection::new(file, Arc::from(""), vec![problem]).into()
}

/// JSON Schema of the topology file format, for `testnet schema` and editor completion.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(raw::RawTopology).to_value()
}

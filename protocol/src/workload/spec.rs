//! The task-spec document: parsing with precise errors, validation, canonical bytes.

use serde_json::{Map, Value};

use super::Workload;
use crate::hash::Hash32;

/// Specs are a few dozen bytes; anything this large is not a spec.
pub const MAX_SPEC_BYTES: usize = 4096;

/// Operations per second a node plans with: a third of the 1.5 x 10^9/s measured on one
/// free core (see [`Workload::estimated_ops`]), since a testnet host shares its cores.
pub const PLANNING_OPS_PER_SECOND: u64 = 500_000_000;

/// Blocks between accepting and the result's inclusion besides the run: the accept's own
/// block, the download of the spec and the upload of the output, the result's block.
pub const INCLUSION_BLOCKS: u64 = 2;

/// The fields a spec has, in canonical order.
const FIELDS: [&str; 3] = ["workload", "size", "seed"];

/// An example for messages.
const EXAMPLE: &str = r#"{"workload": "hash-chain", "size": 100000, "seed": 7}"#;

/// A validated task spec: a known workload, a size within its limits, a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawSpec", into = "RawSpec")]
pub struct WorkloadSpec {
    workload: Workload,
    size: u64,
    seed: u64,
}

/// The document as serde sees it in other files (scenarios); validated into a `WorkloadSpec`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    workload: String,
    size: u64,
    seed: u64,
}

impl TryFrom<RawSpec> for WorkloadSpec {
    type Error = SpecError;

    fn try_from(raw: RawSpec) -> Result<Self, SpecError> {
        WorkloadSpec::new(raw.workload.parse()?, raw.size, raw.seed)
    }
}

impl From<WorkloadSpec> for RawSpec {
    fn from(spec: WorkloadSpec) -> Self {
        RawSpec { workload: spec.workload.name().to_owned(), size: spec.size, seed: spec.seed }
    }
}

/// What is wrong with a task spec. Each message says what was found and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The document is larger than [`MAX_SPEC_BYTES`].
    #[error("the task spec is {len} bytes; a spec is a small JSON object of at most {max} bytes such as {EXAMPLE}")]
    TooLong {
        /// Size of the document.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not UTF-8.
    #[error("the task spec is not UTF-8 text (invalid byte at offset {valid_up_to}); expected a JSON object such as {EXAMPLE}")]
    NotUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The text is not one JSON document.
    #[error("the task spec is not valid JSON: {message}; expected a JSON object such as {EXAMPLE}")]
    Json {
        /// serde_json's description, which includes the line and column.
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The JSON value is not an object.
    #[error("the task spec is {found}; expected a JSON object such as {EXAMPLE}")]
    NotAnObject {
        /// What was found ("an array", "a string", ...).
        found: &'static str,
    },
    /// A field that specs do not have.
    #[error("unknown field {field:?} in the task spec; the accepted fields are workload, size, seed")]
    UnknownField {
        /// The unexpected field name.
        field: String,
    },
    /// A required field is absent.
    #[error("the task spec has no {field:?} field; all of workload, size and seed are required, e.g. {EXAMPLE}")]
    MissingField {
        /// The absent field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field {field:?} of the task spec is {found}; expected {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// The workload name is not one of [`Workload::ALL`].
    #[error("unknown workload {found:?}; the accepted workloads are {}", Workload::accepted_names())]
    UnknownWorkload {
        /// The name given.
        found: String,
    },
    /// `size` is zero.
    #[error("size 0 for workload {workload}; size counts {} and must be between 1 and {}", workload.size_meaning(), workload.max_size())]
    ZeroSize {
        /// The workload named.
        workload: Workload,
    },
    /// `size` is above the workload's limit.
    #[error("size {size} for workload {workload} is above its limit; size counts {} and must be between 1 and {max}", workload.size_meaning())]
    SizeTooLarge {
        /// The workload named.
        workload: Workload,
        /// The size given.
        size: u64,
        /// The workload's limit.
        max: u64,
    },
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() => "a number",
        Value::Number(n) if n.is_i64() => "a negative integer",
        Value::Number(n) if n.is_f64() => "a fractional, exponent-notation or out-of-range number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn field<'a>(map: &'a Map<String, Value>, name: &'static str) -> Result<&'a Value, SpecError> {
    map.get(name).ok_or(SpecError::MissingField { field: name })
}

fn integer(map: &Map<String, Value>, name: &'static str) -> Result<u64, SpecError> {
    let value = field(map, name)?;
    value.as_u64().ok_or(SpecError::WrongType {
        field: name,
        expected: "a non-negative integer below 2^64",
        found: kind_of(value),
    })
}

impl WorkloadSpec {
    /// A spec, checked: `size` must be in `1..=workload.max_size()`.
    pub fn new(workload: Workload, size: u64, seed: u64) -> Result<Self, SpecError> {
        if size == 0 {
            return Err(SpecError::ZeroSize { workload });
        }
        let max = workload.max_size();
        if size > max {
            return Err(SpecError::SizeTooLarge { workload, size, max });
        }
        Ok(Self { workload, size, seed })
    }

    /// Parses and validates a spec document (UTF-8 JSON, exactly the fields `workload`, `size`
    /// and `seed`). Never panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Self, SpecError> {
        if bytes.len() > MAX_SPEC_BYTES {
            return Err(SpecError::TooLong { len: bytes.len(), max: MAX_SPEC_BYTES });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| SpecError::NotUtf8 { valid_up_to: e.valid_up_to() })?;
        let value: Value = serde_json::from_str(text).map_err(|e| SpecError::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(map) = &value else {
            return Err(SpecError::NotAnObject { found: kind_of(&value) });
        };
        // Unknown fields first: a typo ("sizes") is then reported as such, not as "no size".
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(SpecError::UnknownField { field: unknown.clone() });
        }
        let workload_value = field(map, "workload")?;
        let Value::String(name) = workload_value else {
            return Err(SpecError::WrongType {
                field: "workload",
                expected: "a string naming a workload",
                found: kind_of(workload_value),
            });
        };
        let workload: Workload = name.parse()?;
        let size = integer(map, "size")?;
        let seed = integer(map, "seed")?;
        Self::new(workload, size, seed)
    }

    /// The canonical document: `{"workload":"<name>","size":<n>,"seed":<s>}`, no whitespace,
    /// fields in that order. `parse(to_bytes())` gives the spec back.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Workload names are fixed ASCII without quotes or backslashes, so no escaping is needed.
        format!(r#"{{"workload":"{}","size":{},"seed":{}}}"#, self.workload.name(), self.size, self.seed).into_bytes()
    }

    /// Blake2-256 of the canonical document (the `spec_hash` when the spec is uploaded as
    /// [`to_bytes`](Self::to_bytes) produces it).
    pub fn canonical_hash(&self) -> Hash32 {
        Hash32::of(&self.to_bytes())
    }

    /// The program to run.
    pub fn workload(&self) -> Workload {
        self.workload
    }

    /// The size parameter (its meaning depends on the workload).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The seed of the program's generated inputs.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// [`Workload::estimated_ops`] for this spec's size.
    pub fn estimated_ops(&self) -> u64 {
        self.workload.estimated_ops(self.size)
    }

    /// Blocks of `block_time_ms` a node needs from accepting this spec to its result being
    /// included: the run at [`PLANNING_OPS_PER_SECOND`], rounded up, plus
    /// [`INCLUSION_BLOCKS`]. A daemon declines a job whose execution window is shorter.
    pub fn blocks_needed(&self, block_time_ms: u64) -> u64 {
        let millis = self.estimated_ops().saturating_mul(1_000) / PLANNING_OPS_PER_SECOND;
        millis.div_ceil(block_time_ms.max(1)).saturating_add(INCLUSION_BLOCKS)
    }
}

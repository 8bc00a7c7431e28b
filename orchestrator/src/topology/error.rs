//! Why a topology was refused: where, which field, what is wrong and what to change. The
//! machinery is [`crate::diagnostics`]; this file names the topology's instances of it.

pub use super::kind::ProblemKind;
use crate::diagnostics::{self, Format, Kind};

/// A topology that could not be read ([`TopologyError::Read`]), or one or more problems in
/// its text ([`TopologyError::Invalid`]).
pub type TopologyError = diagnostics::FileError<ProblemKind>;
/// All problems found in one topology file (parse errors stop at the first).
pub type Rejection = diagnostics::Rejection<ProblemKind>;
/// One thing wrong with a topology.
pub type Problem = diagnostics::Problem<ProblemKind>;

/// The topology format, as fixes name it.
pub(super) const FORMAT: Format = Format {
    subject: "topology",
    least: "`name:` and `validators:`",
    example: "topologies/local.yaml",
    shorter: "describe fleets with `count` instead of listing them",
    schema_command: Some("testnet schema"),
};

impl Kind for ProblemKind {
    const FORMAT: Format = FORMAT;

    fn code(&self) -> &'static str {
        ProblemKind::code(self)
    }
    fn fix(&self, path: &str) -> String {
        ProblemKind::fix(self, path)
    }
}

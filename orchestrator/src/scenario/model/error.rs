//! Why a scenario was refused, in the same shape as a topology's refusal (file, line, column,
//! field path, message, fix): the machinery is [`crate::diagnostics`].

use super::kind::ProblemKind;
use crate::diagnostics::{self, Format, Kind};

/// A scenario that could not be read ([`ScenarioError::Read`]), or one or more problems in
/// its text or in the topology it names ([`ScenarioError::Invalid`]).
pub type ScenarioError = diagnostics::FileError<ProblemKind>;
/// All problems found in one scenario file (parse errors stop at the first).
pub type Rejection = diagnostics::Rejection<ProblemKind>;
/// One thing wrong with a scenario.
pub type Problem = diagnostics::Problem<ProblemKind>;

/// The scenario format, as fixes name it.
pub(super) const FORMAT: Format = Format {
    subject: "scenario",
    least: "`name:`, `topology:` and `jobs:`",
    example: "workloads/scenarios/happy-path.yaml",
    shorter: "use `count` for many copies of a job",
    schema_command: None,
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

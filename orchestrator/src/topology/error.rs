//! Why a topology was refused: where, which field, what is wrong and what to change. The
//! machinery is shared with the other input files (see [`super::diagnostic`]); this file names
//! the topology's instances of it.

use super::diagnostic::{self, Kind};
pub use super::kind::ProblemKind;
use super::parse::YamlProblem;

/// A topology that could not be read ([`TopologyError::Read`]), or one or more problems in
/// its text ([`TopologyError::Invalid`]).
pub type TopologyError = diagnostic::FileError<ProblemKind>;
/// All problems found in one topology file (parse errors stop at the first).
pub type Rejection = diagnostic::Rejection<ProblemKind>;
/// One thing wrong with a topology.
pub type Problem = diagnostic::Problem<ProblemKind>;

impl Kind for ProblemKind {
    const SUBJECT: &'static str = "topology";

    fn code(&self) -> &'static str {
        ProblemKind::code(self)
    }
    fn fix(&self, path: &str) -> String {
        ProblemKind::fix(self, path)
    }
}

impl From<YamlProblem> for ProblemKind {
    fn from(problem: YamlProblem) -> Self {
        match problem {
            YamlProblem::Syntax { message } => Self::Syntax { message },
            YamlProblem::Empty => Self::Empty,
            YamlProblem::NotUtf8 => Self::NotUtf8,
            YamlProblem::FileTooLarge { max } => Self::FileTooLarge { max },
            YamlProblem::TooComplex { message } => Self::TooComplex { message },
            YamlProblem::UnknownField { field, expected } => Self::UnknownField { field, expected },
            YamlProblem::MissingField { field } => Self::MissingField { field },
            YamlProblem::DuplicateKey { key } => Self::DuplicateKey { key },
            YamlProblem::WrongValue { message } => Self::WrongValue { message },
            YamlProblem::UnknownVariant { value, expected } => Self::UnknownVariant { value, expected },
        }
    }
}

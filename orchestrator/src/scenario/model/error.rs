//! Why a scenario was refused, in the same shape as a topology's refusal (file, line, column,
//! field path, message, fix), so both read and render alike.

use super::kind::ProblemKind;
use crate::topology::diagnostic::{self, Kind};
use crate::topology::YamlProblem;

/// A scenario that could not be read ([`ScenarioError::Read`]), or one or more problems in
/// its text or in the topology it names ([`ScenarioError::Invalid`]).
pub type ScenarioError = diagnostic::FileError<ProblemKind>;
/// All problems found in one scenario file (parse errors stop at the first).
pub type Rejection = diagnostic::Rejection<ProblemKind>;
/// One thing wrong with a scenario.
pub type Problem = diagnostic::Problem<ProblemKind>;

impl Kind for ProblemKind {
    const SUBJECT: &'static str = "scenario";

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

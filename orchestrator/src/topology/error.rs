//! Why a topology was refused: where, which field, what is wrong and what to change.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

pub use super::kind::ProblemKind;

/// A topology that could not be read, or one or more problems in its text.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The file could not be read at all.
    #[error("{path}: cannot read the topology file: {source}; check the path and its permissions")]
    Read {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is malformed or inconsistent.
    #[error(transparent)]
    Invalid(#[from] Rejection),
}

impl TopologyError {
    /// Every problem found, in file order; empty for [`TopologyError::Read`].
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid(rejection) => &rejection.problems,
        }
    }
}

impl Diagnostic for TopologyError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Self::Read { .. } => Some(Box::new("testnet::topology::read")),
            Self::Invalid(rejection) => rejection.code(),
        }
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid(rejection) => rejection.help(),
        }
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid(rejection) => rejection.source_code(),
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid(rejection) => rejection.labels(),
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid(rejection) => rejection.related(),
        }
    }
}

/// All problems found in one topology file (parse errors stop at the first).
#[derive(Debug)]
pub struct Rejection {
    file: Arc<str>,
    source: NamedSource<Arc<str>>,
    problems: Vec<Problem>,
}

impl Rejection {
    pub(crate) fn new(file: Arc<str>, text: Arc<str>, mut problems: Vec<Problem>) -> Self {
        // File order reads best; problems without a place go last.
        problems.sort_by_key(|p| {
            p.position
                .map_or((u64::MAX, u64::MAX), |p| (p.line, p.column))
        });
        let source = NamedSource::new(&file, text);
        Self {
            file,
            source,
            problems,
        }
    }

    /// The problems, in file order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{}: {} problems in the topology:", self.file, many.len())?;
                for problem in many {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Rejection {}

// With one problem the rejection *is* that problem; with several, each becomes a related
// diagnostic that borrows this source, so miette draws one snippet per problem.
impl Diagnostic for Rejection {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.single().and_then(|p| p.code())
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.single().and_then(|p| p.help())
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.single().and_then(|p| p.labels())
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.problems.len() < 2 {
            return None;
        }
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

impl Rejection {
    fn single(&self) -> Option<&Problem> {
        match self.problems.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// A 1-based place in the file; `column` is 0 when only the line is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column in characters, from 1; 0 when unknown.
    pub column: u64,
}

/// One thing wrong with a topology.
#[derive(Debug, Clone)]
pub struct Problem {
    file: Arc<str>,
    position: Option<Position>,
    span: Option<SourceSpan>,
    path: String,
    kind: ProblemKind,
}

impl Problem {
    pub(crate) fn new(
        file: Arc<str>,
        position: Option<Position>,
        span: Option<SourceSpan>,
        path: String,
        kind: ProblemKind,
    ) -> Self {
        Self {
            file,
            position,
            span,
            path,
            kind,
        }
    }

    /// The file name as given to `load` or `parse`.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// Where in the file, when known.
    pub fn position(&self) -> Option<Position> {
        self.position
    }
    /// Field path such as `compute[1].gpu.count`; empty when the problem has no field.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// What is wrong.
    pub fn kind(&self) -> &ProblemKind {
        &self.kind
    }
    /// A sentence saying what to change.
    pub fn fix(&self) -> String {
        self.kind.fix(&self.path)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match self.position {
            Some(Position { line, column: 0 }) => write!(f, ":{line}")?,
            Some(Position { line, column }) => write!(f, ":{line}:{column}")?,
            None => {}
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}; {}", self.kind, self.fix())
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("testnet::topology::{}", self.kind.code())))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.fix()))
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = LabeledSpan::new_primary_with_span(Some(self.kind.to_string()), span);
        Some(Box::new(std::iter::once(label)))
    }
}

//! A problem in an input file: where, which field, what is wrong and what to change, as one
//! line of text or as a miette diagnostic with a snippet. Each format brings its own problem
//! kinds ([`Kind`]); places, ordering and rendering are the same for every file.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

use super::yaml::Format;

/// A file format's list of problems: each kind has a message (`Display`), a fix and a code.
pub trait Kind: fmt::Display + fmt::Debug + Clone + Send + Sync + 'static {
    /// The file format, as messages and fixes name it.
    const FORMAT: Format;
    /// A stable kebab-case identifier; the diagnostic code is `testnet::<subject>::<code>`.
    fn code(&self) -> &'static str;
    /// What to change, as a sentence; `path` is the field the problem is at.
    fn fix(&self, path: &str) -> String;
}

/// A file that could not be read, or one or more problems in its text.
#[derive(Debug)]
pub enum FileError<K: Kind> {
    /// The file could not be read at all.
    Read {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file was read but is malformed or inconsistent.
    Invalid(Rejection<K>),
}

impl<K: Kind> FileError<K> {
    /// Every problem found, in file order; empty for [`FileError::Read`].
    pub fn problems(&self) -> &[Problem<K>] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid(rejection) => &rejection.problems,
        }
    }
}

impl<K: Kind> From<Rejection<K>> for FileError<K> {
    fn from(rejection: Rejection<K>) -> Self {
        Self::Invalid(rejection)
    }
}

impl<K: Kind> fmt::Display for FileError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => {
                write!(
                    f,
                    "{path}: cannot read the {} file: {source}; check the path and its permissions",
                    K::FORMAT.subject
                )
            }
            Self::Invalid(rejection) => rejection.fmt(f),
        }
    }
}

impl<K: Kind> std::error::Error for FileError<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Invalid(rejection) => rejection.source(),
        }
    }
}

impl<K: Kind> Diagnostic for FileError<K> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Self::Read { .. } => Some(Box::new(format!("testnet::{}::read", K::FORMAT.subject))),
            Self::Invalid(rejection) => rejection.code(),
        }
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.rejection().and_then(Diagnostic::help)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.rejection().and_then(Diagnostic::source_code)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.rejection().and_then(Diagnostic::labels)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.rejection().and_then(Diagnostic::related)
    }
}

impl<K: Kind> FileError<K> {
    fn rejection(&self) -> Option<&Rejection<K>> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid(rejection) => Some(rejection),
        }
    }
}

/// All problems found in one file (parse errors stop at the first).
#[derive(Debug)]
pub struct Rejection<K: Kind> {
    file: Arc<str>,
    source: NamedSource<Arc<str>>,
    problems: Vec<Problem<K>>,
}

impl<K: Kind> Rejection<K> {
    pub(crate) fn new(file: Arc<str>, text: Arc<str>, mut problems: Vec<Problem<K>>) -> Self {
        // File order reads best; problems without a place go last.
        problems.sort_by_key(|p| p.position.map_or((u64::MAX, u64::MAX), |p| (p.line, p.column)));
        let source = NamedSource::new(&file, text);
        Self { file, source, problems }
    }

    /// The problems, in file order.
    pub fn problems(&self) -> &[Problem<K>] {
        &self.problems
    }

    fn single(&self) -> Option<&Problem<K>> {
        match self.problems.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

impl<K: Kind> fmt::Display for Rejection<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                let n = many.len();
                write!(f, "{}: {n} problems in the {}:", self.file, K::FORMAT.subject)?;
                for problem in many {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl<K: Kind> std::error::Error for Rejection<K> {}

// With one problem the rejection *is* that problem; with several, each becomes a related
// diagnostic that borrows this source, so miette draws one snippet per problem.
impl<K: Kind> Diagnostic for Rejection<K> {
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

/// A 1-based place in the file; `column` is 0 when only the line is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column in characters, from 1; 0 when unknown.
    pub column: u64,
}

/// One thing wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem<K: Kind> {
    file: Arc<str>,
    position: Option<Position>,
    span: Option<SourceSpan>,
    path: String,
    kind: K,
}

impl<K: Kind> Problem<K> {
    pub(crate) fn new(
        file: Arc<str>,
        position: Option<Position>,
        span: Option<SourceSpan>,
        path: String,
        kind: K,
    ) -> Self {
        Self { file, position, span, path, kind }
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
    pub fn kind(&self) -> &K {
        &self.kind
    }
    /// A sentence saying what to change.
    pub fn fix(&self) -> String {
        self.kind.fix(&self.path)
    }
    /// `file:line:col: path: message`, without the fix.
    pub fn what(&self) -> String {
        let mut out = self.file.to_string();
        match self.position {
            Some(Position { line, column: 0 }) => out.push_str(&format!(":{line}")),
            Some(Position { line, column }) => out.push_str(&format!(":{line}:{column}")),
            None => {}
        }
        if !self.path.is_empty() {
            out.push_str(&format!(": {}", self.path));
        }
        out.push_str(&format!(": {}", self.kind));
        out
    }
}

impl<K: Kind> fmt::Display for Problem<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.what(), self.fix())
    }
}

impl<K: Kind> std::error::Error for Problem<K> {}

impl<K: Kind> Diagnostic for Problem<K> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = format!("testnet::{}::{}", K::FORMAT.subject, self.kind.code());
        Some(Box::new(code))
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

/// A rejection of the file as a whole, before any YAML was read.
pub(crate) fn single<K: Kind>(file: &str, at: Option<Position>, kind: K) -> FileError<K> {
    let file: Arc<str> = Arc::from(file);
    let problem = Problem::new(file.clone(), at, None, String::new(), kind);
    Rejection::new(file, Arc::from(""), vec![problem]).into()
}

//! Collects problems while checking an input file and turns parser locations into places a
//! user (and miette) can find.

use std::sync::Arc;

use miette::SourceSpan;
use serde_saphyr::Location;

use super::problem::{Kind, Position, Problem};

/// The problems found so far in one file.
pub(crate) struct Collector<'a, K: Kind> {
    file: Arc<str>,
    text: &'a str,
    problems: Vec<Problem<K>>,
}

impl<'a, K: Kind> Collector<'a, K> {
    pub(crate) fn new(file: Arc<str>, text: &'a str) -> Self {
        Self { file, text, problems: Vec::new() }
    }

    /// Records a problem at `at`, or at `fallback` when `at` is a default with no place.
    pub(crate) fn add(&mut self, at: Location, fallback: Location, path: impl Into<String>, kind: K) {
        let at = if is_known(at) { at } else { fallback };
        self.problems.push(Problem::new(self.file.clone(), position(at), span(self.text, at), path.into(), kind));
    }

    /// A path written in the file, taken relative to the file's own folder.
    pub(crate) fn resolve(&self, written: &str) -> std::path::PathBuf {
        std::path::Path::new(&*self.file).parent().unwrap_or(std::path::Path::new("")).join(written)
    }

    /// Problems recorded so far; comparing counts tells whether a check added any.
    pub(crate) fn len(&self) -> usize {
        self.problems.len()
    }

    pub(crate) fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    pub(crate) fn into_problems(self) -> Vec<Problem<K>> {
        self.problems
    }
}

pub(crate) fn is_known(at: Location) -> bool {
    at.line() != 0
}

fn position(at: Location) -> Option<Position> {
    is_known(at).then(|| Position { line: at.line(), column: at.column() })
}

/// The byte span to underline: the node's own span when the parser knows it, else one
/// character at the line and column. Cut at the end of the first line, because a span
/// covering a whole mapping would underline half the file.
fn span(text: &str, at: Location) -> Option<SourceSpan> {
    if !is_known(at) {
        return None;
    }
    let start = match at.span().byte_offset() {
        Some(offset) => usize::try_from(offset).ok()?,
        None => offset_of(text, at.line(), at.column())?,
    };
    let rest = text.get(start..)?;
    let wanted = at
        .span()
        .byte_len()
        .and_then(|len| usize::try_from(len).ok())
        .filter(|len| *len > 0)
        .unwrap_or_else(|| rest.chars().next().map_or(0, char::len_utf8));
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut len = wanted.min(line_end);
    while !rest.is_char_boundary(len) {
        len -= 1;
    }
    Some(SourceSpan::new(start.into(), len))
}

/// Byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    let line_index = usize::try_from(line.checked_sub(1)?).ok()?;
    let line_start = if line_index == 0 { 0 } else { text.match_indices('\n').nth(line_index - 1)?.0 + 1 };
    let skip = usize::try_from(column.saturating_sub(1)).ok()?;
    let line_text = text.get(line_start..)?;
    let within = line_text.char_indices().nth(skip).map_or(line_text.len(), |(i, _)| i);
    Some(line_start + within)
}

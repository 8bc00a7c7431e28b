//! YAML text to the raw shapes, under a budget sized for topology files, with parser
//! errors translated into problems that name the field.

use serde_saphyr::{Error, Location, MessageFormatter, Options, UserMessageFormatter};

use super::kind::ProblemKind;
use super::locate::{find, Found};
use super::raw::RawTopology;
use super::report::Report;

/// Largest topology file accepted. Real ones are a few KiB; the cap keeps a stray binary or
/// generated monster from being read into memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Alias replays allowed when parsing: generous for anchors that share group settings,
/// far too few for an alias bomb ("billion laughs").
const MAX_REPLAYED_EVENTS: usize = 10_000;

/// Re-reading a broken file only to name a field is not worth expanding many aliases for.
const MAX_REPLAYED_EVENTS_TO_LOCATE: usize = 1_000;

/// A topology is a few hundred nodes of YAML at most. These limits are far above that yet
/// stop alias bombs and deep nesting before they cost noticeable time or memory.
fn options(max_replayed_events: usize) -> Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 100_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 50_000,
            max_total_scalar_bytes: 1024 * 1024,
            max_merge_keys: 1_000,
            max_recorded_anchor_events: 10_000,
            max_recorded_anchor_bytes: 1024 * 1024,
            max_inclusion_depth: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: max_replayed_events,
            max_replay_stack_depth: 16,
        },
        // Our own diagnostics carry the snippet; the parser's would duplicate it.
        with_snippet: false,
        reject_unsupported_tags: true,
    }
}

/// Parses `text`; on failure records one problem and returns `None`.
pub(crate) fn parse(text: &str, report: &mut Report<'_>) -> Option<RawTopology> {
    match serde_saphyr::from_str_with_options::<RawTopology>(text, options(MAX_REPLAYED_EVENTS)) {
        Ok(raw) => Some(raw),
        Err(err) => {
            let at = err.location().unwrap_or(Location::UNKNOWN);
            let kind = classify(&err);
            // Re-reading a file that broke the budget or the grammar would only fail again.
            let found = match kind {
                ProblemKind::Syntax { .. } | ProblemKind::TooComplex { .. } => None,
                _ if at.line() == 0 => None,
                _ => find(text, options(MAX_REPLAYED_EVENTS_TO_LOCATE), at),
            };
            let path = match (found, &kind) {
                // Serde reports a missing field at the mapping's last key; the field belongs
                // to the mapping, not to that key.
                (Some(Found::Key(path)), ProblemKind::MissingField { .. }) => parent(&path),
                (Some(Found::Key(path) | Found::Value(path)), _) => path,
                (None, _) => String::new(),
            };
            report.add(at, Location::UNKNOWN, path, kind);
            None
        }
    }
}

/// `compute[0].gpu` for `compute[0].gpu.model`; `` for a top-level key.
fn parent(path: &str) -> String {
    path.rfind('.')
        .map_or(String::new(), |dot| path[..dot].to_owned())
}

fn classify(err: &Error) -> ProblemKind {
    let inner = original(err);
    match inner {
        Error::SerdeUnknownField {
            field, expected, ..
        } => ProblemKind::UnknownField {
            field: clean(field),
            expected: expected.clone(),
        },
        Error::SerdeMissingField { field, .. } => ProblemKind::MissingField {
            field: (*field).to_owned(),
        },
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => ProblemKind::UnknownVariant {
            value: variant.clone(),
            expected: expected.clone(),
        },
        Error::DuplicateMappingKey { key, .. } => ProblemKind::DuplicateKey {
            key: key.as_deref().map(clean),
        },
        Error::Budget { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => ProblemKind::TooComplex {
            message: message(inner),
        },
        Error::SerdeInvalidType { .. }
        | Error::SerdeInvalidValue { .. }
        | Error::SerdeInvalidLength { .. }
        | Error::InvalidScalar { .. }
        | Error::NullIntoString { .. }
        | Error::InvalidBooleanStrict { .. }
        | Error::NonFiniteFloat { .. }
        | Error::UnsupportedTag { .. } => ProblemKind::WrongValue {
            message: message(inner),
        },
        _ => ProblemKind::Syntax {
            message: message(inner),
        },
    }
}

/// The error itself, without the wrappers that only add snippets or alias sites.
fn original(err: &Error) -> &Error {
    let mut err = err.without_snippet();
    while let Error::AliasError { error, .. } = err {
        err = error.without_snippet();
    }
    err
}

/// The parser's message without its location suffix (we print our own), made safe to show.
fn message(err: &Error) -> String {
    clean(&UserMessageFormatter.format_message(err))
}

/// Escapes control characters: the text may come from a hostile file and go to a terminal.
fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

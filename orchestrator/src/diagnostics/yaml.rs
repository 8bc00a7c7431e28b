//! YAML text to a format's raw shapes, under a budget sized for hand-written input files,
//! with parser errors translated into problems that name the field. Shared by every file
//! format the tool reads (topologies, scenarios).

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, Location, MessageFormatter, Options, UserMessageFormatter};

use super::collect::Collector;
use super::locate::{find, Found};
use super::problem::{FileError, Kind, Position};

/// Largest input file (topology, scenario) accepted. Real ones are a few KiB; the cap keeps a
/// stray binary or generated monster from being read into memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Alias replays allowed when parsing: generous for anchors that share group settings,
/// far too few for an alias bomb ("billion laughs").
const MAX_REPLAYED_EVENTS: usize = 10_000;

/// Re-reading a broken file only to name a field is not worth expanding many aliases for.
const MAX_REPLAYED_EVENTS_TO_LOCATE: usize = 1_000;

/// An input file is a few hundred nodes of YAML at most. These limits are far above that yet
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

/// What a file format tells the YAML problems' fixes.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// What the file holds: `topology`, `scenario`.
    pub subject: &'static str,
    /// The keys every file of the format has, as a fix names them: "`name:` and `validators:`".
    pub least: &'static str,
    /// A commented example file in the repository.
    pub example: &'static str,
    /// How to say a lot in a short file: "describe fleets with `count` instead of listing them".
    pub shorter: &'static str,
    /// A command that prints the format, if there is one: "testnet schema".
    pub schema_command: Option<&'static str>,
}

/// What can be wrong with an input file before its content is checked: the text itself, or
/// a shape that does not fit the format. Every format's problem kinds hold these as one
/// variant, so each is written once: message here, code and fix below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlProblem {
    /// The text is not well-formed YAML, or not the shape of the format.
    #[error("{message}")]
    Syntax {
        /// The parser's explanation.
        message: String,
    },
    /// The file holds nothing but blanks and comments.
    #[error("the file holds only blanks and comments")]
    Empty,
    /// The file is not UTF-8.
    #[error("the file is not valid UTF-8 text")]
    NotUtf8,
    /// The file is implausibly large for a hand-written one.
    #[error("the file has more than {max} bytes")]
    FileTooLarge {
        /// The limit in bytes.
        max: u64,
    },
    /// The YAML exceeded the parser's budget (alias bombs, deep nesting).
    #[error("the YAML is too complex to accept ({message})")]
    TooComplex {
        /// Which limit was hit.
        message: String,
    },
    /// A key the format does not know.
    #[error("unknown field `{field}`")]
    UnknownField {
        /// The key as written.
        field: String,
        /// The keys allowed at this place.
        expected: Vec<&'static str>,
    },
    /// A required key is absent.
    #[error("required field `{field}` is missing")]
    MissingField {
        /// The missing key.
        field: String,
    },
    /// A key appears twice in one mapping.
    #[error("{} is written twice in the same mapping", key.as_deref().map_or("a key".to_owned(), |k| format!("`{k}`")))]
    DuplicateKey {
        /// The repeated key, when it is a plain string.
        key: Option<String>,
    },
    /// A value of the wrong YAML type or out of the type's range.
    #[error("{message}")]
    WrongValue {
        /// The parser's explanation (found vs expected).
        message: String,
    },
    /// An enum value (a behaviour, a role, an outcome) that does not exist.
    #[error("unknown value {value:?}")]
    UnknownVariant {
        /// The value as written.
        value: String,
        /// The accepted values.
        expected: Vec<&'static str>,
    },
}

impl YamlProblem {
    /// What to change, as a sentence; `path` is the field the problem is at.
    pub fn fix(&self, path: &str, format: &Format) -> String {
        let subject = format.subject;
        match self {
            Self::Syntax { .. } => "fix the YAML here (indentation, quoting, a missing ':' or bracket)".to_owned(),
            Self::Empty => format!("write at least {} ({} is a commented example)", format.least, format.example),
            Self::NotUtf8 => "save the file as UTF-8 text".to_owned(),
            Self::FileTooLarge { .. } => format!("a {subject} is a short file: {}", format.shorter),
            Self::TooComplex { .. } => format!(
                "write the {subject} without anchors and aliases that expand into huge documents, and without \
                 deep nesting"
            ),
            Self::UnknownField { field, expected } if expected.is_empty() => format!("remove `{field}`"),
            Self::UnknownField { field, expected } => {
                format!("remove `{field}` or use one of: {}", expected.join(", "))
            }
            Self::MissingField { field } => {
                let place = if path.is_empty() { "at the top level".to_owned() } else { format!("under {path}") };
                match format.schema_command {
                    Some(command) => format!("add `{field}:` {place} (run `{command}` for the format)"),
                    None => format!("add `{field}:` {place}"),
                }
            }
            Self::DuplicateKey { .. } => "keep only one of the two entries".to_owned(),
            Self::WrongValue { .. } => {
                format!("write {} as the kind of value named above", if path.is_empty() { "the value" } else { path })
            }
            Self::UnknownVariant { expected, .. } => format!("use one of: {}", expected.join(", ")),
        }
    }

    /// A stable kebab-case identifier, used in the diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "syntax",
            Self::Empty => "empty",
            Self::NotUtf8 => "not-utf8",
            Self::FileTooLarge { .. } => "file-too-large",
            Self::TooComplex { .. } => "too-complex",
            Self::UnknownField { .. } => "unknown-field",
            Self::MissingField { .. } => "missing-field",
            Self::DuplicateKey { .. } => "duplicate-key",
            Self::WrongValue { .. } => "wrong-value",
            Self::UnknownVariant { .. } => "unknown-variant",
        }
    }
}

/// The contents of an input file.
enum Text {
    Utf8(String),
    /// Not UTF-8; `line` is where the first bad byte is.
    NotUtf8 {
        line: u64,
    },
}

/// Reads at most [`MAX_FILE_BYTES`] and one byte more, which tells "too large" apart from
/// "exactly at the cap" (`precheck` then refuses it).
fn read_capped(path: &Path) -> std::io::Result<Text> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Text::Utf8(text),
        Err(err) => {
            let good = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            Text::NotUtf8 { line }
        }
    })
}

/// Reads an input file of any format for `parse_text`, which gets the path as shown and the
/// text; a file that cannot be read or is not UTF-8 is refused here, naming the path as given.
pub(crate) fn load<T, K>(
    path: &Path,
    parse_text: impl FnOnce(&str, &str) -> Result<T, FileError<K>>,
) -> Result<T, FileError<K>>
where
    K: Kind + From<YamlProblem>,
{
    let shown = path.display().to_string();
    match read_capped(path) {
        Ok(Text::Utf8(text)) => parse_text(&shown, &text),
        Ok(Text::NotUtf8 { line }) => {
            Err(super::problem::single(&shown, Some(Position { line, column: 0 }), YamlProblem::NotUtf8.into()))
        }
        Err(source) => Err(FileError::Read { path: shown, source }),
    }
}

/// Refuses a file as a whole: too large to be hand-written, or nothing but comments.
pub(crate) fn precheck(text: &str) -> Option<YamlProblem> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Some(YamlProblem::FileTooLarge { max: MAX_FILE_BYTES });
    }
    let blank = |line: &str| line.trim().is_empty() || line.trim_start().starts_with('#');
    text.lines().all(blank).then_some(YamlProblem::Empty)
}

/// Parses `text`; on failure records one problem and returns `None`.
pub(crate) fn parse<T, K>(text: &str, report: &mut Collector<'_, K>) -> Option<T>
where
    T: DeserializeOwned,
    K: Kind + From<YamlProblem>,
{
    match serde_saphyr::from_str_with_options::<T>(text, options(MAX_REPLAYED_EVENTS)) {
        Ok(raw) => Some(raw),
        Err(err) => {
            let at = err.location().unwrap_or(Location::UNKNOWN);
            let problem = classify(&err);
            // Re-reading a file that broke the budget or the grammar would only fail again.
            let found = match problem {
                YamlProblem::Syntax { .. } | YamlProblem::TooComplex { .. } => None,
                _ if at.line() == 0 => None,
                _ => find(text, options(MAX_REPLAYED_EVENTS_TO_LOCATE), at),
            };
            let path = match (found, &problem) {
                // Serde reports a missing field at the mapping's last key; the field belongs
                // to the mapping, not to that key.
                (Some(Found::Key(path)), YamlProblem::MissingField { .. }) => parent(&path),
                (Some(Found::Key(path) | Found::Value(path)), _) => path,
                (None, _) => String::new(),
            };
            report.add(at, Location::UNKNOWN, path, problem.into());
            None
        }
    }
}

/// `compute[0].gpu` for `compute[0].gpu.model`; `` for a top-level key.
fn parent(path: &str) -> String {
    path.rfind('.').map_or(String::new(), |dot| path[..dot].to_owned())
}

fn classify(err: &Error) -> YamlProblem {
    let inner = original(err);
    match inner {
        Error::SerdeUnknownField { field, expected, .. } => {
            YamlProblem::UnknownField { field: clean(field), expected: expected.clone() }
        }
        Error::SerdeMissingField { field, .. } => YamlProblem::MissingField { field: (*field).to_owned() },
        Error::SerdeUnknownVariant { variant, expected, .. } => {
            YamlProblem::UnknownVariant { value: variant.clone(), expected: expected.clone() }
        }
        Error::DuplicateMappingKey { key, .. } => YamlProblem::DuplicateKey { key: key.as_deref().map(clean) },
        Error::Budget { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => YamlProblem::TooComplex { message: message(inner) },
        Error::SerdeInvalidType { .. }
        | Error::SerdeInvalidValue { .. }
        | Error::SerdeInvalidLength { .. }
        | Error::InvalidScalar { .. }
        | Error::NullIntoString { .. }
        | Error::InvalidBooleanStrict { .. }
        | Error::NonFiniteFloat { .. }
        | Error::UnsupportedTag { .. } => YamlProblem::WrongValue { message: message(inner) },
        _ => YamlProblem::Syntax { message: message(inner) },
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
            let escaped: Vec<char> = if c.is_control() { c.escape_default().collect() } else { vec![c] };
            escaped
        })
        .collect()
}

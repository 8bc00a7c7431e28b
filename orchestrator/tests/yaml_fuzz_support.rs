//! What the input-file fuzz tests share: YAML pieces, valid and broken, that any format's
//! token soups mix with its own keys; edits of shipped files; and the check that a refusal
//! names the file, stays within it and renders.

use miette::{GraphicalReportHandler, GraphicalTheme};
use proptest::prelude::*;
use testnet::diagnostics::{FileError, Kind};

/// Values, punctuation and YAML features (anchors, tags, block scalars, odd whitespace).
const YAML_PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "65535",
    "99999999999999999999",
    "1e9",
    ".nan",
    "true",
    "~",
    "null",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "- ",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!custom ",
    "---",
    "...",
    "|",
    ">",
    "#",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    " ",
    "\u{feff}",
    "é",
    "a",
    "7",
    "4294967295",
];

/// A piece of `keys` (a format's own words) or of [`YAML_PIECES`].
pub fn token(keys: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(keys.iter().chain(YAML_PIECES).copied().collect::<Vec<_>>())
}

/// `text` with each `(at, len, insert)` edit applied: `len % 8` characters at `at` replaced.
pub fn mutate(text: &str, edits: &[(usize, usize, &'static str)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, len, insert) in edits {
        let at = at % (chars.len() + 1);
        let end = (at + len % 8).min(chars.len());
        chars.splice(at..end, insert.chars());
    }
    chars.into_iter().collect()
}

/// A refusal of `text`, read as `f.yaml`: at least one problem, each naming the file with a
/// fix and a line within the text, and the whole renders as a miette report.
pub fn well_formed<K: Kind>(err: &FileError<K>, text: &str) {
    assert!(!err.problems().is_empty(), "{err}");
    // YAML breaks lines at CR, LF and CRLF alike.
    let lines = text.replace("\r\n", "\n").matches(['\r', '\n']).count() as u64 + 1;
    for p in err.problems() {
        assert_eq!(p.file(), "f.yaml");
        assert!(p.to_string().starts_with("f.yaml"));
        assert!(!p.fix().is_empty());
        if let Some(at) = p.position() {
            assert!((1..=lines).contains(&at.line), "{p} is past the end");
        }
    }
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, err)
        .expect("every span lies within the source");
}

/// The three property tests every input format gets: random text, soups of `$keys` and YAML
/// pieces, and edits of the `$shipped` files; `$check` parses and checks whatever comes back.
#[macro_export]
macro_rules! never_panics {
    ($check:ident, $keys:ident, $shipped:ident) => {
        proptest::proptest! {
            // No regression files: a failure prints its minimal input, which becomes a unit test.
            #![proptest_config(proptest::prelude::ProptestConfig {
                cases: 256,
                failure_persistence: None,
                ..proptest::prelude::ProptestConfig::default()
            })]

            #[test]
            fn random_text_never_panics(text in ".{0,400}") {
                $check(&text);
            }

            #[test]
            fn token_soups_never_panic(tokens in proptest::collection::vec(support::token($keys), 0..80)) {
                $check(&tokens.concat());
            }

            #[test]
            fn mutated_shipped_files_never_panic(
                file in 0..$shipped.len(),
                edits in proptest::collection::vec(
                    (proptest::prelude::any::<usize>(), proptest::prelude::any::<usize>(), support::token($keys)),
                    1..6,
                ),
            ) {
                $check(&support::mutate($shipped[file], &edits));
            }
        }
    };
}

//! Input-file diagnostics, shared by every format the tool reads (topologies, scenarios, and
//! any later one): reading a file under a size cap, parsing its YAML under a budget, the YAML
//! problems (written once, in [`yaml`]), the place of every value ([`Sp`]), and problems with
//! file, line, column, field path and fix, rendered as text or as miette diagnostics.
//!
//! A new format brings its raw serde shapes, its own problem kinds (one of them holding a
//! [`YamlProblem`]) with a [`Kind`] impl naming its [`Format`], and its checks.

mod collect;
mod locate;
mod name;
mod problem;
mod spanned;
mod yaml;

pub use name::InvalidName;
pub use problem::{FileError, Kind, Position, Problem, Rejection};
pub use yaml::{Format, YamlProblem, MAX_FILE_BYTES};

pub(crate) use collect::{is_known, Collector};
pub(crate) use problem::single;
pub(crate) use spanned::Sp;
pub(crate) use yaml::{load, parse, precheck};

//! The naming rule every input format applies to the names it introduces (testnets, nodes,
//! groups, requesters, scenarios, jobs), with one message and one fix.

/// A name that breaks the rule: 1 to `max` characters, a lowercase letter first, then
/// lowercase letters, digits or '-'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a valid {what}")]
pub struct InvalidName {
    /// Which kind of name: `testnet name`, `job name`, ...
    pub what: &'static str,
    /// The name as written.
    pub name: String,
    /// Its longest allowed length.
    pub max: usize,
}

impl InvalidName {
    /// What to change.
    pub fn fix(&self) -> String {
        format!(
            "rename it: use 1 to {} characters: a lowercase letter, then lowercase letters, digits or '-'",
            self.max
        )
    }
}

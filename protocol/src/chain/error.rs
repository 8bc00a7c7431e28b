//! Errors talking to the chain, each naming the endpoint or call and what to do.

/// A chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// No node answered at the URL.
    #[error("no node answers at {url}: {reason}; is the testnet up (`testnet status`) and the URL right?")]
    Connect { url: String, reason: String },
    /// The node's runtime does not match the API this program was built with.
    #[error(
        "the node at {url} runs a runtime this program does not know ({reason}); rebuild after `ci/export-metadata.sh`"
    )]
    Incompatible { url: String, reason: String },
    /// A block holds a marketplace event this program cannot decode: the runtime changed the
    /// event's shape. Reading on would miss what the event says.
    #[error(
        "block {block} holds a Compute.{event} event this program cannot decode ({reason}); the runtime's \
         events differ from this build's: rebuild after `ci/export-metadata.sh`"
    )]
    UnknownEvent { block: String, event: String, reason: String },
    /// A request failed after connecting.
    #[error("{what} failed: {reason}")]
    Rpc { what: String, reason: String },
    /// The transaction was refused by the pool, or its fate is unknown.
    #[error("{call} was rejected: {reason}")]
    Rejected { call: String, reason: String },
    /// The transaction was included and its dispatch failed with a pallet error, e.g.
    /// `Compute::DeadlinePassed`: the chain's own answer to the call.
    #[error("{call} failed in its block: {error}")]
    Failed { call: String, error: String },
    /// A value does not fit the chain's bounds.
    #[error("{what} is too long: {len} bytes, the chain accepts at most {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
}

impl ChainError {
    /// The pallet error a failed dispatch answered (`Compute::StakeExhausted`), if that is what
    /// happened.
    pub fn dispatch_error(&self) -> Option<&str> {
        match self {
            Self::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The marketplace pallet's error, by variant name (`StakeExhausted`), if a failed
    /// dispatch answered with one.
    pub fn market_error(&self) -> Option<&str> {
        self.dispatch_error()?.strip_prefix("Compute::")
    }

    pub(crate) fn rpc(what: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Self::Rpc { what: what.into(), reason: err.to_string() }
    }
}

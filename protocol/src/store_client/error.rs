//! Why a store request failed.

use std::error::Error as StdError;
use std::time::Duration;

use hyper::{Method, StatusCode};

use super::StoreUrlError;
use crate::hash::Hash32;

/// Any error a lower layer (hyper, the body limit) reports.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a store request failed. Each message names the method and URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A base URL or blob URI could not be used.
    #[error(transparent)]
    Url(#[from] StoreUrlError),
    /// The TCP connection could not be opened.
    #[error("{method} {url}: cannot connect: {source}")]
    Connect {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
        /// The socket error.
        source: std::io::Error,
    },
    /// The request did not complete in time.
    #[error("{method} {url}: no complete answer within {timeout:?}")]
    Timeout {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
        /// The limit that ran out.
        timeout: Duration,
    },
    /// The HTTP exchange broke (connection reset, malformed answer, ...).
    #[error("{method} {url}: HTTP exchange failed: {source}")]
    Http {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
        /// The underlying error.
        source: BoxError,
    },
    /// The store has no blob under that hash.
    #[error("{method} {url}: no such blob (404)")]
    NotFound {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
    },
    /// Any other non-success status; `message` is the store's plain-text reason.
    #[error("{method} {url}: the store answered {status}: {message}")]
    Status {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
        /// The status code.
        status: StatusCode,
        /// The start of the answer body.
        message: String,
    },
    /// The answer body is larger than the client's download limit.
    #[error("{method} {url}: the answer exceeds the download limit of {limit} bytes")]
    TooLarge {
        /// HTTP method.
        method: Method,
        /// Full URL requested.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The downloaded bytes do not hash to the requested hash.
    #[error("GET {url}: the {len} bytes received hash to {actual}, not {expected}; the blob is refused")]
    HashMismatch {
        /// Full URL requested.
        url: String,
        /// The hash asked for.
        expected: Hash32,
        /// The hash of what arrived.
        actual: Hash32,
        /// How many bytes arrived.
        len: usize,
    },
}

impl StoreError {
    /// Whether trying again later may succeed: the store was unreachable, slow, broke the
    /// exchange or answered with a server error. A missing blob, a refused request or bytes
    /// that hash wrong will not change by waiting.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Http { .. } => true,
            Self::Status { status, .. } => status.is_server_error(),
            Self::Url(_) | Self::NotFound { .. } | Self::TooLarge { .. } | Self::HashMismatch { .. } => false,
        }
    }
}

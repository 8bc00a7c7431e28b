//! Store addresses: base URLs (`http://store:7070`) and blob URIs
//! (`http://store:7070/blobs/<64 hex digits>`, the form written on chain).

use std::fmt;
use std::str::FromStr;

use hyper::http::uri::Authority;
use hyper::Uri;

use crate::hash::Hash32;

/// A store address or blob URI that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreUrlError {
    /// The base URL given to [`StoreClient::new`](super::StoreClient::new).
    #[error("invalid artifact-store URL {url:?}: {reason}; expected http://<host>:<port>, e.g. http://127.0.0.1:7070")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A blob URI.
    #[error("invalid blob URI {uri:?}: {reason}; expected http://<host>:<port>/blobs/<64 hex digits>")]
    BlobUri {
        /// The URI given.
        uri: String,
        /// What is wrong.
        reason: String,
    },
    /// A `host:port` replacing a URI's authority.
    #[error("invalid store address {authority:?}: {reason}; expected <host>:<port>, e.g. 127.0.0.1:49153")]
    Authority {
        /// The address given.
        authority: String,
        /// What is wrong.
        reason: String,
    },
}

/// Checks a `host[:port]` and returns it normalised (as the `http` crate prints it).
fn check_authority(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("the host is missing".to_owned());
    }
    if text.contains('@') {
        return Err("user credentials are not supported".to_owned());
    }
    let authority: Authority = text.parse().map_err(|e| format!("not a host:port ({e})"))?;
    if authority.host().is_empty() {
        return Err("the host is missing".to_owned());
    }
    Ok(authority.as_str().to_owned())
}

/// Parses an absolute http URL; returns it with its checked authority.
fn parse_http(text: &str) -> Result<(Uri, String), String> {
    let uri: Uri = text.parse().map_err(|e| format!("not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err("https is not supported; the store speaks plain http inside the testnet".to_owned())
        }
        Some(other) => return Err(format!("scheme {other:?} is not supported, only http")),
        None => return Err("the http:// scheme is missing".to_owned()),
    }
    let authority = check_authority(uri.authority().map(Authority::as_str).unwrap_or(""))?;
    if uri.query().is_some() {
        return Err("a query string is not allowed".to_owned());
    }
    Ok((uri, authority))
}

/// Validates a base URL and returns its `host[:port]`.
pub(crate) fn parse_base(url: &str) -> Result<String, StoreUrlError> {
    let fail = |reason: String| StoreUrlError::BaseUrl { url: url.to_owned(), reason };
    let (uri, authority) = parse_http(url).map_err(fail)?;
    if !matches!(uri.path(), "" | "/") {
        return Err(fail(format!("a path ({}) is not allowed", uri.path())));
    }
    Ok(authority)
}

/// The `host:port` to connect to (port 80 when the authority names none).
pub(crate) fn socket_target(authority: &str) -> String {
    match authority.parse::<Authority>() {
        Ok(a) if a.port_u16().is_none() => format!("{authority}:80"),
        _ => authority.to_owned(),
    }
}

/// Where a blob lives: `http://<authority>/blobs/<hex>`. Display and `FromStr` use that form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobUri {
    authority: String,
    hash: Hash32,
}

impl BlobUri {
    /// The URI of `hash` in the store at `authority` (`host:port`, assumed valid: it comes from
    /// a checked client).
    pub(crate) fn new(authority: &str, hash: Hash32) -> Self {
        Self { authority: authority.to_owned(), hash }
    }

    /// The store's `host:port`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The blob's Blake2-256.
    pub fn hash(&self) -> Hash32 {
        self.hash
    }

    /// The path part, `/blobs/<hex>`.
    pub fn path(&self) -> String {
        format!("/blobs/{}", self.hash)
    }

    /// The same blob at another address (`host:port`; an `http://` prefix and a trailing `/`
    /// are tolerated).
    pub fn with_authority(&self, authority: &str) -> Result<Self, StoreUrlError> {
        let bare = authority.strip_prefix("http://").unwrap_or(authority).trim_end_matches('/');
        let checked = check_authority(bare)
            .map_err(|reason| StoreUrlError::Authority { authority: authority.to_owned(), reason })?;
        Ok(Self { authority: checked, hash: self.hash })
    }
}

impl fmt::Display for BlobUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}/blobs/{}", self.authority, self.hash)
    }
}

impl FromStr for BlobUri {
    type Err = StoreUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| StoreUrlError::BlobUri { uri: text.to_owned(), reason };
        let (uri, authority) = parse_http(text).map_err(fail)?;
        let hex = uri
            .path()
            .strip_prefix("/blobs/")
            .ok_or_else(|| fail(format!("the path {:?} does not start with /blobs/", uri.path())))?;
        let hash = hex.parse::<Hash32>().map_err(|e| fail(e.to_string()))?;
        Ok(Self { authority, hash })
    }
}

impl serde::Serialize for BlobUri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for BlobUri {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

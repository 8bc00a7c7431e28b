//! Client of the artifact store: content-addressed blobs over plain HTTP/1.1.
//!
//! Every download is re-hashed and refused unless its Blake2-256 is the one asked for, so a
//! store (or anything between) cannot hand out a wrong blob unnoticed. One TCP connection per
//! request: the store is local to the testnet and this keeps the client free of pooling state.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::hash::Hash32;

mod error;
mod uri;

pub use error::{BoxError, StoreError};
pub use uri::{BlobUri, StoreUrlError};

/// Largest blob the store accepts unless configured otherwise, and the client's default
/// download limit: 64 MiB.
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 64 << 20;

/// Default limit on one whole request (connect, send, receive).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of an error answer's body is kept for the message.
const MAX_ERROR_TEXT: usize = 512;

/// A handle on one artifact store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct StoreClient {
    authority: String,
    timeout: Duration,
    max_download: usize,
}

impl StoreClient {
    /// A client of the store at `base_url`, `http://<host>[:<port>]` (a trailing `/` is fine;
    /// no path, no TLS).
    pub fn new(base_url: &str) -> Result<Self, StoreError> {
        Ok(Self {
            authority: uri::parse_base(base_url)?,
            timeout: DEFAULT_TIMEOUT,
            max_download: usize::try_from(DEFAULT_MAX_BLOB_BYTES).unwrap_or(usize::MAX),
        })
    }

    /// Sets the limit on each whole request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest body a download may have.
    pub fn with_max_download_bytes(mut self, max: usize) -> Self {
        self.max_download = max;
        self
    }

    /// `host:port` of the store.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The URI a blob has in this store.
    pub fn blob_uri(&self, hash: Hash32) -> BlobUri {
        BlobUri::new(&self.authority, hash)
    }

    /// Uploads `bytes` under their Blake2-256 and returns their URI. Uploading a blob that is
    /// already stored succeeds.
    pub async fn put(&self, bytes: impl Into<Bytes>) -> Result<BlobUri, StoreError> {
        let body: Bytes = bytes.into();
        let uri = self.blob_uri(Hash32::of(&body));
        let (status, answer) = self.exchange(Method::PUT, uri.authority(), &uri.path(), body).await?;
        match status {
            StatusCode::OK | StatusCode::CREATED => Ok(uri),
            _ => Err(error_status(Method::PUT, uri.to_string(), status, &answer)),
        }
    }

    /// Downloads the blob with this hash and checks that it hashes to it.
    pub async fn get(&self, hash: Hash32) -> Result<Vec<u8>, StoreError> {
        self.get_uri(&self.blob_uri(hash), None).await
    }

    /// Downloads the blob a URI names (as written on chain) and checks its hash. With
    /// `authority_override`, connects to that `host:port` instead of the URI's: a client outside
    /// the testnet's Docker network passes the store's published `127.0.0.1:<port>`.
    pub async fn get_uri(&self, uri: &BlobUri, authority_override: Option<&str>) -> Result<Vec<u8>, StoreError> {
        let target = match authority_override {
            Some(authority) => uri.with_authority(authority)?,
            None => uri.clone(),
        };
        let url = target.to_string();
        let (status, body) = self.exchange(Method::GET, target.authority(), &target.path(), Bytes::new()).await?;
        if status != StatusCode::OK {
            return Err(error_status(Method::GET, url, status, &body));
        }
        let actual = Hash32::of(&body);
        if actual != uri.hash() {
            return Err(StoreError::HashMismatch { url, expected: uri.hash(), actual, len: body.len() });
        }
        Ok(body.to_vec())
    }

    /// Whether the store holds a blob with this hash (HEAD request).
    pub async fn exists(&self, hash: Hash32) -> Result<bool, StoreError> {
        let uri = self.blob_uri(hash);
        let url = uri.to_string();
        let (status, body) = self.exchange(Method::HEAD, uri.authority(), &uri.path(), Bytes::new()).await?;
        match status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(error_status(Method::HEAD, url, status, &body)),
        }
    }

    /// Checks that the store answers `GET /healthz` with 200.
    pub async fn health(&self) -> Result<(), StoreError> {
        let url = format!("http://{}/healthz", self.authority);
        let (status, body) = self.exchange(Method::GET, &self.authority, "/healthz", Bytes::new()).await?;
        match status {
            StatusCode::OK => Ok(()),
            _ => Err(error_status(Method::GET, url, status, &body)),
        }
    }

    /// One request on a fresh connection, under the client's timeout.
    async fn exchange(
        &self,
        method: Method,
        authority: &str,
        path: &str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), StoreError> {
        let url = format!("http://{authority}{path}");
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.exchange_inner(method.clone(), &url, authority, path, body)).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Timeout { method, url, timeout }),
        }
    }

    async fn exchange_inner(
        &self,
        method: Method,
        url: &str,
        authority: &str,
        path: &str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), StoreError> {
        let http_err =
            |m: &Method, source: BoxError| StoreError::Http { method: m.clone(), url: url.to_owned(), source };
        let stream = TcpStream::connect(uri::socket_target(authority)).await.map_err(|source| StoreError::Connect {
            method: method.clone(),
            url: url.to_owned(),
            source,
        })?;
        // Nagle would hold back the small request head behind an unacknowledged packet.
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| http_err(&method, e.into()))?;
        // Drives the connection; it ends by itself once the answer is read and `sender` dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });

        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(HOST, authority)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(body))
            .map_err(|e| http_err(&method, e.into()))?;
        let response = sender.send_request(request).await.map_err(|e| http_err(&method, e.into()))?;
        let status = response.status();
        let collected = Limited::new(response.into_body(), self.max_download).collect().await;
        match collected {
            Ok(body) => Ok((status, body.to_bytes())),
            Err(e) if e.is::<LengthLimitError>() => {
                Err(StoreError::TooLarge { method, url: url.to_owned(), limit: self.max_download })
            }
            Err(e) => Err(http_err(&method, e)),
        }
    }
}

fn error_status(method: Method, url: String, status: StatusCode, body: &[u8]) -> StoreError {
    if status == StatusCode::NOT_FOUND {
        return StoreError::NotFound { method, url };
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_TEXT)]);
    StoreError::Status { method, url, status, message: text.trim().to_owned() }
}

//! The artifact store: content-addressed blobs over HTTP/1.1.
//!
//! - `PUT /blobs/<hex>`: stores the body if its Blake2-256 is `<hex>` (201, or 200 if already
//!   stored); 400 naming both hashes if not; 413 above the size limit.
//! - `GET /blobs/<hex>`, `HEAD /blobs/<hex>`: 200 with the bytes (`application/octet-stream`),
//!   or 404.
//! - `GET /healthz`: 200 `ok`.
//!
//! Anything else gets a plain-text 400, 404 or 405 that says what is served. Blobs live under
//! the data directory (see [`BlobDir`]) and survive restarts.

mod disk;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::Request;
use tokio::net::TcpListener;

pub use cr_protocol::store_client::DEFAULT_MAX_BLOB_BYTES;
pub use disk::{BlobDir, PutOutcome};

use crate::http::{self, Response, ServerHandle};
use routes::State;

/// How a store is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Directory holding the blobs (created if missing).
    pub data_dir: PathBuf,
    /// Largest accepted blob; larger uploads get 413.
    pub max_blob_bytes: u64,
}

impl StoreConfig {
    /// A configuration with the default blob limit ([`DEFAULT_MAX_BLOB_BYTES`]).
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self { listen, data_dir: data_dir.into(), max_blob_bytes: DEFAULT_MAX_BLOB_BYTES }
    }
}

/// Why the store could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StoreServerError {
    /// The data directory cannot be created or read.
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The file-system error.
        source: std::io::Error,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the store stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
}

type BoxedResponse = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Opens the data directory and binds the listener; everything that can fail at start.
async fn prepare(
    config: &StoreConfig,
) -> Result<(TcpListener, impl Fn(Request<Incoming>) -> BoxedResponse + Clone + Send + Sync + 'static), StoreServerError>
{
    let dir = BlobDir::open(&config.data_dir)
        .map_err(|source| StoreServerError::DataDir { path: config.data_dir.clone(), source })?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StoreServerError::Bind { addr: config.listen, source })?;
    let state = Arc::new(State { dir: Arc::new(dir), max_blob_bytes: config.max_blob_bytes });
    let handler =
        move |request: Request<Incoming>| -> BoxedResponse { Box::pin(routes::handle(Arc::clone(&state), request)) };
    let addr = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(
        listen = %addr,
        data_dir = %config.data_dir.display(),
        max_blob_bytes = config.max_blob_bytes,
        "artifact store listening"
    );
    Ok((listener, handler))
}

/// Runs the store until `shutdown` completes (e.g. [`http::shutdown_signal`]).
pub async fn run(config: StoreConfig, shutdown: impl Future<Output = ()>) -> Result<(), StoreServerError> {
    let (listener, handler) = prepare(&config).await?;
    http::serve(listener, handler, shutdown).await.map_err(StoreServerError::Serve)?;
    tracing::info!("artifact store stopped");
    Ok(())
}

/// Starts the store in the background; the handle gives its address and stops it.
pub async fn spawn(config: StoreConfig) -> Result<ServerHandle, StoreServerError> {
    let (listener, handler) = prepare(&config).await?;
    http::spawn(listener, handler).map_err(StoreServerError::Serve)
}

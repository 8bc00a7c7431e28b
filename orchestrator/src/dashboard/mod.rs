//! `testnet dashboard`: the seed's "Live Chain" and "Job Pipeline" for a running testnet, on
//! 127.0.0.1. Served by this binary (page, script and style embedded at build time), updated
//! from a block subscription: the page holds one long-poll request that the server answers
//! when the next block arrives, so there is one request per block per open page.

mod fleet;
mod routes;
mod snapshot;
mod submit;
mod watch;

pub use fleet::FleetRow;
pub use snapshot::{Column, Health, Snapshot};

use crate::provider::Provider;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// Serve the dashboard of `testnet` on 127.0.0.1:`port` until `shutdown` completes.
pub async fn serve(
    provider: Arc<dyn Provider>,
    root: PathBuf,
    testnet: String,
    port: u16,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    on_ready(listener.local_addr()?);
    let (tx, rx) = tokio::sync::watch::channel(Arc::new(Snapshot {
        message: "Waiting for chain connection".into(),
        testnet: testnet.clone(),
        ..Snapshot::default()
    }));
    let watcher = tokio::spawn(watch::run(
        watch::Watched { testnet: testnet.clone(), root: root.clone(), provider: provider.clone() },
        tx,
    ));
    let app = Arc::new(routes::App { state: rx, submit: submit::Submitter { testnet, root, provider } });
    let served = cr_protocol::http::serve(listener, move |req| routes::handle(app.clone(), req), shutdown).await;
    watcher.abort();
    served
}

//! The compute daemon. One process runs one or many logical daemons (`cr-compute fleet`, for
//! fleets of thousands); they share the chain connection, the block stream, the store client
//! and the metrics endpoint, and each has its own keys, declared machine and journal.

mod clock;
mod journal;
mod laps;
mod metrics;
mod node;
mod order;
mod tasks;
mod work;

pub use cr_protocol::fleet::{Behaviour, DaemonConfig, GpuDecl, Role, ServiceUrls};
pub use journal::{Journal, Submission};
pub use metrics::Registry;
pub use order::satisfies;

use anyhow::Context;
use cr_protocol::chain::{Chain, Finality};
use cr_protocol::store_client::StoreClient;
use futures::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// What every daemon of the process uses.
pub(crate) struct Shared {
    chain: Chain,
    store: StoreClient,
    cache: work::Cache,
    metrics: Registry,
    /// Milliseconds per block, read from the chain at start: turns run times into blocks.
    block_time_ms: u64,
    /// Who of this process's daemons tries which job when: one for all of them, kept by the
    /// block loop before any daemon sees the block.
    board: std::sync::Mutex<order::Board>,
    /// How long each job has waited for its turn; kept by the block loop like the board.
    clock: std::sync::Mutex<clock::TurnClock>,
    /// The newest block the loop has seen: how near a deadline is, without a read.
    best: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// The board, locked (held for a loop over candidates, never across an await).
    pub(crate) fn board(&self) -> std::sync::MutexGuard<'_, order::Board> {
        // A daemon that panicked holding it left the board whole: every update is one call.
        self.board.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The newest block the block loop has handed to the daemons.
    pub(crate) fn best(&self) -> u64 {
        self.best.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The turn clock, locked (never across an await).
    pub(crate) fn clock(&self) -> std::sync::MutexGuard<'_, clock::TurnClock> {
        self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Blocks in a row that may fail to be read before the fleet gives up on its node.
const MAX_BLOCK_READ_FAILURES: u32 = 10;

/// How long to wait for the chain at start (validators may still be coming up).
const CONNECT_WITHIN: Duration = Duration::from_secs(180);

/// Run `daemons` until `shutdown` completes or one of them fails.
pub async fn run(
    endpoints: ServiceUrls,
    daemons: Vec<DaemonConfig>,
    metrics_listen: Option<SocketAddr>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    anyhow::ensure!(!daemons.is_empty(), "no daemons configured");
    let chain = Chain::connect_retrying(&endpoints.rpc, CONNECT_WITHIN).await?;
    let store = StoreClient::new(&endpoints.store).with_context(|| format!("store URL {}", endpoints.store))?;
    let block_time_ms = chain.block_time_ms().await.context("reading the block time")?;
    // One ranking for the whole process only works if every daemon ranks with the same salt.
    let salt = daemons[0].tie_break_seed;
    anyhow::ensure!(
        daemons.iter().all(|d| d.tie_break_seed == salt),
        "daemons of one fleet file disagree on tie_break_seed"
    );
    let board = std::sync::Mutex::new(order::Board::new(salt));
    let normal_weight_limit = chain.normal_weight_limit().await.context("reading the block weight limits")?;
    let clock = std::sync::Mutex::new(clock::TurnClock::new(normal_weight_limit));
    let shared = Arc::new(Shared {
        chain,
        store,
        cache: work::Cache::default(),
        metrics: Registry::default(),
        block_time_ms,
        board,
        clock,
        best: Default::default(),
    });
    let _metrics_server = match metrics_listen {
        Some(addr) => Some(serve_metrics(addr, shared.metrics.clone()).await?),
        None => None,
    };
    // One block subscription for the whole process, fanned out to every daemon.
    let (blocks_tx, _) = broadcast::channel(1024);
    let mut daemons_set = tokio::task::JoinSet::new();
    for cfg in daemons {
        let name = cfg.name.clone();
        let node = node::Node::new(cfg, shared.clone()).with_context(|| format!("daemon {name}"))?;
        let blocks = blocks_tx.subscribe();
        daemons_set.spawn(async move { node.run(blocks).await.with_context(|| format!("daemon {name}")) });
    }
    let follow_shared = shared.clone();
    let follow = async move {
        let chain = &follow_shared.chain;
        // Subscribed before the node listing is read, so no registration falls between them.
        let mut stream = chain.follow(Finality::Best).await?;
        let mut board_stale = true;
        let mut failures = 0;
        while let Some(block) = stream.next().await {
            match block {
                // No receiver yet (daemons still registering) is fine: they scan the chain at start.
                Ok(block) => {
                    failures = 0;
                    follow_shared.clock().see_block(block.number, block.normal_weight);
                    // A listing read at this block already holds its events: applied again,
                    // a node's jobs in hand would count twice.
                    let wants_listing = board_stale || follow_shared.board().wants_listing();
                    let listed = wants_listing
                        && match chain.nodes(Finality::At(block.hash)).await {
                            Ok(nodes) => {
                                follow_shared.board().reset_nodes(&nodes);
                                board_stale = false;
                                true
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot list the nodes yet");
                                false
                            }
                        };
                    if !listed {
                        follow_shared.board().apply_block(&block);
                    }
                    follow_shared.best.store(block.number, std::sync::atomic::Ordering::Relaxed);
                    let _ = blocks_tx.send(Arc::new(block));
                }
                // A best block retracted before it was read, or a node too busy to answer in
                // time: the next block carries the state forward, so only a run of failures
                // is fatal.
                Err(e) if failures < MAX_BLOCK_READ_FAILURES => {
                    failures += 1;
                    // Its node events are lost with it: list the nodes again.
                    board_stale = true;
                    tracing::warn!(error = %e, failures, "skipping a block that could not be read");
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!("{failures} blocks in a row could not be read")))
                }
            }
        }
        anyhow::bail!("the block subscription to {} ended", follow_shared.chain.url())
    };
    tokio::select! {
        result = follow => result,
        Some(done) = daemons_set.join_next() => match done {
            Ok(result) => result,
            Err(join) => Err(anyhow::anyhow!("a daemon task panicked: {join}")),
        },
        () = shutdown => {
            tracing::info!("shutting down");
            Ok(())
        },
    }
}

async fn serve_metrics(addr: SocketAddr, registry: Registry) -> anyhow::Result<crate::http::ServerHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("metrics listener on {addr}"))?;
    let handle = crate::http::spawn(listener, move |req: hyper::Request<hyper::body::Incoming>| {
        let registry = registry.clone();
        async move {
            match req.uri().path() {
                "/metrics" => crate::http::text(hyper::StatusCode::OK, registry.render()),
                _ => crate::http::text(hyper::StatusCode::NOT_FOUND, "try /metrics"),
            }
        }
    })?;
    Ok(handle)
}

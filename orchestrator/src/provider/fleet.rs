//! Bounded-concurrency helpers for fleets of hundreds of containers.
//!
//! The engine serialises much of its work, so unbounded fan-out only queues requests (and can
//! hit client timeouts); 8 in flight measured 1.6x faster than one at a time on two cores.

use futures::stream::{self, StreamExt};

use super::{ContainerRef, ContainerSpec, Provider, Result};

/// Requests in flight by default.
pub const DEFAULT_PARALLELISM: usize = 8;

/// Create every container, at most `parallelism` at once. Results are in input order; one
/// failure does not stop the others (the caller decides whether to tear down). Specs are drawn
/// as room frees up, so an iterator that ends early (`take_while`) stops new creations while
/// the ones in flight complete.
pub async fn create_many<'a>(
    provider: &'a dyn Provider,
    specs: impl IntoIterator<Item = &'a ContainerSpec>,
    parallelism: usize,
) -> Vec<Result<ContainerRef>> {
    stream::iter(specs).map(|spec| provider.create_container(spec)).buffered(parallelism.max(1)).collect().await
}

/// Start every container, at most `parallelism` at once; results in input order.
pub async fn start_many<'a>(
    provider: &'a dyn Provider,
    containers: impl IntoIterator<Item = &'a ContainerRef>,
    parallelism: usize,
) -> Vec<Result<()>> {
    stream::iter(containers).map(|container| provider.start(container)).buffered(parallelism.max(1)).collect().await
}

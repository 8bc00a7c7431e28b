//! What the orchestrator and the `cr-compute` daemon share about the marketplace.

pub mod chain;
pub mod fleet;
pub mod genesis;
pub mod hash;
pub mod http;
pub mod keys;
pub mod lifecycle;
pub mod provenance;
pub mod store_client;
pub mod workload;

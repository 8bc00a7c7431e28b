//! The `cr-compute` daemon and the artifact store, as a library so tests can drive them.

pub mod daemon;
pub mod http;
pub mod store;

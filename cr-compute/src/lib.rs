//! The `cr-compute` daemon and the artifact store, as a library so tests can drive them.

pub mod daemon;
pub use cr_protocol::http;
pub mod store;

//! Helpers of the loopback tests: node processes (`net`), JSON-RPC (`rpc`), extrinsics (`tx`).

pub mod net;
pub mod rpc;
pub mod tx;

//! `cr-node`: validator node of the compute-marketplace solochain.

// `sc_cli::Error` and `sc_service::Error` are large, and the Substrate runner APIs this node
// plugs into take and return them by value; boxing them at every boundary would only add noise.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}

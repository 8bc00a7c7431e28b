//! Command line: `sc-cli`'s run command plus the maintenance subcommands a testnet needs.

/// Validator node of the compute-marketplace solochain.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys and node keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Print a chain spec (`--chain dev|local|<file>`) as JSON, e.g. as a template to patch.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Build a chain spec, optionally in raw storage form (`--raw`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Print the chain's best and finalized block from the database.
	ChainInfo(sc_cli::ChainInfoCmd),
}

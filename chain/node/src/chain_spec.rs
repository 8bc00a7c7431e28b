//! Built-in chain specs. Testnets built by the orchestrator pass their own JSON spec with
//! `--chain <file>`: the `local` spec with its genesis patch replaced.

use compute_runtime::WASM_BINARY;
use sc_service::ChainType;

/// Chain spec of this node's runtime.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY
		.ok_or_else(|| "the runtime wasm was not built; rebuild without SKIP_WASM_BUILD".into())
}

/// One validator (Alice), for `--dev`.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Compute Marketplace Dev")
		.with_id("compute_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Three validators (Alice, Bob, Charlie), for `--chain local`; the orchestrator's template.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Compute Marketplace Local")
		.with_id("compute_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "CRT".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

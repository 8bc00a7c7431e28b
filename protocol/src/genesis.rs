//! A testnet's chain spec: the node's own `local` (or `dev`) spec, which carries the runtime
//! wasm, with its genesis patch replaced by the testnet's validators, accounts, block time and
//! marketplace parameters. Every validator then builds the same genesis from the same file.

use crate::chain::Layout;
use serde::Serialize;
use serde_json::{json, Value};

pub use crate::chain::UNIT;

/// One validator's consensus keys, as SS58 strings of the raw public keys.
#[derive(Debug, Clone)]
pub struct Authority {
    /// sr25519 Aura key.
    pub aura: String,
    /// ed25519 GRANDPA key.
    pub grandpa: String,
}

/// `pallet-compute` genesis parameters, named as the runtime's JSON expects them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MarketGenesis {
    pub challenge_window: u32,
    pub voting_period: u32,
    pub accept_timeout: u32,
    pub execution_timeout: u32,
    pub min_execute_within: u32,
    pub retention: u32,
    pub max_attempts: u32,
    pub challenge_bond: u128,
    pub min_node_stake: u128,
    pub protocol_fee: u8,
    pub slash: u8,
    pub challenger_reward: u8,
    pub quorum: u32,
}

/// A compute node registered in genesis, named as the runtime's JSON expects it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GenesisNode {
    /// Its account (SS58), funded in the same genesis.
    pub account: String,
    /// Declared capabilities.
    pub capabilities: GenesisCapabilities,
    /// The sr25519 public key that signs its results.
    pub result_key: [u8; 32],
    /// Stake held from its endowment, in base units.
    pub stake: u128,
    /// Jobs it runs at once.
    pub max_concurrent: u32,
}

/// Capabilities as the runtime's JSON spells them (field names as in the pallet).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GenesisCapabilities {
    pub cpu_cores: u32,
    pub memory_mb: u32,
    pub gpu: Option<GenesisGpu>,
}

/// Declared GPUs; the model as its bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GenesisGpu {
    pub count: u32,
    pub model: Vec<u8>,
    pub vram_mb: u32,
}

/// Everything the genesis of one testnet contains.
#[derive(Debug, Clone)]
pub struct GenesisPlan {
    /// Human-readable chain name.
    pub name: String,
    /// Chain id (also the node's database directory name).
    pub id: String,
    /// Milliseconds per block.
    pub block_time_ms: u64,
    /// Block authors and finality voters.
    pub authorities: Vec<Authority>,
    /// Accounts funded at genesis (SS58, base units).
    pub endowed: Vec<(String, u128)>,
    /// The sudo key (SS58).
    pub sudo: String,
    /// Dispute committee (SS58).
    pub committee: Vec<String>,
    /// Compute nodes registered from block 0.
    pub nodes: Vec<GenesisNode>,
    /// Marketplace parameters.
    pub market: MarketGenesis,
    /// Bootnode multiaddresses.
    pub boot_nodes: Vec<String>,
    /// The runtime to start on; `None`: the node's own.
    pub runtime: Option<GenesisRuntime>,
}

/// A runtime other than the node's own to start a testnet on (an earlier one, to upgrade from).
#[derive(Debug, Clone)]
pub struct GenesisRuntime {
    /// Its wasm, as the file holds it (compressed or not).
    pub code: Vec<u8>,
    /// The storage layout it writes, which decides the parameters its genesis takes.
    pub layout: Layout,
}

/// The node's chain spec could not be used as a template.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// Not JSON.
    #[error("the node's chain spec is not JSON ({0}); is the validator image built from this repository?")]
    NotJson(serde_json::Error),
    /// An amount does not fit the JSON numbers the runtime reads (above 2^64 base units).
    #[error("a genesis amount is above 18446744 tokens: {0}; lower the endowment, stake or bond")]
    Amount(serde_json::Error),
    /// No `genesis.runtimeGenesis` section (a raw spec, or another node's).
    #[error("the node's chain spec has no genesis.runtimeGenesis section; export it with `cr-node export-chain-spec --chain local` (not --raw)")]
    NoRuntimeGenesis,
}

impl GenesisPlan {
    /// The runtime genesis patch: only what differs from the runtime's defaults.
    pub fn patch(&self) -> Result<Value, ChainSpecError> {
        // Serialised separately: `json!` would panic on a u128 beyond u64.
        let balances = serde_json::to_value(&self.endowed).map_err(ChainSpecError::Amount)?;
        let mut market = serde_json::to_value(&self.market).map_err(ChainSpecError::Amount)?;
        if self.runtime.as_ref().is_some_and(|r| r.layout == Layout::V0) {
            // A v0 runtime refuses fields it does not know; its upgrade's migration sets them.
            if let Some(params) = market.as_object_mut() {
                params.remove("minExecuteWithin");
                params.remove("retention");
            }
        }
        let mut compute = json!({ "params": market, "committee": self.committee });
        // Left out when empty: a runtime from before genesis registration refuses the field.
        if !self.nodes.is_empty() {
            compute["nodes"] = serde_json::to_value(&self.nodes).map_err(ChainSpecError::Amount)?;
        }
        Ok(json!({
            "balances": { "balances": balances },
            "aura": { "authorities": self.authorities.iter().map(|a| &a.aura).collect::<Vec<_>>() },
            "grandpa": {
                "authorities": self.authorities.iter().map(|a| (&a.grandpa, 1u64)).collect::<Vec<_>>()
            },
            "sudo": { "key": self.sudo },
            "blockTime": { "slotDurationMs": self.block_time_ms },
            "compute": compute,
        }))
    }

    /// Replace the genesis of `template` (the output of `cr-node export-chain-spec --chain local`)
    /// with this plan, keeping its runtime code unless the plan names another runtime.
    pub fn apply(&self, template: &[u8]) -> Result<Vec<u8>, ChainSpecError> {
        let mut spec: Value = serde_json::from_slice(template).map_err(ChainSpecError::NotJson)?;
        let genesis = spec
            .pointer_mut("/genesis/runtimeGenesis")
            .and_then(Value::as_object_mut)
            .ok_or(ChainSpecError::NoRuntimeGenesis)?;
        // A preset name or full config would be merged with our patch; the patch alone decides.
        genesis.retain(|key, _| key == "code");
        if let Some(runtime) = &self.runtime {
            genesis.insert("code".into(), json!(format!("0x{}", hex::encode(&runtime.code))));
        }
        genesis.insert("patch".into(), self.patch()?);
        spec["name"] = json!(self.name);
        spec["id"] = json!(self.id);
        spec["chainType"] = json!("Local");
        spec["bootNodes"] = json!(self.boot_nodes);
        spec["protocolId"] = json!(self.id);
        serde_json::to_vec_pretty(&spec).map_err(ChainSpecError::NotJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> GenesisPlan {
        GenesisPlan {
            name: "Testnet ci".into(),
            id: "crt_ci".into(),
            block_time_ms: 2000,
            authorities: vec![Authority { aura: "5A".into(), grandpa: "5B".into() }],
            endowed: vec![("5C".into(), 3 * UNIT)],
            sudo: "5C".into(),
            committee: vec!["5D".into()],
            nodes: Vec::new(),
            market: MarketGenesis {
                challenge_window: 6,
                voting_period: 6,
                accept_timeout: 60,
                execution_timeout: 15,
                min_execute_within: 5,
                retention: 600,
                max_attempts: 2,
                challenge_bond: 50 * UNIT,
                min_node_stake: 100 * UNIT,
                protocol_fee: 10,
                slash: 50,
                challenger_reward: 50,
                quorum: 1,
            },
            boot_nodes: vec!["/dns/validator-0/tcp/30333/p2p/12D3KooW".into()],
            runtime: None,
        }
    }

    #[test]
    fn replaces_genesis_and_keeps_code() {
        let template = br#"{"name":"x","id":"local","bootNodes":[],"genesis":{"runtimeGenesis":{"code":"0x00","patch":{"sudo":{"key":"old"}},"config":{}}}}"#;
        let out: Value = serde_json::from_slice(&plan().apply(template).expect("applies")).expect("json");
        assert_eq!(out["id"], "crt_ci");
        assert_eq!(out["bootNodes"][0], "/dns/validator-0/tcp/30333/p2p/12D3KooW");
        let genesis = &out["genesis"]["runtimeGenesis"];
        assert_eq!(genesis["code"], "0x00");
        assert!(genesis.get("config").is_none());
        assert_eq!(genesis["patch"]["sudo"]["key"], "5C");
        assert_eq!(genesis["patch"]["grandpa"]["authorities"][0][1], 1);
        assert_eq!(genesis["patch"]["compute"]["params"]["challengeBond"], json!(50 * UNIT));
        assert_eq!(genesis["patch"]["compute"]["params"]["protocolFee"], 10);
        assert_eq!(genesis["patch"]["compute"]["params"]["minExecuteWithin"], 5);
        assert_eq!(genesis["patch"]["blockTime"]["slotDurationMs"], 2000);
    }

    #[test]
    fn an_earlier_runtime_replaces_the_code_and_gets_only_the_parameters_it_knows() {
        let template = br#"{"genesis":{"runtimeGenesis":{"code":"0x00","patch":{}}}}"#;
        let mut p = plan();
        p.runtime = Some(GenesisRuntime { code: vec![0xab, 0xcd], layout: Layout::V0 });
        let out: Value = serde_json::from_slice(&p.apply(template).expect("applies")).expect("json");
        let genesis = &out["genesis"]["runtimeGenesis"];
        assert_eq!(genesis["code"], "0xabcd");
        let params = &genesis["patch"]["compute"]["params"];
        assert!(params.get("minExecuteWithin").is_none() && params.get("retention").is_none(), "{params}");
        assert_eq!(params["challengeWindow"], 6);
        p.runtime = Some(GenesisRuntime { code: vec![0xab], layout: Layout::V1 });
        let out: Value = serde_json::from_slice(&p.apply(template).expect("applies")).expect("json");
        assert_eq!(out["genesis"]["runtimeGenesis"]["patch"]["compute"]["params"]["retention"], 600);
    }

    #[test]
    fn refuses_a_raw_spec() {
        let raw = br#"{"genesis":{"raw":{"top":{}}}}"#;
        assert!(matches!(plan().apply(raw), Err(ChainSpecError::NoRuntimeGenesis)));
        assert!(matches!(plan().apply(b"not json"), Err(ChainSpecError::NotJson(_))));
    }

    #[test]
    fn refuses_amounts_beyond_json_integers() {
        let mut p = plan();
        p.endowed[0].1 = u128::from(u64::MAX) + 1;
        assert!(matches!(p.patch(), Err(ChainSpecError::Amount(_))));
    }

    #[test]
    fn genesis_nodes_are_written_only_when_there_are_some() {
        let mut plan = plan();
        assert!(plan.patch().expect("patch").pointer("/compute/nodes").is_none(), "an older runtime refuses the field");
        plan.nodes.push(GenesisNode {
            account: "5E".into(),
            capabilities: GenesisCapabilities {
                cpu_cores: 4,
                memory_mb: 8192,
                gpu: Some(GenesisGpu { count: 1, model: b"A100".to_vec(), vram_mb: 40960 }),
            },
            result_key: [9; 32],
            stake: 200 * UNIT,
            max_concurrent: 2,
        });
        let patch = plan.patch().expect("patch");
        let node = patch.pointer("/compute/nodes/0").expect("the node is written");
        assert_eq!(node["account"], "5E");
        assert_eq!(node["resultKey"], json!(vec![9u8; 32]));
        assert_eq!(node["stake"], json!(200 * UNIT as u64));
        assert_eq!(node["maxConcurrent"], 2);
        assert_eq!(
            node["capabilities"],
            json!({"cpu_cores": 4, "memory_mb": 8192, "gpu": {"count": 1, "model": b"A100".to_vec(), "vram_mb": 40960}})
        );
    }
}

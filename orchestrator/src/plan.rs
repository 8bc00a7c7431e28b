//! A validated topology turned into exactly what to run: keys, genesis, and one container spec
//! per validator, store and compute container. Pure: nothing here talks to Docker or the chain.

use crate::artifacts::{COMPUTE_IMAGE, VALIDATOR_IMAGE};
use crate::node_kind::NodeKind;
use crate::provider::{ContainerSpec, FileEntry, PortPublish};
use crate::topology::{Behaviour, ComputeNode, Registration, Role, Topology};
use cr_protocol::fleet::{DaemonConfig, FleetFile, GpuDecl, ServiceUrls};
use cr_protocol::genesis::{
    Authority, GenesisCapabilities, GenesisGpu, GenesisNode, GenesisPlan, GenesisRuntime, MarketGenesis,
};
use cr_protocol::keys::{KeyError, NodeKeys, Purpose, Seed, Sr25519Key};
use std::net::SocketAddr;

/// Ports inside the containers.
pub const P2P_PORT: u16 = 30333;
pub const RPC_PORT: u16 = 9944;
pub const PROMETHEUS_PORT: u16 = 9615;
pub const STORE_PORT: u16 = 7070;
pub const DAEMON_METRICS_PORT: u16 = 9616;
/// DNS name of the artifact store on the testnet network.
pub const STORE_HOST: &str = "store";

/// A funded account the orchestrator signs with (requesters, sudo).
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub key: Sr25519Key,
}

/// Everything `up` needs, derived from the topology alone.
#[derive(Debug)]
pub struct Plan {
    pub testnet: String,
    pub genesis: GenesisPlan,
    pub validators: Vec<(String, NodeKeys)>,
    pub requesters: Vec<Account>,
    pub sudo: Account,
    /// Compute nodes and their keys, in topology order.
    pub compute: Vec<(ComputeNode, NodeKeys)>,
    /// The run's seed: salts the daemons' ranking of who tries a job first (0 unless set).
    pub seed: u64,
    topology: Topology,
}

impl Plan {
    /// Derive the plan; keys are deterministic in (testnet, node name).
    pub fn new(topology: &Topology) -> Result<Self, KeyError> {
        let testnet = topology.name().as_str().to_owned();
        let account = |name: &str| -> Result<Account, KeyError> {
            Ok(Account {
                name: name.to_owned(),
                key: Sr25519Key::from_seed(&Seed::derive(&testnet, name, Purpose::Account))?,
            })
        };
        let validators = topology
            .validators()
            .iter()
            .map(|v| Ok((v.name().as_str().to_owned(), NodeKeys::for_node(&testnet, v.name().as_str())?)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        let requesters = topology.requesters().iter().map(|r| account(r.as_str())).collect::<Result<Vec<_>, _>>()?;
        // `sudo` cannot collide with a node or requester: names of those never contain `!`.
        let sudo = account("!sudo")?;
        let compute = topology
            .compute_nodes()
            .iter()
            .map(|n| Ok((n.clone(), NodeKeys::for_node(&testnet, n.name().as_str())?)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        let genesis = genesis(topology, &validators, &requesters, &sudo, &compute)?;
        Ok(Self { testnet, genesis, validators, requesters, sudo, compute, seed: 0, topology: topology.clone() })
    }

    /// Containers the testnet runs: validators, the store, compute containers.
    pub fn container_count(&self) -> usize {
        self.validators.len() + usize::from(self.topology.store_enabled()) + self.topology.compute_containers().len()
    }

    /// The topology the plan came from.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Workers whose registration `up` waits for (verifiers do not register).
    pub fn workers(&self) -> impl Iterator<Item = &(ComputeNode, NodeKeys)> {
        self.compute.iter().filter(|(n, _)| n.role() == Role::Worker)
    }

    /// Bootnode addresses of every validator, by DNS name on the testnet network.
    pub fn boot_nodes(&self) -> Vec<String> {
        self.validators
            .iter()
            .map(|(name, keys)| format!("/dns/{name}/tcp/{P2P_PORT}/p2p/{}", keys.node_key.peer_id()))
            .collect()
    }

    /// The validator containers, each with the chain spec and its own keystore inside.
    pub fn validator_specs(&self, chain_spec: &[u8]) -> Vec<ContainerSpec> {
        let publish = self.topology.publish();
        self.validators
            .iter()
            .enumerate()
            .map(|(i, (name, keys))| {
                let mut spec = ContainerSpec::new(&self.testnet, name, NodeKind::Validator.as_str(), VALIDATOR_IMAGE);
                spec.cmd = [
                    "--chain",
                    "/data/spec.json",
                    "--base-path",
                    "/data",
                    "--keystore-path",
                    "/data/keystore",
                    "--validator",
                    "--name",
                    name,
                    "--node-key",
                    &keys.node_key.secret_hex(),
                    "--listen-addr",
                    "/ip4/0.0.0.0/tcp/30333",
                    "--rpc-port",
                    "9944",
                    // Validators refuse plain --rpc-external; the port is published on 127.0.0.1
                    // only and the method set stays `safe`.
                    "--unsafe-rpc-external",
                    "--rpc-methods",
                    "safe",
                    "--rpc-cors",
                    "all",
                    "--rpc-max-connections",
                    "10000",
                    "--prometheus-external",
                    "--prometheus-port",
                    "9615",
                    // Reports read every block's events back; a 1,000-container bring-up lasted
                    // 376 blocks, past the default 256 blocks of state.
                    "--state-pruning",
                    "archive-canonical",
                    "--no-mdns",
                    "--no-telemetry",
                    "--allow-private-ip",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                spec.publish = vec![
                    PortPublish { container_port: RPC_PORT, host_port: publish.rpc_port(i).unwrap_or(0) },
                    PortPublish { container_port: PROMETHEUS_PORT, host_port: publish.metrics_port(i).unwrap_or(0) },
                ];
                spec.placement = self.topology.validator_placement().clone();
                spec.files.push(FileEntry::bytes("/data/spec.json", chain_spec.to_vec()));
                for (file, content) in keys.keystore_entries() {
                    spec.files.push(FileEntry::bytes(format!("/data/keystore/{file}"), content).with_mode(0o600));
                }
                spec
            })
            .collect()
    }

    /// The artifact store container, if the topology has one.
    pub fn store_spec(&self) -> Option<ContainerSpec> {
        if !self.topology.store_enabled() {
            return None;
        }
        let mut spec = ContainerSpec::new(&self.testnet, STORE_HOST, NodeKind::Store.as_str(), COMPUTE_IMAGE);
        spec.cmd = ["store", "--listen", "0.0.0.0:7070", "--data-dir", "/data/store", "--log-format", "json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let host_port = self.topology.publish().store_port().unwrap_or(0);
        spec.publish = vec![PortPublish { container_port: STORE_PORT, host_port }];
        spec.placement = self.topology.store_placement().clone();
        Some(spec)
    }

    /// One container per compute container of the topology, running `cr-compute fleet`.
    pub fn compute_specs(&self) -> Vec<ContainerSpec> {
        let faulty_workers = self.workers().any(|(n, _)| n.behaviour().is_faulty());
        // Daemons talk to the first validator; scenarios stop other validators, not this one.
        let endpoints = ServiceUrls {
            rpc: format!("ws://{}:{RPC_PORT}", self.validators.first().map(|v| v.0.as_str()).unwrap_or("validator-0")),
            store: format!("http://{STORE_HOST}:{STORE_PORT}"),
        };
        self.topology
            .compute_containers()
            .iter()
            .map(|container| {
                let daemons: Vec<_> = container
                    .nodes
                    .iter()
                    .filter_map(|name| self.compute.iter().find(|(n, _)| n.name() == name))
                    .map(|(node, keys)| self.daemon_config(node, keys, faulty_workers))
                    .collect();
                let fleet = FleetFile {
                    endpoints: endpoints.clone(),
                    metrics: Some(SocketAddr::from(([0, 0, 0, 0], DAEMON_METRICS_PORT))),
                    daemons,
                };
                let node_name = container.label();
                let mut spec = ContainerSpec::new(&self.testnet, &node_name, NodeKind::Compute.as_str(), COMPUTE_IMAGE);
                spec.cmd = ["--log-format", "json", "fleet", "--config", "/etc/cr/fleet.json"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                spec.labels.insert("io.cr-testnet.group".into(), container.group.as_str().to_owned());
                spec.labels.insert("io.cr-testnet.daemons".into(), container.nodes.len().to_string());
                spec.files.push(FileEntry::bytes("/etc/cr/fleet.json", fleet_json(&fleet)));
                spec.files.push(FileEntry::dir("/data/state"));
                spec.publish = vec![PortPublish { container_port: DAEMON_METRICS_PORT, host_port: 0 }];
                spec.placement = self.topology.group_placement(&container.group).clone();
                spec
            })
            .collect()
    }
}

impl Plan {
    /// The second account a `self-challenger` node challenges its own results from; funded at
    /// genesis. `!` never appears in node names, so it cannot collide with another account.
    pub fn alt_account(testnet: &str, node: &ComputeNode) -> Result<Sr25519Key, KeyError> {
        Sr25519Key::from_seed(&alt_seed(testnet, node))
    }

    fn daemon_config(&self, node: &ComputeNode, keys: &NodeKeys, faulty_workers: bool) -> DaemonConfig {
        let (cpu_cores, memory_mb, gpu) = declared(node);
        // A self-voter's side: every node of its group.
        let allies: Vec<String> = match node.behaviour() {
            Behaviour::SelfVoter => self
                .compute
                .iter()
                .filter(|(n, _)| n.group() == node.group() && n.name() != node.name())
                .map(|(_, k)| hex::encode(k.account.account_id()))
                .collect(),
            _ => Vec::new(),
        };
        DaemonConfig {
            name: node.name().as_str().to_owned(),
            account_seed: keys.account.seed().clone(),
            result_seed: keys.result_key.seed().clone(),
            cpu_cores,
            memory_mb,
            gpu,
            behaviour: node.behaviour(),
            role: node.role(),
            stake_tokens: node.stake_tokens().0,
            max_concurrent: node.max_concurrent_jobs().get(),
            // With faulty workers around, honest ones yield a block so a scenario's faulty node
            // deterministically gets the job it is there to fail.
            accept_delay_blocks: u32::from(faulty_workers),
            state_dir: format!("/data/state/{}", node.name().as_str()).into(),
            allies,
            alt_account_seed: (node.behaviour() == Behaviour::SelfChallenger).then(|| alt_seed(&self.testnet, node)),
            tie_break_seed: self.seed,
        }
    }
}

/// The fleet file as the daemon reads it.
fn fleet_json(fleet: &FleetFile) -> Vec<u8> {
    // Structs of strings, numbers and options: serde_json fails only on non-string map keys.
    serde_json::to_vec(fleet).expect("a fleet file always serializes")
}

fn alt_seed(testnet: &str, node: &ComputeNode) -> Seed {
    Seed::derive(testnet, &format!("{}!alt", node.name().as_str()), Purpose::Account)
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// `(cpu_cores, memory_mb, gpu)` a node declares to the chain: what its daemon registers, and
/// what genesis registers for it.
fn declared(node: &ComputeNode) -> (u32, u32, Option<GpuDecl>) {
    let caps = node.capabilities();
    let gpu = caps.gpu.as_ref().map(|g| GpuDecl {
        count: g.count.get(),
        model: g.model.as_str().to_owned(),
        vram_mb: clamp_u32(g.vram_mb.get()),
    });
    (caps.cpu_cores.get(), clamp_u32(caps.memory_mb.get()), gpu)
}

/// A node registered in genesis with exactly what its daemon would register with.
fn genesis_node(node: &ComputeNode, keys: &NodeKeys) -> GenesisNode {
    let (cpu_cores, memory_mb, gpu) = declared(node);
    GenesisNode {
        account: keys.account.ss58(),
        capabilities: GenesisCapabilities {
            cpu_cores,
            memory_mb,
            gpu: gpu.map(|g| GenesisGpu { count: g.count, model: g.model.into_bytes(), vram_mb: g.vram_mb }),
        },
        result_key: keys.result_key.public(),
        stake: u128::from(node.stake_tokens().0) * cr_protocol::chain::UNIT,
        max_concurrent: node.max_concurrent_jobs().get(),
    }
}

fn genesis(
    topology: &Topology,
    validators: &[(String, NodeKeys)],
    requesters: &[Account],
    sudo: &Account,
    compute: &[(ComputeNode, NodeKeys)],
) -> Result<GenesisPlan, KeyError> {
    let m = topology.market();
    let endowment = topology.endowment_tokens().base_units();
    let mut endowed: Vec<(String, u128)> = requesters.iter().map(|r| (r.key.ss58(), endowment)).collect();
    endowed.push((sudo.key.ss58(), endowment));
    endowed.extend(compute.iter().map(|(_, k)| (k.account.ss58(), endowment)));
    for (node, _) in compute.iter().filter(|(n, _)| n.behaviour() == Behaviour::SelfChallenger) {
        endowed.push((Plan::alt_account(topology.name().as_str(), node)?.ss58(), endowment));
    }
    Ok(GenesisPlan {
        name: format!("compute testnet {}", topology.name().as_str()),
        id: format!("crt_{}", topology.name().as_str().replace('-', "_")),
        block_time_ms: u64::from(topology.block_time_ms()),
        authorities: validators
            .iter()
            .map(|(_, k)| Authority { aura: k.aura.ss58(), grandpa: k.grandpa.ss58() })
            .collect(),
        endowed,
        sudo: sudo.key.ss58(),
        committee: compute.iter().filter(|(n, _)| n.committee()).map(|(_, k)| k.account.ss58()).collect(),
        nodes: compute
            .iter()
            .filter(|(n, _)| n.registration() == Registration::Genesis)
            .map(|(n, k)| genesis_node(n, k))
            .collect(),
        market: MarketGenesis {
            challenge_window: m.challenge_window_blocks.get(),
            voting_period: m.voting_period_blocks.get(),
            accept_timeout: m.accept_timeout_blocks.get(),
            execution_timeout: m.execution_timeout_blocks.get(),
            min_execute_within: m.min_execute_window_blocks.get(),
            retention: m.retention_blocks.get(),
            max_attempts: m.max_attempts.get(),
            challenge_bond: m.challenge_bond.base_units(),
            min_node_stake: m.min_node_stake.base_units(),
            protocol_fee: m.protocol_fee.get(),
            slash: m.slash.get(),
            challenger_reward: m.challenger_reward.get(),
            quorum: m.quorum,
        },
        boot_nodes: validators
            .iter()
            .map(|(name, k)| format!("/dns/{name}/tcp/{P2P_PORT}/p2p/{}", k.node_key.peer_id()))
            .collect(),
        runtime: topology.runtime().map(|r| GenesisRuntime { code: r.code.to_vec(), layout: r.layout }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_count_is_every_container_the_plan_makes() {
        let text = "name: x\nvalidators:\n  count: 3\ncompute:\n  - {group: w, count: 5, per_container: 2}\n";
        let topology = Topology::parse("t.yaml", text).expect("a valid topology");
        let plan = Plan::new(&topology).expect("keys");
        let made =
            plan.validator_specs(b"{}").len() + usize::from(plan.store_spec().is_some()) + plan.compute_specs().len();
        assert_eq!((plan.container_count(), made), (7, 7));
    }
}

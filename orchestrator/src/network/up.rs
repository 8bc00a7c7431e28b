//! `testnet up`: binaries, images, chain spec, network, validators, store, daemons, readiness.
//! Any failure after the first container exists tears the testnet down again, so a failed `up`
//! leaves nothing running (or says exactly what remains and how to remove it).

use super::interrupt::Interrupt;
use super::ready::{wait_ready, NotReady};
use super::segments::Segments;
use super::state::{Endpoints, NodeEndpoint, TestnetState};
use crate::artifacts::{ArtifactError, Workspace};
use crate::node_kind::NodeKind;
use crate::plan::{Plan, RPC_PORT, STORE_PORT};
use crate::progress::Progress;
use crate::provider::{
    create_many, start_many, ContainerRef, ContainerSpec, ContainerStatus, Engine, Provider, ProviderError,
    DEFAULT_PARALLELISM,
};
use crate::topology::Topology;
use cr_protocol::chain::{AccountId32, Chain, ChainError};
use futures::StreamExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Knobs of `up`.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Run `cargo build` for the binaries first.
    pub build: bool,
    /// How long to wait for readiness.
    pub ready_within: Duration,
    /// Containers created or started at once.
    pub parallelism: usize,
    /// Leave a failed testnet running for inspection (`testnet logs`), instead of removing it.
    pub keep_on_failure: bool,
    /// The run's seed, handed to every daemon (it orders who tries a job first).
    pub seed: u64,
    /// Ctrl-C: once requested, `up` sends no new engine change; it holds the interrupt while
    /// changes are in flight, so its owner removes the testnet only after all of them landed.
    pub interrupt: Interrupt,
}

impl UpOptions {
    /// How scenario runs (`test`, `chaos`, `replay`) bring their testnets up: images already
    /// built, five minutes to readiness, the run's seed.
    pub fn for_scenario(seed: u64) -> Self {
        Self { build: false, ready_within: Duration::from_secs(300), seed, ..Self::default() }
    }
}

impl Default for UpOptions {
    fn default() -> Self {
        Self {
            build: true,
            ready_within: Duration::from_secs(300),
            parallelism: DEFAULT_PARALLELISM,
            keep_on_failure: false,
            seed: 0,
            interrupt: Interrupt::default(),
        }
    }
}

/// Why `up` failed. Every variant after `Exists` comes with the teardown already done.
#[derive(Debug, thiserror::Error)]
pub enum UpError {
    #[error("testnet {0} is already running; use it, or remove it first with `testnet down {0}`")]
    Exists(String),
    #[error(transparent)]
    Artifacts(#[from] ArtifactError),
    #[error("could not derive the testnet's keys: {0}")]
    Keys(#[from] cr_protocol::keys::KeyError),
    #[error("the node could not produce the testnet's chain spec: {0}")]
    ChainSpec(String),
    #[error("{node} exited right after starting; its last log lines:\n{log}{teardown}")]
    Exited { node: String, log: String, teardown: String },
    #[error("{source}{teardown}")]
    Provider { source: ProviderError, teardown: String },
    #[error("the testnet did not become ready: {source}{teardown}")]
    NotReady { source: NotReady, teardown: String },
    #[error("cannot reach the first validator's RPC: {source}{teardown}")]
    Chain { source: ChainError, teardown: String },
    /// Stopped by [`UpOptions::interrupt`] between engine changes. Not torn down here: the
    /// interrupt's owner may as well have dropped `up` while it waited, and removes the
    /// testnet in both cases.
    #[error("interrupted")]
    Interrupted,
}

impl UpError {
    /// Whether `error` is `up` refusing a testnet that already runs. Whoever asked did not
    /// start that testnet, so it must neither take its logs nor remove it.
    pub fn refused_over_running(error: &anyhow::Error) -> bool {
        matches!(error.downcast_ref::<UpError>(), Some(UpError::Exists(_)))
    }

    /// Whether `error` is `up` stopping for its interrupt.
    pub fn interrupted(error: &anyhow::Error) -> bool {
        matches!(error.downcast_ref::<UpError>(), Some(UpError::Interrupted))
    }
}

/// Bring up the testnet of `topology`, returning once it is ready.
pub async fn up(
    engine: &Engine,
    workspace: &Workspace,
    topology: &Topology,
    topology_path: &Path,
    options: &UpOptions,
    progress: &mut Progress,
) -> Result<TestnetState, UpError> {
    let testnet = topology.name().as_str().to_owned();
    let provider = engine.provider.as_ref();
    if !provider
        .list(&testnet)
        .await
        .map_err(|source| UpError::Provider { source, teardown: String::new() })?
        .is_empty()
    {
        return Err(UpError::Exists(testnet));
    }
    // Refused before minutes of building, not after.
    let mut plan = Plan::new(topology)?;
    plan.seed = options.seed;
    provider
        .check_room(plan.container_count())
        .await
        .map_err(|source| UpError::Provider { source, teardown: String::new() })?;
    if options.build {
        progress.step("building cr-node and cr-compute (cargo; quick when nothing changed)", 0);
        workspace.build_binaries().await?;
    }
    progress.step("building images from the local binaries (no registry)", 2);
    let images = workspace.build_images(engine.builder.as_ref()).await?;
    provider.stage_images(&images).await.map_err(|source| UpError::Provider { source, teardown: String::new() })?;
    progress.set(
        2,
        &format!(
            "images: {}",
            images.iter().map(|i| format!("{} {:?}", i.tag, i.outcome)).collect::<Vec<_>>().join(", ")
        ),
    );
    let chain_spec = chain_spec(workspace, &plan).await?;

    let mut first_start = None;
    match start(provider, &plan, &chain_spec, options, progress, &mut first_start).await {
        Ok(endpoints) => {
            let state = TestnetState {
                testnet: testnet.clone(),
                engine: engine.choice.clone(),
                topology: std::fs::canonicalize(topology_path).unwrap_or_else(|_| topology_path.to_owned()),
                endpoints,
                ready_after_seconds: progress.elapsed(),
                ready_after_start_seconds: first_start.map_or(0.0, |t: Instant| t.elapsed().as_secs_f64()),
                block_time_ms: topology.block_time_ms(),
                seed: options.seed,
            };
            // Losing the state file only costs convenience: every command can rediscover the
            // testnet from its container labels.
            if let Err(e) = state.save(&workspace.root) {
                tracing::warn!(error = %e, "could not save the testnet state file");
            }
            Ok(state)
        },
        Err(Failure::Interrupted) => Err(UpError::Interrupted),
        Err(failure) if options.keep_on_failure => Err(failure.with_teardown(format!(
            "\n(testnet {testnet} was left running as asked: inspect it with `testnet logs`, remove it with `testnet down {testnet}`)"
        ))),
        Err(failure) => {
            progress.step(&format!("failed; removing testnet {testnet}"), 0);
            let report = {
                let _removing = options.interrupt.hold();
                provider.teardown(&testnet).await
            };
            let teardown = match report {
                Ok(r) if r.is_clean() => format!("\n(testnet {testnet} was removed again: {} containers)", r.containers.len()),
                Ok(r) => format!(
                    "\nthese objects remain; remove them with:\n{}",
                    r.leftovers.iter().map(|l| format!("  {}", l.command)).collect::<Vec<_>>().join("\n")
                ),
                Err(e) => format!("\nremoving the testnet failed too ({e}); run `testnet down {testnet}`"),
            };
            Err(failure.with_teardown(teardown))
        },
    }
}

enum Failure {
    Exited { node: String, log: String },
    Provider(ProviderError),
    Chain(ChainError),
    NotReady(NotReady),
    Interrupted,
}

impl Failure {
    fn with_teardown(self, teardown: String) -> UpError {
        match self {
            Self::Exited { node, log } => UpError::Exited { node, log, teardown },
            Self::Provider(source) => UpError::Provider { source, teardown },
            Self::Chain(source) => UpError::Chain { source, teardown },
            Self::NotReady(source) => UpError::NotReady { source, teardown },
            Self::Interrupted => UpError::Interrupted,
        }
    }
}

/// The testnet's chain spec, raw: genesis storage computed here once, so no validator runs
/// the runtime's genesis builder itself (each took seconds at start, all of them at once on
/// the same cores). A genesis the runtime refuses fails here, before anything starts.
async fn chain_spec(workspace: &Workspace, plan: &Plan) -> Result<Vec<u8>, UpError> {
    let template = node_output(workspace, &["export-chain-spec", "--chain", "local"]).await?;
    let plain = plan.genesis.apply(&template).map_err(|e| UpError::ChainSpec(e.to_string()))?;
    let file = tempfile::Builder::new()
        .prefix("cr-chain-spec-")
        .suffix(".json")
        .tempfile()
        .and_then(|mut f| std::io::Write::write_all(&mut f, &plain).map(|()| f))
        .map_err(|e| UpError::ChainSpec(format!("writing the plain chain spec: {e}")))?;
    let path = file.path().to_string_lossy().into_owned();
    node_output(workspace, &["build-spec", "--chain", &path, "--raw"]).await
}

/// What `cr-node ARGS` prints; its error output when it fails.
async fn node_output(workspace: &Workspace, args: &[&str]) -> Result<Vec<u8>, UpError> {
    let output = tokio::process::Command::new(workspace.node_binary())
        .args(args)
        .output()
        .await
        .map_err(|e| UpError::ChainSpec(format!("{}: {e}", workspace.node_binary().display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(UpError::ChainSpec(format!("cr-node {}: {}", args.join(" "), stderr.trim())));
    }
    Ok(output.stdout)
}

/// `Err(Interrupted)` once Ctrl-C was asked for: the next engine change is not sent.
fn not_interrupted(options: &UpOptions) -> Result<(), Failure> {
    if options.interrupt.requested() {
        Err(Failure::Interrupted)
    } else {
        Ok(())
    }
}

async fn create_and_start(
    provider: &dyn Provider,
    specs: &[ContainerSpec],
    options: &UpOptions,
    progress: &mut Progress,
    what: &str,
    first_start: &mut Option<Instant>,
) -> Result<Vec<ContainerRef>, Failure> {
    progress.step(&format!("starting {} {what}", specs.len()), specs.len() as u64);
    let interrupt = &options.interrupt;
    let _in_flight = interrupt.hold();
    not_interrupted(options)?;
    let specs = specs.iter().take_while(|_| !interrupt.requested());
    let created: Vec<_> = create_many(provider, specs, options.parallelism)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(Failure::Provider)?;
    // Some may not have been created: stop before starting any.
    not_interrupted(options)?;
    first_start.get_or_insert_with(Instant::now);
    let started = start_many(provider, created.iter().take_while(|_| !interrupt.requested()), options.parallelism);
    for (i, result) in started.await.into_iter().enumerate() {
        result.map_err(Failure::Provider)?;
        progress.set(i as u64 + 1, "");
    }
    not_interrupted(options)?;
    Ok(created)
}

async fn start(
    provider: &dyn Provider,
    plan: &Plan,
    chain_spec: &[u8],
    options: &UpOptions,
    progress: &mut Progress,
    first_start: &mut Option<Instant>,
) -> Result<Endpoints, Failure> {
    let segments = Segments::for_topology(plan.topology(), provider.network_capacity()).map_err(Failure::Provider)?;
    let mut networks = Vec::with_capacity(segments.count());
    for segment in segments.all() {
        let _in_flight = options.interrupt.hold();
        not_interrupted(options)?;
        networks.push(provider.ensure_network(&plan.testnet, segment).await.map_err(Failure::Provider)?);
    }
    let with_network = |mut specs: Vec<ContainerSpec>| {
        for s in &mut specs {
            s.networks = networks.clone();
        }
        specs
    };
    let mut compute_specs = plan.compute_specs();
    for (index, spec) in compute_specs.iter_mut().enumerate() {
        spec.networks = vec![networks[segments.of_compute(index)].clone()];
    }
    let validators = create_and_start(
        provider,
        &with_network(plan.validator_specs(chain_spec)),
        options,
        progress,
        "validators",
        first_start,
    )
    .await?;
    let store = match plan.store_spec() {
        Some(spec) => {
            create_and_start(provider, &with_network(vec![spec]), options, progress, "artifact store", first_start)
                .await?
        }
        None => Vec::new(),
    };
    let compute =
        create_and_start(provider, &compute_specs, options, progress, "compute containers", first_start).await?;

    // A node that rejects its command line exits at once; say why instead of timing out later.
    // One inspection per container, several at once: a fleet has a thousand of them.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all: Vec<(&ContainerRef, NodeKind)> = (validators.iter().map(|c| (c, NodeKind::Validator)))
        .chain(store.iter().map(|c| (c, NodeKind::Store)))
        .chain(compute.iter().map(|c| (c, NodeKind::Compute)))
        .collect();
    let states: Vec<_> = futures::stream::iter(&all)
        .map(|(c, _)| provider.inspect(c))
        .buffered(options.parallelism.max(1))
        .collect()
        .await;
    let mut endpoints = Endpoints::default();
    for ((container, kind), state) in all.iter().zip(states) {
        let state = state.map_err(Failure::Provider)?;
        if state.status != ContainerStatus::Running {
            return Err(Failure::Exited { node: container.node.clone(), log: log_tail(provider, container).await });
        }
        let url =
            |port: u16, scheme: &str, suffix: &str| state.ports.get(&port).map(|a| format!("{scheme}://{a}{suffix}"));
        match kind {
            NodeKind::Store => endpoints.store = state.ports.get(&STORE_PORT).map(|a| a.to_string()),
            _ => endpoints.nodes.push(NodeEndpoint {
                node: container.node.clone(),
                kind: *kind,
                rpc: url(RPC_PORT, "ws", ""),
                metrics: kind.metrics_port().and_then(|p| url(p, "http", "/metrics")),
            }),
        }
    }

    let rpc = endpoints.validator_rpcs().first().map(|s| s.to_string()).unwrap_or_default();
    progress.step(&format!("connecting to {rpc}"), 0);
    let chain = Chain::connect_retrying(&rpc, Duration::from_secs(60)).await.map_err(Failure::Chain)?;
    let workers: Vec<AccountId32> = plan.workers().map(|(_, k)| AccountId32(k.account.account_id())).collect();
    wait_ready(&chain, &workers, options.ready_within, progress).await.map_err(Failure::NotReady)?;
    Ok(endpoints)
}

async fn log_tail(provider: &dyn Provider, container: &ContainerRef) -> String {
    let lines: Vec<String> = provider
        .logs(container, false, Some(8))
        .filter_map(|l| async move { l.ok().map(|l| format!("  {}", l.text)) })
        .collect()
        .await;
    lines.join("\n")
}

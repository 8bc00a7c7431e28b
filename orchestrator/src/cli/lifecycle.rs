//! `up`, `down`, `check`, `build`.

use super::ctrl_c::{interrupted, CtrlC};
use miette::{IntoDiagnostic, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use testnet::artifacts::Workspace;
use testnet::network::{self, TestnetState, UpOptions};
use testnet::progress::{Mode, Progress};
use testnet::provider::{Engine, EngineChoice, SWARM_MANAGER_ENV};
use testnet::scenario::model::Scenario;
use testnet::topology::Topology;

/// The engine a topology chose.
pub async fn connect(choice: &EngineChoice) -> miette::Result<Engine> {
    Engine::connect(choice).await.into_diagnostic()
}

/// The engine a running testnet was brought up on, as its state file remembers; without a
/// state file, the first engine that runs it (or, without a name, runs any testnet): the local
/// one, then the swarm of `$CR_SWARM_MANAGER` when that is set.
pub async fn connect_to(testnet: Option<&str>) -> miette::Result<Engine> {
    let root = Workspace::from_env().root;
    let state = match testnet {
        Some(name) => TestnetState::load(&root, name).ok(),
        None => match TestnetState::all(&root).as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        },
    };
    if let Some(state) = state {
        return connect(&state.engine).await;
    }
    let swarm_set = std::env::var_os(SWARM_MANAGER_ENV).is_some_and(|v| !v.is_empty());
    if !swarm_set {
        return connect(&EngineChoice::Local).await;
    }
    for choice in [EngineChoice::Local, EngineChoice::Swarm { manager: None }] {
        let engine = connect(&choice).await?;
        let runs = match testnet {
            Some(name) => !engine.provider.list(name).await.into_diagnostic()?.is_empty(),
            None => !engine.provider.list_testnets().await.into_diagnostic()?.is_empty(),
        };
        if runs {
            return Ok(engine);
        }
    }
    connect(&EngineChoice::Local).await
}

/// The local engine, and the swarm of `$CR_SWARM_MANAGER` when that is set.
async fn every_engine() -> miette::Result<Vec<Engine>> {
    let mut engines = vec![connect(&EngineChoice::Local).await?];
    if std::env::var_os(SWARM_MANAGER_ENV).is_some_and(|v| !v.is_empty()) {
        engines.push(connect(&EngineChoice::Swarm { manager: None }).await?);
    }
    Ok(engines)
}

/// `testnet up`'s options.
pub struct UpArgs {
    pub build: bool,
    pub timeout: u64,
    pub keep_on_failure: bool,
    pub seed: Option<u64>,
    /// `local` or `swarm`, overriding the topology's engine.
    pub engine: Option<String>,
}

pub async fn up(path: &Path, args: UpArgs, json: bool) -> miette::Result<ExitCode> {
    let UpArgs { build, timeout, keep_on_failure, seed, engine } = args;
    let mut topology = Topology::load(path).map_err(miette::Report::new)?;
    if let Some(kind) = engine {
        let choice = if kind == "swarm" { EngineChoice::Swarm { manager: None } } else { EngineChoice::Local };
        topology = topology.on_engine(choice).map_err(|e| miette::miette!("--engine {kind}: {e}"))?;
    }
    let seed = seed.unwrap_or_else(testnet::seed::drawn);
    let engine = connect(topology.engine()).await?;
    let provider = engine.provider.as_ref();
    let workspace = Workspace::from_env();
    let ctrl_c = CtrlC::install(provider, [topology.name().as_str()]).await?;
    let options = UpOptions {
        build,
        ready_within: Duration::from_secs(timeout),
        keep_on_failure,
        seed,
        interrupt: ctrl_c.interrupt(),
        ..UpOptions::default()
    };
    let mut progress = Progress::new(Mode::detect(json));
    progress.done(&format!("seed {seed} (the same run again: --seed {seed})"));
    let up = network::up(&engine, &workspace, &topology, path, &options, &mut progress);
    let Some(result) = ctrl_c.guard(provider, up).await? else { return Ok(interrupted()) };
    let state = result.into_diagnostic().wrap_err(format!("testnet up {}", path.display()))?;
    let block_times = state.ready_after_start_seconds * 1000.0 / f64::from(state.block_time_ms);
    progress.done(&format!(
        "testnet {} ready {block_times:.1} block times after its first container started ({:.1} s; {:.1} s in all, \
         with the build)",
        state.testnet, state.ready_after_start_seconds, state.ready_after_seconds
    ));
    print_endpoints(&state, json);
    Ok(ExitCode::SUCCESS)
}

fn print_endpoints(state: &TestnetState, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(state).unwrap_or_default());
        return;
    }
    println!("testnet {} (topology {})", state.testnet, state.topology.display());
    for node in &state.endpoints.nodes {
        let rpc = node.rpc.as_deref().unwrap_or("-");
        let metrics = node.metrics.as_deref().unwrap_or("-");
        println!("  {:<10} {:<24} rpc {:<26} metrics {}", node.kind, node.node, rpc, metrics);
    }
    if let Some(store) = &state.endpoints.store {
        println!("  store      http://{store}");
    }
    println!("take it down with: testnet down {}", state.testnet);
}

pub async fn down(name: Option<String>, all: bool, json: bool) -> miette::Result<ExitCode> {
    // Named: the engine that runs it. Unnamed: every engine there is (the local one, and the
    // swarm of $CR_SWARM_MANAGER when set), so `--all` leaves no testnet anywhere.
    let engines = match &name {
        Some(name) => vec![connect_to(Some(name)).await?],
        None => every_engine().await?,
    };
    let mut targets: Vec<(usize, String)> = Vec::new();
    match name {
        Some(name) => targets.push((0, name)),
        None => {
            for (i, engine) in engines.iter().enumerate() {
                for testnet in engine.provider.list_testnets().await.into_diagnostic()? {
                    targets.push((i, testnet));
                }
            }
            if !all {
                match targets.len() {
                    1 => {}
                    0 => {
                        eprintln!("no testnet is running");
                        return Ok(ExitCode::SUCCESS);
                    }
                    _ => miette::bail!(
                        "several testnets run ({}); name one (`testnet down <name>`) or use --all",
                        targets.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                }
            }
        }
    }
    let workspace = Workspace::from_env();
    let mut clean = true;
    for (engine, name) in targets {
        let provider = engines[engine].provider.as_ref();
        let started = std::time::Instant::now();
        let mut report = provider.teardown(&name).await.into_diagnostic()?;
        let nothing = report.containers.is_empty() && report.networks.is_empty() && report.volumes.is_empty();
        let swarm_set = std::env::var_os(SWARM_MANAGER_ENV).is_some_and(|v| !v.is_empty());
        if nothing && swarm_set && !TestnetState::path(&workspace.root, &name).exists() && provider.runtime() != "swarm"
        {
            // No state file says where it ran, and the local engine had none of it: what a
            // crashed run left on the swarm (on any host) goes too.
            let swarm = connect(&EngineChoice::Swarm { manager: None }).await?;
            report = swarm.provider.teardown(&name).await.into_diagnostic()?;
        }
        TestnetState::remove(&workspace.root, &name);
        clean &= report.is_clean();
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "testnet": name, "containers": report.containers.len(), "networks": report.networks.len(),
                    "volumes": report.volumes.len(), "seconds": started.elapsed().as_secs_f64(),
                    "leftovers": report.leftovers.iter().map(|l| &l.command).collect::<Vec<_>>(),
                })
            );
        } else {
            println!(
                "testnet {name}: removed {} containers, {} networks, {} volumes in {:.1} s",
                report.containers.len(),
                report.networks.len(),
                report.volumes.len(),
                started.elapsed().as_secs_f64()
            );
            for leftover in &report.leftovers {
                println!("  still there: {} ({}); remove with `{}`", leftover.name, leftover.error, leftover.command);
            }
        }
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A scenario has `jobs:` or `expect:` at the top level; a topology never does.
fn is_scenario(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("jobs:") || l.starts_with("expect:") || l.starts_with("topology:"))
}

pub fn check(files: &[PathBuf], json: bool) -> miette::Result<ExitCode> {
    let mut failed = 0;
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let outcome = if is_scenario(&text) {
            Scenario::load(file)
                .map(|s| {
                    format!("scenario {} ({} jobs, {} faults)", s.name().as_str(), s.jobs().len(), s.faults().len())
                })
                .map_err(miette::Report::new)
        } else {
            Topology::load(file)
                .map(|t| {
                    format!(
                        "topology {} ({} validators, {} compute nodes)",
                        t.name().as_str(),
                        t.validators().len(),
                        t.compute_nodes().len()
                    )
                })
                .map_err(miette::Report::new)
        };
        match outcome {
            Ok(summary) if json => println!("{}", serde_json::json!({"file": file, "ok": true, "summary": summary})),
            Ok(summary) => println!("ok   {}: {summary}", file.display()),
            Err(report) => {
                failed += 1;
                if json {
                    println!("{}", serde_json::json!({"file": file, "ok": false, "error": format!("{report}")}));
                } else {
                    eprintln!("{report:?}");
                }
            }
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub async fn build(json: bool) -> miette::Result<ExitCode> {
    let engine = connect(&EngineChoice::Local).await?;
    let workspace = Workspace::from_env();
    let mut progress = Progress::new(Mode::detect(json));
    progress.step("building cr-node and cr-compute", 0);
    workspace.build_binaries().await.into_diagnostic()?;
    progress.step("building images", 2);
    let images = workspace.build_images(engine.builder.as_ref()).await.into_diagnostic()?;
    progress.done("images ready");
    for image in images {
        println!("{} {} ({:?})", image.tag, image.id, image.outcome);
    }
    Ok(ExitCode::SUCCESS)
}

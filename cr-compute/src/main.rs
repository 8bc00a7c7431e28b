//! `cr-compute`: the compute daemon's command line. Each subcommand parses its arguments and
//! calls into the library, where the behaviour (and its tests) live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use cr_compute::daemon;
use cr_compute::http::shutdown_signal;
use cr_compute::store::{self, StoreConfig, DEFAULT_MAX_BLOB_BYTES};
use tracing_subscriber::filter::LevelFilter;

#[derive(Debug, Parser)]
#[command(name = "cr-compute", version, about = "Compute daemon and artifact store of the compute-marketplace testnet")]
struct Cli {
    /// Log format on stderr; the level is set with RUST_LOG (default: info).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CR_LOG_FORMAT")]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one compute daemon: register, take matching jobs, execute, post result hashes.
    Run(Box<RunArgs>),
    /// Run many logical daemons in one process, from a JSON file (fleets of thousands).
    Fleet(FleetArgs),
    /// Check a job's result: download it, hash it, compare with the chain (provenance).
    Verify(VerifyArgs),
    /// Serve the content-addressed artifact store (blobs keyed by Blake2-256) over HTTP.
    Store(StoreArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Node name, for logs and metrics.
    #[arg(long, env = "CR_NAME")]
    name: String,
    /// WebSocket RPC of a validator.
    #[arg(long, env = "CR_RPC", default_value = "ws://127.0.0.1:9944")]
    rpc: String,
    /// Artifact store base URL.
    #[arg(long, env = "CR_STORE", default_value = "http://127.0.0.1:7070")]
    store: String,
    /// Seed (0x + 64 hex) of the account key that signs transactions and holds the stake.
    #[arg(long, env = "CR_ACCOUNT_SEED", hide_env_values = true)]
    account_seed: cr_protocol::keys::Seed,
    /// Seed (0x + 64 hex) of the key that signs results.
    #[arg(long, env = "CR_RESULT_SEED", hide_env_values = true)]
    result_seed: cr_protocol::keys::Seed,
    /// Declared CPU cores.
    #[arg(long, env = "CR_CPU_CORES", default_value_t = 1)]
    cpu_cores: u32,
    /// Declared memory in MiB.
    #[arg(long, env = "CR_MEMORY_MB", default_value_t = 1024)]
    memory_mb: u32,
    /// Declared GPU count (0: no GPU).
    #[arg(long, env = "CR_GPU_COUNT", default_value_t = 0)]
    gpu_count: u32,
    /// Declared GPU model.
    #[arg(long, env = "CR_GPU_MODEL", default_value = "")]
    gpu_model: String,
    /// Declared memory per GPU in MiB.
    #[arg(long, env = "CR_GPU_VRAM_MB", default_value_t = 0)]
    gpu_vram_mb: u32,
    /// Behaviour: honest, wrong-result, late, crash-after-accept, offline, self-voter or
    /// self-challenger (all but honest exist to test the marketplace's defences).
    #[arg(long, env = "CR_BEHAVIOUR", default_value = "honest")]
    behaviour: daemon::Behaviour,
    /// Role: worker or verifier.
    #[arg(long, env = "CR_ROLE", default_value = "worker")]
    role: daemon::Role,
    /// Stake held at registration, whole tokens.
    #[arg(long, env = "CR_STAKE", default_value_t = 100)]
    stake: u64,
    /// Most jobs run at once.
    #[arg(long, env = "CR_MAX_CONCURRENT", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrent: u32,
    /// Blocks an honest worker waits before its first accept attempt.
    #[arg(long, env = "CR_ACCEPT_DELAY_BLOCKS", default_value_t = 0)]
    accept_delay_blocks: u32,
    /// Salt of the ranking of eligible nodes per job; every daemon of a testnet needs the same.
    #[arg(long, env = "CR_TIE_BREAK_SEED", default_value_t = 0)]
    tie_break_seed: u64,
    /// Journal and output cache (keep it across restarts).
    #[arg(long, env = "CR_STATE_DIR", default_value = "/tmp/cr-compute")]
    state_dir: PathBuf,
    /// Serve Prometheus metrics on this address.
    #[arg(long, env = "CR_METRICS")]
    metrics: Option<SocketAddr>,
}

#[derive(Debug, Args)]
struct FleetArgs {
    /// JSON file: {"endpoints": {"rpc", "store"}, "metrics": "addr"?, "daemons": [...]}.
    #[arg(long, env = "CR_FLEET")]
    config: PathBuf,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Job id.
    job: u64,
    /// WebSocket RPC of a validator.
    #[arg(long, env = "CR_RPC", default_value = "ws://127.0.0.1:9944")]
    rpc: String,
    /// `host:port` of the store when outside the testnet network (its published port).
    #[arg(long)]
    store: Option<String>,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct StoreArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:7070")]
    listen: SocketAddr,

    /// Directory that holds the blobs; created if missing, kept across restarts.
    #[arg(long)]
    data_dir: PathBuf,

    /// Largest accepted blob in bytes; larger uploads are refused with 413.
    #[arg(long, default_value_t = DEFAULT_MAX_BLOB_BYTES, value_parser = clap::value_parser!(u64).range(1..))]
    max_blob_bytes: u64,
}

fn init_logging(format: LogFormat) {
    // A plain level (`RUST_LOG=debug`); per-module filters would cost the binary a regex engine.
    let filter =
        std::env::var("RUST_LOG").ok().and_then(|l| l.parse::<LevelFilter>().ok()).unwrap_or(LevelFilter::INFO);
    // Colour only for a person at a terminal; container logs stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_max_level(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn store(args: StoreArgs) -> anyhow::Result<()> {
    let config = StoreConfig { listen: args.listen, data_dir: args.data_dir, max_blob_bytes: args.max_blob_bytes };
    store::run(config, shutdown_signal()).await.context("artifact store")
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let gpu = (args.gpu_count > 0).then(|| daemon::GpuDecl {
        count: args.gpu_count,
        model: args.gpu_model.clone(),
        vram_mb: args.gpu_vram_mb,
    });
    let config = daemon::DaemonConfig {
        name: args.name,
        account_seed: args.account_seed,
        result_seed: args.result_seed,
        cpu_cores: args.cpu_cores,
        memory_mb: args.memory_mb,
        gpu,
        behaviour: args.behaviour,
        role: args.role,
        stake_tokens: args.stake,
        max_concurrent: args.max_concurrent,
        accept_delay_blocks: args.accept_delay_blocks,
        state_dir: args.state_dir,
        allies: Vec::new(),
        alt_account_seed: None,
        tie_break_seed: args.tie_break_seed,
    };
    let endpoints = daemon::ServiceUrls { rpc: args.rpc, store: args.store };
    daemon::run(endpoints, vec![config], args.metrics, shutdown_signal()).await
}

async fn fleet(args: FleetArgs) -> anyhow::Result<()> {
    let text = std::fs::read(&args.config).with_context(|| format!("reading {}", args.config.display()))?;
    let file: cr_protocol::fleet::FleetFile =
        serde_json::from_slice(&text).with_context(|| format!("{} is not a fleet file", args.config.display()))?;
    daemon::run(file.endpoints, file.daemons, file.metrics, shutdown_signal()).await
}

async fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let chain = cr_protocol::chain::Chain::connect(&args.rpc).await?;
    let verdict = cr_protocol::provenance::verify_job(&chain, args.job, args.store.as_deref()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        println!("{}", verdict.states());
        println!("  result:     {}", verdict.uri);
        println!("  on chain:   {}", verdict.onchain_hash);
        println!("  downloaded: {} ({} bytes)", verdict.downloaded_hash, verdict.bytes);
        println!("  verdict:    {}", verdict.conclusion());
    }
    Ok(verdict.matches)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = cli.log_format;
    init_logging(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cr-compute: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run(*args).await,
            Command::Fleet(args) => fleet(args).await,
            Command::Verify(args) => match verify(args).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(anyhow::anyhow!("the downloaded result does not match the chain")),
                Err(e) => Err(e),
            },
            Command::Store(args) => store(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Machine-read logs get the failure as an event; people get a plain last line.
            match log_format {
                LogFormat::Json => {
                    tracing::error!(error = format!("{error:#}"), "cr-compute failed")
                }
                LogFormat::Text => eprintln!("cr-compute: error: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

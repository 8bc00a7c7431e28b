//! `cr-compute`: the compute daemon's command line. Each subcommand parses its arguments and
//! calls into the library, where the behaviour (and its tests) live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use cr_compute::http::shutdown_signal;
use cr_compute::store::{self, StoreConfig, DEFAULT_MAX_BLOB_BYTES};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "cr-compute",
    version,
    about = "Compute daemon and artifact store of the compute-marketplace testnet"
)]
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
    /// Serve the content-addressed artifact store (blobs keyed by Blake2-256) over HTTP.
    Store(StoreArgs),
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
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal; container logs stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn store(args: StoreArgs) -> anyhow::Result<()> {
    let config = StoreConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        max_blob_bytes: args.max_blob_bytes,
    };
    store::run(config, shutdown_signal())
        .await
        .context("artifact store")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = cli.log_format;
    init_logging(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cr-compute: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
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

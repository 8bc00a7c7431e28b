//! `testnet logs NODE`: a node's container log, following it on request. A daemon that
//! shares a container with others gets its own lines picked out of the container's log.

use super::choose;
use super::connect_to;
use miette::{IntoDiagnostic, WrapErr};
use std::io::Write;
use std::process::ExitCode;
use testnet::artifacts::Workspace;
use testnet::network::status;
use testnet::provider::LogSource;

/// Print a node's container log.
#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// A validator, `store`, a compute container (`<group>-c<i>`) or a compute daemon.
    pub node: String,
    /// Keep printing new lines until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of the container's log (counted before a daemon's lines are
    /// picked out of a shared container).
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// Testnet; the only running one when omitted.
    #[arg(long, value_name = "NAME")]
    pub testnet: Option<String>,
}

/// The `node` field of a daemon's JSON log line, if it has one.
fn line_node(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("node")?.as_str().map(str::to_owned)
}

/// `testnet logs`.
pub async fn logs(args: LogsArgs, json: bool) -> miette::Result<ExitCode> {
    use futures::StreamExt;
    let engine = connect_to(args.testnet.as_deref()).await?;
    let provider = engine.provider.as_ref();
    let testnet = choose(provider, args.testnet.as_deref()).await?;
    let views = status::containers(provider, &testnet).await.into_diagnostic()?;
    if views.is_empty() {
        miette::bail!("testnet {testnet} has no containers; `testnet status` lists what runs");
    }
    let topology = status::saved_topology(&Workspace::from_env().root, &testnet);
    let target = status::find_node(&testnet, &views, topology.as_ref(), &args.node).into_diagnostic()?;
    let Some(view) = views.iter().find(|v| v.node == target.container_node) else {
        miette::bail!("container {} of testnet {testnet} disappeared; see `testnet status`", target.container_node);
    };
    // In a shared container, pick out the daemon's own lines (and the fleet's, which name no node).
    let only = target.daemon.clone().filter(|_| target.daemons_in_container > 1);
    if let Some(daemon) = &only {
        eprintln!(
            "{daemon} runs in {} with {} other daemon(s); showing its lines",
            view.container,
            target.daemons_in_container - 1
        );
    }
    let mut lines = provider.logs(&view.reference, args.follow, args.tail);
    // Unlocked handles: a lock held across the awaits below would block tracing's writes.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    loop {
        let line = tokio::select! {
            line = lines.next() => line,
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        };
        let Some(line) = line else {
            return Ok(ExitCode::SUCCESS);
        };
        let line = line.into_diagnostic().wrap_err(format!("reading the log of {}", view.container))?;
        if only.as_ref().is_some_and(|d| line_node(&line.text).is_some_and(|n| &n != d)) {
            continue;
        }
        let stream = if line.source == LogSource::Stderr { "stderr" } else { "stdout" };
        let written = match (json, line.source) {
            (true, _) => writeln!(
                out,
                "{}",
                serde_json::json!({"node": target.container_node, "stream": stream, "text": line.text})
            ),
            (false, LogSource::Stdout) => writeln!(out, "{}", line.text),
            (false, LogSource::Stderr) => writeln!(err, "{}", line.text),
        };
        // A closed pipe (`| head`) ends the command quietly.
        if written.is_err() {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

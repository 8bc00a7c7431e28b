//! `testnet dashboard`: the live page of a running testnet.

use super::lifecycle::connect_to;
use miette::IntoDiagnostic;
use std::process::ExitCode;
use std::sync::Arc;
use testnet::artifacts::Workspace;
use testnet::network::status::{self, Pick};

/// Serve the live dashboard of a running testnet on 127.0.0.1.
#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    /// Testnet name; the only running testnet when omitted.
    pub name: Option<String>,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8844)]
    pub port: u16,
}

pub async fn dashboard(args: DashboardArgs) -> miette::Result<ExitCode> {
    let engine = connect_to(args.name.as_deref()).await?;
    let provider = engine.provider.as_ref();
    let testnet = match status::pick_testnet(provider, args.name.as_deref()).await.into_diagnostic()? {
        Pick::One(name) => name,
        Pick::None => miette::bail!("no testnet is running; start one with `testnet up`, or name the one to wait for"),
        Pick::Several(all) => {
            miette::bail!("several testnets run ({}); name one: `testnet dashboard NAME`", all.join(", "))
        }
    };
    let root = Workspace::from_env().root;
    let served = testnet::dashboard::serve(
        Arc::from(engine.provider),
        root,
        testnet.clone(),
        args.port,
        |addr| println!("dashboard of testnet {testnet}: http://{addr}/  (Ctrl-C stops it)"),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            miette::bail!("port {} on 127.0.0.1 is taken; choose another with --port", args.port)
        }
        Err(e) => Err(e).into_diagnostic(),
    }
}

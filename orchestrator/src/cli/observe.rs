//! `status`, `logs`, `verify`: looking at a running testnet. The data comes from
//! `testnet::network::status`; this file only chooses the testnet and renders.

mod logs;

pub use logs::{logs, LogsArgs};

use super::lifecycle::connect_to;
use miette::{IntoDiagnostic, WrapErr};
use std::process::ExitCode;
use testnet::artifacts::Workspace;
use testnet::network::status::{self, ContainerView, Pick, TestnetStatus};
use testnet::node_kind::NodeKind;
use testnet::provider::Provider;

/// The contract of `testnet status`, shown by `testnet status --help`.
pub const STATUS_HELP: &str = "\
Without NAME: the only testnet this engine runs; with several, they are listed and the
command exits 2; with none, it says so and exits 0. Exits 1 when the chain cannot be read
(the containers are still shown, with the reason).

--json prints one object with these fields (absent values are null):
  testnet        name
  containers     array of {node, kind, container, status, running, rpc, metrics, store,
                 cpu_percent, memory_bytes}
  chain          null, or {rpc, runtime, spec_version, best, finalized, registered_daemons,
                 expected_workers (null when unknown), jobs: {open, assigned, submitted,
                 disputed, completed, refunded, cancelled, expired}}
  chain_error    null, or why chain is missing
With no testnet to show it prints {\"testnet\": null, \"running\": [names]}.";

/// Exit code when several testnets run and none was named (a usage error, as in clap).
const AMBIGUOUS: u8 = 2;

/// Show a testnet's containers and chain; the JSON fields are [`STATUS_HELP`].
#[derive(Debug, clap::Args)]
#[command(after_long_help = STATUS_HELP)]
pub struct StatusArgs {
    /// Testnet name; the only running testnet when omitted.
    pub name: Option<String>,
}

/// Check a job's result from the host: download it through the store's published port,
/// hash it, compare with the chain. Exits 1 on a mismatch.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Job id.
    pub job: u64,
    /// Testnet; the only running one when omitted.
    #[arg(long, value_name = "NAME")]
    pub testnet: Option<String>,
}

/// The testnet for `logs` and `verify`, where having none to look at is an error.
async fn choose(provider: &dyn Provider, name: Option<&str>) -> miette::Result<String> {
    match status::pick_testnet(provider, name).await.into_diagnostic()? {
        Pick::One(name) => Ok(name),
        Pick::None => miette::bail!("no testnet is running; start one with `testnet up`"),
        Pick::Several(all) => {
            miette::bail!("several testnets run ({}); name one with --testnet NAME", all.join(", "))
        }
    }
}

/// `testnet status`.
pub async fn status(args: StatusArgs, json: bool) -> miette::Result<ExitCode> {
    let engine = connect_to(args.name.as_deref()).await?;
    let provider = engine.provider.as_ref();
    let testnet = match status::pick_testnet(provider, args.name.as_deref()).await.into_diagnostic()? {
        Pick::One(name) => name,
        Pick::None if json => return print_json(&serde_json::json!({"testnet": null, "running": []}), 0),
        Pick::None => {
            println!("no testnet is running");
            return Ok(ExitCode::SUCCESS);
        }
        Pick::Several(all) if json => {
            return print_json(&serde_json::json!({"testnet": null, "running": all}), AMBIGUOUS)
        }
        Pick::Several(all) => {
            eprintln!(
                "several testnets run; name one: {}",
                all.iter().map(|n| format!("`testnet status {n}`")).collect::<Vec<_>>().join(", ")
            );
            return Ok(ExitCode::from(AMBIGUOUS));
        }
    };
    let root = Workspace::from_env().root;
    let report = status::gather(provider, &root, &testnet).await.into_diagnostic()?;
    let code = u8::from(report.chain.is_none());
    if json {
        return print_json(&report, code);
    }
    render(&report);
    Ok(ExitCode::from(code))
}

fn print_json(value: &impl serde::Serialize, code: u8) -> miette::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value).into_diagnostic()?);
    Ok(ExitCode::from(code))
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
}

fn render(report: &TestnetStatus) {
    if report.containers.is_empty() {
        println!(
            "testnet {}: no container carries its label; `testnet status` without a name lists \
             the running testnets",
            report.testnet
        );
        return;
    }
    let mut rows: Vec<&ContainerView> = report.containers.iter().collect();
    // Validators first, then the store, then compute containers; by name within a kind.
    rows.sort_by_key(|v| (v.kind, v.node.as_str()));
    let running = rows.iter().filter(|v| v.running).count();
    println!("testnet {}: {} containers, {running} running", report.testnet, rows.len());
    let width = rows.iter().map(|v| v.node.len()).max().unwrap_or(4).max(4);
    let hosts: Vec<String> = rows.iter().map(|v| v.host.clone().unwrap_or_default()).collect();
    // One engine has one host: the column only appears when there are several.
    let host_width = hosts.iter().map(String::len).max().unwrap_or(0);
    let host_cell = |h: &str| if host_width == 0 { String::new() } else { format!("  {h:<host_width$}") };
    println!(
        "  {:<9}  {:<width$}{}  {:<15}  {:<28}  {:<36}  {:>6}  {:>10}",
        "KIND",
        "NODE",
        host_cell("HOST"),
        "STATUS",
        "ENDPOINT",
        "METRICS",
        "CPU",
        "MEMORY"
    );
    for (v, host) in rows.into_iter().zip(&hosts) {
        let endpoint =
            v.rpc.clone().or_else(|| v.store.as_ref().map(|s| format!("http://{s}"))).unwrap_or_else(|| "-".into());
        let cpu = v.cpu_percent.map_or("-".into(), |c| format!("{c:.1}%"));
        let metrics = v.metrics.as_deref().unwrap_or("-");
        println!(
            "  {:<9}  {:<width$}{}  {:<15}  {endpoint:<28}  {metrics:<36}  {cpu:>6}  {:>10}",
            v.kind.as_str(),
            v.node,
            host_cell(host),
            v.status,
            mib(v.memory_bytes)
        );
    }
    match (&report.chain, &report.chain_error) {
        (Some(c), _) => {
            println!("chain (read through {}): runtime {} version {}", c.rpc, c.runtime, c.spec_version);
            println!("  blocks: best #{}, finalized #{}", c.best, c.finalized);
            let expected =
                c.expected_workers.map_or("unknown (no saved state for this testnet)".into(), |n| n.to_string());
            println!("  daemons registered: {} (workers expected: {expected})", c.registered_daemons);
            let counts: Vec<String> = cr_protocol::lifecycle::STATUS_NAMES
                .iter()
                .map(|s| format!("{} {s}", c.jobs.get(*s).copied().unwrap_or(0)))
                .collect();
            // The best block's state, as the dashboard shows it; `verify` shows the finalized one too.
            println!("  jobs at best #{}: {} ({} in all)", c.best, counts.join(", "), c.jobs.values().sum::<usize>());
        }
        (None, why) => {
            println!("chain: not shown: {}", why.as_deref().unwrap_or("unknown reason"));
            let validator = report.containers.iter().find(|v| v.kind == NodeKind::Validator);
            if let Some(v) = validator {
                println!(
                    "  `testnet logs {} --testnet {}` may say why the node does not answer",
                    v.node, report.testnet
                );
            }
        }
    }
}

/// `testnet verify`.
pub async fn verify(args: VerifyArgs, json: bool) -> miette::Result<ExitCode> {
    let engine = connect_to(args.testnet.as_deref()).await?;
    let provider = engine.provider.as_ref();
    let testnet = choose(provider, args.testnet.as_deref()).await?;
    let views = status::containers(provider, &testnet).await.into_diagnostic()?;
    let Some(rpc) = status::first_rpc(&views) else {
        miette::bail!(
            "no running validator of testnet {testnet} publishes an RPC port; see `testnet status {testnet}`"
        );
    };
    let Some(store) = status::store_authority(&views) else {
        miette::bail!(
            "testnet {testnet} has no running artifact store to download results from; see `testnet status {testnet}`"
        );
    };
    let chain = tokio::time::timeout(status::CHAIN_TIMEOUT, cr_protocol::chain::Chain::connect(rpc))
        .await
        .map_err(|_| {
            miette::miette!("the validator at {rpc} did not answer within {} s", status::CHAIN_TIMEOUT.as_secs())
        })?
        .into_diagnostic()?;
    let verdict = cr_protocol::provenance::verify_job(&chain, args.job, Some(store))
        .await
        .into_diagnostic()
        .wrap_err(format!("verifying job {} of testnet {testnet}", args.job))?;
    if json {
        return print_json(&verdict, u8::from(!verdict.matches));
    }
    println!("{}", verdict.states());
    println!("  result:     {}", verdict.uri);
    println!("  on chain:   {}", verdict.onchain_hash);
    println!("  downloaded: {} ({} bytes, through {store})", verdict.downloaded_hash, verdict.bytes);
    println!("  verdict:    {}", verdict.conclusion());
    Ok(if verdict.matches { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

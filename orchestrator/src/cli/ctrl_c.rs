//! Ctrl-C for the commands that bring testnets up (`up`, `load`, `test`, `chaos`, `replay`):
//! every engine change in flight lands, the work is dropped, and the testnets the run started
//! are removed, never one that was running before it.

use miette::IntoDiagnostic;
use std::future::Future;
use std::process::ExitCode;
use testnet::network::Interrupt;
use testnet::provider::Provider;

/// Exit code after Ctrl-C, as shells expect.
const INTERRUPTED: u8 = 130;

/// One command run's Ctrl-C.
pub(super) struct CtrlC {
    interrupt: Interrupt,
    /// The testnets the run may remove: those it names that were not running when it began.
    ours: Vec<String>,
}

impl CtrlC {
    /// Listen for Ctrl-C from now on, for a run that brings up `testnets`.
    pub async fn install<'a>(
        provider: &dyn Provider,
        testnets: impl IntoIterator<Item = &'a str>,
    ) -> miette::Result<Self> {
        let interrupt = Interrupt::on_ctrl_c().into_diagnostic()?;
        let running = provider.list_testnets().await.into_diagnostic()?;
        let mut ours: Vec<String> =
            testnets.into_iter().filter(|t| !running.iter().any(|r| r == t)).map(str::to_owned).collect();
        ours.sort_unstable();
        ours.dedup();
        Ok(Self { interrupt, ours })
    }

    /// What the run's `UpOptions` carry, so `up` holds it while engine changes are in flight.
    pub fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }

    /// `work`'s output; or, after Ctrl-C, `None` once nothing is in flight and the testnets this
    /// run started are removed.
    pub async fn guard<T>(&self, provider: &dyn Provider, work: impl Future<Output = T>) -> miette::Result<Option<T>> {
        let out = tokio::select! {
            out = work => Some(out),
            () = self.interrupt.settled() => None,
        };
        // Work that an interrupted `up` cut short can end before `settled()` is polled.
        if out.is_some() && !self.interrupt.requested() {
            return Ok(out);
        }
        for testnet in &self.ours {
            remove(provider, testnet).await?;
        }
        Ok(None)
    }
}

/// The exit code of a run Ctrl-C stopped.
pub(super) fn interrupted() -> ExitCode {
    ExitCode::from(INTERRUPTED)
}

async fn remove(provider: &dyn Provider, testnet: &str) -> miette::Result<()> {
    eprintln!("\ninterrupted: removing testnet {testnet}");
    let report = provider.teardown(testnet).await.into_diagnostic()?;
    for leftover in &report.leftovers {
        eprintln!("  still there: {} {}; remove with `{}`", leftover.name, leftover.error, leftover.command);
    }
    Ok(())
}

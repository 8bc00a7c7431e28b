//! Ctrl-C while a testnet is being brought up or driven.
//!
//! Dropping the work at whatever await it is parked on abandons engine requests already sent,
//! and the engine still completes a create whose client went away: after the teardown listed
//! what to remove, so a container stayed (a gate caught a validator left this way). The work
//! therefore holds the interrupt while engine changes are in flight and stops sending new ones
//! once asked; whoever races the work against Ctrl-C waits for [`Interrupt::settled`] (asked
//! for, nothing in flight) before dropping it and removing the testnet.

use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Default)]
struct State {
    requested: bool,
    in_flight: usize,
}

/// A request to stop, and the engine changes in flight it must wait for. Clones share both.
#[derive(Debug, Clone)]
pub struct Interrupt(watch::Sender<State>);

impl Default for Interrupt {
    /// One nothing requests (scenario runs, tests), until [`Interrupt::request`] is called.
    fn default() -> Self {
        Self(watch::Sender::new(State::default()))
    }
}

impl Interrupt {
    /// Requested by the next SIGINT (Ctrl-C) this process receives. The handler is installed
    /// before this returns, so a Ctrl-C from then on never kills the process uncleaned.
    pub fn on_ctrl_c() -> std::io::Result<Self> {
        let interrupt = Self::default();
        let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        let asked = interrupt.clone();
        tokio::spawn(async move {
            if sigint.recv().await.is_some() {
                asked.request();
            }
        });
        Ok(interrupt)
    }

    /// Ask the work to stop.
    pub fn request(&self) {
        self.0.send_modify(|s| s.requested = true);
    }

    /// Whether stopping was asked for: send no new engine change.
    pub fn requested(&self) -> bool {
        self.0.borrow().requested
    }

    /// Mark engine changes in flight until the guard drops; [`Interrupt::settled`] waits for it.
    pub fn hold(&self) -> InFlight {
        self.0.send_modify(|s| s.in_flight += 1);
        InFlight(self.0.clone())
    }

    /// Resolves once stopping was asked for and no engine change is in flight: from then on the
    /// work can be dropped and everything it made is visible to a teardown.
    pub async fn settled(&self) {
        let mut state = self.0.subscribe();
        // `self` holds a sender, so the channel stays open while this waits.
        let _ = state.wait_for(|s| s.requested && s.in_flight == 0).await;
    }
}

/// Engine changes in flight; see [`Interrupt::hold`].
#[must_use = "the changes count as in flight only while this lives"]
pub struct InFlight(watch::Sender<State>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|s| s.in_flight -= 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn settles_within(interrupt: &Interrupt, ms: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(ms), interrupt.settled()).await.is_ok()
    }

    #[tokio::test]
    async fn nothing_settles_before_it_is_asked() {
        let interrupt = Interrupt::default();
        assert!(!interrupt.requested());
        assert!(!settles_within(&interrupt, 50).await);
        interrupt.request();
        assert!(interrupt.requested());
        assert!(settles_within(&interrupt, 50).await);
    }

    #[tokio::test]
    async fn an_interrupt_waits_for_the_engine_changes_in_flight() {
        let interrupt = Interrupt::default();
        let first = interrupt.hold();
        let second = interrupt.clone().hold();
        interrupt.request();
        assert!(!settles_within(&interrupt, 50).await, "two changes in flight");
        drop(first);
        assert!(!settles_within(&interrupt, 50).await, "one change still in flight");
        drop(second);
        assert!(settles_within(&interrupt, 50).await);
    }

    #[tokio::test]
    async fn a_waiter_started_before_the_request_sees_it() {
        let interrupt = Interrupt::default();
        let waiter = tokio::spawn({
            let interrupt = interrupt.clone();
            async move { interrupt.settled().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        interrupt.request();
        assert!(tokio::time::timeout(Duration::from_secs(1), waiter).await.is_ok());
    }
}

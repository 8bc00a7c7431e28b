//! Where a job's time goes inside a daemon: each step of the accept and of the answer is timed
//! and logged with the line that ends it, so a slow accepted->result in a load run can be split
//! into chain reads, the store, execution and the pool from the fleet's own log.

use std::fmt::Write;
use std::time::Instant;

/// Milliseconds per named step, in the order they ran.
pub(super) struct Laps {
    last: Instant,
    laps: Vec<(&'static str, u128)>,
}

impl Laps {
    pub fn start() -> Self {
        Self { last: Instant::now(), laps: Vec::new() }
    }

    /// The step `what` ended now.
    pub fn lap(&mut self, what: &'static str) {
        let now = Instant::now();
        self.laps.push((what, now.duration_since(self.last).as_millis()));
        self.last = now;
    }
}

impl std::fmt::Display for Laps {
    /// `step=ms` pairs, space-separated: `read=3 spec=0 included=1890`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        for (i, (what, ms)) in self.laps.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let _ = write!(out, "{sep}{what}={ms}");
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_listed_in_order_with_their_own_time() {
        let mut laps = Laps::start();
        laps.lap("read");
        std::thread::sleep(std::time::Duration::from_millis(20));
        laps.lap("spec");
        let shown = laps.to_string();
        let (read, spec) = shown.split_once(' ').expect("two steps");
        assert!(read.starts_with("read="), "{shown}");
        let spec_ms: u128 = spec.strip_prefix("spec=").and_then(|ms| ms.parse().ok()).expect("spec=<ms>");
        // The sleep belongs to the second step only.
        assert!(spec_ms >= 20, "{shown}");
        assert!(read.strip_prefix("read=").and_then(|ms| ms.parse::<u128>().ok()).expect("ms") < 20, "{shown}");
    }
}

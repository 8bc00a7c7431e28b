//! How busy this machine's CPUs were over a span, from `/proc/stat`: on one machine the
//! validators, the fleet and the load driver share the same cores, so a knee where they are
//! all busy is the machine's, not the marketplace's.

/// Cumulative CPU time of every core, in clock ticks.
#[derive(Debug, Clone, Copy)]
pub struct CpuTimes {
    busy: u64,
    total: u64,
}

impl CpuTimes {
    /// Now; `None` where `/proc/stat` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// Percent of all cores busy since `earlier` (100 = every core all the time).
    pub fn busy_percent_since(&self, earlier: &Self) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total).filter(|t| *t > 0)?;
        let busy = self.busy.saturating_sub(earlier.busy);
        Some(busy as f64 * 100.0 / total as f64)
    }
}

/// The `cpu` line: user nice system idle iowait irq softirq steal (guest time is already in
/// user); idle and iowait are the time not worked.
fn parse(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).take(8).map(|f| f.parse().ok()).collect::<Option<_>>()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    Some(CpuTimes { busy: total - idle, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_share_is_the_worked_ticks_over_all_ticks() {
        let before = parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n").expect("cpu line");
        let after = parse("cpu  250 0 100 850 50 0 0 0 0 0\n").expect("cpu line");
        assert_eq!(after.busy_percent_since(&before).map(|p| p.round()), Some(80.0));
        assert_eq!(before.busy_percent_since(&before), None, "no ticks, no share");
        assert!(parse("intr 1 2\n").is_none());
    }
}

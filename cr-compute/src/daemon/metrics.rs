//! Prometheus metrics of the daemons in this process, in the text exposition format, served on
//! `/metrics`. Counters are per logical daemon (label `node`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A metric: name, help text, and how to read it from one node's counters.
type Series = (&'static str, &'static str, fn(&NodeMetrics) -> f64);

/// Counters of one logical daemon.
#[derive(Debug, Default)]
pub struct NodeMetrics {
    pub accept_attempts: AtomicU64,
    pub jobs_accepted: AtomicU64,
    pub jobs_completed: AtomicU64,
    pub jobs_failed: AtomicU64,
    pub results_submitted: AtomicU64,
    pub challenges: AtomicU64,
    pub votes: AtomicU64,
    /// Jobs declined because their execution window is shorter than the run needs.
    pub jobs_declined_window: AtomicU64,
    /// Execution time, in microseconds, summed; with `executions` it gives the mean.
    pub execution_micros: AtomicU64,
    pub executions: AtomicU64,
}

impl NodeMetrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_execution(&self, seconds: f64) {
        self.execution_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        self.executions.fetch_add(1, Ordering::Relaxed);
    }
}

/// Every daemon's counters.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    nodes: Arc<Mutex<BTreeMap<String, Arc<NodeMetrics>>>>,
}

impl Registry {
    /// The counters of `node`, created on first use.
    pub fn node(&self, node: &str) -> Arc<NodeMetrics> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        nodes.entry(node.to_owned()).or_default().clone()
    }

    /// The text exposition of every counter.
    pub fn render(&self) -> String {
        let nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let series: [Series; 10] = [
            ("cr_accept_attempts_total", "Accept transactions sent", |m| get(&m.accept_attempts)),
            ("cr_jobs_accepted_total", "Jobs this node accepted", |m| get(&m.jobs_accepted)),
            ("cr_jobs_completed_total", "Jobs paid out to this node", |m| get(&m.jobs_completed)),
            ("cr_jobs_failed_total", "Jobs this node failed (execution error, timeout, lost dispute)", |m| {
                get(&m.jobs_failed)
            }),
            ("cr_results_submitted_total", "Result extrinsics submitted", |m| get(&m.results_submitted)),
            ("cr_challenges_total", "Challenges this node raised", |m| get(&m.challenges)),
            ("cr_votes_total", "Committee votes this node cast", |m| get(&m.votes)),
            ("cr_jobs_declined_window_total", "Jobs declined: execution window shorter than the run needs", |m| {
                get(&m.jobs_declined_window)
            }),
            ("cr_execution_seconds_sum", "Seconds spent executing workloads", |m| get(&m.execution_micros) / 1e6),
            ("cr_execution_seconds_count", "Workload executions", |m| get(&m.executions)),
        ];
        for (name, help, value) in series {
            let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (node, m) in nodes.iter() {
                let _ = writeln!(out, "{name}{{node=\"{node}\"}} {}", value(m));
            }
        }
        out
    }
}

fn get(c: &AtomicU64) -> f64 {
    c.load(Ordering::Relaxed) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_node() {
        let r = Registry::default();
        NodeMetrics::inc(&r.node("a").jobs_accepted);
        r.node("b").observe_execution(1.5);
        let text = r.render();
        assert!(text.contains("cr_jobs_accepted_total{node=\"a\"} 1"), "{text}");
        assert!(text.contains("cr_execution_seconds_sum{node=\"b\"} 1.5"), "{text}");
        assert!(text.contains("# TYPE cr_jobs_accepted_total counter"));
    }
}

//! `testnet load --find-ceiling`: the offered rate raised step by step on one running fleet
//! until the settled rate stops following it or latency breaks its bound. The knee is the last
//! step that kept up; the step after it names the stage that saturated first.

use super::drive::JobRecord;
use super::stats::Percentiles;
use serde::Serialize;

/// A step keeps up while it settles at least this share of what it was offered.
pub const FOLLOWS: f64 = 0.9;

/// How the climb goes.
#[derive(Debug, Clone, Copy)]
pub struct Climb {
    /// Offered jobs/s of the first step.
    pub start: f64,
    /// Each step offers this many times the previous one.
    pub factor: f64,
    /// Seconds of arrivals per step (the step's jobs are `rate x seconds`).
    pub step_seconds: f64,
    /// Steps at most, knee found or not.
    pub max_steps: u32,
    /// Bound on a step's p99 submit->settled, in seconds; `None`: twice the first step's.
    pub p99_bound: Option<f64>,
}

impl Climb {
    /// Offered rate of step `i` (from 0).
    pub fn rate(&self, i: u32) -> f64 {
        self.start * self.factor.powi(i as i32)
    }

    /// Jobs of step `i`: at least 10, so its settled rate is a rate.
    pub fn jobs(&self, i: u32) -> u32 {
        ((self.rate(i) * self.step_seconds).ceil() as u32).max(10)
    }
}

/// One step of the climb.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub offered: f64,
    pub jobs: u32,
    pub completed: usize,
    /// Settlements per second over the span of the step's settlements.
    pub achieved: f64,
    /// Mean extrinsics per block (inherents excluded) while the step's jobs were submitted.
    pub extrinsics_per_block: f64,
    /// Mean share of a block's normal-class weight limit its transactions were charged while
    /// the step's jobs were submitted; near 1, blocks refuse more however fast they are built.
    pub weight_full: Option<f64>,
    /// `accept_job` calls the chain refused per job of the step (nodes that were late for it).
    pub refused_accepts_per_job: f64,
    /// Percent of this machine's CPU busy while the step ran (validators, fleet and driver
    /// share it when the engine is local); `None` where it cannot be read.
    pub host_cpu_busy: Option<f64>,
    /// Per stage, as in the run's own latency table.
    pub latency: Vec<(String, Percentiles)>,
}

impl Step {
    /// The percentiles of one stage (`submit->included`, ...), when the step had samples.
    pub fn stage(&self, name: &str) -> Option<&Percentiles> {
        self.latency.iter().find(|(s, _)| s == name).map(|(_, p)| p)
    }
}

/// Stages a job goes through, in order; the end-to-end stage is not one of them.
pub const STAGES: [&str; 4] = ["submit->included", "included->accepted", "accepted->result", "result->settled"];

/// Where the climb stopped following.
#[derive(Debug, Clone, Serialize)]
pub struct Knee {
    /// Index of the last step that kept up (`None`: not even the first did).
    pub step: Option<usize>,
    /// Settled jobs/s at the knee.
    pub achieved: f64,
    pub offered: f64,
    /// `achieved / job ceiling`, when the chain's ceiling was measured.
    pub ratio_to_job_ceiling: Option<f64>,
    /// Extrinsics per block at the knee.
    pub extrinsics_per_block: f64,
    /// Share of the blocks' normal-class weight limit used at the knee.
    pub weight_full: Option<f64>,
    /// Refused accepts per job at the knee.
    pub refused_accepts_per_job: f64,
    /// This machine's CPU busy at the knee, percent.
    pub host_cpu_busy: Option<f64>,
    /// The step that broke, and why; `None` when every step kept up (raise `--max-steps`).
    pub broke_at: Option<usize>,
    pub why: Option<String>,
    /// The stage whose p50 grew most from the first step to the one that broke.
    pub saturated_stage: Option<String>,
}

/// Settled rate of a step's records: the inverse of the least-squares slope of settlement time
/// against the job's rank by submission, so the pipeline's fixed latency does not count against
/// it and every settlement, not only the first and last, weighs in. Settlements come a block at
/// a time: a rate read off the span between the first and the last moved a whole block time at
/// either end, and a missed slot near one end read a step that kept up as 10% short of it. From
/// 20 settlements on, the first and last 5% by submission are left out: a few slow or early
/// jobs at either end would tilt the slope.
pub fn achieved(records: &[JobRecord]) -> f64 {
    let mut settled: Vec<(f64, f64)> = records.iter().filter_map(|r| Some((r.sent, r.settled?))).collect();
    settled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let trim = if settled.len() >= 20 { settled.len() / 20 } else { 0 };
    let central = &settled[trim..settled.len() - trim];
    if central.len() < 2 {
        return 0.0;
    }
    let n = central.len() as f64;
    let mean_rank = (n - 1.0) / 2.0;
    let mean_time = central.iter().map(|(_, t)| t).sum::<f64>() / n;
    let (mut covariance, mut variance) = (0.0, 0.0);
    for (rank, (_, time)) in central.iter().enumerate() {
        let dx = rank as f64 - mean_rank;
        covariance += dx * (time - mean_time);
        variance += dx * dx;
    }
    let seconds_per_job = covariance / variance;
    if seconds_per_job > 0.0 {
        1.0 / seconds_per_job
    } else {
        0.0
    }
}

/// Why step `s` does not keep up, if it does not.
fn breaks(s: &Step, p99_bound: f64) -> Option<String> {
    if s.achieved < FOLLOWS * s.offered {
        return Some(format!(
            "settled {:.2} jobs/s of {:.2} offered (under {:.0}%)",
            s.achieved,
            s.offered,
            FOLLOWS * 100.0
        ));
    }
    if s.completed < s.jobs as usize {
        return Some(format!("{} of {} jobs completed", s.completed, s.jobs));
    }
    match s.stage("submit->settled").map(|p| p.p99) {
        Some(p99) if p99 > p99_bound => Some(format!("p99 submit->settled {p99:.1} s over the bound {p99_bound:.1} s")),
        _ => None,
    }
}

/// Whether the climb should go on after `steps`.
pub fn keeps_up(steps: &[Step], climb: &Climb) -> bool {
    let bound = bound(steps, climb);
    steps.last().is_some_and(|s| breaks(s, bound).is_none())
}

fn bound(steps: &[Step], climb: &Climb) -> f64 {
    climb.p99_bound.unwrap_or_else(|| {
        2.0 * steps.first().and_then(|s| s.stage("submit->settled")).map(|p| p.p99).unwrap_or(f64::INFINITY)
    })
}

/// The knee of a finished climb.
pub fn knee(steps: &[Step], climb: &Climb, job_ceiling: Option<f64>) -> Knee {
    let bound = bound(steps, climb);
    let broke = steps.iter().enumerate().find_map(|(i, s)| breaks(s, bound).map(|why| (i, why)));
    let last_good = match broke {
        Some((0, _)) => None,
        Some((i, _)) => Some(i - 1),
        None => steps.len().checked_sub(1),
    };
    let at = last_good.and_then(|i| steps.get(i));
    let saturated_stage = broke.as_ref().and_then(|(i, _)| {
        let (first, bad) = (steps.first()?, steps.get(*i)?);
        STAGES
            .iter()
            .filter_map(|stage| Some((*stage, bad.stage(stage)?.p50 - first.stage(stage).map_or(0.0, |p| p.p50))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(stage, _)| stage.to_owned())
    });
    let achieved = at.map_or(0.0, |s| s.achieved);
    Knee {
        step: last_good,
        achieved,
        offered: at.map_or(0.0, |s| s.offered),
        ratio_to_job_ceiling: job_ceiling.filter(|c| *c > 0.0).map(|c| achieved / c),
        extrinsics_per_block: at.map_or(0.0, |s| s.extrinsics_per_block),
        weight_full: at.and_then(|s| s.weight_full),
        refused_accepts_per_job: at.map_or(0.0, |s| s.refused_accepts_per_job),
        host_cpu_busy: at.and_then(|s| s.host_cpu_busy),
        broke_at: broke.as_ref().map(|(i, _)| *i),
        why: broke.map(|(_, why)| why),
        saturated_stage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn climb() -> Climb {
        Climb { start: 2.0, factor: 2.0, step_seconds: 20.0, max_steps: 6, p99_bound: None }
    }

    fn stage(name: &str, p50: f64, p99: f64) -> (String, Percentiles) {
        let p = Percentiles { count: 10, p50, p90: p99, p99, max: p99, mean: p50 };
        (name.to_owned(), p)
    }

    fn step(offered: f64, achieved: f64, included: f64, accepted: f64) -> Step {
        Step {
            offered,
            jobs: 40,
            completed: 40,
            achieved,
            extrinsics_per_block: offered * 6.0,
            weight_full: None,
            refused_accepts_per_job: 0.0,
            host_cpu_busy: None,
            latency: vec![
                stage("submit->included", included, included * 2.0),
                stage("included->accepted", accepted, accepted * 2.0),
                stage("accepted->result", 1.0, 2.0),
                stage("result->settled", 10.0, 12.0),
                stage("submit->settled", included + accepted + 11.0, (included + accepted + 11.0) * 1.2),
            ],
        }
    }

    #[test]
    fn rates_grow_by_the_factor_and_every_step_has_jobs() {
        let c = climb();
        assert_eq!((c.rate(0), c.rate(3)), (2.0, 16.0));
        assert_eq!((c.jobs(0), c.jobs(3)), (40, 320));
        assert_eq!(Climb { step_seconds: 1.0, ..c }.jobs(0), 10);
    }

    #[test]
    fn settled_rate_is_counted_over_the_settlements_own_span() {
        let at = |t: f64| JobRecord { settled: Some(t), ..JobRecord::default() };
        // Five settlements a second apart, after a 20 s pipeline: 1 job/s, not 5/24.
        let records: Vec<_> = (0..5).map(|i| at(20.0 + f64::from(i))).collect();
        assert!((achieved(&records) - 1.0).abs() < 1e-9);
        assert_eq!(achieved(&records[..1]), 0.0);
    }

    #[test]
    fn a_few_slow_jobs_at_the_ends_do_not_read_as_a_slower_rate() {
        let at = |t: f64| JobRecord { settled: Some(t), ..JobRecord::default() };
        // 100 settlements at 10/s, but the first two came 2 s early and the last two 3 s late:
        // the span of all of them says 8/s; the central 90% says 10.
        let mut records: Vec<_> = (0..100).map(|i| at(20.0 + f64::from(i) / 10.0)).collect();
        records[0] = at(18.0);
        records[1] = at(18.1);
        records[98] = at(32.9);
        records[99] = at(33.0);
        assert!((achieved(&records) - 10.0).abs() < 1e-9, "{}", achieved(&records));
    }

    #[test]
    fn settlements_a_block_at_a_time_with_missed_slots_do_not_read_as_a_shortfall() {
        // 30 jobs/s for 30 s, each settled in the first 2 s block at least 6 s after it was
        // sent, but the slots due at 10 s and at 36 s were missed (their jobs went into the next
        // block): the chain kept up, and a rate from the span of the settlements read 26.97.
        let records: Vec<_> = (0..900)
            .map(|i| {
                let sent = f64::from(i) / 30.0;
                let mut block = ((sent + 6.0) / 2.0).ceil() * 2.0;
                if block == 10.0 || block == 36.0 {
                    block += 2.0;
                }
                JobRecord { sent, settled: Some(block), ..JobRecord::default() }
            })
            .collect();
        let rate = achieved(&records);
        assert!((FOLLOWS * 30.0..31.0).contains(&rate), "{rate}");
    }

    #[test]
    fn a_step_that_falls_behind_reads_at_the_rate_it_settled() {
        // Offered 30 jobs/s, settled 20 a second: the backlog grows, and so does the latency.
        let records: Vec<_> = (0..600)
            .map(|i| {
                let settled = ((4.0 + f64::from(i) / 20.0) / 2.0).ceil() * 2.0;
                JobRecord { sent: f64::from(i) / 30.0, settled: Some(settled), ..JobRecord::default() }
            })
            .collect();
        let rate = achieved(&records);
        assert!((rate - 20.0).abs() < 0.5, "{rate}");
    }

    #[test]
    fn the_knee_is_the_last_step_that_kept_up_and_names_the_stage_that_grew() {
        let steps = vec![step(2.0, 2.0, 1.0, 2.0), step(4.0, 3.9, 1.1, 2.0), step(8.0, 5.0, 1.2, 9.0)];
        let k = knee(&steps, &climb(), Some(10.0));
        assert_eq!((k.step, k.broke_at), (Some(1), Some(2)));
        assert_eq!((k.achieved, k.offered), (3.9, 4.0));
        assert_eq!(k.ratio_to_job_ceiling, Some(0.39));
        assert_eq!(k.saturated_stage.as_deref(), Some("included->accepted"));
        assert!(k.why.as_deref().is_some_and(|w| w.contains("5.00 jobs/s of 8.00")), "{:?}", k.why);
        assert!(!keeps_up(&steps, &climb()));
        assert!(keeps_up(&steps[..2], &climb()));
    }

    #[test]
    fn a_latency_break_counts_even_when_the_rate_follows() {
        // The third step settles all it was offered, but its p99 is over twice the first's.
        let steps = vec![step(2.0, 2.0, 1.0, 2.0), step(4.0, 4.0, 1.0, 2.0), step(8.0, 8.0, 20.0, 2.0)];
        let k = knee(&steps, &climb(), None);
        assert_eq!((k.step, k.broke_at), (Some(1), Some(2)));
        assert_eq!(k.saturated_stage.as_deref(), Some("submit->included"));
        assert!(k.why.as_deref().is_some_and(|w| w.contains("p99")), "{:?}", k.why);
    }

    #[test]
    fn a_climb_that_never_breaks_has_its_last_step_as_knee_and_no_stage() {
        let steps = vec![step(2.0, 2.0, 1.0, 2.0), step(4.0, 4.0, 1.0, 2.0)];
        let k = knee(&steps, &climb(), None);
        assert_eq!((k.step, k.broke_at, k.saturated_stage), (Some(1), None, None));
    }

    #[test]
    fn a_first_step_that_breaks_leaves_no_knee() {
        let steps = vec![step(2.0, 1.0, 1.0, 2.0)];
        let k = knee(&steps, &climb(), None);
        assert_eq!((k.step, k.broke_at, k.achieved), (None, Some(0), 0.0));
    }
}

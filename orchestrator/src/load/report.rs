//! A load run as a terminal table, `load.json`, and `load.html` with plots a person would
//! rather look at than read.

use super::svg::{chart, Mark, Series};
use super::{FleetUse, LoadReport};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn mib(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1} MiB"))
}

fn fleet_line(out: &mut String, f: &FleetUse) {
    let _ = writeln!(
        out,
        "  per daemon, {:<10}  RSS p50 {} max {}; CPU p50 {:.2}% max {:.2}%  (fleet: {:.0} MiB, {:.0}% CPU, {} containers)",
        f.phase,
        mib(f.rss_mib_per_daemon.map(|p| p.p50)),
        mib(f.rss_mib_per_daemon.map(|p| p.max)),
        f.cpu_percent_per_daemon.map_or(0.0, |p| p.p50),
        f.cpu_percent_per_daemon.map_or(0.0, |p| p.max),
        f.total_rss_mib,
        f.total_cpu_percent,
        f.containers.len()
    );
}

/// The terminal summary.
pub fn table(r: &LoadReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "load run on {} ({}): {} daemons in {} containers, {} s blocks",
        r.testnet,
        r.topology,
        r.daemons,
        r.containers,
        f64::from(r.block_time_ms) / 1000.0
    );
    let _ = writeln!(
        out,
        "  fleet up and registered in {:.1} s ({:.1} block times)",
        r.up_seconds,
        r.up_seconds * 1000.0 / f64::from(r.block_time_ms)
    );
    if let Some(f) = &r.idle {
        fleet_line(&mut out, f);
    }
    if let Some(f) = &r.under_load {
        fleet_line(&mut out, f);
    }
    if let Some(c) = &r.ceiling {
        let _ = writeln!(
            out,
            "  chain ceiling: {:.1} extrinsics/s ({} remarks in {} blocks, peak {} per block = {:.1}/s; host submitted {:.0}/s, {} refused)",
            c.extrinsics_per_second, c.included, c.blocks, c.peak_per_block, c.peak_per_second, c.submit_per_second, c.refused
        );
    }
    // A climb has no one rate: its steps say what was offered, and its whole-run rate mixes
    // the steps with the pauses between them.
    let offered = match &r.knee {
        Some(_) => format!("in {} steps ({})", r.steps.len(), r.arrival),
        None => format!("at {}/s ({})", r.rate, r.arrival),
    };
    let _ = writeln!(
        out,
        "  jobs: {} {offered}: {} completed, {} refunded, {} refused, {} lost; stuck escrow {}",
        r.jobs, r.completed, r.refunded, r.refused, r.lost, r.stuck_escrow
    );
    if r.knee.is_none() {
        let ratio = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0));
        let _ = writeln!(
            out,
            "  throughput: {:.2} jobs/s over {:.1} s = {} of the extrinsic ceiling, {} of the job ceiling (ceiling / {} extrinsics per job)",
            r.jobs_per_second,
            r.busy_seconds,
            ratio(r.ratio_to_ceiling),
            ratio(r.ratio_to_job_ceiling),
            super::EXTRINSICS_PER_JOB
        );
    }
    let _ = writeln!(out, "  {:<20} {:>6} {:>8} {:>8} {:>8} {:>8}", "latency (s)", "n", "p50", "p90", "p99", "max");
    for (stage, p) in &r.latency {
        let _ =
            writeln!(out, "  {stage:<20} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}", p.count, p.p50, p.p90, p.p99, p.max);
    }
    climb_lines(&mut out, r);
    for p in &r.problems {
        let _ = writeln!(out, "  problem: {p}");
    }
    if let Some(dir) = &r.logs_dir {
        let _ = writeln!(out, "  container logs: {}", dir.display());
    }
    let _ = writeln!(
        out,
        "  {}",
        if r.passed { "PASS: every job ended, no escrow left held, the run's last block finalized" } else { "FAIL" }
    );
    out
}

/// A share as a whole percentage, `-` when unknown.
fn percent(share: Option<f64>) -> String {
    share.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

/// The steps of `--find-ceiling` and its knee.
fn climb_lines(out: &mut String, r: &LoadReport) {
    let Some(k) = &r.knee else { return };
    let _ = writeln!(
        out,
        "  {:<5} {:>8} {:>8} {:>6} {:>10} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "step",
        "offered",
        "settled",
        "jobs",
        "ext/block",
        "weight",
        "lost acc",
        "p50 sub>in",
        "p50 in>acc",
        "p50 acc>res",
        "p99 e2e",
        "host cpu"
    );
    for (i, s) in r.steps.iter().enumerate() {
        let p = |stage: &str, pick: fn(&super::Percentiles) -> f64| {
            s.stage(stage).map_or("-".into(), |p| format!("{:.2}", pick(p)))
        };
        let mark = if k.step == Some(i) {
            " <- knee"
        } else if k.broke_at == Some(i) {
            " <- broke"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:<5} {:>8.2} {:>8.2} {:>6} {:>10.1} {:>8} {:>9.2} {:>10} {:>10} {:>10} {:>10} {:>8}{mark}",
            i + 1,
            s.offered,
            s.achieved,
            s.jobs,
            s.extrinsics_per_block,
            percent(s.weight_full),
            s.refused_accepts_per_job,
            p("submit->included", |p| p.p50),
            p("included->accepted", |p| p.p50),
            p("accepted->result", |p| p.p50),
            p("submit->settled", |p| p.p99),
            s.host_cpu_busy.map_or("-".into(), |c| format!("{c:.0}%")),
        );
    }
    let ratio = k.ratio_to_job_ceiling.map_or("-".into(), |v| format!("{:.1}%", v * 100.0));
    let _ = writeln!(
        out,
        "  knee: {:.2} jobs/s settled ({:.2} offered) = {ratio} of the job ceiling, {:.1} extrinsics per block, \
         blocks {} full by weight, {:.2} refused accepts per job (lost acc), this machine's CPU {} busy",
        k.achieved,
        k.offered,
        k.extrinsics_per_block,
        percent(k.weight_full),
        k.refused_accepts_per_job,
        k.host_cpu_busy.map_or("-".into(), |c| format!("{c:.0}%"))
    );
    match (&k.why, &k.saturated_stage) {
        (Some(why), stage) => {
            let stage = stage.as_deref().unwrap_or("none grew");
            let _ = writeln!(out, "  the step after it broke: {why}; first stage to saturate: {stage}");
        }
        (None, _) => {
            let _ = writeln!(out, "  every step kept up: raise --max-steps or --factor to find the knee");
        }
    }
}

/// Offered against settled rate per step, the knee marked.
fn climb_chart(r: &LoadReport) -> Option<String> {
    let k = r.knee.as_ref()?;
    let top = r.steps.iter().map(|s| s.offered).fold(0.0, f64::max);
    let mut series = vec![
        Series { name: "offered = settled", color: "#a0aec0", mark: Mark::Line, points: vec![(0.0, 0.0), (top, top)] },
        Series {
            name: "settled",
            color: "#2b6cb0",
            mark: Mark::Line,
            points: r.steps.iter().map(|s| (s.offered, s.achieved)).collect(),
        },
    ];
    if let Some(knee) = k.step.and_then(|i| r.steps.get(i)) {
        series.push(Series {
            name: "knee",
            color: "#e53e3e",
            mark: Mark::Dots,
            points: vec![(knee.offered, knee.achieved)],
        });
    }
    Some(chart("Offered against settled (--find-ceiling)", "offered jobs/s", "settled jobs/s", &series))
}

/// The plots of the HTML report.
fn charts(r: &LoadReport) -> Vec<String> {
    let dots = |name, color, pick: fn(&super::JobRecord) -> Option<(f64, f64)>| Series {
        name,
        color,
        mark: Mark::Dots,
        points: r.records.iter().filter_map(pick).collect(),
    };
    let latency = chart(
        "Latency by submission time",
        "submitted at (s into the run)",
        "seconds",
        &[
            dots("submit -> settled", "#2b6cb0", |j| Some((j.sent, j.settled? - j.sent))),
            dots("submit -> accepted", "#dd6b20", |j| Some((j.sent, j.accepted? - j.sent))),
            dots("accepted -> result", "#38a169", |j| Some((j.sent, j.result? - j.accepted?))),
        ],
    );
    let mut settled: Vec<f64> = r.records.iter().filter_map(|j| j.settled).collect();
    settled.sort_by(f64::total_cmp);
    let mut sent: Vec<f64> = r.records.iter().map(|j| j.sent).collect();
    sent.sort_by(f64::total_cmp);
    let cumulative = |v: &[f64]| v.iter().enumerate().map(|(i, t)| (*t, (i + 1) as f64)).collect::<Vec<_>>();
    let throughput = chart(
        "Throughput",
        "seconds into the run",
        "jobs",
        &[
            Series { name: "submitted", color: "#718096", mark: Mark::Steps, points: cumulative(&sent) },
            Series { name: "settled", color: "#2b6cb0", mark: Mark::Steps, points: cumulative(&settled) },
        ],
    );
    let block_s = f64::from(r.block_time_ms) / 1000.0;
    let mut extrinsics = vec![Series {
        name: "extrinsics per block",
        color: "#805ad5",
        mark: Mark::Line,
        points: r.blocks.iter().map(|b| (b.secs, b.extrinsics as f64)).collect(),
    }];
    if let (Some(c), Some(last)) = (&r.ceiling, r.blocks.last()) {
        let per_block = c.extrinsics_per_second * block_s;
        extrinsics.push(Series {
            name: "measured ceiling",
            color: "#e53e3e",
            mark: Mark::Line,
            points: vec![(0.0, per_block), (last.secs, per_block)],
        });
    }
    let chain = chart("Chain load against its ceiling", "seconds into the run", "extrinsics per block", &extrinsics);
    let bring_up = chart(
        "Fleet bring-up",
        "seconds since `up` started",
        "daemons registered on chain",
        &[Series {
            name: "registered",
            color: "#319795",
            mark: Mark::Steps,
            points: std::iter::once((0.0, 0.0)).chain(r.bring_up.iter().map(|(t, n)| (*t, *n as f64))).collect(),
        }],
    );
    climb_chart(r).into_iter().chain([latency, throughput, chain, bring_up]).collect()
}

/// A self-contained page: summary, plots, no scripts, nothing fetched.
pub fn html(r: &LoadReport) -> String {
    let summary = table(r).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let figures: String = charts(r).into_iter().map(|c| format!("<figure>{c}</figure>")).collect();
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load run: {testnet}</title><style>
body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a202c;background:#f7fafc}}
pre{{background:#fff;border:1px solid #e2e8f0;padding:1rem;overflow-x:auto;font-size:.8rem}}
.grid-of-figures{{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}}
figure{{margin:0;background:#fff;border:1px solid #e2e8f0;padding:.5rem}}
svg{{width:100%;height:auto}} .grid{{stroke:#edf2f7}} .tick,.legend{{font-size:11px;fill:#4a5568}}
.axis{{font-size:12px;fill:#2d3748}} .title{{font-size:14px;font-weight:600;fill:#1a202c}}
</style></head><body><h1>Load run: {testnet}</h1><pre>{summary}</pre><div class="grid-of-figures">{figures}</div></body></html>
"#,
        testnet = r.testnet
    )
}

/// Write `load.json` and `load.html` into `dir`; returns the HTML path.
pub fn write(dir: &Path, r: &LoadReport) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("load.json"), serde_json::to_vec_pretty(r).map_err(std::io::Error::other)?)?;
    let page = dir.join("load.html");
    std::fs::write(&page, html(r))?;
    Ok(page)
}

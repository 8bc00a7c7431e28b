//! Draws: one seed, one run; every draw a valid scenario; the fault bounds hold.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::topology::Topology;

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../topologies").join(name)
}

fn options(seed: u64) -> ChaosOptions {
    ChaosOptions { seed, blocks: 40, jobs: 12, faults: 8, validators_down: None }
}

#[test]
fn one_seed_draws_one_run() {
    let t = Topology::load(shipped("ci-faults.yaml")).unwrap();
    let path = Path::new("/t.yaml");
    assert_eq!(draw(&t, &options(7)).to_yaml("c", path), draw(&t, &options(7)).to_yaml("c", path));
    assert_ne!(draw(&t, &options(7)).to_yaml("c", path), draw(&t, &options(8)).to_yaml("c", path));
}

#[test]
fn every_draw_passes_the_scenario_checks() {
    let dir = tempfile::tempdir().unwrap();
    // On a swarm too: a run draws only faults the engine can inject (no `disconnect`).
    for topology in ["ci.yaml", "ci-faults.yaml", "local.yaml", "gpu-fleet.yaml", "swarm.yaml", "swarm-faults.yaml"] {
        let t = Topology::load(shipped(topology)).unwrap();
        for seed in 0..40 {
            let d = draw(&t, &options(seed));
            let stem = format!("chaos-{seed}");
            if let Err(e) = write_scenario(&d, &shipped(topology), dir.path(), &stem) {
                panic!("{topology}, seed {seed}: {e}");
            }
        }
    }
}

#[test]
fn faults_spare_the_first_validator_and_keep_finality_and_never_overlap_on_a_node() {
    for topology in ["ci.yaml", "ci-faults.yaml"] {
        let t = Topology::load(shipped(topology)).unwrap();
        let bound = (t.validators().len() as u32 - 1) / 3;
        let first = t.validators()[0].name().as_str();
        for seed in 0..200 {
            let d = draw(&t, &options(seed));
            for (i, w) in d.windows.iter().enumerate() {
                assert_ne!(w.node, first, "{topology} seed {seed}");
                assert!(w.from >= 1 && w.to < d.blocks + 8, "{w:?}");
                for other in &d.windows[i + 1..] {
                    let overlap = w.from <= other.to && other.from <= w.to;
                    assert!(!(overlap && w.node == other.node), "{topology} seed {seed}: {w:?} {other:?}");
                }
            }
            for block in 0..d.blocks + 8 {
                let down = d.windows.iter().filter(|w| w.validator && w.from <= block && block <= w.to).count();
                assert!(down as u32 <= bound, "{topology} seed {seed}: {down} validators down at {block}");
            }
        }
    }
}

#[test]
fn a_four_validator_testnet_gets_validator_faults_and_a_three_validator_one_none() {
    let four = Topology::load(shipped("ci-faults.yaml")).unwrap();
    let three = Topology::load(shipped("ci.yaml")).unwrap();
    let validators = |t: &Topology| {
        (0..50).map(|s| draw(t, &options(s)).windows.iter().filter(|w| w.validator).count()).sum::<usize>()
    };
    assert!(validators(&four) > 0);
    assert_eq!(validators(&three), 0, "3 validators finalize only with all 3 up");
}

#[test]
fn draws_mix_workloads_unmatched_jobs_cancellations_and_tight_deadlines() {
    let t = Topology::load(shipped("ci.yaml")).unwrap();
    let jobs: Vec<ChaosJob> = (0..20).flat_map(|s| draw(&t, &options(s)).jobs).collect();
    for w in cr_protocol::workload::Workload::ALL {
        assert!(jobs.iter().any(|j| j.workload == w), "{w:?}");
    }
    assert!(jobs.iter().any(|j| j.unmatched));
    assert!(jobs.iter().any(|j| j.cancel_after.is_some()));
    assert!(jobs.iter().any(|j| j.accept_within.is_some() && !j.unmatched));
}

#[test]
fn reduction_steps_drop_one_window_or_job() {
    let t = Topology::load(shipped("ci-faults.yaml")).unwrap();
    let d = draw(&t, &options(3));
    assert_eq!(d.without_window(0).windows, d.windows[1..]);
    assert_eq!(d.without_job(1).jobs.len(), d.jobs.len() - 1);
    assert_eq!(d.without_job(1).jobs[0], d.jobs[0]);
}

#[test]
fn reduction_keeps_only_what_the_failure_needs() {
    let t = Topology::load(shipped("ci-faults.yaml")).unwrap();
    let d = draw(&t, &ChaosOptions { seed: 11, blocks: 40, jobs: 6, faults: 8, validators_down: None });
    assert!(d.windows.len() >= 3 && d.jobs.len() == 6, "{} windows", d.windows.len());
    // A made-up failure: it needs the second fault window and job j2, nothing else.
    let (window, job) = (d.windows[1].clone(), "j2");
    let fails = |c: &Draw| c.windows.contains(&window) && c.jobs.iter().any(|j| j.name == job);
    let mut search = Reduction::new(d.clone(), 100);
    let mut runs = 0;
    while let Some((candidate, _)) = search.next_candidate() {
        runs += 1;
        let f = fails(&candidate);
        search.verdict(candidate, f);
    }
    assert_eq!(search.smallest.windows, std::slice::from_ref(&window));
    assert_eq!(search.smallest.jobs.iter().map(|j| j.name.as_str()).collect::<Vec<_>>(), [job]);
    assert_eq!(runs, d.windows.len() + d.jobs.len(), "one run per element");
    // A budget stops it early, with what it had.
    let mut short = Reduction::new(d.clone(), 2);
    while let Some((candidate, _)) = short.next_candidate() {
        let f = fails(&candidate);
        short.verdict(candidate, f);
    }
    assert!(short.smallest.windows.len() >= d.windows.len() - 2 && short.smallest.jobs.len() == d.jobs.len());
    assert!(fails(&short.smallest));
}

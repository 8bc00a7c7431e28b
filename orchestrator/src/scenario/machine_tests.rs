//! The run's triggers, schedules and verdicts on made-up blocks: no Docker, no chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use cr_protocol::chain::{RefusedCall, H256};

const TOPOLOGY: &str = "name: m\nvalidators: {count: 1}\nchain:\n  requesters: [requester, spammer]\n\
    compute:\n  - {group: cpu, count: 2}\n";

/// A scenario file beside the topology above, checked as `testnet check` would.
fn scenario(body: &str) -> (tempfile::TempDir, Scenario) {
    scenario_on(TOPOLOGY, body)
}

fn scenario_on(topology: &str, body: &str) -> (tempfile::TempDir, Scenario) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), topology).unwrap();
    let text = format!("name: s\ntopology: t.yaml\ntimeout_blocks: 30\n{body}");
    let s = Scenario::parse("s.yaml", &text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, s)
}

const TWO_JOBS: &str = "jobs:\n  - {name: early, workload: hash-chain, size: 10, budget: 10}\n  \
    - {name: late, workload: hash-chain, size: 10, budget: 10, at_block: 3}\n";

fn account(n: u8) -> AccountId32 {
    AccountId32([n; 32])
}

fn block(number: u64, events: Vec<MarketEvent>) -> BlockEvents {
    BlockEvents {
        number,
        hash: H256([number as u8; 32]),
        extrinsics: 1,
        timestamp_ms: None,
        events,
        fees: vec![],
        refused: vec![],
        normal_weight: 0,
    }
}

fn submitted(job_id: u64, requester: u8) -> MarketEvent {
    MarketEvent::JobSubmitted {
        job_id,
        requester: account(requester),
        budget: 10,
        spec_hash: H256([0; 32]),
        requirements: cr_protocol::chain::requirements(1, 256, 0, 0, None).unwrap(),
        expires_at: 50,
    }
}

fn completed(job_id: u64) -> MarketEvent {
    MarketEvent::JobCompleted { job_id, node: account(7), node_payout: 9, protocol_fee: 1 }
}

fn names(actions: &[Action<'_>]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Submit(job) => format!("submit {}", job.name()),
            Action::Flood { flood, accept_within, .. } => format!("flood {} within {accept_within}", flood.name()),
            Action::Cancel { job, job_id } => format!("cancel {} #{job_id}", job.name()),
            Action::Fault { fault, .. } => format!("{} {}", fault.action().as_str(), fault.target_name()),
        })
        .collect()
}

fn nobody(a: &AccountId32) -> String {
    a.to_string()
}

#[test]
fn jobs_are_submitted_once_each_after_their_arrival_block() {
    let (_dir, s) = scenario(TWO_JOBS);
    let mut m = Machine::new(&s, 100, BTreeMap::new());
    assert!(m.on_block(&block(100, vec![]), nobody).is_empty(), "the start block itself triggers nothing");
    assert_eq!(names(&m.on_block(&block(101, vec![]), nobody)), ["submit early"]);
    assert!(m.on_block(&block(102, vec![]), nobody).is_empty());
    assert!(m.on_block(&block(103, vec![]), nobody).is_empty());
    assert_eq!(names(&m.on_block(&block(104, vec![]), nobody)), ["submit late"]);
    assert!(m.on_block(&block(105, vec![]), nobody).is_empty(), "never twice");
}

#[test]
fn the_run_is_over_when_every_job_ended_and_finality_moved() {
    let (_dir, s) = scenario(TWO_JOBS);
    let mut m = Machine::new(&s, 0, BTreeMap::new());
    for n in 1..=4 {
        m.on_block(&block(n, vec![]), nobody);
    }
    m.on_done(Done::Submitted { name: "early".into(), job_id: 0 });
    m.on_done(Done::Refused { name: "late".into(), error: "InsufficientBalance".into() });
    m.on_block(&block(5, vec![submitted(0, 1)]), nobody);
    assert!(!m.is_over(true), "job 0 is still open");
    m.on_block(&block(6, vec![completed(0)]), nobody);
    assert!(!m.is_over(false), "finality has not moved enough yet");
    assert!(m.is_over(true));
    let done = m.finish(&BTreeMap::from([([7; 32], "cpu-1".to_owned())]), &BTreeMap::new());
    assert_eq!(done.jobs["early"].node_name.as_deref(), Some("cpu-1"));
    assert_eq!(done.jobs["late"].end, Some(Outcome::Refused));
    assert!(done.notes.iter().any(|n| n.contains("submitting late refused by the chain: InsufficientBalance")));
}

#[test]
fn the_timeout_ends_a_run_whose_jobs_never_end() {
    let (_dir, s) = scenario(TWO_JOBS);
    let mut m = Machine::new(&s, 10, BTreeMap::new());
    m.on_block(&block(39, vec![]), nobody);
    assert!(!m.is_over(true));
    m.on_block(&block(40, vec![]), nobody);
    assert!(m.is_over(false), "30 blocks after the start");
}

#[test]
fn a_fault_after_a_milestone_fires_in_the_block_that_reaches_it() {
    let faults = "faults:\n  - {action: stop, node: cpu-0, after: {job: early, stage: accepted}}\n  \
        - {action: start, node: cpu-0, at_block: 5}\n";
    let (_dir, s) = scenario(&format!("{TWO_JOBS}{faults}"));
    let mut m = Machine::new(&s, 0, BTreeMap::new());
    m.on_block(&block(1, vec![]), nobody);
    m.on_done(Done::Submitted { name: "early".into(), job_id: 3 });
    assert!(names(&m.on_block(&block(2, vec![submitted(3, 1)]), nobody)).is_empty());
    let accepted = MarketEvent::JobAccepted { job_id: 3, node: account(7), attempt: 1, deadline: 20 };
    assert_eq!(names(&m.on_block(&block(3, vec![accepted]), nobody)), ["stop cpu-0"]);
    m.fault_applied(0, Err("no such container".into()));
    assert!(names(&m.on_block(&block(4, vec![]), nobody)).contains(&"submit late".to_owned()));
    assert_eq!(names(&m.on_block(&block(6, vec![]), nobody)), ["start cpu-0"]);
    m.fault_applied(1, Ok(()));
    let notes = m.finish(&BTreeMap::new(), &BTreeMap::new()).notes;
    assert!(notes.contains(&"block +3: stop cpu-0 failed: no such container".to_owned()), "{notes:?}");
    assert!(notes.contains(&"block +6: start cpu-0".to_owned()), "{notes:?}");
}

#[test]
fn a_job_is_cancelled_the_given_blocks_after_its_submission_block() {
    let jobs = "jobs:\n  - {name: gone, workload: hash-chain, size: 10, budget: 10, cancel_after_blocks: 2}\n\
        expect:\n  jobs:\n    - {job: gone, outcome: cancelled}\n";
    let (_dir, s) = scenario(jobs);
    let mut m = Machine::new(&s, 0, BTreeMap::new());
    m.on_block(&block(1, vec![]), nobody);
    m.on_done(Done::Submitted { name: "gone".into(), job_id: 9 });
    assert!(m.on_block(&block(2, vec![submitted(9, 1)]), nobody).is_empty());
    assert!(m.on_block(&block(3, vec![]), nobody).is_empty());
    assert_eq!(names(&m.on_block(&block(4, vec![]), nobody)), ["cancel gone #9"]);
    assert!(m.on_block(&block(5, vec![]), nobody).is_empty(), "once");
    m.on_block(&block(6, vec![MarketEvent::JobCancelled { job_id: 9, refunded: 10 }]), nobody);
    let done = m.finish(&BTreeMap::new(), &BTreeMap::new());
    let outcome = done.assertions.iter().find(|a| a.name.contains("gone") && a.name.contains("outcome"));
    assert!(outcome.is_some_and(|a| a.passed), "{:?}", done.assertions);
}

#[test]
fn a_flood_is_aimed_at_its_expiry_block_and_tallied_by_requester() {
    let flood = "floods:\n  - {name: spam, count: 10, at_block: 1, expire_at_block: 8, requester: spammer, \
        expect_refused: TooManyTimers}\n";
    let (_dir, s) = scenario(&format!("{TWO_JOBS}{flood}"));
    let spammer = [5; 32];
    let mut m = Machine::new(&s, 0, BTreeMap::from([(spammer, 0)]));
    m.on_block(&block(1, vec![]), nobody);
    // Sent at block 2, the jobs land in block 3 at the earliest and must expire at block 8.
    assert!(names(&m.on_block(&block(2, vec![]), nobody)).contains(&"flood spam within 5".to_owned()));
    m.flood_sent(0, Ok(10));
    let refused = |n| RefusedCall {
        call: "Compute.submit_job".into(),
        job_id: None,
        signer: Some(AccountId32(n)),
        error: "TooManyTimers".into(),
    };
    let mut b = block(3, vec![submitted(20, 5), submitted(21, 5), submitted(22, 1)]);
    b.refused = vec![refused(spammer), refused([1; 32])];
    m.on_block(&b, nobody);
    let done = m.finish(&BTreeMap::new(), &BTreeMap::new());
    assert!(
        done.notes.iter().any(|n| n == "flood spam: 10 sent, 2 submitted, 1 refused {\"TooManyTimers\": 1}"),
        "{:?}",
        done.notes
    );
    let a = done.assertions.iter().find(|a| a.name.starts_with("flood spam")).unwrap();
    assert!(a.passed, "{a:?}");
}

#[test]
fn an_upgrade_keeps_the_run_going_until_it_ends() {
    // `runtime: current` must move the chain forward: start it on the kept spec-100 runtime.
    let kept =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../chain/runtimes/compute-runtime-spec100.compact.compressed.wasm");
    let topology = TOPOLOGY.replace("chain:\n", &format!("chain:\n  runtime: {kept}\n"));
    let upgrade = "faults:\n  - {action: upgrade, runtime: current, at_block: 0}\n";
    let (_dir, s) = scenario_on(&topology, &format!("{TWO_JOBS}{upgrade}"));
    let mut m = Machine::new(&s, 0, BTreeMap::new());
    let due = names(&m.on_block(&block(1, vec![]), nobody));
    assert!(due.iter().any(|a| a.starts_with("upgrade ")), "{due:?}");
    m.fault_applied(0, Ok(()));
    for n in 2..5 {
        m.on_block(&block(n, vec![]), nobody);
    }
    m.on_done(Done::Submitted { name: "early".into(), job_id: 0 });
    m.on_done(Done::Submitted { name: "late".into(), job_id: 1 });
    m.on_block(&block(5, vec![submitted(0, 1), submitted(1, 1), completed(0), completed(1)]), nobody);
    assert!(!m.is_over(true), "the upgrade has not come back");
    m.on_done(Done::Upgraded { fault: 0, outcome: Err("the new runtime does not build blocks".into()) });
    assert!(m.is_over(true));
    let done = m.finish(&BTreeMap::new(), &BTreeMap::new());
    let a = done.assertions.iter().find(|a| a.name.contains("upgrade to spec")).unwrap();
    assert!(!a.passed && a.actual == "the new runtime does not build blocks", "{a:?}");
}

#[test]
fn refused_calls_are_named_on_their_jobs() {
    let (_dir, s) = scenario(TWO_JOBS);
    let mut m = Machine::new(&s, 0, BTreeMap::new());
    m.on_block(&block(1, vec![]), nobody);
    m.on_done(Done::Submitted { name: "early".into(), job_id: 4 });
    let mut b = block(2, vec![submitted(4, 1)]);
    b.refused = vec![RefusedCall {
        call: "Compute.vote".into(),
        job_id: Some(4),
        signer: Some(account(8)),
        error: "PartyToDispute".into(),
    }];
    m.on_block(&b, |a| if a.0 == [8; 32] { "node cpu-0".into() } else { a.to_string() });
    m.on_block(&block(3, vec![completed(4)]), nobody);
    let done = m.finish(&BTreeMap::new(), &BTreeMap::new());
    assert_eq!(done.jobs["early"].refusals, ["block #2: Compute.vote by node cpu-0 refused: PartyToDispute"]);
}

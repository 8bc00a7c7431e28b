//! The scenario model through its public API: every rejection of faults and expectations
//! (unknown names, inconsistent outcomes, nobody to challenge, beyond the timeout), each with
//! the exact message a user reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scenario_model_support.rs"]
mod support;

// Wrapped in a module so `cargo test scenario` selects these tests by name.
mod scenario_model_expect {
    use testnet::diagnostics::Kind;
    use testnet::scenario::model::{Dispute, Outcome, ProblemKind, Scenario};

    use super::support::{expecting, fixtures, messages, one, problems, HEAD, JOB};

    #[test]
    fn faults_need_a_known_node_and_exactly_one_trigger() {
        let got = messages(&format!(
            "{HEAD}{JOB}faults:\n  - {{action: kill, node: validator-9, at_block: 1}}\n  - {{action: stop, node: cpu, at_block: 1}}\n  - {{action: pause, node: cpu-0}}\n  - {{action: pause, node: cpu-0, at_block: 1, after: {{job: a, stage: accepted}}}}\n  - {{action: start, node: cpu-0, after: {{job: b, stage: result}}}}\n"
        ));
        assert_eq!(
            got,
            [
                "s.yaml:6:26: faults[0].node: \"validator-9\" is not a node of the topology; use a validator or compute node of the topology (validator-0, validator-1, cpu-0, cpu-1, gpu-0, idle-0) or `store`",
                "s.yaml:7:26: faults[1].node: \"cpu\" is not a node of the topology; cpu is a compute group: name one of its nodes, e.g. cpu-0",
                "s.yaml:8:5: faults[2]: neither `at_block` nor `after` is given; add `at_block: N` or `after: {job: <job>, stage: accepted}`",
                "s.yaml:9:5: faults[3]: both `at_block` and `after` are given; keep only one: `at_block: N` or `after: {job: ..., stage: ...}`",
                "s.yaml:10:47: faults[4].after.job: no job is named \"b\"; use a job name as written under `jobs` (a)",
            ]
        );
        let kind = one(
            "name: s\ntopology: plain.yaml\nfaults:\n  - {action: kill, node: store, at_block: 1}\n",
            "s.yaml:4:26: faults[0].node: the topology runs no artifact store (store.enabled: false); name another node, or set store.enabled: true in the topology",
        );
        assert_eq!(kind, ProblemKind::StoreDisabled);
    }

    #[test]
    fn a_fault_the_topologys_engine_cannot_inject_is_refused_before_anything_starts() {
        // One engine cannot power a host off; a swarm cannot cut one task off its overlay.
        let kind = one(
            &format!("{HEAD}{JOB}faults:\n  - {{action: host-down, node: cpu-0, at_block: 1}}\n"),
            "s.yaml:6:14: faults[0].action: `host-down` needs host power, which the docker engine of the scenario's topology does not have; drop the fault, or run the scenario on an engine that has it (`engine:` in the topology): the local engine has signals, pause, network isolation; a swarm of lab hosts has signals, pause, host power",
        );
        assert_eq!(kind, ProblemKind::EngineLacks { action: "host-down", engine: "docker", capability: "host power" });
        let dir = fixtures();
        let swarm = "name: w\nvalidators: {count: 1}\nengine: {kind: swarm}\ncompute:\n  - {group: cpu, count: 1}\n";
        std::fs::write(dir.path().join("w.yaml"), swarm).unwrap();
        let text = "name: s\ntopology: w.yaml\nfaults:\n  - {action: disconnect, node: cpu-0, at_block: 1}\n  - {action: host-down, node: cpu-0, at_block: 2}\n";
        let problems = match Scenario::parse("s.yaml", text, dir.path()) {
            Ok(_) => panic!("a swarm cannot disconnect one node"),
            Err(e) => e.problems().to_vec(),
        };
        assert_eq!(problems.len(), 1, "host-down is fine on a swarm: {problems:#?}");
        assert!(
            problems[0].to_string().starts_with(
                "s.yaml:4:14: faults[0].action: `disconnect` needs network isolation, which the swarm engine"
            ),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn expectations_name_known_jobs_and_groups_once() {
        let got = messages(&format!(
            "{HEAD}{JOB}expect:\n  jobs:\n    - {{job: b, outcome: completed}}\n    - {{job: a, outcome: completed, node_group: tpu}}\n    - {{job: a, outcome: expired}}\n"
        ));
        assert_eq!(
            got,
            [
                "s.yaml:7:13: expect.jobs[0].job: no job is named \"b\"; use a job name as written under `jobs` (a)",
                "s.yaml:8:48: expect.jobs[1].node_group: \"tpu\" is not a compute group of the topology; use one of the topology's compute groups (cpu, gpu, idle, verifier)",
                "s.yaml:9:13: expect.jobs[2].job: job \"a\" already has an expectation at expect.jobs[1]; merge the two entries into one",
            ]
        );
    }

    #[test]
    fn inconsistent_expectations_are_rejected() {
        one(
            &expecting("outcome: completed, reason: result-rejected"),
            "s.yaml:7:44: expect.jobs[0].reason: a refund reason is given, but the expected outcome is completed; remove expect.jobs[0].reason, or expect outcome: refunded",
        );
        let kind = one(
            &expecting("outcome: completed, dispute: node-wrong"),
            "s.yaml:7:45: expect.jobs[0].dispute: a node-wrong dispute ends with the job refunded, not completed; expect outcome: refunded with this dispute, or change expect.jobs[0].dispute",
        );
        let needed = Outcome::Refunded;
        assert_eq!(
            kind,
            ProblemKind::DisputeOutcome { dispute: Dispute::NodeWrong, outcome: Outcome::Completed, needed }
        );
        let all = problems(&expecting("outcome: refunded, dispute: challenger-wrong"));
        assert_eq!(all[0].to_string(), "s.yaml:7:44: expect.jobs[0].dispute: a challenger-wrong dispute ends with the job completed, not refunded; expect outcome: completed with this dispute, or change expect.jobs[0].dispute");
        let all = problems(&expecting("outcome: expired, dispute: no-quorum"));
        assert!(matches!(all[0].kind(), ProblemKind::DisputeOutcome { needed: Outcome::Refunded, .. }), "{all:?}");
        one(
            &expecting("outcome: refunded, reason: undecided, dispute: node-wrong"),
            "s.yaml:7:63: expect.jobs[0].dispute: refund reason undecided cannot go with dispute node-wrong; an undecided refund follows a dispute without verdict: expect dispute: no-quorum or tie",
        );
        one(
            &expecting("outcome: expired, node_group: cpu"),
            "s.yaml:7:46: expect.jobs[0].node_group: a job that ends expired pays no node and slashes none; remove expect.jobs[0].node_group",
        );
        one(
            &expecting("outcome: cancelled, node_group: cpu"),
            "s.yaml:7:48: expect.jobs[0].node_group: a job that ends cancelled pays no node and slashes none; remove expect.jobs[0].node_group",
        );
        one(
            &expecting("outcome: refunded, reason: attempts-exhausted, dispute: node-wrong"),
            "s.yaml:7:72: expect.jobs[0].dispute: refund reason attempts-exhausted cannot go with dispute node-wrong; timed-out attempts involve no dispute: expect dispute: none, or reason: result-rejected",
        );
        one(
            &expecting("outcome: refunded, reason: result-rejected, dispute: none"),
            "s.yaml:7:69: expect.jobs[0].dispute: refund reason result-rejected cannot go with dispute none; a result is rejected only by a node-wrong dispute: expect dispute: node-wrong, or reason: attempts-exhausted",
        );
        one(
            &expecting("outcome: completed, node_group: verifier"),
            "s.yaml:7:48: expect.jobs[0].node_group: the nodes of group verifier cannot take this job: they are verifiers, which do not take jobs; name a worker group whose nodes meet the job's requirements, or change the requirements",
        );
        one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: fine-tune, size: 8, budget: 1}}\nexpect:\n  jobs:\n    - {{job: a, outcome: completed, node_group: cpu}}\n"),
            "s.yaml:7:48: expect.jobs[0].node_group: the nodes of group cpu cannot take this job: they have no GPU where the job needs one; name a worker group whose nodes meet the job's requirements, or change the requirements",
        );
    }

    #[test]
    fn timeouts_must_fit_the_topologys_attempts() {
        let fix = "change expect.jobs[0].timeouts, or chain.market.max_attempts in the topology";
        one(
            &expecting("outcome: completed, timeouts: 2"),
            &format!("s.yaml:7:46: expect.jobs[0].timeouts: 2 timed-out attempt(s) cannot happen: a completed job needs an attempt that did not time out, and all 2 did; {fix}"),
        );
        one(
            &expecting("outcome: refunded, timeouts: 3"),
            &format!("s.yaml:7:45: expect.jobs[0].timeouts: 3 timed-out attempt(s) cannot happen: a job gets at most 2 attempt(s) (chain.market.max_attempts); {fix}"),
        );
        one(
            &expecting("outcome: refunded, reason: attempts-exhausted, timeouts: 1"),
            &format!("s.yaml:7:73: expect.jobs[0].timeouts: 1 timed-out attempt(s) cannot happen: attempts are exhausted after exactly 2 timeout(s) (chain.market.max_attempts); {fix}"),
        );
    }

    #[test]
    fn a_dispute_needs_someone_to_challenge_and_a_committee_to_decide() {
        let kind = one(
            "name: s\ntopology: plain.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, budget: 1}\nexpect:\n  jobs:\n    - {job: a, outcome: refunded, dispute: node-wrong}\n",
            "s.yaml:7:44: expect.jobs[0].dispute: nobody would challenge: the topology has no online verifier; add a verifier group to the topology, or expect dispute: none",
        );
        assert_eq!(kind, ProblemKind::NoChallenger { dispute: Dispute::NodeWrong });
        one(
            &expecting("outcome: completed, dispute: challenger-wrong"),
            "s.yaml:7:45: expect.jobs[0].dispute: nobody would challenge an honest result: the topology has no online verifier with behaviour wrong-result; add a verifier group with behaviour: wrong-result to the topology (such a verifier challenges honest results)",
        );
        one(
            "name: s\ntopology: quiet.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, budget: 1}\nexpect:\n  jobs:\n    - {job: a, outcome: refunded, dispute: node-wrong}\n",
            "s.yaml:7:44: expect.jobs[0].dispute: a node-wrong verdict needs committee votes, and the topology has no committee; put a verifier on the committee in the topology (committee: true), or expect dispute: no-quorum",
        );
        // Without any dispute expected, a topology with nobody to challenge is fine.
        let dir = fixtures();
        let text = "name: s\ntopology: plain.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, budget: 1}\nexpect:\n  jobs:\n    - {job: a, outcome: completed, dispute: none}\n";
        Scenario::parse("s.yaml", text, dir.path()).unwrap();
    }

    #[test]
    fn nothing_may_be_scheduled_at_or_after_the_timeout() {
        let got = messages(&format!("{HEAD}timeout_blocks: 10\njobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, at_block: 10}}\n  - {{name: b, workload: matmul, size: 8, budget: 1, count: 3, at_block: 2, spacing_blocks: 4}}\n  - {{name: c, workload: matmul, size: 8, budget: 1, at_block: 5, cancel_after_blocks: 5}}\nfaults:\n  - {{action: kill, node: cpu-0, at_block: 12}}\nexpect:\n  jobs:\n    - {{job: c, outcome: completed, within_blocks: 6}}\n  finality_advances: 11\n"));
        let end = "but the scenario ends at block 10 (timeout_blocks)";
        assert_eq!(
            got,
            [
                format!("s.yaml:5:63: jobs[0].at_block: job a is submitted at block 10, {end}; raise timeout_blocks to at least 11, or lower jobs[0].at_block"),
                format!("s.yaml:6:92: jobs[1].spacing_blocks: copy b-2 is submitted at block 10, {end}; raise timeout_blocks to at least 11, or lower jobs[1].spacing_blocks"),
                format!("s.yaml:7:87: jobs[2].cancel_after_blocks: job c is cancelled at block 10, {end}; raise timeout_blocks to at least 11, or lower jobs[2].cancel_after_blocks"),
                format!("s.yaml:9:43: faults[0].at_block: the kill fault happens at block 12, {end}; raise timeout_blocks to at least 13, or lower faults[0].at_block"),
                format!("s.yaml:12:51: expect.jobs[0].within_blocks: the within_blocks window of job c closes at block 11, {end}; raise timeout_blocks to at least 11, or lower expect.jobs[0].within_blocks"),
                "s.yaml:13:22: expect.finality_advances: finality cannot advance 11 blocks in a scenario of 10 blocks; lower expect.finality_advances, or raise timeout_blocks to at least 11".to_owned(),
            ]
        );
        // A window that closes exactly at the end fits.
        let dir = fixtures();
        let text = format!("{HEAD}timeout_blocks: 10\njobs:\n  - {{name: c, workload: matmul, size: 8, budget: 1, at_block: 4}}\nexpect:\n  jobs:\n    - {{job: c, outcome: completed, within_blocks: 6}}\n");
        Scenario::parse("s.yaml", &text, dir.path()).unwrap();
    }

    #[test]
    fn every_problem_is_reported_at_once_in_file_order() {
        let all = problems("name: S\ntopology: t.yaml\njobs:\n  - {name: a, workload: sort, size: 1, budget: 0}\nfaults:\n  - {action: kill, node: nobody, at_block: 1}\nexpect:\n  jobs:\n    - {job: zz, outcome: completed}\n");
        let codes: Vec<_> = all.iter().map(|p| p.kind().code()).collect();
        assert_eq!(codes, ["invalid-name", "unknown-workload", "zero-budget", "unknown-node", "unknown-job"]);
        let lines: Vec<_> = all.iter().map(|p| p.position().unwrap().line).collect();
        assert_eq!(lines, [1, 4, 4, 6, 9]);
    }
}

//! The scenario model through its public API: every rejection of the file, its jobs and
//! their requirements, each with the exact message a user reads (file:line:col, field path,
//! what is wrong, what to change). Faults and expectations: `scenario_model_expect.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scenario_model_support.rs"]
mod support;

// Wrapped in a module so `cargo test scenario` selects these tests by name.
mod scenario_model {
    use cr_protocol::workload::{SpecError, Workload};
    use testnet::diagnostics::YamlProblem;
    use testnet::scenario::model::{ProblemKind, Scenario};

    use super::support::{fixtures, messages, one, problems, HEAD, JOB};

    #[test]
    fn unknown_fields_are_rejected_everywhere() {
        one(
            &format!("{HEAD}{JOB}colour: red\n"),
            "s.yaml:5:1: colour: unknown field `colour`; remove `colour` or use one of: name, \
             description, topology, timeout_blocks, jobs, faults, floods, expect, should_fail",
        );
        let kind = one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, colour: 1}}\n"),
            "s.yaml:4:53: jobs[0].colour: unknown field `colour`; remove `colour` or use one of: \
             name, workload, size, seed, budget, count, at_block, spacing_blocks, requester, \
             requirements, accept_within, execute_within, cancel_after_blocks, expect_unmatched",
        );
        assert!(matches!(kind, ProblemKind::Yaml(YamlProblem::UnknownField { field, .. }) if field == "colour"));
        for (place, text) in [
            (
                "jobs[0].requirements.gpu.make",
                "jobs:\n  - {name: a, workload: matmul, size: 8, budget: 1, requirements: {gpu: {make: x}}}\n",
            ),
            ("faults[0].when", "faults:\n  - {action: kill, node: cpu-0, when: 1}\n"),
            ("expect.jobs[0].result", "expect:\n  jobs:\n    - {job: a, outcome: completed, result: ok}\n"),
            ("expect.finality", "expect:\n  finality: 3\n"),
        ] {
            let all = problems(&format!("{HEAD}{text}"));
            assert!(all[0].to_string().contains(&format!("{place}: unknown field")), "{all:?}");
        }
    }

    #[test]
    fn values_of_the_wrong_kind_name_the_field() {
        one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: -1, budget: 1}}\n"),
            "s.yaml:4:39: jobs[0].size: invalid u64; write jobs[0].size as the kind of value named above",
        );
        one(
            &format!("{HEAD}expect:\n  jobs:\n    - {{job: a, outcome: won}}\n"),
            "s.yaml:5:25: expect.jobs[0].outcome: unknown value \"won\"; use one of: completed, \
             refunded, cancelled, expired, refused",
        );
        one(
            &format!("{HEAD}{JOB}faults:\n  - {{action: explode, node: cpu-0, at_block: 1}}\n"),
            "s.yaml:6:14: faults[0].action: unknown value \"explode\"; use one of: kill, stop, \
             start, restart, pause, unpause, disconnect, reconnect, upgrade, host-down, host-up",
        );
        one(
            &format!("{HEAD}jobs:\n  - name: a\n    workload: matmul\n    budget: 1\n"),
            "s.yaml:6:5: jobs[0]: required field `size` is missing; add `size:` under jobs[0]",
        );
    }

    #[test]
    fn empty_files_and_a_missing_topology_field_are_rejected() {
        let kind = one(
            "# only a comment\n",
            "s.yaml: the file holds only blanks and comments; write at least `name:`, `topology:` and \
             `jobs:` (workloads/scenarios/happy-path.yaml is a commented example)",
        );
        assert_eq!(kind, ProblemKind::Yaml(YamlProblem::Empty));
        one(
            "name: s\njobs: []\n",
            "s.yaml:2:1: required field `topology` is missing; add `topology:` at the top level",
        );
    }

    #[test]
    fn an_unreadable_topology_is_named_by_its_resolved_path() {
        let dir = fixtures();
        let err = Scenario::parse("s.yaml", "name: s\ntopology: missing.yaml\n", dir.path()).unwrap_err();
        let resolved = dir.path().join("missing.yaml").display().to_string();
        assert_eq!(
            err.to_string(),
            format!(
                "s.yaml:2:11: topology: cannot read the topology file {resolved}: No such file \
                 or directory (os error 2); check `topology`: it is a path relative to the \
                 scenario file's directory"
            )
        );
        let err = Scenario::parse("s.yaml", "name: s\ntopology: .\n", dir.path()).unwrap_err();
        let kind = err.problems()[0].kind();
        assert!(
            matches!(kind, ProblemKind::TopologyUnreadable { reason, .. } if reason == "it is not a regular file"),
            "{err}"
        );
    }

    #[test]
    fn problems_in_the_topology_are_surfaced_with_their_own_place_and_fix() {
        let dir = fixtures();
        let err = Scenario::parse("s.yaml", "name: s\ntopology: broken.yaml\n", dir.path()).unwrap_err();
        let topo = dir.path().join("broken.yaml").display().to_string();
        let got: Vec<_> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                format!(
                    "s.yaml:2:11: topology: the topology is invalid: {topo}:1:7: name: \
                     \"Broken\" is not a valid testnet name; rename it: use 1 to 31 characters: \
                     a lowercase letter, then lowercase letters, digits or '-', in the topology file"
                ),
                format!(
                    "s.yaml:2:11: topology: the topology is invalid: {topo}:2:21: \
                     validators.count: a testnet needs at least one validator; give at least \
                     one validator, in the topology file"
                ),
            ]
        );
        let ProblemKind::TopologyInvalid { problem } = err.problems()[0].kind() else {
            panic!("{err}");
        };
        assert_eq!(problem.file(), topo);
    }

    #[test]
    fn duplicate_job_names_include_generated_copy_names() {
        let got = messages(&format!(
            "{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, count: 2}}\n  - {{name: a-1, workload: matmul, size: 8, budget: 1}}\n  - {{name: a, workload: matmul, size: 8, budget: 1}}\n"
        ));
        let rule = "rename one of them: job names, and the `<name>-<index>` names of their \
                    copies when count > 1, must all be distinct";
        assert_eq!(
            got,
            [
                format!(
                    "s.yaml:5:12: jobs[1].name: the job name \"a-1\" is already used by jobs[0] (copy a-1); {rule}"
                ),
                format!("s.yaml:6:12: jobs[2].name: the job name \"a\" is already used by jobs[0]; {rule}"),
            ]
        );
    }

    #[test]
    fn workloads_sizes_budgets_and_counts_are_checked() {
        let got = problems(&format!(
            "{HEAD}jobs:\n  - {{name: a, workload: sort, size: 8, budget: 1}}\n  - {{name: b, workload: matmul, size: 0, budget: 1}}\n  - {{name: c, workload: matmul, size: 513, budget: 0, count: 0}}\n"
        ));
        let text: Vec<_> = got.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "s.yaml:4:25: jobs[0].workload: unknown workload \"sort\"; the accepted workloads \
                 are hash-chain, matmul, fine-tune; set jobs[0].workload to one of them",
                "s.yaml:5:39: jobs[1].size: size 0 for workload matmul; size counts n of the n x n \
                 matrices and must be between 1 and 512; set jobs[1].size to a value from 1 to 512",
                "s.yaml:6:39: jobs[2].size: size 513 for workload matmul is above its limit; size \
                 counts n of the n x n matrices and must be between 1 and 512; set jobs[2].size \
                 to a value from 1 to 512",
                "s.yaml:6:52: jobs[2].budget: a budget of 0 tokens pays nobody; set \
                 jobs[2].budget to 1 or more whole tokens",
                "s.yaml:6:62: jobs[2].count: count 0 submits nothing; set jobs[2].count to 1 or \
                 more, or remove the job",
            ]
        );
        let kinds: Vec<_> = got.iter().map(|p| p.kind().clone()).collect();
        assert_eq!(
            kinds[2],
            ProblemKind::BadSize { error: SpecError::SizeTooLarge { workload: Workload::Matmul, size: 513, max: 512 } }
        );
        assert_eq!(kinds[3], ProblemKind::ZeroBudget);
        assert_eq!(kinds[4], ProblemKind::ZeroCount);
    }

    #[test]
    fn requesters_must_exist_and_afford_their_jobs() {
        one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, requester: carol}}\n"),
            "s.yaml:4:64: jobs[0].requester: \"carol\" is not a requester of the topology; use \
             one of the topology's chain.requesters (alice, bob), or add it there",
        );
        // alice pays 600 + 2 x 200; bob's 999 stays below his endowment.
        let kind = one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 600}}\n  - {{name: b, workload: matmul, size: 8, budget: 200, count: 2}}\n  - {{name: c, workload: matmul, size: 8, budget: 999, requester: bob}}\n"),
            "s.yaml:5:50: jobs[1].budget: the jobs of requester alice escrow 1000 tokens in all, \
             not less than its 1000-token endowment, which must also pay fees; lower the budgets \
             or counts of its jobs, or raise chain.endowment in the topology above 1000",
        );
        assert!(matches!(kind, ProblemKind::BudgetExceedsEndowment { total: 1000, .. }));
    }

    #[test]
    fn too_many_copies_are_refused_before_they_are_expanded() {
        let all = problems(&format!(
            "{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, count: 4000000000}}\n"
        ));
        assert!(
            all.iter().any(|p| {
                p.to_string().starts_with(
                    "s.yaml:4:60: jobs[0].count: 4000000000 job copies in all are more than the 10000 a \
             scenario supports; lower jobs[0].count",
                )
            }),
            "{all:#?}"
        );
    }

    #[test]
    fn names_windows_timeouts_and_gpu_requirements_are_checked() {
        let got = messages("name: S_1\ntopology: t.yaml\ntimeout_blocks: 0\njobs:\n  - {name: Bad, workload: matmul, size: 8, budget: 1}\n  - {name: a-very-long-job-name-for-copies, workload: matmul, size: 8, budget: 1, count: 10}\n  - {name: w, workload: matmul, size: 8, budget: 1, accept_within: 0, execute_within: 100001}\n");
        let rule = "a lowercase letter, then lowercase letters, digits or '-'";
        assert_eq!(
            got,
            [
                format!("s.yaml:1:7: name: \"S_1\" is not a valid scenario name; rename it: use 1 to 41 characters: {rule}"),
                "s.yaml:3:17: timeout_blocks: a period of 0 blocks leaves no time to act; set timeout_blocks to at least 1 block".to_owned(),
                format!("s.yaml:5:12: jobs[0].name: \"Bad\" is not a valid job name; rename it: use 1 to 31 characters: {rule}"),
                "s.yaml:6:12: jobs[1].name: its copies would be named up to \"a-very-long-job-name-for-copies-9\", longer than 31 characters; shorten the job name to at most 29 characters".to_owned(),
                "s.yaml:7:68: jobs[2].accept_within: 0 is outside 1..=100000; set jobs[2].accept_within to a value from 1 to 100000".to_owned(),
                "s.yaml:7:87: jobs[2].execute_within: 100001 is outside 1..=100000; set jobs[2].execute_within to a value from 1 to 100000".to_owned(),
            ]
        );
        let got = messages(&format!("{HEAD}timeout_blocks: 100001\njobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, requirements: {{gpu: {{count: 0, model: \"\"}}}}}}\n"));
        assert_eq!(
            got,
            [
                "s.yaml:3:17: timeout_blocks: 100001 is outside 1..=100000; set timeout_blocks to a value from 1 to 100000",
                "s.yaml:5:81: jobs[0].requirements.gpu.count: GPU count cannot be 0; set jobs[0].requirements.gpu.count to 1 or more",
                "s.yaml:5:91: jobs[0].requirements.gpu.model: GPU model \"\" is not 1 to 32 printable ASCII characters; name the model in 1 to 32 printable ASCII characters, e.g. A100",
            ]
        );
    }

    #[test]
    fn a_job_no_worker_can_take_says_what_fails_and_which_group_comes_closest() {
        let tail = "change the requirement to fit it, add a group that meets it to the topology, \
                    or set expect_unmatched: true if no node is meant to take the job";
        let job = |req: &str| {
            format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, requirements: {req}}}\n")
        };
        // The offline node has 64 cores, but offline nodes take no jobs.
        one(
            &job("{cpu_cores: 64}"),
            &format!("s.yaml:4:67: jobs[0].requirements: no online worker of the topology has 64 CPU cores (the most a worker has is 8); group cpu comes closest (4 CPU cores where the job needs 64 CPU cores): {tail}"),
        );
        // Each requirement is met somewhere, never both at once.
        one(
            &job("{cpu_cores: 8, memory_mb: 32768}"),
            &format!("s.yaml:4:67: jobs[0].requirements: no online worker of the topology meets all of the job's requirements at once; group cpu comes closest (4 CPU cores where the job needs 8 CPU cores): {tail}"),
        );
        let kind = one(
            &job("{gpu: {model: H100, count: 4}}"),
            &format!("s.yaml:4:67: jobs[0].requirements: no online worker of the topology has 4 GPU(s) (the most a worker has is 2), nor a GPU of model \"H100\" (the workers have A100); group gpu comes closest (2 GPU(s) where the job needs 4 GPU(s), GPU model \"A100\" where the job needs a GPU of model \"H100\"): {tail}"),
        );
        assert!(matches!(kind, ProblemKind::Unmatched { closest, .. } if closest == "gpu"));
        // fine-tune implies a GPU; without requirements the problem is at the job.
        one(
            "name: s\ntopology: plain.yaml\njobs:\n  - {name: a, workload: fine-tune, size: 8, budget: 1}\n",
            &format!("s.yaml:4:5: jobs[0]: no online worker of the topology has 1 GPU(s) (no worker has a GPU); group cpu comes closest (no GPU where the job needs one): {tail}"),
        );
        let kind = one(
            "name: s\ntopology: idle.yaml\njobs:\n  - {name: a, workload: matmul, size: 8, budget: 1}\n",
            "s.yaml:4:5: jobs[0]: no node of the topology takes jobs: it has no worker that is not offline; add a worker group to the topology, or set expect_unmatched: true if no node is meant to take the job",
        );
        assert_eq!(kind, ProblemKind::NoOnlineWorker);
    }

    #[test]
    fn expect_unmatched_must_be_true() {
        one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, expect_unmatched: true}}\n"),
            "s.yaml:4:71: jobs[0].expect_unmatched: expect_unmatched is set, but the nodes of group cpu can take the job; remove expect_unmatched, or change the requirements so that no online worker meets them",
        );
        one(
            &format!("{HEAD}jobs:\n  - {{name: a, workload: matmul, size: 8, budget: 1, requirements: {{cpu_cores: 64}}, expect_unmatched: true}}\nexpect:\n  jobs:\n    - {{job: a, outcome: completed}}\n"),
            "s.yaml:7:25: expect.jobs[0].outcome: no node takes this job (expect_unmatched), so it cannot end completed; expect outcome: expired or cancelled, or remove expect_unmatched from the job",
        );
    }
}

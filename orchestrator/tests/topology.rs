//! The topology model through its public API: every impossible value and parse error, each
//! with the exact message a user reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Wrapped in a module so `cargo test topology` selects these tests by name.
mod topology {
    use testnet::diagnostics::YamlProblem;
    use testnet::topology::{Problem, ProblemKind, Topology};

    const HEAD: &str = "name: x\nvalidators:\n  count: 3\n";

    fn problems(text: &str) -> Vec<Problem> {
        match Topology::parse("t.yaml", text) {
            Ok(_) => panic!("expected a rejection of:\n{text}"),
            Err(e) => e.problems().to_vec(),
        }
    }

    /// `HEAD` + `rest` must fail with exactly this one message.
    fn one(rest: &str, expected: &str) -> ProblemKind {
        let all = problems(&format!("{HEAD}{rest}"));
        assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
        assert_eq!(all[0].to_string(), expected);
        all[0].kind().clone()
    }

    fn valid(rest: &str) -> Topology {
        let text = format!("{HEAD}{rest}");
        Topology::parse("t.yaml", &text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn block_time_must_be_even_and_within_1000_to_6000() {
        let kind = one(
            "chain:\n  block_time_ms: 500\n",
            "t.yaml:5:18: chain.block_time_ms: 500 ms is outside 1000..=6000 ms; \
         set block_time_ms to an even value from 1000 to 6000, e.g. 2000",
        );
        assert_eq!(kind, ProblemKind::BlockTimeOutOfRange { value: 500 });
        let kind = one("chain:\n  block_time_ms: 6002\n", "t.yaml:5:18: chain.block_time_ms: 6002 ms is outside 1000..=6000 ms; set block_time_ms to an even value from 1000 to 6000, e.g. 2000");
        assert_eq!(kind, ProblemKind::BlockTimeOutOfRange { value: 6002 });
        let kind = one(
            "chain:\n  block_time_ms: 1001\n",
            "t.yaml:5:18: chain.block_time_ms: 1001 ms is odd; use an even value such as 1002",
        );
        assert_eq!(kind, ProblemKind::BlockTimeOdd { value: 1001 });
        assert_eq!(valid("chain: {block_time_ms: 1000}\n").block_time_ms(), 1000);
        assert_eq!(valid("chain: {block_time_ms: 6000}\n").block_time_ms(), 6000);
    }

    #[test]
    fn percentages_above_100_are_rejected() {
        for field in ["protocol_fee_percent", "slash_percent", "challenger_reward_percent"] {
            let kind = one(
                &format!("chain:\n  market:\n    {field}: 101\n"),
                &format!(
                    "t.yaml:6:{}: chain.market.{field}: 101% is more than 100%; \
                 set chain.market.{field} to a value from 0 to 100",
                    field.len() + 7
                ),
            );
            assert_eq!(kind, ProblemKind::PercentAbove100 { value: 101 });
        }
        let t = valid("chain:\n  market: {protocol_fee_percent: 0, slash_percent: 100}\n");
        assert_eq!((t.market().protocol_fee.get(), t.market().slash.get()), (0, 100));
    }

    #[test]
    fn zero_windows_timeouts_and_attempts_are_rejected() {
        for field in
            ["challenge_window_blocks", "voting_period_blocks", "accept_timeout_blocks", "execution_timeout_blocks"]
        {
            let kind = one(
                &format!("chain:\n  market:\n    {field}: 0\n"),
                &format!(
                    "t.yaml:6:{}: chain.market.{field}: a period of 0 blocks leaves no time to act; \
                 set chain.market.{field} to at least 1 block",
                    field.len() + 7
                ),
            );
            assert_eq!(kind, ProblemKind::ZeroBlocks);
        }
        let kind = one(
            "chain:\n  market:\n    max_attempts: 0\n",
            "t.yaml:6:19: chain.market.max_attempts: a job needs at least one attempt; \
         set chain.market.max_attempts to 1 or more",
        );
        assert_eq!(kind, ProblemKind::ZeroMaxAttempts);
    }

    #[test]
    fn market_rules_an_attacker_could_exploit_are_rejected() {
        one(
            "chain:\n  market:\n    execution_timeout_blocks: 100001\n",
            "t.yaml:6:31: chain.market.execution_timeout_blocks: 100001 blocks is beyond the runtime's \
             longest deadline (100000 blocks); set chain.market.execution_timeout_blocks to at most 100000",
        );
        let kind = one(
            "chain:\n  market:\n    min_execute_window_blocks: 1\n",
            "t.yaml:6:32: chain.market.min_execute_window_blocks: a floor of 1 blocks is outside 2..=30 \
             (execution_timeout_blocks); set chain.market.min_execute_window_blocks from 2 to 30, or \
             raise execution_timeout_blocks",
        );
        assert_eq!(kind, ProblemKind::ExecutionFloor { value: 1, timeout: 30 });
        let kind = one(
            "chain:\n  market:\n    challenge_bond: 200\n    challenger_reward_percent: 50\n",
            "t.yaml:7:32: chain.market.challenger_reward_percent: a winning challenger's bounty (100 tokens) \
             is not below the stake a job puts at risk (50 tokens): a node challenging itself would profit; \
             lower challenger_reward_percent or challenge_bond, or raise slash_percent or min_node_stake",
        );
        assert_eq!(kind, ProblemKind::BountyNotBelowSlash { bounty: 100, at_risk: 50 });
        let all = problems(&format!("{HEAD}chain:\n  market:\n    challenge_bond: 0\n"));
        assert!(all[0].to_string().contains("chain.market.challenge_bond: a bond or stake"), "{all:?}");
    }

    #[test]
    fn zero_counts_cores_memory_and_concurrency_are_rejected() {
        let cases = [
            ("count", "a group's node count"),
            ("per_container", "daemons per container"),
            ("cpu_cores", "CPU cores"),
            ("memory_mb", "memory"),
            ("max_concurrent_jobs", "max_concurrent_jobs"),
        ];
        for (field, what) in cases {
            let kind = one(
                &format!("compute:\n  - group: cpu\n    {field}: 0\n"),
                &format!(
                    "t.yaml:6:{}: compute[0].{field}: {what} cannot be 0; set compute[0].{field} to 1 or more",
                    field.len() + 7
                ),
            );
            assert_eq!(kind, ProblemKind::ZeroValue { what });
        }
        let kind = one(
            "chain:\n  endowment: 0\n",
            "t.yaml:5:14: chain.endowment: the endowment cannot be 0; set chain.endowment to 1 or more",
        );
        assert_eq!(kind, ProblemKind::ZeroValue { what: "the endowment" });
    }

    #[test]
    fn impossible_gpus_are_rejected() {
        let gpu = |body: &str| format!("compute:\n  - group: g\n    gpu: {{{body}}}\n");
        let kind = one(
            &gpu("count: 0, model: A100, vram_mb: 1"),
            "t.yaml:6:18: compute[0].gpu.count: GPU count cannot be 0; set compute[0].gpu.count to 1 or more",
        );
        assert_eq!(kind, ProblemKind::ZeroValue { what: "GPU count" });
        let kind = one(
            &gpu("model: '', vram_mb: 1"),
            "t.yaml:6:18: compute[0].gpu.model: GPU model \"\" is not 1 to 32 printable ASCII \
         characters; name the model in 1 to 32 printable ASCII characters, e.g. A100",
        );
        assert_eq!(kind, ProblemKind::InvalidGpuModel { model: String::new() });
        for model in ["X".repeat(33), "Tesla\u{2122}".to_owned()] {
            let all = problems(&format!("{HEAD}{}", gpu(&format!("model: \"{model}\", vram_mb: 1"))));
            assert_eq!(all[0].kind(), &ProblemKind::InvalidGpuModel { model });
        }
        let kind = one(
            &gpu("model: A100, vram_mb: 0"),
            "t.yaml:6:33: compute[0].gpu.vram_mb: GPU memory cannot be 0; set compute[0].gpu.vram_mb to 1 or more",
        );
        assert_eq!(kind, ProblemKind::ZeroValue { what: "GPU memory" });
        let all = problems(&format!("{HEAD}{}", gpu("vram_mb: 1")));
        assert_eq!(all[0].kind(), &ProblemKind::Yaml(YamlProblem::MissingField { field: "model".into() }));
        assert_eq!(all[0].path(), "compute[0].gpu");
    }

    #[test]
    fn stake_must_cover_the_minimum_and_leave_room_in_the_endowment() {
        let text = "name: x\nvalidators:\n  count: 3\nchain:\n  market:\n    min_node_stake: 100\n\
                compute:\n  - group: a\n  - group: b\n    stake: 50\n";
        let all = problems(text);
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].to_string(),
            "t.yaml:10:12: compute[1].stake: 50 tokens is below chain.market.min_node_stake (100); \
         raise stake to at least 100 or lower min_node_stake"
        );
        assert_eq!(all[0].kind(), &ProblemKind::StakeBelowMinimum { stake: 50, min: 100 });

        // A default stake below a raised minimum is reported at the group.
        let all = problems(&format!("{HEAD}chain:\n  market: {{min_node_stake: 300}}\ncompute:\n  - group: a\n"));
        assert_eq!(all[0].to_string().split(": ").next(), Some("t.yaml:7:5"));

        let kind = one(
            "chain:\n  endowment: 200\ncompute:\n  - group: a\n",
            "t.yaml:7:5: compute[0].stake: 200 tokens of stake leaves nothing of the 200-token \
         endowment for fees; lower stake below 200 or raise chain.endowment above 200",
        );
        assert_eq!(kind, ProblemKind::StakeExceedsEndowment { stake: 200, endowment: 200 });
    }

    #[test]
    fn a_committee_must_be_able_to_reach_quorum() {
        let kind = one(
            "chain:\n  market:\n    quorum: 0\ncompute:\n  - {group: v, count: 2, role: verifier}\n",
            "t.yaml:6:13: chain.market.quorum: quorum 0 would settle disputes with no votes, yet the \
         committee has 2 member(s); set quorum from 1 to 2",
        );
        assert_eq!(kind, ProblemKind::QuorumZero { members: 2 });
        let kind = one(
            "chain:\n  market:\n    quorum: 3\ncompute:\n  - {group: v, count: 2, role: verifier}\n",
            "t.yaml:6:13: chain.market.quorum: quorum 3 is more than the 2 committee member(s); lower \
         quorum to at most 2, or put more nodes on the committee (role: verifier, or committee: true)",
        );
        assert_eq!(kind, ProblemKind::QuorumAboveCommittee { quorum: 3, members: 2 });
        // Default quorum 1, but the only verifier never votes: reported at the verifier's group.
        let kind = one(
            "compute:\n  - {group: w, count: 1}\n  - {group: v, count: 1, role: verifier, behaviour: offline}\n",
            "t.yaml:6:5: chain.market.quorum: quorum 1 cannot be reached: 1 of the 1 committee \
         member(s) are offline; lower quorum to at most 0, or give the offline committee members \
         another behaviour",
        );
        assert_eq!(kind, ProblemKind::QuorumUnreachable { quorum: 1, members: 1, offline: 1 });
        // Without a committee the chain takes quorum 0 only (it refuses its genesis otherwise):
        // the default becomes 0, a quorum written out is named.
        assert_eq!(valid("chain: {market: {quorum: 0}}\n").market().quorum, 0);
        let kind = one(
            "chain: {market: {quorum: 7}}\n",
            "t.yaml:4:26: chain.market.quorum: quorum 7 can never be reached: no compute node is on the \
         committee; remove quorum (it is 0 without a committee), or put nodes on the committee \
         (role: verifier, or committee: true)",
        );
        assert_eq!(kind, ProblemKind::QuorumWithoutCommittee { quorum: 7 });
        let t = valid("chain: {market: {quorum: 2}}\ncompute:\n  - {group: v, count: 3, role: verifier}\n");
        assert_eq!(t.committee().len(), 3);
    }

    #[test]
    fn published_ports_must_fit_and_not_overlap() {
        let kind = one(
            "publish:\n  rpc_base: 65534\n",
            "t.yaml:5:13: publish.rpc_base: port range 65534..=65536 is outside 1..=65535; \
         choose publish.rpc_base so that every port it covers is within 1..=65535",
        );
        assert_eq!(kind, ProblemKind::PortOutOfRange { first: 65534, last: 65536 });
        let all = problems(&format!("{HEAD}publish: {{store: 70000}}\n"));
        assert_eq!(all[0].kind(), &ProblemKind::PortOutOfRange { first: 70000, last: 70000 });
        let all = problems(&format!("{HEAD}publish: {{metrics_base: 0}}\n"));
        assert_eq!(all[0].kind(), &ProblemKind::PortOutOfRange { first: 0, last: 2 });

        let kind = one(
            "publish:\n  rpc_base: 9944\n  metrics_base: 9946\n",
            "t.yaml:6:17: publish.metrics_base: ports 9946..=9948 overlap publish.rpc_base \
         (9944..=9946); move publish.metrics_base or publish.rpc_base so their port ranges do not overlap",
        );
        assert!(matches!(kind, ProblemKind::PortOverlap { .. }));
        let all = problems(&format!("{HEAD}publish: {{rpc_base: 7000, store: 7001}}\n"));
        assert!(matches!(all[0].kind(), ProblemKind::PortOverlap { other: "publish.rpc_base", .. }));
        // A disabled store publishes nothing, so its port cannot collide.
        let t = valid("store: {enabled: false}\npublish: {rpc_base: 7000, store: 7001}\n");
        assert_eq!(t.publish().store_port(), None);
    }

    #[test]
    fn requesters_must_exist() {
        let kind = one(
            "chain:\n  requesters: []\n",
            "t.yaml:5:15: chain.requesters: at least one requester is needed to submit jobs; \
         list at least one requester, e.g. `[requester]`",
        );
        assert_eq!(kind, ProblemKind::NoRequesters);
        let all = problems(&format!("{HEAD}chain: {{requesters: [a, b, a]}}\n"));
        assert_eq!(all[0].path(), "chain.requesters[2]");
    }

    #[test]
    fn absurd_counts_are_refused_before_any_allocation() {
        let all = problems("name: x\nvalidators: {count: 101}\n");
        assert_eq!(all[0].kind(), &ProblemKind::TooMany { what: "validators", value: 101, max: 100 });
        let all = problems(&format!("{HEAD}compute:\n  - {{group: a, count: 4000000000}}\n"));
        assert!(matches!(all[0].kind(), ProblemKind::TooMany { .. }), "{all:#?}");
        assert!(all[0].fix().starts_with("lower compute[0].count to at most 10000"));
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let text = "name: Bad\nvalidators:\n  count: 0\nchain:\n  block_time_ms: 3\n  market:\n    \
                slash_percent: 400\ncompute:\n  - group: a\n    cpu_cores: 0\n    stake: 1\n";
        let all = problems(text);
        let lines: Vec<_> = all.iter().map(|p| p.position().unwrap().line).collect();
        assert_eq!(lines, [1, 3, 5, 7, 10, 11], "{all:#?}");
        let err = Topology::parse("t.yaml", text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("t.yaml: 6 problems in the topology:\n  t.yaml:1:7: name:"), "{shown}");
        assert!(shown.contains("\n  t.yaml:11:12: compute[0].stake: 1 tokens is below"), "{shown}");
    }

    #[test]
    fn parse_errors_name_the_place_and_kind() {
        let all = problems(&format!("{HEAD}compute:\n  - group: a\n    behaviour: evil\n"));
        assert_eq!(all[0].path(), "compute[0].behaviour");
        assert!(
            matches!(all[0].kind(), ProblemKind::Yaml(YamlProblem::UnknownVariant { value, .. }) if value == "evil")
        );
        assert!(all[0].fix().contains("honest, wrong-result, late, crash-after-accept, offline"));

        let all = problems("name: x\nname: y\nvalidators: {count: 1}\n");
        assert!(matches!(all[0].kind(), ProblemKind::Yaml(YamlProblem::DuplicateKey { key: Some(k) }) if k == "name"));
        assert_eq!(all[0].position().map(|p| p.line), Some(2));

        let all = problems("name: x\nvalidators:\n  count: lots\n");
        assert!(matches!(all[0].kind(), ProblemKind::Yaml(YamlProblem::WrongValue { .. })), "{all:#?}");
        assert_eq!(all[0].path(), "validators.count");
        assert!(all[0].to_string().starts_with("t.yaml:3:10: validators.count: "), "{}", all[0]);

        let all = problems("name: x\nvalidators: [count: 1\n");
        assert!(matches!(all[0].kind(), ProblemKind::Yaml(YamlProblem::Syntax { .. })), "{all:#?}");
        assert!(all[0].position().is_some());

        for empty in ["", "\n  \n", "# just a comment\n"] {
            let err = Topology::parse("t.yaml", empty).unwrap_err();
            assert_eq!(err.problems()[0].kind(), &ProblemKind::Yaml(YamlProblem::Empty));
            assert!(err.to_string().starts_with("t.yaml: the file holds only blanks and comments; write at least"));
        }
        let all = problems("name: x\nvalidators: {count: 1}\n---\nname: y\n");
        assert!(all[0].position().is_some(), "{all:#?}");
    }
}

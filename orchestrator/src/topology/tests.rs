//! Unit tests of the topology model: the defaults, and every rejection with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::diagnostics::{InvalidName, Position, YamlProblem};

const MINIMAL: &str = "name: local\nvalidators:\n  count: 3\n";

fn ok(text: &str) -> Topology {
    match Topology::parse("t.yaml", text) {
        Ok(t) => t,
        Err(e) => panic!("expected a valid topology, got:\n{e}"),
    }
}

fn problems(text: &str) -> Vec<Problem> {
    match Topology::parse("t.yaml", text) {
        Ok(_) => panic!("expected a rejection of:\n{text}"),
        Err(e) => e.problems().to_vec(),
    }
}

/// The single problem of `text`, checked against its rendered message.
fn one(text: &str, expected: &str) -> ProblemKind {
    let all = problems(text);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    assert_eq!(all[0].to_string(), expected);
    all[0].kind().clone()
}

/// `MINIMAL` followed by `rest`, so line numbers in expectations start at 4.
fn with(rest: &str) -> String {
    format!("{MINIMAL}{rest}")
}

#[test]
fn minimal_file_gets_the_documented_defaults() {
    let t = ok(MINIMAL);
    assert_eq!(t.name().as_str(), "local");
    let names: Vec<_> = t.validators().iter().map(|v| v.name().as_str()).collect();
    assert_eq!(names, ["validator-0", "validator-1", "validator-2"]);
    assert_eq!(t.block_time_ms(), 2000);
    let m = t.market();
    assert_eq!(m.challenge_window_blocks.get(), 10);
    assert_eq!(m.voting_period_blocks.get(), 10);
    assert_eq!(m.accept_timeout_blocks.get(), 60);
    assert_eq!(m.execution_timeout_blocks.get(), 30);
    assert_eq!(m.max_attempts.get(), 2);
    assert_eq!(m.challenge_bond, Tokens(50));
    assert_eq!(m.min_node_stake, Tokens(100));
    assert_eq!(m.protocol_fee.get(), 10);
    assert_eq!(m.slash.get(), 50);
    assert_eq!(m.challenger_reward.get(), 50);
    // No compute node is on the committee: the chain takes quorum 0 only, so the default
    // becomes 0 (a chain given 1 refuses its genesis).
    assert_eq!(m.quorum, 0);
    let requesters: Vec<_> = t.requesters().iter().map(Name::as_str).collect();
    assert_eq!(requesters, ["requester"]);
    assert_eq!(t.endowment_tokens(), Tokens(1_000_000));
    assert_eq!(t.endowment_tokens().base_units(), 1_000_000 * UNITS_PER_TOKEN);
    assert!(t.store_enabled());
    assert_eq!(*t.publish(), Publish::default());
    assert!(t.compute_nodes().is_empty());
    assert!(t.compute_containers().is_empty());
    assert!(t.committee().is_empty());
}

#[test]
fn a_group_with_only_a_name_gets_the_documented_defaults() {
    let t = ok(&with("compute:\n  - group: cpu\n"));
    let nodes = t.compute_nodes();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].name().as_str(), "cpu-0");
    assert_eq!(nodes[1].name().as_str(), "cpu-1");
    let n = &nodes[0];
    assert_eq!(n.group().as_str(), "cpu");
    assert_eq!(n.capabilities().cpu_cores.get(), 4);
    assert_eq!(n.capabilities().memory_mb.get(), 8192);
    assert_eq!(n.capabilities().gpu, None);
    assert_eq!(n.behaviour(), Behaviour::Honest);
    assert_eq!(n.role(), Role::Worker);
    assert!(!n.committee());
    assert_eq!(n.stake_tokens(), Tokens(200));
    assert_eq!(n.max_concurrent_jobs().get(), 2);
    assert_eq!(t.compute_containers().len(), 2, "per_container defaults to 1");
}

#[test]
fn verifiers_join_the_committee_unless_told_otherwise() {
    let t = ok(&with(
        "compute:\n  - {group: v, count: 2, role: verifier}\n  - {group: w, count: 1, role: verifier, committee: false}\n  - {group: x, count: 1, committee: true}\n",
    ));
    let committee: Vec<_> = t.committee().iter().map(|n| n.as_str()).collect();
    assert_eq!(committee, ["v-0", "v-1", "x-0"]);
}

#[test]
fn per_container_packs_daemons_and_the_last_container_takes_the_rest() {
    let t = ok(&with(
        "compute:\n  - {group: a, count: 25, per_container: 10}\n  - {group: b, count: 1, per_container: 4}\n",
    ));
    let sizes: Vec<_> = t.compute_containers().iter().map(|c| c.nodes.len()).collect();
    assert_eq!(sizes, [10, 10, 5, 1]);
    let c = &t.compute_containers()[2];
    assert_eq!((c.index, c.group.as_str()), (2, "a"));
    assert_eq!(c.nodes.first().map(Name::as_str), Some("a-20"));
    assert_eq!(t.compute_nodes()[19].container(), 1);
    assert_eq!(t.compute_nodes()[20].container(), 2);
    assert_eq!(t.compute_nodes()[25].container(), 3);
}

#[test]
fn gpu_and_publish_values_reach_the_model() {
    let t = ok(&with(
        "compute:\n  - group: g\n    count: 1\n    gpu: {model: A100, vram_mb: 40960}\npublish:\n  rpc_base: 9944\n  metrics_base: 9615\n  store: 7070\n",
    ));
    let gpu = t.compute_nodes()[0].capabilities().gpu.clone().unwrap();
    assert_eq!((gpu.count.get(), gpu.model.as_str(), gpu.vram_mb.get()), (1, "A100", 40960));
    let p = t.publish();
    assert_eq!((p.rpc_port(0), p.rpc_port(2)), (Some(9944), Some(9946)));
    assert_eq!((p.metrics_port(1), p.store_port()), (Some(9616), Some(7070)));
}

#[test]
fn named_validators_and_workerless_fleets_are_fine() {
    let t = ok("name: x\nvalidators:\n  names: [alice, bob]\ncompute:\n  - {group: v, count: 1, role: verifier}\n");
    assert_eq!(t.validators()[1].name().as_str(), "bob");
    assert!(t.compute_nodes().iter().all(|n| n.role() == Role::Verifier));
}

#[test]
fn unknown_fields_are_rejected_with_their_path_and_the_allowed_keys() {
    let kind = one(
        "name: x\nvalidators: {count: 1}\nnodes: 3\n",
        "t.yaml:3:1: nodes: unknown field `nodes`; remove `nodes` or use one of: \
         name, validators, chain, compute, store, publish, engine",
    );
    assert!(matches!(kind, ProblemKind::Yaml(YamlProblem::UnknownField { .. })));
    let text = with("compute:\n  - group: a\n    gpu:\n      model: A100\n      vram_mb: 1\n      cnt: 2\n");
    let p = &problems(&text)[0];
    assert!(matches!(p.kind(), ProblemKind::Yaml(YamlProblem::UnknownField { field, .. }) if field == "cnt"));
    assert_eq!(p.path(), "compute[0].gpu.cnt");
    assert_eq!(p.position(), Some(Position { line: 9, column: 7 }));
    assert!(p.fix().contains("use one of: count, model, vram_mb"), "{}", p.fix());
}

#[test]
fn missing_required_fields_are_named() {
    let kind = one(
        "validators: {count: 1}\n",
        "t.yaml:1:1: required field `name` is missing; add `name:` at the top level (run `testnet schema` for the format)",
    );
    assert_eq!(kind, ProblemKind::Yaml(YamlProblem::MissingField { field: "name".into() }));
    // Serde places a missing field at the mapping's last key; the path is the mapping's.
    let kind = one(
        &with("compute:\n  - count: 1\n    cpu_cores: 2\n"),
        "t.yaml:6:5: compute[0]: required field `group` is missing; add `group:` under \
         compute[0] (run `testnet schema` for the format)",
    );
    assert_eq!(kind, ProblemKind::Yaml(YamlProblem::MissingField { field: "group".into() }));
}

#[test]
fn zero_validators_are_rejected() {
    let kind = one(
        "name: x\nvalidators:\n  count: 0\n",
        "t.yaml:3:10: validators.count: a testnet needs at least one validator; give at least one validator",
    );
    assert_eq!(kind, ProblemKind::NoValidators);
    let kind = one(
        "name: x\nvalidators:\n  names: []\n",
        "t.yaml:3:10: validators.names: a testnet needs at least one validator; give at least one validator",
    );
    assert_eq!(kind, ProblemKind::NoValidators);
}

#[test]
fn validators_need_exactly_one_of_count_and_names() {
    let kind = one(
        "name: x\nvalidators:\n  count: 2\n  names: [a, b]\n",
        "t.yaml:3:3: validators: both `count` and `names` are given; \
         keep only one: `count: N` for generated names or `names: [...]`",
    );
    assert_eq!(kind, ProblemKind::ValidatorsCountAndNames);
    let kind = one(
        "name: x\nvalidators: {}\n",
        "t.yaml:2:13: validators: neither `count` nor `names` is given; \
         add `count: 3` or `names: [alice, bob, charlie]`",
    );
    assert_eq!(kind, ProblemKind::ValidatorsUnspecified);
}

#[test]
fn duplicate_names_across_validators_groups_nodes_and_store_are_rejected() {
    let kind = one(
        "name: x\nvalidators:\n  names: [alice, cpu-1]\ncompute:\n  - group: cpu\n",
        "t.yaml:5:12: compute[0].group: the name \"cpu-1\" is already used by validators.names[1]; \
         rename one of them: validators, compute nodes (`<group>-<index>`), compute groups, \
         requesters and the reserved `store` all need distinct names",
    );
    assert!(matches!(kind, ProblemKind::DuplicateName { name, .. } if name == "cpu-1"));

    let all = problems("name: x\nvalidators:\n  names: [store, alice, alice]\n");
    let dup: Vec<_> = all.iter().map(|p| (p.path(), p.kind().clone())).collect();
    assert_eq!(
        dup,
        [
            (
                "validators.names[0]",
                ProblemKind::DuplicateName { name: "store".into(), first: "the artifact store (reserved)".into() }
            ),
            (
                "validators.names[2]",
                ProblemKind::DuplicateName { name: "alice".into(), first: "validators.names[1]".into() }
            ),
        ]
    );

    // Two groups of the same name: one report for the group, not one per node.
    let all = problems(&with("compute:\n  - {group: a, count: 5}\n  - {group: a, count: 5}\n"));
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].path(), "compute[1].group");

    // Requesters are accounts named like nodes; the default one collides too.
    let p = &problems(&with("compute:\n  - {group: requester, count: 1}\n"))[0];
    assert!(matches!(p.kind(), ProblemKind::DuplicateName { first, .. } if first == "chain.requesters[0]"));
}

#[test]
fn invalid_names_are_rejected_with_the_naming_rule() {
    let kind = one(
        "name: Local\nvalidators: {count: 1}\n",
        "t.yaml:1:7: name: \"Local\" is not a valid testnet name; rename it: use 1 to 31 \
         characters: a lowercase letter, then lowercase letters, digits or '-'",
    );
    assert_eq!(kind, ProblemKind::InvalidName(InvalidName { what: "testnet name", name: "Local".into(), max: 31 }));
    let long = "a".repeat(32);
    let p = &problems(&format!("name: {long}\nvalidators: {{count: 1}}\n"))[0];
    assert!(matches!(p.kind(), ProblemKind::InvalidName(_)));
    let all = problems(
        "name: x\nvalidators:\n  names: [9lives, \"bad\\u001b[31m\"]\nchain:\n  requesters: [Req]\ncompute:\n  - group: c_pu\n",
    );
    let paths: Vec<_> = all.iter().map(Problem::path).collect();
    assert_eq!(paths, ["validators.names[0]", "validators.names[1]", "chain.requesters[0]", "compute[0].group"]);
    // A control character never reaches the terminal raw.
    assert!(all[1].to_string().contains("\\u{1b}"), "{}", all[1]);
}

#[test]
fn group_names_leave_room_for_the_node_index() {
    let group = "g".repeat(30);
    let kind = one(
        &with(&format!("compute:\n  - group: {group}\n    count: 10\n")),
        &format!(
            "t.yaml:5:12: compute[0].group: node names such as \"{group}-9\" would exceed 31 \
             characters; shorten the group name to at most 29 characters"
        ),
    );
    assert!(matches!(kind, ProblemKind::NodeNameTooLong { .. }));
    // 29 + "-9" is exactly 31: accepted.
    ok(&with(&format!("compute:\n  - group: {}\n    count: 10\n", "g".repeat(29))));
}

#[test]
fn crash_after_accept_daemons_run_alone_in_their_container() {
    let kind = one(
        &with("compute:\n  - group: crash\n    count: 3\n    per_container: 2\n    behaviour: crash-after-accept\n"),
        "t.yaml:7:20: compute[0].per_container: a crash-after-accept daemon would share its \
         container with 1 other daemon(s), and its crash exits the whole container, taking them \
         down too; set compute[0].per_container to 1 so each crash-after-accept daemon runs \
         alone in its container",
    );
    assert_eq!(kind, ProblemKind::CrashSharesContainer { others: 1 });
    // Alone: one per container, or a group of one however packed; other behaviours may share.
    for group in [
        "{group: c, count: 3, per_container: 1, behaviour: crash-after-accept}",
        "{group: c, count: 1, per_container: 4, behaviour: crash-after-accept}",
        "{group: c, count: 4, per_container: 4, behaviour: late}",
    ] {
        ok(&with(&format!("compute:\n  - {group}\n")));
    }
}

#[test]
fn an_endowment_beyond_genesis_range_is_refused_at_check_time() {
    let all = problems(&with("chain:\n  endowment: 100000000\n"));
    assert_eq!(all.len(), 1, "{all:#?}");
    let text = all[0].to_string();
    assert!(text.contains("t.yaml:5") && text.contains("chain.endowment") && text.contains("18446744"), "{text}");
    ok(&with("chain:\n  endowment: 18446744\n"));
}

#[test]
fn a_group_registered_in_genesis_keeps_the_others_registering_at_start() {
    let t = ok(&with("compute:\n  - {group: early, count: 2, registration: genesis}\n  - {group: late, count: 1}\n"));
    let by_group: Vec<_> = t.compute_nodes().iter().map(|n| (n.name().as_str(), n.registration())).collect();
    assert_eq!(
        by_group,
        [("early-0", Registration::Genesis), ("early-1", Registration::Genesis), ("late-0", Registration::Start)]
    );
}

#[test]
fn genesis_registration_of_verifiers_is_refused() {
    let kind = one(
        &with("compute:\n  - {group: v, role: verifier, registration: genesis}\n"),
        "t.yaml:5:46: compute[0].registration: verifiers are not registered as compute nodes, in genesis or later; \
         remove `registration` from this group, or make it `role: worker`",
    );
    assert_eq!(kind, ProblemKind::GenesisVerifier);
}

#[test]
fn an_unknown_registration_is_refused_with_the_choices() {
    let all = problems(&with("compute:\n  - {group: w, registration: later}\n"));
    let text = all[0].to_string();
    assert!(text.contains("start") && text.contains("genesis"), "{text}");
}

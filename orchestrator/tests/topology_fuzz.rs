//! No input makes the topology parser panic, hang or balloon: random text, YAML-ish token
//! soups, mutations of the shipped files, and alias bombs. Whatever comes back is either a
//! topology that keeps the model's invariants or an error that names the file and renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "yaml_fuzz_support.rs"]
mod yaml_support;

// Wrapped in a module so `cargo test topology` selects these tests by name.
mod topology_fuzz {
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    use super::yaml_support as support;
    use testnet::diagnostics::YamlProblem;
    use testnet::topology::{ProblemKind, Topology, TopologyError};

    const SHIPPED: [&str; 4] = [
        include_str!("../../topologies/local.yaml"),
        include_str!("../../topologies/ci.yaml"),
        include_str!("../../topologies/gpu-fleet.yaml"),
        include_str!("../../topologies/load.yaml"),
    ];

    /// Parses, then checks whichever outcome against what the rest of the system relies on.
    fn check(text: &str) {
        match Topology::parse("f.yaml", text) {
            Ok(t) => invariants(&t),
            Err(err) => support::well_formed(&err, text),
        }
    }

    fn invariants(t: &Topology) {
        let mut names = HashSet::from(["store".to_owned()]);
        for v in t.validators() {
            assert!(names.insert(v.name().to_string()), "duplicate {}", v.name());
        }
        for n in t.compute_nodes() {
            assert!(names.insert(n.name().to_string()), "duplicate {}", n.name());
            let container = &t.compute_containers()[n.container()];
            assert!(container.nodes.contains(n.name()));
            assert!(n.stake_tokens() >= t.market().min_node_stake);
        }
        assert!(!t.validators().is_empty() && !t.requesters().is_empty());
        assert!(t.compute_containers().iter().all(|c| !c.nodes.is_empty()));
        let ms = t.block_time_ms();
        assert!((1000..=6000).contains(&ms) && ms.is_multiple_of(2));
        let committee = t.committee().len() as u32;
        if committee > 0 {
            assert!((1..=committee).contains(&t.market().quorum));
        }
    }

    /// The topology format's own words.
    const KEYS: &[&str] = &[
        "name: ",
        "validators:",
        "count: ",
        "names: ",
        "chain:",
        "market:",
        "quorum: ",
        "compute:",
        "- group: ",
        "gpu:",
        "model: ",
        "vram_mb: ",
        "stake: ",
        "role: ",
        "behaviour: ",
        "committee: ",
        "per_container: ",
        "publish:",
        "rpc_base: ",
        "store:",
        "enabled: ",
        "block_time_ms: ",
        "requesters: ",
        "endowment: ",
        "x",
        "cpu",
        "verifier",
        "offline",
    ];

    crate::never_panics!(check, KEYS, SHIPPED);

    fn assert_refused_quickly(text: &str) -> TopologyError {
        let start = Instant::now();
        let err = Topology::parse("bomb.yaml", text).expect_err("must be refused");
        assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
        well_formed_named(&err);
        err
    }

    fn well_formed_named(err: &TopologyError) {
        for p in err.problems() {
            assert!(p.to_string().starts_with("bomb.yaml"), "{p}");
        }
    }

    /// Ten levels of ten aliases each: 10^10 nodes once expanded.
    fn laughs(define: impl Fn(usize, &str) -> String) -> String {
        (1..10).map(|i| define(i, &vec![format!("*a{}", i - 1); 10].join(", "))).collect()
    }

    #[test]
    fn billion_laughs_is_refused_by_the_budget() {
        // A bomb that fits the schema: each compute group merges ten copies of the previous
        // one, so only the alias budget stands between the parser and 10^9 replayed events.
        let mut text = String::from("name: x\nvalidators: {count: 1}\ncompute:\n  - &a0 {group: a}\n");
        text.push_str(&laughs(|i, refs| format!("  - &a{i} {{<<: [{refs}]}}\n")));
        let err = assert_refused_quickly(&text);
        assert_eq!(err.problems().len(), 1, "{err}");
        let problem = &err.problems()[0];
        assert!(matches!(problem.kind(), ProblemKind::Yaml(YamlProblem::TooComplex { .. })), "{err}");
        assert!(problem.to_string().starts_with("bomb.yaml:"), "{problem}");
        assert!(problem.to_string().contains("the YAML is too complex to accept"), "{problem}");
        assert!(problem.fix().contains("without anchors and aliases"), "{problem}");

        // The classic form under keys the format does not know: refused without expanding.
        let mut text = String::from(
            "name: x\nvalidators: {count: 1}\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
        );
        text.push_str(&laughs(|i, refs| format!("a{i}: &a{i} [{refs}]\n")));
        let err = assert_refused_quickly(&text);
        assert!(matches!(err.problems()[0].kind(), ProblemKind::Yaml(YamlProblem::UnknownField { .. })), "{err}");
        assert!(err.to_string().starts_with("bomb.yaml:3:1:"), "{err}");
    }

    #[test]
    fn deep_nesting_and_long_documents_are_refused_quickly() {
        let deep =
            format!("name: x\nvalidators: {{count: 1}}\ncompute: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = assert_refused_quickly(&deep);
        assert!(
            matches!(
                err.problems()[0].kind(),
                ProblemKind::Yaml(YamlProblem::TooComplex { .. }) | ProblemKind::Yaml(YamlProblem::Syntax { .. })
            ),
            "{err}"
        );

        let many = format!("name: x\nvalidators:\n  names: [{}]\n", vec!["a"; 300_000].join(","));
        let err = assert_refused_quickly(&many);
        assert!(!err.problems().is_empty());
    }
}

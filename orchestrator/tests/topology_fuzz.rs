//! No input makes the topology parser panic, hang or balloon: random text, YAML-ish token
//! soups, mutations of the shipped files, and alias bombs. Whatever comes back is either a
//! topology that keeps the model's invariants or an error that names the file and renders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Wrapped in a module so `cargo test topology` selects these tests by name.
mod topology_fuzz {
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    use miette::{GraphicalReportHandler, GraphicalTheme};
    use proptest::prelude::*;
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
            Err(err) => well_formed(&err, text),
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

    fn well_formed(err: &TopologyError, text: &str) {
        assert!(!err.problems().is_empty());
        // YAML breaks lines at CR, LF and CRLF alike.
        let lines = text.replace("\r\n", "\n").matches(['\r', '\n']).count() as u64 + 1;
        for p in err.problems() {
            assert_eq!(p.file(), "f.yaml");
            assert!(p.to_string().starts_with("f.yaml"));
            assert!(!p.fix().is_empty());
            if let Some(at) = p.position() {
                assert!((1..=lines).contains(&at.line), "{p} is past the end");
            }
        }
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, err)
            .expect("every span lies within the source");
    }

    /// Pieces of topology-shaped YAML, valid and broken.
    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
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
            "0",
            "1",
            "2",
            "-1",
            "65535",
            "99999999999999999999",
            "1e9",
            ".nan",
            "true",
            "~",
            "null",
            "\"",
            "'",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "- ",
            "&a ",
            "*a",
            "<<: *a",
            "!!str ",
            "!custom ",
            "---",
            "...",
            "|",
            ">",
            "#",
            "\n",
            "\n  ",
            "\n    ",
            "\t",
            " ",
            "\u{feff}",
            "é",
        ])
    }

    fn mutate(text: &str, edits: &[(usize, usize, &'static str)]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for &(at, len, insert) in edits {
            let at = at % (chars.len() + 1);
            let end = (at + len % 8).min(chars.len());
            chars.splice(at..end, insert.chars());
        }
        chars.into_iter().collect()
    }

    proptest! {
        // No regression files: a failure prints its minimal input, which becomes a unit test.
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_text_never_panics(text in ".{0,400}") {
            check(&text);
        }

        #[test]
        fn token_soups_never_panic(tokens in prop::collection::vec(token(), 0..80)) {
            check(&tokens.concat());
        }

        #[test]
        fn mutated_shipped_files_never_panic(
            file in 0..SHIPPED.len(),
            edits in prop::collection::vec((any::<usize>(), any::<usize>(), token()), 1..6),
        ) {
            check(&mutate(SHIPPED[file], &edits));
        }
    }

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

//! The `engine:` section, `placement`s, and the quorum of a fleet without a committee: what a
//! topology may ask of the engine it runs on, with the exact message a user reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod topology_engine {
    use testnet::provider::{EngineChoice, Placement};
    use testnet::topology::{ProblemKind, Topology};

    const HEAD: &str = "name: x\nvalidators:\n  count: 3\n";

    fn one(rest: &str, expected: &str) -> ProblemKind {
        let text = format!("{HEAD}{rest}");
        let problems = match Topology::parse("t.yaml", &text) {
            Ok(_) => panic!("expected a rejection of:\n{text}"),
            Err(e) => e.problems().to_vec(),
        };
        assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
        assert_eq!(problems[0].to_string(), expected);
        problems[0].kind().clone()
    }

    fn valid(rest: &str) -> Topology {
        Topology::parse("t.yaml", &format!("{HEAD}{rest}")).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn without_an_engine_section_the_local_engine_runs_it() {
        assert_eq!(*valid("").engine(), EngineChoice::Local);
        assert_eq!(*valid("engine: {kind: local}\n").engine(), EngineChoice::Local);
    }

    #[test]
    fn a_swarm_takes_its_manager_from_the_file_or_the_environment() {
        assert_eq!(*valid("engine: {kind: swarm}\n").engine(), EngineChoice::Swarm { manager: None });
        let t = valid("engine: {kind: swarm, manager: 'tcp://10.0.0.1:2375'}\n");
        assert_eq!(*t.engine(), EngineChoice::Swarm { manager: Some("tcp://10.0.0.1:2375".into()) });
    }

    #[test]
    fn an_unknown_engine_is_refused() {
        let kind = one(
            "engine: {kind: kubernetes}\n",
            "t.yaml:4:16: engine.kind: engine \"kubernetes\" is not one this tool drives; set engine.kind to `local` or `swarm`",
        );
        assert_eq!(kind, ProblemKind::UnknownEngine { written: "kubernetes".into() });
    }

    #[test]
    fn a_manager_needs_a_swarm_and_an_endpoint() {
        one(
            "engine: {kind: local, manager: 'unix:///run/docker.sock'}\n",
            "t.yaml:4:32: engine.manager: a manager endpoint only means something for a swarm; remove engine.manager, or set engine.kind: swarm",
        );
        let kind = one(
            "engine: {kind: swarm, manager: lab-node-1}\n",
            "t.yaml:4:32: engine.manager: \"lab-node-1\" is not an engine endpoint; give the manager's engine endpoint, e.g. `unix:///run/docker.sock` or `tcp://10.0.0.1:2375`, or omit it to use $CR_SWARM_MANAGER",
        );
        assert_eq!(kind, ProblemKind::BadManager { written: "lab-node-1".into() });
    }

    #[test]
    fn placements_are_read_for_validators_groups_and_the_store() {
        let t = valid(
            "  placement: node:lab-node-2\nengine: {kind: swarm}\nstore: {placement: 'label:disk=ssd'}\n\
             compute:\n  - {group: gpu, count: 2, placement: spread}\n  - {group: cpu, count: 1, placement: node:big}\n",
        );
        assert_eq!(*t.validator_placement(), Placement::Node("lab-node-2".into()));
        assert_eq!(*t.store_placement(), Placement::Label { key: "disk".into(), value: "ssd".into() });
        let groups: Vec<_> = t.compute_containers().iter().map(|c| t.group_placement(&c.group).clone()).collect();
        assert_eq!(groups, [Placement::Spread, Placement::Spread, Placement::Node("big".into())]);
    }

    #[test]
    fn a_network_capacity_bounds_the_segments_and_must_leave_room_for_compute() {
        assert_eq!(valid("").network_capacity(), None);
        let t = valid("engine: {kind: local, network_capacity: 5}\ncompute:\n  - {group: cpu, count: 3}\n");
        assert_eq!(t.network_capacity(), Some(5));
        let segments = testnet::network::Segments::for_topology(&t, 1000).expect("room");
        assert_eq!(segments.count(), 3, "3 validators and the store leave one place per network");
        assert_eq!((0..3).map(|i| segments.of_compute(i)).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(
            testnet::network::Segments::for_topology(&t, 4).map(|s| s.count()).ok(),
            None,
            "engine's bound wins"
        );
        let kind = one(
            "engine: {kind: local, network_capacity: 4}\n",
            "t.yaml:4:41: engine.network_capacity: a network of 4 containers has no room for compute beside the 4 validators and store on every network; set engine.network_capacity to more than 4, or remove it to use what the engine holds",
        );
        assert_eq!(kind, ProblemKind::NetworkTooSmall { written: 4, shared: 4 });
    }

    #[test]
    fn a_misspelt_placement_is_refused_with_the_three_spellings() {
        let kind = one(
            "engine: {kind: swarm}\ncompute:\n  - {group: gpu, placement: 'host=lab-node-1'}\n",
            "t.yaml:6:29: compute[0].placement: \"host=lab-node-1\" is not a placement; set compute[0].placement to `spread`, `node:<host name>` (as `docker node ls` shows it) or `label:<key>=<value>` (a node label)",
        );
        assert_eq!(kind, ProblemKind::BadPlacement { written: "host=lab-node-1".into() });
    }

    #[test]
    fn pinning_to_a_host_on_the_local_engine_is_refused() {
        let kind = one(
            "compute:\n  - {group: gpu, placement: 'node:lab-node-1'}\n",
            "t.yaml:5:29: compute[0].placement: placing on a host needs an engine of several hosts, and this topology runs on the local one; remove compute[0].placement, or add `engine: {kind: swarm}`",
        );
        assert_eq!(kind, ProblemKind::PlacementNeedsSwarm);
        // Spread means nothing to one engine, so it is fine there.
        valid("compute:\n  - {group: gpu, placement: spread}\n");
    }

    #[test]
    fn moving_a_pinned_topology_to_the_local_engine_is_refused() {
        let t = valid("engine: {kind: swarm}\ncompute:\n  - {group: gpu, placement: 'node:lab-node-1'}\n");
        let error = t.clone().on_engine(EngineChoice::Local).err().unwrap_or_default();
        assert!(error.contains("places parts on hosts"), "{error}");
        let spread = valid("compute:\n  - {group: gpu}\n");
        let moved = spread.on_engine(EngineChoice::Swarm { manager: None }).unwrap();
        assert_eq!(*moved.engine(), EngineChoice::Swarm { manager: None });
    }

    #[test]
    fn a_fleet_without_a_committee_gets_quorum_0_as_the_chain_requires() {
        // The chain refuses any other quorum at genesis when nobody is on the committee.
        assert_eq!(valid("compute:\n  - {group: cpu}\n").market().quorum, 0);
        let kind = one(
            "chain:\n  market: {quorum: 1}\ncompute:\n  - {group: cpu}\n",
            "t.yaml:5:20: chain.market.quorum: quorum 1 can never be reached: no compute node is on the committee; remove quorum (it is 0 without a committee), or put nodes on the committee (role: verifier, or committee: true)",
        );
        assert_eq!(kind, ProblemKind::QuorumWithoutCommittee { quorum: 1 });
    }
}

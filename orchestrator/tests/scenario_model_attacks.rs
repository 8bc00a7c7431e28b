//! The parts of the scenario format that describe attacks: floods of unmatchable jobs,
//! submissions the chain must refuse (`outcome: refused` with `error`), calls it must refuse
//! (`refusals`). Each checked before anything starts, with file:line and a fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scenario_model_support.rs"]
mod support;

mod scenario_model_attacks {
    use testnet::scenario::model::{Outcome, ProblemKind, Scenario};

    use super::support::{expecting, fixtures, one, problems, HEAD, JOB};

    fn parse(text: &str) -> Scenario {
        let dir = fixtures();
        Scenario::parse("s.yaml", text, dir.path()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_refused_submission_is_expected_with_the_chains_error() {
        let s = parse(&expecting("outcome: refused, error: ExecutionWindowTooShort"));
        let e = &s.expectations().jobs()[0];
        assert_eq!(e.outcome(), Outcome::Refused);
        assert_eq!(e.error(), Some("ExecutionWindowTooShort"));
    }

    #[test]
    fn an_error_the_pallet_does_not_have_is_refused_with_the_list() {
        let kind = problems(&expecting("outcome: refused, error: WindowTooShort"))[0].kind().clone();
        let ProblemKind::UnknownChainError { name, known } = kind else { panic!("{kind:?}") };
        assert_eq!(name, "WindowTooShort");
        assert!(known.iter().any(|k| k == "ExecutionWindowTooShort"), "{known:?}");
        assert!(known.iter().any(|k| k == "PartyToDispute"), "{known:?}");
    }

    #[test]
    fn error_without_refused_outcome_says_what_to_change() {
        one(
            &expecting("outcome: completed, error: TooManyTimers"),
            "s.yaml:7:43: expect.jobs[0].error: `error` names the refusal of a submission, but the \
             expected outcome is completed; remove expect.jobs[0].error, or expect outcome: refused",
        );
    }

    #[test]
    fn refusals_name_known_errors() {
        let s = parse(&expecting("outcome: completed, refusals: [PartyToDispute, StakeExhausted]"));
        assert_eq!(s.expectations().jobs()[0].refusals(), ["PartyToDispute", "StakeExhausted"]);
        let all = problems(&expecting("outcome: completed, refusals: [SelfVote]"));
        assert!(all[0].to_string().contains("expect.jobs[0].refusals[0]: the marketplace has no error \"SelfVote\""));
    }

    #[test]
    fn a_flood_is_validated_like_every_other_field() {
        let ok = parse(&format!(
            "{HEAD}{JOB}floods:\n  - {{name: spam, count: 300, at_block: 1, expire_at_block: 8, requester: bob, expect_refused: TooManyTimers}}\n"
        ));
        let f = &ok.floods()[0];
        assert_eq!((f.count(), f.at_block(), f.expire_at_block()), (300, 1, 8));
        assert_eq!((f.requester().as_str(), f.expect_refused()), ("bob", Some("TooManyTimers")));

        one(
            &format!(
                "{HEAD}{JOB}floods:\n  - {{name: spam, count: 3, at_block: 5, expire_at_block: 6, requester: bob}}\n"
            ),
            "s.yaml:6:58: floods[0].expire_at_block: the flood is submitted at block 5, so its jobs \
             cannot expire at block 6; set floods[0].expire_at_block to 7 or later",
        );
        // The job `a` is submitted by the first requester, alice: a flood from alice could not be
        // told apart from it.
        let all = problems(&format!(
            "{HEAD}{JOB}floods:\n  - {{name: spam, count: 3, expire_at_block: 6, requester: alice}}\n"
        ));
        assert!(matches!(all[0].kind(), ProblemKind::FloodRequesterShared { .. }), "{all:?}");
        let all = problems(&format!("{HEAD}{JOB}floods:\n  - {{name: spam, count: 0, expire_at_block: 6}}\n"));
        assert!(all.iter().any(|p| p.to_string().contains("floods[0].count")), "{all:?}");
    }
}

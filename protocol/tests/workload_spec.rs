//! The task-spec document: every way to get it wrong, and the canonical form.

use cr_protocol::workload::{SpecError, Workload, WorkloadSpec, MAX_SPEC_BYTES};
use proptest::prelude::*;

fn parse(text: &str) -> Result<WorkloadSpec, SpecError> {
    WorkloadSpec::parse(text.as_bytes())
}

fn message(result: Result<WorkloadSpec, SpecError>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn parses_the_documented_example() -> Result<(), SpecError> {
    let spec = parse(r#"{"workload": "hash-chain", "size": 100000, "seed": 7}"#)?;
    assert_eq!((spec.workload(), spec.size(), spec.seed()), (Workload::HashChain, 100_000, 7));
    // Field order and whitespace do not matter; the canonical form is fixed.
    let shuffled = parse("\n{ \"seed\":7,\"size\" : 100000,\n\"workload\":\"hash-chain\" }\n")?;
    assert_eq!(shuffled, spec);
    assert_eq!(spec.to_bytes(), br#"{"workload":"hash-chain","size":100000,"seed":7}"#);
    assert_eq!(spec.canonical_hash(), cr_protocol::hash::Hash32::of(&spec.to_bytes()));
    Ok(())
}

#[test]
fn canonical_bytes_round_trip() -> Result<(), SpecError> {
    for workload in Workload::ALL {
        for (size, seed) in [(1, 0), (workload.max_size(), u64::MAX)] {
            let spec = WorkloadSpec::new(workload, size, seed)?;
            assert_eq!(WorkloadSpec::parse(&spec.to_bytes())?, spec);
        }
    }
    Ok(())
}

#[test]
fn too_long() {
    let padded = format!("{}{}", r#"{"workload":"matmul","size":2,"seed":1}"#, " ".repeat(MAX_SPEC_BYTES));
    assert!(matches!(parse(&padded), Err(SpecError::TooLong { max: MAX_SPEC_BYTES, .. })));
}

#[test]
fn not_utf8() {
    let result = WorkloadSpec::parse(b"{\"workload\": \"\xff\"}");
    assert_eq!(result, Err(SpecError::NotUtf8 { valid_up_to: 14 }));
    assert!(message(result).contains("not UTF-8"));
}

#[test]
fn not_json() {
    for text in ["", "{", "workload=matmul", r#"{"workload":"matmul","size":2,"seed":1} trailing"#] {
        let result = parse(text);
        assert!(matches!(result, Err(SpecError::Json { .. })), "{text:?}: {result:?}");
    }
    let Err(SpecError::Json { line, column, .. }) = parse("{\n  \"size\": ]") else {
        panic!("expected a JSON error");
    };
    assert_eq!((line, column), (2, 11));
}

#[test]
fn not_an_object() {
    assert_eq!(parse("[1, 2]"), Err(SpecError::NotAnObject { found: "an array" }));
    assert_eq!(parse("\"matmul\""), Err(SpecError::NotAnObject { found: "a string" }));
    assert_eq!(parse("null"), Err(SpecError::NotAnObject { found: "null" }));
}

#[test]
fn unknown_field() {
    let result = parse(r#"{"workload":"matmul","size":2,"seed":1,"gpu":true}"#);
    assert_eq!(result, Err(SpecError::UnknownField { field: "gpu".into() }));
    assert!(message(result).contains("workload, size, seed"));
    // A typo is reported as the unknown field, not as the missing one.
    let typo = parse(r#"{"workload":"matmul","sise":2,"seed":1}"#);
    assert_eq!(typo, Err(SpecError::UnknownField { field: "sise".into() }));
}

#[test]
fn missing_field() {
    assert_eq!(parse(r#"{"size":2,"seed":1}"#), Err(SpecError::MissingField { field: "workload" }));
    assert_eq!(parse(r#"{"workload":"matmul","seed":1}"#), Err(SpecError::MissingField { field: "size" }));
    assert_eq!(parse(r#"{"workload":"matmul","size":1}"#), Err(SpecError::MissingField { field: "seed" }));
}

#[test]
fn wrong_types() {
    let cases = [
        (r#"{"workload":3,"size":2,"seed":1}"#, "workload", "a number"),
        (r#"{"workload":"matmul","size":"2","seed":1}"#, "size", "a string"),
        (r#"{"workload":"matmul","size":-2,"seed":1}"#, "size", "a negative integer"),
        (
            r#"{"workload":"matmul","size":2.5,"seed":1}"#,
            "size",
            "a fractional, exponent-notation or out-of-range number",
        ),
        (
            r#"{"workload":"matmul","size":2,"seed":1e3}"#,
            "seed",
            "a fractional, exponent-notation or out-of-range number",
        ),
        (
            r#"{"workload":"matmul","size":2,"seed":18446744073709551616}"#,
            "seed",
            "a fractional, exponent-notation or out-of-range number",
        ),
        (r#"{"workload":"matmul","size":2,"seed":null}"#, "seed", "null"),
    ];
    for (text, field, found) in cases {
        match parse(text) {
            Err(SpecError::WrongType { field: f, found: got, .. }) => assert_eq!((f, got), (field, found), "{text}"),
            other => panic!("{text}: expected WrongType, got {other:?}"),
        }
    }
}

#[test]
fn unknown_workload() {
    let result = parse(r#"{"workload":"HashChain","size":2,"seed":1}"#);
    assert_eq!(result, Err(SpecError::UnknownWorkload { found: "HashChain".into() }));
    assert!(message(result).contains("hash-chain, matmul, fine-tune"));
}

#[test]
fn zero_size() {
    let result = parse(r#"{"workload":"fine-tune","size":0,"seed":1}"#);
    assert_eq!(result, Err(SpecError::ZeroSize { workload: Workload::FineTune }));
    assert!(message(result).contains("between 1 and 1000000"));
}

#[test]
fn size_above_limit() {
    let result = parse(r#"{"workload":"matmul","size":513,"seed":1}"#);
    assert_eq!(result, Err(SpecError::SizeTooLarge { workload: Workload::Matmul, size: 513, max: 512 }));
    assert!(message(result).contains("n of the n x n matrices"));
    for workload in Workload::ALL {
        assert!(WorkloadSpec::new(workload, workload.max_size(), 0).is_ok());
        assert!(WorkloadSpec::new(workload, workload.max_size() + 1, 0).is_err());
    }
}

#[test]
fn serde_validates_embedded_specs() -> Result<(), serde_json::Error> {
    let spec: WorkloadSpec = serde_json::from_str(r#"{"workload":"matmul","size":4,"seed":9}"#)?;
    assert_eq!(serde_json::to_string(&spec)?, r#"{"workload":"matmul","size":4,"seed":9}"#);
    for bad in [
        r#"{"workload":"matmul","size":4,"seed":9,"extra":1}"#,
        r#"{"workload":"nope","size":4,"seed":9}"#,
        r#"{"workload":"matmul","size":0,"seed":9}"#,
        r#"{"workload":"matmul","size":4096,"seed":9}"#,
    ] {
        assert!(serde_json::from_str::<WorkloadSpec>(bad).is_err(), "{bad}");
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = WorkloadSpec::parse(&bytes);
    }

    #[test]
    fn parse_never_panics_on_json_like_text(text in r#"\{("(workload|size|seed|x)": ?("[a-z-]{0,12}"|-?[0-9]{1,22}(\.[0-9])?|null|\[\]),? ?){0,4}\}"#) {
        let _ = parse(&text);
    }
}

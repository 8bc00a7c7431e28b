//! Blake2-256 known answers and the `Hash32` text forms.

use blake2::digest::Digest;
use cr_protocol::hash::{blake2_256, Blake2Hasher, Hash32, ParseHashError};

const EMPTY: &str = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
const ABC: &str = "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";

#[test]
fn known_answers() {
    assert_eq!(hex::encode(blake2_256(b"")), EMPTY);
    assert_eq!(hex::encode(blake2_256(b"abc")), ABC);
    assert_eq!(Hash32::of(b"abc").to_string(), ABC);
}

#[test]
fn is_not_truncated_blake2b_512_nor_blake2s() {
    let truncated = blake2::Blake2b512::digest(b"abc");
    assert_ne!(&truncated[..32], &blake2_256(b"abc")[..]);
    let blake2s = blake2::Blake2s256::digest(b"abc");
    assert_ne!(&blake2s[..], &blake2_256(b"abc")[..]);
}

#[test]
fn streaming_matches_one_shot() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut hasher = Blake2Hasher::new();
    for piece in data.chunks(777) {
        hasher.update(piece);
    }
    assert_eq!(hasher.finalize(), Hash32::of(&data));
    assert_eq!(Blake2Hasher::new().finalize().to_hex(), EMPTY);
}

#[test]
fn parses_plain_prefixed_and_uppercase_hex() -> Result<(), ParseHashError> {
    let expected = Hash32::of(b"abc");
    assert_eq!(ABC.parse::<Hash32>()?, expected);
    assert_eq!(format!("0x{ABC}").parse::<Hash32>()?, expected);
    assert_eq!(format!("0X{}", ABC.to_uppercase()).parse::<Hash32>()?, expected);
    assert_eq!(expected.to_prefixed_hex(), format!("0x{ABC}"));
    assert_eq!(format!("{expected:?}"), format!("Hash32(0x{ABC})"));
    Ok(())
}

#[test]
fn refuses_malformed_hex() {
    assert_eq!("".parse::<Hash32>(), Err(ParseHashError::WrongLength { found: 0 }));
    assert_eq!(ABC[..63].parse::<Hash32>(), Err(ParseHashError::WrongLength { found: 63 }));
    assert_eq!(format!("{ABC}00").parse::<Hash32>(), Err(ParseHashError::WrongLength { found: 66 }));
    let with_g = format!("g{}", &ABC[1..]);
    assert_eq!(with_g.parse::<Hash32>(), Err(ParseHashError::NotHex { position: 0, found: 'g' }));
    let non_ascii = format!("{}é", &ABC[..63]);
    assert_eq!(non_ascii.parse::<Hash32>(), Err(ParseHashError::NotHex { position: 63, found: 'é' }));
    assert!("0x".parse::<Hash32>().is_err());
    let message = "xyz".parse::<Hash32>().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("64 hex digits"), "{message}");
}

#[test]
fn serde_uses_prefixed_hex() -> Result<(), serde_json::Error> {
    let hash = Hash32::of(b"");
    let json = serde_json::to_string(&hash)?;
    assert_eq!(json, format!("\"0x{EMPTY}\""));
    assert_eq!(serde_json::from_str::<Hash32>(&json)?, hash);
    assert_eq!(serde_json::from_str::<Hash32>(&format!("\"{EMPTY}\""))?, hash);
    assert!(serde_json::from_str::<Hash32>("\"0x12\"").is_err());
    Ok(())
}

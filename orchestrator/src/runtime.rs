//! Runtime wasm files: a runtime to start a testnet on (`chain.runtime` in a topology) and the
//! runtime an `upgrade` fault installs. Read and checked before anything starts: that the file
//! is a Substrate runtime at all, its `spec_name` and `spec_version` (from the
//! `runtime_version` section every FRAME runtime carries), and its Blake2-256.

use cr_protocol::chain::Layout;
use parity_scale_codec::Decode;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Prefix of a compressed runtime blob (`sp-maybe-compressed-blob`), then a zstd frame.
const ZSTD_PREFIX: [u8; 8] = [82, 188, 83, 118, 70, 219, 142, 5];
/// Largest runtime accepted once decompressed; the node's own limit is 50 MiB as well.
const MAX_CODE_BYTES: u64 = 50 * 1024 * 1024;

/// A runtime read from a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its `spec_name`.
    pub spec_name: String,
    /// Its `spec_version`.
    pub spec_version: u32,
    /// Blake2-256 of the file, hex.
    pub blake2_256: String,
    /// The storage layout it writes.
    #[serde(skip)]
    pub layout: Layout,
    /// The file's bytes, as `set_code` and a chain spec take them.
    #[serde(skip)]
    pub code: Arc<[u8]>,
}

/// Why a file is not a runtime this tool can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeFileError {
    /// It could not be read.
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    /// It is not wasm (compressed or not).
    #[error("{path} is not a runtime: {reason}")]
    NotRuntime { path: String, reason: String },
    /// It is another chain's runtime.
    #[error("{path} is the runtime of {found:?}, not of this chain ({expected:?})")]
    OtherChain { path: String, found: String, expected: String },
    /// A runtime whose storage this build cannot read.
    #[error(
        "{path} is spec {spec}; this build reads the marketplace storage of spec 100 and specs 101 to {built} only"
    )]
    UnreadableSpec { path: String, spec: u32, built: u32 },
}

impl RuntimeFile {
    /// Read `path` and check that it is a runtime of this chain.
    pub fn read(path: &Path) -> Result<Self, RuntimeFileError> {
        let shown = path.display().to_string();
        let file =
            std::fs::read(path).map_err(|e| RuntimeFileError::Read { path: shown.clone(), reason: e.to_string() })?;
        let not_runtime = |reason: String| RuntimeFileError::NotRuntime { path: shown.clone(), reason };
        let wasm = decompress(&file).map_err(not_runtime)?;
        let section = custom_section(&wasm, "runtime_version").map_err(not_runtime)?;
        let (spec_name, _impl_name, _authoring, spec_version) = <(String, String, u32, u32)>::decode(&mut &section[..])
            .map_err(|e| not_runtime(format!("its runtime_version section does not decode ({e})")))?;
        // `set_code` refuses a runtime with another `spec_name` than the chain's.
        let expected = &cr_protocol::chain::built_runtime().0;
        if spec_name != *expected {
            return Err(RuntimeFileError::OtherChain { path: shown, found: spec_name, expected: expected.clone() });
        }
        let Some(layout) = Layout::for_spec(spec_version) else {
            let built = cr_protocol::chain::built_spec_version();
            return Err(RuntimeFileError::UnreadableSpec { path: shown, spec: spec_version, built });
        };
        Ok(Self {
            layout,
            path: path.to_owned(),
            spec_name,
            spec_version,
            blake2_256: hex::encode(cr_protocol::hash::blake2_256(&file)),
            code: file.into(),
        })
    }
}

fn decompress(file: &[u8]) -> Result<Vec<u8>, String> {
    let Some(frame) = file.strip_prefix(&ZSTD_PREFIX[..]) else { return Ok(file.to_vec()) };
    let decoder = ruzstd::decoding::StreamingDecoder::new(frame).map_err(|e| format!("bad zstd frame ({e})"))?;
    let mut wasm = Vec::new();
    decoder.take(MAX_CODE_BYTES + 1).read_to_end(&mut wasm).map_err(|e| format!("bad zstd frame ({e})"))?;
    if wasm.len() as u64 > MAX_CODE_BYTES {
        return Err(format!("it decompresses to more than {MAX_CODE_BYTES} bytes"));
    }
    Ok(wasm)
}

/// The payload of the custom section `name` of a wasm module.
fn custom_section<'a>(wasm: &'a [u8], name: &str) -> Result<&'a [u8], String> {
    let Some(mut rest) = wasm.strip_prefix(b"\0asm\x01\0\0\0") else {
        return Err("it does not start like a wasm module (or a compressed runtime)".into());
    };
    while !rest.is_empty() {
        let id = rest[0];
        rest = &rest[1..];
        let size = leb128(&mut rest).ok_or("a wasm section header is cut short")?;
        let body = rest.get(..size).ok_or("a wasm section is cut short")?;
        rest = &rest[size..];
        if id == 0 {
            let mut body = body;
            let len = leb128(&mut body).ok_or("a custom section name is cut short")?;
            let section_name = body.get(..len).ok_or("a custom section name is cut short")?;
            if section_name == name.as_bytes() {
                return Ok(&body[len..]);
            }
        }
    }
    Err(format!("it has no {name} section (every FRAME runtime has one)"))
}

/// An unsigned LEB128 number, as wasm writes sizes.
fn leb128(bytes: &mut &[u8]) -> Option<usize> {
    let mut value: usize = 0;
    for shift in (0..35).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    const SPEC_NAME: &str = "compute-marketplace";

    fn module(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in sections {
            wasm.push(*id);
            assert!(body.len() < 128);
            wasm.push(body.len() as u8);
            wasm.extend(body);
        }
        wasm
    }

    fn version_section(spec_name: &str, spec_version: u32) -> Vec<u8> {
        let mut body = vec![15];
        body.extend(b"runtime_version");
        body.extend((spec_name.to_owned(), "node".to_owned(), 1u32, spec_version, 1u32).encode());
        body
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), bytes).expect("write");
        file
    }

    #[test]
    fn reads_spec_name_and_version_after_other_sections() {
        let built = cr_protocol::chain::built_spec_version();
        let f = write(&module(&[(1, vec![0]), (0, version_section(SPEC_NAME, built))]));
        let runtime = RuntimeFile::read(f.path()).expect("a runtime");
        assert_eq!((runtime.spec_name.as_str(), runtime.spec_version), (SPEC_NAME, built));
        assert_eq!(runtime.layout, Layout::V1);
    }

    #[test]
    fn the_kept_spec_100_runtime_is_v0() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../chain/runtimes/compute-runtime-spec100.compact.compressed.wasm");
        let runtime = RuntimeFile::read(&path).expect("the kept runtime reads");
        assert_eq!(runtime.spec_version, 100);
        assert_eq!(runtime.layout, Layout::V0);
        assert!(runtime.blake2_256.starts_with("d3898b6f"), "{}", runtime.blake2_256);
    }

    #[test]
    fn a_file_that_is_not_wasm_is_refused() {
        let f = write(b"#!/bin/sh\necho hi\n");
        let err = RuntimeFile::read(f.path()).expect_err("not wasm");
        assert!(err.to_string().contains("does not start like a wasm module"), "{err}");
    }

    #[test]
    fn wasm_without_a_version_is_refused() {
        let f = write(&module(&[(1, vec![0])]));
        let err = RuntimeFile::read(f.path()).expect_err("no version");
        assert!(err.to_string().contains("no runtime_version section"), "{err}");
    }

    #[test]
    fn another_chain_s_runtime_is_refused() {
        let f = write(&module(&[(0, version_section("polkadot", 1_000_000))]));
        assert!(matches!(RuntimeFile::read(f.path()), Err(RuntimeFileError::OtherChain { .. })));
    }

    #[test]
    fn a_runtime_whose_storage_this_build_cannot_read_is_refused() {
        let f = write(&module(&[(0, version_section(SPEC_NAME, 99))]));
        let err = RuntimeFile::read(f.path()).expect_err("spec 99");
        assert!(matches!(err, RuntimeFileError::UnreadableSpec { spec: 99, .. }), "{err}");
    }

    #[test]
    fn a_corrupt_compressed_blob_is_refused() {
        let mut bytes = ZSTD_PREFIX.to_vec();
        bytes.extend([0xde, 0xad, 0xbe, 0xef]);
        let err = RuntimeFile::read(write(&bytes).path()).expect_err("bad zstd");
        assert!(err.to_string().contains("zstd"), "{err}");
    }
}

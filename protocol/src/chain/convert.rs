//! Conversions from plain values to the generated chain types.

use super::{market, ChainError};

/// Longest URI the runtime stores (`MaxUriLen`).
pub const MAX_URI_LEN: usize = 256;
/// Longest GPU model name (`MaxGpuModelLen`).
pub const MAX_GPU_MODEL_LEN: usize = 32;

fn bounded(what: &'static str, bytes: &[u8], max: usize) -> Result<market_bounded::Bytes<u8>, ChainError> {
    if bytes.len() > max {
        return Err(ChainError::TooLong { what, len: bytes.len(), max });
    }
    Ok(market_bounded::Bytes(bytes.to_vec()))
}

mod market_bounded {
    pub use super::super::api::runtime_types::bounded_collections::bounded_vec::BoundedVec as Bytes;
}

/// A spec URI in the chain's bounded form.
pub fn uri(s: &str) -> Result<market_bounded::Bytes<u8>, ChainError> {
    bounded("a URI", s.as_bytes(), MAX_URI_LEN)
}

/// A result URI in the chain's bounded form.
pub fn result_uri(s: &str) -> Result<market_bounded::Bytes<u8>, ChainError> {
    uri(s)
}

/// Declared capabilities.
pub fn capabilities(
    cpu_cores: u32,
    memory_mb: u32,
    gpu: Option<(u32, &str, u32)>,
) -> Result<market::Capabilities, ChainError> {
    let gpu = match gpu {
        None => None,
        Some((count, model, vram_mb)) => {
            Some(market::Gpu { count, model: bounded("a GPU model", model.as_bytes(), MAX_GPU_MODEL_LEN)?, vram_mb })
        }
    };
    Ok(market::Capabilities { cpu_cores, memory_mb, gpu })
}

/// Job requirements.
pub fn requirements(
    cpu_cores: u32,
    memory_mb: u32,
    gpu_count: u32,
    gpu_vram_mb: u32,
    gpu_model: Option<&str>,
) -> Result<market::Requirements, ChainError> {
    let gpu_model = match gpu_model {
        None => None,
        Some(m) => Some(bounded("a GPU model", m.as_bytes(), MAX_GPU_MODEL_LEN)?),
    };
    Ok(market::Requirements { cpu_cores, memory_mb, gpu_count, gpu_vram_mb, gpu_model })
}

//! Provenance: download a job's result, hash it, compare with the hash the node posted on
//! chain. Shared by `cr-compute verify JOB` (inside a testnet) and `testnet verify JOB` (from
//! the host, through the store's published port).

use crate::chain::{market, Chain, Finality, JobStatus};
use crate::hash::blake2_256;
use crate::store_client::{BlobUri, StoreClient, StoreError};
use serde::Serialize;

/// The outcome of a provenance check.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The job checked.
    pub job_id: u64,
    /// Lifecycle state, e.g. `Completed`.
    pub status: String,
    /// Result URI as posted on chain.
    pub uri: String,
    /// Blake2-256 posted on chain.
    pub onchain_hash: String,
    /// Blake2-256 of the bytes downloaded.
    pub downloaded_hash: String,
    /// Bytes downloaded.
    pub bytes: usize,
    /// Whether the two hashes are equal.
    pub matches: bool,
}

/// Why a job cannot be verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    #[error("job {0} does not exist on this chain")]
    NoJob(u64),
    #[error("job {job_id} has no result to verify (it is {status}); results exist once a node posted one")]
    NoResult { job_id: u64, status: String },
    #[error("the result URI on chain is not an artifact-store URI: {0}")]
    BadUri(String),
    #[error("cannot download the result: {0}")]
    Download(String),
}

/// Every lifecycle state, in lifecycle order (the names [`status_name`] returns).
pub const JOB_STATUSES: [&str; 8] =
    ["Open", "Assigned", "Submitted", "Disputed", "Completed", "Refunded", "Cancelled", "Expired"];

/// The name of a job's lifecycle state, e.g. `Completed`.
pub fn status_name(status: &JobStatus) -> &'static str {
    match status {
        JobStatus::Open { .. } => "Open",
        JobStatus::Assigned { .. } => "Assigned",
        JobStatus::Submitted { .. } => "Submitted",
        JobStatus::Disputed { .. } => "Disputed",
        JobStatus::Completed { .. } => "Completed",
        JobStatus::Refunded { .. } => "Refunded",
        JobStatus::Cancelled => "Cancelled",
        JobStatus::Expired => "Expired",
    }
}

fn posted_result(status: &JobStatus) -> Option<&market::JobResult> {
    match status {
        JobStatus::Submitted { result, .. }
        | JobStatus::Disputed { result, .. }
        | JobStatus::Completed { result, .. } => Some(result),
        _ => None,
    }
}

/// Check job `job_id` against the chain at `rpc`. `store_authority` replaces the URI's
/// `host:port` when the store is reached from outside the testnet network (a published port).
pub async fn verify_job(chain: &Chain, job_id: u64, store_authority: Option<&str>) -> Result<Verdict, VerifyError> {
    let job = chain.job(job_id, Finality::Finalized).await?.ok_or(VerifyError::NoJob(job_id))?;
    let status = status_name(&job.status).to_owned();
    let result = posted_result(&job.status).ok_or_else(|| VerifyError::NoResult { job_id, status: status.clone() })?;
    let uri_text = String::from_utf8_lossy(&result.uri.0).into_owned();
    let uri: BlobUri = uri_text.parse().map_err(|_| VerifyError::BadUri(uri_text.clone()))?;
    let client = StoreClient::new(&format!("http://{}", store_authority.unwrap_or(uri.authority())))
        .map_err(|e| VerifyError::Download(e.to_string()))?;
    let (downloaded, bytes) = match client.get_uri(&uri, store_authority).await {
        Ok(bytes) => (blake2_256(&bytes), bytes.len()),
        // The store served bytes that are not what the URI names: that is a verdict, not a failure.
        Err(StoreError::HashMismatch { actual, len, .. }) => (*actual.as_bytes(), len),
        Err(e) => return Err(VerifyError::Download(e.to_string())),
    };
    Ok(Verdict {
        job_id,
        status,
        uri: uri_text,
        onchain_hash: hex::encode(result.output_hash.0),
        downloaded_hash: hex::encode(downloaded),
        bytes,
        matches: downloaded == result.output_hash.0,
    })
}

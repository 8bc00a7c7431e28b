//! Provenance: download a job's result, hash it, compare with the hash the node posted on
//! chain. Shared by `cr-compute verify JOB` (inside a testnet) and `testnet verify JOB` (from
//! the host, through the store's published port).

use crate::chain::{Chain, Finality};
use crate::hash::blake2_256;
use crate::lifecycle::{posted_result, status_name};
use crate::store_client::{BlobUri, StoreClient, StoreError};
use serde::Serialize;

/// The outcome of a provenance check.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The job checked.
    pub job_id: u64,
    /// Its state in the node's best block (the result checked is this block's).
    pub best: JobState,
    /// Its state in the last finalized block: `None` while the job is not finalized yet. A
    /// job can be `completed` at the best block and still `submitted` here.
    pub finalized: Option<JobState>,
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

/// A job's lifecycle state at one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobState {
    /// The block read (taken just before the read; a newer one may have been imported since).
    pub block: u64,
    /// Lifecycle state, e.g. `completed`.
    pub status: String,
}

impl Verdict {
    /// `job 3: completed at best block #40, submitted at finalized block #38`.
    pub fn states(&self) -> String {
        let best = format!("job {}: {} at best block #{}", self.job_id, self.best.status, self.best.block);
        match &self.finalized {
            Some(f) if f.status == self.best.status => format!("{best} (finalized at #{})", f.block),
            Some(f) => format!("{best}, {} at finalized block #{}", f.status, f.block),
            None => format!("{best}, not in a finalized block yet"),
        }
    }

    /// The verdict line a person reads.
    pub fn conclusion(&self) -> &'static str {
        if self.matches {
            "MATCH: the stored bytes are what the node posted"
        } else {
            "MISMATCH: the stored bytes are not what the node posted"
        }
    }
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

/// Check job `job_id` against the chain at `rpc`. `store_authority` replaces the URI's
/// `host:port` when the store is reached from outside the testnet network (a published port).
pub async fn verify_job(chain: &Chain, job_id: u64, store_authority: Option<&str>) -> Result<Verdict, VerifyError> {
    let (best_block, finalized_block) = chain.heads().await?;
    let job = chain.job(job_id, Finality::Best).await?.ok_or(VerifyError::NoJob(job_id))?;
    let finalized = chain.job(job_id, Finality::Finalized).await?;
    let status = status_name(&job.status).to_owned();
    let result = posted_result(&job.status).ok_or_else(|| VerifyError::NoResult { job_id, status: status.clone() })?;
    let best = JobState { block: best_block, status };
    let finalized = finalized.map(|j| JobState { block: finalized_block, status: status_name(&j.status).to_owned() });
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
        best,
        finalized,
        uri: uri_text,
        onchain_hash: hex::encode(result.output_hash.0),
        downloaded_hash: hex::encode(downloaded),
        bytes,
        matches: downloaded == result.output_hash.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(best: &str, finalized: Option<&str>) -> Verdict {
        Verdict {
            job_id: 3,
            best: JobState { block: 40, status: best.into() },
            finalized: finalized.map(|s| JobState { block: 38, status: s.into() }),
            uri: String::new(),
            onchain_hash: String::new(),
            downloaded_hash: String::new(),
            bytes: 0,
            matches: true,
        }
    }

    #[test]
    fn a_job_ahead_of_finality_shows_both_states() {
        assert_eq!(
            verdict("completed", Some("submitted")).states(),
            "job 3: completed at best block #40, submitted at finalized block #38"
        );
        assert_eq!(
            verdict("completed", Some("completed")).states(),
            "job 3: completed at best block #40 (finalized at #38)"
        );
        assert_eq!(
            verdict("submitted", None).states(),
            "job 3: submitted at best block #40, not in a finalized block yet"
        );
    }
}

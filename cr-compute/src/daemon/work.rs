//! Fetching specs and executing them: shared by workers (to produce results) and verifiers
//! (to re-produce them).

use cr_protocol::chain::Job;
use cr_protocol::hash::blake2_256;
use cr_protocol::store_client::{BlobUri, StoreClient};
use cr_protocol::workload::WorkloadSpec;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Why a job's spec cannot be run. The daemon refuses such a job instead of accepting it.
#[derive(Debug, thiserror::Error)]
pub enum SpecProblem {
    /// The URI on chain is not a store URI.
    #[error("job {job}: spec URI {uri:?} is not an artifact-store URI: {reason}")]
    BadUri { job: u64, uri: String, reason: String },
    /// The store could not serve it.
    #[error("job {job}: cannot download the spec: {source}")]
    Download {
        job: u64,
        #[source]
        source: cr_protocol::store_client::StoreError,
    },
    /// The bytes do not hash to the on-chain spec hash.
    #[error("job {job}: the spec downloaded hashes to {actual}, but the chain says {expected}; refusing it")]
    HashMismatch { job: u64, expected: String, actual: String },
    /// Not a workload spec this daemon knows.
    #[error("job {job}: unusable spec: {source}")]
    Invalid {
        job: u64,
        #[source]
        source: cr_protocol::workload::SpecError,
    },
}

impl SpecProblem {
    /// Whether the store may serve the spec later (it was down or failing), as opposed to a spec
    /// that can never be run.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Download { source, .. } if source.is_transient())
    }
}

/// Specs and outputs already computed, by spec hash (workloads are deterministic).
#[derive(Default)]
pub struct Cache {
    specs: Mutex<HashMap<[u8; 32], WorkloadSpec>>,
    outputs: Mutex<HashMap<[u8; 32], [u8; 32]>>,
}

impl Cache {
    /// Download `job`'s spec and check it against the on-chain hash.
    pub async fn spec(&self, store: &StoreClient, job_id: u64, job: &Job) -> Result<WorkloadSpec, SpecProblem> {
        let expected = job.spec_hash.0;
        if let Some(spec) = self.specs.lock().unwrap_or_else(|p| p.into_inner()).get(&expected) {
            return Ok(*spec);
        }
        let uri_text = String::from_utf8_lossy(&job.spec_uri.0).into_owned();
        let uri: BlobUri = uri_text.parse().map_err(|e: cr_protocol::store_client::StoreUrlError| {
            SpecProblem::BadUri { job: job_id, uri: uri_text.clone(), reason: e.to_string() }
        })?;
        // The URI names the store inside the testnet; the daemon's store client knows where that is.
        let bytes = store
            .get_uri(&uri, Some(store.authority()))
            .await
            .map_err(|source| SpecProblem::Download { job: job_id, source })?;
        let actual = blake2_256(&bytes);
        if actual != expected {
            return Err(SpecProblem::HashMismatch {
                job: job_id,
                expected: hex::encode(expected),
                actual: hex::encode(actual),
            });
        }
        let spec = WorkloadSpec::parse(&bytes).map_err(|source| SpecProblem::Invalid { job: job_id, source })?;
        self.specs.lock().unwrap_or_else(|p| p.into_inner()).insert(expected, spec);
        Ok(spec)
    }

    /// The honest output hash of a spec, computing it once on a blocking thread.
    pub async fn expected_hash(&self, spec: &WorkloadSpec) -> [u8; 32] {
        let key = blake2_256(&spec.to_bytes());
        if let Some(h) = self.outputs.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return *h;
        }
        let (output, _) = execute(*spec).await;
        let hash = blake2_256(&output);
        self.outputs.lock().unwrap_or_else(|p| p.into_inner()).insert(key, hash);
        hash
    }
}

/// Run a workload natively on a blocking thread; returns the output and the seconds it took.
pub async fn execute(spec: WorkloadSpec) -> (Vec<u8>, f64) {
    let joined = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output = spec.execute();
        (output, started.elapsed().as_secs_f64())
    })
    .await;
    match joined {
        Ok(done) => done,
        // `execute` is pure integer arithmetic; a panic there is a bug worth crashing on.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

//! The job form: validated here, then uploaded and submitted through the same calls
//! `testnet test` and `testnet load` use ([`crate::scenario::inject`]).

use crate::network::status;
use crate::plan::Plan;
use crate::provider::Provider;
use crate::scenario::inject::{submit, upload_spec, JobRequest};
use crate::topology::Tokens;
use cr_protocol::chain::Chain;
use cr_protocol::store_client::StoreClient;
use cr_protocol::workload::{Workload, WorkloadSpec};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest budget the form takes, in tokens (a typo guard, not a chain limit).
const MAX_BUDGET: u64 = 1_000_000;

/// What the page posts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobForm {
    pub workload: String,
    pub size: u64,
    /// Whole tokens.
    pub budget: u64,
    #[serde(default = "one")]
    pub cpu_cores: u32,
    /// Required GPU model; empty for none. GPU workloads need a GPU of any model otherwise.
    #[serde(default)]
    pub gpu_model: String,
}

fn one() -> u32 {
    1
}

/// Why a form was not submitted.
#[derive(Debug)]
pub enum FormError {
    /// The user can fix it (message says how).
    Invalid(String),
    /// The testnet cannot take it right now.
    Unavailable(String),
}

/// Where the form's jobs go.
pub struct Submitter {
    pub testnet: String,
    pub root: PathBuf,
    pub provider: Arc<dyn Provider>,
}

fn check(form: &JobForm) -> Result<WorkloadSpec, FormError> {
    let workload: Workload = form.workload.parse().map_err(|_| {
        FormError::Invalid(format!(
            "workload `{}` is unknown; use one of {}",
            form.workload,
            Workload::accepted_names()
        ))
    })?;
    if form.budget == 0 || form.budget > MAX_BUDGET {
        return Err(FormError::Invalid(format!(
            "budget {} is out of range; give 1 to {MAX_BUDGET} tokens",
            form.budget
        )));
    }
    if form.cpu_cores == 0 {
        return Err(FormError::Invalid("cpu cores must be at least 1".into()));
    }
    // A fresh seed per submission, so two identical forms are two different jobs.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    WorkloadSpec::new(workload, form.size, seed).map_err(|e| FormError::Invalid(e.to_string()))
}

/// Validate, upload the spec, submit as the topology's first requester; returns the job id.
pub async fn submit_from_form(s: &Submitter, form: &JobForm) -> Result<u64, FormError> {
    let spec = check(form)?;
    let unavailable = |e: &dyn std::fmt::Display| FormError::Unavailable(e.to_string());
    let topology = status::saved_topology(&s.root, &s.testnet).ok_or_else(|| {
        FormError::Unavailable(format!(
            "no saved state for testnet {}; was it started with `testnet up` from this checkout?",
            s.testnet
        ))
    })?;
    let plan = Plan::new(&topology).map_err(|e| unavailable(&e))?;
    let requester =
        plan.requesters.first().ok_or_else(|| FormError::Unavailable("the topology names no requester".into()))?;
    let views = status::containers(s.provider.as_ref(), &s.testnet).await.map_err(|e| unavailable(&e))?;
    let rpc =
        status::first_rpc(&views).ok_or_else(|| FormError::Unavailable("no validator publishes an RPC port".into()))?;
    let store = status::store_authority(&views)
        .ok_or_else(|| FormError::Unavailable("the testnet has no running artifact store".into()))?;
    let store = StoreClient::new(&format!("http://{store}")).map_err(|e| unavailable(&e))?;
    let (spec_hash, spec_uri) = upload_spec(&store, &spec).await.map_err(|e| unavailable(&e))?;
    let mut job = JobRequest::new(spec_hash, spec_uri, spec.workload().needs_gpu(), Tokens(form.budget).base_units());
    job.cpu_cores = form.cpu_cores;
    if !form.gpu_model.trim().is_empty() {
        job.gpu_count = 1;
        job.gpu_model = Some(form.gpu_model.trim().to_owned());
    }
    let chain = Chain::connect(rpc).await.map_err(|e| unavailable(&e))?;
    submit(&chain, &requester.key, &job).await.map_err(|e| FormError::Invalid(format!("{e:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(workload: &str, size: u64, budget: u64) -> JobForm {
        JobForm { workload: workload.into(), size, budget, cpu_cores: 1, gpu_model: String::new() }
    }

    #[test]
    fn bad_forms_say_what_to_change() {
        let msg = |f: JobForm| match check(&f) {
            Err(FormError::Invalid(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(msg(form("bitcoin", 10, 5)).contains("hash-chain"));
        assert!(msg(form("hash-chain", 10, 0)).contains("1 to"));
        assert!(msg(form("hash-chain", 0, 5)).contains("size"));
        assert!(msg(JobForm { cpu_cores: 0, ..form("matmul", 8, 5) }).contains("cpu cores"));
        assert!(check(&form("matmul", 8, 5)).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<JobForm, _> = serde_json::from_str(r#"{"workload":"matmul","size":8,"budget":5,"evil":1}"#);
        assert!(r.is_err());
    }
}

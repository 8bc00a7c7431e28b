//! Marketplace calls that were included in a block and failed: the chain's answer to an attack
//! (a self-vote, a late accept, a flood of timers) is a dispatch error, and a run must be able
//! to show which call got which answer.

use super::{api, AccountId32};
use subxt::Metadata;

/// One failed marketplace call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedCall {
    /// The call, as `pallet.call` (e.g. `Compute.vote`).
    pub call: String,
    /// The job it named, when it names one.
    pub job_id: Option<u64>,
    /// The signing account (none for unsigned calls).
    pub signer: Option<AccountId32>,
    /// The pallet error, e.g. `PartyToDispute`, or the dispatch error as text.
    pub error: String,
}

impl RefusedCall {
    /// Whether this is the call `C`, a type of the generated API
    /// (`api::compute::calls::AcceptJob`): a misspelt name would not compile, where a
    /// compared string would silently match nothing.
    pub fn is<C: subxt::extrinsics::DecodeAsExtrinsic>(&self) -> bool {
        self.call.split_once('.').is_some_and(|(pallet, call)| C::is_extrinsic(pallet, call))
    }
}

/// Every error the marketplace pallet can answer with, by name, read from the metadata this
/// program was built with (so a scenario can be checked for names the chain does not have).
/// Decoded once per process: a scenario file checks every error name it mentions.
pub fn market_error_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let Some(metadata) = super::layout::current_metadata() else { return Vec::new() };
        let pallet = metadata.pallet_by_name("Compute");
        pallet.and_then(|p| p.error_variants()).map(|v| v.iter().map(|e| e.name.clone()).collect()).unwrap_or_default()
    })
}

/// The job a marketplace call names.
fn job_of(call: &api::Call) -> Option<u64> {
    use api::compute::Call as C;
    let api::Call::Compute(call) = call else { return None };
    match call {
        C::cancel_job { job_id } | C::accept_job { job_id } | C::challenge { job_id } | C::vote { job_id, .. } => {
            Some(*job_id)
        }
        C::submit_result { payload, .. } => Some(payload.job_id),
        _ => None,
    }
}

/// A dispatch error as the name a reader knows: a pallet error by its variant name (without the
/// pallet for the marketplace's own, `PartyToDispute`; `Balances::InsufficientBalance` else).
pub(super) fn error_name(error: &api::runtime_types::sp_runtime::DispatchError, metadata: &Metadata) -> String {
    match pallet_error(error, metadata) {
        Some((pallet, variant)) if pallet == "Compute" => variant,
        Some((pallet, variant)) => format!("{pallet}::{variant}"),
        None => format!("{error:?}"),
    }
}

/// A pallet's error as `(pallet, variant)`; `None` for other dispatch errors or an index the
/// metadata does not name.
pub(super) fn pallet_error(
    error: &api::runtime_types::sp_runtime::DispatchError,
    metadata: &Metadata,
) -> Option<(String, String)> {
    use api::runtime_types::sp_runtime::DispatchError as D;
    let D::Module(m) = error else { return None };
    let pallet = metadata.pallet_by_error_index(m.index)?;
    let variant =
        pallet.error_variant_by_index(m.error[0]).map_or_else(|| format!("<error {}>", m.error[0]), |v| v.name.clone());
    Some((pallet.name().to_owned(), variant))
}

/// A failed extrinsic of the marketplace as a [`RefusedCall`]: its call (decoded, when it
/// decodes), the raw address of a signed one (a `MultiAddress`: variant 0, `Id`, then the
/// account) and the dispatch error. `None` for other pallets' calls.
pub(super) fn refused_call(
    (pallet, call_name): (&str, &str),
    call: Option<api::Call>,
    address: Option<&[u8]>,
    error: &api::runtime_types::sp_runtime::DispatchError,
    metadata: &Metadata,
) -> Option<RefusedCall> {
    if pallet != "Compute" {
        return None;
    }
    let signer =
        address.and_then(|a| a.strip_prefix(&[0u8])).and_then(|a| <[u8; 32]>::try_from(a).ok()).map(AccountId32);
    Some(RefusedCall {
        call: format!("{pallet}.{call_name}"),
        job_id: call.as_ref().and_then(job_of),
        signer,
        error: error_name(error, metadata),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::compute::calls::{AcceptJob, SubmitJob};

    #[test]
    fn a_refused_call_is_told_by_the_generated_call_type() {
        let refused =
            RefusedCall { call: "Compute.accept_job".into(), job_id: Some(1), signer: None, error: "NotOpen".into() };
        assert!(refused.is::<AcceptJob>());
        assert!(!refused.is::<SubmitJob>());
        let other = RefusedCall { call: "Balances.accept_job".into(), ..refused };
        assert!(!other.is::<AcceptJob>(), "the pallet counts too");
    }
}

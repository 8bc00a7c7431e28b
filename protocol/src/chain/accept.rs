//! The accept a node signs with its result key and posts unsigned (`accept_job_unsigned`): the
//! pool checks it against the job before any block does and holds one a job attempt.

use super::{api, market, AccountId32, Chain, ChainError, Finality, H256, ACCEPT_DOMAIN};
use crate::keys::Sr25519Key;
use subxt::ext::codec::Encode;
use subxt::tx::Payload;

/// Everything an accept names, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptClaim {
    /// Genesis hash of the chain (a signature is worthless on any other chain).
    pub genesis: H256,
    /// The job taken.
    pub job_id: u64,
    /// The attempt the accept starts: the open job's `attempt` plus one.
    pub attempt: u32,
    /// The node taking the job.
    pub node: AccountId32,
    /// Which of the node's seats the accept takes: below its `max_concurrent` and the jobs its
    /// stake covers; the pool holds one accept a seat (the runtime's `AcceptPayload::seat`), so a
    /// node's accepts in flight each take their own.
    pub seat: u32,
}

impl AcceptClaim {
    /// The payload exactly as the runtime decodes and verifies it.
    pub fn payload(&self) -> market::AcceptPayload<AccountId32> {
        market::AcceptPayload {
            domain: ACCEPT_DOMAIN,
            genesis_hash: self.genesis,
            job_id: self.job_id,
            attempt: self.attempt,
            node: self.node,
            seat: self.seat,
        }
    }

    /// The SCALE encoding of the payload: the bytes the result key signs, field by field as
    /// [`super::ResultClaim::signing_bytes`] writes them.
    pub fn signing_bytes(&self) -> Vec<u8> {
        (ACCEPT_DOMAIN, self.genesis.0, self.job_id, self.attempt, self.node.0, self.seat).encode()
    }

    /// Whether `node`'s stake covers one more job at risk at the best block, as the runtime
    /// checks an accept. A pool's refusal does not say why (its RPC answer is "Transaction is
    /// invalid"), so after one for a job still open the daemon asks this before trying again.
    pub async fn stake_covers_one_more(chain: &Chain, node: &AccountId32) -> Result<bool, ChainError> {
        let Some(info) = chain.node(node, Finality::Best).await? else { return Ok(false) };
        let params = chain.params().await?;
        let at_risk = params.min_node_stake.saturating_mul(u128::from(params.slash.0)) / 100;
        Ok(info.stake >= params.min_node_stake && info.exposure.saturating_add(at_risk) <= info.stake)
    }

    /// The `accept_job_unsigned` call, signed by the node's result key.
    pub fn signed_call(&self, result_key: &Sr25519Key) -> impl Payload {
        let signature = result_key.sign(&self.signing_bytes());
        api::transactions().compute().accept_job_unsigned(self.payload(), signature)
    }
}


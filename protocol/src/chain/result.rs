//! The signed result a node posts unsigned: what it contains and how it is signed.

use super::{api, convert, market, AccountId32, ChainError, H256, RESULT_DOMAIN};
use crate::keys::Sr25519Key;
use subxt::ext::codec::Encode;
use subxt::tx::Payload;

/// Everything a result answers, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultClaim {
    /// Genesis hash of the chain (a signature is worthless on any other chain).
    pub genesis: H256,
    /// The job answered.
    pub job_id: u64,
    /// The attempt answered (the job's `attempt` when this node accepted it).
    pub attempt: u32,
    /// The node the job is assigned to.
    pub node: AccountId32,
    /// Blake2-256 of the output bytes.
    pub output_hash: [u8; 32],
    /// Where the output can be downloaded.
    pub uri: String,
}

impl ResultClaim {
    /// The payload exactly as the runtime decodes and verifies it.
    pub fn payload(&self) -> Result<market::ResultPayload<AccountId32>, ChainError> {
        Ok(market::ResultPayload {
            domain: RESULT_DOMAIN,
            genesis_hash: self.genesis,
            job_id: self.job_id,
            attempt: self.attempt,
            node: self.node,
            output_hash: H256(self.output_hash),
            result_uri: convert::result_uri(&self.uri)?,
        })
    }

    /// The SCALE encoding of the payload: the bytes the result key signs. Written out field by
    /// field (a tuple encodes as the concatenation of its fields, a `Vec<u8>` as a compact length
    /// and the bytes, exactly like the runtime's `BoundedVec`), since the generated types only
    /// encode through metadata.
    pub fn signing_bytes(&self) -> Vec<u8> {
        (
            RESULT_DOMAIN,
            self.genesis.0,
            self.job_id,
            self.attempt,
            self.node.0,
            self.output_hash,
            self.uri.as_bytes().to_vec(),
        )
            .encode()
    }

    /// The `submit_result` call, signed by the node's result key over [`Self::signing_bytes`].
    pub fn signed_call(&self, result_key: &Sr25519Key) -> Result<impl Payload, ChainError> {
        let payload = self.payload()?;
        let signature = result_key.sign(&self.signing_bytes());
        Ok(api::transactions().compute().submit_result(payload, signature))
    }
}

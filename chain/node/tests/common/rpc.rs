//! A thin JSON-RPC client over the node's HTTP endpoint. Values cross the wire as hex-encoded
//! SCALE and are decoded with the runtime's own types, so a test breaks when the runtime's types
//! and the node disagree.

use codec::{Decode, Encode};
use compute_runtime::{AccountId, UncheckedExtrinsic};
use jsonrpsee::core::{client::ClientT, DeserializeOwned};
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use serde_json::{json, Value};
use sp_core::{
	bytes::{from_hex, to_hex},
	crypto::Ss58Codec,
	H256,
};
use std::time::Duration;

/// Errors are strings: every one ends up in a panic message.
pub type Res<T> = Result<T, String>;

/// One node's RPC endpoint.
pub struct Rpc {
	client: HttpClient,
	url: String,
}

fn hex_bytes(v: &str) -> Res<Vec<u8>> {
	from_hex(v).map_err(|e| format!("bad hex {v:.40}: {e}"))
}

fn hash_param(at: Option<H256>) -> Value {
	at.map_or(Value::Null, |h| json!(h))
}

impl Rpc {
	/// A client for `http://127.0.0.1:<port>`.
	pub fn new(port: u16) -> Self {
		let url = format!("http://127.0.0.1:{port}");
		let client = HttpClientBuilder::default()
			.request_timeout(Duration::from_secs(20))
			.build(&url)
			.expect("an HTTP client for a loopback URL");
		Self { client, url }
	}

	/// Call `method`; the error names the endpoint and method.
	pub async fn call<R: DeserializeOwned>(&self, method: &str, params: Vec<Value>) -> Res<R> {
		self.client.request(method, params).await.map_err(|e| format!("{} {method}: {e}", self.url))
	}

	/// Hash of block `number` on this node's best chain, if it has one.
	pub async fn block_hash(&self, number: u32) -> Res<Option<H256>> {
		self.call("chain_getBlockHash", vec![json!(number)]).await
	}

	/// Hash of the genesis block.
	pub async fn genesis_hash(&self) -> Res<H256> {
		self.block_hash(0).await?.ok_or_else(|| "no genesis block".into())
	}

	/// Hash of the best block.
	pub async fn best_hash(&self) -> Res<H256> {
		self.call::<Option<H256>>("chain_getBlockHash", vec![])
			.await?
			.ok_or_else(|| "no best block".into())
	}

	/// Hash of the last finalized block.
	pub async fn finalized_hash(&self) -> Res<H256> {
		self.call("chain_getFinalizedHead", vec![]).await
	}

	/// Number of block `hash`, or of the best block.
	pub async fn block_number(&self, hash: Option<H256>) -> Res<u32> {
		let header: Value = self.call("chain_getHeader", vec![hash_param(hash)]).await?;
		let hex =
			header["number"].as_str().ok_or_else(|| format!("header without number: {header}"))?;
		u32::from_str_radix(hex.trim_start_matches("0x"), 16)
			.map_err(|e| format!("number {hex}: {e}"))
	}

	/// Number and hash of the last finalized block.
	pub async fn finalized(&self) -> Res<(u32, H256)> {
		let hash = self.finalized_hash().await?;
		Ok((self.block_number(Some(hash)).await?, hash))
	}

	/// `(spec_version, transaction_version)` of the runtime.
	pub async fn runtime_version(&self) -> Res<(u32, u32)> {
		let v: Value = self.call("state_getRuntimeVersion", vec![]).await?;
		let field =
			|k: &str| v[k].as_u64().map(|n| n as u32).ok_or_else(|| format!("no {k} in {v}"));
		Ok((field("specVersion")?, field("transactionVersion")?))
	}

	/// The next nonce of `who`, counting its transactions in this node's pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Res<u32> {
		self.call("system_accountNextIndex", vec![json!(who.to_ss58check())]).await
	}

	/// The value at a raw storage key, decoded, at block `at` (best when `None`).
	pub async fn storage<T: Decode>(&self, key: &[u8], at: Option<H256>) -> Res<Option<T>> {
		let params = vec![json!(to_hex(key, false)), hash_param(at)];
		let Some(hex) = self.call::<Option<String>>("state_getStorage", params).await? else {
			return Ok(None);
		};
		let bytes = hex_bytes(&hex)?;
		T::decode(&mut &bytes[..]).map(Some).map_err(|e| format!("decoding storage: {e}"))
	}

	/// Call runtime API function `method` with SCALE-encoded `args` at the best block.
	pub async fn state_call(&self, method: &str, args: &[u8]) -> Res<Vec<u8>> {
		let hex: String =
			self.call("state_call", vec![json!(method), json!(to_hex(args, false))]).await?;
		hex_bytes(&hex)
	}

	/// Hand an extrinsic to the pool; `Err` carries the pool's refusal.
	pub async fn submit(&self, xt: &UncheckedExtrinsic) -> Res<H256> {
		self.call("author_submitExtrinsic", vec![json!(to_hex(&xt.encode(), false))]).await
	}
}

//! A connection to one node: typed reads, signed and unsigned submissions, block following.

use super::{api, AccountId32, ChainError, MarketEvent, H256};
use futures::{Stream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use subxt::{
    backend::LegacyBackend,
    config::RpcConfigFor,
    rpcs::{methods::LegacyRpcMethods, RpcClient},
    tx::Payload,
    OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex;

type Client = OnlineClient<SubstrateConfig>;
type Rpc = LegacyRpcMethods<RpcConfigFor<SubstrateConfig>>;
pub(super) type AtBlock = subxt::client::OnlineClientAtBlock<SubstrateConfig>;

/// One account's next nonce (`None`: ask the node), locked while that account submits.
type NonceSlot = Arc<Mutex<Option<u64>>>;

/// Times a vanished best block is looked up again before giving up.
const BEST_BLOCK_ATTEMPTS: u32 = 10;

/// How far behind the best block a signed transaction is born (its mortality's first block).
/// A node's pool validates against the newest block it has finished processing, which behind
/// full blocks lags the best block its RPC already reports; a transaction born at that newer
/// block is refused there (`AncientBirthBlock` one block behind, a bad proof further back).
pub(super) const BIRTH_LAG: u64 = 4;

/// Blocks a signed transaction stays valid from its birth (a power of two, as eras are).
pub(super) const MORTAL_PERIOD: u64 = 64;

/// Which block a read refers to (for waits, only `Best` and `Finalized` make sense).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finality {
    /// The node's best block: fastest, may still be reorganised away.
    Best,
    /// The last block GRANDPA finalized.
    Finalized,
    /// A given block, e.g. one a block stream just delivered.
    At(H256),
}

/// A transaction that made it into a block and succeeded.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    /// Block it was included in.
    pub block: H256,
    /// Marketplace events it emitted.
    pub events: Vec<MarketEvent>,
    /// Fee it paid, in base units.
    pub fee: u128,
    /// When that block's author made it (its timestamp), ms since the Unix epoch.
    pub block_timestamp_ms: Option<u64>,
}

/// What one block did to the marketplace.
#[derive(Debug, Clone)]
pub struct BlockEvents {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: H256,
    /// Number of extrinsics in the block (inherents included).
    pub extrinsics: usize,
    /// When its author made it: the `Timestamp.set` inherent, ms since the Unix epoch (`None`
    /// for a block without one, as genesis).
    pub timestamp_ms: Option<u64>,
    /// Marketplace events, in order.
    pub events: Vec<MarketEvent>,
    /// Transaction fees paid in the block: `(payer, amount)`.
    pub fees: Vec<(AccountId32, u128)>,
    /// Marketplace calls of the block whose dispatch failed, with the chain's error.
    pub refused: Vec<super::RefusedCall>,
    /// Computation time its normal-class extrinsics were charged, in picoseconds of reference
    /// time (their actual weights, refunds applied): set against
    /// [`Chain::normal_weight_limit`], how full the block was by weight.
    pub normal_weight: u64,
}

/// A connection to one node of the testnet.
pub struct Chain {
    url: String,
    client: Client,
    rpc: Rpc,
    /// Each account's signed submissions go one at a time, and its next nonce is remembered: the
    /// node's own count lags behind transactions this client just handed to the pool.
    nonces: Mutex<std::collections::HashMap<[u8; 32], NonceSlot>>,
    /// The last block opened, reused while it is the best: opening one costs the node a header
    /// read and a `Core_version` runtime call, and every read and submission opens the best
    /// block (a load run's submissions spent most of their time there).
    opened: std::sync::Mutex<Option<(H256, AtBlock)>>,
    /// The birth block signed transactions take while the best block is the first hash:
    /// `(best, birth number, birth hash)`, looked up once per best block.
    birth: std::sync::Mutex<Option<(H256, u64, H256)>>,
    /// Blocks this connection read lately, shared by its follower and its submissions (and by
    /// the connections opened with [`Chain::connect_sharing_reads`]).
    blocks: Arc<super::blocks::RecentBlocks>,
}

impl Chain {
    /// Connect once to a node's WebSocket RPC (`ws://host:port`, plain text inside a testnet).
    pub async fn connect(url: &str) -> Result<Self, ChainError> {
        let connect_err =
            |e: &dyn std::fmt::Display| ChainError::Connect { url: url.to_owned(), reason: e.to_string() };
        let rpc_client = RpcClient::from_insecure_url(url).await.map_err(|e| connect_err(&e))?;
        // The legacy methods, not subxt's default (`archive_v1_*`, `chainHead_v1_*`): the node's
        // RPC server accepts sockets without TCP_NODELAY, and those methods answer a read in
        // several writes (operation id, items, done), each held ~40 ms behind the client's
        // delayed ACK. Beside a 100-daemon climb a job read took 87 to 89 ms p50 that way and
        // 1.1 to 1.3 ms through `state_getStorage`, one write (`examples/read_probe.rs`).
        let backend = LegacyBackend::builder().build(rpc_client.clone());
        let client = Client::from_backend(Arc::new(backend)).await.map_err(|e| connect_err(&e))?;
        Ok(Self {
            url: url.to_owned(),
            client,
            rpc: Rpc::new(rpc_client),
            nonces: Mutex::new(std::collections::HashMap::new()),
            opened: std::sync::Mutex::new(None),
            birth: std::sync::Mutex::new(None),
            blocks: Default::default(),
        })
    }

    /// Another connection to this one's node that reads each block once together with this
    /// one. A load run submits through one connection per requester and every submission waits
    /// for its block's read: with a cache per connection the driver read and decoded each busy
    /// block once per requester (16 by default): decoding was 7% of the machine's CPU at 40
    /// jobs/s (`perf record -a`), most of it the same blocks again.
    pub async fn connect_sharing_reads(&self) -> Result<Self, ChainError> {
        let mut other = Self::connect(&self.url).await?;
        other.blocks = self.blocks.clone();
        Ok(other)
    }

    /// Connect, retrying until `within` has passed (a node just started answers after a while).
    pub async fn connect_retrying(url: &str, within: Duration) -> Result<Self, ChainError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match Self::connect(url).await {
                Ok(chain) => return Ok(chain),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// The URL this connection uses.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Hash of block 0.
    pub fn genesis_hash(&self) -> H256 {
        self.client.genesis_hash()
    }

    /// The most computation time (picoseconds of reference time) a block's normal-class
    /// extrinsics may be charged: blocks that reach it refuse further transactions however
    /// quickly they were built.
    pub async fn normal_weight_limit(&self) -> Result<u64, ChainError> {
        let weights = self.block_weights().await?;
        let normal = weights.per_class.normal;
        Ok(normal.max_total.unwrap_or(weights.max_block).ref_time)
    }

    /// Reference time (picoseconds) a whole block may hold, mandatory part included: what
    /// normal transactions and the block's initialisation share.
    pub async fn block_weight_limit(&self) -> Result<u64, ChainError> {
        Ok(self.block_weights().await?.max_block.ref_time)
    }

    async fn block_weights(&self) -> Result<api::runtime_types::frame_system::limits::BlockWeights, ChainError> {
        let at = self.at(Finality::Best).await?;
        at.constants()
            .entry(&api::constants().system().block_weights())
            .map_err(|e| ChainError::rpc("reading the constant System.BlockWeights", e))
    }

    /// Best and finalized block numbers.
    pub async fn heads(&self) -> Result<(u64, u64), ChainError> {
        let best = self.rpc.chain_get_header(None).await.map_err(|e| ChainError::rpc("chain_getHeader", e))?;
        let fin_hash =
            self.rpc.chain_get_finalized_head().await.map_err(|e| ChainError::rpc("chain_getFinalizedHead", e))?;
        let fin = self.rpc.chain_get_header(Some(fin_hash)).await.map_err(|e| ChainError::rpc("chain_getHeader", e))?;
        let number = |h: Option<<SubstrateConfig as subxt::Config>::Header>| {
            h.map(|h| subxt::config::Header::number(&h)).unwrap_or(0)
        };
        Ok((number(best), number(fin)))
    }

    /// The chain's runtime `(spec_name, spec_version)`.
    pub async fn runtime_version(&self) -> Result<(String, u32), ChainError> {
        let v = self
            .rpc
            .state_get_runtime_version(None)
            .await
            .map_err(|e| ChainError::rpc("state_getRuntimeVersion", e))?;
        let name = v.other.get("specName").and_then(|n| n.as_str()).unwrap_or("unknown").to_owned();
        Ok((name, v.spec_version))
    }

    pub(super) async fn at(&self, finality: Finality) -> Result<AtBlock, ChainError> {
        match finality {
            Finality::Finalized => {
                self.client.at_current_block().await.map_err(|e| ChainError::rpc("reading the finalized block", e))
            }
            Finality::At(hash) => {
                self.client.at_block(hash).await.map_err(|e| ChainError::rpc(format!("reading block {hash:?}"), e))
            }
            Finality::Best => {
                // The best block can be retracted between asking for its hash and opening it
                // (two authors of one slot, common in a young testnet): ask again.
                let mut attempt = 0;
                loop {
                    let hash = self
                        .rpc
                        .chain_get_block_hash(None)
                        .await
                        .map_err(|e| ChainError::rpc("chain_getBlockHash", e))?
                        .ok_or_else(|| ChainError::rpc("chain_getBlockHash", "the node has no best block"))?;
                    if let Some(at) = self.opened_at(hash) {
                        return Ok(at);
                    }
                    match self.client.at_block(hash).await {
                        Ok(at) => {
                            *self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some((hash, at.clone()));
                            return Ok(at);
                        }
                        Err(_) if attempt < BEST_BLOCK_ATTEMPTS => attempt += 1,
                        Err(e) => return Err(ChainError::rpc("reading the best block", e)),
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            }
        }
    }

    /// The block last opened, if it is `hash`.
    fn opened_at(&self, hash: H256) -> Option<AtBlock> {
        let opened = self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        opened.as_ref().filter(|(h, _)| *h == hash).map(|(_, at)| at.clone())
    }

    /// The birth of transactions signed while `at` is the best block: `BIRTH_LAG` blocks
    /// behind it on the best chain, `(number, hash)`.
    async fn birth(&self, at: &AtBlock) -> Result<(u64, H256), ChainError> {
        let best = at.block_hash();
        let lock = || self.birth.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, number, hash)) = lock().filter(|(b, _, _)| *b == best) {
            return Ok((number, hash));
        }
        let number = at.block_number().saturating_sub(BIRTH_LAG);
        let hash = self.block_hash(number).await?.ok_or_else(|| {
            ChainError::rpc(format!("chain_getBlockHash({number})"), "the best chain lost that block")
        })?;
        *lock() = Some((best, number, hash));
        Ok((number, hash))
    }

    /// Hash of block `number` of the best chain; `None` when the chain is not that long yet.
    pub(super) async fn block_hash(&self, number: u64) -> Result<Option<H256>, ChainError> {
        let what = || format!("chain_getBlockHash({number})");
        self.rpc.chain_get_block_hash(Some(number.into())).await.map_err(|e| ChainError::rpc(what(), e))
    }

    /// Block `number` of the best chain with its marketplace events and timestamp (ms since
    /// the Unix epoch); `None` when the chain is not that long yet. For looking back at what
    /// happened before a follower started (e.g. registrations during `up`).
    pub async fn block_by_number(&self, number: u64) -> Result<Option<(BlockEvents, u64)>, ChainError> {
        let Some(hash) = self.block_hash(number).await? else { return Ok(None) };
        let events = self.read_block(hash).await?.events.clone();
        Ok(Some((events, self.timestamp(Finality::At(hash)).await?)))
    }

    /// How many blocks this connection has read from its node: once per block, however many of
    /// its submissions and followers look at it.
    pub fn blocks_read(&self) -> u64 {
        self.blocks.reads()
    }

    /// Block `hash` as this connection reads it once: its follower and every submission it
    /// holds share the read.
    pub(super) async fn read_block(&self, hash: H256) -> Result<Arc<super::blocks::ReadBlock>, ChainError> {
        self.blocks.get(hash, || self.at(Finality::At(hash))).await
    }

    /// Sign `call` with `signer`, submit it and wait until it is in a block of the given
    /// finality; fails if the pool refuses it or its dispatch fails.
    pub async fn submit<C: Payload>(
        &self,
        call: &C,
        signer: &Keypair,
        wait: Finality,
    ) -> Result<TxOutcome, ChainError> {
        let name = call_name(call);
        let sent = self
            .with_nonce(&name, signer, |at, params| async move {
                super::follow::send(&at, sign(&at, call, signer, params)?).await
            })
            .await?;
        super::follow::wait(self, sent, wait, &name).await
    }

    /// Hand a transaction signed earlier (`encoded`, from [`Self::sign_many`]) to the pool and
    /// wait until it is in a block of the given finality, as [`Self::submit`] does; `call` names
    /// it in errors. Bytes the pool already holds are followed to their block, not refused.
    pub async fn submit_encoded(&self, call: &str, encoded: Vec<u8>, wait: Finality) -> Result<TxOutcome, ChainError> {
        let at = self.at(Finality::Best).await?;
        let sent = super::follow::send(&at, encoded)
            .await
            .map_err(|reason| ChainError::Rejected { call: call.to_owned(), reason })?;
        super::follow::wait(self, sent, wait, call).await
    }

    /// Sign `call` with `signer` and hand it to the pool without watching it (a watch is a
    /// subscription, and a node allows a connection only so many): returns the transaction
    /// hash once the pool accepted it. For floods, where inclusion is read from blocks.
    pub async fn submit_to_pool<C: Payload>(&self, call: &C, signer: &Keypair) -> Result<H256, ChainError> {
        let name = call_name(call);
        self.with_nonce(&name, signer, |at, params| async move {
            let tx = at.transactions().from_bytes(sign(&at, call, signer, params)?);
            self.to_pool(tx.hash(), tx.encoded()).await
        })
        .await
    }

    /// Sign `count` copies of `call` with consecutive nonces and hand them to the pool,
    /// `in_flight` submissions at a time; returns `(accepted, refused)` by the pool. Signing
    /// happens up front, so the rate is the node's, not one round trip per transaction.
    pub async fn flood<C: Payload>(
        &self,
        call: &C,
        signer: &Keypair,
        count: u32,
        in_flight: usize,
    ) -> Result<(u32, u32), ChainError> {
        let signed = self.sign_many(call, signer, count).await?;
        self.submit_signed(signed, in_flight).await
    }

    /// `count` copies of `call` signed with the signer's next consecutive nonces, encoded and
    /// not yet sent (for [`Self::submit_signed`]): a flood that should measure the node, not
    /// the signing, signs first.
    pub async fn sign_many<C: Payload>(
        &self,
        call: &C,
        signer: &Keypair,
        count: u32,
    ) -> Result<Vec<Vec<u8>>, ChainError> {
        let name = call_name(call);
        let account = <Keypair as subxt::tx::Signer<SubstrateConfig>>::account_id(signer);
        let slot = self.nonce_slot(account.0).await;
        let mut next = slot.lock().await;
        let first = self.next_nonce(&account, *next).await?;
        let at = self.at(Finality::Best).await?;
        let birth = self.birth(&at).await?;
        let mut signed = Vec::with_capacity(count as usize);
        for i in 0..u64::from(count) {
            let params = signing_params(first + i, birth);
            signed.push(
                sign(&at, call, signer, params)
                    .map_err(|reason| ChainError::Rejected { call: name.clone(), reason })?,
            );
        }
        *next = Some(first + u64::from(count));
        Ok(signed)
    }

    /// Hand encoded transactions to the pool, `in_flight` at a time; `(accepted, refused)`.
    pub async fn submit_signed(&self, encoded: Vec<Vec<u8>>, in_flight: usize) -> Result<(u32, u32), ChainError> {
        let count = encoded.len() as u32;
        let at = self.at(Finality::Best).await?;
        let at = &at;
        let outcomes: Vec<bool> = futures::stream::iter(encoded)
            .map(|bytes| async move {
                let tx = at.transactions().from_bytes(bytes);
                self.to_pool(tx.hash(), tx.encoded()).await.is_ok()
            })
            .buffer_unordered(in_flight.max(1))
            .collect()
            .await;
        let accepted = outcomes.iter().filter(|ok| **ok).count() as u32;
        Ok((accepted, count - accepted))
    }

    /// The nonce of one account, locked while that account signs and submits; other accounts
    /// sharing this connection (a fleet container's daemons) go ahead in parallel.
    async fn nonce_slot(&self, account: [u8; 32]) -> NonceSlot {
        self.nonces.lock().await.entry(account).or_default().clone()
    }

    /// The larger of the node's pool-aware count and what this client already handed out
    /// (`remembered`): the node's count lags behind transactions just sent to its pool.
    async fn next_nonce(&self, account: &AccountId32, remembered: Option<u64>) -> Result<u64, ChainError> {
        let pool_aware = self
            .rpc
            .system_account_next_index(account)
            .await
            .map_err(|e| ChainError::rpc("system_accountNextIndex", e))?;
        Ok(pool_aware.max(remembered.unwrap_or(0)))
    }

    /// Run one signed submission with the signer's next nonce: the larger of the node's
    /// pool-aware count and what this client handed out, so concurrent submissions from one
    /// account do not collide. Submissions go one at a time for that reason.
    async fn with_nonce<T, E, F, Fut>(&self, name: &str, signer: &Keypair, send: F) -> Result<T, ChainError>
    where
        E: std::fmt::Display,
        F: FnOnce(AtBlock, subxt::config::DefaultExtrinsicParams<SubstrateConfig>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let account = <Keypair as subxt::tx::Signer<SubstrateConfig>>::account_id(signer);
        let slot = self.nonce_slot(account.0).await;
        let mut next = slot.lock().await;
        let nonce = self.next_nonce(&account, *next).await?;
        let at = self.at(Finality::Best).await?;
        let params = signing_params(nonce, self.birth(&at).await?);
        match send(at, params).await {
            Ok(sent) => {
                *next = Some(nonce + 1);
                Ok(sent)
            }
            Err(e) => {
                // Start again from the node's count next time.
                *next = None;
                Err(ChainError::Rejected { call: name.to_owned(), reason: e.to_string() })
            }
        }
    }

    /// Submit an unsigned `call`; returns once the pool accepted it, or found it already held.
    pub async fn submit_unsigned<C: Payload>(&self, call: &C) -> Result<H256, ChainError> {
        let name = call_name(call);
        let rejected = |reason: String| ChainError::Rejected { call: name.clone(), reason };
        let at = self.at(Finality::Best).await?;
        let tx = at.transactions().create_unsigned(call).map_err(|e| rejected(e.to_string()))?;
        self.to_pool(tx.hash(), tx.encoded()).await.map_err(rejected)
    }

    /// Hand encoded bytes to the pool without watching them (`author_submitExtrinsic`): their
    /// hash once the pool took them or already held them. Not subxt's `submit()`, which on the
    /// legacy backend watches and waits for a first status that a transaction with a future
    /// nonce does not get until the gap is filled (`chain_signing.rs` failed on it).
    async fn to_pool(&self, hash: H256, encoded: &[u8]) -> Result<H256, String> {
        super::follow::pooled(hash, self.rpc.author_submit_extrinsic(encoded).await)
    }

    /// Every new block of the given finality, with its marketplace events, from now on.
    pub async fn follow(
        &self,
        finality: Finality,
    ) -> Result<impl Stream<Item = Result<BlockEvents, ChainError>> + '_, ChainError> {
        // Subscribing opens the current block, which a young testnet's fork choice can retract
        // in between (10,000 daemons starting at once met it): subscribe again, as `at` does.
        let mut attempt = 0;
        let blocks = loop {
            let subscribed = match finality {
                Finality::Best | Finality::At(_) => self.client.stream_best_blocks().await,
                Finality::Finalized => self.client.stream_blocks().await,
            };
            match subscribed {
                Ok(blocks) => break blocks,
                Err(_) if attempt < BEST_BLOCK_ATTEMPTS => attempt += 1,
                Err(e) => return Err(ChainError::rpc("subscribing to blocks", e)),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let stream = futures::stream::unfold(blocks, move |mut blocks| async move {
            let read = match blocks.next().await? {
                Ok(block) => {
                    let (number, hash) = (block.number(), block.hash());
                    let open = || async move {
                        block.at().await.map_err(|e| ChainError::rpc(format!("reading block #{number}"), e))
                    };
                    self.blocks.get(hash, open).await.map(|read| read.events.clone())
                }
                Err(e) => Err(ChainError::rpc("following blocks", e)),
            };
            Some((read, blocks))
        });
        Ok(stream.boxed())
    }
}

/// `Pallet.call`, how errors name a call.
fn call_name<C: Payload>(call: &C) -> String {
    format!("{}.{}", call.pallet_name(), call.call_name())
}

/// `call` signed by `signer` with `params`, encoded.
fn sign<C: Payload>(
    at: &AtBlock,
    call: &C,
    signer: &Keypair,
    params: subxt::config::DefaultExtrinsicParams<SubstrateConfig>,
) -> Result<Vec<u8>, String> {
    let mut signable = at.transactions().create_signable_offline(call, params).map_err(|e| e.to_string())?;
    Ok(signable.sign(signer).map_err(|e| e.to_string())?.into_encoded())
}

/// Extrinsic parameters of a signed transaction: its nonce and a mortality from `birth`.
fn signing_params(
    nonce: u64,
    (birth_number, birth_hash): (u64, H256),
) -> subxt::config::DefaultExtrinsicParams<SubstrateConfig> {
    subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
        .nonce(nonce)
        .mortal_from_unchecked(MORTAL_PERIOD, birth_number, birth_hash)
        .build()
}

//! Typed storage reads. Every read opens the block it refers to with that block's own runtime
//! metadata; the marketplace entries whose layout changed between storage versions go through
//! [`super::layout`], the others through the generated API's check.

use super::client::AtBlock;
use super::layout::{self, JobV0, Layout, MarketParamsV0, NodeInfoV0};
use super::{api, AccountId32, Chain, ChainError, Finality, Job, MarketParams, NodeInfo};
use subxt::error::StorageError;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::storage::{Address, PrefixOf, StaticAddress};

impl Chain {
    /// One job, if it exists.
    pub async fn job(&self, id: u64, finality: Finality) -> Result<Option<Job>, ChainError> {
        self.versioned::<_, _, _, JobV0>(finality, api::storage().compute().jobs(), (id,), &format!("job {id}")).await
    }

    /// Every job, ordered by id.
    pub async fn jobs(&self, finality: Finality) -> Result<Vec<(u64, Job)>, ChainError> {
        let jobs = self.versioned_all::<_, _, _, JobV0>(finality, api::storage().compute().jobs(), "jobs").await?;
        let mut jobs: Vec<_> = jobs.into_iter().map(|((id,), job)| (id, job)).collect();
        jobs.sort_by_key(|(id, _)| *id);
        Ok(jobs)
    }

    /// One registered node.
    pub async fn node(&self, who: &AccountId32, finality: Finality) -> Result<Option<NodeInfo>, ChainError> {
        let addr = api::storage().compute().nodes();
        self.versioned::<_, _, _, NodeInfoV0>(finality, addr, (*who,), &format!("node {who}")).await
    }

    /// Every registered node.
    pub async fn nodes(&self, finality: Finality) -> Result<Vec<(AccountId32, NodeInfo)>, ChainError> {
        let nodes =
            self.versioned_all::<_, _, _, NodeInfoV0>(finality, api::storage().compute().nodes(), "nodes").await?;
        Ok(nodes.into_iter().map(|((who,), info)| (who, info)).collect())
    }

    /// The marketplace parameters at the best block.
    pub async fn params(&self) -> Result<MarketParams, ChainError> {
        self.params_at(Finality::Best).await
    }

    /// The marketplace parameters at a given block.
    pub async fn params_at(&self, finality: Finality) -> Result<MarketParams, ChainError> {
        let addr = api::storage().compute().params();
        let what = "the market parameters";
        self.versioned::<_, _, _, MarketParamsV0>(finality, addr, (), what)
            .await?
            .ok_or_else(|| ChainError::rpc(format!("reading {what}"), "genesis set none"))
    }

    /// Milliseconds per block, as the testnet's genesis set it.
    pub async fn block_time_ms(&self) -> Result<u64, ChainError> {
        let addr = api::storage().block_time().slot_duration_ms();
        Ok(self.read(Finality::Best, addr, (), "the block time").await?.unwrap_or_default())
    }

    /// The dispute committee at `finality`.
    pub async fn committee(&self, finality: Finality) -> Result<Vec<AccountId32>, ChainError> {
        let addr = api::storage().compute().committee();
        Ok(self.read(finality, addr, (), "the committee").await?.map(|c| c.0).unwrap_or_default())
    }

    /// Total issuance of the currency.
    pub async fn total_issuance(&self, finality: Finality) -> Result<u128, ChainError> {
        let addr = api::storage().balances().total_issuance();
        Ok(self.read(finality, addr, (), "the total issuance").await?.unwrap_or_default())
    }

    /// The block's timestamp (`pallet_timestamp::Now`), milliseconds since the Unix epoch.
    pub async fn timestamp(&self, finality: Finality) -> Result<u64, ChainError> {
        let addr = api::storage().timestamp().now();
        Ok(self.read(finality, addr, (), "the block timestamp").await?.unwrap_or_default())
    }

    /// Reference time (picoseconds) a block spent in its mandatory part: its initialisation,
    /// the marketplace's deadlines among it, and inherents (`System.BlockWeight`). Normal
    /// transactions get no room past the block's total limit, so this takes theirs.
    pub async fn mandatory_weight(&self, finality: Finality) -> Result<u64, ChainError> {
        let addr = api::storage().system().block_weight();
        let consumed = self.read(finality, addr, (), "the block's consumed weight").await?;
        Ok(consumed.map_or(0, |c| c.mandatory.ref_time))
    }

    /// `(free, held)` balance of an account in base units.
    pub async fn balance(&self, who: &AccountId32, finality: Finality) -> Result<(u128, u128), ChainError> {
        let addr = api::storage().system().account();
        let info = self.read(finality, addr, (*who,), &format!("the balance of {who}")).await?;
        Ok(info.map(|i| (i.data.free, i.data.reserved)).unwrap_or_default())
    }

    /// The `spec_version` of the runtime a block was built with.
    pub async fn spec_version_at(&self, finality: Finality) -> Result<u32, ChainError> {
        Ok(self.at(finality).await?.spec_version())
    }

    /// A value whose layout is the same in every runtime this program reads; the generated
    /// API checks that against the block's metadata. `None`: nothing stored.
    async fn read<A: Address>(
        &self,
        finality: Finality,
        addr: A,
        keys: A::KeyParts,
        what: &str,
    ) -> Result<Option<A::Value>, ChainError> {
        self.read_at(&self.at(finality).await?, addr, keys, what).await
    }

    async fn read_at<A: Address>(
        &self,
        at: &AtBlock,
        addr: A,
        keys: A::KeyParts,
        what: &str,
    ) -> Result<Option<A::Value>, ChainError> {
        let value = at.storage().try_fetch(addr, keys).await.map_err(|e| self.read_error(at, what, e))?;
        value.map(|v| v.decode().map_err(|e| ChainError::rpc(format!("decoding {what}"), e))).transpose()
    }

    /// A value of a marketplace entry whose layout changed: decoded in the layout the block
    /// stores it in.
    async fn versioned<K, V, P, Old>(
        &self,
        finality: Finality,
        addr: StaticAddress<K, V, P>,
        keys: K,
        what: &str,
    ) -> Result<Option<V>, ChainError>
    where
        StaticAddress<K, V, P>: Address<KeyParts = K, Value = V>,
        V: DecodeAsType,
        Old: DecodeAsType + Into<V>,
    {
        let at = self.at(finality).await?;
        let layout = self.layout(&at, &addr).await?;
        let addr_entry = addr.entry_name().to_owned();
        let addr_entry = addr_entry.as_str();
        let value =
            at.storage().try_fetch(addr.unvalidated(), keys).await.map_err(|e| self.read_error(&at, what, e))?;
        let decoded = value.map(|v| layout::decode::<V, Old>(v.bytes(), addr_entry, layout));
        decoded.transpose().map_err(|e| ChainError::rpc(format!("decoding {what}"), e))
    }

    /// Every entry of a marketplace map whose layout changed, with its key.
    async fn versioned_all<K, V, P, Old>(
        &self,
        finality: Finality,
        addr: StaticAddress<K, V, P>,
        what: &str,
    ) -> Result<Vec<(K, V)>, ChainError>
    where
        StaticAddress<K, V, P>: Address<KeyParts = K, Value = V>,
        K: subxt::ext::frame_decode::storage::IntoDecodableValues,
        (): PrefixOf<K>,
        V: DecodeAsType,
        Old: DecodeAsType + Into<V>,
    {
        let at = self.at(finality).await?;
        let layout = self.layout(&at, &addr).await?;
        let entry_name = addr.entry_name().to_owned();
        let listing = format!("listing {what}");
        let mut iter = at.storage().iter(addr.unvalidated(), ()).await.map_err(|e| self.read_error(&at, what, e))?;
        let mut all = Vec::new();
        while let Some(entry) = futures::StreamExt::next(&mut iter).await {
            let entry = entry.map_err(|e| ChainError::rpc(&listing, e))?;
            let key = entry.key().and_then(|k| k.decode()).map_err(|e| ChainError::rpc(&listing, e))?;
            let value = layout::decode::<V, Old>(entry.value().bytes(), &entry_name, layout)
                .map_err(|e| ChainError::rpc(&listing, e))?;
            all.push((key, value));
        }
        Ok(all)
    }

    /// The layout `addr` is stored in after this block. The runtime that executed the block
    /// wrote it; in the block that sets a new runtime that is still the old one, while the
    /// block's own metadata (its `Core_version`) is already the new one's.
    async fn layout<A: Address>(&self, at: &AtBlock, addr: &A) -> Result<Layout, ChainError> {
        let (entry, generated) = (addr.entry_name(), addr.validation_hash());
        let last = api::storage().system().last_runtime_upgrade();
        let writer = self.read_at(at, last, (), "the last runtime upgrade").await?;
        let found = match writer.map(|w| w.spec_version) {
            Some(spec) if spec != at.spec_version() => layout::of_spec(spec, entry, generated),
            _ => layout::of(at.metadata_ref(), entry, generated),
        };
        found.map_err(|reason| self.incompatible(at, reason))
    }

    fn read_error(&self, at: &AtBlock, what: &str, e: StorageError) -> ChainError {
        match e {
            StorageError::IncompatibleCodegen => {
                self.incompatible(at, format!("{what} is stored in a layout this build does not know"))
            }
            e => ChainError::rpc(format!("reading {what}"), e),
        }
    }

    fn incompatible(&self, at: &AtBlock, reason: String) -> ChainError {
        let reason = format!("block {} runs spec {}: {reason}", at.block_number(), at.spec_version());
        ChainError::Incompatible { url: self.url().to_owned(), reason }
    }
}

//! The declared weights against the storage each call really touches on its worst path: the
//! calls run inside externalities that record every distinct key read and written, and the
//! counts must not exceed what `weights.rs` charges. (The chain is built without the
//! benchmarking feature; this keeps the hand-counted weights honest.)
use crate::{mock::*, weights::storage, *};
use frame_support::{assert_ok, traits::Hooks};
use sp_core::{
	storage::{ChildInfo, StateVersion, TrackedStorageKey},
	H256,
};
use sp_externalities::{Extension, ExtensionStore, Externalities, MultiRemovalResults};
use std::{any::TypeId, collections::BTreeSet};

/// Forwards to the test externalities and records the keys touched, except those every block
/// touches anyway: `System`'s block-level items and the well-known `:` keys, which the
/// benchmarking machinery whitelists the same way. Accounts (`System.Account`) count.
struct Recording<'a> {
	inner: &'a mut dyn Externalities,
	reads: BTreeSet<Vec<u8>>,
	writes: BTreeSet<Vec<u8>>,
}

fn system_key(key: &[u8]) -> bool {
	let block_level =
		["Number", "ExecutionPhase", "EventCount", "Events", "EventTopics", "BlockWeight"];
	key.starts_with(b":")
		|| block_level.iter().any(|item| {
			key.starts_with(
				&[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(item.as_bytes())]
					.concat(),
			)
		})
}

impl Recording<'_> {
	fn read(&mut self, key: &[u8]) {
		if !system_key(key) {
			self.reads.insert(key.to_vec());
		}
	}
	fn write(&mut self, key: &[u8]) {
		if !system_key(key) {
			self.writes.insert(key.to_vec());
		}
	}
}

impl ExtensionStore for Recording<'_> {
	fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn std::any::Any> {
		self.inner.extension_by_type_id(type_id)
	}
	fn register_extension_with_type_id(
		&mut self,
		type_id: TypeId,
		extension: Box<dyn Extension>,
	) -> Result<(), sp_externalities::Error> {
		self.inner.register_extension_with_type_id(type_id, extension)
	}
	fn deregister_extension_by_type_id(
		&mut self,
		type_id: TypeId,
	) -> Result<(), sp_externalities::Error> {
		self.inner.deregister_extension_by_type_id(type_id)
	}
}

impl Externalities for Recording<'_> {
	fn set_offchain_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
		self.inner.set_offchain_storage(key, value)
	}
	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.read(key);
		self.inner.storage(key)
	}
	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.read(key);
		self.inner.storage_hash(key)
	}
	fn child_storage_hash(&mut self, child: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.child_storage_hash(child, key)
	}
	fn child_storage(&mut self, child: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.child_storage(child, key)
	}
	fn exists_storage(&mut self, key: &[u8]) -> bool {
		self.read(key);
		self.inner.exists_storage(key)
	}
	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		// A prefix iteration step reads the key it lands on.
		let next = self.inner.next_storage_key(key);
		if let Some(k) = &next {
			self.read(k);
		}
		next
	}
	fn next_child_storage_key(&mut self, child: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.inner.next_child_storage_key(child, key)
	}
	fn kill_child_storage(
		&mut self,
		child: &ChildInfo,
		limit: Option<u32>,
		cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.kill_child_storage(child, limit, cursor)
	}
	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		limit: Option<u32>,
		cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.write(prefix);
		self.inner.clear_prefix(prefix, limit, cursor)
	}
	fn clear_child_prefix(
		&mut self,
		child: &ChildInfo,
		prefix: &[u8],
		limit: Option<u32>,
		cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.clear_child_prefix(child, prefix, limit, cursor)
	}
	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.write(&key);
		self.inner.place_storage(key, value)
	}
	fn place_child_storage(&mut self, child: &ChildInfo, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.inner.place_child_storage(child, key, value)
	}
	fn storage_root(&mut self, version: StateVersion) -> Vec<u8> {
		self.inner.storage_root(version)
	}
	fn child_storage_root(&mut self, child: &ChildInfo, version: StateVersion) -> Vec<u8> {
		self.inner.child_storage_root(child, version)
	}
	fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
		self.write(&key);
		self.inner.storage_append(key, value)
	}
	fn storage_start_transaction(&mut self) {
		self.inner.storage_start_transaction()
	}
	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_rollback_transaction()
	}
	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_commit_transaction()
	}
	fn wipe(&mut self) {
		self.inner.wipe()
	}
	fn commit(&mut self) {
		self.inner.commit()
	}
	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		self.inner.read_write_count()
	}
	fn reset_read_write_count(&mut self) {
		self.inner.reset_read_write_count()
	}
	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		self.inner.get_whitelist()
	}
	fn set_whitelist(&mut self, new: Vec<TrackedStorageKey>) {
		self.inner.set_whitelist(new)
	}
	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		self.inner.get_read_and_written_keys()
	}
}

/// The storage item a key belongs to, for messages.
fn item(key: &[u8]) -> String {
	let items = [
		(
			"Compute",
			[
				"Params",
				"Committee",
				"Nodes",
				"Jobs",
				"NextJobId",
				"Timers",
				"TimerLoad",
				"TimerCursor",
			]
			.as_slice(),
		),
		("Balances", ["Account", "Holds", "TotalIssuance"].as_slice()),
		("System", ["Account", "BlockHash"].as_slice()),
	];
	for (pallet, names) in items {
		for name in names {
			let prefix = [
				sp_io::hashing::twox_128(pallet.as_bytes()),
				sp_io::hashing::twox_128(name.as_bytes()),
			]
			.concat();
			if key.starts_with(&prefix) {
				return format!("{pallet}.{name}");
			}
		}
	}
	format!("0x{}", hex_prefix(key))
}

fn hex_prefix(key: &[u8]) -> String {
	key.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Distinct keys `f` reads and writes, run inside the test externalities `ext`.
fn touched(ext: &mut sp_io::TestExternalities, f: impl FnOnce()) -> (u64, u64) {
	let mut ext = ext.ext();
	let mut recording =
		Recording { inner: &mut ext, reads: BTreeSet::new(), writes: BTreeSet::new() };
	sp_externalities::set_and_run_with_externalities(&mut recording, f);
	let names =
		|keys: &BTreeSet<Vec<u8>>| keys.iter().map(|k| item(k)).collect::<Vec<_>>().join(", ");
	eprintln!("reads: {}\nwrites: {}", names(&recording.reads), names(&recording.writes));
	(recording.reads.len() as u64, recording.writes.len() as u64)
}

fn assert_covers(what: &str, declared: (u64, u64), (reads, writes): (u64, u64)) {
	assert!(
		reads <= declared.0 && writes <= declared.1,
		"{what}: touches {reads} keys read and {writes} written, its weight charges for \
		 {} reads and {} writes",
		declared.0,
		declared.1
	);
}

/// A node that accepted and answered a job which a challenger disputed and the committee voted
/// wrong: the costliest deadline `on_initialize` handles.
fn disputed_and_lost() -> JobId {
	register(NODE, cpu(4), 1_000);
	let job = submit(REQUESTER, 500, Requirements::default());
	assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
	post_result(job, NODE, H256::repeat_byte(0xba));
	assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job));
	assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), job, false));
	assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[1]), job, false));
	job
}

#[test]
fn on_initialize_weight_covers_a_lost_dispute() {
	let mut ext = ExtBuilder::default().build();
	let job = ext.execute_with(disputed_and_lost);
	// Voting ends at block 5; the verdict runs in block 6.
	ext.execute_with(|| run_to_block(5));
	let used = touched(&mut ext, || {
		System::set_block_number(6);
		Compute::on_initialize(6);
	});
	ext.execute_with(|| {
		assert_eq!(status(job), JobStatus::Refunded { reason: RefundReason::ResultRejected })
	});
	assert_covers("on_initialize (a lost dispute)", storage::on_initialize(1, 1), used);
}

#[test]
fn submit_result_weight_covers_validation_and_dispatch() {
	let mut ext = ExtBuilder::default().build();
	let (payload, sig) = ext.execute_with(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		signed_result(job, NODE, H256::repeat_byte(1))
	});
	let used = touched(&mut ext, || {
		#[allow(deprecated)]
		use frame_support::pallet_prelude::{TransactionSource, ValidateUnsigned};
		let call = Call::submit_result { payload: payload.clone(), signature: sig };
		#[allow(deprecated)]
		let valid = Compute::validate_unsigned(TransactionSource::InBlock, &call);
		assert!(valid.is_ok());
		assert_ok!(Compute::submit_result(RuntimeOrigin::none(), payload, sig));
	});
	assert_covers("submit_result", storage::SUBMIT_RESULT, used);
}

#[test]
fn call_weights_cover_their_paths() {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| register(NODE, cpu(4), 1_000));
	let used = touched(&mut ext, || {
		submit(REQUESTER, 500, Requirements::default());
	});
	assert_covers("submit_job", storage::SUBMIT_JOB, used);
	let used = touched(&mut ext, || {
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), 0));
	});
	assert_covers("accept_job", storage::ACCEPT_JOB, used);
	ext.execute_with(|| post_result(0, NODE, H256::zero()));
	let used = touched(&mut ext, || {
		assert_ok!(Compute::challenge(RuntimeOrigin::signed(CHALLENGER), 0));
	});
	assert_covers("challenge", storage::CHALLENGE, used);
	let used = touched(&mut ext, || {
		assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), 0, true));
	});
	assert_covers("vote", storage::VOTE, used);
	ext.execute_with(|| {
		submit(REQUESTER, 500, Requirements::default());
	});
	let used = touched(&mut ext, || {
		assert_ok!(Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), 1));
	});
	assert_covers("cancel_job", storage::CANCEL_JOB, used);
}

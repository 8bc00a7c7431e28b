//! The weights against the storage each call really touches: the calls run inside
//! externalities that record every distinct key read and written, and the counts must not
//! exceed what `weights.rs` charges, declared before the call and reported after it. (The chain is built without the
//! benchmarking feature; this keeps the hand-counted weights honest.)
use crate::{mock::*, timers::MAX_TIMER_SHIFT, weights::storage, *};
use frame_support::{
	assert_ok,
	dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
	traits::Hooks,
	weights::Weight,
};

type Weights = crate::weights::SubstrateWeight<Test>;
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
	assert_covers(
		"on_initialize (a lost dispute)",
		sum(storage::on_initialize(1), storage::other_deadline(1)),
		used,
	);
}

/// A 500-unit job with default requirements and deadlines from `REQUESTER`.
fn submit_job() -> DispatchResultWithPostInfo {
	Compute::submit_job(
		RuntimeOrigin::signed(REQUESTER),
		H256::repeat_byte(7),
		bounded("http://store:7070/blobs/07"),
		Requirements::default(),
		500,
		JobDeadlines::default(),
	)
}

/// The timer loads a call's reported actual weight pays for: the `probes` whose weight it is.
fn probes_charged(post: PostDispatchInfo, weight_of: fn(u32) -> Weight) -> u32 {
	let actual = post.actual_weight.expect("a call that sets a deadline reports its actual weight");
	(0..=MAX_TIMER_SHIFT)
		.find(|probes| weight_of(*probes) == actual)
		.unwrap_or_else(|| panic!("actual weight {actual:?} is no number of timer probes"))
}

/// Run `call` recording the keys it touches; the keys must fit what its reported actual weight
/// charges for (`storage_of` the probes charged). Returns those probes.
fn assert_charged(
	ext: &mut sp_io::TestExternalities,
	what: &str,
	weight_of: fn(u32) -> Weight,
	storage_of: fn(u32) -> (u64, u64),
	call: impl FnOnce() -> DispatchResultWithPostInfo,
) -> u32 {
	let mut post = None;
	let used = touched(ext, || post = Some(call()));
	let post = post.expect("the call ran").unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
	let probes = probes_charged(post, weight_of);
	assert_covers(what, storage_of(probes), used);
	probes
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
	let probes = assert_charged(
		&mut ext,
		"submit_result",
		Weights::submit_result,
		storage::submit_result,
		|| {
			#[allow(deprecated)]
			use frame_support::pallet_prelude::{TransactionSource, ValidateUnsigned};
			let call = Call::submit_result { payload: payload.clone(), signature: sig };
			#[allow(deprecated)]
			let valid = Compute::validate_unsigned(TransactionSource::InBlock, &call);
			assert!(valid.is_ok());
			Compute::submit_result(RuntimeOrigin::none(), payload, sig)
		},
	);
	assert_eq!(probes, 1, "an empty deadline queue has room in the first block");
}

#[test]
fn call_weights_cover_their_paths() {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| register(NODE, cpu(4), 1_000));
	assert_charged(&mut ext, "submit_job", Weights::submit_job, storage::submit_job, submit_job);
	assert_charged(&mut ext, "accept_job", Weights::accept_job, storage::accept_job, || {
		Compute::accept_job(RuntimeOrigin::signed(NODE), 0)
	});
	ext.execute_with(|| post_result(0, NODE, H256::zero()));
	assert_charged(&mut ext, "challenge", Weights::challenge, storage::challenge, || {
		Compute::challenge(RuntimeOrigin::signed(CHALLENGER), 0)
	});
	let used = touched(&mut ext, || {
		assert_ok!(Compute::vote(RuntimeOrigin::signed(MEMBERS[0]), 0, true));
	});
	assert_covers("vote", storage::VOTE, used);
	ext.execute_with(|| {
		submit(REQUESTER, 500, Requirements::default());
	});
	assert_charged(&mut ext, "cancel_job", Weights::cancel_job, storage::cancel_job, || {
		Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), 1)
	});
}

/// Each call that sets a deadline declares the longest search, which is what a block's room
/// is checked against before it runs.
#[test]
fn deadline_setting_calls_declare_the_longest_timer_search() {
	use frame_support::dispatch::GetDispatchInfo;
	let declared = |call: Call<Test>| call.get_dispatch_info().call_weight;
	let submit = Call::<Test>::submit_job {
		spec_hash: H256::zero(),
		spec_uri: bounded("u"),
		requirements: Requirements::default(),
		budget: 1,
		deadlines: JobDeadlines::default(),
	};
	assert_eq!(declared(submit), Weights::submit_job(MAX_TIMER_SHIFT));
	assert_eq!(declared(Call::cancel_job { job_id: 0 }), Weights::cancel_job(MAX_TIMER_SHIFT));
	assert_eq!(declared(Call::accept_job { job_id: 0 }), Weights::accept_job(MAX_TIMER_SHIFT));
	assert_eq!(declared(Call::challenge { job_id: 0 }), Weights::challenge(MAX_TIMER_SHIFT));
	let (payload, signature) =
		ExtBuilder::default().build().execute_with(|| signed_result(0, NODE, H256::zero()));
	assert_eq!(
		declared(Call::submit_result { payload, signature }),
		Weights::submit_result(MAX_TIMER_SHIFT)
	);
}

/// A requester who fills the next blocks' deadline room makes the next submission search
/// further; the refund must charge every block it read, not the usual one.
#[test]
fn a_burst_that_fills_deadline_blocks_pays_for_the_longer_search() {
	let mut ext = ExtBuilder::default().build();
	let full = 5;
	ext.execute_with(|| {
		let earliest = System::block_number() + default_params().accept_timeout;
		for block in earliest..earliest + full {
			TimerLoad::<Test>::insert(block, 16);
		}
	});
	let probes = assert_charged(
		&mut ext,
		"submit_job",
		Weights::submit_job,
		storage::submit_job,
		submit_job,
	);
	assert_eq!(probes, full as u32 + 1);
}

/// With no room within the longest search the call fails, charged the whole search: filling the
/// queue cannot buy cheap block space.
#[test]
fn a_search_that_finds_no_room_is_charged_in_full() {
	ExtBuilder::default().build().execute_with(|| {
		let earliest = System::block_number() + default_params().accept_timeout;
		for block in earliest..earliest + u64::from(MAX_TIMER_SHIFT) {
			TimerLoad::<Test>::insert(block, 16);
		}
		let failed = submit_job().expect_err("no block has room");
		assert_eq!(failed.error, Error::<Test>::TooManyTimers.into());
		assert_eq!(failed.post_info.actual_weight, Some(Weights::submit_job(MAX_TIMER_SHIFT)));
	});
}

/// A call's weight and the storage it is priced for, by timer probes.
type Priced = (fn(u32) -> Weight, fn(u32) -> (u64, u64));

/// Run `call`, which must be refused with `error`, recording the keys it touches: it is charged
/// its fixed keys and no deadline search, and those cover what it touched.
fn assert_refused(
	ext: &mut sp_io::TestExternalities,
	what: &str,
	error: Error<Test>,
	(weight_of, storage_of): Priced,
	call: impl FnOnce() -> DispatchResultWithPostInfo,
) {
	let mut outcome = None;
	let used = touched(ext, || outcome = Some(call()));
	let refused = outcome.expect("the call ran").expect_err(what);
	assert_eq!(refused.error, error.into(), "{what}");
	assert_eq!(refused.post_info.actual_weight, Some(weight_of(0)), "{what}: charged no search");
	assert_covers(what, storage_of(0), used);
}

/// Two nodes ranked one block apart both see a job open; the second one's accept lands after
/// the first and is refused. It read the job and stopped: charged the declared 64-block search,
/// each such accept cost a block more than the winning one (4.3 of them a job at 1,000 daemons).
#[test]
fn a_losing_accept_pays_for_what_it_read_not_the_longest_search() {
	let mut ext = ExtBuilder::default().build();
	let job = ext.execute_with(|| {
		register(NODE, cpu(4), 1_000);
		register(NODE_2, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		job
	});
	assert_refused(
		&mut ext,
		"the losing accept",
		Error::NotOpen,
		(Weights::accept_job, storage::accept_job),
		|| Compute::accept_job(RuntimeOrigin::signed(NODE_2), job),
	);
}

/// Every call that sets a deadline, refused before its search, is charged without it.
#[test]
fn refusals_before_the_deadline_search_are_charged_without_it() {
	let mut ext = ExtBuilder::default().build();
	let (job, payload, signature) = ext.execute_with(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		let (payload, _) = signed_result(job, NODE, H256::repeat_byte(1));
		(job, payload, [0u8; 64])
	});
	assert_refused(
		&mut ext,
		"a job over the requester's balance",
		Error::InsufficientBalance,
		(Weights::submit_job, storage::submit_job),
		|| {
			Compute::submit_job(
				RuntimeOrigin::signed(REQUESTER),
				H256::repeat_byte(7),
				bounded("http://store:7070/blobs/07"),
				Requirements::default(),
				ENDOWMENT * 2,
				JobDeadlines::default(),
			)
		},
	);
	assert_refused(
		&mut ext,
		"cancelling a job already taken",
		Error::NotOpen,
		(Weights::cancel_job, storage::cancel_job),
		|| Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), job),
	);
	assert_refused(
		&mut ext,
		"a result under a forged signature",
		Error::InvalidResult,
		(Weights::submit_result, storage::submit_result),
		|| Compute::submit_result(RuntimeOrigin::none(), payload, signature),
	);
	assert_refused(
		&mut ext,
		"challenging a job with no result",
		Error::NotChallengeable,
		(Weights::challenge, storage::challenge),
		|| Compute::challenge(RuntimeOrigin::signed(CHALLENGER), job),
	);
}

/// What the keys `touched` recorded cost at the runtime's prices, with `handled` + 1 call bodies
/// (the block's scan and each deadline).
fn priced((reads, writes): (u64, u64), handled: u64) -> Weight {
	<Test as frame_system::Config>::DbWeight::get()
		.reads_writes(reads, writes)
		.saturating_add(Weight::from_parts(crate::weights::BASE, 4_000).saturating_mul(handled + 1))
}

fn sum(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
	(a.0 + b.0, a.1 + b.1)
}

/// A block's initialisation that scanned one block and handled one deadline reported `weight`:
/// the scan and `path`, and the deadline alone no more than every key the block touched costs.
fn assert_deadline_charged(what: &str, weight: Weight, path: Weight, used: (u64, u64)) {
	assert_eq!(weight, Weights::on_initialize(1).saturating_add(path), "{what}");
	let deadline = weight.saturating_sub(Weights::on_initialize(1));
	assert!(
		deadline.all_lte(priced(used, 0)),
		"the {what} alone was charged {deadline:?}, more than every key the block's \
		 initialisation touched ({used:?}) costs: {:?}",
		priced(used, 0)
	);
}

/// `on_initialize` at block `at`: the keys it touched and the weight it reported.
fn initialize(ext: &mut sp_io::TestExternalities, at: u64) -> ((u64, u64), Weight) {
	ext.execute_with(|| run_to_block(at - 1));
	let mut weight = Weight::zero();
	let used = touched(ext, || {
		System::set_block_number(at);
		weight = Compute::on_initialize(at);
	});
	(used, weight)
}

/// Charged the lost dispute's path for every deadline, a block that paid out undisputed results
/// left normal transactions about 1.45 ms less room per job settled (the load runs' broken
/// steps stopped at 76 to 90% of the normal limit while settlements filled the rest).
#[test]
fn an_undisputed_payout_is_charged_its_own_path_not_a_lost_dispute() {
	let mut ext = ExtBuilder::default().build();
	let job = ext.execute_with(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::accept_job(RuntimeOrigin::signed(NODE), job));
		post_result(job, NODE, H256::repeat_byte(0xaa));
		job
	});
	// The result landed in block 1 with a 5-block window: paid in block 7.
	let (used, weight) = initialize(&mut ext, 7);
	ext.execute_with(|| assert!(matches!(status(job), JobStatus::Completed { .. })));
	assert_covers(
		"on_initialize (a payout)",
		sum(storage::on_initialize(1), storage::pay_job(1)),
		used,
	);
	assert_deadline_charged("payout", weight, Weights::pay_job(1), used);
}

/// A finished job's record leaving storage reads and removes it; charged as a lost dispute, every
/// job paid twice that path's weight over its life.
#[test]
fn removing_a_finished_job_is_charged_its_own_path_not_a_lost_dispute() {
	let mut ext = ExtBuilder::default().build();
	let job = ext.execute_with(|| {
		register(NODE, cpu(4), 1_000);
		let job = submit(REQUESTER, 500, Requirements::default());
		assert_ok!(Compute::cancel_job(RuntimeOrigin::signed(REQUESTER), job));
		job
	});
	// Cancelled in block 1, retention 100: removed in block 101.
	let (used, weight) = initialize(&mut ext, 101);
	ext.execute_with(|| assert!(Jobs::<Test>::get(job).is_none()));
	assert_covers(
		"on_initialize (a removal)",
		sum(storage::on_initialize(1), storage::REMOVE_JOB),
		used,
	);
	assert_deadline_charged("removal", weight, Weights::remove_job(), used);
}

//! Real `cr-node` processes on loopback: keys, a chain spec made from the `local` template, and a
//! guard that kills every process it started when the test ends, passing or panicking, and keeps
//! their logs when it fails (or always, with `CR_KEEP_TEST_DIRS` set). A test process killed by a
//! signal cannot run the guard; its nodes then have to be killed by hand (`pgrep -a cr-node`).

use super::rpc::{Res, Rpc};
use compute_runtime::{genesis, Balance, BlockNumber, UNIT};
use pallet_compute::MarketParams;
use serde_json::Value;
use sp_core::{ed25519, sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::{
	fs,
	future::Future,
	io::Write,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Mutex,
	time::{Duration, Instant},
};

/// The node binary cargo built for this test run.
pub const NODE: &str = env!("CARGO_BIN_EXE_cr-node");

/// Run a `cr-node` subcommand to completion; panics with its stderr when it fails.
fn cr_node(args: &[&str], stdin: Option<&str>) -> String {
	let mut child = Command::new(NODE)
		.args(args)
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.unwrap_or_else(|e| panic!("cannot start {NODE}: {e}"));
	let mut input = child.stdin.take().expect("piped stdin");
	input.write_all(stdin.unwrap_or_default().as_bytes()).expect("writing cr-node's stdin");
	drop(input);
	let out = child.wait_with_output().expect("cr-node output");
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "cr-node {args:?} failed ({}): {stderr}", out.status);
	String::from_utf8(out.stdout).expect("cr-node prints UTF-8")
}

/// `n` distinct free TCP ports on 127.0.0.1 (all bound at once, then released).
pub fn free_ports(n: usize) -> Vec<u16> {
	let listeners: Vec<_> = (0..n)
		.map(|_| TcpListener::bind("127.0.0.1:0").expect("binding a loopback port"))
		.collect();
	listeners.iter().map(|l| l.local_addr().expect("bound address").port()).collect()
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A validator's three secrets, from distinct fixed seeds.
pub struct ValidatorKeys {
	aura: [u8; 32],
	grandpa: [u8; 32],
	node_key: [u8; 32],
}

impl ValidatorKeys {
	/// The keys of validator `i`.
	pub fn new(i: u8) -> Self {
		Self { aura: [0xa0 + i; 32], grandpa: [0xb0 + i; 32], node_key: [0xc0 + i; 32] }
	}

	fn aura_public(&self) -> sr25519::Public {
		sr25519::Pair::from_seed(&self.aura).public()
	}

	fn grandpa_public(&self) -> ed25519::Public {
		ed25519::Pair::from_seed(&self.grandpa).public()
	}

	/// Put the Aura and GRANDPA keys into the keystore under `base`, as an operator would.
	fn insert(&self, base: &Path, spec: &Path) {
		for (scheme, seed, key_type) in
			[("sr25519", &self.aura, "aura"), ("ed25519", &self.grandpa, "gran")]
		{
			let suri = format!("0x{}", hex(seed));
			let (base, spec) =
				(base.to_str().expect("UTF-8 path"), spec.to_str().expect("UTF-8 path"));
			cr_node(
				&["key", "insert", "--base-path", base, "--chain", spec, "--scheme", scheme]
					.into_iter()
					.chain(["--suri", &suri, "--key-type", key_type])
					.collect::<Vec<_>>(),
				None,
			);
		}
	}

	/// libp2p peer id of the node key, as the node itself derives it.
	fn peer_id(&self) -> String {
		cr_node(&["key", "inspect-node-key"], Some(&hex(&self.node_key))).trim().to_string()
	}
}

/// The genesis patch: `validators`, every dev account funded, Alice sudo, Ferdie the committee.
pub fn genesis_patch(
	validators: &[ValidatorKeys],
	params: &MarketParams<Balance, BlockNumber>,
	block_ms: u64,
) -> Value {
	let authorities =
		validators.iter().map(|v| (v.aura_public().into(), v.grandpa_public().into())).collect();
	let endowed = Sr25519Keyring::iter().map(|k| (k.to_account_id(), 1_000_000 * UNIT)).collect();
	let mut patch = genesis::testnet_genesis(
		authorities,
		endowed,
		Sr25519Keyring::Alice.to_account_id(),
		vec![Sr25519Keyring::Ferdie.to_account_id()],
		block_ms,
	);
	patch["compute"]["params"] = serde_json::to_value(params).expect("params serialise");
	patch
}

/// Processes started by a test; killed on drop. Their base paths and logs live in `dir`, which is
/// removed after a passing test and kept (and printed) after a failing one.
pub struct Network {
	children: Mutex<Vec<(String, Child)>>,
	pub rpc: Vec<Rpc>,
	pub dir: PathBuf,
	/// When the last node was started.
	pub started: Instant,
}

impl Network {
	fn empty(label: &str) -> Self {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.expect("clock after 1970")
			.subsec_nanos();
		let dir = std::env::temp_dir().join(format!("cr-{label}-{}-{nanos}", std::process::id()));
		fs::create_dir_all(&dir).expect("creating the test directory");
		Self { children: Mutex::new(Vec::new()), rpc: Vec::new(), dir, started: Instant::now() }
	}

	fn spawn(&mut self, name: &str, args: &[String], rpc_port: u16) {
		let log =
			fs::File::create(self.dir.join(format!("{name}.log"))).expect("creating a log file");
		let err = log.try_clone().expect("cloning a log handle");
		let child = Command::new(NODE)
			.args(args)
			.stdin(Stdio::null())
			.stdout(log)
			.stderr(err)
			.spawn()
			.unwrap_or_else(|e| panic!("cannot start {NODE}: {e}"));
		self.children.lock().expect("children lock").push((name.to_string(), child));
		self.rpc.push(Rpc::new(rpc_port));
	}

	/// Validators on loopback, each with its own keystore and node key, all bootnodes of each
	/// other, with `patch` as the genesis of a chain spec made from the `local` template.
	pub fn validators(label: &str, keys: &[ValidatorKeys], patch: Value) -> Self {
		let mut net = Self::empty(label);
		let mut spec: Value =
			serde_json::from_str(&cr_node(&["export-chain-spec", "--chain", "local"], None))
				.expect("export-chain-spec prints JSON");
		spec["name"] = "Compute Loopback".into();
		spec["id"] = "compute_loopback".into();
		spec["bootNodes"] = Value::Array(Vec::new());
		spec["genesis"]["runtimeGenesis"]["patch"] = patch;
		let spec_path = net.dir.join("spec.json");
		fs::write(&spec_path, spec.to_string()).expect("writing the chain spec");

		let ports = free_ports(2 * keys.len());
		let (p2p, rpc) = ports.split_at(keys.len());
		let peers: Vec<_> = keys.iter().map(ValidatorKeys::peer_id).collect();
		for (i, k) in keys.iter().enumerate() {
			let base = net.dir.join(format!("v{i}"));
			k.insert(&base, &spec_path);
			let mut args: Vec<String> = [
				"--validator",
				"--chain",
				spec_path.to_str().expect("UTF-8 path"),
				"--base-path",
				base.to_str().expect("UTF-8 path"),
				"--no-prometheus",
				"--no-telemetry",
				"--no-mdns",
			]
			.map(String::from)
			.into();
			args.extend(["--name".into(), format!("v{i}"), "--node-key".into(), hex(&k.node_key)]);
			args.extend(["--listen-addr".into(), format!("/ip4/127.0.0.1/tcp/{}", p2p[i])]);
			args.extend(["--rpc-port".into(), rpc[i].to_string()]);
			for (j, peer) in peers.iter().enumerate().filter(|(j, _)| *j != i) {
				args.extend([
					"--bootnodes".into(),
					format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", p2p[j]),
				]);
			}
			net.spawn(&format!("v{i}"), &args, rpc[i]);
		}
		net.started = Instant::now();
		net
	}

	/// One `--dev` node (Alice, its own temporary database).
	pub fn dev(label: &str) -> Self {
		let mut net = Self::empty(label);
		let [p2p, rpc] = free_ports(2)[..] else { unreachable!("two ports asked for") };
		let base = net.dir.join("dev");
		let args = [
			"--dev",
			"--base-path",
			base.to_str().expect("UTF-8 path"),
			"--no-prometheus",
			"--no-telemetry",
			"--no-mdns",
			"--listen-addr",
			&format!("/ip4/127.0.0.1/tcp/{p2p}"),
			"--rpc-port",
			&rpc.to_string(),
		]
		.map(String::from);
		net.spawn("dev", &args, rpc);
		net
	}

	/// Fails if any node has exited: a crashed node never recovers within a test.
	fn all_running(&self) -> Res<()> {
		let mut children = self.children.lock().expect("children lock");
		for (name, child) in children.iter_mut() {
			if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
				return Err(format!("node {name} exited ({status})"));
			}
		}
		Ok(())
	}

	/// Poll `check` every 250 ms until it yields `Some`; panic after `timeout`, or at once when
	/// a node dies, naming `what` and the last error seen.
	pub async fn wait_for<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
	where
		F: FnMut() -> Fut,
		Fut: Future<Output = Res<Option<T>>>,
	{
		let deadline = Instant::now() + timeout;
		let mut last = String::from("none: the condition just never held");
		loop {
			if let Err(dead) = self.all_running() {
				panic!("{dead} while waiting for {what}; last error: {last}");
			}
			match check().await {
				Ok(Some(v)) => return v,
				Ok(None) => {}
				Err(e) => last = e,
			}
			if Instant::now() >= deadline {
				panic!("timed out after {timeout:?} waiting for {what}; last error: {last}");
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
}

fn tail(path: &Path, lines: usize) -> String {
	let text = fs::read_to_string(path).unwrap_or_else(|e| format!("(unreadable: {e})"));
	let all: Vec<_> = text.lines().collect();
	all[all.len().saturating_sub(lines)..].join("\n")
}

impl Drop for Network {
	fn drop(&mut self) {
		let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
		for (_, child) in children.iter_mut() {
			let _ = child.kill();
			let _ = child.wait();
		}
		if std::thread::panicking() {
			for (name, _) in children.iter() {
				let log = self.dir.join(format!("{name}.log"));
				eprintln!("---- last lines of {} ----\n{}", log.display(), tail(&log, 40));
			}
			eprintln!("node logs, keystores and chain spec kept in {}", self.dir.display());
		} else if std::env::var_os("CR_KEEP_TEST_DIRS").is_some() {
			eprintln!("node logs kept in {} (CR_KEEP_TEST_DIRS)", self.dir.display());
		} else {
			let _ = fs::remove_dir_all(&self.dir);
		}
	}
}

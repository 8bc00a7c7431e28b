//! `cr-compute store` as a process: JSON logs, serving, SIGTERM, bad arguments.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use cr_protocol::store_client::StoreClient;
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const BIN: &str = env!("CARGO_BIN_EXE_cr-compute");

/// Kills the child if a test fails before it stops it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Forwards the child's stderr lines to a channel, so the test can wait with a deadline.
fn lines(child: &mut Child) -> Option<Receiver<String>> {
    let stderr = child.stderr.take()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Some(rx)
}

/// The first JSON log event whose message is `message`.
fn wait_for(rx: &Receiver<String>, message: &str) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let line = rx.recv_timeout(left).ok()?;
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if event["message"] == message {
            return Some(event);
        }
    }
    None
}

#[test]
fn serves_logs_json_and_stops_on_sigterm() -> TestResult {
    let dir = tempfile::tempdir()?;
    let child = Command::new(BIN)
        .args(["store", "--listen", "127.0.0.1:0", "--log-format", "json", "--max-blob-bytes", "4096", "--data-dir"])
        .arg(dir.path().join("data"))
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()?;
    let mut running = Running(child);
    let rx = lines(&mut running.0).ok_or("no stderr")?;
    let started = wait_for(&rx, "artifact store listening").ok_or("no start event")?;
    assert_eq!(started["max_blob_bytes"], 4096);
    let listen = started["listen"].as_str().ok_or("no listen field")?.to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = StoreClient::new(&format!("http://{listen}"))?;
    let uri = runtime.block_on(client.put(b"from the CLI test".to_vec()))?;
    assert_eq!(runtime.block_on(client.get(uri.hash()))?, b"from the CLI test");
    let request = wait_for(&rx, "request").ok_or("no request event")?;
    assert_eq!((request["method"].as_str(), request["status"].as_u64()), (Some("PUT"), Some(201)));
    // "stored <64 hex>\n"
    assert_eq!(request["response_bytes"], 72);
    assert!(dir.path().join("data").join("blobs").join(uri.hash().to_hex()).is_file());

    let pid = running.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status()?.success());
    wait_for(&rx, "artifact store stopped").ok_or("no stop event")?;
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = running.0.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            return Err("the store did not exit after SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    Ok(())
}

#[test]
fn refuses_bad_arguments() -> TestResult {
    let zero = Command::new(BIN).args(["store", "--data-dir", "/tmp/x", "--max-blob-bytes", "0"]).output()?;
    assert_eq!(zero.status.code(), Some(2), "clap usage error");
    let missing = Command::new(BIN).args(["store"]).output()?;
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--data-dir"));

    // A data directory that is a file cannot be used: exit 1 and say why.
    let file = tempfile::NamedTempFile::new()?;
    let output = Command::new(BIN)
        .args(["store", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(file.path())
        .env("RUST_LOG", "off")
        .output()?;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot use data directory") && stderr.contains(&*file.path().to_string_lossy()),
        "{stderr}"
    );
    Ok(())
}

//! The dashboard in headless Chromium against a real testnet: the finalized block number on
//! the page increases; a job submitted from the page's form reaches Completed with its 90/10
//! amounts; a job answered by a `wrong-result` node shows the committee's votes; after `down`
//! the page says it is waiting for the chain. Screenshots go to `docs/dashboard/`.
//!
//! Needs Docker, the release binaries (`up --no-build`) and Debian's `chromium`
//! (`ci/setup.sh` installs it); the end-to-end tier runs it with `--ignored`.

#[path = "e2e_support.rs"]
mod support;

use base64::Engine;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::*;
use tungstenite::{stream::MaybeTlsStream, Message, WebSocket};

/// A Chrome DevTools Protocol session on one page, over the browser's websocket.
struct Cdp {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
}

impl Cdp {
    fn call_raw(
        socket: &mut WebSocket<MaybeTlsStream<TcpStream>>,
        id: u64,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Value {
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        socket.send(Message::text(msg.to_string())).unwrap_or_else(|e| panic!("CDP send {method}: {e}"));
        loop {
            let reply = socket.read().unwrap_or_else(|e| panic!("CDP read for {method}: {e}"));
            let Message::Text(text) = reply else { continue };
            let v: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "CDP {method} failed: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Open `url` in a new page of the browser at `ws`.
    fn open(ws: &str, url: &str) -> Self {
        let (mut socket, _) = tungstenite::connect(ws).unwrap_or_else(|e| panic!("connecting to {ws}: {e}"));
        let target = Self::call_raw(&mut socket, 1, None, "Target.createTarget", json!({"url": url}));
        let target = target["targetId"].as_str().unwrap_or_default().to_owned();
        let attached =
            Self::call_raw(&mut socket, 2, None, "Target.attachToTarget", json!({"targetId": target, "flatten": true}));
        let session = attached["sessionId"].as_str().unwrap_or_default().to_owned();
        Self { socket, session, next_id: 3 }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        Self::call_raw(&mut self.socket, self.next_id, Some(&self.session.clone()), method, params)
    }

    /// Evaluate JavaScript in the page; its value as JSON.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        r["result"]["value"].clone()
    }

    /// Poll `expression` every second until it is truthy; its value.
    fn wait_for(&mut self, what: &str, expression: &str, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(expression);
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            let body = self.eval("document.body.innerText");
            assert!(
                start.elapsed() < within,
                "{what}: not seen within {} s; the page says:\n{}",
                within.as_secs(),
                body.as_str().unwrap_or_default()
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn screenshot(&mut self, width: u32, height: u32, mobile: bool, path: &Path) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
        std::thread::sleep(Duration::from_millis(500));
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

/// Kills a child process when the test ends, however it ends.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `child`, read `stream` lines until one contains `marker`; returns that line.
fn first_line_with(lines: impl BufRead, marker: &str) -> String {
    lines.lines().map_while(Result::ok).find(|l| l.contains(marker)).unwrap_or_else(|| panic!("no line with {marker}"))
}

fn dispute_topology(dir: &Path, name: &str) -> PathBuf {
    let text = format!(
        "name: {name}
validators: {{count: 2}}
chain:
  block_time_ms: 2000
  market: {{challenge_window_blocks: 6, voting_period_blocks: 6, accept_timeout_blocks: 10,
           execution_timeout_blocks: 10, max_attempts: 2, challenge_bond: 50, min_node_stake: 100,
           protocol_fee_percent: 10, slash_percent: 50, challenger_reward_percent: 50, quorum: 1}}
  requesters: [requester]
  endowment: 1000000
compute:
  - {{group: cpu, count: 1, cpu_cores: 4, memory_mb: 2048}}
  - {{group: wrong, count: 1, cpu_cores: 2, memory_mb: 2048, behaviour: wrong-result,
     gpu: {{count: 1, model: SIM-WRONG, vram_mb: 1024}}}}
  - {{group: verifier, count: 2, role: verifier, cpu_cores: 2, memory_mb: 2048,
     gpu: {{count: 1, model: SIM-WRONG, vram_mb: 1024}}}}
store: {{enabled: true}}
"
    );
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// Fill the form and submit it; the job id the page reports.
fn submit_form(page: &mut Cdp, workload: &str, size: u64, cpu: u32, gpu: &str) -> u64 {
    page.eval("document.getElementById('form-result').removeAttribute('data-job')");
    page.eval(&format!(
        "(() => {{ const set = (id, v) => document.getElementById(id).value = v;
           set('f-workload', '{workload}'); set('f-size', '{size}'); set('f-budget', '100');
           set('f-cpu', '{cpu}'); set('f-gpu', '{gpu}');
           document.getElementById('f-submit').click(); return true; }})()"
    ));
    let id = page.wait_for("the form's answer", "document.getElementById('form-result').dataset.job || (document.getElementById('form-result').textContent.startsWith('not') && document.getElementById('form-result').textContent)", Duration::from_secs(60));
    id.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("the form was refused: {id}"))
}

#[test]
#[ignore = "needs Docker and chromium: the end-to-end tier runs it"]
fn the_page_follows_the_chain_and_the_pipeline() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let name = unique("dash");
    let _down = Down(name.clone());
    up(&dispute_topology(dir.path(), &name));

    let mut dashboard = Command::new(BIN)
        .args(["dashboard", &name, "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting the dashboard: {e}"));
    let line = first_line_with(BufReader::new(dashboard.stdout.take().unwrap_or_else(|| panic!("stdout"))), "http://");
    let _dashboard = Reap(dashboard);
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_default().to_owned();

    let mut chromium = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
            "--window-size=1280,1000",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("chromium").display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting chromium (ci/setup.sh installs it): {e}"));
    let devtools = first_line_with(
        BufReader::new(chromium.stderr.take().unwrap_or_else(|| panic!("stderr"))),
        "DevTools listening on",
    );
    let _chromium = Reap(chromium);
    let ws = devtools.split_whitespace().last().unwrap_or_default().to_owned();
    let mut page = Cdp::open(&ws, &url);

    // Finality, as the page shows it, moves on.
    let finalized = "(() => { const t = document.getElementById('finalized').textContent; return t.startsWith('#') && Number(t.slice(1)) > 0 && Number(t.slice(1)); })()";
    let first = page.wait_for("a finalized block number", finalized, Duration::from_secs(60)).as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(8));
    let later = page.eval(finalized).as_u64().unwrap_or(0);
    assert!(later > first, "finalized on the page went from #{first} to #{later} in 8 s");
    let live = page.eval("document.getElementById('health').textContent");
    assert_eq!(live, json!("Live"));

    // The fleet table shows the whole fleet: the registered workers and the verifiers, which
    // never register, both on the committee.
    let fleet = "(() => { const rows = [...document.querySelectorAll('#fleet tr')]; return rows.length === 4 && rows.map((r) => r.dataset.node + ':' + r.dataset.role + ':' + r.dataset.committee).join(' '); })()";
    let rows = page.wait_for("four fleet rows", fleet, Duration::from_secs(60));
    assert_eq!(
        rows,
        json!("cpu-0:worker:false verifier-0:verifier:true verifier-1:verifier:true wrong-0:worker:false"),
        "the fleet table"
    );

    // A CPU job needing 4 cores: only the honest worker has them.
    let honest = submit_form(&mut page, "hash-chain", 20_000, 4, "");
    let done = format!("(() => {{ const r = document.querySelector('#jobs tr[data-job=\"{honest}\"]'); return r && r.dataset.column === 'completed' && r.textContent; }})()");
    let row = page.wait_for("the form's job completed", &done, Duration::from_secs(120));
    assert!(row.as_str().is_some_and(|t| t.contains("90 / 10")), "node 90 / fee 10 of a 100 budget: {row}");

    // A job only the wrong-result node can take: the verifier challenges, the committee votes.
    let wrong = submit_form(&mut page, "fine-tune", 200, 1, "SIM-WRONG");
    let voted = format!("(() => {{ const r = document.querySelector('#jobs tr[data-job=\"{wrong}\"]'); return r && r.textContent.includes('votes') && r.textContent; }})()");
    let row = page.wait_for("the disputed job's votes", &voted, Duration::from_secs(120));
    assert!(row.as_str().is_some_and(|t| t.contains("invalid")), "{row}");
    let settled = format!("(() => {{ const r = document.querySelector('#jobs tr[data-job=\"{wrong}\"]'); return r && r.dataset.column === 'closed' && r.textContent; }})()");
    let row = page.wait_for("the disputed job refunded", &settled, Duration::from_secs(90));
    assert!(row.as_str().is_some_and(|t| t.contains("node-wrong") && t.contains("result rejected")), "{row}");

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/dashboard");
    page.screenshot(1280, 1000, false, &docs.join("dashboard.png"));
    page.screenshot(390, 844, true, &docs.join("dashboard-phone.png"));

    // The testnet goes away; the page says so instead of showing stale numbers as live.
    let down = testnet(&["down", &name]);
    assert!(down.status.success(), "{}", text(&down));
    page.wait_for(
        "the waiting state",
        "document.getElementById('health').textContent === 'Waiting for chain connection'",
        Duration::from_secs(60),
    );
}

#!/usr/bin/env bash
# Regenerate protocol/metadata/compute.scale from the built runtime: start `cr-node --dev` on a
# temporary database, ask it for its metadata (V16, else V15) and write the SCALE bytes.
# The light workspace compiles its subxt API from that file, so it never needs the chain built.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/env.sh
out=protocol/metadata/compute.scale
port=$((20000 + RANDOM % 20000))
[ -x "$CR_NODE_BIN" ] || { echo "no node at $CR_NODE_BIN: build it with (cd chain && cargo build --release -p cr-node)" >&2; exit 1; }
"$CR_NODE_BIN" --dev --tmp --rpc-port "$port" --no-prometheus --no-telemetry --no-mdns \
  --listen-addr /ip4/127.0.0.1/tcp/0 >/tmp/export-metadata-node.log 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null || true' EXIT
python3 - "$port" "$out" <<'PY'
import json, sys, time, urllib.request
port, out = sys.argv[1], sys.argv[2]
def call(method, params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}", data=json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=10))
for _ in range(120):
    try:
        call("system_health", []); break
    except Exception:
        time.sleep(0.5)
else:
    sys.exit("the node did not answer on RPC within 60 s; see /tmp/export-metadata-node.log")
for version in (16, 15):
    res = call("state_call", ["Metadata_metadata_at_version", "0x" + version.to_bytes(4, "little").hex()])["result"]
    raw = bytes.fromhex(res[2:])
    if raw[0] == 1:  # Some(OpaqueMetadata): a compact length prefix, then the metadata bytes
        mode = raw[1] & 3
        skip = {0: 1, 1: 2, 2: 4}.get(mode)
        if skip is None:
            sys.exit("unexpected big-integer length prefix")
        data = raw[1 + skip:]
        open(out, "wb").write(data)
        print(f"wrote {out}: metadata V{version}, {len(data)} bytes")
        break
else:
    sys.exit("the runtime offers neither metadata V16 nor V15")
PY

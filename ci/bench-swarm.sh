#!/usr/bin/env bash
# Swarm benchmark (not a test): what spreading a testnet over engine hosts costs.
#   1. `testnet up topologies/local.yaml` on the local engine, then on the lab swarm: ready in
#      block times and seconds from the first container's start (as `up` reports it), and in
#      all, image building and staging included;
#   2. a fleet of FLEET daemons (default 300, 10 per container) over the lab's three hosts:
#      bring-up, memory per daemon (container memory without page cache / daemons);
#   3. the lab's own memory: each idle engine host (dockerd + containerd) before any testnet.
# Forms the lab (ci/swarm-lab.sh up) if it is not up; leaves it up. Prints a table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/env.sh
CARGO_TARGET_DIR="$CR_LIGHT_TARGET" cargo build --release --locked -p cr-compute
CARGO_TARGET_DIR="$CR_LIGHT_TARGET" cargo build --release --locked -p testnet
testnet="$CR_LIGHT_TARGET/release/testnet"
fleet="${FLEET:-300}"
per="${PER_CONTAINER:-10}"
out=target/testnet-reports/bench-swarm
mkdir -p "$out"
ci/swarm-lab.sh up 3 >/dev/null
eval "$(ci/swarm-lab.sh env)"
"$testnet" build >/dev/null

docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' $(docker ps -q --filter label=io.cr-testnet.lab=1) |
  awk '{print $1, $2}' >"$out/lab-idle.txt"

echo "=== topologies/local.yaml on the local engine"
"$testnet" up --no-build --seed 1 topologies/local.yaml 2>&1 | tee "$out/local-up.txt" | tail -2
"$testnet" down local >/dev/null
echo "=== topologies/local.yaml on the lab swarm"
"$testnet" up --no-build --seed 1 --engine swarm topologies/local.yaml 2>&1 | tee "$out/swarm-up.txt" | tail -2
"$testnet" down local >/dev/null

echo "=== $fleet daemons, $per per container, over the lab's hosts"
cat >"$out/fleet.yaml" <<EOF
name: bench-swarm
engine: {kind: swarm}
validators: {count: 3}
chain: {block_time_ms: 2000}
compute:
  - {group: w, count: $fleet, per_container: $per, cpu_cores: 2, memory_mb: 2048}
  - {group: v, count: 1, role: verifier}
EOF
"$testnet" up --no-build --seed 1 --timeout 600 "$out/fleet.yaml" 2>&1 | tee "$out/fleet-up.txt" | tail -2
"$testnet" --json status bench-swarm >"$out/fleet-status.json"
"$testnet" down bench-swarm >/dev/null

python3 - "$out" "$fleet" <<'PY'
import json, re, sys, os
out, fleet = sys.argv[1], int(sys.argv[2])
def ready(f):
    text = open(os.path.join(out, f)).read()
    m = re.findall(r"ready ([0-9.]+) block times after its first container started \(([0-9.]+) s; ([0-9.]+) s in all", text)
    return m[-1] if m else ("-", "-", "-")
print(f"\n{'run':<44} {'block times':>12} {'ready s':>8} {'in all s':>9}")
for label, f in [("local.yaml, local engine", "local-up.txt"), ("local.yaml, lab swarm (3 hosts)", "swarm-up.txt"),
                 (f"{fleet} daemons over the lab", "fleet-up.txt")]:
    b, s, total = ready(f)
    print(f"{label:<44} {b:>12} {s:>8} {total:>9}")
status = json.load(open(os.path.join(out, "fleet-status.json")))
compute = [c for c in status["containers"] if c["kind"] == "compute"]
mem = sum(c.get("memory_bytes") or 0 for c in compute) / 1048576
hosts = {}
for c in compute:
    hosts[c.get("host", "?")] = hosts.get(c.get("host", "?"), 0) + 1
daemons = fleet + 1
print(f"\n{len(compute)} compute containers by host: {hosts}")
print(f"registered daemons: {status['chain']['registered_daemons']} of {fleet} workers")
print(f"compute memory: {mem:.1f} MiB for {daemons} daemons = {mem / daemons:.2f} MiB per daemon")
print("\nidle lab hosts (dockerd + containerd, no testnet):")
print(open(os.path.join(out, "lab-idle.txt")).read().rstrip())
PY

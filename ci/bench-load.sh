#!/usr/bin/env bash
# Load benchmark (not a test): fleets of growing size, each in its own run of `testnet load`,
# reports under target/testnet-reports/bench/<label>/ (load.json, load.html) and a summary
# table at the end. Assumes `ci/up.sh` or `ci/test.sh` built the binaries once.
#   ci/bench-load.sh                 # the default ladder below
#   ci/bench-load.sh 100x10 200x1    # FLEETxPER_CONTAINER pairs of your own
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/env.sh
# Built one at a time: together, cargo would unify features and give the daemon the
# orchestrator's env-filter (and a different binary than `testnet up` builds).
CARGO_TARGET_DIR="$CR_LIGHT_TARGET" cargo build --release --locked -p cr-compute
CARGO_TARGET_DIR="$CR_LIGHT_TARGET" cargo build --release --locked -p testnet
testnet="$CR_LIGHT_TARGET/release/testnet"
out=target/testnet-reports/bench
ladder=("$@")
[ "${#ladder[@]}" -gt 0 ] || ladder=(20x5 100x10 100x1 200x1 1000x50)
for step in "${ladder[@]}"; do
  fleet="${step%x*}"; per="${step#*x}"
  echo "=== fleet $fleet, $per per container"
  "$testnet" load --no-build --fleet "$fleet" --per-container "$per" --jobs "${JOBS:-300}" \
    --rate "${RATE:-8}" --arrival poisson --reports "$out/$step" || echo "(fleet $step: run failed, see above)"
done
python3 - "$out" "${ladder[@]}" <<'PY'
import json, sys, os
out, steps = sys.argv[1], sys.argv[2:]
print(f"\n{'fleet':>12} {'containers':>10} {'up s':>7} {'idle MiB/daemon':>16} {'jobs/s':>7} {'ceiling/s':>10} {'ratio':>7} {'p50 e2e s':>10} {'lost':>5}")
for s in steps:
    p = os.path.join(out, s, "load.json")
    if not os.path.exists(p):
        print(f"{s:>12} (no report)"); continue
    r = json.load(open(p))
    idle = (r.get("idle") or {}).get("rss_mib_per_daemon") or {}
    ceil = (r.get("ceiling") or {}).get("extrinsics_per_second", 0)
    e2e = dict(r["latency"]).get("submit->settled", {})
    ratio = r.get("ratio_to_ceiling") or 0
    print(f"{s:>12} {r['containers']:>10} {r['up_seconds']:>7.1f} {idle.get('p50', 0):>16.2f} {r['jobs_per_second']:>7.2f} {ceil:>10.1f} {ratio:>7.1%} {e2e.get('p50', 0):>10.1f} {r['lost']:>5}")
PY

#!/usr/bin/env bash
# Load benchmark (not a test): fleets of growing size, each in its own run of `testnet load`,
# reports under target/testnet-reports/bench/<label>/ (load.json, load.html) and a summary
# table at the end. Assumes `ci/up.sh` or `ci/test.sh` built the binaries once.
#   ci/bench-load.sh                 # the default ladder below
#   ci/bench-load.sh 100x10 200x1    # FLEETxPER_CONTAINER pairs of your own
#   ci/bench-load.sh 100x10:knee     # `--find-ceiling` on that fleet: the knee and its stage
#   REGISTRATION=genesis JOBS=100 RATE=1 CEILING=0 ci/bench-load.sh 9999x50   # 10,000 daemons
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
  shape="${step%:knee}"; fleet="${shape%x*}"; per="${shape#*x}"
  echo "=== fleet $fleet, $per per container${step#$shape}"
  if [ "$shape" != "$step" ]; then
    "$testnet" load --no-build --fleet "$fleet" --per-container "$per" --registration "${REGISTRATION:-start}" --find-ceiling --arrival constant \
      --start-rate "${START_RATE:-4}" --factor "${FACTOR:-1.5}" --step-seconds "${STEP_SECONDS:-30}" \
      --max-steps "${MAX_STEPS:-8}" --reports "$out/$step" || echo "(fleet $step: run failed, see above)"
  else
    "$testnet" load --no-build --fleet "$fleet" --per-container "$per" --jobs "${JOBS:-300}" \
      --registration "${REGISTRATION:-start}" --ceiling "${CEILING:-3000}" --rate "${RATE:-8}" --arrival poisson --reports "$out/$step" || echo "(fleet $step: run failed, see above)"
  fi
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
knees = [(s, json.load(open(os.path.join(out, s, "load.json")))) for s in steps
         if os.path.exists(os.path.join(out, s, "load.json")) and s.endswith(":knee")]
if knees:
    print(f"\n{'fleet':>12} {'knee jobs/s':>12} {'job ceiling':>12} {'ratio':>7} {'ext/block':>10} {'weight':>7} {'lost acc':>8} {'stage that saturated':>22}  p50/p99 per stage at the knee (s)")
for s, r in knees:
    k, c = r["knee"], r["ceiling"] or {}
    at = r["steps"][k["step"]] if k.get("step") is not None else {"latency": []}
    stages = "  ".join(f"{n} {p['p50']:.1f}/{p['p99']:.1f}" for n, p in at["latency"] if n != "submit->settled")
    ratio = k.get("ratio_to_job_ceiling") or 0
    weight = f"{k['weight_full']:.0%}" if k.get("weight_full") is not None else "-"
    print(f"{s:>12} {k['achieved']:>12.2f} {c.get('extrinsics_per_second', 0) / 3:>12.1f} {ratio:>7.1%} {k['extrinsics_per_block']:>10.1f} {weight:>7} {k.get('refused_accepts_per_job', 0):>8.2f} {k.get('saturated_stage') or '-':>22}  {stages}")
PY

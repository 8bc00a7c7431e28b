#!/usr/bin/env bash
# Engine benchmark (not a test): how fast this machine's Docker engine creates and starts
# do-nothing containers on one user bridge, with nothing else running. It is the floor under
# any `testnet up` of many containers. Prints seconds at each hundred started.
#   ci/bench-engine.sh [COUNT] [PARALLEL]     # default 400 containers, 8 requests at once
# Uses the host's static busybox (ci/setup.sh installs it); removes everything it made.
set -euo pipefail
count="${1:-400}"; parallel="${2:-8}"
label=io.cr-testnet.bench=engine
image=cr-testnet/bench-busybox:local
net=crt-bench-engine
dir=$(mktemp -d)
cleanup() {
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
  docker network rm "$net" >/dev/null 2>&1 || true
  docker rmi "$image" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
cp /bin/busybox "$dir/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n' >"$dir/Dockerfile"
docker build -q -t "$image" "$dir" >/dev/null 2>&1
docker network create --label "$label" "$net" >/dev/null
for publish in no yes; do
  ports=(); [ "$publish" = yes ] && ports=(-p 127.0.0.1::9100)
  t0=$(date +%s.%N)
  seq 1 "$count" | xargs -P "$parallel" -I{} docker create --name "crt-bench-{}" --label "$label" \
    --network "$net" "${ports[@]}" "$image" sleep 3600 >/dev/null
  t1=$(date +%s.%N)
  printf 'published port %-3s  create %d: %.1f s  start:' "$publish" "$count" "$(echo "$t1 - $t0" | bc)"
  for first in $(seq 1 100 "$count"); do
    last=$((first + 99 < count ? first + 99 : count))
    seq "$first" "$last" | xargs -P "$parallel" -I{} docker start "crt-bench-{}" >/dev/null
    printf ' %d: %.1f s' "$last" "$(echo "$(date +%s.%N) - $t1" | bc)"
  done
  echo
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
done

#!/usr/bin/env bash
# Follow every container log of a running testnet into DIR while a load run works (the run
# removes its containers, and their logs, when it ends). Start it beside `testnet load`:
#   ci/load-logs.sh load-100 /tmp/knee/RUN/logs &
# It waits for the testnet's first container, gives the fleet 20 s to start, and returns when
# every container is gone. Read the files with ci/load-laps.py.
set -euo pipefail
testnet=$1 dir=$2
mkdir -p "$dir"
label=io.cr-testnet.testnet
names() { docker ps --filter "label=$label=$testnet" --format '{{.Names}}'; }
for _ in $(seq 600); do [ -n "$(names)" ] && break; sleep 1; done
sleep 20
for name in $(names); do
  docker logs -f --timestamps "$name" >"$dir/$name.log" 2>&1 &
done
wait

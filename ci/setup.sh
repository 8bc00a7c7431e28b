#!/usr/bin/env bash
# Installs what building the chain and running the tests needs on a fresh Debian machine of
# this kind (Rust toolchain and Docker engine already present). Safe to run again.
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
# The provider tests build a tiny image from the host's static busybox (nothing is pulled).
[ -x /bin/busybox ] || need_apt+=(busybox-static)
# The dashboard's browser test drives Debian's headless Chromium.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# The swarm lab (ci/swarm-lab.sh) builds its engine-node image from Debian's packages.
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The runtime is compiled to wasm: wasm32v1-none has a prebuilt core/alloc, so the wasm builder
# skips rebuilding std; the other two are its fallback path.
for target in wasm32v1-none wasm32-unknown-unknown; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

# Every container's neighbour (ARP) entries share one kernel table, 1,024 entries on a stock
# kernel: a fleet takes 3 entries a container (measured), and past the bound connections between
# containers time out (`testnet up` refuses a testnet needing more than 4 a container and names
# this setting). Room for ~4,000 containers.
if [ "$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3 2>/dev/null || echo 0)" -lt 16384 ]; then
  ${SUDO:+$SUDO -n} sysctl -q -w net.ipv4.neigh.default.gc_thresh1=4096 net.ipv4.neigh.default.gc_thresh2=8192 \
    net.ipv4.neigh.default.gc_thresh3=16384 \
    || echo "setup: could not raise the kernel's neighbour table (net.ipv4.neigh.default.gc_thresh3); \
testnet up refuses fleets that would overflow it" >&2
fi

docker info >/dev/null 2>&1 || { echo "setup: no Docker engine answers; start dockerd first" >&2; exit 1; }
echo "setup: ok"

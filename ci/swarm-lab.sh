#!/usr/bin/env bash
# A Docker Swarm of N real engine nodes on this one machine, for the swarm provider's tests and
# benchmarks. Each engine node is a container running its own dockerd (built from Debian's
# packages, nothing pulled) on an underlay bridge this script creates; node 1 is the manager.
#
#   ci/swarm-lab.sh up [N]    form (or re-form) a swarm of N nodes (default 3); prints its env
#   ci/swarm-lab.sh down      remove the nodes, their volumes and the underlay
#   ci/swarm-lab.sh env       print CR_SWARM_MANAGER for a running lab
#   ci/swarm-lab.sh leftovers list testnet objects (labelled) on any host; exit 1 if there are
#
# `--privileged` is refused on these machines (root lacks CAP_SYS_RESOURCE), so every other
# capability is granted instead. /run is a tmpfs so a node powered off by host-down boots
# clean (dockerd refuses to start over the pid file a killed daemon leaves). Each node's engine socket is bound into LAB_DIR/node-<i>/, and
# each node carries the labels the swarm provider reads: its socket (`io.cr-testnet.endpoint`)
# and the lab container that embodies it (`io.cr-testnet.lab-container`, for host-down/up).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

IMAGE="cr-testnet/lab-node:bookworm"
UNDERLAY="crt-lab"
# The underlay and the swarm's own pool sit apart from the overlays testnets create (10.240/12).
UNDERLAY_SUBNET="10.239.0.0/24"
SWARM_POOL="10.231.0.0/16"
LAB_DIR="$CR_TARGET_ROOT/swarm-lab"
ROOTFS="$CR_TARGET_ROOT/lab-rootfs"

node_name() { echo "crt-lab-node-$1"; }
sock() { echo "$LAB_DIR/node-$1/docker.sock"; }
on() { local i=$1; shift; docker -H "unix://$(sock "$i")" "$@"; }

build_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null || { echo "swarm-lab: debootstrap is missing: run ci/setup.sh" >&2; exit 1; }
  echo "swarm-lab: building $IMAGE from Debian's packages (about a minute)"
  rm -rf "$ROOTFS"
  debootstrap --variant=minbase \
    --include=docker.io,iproute2,iptables,procps,tini,fuse-overlayfs,ca-certificates \
    bookworm "$ROOTFS" >"$CR_TARGET_ROOT/lab-debootstrap.log" 2>&1 ||
    { echo "swarm-lab: debootstrap failed; see $CR_TARGET_ROOT/lab-debootstrap.log" >&2; exit 1; }
  tar -C "$ROOTFS" -c . | docker import -c 'ENTRYPOINT ["/usr/bin/tini","--","dockerd"]' - "$IMAGE" >/dev/null
  rm -rf "$ROOTFS"
}

wait_engine() {
  local i=$1
  for _ in $(seq 1 100); do
    on "$i" info >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "swarm-lab: the engine of $(node_name "$i") did not answer within 20 s; its log:" >&2
  docker logs --tail 20 "$(node_name "$i")" >&2
  exit 1
}

start_node() {
  local i=$1 name
  name=$(node_name "$i")
  mkdir -p "$LAB_DIR/node-$i"
  if docker container inspect "$name" >/dev/null 2>&1; then
    docker start "$name" >/dev/null
  else
    docker run -d --name "$name" --hostname "lab-node-$i" \
      --label io.cr-testnet.lab=1 \
      --cap-add=ALL --cap-drop=SYS_RESOURCE \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --security-opt systempaths=unconfined --device /dev/fuse \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v "$name:/var/lib/docker" -v "$LAB_DIR/node-$i:/run/tn" \
      --tmpfs /run \
      -e DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 --network "$UNDERLAY" \
      "$IMAGE" -H unix:///run/tn/docker.sock --mtu 1400 >/dev/null
  fi
}

node_ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$UNDERLAY\").IPAddress}}" "$(node_name "$1")"; }

up() {
  local n=${1:-3}
  build_image
  docker network inspect "$UNDERLAY" >/dev/null 2>&1 ||
    docker network create --subnet "$UNDERLAY_SUBNET" --label io.cr-testnet.lab=1 "$UNDERLAY" >/dev/null
  for i in $(seq 1 "$n"); do start_node "$i"; done
  for i in $(seq 1 "$n"); do wait_engine "$i"; done
  if [ "$(on 1 info -f '{{.Swarm.LocalNodeState}}')" != "active" ]; then
    on 1 swarm init --advertise-addr "$(node_ip 1)" --default-addr-pool "$SWARM_POOL" >/dev/null
  fi
  local token
  token=$(on 1 swarm join-token -q worker)
  for i in $(seq 2 "$n"); do
    if [ "$(on "$i" info -f '{{.Swarm.LocalNodeState}}')" != "active" ]; then
      on "$i" swarm join --token "$token" "$(node_ip 1):2377" >/dev/null
    fi
  done
  for i in $(seq 1 "$n"); do
    local id
    id=$(on "$i" info -f '{{.Swarm.NodeID}}')
    on 1 node update --label-add "io.cr-testnet.endpoint=unix://$(sock "$i")" \
      --label-add "io.cr-testnet.lab-container=$(node_name "$i")" "$id" >/dev/null
  done
  for _ in $(seq 1 50); do
    [ "$(on 1 node ls -q --filter role=worker | wc -l)" -ge $((n - 1)) ] &&
      [ "$(on 1 node ls --format '{{.Status}}' | grep -c Ready)" -ge "$n" ] && break
    sleep 0.2
  done
  on 1 node ls
  env_line
}

env_line() { echo "export CR_SWARM_MANAGER=unix://$(sock 1)"; }

down() {
  local names
  names=$(docker ps -aq --filter label=io.cr-testnet.lab=1)
  [ -n "$names" ] && docker rm -f $names >/dev/null
  local vols
  vols=$(docker volume ls -q --filter name=crt-lab-node-)
  [ -n "$vols" ] && docker volume rm $vols >/dev/null
  docker network inspect "$UNDERLAY" >/dev/null 2>&1 && docker network rm "$UNDERLAY" >/dev/null
  rm -rf "$LAB_DIR"
  echo "swarm-lab: removed"
}

leftovers() {
  local found=0
  for dir in "$LAB_DIR"/node-*; do
    local i=${dir##*/node-} out
    out=$( (on "$i" ps -aq --filter label=io.cr-testnet.testnet
      on "$i" volume ls -q --filter label=io.cr-testnet.testnet
      on "$i" images -q --filter label=io.cr-testnet.testnet
      on "$i" network ls -q --filter label=io.cr-testnet.testnet) 2>&1)
    if [ -n "$out" ]; then found=1; echo "lab-node-$i holds testnet objects:"; echo "$out"; fi
  done
  local services
  services=$(on 1 service ls -q --filter label=io.cr-testnet.testnet)
  [ -z "$services" ] || { found=1; echo "the manager still runs services: $services"; }
  [ "$found" = 0 ] && echo "swarm-lab: no testnet object on any host"
  return "$found"
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  env) env_line ;;
  leftovers) leftovers ;;
  *) echo "usage: ci/swarm-lab.sh up [N] | down | env | leftovers" >&2; exit 2 ;;
esac

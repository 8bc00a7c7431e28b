#!/usr/bin/env bash
# The README's main command: install what the build needs, then `testnet up` on the default
# topology (topologies/local.yaml), compiling the node, the daemon and their images when missing.
# Extra arguments go to `testnet up` (e.g. a topology file).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
source ci/env.sh
CARGO_TARGET_DIR="$CR_LIGHT_TARGET" cargo build --release --locked -p testnet
exec "$CR_LIGHT_TARGET/release/testnet" up "$@"

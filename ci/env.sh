# Sourced by the ci/ scripts: where builds go. Both target directories live outside the clone so
# a fresh clone on the same machine reuses a warm build (set CR_TARGET_ROOT to move them).
export CR_TARGET_ROOT="${CR_TARGET_ROOT:-$HOME/.cache/compute-testnet}"
export CR_LIGHT_TARGET="$CR_TARGET_ROOT/light-target"
export CR_CHAIN_TARGET="$CR_TARGET_ROOT/chain-target"
export CR_NODE_BIN="${CR_NODE_BIN:-$CR_CHAIN_TARGET/release/cr-node}"
# The runtime wasm is built by a nested cargo; without this hint it cannot find chain/Cargo.lock
# from a target directory outside the clone and would resolve dependencies afresh.
export WASM_BUILD_WORKSPACE_HINT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../chain" && pwd)"
mkdir -p "$CR_LIGHT_TARGET" "$CR_CHAIN_TARGET"

//! What the orchestrator and the `cr-compute` daemon share about the marketplace.

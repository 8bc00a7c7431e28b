//! Scenarios: jobs and faults injected into a running testnet, and the outcomes they must
//! have (`testnet test SCENARIO...`).

pub mod model;

//! `testnet`: YAML topology -> validated model -> plan -> running network -> scenario -> report.
pub mod artifacts;
pub mod chaos;
pub mod dashboard;
pub mod diagnostics;
pub mod image;
pub mod load;
pub mod network;
pub mod node_kind;
pub mod plan;
pub mod progress;
pub mod provider;
pub mod runtime;
pub mod scenario;
pub mod seed;
pub mod topology;

//! `testnet`: YAML topology -> validated model -> plan -> running network -> scenario -> report.
pub mod provider;
pub mod scenario;
pub mod topology;
pub mod artifacts;
pub mod plan;
pub mod network;
pub mod progress;
pub mod report;
pub mod load;
pub mod dashboard;

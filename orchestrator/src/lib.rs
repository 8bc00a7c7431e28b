//! `testnet`: YAML topology -> validated model -> plan -> running network -> scenario -> report.
pub mod provider;
pub mod scenario;
pub mod topology;

//! Tests of every call's success and error paths, the deadlines, the unsigned-result
//! validation, and a property test of the money invariants.

mod deadlines;
mod disputes;
mod invariants;
mod jobs;
mod registry;
mod results;

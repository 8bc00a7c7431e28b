//! Tests of every call's success and error paths, the deadlines, the unsigned-result
//! validation, and a property test of the money invariants.

mod attacks;
mod deadlines;
mod disputes;
mod invariants;
mod jobs;
mod migration;
mod registry;
mod results;
mod weights;

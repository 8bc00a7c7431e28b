//! Running testnets: bring one up from a plan, find it again from its labels, take it down.

mod interrupt;
mod ready;
mod segments;
mod state;
pub mod status;
mod up;

pub use interrupt::{InFlight, Interrupt};
pub use ready::wait_ready;
pub use segments::Segments;
pub use state::{Endpoints, NodeEndpoint, TestnetState};
pub use up::{up, UpError, UpOptions};

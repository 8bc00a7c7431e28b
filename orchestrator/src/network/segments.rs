//! How a testnet's containers spread over networks when they outgrow one.
//!
//! An engine's network holds a bounded number of containers (a Linux bridge 1,024 ports). A
//! big fleet therefore runs on several segments: the validators and the store join every
//! segment (each daemon reaches them under the same names wherever it is), and compute
//! containers fill segment 0, then 1, ..., in topology order. Up and the fault injector both
//! derive the layout from the topology and the engine, so they agree on where a node is.

use std::ops::Range;

use crate::provider::ProviderError;
use crate::topology::Topology;

/// Where each container of a testnet is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    count: usize,
    compute_per_segment: usize,
}

impl Segments {
    /// The layout of `topology` on an engine whose networks hold `engine_capacity`
    /// containers, or fewer when the topology says so (`engine.network_capacity`).
    pub fn for_topology(topology: &Topology, engine_capacity: usize) -> Result<Self, ProviderError> {
        let shared = topology.validators().len() + usize::from(topology.store_enabled());
        let capacity = topology.network_capacity().map_or(engine_capacity, |c| c.min(engine_capacity));
        Self::layout(shared, topology.compute_containers().len(), capacity)
    }

    /// `shared` containers on every segment and `compute` spread over as few as hold them.
    pub fn layout(shared: usize, compute: usize, capacity: usize) -> Result<Self, ProviderError> {
        let compute_per_segment =
            capacity.checked_sub(shared).filter(|&room| room > 0).ok_or_else(|| ProviderError::Invalid {
                what: "network capacity",
                message: format!(
                    "one network of this engine holds {capacity} containers, but the {shared} validators and \
                     store that join every network leave no room for compute containers: run fewer validators"
                ),
            })?;
        Ok(Self { count: compute.div_ceil(compute_per_segment).max(1), compute_per_segment })
    }

    /// How many networks the testnet has.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Every segment: what validators and the store join.
    pub fn all(&self) -> Range<usize> {
        0..self.count
    }

    /// The segment of compute container `index` (topology order).
    pub fn of_compute(&self, index: usize) -> usize {
        index / self.compute_per_segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_that_fits_stays_on_one_network() {
        let s = Segments::layout(4, 996, 1000).expect("room");
        assert_eq!((s.count(), s.of_compute(995)), (1, 0));
        assert_eq!(Segments::layout(4, 0, 1000).expect("room").count(), 1);
    }

    #[test]
    fn a_thousand_one_daemon_containers_spread_over_two_networks() {
        let s = Segments::layout(4, 1000, 1000).expect("room");
        assert_eq!(s.count(), 2);
        assert_eq!((s.of_compute(995), s.of_compute(996), s.of_compute(999)), (0, 1, 1));
        assert_eq!(s.all(), 0..2);
    }

    #[test]
    fn validators_that_fill_a_network_are_refused_with_the_fix() {
        let e = Segments::layout(5, 3, 5).expect_err("no room").to_string();
        assert!(e.contains("holds 5 containers") && e.contains("run fewer validators"), "{e}");
    }
}

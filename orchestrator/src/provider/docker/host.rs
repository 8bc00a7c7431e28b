//! Limits of the machine under a local engine that the engine's API does not report.
//!
//! Every container's network namespace keeps its neighbour (ARP) entries in one kernel table
//! shared by the whole machine, bounded by `net.ipv4.neigh.default.gc_thresh3` (1,024 on a
//! stock kernel). A compute container holds an entry for the validator its daemons follow and
//! the validator one for each container, the store likewise, so a fleet of many containers
//! fills the table; past it the kernel refuses new entries and connections between containers
//! time out. A
//! 1,000-container fleet on a stock kernel lost a tenth of its daemons that way, after three
//! minutes of retries, while the table refused entries tens of thousands of times
//! (`table_fulls` in `/proc/net/stat/arp_cache`). So `up` refuses such a fleet before
//! creating anything and names the setting to raise.
//!
//! Read only when the engine listens on a `unix://` socket, taken to be this machine's kernel
//! (an engine inside a VM behind a socket has a kernel of its own, unseen from here). The
//! lab swarm's hosts share this machine's table too; a swarm is not checked.

use crate::provider::ProviderError;

/// The kernel's bound on neighbour entries, all network namespaces together.
const GC_THRESH3: &str = "/proc/sys/net/ipv4/neigh/default/gc_thresh3";
/// The table's statistics; the first column of a row is the entries held now (hex).
const ARP_CACHE: &str = "/proc/net/stat/arp_cache";

/// Neighbour entries a container costs the shared table: its own entry for the validator it
/// follows and the store, and theirs for it (3.0 measured on an idle fleet, whose store talks
/// to no one).
pub(super) const NEIGHBOURS_PER_CONTAINER: usize = 4;

/// Whether `containers` fit the neighbour table of the machine this process runs on, when the
/// engine does too (`unix://` host). A remote engine's kernel is not readable from here, and a
/// kernel that does not say is taken at its word.
pub(super) fn check_neighbours(engine_host: &str, containers: usize) -> Result<(), ProviderError> {
    if !engine_host.starts_with("unix://") {
        return Ok(());
    }
    let Some(limit) = std::fs::read_to_string(GC_THRESH3).ok().and_then(|t| t.trim().parse().ok()) else {
        return Ok(());
    };
    // What other testnets and the host hold already is not free.
    let held = std::fs::read_to_string(ARP_CACHE).ok().and_then(|t| entries_held(&t)).unwrap_or(0);
    neighbour_room(limit, held, containers)
}

/// Entries in the table now, from the statistics' first data row.
fn entries_held(arp_cache: &str) -> Option<usize> {
    let row = arp_cache.lines().nth(1)?;
    usize::from_str_radix(row.split_whitespace().next()?, 16).ok()
}

/// The rule itself: `containers` need [`NEIGHBOURS_PER_CONTAINER`] entries each, beside the
/// `held` ones.
pub(super) fn neighbour_room(limit: usize, held: usize, containers: usize) -> Result<(), ProviderError> {
    let needed = containers.saturating_mul(NEIGHBOURS_PER_CONTAINER);
    if held.saturating_add(needed) <= limit {
        return Ok(());
    }
    // Headroom for what else runs here, rounded up to a power of two like the kernel's own.
    let raise = needed.saturating_mul(2).next_power_of_two();
    Err(ProviderError::HostLimit {
        containers,
        needed,
        limit,
        held,
        fix: format!(
            "sudo sysctl -w net.ipv4.neigh.default.gc_thresh1={} net.ipv4.neigh.default.gc_thresh2={} \
             net.ipv4.neigh.default.gc_thresh3={raise} (ci/setup.sh does this; a file in /etc/sysctl.d/ keeps it \
             across reboots), or run fewer containers (more daemons per container: `per_container` in the topology)",
            raise / 4,
            raise / 2
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_within_the_neighbour_table_is_accepted() {
        assert!(neighbour_room(1024, 0, 9).is_ok());
        assert!(neighbour_room(1024, 0, 1024 / NEIGHBOURS_PER_CONTAINER).is_ok());
        assert!(neighbour_room(1024, 0, 1024 / NEIGHBOURS_PER_CONTAINER + 1).is_err());
    }

    #[test]
    fn a_fleet_that_would_overflow_the_stock_neighbour_table_is_refused_with_the_sysctl_to_raise() {
        let err = neighbour_room(1024, 3, 1004).expect_err("1,004 containers overflow a 1,024-entry table");
        let text = err.to_string();
        assert!(text.contains("1004 containers"), "{text}");
        assert!(text.contains("holds 1024"), "{text}");
        assert!(text.contains("gc_thresh3=8192"), "{text}");
        assert!(text.contains("per_container"), "{text}");
    }

    #[test]
    fn entries_other_testnets_hold_leave_less_room() {
        assert!(neighbour_room(1024, 0, 200).is_ok());
        assert!(neighbour_room(1024, 300, 200).is_err());
    }

    #[test]
    fn the_entries_held_are_read_from_the_first_row_of_the_statistics() {
        let stats = "entries  allocs   destroys\n000003ff 000005ef 00000719\n000003ff 00000555 0000042a\n";
        assert_eq!(entries_held(stats), Some(1023));
        assert_eq!(entries_held("entries\n"), None);
    }
}

//! How long a job has waited for its turn: blocks since it was seen, a crowded block counting
//! half.
//!
//! A turn (`order.rs`) gives a job's next-ranked node a try once the first one's accept should
//! have been included. A block full by weight may have left that accept in the pool: the next
//! node then sends a second accept, the chain refuses one of the two and charges it block weight
//! for nothing, and the next block is fuller still. In a 100-daemon climb, blocks over 80% of
//! the normal limit were followed by 29 to 41 refused accepts each (under 1 after blocks half
//! full), up to 102 in one block of the step that broke (docs/NOTES.md, 2026-12-07). Counting
//! a crowded block as half a block keeps turns passing when every block is crowded (a turn then
//! lasts twice as many blocks), so a job whose first node is gone still finds another.
//!
//! Every container sees the same blocks and their weights, so they agree on every job's wait.

use std::collections::BTreeMap;

/// Share of the normal-class weight limit (percent) from which a block counts as crowded: the
/// climbs' refused accepts rose from under 1 a block after blocks 50 to 59% full to about 8
/// after blocks 60 to 79% full and 29 to 41 after fuller ones.
const CROWDED_PERCENT: u64 = 60;

/// Blocks whose clock readings are kept: a memory bound far beyond any turn.
const KEPT_BLOCKS: usize = 512;

/// Turn time per block, in half blocks.
#[derive(Debug, Default)]
pub struct TurnClock {
    /// Reading after each recent block: two more than the block before for a block with room,
    /// one more for a crowded one.
    readings: BTreeMap<u64, u64>,
    /// Reference time (picoseconds) a block's normal-class extrinsics may take; 0 if unknown,
    /// and then no block counts as crowded.
    normal_weight_limit: u64,
}

impl TurnClock {
    /// A clock telling crowded blocks by `normal_weight_limit`.
    pub fn new(normal_weight_limit: u64) -> Self {
        Self { readings: BTreeMap::new(), normal_weight_limit }
    }

    /// Block `number` arrived, its normal-class extrinsics charged `normal_weight`. A number seen
    /// again (another best block at that height) replaces its reading and drops those after it.
    pub fn see_block(&mut self, number: u64, normal_weight: u64) {
        let crowded = self.normal_weight_limit > 0
            && u128::from(normal_weight) * 100 >= u128::from(self.normal_weight_limit) * u128::from(CROWDED_PERCENT);
        if self.readings.is_empty() {
            // The first block seen: what came before counts as blocks with room, exactly.
            let previous = number.saturating_sub(1);
            self.readings.insert(previous, 2 * previous);
        }
        let before = self.reading(number.saturating_sub(1));
        let _ = self.readings.split_off(&number);
        self.readings.insert(number, before + if crowded { 1 } else { 2 });
        while self.readings.len() > KEPT_BLOCKS {
            self.readings.pop_first();
        }
    }

    /// Blocks waited from block `since` to block `now`, a crowded block counting half; `None`
    /// before `since`.
    pub fn waited(&self, since: u64, now: u64) -> Option<u64> {
        (now >= since).then(|| self.reading(now).saturating_sub(self.reading(since)) / 2)
    }

    /// The reading at block `number`: recorded, or counted on from the nearest recorded block
    /// as blocks with room (blocks before this process started, or not yet seen).
    fn reading(&self, number: u64) -> u64 {
        if let Some((n, r)) = self.readings.range(..=number).next_back() {
            return r + 2 * (number - n);
        }
        match self.readings.first_key_value() {
            Some((n, r)) => r.saturating_sub(2 * (n - number)),
            None => 2 * number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 1_000;
    const ROOM: u64 = 100;
    const FULL: u64 = 900;

    fn clock(weights: &[u64]) -> TurnClock {
        let mut clock = TurnClock::new(LIMIT);
        for (n, w) in weights.iter().enumerate() {
            clock.see_block(n as u64 + 1, *w);
        }
        clock
    }

    #[test]
    fn blocks_with_room_count_whole() {
        let clock = clock(&[ROOM, ROOM, ROOM, ROOM]);
        assert_eq!(clock.waited(1, 1), Some(0));
        assert_eq!(clock.waited(1, 3), Some(2));
        assert_eq!(clock.waited(3, 2), None);
    }

    #[test]
    fn a_crowded_block_does_not_hand_the_turn_on_by_itself() {
        // Seen in block 1; block 2 was crowded, so an accept sent after block 1 may still be
        // waiting in the pool: a two-block turn has not passed after block 3.
        let clock = clock(&[ROOM, FULL, ROOM, ROOM]);
        assert_eq!(clock.waited(1, 2), Some(0));
        assert_eq!(clock.waited(1, 3), Some(1));
        assert_eq!(clock.waited(1, 4), Some(2));
    }

    #[test]
    fn turns_still_pass_when_every_block_is_crowded() {
        let clock = clock(&[FULL; 9]);
        assert_eq!(clock.waited(1, 5), Some(2), "four crowded blocks are two blocks of turn");
        assert_eq!(clock.waited(1, 9), Some(4));
    }

    #[test]
    fn the_threshold_is_a_share_of_the_normal_limit() {
        let just_under = LIMIT * CROWDED_PERCENT / 100 - 1;
        assert_eq!(clock(&[ROOM, just_under]).waited(1, 2), Some(1));
        assert_eq!(clock(&[ROOM, just_under + 1]).waited(1, 2), Some(0));
        let unknown_limit = {
            let mut c = TurnClock::new(0);
            c.see_block(1, ROOM);
            c.see_block(2, u64::MAX);
            c
        };
        assert_eq!(unknown_limit.waited(1, 2), Some(1), "no limit known: nothing is crowded");
    }

    #[test]
    fn blocks_not_seen_count_as_blocks_with_room() {
        // A container that started at block 10 and a job seen at block 5 (before it).
        let mut clock = TurnClock::new(LIMIT);
        clock.see_block(10, FULL);
        clock.see_block(11, ROOM);
        // Blocks 6 to 9 and 11 with room, 10 crowded: five and a half.
        assert_eq!(clock.waited(5, 11), Some(5));
        assert_eq!(clock.waited(11, 13), Some(2), "blocks ahead of the last seen");
    }

    #[test]
    fn a_block_seen_again_at_its_height_replaces_the_reading() {
        let mut clock = clock(&[ROOM, FULL, FULL]);
        assert_eq!(clock.waited(1, 3), Some(1));
        // Another best block at height 2, with room: the old 2 and 3 are gone.
        clock.see_block(2, ROOM);
        assert_eq!(clock.waited(1, 2), Some(1));
        assert_eq!(clock.waited(1, 3), Some(2), "block 3 not seen again yet: counted with room");
    }

    #[test]
    fn readings_are_bounded() {
        let clock = clock(&vec![ROOM; KEPT_BLOCKS + 100]);
        assert_eq!(clock.readings.len(), KEPT_BLOCKS);
        assert_eq!(clock.waited(1, (KEPT_BLOCKS + 100) as u64), Some((KEPT_BLOCKS + 99) as u64));
    }
}

//! A hybrid logical clock: wall-clock milliseconds plus a counter.
//!
//! Every synced change is stamped with one. Stamps from one device always
//! increase, even if its wall clock steps back, and a device that hears of a
//! later stamp moves past it, so "last writer wins" has a total order
//! (ties broken by device id at the merge).

/// A timestamp packed as `wall_ms << 16 | counter`, so it sorts as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc(u64);

const COUNTER_BITS: u32 = 16;
const COUNTER_MAX: u64 = (1 << COUNTER_BITS) - 1;

impl Hlc {
    /// Rebuilds a stamp from its packed form (as stored in SQLite).
    pub fn from_packed(packed: u64) -> Hlc {
        Hlc(packed)
    }

    /// The packed form, for storage.
    pub fn packed(self) -> u64 {
        self.0
    }

    /// The wall-clock part, in milliseconds since the Unix epoch.
    pub fn wall_ms(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    /// The logical counter within one millisecond.
    pub fn counter(self) -> u64 {
        self.0 & COUNTER_MAX
    }

    fn from_parts(wall_ms: u64, counter: u64) -> Hlc {
        Hlc((wall_ms << COUNTER_BITS) | counter)
    }

    /// The next stamp for a local event, given the current wall clock.
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.wall_ms() {
            Hlc::from_parts(now_ms, 0)
        } else {
            self.successor()
        }
    }

    /// The next stamp after receiving `remote`, given the current wall clock.
    pub fn receive(self, remote: Hlc, now_ms: u64) -> Hlc {
        let newest = self.max(remote);
        if now_ms > newest.wall_ms() {
            Hlc::from_parts(now_ms, 0)
        } else {
            newest.successor()
        }
    }

    fn successor(self) -> Hlc {
        if self.counter() < COUNTER_MAX {
            Hlc(self.0 + 1)
        } else {
            // 65,536 events in one millisecond: borrow the next millisecond.
            Hlc::from_parts(self.wall_ms() + 1, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn follows_the_wall_clock_when_it_moves_forward() {
        let h = Hlc::default().tick(1_000);
        assert_eq!((h.wall_ms(), h.counter()), (1_000, 0));
        let h2 = h.tick(2_000);
        assert_eq!((h2.wall_ms(), h2.counter()), (2_000, 0));
    }

    #[test]
    fn keeps_increasing_when_the_wall_clock_steps_back() {
        let h = Hlc::default().tick(5_000);
        let h2 = h.tick(1_000);
        assert!(h2 > h);
        assert_eq!(h2.wall_ms(), 5_000);
    }

    #[test]
    fn moves_past_a_remote_stamp_from_the_future() {
        let local = Hlc::default().tick(1_000);
        let remote = Hlc::default().tick(9_000);
        let after = local.receive(remote, 1_001);
        assert!(after > remote);
    }

    proptest! {
        #[test]
        fn stamps_strictly_increase(clock in proptest::collection::vec(0u64..10_000, 1..200)) {
            let mut h = Hlc::default();
            for now in clock {
                let next = h.tick(now);
                prop_assert!(next > h);
                h = next;
            }
        }
    }
}

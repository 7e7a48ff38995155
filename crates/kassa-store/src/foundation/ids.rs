//! Ids made on the device: UUIDv7, so they sort by creation time and never collide across devices.

use rand::{RngCore, SeedableRng};
use std::cell::RefCell;

/// A thread's replayable id source: UUIDv7 built from a counter and a seeded generator.
struct Seeded {
    rng: rand::rngs::StdRng,
    millis: u64,
}

thread_local! {
    static SEEDED: RefCell<Option<Seeded>> = const { RefCell::new(None) };
}

/// The first id time of a seeded thread: 2026-01-01T00:00:00Z.
const SEEDED_EPOCH_MS: u64 = 1_767_225_600_000;

/// From now on, the ids this thread makes follow `seed`: the same seed makes the same ids in
/// the same order, still UUIDv7 that sort by creation. A simulation of many devices runs on
/// one thread and replays a seed exactly; the product never calls this.
pub fn seed_thread(seed: u64) {
    SEEDED.with(|s| {
        *s.borrow_mut() = Some(Seeded {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            millis: SEEDED_EPOCH_MS,
        })
    });
}

/// Ids on this thread are random again (UUIDv7 from the system clock).
pub fn unseed_thread() {
    SEEDED.with(|s| *s.borrow_mut() = None);
}

/// A new UUIDv7 as lowercase hyphenated text.
pub fn new_id() -> String {
    let seeded = SEEDED.with(|s| {
        s.borrow_mut().as_mut().map(|g| {
            g.millis += 1;
            let mut random = [0u8; 10];
            g.rng.fill_bytes(&mut random);
            uuid::Builder::from_unix_timestamp_millis(g.millis, &random).into_uuid()
        })
    });
    seeded.unwrap_or_else(uuid::Uuid::now_v7).to_string()
}

/// Checks that `s` is a UUID, for ids coming from outside.
pub fn parse_id(s: &str, what: &str) -> kassa_domain::Result<String> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| kassa_domain::Error::invalid_input(format!("'{s}' is not a valid {what} id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_thread_makes_the_same_sorted_ids_again() {
        seed_thread(7);
        let first: Vec<String> = (0..5).map(|_| new_id()).collect();
        seed_thread(7);
        let again: Vec<String> = (0..5).map(|_| new_id()).collect();
        seed_thread(8);
        let other = new_id();
        unseed_thread();
        assert_eq!(first, again);
        assert_ne!(first[0], other);
        let mut sorted = first.clone();
        sorted.sort();
        assert_eq!(sorted, first);
        for id in &first {
            assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        }
        assert_ne!(new_id(), first[0]);
    }
}

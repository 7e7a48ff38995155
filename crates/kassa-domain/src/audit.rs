//! The audit trail's hash chain.
//!
//! Each device appends its entries with a sequence number, and each entry's
//! hash covers the previous entry's hash and every field of the entry. Editing
//! a byte, deleting an entry or cutting the tail breaks the chain at a place
//! [`verify_chain`] names.

use sha2::{Digest, Sha256};

/// The hash that precedes a device's first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit entry as it is hashed: every field that is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: String,
    pub device_id: String,
    pub device_seq: u64,
    /// RFC 3339 UTC time of the device when the entry was written.
    pub at_utc: String,
    /// How far the device clock was from the server's at the last sync.
    pub clock_offset_ms: i64,
    pub actor_id: Option<String>,
    /// A second person who approved the action (a manager override).
    pub approver_id: Option<String>,
    pub action: String,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// JSON of the record before the change, without secrets.
    pub before: Option<String>,
    /// JSON of the record after the change, without secrets.
    pub after: Option<String>,
}

fn put(h: &mut Sha256, field: Option<&[u8]>) {
    match field {
        None => h.update([0u8]),
        Some(bytes) => {
            h.update([1u8]);
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
    }
}

/// The hash of `entry` chained after `prev`.
pub fn entry_hash(prev: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"kassa-audit-v1");
    h.update(prev);
    put(&mut h, Some(entry.id.as_bytes()));
    put(&mut h, Some(entry.device_id.as_bytes()));
    put(&mut h, Some(&entry.device_seq.to_be_bytes()));
    put(&mut h, Some(entry.at_utc.as_bytes()));
    put(&mut h, Some(&entry.clock_offset_ms.to_be_bytes()));
    put(&mut h, entry.actor_id.as_deref().map(str::as_bytes));
    put(&mut h, entry.approver_id.as_deref().map(str::as_bytes));
    put(&mut h, Some(entry.action.as_bytes()));
    put(&mut h, entry.entity.as_deref().map(str::as_bytes));
    put(&mut h, entry.entity_id.as_deref().map(str::as_bytes));
    put(&mut h, entry.before.as_deref().map(str::as_bytes));
    put(&mut h, entry.after.as_deref().map(str::as_bytes));
    h.finalize().into()
}

/// An entry as stored: its fields plus the hashes written with it.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub entry: AuditEntry,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Why the chain is broken at an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The entry's fields no longer match its hash: it was edited.
    Altered,
    /// The entry does not follow the one before it: something between was removed or reordered.
    Unlinked,
    /// Entries with lower sequence numbers are missing before this one.
    Missing,
    /// The device's recorded head is past the last entry: entries at the end were removed.
    TailMissing,
    /// The chain ends with another entry than the head the server holds for its device.
    DiffersFromServer,
}

impl Break {
    /// A sentence for people.
    pub fn describe(self) -> &'static str {
        match self {
            Break::Altered => "the entry was changed after it was written",
            Break::Unlinked => {
                "the entry does not follow the previous one (an entry was removed or replaced)"
            }
            Break::Missing => "entries before this one are missing",
            Break::TailMissing => "entries after this one were removed",
            Break::DiffersFromServer => {
                "the chain ends with another entry than the one the server holds for its device"
            }
        }
    }
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    pub id: String,
    pub device_id: String,
    pub device_seq: u64,
    pub reason: Break,
}

/// Walks one device's entries in sequence order and returns the first break, if any.
///
/// `head` is the last sequence number the device recorded writing, when known;
/// it catches entries cut from the end, which no chain alone can see.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a StoredEntry>,
    head: Option<u64>,
) -> Option<BadEntry> {
    verify_chain_after(None, entries, head)
}

/// [`verify_chain`] for the entries after `start`, an entry verified before (a checkpoint):
/// the first must follow it. With `None` the first must be the chain's first entry.
pub fn verify_chain_after<'a>(
    start: Option<&'a StoredEntry>,
    entries: impl IntoIterator<Item = &'a StoredEntry>,
    head: Option<u64>,
) -> Option<BadEntry> {
    let mut prev = start.map_or(GENESIS, |s| s.hash);
    let mut last: Option<&StoredEntry> = start;
    let first_seq = start.map_or(1, |s| s.entry.device_seq + 1);
    for (expected_seq, stored) in (first_seq..).zip(entries) {
        let e = &stored.entry;
        let bad = |reason| BadEntry {
            id: e.id.clone(),
            device_id: e.device_id.clone(),
            device_seq: e.device_seq,
            reason,
        };
        if e.device_seq != expected_seq {
            return Some(bad(Break::Missing));
        }
        if stored.prev_hash != prev {
            return Some(bad(Break::Unlinked));
        }
        let computed = entry_hash(&prev, e);
        if computed != stored.hash {
            return Some(bad(Break::Altered));
        }
        prev = stored.hash;
        last = Some(stored);
    }
    match (head, last) {
        (Some(h), Some(l)) if h > l.entry.device_seq => Some(BadEntry {
            id: l.entry.id.clone(),
            device_id: l.entry.device_id.clone(),
            device_seq: l.entry.device_seq,
            reason: Break::TailMissing,
        }),
        (Some(h), None) if h > 0 => Some(BadEntry {
            id: String::new(),
            device_id: String::new(),
            device_seq: 0,
            reason: Break::TailMissing,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<StoredEntry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    id: format!("e{seq}"),
                    device_id: "dev".into(),
                    device_seq: seq,
                    at_utc: "2026-11-22T10:00:00.000Z".into(),
                    clock_offset_ms: 0,
                    actor_id: Some("u1".into()),
                    approver_id: None,
                    action: "test.action".into(),
                    entity: Some("thing".into()),
                    entity_id: Some(format!("t{seq}")),
                    before: None,
                    after: Some(format!("{{\"n\":{seq}}}")),
                };
                let hash = entry_hash(&prev, &entry);
                let stored = StoredEntry {
                    entry,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify_chain(&chain(5), Some(5)), None);
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut c = chain(5);
        c[2].entry.after = Some("{\"n\":4}".into());
        let bad = verify_chain(&c, Some(5)).unwrap();
        assert_eq!((bad.id.as_str(), bad.reason), ("e3", Break::Altered));
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let mut c = chain(5);
        c.remove(1);
        let bad = verify_chain(&c, Some(5)).unwrap();
        assert_eq!((bad.device_seq, bad.reason), (3, Break::Missing));
    }

    #[test]
    fn a_cut_tail_is_found_through_the_head() {
        let c = chain(5);
        let bad = verify_chain(&c[..3], Some(5)).unwrap();
        assert_eq!((bad.device_seq, bad.reason), (3, Break::TailMissing));
    }

    #[test]
    fn a_chain_verifies_from_a_checkpoint() {
        let c = chain(5);
        assert_eq!(verify_chain_after(Some(&c[1]), &c[2..], Some(5)), None);
    }

    #[test]
    fn entries_after_a_checkpoint_must_follow_it() {
        let c = chain(5);
        let other = chain(2);
        // Entry 3 follows entry 2 of its own chain, not another one's.
        let mut forged = c[1].clone();
        forged.hash = other[0].hash;
        let bad = verify_chain_after(Some(&forged), &c[2..], Some(5)).unwrap();
        assert_eq!((bad.device_seq, bad.reason), (3, Break::Unlinked));
        let bad = verify_chain_after(Some(&c[1]), &c[3..], Some(5)).unwrap();
        assert_eq!((bad.device_seq, bad.reason), (4, Break::Missing));
        let bad = verify_chain_after(Some(&c[3]), [], Some(5)).unwrap();
        assert_eq!((bad.device_seq, bad.reason), (4, Break::TailMissing));
    }

    #[test]
    fn a_none_and_an_empty_field_hash_differently() {
        let c = chain(1);
        let mut e = c[0].entry.clone();
        e.before = Some(String::new());
        assert_ne!(entry_hash(&GENESIS, &e), c[0].hash);
    }
}

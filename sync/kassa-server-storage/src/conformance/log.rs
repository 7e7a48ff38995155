//! The log: pushes, replays, resends, forks, gaps and pull pages.

use super::fixtures::*;
use crate::{Pushed, Storage, StorageError};

pub async fn pushes_take_consecutive_log_places_across_devices(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    let r = push(s, STORE_A, DEV_1, "b1", 1..=3, T1)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 3,
            acked_seq: 3
        }
    );
    let r = push(s, STORE_A, DEV_2, "b1", 1..=2, T1)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 2,
            acked_seq: 2
        }
    );
    let r = push(s, STORE_A, DEV_1, "b2", 4..=4, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 1,
            acked_seq: 4
        }
    );

    let want: Vec<(u64, String)> = vec![
        (1, cid(DEV_1, 1)),
        (2, cid(DEV_1, 2)),
        (3, cid(DEV_1, 3)),
        (4, cid(DEV_2, 1)),
        (5, cid(DEV_2, 2)),
        (6, cid(DEV_1, 4)),
    ];
    assert_eq!(log_ids(s, STORE_A).await, want);

    // The log keeps each change as it came.
    let page = s.pull(STORE_A, DEV_2, 0, 1).await.expect("pull");
    assert_eq!(
        page.changes[0].change,
        change(DEV_1, 1, &cid(DEV_1, 1))
            .into_raw()
            .expect("a payload")
            .change
    );
}

pub async fn a_replayed_batch_gives_the_first_answer_and_adds_nothing(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let first = push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    assert_eq!(
        first,
        Pushed {
            accepted: 2,
            acked_seq: 2
        }
    );
    let again = push(s, STORE_A, DEV_1, "b1", 1..=2, T2)
        .await
        .expect("replay");
    assert_eq!(again, first, "a replay answers as the first push did");
    assert_eq!(log_ids(s, STORE_A).await.len(), 2);
}

pub async fn a_batch_id_reused_with_other_changes_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    let r = push(s, STORE_A, DEV_1, "b1", 3..=3, T2).await;
    assert!(
        matches!(r, Err(StorageError::IdempotencyMismatch)),
        "batch id reused: {r:?}"
    );
    assert_eq!(log_ids(s, STORE_A).await.len(), 2);
    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(devices[0].acked_seq, 2);
}

pub async fn a_resent_change_in_a_new_batch_is_skipped(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    // The answer to b1 was lost; the device sends seq 2 again with seq 3 in a new batch.
    let r = push(s, STORE_A, DEV_1, "b2", 2..=3, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 1,
            acked_seq: 3
        }
    );
    let r = push(s, STORE_A, DEV_1, "b3", 1..=3, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 0,
            acked_seq: 3
        }
    );
    let ids: Vec<String> = log_ids(s, STORE_A)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids, vec![cid(DEV_1, 1), cid(DEV_1, 2), cid(DEV_1, 3)]);
}

pub async fn a_sequence_reused_with_another_change_blocks_the_device(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    // A restored copy of the device made other changes under seq 2 and 3.
    let forked = vec![
        change(DEV_1, 2, &cid(DEV_3, 2)),
        change(DEV_1, 3, &cid(DEV_3, 3)),
    ];
    let r = push_changes(s, STORE_A, DEV_1, "b2", forked, T2).await;
    assert!(
        matches!(r, Err(StorageError::DeviceCloned { seq: 2 })),
        "a forked sequence: {r:?}"
    );

    let auth = s
        .authenticate(&hash(&format!("token-{DEV_1}")))
        .await
        .expect("authenticate")
        .expect("known");
    assert!(auth.blocked, "the device is blocked");
    assert!(!auth.revoked);
    let audit = s.audit(STORE_A).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "device.blocked" && e.device_id.as_deref() == Some(DEV_1)),
        "the block is audited: {audit:?}"
    );
    assert_eq!(
        log_ids(s, STORE_A).await.len(),
        2,
        "nothing of the forked batch is in the log"
    );
}

pub async fn a_batch_that_skips_sequences_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let r = push(s, STORE_A, DEV_1, "b0", 2..=3, T1).await;
    assert!(
        matches!(
            r,
            Err(StorageError::SequenceGap {
                acked_seq: 0,
                first_seq: 2
            })
        ),
        "first push at 2: {r:?}"
    );
    push(s, STORE_A, DEV_1, "b1", 1..=1, T1)
        .await
        .expect("push");
    let r = push(s, STORE_A, DEV_1, "b2", 3..=4, T2).await;
    assert!(
        matches!(
            r,
            Err(StorageError::SequenceGap {
                acked_seq: 1,
                first_seq: 3
            })
        ),
        "a gap: {r:?}"
    );
    assert_eq!(log_ids(s, STORE_A).await.len(), 1);
    assert_eq!(s.devices(STORE_A).await.expect("devices")[0].acked_seq, 1);
    // The refused batch's id was not kept: the right batch under it is taken.
    let r = push(s, STORE_A, DEV_1, "b2", 2..=4, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 3,
            acked_seq: 4
        }
    );
}

pub async fn pull_pages_in_log_order_without_the_readers_own_changes(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    // Log: 1..=3 by device 1, 4..=5 by device 2, 6 by device 1.
    push(s, STORE_A, DEV_1, "b1", 1..=3, T1)
        .await
        .expect("push");
    push(s, STORE_A, DEV_2, "b1", 1..=2, T1)
        .await
        .expect("push");
    push(s, STORE_A, DEV_1, "b2", 4..=4, T1)
        .await
        .expect("push");

    let seqs = |p: &crate::Page| p.changes.iter().map(|e| e.server_seq).collect::<Vec<_>>();
    let p = s.pull(STORE_A, DEV_2, 0, 2).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![1, 2], 2, 4));
    // Entry 4 is device 2's own: left out, but the cursor passes it.
    let p = s.pull(STORE_A, DEV_2, 2, 2).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![3], 4, 2));
    let p = s.pull(STORE_A, DEV_2, 4, 10).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![6], 6, 0));
    assert_eq!(p.changes[0].change.change_id, cid(DEV_1, 4));
    let p = s.pull(STORE_A, DEV_2, 6, 10).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![], 6, 0));

    // A page of only the reader's own changes is empty and still moves the cursor.
    let p = s.pull(STORE_A, DEV_1, 0, 3).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![], 3, 3));
}

pub async fn a_pull_page_ends_with_the_change_that_takes_it_past_its_byte_limit(s: &dyn Storage) {
    use kassa_sync_protocol::wire::MAX_PAGE_BYTES;
    new_store(s, STORE_A, DEV_1).await;
    // Twelve changes of 1 MB each, then a small one: more than one page's bytes.
    let large = "x".repeat(1024 * 1024);
    let changes = (1..=13)
        .map(|q| {
            let mut c = change(DEV_1, q, &cid(DEV_1, q));
            if q <= 12 {
                c.change.payload = serde_json::json!({ "note": large });
            }
            c
        })
        .collect();
    push_changes(s, STORE_A, DEV_1, "b1", changes, T1)
        .await
        .expect("push");

    let size = |e: &kassa_sync_protocol::wire::LogEntry<kassa_sync_protocol::wire::RawPayload>| {
        e.change.payload.as_str().len()
    };
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let p = s.pull(STORE_A, DEV_3, cursor, 5_000).await.expect("pull");
        if p.changes.is_empty() {
            assert_eq!((p.cursor, p.remaining), (13, 0));
            break;
        }
        let sizes: Vec<usize> = p.changes.iter().map(size).collect();
        let before_last: usize = sizes[..sizes.len() - 1].iter().sum();
        assert!(
            before_last <= MAX_PAGE_BYTES,
            "a page holds no change after its payloads passed the limit: {sizes:?}"
        );
        assert_eq!(p.cursor, p.changes.last().expect("a change").server_seq);
        assert_eq!(p.remaining, 13 - p.cursor);
        pages.push(p.changes.iter().map(|e| e.server_seq).collect::<Vec<_>>());
        cursor = p.cursor;
    }
    // Eight changes of a little over 1 MB each take a page past 8 MB: the eighth ends it.
    assert_eq!(
        pages,
        vec![
            (1..=8).collect::<Vec<u64>>(),
            (9..=13).collect::<Vec<u64>>()
        ]
    );
}

pub async fn a_store_never_sees_another_stores_log(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    new_store(s, STORE_B, DEV_B).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    push(s, STORE_B, DEV_B, "b1", 1..=3, T1)
        .await
        .expect("push");

    let a = s.pull(STORE_A, DEV_3, 0, 100).await.expect("pull");
    assert_eq!(a.changes.len(), 2);
    assert!(a.changes.iter().all(|e| e.change.device_id == DEV_1));
    assert_eq!((a.cursor, a.remaining), (2, 0));
    // Each store's log counts its own places from 1.
    let b = s.pull(STORE_B, DEV_3, 0, 100).await.expect("pull");
    let places: Vec<u64> = b.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(places, vec![1, 2, 3]);
    assert!(b.changes.iter().all(|e| e.change.device_id == DEV_B));
    assert!(
        s.devices(STORE_A)
            .await
            .expect("devices")
            .iter()
            .all(|d| d.device_id == DEV_1)
    );
}

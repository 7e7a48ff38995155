//! What the storage interface promises, one story each.

use crate::*;
use kassa_server_storage::{RevokeInput, Storage, StorageError};

#[tokio::test]
async fn a_new_store_s_first_device_is_01_and_the_next_ones_count_up() {
    let (_db, s) = storage().await;
    let first = new_store(&s, "store-a", "dev-a").await;
    assert_eq!(first.device_code, "01");
    assert_eq!(first.store_id, "store-a");
    assert_eq!(join_store(&s, "store-a", "dev-b").await.device_code, "02");
    // Another store counts from 01 again.
    assert_eq!(new_store(&s, "store-b", "dev-x").await.device_code, "01");

    let devices = s.devices("store-a").await.unwrap();
    let codes: Vec<_> = devices.iter().map(|d| d.device_code.as_str()).collect();
    assert_eq!(codes, ["01", "02"]);
    assert_eq!(devices[0].name, "Till dev-a");
    assert_eq!(devices[0].paired_at, NOW);
    assert_eq!(devices[0].acked_seq, 0);

    let actions: Vec<_> = s
        .audit("store-a")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["device.paired", "pairing_code.created", "device.paired"]
    );
}

#[tokio::test]
async fn device_codes_take_three_digits_after_99() {
    let (_db, s) = storage().await;
    new_store(&s, "big", "dev-0").await;
    let mut last = String::new();
    for i in 1..100 {
        last = join_store(&s, "big", &format!("dev-{i}")).await.device_code;
    }
    assert_eq!(last, "100");
    let devices = s.devices("big").await.unwrap();
    assert_eq!(devices.len(), 100);
    assert_eq!(devices[98].device_code, "99");
    assert_eq!(devices[99].device_code, "100");
}

#[tokio::test]
async fn a_pairing_code_serves_once_and_only_before_it_expires() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    add_code(&s, "once", Some("st")).await;
    s.pair(pair_input("once", "dev-b", None)).await.unwrap();
    let again = s.pair(pair_input("once", "dev-c", None)).await;
    assert!(
        matches!(again, Err(StorageError::PairingCodeInvalid)),
        "{again:?}"
    );

    add_code(&s, "late", Some("st")).await;
    let mut late = pair_input("late", "dev-d", None);
    late.now = EXPIRES.into();
    assert!(matches!(
        s.pair(late).await,
        Err(StorageError::PairingCodeInvalid)
    ));

    let unknown = s.pair(pair_input("never-made", "dev-e", None)).await;
    assert!(matches!(unknown, Err(StorageError::PairingCodeInvalid)));
    assert_eq!(s.devices("st").await.unwrap().len(), 2);
}

#[tokio::test]
async fn pairings_that_do_not_fit_the_server_are_conflicts_and_leave_the_code_unused() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    new_store(&s, "other", "dev-o").await;

    add_code(&s, "for-st", Some("st")).await;
    let wrong_store = s
        .pair(pair_input("for-st", "dev-b", Some(store("other"))))
        .await;
    assert!(
        matches!(wrong_store, Err(StorageError::Conflict(_))),
        "{wrong_store:?}"
    );
    let registered = s.pair(pair_input("for-st", "dev-a", None)).await;
    assert!(
        matches!(registered, Err(StorageError::Conflict(_))),
        "{registered:?}"
    );
    // The refused attempts did not use the code up.
    assert_eq!(
        s.pair(pair_input("for-st", "dev-b", Some(store("st"))))
            .await
            .unwrap()
            .device_code,
        "02"
    );

    add_code(&s, "new-again", None).await;
    let existing = s
        .pair(pair_input("new-again", "dev-z", Some(store("st"))))
        .await;
    assert!(
        matches!(existing, Err(StorageError::Conflict(_))),
        "{existing:?}"
    );
    let no_record = s.pair(pair_input("new-again", "dev-z", None)).await;
    assert!(
        matches!(no_record, Err(StorageError::Conflict(_))),
        "{no_record:?}"
    );

    let twice = s
        .add_pairing_code(kassa_server_storage::NewPairingCode {
            code_hash: "for-st".into(),
            store_id: Some("st".into()),
            created_at: NOW.into(),
            expires_at: EXPIRES.into(),
        })
        .await;
    assert!(matches!(twice, Err(StorageError::Conflict(_))), "{twice:?}");
}

#[tokio::test]
async fn a_token_finds_its_device_until_an_admin_revokes_it() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    join_store(&s, "st", "dev-b").await;
    new_store(&s, "other", "dev-o").await;

    let auth = s
        .authenticate("token-dev-b")
        .await
        .unwrap()
        .expect("known token");
    assert_eq!(
        (
            auth.device_id.as_str(),
            auth.store_id.as_str(),
            auth.device_code.as_str()
        ),
        ("dev-b", "st", "02")
    );
    assert!(!auth.revoked && !auth.blocked);
    assert!(s.authenticate("token-nobody").await.unwrap().is_none());

    let revoke = |device: &str, at: &str| RevokeInput {
        store_id: "st".into(),
        device_id: device.into(),
        by_device: "dev-a".into(),
        next_store_key: b"sealed next key".to_vec(),
        now: at.into(),
    };
    let foreign = s.revoke(revoke("dev-o", LATER)).await;
    assert!(
        matches!(foreign, Err(StorageError::NotFound(_))),
        "{foreign:?}"
    );
    assert_eq!(s.revoke(revoke("dev-b", LATER)).await.unwrap(), Some(2));
    assert_eq!(
        s.revoke(revoke("dev-b", "2026-12-03T09:00:00.000Z"))
            .await
            .unwrap(),
        None
    );
    assert!(
        s.authenticate("token-dev-b")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    let listed = s.devices("st").await.unwrap();
    assert_eq!(listed[1].revoked_at.as_deref(), Some(LATER));

    let audit = s.audit("st").await.unwrap();
    let revoked: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "device.revoked")
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].device_id.as_deref(), Some("dev-b"));
    assert_eq!(revoked[0].detail["by_device"], "dev-a");
    assert_eq!(revoked[0].at, LATER);
}

#[tokio::test]
async fn other_devices_pull_a_push_exactly_as_it_was_sent() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    join_store(&s, "st", "dev-b").await;
    let mut odd = change("dev-a", 3);
    odd.change.payload = serde_json::json!({
        "name": "Thé vert 🍵", "nul": "a\u{0}b", "price": 1.5, "big": 9007199254740993u64,
        "nested": {"list": [1, null, true, "x"], "empty": {}}, "neg": -0.25
    });
    odd.change.hlc = u64::MAX;
    odd.change.op = ChangeOp::Upsert;
    let sent = vec![change("dev-a", 1), change("dev-a", 2), odd];
    let pushed = s
        .push(push_input("st", "dev-a", "b1", sent.clone()))
        .await
        .unwrap();
    assert_eq!((pushed.accepted, pushed.acked_seq), (3, 3));

    let page = s.pull("st", "dev-b", 0, 100).await.unwrap();
    assert_eq!((page.cursor, page.remaining), (3, 0));
    let got: Vec<_> = page
        .changes
        .iter()
        .map(|e| (e.server_seq, e.change.clone()))
        .collect();
    let want: Vec<_> = sent
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1, c.into_raw().expect("a payload").change))
        .collect();
    assert_eq!(got, want);

    // The pusher's own changes are not sent back, but the cursor passes them.
    let own = s.pull("st", "dev-a", 0, 100).await.unwrap();
    assert!(own.changes.is_empty());
    assert_eq!((own.cursor, own.remaining), (3, 0));

    let devices = s.devices("st").await.unwrap();
    assert_eq!(devices[0].acked_seq, 3);
    assert_eq!(devices[0].last_sync_at.as_deref(), Some(LATER));
}

#[tokio::test]
async fn a_pull_pages_through_the_log_and_says_what_is_left() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    join_store(&s, "st", "dev-b").await;
    join_store(&s, "st", "dev-c").await;
    push(&s, "st", "dev-a", "a1", 1, 2).await;
    push(&s, "st", "dev-b", "b1", 1, 3).await;
    push(&s, "st", "dev-a", "a2", 3, 4).await;

    // dev-b reads log places 1..=7 two at a time; its own places 3..=5 only move the cursor.
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = s.pull("st", "dev-b", cursor, 2).await.unwrap();
        if page.cursor == cursor {
            break;
        }
        pages.push((page.changes.len(), page.cursor, page.remaining));
        seen.extend(page.changes.iter().map(|e| e.server_seq));
        cursor = page.cursor;
    }
    assert_eq!(seen, [1, 2, 6, 7]);
    assert_eq!(pages, [(2, 2, 5), (0, 4, 3), (1, 6, 1), (1, 7, 0)]);

    let empty = s.pull("st", "dev-c", 7, 10).await.unwrap();
    assert_eq!(
        (empty.changes.len(), empty.cursor, empty.remaining),
        (0, 7, 0)
    );
    let other_store = s.pull("nowhere", "dev-c", 0, 10).await.unwrap();
    assert!(other_store.changes.is_empty());
}

#[tokio::test]
async fn a_batch_sent_again_gets_its_first_answer_and_changes_nothing() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    let first = push(&s, "st", "dev-a", "b1", 1, 3).await;
    push(&s, "st", "dev-a", "b2", 4, 4).await;
    let again = push(&s, "st", "dev-a", "b1", 1, 3).await;
    assert_eq!(again, first);
    assert_eq!((again.accepted, again.acked_seq), (3, 3));
    assert_eq!(
        s.pull("st", "reader", 0, 100).await.unwrap().changes.len(),
        4
    );

    let other = s
        .push(push_input("st", "dev-a", "b1", vec![change("dev-a", 5)]))
        .await;
    assert!(
        matches!(other, Err(StorageError::IdempotencyMismatch)),
        "{other:?}"
    );
}

#[tokio::test]
async fn changes_the_server_holds_are_skipped_when_resent_with_new_ones() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    push(&s, "st", "dev-a", "b1", 1, 3).await;
    // The answer was lost; the device sends 2..=5 under a new batch id.
    let pushed = push(&s, "st", "dev-a", "b2", 2, 5).await;
    assert_eq!((pushed.accepted, pushed.acked_seq), (2, 5));
    let only_old = push(&s, "st", "dev-a", "b3", 4, 5).await;
    assert_eq!((only_old.accepted, only_old.acked_seq), (0, 5));
    let log = s.pull("st", "reader", 0, 100).await.unwrap();
    let ids: Vec<_> = log
        .changes
        .iter()
        .map(|e| e.change.change_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["dev-a-c1", "dev-a-c2", "dev-a-c3", "dev-a-c4", "dev-a-c5"]
    );
}

#[tokio::test]
async fn a_batch_that_skips_sequences_is_refused_and_nothing_is_kept() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    push(&s, "st", "dev-a", "b1", 1, 3).await;
    let gap = s
        .push(push_input(
            "st",
            "dev-a",
            "b2",
            vec![change("dev-a", 5), change("dev-a", 6)],
        ))
        .await;
    assert!(
        matches!(
            gap,
            Err(StorageError::SequenceGap {
                acked_seq: 3,
                first_seq: 5
            })
        ),
        "{gap:?}"
    );
    assert_eq!(
        s.pull("st", "reader", 0, 100).await.unwrap().changes.len(),
        3
    );
    // The refused batch id was not kept: the right batch may use it.
    assert_eq!(push(&s, "st", "dev-a", "b2", 4, 4).await.acked_seq, 4);
}

#[tokio::test]
async fn a_restored_device_resending_another_change_is_blocked() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    push(&s, "st", "dev-a", "b1", 1, 3).await;
    let mut forked = change("dev-a", 2);
    forked.change.change_id = "dev-a-other-2".into();
    let cloned = s
        .push(push_input(
            "st",
            "dev-a",
            "b2",
            vec![forked, change("dev-a", 3), change("dev-a", 4)],
        ))
        .await;
    assert!(
        matches!(cloned, Err(StorageError::DeviceCloned { seq: 2 })),
        "{cloned:?}"
    );

    assert!(
        s.authenticate("token-dev-a")
            .await
            .unwrap()
            .unwrap()
            .blocked
    );
    let audit = s.audit("st").await.unwrap();
    let blocked = audit.last().unwrap();
    assert_eq!(
        (blocked.action.as_str(), blocked.device_id.as_deref()),
        ("device.blocked", Some("dev-a"))
    );
    assert_eq!(blocked.detail["seq"], 2);
    assert_eq!(blocked.detail["change_id"], "dev-a-other-2");
    assert_eq!(
        s.pull("st", "reader", 0, 100).await.unwrap().changes.len(),
        3
    );
    assert_eq!(s.devices("st").await.unwrap()[0].acked_seq, 3);
}

#[tokio::test]
async fn a_pull_is_recorded_as_the_device_s_last_sync() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    s.touch("dev-a", LATER).await.unwrap();
    assert_eq!(
        s.devices("st").await.unwrap()[0].last_sync_at.as_deref(),
        Some(LATER)
    );
    assert!(matches!(
        s.touch("dev-nobody", LATER).await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(s.backend(), "postgres");
}

#[tokio::test]
async fn the_database_itself_keeps_every_log_row_on_a_device_of_its_store() {
    let (db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    new_store(&s, "other", "dev-x").await;
    push(&s, "st", "dev-a", "b1", 1, 2).await;
    let c = db.client().await;
    let insert = |store: &'static str, device: &'static str, seq: i64| {
        let c = &c;
        async move {
            c.execute(
                "INSERT INTO change_log (store_id, server_seq, change_id, device_id, device_seq,
                                         entity, entity_id, op, payload, hlc)
                 VALUES ($1, 100 + $3::bigint, 'direct-' || $3::bigint, $2, $3::bigint,
                         'customers', 'k', 'insert', '{}', 1)",
                &[&store, &device, &seq],
            )
            .await
        }
    };
    let refused = |r: Result<u64, tokio_postgres::Error>, what: &str| {
        let e = r.expect_err(what);
        assert_eq!(
            e.code(),
            Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION),
            "{what}: {e}"
        );
    };
    // A device of another store, a device the server never paired, a store that is not.
    refused(insert("st", "dev-x", 1).await, "a device of another store");
    refused(insert("st", "nobody", 1).await, "an unknown device");
    refused(insert("gone", "dev-a", 3).await, "an unknown store");
    refused(
        c.execute(
            "UPDATE change_log SET device_id = 'dev-x' WHERE store_id = 'st'",
            &[],
        )
        .await,
        "a row moved to a device of another store",
    );
    // A device with changes in the log stays, in its store, under its id.
    refused(
        c.execute("DELETE FROM devices WHERE device_id = 'dev-a'", &[])
            .await,
        "a device with changes deleted",
    );
    refused(
        c.execute(
            "UPDATE devices SET store_id = 'other' WHERE device_id = 'dev-a'",
            &[],
        )
        .await,
        "a device with changes moved",
    );
    // Its own device in its own store is taken, and the rest of the device row may change.
    assert_eq!(
        insert("st", "dev-a", 3)
            .await
            .expect("a row of dev-a in st"),
        1
    );
    c.execute(
        "UPDATE devices SET name = 'Till 1' WHERE device_id = 'dev-a'",
        &[],
    )
    .await
    .expect("a device renamed");
    // A device without changes may still go.
    c.execute("DELETE FROM push_batches WHERE device_id = 'dev-x'", &[])
        .await
        .unwrap();
    assert_eq!(
        c.execute("DELETE FROM devices WHERE device_id = 'dev-x'", &[])
            .await
            .expect("a device without changes deleted"),
        1
    );
    let held: i64 = c
        .query_one("SELECT count(*) FROM change_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 3);
}

#[tokio::test]
async fn a_restarted_server_finds_its_data_and_migrates_nothing_again() {
    let (db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    push(&s, "st", "dev-a", "b1", 1, 2).await;
    drop(s);
    let again = kassa_server_postgres::connect(&db.url).await.unwrap();
    assert_eq!(
        again
            .pull("st", "reader", 0, 10)
            .await
            .unwrap()
            .changes
            .len(),
        2
    );
    let versions = db
        .client()
        .await
        .query(
            "SELECT version FROM kassa_schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap();
    // One row per migration shipped, each applied once, the newest last.
    assert!(shipped_migrations() >= 7);
    assert_eq!(versions.len(), shipped_migrations());
    assert_eq!(
        versions[versions.len() - 1].get::<_, i64>(0),
        kassa_server_postgres::schema_version()
    );
}

#[tokio::test]
async fn a_database_from_a_newer_server_is_refused() {
    let (db, s) = storage().await;
    drop(s);
    db.client()
        .await
        .execute(
            "INSERT INTO kassa_schema_migrations (version, name) VALUES (99991231000000, 'future')",
            &[],
        )
        .await
        .unwrap();
    let refused = kassa_server_postgres::connect(&db.url).await;
    assert!(matches!(refused, Err(StorageError::Backend(m)) if m.contains("newer")));
}

#[tokio::test]
async fn an_unreachable_database_is_a_backend_error_not_a_panic() {
    let refused = kassa_server_postgres::connect("postgres://postgres@127.0.0.1:1/none").await;
    assert!(
        matches!(refused, Err(StorageError::Backend(_))),
        "{refused:?}"
    );
    let garbage = kassa_server_postgres::connect("not a url").await;
    assert!(
        matches!(garbage, Err(StorageError::Backend(_))),
        "{garbage:?}"
    );
}

#[tokio::test]
async fn a_batch_with_a_hole_inside_is_refused_whole() {
    let (_db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    let holed = vec![change("dev-a", 1), change("dev-a", 2), change("dev-a", 4)];
    let refused = s.push(push_input("st", "dev-a", "b1", holed)).await;
    assert!(
        matches!(refused, Err(StorageError::Conflict(_))),
        "{refused:?}"
    );
    let too_far = s
        .push(push_input(
            "st",
            "dev-a",
            "b2",
            vec![change("dev-a", 1), change("dev-a", u64::MAX)],
        ))
        .await;
    assert!(too_far.is_err(), "{too_far:?}");
    assert!(
        s.pull("st", "reader", 0, 10)
            .await
            .unwrap()
            .changes
            .is_empty()
    );
    assert_eq!(s.devices("st").await.unwrap()[0].acked_seq, 0);
}

/// A database from before the server kept audit heads: migrating takes each device's last
/// audit entry in the log as its head.
#[tokio::test]
async fn migrating_takes_each_chains_last_logged_entry_as_its_head() {
    let db = crate::db::TestDb::new().await;
    let (h1, h2) = ("1".repeat(64), "2".repeat(64));
    {
        let c = db.client().await;
        c.batch_execute(
            "CREATE TABLE kassa_schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             INSERT INTO kassa_schema_migrations (version, name)
                 VALUES (20261203080000, 'sync_log'), (20261203090000, 'store_key');",
        )
        .await
        .unwrap();
        c.batch_execute(include_str!("../../migrations/20261203080000_sync_log.sql"))
            .await
            .unwrap();
        c.batch_execute(include_str!(
            "../../migrations/20261203090000_store_key.sql"
        ))
        .await
        .unwrap();
        c.batch_execute(
            "INSERT INTO stores (id, code, name, currency, created_at, last_seq)
                 VALUES ('st', 'S1', 'Corner shop', 'EUR', '2026-03-01T09:00:00.000Z', 3);
             INSERT INTO devices (device_id, store_id, device_code, code_number, name, token_hash,
                                  paired_at, acked_seq)
                 VALUES ('dev-a', 'st', '01', 1, 'Till 1', 'tok', '2026-03-01T09:00:00.000Z', 3);",
        )
        .await
        .unwrap();
        let zero = "0".repeat(64);
        for (seq, entity, payload) in [
            (
                1i64,
                "audit_log",
                serde_json::json!({"device_seq": 1, "prev_hash": zero, "hash": h1}),
            ),
            (
                2,
                "audit_log",
                serde_json::json!({"device_seq": 2, "prev_hash": h1, "hash": h2}),
            ),
            (3, "products", serde_json::json!({"name": "Tea"})),
        ] {
            c.execute(
                "INSERT INTO change_log (store_id, server_seq, change_id, device_id, device_seq,
                                         entity, entity_id, op, payload, hlc)
                 VALUES ('st', $1, $2, 'dev-a', $1, $3, $2, 'insert', $4, 1)",
                &[&seq, &format!("c{seq}"), &entity, &payload.to_string()],
            )
            .await
            .unwrap();
        }
    }
    let s = kassa_server_postgres::connect(&db.url).await.unwrap();
    let page = s.pull("st", "nobody", 0, 100).await.unwrap();
    let heads: Vec<_> = page
        .audit_heads
        .iter()
        .map(|h| (h.device_id.as_str(), h.seq, h.hash.as_str(), h.server_seq))
        .collect();
    assert_eq!(heads, vec![("dev-a", 2, h2.as_str(), 2)]);
}

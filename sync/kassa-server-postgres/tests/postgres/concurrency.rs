//! Two server instances on one database, as a scaled-out server runs.

use crate::*;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const DEVICES: usize = 4;
const BATCHES: u64 = 20;
const PER_BATCH: u64 = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_pushing_at_once_build_one_gap_free_log_that_every_reader_sees_once() {
    let db = db::TestDb::new().await;
    let one = kassa_server_postgres::connect(&db.url).await.unwrap();
    let two = kassa_server_postgres::connect(&db.url).await.unwrap();
    let servers = [one.clone(), two.clone()];
    new_store(&one, "st", "reader").await;
    for d in 0..DEVICES {
        join_store(&servers[d % 2], "st", &format!("dev-{d}")).await;
    }

    let pushing = Arc::new(AtomicBool::new(true));
    // A device pulling the whole time, through both servers in turn, while pushes commit.
    let reader = {
        let servers = servers.clone();
        let pushing = pushing.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut cursor = 0;
            let mut turn = 0;
            loop {
                let done = !pushing.load(Ordering::SeqCst);
                let page = servers[turn % 2]
                    .pull("st", "reader", cursor, 7)
                    .await
                    .unwrap();
                turn += 1;
                assert!(page.cursor >= cursor, "the cursor went back");
                seen.extend(
                    page.changes
                        .iter()
                        .map(|e| (e.server_seq, e.change.change_id.clone())),
                );
                cursor = page.cursor;
                if done && page.remaining == 0 && page.changes.is_empty() {
                    return seen;
                }
            }
        })
    };

    let mut pushers = Vec::new();
    for d in 0..DEVICES {
        let server = servers[d % 2].clone();
        pushers.push(tokio::spawn(async move {
            let device = format!("dev-{d}");
            for b in 0..BATCHES {
                let from = b * PER_BATCH + 1;
                let pushed = push(
                    &server,
                    "st",
                    &device,
                    &format!("{device}-b{b}"),
                    from,
                    from + PER_BATCH - 1,
                )
                .await;
                assert_eq!(pushed.accepted, PER_BATCH);
            }
        }));
    }
    for p in pushers {
        p.await.unwrap();
    }
    pushing.store(false, Ordering::SeqCst);
    let seen = reader.await.unwrap();

    let total = DEVICES as u64 * BATCHES * PER_BATCH;
    let places: Vec<u64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        places,
        (1..=total).collect::<Vec<_>>(),
        "the reader saw every place once, in order"
    );
    let ids: HashSet<&str> = seen.iter().map(|(_, id)| id.as_str()).collect();
    let expected: HashSet<String> = (0..DEVICES)
        .flat_map(|d| (1..=BATCHES * PER_BATCH).map(move |q| format!("dev-{d}-c{q}")))
        .collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect());

    // Each device's changes sit in the log in its own order.
    let log = two.pull("st", "reader", 0, 5_000).await.unwrap();
    for d in 0..DEVICES {
        let device = format!("dev-{d}");
        let seqs: Vec<u64> = log
            .changes
            .iter()
            .filter(|e| e.change.device_id == device)
            .map(|e| e.change.hlc & 0xffff)
            .collect();
        assert_eq!(seqs, (1..=BATCHES * PER_BATCH).collect::<Vec<_>>());
    }
    for d in one.devices("st").await.unwrap().iter().skip(1) {
        assert_eq!(d.acked_seq, BATCHES * PER_BATCH);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_at_once_on_a_fresh_database_migrate_it_once() {
    let db = db::TestDb::new().await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { kassa_server_postgres::connect(&url).await })
        })
        .collect();
    let mut servers = Vec::new();
    for s in starts {
        servers.push(s.await.unwrap().expect("every server starts"));
    }
    let applied = db
        .client()
        .await
        .query("SELECT version FROM kassa_schema_migrations", &[])
        .await
        .unwrap();
    // One row per migration shipped, each applied once.
    assert_eq!(applied.len(), shipped_migrations());
    // All of them work on the one schema.
    new_store(&servers[0], "st", "dev-a").await;
    assert_eq!(servers[3].devices("st").await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devices_pairing_at_once_through_two_servers_get_distinct_codes() {
    let db = db::TestDb::new().await;
    let one = kassa_server_postgres::connect(&db.url).await.unwrap();
    let two = kassa_server_postgres::connect(&db.url).await.unwrap();
    new_store(&one, "st", "dev-0").await;
    let mut joins = Vec::new();
    for i in 1..=12 {
        let server = if i % 2 == 0 { one.clone() } else { two.clone() };
        joins.push(tokio::spawn(async move {
            join_store(&server, "st", &format!("dev-{i}"))
                .await
                .device_code
        }));
    }
    let mut codes = Vec::new();
    for j in joins {
        codes.push(j.await.unwrap());
    }
    codes.sort();
    let want: Vec<String> = (2..=13).map(|n| format!("{n:02}")).collect();
    assert_eq!(codes, want);

    // One code redeemed by two devices at once serves one of them.
    add_code(&one, "shared", Some("st")).await;
    let (a, b) = tokio::join!(
        one.pair(pair_input("shared", "dev-x", None)),
        two.pair(pair_input("shared", "dev-y", None))
    );
    assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "{a:?} {b:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_waits_while_another_holds_its_store_so_no_reader_skips_a_late_commit() {
    let (db, s) = storage().await;
    new_store(&s, "st", "dev-a").await;
    join_store(&s, "st", "dev-b").await;
    push(&s, "st", "dev-a", "a1", 1, 1).await;

    // Another server's push is inside its transaction, holding the store's counter.
    let mut other = db.client().await;
    let held = other.transaction().await.unwrap();
    held.query(
        "SELECT last_seq FROM stores WHERE id = 'st' FOR UPDATE",
        &[],
    )
    .await
    .unwrap();
    let waiting = {
        let s = s.clone();
        tokio::spawn(async move { push(&s, "st", "dev-b", "b1", 1, 2).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the push waits for the store");
    let page = s.pull("st", "reader", 1, 10).await.unwrap();
    assert_eq!((page.changes.len(), page.cursor, page.remaining), (0, 1, 0));

    held.rollback().await.unwrap();
    assert_eq!(waiting.await.unwrap().accepted, 2);
    let page = s.pull("st", "reader", 1, 10).await.unwrap();
    let places: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(places, [2, 3]);
}

//! Seat allotments: each capacity pool's seats, held by the store's devices, never more in
//! all than the pool's capacity as the store's log has it.

use super::concurrency::{Task, join_all};
use super::fixtures::*;
use crate::{AllotmentInput, AllotmentState, CAPACITY_POOL_ENTITY, Storage, StorageError};
use kassa_sync_protocol::wire::PushedChange;
use kassa_sync_protocol::{Change, ChangeOp};
use serde_json::json;

const POOL: &str = "0190e000-0000-7000-8000-0000000000e1";
const OTHER_POOL: &str = "0190e000-0000-7000-8000-0000000000e2";
const DEPARTURE: &str = "0190f000-0000-7000-8000-000000000001";
const RELEASE: &str = "2026-06-01T00:00:00.000Z";

/// A change of a capacity pool, made by `device` at outbox place `seq`.
fn pool_change(
    device: &str,
    seq: u64,
    pool: &str,
    hlc: u64,
    payload: serde_json::Value,
) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: cid(device, seq),
            entity: CAPACITY_POOL_ENTITY.into(),
            entity_id: pool.into(),
            op: ChangeOp::Upsert,
            payload,
            hlc,
            device_id: device.into(),
        },
    }
}

/// A store whose first device `DEV_1` made `POOL` with `seats` (at outbox place 1).
async fn store_with_pool(s: &dyn Storage, seats: i64) {
    new_store(s, STORE_A, DEV_1).await;
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "pool",
        vec![pool_change(
            DEV_1,
            1,
            POOL,
            100,
            json!({"store_id": STORE_A, "seats": seats}),
        )],
        T2,
    )
    .await
    .expect("push the pool");
}

fn ask(device: &str, seats: i64, version: i64) -> AllotmentInput {
    AllotmentInput {
        store_id: STORE_A.into(),
        device_id: device.into(),
        pool_id: POOL.into(),
        departure_id: DEPARTURE.into(),
        seats,
        version,
        release_at: RELEASE.into(),
        now: T2.into(),
    }
}

fn state(seats: i64, version: i64, capacity: i64, held: i64) -> AllotmentState {
    AllotmentState {
        pool_id: POOL.into(),
        seats,
        version,
        release_at: (version > 0).then(|| RELEASE.to_owned()),
        capacity,
        held,
        free: (capacity - held).max(0),
    }
}

async fn grant(s: &dyn Storage, device: &str, seats: i64, version: i64) -> AllotmentState {
    s.set_allotment(ask(device, seats, version))
        .await
        .unwrap_or_else(|e| panic!("{device} asking for {seats} seats (version {version}): {e}"))
}

/// Each device's seats in the pool, by device id.
async fn holdings(s: &dyn Storage) -> Vec<(String, i64, i64)> {
    s.allotments(STORE_A, POOL)
        .await
        .expect("allotments")
        .into_iter()
        .map(|h| (h.device_id, h.seats, h.version))
        .collect()
}

async fn history(s: &dyn Storage) -> Vec<(String, i64, i64, i64)> {
    s.allotment_events(STORE_A, POOL)
        .await
        .expect("allotment events")
        .into_iter()
        .map(|e| (e.device_id, e.seats_before, e.seats_after, e.version))
        .collect()
}

pub async fn an_allotment_within_the_pools_capacity_is_granted(s: &dyn Storage) {
    store_with_pool(s, 10).await;
    assert_eq!(grant(s, DEV_1, 4, 1).await, state(4, 1, 10, 4));
    let kept = s.allotments(STORE_A, POOL).await.expect("allotments");
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (
            kept[0].device_id.as_str(),
            kept[0].departure_id.as_str(),
            kept[0].seats,
            kept[0].version,
            kept[0].release_at.as_str(),
            kept[0].updated_at.as_str()
        ),
        (DEV_1, DEPARTURE, 4, 1, RELEASE, T2)
    );
    let events = s
        .allotment_events(STORE_A, POOL)
        .await
        .expect("allotment events");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (
            e.device_id.as_str(),
            e.departure_id.as_str(),
            e.seats_before,
            e.seats_after,
            e.version,
            e.at.as_str()
        ),
        (DEV_1, DEPARTURE, 0, 4, 1, T2)
    );
    // Asking for the whole pool in all is fine too.
    assert_eq!(grant(s, DEV_1, 10, 2).await, state(10, 2, 10, 10));
    assert_eq!(
        s.allotments(STORE_B, POOL).await.expect("another store"),
        vec![],
        "another store holds nothing of it"
    );
}

pub async fn an_allotment_beyond_the_capacity_is_refused_and_changes_nothing(s: &dyn Storage) {
    store_with_pool(s, 10).await;
    join(s, STORE_A, DEV_2).await;
    grant(s, DEV_1, 4, 1).await;
    let before = (holdings(s).await, history(s).await);
    match s.set_allotment(ask(DEV_2, 7, 1)).await {
        Err(
            e @ StorageError::InsufficientSeats {
                asked,
                capacity,
                held,
                holding,
                free,
            },
        ) => {
            assert_eq!((asked, capacity, held, holding, free), (7, 10, 4, 0, 6));
            let message = e.to_string();
            assert!(
                message.contains("holds 0 of") && message.contains("6 more are free"),
                "the refusal names the seats held and free: {message}"
            );
        }
        other => panic!("7 of 10 seats with 4 held elsewhere: {other:?}"),
    }
    assert_eq!(
        (holdings(s).await, history(s).await),
        before,
        "a refusal changes nothing"
    );
    // The refused version was not taken: the same version asking for what is free is granted.
    assert_eq!(grant(s, DEV_2, 6, 1).await, state(6, 1, 10, 10));
    // A device raising its own holding counts only the others' seats against it.
    match s.set_allotment(ask(DEV_1, 5, 2)).await {
        Err(StorageError::InsufficientSeats {
            holding,
            free,
            held,
            ..
        }) => assert_eq!((holding, free, held), (4, 0, 10)),
        other => panic!("a full pool: {other:?}"),
    }
}

pub async fn the_store_devices_share_a_pool(s: &dyn Storage) {
    store_with_pool(s, 10).await;
    join(s, STORE_A, DEV_2).await;
    join(s, STORE_A, DEV_3).await;
    assert_eq!(grant(s, DEV_1, 3, 1).await, state(3, 1, 10, 3));
    assert_eq!(grant(s, DEV_2, 5, 1).await, state(5, 1, 10, 8));
    assert_eq!(grant(s, DEV_3, 2, 1).await, state(2, 1, 10, 10));
    // Asking again for nothing more is an answer of where the device stands.
    assert_eq!(grant(s, DEV_1, 3, 2).await, state(3, 2, 10, 10));
    assert!(matches!(
        s.set_allotment(ask(DEV_3, 3, 2)).await,
        Err(StorageError::InsufficientSeats { free: 0, .. })
    ));
    assert_eq!(
        holdings(s).await,
        vec![
            (DEV_1.to_owned(), 3, 2),
            (DEV_2.to_owned(), 5, 1),
            (DEV_3.to_owned(), 2, 1)
        ]
    );
    // Another pool of the store is counted apart.
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "pool 2",
        vec![pool_change(DEV_1, 2, OTHER_POOL, 200, json!({"seats": 1}))],
        T2,
    )
    .await
    .expect("push the other pool");
    let other = s
        .set_allotment(AllotmentInput {
            pool_id: OTHER_POOL.into(),
            ..ask(DEV_3, 1, 1)
        })
        .await
        .expect("the other pool's seat");
    assert_eq!((other.seats, other.capacity, other.free), (1, 1, 0));
}

pub async fn lowering_an_allotment_gives_its_seats_back(s: &dyn Storage) {
    store_with_pool(s, 10).await;
    join(s, STORE_A, DEV_2).await;
    grant(s, DEV_1, 8, 1).await;
    assert!(matches!(
        s.set_allotment(ask(DEV_2, 3, 1)).await,
        Err(StorageError::InsufficientSeats { free: 2, .. })
    ));
    assert_eq!(grant(s, DEV_1, 5, 2).await, state(5, 2, 10, 5));
    assert_eq!(grant(s, DEV_2, 3, 1).await, state(3, 1, 10, 8));
    // The pool shrinks below what is held: lowering is still granted, raising is not.
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "shrink",
        vec![pool_change(DEV_1, 2, POOL, 200, json!({"seats": 4}))],
        T2,
    )
    .await
    .expect("push the smaller pool");
    assert_eq!(grant(s, DEV_1, 4, 3).await, state(4, 3, 4, 7));
    assert!(matches!(
        s.set_allotment(ask(DEV_2, 4, 2)).await,
        Err(StorageError::InsufficientSeats {
            capacity: 4,
            held: 7,
            holding: 3,
            free: 0,
            ..
        })
    ));
    assert_eq!(grant(s, DEV_1, 0, 4).await, state(0, 4, 4, 3));
    assert_eq!(
        history(s).await,
        vec![
            (DEV_1.to_owned(), 0, 8, 1),
            (DEV_1.to_owned(), 8, 5, 2),
            (DEV_2.to_owned(), 0, 3, 1),
            (DEV_1.to_owned(), 5, 4, 3),
            (DEV_1.to_owned(), 4, 0, 4),
        ]
    );
    assert!(matches!(
        s.set_allotment(ask(DEV_1, -1, 5)).await,
        Err(StorageError::InvalidInput(_))
    ));
    assert!(matches!(
        s.set_allotment(ask(DEV_1, 1, 0)).await,
        Err(StorageError::InvalidInput(_))
    ));
}

pub async fn a_stale_or_repeated_allotment_version_changes_nothing(s: &dyn Storage) {
    store_with_pool(s, 10).await;
    join(s, STORE_A, DEV_2).await;
    grant(s, DEV_1, 2, 1).await;
    let now = grant(s, DEV_1, 6, 2).await;
    assert_eq!(now, state(6, 2, 10, 6));
    let before = (holdings(s).await, history(s).await);
    // The same request again, then an older one delivered late, then another request under
    // a version already used: each answers the holding as it stands.
    assert_eq!(grant(s, DEV_1, 6, 2).await, now);
    assert_eq!(grant(s, DEV_1, 2, 1).await, now);
    assert_eq!(grant(s, DEV_1, 0, 2).await, now);
    // Even one beyond the capacity: it is not refused, it is ignored.
    assert_eq!(grant(s, DEV_1, 50, 1).await, now);
    assert_eq!(
        (holdings(s).await, history(s).await),
        before,
        "stale versions change nothing"
    );
    // The answer tells the others' seats too.
    grant(s, DEV_2, 3, 1).await;
    assert_eq!(grant(s, DEV_1, 1, 1).await, state(6, 2, 10, 9));
    assert_eq!(grant(s, DEV_1, 1, 3).await, state(1, 3, 10, 4));
}

pub async fn a_pools_capacity_is_its_newest_change_that_carries_seats(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    // The log's order is not the stamps' order: the newest stamp wins, and a change without
    // `seats` (or with seats that are no number) is passed over.
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "b1",
        vec![
            pool_change(DEV_1, 1, POOL, 300, json!({"name": "renamed"})),
            pool_change(DEV_1, 2, POOL, 200, json!({"seats": 6})),
            pool_change(
                DEV_1,
                3,
                POOL,
                100,
                json!({"store_id": STORE_A, "seats": 4}),
            ),
            pool_change(DEV_1, 4, POOL, 250, json!({"seats": "many"})),
        ],
        T2,
    )
    .await
    .expect("push the pool's changes");
    assert_eq!(grant(s, DEV_1, 6, 1).await, state(6, 1, 6, 6));
    assert!(matches!(
        s.set_allotment(ask(DEV_1, 7, 2)).await,
        Err(StorageError::InsufficientSeats { capacity: 6, .. })
    ));
    // An older stamp arriving later does not win.
    push_changes(
        s,
        STORE_A,
        DEV_2,
        "b1",
        vec![pool_change(DEV_2, 1, POOL, 150, json!({"seats": 100}))],
        T2,
    )
    .await
    .expect("push an older change");
    assert_eq!(grant(s, DEV_1, 6, 2).await.capacity, 6);
    // The same stamp from a higher device id wins the tie; a newer stamp wins outright.
    push_changes(
        s,
        STORE_A,
        DEV_2,
        "b2",
        vec![pool_change(DEV_2, 2, POOL, 200, json!({"seats": 8}))],
        T2,
    )
    .await
    .expect("push a tie");
    assert_eq!(grant(s, DEV_1, 8, 3).await, state(8, 3, 8, 8));
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "b2",
        vec![pool_change(DEV_1, 5, POOL, 400, json!({"seats": 12}))],
        T2,
    )
    .await
    .expect("push a newer change");
    assert_eq!(grant(s, DEV_2, 4, 1).await, state(4, 1, 12, 12));
}

pub async fn an_allotment_of_a_pool_the_server_has_not_heard_of_is_not_found(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    new_store(s, STORE_B, DEV_B).await;
    // Another store's pool of that id is not this store's.
    push_changes(
        s,
        STORE_B,
        DEV_B,
        "pool",
        vec![pool_change(DEV_B, 1, POOL, 100, json!({"seats": 10}))],
        T2,
    )
    .await
    .expect("push the other store's pool");
    for input in [ask(DEV_1, 1, 1), ask(DEV_1, 0, 1)] {
        match s.set_allotment(input).await {
            Err(e @ StorageError::NotFound(_)) => assert!(
                e.to_string().contains("sync"),
                "the device is told to sync the departure first: {e}"
            ),
            other => panic!("a pool the store's log lacks: {other:?}"),
        }
    }
    assert_eq!(holdings(s).await, vec![]);
    assert_eq!(history(s).await, vec![]);
}

pub async fn concurrent_allotments_never_hold_more_than_the_capacity(s: &dyn Storage) {
    const CAPACITY: i64 = 20;
    const DEVICES: usize = 12;
    store_with_pool(s, CAPACITY).await;
    let devices: Vec<String> = (0..DEVICES)
        .map(|i| format!("0190d000-0000-7000-8000-0000000002{i:02x}"))
        .collect();
    for d in &devices {
        join(s, STORE_A, d).await;
    }
    // Each device asks for more and more, then gives one back, all at once with the others.
    let tasks = devices
        .iter()
        .map(|d| {
            let task: Task<'_> = Box::pin(async move {
                for (version, seats) in [(1, 2), (2, 3), (3, 5), (4, 1), (5, 4)] {
                    match s.set_allotment(ask(d, seats, version)).await {
                        Ok(st) => {
                            assert!(st.held <= CAPACITY, "held {} of {CAPACITY}", st.held);
                            assert_eq!((st.seats, st.version), (seats, version));
                        }
                        Err(StorageError::InsufficientSeats { held, .. }) => {
                            assert!(held <= CAPACITY, "held {held} of {CAPACITY}")
                        }
                        Err(e) => panic!("an allotment among many: {e}"),
                    }
                }
            });
            Some(task)
        })
        .collect();
    join_all(tasks).await;

    let kept = s.allotments(STORE_A, POOL).await.expect("allotments");
    let total: i64 = kept.iter().map(|h| h.seats).sum();
    assert!(total <= CAPACITY, "{total} seats held of {CAPACITY}");
    // The history adds up to what is held.
    let moved: i64 = s
        .allotment_events(STORE_A, POOL)
        .await
        .expect("allotment events")
        .iter()
        .map(|e| e.seats_after - e.seats_before)
        .sum();
    assert_eq!(moved, total);
    let answer = grant(s, DEV_1, 0, 1).await;
    assert_eq!((answer.held, answer.capacity), (total, CAPACITY));
}

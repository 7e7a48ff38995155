//! `POST /api/v1/allotments` over real HTTP: devices of a store share a departure's seats,
//! the pool's capacity coming from the store's log; a request beyond what is free is a 409
//! `insufficient_seats` that names the seats held and free, which the device's transport turns
//! into `ErrorCode::InsufficientSeats`. Runs on SQLite and on PostgreSQL.

#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use kassa_domain::ErrorCode;
use kassa_server::open_storage;
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use kassa_sync_client::{HttpTransport, Transport};
use kassa_sync_protocol::wire::{AllotmentRequest, AllotmentResponse, PushedChange};
use kassa_sync_protocol::{Change, ChangeOp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use support::{Device, Server, error_code, start, uuid};

const RELEASE: &str = "2026-12-20T00:00:00.000Z";

/// The change that makes (or resizes) a capacity pool, as a device's outbox carries it.
fn pool_change(device: &str, seq: u64, pool: &str, payload: Value) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: uuid(),
            entity: "capacity_pools".into(),
            entity_id: pool.into(),
            op: ChangeOp::Upsert,
            payload,
            hlc: 1 << 20 | seq,
            device_id: device.into(),
        },
    }
}

fn request(pool: &str, departure: &str, seats: i64, version: i64) -> Value {
    json!({"pool_id": pool, "departure_id": departure, "seats": seats, "version": version,
        "release_at": RELEASE})
}

async fn ask(s: &Server, d: &Device, body: Value) -> (StatusCode, Value) {
    s.call(Method::POST, "/allotments", Some(&d.token), Some(body))
        .await
}

async fn granted(s: &Server, d: &Device, body: Value) -> AllotmentResponse {
    let (status, body) = ask(s, d, body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("an AllotmentResponse")
}

async fn devices_share_a_departures_seats(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let agent = s.join(&till.store_id).await;
    let (pool, departure) = (uuid(), uuid());

    // Before the pool's change reaches the server, it does not know the pool.
    let (status, body) = ask(&s, &till, request(&pool, &departure, 1, 1)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sync")),
        "{body}"
    );

    let made = pool_change(
        &till.id,
        1,
        &pool,
        json!({"store_id": till.store_id, "seats": 5}),
    );
    let (status, body) = s.push(&till, &uuid(), &[made]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mine = granted(&s, &till, request(&pool, &departure, 3, 1)).await;
    assert_eq!(
        mine,
        AllotmentResponse {
            pool_id: pool.clone(),
            seats: 3,
            version: 1,
            release_at: Some(RELEASE.into()),
            capacity: 5,
            held: 3,
            free: 2,
        }
    );

    // The agent asks for more than is free: refused, with the numbers, and nothing changes.
    let (status, body) = ask(&s, &agent, request(&pool, &departure, 3, 1)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "insufficient_seats"),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("holds 0 of") && message.contains("2 more are free"),
        "{message}"
    );
    // The same version asking for what is free is granted: a refusal takes no version.
    let theirs = granted(&s, &agent, request(&pool, &departure, 2, 1)).await;
    assert_eq!((theirs.seats, theirs.held, theirs.free), (2, 5, 0));

    // A late, older request changes nothing and answers the holding as it stands.
    let late = granted(&s, &till, request(&pool, &departure, 0, 1)).await;
    assert_eq!((late.seats, late.version, late.held), (3, 1, 5));
    // Giving seats back is always granted; the agent may then take them.
    let back = granted(&s, &till, request(&pool, &departure, 1, 2)).await;
    assert_eq!((back.seats, back.version, back.free), (1, 2, 2));
    let more = granted(&s, &agent, request(&pool, &departure, 4, 2)).await;
    assert_eq!((more.seats, more.held, more.free), (4, 5, 0));

    // The device's transport: the seats granted, and a refusal as `insufficient_seats` with
    // the server's numbers.
    let transport = HttpTransport::new(s.base.trim_end_matches("/api/v1")).expect("transport");
    let req = |seats: i64, version: i64| AllotmentRequest {
        pool_id: pool.clone(),
        departure_id: departure.clone(),
        seats,
        version,
        release_at: RELEASE.into(),
    };
    let e = transport
        .set_allotment(&till.token, &req(2, 3))
        .await
        .expect_err("no seat is free");
    assert_eq!(e.code, ErrorCode::InsufficientSeats, "{}", e.message);
    assert!(
        e.message.contains("holds 1 of") && e.message.contains("0 more are free"),
        "{}",
        e.message
    );
    let answer = transport
        .set_allotment(&till.token, &req(1, 3))
        .await
        .expect("the same holding again");
    assert_eq!((answer.seats, answer.version, answer.capacity), (1, 3, 5));

    // A device of another store does not reach this store's pool.
    let stranger = s.new_store().await;
    let (status, body) = ask(&s, &stranger, request(&pool, &departure, 1, 1)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    // What the server keeps: each device's holding and the pool's history.
    let held = s
        .storage
        .allotments(&till.store_id, &pool)
        .await
        .expect("allotments");
    let mut by_device: Vec<(String, i64)> =
        held.into_iter().map(|h| (h.device_id, h.seats)).collect();
    by_device.sort();
    let mut want = vec![(till.id.clone(), 1), (agent.id.clone(), 4)];
    want.sort();
    assert_eq!(by_device, want);
    let events = s
        .storage
        .allotment_events(&till.store_id, &pool)
        .await
        .expect("history");
    assert_eq!(events.len(), 5, "{events:?}");
}

async fn bad_allotment_requests_are_typed_400s(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let (pool, departure) = (uuid(), uuid());
    let made = pool_change(&till.id, 1, &pool, json!({"seats": 5}));
    let (status, body) = s.push(&till, &uuid(), &[made]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let good = request(&pool, &departure, 1, 1);
    let with = |key: &str, value: Value| {
        let mut b = good.clone();
        b[key] = value;
        b
    };
    for bad in [
        with("pool_id", json!("pool-1")),
        with("departure_id", json!("")),
        with("seats", json!(-1)),
        with("seats", json!(100_001)),
        with("seats", json!(1.5)),
        with("version", json!(0)),
        with("version", json!(-3)),
        with("release_at", json!("next week")),
        with("release_at", json!("2026-12-20")),
        with("extra", json!(true)),
        json!({"pool_id": pool, "seats": 1}),
    ] {
        let (status, body) = ask(&s, &till, bad.clone()).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "{bad}: {body}"
        );
    }
    assert_eq!(
        s.storage
            .allotments(&till.store_id, &pool)
            .await
            .expect("allotments"),
        vec![],
        "nothing was kept"
    );
    // Without a token, no one is answered.
    let (status, body) = s
        .call(Method::POST, "/allotments", None, Some(good.clone()))
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // The largest holding a departure can have is taken (and refused only for the capacity).
    let (status, body) = ask(&s, &till, with("seats", json!(100_000))).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "insufficient_seats")
    );
    assert_eq!(granted(&s, &till, good).await.seats, 1);
}

#[tokio::test]
async fn devices_share_seats_on_sqlite() {
    devices_share_a_departures_seats(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;
}

#[tokio::test]
async fn bad_requests_on_sqlite() {
    bad_allotment_requests_are_typed_400s(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_share_seats_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = open_storage(Some(&db.url), Path::new("/nonexistent"))
        .await
        .unwrap();
    devices_share_a_departures_seats(storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = open_storage(Some(&db.url), Path::new("/nonexistent"))
        .await
        .unwrap();
    bad_allotment_requests_are_typed_400s(storage).await;
}

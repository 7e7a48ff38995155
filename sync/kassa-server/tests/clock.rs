//! The server reads time only from the clock it is given: a pairing code lasts one hour of
//! that clock, and the times it sends are that clock's.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, TimeZone, Utc};
use kassa_server::{Clock, ServerKey, issue_pairing_code, router};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

async fn post(app: &axum::Router, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn pair_body(code: &str) -> Value {
    json!({"code": code, "protocol": 1, "schema_version": 7, "device_id": uuid::Uuid::now_v7().to_string(),
        "device_name": "Till", "store": {"id": uuid::Uuid::now_v7().to_string(), "code": "S1", "name": "Shop", "currency": "EUR"},
        "store_key": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"})
}

#[tokio::test]
async fn a_pairing_code_lasts_one_hour_of_the_servers_clock() {
    let issued_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let now = Arc::new(Mutex::new(issued_at));
    let clock: Clock = {
        let now = Arc::clone(&now);
        Arc::new(move || *now.lock().unwrap())
    };
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    let app = router(Arc::clone(&storage), clock, ServerKey::generate());

    let (status, body) = post(
        &app,
        "/api/v1/handshake",
        json!({"protocol": 1, "schema_version": 7}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["server_time"], "2026-03-01T09:00:00.000Z");

    let late = issue_pairing_code(&*storage, None, issued_at)
        .await
        .unwrap();
    assert_eq!(late.expires_at, "2026-03-01T10:00:00.000Z");
    let timely = issue_pairing_code(&*storage, None, issued_at)
        .await
        .unwrap();

    *now.lock().unwrap() = issued_at + Duration::minutes(59);
    let (status, body) = post(&app, "/api/v1/pair", pair_body(&timely.code)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["server_time"], "2026-03-01T09:59:00.000Z");

    *now.lock().unwrap() = issued_at + Duration::minutes(60);
    let (status, body) = post(&app, "/api/v1/pair", pair_body(&late.code)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_pairing_code");
}

//! The server on PostgreSQL: two tills pair and sync over real HTTP, and two server
//! instances share one database. Each run uses a fresh database on the real server.

#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;

use chrono::Utc;
use kassa_server::{issue_pairing_code, open_storage, serve};
use kassa_server_storage::Storage;
use kassa_sync_protocol::wire::{PairResponse, PullResponse, PushResponse};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

/// Starts a server instance on its own port over `storage`; returns its API's base URL.
async fn start(storage: Arc<dyn Storage>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, storage, None));
    format!("http://{addr}/api/v1")
}

async fn post(http: &Client, url: String, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn pair(http: &Client, base: &str, code: &str, store: Option<Value>) -> PairResponse {
    let body = json!({"code": code, "protocol": 1, "schema_version": 7,
        "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "Till", "store": store});
    let (status, body) = post(http, format!("{base}/pair"), None, body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

fn changes(device: &str, seqs: std::ops::RangeInclusive<u64>) -> Value {
    seqs.map(|seq| {
        json!({"seq": seq, "change_id": uuid::Uuid::now_v7().to_string(), "entity": "products",
            "entity_id": uuid::Uuid::now_v7().to_string(), "op": "upsert",
            "payload": {"name": format!("Tea {seq}"), "price_minor": 250},
            "hlc": (1u64 << 20) | seq, "device_id": device})
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tills_sync_through_two_server_instances_on_one_postgres_database() {
    let db = db::TestDb::new().await;
    let nowhere = Path::new("/nonexistent");
    let one = open_storage(Some(&db.url), nowhere).await.unwrap();
    let two = open_storage(Some(&db.url), nowhere).await.unwrap();
    assert_eq!(one.backend(), "postgres");
    let (base_one, base_two) = (start(one.clone()).await, start(two).await);
    let http = Client::new();

    // The first till makes the store through one instance, the second joins through the other.
    let code = issue_pairing_code(&*one, None, Utc::now()).await.unwrap();
    let store_id = uuid::Uuid::now_v7().to_string();
    let store = json!({"id": store_id, "code": "S1", "name": "Corner shop", "currency": "EUR"});
    let till_a = pair(&http, &base_one, &code.code, Some(store)).await;
    let code = issue_pairing_code(&*one, Some(&store_id), Utc::now())
        .await
        .unwrap();
    let till_b = pair(&http, &base_two, &code.code, None).await;
    assert_eq!(
        (till_a.device_code.as_str(), till_b.device_code.as_str()),
        ("01", "02")
    );

    let batch = json!({"batch_id": "b1", "changes": changes(&till_a.device_id, 1..=3)});
    let (status, body) = post(
        &http,
        format!("{base_one}/push"),
        Some(&till_a.token),
        batch.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!((first.accepted, first.acked_seq), (3, 3));
    // The same batch again, through the other instance, changes nothing.
    let (status, body) = post(
        &http,
        format!("{base_two}/push"),
        Some(&till_a.token),
        batch,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!((again.accepted, again.acked_seq), (3, 3));

    let res = http
        .get(format!("{base_two}/pull?after=0"))
        .bearer_auth(&till_b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page: PullResponse = res.json().await.unwrap();
    let places: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(places, [1, 2, 3]);
    assert_eq!(page.changes[0].change.payload["name"], "Tea 1");
    assert_eq!((page.cursor, page.remaining), (3, 0));
}

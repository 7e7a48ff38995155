//! Every endpoint against arbitrary input, in process: whatever arrives, the answer is a
//! success or a typed `{"error":{...}}` 4xx, never a 5xx, and a refused request stores
//! nothing.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use kassa_server::{ServerKey, issue_pairing_code, router, system_clock};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use kassa_sync_protocol::wire::ErrorBody;
use proptest::prelude::*;
use serde_json::json;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct Fixture {
    rt: tokio::runtime::Runtime,
    app: Router,
    storage: Arc<dyn Storage>,
    token: String,
    store_id: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
        let app = router(Arc::clone(&storage), system_clock(), ServerKey::generate());
        let (token, store_id) = rt.block_on(async {
            let code = issue_pairing_code(&*storage, None, Utc::now())
                .await
                .unwrap();
            let store_id = uuid::Uuid::now_v7().to_string();
            let body = json!({"code": code.code, "protocol": 1, "schema_version": 7,
                "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "Till",
                "store": {"id": store_id, "code": "S1", "name": "Shop", "currency": "EUR"},
                "store_key": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"});
            let (status, body) = send(
                &app,
                "POST",
                "/api/v1/pair",
                None,
                body.to_string().into_bytes(),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            (v["token"].as_str().unwrap().to_owned(), store_id)
        });
        Fixture {
            rt,
            app,
            storage,
            token,
            store_id,
        }
    })
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

/// Sends and checks the answer's shape; returns the status.
fn probe(method: &str, uri: &str, auth: bool, body: Vec<u8>) -> StatusCode {
    let f = fixture();
    let token = auth.then_some(f.token.as_str());
    let (status, bytes) = f.rt.block_on(send(&f.app, method, uri, token, body));
    assert!(
        !status.is_server_error(),
        "{method} {uri} answered {status}"
    );
    if status.is_client_error() {
        let e: Result<ErrorBody, _> = serde_json::from_slice(&bytes);
        assert!(
            e.is_ok(),
            "{method} {uri} {status}: not an error body: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    status
}

fn log_len() -> u64 {
    let f = fixture();
    f.rt.block_on(f.storage.pull(&f.store_id, "nobody", 0, 5_000))
        .unwrap()
        .cursor
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        ".{0,10}".prop_map(|s| json!(s)),
        Just(json!("0190d000-0000-7000-8000-000000000001")),
    ];
    let value = leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("batch_id".to_owned()),
                    Just("changes".to_owned()),
                    Just("seq".to_owned()),
                    Just("protocol".to_owned()),
                    Just("schema_version".to_owned()),
                    Just("code".to_owned()),
                    Just("device_id".to_owned()),
                    Just("device_name".to_owned()),
                    Just("store".to_owned()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        value.prop_map(|v| serde_json::to_vec(&v).unwrap()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn post_bodies_get_typed_answers(
        route in prop_oneof![Just("/api/v1/handshake"), Just("/api/v1/pair"), Just("/api/v1/push")],
        auth in any::<bool>(),
        body in json_body(),
    ) {
        let before = log_len();
        let status = probe("POST", route, auth, body);
        if status != StatusCode::OK {
            prop_assert_eq!(log_len(), before, "a refused request stored nothing");
        }
    }

    #[test]
    fn query_strings_and_paths_get_typed_answers(
        query in "[a-z=&%0-9-]{0,24}",
        id in "[a-zA-Z0-9%.-]{1,40}",
        auth in any::<bool>(),
    ) {
        probe("GET", &format!("/api/v1/pull?{query}"), auth, Vec::new());
        probe("GET", &format!("/api/v1/devices?{query}"), auth, Vec::new());
        let status = probe("POST", &format!("/api/v1/devices/{id}/revoke"), auth, Vec::new());
        prop_assert_ne!(status, StatusCode::OK, "no such device to revoke");
    }
}

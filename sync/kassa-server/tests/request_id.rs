//! Every request has an id: the caller's `x-request-id` (when sensible) or a new one, sent
//! back in the header and in every error body.

#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use kassa_server_sqlite::SqliteStorage;
use kassa_sync_protocol::wire::ErrorBody;
use std::sync::Arc;

#[tokio::test]
async fn the_request_id_comes_back_in_the_header_and_in_error_bodies() {
    let s = support::start(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;

    // A success keeps the caller's id.
    let res = s
        .http
        .get(format!("{}/health", s.base))
        .header("x-request-id", "till-01:req.42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "till-01:req.42");

    // An error (here the handler's own 401) carries it in its body too.
    let res = s
        .http
        .get(format!("{}/devices", s.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, "unauthenticated");
    assert_eq!(body.error.request_id.as_deref(), Some("abc-123"));

    // Without one (and for the router's own 404), the server makes one.
    let res = s
        .http
        .get(format!("{}/nowhere", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let made = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, "not_found");
    assert_eq!(body.error.request_id.as_deref(), Some(made.as_str()));

    // An id that could forge log lines is replaced, not echoed.
    let res = s
        .http
        .post(format!("{}/push", s.base))
        .header("x-request-id", "evil\" injected=1")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.request_id.as_deref(), Some(id.as_str()));
}

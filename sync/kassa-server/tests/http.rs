//! The sync API over real HTTP: a server on 127.0.0.1 port 0 and devices talking to it.
//!
//! Every story is an `async fn(Arc<dyn Storage>)`, so the same stories run on any backend;
//! the `#[tokio::test]`s below run them on SQLite.

#[path = "http/stories.rs"]
mod stories;
#[path = "http/support.rs"]
mod support;

use kassa_server::sha256_hex;
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use std::sync::Arc;
use stories::*;

fn sqlite() -> Arc<dyn Storage> {
    Arc::new(SqliteStorage::open_in_memory().unwrap())
}

#[tokio::test]
async fn handshake_on_sqlite() {
    a_device_learns_whether_it_must_update(sqlite()).await;
}

#[tokio::test]
async fn push_and_pull_on_sqlite() {
    two_tills_of_a_store_see_each_others_changes(sqlite()).await;
}

#[tokio::test]
async fn idempotency_gaps_and_clones_on_sqlite() {
    resent_forked_and_gapped_batches_are_told_apart(sqlite()).await;
}

#[tokio::test]
async fn authorisation_on_sqlite() {
    strangers_revoked_devices_and_other_stores_are_kept_out(sqlite()).await;
}

#[tokio::test]
async fn bad_input_on_sqlite() {
    bad_requests_get_typed_errors_and_change_nothing(sqlite()).await;
}

#[tokio::test]
async fn metrics_on_sqlite() {
    metrics_count_requests_and_changes(sqlite()).await;
}

#[tokio::test]
async fn openapi_on_sqlite() {
    the_openapi_document_lists_exactly_the_served_routes(sqlite()).await;
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_and_urls_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let opts = kassa_server::ServerOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        database: None,
        data_dir: dir.path().to_path_buf(),
        tls: None,
    };
    let err = kassa_server::run(opts, |_| panic!("must not listen"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("TLS"), "{err}");
    assert!(!dir.path().join("server.db").exists(), "nothing was opened");

    let pg = kassa_server::open_storage(Some("postgres://localhost/kassa"), dir.path()).await;
    assert!(pg.is_err());
    let other = kassa_server::open_storage(Some("mysql://x"), dir.path()).await;
    assert_eq!(other.err().map(|e| e.code()), Some("invalid_input"));
    let path = dir.path().join("a.db");
    let s = kassa_server::open_storage(Some(&format!("sqlite:{}", path.display())), dir.path())
        .await
        .unwrap();
    assert_eq!(s.backend(), "sqlite");
    assert!(path.exists());
    let _ = sha256_hex(b"");
}

#[tokio::test]
async fn full_batch_and_paging_on_sqlite() {
    a_full_batch_travels_and_a_first_sync_pages_through_it(sqlite()).await;
}

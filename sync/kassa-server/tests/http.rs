//! The sync API over real HTTP: a server on 127.0.0.1 port 0 and devices talking to it.
//!
//! Every story is an `async fn(Arc<dyn Storage>)`, so the same stories run on any backend;
//! the `#[tokio::test]`s below run each on SQLite and, when `KASSA_TEST_DATABASE_URL` names
//! another database (as `kassa server --database` takes it), on that one too. Stories make
//! their own stores with fresh ids, so they can share a database.

#[path = "http/stories.rs"]
mod stories;
#[path = "http/support.rs"]
mod support;

use kassa_server::sha256_hex;
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use std::sync::Arc;
use stories::*;

/// The backends to run on: SQLite, and the database `KASSA_TEST_DATABASE_URL` names.
async fn backends() -> Vec<Arc<dyn Storage>> {
    let mut all: Vec<Arc<dyn Storage>> = vec![Arc::new(SqliteStorage::open_in_memory().unwrap())];
    if let Ok(url) = std::env::var("KASSA_TEST_DATABASE_URL") {
        let dir = std::env::temp_dir();
        all.push(kassa_server::open_storage(Some(&url), &dir).await.unwrap());
    }
    all
}

#[tokio::test]
async fn handshake() {
    for storage in backends().await {
        a_device_learns_whether_it_must_update(storage).await;
    }
}

#[tokio::test]
async fn store_keys() {
    for storage in backends().await {
        the_store_key_reaches_joining_devices_and_a_first_device_must_bring_it(storage).await;
    }
}

/// The store key is kept sealed: its bytes appear nowhere in the SQLite files; a restart
/// with the same server key hands out the same store key, one with another key says so.
#[tokio::test]
async fn store_keys_are_sealed_at_rest_under_the_server_key() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(path.clone()).unwrap());
    let s = support::start_with_key(storage, kassa_server::ServerKey::from_bytes([1; 32])).await;
    let till = s.new_store().await;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(support::TEST_STORE_KEY)
        .unwrap();
    for name in ["server.db", "server.db-wal"] {
        let Ok(bytes) = std::fs::read(dir.path().join(name)) else {
            continue;
        };
        assert!(
            !bytes.windows(raw.len()).any(|w| w == raw.as_slice()),
            "raw key in {name}"
        );
        let text = support::TEST_STORE_KEY.as_bytes();
        assert!(
            !bytes.windows(text.len()).any(|w| w == text),
            "encoded key in {name}"
        );
    }

    // A restart on the same file with the same server key.
    let again: Arc<dyn Storage> = Arc::new(SqliteStorage::open(path.clone()).unwrap());
    let s2 = support::start_with_key(again, kassa_server::ServerKey::from_bytes([1; 32])).await;
    assert_eq!(
        s2.join(&till.store_id).await.store_key,
        support::TEST_STORE_KEY
    );

    // Another server key cannot open it, and says so.
    let other: Arc<dyn Storage> = Arc::new(SqliteStorage::open(path).unwrap());
    let s3 = support::start_with_key(other, kassa_server::ServerKey::from_bytes([2; 32])).await;
    let code =
        kassa_server::issue_pairing_code(&*s3.storage, Some(&till.store_id), chrono::Utc::now())
            .await
            .unwrap();
    let (status, body) = s3.pair_with(&code.code, None).await;
    assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(support::error_code(&body), "server_key_mismatch");
    assert!(body.to_string().contains("server key"), "{body}");

    // Started as `kassa server` does, with another key in the data folder, the server
    // refuses to start before any code is spent; with the right key it starts.
    let storage = SqliteStorage::open(dir.path().join("server.db")).unwrap();
    let right = kassa_server::ServerKey::from_bytes([1; 32]);
    let wrong = kassa_server::ServerKey::from_bytes([2; 32]);
    assert!(
        kassa_server::check_server_key(&storage, &right)
            .await
            .is_ok()
    );
    let err = kassa_server::check_server_key(&storage, &wrong)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("server key"), "{err}");
    let wrong_file = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
    std::fs::write(dir.path().join(kassa_server::SERVER_KEY_FILE), wrong_file).unwrap();
    let opts = kassa_server::ServerOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: None,
        data_dir: dir.path().to_path_buf(),
        tls: None,
        updates_dir: None,
        public_url: None,
        cards: None,
        email: None,
    };
    let err = kassa_server::run(opts, |_| panic!("must not listen"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("server key"), "{err}");
}

#[tokio::test]
async fn push_and_pull() {
    for storage in backends().await {
        two_tills_of_a_store_see_each_others_changes(storage).await;
    }
}

#[tokio::test]
async fn idempotency_gaps_and_clones() {
    for storage in backends().await {
        resent_forked_and_gapped_batches_are_told_apart(Arc::clone(&storage)).await;
        payloads_pass_through_as_sent_and_a_batch_an_earlier_server_hashed_is_recognised(storage)
            .await;
    }
}

#[tokio::test]
async fn audit_chains() {
    for storage in backends().await {
        audit_segments_must_continue_the_chain_the_server_holds(storage).await;
    }
}

#[tokio::test]
async fn authorisation() {
    for storage in backends().await {
        strangers_revoked_devices_and_other_stores_are_kept_out(storage).await;
    }
}

#[tokio::test]
async fn pairing_codes_from_a_device() {
    for storage in backends().await {
        a_device_issues_pairing_codes_for_its_own_store(storage).await;
    }
}

#[tokio::test]
async fn bad_input() {
    for storage in backends().await {
        bad_requests_get_typed_errors_and_change_nothing(storage).await;
    }
}

#[tokio::test]
async fn metrics() {
    for storage in backends().await {
        metrics_count_requests_and_changes(storage).await;
    }
}

#[tokio::test]
async fn openapi() {
    for storage in backends().await {
        the_openapi_document_lists_exactly_the_served_routes(storage).await;
    }
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_and_urls_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let opts = kassa_server::ServerOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        database: None,
        data_dir: dir.path().to_path_buf(),
        tls: None,
        updates_dir: None,
        public_url: None,
        cards: None,
        email: None,
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
async fn full_batch_and_paging() {
    for storage in backends().await {
        a_full_batch_travels_and_a_first_sync_pages_through_it(storage).await;
    }
}

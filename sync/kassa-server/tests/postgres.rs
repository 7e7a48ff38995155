//! The server on PostgreSQL: the HTTP stories that run on SQLite in `http.rs`, and two
//! server instances sharing one database. Each test uses a fresh database on the real
//! server (127.0.0.1:5432, or `KASSA_TEST_POSTGRES`).

#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;
#[path = "http/stories.rs"]
mod stories;
#[path = "http/support.rs"]
mod support;

use kassa_server::open_storage;
use kassa_sync_protocol::wire::PushResponse;
use reqwest::StatusCode;
use std::path::Path;
use support::{change, start};

/// Runs an HTTP story on a server over a fresh PostgreSQL database.
macro_rules! on_postgres {
    ($($test:ident: $story:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let db = db::TestDb::new().await;
                let storage = open_storage(Some(&db.url), Path::new("/nonexistent")).await.unwrap();
                stories::$story(storage).await;
            }
        )*
    };
}

on_postgres!(
    handshake_on_postgres: a_device_learns_whether_it_must_update,
    push_and_pull_on_postgres: two_tills_of_a_store_see_each_others_changes,
    idempotency_gaps_and_clones_on_postgres: resent_forked_and_gapped_batches_are_told_apart,
    payloads_as_sent_on_postgres:
        payloads_pass_through_as_sent_and_a_batch_an_earlier_server_hashed_is_recognised,
    audit_chains_on_postgres: audit_segments_must_continue_the_chain_the_server_holds,
    authorisation_on_postgres: strangers_revoked_devices_and_other_stores_are_kept_out,
    pairing_codes_on_postgres: a_device_issues_pairing_codes_for_its_own_store,
    bad_input_on_postgres: bad_requests_get_typed_errors_and_change_nothing,
    metrics_on_postgres: metrics_count_requests_and_changes,
    openapi_on_postgres: the_openapi_document_lists_exactly_the_served_routes,
    full_batch_and_paging_on_postgres: a_full_batch_travels_and_a_first_sync_pages_through_it,
    store_keys_on_postgres: the_store_key_reaches_joining_devices_and_a_first_device_must_bring_it,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tills_sync_through_two_server_instances_on_one_postgres_database() {
    let db = db::TestDb::new().await;
    let nowhere = Path::new("/nonexistent");
    let one = start(open_storage(Some(&db.url), nowhere).await.unwrap()).await;
    let two = start(open_storage(Some(&db.url), nowhere).await.unwrap()).await;
    assert_eq!(one.storage.backend(), "postgres");

    // The first till makes the store through one instance, the second joins through the other.
    let till_a = one.new_store().await;
    let till_b = two.join(&till_a.store_id).await;
    assert_eq!((till_a.code.as_str(), till_b.code.as_str()), ("01", "02"));
    // Instances sharing one database share one server key, so either opens the store key.
    assert_eq!(till_b.store_key, till_a.store_key);

    let batch: Vec<_> = (1..=3).map(|q| change(&till_a.id, q)).collect();
    let (status, body) = one.push(&till_a, "b1", &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!((first.accepted, first.acked_seq), (3, 3));
    // The same batch again, through the other instance, changes nothing.
    let (status, body) = two.push(&till_a, "b1", &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!((again.accepted, again.acked_seq), (3, 3));

    let page = two.pull(&till_b, 0).await;
    let places: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(places, [1, 2, 3]);
    assert_eq!(page.changes[0].change, batch[0].change);
    assert_eq!((page.cursor, page.remaining), (3, 0));
}

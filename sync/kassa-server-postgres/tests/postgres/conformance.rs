//! The behaviour every backend must show, on PostgreSQL: each case on a database of its own.

use crate::db::TestDb;
use kassa_server_postgres::PostgresStorage;
use kassa_server_storage::Storage;
use std::ops::Deref;

/// A storage on a fresh database, which goes when the case is done.
struct Fresh {
    storage: PostgresStorage,
    _db: TestDb,
}

impl Deref for Fresh {
    type Target = dyn Storage;

    fn deref(&self) -> &Self::Target {
        &self.storage
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_backend_behaves_as_every_backend_must() {
    kassa_server_storage::conformance::run_all(|| async {
        let db = TestDb::new().await;
        let storage = kassa_server_postgres::connect(&db.url)
            .await
            .expect("connect and migrate");
        Fresh { storage, _db: db }
    })
    .await;
}

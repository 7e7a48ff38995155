//! Audit chains end to end: real devices (stores in temporary folders, the sync engine over
//! HTTP) and the real server on a loopback port. A device that holds another device's chain
//! cut short, once it has pulled everything, finds it through the head the server publishes.

use chrono::Utc;
use kassa_domain::audit::Break;
use kassa_server::{ServerKey, issue_pairing_code, serve};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use kassa_store::foundation::apply::conflicts;
use kassa_store::foundation::audit;
use kassa_store::foundation::audit_heads;
use kassa_store::foundation::device::{self, SetupParams, setup};
use kassa_store::{AuditInput, KeySource, Store, SystemClock};
use kassa_sync_client::{HttpTransport, join, pair, sync_once};
use std::path::Path;
use std::sync::{Arc, Mutex};

fn open_store(dir: &Path, device_key: u8) -> Store {
    Store::open(
        dir,
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [device_key; 32],
            store: [7; 32],
        },
    )
    .unwrap()
}

async fn code(storage: &Arc<dyn Storage>, store_id: Option<&str>) -> String {
    issue_pairing_code(&**storage, store_id, Utc::now())
        .await
        .unwrap()
        .code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_cut_from_another_tills_chain_is_flagged_after_the_pull() {
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(
        listener,
        Arc::clone(&storage),
        ServerKey::from_bytes([42; 32]),
        None,
    ));
    let transport = HttpTransport::new(&url).unwrap();

    // Till 1 makes the store and writes to its audit trail; till 2 joins and downloads it.
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut store1 = open_store(dir1.path(), 1);
    let out = setup(
        &mut store1,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: Some("Till 1".into()),
            admin_email: "admin@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    let till1 = Mutex::new(store1);
    let first = code(&storage, None).await;
    pair(
        &till1,
        &transport,
        &url,
        &first,
        Some("Till 1"),
        Some(&out.admin_id),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        till1
            .lock()
            .unwrap()
            .write(|tx| {
                tx.audit(AuditInput::new("drawer.opened").by(&out.admin_id))
                    .map(|_| ())
            })
            .unwrap();
    }
    sync_once(&till1, &transport).await.unwrap();
    let till1_id = device::device(till1.lock().unwrap().conn())
        .unwrap()
        .unwrap()
        .id;

    let till2 = Mutex::new(open_store(dir2.path(), 2));
    let second = code(&storage, Some(&out.store_id)).await;
    join(&till2, &transport, &url, &second, Some("Till 2"))
        .await
        .unwrap();
    let again = sync_once(&till2, &transport).await.unwrap();
    assert_eq!(again.conflicts, 0, "a whole chain raises nothing");
    assert!(audit::verify(till2.lock().unwrap().conn()).unwrap().ok);

    // Someone with till 2's file removes the last two entries of till 1's chain there: what
    // is left still links from the first entry, so the chain alone cannot tell.
    let last_kept = {
        let s = till2.lock().unwrap();
        s.conn()
            .execute_batch(&format!(
                "DROP TRIGGER audit_log_append_only;
                 DELETE FROM audit_log WHERE device_id = '{till1_id}' AND device_seq >
                     (SELECT MAX(device_seq) - 2 FROM audit_log WHERE device_id = '{till1_id}');"
            ))
            .unwrap();
        s.conn()
            .query_row(
                "SELECT MAX(device_seq) FROM audit_log WHERE device_id = ?1",
                [&till1_id],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };

    // The next sync pulls nothing new, and the head the server publishes shows the cut.
    let report = sync_once(&till2, &transport).await.unwrap();
    assert_eq!(report.conflicts, 1, "{report:?}");
    let (open, verified) = {
        let s = till2.lock().unwrap();
        (
            conflicts::list(s.conn(), false, 100).unwrap(),
            audit::verify(s.conn()).unwrap(),
        )
    };
    let flagged: Vec<_> = open
        .iter()
        .filter(|c| c.kind == audit_heads::MISMATCH_KIND)
        .collect();
    assert_eq!(flagged.len(), 1, "{open:?}");
    assert_eq!(flagged[0].entity_id, till1_id);
    assert_eq!(flagged[0].detail["held"]["seq"], last_kept);
    assert_eq!(flagged[0].detail["published"]["seq"], last_kept + 2);
    let bad = verified.first_bad.unwrap();
    assert_eq!(
        (bad.device_id.as_str(), bad.device_seq, bad.reason),
        (
            till1_id.as_str(),
            u64::try_from(last_kept).unwrap(),
            Break::TailMissing
        )
    );

    // Flagged once: syncing again records no second conflict; till 1 is not flagged at all.
    assert_eq!(sync_once(&till2, &transport).await.unwrap().conflicts, 0);
    assert_eq!(sync_once(&till1, &transport).await.unwrap().conflicts, 0);
    assert!(audit::verify(till1.lock().unwrap().conn()).unwrap().ok);
}

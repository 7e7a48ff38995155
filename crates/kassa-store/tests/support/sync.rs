//! Devices of one store in temporary folders, and a stand-in for the server's log between
//! them: what each device's outbox holds, in the order it reached the log.

use kassa_store::foundation::apply::{ApplyReport, apply_remote, cursor};
use kassa_store::foundation::device::{JoinParams, SetupParams, join, setup};
use kassa_store::foundation::ids::new_id;
use kassa_store::foundation::outbox::pending_changes;
use kassa_store::foundation::tables::{TABLES, TableClass};
use kassa_store::{Connection, Store};
use kassa_sync_protocol::Change;
use kassa_sync_protocol::wire::LogEntry;
use std::path::Path;

/// Sets up a new store on the device in `dir`: (store, store id, admin id).
pub fn first_device(dir: &Path) -> (Store, String, String) {
    let mut store = super::open(dir);
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: Some("CORN".into()),
            currency: "EUR".into(),
            device_name: Some("Till 1".into()),
            admin_email: "admin@example.com".into(),
            admin_name: Some("Ada Admin".into()),
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .expect("setup");
    (store, out.store_id, out.admin_id)
}

/// Joins the store `store_id` as a new device in the empty folder `dir`.
pub fn joined_device(dir: &Path, store_id: &str, code: &str) -> Store {
    let mut store = super::open(dir);
    join(
        &mut store,
        JoinParams {
            store_id: store_id.to_string(),
            device_id: new_id(),
            device_code: code.to_string(),
            device_name: format!("Till {code}"),
        },
    )
    .expect("join");
    store
}

/// The server's log: every change pushed, once, in the order it arrived.
#[derive(Default)]
pub struct Log {
    pub entries: Vec<LogEntry>,
}

impl Log {
    /// Takes what `store`'s outbox holds that the log has not got yet.
    pub fn push(&mut self, store: &Store) {
        for change in pending_changes(store.conn(), 1_000_000).expect("outbox") {
            if !self
                .entries
                .iter()
                .any(|e| e.change.change_id == change.change_id)
            {
                let server_seq = self.entries.len() as u64 + 1;
                self.entries.push(LogEntry { server_seq, change });
            }
        }
    }

    /// Applies everything after `store`'s cursor, as one page.
    pub fn pull(&self, store: &mut Store) -> ApplyReport {
        let after = cursor(store.conn()).expect("cursor");
        let page: Vec<LogEntry> = self
            .entries
            .iter()
            .filter(|e| e.server_seq > after)
            .cloned()
            .collect();
        let end = page.last().map_or(after, |e| e.server_seq);
        apply_remote(store, &page, end).expect("apply")
    }
}

/// Pushes `from`'s outbox to the log and pulls the log into `to`.
pub fn ship(log: &mut Log, from: &Store, to: &mut Store) -> ApplyReport {
    log.push(from);
    log.pull(to)
}

/// Wraps changes as a page with sequence numbers from `first`.
pub fn page(changes: &[Change], first: u64) -> Vec<LogEntry> {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| LogEntry {
            server_seq: first + i as u64,
            change: c.clone(),
        })
        .collect()
}

/// Columns that are this device's own bookkeeping, not synced content.
const LOCAL_COLUMNS: &[&str] = &["num", "created_at", "updated_at"];

/// Every synced table's rows (without local bookkeeping columns), sorted: two devices that
/// hold the same truth have the same dump.
pub fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for (table, class, _) in TABLES {
        if matches!(class, TableClass::DeviceLocal | TableClass::Derived) {
            continue;
        }
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [table],
                |r| r.get(0),
            )
            .expect("schema");
        if !exists {
            continue;
        }
        let cols: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .expect("columns")
            .query_map([table], |r| r.get(0))
            .expect("columns")
            .collect::<Result<_, _>>()
            .expect("columns");
        let cols: Vec<String> = cols
            .into_iter()
            .filter(|c| !LOCAL_COLUMNS.contains(&c.as_str()))
            .filter(|c| !(*table == "customer_addresses" && c == "id"))
            .map(|c| format!("quote(\"{c}\")"))
            .collect();
        let sql = format!(
            "SELECT '{table}' || ': ' || {} FROM \"{table}\"",
            cols.join(" || ',' || ")
        );
        let mut rows: Vec<String> = conn
            .prepare(&sql)
            .expect("dump")
            .query_map([], |r| r.get(0))
            .expect("dump")
            .collect::<Result<_, _>>()
            .expect("dump");
        rows.sort();
        out.extend(rows);
    }
    out
}

/// The open conflicts of a kind.
pub fn conflicts(conn: &Connection, kind: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM conflicts WHERE kind = ?1",
        [kind],
        |r| r.get(0),
    )
    .expect("conflicts")
}

//! The schema's migrations, embedded and applied in order when the database opens.
//! `PRAGMA user_version` is the number of the last migration applied (`NNNN_` of its file);
//! numbers may skip one, and a migration runs when its number is above it. Existing
//! migrations are never edited; a change to the schema is a new file.

use crate::backend;
use kassa_server_storage::{Result, StorageError};
use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "0002_store_key",
        include_str!("../migrations/0002_store_key.sql"),
    ),
    (
        3,
        "0003_store_key_epochs",
        include_str!("../migrations/0003_store_key_epochs.sql"),
    ),
    (
        4,
        "0004_audit_heads",
        include_str!("../migrations/0004_audit_heads.sql"),
    ),
    (
        5,
        "0005_card_payments",
        include_str!("../migrations/0005_card_payments.sql"),
    ),
    (
        6,
        "0006_emails",
        include_str!("../migrations/0006_emails.sql"),
    ),
    (
        7,
        "0007_card_refunds",
        include_str!("../migrations/0007_card_refunds.sql"),
    ),
    (
        8,
        "0008_offline_card_exposure",
        include_str!("../migrations/0008_offline_card_exposure.sql"),
    ),
    (
        9,
        "0009_allotments",
        include_str!("../migrations/0009_allotments.sql"),
    ),
    (
        10,
        "0010_log_lookups",
        include_str!("../migrations/0010_log_lookups.sql"),
    ),
];

/// Applies the migrations this database lacks; refuses a database from a newer server.
pub(crate) fn run(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    if version > known {
        return Err(StorageError::Backend(format!(
            "the database has schema version {version}, newer than this server's {known}; update the server"
        )));
    }
    for (number, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > version) {
        tx.execute_batch(sql)
            .map_err(|e| StorageError::Backend(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", number)
            .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's reads of its log by entity use the partial indexes made for them, and
    /// the entities they name are the ones pushes carry.
    #[test]
    fn log_lookups_by_entity_use_their_partial_indexes() {
        assert_eq!(kassa_server_storage::CAPACITY_POOL_ENTITY, "capacity_pools");
        let mut c = Connection::open_in_memory().unwrap();
        run(&mut c).unwrap();
        for (sql, index) in [
            (crate::allotments::CAPACITY_SQL, "log_capacity_pools"),
            (crate::cards::SETTING_SQL, "log_settings"),
        ] {
            let plan: Vec<String> = c
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(["s", "e"], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter()
                    .any(|p| p.contains(&format!("USING INDEX {index}"))),
                "{sql}: {plan:?}"
            );
        }
    }
}

//! The crate's own schema, applied on connect.
//!
//! Migrations are embedded, named by timestamp and never edited once released. Several
//! server instances may start at once on one database: each applies the missing
//! migrations inside one transaction that first takes a transaction-scoped advisory
//! lock, so exactly one of them migrates and the others find the work done.

use crate::error::db;
use kassa_server_storage::{Result, StorageError};
use tokio_postgres::Client;

/// One embedded migration: its timestamp version, its name and its SQL.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 20261203080000,
        name: "sync_log",
        sql: include_str!("../migrations/20261203080000_sync_log.sql"),
    },
    Migration {
        version: 20261203090000,
        name: "store_key",
        sql: include_str!("../migrations/20261203090000_store_key.sql"),
    },
    Migration {
        version: 20261204080000,
        name: "store_key_epochs",
        sql: include_str!("../migrations/20261204080000_store_key_epochs.sql"),
    },
    Migration {
        version: 20261204090000,
        name: "audit_heads",
        sql: include_str!("../migrations/20261204090000_audit_heads.sql"),
    },
    Migration {
        version: 20261204100000,
        name: "card_payments",
        sql: include_str!("../migrations/20261204100000_card_payments.sql"),
    },
    Migration {
        version: 20261204110000,
        name: "emails",
        sql: include_str!("../migrations/20261204110000_emails.sql"),
    },
    Migration {
        version: 20261204120000,
        name: "card_refunds",
        sql: include_str!("../migrations/20261204120000_card_refunds.sql"),
    },
    Migration {
        version: 20261205080000,
        name: "offline_card_exposure",
        sql: include_str!("../migrations/20261205080000_offline_card_exposure.sql"),
    },
    Migration {
        version: 20261205090000,
        name: "allotments",
        sql: include_str!("../migrations/20261205090000_allotments.sql"),
    },
    Migration {
        version: 20261207080000,
        name: "log_device_check",
        sql: include_str!("../migrations/20261207080000_log_device_check.sql"),
    },
    Migration {
        version: 20261207090000,
        name: "log_lookups",
        sql: include_str!("../migrations/20261207090000_log_lookups.sql"),
    },
];

/// The advisory lock key that serialises migrations ("kassa" in ASCII, then "mig").
const MIGRATION_LOCK: i64 = 0x6b61_7373_616d_6967;

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies the migrations the database lacks, in order, in one transaction. A database
/// written by a newer server is refused rather than used with a schema this build does
/// not know.
pub async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS kassa_schema_migrations (
             version     BIGINT PRIMARY KEY,
             name        TEXT NOT NULL,
             applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(db)?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM kassa_schema_migrations", &[])
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(newer) = applied.iter().copied().find(|v| *v > latest_version()) {
        return Err(StorageError::Backend(format!(
            "the database has schema version {newer}, newer than this server's {}; update the server",
            latest_version()
        )));
    }
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tracing::info!(version = m.version, name = m.name, "applying migration");
        tx.batch_execute(m.sql).await.map_err(db)?;
        tx.execute(
            "INSERT INTO kassa_schema_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_version_order_and_named_by_their_file() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(versions, sorted);
        assert_eq!(latest_version(), *versions.last().unwrap());
    }
}

//! Appliers for customers arriving from other devices (see `foundation::apply`): last writer
//! wins per field, consent and its date together, addresses and tags one field each, and
//! the search entry follows.

use super::{get, reindex};
use crate::foundation::apply::{Applied, Applier, ApplyTx, lacks};
use crate::foundation::ids::new_id;
use kassa_domain::Result;
use kassa_sync_protocol::Change;
use rusqlite::params;
use serde_json::Value;

/// `(entity, applier)` for every customer entity recorded in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[("customers", apply_customer)];

const COLUMNS: &[&str] = &[
    "store_id",
    "name",
    "email",
    "phone",
    "notes",
    "marketing_consent",
    "consent_at",
    "tags",
    "merged_into",
];

fn apply_customer(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let exists = tx.exists("customers", "id", &c.entity_id)?;
    if !exists && let Some(reason) = lacks(p, &["store_id", "name"]) {
        return Ok(tx.park(reason));
    }
    let parents = [
        ("stores", "id", p.get("store_id").and_then(Value::as_str)),
        (
            "customers",
            "id",
            p.get("merged_into").and_then(Value::as_str),
        ),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    let stamp = ApplyTx::stamp_ts(c);
    tx.write_reference("customers", "id", &c.entity_id, &won, COLUMNS, true, &stamp)?;
    if let Some(Value::Array(list)) = won.get("addresses") {
        tx.exec(
            "DELETE FROM customer_addresses WHERE customer_id = ?1",
            [&c.entity_id],
        )?;
        for a in list {
            let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let primary = a
                .get("is_primary")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            tx.exec(
                "INSERT INTO customer_addresses (id, customer_id, kind, line1, line2, postal_code, city, country, is_primary, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![new_id(), c.entity_id, s("kind"), s("line1"), s("line2"), s("postal_code"),
                        s("city"), s("country"), primary, stamp],
            )?;
        }
    }
    tx.index_later("customers", &c.entity_id, write_search_entry);
    Ok(Applied::Applied)
}

/// The customer's search entry, from the row as the page left it.
fn write_search_entry(tx: &ApplyTx<'_>, id: &str) -> Result<()> {
    let store_id = tx.store_id().to_string();
    let customer = get(tx, &store_id, id)?;
    reindex(tx, &customer, false)
}

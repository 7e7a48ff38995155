//! Appliers for customers arriving from other devices (see `foundation::apply`): last writer
//! wins per field, consent and its date together, addresses and tags one field each, and
//! the search entry follows.

use super::{get_row, reindex};
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
// `erased_at` is not among the columns written by last writer wins: `settle_erasure` keeps
// the earliest one and blanks the row.

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
        if p.get("erased_at").is_some_and(|v| !v.is_null()) {
            // Every field lost to newer edits, but an erasure wins over them all the same.
            settle_erasure(tx, c, exists)?;
            tx.index_later("customers", &c.entity_id, !exists, write_search_entry);
            return Ok(Applied::Applied);
        }
        return Ok(Applied::AlreadyHeld);
    }
    tx.write_reference("customers", c, !exists, &won, COLUMNS)?;
    if let Some(Value::Array(list)) = won.get("addresses") {
        let stamp = ApplyTx::stamp_ts(c);
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
    settle_erasure(tx, c, exists)?;
    tx.index_later("customers", &c.entity_id, !exists, write_search_entry);
    Ok(Applied::Applied)
}

/// An erasure wins over every edit, whatever its stamp: once a device holds the row as
/// erased (or this change erases it), its personal fields are blanked again after each
/// change, and the earliest `erased_at` is kept, so every device ends with the same row
/// whichever order the erasure and the edits arrive in. `existed`: the row was held before
/// this change (a row it made has no erasure of its own yet).
fn settle_erasure(tx: &ApplyTx<'_>, c: &Change, existed: bool) -> Result<()> {
    let held: Option<String> = if existed {
        tx.row(
            "SELECT erased_at FROM customers WHERE id = ?1",
            [&c.entity_id],
            |r| r.get(0),
        )?
        .flatten()
    } else {
        None
    };
    let incoming = c
        .payload
        .get("erased_at")
        .and_then(Value::as_str)
        .map(str::to_string);
    let erased_at = match (held, incoming) {
        (Some(h), Some(i)) => Some(h.min(i)),
        (h, i) => h.or(i),
    };
    if let Some(at) = erased_at {
        super::privacy::force_erased(tx, &c.entity_id, &at)?;
    }
    Ok(())
}

/// The customer's search entry, from the row as the page left it (`fresh`: new in this page,
/// so there is no entry to take out first).
fn write_search_entry(tx: &ApplyTx<'_>, id: &str, fresh: bool) -> Result<()> {
    let store_id = tx.store_id().to_string();
    let customer = get_row(tx, &store_id, id)?;
    reindex(tx, &customer, fresh)
}

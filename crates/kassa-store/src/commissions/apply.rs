//! Appliers for commissions arriving from other devices (see `foundation::apply`).
//!
//! - `commission_entries`: the ledger; each entry is inserted if absent, and the same id with
//!   other content is a `ledger_mismatch`, never an overwrite.
//! - `commission_rates`: reference data, last writer wins per field. A trip's rate travels
//!   with the trip (`bookings::apply`).

use super::ENTRY_ENTITY;
use super::rates::RATE_ENTITY;
use crate::foundation::apply::{Applied, Applier, ApplyTx, field, lacks};
use kassa_domain::Result;
use kassa_sync_protocol::Change;
use rusqlite::types::Value as SqlValue;

/// `(entity, applier)` for every entity commissions record in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] =
    &[(ENTRY_ENTITY, apply_entry), (RATE_ENTITY, apply_rate)];

fn apply_entry(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    const COLS: &[&str] = &[
        "staff_id",
        "source_kind",
        "source_id",
        "line_id",
        "cause_kind",
        "cause_id",
        "base_minor",
        "rate_bp",
        "amount_minor",
        "business_date",
        "device_id",
        "created_at",
    ];
    let p = &c.payload;
    if let Some(reason) = lacks(
        p,
        &[
            "staff_id",
            "source_kind",
            "source_id",
            "cause_kind",
            "cause_id",
            "business_date",
            "device_id",
            "created_at",
        ],
    ) {
        return Ok(tx.park(reason));
    }
    let row: Vec<(&str, SqlValue)> = COLS.iter().map(|n| (*n, field(p, n))).collect();
    tx.insert_ledger(
        ENTRY_ENTITY,
        &[("id", SqlValue::Text(c.entity_id.clone()))],
        &row,
    )
}

fn apply_rate(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let exists = tx.exists(RATE_ENTITY, "id", &c.entity_id)?;
    if !exists && let Some(reason) = lacks(p, &["store_id", "kind", "subject_id"]) {
        return Ok(tx.park(reason));
    }
    let won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    tx.write_reference(
        RATE_ENTITY,
        c,
        !exists,
        &won,
        &["store_id", "kind", "subject_id", "rate_bp"],
    )?;
    Ok(Applied::Applied)
}

//! What staff do with stock: receive, adjust, transfer, count.

use super::*;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, WriteTx};
use kassa_domain::stock::{Level, MovementKind};
use kassa_domain::{Error, Result};
use serde_json::json;

pub(super) fn audit_levels(
    tx: &mut WriteTx<'_>,
    action: &str,
    actor_id: &str,
    product_id: &str,
    before: Level,
    after: Level,
    detail: serde_json::Value,
) -> Result<()> {
    let mut after_json = json!({"on_hand": after.on_hand, "reserved": after.reserved});
    if let (Some(a), Some(d)) = (after_json.as_object_mut(), detail.as_object()) {
        a.extend(d.clone());
    }
    tx.audit(
        AuditInput::new(action)
            .by(actor_id)
            .on("product", product_id)
            .before(json!({"on_hand": before.on_hand, "reserved": before.reserved}))
            .after(after_json),
    )?;
    Ok(())
}

/// What a receipt of goods needs.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub product_id: String,
    pub qty: i64,
    pub location_id: Option<String>,
    pub batch_code: Option<String>,
    pub expires_on: Option<String>,
    pub unit_cost_minor: Option<i64>,
    pub note: Option<String>,
}

/// Goods received from a supplier; audited with the level before and after.
pub fn receive(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    r: &Receipt,
) -> Result<Written> {
    if r.qty <= 0 {
        return Err(Error::invalid_input(
            "the quantity received must be 1 or more",
        ));
    }
    if r.expires_on.is_some() && r.batch_code.is_none() {
        return Err(Error::invalid_input("an expiry date needs a batch code"));
    }
    if let Some(c) = r.unit_cost_minor {
        kassa_domain::catalog::validate_amount(c, "unit cost")?;
    }
    let it = item(tx, store_id, &r.product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let batch_id = match &r.batch_code {
        Some(code) => Some(batch_for(
            tx,
            store_id,
            &r.product_id,
            code,
            r.expires_on.as_deref(),
        )?),
        None => None,
    };
    let loc = r.location_id.as_deref();
    let before = level(tx, &r.product_id, loc.or(Some(store_id)))?;
    let m = NewMovement {
        location_id: r.location_id.clone(),
        batch_id: batch_id.clone(),
        reason: r.note.clone(),
        unit_cost_minor: r.unit_cost_minor,
        ..NewMovement::receipt(&r.product_id, r.qty)
    };
    let w = record_movements(tx, store_id, Some(actor_id), &[m])?.remove(0);
    let after = level(tx, &r.product_id, Some(&w.location_id))?;
    audit_levels(
        tx,
        "stock.received",
        actor_id,
        &r.product_id,
        before,
        after,
        json!({"qty": r.qty, "location_id": w.location_id, "batch_id": batch_id}),
    )?;
    Ok(w)
}

/// A correction with a reason (breakage, theft, found goods); audited with before and after.
pub fn adjust(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    product_id: &str,
    delta: i64,
    reason: &str,
    location_id: Option<&str>,
) -> Result<Vec<Written>> {
    let it = item(tx, store_id, product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let loc = location_id
        .map(str::to_string)
        .unwrap_or_else(|| main_location_id(store_id));
    let before = level(tx, product_id, Some(&loc))?;
    let m = NewMovement::adjustment(product_id, delta, reason).at(&loc);
    let w = record_movements(tx, store_id, Some(actor_id), &[m])?;
    let after = level(tx, product_id, Some(&loc))?;
    audit_levels(
        tx,
        "stock.adjusted",
        actor_id,
        product_id,
        before,
        after,
        json!({"delta": delta, "reason": reason.trim(), "location_id": loc}),
    )?;
    Ok(w)
}

/// Moves `qty` from one location to another: a transfer out and a transfer in, with the
/// same batches on both sides, under one transfer id. Returns that id.
pub fn transfer(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    product_id: &str,
    qty: i64,
    from: &str,
    to: &str,
) -> Result<String> {
    if qty <= 0 {
        return Err(Error::invalid_input(
            "the quantity to move must be 1 or more",
        ));
    }
    if from == to {
        return Err(Error::invalid_input(
            "a transfer needs two different locations",
        ));
    }
    ensure_main_location(tx, store_id)?;
    location_name(tx, store_id, from)?;
    location_name(tx, store_id, to)?;
    let it = item(tx, store_id, product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let transfer_id = new_id();
    let out = NewMovement::new(product_id, MovementKind::TransferOut, -qty)
        .at(from)
        .reference("transfer", &transfer_id);
    let written = record_movements(tx, store_id, Some(actor_id), &[out])?;
    let ins: Vec<NewMovement> = written
        .iter()
        .map(|w| NewMovement {
            batch_id: w.batch_id.clone(),
            ..NewMovement::new(product_id, MovementKind::TransferIn, -w.qty)
                .at(to)
                .reference("transfer", &transfer_id)
        })
        .collect();
    record_movements(tx, store_id, Some(actor_id), &ins)?;
    tx.audit(
        AuditInput::new("stock.transferred")
            .by(actor_id)
            .on("product", product_id)
            .after(json!({"transfer_id": transfer_id, "qty": qty, "from": from, "to": to})),
    )?;
    Ok(transfer_id)
}

/// One item's line in a posted count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountLine {
    pub product_id: String,
    pub expected: i64,
    pub counted: i64,
}

/// Posts a stock count at a location: every difference between what was counted and what
/// the ledger says becomes one `count` movement, all under one count id, in one transaction.
pub fn post_count(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    location_id: Option<&str>,
    counted: &[(String, i64)],
) -> Result<(String, Vec<CountLine>)> {
    if counted.is_empty() {
        return Err(Error::invalid_input(
            "a count needs at least one counted item",
        ));
    }
    let loc = match location_id {
        Some(l) => {
            ensure_main_location(tx, store_id)?;
            location_name(tx, store_id, l)?;
            l.to_string()
        }
        None => ensure_main_location(tx, store_id)?,
    };
    // Scanning the same item twice adds up, as counting on a shelf does.
    let mut totals: Vec<(String, i64)> = Vec::new();
    for (pid, n) in counted {
        if *n < 0 {
            return Err(Error::invalid_input(
                "a counted quantity cannot be negative",
            ));
        }
        let it = item(tx, store_id, pid)?;
        if !it.stock_tracked {
            return Err(Error::invalid_input(format!(
                "{} is not stock-tracked",
                it.label
            )));
        }
        match totals.iter_mut().find(|(p, _)| p == pid) {
            Some(t) => t.1 += n,
            None => totals.push((pid.clone(), *n)),
        }
    }
    let count_id = new_id();
    let mut lines = Vec::new();
    let mut moves = Vec::new();
    for (pid, n) in totals {
        let expected = level(tx, &pid, Some(&loc))?.on_hand;
        if n != expected {
            // The count of this item here that this device learned of last (its own or one
            // that synced in: the rowid is the order rows arrived here, which follows the
            // server's log, and the log follows what each device had seen). A count made on
            // another device on the same basis did not know of this one. Not by time: clocks
            // differ.
            let basis: Option<String> = tx.row(
                "SELECT id FROM stock_movements
                  WHERE product_id = ?1 AND location_id = ?2 AND kind = 'count'
                  ORDER BY rowid DESC LIMIT 1",
                rusqlite::params![pid, loc],
                |r| r.get(0),
            )?;
            let mut m = NewMovement::new(&pid, MovementKind::Count, n - expected)
                .at(&loc)
                .reference("count", &count_id);
            m.count_basis = basis;
            moves.push(m);
        }
        lines.push(CountLine {
            product_id: pid,
            expected,
            counted: n,
        });
    }
    record_movements(tx, store_id, Some(actor_id), &moves)?;
    tx.audit(
        AuditInput::new("stock.counted")
            .by(actor_id)
            .on("location", &loc)
            .after(json!({
                "count_id": count_id,
                "lines": lines.iter().map(|l| json!({"product_id": l.product_id, "expected": l.expected, "counted": l.counted})).collect::<Vec<_>>(),
            })),
    )?;
    Ok((count_id, lines))
}

// ---------------------------------------------------------------- reading the ledger

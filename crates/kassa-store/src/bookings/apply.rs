//! Appliers for bookings arriving from other devices (see `foundation::apply`).
//!
//! - `trips`, `trip_options`, `capacity_pools`, `departures`, `booking_waitlist`: reference
//!   data, last writer wins per field.
//! - `bookings`: the document of one write (the booking's head, and the travellers, items,
//!   events, payments and notes that write added, with their ids). Every row is inserted if
//!   absent; the status is folded from all the booking's events (`bookings::fold`). Events
//!   the state machine refuses are kept and flagged `booking_transition_rejected`.
//! - After a booking or a pool changes, the pool is judged from the rows held now: seats
//!   held by bookings beyond its capacity (two devices sold the last seats offline) is a
//!   `departure_oversold` conflict on each departure of the pool, recorded, updated or
//!   withdrawn the same way on every device, whatever order the changes arrived in.

use super::lifecycle::{AMENDED_COLUMNS, HEAD_COLUMNS};
use super::{fold, seats_taken};
use crate::SqlResult;
use crate::foundation::apply::{Applied, Applier, ApplyTx, conflict_id, field, lacks};
use crate::foundation::write::WriteTx;
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

/// `(entity, applier)` for every entity bookings record in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[
    ("trips", apply_trip),
    ("trip_options", apply_option),
    ("capacity_pools", apply_pool),
    ("departures", apply_departure),
    ("booking_waitlist", apply_waitlist),
    ("bookings", apply_booking),
];

fn reference(
    tx: &mut ApplyTx<'_>,
    c: &Change,
    table: &str,
    required: &[&str],
    parents: &[(&str, &str, &str)],
    columns: &[&str],
) -> Result<Applied> {
    let p = &c.payload;
    let exists = tx.exists(table, "id", &c.entity_id)?;
    if !exists && let Some(reason) = lacks(p, required) {
        return Ok(tx.park(reason));
    }
    let parents: Vec<(&str, &str, Option<&str>)> = parents
        .iter()
        .map(|(t, col, f)| (*t, *col, p.get(*f).and_then(Value::as_str)))
        .collect();
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    tx.write_reference(table, c, !exists, &won, columns)?;
    Ok(Applied::Applied)
}

fn apply_trip(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    const COLS: &[&str] = &[
        "store_id",
        "code",
        "name",
        "adult_minor",
        "child_minor",
        "senior_minor",
        "deposit_kind",
        "deposit_value",
        "balance_due_days",
        "cancellation_policy",
        "hold_minutes",
        "documents_required",
        "commission_bp",
    ];
    reference(
        tx,
        c,
        "trips",
        &[
            "store_id",
            "code",
            "name",
            "adult_minor",
            "deposit_kind",
            "deposit_value",
            "balance_due_days",
            "cancellation_policy",
            "hold_minutes",
            "documents_required",
        ],
        &[("stores", "id", "store_id")],
        COLS,
    )
}

fn apply_option(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    const COLS: &[&str] = &["trip_id", "name", "price_minor", "capacity"];
    reference(
        tx,
        c,
        "trip_options",
        &["trip_id", "name", "price_minor"],
        &[("trips", "id", "trip_id")],
        COLS,
    )
}

fn apply_pool(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let out = reference(
        tx,
        c,
        "capacity_pools",
        &["store_id", "seats"],
        &[("stores", "id", "store_id")],
        &["store_id", "seats"],
    )?;
    if out == Applied::Applied && judge_pool(tx, &c.entity_id)? {
        return Ok(Applied::Conflict);
    }
    Ok(out)
}

fn apply_departure(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    const COLS: &[&str] = &[
        "trip_id",
        "pool_id",
        "departs_at",
        "returns_at",
        "time_zone",
        "meeting_point",
    ];
    let out = reference(
        tx,
        c,
        "departures",
        &["trip_id", "pool_id", "departs_at", "time_zone"],
        &[
            ("trips", "id", "trip_id"),
            ("capacity_pools", "id", "pool_id"),
        ],
        COLS,
    )?;
    if out == Applied::Applied {
        // A departure moved to another pool changes both pools' seats.
        let pools: Vec<String> = tx
            .prepare_cached("SELECT DISTINCT pool_id FROM departures ORDER BY pool_id")
            .db()?
            .query_map([], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        let mut oversold = false;
        for p in pools {
            oversold |= judge_pool(tx, &p)?;
        }
        if oversold {
            return Ok(Applied::Conflict);
        }
    }
    Ok(out)
}

fn apply_waitlist(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    const COLS: &[&str] = &[
        "departure_id",
        "customer_id",
        "seats",
        "note",
        "status",
        "staff_id",
    ];
    let out = reference(
        tx,
        c,
        "booking_waitlist",
        &["departure_id", "customer_id", "seats", "status", "staff_id"],
        &[("departures", "id", "departure_id")],
        COLS,
    )?;
    // A note about a customer whose data was erased stays blank whatever edit arrives.
    let customer: Option<String> = tx.row(
        "SELECT customer_id FROM booking_waitlist WHERE id = ?1",
        [&c.entity_id],
        |r| r.get(0),
    )?;
    if let Some(customer) = customer
        && crate::customers::privacy::is_erased(tx, Some(&customer))?
    {
        crate::customers::privacy::blank_related(tx, &customer)?;
    }
    Ok(out)
}

fn items<'a>(p: &'a Value, name: &str) -> &'a [Value] {
    p.get(name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn text(v: &Value, name: &str, what: &str) -> Result<String> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::invalid_input(format!("{what} lacks '{name}'")))
}

fn combine(a: Applied, b: Applied) -> Applied {
    use Applied as A;
    match (a, b) {
        (A::Parked, _) | (_, A::Parked) => A::Parked,
        (A::Conflict, _) | (_, A::Conflict) => A::Conflict,
        (A::Applied, _) | (_, A::Applied) => A::Applied,
        _ => A::AlreadyHeld,
    }
}

/// `list` as it is, or, for a customer whose data was erased, with each of `blank` set to its
/// blank value and each of `clear` to null.
fn personal(list: &[Value], erased: bool, blank: &[(&str, Value)], clear: &[&str]) -> Vec<Value> {
    let mut out = list.to_vec();
    if erased {
        for row in out.iter_mut().filter_map(Value::as_object_mut) {
            for (name, value) in blank {
                row.insert((*name).to_string(), value.clone());
            }
            for name in clear {
                row.insert((*name).to_string(), Value::Null);
            }
        }
    }
    out
}

/// Inserts the rows of `list` into `table` if absent (the same row again is held; another
/// with the same id a `ledger_mismatch`), each with `booking_id` and `columns`.
fn insert_rows(
    tx: &mut ApplyTx<'_>,
    table: &str,
    booking_id: &str,
    list: &[Value],
    columns: &[&'static str],
) -> Result<Applied> {
    let mut out = Applied::AlreadyHeld;
    for row in list {
        let id = text(row, "id", table)?;
        let mut cols: Vec<(&str, SqlValue)> =
            vec![("booking_id", SqlValue::Text(booking_id.to_string()))];
        cols.extend(columns.iter().map(|c| (*c, field(row, c))));
        let r = tx.insert_ledger(table, &[("id", SqlValue::Text(id))], &cols)?;
        out = combine(out, r);
    }
    Ok(out)
}

fn apply_booking(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let head = p
        .get("booking")
        .ok_or_else(|| Error::invalid_input("a booking change lacks 'booking'"))?;
    let departure_id = text(head, "departure_id", "a booking")?;
    let mut parents: Vec<(&str, &str, Option<&str>)> = vec![
        ("departures", "id", Some(departure_id.as_str())),
        ("stores", "id", head.get("store_id").and_then(Value::as_str)),
    ];
    for i in items(p, "items") {
        parents.push((
            "trip_options",
            "id",
            i.get("option_id").and_then(Value::as_str),
        ));
    }
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    // The departure held before this change: an amendment may move the booking off it.
    let moved_from: Option<String> = tx.row(
        "SELECT departure_id FROM bookings WHERE id = ?1",
        [&c.entity_id],
        |r| r.get(0),
    )?;
    let row: Vec<(&str, SqlValue)> = HEAD_COLUMNS.iter().map(|n| (*n, field(head, n))).collect();
    // The fields an amendment changes are written on insert and derived from the `amend`
    // events after, never compared: a later document carries them as amended.
    let mut local: Vec<(&str, SqlValue)> = AMENDED_COLUMNS
        .iter()
        .map(|n| (*n, field(head, n)))
        .collect();
    local.push(("status", SqlValue::Text("quote".into())));
    let mut out = tx.insert_ledger_with(
        "bookings",
        &[("id", SqlValue::Text(c.entity_id.clone()))],
        &row,
        &local,
    )?;
    if out == Applied::Conflict {
        return Ok(out);
    }
    let id = c.entity_id.as_str();
    // The customer's data erased meanwhile: what the document holds about people is blanked
    // before it is compared or kept, as the erasure blanked the rows on every device.
    let erased =
        crate::customers::privacy::is_erased(tx, head.get("customer_id").and_then(Value::as_str))?;
    let travellers = personal(
        items(p, "travellers"),
        erased,
        &[("full_name", json!(""))],
        &["date_of_birth", "document_number"],
    );
    let notes = personal(items(p, "notes"), erased, &[("note", json!(""))], &[]);
    out = combine(
        out,
        insert_rows(
            tx,
            "booking_travellers",
            id,
            &travellers,
            &[
                "position",
                "traveller_type",
                "full_name",
                "date_of_birth",
                "document_number",
                "price_minor",
            ],
        )?,
    );
    out = combine(
        out,
        insert_rows(
            tx,
            "booking_items",
            id,
            items(p, "items"),
            &["option_id", "name", "qty", "unit_minor", "total_minor"],
        )?,
    );
    out = combine(
        out,
        insert_rows(
            tx,
            "booking_events",
            id,
            items(p, "events"),
            &[
                "seq",
                "event",
                "staff_id",
                "device_id",
                "detail",
                "created_at",
            ],
        )?,
    );
    out = combine(
        out,
        insert_rows(
            tx,
            "booking_payments",
            id,
            items(p, "payments"),
            &[
                "direction",
                "kind",
                "amount_minor",
                "device_id",
                "shift_id",
                "business_date",
                "receipt_number",
                "staff_id",
                "created_at",
                "voucher_id",
                "card_brand",
                "card_last4",
                "provider_ref",
                "refunds_payment_id",
                "status",
            ],
        )?,
    );
    out = combine(
        out,
        insert_rows(
            tx,
            "booking_notes",
            id,
            &notes,
            &["note", "staff_id", "created_at"],
        )?,
    );
    let amended_twice = super::amend::settle(tx, id)?;
    if amended_twice {
        tx.conflict_in_family(
            "booking_amendment",
            "booking_amended_twice",
            "bookings",
            id,
            json!({
                "kept": "both amendments: travellers and options either took off are off, what either added is on; the departure, deposit and due date follow the later",
                "seats": tx.row("SELECT seats FROM bookings WHERE id = ?1", [id], |r| r.get::<_, i64>(0))?,
            }),
        )?;
        out = Applied::Conflict;
    }
    let folded = fold(tx, id)?;
    tx.exec(
        "UPDATE bookings SET status = ?2, hold_expires_at = ?3
          WHERE id = ?1 AND (status <> ?2 OR hold_expires_at IS NOT ?3)",
        rusqlite::params![id, folded.status.as_str(), folded.hold_expires_at],
    )?;
    if folded.rejected.is_empty() {
        tx.withdraw_conflict_in_family("booking_transition", "bookings", id)?;
    } else {
        let detail = json!({
            "status": folded.status.as_str(),
            "rejected": folded.rejected.iter().map(|(e, name, met)| json!({
                "event_id": e, "event": name, "status_met": met,
            })).collect::<Vec<_>>(),
            "kept": "every event; the status follows the ones the state machine accepts",
        });
        tx.conflict_in_family(
            "booking_transition",
            "booking_transition_rejected",
            "bookings",
            id,
            detail,
        )?;
        out = Applied::Conflict;
    }
    let mut pools: Vec<String> = Vec::new();
    let now_at: Option<String> = tx.row(
        "SELECT departure_id FROM bookings WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    for dep in [Some(departure_id), now_at, moved_from]
        .into_iter()
        .flatten()
    {
        let pool: Option<String> = tx.row(
            "SELECT pool_id FROM departures WHERE id = ?1",
            [&dep],
            |r| r.get(0),
        )?;
        if let Some(pool) = pool
            && !pools.contains(&pool)
        {
            pools.push(pool);
        }
    }
    for pool in pools {
        if judge_pool(tx, &pool)? {
            out = Applied::Conflict;
        }
    }
    Ok(out)
}

/// A pool's seats as the rows held now show them: its departures, and when more seats are
/// held than it has, what the conflict says.
pub(crate) struct PoolState {
    pub departures: Vec<String>,
    pub oversold: Option<Value>,
}

/// Judges a pool from the rows held (statuses only, never the clock, so every device judges
/// the same rows the same way).
pub(crate) fn pool_state(conn: &Connection, pool_id: &str) -> Result<PoolState> {
    let capacity: i64 = conn
        .prepare_cached("SELECT seats FROM capacity_pools WHERE id = ?1")
        .db()?
        .query_row([pool_id], |r| r.get(0))
        .db()?;
    let taken = seats_taken(conn, pool_id, None)?;
    let departures: Vec<String> = conn
        .prepare_cached("SELECT id FROM departures WHERE pool_id = ?1 ORDER BY id")
        .db()?
        .query_map([pool_id], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let oversold = if taken > capacity {
        let bookings: Vec<(String, String, i64)> = conn
            .prepare_cached(
                "SELECT b.id, b.reference, b.seats FROM bookings b JOIN departures d ON d.id = b.departure_id
                  WHERE d.pool_id = ?1 AND b.status IN ('held', 'confirmed', 'paid', 'completed')
                  ORDER BY b.id",
            )
            .db()?
            .query_map([pool_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        Some(json!({
            "pool_id": pool_id,
            "capacity": capacity,
            "seats_booked": taken,
            "over_by": taken - capacity,
            "departures": departures,
            "bookings": bookings.iter().map(|(id, r, s)| json!({"id": id, "reference": r, "seats": s})).collect::<Vec<_>>(),
            "kept": "every booking; a manager moves or cancels some",
        }))
    } else {
        None
    };
    Ok(PoolState {
        departures,
        oversold,
    })
}

/// Records, updates or withdraws `departure_oversold` on each departure of the pool; whether
/// it is oversold.
fn judge_pool(tx: &mut ApplyTx<'_>, pool_id: &str) -> Result<bool> {
    let state = pool_state(tx, pool_id)?;
    for d in &state.departures {
        match &state.oversold {
            Some(detail) => tx.conflict_in_family(
                "departure_oversold",
                "departure_oversold",
                "departures",
                d,
                detail.clone(),
            )?,
            None => tx.withdraw_conflict_in_family("departure_oversold", "departures", d)?,
        }
    }
    Ok(state.oversold.is_some())
}

/// After a local write to a booking of the pool: `departure_oversold` follows the rows as
/// they are now, exactly as the merge judges them on any device: recorded when the pool holds
/// more booked seats than it has (say, seats another device still holds by a hold that lapsed
/// by this device's clock, sold here again), updated, or withdrawn once seats were given back.
pub(crate) fn rejudge_local(tx: &WriteTx<'_>, pool_id: &str) -> Result<()> {
    let state = pool_state(tx, pool_id)?;
    let (device_id, now) = (tx.device_id()?.to_string(), tx.now_ts());
    for d in &state.departures {
        let id = conflict_id("departure_oversold", "departures", d);
        match &state.oversold {
            Some(detail) => {
                tx.exec(
                    "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                     VALUES (?1, 'departure_oversold', 'departures', ?2, ?3, '', 0, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET detail = excluded.detail
                      WHERE conflicts.detail <> excluded.detail",
                    rusqlite::params![id, d, detail.to_string(), device_id, now],
                )?;
            }
            None => {
                tx.exec("DELETE FROM conflicts WHERE id = ?1", [&id])?;
            }
        }
    }
    Ok(())
}

//! Amendments: travellers added or taken off, options changed, or the booking moved to another
//! departure of its trip. The booking is priced again (travellers and options it kept keep
//! the price agreed; what is added is priced at the trip's prices now), the difference is
//! shown before it is confirmed, money paid beyond the new total goes back to the tenders it
//! came from, and a paid booking whose total rose owes a balance again (`reopen`).
//!
//! An amendment is one `amend` event whose detail holds what it took off (rows stay in the
//! ledger, marked `removed_by`) and the head after it (departure, deposit, due date). Every
//! device derives the booking from its events the same way ([`settle`]): rows taken off by
//! any amendment are off, seats and total are what remains, and the departure, deposit and
//! due date are those of the last amendment in the events' order. Two devices amending one
//! booking offline are both kept, and `booking_amended_twice` asks a manager to look.

use super::lifecycle::{
    self, Booking, Doc, add_event, check_note, get, insufficient, jiff_ts, record,
    refund_to_tenders,
};
use super::trips::{self, Departure, TripOption};
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, WriteTx};
use chrono::{DateTime, Utc};
use kassa_domain::booking::{self as rules, BookingEvent, BookingStatus, Traveller};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// What to change on a booking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amendment {
    /// Travellers to add, priced at the trip's prices now.
    pub add: Vec<Traveller>,
    /// Ids of the booking's travellers to take off.
    pub remove: Vec<String>,
    /// The booking's options after the amendment, `(option id, quantity)`; an option left
    /// out (or at 0) is taken off. `None` leaves the options as they are.
    pub options: Option<Vec<(String, i64)>>,
    /// Another departure of the same trip.
    pub departure_id: Option<String>,
    pub note: Option<String>,
}

/// What an amendment does, shown before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendPreview {
    pub booking_id: String,
    pub departure_id: String,
    pub seats_before: i64,
    pub seats_after: i64,
    pub total_before: i64,
    pub total_after: i64,
    /// `total_after - total_before`: above 0 is more to pay, below 0 less.
    pub difference_minor: i64,
    pub deposit_after: i64,
    pub balance_due_on: String,
    pub paid_minor: i64,
    /// Paid beyond the new total, going back to the tenders it came from.
    pub refund_minor: i64,
    /// Owed after the amendment (and its refund).
    pub balance_after: i64,
}

struct Plan {
    booking: Booking,
    departure: Departure,
    added: Vec<(Traveller, i64)>,
    removed_travellers: Vec<String>,
    removed_items: Vec<String>,
    /// `(option id, name, qty, unit price)`.
    new_items: Vec<(String, String, i64, i64)>,
    preview: AmendPreview,
}

fn plan(conn: &Connection, id: &str, a: &Amendment, now: DateTime<Utc>) -> Result<Plan> {
    let b = get(conn, id)?;
    if !matches!(
        b.status,
        BookingStatus::Quote | BookingStatus::Held | BookingStatus::Confirmed | BookingStatus::Paid
    ) {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!("a {} booking cannot be amended", b.status.as_str()),
        ));
    }
    if super::hold_expired(&b, now) {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "the hold of booking {} lapsed: its seats went back to the departure; make a new booking",
                b.reference
            ),
        ));
    }
    let current = trips::departure(conn, &b.departure_id)?;
    let departure = match &a.departure_id {
        Some(d) if *d != b.departure_id => {
            let to = trips::departure(conn, d)?;
            if to.trip_id != current.trip_id {
                return Err(Error::invalid_input(
                    "a booking moves only to another departure of its own trip; cancel it and book the other trip",
                ));
            }
            to
        }
        _ => current.clone(),
    };
    if departure.departs()? <= now {
        return Err(Error::invalid_input("this departure has already left"));
    }
    let trip = trips::trip(conn, &departure.trip_id)?;
    let zone = crate::foundation::business_day::zone_of(&departure.time_zone)?;
    let today = jiff_ts(now)?.to_zoned(zone.clone()).date();
    for r in &a.remove {
        if !b.travellers.iter().any(|t| &t.id == r) {
            return Err(Error::not_found(format!(
                "booking {} has no traveller '{r}'",
                b.reference
            )));
        }
    }
    let mut added = Vec::new();
    for t in &a.add {
        let t = rules::check_traveller(t, trip.documents_required, today)?;
        let price = trip.prices.of(t.traveller_type)?;
        added.push((t, price));
    }
    let kept: Vec<_> = b
        .travellers
        .iter()
        .filter(|t| !a.remove.contains(&t.id))
        .collect();
    let seats_after =
        i64::try_from(kept.len() + added.len()).map_err(|_| Error::internal("seats"))?;
    if seats_after == 0 {
        return Err(Error::invalid_input(
            "a booking keeps at least one traveller; cancel it instead",
        ));
    }
    if seats_after > 100 {
        return Err(Error::invalid_input("a booking has at most 100 travellers"));
    }
    let mut removed_items = Vec::new();
    let mut new_items = Vec::new();
    if let Some(options) = &a.options {
        // The options after the amendment, one line per option (an option named twice counts
        // both quantities), each checked against the trip.
        let mut wanted: Vec<(&TripOption, i64)> = Vec::new();
        for (option_id, qty) in options {
            if !(0..=1000).contains(qty) {
                return Err(Error::invalid_input(
                    "an option's quantity is from 0 to 1000",
                ));
            }
            match wanted.iter_mut().find(|(o, _)| &o.id == option_id) {
                Some((_, q)) => *q += qty,
                None => wanted.push((
                    trip.options
                        .iter()
                        .find(|o| &o.id == option_id)
                        .ok_or_else(|| {
                            Error::not_found(format!("the trip has no option '{option_id}'"))
                        })?,
                    *qty,
                )),
            }
        }
        let qty_of = |option_id: &str| {
            wanted
                .iter()
                .find(|(o, _)| o.id == option_id)
                .map_or(0, |(_, q)| *q)
        };
        for item in &b.items {
            if qty_of(&item.option_id) != item.qty {
                removed_items.push(item.id.clone());
            }
        }
        for (opt, qty) in &wanted {
            let held = b.items.iter().find(|i| i.option_id == opt.id);
            if *qty == 0 || held.is_some_and(|i| i.qty == *qty) {
                continue;
            }
            // The price agreed for an option the booking had stays; a new one is priced now.
            let unit = held.map_or(opt.price_minor, |i| i.unit_minor);
            new_items.push((opt.id.clone(), opt.name.clone(), *qty, unit));
        }
    }
    let travellers_total: i64 = kept.iter().map(|t| t.price_minor).sum::<i64>()
        + added.iter().map(|(_, p)| *p).sum::<i64>();
    let items_total: i64 = b
        .items
        .iter()
        .filter(|i| !removed_items.contains(&i.id))
        .map(|i| i.total_minor)
        .sum::<i64>()
        + new_items.iter().map(|(_, _, q, u)| q * u).sum::<i64>();
    let total_after = travellers_total + items_total;
    let deposit_after = rules::deposit(trip.deposit, total_after);
    let balance_due_on = if departure.id == b.departure_id {
        b.balance_due_on.clone()
    } else {
        let departs = jiff_ts(departure.departs()?)?;
        rules::balance_due_on(departs, &zone, trip.balance_due_days, today).to_string()
    };
    let refund_minor = (b.paid_minor - total_after).max(0);
    let balance_after = (total_after - (b.paid_minor - refund_minor)).max(0);
    let unchanged = added.is_empty()
        && a.remove.is_empty()
        && removed_items.is_empty()
        && new_items.is_empty()
        && departure.id == b.departure_id;
    if unchanged {
        return Err(Error::invalid_input("the amendment changes nothing"));
    }
    let preview = AmendPreview {
        booking_id: b.id.clone(),
        departure_id: departure.id.clone(),
        seats_before: b.seats,
        seats_after,
        total_before: b.total_minor,
        total_after,
        difference_minor: total_after - b.total_minor,
        deposit_after,
        balance_due_on,
        paid_minor: b.paid_minor,
        refund_minor,
        balance_after,
    };
    Ok(Plan {
        removed_travellers: a.remove.clone(),
        booking: b,
        departure,
        added,
        removed_items,
        new_items,
        preview,
    })
}

/// What amending booking `id` would do now, without doing it.
pub fn preview(
    conn: &Connection,
    id: &str,
    a: &Amendment,
    now: DateTime<Utc>,
) -> Result<AmendPreview> {
    Ok(plan(conn, id, a, now)?.preview)
}

/// Refuses with `insufficient_seats` when the amended booking does not fit its departure (its
/// own seats and options not counted), or, on a paired device, what this device holds.
fn check_fits(tx: &mut WriteTx<'_>, p: &Plan, staff_id: &str) -> Result<()> {
    let b = &p.booking;
    if !b.status.holds_seats() {
        return Ok(());
    }
    let dep = &p.departure;
    lifecycle::expire_due_in_pool(tx, &dep.pool_id, staff_id)?;
    let now = tx.now_ts();
    let same_pool = dep.pool_id == trips::departure(tx, &b.departure_id)?.pool_id;
    let own = if same_pool { b.seats } else { 0 };
    let more = p.preview.seats_after - own;
    if more > 0 {
        // Seats the others take, and what is left beyond this booking's own.
        let others = super::seats_taken(tx, &dep.pool_id, Some(now.as_str()))? - own;
        if p.preview.seats_after > dep.capacity - others {
            return Err(insufficient(
                dep,
                (dep.capacity - others - own).max(0),
                more,
            ));
        }
        if super::allotments::paired(tx)? {
            let me = tx.device_id()?.to_string();
            if let Some(holder) = super::allotments::holder(tx, &b.id)?
                && holder != me
            {
                return Err(Error::new(
                    ErrorCode::InsufficientSeats,
                    format!(
                        "the seats of booking {} are held by another device of the store; add seats or move it there, or book the new seats separately",
                        b.reference
                    ),
                ));
            }
            super::allotments::check(tx, dep, more)?;
        }
    }
    for (option_id, _, qty, _) in &p.new_items {
        let Some(cap) = trips::trip(tx, &dep.trip_id)?
            .options
            .iter()
            .find(|o| &o.id == option_id)
            .and_then(|o| o.capacity)
        else {
            continue;
        };
        let own = if dep.id == b.departure_id {
            b.items
                .iter()
                .filter(|i| &i.option_id == option_id)
                .map(|i| i.qty)
                .sum::<i64>()
        } else {
            0
        };
        lifecycle::option_fits(tx, &dep.id, option_id, *qty, cap, own)?;
    }
    Ok(())
}

/// What an amendment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amended {
    pub booking: Booking,
    pub preview: AmendPreview,
}

/// Amends a booking in one transaction: checked as [`preview`] shows it, its seats and
/// options checked against the departure (and this device's allotment once paired), money
/// paid beyond the new total refunded to the tenders it came from (commissions reversed in
/// proportion with it), audited as `booking.amended` with before and after.
pub fn amend(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    id: &str,
    a: &Amendment,
) -> Result<Amended> {
    let note = a
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(check_note)
        .transpose()?;
    let p = plan(tx, id, a, tx.now())?;
    check_fits(tx, &p, staff_id)?;
    let b = &p.booking;
    let mut doc = Doc::default();
    let mut position: i64 = tx
        .row(
            "SELECT coalesce(max(position), 0) FROM booking_travellers WHERE booking_id = ?1",
            [&b.id],
            |r| r.get(0),
        )?
        .unwrap_or(0);
    let mut added_ids = Vec::new();
    for (t, price) in &p.added {
        position += 1;
        let tid = new_id();
        tx.exec(
            "INSERT INTO booking_travellers (id, booking_id, position, traveller_type, full_name, date_of_birth, document_number, price_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![tid, b.id, position, t.traveller_type.as_str(), t.full_name, t.date_of_birth, t.document_number, price],
        )?;
        doc.travellers.push(json!({
            "id": tid, "position": position, "traveller_type": t.traveller_type.as_str(),
            "full_name": t.full_name, "date_of_birth": t.date_of_birth,
            "document_number": t.document_number, "price_minor": price,
        }));
        added_ids.push(tid);
    }
    let mut added_items = Vec::new();
    for (option_id, name, qty, unit) in &p.new_items {
        let iid = new_id();
        let total = qty * unit;
        tx.exec(
            "INSERT INTO booking_items (id, booking_id, option_id, name, qty, unit_minor, total_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![iid, b.id, option_id, name, qty, unit, total],
        )?;
        doc.items.push(json!({
            "id": iid, "option_id": option_id, "name": name, "qty": qty,
            "unit_minor": unit, "total_minor": total,
        }));
        added_items.push(iid);
    }
    let based_on: Option<String> = tx.row(
        "SELECT id FROM booking_events WHERE booking_id = ?1 AND event = 'amend'
          ORDER BY seq DESC, device_id DESC, id DESC LIMIT 1",
        [&b.id],
        |r| r.get(0),
    )?;
    let before = json!({
        "departure_id": b.departure_id, "seats": b.seats, "total_minor": b.total_minor,
        "deposit_minor": b.deposit_minor, "balance_due_on": b.balance_due_on,
    });
    let after = json!({
        "departure_id": p.departure.id, "seats": p.preview.seats_after,
        "total_minor": p.preview.total_after, "deposit_minor": p.preview.deposit_after,
        "balance_due_on": p.preview.balance_due_on,
    });
    let detail = json!({
        "based_on": based_on, "before": before, "after": after,
        "removed_travellers": p.removed_travellers, "removed_items": p.removed_items,
        "added_travellers": added_ids, "added_items": added_items,
        "difference_minor": p.preview.difference_minor, "refund_minor": p.preview.refund_minor,
    });
    add_event(tx, &mut doc, &b.id, "amend", staff_id, detail.clone())?;
    // Paid beyond the new total goes back to the tenders it came from, the latest first.
    refund_to_tenders(tx, &mut doc, b, store_id, staff_id, p.preview.refund_minor)?;
    let paid = b.paid_minor - p.preview.refund_minor;
    let status_event = if b.status == BookingStatus::Paid && paid < p.preview.total_after {
        Some(BookingEvent::Reopen)
    } else if paid > 0 {
        rules::after_payment(
            b.status,
            p.preview.total_after,
            p.preview.deposit_after,
            paid,
        )
        .filter(|e| !(b.status == BookingStatus::Paid && *e == BookingEvent::PayInFull))
    } else {
        None
    };
    if let Some(ev) = status_event {
        add_event(
            tx,
            &mut doc,
            &b.id,
            ev.as_str(),
            staff_id,
            json!({"paid_minor": paid}),
        )?;
    }
    if let Some(n) = &note {
        let nid = new_id();
        let now = tx.now_ts();
        tx.exec(
            "INSERT INTO booking_notes (id, booking_id, note, staff_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![nid, b.id, n, staff_id, now],
        )?;
        doc.notes
            .push(json!({"id": nid, "note": n, "staff_id": staff_id, "created_at": now}));
    }
    record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.amended")
            .by(staff_id)
            .on("booking", &b.id)
            .before(json!({
                "departure_id": b.departure_id, "seats": b.seats, "total_minor": b.total_minor,
                "deposit_minor": b.deposit_minor, "paid_minor": b.paid_minor,
                "travellers": b.travellers.iter().map(|t| &t.id).collect::<Vec<_>>(),
                "items": b.items.iter().map(|i| json!({"option_id": i.option_id, "qty": i.qty})).collect::<Vec<_>>(),
            }))
            .after(detail),
    )?;
    // Seats given up go to the waitlist, in order; a pool left behind is judged again.
    let left_pool = trips::departure(tx, &b.departure_id)?.pool_id;
    if left_pool != p.departure.pool_id {
        super::apply::rejudge_local(tx, &left_pool)?;
    }
    for pool in [left_pool, p.departure.pool_id.clone()] {
        super::waitlist::offer_freed(tx, staff_id, &pool)?;
    }
    Ok(Amended {
        booking: get(tx, &b.id)?,
        preview: p.preview,
    })
}

/// Derives a booking from its `amend` events, the same way on every device: the travellers
/// and options any amendment took off are marked off; seats and total are what remains; the
/// departure, deposit and due date are those of the last amendment in the events' order.
/// Nothing happens for a booking never amended. Answers whether two amendments were made
/// from the same state (offline on two devices).
pub(crate) fn settle(conn: &Connection, booking_id: &str) -> Result<bool> {
    let amends = conn
        .prepare_cached(
            "SELECT id, detail FROM booking_events WHERE booking_id = ?1 AND event = 'amend'
              ORDER BY seq, device_id, id",
        )
        .db()?
        .query_map([booking_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    if amends.is_empty() {
        return Ok(false);
    }
    let mut last: Option<Value> = None;
    let mut bases: Vec<Option<String>> = Vec::new();
    let mut twice = false;
    // A row two amendments took off is marked by the first of them in the events' order,
    // whichever arrived here first.
    let mut marked: Vec<String> = Vec::new();
    for (event_id, detail) in &amends {
        let d: Value = serde_json::from_str(detail)
            .map_err(|_| Error::invalid_input("an amendment's detail is not JSON"))?;
        for (table, list) in [
            ("booking_travellers", "removed_travellers"),
            ("booking_items", "removed_items"),
        ] {
            for row in d.get(list).and_then(Value::as_array).into_iter().flatten() {
                let Some(row_id) = row.as_str() else {
                    continue;
                };
                if marked.iter().any(|m| m == row_id) {
                    continue;
                }
                marked.push(row_id.to_string());
                conn.prepare_cached(&format!(
                    "UPDATE {table} SET removed_by = ?3
                      WHERE id = ?1 AND booking_id = ?2 AND removed_by IS NOT ?3"
                ))
                .db()?
                .execute(params![row_id, booking_id, event_id])
                .db()?;
            }
        }
        let base = d
            .get("based_on")
            .and_then(Value::as_str)
            .map(str::to_string);
        twice |= bases.contains(&base);
        bases.push(base);
        last = Some(d);
    }
    let after = last
        .as_ref()
        .and_then(|d| d.get("after"))
        .ok_or_else(|| Error::invalid_input("an amendment lacks 'after'"))?;
    let (seats, travellers_total): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(price_minor), 0) FROM booking_travellers
              WHERE booking_id = ?1 AND removed_by IS NULL",
        )
        .db()?
        .query_row([booking_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?;
    let items_total: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(total_minor), 0) FROM booking_items WHERE booking_id = ?1 AND removed_by IS NULL",
        )
        .db()?
        .query_row([booking_id], |r| r.get(0))
        .db()?;
    let departure = after.get("departure_id").and_then(Value::as_str);
    let deposit = after.get("deposit_minor").and_then(Value::as_i64);
    let due = after.get("balance_due_on").and_then(Value::as_str);
    conn.prepare_cached(
        "UPDATE bookings SET seats = ?2, total_minor = ?3, departure_id = coalesce(?4, departure_id),
             deposit_minor = coalesce(?5, deposit_minor), balance_due_on = coalesce(?6, balance_due_on)
          WHERE id = ?1 AND (seats <> ?2 OR total_minor <> ?3 OR departure_id <> coalesce(?4, departure_id)
             OR deposit_minor <> coalesce(?5, deposit_minor) OR balance_due_on <> coalesce(?6, balance_due_on))",
    )
    .db()?
    .execute(params![booking_id, seats, travellers_total + items_total, departure, deposit, due])
    .db()?;
    Ok(twice)
}

//! A booking's life on this device: quote, hold, payments (deposit, balance), cancellation
//! with the policy's fee, completion, expiry of holds; and reading bookings back.
//!
//! Every write records one `bookings` event change carrying the booking's head and the rows
//! the write added (travellers and items when made, events, payments, notes), with the ids it
//! gave them, so another device inserts exactly those rows and folds the same status.

use super::trips::{self, Departure, Trip};
use super::{fold, seats_taken};
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::selling::{open_business_date, shift, voucher};
use crate::{SqlResult, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::booking::{
    self as rules, BookingEvent, BookingStatus, CancelSettlement, OptionLine, Traveller,
    TravellerType,
};
use kassa_domain::money::check_amount;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// A booking to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    pub departure_id: String,
    pub customer_id: Option<String>,
    pub travellers: Vec<Traveller>,
    /// `(option id, quantity)`.
    pub options: Vec<(String, i64)>,
    pub note: Option<String>,
    pub staff_id: String,
    /// Hold the seats at once (else a quote, which holds none).
    pub hold: bool,
    /// The waitlist entry this booking serves, marked booked.
    pub waitlist_id: Option<String>,
}

/// A tender a booking is paid with. Cash is on this device's drawer, shift and Z report; a
/// voucher (a gift voucher or a customer's store credit) is taken off its ledger; a card was
/// captured by the card provider through the server before the payment is written, or, with
/// the server or the provider out of reach, is taken offline under the store's offline card
/// limits and forwarded at the next sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingTender {
    Cash,
    /// By the voucher's stored code (`selling::voucher::stored_code_key` of what was typed).
    Voucher(String),
    Card(CardCapture),
    OfflineCard(OfflineCard),
}

/// A card taken for a booking while the provider could not be asked: the payment is written
/// `offline_pending` with the terminal's token kept on this device, and the provider is asked
/// at the next sync under `provider_key` (the key a retry of the same payment sends, so the
/// card is charged once). Until the provider answers, the payment counts as paid; a decline
/// takes it back (the booking owes it again, and a manager gets the customer to pay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineCard {
    pub payment_id: String,
    /// The terminal's PaymentMethod id (`pm_...`), never a card number.
    pub token: String,
    pub provider_key: String,
}

/// A card the provider captured for a booking payment, under the payment's id (the id the
/// provider's metadata and the server know it by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCapture {
    pub payment_id: String,
    /// The provider's PaymentIntent (`pi_...`), which a refund pays back.
    pub intent_id: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
}

impl BookingTender {
    /// As stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            BookingTender::Cash => "cash",
            BookingTender::Voucher(_) => "voucher",
            BookingTender::Card(_) | BookingTender::OfflineCard(_) => "card",
        }
    }

    /// The payment id a card tender was taken under (asked again, the payment written answers).
    fn card_payment_id(&self) -> Option<&str> {
        match self {
            BookingTender::Card(c) => Some(&c.payment_id),
            BookingTender::OfflineCard(c) => Some(&c.payment_id),
            _ => None,
        }
    }

    /// The tender named `s`; a voucher needs its stored code `voucher_key`.
    pub fn parse(s: &str, voucher_key: Option<String>) -> Result<BookingTender> {
        match (s.trim().to_ascii_lowercase().as_str(), voucher_key) {
            ("cash", None) => Ok(BookingTender::Cash),
            ("cash", Some(_)) => Err(Error::invalid_input(
                "a voucher code was given for a cash payment",
            )),
            ("voucher", Some(key)) => Ok(BookingTender::Voucher(key)),
            ("voucher", None) => Err(Error::invalid_input(
                "a voucher payment needs the voucher's code",
            )),
            ("card", _) => Err(Error::invalid_input(
                "a card for a booking is taken through the card provider with the terminal's token",
            )),
            _ => Err(Error::invalid_input(format!(
                "'{s}' is not a tender bookings take (cash, voucher, card)"
            ))),
        }
    }
}

/// Where one payment row's money goes: taken in cash, off a voucher or by a captured card,
/// or given back in cash, onto the voucher it came from or to the card payment it came from.
pub(super) enum Money<'a> {
    Cash,
    FromVoucher(&'a str),
    ToVoucher(&'a str),
    FromCard(&'a CardCapture),
    FromOfflineCard(&'a OfflineCard),
    ToCard(&'a str),
}

/// Where money paid for a booking came from, and goes back to: cash, a voucher (by id), or
/// one card payment (by the payment's id: a refund pays back that card's PaymentIntent).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Cash,
    Voucher(String),
    Card(String),
}

impl Source {
    fn of(p: &BookingPayment) -> Source {
        match (p.kind.as_str(), &p.voucher_id, &p.refunds_payment_id) {
            ("voucher", Some(v), _) => Source::Voucher(v.clone()),
            ("card", _, Some(paid)) => Source::Card(paid.clone()),
            ("card", _, None) => Source::Card(p.id.clone()),
            _ => Source::Cash,
        }
    }

    /// How a refund goes back to this source.
    fn money(&self) -> Money<'_> {
        match self {
            Source::Cash => Money::Cash,
            Source::Voucher(v) => Money::ToVoucher(v),
            Source::Card(p) => Money::ToCard(p),
        }
    }
}

/// A booking as stored, with its rows and money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: String,
    pub reference: String,
    pub device_id: String,
    pub departure_id: String,
    pub customer_id: Option<String>,
    pub staff_id: String,
    pub seats: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub total_minor: i64,
    pub deposit_minor: i64,
    /// Payments less refunds.
    pub paid_minor: i64,
    /// What the customer owes: the total (the cancellation fee once cancelled; nothing for a
    /// quote or an expired hold) less what was paid; never negative.
    pub balance_minor: i64,
    pub balance_due_on: String,
    pub hold_expires_at: Option<String>,
    pub created_at: String,
    pub travellers: Vec<BookingTraveller>,
    pub items: Vec<BookingItem>,
    pub events: Vec<BookingEventRow>,
    pub payments: Vec<BookingPayment>,
    pub notes: Vec<BookingNote>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingTraveller {
    pub id: String,
    pub traveller_type: String,
    pub full_name: String,
    pub date_of_birth: Option<String>,
    pub document_number: Option<String>,
    pub price_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingItem {
    pub id: String,
    pub option_id: String,
    pub name: String,
    pub qty: i64,
    pub unit_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingEventRow {
    pub id: String,
    pub seq: i64,
    pub event: String,
    pub staff_id: String,
    pub device_id: String,
    pub detail: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingPayment {
    pub id: String,
    pub direction: String,
    pub kind: String,
    pub amount_minor: i64,
    pub device_id: String,
    pub shift_id: Option<String>,
    pub business_date: String,
    pub receipt_number: String,
    pub staff_id: String,
    pub created_at: String,
    /// The voucher a voucher payment was taken from or a refund went back onto.
    pub voucher_id: Option<String>,
    /// What the terminal reported of a card (never its number).
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// A card payment's PaymentIntent at the provider.
    pub provider_ref: Option<String>,
    /// A card refund: the card payment it pays back.
    pub refunds_payment_id: Option<String>,
    /// A card refund's standing with the provider: `pending` until the provider's answer
    /// (`refunded`, `failed`) is known here, `not_charged` when the card it pays back was
    /// declined; `None` for every other row.
    pub card_refund_status: Option<String>,
    /// A card payment's standing with the provider: `captured`, `offline_pending` (taken
    /// offline, not answered yet) or `declined`; `None` for every other row.
    pub card_status: Option<String>,
}

impl BookingPayment {
    /// Whether money moved: not a card payment the provider declined, nor a refund onto one.
    pub fn counts(&self) -> bool {
        self.card_status.as_deref() != Some("declined")
            && self.card_refund_status.as_deref() != Some("not_charged")
    }

    /// What the row adds to what was paid: a payment's amount, a refund's less; nothing when
    /// no money moved.
    pub fn signed_minor(&self) -> i64 {
        match (self.counts(), self.direction.as_str()) {
            (false, _) => 0,
            (true, "refund") => -self.amount_minor,
            (true, _) => self.amount_minor,
        }
    }
}

/// SQL: booking payment row `p` moved money, the one meaning of it every sum of what was paid
/// shares: it is not a card payment the provider declined, nor a refund onto one
/// ([`BookingPayment::counts`]).
pub const PAYMENT_COUNTS: &str = "NOT EXISTS (SELECT 1 FROM payment_outcomes dpo WHERE dpo.status = 'declined'
      AND dpo.payment_id = CASE WHEN p.direction = 'refund' THEN p.refunds_payment_id ELSE p.id END)";

impl Booking {
    /// The payment whose card `p` names: a card refund's, the card payment it pays back;
    /// any other row, itself.
    pub fn card_of<'a>(&'a self, p: &'a BookingPayment) -> &'a BookingPayment {
        p.refunds_payment_id
            .as_ref()
            .and_then(|paid| self.payments.iter().find(|q| &q.id == paid))
            .unwrap_or(p)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingNote {
    pub id: String,
    pub note: String,
    pub staff_id: String,
    pub created_at: String,
}

/// The rows one write adds to a booking's document.
#[derive(Default)]
pub(super) struct Doc {
    pub(super) travellers: Vec<Value>,
    pub(super) items: Vec<Value>,
    pub(super) events: Vec<Value>,
    pub(super) payments: Vec<Value>,
    pub(super) notes: Vec<Value>,
}

/// The booking's fields written once, as its document carries them.
pub(crate) const HEAD_COLUMNS: &[&str] = &[
    "store_id",
    "device_id",
    "reference",
    "customer_id",
    "staff_id",
    "currency",
    "created_at",
    "cancellation_policy",
];

/// The booking's fields an amendment changes: its document carries them as they stood after
/// the write, and every device derives them from the `amend` events (`amend::settle`).
pub(crate) const AMENDED_COLUMNS: &[&str] = &[
    "departure_id",
    "seats",
    "total_minor",
    "deposit_minor",
    "balance_due_on",
];

fn head_json(conn: &Connection, id: &str) -> Result<Value> {
    conn.prepare_cached(
        "SELECT store_id, device_id, reference, departure_id, customer_id, staff_id, seats, currency,
                total_minor, deposit_minor, balance_due_on, created_at, cancellation_policy
           FROM bookings WHERE id = ?1",
    )
    .db()?
    .query_row([id], |r| {
        Ok(json!({
            "store_id": r.get::<_, String>(0)?, "device_id": r.get::<_, String>(1)?,
            "reference": r.get::<_, String>(2)?, "departure_id": r.get::<_, String>(3)?,
            "customer_id": r.get::<_, Option<String>>(4)?, "staff_id": r.get::<_, String>(5)?,
            "seats": r.get::<_, i64>(6)?, "currency": r.get::<_, String>(7)?,
            "total_minor": r.get::<_, i64>(8)?, "deposit_minor": r.get::<_, i64>(9)?,
            "balance_due_on": r.get::<_, String>(10)?, "created_at": r.get::<_, String>(11)?,
            "cancellation_policy": r.get::<_, Option<String>>(12)?,
        }))
    })
    .db()
}

/// Records the write's document change and sets the folded status; returns the status.
pub(super) fn record(tx: &mut WriteTx<'_>, id: &str, doc: Doc) -> Result<BookingStatus> {
    super::amend::settle(tx, id)?;
    let folded = fold(tx, id)?;
    tx.exec(
        "UPDATE bookings SET status = ?2, hold_expires_at = ?3 WHERE id = ?1 AND (status <> ?2 OR hold_expires_at IS NOT ?3)",
        params![id, folded.status.as_str(), folded.hold_expires_at],
    )?;
    let payload = json!({
        "booking": head_json(tx, id)?,
        "travellers": doc.travellers,
        "items": doc.items,
        "events": doc.events,
        "payments": doc.payments,
        "notes": doc.notes,
    });
    tx.record_change("bookings", id, ChangeOp::Event, &payload)?;
    let pool: Option<String> = tx.row(
        "SELECT d.pool_id FROM bookings b JOIN departures d ON d.id = b.departure_id WHERE b.id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if let Some(pool) = pool {
        super::apply::rejudge_local(tx, &pool)?;
    }
    Ok(folded.status)
}

/// Appends a history event (`seq` after every event held for the booking).
pub(super) fn add_event(
    tx: &mut WriteTx<'_>,
    doc: &mut Doc,
    booking_id: &str,
    event: &str,
    staff_id: &str,
    detail: Value,
) -> Result<()> {
    let seq: i64 = tx
        .row(
            "SELECT coalesce(max(seq), 0) + 1 FROM booking_events WHERE booking_id = ?1",
            [booking_id],
            |r| r.get(0),
        )?
        .unwrap_or(1);
    let id = new_id();
    let device_id = tx.device_id()?.to_string();
    let now = tx.now_ts();
    let detail = detail.to_string();
    tx.exec(
        "INSERT INTO booking_events (id, booking_id, seq, event, staff_id, device_id, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, booking_id, seq, event, staff_id, device_id, detail, now],
    )?;
    doc.events.push(json!({
        "id": id, "seq": seq, "event": event, "staff_id": staff_id, "device_id": device_id,
        "detail": detail, "created_at": now,
    }));
    Ok(())
}

/// The next number of this device's booking `series` (`booking` or `payment`).
fn next_number(tx: &mut WriteTx<'_>, series: &str) -> Result<u64> {
    let device_id = tx.device_id()?.to_string();
    let n: i64 = tx
        .row(
            "INSERT INTO booking_series (device_id, series, last) VALUES (?1, ?2, 1)
             ON CONFLICT(device_id, series) DO UPDATE SET last = last + 1 RETURNING last",
            params![device_id, series],
            |r| r.get(0),
        )?
        .ok_or_else(|| Error::internal("the booking series gave no number"))?;
    u64::try_from(n).map_err(|_| Error::internal("booking series overflow"))
}

/// A booking reference or payment receipt of this device: `<store>-<device>-B000042` or
/// `-P000042`.
fn number(tx: &mut WriteTx<'_>, series: &str) -> Result<String> {
    let n = next_number(tx, series)?;
    let (store, device) = crate::selling::series::codes(tx)?;
    let letter = if series == "booking" { 'B' } else { 'P' };
    Ok(format!("{store}-{device}-{letter}{n:06}"))
}

pub(super) fn insufficient(dep: &Departure, left: i64, wanted: i64) -> Error {
    Error::new(
        ErrorCode::InsufficientSeats,
        format!(
            "only {left} of {} seats are left on the departure of {} at {}; {wanted} wanted",
            dep.capacity, dep.trip_name, dep.departs_at
        ),
    )
}

/// Refuses with `insufficient_seats` when the booking's seats or options do not fit the
/// departure now (its own seats not counted when it already holds them). Holds of this
/// device past their time are expired first, in this transaction, so their seats come back.
fn check_fits(
    tx: &mut WriteTx<'_>,
    dep: &Departure,
    seats: i64,
    items: &[(String, i64, Option<i64>)],
    staff_id: &str,
) -> Result<()> {
    expire_due_in_pool(tx, &dep.pool_id, staff_id)?;
    let now = tx.now_ts();
    let taken = seats_taken(tx, &dep.pool_id, Some(now.as_str()))?;
    let left = (dep.capacity - taken).max(0);
    if seats > left {
        return Err(insufficient(dep, left, seats));
    }
    super::allotments::check(tx, dep, seats)?;
    for (option_id, qty, capacity) in items {
        if let Some(cap) = capacity {
            option_fits(tx, &dep.id, option_id, *qty, *cap, 0)?;
        }
    }
    Ok(())
}

/// Refuses with `insufficient_seats` when `qty` more of an option of capacity `cap` do not fit
/// the departure now, `own` units already held by the booking asking not counted.
pub(super) fn option_fits(
    tx: &WriteTx<'_>,
    departure_id: &str,
    option_id: &str,
    qty: i64,
    cap: i64,
    own: i64,
) -> Result<()> {
    let now = tx.now_ts();
    let taken = super::option_taken(tx, option_id, departure_id, Some(now.as_str()))? - own;
    if taken + qty > cap {
        return Err(Error::new(
            ErrorCode::InsufficientSeats,
            format!(
                "only {} of option {option_id} are left on this departure; {qty} wanted",
                (cap - taken).max(0)
            ),
        ));
    }
    Ok(())
}

fn hold_detail(trip: &Trip, now: DateTime<Utc>) -> Value {
    json!({"expires_at": ts(now + Duration::minutes(i64::from(trip.hold_minutes)))})
}

/// Makes a booking: a quote, or held at once (`req.hold`). Travellers are checked (never a
/// card number), priced by type, options by quantity; the deposit and the balance's due date
/// follow the trip. A hold beyond the seats left is refused with `insufficient_seats`.
pub fn create(tx: &mut WriteTx<'_>, store_id: &str, req: &BookingRequest) -> Result<Booking> {
    let dep = trips::departure(tx, &req.departure_id)?;
    let trip = trips::trip(tx, &dep.trip_id)?;
    if let Some(c) = &req.customer_id {
        crate::customers::privacy::refuse_erased(&crate::customers::get(tx, store_id, c)?)?;
    }
    if req.travellers.len() > 100 {
        return Err(Error::invalid_input("a booking has at most 100 travellers"));
    }
    let zone = crate::foundation::business_day::zone_of(&dep.time_zone)?;
    let departs = jiff_ts(dep.departs()?)?;
    let now = tx.now();
    let today = jiff_ts(now)?.to_zoned(zone.clone()).date();
    if departs <= jiff_ts(now)? {
        return Err(Error::invalid_input("this departure has already left"));
    }
    let travellers = req
        .travellers
        .iter()
        .map(|t| rules::check_traveller(t, trip.documents_required, today))
        .collect::<Result<Vec<_>>>()?;
    let mut items = Vec::new();
    let mut lines = Vec::new();
    for (option_id, qty) in &req.options {
        let opt = trip
            .options
            .iter()
            .find(|o| &o.id == option_id)
            .ok_or_else(|| Error::not_found(format!("the trip has no option '{option_id}'")))?;
        lines.push(OptionLine {
            unit_minor: opt.price_minor,
            qty: *qty,
        });
        items.push((opt.clone(), *qty));
    }
    let types: Vec<TravellerType> = travellers.iter().map(|t| t.traveller_type).collect();
    let price = rules::price(&trip.prices, &types, &lines)?;
    let deposit = rules::deposit(trip.deposit, price.total_minor);
    let due = rules::balance_due_on(departs, &zone, trip.balance_due_days, today);
    let seats = i64::try_from(travellers.len()).map_err(|_| Error::internal("seats"))?;
    if req.hold {
        let fit: Vec<(String, i64, Option<i64>)> = items
            .iter()
            .map(|(o, q)| (o.id.clone(), *q, o.capacity))
            .collect();
        check_fits(tx, &dep, seats, &fit, &req.staff_id)?;
    }
    let note = req
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(check_note)
        .transpose()?;
    let id = new_id();
    let reference = number(tx, "booking")?;
    let device_id = tx.device_id()?.to_string();
    let currency: String = tx
        .row(
            "SELECT currency FROM stores WHERE id = ?1",
            [store_id],
            |r| r.get(0),
        )?
        .ok_or_else(|| Error::not_found("no store"))?;
    let created_at = tx.now_ts();
    tx.exec(
        "INSERT INTO bookings (id, store_id, device_id, reference, departure_id, customer_id, staff_id, seats, currency,
            total_minor, deposit_minor, balance_due_on, status, hold_expires_at, created_at, cancellation_policy)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'quote', NULL, ?13, ?14)",
        params![id, store_id, device_id, reference, dep.id, req.customer_id, req.staff_id, seats, currency,
                price.total_minor, deposit, due.to_string(), created_at, trip.cancellation_policy.to_text()],
    )?;
    let mut doc = Doc::default();
    for (i, t) in travellers.iter().enumerate() {
        let tid = new_id();
        let unit = trip.prices.of(t.traveller_type)?;
        tx.exec(
            "INSERT INTO booking_travellers (id, booking_id, position, traveller_type, full_name, date_of_birth, document_number, price_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![tid, id, i as i64 + 1, t.traveller_type.as_str(), t.full_name, t.date_of_birth, t.document_number, unit],
        )?;
        doc.travellers.push(json!({
            "id": tid, "position": i as i64 + 1, "traveller_type": t.traveller_type.as_str(),
            "full_name": t.full_name, "date_of_birth": t.date_of_birth,
            "document_number": t.document_number, "price_minor": unit,
        }));
    }
    for (opt, qty) in &items {
        let iid = new_id();
        let total = opt.price_minor * qty;
        tx.exec(
            "INSERT INTO booking_items (id, booking_id, option_id, name, qty, unit_minor, total_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![iid, id, opt.id, opt.name, qty, opt.price_minor, total],
        )?;
        doc.items.push(json!({
            "id": iid, "option_id": opt.id, "name": opt.name, "qty": qty,
            "unit_minor": opt.price_minor, "total_minor": total,
        }));
    }
    if let Some(n) = &note {
        add_note_row(tx, &mut doc, &id, n, &req.staff_id)?;
    }
    add_event(
        tx,
        &mut doc,
        &id,
        "create",
        &req.staff_id,
        json!({"total_minor": price.total_minor, "deposit_minor": deposit}),
    )?;
    if req.hold {
        add_event(
            tx,
            &mut doc,
            &id,
            BookingEvent::Hold.as_str(),
            &req.staff_id,
            hold_detail(&trip, now),
        )?;
    }
    record(tx, &id, doc)?;
    if let Some(w) = &req.waitlist_id {
        super::waitlist::mark_booked(tx, &req.staff_id, w, &dep.id)?;
    }
    tx.audit(
        AuditInput::new(if req.hold {
            "booking.held"
        } else {
            "booking.quoted"
        })
        .by(&req.staff_id)
        .on("booking", &id)
        .after(json!({
            "reference": reference, "departure_id": dep.id, "seats": seats,
            "total_minor": price.total_minor, "deposit_minor": deposit, "balance_due_on": due.to_string(),
        })),
    )?;
    get(tx, &id)
}

pub(super) fn check_note(n: &str) -> Result<String> {
    if n.chars().count() > 2000 {
        return Err(Error::invalid_input("a note has at most 2000 characters"));
    }
    if kassa_domain::pan::looks_like_pan(n) {
        return Err(Error::invalid_input(
            "the note looks like it holds a card number; card numbers are never stored",
        ));
    }
    Ok(n.to_string())
}

fn add_note_row(
    tx: &mut WriteTx<'_>,
    doc: &mut Doc,
    booking_id: &str,
    note: &str,
    staff_id: &str,
) -> Result<()> {
    let nid = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO booking_notes (id, booking_id, note, staff_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![nid, booking_id, note, staff_id, now],
    )?;
    doc.notes
        .push(json!({"id": nid, "note": note, "staff_id": staff_id, "created_at": now}));
    Ok(())
}

/// Adds a note to a booking.
pub fn add_note(tx: &mut WriteTx<'_>, staff_id: &str, id: &str, note: &str) -> Result<Booking> {
    let b = get(tx, id)?;
    if crate::customers::privacy::is_erased(tx, b.customer_id.as_deref())? {
        return Err(Error::invalid_input(
            "this booking's customer had their data erased on request; notes about them are not kept",
        ));
    }
    let note = check_note(note.trim())?;
    if note.is_empty() {
        return Err(Error::invalid_input("the note is empty"));
    }
    let mut doc = Doc::default();
    add_note_row(tx, &mut doc, &b.id, &note, staff_id)?;
    record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.note_added")
            .by(staff_id)
            .on("booking", &b.id),
    )?;
    get(tx, &b.id)
}

/// Holds a quote's seats until the trip's hold time is up; `insufficient_seats` when they no
/// longer fit.
pub fn hold(tx: &mut WriteTx<'_>, staff_id: &str, id: &str) -> Result<Booking> {
    let b = get(tx, id)?;
    rules::transition(b.status, BookingEvent::Hold)?;
    let dep = trips::departure(tx, &b.departure_id)?;
    let trip = trips::trip(tx, &dep.trip_id)?;
    let fit: Vec<(String, i64, Option<i64>)> = b
        .items
        .iter()
        .map(|i| {
            let cap = trip
                .options
                .iter()
                .find(|o| o.id == i.option_id)
                .and_then(|o| o.capacity);
            (i.option_id.clone(), i.qty, cap)
        })
        .collect();
    check_fits(tx, &dep, b.seats, &fit, staff_id)?;
    let mut doc = Doc::default();
    let detail = hold_detail(&trip, tx.now());
    add_event(tx, &mut doc, &b.id, "hold", staff_id, detail.clone())?;
    record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.held")
            .by(staff_id)
            .on("booking", &b.id)
            .before(json!({"status": b.status.as_str()}))
            .after(detail),
    )?;
    get(tx, &b.id)
}

/// What a payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub booking: Booking,
    pub payment_id: String,
    pub receipt_number: String,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn add_payment(
    tx: &mut WriteTx<'_>,
    doc: &mut Doc,
    b: &Booking,
    store_id: &str,
    staff_id: &str,
    direction: &str,
    money: Money<'_>,
    amount_minor: i64,
) -> Result<(String, String)> {
    let device_id = tx.device_id()?.to_string();
    let pid = match &money {
        Money::FromCard(c) => c.payment_id.clone(),
        Money::FromOfflineCard(c) => c.payment_id.clone(),
        _ => new_id(),
    };
    let mut card: (Option<&str>, Option<&str>, Option<&str>, Option<&str>) =
        (None, None, None, None);
    let mut offline: Option<&OfflineCard> = None;
    let (kind, shift_id, voucher_id) = match money {
        Money::Cash => (
            "cash",
            Some(shift::ensure_open(tx, store_id, staff_id)?),
            None,
        ),
        Money::FromVoucher(key) => (
            "voucher",
            None,
            Some(voucher::redeem(tx, key, amount_minor, &pid, staff_id)?),
        ),
        Money::ToVoucher(voucher_id) => {
            voucher::credit(tx, voucher_id, amount_minor, &pid, staff_id)?;
            ("voucher", None, Some(voucher_id.to_string()))
        }
        Money::FromCard(c) => {
            card = (
                c.brand.as_deref(),
                c.last4.as_deref(),
                Some(&c.intent_id),
                None,
            );
            ("card", None, None)
        }
        Money::FromOfflineCard(c) => {
            let currency = kassa_domain::money::Currency::from_code(&b.currency)?;
            crate::selling::checkout::check_offline_card_limits(
                tx,
                store_id,
                &currency,
                amount_minor,
            )?;
            offline = Some(c);
            ("card", None, None)
        }
        Money::ToCard(paid) => {
            card.3 = Some(paid);
            ("card", None, None)
        }
    };
    let status = offline.map(|_| "offline_pending");
    let (card_brand, card_last4, provider_ref, refunds_payment_id) = card;
    let business_date = open_business_date(tx, &device_id, tx.now())?;
    let receipt = number(tx, "payment")?;
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO booking_payments (id, booking_id, direction, kind, amount_minor, device_id, shift_id, business_date,
            receipt_number, staff_id, created_at, voucher_id, card_brand, card_last4, provider_ref, refunds_payment_id, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![pid, b.id, direction, kind, amount_minor, device_id, shift_id, business_date, receipt, staff_id, now, voucher_id,
            card_brand, card_last4, provider_ref, refunds_payment_id, status],
    )?;
    if let Some(c) = offline {
        crate::selling::cards::keep_token(tx, &pid, &b.id, &c.token, &c.provider_key, &now)?;
    }
    if direction == "payment" {
        crate::commissions::earn_on_booking_payment(tx, &pid)?;
    } else {
        crate::commissions::reverse_on_booking_refund(tx, &pid)?;
    }
    let mut row = json!({
        "id": pid, "direction": direction, "kind": kind, "amount_minor": amount_minor,
        "device_id": device_id, "shift_id": shift_id, "business_date": business_date,
        "receipt_number": receipt, "staff_id": staff_id, "created_at": now,
    });
    // Only a voucher's row names one, so a cash row reads the same on a device that does
    // not know the column yet.
    if let Some(v) = &voucher_id {
        row["voucher_id"] = json!(v);
    }
    for (name, value) in [
        ("card_brand", card_brand),
        ("card_last4", card_last4),
        ("provider_ref", provider_ref),
        ("refunds_payment_id", refunds_payment_id),
        ("status", status),
    ] {
        if let Some(v) = value {
            row[name] = json!(v);
        }
    }
    doc.payments.push(row);
    add_event(
        tx,
        doc,
        &b.id,
        direction,
        staff_id,
        json!({"amount_minor": amount_minor, "kind": kind, "receipt_number": receipt}),
    )?;
    Ok((pid, receipt))
}

/// The booking `id` if it takes a payment of `amount_minor` at `now` (what [`pay`] checks
/// before writing): a held, confirmed or paid booking, or a cancelled one whose fee is still
/// owed, and no more than its balance. A card is taken to the provider only after this.
pub fn payable(
    conn: &Connection,
    id: &str,
    amount_minor: i64,
    now: DateTime<Utc>,
) -> Result<Booking> {
    check_amount("the payment", amount_minor)?;
    if amount_minor == 0 {
        return Err(Error::invalid_input("the payment must be more than zero"));
    }
    let b = get(conn, id)?;
    if super::hold_expired(&b, now) {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "the hold of booking {} lapsed at {}: its seats went back to the departure; make a new booking",
                b.reference,
                b.hold_expires_at.as_deref().unwrap_or("its expiry")
            ),
        ));
    }
    let owed_fee = b.status == BookingStatus::Cancelled && b.balance_minor > 0;
    if !b.status.takes_payment() && !owed_fee {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "a {} booking takes no payment{}",
                b.status.as_str(),
                if b.status == BookingStatus::Quote {
                    "; hold its seats first"
                } else {
                    ""
                }
            ),
        ));
    }
    if amount_minor > b.balance_minor {
        return Err(Error::invalid_input(format!(
            "the payment of {amount_minor} is more than the balance of {}",
            b.balance_minor
        )));
    }
    Ok(b)
}

/// Takes a payment for a booking (deposit, balance, or a cancellation fee still owed). A
/// payment reaching the deposit confirms a held booking; one reaching the total pays it in
/// full; less than the deposit leaves it held. More than the balance is refused.
pub fn pay(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    id: &str,
    tender: BookingTender,
    amount_minor: i64,
) -> Result<PaymentOutcome> {
    // A card is written once: asked again (a retry after a lost answer), the payment
    // already written answers.
    if let Some(payment_id) = tender.card_payment_id() {
        let held = get(tx, id)?;
        if let Some(receipt_number) = tx.row(
            "SELECT receipt_number FROM booking_payments WHERE id = ?1 AND booking_id = ?2",
            params![payment_id, held.id],
            |r| r.get::<_, String>(0),
        )? {
            return Ok(PaymentOutcome {
                booking: held,
                payment_id: payment_id.to_owned(),
                receipt_number,
            });
        }
    }
    let b = payable(tx, id, amount_minor, tx.now())?;
    let mut doc = Doc::default();
    let money = match &tender {
        BookingTender::Cash => Money::Cash,
        BookingTender::Voucher(key) => Money::FromVoucher(key),
        BookingTender::Card(c) => Money::FromCard(c),
        BookingTender::OfflineCard(c) => Money::FromOfflineCard(c),
    };
    let (pid, receipt) = add_payment(
        tx,
        &mut doc,
        &b,
        store_id,
        staff_id,
        "payment",
        money,
        amount_minor,
    )?;
    let paid = b.paid_minor + amount_minor;
    if let Some(ev) = rules::after_payment(b.status, b.total_minor, b.deposit_minor, paid) {
        let detail = json!({"paid_minor": paid});
        add_event(tx, &mut doc, &b.id, ev.as_str(), staff_id, detail)?;
    }
    let status = record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.paid")
            .by(staff_id)
            .on("booking", &b.id)
            .before(json!({"status": b.status.as_str(), "paid_minor": b.paid_minor}))
            .after(json!({
                "status": status.as_str(), "paid_minor": paid, "amount_minor": amount_minor,
                "kind": tender.as_str(), "receipt_number": receipt,
                "offline": matches!(tender, BookingTender::OfflineCard(_)),
            })),
    )?;
    Ok(PaymentOutcome {
        booking: get(tx, &b.id)?,
        payment_id: pid,
        receipt_number: receipt,
    })
}

/// How `refund` goes back to the tenders of `b`'s payments: the latest payment first, each
/// source (cash, a voucher, or one card payment) up to what it brought in less what went back
/// to it already. Anything left over (never, while a refund is at most what was paid) is cash.
fn refund_parts(b: &Booking, refund: i64) -> Vec<(Source, i64)> {
    let mut net: Vec<(Source, i64)> = Vec::new();
    // A card the provider declined brought nothing in: nothing goes back to it.
    for p in b.payments.iter().filter(|p| p.counts()) {
        let source = Source::of(p);
        let signed = p.signed_minor();
        match net.iter_mut().find(|(s, _)| *s == source) {
            Some((_, n)) => *n += signed,
            None => net.push((source, signed)),
        }
    }
    // Latest payment first: the order of each source's last payment, newest first.
    let mut order: Vec<Source> = Vec::new();
    for p in b
        .payments
        .iter()
        .rev()
        .filter(|p| p.direction == "payment" && p.counts())
    {
        let source = Source::of(p);
        if !order.contains(&source) {
            order.push(source);
        }
    }
    let mut left = refund;
    let mut parts: Vec<(Source, i64)> = Vec::new();
    for source in order {
        if left == 0 {
            break;
        }
        let available = net
            .iter()
            .find(|(s, _)| *s == source)
            .map_or(0, |(_, n)| *n)
            .max(0);
        let take = available.min(left);
        if take > 0 {
            parts.push((source, take));
            left -= take;
        }
    }
    if left > 0 {
        match parts.iter_mut().find(|(s, _)| *s == Source::Cash) {
            Some((_, n)) => *n += left,
            None => parts.push((Source::Cash, left)),
        }
    }
    parts
}

/// Writes `refund` of booking `b` going back to the tenders it was paid with
/// ([`refund_parts`], the latest payment first): onto the voucher it came from, to the card it
/// came from (sent to the card provider), or in cash from this device's drawer.
pub(super) fn refund_to_tenders(
    tx: &mut WriteTx<'_>,
    doc: &mut Doc,
    b: &Booking,
    store_id: &str,
    staff_id: &str,
    refund: i64,
) -> Result<()> {
    for (source, amount) in refund_parts(b, refund) {
        add_payment(
            tx,
            doc,
            b,
            store_id,
            staff_id,
            "refund",
            source.money(),
            amount,
        )?;
    }
    Ok(())
}

/// The cancellation fees a booking was made under: those kept with it, or (a booking made
/// before terms were kept) its trip's.
pub fn terms(conn: &Connection, booking_id: &str) -> Result<kassa_domain::booking::FeeTable> {
    let text: String = conn
        .prepare_cached(
            "SELECT coalesce(b.cancellation_policy, t.cancellation_policy)
               FROM bookings b JOIN departures d ON d.id = b.departure_id JOIN trips t ON t.id = d.trip_id
              WHERE b.id = ?1",
        )
        .db()?
        .query_row([booking_id], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no booking '{booking_id}'")))?;
    kassa_domain::booking::FeeTable::parse(&text)
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub booking: Booking,
    pub days_before: i64,
    pub settlement: CancelSettlement,
}

/// What cancelling now would settle, without doing it (the fee shown before confirming).
pub fn cancellation_quote(conn: &Connection, id: &str, now: DateTime<Utc>) -> Result<Cancellation> {
    let b = get(conn, id)?;
    rules::transition(b.status, BookingEvent::Cancel)?;
    let dep = trips::departure(conn, &b.departure_id)?;
    let policy = terms(conn, &b.id)?;
    let zone = crate::foundation::business_day::zone_of(&dep.time_zone)?;
    let days = rules::days_before_departure(jiff_ts(dep.departs()?)?, jiff_ts(now)?, &zone);
    // Nothing is agreed before the deposit is paid: a quote or a hold is cancelled free, and
    // whatever was paid towards the deposit comes back.
    let settlement = if matches!(b.status, BookingStatus::Quote | BookingStatus::Held) {
        rules::settle_cancellation(
            &kassa_domain::booking::FeeTable::free(),
            days,
            0,
            b.paid_minor,
        )
    } else {
        rules::settle_cancellation(&policy, days, b.total_minor, b.paid_minor)
    };
    Ok(Cancellation {
        booking: b,
        days_before: days,
        settlement,
    })
}

/// Cancels a booking: the policy's fee by calendar days before departure (in the
/// departure's time zone) is kept, the rest refunded to the original tenders (cash from this
/// device's drawer); a fee larger than what was paid leaves a balance owed. The seats go back
/// and the waitlist is offered them in order.
pub fn cancel(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    id: &str,
    reason: Option<&str>,
) -> Result<Cancellation> {
    let q = cancellation_quote(tx, id, tx.now())?;
    let b = q.booking;
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(check_note)
        .transpose()?;
    let mut doc = Doc::default();
    refund_to_tenders(
        tx,
        &mut doc,
        &b,
        store_id,
        staff_id,
        q.settlement.refund_minor,
    )?;
    if let Some(r) = &reason {
        add_note_row(tx, &mut doc, &b.id, r, staff_id)?;
    }
    let detail = json!({
        "days_before": q.days_before, "fee_minor": q.settlement.fee_minor,
        "refund_minor": q.settlement.refund_minor, "owed_minor": q.settlement.owed_minor,
    });
    add_event(tx, &mut doc, &b.id, "cancel", staff_id, detail.clone())?;
    record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.cancelled")
            .by(staff_id)
            .on("booking", &b.id)
            .before(json!({"status": b.status.as_str(), "paid_minor": b.paid_minor}))
            .after(detail),
    )?;
    let dep = trips::departure(tx, &b.departure_id)?;
    super::waitlist::offer_freed(tx, staff_id, &dep.pool_id)?;
    Ok(Cancellation {
        booking: get(tx, &b.id)?,
        days_before: q.days_before,
        settlement: q.settlement,
    })
}

/// Marks a paid booking completed (the trip took place).
pub fn complete(tx: &mut WriteTx<'_>, staff_id: &str, id: &str) -> Result<Booking> {
    let b = get(tx, id)?;
    rules::transition(b.status, BookingEvent::Complete)?;
    let mut doc = Doc::default();
    add_event(tx, &mut doc, &b.id, "complete", staff_id, json!({}))?;
    record(tx, &b.id, doc)?;
    tx.audit(
        AuditInput::new("booking.completed")
            .by(staff_id)
            .on("booking", &b.id),
    )?;
    get(tx, &b.id)
}

fn expire_ids(tx: &mut WriteTx<'_>, staff_id: &str, ids: Vec<String>) -> Result<Vec<String>> {
    let mut pools = Vec::new();
    for id in &ids {
        let mut doc = Doc::default();
        add_event(tx, &mut doc, id, "expire", staff_id, json!({}))?;
        record(tx, id, doc)?;
        tx.audit(
            AuditInput::new("booking.expired")
                .by(staff_id)
                .on("booking", id),
        )?;
        let pool: Option<String> = tx.row(
            "SELECT d.pool_id FROM bookings b JOIN departures d ON d.id = b.departure_id WHERE b.id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if let Some(p) = pool
            && !pools.contains(&p)
        {
            pools.push(p);
        }
    }
    for p in pools {
        super::waitlist::offer_freed(tx, staff_id, &p)?;
    }
    Ok(ids)
}

/// Expires this device's holds past their time (another device's holds are its own to
/// expire; their seats already do not count here once past time). Returns their ids.
pub fn expire_due(tx: &mut WriteTx<'_>, staff_id: &str) -> Result<Vec<String>> {
    let device_id = tx.device_id()?.to_string();
    let now = tx.now_ts();
    let ids = tx
        .prepare_cached(
            "SELECT id FROM bookings WHERE device_id = ?1 AND status = 'held' AND hold_expires_at <= ?2 ORDER BY id",
        )
        .db()?
        .query_map(params![device_id, now], |r| r.get::<_, String>(0))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    expire_ids(tx, staff_id, ids)
}

pub(super) fn expire_due_in_pool(
    tx: &mut WriteTx<'_>,
    pool_id: &str,
    staff_id: &str,
) -> Result<()> {
    let device_id = tx.device_id()?.to_string();
    let now = tx.now_ts();
    let ids = tx
        .prepare_cached(
            "SELECT b.id FROM bookings b JOIN departures d ON d.id = b.departure_id
              WHERE d.pool_id = ?1 AND b.device_id = ?2 AND b.status = 'held' AND b.hold_expires_at <= ?3
              ORDER BY b.id",
        )
        .db()?
        .query_map(params![pool_id, device_id, now], |r| r.get::<_, String>(0))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    expire_ids(tx, staff_id, ids).map(|_| ())
}

pub(crate) fn jiff_ts(t: DateTime<Utc>) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(t.timestamp_millis())
        .map_err(|_| Error::invalid_input("the time is out of range"))
}

/// A booking by id or reference, with its travellers, items, history, payments and notes.
pub fn get(conn: &Connection, id_or_reference: &str) -> Result<Booking> {
    let id = super::resolve(conn, id_or_reference)?;
    let mut b = conn
        .prepare_cached(
            "SELECT id, reference, device_id, departure_id, customer_id, staff_id, seats, currency, status,
                    total_minor, deposit_minor, balance_due_on, hold_expires_at, created_at
               FROM bookings WHERE id = ?1",
        )
        .db()?
        .query_row([&id], |r| {
            let status: String = r.get(8)?;
            Ok((
                Booking {
                    id: r.get(0)?,
                    reference: r.get(1)?,
                    device_id: r.get(2)?,
                    departure_id: r.get(3)?,
                    customer_id: r.get(4)?,
                    staff_id: r.get(5)?,
                    seats: r.get(6)?,
                    currency: r.get(7)?,
                    status: BookingStatus::Quote,
                    total_minor: r.get(9)?,
                    deposit_minor: r.get(10)?,
                    paid_minor: 0,
                    balance_minor: 0,
                    balance_due_on: r.get(11)?,
                    hold_expires_at: r.get(12)?,
                    created_at: r.get(13)?,
                    travellers: Vec::new(),
                    items: Vec::new(),
                    events: Vec::new(),
                    payments: Vec::new(),
                    notes: Vec::new(),
                },
                status,
            ))
        })
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no booking '{id_or_reference}'")))
        .and_then(|(mut b, s)| {
            b.status = BookingStatus::parse(&s)?;
            Ok(b)
        })?;
    b.travellers = conn
        .prepare_cached(
            "SELECT id, traveller_type, full_name, date_of_birth, document_number, price_minor
               FROM booking_travellers WHERE booking_id = ?1 AND removed_by IS NULL ORDER BY position, id",
        )
        .db()?
        .query_map([&id], |r| {
            Ok(BookingTraveller {
                id: r.get(0)?,
                traveller_type: r.get(1)?,
                full_name: r.get(2)?,
                date_of_birth: r.get(3)?,
                document_number: r.get(4)?,
                price_minor: r.get(5)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    b.items = conn
        .prepare_cached(
            "SELECT id, option_id, name, qty, unit_minor, total_minor FROM booking_items
              WHERE booking_id = ?1 AND removed_by IS NULL ORDER BY id",
        )
        .db()?
        .query_map([&id], |r| {
            Ok(BookingItem {
                id: r.get(0)?,
                option_id: r.get(1)?,
                name: r.get(2)?,
                qty: r.get(3)?,
                unit_minor: r.get(4)?,
                total_minor: r.get(5)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    b.events = conn
        .prepare_cached(
            "SELECT id, seq, event, staff_id, device_id, detail, created_at FROM booking_events
              WHERE booking_id = ?1 ORDER BY seq, device_id, id",
        )
        .db()?
        .query_map([&id], |r| {
            Ok(BookingEventRow {
                id: r.get(0)?,
                seq: r.get(1)?,
                event: r.get(2)?,
                staff_id: r.get(3)?,
                device_id: r.get(4)?,
                detail: r.get(5)?,
                created_at: r.get(6)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    b.payments = conn
        .prepare_cached(
            "SELECT p.id, p.direction, p.kind, p.amount_minor, p.device_id, p.shift_id, p.business_date, p.receipt_number,
                    p.staff_id, p.created_at, p.voucher_id, coalesce(p.card_brand, po.card_brand),
                    coalesce(p.card_last4, po.card_last4), coalesce(p.provider_ref, po.intent_id), p.refunds_payment_id,
                    CASE WHEN p.kind = 'card' AND p.direction = 'refund' THEN
                         coalesce((SELECT ro.status FROM refund_outcomes ro WHERE ro.refund_payment_id = p.id),
                                  CASE WHEN (SELECT paid.status FROM payment_outcomes paid
                                              WHERE paid.payment_id = p.refunds_payment_id) = 'declined'
                                       THEN 'not_charged' ELSE 'pending' END)
                    END,
                    CASE WHEN p.kind = 'card' AND p.direction = 'payment' THEN coalesce(po.status, p.status, 'captured') END
               FROM booking_payments p LEFT JOIN payment_outcomes po ON po.payment_id = p.id
              WHERE p.booking_id = ?1 ORDER BY p.created_at, p.id",
        )
        .db()?
        .query_map([&id], |r| {
            Ok(BookingPayment {
                id: r.get(0)?,
                direction: r.get(1)?,
                kind: r.get(2)?,
                amount_minor: r.get(3)?,
                device_id: r.get(4)?,
                shift_id: r.get(5)?,
                business_date: r.get(6)?,
                receipt_number: r.get(7)?,
                staff_id: r.get(8)?,
                created_at: r.get(9)?,
                voucher_id: r.get(10)?,
                card_brand: r.get(11)?,
                card_last4: r.get(12)?,
                provider_ref: r.get(13)?,
                refunds_payment_id: r.get(14)?,
                card_refund_status: r.get(15)?,
                card_status: r.get(16)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    b.notes = conn
        .prepare_cached(
            "SELECT id, note, staff_id, created_at FROM booking_notes WHERE booking_id = ?1 ORDER BY created_at, id",
        )
        .db()?
        .query_map([&id], |r| {
            Ok(BookingNote {
                id: r.get(0)?,
                note: r.get(1)?,
                staff_id: r.get(2)?,
                created_at: r.get(3)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    b.paid_minor = b.payments.iter().map(BookingPayment::signed_minor).sum();
    let owed_total = match b.status {
        BookingStatus::Quote | BookingStatus::Expired => 0,
        BookingStatus::Cancelled => b
            .events
            .iter()
            .rev()
            .find(|e| e.event == "cancel")
            .and_then(|e| serde_json::from_str::<Value>(&e.detail).ok())
            .and_then(|d| d.get("fee_minor").and_then(Value::as_i64))
            .unwrap_or(0),
        _ => b.total_minor,
    };
    b.balance_minor = (owed_total - b.paid_minor).max(0);
    Ok(b)
}

/// A line of the bookings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingSummary {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub departure_id: String,
    pub departs_at: String,
    /// The departure's time zone.
    pub time_zone: String,
    pub trip_name: String,
    pub customer_id: Option<String>,
    /// The customer's name, when the booking has a customer.
    pub customer_name: Option<String>,
    pub seats: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    pub balance_due_on: String,
    /// When a held booking's hold ends.
    pub hold_expires_at: Option<String>,
}

/// Bookings, newest first: of one departure, one status, or matching `search` (reference,
/// traveller name, customer id or name, trip name, or departure date `YYYY-MM-DD`); at most
/// `limit`.
pub fn list(
    conn: &Connection,
    departure_id: Option<&str>,
    status: Option<&str>,
    search: Option<&str>,
    limit: u32,
) -> Result<Vec<BookingSummary>> {
    if let Some(s) = status {
        BookingStatus::parse(s)?;
    }
    let like = search.map(|s| format!("%{}%", s.trim()));
    let cols = format!("b.id, b.reference, b.status, b.departure_id, d.departs_at, t.name, b.customer_id, b.seats,
                b.total_minor,
                coalesce((SELECT sum(CASE WHEN p.direction = 'refund' THEN -p.amount_minor ELSE p.amount_minor END)
                            FROM booking_payments p WHERE p.booking_id = b.id AND {PAYMENT_COUNTS}), 0),
                b.balance_due_on, c.name, d.time_zone, b.hold_expires_at");
    const JOINS: &str =
        "JOIN departures d ON d.id = b.departure_id JOIN trips t ON t.id = d.trip_id
           LEFT JOIN customers c ON c.id = b.customer_id
          WHERE (?1 IS NULL OR b.departure_id = ?1) AND (?2 IS NULL OR b.status = ?2)
          ORDER BY b.created_at DESC, b.id DESC LIMIT ?5";
    let sql = if search.is_some() {
        // Each kind of match on its own, by an index where there is one; then only the
        // bookings found are joined and sorted.
        format!(
            "WITH hits(id) AS (
                SELECT id FROM bookings WHERE reference LIKE ?3 OR customer_id = ?4
                UNION SELECT booking_id FROM booking_travellers WHERE full_name LIKE ?3 AND removed_by IS NULL
                UNION SELECT id FROM bookings WHERE customer_id IN (SELECT id FROM customers WHERE name LIKE ?3)
                UNION SELECT id FROM bookings WHERE departure_id IN
                    (SELECT xd.id FROM trips xt JOIN departures xd ON xd.trip_id = xt.id WHERE xt.name LIKE ?3)
                UNION SELECT id FROM bookings WHERE departure_id IN
                    (SELECT id FROM departures WHERE departs_at >= ?4 AND departs_at < ?4 || char(1114111)))
             SELECT {cols} FROM hits h JOIN bookings b ON b.id = h.id {JOINS}"
        )
    } else {
        format!("SELECT {cols} FROM bookings b {JOINS}")
    };
    conn.prepare_cached(&sql)
        .db()?
        .query_map(
            params![departure_id, status, like, search.map(str::trim), limit],
            |r| {
                Ok(BookingSummary {
                    id: r.get(0)?,
                    reference: r.get(1)?,
                    status: r.get(2)?,
                    departure_id: r.get(3)?,
                    departs_at: r.get(4)?,
                    trip_name: r.get(5)?,
                    customer_id: r.get(6)?,
                    seats: r.get(7)?,
                    total_minor: r.get(8)?,
                    paid_minor: r.get(9)?,
                    balance_due_on: r.get(10)?,
                    customer_name: r.get(11)?,
                    time_zone: r.get(12)?,
                    hold_expires_at: r.get(13)?,
                })
            },
        )
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

/// A balance still to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceDue {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub customer_id: Option<String>,
    pub departs_at: String,
    pub due_on: String,
    pub balance_minor: i64,
    /// Whether the due date is before `today`.
    pub overdue: bool,
}

/// Every booking with money still owed (held, confirmed, or a cancellation fee beyond what
/// was paid), by due date; `today` (YYYY-MM-DD) marks the overdue ones.
pub fn balances_due(conn: &Connection, today: &str) -> Result<Vec<BalanceDue>> {
    let ids = conn
        .prepare_cached(
            "SELECT b.id FROM bookings b WHERE b.status IN ('held', 'confirmed', 'cancelled') ORDER BY b.balance_due_on, b.id",
        )
        .db()?
        .query_map([], |r| r.get::<_, String>(0))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut out = Vec::new();
    for id in ids {
        let b = get(conn, &id)?;
        if b.balance_minor <= 0 {
            continue;
        }
        let dep = trips::departure(conn, &b.departure_id)?;
        let due_on = if b.status == BookingStatus::Cancelled {
            b.events
                .iter()
                .rev()
                .find(|e| e.event == "cancel")
                .map(|e| e.created_at.get(..10).unwrap_or("").to_string())
                .unwrap_or_else(|| b.balance_due_on.clone())
        } else {
            b.balance_due_on.clone()
        };
        out.push(BalanceDue {
            overdue: due_on.as_str() < today,
            id: b.id,
            reference: b.reference,
            status: b.status.as_str().to_string(),
            customer_id: b.customer_id,
            departs_at: dep.departs_at,
            due_on,
            balance_minor: b.balance_minor,
        });
    }
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Cash taken for bookings on a shift, less cash refunded from it.
pub fn shift_cash(conn: &Connection, shift_id: &str) -> Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce(sum(CASE WHEN direction = 'refund' THEN -amount_minor ELSE amount_minor END), 0)
           FROM booking_payments WHERE shift_id = ?1 AND kind = 'cash'",
    )
    .db()?
    .query_row([shift_id], |r| r.get(0))
    .db()
}

/// A departure time as stored, parsed.
pub fn departs_at(dep: &Departure) -> Result<DateTime<Utc>> {
    parse_ts(&dep.departs_at)
}

/// A traveller as typed, before any check: the type is still text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerDraft {
    pub traveller_type: String,
    pub full_name: String,
    pub date_of_birth: Option<String>,
    pub document_number: Option<String>,
}

/// A field of a traveller the checks refused: `traveller_type`, `full_name`,
/// `date_of_birth` or `document_number`, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerIssue {
    pub index: usize,
    pub field: &'static str,
    pub message: String,
}

/// A booking priced before it is made, with what its travellers still need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricePreview {
    /// `(traveller type, how many, unit price)` for each type present, adult first.
    pub travellers: Vec<(String, i64, i64)>,
    /// `(option id, name, quantity, unit price)`.
    pub options: Vec<(String, String, i64, i64)>,
    pub total_minor: i64,
    pub deposit_minor: i64,
    pub balance_due_on: String,
    pub seats_left: i64,
    pub issues: Vec<TravellerIssue>,
}

/// Prices a booking as [`create`] would and checks each traveller's fields one by one, so a
/// screen can show each refusal next to its field. Writes nothing. Travellers with issues are
/// priced when their type is known and the trip takes it.
pub fn preview(
    conn: &Connection,
    departure_id: &str,
    travellers: &[TravellerDraft],
    options: &[(String, i64)],
    now: DateTime<Utc>,
) -> Result<PricePreview> {
    let dep = trips::departure(conn, departure_id)?;
    let trip = trips::trip(conn, &dep.trip_id)?;
    let zone = crate::foundation::business_day::zone_of(&dep.time_zone)?;
    let departs = jiff_ts(dep.departs()?)?;
    let today = jiff_ts(now)?.to_zoned(zone.clone()).date();
    if departs <= jiff_ts(now)? {
        return Err(Error::invalid_input("this departure has already left"));
    }
    let mut issues = Vec::new();
    let mut types = Vec::new();
    for (index, t) in travellers.iter().enumerate() {
        let mut issue = |field: &'static str, e: Error| {
            issues.push(TravellerIssue {
                index,
                field,
                message: e.message,
            })
        };
        let kind =
            TravellerType::parse(&t.traveller_type).and_then(|k| trip.prices.of(k).map(|_| k));
        let kind = match kind {
            Ok(k) => {
                types.push(k);
                k
            }
            Err(e) => {
                issue("traveller_type", e);
                TravellerType::Adult
            }
        };
        let only = |full_name: &str, dob: Option<&String>, doc: Option<&String>| Traveller {
            traveller_type: kind,
            full_name: full_name.to_string(),
            date_of_birth: dob.cloned(),
            document_number: doc.cloned(),
        };
        if let Err(e) = rules::check_traveller(&only(&t.full_name, None, None), false, today) {
            issue("full_name", e);
        }
        let dob = only("Traveller", t.date_of_birth.as_ref(), None);
        if let Err(e) = rules::check_traveller(&dob, false, today) {
            issue("date_of_birth", e);
        }
        let doc = only("Traveller", None, t.document_number.as_ref());
        if let Err(e) = rules::check_traveller(&doc, trip.documents_required, today) {
            issue("document_number", e);
        }
    }
    let mut lines = Vec::new();
    let mut items = Vec::new();
    for (option_id, qty) in options {
        let opt = trip
            .options
            .iter()
            .find(|o| &o.id == option_id)
            .ok_or_else(|| Error::not_found(format!("the trip has no option '{option_id}'")))?;
        lines.push(OptionLine {
            unit_minor: opt.price_minor,
            qty: *qty,
        });
        items.push((opt.id.clone(), opt.name.clone(), *qty, opt.price_minor));
    }
    let total_minor = if types.is_empty() {
        0
    } else {
        rules::price(&trip.prices, &types, &lines)?.total_minor
    };
    let mut counts = Vec::new();
    for k in TravellerType::ALL {
        let n = types.iter().filter(|t| **t == k).count();
        if n > 0 {
            let n = i64::try_from(n).map_err(|_| Error::internal("travellers"))?;
            counts.push((k.as_str().to_string(), n, trip.prices.of(k)?));
        }
    }
    let due = rules::balance_due_on(departs, &zone, trip.balance_due_days, today);
    Ok(PricePreview {
        travellers: counts,
        options: items,
        total_minor,
        deposit_minor: rules::deposit(trip.deposit, total_minor),
        balance_due_on: due.to_string(),
        seats_left: super::availability(conn, departure_id, now)?.left,
        issues,
    })
}

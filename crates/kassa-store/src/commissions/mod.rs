//! Commissions: what booking agents and sellers earn, as a ledger (`commission_entries`).
//!
//! An entry is written in the transaction of the money that caused it: a booking payment
//! (deposit, balance, a cancellation fee paid later) earns for the booking's agent, the person
//! who made it, at the trip's rate, else the agent's, else the store's default
//! (`commissions.default_bp`); a sale earns for its cashier line by line, at the line's
//! category's rate, else the seller's (none unless the store set one). Earnings are counted on
//! money received, rounded half up per entry. Money given back (a cancellation's refund, a
//! sale's refund or void) reverses in proportion: a booking's reversals follow its refunds
//! against everything received for it, a sale's follow each line's refunded money against the
//! line's total, and giving back all of it reverses exactly what was earned. A cancellation
//! fee the store keeps is money received and not given back, so the agent keeps the
//! commission on it. A card the provider declined after a sale never brought its money in:
//! what the sale still owes for it counts as given back, spread over the lines in proportion
//! to what is left of each (`decline` entries, written by the device that recorded the
//! decline; see [`settle_declines`]). A rate changed later changes no entry already written.
//!
//! `rates` sets and lists the rates (audited, synced), `statement` reads the ledger back per
//! person and period, and `apply` takes other devices' entries and rates.

pub mod apply;
pub mod rates;
pub mod statement;

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::settings;
use crate::foundation::write::{ChangeOp, WriteTx};
use kassa_domain::commission::{booking_rate, earned, reversed_after, sale_rate};
use kassa_domain::selling::allocate;
use kassa_domain::settings::COMMISSIONS_DEFAULT_BP;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// The outbox entity of a commission entry.
pub const ENTRY_ENTITY: &str = "commission_entries";

/// What an entry is about: a booking or a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Booking,
    Sale,
}

impl SourceKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Booking => "booking",
            SourceKind::Sale => "sale",
        }
    }
}

/// One entry about to be written.
struct NewEntry<'a> {
    staff_id: &'a str,
    source: SourceKind,
    source_id: &'a str,
    line_id: Option<&'a str>,
    cause_kind: &'static str,
    cause_id: &'a str,
    base_minor: i64,
    rate_bp: u32,
    amount_minor: i64,
    business_date: &'a str,
}

/// Writes an entry and its outbox change.
fn write_entry(tx: &mut WriteTx<'_>, e: &NewEntry<'_>) -> Result<()> {
    let id = new_id();
    let device_id = tx.device_id()?.to_string();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO commission_entries (id, staff_id, source_kind, source_id, line_id, cause_kind, cause_id,
            base_minor, rate_bp, amount_minor, business_date, device_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            e.staff_id,
            e.source.as_str(),
            e.source_id,
            e.line_id,
            e.cause_kind,
            e.cause_id,
            e.base_minor,
            e.rate_bp,
            e.amount_minor,
            e.business_date,
            device_id,
            now
        ],
    )?;
    let row = json!({
        "staff_id": e.staff_id, "source_kind": e.source.as_str(), "source_id": e.source_id,
        "line_id": e.line_id, "cause_kind": e.cause_kind, "cause_id": e.cause_id,
        "base_minor": e.base_minor, "rate_bp": e.rate_bp, "amount_minor": e.amount_minor,
        "business_date": e.business_date, "device_id": device_id, "created_at": now,
    });
    tx.record_change(ENTRY_ENTITY, &id, ChangeOp::Insert, &row)
}

/// A rate set for a person or category (`kind` agent, seller or category); `None` when unset.
pub fn rate_of(conn: &Connection, kind: &str, subject_id: &str) -> Result<Option<u32>> {
    let v: Option<Option<i64>> = conn
        .prepare_cached("SELECT rate_bp FROM commission_rates WHERE id = ?1")
        .db()?
        .query_row([format!("{kind}:{subject_id}")], |r| r.get(0))
        .optional()
        .db()?;
    v.flatten()
        .map(|r| u32::try_from(r).map_err(|_| Error::internal("a stored rate is negative")))
        .transpose()
}

/// What a source (or one line) earned, and what stands reversed of it (as a positive amount):
/// the entries caused by payments, and those caused by refunds and declines.
fn earned_and_reversed(
    conn: &Connection,
    source: SourceKind,
    source_id: &str,
    line_id: Option<&str>,
) -> Result<(i64, i64)> {
    conn.prepare_cached(
        "SELECT coalesce(sum(CASE WHEN cause_kind = 'payment' THEN amount_minor END), 0),
                -coalesce(sum(CASE WHEN cause_kind <> 'payment' THEN amount_minor END), 0)
           FROM commission_entries WHERE source_kind = ?1 AND source_id = ?2 AND line_id IS ?3",
    )
    .db()?
    .query_row(params![source.as_str(), source_id, line_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .db()
}

/// The staff and rate of the newest earning entry of a source (or line).
fn last_earning(
    conn: &Connection,
    source: SourceKind,
    source_id: &str,
    line_id: Option<&str>,
) -> Result<Option<(String, u32)>> {
    conn.prepare_cached(
        "SELECT staff_id, rate_bp FROM commission_entries
         WHERE source_kind = ?1 AND source_id = ?2 AND line_id IS ?3 AND cause_kind = 'payment'
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .db()?
    .query_row(params![source.as_str(), source_id, line_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })
    .optional()
    .db()
}

/// The commission a booking payment earns its agent (`payment_id` a `booking_payments` row of
/// direction `payment`, written in this transaction). Nothing when the rate is none or the
/// amount rounds to zero.
pub(crate) fn earn_on_booking_payment(tx: &mut WriteTx<'_>, payment_id: &str) -> Result<()> {
    let (booking_id, amount, day, staff_id, store_id, trip_bp): (
        String,
        i64,
        String,
        String,
        String,
        Option<i64>,
    ) = tx
        .row(
            "SELECT p.booking_id, p.amount_minor, p.business_date, b.staff_id, b.store_id, t.commission_bp
             FROM booking_payments p JOIN bookings b ON b.id = p.booking_id
             JOIN departures d ON d.id = b.departure_id JOIN trips t ON t.id = d.trip_id
             WHERE p.id = ?1 AND p.direction = 'payment'",
            [payment_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?
        .ok_or_else(|| Error::internal("the booking payment vanished"))?;
    let trip_bp = trip_bp.and_then(|r| u32::try_from(r).ok());
    let agent_bp = rate_of(tx, "agent", &staff_id)?;
    let default_bp = u32::try_from(settings::get_int(tx, &store_id, COMMISSIONS_DEFAULT_BP)?)
        .map_err(|_| Error::internal("the default commission rate is negative"))?;
    let rate = booking_rate(trip_bp, agent_bp, default_bp);
    let commission = earned(amount, rate);
    if rate == 0 || commission == 0 {
        return Ok(());
    }
    write_entry(
        tx,
        &NewEntry {
            staff_id: &staff_id,
            source: SourceKind::Booking,
            source_id: &booking_id,
            line_id: None,
            cause_kind: "payment",
            cause_id: payment_id,
            base_minor: amount,
            rate_bp: rate,
            amount_minor: commission,
            business_date: &day,
        },
    )
}

/// Reverses a booking's commission in proportion to a refund (`refund_id` a
/// `booking_payments` row of direction `refund`, written in this transaction): what stands
/// reversed follows all refunds of the booking against all it received.
pub(crate) fn reverse_on_booking_refund(tx: &mut WriteTx<'_>, refund_id: &str) -> Result<()> {
    let (booking_id, amount, day): (String, i64, String) = tx
        .row(
            "SELECT booking_id, amount_minor, business_date FROM booking_payments
             WHERE id = ?1 AND direction = 'refund'",
            [refund_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .ok_or_else(|| Error::internal("the booking refund vanished"))?;
    reverse_booking(tx, &booking_id, ("refund", refund_id), amount, &day)
}

/// Writes the reversal of booking `booking_id`'s commission that `cause` (`amount` not kept,
/// on business date `day`) brings about: what stands reversed follows
/// [`booking_given_back`].
fn reverse_booking(
    tx: &mut WriteTx<'_>,
    booking_id: &str,
    cause: (&'static str, &str),
    amount: i64,
    day: &str,
) -> Result<()> {
    let back = booking_given_back(tx, booking_id)?;
    reverse(
        tx,
        SourceKind::Booking,
        booking_id,
        None,
        cause,
        amount,
        back,
        day,
    )
}

/// What a booking's payments did not bring in for good, against all they received: its
/// refunds (but those onto a declined card, which never happen) and its declined cards.
fn booking_given_back(tx: &WriteTx<'_>, booking_id: &str) -> Result<(i64, i64)> {
    Ok(tx
        .row(
            &format!(
                "SELECT coalesce(sum(CASE WHEN (p.direction = 'refund') = ({}) THEN p.amount_minor END), 0),
                        coalesce(sum(CASE WHEN p.direction = 'payment' THEN p.amount_minor END), 0)
                 FROM booking_payments p WHERE p.booking_id = ?1",
                crate::bookings::PAYMENT_COUNTS
            ),
            [booking_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .unwrap_or((0, 0)))
}

/// Takes back a booking's commission on a card payment the provider declined after it was
/// taken offline (`payment_id` a `booking_payments` card payment whose declined outcome was
/// written in this transaction): what stands reversed follows what the booking did not keep.
pub(crate) fn settle_booking_decline(tx: &mut WriteTx<'_>, payment_id: &str) -> Result<()> {
    let (booking_id, amount): (String, i64) = tx
        .row(
            "SELECT booking_id, amount_minor FROM booking_payments WHERE id = ?1 AND direction = 'payment'",
            [payment_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .ok_or_else(|| Error::internal("the declined booking payment vanished"))?;
    let device_id = tx.device_id()?.to_string();
    let day = crate::selling::open_business_date(tx, &device_id, tx.now())?;
    reverse_booking(tx, &booking_id, ("decline", payment_id), amount, &day)
}

/// Writes the reversal that brings what stands reversed of a source (or line) to its share of
/// `given_back` of `received`.
#[allow(clippy::too_many_arguments)]
fn reverse(
    tx: &mut WriteTx<'_>,
    source: SourceKind,
    source_id: &str,
    line_id: Option<&str>,
    (cause_kind, cause_id): (&'static str, &str),
    amount_back: i64,
    (given_back, received): (i64, i64),
    day: &str,
) -> Result<()> {
    let (earned_minor, already) = earned_and_reversed(tx, source, source_id, line_id)?;
    let delta = reversed_after(earned_minor, given_back, received) - already;
    if delta <= 0 {
        return Ok(());
    }
    let Some((staff_id, rate)) = last_earning(tx, source, source_id, line_id)? else {
        return Ok(());
    };
    write_entry(
        tx,
        &NewEntry {
            staff_id: &staff_id,
            source,
            source_id,
            line_id,
            cause_kind,
            cause_id,
            base_minor: -amount_back,
            rate_bp: rate,
            amount_minor: -delta,
            business_date: day,
        },
    )
}

/// The commission a sale earns its cashier, line by line (written in the sale's transaction).
pub(crate) fn earn_on_sale(tx: &mut WriteTx<'_>, order_id: &str) -> Result<()> {
    let (staff_id, day): (String, String) = tx
        .row(
            "SELECT staff_id, business_date FROM orders WHERE id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .ok_or_else(|| Error::internal("the order vanished"))?;
    let seller_bp = rate_of(tx, "seller", &staff_id)?;
    let lines: Vec<(String, i64, Option<String>)> = {
        let mut st = tx
            .prepare_cached(
                "SELECT l.id, l.total_minor, p.category_id FROM order_lines l
                 LEFT JOIN products p ON p.id = l.product_id
                 WHERE l.order_id = ?1 ORDER BY l.position",
            )
            .db()?;
        st.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    for (line_id, total, category) in lines {
        let category_bp = match &category {
            Some(c) => rate_of(tx, "category", c)?,
            None => None,
        };
        let rate = sale_rate(category_bp, seller_bp);
        let commission = earned(total, rate);
        if rate == 0 || commission <= 0 {
            continue;
        }
        write_entry(
            tx,
            &NewEntry {
                staff_id: &staff_id,
                source: SourceKind::Sale,
                source_id: order_id,
                line_id: Some(&line_id),
                cause_kind: "payment",
                cause_id: order_id,
                base_minor: total,
                rate_bp: rate,
                amount_minor: commission,
                business_date: &day,
            },
        )?;
    }
    Ok(())
}

/// Reverses a sale's commission line by line for a refund or void written in this
/// transaction: each line's reversal follows what stands given back of it (its money refunded
/// in all, and its share of a declined card's money still owed) against its total.
pub(crate) fn reverse_on_refund(tx: &mut WriteTx<'_>, refund_id: &str) -> Result<()> {
    let (order_id, day): (String, String) = tx
        .row(
            "SELECT order_id, business_date FROM refunds WHERE id = ?1",
            [refund_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .ok_or_else(|| Error::internal("the refund vanished"))?;
    let refunded_now: Vec<(String, i64)> = {
        let mut st = tx
            .prepare_cached(
                "SELECT order_line_id, amount_minor FROM refund_lines WHERE refund_id = ?1",
            )
            .db()?;
        st.query_map([refund_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    for line in lines_given_back(tx, &order_id)? {
        let Some((_, amount)) = refunded_now.iter().find(|(id, _)| *id == line.id) else {
            continue;
        };
        reverse(
            tx,
            SourceKind::Sale,
            &order_id,
            Some(&line.id),
            ("refund", refund_id),
            *amount,
            (line.refunded + line.declined_share, line.total),
            &day,
        )?;
    }
    Ok(())
}

/// One line of a sale and what stands given back of it.
struct LineBack {
    id: String,
    total: i64,
    /// Its money refunded in all.
    refunded: i64,
    /// Its share of what the sale still owes for cards declined after it.
    declined_share: i64,
}

/// Every line of a sale, in order, with what stands given back of it: its refunds, and its
/// share of what the sale still owes for declined cards (spread by what is left of each line
/// after its refunds, so the shares add up to the amount owed).
fn lines_given_back(conn: &Connection, order_id: &str) -> Result<Vec<LineBack>> {
    let lines: Vec<(String, i64, i64)> = {
        let mut st = conn
            .prepare_cached(
                "SELECT l.id, l.total_minor,
                        (SELECT coalesce(sum(x.amount_minor), 0) FROM refund_lines x WHERE x.order_line_id = l.id)
                   FROM order_lines l WHERE l.order_id = ?1 ORDER BY l.position",
            )
            .db()?;
        st.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    let owed = crate::selling::cards::balance_owed(conn, order_id)?.max(0);
    let left: Vec<i64> = lines.iter().map(|(_, t, r)| (t - r).max(0)).collect();
    let shares = allocate(owed, &left);
    Ok(lines
        .into_iter()
        .zip(left.iter().zip(shares))
        .map(|((id, total, refunded), (left, share))| LineBack {
            id,
            total,
            refunded,
            declined_share: share.min(*left),
        })
        .collect())
}

/// Brings a sale's commission, line by line, to what the money it kept warrants once a card
/// of it was declined (`payment_id`): the line's share of the money still owed counts as given
/// back. Writes a `decline` entry for each line whose reversal differs from that: negative
/// when more must be reversed, positive when a refund written on another device before it knew
/// of the decline already reversed the same money. Answers how many entries it wrote.
pub(crate) fn settle_decline(tx: &mut WriteTx<'_>, payment_id: &str) -> Result<u64> {
    let order_id: String = tx
        .row(
            "SELECT order_id FROM payments WHERE id = ?1",
            [payment_id],
            |r| r.get(0),
        )?
        .ok_or_else(|| Error::internal("the declined payment vanished"))?;
    let device_id = tx.device_id()?.to_string();
    let day = crate::selling::open_business_date(tx, &device_id, tx.now())?;
    let mut written = 0;
    for line in lines_given_back(tx, &order_id)? {
        let (earned_minor, already) =
            earned_and_reversed(tx, SourceKind::Sale, &order_id, Some(&line.id))?;
        let target = reversed_after(
            earned_minor,
            line.refunded + line.declined_share,
            line.total,
        );
        let delta = target - already;
        if delta == 0 {
            continue;
        }
        let Some((staff_id, rate)) = last_earning(tx, SourceKind::Sale, &order_id, Some(&line.id))?
        else {
            continue;
        };
        write_entry(
            tx,
            &NewEntry {
                staff_id: &staff_id,
                source: SourceKind::Sale,
                source_id: &order_id,
                line_id: Some(&line.id),
                cause_kind: "decline",
                cause_id: payment_id,
                base_minor: -line.declined_share,
                rate_bp: rate,
                amount_minor: -delta,
                business_date: &day,
            },
        )?;
        written += 1;
    }
    Ok(written)
}

/// Settles again the commission of every sale with a card this device saw declined (see
/// [`settle_decline`]), once a sync brought other devices' refunds: the device that recorded a
/// decline is the one that settles its commission, so the store's devices never write the
/// same correction twice. Answers how many entries it wrote.
pub fn settle_declines(store: &mut crate::Store) -> Result<u64> {
    let declined: Vec<String> = {
        let conn = store.conn();
        let device_id: Option<String> = conn
            .query_row("SELECT id FROM device", [], |r| r.get(0))
            .optional()
            .db()?;
        let Some(device_id) = device_id else {
            return Ok(0);
        };
        let mut st = conn
            .prepare_cached(
                "SELECT po.payment_id FROM payment_outcomes po
                  WHERE po.status = 'declined' AND po.device_id = ?1
                    AND EXISTS (SELECT 1 FROM commission_entries e
                                 WHERE e.source_kind = 'sale' AND e.source_id = po.order_id)
                  ORDER BY po.decided_at, po.payment_id",
            )
            .db()?;
        st.query_map([&device_id], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    if declined.is_empty() {
        return Ok(0);
    }
    store.write(|tx| {
        let mut written = 0;
        for payment_id in &declined {
            written += settle_decline(tx, payment_id)?;
        }
        Ok(written)
    })
}

/// The commission entries of one booking or sale, oldest first.
pub fn of_source(conn: &Connection, source: SourceKind, source_id: &str) -> Result<Vec<Entry>> {
    let mut st = conn
        .prepare_cached(&format!(
            "{} WHERE e.source_kind = ?1 AND e.source_id = ?2 ORDER BY e.created_at, e.id",
            statement::ENTRY_SELECT
        ))
        .db()?;
    st.query_map(params![source.as_str(), source_id], statement::entry_row)
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

pub use statement::Entry;

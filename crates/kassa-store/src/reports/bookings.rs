//! Bookings over a period, store-wide: the bookings made (by their status now), the money
//! taken for bookings and refunded (deposits and balances, by tender), the cancellations with
//! the fees kept and the refunds, the balances still due, the seats of each departure in the
//! period, and the totals per trip and per person who made the bookings.
//!
//! A booking counts on the business date it was made, a payment or refund on the business
//! date it was taken, a cancellation on the business date of its cancel event, a departure on
//! the business date it leaves (all with the store's time zone and cut-off). Balances due are
//! what is owed now, whatever the period. The part of a payment that brings what was paid up
//! to the booking's deposit is deposit, the rest balance; so deposits and balances add up to
//! the money taken, and the rows per trip, per person and per tender add up to the totals.

use super::Period;
use crate::SqlResult;
use crate::bookings::{self, trips};
use crate::foundation::business_day::BusinessDay;
use crate::parse_ts;
use chrono::{DateTime, NaiveDate, Utc};
use kassa_domain::Result;
use kassa_domain::booking::BookingStatus;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Bookings made in the period that have one status now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCount {
    pub status: String,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
}

/// Money of one tender taken and refunded in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenderMoney {
    pub tender: String,
    pub taken_minor: i64,
    pub refunded_minor: i64,
    pub net_minor: i64,
}

/// Money taken for bookings in the period and refunded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingMoney {
    pub payments: i64,
    /// The parts of payments that brought their booking up to its deposit.
    pub deposits_minor: i64,
    /// The parts beyond the deposit (balances, and fees still owed after a cancellation).
    pub balances_minor: i64,
    /// Deposits and balances.
    pub taken_minor: i64,
    pub refunds: i64,
    pub refunded_minor: i64,
    /// Taken less refunded.
    pub net_minor: i64,
    pub by_tender: Vec<TenderMoney>,
}

/// A booking cancelled in the period and what the cancellation settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationRow {
    pub booking_id: String,
    pub reference: String,
    pub trip_name: String,
    pub business_date: String,
    pub staff_id: String,
    pub staff_name: String,
    pub total_minor: i64,
    /// The policy's fee.
    pub fee_minor: i64,
    /// The part of the fee covered by what had been paid: money kept.
    pub kept_minor: i64,
    pub refund_minor: i64,
    /// The part of the fee beyond what had been paid, still owed.
    pub owed_minor: i64,
}

/// The period's cancellations added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancellationTotals {
    pub count: i64,
    pub fee_minor: i64,
    pub kept_minor: i64,
    pub refund_minor: i64,
    pub owed_minor: i64,
}

/// A balance still to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub booking_id: String,
    pub reference: String,
    pub status: String,
    pub trip_name: String,
    pub customer_name: Option<String>,
    pub departs_at: String,
    pub due_on: String,
    pub balance_minor: i64,
    /// Due before today.
    pub overdue: bool,
}

/// The seats of a departure that leaves in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartureLoad {
    pub departure_id: String,
    pub trip_code: String,
    pub trip_name: String,
    pub departs_at: String,
    /// Its pool's seats (shared with the pool's other departures).
    pub capacity: i64,
    /// Seats held by this departure's bookings.
    pub booked: i64,
    /// Seats of the pool still free.
    pub left: i64,
    /// Seats of the pool taken, in basis points of the capacity (10000 = full; more when
    /// two devices sold the last seats offline).
    pub load_bp: i64,
}

/// Bookings made in the period for one trip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripTotals {
    pub trip_id: String,
    pub code: String,
    pub name: String,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    /// Of these bookings, the ones cancelled since.
    pub cancelled: i64,
}

/// What one person did for bookings in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentTotals {
    pub staff_id: String,
    pub name: String,
    /// Bookings they made.
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    /// Of their bookings, the ones cancelled since.
    pub cancelled: i64,
    /// Money they took for bookings (payments, before refunds).
    pub taken_minor: i64,
}

/// The bookings report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingsReport {
    pub period: Period,
    /// The business date balances are due against.
    pub today: String,
    /// Bookings made in the period, quotes included.
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    /// Every status, in the lifecycle's order.
    pub by_status: Vec<StatusCount>,
    pub money: BookingMoney,
    pub cancellations: Vec<CancellationRow>,
    pub cancellation_totals: CancellationTotals,
    pub balances_due: Vec<DueRow>,
    pub due_minor: i64,
    pub overdue: i64,
    pub overdue_minor: i64,
    pub departures: Vec<DepartureLoad>,
    pub trips: Vec<TripTotals>,
    pub agents: Vec<AgentTotals>,
}

struct Made {
    trip_id: String,
    staff_id: String,
    seats: i64,
    total_minor: i64,
    status: String,
}

fn names(conn: &Connection) -> Result<impl FnMut(&str) -> Result<String> + '_> {
    let mut st = conn
        .prepare_cached("SELECT display_name FROM staff WHERE id = ?1")
        .db()?;
    Ok(move |id: &str| {
        Ok(st
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()
            .db()?
            .unwrap_or_else(|| id.to_string()))
    })
}

fn in_period(p: &Period, d: NaiveDate) -> bool {
    p.from <= d && d <= p.to
}

/// The bookings of store `store_id` in `period`, with balances due and seats as at `now`.
pub fn bookings(
    conn: &Connection,
    store_id: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<BookingsReport> {
    let bd = BusinessDay::of_store(conn, store_id)?;
    let today = bd.date_of(now);
    let now_ts = crate::ts(now);
    let mut name_of = names(conn)?;

    // Bookings made in the period.
    let all = conn
        .prepare(
            "SELECT b.id, d.trip_id, b.staff_id, b.seats, b.total_minor, b.status, b.created_at
               FROM bookings b JOIN departures d ON d.id = b.departure_id
              WHERE b.store_id = ?1 ORDER BY b.created_at, b.id",
        )
        .db()?
        .query_map([store_id], |r| {
            Ok((
                Made {
                    trip_id: r.get(1)?,
                    staff_id: r.get(2)?,
                    seats: r.get(3)?,
                    total_minor: r.get(4)?,
                    status: r.get(5)?,
                },
                r.get::<_, String>(6)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut made = Vec::new();
    for (m, created_at) in all {
        if in_period(&period, bd.date_of(parse_ts(&created_at)?)) {
            made.push(m);
        }
    }
    let mut by_status: Vec<StatusCount> = BookingStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: s.as_str().to_string(),
            ..StatusCount::default()
        })
        .collect();
    let mut trips_acc: BTreeMap<String, TripTotals> = BTreeMap::new();
    let mut agents: BTreeMap<String, AgentTotals> = BTreeMap::new();
    for m in &made {
        if let Some(s) = by_status.iter_mut().find(|s| s.status == m.status) {
            s.bookings += 1;
            s.seats += m.seats;
            s.value_minor += m.total_minor;
        }
        let cancelled = i64::from(m.status == BookingStatus::Cancelled.as_str());
        let t = trips_acc.entry(m.trip_id.clone()).or_default();
        t.bookings += 1;
        t.seats += m.seats;
        t.value_minor += m.total_minor;
        t.cancelled += cancelled;
        let a = agents.entry(m.staff_id.clone()).or_default();
        a.bookings += 1;
        a.seats += m.seats;
        a.value_minor += m.total_minor;
        a.cancelled += cancelled;
    }

    // Money: every payment of the store's bookings in order, to tell deposit from balance.
    // A card the provider declined brought no money in, nor did a refund onto one.
    let payments = conn
        .prepare(&format!(
            "SELECT p.booking_id, b.deposit_minor, p.direction, p.kind, p.amount_minor, p.business_date, p.staff_id
               FROM booking_payments p JOIN bookings b ON b.id = p.booking_id
              WHERE b.store_id = ?1 AND {}
              ORDER BY p.booking_id, p.created_at, p.id",
            crate::bookings::PAYMENT_COUNTS
        ))
        .db()?
        .query_map([store_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let (from, to) = (period.from_text(), period.to_text());
    let mut money = BookingMoney::default();
    let mut tenders: BTreeMap<String, TenderMoney> = BTreeMap::new();
    let mut paid_so_far: HashMap<String, i64> = HashMap::new();
    for (booking_id, deposit, direction, kind, amount, date, staff_id) in payments {
        let paid = paid_so_far.entry(booking_id).or_insert(0);
        let counted = from <= date && date <= to;
        if direction == "refund" {
            *paid -= amount;
            if counted {
                money.refunds += 1;
                money.refunded_minor += amount;
                tenders.entry(kind).or_default().refunded_minor += amount;
            }
            continue;
        }
        let deposit_part = (deposit - *paid).clamp(0, amount);
        *paid += amount;
        if counted {
            money.payments += 1;
            money.deposits_minor += deposit_part;
            money.balances_minor += amount - deposit_part;
            money.taken_minor += amount;
            tenders.entry(kind).or_default().taken_minor += amount;
            agents.entry(staff_id).or_default().taken_minor += amount;
        }
    }
    money.net_minor = money.taken_minor - money.refunded_minor;
    money.by_tender = tenders
        .into_iter()
        .map(|(tender, mut t)| {
            t.net_minor = t.taken_minor - t.refunded_minor;
            t.tender = tender;
            t
        })
        .collect();

    // Cancellations: the cancel event of each cancelled booking, on its business date.
    let events = conn
        .prepare(
            "SELECT b.id, b.reference, t.name, b.total_minor, e.staff_id, e.detail, e.created_at
               FROM bookings b JOIN departures d ON d.id = b.departure_id JOIN trips t ON t.id = d.trip_id
               JOIN booking_events e ON e.booking_id = b.id AND e.event = 'cancel'
              WHERE b.store_id = ?1 AND b.status = 'cancelled'
              ORDER BY e.created_at, b.id, e.seq, e.device_id, e.id",
        )
        .db()?
        .query_map([store_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut cancellations: Vec<CancellationRow> = Vec::new();
    let mut ct = CancellationTotals::default();
    for (booking_id, reference, trip_name, total_minor, staff_id, detail, at) in events {
        // Two devices cancelling one booking offline: the first cancel settled it.
        if cancellations.iter().any(|c| c.booking_id == booking_id) {
            continue;
        }
        let date = bd.date_of(parse_ts(&at)?);
        if !in_period(&period, date) {
            continue;
        }
        let d: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
        let field = |k: &str| d.get(k).and_then(Value::as_i64).unwrap_or(0);
        let (fee, refund, owed) = (
            field("fee_minor"),
            field("refund_minor"),
            field("owed_minor"),
        );
        let row = CancellationRow {
            booking_id,
            reference,
            trip_name,
            business_date: date.format("%Y-%m-%d").to_string(),
            staff_name: name_of(&staff_id)?,
            staff_id,
            total_minor,
            fee_minor: fee,
            kept_minor: fee - owed,
            refund_minor: refund,
            owed_minor: owed,
        };
        ct.count += 1;
        ct.fee_minor += row.fee_minor;
        ct.kept_minor += row.kept_minor;
        ct.refund_minor += row.refund_minor;
        ct.owed_minor += row.owed_minor;
        cancellations.push(row);
    }

    // Balances due now.
    let mut trip_of = conn
        .prepare_cached(
            "SELECT t.name, c.name FROM bookings b JOIN departures d ON d.id = b.departure_id
               JOIN trips t ON t.id = d.trip_id LEFT JOIN customers c ON c.id = b.customer_id
              WHERE b.id = ?1",
        )
        .db()?;
    let mut balances_due = Vec::new();
    let (mut due_minor, mut overdue, mut overdue_minor) = (0, 0, 0);
    for b in bookings::balances_due(conn, &today.format("%Y-%m-%d").to_string())? {
        let (trip_name, customer_name): (String, Option<String>) = trip_of
            .query_row([&b.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?;
        due_minor += b.balance_minor;
        if b.overdue {
            overdue += 1;
            overdue_minor += b.balance_minor;
        }
        balances_due.push(DueRow {
            booking_id: b.id,
            reference: b.reference,
            status: b.status,
            trip_name,
            customer_name,
            departs_at: b.departs_at,
            due_on: b.due_on,
            balance_minor: b.balance_minor,
            overdue: b.overdue,
        });
    }

    // Departures leaving in the period.
    let deps = conn
        .prepare(
            "SELECT d.id, t.code, d.departs_at FROM departures d JOIN trips t ON t.id = d.trip_id
              WHERE t.store_id = ?1 ORDER BY d.departs_at, d.id",
        )
        .db()?
        .query_map([store_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut booked_on = conn
        .prepare_cached(
            "SELECT coalesce(sum(seats), 0) FROM bookings
              WHERE departure_id = ?1 AND status IN ('held', 'confirmed', 'paid', 'completed')
                AND NOT (status = 'held' AND hold_expires_at <= ?2)",
        )
        .db()?;
    let mut departures = Vec::new();
    for (id, code, departs_at) in deps {
        if !in_period(&period, bd.date_of(parse_ts(&departs_at)?)) {
            continue;
        }
        let dep = trips::departure(conn, &id)?;
        let taken = bookings::seats_taken(conn, &dep.pool_id, Some(now_ts.as_str()))?;
        let booked: i64 = booked_on
            .query_row(params![id, now_ts], |r| r.get(0))
            .db()?;
        departures.push(DepartureLoad {
            departure_id: id,
            trip_code: code,
            trip_name: dep.trip_name,
            departs_at,
            capacity: dep.capacity,
            booked,
            left: (dep.capacity - taken).max(0),
            load_bp: if dep.capacity > 0 {
                taken * 10_000 / dep.capacity
            } else {
                0
            },
        });
    }

    let mut trip_row = conn
        .prepare_cached("SELECT code, name FROM trips WHERE id = ?1")
        .db()?;
    let mut trip_list = Vec::with_capacity(trips_acc.len());
    for (id, mut t) in trips_acc {
        (t.code, t.name) = trip_row
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?;
        t.trip_id = id;
        trip_list.push(t);
    }
    trip_list.sort_by(|a, b| b.value_minor.cmp(&a.value_minor).then(a.code.cmp(&b.code)));
    let mut agent_list = Vec::with_capacity(agents.len());
    for (id, mut a) in agents {
        a.name = name_of(&id)?;
        a.staff_id = id;
        agent_list.push(a);
    }
    agent_list.sort_by(|a, b| b.value_minor.cmp(&a.value_minor).then(a.name.cmp(&b.name)));

    Ok(BookingsReport {
        period,
        today: today.format("%Y-%m-%d").to_string(),
        bookings: made.len() as i64,
        seats: made.iter().map(|m| m.seats).sum(),
        value_minor: made.iter().map(|m| m.total_minor).sum(),
        by_status,
        money,
        cancellations,
        cancellation_totals: ct,
        balances_due,
        due_minor,
        overdue,
        overdue_minor,
        departures,
        trips: trip_list,
        agents: agent_list,
    })
}

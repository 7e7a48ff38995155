//! Trips, their options, capacity pools and departures: reference data, last writer wins per
//! field when two devices edit one.

use crate::foundation::business_day::zone_of;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, parse_ts, ts};
use chrono::{DateTime, Utc};
use kassa_domain::booking::{FeeTable, Share, TravellerPrices};
use kassa_domain::money::check_amount;
use kassa_domain::pan::looks_like_pan;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// What a trip is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripData {
    pub code: String,
    pub name: String,
    pub prices: TravellerPrices,
    pub deposit: Share,
    pub balance_due_days: u32,
    pub cancellation_policy: FeeTable,
    pub hold_minutes: u32,
    pub documents_required: bool,
}

/// A trip as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    pub id: String,
    pub code: String,
    pub name: String,
    pub prices: TravellerPrices,
    pub deposit: Share,
    pub balance_due_days: u32,
    pub cancellation_policy: FeeTable,
    pub hold_minutes: u32,
    pub documents_required: bool,
    /// The trip's own commission rate for its bookings' agents (basis points); `None`: the
    /// agent's rate, else the store's default (see `commissions`).
    pub commission_bp: Option<u32>,
    pub options: Vec<TripOption>,
}

/// An option or add-on of a trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripOption {
    pub id: String,
    pub trip_id: String,
    pub name: String,
    pub price_minor: i64,
    /// Per departure; `None`: unlimited.
    pub capacity: Option<i64>,
}

/// What a departure is made from. `seats` makes a pool of its own; `share_with` (another
/// departure's id) takes that departure's pool instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartureData {
    pub trip_id: String,
    pub departs_at: DateTime<Utc>,
    pub returns_at: Option<DateTime<Utc>>,
    pub time_zone: String,
    pub meeting_point: Option<String>,
    pub seats: Option<i64>,
    pub share_with: Option<String>,
}

/// A departure as stored, with its pool's seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    pub id: String,
    pub trip_id: String,
    pub trip_name: String,
    pub pool_id: String,
    pub departs_at: String,
    pub returns_at: Option<String>,
    pub time_zone: String,
    pub meeting_point: Option<String>,
    /// The pool's seats (shared with the other departures of the pool).
    pub capacity: i64,
}

fn check_text(what: &str, text: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(Error::invalid_input(format!(
            "{what} must be 1 to {max} characters"
        )));
    }
    if looks_like_pan(t) {
        return Err(Error::invalid_input(format!(
            "{what} looks like a card number; card numbers are never stored"
        )));
    }
    Ok(t.to_string())
}

/// The terms a trip sells under: its deposit rule, when the balance falls due, its
/// cancellation fees and how long a hold lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripPolicy {
    pub deposit: Share,
    pub balance_due_days: u32,
    pub cancellation_policy: FeeTable,
    pub hold_minutes: u32,
}

fn check_policy_bounds(balance_due_days: u32, hold_minutes: u32, deposit: Share) -> Result<()> {
    deposit.check("the deposit")?;
    if balance_due_days > 3660 {
        return Err(Error::invalid_input(
            "the balance is due at most 3660 days before departure",
        ));
    }
    if hold_minutes == 0 || hold_minutes > 60 * 24 * 90 {
        return Err(Error::invalid_input(
            "a hold lasts from 1 minute to 90 days",
        ));
    }
    Ok(())
}

/// The store's booking policy that new trips start from (Admin → Booking policies; the
/// `bookings.policy.*` settings).
pub fn default_policy(conn: &Connection, store_id: &str) -> Result<TripPolicy> {
    use crate::foundation::settings::{get_int, get_text};
    use kassa_domain::settings as keys;
    let whole = |key: &str| -> Result<u32> {
        u32::try_from(get_int(conn, store_id, key)?)
            .map_err(|_| Error::internal(format!("{key} is out of range")))
    };
    Ok(TripPolicy {
        deposit: Share::parse(&get_text(conn, store_id, keys::POLICY_DEPOSIT)?)?,
        balance_due_days: whole(keys::POLICY_BALANCE_DUE_DAYS)?,
        cancellation_policy: FeeTable::parse(&get_text(
            conn,
            store_id,
            keys::POLICY_CANCELLATION,
        )?)?,
        hold_minutes: whole(keys::POLICY_HOLD_MINUTES)?,
    })
}

impl Trip {
    /// The terms this trip sells under now.
    pub fn policy(&self) -> TripPolicy {
        TripPolicy {
            deposit: self.deposit,
            balance_due_days: self.balance_due_days,
            cancellation_policy: self.cancellation_policy.clone(),
            hold_minutes: self.hold_minutes,
        }
    }
}

/// Changes a trip's terms for the bookings made from now on: bookings already made keep the
/// deposit, due date and cancellation fees they were made under. Only the fields that
/// changed are recorded (last writer wins per field) and audited with before and after;
/// nothing changed writes nothing.
pub fn set_policy(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    trip_id: &str,
    p: &TripPolicy,
) -> Result<Trip> {
    check_policy_bounds(p.balance_due_days, p.hold_minutes, p.deposit)?;
    let before = trip(tx, trip_id)?;
    let (dk, dv) = p.deposit.parts();
    let (bk, bv) = before.deposit.parts();
    let mut was = serde_json::Map::new();
    let mut now = serde_json::Map::new();
    if (dk, dv) != (bk, bv) {
        was.insert("deposit_kind".into(), json!(bk));
        was.insert("deposit_value".into(), json!(bv));
        now.insert("deposit_kind".into(), json!(dk));
        now.insert("deposit_value".into(), json!(dv));
    }
    if p.balance_due_days != before.balance_due_days {
        was.insert("balance_due_days".into(), json!(before.balance_due_days));
        now.insert("balance_due_days".into(), json!(p.balance_due_days));
    }
    if p.cancellation_policy != before.cancellation_policy {
        was.insert(
            "cancellation_policy".into(),
            json!(before.cancellation_policy.to_text()),
        );
        now.insert(
            "cancellation_policy".into(),
            json!(p.cancellation_policy.to_text()),
        );
    }
    if p.hold_minutes != before.hold_minutes {
        was.insert("hold_minutes".into(), json!(before.hold_minutes));
        now.insert("hold_minutes".into(), json!(p.hold_minutes));
    }
    if now.is_empty() {
        return Ok(before);
    }
    tx.exec(
        "UPDATE trips SET deposit_kind = ?2, deposit_value = ?3, balance_due_days = ?4,
                cancellation_policy = ?5, hold_minutes = ?6, updated_at = ?7
          WHERE id = ?1",
        params![
            before.id,
            dk,
            dv,
            p.balance_due_days,
            p.cancellation_policy.to_text(),
            p.hold_minutes,
            tx.now_ts()
        ],
    )?;
    let after = serde_json::Value::Object(now);
    tx.record_change("trips", &before.id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("trip.policy_changed")
            .by(staff_id)
            .on("trip", &before.id)
            .before(serde_json::Value::Object(was))
            .after(after),
    )?;
    trip(tx, &before.id)
}

/// Creates a trip; audited, and recorded for the other devices.
pub fn create_trip(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    d: &TripData,
) -> Result<Trip> {
    let code = check_text("the trip code", &d.code, 40)?;
    let name = check_text("the trip name", &d.name, 200)?;
    d.prices.check()?;
    check_policy_bounds(d.balance_due_days, d.hold_minutes, d.deposit)?;
    let id = new_id();
    let now = tx.now_ts();
    let (dk, dv) = d.deposit.parts();
    let policy = d.cancellation_policy.to_text();
    tx.exec(
        "INSERT INTO trips (id, store_id, code, name, adult_minor, child_minor, senior_minor, deposit_kind,
            deposit_value, balance_due_days, cancellation_policy, hold_minutes, documents_required, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        params![
            id,
            store_id,
            code,
            name,
            d.prices.adult_minor,
            d.prices.child_minor,
            d.prices.senior_minor,
            dk,
            dv,
            d.balance_due_days,
            policy,
            d.hold_minutes,
            d.documents_required,
            now
        ],
    )?;
    let payload = json!({
        "store_id": store_id, "code": code, "name": name,
        "adult_minor": d.prices.adult_minor, "child_minor": d.prices.child_minor,
        "senior_minor": d.prices.senior_minor, "deposit_kind": dk, "deposit_value": dv,
        "balance_due_days": d.balance_due_days, "cancellation_policy": policy,
        "hold_minutes": d.hold_minutes, "documents_required": d.documents_required,
    });
    tx.record_change("trips", &id, ChangeOp::Upsert, &payload)?;
    tx.audit(
        AuditInput::new("trip.created")
            .by(staff_id)
            .on("trip", &id)
            .after(payload),
    )?;
    trip(tx, &id)
}

/// Adds an option to a trip.
pub fn add_option(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    trip_id: &str,
    name: &str,
    price_minor: i64,
    capacity: Option<i64>,
) -> Result<TripOption> {
    trip(tx, trip_id)?;
    let name = check_text("the option name", name, 200)?;
    check_amount("the option's price", price_minor)?;
    if let Some(c) = capacity
        && !(0..=100_000).contains(&c)
    {
        return Err(Error::invalid_input(
            "an option's capacity must be from 0 to 100000",
        ));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO trip_options (id, trip_id, name, price_minor, capacity, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, trip_id, name, price_minor, capacity, now],
    )?;
    let payload =
        json!({"trip_id": trip_id, "name": name, "price_minor": price_minor, "capacity": capacity});
    tx.record_change("trip_options", &id, ChangeOp::Upsert, &payload)?;
    tx.audit(
        AuditInput::new("trip.option_added")
            .by(staff_id)
            .on("trip", trip_id)
            .after(json!({"option_id": id, "name": name, "price_minor": price_minor, "capacity": capacity})),
    )?;
    Ok(TripOption {
        id,
        trip_id: trip_id.to_string(),
        name,
        price_minor,
        capacity,
    })
}

/// Adds a departure: with `seats`, in a capacity pool of its own; with `share_with`, in the
/// pool of that departure (their seats are one).
pub fn add_departure(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    d: &DepartureData,
) -> Result<Departure> {
    trip(tx, &d.trip_id)?;
    zone_of(&d.time_zone)?;
    if let Some(r) = d.returns_at
        && r < d.departs_at
    {
        return Err(Error::invalid_input("the return is before the departure"));
    }
    let meeting_point = d
        .meeting_point
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .map(|m| check_text("the meeting point", m, 300))
        .transpose()?;
    let now = tx.now_ts();
    let pool_id = match (&d.seats, &d.share_with) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(
                "give either the seats of a new departure or a departure to share seats with, not both",
            ));
        }
        (None, None) => {
            return Err(Error::invalid_input(
                "a departure needs its seats, or a departure to share seats with",
            ));
        }
        (None, Some(other)) => departure(tx, other)?.pool_id,
        (Some(seats), None) => {
            if !(0..=100_000).contains(seats) {
                return Err(Error::invalid_input(
                    "a departure has from 0 to 100000 seats",
                ));
            }
            let pool = new_id();
            tx.exec(
                "INSERT INTO capacity_pools (id, store_id, seats, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![pool, store_id, seats, now],
            )?;
            tx.record_change(
                "capacity_pools",
                &pool,
                ChangeOp::Upsert,
                &json!({"store_id": store_id, "seats": seats}),
            )?;
            pool
        }
    };
    let id = new_id();
    let departs_at = ts(d.departs_at);
    let returns_at = d.returns_at.map(ts);
    tx.exec(
        "INSERT INTO departures (id, trip_id, pool_id, departs_at, returns_at, time_zone, meeting_point, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![id, d.trip_id, pool_id, departs_at, returns_at, d.time_zone, meeting_point, now],
    )?;
    let payload = json!({
        "trip_id": d.trip_id, "pool_id": pool_id, "departs_at": departs_at, "returns_at": returns_at,
        "time_zone": d.time_zone, "meeting_point": meeting_point,
    });
    tx.record_change("departures", &id, ChangeOp::Upsert, &payload)?;
    tx.audit(
        AuditInput::new("departure.created")
            .by(staff_id)
            .on("departure", &id)
            .after(payload),
    )?;
    departure(tx, &id)
}

/// Sets a pool's seats (of a departure's pool); never below the seats booked in it.
pub fn set_capacity(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    departure_id: &str,
    seats: i64,
) -> Result<Departure> {
    let dep = departure(tx, departure_id)?;
    if !(0..=100_000).contains(&seats) {
        return Err(Error::invalid_input(
            "a departure has from 0 to 100000 seats",
        ));
    }
    let taken = super::seats_taken(tx, &dep.pool_id, None)?;
    if seats < taken {
        return Err(Error::new(
            kassa_domain::ErrorCode::InsufficientSeats,
            format!("{taken} seats are booked on this departure; it cannot have fewer"),
        ));
    }
    tx.exec(
        "UPDATE capacity_pools SET seats = ?2, updated_at = ?3 WHERE id = ?1",
        params![dep.pool_id, seats, tx.now_ts()],
    )?;
    tx.record_change(
        "capacity_pools",
        &dep.pool_id,
        ChangeOp::Upsert,
        &json!({"seats": seats}),
    )?;
    tx.audit(
        AuditInput::new("departure.capacity_set")
            .by(staff_id)
            .on("departure", departure_id)
            .before(json!({"seats": dep.capacity}))
            .after(json!({"seats": seats})),
    )?;
    departure(tx, departure_id)
}

/// A trip with its options; `not_found` when there is none.
pub fn trip(conn: &Connection, id: &str) -> Result<Trip> {
    let row = conn
        .prepare_cached(
            "SELECT id, code, name, adult_minor, child_minor, senior_minor, deposit_kind, deposit_value,
                    balance_due_days, cancellation_policy, hold_minutes, documents_required, commission_bp
               FROM trips WHERE id = ?1 OR code = ?1 ORDER BY id = ?1 DESC, id LIMIT 1",
        )
        .db()?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, i64>(10)?,
                r.get::<_, bool>(11)?,
                r.get::<_, Option<i64>>(12)?,
            ))
        })
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no trip '{id}'")))?;
    let options = conn
        .prepare_cached(
            "SELECT id, trip_id, name, price_minor, capacity FROM trip_options WHERE trip_id = ?1 ORDER BY created_at, id",
        )
        .db()?
        .query_map([&row.0], |r| {
            Ok(TripOption {
                id: r.get(0)?,
                trip_id: r.get(1)?,
                name: r.get(2)?,
                price_minor: r.get(3)?,
                capacity: r.get(4)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(Trip {
        id: row.0,
        code: row.1,
        name: row.2,
        prices: TravellerPrices {
            adult_minor: row.3,
            child_minor: row.4,
            senior_minor: row.5,
        },
        deposit: Share::from_parts(&row.6, row.7)?,
        balance_due_days: u32::try_from(row.8).unwrap_or(0),
        cancellation_policy: FeeTable::parse(&row.9)?,
        hold_minutes: u32::try_from(row.10).unwrap_or(1),
        documents_required: row.11,
        commission_bp: row.12.and_then(|r| u32::try_from(r).ok()),
        options,
    })
}

/// Every trip, by code.
pub fn trips(conn: &Connection) -> Result<Vec<Trip>> {
    let ids = conn
        .prepare_cached("SELECT id FROM trips ORDER BY code, id")
        .db()?
        .query_map([], |r| r.get::<_, String>(0))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    ids.iter().map(|id| trip(conn, id)).collect()
}

const DEP_COLS: &str = "d.id, d.trip_id, t.name, d.pool_id, d.departs_at, d.returns_at, d.time_zone, d.meeting_point, p.seats";

fn dep_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Departure> {
    Ok(Departure {
        id: r.get(0)?,
        trip_id: r.get(1)?,
        trip_name: r.get(2)?,
        pool_id: r.get(3)?,
        departs_at: r.get(4)?,
        returns_at: r.get(5)?,
        time_zone: r.get(6)?,
        meeting_point: r.get(7)?,
        capacity: r.get(8)?,
    })
}

/// A departure; `not_found` when there is none.
pub fn departure(conn: &Connection, id: &str) -> Result<Departure> {
    conn.prepare_cached(&format!(
        "SELECT {DEP_COLS} FROM departures d JOIN trips t ON t.id = d.trip_id
           JOIN capacity_pools p ON p.id = d.pool_id WHERE d.id = ?1"
    ))
    .db()?
    .query_row([id], dep_row)
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no departure '{id}'")))
}

/// Departures from `from` (inclusive) to `to` (exclusive), optionally of one trip, by time.
pub fn departures(
    conn: &Connection,
    trip_id: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<Departure>> {
    let from = from.map(ts).unwrap_or_default();
    let to = to.map(ts).unwrap_or_else(|| "9999".to_string());
    conn.prepare_cached(&format!(
        "SELECT {DEP_COLS} FROM departures d JOIN trips t ON t.id = d.trip_id
           JOIN capacity_pools p ON p.id = d.pool_id
          WHERE d.departs_at >= ?1 AND d.departs_at < ?2 AND (?3 IS NULL OR d.trip_id = ?3)
          ORDER BY d.departs_at, d.id"
    ))
    .db()?
    .query_map(params![from, to, trip_id], dep_row)
    .db()?
    .collect::<rusqlite::Result<Vec<_>>>()
    .db()
}

impl Departure {
    /// When it leaves.
    pub fn departs(&self) -> Result<DateTime<Utc>> {
        parse_ts(&self.departs_at)
    }
}

/// A stored UTC time as the wall clock of zone `time_zone`: `2027-07-10 06:00 Europe/Berlin`.
pub fn local_time(stored: &str, time_zone: &str) -> Result<String> {
    local_time_as(stored, time_zone, "%Y-%m-%d %H:%M")
}

/// [`local_time`] with the wall clock written by `format` (strftime), for a document in
/// another language.
pub fn local_time_as(stored: &str, time_zone: &str, format: &str) -> Result<String> {
    let zone = zone_of(time_zone)?;
    let t = parse_ts(stored)?;
    let ts = jiff::Timestamp::from_millisecond(t.timestamp_millis())
        .map_err(|_| Error::invalid_input("the time is out of range"))?;
    Ok(format!(
        "{} {time_zone}",
        ts.to_zoned(zone).strftime(format)
    ))
}

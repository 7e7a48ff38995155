//! Card payments over a period, store-wide, of sales and of bookings: by status (captured,
//! pending offline, declined; a payment the provider answered afterwards has its outcome's
//! status) and by brand, the payments still waiting for the provider with their age, the
//! declined ones with their sale or booking and how to reach the customer, and this device's
//! offline exposure against the store's limits.
//!
//! A sale's card payment counts on the business date of its sale, a booking's on its own. The
//! exposure is what the offline limits check when a card is taken offline: every payment this
//! device took offline that is still pending, whatever its date.

use super::Period;
use crate::SqlResult;
use crate::foundation::settings;
use crate::parse_ts;
use crate::selling::checkout;
use chrono::{DateTime, Utc};
use kassa_domain::Result;
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// The statuses of a card payment, in the report's order.
pub const STATUSES: [&str; 3] = ["captured", "offline_pending", "declined"];

/// Card payments of one status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardStatusRow {
    pub status: String,
    pub payments: i64,
    pub amount_minor: i64,
}

/// Card payments of one brand (empty when the brand was not recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardBrandRow {
    pub brand: String,
    pub payments: i64,
    pub amount_minor: i64,
    pub captured_minor: i64,
    pub pending_minor: i64,
    pub declined_minor: i64,
}

/// Every card payment, a sale's or a booking's, as the report reads it: the document (the
/// order, or the booking), its number (the sale's receipt number, or the booking's reference),
/// the business date it counts on, the device that took it, the amount, the card, when it was
/// taken, the contact kept with it, the customer, and its effective status.
const CARD_PAYMENTS: &str = "WITH card_payments AS (
    SELECT o.id AS doc_id, o.number AS number, o.business_date AS business_date, o.device_id AS device_id,
           o.store_id AS store_id, p.amount_minor AS amount_minor,
           coalesce(p.card_brand, po.card_brand) AS brand, coalesce(p.card_last4, po.card_last4) AS last4,
           p.created_at AS created_at, p.customer_contact AS contact, o.customer_id AS customer_id,
           coalesce(po.status, p.status) AS status, p.position AS position
      FROM payments p JOIN orders o ON o.id = p.order_id LEFT JOIN payment_outcomes po ON po.payment_id = p.id
     WHERE p.kind = 'card'
    UNION ALL
    SELECT b.id, b.reference, p.business_date, p.device_id, b.store_id, p.amount_minor,
           coalesce(p.card_brand, po.card_brand), coalesce(p.card_last4, po.card_last4), p.created_at, NULL,
           b.customer_id, coalesce(po.status, p.status, 'captured'), 0
      FROM booking_payments p JOIN bookings b ON b.id = p.booking_id LEFT JOIN payment_outcomes po ON po.payment_id = p.id
     WHERE p.kind = 'card' AND p.direction = 'payment')";

/// One card payment, with its sale (or booking) and the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPaymentRow {
    /// The sale's order, or the booking.
    pub order_id: String,
    /// The sale's receipt number, or the booking's reference.
    pub number: String,
    pub business_date: String,
    pub device_id: String,
    pub amount_minor: i64,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub taken_at: String,
    /// Minutes since it was taken.
    pub age_minutes: i64,
    /// The contact taken with the payment.
    pub contact: Option<String>,
    /// The sale's customer, if it had one.
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
}

/// This device's offline card payments against the store's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardExposure {
    /// Offline payments of this device still pending, and their sum.
    pub pending: i64,
    pub pending_minor: i64,
    /// The store's limit on that sum; 0 takes no card offline.
    pub limit_minor: i64,
    /// What may still be taken offline (never below zero).
    pub left_minor: i64,
    /// The limit per payment.
    pub per_payment_minor: i64,
    /// Hours a payment may wait before no more are taken offline.
    pub max_age_hours: i64,
    pub oldest_at: Option<String>,
    pub oldest_age_minutes: Option<i64>,
    /// Pending offline payments of every device this device holds (synced so far).
    pub store_pending: i64,
    pub store_pending_minor: i64,
}

/// The card payments report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardsReport {
    pub period: Period,
    pub payments: i64,
    pub amount_minor: i64,
    /// Every status, in [`STATUSES`] order.
    pub by_status: Vec<CardStatusRow>,
    /// By amount, largest first.
    pub by_brand: Vec<CardBrandRow>,
    /// Pending in the period, oldest first.
    pub pending: Vec<CardPaymentRow>,
    /// Declined in the period, oldest first.
    pub declined: Vec<CardPaymentRow>,
    pub exposure: CardExposure,
}

fn rows(
    conn: &Connection,
    store_id: &str,
    period: &Period,
    status: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CardPaymentRow>> {
    let raw = conn
        .prepare_cached(&format!(
            "{CARD_PAYMENTS}
             SELECT k.doc_id, k.number, k.business_date, k.device_id, k.amount_minor, k.brand, k.last4,
                    k.created_at, k.contact, c.name, c.email, c.phone
               FROM card_payments k LEFT JOIN customers c ON c.id = k.customer_id
              WHERE k.status = ?4 AND k.store_id = ?1 AND k.business_date BETWEEN ?2 AND ?3
              ORDER BY k.created_at, k.number, k.position"
        ))
        .db()?
        .query_map(
            params![store_id, period.from_text(), period.to_text(), status],
            |r| {
                Ok(CardPaymentRow {
                    order_id: r.get(0)?,
                    number: r.get(1)?,
                    business_date: r.get(2)?,
                    device_id: r.get(3)?,
                    amount_minor: r.get(4)?,
                    brand: r.get(5)?,
                    last4: r.get(6)?,
                    taken_at: r.get(7)?,
                    age_minutes: 0,
                    contact: r.get(8)?,
                    customer_name: r.get(9)?,
                    customer_email: r.get(10)?,
                    customer_phone: r.get(11)?,
                })
            },
        )
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    raw.into_iter()
        .map(|mut row| {
            row.age_minutes = (now - parse_ts(&row.taken_at)?).num_minutes().max(0);
            Ok(row)
        })
        .collect()
}

/// The card payments of store `store_id` in `period`, with ages as at `now`.
pub fn cards(
    conn: &Connection,
    store_id: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<CardsReport> {
    let grouped = conn
        .prepare(&format!(
            "{CARD_PAYMENTS}
             SELECT k.status, coalesce(k.brand, ''), count(*), sum(k.amount_minor)
               FROM card_payments k
              WHERE k.store_id = ?1 AND k.business_date BETWEEN ?2 AND ?3
              GROUP BY 1, 2"
        ))
        .db()?
        .query_map(
            params![store_id, period.from_text(), period.to_text()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut by_status: Vec<CardStatusRow> = STATUSES
        .iter()
        .map(|s| CardStatusRow {
            status: (*s).to_string(),
            ..CardStatusRow::default()
        })
        .collect();
    let mut brands: BTreeMap<String, CardBrandRow> = BTreeMap::new();
    for (status, brand, count, amount) in grouped {
        if let Some(s) = by_status.iter_mut().find(|s| s.status == status) {
            s.payments += count;
            s.amount_minor += amount;
        }
        let b = brands.entry(brand).or_default();
        b.payments += count;
        b.amount_minor += amount;
        match status.as_str() {
            "captured" => b.captured_minor += amount,
            "offline_pending" => b.pending_minor += amount,
            _ => b.declined_minor += amount,
        }
    }
    let mut by_brand: Vec<CardBrandRow> = brands
        .into_iter()
        .map(|(brand, mut b)| {
            b.brand = brand;
            b
        })
        .collect();
    by_brand.sort_by(|a, b| {
        b.amount_minor
            .cmp(&a.amount_minor)
            .then(a.brand.cmp(&b.brand))
    });

    let (pending_minor, oldest_at) = checkout::offline_card_exposure(conn)?;
    let pending: i64 = conn
        .query_row(
            &format!(
                "{CARD_PAYMENTS}
                 SELECT count(*) FROM card_payments k
                  WHERE k.status = 'offline_pending' AND k.device_id = (SELECT id FROM device)"
            ),
            [],
            |r| r.get(0),
        )
        .db()?;
    let (store_pending, store_pending_minor) = conn
        .query_row(
            &format!(
                "{CARD_PAYMENTS}
                 SELECT count(*), coalesce(sum(k.amount_minor), 0) FROM card_payments k
                  WHERE k.status = 'offline_pending' AND k.store_id = ?1"
            ),
            [store_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .db()?;
    let limit_minor = settings::get_int(conn, store_id, "payments.offline_card_exposure_minor")?;
    let oldest_age_minutes = match &oldest_at {
        Some(t) => Some((now - parse_ts(t)?).num_minutes().max(0)),
        None => None,
    };
    let exposure = CardExposure {
        pending,
        pending_minor,
        limit_minor,
        left_minor: (limit_minor - pending_minor).max(0),
        per_payment_minor: settings::get_int(conn, store_id, "payments.offline_card_max_minor")?,
        max_age_hours: settings::get_int(conn, store_id, "payments.offline_card_max_age_hours")?,
        oldest_at,
        oldest_age_minutes,
        store_pending,
        store_pending_minor,
    };
    Ok(CardsReport {
        payments: by_status.iter().map(|s| s.payments).sum(),
        amount_minor: by_status.iter().map(|s| s.amount_minor).sum(),
        pending: rows(conn, store_id, &period, "offline_pending", now)?,
        declined: rows(conn, store_id, &period, "declined", now)?,
        period,
        by_status,
        by_brand,
        exposure,
    })
}

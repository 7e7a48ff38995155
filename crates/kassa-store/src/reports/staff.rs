//! What each person did in a period: sales, refunds and voids, discounts, drawer openings, and
//! every override (a discount, refund or void a manager approved) with who approved it.

use super::Period;
use crate::SqlResult;
use kassa_domain::Result;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;

/// One person's activity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffActivity {
    pub staff_id: String,
    pub name: String,
    pub role: String,
    pub orders: i64,
    pub sales_minor: i64,
    pub discount_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub voids: i64,
    pub voids_minor: i64,
    /// Drawer openings outside a cash sale ("no sale", reprints).
    pub drawer_opens: i64,
    /// Actions of theirs a manager approved.
    pub overrides: i64,
    /// Approvals they gave others.
    pub approvals: i64,
}

/// A discount, refund or void that needed and got someone's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// `discount`, `refund` or `void`.
    pub kind: String,
    pub business_date: String,
    pub at: String,
    /// The receipt number of the sale or refund.
    pub number: String,
    pub amount_minor: i64,
    pub staff_id: String,
    pub staff_name: String,
    pub approver_id: String,
    pub approver_name: String,
}

/// The staff report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffReport {
    pub period: Period,
    pub people: Vec<StaffActivity>,
    pub overrides: Vec<Override>,
}

const SALES_WHERE: &str = "o.store_id = ?1 AND o.business_date BETWEEN ?2 AND ?3";
const REFUNDS_WHERE: &str = "o.store_id = ?1 AND x.business_date BETWEEN ?2 AND ?3";

/// The activity of everyone who did something in `period` in store `store_id`.
pub fn staff(conn: &Connection, store_id: &str, period: Period) -> Result<StaffReport> {
    let (from, to) = (period.from_text(), period.to_text());
    let args = params![store_id, from, to];
    let mut people: BTreeMap<String, StaffActivity> = BTreeMap::new();
    let mut st = conn
        .prepare(&format!(
            "SELECT o.staff_id, count(*), sum(o.total_minor + o.rounding_minor), sum(o.discount_minor)
             FROM orders o WHERE {SALES_WHERE} GROUP BY 1"
        ))
        .db()?;
    let mut rows = st.query(args).db()?;
    while let Some(r) = rows.next().db()? {
        let p = people.entry(r.get(0).db()?).or_default();
        (p.orders, p.sales_minor, p.discount_minor) =
            (r.get(1).db()?, r.get(2).db()?, r.get(3).db()?);
    }
    let mut st = conn
        .prepare(&format!(
            "SELECT x.staff_id, coalesce(sum(x.kind = 'refund'), 0),
                    coalesce(sum(CASE WHEN x.kind = 'refund' THEN x.amount_minor + x.rounding_minor END), 0),
                    coalesce(sum(x.kind = 'void'), 0),
                    coalesce(sum(CASE WHEN x.kind = 'void' THEN x.amount_minor + x.rounding_minor END), 0)
             FROM refunds x JOIN orders o ON o.id = x.order_id WHERE {REFUNDS_WHERE} GROUP BY 1"
        ))
        .db()?;
    let mut rows = st.query(args).db()?;
    while let Some(r) = rows.next().db()? {
        let p = people.entry(r.get(0).db()?).or_default();
        (p.refunds, p.refunds_minor, p.voids, p.voids_minor) = (
            r.get(1).db()?,
            r.get(2).db()?,
            r.get(3).db()?,
            r.get(4).db()?,
        );
    }
    let mut st = conn
        .prepare(
            "SELECT d.staff_id, count(*) FROM drawer_opens d
             WHERE d.business_date BETWEEN ?1 AND ?2 AND d.kind <> 'sale' GROUP BY 1",
        )
        .db()?;
    let mut rows = st.query(params![from, to]).db()?;
    while let Some(r) = rows.next().db()? {
        people.entry(r.get(0).db()?).or_default().drawer_opens = r.get(1).db()?;
    }
    let mut overrides: Vec<Override> = conn
        .prepare(&format!(
            "SELECT 'discount', o.business_date, o.created_at, o.number, o.discount_minor, e.actor_id, e.approver_id
             FROM orders o JOIN order_events e ON e.order_id = o.id AND e.event = 'pay'
             WHERE {SALES_WHERE} AND e.approver_id IS NOT NULL
             UNION ALL
             SELECT x.kind, x.business_date, x.created_at, x.number, x.amount_minor + x.rounding_minor, x.staff_id, x.approver_id
             FROM refunds x JOIN orders o ON o.id = x.order_id
             WHERE {REFUNDS_WHERE} AND x.approver_id IS NOT NULL
             ORDER BY 3, 4"
        ))
        .db()?
        .query_map(args, |r| {
            Ok(Override {
                kind: r.get(0)?,
                business_date: r.get(1)?,
                at: r.get(2)?,
                number: r.get(3)?,
                amount_minor: r.get(4)?,
                staff_id: r.get(5)?,
                staff_name: String::new(),
                approver_id: r.get(6)?,
                approver_name: String::new(),
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for o in &overrides {
        people.entry(o.staff_id.clone()).or_default().overrides += 1;
        people.entry(o.approver_id.clone()).or_default().approvals += 1;
    }
    let mut who = conn
        .prepare_cached("SELECT display_name, role FROM staff WHERE id = ?1")
        .db()?;
    let mut name_of = |id: &str| -> Result<(String, String)> {
        Ok(who
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db()?
            .unwrap_or_else(|| (id.to_string(), String::new())))
    };
    for o in &mut overrides {
        o.staff_name = name_of(&o.staff_id)?.0;
        o.approver_name = name_of(&o.approver_id)?.0;
    }
    let mut list = Vec::with_capacity(people.len());
    for (id, mut p) in people {
        (p.name, p.role) = name_of(&id)?;
        p.staff_id = id;
        list.push(p);
    }
    list.sort_by(|a, b| b.sales_minor.cmp(&a.sales_minor).then(a.name.cmp(&b.name)));
    Ok(StaffReport {
        period,
        people: list,
        overrides,
    })
}

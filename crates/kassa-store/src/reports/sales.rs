//! Sales over a period, store-wide, grouped one way. Sales count on the business date they
//! were booked, refunds (voids included) on theirs, exactly as the Z reports count them, so
//! the totals of one day equal the sum of that day's Z reports to the minor unit.
//!
//! Gross is what customers paid (tax included, after discounts; cash rounding included in the
//! totals and in rows by order), net is gross less refunds (the Z report's net sales). Rows by
//! product or category add up to the totals less cash rounding, which belongs to no line; rows
//! by tender carry no discount or tax, which a split payment does not divide. Cost and margin
//! use each line's cost as it was at the sale; margin is what was taken without tax, less
//! refunds without tax, less the cost of what was sold and not returned.

use super::Period;
use crate::SqlResult;
use crate::catalog;
use crate::foundation::business_day::BusinessDay;
use chrono::{Datelike, NaiveDate, Timelike};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// How a sales report's rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Product,
    Category,
    Staff,
    Tender,
    Customer,
    Device,
    Hour,
    Day,
    Week,
    Month,
}

impl Dimension {
    /// Every grouping, as the CLI lists them.
    pub const ALL: [Dimension; 10] = [
        Dimension::Product,
        Dimension::Category,
        Dimension::Staff,
        Dimension::Tender,
        Dimension::Customer,
        Dimension::Device,
        Dimension::Hour,
        Dimension::Day,
        Dimension::Week,
        Dimension::Month,
    ];

    /// The grouping's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Product => "product",
            Dimension::Category => "category",
            Dimension::Staff => "staff",
            Dimension::Tender => "tender",
            Dimension::Customer => "customer",
            Dimension::Device => "device",
            Dimension::Hour => "hour",
            Dimension::Day => "day",
            Dimension::Week => "week",
            Dimension::Month => "month",
        }
    }

    /// Parses a grouping's name.
    pub fn parse(s: &str) -> Result<Dimension> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "'{s}' is not a way to group sales ({})",
                    Dimension::ALL.map(Dimension::as_str).join(", ")
                ))
            })
    }

    /// Whether rows follow time, and so sort by their key.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Dimension::Hour | Dimension::Day | Dimension::Week | Dimension::Month
        )
    }
}

/// One group's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesRow {
    /// What the rows are grouped by: a product or staff id, `cash`, `2026-11-22`, `2026-W47`,
    /// `2026-11`, `09` (an hour of the store's clock); empty for sales with no customer or
    /// products with no category.
    pub key: String,
    /// The key as people read it.
    pub label: String,
    /// Sales in the group (by product or category: sales with such a line).
    pub orders: i64,
    /// Units sold (by product or category only).
    pub quantity: Option<i64>,
    pub gross_minor: i64,
    /// Not for rows by tender.
    pub discount_minor: Option<i64>,
    /// Not for rows by tender.
    pub tax_minor: Option<i64>,
    pub refunds: i64,
    pub refunds_minor: i64,
    /// Not for rows by tender.
    pub refunds_tax_minor: Option<i64>,
    /// Gross less refunds.
    pub net_minor: i64,
    /// Cost of what was sold less what came back; only when asked, never by tender.
    pub cost_minor: Option<i64>,
    pub margin_minor: Option<i64>,
}

/// The whole period's figures, computed the way the Z report computes a day's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesTotals {
    pub orders: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    /// Cash rounding of sales (in gross, in no line).
    pub rounding_minor: i64,
    /// Refunds and voids.
    pub refunds: i64,
    pub refunds_minor: i64,
    pub refunds_tax_minor: i64,
    /// Cash rounding of refunds (in refunds, in no line).
    pub refunds_rounding_minor: i64,
    pub voids: i64,
    pub net_minor: i64,
    pub by_tender: BTreeMap<String, i64>,
    pub refunds_by_tender: BTreeMap<String, i64>,
    pub cost_minor: Option<i64>,
    pub margin_minor: Option<i64>,
    /// Lines sold without a cost price, when cost was asked: their cost counts as zero.
    pub lines_without_cost: Option<i64>,
}

/// A period's sales grouped one way, with the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesReport {
    pub period: Period,
    pub by: Dimension,
    pub rows: Vec<SalesRow>,
    pub totals: SalesTotals,
}

#[derive(Default)]
struct Acc {
    label: String,
    orders: i64,
    quantity: i64,
    gross: i64,
    discount: i64,
    tax: i64,
    refunds: i64,
    refunds_minor: i64,
    refunds_tax: i64,
    cost: i64,
    returned_cost: i64,
}

/// What the period's filter binds: `?1` store, `?2` first date, `?3` last date.
const SALES_WHERE: &str = "o.store_id = ?1 AND o.business_date BETWEEN ?2 AND ?3";
const REFUNDS_FROM: &str = "refunds x JOIN orders o ON o.id = x.order_id";
const REFUNDS_WHERE: &str = "o.store_id = ?1 AND x.business_date BETWEEN ?2 AND ?3";

fn sum_map(
    conn: &Connection,
    sql: &str,
    store_id: &str,
    p: &Period,
) -> Result<BTreeMap<String, i64>> {
    conn.prepare(sql)
        .db()?
        .query_map(params![store_id, p.from_text(), p.to_text()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

/// The period's totals, as the Z report adds up a day.
fn totals(conn: &Connection, store_id: &str, p: &Period, with_cost: bool) -> Result<SalesTotals> {
    let args = params![store_id, p.from_text(), p.to_text()];
    let mut t = SalesTotals::default();
    (t.orders, t.gross_minor, t.discount_minor, t.tax_minor, t.rounding_minor) = conn
        .query_row(
            &format!(
                "SELECT count(*), coalesce(sum(o.total_minor + o.rounding_minor), 0), coalesce(sum(o.discount_minor), 0),
                        coalesce(sum(o.tax_minor), 0), coalesce(sum(o.rounding_minor), 0)
                 FROM orders o WHERE {SALES_WHERE}"
            ),
            args,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .db()?;
    (
        t.refunds,
        t.refunds_minor,
        t.refunds_tax_minor,
        t.refunds_rounding_minor,
        t.voids,
    ) = conn
        .query_row(
            &format!(
                "SELECT count(*), coalesce(sum(x.amount_minor + x.rounding_minor), 0), coalesce(sum(x.tax_minor), 0),
                        coalesce(sum(x.rounding_minor), 0), coalesce(sum(x.kind = 'void'), 0)
                 FROM {REFUNDS_FROM} WHERE {REFUNDS_WHERE}"
            ),
            args,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .db()?;
    t.net_minor = t.gross_minor - t.refunds_minor;
    t.by_tender = sum_map(
        conn,
        &format!(
            "SELECT pm.kind, sum(pm.amount_minor) FROM orders o JOIN payments pm ON pm.order_id = o.id
             WHERE {SALES_WHERE} GROUP BY 1"
        ),
        store_id,
        p,
    )?;
    t.refunds_by_tender = sum_map(
        conn,
        &format!(
            "SELECT rp.kind, sum(rp.amount_minor) FROM {REFUNDS_FROM} JOIN refund_payments rp ON rp.refund_id = x.id
             WHERE {REFUNDS_WHERE} GROUP BY 1"
        ),
        store_id,
        p,
    )?;
    if with_cost {
        let (cost, missing): (i64, i64) = conn
            .query_row(
                &format!(
                    "SELECT coalesce(sum(l.quantity * l.cost_minor), 0), coalesce(sum(l.cost_minor IS NULL), 0)
                     FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE {SALES_WHERE}"
                ),
                args,
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .db()?;
        let returned: i64 = conn
            .query_row(
                &format!(
                    "SELECT coalesce(sum(rl.quantity * l.cost_minor), 0)
                     FROM {REFUNDS_FROM} JOIN refund_lines rl ON rl.refund_id = x.id
                     JOIN order_lines l ON l.id = rl.order_line_id WHERE {REFUNDS_WHERE}"
                ),
                args,
                |r| r.get(0),
            )
            .db()?;
        let cost = cost - returned;
        t.cost_minor = Some(cost);
        t.margin_minor = Some(margin(
            t.gross_minor,
            t.tax_minor,
            t.refunds_minor,
            t.refunds_tax_minor,
            cost,
        ));
        t.lines_without_cost = Some(missing);
    }
    Ok(t)
}

fn margin(gross: i64, tax: i64, refunds: i64, refunds_tax: i64, cost: i64) -> i64 {
    (gross - tax) - (refunds - refunds_tax) - cost
}

/// The SQL that groups a sale (`o`, its lines `l`) and a refund (`x`, its lines `rl` with the
/// sold line `l`) by the dimension; time groupings coarser than a day fold days afterwards.
struct Keys {
    sale: &'static str,
    refund: &'static str,
    /// Extra joins both need.
    join: &'static str,
}

fn keys(by: Dimension) -> Keys {
    let (sale, refund, join) = match by {
        Dimension::Product => ("l.product_id", "l.product_id", ""),
        Dimension::Category => (
            "ifnull(pr.category_id, '')",
            "ifnull(pr.category_id, '')",
            "LEFT JOIN products pr ON pr.id = l.product_id",
        ),
        Dimension::Staff => ("o.staff_id", "x.staff_id", ""),
        Dimension::Customer => ("ifnull(o.customer_id, '')", "ifnull(o.customer_id, '')", ""),
        Dimension::Device => ("o.device_id", "x.device_id", ""),
        Dimension::Hour => (
            "kassa_local_hour(o.created_at)",
            "kassa_local_hour(x.created_at)",
            "",
        ),
        Dimension::Day | Dimension::Week | Dimension::Month | Dimension::Tender => {
            ("o.business_date", "x.business_date", "")
        }
    };
    Keys { sale, refund, join }
}

/// Makes `kassa_local_hour(created_at)` give the hour of the store's clock, `00` to `23`.
fn register_local_hour(conn: &Connection, day: BusinessDay) -> Result<()> {
    conn.create_scalar_function(
        "kassa_local_hour",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        move |ctx| {
            let text: String = ctx.get(0)?;
            Ok(crate::parse_ts(&text)
                .ok()
                .map(|t| format!("{:02}", day.local(t).hour())))
        },
    )
    .db()
}

/// The sales of `period` in store `store_id`, grouped `by`; cost and margin when `with_cost`.
/// Whether the person may see cost prices is the caller's check.
pub fn sales(
    conn: &Connection,
    store_id: &str,
    period: Period,
    by: Dimension,
    with_cost: bool,
) -> Result<SalesReport> {
    let totals = totals(conn, store_id, &period, with_cost)?;
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let args = params![store_id, period.from_text(), period.to_text()];
    if by == Dimension::Hour {
        register_local_hour(conn, BusinessDay::of_store(conn, store_id)?)?;
    }
    match by {
        Dimension::Tender => {
            let sales = format!(
                "SELECT pm.kind, count(DISTINCT pm.order_id), sum(pm.amount_minor) FROM orders o
                 JOIN payments pm ON pm.order_id = o.id WHERE {SALES_WHERE} GROUP BY 1"
            );
            let mut st = conn.prepare(&sales).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.orders = r.get(1).db()?;
                a.gross = r.get(2).db()?;
            }
            let refunds = format!(
                "SELECT rp.kind, count(DISTINCT x.id), sum(rp.amount_minor) FROM {REFUNDS_FROM}
                 JOIN refund_payments rp ON rp.refund_id = x.id WHERE {REFUNDS_WHERE} GROUP BY 1"
            );
            let mut st = conn.prepare(&refunds).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.refunds = r.get(1).db()?;
                a.refunds_minor = r.get(2).db()?;
            }
        }
        Dimension::Product | Dimension::Category => {
            let k = keys(by);
            let sales = format!(
                "SELECT {key}, count(DISTINCT l.order_id), sum(l.quantity), sum(l.total_minor),
                        sum(l.line_discount_minor + l.order_discount_minor), sum(l.tax_minor),
                        coalesce(sum(l.quantity * l.cost_minor), 0), max(l.sku) || ' ' || max(l.name)
                 FROM orders o JOIN order_lines l ON l.order_id = o.id {join}
                 WHERE {SALES_WHERE} GROUP BY 1",
                key = k.sale,
                join = k.join
            );
            let mut st = conn.prepare(&sales).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.orders = r.get(1).db()?;
                a.quantity = r.get(2).db()?;
                a.gross = r.get(3).db()?;
                a.discount = r.get(4).db()?;
                a.tax = r.get(5).db()?;
                a.cost = r.get(6).db()?;
                a.label = r.get(7).db()?;
            }
            let refunds = format!(
                "SELECT {key}, count(DISTINCT x.id), sum(rl.amount_minor), sum(rl.tax_minor),
                        coalesce(sum(rl.quantity * l.cost_minor), 0), max(l.sku) || ' ' || max(l.name)
                 FROM {REFUNDS_FROM} JOIN refund_lines rl ON rl.refund_id = x.id
                 JOIN order_lines l ON l.id = rl.order_line_id {join}
                 WHERE {REFUNDS_WHERE} GROUP BY 1",
                key = k.refund,
                join = k.join
            );
            let mut st = conn.prepare(&refunds).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.refunds = r.get(1).db()?;
                a.refunds_minor = r.get(2).db()?;
                a.refunds_tax = r.get(3).db()?;
                a.returned_cost = r.get(4).db()?;
                if a.label.is_empty() {
                    a.label = r.get(5).db()?;
                }
            }
        }
        _ => {
            let k = keys(by);
            let sales = format!(
                "SELECT {key}, count(*), sum(o.total_minor + o.rounding_minor), sum(o.discount_minor), sum(o.tax_minor)
                 FROM orders o WHERE {SALES_WHERE} GROUP BY 1",
                key = k.sale
            );
            let mut st = conn.prepare(&sales).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.orders = r.get(1).db()?;
                a.gross = r.get(2).db()?;
                a.discount = r.get(3).db()?;
                a.tax = r.get(4).db()?;
            }
            let refunds = format!(
                "SELECT {key}, count(*), sum(x.amount_minor + x.rounding_minor), sum(x.tax_minor)
                 FROM {REFUNDS_FROM} WHERE {REFUNDS_WHERE} GROUP BY 1",
                key = k.refund
            );
            let mut st = conn.prepare(&refunds).db()?;
            let mut rows = st.query(args).db()?;
            while let Some(r) = rows.next().db()? {
                let a = acc.entry(r.get(0).db()?).or_default();
                a.refunds = r.get(1).db()?;
                a.refunds_minor = r.get(2).db()?;
                a.refunds_tax = r.get(3).db()?;
            }
            if with_cost {
                let cost = format!(
                    "SELECT {key}, coalesce(sum(l.quantity * l.cost_minor), 0)
                     FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE {SALES_WHERE} GROUP BY 1",
                    key = k.sale
                );
                for (key, c) in sum_map(conn, &cost, store_id, &period)? {
                    acc.entry(key).or_default().cost = c;
                }
                let returned = format!(
                    "SELECT {key}, coalesce(sum(rl.quantity * l.cost_minor), 0)
                     FROM {REFUNDS_FROM} JOIN refund_lines rl ON rl.refund_id = x.id
                     JOIN order_lines l ON l.id = rl.order_line_id WHERE {REFUNDS_WHERE} GROUP BY 1",
                    key = k.refund
                );
                for (key, c) in sum_map(conn, &returned, store_id, &period)? {
                    acc.entry(key).or_default().returned_cost = c;
                }
            }
        }
    }
    if matches!(by, Dimension::Week | Dimension::Month) {
        acc = fold_days(acc, by)?;
    }
    label(conn, store_id, by, &mut acc)?;
    let mut rows: Vec<SalesRow> = acc
        .into_iter()
        .map(|(key, a)| row(by, with_cost, key, a))
        .collect();
    if !by.is_time() {
        rows.sort_by(|a, b| b.gross_minor.cmp(&a.gross_minor).then(a.key.cmp(&b.key)));
    }
    Ok(SalesReport {
        period,
        by,
        rows,
        totals,
    })
}

fn row(by: Dimension, with_cost: bool, key: String, a: Acc) -> SalesRow {
    let tender = by == Dimension::Tender;
    let lines = matches!(by, Dimension::Product | Dimension::Category);
    let cost = (with_cost && !tender).then_some(a.cost - a.returned_cost);
    SalesRow {
        label: if a.label.is_empty() {
            key.clone()
        } else {
            a.label
        },
        key,
        orders: a.orders,
        quantity: lines.then_some(a.quantity),
        gross_minor: a.gross,
        discount_minor: (!tender).then_some(a.discount),
        tax_minor: (!tender).then_some(a.tax),
        refunds: a.refunds,
        refunds_minor: a.refunds_minor,
        refunds_tax_minor: (!tender).then_some(a.refunds_tax),
        net_minor: a.gross - a.refunds_minor,
        cost_minor: cost,
        margin_minor: cost.map(|c| margin(a.gross, a.tax, a.refunds_minor, a.refunds_tax, c)),
    }
}

/// Days folded into ISO weeks (`2026-W47`) or months (`2026-11`).
fn fold_days(days: BTreeMap<String, Acc>, by: Dimension) -> Result<BTreeMap<String, Acc>> {
    let mut out: BTreeMap<String, Acc> = BTreeMap::new();
    for (day, a) in days {
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|_| Error::internal(format!("a sale has the business date '{day}'")))?;
        let key = if by == Dimension::Week {
            let w = date.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        } else {
            format!("{}-{:02}", date.year(), date.month())
        };
        let o = out.entry(key).or_default();
        o.orders += a.orders;
        o.gross += a.gross;
        o.discount += a.discount;
        o.tax += a.tax;
        o.refunds += a.refunds;
        o.refunds_minor += a.refunds_minor;
        o.refunds_tax += a.refunds_tax;
        o.cost += a.cost;
        o.returned_cost += a.returned_cost;
    }
    Ok(out)
}

/// Names for the keys: people, customers, categories, tills, hours.
fn label(
    conn: &Connection,
    store_id: &str,
    by: Dimension,
    acc: &mut BTreeMap<String, Acc>,
) -> Result<()> {
    let one = |sql: &str, id: &str| -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        conn.prepare_cached(sql)
            .db()?
            .query_row([id], |r| r.get(0))
            .optional()
            .db()
    };
    match by {
        Dimension::Category => {
            let paths: BTreeMap<String, String> = catalog::categories(conn, store_id)?
                .into_iter()
                .map(|c| (c.id, c.path))
                .collect();
            for (key, a) in acc.iter_mut() {
                a.label = if key.is_empty() {
                    "(no category)".into()
                } else {
                    paths.get(key).cloned().unwrap_or_else(|| key.clone())
                };
            }
        }
        Dimension::Staff => {
            for (key, a) in acc.iter_mut() {
                a.label = one("SELECT display_name FROM staff WHERE id = ?1", key)?
                    .unwrap_or_else(|| key.clone());
            }
        }
        Dimension::Customer => {
            for (key, a) in acc.iter_mut() {
                a.label = if key.is_empty() {
                    "(no customer)".into()
                } else {
                    one("SELECT name FROM customers WHERE id = ?1", key)?
                        .unwrap_or_else(|| key.clone())
                };
            }
        }
        Dimension::Device => {
            // A till is known by its receipt numbers' prefix (store and device code).
            for (key, a) in acc.iter_mut() {
                let number = match one("SELECT min(number) FROM orders WHERE device_id = ?1", key)?
                {
                    Some(n) => Some(n),
                    None => one("SELECT min(number) FROM refunds WHERE device_id = ?1", key)?,
                };
                a.label = number
                    .as_deref()
                    .and_then(|n| n.rsplit_once('-'))
                    .map(|(prefix, _)| prefix.to_string())
                    .unwrap_or_else(|| key.clone());
            }
        }
        Dimension::Hour => {
            for (key, a) in acc.iter_mut() {
                a.label = format!("{key}:00");
            }
        }
        _ => {}
    }
    Ok(())
}

//! Reports over a year of a busy till: 1,000,000 order lines (250,000 sales of 4 lines over
//! 1,000 products, 365 business days, a refund for one sale in a hundred), seeded with direct
//! SQL in one transaction. Prints the time of a day's Z report figures and of a month's sales
//! report by product (and, for comparison, by day and with cost).
//!
//! `cargo bench -p kassa-store --bench reports` (KASSA_BENCH_LINES to change the size).

#[path = "../tests/support/mod.rs"]
mod support;

use chrono::NaiveDate;
use kassa_store::reports::Period;
use kassa_store::reports::sales::{Dimension, sales};
use kassa_store::selling::zreport;
use rusqlite::params;
use std::time::{Duration, Instant};

const LINES_DEFAULT: usize = 1_000_000;
const LINES_PER_ORDER: usize = 4;
const PRODUCTS: usize = 1_000;
const DAYS: usize = 365;
const RUNS: usize = 15;

fn id(kind: u8, n: usize) -> String {
    // Sorts like the UUIDv7 ids Kassa makes: by time, here by sequence.
    format!(
        "0190{kind:02x}00-{:04x}-7000-8000-{:012x}",
        n >> 48,
        n & 0xffff_ffff_ffff
    )
}

fn seed(
    store: &kassa_store::Store,
    store_id: &str,
    admin: &str,
    lines: usize,
) -> (String, NaiveDate) {
    let conn = store.conn();
    let device_id: String = conn
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    let first = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    // An order's lines are written before the order (its totals are their sums).
    conn.execute_batch("BEGIN; PRAGMA defer_foreign_keys = ON;")
        .unwrap();
    {
        let mut product = conn
            .prepare(
                "INSERT INTO products (id, store_id, sku, name, kind, price_minor, cost_minor, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'product', ?5, ?6, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
            )
            .unwrap();
        for p in 0..PRODUCTS {
            let price = 100 + (p as i64 * 37) % 5_000;
            product
                .execute(params![
                    id(1, p),
                    store_id,
                    format!("SKU-{p:05}"),
                    format!("Item {p}"),
                    price,
                    price / 2
                ])
                .unwrap();
        }
        let mut order = conn
            .prepare(
                "INSERT INTO orders (id, store_id, device_id, number, status, staff_id, currency, subtotal_minor,
                    discount_minor, tax_minor, total_minor, rounding_minor, change_minor, business_date, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'paid', ?5, 'EUR', ?6, ?7, ?8, ?9, 0, 0, ?10, ?11)",
            )
            .unwrap();
        let mut line = conn
            .prepare(
                "INSERT INTO order_lines (id, order_id, position, product_id, sku, name, quantity, unit_price_minor,
                    price_includes_tax, tax_rate_bp, cost_minor, stock_tracked, gross_minor, line_discount_minor,
                    order_discount_minor, net_minor, tax_minor, total_minor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 1900, ?9, 0, ?10, ?11, 0, ?12, ?13, ?14)",
            )
            .unwrap();
        let mut tax = conn
            .prepare(
                "INSERT INTO order_taxes (order_id, rate_bp, net_minor, tax_minor, gross_minor) VALUES (?1, 1900, ?2, ?3, ?4)",
            )
            .unwrap();
        let mut pay = conn
            .prepare(
                "INSERT INTO payments (id, order_id, position, kind, tendered_minor, amount_minor, status, created_at)
                 VALUES (?1, ?2, 0, ?3, ?4, ?4, 'captured', ?5)",
            )
            .unwrap();
        let mut refund = conn
            .prepare(
                "INSERT INTO refunds (id, order_id, device_id, number, amount_minor, tax_minor, rounding_minor, staff_id,
                    business_date, created_at, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, 'refund')",
            )
            .unwrap();
        let mut refund_line = conn
            .prepare(
                "INSERT INTO refund_lines (id, refund_id, order_line_id, quantity, amount_minor, tax_minor, restock)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, 1)",
            )
            .unwrap();
        let mut refund_pay = conn
            .prepare(
                "INSERT INTO refund_payments (id, refund_id, payment_id, kind, amount_minor, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'paid_out')",
            )
            .unwrap();
        let orders = lines / LINES_PER_ORDER;
        for o in 0..orders {
            let day = first + chrono::Duration::days((o * DAYS / orders) as i64);
            let date = day.format("%Y-%m-%d").to_string();
            let second = (o * 86_400 * DAYS / orders) % 86_400;
            let at = format!(
                "{date}T{:02}:{:02}:{:02}.000Z",
                second / 3600,
                second / 60 % 60,
                second % 60
            );
            let oid = id(2, o);
            let (mut subtotal, mut discount, mut taxes, mut total) = (0i64, 0i64, 0i64, 0i64);
            let mut first_line = None;
            for l in 0..LINES_PER_ORDER {
                let p = (o * 7 + l * 131) % PRODUCTS;
                let price = 100 + (p as i64 * 37) % 5_000;
                let qty = 1 + (o + l) as i64 % 3;
                let gross = price * qty;
                let disc = if (o + l) % 10 == 0 { gross / 10 } else { 0 };
                let line_total = gross - disc;
                let line_tax = line_total * 1900 / 11900;
                let lid = id(3, o * LINES_PER_ORDER + l);
                line.execute(params![
                    lid,
                    oid,
                    l as i64,
                    id(1, p),
                    format!("SKU-{p:05}"),
                    format!("Item {p}"),
                    qty,
                    price,
                    price / 2,
                    gross,
                    disc,
                    line_total - line_tax,
                    line_tax,
                    line_total
                ])
                .unwrap();
                if first_line.is_none() {
                    first_line =
                        Some((lid, price - if (o + l) % 10 == 0 { price / 10 } else { 0 }));
                }
                subtotal += gross;
                discount += disc;
                taxes += line_tax;
                total += line_total;
            }
            order
                .execute(params![
                    oid,
                    store_id,
                    device_id,
                    format!("BENCH-01-{o:08}"),
                    admin,
                    subtotal,
                    discount,
                    taxes,
                    total,
                    date,
                    at
                ])
                .unwrap();
            tax.execute(params![oid, total - taxes, taxes, total])
                .unwrap();
            let kind = if o % 3 == 0 { "card" } else { "cash" };
            pay.execute(params![id(4, o), oid, kind, total, at])
                .unwrap();
            if o % 100 == 0 {
                let (lid, amount) = first_line.unwrap();
                let rtax = amount * 1900 / 11900;
                let rid = id(5, o);
                refund
                    .execute(params![
                        rid,
                        oid,
                        device_id,
                        format!("BENCH-01-R{o:08}"),
                        amount,
                        rtax,
                        admin,
                        date,
                        at
                    ])
                    .unwrap();
                refund_line
                    .execute(params![id(6, o), rid, lid, amount, rtax])
                    .unwrap();
                refund_pay
                    .execute(params![id(7, o), rid, id(4, o), kind, amount])
                    .unwrap();
            }
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    (device_id, first)
}

fn time<T>(name: &str, mut f: impl FnMut() -> T) -> Duration {
    f();
    let mut d: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    d.sort();
    let median = d[d.len() / 2];
    println!(
        "{name:<44} median {:>8.2} ms   max {:>8.2} ms",
        median.as_secs_f64() * 1e3,
        d.last().map_or(0.0, |x| x.as_secs_f64() * 1e3)
    );
    median
}

fn main() {
    let lines: usize = std::env::var("KASSA_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LINES_DEFAULT);
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-reports");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let (store, store_id, admin, _) = support::shop(&base.join("store"), 0);
    let start = Instant::now();
    let (device_id, first) = seed(&store, &store_id, &admin, lines);
    let count: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM order_lines", [], |r| r.get(0))
        .unwrap();
    println!(
        "seeded {count} order lines in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let conn = store.conn();
    let day = (first + chrono::Duration::days(200))
        .format("%Y-%m-%d")
        .to_string();
    let z = time(&format!("Z report figures, one day ({day})"), || {
        zreport::figures_for_date(conn, &device_id, &day).unwrap()
    });
    let month = Period::new(
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    )
    .unwrap();
    let by_product = time("sales report, a month by product", || {
        sales(conn, &store_id, month, Dimension::Product, false).unwrap()
    });
    time("sales report, a month by product with cost", || {
        sales(conn, &store_id, month, Dimension::Product, true).unwrap()
    });
    time("sales report, a month by day", || {
        sales(conn, &store_id, month, Dimension::Day, false).unwrap()
    });
    time("sales report, a month by hour", || {
        sales(conn, &store_id, month, Dimension::Hour, false).unwrap()
    });
    let r = sales(conn, &store_id, month, Dimension::Product, false).unwrap();
    println!(
        "a month: {} orders, {} products, gross {} minor",
        r.totals.orders,
        r.rows.len(),
        r.totals.gross_minor
    );
    println!(
        "targets: Z {} (<= 200 ms), month by product {} (<= 500 ms)",
        if z <= Duration::from_millis(200) {
            "met"
        } else {
            "MISSED"
        },
        if by_product <= Duration::from_millis(500) {
            "met"
        } else {
            "MISSED"
        }
    );
}

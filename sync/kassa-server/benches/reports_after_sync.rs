//! Reports of a store whose sales reached the device through sync: the figures of
//! `crates/kassa-store/benches/reports.rs`, but on a device that downloaded its year of sales
//! from the server instead of having them seeded with plain SQL.
//!
//! 1. The real server (`kassa_server::serve`, SQLite storage) on a loopback listener, and
//!    device A: a real store set up and paired as the store's first device.
//! 2. Device A sells a year: `KASSA_BENCH_LINES` (1,000,000) order lines as real sales through
//!    the store's own checkout (`kassa_store::selling::checkout`, so every sale writes its
//!    stock movements, audit entry and outbox changes): 4 lines per sale over 1,000 products,
//!    365 business days on a clock set to each sale's moment, a shift opened with a float and
//!    closed with its count every day and the day closed with a Z report, one sale in three
//!    paid by card (captured at the terminal), one in a hundred refunded a line.
//! 3. A pushes everything (syncs until its outbox is empty); device B joins the store and its
//!    first sync downloads and applies it all.
//! 4. On B, the median of 15 runs of a day's Z report figures and of a month's sales report
//!    by product (with cost, by day and by hour too), as `reports.rs` times them.
//!
//! `cargo bench -p kassa-server --bench reports_after_sync` prints the figures and the
//! targets (Z report ≤ 200 ms, a month by product ≤ 500 ms); it asserts nothing about time.
//! It checks that B holds every order line A wrote and that B's reports equal A's to the
//! minor unit, since figures of a sync that lost data would mean nothing.

#[allow(dead_code)]
mod support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kassa_domain::catalog::TaxRate;
use kassa_domain::selling::pricing::{Discount, LineInput, price_cart};
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::SettingValue;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::foundation::ids::new_id;
use kassa_store::foundation::{outbox, settings};
use kassa_store::reports::Period;
use kassa_store::reports::sales::{Dimension, SalesReport, sales};
use kassa_store::selling::checkout::{
    Captured, CardDetails, CheckoutRequest, ProviderAttempt, SaleLine, TenderRequest, checkout,
};
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use kassa_store::selling::{catalog_port, shift, zreport};
use kassa_store::{Connection, FixedClock, Store};
use kassa_sync_client::sync_once;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{
    Backend, Device, device_runtime, first_device_with, joining_device, knob, rate, start_server,
    thousands,
};

const LINES_PER_ORDER: usize = 4;
const PRODUCTS: usize = 1_000;
const DAYS: usize = 365;
const RUNS: usize = 15;
/// Units of each product received before the year starts: more than a year sells.
const STOCK_EACH: i64 = 10_000;
/// The drawer's float every morning.
const FLOAT: i64 = 15_000;

fn sku(p: usize) -> String {
    format!("SKU-{p:05}")
}

fn price_of(p: usize) -> i64 {
    100 + (p as i64 * 37) % 5_000
}

/// `day` at `seconds` after midnight UTC (the store is in Europe/Berlin, so 07:00 UTC is 08:00
/// or 09:00 there, and the whole working day falls on one business date).
fn at(day: NaiveDate, seconds: u64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        + chrono::Duration::seconds(seconds as i64)
}

/// The store's catalog on device A: its time zone, two tax rates, 1,000 products with a cost
/// price, and stock of each.
fn catalog_of(a: &Device) {
    let admin = a.admin_id.clone().unwrap();
    let sid = a.store_id.clone();
    let mut store = a.store.lock().unwrap();
    let (standard, reduced) = store
        .write(|tx| {
            settings::set(
                tx,
                &sid,
                "store.time_zone",
                SettingValue::Text("Europe/Berlin".into()),
                &admin,
            )?;
            let standard = catalog::create_tax_class(
                tx,
                &sid,
                &admin,
                "Standard",
                TaxRate {
                    basis_points: 1900,
                    inclusive: true,
                },
            )?;
            let reduced = catalog::create_tax_class(
                tx,
                &sid,
                &admin,
                "Reduced",
                TaxRate {
                    basis_points: 700,
                    inclusive: true,
                },
            )?;
            Ok((standard, reduced))
        })
        .unwrap();
    for chunk in (0..PRODUCTS).collect::<Vec<_>>().chunks(100) {
        store
            .write(|tx| {
                for &p in chunk {
                    let mut d = ProductData::new(&sku(p), &format!("Item {p}"), price_of(p));
                    d.cost_minor = Some(price_of(p) / 2);
                    d.tax_class_id =
                        Some(if p % 5 == 0 { &reduced } else { &standard }.to_string());
                    let made = catalog::create(tx, &sid, &admin, &d, AuditMode::PerProduct)?;
                    stock::receive(
                        tx,
                        &sid,
                        &admin,
                        &Receipt {
                            product_id: made.id,
                            qty: STOCK_EACH,
                            location_id: None,
                            batch_code: None,
                            expires_on: None,
                            unit_cost_minor: None,
                            note: None,
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }
}

/// Sale `o`: 4 lines scanned at today's prices (one line in ten 10 % off), paid in cash
/// (rounded up to the next 5.00) or, one sale in three, by a card captured at the terminal.
fn sell(store: &mut Store, store_id: &str, admin: &str, o: usize) -> String {
    let lines: Vec<SaleLine> = (0..LINES_PER_ORDER)
        .map(|l| {
            let p = (o * 7 + l * 131) % PRODUCTS;
            let item = catalog_port::item_by_code(store.conn(), store_id, &sku(p)).unwrap();
            SaleLine {
                product_id: item.product_id,
                sku: item.sku,
                name: item.name,
                quantity: 1 + ((o + l) % 3) as i64,
                unit_price_minor: item.unit_price_minor,
                tax: item.tax,
                cost_minor: item.cost_minor,
                stock_tracked: item.stock_tracked,
                discount: if (o + l).is_multiple_of(10) {
                    Discount::Percent(1000)
                } else {
                    Discount::None
                },
                discount_approver_id: None,
                price_changed: false,
            }
        })
        .collect();
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            unit_price_minor: l.unit_price_minor,
            quantity: l.quantity,
            tax: l.tax,
            discount: l.discount,
        })
        .collect();
    let total = price_cart(&inputs, Discount::None).unwrap().total_minor;
    let tender = if o % 3 == 1 && !o.is_multiple_of(100) {
        TenderRequest {
            kind: TenderKind::Card,
            amount_minor: total,
            card: Some(CardDetails {
                attempt: Some(ProviderAttempt {
                    provider_key: new_id(),
                    order_id: new_id(),
                    payment_id: new_id(),
                    captured: Some(Captured {
                        intent_id: format!("pi_bench_{o}"),
                        brand: Some("visa".into()),
                        last4: Some("4242".into()),
                    }),
                }),
                ..Default::default()
            }),
            voucher_code: None,
        }
    } else {
        TenderRequest {
            kind: TenderKind::Cash,
            amount_minor: (total + 499) / 500 * 500,
            card: None,
            voucher_code: None,
        }
    };
    checkout(
        store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: vec![tender],
            idempotency_key: Some(new_id()),
            staff_id: admin.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id
}

/// One unit of the order's first line taken back, restocked, in cash.
fn refund_one(store: &mut Store, admin: &str, order_id: &str) {
    let line: String = store
        .conn()
        .query_row(
            "SELECT id FROM order_lines WHERE order_id = ?1 ORDER BY position LIMIT 1",
            [order_id],
            |r| r.get(0),
        )
        .unwrap();
    refund(
        store,
        RefundRequest {
            order_id: order_id.to_string(),
            lines: vec![RefundLine {
                order_line_id: line,
                quantity: 1,
                restock: true,
            }],
            reason: Some("changed their mind".into()),
            staff_id: admin.to_string(),
            approver: None,
            idempotency_key: Some(new_id()),
            void: false,
        },
    )
    .unwrap();
}

/// Device A's year: every business day a shift opened with a float, the day's sales (and
/// refunds) through checkout, the drawer counted and closed, the day closed with a Z report.
/// Answers the sales made.
fn sell_a_year(a: &Device, clock: &FixedClock, first: NaiveDate, lines: usize) -> usize {
    let admin = a.admin_id.clone().unwrap();
    let sid = a.store_id.clone();
    let mut store = a.store.lock().unwrap();
    let orders = lines / LINES_PER_ORDER;
    let started = Instant::now();
    let mut last_print = started;
    let mut o = 0;
    for d in 0..DAYS {
        let day = first + chrono::Duration::days(d as i64);
        let today: Vec<usize> = (o..orders)
            .take_while(|&o| o * DAYS / orders == d)
            .collect();
        clock.set(at(day, 7 * 3600));
        let opened = store
            .write(|tx| shift::open(tx, &sid, &admin, FLOAT, None, false))
            .unwrap();
        // Sales from 07:30 to 18:00 UTC, evenly spread.
        let span = 10 * 3600 + 1800;
        for (k, &sale) in today.iter().enumerate() {
            let second = 7 * 3600 + 1800 + (k * span / today.len()) as u64;
            clock.set(at(day, second));
            let order_id = sell(&mut store, &sid, &admin, sale);
            if sale.is_multiple_of(100) {
                clock.set(at(day, second + 20));
                refund_one(&mut store, &admin, &order_id);
            }
            if last_print.elapsed() >= Duration::from_secs(5) {
                last_print = Instant::now();
                let done = sale + 1;
                let elapsed = started.elapsed();
                println!(
                    "    {day}: {} of {} sales ({:5.1} %), {} lines/s, {:6.1} s, ETA {:4.0} s",
                    thousands(done as u64),
                    thousands(orders as u64),
                    100.0 * done as f64 / orders as f64,
                    rate((done * LINES_PER_ORDER) as u64, elapsed),
                    elapsed.as_secs_f64(),
                    elapsed.as_secs_f64() * (orders - done) as f64 / done as f64
                );
            }
        }
        o += today.len();
        clock.set(at(day, 18 * 3600 + 1800));
        store
            .write(|tx| {
                let expected = shift::figures(tx, &opened.id)?.expected_cash_minor;
                shift::close(
                    tx,
                    &admin,
                    expected,
                    &json!({"counted_minor": expected}),
                    None,
                )?;
                Ok(())
            })
            .unwrap();
        clock.set(at(day, 18 * 3600 + 2100));
        store.write(|tx| zreport::close(tx, &admin)).unwrap();
    }
    o
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
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
        "  {name:<44} median {:>8.2} ms   max {:>8.2} ms",
        median.as_secs_f64() * 1e3,
        d.last().map_or(0.0, |x| x.as_secs_f64() * 1e3)
    );
    median
}

/// The reports the bench times, as one device computes them.
struct Reports {
    z: zreport::Figures,
    by_product: SalesReport,
    by_product_cost: SalesReport,
    by_day: SalesReport,
    by_hour: SalesReport,
}

fn reports(
    conn: &Connection,
    store_id: &str,
    device_id: &str,
    day: &str,
    month: Period,
) -> Reports {
    let by = |d, cost| sales(conn, store_id, month, d, cost).unwrap();
    Reports {
        z: zreport::figures_for_date(conn, device_id, day).unwrap(),
        by_product: by(Dimension::Product, false),
        by_product_cost: by(Dimension::Product, true),
        by_day: by(Dimension::Day, false),
        by_hour: by(Dimension::Hour, false),
    }
}

fn main() {
    // reqwest's TLS is built without a crypto provider; the devices install ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lines = knob("KASSA_BENCH_LINES", 1_000_000) as usize;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "Kassa reports after sync: {} order lines sold on device A, synced to device B ({cores} cores; server and devices share them)",
        thousands(lines as u64)
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.max(2))
        .enable_all()
        .build()
        .expect("the server runtime");
    let dev = device_runtime();
    let server = start_server(&rt, Backend::Sqlite);

    // Device A: set up the day before its year starts, on a clock the bench moves.
    let first = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    let clock = Arc::new(FixedClock::new(at(
        first - chrono::Duration::days(1),
        8 * 3600,
    )));
    let a = first_device_with(&rt, &dev, &server, clock.clone());
    catalog_of(&a);

    println!("\n== 1. Device A sells a year through checkout");
    let t = Instant::now();
    let orders = sell_a_year(&a, &clock, first, lines);
    let seeding = t.elapsed();
    let (a_lines, a_refunds, a_device, pending) = {
        let store = a.store.lock().unwrap();
        let conn = store.conn();
        let device: String = conn
            .query_row("SELECT id FROM device", [], |r| r.get(0))
            .unwrap();
        (
            count(conn, "order_lines"),
            count(conn, "refunds"),
            device,
            outbox::summary(conn).unwrap().pending,
        )
    };
    assert_eq!(a_lines as usize, orders * LINES_PER_ORDER);
    println!(
        "  {} sales, {} order lines, {} refunds, {DAYS} shifts and Z reports in {:.1} s: {} lines/s, {} sales/s; {} changes waiting in the outbox",
        thousands(orders as u64),
        thousands(a_lines as u64),
        thousands(a_refunds as u64),
        seeding.as_secs_f64(),
        rate(a_lines as u64, seeding),
        rate(orders as u64, seeding),
        thousands(pending)
    );

    println!("\n== 2. Device A pushes, device B joins");
    clock.set(Utc::now());
    let t = Instant::now();
    let mut pushed = 0;
    loop {
        pushed += dev
            .block_on(sync_once(&a.store, &a.transport))
            .expect("device A pushes")
            .pushed;
        if outbox::summary(a.store.lock().unwrap().conn())
            .unwrap()
            .pending
            == 0
        {
            break;
        }
    }
    let push = t.elapsed();
    let m = a.transport.take();
    println!(
        "  push (A): {} changes in {:.1} s, {} changes/s ({} batches; waiting on the server {:.1} s)",
        thousands(pushed),
        push.as_secs_f64(),
        rate(pushed, push),
        m.push_calls,
        m.push_wait.as_secs_f64()
    );
    println!("  device B joins and downloads the store:");
    let (b, pulled, took) = joining_device(&rt, &dev, &server, &a.store_id.clone(), 2, true);
    let m = b.transport.take();
    println!(
        "  first sync (B): {} changes in {:.1} s, {} changes/s ({} pages; device B busy {:.1} s, waiting {:.1} s)",
        thousands(pulled),
        took.wall.as_secs_f64(),
        rate(pulled, took.wall),
        m.pull_calls,
        took.busy.as_secs_f64(),
        took.waiting().as_secs_f64()
    );

    let day = (first + chrono::Duration::days(200))
        .format("%Y-%m-%d")
        .to_string();
    let month = Period::new(
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    )
    .unwrap();
    let on_a = {
        let store = a.store.lock().unwrap();
        reports(store.conn(), &a.store_id, &a_device, &day, month)
    };
    drop(a);
    let store = b.store.lock().unwrap();
    let conn = store.conn();
    let b_lines = count(conn, "order_lines");
    let parked = count(conn, "parked_changes");
    assert_eq!(b_lines, a_lines, "device B holds every order line A sold");
    let on_b = reports(conn, &b.store_id, &a_device, &day, month);
    assert_eq!(on_b.z, on_a.z, "the day's Z figures on B are A's");
    assert_eq!(on_b.by_product, on_a.by_product, "a month by product");
    assert_eq!(on_b.by_product_cost, on_a.by_product_cost, "with cost");
    assert_eq!(on_b.by_day, on_a.by_day, "a month by day");
    assert_eq!(on_b.by_hour, on_a.by_hour, "a month by hour");
    println!(
        "  B holds {} order lines, as A; {parked} changes parked; B's reports equal A's to the minor unit",
        thousands(b_lines as u64)
    );

    println!("\n== 3. Reports on device B (median of {RUNS} runs)");
    let z = time(&format!("Z report figures, one day ({day})"), || {
        zreport::figures_for_date(conn, &a_device, &day).unwrap()
    });
    let by_product = time("sales report, a month by product", || {
        sales(conn, &b.store_id, month, Dimension::Product, false).unwrap()
    });
    time("sales report, a month by product with cost", || {
        sales(conn, &b.store_id, month, Dimension::Product, true).unwrap()
    });
    time("sales report, a month by day", || {
        sales(conn, &b.store_id, month, Dimension::Day, false).unwrap()
    });
    time("sales report, a month by hour", || {
        sales(conn, &b.store_id, month, Dimension::Hour, false).unwrap()
    });
    let month_lines: i64 = conn
        .query_row(
            "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.business_date BETWEEN '2026-10-01' AND '2026-10-31'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    println!(
        "  the day: {} orders, gross {} minor; the month: {} orders, {} lines, {} products, gross {} minor",
        on_b.z.orders,
        on_b.z.gross_minor,
        thousands(on_b.by_product.totals.orders as u64),
        thousands(month_lines as u64),
        on_b.by_product.rows.len(),
        on_b.by_product.totals.gross_minor
    );
    let verdict = |d: Duration, ms: u64| {
        if d <= Duration::from_millis(ms) {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "  targets: Z report {:.2} ms (<= 200 ms: {}), a month by product {:.2} ms (<= 500 ms: {})",
        z.as_secs_f64() * 1e3,
        verdict(z, 200),
        by_product.as_secs_f64() * 1e3,
        verdict(by_product, 500)
    );
}

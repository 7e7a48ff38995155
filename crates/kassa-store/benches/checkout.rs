//! Checkout of a 5-line cash sale with a durable commit (WAL, synchronous=FULL), against a
//! bare SQLite transaction inserting comparable rows with the same durability, in one run.
//!
//! `cargo bench -p kassa-store --bench checkout` prints p50/p99 of both and their ratio.

#[path = "../tests/support/mod.rs"]
mod support;

use kassa_domain::selling::tender::TenderKind;
use kassa_store::selling::checkout::{CheckoutRequest, TenderRequest, checkout};
use std::time::{Duration, Instant};

const SALES_DEFAULT: usize = 10_000;
const WARMUP: usize = 300;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut d: Vec<Duration>) -> (Duration, Duration) {
    d.sort();
    let (p50, p99) = (percentile(&d, 0.50), percentile(&d, 0.99));
    println!(
        "{name:<44} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        d.last().map(|x| x.as_secs_f64() * 1e3).unwrap_or(0.0)
    );
    (p50, p99)
}

fn main() {
    let sales: usize = std::env::var("KASSA_BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SALES_DEFAULT);
    // On the project's disk, not a tmpfs: the point is what a durable commit costs.
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-checkout");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("store");
    let (mut store, store_id, admin, skus) = support::shop(&dir, 10_000_000);
    // For analysis only: KASSA_BENCH_SYNC=OFF shows the CPU part alone (never the figure to report).
    let sync = std::env::var("KASSA_BENCH_SYNC").unwrap_or_else(|_| "FULL".into());
    store
        .conn()
        .execute_batch(&format!("PRAGMA synchronous = {sync}"))
        .unwrap();

    let sale = |store: &mut kassa_store::Store| {
        let lines = support::lines(store, &store_id, &skus, 1);
        let start = Instant::now();
        checkout(
            store,
            CheckoutRequest {
                lines,
                order_discount: Default::default(),
                order_discount_approver_id: None,
                customer_id: None,
                tenders: vec![TenderRequest {
                    kind: TenderKind::Cash,
                    amount_minor: 10_000,
                    card: None,
                    voucher_code: None,
                }],
                idempotency_key: None,
                staff_id: admin.clone(),
                cart_id: None,
            },
        )
        .expect("checkout");
        start.elapsed()
    };
    for _ in 0..WARMUP {
        sale(&mut store);
    }
    let times: Vec<Duration> = (0..sales).map(|_| sale(&mut store)).collect();

    // The baseline: the rows a sale writes (order, 5 lines, a payment, 4 stock movements),
    // inserted in one transaction of a plain SQLite file with the same pragmas.
    let raw = rusqlite::Connection::open(base.join("raw.db")).unwrap();
    raw.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE orders (id TEXT PRIMARY KEY, number TEXT UNIQUE, total INTEGER, created_at TEXT);
         CREATE TABLE lines (id TEXT PRIMARY KEY, order_id TEXT, sku TEXT, qty INTEGER, price INTEGER, tax INTEGER, total INTEGER);
         CREATE TABLE payments (id TEXT PRIMARY KEY, order_id TEXT, kind TEXT, amount INTEGER);
         CREATE TABLE movements (id TEXT PRIMARY KEY, product TEXT, qty INTEGER, ref TEXT, created_at TEXT);",
    )
    .unwrap();
    raw.execute_batch(&format!("PRAGMA synchronous = {sync}"))
        .unwrap();
    let mut raw = raw;
    let mut n = 0u64;
    let mut bare = |raw: &mut rusqlite::Connection| {
        n += 1;
        let start = Instant::now();
        let tx = raw.transaction().unwrap();
        let order = uuid::Uuid::now_v7().to_string();
        let now = "2026-11-22T10:00:00.000Z";
        tx.execute(
            "INSERT INTO orders VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![order, format!("TEST-01-{n:06}"), 2697, now],
        )
        .unwrap();
        for k in 0..5 {
            tx.execute(
                "INSERT INTO lines VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)",
                rusqlite::params![
                    uuid::Uuid::now_v7().to_string(),
                    order,
                    format!("SKU-{k}"),
                    499,
                    33,
                    499
                ],
            )
            .unwrap();
        }
        tx.execute(
            "INSERT INTO payments VALUES (?1, ?2, 'cash', 2697)",
            rusqlite::params![uuid::Uuid::now_v7().to_string(), order],
        )
        .unwrap();
        for k in 0..4 {
            tx.execute(
                "INSERT INTO movements VALUES (?1, ?2, -1, ?3, ?4)",
                rusqlite::params![
                    uuid::Uuid::now_v7().to_string(),
                    format!("P-{k}"),
                    order,
                    now
                ],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        start.elapsed()
    };
    for _ in 0..WARMUP {
        bare(&mut raw);
    }
    let raw_times: Vec<Duration> = (0..sales).map(|_| bare(&mut raw)).collect();

    // A second baseline: every row a Kassa sale writes (the sale's rows plus its tax lines,
    // history event, stock levels, outbox entries, audit entry, device clock and receipt
    // counter), as plain inserts and updates with the same pragmas: what the storage alone
    // costs for the same work, without Kassa's logic.
    let all = rusqlite::Connection::open(base.join("raw-all.db")).unwrap();
    all.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE orders (id TEXT PRIMARY KEY, number TEXT UNIQUE, total INTEGER, created_at TEXT);
         CREATE TABLE lines (id TEXT PRIMARY KEY, order_id TEXT, sku TEXT, qty INTEGER, price INTEGER, tax INTEGER, total INTEGER);
         CREATE TABLE taxes (order_id TEXT, rate INTEGER, net INTEGER, tax INTEGER, gross INTEGER);
         CREATE TABLE payments (id TEXT PRIMARY KEY, order_id TEXT, kind TEXT, amount INTEGER);
         CREATE TABLE events (id TEXT PRIMARY KEY, order_id TEXT, event TEXT, created_at TEXT);
         CREATE TABLE movements (id TEXT PRIMARY KEY, product TEXT, qty INTEGER, ref TEXT, created_at TEXT);
         CREATE TABLE levels (product TEXT PRIMARY KEY, on_hand INTEGER);
         CREATE TABLE outbox (seq INTEGER PRIMARY KEY, change_id TEXT, entity TEXT, payload TEXT);
         CREATE TABLE audit (id TEXT PRIMARY KEY, seq INTEGER, action TEXT, after TEXT, hash TEXT);
         CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER);
         INSERT INTO counters VALUES ('sale', 0), ('hlc', 0);",
    )
    .unwrap();
    all.execute_batch(&format!("PRAGMA synchronous = {sync}"))
        .unwrap();
    let mut all = all;
    let payload = "x".repeat(1_900);
    let mut m = 0u64;
    let mut bare_all = |c: &mut rusqlite::Connection| {
        m += 1;
        let id = || uuid::Uuid::now_v7().to_string();
        let start = Instant::now();
        let tx = c.transaction().unwrap();
        let order = id();
        let now = "2026-11-22T10:00:00.000Z";
        tx.execute(
            "INSERT INTO orders VALUES (?1, ?2, 2697, ?3)",
            rusqlite::params![order, format!("TEST-01-{m:06}"), now],
        )
        .unwrap();
        for k in 0..5 {
            tx.execute(
                "INSERT INTO lines VALUES (?1, ?2, ?3, 1, 499, 33, 499)",
                rusqlite::params![id(), order, format!("SKU-{k}")],
            )
            .unwrap();
        }
        for rate in [700, 1900] {
            tx.execute(
                "INSERT INTO taxes VALUES (?1, ?2, 1000, 100, 1100)",
                rusqlite::params![order, rate],
            )
            .unwrap();
        }
        tx.execute(
            "INSERT INTO payments VALUES (?1, ?2, 'cash', 2697)",
            rusqlite::params![id(), order],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO events VALUES (?1, ?2, 'pay', ?3)",
            rusqlite::params![id(), order, now],
        )
        .unwrap();
        for k in 0..4 {
            tx.execute(
                "INSERT INTO movements VALUES (?1, ?2, -1, ?3, ?4)",
                rusqlite::params![id(), format!("P-{k}"), order, now],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO levels VALUES (?1, -1) ON CONFLICT(product) DO UPDATE SET on_hand = on_hand - 1",
                [format!("P-{k}")],
            )
            .unwrap();
        }
        tx.execute(
            "INSERT INTO outbox (change_id, entity, payload) VALUES (?1, 'orders', ?2)",
            rusqlite::params![id(), payload],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO outbox (change_id, entity, payload) VALUES (?1, 'audit_log', ?2)",
            rusqlite::params![id(), &payload[..400]],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO audit VALUES (?1, ?2, 'order.checkout', ?3, ?4)",
            rusqlite::params![id(), m as i64, &payload[..200], "0".repeat(64)],
        )
        .unwrap();
        tx.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'sale'",
            [],
        )
        .unwrap();
        tx.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'hlc'",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
        start.elapsed()
    };
    for _ in 0..WARMUP {
        bare_all(&mut all);
    }
    let all_times: Vec<Duration> = (0..sales).map(|_| bare_all(&mut all)).collect();

    println!(
        "{sales} sales after {WARMUP} warm-up, WAL + synchronous={sync}, on {}",
        base.display()
    );
    let (p50, p99) = report("checkout, 5-line cash sale (Kassa)", times);
    let (r50, r99) = report("bare: the sale's own rows (SQLite alone)", raw_times);
    let (a50, a99) = report("bare: every row a Kassa sale writes", all_times);
    println!(
        "ratio Kassa / sale's own rows: p50 {:.2}x   p99 {:.2}x",
        p50.as_secs_f64() / r50.as_secs_f64(),
        p99.as_secs_f64() / r99.as_secs_f64()
    );
    println!(
        "ratio Kassa / every row it writes: p50 {:.2}x   p99 {:.2}x",
        p50.as_secs_f64() / a50.as_secs_f64(),
        p99.as_secs_f64() / a99.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&base);
}

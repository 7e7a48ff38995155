//! Sync figures with real parts: the server (`kassa_server::serve`) on a loopback listener over
//! SQLite or PostgreSQL storage, and devices that are real stores in temporary folders synced
//! by the real engine (`kassa_sync_client` over `HttpTransport`), paired with one-time codes.
//!
//! `cargo bench -p kassa-server --bench sync` prints the figures; it asserts nothing about
//! time. It checks only that the devices end up holding what was sent, since figures of a
//! sync that lost data would mean nothing.
//!
//! 1. **Push and pull**: `KASSA_BENCH_CHANGES` (100,000) changes written on device A (customers
//!    made in transactions of 1,000 changes, as an import makes them), pushed by A and pulled
//!    and applied by device B; on each storage, against a bare SQLite baseline inserting the
//!    same customer rows in transactions of 1,000 with one prepared statement.
//! 2. **First sync**: a store whose log holds `KASSA_BENCH_FIRST_SYNC_ROWS` (1,000,000) changes,
//!    written and pushed by device A; a new device joins and downloads it all, printing its
//!    progress as it goes (`KASSA_BENCH_FIRST_SYNC_ON`: `sqlite`, the default, `postgres` or
//!    `both`).
//! 3. **Push latency on PostgreSQL**: `KASSA_BENCH_DEVICES` (100) devices paired into
//!    `KASSA_BENCH_STORES` (10) stores push batches of `KASSA_BENCH_BATCH` (10) changes at once
//!    for `KASSA_BENCH_SECONDS` (20): first each every `KASSA_BENCH_PUSH_INTERVAL_MS` (250 ms),
//!    then each as fast as the server answers.
//!
//! `KASSA_BENCH_ONLY=push_pull,first_sync,latency` runs some parts; `KASSA_BENCH_BACKENDS`
//! (`sqlite,postgres`) picks the storages of part 1. PostgreSQL is the server at
//! 127.0.0.1:5432 (or `KASSA_TEST_POSTGRES`); each run makes its own database and drops it.

#[allow(dead_code)]
mod support;

use chrono::Utc;
use kassa_store::customers::{self, AuditMode, CustomerData};
use kassa_store::foundation::outbox;
use kassa_store::{AuditInput, SCHEMA_VERSION, StoreKey};
use kassa_sync_client::sync_once;
use kassa_sync_protocol::wire::{
    PROTOCOL_VERSION, PairRequest, PairResponse, PushRequest, PushedChange, StoreRecord,
};
use kassa_sync_protocol::{Change, ChangeOp};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{
    Backend, Device, STORE_KEY, Took, device_runtime, first_device, joining_device, knob,
    pairing_code, per_sec, rate, start_server, text_knob, thousands,
};
use tokio::runtime::Runtime;

/// Changes per local write transaction on device A: 999 customers and the import's audit entry.
const CUSTOMERS_PER_TX: u64 = 999;

/// Whether `KASSA_BENCH_ONLY` (empty: everything) names this part.
fn part(name: &str) -> bool {
    let only = text_knob("KASSA_BENCH_ONLY", "");
    only.trim().is_empty() || only.split(',').any(|p| p.trim() == name)
}

fn customer(i: u64) -> CustomerData {
    const FIRST: &[&str] = &[
        "Anna", "Jörg", "Mia", "Lukas", "Sofia", "Emil", "Lena", "Noah", "Zoë", "Finn", "Clara",
        "Ben",
    ];
    const LAST: &[&str] = &[
        "Müller", "Schmidt", "Novak", "García", "Rossi", "Dubois", "Jensen", "Kowalski", "Meyer",
        "Silva",
    ];
    let first = FIRST[(i % FIRST.len() as u64) as usize];
    let last = LAST[(i / 7 % LAST.len() as u64) as usize];
    CustomerData {
        name: format!("{first} {last}"),
        email: Some(format!("customer{i}@example.com")),
        phone: (!i.is_multiple_of(4)).then(|| format!("+49 30 {:07}", i % 10_000_000)),
        notes: String::new(),
        marketing_consent: i.is_multiple_of(3),
        tags: if i.is_multiple_of(5) {
            vec!["regular".into()]
        } else {
            Vec::new()
        },
        addresses: Vec::new(),
    }
}

/// Writes about `changes` outbox changes on the device, as imports do: each transaction makes
/// 999 customers and one audit entry. Answers the changes written.
fn write_customers(device: &Device, changes: u64, first_index: u64) -> u64 {
    let admin = device.admin_id.as_deref().expect("the admin of device A");
    let mut store = device.store.lock().expect("device A's store");
    let before = outbox::summary(store.conn()).expect("the outbox").pending;
    let mut written = 0;
    let mut next = first_index;
    while written < changes {
        let n = CUSTOMERS_PER_TX
            .min(changes - written)
            .saturating_sub(1)
            .max(1);
        store
            .write(|tx| {
                for i in next..next + n {
                    customers::create(tx, &device.store_id, admin, &customer(i), AuditMode::Batch)?;
                }
                tx.audit(
                    AuditInput::new("customers.imported")
                        .by(admin)
                        .on("store", &device.store_id)
                        .after(json!({"created": n})),
                )?;
                Ok(())
            })
            .expect("customers are written");
        next += n;
        written += n + 1;
    }
    outbox::summary(store.conn()).expect("the outbox").pending - before
}

fn customer_count(device: &Device) -> i64 {
    let store = device.store.lock().expect("the device's store");
    store
        .conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .expect("a count of customers")
}

// ---------------------------------------------------------------------------------------
// 1. Push and pull

/// A customer row as the store keeps it, for the bare baseline.
struct RawCustomer {
    id: String,
    store_id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    notes: String,
    marketing_consent: bool,
    consent_at: Option<String>,
    tags: String,
    created_at: String,
}

fn customer_rows(device: &Device) -> Vec<RawCustomer> {
    let store = device.store.lock().expect("device A's store");
    let mut st = store
        .conn()
        .prepare(
            "SELECT id, store_id, name, email, phone, notes, marketing_consent, consent_at, tags,
                    created_at FROM customers ORDER BY num",
        )
        .expect("the customers query");
    st.query_map([], |r| {
        Ok(RawCustomer {
            id: r.get(0)?,
            store_id: r.get(1)?,
            name: r.get(2)?,
            email: r.get(3)?,
            phone: r.get(4)?,
            notes: r.get(5)?,
            marketing_consent: r.get(6)?,
            consent_at: r.get(7)?,
            tags: r.get(8)?,
            created_at: r.get(9)?,
        })
    })
    .expect("customers")
    .collect::<rusqlite::Result<_>>()
    .expect("customer rows")
}

/// The same customer rows (the customers table's columns and keys) inserted into a plain
/// SQLite file with the store's durability (WAL, synchronous=FULL), 1,000 rows per
/// transaction through one prepared statement.
fn raw_baseline(rows: &[RawCustomer]) -> Duration {
    let dir = tempfile::tempdir().expect("a folder for the baseline");
    let mut conn = rusqlite::Connection::open(dir.path().join("raw.db")).expect("raw.db");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         CREATE TABLE customers (
             num               INTEGER PRIMARY KEY,
             id                TEXT NOT NULL UNIQUE,
             store_id          TEXT NOT NULL,
             name              TEXT NOT NULL,
             email             TEXT,
             phone             TEXT,
             notes             TEXT NOT NULL DEFAULT '',
             marketing_consent INTEGER NOT NULL DEFAULT 0,
             consent_at        TEXT,
             tags              TEXT NOT NULL DEFAULT '[]',
             merged_into       TEXT,
             created_at        TEXT NOT NULL,
             updated_at        TEXT NOT NULL
         );",
    )
    .expect("the baseline table");
    let t = Instant::now();
    for chunk in rows.chunks(1_000) {
        let tx = conn.transaction().expect("a transaction");
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO customers (id, store_id, name, email, phone, notes, marketing_consent,
                         consent_at, tags, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                )
                .expect("the insert");
            for c in chunk {
                st.execute(rusqlite::params![
                    c.id,
                    c.store_id,
                    c.name,
                    c.email,
                    c.phone,
                    c.notes,
                    c.marketing_consent,
                    c.consent_at,
                    c.tags,
                    c.created_at
                ])
                .expect("a row");
            }
        }
        tx.commit().expect("the commit");
    }
    t.elapsed()
}

struct PushPull {
    changes: u64,
    push: Duration,
    pull: Duration,
}

fn push_pull(rt: &Runtime, backend: Backend, changes: u64) -> (PushPull, Vec<RawCustomer>) {
    println!(
        "\n== 1. {} changes pushed and pulled, {} storage",
        thousands(changes),
        backend.name()
    );
    let dev = device_runtime();
    let server = start_server(rt, backend);
    let a = first_device(rt, &dev, &server);
    let (b, _, _) = joining_device(rt, &dev, &server, &a.store_id.clone(), 2, false);
    b.transport.take();

    let t = Instant::now();
    let written = write_customers(&a, changes, 0);
    let write_time = t.elapsed();
    println!(
        "  device A writes {} changes ({} per transaction): {:.2} s, {} changes/s",
        thousands(written),
        CUSTOMERS_PER_TX + 1,
        write_time.as_secs_f64(),
        rate(written, write_time)
    );

    let (pushed, push) = Took::measure(|| {
        dev.block_on(sync_once(&a.store, &a.transport))
            .expect("device A syncs")
    });
    let m = a.transport.take();
    assert_eq!(
        pushed.pushed, written,
        "every change written was acknowledged"
    );
    println!(
        "  push    (A): {:6.2} s, {:>7} changes/s  ({} batches; device A busy {:.2} s, waiting {:.2} s)",
        push.wall.as_secs_f64(),
        rate(written, push.wall),
        m.push_calls,
        push.busy.as_secs_f64(),
        push.waiting().as_secs_f64()
    );

    let (pulled, pull) = Took::measure(|| {
        dev.block_on(sync_once(&b.store, &b.transport))
            .expect("device B syncs")
    });
    let m = b.transport.take();
    println!(
        "  pull+apply (B): {:6.2} s, {:>7} changes/s  ({} pages; device B busy {:.2} s, waiting {:.2} s)",
        pull.wall.as_secs_f64(),
        rate(pulled.pulled, pull.wall),
        m.pull_calls,
        pull.busy.as_secs_f64(),
        pull.waiting().as_secs_f64()
    );
    let (held_a, held_b) = (customer_count(&a), customer_count(&b));
    assert_eq!(
        held_a, held_b,
        "device B holds every customer device A made"
    );
    assert!(
        pulled.pulled >= written,
        "B applied {} of {written}",
        pulled.pulled
    );
    let e2e = push.wall + pull.wall;
    println!(
        "  end to end: {:6.2} s, {} changes/s",
        e2e.as_secs_f64(),
        rate(written, e2e)
    );
    (
        PushPull {
            changes: written,
            push: push.wall,
            pull: pull.wall,
        },
        customer_rows(&a),
    )
}

// ---------------------------------------------------------------------------------------
// 2. First sync

fn first_sync(rt: &Runtime, backend: Backend, rows: u64) {
    println!(
        "\n== 2. First sync of a store with {} changes, {} storage",
        thousands(rows),
        backend.name()
    );
    let dev = device_runtime();
    let server = start_server(rt, backend);
    let a = first_device(rt, &dev, &server);
    let t = Instant::now();
    let mut written = 0;
    // In parts, so device A's outbox stays the size a busy day leaves.
    let part = 100_000;
    while written < rows {
        let n = part.min(rows - written);
        written += write_customers(&a, n, written);
        dev.block_on(sync_once(&a.store, &a.transport))
            .expect("device A pushes");
    }
    let fill = t.elapsed();
    let m = a.transport.take();
    println!(
        "  device A wrote and pushed {} changes in {:.1} s ({} batches; pushing took {:.1} s)",
        thousands(written),
        fill.as_secs_f64(),
        m.push_calls,
        m.push_wait.as_secs_f64()
    );
    println!("  a new device joins and downloads the store:");
    let (b, pulled, took) = joining_device(rt, &dev, &server, &a.store_id.clone(), 3, true);
    let m = b.transport.take();
    assert_eq!(
        customer_count(&a),
        customer_count(&b),
        "the new device holds every customer"
    );
    println!(
        "  first sync: {:.1} s for {} changes, {} changes/s ({} pages; the new device busy {:.1} s, waiting {:.1} s)",
        took.wall.as_secs_f64(),
        thousands(pulled),
        rate(pulled, took.wall),
        m.pull_calls,
        took.busy.as_secs_f64(),
        took.waiting().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------
// 3. Push latency

/// A device of the latency run: its credentials and its outbox sequence.
struct LightDevice {
    id: String,
    store_id: String,
    token: String,
}

async fn pair_light(
    http: &reqwest::Client,
    url: &str,
    code: &str,
    name: String,
    store: Option<StoreRecord>,
) -> LightDevice {
    let store_key = store
        .as_ref()
        .map(|_| StoreKey::from_bytes(STORE_KEY).to_base64());
    let req = PairRequest {
        code: code.to_string(),
        protocol: PROTOCOL_VERSION,
        schema_version: SCHEMA_VERSION,
        device_id: uuid::Uuid::now_v7().to_string(),
        device_name: name,
        store,
        store_key,
    };
    let res = http
        .post(format!("{url}/api/v1/pair"))
        .json(&req)
        .send()
        .await
        .expect("the pairing is answered");
    let status = res.status();
    let body = res.text().await.expect("the pairing's answer");
    assert!(status.is_success(), "pairing failed: {status} {body}");
    let paired: PairResponse = serde_json::from_str(&body).expect("a pairing answer");
    LightDevice {
        id: paired.device_id,
        store_id: paired.store_id,
        token: paired.token,
    }
}

/// A customer change as a device's outbox holds it.
fn customer_change(device: &LightDevice, hlc: u64, i: u64) -> Change {
    let c = customer(i);
    Change {
        change_id: uuid::Uuid::now_v7().to_string(),
        entity: "customers".into(),
        entity_id: uuid::Uuid::now_v7().to_string(),
        op: ChangeOp::Upsert,
        payload: json!({
            "name": c.name, "email": c.email, "phone": c.phone, "notes": c.notes,
            "marketing_consent": c.marketing_consent, "tags": c.tags, "addresses": [],
            "store_id": device.store_id, "consent_at": null,
        }),
        hlc,
        device_id: device.id.clone(),
    }
}

#[derive(Default)]
struct LoadResult {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

/// How a device of the latency run pushes: batches of `batch` changes every `interval` (zero:
/// as soon as the last one is answered), from `start_after` until `until`.
#[derive(Clone, Copy)]
struct Pace {
    batch: u64,
    interval: Duration,
    start_after: Duration,
    until: Instant,
}

async fn push_loop(
    http: reqwest::Client,
    url: String,
    device: Arc<LightDevice>,
    seq: Arc<Mutex<u64>>,
    pace: Pace,
) -> LoadResult {
    let Pace {
        batch,
        interval,
        start_after,
        until,
    } = pace;
    let mut out = LoadResult::default();
    tokio::time::sleep(start_after).await;
    let mut ticker = tokio::time::interval(interval.max(Duration::from_micros(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while Instant::now() < until {
        if !interval.is_zero() {
            ticker.tick().await;
        }
        let first = *seq.lock().expect("the sequence") + 1;
        let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
        let changes = (0..batch)
            .map(|k| PushedChange {
                seq: first + k,
                change: customer_change(&device, now_ms << 16 | k, first + k),
            })
            .collect();
        let body = serde_json::to_vec(&PushRequest {
            batch_id: uuid::Uuid::now_v7().to_string(),
            changes,
        })
        .expect("a push body");
        let t = Instant::now();
        let res = http
            .post(format!("{url}/api/v1/push"))
            .bearer_auth(&device.token)
            .header("content-type", "application/json")
            .header(
                kassa_server::SCHEMA_VERSION_HEADER,
                SCHEMA_VERSION.to_string(),
            )
            .body(body)
            .send()
            .await;
        let ok = match res {
            Ok(r) if r.status().is_success() => match r.bytes().await {
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            },
            Ok(r) => {
                let status = r.status();
                Err(format!("{status} {}", r.text().await.unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        };
        match ok {
            Ok(()) => {
                out.latencies.push(t.elapsed());
                *seq.lock().expect("the sequence") = first + batch - 1;
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e);
            }
        }
    }
    out
}

fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn latency(rt: &Runtime) {
    let devices = knob("KASSA_BENCH_DEVICES", 100);
    let stores = knob("KASSA_BENCH_STORES", 10).clamp(1, devices.max(1));
    let batch = knob("KASSA_BENCH_BATCH", 10).clamp(1, 1_000);
    let seconds = knob("KASSA_BENCH_SECONDS", 20);
    let interval = Duration::from_millis(knob("KASSA_BENCH_PUSH_INTERVAL_MS", 250));
    println!(
        "\n== 3. Push latency, {} devices in {} stores at once, PostgreSQL storage, {}-change batches",
        devices, stores, batch
    );
    let server = start_server(rt, Backend::Postgres);
    let load = device_runtime();
    let http = reqwest::Client::new();
    let t = Instant::now();
    let mut paired = Vec::new();
    for s in 0..stores {
        let code = pairing_code(rt, &server, None);
        let store = StoreRecord {
            id: uuid::Uuid::now_v7().to_string(),
            code: format!("S{s}"),
            name: format!("Shop {s}"),
            currency: "EUR".into(),
        };
        let first = load.block_on(pair_light(
            &http,
            &server.url,
            &code,
            format!("Till {s}-1"),
            Some(store),
        ));
        let store_id = first.store_id.clone();
        paired.push(first);
        let in_store = devices / stores + u64::from(s < devices % stores);
        for d in 1..in_store {
            let code = pairing_code(rt, &server, Some(&store_id));
            paired.push(load.block_on(pair_light(
                &http,
                &server.url,
                &code,
                format!("Till {s}-{}", d + 1),
                None,
            )));
        }
    }
    println!(
        "  paired {} devices through the server in {:.1} s",
        paired.len(),
        t.elapsed().as_secs_f64()
    );
    let paired: Vec<Arc<LightDevice>> = paired.into_iter().map(Arc::new).collect();
    let seqs: Vec<Arc<Mutex<u64>>> = paired.iter().map(|_| Arc::default()).collect();

    let runs = [
        (
            format!("each device every {} ms", interval.as_millis()),
            interval,
        ),
        ("each device flat out".to_string(), Duration::ZERO),
    ];
    for (label, every) in runs {
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let n = paired.len() as u32;
        let results = load.block_on(async {
            let tasks: Vec<_> = paired
                .iter()
                .zip(&seqs)
                .enumerate()
                .map(|(i, (d, seq))| {
                    tokio::spawn(push_loop(
                        http.clone(),
                        server.url.clone(),
                        Arc::clone(d),
                        Arc::clone(seq),
                        Pace {
                            batch,
                            interval: every,
                            start_after: every * i as u32 / n.max(1),
                            until,
                        },
                    ))
                })
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.push(task.await.expect("a device's pushes"));
            }
            all
        });
        let took = started.elapsed();
        let mut lat: Vec<Duration> = results.iter().flat_map(|r| r.latencies.clone()).collect();
        lat.sort();
        let errors: u64 = results.iter().map(|r| r.errors).sum();
        let requests = lat.len() as u64;
        println!(
            "  {label:26}: {} pushes in {:.1} s, {:.0} pushes/s, {} changes/s, errors {}",
            thousands(requests),
            took.as_secs_f64(),
            per_sec(requests, took),
            rate(requests * batch, took),
            errors
        );
        println!(
            "  {:26}  latency p50 {:.1?}  p95 {:.1?}  p99 {:.1?}  max {:.1?}",
            "",
            pct(&lat, 0.50),
            pct(&lat, 0.95),
            pct(&lat, 0.99),
            pct(&lat, 1.0)
        );
        if let Some(e) = results.iter().find_map(|r| r.first_error.clone()) {
            println!("  first error: {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------

fn main() {
    // reqwest's TLS is built without a crypto provider; the devices install ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Kassa sync figures ({cores} cores; server and devices share them)");
    // The server's runtime, as `kassa server` runs it; devices run on their own threads.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.max(2))
        .enable_all()
        .build()
        .expect("the server runtime");

    if part("push_pull") {
        let changes = knob("KASSA_BENCH_CHANGES", 100_000);
        let backends: Vec<Backend> = text_knob("KASSA_BENCH_BACKENDS", "sqlite,postgres")
            .split(',')
            .map(Backend::parse)
            .collect();
        let mut results = Vec::new();
        let mut rows = Vec::new();
        for backend in backends {
            let (r, r_rows) = push_pull(&rt, backend, changes);
            if rows.is_empty() {
                rows = r_rows;
            }
            results.push((backend, r));
        }
        let raw = raw_baseline(&rows);
        let raw_rate = per_sec(rows.len() as u64, raw);
        println!(
            "\n  bare SQLite baseline: {} customer rows in {:.2} s, {} rows/s (WAL, synchronous=FULL, 1,000 rows per transaction, one prepared statement)",
            thousands(rows.len() as u64),
            raw.as_secs_f64(),
            rate(rows.len() as u64, raw)
        );
        for (backend, r) in &results {
            let e2e = per_sec(r.changes, r.push + r.pull);
            println!(
                "  {:10}: end to end {} changes/s = {:.1} % of bare SQLite (push {} /s, pull+apply {} /s)",
                backend.name(),
                thousands(e2e.round() as u64),
                100.0 * e2e / raw_rate,
                rate(r.changes, r.push),
                rate(r.changes, r.pull)
            );
        }
    }
    if part("first_sync") {
        let rows = knob("KASSA_BENCH_FIRST_SYNC_ROWS", 1_000_000);
        let on = text_knob("KASSA_BENCH_FIRST_SYNC_ON", "sqlite");
        let backends: Vec<Backend> = if on.trim() == "both" {
            vec![Backend::Sqlite, Backend::Postgres]
        } else {
            vec![Backend::parse(&on)]
        };
        for backend in backends {
            first_sync(&rt, backend, rows);
        }
    }
    if part("latency") {
        latency(&rt);
    }
}

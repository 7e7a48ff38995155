//! Catalog and stock figures with 100,000 products: CSV import, barcode lookup, text search,
//! and the stock part of a 5-line sale against a bare durable transaction.
//!
//! `cargo bench -p kassa-store --bench catalog` prints the figures; it asserts nothing.

use chrono::Utc;
use kassa_domain::catalog::{TaxRate, gtin_check_digit};
use kassa_store::catalog::stock::{self, NewMovement};
use kassa_store::catalog::{self, SearchOptions};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::{FixedClock, KeySource, Store, catalog::csv as catalog_csv};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PRODUCTS: usize = 100_000;

/// A small deterministic generator, so every run measures the same catalog.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const ADJ: &[&str] = &[
    "Organic", "Fresh", "Crunchy", "Smoked", "Spicy", "Sweet", "Salted", "Roasted", "Dark",
    "Light", "Classic", "Wild", "Golden", "Rustic", "Alpine", "Nordic", "Café", "Crème", "Bio",
    "Premium",
];
const NOUN: &[&str] = &[
    "Coffee",
    "Tea",
    "Müsli",
    "Bread",
    "Cheese",
    "Butter",
    "Honey",
    "Jam",
    "Chocolate",
    "Biscuits",
    "Yoghurt",
    "Milk",
    "Juice",
    "Water",
    "Lemonade",
    "Pasta",
    "Rice",
    "Beans",
    "Soup",
    "Crisps",
    "Nuts",
    "Olives",
    "Salami",
    "Ham",
    "Eggs",
    "Apples",
    "Pears",
    "Tomatoes",
    "Pesto",
    "Mustard",
];
const SIZE: &[&str] = &[
    "100 g", "250 g", "500 g", "1 kg", "0.33 l", "0.5 l", "1 l", "6 pack",
];
const CATS: &[&str] = &[
    "Drinks > Coffee",
    "Drinks > Tea",
    "Drinks > Soft drinks",
    "Bakery",
    "Dairy > Cheese",
    "Dairy > Milk",
    "Pantry > Pasta & rice",
    "Pantry > Spreads",
    "Snacks",
    "Deli > Meat",
    "Fruit & veg",
    "Breakfast",
];

fn ean13(n: u64) -> String {
    let body = format!("400{:09}", n);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gtin_check_digit(&digits))
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn report(name: &str, v: Vec<Duration>) {
    println!(
        "{name:34} n={:6}  p50 {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}",
        v.len(),
        pct(v.clone(), 0.50),
        pct(v.clone(), 0.99),
        pct(v, 1.0)
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let mut store = Store::open(
        dir.path(),
        clock,
        KeySource::ExplicitKeys {
            device: [1; 32],
            store: [77; 32],
        },
    )
    .expect("open");
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Bench Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "bench@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .expect("setup");
    let (sid, admin) = (out.store_id, out.admin_id);
    store
        .write(|tx| {
            catalog::create_tax_class(tx, &sid, &admin, "Standard", TaxRate::new(1900, true)?)?;
            catalog::create_tax_class(tx, &sid, &admin, "Reduced", TaxRate::new(700, true)?)?;
            Ok(())
        })
        .expect("tax classes");

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut csv = String::from("sku,name,price,barcodes,category,tax_class,cost\n");
    let mut names = Vec::with_capacity(PRODUCTS);
    for i in 0..PRODUCTS {
        let name = format!("{} {} {}", rng.pick(ADJ), rng.pick(NOUN), rng.pick(SIZE));
        let price = 50 + rng.next() % 2000;
        csv.push_str(&format!(
            "SKU-{i:06},{name},{}.{:02},{},{},{},{}.{:02}\n",
            price / 100,
            price % 100,
            ean13(i as u64),
            rng.pick(CATS),
            if i.is_multiple_of(3) {
                "Standard"
            } else {
                "Reduced"
            },
            price / 200,
            price % 100
        ));
        names.push(name);
    }
    println!(
        "catalog: {PRODUCTS} products, CSV {:.1} MB",
        csv.len() as f64 / 1e6
    );

    let t = Instant::now();
    let r = store
        .write(|tx| catalog_csv::import(tx, &sid, &admin, &csv, 2, true))
        .expect("dry run");
    let dry = t.elapsed();
    assert!(
        r.errors.is_empty(),
        "{:?}",
        &r.errors[..r.errors.len().min(3)]
    );
    let t = Instant::now();
    let r = store
        .write(|tx| catalog_csv::import(tx, &sid, &admin, &csv, 2, false))
        .expect("import");
    let import = t.elapsed();
    assert_eq!(r.created as usize, PRODUCTS);
    println!("CSV import dry run (checks only)    {dry:>9.2?}");
    println!("CSV import of {PRODUCTS} products       {import:>9.2?}  (target <= 10 s)");
    if std::env::var_os("KASSA_BENCH_IMPORT_ONLY").is_some() {
        return;
    }
    let t = Instant::now();
    let (_, n) = catalog_csv::export(store.conn(), &sid, 2, true).expect("export");
    println!("CSV export of {n} products       {:>9.2?}", t.elapsed());

    // Barcode lookup: what a scan costs at checkout (price, tax class, cost in one read).
    let conn = store.conn();
    let mut times = Vec::new();
    for _ in 0..20_000 {
        let code = ean13(rng.next() % PRODUCTS as u64);
        let t = Instant::now();
        let item = catalog::sale_item_by_code(conn, &sid, &code).expect("lookup");
        times.push(t.elapsed());
        assert!(item.is_some());
    }
    report("barcode lookup (sale item)", times);
    let mut times = Vec::new();
    for _ in 0..5_000 {
        let code = ean13(rng.next() % PRODUCTS as u64);
        let t = Instant::now();
        let p = catalog::by_code(conn, &sid, &code).expect("lookup");
        times.push(t.elapsed());
        assert!(p.is_some());
    }
    report("barcode lookup (full product)", times);

    // Text search as a person types: prefixes of 2 to 6 letters of one or two words.
    let mut times = Vec::new();
    let mut hits = 0usize;
    let opts = SearchOptions {
        limit: 20,
        ..Default::default()
    };
    for _ in 0..3_000 {
        let name = &names[(rng.next() % PRODUCTS as u64) as usize];
        let words: Vec<&str> = name.split(' ').collect();
        let w1: String = words[1]
            .chars()
            .take(2 + (rng.next() % 5) as usize)
            .collect();
        let q = if rng.next().is_multiple_of(2) {
            w1
        } else {
            let w0: String = words[0].chars().take(3).collect();
            format!("{w0} {w1}")
        };
        let t = Instant::now();
        let found = catalog::search(conn, &sid, &q, &opts).expect("search");
        times.push(t.elapsed());
        hits += found.len();
    }
    report("text search (limit 20)", times);
    println!("  (average {:.1} results per query)", hits as f64 / 3000.0);

    // The stock part of a 5-line sale, durable, against a bare durable transaction of 5 inserts.
    let ids: Vec<String> = (0..50)
        .map(|i| {
            catalog::sale_item_by_code(conn, &sid, &ean13(i))
                .expect("item")
                .expect("exists")
                .id
        })
        .collect();
    store
        .write(|tx| {
            let moves: Vec<NewMovement> = ids
                .iter()
                .map(|id| NewMovement::receipt(id, 1_000_000))
                .collect();
            stock::record_movements(tx, &sid, Some(&admin), &moves)?;
            Ok(())
        })
        .expect("receive");
    store
        .conn()
        .execute_batch(
            "CREATE TABLE bench_raw (id TEXT PRIMARY KEY, product_id TEXT, qty INTEGER, at TEXT)",
        )
        .expect("raw table");
    let mut sale = Vec::new();
    let mut raw = Vec::new();
    for n in 0..1_000 {
        let lines: Vec<NewMovement> = (0..5)
            .map(|k| {
                NewMovement::sale(&ids[(n * 5 + k) % ids.len()], 1).reference("order", "bench")
            })
            .collect();
        let t = Instant::now();
        store
            .write(|tx| stock::record_movements(tx, &sid, Some(&admin), &lines).map(|_| ()))
            .expect("sale");
        sale.push(t.elapsed());
        let t = Instant::now();
        store
            .write(|tx| {
                for id in ids.iter().take(5) {
                    tx.prepare_cached("INSERT INTO bench_raw VALUES (?1, ?2, ?3, ?4)")
                        .map_err(|e| kassa_domain::Error::internal(e.to_string()))?
                        .execute(rusqlite::params![
                            kassa_store::foundation::ids::new_id(),
                            id,
                            -1,
                            "now"
                        ])
                        .map_err(|e| kassa_domain::Error::internal(e.to_string()))?;
                }
                Ok(())
            })
            .expect("raw");
        raw.push(t.elapsed());
    }
    let (s50, r50) = (pct(sale.clone(), 0.5), pct(raw.clone(), 0.5));
    report("5 sale movements, durable tx", sale);
    report("bare durable tx, 5 inserts", raw);
    println!(
        "  stock movements / bare transaction at p50: {:.2}x",
        s50.as_secs_f64() / r50.as_secs_f64()
    );
    assert!(
        stock::verify_levels(store.conn())
            .expect("verify")
            .is_empty()
    );
}

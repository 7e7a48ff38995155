//! The catalog, the stock ledger and customers as stored: lookups, search, the ledger's
//! sums, refusals that write nothing, CSV imports that are all or nothing.

use chrono::{NaiveDate, TimeZone, Utc};
use kassa_domain::catalog::{ProductKind, TaxRate};
use kassa_domain::stock::MovementKind;
use kassa_store::catalog::{self, AuditMode, ProductData, SearchOptions};
use kassa_store::customers::{self, Address, CustomerData};
use kassa_store::device::{SetupParams, setup};
use kassa_store::stock::{self, NewMovement, Receipt};
use kassa_store::{ErrorCode, FixedClock, KeySource, Store, catalog_csv, customers_csv};
use proptest::prelude::*;
use std::sync::Arc;

struct Shop {
    store: Store,
    store_id: String,
    admin: String,
    _dir: tempfile::TempDir,
}

fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ));
    let mut store = Store::open(dir.path(), clock, KeySource::Explicit([9; 32])).unwrap();
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "a@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    Shop {
        store,
        store_id: out.store_id,
        admin: out.admin_id,
        _dir: dir,
    }
}

impl Shop {
    fn add(&mut self, data: ProductData) -> kassa_store::Result<String> {
        let (sid, admin) = (self.store_id.clone(), self.admin.clone());
        self.store
            .write(|tx| catalog::create(tx, &sid, &admin, &data, AuditMode::PerProduct))
            .map(|p| p.id)
    }

    fn product(&mut self, sku: &str, name: &str, price: i64) -> String {
        self.add(ProductData::new(sku, name, price)).unwrap()
    }

    fn moves(&mut self, moves: &[NewMovement]) -> kassa_store::Result<Vec<stock::Written>> {
        let sid = self.store_id.clone();
        self.store
            .write(|tx| stock::record_movements(tx, &sid, None, moves))
    }

    fn rows(&self, table: &str) -> i64 {
        self.store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn search(&self, q: &str) -> Vec<String> {
        catalog::search(
            self.store.conn(),
            &self.store_id,
            q,
            &SearchOptions {
                limit: 20,
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|p| p.data.sku)
        .collect()
    }
}

#[test]
fn a_scanned_barcode_finds_its_product_with_price_and_tax() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let vat7 = s
        .store
        .write(|tx| {
            catalog::create_tax_class(
                tx,
                &sid,
                &admin,
                "Reduced 7%",
                TaxRate::new(700, true).unwrap(),
            )
        })
        .unwrap();
    let mut d = ProductData::new("OAT-1", "Oat milk 1 l", 249);
    d.barcodes = vec!["4006381333931".into(), "SHELF-7".into()];
    d.tax_class_id = Some(vat7);
    d.cost_minor = Some(120);
    let id = s.add(d).unwrap();
    let item = catalog::sale_item_by_code(s.store.conn(), &sid, "4006381333931")
        .unwrap()
        .unwrap();
    assert_eq!(
        (item.id.as_str(), item.price_minor, item.cost_minor),
        (id.as_str(), 249, Some(120))
    );
    assert_eq!(
        item.tax,
        Some(TaxRate {
            basis_points: 700,
            inclusive: true
        })
    );
    // A free-form code and the SKU (any case) find it too; an unknown code finds nothing.
    assert!(
        catalog::sale_item_by_code(s.store.conn(), &sid, "SHELF-7")
            .unwrap()
            .is_some()
    );
    assert!(
        catalog::sale_item_by_code(s.store.conn(), &sid, "oat-1")
            .unwrap()
            .is_some()
    );
    assert!(
        catalog::sale_item_by_code(s.store.conn(), &sid, "0000000000000")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_upc_a_is_found_when_the_scanner_sends_its_ean13_spelling() {
    let mut s = shop();
    let mut d = ProductData::new("COLA", "Cola 0.33 l", 150);
    d.barcodes = vec!["036000291452".into()];
    s.add(d).unwrap();
    let p = catalog::by_code(s.store.conn(), &s.store_id, "0036000291452")
        .unwrap()
        .unwrap();
    assert_eq!(p.data.sku, "COLA");
}

#[test]
fn a_barcode_with_a_wrong_check_digit_is_refused_and_nothing_is_written() {
    let mut s = shop();
    let before = s.rows("outbox");
    let mut d = ProductData::new("X-1", "Something", 100);
    d.barcodes = vec!["4006381333932".into()];
    let e = s.add(d).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.contains("check digit should be 1"),
        "{}",
        e.message
    );
    assert_eq!((s.rows("products"), s.rows("outbox")), (0, before));
}

#[test]
fn skus_and_barcodes_are_unique_in_the_store() {
    let mut s = shop();
    let mut d = ProductData::new("CAF-1", "Café Crema", 320);
    d.barcodes = vec!["96385074".into()];
    s.add(d).unwrap();
    let e = s.add(ProductData::new("caf-1", "Other", 1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists);
    let mut d = ProductData::new("CAF-2", "Other", 1);
    d.barcodes = vec!["96385074".into()];
    let e = s.add(d).unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists);
    assert!(e.message.contains("Café Crema"), "{}", e.message);
}

#[test]
fn search_finds_cafe_typed_without_its_accent_and_by_prefix_sku_barcode_and_category() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let hot = s
        .store
        .write(|tx| catalog::ensure_category_path(tx, &sid, &admin, "Drinks > Coffee"))
        .unwrap();
    let mut d = ProductData::new("CAF-001", "Café Crema", 320);
    d.category_id = hot;
    d.barcodes = vec!["4000417025005".into()];
    s.add(d).unwrap();
    s.product("MUS-1", "Müsli Crunchy", 399);
    s.product("TEA-1", "Green tea", 250);
    assert_eq!(s.search("cafe"), ["CAF-001"]);
    assert_eq!(s.search("Café"), ["CAF-001"]);
    assert_eq!(s.search("caf cre"), ["CAF-001"]);
    assert_eq!(s.search("musli"), ["MUS-1"]);
    assert_eq!(s.search("drinks"), ["CAF-001"]);
    assert_eq!(s.search("4000417"), ["CAF-001"]);
    assert_eq!(s.search("caf-0"), ["CAF-001"]);
    assert_eq!(s.search("tea-1"), ["TEA-1"]);
    assert!(s.search("espresso").is_empty());
    assert_eq!(s.search("coffee"), ["CAF-001"]);
    // FTS5 syntax typed by a person is plain text, never an error.
    assert!(s.search("\"caf OR (").len() <= 1);
    // Renaming the category re-indexes its products.
    let cat = catalog::categories(s.store.conn(), &sid)
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Drinks")
        .unwrap();
    s.store
        .write(|tx| catalog::rename_category(tx, &sid, &admin, &cat.id, "Getränke"))
        .unwrap();
    assert_eq!(s.search("getranke"), ["CAF-001"]);
    assert!(s.search("drinks").is_empty());
}

#[test]
fn a_price_change_is_kept_in_the_history_with_who_and_audited_with_before_and_after() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let id = s.product("OAT-1", "Oat milk", 249);
    let mut d = catalog::get(s.store.conn(), &sid, &id).unwrap().data;
    d.price_minor = 269;
    let changed = s
        .store
        .write(|tx| catalog::update(tx, &sid, &admin, &id, &d))
        .unwrap();
    assert_eq!(changed, ["price_minor"]);
    let h = catalog::price_history(s.store.conn(), &id).unwrap();
    assert_eq!(
        h.iter().map(|x| x.price_minor).collect::<Vec<_>>(),
        [269, 249]
    );
    assert_eq!(h[0].changed_by.as_deref(), Some(admin.as_str()));
    let (before, after): (String, String) = s
        .store
        .conn()
        .query_row(
            "SELECT before, after FROM audit_log WHERE action = 'product.price_changed'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (before.as_str(), after.as_str()),
        (r#"{"price_minor":249}"#, r#"{"price_minor":269}"#)
    );
    // Saving the same again writes nothing.
    let n = s.rows("outbox");
    assert!(
        s.store
            .write(|tx| catalog::update(tx, &sid, &admin, &id, &d))
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.rows("outbox"), n);
    // The history is a ledger.
    assert!(
        s.store
            .conn()
            .execute("DELETE FROM price_history", [])
            .is_err()
    );
}

#[test]
fn variants_have_their_own_sku_and_stock_and_services_no_stock() {
    let mut s = shop();
    let shirt = s.product("TEE", "T-shirt", 1500);
    let mut m = ProductData::new("TEE-M", "T-shirt", 1500);
    m.parent_id = Some(shirt.clone());
    m.variant = "M".into();
    let m_id = s.add(m).unwrap();
    let mut no_label = ProductData::new("TEE-L", "T-shirt", 1500);
    no_label.parent_id = Some(shirt.clone());
    assert_eq!(s.add(no_label).unwrap_err().code, ErrorCode::InvalidInput);
    let mut grandchild = ProductData::new("TEE-M-X", "T-shirt", 1500);
    grandchild.parent_id = Some(m_id.clone());
    grandchild.variant = "x".into();
    assert_eq!(s.add(grandchild).unwrap_err().code, ErrorCode::InvalidInput);
    s.moves(&[NewMovement::receipt(&m_id, 4)]).unwrap();
    assert_eq!(
        stock::level(s.store.conn(), &m_id, None).unwrap().on_hand,
        4
    );
    assert_eq!(
        stock::level(s.store.conn(), &shirt, None).unwrap().on_hand,
        0
    );
    assert_eq!(s.search("tee m")[0], "TEE-M");

    let mut svc = ProductData::new("GIFT", "Gift wrapping", 200);
    svc.kind = ProductKind::Service;
    let svc = s.add(svc).unwrap();
    let written = s.moves(&[NewMovement::sale(&svc, 3)]).unwrap();
    assert!(written.is_empty(), "a service has no stock to move");
}

#[test]
fn selling_more_than_the_level_is_refused_naming_the_item_and_nothing_is_written() {
    let mut s = shop();
    let oat = s.product("OAT-1", "Oat milk", 249);
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 3),
        NewMovement::receipt(&tea, 10),
    ])
    .unwrap();
    let (movements, outbox) = (s.rows("stock_movements"), s.rows("outbox"));
    // A two-line sale whose second line is short: neither line is written.
    let e = s
        .moves(&[NewMovement::sale(&tea, 2), NewMovement::sale(&oat, 5)])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    assert_eq!(
        e.message,
        "not enough stock of Oat milk (SKU OAT-1): 3 available, 5 wanted"
    );
    assert_eq!(
        (s.rows("stock_movements"), s.rows("outbox")),
        (movements, outbox)
    );
    assert_eq!(
        stock::level(s.store.conn(), &tea, None).unwrap().on_hand,
        10
    );
    // Two lines of the same item count together.
    let e = s
        .moves(&[NewMovement::sale(&oat, 2), NewMovement::sale(&oat, 2)])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    // Held stock is not available to others.
    s.moves(&[NewMovement::reservation(&oat, 2)]).unwrap();
    assert_eq!(
        s.moves(&[NewMovement::sale(&oat, 2)]).unwrap_err().code,
        ErrorCode::InsufficientStock
    );
    // The cart that holds it sells it: release and sale together.
    s.moves(&[NewMovement::release(&oat, 2), NewMovement::sale(&oat, 2)])
        .unwrap();
    assert_eq!(
        stock::level(s.store.conn(), &oat, None)
            .unwrap()
            .available(),
        1
    );
}

#[test]
fn a_product_or_the_store_may_allow_selling_below_zero() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let mut d = ProductData::new("BREAD", "Bread of the day", 300);
    d.allow_negative = Some(true);
    let bread = s.add(d).unwrap();
    s.moves(&[NewMovement::sale(&bread, 2)]).unwrap();
    assert_eq!(
        stock::level(s.store.conn(), &bread, None).unwrap().on_hand,
        -2
    );
    let oat = s.product("OAT-1", "Oat milk", 249);
    assert!(s.moves(&[NewMovement::sale(&oat, 1)]).is_err());
    s.store
        .write(|tx| {
            kassa_store::settings::set(
                tx,
                &sid,
                "stock.allow_negative",
                kassa_domain::settings::SettingValue::Bool(true),
                &admin,
            )
        })
        .unwrap();
    s.moves(&[NewMovement::sale(&oat, 1)]).unwrap();
}

#[test]
fn ledger_rows_are_immutable_and_every_movement_is_in_the_outbox() {
    let mut s = shop();
    let oat = s.product("OAT-1", "Oat milk", 249);
    let w = s.moves(&[NewMovement::receipt(&oat, 3)]).unwrap();
    let c = s.store.conn();
    assert!(
        c.execute("UPDATE stock_movements SET qty = 30", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM stock_movements", []).is_err());
    let n: i64 = c
        .query_row("SELECT count(*) FROM outbox WHERE entity = 'stock_movements' AND entity_id = ?1 AND op = 'insert'", [&w[0].id], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn batches_are_sold_first_expiring_first_and_expiring_ones_are_flagged() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let yog = s.product("YOG", "Yoghurt", 129);
    for (code, date, qty) in [("L2", "2026-12-20", 5), ("L1", "2026-11-25", 3)] {
        let r = Receipt {
            product_id: yog.clone(),
            qty,
            batch_code: Some(code.into()),
            expires_on: Some(date.into()),
            ..Default::default()
        };
        s.store
            .write(|tx| stock::receive(tx, &sid, &admin, &r))
            .unwrap();
    }
    s.moves(&[NewMovement::sale(&yog, 4)]).unwrap();
    let b = stock::batches(s.store.conn(), &yog).unwrap();
    assert_eq!(
        b.iter()
            .map(|b| (b.code.as_str(), b.on_hand))
            .collect::<Vec<_>>(),
        [("L1", 0), ("L2", 4)]
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let a = stock::alerts(s.store.conn(), &sid, today).unwrap();
    assert_eq!(a.expiring.len(), 1);
    assert_eq!(
        (
            a.expiring[0].batch_code.as_str(),
            a.expiring[0].on_hand,
            a.expiring[0].expired
        ),
        ("L2", 4, false)
    );
    assert!(a.low.iter().any(|l| l.sku == "YOG" && l.available == 4));
    let late = stock::alerts(
        s.store.conn(),
        &sid,
        NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(),
    )
    .unwrap();
    assert!(late.expiring[0].expired);
    // The same code with another date is refused, not re-dated.
    let r = Receipt {
        product_id: yog.clone(),
        qty: 1,
        batch_code: Some("L2".into()),
        expires_on: Some("2027-01-01".into()),
        ..Default::default()
    };
    assert_eq!(
        s.store
            .write(|tx| stock::receive(tx, &sid, &admin, &r))
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn a_transfer_moves_stock_and_its_batches_between_locations() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let back = s
        .store
        .write(|tx| stock::create_location(tx, &sid, &admin, "Back room"))
        .unwrap();
    let yog = s.product("YOG", "Yoghurt", 129);
    let r = Receipt {
        product_id: yog.clone(),
        qty: 6,
        batch_code: Some("L1".into()),
        expires_on: Some("2026-12-01".into()),
        location_id: Some(back.clone()),
        ..Default::default()
    };
    s.store
        .write(|tx| stock::receive(tx, &sid, &admin, &r))
        .unwrap();
    let main = stock::main_location_id(&sid);
    let e = s
        .store
        .write(|tx| stock::transfer(tx, &sid, &admin, &yog, 7, &back, &main))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    s.store
        .write(|tx| stock::transfer(tx, &sid, &admin, &yog, 4, &back, &main))
        .unwrap();
    let c = s.store.conn();
    assert_eq!(stock::level(c, &yog, Some(&back)).unwrap().on_hand, 2);
    assert_eq!(stock::level(c, &yog, Some(&main)).unwrap().on_hand, 4);
    let in_batch: Option<String> = c
        .query_row("SELECT b.code FROM stock_movements m JOIN stock_batches b ON b.id = m.batch_id WHERE m.kind = 'transfer_in'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(in_batch.as_deref(), Some("L1"));
}

#[test]
fn a_count_posts_only_the_differences_as_one_count() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let oat = s.product("OAT-1", "Oat milk", 249);
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 10),
        NewMovement::receipt(&tea, 5),
    ])
    .unwrap();
    let (count_id, lines) = s
        .store
        .write(|tx| {
            stock::post_count(
                tx,
                &sid,
                &admin,
                None,
                &[
                    (oat.clone(), 6),
                    (tea.clone(), 2),
                    (tea.clone(), 3),
                    (oat.clone(), 1),
                ],
            )
        })
        .unwrap();
    assert_eq!(
        lines
            .iter()
            .map(|l| (l.expected, l.counted))
            .collect::<Vec<_>>(),
        [(10, 7), (5, 5)]
    );
    let c = s.store.conn();
    let rows: Vec<(String, i64)> = c
        .prepare(
            "SELECT product_id, qty FROM stock_movements WHERE ref_type = 'count' AND ref_id = ?1",
        )
        .unwrap()
        .query_map([&count_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, [(oat.clone(), -3)]);
    assert_eq!(stock::level(c, &oat, None).unwrap().on_hand, 7);
}

#[test]
fn stock_is_valued_at_cost_and_items_without_a_cost_are_counted_apart() {
    let mut s = shop();
    let mut d = ProductData::new("OAT-1", "Oat milk", 249);
    d.cost_minor = Some(120);
    let oat = s.add(d).unwrap();
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 10),
        NewMovement::receipt(&tea, 5),
    ])
    .unwrap();
    let v = stock::valuation(s.store.conn(), &s.store_id).unwrap();
    assert_eq!(
        (v.total_minor, v.units, v.items_without_cost),
        (1200, 15, 1)
    );
}

#[derive(Debug, Clone)]
enum Op {
    Receive(usize, usize, i64),
    Sell(usize, usize, i64),
    Adjust(usize, usize, i64),
    Reserve(usize, i64),
    Release(usize, i64),
    Transfer(usize, usize, i64),
    Count(usize, usize, i64),
    ReceiveBatch(usize, usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..3usize;
    let l = 0..2usize;
    prop_oneof![
        (p.clone(), l.clone(), 1..20i64).prop_map(|(p, l, q)| Op::Receive(p, l, q)),
        (p.clone(), l.clone(), 1..15i64).prop_map(|(p, l, q)| Op::Sell(p, l, q)),
        (p.clone(), l.clone(), -10..10i64).prop_map(|(p, l, q)| Op::Adjust(p, l, q)),
        (p.clone(), 1..6i64).prop_map(|(p, q)| Op::Reserve(p, q)),
        (p.clone(), 1..6i64).prop_map(|(p, q)| Op::Release(p, q)),
        (p.clone(), l.clone(), 1..10i64).prop_map(|(p, l, q)| Op::Transfer(p, l, q)),
        (p.clone(), l.clone(), 0..25i64).prop_map(|(p, l, q)| Op::Count(p, l, q)),
        (p, 0..3usize, 1..10i64).prop_map(|(p, b, q)| Op::ReceiveBatch(p, b, q)),
    ]
}

#[test]
fn levels_equal_the_sum_of_movements_after_any_sequence_of_operations() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let back = s
        .store
        .write(|tx| stock::create_location(tx, &sid, &admin, "Back room"))
        .unwrap();
    let locs = [stock::main_location_id(&sid), back];
    let shop = std::cell::RefCell::new(s);
    let case = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..Default::default()
    });
    runner
        .run(
            &(any::<bool>(), proptest::collection::vec(op(), 1..40)),
            |(allow_negative, ops)| {
                let mut s = shop.borrow_mut();
                case.set(case.get() + 1);
                let ids: Vec<String> = (0..3)
                    .map(|i| {
                        let mut d = ProductData::new(
                            &format!("P{}-{i}", case.get()),
                            &format!("Item {i}"),
                            100,
                        );
                        d.allow_negative = Some(allow_negative);
                        s.add(d).unwrap()
                    })
                    .collect();
                for op in ops {
                    let (movements, outbox) = (s.rows("stock_movements"), s.rows("outbox"));
                    let result = s.store.write(|tx| match &op {
                        Op::Receive(p, l, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::receipt(&ids[*p], *q).at(&locs[*l])],
                        )
                        .map(|_| ()),
                        Op::Sell(p, l, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::sale(&ids[*p], *q).at(&locs[*l])],
                        )
                        .map(|_| ()),
                        Op::Adjust(p, l, q) => stock::adjust(
                            tx,
                            &sid,
                            &admin,
                            &ids[*p],
                            *q,
                            "shelf check",
                            Some(&locs[*l]),
                        )
                        .map(|_| ()),
                        Op::Reserve(p, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::reservation(&ids[*p], *q)],
                        )
                        .map(|_| ()),
                        Op::Release(p, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::release(&ids[*p], *q)],
                        )
                        .map(|_| ()),
                        Op::Transfer(p, l, q) => stock::transfer(
                            tx,
                            &sid,
                            &admin,
                            &ids[*p],
                            *q,
                            &locs[*l],
                            &locs[1 - *l],
                        )
                        .map(|_| ()),
                        Op::Count(p, l, q) => stock::post_count(
                            tx,
                            &sid,
                            &admin,
                            Some(&locs[*l]),
                            &[(ids[*p].clone(), *q)],
                        )
                        .map(|_| ()),
                        Op::ReceiveBatch(p, b, q) => stock::receive(
                            tx,
                            &sid,
                            &admin,
                            &Receipt {
                                product_id: ids[*p].clone(),
                                qty: *q,
                                batch_code: Some(format!("B{b}")),
                                expires_on: Some(format!("2027-0{}-01", b + 1)),
                                ..Default::default()
                            },
                        )
                        .map(|_| ()),
                    });
                    if let Err(e) = &result {
                        prop_assert!(
                            matches!(
                                e.code,
                                ErrorCode::InsufficientStock | ErrorCode::InvalidInput
                            ),
                            "{op:?}: {e:?}"
                        );
                        prop_assert_eq!(
                            (s.rows("stock_movements"), s.rows("outbox")),
                            (movements, outbox),
                            "a refused {:?} wrote something",
                            op
                        );
                    }
                    let c = s.store.conn();
                    for id in &ids {
                        for l in &locs {
                            let cached = stock::level(c, id, Some(l)).unwrap();
                            prop_assert_eq!(
                                cached,
                                stock::level_from_ledger(c, id, Some(l)).unwrap()
                            );
                            prop_assert!(cached.reserved >= 0);
                            if !allow_negative {
                                prop_assert!(cached.on_hand >= 0, "{:?} left {:?}", op, cached);
                            }
                        }
                        prop_assert_eq!(
                            stock::level(c, id, None).unwrap(),
                            stock::level_from_ledger(c, id, None).unwrap()
                        );
                    }
                    prop_assert!(stock::verify_levels(c).unwrap().is_empty());
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn a_csv_with_bad_rows_imports_nothing_and_names_each_row_and_reason() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    s.store
        .write(|tx| {
            catalog::create_tax_class(
                tx,
                &sid,
                &admin,
                "Standard 19%",
                TaxRate::new(1900, true).unwrap(),
            )
        })
        .unwrap();
    let csv = "sku,name,price,barcodes,category,tax_class,cost\n\
               OAT-1,Oat milk,2.49,4006381333931,Dairy > Plant milk,Standard 19%,1.20\n\
               BAD-1,Broken code,1.00,4006381333932,,,\n\
               ,No SKU,1.00,,,,\n\
               DEAR,Too dear,12.345,,,,\n\
               OAT-1,Twice,2.00,,,,\n\
               TAX,Unknown tax,1.00,,,Luxury,\n\
               SHORT,Short row\n";
    let before = (s.rows("products"), s.rows("outbox"), s.rows("categories"));
    for dry_run in [true, false] {
        let r = s
            .store
            .write(|tx| catalog_csv::import(tx, &sid, &admin, csv, 2, dry_run))
            .unwrap();
        assert!(!r.applied);
        let lines: Vec<(u64, Option<&str>)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                (3, Some("barcodes")),
                (4, Some("sku")),
                (5, Some("price")),
                (6, Some("sku")),
                (7, Some("tax_class")),
                (8, None)
            ],
            "{:#?}",
            r.errors
        );
        assert!(r.errors[0].message.contains("check digit"));
        assert!(r.errors[3].message.contains("line 2"));
        assert_eq!(
            (s.rows("products"), s.rows("outbox"), s.rows("categories")),
            before
        );
    }
    // The same file without its bad rows imports, categories and all; and exports back.
    let good = "sku,name,price,barcodes,category,tax_class,cost\nOAT-1,Oat milk,\"2,49\",4006381333931|SHELF-1,Dairy > Plant milk,Standard 19%,1.20\nTEE,T-shirt,15,,,,\n";
    let r = s
        .store
        .write(|tx| catalog_csv::import(tx, &sid, &admin, good, 2, false))
        .unwrap();
    assert!(r.applied && r.errors.is_empty());
    assert_eq!((r.created, r.updated), (2, 0));
    let oat = catalog::by_code(s.store.conn(), &sid, "SHELF-1")
        .unwrap()
        .unwrap();
    assert_eq!(
        (oat.data.price_minor, oat.data.cost_minor),
        (249, Some(120))
    );
    assert_eq!(oat.category_path.as_deref(), Some("Dairy > Plant milk"));
    let (text, n) = catalog_csv::export(s.store.conn(), &sid, 2, true).unwrap();
    assert_eq!(n, 2);
    assert!(text.contains("OAT-1,Oat milk,2.49,4006381333931|SHELF-1,Dairy > Plant milk,Standard 19%,1.20,product,yes,yes"), "{text}");
    // Importing the export again changes nothing.
    let r = s
        .store
        .write(|tx| catalog_csv::import(tx, &sid, &admin, &text, 2, false))
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 2));
}

#[test]
fn an_unknown_column_or_an_empty_file_is_refused_whole() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    for text in ["", "sku,name,prize\nA,B,1\n", "sku,name\nA,B\n"] {
        let e = s
            .store
            .write(|tx| catalog_csv::import(tx, &sid, &admin, text, 2, true))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{text}");
    }
}

fn customer(name: &str, email: Option<&str>, phone: Option<&str>) -> CustomerData {
    CustomerData {
        name: name.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        ..Default::default()
    }
}

#[test]
fn customers_are_found_by_name_email_or_phone_and_duplicates_merge() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let mut jo = customer("Jörg Müller", Some("joerg@example.com"), None);
    jo.addresses = vec![Address {
        kind: "billing".into(),
        line1: "Hauptstr. 1".into(),
        line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        is_primary: false,
    }];
    jo.tags = vec!["regular".into()];
    let keep = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &jo, AuditMode::PerProduct))
        .unwrap();
    assert!(
        keep.data.addresses[0].is_primary,
        "the only address is the primary one"
    );
    let mut dup = customer("Joerg Mueller", None, Some("+49 176 1234567"));
    dup.marketing_consent = true;
    dup.tags = vec!["Newsletter".into(), "REGULAR".into()];
    let dup = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &dup, AuditMode::PerProduct))
        .unwrap();
    let find = |s: &Shop, q: &str| -> Vec<String> {
        customers::search(s.store.conn(), &sid, q, 10, 0)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(find(&s, "muller"), std::slice::from_ref(&keep.id));
    assert_eq!(find(&s, "joerg@ex"), std::slice::from_ref(&keep.id));
    assert_eq!(find(&s, "0176 123"), std::slice::from_ref(&dup.id));
    assert_eq!(find(&s, "+49176"), std::slice::from_ref(&dup.id));

    let merged = s
        .store
        .write(|tx| customers::merge(tx, &sid, &admin, &keep.id, &dup.id))
        .unwrap();
    assert_eq!(merged.data.phone.as_deref(), Some("+49 176 1234567"));
    assert_eq!(merged.data.tags, ["regular", "Newsletter"]);
    assert!(
        merged.data.marketing_consent,
        "the later consent decision wins"
    );
    assert_eq!(find(&s, "0176"), std::slice::from_ref(&keep.id));
    assert_eq!(
        customers::resolve(s.store.conn(), &sid, &dup.id).unwrap(),
        keep.id
    );
    assert_eq!(customers::count(s.store.conn(), &sid).unwrap(), 1);
    let e = s
        .store
        .write(|tx| customers::merge(tx, &sid, &admin, &keep.id, &dup.id))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn bad_customer_data_is_refused() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    for d in [
        customer("", None, None),
        customer("A", Some("not-an-email"), None),
        customer("A", None, Some("call me")),
    ] {
        let e = s
            .store
            .write(|tx| customers::create(tx, &sid, &admin, &d, AuditMode::PerProduct))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
    let mut two = customer("A", None, None);
    let a = Address {
        kind: "billing".into(),
        line1: "x".into(),
        line2: String::new(),
        postal_code: String::new(),
        city: String::new(),
        country: String::new(),
        is_primary: true,
    };
    two.addresses = vec![
        a.clone(),
        Address {
            kind: "shipping".into(),
            ..a
        },
    ];
    let e = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &two, AuditMode::PerProduct))
        .unwrap_err();
    assert!(e.message.contains("only one address"));
}

#[test]
fn a_customer_csv_with_bad_rows_imports_nothing_and_a_good_one_round_trips() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let bad = "name;email;phone;marketing_consent\nAda;ada@example.com;;ja\n;x@example.com;;\nBob;bob@;;\nCid;;12;\nDee;;;maybe\n";
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, bad, false))
        .unwrap();
    assert_eq!(
        r.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [3, 4, 5, 6]
    );
    assert_eq!(customers::count(s.store.conn(), &sid).unwrap(), 0);
    let good = "name,email,phone,tags,marketing_consent,street,postal_code,city,country\nAda Lovelace,ada@example.com,+44 20 7946 0000,vip|newsletter,yes,1 Main St,N1 9GU,London,GB\n";
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, good, false))
        .unwrap();
    assert_eq!((r.created, r.applied), (1, true));
    let (text, n) = customers_csv::export(s.store.conn(), &sid).unwrap();
    assert_eq!(n, 1);
    // The phone number's `+` would start a formula in a spreadsheet: the cell is guarded.
    assert!(text.contains("Ada Lovelace,ada@example.com,'+44 20 7946 0000,vip|newsletter,yes,,1 Main St,N1 9GU,London,GB"), "{text}");
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, &text, false))
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 1));
    let _ = MovementKind::Sale;
}

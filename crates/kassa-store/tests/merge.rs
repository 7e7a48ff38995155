//! Merging other devices' changes: a joined device receives the store, applying twice
//! changes nothing, per-field last writer wins, uniqueness clashes, parked changes, offline
//! stock, clocks from the future, and convergence whatever the order.

mod support;

use kassa_domain::catalog::TaxRate;
use kassa_domain::settings::SettingValue;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData, SearchOptions};
use kassa_store::customers::{self, CustomerData};
use kassa_store::foundation::apply::{MAX_AHEAD_MS, apply_remote, conflicts};
use kassa_store::foundation::outbox::pending_changes;
use kassa_store::foundation::{audit, settings};
use kassa_store::{ChangeOp, Store};
use kassa_sync_protocol::Change;
use support::sync::{Log, conflicts, dump, first_device, joined_device, page, ship};

/// A store with a tax class, a category, a product with a barcode and 5 in stock, a customer
/// and a setting: (store, store id, admin id, product id, customer id).
fn stocked_store(dir: &std::path::Path) -> (Store, String, String, String, String) {
    let (mut a, store_id, admin) = first_device(dir);
    let (product, customer) = a
        .write(|tx| {
            let vat = catalog::create_tax_class(
                tx,
                &store_id,
                &admin,
                "Standard",
                TaxRate {
                    basis_points: 1900,
                    inclusive: true,
                },
            )?;
            let cat = catalog::create_category(tx, &store_id, &admin, "Drinks", None)?;
            let mut d = ProductData::new("TEA-1", "Green tea", 499);
            d.tax_class_id = Some(vat);
            d.category_id = Some(cat);
            d.barcodes = vec!["4006381333931".into()];
            let p = catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
            stock::receive(
                tx,
                &store_id,
                &admin,
                &Receipt {
                    product_id: p.id.clone(),
                    qty: 5,
                    location_id: None,
                    batch_code: None,
                    expires_on: None,
                    unit_cost_minor: None,
                    note: None,
                },
            )?;
            let c = customers::create(
                tx,
                &store_id,
                &admin,
                &CustomerData {
                    name: "Grace Hopper".into(),
                    email: Some("grace@example.com".into()),
                    marketing_consent: true,
                    tags: vec!["regular".into()],
                    ..Default::default()
                },
                customers::AuditMode::PerProduct,
            )?;
            settings::set(
                tx,
                &store_id,
                "sell.max_discount_bp",
                SettingValue::Int(1500),
                &admin,
            )?;
            Ok((p.id, c.id))
        })
        .unwrap();
    (a, store_id, admin, product, customer)
}

fn on_hand(store: &Store, product: &str) -> i64 {
    stock::level(store.conn(), product, None).unwrap().on_hand
}

#[test]
fn a_joined_device_receives_the_whole_store_and_applying_twice_changes_nothing() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, admin, product, customer) = stocked_store(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let changes = pending_changes(a.conn(), 100_000).unwrap();
    let entries = page(&changes, 1);
    let first = apply_remote(&mut b, &entries, entries.len() as u64).unwrap();
    assert_eq!(first.parked, 0, "{first:?}");
    assert_eq!(first.applied, changes.len() as u64);

    let s = kassa_store::foundation::device::store(b.conn(), &store_id).unwrap();
    assert_eq!((s.name.as_str(), s.code.as_str()), ("Corner Shop", "CORN"));
    let staff = kassa_store::identity::staff::get(b.conn(), &admin).unwrap();
    assert_eq!(staff.email, "admin@example.com");
    let found = catalog::search(
        b.conn(),
        &store_id,
        "4006381333931",
        &SearchOptions::default(),
    );
    assert_eq!(found.unwrap()[0].id, product);
    let found = catalog::search(b.conn(), &store_id, "green", &SearchOptions::default());
    assert_eq!(found.unwrap()[0].category_path.as_deref(), Some("Drinks"));
    assert_eq!(on_hand(&b, &product), 5);
    let found = customers::search(b.conn(), &store_id, "grace", 10, 0).unwrap();
    assert_eq!(found[0].id, customer);
    let v = settings::get(b.conn(), &store_id, "sell.max_discount_bp").unwrap();
    assert_eq!(v.as_int(), Some(1500));
    // A's audit chain arrived with its hashes; B's own chain is untouched and both verify.
    let report = audit::verify(b.conn()).unwrap();
    assert!(report.ok, "{report:?}");
    // Nothing applied was echoed back into B's outbox (only B's own joining entry is there).
    let echoed = pending_changes(b.conn(), 100_000).unwrap();
    assert!(echoed.iter().all(|c| c.entity == "audit_log"), "{echoed:?}");
    assert_eq!(echoed.len(), 1);

    let before = dump(b.conn());
    let again = apply_remote(&mut b, &entries, entries.len() as u64).unwrap();
    assert_eq!(again.applied, 0, "{again:?}");
    assert_eq!(again.already_held, changes.len() as u64);
    assert_eq!(dump(b.conn()), before);
    assert_eq!(on_hand(&b, &product), 5);
    assert!(stock::verify_levels(b.conn()).unwrap().is_empty());
}

/// A and B in sync on the stocked store: (log, a, b, store id, admin id, product id).
fn two_devices(
    da: &std::path::Path,
    db: &std::path::Path,
) -> (Log, Store, Store, String, String, String) {
    let (a, store_id, admin, product, _) = stocked_store(da);
    let mut b = joined_device(db, &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    (log, a, b, store_id, admin, product)
}

/// Exchanges both ways until neither has anything new.
fn exchange(log: &mut Log, a: &mut Store, b: &mut Store) {
    for _ in 0..2 {
        log.push(a);
        log.push(b);
        log.pull(a);
        log.pull(b);
    }
}

fn edit(store: &mut Store, store_id: &str, admin: &str, id: &str, f: impl Fn(&mut ProductData)) {
    store
        .write(|tx| {
            let mut d = catalog::get(tx, store_id, id)?.data;
            f(&mut d);
            catalog::update(tx, store_id, admin, id, &d)
        })
        .unwrap();
}

#[test]
fn offline_edits_of_different_fields_both_survive_and_one_field_ends_equal() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, product) = two_devices(da.path(), db.path());
    edit(&mut a, &store_id, &admin, &product, |d| {
        d.name = "Sencha".into()
    });
    edit(&mut b, &store_id, &admin, &product, |d| d.price_minor = 599);
    // The same field on both ends: one of them wins everywhere.
    edit(&mut a, &store_id, &admin, &product, |d| {
        d.description = "from A".into()
    });
    edit(&mut b, &store_id, &admin, &product, |d| {
        d.description = "from B".into()
    });
    exchange(&mut log, &mut a, &mut b);
    let (pa, pb) = (
        catalog::get(a.conn(), &store_id, &product).unwrap(),
        catalog::get(b.conn(), &store_id, &product).unwrap(),
    );
    assert_eq!(
        (pa.data.name.as_str(), pa.data.price_minor),
        ("Sencha", 599)
    );
    assert_eq!(pa.data, pb.data);
    assert!(["from A", "from B"].contains(&pa.data.description.as_str()));
    assert_eq!(dump(a.conn()), dump(b.conn()));
    // The search index follows the name on both.
    for s in [&a, &b] {
        let hits = catalog::search(s.conn(), &store_id, "sencha", &SearchOptions::default());
        assert_eq!(hits.unwrap().len(), 1);
    }
    assert!(audit::verify(a.conn()).unwrap().ok);
    assert!(audit::verify(b.conn()).unwrap().ok);
}

#[test]
fn one_sku_made_on_two_devices_is_settled_the_same_way_on_both() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, _) = two_devices(da.path(), db.path());
    let mut made = Vec::new();
    for s in [&mut a, &mut b] {
        let mut d = ProductData::new("DUP-1", "Twin", 100);
        d.barcodes = vec!["96385074".into()];
        let p = s
            .write(|tx| catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct))
            .unwrap();
        made.push(p.id);
    }
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        let skus: Vec<String> = made
            .iter()
            .map(|id| catalog::get(s.conn(), &store_id, id).unwrap().data.sku)
            .collect();
        assert_eq!(skus[0], "DUP-1", "the earlier keeps the SKU");
        assert!(skus[1].starts_with("DUP-1~"), "{skus:?}");
        assert_eq!(conflicts(s.conn(), "duplicate_sku"), 1);
        assert_eq!(conflicts(s.conn(), "duplicate_barcode"), 1);
        let owner = catalog::by_code(s.conn(), &store_id, "96385074").unwrap();
        assert_eq!(owner.map(|p| p.id), Some(made[0].clone()));
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_change_whose_parent_has_not_arrived_waits_and_never_blocks_the_rest() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, _, product, customer) = stocked_store(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let all = pending_changes(a.conn(), 100_000).unwrap();
    let (held_back, rest): (Vec<Change>, Vec<Change>) =
        all.into_iter().partition(|c| c.entity == "categories");
    let first = apply_remote(&mut b, &page(&rest, 1), rest.len() as u64).unwrap();
    assert!(first.parked >= 1, "{first:?}");
    assert!(catalog::get(b.conn(), &store_id, &product).is_err());
    // What did not need the category is here: the customer, the store.
    assert!(customers::get(b.conn(), &store_id, &customer).is_ok());
    let n = rest.len() as u64;
    let second = apply_remote(&mut b, &page(&held_back, n + 1), n + 1).unwrap();
    assert_eq!(second.parked, 0, "{second:?}");
    assert_eq!(
        catalog::get(b.conn(), &store_id, &product)
            .unwrap()
            .data
            .sku,
        "TEA-1"
    );
    assert_eq!(on_hand(&b, &product), 5);
    assert_eq!(
        kassa_store::foundation::apply::cursor(b.conn()).unwrap(),
        n + 1
    );
}

#[test]
fn two_offline_removals_of_the_last_unit_both_count() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, product) = two_devices(da.path(), db.path());
    a.write(|tx| stock::adjust(tx, &store_id, &admin, &product, -4, "breakage", None))
        .unwrap();
    exchange(&mut log, &mut a, &mut b);
    assert_eq!((on_hand(&a, &product), on_hand(&b, &product)), (1, 1));
    for s in [&mut a, &mut b] {
        s.write(|tx| {
            stock::adjust(
                tx,
                &store_id,
                &admin,
                &product,
                -1,
                "sold at the market",
                None,
            )
        })
        .unwrap();
    }
    exchange(&mut log, &mut a, &mut b);
    assert_eq!((on_hand(&a, &product), on_hand(&b, &product)), (-1, -1));
    assert!(stock::verify_levels(a.conn()).unwrap().is_empty());
    assert!(stock::verify_levels(b.conn()).unwrap().is_empty());
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_stamp_a_day_ahead_is_flagged_and_does_not_drag_the_clock() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_log, _a, mut b, store_id, _, _) = two_devices(da.path(), db.path());
    let now_ms = chrono::Utc::now().timestamp_millis() as u64;
    let ahead = (now_ms + 24 * 3600 * 1000) << 16;
    let change = Change {
        change_id: kassa_store::foundation::ids::new_id(),
        entity: "settings".into(),
        entity_id: format!("{store_id}:sell.max_discount_bp"),
        op: ChangeOp::Upsert,
        payload: serde_json::json!({"store_id": store_id, "key": "sell.max_discount_bp", "value": 900}),
        hlc: ahead,
        device_id: "0190ffff-0000-7000-8000-00000000beef".into(),
    };
    let before: i64 = b
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    let report = apply_remote(&mut b, &page(&[change], 1000), 1000).unwrap();
    assert_eq!(report.conflicts, 1, "{report:?}");
    assert_eq!(conflicts(b.conn(), "clock_ahead"), 1);
    let after: i64 = b
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    assert!((after as u64) < ahead && after >= before);
    assert!(((after as u64) >> 16) < now_ms + MAX_AHEAD_MS);
    // A stamp a little ahead moves the clock past it.
    let near = (now_ms + 60_000) << 16;
    let mut change = pending_changes(b.conn(), 1).unwrap().remove(0);
    change.hlc = near;
    change.change_id = kassa_store::foundation::ids::new_id();
    apply_remote(&mut b, &page(&[change], 1001), 1001).unwrap();
    let moved: i64 = b
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    assert!(moved as u64 > near);
}

#[test]
fn an_edit_made_after_a_stamp_from_a_clock_days_ahead_wins_on_every_device() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, product) = two_devices(da.path(), db.path());
    // A device whose clock runs three days ahead renames the product; both receive it.
    let now_ms = chrono::Utc::now().timestamp_millis() as u64;
    let far = Change {
        change_id: kassa_store::foundation::ids::new_id(),
        entity: "products".into(),
        entity_id: product.clone(),
        op: ChangeOp::Upsert,
        payload: serde_json::json!({"name": "Tea from the future"}),
        hlc: (now_ms + 3 * 24 * 3600 * 1000) << 16,
        device_id: "0190ffff-0000-7000-8000-00000000beef".into(),
    };
    log.entries.push(kassa_sync_protocol::wire::LogEntry {
        server_seq: log.entries.len() as u64 + 1,
        change: far,
    });
    log.pull(&mut a);
    log.pull(&mut b);
    let own_clock: i64 = a
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    // A manager on A, who sees that name, corrects it: the correction follows the name it
    // replaces, so it must win everywhere, not only on A.
    edit(&mut a, &store_id, &admin, &product, |d| {
        d.name = "Green tea".into()
    });
    let after_edit: i64 = a
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    assert!(
        ((after_edit as u64) >> 16) < now_ms + MAX_AHEAD_MS,
        "A's clock is not dragged days ahead ({own_clock} -> {after_edit})"
    );
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(
            catalog::get(s.conn(), &store_id, &product)
                .unwrap()
                .data
                .name,
            "Green tea"
        );
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
    // B flags the device whose clock runs ahead, once, and not A, whose edit only followed it.
    let flagged: Vec<String> = b
        .conn()
        .prepare("SELECT entity_id FROM conflicts WHERE kind = 'clock_ahead'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        flagged,
        vec!["0190ffff-0000-7000-8000-00000000beef".to_string()]
    );
}

#[test]
fn two_offline_counts_of_one_item_are_a_conflict_on_both_and_a_later_count_is_not() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, product) = two_devices(da.path(), db.path());
    let count = |s: &mut Store, n: i64| {
        let (sid, adm, pid) = (store_id.clone(), admin.clone(), product.clone());
        s.write(|tx| stock::post_count(tx, &sid, &adm, None, &[(pid, n)]))
            .unwrap();
    };
    // Both tills count the shelf offline: A finds 3, B finds 4 (of the 5 the ledger says).
    count(&mut a, 3);
    count(&mut b, 4);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(conflicts(s.conn(), "concurrent_stock_counts"), 1);
        // Both differences stand (-2 and -1): the level is off until someone counts again.
        assert_eq!(on_hand(s, &product), 2);
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
    // A count made after both were seen is no clash.
    count(&mut b, 4);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(conflicts(s.conn(), "concurrent_stock_counts"), 1);
        assert_eq!(on_hand(s, &product), 4);
    }
}

#[test]
fn a_customer_merge_carries_consent_and_its_date_to_other_devices() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, _) = two_devices(da.path(), db.path());
    let keep = a
        .write(|tx| {
            let k = CustomerData {
                name: "Kept".into(),
                ..Default::default()
            };
            let k = customers::create(tx, &store_id, &admin, &k, AuditMode::PerProduct)?;
            let g = CustomerData {
                name: "Gone".into(),
                marketing_consent: true,
                ..Default::default()
            };
            let g = customers::create(tx, &store_id, &admin, &g, AuditMode::PerProduct)?;
            Ok((k.id, g.id))
        })
        .unwrap();
    // Merged later: the kept customer takes the consent date of the one merged into it.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (keep, gone) = keep;
    a.write(|tx| customers::merge(tx, &store_id, &admin, &keep, &gone))
        .unwrap();
    exchange(&mut log, &mut a, &mut b);
    let (ka, kb) = (
        customers::get(a.conn(), &store_id, &keep).unwrap(),
        customers::get(b.conn(), &store_id, &keep).unwrap(),
    );
    assert!(ka.data.marketing_consent && ka.consent_at.is_some());
    assert_eq!((ka.data, ka.consent_at), (kb.data, kb.consent_at));
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_manager_sees_a_conflict_and_resolves_it_once() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut log, mut a, mut b, store_id, admin, _) = two_devices(da.path(), db.path());
    for s in [&mut a, &mut b] {
        let d = ProductData::new("SAME", "Same", 100);
        s.write(|tx| catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct))
            .unwrap();
    }
    exchange(&mut log, &mut a, &mut b);
    let open = conflicts::list(a.conn(), false, 50).unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].kind, "duplicate_sku");
    assert_eq!(open[0].detail["value"], "SAME");
    conflicts::resolve(
        &mut a,
        &open[0].id,
        &admin,
        "kept both; the second is a new size",
    )
    .unwrap();
    assert!(conflicts::list(a.conn(), false, 50).unwrap().is_empty());
    let again = conflicts::resolve(&mut a, &open[0].id, &admin, "again");
    assert_eq!(again.unwrap_err().code, kassa_store::ErrorCode::NotFound);
    assert!(audit::verify(a.conn()).unwrap().ok);
}

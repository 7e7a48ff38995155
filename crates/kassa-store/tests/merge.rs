//! Merging other devices' changes: a joined device receives the store, applying twice
//! changes nothing, per-field last writer wins, uniqueness clashes, parked changes, offline
//! stock, clocks from the future, and convergence whatever the order.

mod support;

use kassa_domain::catalog::TaxRate;
use kassa_domain::settings::SettingValue;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData, SearchOptions};
use kassa_store::customers::{self, CustomerData};
use kassa_store::foundation::apply::{MAX_AHEAD_MS, apply_remote};
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

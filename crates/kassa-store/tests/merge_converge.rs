//! Convergence: any interleaving of two devices' change streams, with changes delivered
//! twice and in pages of any size, leaves a device in the same state.

mod support;

use kassa_domain::settings::SettingValue;
use kassa_store::Store;
use kassa_store::catalog::stock;
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::customers;
use kassa_store::foundation::apply::apply_remote;
use kassa_store::foundation::outbox::pending_changes;
use kassa_store::foundation::{device, settings};
use kassa_sync_protocol::Change;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::sync::{Log, dump, first_device, joined_device, page, ship};

/// Two devices' offline work on one store: every change either made, in the order made.
fn two_streams() -> (String, Vec<Change>) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let (product, customer) = a
        .write(|tx| {
            let cat = catalog::create_category(tx, &store_id, &admin, "Bakery", None)?;
            let mut d = ProductData::new("BREAD", "Rye bread", 350);
            d.category_id = Some(cat);
            let p = catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
            stock::adjust(tx, &store_id, &admin, &p.id, 2, "found", None)?;
            let c = customers::create(
                tx,
                &store_id,
                &admin,
                &customers::CustomerData {
                    name: "Alan Turing".into(),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )?;
            Ok((p.id, c.id))
        })
        .unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let work = |s: &mut Store, tag: &str| {
        s.write(|tx| {
            let mut d = catalog::get(tx, &store_id, &product)?.data;
            if tag == "a" {
                d.name = "Dark rye".into();
            } else {
                d.price_minor = 399;
            }
            d.description = format!("edited on {tag}");
            catalog::update(tx, &store_id, &admin, &product, &d)?;
            let mut twin = ProductData::new("TWIN", &format!("Twin {tag}"), 100);
            twin.barcodes = vec!["96385074".into()];
            catalog::create(tx, &store_id, &admin, &twin, AuditMode::PerProduct)?;
            stock::create_location(tx, &store_id, &admin, "Back room")?;
            let cats = catalog::categories(tx, &store_id)?;
            catalog::rename_category(tx, &store_id, &admin, &cats[0].id, &format!("Bread {tag}"))?;
            stock::adjust(tx, &store_id, &admin, &product, -2, "sold", None)?;
            let mut c = customers::get(tx, &store_id, &customer)?.data;
            c.notes = format!("met on {tag}");
            c.marketing_consent = tag == "b";
            customers::update(tx, &store_id, &admin, &customer, &c)?;
            let v = if tag == "a" { 1000 } else { 2000 };
            settings::set(
                tx,
                &store_id,
                "sell.max_discount_bp",
                SettingValue::Int(v),
                &admin,
            )?;
            Ok(())
        })
        .unwrap();
    };
    work(&mut a, "a");
    work(&mut b, "b");
    let mut all = pending_changes(a.conn(), 1_000_000).unwrap();
    all.extend(pending_changes(b.conn(), 1_000_000).unwrap());
    (store_id, all)
}

/// The dump without the receiving device's own audit entry (its joining).
fn shared_dump(s: &Store) -> Vec<String> {
    let own = device::device(s.conn()).unwrap().unwrap().id;
    dump(s.conn())
        .into_iter()
        .filter(|l| !l.contains(&own))
        .collect()
}

#[test]
fn any_interleaving_with_duplicates_converges_to_the_same_state() {
    let (store_id, all) = two_streams();
    let n = all.len();
    let reference = {
        let dir = tempfile::tempdir().unwrap();
        let mut r = joined_device(dir.path(), &store_id, "09");
        let report = apply_remote(&mut r, &page(&all, 1), n as u64).unwrap();
        assert_eq!(report.parked, 0, "{report:?}");
        let on_hand: i64 = r
            .conn()
            .query_row("SELECT sum(on_hand) FROM stock_levels", [], |x| x.get(0))
            .unwrap();
        assert_eq!(on_hand, -2, "2 found, 2 sold on each device");
        let d = shared_dump(&r);
        let product = d.iter().find(|l| l.contains("'BREAD'")).unwrap();
        assert!(
            product.contains("'Dark rye'") && product.contains(",399,"),
            "{product}"
        );
        assert!(
            d.iter().any(|l| l.contains("'TWIN~")),
            "one twin is renamed"
        );
        assert!(
            d.iter()
                .any(|l| l.starts_with("products: ") && l.contains("'TWIN'"))
        );
        d
    };
    let strategy = (
        proptest::collection::vec(any::<u32>(), n),
        proptest::collection::vec(0..n, 0..n),
        proptest::collection::vec(1usize..12, 1..20),
    );
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("KASSA_MERGE_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(24),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(keys, dups, sizes)| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|i| keys[*i]);
            for (k, d) in dups.iter().enumerate() {
                let at = (keys[k % n] as usize) % (order.len() + 1);
                order.insert(at, *d);
            }
            let dir = tempfile::tempdir().unwrap();
            let mut c = joined_device(dir.path(), &store_id, "07");
            let mut seq = 0u64;
            let mut rest: &[usize] = &order;
            let mut size = sizes.iter().cycle();
            while !rest.is_empty() {
                let take = (*size.next().unwrap_or(&5)).min(rest.len());
                let chunk: Vec<Change> = rest[..take].iter().map(|i| all[*i].clone()).collect();
                rest = &rest[take..];
                let entries = page(&chunk, seq + 1);
                seq += take as u64;
                apply_remote(&mut c, &entries, seq).unwrap();
            }
            let parked: i64 = c
                .conn()
                .query_row("SELECT count(*) FROM parked_changes", [], |r| r.get(0))
                .unwrap();
            prop_assert_eq!(parked, 0);
            prop_assert_eq!(shared_dump(&c), reference.clone());
            Ok(())
        })
        .unwrap();
}

//! A store set up with a small catalog, for the selling tests and benchmarks.
#![allow(dead_code)]

pub mod shop;
pub mod sync;

use kassa_domain::catalog::TaxRate;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::selling::catalog_port;
use kassa_store::selling::checkout::SaleLine;
use kassa_store::{KeySource, Store, SystemClock};
use std::path::Path;
use std::sync::Arc;

/// The explicit device key these tests use instead of a keyring.
pub const KEY: [u8; 32] = [11; 32];
/// The explicit store key these tests use instead of a keyring.
pub const STORE_KEY: [u8; 32] = [12; 32];

/// Opens (or reopens) the store in `dir`.
pub fn open(dir: &Path) -> Store {
    Store::open(
        dir,
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: KEY,
            store: STORE_KEY,
        },
    )
    .expect("store opens")
}

/// A store with five products (two tax rates, one tax-exclusive) and `stock` of each; returns
/// the store, its id, the admin's id and the SKUs.
pub fn shop(dir: &Path, stock_each: i64) -> (Store, String, String, Vec<String>) {
    let mut store = open(dir);
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Test Shop".into(),
            store_code: Some("TEST".into()),
            currency: "EUR".into(),
            device_name: None,
            admin_email: "admin@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .expect("setup");
    let (store_id, admin) = (out.store_id.clone(), out.admin_id.clone());
    let skus: Vec<String> = ["TEA-GREEN", "MUG-BLUE", "OAT-1L", "SVC-WRAP", "CAKE-SLICE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    store
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
            let reduced = catalog::create_tax_class(
                tx,
                &store_id,
                &admin,
                "Reduced",
                TaxRate {
                    basis_points: 700,
                    inclusive: true,
                },
            )?;
            let net = catalog::create_tax_class(
                tx,
                &store_id,
                &admin,
                "Services net",
                TaxRate {
                    basis_points: 1900,
                    inclusive: false,
                },
            )?;
            let specs = [
                (&skus[0], 499, &reduced),
                (&skus[1], 1299, &vat),
                (&skus[2], 249, &reduced),
                (&skus[3], 300, &net),
                (&skus[4], 350, &vat),
            ];
            for (sku, price, class) in specs {
                let mut d = ProductData::new(sku, &format!("Item {sku}"), price);
                d.tax_class_id = Some(class.clone());
                d.cost_minor = Some(price / 2);
                if sku.starts_with("SVC-") {
                    // A service: sold, never on a shelf.
                    d.kind = kassa_domain::catalog::ProductKind::Service;
                    d.stock_tracked = false;
                }
                let p = catalog::create(tx, &store_id, &admin, &d, AuditMode::Batch)?;
                if stock_each > 0 && d.stock_tracked {
                    stock::receive(
                        tx,
                        &store_id,
                        &admin,
                        &Receipt {
                            product_id: p.id.clone(),
                            qty: stock_each,
                            location_id: None,
                            batch_code: None,
                            expires_on: None,
                            unit_cost_minor: None,
                            note: None,
                        },
                    )?;
                }
            }
            Ok(())
        })
        .expect("catalog");
    (store, store_id, admin, skus)
}

/// Sale lines for `skus`, `qty` each, at today's prices.
pub fn lines(store: &Store, store_id: &str, skus: &[String], qty: i64) -> Vec<SaleLine> {
    skus.iter()
        .map(|sku| {
            let item = catalog_port::item_by_code(store.conn(), store_id, sku).expect("item");
            SaleLine {
                product_id: item.product_id,
                sku: item.sku,
                name: item.name,
                quantity: qty,
                unit_price_minor: item.unit_price_minor,
                tax: item.tax,
                cost_minor: item.cost_minor,
                stock_tracked: item.stock_tracked,
                discount: Default::default(),
                discount_approver_id: None,
                price_changed: false,
            }
        })
        .collect()
}

//! A shop with no catalog yet, on a fixed clock, with helpers for the catalog, stock and
//! customer tests.

use chrono::{TimeZone, Utc};
use kassa_store::catalog::stock::{self, NewMovement};
use kassa_store::catalog::{self, AuditMode, ProductData, SearchOptions};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::{FixedClock, KeySource, Store};
use std::sync::Arc;

pub struct Shop {
    pub store: Store,
    pub store_id: String,
    pub admin: String,
    _dir: tempfile::TempDir,
}

pub fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ));
    let mut store = Store::open(
        dir.path(),
        clock,
        KeySource::ExplicitKeys {
            device: [9; 32],
            store: [77; 32],
        },
    )
    .unwrap();
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
    pub fn add(&mut self, data: ProductData) -> kassa_store::Result<String> {
        let (sid, admin) = (self.store_id.clone(), self.admin.clone());
        self.store
            .write(|tx| catalog::create(tx, &sid, &admin, &data, AuditMode::PerProduct))
            .map(|p| p.id)
    }

    pub fn product(&mut self, sku: &str, name: &str, price: i64) -> String {
        self.add(ProductData::new(sku, name, price)).unwrap()
    }

    pub fn moves(&mut self, moves: &[NewMovement]) -> kassa_store::Result<Vec<stock::Written>> {
        let sid = self.store_id.clone();
        self.store
            .write(|tx| stock::record_movements(tx, &sid, None, moves))
    }

    pub fn rows(&self, table: &str) -> i64 {
        self.store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    pub fn search(&self, q: &str) -> Vec<String> {
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

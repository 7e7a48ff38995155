//! Every table has a sync class, and every local write to a synced table records an outbox
//! change for the row's entity in the same transaction (watched with SQLite's update hook).

mod support;

use kassa_domain::role::Role;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::SettingValue;
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::customers::{self, CustomerData};
use kassa_store::foundation::settings;
use kassa_store::foundation::tables::{CARRIED_INSIDE, TableClass, carrier, class_of};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::identity::{credentials, invitation, staff};
use kassa_store::selling::checkout::{CheckoutRequest, TenderRequest, checkout};
use kassa_store::{Result, Store};
use std::sync::{Arc, Mutex};

#[test]
fn every_table_has_a_sync_class() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::open(dir.path());
    let tables: Vec<String> = store
        .conn()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let unclassed: Vec<&String> = tables.iter().filter(|t| class_of(t).is_none()).collect();
    assert!(
        unclassed.is_empty(),
        "tables without a class in foundation::tables: {unclassed:?}"
    );
    for t in &tables {
        let synced = !matches!(
            class_of(t),
            Some(TableClass::DeviceLocal | TableClass::Derived)
        );
        assert_eq!(
            synced,
            carrier(t).is_some(),
            "{t}: a synced table names its carrier"
        );
    }
}

type Writes = Arc<Mutex<Vec<(String, i64)>>>;

/// One local operation the test watches.
type Op = Box<dyn FnOnce(&mut Store) -> Result<()>>;

/// Runs `op` and returns the synced rows it wrote that no outbox change of this operation
/// carries.
fn uncarried(
    store: &mut Store,
    writes: &Writes,
    op: impl FnOnce(&mut Store) -> Result<()>,
) -> Vec<String> {
    let before: i64 = store
        .conn()
        .query_row("SELECT ifnull(max(seq), 0) FROM outbox", [], |r| r.get(0))
        .unwrap();
    writes.lock().unwrap().clear();
    if let Err(e) = op(store) {
        panic!("the operation failed: {e:?}");
    }
    let seen: Vec<(String, i64)> = std::mem::take(&mut *writes.lock().unwrap());
    let mut missing = Vec::new();
    for (table, rowid) in seen {
        let Some((entity, id_sql)) = carrier(&table) else {
            continue;
        };
        let carriers = std::iter::once((entity, id_sql)).chain(
            CARRIED_INSIDE
                .iter()
                .filter(|(t, _, _)| *t == table)
                .map(|(_, e, sql)| (*e, *sql)),
        );
        let mut carried = false;
        let mut row_id = None;
        for (entity, id_sql) in carriers {
            let id: Option<String> = store
                .conn()
                .query_row(
                    &format!("SELECT {id_sql} FROM \"{table}\" WHERE rowid = ?1"),
                    [rowid],
                    |r| r.get(0),
                )
                .ok()
                .flatten();
            let Some(id) = id else { continue };
            carried |= store
                .conn()
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM outbox WHERE seq > ?1 AND entity = ?2 AND entity_id = ?3)",
                    rusqlite::params![before, entity, id],
                    |r| r.get::<_, bool>(0),
                )
                .unwrap();
            row_id.get_or_insert(id);
        }
        // A row written and gone again (a rolled back or deleted row) carries nothing.
        if let Some(id) = row_id
            && !carried
        {
            missing.push(format!("{table} row {id} (entity {entity})"));
        }
    }
    missing
}

#[test]
fn every_write_to_a_synced_table_records_its_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let writes: Writes = Arc::default();
    let sink = writes.clone();
    store
        .watch_writes(Some(
            move |_: rusqlite::hooks::Action, _: &str, table: &str, rowid: i64| {
                sink.lock().unwrap().push((table.to_string(), rowid));
            },
        ))
        .unwrap();
    let (s, a) = (store_id.clone(), admin.clone());
    let mut ops: Vec<(&str, Op)> = Vec::new();
    ops.push((
        "catalog",
        Box::new(move |st: &mut Store| {
            st.write(|tx| {
                let cat = catalog::create_category(tx, &s, &a, "Snacks", None)?;
                catalog::rename_category(tx, &s, &a, &cat, "Sweets")?;
                let mut d = ProductData::new("CHOC", "Chocolate", 199);
                d.category_id = Some(cat);
                d.barcodes = vec!["4006381333931".into()];
                let p = catalog::create(tx, &s, &a, &d, AuditMode::PerProduct)?;
                d.price_minor = 249;
                d.name = "Dark chocolate".into();
                catalog::update(tx, &s, &a, &p.id, &d)?;
                kassa_store::catalog::stock::adjust(tx, &s, &a, &p.id, 3, "found", None)?;
                Ok(())
            })
        }),
    ));
    let (s, a) = (store_id.clone(), admin.clone());
    ops.push((
        "customers",
        Box::new(move |st: &mut Store| {
            st.write(|tx| {
                let mut keep = CustomerData {
                    name: "Ann".into(),
                    ..Default::default()
                };
                let k = customers::create(tx, &s, &a, &keep, AuditMode::PerProduct)?;
                keep.notes = "likes tea".into();
                customers::update(tx, &s, &a, &k.id, &keep)?;
                let gone = CustomerData {
                    name: "Ann B".into(),
                    marketing_consent: true,
                    ..Default::default()
                };
                let g = customers::create(tx, &s, &a, &gone, AuditMode::PerProduct)?;
                customers::merge(tx, &s, &a, &k.id, &g.id)?;
                Ok(())
            })
        }),
    ));
    let (s, a) = (store_id.clone(), admin.clone());
    ops.push((
        "settings and staff",
        Box::new(move |st: &mut Store| {
            st.write(|tx| {
                settings::set(tx, &s, "sell.max_discount_bp", SettingValue::Int(500), &a)?;
                invitation::invite(tx, "new@example.com", Some("New"), Role::Cashier, &a)?;
                Ok(())
            })
        }),
    ));
    ops.push((
        "failed sign-in",
        Box::new(|st: &mut Store| {
            let _ = sign_in(
                st,
                "admin@example.com",
                "wrong password!",
                SecondFactor::Totp("000000"),
                Surface::Cli,
            );
            Ok(())
        }),
    ));
    let a = admin.clone();
    ops.push((
        "unlock, reset, role",
        Box::new(move |st: &mut Store| {
            let member = staff::get(st.conn(), &a)?;
            st.write(|tx| {
                staff::unlock(
                    tx,
                    &member,
                    kassa_store::AuditInput::new("staff.unlocked").by(&a),
                )
            })?;
            credentials::reset_password(st, &member, &a)?;
            st.write(|tx| staff::set_role(tx, &member, Role::Manager, &a))
        }),
    ));
    let (s, a) = (store_id.clone(), admin.clone());
    ops.push((
        "sale",
        Box::new(move |st: &mut Store| {
            let lines = support::lines(st, &s, &skus[..2], 1);
            checkout(
                st,
                CheckoutRequest {
                    lines,
                    order_discount: Discount::None,
                    order_discount_approver_id: None,
                    customer_id: None,
                    tenders: vec![TenderRequest {
                        kind: TenderKind::Cash,
                        amount_minor: 100_000,
                        card: None,
                        voucher_code: None,
                    }],
                    idempotency_key: None,
                    staff_id: a,
                    cart_id: None,
                },
            )?;
            Ok(())
        }),
    ));
    let (s, a) = (store_id.clone(), admin.clone());
    ops.push((
        "bookings",
        Box::new(move |st: &mut Store| {
            use kassa_domain::booking::{
                FeeTable, Share, Traveller, TravellerPrices, TravellerType,
            };
            use kassa_store::bookings::trips::{self, DepartureData, TripData};
            use kassa_store::bookings::{self, BookingRequest, BookingTender, waitlist};
            st.write(|tx| {
                let t = trips::create_trip(
                    tx,
                    &s,
                    &a,
                    &TripData {
                        code: "T1".into(),
                        name: "Trip".into(),
                        prices: TravellerPrices {
                            adult_minor: 1000,
                            child_minor: None,
                            senior_minor: None,
                        },
                        deposit: Share::Percent(5000),
                        balance_due_days: 10,
                        cancellation_policy: FeeTable::parse("0:100%,30:0")?,
                        hold_minutes: 60,
                        documents_required: false,
                    },
                )?;
                let o = trips::add_option(tx, &a, &t.id, "Insurance", 100, Some(5))?;
                let d = trips::add_departure(
                    tx,
                    &s,
                    &a,
                    &DepartureData {
                        trip_id: t.id.clone(),
                        departs_at: tx.now() + chrono::Duration::days(60),
                        returns_at: None,
                        time_zone: "UTC".into(),
                        meeting_point: Some("Gate".into()),
                        seats: Some(1),
                        share_with: None,
                    },
                )?;
                trips::set_capacity(tx, &a, &d.id, 2)?;
                let req = BookingRequest {
                    departure_id: d.id.clone(),
                    customer_id: None,
                    travellers: vec![
                        Traveller {
                            traveller_type: TravellerType::Adult,
                            full_name: "Ann".into(),
                            date_of_birth: None,
                            document_number: None,
                        };
                        2
                    ],
                    options: vec![(o.id, 1)],
                    note: Some("aisle".into()),
                    staff_id: a.clone(),
                    hold: true,
                    waitlist_id: None,
                };
                let b = bookings::create(tx, &s, &req)?;
                bookings::pay(tx, &s, &a, &b.id, BookingTender::Cash, 1000)?;
                bookings::add_note(tx, &a, &b.id, "called")?;
                let c = customers::create(
                    tx,
                    &s,
                    &a,
                    &CustomerData {
                        name: "Waiting".into(),
                        ..Default::default()
                    },
                    AuditMode::PerProduct,
                )?;
                let w = waitlist::add(tx, &s, &a, &d.id, &c.id, 1, None)?;
                bookings::cancel(tx, &s, &a, &b.id, None)?;
                waitlist::withdraw(tx, &a, &w.id)?;
                Ok(())
            })
        }),
    ));
    let mut failures = Vec::new();
    for (name, op) in ops {
        for miss in uncarried(&mut store, &writes, op) {
            failures.push(format!("{name}: {miss}"));
        }
    }
    assert!(
        failures.is_empty(),
        "writes without an outbox change:\n{}",
        failures.join("\n")
    );
}

//! A card number typed into any free-text field is refused at the database, and nothing of
//! the attempt is written; every text column of the schema is classed as free or structured.

mod support;

use kassa_domain::role::Role;
use kassa_domain::settings::SettingValue;
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::customers::{self, Address, CustomerData};
use kassa_store::foundation::card_guard::{DERIVED_TABLES, TEXT_COLUMNS, TextClass, class_of};
use kassa_store::selling::{cart, catalog_port, shift};
use kassa_store::{
    AuditInput, ErrorCode, Result, Store, WriteTx, catalog::stock, customers::csv as customers_csv,
};
use serde_json::json;

/// Card numbers as people type them into a note.
const CARDS: [&str; 4] = [
    "4111 1111 1111 1111",
    "card 4111-1111-1111-1111 12/27 737",
    "5555.5555.5555.4444",
    "ref 99 41111111111111111227",
];

/// Every table's row count: what "nothing was written" compares.
fn snapshot(store: &Store) -> Vec<(String, i64)> {
    let c = store.conn();
    let tables: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let n = c
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// Whether any stored text, anywhere, still holds the card's digits.
fn stored_anywhere(store: &Store, digits: &str) -> bool {
    snapshot(store).iter().any(|(t, _)| {
        let mut st = store
            .conn()
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                if let Ok(rusqlite::types::ValueRef::Text(b)) = r.get_ref(i)
                    && kassa_domain::pan::find_pans(b).iter().any(|p| p == digits)
                {
                    return true;
                }
            }
        }
        false
    })
}

/// The ids a path needs, apart from the store it writes to.
#[derive(Clone)]
struct Ids {
    store_id: String,
    admin: String,
    product: String,
}

fn shop(dir: &std::path::Path) -> (Store, Ids) {
    let (mut store, store_id, admin, skus) = support::shop(dir, 10);
    let product = catalog_port::item_by_code(store.conn(), &store_id, &skus[0])
        .unwrap()
        .product_id;
    // A customer and an open shift to change.
    store
        .write(|tx| {
            customers::create(
                tx,
                &store_id,
                &admin,
                &customer("Nia Jones"),
                AuditMode::PerProduct,
            )?;
            shift::open(tx, &store_id, &admin, 10_000, None, false)?;
            Ok(())
        })
        .unwrap();
    (
        store,
        Ids {
            store_id,
            admin,
            product,
        },
    )
}

fn customer(name: &str) -> CustomerData {
    CustomerData {
        name: name.into(),
        ..Default::default()
    }
}

fn address(line1: &str, city: &str) -> Address {
    Address {
        kind: "billing".into(),
        line1: line1.into(),
        line2: String::new(),
        postal_code: "10115".into(),
        city: city.into(),
        country: "DE".into(),
        is_primary: true,
    }
}

type Path = fn(&mut WriteTx<'_>, &Ids, &str) -> Result<()>;

/// Every free-text field, as the store's API writes it, with `text` typed into it.
fn paths() -> Vec<(&'static str, Path)> {
    vec![
        ("customer name", |tx, s, t| {
            customers::create(
                tx,
                &s.store_id,
                &s.admin,
                &customer(t),
                AuditMode::PerProduct,
            )
            .map(drop)
        }),
        ("customer notes", |tx, s, t| {
            let id = customers::search(tx, &s.store_id, "Nia", 1, 0)?[0]
                .id
                .clone();
            let mut d = customers::get(tx, &s.store_id, &id)?.data;
            d.notes = t.into();
            customers::update(tx, &s.store_id, &s.admin, &id, &d).map(drop)
        }),
        ("customer phone", |tx, s, t| {
            let mut d = customer("Ben");
            // A phone field takes digits only: the card's digits, or a phone number.
            d.phone = Some(match t.contains(|c: char| c.is_ascii_digit()) {
                true => t.chars().filter(|c| !c.is_alphabetic()).collect(),
                false => "030 1234567".into(),
            });
            customers::create(tx, &s.store_id, &s.admin, &d, AuditMode::Batch).map(drop)
        }),
        ("customer tags", |tx, s, t| {
            let mut d = customer("Ben");
            d.tags = vec![t.into()];
            customers::create(tx, &s.store_id, &s.admin, &d, AuditMode::Batch).map(drop)
        }),
        ("customer address", |tx, s, t| {
            let mut d = customer("Ben");
            d.addresses = vec![address(t, "Berlin")];
            customers::create(tx, &s.store_id, &s.admin, &d, AuditMode::Batch).map(drop)
        }),
        ("customer city", |tx, s, t| {
            let mut d = customer("Ben");
            d.addresses = vec![address("Hauptstraße 12", t)];
            customers::create(tx, &s.store_id, &s.admin, &d, AuditMode::Batch).map(drop)
        }),
        ("product name", |tx, s, t| {
            catalog::create(
                tx,
                &s.store_id,
                &s.admin,
                &ProductData::new("NEW-1", t, 100),
                AuditMode::Batch,
            )
            .map(drop)
        }),
        ("product description", |tx, s, t| {
            let mut d = catalog::get(tx, &s.store_id, &s.product)?.data;
            d.description = t.into();
            catalog::update(tx, &s.store_id, &s.admin, &s.product, &d).map(drop)
        }),
        ("category name", |tx, s, t| {
            catalog::create_category(tx, &s.store_id, &s.admin, t, None).map(drop)
        }),
        ("location name", |tx, s, t| {
            stock::create_location(tx, &s.store_id, &s.admin, t).map(drop)
        }),
        ("stock reason", |tx, s, t| {
            stock::adjust(tx, &s.store_id, &s.admin, &s.product, -1, t, None).map(drop)
        }),
        ("receipt of goods note", |tx, s, t| {
            stock::receive(
                tx,
                &s.store_id,
                &s.admin,
                &stock::Receipt {
                    product_id: s.product.clone(),
                    qty: 1,
                    note: Some(t.into()),
                    ..Default::default()
                },
            )
            .map(drop)
        }),
        ("parked cart name", |tx, s, t| {
            let id = cart::current(tx, &s.admin)?;
            let item = catalog_port::item(tx, &s.store_id, &s.product)?;
            cart::add(tx, &id, &item, 1)?;
            cart::park(tx, &id, t)
        }),
        ("shift note", |tx, s, t| {
            shift::close(tx, &s.admin, 10_000, &json!({}), Some(t)).map(drop)
        }),
        ("receipt footer", |tx, s, t| {
            kassa_store::foundation::settings::set(
                tx,
                &s.store_id,
                "receipt.footer",
                SettingValue::Text(t.into()),
                &s.admin,
            )
            .map(drop)
        }),
        ("invited person's name", |tx, s, t| {
            kassa_store::identity::invitation::invite(
                tx,
                "new@example.com",
                Some(t),
                Role::Cashier,
                &s.admin,
            )
            .map(drop)
        }),
        ("audit entry", |tx, s, t| {
            tx.audit(
                AuditInput::new("test.noted")
                    .by(&s.admin)
                    .after(json!({"typed": t})),
            )
            .map(drop)
        }),
    ]
}

#[test]
fn a_card_number_in_any_free_text_field_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, ids) = shop(dir.path());
    for (field, path) in paths() {
        for card in CARDS {
            let before = snapshot(&store);
            let err = store
                .write(|tx| path(tx, &ids, card))
                .expect_err(&format!("{field} took '{card}'"));
            assert_eq!(err.code, ErrorCode::InvalidInput, "{field}: {err:?}");
            assert!(
                err.message.contains("card number"),
                "{field}: {}",
                err.message
            );
            assert_eq!(snapshot(&store), before, "{field} wrote something");
        }
        // The same field takes ordinary text, so the refusal was the card number's.
        store
            .write(|tx| path(tx, &ids, "Back door ring twice"))
            .unwrap_or_else(|e| panic!("{field}: ordinary text refused: {e:?}"));
    }
    for digits in ["4111111111111111", "5555555555554444"] {
        assert!(!stored_anywhere(&store, digits), "{digits} was stored");
    }
}

#[test]
fn a_card_number_typed_as_the_sign_in_email_is_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, ..) = support::shop(dir.path(), 0);
    let _ = kassa_store::identity::auth::sign_in(
        &mut store,
        "4111 1111 1111 1111",
        "some password",
        kassa_store::identity::auth::SecondFactor::Totp("123456"),
        kassa_store::identity::session::Surface::Cli,
    )
    .expect_err("no such account");
    assert!(!stored_anywhere(&store, "4111111111111111"));
}

#[test]
fn a_customer_import_names_the_row_with_a_card_number_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, ids) = shop(dir.path());
    let before = snapshot(&store);
    let csv = "name,notes\nAda,regular\nBen,paid with 4111 1111 1111 1111\n";
    for dry_run in [true, false] {
        let r = store
            .write(|tx| customers_csv::import(tx, &ids.store_id, &ids.admin, csv, dry_run))
            .unwrap();
        assert!(!r.applied);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].line, 3);
        assert_eq!(r.errors[0].column.as_deref(), Some("notes"));
        assert!(r.errors[0].message.contains("card number"));
    }
    assert_eq!(snapshot(&store), before);
}

#[test]
fn ordinary_numbers_in_free_text_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, ids) = shop(dir.path());
    let (sid, admin) = (ids.store_id, ids.admin);
    let notes = "Tel +49 151 2345 6789, IBAN DE89 3704 0044 0532 0130 00, \
                 order S01-01-000123 on 2026-12-03T10:00:00Z, barcode 4006381333931";
    store
        .write(|tx| {
            let mut d = customer("Ada");
            d.notes = notes.into();
            d.phone = Some("+49 151 2345 6789".into());
            customers::create(tx, &sid, &admin, &d, AuditMode::PerProduct).map(drop)
        })
        .unwrap();
    let found = customers::search(store.conn(), &sid, "Ada", 5, 0).unwrap();
    assert_eq!(found[0].data.notes, notes);
}

#[test]
fn every_text_column_of_the_schema_is_classed_free_or_structured() {
    let dir = tempfile::tempdir().unwrap();
    let store = support::open(dir.path());
    let c = store.conn();
    let mut unclassified = Vec::new();
    let mut seen = Vec::new();
    let tables: Vec<(String, String)> = c
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for (table, _) in &tables {
        let derived = DERIVED_TABLES
            .iter()
            .any(|d| table == d || table.starts_with(&format!("{d}_")));
        if derived {
            continue;
        }
        let columns: Vec<(String, String)> = c
            .prepare("SELECT name, type FROM pragma_table_info(?1)")
            .unwrap()
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (column, ty) in columns {
            let ty = ty.to_ascii_uppercase();
            // SQLite's rules of type affinity: these columns hold text.
            let text =
                ty.is_empty() || ty.contains("TEXT") || ty.contains("CHAR") || ty.contains("CLOB");
            if !text {
                continue;
            }
            seen.push((table.clone(), column.clone()));
            if class_of(table, &column).is_none() {
                unclassified.push(format!("{table}.{column}"));
            }
        }
    }
    assert!(
        unclassified.is_empty(),
        "text columns without a class in card_guard::TEXT_COLUMNS: {unclassified:?}"
    );
    // And the registry names no column that is gone.
    for (table, columns) in TEXT_COLUMNS {
        for (column, _) in columns.iter() {
            assert!(
                seen.iter().any(|(t, c)| t == table && c == column),
                "{table}.{column} is in the registry but not in the schema"
            );
        }
    }
    // Free text is where people type: names, notes, reasons, addresses, the audit trail.
    for (table, column) in [
        ("customers", "notes"),
        ("carts", "name"),
        ("shifts", "note"),
        ("stock_movements", "reason"),
        ("refunds", "reason"),
        ("audit_log", "after"),
    ] {
        assert!(
            matches!(class_of(table, column), Some(TextClass::Free(_))),
            "{table}.{column}"
        );
    }
}

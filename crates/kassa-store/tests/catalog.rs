//! The catalog as stored: lookups, search, price history, variants, and catalog CSV imports
//! that are all or nothing.

mod support;

use kassa_domain::catalog::{ProductKind, TaxRate};
use kassa_store::catalog::stock::{self, NewMovement};
use kassa_store::catalog::{self, ProductData};
use kassa_store::{ErrorCode, catalog::csv as catalog_csv};
use support::shop::shop;

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

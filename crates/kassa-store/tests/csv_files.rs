//! CSV files as a spreadsheet opens them: exported text cells cannot run as formulas, an
//! export imports back exactly, and a dry run reports what the import then does.

mod support;

use kassa_domain::catalog::TaxRate;
use kassa_store::catalog::{self, ProductData};
use kassa_store::customers::{self, CustomerData};
use kassa_store::foundation::import::ImportReport;
use kassa_store::{catalog::csv as catalog_csv, customers::csv as customers_csv};
use support::shop::{Shop, shop};

impl Shop {
    fn import(&mut self, text: &str, dry_run: bool) -> ImportReport {
        let (sid, admin) = (self.store_id.clone(), self.admin.clone());
        let r = self
            .store
            .write(|tx| catalog_csv::import(tx, &sid, &admin, text, 2, dry_run))
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        r
    }

    fn import_customers(&mut self, text: &str, dry_run: bool) -> ImportReport {
        let (sid, admin) = (self.store_id.clone(), self.admin.clone());
        let r = self
            .store
            .write(|tx| customers_csv::import(tx, &sid, &admin, text, dry_run))
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        r
    }

    fn export(&self) -> String {
        catalog_csv::export(self.store.conn(), &self.store_id, 2, true)
            .unwrap()
            .0
    }
}

/// The cells of a CSV text, row by row (the header included).
fn cells(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// (created, updated, unchanged) of a report.
fn counts(r: &ImportReport) -> (u64, u64, u64) {
    (r.created, r.updated, r.unchanged)
}

/// Names a spreadsheet would run as formulas, and ones that only look close.
const NAMES: [&str; 8] = [
    "=HYPERLINK(\"http://evil.example\",\"Click\")",
    "+49 hotline sticker",
    "-20% sale bag",
    "@SUM(A1:A9) mug",
    "'quoted' tea",
    "''twice quoted",
    "Plain = fine",
    "Oat milk",
];

#[test]
fn an_exported_catalog_guards_formula_cells_and_imports_back_exactly() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    s.store
        .write(|tx| catalog::create_tax_class(tx, &sid, &admin, "=Std", TaxRate::new(1900, true)?))
        .unwrap();
    for (i, name) in NAMES.iter().enumerate() {
        let mut d = ProductData::new(&format!("{}SKU-{i}", ["", "-", "+", "@"][i % 4]), name, 249);
        d.description = format!("=cmd|' /C calc'!A{i}");
        d.cost_minor = Some(120);
        d.low_threshold = Some(3);
        d.barcodes = vec![format!("-CODE-{i}")];
        s.add(d).unwrap();
    }
    let text = s.export();
    let rows = cells(&text);
    assert_eq!(rows.len(), NAMES.len() + 1);
    for row in &rows[1..] {
        // Every text cell that a spreadsheet would read as a formula starts with a quote.
        for (column, cell) in catalog_csv::COLUMNS.iter().zip(row) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{column} cell {cell:?} would run as a formula"
            );
        }
        // Numbers stay numbers.
        assert_eq!((&*row[2], &*row[6], &*row[13]), ("2.49", "1.20", "3"));
        assert!(row[10].starts_with("'=cmd"), "{row:?}");
        assert!(row[3].starts_with("'-CODE-"), "{row:?}");
    }
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    for guarded in [
        "'=HYPERLINK(\"http://evil.example\",\"Click\")",
        "'+49 hotline sticker",
        "'-20% sale bag",
        "'@SUM(A1:A9) mug",
        "''quoted' tea",
        "'''twice quoted",
    ] {
        assert!(names.contains(&guarded), "{guarded} in {names:?}");
    }
    assert!(names.contains(&"Plain = fine") && names.contains(&"Oat milk"));

    // Imported back, nothing changes, and the export is the same text.
    assert_eq!(counts(&s.import(&text, true)), (0, 0, NAMES.len() as u64));
    assert_eq!(counts(&s.import(&text, false)), (0, 0, NAMES.len() as u64));
    assert_eq!(s.export(), text);
    let p = catalog::by_code(s.store.conn(), &sid, "-SKU-1")
        .unwrap()
        .unwrap();
    assert_eq!(p.data.name, "+49 hotline sticker");
    assert_eq!(p.data.barcodes, ["-CODE-1"]);

    // Into a fresh store, the export makes the same catalog.
    let mut fresh = shop();
    let (fsid, fadmin) = (fresh.store_id.clone(), fresh.admin.clone());
    fresh
        .store
        .write(|tx| {
            catalog::create_tax_class(tx, &fsid, &fadmin, "=Std", TaxRate::new(1900, true)?)
        })
        .unwrap();
    assert_eq!(
        counts(&fresh.import(&text, false)),
        (NAMES.len() as u64, 0, 0)
    );
    assert_eq!(fresh.export(), text);
}

#[test]
fn a_cell_with_a_quote_typed_by_hand_keeps_it() {
    let mut s = shop();
    s.import(
        "sku,name,price\nA-1,'Tis the season,1.00\nA-2,'=not guarded by us,1.00\n",
        false,
    );
    let conn = s.store.conn();
    let name = |sku| {
        catalog::by_code(conn, &s.store_id, sku)
            .unwrap()
            .unwrap()
            .data
            .name
    };
    assert_eq!(name("A-1"), "'Tis the season");
    // A quote before a formula character is the guard spreadsheets use: it is taken off.
    assert_eq!(name("A-2"), "=not guarded by us");
}

#[test]
fn a_dry_run_reports_the_same_counts_the_import_then_has() {
    let mut s = shop();
    s.import(
        "sku,name,price,category,barcodes\n\
         TEA-1,Green tea,4.99,Drinks > Tea,4006381333931\n\
         TEA-2,Black tea,3.99,Drinks > Tea,\n\
         MUG-1,Mug,12.99,,\n\
         MUG-2,Big mug,14.99,,\n\
         OAT-1,Oat milk,2.49,Dairy,\n\
         OAT-2,Oat milk barista,2.99,Dairy,\n\
         CUP-1,Cup,1.99,,\n",
        false,
    );
    // An unchanged export, imported again: nothing changes, and the dry run says so.
    let text = s.export();
    let dry = s.import(&text, true);
    let real = s.import(&text, false);
    assert_eq!(counts(&dry), (0, 0, 7));
    assert_eq!(counts(&real), counts(&dry));

    // A file that adds, changes (a price, a category that does not exist yet, a variant of
    // a product the file adds, a barcode) and leaves some as they are.
    let edit = "sku,name,price,category,barcodes,parent_sku,variant\n\
                TEA-1,Green tea,5.49,Drinks > Tea,4006381333931,,\n\
                TEA-2,Black tea,3.99,Drinks > Tea,,,\n\
                MUG-1,Mug,12.99,Kitchen > Mugs,,,\n\
                MUG-2,Big mug,14.99,,,,\n\
                OAT-1,Oat milk,2.49,Dairy,4006381333948,,\n\
                NEW-1,Scarf,19.99,,,,\n\
                NEW-1-R,Scarf,19.99,,,NEW-1,red\n\
                CUP-1,Cup,1.99,,,,\n";
    let dry = s.import(edit, true);
    let real = s.import(edit, false);
    assert_eq!(counts(&dry), (2, 3, 3));
    assert_eq!(counts(&real), counts(&dry));
    // What the import added is found by search, the variant by its label too.
    let found = |q: &str| -> Vec<String> {
        let opts = catalog::SearchOptions {
            limit: 10,
            ..Default::default()
        };
        catalog::search(s.store.conn(), &s.store_id, q, &opts)
            .unwrap()
            .into_iter()
            .map(|p| p.data.sku)
            .collect()
    };
    assert_eq!(found("scarf"), ["NEW-1", "NEW-1-R"]);
    assert_eq!(found("scarf red"), ["NEW-1-R"]);
    // Run again, everything is unchanged, in the dry run as in the import.
    let dry = s.import(edit, true);
    let real = s.import(edit, false);
    assert_eq!(counts(&dry), (0, 0, 8));
    assert_eq!(counts(&real), counts(&dry));
}

#[test]
fn customers_export_guarded_and_a_dry_run_agrees_with_the_import() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    s.store
        .write(|tx| {
            for (name, email, phone, notes) in [
                ("=1+1", "eq@example.com", "+49 30 1234567", "@home"),
                ("Ada", "ada@example.com", "030 1234567", "-"),
            ] {
                let d = CustomerData {
                    name: name.into(),
                    email: Some(email.into()),
                    phone: Some(phone.into()),
                    notes: notes.into(),
                    ..Default::default()
                };
                customers::create(tx, &sid, &admin, &d, customers::AuditMode::Batch)?;
            }
            Ok(())
        })
        .unwrap();
    let (text, _) = customers_csv::export(s.store.conn(), &sid).unwrap();
    let rows = cells(&text);
    let eq = rows.iter().find(|r| r[1] == "eq@example.com").unwrap();
    assert_eq!(
        (&*eq[0], &*eq[2], &*eq[5]),
        ("'=1+1", "'+49 30 1234567", "'@home")
    );
    let dry = s.import_customers(&text, true);
    let real = s.import_customers(&text, false);
    assert_eq!(counts(&dry), (0, 0, 2));
    assert_eq!(counts(&real), counts(&dry));
    assert_eq!(customers_csv::export(s.store.conn(), &sid).unwrap().0, text);

    let edit =
        "name,email,notes\nAda,ada@example.com,moved\nNew,new@example.com,\n=1+1,eq@example.com,\n";
    let dry = s.import_customers(edit, true);
    let real = s.import_customers(edit, false);
    assert_eq!(counts(&dry), (1, 1, 1));
    assert_eq!(counts(&real), counts(&dry));
}

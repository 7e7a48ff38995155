//! The catalog, stock and customers through the app API: what each role may do and see,
//! what is audited, and the demo shop's catalog.

mod common;

use common::Device;
use kassa_app::dto::*;
use serde_json::json;

fn find(d: &Device, q: &str) -> ProductListOutput {
    d.api
        .product_search(ProductSearchInput {
            query: Some(q.into()),
            ..Default::default()
        })
        .unwrap()
}

fn new_product(sku: &str, barcode: &str, price: i64) -> ProductCreateInput {
    ProductCreateInput {
        product: ProductFields {
            sku: sku.into(),
            name: "Hazelnut spread 400 g".into(),
            price_minor: price,
            cost_minor: Some(210),
            barcodes: Some(vec![barcode.into()]),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn the_demo_shop_has_a_catalog_with_stock_alerts_and_customers() {
    let d = Device::demo();
    d.sign_in("manager");
    let all = d
        .api
        .product_search(ProductSearchInput {
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    assert!(all.total >= 40, "{} products", all.total);
    let cafe = find(&d, "cafe crema");
    assert!(
        cafe.items.iter().any(|p| p.name == "Café Crema"),
        "{:?}",
        cafe.items.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
    let shirt = find(&d, "t-shirt");
    assert!(shirt.items.iter().filter(|p| p.parent_id.is_some()).count() >= 3);
    let meta = d.api.catalog_meta(NoInput {}).unwrap();
    assert_eq!(
        meta.tax_classes
            .iter()
            .map(|t| t.rate_bp)
            .collect::<Vec<_>>(),
        [700, 1900]
    );
    assert!(meta.locations.len() >= 2);
    let alerts = d.api.stock_alerts(NoInput {}).unwrap();
    assert!(alerts.low.iter().any(|l| l.sku == "SNK-ALM-150"));
    assert!(
        alerts.expiring.iter().any(|e| e.expired),
        "one batch is past its date"
    );
    let value = d.api.stock_valuation(NoInput {}).unwrap();
    assert!(value.total_minor > 0);
    let people = d
        .api
        .customer_search(CustomerSearchInput {
            query: Some("muller".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(people.items.iter().any(|c| c.name == "Jörg Müller"));
}

#[test]
fn a_product_is_added_with_a_barcode_received_adjusted_with_a_reason_and_its_history_shows_it() {
    let d = Device::demo();
    d.sign_in("manager");
    let p = d
        .api
        .product_create(new_product("HAZ-400", "4001234567891", 349))
        .unwrap();
    let r = d
        .api
        .stock_receive(StockReceiveInput {
            product_id: p.id.clone(),
            qty: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total.on_hand, 10);
    let scanned = d
        .api
        .product_lookup(ProductLookupInput {
            code: "4001234567891".into(),
        })
        .unwrap();
    assert_eq!(scanned.id, p.id);
    let r = d
        .api
        .stock_adjust(StockAdjustInput {
            product_id: p.id.clone(),
            delta: -2,
            reason: "Dropped two jars".into(),
            location_id: None,
        })
        .unwrap();
    assert_eq!(r.level.on_hand, 8);
    let m = d
        .api
        .stock_movements(StockMovementsInput {
            product_id: p.id.clone(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        m.items
            .iter()
            .map(|m| (m.kind.as_str(), m.qty))
            .collect::<Vec<_>>(),
        [("adjustment", -2), ("receipt", 10)]
    );
    assert_eq!(m.items[0].reason.as_deref(), Some("Dropped two jars"));
    assert_eq!(m.items[0].staff_name.as_deref(), Some("Max Manager"));
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("stock.adjusted".into()),
            ..Default::default()
        })
        .unwrap();
    let e = &audit.entries[0];
    assert_eq!(e.actor_email.as_deref(), Some("manager@demo.kassa.app"));
    assert!(e.before.as_deref().unwrap().contains("\"on_hand\":10"));
    assert!(e.after.as_deref().unwrap().contains("\"on_hand\":8"));
    assert!(audit.chain.ok);
}

#[test]
fn adjusting_below_zero_is_refused_with_the_level_and_writes_nothing() {
    let d = Device::demo();
    d.sign_in("manager");
    let p = d
        .api
        .product_create(ProductCreateInput {
            initial_stock: Some(3),
            ..new_product("HAZ-400", "4001234567891", 349)
        })
        .unwrap();
    let before = d.api.sync_status(NoInput {}).unwrap().pending_changes;
    let e = d
        .api
        .stock_adjust(StockAdjustInput {
            product_id: p.id.clone(),
            delta: -5,
            reason: "write-off".into(),
            location_id: None,
        })
        .unwrap_err();
    assert_eq!(e.code, "insufficient_stock");
    assert!(
        e.message
            .contains("Hazelnut spread 400 g (SKU HAZ-400): 3 available, 5 wanted"),
        "{}",
        e.message
    );
    assert_eq!(
        d.api.sync_status(NoInput {}).unwrap().pending_changes,
        before
    );
}

#[test]
fn cost_prices_never_leave_the_api_for_a_cashier() {
    let d = Device::demo();
    d.sign_in("cashier");
    let found = find(&d, "beans");
    assert!(!found.items.is_empty());
    assert!(found.items.iter().all(|p| p.cost_minor.is_none()));
    let p = &found.items[0];
    let detail = d
        .api
        .product_get(ProductIdInput { id: p.id.clone() })
        .unwrap();
    assert!(detail.product.cost_minor.is_none());
    assert!(detail.price_history.iter().all(|h| h.cost_minor.is_none()));
    assert!(
        detail.movements.is_empty(),
        "a cashier does not read the stock ledger"
    );
    assert!(!d.api.catalog_meta(NoInput {}).unwrap().can_view_cost);
    assert_eq!(
        d.api.stock_valuation(NoInput {}).unwrap_err().code,
        "forbidden"
    );
    // Through the shell's dispatcher too: the JSON has no cost.
    let v = kassa_app::dispatch(&d.api, "product_search", json!({"query": "beans"})).unwrap();
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["cost_minor"].is_null())
    );

    d.sign_in("manager");
    let found = find(&d, "beans");
    assert!(found.items.iter().all(|p| p.cost_minor.is_some()));
}

#[test]
fn each_role_may_do_what_the_permission_table_says() {
    // (role, create product, change a price, adjust stock, see stock value, add a customer)
    for (role, create, price, adjust, value, customer) in [
        ("cashier", false, false, false, false, true),
        ("agent", false, false, false, false, true),
        ("manager", true, true, true, true, true),
        ("admin", true, true, true, true, true),
    ] {
        let d = Device::demo();
        d.sign_in(role);
        let oat = find(&d, "DAI-OAT-1L").items.remove(0);
        let outcome = |r: Result<(), kassa_app::ApiError>| match r {
            Ok(()) => true,
            Err(e) if e.code == "forbidden" => false,
            Err(e) => panic!("{role}: {e}"),
        };
        assert_eq!(
            outcome(
                d.api
                    .product_create(new_product("NEW-1", "4001234567891", 100))
                    .map(|_| ())
            ),
            create,
            "{role} create"
        );
        let mut fields = ProductFields {
            sku: oat.sku.clone(),
            name: oat.name.clone(),
            price_minor: oat.price_minor + 10,
            category_id: oat.category_id.clone(),
            tax_class_id: oat.tax_class_id.clone(),
            barcodes: Some(oat.barcodes.clone()),
            cost_minor: oat.cost_minor,
            ..Default::default()
        };
        fields.description = Some(oat.description.clone());
        assert_eq!(
            outcome(
                d.api
                    .product_update(ProductUpdateInput {
                        id: oat.id.clone(),
                        product: fields
                    })
                    .map(|_| ())
            ),
            price,
            "{role} price"
        );
        assert_eq!(
            outcome(
                d.api
                    .stock_adjust(StockAdjustInput {
                        product_id: oat.id.clone(),
                        delta: 1,
                        reason: "found".into(),
                        location_id: None
                    })
                    .map(|_| ())
            ),
            adjust,
            "{role} adjust"
        );
        assert_eq!(
            outcome(d.api.stock_valuation(NoInput {}).map(|_| ())),
            value,
            "{role} value"
        );
        assert_eq!(
            outcome(
                d.api
                    .customer_create(CustomerFields {
                        name: "Walk-in".into(),
                        ..Default::default()
                    })
                    .map(|_| ())
            ),
            customer,
            "{role} customer"
        );
    }
}

#[test]
fn a_price_change_keeps_the_other_fields_and_lands_in_the_price_history() {
    let d = Device::demo();
    d.sign_in("manager");
    let p = d
        .api
        .product_create(new_product("HAZ-400", "4001234567891", 349))
        .unwrap();
    let fields = ProductFields {
        sku: p.sku.clone(),
        name: p.name.clone(),
        price_minor: 379,
        cost_minor: p.cost_minor,
        barcodes: Some(p.barcodes.clone()),
        ..Default::default()
    };
    let after = d
        .api
        .product_update(ProductUpdateInput {
            id: p.id.clone(),
            product: fields,
        })
        .unwrap();
    assert_eq!(
        (after.price_minor, after.cost_minor, after.barcodes.clone()),
        (379, Some(210), p.barcodes)
    );
    let detail = d
        .api
        .product_get(ProductIdInput { id: p.id.clone() })
        .unwrap();
    let prices: Vec<i64> = detail.price_history.iter().map(|h| h.price_minor).collect();
    assert_eq!(prices, [379, 349]);
    assert_eq!(
        detail.price_history[0].changed_by.as_deref(),
        Some("Max Manager")
    );
}

#[test]
fn a_catalog_csv_with_bad_rows_is_reported_row_by_row_and_nothing_is_imported() {
    let d = Device::demo();
    d.sign_in("manager");
    let before = find(&d, "").total;
    let csv = "sku,name,price,barcodes\nNEW-1,Fig jam,3.49,4001234567891\nNEW-2,Plum jam,abc,\nNEW-3,Quince jam,2.99,4001234567893\n";
    for dry_run in [true, false] {
        let r = d
            .api
            .catalog_import(CsvImportInput {
                csv: csv.into(),
                dry_run,
            })
            .unwrap();
        assert!(!r.applied);
        assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(find(&d, "").total, before);
    }
    let export = d.api.catalog_export(NoInput {}).unwrap();
    assert_eq!(export.rows as i64, before);
}

#[test]
fn inputs_with_unknown_or_mistyped_fields_are_invalid_input() {
    let d = Device::demo();
    d.sign_in("manager");
    for (cmd, input) in [
        ("product_search", json!({"query": "x", "colour": "red"})),
        (
            "stock_adjust",
            json!({"product_id": "x", "delta": "two", "reason": "r"}),
        ),
        ("customer_create", json!({"name": 5})),
        (
            "product_create",
            json!({"product": {"sku": "A", "name": "B", "price_minor": 1.5}}),
        ),
    ] {
        let e = kassa_app::dispatch(&d.api, cmd, input).unwrap_err();
        assert_eq!(e.code, "invalid_input", "{cmd}");
    }
    let e = d
        .api
        .product_get(ProductIdInput { id: "nope".into() })
        .unwrap_err();
    assert_eq!(e.code, "not_found");
}

#[test]
fn customers_are_edited_merged_and_audited() {
    let d = Device::demo();
    d.sign_in("cashier");
    let dup = d
        .api
        .customer_search(CustomerSearchInput {
            query: Some("joerg mueller".into()),
            ..Default::default()
        })
        .unwrap();
    let keep = d
        .api
        .customer_search(CustomerSearchInput {
            query: Some("jörg müller".into()),
            ..Default::default()
        })
        .unwrap();
    let keep = keep.items.iter().find(|c| c.name == "Jörg Müller").unwrap();
    let dup = dup
        .items
        .iter()
        .find(|c| c.name == "Joerg Mueller")
        .unwrap();
    let merged = d
        .api
        .customer_merge(CustomerMergeInput {
            keep_id: keep.id.clone(),
            remove_id: dup.id.clone(),
        })
        .unwrap();
    assert_eq!(
        merged.phone.as_deref(),
        Some("+49 30 1234567"),
        "the kept phone stays"
    );
    assert!(merged.notes.contains("Left his mobile number"));
    let gone = d
        .api
        .customer_get(CustomerIdInput { id: dup.id.clone() })
        .unwrap();
    assert_eq!(gone.merged_into.as_deref(), Some(keep.id.as_str()));
    let updated = d
        .api
        .customer_update(CustomerUpdateInput {
            id: keep.id.clone(),
            customer: CustomerFields {
                name: merged.name.clone(),
                email: merged.email.clone(),
                phone: merged.phone.clone(),
                notes: Some(merged.notes.clone()),
                marketing_consent: Some(false),
                tags: Some(merged.tags.clone()),
                addresses: Some(merged.addresses.clone()),
            },
        })
        .unwrap();
    assert!(!updated.marketing_consent);
    assert_ne!(
        updated.consent_at, merged.consent_at,
        "withdrawing consent is dated"
    );
    d.sign_in("manager");
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("customer.".into()),
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"customer.merged") && actions.contains(&"customer.updated"),
        "{actions:?}"
    );
}

#[test]
fn a_product_takes_its_category_by_path_and_its_tax_class_by_name_in_its_own_transaction() {
    let d = Device::demo();
    d.sign_in("manager");
    let meta = d.api.catalog_meta(NoInput {}).unwrap();
    let standard = meta.tax_classes.iter().find(|t| t.rate_bp == 1900).unwrap();
    let before = (d.footprint(), meta.categories.len());
    // A refused product (its barcode's check digit is wrong) leaves no new category behind.
    let e = d
        .api
        .product_create(ProductCreateInput {
            category_path: Some("Garden > Seeds".into()),
            ..new_product("SEED-1", "4006381333932", 199)
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_input", "{e:?}");
    let categories = |d: &Device| d.api.catalog_meta(NoInput {}).unwrap().categories.len();
    assert_eq!((d.footprint(), categories(&d)), before);
    // An unknown tax class is not found, naming those there are.
    let e = d
        .api
        .product_create(ProductCreateInput {
            tax_class_name: Some("Luxury 33%".into()),
            ..new_product("SEED-1", "4001234567891", 199)
        })
        .unwrap_err();
    assert_eq!(e.code, "not_found", "{e:?}");
    assert!(e.message.contains(&standard.name), "{e:?}");
    assert_eq!((d.footprint(), categories(&d)), before);

    let p = d
        .api
        .product_create(ProductCreateInput {
            category_path: Some("Garden > Seeds".into()),
            tax_class_name: Some(standard.name.to_uppercase()),
            initial_stock: Some(7),
            ..new_product("SEED-1", "4001234567891", 199)
        })
        .unwrap();
    assert_eq!(p.category_path.as_deref(), Some("Garden > Seeds"));
    assert_eq!(p.tax_class_id.as_deref(), Some(standard.id.as_str()));
    assert_eq!(categories(&d), before.1 + 2);

    // Its level, exactly, by barcode or SKU; an unknown location is not found, never 0.
    let level = |location_id: Option<String>| {
        d.api.stock_level(StockLevelInput {
            code: "4001234567891".into(),
            location_id,
        })
    };
    let l = level(None).unwrap();
    assert_eq!(
        (l.sku.as_str(), l.level.map(|l| l.on_hand)),
        ("SEED-1", Some(7))
    );
    let main = meta
        .locations
        .iter()
        .find(|l| l.is_main)
        .unwrap()
        .id
        .clone();
    assert_eq!(level(Some(main)).unwrap().level.map(|l| l.on_hand), Some(7));
    assert_eq!(
        level(Some("no-such-place".into())).unwrap_err().code,
        "not_found"
    );
}

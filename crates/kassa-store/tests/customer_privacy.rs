//! A customer's data on request: everything held about them exported, and erased so that
//! every device ends with the same blank row whatever edits raced the erasure; the store's
//! currency stays once anything was sold.

mod support;

use kassa_domain::ErrorCode;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::Store;
use kassa_store::customers::{self, Address, CustomerData, privacy};
use kassa_store::foundation::audit;
use kassa_store::foundation::device::{self, StoreChange};
use kassa_store::selling::checkout::{CardDetails, CheckoutRequest, TenderRequest, checkout};
use support::sync::{Log, dump, first_device, joined_device};

fn grace() -> CustomerData {
    CustomerData {
        name: "Grace Hopper".into(),
        email: Some("grace@example.com".into()),
        phone: Some("+49 176 1234567".into()),
        notes: "Prefers oat milk".into(),
        marketing_consent: true,
        tags: vec!["regular".into()],
        addresses: vec![Address {
            kind: "billing".into(),
            line1: "Hauptstr. 1".into(),
            line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            is_primary: true,
        }],
    }
}

fn add_customer(store: &mut Store, store_id: &str, admin: &str, data: &CustomerData) -> String {
    store
        .write(|tx| customers::create(tx, store_id, admin, data, customers::AuditMode::PerProduct))
        .unwrap()
        .id
}

/// A cash sale of the first product to `customer`: the order's id.
fn sell_to(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    skus: &[String],
    customer: &str,
) -> String {
    checkout(
        store,
        CheckoutRequest {
            lines: support::lines(store, store_id, &skus[..1], 1),
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: Some(customer.to_string()),
            tenders: vec![TenderRequest {
                kind: TenderKind::Cash,
                amount_minor: 100_000,
                card: None,
                voucher_code: None,
            }],
            idempotency_key: None,
            staff_id: admin.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id
}

/// The customer row as every device must hold it (sorted dump lines of `customers` and
/// `customer_addresses` mentioning it).
fn customer_rows(store: &Store, id: &str) -> Vec<String> {
    dump(store.conn())
        .into_iter()
        .filter(|l| l.starts_with("customer") && l.contains(id))
        .collect()
}

fn assert_erased(store: &Store, store_id: &str, id: &str) {
    let c = customers::get(store.conn(), store_id, id).unwrap();
    assert!(c.erased_at.is_some(), "{c:?}");
    assert_eq!(c.data.name, "");
    assert_eq!(c.data.email, None);
    assert_eq!(c.data.phone, None);
    assert_eq!(c.data.notes, "");
    assert!(c.data.tags.is_empty());
    assert!(!c.data.marketing_consent);
    assert_eq!(c.consent_at, None);
    assert!(c.data.addresses.is_empty());
    assert!(
        customers::search(store.conn(), store_id, "grace", 10, 0)
            .unwrap()
            .is_empty()
    );
    assert!(
        customers::search(store.conn(), store_id, "hopper", 10, 0)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_export_holds_the_customer_their_orders_and_reads_back_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let id = add_customer(&mut store, &store_id, &admin, &grace());
    let order = sell_to(&mut store, &store_id, &admin, &skus, &id);

    let doc = privacy::export(store.conn(), &store_id, &id, "2026-05-03T10:00:00Z").unwrap();
    assert_eq!(doc["customer"]["email"], "grace@example.com");
    assert_eq!(doc["customer"]["addresses"][0]["city"], "Berlin");
    assert_eq!(doc["customer"]["marketing_consent"], true);
    assert!(doc["customer"]["consent_at"].is_string());
    let orders = doc["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["id"], order.as_str());
    assert_eq!(orders[0]["lines"][0]["sku"], skus[0].as_str());
    assert_eq!(orders[0]["total_minor"], 499);
    assert_eq!(orders[0]["payments"][0]["kind"], "cash");

    let text = privacy::export_csv(&doc).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["section", "record", "field", "value"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let find = |section: &str, field: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[2] == field)
            .map(|r| r[3].to_string())
    };
    assert_eq!(
        find("customer", "email").as_deref(),
        Some("grace@example.com")
    );
    assert_eq!(
        find("customer", "addresses[0].city").as_deref(),
        Some("Berlin")
    );
    assert_eq!(find("order", "total_minor").as_deref(), Some("499"));
    assert_eq!(
        find("order", "lines[0].sku").as_deref(),
        Some(skus[0].as_str())
    );

    let missing = privacy::export(store.conn(), &store_id, "no-such", "x").unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[test]
fn an_erasure_blanks_the_person_keeps_the_sale_and_is_audited_without_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let id = add_customer(&mut store, &store_id, &admin, &grace());
    let order = sell_to(&mut store, &store_id, &admin, &skus, &id);
    // A duplicate merged into her holds her data too; it goes with her.
    let dup = add_customer(
        &mut store,
        &store_id,
        &admin,
        &CustomerData {
            name: "G. Hopper".into(),
            email: Some("grace.h@example.com".into()),
            ..Default::default()
        },
    );
    store
        .write(|tx| customers::merge(tx, &store_id, &admin, &id, &dup))
        .unwrap();

    let erased = store
        .write(|tx| privacy::erase(tx, &store_id, &admin, &id, "written request of 3 May"))
        .unwrap();
    assert!(erased.erased_at.is_some());
    assert_erased(&store, &store_id, &id);
    let d = customers::get(store.conn(), &store_id, &dup).unwrap();
    assert!(d.erased_at.is_some());
    assert_eq!(d.data.email, None);
    assert_eq!(d.data.name, "");

    // The sale stays, still naming the (now blank) customer, its total unchanged.
    let (customer_of_order, total): (Option<String>, i64) = store
        .conn()
        .query_row(
            "SELECT customer_id, total_minor FROM orders WHERE id = ?1",
            [&order],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(customer_of_order.as_deref(), Some(id.as_str()));
    assert_eq!(total, 499);

    // Audited: who, why, which fields; never the erased values.
    let (actor, after): (Option<String>, String) = store
        .conn()
        .query_row(
            "SELECT actor_id, after FROM audit_log WHERE action = 'customer.erased'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(actor.as_deref(), Some(admin.as_str()));
    assert!(after.contains("written request of 3 May"), "{after}");
    assert!(!after.contains("grace"), "{after}");
    assert!(audit::verify(store.conn()).unwrap().ok);

    // An erased customer is never edited, merged, erased again or sold to again.
    let edit = store
        .write(|tx| customers::update(tx, &store_id, &admin, &id, &grace()))
        .unwrap_err();
    assert_eq!(edit.code, ErrorCode::InvalidInput);
    let again = store
        .write(|tx| privacy::erase(tx, &store_id, &admin, &id, ""))
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidInput);
    let of_dup = store
        .write(|tx| privacy::erase(tx, &store_id, &admin, &dup, ""))
        .unwrap_err();
    assert_eq!(of_dup.code, ErrorCode::InvalidInput);

    // The export after the erasure holds the sale without the person.
    let doc = privacy::export(store.conn(), &store_id, &id, "2026-05-04T10:00:00Z").unwrap();
    assert_eq!(doc["customer"]["name"], "");
    assert!(doc["customer"]["email"].is_null());
    assert_eq!(doc["orders"].as_array().unwrap().len(), 1);
    assert!(!doc.to_string().contains("Hopper"));
}

#[test]
fn an_erasure_on_one_device_wins_over_an_older_edit_on_another_on_both() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let id = add_customer(&mut a, &store_id, &admin, &grace());
    log.push(&a);
    log.pull(&mut b);
    log.push(&b);
    log.pull(&mut a);

    // B edits first (an older stamp), offline; then A erases.
    let mut edit = grace();
    edit.phone = Some("+49 30 999999".into());
    edit.notes = "Moved to Hamburg".into();
    edit.addresses[0].city = "Hamburg".into();
    b.write(|tx| customers::update(tx, &store_id, &admin, &id, &edit))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    a.write(|tx| privacy::erase(tx, &store_id, &admin, &id, "request"))
        .unwrap();

    // They meet: the erasure reached the log first, the edit after it.
    log.push(&a);
    log.push(&b);
    log.pull(&mut a);
    log.pull(&mut b);
    assert_erased(&a, &store_id, &id);
    assert_erased(&b, &store_id, &id);
    assert_eq!(customer_rows(&a, &id), customer_rows(&b, &id));
}

#[test]
fn an_erasure_wins_over_a_newer_edit_that_had_not_seen_it_whatever_the_order() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let id = add_customer(&mut a, &store_id, &admin, &grace());
    log.push(&a);
    log.pull(&mut b);

    // A erases; B, not having seen it, edits later (a newer stamp); B's edit reaches the
    // log first.
    a.write(|tx| privacy::erase(tx, &store_id, &admin, &id, "request"))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut edit = grace();
    edit.email = Some("grace.new@example.com".into());
    edit.tags = vec!["vip".into()];
    b.write(|tx| customers::update(tx, &store_id, &admin, &id, &edit))
        .unwrap();
    log.push(&b);
    log.push(&a);
    log.pull(&mut a);
    log.pull(&mut b);
    assert_erased(&a, &store_id, &id);
    assert_erased(&b, &store_id, &id);
    assert_eq!(customer_rows(&a, &id), customer_rows(&b, &id));

    // A third device joining later, taking the whole log, ends the same.
    let dc = tempfile::tempdir().unwrap();
    let mut c = joined_device(dc.path(), &store_id, "03");
    log.pull(&mut c);
    assert_erased(&c, &store_id, &id);
    assert_eq!(customer_rows(&c, &id), customer_rows(&a, &id));
}

#[test]
fn the_currency_changes_until_the_first_sale_then_is_locked_and_the_name_still_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let changed = store
        .write(|tx| {
            device::update_store(
                tx,
                &store_id,
                &admin,
                &StoreChange {
                    currency: Some("chf".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(changed.currency.code(), "CHF");
    let bad = store
        .write(|tx| {
            device::update_store(
                tx,
                &store_id,
                &admin,
                &StoreChange {
                    currency: Some("XYZ".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);

    let customer = add_customer(&mut store, &store_id, &admin, &grace());
    sell_to(&mut store, &store_id, &admin, &skus, &customer);
    let locked = store
        .write(|tx| {
            device::update_store(
                tx,
                &store_id,
                &admin,
                &StoreChange {
                    currency: Some("EUR".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    assert_eq!(locked.code, ErrorCode::CurrencyLocked);
    assert_eq!(
        device::store(store.conn(), &store_id)
            .unwrap()
            .currency
            .code(),
        "CHF"
    );
    let renamed = store
        .write(|tx| {
            device::update_store(
                tx,
                &store_id,
                &admin,
                &StoreChange {
                    name: Some("Corner Café".into()),
                    currency: Some("CHF".into()),
                },
            )
        })
        .unwrap();
    assert_eq!(renamed.name, "Corner Café");
    let audited: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'store.updated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 2);
}

/// A card sale to `customer` kept offline, with the contact to reach them if it is declined.
fn card_sale_to(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    skus: &[String],
    customer: &str,
) -> kassa_store::selling::checkout::CheckoutOutcome {
    checkout(
        store,
        CheckoutRequest {
            lines: support::lines(store, store_id, &skus[..1], 1),
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: Some(customer.to_string()),
            tenders: vec![TenderRequest {
                kind: TenderKind::Card,
                amount_minor: 499,
                card: Some(CardDetails {
                    brand: Some("visa".into()),
                    last4: Some("4242".into()),
                    customer_contact: Some("grace@example.com".into()),
                    token: None,
                    attempt: None,
                }),
                voucher_code: None,
            }],
            idempotency_key: None,
            staff_id: admin.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
}

/// The contact kept with a card payment is what recovers the money if the provider declines
/// it: the erasure waits until no card payment of the customer is pending, then blanks it.
/// Nothing is sold to an erased customer afterwards, whichever path the sale takes.
#[test]
fn an_erasure_waits_for_pending_card_payments_then_blanks_their_contact() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let id = add_customer(&mut store, &store_id, &admin, &grace());
    let sale = card_sale_to(&mut store, &store_id, &admin, &skus, &id);
    let contact = |s: &Store| -> Option<String> {
        s.conn()
            .query_row(
                "SELECT customer_contact FROM payments WHERE order_id = ?1",
                [&sale.order_id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(contact(&store).as_deref(), Some("grace@example.com"));

    let refused = store
        .write(|tx| privacy::erase(tx, &store_id, &admin, &id, "request"))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(
        refused.message.contains(&sale.number),
        "{}",
        refused.message
    );
    assert!(
        customers::get(store.conn(), &store_id, &id)
            .unwrap()
            .erased_at
            .is_none()
    );

    // The provider confirmed it (its outcome recorded as the sync records it): nothing waits
    // any more.
    let payment_id: String = store
        .conn()
        .query_row(
            "SELECT id FROM payments WHERE order_id = ?1",
            [&sale.order_id],
            |r| r.get(0),
        )
        .unwrap();
    let outcome = kassa_store::selling::cards::Outcome {
        status: kassa_store::selling::cards::OutcomeStatus::Captured,
        intent_id: Some("pi_test_1".into()),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
        decline_code: None,
        review: None,
    };
    assert!(
        kassa_store::selling::cards::record_outcome(&mut store, &payment_id, &outcome).unwrap()
    );
    store
        .write(|tx| privacy::erase(tx, &store_id, &admin, &id, "request"))
        .unwrap();
    assert_eq!(contact(&store), None);
    let doc = privacy::export(store.conn(), &store_id, &id, "2026-05-03T10:00:00Z").unwrap();
    assert!(!doc.to_string().contains("grace@example.com"), "{doc}");

    let lines = support::lines(&store, &store_id, &skus[..1], 1);
    let again = checkout(
        &mut store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: Some(id.clone()),
            tenders: vec![TenderRequest {
                kind: TenderKind::Cash,
                amount_minor: 1_000,
                card: None,
                voucher_code: None,
            }],
            idempotency_key: None,
            staff_id: admin.clone(),
            cart_id: None,
        },
    )
    .unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidInput);
    assert!(again.message.contains("erased"), "{}", again.message);
}

//! Selling across two devices of one store: sales arrive with their ids, numbers, lines,
//! payments and stock; applying twice changes nothing; refunds of one order on two offline
//! devices, a void racing a refund and a voucher spent twice are kept and flagged the same
//! way on both; the Z report stays per device.

mod support;

use chrono::Utc;
use kassa_domain::catalog::TaxRate;
use kassa_domain::selling::order::OrderStatus;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::foundation::apply::conflicts as inbox;
use kassa_store::foundation::apply::{apply_remote, cursor};
use kassa_store::selling::checkout::{self, CheckoutRequest, TenderRequest, checkout};
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use kassa_store::selling::{self, drawer, email, order, shift, voucher, zreport};
use kassa_store::{Connection, Store};
use support::sync::{Log, conflicts, dump, first_device, joined_device, ship};

/// Device A with a tax class and two products, 5 of each on the shelf, and device B that
/// joined and received all of it: (a, b, log, store id, admin id, [tea, mug]).
fn two_devices(
    da: &std::path::Path,
    db: &std::path::Path,
) -> (Store, Store, Log, String, String, Vec<String>) {
    let (mut a, store_id, admin) = first_device(da);
    let products = a
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
            let mut ids = Vec::new();
            for (sku, price) in [("TEA-1", 499), ("MUG-1", 1299)] {
                let mut d = ProductData::new(sku, &format!("Item {sku}"), price);
                d.tax_class_id = Some(vat.clone());
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
                ids.push(p.id);
            }
            Ok(ids)
        })
        .unwrap();
    let mut b = joined_device(db, &store_id, "02");
    let mut log = Log::default();
    let report = ship(&mut log, &a, &mut b);
    assert_eq!(report.parked, 0, "{report:?}");
    (a, b, log, store_id, admin, products)
}

fn tender(kind: TenderKind, amount_minor: i64, code: Option<&str>) -> TenderRequest {
    TenderRequest {
        kind,
        amount_minor,
        card: None,
        voucher_code: code.map(str::to_string),
    }
}

/// Sells `qty` of each of `skus` on `store`, paid with `tenders`.
fn sell(
    store: &mut Store,
    store_id: &str,
    staff: &str,
    skus: &[&str],
    qty: i64,
    tenders: Vec<TenderRequest>,
) -> String {
    let skus: Vec<String> = skus.iter().map(|s| s.to_string()).collect();
    let lines = support::lines(store, store_id, &skus, qty);
    checkout(
        store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders,
            idempotency_key: Some(kassa_store::foundation::ids::new_id()),
            staff_id: staff.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id
}

fn refund_of(order_id: &str, staff: &str, lines: Vec<RefundLine>, void: bool) -> RefundRequest {
    RefundRequest {
        order_id: order_id.to_string(),
        lines,
        reason: Some("customer changed their mind".into()),
        staff_id: staff.to_string(),
        approver: None,
        idempotency_key: None,
        void,
    }
}

const SELLING_TABLES: &[&str] = &[
    "orders",
    "order_lines",
    "order_taxes",
    "payments",
    "order_events",
    "refunds",
    "refund_lines",
    "refund_payments",
    "stock_movements",
    "shifts",
    "cash_movements",
    "vouchers",
    "voucher_movements",
    "drawer_opens",
    "z_reports",
    "email_outbox",
];

/// The selling tables' rows, sorted.
fn selling_dump(conn: &Connection) -> Vec<String> {
    dump(conn)
        .into_iter()
        .filter(|row| {
            SELLING_TABLES
                .iter()
                .any(|t| row.starts_with(&format!("{t}: ")))
        })
        .collect()
}

fn level(store: &Store, product: &str) -> i64 {
    stock::level(store.conn(), product, None).unwrap().on_hand
}

fn device_id(store: &Store) -> String {
    store
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap()
}

/// The conflicts of `kind`: (id, entity, entity_id), sorted.
fn conflict_rows(conn: &Connection, kind: &str) -> Vec<(String, String, String)> {
    let mut st = conn
        .prepare("SELECT id, entity, entity_id FROM conflicts WHERE kind = ?1 ORDER BY id")
        .unwrap();
    st.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Pushes both devices' outboxes, then pulls the log into both.
fn exchange(log: &mut Log, a: &mut Store, b: &mut Store) {
    log.push(a);
    log.push(b);
    let ra = log.pull(a);
    let rb = log.pull(b);
    assert_eq!(ra.parked, 0, "{ra:?}");
    assert_eq!(rb.parked, 0, "{rb:?}");
}

#[test]
fn sales_on_one_device_arrive_whole_on_the_other_and_applying_twice_changes_nothing() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, products) = two_devices(da.path(), db.path());
    let first = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1", "MUG-1"],
        2,
        vec![tender(TenderKind::Cash, 10_000, None)],
    );
    let second = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1"],
        1,
        vec![tender(TenderKind::Card, 499, None)],
    );
    let report = ship(&mut log, &a, &mut b);
    assert_eq!(report.parked, 0, "{report:?}");
    assert_eq!(report.conflicts, 0, "{report:?}");

    for id in [&first, &second] {
        let (on_a, on_b) = (
            order::load(a.conn(), id).unwrap(),
            order::load(b.conn(), id).unwrap(),
        );
        assert_eq!(on_a, on_b);
        assert!(on_b.number.starts_with("CORN-01-"), "{}", on_b.number);
        assert_eq!(on_b.status, OrderStatus::Paid);
        assert_eq!(on_b.events.len(), 1);
    }
    assert_eq!(level(&b, &products[0]), 2);
    assert_eq!(level(&b, &products[1]), 3);
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));

    // The whole log again, from the start: nothing changes.
    let before = dump(b.conn());
    let all = log.entries.clone();
    let at = cursor(b.conn()).unwrap();
    let again = apply_remote(&mut b, &all, at).unwrap();
    assert_eq!(again.applied, 0, "{again:?}");
    assert_eq!(again.parked, 0, "{again:?}");
    assert_eq!(dump(b.conn()), before);
    assert_eq!(level(&b, &products[0]), 2);

    // B sells too: its numbers carry its own code, and stock is the sum of both devices'
    // movements on both.
    let on_b = sell(
        &mut b,
        &store_id,
        &admin,
        &["TEA-1"],
        1,
        vec![tender(TenderKind::Cash, 500, None)],
    );
    let number = order::load(b.conn(), &on_b).unwrap().number;
    assert!(number.starts_with("CORN-02-"), "{number}");
    exchange(&mut log, &mut a, &mut b);
    assert_eq!(level(&a, &products[0]), 1);
    assert_eq!(level(&b, &products[0]), 1);
    assert!(stock::verify_levels(a.conn()).unwrap().is_empty());
    assert!(stock::verify_levels(b.conn()).unwrap().is_empty());
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));

    // B's reports count B's sales alone; A's sales are in B's order list.
    let today = selling::business_date(b.conn(), Utc::now()).unwrap();
    let b_id = device_id(&b);
    let x = zreport::figures_for_date(b.conn(), &b_id, &today).unwrap();
    assert_eq!(x.orders, 1);
    assert_eq!(x.by_tender.get("cash"), Some(&499));
    assert_eq!(order::recent(b.conn(), None, 10).unwrap().len(), 3);
    let b_shift = shift::open_shift(b.conn(), &b_id).unwrap().unwrap();
    let x = shift::figures(b.conn(), &b_shift.id).unwrap();
    assert_eq!(
        (x.orders, x.cash_sales_minor, x.card_sales_minor),
        (1, 499, 0)
    );
    // A's card payment taken offline is A's to forward: it counts against A's offline limit
    // alone.
    assert!(checkout::pending_cards(b.conn()).unwrap().is_empty());
    assert_eq!(checkout::offline_card_exposure(b.conn()).unwrap().0, 0);
    assert_eq!(checkout::pending_cards(a.conn()).unwrap().len(), 1);
    assert_eq!(checkout::offline_card_exposure(a.conn()).unwrap().0, 499);
    let z = b
        .write(|tx| {
            shift::cash_move(tx, &admin, "in", 1_000, "change for the float")?;
            drawer::record(
                tx,
                drawer::Opening {
                    kind: drawer::OpenKind::NoSale,
                    order_id: None,
                    refund_id: None,
                    reason: Some("change for a customer"),
                    staff_id: &admin,
                },
            )?;
            email::queue(
                tx,
                "receipt",
                "grace@example.com",
                "Your receipt",
                "<p>Thank you</p>",
                Some(&on_b),
                Some(email::Attachment::Receipt(
                    &serde_json::json!({"number": "S1-02-1"}),
                )),
            )?;
            shift::close(tx, &admin, 1_499, &serde_json::json!({}), Some("all there"))?;
            zreport::close(tx, &admin)
        })
        .unwrap();
    assert_eq!(z.figures.orders, 1);
    assert_eq!(z.figures.gross_minor, 499);
    assert_eq!(z.figures.drawer_opens, 1);
    // A receives B's closed shift and Z report, intact; A's own day stays open and counts
    // A's two sales.
    exchange(&mut log, &mut a, &mut b);
    let held = zreport::get(a.conn(), &b_id, z.number).unwrap();
    assert!(held.intact);
    assert_eq!(held.figures, z.figures);
    let a_id = device_id(&a);
    assert!(zreport::list(a.conn(), &a_id, 10).unwrap().is_empty());
    assert_eq!(
        zreport::figures_for_date(a.conn(), &a_id, &today)
            .unwrap()
            .orders,
        2
    );
    assert!(shift::open_shift(a.conn(), &a_id).unwrap().is_some());
    let closed = shift::get(a.conn(), &b_shift.id).unwrap();
    assert_eq!(closed, shift::get(b.conn(), &b_shift.id).unwrap());
    assert_eq!(closed.status, "closed");
    assert_eq!(email::waiting(a.conn()).unwrap().len(), 1);
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

#[test]
fn two_offline_refunds_above_what_was_paid_are_both_kept_and_flagged_on_both_devices() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, products) = two_devices(da.path(), db.path());
    let sold = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1"],
        1,
        vec![tender(TenderKind::Cash, 499, None)],
    );
    ship(&mut log, &a, &mut b);
    // Offline, both devices take the same tea back.
    let on_a = refund(&mut a, refund_of(&sold, &admin, vec![], false)).unwrap();
    let on_b = refund(&mut b, refund_of(&sold, &admin, vec![], false)).unwrap();
    assert_eq!(on_a.status, OrderStatus::Refunded);
    assert_eq!(on_b.status, OrderStatus::Refunded);
    exchange(&mut log, &mut a, &mut b);

    for s in [&a, &b] {
        let n: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM refunds WHERE order_id = ?1",
                [&sold],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(conflicts(s.conn(), "refund_exceeds_paid"), 1);
        // Both returns put the tea back: the ledger shows what happened.
        assert_eq!(level(s, &products[0]), 6);
    }
    assert_eq!(
        conflict_rows(a.conn(), "refund_exceeds_paid"),
        conflict_rows(b.conn(), "refund_exceeds_paid")
    );
    assert_eq!(
        conflict_rows(a.conn(), "refund_exceeds_paid")[0].2,
        sold.clone()
    );
    assert_eq!(
        order::load(a.conn(), &sold).unwrap().status,
        OrderStatus::Refunded
    );
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));

    // Exchanging again changes nothing and records nothing new.
    let before = (dump(a.conn()), dump(b.conn()));
    exchange(&mut log, &mut a, &mut b);
    assert_eq!((dump(a.conn()), dump(b.conn())), before);
    assert_eq!(conflicts(a.conn(), "refund_exceeds_paid"), 1);
}

#[test]
fn a_void_racing_a_refund_is_a_conflict_on_both_devices() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let sold = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1"],
        2,
        vec![tender(TenderKind::Cash, 998, None)],
    );
    ship(&mut log, &a, &mut b);
    let voided = refund(&mut a, refund_of(&sold, &admin, vec![], true)).unwrap();
    assert_eq!(voided.status, OrderStatus::Voided);
    let line = order::load(b.conn(), &sold).unwrap().lines[0].id.clone();
    let part = refund(
        &mut b,
        refund_of(
            &sold,
            &admin,
            vec![RefundLine {
                order_line_id: line,
                quantity: 1,
                restock: true,
            }],
            false,
        ),
    )
    .unwrap();
    assert_eq!(part.status, OrderStatus::PartiallyRefunded);
    exchange(&mut log, &mut a, &mut b);

    for s in [&a, &b] {
        assert_eq!(conflicts(s.conn(), "void_races_refund"), 1);
        assert_eq!(conflicts(s.conn(), "refund_exceeds_paid"), 0);
    }
    assert_eq!(
        conflict_rows(a.conn(), "void_races_refund"),
        conflict_rows(b.conn(), "void_races_refund")
    );
    let (sa, sb) = (
        order::load(a.conn(), &sold).unwrap(),
        order::load(b.conn(), &sold).unwrap(),
    );
    assert_eq!(sa.status, sb.status);
    assert_eq!(sa.events.len(), 3);
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

#[test]
fn a_refund_made_after_one_from_a_clock_days_ahead_follows_it_on_every_device() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let sold = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1"],
        2,
        vec![tender(TenderKind::Cash, 998, None)],
    );
    ship(&mut log, &a, &mut b);
    // B, whose clock runs three days ahead, takes one tea back.
    let line = order::load(b.conn(), &sold).unwrap().lines[0].id.clone();
    let one = |line: &str| RefundLine {
        order_line_id: line.to_string(),
        quantity: 1,
        restock: true,
    };
    refund(&mut b, refund_of(&sold, &admin, vec![one(&line)], false)).unwrap();
    let ahead = (Utc::now().timestamp_millis() + 3 * 24 * 3600 * 1000) << 16;
    b.conn()
        .execute("UPDATE outbox SET hlc = ?1 + seq", [ahead])
        .unwrap();
    ship(&mut log, &b, &mut a);
    // A, seeing that refund, takes the other tea back: the order is refunded in full. Its
    // event follows B's, although A's clock is days behind B's stamp.
    let rest = refund(&mut a, refund_of(&sold, &admin, vec![one(&line)], false)).unwrap();
    assert_eq!(rest.status, OrderStatus::Refunded);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        let all: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM conflicts WHERE entity = 'orders'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(all, 0, "nothing about the order clashes");
        assert_eq!(
            order::load(s.conn(), &sold).unwrap().status,
            OrderStatus::Refunded
        );
    }
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

#[test]
fn a_sale_whose_line_breaks_a_rule_leaves_no_row_behind_and_the_rest_of_the_page_applies() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let good = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1"],
        1,
        vec![tender(TenderKind::Cash, 499, None)],
    );
    let broken = sell(
        &mut a,
        &store_id,
        &admin,
        &["MUG-1"],
        1,
        vec![tender(TenderKind::Cash, 1_299, None)],
    );
    log.push(&a);
    // The second sale's line arrives with a quantity no line may have: its order row would be
    // written before the line fails.
    for e in log.entries.iter_mut() {
        if e.change.entity == "orders" && e.change.entity_id == broken {
            e.change.payload["lines"][0]["quantity"] = serde_json::json!(-1);
        }
    }
    let report = log.pull(&mut b);
    assert_eq!(report.parked, 1, "{report:?}");
    assert!(
        order::load(b.conn(), &good).is_ok(),
        "the good sale applied"
    );
    assert!(
        order::load(b.conn(), &broken).is_err(),
        "no order row of the broken sale"
    );
    for table in ["order_lines", "payments", "order_events"] {
        let n: i64 = b
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE order_id = ?1"),
                [&broken],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table} holds nothing of the broken sale");
    }
    let reason: String = b
        .conn()
        .query_row("SELECT reason FROM parked_changes", [], |r| r.get(0))
        .unwrap();
    assert!(!reason.is_empty());
}

#[test]
fn a_voucher_spent_below_zero_on_two_devices_keeps_both_spends_and_is_flagged_on_both() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let key = a.store_key().unwrap().clone_key();
    let v = a
        .write(|tx| voucher::issue(tx, &key, &store_id, 600, None, None, &admin))
        .unwrap();
    ship(&mut log, &a, &mut b);
    assert_eq!(
        voucher::find(b.conn(), &key, &v.code)
            .unwrap()
            .balance_minor,
        600
    );
    for s in [&mut a, &mut b] {
        sell(
            s,
            &store_id,
            &admin,
            &["TEA-1"],
            1,
            vec![tender(TenderKind::Voucher, 499, Some(&v.code))],
        );
    }
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(
            voucher::find(s.conn(), &key, &v.code)
                .unwrap()
                .balance_minor,
            -398
        );
        assert_eq!(conflicts(s.conn(), "voucher_overspent"), 1);
        let n: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM voucher_movements WHERE voucher_id = ?1",
                [&v.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 3);
    }
    assert_eq!(
        conflict_rows(a.conn(), "voucher_overspent"),
        conflict_rows(b.conn(), "voucher_overspent")
    );
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

#[test]
fn a_sale_whose_shift_has_not_arrived_waits_and_then_counts_once() {
    let (da, db, dc) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, _b, mut log, store_id, admin, products) = two_devices(da.path(), db.path());
    let sold = sell(
        &mut a,
        &store_id,
        &admin,
        &["TEA-1", "MUG-1"],
        1,
        vec![tender(TenderKind::Cash, 2_000, None)],
    );
    log.push(&a);
    let mut c = joined_device(dc.path(), &store_id, "03");
    let without_shifts: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.change.entity != "shifts")
        .cloned()
        .collect();
    let first = apply_remote(&mut c, &without_shifts, 0).unwrap();
    assert_eq!(first.parked, 1, "{first:?}");
    assert!(order::load(c.conn(), &sold).is_err());
    assert_eq!(level(&c, &products[0]), 5);

    let rest = log.pull(&mut c);
    assert_eq!(rest.parked, 0, "{rest:?}");
    assert_eq!(
        order::load(c.conn(), &sold).unwrap(),
        order::load(a.conn(), &sold).unwrap()
    );
    assert_eq!(level(&c, &products[0]), 4);
    assert_eq!(level(&c, &products[1]), 4);
    assert!(stock::verify_levels(c.conn()).unwrap().is_empty());
}

#[test]
fn one_receipt_number_from_two_devices_keeps_both_sales_and_renames_one_the_same_way_everywhere() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    a.write(|tx| {
        let mut d = ProductData::new("TEA-1", "Gift wrap", 499);
        d.kind = kassa_domain::catalog::ProductKind::Service;
        d.stock_tracked = false;
        catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
        Ok(())
    })
    .unwrap();
    // A device restored from a copy of another would hand out its numbers again.
    let mut b = joined_device(db.path(), &store_id, "01");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let cash = || vec![tender(TenderKind::Cash, 499, None)];
    let on_a = sell(&mut a, &store_id, &admin, &["TEA-1"], 1, cash());
    let on_b = sell(&mut b, &store_id, &admin, &["TEA-1"], 1, cash());
    let number = order::load(a.conn(), &on_a).unwrap().number;
    assert_eq!(order::load(b.conn(), &on_b).unwrap().number, number);
    exchange(&mut log, &mut a, &mut b);

    for s in [&a, &b] {
        assert_eq!(conflicts(s.conn(), "receipt_number_clash"), 1);
        let (x, y) = (
            order::load(s.conn(), &on_a).unwrap(),
            order::load(s.conn(), &on_b).unwrap(),
        );
        let (kept, renamed) = if on_a < on_b { (x, y) } else { (y, x) };
        assert_eq!(kept.number, number);
        assert!(renamed.number.starts_with(&format!("{number}~")));
    }
    assert_eq!(
        conflict_rows(a.conn(), "receipt_number_clash"),
        conflict_rows(b.conn(), "receipt_number_clash")
    );
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

#[test]
fn a_hand_over_racing_a_void_keeps_both_events_and_folds_to_one_status_on_both_devices() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, products) = two_devices(da.path(), db.path());
    let sold = sell(
        &mut a,
        &store_id,
        &admin,
        &["MUG-1"],
        1,
        vec![tender(TenderKind::Cash, 1_299, None)],
    );
    ship(&mut log, &a, &mut b);
    let handed = a.write(|tx| order::fulfil(tx, &sold, &admin)).unwrap();
    assert_eq!(handed, OrderStatus::Fulfilled);
    let voided = refund(&mut b, refund_of(&sold, &admin, vec![], true)).unwrap();
    assert_eq!(voided.status, OrderStatus::Voided);
    exchange(&mut log, &mut a, &mut b);

    for s in [&a, &b] {
        assert_eq!(conflicts(s.conn(), "order_transition_rejected"), 1);
        assert_eq!(conflicts(s.conn(), "refund_exceeds_paid"), 0);
        let o = order::load(s.conn(), &sold).unwrap();
        assert_eq!(o.events.len(), 3);
        // The void's return is in the ledger on both, whatever the status says.
        assert_eq!(level(s, &products[1]), 5);
    }
    assert_eq!(
        conflict_rows(a.conn(), "order_transition_rejected"),
        conflict_rows(b.conn(), "order_transition_rejected")
    );
    assert_eq!(selling_dump(a.conn()), selling_dump(b.conn()));
}

/// Every conflict with its decision: (id, resolution, resolved by, resolved at). The row that
/// found a conflict may differ between devices (each found it from another change); its id
/// and its decision do not.
fn decisions(conn: &Connection) -> Vec<(String, String, String, String)> {
    inbox::list(conn, true, 100)
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                c.id,
                c.resolution.unwrap_or_default(),
                c.resolved_by.unwrap_or_default(),
                c.resolved_at.unwrap_or_default(),
            )
        })
        .collect()
}

/// Makes the void-races-refund conflict of `two_devices` on both devices; its id.
fn void_races_refund(
    a: &mut Store,
    b: &mut Store,
    log: &mut Log,
    store_id: &str,
    admin: &str,
) -> String {
    let sold = sell(
        a,
        store_id,
        admin,
        &["TEA-1"],
        2,
        vec![tender(TenderKind::Cash, 998, None)],
    );
    ship(log, a, b);
    refund(a, refund_of(&sold, admin, vec![], true)).unwrap();
    let line = order::load(b.conn(), &sold).unwrap().lines[0].id.clone();
    let part = RefundLine {
        order_line_id: line,
        quantity: 1,
        restock: true,
    };
    refund(b, refund_of(&sold, admin, vec![part], false)).unwrap();
    exchange(log, a, b);
    let open = inbox::list(a.conn(), false, 10).unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(inbox::list(b.conn(), false, 10).unwrap()[0].id, open[0].id);
    open[0].id.clone()
}

#[test]
fn a_conflict_resolved_on_one_device_is_resolved_on_every_device_after_sync() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let id = void_races_refund(&mut a, &mut b, &mut log, &store_id, &admin);

    inbox::resolve(&mut a, &id, &admin, "keep the void; refund nothing").unwrap();
    assert_eq!(inbox::open_count(a.conn()).unwrap(), 0);
    assert_eq!(inbox::open_count(b.conn()).unwrap(), 1);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(inbox::open_count(s.conn()).unwrap(), 0);
        let all = inbox::list(s.conn(), true, 10).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].resolution.as_deref(),
            Some("keep the void; refund nothing")
        );
        assert_eq!(all[0].resolved_by.as_deref(), Some(admin.as_str()));
    }
    assert_eq!(decisions(a.conn()), decisions(b.conn()));
    // Closed everywhere: B cannot decide it again, and applying again changes nothing.
    let err = inbox::resolve(&mut b, &id, &admin, "keep the refund").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::NotFound);
    let before = dump(b.conn());
    exchange(&mut log, &mut a, &mut b);
    assert_eq!(dump(b.conn()), before);
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn two_managers_deciding_one_conflict_offline_end_with_the_later_decision_on_both() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let id = void_races_refund(&mut a, &mut b, &mut log, &store_id, &admin);
    inbox::resolve(&mut a, &id, &admin, "keep the void").unwrap();
    inbox::resolve(&mut b, &id, &admin, "keep the refund").unwrap();
    exchange(&mut log, &mut a, &mut b);
    let (ra, rb) = (decisions(a.conn()), decisions(b.conn()));
    assert_eq!(ra, rb, "both devices keep the same decision");
    assert_eq!(ra.len(), 1);
    assert!(
        ["keep the void", "keep the refund"].contains(&ra[0].1.as_str()),
        "{ra:?}"
    );
    assert_eq!(inbox::open_count(a.conn()).unwrap(), 0);
}

#[test]
fn a_decision_with_no_text_is_refused_and_changes_nothing() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let id = void_races_refund(&mut a, &mut b, &mut log, &store_id, &admin);
    let before = dump(a.conn());
    let outbox: i64 = a
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    let err = inbox::resolve(&mut a, &id, &admin, "   ").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::InvalidInput);
    let err = inbox::resolve(&mut a, "no-such-conflict", &admin, "done").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::NotFound);
    assert_eq!(dump(a.conn()), before);
    let after: i64 = a
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, outbox);
    assert_eq!(inbox::open_count(a.conn()).unwrap(), 1);
}

/// A card sale another device made offline for a customer erased meanwhile: its payment
/// arrives without the contact on the device that erased, and the erasure blanks it on the
/// device that sold, so both hold the same rows whichever order the changes meet in.
#[test]
fn a_card_sale_made_offline_for_a_customer_erased_meanwhile_ends_without_the_contact_on_both() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    let grace = a
        .write(|tx| {
            kassa_store::customers::create(
                tx,
                &store_id,
                &admin,
                &kassa_domain::customer::CustomerData {
                    name: "Grace Hopper".into(),
                    email: Some("grace@example.com".into()),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )
        })
        .unwrap()
        .id;
    ship(&mut log, &a, &mut b);

    let lines = support::lines(&b, &store_id, &["TEA-1".to_string()], 1);
    let sale = checkout(
        &mut b,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: Some(grace.clone()),
            tenders: vec![TenderRequest {
                kind: TenderKind::Card,
                amount_minor: 499,
                card: Some(checkout::CardDetails {
                    brand: Some("visa".into()),
                    last4: Some("4242".into()),
                    customer_contact: Some("+49 176 1234567".into()),
                    token: None,
                    attempt: None,
                }),
                voucher_code: None,
            }],
            idempotency_key: Some(kassa_store::foundation::ids::new_id()),
            staff_id: admin.clone(),
            cart_id: None,
        },
    )
    .unwrap();
    a.write(|tx| kassa_store::customers::privacy::erase(tx, &store_id, &admin, &grace, "request"))
        .unwrap();

    // The erasure reaches the log first: A receives the sale after it.
    log.push(&a);
    log.push(&b);
    let ra = log.pull(&mut a);
    assert_eq!(ra.parked, 0, "{ra:?}");
    log.pull(&mut b);
    let contact = |s: &Store| -> Option<String> {
        s.conn()
            .query_row(
                "SELECT customer_contact FROM payments WHERE order_id = ?1",
                [&sale.order_id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(contact(&a), None);
    assert_eq!(contact(&b), None);
    assert_eq!(conflicts(a.conn(), "ledger_mismatch"), 0);
    assert_eq!(conflicts(b.conn(), "ledger_mismatch"), 0);
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

/// One tea sold on `store` for cash: the order's id.
fn sell_a_tea(store: &mut Store, store_id: &str, admin: &str) -> String {
    sell(
        store,
        store_id,
        admin,
        &["TEA-1"],
        1,
        vec![tender(TenderKind::Cash, 1_000, None)],
    )
}

/// `admin` sets the store's currency on `store`.
fn set_currency(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    code: &str,
) -> kassa_domain::Result<kassa_store::foundation::device::StoreInfo> {
    use kassa_store::foundation::device::{StoreChange, update_store};
    let change = StoreChange {
        name: None,
        currency: Some(code.into()),
    };
    store.write(|tx| update_store(tx, store_id, admin, &change))
}

/// The store's currency, the `currency_kept` task's detail (or `None`) and whether the
/// device holds one such task.
fn currency_state(store: &Store, store_id: &str) -> (String, Option<serde_json::Value>) {
    let conn = store.conn();
    let currency = kassa_store::foundation::device::store(conn, store_id)
        .unwrap()
        .currency
        .code()
        .to_string();
    let detail: Option<String> = conn
        .query_row(
            "SELECT detail FROM conflicts WHERE kind = 'currency_kept'",
            [],
            |r| r.get(0),
        )
        .ok();
    (currency, detail.map(|d| serde_json::from_str(&d).unwrap()))
}

#[test]
fn a_currency_changed_offline_while_another_device_sold_settles_on_the_first_sales_currency() {
    let (da, db, dc) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    // A sells in euros; B, offline and knowing of no sale, changes the currency to francs
    // and sells in them before it hears of A's sale.
    sell_a_tea(&mut a, &store_id, &admin);
    let changed = set_currency(&mut b, &store_id, &admin, "CHF").unwrap();
    assert_eq!(changed.currency.code(), "CHF");
    let in_francs = sell(
        &mut b,
        &store_id,
        &admin,
        &["MUG-1"],
        1,
        vec![tender(TenderKind::Cash, 2_000, None)],
    );
    let francs: String = b
        .conn()
        .query_row(
            "SELECT currency FROM orders WHERE id = ?1",
            [&in_francs],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(francs, "CHF");
    // B syncs first: what it pulls back is its own; then A's sale reaches it alone, in a page
    // with no change to the store's row.
    log.push(&b);
    let r = log.pull(&mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(currency_state(&b, &store_id), ("CHF".to_string(), None));

    exchange(&mut log, &mut a, &mut b);
    let (on_a, task_a) = currency_state(&a, &store_id);
    let (on_b, task_b) = currency_state(&b, &store_id);
    assert_eq!((on_a.as_str(), on_b.as_str()), ("EUR", "EUR"));
    let task = task_a.expect("a currency task on A");
    assert_eq!(task["kept"], "EUR");
    assert_eq!(task["changed_to"], "CHF");
    assert_eq!(task["sales_in_other_currencies"], 1);
    assert_eq!(task["other_currencies"], "CHF");
    assert_eq!(task_b.as_ref(), Some(&task), "both devices tell the same");
    assert_eq!(
        conflict_rows(a.conn(), "currency_kept"),
        conflict_rows(b.conn(), "currency_kept")
    );

    // The currency is locked on B now that it holds sales, and nothing was written.
    let before = b
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let err = set_currency(&mut b, &store_id, &admin, "GBP").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::CurrencyLocked);
    let after = b
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(before, after);

    // A device joining later hears everything in one page and settles the same way; applying
    // the log again changes nothing.
    let mut c = joined_device(dc.path(), &store_id, "03");
    let report = log.pull(&mut c);
    assert_eq!(report.parked, 0, "{report:?}");
    let (on_c, task_c) = currency_state(&c, &store_id);
    assert_eq!(on_c, "EUR");
    assert_eq!(task_c.as_ref(), Some(&task));
    log.push(&c);
    exchange(&mut log, &mut a, &mut b);
    let r = log.pull(&mut c);
    assert_eq!(r.parked, 0, "{r:?}");
    let (da, db, dc) = (dump(a.conn()), dump(b.conn()), dump(c.conn()));
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|r| !y.contains(r)).cloned().collect()
    };
    assert_eq!((only(&da, &db), only(&db, &da)), (vec![], vec![]));
    assert_eq!((only(&db, &dc), only(&dc, &db)), (vec![], vec![]));
}

#[test]
fn a_currency_changed_and_changed_back_offline_leaves_the_same_answer_whatever_the_pages() {
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(dirs[0].path(), dirs[1].path());
    // A sells in euros; B, offline and knowing of no sale, changes the currency to francs and
    // back to euros, selling nothing in between.
    sell_a_tea(&mut a, &store_id, &admin);
    for code in ["CHF", "EUR"] {
        set_currency(&mut b, &store_id, &admin, code).unwrap();
    }
    log.push(&a);
    log.push(&b);
    // C hears of A's sale and of the change to francs in one page, and of the change back in
    // the next; D hears of everything in one page.
    let first_change_audited = log
        .entries
        .iter()
        .position(|e| {
            e.change.entity == "audit_log" && e.change.payload["action"] == "store.updated"
        })
        .expect("the change to francs, audited");
    let mut c = joined_device(dirs[2].path(), &store_id, "03");
    let (first, rest) = log.entries.split_at(first_change_audited + 1);
    let r = apply_remote(&mut c, first, first.last().unwrap().server_seq).unwrap();
    assert_eq!(r.parked, 0, "{r:?}");
    let (on_c, task_c) = currency_state(&c, &store_id);
    assert_eq!(on_c, "EUR", "the first sale's currency is kept");
    assert_eq!(
        task_c.expect("francs were asked for after a sale")["changed_to"],
        "CHF"
    );
    let r = apply_remote(&mut c, rest, rest.last().unwrap().server_seq).unwrap();
    assert_eq!(r.parked, 0, "{r:?}");
    let mut d = joined_device(dirs[3].path(), &store_id, "04");
    let r = log.pull(&mut d);
    assert_eq!(r.parked, 0, "{r:?}");
    exchange(&mut log, &mut a, &mut b);
    // The currency last asked for is the one kept and nothing was sold in another: no device
    // holds a task, whichever pages it heard the changes in.
    for (name, s) in [("A", &a), ("B", &b), ("C", &c), ("D", &d)] {
        assert_eq!(
            currency_state(s, &store_id),
            ("EUR".to_string(), None),
            "device {name}"
        );
    }
}

#[test]
fn a_currency_changed_before_any_sale_anywhere_is_simply_the_store_currency() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b, mut log, store_id, admin, _) = two_devices(da.path(), db.path());
    set_currency(&mut b, &store_id, &admin, "CHF").unwrap();
    exchange(&mut log, &mut a, &mut b);
    sell_a_tea(&mut a, &store_id, &admin);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        let (currency, task) = currency_state(s, &store_id);
        assert_eq!(currency, "CHF");
        assert_eq!(task, None);
    }
}

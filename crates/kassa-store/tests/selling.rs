//! Selling's decisions are made inside the transaction that acts on them: whatever path calls
//! the store (the till, the CLI, a second process on the same file), a cart is sold once, and a
//! void, a refund above the limit or a discount above it needs its approval.

mod support;

use kassa_domain::ErrorCode;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::Store;
use kassa_store::selling::checkout::{
    CartCheckout, CheckoutRequest, TenderRequest, checkout, checkout_cart,
};
use kassa_store::selling::refund::{RefundRequest, refund};
use kassa_store::selling::{cart, catalog_port};
use std::sync::{Arc, Barrier};

fn cash(amount_minor: i64) -> Vec<TenderRequest> {
    vec![TenderRequest {
        kind: TenderKind::Cash,
        amount_minor,
        card: None,
        voucher_code: None,
    }]
}

/// A cashier, added beside the shop's admin.
fn cashier(store: &mut Store, store_id: &str) -> String {
    store
        .conn()
        .execute(
            "INSERT INTO staff (id, store_id, email, display_name, role, status, password_hash, created_at, updated_at)
             VALUES ('cashier-1', ?1, 'cashier@example.com', 'Cas', 'cashier', 'active', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [store_id],
        )
        .unwrap();
    "cashier-1".to_string()
}

fn sale(store: &mut Store, store_id: &str, skus: &[String], staff_id: &str) -> String {
    checkout(
        store,
        CheckoutRequest {
            lines: support::lines(store, store_id, skus, 1),
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: cash(100_000),
            idempotency_key: None,
            staff_id: staff_id.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id
}

fn orders(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn two_checkouts_of_one_cart_at_once_sell_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 50);
    let cart_id = store
        .write(|tx| {
            let id = cart::current(tx, &admin)?;
            for sku in &skus {
                let item = catalog_port::item_by_code(tx, &store_id, sku)?;
                cart::add(tx, &id, &item, 2)?;
            }
            Ok(id)
        })
        .unwrap();
    drop(store);
    // Two handles on the same file, as two processes would have: both pay at the same moment,
    // with different keys, so neither answers as a replay of the other.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (dir, cart_id, admin, barrier) = (
                dir.path().to_path_buf(),
                cart_id.clone(),
                admin.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                let mut store = support::open(&dir);
                barrier.wait();
                checkout_cart(
                    &mut store,
                    CartCheckout {
                        cart_id,
                        tenders: cash(100_000),
                        idempotency_key: Some(format!("till-{i}")),
                        staff_id: admin,
                    },
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let sold = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(sold, 1, "{results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    let store = support::open(dir.path());
    assert_eq!(orders(&store), 1);
}

#[test]
fn checking_out_a_cart_that_is_not_open_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 50);
    let cart_id = store
        .write(|tx| {
            let id = cart::current(tx, &admin)?;
            let item = catalog_port::item_by_code(tx, &store_id, &skus[0])?;
            cart::add(tx, &id, &item, 1)?;
            cart::park(tx, &id, "later")?;
            Ok(id)
        })
        .unwrap();
    let err = checkout_cart(
        &mut store,
        CartCheckout {
            cart_id,
            tenders: cash(10_000),
            idempotency_key: None,
            staff_id: admin,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(orders(&store), 0);
}

#[test]
fn the_store_refuses_a_void_or_a_refund_above_the_limit_without_an_approval() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 50);
    let cashier = cashier(&mut store, &store_id);
    let order_id = sale(&mut store, &store_id, &skus, &cashier);
    let request = |void: bool| RefundRequest {
        order_id: order_id.clone(),
        lines: Vec::new(),
        reason: Some("asked".into()),
        staff_id: cashier.clone(),
        approver: None,
        idempotency_key: None,
        void,
    };
    // The whole sale (27.97) is above a refund limit of 10.00.
    store
        .write(|tx| {
            kassa_store::foundation::settings::set(
                tx,
                &store_id,
                "sell.refund_limit_minor",
                kassa_domain::settings::SettingValue::Int(1000),
                &admin,
            )
            .map(|_| ())
        })
        .unwrap();
    for void in [true, false] {
        let err = refund(&mut store, request(void)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden, "void {void}: {err:?}");
    }
    let refunds: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM refunds", [], |r| r.get(0))
        .unwrap();
    assert_eq!(refunds, 0);
}

#[test]
fn the_store_refuses_an_unapproved_discount_above_the_limit_at_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 50);
    let cashier = cashier(&mut store, &store_id);
    let mut lines = support::lines(&store, &store_id, &skus[..1], 2);
    lines[0].discount = Discount::Percent(5000);
    let request = |staff_id: &str, approver: Option<&str>| {
        let mut lines = lines.clone();
        lines[0].discount_approver_id = approver.map(str::to_string);
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: cash(10_000),
            idempotency_key: None,
            staff_id: staff_id.to_string(),
            cart_id: None,
        }
    };
    let err = checkout(&mut store, request(&cashier, None)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    assert_eq!(orders(&store), 0);
    // Approved, or sold by someone whose role allows it, it goes through.
    checkout(&mut store, request(&cashier, Some(&admin))).unwrap();
    checkout(&mut store, request(&admin, None)).unwrap();
    assert_eq!(orders(&store), 2);
}

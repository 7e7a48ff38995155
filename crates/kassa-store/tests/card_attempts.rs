//! The ids a checkout takes a card to the provider under (`card_attempts`): the same every
//! time the checkout is retried, and forgotten once no retry needs them: a day after the sale
//! was written, or after thirty days for a checkout that never became a sale.

mod support;

use chrono::{Duration, Utc};
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::selling::cards;
use kassa_store::selling::checkout::{
    Captured, CardDetails, CheckoutRequest, TenderRequest, checkout,
};
use kassa_store::{Clock, FixedClock};
use std::sync::Arc;

#[test]
fn a_checkouts_card_attempt_is_kept_for_its_retries_and_then_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 10);
    let clock = Arc::new(FixedClock::new(Utc::now()));
    store.set_clock(clock.clone() as Arc<dyn Clock>);
    let attempts = |store: &kassa_store::Store| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM card_attempts", [], |r| r.get(0))
            .unwrap()
    };

    // A retry of the same checkout with the same card gets the same ids.
    let first = cards::attempt(&mut store, "checkout-1", "pm_card_visa").unwrap();
    let again = cards::attempt(&mut store, "checkout-1", "pm_card_visa").unwrap();
    assert_eq!(
        (&first.provider_key, &first.order_id, &first.payment_id),
        (&again.provider_key, &again.order_id, &again.payment_id)
    );
    // Another checkout's card is left in the middle: it never becomes a sale.
    cards::attempt(&mut store, "checkout-2", "pm_card_mastercard").unwrap();

    // The first becomes a sale, paid by the card the provider captured.
    let lines = support::lines(&store, &store_id, &skus[..1], 1);
    let amount: i64 = lines.iter().map(|l| l.unit_price_minor).sum();
    let mut attempt = first.clone();
    attempt.captured = Some(Captured {
        intent_id: "pi_1".into(),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
    });
    let sold = checkout(
        &mut store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: vec![TenderRequest {
                kind: TenderKind::Card,
                amount_minor: amount,
                card: Some(CardDetails {
                    brand: None,
                    last4: None,
                    customer_contact: None,
                    token: Some("pm_card_visa".into()),
                    attempt: Some(attempt),
                }),
                voucher_code: None,
            }],
            idempotency_key: Some("checkout-1".into()),
            staff_id: admin.clone(),
            cart_id: None,
        },
    )
    .unwrap();
    assert_eq!(sold.order_id, first.order_id);

    // The same day, both are kept.
    assert_eq!(cards::prune_attempts(store.conn(), clock.now()).unwrap(), 0);
    assert_eq!(attempts(&store), 2);
    // Two days on, the sale's attempt goes; the other stays for the server's reconciliation.
    clock.advance(Duration::days(2));
    assert_eq!(cards::prune_attempts(store.conn(), clock.now()).unwrap(), 1);
    let left: String = store
        .conn()
        .query_row("SELECT idempotency_key FROM card_attempts", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, "checkout-2");
    // Thirty days after it was made, it goes too.
    clock.advance(Duration::days(29));
    assert_eq!(cards::prune_attempts(store.conn(), clock.now()).unwrap(), 1);
    assert_eq!(attempts(&store), 0);
}

//! Card refunds and the card provider, as the store keeps them: a refund's card share waits
//! (`pending`) until the provider's answer is recorded as an outcome of its own (`refunded`,
//! or `failed` with a manager's task); a card taken offline is refunded to the provider only
//! once it was captured; a declined card's share is never sent and is `not_charged`; the
//! outcome reaches the store's other devices. A card the server charged but marked for a
//! manager's review (taken offline beyond the store's limits) opens a task on every device.

mod support;

use kassa_domain::catalog::TaxRate;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::Store;
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::foundation::apply::conflicts as inbox;
use kassa_store::foundation::ids::new_id;
use kassa_store::selling::card_refunds::{self, Outcome, OutcomeStatus};
use kassa_store::selling::cards;
use kassa_store::selling::checkout::{
    Captured, CardDetails, CheckoutRequest, ProviderAttempt, TenderRequest, checkout,
};
use kassa_store::selling::refund::{self, RefundRequest};
use support::sync::{Log, first_device, joined_device, ship};

const MUG: i64 = 1_299;

/// A store with a mug for sale: (store, store id, admin id).
fn till(dir: &std::path::Path) -> (Store, String, String) {
    let (mut store, store_id, admin) = first_device(dir);
    store
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
            let mut d = ProductData::new("MUG-1", "Blue mug", MUG);
            d.tax_class_id = Some(vat);
            d.stock_tracked = false;
            catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
            Ok(())
        })
        .unwrap();
    (store, store_id, admin)
}

/// A sale of one mug paid by card: captured at checkout under PaymentIntent `intent` when
/// given, else taken offline, waiting for the provider. Answers the order's and payment's ids.
fn card_sale(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    intent: Option<&str>,
) -> (String, String) {
    let lines = support::lines(store, store_id, &["MUG-1".to_string()], 1);
    let attempt = intent.map(|i| ProviderAttempt {
        provider_key: new_id(),
        order_id: new_id(),
        payment_id: new_id(),
        captured: Some(Captured {
            intent_id: i.to_string(),
            brand: Some("visa".into()),
            last4: Some("4242".into()),
        }),
    });
    let out = checkout(
        store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: vec![TenderRequest {
                kind: TenderKind::Card,
                amount_minor: MUG,
                card: Some(CardDetails {
                    brand: None,
                    last4: None,
                    customer_contact: Some("cleo@example.com".into()),
                    token: None,
                    attempt,
                }),
                voucher_code: None,
            }],
            idempotency_key: Some(new_id()),
            staff_id: admin.to_string(),
            cart_id: None,
        },
    )
    .unwrap();
    let payment: String = store
        .conn()
        .query_row(
            "SELECT id FROM payments WHERE order_id = ?1",
            [&out.order_id],
            |r| r.get(0),
        )
        .unwrap();
    (out.order_id, payment)
}

/// Refunds everything of `order_id` under `key`.
fn refund_all(store: &mut Store, order_id: &str, admin: &str, key: &str) -> refund::RefundOutcome {
    refund::refund(
        store,
        RefundRequest {
            order_id: order_id.to_string(),
            lines: Vec::new(),
            reason: Some("does not fit the cupboard".into()),
            staff_id: admin.to_string(),
            approver: None,
            idempotency_key: Some(key.to_string()),
            void: false,
        },
    )
    .unwrap()
}

fn provider_says(store: &mut Store, payment_id: &str, status: cards::OutcomeStatus, intent: &str) {
    let outcome = cards::Outcome {
        status,
        intent_id: Some(intent.to_string()),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
        decline_code: (status == cards::OutcomeStatus::Declined).then(|| "card_declined".into()),
        review: None,
    };
    assert!(cards::record_outcome(store, payment_id, &outcome).unwrap());
}

fn refunded(intent: &str) -> Outcome {
    Outcome {
        status: OutcomeStatus::Refunded,
        intent_id: Some(intent.to_string()),
        provider_refund_id: Some("re_1".into()),
        failure_reason: None,
    }
}

#[test]
fn a_card_refund_is_pending_until_the_provider_refunds_it_and_then_refunded_on_every_device() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = till(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let (order, payment) = card_sale(&mut a, &store_id, &admin, Some("pi_mug1"));

    let out = refund_all(&mut a, &order, &admin, "return-1");
    assert_eq!(out.tenders.len(), 1);
    assert_eq!(
        (out.tenders[0].kind.as_str(), out.tenders[0].status.as_str()),
        ("card", "pending")
    );
    let waiting = card_refunds::forwardable(a.conn(), None).unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    let share = &waiting[0];
    assert_eq!(
        (
            share.payment_id.as_str(),
            share.intent_id.as_str(),
            share.amount_minor,
            share.currency.as_str()
        ),
        (payment.as_str(), "pi_mug1", MUG, "EUR")
    );
    assert_eq!(
        card_refunds::forwardable(a.conn(), Some(&out.refund_id)).unwrap(),
        waiting
    );
    assert!(
        card_refunds::forwardable(a.conn(), Some("another-refund"))
            .unwrap()
            .is_empty()
    );

    // The provider refunded it: the share is refunded, on the receipt and when replayed.
    assert!(
        card_refunds::record_outcome(&mut a, &share.refund_payment_id, &refunded("pi_mug1"))
            .unwrap()
    );
    assert!(
        !card_refunds::record_outcome(&mut a, &share.refund_payment_id, &refunded("pi_mug1"))
            .unwrap()
    );
    assert_eq!(
        card_refunds::status(a.conn(), &share.refund_payment_id).unwrap(),
        "refunded"
    );
    let record = refund::load(a.conn(), &out.refund_id).unwrap();
    assert_eq!(record.tenders[0].status, "refunded");
    assert_eq!(record.tenders[0].card_last4.as_deref(), Some("4242"));
    let again = refund_all(&mut a, &order, &admin, "return-1");
    assert!(again.replayed);
    assert_eq!(again.tenders[0].status, "refunded");
    assert!(
        card_refunds::forwardable(a.conn(), None)
            .unwrap()
            .is_empty()
    );

    // The outcome is a ledger row: never changed, never deleted; the refund payment stays as written.
    assert!(
        a.conn()
            .execute("UPDATE refund_outcomes SET status = 'failed'", [])
            .is_err()
    );
    assert!(a.conn().execute("DELETE FROM refund_outcomes", []).is_err());
    let raw: String = a
        .conn()
        .query_row(
            "SELECT status FROM refund_payments WHERE id = ?1",
            [&share.refund_payment_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(raw, "pending");

    // The store's other device receives the sale, the refund and its outcome.
    let report = ship(&mut log, &a, &mut b);
    assert_eq!(report.parked, 0, "{report:?}");
    assert_eq!(
        refund::load(b.conn(), &out.refund_id).unwrap().tenders[0].status,
        "refunded"
    );
    // It did not make the refund, so it never sends it to the provider.
    assert!(
        card_refunds::forwardable(b.conn(), None)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_card_taken_offline_is_refunded_to_the_provider_only_once_it_was_captured() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = till(dir.path());
    let (order, payment) = card_sale(&mut store, &store_id, &admin, None);

    let out = refund_all(&mut store, &order, &admin, "return-offline");
    assert_eq!(out.tenders[0].status, "pending");
    assert!(
        card_refunds::forwardable(store.conn(), None)
            .unwrap()
            .is_empty(),
        "the provider has not charged the card yet: nothing to refund there"
    );

    provider_says(
        &mut store,
        &payment,
        cards::OutcomeStatus::Captured,
        "pi_late",
    );
    let waiting = card_refunds::forwardable(store.conn(), None).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].intent_id, "pi_late");
    assert_eq!(
        card_refunds::status(store.conn(), &waiting[0].refund_payment_id).unwrap(),
        "pending"
    );
}

#[test]
fn a_declined_cards_refund_share_is_not_charged_never_sent_and_lowers_what_the_sale_owes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = till(dir.path());

    // Declined before the refund: the sale owes the mug; the refund takes that debt back.
    let (order, payment) = card_sale(&mut store, &store_id, &admin, None);
    provider_says(
        &mut store,
        &payment,
        cards::OutcomeStatus::Declined,
        "pi_no",
    );
    assert_eq!(cards::balance_owed(store.conn(), &order).unwrap(), MUG);
    let out = refund_all(&mut store, &order, &admin, "return-declined");
    assert_eq!(out.tenders[0].status, "not_charged");
    assert_eq!(cards::balance_owed(store.conn(), &order).unwrap(), 0);
    assert!(
        card_refunds::forwardable(store.conn(), None)
            .unwrap()
            .is_empty()
    );

    // Declined after the refund was written: the waiting share becomes not charged, unsent.
    let (order, payment) = card_sale(&mut store, &store_id, &admin, None);
    let out = refund_all(&mut store, &order, &admin, "return-then-declined");
    assert_eq!(out.tenders[0].status, "pending");
    provider_says(
        &mut store,
        &payment,
        cards::OutcomeStatus::Declined,
        "pi_no2",
    );
    assert_eq!(
        refund::load(store.conn(), &out.refund_id).unwrap().tenders[0].status,
        "not_charged"
    );
    assert!(
        card_refunds::forwardable(store.conn(), None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(cards::balance_owed(store.conn(), &order).unwrap(), 0);
}

#[test]
fn a_card_refund_the_provider_refused_opens_a_task_for_a_manager_on_every_device() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = till(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let (order, _) = card_sale(&mut a, &store_id, &admin, Some("pi_mug2"));
    let out = refund_all(&mut a, &order, &admin, "return-refused");
    let share = card_refunds::forwardable(a.conn(), None).unwrap().remove(0);

    let refused = Outcome {
        status: OutcomeStatus::Failed,
        intent_id: Some("pi_mug2".into()),
        provider_refund_id: None,
        failure_reason: Some("charge_disputed: the charge is disputed".into()),
    };
    assert!(card_refunds::record_outcome(&mut a, &share.refund_payment_id, &refused).unwrap());
    assert_eq!(
        refund::load(a.conn(), &out.refund_id).unwrap().tenders[0].status,
        "failed"
    );
    assert!(
        card_refunds::forwardable(a.conn(), None)
            .unwrap()
            .is_empty()
    );
    let tasks: Vec<_> = inbox::list(a.conn(), false, 100)
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == card_refunds::FAILED_TASK)
        .collect();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].detail["order_id"], order.as_str());
    assert_eq!(tasks[0].detail["refund_id"], out.refund_id.as_str());
    assert_eq!(tasks[0].detail["amount_minor"], MUG);
    assert_eq!(tasks[0].detail["customer_contact"], "cleo@example.com");
    assert_eq!(
        tasks[0].detail["failure_reason"],
        "charge_disputed: the charge is disputed"
    );

    let report = ship(&mut log, &a, &mut b);
    assert_eq!(report.parked, 0, "{report:?}");
    assert_eq!(
        refund::load(b.conn(), &out.refund_id).unwrap().tenders[0].status,
        "failed"
    );
    assert_eq!(
        support::sync::conflicts(b.conn(), card_refunds::FAILED_TASK),
        1
    );
}

#[test]
fn a_card_the_server_marked_for_review_opens_a_task_on_every_device_and_stays_captured() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = till(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    // Taken offline: the server charged it, and says the till broke the offline limits.
    let (order, payment) = card_sale(&mut a, &store_id, &admin, None);
    let why = "taken offline beyond the store's limits: the till's offline card payments still pending came to 1,012.99 EUR with this one, above the cap of 1,000.00 EUR";
    let outcome = cards::Outcome {
        status: cards::OutcomeStatus::Captured,
        intent_id: Some("pi_over".into()),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
        decline_code: None,
        review: Some(why.into()),
    };
    assert!(cards::record_outcome(&mut a, &payment, &outcome).unwrap());
    // Recorded twice (an answer heard again): one task still.
    assert!(!cards::record_outcome(&mut a, &payment, &outcome).unwrap());
    assert_eq!(
        cards::balance_owed(a.conn(), &order).unwrap(),
        0,
        "charged: nothing owed"
    );
    let tasks: Vec<_> = inbox::list(a.conn(), false, 100)
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == cards::REVIEW_TASK)
        .collect();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].detail["order_id"], order.as_str());
    assert_eq!(tasks[0].detail["amount_minor"], MUG);
    assert_eq!(tasks[0].detail["review"], why);
    assert_eq!(tasks[0].detail["customer_contact"], "cleo@example.com");
    assert!(
        tasks[0].detail["cashier"].is_string(),
        "{:?}",
        tasks[0].detail
    );
    // A captured card with no review opens none.
    let (_, plain) = card_sale(&mut a, &store_id, &admin, None);
    provider_says(&mut a, &plain, cards::OutcomeStatus::Captured, "pi_plain");
    assert_eq!(support::sync::conflicts(a.conn(), cards::REVIEW_TASK), 1);
    assert_eq!(support::sync::conflicts(a.conn(), cards::DECLINED_TASK), 0);

    let report = ship(&mut log, &a, &mut b);
    assert_eq!(report.parked, 0, "{report:?}");
    assert_eq!(support::sync::conflicts(b.conn(), cards::REVIEW_TASK), 1);
    let on_b: Vec<_> = inbox::list(b.conn(), false, 100)
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == cards::REVIEW_TASK)
        .collect();
    assert_eq!(on_b[0].id, tasks[0].id, "the same task on both devices");
    assert_eq!(on_b[0].detail["review"], why);
    let review: Option<String> = b
        .conn()
        .query_row(
            "SELECT review FROM payment_outcomes WHERE payment_id = ?1",
            [&payment],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(review.as_deref(), Some(why));
}

#[test]
fn a_finding_to_review_about_a_card_held_here_opens_one_task_and_the_list_is_kept() {
    use kassa_store::selling::card_findings::{self, Finding};
    let dir = tempfile::tempdir().unwrap();
    let (mut a, store_id, admin) = till(dir.path());
    // Paired: the findings come from the store's server.
    a.conn()
        .execute(
            "INSERT INTO sync_state (id, server_url, token_enc, device_code, paired_at)
             VALUES (1, 'http://127.0.0.1:9', x'00', '01', '2026-12-05T00:00:00.000Z')",
            [],
        )
        .unwrap();
    let (order, payment) = card_sale(&mut a, &store_id, &admin, Some("pi_differs"));
    let finding = |kind: &str, payment_id: &str, review: Option<&str>| Finding {
        at: "2026-12-05T10:00:00.000Z".into(),
        finding: kind.into(),
        payment_id: payment_id.into(),
        order_id: order.clone(),
        intent_id: Some("pi_differs".into()),
        amount_minor: MUG,
        currency: "EUR".into(),
        status: "captured".into(),
        review: review.map(str::to_owned),
    };
    assert!(card_findings::stale(a.conn(), a.clock().now()).unwrap());
    let heard = vec![
        finding(
            "amount_differs",
            &payment,
            Some("amount_differs: the provider holds 13.99 EUR, the server 12.99 EUR"),
        ),
        // Nothing to review; and a payment this device does not hold: no task.
        finding("status_reconciled", &payment, None),
        finding(
            "amount_differs",
            "not-here",
            Some("amount_differs: another"),
        ),
    ];
    assert_eq!(card_findings::replace(&mut a, &heard).unwrap(), 1);
    // Heard again: the same task, not a second one.
    assert_eq!(card_findings::replace(&mut a, &heard).unwrap(), 0);
    let tasks: Vec<_> = inbox::list(a.conn(), false, 100)
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == cards::REVIEW_TASK)
        .collect();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].detail["order_id"], order.as_str());
    assert!(
        tasks[0].detail["what"]
            .as_str()
            .unwrap()
            .contains("another amount"),
        "{:?}",
        tasks[0].detail
    );
    let kept = card_findings::list(a.conn()).unwrap();
    assert_eq!(kept.findings.len(), 3);
    assert!(kept.heard_at.is_some());
    assert!(!card_findings::stale(a.conn(), a.clock().now()).unwrap());
    // An empty answer replaces the list, and is remembered as heard.
    card_findings::replace(&mut a, &[]).unwrap();
    let kept = card_findings::list(a.conn()).unwrap();
    assert!(kept.findings.is_empty());
    assert!(kept.heard_at.is_some());
}

//! Card payments, the provider's webhook events, and the store's settings read from the log.

use super::fixtures::*;
use crate::{CardPaymentUpdate, CardStatus, NewCardPayment, Storage, StorageError};

/// A card payment of 1 250 EUR asked for in store A.
pub(super) fn payment_of(key: &str, payment_id: &str, hash: &str, now: &str) -> NewCardPayment {
    payment(key, payment_id, hash, now)
}

/// Keeps the payment under `key` as captured by `intent`.
pub(super) async fn captured_payment(s: &dyn Storage, key: &str, intent: &str, now: &str) {
    s.update_card_payment(captured(key, intent, now))
        .await
        .expect("captured");
}

fn payment(key: &str, payment_id: &str, hash: &str, now: &str) -> NewCardPayment {
    NewCardPayment {
        store_id: STORE_A.into(),
        device_id: DEV_1.into(),
        order_id: format!("order-{payment_id}"),
        payment_id: payment_id.into(),
        idempotency_key: key.into(),
        amount_minor: 1_250,
        currency: "EUR".into(),
        request_hash: hash.into(),
        now: now.into(),
    }
}

fn captured(key: &str, intent: &str, now: &str) -> CardPaymentUpdate {
    CardPaymentUpdate {
        store_id: STORE_A.into(),
        idempotency_key: key.into(),
        intent_id: Some(intent.into()),
        status: CardStatus::Captured,
        brand: Some("visa".into()),
        last4: Some("4242".into()),
        decline_code: None,
        review: None,
        action: "card_payment.captured".into(),
        source: "checkout".into(),
        now: now.into(),
    }
}

pub async fn a_card_payment_asked_twice_with_its_key_is_kept_once(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let (first, new) = s
        .begin_card_payment(payment("key-1", "pay-1", "h1", T1))
        .await
        .expect("begin");
    assert!(new);
    assert_eq!(first.status, CardStatus::Pending);
    assert_eq!(
        (first.amount_minor, first.currency.as_str()),
        (1_250, "EUR")
    );

    let (again, new) = s
        .begin_card_payment(payment("key-1", "pay-1", "h1", T2))
        .await
        .expect("begin again");
    assert!(!new, "a retry finds the payment it made");
    assert_eq!(again, first);

    let other = s
        .begin_card_payment(payment("key-1", "pay-1", "h2", T2))
        .await;
    assert!(
        matches!(other, Err(StorageError::IdempotencyMismatch)),
        "the same key with another request: {other:?}"
    );
    let stolen = s
        .begin_card_payment(payment("key-2", "pay-1", "h3", T2))
        .await;
    assert!(
        matches!(stolen, Err(StorageError::Conflict(_))),
        "one payment id under two keys: {stolen:?}"
    );
    let all = s
        .card_payments_between("2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z")
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
}

pub async fn a_card_payment_keeps_the_providers_answer_and_audits_it(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    s.begin_card_payment(payment("key-1", "pay-1", "h1", T1))
        .await
        .expect("begin");
    let kept = s
        .update_card_payment(captured("key-1", "pi_1", T2))
        .await
        .expect("update");
    assert_eq!(kept.status, CardStatus::Captured);
    assert_eq!(kept.intent_id.as_deref(), Some("pi_1"));
    assert_eq!(
        (kept.brand.as_deref(), kept.last4.as_deref()),
        (Some("visa"), Some("4242"))
    );
    assert_eq!(
        (kept.created_at.as_str(), kept.updated_at.as_str()),
        (T1, T2)
    );

    // A later update that says nothing of the card keeps what is held.
    let mut review = captured("key-1", "pi_1", T3);
    review.brand = None;
    review.last4 = None;
    review.review = Some("amount_differs".into());
    review.action = "card_payment.amount_differs".into();
    let kept = s.update_card_payment(review).await.expect("review");
    assert_eq!(kept.last4.as_deref(), Some("4242"));
    assert_eq!(kept.review.as_deref(), Some("amount_differs"));

    let found = s
        .card_payment_by_intent("pi_1")
        .await
        .expect("by intent")
        .expect("found");
    assert_eq!(found, kept);
    assert_eq!(
        s.card_payment_by_key(STORE_A, "key-1")
            .await
            .expect("by key"),
        Some(kept.clone())
    );
    assert!(
        s.card_payment_by_key(STORE_B, "key-1")
            .await
            .expect("other store")
            .is_none()
    );
    assert!(
        s.card_payment_by_intent("pi_2")
            .await
            .expect("none")
            .is_none()
    );

    let missing = s.update_card_payment(captured("key-9", "pi_9", T3)).await;
    assert!(
        matches!(missing, Err(StorageError::NotFound(_))),
        "{missing:?}"
    );

    let actions: Vec<String> = s
        .audit(STORE_A)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("card_payment."))
        .collect();
    assert_eq!(
        actions,
        [
            "card_payment.requested",
            "card_payment.captured",
            "card_payment.amount_differs"
        ]
    );
}

pub async fn card_payments_are_listed_by_when_they_were_asked(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    for (key, at) in [("k1", T1), ("k2", T2), ("k3", T3)] {
        s.begin_card_payment(payment(key, key, key, at))
            .await
            .expect("begin");
    }
    let keys: Vec<String> = s
        .card_payments_between(T1, T3)
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.idempotency_key)
        .collect();
    assert_eq!(keys, ["k1", "k2"], "from is included, to is not");
}

pub async fn a_provider_event_is_kept_once(s: &dyn Storage) {
    assert!(!s.provider_event_seen("evt_1").await.expect("unseen"));
    assert!(
        s.record_provider_event("evt_1", "payment_intent.succeeded", T1)
            .await
            .expect("first")
    );
    assert!(
        !s.record_provider_event("evt_1", "payment_intent.succeeded", T2)
            .await
            .expect("again")
    );
    assert!(s.provider_event_seen("evt_1").await.expect("seen"));
    assert!(!s.provider_event_seen("evt_2").await.expect("other unseen"));
    assert!(
        s.record_provider_event("evt_2", "charge.refunded", T2)
            .await
            .expect("another")
    );
}

pub async fn a_stores_setting_is_the_latest_its_devices_set(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let key = "payments.offline_card_max_minor";
    assert_eq!(s.latest_setting(STORE_A, key).await.expect("none"), None);
    let setting = |seq: u64, hlc: u64, value: i64| {
        let mut c = change(DEV_1, seq, &cid(DEV_1, seq));
        c.change.entity = "settings".into();
        c.change.entity_id = format!("{STORE_A}:{key}");
        c.change.hlc = hlc;
        c.change.payload = serde_json::json!({"store_id": STORE_A, "key": key, "value": value});
        c
    };
    // The later stamp wins, whatever order the log holds them in.
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "b1",
        vec![setting(1, 20, 9_000), setting(2, 10, 5_000)],
        T2,
    )
    .await
    .expect("push");
    assert_eq!(
        s.latest_setting(STORE_A, key).await.expect("read"),
        Some(serde_json::json!(9_000))
    );
    assert_eq!(
        s.latest_setting(STORE_B, key).await.expect("other store"),
        None
    );
}

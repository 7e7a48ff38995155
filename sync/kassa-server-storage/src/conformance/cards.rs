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
        taken_offline_at: None,
        now: now.into(),
    }
}

/// A card payment of `amount` that `device` took offline at `taken`, forwarded at `now`.
fn offline(device: &str, key: &str, amount: i64, taken: &str, now: &str) -> NewCardPayment {
    NewCardPayment {
        device_id: device.into(),
        amount_minor: amount,
        taken_offline_at: Some(taken.into()),
        ..payment(key, &format!("pay-{key}"), &format!("h-{key}"), now)
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

pub async fn a_devices_offline_exposure_counts_what_it_still_had_pending(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    const AT_0900: &str = "2026-03-01T09:00:00.000Z";
    const AT_0905: &str = "2026-03-01T09:05:00.000Z";
    const AT_0910: &str = "2026-03-01T09:10:00.000Z";
    const AT_0930: &str = "2026-03-01T09:30:00.000Z";
    // Taken offline at 09:00 and forwarded at 09:20: pending on the till until then.
    for p in [
        offline(DEV_1, "a", 4_000, AT_0900, "2026-03-01T09:20:00.000Z"),
        // Taken at 09:05, forwarded at 11:00.
        offline(DEV_1, "b", 3_000, AT_0905, T3),
        // Another till's offline card counts for that till only.
        offline(DEV_2, "c", 9_000, AT_0900, T3),
    ] {
        s.begin_card_payment(p).await.expect("begin");
    }
    // An online payment never counts.
    s.begin_card_payment(payment("d", "pay-d", "h-d", AT_0900))
        .await
        .expect("online");
    let at = |taken: &'static str, after: &'static str, except: &'static str| {
        s.offline_card_exposure(STORE_A, DEV_1, taken, after, except)
    };
    assert_eq!(at(AT_0910, AT_0910, "x").await.expect("sum"), 7_000);
    // A payment taken before the first was forwarded: the first still counted.
    assert_eq!(at(AT_0905, AT_0905, "b").await.expect("sum"), 4_000);
    // After 09:20 the first was settled for the till: only the second counts.
    assert_eq!(at(AT_0930, AT_0930, "x").await.expect("sum"), 3_000);
    // Nothing was taken before 09:00 but the first itself.
    assert_eq!(at(AT_0900, AT_0900, "a").await.expect("sum"), 0);
    assert_eq!(
        s.offline_card_exposure(STORE_B, DEV_1, AT_0930, AT_0900, "x")
            .await
            .expect("another store"),
        0
    );
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

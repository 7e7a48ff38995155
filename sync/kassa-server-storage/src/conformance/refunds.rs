//! Refunds of card payments: kept once per refund payment id, never above what the intent
//! captured less its pending and refunded refunds, and the provider's answer audited.

use super::cards::{captured_payment, payment_of};
use super::fixtures::*;
use crate::{CardRefundUpdate, NewCardRefund, RefundStatus, Storage, StorageError};

fn refund(id: &str, amount: i64, hash: &str, now: &str) -> NewCardRefund {
    NewCardRefund {
        store_id: STORE_A.into(),
        device_id: DEV_1.into(),
        refund_payment_id: id.into(),
        payment_id: "pay-1".into(),
        intent_id: "pi_1".into(),
        amount_minor: amount,
        currency: "EUR".into(),
        request_hash: hash.into(),
        now: now.into(),
    }
}

fn answer(id: &str, status: RefundStatus, now: &str) -> CardRefundUpdate {
    CardRefundUpdate {
        store_id: STORE_A.into(),
        refund_payment_id: id.into(),
        status,
        provider_refund_id: (status == RefundStatus::Refunded).then(|| format!("re_{id}")),
        failure_reason: (status == RefundStatus::Failed).then(|| "charge_disputed".into()),
        now: now.into(),
    }
}

pub async fn a_card_refund_is_kept_once_and_never_above_what_was_captured(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    // Nothing captured yet: there is nothing to refund.
    s.begin_card_payment(payment_of("key-1", "pay-1", "h1", T1))
        .await
        .expect("begin payment");
    let early = s.begin_card_refund(refund("rp-0", 100, "r0", T1)).await;
    assert!(matches!(early, Err(StorageError::NotFound(_))), "{early:?}");
    captured_payment(s, "key-1", "pi_1", T1).await;

    let (first, new) = s
        .begin_card_refund(refund("rp-1", 1_000, "r1", T2))
        .await
        .expect("begin refund");
    assert!(new);
    assert_eq!(first.status, RefundStatus::Pending);
    let (again, new) = s
        .begin_card_refund(refund("rp-1", 1_000, "r1", T3))
        .await
        .expect("again");
    assert!(!new, "a retry finds the refund it made");
    assert_eq!(again, first);
    let other = s.begin_card_refund(refund("rp-1", 999, "r1b", T3)).await;
    assert!(
        matches!(other, Err(StorageError::IdempotencyMismatch)),
        "{other:?}"
    );

    // 1 250 captured, 1 000 pending: 251 does not fit, and nothing is kept.
    let over = s.begin_card_refund(refund("rp-2", 251, "r2", T2)).await;
    assert!(
        matches!(
            over,
            Err(StorageError::RefundExceedsCaptured {
                asked_minor: 251,
                captured_minor: 1_250,
                available_minor: 250
            })
        ),
        "{over:?}"
    );
    assert_eq!(
        s.card_refunds_of_intent("pi_1").await.expect("list").len(),
        1
    );

    // A refused refund gives its amount back; a refunded one keeps it.
    let failed = s
        .finish_card_refund(answer("rp-1", RefundStatus::Failed, T3))
        .await
        .expect("failed");
    assert_eq!(failed.failure_reason.as_deref(), Some("charge_disputed"));
    s.begin_card_refund(refund("rp-3", 1_250, "r3", T3))
        .await
        .expect("the whole amount fits again");
    let done = s
        .finish_card_refund(answer("rp-3", RefundStatus::Refunded, T3))
        .await
        .expect("refunded");
    assert_eq!(done.provider_refund_id.as_deref(), Some("re_rp-3"));
    let more = s.begin_card_refund(refund("rp-4", 1, "r4", T3)).await;
    assert!(
        matches!(more, Err(StorageError::RefundExceedsCaptured { .. })),
        "{more:?}"
    );

    // Another store cannot refund this store's payment.
    let mut stranger = refund("rp-5", 1, "r5", T3);
    stranger.store_id = STORE_B.into();
    assert!(s.begin_card_refund(stranger).await.is_err());

    let missing = s
        .finish_card_refund(answer("rp-9", RefundStatus::Refunded, T3))
        .await;
    assert!(
        matches!(missing, Err(StorageError::NotFound(_))),
        "{missing:?}"
    );

    let kept: Vec<(String, RefundStatus)> = s
        .card_refunds_of_intent("pi_1")
        .await
        .expect("list")
        .into_iter()
        .map(|r| (r.refund_payment_id, r.status))
        .collect();
    assert_eq!(
        kept,
        [
            ("rp-1".to_string(), RefundStatus::Failed),
            ("rp-3".to_string(), RefundStatus::Refunded)
        ]
    );
    let actions: Vec<String> = s
        .audit(STORE_A)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("card_refund."))
        .collect();
    assert_eq!(
        actions,
        [
            "card_refund.requested",
            "card_refund.failed",
            "card_refund.requested",
            "card_refund.refunded"
        ]
    );
}

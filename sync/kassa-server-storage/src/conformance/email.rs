//! Emails: kept from pushes, taken once by a sender, finished, listed and counted.

use super::fixtures::*;
use crate::{EmailOutcome, EmailStatus, Storage, StorageError};
use kassa_sync_protocol::wire::PushedChange;
use kassa_sync_protocol::{Change, ChangeOp};

fn email_change(device: &str, seq: u64, email_id: &str, to: &str) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: cid(device, seq),
            entity: "email_outbox".into(),
            entity_id: email_id.into(),
            op: ChangeOp::Insert,
            payload: serde_json::json!({
                "kind": "receipt", "to_address": to, "subject": "Receipt S1-01-1",
                "body_html": "<p>Thanks</p>", "ref_id": "order-1", "status": "queued",
                "created_at": T1,
            }),
            hlc: (1_700_000_000_000u64 << 16) | seq,
            device_id: device.into(),
        },
    }
}

fn language_change(device: &str, seq: u64, store_id: &str, value: &str, hlc: u64) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: cid(device, seq),
            entity: "settings".into(),
            entity_id: format!("{store_id}:receipt.language"),
            op: ChangeOp::Upsert,
            payload: serde_json::json!({"store_id": store_id, "key": "receipt.language", "value": value}),
            hlc,
            device_id: device.into(),
        },
    }
}

const E1: &str = "0190e000-0000-7000-8000-000000000001";
const E2: &str = "0190e000-0000-7000-8000-000000000002";
const LEASE: &str = "2026-03-01T09:35:00.000Z";

pub async fn a_pushed_email_is_queued_and_taken_by_one_sender(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    new_store(s, STORE_B, DEV_B).await;
    let batch = vec![
        change(DEV_1, 1, &cid(DEV_1, 1)),
        email_change(DEV_1, 2, E1, "ann@example.com"),
        language_change(DEV_1, 3, STORE_A, "de", 1_700_000_000_000u64 << 16),
    ];
    push_changes(s, STORE_A, DEV_1, "b1", batch.clone(), T1)
        .await
        .expect("push");
    // A replay keeps nothing twice.
    push_changes(s, STORE_A, DEV_1, "b1", batch, T1)
        .await
        .expect("replay");
    push_changes(
        s,
        STORE_B,
        DEV_B,
        "b1",
        vec![email_change(DEV_B, 1, E2, "bob@example.com")],
        T2,
    )
    .await
    .expect("push");

    let a = s.emails(Some(STORE_A), None).await.expect("emails");
    assert_eq!(a.len(), 1, "one email in store A: {a:?}");
    assert_eq!(a[0].id, E1);
    assert_eq!(a[0].to_address, "ann@example.com");
    assert_eq!(a[0].kind, "receipt");
    assert_eq!(a[0].ref_id.as_deref(), Some("order-1"));
    assert_eq!(a[0].device_id, DEV_1);
    assert_eq!(a[0].status, EmailStatus::Queued);
    assert_eq!(a[0].attempts, 0);
    assert_eq!(s.emails(None, None).await.expect("all").len(), 2);

    // Only what is due is taken: store B's email was queued at T2.
    let jobs = s.claim_emails(T1, LEASE, 10).await.expect("claim");
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.record.id, E1);
    assert_eq!(job.record.status, EmailStatus::Sending);
    assert_eq!(job.record.attempts, 1);
    assert_eq!(job.store_name, "Shop 0a");
    assert_eq!(job.language.as_deref(), Some("de"));
    assert_eq!(job.payload["body_html"], "<p>Thanks</p>");
    // Taken: a second sender finds nothing until the lease runs out.
    assert!(
        s.claim_emails(T1, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let counts = s.email_counts().await.expect("counts");
    assert_eq!((counts.queued, counts.sending), (1, 1));

    let jobs = s
        .claim_emails(T2, T3, 10)
        .await
        .expect("claim after the lease");
    assert_eq!(
        jobs.len(),
        2,
        "store A's again after its lease, and store B's"
    );
    assert_eq!(jobs[0].record.attempts, 2);
    assert_eq!(jobs[1].language, None, "store B never set a language");
}

pub async fn an_attempt_ends_sent_retried_or_failed(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "b1",
        vec![
            email_change(DEV_1, 1, E1, "ann@example.com"),
            email_change(DEV_1, 2, E2, "bob@example.com"),
        ],
        T1,
    )
    .await
    .expect("push");
    assert_eq!(s.claim_emails(T1, LEASE, 10).await.expect("claim").len(), 2);
    s.finish_email(
        STORE_A,
        E1,
        EmailOutcome::Retry {
            error: "451 try later".into(),
            next_attempt_at: T2.into(),
        },
        T1,
    )
    .await
    .expect("retry");
    s.finish_email(
        STORE_A,
        E2,
        EmailOutcome::Failed {
            error: "550 no such mailbox".into(),
        },
        T1,
    )
    .await
    .expect("failed");
    let all = s.emails(Some(STORE_A), None).await.expect("emails");
    assert_eq!(all[0].status, EmailStatus::Queued);
    assert_eq!(all[0].last_error.as_deref(), Some("451 try later"));
    assert_eq!(all[0].next_attempt_at, T2);
    assert_eq!(all[1].status, EmailStatus::Failed);
    assert_eq!(all[1].last_error.as_deref(), Some("550 no such mailbox"));
    // A failed email is never taken again; the retried one waits for its time.
    assert!(
        s.claim_emails(T1, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let jobs = s.claim_emails(T2, T3, 10).await.expect("claim");
    assert_eq!(jobs.len(), 1);
    s.finish_email(STORE_A, E1, EmailOutcome::Sent, T2)
        .await
        .expect("sent");
    let all = s.emails(Some(STORE_A), None).await.expect("emails");
    assert_eq!(all[0].status, EmailStatus::Sent);
    // Only what changed at or after a time: E1 was sent at T2, E2 failed at T1.
    let changed = s.emails(Some(STORE_A), Some(T2)).await.expect("emails");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].id, E1);
    assert_eq!(all[0].attempts, 2);
    assert_eq!(all[0].sent_at.as_deref(), Some(T2));
    let counts = s.email_counts().await.expect("counts");
    assert_eq!(
        (counts.queued, counts.sending, counts.sent, counts.failed),
        (0, 0, 1, 1)
    );
    assert!(matches!(
        s.finish_email(
            STORE_A,
            "0190e000-0000-7000-8000-0000000000ff",
            EmailOutcome::Sent,
            T2
        )
        .await,
        Err(StorageError::NotFound(_))
    ));
}

pub async fn the_newest_receipt_language_wins_by_its_stamp(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    let base = 1_700_000_000_000u64 << 16;
    push_changes(
        s,
        STORE_A,
        DEV_1,
        "b1",
        vec![
            language_change(DEV_1, 1, STORE_A, "de", base + 10),
            email_change(DEV_1, 2, E1, "ann@example.com"),
        ],
        T1,
    )
    .await
    .expect("push");
    // An older change arriving later does not win.
    push_changes(
        s,
        STORE_A,
        DEV_2,
        "b1",
        vec![language_change(DEV_2, 1, STORE_A, "en", base + 5)],
        T1,
    )
    .await
    .expect("push");
    let jobs = s.claim_emails(T1, LEASE, 10).await.expect("claim");
    assert_eq!(jobs[0].language.as_deref(), Some("de"));
    s.finish_email(STORE_A, E1, EmailOutcome::Sent, T1)
        .await
        .expect("sent");
    push_changes(
        s,
        STORE_A,
        DEV_2,
        "b2",
        vec![
            language_change(DEV_2, 2, STORE_A, "en", base + 20),
            email_change(DEV_2, 3, E2, "bob@example.com"),
        ],
        T1,
    )
    .await
    .expect("push");
    let jobs = s.claim_emails(T1, LEASE, 10).await.expect("claim");
    assert_eq!(jobs[0].language.as_deref(), Some("en"));
}

//! Sync commands a device answers without a server: status before pairing, pairing with a
//! server that cannot be reached or may not be trusted, and syncing before pairing.

mod common;

use common::Device;
use kassa_app::dto::{NoInput, SyncPairInput};

fn pair(d: &Device, url: &str) -> kassa_app::ApiResult<kassa_app::dto::SyncPairOutput> {
    d.api.sync_pair(SyncPairInput {
        server_url: url.into(),
        code: "PAIR-1".into(),
        device_name: None,
    })
}

#[test]
fn a_device_not_paired_says_so_and_keeps_its_outbox_when_asked_to_sync() {
    let d = Device::demo();
    d.sign_in("cashier");
    let status = d.api.sync_status(NoInput {}).unwrap();
    assert_eq!(status.state, "not_paired");
    assert!(status.paired.is_none() && status.last_error.is_none());
    assert!(status.pending_changes > 0);

    let before = d.footprint();
    let err = d.api.sync_now(NoInput {}).unwrap_err();
    assert_eq!(err.code, "not_paired");
    assert!(err.message.contains("kassa pair"), "{}", err.message);
    assert_eq!(d.footprint(), before);
}

#[test]
fn pairing_with_a_server_that_cannot_be_reached_changes_nothing() {
    let d = Device::demo();
    d.sign_in("admin");
    let before = d.footprint();
    // Nothing listens on port 1 of this machine.
    let err = pair(&d, "http://127.0.0.1:1").unwrap_err();
    assert_eq!(err.code, "server_unreachable");
    assert!(err.message.contains("127.0.0.1:1"), "{}", err.message);
    assert_eq!(d.footprint(), before);
    assert_eq!(d.api.sync_status(NoInput {}).unwrap().state, "not_paired");
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let d = Device::demo();
    d.sign_in("admin");
    let err = pair(&d, "http://sync.example.com").unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert!(err.message.contains("https://"), "{}", err.message);
    assert_eq!(d.api.sync_status(NoInput {}).unwrap().state, "not_paired");
}

#[test]
fn only_an_admin_pairs_or_lists_devices() {
    let d = Device::demo();
    d.sign_in("manager");
    assert_eq!(
        pair(&d, "https://sync.example.com").unwrap_err().code,
        "forbidden"
    );
    assert_eq!(
        d.api.devices_list(NoInput {}).unwrap_err().code,
        "forbidden"
    );
}

fn sell_one(d: &Device) -> String {
    use kassa_app::dto::{SellInput, SellLineInput, TenderInput};
    d.api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "BAK-CROI".into(),
                quantity: 2,
            }],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount_minor: 100_000,
                card_brand: None,
                card_last4: None,
                customer_contact: None,
                card_token: None,
                voucher_code: None,
            }],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap()
        .order_id
}

#[test]
fn the_outbox_groups_what_waits_by_kind_and_a_sale_shows_under_sales() {
    use kassa_app::dto::OutboxKindDto;
    let d = Device::demo();
    d.sign_in("cashier");
    let before = d.api.outbox_summary(NoInput {}).unwrap();
    // The demo's eight weeks of sales wait too, never synced.
    let history = before
        .groups
        .iter()
        .find(|g| g.kind == OutboxKindDto::Sales)
        .map_or(0, |g| g.records);
    assert!(history > 300, "the demo's history waits: {history}");
    assert!(
        before
            .groups
            .iter()
            .any(|g| g.kind == OutboxKindDto::Catalog)
    );
    sell_one(&d);
    sell_one(&d);
    let after = d.api.outbox_summary(NoInput {}).unwrap();
    let sales = after
        .groups
        .iter()
        .find(|g| g.kind == OutboxKindDto::Sales)
        .expect("the sales wait");
    assert_eq!(sales.records, history + 2, "two more sales: {sales:?}");
    assert!(sales.oldest_at <= sales.newest_at);
    let total: u64 = after.groups.iter().map(|g| g.changes).sum();
    assert_eq!(total, after.pending_changes);
    assert_eq!(
        after.pending_changes,
        d.api.sync_status(NoInput {}).unwrap().pending_changes
    );
}

#[test]
fn the_outbox_is_shown_only_to_someone_signed_in() {
    let d = Device::demo();
    assert_eq!(
        d.api.outbox_summary(NoInput {}).unwrap_err().code,
        "unauthenticated"
    );
}

#[test]
fn a_local_write_wakes_the_background_sync_and_an_unpaired_device_does_not_sync() {
    use kassa_app::sync_worker::{Attempt, Waiter, Woke};
    use std::time::Duration;
    let d = Device::demo();
    d.sign_in("cashier");
    let signal = d.api.sync_signal();
    // The demo's own writes nudged it; this wait takes that nudge.
    let _ = signal.wait(Duration::from_millis(1), true);
    assert_eq!(signal.wait(Duration::from_millis(1), true), Woke::TimedOut);
    sell_one(&d);
    assert_eq!(signal.wait(Duration::from_secs(3600), true), Woke::Nudged);
    // Reading writes nothing and wakes nothing.
    d.api.outbox_summary(NoInput {}).unwrap();
    assert_eq!(signal.wait(Duration::from_millis(1), true), Woke::TimedOut);

    let before = d.footprint();
    assert_eq!(d.api.sync_in_background(), Attempt::NotPaired);
    assert_eq!(d.footprint(), before);
    let status = d.api.sync_status(NoInput {}).unwrap();
    assert_eq!(status.state, "not_paired");
    assert_eq!((status.open_conflicts, status.pull_remaining), (0, None));
}

#[test]
fn the_background_sync_starts_and_stops_with_its_handle() {
    let d = Device::demo();
    let api = std::sync::Arc::new(d.api);
    let worker = kassa_app::sync_worker::SyncWorker::start(api.clone()).unwrap();
    // Dropping the handle stops the thread at its next wait and joins it.
    drop(worker);
    assert_eq!(std::sync::Arc::strong_count(&api), 1);
}

#[test]
fn only_managers_decide_conflicts_and_a_bad_decision_changes_nothing() {
    use kassa_app::dto::ConflictResolveInput;
    let d = Device::demo();
    let decide = |id: &str, text: &str| {
        d.api.conflict_resolve(ConflictResolveInput {
            conflict_id: id.into(),
            resolution: text.into(),
        })
    };
    d.sign_in("cashier");
    assert_eq!(
        decide("c-1", "kept the void").unwrap_err().code,
        "forbidden"
    );
    d.api.logout(NoInput {}).unwrap();
    d.sign_in("manager");
    let before = d.footprint();
    assert_eq!(
        decide("c-1", "kept the void").unwrap_err().code,
        "not_found"
    );
    assert_eq!(decide("c-1", "  ").unwrap_err().code, "invalid_input");
    assert_eq!(
        decide("c-1", &"x".repeat(501)).unwrap_err().code,
        "invalid_input"
    );
    assert_eq!(d.footprint(), before);
}

#[test]
fn only_an_admin_of_a_paired_device_makes_pairing_codes() {
    let d = Device::demo();
    d.sign_in("manager");
    assert_eq!(
        d.api.device_pairing_code(NoInput {}).unwrap_err().code,
        "forbidden"
    );
    d.api.logout(NoInput {}).unwrap();
    d.sign_in("admin");
    let before = d.footprint();
    assert_eq!(
        d.api.device_pairing_code(NoInput {}).unwrap_err().code,
        "not_paired"
    );
    assert_eq!(d.footprint(), before);
}

/// Managers see every email the server sends for the store and where it stands: waiting on
/// this device until a sync, then as the server last told it (sent, or failed with why).
#[test]
fn managers_see_each_email_waiting_sent_or_failed_with_the_servers_reason() {
    use kassa_app::dto::{EmailsListInput, ReceiptEmailInput};
    let d = Device::demo();
    d.sign_in("manager");
    let before = d.api.emails_list(EmailsListInput::default()).unwrap();
    let mut ids = Vec::new();
    for to in ["erika@example.com", "max@example.com"] {
        let order_id = sell_one(&d);
        d.api
            .receipt_email(ReceiptEmailInput {
                order_id,
                to: to.into(),
            })
            .unwrap();
    }
    let all = d.api.emails_list(EmailsListInput::default()).unwrap();
    assert_eq!(all.waiting, before.waiting + 2);
    // Newest first, waiting here for the next sync.
    assert_eq!(all.emails[0].to, "max@example.com");
    assert_eq!(all.emails[1].to, "erika@example.com");
    for e in &all.emails[..2] {
        assert_eq!(e.status, "queued");
        assert!(!e.on_server);
        assert_eq!(e.kind, "receipt");
        ids.push(e.id.clone());
    }

    // What the server said at a sync (device-local, as the sync engine keeps it).
    let db = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    db.execute(
        "INSERT INTO email_delivery (id, status, attempts, last_error, sent_at, updated_at)
         VALUES (?1, 'failed', 5, '550 5.1.1 mailbox unavailable', NULL, '2026-11-22T09:30:00.000Z'),
                (?2, 'sent', 1, NULL, '2026-11-22T09:31:00.000Z', '2026-11-22T09:31:00.000Z')",
        [&ids[0], &ids[1]],
    )
    .unwrap();
    drop(db);
    let failed = d
        .api
        .emails_list(EmailsListInput {
            filter: Some("failed".into()),
            limit: None,
        })
        .unwrap();
    assert_eq!(failed.failed, before.failed + 1);
    assert_eq!(failed.emails.len() as i64, failed.failed);
    assert_eq!(failed.emails[0].id, ids[0]);
    assert_eq!(failed.emails[0].to, "max@example.com");
    assert!(failed.emails[0].on_server);
    assert_eq!(failed.emails[0].attempts, 5);
    assert_eq!(
        failed.emails[0].last_error.as_deref(),
        Some("550 5.1.1 mailbox unavailable")
    );
    let sent = d
        .api
        .emails_list(EmailsListInput {
            filter: Some("sent".into()),
            limit: Some(1),
        })
        .unwrap();
    assert_eq!(sent.emails.len(), 1);
    assert_eq!(sent.emails[0].id, ids[1]);
    assert_eq!(
        sent.emails[0].sent_at.as_deref(),
        Some("2026-11-22T09:31:00.000Z")
    );
    assert_eq!(sent.waiting, before.waiting);

    let bad = d
        .api
        .emails_list(EmailsListInput {
            filter: Some("bounced".into()),
            limit: None,
        })
        .unwrap_err();
    assert_eq!(bad.code, "invalid_input");
    d.sign_in("cashier");
    assert_eq!(
        d.api
            .emails_list(EmailsListInput::default())
            .unwrap_err()
            .code,
        "forbidden"
    );
}

//! Card refunds paid back through the card provider: the real server (with its Stripe adapter)
//! over HTTP, localstripe behind its stand-in, and the device's own store and sync engine. A
//! refund of a captured card goes to the provider once however often it is forwarded; one
//! written while the server was out of reach (or before its card was captured) is forwarded
//! at the next sync; more than the card captured is refused and changes nothing; a declined
//! card's share never reaches the provider; the store's other devices see the outcomes.

#[allow(dead_code)]
mod cards_rig;
#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;

use cards_rig::{card_sale, open, query, refund_all, rig, shop};

use chrono::Utc;
use kassa_domain::ErrorCode;
use kassa_localstripe::{refunds_of, terminal};
use kassa_server::{issue_pairing_code, open_storage};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{RefundStatus, Storage};
use kassa_store::Store;
use kassa_store::foundation::apply::conflicts;
use kassa_store::foundation::ids::new_id;
use kassa_store::foundation::sync_state;
use kassa_store::selling::card_refunds;
use kassa_store::selling::order;
use kassa_store::selling::refund;
use kassa_sync_client::{HttpTransport, forward_refunds, join, pair, sync_once};
use kassa_sync_protocol::wire::CardRefundRequest;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The card share of a refund as the device holds it: (status, refund payment id).
fn card_share(store: &Mutex<Store>, refund_id: &str) -> (String, String) {
    let s = store.lock().unwrap();
    let id: String = s
        .conn()
        .query_row(
            "SELECT id FROM refund_payments WHERE refund_id = ?1 AND kind = 'card'",
            [refund_id],
            |r| r.get(0),
        )
        .unwrap();
    (card_refunds::status(s.conn(), &id).unwrap(), id)
}

/// The PaymentIntent of the order's card payment, as the device learned it.
fn intent_of(store: &Mutex<Store>, order_id: &str) -> String {
    count_text(
        store,
        &format!("SELECT po.intent_id FROM payment_outcomes po WHERE po.order_id = '{order_id}'"),
    )
}

fn count_text(store: &Mutex<Store>, sql: &str) -> String {
    query(store, sql)
}

fn count(store: &Mutex<Store>, sql: &str) -> i64 {
    query(store, sql)
}

#[tokio::test]
async fn card_refunds_reach_the_provider_once_never_above_what_was_captured_and_every_device_sees_them()
 {
    refunds_story(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_refund_story_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = open_storage(Some(&db.url), Path::new("/nonexistent"))
        .await
        .unwrap();
    assert_eq!(storage.backend(), "postgres");
    refunds_story(storage).await;
}

/// Online, repeated, above the captured amount, offline then synced, of a card captured only
/// at that sync, of a declined card, and seen by a second till, on the server over `storage`.
async fn refunds_story(storage: Arc<dyn Storage>) {
    let rig = rig(storage).await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), 1);
    let (store_id, admin) = shop(&mut store);
    let store = Mutex::new(store);
    let transport = HttpTransport::new(&rig.url).unwrap();
    let code = issue_pairing_code(&*rig.storage, None, Utc::now())
        .await
        .unwrap()
        .code;
    pair(
        &store,
        &transport,
        &rig.url,
        &code,
        Some("Till 1"),
        Some(&admin),
    )
    .await
    .unwrap();
    let token = sync_state::credentials(&store.lock().unwrap())
        .unwrap()
        .token;

    // Three teas paid by card and a fourth by a card that will be declined; the provider
    // answers them at the next sync.
    let (online, later, over, declined) = {
        let mut s = store.lock().unwrap();
        (
            card_sale(&mut s, &store_id, &admin, terminal::VISA, Some("tea-1")),
            card_sale(&mut s, &store_id, &admin, terminal::VISA, Some("tea-2")),
            card_sale(&mut s, &store_id, &admin, terminal::VISA, Some("tea-3")),
            card_sale(&mut s, &store_id, &admin, terminal::DECLINED, Some("tea-4")),
        )
    };
    assert_eq!(sync_once(&store, &transport).await.unwrap().cards, 4);
    let intent = intent_of(&store, &online);

    // Online: the refund goes to the provider right after it is written and ends refunded.
    let r1 = refund_all(&store, &online, &admin);
    assert_eq!(r1.tenders[0].status, "pending");
    assert_eq!(
        forward_refunds(&store, &transport, Some(&r1.refund_id))
            .await
            .unwrap(),
        1
    );
    let (status, share) = card_share(&store, &r1.refund_id);
    assert_eq!(status, "refunded");
    assert_eq!(
        refund::load(store.lock().unwrap().conn(), &r1.refund_id)
            .unwrap()
            .tenders[0]
            .status,
        "refunded"
    );

    // Forwarded again (a retry after a crash, by the engine and by hand): one refund only.
    assert_eq!(
        forward_refunds(&store, &transport, Some(&r1.refund_id))
            .await
            .unwrap(),
        0
    );
    let again = CardRefundRequest {
        refund_payment_id: share.clone(),
        payment_id: count_text(
            &store,
            &format!("SELECT id FROM payments WHERE order_id = '{online}'"),
        ),
        intent_id: intent.clone(),
        amount_minor: 1_250,
        currency: "EUR".into(),
    };
    let first = transport.refund_card(&token, &again).await.unwrap();
    let second = transport.refund_card(&token, &again).await.unwrap();
    assert_eq!(first.status, "refunded");
    assert_eq!(first, second);
    let held = refunds_of(rig.stripe.localstripe_url(), &intent).await;
    assert_eq!(
        held.len(),
        1,
        "exactly one refund at the provider: {held:?}"
    );
    assert_eq!(held[0]["amount"], 1_250);
    assert_eq!(
        Some(held[0]["id"].as_str().unwrap()),
        first.provider_refund_id.as_deref()
    );
    let kept = rig.storage.card_refunds_of_intent(&intent).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].status, RefundStatus::Refunded);

    // More than the card captured is refused, and nothing is kept or refunded.
    let over_intent = intent_of(&store, &over);
    let over_payment = count_text(
        &store,
        &format!("SELECT id FROM payments WHERE order_id = '{over}'"),
    );
    let too_much = CardRefundRequest {
        refund_payment_id: new_id(),
        payment_id: over_payment.clone(),
        intent_id: over_intent.clone(),
        amount_minor: 1_251,
        currency: "EUR".into(),
    };
    let refused = transport.refund_card(&token, &too_much).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput, "{refused:?}");
    assert!(refused.message.contains("1250"), "{}", refused.message);
    // A part fits; then the rest of it does, and not a minor unit more.
    let part = CardRefundRequest {
        refund_payment_id: new_id(),
        amount_minor: 1_000,
        ..too_much.clone()
    };
    assert_eq!(
        transport.refund_card(&token, &part).await.unwrap().status,
        "refunded"
    );
    let more = CardRefundRequest {
        refund_payment_id: new_id(),
        amount_minor: 251,
        ..too_much.clone()
    };
    assert_eq!(
        transport.refund_card(&token, &more).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        rig.storage
            .card_refunds_of_intent(&over_intent)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &over_intent)
            .await
            .len(),
        1
    );
    // Another store's PaymentIntent, or one never captured, is not this device's to refund.
    let unknown = CardRefundRequest {
        refund_payment_id: new_id(),
        intent_id: "pi_unknown".into(),
        ..too_much.clone()
    };
    assert_eq!(
        transport
            .refund_card(&token, &unknown)
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // Bad input is a typed refusal and changes nothing.
    for bad in [
        CardRefundRequest {
            refund_payment_id: new_id(),
            amount_minor: 0,
            ..too_much.clone()
        },
        CardRefundRequest {
            refund_payment_id: new_id(),
            amount_minor: -5,
            ..too_much.clone()
        },
        CardRefundRequest {
            refund_payment_id: "not-an-id".into(),
            amount_minor: 1,
            ..too_much.clone()
        },
        CardRefundRequest {
            refund_payment_id: new_id(),
            intent_id: "../v1/charges".into(),
            amount_minor: 1,
            ..too_much.clone()
        },
        CardRefundRequest {
            refund_payment_id: new_id(),
            currency: "USD".into(),
            amount_minor: 1,
            ..too_much.clone()
        },
        CardRefundRequest {
            refund_payment_id: new_id(),
            currency: "eur".into(),
            amount_minor: 1,
            ..too_much.clone()
        },
    ] {
        let e = transport.refund_card(&token, &bad).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad:?}: {e:?}");
    }
    assert_eq!(
        rig.storage
            .card_refunds_of_intent(&over_intent)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &over_intent)
            .await
            .len(),
        1
    );

    // Offline: a refund written while the server was out of reach waits, and `sync` sends it.
    let r2 = refund_all(&store, &later, &admin);
    assert_eq!(card_share(&store, &r2.refund_id).0, "pending");
    // A card taken offline and refunded before the provider answered waits for its capture:
    // the same sync captures it and then refunds it.
    let (fresh, r3) = {
        let fresh = card_sale(
            &mut store.lock().unwrap(),
            &store_id,
            &admin,
            terminal::VISA,
            Some("tea-5"),
        );
        (fresh.clone(), refund_all(&store, &fresh, &admin))
    };
    assert!(
        card_refunds::forwardable(store.lock().unwrap().conn(), Some(&r3.refund_id))
            .unwrap()
            .is_empty()
    );
    // A declined card was never charged: its share is not sent and the sale owes nothing more.
    let r4 = refund_all(&store, &declined, &admin);
    assert_eq!(r4.tenders[0].status, "not_charged");
    let report = sync_once(&store, &transport).await.unwrap();
    assert_eq!((report.cards, report.refunds), (1, 2), "{report:?}");
    assert_eq!(card_share(&store, &r2.refund_id).0, "refunded");
    assert_eq!(card_share(&store, &r3.refund_id).0, "refunded");
    assert_eq!(card_share(&store, &r4.refund_id).0, "not_charged");
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &intent_of(&store, &later))
            .await
            .len(),
        1
    );
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &intent_of(&store, &fresh))
            .await
            .len(),
        1
    );
    assert_eq!(
        order::load(store.lock().unwrap().conn(), &declined)
            .unwrap()
            .balance_owed_minor,
        0
    );
    assert_eq!(count(&store, "SELECT count(*) FROM refund_outcomes"), 3);
    // Nothing was refused, so no manager has a task.
    assert!(
        conflicts::list(store.lock().unwrap().conn(), false, 100)
            .unwrap()
            .iter()
            .all(|c| c.kind != card_refunds::FAILED_TASK)
    );
    // Syncing again sends nothing.
    assert_eq!(sync_once(&store, &transport).await.unwrap().refunds, 0);
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &intent)
            .await
            .len(),
        1
    );

    // Another till of the store sees every outcome.
    let dir2 = tempfile::tempdir().unwrap();
    let store2 = Mutex::new(open(dir2.path(), 2));
    let code = issue_pairing_code(&*rig.storage, Some(&store_id), Utc::now())
        .await
        .unwrap()
        .code;
    join(&store2, &transport, &rig.url, &code, Some("Till 2"))
        .await
        .unwrap();
    for (r, status) in [
        (&r1, "refunded"),
        (&r2, "refunded"),
        (&r3, "refunded"),
        (&r4, "not_charged"),
    ] {
        assert_eq!(card_share(&store2, &r.refund_id).0, status);
    }
    assert!(
        card_refunds::forwardable(store2.lock().unwrap().conn(), None)
            .unwrap()
            .is_empty()
    );
}

/// Two tills refund the same card sale while neither has synced: the provider pays back once,
/// and the server's refusal of the second becomes that refund's failure with a manager's task
/// on every till, never a refund retried forever.
#[tokio::test]
async fn a_sale_refunded_on_two_tills_offline_is_paid_back_once_and_the_other_becomes_a_task() {
    let rig = rig(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;
    let transport = HttpTransport::new(&rig.url).unwrap();
    let dir1 = tempfile::tempdir().unwrap();
    let mut s1 = open(dir1.path(), 1);
    let (store_id, admin) = shop(&mut s1);
    let sale = card_sale(&mut s1, &store_id, &admin, terminal::VISA, Some("tea-1"));
    let till1 = Mutex::new(s1);
    let code = issue_pairing_code(&*rig.storage, None, Utc::now())
        .await
        .unwrap()
        .code;
    pair(
        &till1,
        &transport,
        &rig.url,
        &code,
        Some("Till 1"),
        Some(&admin),
    )
    .await
    .unwrap();
    assert_eq!(sync_once(&till1, &transport).await.unwrap().cards, 1);
    let dir2 = tempfile::tempdir().unwrap();
    let till2 = Mutex::new(open(dir2.path(), 2));
    let code = issue_pairing_code(&*rig.storage, Some(&store_id), Utc::now())
        .await
        .unwrap()
        .code;
    join(&till2, &transport, &rig.url, &code, Some("Till 2"))
        .await
        .unwrap();
    let intent = intent_of(&till2, &sale);

    // Both refund the whole sale before either syncs.
    let first = refund_all(&till1, &sale, &admin);
    let second = refund_all(&till2, &sale, &admin);
    assert_eq!(sync_once(&till1, &transport).await.unwrap().refunds, 1);
    assert_eq!(card_share(&till1, &first.refund_id).0, "refunded");
    let report = sync_once(&till2, &transport).await.unwrap();
    assert_eq!(report.refunds, 1, "{report:?}");
    let (status, refund_payment) = card_share(&till2, &second.refund_id);
    assert_eq!(status, "failed");
    assert_eq!(
        refunds_of(rig.stripe.localstripe_url(), &intent)
            .await
            .len(),
        1,
        "the card was paid back once"
    );
    // The failure names the server's reason, and a manager's task says to pay another way;
    // the next sync sends nothing more.
    let reason = count_text(
        &till2,
        &format!(
            "SELECT failure_reason FROM refund_outcomes WHERE refund_payment_id = '{refund_payment}'"
        ),
    );
    assert!(reason.contains("refuses this card refund"), "{reason}");
    let task_on = |till: &Mutex<Store>| {
        conflicts::list(till.lock().unwrap().conn(), false, 100)
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == card_refunds::FAILED_TASK)
            .count()
    };
    assert_eq!(task_on(&till2), 1);
    assert_eq!(sync_once(&till2, &transport).await.unwrap().refunds, 0);
    sync_once(&till1, &transport).await.unwrap();
    assert_eq!(task_on(&till1), 1, "every till sees the task");
}

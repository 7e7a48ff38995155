//! Card payments a till took while the server was out of reach, forwarded to the card provider
//! when the till syncs: the real server (with its Stripe adapter) over HTTP, localstripe behind
//! the stand-in for what it lacks, and the device's own store and sync engine.

#[allow(dead_code)]
mod cards_rig;

use cards_rig::{card_sale, open, query, rig, shop};
use chrono::Utc;
use kassa_domain::ErrorCode;
use kassa_localstripe::terminal;
use kassa_server::issue_pairing_code;
use kassa_server_sqlite::SqliteStorage;
use kassa_store::Store;
use kassa_store::foundation::apply::conflicts;
use kassa_store::foundation::sync_state;
use kassa_store::selling::cards::{self, Forward};
use kassa_store::selling::checkout::{self};
use kassa_store::selling::order;
use kassa_sync_client::{HttpTransport, join, pair, sync_once};
use kassa_sync_protocol::wire::CardPaymentRequest;
use std::sync::{Arc, Mutex};

fn forward_request(f: &Forward) -> CardPaymentRequest {
    CardPaymentRequest {
        payment_method: f.token.clone(),
        amount_minor: f.amount_minor,
        currency: f.currency.clone(),
        order_id: f.order_id.clone(),
        payment_id: f.payment_id.clone(),
        idempotency_key: f.idempotency_key.clone(),
        taken_offline_at: Some(f.taken_at.clone()),
    }
}

fn count(store: &Mutex<Store>, sql: &str) -> i64 {
    query(store, sql)
}

#[tokio::test]
async fn offline_cards_are_forwarded_at_sync_charged_once_and_a_decline_owes_and_opens_a_task() {
    let rig = rig(Arc::new(SqliteStorage::open_in_memory().unwrap())).await;
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

    // A card number is never taken for a token.
    assert_eq!(
        cards::check_token("4242424242424242").unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        cards::check_token("pm_4242424242424242").unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        cards::check_token("tok_visa").unwrap_err().code,
        ErrorCode::InvalidInput
    );

    // Two card sales while the server is out of reach: both wait with their tokens.
    let (paid, declined) = {
        let mut s = store.lock().unwrap();
        let paid = card_sale(
            &mut s,
            &store_id,
            &admin,
            terminal::VISA,
            Some("sale-visa-1"),
        );
        let declined = card_sale(&mut s, &store_id, &admin, terminal::DECLINED, None);
        (paid, declined)
    };
    let waiting = cards::forwardable(store.lock().unwrap().conn()).unwrap();
    assert_eq!(waiting.len(), 2);
    assert_eq!(waiting[0].order_id, paid);
    assert_eq!(waiting[0].idempotency_key, "sale-visa-1");
    // A sale without a key is known to the provider by its payment's id.
    assert_eq!(waiting[1].idempotency_key, waiting[1].payment_id);
    assert_eq!(
        checkout::pending_cards(store.lock().unwrap().conn())
            .unwrap()
            .len(),
        2
    );

    // The till reached the server with the first card and crashed before it kept the answer:
    // the server and the provider took it, the till still holds it as pending.
    let token = sync_state::credentials(&store.lock().unwrap())
        .unwrap()
        .token;
    let first = transport
        .pay_card(&token, &forward_request(&waiting[0]))
        .await
        .unwrap();
    assert_eq!(first.status, "captured");

    // The next sync forwards both; the first is found again under its key, never charged twice.
    let report = sync_once(&store, &transport).await.unwrap();
    assert_eq!(report.cards, 2, "{report:?}");
    let intents = rig.cards.provider.list_created(0, i64::MAX).await.unwrap();
    assert_eq!(intents.len(), 2, "one intent per card payment: {intents:?}");
    assert_eq!(
        intents
            .iter()
            .filter(|i| i.id == first.intent_id.clone().unwrap())
            .count(),
        1
    );

    {
        let s = store.lock().unwrap();
        let conn = s.conn();
        assert!(checkout::pending_cards(conn).unwrap().is_empty());
        assert!(cards::forwardable(conn).unwrap().is_empty());
        let o = order::load(conn, &paid).unwrap();
        assert_eq!(o.payments[0].status, "captured");
        assert_eq!(o.payments[0].card_last4.as_deref(), Some("4242"));
        assert_eq!(o.balance_owed_minor, 0);
        let o = order::load(conn, &declined).unwrap();
        assert_eq!(o.payments[0].status, "declined");
        assert_eq!(o.balance_owed_minor, 1_250);
        // The manager's task names the sale, the amount and the customer's contact.
        let tasks: Vec<_> = conflicts::list(conn, false, 100)
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == cards::DECLINED_TASK)
            .collect();
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        assert_eq!(tasks[0].detail["order_id"], declined.as_str());
        assert_eq!(tasks[0].detail["amount_minor"], 1_250);
        assert_eq!(tasks[0].detail["customer_contact"], "cleo@example.com");
        assert!(tasks[0].detail["decline_code"].is_string(), "{tasks:?}");
    }
    // Only the provider's intent id, brand and last 4 stay: the tokens are gone.
    assert_eq!(count(&store, "SELECT count(*) FROM card_tokens"), 0);
    // The payment rows were never changed: the outcomes are rows of their own.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM payments WHERE status = 'offline_pending'"
        ),
        2
    );
    assert_eq!(count(&store, "SELECT count(*) FROM payment_outcomes"), 2);

    // Syncing again forwards nothing and charges nothing.
    let again = sync_once(&store, &transport).await.unwrap();
    assert_eq!(again.cards, 0);
    assert_eq!(
        rig.cards
            .provider
            .list_created(0, i64::MAX)
            .await
            .unwrap()
            .len(),
        2
    );

    // Another till of the store receives the outcomes: the same balance owed and the same task.
    let dir2 = tempfile::tempdir().unwrap();
    let store2 = Mutex::new(open(dir2.path(), 2));
    let code = issue_pairing_code(&*rig.storage, Some(&store_id), Utc::now())
        .await
        .unwrap()
        .code;
    join(&store2, &transport, &rig.url, &code, Some("Till 2"))
        .await
        .unwrap();
    let s2 = store2.lock().unwrap();
    assert_eq!(
        order::load(s2.conn(), &declined)
            .unwrap()
            .balance_owed_minor,
        1_250
    );
    assert_eq!(
        order::load(s2.conn(), &paid).unwrap().payments[0].status,
        "captured"
    );
    let tasks = conflicts::list(s2.conn(), false, 100).unwrap();
    assert_eq!(
        tasks
            .iter()
            .filter(|c| c.kind == cards::DECLINED_TASK)
            .count(),
        1,
        "{tasks:?}"
    );
}

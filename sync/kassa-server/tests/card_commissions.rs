//! A cashier's commission on a sale whose card the provider declined after it, across two tills
//! and the real server: one till refunds the sale before it knows of the decline, the till that
//! took the card records the decline, and once both have synced the commission stands
//! reversed once, not twice, on both.

#[allow(dead_code)]
mod cards_rig;

use cards_rig::{card_sale, open, refund_all, rig, shop};
use chrono::Utc;
use kassa_localstripe::terminal;
use kassa_server::{ServerKey, issue_pairing_code, serve_with_cards};
use kassa_server_sqlite::SqliteStorage;
use kassa_store::Store;
use kassa_store::commissions::rates::{RateKind, set_rate};
use kassa_store::commissions::statement::statement;
use kassa_store::commissions::{self, SourceKind};
use kassa_store::reports::Period;
use kassa_sync_client::{HttpTransport, join, pair, sync_once};
use std::sync::{Arc, Mutex};

fn amounts(till: &Mutex<Store>, order: &str) -> Vec<i64> {
    let mut v: Vec<i64> =
        commissions::of_source(till.lock().unwrap().conn(), SourceKind::Sale, order)
            .unwrap()
            .into_iter()
            .map(|e| e.amount_minor)
            .collect();
    v.sort();
    v
}

fn net(till: &Mutex<Store>, staff: &str) -> i64 {
    let d = Utc::now().date_naive();
    let period = Period::new(d - chrono::Duration::days(2), d + chrono::Duration::days(2)).unwrap();
    statement(till.lock().unwrap().conn(), staff, period)
        .unwrap()
        .net_minor
}

#[tokio::test]
async fn a_declined_cards_commission_is_reversed_once_when_another_till_refunded_the_sale_unaware()
{
    let storage = Arc::new(SqliteStorage::open_in_memory().unwrap());
    let rig = rig(storage.clone()).await;
    // The same server without its card provider: a sync through it forwards no card.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let no_cards_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_with_cards(
        listener,
        storage,
        ServerKey::from_bytes([42; 32]),
        None,
        None,
    ));
    let with_cards = HttpTransport::new(&rig.url).unwrap();
    let without_cards = HttpTransport::new(&no_cards_url).unwrap();

    // Till 1 pays its cashier 10 % and sells a tea (12.50) on a card the bank will refuse.
    let dir1 = tempfile::tempdir().unwrap();
    let mut s1 = open(dir1.path(), 1);
    let (store_id, admin) = shop(&mut s1);
    s1.write(|tx| set_rate(tx, &store_id, &admin, RateKind::Seller, &admin, Some(1000)))
        .unwrap();
    let sale = card_sale(
        &mut s1,
        &store_id,
        &admin,
        terminal::DECLINED,
        Some("tea-1"),
    );
    let till1 = Mutex::new(s1);
    let code = issue_pairing_code(&*rig.storage, None, Utc::now())
        .await
        .unwrap()
        .code;
    pair(
        &till1,
        &with_cards,
        &rig.url,
        &code,
        Some("Till 1"),
        Some(&admin),
    )
    .await
    .unwrap();
    assert_eq!(sync_once(&till1, &without_cards).await.unwrap().cards, 0);
    assert_eq!(amounts(&till1, &sale), vec![125]);

    // Till 2 receives the sale and, offline, refunds all of it: it reverses all 1.25.
    let dir2 = tempfile::tempdir().unwrap();
    let till2 = Mutex::new(open(dir2.path(), 2));
    let code = issue_pairing_code(&*rig.storage, Some(&store_id), Utc::now())
        .await
        .unwrap()
        .code;
    join(&till2, &with_cards, &rig.url, &code, Some("Till 2"))
        .await
        .unwrap();
    refund_all(&till2, &sale, &admin);
    assert_eq!(amounts(&till2, &sale), vec![-125, 125]);

    // Till 1 syncs first: the provider declines the card, and till 1 reverses the 1.25 too.
    assert_eq!(sync_once(&till1, &with_cards).await.unwrap().cards, 1);
    assert_eq!(amounts(&till1, &sale), vec![-125, 125]);

    // Both reach the server. Till 1, which recorded the decline, gives back the 1.25
    // reversed twice; till 2 writes nothing of its own.
    sync_once(&till2, &with_cards).await.unwrap();
    assert_eq!(
        net(&till2, &admin),
        -125,
        "reversed twice until till 1 settles"
    );
    sync_once(&till1, &with_cards).await.unwrap();
    sync_once(&till2, &with_cards).await.unwrap();
    assert_eq!(amounts(&till1, &sale), vec![-125, -125, 125, 125]);
    assert_eq!(amounts(&till2, &sale), amounts(&till1, &sale));
    assert_eq!((net(&till1, &admin), net(&till2, &admin)), (0, 0));
}

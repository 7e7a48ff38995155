//! Card payments through the card provider, over real HTTP: the server's adapter talks to
//! localstripe (behind the stand-in for what it lacks), which every test starts itself.

#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use chrono::Utc;
use kassa_localstripe::{SECRET_KEY, StripeStandIn, plant, terminal};
use kassa_server::cards::{NewIntent, StripeConfig, reconcile, sign_webhook};
use kassa_server::{CardOptions, Cards, ServerKey, serve_with_cards};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{CardStatus, NewCardPayment, Storage};
use kassa_sync_protocol::wire::CardFindingsResponse;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::{Device, Server, error_code, uuid};

const WEBHOOK_SECRET: &str = "whsec_kassa_test";

struct Rig {
    stripe: StripeStandIn,
    server: Server,
    cards: Arc<Cards>,
}

fn options(base: &str) -> CardOptions {
    CardOptions {
        stripe: StripeConfig {
            api_base: base.into(),
            secret_key: SECRET_KEY.into(),
        },
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        reconcile_every: None,
    }
}

async fn serve_on(storage: Arc<dyn Storage>, cards: Option<Arc<Cards>>) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_with_cards(
        listener,
        Arc::clone(&storage),
        ServerKey::from_bytes(support::TEST_SERVER_KEY),
        None,
        cards,
    ));
    Server {
        base: format!("http://{addr}/api/v1"),
        http: reqwest::Client::new(),
        storage,
    }
}

async fn rig() -> Rig {
    rig_on(Arc::new(SqliteStorage::open_in_memory().unwrap())).await
}

async fn rig_on(storage: Arc<dyn Storage>) -> Rig {
    let stripe = StripeStandIn::start();
    let cards = Arc::new(options(stripe.base_url()).cards().unwrap());
    let server = serve_on(storage, Some(Arc::clone(&cards))).await;
    Rig {
        stripe,
        server,
        cards,
    }
}

fn pay_body(pm: &str, amount: i64, key: &str) -> Value {
    json!({"payment_method": pm, "amount_minor": amount, "currency": "EUR",
        "order_id": uuid(), "payment_id": uuid(), "idempotency_key": key})
}

async fn pay(rig: &Rig, d: &Device, body: &Value) -> (StatusCode, Value) {
    rig.server
        .call(
            Method::POST,
            "/payments/card",
            Some(&d.token),
            Some(body.clone()),
        )
        .await
}

async fn intents_at_provider(rig: &Rig) -> Vec<kassa_server::cards::Intent> {
    rig.cards.provider.list_created(0, i64::MAX).await.unwrap()
}

async fn audit_actions(rig: &Rig, store: &str) -> Vec<String> {
    rig.server
        .storage
        .audit(store)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("card_payment."))
        .collect()
}

#[tokio::test]
async fn a_card_is_charged_once_and_a_retry_answers_the_same_payment() {
    charged_once(rig().await).await;
}

/// The same story with the server on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_charged_once_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = kassa_server::open_storage(Some(&db.url), std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    charged_once(rig_on(storage).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = kassa_server::open_storage(Some(&db.url), std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    reconciliation(rig_on(storage).await).await;
}

async fn charged_once(rig: Rig) {
    let till = rig.server.new_store().await;
    let body = pay_body(terminal::VISA, 1_250, &uuid());

    let (status, first) = pay(&rig, &till, &body).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "captured");
    assert_eq!(first["amount_minor"], 1_250);
    assert_eq!(
        (first["brand"].as_str(), first["last4"].as_str()),
        (Some("visa"), Some("4242"))
    );
    let intent = first["intent_id"].as_str().unwrap().to_owned();
    assert!(intent.starts_with("pi_"), "{first}");

    let (status, again) = pay(&rig, &till, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first, "a retry answers the first outcome");
    assert_eq!(intents_at_provider(&rig).await.len(), 1, "charged once");

    let at_provider = rig.cards.provider.retrieve(&intent).await.unwrap();
    assert_eq!(
        (at_provider.amount_minor, at_provider.currency.as_str()),
        (1_250, "EUR")
    );
    assert_eq!(
        at_provider.metadata["kassa_payment"],
        body["payment_id"].as_str().unwrap()
    );

    let mut other = body.clone();
    other["amount_minor"] = json!(1_300);
    let (status, refused) = pay(&rig, &till, &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(error_code(&refused), "idempotency_mismatch");
    assert_eq!(
        audit_actions(&rig, &till.store_id).await,
        [
            "card_payment.requested",
            "card_payment.pending",
            "card_payment.captured"
        ]
    );
}

#[tokio::test]
async fn a_retry_after_the_server_lost_the_intent_finds_it_by_the_idempotency_key() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let key = uuid();
    let body = pay_body(terminal::VISA, 990, &key);
    // The server asked the provider, then crashed before its own transaction committed:
    // the provider holds an intent under the key, the server nothing.
    let metadata = BTreeMap::from([
        ("kassa_store".to_owned(), till.store_id.clone()),
        ("kassa_device".to_owned(), till.id.clone()),
        (
            "kassa_order".to_owned(),
            body["order_id"].as_str().unwrap().to_owned(),
        ),
        (
            "kassa_payment".to_owned(),
            body["payment_id"].as_str().unwrap().to_owned(),
        ),
        ("kassa_key".to_owned(), key.clone()),
    ]);
    let lost = rig
        .cards
        .provider
        .create(&NewIntent {
            amount_minor: 990,
            currency: "EUR".into(),
            payment_method: terminal::VISA.into(),
            idempotency_key: key.clone(),
            manual_capture: false,
            metadata,
        })
        .await
        .unwrap();
    let (status, paid) = pay(&rig, &till, &body).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let (status, again) = pay(&rig, &till, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(paid["intent_id"], again["intent_id"]);
    assert_eq!(
        paid["intent_id"],
        lost.id.as_str(),
        "the intent made before the crash"
    );
    assert_eq!(paid["status"], "captured");
    assert_eq!(
        intents_at_provider(&rig).await.len(),
        1,
        "never a second charge"
    );
}

#[tokio::test]
async fn a_declined_card_is_answered_declined_with_the_providers_reason() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let (status, declined) = pay(&rig, &till, &pay_body(terminal::DECLINED, 4_000, &uuid())).await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_code"], "card_declined");
    let intent = declined["intent_id"].as_str().unwrap();
    let held = rig
        .server
        .storage
        .card_payment_by_intent(intent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.status, CardStatus::Declined);
}

#[tokio::test]
async fn bad_card_requests_get_typed_errors_and_change_nothing() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let good = pay_body(terminal::VISA, 500, &uuid());
    let cases: Vec<(&str, Value)> = vec![
        ("payment_method", json!("4242424242424242")),
        ("payment_method", json!("pm_4242424242424242")),
        ("payment_method", json!("pm_../../v1/charges")),
        ("amount_minor", json!(0)),
        ("amount_minor", json!(-5)),
        ("amount_minor", json!(i64::MAX)),
        ("amount_minor", json!(5.5)),
        ("currency", json!("eur")),
        ("currency", json!("XXY")),
        ("order_id", json!("not-a-uuid")),
        ("idempotency_key", json!("")),
        ("idempotency_key", json!("x".repeat(200))),
        ("taken_offline_at", json!("yesterday")),
        ("card_number", json!("4242424242424242")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let (status, answer) = pay(&rig, &till, &body).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{field} = {value}: {answer}"
        );
        assert_eq!(error_code(&answer), "invalid_input", "{field} = {value}");
    }
    let (status, answer) = rig
        .server
        .call(Method::POST, "/payments/card", None, Some(good.clone()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    assert!(
        intents_at_provider(&rig).await.is_empty(),
        "nothing reached the provider"
    );
    assert!(
        audit_actions(&rig, &till.store_id).await.is_empty(),
        "nothing was kept"
    );
}

/// A payment of `amount` the till took offline `hours_ago`, forwarded now.
fn offline_body(amount: i64, hours_ago: i64) -> Value {
    let mut body = pay_body(terminal::VISA, amount, &uuid());
    body["taken_offline_at"] = json!(kassa_server::timestamp(
        Utc::now() - chrono::Duration::hours(hours_ago)
    ));
    body
}

#[tokio::test]
async fn offline_cards_beyond_the_stores_limits_are_charged_and_marked_for_a_managers_review() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let other_till = rig.server.join(&till.store_id).await;

    // Within the limits (150.00 a payment, 1,000.00 pending, 48 hours, the defaults): charged,
    // nothing to review.
    let (status, fine) = pay(&rig, &till, &offline_body(1_000, 2)).await;
    assert_eq!(status, StatusCode::OK, "{fine}");
    assert_eq!(fine["status"], "captured");
    assert!(fine.get("review").is_none(), "{fine}");

    // Above the per-payment cap: the sale was made, so the card is charged, and kept for review.
    let (status, over) = pay(&rig, &till, &offline_body(15_001, 1)).await;
    assert_eq!(status, StatusCode::OK, "{over}");
    assert_eq!(over["status"], "captured");
    let review = over["review"].as_str().unwrap_or_default();
    assert!(review.contains("above the cap of 150.00 EUR"), "{review}");

    // Waited longer than the store allows.
    let (_, old) = pay(&rig, &till, &offline_body(1_000, 49)).await;
    assert_eq!(old["status"], "captured");
    let review = old["review"].as_str().unwrap_or_default();
    assert!(review.contains("more than 48 hours"), "{review}");

    // Total exposure: another till takes seven cards of 150.00 over seven hours, all forwarded
    // now. It still had the first six pending when it took the seventh: 1,050.00 > 1,000.00.
    // The first till's cards are not its own and do not count.
    let mut answers = Vec::new();
    for hours_ago in (1..=7).rev() {
        let body = offline_body(15_000, hours_ago);
        let (status, answer) = pay(&rig, &other_till, &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answers.push((body, answer));
    }
    for (i, (_, a)) in answers.iter().enumerate() {
        assert_eq!(a["status"], "captured", "{a}");
        if i < 6 {
            assert!(a.get("review").is_none(), "card {i}: {a}");
        }
    }
    let (last_body, last) = &answers[6];
    let review = last["review"].as_str().unwrap_or_default();
    assert!(
        review.contains(
            "still pending came to 1050.00 EUR with this one, above the cap of 1000.00 EUR"
        ),
        "{review}"
    );

    // A retry finds the payment and its review as they were, and charges nothing again.
    let intents = intents_at_provider(&rig).await.len();
    let (status, again) = pay(&rig, &other_till, last_body).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(&again, last);
    assert_eq!(intents_at_provider(&rig).await.len(), intents);

    let held = rig
        .server
        .storage
        .card_payment_by_key(
            &other_till.store_id,
            last_body["idempotency_key"].as_str().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.review.as_deref(), last["review"].as_str());
    let (_, found) = rig
        .server
        .call(Method::GET, "/payments/findings", Some(&till.token), None)
        .await;
    let found: CardFindingsResponse = serde_json::from_value(found).unwrap();
    assert_eq!(
        found
            .findings
            .iter()
            .filter(|f| f.finding == "offline_limits_broken" && f.review.is_some())
            .count(),
        3,
        "{found:?}"
    );
    let broken = audit_actions(&rig, &till.store_id)
        .await
        .into_iter()
        .filter(|a| a == "card_payment.offline_limits_broken")
        .count();
    assert_eq!(broken, 3, "each payment beyond the limits is audited once");
    let (_, metrics) = rig.server.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    assert!(
        text.lines()
            .any(|l| l == "kassa_card_offline_limits_broken_total 3"),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_reachable_provider_the_device_is_told_to_take_the_card_offline() {
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cards = Arc::new(
        options(&format!("http://127.0.0.1:{port}"))
            .cards()
            .unwrap(),
    );
    let server = serve_on(Arc::clone(&storage), Some(cards)).await;
    let till = server.new_store().await;
    let body = pay_body(terminal::VISA, 700, &uuid());
    let (status, answer) = server
        .call(
            Method::POST,
            "/payments/card",
            Some(&till.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(error_code(&answer), "card_provider_unreachable");
    // The payment is kept, still open: the store's open card exposure says so.
    let (_, metrics) = server.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!(r#"{name}{{store="{}""#, till.store_id)))
            .unwrap_or_else(|| panic!("no {name} for the store: {text}"))
            .to_owned()
    };
    assert!(line("kassa_card_open_payments").ends_with(" 1"), "{text}");
    assert!(line("kassa_card_open_minor").ends_with(" 700"), "{text}");

    let plain = serve_on(storage, None).await;
    let (status, answer) = plain
        .call(
            Method::POST,
            "/payments/card",
            Some(&till.token),
            Some(pay_body(terminal::VISA, 700, &uuid())),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(error_code(&answer), "card_provider_not_configured");
}

async fn webhook(rig: &Rig, body: &Value, t: i64, secret: &str) -> (StatusCode, Value) {
    let raw = body.to_string();
    webhook_raw(rig, &raw, &sign_webhook(secret, t, raw.as_bytes())).await
}

async fn webhook_raw(rig: &Rig, raw: &str, signature: &str) -> (StatusCode, Value) {
    let res = rig
        .server
        .http
        .post(format!("{}/webhooks/stripe", rig.server.base))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(raw.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn event(id: &str, kind: &str, intent: &str) -> Value {
    json!({"id": id, "object": "event", "type": kind,
        "data": {"object": {"id": intent, "object": "payment_intent", "status": "stale"}}})
}

/// A payment the server asked for and then lost track of (it stopped before it kept the
/// intent), whose intent was authorised at the provider: the state a webhook brings news of.
async fn authorised_behind_the_servers_back(
    rig: &Rig,
    store: &str,
    device: &str,
) -> (String, String) {
    let key = uuid();
    rig.server
        .storage
        .begin_card_payment(NewCardPayment {
            store_id: store.into(),
            device_id: device.into(),
            order_id: uuid(),
            payment_id: uuid(),
            idempotency_key: key.clone(),
            amount_minor: 2_000,
            currency: "EUR".into(),
            request_hash: "h".into(),
            taken_offline_at: None,
            now: kassa_server::timestamp(Utc::now()),
        })
        .await
        .unwrap();
    let (status, pi) = plant(
        rig.stripe.localstripe_url(),
        "/v1/payment_intents",
        &[
            ("amount", "2000"),
            ("currency", "eur"),
            ("payment_method", terminal::VISA),
            ("capture_method", "manual"),
            ("metadata[kassa_store]", store),
            ("metadata[kassa_key]", &key),
        ],
    )
    .await;
    assert_eq!(status, 200, "{pi}");
    let id = pi["id"].as_str().unwrap().to_owned();
    let (status, confirmed) = plant(
        rig.stripe.localstripe_url(),
        &format!("/v1/payment_intents/{id}/confirm"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "requires_capture");
    (id, key)
}

#[tokio::test]
async fn webhooks_with_a_tampered_body_an_old_time_or_an_unknown_signature_are_refused() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let (intent, key) = authorised_behind_the_servers_back(&rig, &till.store_id, &till.id).await;
    let now = Utc::now().timestamp();
    let body = event(
        "evt_refused",
        "payment_intent.amount_capturable_updated",
        &intent,
    );
    let raw = body.to_string();

    let tampered = raw.replace("evt_refused", "evt_tampered");
    let signed = sign_webhook(WEBHOOK_SECRET, now, raw.as_bytes());
    let (status, answer) = webhook_raw(&rig, &tampered, &signed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(error_code(&answer), "webhook_signature_invalid");

    let (status, answer) = webhook(&rig, &body, now - 301, WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(error_code(&answer), "webhook_signature_expired");

    let (status, answer) = webhook(&rig, &body, now, "whsec_someone_else").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(error_code(&answer), "webhook_signature_invalid");

    let (status, answer) = webhook_raw(&rig, &raw, "v1=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(error_code(&answer), "webhook_signature_malformed");

    let held = rig
        .server
        .storage
        .card_payment_by_key(&till.store_id, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.status,
        CardStatus::Pending,
        "a refused event changes nothing"
    );
    assert!(
        !rig.server
            .storage
            .provider_event_seen("evt_refused")
            .await
            .unwrap()
    );

    // Signed rightly, 299 seconds old, it is taken.
    let (status, answer) = webhook(&rig, &body, now - 299, WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "authorized");

    // Each refusal is counted by its code; the event taken is not.
    let (_, metrics) = rig.server.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    for (code, n) in [
        ("webhook_signature_invalid", 2),
        ("webhook_signature_expired", 1),
        ("webhook_signature_malformed", 1),
    ] {
        let line = format!(r#"kassa_card_webhook_failures_total{{code="{code}"}} {n}"#);
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("kassa_card_webhook_failures_total{"))
            .count(),
        3,
        "{text}"
    );
}

#[tokio::test]
async fn a_webhook_sent_twice_has_one_effect_and_late_events_end_in_the_providers_state() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let (intent, key) = authorised_behind_the_servers_back(&rig, &till.store_id, &till.id).await;
    let now = Utc::now().timestamp();
    let authorised = event("evt_1", "payment_intent.amount_capturable_updated", &intent);
    let succeeded = event("evt_2", "payment_intent.succeeded", &intent);

    // The provider captures; its events arrive newest first.
    let (status, captured) = plant(
        rig.stripe.localstripe_url(),
        &format!("/v1/payment_intents/{intent}/capture"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{captured}");
    let (status, answer) = webhook(&rig, &succeeded, now, WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "captured");
    // Sent again: handled once.
    let (status, answer) = webhook(&rig, &succeeded, now, WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["duplicate"], true);
    // The older event, late: the intent is fetched again, so it stays captured.
    let (status, answer) = webhook(&rig, &authorised, now, WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "captured");

    let held = rig
        .server
        .storage
        .card_payment_by_key(&till.store_id, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.status, CardStatus::Captured);
    assert_eq!(held.intent_id.as_deref(), Some(intent.as_str()));
    assert_eq!(held.last4.as_deref(), Some("4242"));
    assert_eq!(
        audit_actions(&rig, &till.store_id).await,
        ["card_payment.requested", "card_payment.captured"],
        "one effect for two deliveries and a late event"
    );
}

#[tokio::test]
async fn reconciliation_records_missing_payments_takes_the_providers_status_and_flags_amounts() {
    reconciliation(rig().await).await;
}

async fn reconciliation(rig: Rig) {
    let till = rig.server.new_store().await;
    let storage = &*rig.server.storage;
    let ls = rig.stripe.localstripe_url().to_owned();
    let from = Utc::now() - chrono::Duration::minutes(5);

    // A payment the server asked for and lost track of, whose intent at the provider is
    // for another amount than the server holds.
    let changed_key = uuid();
    storage
        .begin_card_payment(NewCardPayment {
            store_id: till.store_id.clone(),
            device_id: till.id.clone(),
            order_id: uuid(),
            payment_id: uuid(),
            idempotency_key: changed_key.clone(),
            amount_minor: 1_500,
            currency: "EUR".into(),
            request_hash: "h".into(),
            taken_offline_at: None,
            now: kassa_server::timestamp(Utc::now()),
        })
        .await
        .unwrap();
    let (status, v) = plant(
        &ls,
        "/v1/payment_intents",
        &[
            ("amount", "1600"),
            ("currency", "eur"),
            ("payment_method", terminal::VISA),
            ("confirm", "true"),
            ("metadata[kassa_store]", &till.store_id),
            ("metadata[kassa_key]", &changed_key),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let changed = v["id"].as_str().unwrap().to_owned();
    // A payment charged through the server, as it should be: no difference.
    let (status, paid) = pay(&rig, &till, &pay_body(terminal::VISA, 1_500, &uuid())).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    // An authorisation the server lost track of, captured since at the provider.
    let (lagging, lagging_key) =
        authorised_behind_the_servers_back(&rig, &till.store_id, &till.id).await;
    let (status, v) = plant(&ls, &format!("/v1/payment_intents/{lagging}/capture"), &[]).await;
    assert_eq!(status, 200, "{v}");
    // An intent made by this store's device that the server never held at all.
    let (order, payment, key) = (uuid(), uuid(), uuid());
    let (status, v) = plant(
        &ls,
        "/v1/payment_intents",
        &[
            ("amount", "800"),
            ("currency", "eur"),
            ("payment_method", terminal::VISA),
            ("confirm", "true"),
            ("metadata[kassa_store]", &till.store_id),
            ("metadata[kassa_device]", &till.id),
            ("metadata[kassa_order]", &order),
            ("metadata[kassa_payment]", &payment),
            ("metadata[kassa_key]", &key),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let unheld = v["id"].as_str().unwrap().to_owned();

    let to = Utc::now() + chrono::Duration::minutes(1);
    let report = reconcile(storage, &*rig.cards.provider, from, to, Utc::now())
        .await
        .unwrap();
    let mut kinds: Vec<(&str, &str, &str)> = report
        .mismatches
        .iter()
        .map(|m| (m.kind, m.intent_id.as_str(), m.fix.as_str()))
        .collect();
    kinds.sort();
    let mut expected = vec![
        ("amount_differs", changed.as_str(), "manager_review"),
        ("missing", changed.as_str(), "recorded"),
        ("missing", lagging.as_str(), "recorded"),
        ("missing", unheld.as_str(), "recorded"),
    ];
    expected.sort();
    assert_eq!(kinds, expected, "{report:?}");
    assert_eq!(report.fixed, 4);

    let recorded = storage
        .card_payment_by_intent(&unheld)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (recorded.amount_minor, recorded.status),
        (800, CardStatus::Captured)
    );
    assert_eq!(
        (recorded.order_id.as_str(), recorded.payment_id.as_str()),
        (order.as_str(), payment.as_str())
    );
    let lag = storage
        .card_payment_by_key(&till.store_id, &lagging_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lag.status, CardStatus::Captured);
    let flagged = storage
        .card_payment_by_intent(&changed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        flagged.amount_minor, 1_500,
        "the server's amount is not changed by a program"
    );
    assert!(
        flagged
            .review
            .as_deref()
            .unwrap()
            .starts_with("amount_differs"),
        "{flagged:?}"
    );

    // A status that differs: the provider cancels an authorisation the server holds.
    let (held_auth, _) = authorised_behind_the_servers_back(&rig, &till.store_id, &till.id).await;
    let first = reconcile(storage, &*rig.cards.provider, from, to, Utc::now())
        .await
        .unwrap();
    assert!(
        first
            .mismatches
            .iter()
            .any(|m| m.intent_id == held_auth && m.kind == "missing")
    );
    let (status, v) = plant(&ls, &format!("/v1/payment_intents/{held_auth}/cancel"), &[]).await;
    assert_eq!(status, 200, "{v}");
    let again = reconcile(storage, &*rig.cards.provider, from, to, Utc::now())
        .await
        .unwrap();
    let status_fix: Vec<_> = again
        .mismatches
        .iter()
        .filter(|m| m.kind == "status_differs")
        .collect();
    assert_eq!(status_fix.len(), 1, "{again:?}");
    assert_eq!(
        (
            status_fix[0].server.as_deref(),
            status_fix[0].provider.as_deref()
        ),
        (Some("authorized"), Some("canceled"))
    );
    // Reported again while it differs, but flagged once.
    assert_eq!(again.fixed, 1, "{again:?}");

    let actions = audit_actions(&rig, &till.store_id).await;
    for action in [
        "card_payment.recorded",
        "card_payment.amount_differs",
        "card_payment.status_reconciled",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} audited: {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "card_payment.amount_differs")
            .count(),
        1
    );

    // The store's devices read the same findings, newest first; another store reads none.
    let (status, found) = rig
        .server
        .call(Method::GET, "/payments/findings", Some(&till.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let found: CardFindingsResponse = serde_json::from_value(found).unwrap();
    let kinds: Vec<&str> = found.findings.iter().map(|f| f.finding.as_str()).collect();
    for kind in ["recorded", "amount_differs", "status_reconciled"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(
        found.findings.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first: {found:?}"
    );
    let differs = found
        .findings
        .iter()
        .find(|f| f.finding == "amount_differs")
        .unwrap();
    assert!(
        differs
            .review
            .as_deref()
            .is_some_and(|r| r.starts_with("amount_differs")),
        "{differs:?}"
    );
    assert!(!differs.payment_id.is_empty());
    let stranger = rig.server.new_store().await;
    let (status, none) = rig
        .server
        .call(
            Method::GET,
            "/payments/findings",
            Some(&stranger.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!(none["findings"], json!([]));
    let (status, _) = rig
        .server
        .call(Method::GET, "/payments/findings", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_providers_own_signed_webhook_brings_a_capture_the_server_had_not_seen() {
    let rig = rig().await;
    let till = rig.server.new_store().await;
    let (intent, key) = authorised_behind_the_servers_back(&rig, &till.store_id, &till.id).await;
    // localstripe signs and sends its events to the server as Stripe does.
    let url = format!("{}/webhooks/stripe", rig.server.base);
    let (status, v) = plant(
        rig.stripe.localstripe_url(),
        "/_config/webhooks/kassa",
        &[("url", &url), ("secret", WEBHOOK_SECRET)],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = plant(
        rig.stripe.localstripe_url(),
        &format!("/v1/payment_intents/{intent}/capture"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let held = rig
            .server
            .storage
            .card_payment_by_key(&till.store_id, &key)
            .await
            .unwrap()
            .unwrap();
        if held.status == CardStatus::Captured {
            assert_eq!(held.intent_id.as_deref(), Some(intent.as_str()));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the provider's webhook did not arrive: {held:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_devices_http_client_pays_and_learns_when_to_take_the_card_offline() {
    use kassa_domain::ErrorCode;
    use kassa_sync_client::HttpTransport;
    use kassa_sync_protocol::wire::CardPaymentRequest;

    let rig = rig().await;
    let till = rig.server.new_store().await;
    let root = rig.server.base.trim_end_matches("/api/v1").to_owned();
    let client = HttpTransport::new(&root).unwrap();
    let req = |pm: &str, amount: i64| CardPaymentRequest {
        payment_method: pm.into(),
        amount_minor: amount,
        currency: "EUR".into(),
        order_id: uuid(),
        payment_id: uuid(),
        idempotency_key: uuid(),
        taken_offline_at: None,
    };
    let paid = client
        .pay_card(&till.token, &req(terminal::VISA, 1_990))
        .await
        .unwrap();
    assert_eq!(
        (paid.status.as_str(), paid.last4.as_deref()),
        ("captured", Some("4242"))
    );
    let declined = client
        .pay_card(&till.token, &req(terminal::DECLINED, 500))
        .await
        .unwrap();
    assert_eq!(declined.status, "declined");

    let mut offline = req(terminal::VISA, 20_000);
    offline.taken_offline_at = Some(kassa_server::timestamp(Utc::now()));
    // Above the offline cap: charged, and the review reaches the client.
    let over = client.pay_card(&till.token, &offline).await.unwrap();
    assert_eq!(over.status, "captured");
    assert!(
        over.review
            .as_deref()
            .is_some_and(|r| r.contains("above the cap of 150.00 EUR")),
        "{over:?}"
    );

    // No card provider on the server: the till takes the card offline.
    let plain = serve_on(Arc::clone(&rig.server.storage), None).await;
    let plain = HttpTransport::new(plain.base.trim_end_matches("/api/v1")).unwrap();
    let away = plain
        .pay_card(&till.token, &req(terminal::VISA, 700))
        .await
        .unwrap_err();
    assert_eq!(away.code, ErrorCode::Unavailable, "{away:?}");
    // No server at all: the same.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gone = HttpTransport::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let err = gone
        .pay_card(&till.token, &req(terminal::VISA, 700))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ServerUnreachable, "{err:?}");
}

//! Card payment figures with real parts: a device's `POST /api/v1/payments/card` through the
//! server (SQLite storage on a temporary file, `synchronous=FULL`) to the Stripe adapter and
//! localstripe behind its stand-in, against the same create-and-confirm made straight to the
//! stand-in (the provider's own share of the round trip), measured in the same run.
//!
//! Then the webhook handling rate: a signed `payment_intent.succeeded` event for each of those
//! payments sent to `POST /api/v1/webhooks/stripe` (signature checked, the event id kept once,
//! the intent fetched again from the provider), one at a time and eight at a time, and the
//! same events again (duplicates: answered from the kept event ids, the provider not asked).
//!
//! `cargo bench -p kassa-server --bench cards` prints p50/p99 and rates; it asserts nothing
//! about time, only that every payment was captured and every event handled once.
//! `KASSA_BENCH_CARD_PAYMENTS` (200) sets how many.

use chrono::Utc;
use kassa_localstripe::{SECRET_KEY, StripeStandIn, terminal};
use kassa_server::cards::{NewIntent, StripeConfig, sign_webhook};
use kassa_server::{CardOptions, ServerKey, issue_pairing_code, serve_with_cards};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

const WEBHOOK_SECRET: &str = "whsec_bench";

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn main() {
    let n: usize = std::env::var("KASSA_BENCH_CARD_PAYMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let stripe = StripeStandIn::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temp dir");
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(dir.path().join("server.db")).expect("storage"));
        let options = CardOptions {
            stripe: StripeConfig {
                api_base: stripe.base_url().into(),
                secret_key: SECRET_KEY.into(),
            },
            webhook_secret: Some(WEBHOOK_SECRET.into()),
            reconcile_every: None,
        };
        let cards = Arc::new(options.cards().expect("cards"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}/api/v1", listener.local_addr().expect("addr"));
        tokio::spawn(serve_with_cards(
            listener,
            Arc::clone(&storage),
            ServerKey::from_bytes([42; 32]),
            None,
            Some(Arc::clone(&cards)),
        ));
        let http = reqwest::Client::new();
        let code = issue_pairing_code(&*storage, None, Utc::now()).await.expect("code");
        let store_id = uuid();
        let paired: Value = http
            .post(format!("{base}/pair"))
            .json(&json!({"code": code.code, "protocol": 1, "schema_version": 7, "device_id": uuid(),
                "device_name": "Till", "store": {"id": store_id, "code": "S1", "name": "Bench shop", "currency": "EUR"},
                "store_key": "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"}))
            .send()
            .await
            .expect("pair")
            .json()
            .await
            .expect("pair answer");
        let token = paired["token"].as_str().expect("token").to_owned();

        // Warm both paths (connections, statements) before timing.
        let mut intents = Vec::with_capacity(n + 5);
        let mut through_server = Vec::with_capacity(n);
        let mut direct = Vec::with_capacity(n);
        for i in 0..n + 5 {
            let body = json!({"payment_method": terminal::VISA, "amount_minor": 1_000 + i as i64,
                "currency": "EUR", "order_id": uuid(), "payment_id": uuid(), "idempotency_key": uuid()});
            let t = Instant::now();
            let answer: Value = http
                .post(format!("{base}/payments/card"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("pay")
                .json()
                .await
                .expect("pay answer");
            let took = t.elapsed();
            assert_eq!(answer["status"], "captured", "{answer}");
            intents.push(answer["intent_id"].as_str().expect("intent id").to_owned());
            if i >= 5 {
                through_server.push(took);
            }

            let t = Instant::now();
            let made = cards
                .provider
                .create(&NewIntent {
                    amount_minor: 1_000 + i as i64,
                    currency: "EUR".into(),
                    payment_method: terminal::VISA.into(),
                    idempotency_key: uuid(),
                    manual_capture: false,
                    metadata: BTreeMap::new(),
                })
                .await
                .expect("create");
            let confirmed = cards.provider.confirm(&made.id).await.expect("confirm");
            let _ = cards
                .provider
                .card(confirmed.payment_method.as_deref().unwrap_or(terminal::VISA))
                .await
                .expect("card");
            let took = t.elapsed();
            assert_eq!(confirmed.provider_status, "succeeded");
            if i >= 5 {
                direct.push(took);
            }
        }
        let line = |name: &str, v: &[Duration]| {
            println!(
                "  {name:44} p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
                pct(v, 0.5),
                pct(v, 0.99),
                pct(v, 1.0)
            );
        };
        println!("card payments, {n} sequential, SQLite storage (synchronous=FULL):");
        line("device -> server -> provider (round trip)", &through_server);
        line("provider alone (create, confirm, card)", &direct);
        println!(
            "  server's own share at p50: {:.2?} ({:.2}x the provider alone)",
            pct(&through_server, 0.5).saturating_sub(pct(&direct, 0.5)),
            pct(&through_server, 0.5).as_secs_f64() / pct(&direct, 0.5).as_secs_f64()
        );

        // Webhooks: one event per payment, first new, then the same events again.
        let events: Vec<(String, String)> = intents
            .iter()
            .map(|intent| {
                let body = json!({"id": format!("evt_{}", uuid().replace('-', "")), "object": "event",
                    "type": "payment_intent.succeeded",
                    "data": {"object": {"id": intent, "object": "payment_intent"}}})
                .to_string();
                let header = sign_webhook(WEBHOOK_SECRET, Utc::now().timestamp(), body.as_bytes());
                (body, header)
            })
            .collect();
        let send = |(body, signature): (String, String)| {
            let (http, url) = (http.clone(), format!("{base}/webhooks/stripe"));
            async move {
                let t = Instant::now();
                let answer: Value = http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("stripe-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .expect("webhook")
                    .json()
                    .await
                    .expect("webhook answer");
                assert_eq!(answer["received"], true, "{answer}");
                (t.elapsed(), answer["duplicate"] == true)
            }
        };
        println!("webhooks (signature, event kept once, intent fetched again from the provider):");
        let half = events.len() / 2;
        for (label, batch, width, duplicates) in [
            ("new events, one at a time", &events[..half], 1, false),
            ("new events, eight at a time", &events[half..], 8, false),
            ("duplicates, one at a time", &events[..half], 1, true),
            ("duplicates, eight at a time", &events[half..], 8, true),
        ] {
            let t = Instant::now();
            let mut took = Vec::with_capacity(batch.len());
            for chunk in batch.chunks(width) {
                let running: Vec<_> = chunk.iter().cloned().map(|e| tokio::spawn(send(e))).collect();
                for handle in running {
                    let (d, dup) = handle.await.expect("webhook task");
                    assert_eq!(dup, duplicates, "each event is handled once");
                    took.push(d);
                }
            }
            let rate = batch.len() as f64 / t.elapsed().as_secs_f64();
            println!(
                "  {label:30} {rate:>8.1}/s  p50 {:>8.2?}  p99 {:>8.2?}",
                pct(&took, 0.5),
                pct(&took, 0.99)
            );
        }
    });
    drop(stripe);
}

//! What the card tests share: the real server with its Stripe adapter in front of localstripe
//! (behind its stand-in), and a till's store with one product, selling by card offline and
//! refunding.

use kassa_domain::catalog::TaxRate;
use kassa_localstripe::{SECRET_KEY, StripeStandIn};
use kassa_server::cards::StripeConfig;
use kassa_server::{CardOptions, Cards, ServerKey, serve_with_cards};
use kassa_server_storage::Storage;
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::foundation::ids::new_id;
use kassa_store::selling::catalog_port;
use kassa_store::selling::checkout::{self, CardDetails, CheckoutRequest, SaleLine, TenderRequest};
use kassa_store::selling::refund::{self, RefundRequest};
use kassa_store::{KeySource, Store, SystemClock};
use std::sync::{Arc, Mutex};

pub const STORE_KEY: [u8; 32] = [12; 32];
pub const SKU: &str = "TEA-GREEN";

pub struct Rig {
    pub stripe: StripeStandIn,
    pub cards: Arc<Cards>,
    pub storage: Arc<dyn Storage>,
    pub url: String,
}

/// The server on `storage`, listening on a free port, with the card provider behind it.
pub async fn rig(storage: Arc<dyn Storage>) -> Rig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let stripe = StripeStandIn::start();
    let cards = Arc::new(
        CardOptions {
            stripe: StripeConfig {
                api_base: stripe.base_url().into(),
                secret_key: SECRET_KEY.into(),
            },
            webhook_secret: None,
            reconcile_every: None,
        }
        .cards()
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_with_cards(
        listener,
        Arc::clone(&storage),
        ServerKey::from_bytes([42; 32]),
        None,
        Some(Arc::clone(&cards)),
    ));
    Rig {
        stripe,
        cards,
        storage,
        url,
    }
}

pub fn open(dir: &std::path::Path, device_key: u8) -> Store {
    Store::open(
        dir,
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [device_key; 32],
            store: STORE_KEY,
        },
    )
    .unwrap()
}

/// A new store with one product; answers its id and the admin's.
pub fn shop(store: &mut Store) -> (String, String) {
    let out = setup(
        store,
        SetupParams {
            store_name: "Card Shop".into(),
            store_code: Some("CARD".into()),
            currency: "EUR".into(),
            device_name: Some("Till 1".into()),
            admin_email: "admin@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    let (store_id, admin) = (out.store_id, out.admin_id);
    store
        .write(|tx| {
            let vat = catalog::create_tax_class(
                tx,
                &store_id,
                &admin,
                "Reduced",
                TaxRate {
                    basis_points: 700,
                    inclusive: true,
                },
            )?;
            let mut d = ProductData::new(SKU, "Green tea", 1_250);
            d.tax_class_id = Some(vat);
            d.stock_tracked = false;
            catalog::create(tx, &store_id, &admin, &d, AuditMode::Batch)?;
            Ok(())
        })
        .unwrap();
    (store_id, admin)
}

/// A sale of one tea paid by card with the terminal's `token`, taken without the server.
pub fn card_sale(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    token: &str,
    key: Option<&str>,
) -> String {
    let item = catalog_port::item_by_code(store.conn(), store_id, SKU).unwrap();
    let line = SaleLine {
        product_id: item.product_id,
        sku: item.sku,
        name: item.name,
        quantity: 1,
        unit_price_minor: item.unit_price_minor,
        tax: item.tax,
        cost_minor: item.cost_minor,
        stock_tracked: item.stock_tracked,
        discount: Default::default(),
        discount_approver_id: None,
        price_changed: false,
    };
    checkout::checkout(
        store,
        CheckoutRequest {
            lines: vec![line],
            order_discount: Default::default(),
            order_discount_approver_id: None,
            customer_id: None,
            tenders: vec![TenderRequest {
                kind: kassa_domain::selling::tender::TenderKind::Card,
                amount_minor: 1_250,
                card: Some(CardDetails {
                    brand: None,
                    last4: None,
                    customer_contact: Some("cleo@example.com".into()),
                    token: Some(token.into()),
                    attempt: None,
                }),
                voucher_code: None,
            }],
            idempotency_key: key.map(str::to_owned),
            staff_id: admin.into(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id
}

/// One value a query answers from the till's store.
pub fn query<T: rusqlite::types::FromSql>(store: &Mutex<Store>, sql: &str) -> T {
    store
        .lock()
        .unwrap()
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Refunds everything of `order_id` (the card share waits for the provider).
pub fn refund_all(store: &Mutex<Store>, order_id: &str, admin: &str) -> refund::RefundOutcome {
    refund::refund(
        &mut store.lock().unwrap(),
        RefundRequest {
            order_id: order_id.into(),
            lines: Vec::new(),
            reason: Some("the tea was stale".into()),
            staff_id: admin.into(),
            approver: None,
            idempotency_key: Some(new_id()),
            void: false,
        },
    )
    .unwrap()
}

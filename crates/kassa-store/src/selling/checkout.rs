//! Checkout: one transaction turns priced lines and tenders into a paid order, its stock
//! movements, payments, history, audit entry and outbox entries, or changes nothing.

use super::catalog_port;
use super::{cart, open_business_date, series, shift, voucher};
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, Store, foundation::settings};
use kassa_domain::money::{Currency, check_amount};
use kassa_domain::role::{Permission, allows};
use kassa_domain::selling::cash::default_cash_step;
use kassa_domain::selling::order::{OrderEvent, OrderStatus, receipt_number, transition};
use kassa_domain::selling::pricing::{
    Discount, LineInput, PricedCart, Tax, discount_share_bp, price_cart,
};
use kassa_domain::selling::tender::{
    OfflineCardLimits, Settlement, TenderKind, Tendered, check_offline_card, check_tenders, settle,
};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A line to sell, with the price, tax and cost it was added at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub tax: Tax,
    pub cost_minor: Option<i64>,
    pub stock_tracked: bool,
    pub discount: Discount,
    pub discount_approver_id: Option<String>,
    /// The catalog's price differs from `unit_price_minor` now.
    pub price_changed: bool,
}

/// Card details as the terminal or provider reports them: never the number itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardDetails {
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// How to reach the customer if the payment is declined when the provider is reached.
    pub customer_contact: Option<String>,
    /// The terminal's token for the card (the provider's PaymentMethod id, `pm_...`): kept
    /// on this device and forwarded to the provider when the device syncs (`cards`).
    pub token: Option<String>,
    /// The card was already taken to the provider through the server at checkout.
    pub attempt: Option<ProviderAttempt>,
}

/// A card tender taken to the provider through the server before the sale is written, under
/// ids made for it beforehand (`cards::attempt_ids`), so the sale, its payment and a later
/// forward all name the payment the provider knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderAttempt {
    /// The key the provider knows the payment by.
    pub provider_key: String,
    pub order_id: String,
    pub payment_id: String,
    /// Set when the provider captured the payment: it is recorded captured, not pending.
    pub captured: Option<Captured>,
}

/// What the provider reported about a captured card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub intent_id: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
}

/// One tender of the sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderRequest {
    pub kind: TenderKind,
    /// Cash: what was handed over. Others: what to charge.
    pub amount_minor: i64,
    pub card: Option<CardDetails>,
    pub voucher_code: Option<String>,
}

/// Everything a checkout needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub lines: Vec<SaleLine>,
    pub order_discount: Discount,
    pub order_discount_approver_id: Option<String>,
    pub customer_id: Option<String>,
    pub tenders: Vec<TenderRequest>,
    /// Made by the client; the same key with the same request returns the first order.
    pub idempotency_key: Option<String>,
    pub staff_id: String,
    /// The cart this sale empties, if it came from one.
    pub cart_id: Option<String>,
}

/// What a checkout produced (or produced the first time, for a replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutOutcome {
    pub order_id: String,
    pub number: String,
    pub total_minor: i64,
    pub rounding_minor: i64,
    pub change_minor: i64,
    pub status: OrderStatus,
    /// True when the key had been used for this very request before: nothing was written.
    pub replayed: bool,
}

/// A card tender recorded while the provider cannot be reached.
const CARD_OFFLINE_STATUS: &str = "offline_pending";

fn request_hash(req: &CheckoutRequest) -> String {
    let lines: Vec<Value> = req
        .lines
        .iter()
        .map(|l| {
            json!([
                l.product_id,
                l.quantity,
                l.unit_price_minor,
                l.tax.rate_bp,
                l.tax.inclusive,
                format!("{:?}", l.discount)
            ])
        })
        .collect();
    let tenders: Vec<Value> = req
        .tenders
        .iter()
        .map(|t| {
            let card = t.card.as_ref();
            json!([
                t.kind.as_str(),
                t.amount_minor,
                t.voucher_code,
                card.and_then(|c| c.brand.as_deref()),
                card.and_then(|c| c.last4.as_deref()),
                card.and_then(|c| c.customer_contact.as_deref()),
                card.and_then(|c| c.token.as_deref())
            ])
        })
        .collect();
    let canonical = json!({
        "lines": lines, "tenders": tenders, "discount": format!("{:?}", req.order_discount),
        "customer": req.customer_id, "staff": req.staff_id,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// An order's answer fields and the hash of the request that made it.
type KeyedOrder = (String, String, i64, i64, i64, String, Option<String>);

fn replay(tx: &WriteTx<'_>, key: &str, hash: &str) -> Result<Option<CheckoutOutcome>> {
    let found: Option<KeyedOrder> = tx
        .query_row(
            "SELECT id, number, total_minor, rounding_minor, change_minor, status, request_hash FROM orders WHERE idempotency_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()
        .db()?;
    let Some((order_id, number, total, rounding, change, status, stored_hash)) = found else {
        return Ok(None);
    };
    if stored_hash.as_deref() != Some(hash) {
        return Err(Error::new(
            ErrorCode::IdempotencyMismatch,
            format!(
                "the key '{key}' was already used for a different sale ({number}); use a new key for a new sale"
            ),
        ));
    }
    Ok(Some(CheckoutOutcome {
        order_id,
        number,
        total_minor: total,
        rounding_minor: rounding,
        change_minor: change,
        status: OrderStatus::parse(&status)?,
        replayed: true,
    }))
}

fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid_input(
            "an idempotency key is 1 to 200 characters without spaces",
        ));
    }
    Ok(())
}

/// The cash-rounding step of the store: its setting, or the currency's usual one.
pub fn cash_step(conn: &rusqlite::Connection, store_id: &str, currency: &Currency) -> Result<i64> {
    let set = settings::get_int(conn, store_id, "sell.cash_rounding_minor")?;
    Ok(if set > 0 {
        set
    } else {
        default_cash_step(currency)
    })
}

/// Sums of this device's offline card payments still waiting for the provider, sales' and
/// bookings', and the oldest one's time. Another device's pending cards (synced here) are that
/// device's to forward.
pub fn offline_card_exposure(conn: &rusqlite::Connection) -> Result<(i64, Option<String>)> {
    conn.query_row(
        &format!(
            "SELECT coalesce(sum(amount_minor), 0), min(created_at) FROM (
               SELECT p.amount_minor, p.created_at FROM payments p JOIN orders o ON o.id = p.order_id
                WHERE {} AND o.device_id = (SELECT id FROM device)
               UNION ALL
               SELECT p.amount_minor, p.created_at FROM booking_payments p
                WHERE {} AND p.device_id = (SELECT id FROM device))",
            super::cards::pending_sql(),
            super::cards::BOOKING_PENDING,
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .db()
}

/// A card payment taken offline, waiting for the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCard {
    pub payment_id: String,
    /// The sale's order, or the booking.
    pub order_id: String,
    pub number: String,
    pub amount_minor: i64,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub customer_contact: Option<String>,
    pub taken_at: String,
    /// Why the last forward to the card provider did not end in an outcome, if one was tried.
    pub forward_error: Option<String>,
}

/// Every card payment this device took offline that the provider has not confirmed yet, for
/// a sale (its order and number) or a booking (its id and reference), oldest first.
pub fn pending_cards(conn: &rusqlite::Connection) -> Result<Vec<PendingCard>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT * FROM (
               SELECT o.id, o.number, p.amount_minor, p.card_brand, p.card_last4, p.customer_contact, p.created_at,
                      t.last_error, p.id
               FROM payments p JOIN orders o ON o.id = p.order_id LEFT JOIN card_tokens t ON t.payment_id = p.id
               WHERE {} AND o.device_id = (SELECT id FROM device)
               UNION ALL
               SELECT b.id, b.reference, p.amount_minor, NULL, NULL, coalesce(c.email, c.phone), p.created_at,
                      t.last_error, p.id
               FROM booking_payments p JOIN bookings b ON b.id = p.booking_id
               LEFT JOIN customers c ON c.id = b.customer_id LEFT JOIN card_tokens t ON t.payment_id = p.id
               WHERE {} AND p.device_id = (SELECT id FROM device))
             ORDER BY 7",
            super::cards::pending_sql(),
            super::cards::BOOKING_PENDING,
        ))
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PendingCard {
                payment_id: r.get(8)?,
                order_id: r.get(0)?,
                number: r.get(1)?,
                amount_minor: r.get(2)?,
                card_brand: r.get(3)?,
                card_last4: r.get(4)?,
                customer_contact: r.get(5)?,
                taken_at: r.get(6)?,
                forward_error: r.get(7)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

fn check_card(
    tx: &WriteTx<'_>,
    store_id: &str,
    currency: &Currency,
    t: &TenderRequest,
    offline: bool,
) -> Result<()> {
    if offline {
        check_offline_card_limits(tx, store_id, currency, t.amount_minor)?;
    }
    check_card_details(t)
}

/// The store's offline card limits for a card of `amount_minor` taken offline now, on a sale
/// or a booking: per payment, this device's total exposure (its sales' and bookings' cards
/// still waiting for the provider), and the age of the oldest one still waiting.
pub(crate) fn check_offline_card_limits(
    tx: &WriteTx<'_>,
    store_id: &str,
    currency: &Currency,
    amount_minor: i64,
) -> Result<()> {
    let limits = OfflineCardLimits {
        per_payment_minor: settings::get_int(tx, store_id, "payments.offline_card_max_minor")?,
        total_exposure_minor: settings::get_int(
            tx,
            store_id,
            "payments.offline_card_exposure_minor",
        )?,
    };
    let (pending, oldest) = offline_card_exposure(tx)?;
    let max_age_h = settings::get_int(tx, store_id, "payments.offline_card_max_age_hours")?;
    if let Some(oldest) = oldest {
        let age = tx.now() - crate::parse_ts(&oldest)?;
        if age > chrono::Duration::hours(max_age_h) {
            return Err(Error::new(
                ErrorCode::Forbidden,
                format!(
                    "an offline card payment has waited more than {max_age_h} hours for the provider; connect to the network before taking more card payments offline"
                ),
            ));
        }
    }
    check_offline_card(amount_minor, pending, limits, currency)
}

/// The card's details as the terminal reported them: never a card number.
fn check_card_details(t: &TenderRequest) -> Result<()> {
    if let Some(card) = &t.card {
        if let Some(l4) = &card.last4
            && (l4.len() != 4 || !l4.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(Error::invalid_input(
                "the card's last four digits must be exactly 4 digits",
            ));
        }
        if let Some(b) = &card.brand
            && (b.len() > 20 || b.chars().any(|c| c.is_ascii_digit()))
        {
            return Err(Error::invalid_input(
                "a card brand is a short name such as VISA",
            ));
        }
        if let Some(token) = &card.token {
            super::cards::check_token(token)?;
        }
        if let Some(c) = &card.customer_contact {
            if c.chars().count() > 120 {
                return Err(Error::invalid_input(
                    "the customer contact has at most 120 characters",
                ));
            }
            if kassa_domain::pan::looks_like_pan(c) {
                return Err(Error::invalid_input(
                    "the contact looks like a card number; never type card numbers into Kassa (take an email or a phone number)",
                ));
            }
        }
    }
    Ok(())
}

/// The outbox's record of a checkout: the order with its lines, taxes and payments.
#[derive(serde::Serialize)]
struct CheckoutDoc<'a> {
    event: &'static str,
    /// The id of the order's `pay` history event, so every device keeps the same one.
    event_id: &'a str,
    /// Who approved the sale's discounts, as the `pay` event names them.
    event_approver_id: Option<&'a str>,
    order: OrderDoc<'a>,
    lines: Vec<LineDoc<'a>>,
    taxes: Vec<TaxDoc>,
    payments: Vec<PaymentDoc>,
    /// The sale's stock movements: ledger rows that travel with the order.
    stock_movements: Vec<crate::catalog::stock::MovementRow>,
}

#[derive(serde::Serialize)]
struct OrderDoc<'a> {
    store_id: &'a str,
    device_id: &'a str,
    number: &'a str,
    status: &'static str,
    customer_id: Option<&'a str>,
    staff_id: &'a str,
    shift_id: &'a str,
    currency: &'static str,
    subtotal_minor: i64,
    discount_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    rounding_minor: i64,
    change_minor: i64,
    idempotency_key: Option<&'a str>,
    request_hash: &'a str,
    business_date: &'a str,
    created_at: &'a str,
}

#[derive(serde::Serialize)]
struct LineDoc<'a> {
    id: String,
    position: usize,
    product_id: &'a str,
    sku: &'a str,
    name: &'a str,
    quantity: i64,
    unit_price_minor: i64,
    price_includes_tax: bool,
    tax_rate_bp: u32,
    cost_minor: Option<i64>,
    stock_tracked: bool,
    gross_minor: i64,
    line_discount_minor: i64,
    order_discount_minor: i64,
    net_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    price_changed: bool,
    discount_approver_id: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct TaxDoc {
    rate_bp: u32,
    net_minor: i64,
    tax_minor: i64,
    gross_minor: i64,
}

#[derive(serde::Serialize)]
struct PaymentDoc {
    id: String,
    position: usize,
    kind: &'static str,
    tendered_minor: i64,
    amount_minor: i64,
    status: &'static str,
    voucher_id: Option<String>,
    card_brand: Option<String>,
    card_last4: Option<String>,
    customer_contact: Option<String>,
    /// The provider's PaymentIntent id of a card captured at checkout.
    provider_ref: Option<String>,
}

/// Pays for the till's open cart: the sale's lines are read from the cart inside the checkout's
/// own transaction, so what is paid for is exactly what the cart holds at that moment, and two
/// checkouts of one cart cannot both succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartCheckout {
    pub cart_id: String,
    pub tenders: Vec<TenderRequest>,
    pub idempotency_key: Option<String>,
    pub staff_id: String,
}

/// Runs a checkout of `lines` (the CLI's one-step sale, the benchmarks) in one transaction.
pub fn checkout(store: &mut Store, req: CheckoutRequest) -> Result<CheckoutOutcome> {
    let (req, hash) = prepare(store, req)?;
    store.write(|tx| sell_keyed(tx, &req, &hash))
}

/// [`checkout`] rolled back: what it would answer, with nothing written (a card is taken to
/// the provider only for a sale that will be written).
pub fn try_checkout(store: &mut Store, req: CheckoutRequest) -> Result<CheckoutOutcome> {
    let (req, hash) = prepare(store, req)?;
    rolled_back(store, |tx| sell_keyed(tx, &req, &hash))
}

fn prepare(store: &Store, mut req: CheckoutRequest) -> Result<(CheckoutRequest, String)> {
    if req.lines.is_empty() {
        return Err(Error::invalid_input("the sale has no lines"));
    }
    check_request(req.idempotency_key.as_deref(), &req.tenders)?;
    keyed_voucher_codes(store, &mut req.tenders)?;
    let hash = request_hash(&req);
    Ok((req, hash))
}

fn sell_keyed(tx: &mut WriteTx<'_>, req: &CheckoutRequest, hash: &str) -> Result<CheckoutOutcome> {
    if let Some(k) = &req.idempotency_key
        && let Some(first) = replay(tx, k, hash)?
    {
        return Ok(first);
    }
    sell(tx, req, hash)
}

/// Pays for a cart in one transaction. Replaying the key of a cart already sold answers with
/// that sale when the request is the same one (the cart as sold, the tenders, the person);
/// anything else with that key is `idempotency_mismatch`.
pub fn checkout_cart(store: &mut Store, mut req: CartCheckout) -> Result<CheckoutOutcome> {
    check_request(req.idempotency_key.as_deref(), &req.tenders)?;
    keyed_voucher_codes(store, &mut req.tenders)?;
    store.write(|tx| sell_cart(tx, &req))
}

/// [`checkout_cart`] rolled back: what it would answer, with nothing written.
pub fn try_checkout_cart(store: &mut Store, mut req: CartCheckout) -> Result<CheckoutOutcome> {
    check_request(req.idempotency_key.as_deref(), &req.tenders)?;
    keyed_voucher_codes(store, &mut req.tenders)?;
    rolled_back(store, |tx| sell_cart(tx, &req))
}

fn sell_cart(tx: &mut WriteTx<'_>, req: &CartCheckout) -> Result<CheckoutOutcome> {
    let ctx = SaleContext::load(tx)?;
    if let Some(key) = &req.idempotency_key
        && let Some(sold) = order_by_key(tx, key)?
    {
        let hash = match cart::id_by_order(tx, &sold)? {
            Some(cart_id) => {
                request_hash(&cart_request(tx, &ctx, &cart::load(tx, &cart_id)?, req)?)
            }
            None => String::new(),
        };
        return replay(tx, key, &hash)?.ok_or_else(|| Error::internal("a keyed sale vanished"));
    }
    let c = cart::load(tx, &req.cart_id)?;
    if c.status != "open" {
        return Err(Error::new(
            ErrorCode::Conflict,
            "this cart is no longer open (it was paid or parked meanwhile); look at the till again",
        ));
    }
    if c.lines.is_empty() {
        return Err(Error::invalid_input("the cart is empty"));
    }
    let request = cart_request(tx, &ctx, &c, req)?;
    let hash = request_hash(&request);
    sell(tx, &request, &hash)
}

/// The message that rolls a trial checkout back.
const TRIAL: &str = "a trial checkout is rolled back";

/// Runs `f` in a write transaction that is rolled back whatever it answers.
fn rolled_back(
    store: &mut Store,
    f: impl FnOnce(&mut WriteTx<'_>) -> Result<CheckoutOutcome>,
) -> Result<CheckoutOutcome> {
    let mut got = None;
    let ended = store.write(|tx| {
        got = Some(f(tx)?);
        Err::<(), _>(Error::internal(TRIAL))
    });
    match (ended, got) {
        (Err(e), Some(outcome)) if e.message == TRIAL => Ok(outcome),
        (Err(e), _) => Err(e),
        (Ok(()), _) => Err(Error::internal("a trial checkout was not rolled back")),
    }
}

/// Voucher codes as the store keeps them (keyed hashes under the store key), before the
/// sale's transaction: the transaction looks vouchers up by them.
fn keyed_voucher_codes(store: &Store, tenders: &mut [TenderRequest]) -> Result<()> {
    if tenders.iter().all(|t| t.voucher_code.is_none()) {
        return Ok(());
    }
    let key = store.store_key()?;
    for t in tenders.iter_mut() {
        if let Some(code) = t.voucher_code.as_mut() {
            *code = voucher::stored_code_key(store.conn(), key, code)?;
        }
    }
    Ok(())
}

fn check_request(key: Option<&str>, tenders: &[TenderRequest]) -> Result<()> {
    if let Some(k) = key {
        validate_key(k)?;
    }
    let tendered: Vec<Tendered> = tenders
        .iter()
        .map(|t| Tendered {
            kind: t.kind,
            amount_minor: t.amount_minor,
        })
        .collect();
    check_tenders(&tendered)
}

fn order_by_key(tx: &WriteTx<'_>, key: &str) -> Result<Option<String>> {
    tx.query_row(
        "SELECT id FROM orders WHERE idempotency_key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()
    .db()
}

/// The sale a cart asks for, its lines flagged where the catalog's price changed since.
fn cart_request(
    tx: &WriteTx<'_>,
    ctx: &SaleContext,
    c: &cart::Cart,
    req: &CartCheckout,
) -> Result<CheckoutRequest> {
    let lines = c
        .lines
        .iter()
        .map(|l| {
            let now = catalog_port::item(tx, &ctx.store_id, &l.product_id).ok();
            SaleLine {
                product_id: l.product_id.clone(),
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price_minor: l.unit_price_minor,
                tax: l.tax,
                cost_minor: l.cost_minor,
                stock_tracked: l.stock_tracked,
                discount: l.discount,
                discount_approver_id: l.discount_approver_id.clone(),
                price_changed: now.is_some_and(|i| i.unit_price_minor != l.unit_price_minor),
            }
        })
        .collect();
    Ok(CheckoutRequest {
        lines,
        order_discount: c.discount,
        order_discount_approver_id: c.discount_approver_id.clone(),
        customer_id: c.customer_id.clone(),
        tenders: req.tenders.clone(),
        idempotency_key: req.idempotency_key.clone(),
        staff_id: req.staff_id.clone(),
        cart_id: Some(c.id.clone()),
    })
}

/// The store and device a sale is made in.
struct SaleContext {
    store_id: String,
    device_id: String,
    currency: Currency,
}

impl SaleContext {
    fn load(tx: &mut WriteTx<'_>) -> Result<SaleContext> {
        let (store_id, currency): (String, String) = tx
            .row(
                "SELECT s.id, s.currency FROM device d JOIN stores s ON s.id = d.store_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
        Ok(SaleContext {
            store_id,
            device_id: tx.device_id()?.to_string(),
            currency: Currency::from_code(&currency)?,
        })
    }
}

/// The sale being written: its order's identity and the moment it happens.
struct SaleHead {
    order_id: String,
    number: String,
    shift_id: String,
    status: OrderStatus,
    business_date: String,
    request_hash: String,
    at: String,
}

/// The steps of a sale, in one transaction: check the discounts, price, settle the tenders,
/// then write the order, its lines, taxes, payments and stock movements, and record it.
fn sell(tx: &mut WriteTx<'_>, req: &CheckoutRequest, hash: &str) -> Result<CheckoutOutcome> {
    // A cart parked with a customer whose data was erased since is not sold to them.
    if crate::customers::privacy::is_erased(tx, req.customer_id.as_deref())? {
        return Err(Error::invalid_input(
            "this customer's data was erased on their request; take them off the sale or add a new customer",
        ));
    }
    let ctx = SaleContext::load(tx)?;
    let priced = price(req)?;
    check_discounts(tx, &ctx, req, &priced)?;
    let settlement = settle_tenders(tx, &ctx, req, &priced)?;
    let head = open_order(tx, &ctx, req, &priced, &settlement, hash)?;
    let lines = write_lines(tx, &head, req, &priced)?;
    let taxes = write_taxes(tx, &head, &priced)?;
    let payments = take_payments(tx, &head, req, &settlement)?;
    let movements = move_stock(tx, &ctx, &head, req)?;
    crate::commissions::earn_on_sale(tx, &head.order_id)?;
    record_sale(
        tx,
        &ctx,
        &head,
        req,
        &priced,
        &settlement,
        SaleRows {
            lines,
            taxes,
            payments,
            movements,
        },
    )?;
    Ok(CheckoutOutcome {
        order_id: head.order_id,
        number: head.number,
        total_minor: priced.total_minor,
        rounding_minor: settlement.rounding_minor,
        change_minor: settlement.change_minor,
        status: head.status,
        replayed: false,
    })
}

fn price(req: &CheckoutRequest) -> Result<PricedCart> {
    for l in &req.lines {
        kassa_domain::selling::check_quantity(l.quantity)
            .map_err(|e| Error::invalid_input(format!("{}: {}", l.sku, e.message)))?;
        check_amount(&format!("the price of {}", l.sku), l.unit_price_minor)?;
    }
    let inputs: Vec<LineInput> = req
        .lines
        .iter()
        .map(|l| LineInput {
            unit_price_minor: l.unit_price_minor,
            quantity: l.quantity,
            tax: l.tax,
            discount: l.discount,
        })
        .collect();
    price_cart(&inputs, req.order_discount)
}

/// Discounts that together take more than `sell.max_discount_bp` off the sale need a manager:
/// either the seller's role allows it, or every discount on the sale carries the approval
/// given for it (a change to an approved line or cart drops that approval, see `cart`).
fn check_discounts(
    tx: &WriteTx<'_>,
    ctx: &SaleContext,
    req: &CheckoutRequest,
    priced: &PricedCart,
) -> Result<()> {
    let limit = settings::get_int(tx, &ctx.store_id, "sell.max_discount_bp")?;
    let share = discount_share_bp(priced.discount_minor, priced.subtotal_minor);
    if share <= limit {
        return Ok(());
    }
    let role = crate::identity::staff::get(tx, &req.staff_id)?.role;
    if allows(role, Permission::DiscountAboveLimit) {
        return Ok(());
    }
    let unapproved = req
        .lines
        .iter()
        .any(|l| l.discount != Discount::None && l.discount_approver_id.is_none())
        || (req.order_discount != Discount::None && req.order_discount_approver_id.is_none());
    if unapproved {
        return Err(Error::forbidden(format!(
            "the discounts take {} off the sale, above the limit of {}; a manager must approve them",
            percent(share),
            percent(limit)
        )));
    }
    Ok(())
}

fn percent(bp: i64) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

fn settle_tenders(
    tx: &WriteTx<'_>,
    ctx: &SaleContext,
    req: &CheckoutRequest,
    priced: &PricedCart,
) -> Result<Settlement> {
    let tendered: Vec<Tendered> = req
        .tenders
        .iter()
        .map(|t| Tendered {
            kind: t.kind,
            amount_minor: t.amount_minor,
        })
        .collect();
    let step = cash_step(tx, &ctx.store_id, &ctx.currency)?;
    let settlement = settle(priced.total_minor, &tendered, step, &ctx.currency)?;
    for t in req.tenders.iter().filter(|t| t.kind == TenderKind::Card) {
        let captured = t
            .card
            .as_ref()
            .and_then(|c| c.attempt.as_ref())
            .is_some_and(|a| a.captured.is_some());
        check_card(tx, &ctx.store_id, &ctx.currency, t, !captured)?;
    }
    Ok(settlement)
}

/// Takes the next receipt number and writes the order row.
fn open_order(
    tx: &mut WriteTx<'_>,
    ctx: &SaleContext,
    req: &CheckoutRequest,
    priced: &PricedCart,
    settlement: &Settlement,
    hash: &str,
) -> Result<SaleHead> {
    let order_id = req
        .tenders
        .iter()
        .find_map(|t| t.card.as_ref().and_then(|c| c.attempt.as_ref()))
        .map_or_else(new_id, |a| a.order_id.clone());
    let (store_code, device_code) = series::codes(tx)?;
    let number = receipt_number(
        &store_code,
        &device_code,
        series::next(tx, series::Series::Sale)?,
    );
    let shift_id = shift::ensure_open(tx, &ctx.store_id, &req.staff_id)?;
    let at = tx.now_ts();
    let business_date = open_business_date(tx, &ctx.device_id, tx.now())?;
    let status = transition(OrderStatus::Draft, OrderEvent::Pay)?;
    tx.exec(
        "INSERT INTO orders (id, store_id, device_id, number, status, customer_id, staff_id, shift_id, currency,
            subtotal_minor, discount_minor, tax_minor, total_minor, rounding_minor, change_minor,
            idempotency_key, request_hash, business_date, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            order_id,
            ctx.store_id,
            ctx.device_id,
            number,
            status.as_str(),
            req.customer_id,
            req.staff_id,
            shift_id,
            ctx.currency.code(),
            priced.subtotal_minor,
            priced.discount_minor,
            priced.tax_minor,
            priced.total_minor,
            settlement.rounding_minor,
            settlement.change_minor,
            req.idempotency_key,
            hash,
            business_date,
            at
        ],
    )?;
    Ok(SaleHead {
        order_id,
        number,
        shift_id,
        status,
        business_date,
        request_hash: hash.to_string(),
        at,
    })
}

fn write_lines<'r>(
    tx: &mut WriteTx<'_>,
    head: &SaleHead,
    req: &'r CheckoutRequest,
    priced: &PricedCart,
) -> Result<Vec<LineDoc<'r>>> {
    let mut docs = Vec::with_capacity(req.lines.len());
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO order_lines (id, order_id, position, product_id, sku, name, quantity, unit_price_minor,
                price_includes_tax, tax_rate_bp, cost_minor, stock_tracked, gross_minor, line_discount_minor,
                order_discount_minor, net_minor, tax_minor, total_minor, price_changed, discount_approver_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )
        .db()?;
    for (i, (l, p)) in req.lines.iter().zip(&priced.lines).enumerate() {
        let line_id = new_id();
        ins.execute(params![
            line_id,
            head.order_id,
            i as i64 + 1,
            l.product_id,
            l.sku,
            l.name,
            l.quantity,
            l.unit_price_minor,
            i64::from(l.tax.inclusive),
            l.tax.rate_bp,
            l.cost_minor,
            i64::from(l.stock_tracked),
            p.gross_minor,
            p.line_discount_minor,
            p.order_discount_minor,
            p.net_minor,
            p.tax_minor,
            p.total_minor,
            i64::from(l.price_changed),
            l.discount_approver_id
        ])
        .db()?;
        docs.push(LineDoc {
            id: line_id,
            position: i + 1,
            product_id: &l.product_id,
            sku: &l.sku,
            name: &l.name,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            price_includes_tax: l.tax.inclusive,
            tax_rate_bp: l.tax.rate_bp,
            cost_minor: l.cost_minor,
            stock_tracked: l.stock_tracked,
            gross_minor: p.gross_minor,
            line_discount_minor: p.line_discount_minor,
            order_discount_minor: p.order_discount_minor,
            net_minor: p.net_minor,
            tax_minor: p.tax_minor,
            total_minor: p.total_minor,
            price_changed: l.price_changed,
            discount_approver_id: l.discount_approver_id.as_deref(),
        });
    }
    Ok(docs)
}

fn write_taxes(tx: &mut WriteTx<'_>, head: &SaleHead, priced: &PricedCart) -> Result<Vec<TaxDoc>> {
    let mut docs = Vec::with_capacity(priced.taxes.len());
    for t in &priced.taxes {
        tx.prepare_cached(
            "INSERT INTO order_taxes (order_id, rate_bp, net_minor, tax_minor, gross_minor) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?
        .execute(params![head.order_id, t.rate_bp, t.net_minor, t.tax_minor, t.gross_minor])
        .db()?;
        docs.push(TaxDoc {
            rate_bp: t.rate_bp,
            net_minor: t.net_minor,
            tax_minor: t.tax_minor,
            gross_minor: t.gross_minor,
        });
    }
    Ok(docs)
}

/// Writes the payments; a voucher is redeemed from its ledger here.
fn take_payments(
    tx: &mut WriteTx<'_>,
    head: &SaleHead,
    req: &CheckoutRequest,
    settlement: &Settlement,
) -> Result<Vec<PaymentDoc>> {
    let mut docs = Vec::with_capacity(settlement.applied.len());
    for (i, applied) in settlement.applied.iter().enumerate() {
        let request = req.tenders.iter().find(|t| t.kind == applied.kind);
        let card = request.and_then(|t| t.card.clone()).unwrap_or_default();
        let attempt = card
            .attempt
            .clone()
            .filter(|_| applied.kind == TenderKind::Card);
        let payment_id = attempt
            .as_ref()
            .map_or_else(new_id, |a| a.payment_id.clone());
        let provider_key = attempt.as_ref().map(|a| a.provider_key.clone());
        let captured = attempt.and_then(|a| a.captured);
        let status = if applied.kind == TenderKind::Card && captured.is_none() {
            CARD_OFFLINE_STATUS
        } else {
            "captured"
        };
        let voucher_id = match (
            applied.kind,
            request.and_then(|t| t.voucher_code.as_deref()),
        ) {
            (TenderKind::Voucher, Some(code)) => Some(voucher::redeem(
                tx,
                code,
                applied.applied_minor,
                &payment_id,
                &req.staff_id,
            )?),
            (TenderKind::Voucher, None) => {
                return Err(Error::invalid_input(
                    "a voucher payment needs the voucher's code",
                ));
            }
            _ => None,
        };
        if applied.kind == TenderKind::Card
            && captured.is_none()
            && let Some(token) = card.token.as_deref()
        {
            let key = provider_key
                .as_deref()
                .or(req.idempotency_key.as_deref())
                .unwrap_or(&payment_id);
            super::cards::keep_token(tx, &payment_id, &head.order_id, token, key, &head.at)?;
        }
        let (brand, last4, contact) = if applied.kind == TenderKind::Card {
            (
                card.brand
                    .or_else(|| captured.as_ref().and_then(|c| c.brand.clone()))
                    .map(|b| b.trim().to_ascii_uppercase()),
                card.last4
                    .or_else(|| captured.as_ref().and_then(|c| c.last4.clone())),
                card.customer_contact,
            )
        } else {
            (None, None, None)
        };
        let provider_ref = captured.as_ref().map(|c| c.intent_id.clone());
        tx.exec(
            "INSERT INTO payments (id, order_id, position, kind, tendered_minor, amount_minor, status, voucher_id,
                card_brand, card_last4, customer_contact, created_at, provider_ref)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                payment_id,
                head.order_id,
                i as i64 + 1,
                applied.kind.as_str(),
                applied.tendered_minor,
                applied.applied_minor,
                status,
                voucher_id,
                brand,
                last4,
                contact,
                head.at,
                provider_ref
            ],
        )?;
        docs.push(PaymentDoc {
            id: payment_id,
            position: i + 1,
            kind: applied.kind.as_str(),
            tendered_minor: applied.tendered_minor,
            amount_minor: applied.applied_minor,
            status,
            voucher_id,
            card_brand: brand,
            card_last4: last4,
            customer_contact: contact,
            provider_ref,
        });
    }
    Ok(docs)
}

fn move_stock(
    tx: &mut WriteTx<'_>,
    ctx: &SaleContext,
    head: &SaleHead,
    req: &CheckoutRequest,
) -> Result<Vec<crate::catalog::stock::MovementRow>> {
    let sold: Vec<(&str, i64)> = req
        .lines
        .iter()
        .filter(|l| l.stock_tracked)
        .map(|l| (l.product_id.as_str(), l.quantity))
        .collect();
    if sold.is_empty() {
        return Ok(Vec::new());
    }
    catalog_port::sell(tx, &ctx.store_id, &sold, &head.order_id, &req.staff_id)
}

/// The rows a sale wrote, for its outbox document.
struct SaleRows<'r> {
    lines: Vec<LineDoc<'r>>,
    taxes: Vec<TaxDoc>,
    payments: Vec<PaymentDoc>,
    movements: Vec<crate::catalog::stock::MovementRow>,
}

/// The order's history event, the cart closed as sold, the outbox document and the audit entry.
fn record_sale(
    tx: &mut WriteTx<'_>,
    ctx: &SaleContext,
    head: &SaleHead,
    req: &CheckoutRequest,
    priced: &PricedCart,
    settlement: &Settlement,
    rows: SaleRows<'_>,
) -> Result<()> {
    let approver = req.order_discount_approver_id.clone().or_else(|| {
        req.lines
            .iter()
            .find_map(|l| l.discount_approver_id.clone())
    });
    let event_id = new_id();
    tx.exec(
        "INSERT INTO order_events (id, order_id, event, from_status, to_status, actor_id, approver_id, created_at)
         VALUES (?1, ?2, 'pay', 'draft', ?3, ?4, ?5, ?6)",
        params![event_id, head.order_id, head.status.as_str(), req.staff_id, approver, head.at],
    )?;
    if let Some(cart_id) = &req.cart_id {
        cart::mark_checked_out(tx, cart_id, &head.order_id)?;
    }
    let document = CheckoutDoc {
        event: "checkout",
        event_id: &event_id,
        event_approver_id: approver.as_deref(),
        order: OrderDoc {
            store_id: &ctx.store_id,
            device_id: &ctx.device_id,
            number: &head.number,
            status: head.status.as_str(),
            customer_id: req.customer_id.as_deref(),
            staff_id: &req.staff_id,
            shift_id: &head.shift_id,
            currency: ctx.currency.code(),
            subtotal_minor: priced.subtotal_minor,
            discount_minor: priced.discount_minor,
            tax_minor: priced.tax_minor,
            total_minor: priced.total_minor,
            rounding_minor: settlement.rounding_minor,
            change_minor: settlement.change_minor,
            idempotency_key: req.idempotency_key.as_deref(),
            request_hash: &head.request_hash,
            business_date: &head.business_date,
            created_at: &head.at,
        },
        lines: rows.lines,
        taxes: rows.taxes,
        payments: rows.payments,
        stock_movements: rows.movements,
    };
    tx.record_change("orders", &head.order_id, ChangeOp::Event, &document)?;
    let mut audit = AuditInput::new("order.checkout").by(&req.staff_id).on("order", &head.order_id).after(json!({
        "number": head.number, "total_minor": priced.total_minor, "discount_minor": priced.discount_minor,
        "tenders": settlement.applied.iter().map(|a| json!([a.kind.as_str(), a.applied_minor])).collect::<Vec<_>>(),
        "change_minor": settlement.change_minor,
    }));
    if let Some(a) = approver.as_deref() {
        audit = audit.approved_by(a);
    }
    tx.audit(audit).map(|_| ())
}

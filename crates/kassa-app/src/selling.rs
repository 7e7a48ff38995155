//! Selling through the API: the cart, checkout, orders, refunds and voids, receipts, shifts,
//! Z reports and vouchers. Limits above which a manager must approve are checked here, with
//! the manager's approval given in place (see `approval`).

use crate::approval::{Approver, approved};
use crate::context::Cx;
use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::Permission;
use kassa_domain::selling::cash::round_cash;
use kassa_domain::selling::check_quantity;
use kassa_domain::selling::pricing::{Discount, combined_discount_bp, price_cart};
use kassa_domain::selling::tender::TenderKind;
use kassa_store::selling::checkout::{
    self, CardDetails, CartCheckout, CheckoutRequest, SaleLine, TenderRequest,
};
use kassa_store::selling::refund::{self, RefundLine, RefundRequest};
use kassa_store::selling::{cart, catalog_port, order};
use kassa_store::{AuditInput, foundation::device, foundation::settings, identity::staff};
use serde_json::json;

fn discount_in(d: DiscountDto) -> ApiResult<Discount> {
    Ok(match d {
        DiscountDto::None => Discount::None,
        DiscountDto::Percent { basis_points } => Discount::Percent(basis_points),
        DiscountDto::Amount { amount_minor } if amount_minor >= 0 => Discount::Amount(amount_minor),
        DiscountDto::Amount { .. } => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "a discount cannot be negative",
            ));
        }
    })
}

fn discount_out(d: Discount) -> DiscountDto {
    match d {
        Discount::None => DiscountDto::None,
        Discount::Percent(bp) => DiscountDto::Percent { basis_points: bp },
        Discount::Amount(a) => DiscountDto::Amount { amount_minor: a },
    }
}

/// The tenders as the store takes them; their rules (how many, each kind once, amounts) are
/// `kassa_domain::selling::tender::check_tenders`, applied by the checkout itself.
fn tenders_in(tenders: &[TenderInput]) -> ApiResult<Vec<TenderRequest>> {
    tenders
        .iter()
        .map(|t| {
            let kind = TenderKind::parse(&t.kind)?;
            Ok(TenderRequest {
                kind,
                amount_minor: t.amount_minor,
                card: (kind == TenderKind::Card).then(|| CardDetails {
                    brand: t.card_brand.clone().filter(|s| !s.trim().is_empty()),
                    last4: t.card_last4.clone().filter(|s| !s.trim().is_empty()),
                    customer_contact: t.customer_contact.clone().filter(|s| !s.trim().is_empty()),
                    token: t.card_token.clone().filter(|s| !s.trim().is_empty()),
                    attempt: None,
                }),
                voucher_code: t.voucher_code.clone(),
            })
        })
        .collect()
}

fn checkout_out(o: checkout::CheckoutOutcome, card_pending: bool) -> CheckoutOutput {
    CheckoutOutput {
        order_id: o.order_id,
        number: o.number,
        total_minor: o.total_minor,
        rounding_minor: o.rounding_minor,
        change_minor: o.change_minor,
        status: o.status.as_str().to_string(),
        replayed: o.replayed,
        card_pending,
    }
}

/// Whether a sale has a card payment still waiting for the provider.
fn card_pending(conn: &kassa_store::Connection, order_id: &str) -> ApiResult<bool> {
    Ok(order::load(conn, order_id)?
        .payments
        .iter()
        .any(|p| p.status == "offline_pending"))
}

fn staff_name(conn: &kassa_store::Connection, id: &str) -> Option<String> {
    staff::get(conn, id).ok().map(|s| s.display_name)
}

impl Api {
    /// The open cart of this till, priced, with lines whose catalog price changed flagged.
    pub fn cart_get(&self, _: NoInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = cx.open_cart()?;
        cart_dto(&cx, &id)
    }

    /// Adds an item by barcode/SKU or product id, at its price now.
    pub fn cart_add(&self, input: CartAddInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        let qty = input.quantity.unwrap_or(1);
        let item = {
            let store = &cx.store;
            match (input.code.as_deref(), input.product_id.as_deref()) {
                (Some(code), None) if !code.trim().is_empty() => {
                    catalog_port::item_by_code(store.conn(), &store_id, code)?
                }
                (None, Some(id)) => catalog_port::item(store.conn(), &store_id, id)?,
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "give a barcode or SKU, or a product id",
                    ));
                }
            }
        };
        let id = cx.open_cart()?;
        cx.store
            .write(|tx| cart::add(tx, &id, &item, qty).map(|_| ()))?;
        cart_dto(&cx, &id)
    }

    /// The favourites grid: best sellers of the last 30 days, or a category's products.
    pub fn sell_favourites(&self, input: FavouritesInput) -> ApiResult<FavouritesDto> {
        let cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        let store = &cx.store;
        let since = kassa_store::ts(store.clock().now() - chrono::Duration::days(30));
        let items = catalog_port::favourites(
            store.conn(),
            &store_id,
            input.category_id.as_deref(),
            &since,
            24,
        )?
        .into_iter()
        .map(|f| FavouriteDto {
            product_id: f.product_id,
            name: f.name,
            price_minor: f.price_minor,
        })
        .collect();
        let categories = kassa_store::catalog::categories(store.conn(), &store_id)?
            .into_iter()
            .filter(|c| c.parent_id.is_none())
            .map(|c| CategoryTabDto {
                id: c.id,
                name: c.name,
            })
            .collect();
        Ok(FavouritesDto { categories, items })
    }

    /// Changes a line's quantity.
    pub fn cart_set_quantity(&self, input: CartQuantityInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = cx.open_cart()?;
        cx.store
            .write(|tx| cart::set_quantity(tx, &id, &input.line_id, input.quantity))?;
        cart_dto(&cx, &id)
    }

    /// Removes a line.
    pub fn cart_remove_line(&self, input: CartLineRef) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = cx.open_cart()?;
        cx.store
            .write(|tx| cart::remove_line(tx, &id, &input.line_id))?;
        cart_dto(&cx, &id)
    }

    /// Sets a line's or the order's discount. When the line and order discounts together take
    /// more than `sell.max_discount_bp` off the cart, a manager approves in place; the approval
    /// holds for the cart as it is (see `cart`) and its code is used up with the discount.
    pub fn cart_discount(&self, input: CartDiscountInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        let discount = discount_in(input.discount)?;
        let id = cx.open_cart()?;
        let (share, limit) = {
            let store = &cx.store;
            let mut c = cart::load(store.conn(), &id)?;
            match &input.line_id {
                Some(line_id) => {
                    c.lines
                        .iter_mut()
                        .find(|l| &l.id == line_id)
                        .ok_or_else(|| {
                            ApiError::new(ErrorCode::NotFound, "the cart has no such line")
                        })?
                        .discount = discount;
                }
                None => c.discount = discount,
            }
            let share = combined_discount_bp(&c.pricing_inputs(), c.discount)?;
            let limit = settings::get_int(store.conn(), &store_id, "sell.max_discount_bp")?;
            (share, limit)
        };
        let approver: Option<Approver> = if share > limit {
            cx.approve(input.approval.as_ref(), Permission::DiscountAboveLimit)?
        } else {
            None
        };
        let approver_id = approver.as_ref().map(|a| a.staff_id.as_str());
        cx.store.write(|tx| {
            match &input.line_id {
                Some(line_id) => cart::set_line_discount(tx, &id, line_id, discount, approver_id)?,
                None => cart::set_order_discount(tx, &id, discount, approver_id)?,
            }
            if let Some(a) = &approver {
                kassa_store::identity::approval::consume(tx, a)?;
                tx.audit(approved(
                    AuditInput::new("cart.discount_approved")
                        .by(&cx.me.staff_id)
                        .on("cart", &id)
                        .after(
                            json!({"line_id": input.line_id, "share_bp": share, "limit_bp": limit}),
                        ),
                    approver.as_ref(),
                ))?;
            }
            Ok(())
        })?;
        cart_dto(&cx, &id)
    }

    /// Attaches or detaches a customer.
    pub fn cart_set_customer(&self, input: CartCustomerInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        if let Some(cid) = &input.customer_id {
            let c = kassa_store::customers::get(cx.store.conn(), &store_id, cid)?;
            kassa_store::customers::privacy::refuse_erased(&c)?;
        }
        let id = cx.open_cart()?;
        cx.store
            .write(|tx| cart::set_customer(tx, &id, input.customer_id.as_deref()))?;
        cart_dto(&cx, &id)
    }

    /// Takes the catalog's current price for a flagged line.
    pub fn cart_reprice(&self, input: CartLineRef) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        let id = cx.open_cart()?;
        let product_id = cart::load(cx.store.conn(), &id)?
            .lines
            .into_iter()
            .find(|l| l.id == input.line_id)
            .map(|l| l.product_id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "the cart has no such line"))?;
        let item = catalog_port::item(cx.store.conn(), &store_id, &product_id)?;
        cx.store
            .write(|tx| cart::reprice_line(tx, &id, &input.line_id, &item))?;
        cart_dto(&cx, &id)
    }

    /// Parks the open cart and starts an empty one.
    pub fn cart_park(&self, input: CartParkInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = cx.open_cart()?;
        cx.store
            .write(|tx| cart::park(tx, &id, input.name.as_deref().unwrap_or("")))?;
        let new_id = cx.open_cart()?;
        cart_dto(&cx, &new_id)
    }

    /// The parked carts of this till.
    pub fn cart_parked(&self, _: NoInput) -> ApiResult<ParkedCartsDto> {
        let cx = self.begin(Permission::Sell)?;
        let store = &cx.store;
        let dev = device::device(store.conn())?
            .ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "no device"))?;
        let carts = cart::parked(store.conn(), &dev.id)?
            .into_iter()
            .map(|p| ParkedCartDto {
                staff_name: staff_name(store.conn(), &p.staff_id).unwrap_or_default(),
                id: p.id,
                name: p.name,
                lines: p.lines,
                updated_at: p.updated_at,
            })
            .collect();
        Ok(ParkedCartsDto { carts })
    }

    /// Resumes a parked cart (parking the open one if it has lines).
    pub fn cart_resume(&self, input: CartRef) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        cx.store.write(|tx| cart::resume(tx, &input.cart_id))?;
        cart_dto(&cx, &input.cart_id)
    }

    /// Empties the open cart.
    pub fn cart_clear(&self, _: NoInput) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = cx.open_cart()?;
        cx.store.write(|tx| cart::clear(tx, &id))?;
        cart_dto(&cx, &id)
    }

    /// Pays for the open cart: one transaction that reads the cart, or nothing.
    pub fn checkout(&self, input: CheckoutInput) -> ApiResult<CheckoutOutput> {
        let mut tenders = tenders_in(&input.tenders)?;
        let mut key = input.idempotency_key;
        let mut cx = self.begin(Permission::Sell)?;
        // A card with the terminal's token on a paired till goes to the provider first, for a
        // sale that a trial checkout showed will be written (`cards`).
        if let Some(token) = crate::cards::card_to_take(&cx.store, &tenders, &mut key)? {
            let trial = CartCheckout {
                cart_id: cx.open_cart()?,
                tenders: tenders.clone(),
                idempotency_key: key.clone(),
                staff_id: cx.me.staff_id.clone(),
            };
            checkout::try_checkout_cart(&mut cx.store, trial)?;
            drop(cx);
            self.take_card(&mut tenders, key.as_deref().unwrap_or_default(), &token)?;
            cx = self.begin(Permission::Sell)?;
        }
        let id = cx.open_cart()?;
        let out = checkout::checkout_cart(
            &mut cx.store,
            CartCheckout {
                cart_id: id,
                tenders,
                idempotency_key: key,
                staff_id: cx.me.staff_id.clone(),
            },
        )?;
        let card_pending = card_pending(cx.store.conn(), &out.order_id)?;
        Ok(checkout_out(out, card_pending))
    }

    /// Sells in one step, without the till's cart (the CLI's `kassa sell`).
    pub fn sell(&self, input: SellInput) -> ApiResult<CheckoutOutput> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        if input.lines.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "give at least one line (SKU=QTY)",
            ));
        }
        let tenders = tenders_in(&input.tenders)?;
        let lines = {
            let store = &cx.store;
            input
                .lines
                .iter()
                .map(|l| {
                    check_quantity(l.quantity).map_err(|e| {
                        ApiError::new(
                            ErrorCode::InvalidInput,
                            format!("{}: {}", l.code, e.message),
                        )
                    })?;
                    let item = catalog_port::item_by_code(store.conn(), &store_id, &l.code)?;
                    Ok(SaleLine {
                        product_id: item.product_id,
                        sku: item.sku,
                        name: item.name,
                        quantity: l.quantity,
                        unit_price_minor: item.unit_price_minor,
                        tax: item.tax,
                        cost_minor: item.cost_minor,
                        stock_tracked: item.stock_tracked,
                        discount: Discount::None,
                        discount_approver_id: None,
                        price_changed: false,
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?
        };
        if let Some(cid) = &input.customer_id {
            kassa_store::customers::get(cx.store.conn(), &store_id, cid)?;
        }
        let mut req = CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: input.customer_id,
            tenders,
            idempotency_key: input.idempotency_key,
            staff_id: cx.me.staff_id.clone(),
            cart_id: None,
        };
        // A card with the terminal's token on a paired till goes to the provider first (`cards`).
        if let Some(token) =
            crate::cards::card_to_take(&cx.store, &req.tenders, &mut req.idempotency_key)?
        {
            checkout::try_checkout(&mut cx.store, req.clone())?;
            drop(cx);
            let key = req.idempotency_key.clone().unwrap_or_default();
            self.take_card(&mut req.tenders, &key, &token)?;
            cx = self.begin(Permission::Sell)?;
        }
        let out = checkout::checkout(&mut cx.store, req)?;
        let card_pending = card_pending(cx.store.conn(), &out.order_id)?;
        Ok(checkout_out(out, card_pending))
    }

    /// An order with its lines, payments and history.
    pub fn order_get(&self, input: OrderRef) -> ApiResult<OrderDto> {
        let cx = self.begin(Permission::Sell)?;
        let id = resolve_order(
            cx.store.conn(),
            input.order_id.as_deref(),
            input.number.as_deref(),
        )?;
        let store = &cx.store;
        let o = order::load(store.conn(), &id)?;
        let name = |id: &str| staff_name(store.conn(), id);
        Ok(OrderDto {
            staff_name: name(&o.staff_id),
            events: o
                .events
                .iter()
                .map(|e| OrderEventDto {
                    event: e.event.clone(),
                    from_status: e.from_status.clone(),
                    to_status: e.to_status.clone(),
                    actor_name: name(&e.actor_id),
                    approver_name: e.approver_id.as_deref().and_then(name),
                    reason: e.reason.clone(),
                    at: e.created_at.clone(),
                })
                .collect(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineDto {
                    id: l.id.clone(),
                    product_id: l.product_id.clone(),
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    returned: l.returned,
                    unit_price_minor: l.unit_price_minor,
                    tax_rate_bp: l.tax_rate_bp,
                    discount_minor: l.discount_minor,
                    total_minor: l.total_minor,
                    price_changed: l.price_changed,
                })
                .collect(),
            taxes: o
                .taxes
                .iter()
                .map(|t| TaxLineDto {
                    rate_bp: t.rate_bp,
                    net_minor: t.net_minor,
                    tax_minor: t.tax_minor,
                    gross_minor: t.gross_minor,
                })
                .collect(),
            payments: o
                .payments
                .iter()
                .map(|p| PaymentDto {
                    kind: p.kind.clone(),
                    tendered_minor: p.tendered_minor,
                    amount_minor: p.amount_minor,
                    status: p.status.clone(),
                    card_brand: p.card_brand.clone(),
                    card_last4: p.card_last4.clone(),
                    refunded_minor: p.refunded_minor,
                })
                .collect(),
            id: o.id,
            number: o.number,
            status: o.status.as_str().to_string(),
            customer_id: o.customer_id,
            currency: o.currency,
            subtotal_minor: o.subtotal_minor,
            discount_minor: o.discount_minor,
            tax_minor: o.tax_minor,
            total_minor: o.total_minor,
            rounding_minor: o.rounding_minor,
            change_minor: o.change_minor,
            refunded_minor: o.refunded_minor,
            balance_owed_minor: o.balance_owed_minor,
            created_at: o.created_at,
        })
    }

    /// Recent orders, newest first (a customer's purchases with `customer_id`).
    pub fn orders_recent(&self, input: OrdersInput) -> ApiResult<OrdersDto> {
        let me = self.current_session()?;
        if !kassa_domain::role::allows(me.role, Permission::Sell)
            && !kassa_domain::role::allows(me.role, Permission::ManageCustomers)
        {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "your role may not see sales",
            ));
        }
        let limit = input.limit.unwrap_or(50).min(500);
        let orders = order::recent(self.store().conn(), input.customer_id.as_deref(), limit)?
            .into_iter()
            .map(|o| OrderSummaryDto {
                id: o.id,
                number: o.number,
                status: o.status,
                total_minor: o.total_minor,
                created_at: o.created_at,
            })
            .collect();
        Ok(OrdersDto { orders })
    }

    /// Refunds (part of) a sale to its original tenders. When the sale's refunds with this one
    /// come to more than `sell.refund_limit_minor`, a manager approves; the store checks it again
    /// inside the refund's transaction, where the approval's code is used up.
    pub fn refund(&self, input: RefundInput) -> ApiResult<RefundOutput> {
        let mut cx = self.begin(Permission::Refund)?;
        let store_id = cx.store_id.clone();
        let order_id = resolve_order(
            cx.store.conn(),
            input.order_id.as_deref(),
            input.number.as_deref(),
        )?;
        let lines = refund_lines(
            cx.store.conn(),
            &order_id,
            input.lines.as_deref().unwrap_or_default(),
        )?;
        // Whether an approval that came along is needed: then it is verified here. Without
        // one, the store refuses a refund that needs it, saying why; a refund the store will
        // refuse anyway (or replay by its key) is left to it.
        let needed = {
            let store = &cx.store;
            let o = order::load(store.conn(), &order_id)?;
            match refund::plan(&o, &lines) {
                Ok((_, amount, _, _)) => {
                    refund::approval_needed(store.conn(), &store_id, &order_id, amount, false)?
                }
                Err(_) => None,
            }
        };
        let approver = match (needed, input.approval.as_ref()) {
            (Some((permission, _)), Some(creds)) => cx.approve(Some(creds), permission)?,
            _ => None,
        };
        let out = refund::refund(
            &mut cx.store,
            RefundRequest {
                order_id,
                lines,
                reason: input.reason.filter(|r| !r.trim().is_empty()),
                staff_id: cx.me.staff_id.clone(),
                approver,
                idempotency_key: input.idempotency_key,
                void: false,
            },
        )?;
        drop(cx);
        let mut out = out;
        self.pay_back_cards(&mut out)?;
        Ok(refund_out(out))
    }

    /// Voids a whole sale that was not handed over or refunded; needs the void permission or
    /// a manager's approval, checked again by the store in the void's transaction.
    pub fn void_order(&self, input: VoidInput) -> ApiResult<RefundOutput> {
        let mut cx = self.begin(Permission::Sell)?;
        if input.reason.trim().is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "say why the sale is voided",
            ));
        }
        let approver = cx.approve(input.approval.as_ref(), Permission::Void)?;
        let out = refund::refund(
            &mut cx.store,
            RefundRequest {
                order_id: input.order_id,
                lines: Vec::new(),
                reason: Some(input.reason),
                staff_id: cx.me.staff_id.clone(),
                approver,
                idempotency_key: None,
                void: true,
            },
        )?;
        drop(cx);
        let mut out = out;
        self.pay_back_cards(&mut out)?;
        Ok(refund_out(out))
    }

    /// Marks a paid order as handed over.
    pub fn order_fulfil(&self, input: OrderRef) -> ApiResult<OrderDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let id = resolve_order(
            cx.store.conn(),
            input.order_id.as_deref(),
            input.number.as_deref(),
        )?;
        cx.store
            .write(|tx| order::fulfil(tx, &id, &cx.me.staff_id))?;
        drop(cx);
        self.order_get(OrderRef {
            order_id: Some(id),
            number: None,
        })
    }

    /// Puts a past order's items into the open cart again, at today's prices.
    pub fn reorder(&self, input: OrderRef) -> ApiResult<CartDto> {
        let mut cx = self.begin(Permission::Sell)?;
        let store_id = cx.store_id.clone();
        let id = resolve_order(
            cx.store.conn(),
            input.order_id.as_deref(),
            input.number.as_deref(),
        )?;
        let o = order::load(cx.store.conn(), &id)?;
        let cart_id = cx.open_cart()?;
        let mut missing = Vec::new();
        let items: Vec<(catalog_port::Item, i64)> = {
            let store = &cx.store;
            o.lines
                .iter()
                .filter_map(
                    |l| match catalog_port::item(store.conn(), &store_id, &l.product_id) {
                        Ok(item) => Some((item, l.quantity)),
                        Err(_) => {
                            missing.push(l.name.clone());
                            None
                        }
                    },
                )
                .collect()
        };
        if items.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "none of the order's items are for sale any more",
            ));
        }
        cx.store.write(|tx| {
            for (item, qty) in &items {
                cart::add(tx, &cart_id, item, *qty)?;
            }
            if o.customer_id.is_some() {
                cart::set_customer(tx, &cart_id, o.customer_id.as_deref())?;
            }
            Ok(())
        })?;
        cart_dto(&cx, &cart_id)
    }
}

impl Cx<'_> {
    /// The open cart of this till, made when there is none.
    fn open_cart(&mut self) -> ApiResult<String> {
        let staff_id = self.me.staff_id.clone();
        Ok(self.store.write(|tx| cart::current(tx, &staff_id))?)
    }
}

/// The cart priced, with lines whose catalog price changed flagged.
fn cart_dto(cx: &Cx<'_>, cart_id: &str) -> ApiResult<CartDto> {
    let (store_id, currency) = (&cx.store_id, &cx.currency);
    let store = &cx.store;
    let c = cart::load(store.conn(), cart_id)?;
    let priced = price_cart(&c.pricing_inputs(), c.discount)?;
    let step = checkout::cash_step(store.conn(), store_id, currency)?;
    let (cash_total, _) = round_cash(priced.total_minor, step)?;
    let parked = cart::parked(store.conn(), &cx.device_id)?.len();
    let mut lines = Vec::with_capacity(c.lines.len());
    for (l, p) in c.lines.iter().zip(&priced.lines) {
        let current = catalog_port::item(store.conn(), store_id, &l.product_id)
            .ok()
            .filter(|i| i.unit_price_minor != l.unit_price_minor || i.tax != l.tax)
            .map(|i| i.unit_price_minor);
        lines.push(CartLineDto {
            id: l.id.clone(),
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            tax_rate_bp: l.tax.rate_bp,
            price_includes_tax: l.tax.inclusive,
            discount: discount_out(l.discount),
            discount_minor: p.line_discount_minor,
            total_minor: p.gross_minor - p.line_discount_minor,
            current_price_minor: current,
        });
    }
    let customer_name = c
        .customer_id
        .as_deref()
        .and_then(|id| kassa_store::customers::get(store.conn(), store_id, id).ok())
        .map(|cu| cu.data.name);
    Ok(CartDto {
        id: c.id,
        lines,
        customer_id: c.customer_id,
        customer_name,
        order_discount: discount_out(c.discount),
        subtotal_minor: priced.subtotal_minor,
        discount_minor: priced.discount_minor,
        tax_minor: priced.tax_minor,
        total_minor: priced.total_minor,
        taxes: priced
            .taxes
            .iter()
            .map(|t| TaxLineDto {
                rate_bp: t.rate_bp,
                net_minor: t.net_minor,
                tax_minor: t.tax_minor,
                gross_minor: t.gross_minor,
            })
            .collect(),
        cash_total_minor: cash_total,
        parked: u32::try_from(parked).unwrap_or(u32::MAX),
    })
}

fn resolve_order(
    conn: &kassa_store::Connection,
    order_id: Option<&str>,
    number: Option<&str>,
) -> ApiResult<String> {
    match (order_id, number) {
        (Some(id), _) if !id.trim().is_empty() => Ok(id.to_string()),
        (_, Some(n)) if !n.trim().is_empty() => Ok(order::id_by_number(conn, n)?),
        _ => Err(ApiError::new(
            ErrorCode::InvalidInput,
            "give the receipt number or the order id",
        )),
    }
}

fn refund_lines(
    conn: &kassa_store::Connection,
    order_id: &str,
    lines: &[RefundLineInput],
) -> ApiResult<Vec<RefundLine>> {
    let o = order::load(conn, order_id)?;
    lines
        .iter()
        .map(|l| {
            let id = match (&l.order_line_id, &l.sku) {
                (Some(id), _) => id.clone(),
                (None, Some(sku)) => o
                    .lines
                    .iter()
                    .find(|x| x.sku.eq_ignore_ascii_case(sku.trim()) && x.quantity > x.returned)
                    .or_else(|| {
                        o.lines
                            .iter()
                            .find(|x| x.sku.eq_ignore_ascii_case(sku.trim()))
                    })
                    .map(|x| x.id.clone())
                    .ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::NotFound,
                            format!("{} has no line with SKU {sku}", o.number),
                        )
                    })?,
                (None, None) => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "each line needs its order line id or SKU",
                    ));
                }
            };
            Ok(RefundLine {
                order_line_id: id,
                quantity: l.quantity,
                restock: l.restock.unwrap_or(true),
            })
        })
        .collect()
}

fn refund_out(r: refund::RefundOutcome) -> RefundOutput {
    RefundOutput {
        refund_id: r.refund_id,
        number: r.number,
        amount_minor: r.amount_minor,
        rounding_minor: r.rounding_minor,
        status: r.status.as_str().to_string(),
        tenders: r
            .tenders
            .into_iter()
            .map(|t| RefundTenderDto {
                kind: t.kind,
                amount_minor: t.amount_minor,
                status: t.status,
            })
            .collect(),
        replayed: r.replayed,
    }
}

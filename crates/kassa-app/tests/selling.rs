//! Selling through the app API: a sale reconciles to the minor unit, repeats and failures
//! write nothing, refunds never exceed what was paid, limits need a manager, the drawer adds
//! up, and a closed Z report stays as it was.

mod common;

use common::Device;
use kassa_app::dto::*;

fn lookup(d: &Device, code: &str) -> ProductDto {
    d.api
        .product_lookup(ProductLookupInput { code: code.into() })
        .unwrap()
}

fn level(d: &Device, code: &str) -> i64 {
    lookup(d, code).level.map(|l| l.on_hand).unwrap_or(0)
}

fn cash(amount: i64) -> TenderInput {
    TenderInput {
        kind: "cash".into(),
        amount_minor: amount,
        card_brand: None,
        card_last4: None,
        customer_contact: None,
        card_token: None,
        voucher_code: None,
    }
}

fn card(amount: i64) -> TenderInput {
    TenderInput {
        customer_contact: Some("cleo@example.com".into()),
        ..TenderInput {
            kind: "card".into(),
            ..cash(amount)
        }
    }
}

fn line(code: &str, quantity: i64) -> SellLineInput {
    SellLineInput {
        code: code.into(),
        quantity,
    }
}

fn sell(
    d: &Device,
    lines: Vec<SellLineInput>,
    tenders: Vec<TenderInput>,
    key: Option<&str>,
) -> kassa_app::ApiResult<CheckoutOutput> {
    d.api.sell(SellInput {
        lines,
        tenders,
        customer_id: None,
        idempotency_key: key.map(str::to_string),
    })
}

fn counts(d: &Device) -> (u64, usize) {
    let outbox = d.api.sync_status(NoInput {}).unwrap().pending_changes;
    let orders = d
        .api
        .orders_recent(OrdersInput {
            customer_id: None,
            limit: Some(500),
        })
        .unwrap()
        .orders
        .len();
    (outbox, orders)
}

#[test]
fn a_five_line_sale_with_mixed_tax_classes_reconciles_to_the_cent() {
    let d = Device::demo();
    d.sign_in("cashier");
    let out = sell(
        &d,
        vec![
            line("DAI-OAT-1L", 3),
            line("COF-ESP-250", 1),
            line("BAK-CROI", 2),
            line("DRK-COLA-033", 4),
            line("BAR-CAP", 1),
        ],
        vec![cash(100_000)],
        None,
    )
    .unwrap();
    assert_eq!(out.status, "paid");
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id.clone()),
            number: None,
        })
        .unwrap();
    assert_eq!(o.lines.len(), 5);
    assert_eq!(
        o.lines.iter().map(|l| l.total_minor).sum::<i64>(),
        o.total_minor
    );
    assert_eq!(
        o.taxes.iter().map(|t| t.tax_minor).sum::<i64>(),
        o.tax_minor
    );
    assert_eq!(
        o.taxes.iter().map(|t| t.gross_minor).sum::<i64>(),
        o.total_minor
    );
    assert!(o.taxes.len() >= 2, "two tax rates: {:?}", o.taxes);
    for t in &o.taxes {
        assert_eq!(t.net_minor + t.tax_minor, t.gross_minor);
    }
    assert_eq!(out.change_minor, 100_000 - o.total_minor - o.rounding_minor);
    // Lines keep the price they were sold at.
    let oat = o.lines.iter().find(|l| l.sku == "DAI-OAT-1L").unwrap();
    assert_eq!(oat.unit_price_minor, lookup(&d, "DAI-OAT-1L").price_minor);
    let receipt = d
        .api
        .receipt(ReceiptInput {
            order_id: Some(out.order_id),
            refund_id: None,
            format: "html".into(),
            open_drawer: None,
        })
        .unwrap();
    assert!(receipt.html.unwrap().contains(&out.number));
}

#[test]
fn repeating_a_sale_with_its_key_returns_the_first_order_and_writes_nothing() {
    let d = Device::demo();
    d.sign_in("cashier");
    let stock_before = level(&d, "DRK-WAT-05");
    let first = sell(
        &d,
        vec![line("DRK-WAT-05", 2)],
        vec![cash(1000)],
        Some("sale-7f3a"),
    )
    .unwrap();
    let after_first = counts(&d);
    let again = sell(
        &d,
        vec![line("DRK-WAT-05", 2)],
        vec![cash(1000)],
        Some("sale-7f3a"),
    )
    .unwrap();
    assert_eq!(again.order_id, first.order_id);
    assert_eq!(again.number, first.number);
    assert!(again.replayed && !first.replayed);
    assert_eq!(
        counts(&d),
        after_first,
        "nothing new in the outbox or the orders"
    );
    assert_eq!(
        level(&d, "DRK-WAT-05"),
        stock_before - 2,
        "stock taken once"
    );
    let err = sell(
        &d,
        vec![line("DRK-WAT-05", 3)],
        vec![cash(1000)],
        Some("sale-7f3a"),
    )
    .unwrap_err();
    assert_eq!(err.code, "idempotency_mismatch");
    assert_eq!(counts(&d), after_first);
}

#[test]
fn selling_beyond_stock_is_refused_and_writes_nothing() {
    let d = Device::demo();
    d.sign_in("cashier");
    let have = level(&d, "DRK-COLA-033");
    let start = counts(&d);
    let first = sell(&d, vec![line("DRK-WAT-05", 1)], vec![cash(500)], None).unwrap();
    let after_first = counts(&d);
    assert_eq!(after_first.1, start.1 + 1, "the first sale is one order");
    assert!(after_first.0 > start.0, "and it waits in the outbox");
    let err = sell(
        &d,
        vec![line("DRK-WAT-05", 1), line("DRK-COLA-033", have + 1)],
        vec![cash(100_000)],
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, "insufficient_stock", "{}", err.message);
    assert!(
        err.message.contains("Cola"),
        "names the item: {}",
        err.message
    );
    assert_eq!(counts(&d), after_first, "no order, no outbox entry");
    assert_eq!(level(&d, "DRK-COLA-033"), have);
    // The number series did not move either: the next sale follows the last one.
    let next = sell(&d, vec![line("DRK-WAT-05", 1)], vec![cash(500)], None).unwrap();
    let n = |s: &str| s.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(n(&next.number), n(&first.number) + 1);
}

#[test]
fn refunds_never_exceed_what_was_paid_per_line() {
    let d = Device::demo();
    d.sign_in("manager");
    let out = sell(
        &d,
        vec![line("BAK-CROI", 3), line("DAI-OAT-1L", 1)],
        vec![cash(5000)],
        None,
    )
    .unwrap();
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id.clone()),
            number: None,
        })
        .unwrap();
    let croi = o
        .lines
        .iter()
        .find(|l| l.sku == "BAK-CROI")
        .unwrap()
        .clone();
    let mut refunded = 0;
    for _ in 0..3 {
        let r = d
            .api
            .refund(RefundInput {
                number: Some(out.number.clone()),
                order_id: None,
                lines: Some(vec![RefundLineInput {
                    order_line_id: Some(croi.id.clone()),
                    sku: None,
                    quantity: 1,
                    restock: Some(true),
                }]),
                reason: None,
                approval: None,
                idempotency_key: None,
            })
            .unwrap();
        refunded += r.amount_minor;
        assert_eq!(r.status, "partially_refunded");
    }
    assert_eq!(
        refunded, croi.total_minor,
        "three single returns give back exactly the line"
    );
    let err = d
        .api
        .refund(RefundInput {
            number: Some(out.number.clone()),
            order_id: None,
            lines: Some(vec![RefundLineInput {
                order_line_id: Some(croi.id),
                sku: None,
                quantity: 1,
                restock: Some(true),
            }]),
            reason: None,
            approval: None,
            idempotency_key: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input", "{}", err.message);
    let rest = d
        .api
        .refund(RefundInput {
            number: Some(out.number.clone()),
            order_id: None,
            lines: None,
            reason: None,
            approval: None,
            idempotency_key: None,
        })
        .unwrap();
    assert_eq!(rest.status, "refunded");
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id),
            number: None,
        })
        .unwrap();
    assert_eq!(o.refunded_minor, o.total_minor);
    assert!(
        o.payments
            .iter()
            .all(|p| p.refunded_minor <= p.amount_minor)
    );
    // A fully refunded order cannot be voided.
    let err = d
        .api
        .void_order(VoidInput {
            order_id: o.id,
            reason: "test".into(),
            approval: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_transition");
}

#[test]
fn a_cashier_needs_a_manager_for_a_discount_above_the_limit_and_the_audit_names_both() {
    let d = Device::demo();
    d.sign_in("cashier");
    let cart = d
        .api
        .cart_add(CartAddInput {
            code: Some("COF-BEANS-1K".into()),
            product_id: None,
            quantity: Some(1),
        })
        .unwrap();
    let line_id = cart.lines[0].id.clone();
    let small = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id.clone()),
            discount: DiscountDto::Percent { basis_points: 500 },
            approval: None,
        })
        .unwrap();
    assert!(small.discount_minor > 0);
    let err = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id.clone()),
            discount: DiscountDto::Percent { basis_points: 3000 },
            approval: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let unchanged = d.api.cart_get(NoInput {}).unwrap();
    assert_eq!(
        unchanged.discount_minor, small.discount_minor,
        "the refused discount changed nothing"
    );

    let manager = d.person("manager").clone();
    let code = d.next_code(&manager.totp_secret);
    let approval = OverrideCredentials {
        email: manager.email.clone(),
        password: Some(manager.password.clone()),
        pin: None,
        totp_code: code,
    };
    let cart = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id),
            discount: DiscountDto::Percent { basis_points: 3000 },
            approval: Some(approval),
        })
        .unwrap();
    assert!(cart.discount_minor > small.discount_minor);
    let out = d
        .api
        .checkout(CheckoutInput {
            tenders: vec![cash(cart.cash_total_minor)],
            idempotency_key: None,
        })
        .unwrap();
    let audit = d.api.audit_list(AuditListInput {
        action_prefix: Some("order.checkout".into()),
        ..Default::default()
    });
    // A cashier cannot read the audit log; the manager can.
    assert_eq!(audit.unwrap_err().code, "forbidden");
    d.sign_in("manager");
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("order.checkout".into()),
            ..Default::default()
        })
        .unwrap();
    let entry = audit
        .entries
        .iter()
        .find(|e| e.entity_id.as_deref() == Some(out.order_id.as_str()))
        .unwrap();
    assert_eq!(
        entry.actor_email.as_deref(),
        Some(d.person("cashier").email.as_str())
    );
    assert_eq!(
        entry.approver_email.as_deref(),
        Some(manager.email.as_str())
    );
}

#[test]
fn a_refund_above_the_limit_needs_a_manager() {
    let d = Device::demo();
    d.sign_in("cashier");
    let out = sell(&d, vec![line("COF-BEANS-1K", 4)], vec![cash(100_000)], None).unwrap();
    let err = d
        .api
        .refund(RefundInput {
            number: Some(out.number.clone()),
            order_id: None,
            lines: None,
            reason: None,
            approval: None,
            idempotency_key: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id),
            number: None,
        })
        .unwrap();
    assert_eq!(o.status, "paid", "nothing was refunded");
}

#[test]
fn offline_card_payments_stay_within_the_stores_limits() {
    let d = Device::demo();
    d.sign_in("manager");
    // Per payment: 150.00 by default.
    let err = sell(&d, vec![line("COF-BEANS-1K", 10)], vec![card(20_000)], None).unwrap_err();
    assert!(
        err.code == "forbidden" || err.code == "invalid_input",
        "{err:?}"
    );
    let set = |key: &str, v: i64| {
        d.api
            .settings_set(SettingSetInput {
                key: key.into(),
                value: SettingValueDto::Int(v),
            })
            .unwrap()
    };
    let o = d
        .api
        .product_lookup(ProductLookupInput {
            code: "BAK-SOUR-750".into(),
        })
        .unwrap();
    // Room for exactly one loaf by card while offline.
    set("payments.offline_card_exposure_minor", o.price_minor);
    let first = sell(
        &d,
        vec![line("BAK-SOUR-750", 1)],
        vec![card(o.price_minor)],
        None,
    )
    .unwrap();
    assert!(first.card_pending);
    let err = sell(
        &d,
        vec![line("COF-BEANS-1K", 1)],
        vec![card(lookup(&d, "COF-BEANS-1K").price_minor)],
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    assert!(err.message.contains("offline"), "{}", err.message);
    let pending = d.api.cards_pending(NoInput {}).unwrap();
    assert_eq!(pending.payments.len(), 1);
    assert_eq!(
        pending.payments[0].customer_contact.as_deref(),
        Some("cleo@example.com")
    );
    // A card number typed as the contact is refused.
    let mut t = card(100);
    t.customer_contact = Some("4242 4242 4242 4242".into());
    let err = sell(&d, vec![line("DRK-WAT-05", 1)], vec![t], None).unwrap_err();
    assert_eq!(err.code, "invalid_input");
}

#[test]
fn the_drawer_adds_up_and_a_closed_z_report_cannot_be_changed() {
    let d = Device::demo();
    d.sign_in("cashier");
    let first_z = d.next_z_number();
    let status = d
        .api
        .shift_open(ShiftOpenInput {
            counts: vec![
                CountDto {
                    denomination_minor: 2000,
                    count: 5,
                },
                CountDto {
                    denomination_minor: 100,
                    count: 10,
                },
            ],
        })
        .unwrap();
    assert_eq!(status.figures.as_ref().unwrap().float_minor, 11_000);
    let sale = sell(&d, vec![line("DAI-OAT-1L", 2)], vec![cash(5000)], None).unwrap();
    d.api
        .shift_cash(ShiftCashInput {
            kind: "out".into(),
            amount_minor: 2000,
            reason: "bank deposit".into(),
        })
        .unwrap();
    let x = d.api.shift_current(NoInput {}).unwrap().figures.unwrap();
    let paid = sale.total_minor + sale.rounding_minor;
    assert_eq!(x.expected_cash_minor, 11_000 + paid - 2000);
    // Count 50 cents short.
    let counted = x.expected_cash_minor - 50;
    let mut counts = vec![CountDto {
        denomination_minor: 1,
        count: counted,
    }];
    counts.retain(|c| c.count > 0);
    let closed = d
        .api
        .shift_close(ShiftCloseInput {
            counts,
            note: Some("end of day".into()),
        })
        .unwrap();
    let last = &closed.recent[0];
    assert_eq!(last.over_short_minor, Some(-50));
    assert!(closed.shift.is_none());

    let z = d.api.z_close(NoInput {}).unwrap();
    assert_eq!(z.number, Some(first_z));
    assert_eq!(z.orders, 1);
    assert_eq!(z.gross_minor, paid);
    assert_eq!(z.by_tender.get("cash"), Some(&paid));

    // The figures are frozen: SQL cannot change them, and a change around the triggers shows.
    let db = d.data_dir().join("kassa.db");
    let c = rusqlite::Connection::open(&db).unwrap();
    let err = c
        .execute(
            "UPDATE z_reports SET figures = replace(figures, '\"orders\":1', '\"orders\":2') WHERE number = ?1",
            [first_z],
        )
        .unwrap_err();
    assert!(err.to_string().contains("cannot be changed"), "{err}");
    assert!(c.execute("DELETE FROM z_reports", []).is_err());
    c.execute_batch("DROP TRIGGER z_reports_frozen;").unwrap();
    c.execute(
        "UPDATE z_reports SET figures = replace(figures, '\"orders\":1', '\"orders\":2') WHERE number = ?1",
        [first_z],
    )
    .unwrap();
    drop(c);
    d.sign_in("manager");
    let again = d
        .api
        .z_report(ZReportInput {
            date: None,
            number: Some(first_z),
        })
        .unwrap();
    assert!(!again.intact, "the change is visible");
}

#[test]
fn a_price_changed_after_adding_is_flagged_and_not_silently_taken() {
    let d = Device::demo();
    d.sign_in("manager");
    let p = lookup(&d, "DAI-MILK-1L");
    let cart = d
        .api
        .cart_add(CartAddInput {
            code: Some("DAI-MILK-1L".into()),
            product_id: None,
            quantity: Some(2),
        })
        .unwrap();
    assert_eq!(cart.lines[0].current_price_minor, None);
    let mut fields = ProductFields {
        sku: p.sku.clone(),
        name: p.name.clone(),
        description: None,
        kind: None,
        category_id: p.category_id.clone(),
        parent_id: None,
        variant: None,
        price_minor: p.price_minor + 20,
        cost_minor: p.cost_minor,
        tax_class_id: p.tax_class_id.clone(),
        active: None,
        stock_tracked: None,
        allow_negative: None,
        low_threshold: None,
        barcodes: Some(p.barcodes.clone()),
    };
    fields.description = Some(p.description.clone());
    d.api
        .product_update(ProductUpdateInput {
            id: p.id.clone(),
            product: fields,
        })
        .unwrap();
    let cart = d.api.cart_get(NoInput {}).unwrap();
    assert_eq!(
        cart.lines[0].unit_price_minor, p.price_minor,
        "the kept price"
    );
    assert_eq!(
        cart.lines[0].current_price_minor,
        Some(p.price_minor + 20),
        "flagged"
    );
    let out = d
        .api
        .checkout(CheckoutInput {
            tenders: vec![cash(10_000)],
            idempotency_key: None,
        })
        .unwrap();
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id),
            number: None,
        })
        .unwrap();
    assert!(o.lines[0].price_changed);
    assert_eq!(o.lines[0].unit_price_minor, p.price_minor);
}

#[test]
fn a_parked_cart_comes_back_and_logout_clears_the_open_one() {
    let d = Device::demo();
    d.sign_in("cashier");
    d.api
        .cart_add(CartAddInput {
            code: Some("BAK-PRETZ".into()),
            product_id: None,
            quantity: Some(2),
        })
        .unwrap();
    let empty = d
        .api
        .cart_park(CartParkInput {
            name: Some("Mrs Weber".into()),
        })
        .unwrap();
    assert!(empty.lines.is_empty());
    assert_eq!(empty.parked, 1);
    d.api
        .cart_add(CartAddInput {
            code: Some("DRK-WAT-05".into()),
            product_id: None,
            quantity: None,
        })
        .unwrap();
    let parked = d.api.cart_parked(NoInput {}).unwrap();
    let back = d
        .api
        .cart_resume(CartRef {
            cart_id: parked.carts[0].id.clone(),
        })
        .unwrap();
    assert_eq!(back.lines[0].sku, "BAK-PRETZ");
    assert_eq!(back.parked, 1, "the other cart was parked in its place");
    d.api.logout(NoInput {}).unwrap();
    d.sign_in("cashier");
    assert!(d.api.cart_get(NoInput {}).unwrap().lines.is_empty());
}

#[test]
fn a_manager_voids_a_sale_and_the_stock_comes_back() {
    let d = Device::demo();
    d.sign_in("manager");
    let have = level(&d, "DRK-GIN-033");
    let out = sell(&d, vec![line("DRK-GIN-033", 2)], vec![cash(2000)], None).unwrap();
    assert_eq!(level(&d, "DRK-GIN-033"), have - 2);
    let r = d
        .api
        .void_order(VoidInput {
            order_id: out.order_id.clone(),
            reason: "rang up twice".into(),
            approval: None,
        })
        .unwrap();
    assert_eq!(r.status, "voided");
    assert_eq!(r.amount_minor, out.total_minor);
    assert_eq!(level(&d, "DRK-GIN-033"), have);
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id),
            number: None,
        })
        .unwrap();
    let events: Vec<&str> = o.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, vec!["pay", "void"]);
}

#[test]
fn a_cashier_cannot_void_alone() {
    let d = Device::demo();
    d.sign_in("cashier");
    let out = sell(&d, vec![line("DRK-WAT-05", 1)], vec![cash(500)], None).unwrap();
    let err = d
        .api
        .void_order(VoidInput {
            order_id: out.order_id.clone(),
            reason: "oops".into(),
            approval: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let o = d
        .api
        .order_get(OrderRef {
            order_id: Some(out.order_id),
            number: None,
        })
        .unwrap();
    assert_eq!(o.status, "paid");
}

#[test]
fn an_emailed_receipt_carries_its_document_and_shows_as_queued() {
    let d = Device::demo();
    d.sign_in("cashier");
    let out = sell(&d, vec![line("BAK-CROI", 2)], vec![cash(10_000)], None).unwrap();
    assert!(
        d.api
            .receipt_emails(ReceiptEmailsInput {
                order_id: out.order_id.clone()
            })
            .unwrap()
            .emails
            .is_empty()
    );
    d.api
        .receipt_email(ReceiptEmailInput {
            order_id: out.order_id.clone(),
            to: "ann@example.com".into(),
        })
        .unwrap();
    let listed = d
        .api
        .receipt_emails(ReceiptEmailsInput {
            order_id: out.order_id.clone(),
        })
        .unwrap()
        .emails;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].to.as_str(),
            listed[0].status.as_str(),
            listed[0].attempts
        ),
        ("ann@example.com", "queued", 0)
    );
    assert!(listed[0].subject.contains(&out.number), "{listed:?}");
    // The row carries the receipt's document, which renders the same receipt.
    let db = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let json: String = db
        .query_row(
            "SELECT receipt_json FROM email_outbox WHERE id = ?1",
            [&listed[0].id],
            |r| r.get(0),
        )
        .unwrap();
    let doc: kassa_documents::Receipt = serde_json::from_str(&json).unwrap();
    assert_eq!(doc.number, out.number);
    assert!(!kassa_documents::pdf::render(&doc).unwrap().is_empty());
    // A bad address changes nothing.
    assert!(
        d.api
            .receipt_email(ReceiptEmailInput {
                order_id: out.order_id.clone(),
                to: "not an address".into(),
            })
            .is_err()
    );
    assert_eq!(
        d.api
            .receipt_emails(ReceiptEmailsInput {
                order_id: out.order_id.clone()
            })
            .unwrap()
            .emails
            .len(),
        1
    );
}

//! Money controls through the app API, as a dishonest cashier would probe them: a refund split
//! in pieces, an approved discount stretched to more goods, the drawer opened with no sale, a
//! void hidden under a typed reason, amounts past any sense, a day closed twice, a manager's
//! code spent by an action that failed, and a replayed key with a different payment.

mod common;

use common::Device;
use kassa_app::dto::*;

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

fn sell(d: &Device, code: &str, quantity: i64) -> CheckoutOutput {
    d.api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: code.into(),
                quantity,
            }],
            tenders: vec![cash(1_000_000)],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap()
}

fn add(d: &Device, code: &str, quantity: i64) -> CartDto {
    d.api
        .cart_add(CartAddInput {
            code: Some(code.into()),
            product_id: None,
            quantity: Some(quantity),
        })
        .unwrap()
}

/// A manager's approval with the code their authenticator shows now (the clock is not moved,
/// so the same code can be offered twice).
fn approval_now(d: &Device) -> OverrideCredentials {
    let m = d.person("manager").clone();
    OverrideCredentials {
        email: m.email.clone(),
        password: Some(m.password.clone()),
        pin: None,
        totp_code: d.code_now(&m.totp_secret),
    }
}

fn refund_one(
    d: &Device,
    number: &str,
    approval: Option<OverrideCredentials>,
) -> kassa_app::ApiResult<RefundOutput> {
    d.api.refund(RefundInput {
        number: Some(number.into()),
        order_id: None,
        lines: Some(vec![RefundLineInput {
            order_line_id: None,
            sku: Some("COF-BEANS-1K".into()),
            quantity: 1,
            restock: None,
        }]),
        reason: Some("changed their mind".into()),
        approval,
        idempotency_key: None,
    })
}

#[test]
fn a_refund_split_in_pieces_is_held_to_the_same_limit() {
    let d = Device::demo();
    d.sign_in("cashier");
    // 1690 each; the demo store's refund limit is 5000.
    let sale = sell(&d, "COF-BEANS-1K", 4);
    refund_one(&d, &sale.number, None).unwrap();
    refund_one(&d, &sale.number, None).unwrap();
    let err = refund_one(&d, &sale.number, None).unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    assert!(
        err.message.contains("50.70"),
        "says the total: {}",
        err.message
    );
    let o = d
        .api
        .order_get(OrderRef {
            order_id: None,
            number: Some(sale.number.clone()),
        })
        .unwrap();
    assert_eq!(
        o.refunded_minor,
        2 * 1690,
        "the third piece was not paid out"
    );
    // With a manager's approval it goes ahead, and the refund names the approver.
    d.clock.advance(chrono::Duration::seconds(30));
    let out = refund_one(&d, &sale.number, Some(approval_now(&d))).unwrap();
    assert_eq!(out.amount_minor, 1690);
    let o = d
        .api
        .order_get(OrderRef {
            order_id: None,
            number: Some(sale.number),
        })
        .unwrap();
    let last = o.events.last().unwrap();
    assert!(
        last.approver_name.is_some(),
        "the refund names its approver: {last:?}"
    );
    assert!(
        o.events[..o.events.len() - 1]
            .iter()
            .all(|e| e.approver_name.is_none()),
        "the pieces under the limit needed nobody"
    );
}

#[test]
fn an_approved_discount_holds_only_for_the_cart_as_it_was_approved() {
    let d = Device::demo();
    d.sign_in("cashier");
    let cart = add(&d, "COF-BEANS-1K", 1);
    let line_id = cart.lines[0].id.clone();
    d.clock.advance(chrono::Duration::seconds(30));
    let approved = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id.clone()),
            discount: DiscountDto::Percent { basis_points: 5000 },
            approval: Some(approval_now(&d)),
        })
        .unwrap();
    assert_eq!(approved.discount_minor, 845);
    // More of the approved line: the approval and its discount go.
    let more = d
        .api
        .cart_set_quantity(CartQuantityInput {
            line_id: line_id.clone(),
            quantity: 5,
        })
        .unwrap();
    assert_eq!(more.discount_minor, 0, "{more:?}");
    assert!(matches!(more.lines[0].discount, DiscountDto::None));

    // An approved order discount goes when a line is added.
    d.clock.advance(chrono::Duration::seconds(30));
    d.api
        .cart_discount(CartDiscountInput {
            line_id: None,
            discount: DiscountDto::Percent { basis_points: 4000 },
            approval: Some(approval_now(&d)),
        })
        .unwrap();
    let grown = add(&d, "DRK-WAT-05", 3);
    assert_eq!(grown.discount_minor, 0);
    assert!(matches!(grown.order_discount, DiscountDto::None));

    // A discount within the limit is the cashier's own and stays.
    let own = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id.clone()),
            discount: DiscountDto::Percent { basis_points: 500 },
            approval: None,
        })
        .unwrap();
    let kept = d
        .api
        .cart_set_quantity(CartQuantityInput {
            line_id,
            quantity: 4,
        })
        .unwrap();
    assert!(matches!(
        kept.lines[0].discount,
        DiscountDto::Percent { basis_points: 500 }
    ));
    assert!(own.discount_minor > 0);
}

#[test]
fn line_and_order_discounts_together_are_held_to_the_limit() {
    let d = Device::demo();
    d.sign_in("cashier");
    let cart = add(&d, "COF-BEANS-1K", 2);
    let line_id = cart.lines[0].id.clone();
    // 8 % on the line and then 5 % on the order: each under the 10 % limit, together not.
    d.api
        .cart_discount(CartDiscountInput {
            line_id: Some(line_id),
            discount: DiscountDto::Percent { basis_points: 800 },
            approval: None,
        })
        .unwrap();
    let err = d
        .api
        .cart_discount(CartDiscountInput {
            line_id: None,
            discount: DiscountDto::Percent { basis_points: 500 },
            approval: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    let cart = d.api.cart_get(NoInput {}).unwrap();
    assert!(matches!(cart.order_discount, DiscountDto::None));
}

#[test]
fn a_managers_code_is_used_only_by_an_action_that_succeeds() {
    let d = Device::demo();
    d.sign_in("cashier");
    let handed_over = sell(&d, "DRK-WAT-05", 1);
    d.api
        .order_fulfil(OrderRef {
            order_id: Some(handed_over.order_id.clone()),
            number: None,
        })
        .unwrap();
    let open = sell(&d, "DRK-WAT-05", 1);
    d.clock.advance(chrono::Duration::seconds(30));
    let code = approval_now(&d);
    // A sale that was handed over cannot be voided: the approval is checked, the void fails.
    let err = d
        .api
        .void_order(VoidInput {
            order_id: handed_over.order_id,
            reason: "wrong item".into(),
            approval: Some(code.clone()),
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_transition", "{}", err.message);
    // The manager's code was not spent by the failed void: it approves the next one.
    let voided = d
        .api
        .void_order(VoidInput {
            order_id: open.order_id,
            reason: "wrong item".into(),
            approval: Some(code.clone()),
        })
        .unwrap();
    assert_eq!(voided.status, "voided");
    // And once used, it is spent.
    let again = sell(&d, "DRK-WAT-05", 1);
    let err = d
        .api
        .void_order(VoidInput {
            order_id: again.order_id,
            reason: "wrong item".into(),
            approval: Some(code),
        })
        .unwrap_err();
    assert_eq!(err.code, "totp_reused", "{}", err.message);
}

#[test]
fn the_z_report_counts_voids_whatever_reason_was_typed() {
    let d = Device::demo();
    d.sign_in("manager");
    let sale = sell(&d, "DRK-WAT-05", 2);
    d.api
        .void_order(VoidInput {
            order_id: sale.order_id,
            reason: "customer walked off".into(),
            approval: None,
        })
        .unwrap();
    let partly = sell(&d, "DRK-WAT-05", 2);
    d.api
        .refund(RefundInput {
            number: Some(partly.number),
            order_id: None,
            lines: None,
            reason: Some("void".into()),
            approval: None,
            idempotency_key: None,
        })
        .unwrap();
    let z = d
        .api
        .z_report(ZReportInput {
            date: None,
            number: None,
        })
        .unwrap();
    assert_eq!(z.refunds, 2);
    assert_eq!(z.voids, 1, "one void, one refund whose reason says 'void'");
}

#[test]
fn amounts_past_any_sense_are_refused_and_the_day_can_always_close() {
    let d = Device::demo();
    d.sign_in("cashier");
    let first_z = d.next_z_number();
    d.api.shift_open(ShiftOpenInput { counts: vec![] }).unwrap();
    for amount in [i64::MAX, 1_000_000_000_001] {
        let err = d
            .api
            .shift_cash(ShiftCashInput {
                kind: "in".into(),
                amount_minor: amount,
                reason: "float top-up".into(),
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid_input", "{amount}: {}", err.message);
    }
    let err = d
        .api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "DRK-WAT-05".into(),
                quantity: 1,
            }],
            tenders: vec![cash(i64::MAX)],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input", "{}", err.message);
    // The largest amount taken twice still adds up, and the shift and the day close.
    for _ in 0..2 {
        d.api
            .shift_cash(ShiftCashInput {
                kind: "in".into(),
                amount_minor: 1_000_000_000_000,
                reason: "float top-up".into(),
            })
            .unwrap();
    }
    let x = d.api.shift_current(NoInput {}).unwrap().figures.unwrap();
    assert_eq!(x.expected_cash_minor, 2_000_000_000_000);
    d.api
        .shift_close(ShiftCloseInput {
            counts: vec![CountDto {
                denomination_minor: 50_000,
                count: 40_000_000,
            }],
            note: None,
        })
        .unwrap();
    let z = d.api.z_close(NoInput {}).unwrap();
    assert_eq!(z.number, Some(first_z));
}

#[test]
fn one_z_report_per_business_day_and_later_sales_count_for_the_next() {
    let d = Device::demo();
    d.sign_in("cashier");
    let first_z = d.next_z_number();
    sell(&d, "DRK-WAT-05", 1);
    d.api
        .shift_close(ShiftCloseInput {
            counts: vec![],
            note: None,
        })
        .ok();
    let z = d.api.z_close(NoInput {}).unwrap();
    assert_eq!(z.business_date, "2026-11-22");
    let err = d.api.z_close(NoInput {}).unwrap_err();
    assert_eq!(err.code, "conflict", "{}", err.message);
    assert!(err.message.contains("2026-11-23"), "{}", err.message);
    let today = d
        .api
        .z_report(ZReportInput {
            date: None,
            number: None,
        })
        .unwrap();
    assert!(today.closed, "today's report is the closed one");
    assert_eq!(today.number, Some(first_z));

    // A sale after the close belongs to the next business day, not to the closed one.
    sell(&d, "DRK-WAT-05", 2);
    let closed = d
        .api
        .z_report(ZReportInput {
            date: Some("2026-11-22".into()),
            number: None,
        })
        .unwrap();
    assert_eq!(closed.orders, 1);
    let next = d
        .api
        .z_report(ZReportInput {
            date: Some("2026-11-23".into()),
            number: None,
        })
        .unwrap();
    assert!(!next.closed);
    assert_eq!(next.orders, 1);
    // The next calendar day closes that business day.
    d.clock.advance(chrono::Duration::days(1));
    d.sign_in("cashier");
    d.api
        .shift_close(ShiftCloseInput {
            counts: vec![],
            note: None,
        })
        .ok();
    let z2 = d.api.z_close(NoInput {}).unwrap();
    assert_eq!(z2.business_date, "2026-11-23");
    assert_eq!(z2.orders, 1);
}

#[test]
fn a_replayed_key_with_another_payment_or_reason_is_a_mismatch() {
    let d = Device::demo();
    d.sign_in("cashier");
    add(&d, "DRK-WAT-05", 1);
    let first = d
        .api
        .checkout(CheckoutInput {
            tenders: vec![cash(5000)],
            idempotency_key: Some("sale-1".into()),
        })
        .unwrap();
    // The cart is empty now; the same key with the same payment is the same sale...
    let same = d
        .api
        .checkout(CheckoutInput {
            tenders: vec![cash(5000)],
            idempotency_key: Some("sale-1".into()),
        })
        .unwrap();
    assert!(same.replayed);
    assert_eq!(same.order_id, first.order_id);
    // ...and with another payment it is not.
    let err = d
        .api
        .checkout(CheckoutInput {
            tenders: vec![cash(2000)],
            idempotency_key: Some("sale-1".into()),
        })
        .unwrap_err();
    assert_eq!(err.code, "idempotency_mismatch", "{}", err.message);

    let refund = |reason: &str| {
        d.api.refund(RefundInput {
            number: Some(first.number.clone()),
            order_id: None,
            lines: None,
            reason: Some(reason.into()),
            approval: None,
            idempotency_key: Some("refund-1".into()),
        })
    };
    refund("broken seal").unwrap();
    assert!(refund("broken seal").unwrap().replayed);
    assert_eq!(
        refund("something else").unwrap_err().code,
        "idempotency_mismatch"
    );
}

/// A receipt printer on a local port that keeps what it was sent.
fn printer() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("tcp://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut bytes = Vec::new();
            if let Ok(mut c) = conn {
                let _ = c.read_to_end(&mut bytes);
            }
            if tx.send(bytes).is_err() {
                break;
            }
        }
    });
    (addr, rx)
}

/// ESC p: the pulse that opens the drawer.
fn opens_drawer(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == [0x1b, b'p'])
}

#[test]
fn the_drawer_opens_for_a_cash_sale_once_and_otherwise_needs_the_right_and_is_counted() {
    let d = Device::demo();
    let (target, sent) = printer();
    d.sign_in("admin");
    d.api
        .settings_set(SettingSetInput {
            key: "printer.target".into(),
            value: SettingValueDto::Text(target),
        })
        .unwrap();
    // An agent (no right to open the drawer) sells for cash: that sale's receipt opens it once.
    d.sign_in("agent");
    let sale = sell(&d, "DRK-WAT-05", 1);
    let print = |open: bool| {
        d.api.receipt_print(ReceiptPrintInput {
            order_id: Some(sale.order_id.clone()),
            refund_id: None,
            open_drawer: Some(open),
        })
    };
    print(true).unwrap();
    assert!(opens_drawer(&sent.recv().unwrap()));
    let err = print(true).unwrap_err();
    assert_eq!(
        err.code, "forbidden",
        "a reprint with the drawer: {}",
        err.message
    );
    print(false).unwrap();
    assert!(!opens_drawer(&sent.recv().unwrap()));
    let err = d
        .api
        .drawer_open(DrawerOpenInput {
            reason: "change for the bakery".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");

    // A cashier may open it with no sale; it is counted on the X and Z reports.
    d.sign_in("cashier");
    let err = d
        .api
        .drawer_open(DrawerOpenInput { reason: " ".into() })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input");
    d.api
        .drawer_open(DrawerOpenInput {
            reason: "change for the bakery".into(),
        })
        .unwrap();
    assert!(opens_drawer(&sent.recv().unwrap()));
    let x = d.api.shift_current(NoInput {}).unwrap().figures.unwrap();
    assert_eq!(x.drawer_opens, 1, "the sale's own opening is not counted");
    d.api
        .shift_close(ShiftCloseInput {
            counts: vec![],
            note: None,
        })
        .ok();
    let z = d.api.z_close(NoInput {}).unwrap();
    assert_eq!(z.drawer_opens, 1);
    d.sign_in("manager");
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("drawer.opened".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.entries.len(), 2, "every opening is audited");
}

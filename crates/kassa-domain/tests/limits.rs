//! The bounds every money and quantity input is held to, and the tender and discount rules
//! every path (till, CLI, checkout) shares.

use kassa_domain::ErrorCode;
use kassa_domain::money::{MAX_AMOUNT_MINOR, check_amount};
use kassa_domain::selling::pricing::{Discount, LineInput, Tax, combined_discount_bp};
use kassa_domain::selling::tender::{MAX_TENDERS, TenderKind, Tendered, check_tenders};
use kassa_domain::selling::{MAX_QUANTITY, check_quantity};

#[test]
fn amounts_have_a_ceiling_and_no_sign() {
    assert_eq!(check_amount("the float", 0).ok(), Some(0));
    assert_eq!(
        check_amount("the float", MAX_AMOUNT_MINOR).ok(),
        Some(MAX_AMOUNT_MINOR)
    );
    for bad in [-1, MAX_AMOUNT_MINOR + 1, i64::MAX, i64::MIN] {
        let e = check_amount("the float", bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
        assert!(e.message.contains("the float"), "{}", e.message);
    }
    // A day of the largest inputs still adds up inside i64.
    assert!(MAX_AMOUNT_MINOR.checked_mul(1_000_000).is_some());
    assert!(MAX_AMOUNT_MINOR.checked_mul(MAX_QUANTITY).is_some());
}

#[test]
fn quantities_are_bounded() {
    assert!(check_quantity(1).is_ok());
    assert!(check_quantity(MAX_QUANTITY).is_ok());
    for bad in [0, -1, MAX_QUANTITY + 1, i64::MAX] {
        assert_eq!(
            check_quantity(bad).unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }
}

fn t(kind: TenderKind, amount_minor: i64) -> Tendered {
    Tendered { kind, amount_minor }
}

#[test]
fn tender_lists_follow_one_rule() {
    assert!(check_tenders(&[t(TenderKind::Cash, 500), t(TenderKind::Card, 100)]).is_ok());
    let refused: Vec<Vec<Tendered>> = vec![
        vec![],
        vec![t(TenderKind::Cash, 1), t(TenderKind::Cash, 2)],
        vec![t(TenderKind::Card, i64::MAX)],
        vec![t(TenderKind::Cash, MAX_AMOUNT_MINOR + 1)],
        vec![t(TenderKind::Cash, -5)],
        (0..=MAX_TENDERS)
            .map(|_| t(TenderKind::Voucher, 1))
            .collect(),
    ];
    for list in refused {
        assert_eq!(
            check_tenders(&list).unwrap_err().code,
            ErrorCode::InvalidInput,
            "{list:?}"
        );
    }
}

#[test]
fn line_and_order_discounts_count_together() {
    let line = |discount| LineInput {
        unit_price_minor: 1000,
        quantity: 1,
        tax: Tax::NONE,
        discount,
    };
    // 10 % off one of two lines (100), then 10 % off what is left of the order (190).
    let lines = [line(Discount::Percent(1000)), line(Discount::None)];
    assert_eq!(
        combined_discount_bp(&lines, Discount::Percent(1000)).unwrap(),
        1450
    );
    assert_eq!(combined_discount_bp(&lines, Discount::None).unwrap(), 500);
    assert_eq!(
        combined_discount_bp(&[line(Discount::None)], Discount::None).unwrap(),
        0
    );
}

#[test]
fn messages_show_money_in_the_currencys_own_decimals() {
    use kassa_domain::money::Currency;
    use kassa_domain::selling::tender::settle;
    let cases = [
        ("EUR", "not enough cash: 12.34 is due, 10.00 was given"),
        ("JPY", "not enough cash: 1234 is due, 1000 was given"),
        ("KWD", "not enough cash: 1.234 is due, 1.000 was given"),
    ];
    for (code, want) in cases {
        let c = Currency::from_code(code).unwrap();
        let e = settle(1234, &[t(TenderKind::Cash, 1000)], 1, &c).unwrap_err();
        assert_eq!(e.message, want);
    }
}

//! The stock ledger as stored: levels are the sum of movements, refusals write nothing,
//! batches, transfers, counts and valuation.

mod support;

use chrono::NaiveDate;
use kassa_store::ErrorCode;
use kassa_store::catalog::ProductData;
use kassa_store::catalog::stock::{self, NewMovement, Receipt};
use proptest::prelude::*;
use support::shop::shop;

#[test]
fn selling_more_than_the_level_is_refused_naming_the_item_and_nothing_is_written() {
    let mut s = shop();
    let oat = s.product("OAT-1", "Oat milk", 249);
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 3),
        NewMovement::receipt(&tea, 10),
    ])
    .unwrap();
    let (movements, outbox) = (s.rows("stock_movements"), s.rows("outbox"));
    // A two-line sale whose second line is short: neither line is written.
    let e = s
        .moves(&[NewMovement::sale(&tea, 2), NewMovement::sale(&oat, 5)])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    assert_eq!(
        e.message,
        "not enough stock of Oat milk (SKU OAT-1): 3 available, 5 wanted"
    );
    assert_eq!(
        (s.rows("stock_movements"), s.rows("outbox")),
        (movements, outbox)
    );
    assert_eq!(
        stock::level(s.store.conn(), &tea, None).unwrap().on_hand,
        10
    );
    // Two lines of the same item count together.
    let e = s
        .moves(&[NewMovement::sale(&oat, 2), NewMovement::sale(&oat, 2)])
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    // Held stock is not available to others.
    s.moves(&[NewMovement::reservation(&oat, 2)]).unwrap();
    assert_eq!(
        s.moves(&[NewMovement::sale(&oat, 2)]).unwrap_err().code,
        ErrorCode::InsufficientStock
    );
    // The cart that holds it sells it: release and sale together.
    s.moves(&[NewMovement::release(&oat, 2), NewMovement::sale(&oat, 2)])
        .unwrap();
    assert_eq!(
        stock::level(s.store.conn(), &oat, None)
            .unwrap()
            .available(),
        1
    );
}

#[test]
fn a_product_or_the_store_may_allow_selling_below_zero() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let mut d = ProductData::new("BREAD", "Bread of the day", 300);
    d.allow_negative = Some(true);
    let bread = s.add(d).unwrap();
    s.moves(&[NewMovement::sale(&bread, 2)]).unwrap();
    assert_eq!(
        stock::level(s.store.conn(), &bread, None).unwrap().on_hand,
        -2
    );
    let oat = s.product("OAT-1", "Oat milk", 249);
    assert!(s.moves(&[NewMovement::sale(&oat, 1)]).is_err());
    s.store
        .write(|tx| {
            kassa_store::foundation::settings::set(
                tx,
                &sid,
                "stock.allow_negative",
                kassa_domain::settings::SettingValue::Bool(true),
                &admin,
            )
        })
        .unwrap();
    s.moves(&[NewMovement::sale(&oat, 1)]).unwrap();
}

#[test]
fn ledger_rows_are_immutable_and_every_movement_is_in_the_outbox() {
    let mut s = shop();
    let oat = s.product("OAT-1", "Oat milk", 249);
    let w = s.moves(&[NewMovement::receipt(&oat, 3)]).unwrap();
    let c = s.store.conn();
    assert!(
        c.execute("UPDATE stock_movements SET qty = 30", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM stock_movements", []).is_err());
    let n: i64 = c
        .query_row("SELECT count(*) FROM outbox WHERE entity = 'stock_movements' AND entity_id = ?1 AND op = 'insert'", [&w[0].id], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn batches_are_sold_first_expiring_first_and_expiring_ones_are_flagged() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let yog = s.product("YOG", "Yoghurt", 129);
    for (code, date, qty) in [("L2", "2026-12-20", 5), ("L1", "2026-11-25", 3)] {
        let r = Receipt {
            product_id: yog.clone(),
            qty,
            batch_code: Some(code.into()),
            expires_on: Some(date.into()),
            ..Default::default()
        };
        s.store
            .write(|tx| stock::receive(tx, &sid, &admin, &r))
            .unwrap();
    }
    s.moves(&[NewMovement::sale(&yog, 4)]).unwrap();
    let b = stock::batches(s.store.conn(), &yog).unwrap();
    assert_eq!(
        b.iter()
            .map(|b| (b.code.as_str(), b.on_hand))
            .collect::<Vec<_>>(),
        [("L1", 0), ("L2", 4)]
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let a = stock::alerts(s.store.conn(), &sid, today).unwrap();
    assert_eq!(a.expiring.len(), 1);
    assert_eq!(
        (
            a.expiring[0].batch_code.as_str(),
            a.expiring[0].on_hand,
            a.expiring[0].expired
        ),
        ("L2", 4, false)
    );
    assert!(a.low.iter().any(|l| l.sku == "YOG" && l.available == 4));
    let late = stock::alerts(
        s.store.conn(),
        &sid,
        NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(),
    )
    .unwrap();
    assert!(late.expiring[0].expired);
    // The same code with another date is refused, not re-dated.
    let r = Receipt {
        product_id: yog.clone(),
        qty: 1,
        batch_code: Some("L2".into()),
        expires_on: Some("2027-01-01".into()),
        ..Default::default()
    };
    assert_eq!(
        s.store
            .write(|tx| stock::receive(tx, &sid, &admin, &r))
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn a_transfer_moves_stock_and_its_batches_between_locations() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let back = s
        .store
        .write(|tx| stock::create_location(tx, &sid, &admin, "Back room"))
        .unwrap();
    let yog = s.product("YOG", "Yoghurt", 129);
    let r = Receipt {
        product_id: yog.clone(),
        qty: 6,
        batch_code: Some("L1".into()),
        expires_on: Some("2026-12-01".into()),
        location_id: Some(back.clone()),
        ..Default::default()
    };
    s.store
        .write(|tx| stock::receive(tx, &sid, &admin, &r))
        .unwrap();
    let main = stock::main_location_id(&sid);
    let e = s
        .store
        .write(|tx| stock::transfer(tx, &sid, &admin, &yog, 7, &back, &main))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientStock);
    s.store
        .write(|tx| stock::transfer(tx, &sid, &admin, &yog, 4, &back, &main))
        .unwrap();
    let c = s.store.conn();
    assert_eq!(stock::level(c, &yog, Some(&back)).unwrap().on_hand, 2);
    assert_eq!(stock::level(c, &yog, Some(&main)).unwrap().on_hand, 4);
    let in_batch: Option<String> = c
        .query_row("SELECT b.code FROM stock_movements m JOIN stock_batches b ON b.id = m.batch_id WHERE m.kind = 'transfer_in'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(in_batch.as_deref(), Some("L1"));
}

#[test]
fn a_count_posts_only_the_differences_as_one_count() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let oat = s.product("OAT-1", "Oat milk", 249);
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 10),
        NewMovement::receipt(&tea, 5),
    ])
    .unwrap();
    let (count_id, lines) = s
        .store
        .write(|tx| {
            stock::post_count(
                tx,
                &sid,
                &admin,
                None,
                &[
                    (oat.clone(), 6),
                    (tea.clone(), 2),
                    (tea.clone(), 3),
                    (oat.clone(), 1),
                ],
            )
        })
        .unwrap();
    assert_eq!(
        lines
            .iter()
            .map(|l| (l.expected, l.counted))
            .collect::<Vec<_>>(),
        [(10, 7), (5, 5)]
    );
    let c = s.store.conn();
    let rows: Vec<(String, i64)> = c
        .prepare(
            "SELECT product_id, qty FROM stock_movements WHERE ref_type = 'count' AND ref_id = ?1",
        )
        .unwrap()
        .query_map([&count_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, [(oat.clone(), -3)]);
    assert_eq!(stock::level(c, &oat, None).unwrap().on_hand, 7);
}

#[test]
fn stock_is_valued_at_cost_and_items_without_a_cost_are_counted_apart() {
    let mut s = shop();
    let mut d = ProductData::new("OAT-1", "Oat milk", 249);
    d.cost_minor = Some(120);
    let oat = s.add(d).unwrap();
    let tea = s.product("TEA-1", "Green tea", 250);
    s.moves(&[
        NewMovement::receipt(&oat, 10),
        NewMovement::receipt(&tea, 5),
    ])
    .unwrap();
    let v = stock::valuation(s.store.conn(), &s.store_id).unwrap();
    assert_eq!(
        (v.total_minor, v.units, v.items_without_cost),
        (1200, 15, 1)
    );
}

#[derive(Debug, Clone)]
enum Op {
    Receive(usize, usize, i64),
    Sell(usize, usize, i64),
    Adjust(usize, usize, i64),
    Reserve(usize, i64),
    Release(usize, i64),
    Transfer(usize, usize, i64),
    Count(usize, usize, i64),
    ReceiveBatch(usize, usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..3usize;
    let l = 0..2usize;
    prop_oneof![
        (p.clone(), l.clone(), 1..20i64).prop_map(|(p, l, q)| Op::Receive(p, l, q)),
        (p.clone(), l.clone(), 1..15i64).prop_map(|(p, l, q)| Op::Sell(p, l, q)),
        (p.clone(), l.clone(), -10..10i64).prop_map(|(p, l, q)| Op::Adjust(p, l, q)),
        (p.clone(), 1..6i64).prop_map(|(p, q)| Op::Reserve(p, q)),
        (p.clone(), 1..6i64).prop_map(|(p, q)| Op::Release(p, q)),
        (p.clone(), l.clone(), 1..10i64).prop_map(|(p, l, q)| Op::Transfer(p, l, q)),
        (p.clone(), l.clone(), 0..25i64).prop_map(|(p, l, q)| Op::Count(p, l, q)),
        (p, 0..3usize, 1..10i64).prop_map(|(p, b, q)| Op::ReceiveBatch(p, b, q)),
    ]
}

#[test]
fn levels_equal_the_sum_of_movements_after_any_sequence_of_operations() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let back = s
        .store
        .write(|tx| stock::create_location(tx, &sid, &admin, "Back room"))
        .unwrap();
    let locs = [stock::main_location_id(&sid), back];
    let shop = std::cell::RefCell::new(s);
    let case = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..Default::default()
    });
    runner
        .run(
            &(any::<bool>(), proptest::collection::vec(op(), 1..40)),
            |(allow_negative, ops)| {
                let mut s = shop.borrow_mut();
                case.set(case.get() + 1);
                let ids: Vec<String> = (0..3)
                    .map(|i| {
                        let mut d = ProductData::new(
                            &format!("P{}-{i}", case.get()),
                            &format!("Item {i}"),
                            100,
                        );
                        d.allow_negative = Some(allow_negative);
                        s.add(d).unwrap()
                    })
                    .collect();
                for op in ops {
                    let (movements, outbox) = (s.rows("stock_movements"), s.rows("outbox"));
                    let result = s.store.write(|tx| match &op {
                        Op::Receive(p, l, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::receipt(&ids[*p], *q).at(&locs[*l])],
                        )
                        .map(|_| ()),
                        Op::Sell(p, l, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::sale(&ids[*p], *q).at(&locs[*l])],
                        )
                        .map(|_| ()),
                        Op::Adjust(p, l, q) => stock::adjust(
                            tx,
                            &sid,
                            &admin,
                            &ids[*p],
                            *q,
                            "shelf check",
                            Some(&locs[*l]),
                        )
                        .map(|_| ()),
                        Op::Reserve(p, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::reservation(&ids[*p], *q)],
                        )
                        .map(|_| ()),
                        Op::Release(p, q) => stock::record_movements(
                            tx,
                            &sid,
                            None,
                            &[NewMovement::release(&ids[*p], *q)],
                        )
                        .map(|_| ()),
                        Op::Transfer(p, l, q) => stock::transfer(
                            tx,
                            &sid,
                            &admin,
                            &ids[*p],
                            *q,
                            &locs[*l],
                            &locs[1 - *l],
                        )
                        .map(|_| ()),
                        Op::Count(p, l, q) => stock::post_count(
                            tx,
                            &sid,
                            &admin,
                            Some(&locs[*l]),
                            &[(ids[*p].clone(), *q)],
                        )
                        .map(|_| ()),
                        Op::ReceiveBatch(p, b, q) => stock::receive(
                            tx,
                            &sid,
                            &admin,
                            &Receipt {
                                product_id: ids[*p].clone(),
                                qty: *q,
                                batch_code: Some(format!("B{b}")),
                                expires_on: Some(format!("2027-0{}-01", b + 1)),
                                ..Default::default()
                            },
                        )
                        .map(|_| ()),
                    });
                    if let Err(e) = &result {
                        prop_assert!(
                            matches!(
                                e.code,
                                ErrorCode::InsufficientStock | ErrorCode::InvalidInput
                            ),
                            "{op:?}: {e:?}"
                        );
                        prop_assert_eq!(
                            (s.rows("stock_movements"), s.rows("outbox")),
                            (movements, outbox),
                            "a refused {:?} wrote something",
                            op
                        );
                    }
                    let c = s.store.conn();
                    for id in &ids {
                        for l in &locs {
                            let cached = stock::level(c, id, Some(l)).unwrap();
                            prop_assert_eq!(
                                cached,
                                stock::level_from_ledger(c, id, Some(l)).unwrap()
                            );
                            prop_assert!(cached.reserved >= 0);
                            if !allow_negative {
                                prop_assert!(cached.on_hand >= 0, "{:?} left {:?}", op, cached);
                            }
                        }
                        prop_assert_eq!(
                            stock::level(c, id, None).unwrap(),
                            stock::level_from_ledger(c, id, None).unwrap()
                        );
                    }
                    prop_assert!(stock::verify_levels(c).unwrap().is_empty());
                }
                Ok(())
            },
        )
        .unwrap();
}

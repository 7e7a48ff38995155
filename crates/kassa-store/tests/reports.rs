//! A manager reads how the shop did: every report adds up to the orders and refunds behind it
//! to the minor unit, a day's sales report equals that day's Z report, and the business day
//! follows the store's time zone and cut-off.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::SettingValue;
use kassa_store::foundation::settings;
use kassa_store::reports::sales::{Dimension, SalesReport, sales};
use kassa_store::reports::{Period, staff, stock};
use kassa_store::selling::checkout::{CardDetails, CheckoutRequest, TenderRequest, checkout};
use kassa_store::selling::drawer::{self, OpenKind, Opening};
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use kassa_store::selling::{shift, zreport};
use kassa_store::{FixedClock, KeySource, Store};
use std::sync::Arc;

struct Shop {
    store: Store,
    clock: Arc<FixedClock>,
    store_id: String,
    admin: String,
    cashier: String,
    skus: Vec<String>,
    device_id: String,
    _dir: tempfile::TempDir,
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
}

/// The test shop's catalog on a clock the test moves, in UTC, with a cashier beside the admin.
fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let (store, store_id, admin, skus) = support::shop(dir.path(), 500);
    drop(store);
    let clock = Arc::new(FixedClock::new(at(20, 9, 0)));
    let store = Store::open(
        dir.path(),
        clock.clone(),
        KeySource::ExplicitKeys {
            device: support::KEY,
            store: support::STORE_KEY,
        },
    )
    .unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO staff (id, store_id, email, display_name, role, status, password_hash, created_at, updated_at)
             VALUES ('cashier-1', ?1, 'cashier@example.com', 'Cas', 'cashier', 'active', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [&store_id],
        )
        .unwrap();
    let device_id: String = store
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    // The shop was set up on the real clock; it opened before the days the test sells on.
    store
        .conn()
        .execute(
            "UPDATE device SET created_at = '2026-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let mut s = Shop {
        store,
        clock,
        store_id,
        admin,
        cashier: "cashier-1".into(),
        skus,
        device_id,
        _dir: dir,
    };
    s.set("store.time_zone", SettingValue::Text("UTC".into()));
    // Cash rounds to 5 cents, so cash sales and refunds carry rounding.
    s.set("sell.cash_rounding_minor", SettingValue::Int(5));
    s
}

impl Shop {
    fn set(&mut self, key: &str, value: SettingValue) {
        let (sid, admin) = (self.store_id.clone(), self.admin.clone());
        self.store
            .write(|tx| settings::set(tx, &sid, key, value, &admin).map(|_| ()))
            .unwrap();
    }

    /// A sale at `t`: `qty` of each SKU (by index), a line discount in basis points on the
    /// first line, paid by card or in cash.
    fn sell(
        &mut self,
        t: DateTime<Utc>,
        staff: &str,
        items: &[(usize, i64)],
        line_discount_bp: u32,
        card: bool,
    ) -> String {
        self.clock.set(t);
        let mut lines = Vec::new();
        for (i, qty) in items {
            let mut l = support::lines(&self.store, &self.store_id, &self.skus[*i..=*i], *qty);
            lines.append(&mut l);
        }
        if line_discount_bp > 0 {
            lines[0].discount = Discount::Percent(line_discount_bp);
            if line_discount_bp > 1000 {
                lines[0].discount_approver_id = Some(self.admin.clone());
            }
        }
        let cash = TenderRequest {
            kind: TenderKind::Cash,
            amount_minor: 100_000,
            card: None,
            voucher_code: None,
        };
        // A card sale puts 5.00 on the card and the rest in cash: a split tender.
        let tenders = if card {
            vec![
                TenderRequest {
                    kind: TenderKind::Card,
                    amount_minor: 500,
                    card: Some(CardDetails {
                        brand: Some("visa".into()),
                        last4: Some("4242".into()),
                        customer_contact: Some("guest@example.com".into()),
                        token: None,
                        attempt: None,
                    }),
                    voucher_code: None,
                },
                cash,
            ]
        } else {
            vec![cash]
        };
        let req = CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders,
            idempotency_key: None,
            staff_id: staff.to_string(),
            cart_id: None,
        };
        checkout(&mut self.store, req).unwrap().order_id
    }

    fn refund_first_line(&mut self, t: DateTime<Utc>, order_id: &str, qty: i64) {
        self.clock.set(t);
        let line: String = self
            .store
            .conn()
            .query_row(
                "SELECT id FROM order_lines WHERE order_id = ?1 ORDER BY position LIMIT 1",
                [order_id],
                |r| r.get(0),
            )
            .unwrap();
        refund(
            &mut self.store,
            RefundRequest {
                order_id: order_id.into(),
                lines: vec![RefundLine {
                    order_line_id: line,
                    quantity: qty,
                    restock: true,
                }],
                reason: Some("changed mind".into()),
                staff_id: self.admin.clone(),
                approver: None,
                idempotency_key: None,
                void: false,
            },
        )
        .unwrap();
    }

    fn void(&mut self, t: DateTime<Utc>, order_id: &str) {
        self.clock.set(t);
        refund(
            &mut self.store,
            RefundRequest {
                order_id: order_id.into(),
                lines: vec![],
                reason: Some("wrong till".into()),
                staff_id: self.admin.clone(),
                approver: None,
                idempotency_key: None,
                void: true,
            },
        )
        .unwrap();
    }

    fn no_sale(&mut self, t: DateTime<Utc>) {
        self.clock.set(t);
        let admin = self.admin.clone();
        self.store
            .write(|tx| {
                drawer::record(
                    tx,
                    Opening {
                        kind: OpenKind::NoSale,
                        order_id: None,
                        refund_id: None,
                        reason: Some("change for the bakery"),
                        staff_id: &admin,
                    },
                )
            })
            .unwrap();
    }

    fn report(&self, from: &str, to: &str, by: Dimension, with_cost: bool) -> SalesReport {
        sales(
            self.store.conn(),
            &self.store_id,
            Period::parse(from, to).unwrap(),
            by,
            with_cost,
        )
        .unwrap()
    }

    fn sql(&self, sql: &str) -> i64 {
        self.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// Three business days of two people's sales: discounts (one approved), card and cash, partial
/// refunds, a void, a drawer opened with no sale.
fn seeded() -> Shop {
    let mut s = shop();
    let (admin, cashier) = (s.admin.clone(), s.cashier.clone());
    for day in 20..=22 {
        let a = s.sell(at(day, 9, 15), &cashier, &[(0, 2), (1, 1)], 500, false);
        let b = s.sell(at(day, 11, 40), &admin, &[(2, 3), (3, 1)], 0, true);
        let c = s.sell(at(day, 15, 5), &cashier, &[(4, 1), (0, 1)], 2000, false);
        s.refund_first_line(at(day, 16, 0), &a, 1);
        s.refund_first_line(at(day, 16, 30), &b, 1);
        s.sell(at(day, 17, 30), &admin, &[(1, 2)], 0, false);
        if day == 21 {
            s.void(at(day, 18, 0), &c);
            s.no_sale(at(day, 18, 10));
        }
    }
    s
}

const ALL_TIME: (&str, &str) = ("2026-11-01", "2026-11-30");

#[test]
fn every_grouping_adds_up_to_the_orders_and_refunds_to_the_minor_unit() {
    let s = seeded();
    let gross = s.sql("SELECT sum(total_minor + rounding_minor) FROM orders");
    let rounding = s.sql("SELECT sum(rounding_minor) FROM orders");
    let refunded = s.sql("SELECT sum(amount_minor + rounding_minor) FROM refunds");
    let refunds_rounding = s.sql("SELECT sum(rounding_minor) FROM refunds");
    assert_ne!(rounding, 0, "cash rounding is exercised");
    let orders = s.sql("SELECT count(*) FROM orders");
    let tax = s.sql("SELECT sum(tax_minor) FROM orders");
    let discount = s.sql("SELECT sum(discount_minor) FROM orders");
    for by in Dimension::ALL {
        let r = s.report(ALL_TIME.0, ALL_TIME.1, by, true);
        let t = &r.totals;
        assert_eq!(
            (t.orders, t.gross_minor, t.tax_minor, t.discount_minor),
            (orders, gross, tax, discount),
            "{by:?} totals"
        );
        assert_eq!(t.refunds_minor, refunded, "{by:?}");
        assert_eq!(t.refunds, 6 + 1);
        assert_eq!(t.voids, 1);
        assert_eq!(t.net_minor, gross - refunded);
        let sum = |f: fn(&kassa_store::reports::sales::SalesRow) -> i64| -> i64 {
            r.rows.iter().map(f).sum()
        };
        let (unsold, unrefunded) = match by {
            // Cash rounding belongs to the sale, not to any line.
            Dimension::Product | Dimension::Category => (rounding, refunds_rounding),
            _ => (0, 0),
        };
        assert_eq!(sum(|x| x.gross_minor) + unsold, gross, "{by:?} gross");
        assert_eq!(
            sum(|x| x.refunds_minor) + unrefunded,
            refunded,
            "{by:?} refunds"
        );
        assert_eq!(
            sum(|x| x.net_minor) + unsold - unrefunded,
            gross - refunded,
            "{by:?} net"
        );
        if by != Dimension::Tender {
            assert_eq!(sum(|x| x.tax_minor.unwrap()), tax, "{by:?} tax");
            assert_eq!(
                sum(|x| x.discount_minor.unwrap()),
                discount,
                "{by:?} discount"
            );
            assert_eq!(
                sum(|x| x.cost_minor.unwrap()),
                t.cost_minor.unwrap(),
                "{by:?} cost"
            );
            assert_eq!(
                sum(|x| x.margin_minor.unwrap()) + unsold - unrefunded,
                t.margin_minor.unwrap(),
                "{by:?} margin"
            );
        }
        if !matches!(
            by,
            Dimension::Product | Dimension::Category | Dimension::Tender
        ) {
            assert_eq!(sum(|x| x.orders), orders, "{by:?} orders");
        }
    }
    // Tenders: what was paid and given back by each, as the payments record it.
    let r = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Tender, false);
    let card = r.rows.iter().find(|x| x.key == "card").unwrap();
    assert_eq!(
        card.gross_minor,
        s.sql("SELECT sum(amount_minor) FROM payments WHERE kind = 'card'")
    );
    assert_eq!(
        r.totals.by_tender["cash"] + r.totals.by_tender["card"],
        gross
    );
    assert_eq!(r.totals.cost_minor, None, "no cost unless asked");
    assert!(r.rows.iter().all(|x| x.margin_minor.is_none()));
    // The margin is what was taken without tax, less what went back, less the cost sold.
    let cost = s.sql("SELECT sum(quantity * cost_minor) FROM order_lines")
        - s.sql("SELECT sum(rl.quantity * l.cost_minor) FROM refund_lines rl JOIN order_lines l ON l.id = rl.order_line_id");
    let refunds_tax = s.sql("SELECT sum(tax_minor) FROM refunds");
    let t = s
        .report(ALL_TIME.0, ALL_TIME.1, Dimension::Day, true)
        .totals;
    assert_eq!(t.cost_minor, Some(cost));
    assert_eq!(
        t.margin_minor,
        Some((gross - tax) - (refunded - refunds_tax) - cost)
    );
}

#[test]
fn a_days_sales_report_equals_its_z_report() {
    let mut s = seeded();
    let by_day = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Day, false);
    assert_eq!(
        by_day
            .rows
            .iter()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>(),
        ["2026-11-20", "2026-11-21", "2026-11-22"]
    );
    for row in &by_day.rows {
        let z = zreport::figures_for_date(s.store.conn(), &s.device_id, &row.key).unwrap();
        let day = s.report(&row.key, &row.key, Dimension::Hour, false).totals;
        assert_eq!(
            (
                row.orders,
                row.gross_minor,
                row.refunds_minor,
                row.net_minor
            ),
            (
                z.orders,
                z.gross_minor,
                z.refunds_minor,
                z.net_sales_minor()
            ),
            "{}",
            row.key
        );
        assert_eq!(
            (
                day.discount_minor,
                day.tax_minor,
                day.rounding_minor,
                day.voids
            ),
            (z.discount_minor, z.tax_minor, z.rounding_minor, z.voids)
        );
        assert_eq!(day.by_tender, z.by_tender);
        assert_eq!(day.refunds_by_tender, z.refunds_by_tender);
    }
    // The closed Z report says the same.
    s.clock.set(at(22, 20, 0));
    let admin = s.admin.clone();
    s.store
        .write(|tx| shift::close(tx, &admin, 0, &serde_json::json!([]), None).map(|_| ()))
        .unwrap();
    let z = s.store.write(|tx| zreport::close(tx, &admin)).unwrap();
    // The first Z report of the till covers every business day up to the one it closes.
    let day = s.report(ALL_TIME.0, &z.business_date, Dimension::Staff, false);
    assert_eq!(z.business_date, "2026-11-22");
    assert_eq!(day.totals.gross_minor, z.figures.gross_minor);
    assert_eq!(day.totals.refunds_minor, z.figures.refunds_minor);
    assert_eq!(day.totals.orders, z.figures.orders);
}

#[test]
fn weeks_and_months_fold_the_days_and_hours_follow_the_store_clock() {
    let mut s = seeded();
    let days = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Day, false);
    let weeks = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Week, false);
    let months = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Month, false);
    // 20 and 21 November 2026 are a Friday and a Saturday (week 47), the 22nd a Sunday.
    assert_eq!(
        weeks
            .rows
            .iter()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>(),
        ["2026-W47"]
    );
    assert_eq!(months.rows[0].key, "2026-11");
    let total = |r: &SalesReport| r.rows.iter().map(|x| x.net_minor).sum::<i64>();
    assert_eq!(total(&weeks), total(&days));
    assert_eq!(total(&months), total(&days));
    let hours = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Hour, false);
    assert_eq!(
        hours
            .rows
            .iter()
            .map(|r| r.key.as_str())
            .collect::<Vec<_>>(),
        ["09", "11", "15", "16", "17", "18"]
    );
    // In Berlin (UTC+1 in November) the same sales were an hour later.
    s.set(
        "store.time_zone",
        SettingValue::Text("Europe/Berlin".into()),
    );
    let hours = s.report(ALL_TIME.0, ALL_TIME.1, Dimension::Hour, false);
    assert_eq!(hours.rows[0].key, "10");
    assert_eq!(hours.rows[0].label, "10:00");
}

#[test]
fn a_sale_before_the_cut_off_belongs_to_the_previous_business_day() {
    let mut s = shop();
    s.set(
        "store.time_zone",
        SettingValue::Text("Europe/Berlin".into()),
    );
    s.set("store.day_cutoff", SettingValue::Text("02:00".into()));
    let cashier = s.cashier.clone();
    // 00:30 UTC is 01:30 in Berlin: still the evening of the 21st.
    let late = s.sell(at(22, 0, 30), &cashier, &[(0, 1)], 0, false);
    // 01:30 UTC is 02:30 in Berlin: the 22nd has begun.
    let early = s.sell(at(22, 1, 30), &cashier, &[(0, 1)], 0, false);
    let day = |s: &Shop, id: &str| -> String {
        s.store
            .conn()
            .query_row(
                "SELECT business_date FROM orders WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(day(&s, &late), "2026-11-21");
    assert_eq!(day(&s, &early), "2026-11-22");
    let r = s.report("2026-11-21", "2026-11-21", Dimension::Day, false);
    assert_eq!(r.totals.orders, 1);
    // Without the cut-off the same moment is the 22nd.
    s.set("store.day_cutoff", SettingValue::Text("00:00".into()));
    let midnight = s.sell(at(22, 0, 30), &cashier, &[(0, 1)], 0, false);
    assert_eq!(day(&s, &midnight), "2026-11-22");
}

#[test]
fn a_time_zone_the_database_does_not_know_is_refused_and_changes_nothing() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    for bad in ["Mars/Olympus_Mons", "../../etc/passwd"] {
        let err = s
            .store
            .write(|tx| {
                settings::set(
                    tx,
                    &sid,
                    "store.time_zone",
                    SettingValue::Text(bad.into()),
                    &admin,
                )
            })
            .unwrap_err();
        assert_eq!(err.code, kassa_domain::ErrorCode::InvalidInput, "{bad}");
    }
    assert_eq!(
        settings::get_text(s.store.conn(), &sid, "store.time_zone").unwrap(),
        "UTC"
    );
    // A zone set on a device with a newer time zone database, arrived by sync: this device
    // keeps selling on its own zone.
    s.store
        .conn()
        .execute(
            "UPDATE settings SET value = '\"Mars/Olympus_Mons\"' WHERE store_id = ?1 AND key = 'store.time_zone'",
            [&sid],
        )
        .unwrap();
    let cashier = s.cashier.clone();
    s.sell(at(22, 10, 0), &cashier, &[(0, 1)], 0, false);
    let err = Period::parse("2026-11-30", "2026-11-01").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::InvalidInput);
    let err = Dimension::parse("colour").unwrap_err();
    assert_eq!(err.code, kassa_domain::ErrorCode::InvalidInput);
}

#[test]
fn staff_activity_names_every_override_and_its_approver() {
    let s = seeded();
    let r = staff::staff(
        s.store.conn(),
        &s.store_id,
        Period::parse(ALL_TIME.0, ALL_TIME.1).unwrap(),
    )
    .unwrap();
    let total: i64 = r.people.iter().map(|p| p.sales_minor).sum();
    assert_eq!(
        total,
        s.sql("SELECT sum(total_minor + rounding_minor) FROM orders")
    );
    let cas = r.people.iter().find(|p| p.staff_id == s.cashier).unwrap();
    assert_eq!(cas.orders, 6);
    // The cashier's 20 % discounts were approved by the admin, once a day.
    assert_eq!(cas.overrides, 3);
    let admin = r.people.iter().find(|p| p.staff_id == s.admin).unwrap();
    assert_eq!(admin.approvals, 3);
    assert_eq!((admin.refunds, admin.voids, admin.drawer_opens), (6, 1, 1));
    assert_eq!(
        admin.refunds_minor + admin.voids_minor,
        s.sql("SELECT sum(amount_minor + rounding_minor) FROM refunds")
    );
    assert!(
        r.overrides
            .iter()
            .all(|o| o.kind == "discount" && o.staff_name == "Cas" && o.approver_id == s.admin)
    );
}

#[test]
fn stock_is_valued_at_cost_per_location_and_unsold_items_are_slow_movers() {
    let mut s = seeded();
    s.set("reports.slow_mover_days", SettingValue::Int(30));
    let r = stock::stock(
        s.store.conn(),
        &s.store_id,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
    )
    .unwrap();
    let on_hand = s.sql("SELECT sum(on_hand) FROM stock_levels");
    let value = s.sql(
        "SELECT sum(l.on_hand * p.cost_minor) FROM stock_levels l JOIN products p ON p.id = l.product_id",
    );
    assert_eq!(r.units, on_hand);
    assert_eq!(r.value_minor, value);
    assert_eq!(
        r.locations.iter().map(|l| l.value_minor).sum::<i64>(),
        value
    );
    assert!(r.slow_movers.is_empty(), "{:?}", r.slow_movers);
    // Ninety days on, nothing has sold for a month: every item in stock is slow.
    let later = stock::stock(
        s.store.conn(),
        &s.store_id,
        chrono::NaiveDate::from_ymd_opt(2027, 2, 20).unwrap(),
    )
    .unwrap();
    assert_eq!(later.slow_movers.len(), 4, "{:?}", later.slow_movers);
    assert!(
        later
            .slow_movers
            .iter()
            .all(|m| m.last_sold.as_deref() == Some("2026-11-22"))
    );
}

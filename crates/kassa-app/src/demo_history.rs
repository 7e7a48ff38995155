//! The demo store's sales history: eight weeks of a corner shop's days before the store was
//! set up, so the reports have something to show. Every sale and refund goes through the
//! real checkout and refund on a clock set back to its time, so they are orders with business
//! dates like any other, counted by the Z and sales reports alike. Stock sold in the history
//! is delivered first, so the shelves end where the demo catalog put them.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::selling::catalog_port;
use kassa_store::selling::checkout::{CheckoutRequest, SaleLine, TenderRequest, checkout};
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use kassa_store::selling::{shift, zreport};
use kassa_store::{FixedClock, Result, Store};
use std::collections::BTreeMap;

/// Days of history before today.
pub(crate) const HISTORY_DAYS: i64 = 56;

/// What the shop sells day to day, with how often (a weight).
const BASKET: [(&str, u32); 12] = [
    ("BAR-ESP", 9),
    ("BAR-CAP", 9),
    ("BAR-CRE", 5),
    ("BAR-LAT", 6),
    ("BAK-CROI", 7),
    ("BAK-PRETZ", 5),
    ("DRK-COLA-033", 4),
    ("DRK-WAT-05", 4),
    ("SNK-CHOC-70", 3),
    ("FRU-BAN", 3),
    ("COF-ESP-250", 2),
    ("SRV-GRIND", 1),
];

/// A small deterministic generator: the same history every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
}

/// One planned sale.
struct Sale {
    at: DateTime<Utc>,
    staff: usize,
    lines: Vec<(usize, i64)>,
    refund: bool,
}

fn plan(today: chrono::NaiveDate) -> Vec<Sale> {
    let mut dice = Dice(0x6b_6173_7361);
    let total_weight: u32 = BASKET.iter().map(|b| b.1).sum();
    let mut sales = Vec::new();
    for back in (1..=HISTORY_DAYS).rev() {
        let day = today - Duration::days(back);
        // Saturdays are busy, Sundays quiet.
        let weekday = chrono::Datelike::weekday(&day).num_days_from_monday();
        let count = match weekday {
            5 => 9 + dice.below(3),
            6 => 3 + dice.below(2),
            _ => 5 + dice.below(4),
        };
        for i in 0..count {
            // Spread over opening hours, 07:30 to 18:30 (UTC, a fixed clock for every machine).
            let minutes = 7 * 60 + 30 + (i * 660 / count) + dice.below(50);
            let at = Utc.from_utc_datetime(&day.and_time(
                NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default(),
            ));
            let n_lines = 1 + dice.below(3) as usize;
            let mut lines: Vec<(usize, i64)> = Vec::new();
            for _ in 0..n_lines {
                let mut roll = dice.below(total_weight);
                let mut idx = 0;
                for (k, (_, w)) in BASKET.iter().enumerate() {
                    if roll < *w {
                        idx = k;
                        break;
                    }
                    roll -= w;
                }
                if let Some(l) = lines.iter_mut().find(|l| l.0 == idx) {
                    l.1 += 1;
                } else {
                    lines.push((idx, 1 + i64::from(dice.below(4) == 0)));
                }
            }
            sales.push(Sale {
                at,
                staff: dice.below(5) as usize,
                lines,
                refund: dice.below(40) == 0,
            });
        }
    }
    sales
}

/// When the demo store was set up: the morning before the first day of its history.
pub(crate) fn opened_at(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = now.date_naive() - Duration::days(HISTORY_DAYS + 1);
    Utc.from_utc_datetime(&first.and_time(NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default()))
}

/// The float each day starts with, and how it is counted.
const FLOAT: [(i64, i64); 3] = [(2000, 2), (1000, 4), (500, 4)];

/// Notes and coins for an amount, largest first.
fn counts_of(amount: i64) -> (i64, serde_json::Value) {
    let mut left = amount.max(0);
    let mut out = Vec::new();
    for d in [5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1] {
        let n = left / d;
        if n > 0 {
            out.push(serde_json::json!([d, n]));
            left -= n * d;
        }
    }
    (amount.max(0), serde_json::Value::Array(out))
}

/// Books the history on `clock` (the store's clock, set back by the caller): each day a
/// shift opened with a float, the day's sales and refunds, the drawer counted and the day
/// closed with its Z report. `staff` are the people who sell (the first takes refunds and
/// runs the drawer), `admin` the one who receives deliveries. `agent` makes the day's bookings
/// after the day's last sale, with the shift still open.
pub(crate) fn seed(
    store: &mut Store,
    clock: &FixedClock,
    now: DateTime<Utc>,
    store_id: &str,
    admin: &str,
    staff: &[String],
    agent: &mut crate::demo_trips::Agent,
) -> Result<()> {
    let sales = plan(now.date_naive());
    let items = BASKET
        .iter()
        .map(|(sku, _)| catalog_port::item_by_code(store.conn(), store_id, sku))
        .collect::<Result<Vec<_>>>()?;
    // The deliveries the history sells from, the morning before it starts.
    let mut sold: BTreeMap<usize, i64> = BTreeMap::new();
    for s in &sales {
        for (i, q) in &s.lines {
            *sold.entry(*i).or_default() += q;
        }
    }
    if let Some(first) = sales.first() {
        clock.set(first.at - Duration::hours(2));
    }
    store.write(|tx| {
        for (i, qty) in &sold {
            let item = &items[*i];
            if !item.stock_tracked {
                continue;
            }
            stock::receive(
                tx,
                store_id,
                admin,
                &Receipt {
                    product_id: item.product_id.clone(),
                    qty: *qty,
                    unit_cost_minor: item.cost_minor,
                    note: Some("Deliveries over the last eight weeks".into()),
                    ..Default::default()
                },
            )?;
        }
        Ok(())
    })?;
    let sellers: Vec<&String> = staff.iter().collect();
    let keeper = staff.first().cloned().unwrap_or_else(|| admin.to_string());
    let mut day: Option<chrono::NaiveDate> = None;
    let mut last = None;
    for s in &sales {
        if day != Some(s.at.date_naive()) {
            if let (Some(d), Some(last)) = (day, last) {
                agent.history_day(store, clock, last)?;
                close_day(store, clock, d, &keeper)?;
            }
            day = Some(s.at.date_naive());
            clock.set(s.at - Duration::minutes(30));
            let float: i64 = FLOAT.iter().map(|(d, n)| d * n).sum();
            let counts = serde_json::json!(
                FLOAT
                    .iter()
                    .map(|(d, n)| serde_json::json!([d, n]))
                    .collect::<Vec<_>>()
            );
            store.write(|tx| {
                shift::open(tx, store_id, &keeper, float, Some(&counts), false).map(|_| ())
            })?;
        }
        clock.set(s.at);
        last = Some(s.at + Duration::minutes(if s.refund { 20 } else { 0 }));
        let lines: Vec<SaleLine> = s
            .lines
            .iter()
            .map(|(i, q)| {
                let item = &items[*i];
                SaleLine {
                    product_id: item.product_id.clone(),
                    sku: item.sku.clone(),
                    name: item.name.clone(),
                    quantity: *q,
                    unit_price_minor: item.unit_price_minor,
                    tax: item.tax,
                    cost_minor: item.cost_minor,
                    stock_tracked: item.stock_tracked,
                    discount: Discount::None,
                    discount_approver_id: None,
                    price_changed: false,
                }
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.unit_price_minor * l.quantity).sum();
        // Paid in cash: card payments are confirmed by the card provider through the server,
        // so a history of them would be a history of payments still waiting for it.
        let note = if total <= 500 {
            500
        } else {
            (total + 999) / 1000 * 1000
        };
        let tender = TenderRequest {
            kind: TenderKind::Cash,
            amount_minor: note,
            card: None,
            voucher_code: None,
        };
        let seller = sellers[s.staff % sellers.len().max(1)].clone();
        let sold = checkout(
            store,
            CheckoutRequest {
                lines,
                order_discount: Discount::None,
                order_discount_approver_id: None,
                customer_id: None,
                tenders: vec![tender],
                idempotency_key: None,
                staff_id: seller,
                cart_id: None,
            },
        )?;
        if s.refund {
            clock.set(s.at + Duration::minutes(20));
            let line: String = store
                .conn()
                .query_row(
                    "SELECT id FROM order_lines WHERE order_id = ?1 ORDER BY position LIMIT 1",
                    [&sold.order_id],
                    |r| r.get(0),
                )
                .map_err(|e| {
                    kassa_store::Error::new(kassa_domain::ErrorCode::Internal, e.to_string())
                })?;
            refund(
                store,
                RefundRequest {
                    order_id: sold.order_id.clone(),
                    lines: vec![RefundLine {
                        order_line_id: line,
                        quantity: 1,
                        restock: false,
                    }],
                    reason: Some("customer changed their mind".into()),
                    staff_id: keeper.clone(),
                    approver: None,
                    idempotency_key: None,
                    void: false,
                },
            )?;
        }
    }
    if let (Some(d), Some(last)) = (day, last) {
        agent.history_day(store, clock, last)?;
        close_day(store, clock, d, &keeper)?;
    }
    Ok(())
}

/// The evening: the drawer counted as expected, the shift closed, the day's Z report.
fn close_day(
    store: &mut Store,
    clock: &FixedClock,
    day: chrono::NaiveDate,
    keeper: &str,
) -> Result<()> {
    let at = |h, m| {
        Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()))
    };
    clock.set(at(19, 0));
    store.write(|tx| {
        let device_id = tx.device_id()?.to_string();
        let Some(open) = shift::open_shift(tx, &device_id)? else {
            return Ok(());
        };
        let expected = shift::figures(tx, &open.id)?.expected_cash_minor;
        let (counted, counts) = counts_of(expected);
        shift::close(tx, keeper, counted, &counts, None).map(|_| ())
    })?;
    clock.set(at(19, 5));
    store.write(|tx| zreport::close(tx, keeper).map(|_| ()))
}

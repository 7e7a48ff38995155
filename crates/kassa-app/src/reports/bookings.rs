//! The bookings and card payments reports through the API (computed by
//! `kassa_store::reports::{bookings, cards}`), and their export tables. Both name customers and
//! show money owed, so they are for roles that see reports.

use super::{Cell, Export, Table, Words, as_of};
use crate::dto::*;
use crate::{Api, ApiResult};
use kassa_documents::report::BarChart;
use kassa_domain::role::Permission;
use kassa_store::reports::{Period, bookings, cards};

fn bookings_dto(r: bookings::BookingsReport, basis: ReportBasisDto) -> BookingsReportDto {
    let m = r.money;
    let ct = r.cancellation_totals;
    BookingsReportDto {
        from: r.period.from_text(),
        to: r.period.to_text(),
        today: r.today,
        basis,
        bookings: r.bookings,
        seats: r.seats,
        value_minor: r.value_minor,
        by_status: r
            .by_status
            .into_iter()
            .map(|s| BookingStatusCountDto {
                status: s.status,
                bookings: s.bookings,
                seats: s.seats,
                value_minor: s.value_minor,
            })
            .collect(),
        money: BookingMoneyDto {
            payments: m.payments,
            deposits_minor: m.deposits_minor,
            balances_minor: m.balances_minor,
            taken_minor: m.taken_minor,
            refunds: m.refunds,
            refunded_minor: m.refunded_minor,
            net_minor: m.net_minor,
            by_tender: m
                .by_tender
                .into_iter()
                .map(|t| BookingTenderMoneyDto {
                    tender: t.tender,
                    taken_minor: t.taken_minor,
                    refunded_minor: t.refunded_minor,
                    net_minor: t.net_minor,
                })
                .collect(),
        },
        cancellations: r
            .cancellations
            .into_iter()
            .map(|c| BookingCancellationDto {
                booking_id: c.booking_id,
                reference: c.reference,
                trip_name: c.trip_name,
                business_date: c.business_date,
                staff_name: c.staff_name,
                total_minor: c.total_minor,
                fee_minor: c.fee_minor,
                kept_minor: c.kept_minor,
                refund_minor: c.refund_minor,
                owed_minor: c.owed_minor,
            })
            .collect(),
        cancellation_totals: BookingCancellationTotalsDto {
            count: ct.count,
            fee_minor: ct.fee_minor,
            kept_minor: ct.kept_minor,
            refund_minor: ct.refund_minor,
            owed_minor: ct.owed_minor,
        },
        balances_due: r
            .balances_due
            .into_iter()
            .map(|b| BookingDueDto {
                booking_id: b.booking_id,
                reference: b.reference,
                status: b.status,
                trip_name: b.trip_name,
                customer_name: b.customer_name,
                departs_at: b.departs_at,
                due_on: b.due_on,
                balance_minor: b.balance_minor,
                overdue: b.overdue,
            })
            .collect(),
        due_minor: r.due_minor,
        overdue: r.overdue,
        overdue_minor: r.overdue_minor,
        departures: r
            .departures
            .into_iter()
            .map(|d| DepartureLoadDto {
                departure_id: d.departure_id,
                trip_code: d.trip_code,
                trip_name: d.trip_name,
                departs_at: d.departs_at,
                capacity: d.capacity,
                booked: d.booked,
                left: d.left,
                load_bp: d.load_bp,
            })
            .collect(),
        trips: r
            .trips
            .into_iter()
            .map(|t| TripTotalsDto {
                trip_id: t.trip_id,
                code: t.code,
                name: t.name,
                bookings: t.bookings,
                seats: t.seats,
                value_minor: t.value_minor,
                cancelled: t.cancelled,
            })
            .collect(),
        agents: r
            .agents
            .into_iter()
            .map(|a| AgentTotalsDto {
                staff_id: a.staff_id,
                name: a.name,
                bookings: a.bookings,
                seats: a.seats,
                value_minor: a.value_minor,
                cancelled: a.cancelled,
                taken_minor: a.taken_minor,
            })
            .collect(),
    }
}

fn card_row(p: cards::CardPaymentRow) -> CardPaymentRowDto {
    CardPaymentRowDto {
        order_id: p.order_id,
        number: p.number,
        business_date: p.business_date,
        amount_minor: p.amount_minor,
        brand: p.brand,
        last4: p.last4,
        taken_at: p.taken_at,
        age_minutes: p.age_minutes,
        contact: p.contact,
        customer_name: p.customer_name,
        customer_email: p.customer_email,
        customer_phone: p.customer_phone,
    }
}

fn cards_dto(r: cards::CardsReport, basis: ReportBasisDto) -> CardsReportDto {
    let e = r.exposure;
    CardsReportDto {
        from: r.period.from_text(),
        to: r.period.to_text(),
        basis,
        payments: r.payments,
        amount_minor: r.amount_minor,
        by_status: r
            .by_status
            .into_iter()
            .map(|s| CardStatusDto {
                status: s.status,
                payments: s.payments,
                amount_minor: s.amount_minor,
            })
            .collect(),
        by_brand: r
            .by_brand
            .into_iter()
            .map(|b| CardBrandDto {
                brand: b.brand,
                payments: b.payments,
                amount_minor: b.amount_minor,
                captured_minor: b.captured_minor,
                pending_minor: b.pending_minor,
                declined_minor: b.declined_minor,
            })
            .collect(),
        pending: r.pending.into_iter().map(card_row).collect(),
        declined: r.declined.into_iter().map(card_row).collect(),
        exposure: CardExposureDto {
            pending: e.pending,
            pending_minor: e.pending_minor,
            limit_minor: e.limit_minor,
            left_minor: e.left_minor,
            per_payment_minor: e.per_payment_minor,
            max_age_hours: e.max_age_hours,
            oldest_at: e.oldest_at,
            oldest_age_minutes: e.oldest_age_minutes,
            store_pending: e.store_pending,
            store_pending_minor: e.store_pending_minor,
        },
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// The bookings report as one table: a section column tells the kinds of rows apart.
fn bookings_table(r: &BookingsReportDto, w: Words) -> Table {
    let row = |section: &str, item: String, detail: String, figures: [Cell; 9]| {
        let mut v = vec![text(section), text(item), text(detail)];
        v.extend(figures);
        v
    };
    let e = || Cell::Empty;
    let mut rows = Vec::new();
    for s in &r.by_status {
        rows.push(row(
            "status",
            s.status.clone(),
            String::new(),
            [
                Cell::Count(s.bookings),
                Cell::Count(s.seats),
                e(),
                Cell::Money(s.value_minor),
                e(),
                e(),
                e(),
                e(),
                e(),
            ],
        ));
    }
    for t in &r.money.by_tender {
        rows.push(row(
            "tender",
            t.tender.clone(),
            String::new(),
            [
                e(),
                e(),
                e(),
                Cell::Money(t.net_minor),
                Cell::Money(t.taken_minor),
                Cell::Money(t.refunded_minor),
                e(),
                e(),
                e(),
            ],
        ));
    }
    for t in &r.trips {
        rows.push(row(
            "trip",
            t.name.clone(),
            format!("{}; {} {}", t.code, t.cancelled, w.t("cancelled")),
            [
                Cell::Count(t.bookings),
                Cell::Count(t.seats),
                e(),
                Cell::Money(t.value_minor),
                e(),
                e(),
                e(),
                e(),
                e(),
            ],
        ));
    }
    for a in &r.agents {
        rows.push(row(
            "person",
            a.name.clone(),
            format!("{} {}", a.cancelled, w.t("cancelled")),
            [
                Cell::Count(a.bookings),
                Cell::Count(a.seats),
                e(),
                Cell::Money(a.value_minor),
                Cell::Money(a.taken_minor),
                e(),
                e(),
                e(),
                e(),
            ],
        ));
    }
    for d in &r.departures {
        rows.push(row(
            "departure",
            d.trip_name.clone(),
            format!(
                "{} {}; {} {}; {} {} %",
                d.trip_code,
                w.date(&d.departs_at),
                w.t("capacity"),
                d.capacity,
                w.t("load"),
                w.money(d.load_bp, 2),
            ),
            [
                e(),
                Cell::Count(d.booked),
                Cell::Count(d.left),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
            ],
        ));
    }
    for c in &r.cancellations {
        rows.push(row(
            "cancellation",
            c.reference.clone(),
            format!(
                "{} {}; {} {}",
                w.date(&c.business_date),
                c.trip_name,
                w.t("by"),
                c.staff_name
            ),
            [
                e(),
                e(),
                e(),
                Cell::Money(c.total_minor),
                e(),
                Cell::Money(c.refund_minor),
                Cell::Money(c.fee_minor),
                Cell::Money(c.kept_minor),
                Cell::Money(c.owed_minor),
            ],
        ));
    }
    for b in &r.balances_due {
        rows.push(row(
            "due",
            b.reference.clone(),
            format!(
                "{} {}{}; {}; {}",
                w.t("due"),
                w.date(&b.due_on),
                if b.overdue {
                    format!(" {}", w.t("OVERDUE"))
                } else {
                    String::new()
                },
                b.trip_name,
                b.customer_name.as_deref().unwrap_or("")
            ),
            [
                e(),
                e(),
                e(),
                Cell::Money(b.balance_minor),
                e(),
                e(),
                e(),
                e(),
                e(),
            ],
        ));
    }
    Table {
        columns: vec![
            ("section", false),
            ("item", false),
            ("detail", false),
            ("bookings", true),
            ("seats", true),
            ("seats left", true),
            ("amount", true),
            ("taken", true),
            ("refunded", true),
            ("fee", true),
            ("kept", true),
            ("owed", true),
        ],
        rows,
    }
}

fn card_label(brand: &str, w: Words) -> String {
    if brand.is_empty() {
        w.t("(no brand)").into()
    } else {
        brand.to_string()
    }
}

/// The card payments report as one table: a section column tells the kinds of rows apart.
fn cards_table(r: &CardsReportDto, w: Words) -> Table {
    let e = || Cell::Empty;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for s in &r.by_status {
        rows.push(vec![
            text("status"),
            text(s.status.clone()),
            text(""),
            text(""),
            Cell::Count(s.payments),
            Cell::Money(s.amount_minor),
            e(),
            e(),
            e(),
            e(),
        ]);
    }
    for b in &r.by_brand {
        rows.push(vec![
            text("brand"),
            text(card_label(&b.brand, w)),
            text(""),
            text(""),
            Cell::Count(b.payments),
            Cell::Money(b.amount_minor),
            Cell::Money(b.captured_minor),
            Cell::Money(b.pending_minor),
            Cell::Money(b.declined_minor),
            e(),
        ]);
    }
    let payment = |section: &str, p: &CardPaymentRowDto| {
        let contact: Vec<&str> = [
            p.contact.as_deref(),
            p.customer_name.as_deref(),
            p.customer_email.as_deref(),
            p.customer_phone.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        vec![
            text(section),
            text(p.number.clone()),
            text(format!(
                "{} {}{}",
                w.date(&p.taken_at),
                card_label(p.brand.as_deref().unwrap_or(""), w),
                p.last4
                    .as_deref()
                    .map(|l| format!(" {} {l}", w.t("ending")))
                    .unwrap_or_default()
            )),
            text(contact.join("; ")),
            Cell::Count(1),
            Cell::Money(p.amount_minor),
            e(),
            e(),
            e(),
            Cell::Count(p.age_minutes / 60),
        ]
    };
    rows.extend(r.pending.iter().map(|p| payment("pending", p)));
    rows.extend(r.declined.iter().map(|p| payment("declined", p)));
    Table {
        columns: vec![
            ("section", false),
            ("item", false),
            ("detail", false),
            ("contact", false),
            ("payments", true),
            ("amount", true),
            ("captured", true),
            ("pending", true),
            ("declined", true),
            ("age hours", true),
        ],
        rows,
    }
}

impl Api {
    /// A period's bookings: made by status, money taken and refunded, cancellations, balances
    /// due, seats per departure, totals per trip and per person.
    pub fn report_bookings(&self, input: PeriodReportInput) -> ApiResult<BookingsReportDto> {
        self.require(Permission::ViewReports)?;
        let period = Period::parse(&input.from, &input.to)?;
        let (store_id, _, _) = self.report_store()?;
        let basis = self.basis()?;
        let store = self.store();
        let r = bookings::bookings(store.conn(), &store_id, period, store.clock().now())?;
        Ok(bookings_dto(r, basis))
    }

    /// A period's card payments by status and brand, the pending and declined ones, and this
    /// device's offline exposure against its limit.
    pub fn report_cards(&self, input: PeriodReportInput) -> ApiResult<CardsReportDto> {
        self.require(Permission::ViewReports)?;
        let period = Period::parse(&input.from, &input.to)?;
        let (store_id, _, _) = self.report_store()?;
        let basis = self.basis()?;
        let store = self.store();
        let r = cards::cards(store.conn(), &store_id, period, store.clock().now())?;
        Ok(cards_dto(r, basis))
    }

    /// The bookings report as an export.
    pub(super) fn bookings_export(
        &self,
        from: String,
        to: String,
        w: Words,
        money: &dyn Fn(i64) -> String,
        currency: &str,
    ) -> ApiResult<Export> {
        let r = self.report_bookings(PeriodReportInput { from, to })?;
        let m = &r.money;
        let c = &r.cancellation_totals;
        let mut totals = vec![
            (w.t("Bookings made").to_string(), r.bookings.to_string()),
            (w.t("Seats").into(), r.seats.to_string()),
            (w.t("Value booked").into(), money(r.value_minor)),
            (w.t("Deposits taken").into(), money(m.deposits_minor)),
            (w.t("Balances taken").into(), money(m.balances_minor)),
            (w.t("Money taken").into(), money(m.taken_minor)),
            (w.t("Refunded").into(), money(m.refunded_minor)),
            (w.t("Net").into(), money(m.net_minor)),
            (w.t("Cancellations").into(), c.count.to_string()),
            (w.t("Fees kept").into(), money(c.kept_minor)),
            (w.t("Fees owed").into(), money(c.owed_minor)),
            (w.t("Balances due").into(), money(r.due_minor)),
            (w.t("Overdue").into(), money(r.overdue_minor)),
        ];
        for t in &m.by_tender {
            totals.push((
                format!("{} {}", w.t("Net by"), w.t(&t.tender)),
                money(t.net_minor),
            ));
        }
        Ok(Export {
            name: format!("bookings-{}-{}", r.from, r.to),
            title: w.t("Bookings").into(),
            filters: vec![
                (w.t("Period").into(), w.period(&r.from, &r.to)),
                (w.t("Balances due as of").into(), w.date(&r.today)),
                (w.t("Currency").into(), currency.to_string()),
                (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
            ],
            totals,
            chart: Some(BarChart {
                title: format!("{} ({currency})", w.t("Value booked per trip")),
                bars: r
                    .trips
                    .iter()
                    .map(|t| (t.name.clone(), t.value_minor, money(t.value_minor)))
                    .collect(),
            }),
            table: bookings_table(&r, w),
        })
    }

    /// The card payments report as an export.
    pub(super) fn cards_export(
        &self,
        from: String,
        to: String,
        w: Words,
        money: &dyn Fn(i64) -> String,
        currency: &str,
    ) -> ApiResult<Export> {
        let r = self.report_cards(PeriodReportInput { from, to })?;
        let e = &r.exposure;
        let mut totals = vec![
            (w.t("Card payments").to_string(), r.payments.to_string()),
            (w.t("Amount").into(), money(r.amount_minor)),
        ];
        for s in &r.by_status {
            let label = match s.status.as_str() {
                "captured" => w.t("Captured"),
                "offline_pending" => w.t("Pending offline"),
                _ => w.t("Declined"),
            };
            totals.push((
                format!("{label} ({} {})", s.payments, w.t("payments")),
                money(s.amount_minor),
            ));
        }
        totals.extend([
            (w.t("Offline exposure").into(), money(e.pending_minor)),
            (w.t("Offline limit").into(), money(e.limit_minor)),
            (w.t("Offline left").into(), money(e.left_minor)),
            (
                w.t("Oldest pending").into(),
                e.oldest_at
                    .as_deref()
                    .map_or_else(|| w.t("none").to_string(), |t| w.date(t)),
            ),
        ]);
        Ok(Export {
            name: format!("cards-{}-{}", r.from, r.to),
            title: w.t("Card payments").into(),
            filters: vec![
                (w.t("Period").into(), w.period(&r.from, &r.to)),
                (w.t("Currency").into(), currency.to_string()),
                (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
            ],
            totals,
            chart: Some(BarChart {
                title: format!("{} ({currency})", w.t("Card payments by status")),
                bars: r
                    .by_status
                    .iter()
                    .map(|s| {
                        (
                            w.t(&s.status).to_string(),
                            s.amount_minor,
                            money(s.amount_minor),
                        )
                    })
                    .collect(),
            }),
            table: cards_table(&r, w),
        })
    }
}

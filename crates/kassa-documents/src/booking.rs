//! A booking confirmation: what the agent hands the customer (reference, itinerary,
//! travellers and their prices, payments, the balance and its due date, and the cancellation
//! policy in words), laid out in the receipt's 48 columns and rendered as PDF.

use crate::layout::{Align, COLUMNS, Row, Style, text, two_columns, wrap};
use kassa_domain::Result;

/// The facts of a confirmation, amounts already written in the store's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingConfirmation {
    pub store_name: String,
    pub reference: String,
    /// `held`, `confirmed`, `paid`...
    pub status: String,
    pub trip_name: String,
    pub departs: String,
    pub returns: Option<String>,
    pub meeting_point: Option<String>,
    pub customer: Option<String>,
    /// `(name, traveller type, price)`.
    pub travellers: Vec<(String, String, String)>,
    /// `(option, quantity, total)`.
    pub items: Vec<(String, i64, String)>,
    pub total: String,
    pub deposit: String,
    /// `(date, what, amount, receipt number)`.
    pub payments: Vec<(String, String, String, String)>,
    pub paid: String,
    pub balance: String,
    pub balance_due_on: String,
    pub hold_expires_at: Option<String>,
    /// The cancellation policy in words, one line per row.
    pub policy: Vec<String>,
}

/// The confirmation's rows, top to bottom.
pub fn layout(c: &BookingConfirmation) -> Vec<Row> {
    let w = COLUMNS;
    let mut rows = Vec::new();
    for line in wrap(&c.store_name, w / 2) {
        rows.push(text(line, Style::Big, Align::Center));
    }
    rows.push(text("Booking confirmation", Style::Bold, Align::Center));
    rows.push(text(c.reference.clone(), Style::Bold, Align::Center));
    rows.push(text(
        format!("Status: {}", c.status),
        Style::Normal,
        Align::Center,
    ));
    rows.push(Row::Rule);
    for line in wrap(&c.trip_name, w) {
        rows.push(text(line, Style::Bold, Align::Left));
    }
    rows.push(text(
        two_columns("Departs", &c.departs, w),
        Style::Normal,
        Align::Left,
    ));
    if let Some(r) = &c.returns {
        rows.push(text(
            two_columns("Returns", r, w),
            Style::Normal,
            Align::Left,
        ));
    }
    if let Some(m) = &c.meeting_point {
        for line in wrap(&format!("Meeting point: {m}"), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    if let Some(cu) = &c.customer {
        for line in wrap(&format!("Customer: {cu}"), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Rule);
    rows.push(text("Travellers", Style::Bold, Align::Left));
    for (name, kind, price) in &c.travellers {
        rows.push(text(
            two_columns(&format!("{name} ({kind})"), price, w),
            Style::Normal,
            Align::Left,
        ));
    }
    for (name, qty, total) in &c.items {
        rows.push(text(
            two_columns(&format!("{qty} x {name}"), total, w),
            Style::Normal,
            Align::Left,
        ));
    }
    rows.push(text(
        two_columns("Total", &c.total, w),
        Style::Bold,
        Align::Left,
    ));
    rows.push(text(
        two_columns("Deposit", &c.deposit, w),
        Style::Normal,
        Align::Left,
    ));
    rows.push(Row::Rule);
    for (date, what, amount, number) in &c.payments {
        rows.push(text(
            two_columns(&format!("{date} {what} {number}"), amount, w),
            Style::Normal,
            Align::Left,
        ));
    }
    rows.push(text(
        two_columns("Paid", &c.paid, w),
        Style::Normal,
        Align::Left,
    ));
    rows.push(text(
        two_columns(&format!("Balance due {}", c.balance_due_on), &c.balance, w),
        Style::Bold,
        Align::Left,
    ));
    if let Some(h) = &c.hold_expires_at {
        for line in wrap(&format!("Seats held until {h}"), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Rule);
    rows.push(text("Cancellation", Style::Bold, Align::Left));
    for p in &c.policy {
        for line in wrap(p, w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Blank);
    rows.push(Row::Barcode(c.reference.clone()));
    rows
}

/// The confirmation as PDF bytes.
pub fn pdf(c: &BookingConfirmation) -> Result<Vec<u8>> {
    crate::pdf::render_rows(&format!("Booking {}", c.reference), layout(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_shows_the_reference_travellers_balance_and_policy() {
        let c = BookingConfirmation {
            store_name: "Travel Desk".into(),
            reference: "TRVL-01-B000001".into(),
            status: "confirmed".into(),
            trip_name: "Lake Garda by coach".into(),
            departs: "2027-07-10 06:00 Europe/Berlin".into(),
            returns: None,
            meeting_point: Some("Central bus station".into()),
            customer: Some("Grace Hopper".into()),
            travellers: vec![("Grace Hopper".into(), "adult".into(), "1000.00".into())],
            items: vec![],
            total: "1000.00".into(),
            deposit: "300.00".into(),
            payments: vec![(
                "2027-01-02".into(),
                "payment cash".into(),
                "300.00".into(),
                "TRVL-01-P000001".into(),
            )],
            paid: "300.00".into(),
            balance: "700.00".into(),
            balance_due_on: "2027-06-10".into(),
            hold_expires_at: None,
            policy: vec!["30 days or more before departure: 25% of the price".into()],
        };
        let rows = layout(&c);
        let all: String = rows
            .iter()
            .filter_map(|r| match r {
                Row::Text { text, .. } => Some(text.clone() + "\n"),
                _ => None,
            })
            .collect();
        for want in [
            "TRVL-01-B000001",
            "Grace Hopper (adult)",
            "Balance due 2027-06-10",
            "25% of",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
        assert!(rows.iter().all(|r| match r {
            Row::Text { text, .. } => text.chars().count() <= COLUMNS,
            _ => true,
        }));
        let bytes = pdf(&c).unwrap();
        assert!(bytes.starts_with(b"%PDF"));
    }
}

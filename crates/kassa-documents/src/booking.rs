//! A booking confirmation: what the agent hands the customer (reference, itinerary,
//! travellers and their prices, payments, the balance and its due date, and the cancellation
//! policy in words), in the store's receipt language, laid out in the receipt's 48 columns and
//! rendered as PDF.

use crate::layout::{Align, COLUMNS, Row, Style, text, two_columns, wrap};
use crate::receipt::Language;
use kassa_domain::Result;
use kassa_domain::booking::{FeeTable, Share};
use serde::{Deserialize, Serialize};

/// The words of a confirmation in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingWords {
    pub title: &'static str,
    pub status: &'static str,
    pub departs: &'static str,
    pub returns: &'static str,
    pub meeting_point: &'static str,
    pub customer: &'static str,
    pub travellers: &'static str,
    pub total: &'static str,
    pub deposit: &'static str,
    pub paid: &'static str,
    pub balance_due: &'static str,
    pub held_until: &'static str,
    pub cancellation: &'static str,
    /// The PDF's title, before the reference.
    pub document: &'static str,
    /// A balance reminder's subject, before the reference.
    pub reminder: &'static str,
    /// A balance reminder's sentence: `{balance}`, `{reference}` and `{due}` filled in.
    pub reminder_text: &'static str,
    /// How a date and time are written (strftime).
    pub date_time_format: &'static str,
    /// How a date is written (strftime).
    pub date_format: &'static str,
}

impl BookingWords {
    pub const EN: BookingWords = BookingWords {
        title: "Booking confirmation",
        status: "Status",
        departs: "Departs",
        returns: "Returns",
        meeting_point: "Meeting point",
        customer: "Customer",
        travellers: "Travellers",
        total: "Total",
        deposit: "Deposit",
        paid: "Paid",
        balance_due: "Balance due",
        held_until: "Seats held until",
        cancellation: "Cancellation",
        document: "Booking",
        reminder: "Payment reminder",
        reminder_text: "The balance of {balance} for booking {reference} is due on {due}. Your booking confirmation is below.",
        date_time_format: "%Y-%m-%d %H:%M",
        date_format: "%Y-%m-%d",
    };

    pub const DE: BookingWords = BookingWords {
        title: "Buchungsbestätigung",
        status: "Status",
        departs: "Abfahrt",
        returns: "Rückkehr",
        meeting_point: "Treffpunkt",
        customer: "Kunde",
        travellers: "Reisende",
        total: "Gesamtpreis",
        deposit: "Anzahlung",
        paid: "Bezahlt",
        balance_due: "Restbetrag fällig am",
        held_until: "Plätze reserviert bis",
        cancellation: "Stornierung",
        document: "Buchung",
        reminder: "Zahlungserinnerung",
        reminder_text: "Der Restbetrag von {balance} für die Buchung {reference} ist am {due} fällig. Ihre Buchungsbestätigung finden Sie unten.",
        date_time_format: "%d.%m.%Y %H:%M",
        date_format: "%d.%m.%Y",
    };

    /// The words of `language`.
    pub fn of(language: Language) -> &'static BookingWords {
        match language {
            Language::En => &BookingWords::EN,
            Language::De => &BookingWords::DE,
        }
    }
}

/// A booking status (`quote`, `held`, ...) in `language`; an unknown one as it is.
pub fn status_word(language: Language, status: &str) -> String {
    let de = match status {
        "quote" => "Angebot",
        "held" => "reserviert",
        "confirmed" => "bestätigt",
        "paid" => "bezahlt",
        "completed" => "abgeschlossen",
        "cancelled" => "storniert",
        "expired" => "abgelaufen",
        other => other,
    };
    match language {
        Language::En => status.to_string(),
        Language::De => de.to_string(),
    }
}

/// A traveller type (`adult`, `child`, `senior`) in `language`.
pub fn traveller_word(language: Language, kind: &str) -> String {
    let de = match kind {
        "adult" => "Erwachsener",
        "child" => "Kind",
        "senior" => "Senior",
        other => other,
    };
    match language {
        Language::En => kind.to_string(),
        Language::De => de.to_string(),
    }
}

/// A booking payment (`payment` or `refund`, by tender kind) in `language`.
pub fn payment_word(language: Language, direction: &str, kind: &str) -> String {
    match language {
        Language::En => format!("{direction} {kind}"),
        Language::De => {
            let d = if direction == "refund" {
                "Erstattung"
            } else {
                "Zahlung"
            };
            let k = match kind {
                "cash" => "bar",
                "card" => "Karte",
                "voucher" => "Gutschein",
                other => other,
            };
            format!("{d} {k}")
        }
    }
}

/// A card's standing with the provider in words, in `language`, where it is not simply
/// captured: taken offline and waiting (`offline_pending`), `declined` (not paid), or a refund
/// onto a declined card (`not_charged`). `None` for any other standing.
pub fn card_standing_word(language: Language, standing: &str) -> Option<&'static str> {
    let de = language == Language::De;
    Some(match standing {
        "offline_pending" if de => "wartet auf den Kartenanbieter",
        "offline_pending" => "awaiting the card provider",
        "declined" if de => "abgelehnt: nicht bezahlt",
        "declined" => "declined: not paid",
        "not_charged" if de => "nicht belastet: nichts zu erstatten",
        "not_charged" => "not charged: nothing to pay back",
        _ => return None,
    })
}

/// The cancellation policy in words, one line per tier, earliest first, in `language`;
/// `money` writes a fixed fee.
pub fn policy_words(
    language: Language,
    policy: &FeeTable,
    money: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let de = language == Language::De;
    // The number of a percentage, with the language's decimal separator.
    let percent = |bp: u32| {
        let sep = if de { ',' } else { '.' };
        if bp.is_multiple_of(100) {
            format!("{}", bp / 100)
        } else {
            format!("{}{sep}{:02}", bp / 100, bp % 100)
        }
    };
    let fee = |s: &Share| match (*s, de) {
        (Share::Percent(0) | Share::Fixed(0), false) => "free".to_string(),
        (Share::Percent(0) | Share::Fixed(0), true) => "kostenlos".to_string(),
        (Share::Percent(bp), false) => format!("{}% of the price", percent(bp)),
        (Share::Percent(bp), true) => format!("{} % des Preises", percent(bp)),
        (Share::Fixed(m), false) => format!("{} (at most the price)", money(m)),
        (Share::Fixed(m), true) => format!("{} (höchstens der Preis)", money(m)),
    };
    policy
        .tiers()
        .iter()
        .rev()
        .map(|t| match (t.days_before, de) {
            (0, false) => format!("Later, up to the day of departure: {}", fee(&t.fee)),
            (0, true) => format!("Danach, bis zum Abreisetag: {}", fee(&t.fee)),
            (d, false) => format!("{d} days or more before departure: {}", fee(&t.fee)),
            (d, true) => format!("{d} Tage oder mehr vor Abreise: {}", fee(&t.fee)),
        })
        .collect()
}

/// The facts of a confirmation, amounts already written in the store's currency. An email
/// carries it as JSON, from which the server renders the same PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingConfirmation {
    /// The store's receipt language: the confirmation's words.
    pub language: Language,
    pub store_name: String,
    pub reference: String,
    /// The status in the confirmation's language (`status_word`).
    pub status: String,
    pub trip_name: String,
    pub departs: String,
    pub returns: Option<String>,
    pub meeting_point: Option<String>,
    pub customer: Option<String>,
    /// `(name, traveller type in the confirmation's language, price)`.
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
    let words = BookingWords::of(c.language);
    let mut rows = Vec::new();
    for line in wrap(&c.store_name, w / 2) {
        rows.push(text(line, Style::Big, Align::Center));
    }
    rows.push(text(words.title, Style::Bold, Align::Center));
    rows.push(text(c.reference.clone(), Style::Bold, Align::Center));
    rows.push(text(
        format!("{}: {}", words.status, c.status),
        Style::Normal,
        Align::Center,
    ));
    rows.push(Row::Rule);
    for line in wrap(&c.trip_name, w) {
        rows.push(text(line, Style::Bold, Align::Left));
    }
    rows.push(text(
        two_columns(words.departs, &c.departs, w),
        Style::Normal,
        Align::Left,
    ));
    if let Some(r) = &c.returns {
        rows.push(text(
            two_columns(words.returns, r, w),
            Style::Normal,
            Align::Left,
        ));
    }
    if let Some(m) = &c.meeting_point {
        for line in wrap(&format!("{}: {m}", words.meeting_point), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    if let Some(cu) = &c.customer {
        for line in wrap(&format!("{}: {cu}", words.customer), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Rule);
    rows.push(text(words.travellers, Style::Bold, Align::Left));
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
        two_columns(words.total, &c.total, w),
        Style::Bold,
        Align::Left,
    ));
    rows.push(text(
        two_columns(words.deposit, &c.deposit, w),
        Style::Normal,
        Align::Left,
    ));
    rows.push(Row::Rule);
    for (date, what, amount, number) in &c.payments {
        rows.push(text(
            two_columns(&format!("{date} {what}"), amount, w),
            Style::Normal,
            Align::Left,
        ));
        // The receipt's number on a line of its own: it never has to be cut short.
        rows.push(text(format!("  {number}"), Style::Normal, Align::Left));
    }
    rows.push(text(
        two_columns(words.paid, &c.paid, w),
        Style::Normal,
        Align::Left,
    ));
    rows.push(text(
        two_columns(
            &format!("{} {}", words.balance_due, c.balance_due_on),
            &c.balance,
            w,
        ),
        Style::Bold,
        Align::Left,
    ));
    if let Some(h) = &c.hold_expires_at {
        for line in wrap(&format!("{} {h}", words.held_until), w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Rule);
    rows.push(text(words.cancellation, Style::Bold, Align::Left));
    for p in &c.policy {
        for line in wrap(p, w) {
            rows.push(text(line, Style::Normal, Align::Left));
        }
    }
    rows.push(Row::Blank);
    rows.push(Row::Barcode(c.reference.clone()));
    rows
}

/// The confirmation's title: "Booking confirmation TRVL-01-B000001".
pub fn title(c: &BookingConfirmation) -> String {
    format!("{} {}", BookingWords::of(c.language).document, c.reference)
}

/// The confirmation as PDF bytes.
pub fn pdf(c: &BookingConfirmation) -> Result<Vec<u8>> {
    crate::pdf::render_rows(&title(c), layout(c))
}

/// The confirmation as a self-contained HTML page, drawn like the PDF: the preview, and the
/// body of its email.
pub fn html(c: &BookingConfirmation) -> Result<String> {
    crate::html::render_rows(&title(c), c.language, layout(c))
}

/// A balance reminder's subject and HTML body: the sentence saying what is due when, above
/// the confirmation itself.
pub fn reminder(c: &BookingConfirmation) -> Result<(String, String)> {
    let words = BookingWords::of(c.language);
    let subject = format!("{} {} — {}", words.reminder, c.reference, c.store_name);
    let sentence = words
        .reminder_text
        .replace("{balance}", &c.balance)
        .replace("{reference}", &c.reference)
        .replace("{due}", &c.balance_due_on);
    let page = html(c)?;
    let body = page.replacen(
        "<body>",
        &format!(
            "<body><p class=\"reminder\" style=\"white-space: normal; max-width: 60ch; font-family: sans-serif;\">{}</p>",
            html_escape::encode_text(&sentence)
        ),
        1,
    );
    Ok((subject, body))
}

/// A file name for the confirmation: `booking-` and its reference.
pub fn file_name(c: &BookingConfirmation) -> String {
    crate::plain_file_name(&format!("booking-{}.pdf", c.reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_shows_the_reference_travellers_balance_and_policy() {
        let c = BookingConfirmation {
            language: Language::En,
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

    #[test]
    fn a_german_confirmation_speaks_german_and_keeps_to_the_width() {
        let policy = FeeTable::parse("60:0,30:25%,10:50%,0:100%").unwrap();
        let money = |m: i64| format!("{},{:02} EUR", m / 100, m % 100);
        let c = BookingConfirmation {
            language: Language::De,
            store_name: "Reisebüro".into(),
            reference: "TRVL-01-B000001".into(),
            status: status_word(Language::De, "confirmed"),
            trip_name: "Gardasee mit dem Bus".into(),
            departs: "10.07.2027 06:00 Europe/Berlin".into(),
            returns: None,
            meeting_point: None,
            customer: None,
            travellers: vec![(
                "Grace Hopper".into(),
                traveller_word(Language::De, "child"),
                money(60_000),
            )],
            items: vec![],
            total: money(60_000),
            deposit: money(18_000),
            payments: vec![(
                "02.01.2027".into(),
                payment_word(Language::De, "payment", "cash"),
                money(18_000),
                "TRVL-01-P000001".into(),
            )],
            paid: money(18_000),
            balance: money(42_000),
            balance_due_on: "10.06.2027".into(),
            hold_expires_at: None,
            policy: policy_words(Language::De, &policy, &money),
        };
        let all: String = layout(&c)
            .iter()
            .filter_map(|r| match r {
                Row::Text { text, .. } => Some(text.clone() + "\n"),
                _ => None,
            })
            .collect();
        for want in [
            "Buchungsbestätigung",
            "Status: bestätigt",
            "Grace Hopper (Kind)",
            "Zahlung bar",
            "Restbetrag fällig am 10.06.2027",
            "60 Tage oder mehr vor Abreise: kostenlos",
            "30 Tage oder mehr vor Abreise: 25 % des Preises",
            "Danach, bis zum Abreisetag: 100 % des Preises",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
        for english in ["Booking", "Balance", "Travellers", "days", "price"] {
            assert!(!all.contains(english), "{english} in:\n{all}");
        }
        assert_eq!(
            policy_words(Language::En, &policy, &money)[1],
            "30 days or more before departure: 25% of the price"
        );
    }
}

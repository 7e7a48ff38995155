//! Bookings of trips: the booking lifecycle as an explicit state machine, prices per
//! traveller type, the deposit rule, the cancellation fee table, travellers' details and the
//! "N days before departure" count. Money is integer minor units; no IO, no clock: the caller
//! passes every moment and the departure's time zone.

use crate::error::{Error, ErrorCode, Result};
use crate::money::{MAX_AMOUNT_MINOR, check_amount};
use crate::pan::looks_like_pan;

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Priced for the customer; holds no seat.
    Quote,
    /// Seats held until the hold's expiry; nothing or less than the deposit paid.
    Held,
    /// The deposit is paid; the seats are the customer's.
    Confirmed,
    /// Paid in full.
    Paid,
    /// The trip took place.
    Completed,
    /// Cancelled (a fee by the policy, the rest refunded).
    Cancelled,
    /// A hold past its time: its seats went back.
    Expired,
}

impl BookingStatus {
    /// Every status.
    pub const ALL: [BookingStatus; 7] = [
        BookingStatus::Quote,
        BookingStatus::Held,
        BookingStatus::Confirmed,
        BookingStatus::Paid,
        BookingStatus::Completed,
        BookingStatus::Cancelled,
        BookingStatus::Expired,
    ];

    /// As stored and shown to scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Quote => "quote",
            BookingStatus::Held => "held",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Paid => "paid",
            BookingStatus::Completed => "completed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Expired => "expired",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Result<BookingStatus> {
        BookingStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("'{s}' is not a booking status")))
    }

    /// Whether a booking in this status counts against the departure's seats.
    pub fn holds_seats(self) -> bool {
        matches!(
            self,
            BookingStatus::Held
                | BookingStatus::Confirmed
                | BookingStatus::Paid
                | BookingStatus::Completed
        )
    }

    /// Whether money may still be taken for it.
    pub fn takes_payment(self) -> bool {
        matches!(self, BookingStatus::Held | BookingStatus::Confirmed)
    }
}

/// Something that happens to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingEvent {
    /// Seats held for a quote, until an expiry.
    Hold,
    /// The deposit was paid.
    Confirm,
    /// The balance was paid: nothing is owed.
    PayInFull,
    /// The trip took place.
    Complete,
    /// Cancelled by the customer or the agent.
    Cancel,
    /// The hold (or the quote) ran out.
    Expire,
    /// An amendment raised the total of a paid booking: a balance is owed again.
    Reopen,
}

impl BookingEvent {
    /// Every event.
    pub const ALL: [BookingEvent; 7] = [
        BookingEvent::Hold,
        BookingEvent::Confirm,
        BookingEvent::PayInFull,
        BookingEvent::Complete,
        BookingEvent::Cancel,
        BookingEvent::Expire,
        BookingEvent::Reopen,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingEvent::Hold => "hold",
            BookingEvent::Confirm => "confirm",
            BookingEvent::PayInFull => "pay_in_full",
            BookingEvent::Complete => "complete",
            BookingEvent::Cancel => "cancel",
            BookingEvent::Expire => "expire",
            BookingEvent::Reopen => "reopen",
        }
    }

    /// Parses a stored event.
    pub fn parse(s: &str) -> Result<BookingEvent> {
        BookingEvent::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("'{s}' is not a booking event")))
    }
}

/// The status after `event`, or `invalid_transition` when the state machine does not allow
/// it. Allowed: quote → held → confirmed → paid → completed; held → paid (paid in full at
/// once); paid → confirmed (an amendment raised the total); quote, held, confirmed and paid →
/// cancelled; quote and held → expired.
pub fn transition(from: BookingStatus, event: BookingEvent) -> Result<BookingStatus> {
    use BookingEvent as E;
    use BookingStatus as S;
    let to = match (from, event) {
        (S::Quote, E::Hold) => Some(S::Held),
        (S::Held, E::Confirm) => Some(S::Confirmed),
        (S::Held | S::Confirmed, E::PayInFull) => Some(S::Paid),
        (S::Paid, E::Complete) => Some(S::Completed),
        (S::Quote | S::Held | S::Confirmed | S::Paid, E::Cancel) => Some(S::Cancelled),
        (S::Quote | S::Held, E::Expire) => Some(S::Expired),
        (S::Paid, E::Reopen) => Some(S::Confirmed),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidTransition,
            format!(
                "a {} booking cannot {}",
                from.as_str(),
                event.as_str().replace('_', " ")
            ),
        )
    })
}

/// A traveller's type, which sets the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TravellerType {
    Adult,
    Child,
    Senior,
}

impl TravellerType {
    /// Every type.
    pub const ALL: [TravellerType; 3] = [
        TravellerType::Adult,
        TravellerType::Child,
        TravellerType::Senior,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TravellerType::Adult => "adult",
            TravellerType::Child => "child",
            TravellerType::Senior => "senior",
        }
    }

    /// Parses `adult`, `child` or `senior`.
    pub fn parse(s: &str) -> Result<TravellerType> {
        let t = s.trim().to_ascii_lowercase();
        TravellerType::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "'{s}' is not a traveller type (adult, child or senior)"
                ))
            })
    }
}

/// A trip's price per traveller type, in minor units; `None`: the trip does not take that
/// type (an adults-only tour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TravellerPrices {
    pub adult_minor: i64,
    pub child_minor: Option<i64>,
    pub senior_minor: Option<i64>,
}

impl TravellerPrices {
    /// Checks every price is an amount Kassa accepts.
    pub fn check(&self) -> Result<()> {
        check_amount("the adult price", self.adult_minor)?;
        if let Some(c) = self.child_minor {
            check_amount("the child price", c)?;
        }
        if let Some(s) = self.senior_minor {
            check_amount("the senior price", s)?;
        }
        Ok(())
    }

    /// The price of one traveller of type `t`.
    pub fn of(&self, t: TravellerType) -> Result<i64> {
        match t {
            TravellerType::Adult => Some(self.adult_minor),
            TravellerType::Child => self.child_minor,
            TravellerType::Senior => self.senior_minor,
        }
        .ok_or_else(|| {
            Error::invalid_input(format!("this trip takes no {} travellers", t.as_str()))
        })
    }
}

/// An option or add-on on a booking (single room, insurance): its unit price and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionLine {
    pub unit_minor: i64,
    pub qty: i64,
}

/// What a booking costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingPrice {
    /// The travellers' prices together.
    pub travellers_minor: i64,
    /// The options together.
    pub options_minor: i64,
    /// Everything.
    pub total_minor: i64,
}

/// Prices a booking: each traveller at the price of their type, each option at its unit
/// price times its quantity. At least one traveller; quantities from 1 to 1,000; the total
/// stays an amount Kassa accepts.
pub fn price(
    prices: &TravellerPrices,
    travellers: &[TravellerType],
    options: &[OptionLine],
) -> Result<BookingPrice> {
    prices.check()?;
    if travellers.is_empty() {
        return Err(Error::invalid_input(
            "a booking needs at least one traveller",
        ));
    }
    let too_large = || {
        Error::invalid_input(format!(
            "the booking's total is larger than Kassa accepts ({MAX_AMOUNT_MINOR} minor units)"
        ))
    };
    let mut travellers_minor: i64 = 0;
    for t in travellers {
        travellers_minor = travellers_minor
            .checked_add(prices.of(*t)?)
            .filter(|v| *v <= MAX_AMOUNT_MINOR)
            .ok_or_else(too_large)?;
    }
    let mut options_minor: i64 = 0;
    for o in options {
        check_amount("an option's price", o.unit_minor)?;
        if !(1..=1000).contains(&o.qty) {
            return Err(Error::invalid_input(
                "an option's quantity must be from 1 to 1000",
            ));
        }
        options_minor = o
            .unit_minor
            .checked_mul(o.qty)
            .and_then(|v| options_minor.checked_add(v))
            .filter(|v| *v <= MAX_AMOUNT_MINOR)
            .ok_or_else(too_large)?;
    }
    let total_minor = travellers_minor
        .checked_add(options_minor)
        .filter(|v| *v <= MAX_AMOUNT_MINOR)
        .ok_or_else(too_large)?;
    Ok(BookingPrice {
        travellers_minor,
        options_minor,
        total_minor,
    })
}

/// A share of an amount: a percentage in basis points (1 % = 100) or a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// Basis points of the total, 0 to 10,000; rounded half up to the minor unit.
    Percent(u32),
    /// A fixed amount in minor units.
    Fixed(i64),
}

impl Share {
    /// Checks the share: a percentage within 0–100 %, an amount Kassa accepts.
    pub fn check(&self, what: &str) -> Result<()> {
        match self {
            Share::Percent(bp) if *bp > 10_000 => Err(Error::invalid_input(format!(
                "{what} cannot be more than 100 % (10000 basis points)"
            ))),
            Share::Percent(_) => Ok(()),
            Share::Fixed(m) => check_amount(what, *m).map(|_| ()),
        }
    }

    /// This share of `total_minor` (0 ≤ total ≤ the largest amount), never more than the
    /// total.
    pub fn of(&self, total_minor: i64) -> i64 {
        let total = total_minor.clamp(0, MAX_AMOUNT_MINOR);
        match *self {
            Share::Percent(bp) => {
                let bp = i128::from(bp.min(10_000));
                let v = (i128::from(total) * bp + 5_000) / 10_000;
                i64::try_from(v).unwrap_or(total).min(total)
            }
            Share::Fixed(m) => m.clamp(0, total),
        }
    }

    /// As stored: `("percent", bp)` or `("fixed", minor)`.
    pub fn parts(&self) -> (&'static str, i64) {
        match *self {
            Share::Percent(bp) => ("percent", i64::from(bp)),
            Share::Fixed(m) => ("fixed", m),
        }
    }

    /// From its stored parts.
    pub fn from_parts(kind: &str, value: i64) -> Result<Share> {
        let s = match kind {
            "percent" => Share::Percent(u32::try_from(value).map_err(|_| {
                Error::invalid_input("a percentage must be from 0 to 10000 basis points")
            })?),
            "fixed" => Share::Fixed(value),
            _ => {
                return Err(Error::invalid_input(format!(
                    "'{kind}' is not a share (percent or fixed)"
                )));
            }
        };
        s.check("the share")?;
        Ok(s)
    }

    /// As [`Share::parse`] reads it: `30%`, `12.5%` or `5000`.
    pub fn to_text(&self) -> String {
        match *self {
            Share::Percent(bp) if bp % 100 == 0 => format!("{}%", bp / 100),
            Share::Percent(bp) if bp % 10 == 0 => format!("{}.{}%", bp / 100, (bp % 100) / 10),
            Share::Percent(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
            Share::Fixed(m) => m.to_string(),
        }
    }

    /// Parses `30%`, `12.5%` (to the basis point) or a fixed amount in minor units (`5000`).
    pub fn parse(text: &str) -> Result<Share> {
        let t = text.trim();
        let bad = || {
            Error::invalid_input(format!(
                "'{text}' is not a share: write a percentage such as 30% or an amount in minor units"
            ))
        };
        let s = if let Some(p) = t.strip_suffix('%') {
            let (whole, frac) = p.trim().split_once('.').unwrap_or((p.trim(), ""));
            if whole.is_empty()
                || !whole.bytes().all(|b| b.is_ascii_digit())
                || frac.len() > 2
                || !frac.bytes().all(|b| b.is_ascii_digit())
                || whole.len() > 3
            {
                return Err(bad());
            }
            let w: u32 = whole.parse().map_err(|_| bad())?;
            let f: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
            Share::Percent(w * 100 + f)
        } else {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 13 {
                return Err(bad());
            }
            Share::Fixed(t.parse().map_err(|_| bad())?)
        };
        s.check("the share")?;
        Ok(s)
    }
}

/// The deposit a booking asks for: the trip's rule applied to its total.
pub fn deposit(rule: Share, total_minor: i64) -> i64 {
    rule.of(total_minor)
}

/// One row of a cancellation policy: from `days_before` days before departure (and more,
/// up to the next row), the fee is `fee` of the booking's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeTier {
    pub days_before: u32,
    pub fee: Share,
}

/// A cancellation policy: fees by days before departure. It always covers day 0 (the day of
/// departure itself), so every cancellation has one fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeTable {
    tiers: Vec<FeeTier>,
}

impl FeeTable {
    /// A table from its rows, in any order. Refused: no row, two rows for one day count, a
    /// bad share, or no row for day 0.
    pub fn new(mut tiers: Vec<FeeTier>) -> Result<FeeTable> {
        if tiers.is_empty() {
            return Err(Error::invalid_input(
                "a cancellation policy needs at least one row",
            ));
        }
        tiers.sort_by_key(|t| t.days_before);
        for w in tiers.windows(2) {
            if w[0].days_before == w[1].days_before {
                return Err(Error::invalid_input(format!(
                    "the cancellation policy has two rows for {} days",
                    w[0].days_before
                )));
            }
        }
        for t in &tiers {
            t.fee.check("a cancellation fee")?;
        }
        if tiers[0].days_before != 0 {
            return Err(Error::invalid_input(
                "the cancellation policy must have a row for 0 days (the day of departure)",
            ));
        }
        Ok(FeeTable { tiers })
    }

    /// A policy that charges nothing.
    pub fn free() -> FeeTable {
        FeeTable {
            tiers: vec![FeeTier {
                days_before: 0,
                fee: Share::Fixed(0),
            }],
        }
    }

    /// Parses `60:0,30:25%,10:50%,0:100%` (days before departure : fee), rows in any order.
    pub fn parse(text: &str) -> Result<FeeTable> {
        let mut tiers = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, fee) = part.split_once(':').ok_or_else(|| {
                Error::invalid_input(format!(
                    "'{part}' is not a policy row: write DAYS:FEE, such as 30:25%"
                ))
            })?;
            let days: u32 = days
                .trim()
                .parse()
                .map_err(|_| Error::invalid_input(format!("'{days}' is not a number of days")))?;
            if days > 3660 {
                return Err(Error::invalid_input(
                    "a policy row counts at most 3660 days before departure",
                ));
            }
            tiers.push(FeeTier {
                days_before: days,
                fee: Share::parse(fee)?,
            });
        }
        FeeTable::new(tiers)
    }

    /// The rows, fewest days first.
    pub fn tiers(&self) -> &[FeeTier] {
        &self.tiers
    }

    /// As [`FeeTable::parse`] reads it.
    pub fn to_text(&self) -> String {
        self.tiers
            .iter()
            .map(|t| match t.fee {
                Share::Percent(bp) if bp % 100 == 0 => format!("{}:{}%", t.days_before, bp / 100),
                Share::Percent(bp) => format!("{}:{}.{:02}%", t.days_before, bp / 100, bp % 100),
                Share::Fixed(m) => format!("{}:{m}", t.days_before),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The fee for cancelling `days_before` days before departure (negative: after it
    /// left, charged as on the day), never more than the total.
    pub fn fee(&self, days_before: i64, total_minor: i64) -> i64 {
        let days = days_before.max(0);
        let tier = self
            .tiers
            .iter()
            .rev()
            .find(|t| i64::from(t.days_before) <= days)
            .unwrap_or(&self.tiers[0]);
        tier.fee.of(total_minor)
    }
}

/// What a cancellation settles: the fee is kept out of what was paid and the rest refunded; a
/// fee larger than what was paid leaves a balance owed, never a negative refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelSettlement {
    pub fee_minor: i64,
    pub refund_minor: i64,
    pub owed_minor: i64,
}

/// Settles a cancellation of a booking of `total_minor`, of which `paid_minor` was paid,
/// `days_before` days before departure.
pub fn settle_cancellation(
    policy: &FeeTable,
    days_before: i64,
    total_minor: i64,
    paid_minor: i64,
) -> CancelSettlement {
    let fee_minor = policy.fee(days_before, total_minor);
    let paid = paid_minor.max(0);
    CancelSettlement {
        fee_minor,
        refund_minor: (paid - fee_minor).max(0),
        owed_minor: (fee_minor - paid).max(0),
    }
}

/// What a payment does to a booking: the event it triggers, if any. Paying in full is
/// `PayInFull`; reaching the deposit on a held booking is `Confirm`; less than the deposit
/// leaves it held.
pub fn after_payment(
    status: BookingStatus,
    total_minor: i64,
    deposit_minor: i64,
    paid_minor: i64,
) -> Option<BookingEvent> {
    if !status.takes_payment() {
        return None;
    }
    if paid_minor >= total_minor {
        Some(BookingEvent::PayInFull)
    } else if status == BookingStatus::Held && paid_minor >= deposit_minor {
        Some(BookingEvent::Confirm)
    } else {
        None
    }
}

/// Calendar days from `at` to the departure, both taken as dates in the departure's time
/// zone: a departure at 06:00 tomorrow is 1 day away at 23:59 today, and 0 once it is today.
/// Negative after the departure date.
pub fn days_before_departure(
    departure: jiff::Timestamp,
    at: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> i64 {
    let dep = departure.to_zoned(zone.clone()).date();
    let now = at.to_zoned(zone.clone()).date();
    let span = now.until(dep).unwrap_or_default();
    i64::from(span.get_days())
}

/// When the seats a device holds of a departure and has not sold go back to the pool: the
/// start of the day `days` calendar days before the departure's date, in its time zone (a
/// day that starts in a clock change starts at its first real moment).
pub fn release_moment(
    departure: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
    days: u32,
) -> jiff::Timestamp {
    let dep = departure.to_zoned(zone.clone()).date();
    let day = dep
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .unwrap_or(dep);
    day.to_zoned(zone.clone())
        .map(|z| z.timestamp())
        .unwrap_or(departure)
        .min(departure)
}

/// The date the balance is due: `days` calendar days before the departure's date in its
/// time zone (the departure's date when the result would lie before `booked_on`, the date
/// booked, so a late booking is due at once).
pub fn balance_due_on(
    departure: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
    days: u32,
    booked_on: jiff::civil::Date,
) -> jiff::civil::Date {
    let dep = departure.to_zoned(zone.clone()).date();
    let due = dep
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .unwrap_or(dep);
    if due < booked_on { booked_on } else { due }
}

/// A traveller as typed by the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    pub traveller_type: TravellerType,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub document_number: Option<String>,
}

/// Checks a traveller: a name of 1–200 characters, a date of birth that is a real date not
/// after `today`, a document number of 5–20 letters and digits (required when
/// `documents_required`), and never a card number in any field.
pub fn check_traveller(
    t: &Traveller,
    documents_required: bool,
    today: jiff::civil::Date,
) -> Result<Traveller> {
    let name = t.full_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid_input(
            "a traveller's name must be 1 to 200 characters",
        ));
    }
    if looks_like_pan(name) {
        return Err(Error::invalid_input(
            "the traveller's name looks like a card number; card numbers are never stored",
        ));
    }
    let dob = match t.date_of_birth.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let date: jiff::civil::Date = d.parse().map_err(|_| {
                Error::invalid_input(format!("'{d}' is not a date of birth; write YYYY-MM-DD"))
            })?;
            if date > today {
                return Err(Error::invalid_input(format!(
                    "the date of birth {d} is in the future"
                )));
            }
            if date.year() < 1900 {
                return Err(Error::invalid_input(format!(
                    "the date of birth {d} is before 1900"
                )));
            }
            Some(date.to_string())
        }
    };
    let doc = match t.document_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            if looks_like_pan(d) {
                return Err(Error::invalid_input(
                    "the document number looks like a card number; card numbers are never stored",
                ));
            }
            if !(5..=20).contains(&d.len()) || !d.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Error::invalid_input(format!(
                    "'{d}' is not a document number: 5 to 20 letters and digits"
                )));
            }
            Some(d.to_ascii_uppercase())
        }
    };
    if documents_required && doc.is_none() {
        return Err(Error::invalid_input(format!(
            "this trip needs a passport or ID number for {name}"
        )));
    }
    Ok(Traveller {
        traveller_type: t.traveller_type,
        full_name: name.to_string(),
        date_of_birth: dob,
        document_number: doc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn zone(name: &str) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(name).expect("zone")
    }

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        use BookingEvent as E;
        use BookingStatus as S;
        let path = [
            (S::Quote, E::Hold, S::Held),
            (S::Held, E::Confirm, S::Confirmed),
            (S::Confirmed, E::PayInFull, S::Paid),
            (S::Paid, E::Complete, S::Completed),
        ];
        for (from, ev, to) in path {
            assert_eq!(transition(from, ev).unwrap(), to);
        }
        assert_eq!(transition(S::Held, E::Expire).unwrap(), S::Expired);
        assert_eq!(transition(S::Paid, E::Cancel).unwrap(), S::Cancelled);
        assert_eq!(transition(S::Paid, E::Reopen).unwrap(), S::Confirmed);
        for (from, ev) in [
            (S::Confirmed, E::Reopen),
            (S::Completed, E::Reopen),
            (S::Quote, E::Confirm),
            (S::Completed, E::Cancel),
            (S::Cancelled, E::Hold),
            (S::Expired, E::Confirm),
            (S::Confirmed, E::Expire),
            (S::Paid, E::Expire),
            (S::Cancelled, E::Cancel),
        ] {
            let e = transition(from, ev).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidTransition, "{from:?} {ev:?}");
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()).unwrap(), s);
        }
        assert!(S::Held.holds_seats() && !S::Quote.holds_seats() && !S::Expired.holds_seats());
    }

    #[test]
    fn prices_follow_the_traveller_types_and_options() {
        let p = TravellerPrices {
            adult_minor: 100_000,
            child_minor: Some(60_000),
            senior_minor: None,
        };
        let b = price(
            &p,
            &[
                TravellerType::Adult,
                TravellerType::Adult,
                TravellerType::Child,
            ],
            &[OptionLine {
                unit_minor: 2_500,
                qty: 3,
            }],
        )
        .unwrap();
        assert_eq!(b.travellers_minor, 260_000);
        assert_eq!(b.options_minor, 7_500);
        assert_eq!(b.total_minor, 267_500);
        assert!(price(&p, &[TravellerType::Senior], &[]).is_err());
        assert!(price(&p, &[], &[]).is_err());
    }

    #[test]
    fn deposits_and_fees_round_to_the_minor_unit() {
        assert_eq!(deposit(Share::Percent(3000), 267_500), 80_250);
        assert_eq!(deposit(Share::Percent(3333), 1_001), 334);
        assert_eq!(deposit(Share::Fixed(50_000), 20_000), 20_000);
        let t = FeeTable::parse("60:0, 30:25%, 10:50%, 0:100%").unwrap();
        assert_eq!(t.fee(90, 1000), 0);
        assert_eq!(t.fee(30, 1000), 250);
        assert_eq!(t.fee(29, 1000), 500);
        assert_eq!(t.fee(10, 1000), 500);
        assert_eq!(t.fee(9, 1000), 1000);
        assert_eq!(t.fee(-3, 1000), 1000);
        assert_eq!(FeeTable::parse(&t.to_text()).unwrap(), t);
        assert!(FeeTable::parse("30:10%").is_err(), "day 0 is required");
        assert!(FeeTable::parse("0:10%,0:20%").is_err());
        assert!(FeeTable::parse("0:101%").is_err());
        let s = settle_cancellation(&t, 10, 1000, 300);
        assert_eq!((s.fee_minor, s.refund_minor, s.owed_minor), (500, 0, 200));
        let s = settle_cancellation(&t, 40, 1000, 300);
        assert_eq!((s.fee_minor, s.refund_minor, s.owed_minor), (250, 50, 0));
    }

    #[test]
    fn seats_are_released_at_the_start_of_the_day_in_the_departures_zone() {
        let z = zone("Europe/Berlin");
        // Departs 2026-07-10 06:00 Berlin (04:00 UTC); 7 days before is 2026-07-03 00:00
        // Berlin, 2026-07-02 22:00 UTC.
        let dep: jiff::Timestamp = "2026-07-10T04:00:00Z".parse().unwrap();
        assert_eq!(
            release_moment(dep, &z, 7).to_string(),
            "2026-07-02T22:00:00Z"
        );
        // 0 days: the start of the departure's own day.
        assert_eq!(
            release_moment(dep, &z, 0).to_string(),
            "2026-07-09T22:00:00Z"
        );
        // A day that begins in a clock change (Havana skips 00:00-01:00 on 2026-03-08)
        // starts at its first real moment.
        let havana = zone("America/Havana");
        let dep: jiff::Timestamp = "2026-03-10T15:00:00Z".parse().unwrap();
        assert_eq!(
            release_moment(dep, &havana, 2).to_string(),
            "2026-03-08T05:00:00Z"
        );
    }

    #[test]
    fn days_before_departure_count_calendar_days_in_the_departures_zone() {
        let z = zone("Europe/Berlin");
        // Departs 2026-07-10 06:00 Berlin (04:00 UTC).
        let dep: jiff::Timestamp = "2026-07-10T04:00:00Z".parse().unwrap();
        // 2026-07-09 23:30 Berlin is 21:30 UTC: one calendar day before.
        let late: jiff::Timestamp = "2026-07-09T21:30:00Z".parse().unwrap();
        assert_eq!(days_before_departure(dep, late, &z), 1);
        // 22:30 UTC is already 00:30 on the 10th in Berlin: the day itself.
        let after_midnight: jiff::Timestamp = "2026-07-09T22:30:00Z".parse().unwrap();
        assert_eq!(days_before_departure(dep, after_midnight, &z), 0);
        // In UTC the same moment would still be the 9th.
        assert_eq!(
            days_before_departure(dep, after_midnight, &jiff::tz::TimeZone::UTC),
            1
        );
        let month: jiff::Timestamp = "2026-06-10T12:00:00Z".parse().unwrap();
        assert_eq!(days_before_departure(dep, month, &z), 30);
        let due = balance_due_on(dep, &z, 30, "2026-01-01".parse().unwrap());
        assert_eq!(due.to_string(), "2026-06-10");
        let late_booking = balance_due_on(dep, &z, 30, "2026-07-01".parse().unwrap());
        assert_eq!(late_booking.to_string(), "2026-07-01");
    }

    #[test]
    fn travellers_are_checked_and_never_hold_a_card_number() {
        let today: jiff::civil::Date = "2026-12-01".parse().unwrap();
        let ok = Traveller {
            traveller_type: TravellerType::Adult,
            full_name: "  Ada Lovelace ".into(),
            date_of_birth: Some("1985-03-04".into()),
            document_number: Some("c01x00t47".into()),
        };
        let t = check_traveller(&ok, true, today).unwrap();
        assert_eq!(t.full_name, "Ada Lovelace");
        assert_eq!(t.document_number.as_deref(), Some("C01X00T47"));
        let mut card = ok.clone();
        card.document_number = Some("4111111111111111".into());
        assert!(check_traveller(&card, false, today).is_err());
        let mut card_name = ok.clone();
        card_name.full_name = "4111 1111 1111 1111".into();
        assert!(check_traveller(&card_name, false, today).is_err());
        let mut future = ok.clone();
        future.date_of_birth = Some("2027-01-01".into());
        assert!(check_traveller(&future, false, today).is_err());
        let mut no_doc = ok;
        no_doc.document_number = None;
        assert!(check_traveller(&no_doc, true, today).is_err());
        assert!(check_traveller(&no_doc, false, today).is_ok());
    }

    #[test]
    fn shares_parse() {
        assert_eq!(Share::parse("30%").unwrap(), Share::Percent(3000));
        assert_eq!(Share::parse("12.5%").unwrap(), Share::Percent(1250));
        assert_eq!(Share::parse("5000").unwrap(), Share::Fixed(5000));
        for text in ["30%", "12.5%", "0.05%", "100%", "0%", "5000", "0"] {
            assert_eq!(Share::parse(text).unwrap().to_text(), text);
        }
        for bad in ["", "-5", "1.5", "abc%", "101%", "12.345%"] {
            assert!(Share::parse(bad).is_err(), "{bad}");
        }
    }

    fn share() -> impl Strategy<Value = Share> {
        prop_oneof![
            (0u32..=10_000).prop_map(Share::Percent),
            (0i64..=MAX_AMOUNT_MINOR).prop_map(Share::Fixed),
        ]
    }

    proptest! {
        #[test]
        fn a_share_is_never_negative_nor_above_the_total(s in share(), total in 0i64..=MAX_AMOUNT_MINOR) {
            let v = s.of(total);
            prop_assert!(v >= 0 && v <= total);
        }

        #[test]
        fn a_cancellation_keeps_the_fee_exactly(
            tiers in proptest::collection::vec((1u32..400, share()), 0..5),
            day0 in share(),
            days in -10i64..500,
            total in 0i64..=MAX_AMOUNT_MINOR,
            paid_frac in 0u32..=10_000,
        ) {
            let mut rows = vec![FeeTier { days_before: 0, fee: day0 }];
            for (d, f) in tiers {
                if rows.iter().all(|r| r.days_before != d) {
                    rows.push(FeeTier { days_before: d, fee: f });
                }
            }
            let table = FeeTable::new(rows).unwrap();
            let paid = Share::Percent(paid_frac).of(total);
            let s = settle_cancellation(&table, days, total, paid);
            prop_assert!(s.refund_minor >= 0 && s.owed_minor >= 0);
            prop_assert!(s.fee_minor <= total);
            // What the store keeps, less what is still owed, is the fee to the minor unit.
            prop_assert_eq!(paid - s.refund_minor + s.owed_minor, s.fee_minor);
            prop_assert!(s.refund_minor == 0 || s.owed_minor == 0);
            // More days before departure never cost more (fees only grow towards the day).
            let monotone = table.tiers().windows(2).all(|w| w[0].fee.of(total) >= w[1].fee.of(total));
            if monotone {
                prop_assert!(table.fee(days + 1, total) <= table.fee(days, total));
            }
        }

        #[test]
        fn a_price_is_the_sum_of_its_parts(
            adult in 0i64..1_000_000, child in 0i64..1_000_000, senior in 0i64..1_000_000,
            kinds in proptest::collection::vec(0usize..3, 1..20),
            opts in proptest::collection::vec((0i64..100_000, 1i64..10), 0..5),
            rule in share(),
        ) {
            let p = TravellerPrices { adult_minor: adult, child_minor: Some(child), senior_minor: Some(senior) };
            let types: Vec<TravellerType> = kinds.iter().map(|k| TravellerType::ALL[*k]).collect();
            let lines: Vec<OptionLine> = opts.iter().map(|(u, q)| OptionLine { unit_minor: *u, qty: *q }).collect();
            let b = price(&p, &types, &lines).unwrap();
            let expected: i64 = types.iter().map(|t| p.of(*t).unwrap()).sum::<i64>()
                + lines.iter().map(|l| l.unit_minor * l.qty).sum::<i64>();
            prop_assert_eq!(b.total_minor, expected);
            let d = deposit(rule, b.total_minor);
            prop_assert!(d >= 0 && d <= b.total_minor);
            // Paying the deposit confirms a held booking; paying the rest pays it in full.
            if d < b.total_minor {
                prop_assert_eq!(after_payment(BookingStatus::Held, b.total_minor, d, d), Some(BookingEvent::Confirm));
            }
            prop_assert_eq!(after_payment(BookingStatus::Confirmed, b.total_minor, d, b.total_minor), Some(BookingEvent::PayInFull));
        }
    }
}

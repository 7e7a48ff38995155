//! `kassa trip ...`, `kassa departure ...`, `kassa booking ...` and `kassa book`: trips with
//! departures and seats, and bookings through quote, hold, deposit, balance and cancellation.

use super::selling::pays_with_codes;
use super::{MoneyText, Outcome};
use clap::{Args, Subcommand};
use kassa_app::dto::*;
use kassa_app::{Api, ApiError};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "invalid_input".into(),
        message: message.into(),
        permission: None,
    }
}

/// A trip's terms; each left out is the store's booking policy for a new trip, and stays as
/// it was when a trip's terms change.
#[derive(Debug, Args)]
pub struct TermsArgs {
    /// `30%` or a fixed amount in minor units.
    #[arg(long)]
    deposit: Option<String>,
    /// The balance is due this many days before departure.
    #[arg(long, value_name = "DAYS")]
    balance_due_days: Option<u32>,
    /// Fees by days before departure, e.g. `60:0,30:25%,10:50%,0:100%`.
    #[arg(long, value_name = "DAYS:FEE,...")]
    cancellation: Option<String>,
    /// How long a hold keeps its seats.
    #[arg(long, value_name = "MINUTES")]
    hold_minutes: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum TripCommand {
    /// Add a trip: prices per traveller type, and its terms (a term left out is the store's
    /// booking policy, `kassa trip policy`).
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The adult price in minor units.
        #[arg(long, value_name = "MINOR")]
        adult: i64,
        /// The child price (none: no children).
        #[arg(long, value_name = "MINOR")]
        child: Option<i64>,
        /// The senior price (none: no seniors).
        #[arg(long, value_name = "MINOR")]
        senior: Option<i64>,
        #[command(flatten)]
        terms: TermsArgs,
        /// Travellers need a passport or ID number.
        #[arg(long)]
        documents_required: bool,
    },
    /// Change a trip's terms for bookings made from now on; bookings already made keep theirs.
    Terms {
        /// The trip's id or code.
        trip: String,
        #[command(flatten)]
        terms: TermsArgs,
        /// Start from the store's booking policy (the options above still override it).
        #[arg(long)]
        store_policy: bool,
    },
    /// The store's booking policy that new trips start from (change it with `kassa settings
    /// set bookings.policy.deposit 20%` and the other `bookings.policy.*` settings).
    Policy,
    /// Add an option or add-on to a trip (single room, insurance).
    Option {
        /// The trip's id or code.
        #[arg(long)]
        trip: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "MINOR")]
        price: i64,
        /// Units per departure (none: unlimited).
        #[arg(long)]
        capacity: Option<i64>,
    },
    /// List trips.
    List,
    /// Show a trip by id or code.
    Show { trip: String },
}

#[derive(Debug, Subcommand)]
pub enum AllotmentCommand {
    /// Ask the server for more seats of a departure for this device (online).
    Request {
        #[arg(long, value_name = "DEPARTURE_ID")]
        departure: String,
        #[arg(long)]
        seats: i64,
    },
    /// Give unsold seats of a departure back; this device stops selling them at once.
    Return {
        #[arg(long, value_name = "DEPARTURE_ID")]
        departure: String,
        #[arg(long)]
        seats: i64,
    },
    /// The departures whose seats this device holds.
    List,
}

#[derive(Debug, Subcommand)]
pub enum DepartureCommand {
    /// Add a departure of a trip, with its seats or sharing another departure's seats.
    Add {
        /// The trip's id or code.
        #[arg(long)]
        trip: String,
        /// RFC 3339, e.g. 2026-07-10T06:00:00+02:00.
        #[arg(long, value_name = "TIME")]
        departs: String,
        #[arg(long, value_name = "TIME")]
        returns: Option<String>,
        /// The zone its days are counted in.
        #[arg(long, value_name = "ZONE", default_value = "Europe/Berlin")]
        time_zone: String,
        #[arg(long)]
        meeting_point: Option<String>,
        #[arg(long)]
        seats: Option<i64>,
        /// Another departure whose seats this one shares.
        #[arg(long, value_name = "DEPARTURE_ID")]
        share_with: Option<String>,
    },
    /// Departures from now (or --from), with their seats left.
    List {
        #[arg(long)]
        trip: Option<String>,
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
    },
    /// One departure with its seats left.
    Show { departure: String },
    /// Set a departure's seats (never below what is booked).
    Capacity {
        departure: String,
        #[arg(long)]
        seats: i64,
    },
    /// A departure's waitlist.
    Waitlist { departure: String },
}

/// What `kassa book` and `kassa booking quote` take.
#[derive(Debug, Args)]
pub struct BookArgs {
    #[arg(long, value_name = "ID")]
    pub departure: String,
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// A traveller: `NAME[;TYPE[;YYYY-MM-DD[;DOCUMENT]]]`, TYPE adult (default), child or
    /// senior; repeat for each seat.
    #[arg(long = "traveller", value_name = "NAME;TYPE;BORN;DOC")]
    pub travellers: Vec<String>,
    /// The seats booked: must match the travellers given.
    #[arg(long)]
    pub seats: Option<usize>,
    /// An option: OPTION_ID=QTY; repeatable.
    #[arg(long = "option", value_name = "OPTION_ID=QTY")]
    pub options: Vec<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// A payment: cash=MINOR, voucher=MINOR or card=MINOR; repeatable. Paying holds the
    /// seats. A card is taken through the server's card provider once the booking is held.
    #[arg(long = "pay", value_name = "KIND=MINOR")]
    pub pays: Vec<String>,
    /// The card terminal's token for --pay card (the provider's PaymentMethod id, pm_...).
    /// Never a card number.
    #[arg(long, value_name = "PM_TOKEN")]
    pub card_token: Option<String>,
    /// For --pay card: the same key again is the same payment (a retry after a lost answer).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The waitlist entry this booking serves.
    #[arg(long, value_name = "ID")]
    pub waitlist: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BookingCommand {
    /// Price a booking for a customer without holding seats.
    Quote(BookArgs),
    /// Hold a quote's seats until its hold expires.
    Hold { booking: String },
    /// Take a deposit or balance payment: --pay cash=MINOR, --pay voucher=MINOR with the
    /// voucher's code in KASSA_VOUCHER_CODE, or --pay card=MINOR with --card-token (online:
    /// through the server's card provider).
    Pay {
        booking: String,
        #[arg(long = "pay", value_name = "KIND=MINOR")]
        pay: String,
        /// The card terminal's token for --pay card (pm_...). Never a card number.
        #[arg(long, value_name = "PM_TOKEN")]
        card_token: Option<String>,
        /// For --pay card: the same key again is the same payment.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// Cancel with the policy's fee (--preview shows the fee and refund only).
    Cancel {
        booking: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        preview: bool,
    },
    /// Amend a booking: add or take off travellers, set its options, or move it to another
    /// departure of its trip; priced again (what it kept keeps its price). --preview shows
    /// the difference only.
    Amend {
        booking: String,
        /// A traveller to add: `NAME[;TYPE[;YYYY-MM-DD[;DOCUMENT]]]`; repeatable.
        #[arg(long = "add-traveller", value_name = "NAME;TYPE;BORN;DOC")]
        add: Vec<String>,
        /// The id of a traveller to take off (`booking show` lists them); repeatable.
        #[arg(long = "remove-traveller", value_name = "TRAVELLER_ID")]
        remove: Vec<String>,
        /// The booking's options after the amendment: OPTION_ID=QTY; repeatable.
        #[arg(long = "option", value_name = "OPTION_ID=QTY")]
        options: Vec<String>,
        /// Take every option off.
        #[arg(long, conflicts_with = "options")]
        no_options: bool,
        /// Another departure of the same trip.
        #[arg(long, value_name = "DEPARTURE_ID")]
        departure: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        preview: bool,
    },
    /// Mark a paid booking completed.
    Complete { booking: String },
    /// Add a note.
    Note {
        booking: String,
        #[arg(long)]
        text: String,
    },
    /// Show a booking by id or reference, with its history and payments.
    Show { booking: String },
    /// The booking confirmation written to --out: as PDF, or as its HTML preview when the
    /// file's name ends in .html.
    Confirmation {
        booking: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Email the booking confirmation, its PDF attached, to --to or to the booking's
    /// customer; the server sends it once this device syncs.
    Email {
        booking: String,
        #[arg(long, value_name = "ADDRESS")]
        to: Option<String>,
    },
    /// The booking's emails and where each stands.
    Emails { booking: String },
    /// Queue a balance reminder (the confirmation attached) for each confirmed booking whose
    /// balance falls due within the store's bookings.reminder_days, once per booking.
    Remind,
    /// List bookings, newest first.
    List {
        #[arg(long)]
        departure: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// A reference, traveller name or customer id.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Money still owed on bookings, by due date.
    BalancesDue,
    /// Expire this device's holds past their time.
    Expire,
    /// Put a customer on a full departure's waitlist.
    Waitlist {
        #[arg(long)]
        departure: String,
        #[arg(long)]
        customer: String,
        #[arg(long)]
        seats: i64,
        #[arg(long)]
        note: Option<String>,
    },
}

fn trip_text(t: &TripDto, m: &MoneyText) -> String {
    let mut s = format!(
        "{}  {}  {}  adult {}{}{}  deposit {}  policy {}\n",
        t.id,
        t.code,
        t.name,
        m.show(t.adult_minor),
        t.child_minor
            .map(|c| format!(", child {}", m.show(c)))
            .unwrap_or_default(),
        t.senior_minor
            .map(|c| format!(", senior {}", m.show(c)))
            .unwrap_or_default(),
        if t.deposit_kind == "percent" {
            format!("{}.{:02}%", t.deposit_value / 100, t.deposit_value % 100)
        } else {
            m.show(t.deposit_value)
        },
        t.cancellation_policy
    );
    for o in &t.options {
        s.push_str(&format!(
            "    option {}  {}  {}{}\n",
            o.id,
            o.name,
            m.show(o.price_minor),
            o.capacity
                .map(|c| format!("  ({c} per departure)"))
                .unwrap_or_default()
        ));
    }
    s
}

fn departure_text(d: &DepartureDto) -> String {
    let mut s = format!(
        "{}  {}  {} ({})  {} of {} seats left\n",
        d.id, d.departs_at, d.trip_name, d.time_zone, d.seats_left, d.capacity
    );
    if let Some(a) = &d.allotment {
        s.push_str(&format!(
            "  this device holds {} ({} booked here, {} left to sell){}{}\n",
            a.held,
            a.used,
            a.usable,
            match (&a.release_at, a.released) {
                (Some(r), true) => format!("; unsold seats released at {r}"),
                (Some(r), false) => format!("; unsold seats go back at {r}"),
                (None, _) => String::new(),
            },
            if a.pending {
                "; the server hears at the next sync"
            } else {
                ""
            }
        ));
    }
    s
}

pub fn allotment(api: &Api, cmd: &AllotmentCommand) -> Result<Outcome, ApiError> {
    match cmd {
        AllotmentCommand::Request { departure, seats } => {
            let d = api.allotment_request(AllotmentChangeInput {
                departure_id: departure.clone(),
                seats: *seats,
            })?;
            let human = departure_text(&d);
            Ok(Outcome::new(&d, human))
        }
        AllotmentCommand::Return { departure, seats } => {
            let d = api.allotment_return(AllotmentChangeInput {
                departure_id: departure.clone(),
                seats: *seats,
            })?;
            let human = departure_text(&d);
            Ok(Outcome::new(&d, human))
        }
        AllotmentCommand::List => {
            let r = api.allotment_list(NoInput {})?;
            let human = if r.paired {
                r.items.iter().map(departure_text).collect::<String>()
            } else {
                "This device is not paired with a server: it holds every seat of its departures.\n"
                    .to_string()
            };
            Ok(Outcome::new(&r, human))
        }
    }
}

fn booking_text(b: &BookingDto, m: &MoneyText) -> String {
    let mut s = format!(
        "{} ({})  {}  {} seats  total {}  deposit {}  paid {}  balance {} due {}\n",
        b.reference,
        b.booking_id,
        b.status,
        b.seats,
        m.show(b.total_minor),
        m.show(b.deposit_minor),
        m.show(b.paid_minor),
        m.show(b.balance_minor),
        b.balance_due_on
    );
    if let Some(h) = &b.hold_expires_at {
        s.push_str(&format!("  held until {h}\n"));
    }
    for t in &b.travellers {
        s.push_str(&format!(
            "  {} ({}) {}  traveller {}\n",
            t.full_name,
            t.traveller_type,
            m.show(t.price_minor),
            t.id
        ));
    }
    for p in &b.payments {
        let card = [p.card_brand.as_deref(), p.card_last4.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        // A card's standing with the provider, where it is not simply captured.
        let standing = p
            .card_refund_status
            .as_deref()
            .or(p.card_status.as_deref().filter(|st| *st != "captured"))
            .map(|st| format!(" ({st})"))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {} {}{} {} {}{}\n",
            p.direction,
            p.kind,
            if card.is_empty() {
                String::new()
            } else {
                format!(" {card}")
            },
            m.show(p.amount_minor),
            p.receipt_number,
            standing
        ));
    }
    s
}

/// `NAME;TYPE;BORN;DOC` as a traveller.
fn traveller(text: &str) -> Result<TravellerInput, ApiError> {
    let mut parts = text.split(';').map(str::trim);
    let name = parts.next().unwrap_or("").to_string();
    if name.is_empty() {
        return Err(bad(format!("'{text}' names no traveller")));
    }
    let opt = |p: Option<&str>| p.filter(|s| !s.is_empty()).map(str::to_string);
    Ok(TravellerInput {
        full_name: name,
        traveller_type: opt(parts.next()),
        date_of_birth: opt(parts.next()),
        document_number: opt(parts.next()),
    })
}

fn pair(text: &str, what: &str) -> Result<(String, i64), ApiError> {
    let (name, n) = text
        .rsplit_once('=')
        .ok_or_else(|| bad(format!("'{text}' is not {what}")))?;
    let n: i64 = n
        .trim()
        .parse()
        .map_err(|_| bad(format!("'{text}': '{n}' is not a whole number")))?;
    if name.trim().is_empty() {
        return Err(bad(format!("'{text}' is not {what}")));
    }
    Ok((name.trim().to_string(), n))
}

/// How `--pay` is written.
const PAY_HINT: &str = "KIND=MINOR (cash=5000, voucher=5000, card=5000)";

fn create_input(a: &BookArgs, hold: bool) -> Result<BookingCreateInput, ApiError> {
    let travellers = a
        .travellers
        .iter()
        .map(|t| traveller(t))
        .collect::<Result<Vec<_>, _>>()?;
    if travellers.is_empty() {
        return Err(bad(
            "name every traveller with --traveller NAME (one per seat)",
        ));
    }
    if let Some(n) = a.seats
        && n != travellers.len()
    {
        return Err(bad(format!(
            "--seats {n} but {} travellers named; name one traveller per seat",
            travellers.len()
        )));
    }
    let options = a
        .options
        .iter()
        .map(|o| {
            pair(o, "OPTION_ID=QTY").map(|(option_id, qty)| BookingOptionInput { option_id, qty })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let payments = pays_with_codes(&a.pays, PAY_HINT)?
        .into_iter()
        .enumerate()
        .map(|(i, (kind, amount_minor, voucher_code))| {
            let card = kind == "card";
            BookingTenderInput {
                kind,
                amount_minor,
                voucher_code,
                card_token: a.card_token.clone().filter(|_| card),
                idempotency_key: a.key.as_ref().filter(|_| card).map(|k| {
                    if i == 0 {
                        k.clone()
                    } else {
                        format!("{k}-{i}")
                    }
                }),
            }
        })
        .collect();
    Ok(BookingCreateInput {
        departure_id: a.departure.clone(),
        customer_id: a.customer.clone(),
        travellers,
        options: Some(options),
        note: a.note.clone(),
        hold: Some(hold),
        waitlist_id: a.waitlist.clone(),
        payments: Some(payments),
    })
}

/// `kassa book`: a booking held (and paid with --pay) in one step.
pub fn book(api: &Api, a: &BookArgs) -> Result<Outcome, ApiError> {
    let m = MoneyText::of(api)?;
    let b = api.booking_create(create_input(a, true)?)?;
    let human = booking_text(&b, &m);
    Ok(Outcome::new(&b, human))
}

pub fn trip(api: &Api, cmd: &TripCommand) -> Result<Outcome, ApiError> {
    let m = MoneyText::of(api)?;
    match cmd {
        TripCommand::Add {
            code,
            name,
            adult,
            child,
            senior,
            terms,
            documents_required,
        } => {
            let t = api.trip_create(TripCreateInput {
                code: code.clone(),
                name: name.clone(),
                adult_minor: *adult,
                child_minor: *child,
                senior_minor: *senior,
                deposit: terms.deposit.clone(),
                balance_due_days: terms.balance_due_days,
                cancellation_policy: terms.cancellation.clone(),
                hold_minutes: terms.hold_minutes,
                documents_required: Some(*documents_required),
            })?;
            let human = format!("Added trip:\n{}", trip_text(&t, &m));
            Ok(Outcome::new(&t, human))
        }
        TripCommand::Terms {
            trip,
            terms,
            store_policy,
        } => {
            let t = api.trip_policy_set(TripPolicyInput {
                trip: trip.clone(),
                deposit: terms.deposit.clone(),
                balance_due_days: terms.balance_due_days,
                cancellation_policy: terms.cancellation.clone(),
                hold_minutes: terms.hold_minutes,
                store_policy: Some(*store_policy),
            })?;
            let human = format!(
                "New terms for bookings made from now on:\n{}",
                trip_text(&t, &m)
            );
            Ok(Outcome::new(&t, human))
        }
        TripCommand::Policy => {
            let p = api.booking_policy(NoInput {})?;
            let human = format!(
                "Deposit {}, balance due {} days before departure, holds last {} minutes\nCancellation fees (days before departure:fee): {}\n",
                p.deposit, p.balance_due_days, p.hold_minutes, p.cancellation_policy
            );
            Ok(Outcome::new(&p, human))
        }
        TripCommand::Option {
            trip,
            name,
            price,
            capacity,
        } => {
            let t = api.trip_option_add(TripOptionAddInput {
                trip: trip.clone(),
                name: name.clone(),
                price_minor: *price,
                capacity: *capacity,
            })?;
            let human = trip_text(&t, &m);
            Ok(Outcome::new(&t, human))
        }
        TripCommand::List => {
            let r = api.trip_list(NoInput {})?;
            let human = r.items.iter().map(|t| trip_text(t, &m)).collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        TripCommand::Show { trip } => {
            let t = api.trip_get(TripIdInput { trip: trip.clone() })?;
            let human = trip_text(&t, &m);
            Ok(Outcome::new(&t, human))
        }
    }
}

pub fn departure(api: &Api, cmd: &DepartureCommand) -> Result<Outcome, ApiError> {
    match cmd {
        DepartureCommand::Add {
            trip,
            departs,
            returns,
            time_zone,
            meeting_point,
            seats,
            share_with,
        } => {
            let d = api.departure_add(DepartureAddInput {
                trip: trip.clone(),
                departs_at: departs.clone(),
                returns_at: returns.clone(),
                time_zone: time_zone.clone(),
                meeting_point: meeting_point.clone(),
                seats: *seats,
                share_with: share_with.clone(),
            })?;
            let human = format!("Added departure:\n{}", departure_text(&d));
            Ok(Outcome::new(&d, human))
        }
        DepartureCommand::List { trip, from, to } => {
            let r = api.departure_list(DepartureListInput {
                trip: trip.clone(),
                from: from.clone(),
                to: to.clone(),
            })?;
            let human = r.items.iter().map(departure_text).collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        DepartureCommand::Show { departure } => {
            let d = api.departure_get(DepartureIdInput {
                departure_id: departure.clone(),
            })?;
            let human = departure_text(&d);
            Ok(Outcome::new(&d, human))
        }
        DepartureCommand::Capacity { departure, seats } => {
            let d = api.departure_set_capacity(DepartureCapacityInput {
                departure_id: departure.clone(),
                seats: *seats,
            })?;
            let human = departure_text(&d);
            Ok(Outcome::new(&d, human))
        }
        DepartureCommand::Waitlist { departure } => {
            let r = api.waitlist_list(DepartureIdInput {
                departure_id: departure.clone(),
            })?;
            let human = r
                .items
                .iter()
                .map(|e| {
                    format!(
                        "{}  {}  {} seats  {}\n",
                        e.id, e.customer_id, e.seats, e.status
                    )
                })
                .collect::<String>();
            Ok(Outcome::new(&r, human))
        }
    }
}

pub fn booking(api: &Api, cmd: &BookingCommand) -> Result<Outcome, ApiError> {
    let m = MoneyText::of(api)?;
    match cmd {
        BookingCommand::Quote(a) => {
            let hold = !a.pays.is_empty();
            let b = api.booking_create(create_input(a, hold)?)?;
            let human = booking_text(&b, &m);
            Ok(Outcome::new(&b, human))
        }
        BookingCommand::Hold { booking } => {
            let b = api.booking_hold(BookingIdInput {
                booking: booking.clone(),
            })?;
            let human = booking_text(&b, &m);
            Ok(Outcome::new(&b, human))
        }
        BookingCommand::Pay {
            booking,
            pay,
            card_token,
            key,
        } => {
            let (kind, amount_minor, voucher_code) =
                pays_with_codes(std::slice::from_ref(pay), PAY_HINT)?.remove(0);
            let r = api.booking_pay(BookingPayInput {
                booking: booking.clone(),
                kind,
                amount_minor,
                voucher_code,
                card_token: card_token.clone(),
                idempotency_key: key.clone(),
            })?;
            let human = format!(
                "Receipt {}\n{}",
                r.receipt_number,
                booking_text(&r.booking, &m)
            );
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::Cancel {
            booking,
            reason,
            preview,
        } => {
            let r = api.booking_cancel(BookingCancelInput {
                booking: booking.clone(),
                reason: reason.clone(),
                preview: Some(*preview),
            })?;
            let human = format!(
                "{}{} days before departure: fee {}, refund {}, owed {}\n{}",
                if r.preview { "Would cancel: " } else { "" },
                r.days_before,
                m.show(r.fee_minor),
                m.show(r.refund_minor),
                m.show(r.owed_minor),
                booking_text(&r.booking, &m)
            );
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::Amend {
            booking,
            add,
            remove,
            options,
            no_options,
            departure,
            note,
            preview,
        } => {
            let options = if *no_options {
                Some(Vec::new())
            } else if options.is_empty() {
                None
            } else {
                Some(
                    options
                        .iter()
                        .map(|o| {
                            pair(o, "OPTION_ID=QTY")
                                .map(|(option_id, qty)| BookingOptionInput { option_id, qty })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
            };
            let r = api.booking_amend(BookingAmendInput {
                booking: booking.clone(),
                add_travellers: Some(add.iter().map(|t| traveller(t)).collect::<Result<_, _>>()?),
                remove_travellers: Some(remove.clone()),
                options,
                departure_id: departure.clone(),
                note: note.clone(),
                preview: Some(*preview),
            })?;
            let human = format!(
                "{}{} seats → {}, total {} → {} ({}{}), refund {}, owed {}\n{}",
                if r.preview {
                    "Would amend: "
                } else {
                    "Amended: "
                },
                r.seats_before,
                r.seats_after,
                m.show(r.total_before),
                m.show(r.total_after),
                if r.difference_minor >= 0 { "+" } else { "-" },
                m.show(r.difference_minor.abs()),
                m.show(r.refund_minor),
                m.show(r.balance_after),
                booking_text(&r.booking, &m)
            );
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::Complete { booking } => {
            let b = api.booking_complete(BookingIdInput {
                booking: booking.clone(),
            })?;
            let human = booking_text(&b, &m);
            Ok(Outcome::new(&b, human))
        }
        BookingCommand::Note { booking, text } => {
            let b = api.booking_note(BookingNoteInput {
                booking: booking.clone(),
                note: text.clone(),
            })?;
            let human = booking_text(&b, &m);
            Ok(Outcome::new(&b, human))
        }
        BookingCommand::Show { booking } => {
            let b = api.booking_get(BookingIdInput {
                booking: booking.clone(),
            })?;
            let mut human = booking_text(&b, &m);
            for e in &b.events {
                human.push_str(&format!("  {} {} {}\n", e.at, e.event, e.detail));
            }
            Ok(Outcome::new(&b, human))
        }
        BookingCommand::Confirmation { booking, out } => {
            use base64::Engine;
            let doc = api.booking_confirmation(BookingIdInput {
                booking: booking.clone(),
            })?;
            let html = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html"));
            let bytes = if html {
                doc.html.into_bytes()
            } else {
                base64::engine::general_purpose::STANDARD
                    .decode(&doc.base64)
                    .map_err(|e| bad(format!("the confirmation is not base64: {e}")))?
            };
            std::fs::write(out, &bytes)
                .map_err(|e| bad(format!("cannot write {}: {e}", out.display())))?;
            let answer = serde_json::json!({
                "reference": doc.reference, "file": out.display().to_string(), "bytes": bytes.len(),
            });
            let human = format!(
                "Wrote the confirmation of {} to {}",
                doc.reference,
                out.display()
            );
            Ok(Outcome::from_json(answer, human))
        }
        BookingCommand::Email { booking, to } => {
            let out = api.booking_email(BookingEmailInput {
                booking: booking.clone(),
                to: to.clone(),
            })?;
            let human = format!(
                "The confirmation is queued for {}; the server sends it at the next sync",
                out.to
            );
            Ok(Outcome::new(&out, human))
        }
        BookingCommand::Remind => {
            let out = api.booking_remind(NoInput::default())?;
            let mut human = String::new();
            for r in &out.reminded {
                human.push_str(&format!(
                    "{}  due {}  {}  to {}\n",
                    r.reference,
                    r.due_on,
                    m.show(r.balance_minor),
                    r.to
                ));
            }
            if !out.without_email.is_empty() {
                human.push_str(&format!(
                    "No email address to remind: {}\n",
                    out.without_email.join(", ")
                ));
            }
            if out.reminded.is_empty() && out.without_email.is_empty() {
                human.push_str("No balance reminders due.");
            }
            Ok(Outcome::new(&out, human.trim_end().to_owned()))
        }
        BookingCommand::Emails { booking } => {
            let out = api.booking_emails(BookingIdInput {
                booking: booking.clone(),
            })?;
            let mut human = String::new();
            for e in &out.emails {
                human.push_str(&format!("{}  {}  {}", e.queued_at, e.to, e.status));
                if let Some(reason) = e.last_error.as_deref().filter(|_| e.status == "failed") {
                    human.push_str(&format!(": {reason}"));
                }
                human.push('\n');
            }
            if out.emails.is_empty() {
                human.push_str("No emails for this booking.");
            }
            Ok(Outcome::new(&out, human.trim_end().to_owned()))
        }
        BookingCommand::List {
            departure,
            status,
            search,
            limit,
        } => {
            let r = api.booking_list(BookingListInput {
                departure_id: departure.clone(),
                status: status.clone(),
                search: search.clone(),
                limit: Some(*limit),
            })?;
            let human = r
                .items
                .iter()
                .map(|b| {
                    format!(
                        "{}  {}  {}  {}  {} seats  total {}  paid {}\n",
                        b.reference,
                        b.status,
                        b.departs_at,
                        b.trip_name,
                        b.seats,
                        m.show(b.total_minor),
                        m.show(b.paid_minor)
                    )
                })
                .collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::BalancesDue => {
            let r = api.booking_balances_due(NoInput {})?;
            let human = r
                .items
                .iter()
                .map(|b| {
                    format!(
                        "{}  {}  due {}{}  {}\n",
                        b.reference,
                        b.status,
                        b.due_on,
                        if b.overdue { " (overdue)" } else { "" },
                        m.show(b.balance_minor)
                    )
                })
                .collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::Expire => {
            let r = api.booking_expire(NoInput {})?;
            let human = format!("{} holds expired", r.expired.len());
            Ok(Outcome::new(&r, human))
        }
        BookingCommand::Waitlist {
            departure,
            customer,
            seats,
            note,
        } => {
            let e = api.waitlist_add(WaitlistAddInput {
                departure_id: departure.clone(),
                customer_id: customer.clone(),
                seats: *seats,
                note: note.clone(),
            })?;
            let human = format!("On the waitlist: {} ({} seats)", e.id, e.seats);
            Ok(Outcome::new(&e, human))
        }
    }
}

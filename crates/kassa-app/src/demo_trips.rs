//! The demo store's trips: two coach trips with departures in the coming months (and one
//! Lake Constance trip that took place about three weeks ago), so the Bookings screen has something
//! to book from the start; and bookings in every state, made by the demo's agent through the
//! real booking calls on the history's clock, their cash on the history's shifts.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_domain::{Error, ErrorCode, Result};
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{self, BookingRequest, BookingTender};
use kassa_store::commissions::rates::{self, RateKind};
use kassa_store::{FixedClock, Store};
use std::collections::BTreeMap;

struct DemoTrip {
    code: &'static str,
    name: &'static str,
    adult: i64,
    child: Option<i64>,
    senior: Option<i64>,
    deposit: &'static str,
    documents: bool,
    /// Days of the trip (the return is this many days after the departure).
    days: i64,
    seats: i64,
    meeting_point: &'static str,
    options: &'static [(&'static str, i64, Option<i64>)],
}

const TRIPS: &[DemoTrip] = &[
    DemoTrip {
        code: "LAKE-3",
        name: "Lake Constance, 3 days",
        adult: 34_900,
        child: Some(19_900),
        senior: Some(31_900),
        deposit: "20%",
        documents: false,
        days: 2,
        seats: 40,
        meeting_point: "Coach stop, Market Square",
        options: &[
            ("Single room", 6_000, Some(8)),
            ("Travel insurance", 2_900, None),
        ],
    },
    DemoTrip {
        code: "ROME-7",
        name: "Rome by coach, 7 days",
        adult: 89_000,
        child: Some(59_000),
        senior: None,
        deposit: "15000",
        documents: true,
        days: 6,
        seats: 48,
        meeting_point: "Central Station, bus bay 4",
        options: &[("Single room", 21_000, Some(6))],
    },
];

/// The demo's departures, by trip (in [`TRIPS`]' order), each trip's soonest first.
pub(crate) struct Departures {
    coming: Vec<Vec<String>>,
    /// The Lake Constance trip that has already taken place.
    past: String,
}

/// The Saturday on or after `day`, 05:00 UTC (06:00 in Berlin in winter, 07:00 in summer).
fn saturday_from(day: NaiveDate) -> DateTime<Utc> {
    let mut day = day;
    while day.weekday() != chrono::Weekday::Sat {
        day += Duration::days(1);
    }
    let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&day.and_time(six)) - Duration::hours(1)
}

/// Adds the demo trips, each with a departure on a Saturday in each of the next three
/// months (from about three weeks ahead), and the first trip's departure of about three
/// weeks ago, all in one transaction. Run on the history's clock, before the past departure.
pub(crate) fn seed(
    store: &mut Store,
    now: DateTime<Utc>,
    store_id: &str,
    admin_id: &str,
) -> Result<Departures> {
    let policy = FeeTable::parse("60:0,30:25%,10:50%,0:100%")?;
    store.write(|tx| {
        let mut coming = Vec::new();
        let mut past = None;
        for (n, t) in TRIPS.iter().enumerate() {
            let trip = trips::create_trip(
                tx,
                store_id,
                admin_id,
                &TripData {
                    code: t.code.into(),
                    name: t.name.into(),
                    prices: TravellerPrices {
                        adult_minor: t.adult,
                        child_minor: t.child,
                        senior_minor: t.senior,
                    },
                    deposit: Share::parse(t.deposit)?,
                    balance_due_days: 30,
                    cancellation_policy: policy.clone(),
                    hold_minutes: 1440,
                    documents_required: t.documents,
                },
            )?;
            for (name, price, capacity) in t.options {
                trips::add_option(tx, admin_id, &trip.id, name, *price, *capacity)?;
            }
            let ahead = (0..3i64).map(|month| 21 + 30 * month + 7 * n as i64);
            // The first trip also left on the Saturday three weeks ago.
            let before = (n == 0).then_some(-23);
            let mut ids = Vec::new();
            for days in before.into_iter().chain(ahead) {
                let departs = saturday_from((now + Duration::days(days)).date_naive());
                let dep = trips::add_departure(
                    tx,
                    store_id,
                    admin_id,
                    &DepartureData {
                        trip_id: trip.id.clone(),
                        departs_at: departs,
                        returns_at: Some(departs + Duration::days(t.days) + Duration::hours(13)),
                        time_zone: "Europe/Berlin".into(),
                        meeting_point: Some(t.meeting_point.into()),
                        seats: Some(t.seats),
                        share_with: None,
                    },
                )?;
                if days < 0 {
                    past = Some(dep.id);
                } else {
                    ids.push(dep.id);
                }
            }
            coming.push(ids);
        }
        let past = past.ok_or_else(|| Error::new(ErrorCode::Internal, "no past demo departure"))?;
        Ok(Departures { coming, past })
    })
}

/// Which departure a demo booking is on.
#[derive(Clone, Copy)]
enum On {
    /// The Lake Constance trip that has taken place.
    Past,
    /// Trip (in [`TRIPS`]' order) and which of its coming departures, soonest first.
    Coming(usize, usize),
}

/// How much of a demo booking is paid when it is made, in cash.
#[derive(Clone, Copy)]
enum Pay {
    Nothing,
    Deposit,
    Full,
}

/// A demo booking: by the demo's agent, for a customer of the demo catalog.
struct Booking {
    key: &'static str,
    on: On,
    customer: &'static str,
    /// Name, type, date of birth, document number.
    travellers: &'static [(
        &'static str,
        TravellerType,
        Option<&'static str>,
        Option<&'static str>,
    )],
    /// Option name and quantity.
    options: &'static [(&'static str, i64)],
    hold: bool,
    pay: Pay,
}

/// One thing the agent does.
enum Step {
    Book(Booking),
    /// The rest of the total, in cash.
    PayRest(&'static str),
    Complete(&'static str),
    Cancel(&'static str, &'static str),
    /// Holds past their time lapse and give their seats back.
    ExpireHolds,
}

use TravellerType::{Adult, Child, Senior};

/// The bookings of the history, by day (days before today). Together with [`NOW`] they leave
/// one booking in each state: completed, paid, confirmed, cancelled (with the policy's fee
/// kept and the rest refunded in cash), expired, held and quoted.
const HISTORY: &[(i64, Step)] = &[
    (
        -50,
        Step::Book(Booking {
            key: "schmidt",
            on: On::Past,
            customer: "Anna Schmidt",
            travellers: &[
                ("Anna Schmidt", Adult, Some("1984-06-12"), None),
                ("Paul Schmidt", Adult, Some("1982-01-30"), None),
            ],
            options: &[("Travel insurance", 2)],
            hold: true,
            pay: Pay::Deposit,
        }),
    ),
    (-40, Step::PayRest("schmidt")),
    (
        -26,
        Step::Book(Booking {
            key: "garcia",
            on: On::Coming(0, 1),
            customer: "Tomás García",
            travellers: &[
                ("Tomás García", Adult, Some("1979-09-03"), None),
                ("Lucía García", Child, Some("2017-05-14"), None),
            ],
            options: &[],
            hold: true,
            pay: Pay::Full,
        }),
    ),
    (
        -20,
        Step::Book(Booking {
            key: "weber",
            on: On::Coming(1, 0),
            customer: "Lena Weber",
            travellers: &[
                ("Lena Weber", Adult, Some("1990-11-21"), Some("C01X00T47")),
                ("Jonas Weber", Adult, Some("1988-02-08"), Some("C02X11R58")),
            ],
            options: &[("Single room", 1)],
            hold: true,
            pay: Pay::Deposit,
        }),
    ),
    (-12, Step::Complete("schmidt")),
    (
        -9,
        Step::Book(Booking {
            key: "mueller",
            on: On::Coming(0, 0),
            customer: "Jörg Müller",
            travellers: &[("Jörg Müller", Adult, None, None)],
            options: &[],
            hold: true,
            pay: Pay::Nothing,
        }),
    ),
    (-7, Step::ExpireHolds),
    (
        -3,
        Step::Book(Booking {
            key: "sonnenschein",
            on: On::Coming(0, 0),
            customer: "Café Sonnenschein GmbH",
            travellers: &[
                ("Mara Becker", Adult, None, None),
                ("Jan Vogel", Adult, None, None),
                ("Ida Klein", Adult, None, None),
            ],
            options: &[("Single room", 1)],
            hold: true,
            pay: Pay::Deposit,
        }),
    ),
    // The Webers pay the rest in cash the day the Garcías cancel, so the drawer can pay the
    // Garcías back.
    (-1, Step::PayRest("weber")),
    (-1, Step::Cancel("garcia", "Family plans changed")),
];

/// The bookings made today: one held for a day, one quoted.
const NOW: &[Booking] = &[
    Booking {
        key: "held",
        on: On::Coming(1, 1),
        customer: "Anna Schmidt",
        travellers: &[
            ("Anna Schmidt", Adult, Some("1984-06-12"), Some("L01X00T47")),
            ("Paul Schmidt", Adult, Some("1982-01-30"), Some("L02X11R58")),
        ],
        options: &[],
        hold: true,
        pay: Pay::Nothing,
    },
    Booking {
        key: "quote",
        on: On::Coming(0, 2),
        customer: "Jörg Müller",
        travellers: &[
            ("Jörg Müller", Adult, None, None),
            ("Erika Müller", Senior, Some("1951-03-02"), None),
        ],
        options: &[("Travel insurance", 2)],
        hold: false,
        pay: Pay::Nothing,
    },
];

/// The demo's agent making the demo's bookings, step by step on the history's days.
pub(crate) struct Agent {
    store_id: String,
    agent_id: String,
    departures: Departures,
    today: NaiveDate,
    done: usize,
    made: BTreeMap<&'static str, String>,
}

fn internal(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("the demo bookings: {what}"))
}

impl Agent {
    pub(crate) fn new(
        store_id: &str,
        agent_id: &str,
        departures: Departures,
        now: DateTime<Utc>,
    ) -> Agent {
        Agent {
            store_id: store_id.into(),
            agent_id: agent_id.into(),
            departures,
            today: now.date_naive(),
            done: 0,
            made: BTreeMap::new(),
        }
    }

    /// Does the history's steps due by the day of `last` (the day's last sale, with the
    /// day's shift still open), a few minutes after it.
    pub(crate) fn history_day(
        &mut self,
        store: &mut Store,
        clock: &FixedClock,
        last: DateTime<Utc>,
    ) -> Result<()> {
        let day = (last.date_naive() - self.today).num_days();
        let mut at = last;
        while let Some((when, step)) = HISTORY.get(self.done) {
            if *when > day {
                break;
            }
            at += Duration::minutes(3);
            clock.set(at);
            self.step(store, step)?;
            self.done += 1;
        }
        Ok(())
    }

    /// Sets the agent's commission rate, before the first booking.
    pub(crate) fn earns(&self, store: &mut Store, admin_id: &str, rate_bp: u32) -> Result<()> {
        store.write(|tx| {
            rates::set_rate(
                tx,
                &self.store_id,
                admin_id,
                RateKind::Agent,
                &self.agent_id,
                Some(rate_bp),
            )
            .map(|_| ())
        })
    }

    /// Makes today's bookings, on the store's own clock.
    pub(crate) fn today(&mut self, store: &mut Store) -> Result<()> {
        if self.done != HISTORY.len() {
            return Err(internal("the history's bookings were not all made"));
        }
        for b in NOW {
            self.book(store, b)?;
        }
        Ok(())
    }

    fn made(&self, key: &str) -> Result<String> {
        self.made
            .get(key)
            .cloned()
            .ok_or_else(|| internal(format!("no booking '{key}' yet")))
    }

    fn step(&mut self, store: &mut Store, step: &Step) -> Result<()> {
        let (store_id, agent) = (self.store_id.clone(), self.agent_id.clone());
        match step {
            Step::Book(b) => self.book(store, b),
            Step::PayRest(key) => {
                let id = self.made(key)?;
                store.write(|tx| {
                    let b = bookings::get(tx, &id)?;
                    if b.balance_minor > 0 {
                        bookings::pay(
                            tx,
                            &store_id,
                            &agent,
                            &id,
                            BookingTender::Cash,
                            b.balance_minor,
                        )?;
                    }
                    Ok(())
                })
            }
            Step::Complete(key) => {
                let id = self.made(key)?;
                store.write(|tx| bookings::complete(tx, &agent, &id).map(|_| ()))
            }
            Step::Cancel(key, reason) => {
                let id = self.made(key)?;
                store.write(|tx| {
                    bookings::cancel(tx, &store_id, &agent, &id, Some(reason)).map(|_| ())
                })
            }
            Step::ExpireHolds => store.write(|tx| bookings::expire_due(tx, &agent).map(|_| ())),
        }
    }

    fn book(&mut self, store: &mut Store, b: &Booking) -> Result<()> {
        let departure_id = match b.on {
            On::Past => self.departures.past.clone(),
            On::Coming(trip, n) => self
                .departures
                .coming
                .get(trip)
                .and_then(|d| d.get(n))
                .cloned()
                .ok_or_else(|| internal("no such departure"))?,
        };
        let customer_id: String = store
            .conn()
            .query_row(
                "SELECT id FROM customers WHERE store_id = ?1 AND name = ?2 AND merged_into IS NULL ORDER BY created_at LIMIT 1",
                [self.store_id.as_str(), b.customer],
                |r| r.get(0),
            )
            .map_err(internal)?;
        let (store_id, agent) = (self.store_id.clone(), self.agent_id.clone());
        let id = store.write(|tx| {
            let dep = trips::departure(tx, &departure_id)?;
            let trip_options = trips::trip(tx, &dep.trip_id)?.options;
            let options = b
                .options
                .iter()
                .map(|(name, qty)| {
                    trip_options
                        .iter()
                        .find(|o| o.name == *name)
                        .map(|o| (o.id.clone(), *qty))
                        .ok_or_else(|| internal(format!("no option '{name}'")))
                })
                .collect::<Result<Vec<_>>>()?;
            let made = bookings::create(
                tx,
                &store_id,
                &BookingRequest {
                    departure_id: departure_id.clone(),
                    customer_id: Some(customer_id.clone()),
                    travellers: b
                        .travellers
                        .iter()
                        .map(|(name, kind, born, document)| Traveller {
                            traveller_type: *kind,
                            full_name: (*name).into(),
                            date_of_birth: born.map(Into::into),
                            document_number: document.map(Into::into),
                        })
                        .collect(),
                    options,
                    note: None,
                    staff_id: agent.clone(),
                    hold: b.hold,
                    waitlist_id: None,
                },
            )?;
            let amount = match b.pay {
                Pay::Nothing => 0,
                Pay::Deposit => made.deposit_minor,
                Pay::Full => made.total_minor,
            };
            if amount > 0 {
                bookings::pay(tx, &store_id, &agent, &made.id, BookingTender::Cash, amount)?;
            }
            Ok(made.id)
        })?;
        self.made.insert(b.key, id);
        Ok(())
    }
}

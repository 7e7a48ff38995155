//! Trips, departures, bookings and the waitlist through the API. Trips and departures need
//! `edit_catalog`; booking, paying and the waitlist `book`; cancelling `cancel_booking`.

use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, Utc};
use kassa_documents::booking::{
    card_standing_word, payment_word, policy_words, status_word, traveller_word,
};
use kassa_domain::ErrorCode;
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_domain::role::Permission;
use kassa_store::bookings::trips::{self, Departure, DepartureData, Trip, TripData, TripPolicy};
use kassa_store::bookings::{self, Booking, BookingRequest, BookingTender, Cancellation, waitlist};
use kassa_store::bookings::{allotments, amend};
use kassa_store::selling::{email, voucher};
use kassa_store::{AuditInput, Connection, ts};
use kassa_sync_client::blocking;

fn time(what: &str, text: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{what} '{text}' is not a time: write RFC 3339, e.g. 2026-07-10T06:00:00+02:00"
                ),
            )
        })
}

/// `base` with the terms given in text (as people and the CLI write them) put over it.
fn terms_over(
    base: TripPolicy,
    deposit: Option<&str>,
    balance_due_days: Option<u32>,
    cancellation_policy: Option<&str>,
    hold_minutes: Option<u32>,
) -> kassa_domain::Result<TripPolicy> {
    Ok(TripPolicy {
        deposit: deposit
            .map(Share::parse)
            .transpose()?
            .unwrap_or(base.deposit),
        balance_due_days: balance_due_days.unwrap_or(base.balance_due_days),
        cancellation_policy: cancellation_policy
            .map(FeeTable::parse)
            .transpose()?
            .unwrap_or(base.cancellation_policy),
        hold_minutes: hold_minutes.unwrap_or(base.hold_minutes),
    })
}

fn policy_dto(p: &TripPolicy) -> BookingPolicyDto {
    let (kind, value) = p.deposit.parts();
    BookingPolicyDto {
        deposit: p.deposit.to_text(),
        deposit_kind: kind.to_string(),
        deposit_value: value,
        balance_due_days: p.balance_due_days,
        cancellation_policy: p.cancellation_policy.to_text(),
        hold_minutes: p.hold_minutes,
    }
}

fn trip_dto(t: Trip) -> TripDto {
    let (kind, value) = t.deposit.parts();
    TripDto {
        id: t.id,
        code: t.code,
        name: t.name,
        adult_minor: t.prices.adult_minor,
        child_minor: t.prices.child_minor,
        senior_minor: t.prices.senior_minor,
        deposit_kind: kind.to_string(),
        deposit_value: value,
        balance_due_days: t.balance_due_days,
        cancellation_policy: t.cancellation_policy.to_text(),
        hold_minutes: t.hold_minutes,
        documents_required: t.documents_required,
        commission_bp: t.commission_bp,
        options: t
            .options
            .into_iter()
            .map(|o| TripOptionDto {
                id: o.id,
                name: o.name,
                price_minor: o.price_minor,
                capacity: o.capacity,
            })
            .collect(),
    }
}

fn departure_dto(conn: &Connection, d: Departure, now: DateTime<Utc>) -> ApiResult<DepartureDto> {
    let a = bookings::availability(conn, &d.id, now)?;
    let allotment = allotments::standing(conn, &d, now)?.map(|s| AllotmentDto {
        pool_id: s.pool_id,
        held: s.held,
        used: s.used,
        usable: s.usable,
        release_at: s.release_at,
        released: s.released,
        pending: s.pending,
    });
    Ok(DepartureDto {
        id: d.id,
        trip_id: d.trip_id,
        trip_name: d.trip_name,
        pool_id: d.pool_id,
        departs_at: d.departs_at,
        returns_at: d.returns_at,
        time_zone: d.time_zone,
        meeting_point: d.meeting_point,
        capacity: a.capacity,
        seats_taken: a.taken,
        seats_left: a.left,
        allotment,
    })
}

fn booking_dto(b: Booking) -> BookingDto {
    // A card refund names the card it goes back to.
    let payments = b
        .payments
        .iter()
        .map(|p| {
            let card = b.card_of(p);
            BookingPaymentDto {
                direction: p.direction.clone(),
                kind: p.kind.clone(),
                amount_minor: p.amount_minor,
                receipt_number: p.receipt_number.clone(),
                at: p.created_at.clone(),
                card_brand: card.card_brand.clone(),
                card_last4: card.card_last4.clone(),
                card_refund_status: p.card_refund_status.clone(),
                card_status: p.card_status.clone(),
            }
        })
        .collect();
    BookingDto {
        booking_id: b.id,
        reference: b.reference,
        status: b.status.as_str().to_string(),
        departure_id: b.departure_id,
        customer_id: b.customer_id,
        seats: b.seats,
        currency: b.currency,
        total_minor: b.total_minor,
        deposit_minor: b.deposit_minor,
        paid_minor: b.paid_minor,
        balance_minor: b.balance_minor,
        balance_due_on: b.balance_due_on,
        hold_expires_at: b.hold_expires_at,
        created_at: b.created_at,
        travellers: b
            .travellers
            .into_iter()
            .map(|t| BookingTravellerDto {
                id: t.id,
                traveller_type: t.traveller_type,
                full_name: t.full_name,
                date_of_birth: t.date_of_birth,
                document_number: t.document_number,
                price_minor: t.price_minor,
            })
            .collect(),
        items: b
            .items
            .into_iter()
            .map(|i| BookingItemDto {
                option_id: i.option_id,
                name: i.name,
                qty: i.qty,
                unit_minor: i.unit_minor,
                total_minor: i.total_minor,
            })
            .collect(),
        events: b
            .events
            .into_iter()
            .map(|e| BookingEventDto {
                event: e.event,
                staff_id: e.staff_id,
                device_id: e.device_id,
                detail: e.detail,
                at: e.created_at,
            })
            .collect(),
        payments,
        notes: b
            .notes
            .into_iter()
            .map(|n| BookingNoteDto {
                note: n.note,
                staff_id: n.staff_id,
                at: n.created_at,
            })
            .collect(),
    }
}

fn cancel_dto(c: Cancellation, preview: bool) -> BookingCancelOutput {
    BookingCancelOutput {
        booking: booking_dto(c.booking),
        preview,
        days_before: c.days_before,
        fee_minor: c.settlement.fee_minor,
        refund_minor: c.settlement.refund_minor,
        owed_minor: c.settlement.owed_minor,
    }
}

fn waitlist_dto(e: waitlist::WaitlistEntry) -> WaitlistEntryDto {
    WaitlistEntryDto {
        id: e.id,
        departure_id: e.departure_id,
        customer_id: e.customer_id,
        seats: e.seats,
        note: e.note,
        status: e.status,
        created_at: e.created_at,
    }
}

fn traveller_of(t: &TravellerInput) -> ApiResult<Traveller> {
    Ok(Traveller {
        traveller_type: TravellerType::parse(t.traveller_type.as_deref().unwrap_or("adult"))?,
        full_name: t.full_name.clone(),
        date_of_birth: t.date_of_birth.clone(),
        document_number: t.document_number.clone(),
    })
}

fn amendment_of(input: &BookingAmendInput) -> ApiResult<amend::Amendment> {
    Ok(amend::Amendment {
        add: input
            .add_travellers
            .iter()
            .flatten()
            .map(traveller_of)
            .collect::<ApiResult<Vec<_>>>()?,
        remove: input.remove_travellers.clone().unwrap_or_default(),
        options: input
            .options
            .as_ref()
            .map(|o| o.iter().map(|o| (o.option_id.clone(), o.qty)).collect()),
        departure_id: input.departure_id.clone(),
        note: input.note.clone(),
    })
}

impl Api {
    /// Adds a trip (audited); terms left out are the store's booking policy.
    pub fn trip_create(&self, input: TripCreateInput) -> ApiResult<TripDto> {
        let mut cx = self.begin(Permission::EditCatalog)?;
        let base = trips::default_policy(cx.store.conn(), &cx.store_id)?;
        let terms = terms_over(
            base,
            input.deposit.as_deref(),
            input.balance_due_days,
            input.cancellation_policy.as_deref(),
            input.hold_minutes,
        )?;
        let data = TripData {
            code: input.code,
            name: input.name,
            prices: TravellerPrices {
                adult_minor: input.adult_minor,
                child_minor: input.child_minor,
                senior_minor: input.senior_minor,
            },
            deposit: terms.deposit,
            balance_due_days: terms.balance_due_days,
            cancellation_policy: terms.cancellation_policy,
            hold_minutes: terms.hold_minutes,
            documents_required: input.documents_required.unwrap_or(false),
        };
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let t = cx
            .store
            .write(|tx| trips::create_trip(tx, &store_id, &staff, &data))?;
        Ok(trip_dto(t))
    }

    /// Adds an option to a trip (audited).
    pub fn trip_option_add(&self, input: TripOptionAddInput) -> ApiResult<TripDto> {
        let mut cx = self.begin(Permission::EditCatalog)?;
        let staff = cx.me.staff_id.clone();
        let t = cx.store.write(|tx| {
            let trip = trips::trip(tx, &input.trip)?;
            trips::add_option(
                tx,
                &staff,
                &trip.id,
                &input.name,
                input.price_minor,
                input.capacity,
            )?;
            trips::trip(tx, &trip.id)
        })?;
        Ok(trip_dto(t))
    }

    /// Changes a trip's terms for the bookings made from now on (audited, synced).
    pub fn trip_policy_set(&self, input: TripPolicyInput) -> ApiResult<TripDto> {
        let mut cx = self.begin(Permission::EditCatalog)?;
        let staff = cx.me.staff_id.clone();
        let store_id = cx.store_id.clone();
        let t = cx.store.write(|tx| {
            let trip = trips::trip(tx, &input.trip)?;
            let base = if input.store_policy.unwrap_or(false) {
                trips::default_policy(tx, &store_id)?
            } else {
                trip.policy()
            };
            let terms = terms_over(
                base,
                input.deposit.as_deref(),
                input.balance_due_days,
                input.cancellation_policy.as_deref(),
                input.hold_minutes,
            )?;
            trips::set_policy(tx, &staff, &trip.id, &terms)
        })?;
        Ok(trip_dto(t))
    }

    /// The store's booking policy that new trips start from.
    pub fn booking_policy(&self, _input: NoInput) -> ApiResult<BookingPolicyDto> {
        let cx = self.begin(Permission::Book)?;
        Ok(policy_dto(&trips::default_policy(
            cx.store.conn(),
            &cx.store_id,
        )?))
    }

    /// Sets the store's booking policy for new trips, all four terms in one transaction: one
    /// refused term (checked as each setting is) leaves all four as they were.
    pub fn booking_policy_set(&self, input: BookingPolicyInput) -> ApiResult<BookingPolicyDto> {
        use kassa_domain::settings::{self as keys, SettingValue};
        let mut cx = self.begin(Permission::Settings)?;
        let staff = cx.me.staff_id.clone();
        let store_id = cx.store_id.clone();
        let p = cx.store.write(|tx| {
            let terms = [
                (
                    keys::POLICY_DEPOSIT,
                    SettingValue::Text(input.deposit.clone()),
                ),
                (
                    keys::POLICY_BALANCE_DUE_DAYS,
                    SettingValue::Int(i64::from(input.balance_due_days)),
                ),
                (
                    keys::POLICY_CANCELLATION,
                    SettingValue::Text(input.cancellation_policy.clone()),
                ),
                (
                    keys::POLICY_HOLD_MINUTES,
                    SettingValue::Int(i64::from(input.hold_minutes)),
                ),
            ];
            for (key, value) in terms {
                kassa_store::foundation::settings::set(tx, &store_id, key, value, &staff)?;
            }
            trips::default_policy(tx, &store_id)
        })?;
        Ok(policy_dto(&p))
    }

    /// Every trip.
    pub fn trip_list(&self, _input: NoInput) -> ApiResult<TripListOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        Ok(TripListOutput {
            items: trips::trips(store.conn())?
                .into_iter()
                .map(trip_dto)
                .collect(),
        })
    }

    /// One trip by id or code.
    pub fn trip_get(&self, input: TripIdInput) -> ApiResult<TripDto> {
        self.require(Permission::Book)?;
        let store = self.store();
        Ok(trip_dto(trips::trip(store.conn(), &input.trip)?))
    }

    /// Adds a departure with its seats, or sharing another departure's (audited).
    pub fn departure_add(&self, input: DepartureAddInput) -> ApiResult<DepartureDto> {
        let mut cx = self.begin(Permission::EditCatalog)?;
        let departs_at = time("the departure", &input.departs_at)?;
        let returns_at = input
            .returns_at
            .as_deref()
            .map(|r| time("the return", r))
            .transpose()?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let d = cx.store.write(|tx| {
            let trip = trips::trip(tx, &input.trip)?;
            trips::add_departure(
                tx,
                &store_id,
                &staff,
                &DepartureData {
                    trip_id: trip.id,
                    departs_at,
                    returns_at,
                    time_zone: input.time_zone.trim().to_string(),
                    meeting_point: input.meeting_point.clone(),
                    seats: input.seats,
                    share_with: input.share_with.clone(),
                },
            )
        })?;
        let now = cx.store.clock().now();
        departure_dto(cx.store.conn(), d, now)
    }

    /// Sets a departure's seats (its pool's), never below what is booked (audited).
    pub fn departure_set_capacity(&self, input: DepartureCapacityInput) -> ApiResult<DepartureDto> {
        let mut cx = self.begin(Permission::EditCatalog)?;
        let staff = cx.me.staff_id.clone();
        let d = cx
            .store
            .write(|tx| trips::set_capacity(tx, &staff, &input.departure_id, input.seats))?;
        let now = cx.store.clock().now();
        departure_dto(cx.store.conn(), d, now)
    }

    /// Departures from now (or `from`), with their seats.
    pub fn departure_list(&self, input: DepartureListInput) -> ApiResult<DepartureListOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        let now = store.clock().now();
        let from = match input.from.as_deref() {
            Some(f) => time("from", f)?,
            None => now,
        };
        let to = input.to.as_deref().map(|t| time("to", t)).transpose()?;
        let trip = input
            .trip
            .as_deref()
            .map(|t| trips::trip(store.conn(), t).map(|t| t.id))
            .transpose()?;
        let items = trips::departures(store.conn(), trip.as_deref(), Some(from), to)?
            .into_iter()
            .map(|d| departure_dto(store.conn(), d, now))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(DepartureListOutput { items })
    }

    /// One departure with its seats.
    pub fn departure_get(&self, input: DepartureIdInput) -> ApiResult<DepartureDto> {
        self.require(Permission::Book)?;
        let store = self.store();
        let now = store.clock().now();
        let d = trips::departure(store.conn(), &input.departure_id)?;
        departure_dto(store.conn(), d, now)
    }

    /// The departures whose seats this device holds as an allotment, by release moment.
    pub fn allotment_list(&self, _: NoInput) -> ApiResult<AllotmentListOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        let now = store.clock().now();
        let paired = allotments::paired(store.conn())?;
        let items = allotments::list(store.conn())?
            .into_iter()
            .map(|a| {
                departure_dto(
                    store.conn(),
                    trips::departure(store.conn(), &a.departure_id)?,
                    now,
                )
            })
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(AllotmentListOutput { paired, items })
    }

    /// Asks the server for `seats` more of a departure's pool for this device (audited).
    pub fn allotment_request(&self, input: AllotmentChangeInput) -> ApiResult<DepartureDto> {
        let me = self.require(Permission::Book)?;
        blocking::request_seats(
            &self.store,
            Some(&me.staff_id),
            &input.departure_id,
            input.seats,
        )?;
        self.departure_get(DepartureIdInput {
            departure_id: input.departure_id,
        })
    }

    /// Gives `seats` unsold seats of a departure's pool back to the server (audited). This
    /// device stops selling them at once; offline, the server hears at the next sync.
    pub fn allotment_return(&self, input: AllotmentChangeInput) -> ApiResult<DepartureDto> {
        let me = self.require(Permission::Book)?;
        match blocking::return_seats(
            &self.store,
            Some(&me.staff_id),
            &input.departure_id,
            input.seats,
        ) {
            Ok(_) => {}
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                tracing::info!(error = %e.message, "seats given back here; the server hears at the next sync");
            }
            Err(e) => return Err(e.into()),
        }
        self.departure_get(DepartureIdInput {
            departure_id: input.departure_id,
        })
    }

    /// When this device is paired and holds fewer seats of the departure than a booking
    /// needs, asks the server for the difference first (at booking time, online). The server
    /// refusing is the answer (`insufficient_seats`, naming the seats free); out of reach,
    /// the booking meets this device's own refusal, naming the seats it holds.
    fn seats_for_booking(&self, departure_id: &str, seats: i64) -> ApiResult<()> {
        let me = self.require(Permission::Book)?;
        let short = {
            let store = self.store();
            allotments::shortfall(store.conn(), departure_id, seats, store.clock().now())?
        };
        if short <= 0 {
            return Ok(());
        }
        match blocking::request_seats(&self.store, Some(&me.staff_id), departure_id, short) {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::ServerUnreachable | ErrorCode::Unavailable
                ) =>
            {
                tracing::info!(error = %e.message, "no seats asked for: the server cannot be reached");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Makes a booking: a quote, or held, and paid at once when payments are given, all in
    /// one transaction. Beyond the seats left: `insufficient_seats`, naming what is left.
    pub fn booking_create(&self, input: BookingCreateInput) -> ApiResult<BookingDto> {
        if input.hold.unwrap_or(false) || input.payments.as_ref().is_some_and(|p| !p.is_empty()) {
            let seats = i64::try_from(input.travellers.len()).unwrap_or(i64::MAX);
            self.seats_for_booking(&input.departure_id, seats)?;
        }
        let mut cx = self.begin(Permission::Book)?;
        let travellers = input
            .travellers
            .iter()
            .map(traveller_of)
            .collect::<ApiResult<Vec<_>>>()?;
        // Cards are taken through the provider once the booking is written and held.
        let (cards, others): (Vec<_>, Vec<_>) = input
            .payments
            .unwrap_or_default()
            .into_iter()
            .partition(|p| p.kind.trim().eq_ignore_ascii_case("card"));
        for c in &cards {
            kassa_domain::money::check_amount("the card payment", c.amount_minor)?;
            let token = c.card_token.as_deref().map(str::trim).unwrap_or_default();
            kassa_store::selling::cards::check_token(token)?;
        }
        let payments = others
            .into_iter()
            .map(|p| {
                let tender = tender_of(&cx.store, &p.kind, p.voucher_code.as_deref())?;
                Ok((tender, p.amount_minor))
            })
            .collect::<kassa_domain::Result<Vec<_>>>()?;
        let req = BookingRequest {
            departure_id: input.departure_id,
            customer_id: input.customer_id,
            travellers,
            options: input
                .options
                .unwrap_or_default()
                .into_iter()
                .map(|o| (o.option_id, o.qty))
                .collect(),
            note: input.note,
            staff_id: cx.me.staff_id.clone(),
            hold: input.hold.unwrap_or(false) || !payments.is_empty() || !cards.is_empty(),
            waitlist_id: input.waitlist_id,
        };
        let store_id = cx.store_id.clone();
        let b = cx.store.write(|tx| {
            let mut b = bookings::create(tx, &store_id, &req)?;
            for (tender, amount) in &payments {
                b = bookings::pay(tx, &store_id, &req.staff_id, &b.id, tender.clone(), *amount)?
                    .booking;
            }
            Ok(b)
        })?;
        drop(cx);
        let mut b = b;
        for c in &cards {
            b = self
                .pay_booking_by_card(
                    &b.id,
                    c.amount_minor,
                    c.card_token.as_deref(),
                    c.idempotency_key.as_deref(),
                )
                .map_err(|mut e| {
                    e.message = format!(
                        "booking {} is made and held, without this card: {}",
                        b.reference, e.message
                    );
                    e
                })?
                .booking;
        }
        Ok(booking_dto(b))
    }

    /// One booking by id or reference.
    pub fn booking_get(&self, input: BookingIdInput) -> ApiResult<BookingDto> {
        self.require(Permission::Book)?;
        let store = self.store();
        Ok(booking_dto(bookings::get(store.conn(), &input.booking)?))
    }

    /// Holds a quote's seats (asking the server for them first when this device holds too
    /// few).
    pub fn booking_hold(&self, input: BookingIdInput) -> ApiResult<BookingDto> {
        let (departure_id, seats) = {
            self.require(Permission::Book)?;
            let store = self.store();
            let b = bookings::get(store.conn(), &input.booking)?;
            (b.departure_id, b.seats)
        };
        self.seats_for_booking(&departure_id, seats)?;
        let mut cx = self.begin(Permission::Book)?;
        let staff = cx.me.staff_id.clone();
        let b = cx
            .store
            .write(|tx| bookings::hold(tx, &staff, &input.booking))?;
        Ok(booking_dto(b))
    }

    /// Takes a deposit or balance payment (cash on this device's drawer, or off a voucher),
    /// with a receipt number.
    pub fn booking_pay(&self, input: BookingPayInput) -> ApiResult<BookingPaymentOutput> {
        if input.kind.trim().eq_ignore_ascii_case("card") {
            let out = self.pay_booking_by_card(
                &input.booking,
                input.amount_minor,
                input.card_token.as_deref(),
                input.idempotency_key.as_deref(),
            )?;
            return Ok(BookingPaymentOutput {
                booking: booking_dto(out.booking),
                receipt_number: out.receipt_number,
            });
        }
        let mut cx = self.begin(Permission::Book)?;
        let tender = tender_of(&cx.store, &input.kind, input.voucher_code.as_deref())?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let out = cx.store.write(|tx| {
            bookings::pay(
                tx,
                &store_id,
                &staff,
                &input.booking,
                tender,
                input.amount_minor,
            )
        })?;
        Ok(BookingPaymentOutput {
            booking: booking_dto(out.booking),
            receipt_number: out.receipt_number,
        })
    }

    /// Amends a booking: travellers added or taken off, its options, or another departure of
    /// its trip, priced again (what it kept keeps the price agreed); with `preview`, only the
    /// difference. Money paid beyond the new total goes back to the tenders it came from, which
    /// needs `cancel_booking` as a refund does. On a paired device short of seats, the server
    /// is asked for them first.
    pub fn booking_amend(&self, input: BookingAmendInput) -> ApiResult<BookingAmendOutput> {
        let change = amendment_of(&input)?;
        let (booking, preview) = {
            self.require(Permission::Book)?;
            let store = self.store();
            let now = store.clock().now();
            let preview = amend::preview(store.conn(), &input.booking, &change, now)?;
            (bookings::get(store.conn(), &input.booking)?, preview)
        };
        let dto = |booking: BookingDto, preview: bool, p: amend::AmendPreview| BookingAmendOutput {
            booking,
            preview,
            departure_id: p.departure_id,
            seats_before: p.seats_before,
            seats_after: p.seats_after,
            total_before: p.total_before,
            total_after: p.total_after,
            difference_minor: p.difference_minor,
            deposit_after: p.deposit_after,
            balance_due_on: p.balance_due_on,
            refund_minor: p.refund_minor,
            balance_after: p.balance_after,
        };
        let holds = booking.status.holds_seats();
        let more = preview.seats_after
            - if booking.departure_id == preview.departure_id {
                booking.seats
            } else {
                0
            };
        if input.preview.unwrap_or(false) {
            return Ok(dto(booking_dto(booking), true, preview));
        }
        if holds && more > 0 {
            self.seats_for_booking(&preview.departure_id, more)?;
        }
        let permission = if preview.refund_minor > 0 {
            Permission::CancelBooking
        } else {
            Permission::Book
        };
        let mut cx = self.begin(permission)?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let done = cx
            .store
            .write(|tx| amend::amend(tx, &store_id, &staff, &input.booking, &change))?;
        drop(cx);
        let booking = self.pay_back_booking_cards(done.booking)?;
        Ok(dto(booking_dto(booking), false, done.preview))
    }

    /// Cancels a booking with the policy's fee (or shows the fee with `preview`).
    pub fn booking_cancel(&self, input: BookingCancelInput) -> ApiResult<BookingCancelOutput> {
        let mut cx = self.begin(Permission::CancelBooking)?;
        if input.preview.unwrap_or(false) {
            let now = cx.store.clock().now();
            let c = bookings::cancellation_quote(cx.store.conn(), &input.booking, now)?;
            return Ok(cancel_dto(c, true));
        }
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let c = cx.store.write(|tx| {
            bookings::cancel(
                tx,
                &store_id,
                &staff,
                &input.booking,
                input.reason.as_deref(),
            )
        })?;
        drop(cx);
        let mut c = c;
        c.booking = self.pay_back_booking_cards(c.booking)?;
        Ok(cancel_dto(c, false))
    }

    /// Marks a paid booking completed.
    pub fn booking_complete(&self, input: BookingIdInput) -> ApiResult<BookingDto> {
        let mut cx = self.begin(Permission::Book)?;
        let staff = cx.me.staff_id.clone();
        let b = cx
            .store
            .write(|tx| bookings::complete(tx, &staff, &input.booking))?;
        Ok(booking_dto(b))
    }

    /// Adds a note to a booking.
    pub fn booking_note(&self, input: BookingNoteInput) -> ApiResult<BookingDto> {
        let mut cx = self.begin(Permission::Book)?;
        let staff = cx.me.staff_id.clone();
        let b = cx
            .store
            .write(|tx| bookings::add_note(tx, &staff, &input.booking, &input.note))?;
        Ok(booking_dto(b))
    }

    /// Expires this device's holds past their time; their seats go back.
    pub fn booking_expire(&self, _input: NoInput) -> ApiResult<BookingsExpiredOutput> {
        let mut cx = self.begin(Permission::Book)?;
        let staff = cx.me.staff_id.clone();
        let expired = cx.store.write(|tx| bookings::expire_due(tx, &staff))?;
        Ok(BookingsExpiredOutput { expired })
    }

    /// Bookings, newest first.
    pub fn booking_list(&self, input: BookingListInput) -> ApiResult<BookingListOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        let items = bookings::list(
            store.conn(),
            input.departure_id.as_deref(),
            input.status.as_deref(),
            input.search.as_deref().filter(|s| !s.trim().is_empty()),
            input.limit.unwrap_or(50).min(500),
        )?;
        Ok(BookingListOutput {
            items: items
                .into_iter()
                .map(|s| BookingSummaryDto {
                    booking_id: s.id,
                    reference: s.reference,
                    status: s.status,
                    departure_id: s.departure_id,
                    departs_at: s.departs_at,
                    time_zone: s.time_zone,
                    trip_name: s.trip_name,
                    customer_id: s.customer_id,
                    customer_name: s.customer_name,
                    seats: s.seats,
                    total_minor: s.total_minor,
                    paid_minor: s.paid_minor,
                    balance_due_on: s.balance_due_on,
                    hold_expires_at: s.hold_expires_at,
                })
                .collect(),
        })
    }

    /// Money still owed on bookings, by due date.
    pub fn booking_balances_due(&self, _input: NoInput) -> ApiResult<BalancesDueOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        let today = ts(store.clock().now())[..10].to_string();
        let items = bookings::balances_due(store.conn(), &today)?
            .into_iter()
            .map(|b| BalanceDueDto {
                booking_id: b.id,
                reference: b.reference,
                status: b.status,
                customer_id: b.customer_id,
                departs_at: b.departs_at,
                due_on: b.due_on,
                balance_minor: b.balance_minor,
                overdue: b.overdue,
            })
            .collect();
        Ok(BalancesDueOutput { items })
    }

    /// Puts a customer on a full departure's waitlist.
    pub fn waitlist_add(&self, input: WaitlistAddInput) -> ApiResult<WaitlistEntryDto> {
        let mut cx = self.begin(Permission::Book)?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let e = cx.store.write(|tx| {
            waitlist::add(
                tx,
                &store_id,
                &staff,
                &input.departure_id,
                &input.customer_id,
                input.seats,
                input.note.as_deref(),
            )
        })?;
        Ok(waitlist_dto(e))
    }

    /// A departure's waitlist, in order.
    pub fn waitlist_list(&self, input: DepartureIdInput) -> ApiResult<WaitlistOutput> {
        self.require(Permission::Book)?;
        let store = self.store();
        Ok(WaitlistOutput {
            items: waitlist::list(store.conn(), &input.departure_id)?
                .into_iter()
                .map(waitlist_dto)
                .collect(),
        })
    }

    /// Takes an entry off the waitlist.
    pub fn waitlist_withdraw(&self, input: WaitlistIdInput) -> ApiResult<WaitlistEntryDto> {
        let mut cx = self.begin(Permission::Book)?;
        let staff = cx.me.staff_id.clone();
        let e = cx
            .store
            .write(|tx| waitlist::withdraw(tx, &staff, &input.id))?;
        Ok(waitlist_dto(e))
    }
}

/// The cancellation policy in words, most days first.
impl Api {
    /// The booking confirmation as PDF (base64) and as its HTML preview: reference,
    /// itinerary, travellers, prices, payments, balance and due date, and the cancellation
    /// policy in words. Reprint any time.
    pub fn booking_confirmation(&self, input: BookingIdInput) -> ApiResult<BookingDocumentOutput> {
        use base64::Engine;
        let cx = self.begin(Permission::Book)?;
        let (_, c, _) = confirmation(cx.store.conn(), &cx.store_id, cx.currency, &input.booking)?;
        Ok(BookingDocumentOutput {
            reference: c.reference.clone(),
            base64: base64::engine::general_purpose::STANDARD
                .encode(kassa_documents::booking::pdf(&c)?),
            html: kassa_documents::booking::html(&c)?,
        })
    }

    /// Queues the confirmation for email to `to`, or to the booking's customer; the server
    /// sends it with the confirmation's PDF attached once this device syncs. Audited.
    pub fn booking_email(&self, input: BookingEmailInput) -> ApiResult<BookingEmailOutput> {
        let mut cx = self.begin(Permission::Book)?;
        let (b, c, customer_email) =
            confirmation(cx.store.conn(), &cx.store_id, cx.currency, &input.booking)?;
        let to = match input.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(to) => to.to_string(),
            None => customer_email.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "booking {} has no customer with an email address: give the address to send to",
                        b.reference
                    ),
                )
            })?,
        };
        let to = kassa_domain::email::validate_email(&to)?;
        let html = kassa_documents::booking::html(&c)?;
        let subject = format!("{} — {}", kassa_documents::booking::title(&c), c.store_name);
        let document = serde_json::to_value(&c).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("the confirmation cannot be written as JSON: {e}"),
            )
        })?;
        let staff = cx.me.staff_id.clone();
        let email_id = cx.store.write(|tx| {
            let id = email::queue(
                tx,
                "booking_confirmation",
                &to,
                &subject,
                &html,
                Some(&b.id),
                Some(email::Attachment::BookingConfirmation(&document)),
            )?;
            tx.audit(
                AuditInput::new("booking.emailed")
                    .by(&staff)
                    .on("booking", &b.id)
                    .after(serde_json::json!({"email_id": id})),
            )?;
            Ok(id)
        })?;
        Ok(BookingEmailOutput { email_id, to })
    }

    /// Queues a balance reminder, the confirmation attached, for each confirmed booking whose
    /// balance falls due within the store's `bookings.reminder_days` (or is overdue), whose
    /// customer has an email address, and that was never reminded: one reminder per booking.
    /// The Bookings screen runs it when it opens; `kassa booking remind` too. Audited.
    pub fn booking_remind(&self, _input: NoInput) -> ApiResult<BookingRemindOutput> {
        let mut cx = self.begin(Permission::Book)?;
        let conn = cx.store.conn();
        let days = kassa_store::foundation::settings::get_int(
            conn,
            &cx.store_id,
            kassa_domain::settings::BOOKINGS_REMINDER_DAYS,
        )?;
        let mut out = BookingRemindOutput {
            reminded: Vec::new(),
            without_email: Vec::new(),
        };
        if days <= 0 {
            return Ok(out);
        }
        let today =
            kassa_store::foundation::business_day::BusinessDay::of_store(conn, &cx.store_id)?
                .date_of(cx.store.clock().now());
        let horizon = (today + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string();
        let mut letters = Vec::new();
        for due in bookings::balances_due(conn, &today.format("%Y-%m-%d").to_string())? {
            if due.status != "confirmed"
                || due.due_on > horizon
                || email::queued_for(conn, "balance_reminder", &due.id)?
            {
                continue;
            }
            let (b, c, address) = confirmation(conn, &cx.store_id, cx.currency, &due.id)?;
            let Some(to) = address else {
                out.without_email.push(b.reference);
                continue;
            };
            let (subject, html) = kassa_documents::booking::reminder(&c)?;
            let document = serde_json::to_value(&c).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("the confirmation cannot be written as JSON: {e}"),
                )
            })?;
            letters.push((b, due.due_on, to, subject, html, document));
        }
        let staff = cx.me.staff_id.clone();
        out.reminded = cx.store.write(|tx| {
            let mut done = Vec::new();
            for (b, due_on, to, subject, html, document) in &letters {
                let id = email::queue(
                    tx,
                    "balance_reminder",
                    to,
                    subject,
                    html,
                    Some(&b.id),
                    Some(email::Attachment::BookingConfirmation(document)),
                )?;
                tx.audit(
                    AuditInput::new("booking.reminded")
                        .by(&staff)
                        .on("booking", &b.id)
                        .after(serde_json::json!({"email_id": id, "due_on": due_on, "balance_minor": b.balance_minor})),
                )?;
                done.push(BookingReminderDto {
                    booking_id: b.id.clone(),
                    reference: b.reference.clone(),
                    email_id: id,
                    to: to.clone(),
                    due_on: due_on.clone(),
                    balance_minor: b.balance_minor,
                });
            }
            Ok(done)
        })?;
        Ok(out)
    }

    /// The emails of a booking and where each stands on the server, as this device last heard.
    pub fn booking_emails(&self, input: BookingIdInput) -> ApiResult<EmailListOutput> {
        let cx = self.begin(Permission::Book)?;
        let b = bookings::get(cx.store.conn(), &input.booking)?;
        Ok(EmailListOutput {
            emails: email::list(cx.store.conn(), Some(&b.id))?
                .into_iter()
                .map(crate::sync::email_dto)
                .collect(),
        })
    }
}

/// A booking's confirmation in the store's receipt language (its words, dates and decimal
/// separator), with the booking and its customer's email address.
fn confirmation(
    conn: &Connection,
    store_id: &str,
    currency: kassa_domain::money::Currency,
    booking: &str,
) -> ApiResult<(
    Booking,
    kassa_documents::booking::BookingConfirmation,
    Option<String>,
)> {
    let b = bookings::get(conn, booking)?;
    let dep = trips::departure(conn, &b.departure_id)?;
    let trip = trips::trip(conn, &dep.trip_id)?;
    let store_name = kassa_store::foundation::device::store(conn, store_id)?.name;
    let customer = b
        .customer_id
        .as_deref()
        .map(|c| kassa_store::customers::get(conn, store_id, c))
        .transpose()?;
    let customer_email = customer.as_ref().and_then(|c| c.data.email.clone());
    let customer = customer.map(|c| c.data.name);
    // The store's receipt language: its words, dates and decimal separator.
    let lang_code =
        kassa_store::foundation::settings::get_text(conn, store_id, "receipt.language")?;
    let language = kassa_documents::Language::from_code(&lang_code);
    let labels = language.labels();
    let words = kassa_documents::booking::BookingWords::of(language);
    let exponent = currency.exponent();
    let code = currency.code();
    let money = move |minor: i64| format!("{} {code}", labels.amount(minor, exponent));
    let when = |t: &str| -> String {
        kassa_store::bookings::trips::local_time_as(t, &dep.time_zone, words.date_time_format)
            .unwrap_or_else(|_| t.to_string())
    };
    let day = |d: &str| -> String {
        chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d")
            .map(|d| d.format(words.date_format).to_string())
            .unwrap_or_else(|_| d.to_string())
    };
    let c = kassa_documents::booking::BookingConfirmation {
        language,
        store_name,
        reference: b.reference.clone(),
        status: status_word(language, b.status.as_str()),
        trip_name: trip.name.clone(),
        departs: when(&dep.departs_at),
        returns: dep.returns_at.as_deref().map(when),
        meeting_point: dep.meeting_point.clone(),
        customer,
        travellers: b
            .travellers
            .iter()
            .map(|t| {
                (
                    t.full_name.clone(),
                    traveller_word(language, &t.traveller_type),
                    money(t.price_minor),
                )
            })
            .collect(),
        items: b
            .items
            .iter()
            .map(|i| (i.name.clone(), i.qty, money(i.total_minor)))
            .collect(),
        total: money(b.total_minor),
        deposit: money(b.deposit_minor),
        payments: b
            .payments
            .iter()
            .map(|p| {
                (
                    day(&p.created_at),
                    payment_line_words(language, &b, p),
                    money(if p.direction == "refund" {
                        -p.amount_minor
                    } else {
                        p.amount_minor
                    }),
                    p.receipt_number.clone(),
                )
            })
            .collect(),
        paid: money(b.paid_minor),
        balance: money(b.balance_minor),
        balance_due_on: day(&b.balance_due_on),
        hold_expires_at: b.hold_expires_at.as_deref().map(when),
        policy: policy_words(language, &bookings::lifecycle::terms(conn, &b.id)?, &money),
    };
    Ok((b, c, customer_email))
}

impl Api {
    /// Prices a booking as `booking_create` would and checks each traveller's fields, without
    /// booking anything: the wizard's price and its refusals next to their fields.
    pub fn booking_price(&self, input: BookingPriceInput) -> ApiResult<BookingPriceOutput> {
        let cx = self.begin(Permission::Book)?;
        let now = cx.store.clock().now();
        let drafts: Vec<bookings::TravellerDraft> = input
            .travellers
            .into_iter()
            .map(|t| bookings::TravellerDraft {
                traveller_type: t.traveller_type.unwrap_or_else(|| "adult".into()),
                full_name: t.full_name,
                date_of_birth: t.date_of_birth,
                document_number: t.document_number,
            })
            .collect();
        let options: Vec<(String, i64)> = input
            .options
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.option_id, o.qty))
            .collect();
        let p = bookings::preview(cx.store.conn(), &input.departure_id, &drafts, &options, now)?;
        Ok(BookingPriceOutput {
            currency: cx.currency.code().to_string(),
            travellers: p
                .travellers
                .into_iter()
                .map(|(kind, count, unit)| PriceLineDto {
                    traveller_type: kind,
                    count,
                    unit_minor: unit,
                    total_minor: unit.saturating_mul(count),
                })
                .collect(),
            options: p
                .options
                .into_iter()
                .map(|(id, name, qty, unit)| BookingItemDto {
                    option_id: id,
                    name,
                    qty,
                    unit_minor: unit,
                    total_minor: unit.saturating_mul(qty),
                })
                .collect(),
            total_minor: p.total_minor,
            deposit_minor: p.deposit_minor,
            balance_due_on: p.balance_due_on,
            seats_left: p.seats_left,
            issues: p
                .issues
                .into_iter()
                .map(|i| TravellerIssueDto {
                    index: u32::try_from(i.index).unwrap_or(u32::MAX),
                    field: i.field.to_string(),
                    message: i.message,
                })
                .collect(),
        })
    }

    /// Writes the booking confirmation PDF into `dir` (made if missing) as
    /// `booking-<reference>.pdf`; the desktop app saves into its data folder's `exports`.
    pub fn booking_confirmation_save(
        &self,
        input: BookingIdInput,
        dir: &std::path::Path,
    ) -> ApiResult<crate::SavedReport> {
        use base64::Engine;
        let doc = self.booking_confirmation(input)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&doc.base64)
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("the confirmation is not base64: {e}"),
                )
            })?;
        let write_failed = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Internal,
                format!(
                    "could not write the confirmation into {}: {e}",
                    dir.display()
                ),
            )
        };
        std::fs::create_dir_all(dir).map_err(write_failed)?;
        // The reference comes from the store's series: keep the name a plain file name regardless.
        let name = kassa_documents::plain_file_name(&format!("booking-{}.pdf", doc.reference));
        let path = dir.join(&name);
        std::fs::write(&path, &bytes).map_err(write_failed)?;
        Ok(crate::SavedReport {
            path: path.display().to_string(),
            file_name: name,
            rows: 1,
        })
    }
}

/// The tender `kind` names; a voucher's typed code is looked up by its stored (keyed) hash.
fn tender_of(
    store: &kassa_store::Store,
    kind: &str,
    voucher_code: Option<&str>,
) -> kassa_domain::Result<BookingTender> {
    let key = match voucher_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(voucher::stored_code_key(
            store.conn(),
            store.store_key()?,
            code,
        )?),
        None => None,
    };
    BookingTender::parse(kind, key)
}

/// A payment line as documents print it: the tender, the card it names (`VISA ****4242`)
/// and, for a card not simply captured, its standing with the provider.
fn payment_line_words(
    language: kassa_documents::Language,
    b: &Booking,
    p: &kassa_store::bookings::BookingPayment,
) -> String {
    let mut words = payment_word(language, &p.direction, &p.kind);
    if let Some(card) = card_words(b, p) {
        words = format!("{words} {card}");
    }
    let standing = p.card_status.as_deref().or(p.card_refund_status.as_deref());
    if let Some(st) = standing.and_then(|st| card_standing_word(language, st)) {
        words = format!("{words} ({st})");
    }
    words
}

/// The card of a booking's card payment or refund as documents print it (`VISA ****4242`),
/// from what the terminal reported; a refund names the card it went back to.
fn card_words(b: &Booking, p: &kassa_store::bookings::BookingPayment) -> Option<String> {
    if p.kind != "card" {
        return None;
    }
    let card = b.card_of(p);
    let words: Vec<String> = [
        card.card_brand.as_deref().map(str::to_uppercase),
        card.card_last4.as_deref().map(|l| format!("****{l}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

//! DTOs of trips, departures, bookings and the waitlist.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A new trip.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct TripCreateInput {
    pub code: String,
    pub name: String,
    pub adult_minor: i64,
    /// No price: the trip takes no children.
    pub child_minor: Option<i64>,
    pub senior_minor: Option<i64>,
    /// `30%` or a fixed amount in minor units (`5000`); none: the store's booking policy.
    pub deposit: Option<String>,
    /// The balance is due this many days before departure; none: the store's booking policy.
    pub balance_due_days: Option<u32>,
    /// Fees by days before departure: `60:0,30:25%,10:50%,0:100%` (a row for 0 days needed);
    /// none: the store's booking policy.
    pub cancellation_policy: Option<String>,
    /// How long a hold keeps its seats, in minutes; none: the store's booking policy.
    pub hold_minutes: Option<u32>,
    /// Travellers need a passport or ID number.
    pub documents_required: Option<bool>,
}

/// The terms a trip sells under, or the store's booking policy new trips start from.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingPolicyDto {
    /// `30%` or a fixed amount in minor units (`5000`).
    pub deposit: String,
    /// `percent` (basis points) or `fixed` (minor units).
    pub deposit_kind: String,
    pub deposit_value: i64,
    pub balance_due_days: u32,
    /// Fees by days before departure, fewest days first: `0:100%,10:50%,30:25%,60:0%`.
    pub cancellation_policy: String,
    pub hold_minutes: u32,
}

/// The store's booking policy for new trips: all four terms, saved together.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingPolicyInput {
    /// `30%` or a fixed amount in minor units (`5000`).
    pub deposit: String,
    pub balance_due_days: u32,
    /// Fees by days before departure: `60:0,30:25%,10:50%,0:100%` (a row for 0 days needed).
    pub cancellation_policy: String,
    pub hold_minutes: u32,
}

/// New terms for a trip's bookings from now on (bookings already made keep theirs). A field
/// left out keeps the trip's; `store_policy` takes the store's booking policy for all four.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TripPolicyInput {
    /// The trip's id or code.
    pub trip: String,
    pub deposit: Option<String>,
    pub balance_due_days: Option<u32>,
    pub cancellation_policy: Option<String>,
    pub hold_minutes: Option<u32>,
    pub store_policy: Option<bool>,
}

/// An option or add-on of a trip.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TripOptionDto {
    pub id: String,
    pub name: String,
    pub price_minor: i64,
    /// Per departure; none: unlimited.
    pub capacity: Option<i64>,
}

/// A trip.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TripDto {
    pub id: String,
    pub code: String,
    pub name: String,
    pub adult_minor: i64,
    pub child_minor: Option<i64>,
    pub senior_minor: Option<i64>,
    /// `percent` (basis points) or `fixed` (minor units).
    pub deposit_kind: String,
    pub deposit_value: i64,
    pub balance_due_days: u32,
    pub cancellation_policy: String,
    pub hold_minutes: u32,
    pub documents_required: bool,
    /// The trip's own commission rate for its agents (basis points); none: the agent's rate,
    /// else the store's default.
    pub commission_bp: Option<u32>,
    pub options: Vec<TripOptionDto>,
}

/// Trips.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TripListOutput {
    pub items: Vec<TripDto>,
}

/// A trip by id or code.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TripIdInput {
    pub trip: String,
}

/// A new option of a trip.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct TripOptionAddInput {
    /// The trip's id or code.
    pub trip: String,
    pub name: String,
    pub price_minor: i64,
    pub capacity: Option<i64>,
}

/// A new departure: its own `seats`, or `share_with` another departure's seats.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct DepartureAddInput {
    /// The trip's id or code.
    pub trip: String,
    /// RFC 3339, e.g. `2026-07-10T06:00:00+02:00`.
    pub departs_at: String,
    pub returns_at: Option<String>,
    /// The zone its days are counted in, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub meeting_point: Option<String>,
    pub seats: Option<i64>,
    pub share_with: Option<String>,
}

/// A departure with its seats now.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DepartureDto {
    pub id: String,
    pub trip_id: String,
    pub trip_name: String,
    pub pool_id: String,
    pub departs_at: String,
    pub returns_at: Option<String>,
    pub time_zone: String,
    pub meeting_point: Option<String>,
    /// The pool's seats (shared with the pool's other departures).
    pub capacity: i64,
    pub seats_taken: i64,
    pub seats_left: i64,
    /// This device's allotment of the departure's pool; none while the device is not paired
    /// (it then holds every seat).
    pub allotment: Option<AllotmentDto>,
}

/// The seats of a departure's pool this device holds as an allotment from the server.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AllotmentDto {
    pub pool_id: String,
    /// Seats this device holds.
    pub held: i64,
    /// Seats of bookings this device holds.
    pub used: i64,
    /// Seats this device may still sell now (0 from the release moment on).
    pub usable: i64,
    /// When the unsold seats go back to the pool, RFC 3339.
    pub release_at: Option<String>,
    pub released: bool,
    /// The server may hold another number until the next sync.
    pub pending: bool,
}

/// Seats of a departure's pool to ask the server for, or to give back.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AllotmentChangeInput {
    pub departure_id: String,
    pub seats: i64,
}

/// The departures whose seats this device holds, with its allotment of each.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AllotmentListOutput {
    /// False while the device is not paired: it then holds every seat.
    pub paired: bool,
    pub items: Vec<DepartureDto>,
}

/// Which departures to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct DepartureListInput {
    /// A trip's id or code.
    pub trip: Option<String>,
    /// RFC 3339; default now.
    pub from: Option<String>,
    /// RFC 3339 (exclusive).
    pub to: Option<String>,
}

/// Departures.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DepartureListOutput {
    pub items: Vec<DepartureDto>,
}

/// One departure.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DepartureIdInput {
    pub departure_id: String,
}

/// A departure's seats, set (never below what is booked).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DepartureCapacityInput {
    pub departure_id: String,
    pub seats: i64,
}

/// A traveller on a booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct TravellerInput {
    pub full_name: String,
    /// `adult` (default), `child` or `senior`.
    pub traveller_type: Option<String>,
    /// YYYY-MM-DD.
    pub date_of_birth: Option<String>,
    /// Passport or ID number (never a card number).
    pub document_number: Option<String>,
}

/// An option on a booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BookingOptionInput {
    pub option_id: String,
    pub qty: i64,
}

/// A payment for a booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BookingTenderInput {
    /// `cash`, `voucher` (a gift voucher or a customer's store credit) or `card` (taken
    /// through the server's card provider; offline, within the store's offline card limits).
    pub kind: String,
    pub amount_minor: i64,
    /// The voucher's code, for `voucher`.
    #[serde(default)]
    #[ts(optional)]
    pub voucher_code: Option<String>,
    /// The card terminal's token (`pm_...`), for `card`; never a card number.
    #[serde(default)]
    #[ts(optional)]
    pub card_token: Option<String>,
    /// For `card`: the same key again is the same payment (a retry after a lost answer).
    #[serde(default)]
    #[ts(optional)]
    pub idempotency_key: Option<String>,
}

/// A new booking: a quote, held (`hold`), and paid at once (`payments`, which hold it).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingCreateInput {
    pub departure_id: String,
    pub customer_id: Option<String>,
    pub travellers: Vec<TravellerInput>,
    pub options: Option<Vec<BookingOptionInput>>,
    pub note: Option<String>,
    pub hold: Option<bool>,
    pub waitlist_id: Option<String>,
    pub payments: Option<Vec<BookingTenderInput>>,
}

/// A booking by id or reference.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BookingIdInput {
    pub booking: String,
}

/// A payment on a booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BookingPayInput {
    pub booking: String,
    /// `cash`, `voucher` or `card` (through the server's card provider; offline, within the
    /// store's offline card limits).
    pub kind: String,
    pub amount_minor: i64,
    /// The voucher's code, for `voucher`.
    pub voucher_code: Option<String>,
    /// The card terminal's token (`pm_...`), for `card`; never a card number.
    #[serde(default)]
    #[ts(optional)]
    pub card_token: Option<String>,
    /// For `card`: the same key again is the same payment (a retry after a lost answer).
    #[serde(default)]
    #[ts(optional)]
    pub idempotency_key: Option<String>,
}

/// A cancellation; `preview` shows the fee and refund without cancelling.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingCancelInput {
    pub booking: String,
    pub reason: Option<String>,
    pub preview: Option<bool>,
}

/// An amendment: travellers added or taken off, the options after it, or another departure
/// of the same trip. With `preview`, nothing changes and the difference is shown.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingAmendInput {
    pub booking: String,
    pub add_travellers: Option<Vec<TravellerInput>>,
    /// Ids of the booking's travellers to take off.
    pub remove_travellers: Option<Vec<String>>,
    /// The booking's options after the amendment; one left out is taken off. Absent: the
    /// options stay as they are.
    pub options: Option<Vec<BookingOptionInput>>,
    pub departure_id: Option<String>,
    pub note: Option<String>,
    pub preview: Option<bool>,
}

/// What an amendment does (or did): seats and money before and after.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingAmendOutput {
    /// The booking as it now stands (unchanged after a preview).
    pub booking: BookingDto,
    pub preview: bool,
    pub departure_id: String,
    pub seats_before: i64,
    pub seats_after: i64,
    pub total_before: i64,
    pub total_after: i64,
    /// More to pay (above 0) or less (below 0).
    pub difference_minor: i64,
    pub deposit_after: i64,
    pub balance_due_on: String,
    /// Paid beyond the new total: refunded to the tenders it came from.
    pub refund_minor: i64,
    pub balance_after: i64,
}

/// A note on a booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BookingNoteInput {
    pub booking: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingTravellerDto {
    pub id: String,
    pub traveller_type: String,
    pub full_name: String,
    pub date_of_birth: Option<String>,
    pub document_number: Option<String>,
    pub price_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingItemDto {
    pub option_id: String,
    pub name: String,
    pub qty: i64,
    pub unit_minor: i64,
    pub total_minor: i64,
}

/// A step of a booking's history.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingEventDto {
    pub event: String,
    pub staff_id: String,
    pub device_id: String,
    /// What it settled, as JSON text.
    pub detail: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingPaymentDto {
    /// `payment` or `refund`.
    pub direction: String,
    pub kind: String,
    pub amount_minor: i64,
    pub receipt_number: String,
    pub at: String,
    /// A card's brand and last four digits, as the terminal reported them.
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// A card refund: `pending` until the card provider has paid it back (`refunded`) or
    /// refused (`failed`, a task for a manager); `not_charged` when the card it goes back
    /// to was declined (nothing was charged, so nothing goes back).
    pub card_refund_status: Option<String>,
    /// A card payment: `captured`, `offline_pending` (taken offline, waiting for the card
    /// provider; it counts as paid until then) or `declined` (it does not count: the booking
    /// owes it again).
    pub card_status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingNoteDto {
    pub note: String,
    pub staff_id: String,
    pub at: String,
}

/// A booking with its travellers, items, history, payments and notes.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingDto {
    pub booking_id: String,
    pub reference: String,
    pub status: String,
    pub departure_id: String,
    pub customer_id: Option<String>,
    pub seats: i64,
    pub currency: String,
    pub total_minor: i64,
    pub deposit_minor: i64,
    pub paid_minor: i64,
    pub balance_minor: i64,
    pub balance_due_on: String,
    pub hold_expires_at: Option<String>,
    pub created_at: String,
    pub travellers: Vec<BookingTravellerDto>,
    pub items: Vec<BookingItemDto>,
    pub events: Vec<BookingEventDto>,
    pub payments: Vec<BookingPaymentDto>,
    pub notes: Vec<BookingNoteDto>,
}

/// A payment taken.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingPaymentOutput {
    pub booking: BookingDto,
    pub receipt_number: String,
}

/// A cancellation, done or previewed.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingCancelOutput {
    pub booking: BookingDto,
    pub preview: bool,
    /// Calendar days before departure, in the departure's time zone.
    pub days_before: i64,
    pub fee_minor: i64,
    pub refund_minor: i64,
    /// A fee beyond what was paid.
    pub owed_minor: i64,
}

/// Which bookings to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingListInput {
    pub departure_id: Option<String>,
    pub status: Option<String>,
    /// A reference, a traveller's or customer's name, a customer id, a trip's name, or a
    /// departure date (`YYYY-MM-DD`).
    pub search: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingSummaryDto {
    pub booking_id: String,
    pub reference: String,
    pub status: String,
    pub departure_id: String,
    pub departs_at: String,
    /// The departure's time zone, which its times are read in.
    pub time_zone: String,
    pub trip_name: String,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub seats: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    pub balance_due_on: String,
    /// When a held booking's hold ends (past it, the hold has lapsed: its seats count for
    /// nobody until the device that made it marks it expired).
    pub hold_expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingListOutput {
    pub items: Vec<BookingSummaryDto>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BalanceDueDto {
    pub booking_id: String,
    pub reference: String,
    pub status: String,
    pub customer_id: Option<String>,
    pub departs_at: String,
    pub due_on: String,
    pub balance_minor: i64,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BalancesDueOutput {
    pub items: Vec<BalanceDueDto>,
}

/// Holds of this device past their time, expired now.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingsExpiredOutput {
    pub expired: Vec<String>,
}

/// A customer waiting for seats.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct WaitlistAddInput {
    pub departure_id: String,
    pub customer_id: String,
    pub seats: i64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct WaitlistEntryDto {
    pub id: String,
    pub departure_id: String,
    pub customer_id: String,
    pub seats: i64,
    pub note: Option<String>,
    /// `waiting`, `offered`, `booked` or `withdrawn`.
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct WaitlistOutput {
    pub items: Vec<WaitlistEntryDto>,
}

/// A waitlist entry.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WaitlistIdInput {
    pub id: String,
}

/// A booking's document: the confirmation as PDF.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingDocumentOutput {
    pub reference: String,
    /// The PDF's bytes, base64.
    pub base64: String,
    /// The same confirmation as a self-contained HTML page: the preview.
    pub html: String,
}

/// A booking's confirmation to email: to `to`, or to the booking's customer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingEmailInput {
    pub booking: String,
    pub to: Option<String>,
}

/// The balance reminders just queued, and the bookings due that have no address to send to.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingRemindOutput {
    pub reminded: Vec<BookingReminderDto>,
    /// References of bookings due whose customer has no email address.
    pub without_email: Vec<String>,
}

/// One balance reminder queued.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingReminderDto {
    pub booking_id: String,
    pub reference: String,
    pub email_id: String,
    pub to: String,
    pub due_on: String,
    pub balance_minor: i64,
}

/// The confirmation's email, queued.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingEmailOutput {
    pub email_id: String,
    pub to: String,
}

/// A booking to price before it is made.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct BookingPriceInput {
    pub departure_id: String,
    pub travellers: Vec<TravellerInput>,
    pub options: Option<Vec<BookingOptionInput>>,
}

/// Travellers of one type on a priced booking.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PriceLineDto {
    pub traveller_type: String,
    pub count: i64,
    pub unit_minor: i64,
    pub total_minor: i64,
}

/// A traveller's field the checks refused.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TravellerIssueDto {
    /// The traveller's position in the input, from 0.
    pub index: u32,
    /// `traveller_type`, `full_name`, `date_of_birth` or `document_number`.
    pub field: String,
    pub message: String,
}

/// A booking priced as it would be made, with what its travellers still need; nothing booked.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingPriceOutput {
    pub currency: String,
    pub travellers: Vec<PriceLineDto>,
    pub options: Vec<BookingItemDto>,
    pub total_minor: i64,
    pub deposit_minor: i64,
    pub balance_due_on: String,
    pub seats_left: i64,
    /// Empty when every traveller passes the checks.
    pub issues: Vec<TravellerIssueDto>,
}

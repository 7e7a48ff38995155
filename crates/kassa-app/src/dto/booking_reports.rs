//! DTOs of the bookings and card payments reports. Money fields are integer minor units and
//! end in `_minor`.

use super::ReportBasisDto;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A bookings or card payments report to make: business dates `from` to `to` (YYYY-MM-DD,
/// both included).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PeriodReportInput {
    pub from: String,
    pub to: String,
}

/// Bookings made in the period that have one status now.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingStatusCountDto {
    pub status: String,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
}

/// Money of one tender taken for bookings and refunded.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingTenderMoneyDto {
    pub tender: String,
    pub taken_minor: i64,
    pub refunded_minor: i64,
    pub net_minor: i64,
}

/// Money taken for bookings in the period and refunded.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingMoneyDto {
    pub payments: i64,
    /// The parts of payments that brought their booking up to its deposit.
    pub deposits_minor: i64,
    /// The parts beyond the deposit.
    pub balances_minor: i64,
    pub taken_minor: i64,
    pub refunds: i64,
    pub refunded_minor: i64,
    pub net_minor: i64,
    pub by_tender: Vec<BookingTenderMoneyDto>,
}

/// A booking cancelled in the period and what it settled.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingCancellationDto {
    pub booking_id: String,
    pub reference: String,
    pub trip_name: String,
    pub business_date: String,
    pub staff_name: String,
    pub total_minor: i64,
    /// The policy's fee.
    pub fee_minor: i64,
    /// The part of the fee covered by what was paid.
    pub kept_minor: i64,
    pub refund_minor: i64,
    /// The part of the fee still owed.
    pub owed_minor: i64,
}

/// The period's cancellations added up.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingCancellationTotalsDto {
    pub count: i64,
    pub fee_minor: i64,
    pub kept_minor: i64,
    pub refund_minor: i64,
    pub owed_minor: i64,
}

/// A balance still to collect.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingDueDto {
    pub booking_id: String,
    pub reference: String,
    pub status: String,
    pub trip_name: String,
    pub customer_name: Option<String>,
    pub departs_at: String,
    pub due_on: String,
    pub balance_minor: i64,
    pub overdue: bool,
}

/// The seats of a departure leaving in the period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DepartureLoadDto {
    pub departure_id: String,
    pub trip_code: String,
    pub trip_name: String,
    pub departs_at: String,
    pub capacity: i64,
    pub booked: i64,
    pub left: i64,
    /// Seats of the pool taken, in basis points of the capacity (10000 = full).
    pub load_bp: i64,
}

/// Bookings made in the period for one trip.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TripTotalsDto {
    pub trip_id: String,
    pub code: String,
    pub name: String,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    pub cancelled: i64,
}

/// What one person did for bookings in the period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AgentTotalsDto {
    pub staff_id: String,
    pub name: String,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    pub cancelled: i64,
    /// Money they took for bookings.
    pub taken_minor: i64,
}

/// The bookings report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BookingsReportDto {
    pub from: String,
    pub to: String,
    /// The business date balances are due against.
    pub today: String,
    pub basis: ReportBasisDto,
    pub bookings: i64,
    pub seats: i64,
    pub value_minor: i64,
    pub by_status: Vec<BookingStatusCountDto>,
    pub money: BookingMoneyDto,
    pub cancellations: Vec<BookingCancellationDto>,
    pub cancellation_totals: BookingCancellationTotalsDto,
    pub balances_due: Vec<BookingDueDto>,
    pub due_minor: i64,
    pub overdue: i64,
    pub overdue_minor: i64,
    pub departures: Vec<DepartureLoadDto>,
    pub trips: Vec<TripTotalsDto>,
    pub agents: Vec<AgentTotalsDto>,
}

/// Card payments of one status.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardStatusDto {
    /// captured, offline_pending or declined.
    pub status: String,
    pub payments: i64,
    pub amount_minor: i64,
}

/// Card payments of one brand (empty when not recorded).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardBrandDto {
    pub brand: String,
    pub payments: i64,
    pub amount_minor: i64,
    pub captured_minor: i64,
    pub pending_minor: i64,
    pub declined_minor: i64,
}

/// One card payment with its sale and the customer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardPaymentRowDto {
    pub order_id: String,
    pub number: String,
    pub business_date: String,
    pub amount_minor: i64,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub taken_at: String,
    pub age_minutes: i64,
    /// The contact taken with the payment.
    pub contact: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
}

/// This device's offline card payments against the store's limits.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardExposureDto {
    pub pending: i64,
    pub pending_minor: i64,
    pub limit_minor: i64,
    pub left_minor: i64,
    pub per_payment_minor: i64,
    pub max_age_hours: i64,
    pub oldest_at: Option<String>,
    pub oldest_age_minutes: Option<i64>,
    /// Pending offline payments of every device, as synced here.
    pub store_pending: i64,
    pub store_pending_minor: i64,
}

/// The card payments report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardsReportDto {
    pub from: String,
    pub to: String,
    pub basis: ReportBasisDto,
    pub payments: i64,
    pub amount_minor: i64,
    pub by_status: Vec<CardStatusDto>,
    pub by_brand: Vec<CardBrandDto>,
    /// Pending in the period, oldest first.
    pub pending: Vec<CardPaymentRowDto>,
    /// Declined in the period, oldest first.
    pub declined: Vec<CardPaymentRowDto>,
    pub exposure: CardExposureDto,
}

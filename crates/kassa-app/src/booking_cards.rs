//! Card payments for bookings, through the server's card provider.
//!
//! A booking takes a card only while the server and the provider answer: the card is captured
//! first, then the payment is written, captured, with the provider's PaymentIntent. Offline,
//! a card is refused (take cash or a voucher, or keep the booking held and take the card once
//! online). A card taken offline on a sale is safe to wait for, since the goods left with the
//! customer; a booking's deposit confirms seats weeks ahead, and a card declined days later
//! would leave a confirmed booking unpaid with nobody at the counter to ask.
//!
//! The card goes under ids kept beforehand (`cards::attempt_for_booking`), so asking again
//! with the same key after a lost answer charges once and writes the payment once.
//!
//! Money going back (a cancellation's refund, an amendment's difference) returns to each card
//! payment it came from: the refund rows are written pending with the cancellation, then paid
//! back through the provider at once when the server answers ([`Api::pay_back_booking_cards`]),
//! else at the next sync.

use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::Permission;
use kassa_store::bookings::{self, Booking, BookingTender, CardCapture, PaymentOutcome};
use kassa_store::foundation::{ids, sync_state};
use kassa_store::selling::cards::{self, OutcomeStatus};
use kassa_sync_client::blocking;
use kassa_sync_protocol::wire::CardPaymentRequest;

/// Why a card was refused without the provider's answer.
fn offline_refusal(why: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ServerUnreachable,
        format!(
            "{why}: a booking takes a card only while the server and the card provider answer. Take cash or a voucher, or keep the booking held and take the card once online"
        ),
    )
}

impl Api {
    /// Takes `amount_minor` by card (the terminal's `token`) for booking `booking`: captured
    /// by the provider through the server, then written (see the module's documentation).
    /// `key` makes a retry the same payment.
    pub(crate) fn pay_booking_by_card(
        &self,
        booking: &str,
        amount_minor: i64,
        token: Option<&str>,
        key: Option<&str>,
    ) -> ApiResult<PaymentOutcome> {
        let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "a card payment needs the card terminal's token (pm_...); never type a card number",
            )
        })?;
        cards::check_token(token)?;
        let key = match key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => k.to_owned(),
            None => ids::new_id(),
        };
        let (b, attempt) = {
            let mut cx = self.begin(Permission::Book)?;
            let held = bookings::get(cx.store.conn(), booking)?;
            let attempt = cards::attempt_for_booking(&mut cx.store, &key, token, &held.id)?;
            if attempt.order_id != held.id {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyMismatch,
                    "this key was used for another payment; take the card under a new key",
                ));
            }
            // Written already (the answer was lost): the same payment answers.
            if let Some(p) = held.payments.iter().find(|p| p.id == attempt.payment_id) {
                return Ok(PaymentOutcome {
                    receipt_number: p.receipt_number.clone(),
                    payment_id: p.id.clone(),
                    booking: held,
                });
            }
            let now = cx.store.clock().now();
            let b = bookings::payable(cx.store.conn(), &held.id, amount_minor, now)?;
            if sync_state::state(cx.store.conn())?.is_none() {
                return Err(offline_refusal("this device is not paired with a server"));
            }
            (b, attempt)
        };
        let req = CardPaymentRequest {
            payment_method: token.to_owned(),
            amount_minor,
            currency: b.currency.clone(),
            order_id: b.id.clone(),
            payment_id: attempt.payment_id.clone(),
            idempotency_key: attempt.provider_key.clone(),
            taken_offline_at: None,
        };
        let answer = match blocking::pay_card(&self.store, &req) {
            Ok(a) => a,
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::ServerUnreachable | ErrorCode::Unavailable
                ) =>
            {
                return Err(offline_refusal(&format!(
                    "the card provider cannot be reached ({})",
                    e.message
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let capture = match OutcomeStatus::parse(&answer.status) {
            Some(OutcomeStatus::Captured) => CardCapture {
                payment_id: attempt.payment_id.clone(),
                intent_id: answer.intent_id.unwrap_or_default(),
                // Only what reads as a brand and four digits is kept: an odd answer never
                // stops a captured card from being written.
                brand: answer.brand.filter(|b| {
                    b.chars().count() <= 32
                        && b.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')
                }),
                last4: answer
                    .last4
                    .filter(|l| l.len() == 4 && l.bytes().all(|c| c.is_ascii_digit())),
            },
            Some(OutcomeStatus::Declined) => {
                let why = answer
                    .decline_code
                    .unwrap_or_else(|| "card_declined".to_owned());
                return Err(ApiError::new(
                    ErrorCode::CardDeclined,
                    format!(
                        "the card provider declined the card ({why}); nothing was taken for booking {}: take another payment",
                        b.reference
                    ),
                ));
            }
            None => {
                return Err(ApiError::new(
                    ErrorCode::Unavailable,
                    format!(
                        "the card provider has not decided about the card yet ({}); ask again with the same key: the card is charged once",
                        answer.status
                    ),
                ));
            }
        };
        let mut cx = self.begin(Permission::Book)?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        cx.store
            .write(|tx| {
                bookings::pay(
                    tx,
                    &store_id,
                    &staff,
                    &b.id,
                    BookingTender::Card(capture.clone()),
                    amount_minor,
                )
            })
            .map_err(|e| {
                tracing::error!(payment = %capture.payment_id, error = %e.message, "a captured card was not written");
                ApiError::new(
                    e.code,
                    format!(
                        "the card was charged but the payment could not be written ({}); ask again with the same key to write it, or refund it from the server's card payments",
                        e.message
                    ),
                )
            })
    }

    /// Pays the card refunds of booking `b` still pending back through the server's card
    /// provider now, on a paired device; the server out of reach leaves them for the next
    /// sync. Answers the booking as it then stands.
    pub(crate) fn pay_back_booking_cards(&self, b: Booking) -> ApiResult<Booking> {
        let pending = b
            .payments
            .iter()
            .any(|p| p.card_refund_status.as_deref() == Some("pending"));
        if !pending {
            return Ok(b);
        }
        self.send_card_refunds(&b.id)?;
        Ok(bookings::get(self.store().conn(), &b.id)?)
    }
}
